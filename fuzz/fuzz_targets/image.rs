//! Image bytes → decode → all five hashes. Must never panic; errors are fine.
#![no_main]

use hashscope::{DecodeLimits, HasherConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Tighter limits than the defaults so that a declared 10000×10000 image is rejected up
    // front instead of spending the fuzzer's time and memory budget (2 GB RSS by default).
    let limits = DecodeLimits::default()
        .with_max_side(8192)
        .with_max_pixels(4_000_000)
        .with_max_alloc_bytes(256 << 20);
    let hasher = HasherConfig::default().limits(limits).build();
    if let Ok(h) = hasher.hash_bytes(data) {
        assert_eq!(h.hashes.len(), 5);
        assert!(h.width > 0 && h.height > 0);
    }
});
