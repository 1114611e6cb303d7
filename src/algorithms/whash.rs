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
//! # The same bits, mostly without the transforms
//!
//! Every step from the thumbnail to the 8 × 8 LL band is linear, so in exact arithmetic
//! each LL value is the same increasing affine function of its block's sum of 8-bit pixels,
//! and "LL value > median" is "block sum > median block sum". The `f64` rounding of the
//! transforms can only change a bit whose block sum *equals* the median block sum (a tie;
//! otherwise the margin exceeds the rounding error by a factor of millions at usual sizes,
//! see `hash_from_block_sums`). So [`whash`] sums the thumbnail's blocks in integers and reads
//! the hash from them; only when a block sum ties with the median (flat images: 3 of the
//! 398 corpus images) does it run the transforms, whose rounding then decides, bit for bit
//! as in imagehash. [`whash_stages`] always runs them.
//!
//! # Bit order
//!
//! Row-major over the 8 × 8 LL band, most significant bit first; the hex is what
//! `str(imagehash.whash(img))` prints.
//!
//! # Complexity
//!
//! Resize `O(width · height)`, then one pass over the `image_scale²` thumbnail for the
//! block sums. When the transforms run (ties, stages), `O(image_scale²)`: each level reads
//! and writes the image once, a pair of rows at a time through both axes, with the detail
//! bands it must keep in a second `image_scale²` buffer of `f64`; each thread keeps both for
//! the next image: 64 MiB for a 2048 px shorter side (imagehash's choice of working at the
//! image's own scale makes wHash the most memory-hungry of the four). The second
//! decomposition computes only the approximation band the hash reads, its first level fed
//! row pair by row pair from the last reconstruction level.
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
    hash(luma, None)
}

/// wHash at a given working size `image_scale` instead of the one [`image_scale`] derives
/// from `luma`'s own size. For an image decoded at reduced size
/// ([`HasherConfig::fast_decode`](crate::HasherConfig::fast_decode)), the hasher passes the
/// stored size's `image_scale`, so that the transform is the exact path's and only the
/// thumbnail's source pixels differ.
///
/// Errors with [`ErrorKind::InvalidArgument`] unless `image_scale` is a power of two ≥ 8,
/// and with [`ErrorKind::Unhashable`] on an empty image.
///
/// ```
/// use hashscope::algorithms::whash::{whash, whash_at_scale};
/// let img = image::GrayImage::from_fn(64, 64, |x, _| image::Luma([if x < 32 { 20 } else { 220 }]));
/// assert_eq!(whash_at_scale(&img, 64).unwrap(), whash(&img).unwrap());
/// assert_eq!(whash_at_scale(&img, 128).unwrap().to_hex(), "0f0f0f0f0f0f0f0f");
/// assert!(whash_at_scale(&img, 100).is_err());
/// ```
pub fn whash_at_scale(luma: &GrayImage, image_scale: u32) -> Result<Bits64> {
    if !image_scale.is_power_of_two() || (image_scale as usize) < HASH_SIZE {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("wHash working size {image_scale} is not a power of two ≥ {HASH_SIZE}"),
        ));
    }
    hash(luma, Some(image_scale))
}

/// wHash with its intermediate stages.
pub fn whash_stages(luma: &GrayImage) -> Result<WHashStages> {
    let (thumbnail, scale) = thumbnail(luma, None)?;
    Ok(transform_with_thread_buffers(thumbnail, scale, true))
}

/// Reusable working memory of [`transform`]: the image (with the approximation and the
/// top-right detail bands as the levels go), the bottom detail bands, and two rows.
struct Work {
    buf: Vec<f64>,
    bottom: Vec<f64>,
    rows: Vec<f64>,
}

impl Work {
    const fn new() -> Work {
        Work { buf: Vec::new(), bottom: Vec::new(), rows: Vec::new() }
    }
}

thread_local! {
    static WORK: std::cell::RefCell<Work> = const { std::cell::RefCell::new(Work::new()) };
}

