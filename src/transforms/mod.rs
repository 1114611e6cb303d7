//! Benign image transforms for measuring how robust each hash is.
//!
//! A perceptual hash is only useful for "known material" matching if a re-encoded,
//! resized or lightly edited copy of an image still hashes close to the original. The
//! evaluation applies each [`Transform`] of a suite (usually [`standard_suite`]) to an
//! image, hashes original and copy, and reports **recall at the threshold**: the share of
//! transformed copies whose distance to their original is within the matching threshold.
//! `docs/src/robustness-transforms.md` explains for students why each transform matters
//! and which hash families are expected to survive it.
//!
//! # Exactness and determinism
//!
//! Every transform is defined precisely in its variant's documentation, so that it can be
//! reproduced in another language. The rules shared by all of them:
//!
//! - **Rounding**: a real-valued result `v` becomes a sample by rounding half away from
//!   zero (`f64::round`) and clamping to `0..=255`. Sizes are rounded the same way.
//! - **Fill colour**: pixels that come from outside the original (padding, the corners of a
//!   rotation) are black, `(0, 0, 0)`.
//! - **Same bytes everywhere**: the same image, transform and seed give byte-identical
//!   output on every run, thread count and platform. Only [`Transform::Noise`] uses the
//!   seed. Nothing here calls the platform maths library (`exp`, `ln`, `powf`, `sin`,
//!   `cos`): the few transcendental values needed (gamma curve, Gaussian weights, the
//!   rotation's sine and cosine) come from series built from `+ − × ÷`, which IEEE 754
//!   defines exactly; the blur is integer arithmetic; the random numbers are SplitMix64.
//!   Resizing uses the `image` crate's Catmull-Rom filter, a cubic polynomial (no `sin`,
//!   unlike Lanczos). The one caveat is the JPEG round trip, whose decoder (`zune-jpeg`,
//!   through `image`) may pick a SIMD code path at run time; its integer IDCT is meant to
//!   give the same result on every path, but we only test determinism on one machine.
//!   Results are tied to the `image` version in `Cargo.lock`.
//! - **Degenerate input**: an image with a zero side is rejected; 1×1 and other tiny images
//!   work with every transform (a resize never produces a side below 1 px, a crop always
//!   keeps at least 1 px). Out-of-range parameters are an [`ErrorKind::InvalidArgument`]
//!   error, as is an output above 100 megapixels.
//!
//! ```
//! use hashscope::transforms::{standard_suite, Transform};
//! let img = image::RgbImage::from_pixel(64, 48, image::Rgb([120, 80, 40]));
//! for t in standard_suite() {
//!     let out = t.apply(&img, 7).unwrap();
//!     assert!(out.width() >= 1 && out.height() >= 1, "{}", t.name());
//! }
//! let small = Transform::Resize { factor: 0.5 }.apply(&img, 0).unwrap();
//! assert_eq!(small.dimensions(), (32, 24));
//! ```

pub(crate) mod detmath;
mod font;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};
use serde::{Deserialize, Serialize};

use crate::decode::{decode_bytes, to_rgb8, DecodeLimits};
use crate::error::{Error, ErrorKind, Result};

pub use font::WATERMARK_TEXT;

/// Largest output a transform may produce, in pixels (the default decode limit).
pub const MAX_OUTPUT_PIXELS: u64 = 100_000_000;

