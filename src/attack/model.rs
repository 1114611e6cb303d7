//! The linear model: PDQ and pHash, up to their median comparison, as one linear map from the
//! luma plane to the hash's coefficient block.
//!
//! # Why a linear model exists
//!
//! Every step before the median in both hashes is linear in the pixels:
//!
//! - **PDQ**: luma (`0.299 R + 0.587 G + 0.114 B`), two box-filter passes along each axis,
//!   decimation to 64×64, then `D · A · Dᵀ` with the 16×64 DCT matrix `D`. Each axis is treated
//!   separately, so the whole map is `X = P · L · Qᵀ` with `P = D · Mᵥ` (16 × height) and
//!   `Q = D · Mₕ` (16 × width), where `M` is "blur twice, then keep the cell-centre row".
//! - **pHash**: Pillow luma, LANCZOS resampling to 32×32 (fixed weights per output pixel,
//!   separable), then the unnormalised DCT-II, keeping 8×8. Same form, with `P = C · Rᵥ`
//!   (8 × height), `Q = C · Rₕ` (8 × width).
//!
//! Written as one matrix on the flattened image, `A = P ⊗ Q` (a Kronecker product). That gives
//! everything an attacker needs in closed form:
//!
//! - the **forward** map `X = P L Qᵀ` ([`LinearModel::forward`]);
//! - its **adjoint** `L = Pᵀ X Q` ([`LinearModel::adjoint`]): how to paint a pattern that
//!   raises chosen coefficients;
//! - the **least-norm perturbation** that changes the coefficients by exactly `ΔX` and is as
//!   small as possible in L2 ([`LinearModel::least_norm`]): `Aᵀ (A Aᵀ)⁻¹ ΔX`, which for a
//!   Kronecker product is `Pᵀ (P Pᵀ)⁻¹ ΔX (Q Qᵀ)⁻¹ Q` — two 16×16 (or 8×8) inverses instead of a
//!   256×256 one.
//!
//! # Where the model is not exact
//!
//! The model computes in `f64`; PDQ computes in `f32`, and Pillow rounds the intermediate image
//! of its two resampling passes and the thumbnail to 8 bits. So the model's coefficients differ
//! from the hashers' by rounding noise (tiny for PDQ, up to a few units for pHash), and a bit
//! can differ when its coefficient lies within that noise of the median. `tests/attack.rs`
//! measures the agreement on every fixture. The attacks never trust the model for success:
//! they re-hash the 8-bit image they write.

use image::RgbImage;

use crate::algorithms::pdq::{dct_matrix, jarosz_window, DCT_SIDE, DOWNSAMPLED_SIDE};
use crate::algorithms::phash::{HASH_SIZE, IMAGE_SIZE};
use crate::error::{Error, ErrorKind, Result};
use crate::preprocess::pillow::{resample_weights, Filter};
use crate::Algorithm;

/// A separable linear map from a `height × width` luma plane to a `k × k` coefficient block,
/// `X = P · L · Qᵀ`, with what is needed to invert it in the least-squares sense.
#[derive(Debug, Clone)]
pub struct LinearModel {
    algorithm: Algorithm,
    width: usize,
    height: usize,
    k: usize,
    /// `k × height`, row-major.
    p: Vec<f64>,
    /// `k × width`, row-major.
    q: Vec<f64>,
    /// `(P Pᵀ)⁻¹`, `k × k`.
    gp_inv: Vec<f64>,
    /// `(Q Qᵀ)⁻¹`, `k × k`.
    gq_inv: Vec<f64>,
}

