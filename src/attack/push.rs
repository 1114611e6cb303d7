//! The white-box step shared by evasion and collision: push chosen coefficients across the
//! median, with a safety margin, by the least-norm perturbation of the linear model; and the
//! search over margins that finds the smallest push that survives 8-bit rounding (and JPEG).
//!
//! Moving coefficient `i` from its side of the median `m` to the other means changing it by
//! `(m ± margin) − cᵢ`. All other coefficients are held fixed, so the median stays where it
//! was as long as as many coefficients cross downwards as upwards — which is why the attacks
//! choose their moves in pairs. The margin is counted in units of each coefficient's own
//! rounding noise ([`LinearModel::rounding_sigma`]): writing the result as 8-bit pixels must
//! not undo the move. The luma change is shared among R, G and B at the least L2 cost
//! ([`LinearModel::rgb_direction`]).

use image::RgbImage;

use crate::attack::model::LinearModel;
use crate::attack::outcome::apply_luma_delta;
use crate::error::Result;

/// One requested move: coefficient index (row-major in the block) and the side it must end on
/// (`true` = above the median, a 1 bit).
pub type Move = (usize, bool);

/// The perturbed image: `rgb` plus the least-norm change that puts every coefficient in
/// `moves` at least `margin` rounding-noise units on its requested side of `median`
/// (coefficients already there are left alone; all others are held fixed).
pub fn push(
    model: &LinearModel,
    rgb: &RgbImage,
    coeffs: &[f64],
    median: f64,
    moves: &[Move],
    margin: f64,
) -> RgbImage {
    let mut dx = vec![0.0; coeffs.len()];
    for &(i, up) in moves {
        let gap = margin * model.rounding_sigma(i);
        let target = if up { coeffs[i].max(median + gap) } else { coeffs[i].min(median - gap) };
        dx[i] = target - coeffs[i];
    }
    let direction = model.rgb_direction();
    let mut delta = model.least_norm(&dx);
    // Where a channel would leave 0..=255 it is clipped and part of the change is lost; add
    // the least-norm correction for what was lost, a few times (it converges quickly: few
    // pixels clip).
    for _ in 0..CLIP_CORRECTIONS {
        let effective = clipped_luma_delta(model, rgb, &delta, direction);
        if effective.iter().zip(&delta).all(|(e, d)| (e - d).abs() < 1e-9) {
            break;
        }
        let got = model.forward(&effective);
        let residual: Vec<f64> = dx.iter().zip(&got).map(|(w, g)| w - g).collect();
        for (d, r) in delta.iter_mut().zip(model.least_norm(&residual)) {
            *d += r;
        }
    }
    apply_luma_delta(rgb, &delta, direction)
}

/// Correction rounds for clipping in [`push`].
const CLIP_CORRECTIONS: usize = 4;

/// The luma change that actually happens when `delta` is added along `direction` and each
/// channel is clipped to 0..=255 (before rounding).
fn clipped_luma_delta(
    model: &LinearModel,
    rgb: &RgbImage,
    delta: &[f64],
    direction: [f64; 3],
) -> Vec<f64> {
    let w = model.luma_weights();
    rgb.as_raw()
        .chunks_exact(3)
        .zip(delta)
        .map(|(px, &d)| {
            (0..3)
                .map(|c| {
                    let v = f64::from(px[c]);
                    w[c] * ((v + d * direction[c]).clamp(0.0, 255.0) - v)
                })
                .sum()
        })
        .collect()
}

/// Coefficient indices on one side of the median (`above` = currently a 1 bit), cheapest to
/// move across first: sorted by the L2 cost `|cᵢ − m| · √unit_cost(i)`. Skips pHash's DC
/// term (index 0), which is never near the median.
pub fn cheapest(model: &LinearModel, coeffs: &[f64], median: f64, above: bool) -> Vec<usize> {
    let skip_dc = model.algorithm() == crate::Algorithm::PHash;
    let mut v: Vec<(f64, usize)> = coeffs
        .iter()
        .enumerate()
        .filter(|&(i, &c)| (c > median) == above && !(skip_dc && i == 0))
        .map(|(i, &c)| ((c - median).abs() * model.unit_cost(i).sqrt(), i))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    v.into_iter().map(|(_, i)| i).collect()
}

/// The initial margin, in rounding-noise units, without and with a JPEG requirement (JPEG's
/// own noise is larger than rounding's, so starting higher saves rounds).
pub const MARGIN_START: f64 = 1.0;
/// See [`MARGIN_START`].
pub const MARGIN_START_JPEG: f64 = 4.0;
/// Factor by which the margin grows after a failed round.
pub const MARGIN_GROWTH: f64 = 1.25;
/// Bisection steps between the last failing and the first succeeding margin.
pub const REFINE_STEPS: u32 = 3;

/// What [`search`] found.
#[derive(Debug, Clone)]
pub struct Found {
    /// The best candidate: the smallest succeeding push, or the last one tried.
    pub candidate: RgbImage,
    /// Whether some candidate passed the check.
    pub passed: bool,
    /// Candidates built and checked.
    pub tried: u64,
}

/// Searches for the smallest push that passes `check`. Round `r` builds
/// `candidate(r, margin)` with a margin growing by [`MARGIN_GROWTH`] from `start`
/// (the attack also moves more coefficients as `r` grows); after the first success, a few
/// bisection steps on the margin (same `r`) look for a smaller push that still passes.
pub fn search(
    max_rounds: u32,
    start: f64,
    mut candidate: impl FnMut(u32, f64) -> RgbImage,
    mut check: impl FnMut(&RgbImage) -> Result<bool>,
) -> Result<Found> {
    let mut margin = start;
    let mut tried = 0u64;
    let mut last = None;
    for round in 0..max_rounds.max(1) {
        let c = candidate(round, margin);
        tried += 1;
        if check(&c)? {
            let mut best = c;
            if round > 0 {
                let (mut lo, mut hi) = (margin / MARGIN_GROWTH, margin);
                for _ in 0..REFINE_STEPS {
                    let mid = (lo * hi).sqrt();
                    let c = candidate(round, mid);
                    tried += 1;
                    if check(&c)? {
                        best = c;
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
            }
            return Ok(Found { candidate: best, passed: true, tried });
        }
        last = Some(c);
        margin *= MARGIN_GROWTH;
    }
    Ok(Found { candidate: last.unwrap_or_default(), passed: false, tried })
}
