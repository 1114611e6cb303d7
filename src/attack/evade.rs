//! Evasion: the smallest change the linear model can find that moves an image's hash beyond
//! the match threshold, so that a copy of a listed image is no longer recognised.
//!
//! # White-box method
//!
//! 1. Compute the coefficients `c` and median `m` with the [`LinearModel`].
//! 2. Pick the cheapest coefficients to push across the median, as many from above as from
//!    below (so the median stays put): `⌈(T + 1) / 2⌉` pairs plus a few spare.
//! 3. Apply the least-norm perturbation that moves them a margin past the median
//!    ([`push`]), round to 8 bits, re-hash (and, with `jpeg`, re-hash
//!    the JPEG re-encoding at that quality).
//! 4. Not beyond `T` yet? Grow the margin by a quarter and add one pair; repeat.
//!
//! The first candidate that succeeds is written as PNG, read back and judged from that file
//! ([`AttackOutcome::judge`]).

use std::time::Instant;

use image::RgbImage;

use crate::attack::model::LinearModel;
use crate::attack::outcome::{hash_image, AttackOutcome, Goal, Verification};
use crate::attack::push::{cheapest, push, search, Move, MARGIN_START, MARGIN_START_JPEG};
use crate::error::Result;
use crate::report::default_threshold;
use crate::Algorithm;

/// Settings of [`evade`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvadeOptions {
    /// [`Algorithm::Pdq`] or [`Algorithm::PHash`].
    pub algorithm: Algorithm,
    /// Succeed when the distance to the original hash exceeds this (default: the detector's,
    /// 31 for PDQ, 10 for pHash).
    pub threshold: u32,
    /// Also require the JPEG re-encoding at this quality to stay beyond the threshold.
    pub jpeg: Option<u8>,
    /// Candidates to try before giving up.
    pub max_rounds: u32,
}

impl EvadeOptions {
    /// Defaults for `algorithm`: its detector threshold, no JPEG, 60 rounds.
    pub fn new(algorithm: Algorithm) -> EvadeOptions {
        EvadeOptions {
            algorithm,
            threshold: default_threshold(algorithm),
            jpeg: None,
            max_rounds: 60,
        }
    }
}

/// Spare pairs moved beyond the strict minimum from the first round on.
const SPARE_PAIRS: usize = 1;

/// White-box evasion of `rgb` (see the [module docs](self)). The outcome's `success` comes
/// from re-hashing the PNG it carries; when no candidate succeeds within `max_rounds`, the
/// last one is returned with `success == false`.
pub fn evade(rgb: &RgbImage, opts: &EvadeOptions) -> Result<AttackOutcome> {
    let started = Instant::now();
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let model = LinearModel::new(opts.algorithm, w, h)?;
    let (original_hash, _) = hash_image(opts.algorithm, rgb)?;
    let coeffs = model.forward(&model.luma(rgb));
    let (_, median) = model.bits(&coeffs);
    let above = cheapest(&model, &coeffs, median, true);
    let below = cheapest(&model, &coeffs, median, false);

    let first = (opts.threshold as usize + 1).div_ceil(2) + SPARE_PAIRS;
    let found = search(
        opts.max_rounds,
        if opts.jpeg.is_some() { MARGIN_START_JPEG } else { MARGIN_START },
        |round, margin| {
            let pairs = first + round as usize;
            let moves: Vec<Move> = above
                .iter()
                .take(pairs)
                .map(|&i| (i, false))
                .chain(below.iter().take(pairs).map(|&i| (i, true)))
                .collect();
            push(&model, rgb, &coeffs, median, &moves, margin)
        },
        |c| {
            Ok(Verification::of(c, &original_hash, opts.jpeg)?
                .achieves(Goal::Beyond, opts.threshold))
        },
    )?;
    AttackOutcome::judge(
        rgb,
        &original_hash,
        &found.candidate,
        &original_hash,
        Goal::Beyond,
        opts.threshold,
        opts.jpeg,
        started,
        found.tried,
    )
}