/// One benign image transform. Apply it with [`Transform::apply`]; name it with
/// [`Transform::name`] (which [`FromStr`] parses back).
///
/// Serialised with an internal `"kind"` tag, e.g. `{"kind":"jpeg","quality":50}` or
/// `{"kind":"rotate90"}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transform {
    /// JPEG recompression: encode with the `image` crate's baseline JPEG encoder
    /// (`JpegEncoder::new_with_quality`, IJG quality scaling of the standard tables, 4:4:4,
    /// no chroma subsampling) at `quality` (1–100), then decode the bytes in memory with
    /// [`decode_bytes`] and [`to_rgb8`]. Name `jpeg{quality}`.
    Jpeg {
        /// Encoder quality, 1 (worst) to 100 (best).
        quality: u8,
    },
    /// Uniform resize: new width `max(1, round(w·factor))`, new height
    /// `max(1, round(h·factor))`, resampled with `image::imageops::resize` and
    /// `FilterType::CatmullRom` (separable Catmull-Rom cubic, support widened by the scale
    /// when shrinking, so it also antialiases). `factor` must be finite and positive.
    /// Name `resize{factor}`.
    Resize {
        /// Scale factor for both sides, e.g. 0.5.
        factor: f32,
    },
    /// Centre crop: remove `cw = min(w−1, round(w·percent/100))` columns and
    /// `ch = min(h−1, round(h·percent/100))` rows, `⌊cw/2⌋` on the left and the rest on the
    /// right, `⌊ch/2⌋` at the top and the rest at the bottom. `percent` in `[0, 100)`.
    /// Name `crop{percent}`.
    Crop {
        /// Share of the width and of the height to remove, in percent.
        percent: f32,
    },
    /// Black border: add `bx = round(w·percent/200)` black columns on the left and on the
    /// right and `by = round(h·percent/200)` black rows at the top and at the bottom, so
    /// the image grows by `percent`% of its width and height in total. `percent` in
    /// `[0, 1000]`. Name `pad{percent}`.
    Pad {
        /// Total growth of each side, in percent (half on each edge).
        percent: f32,
    },
    /// Rotation by `degrees` **counter-clockwise** (as seen on screen) about the image
    /// centre, on a canvas of the same size. Output pixel `(x, y)` samples the input at
    /// `sx = c_x + d_x·cos θ − d_y·sin θ − ½`, `sy = c_y + d_x·sin θ + d_y·cos θ − ½`, where
    /// `(c_x, c_y) = (w/2, h/2)` and `(d_x, d_y) = (x + ½ − c_x, y + ½ − c_y)`, by bilinear
    /// interpolation of the four neighbouring pixels; neighbours outside the image count as
    /// black, so the uncovered corners are black with a blended edge. Name `rotate{degrees}`.
    Rotate {
        /// Angle in degrees, counter-clockwise; any finite value.
        degrees: f32,
    },
    /// Lossless quarter turn **clockwise** (`image::imageops::rotate90`): the output is
    /// `h × w` and output pixel `(x, y)` is input pixel `(y, h − 1 − x)`. Name `rotate90cw`.
    Rotate90,
    /// Mirror left–right: output pixel `(x, y)` is input pixel `(w − 1 − x, y)`.
    /// Name `fliph`.
    FlipHorizontal,
    /// Gamma curve on each channel: `out = round(255·(in/255)^gamma)`; `gamma < 1`
    /// brightens, `gamma > 1` darkens. `gamma` in `(0, 100]`. Name `gamma{gamma}`.
    Gamma {
        /// Exponent.
        gamma: f32,
    },
    /// Gaussian blur, separable, each channel: kernel radius `r = ⌈3σ⌉`, weights
    /// `exp(−i²/(2σ²))` for `i = −r..=r` normalised to integers summing to 65536
    /// (each rounded, the centre absorbing the rounding remainder), edges extended by
    /// repeating the border pixel; a horizontal pass kept at full precision, then a vertical
    /// pass, then `out = (sum + 2³¹) >> 32`. `sigma` in `[0, 64]`; 0 is the identity.
    /// Name `blur{sigma}`.
    GaussianBlur {
        /// Standard deviation in pixels.
        sigma: f32,
    },
    /// Additive Gaussian noise, independent per channel: `out = round(in + σ·z)` clamped,
    /// where `z` is an Irwin–Hall approximation of a standard normal (bounded by ±6):
    /// with `S` the sum of twelve uniform 16-bit integers, the value is computed in `f64`
    /// as `in + (S − 393210)·σ / 65536`, left to right. The integers come
    /// from SplitMix64 seeded with `seed`, three 64-bit outputs per sample (each split into
    /// four 16-bit fields, low first), samples in row-major order, R then G then B.
    /// `sigma` in levels, `[0, 255]`. Name `noise{sigma}`.
    Noise {
        /// Standard deviation in 8-bit levels, e.g. 8.
        sigma: f32,
    },
    /// Brightness and contrast on each channel: `out = round((in − 128)·contrast + 128 +
    /// brightness)`, clamped. `brightness` in `[−255, 255]`, `contrast` in `[0, 100]`.
    /// Name `bright{brightness:+}_contrast{contrast}`, e.g. `bright+20_contrast1.25`.
    BrightnessContrast {
        /// Added to every sample, in levels.
        brightness: i16,
        /// Multiplies the distance from mid-grey 128.
        contrast: f32,
    },
    /// Greyscale as Pillow's `convert("L")`, replicated into R, G and B:
    /// `L = (19595·R + 38470·G + 7471·B + 0x8000) >> 16`. Name `grey`.
    Greyscale,
    /// Visible text watermark: [`WATERMARK_TEXT`] (`"hashscope sample"`) in a built-in 5×7
    /// pixel font (characters advance 6 units, 95 units wide in all), scaled by
    /// `s = max(1, min(⌊w/240⌋, ⌊h/24⌋))` pixels per unit, white `(255,255,255)` with a
    /// one-unit black outline (the 8-neighbourhood of every lit unit). The outlined text
    /// box, `97s × 9s` pixels, sits `2s` pixels from the right and bottom edges; whatever
    /// falls outside a small image is clipped. Name `watermark`.
    Watermark,
    /// Aspect-ratio change: width becomes `max(1, round(w·x_factor))`, height unchanged,
    /// resampled as for [`Transform::Resize`] (Catmull-Rom). `x_factor` must be finite and
    /// positive. Name `aspect{x_factor}`.
    AspectChange {
        /// Horizontal stretch factor, e.g. 1.25.
        x_factor: f32,
    },
}

