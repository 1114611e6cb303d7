//! Dependence-aware intervals for a **pair** rate: resampling images, not pairs.
//!
//! # The lesson
//!
//! A pair false-positive rate is `k / P`: `k` matching pairs among `P` pairs of different
//! images. The Clopper–Pearson interval ([`Rate`]) treats the `P` pairs as independent coin
//! flips. They are not:
//!
//! - one image takes part in many pairs (`N - 1` of them in an all-pairs design), so an image
//!   that happens to look like many others (a plain sky, text on white) adds many matches at
//!   once;
//! - a handful of look-alike images (recoloured textures from one template, a burst of
//!   photos) make `s (s - 1) / 2` matching pairs out of `s` images. On real data 602 matching
//!   pairs involved only 747 of 11,242 images.
//!
//! The evidence is therefore closer to "`N` images" than to "`P` pairs", and an interval
//! over pairs is too narrow: `tests/coverage.rs` simulates a clustered population where the
//! naive 95 % interval covers the true rate only about three times in four.
//!
//! The independent units are the **images**. Statisticians call the estimator a
//! *U-statistic* (an average of a kernel over pairs of independently drawn items; Hoeffding
//! 1948) and its variance is dominated by how much the *per-image* match rate varies from
//! image to image. Two standard ways to get at it:
//!
//! - the *cluster* ("pigeonhole") **bootstrap**: resample images with replacement and
//!   recompute the rate over the pairs of resampled images. It needs the pairs themselves,
//!   i.e. `O(N²)` work per replicate;
//! - the delete-one-image **jackknife**, the bootstrap's deterministic cousin: recompute the
//!   rate with each image left out in turn. Leaving image `i` out removes exactly the pairs it
//!   is in, so all it needs per image is two counts: how many of its pairs matched (`a_i`) and
//!   how many pairs it is in (`p_i`). With `K = Σ a_i / 2` and `P = Σ p_i / 2` (each pair has
//!   two images), the leave-one-out rate is `θ₋ᵢ = (K - a_i) / (P - p_i)`, and
//!
//!   ```text
//!   Var_jack = (N - 1) / N · Σ_i (θ₋ᵢ - mean(θ₋))²
//!   ```
//!
//!   Memory is `O(N)`, there are no random numbers (so no seed: the result is a pure
//!   function of the counts), and the same formula covers all pairs of one set, probe × list
//!   (probes and list entries are both images), and probe × list pooled over several splits
//!   of one corpus (an image that is a probe in one split and a list entry in another simply
//!   adds up its counts).
//!
//! hashscope uses the jackknife, with one correction. Each pair's own coin flip (match or
//! not, given its two images) shows up in the counts of *both* its images, so the jackknife
//! counts that part of the variance twice: for all pairs of `N` images it estimates
//! `4 ζ₁ / N + 4 ζ₂ / N²` where the true variance is `4 ζ₁ / N + 2 ζ₂ / N²` (Hoeffding's
//! decomposition: `ζ₁` is the variance of an image's own match rate, `ζ₂ ≈ θ` the variance
//! of one pair). The excess, `2 ζ₂ / N²`, is one binomial variance over pairs, and is
//! subtracted. (Without it, independent pairs would show a spurious design effect of 2.)
//!
//! Turning a variance into an interval for a small rate needs care: a symmetric
//! `θ̂ ± 1.96 σ` interval is poor for rates near zero (it is symmetric where the uncertainty
//! is skewed, and goes negative). Instead, following Korn and Graubard (1998,
//! "Confidence intervals for proportions with small expected number of positive counts
//! estimated from survey data"), the variance is turned into a **design effect**
//!
//! ```text
//! deff = Var_jack / (θ̂ (1 - θ̂) / P) - 1      (how many times the binomial variance)
//! ```
//!
//! and the exact Clopper–Pearson interval is computed for the **effective** number of pairs
//! `P / deff` with the same observed rate. The design effect is never taken below 1, so the
//! result is never narrower than the naive interval over pairs. The effective counts are
//! rounded in the conservative direction (fewer effective pairs; the matches rounded up for
//! the upper end and down for the lower end).
//!
//! **Zero matches.** With `k = 0` every image has `a_i = 0` and the jackknife variance is 0:
//! dependence cannot be estimated from data that show no matches. The interval then falls
//! back to Clopper–Pearson over pairs, *which assumes independent pairs* and is therefore
//! optimistic if the population holds look-alike clusters the sample happened to miss; the
//! [`method`](DependentRate::method) says so. Read it next to the per-image rate, whose trials
//! really are independent images. The same fallback applies when there are too few images to
//! leave one out (an image in every pair).
//!
//! **How well it works.** In `tests/coverage.rs` (images from a population with 20
//! "templates" of 0.5 % each, siblings matching 90 % of the time, strangers 1 in 10,000;
//! 1,000 replicates) nominal 95 % intervals cover the true rate: all pairs of 400 images,
//! naive 72.0 %, this method 95.1 % (mean design effect 3.4); 400 probes × 400 list entries,
//! naive 71.4 %, this method 95.8 % (design effect 3.6). With
//! independent pairs both cover and the design effect is about 1. Like every variance
//! estimate, the jackknife needs the clusters to be *seen*: when the sample holds only a
//! couple of images from each of a few templates, coverage drops to about 91 % (the ignored
//! `sweep` test prints such cases).
//!
//! ```
//! use hashscope::stats::pair_rate_interval_all_pairs;
//! // 40 images; images 0..4 are look-alikes (6 matching pairs among them),
//! // plus one isolated matching pair (images 10 and 11).
//! let mut m = vec![0u64; 40];
//! for c in m.iter_mut().take(4) { *c = 3; }
//! m[10] = 1;
//! m[11] = 1;
//! let d = pair_rate_interval_all_pairs(&m, 0.95).unwrap();
//! assert_eq!((d.rate.k, d.rate.n), (7, 780));
//! assert!(d.design_effect > 1.0);
//! assert!(d.upper > d.rate.upper && d.lower <= d.rate.lower);
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use super::clopper_pearson::{format_percent, group_thousands, sci_down, sci_up};
use super::{ClopperPearson, Rate};
use crate::error::{Error, ErrorKind, Result};

