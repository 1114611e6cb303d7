//! Impostor (null) distributions: exact histograms of Hamming distances between hashes of
//! *different* images, and the false-positive rates they imply at every threshold.
//!
//! Two designs are supported:
//!
//! - **all pairs** of one set of benign images: `N (N - 1) / 2` unordered pairs of distinct
//!   items ([`ImpostorHistogram::all_pairs`]);
//! - **probe × list**: every benign probe image against every entry of a hash list
//!   ([`ImpostorHistogram::cross`], and [`ProbeListEval`] which also keeps each probe's
//!   nearest list entry, for the per-image figure).
//!
//! A pair "matches" at threshold `t` when its distance is `<= t` (inclusive, as scanning
//! systems state their thresholds). The pair false-positive rate is therefore the share of
//! pairs at distance `<= t`, reported as a [`Rate`] with its exact Clopper–Pearson interval.
//!
//! Caveat for readers of the intervals: the pairs of an all-pairs design are not independent
//! (each image appears in `N - 1` pairs), so the binomial interval over pairs understates the
//! uncertainty ([`stats::bootstrap`](crate::stats::bootstrap) gives a dependence-aware
//! interval from per-image counts, see [`cross_match_counts`]); the per-image figure ([`ProbeListEval::images_with_match`]) counts independent
//! images and is the one to carry into projections.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::kernel::{self, Kernel};
use crate::error::{Error, ErrorKind, Result};
use crate::hash::HashBits;
use crate::stats::{binomial_at_most, ClopperPearson, Rate};

/// Exact histogram of Hamming distances `0..=width` over a set of hash pairs.
///
/// ```
/// use hashscope::{Bits64, ImpostorHistogram};
/// let items = [Bits64::from_words([0]), Bits64::from_words([0b1]), Bits64::from_words([0b111])];
/// let h = ImpostorHistogram::all_pairs(&items);
/// assert_eq!(h.total(), 3);            // 3 * 2 / 2 pairs
/// assert_eq!(h.count(1), 1);           // 0 vs 1
/// assert_eq!(h.count(2), 1);           // 1 vs 111
/// assert_eq!(h.count(3), 1);           // 0 vs 111
/// assert_eq!(h.count_at_most(2), 2);
/// let r = h.fpr_at(2).unwrap();        // 2 of 3 pairs within distance 2
/// assert_eq!((r.k, r.n), (2, 3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpostorHistogram {
    width: u32,
    counts: Vec<u64>,
}

impl ImpostorHistogram {
    /// An empty histogram for hashes of `width` bits.
    pub fn new(width: u32) -> Self {
        ImpostorHistogram { width, counts: vec![0; width as usize + 1] }
    }