/// `i / 255` for every 8-bit value, computed once (the same `f64` division as before).
fn unit_scale() -> &'static [f64; 256] {
    static TABLE: std::sync::OnceLock<[f64; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| i as f64 / 255.0))
}

/// The hash at working size `scale` (default: [`image_scale`] of `luma`): from the
/// thumbnail's block sums when they decide it ([`hash_from_block_sums`]), else through the
/// transforms.
fn hash(luma: &GrayImage, scale: Option<u32>) -> Result<Bits64> {
    let (thumbnail, scale) = thumbnail(luma, scale)?;
    match hash_from_block_sums(thumbnail.as_raw(), scale as usize) {
        Some(hash) => Ok(hash),
        None => Ok(transform_with_thread_buffers(thumbnail, scale, false).hash),
    }
}

/// Steps 2 and 3: the `scale × scale` LANCZOS thumbnail (default `scale`: [`image_scale`] of
/// `luma`) and its side.
fn thumbnail(luma: &GrayImage, scale: Option<u32>) -> Result<(GrayImage, u32)> {
    let (w, h) = luma.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::new(ErrorKind::Unhashable, format!("image has zero size ({w}×{h})")));
    }
    let scale = scale.unwrap_or_else(|| image_scale(w, h));
    Ok((resize(luma, scale, scale, Filter::Lanczos)?, scale))
}

/// Deepest working size (`2^MAX_BLOCK_SUM_LEVELS`) for which [`hash_from_block_sums`] is
/// proven to give the transforms' bits; larger thumbnails always go through the transforms.
const MAX_BLOCK_SUM_LEVELS: u32 = 16;

/// The hash read from the exact integer sums of the thumbnail's 8 × 8 blocks, or `None`
/// when a block sum ties with their median (then, as in imagehash, only the rounding of the
/// `f64` transforms decides: the caller runs them).
///
/// Why this gives the transforms' bits: every step of steps 3–5 is linear (the Haar levels,
/// with PyWavelets' rounded `s`, analyse and synthesise to `(2s²)ᵏ` times the input; zeroing
/// the 1 × 1 band subtracts the same constant from every pixel), so in exact arithmetic
/// each LL value is `α·sᵢ − β` with the same `α > 0` and `β` for all 64 blocks, where `sᵢ`
/// is block `i`'s sum of 8-bit values, and the median is `α·m − β` with `m` the integer
/// blocks' median. Where no `sᵢ` equals `m`, every `|sᵢ − m| ≥ 1/2`, so every LL value
/// lies at least `α/2 ≈ 1 / (510 · 2^(L−3))` from the median (`L = log₂ scale`). The `f64`
/// transforms are orthonormal up to rounding: one axis of one level (two products and a
/// sum per output) adds an error vector of norm at most `2√2·u` (`u = 2⁻⁵³`) times the
/// norm of its input, which is at most the thumbnail's, `≤ 2^L` (values `≤ 1`), and later
/// levels do not amplify it. Over the `6L − 6` axis-levels (plus the division by 255), any
/// value, and so the median, is off by less than `18·L·u·2^L`: twice that is smaller than
/// the margin by a factor of more than 50 at `L = 16` (a 65536-pixel working size), seven
/// million at `L = 8`. So every comparison with the median comes out as in exact
/// arithmetic, i.e. as here. The tests check it against the transforms on noise and on
/// blocks half a unit of block sum either side of the median.
fn hash_from_block_sums(pixels: &[u8], n: usize) -> Option<Bits64> {
    if !n.is_power_of_two() || n < HASH_SIZE || n.trailing_zeros() > MAX_BLOCK_SUM_LEVELS {
        return None;
    }
    debug_assert_eq!(pixels.len(), n * n);
    let b = n / HASH_SIZE;
    let mut sums = [0u64; HASH_SIZE * HASH_SIZE];
    for (r, row) in pixels.chunks_exact(n).enumerate() {
        let block_row = &mut sums[(r / b) * HASH_SIZE..][..HASH_SIZE];
        for (sum, run) in block_row.iter_mut().zip(row.chunks_exact(b)) {
            // A run is at most 8192 values (u32 cannot overflow).
            *sum += u64::from(run.iter().map(|&p| u32::from(p)).sum::<u32>());
        }
    }
    let mut sorted = sums;
    sorted.sort_unstable();
    let twice_median = sorted[31] + sorted[32];
    let mut hash = Bits64::zero();
    for (p, &s) in sums.iter().enumerate() {
        match (2 * s).cmp(&twice_median) {
            std::cmp::Ordering::Equal => return None,
            std::cmp::Ordering::Greater => hash.set(p, true),
            std::cmp::Ordering::Less => {}
        }
    }
    Some(hash)
}

