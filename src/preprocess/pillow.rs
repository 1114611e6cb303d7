//! Pillow-exact greyscale conversion and convolution resampling for 8-bit images.
//!
//! Python `imagehash` calls `image.convert("L").resize(size, LANCZOS)` before anything else,
//! so its hashes are only reproducible if both steps are reproduced **byte for byte**. A
//! "nearly Lanczos" resampler (the `image` crate's, OpenCV's, …) moves many output pixels by
//! one grey level, and every pixel that sits next to a threshold (the mean for aHash, its
//! neighbour for dHash, …) then flips a hash bit. In our measurements the resize filter
//! decides most disagreements between implementations; colour conversion decides the rest.
//!
//! # RGB → L
//!
//! Pillow's "L" is ITU-R BT.601 luma in 16-bit fixed point, rounded to nearest:
//! `L = (19595·R + 38470·G + 7471·B + 32768) >> 16` (the weights are 0.299, 0.587, 0.114
//! times 65536, adjusted so that they sum to exactly 65536, hence white stays 255).
//!
//! # Resampling (Pillow's `ImagingResample`, 8 bits per sample)
//!
//! Each output pixel is a weighted average of the input pixels under a *filter kernel*
//! centred on it. Along one axis, with `scale = in / out`:
//!
//! 1. `filterscale = max(scale, 1)`: when shrinking, the kernel is stretched by the scale
//!    factor so it covers every input pixel that maps into the output pixel (this is the
//!    antialiasing); when enlarging, it keeps its natural width. `support = filter support ×
//!    filterscale` (3 for Lanczos, 2 for bicubic, 1 for bilinear and Hamming, ½ for box).
//! 2. For output index `i`, the centre in input coordinates is `(i + 0.5) · scale`; the taps
//!    run from `trunc(centre − support + 0.5)` (at least 0) to `trunc(centre + support + 0.5)`
//!    (at most `in`), exclusive.
//! 3. The weight of input pixel `x` is `filter((x − centre + 0.5) / filterscale)`, computed
//!    in `f64`; the weights are divided by their sum so they add up to one.
//! 4. Each weight is turned into a signed fixed-point integer with 22 fractional bits,
//!    rounding half away from zero (`trunc(w·2²² ± 0.5)`).
//! 5. A pixel is `clamp((2²¹ + Σ pixel·weight) >> 22, 0, 255)` in 32-bit integers: 2²¹ is
//!    one half, so the shift rounds to nearest; the clamp is needed because Lanczos and
//!    bicubic have negative lobes that can overshoot.
//!
//! The two axes are resampled one after the other, through an 8-bit intermediate image, so the
//! **order of the passes changes the result**. Pillow 13 runs the horizontal pass first — over
//! only the input rows that the vertical kernels will read — unless the height shrinks and loses more
//! than twice as many pixels as the width (`in_h − out_h > max(0, 2·(in_w − out_w))`), in which case it
//! runs the vertical pass first (a speed optimisation new in Pillow 13; earlier versions always
//! went horizontal first, so their bytes differ for such sizes). An axis whose size does not
//! change is not resampled at all, and when neither changes the image is returned as is, as
//! `Image.resize` does.
//!
//! Every step above, including the order of floating-point operations in the weights, matters
//! for byte-exactness; `fixtures/golden/pillow-resize.tsv` checks it against Pillow 13.0.0.
//!
//! Complexity: `O(out_w · in_h · taps_x + out_w · out_h · taps_y)` multiply-adds, where
//! `taps ≈ 2·support·max(scale, 1)`; the weight tables are computed once per call.
//!
//! Not implemented: NEAREST (a different code path in Pillow), the `box` and `reducing_gap`
//! arguments of `Image.resize`, and images with more than one channel or more than 8 bits.

#[cfg(target_arch = "x86_64")]
use std::cell::OnceCell;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::str::FromStr;

use image::{GrayImage, RgbImage};

use crate::error::{Error, ErrorKind, Result};

#[cfg(target_arch = "x86_64")]
use super::pillow_wide::{self, WideTaps};

