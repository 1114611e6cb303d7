//! Black-box evasion: hash queries only, no model, no gradients.
//!
//! The attacker sees nothing but the hash of any image it submits (on a phone it can run the
//! scanner on its own pictures as often as it likes). The method is simple random search in
//! the spirit of SimBA-DCT (Guo et al. 2019): try adding, then subtracting, one smooth pattern
//! at a time — a 2-D cosine of low frequency, frequencies `0..=max_frequency` along each axis
//! in a seeded random order — and keep the change whenever the hash moves further from the
//! original's. When a whole pass over the patterns does not get beyond the threshold, the step
//! grows by half and another pass begins. Every hash computed counts as a query, including the
//! first one of the original.
//!
//! The patterns are generic "smooth image" directions, not PDQ's own basis: they include the
//! frequency-0 rows and columns that PDQ ignores, and they live on the full image, not on
//! PDQ's 64×64 grid. Deterministic: the order comes from a seed.

use std::time::Instant;

use image::RgbImage;

use crate::attack::outcome::{apply_luma_delta, hash_image, AttackOutcome, Goal};
use crate::error::Result;
use crate::eval::seed::mix64;
use crate::report::default_threshold;
use crate::Algorithm;

/// Settings of [`evade_black_box`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlackBoxOptions {
    /// [`Algorithm::Pdq`] or [`Algorithm::PHash`].
    pub algorithm: Algorithm,
    /// Succeed when the distance to the original hash exceeds this.
    pub threshold: u32,
    /// Stop after this many hash queries.
    pub max_queries: u64,
    /// Highest pattern frequency along each axis.
    pub max_frequency: usize,
    /// First step, as the RMS luma change of one pattern (grey levels).
    pub start_step: f64,
    /// Seed of the pattern order.
    pub seed: u64,
}

impl BlackBoxOptions {
    /// Defaults for `algorithm`: its detector threshold, 5 000 queries, frequencies up to 16,
    /// a first step of 0.5 grey levels RMS, seed 0.
    pub fn new(algorithm: Algorithm) -> BlackBoxOptions {
        BlackBoxOptions {
            algorithm,
            threshold: default_threshold(algorithm),
            max_queries: 5000,
            max_frequency: 16,
            start_step: 0.5,
            seed: 0,
        }
    }
}

/// Growth of the step after a pass over all patterns that did not succeed.
const STEP_GROWTH: f64 = 1.5;

/// Cosines `cos(π f (2n + 1) / 2len)` for `n in 0..len`, scaled to unit RMS.
fn cosine(f: usize, len: usize) -> Vec<f64> {
    let v: Vec<f64> = (0..len)
        .map(|n| (std::f64::consts::PI * (f * (2 * n + 1)) as f64 / (2 * len) as f64).cos())
        .collect();
    let rms = (v.iter().map(|a| a * a).sum::<f64>() / len as f64).sqrt();
    v.into_iter().map(|a| a / rms).collect()
}

/// Black-box evasion of `rgb` (see the [module docs](self)). `queries` in the outcome is the
/// number of hashes computed; `success` comes from re-hashing the written PNG.
pub fn evade_black_box(rgb: &RgbImage, opts: &BlackBoxOptions) -> Result<AttackOutcome> {
    let started = Instant::now();
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let (original_hash, _) = hash_image(opts.algorithm, rgb)?;
    let mut queries = 1u64;
    let f = opts.max_frequency;
    let mut patterns: Vec<(usize, usize)> =
        (0..=f).flat_map(|a| (0..=f).map(move |b| (a, b))).filter(|&p| p != (0, 0)).collect();
    // Seeded Fisher–Yates shuffle.
    for i in (1..patterns.len()).rev() {
        let j = (mix64(opts.seed ^ mix64(i as u64)) % (i as u64 + 1)) as usize;
        patterns.swap(i, j);
    }
    let rows: Vec<Vec<f64>> = (0..=f).map(|k| cosine(k, h)).collect();
    let cols: Vec<Vec<f64>> = (0..=f).map(|k| cosine(k, w)).collect();
    // Equal change in R, G and B: no knowledge of the luma weights needed.
    let grey = [1.0, 1.0, 1.0];
    let mut delta = vec![0.0; w * h];
    let mut trial = vec![0.0; w * h];
    let mut distance = 0u32;
    let mut best = rgb.clone();
    let mut step = opts.start_step;
    'passes: while queries < opts.max_queries && distance <= opts.threshold {
        for &(fy, fx) in &patterns {
            for sign in [1.0, -1.0] {
                if queries >= opts.max_queries {
                    break 'passes;
                }
                for (y, row) in trial.chunks_exact_mut(w).enumerate() {
                    let ry = sign * step * rows[fy][y];
                    let base = &delta[y * w..(y + 1) * w];
                    for ((t, &d), &cx) in row.iter_mut().zip(base).zip(&cols[fx]) {
                        *t = d + ry * cx;
                    }
                }
                let candidate = apply_luma_delta(rgb, &trial, grey);
                let (hash, _) = hash_image(opts.algorithm, &candidate)?;
                queries += 1;
                let d = hash.distance(&original_hash)?;
                if d > distance {
                    distance = d;
                    delta.copy_from_slice(&trial);
                    best = candidate;
                    if distance > opts.threshold {
                        break 'passes;
                    }
                    break;
                }
            }
        }
        step *= STEP_GROWTH;
    }
    AttackOutcome::judge(
        rgb,
        &original_hash,
        &best,
        &original_hash,
        Goal::Beyond,
        opts.threshold,
        None,
        started,
        queries,
    )
}
