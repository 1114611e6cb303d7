//! Hashing speed, hashscope against the `image_hasher` crate (the maintained fork of
//! `img_hash`) in the same criterion groups, so every figure is a ratio measured in one run.
//!
//! - `from_buffer/512` and `from_buffer/4000`: an already decoded RGB image → hash
//!   (greyscale conversion and resizing included, decoding excluded).
//! - `file_to_hash/small`: every file of `fixtures/corpus` (398 images ≤ 512 px, the shared
//!   corpus less its GPL files) → hash, reading and decoding included; throughput in files/s.
//! - `file_to_hash/large`: the large JPEGs → hash, decoding included. The directory is
//!   `$HASHSCOPE_BENCH_LARGE` when set (e.g. the shared corpus's `full/`, 10 JPEGs of
//!   2–24 MP), else `fixtures/large` (6 JPEGs of 1–24 MP).
//!
//! In both `file_to_hash` groups the `+fast` cases use the optional reduced-size JPEG
//! decoding (`HasherConfig::fast_decode`). With `--features libjpeg-turbo`, JPEGs are decoded
//! by the system's libjpeg-turbo (Pillow's and OpenCV's decoder) instead of zune-jpeg.
//!
//! The `decode-only/…` cases read and decode every file as the hasher named in brackets does
//! and hash nothing: the floor under that hasher's time, so the highest ratio to a peer that
//! any hashing code could reach with these decoders is `decode-only` files/s ÷ peer files/s.
//!
//! - `jpeg_decode/small`: the JPEGs of the small set, held in memory, decoded to luma at the
//!   fast path's scales for pHash, at 1/8 (only the DC coefficients: what is left is the
//!   entropy decoding) and at full size, and by zune-jpeg (the default build's decoder) at
//!   full size: how much of a JPEG's time any reduced-size decode can save.
//!
//! `image_hasher` has no PDQ and no wHash; its closest configurations are used as peers:
//! `Mean` 8×8 Lanczos3 (≈ aHash), `Gradient` (≈ dHash), `Mean` + DCT preprocessing (≈ pHash).
//! The Python peers (pdqhash, OpenCV, imagehash) are timed on the same files by
//! `benches/peers.py`; docs/src/throughput.md explains how to run both and compare.
//!
//! Run: `cargo bench --bench hashing -- file_to_hash --warm-up-time 1 --measurement-time 3`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hashscope::decode::{decode_pixels_into, decode_reduced_into, Output};
use hashscope::hasher::fast_decode_min_side;
use hashscope::{Algorithm, DecodeLimits, Hasher, HasherConfig};
use image::imageops::FilterType;
use image::RgbImage;
use image_hasher::HashAlg;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let set = hashscope::corpus::collect_images(&[dir.to_path_buf()]).expect("bench images");
    set.files.into_iter().map(|f| f.path).collect()
}

fn ours(algos: &[Algorithm]) -> Hasher {
    HasherConfig::default().algorithms(algos).build()
}

fn peer(alg: HashAlg, dct: bool) -> image_hasher::Hasher {
    let cfg = image_hasher::HasherConfig::new()
        .hash_size(8, 8)
        .resize_filter(FilterType::Lanczos3)
        .hash_alg(alg);
    if dct {
        cfg.preproc_dct().to_hasher()
    } else {
        cfg.to_hasher()
    }
}

fn ours_cases() -> Vec<(&'static str, Hasher)> {
    vec![
        ("hashscope/ahash", ours(&[Algorithm::AHash])),
        ("hashscope/dhash", ours(&[Algorithm::DHash])),
        ("hashscope/phash", ours(&[Algorithm::PHash])),
        ("hashscope/whash", ours(&[Algorithm::WHash])),
        ("hashscope/pdq", ours(&[Algorithm::Pdq])),
        ("hashscope/all5", ours(&Algorithm::ALL)),
    ]
}

/// The reduced-size decoding variants.
fn fast_cases() -> Vec<(&'static str, Hasher)> {
    let fast = |a: &[Algorithm]| HasherConfig::default().algorithms(a).fast_decode(true).build();
    vec![
        ("hashscope/phash+fast", fast(&[Algorithm::PHash])),
        ("hashscope/pdq+fast", fast(&[Algorithm::Pdq])),
        ("hashscope/all5+fast", fast(&Algorithm::ALL)),
    ]
}

/// Reads and decodes `path` as a hasher for `algos` does (`fast`: its reduced-size decode),
/// into `buf` (the file) and `out` (the pixels), hashing nothing.
fn decode_only(path: &Path, algos: &[Algorithm], fast: bool, buf: &mut Vec<u8>, out: &mut Vec<u8>) {
    use std::io::Read;
    buf.clear();
    std::fs::File::open(path).and_then(|mut f| f.read_to_end(buf)).expect("read");
    let lim = DecodeLimits::default();
    if fast {
        let min_side = |w, h| fast_decode_min_side(algos, w, h);
        decode_reduced_into(buf, &lim, min_side, Output::LumaWhereCheaper, out).expect("decode");
    } else {
        decode_pixels_into(buf, &lim, out).expect("decode");
    }
}

