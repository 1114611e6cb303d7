//! Special functions behind the interval and projection code: the binomial probability in
//! log space (Loader's saddle-point form), the regularized incomplete beta function (Lentz's
//! continued fraction) and its inverse, and binomial tail probabilities.
//!
//! Everything works in `f64` on counts up to about `1e15` (where `f64` still holds integers
//! exactly). Tail probabilities are returned as natural logarithms as well, so that values
//! far below `f64::MIN_POSITIVE` (`2.2e-308`) are not lost to underflow.
//!
//! References: C. Loader, "Fast and Accurate Computation of Binomial Probabilities" (2000),
//! as implemented in R's `dbinom_raw`, `stirlerr` and `bd0`; W. H. Press et al., *Numerical
//! Recipes*, 3rd ed., §6.4 (`betacf`) for the continued fraction and its switch point.

use crate::error::{Error, ErrorKind, Result};

/// `ln(sqrt(2π))`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Maximum continued-fraction iterations. The fraction needs about `sqrt(max(a, b))`
/// iterations in the worst case (x near the mean), so this covers `n` up to about `1e14`.
const MAX_CF_ITER: usize = 20_000_000;

/// `stirlerr(n) = ln(n!) - ln(sqrt(2πn) (n/e)^n)`, the error of Stirling's formula, for
/// integer-valued `n >= 0`.
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 0.0 {
        return 0.0;
    }
    if n <= 15.0 {
        // ln(n!) exactly enough by a short product.
        let mut ln_fact = 0.0;
        let mut i = 2.0;
        while i <= n {
            ln_fact += f64::ln(i);
            i += 1.0;
        }
        return ln_fact - (n + 0.5) * n.ln() + n - LN_SQRT_2PI;
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// `bd0(x, np) = x ln(x/np) + np - x`, the deviance term, computed without cancellation
/// when `x` is close to `np`.
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        let mut ej = 2.0 * x * v;
        let v2 = v * v;
        let mut j = 1.0;
        loop {
            ej *= v2;
            let s1 = s + ej / (2.0 * j + 1.0);
            if s1 == s {
                return s1;
            }
            s = s1;
            j += 1.0;
        }
    }
    x * (x / np).ln() + np - x
}

/// Natural log of the binomial probability `P(X = x)` for `X ~ Binomial(n, p)`, with
/// `q = 1 - p` passed separately so that tiny `q` keeps its precision. `x` and `n` are
/// integer-valued, `0 <= x <= n`. Returns `-inf` for impossible outcomes.
pub(crate) fn ln_dbinom(x: f64, n: f64, p: f64, q: f64) -> f64 {
    if x < 0.0 || x > n {
        return f64::NEG_INFINITY;
    }
    if p == 0.0 {
        return if x == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if q == 0.0 {
        return if x == n { 0.0 } else { f64::NEG_INFINITY };
    }
    if x == 0.0 {
        if n == 0.0 {
            return 0.0;
        }
        return if p < 0.1 { -bd0(n, n * q) - n * p } else { n * q.ln() };
    }
    if x == n {
        return if q < 0.1 { -bd0(n, n * p) - n * q } else { n * p.ln() };
    }
    let lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
    // ln(2π x (n - x) / n); n - x is exact for integer counts (ln_1p(-x/n) would lose
    // precision when x is within a few of n)
    let lf = LN_2PI + x.ln() + (n - x).ln() - n.ln();
    lc - 0.5 * lf
}

/// Lentz's continued fraction for the incomplete beta function (Numerical Recipes `betacf`).
fn beta_cf(a: f64, b: f64, x: f64) -> Result<f64> {
    const EPS: f64 = 1e-16;
    const FPMIN: f64 = 1e-300;
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < FPMIN {
        d = FPMIN;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=MAX_CF_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= EPS {
            return Ok(h);
        }
    }
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!("incomplete beta I_x({a}, {b}) at x = {x} did not converge"),
    ))
}

/// `ln(1 - e^v)` for `v <= 0`, accurate near both ends.
pub(crate) fn ln_one_minus_exp(v: f64) -> f64 {
    if v > -std::f64::consts::LN_2 {
        (-v.exp_m1()).ln()
    } else {
        (-v.exp()).ln_1p()
    }
}