/// [`transform`] with this thread's reused buffers.
fn transform_with_thread_buffers(
    thumbnail: GrayImage,
    scale: u32,
    keep_stages: bool,
) -> WHashStages {
    // The buffers are per thread and reused; a re-entrant call (impossible today) would get
    // fresh ones.
    let mut fresh = Work::new();
    WORK.with(|cell| match cell.try_borrow_mut() {
        Ok(mut work) => transform(thumbnail, scale, keep_stages, &mut work),
        Err(_) => transform(thumbnail, scale, keep_stages, &mut fresh),
    })
}

/// Steps 3–6 on the `scale × scale` thumbnail.
fn transform(thumbnail: GrayImage, scale: u32, keep_stages: bool, work: &mut Work) -> WHashStages {
    let n = scale as usize;
    // Every value of the three buffers is written before it is read: no zero-filling.
    for v in [&mut work.buf, &mut work.bottom] {
        v.resize(n * n, 0.0);
    }
    work.rows.resize(4 * n, 0.0);
    let mut without_mean = Vec::new();
    let ll = ll_without_mean(thumbnail.as_raw(), work, n, keep_stages.then_some(&mut without_mean));
    let flat: Vec<f64> = ll.iter().flatten().copied().collect();
    let median = median(&flat);
    let mut hash = Bits64::zero();
    for (p, &v) in flat.iter().enumerate() {
        hash.set(p, v > median);
    }
    WHashStages { image_scale: scale, thumbnail, without_mean, ll, median, hash }
}

/// Steps 3 (the division by 255) to 5 on the `n × n` 8-bit image `pixels` (`n` a power of
/// two ≥ 8): the 8×8 LL band of the image with its lowest frequency removed. The buffers of
/// `work` are overwritten; the image without its mean is copied to `without_mean` when asked
/// for.
///
/// Compiled twice, for AVX2 and for the baseline CPU: the same `f64` operations in the same
/// order (Rust never fuses a multiply and an add on its own), four lanes at a time with AVX2,
/// so both builds give the same bits (tested).
fn ll_without_mean(
    pixels: &[u8],
    work: &mut Work,
    n: usize,
    without_mean: Option<&mut Vec<f64>>,
) -> [[f64; HASH_SIZE]; HASH_SIZE] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { ll_without_mean_avx2(pixels, work, n, without_mean) };
    }
    ll_without_mean_generic(pixels, work, n, without_mean)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn ll_without_mean_avx2(
    pixels: &[u8],
    work: &mut Work,
    n: usize,
    without_mean: Option<&mut Vec<f64>>,
) -> [[f64; HASH_SIZE]; HASH_SIZE] {
    ll_without_mean_generic(pixels, work, n, without_mean)
}

