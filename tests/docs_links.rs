//! Every relative link and image in the book (`docs/src`) and the README points at a file
//! that exists, and every page in `SUMMARY.md` exists (so `mdbook build docs` cannot hit a
//! missing page: `create-missing = false`).

use std::path::{Path, PathBuf};

fn md_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            md_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

/// Targets of `[text](target)` and `![alt](target)` outside code blocks and code spans.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let line: String = line.split('`').step_by(2).collect::<Vec<_>>().join("");
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].trim().to_string());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn relative_links_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    md_files(&root.join("docs/src"), &mut files);
    files.push(root.join("README.md"));
    let mut broken = Vec::new();
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for t in link_targets(&text) {
            if t.starts_with("http://")
                || t.starts_with("https://")
                || t.starts_with('#')
                || t.starts_with("mailto:")
            {
                continue;
            }
            let path = t.split('#').next().unwrap_or("");
            if path.is_empty() {
                continue;
            }
            checked += 1;
            if !f.parent().unwrap().join(path).exists() {
                broken.push(format!("{}: {t}", f.strip_prefix(root).unwrap().display()));
            }
        }
    }
    println!("checked {checked} relative links in {} files", files.len());
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 10, "the summary alone has more links than {checked}");
}

/// Every page of the book is included in `src/lib.rs`'s `book_pages` (doctests), so each
/// Rust snippet in `docs/` is compiled and run by `cargo test`; and every page is listed in
/// `SUMMARY.md`, so mdBook renders it.
#[test]
fn every_page_is_doctested_and_in_the_summary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let summary = std::fs::read_to_string(root.join("docs/src/SUMMARY.md")).unwrap();
    let mut files = Vec::new();
    md_files(&root.join("docs/src"), &mut files);
    let mut missing = Vec::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        if rel.contains("/generated/") || rel.ends_with("SUMMARY.md") {
            continue;
        }
        if !lib.contains(&format!("include_str!(\"../{rel}\")")) {
            missing.push(format!("{rel}: not in src/lib.rs book_pages"));
        }
        let in_book = rel.trim_start_matches("docs/src/");
        if !summary.contains(&format!("]({in_book})")) {
            missing.push(format!("{rel}: not in SUMMARY.md"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
