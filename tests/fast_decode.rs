//! Agreement of the fast decoding path (`HasherConfig::fast_decode`, `hashscope hash
//! --fast-decode`: JPEGs at reduced size, and with libjpeg-turbo straight to luma) with the
//! exact path, printed per algorithm (identical share, mean, median
//! and maximum Hamming distance) and held to the bars of the project's core issue for PDQ:
//! at most 10 bits on every JPEG of quality ≥ 80, median at most 2.
//!
//! Two sets:
//!
//! - `large`: the real camera-size JPEGs of `fixtures/large` (decoded at 1/2 to 1/8), each
//!   algorithm alone and all five together (one decode at the largest size any needs);
//! - `corpus×3`: every JPEG of `fixtures/corpus` enlarged 3× (LANCZOS) and re-encoded at
//!   quality 90 in memory, so that the fast path has hundreds of varied images to shrink.
//!   Enlarged images are smoother than real photos, so this set is the kinder of the two.
//!
//! `fixtures/corpus` itself (≤ 512 px) is reported as a third set: an algorithm whose minimum
//! side the image cannot halve decodes it at full size there, exactly (identical hashes)
//! except that with libjpeg-turbo the decoder's luma replaces RGB.
//!
//! The whole corpus, PNG and WebP included, each algorithm alone and all five together, is
//! the fourth: where the decoder cannot shrink an image (PNG, WebP, a JPEG PDQ needs
//! whole), the imagehash family hashes a box-reduced copy of its luma.
//!
//! `fixtures/progressive` (12 progressive JPEGs, sides ≥ 1024) is the fifth: with the cargo
//! feature `libjpeg-turbo` the fast path decodes them at 1/8 from their first (DC) scans.
//!
//! Run with `cargo test --test fast_decode -- --nocapture` to see the figures
//! (docs/src/throughput.md records them).

mod common;

use std::io::Cursor;
use std::path::PathBuf;

use common::{fixture, Agreement};
use hashscope::hasher::fast_decode_min_side;
use hashscope::{Algorithm, Hasher, HasherConfig};
use image::codecs::jpeg::JpegEncoder;
use rayon::prelude::*;

/// The exact hasher (all five algorithms) and one fast hasher per algorithm: each algorithm
/// alone, because the fast path keeps the largest size any configured algorithm needs (with
/// wHash configured, large images are barely shrunk at all).
fn hashers() -> (Hasher, Vec<Hasher>) {
    let exact = HasherConfig::default().build();
    let fast = Algorithm::ALL
        .iter()
        .map(|a| HasherConfig::default().algorithms(&[*a]).fast_decode(true).build())
        .collect();
    (exact, fast)
}

/// Every image under `fixtures/<dir>`.
fn images(dir: &str) -> Vec<PathBuf> {
    let set = hashscope::corpus::collect_images(&[fixture(dir)]).expect("fixtures");
    set.files.into_iter().map(|f| f.path).collect()
}

fn jpegs(dir: &str) -> Vec<PathBuf> {
    images(dir)
        .into_iter()
        .filter(|p| {
            let e = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            e == "jpg" || e == "jpeg"
        })
        .collect()
}

/// Per image: (exact PDQ quality, distance per algorithm in `Algorithm::ALL` order).
type Row = (String, u8, [u32; 5]);

/// `fast[i]` gives algorithm `i`'s fast hash; a hasher configured like the one before it
/// (all five together) is not run again.
fn compare(name: &str, bytes: &[u8], exact: &Hasher, fast: &[Hasher]) -> Row {
    let a = exact.hash_bytes(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut d = [0u32; 5];
    let mut last: Option<(&Hasher, hashscope::ImageHashes)> = None;
    for (i, algo) in Algorithm::ALL.iter().enumerate() {
        let b = match last.take() {
            Some((h, b)) if h.config() == fast[i].config() => b,
            _ => fast[i].hash_bytes(bytes).unwrap_or_else(|e| panic!("{name}: {e}")),
        };
        assert_eq!((a.width, a.height), (b.width, b.height), "{name}: stored size is reported");
        d[i] = a.get(*algo).unwrap().distance(b.get(*algo).unwrap()).unwrap();
        last = Some((&fast[i], b));
    }
    (name.to_string(), a.pdq_quality.unwrap_or(0), d)
}

/// [`compare`] on every file of `paths`, in parallel.
fn compare_files(paths: &[PathBuf], exact: &Hasher, fast: &[Hasher]) -> Vec<Row> {
    paths
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            compare(&p.display().to_string(), &bytes, exact, fast)
        })
        .collect()
}

