//! Population projection: what a measured false-positive rate means at the scale of a
//! messaging service.
//!
//! The only figure that can be multiplied by a volume is a **false-positive rate per benign
//! image** (the share of innocent images that match). This module carries its confidence
//! interval through the arithmetic (every output here is increasing in the rate, so the
//! interval's bounds map to the output's bounds):
//!
//! - [`per_image_from_pair`]: from a per-*pair* rate (image vs one list entry) to a
//!   per-image rate against a list of `L` entries, `1 - (1 - p)^L`, assuming list entries
//!   match independently (for small `L p` this is about `L p`; it never exceeds `L p`);
//! - [`Projection`]: expected false matches per day and per year for a daily image volume;
//! - [`AccountModel`]: expected falsely *flagged accounts* per year when an account is flagged
//!   only after `k` matched images in a year (Apple's 2021 design used `k = 30`), with
//!   independent photos or with bursts of near-identical photos;
//! - the inverses: the rate needed for at most `X` false matches or flags per year, and (via
//!   [`sample_size_for_upper_bound`]) how many benign images a test would need to show it.
//!
//! Volumes in [`volumes`] are public figures quoted for scale only; see each constant's note.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::stats::{ln_binomial_at_least, sample_size_for_upper_bound, Rate};

/// Days per year used for all per-year figures.
pub const DAYS_PER_YEAR: f64 = 365.0;

/// Daily image volumes reported publicly, for scale. None is an audited measurement.
pub mod volumes {
    /// WhatsApp: "4.5 billion photos shared per day" — company statement of July 2017 as
    /// reported by the press (secondary source; the figure is old and has likely grown).
    pub const WHATSAPP_PHOTOS_PER_DAY: f64 = 4.5e9;
    /// Thorn's Safer: 112.3 billion files processed in 2024 (thorn.org impact report), divided
    /// by 366 days: ≈ 3.07e8 per day. Files, not only images.
    pub const THORN_SAFER_FILES_PER_DAY: f64 = 112.3e9 / 366.0;
    /// EOKM's HashCheckServer (Netherlands): 18 billion images checked in 2020 (reported by
    /// NRC, secondary source), divided by 366 days: ≈ 4.92e7 per day.
    pub const EOKM_HASHCHECK_IMAGES_PER_DAY: f64 = 18e9 / 366.0;
}

/// A value with a lower and upper bound (a rate or a projected count).
///
/// ```
/// use hashscope::eval::projection::Estimate;
/// use hashscope::Rate;
/// let e = Estimate::from(Rate::clopper_pearson(0, 1_000).unwrap());
/// assert_eq!(e.point, 0.0);
/// assert!(e.upper > 0.003); // the interval, not the point, carries the information
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Point estimate.
    pub point: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

impl Estimate {
    /// A rate with bounds; errors unless `0 <= lower <= point <= upper <= 1`.
    pub fn rate(point: f64, lower: f64, upper: f64) -> Result<Self> {
        if !(0.0 <= lower && lower <= point && point <= upper && upper <= 1.0) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("need 0 <= lower <= point <= upper <= 1, got {lower}, {point}, {upper}"),
            ));
        }
        Ok(Estimate { point, lower, upper })
    }

    /// A rate known exactly (lower = point = upper), e.g. a hypothetical.
    pub fn exact_rate(p: f64) -> Result<Self> {
        Self::rate(p, p, p)
    }

    fn map(self, f: impl Fn(f64) -> f64) -> Estimate {
        Estimate { point: f(self.point), lower: f(self.lower), upper: f(self.upper) }
    }

    fn try_map(self, f: impl Fn(f64) -> Result<f64>) -> Result<Estimate> {
        Ok(Estimate { point: f(self.point)?, lower: f(self.lower)?, upper: f(self.upper)? })
    }
}

impl From<Rate> for Estimate {
    fn from(r: Rate) -> Self {
        Estimate { point: r.point, lower: r.lower, upper: r.upper }
    }
}

