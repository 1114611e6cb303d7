//! Builds the bridge to the system's libjpeg-turbo when the cargo feature `libjpeg-turbo` is
//! on (see src/decode/libjpeg.rs); without it there is nothing to build.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "libjpeg-turbo")]
    {
        println!("cargo:rerun-if-changed=csrc/libjpeg_shim.c");
        cc::Build::new().file("csrc/libjpeg_shim.c").warnings(true).compile("hashscope_libjpeg");
        // Debian/Ubuntu: `apt-get install libjpeg62-turbo-dev` (or `libjpeg-turbo8-dev`).
        println!("cargo:rustc-link-lib=jpeg");
    }
}
