//! Axis ranges, tick positions and tick labels, computed here (not by plotters) so that
//! log axes are labelled only at whole decades and every label is formatted with a fixed
//! precision.
//!
//! A log axis lives in log10 space: the plotting coordinate of a value `v` is
//! `log10(v)`, so a decade is one unit and plotters only ever sees a linear `f64` range.

/// One axis: its range in plotting coordinates, its labelled ("bold") ticks, its minor
/// ("light") grid lines, its description and how to format tick labels.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// Lower end, in plotting coordinates (log10 of the value on a log axis).
    pub lo: f64,
    /// Upper end, in plotting coordinates.
    pub hi: f64,
    /// Whether plotting coordinates are log10 of the data.
    pub log: bool,
    /// Labelled tick positions, in plotting coordinates.
    pub bold: Vec<f64>,
    /// Unlabelled minor grid lines, in plotting coordinates.
    pub light: Vec<f64>,
    /// Decimal places for labels of a linear axis.
    decimals: usize,
    /// Axis description shown next to the axis.
    pub desc: String,
    /// Category names, for a categorical axis (see [`Axis::categories`]); empty otherwise.
    names: Vec<String>,
}

impl Axis {
    /// A linear axis covering `[lo, hi]`, widened outwards to whole multiples of a
    /// "nice" step (1, 2 or 5 × 10^k) with about `target` ticks. Degenerate or non-finite
    /// ranges are replaced by something drawable.
    pub fn linear(lo: f64, hi: f64, target: usize, desc: &str) -> Axis {
        let (mut lo, mut hi) = sane_range(lo, hi);
        let step = nice_step((hi - lo) / target.max(1) as f64);
        lo = (lo / step + 1e-9).floor() * step;
        hi = (hi / step - 1e-9).ceil() * step;
        Axis::linear_exact(lo, hi, step, desc)
    }

    /// A linear axis over exactly `[lo, hi]` (not widened), labelled at the multiples of a
    /// nice step (about `target` of them) that fall inside it.
    pub fn linear_within(lo: f64, hi: f64, target: usize, desc: &str) -> Axis {
        let (lo, hi) = sane_range(lo, hi);
        let step = nice_step((hi - lo) / target.max(1) as f64);
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        let bold = (first..=last.min(first + 1000)).map(|i| i as f64 * step).collect();
        let decimals = decimals_for(step);
        Axis {
            lo,
            hi,
            log: false,
            bold,
            light: Vec::new(),
            decimals,
            desc: desc.to_string(),
            names: Vec::new(),
        }
    }

    /// A categorical axis: `names[0]` at the top (plotting coordinate `n - 0.5`), the last
    /// at the bottom (`0.5`).
    pub fn categories(names: &[String], desc: &str) -> Axis {
        let n = names.len().max(1) as f64;
        let bold = (0..names.len()).map(|i| n - i as f64 - 0.5).collect();
        Axis {
            lo: 0.0,
            hi: n,
            log: false,
            bold,
            light: Vec::new(),
            decimals: 0,
            desc: desc.to_string(),
            names: names.to_vec(),
        }
    }

    /// A linear axis over exactly `[lo, hi]` with ticks every `step` starting at `lo`.
    pub fn linear_exact(lo: f64, hi: f64, step: f64, desc: &str) -> Axis {
        let (lo, hi) = sane_range(lo, hi);
        let step = if step.is_finite() && step > 0.0 { step } else { nice_step(hi - lo) };
        let n = ((hi - lo) / step + 1e-9).floor() as usize;
        let bold = (0..=n.min(1000)).map(|i| lo + step * i as f64).collect();
        let decimals = decimals_for(step);
        Axis {
            lo,
            hi,
            log: false,
            bold,
            light: Vec::new(),
            decimals,
            desc: desc.to_string(),
            names: Vec::new(),
        }
    }

    /// A log10 axis from `10^lo_exp` to `10^hi_exp` (whole decades). Every decade is
    /// labelled while there are at most 12 of them, otherwise every 2nd, 3rd, … decade;
    /// minor grid lines at 2…9 × 10^k are drawn while the axis spans at most 8 decades.
    pub fn log(lo_exp: i32, hi_exp: i32, desc: &str) -> Axis {
        let (lo_exp, hi_exp) =
            if hi_exp > lo_exp { (lo_exp, hi_exp) } else { (lo_exp, lo_exp + 1) };
        let span = (hi_exp - lo_exp) as usize;
        let every = span.div_ceil(12).max(1) as i32;
        let bold = (lo_exp..=hi_exp)
            .filter(|e| (e - lo_exp) % every == 0 || *e == hi_exp && every == 1)
            .map(f64::from)
            .collect();
        let light = if span <= 8 {
            (lo_exp..hi_exp)
                .flat_map(|e| (2..=9).map(move |k| f64::from(e) + f64::from(k).log10()))
                .collect()
        } else {
            Vec::new()
        };
        Axis {
            lo: f64::from(lo_exp),
            hi: f64::from(hi_exp),
            log: true,
            bold,
            light,
            decimals: 0,
            desc: desc.to_string(),
            names: Vec::new(),
        }
    }