fn report(label: &str, rows: &[Row]) {
    let pdq = Algorithm::ALL.iter().position(|a| *a == Algorithm::Pdq).unwrap();
    for (i, algo) in Algorithm::ALL.iter().enumerate() {
        let mut a = Agreement::default();
        rows.iter().for_each(|r| a.push(r.2[i]));
        println!("fast_decode {label}: {}", a.summary(algo.name()));
    }
    let mut q80 = Agreement::default();
    for (name, q, d) in rows {
        if *q >= 80 {
            q80.push(d[pdq]);
            assert!(d[pdq] <= 10, "{label} {name}: PDQ differs by {} bits at quality {q}", d[pdq]);
        }
    }
    println!("fast_decode {label}: {}", q80.summary("pdq quality>=80"));
    assert!(q80.median() <= 2.0, "{label}: PDQ median {} bits", q80.median());
}

/// The imagehash family on a set of small images: on average well under a bit, and more than
/// 4 bits on at most 1 % of the images per algorithm. The known exceptions are near-flat
/// images, whose aHash bits sit within a grey level of the mean and flip for any change of
/// pixels (pypi-scikit-image__00004.png: 17 bits; docs/src/throughput.md).
fn family_bounds(label: &str, rows: &[Row]) {
    for (i, algo) in Algorithm::ALL.iter().enumerate() {
        if *algo == Algorithm::Pdq {
            continue;
        }
        let mut a = Agreement::default();
        rows.iter().for_each(|r| a.push(r.2[i]));
        let far: Vec<&str> = rows.iter().filter(|r| r.2[i] > 4).map(|r| r.0.as_str()).collect();
        println!("fast_decode {label}: {algo} moved by more than 4 bits: {far:?}");
        assert!(a.mean() <= 0.5, "{label}: {algo} mean {} bits", a.mean());
        assert!(far.len() * 100 <= rows.len(), "{label}: {algo} far on {far:?}");
    }
}

#[test]
fn fast_decode_agreement_with_the_exact_path() {
    let (exact, fast) = hashers();

    // Real large JPEGs.
    let large = compare_files(&jpegs("large"), &exact, &fast);
    assert!(large.len() >= 6);
    report("large", &large);

    // All five from one reduced decode, the configuration whose speed docs/src/throughput.md
    // quotes against OpenCV: the largest need wins (PDQ's 1024, or half of wHash's size).
    let together = vec![HasherConfig::default().fast_decode(true).build(); Algorithm::ALL.len()];
    let large_together = compare_files(&jpegs("large"), &exact, &together);
    report("large, all five together", &large_together);
    for (name, _, d) in &large_together {
        for (i, algo) in Algorithm::ALL.iter().enumerate() {
            assert!(d[i] <= 4 || *algo == Algorithm::Pdq, "{name}: {algo} moved by {} bits", d[i]);
        }
    }

    // Small JPEGs: an algorithm that cannot halve them gets them whole (identical hashes,
    // but for the luma decode with libjpeg-turbo: PDQ's matrix-product blur is not bit-exact,
    // but moves none of these hashes); the others get them at 1/2.
    let small = jpegs("corpus");
    assert!(small.len() > 300);
    let small_rows: Vec<Row> = small
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            let row = compare(&p.display().to_string(), &bytes, &exact, &fast);
            let (w, h) = image::image_dimensions(p).unwrap();
            for (i, algo) in Algorithm::ALL.iter().enumerate() {
                let need = fast_decode_min_side(&[*algo], w, h);
                // With libjpeg-turbo even a JPEG kept at full size is decoded straight to
                // its luma, which moves a bit here and there (bounded by `family_bounds`).
                if w.div_ceil(2).min(h.div_ceil(2)) < need && !cfg!(feature = "libjpeg-turbo") {
                    assert_eq!(row.2[i], 0, "{}: {algo} changed but was not shrunk", row.0);
                }
            }
            row
        })
        .collect();
    report("corpus", &small_rows);
    family_bounds("corpus", &small_rows);

    // Every corpus image, JPEG, PNG and WebP, each algorithm alone and all five together.
    // PNG and WebP are decoded whole, and so is every JPEG when PDQ is configured: there the
    // imagehash family hashes a box-reduced copy of the luma instead of a reduced decode.
    let everything = images("corpus");
    assert_eq!(everything.len(), 398);
    for (label, hashers) in
        [("corpus, all formats", &fast), ("corpus, all formats, all five together", &together)]
    {
        let rows = compare_files(&everything, &exact, hashers);
        report(label, &rows);
        family_bounds(label, &rows);
    }

    // Progressive JPEGs: with libjpeg-turbo, aHash/dHash/pHash read them at 1/8 from their
    // first scans.
    let progressive = jpegs("progressive");
    assert_eq!(progressive.len(), 12);
    let prog_rows: Vec<Row> = progressive
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            let mut out = Vec::new();
            let lim = hashscope::DecodeLimits::default();
            let need = |w, h| fast_decode_min_side(&[Algorithm::PHash], w, h);
            let d =
                hashscope::decode::decode_rgb8_reduced_into(&bytes, &lim, need, &mut out).unwrap();
            let expected = if cfg!(feature = "libjpeg-turbo") { 8 } else { 1 };
            assert_eq!(d.scale_denominator(), expected, "{}", p.display());
            compare(&p.display().to_string(), &bytes, &exact, &fast)
        })
        .collect();
    report("progressive", &prog_rows);
    for (name, _, d) in &prog_rows {
        for (i, algo) in Algorithm::ALL.iter().enumerate() {
            // Without libjpeg-turbo they are decoded whole: PDQ hashes the exact pixels (its
            // matrix-product blur moves none of these hashes), the imagehash family a
            // box-reduced copy.
            if !cfg!(feature = "libjpeg-turbo") && *algo == Algorithm::Pdq {
                assert_eq!(d[i], 0, "{name}: {algo} changed but was decoded exactly");
            }
            assert!(d[i] <= 4 || *algo == Algorithm::Pdq, "{name}: {algo} moved by {} bits", d[i]);
        }
    }

    // The corpus enlarged 3× and re-encoded at quality 90: every 8th file here (keeps
    // `cargo test` short on CI's two cores); all of them with HASHSCOPE_FULL_AGREEMENT=1, as
    // recorded in docs/src/throughput.md.
    let step = if std::env::var_os("HASHSCOPE_FULL_AGREEMENT").is_some() { 1 } else { 8 };
    let sample: Vec<_> = small.iter().step_by(step).collect();
    let enlarged: Vec<Row> = sample
        .par_iter()
        .map(|p| {
            let img = image::open(p).unwrap().to_rgb8();
            let (w, h) = img.dimensions();
            let big =
                image::imageops::resize(&img, 3 * w, 3 * h, image::imageops::FilterType::Lanczos3);
            let mut bytes = Vec::new();
            JpegEncoder::new_with_quality(Cursor::new(&mut bytes), 90).encode_image(&big).unwrap();
            compare(&format!("{}×3", p.display()), &bytes, &exact, &fast)
        })
        .collect();
    report("corpus×3", &enlarged);
}

