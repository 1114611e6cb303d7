//! The course's generated files: every measured number and figure in `docs/` comes from here.
//!
//! [`generate`] runs the default `hashscope report` on the embedded fixtures and turns its
//! results into small files under `docs/src/generated/`: report sections as Markdown, SVG
//! plots, the algorithms' intermediate steps as PNG pictures, the BK-tree's work by radius,
//! and the comparison with published claims. Pages of the book embed the Markdown snippets
//! between markers,
//!
//! ```text
//! <!-- generated: report/headline.md -->
//! …the file's contents, copied in by `hashscope book`…
//! <!-- /generated -->
//! ```
//!
//! so that they read well as plain Markdown on a code-hosting site as well as in mdBook.
//! `hashscope book` rewrites the files and the marked blocks; `tests/book.rs` regenerates
//! everything and fails when a committed file or block differs, so a number in the book can
//! never be staler than the code.
//!
//! ```no_run
//! use std::path::Path;
//! let root = Path::new(env!("CARGO_MANIFEST_DIR"));
//! let files = hashscope::book::generate(root)?;
//! let stale = hashscope::book::differences(&files, &root.join("docs/src/generated"))?;
//! assert!(stale.is_empty(), "run `hashscope book` to refresh: {stale:?}");
//! # Ok::<(), hashscope::Error>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::report::{self, NoProgress, ReportConfig, ReportResults};

mod claims;
mod dutch;
mod index_curve;
mod pages;
mod steps;

pub use pages::{refresh_pages, stale_pages, BlockMarker};

/// Where the generated files live, relative to the repository root.
pub const GENERATED_DIR: &str = "docs/src/generated";
/// Where the book's pages live, relative to the repository root.
pub const PAGES_DIR: &str = "docs/src";
/// Everything whose generated blocks `hashscope book` refreshes: the book's pages and the
/// README (its results excerpt), relative to the repository root.
pub const PAGE_ROOTS: &[&str] = &[PAGES_DIR, "README.md"];

/// One generated file: its path relative to [`GENERATED_DIR`] and its exact bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the generated directory, with `/` separators.
    pub path: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

impl GeneratedFile {
    fn text(path: impl Into<String>, text: impl Into<String>) -> Self {
        GeneratedFile { path: path.into(), bytes: text.into().into_bytes() }
    }
}

/// The report configuration behind the book: exactly what `hashscope report` runs on the
/// embedded fixtures (`root/fixtures/corpus`, default settings).
pub fn fixture_report_config(root: &Path) -> ReportConfig {
    let mut cfg = ReportConfig::new(root.join("fixtures/corpus"));
    cfg.corpus_name = "fixtures/corpus".into();
    cfg
}

/// Generates every file of the book from the repository at `root` (which must contain
/// `fixtures/`). Deterministic: the same checkout gives the same bytes.
///
/// The book's figures are those of the default build: a build with the cargo feature
/// `libjpeg-turbo` decodes JPEGs differently (a bit or two in some hashes) and gets an
/// [`ErrorKind::InvalidArgument`](crate::ErrorKind) error instead.
pub fn generate(root: &Path) -> Result<Vec<GeneratedFile>> {
    if cfg!(feature = "libjpeg-turbo") {
        return Err(crate::Error::new(
            crate::ErrorKind::InvalidArgument,
            format!(
                "the book's figures are made by the default build (JPEG decoder: zune-jpeg); \
                 this build decodes JPEGs with {}: rebuild without `--features libjpeg-turbo`",
                crate::decode::JPEG_DECODER
            ),
        ));
    }
    let results = report::run(&fixture_report_config(root), &NoProgress)?;
    generate_from(root, &results)
}