    /// A histogram from counts per distance `0..=width` (`counts.len() == width + 1`).
    /// Errors on an empty vector or on counts whose total overflows `u64`.
    pub fn from_counts(counts: Vec<u64>) -> Result<Self> {
        if counts.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArgument, "a histogram needs width + 1 bins"));
        }
        counts.iter().try_fold(0u64, |a, &c| a.checked_add(c)).ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument, "histogram total overflows u64")
        })?;
        Ok(ImpostorHistogram { width: (counts.len() - 1) as u32, counts })
    }

    /// All `N (N - 1) / 2` unordered pairs of distinct positions in `items`, with the fastest
    /// available [`Kernel`]. (Duplicate hashes at different positions are different images
    /// and count as pairs at distance 0.)
    pub fn all_pairs<H: HashBits>(items: &[H]) -> Self {
        Self::all_pairs_with(items, Kernel::detect()).unwrap_or_else(|_| {
            Self::from_counted(H::WIDTH, kernel::count_slow(items, None, false).pairs)
        })
    }

    /// [`all_pairs`](Self::all_pairs) with a chosen kernel; errors if the CPU lacks it.
    pub fn all_pairs_with<H: HashBits>(items: &[H], kernel: Kernel) -> Result<Self> {
        let c = kernel::count(items, None, false, kernel)?;
        Ok(Self::from_counted(H::WIDTH, c.pairs))
    }

    /// All `probes.len() × list.len()` pairs of a probe set against a list.
    pub fn cross<H: HashBits>(probes: &[H], list: &[H]) -> Self {
        Self::cross_with(probes, list, Kernel::detect()).unwrap_or_else(|_| {
            Self::from_counted(H::WIDTH, kernel::count_slow(probes, Some(list), false).pairs)
        })
    }

    /// [`cross`](Self::cross) with a chosen kernel; errors if the CPU lacks it.
    pub fn cross_with<H: HashBits>(probes: &[H], list: &[H], kernel: Kernel) -> Result<Self> {
        let c = kernel::count(probes, Some(list), false, kernel)?;
        Ok(Self::from_counted(H::WIDTH, c.pairs))
    }

    /// The straightforward double loop over [`HashBits::distance`], single-threaded: the
    /// reference the fast paths are tested and benchmarked against. `list = None` means all
    /// pairs within `items`.
    pub fn brute_force<H: HashBits>(items: &[H], list: Option<&[H]>) -> Self {
        Self::from_counted(H::WIDTH, kernel::count_slow(items, list, false).pairs)
    }

    fn from_counted(width: u32, counts: Vec<u64>) -> Self {
        ImpostorHistogram { width, counts }
    }

    /// Hash width in bits (the largest possible distance).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Pairs at each distance `0..=width`.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Pairs at exactly distance `d` (0 beyond the width).
    pub fn count(&self, d: u32) -> u64 {
        self.counts.get(d as usize).copied().unwrap_or(0)
    }

    /// Total number of pairs.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Cumulative counts: element `t` is the number of pairs at distance `<= t`.
    pub fn cumulative(&self) -> Vec<u64> {
        self.counts
            .iter()
            .scan(0u64, |s, &c| {
                *s += c;
                Some(*s)
            })
            .collect()
    }

    /// Pairs at distance `<= t` (inclusive).
    pub fn count_at_most(&self, t: u32) -> u64 {
        self.counts.iter().take(t as usize + 1).sum()
    }

    /// The pair false-positive rate at threshold `t` (distance `<= t` matches) with its 95 %
    /// Clopper–Pearson interval. Errors if the histogram is empty.
    pub fn fpr_at(&self, t: u32) -> Result<Rate> {
        self.fpr_at_with(t, &ClopperPearson::default())
    }

    /// [`fpr_at`](Self::fpr_at) at another confidence level.
    pub fn fpr_at_with(&self, t: u32, cp: &ClopperPearson) -> Result<Rate> {
        let n = self.total();
        if n == 0 {
            return Err(Error::new(ErrorKind::InvalidArgument, "no pairs: the FPR is undefined"));
        }
        cp.interval(self.count_at_most(t), n)
    }

    /// Mean distance, `None` if empty.
    pub fn mean(&self) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| {
            let s: f64 = self.counts.iter().enumerate().map(|(d, &c)| d as f64 * c as f64).sum();
            s / n as f64
        })
    }

    /// Standard deviation of the distance (population form), `None` if empty.
    pub fn std_dev(&self) -> Option<f64> {
        let mean = self.mean()?;
        let n = self.total() as f64;
        let v: f64 = self
            .counts
            .iter()
            .enumerate()
            .map(|(d, &c)| c as f64 * (d as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        Some(v.sqrt())
    }

    /// Adds another histogram's counts (e.g. from another batch). Errors if the widths differ
    /// or a count overflows.
    ///
    /// ```
    /// use hashscope::{Bits64, ImpostorHistogram};
    /// let a = [Bits64::from_words([0]), Bits64::from_words([1])];
    /// let b = [Bits64::from_words([3]), Bits64::from_words([7])];
    /// let mut h = ImpostorHistogram::cross(&a[..1], &b);
    /// h.merge(&ImpostorHistogram::cross(&a[1..], &b)).unwrap();
    /// assert_eq!(h, ImpostorHistogram::cross(&a, &b));
    /// ```
    pub fn merge(&mut self, other: &ImpostorHistogram) -> Result<()> {
        if self.width != other.width {
            return Err(Error::new(
                ErrorKind::AlgorithmMismatch,
                format!("cannot merge {}-bit and {}-bit histograms", self.width, other.width),
            ));
        }
        let mut sum = self.counts.clone();
        for (s, &o) in sum.iter_mut().zip(&other.counts) {
            *s = s.checked_add(o).ok_or_else(|| {
                Error::new(ErrorKind::InvalidArgument, "histogram count overflows u64")
            })?;
        }
        sum.iter().try_fold(0u64, |a, &c| a.checked_add(c)).ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument, "histogram total overflows u64")
        })?;
        self.counts = sum;
        Ok(())
    }

    /// Expected counts per distance if hash bits were independent fair coins
    /// (Binomial(width, ½) times the number of pairs).
    pub fn ideal_counts(&self) -> Vec<f64> {
        let n = self.total() as f64;
        ideal_pmf(self.width).into_iter().map(|p| p * n).collect()
    }

    /// Observed pair FPR at `t` next to the Binomial(width, ½) ideal. Errors if empty.
    ///
    /// ```
    /// use hashscope::{Bits64, ImpostorHistogram};
    /// let items: Vec<Bits64> = (0..200u64)
    ///     .map(|i| Bits64::from_words([i.wrapping_mul(0x9e37_79b9_7f4a_7c15)]))
    ///     .collect();
    /// let c = ImpostorHistogram::all_pairs(&items).vs_ideal(20).unwrap();
    /// // ideal P(Bin(64, 1/2) <= 20) = 1.845e-3 (scipy.stats.binom.cdf(20, 64, 0.5))
    /// assert!((c.ideal - 1.845e-3).abs() < 1e-6);
    /// ```
    pub fn vs_ideal(&self, t: u32) -> Result<IdealComparison> {
        let observed = self.fpr_at(t)?;
        let ideal = ideal_fpr(self.width, t)?;
        Ok(IdealComparison {
            threshold: t,
            ratio: if ideal > 0.0 { observed.point / ideal } else { f64::INFINITY },
            ideal_in_interval: observed.lower <= ideal && ideal <= observed.upper,
            observed,
            ideal,
        })
    }
}

