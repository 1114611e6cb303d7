//! Forced collision: change an image invisibly so that its hash lands within the threshold of
//! a chosen target hash — a false positive by construction.
//!
//! # White-box method
//!
//! The bits where source and target disagree split into "must go down" (source 1, target 0)
//! and "must go up". PDQ hashes have 128 ones as a rule, so the two groups have the same size
//! and moving pairs keeps the median in place. Only `d − T` of the `d` disagreeing bits need to
//! change for a match at threshold `T`; the attack moves the cheapest of them (plus a few
//! spare) by the least-norm perturbation ([`push`]), re-hashes the
//! 8-bit result (and its JPEG re-encoding, with `jpeg`), and grows margin and count until the
//! match holds. For PDQ the result must also pass the quality gate, or a detector would
//! ignore it.

use std::time::Instant;

use image::RgbImage;

use crate::attack::model::LinearModel;
use crate::attack::outcome::{hash_image, AttackOutcome, Goal, Verification};
use crate::attack::push::{cheapest, push, search, Move, MARGIN_START, MARGIN_START_JPEG};
use crate::error::Result;
use crate::report::default_threshold;
use crate::{Algorithm, ImageHash};

/// Settings of [`collide`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CollideOptions {
    /// Succeed when the distance to the target is at most this (default: the detector's).
    pub threshold: u32,
    /// Also require the JPEG re-encoding at this quality to stay within the threshold.
    pub jpeg: Option<u8>,
    /// Candidates to try before giving up.
    pub max_rounds: u32,
}

impl CollideOptions {
    /// Defaults for `algorithm`: its detector threshold, no JPEG, 60 rounds.
    pub fn new(algorithm: Algorithm) -> CollideOptions {
        CollideOptions { threshold: default_threshold(algorithm), jpeg: None, max_rounds: 60 }
    }
}

/// Spare bits moved beyond the strict minimum `d − T`, from the first round on.
const SPARE_BITS: usize = 4;

/// White-box collision of `source` with `target` (a PDQ or pHash [`ImageHash`]; the attack
/// uses its algorithm). `success` comes from re-hashing the written PNG.
pub fn collide(
    source: &RgbImage,
    target: &ImageHash,
    opts: &CollideOptions,
) -> Result<AttackOutcome> {
    let started = Instant::now();
    let algorithm = target.algorithm();
    let (w, h) = (source.width() as usize, source.height() as usize);
    let model = LinearModel::new(algorithm, w, h)?;
    let (source_hash, _) = hash_image(algorithm, source)?;
    let coeffs = model.forward(&model.luma(source));
    let (_, median) = model.bits(&coeffs);
    let want: Vec<bool> =
        (0..coeffs.len()).map(|i| target.value().bit(model.bit_position(i))).collect();
    // Disagreeing coefficients by direction, cheapest first.
    let down: Vec<usize> =
        cheapest(&model, &coeffs, median, true).into_iter().filter(|&i| !want[i]).collect();
    let up: Vec<usize> =
        cheapest(&model, &coeffs, median, false).into_iter().filter(|&i| want[i]).collect();
    let d0 = source_hash.distance(target)? as usize;
    let first = d0.saturating_sub(opts.threshold as usize) + SPARE_BITS;
    let found = search(
        opts.max_rounds,
        if opts.jpeg.is_some() { MARGIN_START_JPEG } else { MARGIN_START },
        |round, margin| {
            // Every move is costly here: add a pair only every fourth round.
            let half = (first + 2 * (round / 4) as usize).div_ceil(2);
            let moves: Vec<Move> = down
                .iter()
                .take(half)
                .map(|&i| (i, false))
                .chain(up.iter().take(half).map(|&i| (i, true)))
                .collect();
            push(&model, source, &coeffs, median, &moves, margin)
        },
        |c| Ok(Verification::of(c, target, opts.jpeg)?.achieves(Goal::Within, opts.threshold)),
    )?;
    AttackOutcome::judge(
        source,
        &source_hash,
        &found.candidate,
        target,
        Goal::Within,
        opts.threshold,
        opts.jpeg,
        started,
        found.tried,
    )
}