/// [`generate`] with the report already computed.
pub fn generate_from(root: &Path, results: &ReportResults) -> Result<Vec<GeneratedFile>> {
    let mut files = Vec::new();
    // The report by section, and an excerpt of results.json for "how to read results.json"
    // (the whole file is 3 MB: every histogram bin and close pair).
    let value = serde_json::to_value(results)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("serialising: {e}")))?;
    let excerpt = serde_json::to_string_pretty(&shorten(value))
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("serialising: {e}")))?;
    files.push(GeneratedFile::text("report/results-excerpt.json", excerpt + "\n"));
    for (id, md) in report::markdown_sections(results) {
        files.push(GeneratedFile::text(format!("report/{id}.md"), strip_heading(&md)));
    }
    for (name, svg) in report::named_plots(results) {
        files.push(GeneratedFile::text(format!("plots/{name}.svg"), svg));
    }
    files.extend(claims::files(results)?);
    files.extend(dutch::files(results));
    files.extend(index_curve::files()?);
    files.extend(steps::files(root)?);
    files.extend(copied_in(root)?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Markdown snippets under the generated directory that other commands wrote (outside the
/// [`MANAGED_DIRS`], such as the threshold-dilemma table from `hashscope report
/// --adversarial`): taken as they are, so that pages can embed them too.
fn copied_in(root: &Path) -> Result<Vec<GeneratedFile>> {
    let dir = root.join(GENERATED_DIR);
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(out) };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .filter(|p| p.file_name().is_some_and(|n| !MANAGED_DIRS.iter().any(|m| n == *m)))
        .collect();
    subdirs.sort();
    for sub in subdirs {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&sub)
            .map_err(|e| Error::io(e, &sub))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        names.sort();
        for p in names {
            let bytes = std::fs::read(&p).map_err(|e| Error::io(e, &p))?;
            let rel = p.strip_prefix(&dir).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            out.push(GeneratedFile { path: rel, bytes });
        }
    }
    Ok(out)
}

/// `results.json` cut down for reading: every array longer than [`EXCERPT_ITEMS`] keeps its
/// first items and a string saying how many were left out.
fn shorten(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Array(items) => {
            let total = items.len();
            let mut kept: Vec<Value> = items.into_iter().take(EXCERPT_ITEMS).map(shorten).collect();
            if total > EXCERPT_ITEMS {
                kept.push(Value::String(format!("… {} more", total - EXCERPT_ITEMS)));
            }
            Value::Array(kept)
        }
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, shorten(v))).collect())
        }
        other => other,
    }
}

/// Items kept per array in the `results.json` excerpt.
const EXCERPT_ITEMS: usize = 3;

/// Drops a section's first line when it is a heading: pages supply their own headings.
fn strip_heading(md: &str) -> String {
    let body = match md.split_once('\n') {
        Some((first, rest)) if first.starts_with('#') => rest,
        _ => md,
    };
    let body = body.trim_matches('\n');
    format!("{body}\n")
}

/// Writes `files` under `dir`, creating folders; files in the [`MANAGED_DIRS`] that `files`
/// does not name are removed, so they hold exactly the generated set.
pub fn write(files: &[GeneratedFile], dir: &Path) -> Result<()> {
    let wanted: BTreeMap<PathBuf, &GeneratedFile> =
        files.iter().map(|f| (dir.join(&f.path), f)).collect();
    for existing in list_files(dir)? {
        if !wanted.contains_key(&existing) {
            std::fs::remove_file(&existing).map_err(|e| Error::io(e, &existing))?;
        }
    }
    for (path, f) in wanted {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(e, parent))?;
        }
        if std::fs::read(&path).ok().as_deref() != Some(&f.bytes[..]) {
            report::write_atomic(&path, &f.bytes)?;
        }
    }
    Ok(())
}

/// What differs between `files` and the directory `dir`: paths (relative) that are missing,
/// changed, or present in `dir` but no longer generated. Empty when the directory is current.
pub fn differences(files: &[GeneratedFile], dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut named = std::collections::BTreeSet::new();
    for f in files {
        let path = dir.join(&f.path);
        named.insert(path.clone());
        match std::fs::read(&path) {
            Ok(bytes) if bytes == f.bytes => {}
            Ok(_) => out.push(format!("{} (changed)", f.path)),
            Err(_) => out.push(format!("{} (missing)", f.path)),
        }
    }
    for existing in list_files(dir)? {
        if !named.contains(&existing) {
            out.push(format!("{} (no longer generated)", existing.display()));
        }
    }
    Ok(out)
}

/// The sub-folders of the generated directory that [`generate`] owns; anything else there
/// (pictures made by other commands) is left alone.
pub const MANAGED_DIRS: &[&str] =
    &["known-vs-unknown", "matching", "plots", "report", "samenvatting", "steps"];

fn list_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> =
        MANAGED_DIRS.iter().map(|d| dir.join(d)).filter(|d| d.exists()).collect();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(e, &d))? {
            let entry = entry.map_err(|e| Error::io(e, &d))?;
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_stripped_once() {
        assert_eq!(strip_heading("## Headline\n\ntext\n"), "text\n");
        assert_eq!(strip_heading("text\n## not first\n"), "text\n## not first\n");
    }
}