/// Fixed-point precision of the resampling weights (Pillow's `PRECISION_BITS`): 32 bits minus
/// 8 for the sample, minus 2 headroom bits for negative lobes and overshoot.
pub(super) const PRECISION_BITS: u32 = 32 - 8 - 2;

/// Converts RGB to Pillow's "L" (8-bit luma), exactly as `Image.convert("L")` does.
///
/// ```
/// use hashscope::preprocess::pillow::rgb_to_l;
/// let rgb = image::RgbImage::from_pixel(1, 1, image::Rgb([255, 128, 0]));
/// // (19595·255 + 38470·128 + 7471·0 + 32768) >> 16 = 151
/// assert_eq!(rgb_to_l(&rgb).get_pixel(0, 0).0, [151]);
/// ```
pub fn rgb_to_l(rgb: &RgbImage) -> GrayImage {
    let (w, h) = rgb.dimensions();
    let mut luma = Vec::new();
    rgb_to_l_into(rgb.as_raw(), &mut luma);
    // The buffer has exactly w·h samples, so construction cannot fail; fall back to an
    // empty image rather than panicking if it ever did.
    GrayImage::from_raw(w, h, luma).unwrap_or_else(|| GrayImage::new(0, 0))
}

/// [`rgb_to_l`] on a raw interleaved RGB buffer, into a reusable `out` (one byte per pixel).
pub fn rgb_to_l_into(rgb: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.resize(rgb.len() / 3, 0);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above); `out` has one byte per pixel.
        let done = unsafe { pillow_wide::rgb_to_l_avx2(rgb, out) };
        rgb_to_l_portable(&rgb[3 * done..], &mut out[done..]);
        return;
    }
    rgb_to_l_portable(rgb, out);
}

/// RGB → L one pixel at a time.
fn rgb_to_l_portable(rgb: &[u8], out: &mut [u8]) {
    for (o, p) in out.iter_mut().zip(rgb.chunks_exact(3)) {
        let v = 19595 * u32::from(p[0]) + 38470 * u32::from(p[1]) + 7471 * u32::from(p[2]);
        // The maximum is 65536·255 + 32768, so the shifted value is at most 255.
        *o = ((v + 0x8000) >> 16) as u8;
    }
}

/// The resampling filters of Pillow's convolution resampler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter {
    /// Box (area average): weight 1 on `(−½, ½]`. Pillow `Image.BOX`.
    Box,
    /// Bilinear (triangle): `1 − |x|` on `(−1, 1)`. Pillow `Image.BILINEAR`.
    Bilinear,
    /// Hamming-windowed sinc on `(−1, 1)`. Pillow `Image.HAMMING`.
    Hamming,
    /// Bicubic convolution with `a = −½` on `(−2, 2)`. Pillow `Image.BICUBIC`.
    Bicubic,
    /// Lanczos-3: `sinc(x)·sinc(x/3)` on `[−3, 3)`. Pillow `Image.LANCZOS` (formerly
    /// `ANTIALIAS`), the filter Python `imagehash` uses.
    Lanczos,
}

impl Filter {
    /// All filters, in Pillow's numbering order of support size.
    pub const ALL: [Filter; 5] =
        [Filter::Box, Filter::Bilinear, Filter::Hamming, Filter::Bicubic, Filter::Lanczos];

    /// Half-width of the kernel at scale 1, in input pixels.
    pub fn support(self) -> f64 {
        match self {
            Filter::Box => 0.5,
            Filter::Bilinear | Filter::Hamming => 1.0,
            Filter::Bicubic => 2.0,
            Filter::Lanczos => 3.0,
        }
    }