impl LinearModel {
    /// The model of `algorithm` ([`Algorithm::Pdq`] or [`Algorithm::PHash`]) for images of
    /// `width × height` pixels.
    ///
    /// Errors ([`ErrorKind::InvalidArgument`]) for other algorithms, and
    /// ([`ErrorKind::Unhashable`]) for images too small for the model (at least 16 pixels per
    /// side for PDQ, 8 for pHash), where the Gram matrices are singular.
    pub fn new(algorithm: Algorithm, width: usize, height: usize) -> Result<LinearModel> {
        let (k, p, q) = match algorithm {
            Algorithm::Pdq => {
                if width < DCT_SIDE || height < DCT_SIDE {
                    return Err(too_small(algorithm, width, height));
                }
                // A 64×64 image skips the blur and decimation (the reference's shortcut).
                let skip = width == DOWNSAMPLED_SIDE && height == DOWNSAMPLED_SIDE;
                let d = dct_matrix();
                let d: Vec<f64> = d.iter().flatten().map(|&v| f64::from(v)).collect();
                let mv = pdq_axis(height, skip);
                let mh = pdq_axis(width, skip);
                let p = matmul(&d, &mv, DCT_SIDE, DOWNSAMPLED_SIDE, height);
                let q = matmul(&d, &mh, DCT_SIDE, DOWNSAMPLED_SIDE, width);
                (DCT_SIDE, p, q)
            }
            Algorithm::PHash => {
                if width < HASH_SIZE || height < HASH_SIZE {
                    return Err(too_small(algorithm, width, height));
                }
                let c = phash_dct_rows();
                let rv = phash_axis(height)?;
                let rh = phash_axis(width)?;
                let p = matmul(&c, &rv, HASH_SIZE, IMAGE_SIZE, height);
                let q = matmul(&c, &rh, HASH_SIZE, IMAGE_SIZE, width);
                (HASH_SIZE, p, q)
            }
            other => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("no linear model for {other} (only pdq and phash)"),
                ))
            }
        };
        let gp_inv =
            invert(&gram(&p, k, height)).ok_or_else(|| too_small(algorithm, width, height))?;
        let gq_inv =
            invert(&gram(&q, k, width)).ok_or_else(|| too_small(algorithm, width, height))?;
        Ok(LinearModel { algorithm, width, height, k, p, q, gp_inv, gq_inv })
    }

    /// The algorithm modelled.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Image width the model was built for.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Image height the model was built for.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Side of the coefficient block (16 for PDQ, 8 for pHash); there are `side²` bits.
    pub fn side(&self) -> usize {
        self.k
    }

    /// The luma plane the algorithm computes from an RGB image, as `f64`, before any
    /// rounding: PDQ's `0.299 R + 0.587 G + 0.114 B`, or Pillow's fixed-point weights
    /// `(19595 R + 38470 G + 7471 B) / 65536` (pHash). Both weight sets sum to 1, so adding
    /// `δ` to all three channels adds exactly `δ` to the luma.
    pub fn luma(&self, rgb: &RgbImage) -> Vec<f64> {
        let w = self.luma_weights();
        rgb.as_raw()
            .chunks_exact(3)
            .map(|p| w[0] * f64::from(p[0]) + w[1] * f64::from(p[1]) + w[2] * f64::from(p[2]))
            .collect()
    }

    /// The luma weights of R, G and B (see [`LinearModel::luma`]).
    pub fn luma_weights(&self) -> [f64; 3] {
        match self.algorithm {
            Algorithm::Pdq => [0.299, 0.587, 0.114],
            _ => [19595.0 / 65536.0, 38470.0 / 65536.0, 7471.0 / 65536.0],
        }
    }

    /// How a luma change is shared among R, G and B at the least L2 cost: `w / ‖w‖²` for the
    /// luma weights `w` (the pseudo-inverse of the luma map). Adding `δ` times these to a pixel
    /// changes its luma by exactly `δ` with the smallest possible RGB change (mostly green,
    /// since green weighs most in luma).
    pub fn rgb_direction(&self) -> [f64; 3] {
        let w = self.luma_weights();
        let n2: f64 = w.iter().map(|a| a * a).sum();
        [w[0] / n2, w[1] / n2, w[2] / n2]
    }

    /// The forward map: coefficients `X = P L Qᵀ` (row-major, `side × side`; row = vertical
    /// frequency) of a row-major `height × width` luma plane.
    pub fn forward(&self, luma: &[f64]) -> Vec<f64> {
        let (k, w, h) = (self.k, self.width, self.height);
        assert_eq!(luma.len(), w * h, "luma plane of the wrong size");
        // T = L Qᵀ (h × k), then X = P T.
        let mut t = vec![0.0; h * k];
        for (y, row) in luma.chunks_exact(w).enumerate() {
            for v in 0..k {
                let qv = &self.q[v * w..(v + 1) * w];
                t[y * k + v] = row.iter().zip(qv).map(|(a, b)| a * b).sum();
            }
        }
        let mut x = vec![0.0; k * k];
        for u in 0..k {
            for y in 0..h {
                let puy = self.p[u * h + y];
                if puy != 0.0 {
                    for v in 0..k {
                        x[u * k + v] += puy * t[y * k + v];
                    }
                }
            }
        }
        x
    }

    /// The adjoint map `L = Pᵀ X Q`: the luma plane whose inner product with any image equals
    /// the inner product of `x` with that image's coefficients.
    pub fn adjoint(&self, x: &[f64]) -> Vec<f64> {
        let (k, w, h) = (self.k, self.width, self.height);
        assert_eq!(x.len(), k * k, "coefficient block of the wrong size");
        // S = Pᵀ X (h × k), then L = S Q.
        let mut out = vec![0.0; w * h];
        let mut s = vec![0.0; k];
        for y in 0..h {
            for (v, sv) in s.iter_mut().enumerate() {
                *sv = (0..k).map(|u| self.p[u * h + y] * x[u * k + v]).sum();
            }
            let row = &mut out[y * w..(y + 1) * w];
            for (v, &sv) in s.iter().enumerate() {
                let qv = &self.q[v * w..(v + 1) * w];
                for (o, &b) in row.iter_mut().zip(qv) {
                    *o += sv * b;
                }
            }
        }
        out
    }

    /// The smallest (L2) luma perturbation whose coefficients are exactly `dx`:
    /// `Pᵀ (P Pᵀ)⁻¹ ΔX (Q Qᵀ)⁻¹ Q`.
    pub fn least_norm(&self, dx: &[f64]) -> Vec<f64> {
        let k = self.k;
        let left = matmul(&self.gp_inv, dx, k, k, k);
        let both = matmul(&left, &self.gq_inv, k, k, k);
        self.adjoint(&both)
    }

    /// The energy a unit change of coefficient `i` alone costs in the least-norm solution:
    /// the diagonal of `(A Aᵀ)⁻¹`. High frequencies are attenuated by the blur, so they cost
    /// more to move.
    pub fn unit_cost(&self, i: usize) -> f64 {
        let (u, v) = (i / self.k, i % self.k);
        self.gp_inv[u * self.k + u] * self.gq_inv[v * self.k + v]
    }

    /// Standard deviation of coefficient `i` caused by independent uniform rounding of every
    /// luma value to an integer (variance 1/12 each): `‖row i of A‖ / √12`. The attacks use it
    /// as the unit of their safety margin.
    pub fn rounding_sigma(&self, i: usize) -> f64 {
        let (u, v) = (i / self.k, i % self.k);
        let norm = |m: &[f64], r: usize, n: usize| {
            m[r * n..(r + 1) * n].iter().map(|a| a * a).sum::<f64>().sqrt()
        };
        norm(&self.p, u, self.height) * norm(&self.q, v, self.width) / 12f64.sqrt()
    }

    /// The hash bits the algorithm derives from a coefficient block, in coefficient order, and
    /// the median used: PDQ sets a bit when the coefficient is above the lower median (the
    /// 128th smallest), pHash when it is above NumPy's median (mean of the two middle values).
    pub fn bits(&self, x: &[f64]) -> (Vec<bool>, f64) {
        let m = median(self.algorithm, x);
        (x.iter().map(|&c| c > m).collect(), m)
    }

    /// Position in the algorithm's bit string ([`crate::hash`] order, 0 = most significant)
    /// of coefficient `i` (row-major in the block): `255 − i` for PDQ, `i` for pHash.
    pub fn bit_position(&self, i: usize) -> usize {
        match self.algorithm {
            Algorithm::Pdq => self.k * self.k - 1 - i,
            _ => i,
        }
    }
}

