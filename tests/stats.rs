//! Statistics core: Clopper–Pearson against reference values, binomial tails, and the exact
//! impostor histograms against brute force on random sets, for every available kernel.
//!
//! Reference values were computed with SciPy 1.17.1 (never called from the tests):
//! `scipy.stats.binomtest(k, n).proportion_ci(method="exact")` for n < 1e9, and for larger n
//! (where SciPy's `beta.ppf` / `binomtest` lose accuracy, e.g. `beta.ppf(0.025, 1000, 1e12-999)`
//! returns 1.49e-8, above the upper bound) `scipy.optimize.brentq` on
//! `scipy.special.betainc(k, n-k+1, x) - 0.025` and `betaincc(k+1, n-k, x) - 0.025` with
//! `rtol = 1e-15`.

use hashscope::eval::{ideal_fpr, ideal_pmf};
use hashscope::stats::{
    binomial_at_least, binomial_at_most, ln_binomial_at_least, rule_of_three,
    sample_size_for_upper_bound, ClopperPearson, Rate,
};
use hashscope::{Bits, Bits256, Bits64, HashBits, ImpostorHistogram, Kernel, ProbeListEval};
use proptest::prelude::*;

fn rel_close(got: f64, want: f64, rel: f64) -> bool {
    if want == 0.0 {
        return got == 0.0;
    }
    ((got - want) / want).abs() <= rel
}

/// (k, n, lower, upper): 95 % two-sided exact intervals.
const CP95: &[(u64, u64, f64, f64)] = &[
    // binomtest(k, n).proportion_ci(method="exact")
    (0, 10, 0.0, 0.30849710781876294),
    (5, 10, 0.1870860284474045, 0.8129139715525955),
    // lower: closed form 1 - 0.975^(1/100) = 0.00025314603297742086 (brentq agrees to 1e-16;
    // binomtest prints 0.00025314603268189283, off in the 10th digit)
    (1, 100, 0.00025314603297742086, 0.054459385392080666),
    (0, 1035, 0.0, 0.003557790749238905),
    (3, 1035, 0.0005981501911714761, 0.008447223245909703),
    (10, 10, 0.6915028921812371, 1.0),
    (9, 10, 0.5549838829718047, 0.9974714214555375),
    (1, 1, 0.025, 1.0),
    (0, 1, 0.0, 0.975),
    (17, 250, 0.04010849491537101, 0.10664383604137127),
    (0, 1_000_000, 0.0, 3.688872650897376e-06),
    // lower: closed form 1 - 0.975^(1/n) = 2.5317807663794178e-08 (brentq agrees; binomtest
    // prints 2.53178051e-08, off in the 8th digit)
    (1, 1_000_000, 2.5317807663794178e-08, 5.571630655172265e-06),
    // brentq on betainc / betaincc (see the module comment)
    (2, 1_000_000_000_000, 2.422092785440566e-13, 7.224687667705087e-12),
    (1000, 1_000_000_000_000, 9.389730184358769e-10, 1.063952135982281e-09),
    (500_000_000_000, 1_000_000_000_000, 0.4999990200175078, 0.5000009799824923),
];

#[test]
fn clopper_pearson_matches_reference_values() {
    let cp = ClopperPearson::default();
    for &(k, n, lo, up) in CP95 {
        let r = cp.interval(k, n).unwrap();
        assert!(rel_close(r.lower, lo, 1e-9), "k={k} n={n}: lower {} vs {lo}", r.lower);
        assert!(rel_close(r.upper, up, 1e-9), "k={k} n={n}: upper {} vs {up}", r.upper);
        assert_eq!(r.point, k as f64 / n as f64);
    }
    // 99 %: binomtest(5, 10).proportion_ci(confidence_level=0.99, method="exact")
    let r = ClopperPearson::new(0.99).unwrap().interval(5, 10).unwrap();
    assert!(rel_close(r.lower, 0.12831055393508328, 1e-9));
    assert!(rel_close(r.upper, 0.8716894460649167, 1e-9));
}

#[test]
fn zero_matches_large_n_is_about_minus_ln_half_alpha_over_n() {
    // k = 0: upper = 1 - (α/2)^(1/n) → -ln(0.025)/n = 3.6889/n for large n
    let n = 1_000_000_000_000u64;
    let r = Rate::clopper_pearson(0, n).unwrap();
    assert!(rel_close(r.upper, -(0.025f64.ln()) / n as f64, 1e-9), "{}", r.upper);
    assert_eq!(r.lower, 0.0);
}

