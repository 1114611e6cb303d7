//! Box reduction by an integer factor: each output pixel is the rounded mean of a
//! `factor × factor` block of input pixels (Pillow's `Image.reduce`, and what `Image.resize`
//! does first when given a `reducing_gap`, as `Image.thumbnail` is by default).
//!
//! The exact path never uses it: the imagehash algorithms resample the whole image with their
//! own filter. Under [`crate::HasherConfig::fast_decode`] it stands in for a reduced-size
//! decode where the decoder could not shrink the image (PNG, WebP, or a JPEG kept at full
//! size because PDQ needs every pixel): a JPEG decoded at `1/factor` in the DCT domain has
//! nearly these pixels (at 1/8 exactly each block's mean, up to rounding), so the imagehash
//! family sees the same kind of input whichever way the image arrived.
//!
//! ```
//! use hashscope::preprocess::reduce::box_reduce;
//! use image::GrayImage;
//! let img = GrayImage::from_raw(3, 2, vec![0, 10, 20, 30, 40, 51]).unwrap();
//! let half = box_reduce(&img, 2);
//! // Blocks: {0, 10, 30, 40} → 20; the partial last column {20, 51} → 35.5 → 36.
//! assert_eq!(half.as_raw(), &vec![20, 36]);
//! ```

use image::GrayImage;

/// `src` reduced by `factor` (≥ 1) along both axes: `⌈w / factor⌉ × ⌈h / factor⌉` pixels,
/// each the mean of its block rounded half up; blocks cut by the right or bottom edge
/// average the pixels they have (as Pillow's `reduce` does).
///
/// Cost: one read of every input pixel. The factors the fast path uses (2, 4, 8) run a
/// loop specialised for the factor, which the compiler vectorises.
pub fn box_reduce(src: &GrayImage, factor: u32) -> GrayImage {
    match factor {
        0 | 1 => src.clone(),
        2 => reduce::<2>(src),
        4 => reduce::<4>(src),
        8 => reduce::<8>(src),
        f => reduce_any(src, f as usize),
    }
}

/// [`box_reduce`] by a factor known at compile time.
fn reduce<const F: usize>(src: &GrayImage) -> GrayImage {
    let (w, h) = (src.width() as usize, src.height() as usize);
    let (ow, oh) = (w.div_ceil(F), h.div_ceil(F));
    let full = w / F; // output columns whose block is whole
    let mut sums = vec![0u32; ow];
    let mut out = Vec::with_capacity(ow * oh);
    for block_rows in src.as_raw().chunks(w * F) {
        sums.fill(0);
        for row in block_rows.chunks_exact(w) {
            let (whole, rest) = row.split_at(full * F);
            for (s, p) in sums.iter_mut().zip(whole.chunks_exact(F)) {
                let mut t = 0u32;
                for &v in p {
                    t += u32::from(v);
                }
                *s += t;
            }
            if !rest.is_empty() {
                sums[full] += rest.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        let rows = block_rows.len() / w;
        if rows == F {
            // Whole blocks: F² pixels, a power of two for the factors specialised here.
            let n = (F * F) as u32;
            out.extend(sums[..full].iter().map(|&s| ((s + n / 2) / n) as u8));
        } else {
            out.extend(sums[..full].iter().map(|&s| mean(s, rows * F)));
        }
        if full < ow {
            out.push(mean(sums[full], rows * (w - full * F)));
        }
    }
    GrayImage::from_raw(ow as u32, oh as u32, out).expect("ow × oh pixels by construction")
}

/// [`box_reduce`] by any factor.
fn reduce_any(src: &GrayImage, f: usize) -> GrayImage {
    let (w, h) = (src.width() as usize, src.height() as usize);
    let (ow, oh) = (w.div_ceil(f), h.div_ceil(f));
    let mut sums = vec![0u32; ow];
    let mut out = Vec::with_capacity(ow * oh);
    for block_rows in src.as_raw().chunks(w * f) {
        sums.fill(0);
        for row in block_rows.chunks_exact(w) {
            for (s, block) in sums.iter_mut().zip(row.chunks(f)) {
                *s += block.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        let rows = block_rows.len() / w;
        out.extend(sums.iter().enumerate().map(|(j, &s)| mean(s, rows * (w - j * f).min(f))));
    }
    GrayImage::from_raw(ow as u32, oh as u32, out).expect("ow × oh pixels by construction")
}

/// `sum / n` rounded half up.
fn mean(sum: u32, n: usize) -> u8 {
    let n = n as u32;
    ((2 * sum + n) / (2 * n)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition, pixel by pixel, on odd sizes and every factor up to 9 (the
    /// specialised 2, 4 and 8 and the general loop).
    #[test]
    fn matches_the_block_mean_definition() {
        let mut rng = crate::transforms::detmath::SplitMix64::new(7);
        for (w, h) in [(1, 1), (7, 5), (16, 16), (33, 17), (512, 3)] {
            let px: Vec<u8> = (0..w * h).map(|_| (rng.next_u64() >> 56) as u8).collect();
            let img = GrayImage::from_raw(w, h, px).unwrap();
            for f in 1..=9u32 {
                let got = box_reduce(&img, f);
                assert_eq!(got.dimensions(), (w.div_ceil(f), h.div_ceil(f)));
                for (x, y, p) in got.enumerate_pixels() {
                    let (mut sum, mut n) = (0.0f64, 0.0f64);
                    for yy in y * f..((y + 1) * f).min(h) {
                        for xx in x * f..((x + 1) * f).min(w) {
                            sum += f64::from(img.get_pixel(xx, yy)[0]);
                            n += 1.0;
                        }
                    }
                    let want = (sum / n + 0.5).floor() as u8;
                    assert_eq!(p[0], want, "{w}×{h} by {f} at ({x}, {y})");
                }
            }
        }
    }
}
