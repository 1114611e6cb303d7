//! Agreement with Python `imagehash` 4.3.2 (+ Pillow 13.0.0) on every fixture listed in
//! `fixtures/golden/imagehash.tsv`.
//!
//! Pipeline on our side: `load_rgb8` (the `image` crate's decoders) → `rgb_to_l` → hash. The
//! reference did `Image.open(path).convert("RGB")` → imagehash. Our preprocessing and hashing
//! reproduce Pillow, numpy, SciPy and PyWavelets exactly, so on losslessly stored images the
//! hashes must be **identical**. Lossy formats are decoded by different decoders (zune-jpeg
//! vs libjpeg-turbo: different IDCT and chroma upsampling; image-webp vs libwebp), whose pixels
//! differ by a few grey levels, so a few bits may differ there; the test only bounds the mean.

mod common;

use std::collections::BTreeMap;

use common::{fixture, golden, Agreement};
use hashscope::algorithms::{ahash::ahash, dhash::dhash, phash::phash, whash::whash};
use hashscope::preprocess::pillow::rgb_to_l;
use hashscope::{load_rgb8, Bits64, DecodeLimits};
use rayon::prelude::*;

const ALGOS: [&str; 4] = ["ahash", "dhash", "phash", "whash"];

/// The set a fixture belongs to: `lossless`, or `<dir>-<format>` for the others.
fn set_of(file: &str) -> String {
    let dir = file.split('/').next().unwrap_or("?");
    if dir == "lossless" {
        return "lossless".into();
    }
    let ext = file.rsplit('.').next().unwrap_or("?").to_ascii_lowercase();
    let fmt = match ext.as_str() {
        "jpg" | "jpeg" => "jpeg",
        other => other,
    };
    format!("{dir}-{fmt}")
}

#[test]
fn imagehash_golden_agreement() {
    let rows = golden("imagehash.tsv");
    assert!(rows.len() > 400, "expected the full fixture list, got {} rows", rows.len());

    let results: Vec<(String, String, [u32; 4])> = rows
        .par_iter()
        .map(|row| {
            let file = &row["file"];
            let rgb = load_rgb8(fixture(file), &DecodeLimits::default())
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let luma = rgb_to_l(&rgb);
            let ours = [ahash(&luma), dhash(&luma), phash(&luma), whash(&luma)];
            let mut d = [0u32; 4];
            for (i, name) in ALGOS.iter().enumerate() {
                let want = Bits64::from_hex(&row[*name]).unwrap();
                let got = ours[i].as_ref().unwrap_or_else(|e| panic!("{file} {name}: {e}"));
                d[i] = got.hamming(&want);
            }
            (file.clone(), set_of(file), d)
        })
        .collect();

    let mut by_set: BTreeMap<(String, usize), Agreement> = BTreeMap::new();
    let mut all: [Agreement; 4] = Default::default();
    for (_, set, d) in &results {
        for i in 0..4 {
            by_set.entry((set.clone(), i)).or_default().push(d[i]);
            all[i].push(d[i]);
        }
    }
    for (i, name) in ALGOS.iter().enumerate() {
        println!("{}", all[i].summary(&format!("{name} all")));
        for ((set, j), a) in &by_set {
            if *j == i {
                println!("  {}", a.summary(&format!("{name} {set}")));
            }
        }
    }
    for (file, _, d) in &results {
        if d.iter().any(|&x| x > 0) {
            println!("differs: {file} ahash {} dhash {} phash {} whash {}", d[0], d[1], d[2], d[3]);
        }
    }

    for (i, name) in ALGOS.iter().enumerate() {
        assert!(all[i].mean() <= 1.0, "{name}: mean distance {} > 1 bit", all[i].mean());
    }
    // Losslessly stored images (the lossless set and the corpus PNGs) decode to the same
    // pixels as in Pillow, and every later step is exact: all four hashes must be identical.
    // With the cargo feature `libjpeg-turbo`, JPEGs are decoded by Pillow's own decoder, with
    // its settings: then every file must hash exactly as the reference.
    let exact =
        |set: &str| cfg!(feature = "libjpeg-turbo") || set == "lossless" || set == "corpus-png";
    for (file, set, d) in &results {
        if exact(set) {
            assert_eq!(*d, [0, 0, 0, 0], "{file}: distances (ahash, dhash, phash, whash)");
        }
    }
}
