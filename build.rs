//! Build script: enables the AVX-512 distance kernel when the compiler supports the
//! `avx512vpopcntdq` target feature (stable since Rust 1.89; the crate's MSRV is older).

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(hashscope_avx512)");
    println!("cargo::rerun-if-changed=build.rs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let minor = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_string))
        .and_then(|v| v.split('.').nth(1).and_then(|m| m.parse::<u32>().ok()));
    if minor.is_some_and(|m| m >= 89) {
        println!("cargo::rustc-cfg=hashscope_avx512");
    }
}