/// Per-image false-positive rate against a list of `list_size` entries, from the rate per
/// (image, entry) pair: `1 - (1 - p_pair)^L`, computed without cancellation. Assumes the
/// entries match independently; always `<= L * p_pair`.
///
/// ```
/// use hashscope::eval::projection::per_image_from_pair;
/// // 1 - (1 - 1e-9)^1e6 = 1 - exp(-1e-3 - 5e-13) ≈ 1e-3 - 5e-7 = 9.995e-4
/// let p = per_image_from_pair(1e-9, 1_000_000).unwrap();
/// assert!((p - 9.995_001_666e-4).abs() < 1e-12);
/// ```
pub fn per_image_from_pair(p_pair: f64, list_size: u64) -> Result<f64> {
    check_rate(p_pair)?;
    if p_pair == 1.0 {
        return Ok(if list_size == 0 { 0.0 } else { 1.0 });
    }
    Ok(-(list_size as f64 * (-p_pair).ln_1p()).exp_m1())
}

/// [`per_image_from_pair`] applied to a point and both bounds.
pub fn per_image_estimate_from_pair(p_pair: Estimate, list_size: u64) -> Result<Estimate> {
    p_pair.try_map(|p| per_image_from_pair(p, list_size))
}

/// Expected false matches for a daily volume of benign images.
///
/// ```
/// use hashscope::eval::projection::{Estimate, Projection};
/// // per-image FPR 1e-6 (interval 5e-7 .. 2e-6) at 4.5e9 images a day:
/// let p = Projection::new(Estimate::rate(1e-6, 5e-7, 2e-6).unwrap(), 4.5e9).unwrap();
/// let day = p.false_matches_per_day();
/// assert!((day.point - 4_500.0).abs() < 1e-6 && (day.upper - 9_000.0).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// False-positive rate per benign image (against the whole list).
    pub fpr: Estimate,
    /// Benign images scanned per day.
    pub images_per_day: f64,
}

impl Projection {
    /// Errors on a negative or non-finite volume.
    pub fn new(fpr: Estimate, images_per_day: f64) -> Result<Self> {
        check_rate(fpr.lower)?;
        check_rate(fpr.upper)?;
        check_volume(images_per_day, "images per day")?;
        Ok(Projection { fpr, images_per_day })
    }

    /// Expected false matches per day (`fpr × images_per_day`), with bounds.
    pub fn false_matches_per_day(&self) -> Estimate {
        self.false_matches_over(1.0)
    }

    /// Expected false matches per year ([`DAYS_PER_YEAR`] days), with bounds.
    pub fn false_matches_per_year(&self) -> Estimate {
        self.false_matches_over(DAYS_PER_YEAR)
    }

    /// Expected false matches over `days` days, with bounds.
    pub fn false_matches_over(&self, days: f64) -> Estimate {
        let v = self.images_per_day * days.max(0.0);
        self.fpr.map(|p| p * v)
    }
}

/// The per-image false-positive rate at which `images_per_day` benign images give at most
/// `max_per_year` expected false matches per year.
///
/// ```
/// use hashscope::eval::projection::fpr_needed_for_false_matches;
/// // 1 false match a year at 4.5e9 images/day: 1 / (4.5e9 × 365) = 6.09e-13
/// let p = fpr_needed_for_false_matches(1.0, 4.5e9).unwrap();
/// assert!((p - 6.088e-13).abs() < 1e-15);
/// ```
pub fn fpr_needed_for_false_matches(max_per_year: f64, images_per_day: f64) -> Result<f64> {
    check_volume(max_per_year, "false matches per year")?;
    check_volume(images_per_day, "images per day")?;
    if images_per_day == 0.0 {
        return Err(Error::new(ErrorKind::InvalidArgument, "no images: any rate will do"));
    }
    Ok((max_per_year / (images_per_day * DAYS_PER_YEAR)).min(1.0))
}

