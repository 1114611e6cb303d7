//! Chapter 2's pictures: every intermediate step of each algorithm on one fixture image.
//!
//! Each algorithm's `*_stages` function returns its intermediate results; this module draws
//! them as small PNGs (grey images enlarged with nearest-neighbour so each pixel is a visible
//! square; coefficients as a diverging heat map centred on the median, red above it and blue
//! below, so the colour's side *is* the bit; bits as black (0) and white (1) cells) and writes
//! a Markdown table of the numbers behind them.

use std::fmt::Write;
use std::path::Path;

use image::{GrayImage, ImageEncoder, Luma, Rgb, RgbImage};

use crate::algorithms::{ahash, dhash, pdq, phash, whash};
use crate::decode::{load_rgb8, DecodeLimits};
use crate::error::{Error, ErrorKind, Result};
use crate::hash::Bits64;
use crate::preprocess::pillow::rgb_to_l;

use super::GeneratedFile;

/// The fixture every step picture is drawn from (a CC-BY-SA landscape photograph; licence in
/// `fixtures/manifest.tsv`).
pub const STEP_IMAGE: &str = "fixtures/lossless/endless-sky-data__00001.png";

fn png(path: &str, img: &RgbImage) -> Result<GeneratedFile> {
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("encoding {path}: {e}")))?;
    Ok(GeneratedFile { path: format!("steps/{path}"), bytes })
}

/// A grey image enlarged `scale`× with square pixels.
fn enlarge(grey: &GrayImage, scale: u32) -> RgbImage {
    RgbImage::from_fn(grey.width() * scale, grey.height() * scale, |x, y| {
        let Luma([v]) = *grey.get_pixel(x / scale, y / scale);
        Rgb([v, v, v])
    })
}

/// A `rows × cols` grid of values as a heat map centred on `centre`, each cell `scale` px.
fn heat_map(values: &[f64], cols: usize, centre: f64, scale: u32) -> RgbImage {
    let rows = values.len() / cols;
    let span = values.iter().map(|v| (v - centre).abs()).fold(0.0f64, f64::max).max(1e-12);
    RgbImage::from_fn(cols as u32 * scale, rows as u32 * scale, |x, y| {
        let v = values[(y / scale) as usize * cols + (x / scale) as usize];
        // Square-root scaling keeps small coefficients visible next to large ones.
        let t = ((v - centre).abs() / span).sqrt();
        let fade = (255.0 * (1.0 - t)).round() as u8;
        if v > centre {
            Rgb([255, fade, fade])
        } else {
            Rgb([fade, fade, 255])
        }
    })
}

/// Bits as black/white cells with a thin grey grid; `bit_at(row, col)` gives each cell.
fn bit_grid(rows: u32, cols: u32, scale: u32, bit_at: impl Fn(u32, u32) -> bool) -> RgbImage {
    RgbImage::from_fn(cols * scale, rows * scale, |x, y| {
        if x % scale == 0 || y % scale == 0 {
            return Rgb([128, 128, 128]);
        }
        if bit_at(y / scale, x / scale) {
            Rgb([255, 255, 255])
        } else {
            Rgb([0, 0, 0])
        }
    })
}

/// A 64-bit hash as an 8×8 [`bit_grid`], bit `8 row + col` per cell (the hashes' row-major
/// order).
fn bits64_grid(hash: &Bits64) -> RgbImage {
    bit_grid(8, 8, 16, |r, c| hash.bit((8 * r + c) as usize))
}

fn grey_from_f32(values: &[f32], width: u32) -> GrayImage {
    let height = values.len() as u32 / width;
    GrayImage::from_fn(width, height, |x, y| {
        Luma([values[(y * width + x) as usize].round().clamp(0.0, 255.0) as u8])
    })
}

fn matrix_table(md: &mut String, values: &[f64], cols: usize, decimals: usize) {
    let _ = write!(md, "| |");
    for c in 0..cols {
        let _ = write!(md, " {c} |");
    }
    let _ = writeln!(md, "\n|---|{}", "---|".repeat(cols));
    for (r, row) in values.chunks(cols).enumerate() {
        let _ = write!(md, "| **{r}** |");
        for v in row {
            let _ = write!(md, " {v:.decimals$} |");
        }
        let _ = writeln!(md);
    }
}

fn bytes_of(grey: &GrayImage) -> Vec<f64> {
    grey.as_raw().iter().map(|&v| f64::from(v)).collect()
}

