//! The Clopper–Pearson ("exact") binomial confidence interval, the rule of three, and the
//! number of benign images needed to demonstrate a false-positive rate.
//!
//! For `k` successes in `n` trials and confidence `1 - α`, the two-sided Clopper–Pearson
//! interval is
//!
//! ```text
//! lower = B(α/2;     k,     n - k + 1)      (0 when k = 0)
//! upper = B(1 - α/2; k + 1, n - k)          (1 when k = n)
//! ```
//!
//! where `B(q; a, b)` is the `q`-quantile of the Beta(a, b) distribution. It is "exact" in the
//! sense that its coverage is *at least* `1 - α` for every true rate (it is conservative),
//! and it matches SciPy's `binomtest(k, n).proportion_ci(method="exact")` and R's
//! `binom.test`.
//!
//! At `k = 0` the interval is `[0, 1 - (α/2)^(1/n)]`, about `-ln(α/2)/n = 3.69/n` at 95 %.
//! The *one-sided* 95 % upper bound, `1 - α^(1/n) ≈ 3.0/n`, is the "rule of three"; it is
//! available as [`ClopperPearson::upper_one_sided`] and [`rule_of_three`]. [`Rate`] always
//! carries the two-sided interval, so its upper end at `k = 0` is the one-sided bound at
//! confidence `1 - α/2` (97.5 % for a 95 % interval): slightly wider, never overstated.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::special::beta_quantile;
use crate::error::{Error, ErrorKind, Result};

/// An observed rate `k / n` with its two-sided Clopper–Pearson confidence interval.
///
/// Its [`Display`](fmt::Display) never prints a bare zero: with `k = 0` it prints the upper
/// confidence bound instead, rounded *up* (lower bounds are rounded down), so the printed
/// figure is never more flattering than the computed one.
///
/// ```
/// use hashscope::stats::ClopperPearson;
/// let r = ClopperPearson::default().interval(0, 1_035).unwrap();
/// assert_eq!(r.lower, 0.0);
/// assert_eq!(r.to_string(), "0 of 1,035 (< 3.6e-3, 95 % CI upper)");
/// let r = ClopperPearson::default().interval(5, 10).unwrap();
/// assert_eq!(r.to_string(), "5 of 10 = 5.0e-1 (95 % CI 1.8e-1 to 8.2e-1)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Observed successes (for a false-positive rate: false matches).
    pub k: u64,
    /// Trials (images or pairs compared).
    pub n: u64,
    /// Point estimate `k / n`.
    pub point: f64,
    /// Lower end of the two-sided interval (0 when `k = 0`).
    pub lower: f64,
    /// Upper end of the two-sided interval (1 when `k = n`).
    pub upper: f64,
    /// Confidence level of the interval, e.g. `0.95`.
    pub confidence: f64,
}

impl Rate {
    /// The rate `k / n` with its 95 % Clopper–Pearson interval; shorthand for
    /// `ClopperPearson::default().interval(k, n)`.
    ///
    /// ```
    /// let r = hashscope::stats::Rate::clopper_pearson(1, 100).unwrap();
    /// assert!((r.upper - 0.05445).abs() < 1e-5);
    /// ```
    pub fn clopper_pearson(k: u64, n: u64) -> Result<Rate> {
        ClopperPearson::default().interval(k, n)
    }

    /// The same rate with its interval recomputed at another confidence level.
    pub fn with_confidence(&self, confidence: f64) -> Result<Rate> {
        ClopperPearson::new(confidence)?.interval(self.k, self.n)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let conf = format_percent(self.confidence);
        let n = group_thousands(self.n);
        if self.k == 0 {
            write!(f, "0 of {n} (< {}, {conf} % CI upper)", sci_up(self.upper))
        } else {
            write!(
                f,
                "{} of {n} = {} ({conf} % CI {} to {})",
                group_thousands(self.k),
                sci(self.point),
                sci_down(self.lower),
                sci_up(self.upper)
            )
        }
    }
}