/// Method name when the jackknife design effect was used.
pub const METHOD_JACKKNIFE: &str = "image jackknife, Korn–Graubard effective pairs";
/// Method name when no match was observed (dependence not estimable).
pub const METHOD_ZERO_MATCHES: &str =
    "no matches: Clopper–Pearson over pairs, assumes independent pairs";
/// Method name when too few images take part to leave one out.
pub const METHOD_TOO_FEW_IMAGES: &str =
    "too few images to leave one out: Clopper–Pearson over pairs, assumes independent pairs";

/// Method name when every pair matched (no variation to estimate).
pub const METHOD_ALL_MATCHED: &str = "every pair matched: Clopper–Pearson over pairs";

/// One image's share of a pair design: how many pairs it takes part in and how many of those
/// matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagePairs {
    /// Matching pairs this image is in.
    pub matches: u64,
    /// Pairs this image is in.
    pub pairs: u64,
}

/// A pair rate with both its naive interval (pairs as independent trials) and a
/// dependence-aware interval (images as the independent units).
///
/// ```
/// use hashscope::stats::pair_rate_interval_two_sample;
/// // 3 probes × 4 list entries; probe 0 matches list entries 0 and 1.
/// let d = pair_rate_interval_two_sample(&[2, 0, 0], &[1, 1, 0, 0], 0.95).unwrap();
/// assert_eq!((d.rate.k, d.rate.n), (2, 12));
/// assert!(d.upper >= d.rate.upper);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DependentRate {
    /// The matches over pairs with the Clopper–Pearson interval that treats pairs as
    /// independent (too narrow when they are not).
    pub rate: Rate,
    /// Lower end of the dependence-aware interval.
    pub lower: f64,
    /// Upper end of the dependence-aware interval.
    pub upper: f64,
    /// Estimated design effect (`>= 1`): how many times the binomial variance over pairs the
    /// jackknife variance is. 1 when it could not be estimated.
    pub design_effect: f64,
    /// Effective number of independent pairs, `pairs / design_effect` (rounded down).
    pub effective_pairs: u64,
    /// Images that take part in at least one pair.
    pub images: u64,
    /// How the interval was computed (one of the `METHOD_*` constants).
    pub method: &'static str,
}

