//! pHash, the DCT perceptual hash: "which low-frequency patterns does the image contain more
//! of than the typical one?"
//!
//! # Idea
//!
//! Describe the image by how much of each *cosine pattern* it contains — slow horizontal and
//! vertical waves of brightness, as in JPEG — and keep only the slowest 8 × 8 patterns. These
//! capture the overall composition and are hardly touched by noise, compression, small
//! brightness changes or rescaling. One bit per pattern: is its weight above the median?
//!
//! # Steps (imagehash 4.3.2 `phash(image, hash_size=8, highfreq_factor=4)`)
//!
//! 1. Greyscale: Pillow "L" (done by the caller).
//! 2. Resize to 32 × 32 with Pillow's LANCZOS filter (`hash_size · highfreq_factor`): four
//!    times finer than the hash, so that the DCT sees real frequencies, not just block means.
//! 3. 2-D DCT-II, unnormalised, as `scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0),
//!    axis=1)`: first down every column, then along every row, with
//!    `X[k] = 2 · Σₙ x[n] · cos(π·k·(2n+1) / 64)`. Coefficient `(0, 0)` is 4 × the pixel
//!    sum; `(u, v)` measures the pattern with `u` half-waves vertically and `v` horizontally.
//! 4. Keep the top-left 8 × 8 coefficients — **including** the DC term `(0, 0)`, which in
//!    practice is always the largest and so always a 1 bit.
//! 5. Median of these 64 values (numpy: the mean of the 32nd and 33rd smallest).
//! 6. Bit `p = u·8 + v` is set when coefficient `(u, v)` is **strictly** greater than the median.
//!
//! # How the DCT is computed here
//!
//! SciPy computes the DCT through an FFT (pocketfft); we use the classic even/odd split
//! instead: pairing `x[n]` with `x[31 − n]`, the even coefficients are a DCT of half the length
//! of the sums (computed recursively) and the odd ones a direct sum over the differences. Both
//! are exact in real arithmetic and differ only in the last bits of `f64`. The split has one
//! property that matters for hashing: like pocketfft, it produces coefficients that are
//! *exactly* zero whenever symmetry says so (constant rows or columns, mirror-symmetric or
//! linear ramps), so median ties on synthetic images resolve the same way. For natural images
//! the nearest coefficient to the median was at least 3·10⁻⁷ (relative) away on all ~450
//! fixtures, eight orders of magnitude above the rounding differences, so the bits agree.
//!
//! # Bit order
//!
//! Row-major over the 8 × 8 coefficients (vertical frequency `u` = row, horizontal `v` =
//! column), most significant bit first; the hex is what `str(imagehash.phash(img))` prints.
//!
//! # Complexity
//!
//! The resize dominates: `O(width · height)`. The DCT is a few thousand multiply-adds.
//!
//! # Known weaknesses
//!
//! - Global: a crop, rotation or mirror changes most coefficients (a horizontal mirror flips
//!   the sign, and so often the bit, of every odd-`v` coefficient).
//! - Flat or symmetric images have many coefficients equal to zero, all tied with the median,
//!   which makes their hashes uninformative; a constant image hashes to `8000000000000000`
//!   (only the DC term is above the median of zero) and matches every other constant image.
//! - Bits of coefficients close to the median are fragile under re-encoding.

use image::GrayImage;

use crate::error::Result;
use crate::hash::Bits64;
use crate::preprocess::pillow::{resize, Filter};

/// Side of the hash grid (imagehash's default `hash_size`).
pub const HASH_SIZE: usize = 8;
/// Side of the thumbnail the DCT is taken of (`hash_size · highfreq_factor` = 8 · 4).
pub const IMAGE_SIZE: usize = 32;

/// The intermediate stages of [`phash`], for teaching and drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct PHashStages {
    /// The 32×32 LANCZOS thumbnail.
    pub thumbnail: GrayImage,
    /// The low-frequency DCT coefficients, `dct[u][v]` (`u` vertical, `v` horizontal).
    pub dct: [[f64; HASH_SIZE]; HASH_SIZE],
    /// Median of the 64 coefficients.
    pub median: f64,
    /// The hash.
    pub hash: Bits64,
}

/// pHash of a Pillow-"L" image (see the [module docs](self)).
///
/// Errors with [`ErrorKind::Unhashable`](crate::ErrorKind::Unhashable) on an empty image.
///
/// ```
/// use hashscope::algorithms::phash::phash;
/// let flat = image::GrayImage::from_pixel(100, 60, image::Luma([42]));
/// assert_eq!(phash(&flat).unwrap().to_hex(), "8000000000000000");
/// ```
pub fn phash(luma: &GrayImage) -> Result<Bits64> {
    Ok(phash_stages(luma)?.hash)
}

