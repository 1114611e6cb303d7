//! Null distributions by stratum: pairs within a collection, pairs across collections, and
//! all pairs pooled.
//!
//! Images from the same collection (one game's textures, one photographer's wallpapers)
//! resemble each other far more than a user's photo resembles a list drawn from elsewhere, so
//! a pooled within-corpus rate answers neither "how often do siblings collide" nor "how often
//! does a stranger's image hit the list". The report gives all three, each with its pair count.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::eval::duplicates::ClosePair;
use crate::eval::impostor::ImpostorHistogram;
use crate::hash::HashBits;

/// Impostor histograms of one algorithm over one corpus, by stratum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NullStrata {
    /// All unordered pairs of distinct images.
    pub pooled: ImpostorHistogram,
    /// Pairs whose two images share a collection.
    pub within: ImpostorHistogram,
    /// Pairs whose images belong to different collections.
    pub across: ImpostorHistogram,
    /// Pairs removed as confirmed duplicates (already subtracted from the histograms).
    pub excluded: u64,
}

/// Computes the three strata exactly. `collections[i]` is image `i`'s collection label;
/// `excluded` pairs (confirmed duplicates) are removed from every stratum they belong to.
pub fn null_strata<B: HashBits>(
    hashes: &[B],
    collections: &[String],
    excluded: &[ClosePair],
) -> Result<NullStrata> {
    let pooled = ImpostorHistogram::all_pairs(hashes);
    let mut groups: BTreeMap<&str, Vec<B>> = BTreeMap::new();
    for (h, c) in hashes.iter().zip(collections) {
        groups.entry(c.as_str()).or_default().push(*h);
    }
    let mut within = ImpostorHistogram::new(B::WIDTH);
    for members in groups.values() {
        within.merge(&ImpostorHistogram::all_pairs(members))?;
    }
    let mut pooled_counts = pooled.counts().to_vec();
    let mut within_counts = within.counts().to_vec();
    for p in excluded {
        let d = p.distance as usize;
        pooled_counts[d] = pooled_counts[d].saturating_sub(1);
        if collections[p.i as usize] == collections[p.j as usize] {
            within_counts[d] = within_counts[d].saturating_sub(1);
        }
    }
    let across_counts: Vec<u64> =
        pooled_counts.iter().zip(&within_counts).map(|(p, w)| p - w).collect();
    Ok(NullStrata {
        pooled: ImpostorHistogram::from_counts(pooled_counts)?,
        within: ImpostorHistogram::from_counts(within_counts)?,
        across: ImpostorHistogram::from_counts(across_counts)?,
        excluded: excluded.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Bits64;

    #[test]
    fn strata_add_up_and_match_brute_force() {
        let words = [0u64, 1, 3, 0xff, 0xf0f0, 7, 0x8000_0000_0000_0000];
        let h: Vec<Bits64> = words.iter().map(|&w| Bits64::from_words([w])).collect();
        let c: Vec<String> =
            ["a", "a", "b", "b", "b", "c", "a"].iter().map(|s| s.to_string()).collect();
        let s = null_strata(&h, &c, &[]).unwrap();
        let mut within = vec![0u64; 65];
        let mut across = vec![0u64; 65];
        for i in 0..h.len() {
            for j in i + 1..h.len() {
                let d = h[i].hamming(&h[j]) as usize;
                if c[i] == c[j] {
                    within[d] += 1
                } else {
                    across[d] += 1
                }
            }
        }
        assert_eq!(s.within.counts(), &within[..]);
        assert_eq!(s.across.counts(), &across[..]);
        assert_eq!(s.pooled.total(), 21);
        let ex = [ClosePair { i: 0, j: 1, distance: 1 }, ClosePair { i: 0, j: 2, distance: 2 }];
        let s2 = null_strata(&h, &c, &ex).unwrap();
        assert_eq!(s2.pooled.total(), 19);
        assert_eq!(s2.within.count(1), s.within.count(1) - 1);
        assert_eq!(s2.excluded, 2);
    }
}
