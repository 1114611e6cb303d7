//! Bad input: every file in `fixtures/bad/` (and `fixtures/bad/lists/`) has the outcome
//! documented in `fixtures/bad/README.md` — a hash, or a typed error naming the file and the
//! reason — and nothing panics, whatever the bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

use hashscope::list::{HashList, ListFormat, ParseOptions};
use hashscope::{
    decode_bytes, to_rgb8, Algorithm, DecodeLimits, ErrorKind, Hasher, HasherConfig, ImageHash,
};
use proptest::prelude::*;

fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad").join(name)
}

/// The documented outcome of one bad image.
enum Outcome {
    /// Decodes to `width × height` and hashes with all five algorithms.
    Hash { width: u32, height: u32 },
    /// Fails with this kind; the message contains the file name and each needle.
    Error(ErrorKind, &'static [&'static str]),
}
use Outcome::*;

/// One row per file of fixtures/bad/README.md's image table.
const IMAGES: &[(&str, Outcome)] = &[
    ("empty.jpg", Error(ErrorKind::Decode, &["empty file"])),
    ("not-an-image.png", Error(ErrorKind::Decode, &["unrecognised image format"])),
    // The default JPEG decoder (zune-jpeg) fills in the missing rows; libjpeg-turbo
    // (cargo feature `libjpeg-turbo`) reports the premature end, and hashscope refuses it.
    #[cfg(not(feature = "libjpeg-turbo"))]
    ("truncated.jpg", Hash { width: 96, height: 64 }),
    #[cfg(feature = "libjpeg-turbo")]
    ("truncated.jpg", Error(ErrorKind::Decode, &["libjpeg-turbo", "truncated"])),
    ("truncated.png", Error(ErrorKind::Decode, &["Png"])),
    ("truncated.webp", Error(ErrorKind::Decode, &["WebP"])),
    ("bad-crc.png", Error(ErrorKind::Decode, &["Png", "CRC"])),
    ("zero-size.png", Error(ErrorKind::Decode, &["Png"])),
    ("one-pixel.png", Hash { width: 1, height: 1 }),
    ("strip-100000x1.png", Hash { width: 100_000, height: 1 }),
    ("bomb.png", Error(ErrorKind::Limits, &["100000×100000", "exceeds"])),
    ("cmyk.jpg", Hash { width: 96, height: 64 }),
    ("rgb16.png", Hash { width: 48, height: 32 }),
    ("grey-alpha.png", Hash { width: 96, height: 64 }),
    ("palette.png", Hash { width: 96, height: 64 }),
    ("animated.gif", Hash { width: 96, height: 64 }),
    ("exif-rotated.jpg", Hash { width: 96, height: 64 }),
    ("exif-none.jpg", Hash { width: 96, height: 64 }),
    ("png-named.jpg", Hash { width: 96, height: 64 }),
];