/// pHash with its intermediate stages.
pub fn phash_stages(luma: &GrayImage) -> Result<PHashStages> {
    let thumbnail = resize(luma, IMAGE_SIZE as u32, IMAGE_SIZE as u32, Filter::Lanczos)?;
    let px = thumbnail.as_raw();

    // Axis 0: a DCT down each column. Only the first 8 rows of the result are needed.
    let mut cols = [[0.0f64; IMAGE_SIZE]; HASH_SIZE]; // cols[u][x]
    let mut column = [0.0f64; IMAGE_SIZE];
    let mut spectrum = [0.0f64; IMAGE_SIZE];
    for x in 0..IMAGE_SIZE {
        for (y, c) in column.iter_mut().enumerate() {
            *c = f64::from(px[y * IMAGE_SIZE + x]);
        }
        dct_ii(&column, &mut spectrum);
        for (u, row) in cols.iter_mut().enumerate() {
            row[x] = spectrum[u];
        }
    }
    // Axis 1: a DCT along each of those rows; keep the first 8 coefficients.
    let mut dct = [[0.0f64; HASH_SIZE]; HASH_SIZE];
    for (u, row) in cols.iter().enumerate() {
        dct_ii(row, &mut spectrum);
        dct[u].copy_from_slice(&spectrum[..HASH_SIZE]);
    }

    let flat: Vec<f64> = dct.iter().flatten().copied().collect();
    let median = median(&flat);
    let mut hash = Bits64::zero();
    for (p, &c) in flat.iter().enumerate() {
        hash.set(p, c > median);
    }
    Ok(PHashStages { thumbnail, dct, median, hash })
}

/// numpy's median: the middle value, or the mean of the two middle values.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Unnormalised DCT-II, `y[k] = 2 Σₙ x[n] cos(π k (2n+1) / 2N)`, for `N` a power of two
/// up to 32 (`x.len() == y.len()`), by the recursive even/odd split described in the
/// module docs.
fn dct_ii(x: &[f64], y: &mut [f64]) {
    let n = x.len();
    if n == 1 {
        y[0] = 2.0 * x[0];
        return;
    }
    let m = n / 2;
    let mut sums = [0.0f64; IMAGE_SIZE / 2];
    let mut diffs = [0.0f64; IMAGE_SIZE / 2];
    for i in 0..m {
        sums[i] = x[i] + x[n - 1 - i];
        diffs[i] = x[i] - x[n - 1 - i];
    }
    // Even outputs: a half-length DCT-II of the sums.
    let mut even = [0.0f64; IMAGE_SIZE / 2];
    dct_ii(&sums[..m], &mut even[..m]);
    for k in 0..m {
        y[2 * k] = even[k];
    }
    // Odd outputs: direct sums over the differences (exactly 0 when they all are).
    let cosines = odd_cosines(n);
    for k in 0..m {
        let mut s = 0.0;
        for (&d, &c) in diffs[..m].iter().zip(&cosines[k * m..(k + 1) * m]) {
            s += d * c;
        }
        y[2 * k + 1] = 2.0 * s;
    }
}