#[test]
fn one_sided_bound_and_rule_of_three() {
    let cp = ClopperPearson::default();
    // 1 - 0.05^(1/1035) = 0.0028902425012179433 (also scipy beta.ppf(0.95, 1, 1035))
    assert!(rel_close(cp.upper_one_sided(0, 1035).unwrap(), 0.0028902425012179433, 1e-12));
    // scipy beta.ppf(0.95, 4, 1032)
    assert!(rel_close(cp.upper_one_sided(3, 1035).unwrap(), 0.00747426741580983, 1e-9));
    assert!(rel_close(rule_of_three(1035).unwrap(), 3.0 / 1035.0, 0.0));
    // The rule of three is slightly conservative relative to the exact one-sided bound.
    for n in [10u64, 100, 1_000, 1_000_000] {
        assert!(cp.upper_one_sided(0, n).unwrap() <= rule_of_three(n).unwrap());
    }
}

#[test]
fn display_never_prints_bare_zero() {
    let r = Rate::clopper_pearson(0, 1035).unwrap();
    assert_eq!(r.to_string(), "0 of 1,035 (< 3.6e-3, 95 % CI upper)");
    let r = Rate::clopper_pearson(0, 1_000_000_000_000).unwrap();
    assert_eq!(r.to_string(), "0 of 1,000,000,000,000 (< 3.7e-12, 95 % CI upper)");
    let r = Rate::clopper_pearson(17, 250).unwrap();
    assert_eq!(r.to_string(), "17 of 250 = 6.8e-2 (95 % CI 4.0e-2 to 1.1e-1)");
    let r = ClopperPearson::new(0.99).unwrap().interval(0, 10).unwrap();
    assert!(r.to_string().contains("99 % CI upper"), "{r}");
}

#[test]
fn sample_sizes() {
    // n = ceil(ln(0.05) / ln(1 - p)):
    //   p = 1e-3: ln 0.05 = -2.995732, ln(0.999) = -1.0005003e-3 → 2994.24 → 2995
    assert_eq!(sample_size_for_upper_bound(1e-3, 0.95).unwrap(), 2995);
    //   p = 1e-6: 2.995732 / 1.0000005e-6 = 2995730.8 → 2995731
    assert_eq!(sample_size_for_upper_bound(1e-6, 0.95).unwrap(), 2_995_731);
    //   p = 0.01, 99 %: ln 0.01 / ln 0.99 = 4.605170 / 0.01005034 = 458.2 → 459
    assert_eq!(sample_size_for_upper_bound(0.01, 0.99).unwrap(), 459);
    // and the claim holds at that n with zero matches, but not at n - 1
    let cp = ClopperPearson::default();
    for p in [1e-2, 1e-3, 1e-5, 1e-9] {
        let n = sample_size_for_upper_bound(p, 0.95).unwrap();
        assert!(cp.upper_one_sided(0, n).unwrap() <= p);
        assert!(cp.upper_one_sided(0, n - 1).unwrap() > p);
    }
}

#[test]
fn binomial_tails() {
    // P(Bin(10, 0.5) >= 8) = 56/1024; P(Bin(10, 0.5) <= 7) = 968/1024
    assert!(rel_close(binomial_at_least(8, 10, 0.5).unwrap(), 56.0 / 1024.0, 1e-14));
    assert!(rel_close(binomial_at_most(7, 10, 0.5).unwrap(), 968.0 / 1024.0, 1e-14));
    // P(X >= k) for tiny p ≈ C(n,k) p^k (1 + ...). P(Bin(3650, 1e-9) >= 30):
    // leading term C(3650, 30) 1e-270 = exp(lnC) 1e-270; lnC = 171.09...
    let ln = ln_binomial_at_least(30, 3650, 1e-9).unwrap();
    let ln_c: f64 = (0..30).map(|i| ((3650 - i) as f64).ln() - ((i + 1) as f64).ln()).sum();
    let lead = ln_c + 30.0 * 1e-9f64.ln() + 3620.0 * (-1e-9f64).ln_1p();
    assert!((ln - lead).abs() < 1e-6, "{ln} vs {lead}");
    // scipy.stats.binom.sf(29, 3650, 1e-9) = 2.4730104265367043e-196
    assert!(rel_close(ln.exp(), 2.4730104265367043e-196, 1e-9));
    // tails of the ideal 64-bit distance: P(Bin(64, 1/2) <= 0) = 2^-64
    assert!(rel_close(binomial_at_most(0, 64, 0.5).unwrap(), 0.5f64.powi(64), 1e-13));
    assert!(binomial_at_least(0, 10, 0.3).unwrap() == 1.0);
    assert!(binomial_at_least(11, 10, 0.3).unwrap() == 0.0);
    assert!(binomial_at_least(1, 10, 1.5).is_err());
}