/// Every file in fixtures/bad/ except the generator and the docs.
fn fixture_images() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(bad(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| !matches!(p.extension().and_then(|e| e.to_str()), Some("py" | "md")))
        .filter(|p| p.file_name().is_some_and(|n| n != ".gitattributes"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_table_covers_every_fixture() {
    let names: Vec<String> = fixture_images()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut table: Vec<String> = IMAGES.iter().map(|(n, _)| n.to_string()).collect();
    table.sort();
    assert_eq!(names, table, "fixtures/bad/ and the outcome table differ");
    let readme = std::fs::read_to_string(bad("README.md")).unwrap();
    for (name, _) in IMAGES {
        assert!(readme.contains(&format!("`{name}`")), "README.md does not document {name}");
    }
}

#[test]
fn every_bad_image_has_its_documented_outcome() {
    let hasher = Hasher::default();
    for (name, outcome) in IMAGES {
        let path = bad(name);
        let res = hasher.hash_path(&path);
        match (outcome, res) {
            (Hash { width, height }, Ok(h)) => {
                assert_eq!((h.width, h.height), (*width, *height), "{name}");
                let algos: Vec<Algorithm> = h.hashes.iter().map(ImageHash::algorithm).collect();
                assert_eq!(algos, Algorithm::ALL.to_vec(), "{name}");
                assert!(h.pdq_quality.is_some(), "{name}");
                println!("{name}: {}×{} pdq {}", h.width, h.height, h.hashes[4]);
            }
            (Error(kind, needles), Err(e)) => {
                let msg = e.to_string();
                println!("{name}: {msg}");
                assert_eq!(e.kind(), *kind, "{name}: {msg}");
                assert!(
                    msg.contains(&*path.to_string_lossy()),
                    "{name}: message lacks the path: {msg}"
                );
                assert_eq!(e.path(), Some(path.as_path()), "{name}");
                for n in *needles {
                    assert!(msg.contains(n), "{name}: message lacks {n:?}: {msg}");
                }
            }
            (Hash { .. }, Err(e)) => panic!("{name}: expected a hash, got {e}"),
            (Error(kind, _), Ok(h)) => {
                panic!("{name}: expected a {kind:?} error, got a {}×{} hash", h.width, h.height)
            }
        }
    }
}

#[test]
fn each_algorithm_alone_has_the_same_outcome() {
    let all = Hasher::default();
    for algo in Algorithm::ALL {
        let one = HasherConfig::default().algorithms(&[algo]).build();
        for path in fixture_images() {
            match (all.hash_path(&path), one.hash_path(&path)) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(b.hashes.len(), 1);
                    assert_eq!(a.get(algo), Some(&b.hashes[0]), "{}: {algo}", path.display());
                }
                (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{}", path.display()),
                (a, b) => panic!("{}: {algo}: {a:?} vs {b:?}", path.display()),
            }
        }
    }
}

#[test]
fn exif_orientation_is_ignored() {
    let hasher = Hasher::default();
    let rotated = hasher.hash_path(bad("exif-rotated.jpg")).unwrap();
    let plain = hasher.hash_path(bad("exif-none.jpg")).unwrap();
    // Same stored pixels (the EXIF block is the only difference), so identical hashes; the
    // dimensions are the stored ones, not the rotated 64×96.
    assert_eq!(rotated, plain);
    assert_eq!((rotated.width, rotated.height), (96, 64));
}

#[test]
fn animated_gif_is_its_first_frame() {
    // Frame 2 is frame 1 mirrored: hashing the first frame alone must give the same hashes,
    // and the mirrored frame must not.
    use image::AnimationDecoder;
    let bytes = std::fs::read(bad("animated.gif")).unwrap();
    let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&bytes)).unwrap();
    let frames = decoder.into_frames().collect_frames().unwrap();
    assert_eq!(frames.len(), 2);
    let hasher = Hasher::default();
    let whole = hasher.hash_bytes(&bytes).unwrap();
    let rgb = |f: &image::Frame| image::DynamicImage::ImageRgba8(f.buffer().clone()).to_rgb8();
    let first = hasher.hash_rgb(&rgb(&frames[0])).unwrap();
    let second = hasher.hash_rgb(&rgb(&frames[1])).unwrap();
    assert_eq!(whole, first);
    assert_ne!(whole.hashes, second.hashes);
}

#[test]
fn png_named_jpg_is_decoded_by_content() {
    let hasher = Hasher::default();
    let h = hasher.hash_path(bad("png-named.jpg")).unwrap();
    // bad-crc.png is the same PNG with one flipped CRC byte; repairing it gives png-named.jpg.
    let mut bytes = std::fs::read(bad("bad-crc.png")).unwrap();
    bytes[29] ^= 0xFF;
    assert_eq!(bytes, std::fs::read(bad("png-named.jpg")).unwrap());
    assert_eq!(hasher.hash_bytes(&bytes).unwrap(), h);
}

#[test]
fn the_bomb_is_rejected_by_every_limit() {
    let path = bad("bomb.png");
    // Default limits: the declared size.
    let e = Hasher::default().hash_path(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limits);
    // Size limits lifted: the allocation limit still rejects it before decoding.
    let lifted = DecodeLimits::default().with_max_side(u32::MAX).with_max_pixels(u64::MAX);
    let e = HasherConfig::default().limits(lifted).build().hash_path(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limits, "{e}");
    assert!(
        e.to_string().contains("needs 10000000000 bytes, over the limit of 1073741824 bytes"),
        "{e}"
    );
}

/// Peak resident memory of this process (VmHWM), in KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

const BOMB_MAX_GROWTH_KIB: u64 = 64 * 1024;

