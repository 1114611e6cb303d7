//! Hex strings → hashes of every algorithm. Must never panic; a parsed hash prints back as
//! the same hex (lowercased, prefix dropped).
#![no_main]

use hashscope::{Algorithm, Bits256, Bits64, ImageHash};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = Bits64::from_hex(&s);
    let _ = Bits256::from_hex(&s);
    let _ = s.parse::<Algorithm>();
    for algo in Algorithm::ALL {
        if let Ok(h) = ImageHash::from_hex(algo, &s) {
            let hex = h.to_hex();
            assert_eq!(hex.len() as u32, algo.bits() / 4);
            assert_eq!(ImageHash::from_hex(algo, &hex).expect("own hex parses"), h);
            let lower = s.to_ascii_lowercase();
            assert!(lower.ends_with(&hex), "{s:?} -> {hex}");
        }
    }
});