#[test]
fn ideal_distribution() {
    let p = ideal_pmf(64);
    let s: f64 = p.iter().sum();
    assert!(rel_close(s, 1.0, 1e-13));
    // scipy.stats.binom.cdf(20, 64, 0.5), binom.cdf(31, 256, 0.5), binom.pmf(32, 64, 0.5)
    assert!(rel_close(ideal_fpr(64, 20).unwrap(), 0.0018449821382700243, 1e-12));
    assert!(rel_close(ideal_fpr(256, 31).unwrap(), 8.283676586985015e-38, 1e-12));
    assert!(rel_close(p[32], 0.09934675374796692, 1e-13));
    assert!(ideal_fpr(64, 64).unwrap() == 1.0);
}

// ---------------------------------------------------------------- histograms vs brute force

fn brute<H: HashBits>(items: &[H]) -> Vec<u64> {
    let mut c = vec![0u64; H::WIDTH as usize + 1];
    for i in 0..items.len() {
        for j in i + 1..items.len() {
            c[items[i].distance(&items[j]) as usize] += 1;
        }
    }
    c
}

fn brute_cross<H: HashBits>(p: &[H], l: &[H]) -> (Vec<u64>, Vec<Option<u32>>) {
    let mut c = vec![0u64; H::WIDTH as usize + 1];
    let mut mins = Vec::new();
    for a in p {
        let mut m = None;
        for b in l {
            let d = a.distance(b);
            c[d as usize] += 1;
            m = Some(m.map_or(d, |x: u32| x.min(d)));
        }
        mins.push(m);
    }
    (c, mins)
}

/// Random hashes with clustered bits, so small distances (and duplicates) occur.
fn hashes<const N: usize>(max: usize) -> impl Strategy<Value = Vec<Bits<N>>> {
    let word = prop_oneof![any::<u64>(), 0u64..16, Just(u64::MAX)];
    prop::collection::vec(prop::array::uniform(word), 0..max)
        .prop_map(|v| v.into_iter().map(|w: [u64; N]| Bits::<N>::from_words(w)).collect())
}

fn check_all_pairs<H: HashBits>(items: &[H]) {
    let want = brute(items);
    for k in Kernel::available() {
        let h = ImpostorHistogram::all_pairs_with(items, k).unwrap();
        assert_eq!(h.counts(), &want[..], "kernel {k:?}, N = {}", items.len());
        let n = items.len() as u64;
        assert_eq!(h.total(), n * n.saturating_sub(1) / 2);
    }
    assert_eq!(ImpostorHistogram::all_pairs(items).counts(), &want[..]);
    assert_eq!(ImpostorHistogram::brute_force(items, None).counts(), &want[..]);
}

fn check_cross<H: HashBits>(p: &[H], l: &[H]) {
    let (want, mins) = brute_cross(p, l);
    for k in Kernel::available() {
        let h = ImpostorHistogram::cross_with(p, l, k).unwrap();
        assert_eq!(h.counts(), &want[..], "kernel {k:?}");
        let e = ProbeListEval::compute_with(p, l, k).unwrap();
        assert_eq!(e.pairs.counts(), &want[..]);
        assert_eq!(e.nearest, mins, "kernel {k:?}");
        for t in [0u32, 1, 5, H::WIDTH / 4, H::WIDTH / 2, H::WIDTH] {
            let k_brute = mins.iter().filter(|m| m.is_some_and(|m| m <= t)).count() as u64;
            match e.images_with_match(t) {
                Ok(r) => assert_eq!((r.k, r.n), (k_brute, p.len() as u64)),
                Err(_) => assert!(p.is_empty()),
            }
        }
    }
}

#[test]
fn tiny_sets() {
    let a = Bits64::from_words([0xdead_beef]);
    check_all_pairs::<Bits64>(&[]);
    check_all_pairs(&[a]);
    check_all_pairs(&[a, a]);
    check_cross::<Bits64>(&[], &[a]);
    check_cross::<Bits64>(&[a], &[]);
    let e = ProbeListEval::compute::<Bits64>(&[a], &[]);
    assert_eq!(e.nearest, vec![None]);
    assert_eq!(e.images_with_match(64).unwrap().k, 0);
}

