//! The book's numbers and figures are regenerated from the fixtures and must equal what is
//! committed under `docs/src/generated/` and in the pages' generated blocks. When this fails
//! after a deliberate change, refresh them with `cargo run --release -- book` and commit.

use std::path::Path;

use hashscope::book;

#[test]
fn generated_files_and_page_blocks_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = book::generate(root).expect("the book's files generate");
    let stale = book::differences(&files, &root.join(book::GENERATED_DIR)).unwrap();
    assert!(
        stale.is_empty(),
        "docs/src/generated is stale (run `cargo run --release -- book`):\n{}",
        stale.join("\n")
    );
    let mut blocks = Vec::new();
    for pages in book::PAGE_ROOTS {
        blocks.extend(book::stale_pages(&root.join(pages), &files).unwrap());
    }
    let old: Vec<String> = blocks
        .iter()
        .filter(|b| !b.current)
        .map(|b| format!("{}:{}: {}", b.page.display(), b.line, b.file))
        .collect();
    assert!(old.is_empty(), "stale generated blocks in pages:\n{}", old.join("\n"));
    // Every generated Markdown snippet is shown somewhere in the book, and every picture is
    // linked from some page (an unused file would be a figure nobody checks).
    let pages: String = std::fs::read_dir(root.join("docs/src"))
        .unwrap()
        .chain(std::fs::read_dir(root.join("docs/src/algorithms")).unwrap())
        .chain(std::fs::read_dir(root.join("docs/src/adversaries")).into_iter().flatten())
        .chain(std::fs::read_dir(root).unwrap())
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    for f in &files {
        let name = Path::new(&f.path).file_name().unwrap().to_string_lossy();
        assert!(pages.contains(&*name), "generated/{} is not used by any page", f.path);
    }
}

/// The adversaries chapter's pictures are written by `hashscope attack` (commands on each
/// page), not by `hashscope book`; the white-box ones are deterministic, so two of them are
/// recomputed here and must equal the committed bytes.
#[test]
fn adversary_pictures_regenerate_byte_for_byte() {
    use hashscope::attack::evade::{evade, EvadeOptions};
    use hashscope::{load_rgb8, Algorithm, DecodeLimits};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cat = load_rgb8(
        root.join("fixtures/corpus/pypi-scikit-image/pypi-scikit-image__00005.png"),
        &DecodeLimits::default(),
    )
    .unwrap();
    for (algo, file) in
        [(Algorithm::Pdq, "cat-evade-pdq.png"), (Algorithm::PHash, "cat-evade-phash.png")]
    {
        let outcome = evade(&cat, &EvadeOptions::new(algo)).unwrap();
        assert!(outcome.success);
        let committed =
            std::fs::read(root.join("docs/src/generated/adversaries").join(file)).unwrap();
        assert!(outcome.png == committed, "{file} differs from `hashscope attack evade` output");
    }
}
