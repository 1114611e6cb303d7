//! wHash, the Haar wavelet hash: "which 8 × 8 blocks are brighter than the median block,
//! once the overall brightness is removed?"
//!
//! # Idea
//!
//! The Haar wavelet transform repeatedly splits an image into a half-size *average* image
//! (LL) and three *detail* images (horizontal, vertical and diagonal differences). After `k`
//! levels the LL band is, up to a constant factor, the image averaged over `2ᵏ × 2ᵏ` blocks.
//! wHash thresholds an 8 × 8 LL band at its median — an aHash with a block-average thumbnail
//! and a median threshold — after first removing the image's overall mean brightness with a
//! full-depth transform.
//!
//! # Steps (imagehash 4.3.2 `whash(image, hash_size=8, image_scale=None, mode="haar",
//! remove_max_haar_ll=True)`)
//!
//! 1. Greyscale: Pillow "L" (done by the caller).
//! 2. `image_scale = max(2^⌊log₂ min(width, height)⌋, 8)`: the largest power of two not
//!    above the shorter side (at least 8). A 512 × 341 image uses 256, a 6000 × 4000 one 2048.
//! 3. Resize to `image_scale × image_scale` with Pillow's LANCZOS filter; divide by 255 (`f64`).
//! 4. Remove the lowest frequency: a Haar `wavedec2` of full depth `L = log₂ image_scale`
//!    leaves a 1 × 1 LL band (the scaled mean); set it to zero and reconstruct with
//!    `waverec2`. The result is the thumbnail minus its mean (up to rounding).
//! 5. A Haar `wavedec2` of depth `L − 3` of that; its LL band is 8 × 8.
//! 6. Median of the 64 LL values (numpy: mean of the two middle ones); bit `p = row·8 + col`
//!    is set when LL value `(row, col)` is **strictly** greater than the median.
//!
//! The transforms follow PyWavelets 1.8 exactly, operation by operation in `f64`, so that
//! values which are equal in real arithmetic are equal here too (flat regions produce many
//! ties with the median): with `s = 1/√2` (PyWavelets' `0.7071067811865476`), one level along
//! an axis maps each pair `(x₀, x₁)` to `a = s·x₁ + s·x₀` and `d = s·x₀ − s·x₁`, first down
//! the columns (axis 0) and then along the rows (axis 1); reconstruction maps `(a, d)` back
//! to `(s·a + s·d, s·a − s·d)`, rows first, then columns.
//!
//! # Bit order
//!
//! Row-major over the 8 × 8 LL band, most significant bit first; the hex is what
//! `str(imagehash.whash(img))` prints.
//!
//! # Complexity
//!
//! Resize `O(width · height)`, then `O(image_scale²)` for the transforms (each level reads
//! and writes memory row by row, ping-ponging between two `image_scale²` buffers of `f64`
//! that each thread keeps for the next image: 64 MiB for a 2048 px shorter side; imagehash's
//! choice of working at the image's own scale makes wHash the most memory-hungry of the four).
//!
//! # Known weaknesses
//!
//! - Like aHash, it only sees block brightness: gradients and overlays move blocks across the
//!   median; flat images tie and give few set bits (a constant image hashes to all zeros).
//! - The working resolution depends on the image size, so the same picture at very different
//!   sizes goes through different resamplings.
//! - Not robust to crops, rotations or mirroring.

use image::GrayImage;

use crate::error::{Error, ErrorKind, Result};
use crate::hash::Bits64;
use crate::preprocess::pillow::{resize, Filter};

use super::phash::median;

/// Side of the hash grid (imagehash's default `hash_size`).
pub const HASH_SIZE: usize = 8;