#[test]
fn cli_flag_reports_stored_sizes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hashscope"))
        .args(["hash", "--fast-decode", "--algo", "pdq,phash"])
        .arg(fixture("large"))
        .output()
        .expect("run hashscope");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 6);
    let big = rows.iter().find(|r| r[0].ends_with("lomiri-wallpapers-20.04__00004.jpg")).unwrap();
    assert_eq!((big[3], big[4]), ("6000", "4000"), "the stored size, not the decoded one");
    assert!(rows.iter().all(|r| r[5].len() == 64 && r[6].len() == 16), "{text}");
}

/// Under the fast path wHash works at the stored size's `image_scale` (2048 for a 6000 × 4000
/// photo), from the pixels decoded at reduced size — not at the decoded size's (1024).
#[test]
fn fast_whash_keeps_the_stored_working_size() {
    use hashscope::algorithms::whash::{image_scale, whash_at_scale};
    let bytes = std::fs::read(fixture("large/lomiri-wallpapers-20.04__00004.jpg")).unwrap();
    let lim = hashscope::DecodeLimits::default();
    let mut px = Vec::new();
    let need = |w, h| fast_decode_min_side(&[Algorithm::WHash], w, h);
    let luma_if_cheaper = hashscope::decode::Output::LumaWhereCheaper;
    let d = hashscope::decode::decode_reduced_into(&bytes, &lim, need, luma_if_cheaper, &mut px)
        .unwrap();
    assert_eq!((d.width, d.height), (6000, 4000));
    let expected = if cfg!(feature = "libjpeg-turbo") { 2 } else { 1 };
    assert_eq!(d.scale_denominator(), expected);
    assert_eq!(d.luma, cfg!(feature = "libjpeg-turbo"), "straight to luma with libjpeg-turbo");
    let (dw, dh) = (d.decoded_width, d.decoded_height);
    let luma = if d.luma {
        image::GrayImage::from_raw(dw, dh, px).unwrap()
    } else {
        hashscope::preprocess::pillow::rgb_to_l(&image::RgbImage::from_raw(dw, dh, px).unwrap())
    };
    let want = whash_at_scale(&luma, image_scale(6000, 4000)).unwrap();
    let fast = HasherConfig::default().algorithms(&[Algorithm::WHash]).fast_decode(true).build();
    let got = fast.hash_bytes(&bytes).unwrap();
    assert_eq!(got.get(Algorithm::WHash).unwrap().to_hex(), want.to_hex());
    if cfg!(feature = "libjpeg-turbo") {
        // At the decoded size's own working size the transform would differ.
        assert_eq!(image_scale(d.decoded_width, d.decoded_height), 1024);
    }
}