/// Both tails of the regularized incomplete beta function for integer-valued `a, b >= 1`:
/// returns `(ln I_x(a, b), ln(1 - I_x(a, b)))`. `y` must be `1 - x`, passed separately so
/// that values of `x` near 1 keep their precision.
///
/// The smaller tail is computed directly (no cancellation), the larger as its complement.
pub(crate) fn ln_beta_inc(a: f64, b: f64, x: f64, y: f64) -> Result<(f64, f64)> {
    if x <= 0.0 {
        return Ok((f64::NEG_INFINITY, 0.0));
    }
    if y <= 0.0 {
        return Ok((0.0, f64::NEG_INFINITY));
    }
    let n = a + b - 1.0;
    // Sum the binomial terms of whichever tail is small, from its largest term outwards:
    // accurate for any n. (The continued fraction loses relative precision when n is huge
    // and x tiny: its complement form works with y = 1 - x, which cannot resolve x.)
    if let Some(ln_upper) = ln_tail_sum(a - 1.0, n, x, y) {
        // 1 - I_x(a, b) = P(Bin(n, x) <= a - 1)
        if ln_upper < -std::f64::consts::LN_2 {
            return Ok((ln_one_minus_exp(ln_upper), ln_upper));
        }
    }
    if let Some(ln_lower) = ln_tail_sum(b - 1.0, n, y, x) {
        // I_x(a, b) = P(Bin(n, y) <= b - 1)
        if ln_lower < -std::f64::consts::LN_2 {
            return Ok((ln_lower, ln_one_minus_exp(ln_lower)));
        }
    }
    // Fallback (not reached in practice, one of the tails is always below its mode).
    if x < (a + 1.0) / (a + b + 2.0) {
        // I_x(a,b) = x^a (1-x)^b / (a B(a,b)) * cf = P(Bin(n, x) = a) * (1-x) * cf
        let ln_lower = ln_dbinom(a, n, x, y) + y.ln() + beta_cf(a, b, x)?.ln();
        let ln_lower = ln_lower.min(0.0);
        Ok((ln_lower, ln_one_minus_exp(ln_lower)))
    } else {
        let ln_upper = ln_dbinom(b, n, y, x) + x.ln() + beta_cf(b, a, y)?.ln();
        let ln_upper = ln_upper.min(0.0);
        Ok((ln_one_minus_exp(ln_upper), ln_upper))
    }
}

/// Most terms summed by [`ln_tail_sum`] before it gives up (the tail then has about
/// `sqrt(n x)` significant terms, i.e. `n` beyond ~1e14 near the mean).
const MAX_SUM_TERMS: u64 = 20_000_000;

/// `ln P(Bin(n, p) <= top)`, summing from `i = top` down while terms shrink, or `None` if
/// `top` is not below the mode (then this is not the small tail) or too many terms are needed.
/// Term ratio: `P(i - 1) / P(i) = i q / ((n - i + 1) p)`, decreasing as `i` decreases.
fn ln_tail_sum(top: f64, n: f64, p: f64, q: f64) -> Option<f64> {
    let ln_top = ln_dbinom(top, n, p, q);
    if top == 0.0 || ln_top == f64::NEG_INFINITY {
        return Some(ln_top);
    }
    if top * q >= (n - top + 1.0) * p {
        return None;
    }
    let (mut sum, mut term, mut i) = (1.0f64, 1.0f64, top);
    for _ in 0..MAX_SUM_TERMS {
        term *= i * q / ((n - i + 1.0) * p);
        sum += term;
        i -= 1.0;
        if i <= 0.0 || term <= sum * 1e-17 {
            return Some((ln_top + sum.ln()).min(0.0));
        }
    }
    None
}

/// `ln` of the beta density `x^(a-1) (1-x)^(b-1) / B(a, b)` for integer-valued `a, b >= 1`.
fn ln_beta_density(a: f64, b: f64, x: f64, y: f64) -> f64 {
    // = (a + b - 1) * P(Bin(a + b - 2, x) = a - 1)
    (a + b - 1.0).ln() + ln_dbinom(a - 1.0, a + b - 2.0, x, y)
}