/// PyWavelets' Haar filter coefficient, `1/√2` rounded to `f64`.
const S: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// The intermediate stages of [`whash`], for teaching and drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct WHashStages {
    /// `image_scale`: the side of the square working image, a power of two ≥ 8.
    pub image_scale: u32,
    /// The `image_scale × image_scale` LANCZOS thumbnail.
    pub thumbnail: GrayImage,
    /// The thumbnail divided by 255 with its lowest Haar frequency removed (row-major,
    /// `image_scale²` values; only [`whash_stages`] fills it, [`whash`] leaves it empty).
    pub without_mean: Vec<f64>,
    /// The 8×8 LL band the hash is taken from.
    pub ll: [[f64; HASH_SIZE]; HASH_SIZE],
    /// Median of the 64 LL values.
    pub median: f64,
    /// The hash.
    pub hash: Bits64,
}

/// The working size imagehash picks for an image with sides `width` and `height`:
/// `max(2^⌊log₂ min(width, height)⌋, 8)`.
///
/// ```
/// use hashscope::algorithms::whash::image_scale;
/// assert_eq!(image_scale(512, 341), 256);
/// assert_eq!(image_scale(3, 1000), 8);
/// assert_eq!(image_scale(1024, 1024), 1024);
/// ```
pub fn image_scale(width: u32, height: u32) -> u32 {
    let m = width.min(height);
    if m == 0 {
        return HASH_SIZE as u32;
    }
    (1u32 << (31 - m.leading_zeros())).max(HASH_SIZE as u32)
}

/// wHash of a Pillow-"L" image (see the [module docs](self)).
///
/// Errors with [`ErrorKind::Unhashable`] on an empty image.
///
/// ```
/// use hashscope::algorithms::whash::whash;
/// // Left half dark, right half bright.
/// let img = image::GrayImage::from_fn(64, 64, |x, _| image::Luma([if x < 32 { 20 } else { 220 }]));
/// assert_eq!(whash(&img).unwrap().to_hex(), "0f0f0f0f0f0f0f0f");
/// ```
pub fn whash(luma: &GrayImage) -> Result<Bits64> {
    Ok(compute(luma, false)?.hash)
}

/// wHash with its intermediate stages.
pub fn whash_stages(luma: &GrayImage) -> Result<WHashStages> {
    compute(luma, true)
}

/// Reusable working memory of [`compute`]: the image and a second buffer the Haar levels
/// write into (ping-pong), so a level never reads a value it has already overwritten.
struct Work {
    buf: Vec<f64>,
    tmp: Vec<f64>,
}

thread_local! {
    static WORK: std::cell::RefCell<Work> =
        const { std::cell::RefCell::new(Work { buf: Vec::new(), tmp: Vec::new() }) };
}

/// `i / 255` for every 8-bit value, computed once (the same `f64` division as before).
fn unit_scale() -> &'static [f64; 256] {
    static TABLE: std::sync::OnceLock<[f64; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| i as f64 / 255.0))
}

/// The computation; `without_mean` is only kept (copied) when `keep_stages` is set.
fn compute(luma: &GrayImage, keep_stages: bool) -> Result<WHashStages> {
    let (w, h) = luma.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::new(ErrorKind::Unhashable, format!("image has zero size ({w}×{h})")));
    }
    let scale = image_scale(w, h);
    let thumbnail = resize(luma, scale, scale, Filter::Lanczos)?;
    // The buffers are per thread and reused; a re-entrant call (impossible today) would get
    // fresh ones.
    let mut fresh = Work { buf: Vec::new(), tmp: Vec::new() };
    let stages = WORK.with(|cell| match cell.try_borrow_mut() {
        Ok(mut work) => transform(thumbnail, scale, keep_stages, &mut work),
        Err(_) => transform(thumbnail, scale, keep_stages, &mut fresh),
    });
    Ok(stages)
}