/// How many benign images, all unmatched, a test needs to show (one-sided, at `confidence`)
/// that the rate is below `p`: [`sample_size_for_upper_bound`] under a name that reads well
/// next to the inverses here.
pub fn benign_images_needed(p: f64, confidence: f64) -> Result<u64> {
    sample_size_for_upper_bound(p, confidence)
}

/// Accounts flagged only after `threshold` matched images in a year.
///
/// With **independent** photos (`burst = 1`), an account with `n` photos a year is flagged
/// with probability `P(Binomial(n, p) >= k)`. With **bursts** of `b` near-identical photos
/// (the same scene shot several times), the photos of a burst match together or not at all:
/// the number of matching bursts is `Binomial(floor(n / b), p)` and each contributes `b`
/// matches, so the account is flagged when `ceil(k / b)` bursts match. Bursts make false
/// flags far more likely than the independent model suggests.
///
/// ```
/// use hashscope::eval::projection::AccountModel;
/// // 1e9 accounts, 10 photos a day, flag at 30 matches, FPR 1e-6: independent photos give
/// // essentially no false flags; bursts of 10 near-identical photos make 3 bursts enough.
/// let indep = AccountModel::new(1e9, 10.0, 30, 1).unwrap();
/// let burst = AccountModel::new(1e9, 10.0, 30, 10).unwrap();
/// assert!(indep.flag_probability(1e-6).unwrap() < 1e-90);
/// assert!(burst.flag_probability(1e-6).unwrap() > 1e-12); // 8.0e-12
/// assert!(indep.flag_probability(1e-6).unwrap() > 0.0);    // 2.5e-106, no underflow
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AccountModel {
    /// Number of accounts.
    pub accounts: f64,
    /// Photos per account per day.
    pub photos_per_day: f64,
    /// Matches in a year needed to flag an account (`k`; Apple used 30).
    pub threshold: u64,
    /// Near-identical photos per burst (`b`; 1 = independent photos).
    pub burst: u64,
}

/// Falsely flagged accounts per year, as an [`Estimate`] and as base-10 logarithms (which
/// stay finite when the count is far below `f64`'s smallest positive value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlaggedAccounts {
    /// Expected falsely flagged accounts per year.
    pub expected: Estimate,
    /// `log10` of [`expected`](Self::expected) (`-inf` for an exact zero).
    pub log10_expected: Estimate,
}

impl AccountModel {
    /// Errors on negative or non-finite inputs, `threshold == 0` or `burst == 0`.
    pub fn new(accounts: f64, photos_per_day: f64, threshold: u64, burst: u64) -> Result<Self> {
        check_volume(accounts, "accounts")?;
        check_volume(photos_per_day, "photos per day")?;
        if threshold == 0 || burst == 0 {
            return Err(Error::new(ErrorKind::InvalidArgument, "threshold and burst must be >= 1"));
        }
        Ok(AccountModel { accounts, photos_per_day, threshold, burst })
    }

    /// Photos per account per year, rounded to a whole number.
    pub fn photos_per_year(&self) -> u64 {
        (self.photos_per_day * DAYS_PER_YEAR).round() as u64
    }

    /// `(trials, successes needed)`: bursts per year and matching bursts needed to flag.
    fn trials(&self) -> (u64, u64) {
        let b = self.burst.max(1);
        (self.photos_per_year() / b, self.threshold.div_ceil(b))
    }

    /// Natural log of the probability that one account is falsely flagged in a year at
    /// per-image rate `p`.
    pub fn ln_flag_probability(&self, p: f64) -> Result<f64> {
        check_rate(p)?;
        let (n, k) = self.trials();
        ln_binomial_at_least(k, n, p)
    }

    /// Probability that one account is falsely flagged in a year (0 if below ~1e-308; see
    /// [`ln_flag_probability`](Self::ln_flag_probability)).
    pub fn flag_probability(&self, p: f64) -> Result<f64> {
        Ok(self.ln_flag_probability(p)?.exp())
    }