/// The cosines of the odd outputs of [`dct_ii`] of length `n` (2, 4, …, 32), row `k` holding
/// `cos(π/(2n) · (2k+1) · (2i+1))` for `i = 0..n/2`: computed once, with the same `f64`
/// expression a direct evaluation would use, instead of once per image.
fn odd_cosines(n: usize) -> &'static [f64] {
    static TABLES: std::sync::OnceLock<Vec<Vec<f64>>> = std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        // Index `l` holds the table for n = 2^(l+1).
        (1..=IMAGE_SIZE.trailing_zeros())
            .map(|l| {
                let n = 1usize << l;
                let m = n / 2;
                let step = std::f64::consts::PI / (2 * n) as f64;
                (0..m * m)
                    .map(|j| {
                        let (k, i) = (j / m, j % m);
                        let freq = (2 * k + 1) as f64;
                        (step * freq * (2 * i + 1) as f64).cos()
                    })
                    .collect()
            })
            .collect()
    });
    &tables[n.trailing_zeros() as usize - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn naive_dct(x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..n)
            .map(|k| {
                2.0 * x
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        v * (std::f64::consts::PI * (k * (2 * i + 1)) as f64 / (2 * n) as f64).cos()
                    })
                    .sum::<f64>()
            })
            .collect()
    }

    #[test]
    fn split_dct_equals_definition() {
        let x: Vec<f64> = (0..32).map(|i| ((i * 37 + 11) % 256) as f64).collect();
        let mut y = [0.0; 32];
        dct_ii(&x, &mut y);
        for (a, b) in y.iter().zip(naive_dct(&x)) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        // Exact structural zeros: a constant and a linear ramp.
        dct_ii(&[5.0; 32], &mut y);
        assert_eq!(y[0], 320.0);
        assert!(y[1..].iter().all(|&v| v == 0.0));
        let ramp: Vec<f64> = (0..32).map(|i| (3 * i) as f64).collect();
        dct_ii(&ramp, &mut y);
        assert!(y[2..].iter().step_by(2).all(|&v| v == 0.0));
    }

    #[test]
    fn numpy_median() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    #[test]
    fn constant_image() {
        for v in [0u8, 1, 200] {
            let s = phash_stages(&GrayImage::from_pixel(40, 30, image::Luma([v]))).unwrap();
            // All AC coefficients are exactly 0, so the median is 0 and only DC can be above
            // it (for a black image nothing is: all zero bits).
            assert_eq!(s.median, 0.0);
            let want = if v == 0 { "0000000000000000" } else { "8000000000000000" };
            assert_eq!(s.hash.to_hex(), want, "value {v}");
        }
    }

    #[test]
    fn horizontal_ramp() {
        // A left-to-right ramp on a 32×32 image (no resampling): only row u = 0 has non-zero
        // coefficients, and of those only DC and odd v; the odd ones are negative (dark left).
        // Median = 0, so only DC is set. imagehash 4.3.2 agrees.
        let img = GrayImage::from_fn(32, 32, |x, _| image::Luma([(x * 8) as u8]));
        let s = phash_stages(&img).unwrap();
        assert!(s.dct[0][1] < 0.0 && s.dct[0][2] == 0.0 && s.dct[1][0] == 0.0);
        assert_eq!(s.hash.to_hex(), "8000000000000000");
        // Mirrored (bright left): the odd coefficients of row 0 become positive.
        let img = GrayImage::from_fn(32, 32, |x, _| image::Luma([(255 - x * 8) as u8]));
        assert_eq!(phash(&img).unwrap().to_hex(), "d500000000000000");
    }

    #[test]
    fn tiny_images() {
        let one = GrayImage::from_pixel(1, 1, image::Luma([9]));
        assert_eq!(phash(&one).unwrap().to_hex(), "8000000000000000");
        // 2×1 dark→bright: an edge, not a ramp, so besides DC some odd-v coefficients of
        // row 0 survive (imagehash 4.3.2 prints 9400000000000000).
        let two = GrayImage::from_raw(2, 1, vec![0, 255]).unwrap();
        assert_eq!(phash(&two).unwrap().to_hex(), "9400000000000000");
        assert_eq!(phash(&GrayImage::new(0, 0)).unwrap_err().kind(), ErrorKind::Unhashable);
    }

    #[test]
    fn small_synthetic_images_match_imagehash() {
        // Expected values printed by imagehash 4.3.2 + Pillow 13.0.0 for the same images.
        let q8 =
            GrayImage::from_fn(8, 8, |x, y| image::Luma([if x >= 4 && y >= 4 { 255 } else { 0 }]));
        assert_eq!(phash(&q8).unwrap().to_hex(), "9966669999669999");
        let mut px8 = GrayImage::new(8, 8);
        px8.put_pixel(5, 2, image::Luma([255]));
        assert_eq!(phash(&px8).unwrap().to_hex(), "92926d6d6db69292");
        let diag = GrayImage::from_fn(9, 8, |x, y| image::Luma([if x > y { 100 } else { 50 }]));
        assert_eq!(phash(&diag).unwrap().to_hex(), "808040a050a8542a");
        let q16 =
            GrayImage::from_fn(16, 16, |x, y| image::Luma([if x < 8 && y < 8 { 250 } else { 5 }]));
        assert_eq!(phash(&q16).unwrap().to_hex(), "cccc3233cdcc3333");
        let lr = GrayImage::from_fn(64, 64, |x, _| image::Luma([if x < 32 { 0 } else { 255 }]));
        assert_eq!(phash(&lr).unwrap().to_hex(), "9100000000000000");
    }

    #[test]
    fn deterministic() {
        let img = GrayImage::from_fn(61, 47, |x, y| image::Luma([((x * 5) ^ (y * 9)) as u8]));
        assert_eq!(phash(&img).unwrap(), phash(&img).unwrap());
    }
}