/// The standard robustness suite, in this order: JPEG quality 95, 75, 50 and 30; resize
/// ×0.5 and ×0.25; centre crop 5% and 10%; pad 20%; rotate 4° (counter-clockwise) and a
/// clockwise quarter turn; horizontal flip; gamma 0.5 and 2; Gaussian blur σ = 2; noise
/// σ = 8 levels; brightness +20 with contrast ×1.25; greyscale; text watermark; aspect
/// change (width ×1.25).
///
/// ```
/// let names: Vec<String> = hashscope::standard_suite().iter().map(|t| t.name()).collect();
/// assert_eq!(names[0], "jpeg95");
/// assert!(names.contains(&"crop10".to_string()));
/// ```
pub fn standard_suite() -> Vec<Transform> {
    use Transform::*;
    vec![
        Jpeg { quality: 95 },
        Jpeg { quality: 75 },
        Jpeg { quality: 50 },
        Jpeg { quality: 30 },
        Resize { factor: 0.5 },
        Resize { factor: 0.25 },
        Crop { percent: 5.0 },
        Crop { percent: 10.0 },
        Pad { percent: 20.0 },
        Rotate { degrees: 4.0 },
        Rotate90,
        FlipHorizontal,
        Gamma { gamma: 0.5 },
        Gamma { gamma: 2.0 },
        GaussianBlur { sigma: 2.0 },
        Noise { sigma: 8.0 },
        BrightnessContrast { brightness: 20, contrast: 1.25 },
        Greyscale,
        Watermark,
        AspectChange { x_factor: 1.25 },
    ]
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidArgument, msg)
}

fn check_range(what: &str, v: f32, lo: f32, hi: f32, lo_inclusive: bool) -> Result<()> {
    let lo_ok = if lo_inclusive { v >= lo } else { v > lo };
    if v.is_finite() && lo_ok && v <= hi {
        Ok(())
    } else {
        let open = if lo_inclusive { '[' } else { '(' };
        Err(invalid(format!("{what} must be in {open}{lo}, {hi}], got {v}")))
    }
}