    /// The upper-case name Pillow uses (`"LANCZOS"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Filter::Box => "BOX",
            Filter::Bilinear => "BILINEAR",
            Filter::Hamming => "HAMMING",
            Filter::Bicubic => "BICUBIC",
            Filter::Lanczos => "LANCZOS",
        }
    }

    /// The kernel value at `x` (input pixels, at scale 1), in the same `f64` operation order
    /// as Pillow so that the weights are bit-identical.
    pub fn weight(self, x: f64) -> f64 {
        match self {
            Filter::Box => {
                if x > -0.5 && x <= 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            Filter::Bilinear => {
                let x = x.abs();
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            }
            Filter::Hamming => {
                let x = x.abs();
                if x == 0.0 {
                    1.0
                } else if x >= 1.0 {
                    0.0
                } else {
                    let x = x * std::f64::consts::PI;
                    // Pillow writes these two constants as C `float` literals.
                    x.sin() / x * (f64::from(0.54f32) + f64::from(0.46f32) * x.cos())
                }
            }
            Filter::Bicubic => {
                const A: f64 = -0.5;
                let x = x.abs();
                if x < 1.0 {
                    ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
                } else if x < 2.0 {
                    (((x - 5.0) * x + 8.0) * x - 4.0) * A
                } else {
                    0.0
                }
            }
            Filter::Lanczos => {
                if (-3.0..3.0).contains(&x) {
                    sinc(x) * sinc(x / 3.0)
                } else {
                    0.0
                }
            }
        }
    }
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * std::f64::consts::PI;
        x.sin() / x
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Filter {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "BOX" => Ok(Filter::Box),
            "BILINEAR" | "LINEAR" => Ok(Filter::Bilinear),
            "HAMMING" => Ok(Filter::Hamming),
            "BICUBIC" | "CUBIC" => Ok(Filter::Bicubic),
            "LANCZOS" | "ANTIALIAS" => Ok(Filter::Lanczos),
            other => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "unknown resampling filter {other:?} \
                     (expected BOX, BILINEAR, HAMMING, BICUBIC or LANCZOS)"
                ),
            )),
        }
    }
}

/// The `f64` weights of one output pixel along one axis: the first input index and one weight
/// per consecutive input pixel (they sum to 1 unless all raw weights were zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Taps {
    /// Index of the first input pixel read.
    pub start: usize,
    /// Normalised weights of input pixels `start, start + 1, …`.
    pub weights: Vec<f64>,
}

/// The normalised floating-point weights Pillow uses to resample an axis of `in_size` pixels
/// to `out_size` pixels with `filter`, one [`Taps`] per output pixel (useful to draw the
/// kernel; [`resize`] uses their fixed-point form).
///
/// ```
/// use hashscope::preprocess::pillow::{resample_weights, Filter};
/// let taps = resample_weights(4, 2, Filter::Box).unwrap();
/// assert_eq!((taps[1].start, taps[1].weights.clone()), (2, vec![0.5, 0.5]));
/// ```
pub fn resample_weights(in_size: u32, out_size: u32, filter: Filter) -> Result<Vec<Taps>> {
    let k = Kernel::new(in_size, out_size, filter)?;
    Ok((0..k.bounds.len())
        .map(|i| {
            let (start, len) = k.bounds[i];
            Taps { start, weights: k.float[i * k.ksize..i * k.ksize + len].to_vec() }
        })
        .collect())
}

/// How many kernels [`Kernel::cached`] keeps per thread (least recently built dropped first).
const KERNEL_CACHE: usize = 16;

/// Precomputed weights for one axis: per output pixel, the first input index and the number
/// of taps, and the weights (float and fixed point) in rows of `ksize`.
struct Kernel {
    ksize: usize,
    bounds: Vec<(usize, usize)>,
    float: Vec<f64>,
    fixed: Vec<i32>,
    /// The fixed-point taps as 16-tap windows for the AVX2 horizontal pass, built on its
    /// first use (`None` when the input is narrower than a window).
    #[cfg(target_arch = "x86_64")]
    wide: OnceCell<Option<WideTaps>>,
}

