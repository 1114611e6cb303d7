//! [`BkTree`]: a Burkhard–Keller tree specialised to Hamming distance.
//!
//! Every node holds one hash; a child hangs off its parent under the *edge label*
//! `distance(parent, child)`, an integer in `1..=WIDTH`, and each node has at most one child
//! per label. Searching for everything within `r` of `q`: at a node at distance `d` from `q`,
//! the triangle inequality says an entry in the subtree under label `e` has distance at least
//! `|d - e|` from `q`, so only the children with `d - r <= e <= d + r` can contain hits.
//!
//! With a small radius that window is narrow and most of the tree is skipped; with a large
//! radius the window covers almost every label and the search visits almost every node — a
//! linear scan with pointer chasing (see [`BkTree::within_stats`] and the measured curve in
//! `docs/src/matching.md`).
//!
//! # Storage
//!
//! Nodes live in one `Vec` (an arena); links are `u32` indices. The children of a node form
//! a singly linked list sorted by edge label (`first_child`, `next_sibling`), so a node
//! costs a constant number of bytes however wide the hash, and the search can stop walking the
//! list as soon as labels exceed `d + r`. Entries whose hash equals a node's hash (distance 0)
//! are *not* new nodes: their ids are chained on that node, so duplicates are kept without
//! making the tree deeper. Insertion and search are iterative (an explicit stack or heap), so
//! degenerate inputs — all hashes equal, or a long chain — cannot overflow the call stack.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{check_len, HammingIndex, Match, TopK};
use crate::error::Result;
use crate::hash::HashBits;

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Node<B> {
    hash: B,
    id: u32,
    /// Distance to the parent (0 for the root).
    edge: u32,
    first_child: u32,
    next_sibling: u32,
    /// Head of the chain of further ids with exactly this hash, in `BkTree::dups`.
    first_dup: u32,
}

/// Node-visit counts of one [`BkTree::within_stats`] search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BkTreeStats {
    /// Nodes whose distance to the query was computed.
    pub visited: usize,
    /// Nodes in the tree (distinct hashes).
    pub nodes: usize,
}

impl BkTreeStats {
    /// `visited / nodes` (0 for an empty tree).
    pub fn fraction(&self) -> f64 {
        if self.nodes == 0 {
            0.0
        } else {
            self.visited as f64 / self.nodes as f64
        }
    }
}

/// Exact search with a Hamming BK-tree. See the [index module docs](crate::index).
///
/// ```
/// use hashscope::index::{BkTree, HammingIndex, Match};
/// use hashscope::Bits64;
/// let hashes = [Bits64::from_words([0]), Bits64::from_words([0b11]), Bits64::from_words([0])];
/// let tree = BkTree::build(&hashes).unwrap();
/// assert_eq!(tree.node_count(), 2); // the duplicate shares a node
/// assert_eq!(
///     tree.within(&Bits64::from_words([1]), 1),
///     vec![Match { id: 0, distance: 1 }, Match { id: 1, distance: 1 }, Match { id: 2, distance: 1 }]
/// );
/// ```
#[derive(Debug, Clone)]
pub struct BkTree<B> {
    nodes: Vec<Node<B>>,
    /// `(id, next)` chains of duplicate ids.
    dups: Vec<(u32, u32)>,
    len: usize,
    popcnt: bool,
}

impl<B: HashBits> BkTree<B> {
    /// Builds the tree by inserting `hashes` in order (ids are positions).
    pub fn build(hashes: &[B]) -> Result<Self> {
        check_len(hashes.len())?;
        let mut tree = BkTree {
            nodes: Vec::with_capacity(hashes.len()),
            dups: Vec::new(),
            len: 0,
            popcnt: has_popcnt(),
        };
        for (id, h) in hashes.iter().enumerate() {
            tree.insert(*h, id as u32);
        }
        tree.nodes.shrink_to_fit();
        tree.dups.shrink_to_fit();
        Ok(tree)
    }

