//! Robustness: how far a hash moves when an image is re-encoded, resized, cropped, …
//!
//! For a deterministic sample of corpus images, every transform of a suite
//! ([`crate::transforms::standard_suite`]) is applied with a seed derived from the run seed
//! and the image name; the transformed image is hashed again and its distance to the
//! original's hash recorded per algorithm. "Recall at threshold t" is the share of
//! (image, transform) pairs whose distance is ≤ t — the share of altered copies of a listed
//! image that a detector at threshold t would still catch.
//!
//! A transform that cannot be applied to an image, or whose output cannot be hashed, is
//! recorded in [`Robustness::failures`] and excluded from that transform's counts.

use rayon::prelude::*;

use crate::algorithms::pdq;
use crate::decode::{load_rgb8, DecodeLimits};
use crate::eval::seed::seed_for;
use crate::hash::{Algorithm, HashValue, ImageHash};
use crate::hasher::Hasher;
use crate::transforms::Transform;

/// One transformed copy: its distances to the original per algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobustnessSample {
    /// Index into [`Robustness::images`].
    pub image: usize,
    /// Index into [`Robustness::transforms`].
    pub transform: usize,
    /// Distance to the original's hash, aligned with [`Robustness::algorithms`].
    pub distances: Vec<u32>,
    /// PDQ quality of the transformed copy, when PDQ is among the algorithms.
    pub pdq_quality: Option<u8>,
    /// PDQ: the smallest distance over the 8 dihedral hashes of the transformed copy.
    pub pdq_dihedral_distance: Option<u32>,
}

/// The measured robustness of a set of algorithms on a sample of images.
#[derive(Debug, Clone, Default)]
pub struct Robustness {
    /// Algorithms, in column order of [`RobustnessSample::distances`].
    pub algorithms: Vec<Algorithm>,
    /// Names of the sampled images.
    pub images: Vec<String>,
    /// The transforms applied.
    pub transforms: Vec<Transform>,
    /// One entry per successful (image, transform).
    pub samples: Vec<RobustnessSample>,
    /// (image name, transform name, error) for every copy that could not be made or hashed.
    pub failures: Vec<(String, String, String)>,
}

impl Robustness {
    /// (matches, trials) for `algorithm` under transform index `transform` at threshold `t`
    /// (distance ≤ t counts as a match).
    pub fn recall_counts(&self, algorithm: Algorithm, transform: usize, t: u32) -> (u64, u64) {
        let Some(col) = self.algorithms.iter().position(|&a| a == algorithm) else {
            return (0, 0);
        };
        let mut k = 0;
        let mut n = 0;
        for s in self.samples.iter().filter(|s| s.transform == transform) {
            n += 1;
            if s.distances[col] <= t {
                k += 1;
            }
        }
        (k, n)
    }

    /// Histogram (index = distance, 0..=bits) of genuine distances for `algorithm`, over the
    /// transforms whose indices are in `transforms` (all when `None`).
    pub fn genuine_histogram(
        &self,
        algorithm: Algorithm,
        transforms: Option<&[usize]>,
    ) -> Vec<u64> {
        let mut h = vec![0u64; algorithm.bits() as usize + 1];
        if let Some(col) = self.algorithms.iter().position(|&a| a == algorithm) {
            for s in &self.samples {
                if transforms.is_none_or(|ts| ts.contains(&s.transform)) {
                    h[s.distances[col] as usize] += 1;
                }
            }
        }
        h
    }
}

/// (image name, transform name, error) of a copy that could not be made or hashed.
pub type Failure = (String, String, String);

/// Measures robustness of `hasher`'s algorithms on the images at `paths` (name, path).
pub fn measure(
    images: &[(String, std::path::PathBuf)],
    hasher: &Hasher,
    transforms: &[Transform],
    seed: u64,
    limits: &DecodeLimits,
    progress: &(dyn Fn() + Sync),
) -> Robustness {
    let algorithms = hasher.config().algorithms.clone();
    let with_pdq = algorithms.contains(&Algorithm::Pdq);
    let per_image: Vec<(Vec<RobustnessSample>, Vec<Failure>)> = images
        .par_iter()
        .enumerate()
        .map(|(i, (name, path))| {
            let mut samples = Vec::new();
            let mut failures: Vec<Failure> = Vec::new();
            let original = load_rgb8(path, limits).and_then(|rgb| {
                let h = hasher.hash_rgb(&rgb)?;
                Ok((rgb, h))
            });
            let (rgb, orig) = match original {
                Ok(x) => x,
                Err(e) => {
                    failures.push((name.clone(), "original".to_string(), e.to_string()));
                    progress();
                    return (samples, failures);
                }
            };
            for (ti, t) in transforms.iter().enumerate() {
                let s = seed_for(seed, &format!("{name}\u{0}{}", t.name()));
                let res = t.apply(&rgb, s).and_then(|img| {
                    let h = hasher.hash_rgb(&img)?;
                    let dihedral =
                        if with_pdq { Some(pdq::pdq_dihedral_from_rgb(&img)?) } else { None };
                    Ok((h, dihedral))
                });
                match res {
                    Ok((h, dihedral)) => {
                        let distances = orig
                            .hashes
                            .iter()
                            .zip(&h.hashes)
                            .map(|(a, b)| distance(a, b))
                            .collect();
                        let pdq_dihedral_distance = match (dihedral, orig.get(Algorithm::Pdq)) {
                            (Some(d), Some(o)) => o.as_bits256().map(|ob| {
                                d.iter().map(|x| x.hash.hamming(&ob)).min().unwrap_or(256)
                            }),
                            _ => None,
                        };
                        samples.push(RobustnessSample {
                            image: i,
                            transform: ti,
                            distances,
                            pdq_quality: h.pdq_quality,
                            pdq_dihedral_distance,
                        });
                    }
                    Err(e) => failures.push((name.clone(), t.name(), e.to_string())),
                }
            }
            progress();
            (samples, failures)
        })
        .collect();
    let mut out = Robustness {
        algorithms,
        images: images.iter().map(|(n, _)| n.clone()).collect(),
        transforms: transforms.to_vec(),
        ..Default::default()
    };
    for (s, f) in per_image {
        out.samples.extend(s);
        out.failures.extend(f);
    }
    out
}

fn distance(a: &ImageHash, b: &ImageHash) -> u32 {
    match (a.value(), b.value()) {
        (HashValue::B64(x), HashValue::B64(y)) => x.hamming(y),
        (HashValue::B256(x), HashValue::B256(y)) => x.hamming(y),
        // Same hasher, same algorithm order: widths always agree.
        _ => a.bits(),
    }
}