#[inline(always)]
fn ll_without_mean_generic(
    pixels: &[u8],
    work: &mut Work,
    n: usize,
    without_mean: Option<&mut Vec<f64>>,
) -> [[f64; HASH_SIZE]; HASH_SIZE] {
    let Work { buf, bottom, rows } = work;
    let levels = n.trailing_zeros() as usize; // log2(image_scale)

    // Remove the lowest frequency: full-depth decomposition, zero the 1×1 LL, reconstruct.
    // The first level reads the 8-bit pixels (divided by 255 on the way in).
    haar_forward_first(pixels, buf, bottom, rows, n);
    for level in 1..levels {
        haar_forward(buf, bottom, rows, n, n >> level);
    }
    buf[0] *= 0.0;
    for level in (1..levels).rev() {
        haar_inverse(buf, bottom, rows, n, n >> level);
    }
    // Decompose down to an 8×8 LL band: only the approximations are needed, so the detail
    // bands of this second decomposition are never computed. Unless the image without its
    // mean is asked for, it is never written out: each pair of rows of the last inverse level
    // goes straight into the first level of the second decomposition.
    let hash_levels = levels - HASH_SIZE.trailing_zeros() as usize;
    let first_ll = match without_mean {
        None if hash_levels > 0 => {
            haar_inverse_into_ll(buf, bottom, rows, n);
            1
        }
        copy => {
            haar_inverse(buf, bottom, rows, n, n);
            if let Some(copy) = copy {
                copy.clear();
                copy.extend_from_slice(buf);
            }
            0
        }
    };
    for level in first_ll..hash_levels {
        haar_forward_ll(buf, rows, n, n >> level);
    }
    let mut ll = [[0.0f64; HASH_SIZE]; HASH_SIZE];
    for (r, row) in ll.iter_mut().enumerate() {
        row.copy_from_slice(&buf[r * n..r * n + HASH_SIZE]);
    }
    ll
}

/// Axis 0 of one Haar analysis level on rows `x0`, `x1`: approximations into `a`, details
/// into `d` (PyWavelets' expressions, operation for operation).
#[inline(always)]
fn analyse_rows(x0: &[f64], x1: &[f64], a: &mut [f64], d: &mut [f64]) {
    for (((a, d), &x0), &x1) in a.iter_mut().zip(d.iter_mut()).zip(x0).zip(x1) {
        *a = S * x1 + S * x0;
        *d = -S * x1 + S * x0;
    }
}

/// Axis 1 of one Haar analysis level on a row: the pairs of `src` → approximations in the
/// left half of `dst`, details in the right half.
#[inline(always)]
fn analyse_pairs(src: &[f64], dst: &mut [f64]) {
    let (a, d) = dst.split_at_mut(src.len() / 2);
    // Four pairs at a time as arrays, so that the compiler keeps four lanes in a register.
    let mut a4 = a.chunks_exact_mut(4);
    let mut d4 = d.chunks_exact_mut(4);
    let mut src8 = src.chunks_exact(8);
    for ((a, d), x) in (&mut a4).zip(&mut d4).zip(&mut src8) {
        let x0 = [x[0], x[2], x[4], x[6]];
        let x1 = [x[1], x[3], x[5], x[7]];
        for i in 0..4 {
            a[i] = S * x1[i] + S * x0[i];
            d[i] = -S * x1[i] + S * x0[i];
        }
    }
    let rest = a4.into_remainder().iter_mut().zip(d4.into_remainder());
    for ((a, d), pair) in rest.zip(src8.remainder().chunks_exact(2)) {
        *a = S * pair[1] + S * pair[0];
        *d = -S * pair[1] + S * pair[0];
    }
}

/// Inverse of [`analyse_pairs`]: a row's (approximation, detail) halves → interleaved pairs.
#[inline(always)]
fn synthesise_pairs(src: &[f64], dst: &mut [f64]) {
    let (a, d) = src.split_at(src.len() / 2);
    let mut dst8 = dst.chunks_exact_mut(8);
    let (mut a4, mut d4) = (a.chunks_exact(4), d.chunks_exact(4));
    for ((x, a), d) in (&mut dst8).zip(&mut a4).zip(&mut d4) {
        let mut even = [0.0; 4];
        let mut odd = [0.0; 4];
        for i in 0..4 {
            even[i] = S * a[i] + S * d[i];
            odd[i] = S * a[i] + -S * d[i];
        }
        for i in 0..4 {
            x[2 * i] = even[i];
            x[2 * i + 1] = odd[i];
        }
    }
    let rest = dst8.into_remainder().chunks_exact_mut(2).zip(a4.remainder());
    for ((pair, &a), &d) in rest.zip(d4.remainder()) {
        pair[0] = S * a + S * d;
        pair[1] = S * a + -S * d;
    }
}