impl DependentRate {
    /// Whether the dependence-aware interval came from the jackknife (and not a fallback).
    pub fn is_estimated(&self) -> bool {
        self.method == METHOD_JACKKNIFE
    }
}

impl fmt::Display for DependentRate {
    /// `95 % CI 1.2e-4 to 3.4e-3 (image jackknife, …; design effect 3.1)`; with zero matches
    /// `< 1.1e-4 (no matches: …)`. Lower ends round down, upper ends up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let conf = format_percent(self.rate.confidence);
        if self.rate.k == 0 {
            write!(f, "< {} ({conf} % upper; {})", sci_up(self.upper), self.method)
        } else if self.is_estimated() {
            write!(
                f,
                "{conf} % CI {} to {} ({}; design effect {:.1}, {} effective pairs)",
                sci_down(self.lower),
                sci_up(self.upper),
                self.method,
                self.design_effect,
                group_thousands(self.effective_pairs)
            )
        } else {
            write!(
                f,
                "{conf} % CI {} to {} ({})",
                sci_down(self.lower),
                sci_up(self.upper),
                self.method
            )
        }
    }
}

/// The dependence-aware interval from each image's pair counts (the general form; see the
/// [module documentation](self)). Every pair must involve two of the listed images, so
/// `Σ matches` and `Σ pairs` are even and count each pair twice. Images with no pairs are
/// ignored.
///
/// Errors on an odd total, an image with more matches than pairs, no pairs at all, a bad
/// confidence level, or totals that overflow.
///
/// ```
/// use hashscope::stats::{pair_rate_interval, ImagePairs};
/// // Three images, all three pairs compared, one pair (0, 1) matched.
/// let u = [
///     ImagePairs { matches: 1, pairs: 2 },
///     ImagePairs { matches: 1, pairs: 2 },
///     ImagePairs { matches: 0, pairs: 2 },
/// ];
/// let d = pair_rate_interval(&u, 0.95).unwrap();
/// assert_eq!((d.rate.k, d.rate.n), (1, 3));
/// ```
pub fn pair_rate_interval(images: &[ImagePairs], confidence: f64) -> Result<DependentRate> {
    let cp = ClopperPearson::new(confidence)?;
    let mut sum_a: u64 = 0;
    let mut sum_p: u64 = 0;
    for u in images {
        if u.matches > u.pairs {
            return Err(invalid(format!(
                "an image has {} matching pairs but is in only {} pairs",
                u.matches, u.pairs
            )));
        }
        sum_a = sum_a.checked_add(u.matches).ok_or_else(|| invalid("match total overflows"))?;
        sum_p = sum_p.checked_add(u.pairs).ok_or_else(|| invalid("pair total overflows"))?;
    }
    if !sum_a.is_multiple_of(2) || !sum_p.is_multiple_of(2) {
        return Err(invalid(
            "per-image counts must count every pair twice (once per image): odd total",
        ));
    }
    let (k, n) = (sum_a / 2, sum_p / 2);
    let rate = cp.interval(k, n)?;
    let active: Vec<&ImagePairs> = images.iter().filter(|u| u.pairs > 0).collect();
    let fallback = |method: &'static str| DependentRate {
        rate,
        lower: rate.lower,
        upper: rate.upper,
        design_effect: 1.0,
        effective_pairs: n,
        images: active.len() as u64,
        method,
    };
    if k == 0 {
        return Ok(fallback(METHOD_ZERO_MATCHES));
    }
    if active.len() < 3 || active.iter().any(|u| u.pairs >= n) {
        return Ok(fallback(METHOD_TOO_FEW_IMAGES));
    }
    // Leave-one-image-out rates, in input order (no thread-order dependence).
    let (kf, nf) = (k as f64, n as f64);
    let loo: Vec<f64> =
        active.iter().map(|u| (kf - u.matches as f64) / (nf - u.pairs as f64)).collect();
    let g = loo.len() as f64;
    let mean = loo.iter().sum::<f64>() / g;
    let var_jack = (g - 1.0) / g * loo.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    let theta = rate.point;
    let var_binom = theta * (1.0 - theta) / nf;
    if !(var_jack.is_finite() && var_binom > 0.0) {
        // k == n: every pair matched; nothing to estimate.
        return Ok(fallback(METHOD_ALL_MATCHED));
    }
    // The jackknife sees each pair's own coin flip twice (once in each of its images' counts),
    // so it overstates the variance by about one binomial variance: subtract it.
    let deff = (var_jack / var_binom - 1.0).max(1.0);
    // Conservative integer effective counts: fewer pairs, matches rounded outwards.
    let n_eff = ((nf / deff).floor() as u64).clamp(1, n);
    let k_up = ((theta * n_eff as f64).ceil() as u64).min(n_eff);
    let k_lo = ((theta * n_eff as f64).floor() as u64).min(n_eff);
    let upper = cp.interval(k_up, n_eff)?.upper.max(rate.upper);
    let lower = cp.interval(k_lo, n_eff)?.lower.min(rate.lower);
    Ok(DependentRate {
        rate,
        lower,
        upper,
        design_effect: deff,
        effective_pairs: n_eff,
        images: active.len() as u64,
        method: METHOD_JACKKNIFE,
    })
}

