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
    apply_luma_delta(rgb, &model.least_norm(&dx), model.rgb_direction())
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

/// The initial margin, in rounding-noise units, and its growth per failed round.
pub const MARGIN_START: f64 = 1.0;
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
/// `candidate(r, margin)` with a margin growing by [`MARGIN_GROWTH`] from [`MARGIN_START`]
/// (the attack also moves more coefficients as `r` grows); after the first success, a few
/// bisection steps on the margin (same `r`) look for a smaller push that still passes.
pub fn search(
    max_rounds: u32,
    mut candidate: impl FnMut(u32, f64) -> RgbImage,
    mut check: impl FnMut(&RgbImage) -> Result<bool>,
) -> Result<Found> {
    let mut margin = MARGIN_START;
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