impl Kernel {
    fn new(in_size: u32, out_size: u32, filter: Filter) -> Result<Kernel> {
        if in_size == 0 || out_size == 0 {
            return Err(Error::new(
                ErrorKind::Unhashable,
                format!("cannot resample {in_size} pixels to {out_size}"),
            ));
        }
        // Pillow passes the source box as C floats; whole pixel counts below 2^24 are exact.
        let scale = f64::from(in_size as f32) / f64::from(out_size);
        let filterscale = scale.max(1.0);
        let support = filter.support() * filterscale;
        let ksize = (support.ceil() as usize) * 2 + 1;
        let total =
            ksize.checked_mul(out_size as usize).filter(|&n| n <= (1 << 24)).ok_or_else(|| {
                Error::new(
                    ErrorKind::Limits,
                    format!("resampling {in_size} → {out_size} pixels needs too large a kernel"),
                )
            })?;
        let mut float = vec![0.0f64; total];
        let mut bounds = Vec::with_capacity(out_size as usize);
        let inv_filterscale = 1.0 / filterscale;
        for (xx, k) in float.chunks_exact_mut(ksize).enumerate() {
            let center = (xx as f64 + 0.5) * scale;
            // C's (int) conversion truncates towards zero, as `as` does.
            let xmin = ((center - support + 0.5) as i64).max(0);
            let xmax = ((center + support + 0.5) as i64).min(i64::from(in_size));
            let n = (xmax - xmin).max(0) as usize;
            let mut ww = 0.0;
            for (x, slot) in k.iter_mut().take(n).enumerate() {
                let w = filter.weight(((x as i64 + xmin) as f64 - center + 0.5) * inv_filterscale);
                *slot = w;
                ww += w;
            }
            if ww != 0.0 {
                for slot in k.iter_mut().take(n) {
                    *slot /= ww;
                }
            }
            bounds.push((xmin as usize, n));
        }
        let one = f64::from(1u32 << PRECISION_BITS);
        let fixed: Vec<i32> = float
            .iter()
            .map(|&w| if w < 0.0 { (-0.5 + w * one) as i32 } else { (0.5 + w * one) as i32 })
            .collect();
        Ok(Kernel {
            ksize,
            bounds,
            float,
            fixed,
            #[cfg(target_arch = "x86_64")]
            wide: OnceCell::new(),
        })
    }

    /// [`Kernel::new`], remembered: each thread keeps the last [`KERNEL_CACHE`] kernels it
    /// built, because photos come in a few sizes and the weights cost two `sin` per tap
    /// (as much as the resampling itself for a 512-pixel image).
    fn cached(in_size: u32, out_size: u32, filter: Filter) -> Result<Rc<Kernel>> {
        type Cache = RefCell<Vec<((u32, u32, Filter), Rc<Kernel>)>>;
        thread_local! {
            static CACHE: Cache = const { RefCell::new(Vec::new()) };
        }
        let key = (in_size, out_size, filter);
        if let Some(k) = CACHE.with(|c| {
            c.borrow().iter().find(|(k, _)| *k == key).map(|(_, kernel)| Rc::clone(kernel))
        }) {
            return Ok(k);
        }
        let kernel = Rc::new(Kernel::new(in_size, out_size, filter)?);
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.len() == KERNEL_CACHE {
                c.remove(0);
            }
            c.push((key, Rc::clone(&kernel)));
        });
        Ok(kernel)
    }

    /// The input indices read by any output pixel: first to one past the last.
    fn span(&self) -> std::ops::Range<usize> {
        let first = self.bounds.first().map_or(0, |b| b.0);
        let last = self.bounds.last().map_or(0, |b| b.0 + b.1);
        first..last
    }

    /// Fixed-point taps of output pixel `i`: (first input index, weights).
    #[inline]
    fn taps(&self, i: usize) -> (usize, &[i32]) {
        let (start, n) = self.bounds[i];
        (start, &self.fixed[i * self.ksize..i * self.ksize + n])
    }
}

/// Rounds a fixed-point accumulator to a sample and clamps it to `0..=255`.
#[inline]
fn clip8(acc: i32) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}

/// One half in fixed point: the accumulator's start value, so that `>>` rounds to nearest.
pub(super) const HALF: i32 = 1 << (PRECISION_BITS - 1);