impl Transform {
    /// A stable short identifier, used in reports and file names, e.g. `jpeg50`,
    /// `resize0.5`, `crop10`, `rotate4`, `rotate90cw`. Numbers are printed in Rust's
    /// shortest round-trip form, so [`FromStr`] gives back the same transform.
    ///
    /// ```
    /// use hashscope::Transform;
    /// assert_eq!(Transform::Crop { percent: 10.0 }.name(), "crop10");
    /// assert_eq!("resize0.25".parse::<Transform>().unwrap(), Transform::Resize { factor: 0.25 });
    /// ```
    pub fn name(&self) -> String {
        match *self {
            Transform::Jpeg { quality } => format!("jpeg{quality}"),
            Transform::Resize { factor } => format!("resize{factor}"),
            Transform::Crop { percent } => format!("crop{percent}"),
            Transform::Pad { percent } => format!("pad{percent}"),
            Transform::Rotate { degrees } => format!("rotate{degrees}"),
            Transform::Rotate90 => "rotate90cw".to_string(),
            Transform::FlipHorizontal => "fliph".to_string(),
            Transform::Gamma { gamma } => format!("gamma{gamma}"),
            Transform::GaussianBlur { sigma } => format!("blur{sigma}"),
            Transform::Noise { sigma } => format!("noise{sigma}"),
            Transform::BrightnessContrast { brightness, contrast } => {
                format!("bright{brightness:+}_contrast{contrast}")
            }
            Transform::Greyscale => "grey".to_string(),
            Transform::Watermark => "watermark".to_string(),
            Transform::AspectChange { x_factor } => format!("aspect{x_factor}"),
        }
    }

