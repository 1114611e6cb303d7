//! `hashscope hash` end to end, through the built binary: error rows and exit codes, the
//! three output formats, `--resume` after a cut-off output, and Ctrl-C (SIGINT) on a long run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hashscope");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A fresh temporary directory for one test.
fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hashscope-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A temp copy of some good and bad fixtures: 3 images that hash, 3 that fail.
fn sample(name: &str) -> (PathBuf, PathBuf) {
    let root = tmpdir(name);
    let imgs = root.join("imgs");
    std::fs::create_dir_all(&imgs).unwrap();
    for f in
        ["one-pixel.png", "palette.png", "cmyk.jpg", "empty.jpg", "not-an-image.png", "bomb.png"]
    {
        std::fs::copy(fixtures().join("bad").join(f), imgs.join(f)).unwrap();
    }
    (root, imgs)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// TSV rows as column → value maps, checking every row is complete.
fn tsv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'), "output ends in a half row");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            assert_eq!(cells.len(), header.len(), "incomplete row {l:?}");
            header.iter().map(|h| h.to_string()).zip(cells.iter().map(|c| c.to_string())).collect()
        })
        .collect()
}

const COLUMNS: [&str; 11] = [
    "path",
    "size",
    "mtime",
    "width",
    "height",
    "ahash",
    "dhash",
    "phash",
    "whash",
    "pdq",
    "pdq_quality",
];

