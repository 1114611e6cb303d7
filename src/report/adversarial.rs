//! The threshold dilemma (Jain et al., 2022), re-derived on the report's own data:
//! `hashscope report --adversarial`.
//!
//! An attacker who holds the hash function can push a picture's hash beyond any threshold,
//! paying in visible change (PSNR). To keep catching such copies the defender must raise the
//! threshold — and a higher threshold matches more innocent images. For each algorithm this
//! module runs the white-box evasion ([`crate::attack::evade()`]) on a seeded sample of the
//! report's robustness images, aiming at a grid of distances, and records the distance each
//! image's copy reached (re-hashed from the written file) and at what PSNR. For an attack
//! budget `B` dB, the threshold needed to catch every sampled copy is the largest distance an
//! attack reached at PSNR ≥ `B`; the false-positive rate at that threshold comes from the
//! report's null distribution (across-collection pairs, Clopper–Pearson), turned into a
//! per-image rate for the report's list size (`1 − (1 − p)^L`, pairs treated as independent)
//! and projected to false matches per day at the report's volume.

use rayon::prelude::*;
use serde::Serialize;

use crate::attack::evade::{evade, EvadeOptions};
use crate::decode::load_rgb8;
use crate::error::Result;
use crate::eval::projection::{per_image_estimate_from_pair, Estimate, Projection};
use crate::hash::Algorithm;
use crate::stats::Rate;

use super::{ReportConfig, ReportResults};

/// Attack budgets, dB of PSNR (higher = less visible).
pub const BUDGETS_DB: [f64; 4] = [50.0, 45.0, 40.0, 35.0];

/// Distances the attack aims beyond, per algorithm (the first is the default threshold).
pub fn target_distances(algorithm: Algorithm) -> &'static [u32] {
    match algorithm {
        Algorithm::Pdq => &[31, 48, 64, 80, 96, 112, 128],
        _ => &[10, 14, 18, 22, 26, 30],
    }
}

/// One attempt: the distance reached (re-hashed from the written file) and its PSNR.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Attempt {
    /// The distance the attack aimed beyond.
    pub aim: u32,
    /// Whether the written file's hash is beyond `aim`.
    pub success: bool,
    /// Distance between the original's and the written file's hash.
    pub distance: u32,
    /// PSNR of the written file against the original, dB.
    pub psnr: f64,
}

/// One row of the dilemma table.
#[derive(Debug, Clone, Serialize)]
pub struct DilemmaRow {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The attack budget: only copies with PSNR ≥ this count.
    pub budget_db: f64,
    /// Largest distance a copy within the budget reached: the threshold the defender needs to
    /// catch every sampled copy (at least this; `reached_max` says whether the grid ran out).
    pub threshold_needed: u32,
    /// Whether some copy within the budget succeeded at the largest aim (the true need may
    /// be higher than measured).
    pub reached_max: bool,
    /// Pair FPR (across collections) at that threshold.
    pub fpr_pair: Option<Rate>,
    /// Per-image FPR for the report's mean list size, from the pair rate.
    pub fpr_per_image: Option<Estimate>,
    /// Projected false matches per day at the report's volume.
    pub false_matches_per_day: Option<Estimate>,
}

/// The whole experiment.
#[derive(Debug, Clone, Serialize)]
pub struct Dilemma {
    /// Images attacked (names relative to the corpus).
    pub images: Vec<String>,
    /// Every attempt, per algorithm and image (in `images` order).
    pub attempts: Vec<(Algorithm, Vec<Vec<Attempt>>)>,
    /// The table.
    pub rows: Vec<DilemmaRow>,
}

/// Runs the experiment on the first `images` of the report's robustness sample, for PDQ and
/// pHash (the algorithms with a linear model) when the report has them.
pub fn threshold_dilemma(
    cfg: &ReportConfig,
    res: &ReportResults,
    images: usize,
) -> Result<Dilemma> {
    let names: Vec<String> = res.robustness_images.iter().take(images).cloned().collect();
    let mut attempts = Vec::new();
    let mut rows = Vec::new();
    for a in
        res.algorithms.iter().filter(|a| matches!(a.algorithm, Algorithm::Pdq | Algorithm::PHash))
    {
        let per_image: Vec<Vec<Attempt>> = names
            .par_iter()
            .map(|name| -> Result<Vec<Attempt>> {
                let rgb = load_rgb8(cfg.corpus.join(name), &cfg.limits)?;
                target_distances(a.algorithm)
                    .iter()
                    .map(|&aim| {
                        let mut opts = EvadeOptions::new(a.algorithm);
                        opts.threshold = aim;
                        let o = evade(&rgb, &opts)?;
                        Ok(Attempt {
                            aim,
                            success: o.success,
                            distance: o.bits_flipped,
                            psnr: o.psnr,
                        })
                    })
                    .collect()
            })
            .collect::<Result<_>>()?;
        let top = *target_distances(a.algorithm).last().unwrap_or(&0);
        for budget in BUDGETS_DB {
            let within = per_image.iter().flatten().filter(|t| t.success && t.psnr >= budget);
            let threshold_needed = within.clone().map(|t| t.distance).max().unwrap_or(a.threshold);
            let reached_max = within.clone().any(|t| t.aim == top);
            let t = threshold_needed.min(a.bits) as usize;
            let fpr_pair = a.fpr_curve.get(t).and_then(|row| row.across);
            let list = a.probe_vs_list.mean_list_size.round().max(1.0) as u64;
            let fpr_per_image = fpr_pair
                .map(|r| per_image_estimate_from_pair(Estimate::from(r), list))
                .transpose()?;
            let false_matches_per_day = fpr_per_image
                .map(|e| {
                    Projection::new(e, cfg.projection.images_per_day)
                        .map(|p| p.false_matches_per_day())
                })
                .transpose()?;
            rows.push(DilemmaRow {
                algorithm: a.algorithm,
                budget_db: budget,
                threshold_needed,
                reached_max,
                fpr_pair,
                fpr_per_image,
                false_matches_per_day,
            });
        }
        attempts.push((a.algorithm, per_image));
    }
    Ok(Dilemma { images: names, attempts, rows })
}
