//! Exact Hamming-distance indexes: given a query hash, find the list entries near it.
//!
//! # The one rule: radius is inclusive
//!
//! Every search in this module — and every threshold in hashscope — uses **`distance <=
//! radius`**. A radius of 0 finds exact copies; a radius of 31 on PDQ finds every entry whose
//! Hamming distance is 0, 1, …, 31 (Meta's recommended PDQ match threshold is written the same
//! way). Results are always sorted by `(distance, id)`, so two indexes built from the same
//! hashes return *identical* vectors, and the tests compare them with `==`.
//!
//! # Ids
//!
//! An index is built from a slice of hashes; the id of an entry is its position in that slice
//! (`hashes[id as usize]`). Ids are `u32`, so an index holds at most `u32::MAX` entries;
//! building a larger one is an [`ErrorKind::InvalidArgument`](crate::ErrorKind) error.
//! Duplicate hashes are kept: each copy is its own entry with its own id.
//!
//! # Three implementations, one answer
//!
//! | type | idea | good at |
//! |------|------|---------|
//! | [`LinearScan`] | compare with every entry (XOR + popcount) | any radius, small N, batches |
//! | [`BkTree`] | metric tree, prune with the triangle inequality | tiny radius only |
//! | [`MultiIndex`] | multi-index hashing, pigeonhole over substrings | large N, small to medium radius |
//!
//! All three are *exact*: they return precisely what [`brute_force_within`] and
//! [`brute_force_nearest`] return (checked by property tests for every radius `0..=WIDTH`).
//! See `docs/src/matching.md` for the reasoning behind each and measured figures.
//!
//! ```
//! use hashscope::index::{HammingIndex, MultiIndex, Match};
//! use hashscope::Bits64;
//! let hashes = [Bits64::from_words([0b0000]), Bits64::from_words([0b0111]), Bits64::from_words([0b0001])];
//! let index = MultiIndex::build(&hashes).unwrap();
//! let q = Bits64::from_words([0b0011]);
//! // entries 0 and 2 are at distance 2 and 1; entry 1 is at distance 1 as well
//! assert_eq!(
//!     index.within(&q, 1),
//!     vec![Match { id: 1, distance: 1 }, Match { id: 2, distance: 1 }]
//! );
//! assert_eq!(index.nearest(&q, 1), vec![Match { id: 1, distance: 1 }]);
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Result};
use crate::hash::HashBits;

mod bktree;
mod linear;
mod mih;

pub use bktree::{BkTree, BkTreeStats};
pub use linear::{Kernel, LinearScan};
pub use mih::MultiIndex;

/// One search hit: the entry's id (its position in the build input) and its distance.
///
/// `Match` orders by `(distance, id)` — the order every result vector is sorted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Match {
    /// Position of the entry in the slice the index was built from.
    pub id: u32,
    /// Hamming distance between the query and the entry.
    pub distance: u32,
}

impl Ord for Match {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.distance, self.id).cmp(&(other.distance, other.id))
    }
}

impl PartialOrd for Match {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An exact Hamming-distance index over hashes of type `B` ([`Bits64`](crate::Bits64) or
/// [`Bits256`](crate::Bits256)).
///
/// Implementations differ only in speed and memory, never in answers.
pub trait HammingIndex<B: HashBits>: Send + Sync {
    /// Number of entries (duplicates included).
    fn len(&self) -> usize;

    /// `true` if the index has no entries.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry with `distance <= radius` (inclusive), sorted by `(distance, id)`.
    ///
    /// A radius of `B::WIDTH` or more returns every entry.
    fn within(&self, query: &B, radius: u32) -> Vec<Match>;

    /// [`within`](Self::within) for many queries; `result[i]` answers `queries[i]`.
    ///
    /// The default loops; [`LinearScan`] overrides it to stream its data once per block of
    /// queries.
    fn within_batch(&self, queries: &[B], radius: u32) -> Vec<Vec<Match>> {
        queries.iter().map(|q| self.within(q, radius)).collect()
    }

    /// The `k` entries nearest to `query`, sorted by `(distance, id)`: among entries at equal
    /// distance the smaller ids win. Returns fewer than `k` only if the index is smaller.
    fn nearest(&self, query: &B, k: usize) -> Vec<Match>;

    /// Approximate heap memory held by the index, in bytes (the hashes included).
    fn memory_bytes(&self) -> usize;
}

/// The three index implementations, by name (for the CLI and configuration files).
///
/// ```
/// use hashscope::index::IndexKind;
/// let k: IndexKind = "mih".parse().unwrap();
/// assert_eq!(k, IndexKind::MultiIndex);
/// assert_eq!(k.to_string(), "mih");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// [`LinearScan`], name `linear`.
    Linear,
    /// [`BkTree`], name `bktree`.
    BkTree,
    /// [`MultiIndex`], name `mih`.
    MultiIndex,
}

impl IndexKind {
    /// All kinds, in a fixed order.
    pub const ALL: [IndexKind; 3] = [IndexKind::Linear, IndexKind::BkTree, IndexKind::MultiIndex];

    /// The lowercase name: `linear`, `bktree` or `mih`.
    pub fn name(self) -> &'static str {
        match self {
            IndexKind::Linear => "linear",
            IndexKind::BkTree => "bktree",
            IndexKind::MultiIndex => "mih",
        }
    }