/// Run in a fresh process by [`bomb_fails_fast_with_bounded_memory`] (its peak memory is then
/// its own): hashes the bomb and reports how much the peak RSS grew.
#[test]
#[ignore = "run in a child process by bomb_fails_fast_with_bounded_memory"]
fn bomb_child() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let before = vm_hwm_kib();
    let start = std::time::Instant::now();
    let lifted = DecodeLimits::default().with_max_side(u32::MAX).with_max_pixels(u64::MAX);
    for limits in [DecodeLimits::default(), lifted] {
        let e = HasherConfig::default().limits(limits).build().hash_path(bad("bomb.png"));
        assert_eq!(e.unwrap_err().kind(), ErrorKind::Limits);
    }
    let elapsed = start.elapsed();
    let after = vm_hwm_kib();
    println!(
        "BOMB peak RSS before {before} KiB, after {after} KiB, growth {} KiB, {} µs",
        after - before,
        elapsed.as_micros()
    );
    assert!(after - before < BOMB_MAX_GROWTH_KIB);
}

#[test]
fn bomb_fails_fast_with_bounded_memory() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "bomb_child", "--ignored", "--nocapture", "--test-threads=1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.find("BOMB ").map(|i| &l[i..]))
        .expect("child reports memory");
    println!("{line}");
    let growth: u64 =
        line.split("growth ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let micros: u64 = line.split(", ").last().unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(growth < BOMB_MAX_GROWTH_KIB, "{line}");
    assert!(micros < 1_000_000, "the bomb should fail fast: {line}");
}

/// Decode + every hasher, from bytes: an error or hashes, never a panic.
fn no_panic(bytes: &[u8], limits: DecodeLimits) {
    let hasher = HasherConfig::default().limits(limits).build();
    if let Ok(img) = decode_bytes(bytes, &limits) {
        let rgb = to_rgb8(&img);
        let _ = hasher.hash_rgb(&rgb);
    }
    for algo in Algorithm::ALL {
        let _ =
            HasherConfig::default().algorithms(&[algo]).limits(limits).build().hash_bytes(bytes);
    }
}

/// Limits for fuzzed inputs: small, so a mutated header cannot ask for gigabytes.
fn fuzz_limits() -> DecodeLimits {
    DecodeLimits::default()
        .with_max_side(4096)
        .with_max_pixels(1 << 20)
        .with_max_alloc_bytes(64 << 20)
}

#[test]
fn every_fixture_through_decode_bytes_and_all_hashers() {
    for path in fixture_images() {
        let bytes = std::fs::read(&path).unwrap();
        no_panic(&bytes, DecodeLimits::default());
    }
}

/// Inputs found by fuzzing (fuzz/) that once failed; each must now give an error or a hash.
#[test]
fn fuzz_regressions() {
    let dir = bad("fuzz-regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for e in entries {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("image-") {
            no_panic(&bytes, fuzz_limits());
            no_panic(&bytes, DecodeLimits::default());
        } else if name.starts_with("list-") {
            parse_every_way(&bytes);
        } else if name.starts_with("hex-") {
            hex_every_way(&String::from_utf8_lossy(&bytes));
        }
    }
}

/// Seed images for mutation: the bad fixtures plus a few small good ones.
fn seeds() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = fixture_images()
        .iter()
        .filter(|p| !p.ends_with("strip-100000x1.png"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let lossless = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lossless");
    let mut good: Vec<PathBuf> =
        std::fs::read_dir(lossless).unwrap().map(|e| e.unwrap().path()).collect();
    good.sort();
    v.extend(good.iter().take(3).map(|p| std::fs::read(p).unwrap()));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_bad1), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        no_panic(&bytes, fuzz_limits());
    }

    #[test]
    fn mutated_images_never_panic(
        seed in 0usize..64,
        edits in proptest::collection::vec((any::<u32>(), any::<u8>(), 0u8..4), 1..16),
        cut in any::<u32>(),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[seed % seeds.len()].clone();
        for (pos, val, op) in edits {
            if bytes.is_empty() {
                bytes.push(val);
                continue;
            }
            let i = pos as usize % bytes.len();
            match op {
                0 => bytes[i] = val,
                1 => bytes[i] ^= 1 << (val % 8),
                2 => bytes.insert(i, val),
                _ => { bytes.remove(i); }
            }
        }
        if cut % 4 == 0 && !bytes.is_empty() {
            bytes.truncate(cut as usize % bytes.len());
        }
        no_panic(&bytes, fuzz_limits());
    }

    #[test]
    fn mutated_lists_never_panic(
        base in 0usize..16,
        edits in proptest::collection::vec((any::<u32>(), any::<u8>()), 0..8),
    ) {
        let mut lists: Vec<Vec<u8>> = list_files().iter().map(|p| std::fs::read(p).unwrap()).collect();
        lists.sort();
        let mut bytes = lists[base % lists.len()].clone();
        for (pos, val) in edits {
            if bytes.is_empty() { bytes.push(val); continue; }
            let i = pos as usize % bytes.len();
            bytes[i] = val;
        }
        parse_every_way(&bytes);
    }

    #[test]
    fn random_hex_never_panics(s in "[0-9a-fA-FgG:é \t]{0,70}") {
        hex_every_way(&s);
    }
}

