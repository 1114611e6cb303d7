//! Property tests: every index returns exactly the brute-force answer.
//!
//! For random, clustered and duplicate-heavy hash sets (including the empty set and N = 1),
//! every radius `0..=WIDTH` and a few queries (random ones and perturbed copies of entries),
//! `within` and `within_batch` of [`LinearScan`] (every CPU kernel), [`BkTree`] and
//! [`MultiIndex`] (default `m` and a random valid `m`, each also forced to probe instead of
//! falling back to its scan) must equal [`brute_force_within`]
//! — same ids, same distances, same `(distance, id)` order — and `nearest(k)` must equal
//! [`brute_force_nearest`]. The seed is fixed, so runs are reproducible; on failure proptest
//! prints the minimal failing input.
//!
//! Case counts: 256 cases for 64-bit hashes (N < 300), 48 cases for 256-bit hashes (N < 60),
//! each case checking every radius 0..=WIDTH.

use hashscope::index::{
    brute_force_nearest, brute_force_within, BkTree, HammingIndex, Kernel, LinearScan, MultiIndex,
};
use hashscope::{Bits, HashBits};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

const CASES_64: u32 = 256;
const CASES_256: u32 = 48;

/// A hash set: uniform, clustered (centres + a few flipped bits) or with many duplicates.
fn hash_set<const N: usize>(max_len: usize) -> impl Strategy<Value = Vec<Bits<N>>> {
    let width = 64 * N;
    let uniform = prop::collection::vec(any::<[u64; N]>(), 0..max_len)
        .prop_map(|v| v.into_iter().map(Bits::from_words).collect::<Vec<_>>());
    let clustered = (
        prop::collection::vec(any::<[u64; N]>(), 1..5),
        prop::collection::vec((any::<usize>(), prop::collection::vec(0..width, 0..8)), 0..max_len),
    )
        .prop_map(|(centres, items)| {
            items
                .into_iter()
                .map(|(c, flips)| {
                    let mut b = Bits::from_words(centres[c % centres.len()]);
                    for p in flips {
                        b.flip(p);
                    }
                    b
                })
                .collect::<Vec<_>>()
        });
    let duplicates = (
        prop::collection::vec(any::<[u64; N]>(), 1..4),
        prop::collection::vec(any::<usize>(), 0..max_len),
    )
        .prop_map(|(distinct, picks)| {
            picks.into_iter().map(|i| Bits::from_words(distinct[i % distinct.len()])).collect()
        });
    prop_oneof![uniform, clustered, duplicates]
}

/// Queries: random ones, and entries of the set with a few bits flipped.
fn queries<const N: usize>(
    set: &[Bits<N>],
    random: Vec<[u64; N]>,
    near: Vec<(usize, Vec<usize>)>,
) -> Vec<Bits<N>> {
    let mut q: Vec<Bits<N>> = random.into_iter().map(Bits::from_words).collect();
    if !set.is_empty() {
        for (i, flips) in near {
            let mut b = set[i % set.len()];
            for p in flips {
                b.flip(p % (64 * N));
            }
            q.push(b);
        }
    }
    q
}

fn check<const N: usize>(
    set: &[Bits<N>],
    qs: &[Bits<N>],
    m_pick: usize,
) -> Result<(), TestCaseError>
where
    Bits<N>: HashBits,
{
    let width = Bits::<N>::WIDTH;
    let mut indexes: Vec<(String, Box<dyn HammingIndex<Bits<N>>>)> = Vec::new();
    for k in Kernel::available() {
        let scan = LinearScan::build(set).unwrap().with_kernel(k).unwrap();
        indexes.push((format!("linear/{}", k.name()), Box::new(scan)));
    }
    indexes.push(("bktree".into(), Box::new(BkTree::build(set).unwrap())));
    let mih = MultiIndex::build(set).unwrap();
    // Small sets make the cost model choose the scan at most radii: also check the probing
    // path at every radius.
    indexes.push(("mih/probe".into(), Box::new(mih.clone().always_probing())));
    indexes.push(("mih".into(), Box::new(mih)));
    let w = width as usize;
    let m = w.div_ceil(24) + m_pick % (w - w.div_ceil(24) + 1);
    let mih_m = MultiIndex::with_substrings(set, m).unwrap();
    if w.div_ceil(m) <= 12 {
        indexes.push((format!("mih/m={m}/probe"), Box::new(mih_m.clone().always_probing())));
    }
    indexes.push((format!("mih/m={m}"), Box::new(mih_m)));

    for (name, idx) in &indexes {
        prop_assert_eq!(idx.len(), set.len(), "{}", name);
    }
    for radius in 0..=width {
        let want: Vec<_> = qs.iter().map(|q| brute_force_within(set, q, radius)).collect();
        for (name, idx) in &indexes {
            for (q, w) in qs.iter().zip(&want) {
                prop_assert_eq!(
                    &idx.within(q, radius),
                    w,
                    "{} radius {} query {:?}",
                    name,
                    radius,
                    q
                );
            }
            prop_assert_eq!(
                &idx.within_batch(qs, radius),
                &want,
                "{} batch radius {}",
                name,
                radius
            );
        }
    }
    for q in qs {
        for k in [0, 1, 2, 5, set.len(), set.len() + 3] {
            let want = brute_force_nearest(set, q, k);
            for (name, idx) in &indexes {
                prop_assert_eq!(
                    &idx.nearest(q, k),
                    &want,
                    "{} nearest k={} query {:?}",
                    name,
                    k,
                    q
                );
            }
        }
    }
    Ok(())
}

fn config(cases: u32, seed: u64) -> Config {
    Config { cases, rng_seed: RngSeed::Fixed(seed), failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config(CASES_64, 0x4841_5348_0064))]
    #[test]
    fn exact_64(
        set in hash_set::<1>(300),
        random in prop::collection::vec(any::<[u64; 1]>(), 0..3),
        near in prop::collection::vec((any::<usize>(), prop::collection::vec(any::<usize>(), 0..10)), 1..4),
        m_pick in any::<usize>(),
    ) {
        let qs = queries(&set, random, near);
        check(&set, &qs, m_pick)?;
    }
}

proptest! {
    #![proptest_config(config(CASES_256, 0x4841_5348_0256))]
    #[test]
    fn exact_256(
        set in hash_set::<4>(60),
        random in prop::collection::vec(any::<[u64; 4]>(), 0..2),
        near in prop::collection::vec((any::<usize>(), prop::collection::vec(any::<usize>(), 0..40)), 1..3),
        m_pick in any::<usize>(),
    ) {
        let qs = queries(&set, random, near);
        check(&set, &qs, m_pick)?;
    }
}

#[test]
fn edge_cases_empty_single_all_equal() {
    let empty: Vec<Bits<1>> = Vec::new();
    check(&empty, &[Bits::zero()], 0).unwrap();
    let one = vec![Bits::<4>::from_words([1, 2, 3, 4])];
    check(&one, &[Bits::zero(), one[0]], 5).unwrap();
    let same = vec![Bits::<1>::from_words([0xdead_beef]); 50];
    check(&same, &[same[0], Bits::zero()], 7).unwrap();
    eprintln!("proptest cases: {CASES_64} (64-bit, N < 300) + {CASES_256} (256-bit, N < 60), every radius 0..=WIDTH");
}