#[test]
fn larger_than_one_tile_and_block() {
    // crosses tile (2048) and block boundaries; all kernels equal brute force
    let items: Vec<Bits256> = (0..2600u64)
        .map(|i| {
            let x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            Bits256::from_words([x, x.rotate_left(17), !x, i % 7])
        })
        .collect();
    check_all_pairs(&items);
    check_cross(&items[..300], &items[300..]);
    let small: Vec<Bits64> =
        items.iter().map(|b| Bits64::from_words([b.words()[0] >> (b.words()[3] * 3)])).collect();
    check_all_pairs(&small);
    check_cross(&small[..2100], &small[2100..]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn all_pairs_64_equals_brute_force(items in hashes::<1>(300)) {
        check_all_pairs(&items);
    }

    #[test]
    fn all_pairs_256_equals_brute_force(items in hashes::<4>(200)) {
        check_all_pairs(&items);
    }

    #[test]
    fn all_pairs_128_and_512_equal_brute_force(a in hashes::<2>(60), b in hashes::<8>(40)) {
        check_all_pairs(&a);
        check_all_pairs(&b);
    }

    #[test]
    fn cross_64_equals_brute_force(p in hashes::<1>(80), l in hashes::<1>(300)) {
        check_cross(&p, &l);
    }

    #[test]
    fn cross_256_equals_brute_force(p in hashes::<4>(60), l in hashes::<4>(200)) {
        check_cross(&p, &l);
    }

    #[test]
    fn merge_of_parts_equals_whole(p in hashes::<1>(60), l in hashes::<1>(100), cut in 0usize..60) {
        let cut = cut.min(p.len());
        let mut h = ImpostorHistogram::cross(&p[..cut], &l);
        h.merge(&ImpostorHistogram::cross(&p[cut..], &l)).unwrap();
        prop_assert_eq!(h, ImpostorHistogram::cross(&p, &l));
    }

    #[test]
    fn cumulative_and_fpr_consistent(items in hashes::<1>(100), t in 0u32..=64) {
        let h = ImpostorHistogram::all_pairs(&items);
        let cum = h.cumulative();
        prop_assert_eq!(cum[t as usize], h.count_at_most(t));
        prop_assert_eq!(*cum.last().unwrap(), h.total());
        if h.total() > 0 {
            let r = h.fpr_at(t).unwrap();
            prop_assert_eq!(r.k, h.count_at_most(t));
            prop_assert!(r.lower <= r.point && r.point <= r.upper);
        }
    }

    #[test]
    fn interval_contains_point(n in 1u64..2_000_000, frac in 0.0f64..=1.0) {
        let k = ((n as f64) * frac).floor() as u64;
        let r = Rate::clopper_pearson(k.min(n), n).unwrap();
        prop_assert!(0.0 <= r.lower && r.lower <= r.point && r.point <= r.upper && r.upper <= 1.0,
            "{:?}", r);
    }

    #[test]
    fn interval_monotone(n in 2u64..5_000, k in 0u64..5_000, c in 0.5f64..0.999) {
        let k = k.min(n - 1);
        let cp = ClopperPearson::new(c).unwrap();
        let r = cp.interval(k, n).unwrap();
        // more successes: both ends move up
        let r2 = cp.interval(k + 1, n).unwrap();
        prop_assert!(r2.lower >= r.lower && r2.upper >= r.upper);
        // higher confidence: the interval widens (coverage monotone in confidence)
        let wide = ClopperPearson::new((c + 1.0) / 2.0).unwrap().interval(k, n).unwrap();
        prop_assert!(wide.lower <= r.lower && wide.upper >= r.upper);
        // more trials with the same successes: the upper end moves down
        let r3 = cp.interval(k, n + 1).unwrap();
        prop_assert!(r3.upper <= r.upper);
    }

    #[test]
    fn interval_huge_n(exp in 6u32..=12, frac in 0.0f64..1.0) {
        let n = 10u64.pow(exp);
        let k = ((n as f64) * frac * frac * frac) as u64;
        let r = Rate::clopper_pearson(k, n).unwrap();
        prop_assert!(r.lower.is_finite() && r.upper.is_finite());
        prop_assert!(r.lower <= r.point && r.point <= r.upper, "{:?}", r);
    }

    #[test]
    fn interval_bounds_are_the_quantiles(n in 1u64..400, k in 0u64..400) {
        // Definition check: P(Bin(n, upper) <= k) = α/2 and P(Bin(n, lower) >= k) = α/2.
        let k = k.min(n);
        let r = Rate::clopper_pearson(k, n).unwrap();
        if k < n {
            let tail = binomial_at_most(k, n, r.upper).unwrap();
            prop_assert!((tail - 0.025).abs() < 1e-9, "{} {}", tail, r.upper);
        }
        if k > 0 {
            let tail = binomial_at_least(k, n, r.lower).unwrap();
            prop_assert!((tail - 0.025).abs() < 1e-9, "{} {}", tail, r.lower);
        }
    }
}
