//! Honest statistics for rates: exact binomial confidence intervals and binomial tails.
//!
//! - [`ClopperPearson`] and [`Rate`]: an observed rate `k / n` with its exact two-sided
//!   interval; a `Rate` never displays a bare zero.
//! - [`rule_of_three`] and [`sample_size_for_upper_bound`]: what zero observed matches can
//!   and cannot show.
//! - [`bootstrap`]: [`DependentRate`], a dependence-aware interval for a *pair* rate that
//!   treats images, not pairs, as the independent units (delete-one-image jackknife with a
//!   Korn–Graubard effective sample size).
//! - [`binomial_at_least`] and [`ln_binomial_at_least`]: `P(Binomial(n, p) >= k)`, accurate
//!   for tiny `p` and tiny results (used by the account model in
//!   [`eval::projection`](crate::eval::projection)).
//!
//! All special functions are implemented here (no statistics crate): a regularized incomplete
//! beta function by continued fraction with a saddle-point prefactor, and its inverse by
//! bracketed Newton iteration. They are tested against SciPy values written into the tests.

pub mod bootstrap;
mod clopper_pearson;
mod special;

pub use bootstrap::{
    pair_rate_interval, pair_rate_interval_all_pairs, pair_rate_interval_two_sample, DependentRate,
    ImagePairs,
};
pub use clopper_pearson::{rule_of_three, sample_size_for_upper_bound, ClopperPearson, Rate};

use crate::error::{Error, ErrorKind, Result};

#[allow(unused_imports)]
pub(crate) use clopper_pearson::{format_percent, group_thousands, sci, sci_down, sci_up};

/// Natural log of `P(X >= k)` for `X ~ Binomial(n, p)`.
///
/// Stays finite far below `f64::MIN_POSITIVE`: `ln P(Bin(1000, 1e-13) >= 30)` is about
/// `-762`, where `P` itself underflows to zero. Errors if `p` is not in `[0, 1]`.
///
/// ```
/// use hashscope::stats::ln_binomial_at_least;
/// // P(Bin(10, 0.5) >= 8) = 56/1024
/// let v = ln_binomial_at_least(8, 10, 0.5).unwrap().exp();
/// assert!((v - 56.0 / 1024.0).abs() < 1e-15);
/// ```
pub fn ln_binomial_at_least(k: u64, n: u64, p: f64) -> Result<f64> {
    check_p(p)?;
    Ok(special::ln_binomial_tails(k, n, p)?.0)
}

/// `P(X >= k)` for `X ~ Binomial(n, p)`, computed directly (not as `1 - P(X < k)`), so tiny
/// results keep their relative precision down to about `1e-308`; below that it is 0, use
/// [`ln_binomial_at_least`]. Errors if `p` is not in `[0, 1]`.
///
/// ```
/// use hashscope::stats::binomial_at_least;
/// // P(Bin(3, 1e-10) >= 3) = 1e-30
/// let v = binomial_at_least(3, 3, 1e-10).unwrap();
/// assert!((v / 1e-30 - 1.0).abs() < 1e-12);
/// ```
pub fn binomial_at_least(k: u64, n: u64, p: f64) -> Result<f64> {
    Ok(ln_binomial_at_least(k, n, p)?.exp())
}

/// `P(X <= k)` for `X ~ Binomial(n, p)` (the complement of [`binomial_at_least`]`(k + 1, ..)`,
/// computed from whichever tail is smaller). Errors if `p` is not in `[0, 1]`.
///
/// ```
/// use hashscope::stats::binomial_at_most;
/// // P(Bin(64, 1/2) <= 0) = 2^-64
/// let v = binomial_at_most(0, 64, 0.5).unwrap();
/// assert!((v / 0.5f64.powi(64) - 1.0).abs() < 1e-13);
/// ```
pub fn binomial_at_most(k: u64, n: u64, p: f64) -> Result<f64> {
    check_p(p)?;
    if k >= n {
        return Ok(1.0);
    }
    Ok(special::ln_binomial_tails(k + 1, n, p)?.1.exp())
}

fn check_p(p: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("probability must be in [0, 1], got {p}"),
        ));
    }
    Ok(())
}

pub(crate) use special::ln_dbinom as special_ln_dbinom;