/// Steps 3–6 on the `scale × scale` thumbnail.
fn transform(thumbnail: GrayImage, scale: u32, keep_stages: bool, work: &mut Work) -> WHashStages {
    let n = scale as usize;
    let levels = scale.trailing_zeros() as usize; // log2(image_scale)
    let table = unit_scale();
    let Work { buf, tmp } = work;
    buf.clear();
    buf.extend(thumbnail.as_raw().iter().map(|&p| table[usize::from(p)]));
    tmp.clear();
    tmp.resize(n * n, 0.0);

    // Remove the lowest frequency: full-depth decomposition, zero the 1×1 LL, reconstruct.
    for level in 0..levels {
        haar_forward(buf, tmp, n, n >> level);
    }
    buf[0] *= 0.0;
    for level in (0..levels).rev() {
        haar_inverse(buf, tmp, n, n >> level);
    }
    let without_mean = if keep_stages { buf.clone() } else { Vec::new() };

    // Decompose down to an 8×8 LL band.
    let hash_levels = levels - HASH_SIZE.trailing_zeros() as usize;
    for level in 0..hash_levels {
        haar_forward(buf, tmp, n, n >> level);
    }
    let mut ll = [[0.0f64; HASH_SIZE]; HASH_SIZE];
    for (r, row) in ll.iter_mut().enumerate() {
        row.copy_from_slice(&buf[r * n..r * n + HASH_SIZE]);
    }
    let flat: Vec<f64> = ll.iter().flatten().copied().collect();
    let median = median(&flat);
    let mut hash = Bits64::zero();
    for (p, &v) in flat.iter().enumerate() {
        hash.set(p, v > median);
    }
    WHashStages { image_scale: scale, thumbnail, without_mean, ll, median, hash }
}

/// One 2-D Haar analysis level on the top-left `m × m` block of the row-major `n`-wide
/// buffer `buf` (with `tmp`, of the same size, as working memory): afterwards the block holds
/// `[LL, LH; HL, HH]` (approximation top-left, details elsewhere), as PyWavelets' `dwt2`
/// computes them (axis 0, then axis 1).
///
/// Both passes walk memory row by row (a column-by-column walk over a large image misses the
/// cache on every value); each output value is the same expression as in PyWavelets.
fn haar_forward(buf: &mut [f64], tmp: &mut [f64], n: usize, m: usize) {
    let half = m / 2;
    // Axis 0: pairs of rows of `buf` → approximations in the top half of `tmp`, details in
    // the bottom half.
    for k in 0..half {
        let x0 = &buf[2 * k * n..][..m];
        let x1 = &buf[(2 * k + 1) * n..][..m];
        let (top, bottom) = tmp.split_at_mut((half + k) * n);
        let a = &mut top[k * n..][..m];
        let d = &mut bottom[..m];
        for c in 0..m {
            a[c] = S * x1[c] + S * x0[c];
            d[c] = -S * x1[c] + S * x0[c];
        }
    }
    // Axis 1: pairs of columns of `tmp` → approximations in the left half of `buf`, details
    // in the right half.
    for row in 0..m {
        let src = &tmp[row * n..][..m];
        let (a, d) = buf[row * n..][..m].split_at_mut(half);
        for (k, pair) in src.chunks_exact(2).enumerate() {
            let (x0, x1) = (pair[0], pair[1]);
            a[k] = S * x1 + S * x0;
            d[k] = -S * x1 + S * x0;
        }
    }
}