/// Axis 0 of one Haar synthesis level: approximation row `a` and detail row `d` → rows
/// `even` and `odd` (PyWavelets' expressions, operation for operation).
#[inline(always)]
fn synthesise_rows(a: &[f64], d: &[f64], even: &mut [f64], odd: &mut [f64]) {
    for (((even, odd), &a), &d) in even.iter_mut().zip(odd.iter_mut()).zip(a).zip(d) {
        *even = S * a + S * d;
        *odd = S * a + -S * d;
    }
}

/// Axis 0 of one Haar analysis level, approximations only: rows `x0`, `x1` → `a`.
#[inline(always)]
fn approximate_rows(x0: &[f64], x1: &[f64], a: &mut [f64]) {
    for ((a, &x0), &x1) in a.iter_mut().zip(x0).zip(x1) {
        *a = S * x1 + S * x0;
    }
}

/// Axis 1 of one Haar analysis level, approximations only: the pairs of `a` → `ll` (half as
/// long).
#[inline(always)]
fn approximate_pairs(a: &[f64], ll: &mut [f64]) {
    for (ll, pair) in ll.iter_mut().zip(a.chunks_exact(2)) {
        *ll = S * pair[1] + S * pair[0];
    }
}

/// One 2-D Haar analysis level (PyWavelets' `dwt2`: axis 0, then axis 1) on the top-left
/// `m × m` block of the `n`-wide image in `buf`. Afterwards, in PyWavelets' layout
/// `[LL, LH; HL, HH]`, the top half (LL and its neighbouring detail band) is in rows
/// `0..m/2` of `buf` and the bottom half (the other two detail bands) in rows `m/2..m` of
/// `bottom`.
///
/// Each pair of rows `2k, 2k+1` is transformed along both axes while it is in cache (two row
/// buffers in `rows`) and written to row `k` of `buf` — already read, as `k ≤ 2k` — and row
/// `m/2 + k` of `bottom`. The levels' bottom halves occupy disjoint rows of `bottom`, so all
/// detail bands survive until the inverse needs them.
#[inline(always)]
fn haar_forward(buf: &mut [f64], bottom: &mut [f64], rows: &mut [f64], n: usize, m: usize) {
    let half = m / 2;
    let (a, d) = rows[..2 * m].split_at_mut(m);
    for k in 0..half {
        analyse_rows(&buf[2 * k * n..][..m], &buf[(2 * k + 1) * n..][..m], a, d);
        analyse_pairs(a, &mut buf[k * n..][..m]);
        analyse_pairs(d, &mut bottom[(half + k) * n..][..m]);
    }
}

/// The first [`haar_forward`] level, straight from the `n × n` 8-bit `pixels`: each pair of
/// rows is divided by 255 (`i / 255` in `f64`, from a table) into two row buffers first, so
/// the whole image in `f64` is never written out before the transform.
#[inline(always)]
fn haar_forward_first(
    pixels: &[u8],
    buf: &mut [f64],
    bottom: &mut [f64],
    rows: &mut [f64],
    n: usize,
) {
    let table = unit_scale();
    let half = n / 2;
    let (x, ad) = rows[..4 * n].split_at_mut(2 * n);
    let (x0, x1) = x.split_at_mut(n);
    let (a, d) = ad.split_at_mut(n);
    for k in 0..half {
        for (v, &p) in x0.iter_mut().zip(&pixels[2 * k * n..][..n]) {
            *v = table[usize::from(p)];
        }
        for (v, &p) in x1.iter_mut().zip(&pixels[(2 * k + 1) * n..][..n]) {
            *v = table[usize::from(p)];
        }
        analyse_rows(x0, x1, a, d);
        analyse_pairs(a, &mut buf[k * n..][..n]);
        analyse_pairs(d, &mut bottom[(half + k) * n..][..n]);
    }
}