    /// Expected falsely flagged accounts per year, `accounts × P(flag)`, with the rate's
    /// bounds carried through.
    pub fn flagged_per_year(&self, fpr: Estimate) -> Result<FlaggedAccounts> {
        let ln_acc = self.accounts.ln();
        let log10 = fpr.try_map(|p| Ok((ln_acc + self.ln_flag_probability(p)?) / 10f64.ln()))?;
        Ok(FlaggedAccounts { expected: log10.map(|l| 10f64.powf(l)), log10_expected: log10 })
    }

    /// The largest per-image rate at which the expected falsely flagged accounts per year
    /// stay at or below `max_flags` (bisection on `ln p`, relative precision ~1e-12).
    ///
    /// ```
    /// use hashscope::eval::projection::AccountModel;
    /// // 1,000 accounts with one photo a year, flagged at the first match: 1000 p = 1.
    /// let m = AccountModel::new(1000.0, 1.0 / 365.0, 1, 1).unwrap();
    /// assert!((m.fpr_needed(1.0).unwrap() - 1e-3).abs() < 1e-14);
    /// ```
    pub fn fpr_needed(&self, max_flags: f64) -> Result<f64> {
        check_volume(max_flags, "flags per year")?;
        let target = max_flags.ln() - self.accounts.ln();
        let f = |lp: f64| self.ln_flag_probability(lp.exp());
        let (mut lo, mut hi) = (-690.0f64, 0.0f64); // ln 1e-300 (normal f64 range), ln 1
        if f(hi)? <= target {
            return Ok(1.0);
        }
        if f(lo)? > target {
            return Ok(0.0);
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if f(mid)? <= target {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo < 1e-13 {
                break;
            }
        }
        Ok(lo.exp())
    }
}

fn check_rate(p: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::new(ErrorKind::InvalidArgument, format!("rate {p} is not in [0, 1]")));
    }
    Ok(())
}