#[test]
fn help_lists_exit_codes() {
    let o = run(&["--help"]);
    assert_eq!(code(&o), 0);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(help.contains("Exit codes:"), "{help}");
    for line in [
        "  0    success",
        "  1    fatal",
        "  2    usage",
        "  3    the run completed",
        "  4  ",
        "  130  ",
    ] {
        assert!(help.contains(line), "--help lacks {line:?}:\n{help}");
    }
    let o = run(&["hash", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in ["--resume", "130", "size", "mtime", "--max-pixels", "--max-alloc"] {
        assert!(help.contains(needle), "hash --help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn bad_files_get_error_rows_and_exit_code_3() {
    let (root, imgs) = sample("errors");
    let out = root.join("out.tsv");
    let o = run(&["hash", imgs.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let rows = tsv(&out);
    assert_eq!(rows.len(), 6);
    let by_name: BTreeMap<String, &BTreeMap<String, String>> = rows
        .iter()
        .map(|r| (Path::new(&r["path"]).file_name().unwrap().to_string_lossy().into_owned(), r))
        .collect();
    for (name, err) in [
        ("empty.jpg", "cannot decode image: empty file"),
        ("not-an-image.png", "cannot decode image: unrecognised image format"),
        ("bomb.png", "image exceeds limits: declared size 100000×100000"),
    ] {
        let r = by_name[name];
        assert!(r["error"].starts_with(err), "{name}: {:?}", r["error"]);
        assert_eq!(r["pdq"], "");
        assert_eq!(r["size"], std::fs::metadata(imgs.join(name)).unwrap().len().to_string());
        assert!(
            stderr(&o).contains(&format!("error: {}", imgs.join(name).display())),
            "{}",
            stderr(&o)
        );
    }
    for name in ["one-pixel.png", "palette.png", "cmyk.jpg"] {
        let r = by_name[name];
        assert_eq!(r["error"], "", "{name}");
        assert_eq!(r["pdq"].len(), 64, "{name}");
        assert_eq!(r["phash"].len(), 16, "{name}");
        assert!(r["mtime"].contains('.'), "{name}: {}", r["mtime"]);
    }
    assert!(stderr(&o).contains("hashed 3 file(s), 3 failed"), "{}", stderr(&o));

    // All good: exit 0.
    let good = root.join("good.tsv");
    let o =
        run(&["hash", imgs.join("palette.png").to_str().unwrap(), "-o", good.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A missing input path is fatal: exit 1.
    let o = run(&["hash", root.join("missing").to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    // --resume without -o is a usage error: exit 2.
    let o = run(&["hash", "--resume", imgs.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    std::fs::remove_dir_all(&root).unwrap();
}

/// Minimal RFC 4180 reader for the test.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut recs, mut rec, mut cell, mut q) = (Vec::new(), Vec::new(), String::new(), false);
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match (q, c) {
            (true, '"') if it.peek() == Some(&'"') => {
                cell.push('"');
                it.next();
            }
            (true, '"') => q = false,
            (true, c) => cell.push(c),
            (false, '"') => q = true,
            (false, ',') => rec.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                rec.push(std::mem::take(&mut cell));
                recs.push(std::mem::take(&mut rec));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(cell.is_empty() && rec.is_empty(), "CSV ends in a half record");
    recs
}

#[test]
fn json_and_csv_outputs_parse() {
    let (root, imgs) = sample("formats");
    // A path with a comma and a quote: CSV must quote it, JSON escape it.
    std::fs::copy(imgs.join("palette.png"), imgs.join("with,comma \"q\".png")).unwrap();
    let tsv_out = root.join("out.tsv");
    assert_eq!(code(&run(&["hash", imgs.to_str().unwrap(), "-o", tsv_out.to_str().unwrap()])), 3);
    let reference = tsv(&tsv_out);

    let json = root.join("out.json");
    let o =
        run(&["hash", imgs.to_str().unwrap(), "--format", "json", "-o", json.to_str().unwrap()]);
    assert_eq!(code(&o), 3);
    let text = std::fs::read_to_string(&json).unwrap();
    let rows: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("a JSON row")).collect();
    assert_eq!(rows.len(), reference.len());
    for (j, t) in rows.iter().zip(&reference) {
        let obj = j.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want: Vec<&str> = COLUMNS.iter().copied().chain(["error"]).collect();
        want.sort_unstable();
        assert_eq!(keys, want);
        assert_eq!(obj["path"], t["path"].as_str());
        assert_eq!(obj["size"].as_u64().unwrap().to_string(), t["size"]);
        assert_eq!(obj["mtime"].as_str().unwrap(), t["mtime"]);
        if t["error"].is_empty() {
            assert!(obj["error"].is_null());
            assert_eq!(obj["pdq"].as_str().unwrap(), t["pdq"]);
            assert_eq!(obj["width"].as_u64().unwrap().to_string(), t["width"]);
        } else {
            assert_eq!(obj["error"].as_str().unwrap(), t["error"]);
            assert!(obj["pdq"].is_null());
        }
    }

    let csv = root.join("out.csv");
    let o = run(&["hash", imgs.to_str().unwrap(), "--format", "csv", "-o", csv.to_str().unwrap()]);
    assert_eq!(code(&o), 3);
    let recs = parse_csv(&std::fs::read_to_string(&csv).unwrap());
    let header: Vec<String> =
        COLUMNS.iter().map(|s| s.to_string()).chain(["error".into()]).collect();
    assert_eq!(recs[0], header);
    assert_eq!(recs.len() - 1, reference.len());
    for (rec, t) in recs[1..].iter().zip(&reference) {
        for (h, v) in header.iter().zip(rec) {
            assert_eq!(v, &t[h], "column {h}");
        }
    }
    assert!(recs.iter().any(|r| r[0].ends_with("with,comma \"q\".png")));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn resume_after_a_cut_off_output() {
    let (root, imgs) = sample("resume");
    let dir = imgs.to_str().unwrap();
    for format in ["tsv", "csv", "json"] {
        let full = root.join(format!("full.{format}"));
        let o = run(&["hash", dir, "--format", format, "-o", full.to_str().unwrap()]);
        assert_eq!(code(&o), 3);
        let full_text = std::fs::read(&full).unwrap();
        let line_ends: Vec<usize> =
            full_text.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1).collect();
        // Cut at a row boundary (as after Ctrl-C) and in the middle of a row (as after a kill).
        let keep = if format == "json" { 2 } else { 3 };
        for cut in [line_ends[keep - 1], line_ends[keep - 1] + 10] {
            let out = root.join(format!("cut.{format}"));
            std::fs::write(&out, &full_text[..cut]).unwrap();
            let o =
                run(&["hash", dir, "--format", format, "-o", out.to_str().unwrap(), "--resume"]);
            assert_eq!(code(&o), 3, "{}", stderr(&o));
            let err = stderr(&o);
            assert!(
                err.contains("resume: 2 file(s) already in the output"),
                "{format} {cut}: {err}"
            );
            assert_eq!(err.contains("cut off a half-written last row"), cut != line_ends[keep - 1]);
            assert_eq!(
                String::from_utf8_lossy(&std::fs::read(&out).unwrap()),
                String::from_utf8_lossy(&full_text),
                "{format}: resumed output differs from an uninterrupted run"
            );
        }
        // Resuming a complete output hashes nothing and keeps its error rows' exit code.
        let before = std::fs::read(&full).unwrap();
        let o = run(&["hash", dir, "--format", format, "-o", full.to_str().unwrap(), "--resume"]);
        assert_eq!(code(&o), 3);
        assert!(
            stderr(&o).contains("6 file(s) already in the output (3 of them error rows"),
            "{}",
            stderr(&o)
        );
        assert_eq!(std::fs::read(&full).unwrap(), before);
    }

    // A changed file (new size and mtime) is hashed again; its new row is appended.
    let out = root.join("full.tsv");
    std::thread::sleep(Duration::from_millis(20));
    std::fs::copy(fixtures().join("bad/one-pixel.png"), imgs.join("empty.jpg")).unwrap();
    let o = run(&["hash", dir, "-o", out.to_str().unwrap(), "--resume"]);
    assert!(stderr(&o).contains("1 changed since"), "{}", stderr(&o));
    let rows = tsv(&out);
    assert_eq!(rows.len(), 7);
    let last = rows.last().unwrap();
    assert!(last["path"].ends_with("empty.jpg") && last["error"].is_empty(), "{last:?}");
    // Still exit 3: two kept error rows.
    assert_eq!(code(&o), 3);

    // Other algorithms: refuse to mix tables (exit 1), and leave the file alone.
    let before = std::fs::read(&out).unwrap();
    let o = run(&["hash", dir, "-o", out.to_str().unwrap(), "--resume", "--algo", "pdq"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("cannot resume"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), before);

    // --resume on a file that does not exist yet is a fresh run.
    let fresh = root.join("fresh.tsv");
    let o = run(&["hash", dir, "-o", fresh.to_str().unwrap(), "--resume"]);
    assert_eq!(code(&o), 3);
    assert_eq!(tsv(&fresh).len(), 6);
    std::fs::remove_dir_all(&root).unwrap();
}

/// Starts hashing the fixture corpus on one thread, sends SIGINT once the first batch is on
/// disk (or `signals` SIGINTs back to back), and returns the exit code.
fn interrupt(out: &Path, signals: usize) -> i32 {
    let corpus = fixtures().join("corpus");
    let mut child = Command::new(BIN)
        .args(["--threads", "1", "hash", corpus.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let rows = std::fs::read_to_string(out).map(|t| t.lines().count()).unwrap_or(0);
        if rows > 1 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no row written in 120 s");
        assert!(child.try_wait().unwrap().is_none(), "finished before it could be interrupted");
        std::thread::sleep(Duration::from_millis(20));
    }
    for _ in 0..signals {
        let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(ok.success());
    }
    let o = child.wait_with_output().unwrap();
    if signals == 1 {
        assert!(stderr(&o).contains("interrupted: wrote"), "{}", stderr(&o));
    }
    code(&o)
}

#[cfg(unix)]
#[test]
fn sigint_leaves_a_valid_output_and_resume_completes_it() {
    let root = tmpdir("sigint");
    let out = root.join("out.tsv");
    let total =
        hashscope::corpus::collect_images(&[fixtures().join("corpus")]).unwrap().files.len();

    assert_eq!(interrupt(&out, 1), 130);
    let rows = tsv(&out);
    println!("interrupted after {} of {total} rows", rows.len());
    assert!(!rows.is_empty() && rows.len() < total, "{} rows", rows.len());
    assert!(rows.iter().all(|r| r["error"].is_empty() && r["pdq"].len() == 64));

    let o = run(&[
        "hash",
        fixtures().join("corpus").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let resumed = tsv(&out);
    assert_eq!(resumed.len(), total);
    let paths: BTreeSet<&str> = resumed.iter().map(|r| r["path"].as_str()).collect();
    assert_eq!(paths.len(), total, "a file has two rows");
    // Rows written before the interruption are untouched, in order.
    assert_eq!(&resumed[..rows.len()], &rows[..]);

    // Two SIGINTs: the second exits at once; whatever was left, --resume completes it.
    let out2 = root.join("out2.tsv");
    assert_eq!(interrupt(&out2, 2), 130);
    let o = run(&[
        "hash",
        fixtures().join("corpus").to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let again = tsv(&out2);
    assert_eq!(again.len(), total);
    let strip = |rs: &[BTreeMap<String, String>]| -> Vec<Vec<String>> {
        rs.iter().map(|r| COLUMNS.iter().map(|c| r[*c].clone()).collect()).collect()
    };
    assert_eq!(strip(&again), strip(&resumed));
    std::fs::remove_dir_all(&root).unwrap();
}