/// Exact two-sided binomial confidence intervals at a fixed confidence level.
///
/// ```
/// use hashscope::stats::ClopperPearson;
/// let cp = ClopperPearson::new(0.95).unwrap();
/// let r = cp.interval(0, 10).unwrap();
/// assert!((r.upper - 0.308_5).abs() < 1e-4); // 1 - 0.025^(1/10)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClopperPearson {
    confidence: f64,
}

impl Default for ClopperPearson {
    /// 95 % confidence.
    fn default() -> Self {
        ClopperPearson { confidence: Self::DEFAULT_CONFIDENCE }
    }
}

impl ClopperPearson {
    /// The default confidence level, 0.95.
    pub const DEFAULT_CONFIDENCE: f64 = 0.95;

    /// Intervals at `confidence` (strictly between 0 and 1, e.g. `0.95`).
    pub fn new(confidence: f64) -> Result<Self> {
        check_confidence(confidence)?;
        Ok(ClopperPearson { confidence })
    }

    /// The confidence level `1 - α`.
    pub fn confidence(&self) -> f64 {
        self.confidence
    }

    /// `α = 1 - confidence`.
    pub fn alpha(&self) -> f64 {
        1.0 - self.confidence
    }

    /// The rate `k / n` with its two-sided interval. Errors if `n == 0` or `k > n`.
    pub fn interval(&self, k: u64, n: u64) -> Result<Rate> {
        check_counts(k, n)?;
        let half = self.alpha() / 2.0;
        let nf = n as f64;
        let kf = k as f64;
        let lower = if k == 0 {
            0.0
        } else if k == n {
            (half.ln() / nf).exp()
        } else {
            beta_quantile(kf, nf - kf + 1.0, half, false)?
        };
        let upper = if k == n {
            1.0
        } else if k == 0 {
            -(half.ln() / nf).exp_m1()
        } else {
            beta_quantile(kf + 1.0, nf - kf, half, true)?
        };
        Ok(Rate { k, n, point: kf / nf, lower, upper, confidence: self.confidence })
    }

    /// The one-sided upper confidence bound at level `1 - α`: the true rate is below it with
    /// confidence `1 - α`. At `k = 0` this is `1 - α^(1/n)` (≈ `3/n` at 95 %, the rule of
    /// three). Errors if `n == 0` or `k > n`.
    ///
    /// ```
    /// use hashscope::stats::ClopperPearson;
    /// let u = ClopperPearson::default().upper_one_sided(0, 1_035).unwrap();
    /// assert!((u - 2.890_242_5e-3).abs() < 1e-10); // 1 - 0.05^(1/1035)
    /// ```
    pub fn upper_one_sided(&self, k: u64, n: u64) -> Result<f64> {
        check_counts(k, n)?;
        let alpha = self.alpha();
        let nf = n as f64;
        if k == n {
            Ok(1.0)
        } else if k == 0 {
            Ok(-(alpha.ln() / nf).exp_m1())
        } else {
            beta_quantile(k as f64 + 1.0, nf - k as f64, alpha, true)
        }
    }
}

/// The "rule of three": with zero events in `n` trials, `3/n` is an approximate one-sided
/// 95 % upper bound for the rate (exactly `1 - 0.05^(1/n)`, which is slightly smaller, see
/// [`ClopperPearson::upper_one_sided`]). Errors if `n == 0`.
///
/// ```
/// assert_eq!(hashscope::stats::rule_of_three(1_000).unwrap(), 0.003);
/// ```
pub fn rule_of_three(n: u64) -> Result<f64> {
    if n == 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "rule of three needs n > 0"));
    }
    Ok(3.0 / n as f64)
}

