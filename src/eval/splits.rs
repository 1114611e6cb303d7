//! The probe-versus-list design: what a scanner actually does.
//!
//! A scanner compares users' photos (probes) with a list drawn from *other* sources. To
//! measure that on a benign corpus, the collections are split at random (seeded) into "list"
//! collections and "probe" collections; every probe image is compared with every list entry.
//! Two figures come out of each split:
//!
//! - the **per-pair** rate: share of probe × list pairs at distance ≤ t;
//! - the **per-image** rate: share of probe images with at least one list entry at distance
//!   ≤ t, for a list of the measured size L. This is the figure a volume can be multiplied by.
//!
//! The split is repeated K times with different seeds; the report gives the pooled counts with
//! their interval and the spread (min–max) over splits. Whole collections go to one side, so
//! near-identical siblings never end up on both sides.

use serde::Serialize;

use crate::eval::seed::seed_for;

/// One random split of the collections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    /// Split number (0-based); its seed is derived from the run seed and this number.
    pub index: usize,
    /// Collections whose images form the list.
    pub list_collections: Vec<String>,
    /// Collections whose images are the probes.
    pub probe_collections: Vec<String>,
    /// Indices of list images (into the corpus), ascending.
    #[serde(skip)]
    pub list: Vec<usize>,
    /// Indices of probe images, ascending.
    #[serde(skip)]
    pub probes: Vec<usize>,
}

/// `k` seeded splits of the images (`collections[i]` = image i's collection) into list and
/// probe sides by collection: collections are shuffled (by a seed derived from `seed` and the
/// split number) and taken for the list until it holds at least `list_share` of the images;
/// the rest are probes. With fewer than two collections no split is possible and the result
/// is empty.
///
/// ```
/// use hashscope::eval::splits::collection_splits;
/// let c: Vec<String> = ["a", "a", "b", "c", "c", "c"].iter().map(|s| s.to_string()).collect();
/// let s = collection_splits(&c, 3, 0.5, 42);
/// assert_eq!(s.len(), 3);
/// for sp in &s {
///     assert_eq!(sp.list.len() + sp.probes.len(), 6);
///     assert!(!sp.list.is_empty() && !sp.probes.is_empty());
/// }
/// ```
pub fn collection_splits(
    collections: &[String],
    k: usize,
    list_share: f64,
    seed: u64,
) -> Vec<Split> {
    let mut names: Vec<&str> = collections.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() < 2 {
        return Vec::new();
    }
    let total = collections.len();
    let target = ((total as f64) * list_share.clamp(0.0, 1.0)).ceil() as usize;
    (0..k)
        .map(|index| {
            let split_seed = seed_for(seed, &format!("split-{index}"));
            let mut order: Vec<(u64, &str)> =
                names.iter().map(|n| (seed_for(split_seed, n), *n)).collect();
            order.sort_unstable();
            let mut list_names: Vec<String> = Vec::new();
            let mut in_list = 0usize;
            // Keep at least one collection on each side.
            for (pos, (_, name)) in order.iter().enumerate() {
                let remaining = order.len() - pos;
                if (in_list >= target && !list_names.is_empty()) || remaining == 1 {
                    break;
                }
                in_list += collections.iter().filter(|c| c.as_str() == *name).count();
                list_names.push(name.to_string());
            }
            list_names.sort();
            let mut probe_names: Vec<String> = names
                .iter()
                .filter(|n| !list_names.iter().any(|l| l == *n))
                .map(|n| n.to_string())
                .collect();
            probe_names.sort();
            let (mut list, mut probes) = (Vec::new(), Vec::new());
            for (i, c) in collections.iter().enumerate() {
                if list_names.iter().any(|l| l == c) {
                    list.push(i);
                } else {
                    probes.push(i);
                }
            }
            Split {
                index,
                list_collections: list_names,
                probe_collections: probe_names,
                list,
                probes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_deterministic_and_disjoint() {
        let c: Vec<String> = (0..40).map(|i| format!("c{}", i % 7)).collect();
        let a = collection_splits(&c, 5, 0.5, 1);
        assert_eq!(a, collection_splits(&c, 5, 0.5, 1));
        for s in &a {
            assert!(s.list_collections.iter().all(|l| !s.probe_collections.contains(l)));
            assert_eq!(s.list.len() + s.probes.len(), 40);
        }
        let distinct: std::collections::BTreeSet<_> =
            a.iter().map(|s| &s.list_collections).collect();
        assert!(distinct.len() > 1, "splits should differ");
        assert!(collection_splits(&vec!["x".to_string(); 5], 3, 0.5, 1).is_empty());
    }
}
