//! Suspected true duplicates: pairs of corpus images at or under the threshold, grouped into
//! connected components ("clusters").
//!
//! Real corpora contain the same picture more than once (another crop, another size, a
//! recoloured texture from the same template). Such pairs are *genuine* matches, not false
//! positives, and inflate a within-corpus false-positive rate. The report lists every close
//! pair and every cluster so a reader can judge, and `--exclude-pairs FILE` removes confirmed
//! duplicates from the rates. Exclusions are image pairs, independent of the algorithm; a
//! cluster id (`pdq:3`) stands for every pair inside that cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, ErrorKind, Result};
use crate::hash::HashBits;

/// A pair of images `(i, j)` with `i < j` and their distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClosePair {
    /// Smaller image index.
    pub i: u32,
    /// Larger image index.
    pub j: u32,
    /// Hamming distance.
    pub distance: u32,
}

/// Every pair `i < j` with distance ≤ `t`, sorted by (i, j). Exact; O(N²) popcounts split
/// over threads by row, which is fast for the corpus sizes a report hashes (N = 10⁵ takes
/// seconds).
pub fn close_pairs<B: HashBits>(hashes: &[B], t: u32) -> Vec<ClosePair> {
    let rows: Vec<Vec<ClosePair>> = (0..hashes.len())
        .into_par_iter()
        .map(|i| {
            let hi = &hashes[i];
            hashes[i + 1..]
                .iter()
                .enumerate()
                .filter_map(|(k, hj)| {
                    let d = hi.distance(hj);
                    (d <= t).then_some(ClosePair {
                        i: i as u32,
                        j: (i + 1 + k) as u32,
                        distance: d,
                    })
                })
                .collect()
        })
        .collect();
    rows.into_iter().flatten().collect()
}

/// Connected components (of size ≥ 2) of the graph whose edges are `pairs`, each sorted,
/// the list sorted by smallest member. Union–find with path halving.
pub fn clusters(n: usize, pairs: &[ClosePair]) -> Vec<Vec<u32>> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            let gp = p[p[x as usize] as usize];
            p[x as usize] = gp;
            x = gp;
        }
        x
    }
    for e in pairs {
        let (a, b) = (find(&mut parent, e.i), find(&mut parent, e.j));
        if a != b {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            parent[hi as usize] = lo;
        }
    }
    let mut groups: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for x in 0..n as u32 {
        let r = find(&mut parent, x);
        groups.entry(r).or_default().push(x);
    }
    let mut out: Vec<Vec<u32>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.sort();
    out
}

/// A set of excluded image pairs, by image name, with the lines they came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions {
    /// Unordered pairs of image names (stored with the smaller name first).
    pub pairs: BTreeSet<(String, String)>,
    /// Cluster ids such as `pdq:3`, expanded by the caller once clusters are known.
    pub clusters: BTreeSet<String>,
}

impl Exclusions {
    /// Parses an exclusion file: one entry per line, either two image names separated by a
    /// tab (as the report's pair table prints them) or one cluster id `ALGO:K`. `#` comments
    /// and blank lines are ignored. A malformed line is an error naming the line.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut ex = Exclusions::default();
        for (no, raw) in text.lines().enumerate() {
            let line = raw.trim_start_matches('\u{feff}').trim_end_matches('\r');
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
            match cells.as_slice() {
                [a, b] if !a.is_empty() && !b.is_empty() => {
                    ex.insert_pair(a, b);
                }
                [id] if id.contains(':') => {
                    ex.clusters.insert(id.to_string());
                }
                _ => {
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        "expected `NAME<TAB>NAME` or a cluster id `ALGO:K`",
                    )
                    .with_path(path)
                    .with_line(no + 1))
                }
            }
        }
        Ok(ex)
    }

    /// Reads and parses an exclusion file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(e, path))?;
        Self::parse(&text, path)
    }

    /// Adds the pair `{a, b}`.
    pub fn insert_pair(&mut self, a: &str, b: &str) {
        let (x, y) = if a <= b { (a, b) } else { (b, a) };
        self.pairs.insert((x.to_string(), y.to_string()));
    }

    /// Whether `{a, b}` is excluded.
    pub fn contains(&self, a: &str, b: &str) -> bool {
        let (x, y) = if a <= b { (a, b) } else { (b, a) };
        self.pairs.contains(&(x.to_string(), y.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Bits64;

    #[test]
    fn close_pairs_match_brute_force_and_cluster() {
        let h: Vec<Bits64> = [0u64, 1, 3, 0xff00, 0xff01, u64::MAX]
            .iter()
            .map(|&w| Bits64::from_words([w]))
            .collect();
        let p = close_pairs(&h, 1);
        let want: Vec<(u32, u32, u32)> = vec![(0, 1, 1), (1, 2, 1), (3, 4, 1)];
        assert_eq!(p.iter().map(|e| (e.i, e.j, e.distance)).collect::<Vec<_>>(), want);
        assert_eq!(clusters(h.len(), &p), vec![vec![0, 1, 2], vec![3, 4]]);
        assert!(close_pairs::<Bits64>(&[], 5).is_empty());
    }

    #[test]
    fn exclusions_parse_and_report_line() {
        let ex = Exclusions::parse("# c\nb.png\ta.png\n\npdq:2\r\n", Path::new("x")).unwrap();
        assert!(ex.contains("a.png", "b.png"));
        assert!(ex.clusters.contains("pdq:2"));
        let e = Exclusions::parse("a\tb\nonly-one\n", Path::new("ex.tsv")).unwrap_err();
        assert_eq!(e.line(), Some(2));
        assert!(e.to_string().starts_with("ex.tsv:2:"));
    }
}