/// The observed false-positive rate at one threshold next to the ideal of independent,
/// unbiased bits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IdealComparison {
    /// Threshold `t` (distance `<= t` matches).
    pub threshold: u32,
    /// Observed pair FPR with its interval.
    pub observed: Rate,
    /// `P(Binomial(width, ½) <= t)`.
    pub ideal: f64,
    /// `observed.point / ideal`: how many times more often real images collide than ideal
    /// random hashes would.
    pub ratio: f64,
    /// Whether the ideal lies inside the observed interval.
    pub ideal_in_interval: bool,
}

/// `P(D = d)` for `d = 0..=width` when `D ~ Binomial(width, ½)`: the distance between two
/// hashes whose bits are independent fair coins.
///
/// ```
/// let p = hashscope::eval::ideal_pmf(64);
/// assert_eq!(p.len(), 65);
/// assert!((p[32] - 0.0993).abs() < 1e-4);
/// ```
pub fn ideal_pmf(width: u32) -> Vec<f64> {
    let n = f64::from(width);
    (0..=width).map(|d| crate::stats::special_ln_dbinom(f64::from(d), n, 0.5, 0.5).exp()).collect()
}

/// `P(Binomial(width, ½) <= t)`: the pair FPR at threshold `t` for ideal random hashes.
///
/// ```
/// // PDQ's threshold 31 of 256 bits: 8.28e-38 for ideal random hashes
/// // (scipy.stats.binom.cdf(31, 256, 0.5) = 8.283676586985015e-38)
/// let p = hashscope::eval::ideal_fpr(256, 31).unwrap();
/// assert!((p / 8.283676586985015e-38 - 1.0).abs() < 1e-12, "{p}");
/// ```
pub fn ideal_fpr(width: u32, t: u32) -> Result<f64> {
    binomial_at_most(u64::from(t), u64::from(width), 0.5)
}

/// The probe × list design, keeping for each probe image its nearest list entry: gives both
/// the pair histogram and the per-image figure ("share of benign images that match at least
/// one list entry").
///
/// ```
/// use hashscope::{Bits64, ProbeListEval};
/// let list = [Bits64::from_words([0]), Bits64::from_words([0xff])];
/// let probes = [Bits64::from_words([1]), Bits64::from_words([0xf0f0_0000])];
/// let e = ProbeListEval::compute(&probes, &list);
/// assert_eq!(e.pairs.total(), 4);
/// assert_eq!(e.nearest_distance(0), Some(1));
/// let r = e.images_with_match(1).unwrap();
/// assert_eq!((r.k, r.n), (1, 2)); // one probe of two has a list entry within distance 1
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeListEval {
    /// Histogram over all probe × list pairs.
    pub pairs: ImpostorHistogram,
    /// Each probe's smallest distance to any list entry (`None` if the list is empty), in
    /// probe order.
    pub nearest: Vec<Option<u32>>,
}

