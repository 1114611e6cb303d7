//! Byte-exactness of `preprocess::pillow::resize` against Pillow 13.0.0: the test vectors in
//! `fixtures/golden/pillow-resize.tsv` (see `fixtures/golden/README-pillow.md`) are Pillow's
//! "L" resize outputs on crops of the lossless fixtures, for all five filters, odd and tiny
//! sizes, upscaling, single-axis changes and both pass orders.

mod common;

use common::{fixture, golden};
use hashscope::preprocess::pillow::{resize, rgb_to_l, Filter};
use hashscope::{load_rgb8, DecodeLimits};

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn nums(s: &str, sep: char) -> Vec<u32> {
    s.split(sep).map(|v| v.parse().expect("number")).collect()
}

#[test]
fn resize_matches_pillow_byte_for_byte() {
    let rows = golden("pillow-resize.tsv");
    assert!(rows.len() >= 400, "{} rows", rows.len());
    let mut cache: Option<(String, image::GrayImage)> = None;
    let mut failures = Vec::new();
    for row in &rows {
        let file = &row["file"];
        if cache.as_ref().map(|(f, _)| f != file).unwrap_or(true) {
            let rgb = load_rgb8(fixture(file), &DecodeLimits::default()).expect("decode");
            cache = Some((file.clone(), rgb_to_l(&rgb)));
        }
        let luma = &cache.as_ref().expect("cached image").1;
        let c = nums(&row["crop"], ',');
        let size = nums(&row["size"], 'x');
        let filter: Filter = row["filter"].parse().expect("filter name");
        let src = image::imageops::crop_imm(luma, c[0], c[1], c[2], c[3]).to_image();
        let out = resize(&src, size[0], size[1], filter).expect("resize");
        let got = format!("{:016x}", fnv1a64(out.as_raw()));
        let hex_ok = row["bytes"] == "-" || {
            let hex: String = out.as_raw().iter().map(|b| format!("{b:02x}")).collect();
            hex == row["bytes"]
        };
        if got != row["fnv1a64"] || !hex_ok {
            failures.push(format!(
                "{file} crop {} → {} {} (order {})",
                row["crop"], row["size"], row["filter"], row["order"]
            ));
        }
    }
    println!("{} of {} resize vectors byte-identical", rows.len() - failures.len(), rows.len());
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
