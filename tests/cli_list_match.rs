//! End-to-end: build a list from benign fixtures, check it, match images against it; the
//! verdicts are checked against hashes recomputed independently through the library.

use std::path::{Path, PathBuf};
use std::process::Command;

use hashscope::detector::{AccountMonitor, Detector, DetectorConfig, Verdict};
use hashscope::list::{HashList, ParseOptions};
use hashscope::{Algorithm, HasherConfig};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hashscope"))
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("hashscope-cli-{}-{name}", std::process::id()))
}

#[test]
fn build_check_and_match() {
    let list = tmp("list.txt");
    let out = bin()
        .args(["list", "build"])
        .arg(fixture("lossless"))
        .arg("-o")
        .arg(&list)
        .args(["--algo", "pdq"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = HashList::read_path(&list, &ParseOptions::default()).unwrap();
    assert_eq!(report.list.len(), 42);
    assert_eq!(report.list.algorithm(), Algorithm::Pdq);

    let check = bin().args(["list", "check"]).arg(&list).output().unwrap();
    assert!(check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("42 pdq entries"));

    // A listed image matches at distance 0 (exit code 4); a corpus image from another
    // collection does not (exit 0) — checked against the library's own hashes.
    let listed = fixture("lossless/opencv-doc__00002.png");
    let m = bin().args(["match", "--list"]).arg(&list).arg(&listed).output().unwrap();
    assert_eq!(m.status.code(), Some(4));
    let stdout = String::from_utf8_lossy(&m.stdout);
    let row: Vec<&str> = stdout.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(&row[1..4], &["match", "0", "opencv-doc__00002.png"]);

    let other = fixture("corpus/pypi-sporco");
    let m = bin()
        .args(["match", "--list"])
        .arg(&list)
        .arg(&other)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let hasher = HasherConfig::default().algorithms(&[Algorithm::Pdq]).build();
    let list_hashes: Vec<_> = report.list.entries().iter().map(|e| e.hash).collect();
    let mut any = false;
    for line in String::from_utf8_lossy(&m.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = v["path"].as_str().unwrap();
        let h = hasher.hash_path(path).unwrap();
        let ph = h.get(Algorithm::Pdq).unwrap();
        let gated = h.pdq_quality.unwrap() <= 49;
        let near = list_hashes.iter().map(|x| x.distance(ph).unwrap()).min().unwrap();
        let expect = if gated {
            "not-scannable"
        } else if near <= 31 {
            "match"
        } else {
            "no-match"
        };
        assert_eq!(v["verdict"], expect, "{path}");
        any |= expect == "match";
    }
    assert_eq!(m.status.code(), Some(if any { 4 } else { 0 }));
    let _ = std::fs::remove_file(&list);
}

#[test]
fn detector_dihedral_catches_rotations_and_accounts_need_k_matches() {
    let rgb = hashscope::load_rgb8(fixture("lossless/opencv-doc__00002.png"), &Default::default())
        .unwrap();
    let hasher = HasherConfig::default().algorithms(&[Algorithm::Pdq]).build();
    let original = *hasher.hash_rgb(&rgb).unwrap().get(Algorithm::Pdq).unwrap();
    let rotated = image::imageops::rotate90(&rgb);
    let plain = Detector::new(
        Algorithm::Pdq,
        &[original],
        vec![],
        DetectorConfig::for_algorithm(Algorithm::Pdq),
    )
    .unwrap();
    let mut cfg = DetectorConfig::for_algorithm(Algorithm::Pdq);
    cfg.dihedral = true;
    let dihedral = Detector::new(Algorithm::Pdq, &[original], vec![], cfg).unwrap();
    assert_eq!(plain.scan_rgb(&rotated).unwrap().verdict, Verdict::NoMatch);
    match dihedral.scan_rgb(&rotated).unwrap().verdict {
        // Not 0: the blur and decimation do not commute exactly with a rotation of a
        // non-square image, so the dihedral hash of the rotated copy is close, not equal.
        Verdict::Match(m) => assert!(m[0].distance <= 31 && m[0].variant.is_some()),
        v => panic!("dihedral detector missed a 90° rotation: {v:?}"),
    }
    // A mismatched algorithm is an error, never a number.
    let ph = *HasherConfig::default()
        .algorithms(&[Algorithm::PHash])
        .build()
        .hash_rgb(&rgb)
        .unwrap()
        .get(Algorithm::PHash)
        .unwrap();
    assert!(plain.scan_hash(&ph, None).is_err());
    // Account threshold: flagged on the k-th matched image, not before.
    let mut mon = AccountMonitor::new(3);
    let v = plain.scan_rgb(&rgb).unwrap().verdict;
    assert!(!mon.observe("acct", &v) && !mon.observe("acct", &v));
    assert!(mon.observe("acct", &v));
    assert_eq!(mon.flagged(), vec!["acct"]);
}
