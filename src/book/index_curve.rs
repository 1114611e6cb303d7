//! Chapter 3's curve: how much of a BK-tree a search visits as the radius grows.
//!
//! Node visits are counted, not timed, so the curve is exact and identical on every machine
//! (timings are in the benches, `benches/index.rs`). Data: uniform random hashes from a fixed
//! SplitMix64 stream, `N = 10^4`, mean over 32 queries that are not in the tree.

use std::fmt::Write;

use crate::error::Result;
use crate::eval::seed::mix64;
use crate::hash::{Bits, HashBits};
use crate::index::BkTree;
use crate::plot::{self, Series};

use super::GeneratedFile;

const ENTRIES: usize = 10_000;
const QUERIES: usize = 32;

fn random_hashes<const N: usize>(count: usize, stream: u64) -> Vec<Bits<N>> {
    let mut state = mix64(stream);
    (0..count)
        .map(|_| {
            Bits::from_words(std::array::from_fn(|_| {
                state = mix64(state);
                state
            }))
        })
        .collect()
}

/// `(radius, mean visited fraction)` for radii `0, step, 2·step, …, max`.
fn curve<const N: usize>(step: u32, max: u32) -> Result<Vec<(u32, f64)>>
where
    Bits<N>: HashBits,
{
    let entries = random_hashes::<N>(ENTRIES, 0xB0B);
    let queries = random_hashes::<N>(QUERIES, 0xC0FE);
    let tree = BkTree::build(&entries)?;
    Ok((0..=max)
        .step_by(step as usize)
        .map(|r| {
            let sum: f64 = queries.iter().map(|q| tree.within_stats(q, r).1.fraction()).sum();
            (r, sum / QUERIES as f64)
        })
        .collect())
}

pub(super) fn files() -> Result<Vec<GeneratedFile>> {
    // Beyond a quarter of the width every node is visited; the tables stop there.
    let c64 = curve::<1>(2, 24)?;
    let c256 = curve::<4>(8, 96)?;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Share of the tree's nodes one search visits (uniform random hashes, N = {ENTRIES}, mean of \
         {QUERIES} queries, `BkTree::within_stats`). A linear scan visits 100 %; so does the \
         tree at every larger radius than shown.\n"
    );
    for (label, c) in [("64-bit", &c64), ("256-bit (PDQ)", &c256)] {
        let _ = write!(md, "| {label}: radius |");
        for (r, _) in c.iter() {
            let _ = write!(md, " {r} |");
        }
        let _ = writeln!(md, "\n|---|{}", "---|".repeat(c.len()));
        let _ = write!(md, "| nodes visited |");
        for (_, f) in c.iter() {
            let _ = write!(md, " {:.1} % |", 100.0 * f);
        }
        let _ = writeln!(md, "\n");
    }
    // Plotted against the radius as a share of the width, so both hashes share one axis.
    let series = [("64-bit", &c64, 64.0), ("256-bit (PDQ)", &c256, 256.0)]
        .iter()
        .map(|(label, c, width)| Series {
            label: (*label).to_string(),
            points: c.iter().map(|&(r, f)| (f64::from(r) / width, f)).collect(),
        })
        .collect::<Vec<_>>();
    let svg = plot::line_chart(
        "BK-tree: share of nodes visited by radius",
        "radius / bits",
        "nodes visited",
        &series,
        false,
        false,
    );
    Ok(vec![
        GeneratedFile::text("matching/bktree-visits.md", md.trim_end().to_string() + "\n"),
        GeneratedFile::text("matching/bktree-visits.svg", svg),
    ])
}
