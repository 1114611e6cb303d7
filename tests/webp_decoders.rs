//! WebP decoding gives Pillow's pixels whatever decoder the build uses: lossy, lossless,
//! with and without alpha, and the first frame of an animation (`fixtures/webp/`, made and
//! checksummed with Pillow by `fixtures/webp/make_webp.py`). The corpus holds lossy WebPs
//! without alpha only, so this is where the other kinds are checked.
//!
//! The hashing path (`decode_rgb8_into`: libwebp with the cargo feature `libwebp`, the
//! `image` crate's image-webp otherwise) and the `DynamicImage` path (`decode_bytes`, always
//! the `image` crate) must both reproduce Pillow's RGB bytes exactly.

use std::path::Path;

use hashscope::decode::decode_rgb8_into;
use hashscope::{decode_bytes, to_rgb8, DecodeLimits};
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn every_decoder_gives_pillows_pixels() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/webp");
    let table = std::fs::read_to_string(dir.join("pillow-rgb.tsv")).unwrap();
    let lim = DecodeLimits::default();
    let mut checked = 0;
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (name, w, h, want) = (f[0], f[1].parse::<u32>().unwrap(), f[2].parse().unwrap(), f[3]);
        let bytes = std::fs::read(dir.join(name)).unwrap();

        let mut rgb = Vec::new();
        let size = decode_rgb8_into(&bytes, &lim, &mut rgb).unwrap();
        assert_eq!(size, (w, h), "{name}: size (hashing path)");
        assert_eq!(sha256_hex(&rgb), want, "{name}: pixels differ from Pillow's (hashing path)");

        let img = to_rgb8(&decode_bytes(&bytes, &lim).unwrap());
        assert_eq!(img.dimensions(), (w, h), "{name}: size (image crate)");
        assert_eq!(sha256_hex(img.as_raw()), want, "{name}: pixels differ (image crate)");
        checked += 1;
    }
    assert_eq!(checked, 5, "the table lists five files");
}

/// The libwebp decoder itself: errors are typed and an animation is left to the `image`
/// crate (`None`), not decoded here.
#[cfg(feature = "libwebp")]
#[test]
fn libwebp_errors_and_animations() {
    use hashscope::decode::libwebp::{decode_rgb8, is_webp};
    use hashscope::ErrorKind;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let lim = DecodeLimits::default();
    let mut out = Vec::new();
    let animated = std::fs::read(fixtures.join("webp/animated.webp")).unwrap();
    assert!(is_webp(&animated));
    assert_eq!(decode_rgb8(&animated, &lim, &mut out).unwrap(), None);

    let truncated = std::fs::read(fixtures.join("bad/truncated.webp")).unwrap();
    let e = decode_rgb8(&truncated, &lim, &mut out).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.to_string().contains("WebP (libwebp)"), "{e}");

    let lossy = std::fs::read(fixtures.join("webp/lossy.webp")).unwrap();
    let e = decode_rgb8(&lossy, &lim.with_max_pixels(96 * 64 - 1), &mut out).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limits, "{e}");
    assert!(!is_webp(b"RIFF\0\0\0\0WAVE"));
}