    /// Checks the parameters against the ranges documented on each variant.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Transform::Jpeg { quality } => {
                if (1..=100).contains(&quality) {
                    Ok(())
                } else {
                    Err(invalid(format!("JPEG quality must be in 1..=100, got {quality}")))
                }
            }
            Transform::Resize { factor } => check_range("resize factor", factor, 0.0, 1e4, false),
            Transform::AspectChange { x_factor } => {
                check_range("aspect x_factor", x_factor, 0.0, 1e4, false)
            }
            Transform::Crop { percent } => {
                if percent.is_finite() && (0.0..100.0).contains(&percent) {
                    Ok(())
                } else {
                    Err(invalid(format!("crop percent must be in [0, 100), got {percent}")))
                }
            }
            Transform::Pad { percent } => check_range("pad percent", percent, 0.0, 1000.0, true),
            Transform::Rotate { degrees } => {
                if degrees.is_finite() {
                    Ok(())
                } else {
                    Err(invalid(format!("rotation angle must be finite, got {degrees}")))
                }
            }
            Transform::Gamma { gamma } => check_range("gamma", gamma, 0.0, 100.0, false),
            Transform::GaussianBlur { sigma } => check_range("blur sigma", sigma, 0.0, 64.0, true),
            Transform::Noise { sigma } => check_range("noise sigma", sigma, 0.0, 255.0, true),
            Transform::BrightnessContrast { brightness, contrast } => {
                if !(-255..=255).contains(&brightness) {
                    return Err(invalid(format!(
                        "brightness must be in -255..=255, got {brightness}"
                    )));
                }
                check_range("contrast", contrast, 0.0, 100.0, true)
            }
            Transform::Rotate90
            | Transform::FlipHorizontal
            | Transform::Greyscale
            | Transform::Watermark => Ok(()),
        }
    }

    /// Applies the transform to `img`. `seed` is used only by [`Transform::Noise`]; the
    /// same `(img, transform, seed)` always gives the same bytes.
    ///
    /// Errors ([`ErrorKind::InvalidArgument`]): an image with a zero side, a parameter out
    /// of the range its variant documents, or an output above [`MAX_OUTPUT_PIXELS`].
    pub fn apply(&self, img: &RgbImage, seed: u64) -> Result<RgbImage> {
        let (w, h) = img.dimensions();
        if w == 0 || h == 0 {
            return Err(invalid(format!("cannot transform an image of size {w}×{h}")));
        }
        self.validate()?;
        match *self {
            Transform::Jpeg { quality } => jpeg_round_trip(img, quality),
            Transform::Resize { factor } => {
                let (nw, nh) = (scaled_side(w, factor)?, scaled_side(h, factor)?);
                check_output_size(nw, nh)?;
                Ok(imageops::resize(img, nw, nh, FilterType::CatmullRom))
            }
            Transform::AspectChange { x_factor } => {
                let nw = scaled_side(w, x_factor)?;
                check_output_size(nw, h)?;
                Ok(imageops::resize(img, nw, h, FilterType::CatmullRom))
            }
            Transform::Crop { percent } => {
                let cw = crop_amount(w, percent);
                let ch = crop_amount(h, percent);
                Ok(imageops::crop_imm(img, cw / 2, ch / 2, w - cw, h - ch).to_image())
            }
            Transform::Pad { percent } => pad(img, percent),
            Transform::Rotate { degrees } => Ok(rotate(img, degrees)),
            Transform::Rotate90 => Ok(imageops::rotate90(img)),
            Transform::FlipHorizontal => Ok(imageops::flip_horizontal(img)),
            Transform::Gamma { gamma } => {
                let g = f64::from(gamma);
                Ok(map_lut(img, |v| 255.0 * detmath::pow(f64::from(v) / 255.0, g)))
            }
            Transform::GaussianBlur { sigma } => Ok(gaussian_blur(img, sigma)),
            Transform::Noise { sigma } => Ok(add_noise(img, sigma, seed)),
            Transform::BrightnessContrast { brightness, contrast } => {
                let (b, c) = (f64::from(brightness), f64::from(contrast));
                Ok(map_lut(img, |v| (f64::from(v) - 128.0) * c + 128.0 + b))
            }
            Transform::Greyscale => Ok(greyscale(img)),
            Transform::Watermark => {
                let mut out = img.clone();
                font::draw_watermark(&mut out, WATERMARK_TEXT);
                Ok(out)
            }
        }
    }
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Transform {
    type Err = Error;

    /// Parses a [`Transform::name`] back (the parameters are validated as well).
    fn from_str(s: &str) -> Result<Self> {
        fn num<T: FromStr>(s: &str, rest: &str) -> Result<T> {
            rest.parse().map_err(|_| invalid(format!("bad number {rest:?} in transform {s:?}")))
        }
        let t = match s {
            "rotate90cw" => Transform::Rotate90,
            "fliph" => Transform::FlipHorizontal,
            "grey" => Transform::Greyscale,
            "watermark" => Transform::Watermark,
            _ => {
                if let Some(r) = s.strip_prefix("jpeg") {
                    Transform::Jpeg { quality: num(s, r)? }
                } else if let Some(r) = s.strip_prefix("resize") {
                    Transform::Resize { factor: num(s, r)? }
                } else if let Some(r) = s.strip_prefix("crop") {
                    Transform::Crop { percent: num(s, r)? }
                } else if let Some(r) = s.strip_prefix("pad") {
                    Transform::Pad { percent: num(s, r)? }
                } else if let Some(r) = s.strip_prefix("rotate") {
                    Transform::Rotate { degrees: num(s, r)? }
                } else if let Some(r) = s.strip_prefix("gamma") {
                    Transform::Gamma { gamma: num(s, r)? }
                } else if let Some(r) = s.strip_prefix("blur") {
                    Transform::GaussianBlur { sigma: num(s, r)? }
                } else if let Some(r) = s.strip_prefix("noise") {
                    Transform::Noise { sigma: num(s, r)? }
                } else if let Some(r) = s.strip_prefix("aspect") {
                    Transform::AspectChange { x_factor: num(s, r)? }
                } else if let Some((b, c)) =
                    s.strip_prefix("bright").and_then(|r| r.split_once("_contrast"))
                {
                    Transform::BrightnessContrast { brightness: num(s, b)?, contrast: num(s, c)? }
                } else {
                    return Err(invalid(format!(
                        "unknown transform {s:?} (expected e.g. jpeg50, resize0.5, crop10, \
                         pad20, rotate4, rotate90cw, fliph, gamma2, blur2, noise8, \
                         bright+20_contrast1.25, grey, watermark, aspect1.25)"
                    )));
                }
            }
        };
        t.validate()?;
        Ok(t)
    }
}

