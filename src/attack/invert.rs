//! Inversion: the picture a hash gives away, and whether it is enough to tell which image the
//! hash came from.
//!
//! A PDQ hash says, for each of 256 cosine patterns, whether the image contains more or less
//! of it than the median pattern. Setting each coefficient to `+1` or `−1` accordingly and
//! painting the patterns back through the [`LinearModel`] (least-norm synthesis) gives a
//! coarse, band-limited picture of the original's layout of light and dark. With the
//! smoothness prior each pattern is weighted by `1/f` (natural images have roughly `1/f`
//! amplitude spectra), which makes the picture look more like a photograph.
//!
//! The comparison is done where the hash lives: on the 64×64 grid for PDQ (32×32 for pHash),
//! against the **band-limited original**, the original's own coefficients painted back the same
//! way. [`identify`] ranks candidate images by Pearson correlation with a reconstruction —
//! the question "given a leaked hash and a pile of photos, which one is it?".

use image::RgbImage;

use crate::algorithms::pdq::DOWNSAMPLED_SIDE;
use crate::algorithms::phash::IMAGE_SIZE;
use crate::attack::model::LinearModel;
use crate::error::Result;
use crate::{Algorithm, ImageHash};

/// Side of the grid reconstructions are compared on: 64 for PDQ, 32 for pHash.
pub fn grid_side(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::Pdq => DOWNSAMPLED_SIDE,
        _ => IMAGE_SIZE,
    }
}

/// The prior weight of coefficient `i` of a `side × side` block: `1/f` with `f` the radial
/// frequency (PDQ's block starts at frequency 1; pHash's DC term gets weight 0, since its bit
/// is always 1 and says nothing).
fn weight(algorithm: Algorithm, side: usize, i: usize, prior: bool) -> f64 {
    let (u, v) = (i / side, i % side);
    let (fu, fv) = match algorithm {
        Algorithm::Pdq => (u + 1, v + 1),
        _ => (u, v),
    };
    if fu == 0 && fv == 0 {
        return 0.0;
    }
    if prior {
        1.0 / ((fu * fu + fv * fv) as f64).sqrt()
    } else {
        1.0
    }
}

/// The zero-mean luma plane (`width × height`, row-major) a hash gives away: `±1` per bit
/// (times the `1/f` prior if `prior`), painted back by the model's least-norm synthesis.
pub fn reconstruct(hash: &ImageHash, width: usize, height: usize, prior: bool) -> Result<Vec<f64>> {
    let model = LinearModel::new(hash.algorithm(), width, height)?;
    let side = model.side();
    let x: Vec<f64> = (0..side * side)
        .map(|i| {
            let s = if hash.value().bit(model.bit_position(i)) { 1.0 } else { -1.0 };
            s * weight(hash.algorithm(), side, i, prior)
        })
        .collect();
    Ok(model.least_norm(&x))
}

/// The original's band-limited version on the `side × side` comparison grid: its coefficients
/// (computed at its own size by the model; pHash's DC term zeroed) painted back as in
/// [`reconstruct`].
pub fn band_limited(algorithm: Algorithm, rgb: &RgbImage) -> Result<Vec<f64>> {
    let own = LinearModel::new(algorithm, rgb.width() as usize, rgb.height() as usize)?;
    let mut x = own.forward(&own.luma(rgb));
    if algorithm == Algorithm::PHash {
        x[0] = 0.0;
    }
    let side = grid_side(algorithm);
    Ok(LinearModel::new(algorithm, side, side)?.least_norm(&x))
}

/// Pearson correlation of two equally long series (`0` if either is constant).
pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa == 0.0 || sbb == 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// A luma plane as a grey picture: mid-grey 128 for zero, scaled so that the largest absolute
/// value reaches 0 or 255.
pub fn to_picture(luma: &[f64], width: usize, height: usize) -> RgbImage {
    let peak = luma.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    RgbImage::from_fn(width as u32, height as u32, |x, y| {
        let v = luma[y as usize * width + x as usize] / peak * 127.5 + 127.5;
        let g = v.round().clamp(0.0, 255.0) as u8;
        image::Rgb([g, g, g])
    })
}

/// The identification experiment's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Identification {
    /// Hashes tried (one per candidate image).
    pub n: usize,
    /// Share of hashes whose own image is the best-correlated candidate.
    pub rank1_rate: f64,
    /// Correlation of each reconstruction with its own band-limited original.
    pub own: Vec<f64>,
    /// Correlation of each reconstruction with the band-limited version of a different image
    /// (image `i` against the hash of image `(i + n/2) mod n`).
    pub wrong: Vec<f64>,
}

/// For each candidate, reconstructs its hash and ranks all candidates by correlation with the
/// reconstruction. Needs at least two candidates.
pub fn identify(
    algorithm: Algorithm,
    candidates: &[RgbImage],
    prior: bool,
) -> Result<Identification> {
    let side = grid_side(algorithm);
    let mut bands = Vec::with_capacity(candidates.len());
    let mut recons = Vec::with_capacity(candidates.len());
    for rgb in candidates {
        bands.push(band_limited(algorithm, rgb)?);
        let (hash, _) = crate::attack::outcome::hash_image(algorithm, rgb)?;
        recons.push(reconstruct(&hash, side, side, prior)?);
    }
    let n = candidates.len();
    let mut hits = 0usize;
    let mut own = Vec::with_capacity(n);
    let mut wrong = Vec::with_capacity(n);
    for (i, r) in recons.iter().enumerate() {
        let scores: Vec<f64> = bands.iter().map(|b| correlation(r, b)).collect();
        let best = (0..n).max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)));
        hits += usize::from(best == Some(i));
        own.push(scores[i]);
        wrong.push(correlation(&recons[(i + n / 2) % n], &bands[i]));
    }
    Ok(Identification { n, rank1_rate: hits as f64 / n.max(1) as f64, own, wrong })
}