/// Resizes an 8-bit greyscale image to `width × height` exactly as Pillow's
/// `Image.resize((width, height), filter)` does for mode "L" (see the [module docs](self)).
///
/// Errors with [`ErrorKind::Unhashable`] if either image has a zero side.
///
/// ```
/// use hashscope::preprocess::pillow::{resize, Filter};
/// let img = image::GrayImage::from_fn(4, 1, |x, _| image::Luma([[0, 100, 200, 255][x as usize]]));
/// let half = resize(&img, 2, 1, Filter::Box).unwrap();
/// assert_eq!(half.as_raw(), &vec![50, 228]); // (0+100)/2, (200+255)/2 rounded
/// ```
pub fn resize(src: &GrayImage, width: u32, height: u32, filter: Filter) -> Result<GrayImage> {
    let order = pass_order(src.width(), src.height(), width, height);
    resize_in_order(src, width, height, filter, order)
}

/// Which pass runs first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PassOrder {
    /// Horizontal, then vertical.
    HorizontalFirst,
    /// Vertical, then horizontal.
    VerticalFirst,
}

/// Pillow 13's choice of pass order: vertical first when the height loses more than twice as
/// many pixels as the width does (never when the height grows) (a speed optimisation, Pillow pull request #9549). Measured
/// against Pillow 13.0.0 on thousands of random sizes, including the tie, which goes to
/// horizontal-first. It changes the output bytes, because the intermediate image is rounded to
/// 8 bits.
fn pass_order(in_w: u32, in_h: u32, out_w: u32, out_h: u32) -> PassOrder {
    let height_loss = i64::from(in_h) - i64::from(out_h);
    let width_loss = i64::from(in_w) - i64::from(out_w);
    if height_loss > 0 && height_loss > 2 * width_loss {
        PassOrder::VerticalFirst
    } else {
        PassOrder::HorizontalFirst
    }
}

fn resize_in_order(
    src: &GrayImage,
    width: u32,
    height: u32,
    filter: Filter,
    order: PassOrder,
) -> Result<GrayImage> {
    let (in_w, in_h) = src.dimensions();
    if in_w == 0 || in_h == 0 || width == 0 || height == 0 {
        return Err(Error::new(
            ErrorKind::Unhashable,
            format!("cannot resize a {in_w}×{in_h} image to {width}×{height}"),
        ));
    }
    if (in_w, in_h) == (width, height) {
        return Ok(src.clone());
    }
    let need_h = width != in_w;
    let need_v = height != in_h;
    let (in_w, in_h) = (in_w as usize, in_h as usize);
    let out = match (need_h, need_v) {
        (true, false) => {
            let horiz = Kernel::cached(in_w as u32, width, filter)?;
            horizontal_pass(src.as_raw(), in_w, 0..in_h, &horiz)
        }
        (false, true) => {
            let vert = Kernel::cached(in_h as u32, height, filter)?;
            vertical_pass(src.as_raw(), in_w, 0, &vert)
        }
        _ if order == PassOrder::HorizontalFirst => {
            let vert = Kernel::cached(in_h as u32, height, filter)?;
            let horiz = Kernel::cached(in_w as u32, width, filter)?;
            // Only the input rows the vertical kernels read.
            let rows = vert.span();
            let tmp = horizontal_pass(src.as_raw(), in_w, rows.clone(), &horiz);
            vertical_pass(&tmp, width as usize, rows.start, &vert)
        }
        _ => {
            let vert = Kernel::cached(in_h as u32, height, filter)?;
            let horiz = Kernel::cached(in_w as u32, width, filter)?;
            let tmp = vertical_pass(src.as_raw(), in_w, 0, &vert);
            horizontal_pass(&tmp, in_w, 0..height as usize, &horiz)
        }
    };
    GrayImage::from_raw(width, height, out)
        .ok_or_else(|| Error::new(ErrorKind::Unhashable, "internal error: resize buffer size"))
}

/// Resamples rows `rows` of a `w`-wide image horizontally; returns `rows.len()` output rows.
fn horizontal_pass(src: &[u8], w: usize, rows: std::ops::Range<usize>, k: &Kernel) -> Vec<u8> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        let wide = k.wide.get_or_init(|| WideTaps::new(w, &k.bounds, &k.fixed, k.ksize));
        if let Some(wide) = wide {
            let mut out = vec![0u8; k.bounds.len() * rows.len()];
            // SAFETY: the CPU has AVX2 (checked just above); `wide` was built for this input
            // width (the kernel's `in_size` is `w`), and `out` holds `rows.len()` output rows.
            unsafe { pillow_wide::horizontal_pass_avx2(src, w, rows, wide, &mut out) };
            return out;
        }
    }
    horizontal_pass_portable(src, w, rows, k)
}