/// Applies every transform of `suite` to `img` (with `seed`) and writes each result as
/// `{name}.png` into `dir` (created if missing), returning the paths written. Meant for
/// illustrating the suite in the documentation.
pub fn write_suite_examples(
    img: &RgbImage,
    suite: &[Transform],
    seed: u64,
    dir: impl AsRef<Path>,
) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(e, dir))?;
    let mut written = Vec::with_capacity(suite.len());
    for t in suite {
        let out = t.apply(img, seed)?;
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgb8(out)
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .map_err(|e| invalid(format!("PNG encoding failed: {e}")).with_source(e))?;
        let path = dir.join(format!("{}.png", t.name()));
        std::fs::write(&path, bytes).map_err(|e| Error::io(e, &path))?;
        written.push(path);
    }
    Ok(written)
}

// ---------------------------------------------------------------------------------------
// Implementations.

/// Rounds half away from zero and clamps to a sample.
fn to_sample(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

fn check_output_size(w: u32, h: u32) -> Result<()> {
    let px = u64::from(w) * u64::from(h);
    if px > MAX_OUTPUT_PIXELS {
        Err(invalid(format!(
            "output would be {w}×{h} = {px} pixels, above the limit of {MAX_OUTPUT_PIXELS}"
        )))
    } else {
        Ok(())
    }
}

/// `max(1, round(side·factor))`, or an error if it does not fit in `u32`.
fn scaled_side(side: u32, factor: f32) -> Result<u32> {
    let v = (f64::from(side) * f64::from(factor)).round().max(1.0);
    if v > f64::from(u32::MAX) {
        return Err(invalid(format!("scaled side {v} is too large")));
    }
    Ok(v as u32)
}

/// `min(side − 1, round(side·percent/100))`.
fn crop_amount(side: u32, percent: f32) -> u32 {
    let v = (f64::from(side) * f64::from(percent) / 100.0).round();
    (v as u32).min(side - 1)
}

fn pad(img: &RgbImage, percent: f32) -> Result<RgbImage> {
    let (w, h) = img.dimensions();
    let border = |side: u32| (f64::from(side) * f64::from(percent) / 200.0).round() as u64;
    let (bx, by) = (border(w), border(h));
    let (nw, nh) = (u64::from(w) + 2 * bx, u64::from(h) + 2 * by);
    let (Ok(nw), Ok(nh)) = (u32::try_from(nw), u32::try_from(nh)) else {
        return Err(invalid(format!("padded size {nw}×{nh} is too large")));
    };
    check_output_size(nw, nh)?;
    let mut out = RgbImage::from_pixel(nw, nh, Rgb([0, 0, 0]));
    // bx, by < nw, nh, which fit in u32.
    imageops::replace(&mut out, img, bx as i64, by as i64);
    Ok(out)
}

fn rotate(img: &RgbImage, degrees: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let (sin, cos) = detmath::sin_cos_degrees(f64::from(degrees));
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    let (wi, hi) = (i64::from(w), i64::from(h));
    let fetch = |x: i64, y: i64| -> [f64; 3] {
        if (0..wi).contains(&x) && (0..hi).contains(&y) {
            let p = img.get_pixel(x as u32, y as u32).0;
            [f64::from(p[0]), f64::from(p[1]), f64::from(p[2])]
        } else {
            [0.0; 3]
        }
    };
    RgbImage::from_fn(w, h, |x, y| {
        let dx = f64::from(x) + 0.5 - cx;
        let dy = f64::from(y) + 0.5 - cy;
        let sx = cx + dx * cos - dy * sin - 0.5;
        let sy = cy + dx * sin + dy * cos - 0.5;
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let (p00, p10) = (fetch(x0, y0), fetch(x0 + 1, y0));
        let (p01, p11) = (fetch(x0, y0 + 1), fetch(x0 + 1, y0 + 1));
        let mut out = [0u8; 3];
        for c in 0..3 {
            let top = p00[c] * (1.0 - fx) + p10[c] * fx;
            let bottom = p01[c] * (1.0 - fx) + p11[c] * fx;
            out[c] = to_sample(top * (1.0 - fy) + bottom * fy);
        }
        Rgb(out)
    })
}

/// Applies `f` to every sample through a 256-entry table (rounded and clamped).
fn map_lut(img: &RgbImage, f: impl Fn(u8) -> f64) -> RgbImage {
    let mut lut = [0u8; 256];
    for (v, slot) in lut.iter_mut().enumerate() {
        *slot = to_sample(f(v as u8));
    }
    let mut out = img.clone();
    for s in out.iter_mut() {
        *s = lut[usize::from(*s)];
    }
    out
}

fn greyscale(img: &RgbImage) -> RgbImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let [r, g, b] = p.0;
        let l = (19595 * u32::from(r) + 38470 * u32::from(g) + 7471 * u32::from(b) + 0x8000) >> 16;
        let l = l as u8; // at most 255: the weights sum to 65536
        p.0 = [l, l, l];
    }
    out
}