/// The decode-only floors: (name, algorithms, fast).
fn decode_only_cases() -> Vec<(&'static str, &'static [Algorithm], bool)> {
    vec![
        ("decode-only/(exact)", &[], false),
        ("decode-only/(phash+fast)", &[Algorithm::PHash], true),
        ("decode-only/(pdq+fast)", &[Algorithm::Pdq], true),
        ("decode-only/(all5+fast)", &Algorithm::ALL, true),
    ]
}

fn peer_cases() -> Vec<(&'static str, image_hasher::Hasher)> {
    vec![
        ("image_hasher/mean(ahash)", peer(HashAlg::Mean, false)),
        ("image_hasher/gradient(dhash)", peer(HashAlg::Gradient, false)),
        ("image_hasher/mean+dct(phash)", peer(HashAlg::Mean, true)),
    ]
}

fn load(path: &Path) -> RgbImage {
    hashscope::load_rgb8(path, &DecodeLimits::default()).expect("fixture decodes")
}

fn from_buffer(c: &mut Criterion) {
    let small = load(&fixtures().join("lossless/endless-sky-data__00001.png"));
    let small = image::imageops::resize(&small, 512, 512, FilterType::Triangle);
    let big = load(&fixtures().join("large/lomiri-wallpapers-20.04__00004.jpg"));
    let big = image::imageops::resize(&big, 4000, 2667, FilterType::Triangle);
    for (label, img) in [("512", &small), ("4000", &big)] {
        let mut g = c.benchmark_group(format!("from_buffer/{label}"));
        if label == "4000" {
            g.sample_size(10);
        }
        g.throughput(Throughput::Elements(1));
        for (name, h) in ours_cases() {
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| h.hash_rgb(img).expect("hash"))
            });
        }
        let dynimg = image::DynamicImage::ImageRgb8(img.clone());
        for (name, h) in peer_cases() {
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| h.hash_image(&dynimg))
            });
        }
        g.finish();
    }
}

fn file_to_hash(c: &mut Criterion) {
    let large = std::env::var_os("HASHSCOPE_BENCH_LARGE")
        .map(PathBuf::from)
        .unwrap_or_else(|| fixtures().join("large"));
    for (label, paths) in [("small", files(&fixtures().join("corpus"))), ("large", files(&large))] {
        let mut g = c.benchmark_group(format!("file_to_hash/{label}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(paths.len() as u64));
        let mut cases = ours_cases();
        cases.extend(fast_cases());
        for (name, h) in cases {
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| {
                    for p in &paths {
                        h.hash_path(p).expect("hash");
                    }
                })
            });
        }
        for (name, algos, fast) in decode_only_cases() {
            let (mut buf, mut out) = (Vec::new(), Vec::new());
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| {
                    for p in &paths {
                        decode_only(p, algos, fast, &mut buf, &mut out);
                    }
                })
            });
        }
        for (name, h) in peer_cases() {
            g.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| {
                    for p in &paths {
                        let img = image::open(p).expect("decode");
                        h.hash_image(&img);
                    }
                })
            });
        }
        g.finish();
    }
}

fn jpeg_decode(c: &mut Criterion) {
    use zune_core::{colorspace::ColorSpace, options::DecoderOptions};
    let jpegs: Vec<Vec<u8>> = files(&fixtures().join("corpus"))
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .filter(|b| image::guess_format(b).ok() == Some(image::ImageFormat::Jpeg))
        .collect();
    let mut g = c.benchmark_group("jpeg_decode/small");
    g.sample_size(10);
    g.throughput(Throughput::Elements(jpegs.len() as u64));
    // The shortest side each case keeps: 1 gives the smallest scale, 1/8.
    type MinSide = fn(u32, u32) -> u32;
    let scales: [(&str, MinSide); 3] = [
        ("fast-decode/luma(phash+fast)", |w, h| fast_decode_min_side(&[Algorithm::PHash], w, h)),
        ("fast-decode/luma(1-8)", |_, _| 1),
        ("fast-decode/luma(full-size)", |w, h| w.min(h)),
    ];
    let lim = DecodeLimits::default();
    for (name, min_side) in scales {
        let mut out = Vec::new();
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                for j in &jpegs {
                    decode_reduced_into(j, &lim, min_side, Output::LumaWhereCheaper, &mut out)
                        .expect("decode");
                }
            })
        });
    }
    g.bench_function(BenchmarkId::from_parameter("zune-jpeg/luma(full-size)"), |b| {
        b.iter(|| {
            for j in &jpegs {
                let opts = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
                let mut d = zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(j), opts);
                d.decode().expect("decode");
            }
        })
    });
    g.finish();
}

criterion_group!(benches, from_buffer, file_to_hash, jpeg_decode);
criterion_main!(benches);
