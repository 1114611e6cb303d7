//! The hash-list text format: round trips, every error names its line, importers, duplicates.

use hashscope::list::{HashList, ListFormat, ParseOptions, MAX_LINE_BYTES};
use hashscope::{Algorithm, Bits256, ErrorKind, ImageHash};

const PDQ_A: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const PDQ_B: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const PH_A: &str = "dcf0b127148f7a54";

fn auto() -> ParseOptions {
    ParseOptions::default()
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hashscope-list-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn round_trip_through_a_file() {
    let mut list = HashList::new(Algorithm::Pdq);
    list.push(
        ImageHash::from_hex(Algorithm::Pdq, PDQ_A).unwrap(),
        Some("a".into()),
        Some("landscape, sunny".into()),
    )
    .unwrap();
    list.push(ImageHash::from_hex(Algorithm::Pdq, PDQ_B).unwrap(), None, None).unwrap();
    list.push(ImageHash::from_hex(Algorithm::Pdq, PDQ_B).unwrap(), None, Some("label only".into()))
        .unwrap();
    list.push(
        ImageHash::from_hex(Algorithm::Pdq, PDQ_A).unwrap(),
        Some("ünïcode id #1".into()),
        None,
    )
    .unwrap();
    let dir = tmpdir("rt");
    let path = dir.join("list.txt");
    list.write_path(&path).unwrap();
    // overwrite atomically, no temp files left behind
    list.write_path(&path).unwrap();
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# hashscope-list v1 algorithm=pdq bits=256\n"), "{text}");
    assert!(text.contains(&format!("{PDQ_B}\t\tlabel only\n")));
    let report = HashList::read_path(&path, &auto()).unwrap();
    assert_eq!(report.format, ListFormat::V1);
    assert_eq!(report.list.len(), 4);
    for (a, b) in report.list.entries().iter().zip(list.entries()) {
        assert_eq!((&a.hash, &a.id, &a.label), (&b.hash, &b.id, &b.label));
    }
    assert_eq!(report.list.entries()[0].line, 2);
    assert_eq!(report.duplicate_hashes.len(), 2);
    assert_eq!(report.duplicate_hashes[0].lines, vec![2, 5]);
    let hashes: Vec<Bits256> = report.list.hashes().unwrap();
    assert_eq!(hashes[0].to_hex(), PDQ_A);
    assert!(report.list.hashes::<hashscope::Bits64>().is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn write_rejects_tabs_in_ids_and_leaves_no_file() {
    let mut list = HashList::new(Algorithm::PHash);
    list.push(ImageHash::from_hex(Algorithm::PHash, PH_A).unwrap(), Some("a\tb".into()), None)
        .unwrap();
    let dir = tmpdir("bad-id");
    let path = dir.join("x.txt");
    let e = list.write_path(&path).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn crlf_bom_comments_and_blank_lines() {
    let text = format!(
        "\u{feff}# hashscope-list v1 algorithm=phash bits=64\r\n\r\n# a comment\r\n   # indented comment\r\n{PH_A}\tid1\tcat\r\n\r\n{}\r\n",
        PH_A.to_uppercase()
    );
    let r = HashList::parse_str(&text, &auto()).unwrap();
    assert_eq!(r.list.algorithm(), Algorithm::PHash);
    assert_eq!(r.list.len(), 2);
    let e = &r.list.entries()[0];
    assert_eq!((e.id.as_deref(), e.label.as_deref(), e.line), (Some("id1"), Some("cat"), 5));
    assert_eq!(r.list.entries()[1].line, 7);
    assert_eq!(r.duplicate_hashes.len(), 1);
    assert!(r.duplicate_ids.is_empty());
}

fn err_at(text: &str, options: &ParseOptions, line: usize, needle: &str) -> hashscope::Error {
    let e = HashList::parse_str(text, options).unwrap_err();
    assert_eq!(e.line(), Some(line), "{e}");
    assert!(e.to_string().contains(needle), "{e:?} should mention {needle:?}");
    assert!(e.to_string().starts_with(&format!("line {line}: ")), "{e}");
    e
}

#[test]
fn every_error_names_its_line() {
    let h = "# hashscope-list v1 algorithm=phash bits=64\n";
    err_at(&format!("{h}{PH_A}\nzzzzzzzzzzzzzzzz\n"), &auto(), 3, "non-hex character 'z'");
    err_at(&format!("{h}{PH_A}\n{PH_A}0\n"), &auto(), 3, "expected 16 hex digits");
    err_at(&format!("{h}{PH_A}\ta\tb\tc\n"), &auto(), 2, "too many columns");
    let e = err_at(&format!("{h}\n{PDQ_A}\n"), &auto(), 3, "a 256-bit hash in a phash list");
    assert_eq!(e.kind(), ErrorKind::ListFormat);
    let e = err_at(&format!("{h}dhash:{PH_A}\n"), &auto(), 2, "a dhash hash in a phash list");
    assert_eq!(e.kind(), ErrorKind::AlgorithmMismatch);
    err_at(&format!("{h}{PH_A}\n{h}"), &auto(), 3, "second header");
    // header problems
    err_at(
        "# hashscope-list v2 algorithm=pdq\n",
        &auto(),
        1,
        "unsupported hash-list version \"v2\"",
    );
    err_at("\n# hashscope-list v1\n", &auto(), 2, "missing algorithm");
    err_at("# hashscope-list v1 algorithm=md5\n", &auto(), 1, "unknown algorithm");
    err_at("# hashscope-list v1 algorithm=pdq bits=64\n", &auto(), 1, "bits=64");
    err_at("# hashscope-list v1 algorithm=pdq colour=red\n", &auto(), 1, "unknown field");
    let v1 = ParseOptions { format: ListFormat::V1, ..auto() };
    err_at(&format!("{PDQ_A}\n"), &v1, 1, "missing header");
    err_at("", &v1, 1, "missing header");
    let want_dhash = ParseOptions { algorithm: Some(Algorithm::DHash), ..auto() };
    let e = err_at(h, &want_dhash, 1, "phash hashes, dhash was expected");
    assert_eq!(e.kind(), ErrorKind::AlgorithmMismatch);
    // invalid UTF-8
    let mut bytes = format!("{h}{PH_A}\n").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\n");
    let e = HashList::read(&bytes[..], &auto()).unwrap_err();
    assert_eq!(e.line(), Some(3));
    assert!(e.to_string().contains("UTF-8"));
}

#[test]
fn errors_from_files_name_the_file() {
    let dir = tmpdir("named");
    let path = dir.join("bad.txt");
    std::fs::write(&path, format!("# hashscope-list v1 algorithm=pdq\n{PDQ_A}\nnot-a-hash\n"))
        .unwrap();
    let e = HashList::read_path(&path, &auto()).unwrap_err();
    assert_eq!(e.path(), Some(path.as_path()));
    assert!(e.to_string().starts_with(&format!("{}:3: ", path.display())), "{e}");
    let e = HashList::read_path(dir.join("missing.txt"), &auto()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn skip_bad_counts_and_reports_each_line() {
    let text = format!(
        "# hashscope-list v1 algorithm=pdq bits=256\n{PDQ_A}\tx\nbad\n{PDQ_B}\tx\n{PH_A}\n{PDQ_A}\ty\t\tz\n{PDQ_B}\tz\n"
    );
    let r = HashList::parse_str(&text, &auto().skipping_bad()).unwrap();
    assert_eq!(r.list.len(), 3);
    let lines: Vec<usize> = r.skipped.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![3, 5, 6]);
    assert!(r.skipped.iter().all(|(l, e)| e.line() == Some(*l)));
    assert_eq!(r.duplicate_ids.len(), 1);
    assert_eq!(r.duplicate_ids[0].id, "x");
    assert_eq!(r.duplicate_ids[0].lines, vec![2, 4]);
    assert_eq!(r.duplicate_hashes.len(), 1); // PDQ_B on lines 4 and 7
    assert_eq!(r.duplicate_hashes[0].lines, vec![4, 7]);
    assert!(!r.is_clean());
    assert_eq!(
        r.to_string(),
        "3 pdq entries (v1), 3 lines skipped, 1 duplicate hashes, 1 duplicate ids"
    );
    // without skip_bad the first bad line fails
    err_at(&text, &auto(), 3, "expected 64 hex digits");
}

#[test]
fn plain_importers() {
    // Meta / ThreatExchange: one PDQ hex per line; auto-detected by its 64 digits.
    let r = HashList::parse_str(&format!("{PDQ_A}\n{PDQ_B}\n"), &auto()).unwrap();
    assert_eq!(
        (r.format, r.list.algorithm(), r.list.len()),
        (ListFormat::Plain, Algorithm::Pdq, 2)
    );
    // pdq-photo-hasher prints hash,quality,filename
    let r =
        HashList::parse_str(&format!("# exported\n{PDQ_A},100,img/a b.jpg\n{PDQ_B},49\n"), &auto())
            .unwrap();
    assert_eq!(r.list.entries()[0].id.as_deref(), Some("img/a b.jpg"));
    assert_eq!(r.list.entries()[1].id, None);
    err_at(&format!("{PDQ_A},high\n"), &auto(), 1, "quality 0-100");
    // tab columns
    let r = HashList::parse_str(&format!("{PDQ_A}\tid-7\tlabel\n"), &auto()).unwrap();
    assert_eq!(r.list.entries()[0].label.as_deref(), Some("label"));
    // imagehash: 16 digits need the algorithm
    err_at(&format!("{PH_A}\n"), &auto(), 1, "could be an ahash, dhash, phash or whash");
    let r =
        HashList::parse_str(&format!("{PH_A}\n{PH_A}\n"), &ParseOptions::plain(Algorithm::PHash))
            .unwrap();
    assert_eq!((r.list.algorithm(), r.duplicate_hashes.len()), (Algorithm::PHash, 1));
    // an algorithm prefix also tells
    let r = HashList::parse_str(&format!("whash:{PH_A}\n"), &auto()).unwrap();
    assert_eq!(r.list.algorithm(), Algorithm::WHash);
    // mixed algorithms in a plain list
    err_at(&format!("{PDQ_A}\n{PH_A}\n"), &auto(), 2, "a 64-bit hash in a pdq list");
    // empty plain list without an algorithm cannot be typed
    assert!(HashList::parse_str("", &auto()).is_err());
    let r = HashList::parse_str("", &ParseOptions::plain(Algorithm::Pdq)).unwrap();
    assert!(r.list.is_empty() && r.is_clean());
}

#[test]
fn a_ten_megabyte_line_is_an_error_not_a_hang() {
    let mut text = format!("# hashscope-list v1 algorithm=pdq\n{PDQ_A}\n");
    text.push_str(&"a".repeat(10 * 1024 * 1024));
    text.push('\n');
    text.push_str(PDQ_B);
    text.push('\n');
    let start = std::time::Instant::now();
    let e = err_at(&text, &auto(), 3, "over the 4096-byte limit");
    assert!(e.to_string().contains("10485760 bytes"));
    let r = HashList::parse_str(&text, &auto().skipping_bad()).unwrap();
    assert_eq!((r.list.len(), r.skipped.len()), (2, 1));
    assert_eq!(r.list.entries()[1].line, 4);
    assert!(start.elapsed().as_secs() < 10);
    // a line of exactly the limit is fine (as a comment), one more byte is not
    let ok = format!("# hashscope-list v1 algorithm=pdq\n#{}\r\n", "x".repeat(MAX_LINE_BYTES - 1));
    assert!(HashList::parse_str(&ok, &auto()).is_ok());
    let bad = format!("# hashscope-list v1 algorithm=pdq\n#{}\n", "x".repeat(MAX_LINE_BYTES));
    err_at(&bad, &auto(), 2, "over the");
    // no newline at the end of the file
    let r = HashList::parse_str(PDQ_A, &auto()).unwrap();
    assert_eq!(r.list.len(), 1);
}