/// Integer Gaussian weights for `i = −r..=r`, summing to exactly 65536.
fn gaussian_kernel(sigma: f32) -> Vec<i64> {
    let sigma = f64::from(sigma);
    let r = (3.0 * sigma).ceil() as i64;
    let raw: Vec<f64> =
        (-r..=r).map(|i| detmath::exp(-((i * i) as f64) / (2.0 * sigma * sigma))).collect();
    let total: f64 = raw.iter().sum();
    let mut k: Vec<i64> = raw.iter().map(|v| (v / total * 65536.0).round() as i64).collect();
    let sum: i64 = k.iter().sum();
    k[r as usize] += 65536 - sum;
    k
}

fn gaussian_blur(img: &RgbImage, sigma: f32) -> RgbImage {
    if sigma == 0.0 {
        return img.clone();
    }
    let k = gaussian_kernel(sigma);
    let r = (k.len() / 2) as i64;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw();
    let clamp = |v: i64, n: usize| v.clamp(0, n as i64 - 1) as usize;
    // Horizontal pass: values scaled by 65536, kept exact.
    let mut tmp = vec![0i64; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut acc = 0i64;
                for (j, &wt) in k.iter().enumerate() {
                    let sx = clamp(x as i64 + j as i64 - r, w);
                    acc += wt * i64::from(src[(y * w + sx) * 3 + c]);
                }
                tmp[(y * w + x) * 3 + c] = acc;
            }
        }
    }
    // Vertical pass: scaled by 2^32, then rounded.
    let mut out = RgbImage::new(img.width(), img.height());
    let dst: &mut [u8] = &mut out;
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut acc = 0i64;
                for (j, &wt) in k.iter().enumerate() {
                    let sy = clamp(y as i64 + j as i64 - r, h);
                    acc += wt * tmp[(sy * w + x) * 3 + c];
                }
                dst[(y * w + x) * 3 + c] = ((acc + (1 << 31)) >> 32).clamp(0, 255) as u8;
            }
        }
    }
    out
}

fn add_noise(img: &RgbImage, sigma: f32, seed: u64) -> RgbImage {
    let sigma = f64::from(sigma);
    let mut rng = detmath::SplitMix64::new(seed);
    let mut out = img.clone();
    for s in out.iter_mut() {
        let z = rng.normal_q16() as f64;
        *s = to_sample(f64::from(*s) + z * sigma / 65536.0);
    }
    out
}

fn jpeg_round_trip(img: &RgbImage, quality: u8) -> Result<RgbImage> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(img)
        .map_err(|e| invalid(format!("JPEG encoding failed: {e}")).with_source(e))?;
    let decoded = decode_bytes(&bytes, &DecodeLimits::default())?;
    Ok(to_rgb8(&decoded))
}

#[cfg(test)]
mod tests;
