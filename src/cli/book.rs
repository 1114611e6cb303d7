//! `hashscope book`: regenerate the course's figures and numbers (`docs/src/generated/`) and
//! the generated blocks in its pages, or check that they are current.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use hashscope::book;

use super::exit;

/// Arguments of `hashscope book`.
#[derive(Debug, Args)]
pub struct BookArgs {
    /// Repository root (holds `fixtures/` and `docs/`).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Only check: exit 1 and list what differs, write nothing.
    #[arg(long)]
    check: bool,
}

pub fn run(args: BookArgs) -> Result<u8> {
    let root = &args.root;
    let files = book::generate(root).context("generating the book's files")?;
    let dir = root.join(book::GENERATED_DIR);
    if args.check {
        let mut stale = book::differences(&files, &dir)?;
        for pages in book::PAGE_ROOTS {
            for b in book::stale_pages(&root.join(pages), &files)? {
                if !b.current {
                    stale.push(format!("{}:{}: block `{}`", b.page.display(), b.line, b.file));
                }
            }
        }
        for s in &stale {
            eprintln!("stale: {s}");
        }
        if stale.is_empty() {
            eprintln!("book: {} generated files and their page blocks are current", files.len());
            return Ok(exit::OK);
        }
        eprintln!("book: {} item(s) stale; run `hashscope book` to refresh", stale.len());
        return Ok(exit::FATAL);
    }
    book::write(&files, &dir).with_context(|| format!("writing {}", dir.display()))?;
    let mut changed = Vec::new();
    for pages in book::PAGE_ROOTS {
        changed.extend(book::refresh_pages(&root.join(pages), &files)?);
    }
    eprintln!(
        "book: {} files in {}; {} page(s) updated",
        files.len(),
        dir.display(),
        changed.len()
    );
    for p in changed {
        eprintln!("  {}", p.display());
    }
    Ok(exit::OK)
}