    /// Builds an index of this kind over `hashes` (ids are positions).
    ///
    /// ```
    /// use hashscope::index::{HammingIndex, IndexKind};
    /// use hashscope::Bits64;
    /// let hashes = vec![Bits64::zero(); 3];
    /// for kind in IndexKind::ALL {
    ///     let index = kind.build(&hashes).unwrap();
    ///     assert_eq!(index.within(&Bits64::zero(), 0).len(), 3);
    /// }
    /// ```
    pub fn build<B: HashBits>(self, hashes: &[B]) -> Result<Box<dyn HammingIndex<B>>> {
        Ok(match self {
            IndexKind::Linear => Box::new(LinearScan::build(hashes)?),
            IndexKind::BkTree => Box::new(BkTree::build(hashes)?),
            IndexKind::MultiIndex => Box::new(MultiIndex::build(hashes)?),
        })
    }
}

impl fmt::Display for IndexKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for IndexKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "linear" | "scan" | "linear-scan" => Ok(IndexKind::Linear),
            "bktree" | "bk-tree" | "bk" => Ok(IndexKind::BkTree),
            "mih" | "multi-index" | "multiindex" => Ok(IndexKind::MultiIndex),
            other => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("unknown index {other:?} (expected linear, bktree or mih)"),
            )),
        }
    }
}

/// The specification: every entry of `hashes` with `distance <= radius`, sorted by
/// `(distance, id)`, computed the obvious way. Used as the oracle in the tests.
///
/// ```
/// use hashscope::index::{brute_force_within, Match};
/// use hashscope::Bits64;
/// let h = [Bits64::from_words([1]), Bits64::from_words([3])];
/// assert_eq!(brute_force_within(&h, &Bits64::zero(), 1), vec![Match { id: 0, distance: 1 }]);
/// ```
pub fn brute_force_within<B: HashBits>(hashes: &[B], query: &B, radius: u32) -> Vec<Match> {
    let mut out: Vec<Match> = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| Match { id: i as u32, distance: query.distance(h) })
        .filter(|m| m.distance <= radius)
        .collect();
    out.sort_unstable();
    out
}

/// The specification of k-nearest: all entries sorted by `(distance, id)`, truncated to `k`.
pub fn brute_force_nearest<B: HashBits>(hashes: &[B], query: &B, k: usize) -> Vec<Match> {
    let mut out: Vec<Match> = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| Match { id: i as u32, distance: query.distance(h) })
        .collect();
    out.sort_unstable();
    out.truncate(k);
    out
}

/// Checks that `n` entries fit `u32` ids.
pub(crate) fn check_len(n: usize) -> Result<()> {
    if n > u32::MAX as usize {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("an index holds at most {} entries, got {n}", u32::MAX),
        ));
    }
    Ok(())
}

/// Keeps the `k` smallest matches seen so far, by `(distance, id)`.
pub(crate) struct TopK {
    k: usize,
    heap: std::collections::BinaryHeap<Match>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        TopK { k, heap: std::collections::BinaryHeap::with_capacity(k.min(1 << 16) + 1) }
    }

    /// The largest distance that could still enter (inclusive), or `u32::MAX` while not full.
    #[inline]
    pub(crate) fn bound(&self) -> u32 {
        if self.heap.len() < self.k {
            u32::MAX
        } else {
            self.heap.peek().map_or(u32::MAX, |m| m.distance)
        }
    }

    #[inline]
    pub(crate) fn offer(&mut self, m: Match) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(m);
        } else if let Some(top) = self.heap.peek() {
            if m < *top {
                self.heap.pop();
                self.heap.push(m);
            }
        }
    }

    pub(crate) fn into_sorted(self) -> Vec<Match> {
        self.heap.into_sorted_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Bits64;

    #[test]
    fn match_orders_by_distance_then_id() {
        let a = Match { id: 5, distance: 1 };
        let b = Match { id: 1, distance: 2 };
        let c = Match { id: 6, distance: 1 };
        let mut v = vec![b, c, a];
        v.sort();
        assert_eq!(v, vec![a, c, b]);
    }

    #[test]
    fn topk_keeps_smallest_with_id_ties() {
        let mut t = TopK::new(2);
        for (id, d) in [(0, 5), (1, 3), (2, 3), (3, 3), (4, 9)] {
            t.offer(Match { id, distance: d });
        }
        assert_eq!(
            t.into_sorted(),
            vec![Match { id: 1, distance: 3 }, Match { id: 2, distance: 3 }]
        );
        let mut t = TopK::new(0);
        t.offer(Match { id: 0, distance: 0 });
        assert!(t.into_sorted().is_empty());
    }

    #[test]
    fn kinds_parse_and_build() {
        for k in IndexKind::ALL {
            assert_eq!(k.name().parse::<IndexKind>().unwrap(), k);
            let idx = k.build::<Bits64>(&[]).unwrap();
            assert!(idx.is_empty());
            assert!(idx.within(&Bits64::zero(), 64).is_empty());
            assert!(idx.nearest(&Bits64::zero(), 3).is_empty());
        }
        assert!("kdtree".parse::<IndexKind>().is_err());
    }
}