/// Inverse of [`haar_forward`] (PyWavelets' `idwt2`: axis 1 first, then axis 0), with the
/// same buffers.
fn haar_inverse(buf: &mut [f64], tmp: &mut [f64], n: usize, m: usize) {
    let half = m / 2;
    // Axis 1: each row's (approximation, detail) halves of `buf` → interleaved pairs in `tmp`.
    for row in 0..m {
        let (a, d) = buf[row * n..][..m].split_at(half);
        let dst = &mut tmp[row * n..][..m];
        for (k, pair) in dst.chunks_exact_mut(2).enumerate() {
            pair[0] = S * a[k] + S * d[k];
            pair[1] = S * a[k] + -S * d[k];
        }
    }
    // Axis 0: rows `k` (approximation) and `half + k` (detail) of `tmp` → rows `2k` and
    // `2k + 1` of `buf`.
    for k in 0..half {
        let a = &tmp[k * n..][..m];
        let d = &tmp[(half + k) * n..][..m];
        let (even, odd) = buf[2 * k * n..].split_at_mut(n);
        let (even, odd) = (&mut even[..m], &mut odd[..m]);
        for c in 0..m {
            even[c] = S * a[c] + S * d[c];
            odd[c] = S * a[c] + -S * d[c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haar_round_trip() {
        let n = 16;
        let orig: Vec<f64> = (0..n * n).map(|i| ((i * 37) % 101) as f64 / 7.0).collect();
        let mut buf = orig.clone();
        let mut tmp = vec![0.0; n * n];
        for l in 0..4 {
            haar_forward(&mut buf, &mut tmp, n, n >> l);
        }
        // The 1×1 LL is the sum scaled by s⁸ = 1/16, i.e. n·mean.
        let mean = orig.iter().sum::<f64>() / (n * n) as f64;
        assert!((buf[0] - mean * n as f64).abs() < 1e-9);
        for l in (0..4).rev() {
            haar_inverse(&mut buf, &mut tmp, n, n >> l);
        }
        for (a, b) in buf.iter().zip(&orig) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn filter_coefficient_is_pywavelets() {
        assert_eq!(S.to_bits(), 0x3FE6_A09E_667F_3BCD);
    }

    #[test]
    fn small_synthetic_images_match_imagehash() {
        // Expected values printed by imagehash 4.3.2 + Pillow 13.0.0 for the same images.
        let mut px8 = GrayImage::new(8, 8);
        px8.put_pixel(5, 2, image::Luma([255]));
        assert_eq!(whash(&px8).unwrap().to_hex(), "00000c0c00000000");
        let diag = GrayImage::from_fn(9, 8, |x, y| image::Luma([if x > y { 100 } else { 50 }]));
        assert_eq!(whash(&diag).unwrap().to_hex(), "7f3f1f0f0f070301");
        let ramp = GrayImage::from_fn(32, 32, |x, _| image::Luma([255 - (x * 8) as u8]));
        assert_eq!(whash(&ramp).unwrap().to_hex(), "f0f0f0f0f0f0f0f0");
    }

    #[test]
    fn scale_choice() {
        assert_eq!(image_scale(1, 1), 8);
        assert_eq!(image_scale(8, 9), 8);
        assert_eq!(image_scale(16, 300), 16);
        assert_eq!(image_scale(255, 256), 128);
        assert_eq!(image_scale(6000, 4000), 2048);
    }

    #[test]
    fn constant_image_is_all_zero() {
        for v in [0u8, 128, 255] {
            let s = whash_stages(&GrayImage::from_pixel(50, 70, image::Luma([v]))).unwrap();
            assert_eq!(s.image_scale, 32);
            assert_eq!(s.hash, Bits64::zero(), "value {v}");
        }
    }

    #[test]
    fn quadrant_and_tiny_images() {
        // Top-left quadrant bright on a 16×16 image: LL blocks of 2×2, rows 0–3, cols 0–3.
        let img =
            GrayImage::from_fn(16, 16, |x, y| image::Luma([if x < 8 && y < 8 { 250 } else { 5 }]));
        assert_eq!(whash(&img).unwrap().to_hex(), "f0f0f0f000000000");
        // 1×1 and 2×1 images work at scale 8 (imagehash 4.3.2 agrees on both).
        let one = GrayImage::from_pixel(1, 1, image::Luma([77]));
        assert_eq!(whash(&one).unwrap(), Bits64::zero());
        let two = GrayImage::from_raw(2, 1, vec![0, 255]).unwrap();
        assert_eq!(whash(&two).unwrap().to_hex(), "0f0f0f0f0f0f0f0f");
        assert_eq!(whash(&GrayImage::new(3, 0)).unwrap_err().kind(), ErrorKind::Unhashable);
    }

    #[test]
    fn deterministic() {
        let img = GrayImage::from_fn(70, 45, |x, y| image::Luma([((x * 11 + y * y) % 256) as u8]));
        assert_eq!(whash(&img).unwrap(), whash(&img).unwrap());
    }
}