/// Inverse of [`haar_forward`] (PyWavelets' `idwt2`: axis 1 first, then axis 0): rows `k` of
/// `buf` and `m/2 + k` of `bottom` → rows `2k` and `2k + 1` of `buf`, for `k` from the last
/// to the first, so that no row is overwritten before it is read.
#[inline(always)]
fn haar_inverse(buf: &mut [f64], bottom: &[f64], rows: &mut [f64], n: usize, m: usize) {
    let half = m / 2;
    let (a, d) = rows[..2 * m].split_at_mut(m);
    for k in (0..half).rev() {
        synthesise_pairs(&buf[k * n..][..m], a);
        synthesise_pairs(&bottom[(half + k) * n..][..m], d);
        let (even, odd) = buf[2 * k * n..].split_at_mut(n);
        synthesise_rows(a, d, &mut even[..m], &mut odd[..m]);
    }
}

/// The last [`haar_inverse`] level (`m = n`) followed by the first [`haar_forward_ll`]
/// level, one pair of rows at a time: the two rows the inverse makes from row `k` of `buf`
/// and row `n/2 + k` of `bottom` stay in row buffers and become row `k`'s LL values at once,
/// so the full-size image is neither written nor read again. Every value goes through the
/// same operations as in the two separate levels (tested against the textbook transform).
#[inline(always)]
fn haar_inverse_into_ll(buf: &mut [f64], bottom: &[f64], rows: &mut [f64], n: usize) {
    let half = n / 2;
    let (a, rest) = rows[..4 * n].split_at_mut(n);
    let (d, rest) = rest.split_at_mut(n);
    let (even, odd) = rest.split_at_mut(n);
    for k in 0..half {
        synthesise_pairs(&buf[k * n..][..n], a);
        synthesise_pairs(&bottom[(half + k) * n..][..n], d);
        synthesise_rows(a, d, even, odd);
        // Row k of buf has been read: its left half takes the LL values.
        approximate_rows(even, odd, a);
        approximate_pairs(a, &mut buf[k * n..][..half]);
    }
}