fn check_volume(v: f64, what: &str) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{what} must be >= 0, got {v}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn projection_by_hand() {
        // FPR 1e-6 [5e-7, 2e-6] × 4.5e9/day = 4500 [2250, 9000] per day;
        // × 365 = 1,642,500 [821,250, 3,285,000] per year.
        let p = Projection::new(Estimate::rate(1e-6, 5e-7, 2e-6).unwrap(), 4.5e9).unwrap();
        let y = p.false_matches_per_year();
        assert!(rel(y.point, 1_642_500.0) < 1e-12);
        assert!(rel(y.lower, 821_250.0) < 1e-12);
        assert!(rel(y.upper, 3_285_000.0) < 1e-12);
        // Thorn volume: 112.3e9 / 366 = 306,830,601 files/day
        assert!(rel(volumes::THORN_SAFER_FILES_PER_DAY, 306_830_601.1) < 1e-9);
    }

    #[test]
    fn list_scaling_by_hand() {
        // L = 1: unchanged. p = 1e-3, L = 1000: 1 - 0.999^1000 = 1 - exp(-1.0005003) = 0.6323046
        assert_eq!(per_image_from_pair(1e-3, 1).unwrap(), 1e-3);
        assert!(rel(per_image_from_pair(1e-3, 1000).unwrap(), 0.632_304_6) < 1e-6);
        assert_eq!(per_image_from_pair(0.0, 1000).unwrap(), 0.0);
        assert_eq!(per_image_from_pair(1e-3, 0).unwrap(), 0.0);
    }

    #[test]
    fn account_model_by_hand() {
        // n = 1000 photos/year (1000/365 a day), p = 1e-3, k = 2 independent:
        // P(X >= 2) = 1 - 0.999^1000 - 1000 × 0.001 × 0.999^999
        //           = 1 - 0.3676954 - 0.3680635 = 0.2642411
        let m = AccountModel::new(1.0, 1000.0 / 365.0, 2, 1).unwrap();
        assert_eq!(m.photos_per_year(), 1000);
        assert!(rel(m.flag_probability(1e-3).unwrap(), 0.264_241_1) < 1e-6);
        // Bursts of 10, k = 30: 100 bursts, 3 matching bursts needed.
        // P(Bin(100, 1e-3) >= 3) = 1 - P0 - P1 - P2 with
        //   P0 = 0.999^100 = 0.90479214, P1 = 100 × 1e-3 × 0.999^99 = 0.09056978,
        //   P2 = 4950 × 1e-6 × 0.999^98 = 0.00448769 → 1.5038e-4
        //   (scipy.stats.binom.sf(2, 100, 1e-3) = 1.5037636585421164e-4)
        let b = AccountModel::new(1.0, 1000.0 / 365.0, 30, 10).unwrap();
        assert!(rel(b.flag_probability(1e-3).unwrap(), 1.5037636585421164e-4) < 1e-9);
        // the same account with independent photos: P(Bin(1000, 1e-3) >= 30) is dominated by
        // its first term C(1000, 30) 1e-90 × 0.999^970 = 2.430e57 × 1e-90 × 0.3789 = 9.21e-34
        // (the rest adds about np/(k+1) ≈ 3 %; scipy.stats.binom.sf(29, 1000, 1e-3) =
        // 9.503107515052507e-34): 1e29 times less likely than with bursts.
        let i = AccountModel::new(1.0, 1000.0 / 365.0, 30, 1).unwrap();
        assert!(rel(i.flag_probability(1e-3).unwrap(), 9.503107515052507e-34) < 1e-9);
    }

    #[test]
    fn flagged_accounts_do_not_underflow() {
        // 1e9 accounts × P(Bin(3650, 1e-9) >= 30): P ≈ C(3650, 30) 1e-270 ≈ 2.47e-196
        // (scipy.stats.binom.sf(29, 3650, 1e-9) = 2.4730104265367043e-196) → 2.47e-187 a year.
        let m = AccountModel::new(1e9, 10.0, 30, 1).unwrap();
        let f = m.flagged_per_year(Estimate::exact_rate(1e-9).unwrap()).unwrap();
        assert!((f.log10_expected.point - (2.4730104265367043e-187f64).log10()).abs() < 1e-6);
        // p = 1e-15: P ≈ C(3650,30) 1e-450 ≈ e^(171.1 - 1036.2), × 1e9 ≈ 1e-367, below f64's
        // range; the log survives
        let f = m.flagged_per_year(Estimate::exact_rate(1e-15).unwrap()).unwrap();
        assert_eq!(f.expected.point, 0.0);
        assert!(f.log10_expected.point.is_finite() && f.log10_expected.point < -300.0);
    }

    #[test]
    fn inverse_round_trips() {
        let m = AccountModel::new(1e9, 10.0, 30, 1).unwrap();
        let p = m.fpr_needed(1.0).unwrap();
        let f = m.flagged_per_year(Estimate::exact_rate(p).unwrap()).unwrap();
        assert!(rel(f.expected.point, 1.0) < 1e-9, "{p} {:?}", f);
        // and with bursts the needed rate is much smaller
        let b = AccountModel::new(1e9, 10.0, 30, 10).unwrap();
        assert!(b.fpr_needed(1.0).unwrap() < p / 100.0);
        // 1 false match a year at 4.5e9 images/day: p = 1 / 1.6425e12 = 6.0883e-13,
        // demonstrable with 0 of ceil(ln 20 / 6.0883e-13) = 4.92e12 benign images.
        let q = fpr_needed_for_false_matches(1.0, 4.5e9).unwrap();
        assert!(rel(q, 1.0 / 1.6425e12) < 1e-12);
        let n = benign_images_needed(q, 0.95).unwrap();
        assert!(rel(n as f64, 20f64.ln() / q) < 1e-6);
    }
}