/// The median the algorithm compares with (see [`LinearModel::bits`]).
pub fn median(algorithm: Algorithm, x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    match algorithm {
        Algorithm::Pdq => v[n.div_ceil(2) - 1],
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn too_small(algorithm: Algorithm, width: usize, height: usize) -> Error {
    Error::new(
        ErrorKind::Unhashable,
        format!("a {width}×{height} image is too small for the {algorithm} linear model"),
    )
}

/// PDQ along one axis of `n` pixels: the 64 × n matrix "box filter twice, keep the cell-centre
/// sample" (or the identity for a 64×64 image, which the reference does not blur).
fn pdq_axis(n: usize, skip: bool) -> Vec<f64> {
    let out = DOWNSAMPLED_SIDE;
    let mut m = vec![0.0; out * n];
    if skip {
        for i in 0..out {
            m[i * n + i] = 1.0;
        }
        return m;
    }
    let window = jarosz_window(n, out);
    // Output `o` of one pass is the mean of inputs `lo(o)..=hi(o)` (clipped to the line), the
    // running-sum filter of `pdq.rs`: it reaches `half − 1` ahead and `window − half` behind.
    let half = (window + 2) / 2;
    let range = |o: usize| {
        let lo = o.saturating_sub(window - half);
        let hi = (o + half - 1).min(n - 1);
        (lo, hi)
    };
    let mut once = vec![0.0; n];
    for i in 0..out {
        // Decimation keeps sample floor((i + 0.5) n / 64) (computed in f64, as the reference).
        let d = (((i as f64 + 0.5) * n as f64) / out as f64) as usize;
        once.iter_mut().for_each(|v| *v = 0.0);
        let (lo, hi) = range(d);
        let wgt = 1.0 / (hi - lo + 1) as f64;
        for v in &mut once[lo..=hi] {
            *v = wgt;
        }
        let row = &mut m[i * n..(i + 1) * n];
        for (j, &a) in once.iter().enumerate().filter(|(_, a)| **a != 0.0) {
            let (lo, hi) = range(j);
            let wgt = a / (hi - lo + 1) as f64;
            for v in &mut row[lo..=hi] {
                *v += wgt;
            }
        }
    }
    m
}

/// pHash along one axis of `n` pixels: Pillow's LANCZOS weights to 32 samples, 32 × n.
fn phash_axis(n: usize) -> Result<Vec<f64>> {
    let mut m = vec![0.0; IMAGE_SIZE * n];
    if n == IMAGE_SIZE {
        for i in 0..n {
            m[i * n + i] = 1.0;
        }
        return Ok(m);
    }
    for (i, taps) in
        resample_weights(n as u32, IMAGE_SIZE as u32, Filter::Lanczos)?.iter().enumerate()
    {
        for (j, &w) in taps.weights.iter().enumerate() {
            m[i * n + taps.start + j] = w;
        }
    }
    Ok(m)
}

/// The first 8 rows of SciPy's unnormalised 32-point DCT-II: `2 cos(π u (2n + 1) / 64)`.
fn phash_dct_rows() -> Vec<f64> {
    let n = IMAGE_SIZE;
    let mut c = vec![0.0; HASH_SIZE * n];
    for u in 0..HASH_SIZE {
        for x in 0..n {
            let angle = std::f64::consts::PI * (u * (2 * x + 1)) as f64 / (2 * n) as f64;
            c[u * n + x] = 2.0 * angle.cos();
        }
    }
    c
}

/// `a (r × m) · b (m × c)`, row-major.
fn matmul(a: &[f64], b: &[f64], r: usize, m: usize, c: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for l in 0..m {
            let a_il = a[i * m + l];
            if a_il != 0.0 {
                for (o, &bv) in out[i * c..(i + 1) * c].iter_mut().zip(&b[l * c..(l + 1) * c]) {
                    *o += a_il * bv;
                }
            }
        }
    }
    out
}

/// `M Mᵀ` for an `r × n` matrix.
fn gram(m: &[f64], r: usize, n: usize) -> Vec<f64> {
    let mut g = vec![0.0; r * r];
    for i in 0..r {
        for j in 0..r {
            g[i * r + j] =
                m[i * n..(i + 1) * n].iter().zip(&m[j * n..(j + 1) * n]).map(|(a, b)| a * b).sum();
        }
    }
    g
}

/// Inverse of a small square matrix by Gauss–Jordan elimination with partial pivoting;
/// `None` if it is (numerically) singular.
fn invert(a: &[f64]) -> Option<Vec<f64>> {
    let n = (a.len() as f64).sqrt() as usize;
    let mut m = a.to_vec();
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&x, &y| m[x * n + col].abs().total_cmp(&m[y * n + col].abs()))?;
        if m[pivot * n + col].abs() <= scale * 1e-12 {
            return None;
        }
        for j in 0..n {
            m.swap(col * n + j, pivot * n + j);
            inv.swap(col * n + j, pivot * n + j);
        }
        let d = m[col * n + col];
        for j in 0..n {
            m[col * n + j] /= d;
            inv[col * n + j] /= d;
        }
        for r in 0..n {
            if r != col {
                let f = m[r * n + col];
                if f != 0.0 {
                    for j in 0..n {
                        m[r * n + j] -= f * m[col * n + j];
                        inv[r * n + j] -= f * inv[col * n + j];
                    }
                }
            }
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(w: usize, h: usize) -> RgbImage {
        RgbImage::from_fn(w as u32, h as u32, |x, y| {
            let v = ((x * 7 + y * 13 + (x * y) / 5) % 251) as u8;
            image::Rgb([v, v.wrapping_mul(3), 255 - v])
        })
    }

    #[test]
    fn adjoint_is_the_transpose() {
        for algo in [Algorithm::Pdq, Algorithm::PHash] {
            let m = LinearModel::new(algo, 97, 70).unwrap();
            let l = m.luma(&pattern(97, 70));
            let n = m.side() * m.side();
            let x: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
            let lhs: f64 = m.forward(&l).iter().zip(&x).map(|(a, b)| a * b).sum();
            let rhs: f64 = m.adjoint(&x).iter().zip(&l).map(|(a, b)| a * b).sum();
            assert!((lhs - rhs).abs() <= 1e-9 * lhs.abs().max(1.0), "{algo}: {lhs} vs {rhs}");
        }
    }

    #[test]
    fn least_norm_moves_exactly_the_requested_coefficients() {
        for algo in [Algorithm::Pdq, Algorithm::PHash] {
            let m = LinearModel::new(algo, 120, 90).unwrap();
            let n = m.side() * m.side();
            let mut dx = vec![0.0; n];
            dx[3] = 2.0;
            dx[n - 2] = -1.5;
            let got = m.forward(&m.least_norm(&dx));
            for (g, w) in got.iter().zip(&dx) {
                assert!((g - w).abs() < 1e-8, "{algo}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn forward_matches_the_pdq_stages() {
        let img = pattern(200, 150);
        let m = LinearModel::new(Algorithm::Pdq, 200, 150).unwrap();
        let x = m.forward(&m.luma(&img));
        let luma = crate::algorithms::pdq::rgb_to_pdq_luma(&img);
        let st = crate::algorithms::pdq::pdq_stages(&luma, 200, 150).unwrap();
        for (i, &c) in x.iter().enumerate() {
            let r = f64::from(st.dct[i / 16][i % 16]);
            assert!((c - r).abs() < 1e-3, "coefficient {i}: {c} vs {r}");
        }
    }

    #[test]
    fn small_images_and_other_algorithms_are_errors() {
        assert!(LinearModel::new(Algorithm::Pdq, 15, 100).is_err());
        assert!(LinearModel::new(Algorithm::AHash, 100, 100).is_err());
        assert!(LinearModel::new(Algorithm::PHash, 100, 100).is_ok());
    }
}
