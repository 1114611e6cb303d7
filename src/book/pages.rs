//! Generated blocks inside the book's pages.
//!
//! A page embeds a generated Markdown file between an opening marker naming the file
//! (relative to `docs/src/generated/`) and a closing marker:
//!
//! ```text
//! <!-- generated: report/headline.md -->
//! | algorithm | threshold | … |
//! <!-- /generated -->
//! ```
//!
//! Both markers are HTML comments, invisible when rendered by mdBook or a code-hosting site.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

use super::GeneratedFile;

/// The opening marker's prefix; the file name and ` -->` follow.
pub const OPEN: &str = "<!-- generated: ";
/// The closing marker.
pub const CLOSE: &str = "<!-- /generated -->";

/// One generated block found in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMarker {
    /// The page.
    pub page: PathBuf,
    /// 1-based line of the opening marker.
    pub line: usize,
    /// The generated file it embeds (relative to the generated directory).
    pub file: String,
    /// Whether the block's text equals the file's contents.
    pub current: bool,
}

/// Rewrites `text` with every block's body replaced by the named file's contents. Returns the
/// new text and the blocks found; errors on an unclosed block or an unknown file.
fn rewrite(page: &Path, text: &str, files: &[GeneratedFile]) -> Result<(String, Vec<BlockMarker>)> {
    let mut out = String::with_capacity(text.len());
    let mut blocks = Vec::new();
    let mut lines = text.split_inclusive('\n').enumerate();
    while let Some((i, line)) = lines.next() {
        out.push_str(line);
        let Some(rest) = line.trim_end().strip_prefix(OPEN) else { continue };
        let bad = |msg: String| {
            Error::new(ErrorKind::InvalidArgument, format!("{}:{}: {msg}", page.display(), i + 1))
        };
        let name = rest
            .strip_suffix("-->")
            .map(str::trim)
            .ok_or_else(|| bad(format!("marker must end with `-->`: {}", line.trim_end())))?;
        let file = files
            .iter()
            .find(|f| f.path == name)
            .ok_or_else(|| bad(format!("no generated file named `{name}`")))?;
        let text = std::str::from_utf8(&file.bytes)
            .map_err(|_| bad(format!("`{name}` is not text and cannot be embedded")))?;
        // Markdown is embedded as is; other text (JSON, CSV) inside a fenced code block.
        let fenced;
        let body = match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("md") | None => text,
            Some(ext) => {
                fenced = format!("```{ext}\n{}\n```\n", text.trim_end());
                &fenced
            }
        };
        // Replace the old body, up to the closing marker.
        let mut old = String::new();
        loop {
            match lines.next() {
                Some((_, l)) if l.trim_end() == CLOSE => {
                    out.push_str(body);
                    if !body.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(l);
                    break;
                }
                Some((_, l)) => old.push_str(l),
                None => return Err(bad(format!("block `{name}` has no `{CLOSE}`"))),
            }
        }
        blocks.push(BlockMarker {
            page: page.to_path_buf(),
            line: i + 1,
            file: name.to_string(),
            current: old.trim_end() == body.trim_end(),
        });
    }
    Ok((out, blocks))
}

/// The Markdown pages under `src`, or `src` itself when it is a file (such as `README.md`).
fn markdown_pages(src: &Path) -> Result<Vec<PathBuf>> {
    if src.is_file() {
        return Ok(vec![src.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(e, &d))? {
            let p = entry.map_err(|e| Error::io(e, &d))?.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "generated") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Rewrites every generated block in the Markdown pages under `src` (the book's `docs/src`,
/// or one file such as `README.md`) from `files`; returns the pages that changed.
pub fn refresh_pages(src: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for page in markdown_pages(src)? {
        let text = std::fs::read_to_string(&page).map_err(|e| Error::io(e, &page))?;
        let (new, _) = rewrite(&page, &text, files)?;
        if new != text {
            crate::report::write_atomic(&page, new.as_bytes())?;
            changed.push(page);
        }
    }
    Ok(changed)
}

/// Every generated block in the Markdown pages under `src`, with whether it is current
/// (equal to `files`). A page whose blocks are all current needs no refresh.
pub fn stale_pages(src: &Path, files: &[GeneratedFile]) -> Result<Vec<BlockMarker>> {
    let mut all = Vec::new();
    for page in markdown_pages(src)? {
        let text = std::fs::read_to_string(&page).map_err(|e| Error::io(e, &page))?;
        all.extend(rewrite(&page, &text, files)?.1);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<GeneratedFile> {
        vec![GeneratedFile::text("a.md", "new body\n")]
    }

    #[test]
    fn a_block_is_replaced_and_markers_kept() {
        let page = "# T\n<!-- generated: a.md -->\nold\nlines\n<!-- /generated -->\ntail\n";
        let (out, blocks) = rewrite(Path::new("p.md"), page, &files()).unwrap();
        assert_eq!(out, "# T\n<!-- generated: a.md -->\nnew body\n<!-- /generated -->\ntail\n");
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].line, 2);
        assert!(!blocks[0].current);
        // Idempotent, and then current.
        let (again, blocks) = rewrite(Path::new("p.md"), &out, &files()).unwrap();
        assert_eq!(again, out);
        assert!(blocks[0].current);
    }

    #[test]
    fn non_markdown_files_are_fenced() {
        let files = vec![GeneratedFile::text("x.json", "{}\n")];
        let page = "<!-- generated: x.json -->\n<!-- /generated -->\n";
        let (out, _) = rewrite(Path::new("p.md"), page, &files).unwrap();
        assert_eq!(out, "<!-- generated: x.json -->\n```json\n{}\n```\n<!-- /generated -->\n");
    }

    #[test]
    fn unknown_files_and_unclosed_blocks_are_errors_naming_the_line() {
        let e = rewrite(Path::new("p.md"), "x\n<!-- generated: b.md -->\n", &files()).unwrap_err();
        assert!(e.to_string().contains("p.md:2"), "{e}");
        let e =
            rewrite(Path::new("p.md"), "<!-- generated: a.md -->\nold\n", &files()).unwrap_err();
        assert!(e.to_string().contains("no `<!-- /generated -->`"), "{e}");
    }
}