fn parse_every_way(bytes: &[u8]) {
    for format in [ListFormat::Auto, ListFormat::V1, ListFormat::Plain] {
        for algorithm in [None, Some(Algorithm::Pdq), Some(Algorithm::PHash)] {
            for skip_bad in [false, true] {
                let opts = ParseOptions { skip_bad, algorithm, format };
                if let Ok(r) = HashList::read(bytes, &opts) {
                    if let Ok(text) = r.list.to_v1_string() {
                        let back = HashList::parse_str(&text, &ParseOptions::default()).unwrap();
                        assert_eq!(back.list.len(), r.list.len());
                    }
                }
            }
        }
    }
}

fn hex_every_way(s: &str) {
    for algo in Algorithm::ALL {
        if let Ok(h) = ImageHash::from_hex(algo, s) {
            assert_eq!(h.to_hex(), s.to_ascii_lowercase());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Hash lists

fn list(name: &str) -> PathBuf {
    bad(&format!("lists/{name}"))
}

fn list_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(bad("lists"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    v.sort();
    v
}

/// Reads `name` expecting an error of `kind` at `line` whose message contains the file,
/// `file:line` and each needle.
fn list_err(name: &str, opts: &ParseOptions, kind: ErrorKind, line: usize, needles: &[&str]) {
    let path = list(name);
    let e = HashList::read_path(&path, opts).unwrap_err();
    let msg = e.to_string();
    println!("{name}: {msg}");
    assert_eq!(e.kind(), kind, "{msg}");
    assert_eq!(e.line(), Some(line), "{msg}");
    assert!(msg.starts_with(&format!("{}:{line}: ", path.display())), "{msg}");
    for n in needles {
        assert!(msg.contains(n), "{name}: lacks {n:?}: {msg}");
    }
}

#[test]
fn bad_lists_fail_naming_file_and_line() {
    let strict = ParseOptions::default();
    list_err(
        "bad-hex.txt",
        &strict,
        ErrorKind::ListFormat,
        3,
        &["non-hex character 'g' at position 11"],
    );
    list_err(
        "wrong-length.txt",
        &strict,
        ErrorKind::ListFormat,
        3,
        &["expected 16 hex digits, got 15"],
    );
    list_err(
        "mixed-algorithms.txt",
        &strict,
        ErrorKind::ListFormat,
        3,
        &["a 256-bit hash in a phash list"],
    );
    list_err(
        "no-header.txt",
        &strict,
        ErrorKind::ListFormat,
        1,
        &["cannot tell the algorithm", "say which"],
    );
    let v1 = ParseOptions { format: ListFormat::V1, ..ParseOptions::default() };
    list_err("no-header.txt", &v1, ErrorKind::ListFormat, 1, &["missing header"]);
    list_err(
        "unknown-version.txt",
        &strict,
        ErrorKind::ListFormat,
        1,
        &["unsupported hash-list version \"v2\""],
    );
    list_err("not-utf8.txt", &strict, ErrorKind::ListFormat, 3, &["not valid UTF-8"]);
    // A v1 header for another algorithm than the caller expects.
    let want_pdq = ParseOptions { algorithm: Some(Algorithm::Pdq), ..ParseOptions::default() };
    list_err("bom.txt", &want_pdq, ErrorKind::AlgorithmMismatch, 1, &["dhash", "pdq"]);
}

#[test]
fn bad_lists_with_skip_bad_report_each_line() {
    let skip = ParseOptions::default().skipping_bad();
    let r = HashList::read_path(list("bad-hex.txt"), &skip).unwrap();
    assert_eq!(r.list.len(), 2);
    assert_eq!(r.skipped.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![3]);
    let r = HashList::read_path(list("mixed-algorithms.txt"), &skip).unwrap();
    assert_eq!(r.list.len(), 2);
    let kinds: Vec<(usize, ErrorKind)> = r.skipped.iter().map(|(l, e)| (*l, e.kind())).collect();
    assert_eq!(kinds, vec![(3, ErrorKind::ListFormat), (4, ErrorKind::AlgorithmMismatch)]);
    for (_, e) in &r.skipped {
        assert!(e.to_string().contains("mixed-algorithms.txt:"), "{e}");
    }
    let r = HashList::read_path(list("not-utf8.txt"), &skip).unwrap();
    assert_eq!((r.list.len(), r.skipped.len()), (1, 1));
    // Header errors stay fatal with skip_bad.
    let e = HashList::read_path(list("unknown-version.txt"), &skip).unwrap_err();
    assert_eq!(e.line(), Some(1));
    let e = HashList::read_path(list("no-header.txt"), &skip).unwrap_err();
    assert_eq!(e.line(), Some(1));
}

#[test]
fn a_16_digit_plain_list_parses_when_the_algorithm_is_given() {
    let r =
        HashList::read_path(list("no-header.txt"), &ParseOptions::plain(Algorithm::PHash)).unwrap();
    assert_eq!(r.list.len(), 2);
    assert_eq!(r.format, ListFormat::Plain);
}

#[test]
fn crlf_and_bom_lists_parse_cleanly() {
    let r = HashList::read_path(list("crlf.txt"), &ParseOptions::default()).unwrap();
    assert!(r.is_clean(), "{r}");
    assert_eq!(r.list.algorithm(), Algorithm::Pdq);
    let ids: Vec<_> =
        r.list.entries().iter().map(|e| (e.id.clone(), e.label.clone(), e.line)).collect();
    assert_eq!(
        ids,
        vec![(Some("id-1".into()), Some("label one".into()), 3), (Some("id-2".into()), None, 5)]
    );
    let r = HashList::read_path(list("bom.txt"), &ParseOptions::default()).unwrap();
    assert!(r.is_clean(), "{r}");
    assert_eq!((r.list.algorithm(), r.list.len(), r.format), (Algorithm::DHash, 2, ListFormat::V1));
}

#[test]
fn duplicate_ids_are_reported_not_rejected() {
    let r = HashList::read_path(list("duplicate-ids.txt"), &ParseOptions::default()).unwrap();
    assert_eq!(r.list.len(), 3);
    assert_eq!(r.duplicate_ids.len(), 1);
    assert_eq!(
        (r.duplicate_ids[0].id.as_str(), r.duplicate_ids[0].lines.clone()),
        ("dup", vec![2, 4])
    );
    assert_eq!(r.duplicate_hashes.len(), 1);
    assert_eq!(r.duplicate_hashes[0].lines, vec![2, 3]);
    assert!(!r.is_clean());
}

#[test]
fn a_ten_megabyte_single_line_is_a_line_error_with_bounded_time() {
    let dir = std::env::temp_dir().join(format!("hashscope-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ten-mb-line.txt");
    let mut text = b"# hashscope-list v1 algorithm=pdq bits=256\n".to_vec();
    text.extend(std::iter::repeat_n(b'a', 10 << 20));
    text.extend_from_slice(
        b"\nf8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\tafter\n",
    );
    std::fs::write(&path, &text).unwrap();
    let start = std::time::Instant::now();
    let e = HashList::read_path(&path, &ParseOptions::default()).unwrap_err();
    assert_eq!((e.kind(), e.line()), (ErrorKind::ListFormat, Some(2)));
    assert!(e.to_string().contains("ten-mb-line.txt:2:"), "{e}");
    assert!(e.to_string().contains(&format!("{} bytes long", 10 << 20)), "{e}");
    let r = HashList::read_path(&path, &ParseOptions::default().skipping_bad()).unwrap();
    assert_eq!((r.list.len(), r.skipped.len()), (1, 1));
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    // Without a header the first line decides the format: over-long is fatal at line 1.
    std::fs::write(&path, &text[43..]).unwrap();
    let e = HashList::read_path(&path, &ParseOptions::default().skipping_bad()).unwrap_err();
    assert_eq!(e.line(), Some(1), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