    /// A log axis just covering the positive, finite values in `values`; `fallback`
    /// (exponents) when there are none. `max_hi` caps the upper exponent (e.g. 0 for rates).
    pub fn log_for(
        values: impl IntoIterator<Item = f64>,
        fallback: (i32, i32),
        max_hi: Option<i32>,
        desc: &str,
    ) -> Axis {
        let (lo, hi) = match positive_range(values) {
            Some((min, max)) => {
                let lo = min.log10().floor() as i32;
                let mut hi = max.log10().ceil() as i32;
                if let Some(cap) = max_hi {
                    hi = hi.min(cap).max(lo + 1);
                }
                (lo, hi.max(lo + 1))
            }
            None => fallback,
        };
        Axis::log(lo, hi, desc)
    }

    /// Plotting coordinate of a data value, or `None` if it cannot be drawn on this axis
    /// (NaN, infinite, or ≤ 0 on a log axis).
    pub fn map(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        if self.log {
            if v > 0.0 {
                Some(v.log10())
            } else {
                None
            }
        } else {
            Some(v)
        }
    }

    /// The label of a tick at plotting coordinate `v`.
    pub fn format(&self, v: f64) -> String {
        if !self.names.is_empty() {
            let i = (self.hi - v - 0.5).round();
            return if i >= 0.0 && (i as usize) < self.names.len() {
                self.names[i as usize].clone()
            } else {
                String::new()
            };
        }
        if self.log {
            format_decade(v.round() as i32)
        } else {
            let s = format!("{:.*}", self.decimals, v);
            // "-0.00" → "0.00"
            if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
                s[1..].to_string()
            } else {
                s
            }
        }
    }
}

/// The label of the decade 10^e: `1e-8`, …, `1e-1`, `1`, `10`, `100`, `1000`, `1e4`, ….
pub(crate) fn format_decade(e: i32) -> String {
    match e {
        0 => "1".to_string(),
        1 => "10".to_string(),
        2 => "100".to_string(),
        3 => "1000".to_string(),
        _ => format!("1e{e}"),
    }
}

/// Smallest and largest positive finite value.
pub(crate) fn positive_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite() && *v > 0.0).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((a, b)) => Some((a.min(v), b.max(v))),
    })
}

/// Smallest and largest finite value.
pub(crate) fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((a, b)) => Some((a.min(v), b.max(v))),
    })
}

/// A finite, non-empty range: swaps reversed ends, widens a single value by ±1 (or ±10 %
/// of its magnitude), and replaces non-finite input by `[0, 1]`.
fn sane_range(lo: f64, hi: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if hi - lo > f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) {
        (lo, hi)
    } else {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    }
}

/// 1, 2 or 5 × 10^k, the smallest such step ≥ `raw`.
fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 + 1e-9 {
        1.0
    } else if f <= 2.0 + 1e-9 {
        2.0
    } else if f <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Decimal places needed to show multiples of `step` exactly (capped at 12).
fn decimals_for(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 {
        return 0;
    }
    let d = -(step.log10() - 1e-9).floor();
    if d <= 0.0 {
        0
    } else {
        (d as usize).min(12)
    }
}

/// log10 of the Binomial(`n`, 1/2) probability mass at each `k` in `0..=n`, computed in
/// log space so that the far tails (2^-256 for a 256-bit hash) do not underflow.
pub(crate) fn binomial_half_log10_pmf(n: u32) -> Vec<f64> {
    let ln2 = std::f64::consts::LN_2;
    let mut ln_c = 0.0f64;
    let mut out = Vec::with_capacity(n as usize + 1);
    for k in 0..=n {
        if k > 0 {
            ln_c += f64::from(n - k + 1).ln() - f64::from(k).ln();
        }
        out.push((ln_c - f64::from(n) * ln2) / std::f64::consts::LN_10);
    }
    out
}