impl ProbeListEval {
    /// Computes both with the fastest available [`Kernel`].
    pub fn compute<H: HashBits>(probes: &[H], list: &[H]) -> Self {
        Self::compute_with(probes, list, Kernel::detect()).unwrap_or_else(|_| {
            Self::from_counted(H::WIDTH, kernel::count_slow(probes, Some(list), true))
        })
    }

    /// [`compute`](Self::compute) with a chosen kernel; errors if the CPU lacks it.
    pub fn compute_with<H: HashBits>(probes: &[H], list: &[H], kernel: Kernel) -> Result<Self> {
        Ok(Self::from_counted(H::WIDTH, kernel::count(probes, Some(list), true, kernel)?))
    }

    fn from_counted(width: u32, c: kernel::Counted) -> Self {
        ProbeListEval {
            pairs: ImpostorHistogram::from_counted(width, c.pairs),
            nearest: c.row_min.into_iter().map(|d| (d != u32::MAX).then_some(d)).collect(),
        }
    }

    /// Number of probe images.
    pub fn probes(&self) -> u64 {
        self.nearest.len() as u64
    }

    /// Probe `i`'s distance to its nearest list entry.
    pub fn nearest_distance(&self, i: usize) -> Option<u32> {
        self.nearest.get(i).copied().flatten()
    }

    /// Histogram of the probes' nearest distances (probes with an empty list are left out).
    pub fn nearest_histogram(&self) -> ImpostorHistogram {
        let mut counts = vec![0u64; self.pairs.width() as usize + 1];
        for d in self.nearest.iter().flatten() {
            if let Some(c) = counts.get_mut(*d as usize) {
                *c += 1;
            }
        }
        ImpostorHistogram { width: self.pairs.width(), counts }
    }

    /// The per-image false-positive rate at `t`: the share of probe images with at least one
    /// list entry at distance `<= t`, with its 95 % interval. Errors if there are no probes.
    pub fn images_with_match(&self, t: u32) -> Result<Rate> {
        self.images_with_match_with(t, &ClopperPearson::default())
    }

    /// [`images_with_match`](Self::images_with_match) at another confidence level.
    pub fn images_with_match_with(&self, t: u32, cp: &ClopperPearson) -> Result<Rate> {
        let k = self.nearest.iter().filter(|d| d.is_some_and(|d| d <= t)).count() as u64;
        if self.nearest.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArgument, "no probe images"));
        }
        cp.interval(k, self.probes())
    }
}

/// Per-image match counts of a probe × list design at threshold `t` (distance `<= t`
/// matches): `(rows, cols)` where `rows[i]` is the number of list entries probe `i` matches
/// and `cols[j]` the number of probes list entry `j` matches. Both sum to the number of
/// matching pairs. These are what [`pair_rate_interval_two_sample`] needs for a
/// dependence-aware interval, in `O(probes + list + matches)` memory. Exact and
/// deterministic (integer counts; rows are split over threads, results gathered in order).
///
/// [`pair_rate_interval_two_sample`]: crate::stats::pair_rate_interval_two_sample
///
/// ```
/// use hashscope::{Bits64, eval::impostor::cross_match_counts};
/// let list = [Bits64::from_words([0]), Bits64::from_words([1]), Bits64::from_words([0xff])];
/// let probes = [Bits64::from_words([3]), Bits64::from_words([0xf0f0_0000])];
/// let (rows, cols) = cross_match_counts(&probes, &list, 1);
/// assert_eq!(rows, vec![1, 0]);    // 3 is within 1 of 1 only
/// assert_eq!(cols, vec![0, 1, 0]);
/// ```
pub fn cross_match_counts<H: HashBits>(probes: &[H], list: &[H], t: u32) -> (Vec<u64>, Vec<u64>) {
    let hits: Vec<Vec<u32>> = probes
        .par_iter()
        .map(|p| {
            list.iter()
                .enumerate()
                .filter(|(_, l)| p.distance(l) <= t)
                .map(|(j, _)| j as u32)
                .collect()
        })
        .collect();
    let mut cols = vec![0u64; list.len()];
    let rows = hits
        .iter()
        .map(|h| {
            for &j in h {
                if let Some(c) = cols.get_mut(j as usize) {
                    *c += 1;
                }
            }
            h.len() as u64
        })
        .collect();
    (rows, cols)
}