    fn insert(&mut self, hash: B, id: u32) {
        self.len += 1;
        let new_node = |edge, next_sibling| Node {
            hash,
            id,
            edge,
            first_child: NONE,
            next_sibling,
            first_dup: NONE,
        };
        if self.nodes.is_empty() {
            self.nodes.push(new_node(0, NONE));
            return;
        }
        let mut cur = 0usize;
        loop {
            let d = self.nodes[cur].hash.distance(&hash);
            if d == 0 {
                let link = self.dups.len() as u32;
                self.dups.push((id, self.nodes[cur].first_dup));
                self.nodes[cur].first_dup = link;
                return;
            }
            // Walk the sorted child list to the first label >= d.
            let mut prev = NONE;
            let mut c = self.nodes[cur].first_child;
            while c != NONE && self.nodes[c as usize].edge < d {
                prev = c;
                c = self.nodes[c as usize].next_sibling;
            }
            if c != NONE && self.nodes[c as usize].edge == d {
                cur = c as usize;
                continue;
            }
            let new = self.nodes.len() as u32;
            self.nodes.push(new_node(d, c));
            if prev == NONE {
                self.nodes[cur].first_child = new;
            } else {
                self.nodes[prev as usize].next_sibling = new;
            }
            return;
        }
    }

    /// Number of nodes (distinct hashes); [`len`](HammingIndex::len) counts duplicates too.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Length of the longest root-to-leaf path, in edges (computed iteratively).
    pub fn depth(&self) -> usize {
        let mut max = 0;
        let mut stack = Vec::new();
        if !self.nodes.is_empty() {
            stack.push((0u32, 0usize));
        }
        while let Some((n, depth)) = stack.pop() {
            max = max.max(depth);
            let mut c = self.nodes[n as usize].first_child;
            while c != NONE {
                stack.push((c, depth + 1));
                c = self.nodes[c as usize].next_sibling;
            }
        }
        max
    }

    /// Emits the node's id and its duplicate ids.
    #[inline(always)]
    fn emit(&self, node: &Node<B>, d: u32, out: &mut impl FnMut(Match)) {
        out(Match { id: node.id, distance: d });
        let mut l = node.first_dup;
        while l != NONE {
            let (id, next) = self.dups[l as usize];
            out(Match { id, distance: d });
            l = next;
        }
    }