/// The horizontal pass one tap at a time, as Pillow computes it.
fn horizontal_pass_portable(
    src: &[u8],
    w: usize,
    rows: std::ops::Range<usize>,
    k: &Kernel,
) -> Vec<u8> {
    let out_w = k.bounds.len();
    let mut out = vec![0u8; out_w * rows.len()];
    for (line_out, y) in out.chunks_exact_mut(out_w).zip(rows) {
        let line_in = &src[y * w..(y + 1) * w];
        for (xx, px) in line_out.iter_mut().enumerate() {
            let (start, taps) = k.taps(xx);
            let mut acc = HALF;
            for (&p, &c) in line_in[start..start + taps.len()].iter().zip(taps) {
                acc = acc.wrapping_add(i32::from(p).wrapping_mul(c));
            }
            *px = clip8(acc);
        }
    }
    out
}

/// Resamples a `w`-wide image vertically; input row `i` of `src` is image row `i + row_offset`.
fn vertical_pass(src: &[u8], w: usize, row_offset: usize, k: &Kernel) -> Vec<u8> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { vertical_pass_avx2(src, w, row_offset, k) };
    }
    vertical_pass_portable(src, w, row_offset, k)
}

/// [`vertical_pass_portable`] compiled for AVX2 (same integer operations, same bytes).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn vertical_pass_avx2(src: &[u8], w: usize, row_offset: usize, k: &Kernel) -> Vec<u8> {
    vertical_pass_portable(src, w, row_offset, k)
}