pub(super) fn files(root: &Path) -> Result<Vec<GeneratedFile>> {
    let rgb = load_rgb8(root.join(STEP_IMAGE), &DecodeLimits::default())?;
    let grey = rgb_to_l(&rgb);
    let mut out = vec![png("input.png", &rgb)?, png("grey.png", &enlarge(&grey, 1))?];

    // aHash.
    let a = ahash::ahash_stages(&grey)?;
    out.push(png("ahash-1-thumbnail.png", &enlarge(&a.thumbnail, 16))?);
    out.push(png("ahash-2-bits.png", &bits64_grid(&a.hash))?);
    let mut md = format!(
        "The 8×8 thumbnail's values (sum {}, mean {:.4}); a bit is 1 where the value is above \
         the mean. Hash: `{}`.\n\n",
        a.sum,
        a.mean,
        a.hash.to_hex()
    );
    matrix_table(&mut md, &bytes_of(&a.thumbnail), 8, 0);
    out.push(GeneratedFile::text("steps/ahash.md", md));

    // dHash.
    let d = dhash::dhash_stages(&grey)?;
    out.push(png("dhash-1-thumbnail.png", &enlarge(&d.thumbnail, 16))?);
    out.push(png("dhash-2-bits.png", &bits64_grid(&d.hash))?);
    let mut md = format!(
        "The 9×8 thumbnail's values; bit (row, column) is 1 where the pixel to the right is \
         brighter than its left neighbour. Hash: `{}`.\n\n",
        d.hash.to_hex()
    );
    matrix_table(&mut md, &bytes_of(&d.thumbnail), 9, 0);
    out.push(GeneratedFile::text("steps/dhash.md", md));

    // pHash.
    let p = phash::phash_stages(&grey)?;
    let p_dct: Vec<f64> = p.dct.iter().flatten().copied().collect();
    out.push(png("phash-1-thumbnail.png", &enlarge(&p.thumbnail, 4))?);
    out.push(png("phash-2-dct.png", &heat_map(&p_dct, 8, p.median, 16))?);
    out.push(png("phash-3-bits.png", &bits64_grid(&p.hash))?);
    let mut md = format!(
        "The 8×8 lowest DCT coefficients of the 32×32 thumbnail (row = vertical frequency); \
         median {:.4}; a bit is 1 where the coefficient is above the median. Hash: `{}`.\n\n",
        p.median,
        p.hash.to_hex()
    );
    matrix_table(&mut md, &p_dct, 8, 2);
    out.push(GeneratedFile::text("steps/phash.md", md));

    // wHash.
    let w = whash::whash_stages(&grey)?;
    let w_ll: Vec<f64> = w.ll.iter().flatten().copied().collect();
    let scale = (256 / w.image_scale).max(1);
    out.push(png("whash-1-thumbnail.png", &enlarge(&w.thumbnail, scale))?);
    out.push(png("whash-2-ll.png", &heat_map(&w_ll, 8, w.median, 16))?);
    out.push(png("whash-3-bits.png", &bits64_grid(&w.hash))?);
    let mut md = format!(
        "image_scale = {}: the thumbnail is {}×{}. The 8×8 Haar LL band after removing the \
         lowest frequency; median {:.6}; a bit is 1 where the value is above the median. \
         Hash: `{}`.\n\n",
        w.image_scale,
        w.image_scale,
        w.image_scale,
        w.median,
        w.hash.to_hex()
    );
    matrix_table(&mut md, &w_ll, 8, 4);
    out.push(GeneratedFile::text("steps/whash.md", md));

    // PDQ.
    let luma = pdq::rgb_to_pdq_luma(&rgb);
    let s = pdq::pdq_stages(&luma, rgb.width() as usize, rgb.height() as usize)?;
    let down: Vec<f32> = s.downsampled.iter().flatten().copied().collect();
    let q_dct: Vec<f64> = s.dct.iter().flatten().map(|&v| f64::from(v)).collect();
    out.push(png("pdq-1-luma.png", &enlarge(&grey_from_f32(&luma, rgb.width()), 1))?);
    out.push(png("pdq-2-downsampled.png", &enlarge(&grey_from_f32(&down, 64), 4))?);
    out.push(png("pdq-3-dct.png", &heat_map(&q_dct, 16, f64::from(s.median), 16))?);
    // Coefficient (i, j) is bit 255 − (16 i + j): draw cells where the coefficients are.
    out.push(png(
        "pdq-4-bits.png",
        &bit_grid(16, 16, 16, |r, c| s.hash.bit(255 - (16 * r + c) as usize)),
    )?);
    let md = format!(
        "Image {}×{}; Jarosz box filter of window {}×{} (two passes each way), decimated to \
         64×64; quality {}; 16×16 DCT coefficients with median {:.4}. Hash: `{}`.\n",
        rgb.width(),
        rgb.height(),
        pdq::jarosz_window(rgb.width() as usize, 64),
        pdq::jarosz_window(rgb.height() as usize, 64),
        s.quality,
        s.median,
        s.hash.to_hex()
    );
    out.push(GeneratedFile::text("steps/pdq.md", md));
    Ok(out)
}