    #[inline(always)]
    fn within_body(&self, q: &B, radius: u32) -> (Vec<Match>, usize) {
        let mut out = Vec::new();
        let mut visited = 0;
        if self.nodes.is_empty() {
            return (out, 0);
        }
        let mut stack = vec![0u32];
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n as usize];
            let d = node.hash.distance(q);
            visited += 1;
            if d <= radius {
                self.emit(node, d, &mut |m| out.push(m));
            }
            let lo = d.saturating_sub(radius);
            let hi = d.saturating_add(radius);
            let mut c = node.first_child;
            while c != NONE {
                let child = &self.nodes[c as usize];
                if child.edge > hi {
                    break;
                }
                if child.edge >= lo {
                    stack.push(c);
                }
                c = child.next_sibling;
            }
        }
        out.sort_unstable();
        (out, visited)
    }

    /// [`within`](HammingIndex::within), also returning how many nodes the search visited —
    /// the cost of a BK-tree query, which grows quickly with the radius.
    ///
    /// ```
    /// use hashscope::index::BkTree;
    /// use hashscope::Bits64;
    /// let hashes: Vec<Bits64> =
    ///     (0..1000u64).map(|i| Bits64::from_words([i.wrapping_mul(0x9E37_79B9_7F4A_7C15)])).collect();
    /// let tree = BkTree::build(&hashes).unwrap();
    /// let (_, small) = tree.within_stats(&hashes[0], 2);
    /// let (_, large) = tree.within_stats(&hashes[0], 40);
    /// assert!(small.visited < large.visited);
    /// assert_eq!(large.nodes, 1000);
    /// ```
    pub fn within_stats(&self, query: &B, radius: u32) -> (Vec<Match>, BkTreeStats) {
        let (m, visited) = self.within_dispatch(query, radius);
        (m, BkTreeStats { visited, nodes: self.nodes.len() })
    }

    fn within_dispatch(&self, q: &B, radius: u32) -> (Vec<Match>, usize) {
        #[cfg(target_arch = "x86_64")]
        if self.popcnt {
            // SAFETY: `popcnt` is true only if the CPU has the POPCNT instruction.
            return unsafe { self.within_popcnt(q, radius) };
        }
        self.within_body(q, radius)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn within_popcnt(&self, q: &B, radius: u32) -> (Vec<Match>, usize) {
        self.within_body(q, radius)
    }

    #[inline(always)]
    fn nearest_body(&self, q: &B, k: usize) -> Vec<Match> {
        let mut top = TopK::new(k);
        if self.nodes.is_empty() || k == 0 {
            return Vec::new();
        }
        // Best-first: pop the subtree with the smallest lower bound on its distances.
        let mut heap = BinaryHeap::new();
        heap.push(Reverse((0u32, 0u32)));
        while let Some(Reverse((lower, n))) = heap.pop() {
            if lower > top.bound() {
                break; // every remaining subtree is at least this far away
            }
            let node = &self.nodes[n as usize];
            let d = node.hash.distance(q);
            if d <= top.bound() {
                self.emit(node, d, &mut |m| top.offer(m));
            }
            let bound = top.bound();
            let mut c = node.first_child;
            while c != NONE {
                let child = &self.nodes[c as usize];
                let lb = d.abs_diff(child.edge);
                if child.edge > d && lb > bound {
                    break;
                }
                if lb <= bound {
                    heap.push(Reverse((lb, c)));
                }
                c = child.next_sibling;
            }
        }
        top.into_sorted()
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn nearest_popcnt(&self, q: &B, k: usize) -> Vec<Match> {
        self.nearest_body(q, k)
    }
}

fn has_popcnt() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl<B: HashBits> HammingIndex<B> for BkTree<B> {
    fn len(&self) -> usize {
        self.len
    }

    fn within(&self, query: &B, radius: u32) -> Vec<Match> {
        self.within_dispatch(query, radius).0
    }

    fn nearest(&self, query: &B, k: usize) -> Vec<Match> {
        #[cfg(target_arch = "x86_64")]
        if self.popcnt {
            // SAFETY: `popcnt` is true only if the CPU has the POPCNT instruction.
            return unsafe { self.nearest_popcnt(query, k) };
        }
        self.nearest_body(query, k)
    }

    fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node<B>>()
            + self.dups.capacity() * 8
            + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{Bits256, Bits64};
    use crate::index::{brute_force_nearest, brute_force_within};

    #[test]
    fn all_equal_input_is_one_node() {
        let hashes = vec![Bits64::from_words([42]); 100_000];
        let tree = BkTree::build(&hashes).unwrap();
        assert_eq!(tree.node_count(), 1);
        assert_eq!(tree.len(), 100_000);
        let hits = tree.within(&Bits64::from_words([43]), 1);
        assert_eq!(hits.len(), 100_000);
        assert!(hits.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(
            tree.nearest(&Bits64::from_words([42]), 3).iter().map(|m| m.id).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }

    #[test]
    fn long_chain_does_not_recurse() {
        // 0, 1, 11, 111, ...: each new hash is at distance i from the root and lands one level
        // deeper along a chain; the 256-bit version gives a 256-deep tree.
        let hashes: Vec<Bits256> = (0..=256u32)
            .map(|i| {
                let mut b = Bits256::zero();
                for p in 0..i as usize {
                    b.set(p, true);
                }
                b
            })
            .collect();
        let tree = BkTree::build(&hashes).unwrap();
        assert_eq!(tree.node_count(), 257);
        let q = hashes[100];
        for r in [0, 5, 256] {
            assert_eq!(tree.within(&q, r), brute_force_within(&hashes, &q, r));
        }
        assert_eq!(tree.nearest(&q, 10), brute_force_nearest(&hashes, &q, 10));
        // A real chain: 0, then the unit vectors e_0, e_1, ...: every e_i is at distance 1
        // from the root and 2 from every other e_j, so each one hangs below the previous.
        let mut chain = vec![Bits256::zero()];
        for p in 0..256 {
            let mut b = Bits256::zero();
            b.set(p, true);
            chain.push(b);
        }
        let tree = BkTree::build(&chain).unwrap();
        assert_eq!(tree.depth(), 256);
        for r in [0, 1, 2, 3, 256] {
            assert_eq!(tree.within(&chain[200], r), brute_force_within(&chain, &chain[200], r));
        }
        assert_eq!(tree.nearest(&chain[9], 5), brute_force_nearest(&chain, &chain[9], 5));
    }

    #[test]
    fn visits_grow_with_radius() {
        let hashes: Vec<Bits64> = (0..5000u64)
            .map(|i| Bits64::from_words([i.wrapping_mul(0x9E37_79B9_7F4A_7C15)]))
            .collect();
        let tree = BkTree::build(&hashes).unwrap();
        let mut last = 0;
        for r in [0, 4, 8, 16, 32, 64] {
            let (m, s) = tree.within_stats(&hashes[7], r);
            assert_eq!(m, brute_force_within(&hashes, &hashes[7], r));
            assert!(s.visited >= last);
            last = s.visited;
        }
        assert_eq!(last, tree.node_count());
    }
}