#[inline(always)]
fn vertical_pass_portable(src: &[u8], w: usize, row_offset: usize, k: &Kernel) -> Vec<u8> {
    // Whole rows are accumulated at a time: integer sums do not depend on the order of
    // addition, so this equals Pillow's pixel-by-pixel loop and reads memory in order.
    let out_h = k.bounds.len();
    let mut out = vec![0u8; w * out_h];
    let mut acc = vec![0i32; w];
    for (yy, line_out) in out.chunks_exact_mut(w).enumerate() {
        let (start, taps) = k.taps(yy);
        acc.fill(HALF);
        for (j, &c) in taps.iter().enumerate() {
            let y = start + j - row_offset;
            for (a, &p) in acc.iter_mut().zip(&src[y * w..(y + 1) * w]) {
                *a = a.wrapping_add(i32::from(p).wrapping_mul(c));
            }
        }
        for (px, &a) in line_out.iter_mut().zip(&acc) {
            *px = clip8(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_weights() {
        let px = |r, g, b| {
            rgb_to_l(&RgbImage::from_pixel(1, 1, image::Rgb([r, g, b]))).get_pixel(0, 0).0[0]
        };
        assert_eq!(px(0, 0, 0), 0);
        assert_eq!(px(255, 255, 255), 255);
        assert_eq!(px(255, 0, 0), 76); // 0.299 · 255 = 76.2
        assert_eq!(px(0, 255, 0), 150); // 0.587 · 255 = 149.7
        assert_eq!(px(0, 0, 255), 29); // 0.114 · 255 = 29.1
    }

    #[test]
    fn same_size_is_a_copy_and_zero_size_is_an_error() {
        let img = GrayImage::from_fn(5, 3, |x, y| image::Luma([(x * 40 + y) as u8]));
        assert_eq!(resize(&img, 5, 3, Filter::Lanczos).unwrap(), img);
        for (w, h) in [(0, 3), (3, 0), (0, 0)] {
            let e = resize(&img, w, h, Filter::Lanczos).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unhashable);
        }
        let empty = GrayImage::new(0, 4);
        assert!(resize(&empty, 2, 2, Filter::Bicubic).is_err());
    }

    #[test]
    fn constant_images_stay_constant() {
        for f in Filter::ALL {
            for (w, h) in [(1, 1), (7, 3), (40, 33), (3, 90)] {
                let img = GrayImage::from_pixel(w, h, image::Luma([173]));
                for (ow, oh) in [(1, 1), (8, 8), (9, 8), (32, 32), (61, 5)] {
                    let out = resize(&img, ow, oh, f).unwrap();
                    assert!(out.pixels().all(|p| p.0[0] == 173), "{f} {w}×{h} → {ow}×{oh}");
                }
            }
        }
    }

    /// Whether this CPU runs the AVX2 horizontal pass.
    fn has_avx2() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        return false;
    }

    /// Whether the AVX2 horizontal pass built a wide form of `k` (it does on first use).
    fn has_wide_form(k: &Kernel) -> bool {
        #[cfg(target_arch = "x86_64")]
        return k.wide.get().is_some_and(Option::is_some);
        #[cfg(not(target_arch = "x86_64"))]
        return false;
    }

    /// The dispatched horizontal pass (AVX2 when the CPU has it) gives the portable loop's
    /// bytes: sizes from 1 to 600 pixels, shrinking and enlarging, every filter, noise with
    /// full-range pixels (so the clamps at 0 and 255 are exercised by the negative lobes).
    #[test]
    fn horizontal_pass_matches_the_portable_loop() {
        let mut rng = crate::transforms::detmath::SplitMix64::new(0x9E37_79B9_7F4A_7C15);
        let mut next = move || rng.next_u64();
        let mut wide_cases = 0;
        for case in 0..400 {
            let w = 1 + (next() % 600) as usize;
            let rows = 1 + (next() % 5) as usize;
            let out_w = match case % 4 {
                0 => 8,
                1 => 1 + (next() % 40) as u32,
                2 => (w as u32 / 2).max(1),
                _ => 1 + (next() % 900) as u32,
            };
            let f = Filter::ALL[case % Filter::ALL.len()];
            let src: Vec<u8> = (0..w * (rows + 2))
                .map(|i| if next() % 7 == 0 { [0, 255][i % 2] } else { next() as u8 })
                .collect();
            let k = Kernel::new(w as u32, out_w, f).unwrap();
            let got = horizontal_pass(&src, w, 1..rows + 1, &k);
            wide_cases += usize::from(has_wide_form(&k));
            let want = horizontal_pass_portable(&src, w, 1..rows + 1, &k);
            assert_eq!(got, want, "{f} {w} → {out_w}");
        }
        if has_avx2() {
            assert!(wide_cases > 300, "only {wide_cases} cases had a wide form");
        }
    }

    /// The dispatched conversion (AVX2 when the CPU has it) gives the portable loop's bytes,
    /// for every length up to 100 pixels (the vector loop's tail) and on all 2²⁴ colours.
    #[test]
    fn rgb_to_l_matches_the_portable_loop() {
        let all: Vec<u8> =
            (0..1u32 << 24).flat_map(|c| [(c >> 16) as u8, (c >> 8) as u8, c as u8]).collect();
        for len in (0..100).chain([1 << 24]) {
            let rgb = &all[all.len() - 3 * len..];
            let mut got = Vec::new();
            rgb_to_l_into(rgb, &mut got);
            let mut want = vec![0u8; len];
            rgb_to_l_portable(rgb, &mut want);
            assert_eq!(got, want, "{len} pixels");
        }
    }

    #[test]
    fn weights_sum_to_one() {
        for f in Filter::ALL {
            for (i, o) in [(100, 8), (8, 100), (33, 32), (1, 5)] {
                for t in resample_weights(i, o, f).unwrap() {
                    let s: f64 = t.weights.iter().sum();
                    assert!((s - 1.0).abs() < 1e-12, "{f} {i}→{o}: {s}");
                }
            }
        }
    }

    #[test]
    fn filter_names_round_trip() {
        for f in Filter::ALL {
            assert_eq!(f.name().parse::<Filter>().unwrap(), f);
        }
        assert_eq!("antialias".parse::<Filter>().unwrap(), Filter::Lanczos);
        assert!("nearest".parse::<Filter>().is_err());
    }
}