/// The `x` at which a tail of the Beta(a, b) distribution equals `p` (`0 < p < 1`), for
/// integer-valued `a, b >= 1`: `I_x(a, b) = p` if `upper_tail` is false, `1 - I_x(a, b) = p`
/// if it is true. Safeguarded Newton iteration on the logarithm of the tail, bracketed.
pub(crate) fn beta_quantile(a: f64, b: f64, p: f64, upper_tail: bool) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(Error::new(ErrorKind::InvalidArgument, format!("tail probability {p}")));
    }
    let target = p.ln();
    // g(x) = ln(tail(x)) - ln p; the lower tail increases in x, the upper tail decreases.
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    let mut x = a / (a + b);
    for _ in 0..400 {
        let (ll, lu) = ln_beta_inc(a, b, x, 1.0 - x)?;
        let (lt, sign) = if upper_tail { (lu, -1.0) } else { (ll, 1.0) };
        let g = lt - target;
        if g == 0.0 {
            return Ok(x);
        }
        // Too far right if the (increasing) lower tail is above target, or the (decreasing)
        // upper tail is below target.
        if (g > 0.0) == (sign > 0.0) {
            hi = x;
        } else {
            lo = x;
        }
        // d/dx ln tail = ± density / tail
        let slope = sign * (ln_beta_density(a, b, x, 1.0 - x) - lt).exp();
        let newton = x - g / slope;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else if lo > 0.0 && hi / lo > 16.0 {
            (lo * hi).sqrt()
        } else if lo == 0.0 {
            hi / 16.0
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 4.0 * f64::EPSILON * x.max(next) || hi - lo <= f64::EPSILON * hi {
            return Ok(next);
        }
        x = next;
    }
    Ok(x)
}

/// Binomial tails for `X ~ Binomial(n, p)` as natural logs: `(ln P(X >= k), ln P(X < k))`.
/// Accurate for tiny `p` and tiny results (no underflow to `-inf` before `f64`'s exponent
/// range of the *logarithm* is exhausted).
pub(crate) fn ln_binomial_tails(k: u64, n: u64, p: f64) -> Result<(f64, f64)> {
    if k == 0 {
        return Ok((0.0, f64::NEG_INFINITY));
    }
    if k > n {
        return Ok((f64::NEG_INFINITY, 0.0));
    }
    if p <= 0.0 {
        return Ok((f64::NEG_INFINITY, 0.0));
    }
    if p >= 1.0 {
        return Ok((0.0, f64::NEG_INFINITY));
    }
    // P(X >= k) = I_p(k, n - k + 1)
    let (ge, lt) = ln_beta_inc(k as f64, (n - k + 1) as f64, p, 1.0 - p)?;
    Ok((ge, lt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn dbinom_matches_direct_small_cases() {
        // P(Bin(10, 0.3) = 3) = 120 * 0.3^3 * 0.7^7 = 0.266827932
        let v = ln_dbinom(3.0, 10.0, 0.3, 0.7).exp();
        assert!(close(v, 120.0 * 0.027 * 0.7f64.powi(7), 1e-13), "{v}");
        // P(Bin(5, 0.5) = 0) = 1/32
        assert!(close(ln_dbinom(0.0, 5.0, 0.5, 0.5).exp(), 1.0 / 32.0, 1e-14));
        assert!(close(ln_dbinom(5.0, 5.0, 0.5, 0.5).exp(), 1.0 / 32.0, 1e-14));
        // sums to one
        let s: f64 = (0..=40).map(|x| ln_dbinom(x as f64, 40.0, 0.37, 0.63).exp()).sum();
        assert!(close(s, 1.0, 1e-13), "{s}");
    }

    #[test]
    fn binomial_tails_small_cases() {
        // P(Bin(10, 0.5) >= 8) = (45 + 10 + 1) / 1024 = 56/1024
        let (ge, lt) = ln_binomial_tails(8, 10, 0.5).unwrap();
        assert!(close(ge.exp(), 56.0 / 1024.0, 1e-13));
        assert!(close(lt.exp(), 968.0 / 1024.0, 1e-13));
        // P(Bin(3, 1e-10) >= 3) = 1e-30, far below where 1 - cdf would cancel to 0
        let (ge, _) = ln_binomial_tails(3, 3, 1e-10).unwrap();
        assert!(close(ge.exp(), 1e-30, 1e-12), "{}", ge.exp());
        // P(Bin(1000, 1e-13) >= 30): leading term C(1000,30) 1e-390 = e^(135.6 - 898.0)
        // -> only the log survives (exp underflows below e^-745)
        let (ge, _) = ln_binomial_tails(30, 1000, 1e-13).unwrap();
        let ln_c: f64 = (0..30).map(|i| ((1000 - i) as f64).ln() - ((i + 1) as f64).ln()).sum();
        assert!((ge - (ln_c + 30.0 * 1e-13f64.ln())).abs() < 1e-6, "{ge}");
        assert!(ge < -745.0);
    }
}