/// All `N (N - 1) / 2` pairs of one set of `N = match_counts_per_image.len()` images:
/// `match_counts_per_image[i]` is the number of *other* images that image `i` matches. Each
/// matching pair is counted at both of its images, so the counts sum to twice the number of
/// matching pairs. See [`pair_rate_interval`] for errors.
///
/// ```
/// use hashscope::stats::pair_rate_interval_all_pairs;
/// let d = pair_rate_interval_all_pairs(&[0; 100], 0.95).unwrap();
/// assert_eq!(d.rate.n, 4_950);
/// assert_eq!(d.upper, d.rate.upper); // zero matches: the Clopper–Pearson bound
/// ```
pub fn pair_rate_interval_all_pairs(
    match_counts_per_image: &[u64],
    confidence: f64,
) -> Result<DependentRate> {
    let others = (match_counts_per_image.len() as u64).saturating_sub(1);
    let units: Vec<ImagePairs> =
        match_counts_per_image.iter().map(|&m| ImagePairs { matches: m, pairs: others }).collect();
    pair_rate_interval(&units, confidence)
}

/// All `probes × list` pairs of two disjoint sets: `row_counts[i]` is the number of list
/// entries probe `i` matches, `col_counts[j]` the number of probes list entry `j` matches.
/// Both must sum to the number of matching pairs. Errors as [`pair_rate_interval`], and if
/// the two sums differ.
pub fn pair_rate_interval_two_sample(
    row_counts: &[u64],
    col_counts: &[u64],
    confidence: f64,
) -> Result<DependentRate> {
    let rows: u64 = row_counts.iter().try_fold(0u64, |s, &c| s.checked_add(c)).unwrap_or(u64::MAX);
    let cols: u64 = col_counts.iter().try_fold(0u64, |s, &c| s.checked_add(c)).unwrap_or(u64::MAX);
    if rows != cols {
        return Err(invalid(format!(
            "probe match counts sum to {rows} but list match counts to {cols}"
        )));
    }
    let (n_list, n_probes) = (col_counts.len() as u64, row_counts.len() as u64);
    let units: Vec<ImagePairs> = row_counts
        .iter()
        .map(|&m| ImagePairs { matches: m, pairs: n_list })
        .chain(col_counts.iter().map(|&m| ImagePairs { matches: m, pairs: n_probes }))
        .collect();
    pair_rate_interval(&units, confidence)
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, msg.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jackknife_matches_closed_form_for_two_sample() {
        // Two-sample leave-one-out: deviation of row i is -(r_i - r̄)/((n-1) m).
        let rows = [3u64, 0, 0, 1, 0, 0, 2, 0];
        let cols = [2u64, 2, 1, 0, 1, 0];
        let d = pair_rate_interval_two_sample(&rows, &cols, 0.95).unwrap();
        let (n, m) = (rows.len() as f64, cols.len() as f64);
        let k: f64 = rows.iter().sum::<u64>() as f64;
        let p = n * m;
        let theta = k / p;
        let loo: Vec<f64> = rows
            .iter()
            .map(|&r| (k - r as f64) / (p - m))
            .chain(cols.iter().map(|&c| (k - c as f64) / (p - n)))
            .collect();
        let g = loo.len() as f64;
        let mean = loo.iter().sum::<f64>() / g;
        let v = (g - 1.0) / g * loo.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        let deff = (v / (theta * (1.0 - theta) / p) - 1.0).max(1.0);
        assert!((d.design_effect - deff).abs() < 1e-12 * deff);
        assert_eq!(d.method, METHOD_JACKKNIFE);
        assert!(d.lower <= d.rate.lower && d.upper >= d.rate.upper);
    }

    #[test]
    fn all_pairs_closed_form() {
        // Leave-one-out for all pairs: (S - 2 m_i) / ((N-1)(N-2)), S = Σ m.
        let m = [4u64, 4, 4, 4, 4, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let d = pair_rate_interval_all_pairs(&m, 0.95).unwrap();
        let nn = m.len() as f64;
        let s: f64 = m.iter().sum::<u64>() as f64;
        let loo: Vec<f64> =
            m.iter().map(|&x| (s - 2.0 * x as f64) / ((nn - 1.0) * (nn - 2.0))).collect();
        let mean = loo.iter().sum::<f64>() / nn;
        let v = (nn - 1.0) / nn * loo.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        let theta = s / (nn * (nn - 1.0));
        let deff = (v / (theta * (1.0 - theta) / (nn * (nn - 1.0) / 2.0)) - 1.0).max(1.0);
        assert!((d.design_effect - deff).abs() < 1e-12 * deff, "{} vs {deff}", d.design_effect);
        assert_eq!((d.rate.k, d.rate.n), (11, 190));
        assert!(d.design_effect > 1.5);
    }

    #[test]
    fn spread_out_matches_give_no_penalty() {
        // A perfect matching (each image in exactly one matching pair): no excess variance
        // across images, the design effect is clamped at 1.
        let d = pair_rate_interval_all_pairs(&[1u64; 50], 0.95).unwrap();
        assert_eq!(d.design_effect, 1.0);
        assert_eq!(d.effective_pairs, d.rate.n);
        assert!(d.upper >= d.rate.upper && d.lower <= d.rate.lower);
    }

    #[test]
    fn zero_and_degenerate_fall_back() {
        let d = pair_rate_interval_two_sample(&[0; 30], &[0; 20], 0.95).unwrap();
        assert_eq!(d.method, METHOD_ZERO_MATCHES);
        assert_eq!(d.upper, d.rate.upper);
        assert!(d.to_string().starts_with("< "), "{d}");
        let d = pair_rate_interval_two_sample(&[1], &[1, 0, 0], 0.95).unwrap();
        assert_eq!(d.method, METHOD_TOO_FEW_IMAGES);
        let d = pair_rate_interval_all_pairs(&[3, 3, 3, 3], 0.95).unwrap(); // k == n
        assert_eq!(d.method, METHOD_ALL_MATCHED);
    }

    #[test]
    fn rejects_inconsistent_counts() {
        assert!(pair_rate_interval_all_pairs(&[1, 0, 0], 0.95).is_err()); // odd
        assert!(pair_rate_interval_all_pairs(&[5, 1, 0], 0.95).is_err()); // 5 > 2 pairs
        assert!(pair_rate_interval_two_sample(&[1, 0], &[0, 0], 0.95).is_err());
        assert!(pair_rate_interval_all_pairs(&[], 0.95).is_err());
        assert!(pair_rate_interval_all_pairs(&[0, 0], 1.0).is_err());
    }
}