/// How many benign images must be tested, **all with zero matches**, to show that the
/// false-positive rate is below `p` with one-sided confidence `confidence`:
/// `n = ceil(ln(α) / ln(1 - p))`, about `-ln(α)/p` (≈ `3/p` at 95 %).
///
/// A single observed match raises the requirement (see [`ClopperPearson::upper_one_sided`]).
/// For the two-sided [`Rate`] interval's upper end to fall below `p`, ask for confidence
/// `1 - α/2` (0.975 for a 95 % interval).
///
/// ```
/// use hashscope::stats::sample_size_for_upper_bound;
/// // FPR < 1e-6 at 95 %: about three million images, none of them matched.
/// assert_eq!(sample_size_for_upper_bound(1e-6, 0.95).unwrap(), 2_995_731);
/// ```
pub fn sample_size_for_upper_bound(p: f64, confidence: f64) -> Result<u64> {
    check_confidence(confidence)?;
    if !(p > 0.0 && p < 1.0) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("rate bound must be strictly between 0 and 1, got {p}"),
        ));
    }
    let alpha = 1.0 - confidence;
    let n = (alpha.ln() / (-p).ln_1p()).ceil();
    if !(n.is_finite() && n < u64::MAX as f64) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("sample size for p = {p} at {confidence} does not fit in 64 bits"),
        ));
    }
    // The ratio is rounded; make sure n really achieves the bound (and n - 1 does not).
    let mut n = (n as u64).max(1);
    let bound = |m: u64| -(alpha.ln() / m as f64).exp_m1();
    while bound(n) > p {
        n += 1;
    }
    while n > 1 && bound(n - 1) <= p {
        n -= 1;
    }
    Ok(n)
}

fn check_confidence(confidence: f64) -> Result<()> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("confidence must be strictly between 0 and 1, got {confidence}"),
        ));
    }
    Ok(())
}

fn check_counts(k: u64, n: u64) -> Result<()> {
    if n == 0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "a rate needs n > 0 trials"));
    }
    if k > n {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("k = {k} successes exceed n = {n} trials"),
        ));
    }
    Ok(())
}

/// `1234567` → `"1,234,567"`.
pub(crate) fn group_thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.95` → `"95"`, `0.999` → `"99.9"`.
pub(crate) fn format_percent(c: f64) -> String {
    let s = format!("{:.6}", c * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[derive(Clone, Copy)]
enum Round {
    Nearest,
    Up,
    Down,
}

/// Two significant digits in `1.2e-3` style, rounded as asked.
fn sci_round(v: f64, mode: Round) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let mut e = v.abs().log10().floor() as i32;
    // mantissa in [10, 100): two significant digits as an integer
    let mut m = v / 10f64.powi(e - 1);
    if m >= 100.0 {
        e += 1;
        m /= 10.0;
    } else if m < 10.0 {
        e -= 1;
        m *= 10.0;
    }
    let mut r = match mode {
        Round::Nearest => m.round(),
        // tolerate representation error in values that are exactly on a boundary
        Round::Up => (m * (1.0 - 1e-12)).ceil(),
        Round::Down => (m * (1.0 + 1e-12)).floor(),
    };
    if r >= 100.0 {
        r /= 10.0;
        e += 1;
    }
    format!("{:.1}e{}", r / 10.0, e)
}

pub(crate) fn sci(v: f64) -> String {
    sci_round(v, Round::Nearest)
}
pub(crate) fn sci_up(v: f64) -> String {
    sci_round(v, Round::Up)
}
pub(crate) fn sci_down(v: f64) -> String {
    sci_round(v, Round::Down)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_helpers() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_035), "1,035");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(format_percent(0.95), "95");
        assert_eq!(format_percent(0.999), "99.9");
        assert_eq!(sci(0.5), "5.0e-1");
        assert_eq!(sci_up(0.30849), "3.1e-1");
        assert_eq!(sci_down(0.30849), "3.0e-1");
        assert_eq!(sci_up(2.8905e-3), "2.9e-3");
        assert_eq!(sci_up(2.84e-3), "2.9e-3");
        assert_eq!(sci_up(9.96e-3), "1.0e-2");
        assert_eq!(sci_up(1.0), "1.0e0");
        assert_eq!(sci_down(1e-5), "1.0e-5");
    }

    #[test]
    fn rejects_bad_input() {
        let cp = ClopperPearson::default();
        assert!(cp.interval(1, 0).is_err());
        assert!(cp.interval(0, 0).is_err());
        assert!(cp.interval(11, 10).is_err());
        assert!(ClopperPearson::new(1.0).is_err());
        assert!(ClopperPearson::new(f64::NAN).is_err());
        assert!(sample_size_for_upper_bound(0.0, 0.95).is_err());
        assert!(sample_size_for_upper_bound(0.1, 0.0).is_err());
        assert!(rule_of_three(0).is_err());
    }
}