/// The LL band of [`haar_forward`] alone: afterwards the top-left `m/2 × m/2` block of `buf`
/// holds the same values `haar_forward` puts there; no detail band is computed.
#[inline(always)]
fn haar_forward_ll(buf: &mut [f64], rows: &mut [f64], n: usize, m: usize) {
    let half = m / 2;
    let a = &mut rows[..m];
    for k in 0..half {
        approximate_rows(&buf[2 * k * n..][..m], &buf[(2 * k + 1) * n..][..m], a);
        approximate_pairs(a, &mut buf[k * n..][..half]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transforms::detmath::SplitMix64;

    /// The textbook order of operations, band by band through a second buffer: one analysis
    /// level of PyWavelets' `dwt2` on the top-left `m × m` block (`[LL, LH; HL, HH]` in place).
    fn plain_forward(buf: &mut [f64], n: usize, m: usize) {
        let half = m / 2;
        let mut tmp = buf.to_vec();
        for k in 0..half {
            for c in 0..m {
                let (x0, x1) = (buf[2 * k * n + c], buf[(2 * k + 1) * n + c]);
                tmp[k * n + c] = S * x1 + S * x0;
                tmp[(half + k) * n + c] = -S * x1 + S * x0;
            }
        }
        for r in 0..m {
            for k in 0..half {
                let (x0, x1) = (tmp[r * n + 2 * k], tmp[r * n + 2 * k + 1]);
                buf[r * n + k] = S * x1 + S * x0;
                buf[r * n + half + k] = -S * x1 + S * x0;
            }
        }
    }

    /// PyWavelets' `idwt2` level, textbook order (axis 1, then axis 0).
    fn plain_inverse(buf: &mut [f64], n: usize, m: usize) {
        let half = m / 2;
        let mut tmp = buf.to_vec();
        for r in 0..m {
            for k in 0..half {
                let (a, d) = (buf[r * n + k], buf[r * n + half + k]);
                tmp[r * n + 2 * k] = S * a + S * d;
                tmp[r * n + 2 * k + 1] = S * a + -S * d;
            }
        }
        for k in 0..half {
            for c in 0..m {
                let (a, d) = (tmp[k * n + c], tmp[(half + k) * n + c]);
                buf[2 * k * n + c] = S * a + S * d;
                buf[(2 * k + 1) * n + c] = S * a + -S * d;
            }
        }
    }

    #[test]
    fn haar_round_trip() {
        let n = 16;
        let orig: Vec<f64> = (0..n * n).map(|i| ((i * 37) % 101) as f64 / 7.0).collect();
        let mut buf = orig.clone();
        for l in 0..4 {
            plain_forward(&mut buf, n, n >> l);
        }
        // The 1×1 LL is the sum scaled by s⁸ = 1/16, i.e. n·mean.
        let mean = orig.iter().sum::<f64>() / (n * n) as f64;
        assert!((buf[0] - mean * n as f64).abs() < 1e-9);
        for l in (0..4).rev() {
            plain_inverse(&mut buf, n, n >> l);
        }
        for (a, b) in buf.iter().zip(&orig) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    /// The fused, dispatched transform (AVX2 when the CPU has it, LL-only second
    /// decomposition) gives the bits of the textbook one, on noise and on flat images (whose
    /// ties with the median depend on the last bit).
    #[test]
    fn fast_transform_gives_the_same_bits() {
        for (case, n) in [8usize, 16, 64, 128, 256].into_iter().enumerate() {
            for flat in [false, true] {
                let img: Vec<u8> = (0..n * n)
                    .map(|i| {
                        let v = if flat { (i / (n * n / 4)) * 60 } else { (i * 7919 + case) % 256 };
                        v as u8
                    })
                    .collect();
                // Buffers full of NaN: a value read before it is written shows.
                let poisoned = || Work {
                    buf: vec![f64::NAN; n * n],
                    bottom: vec![f64::NAN; n * n],
                    rows: vec![f64::NAN; 4 * n],
                };
                let mut kept = Vec::new();
                let got = ll_without_mean(&img, &mut poisoned(), n, Some(&mut kept));
                // Without the copy, the last inverse level runs fused with the second
                // decomposition's first level: it must give the same bits.
                let fused = ll_without_mean(&img, &mut poisoned(), n, None);
                let mut buf: Vec<f64> = img.iter().map(|&p| f64::from(p) / 255.0).collect();
                let levels = n.trailing_zeros() as usize;
                for l in 0..levels {
                    plain_forward(&mut buf, n, n >> l);
                }
                buf[0] *= 0.0;
                for l in (0..levels).rev() {
                    plain_inverse(&mut buf, n, n >> l);
                }
                assert!(kept.iter().zip(&buf).all(|(a, b)| a.to_bits() == b.to_bits()), "{n}");
                for l in 0..levels - 3 {
                    plain_forward(&mut buf, n, n >> l);
                }
                for r in 0..HASH_SIZE {
                    for c in 0..HASH_SIZE {
                        assert_eq!(got[r][c].to_bits(), buf[r * n + c].to_bits(), "{n} {flat}");
                        let want = buf[r * n + c].to_bits();
                        assert_eq!(fused[r][c].to_bits(), want, "{n} {flat} (fused)");
                    }
                }
            }
        }
    }

    /// The hash through the transforms only (the reference computation).
    fn hash_by_transforms(thumb: &[u8], n: usize) -> Bits64 {
        let img = GrayImage::from_raw(n as u32, n as u32, thumb.to_vec()).unwrap();
        transform(img, n as u32, false, &mut Work::new()).hash
    }

    /// An `n × n` thumbnail whose 8 × 8 blocks have the given sums, each block otherwise
    /// random (values in 40..=215 before the sum is adjusted one unit at a time).
    fn blocks_with_sums(n: usize, sums: &[u64; 64], rng: &mut SplitMix64) -> Vec<u8> {
        let b = n / HASH_SIZE;
        let mut img = vec![0u8; n * n];
        for (i, &target) in sums.iter().enumerate() {
            let (br, bc) = (i / HASH_SIZE, i % HASH_SIZE);
            let idx: Vec<usize> =
                (0..b * b).map(|k| (br * b + k / b) * n + bc * b + k % b).collect();
            for &j in &idx {
                img[j] = 40 + (rng.next_u64() % 176) as u8;
            }
            let mut sum: u64 = idx.iter().map(|&j| u64::from(img[j])).sum();
            let mut k = 0;
            while sum != target {
                let j = idx[k % idx.len()];
                if sum < target && img[j] < 255 {
                    img[j] += 1;
                    sum += 1;
                } else if sum > target && img[j] > 0 {
                    img[j] -= 1;
                    sum -= 1;
                }
                k += 1;
            }
        }
        img
    }

    /// The block-sum shortcut gives the transforms' bits: on noise, and where it matters
    /// most, on blocks exactly half a unit of block sum either side of the median (the
    /// smallest margin there is), up to a 1024-pixel working size. Where a block sum ties
    /// with the median it declines, and the transforms decide.
    #[test]
    fn block_sums_give_the_transforms_bits() {
        let mut rng = SplitMix64::new(0x5EED_0000_0000_0042);
        for n in [8usize, 16, 32, 64, 256, 1024] {
            let noise: Vec<u8> = (0..n * n).map(|_| (rng.next_u64() >> 56) as u8).collect();
            let got = hash_from_block_sums(&noise, n).expect("noise has no tie");
            assert_eq!(got, hash_by_transforms(&noise, n), "noise, n = {n}");
            let b = (n / HASH_SIZE) as u64;
            let base = b * b * 128;
            // Half the blocks at `base`, half at `base + 1`, shuffled: the median is
            // `base + 1/2`, every block half a unit from it.
            let mut sums = [base; 64];
            let mut order: Vec<usize> = (0..64).collect();
            for i in (1..64).rev() {
                order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
            }
            for &i in &order[..32] {
                sums[i] = base + 1;
            }
            let close = blocks_with_sums(n, &sums, &mut rng);
            let got = hash_from_block_sums(&close, n).expect("no block sum is the median");
            assert_eq!(got.count_ones(), 32, "n = {n}");
            assert_eq!(got, hash_by_transforms(&close, n), "half a unit, n = {n}");
            // Spread sums with the two middle ones one unit apart.
            let mut spread = [0u64; 64];
            for (k, &i) in order.iter().enumerate() {
                let k = k as u64;
                spread[i] = if k < 32 { base - 3 * (31 - k) } else { base + 1 + 3 * (k - 32) };
            }
            let close = blocks_with_sums(n, &spread, &mut rng);
            let got = hash_from_block_sums(&close, n).unwrap();
            assert_eq!(got, hash_by_transforms(&close, n), "spread, n = {n}");
            // One block moved down to `base`: 33 blocks at `base`, which is now the median
            // and ties with them. The shortcut declines.
            sums[order[0]] = base;
            let tied = blocks_with_sums(n, &sums, &mut rng);
            assert_eq!(hash_from_block_sums(&tied, n), None, "n = {n}");
        }
        // Flat images tie everywhere: always the transforms.
        assert_eq!(hash_from_block_sums(&[7u8; 64 * 64], 64), None);
        // Not a power of two, or deeper than proven (declined before reading a pixel): the
        // transforms.
        assert_eq!(hash_from_block_sums(&[0u8; 24 * 24], 24), None);
        assert_eq!(hash_from_block_sums(&[], 1 << (MAX_BLOCK_SUM_LEVELS + 1)), None);
    }

    /// `whash` takes the shortcut where it can and the transforms where it cannot, with the
    /// stages' bits either way.
    #[test]
    fn whash_equals_its_stages() {
        let noise = GrayImage::from_fn(300, 200, |x, y| {
            image::Luma([((x * 7919 + y * 104_729) % 251) as u8])
        });
        let flat = GrayImage::from_pixel(300, 200, image::Luma([9]));
        let quarter = GrayImage::from_fn(64, 64, |x, y| {
            image::Luma([if x < 16 && y < 48 { 200 } else { 30 }])
        });
        for img in [&noise, &flat, &quarter] {
            assert_eq!(whash(img).unwrap(), whash_stages(img).unwrap().hash);
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
