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
/// Cost: one read of every input pixel. For the factors the fast path uses (2, 4, 8) the
/// loops are compiled with the factor as a constant.
pub fn box_reduce(src: &GrayImage, factor: u32) -> GrayImage {
    match factor {
        0 | 1 => src.clone(),
        2 => reduce::<2, u16>(src, 2),
        4 => reduce::<4, u16>(src, 4),
        8 => reduce::<8, u16>(src, 8),
        // A column sum of `f` pixels fits in 16 bits up to f = 257.
        f if f <= 257 => reduce::<0, u16>(src, f as usize),
        f => reduce::<0, u32>(src, f as usize),
    }
}

/// [`box_reduce`] by `f` ≥ 2: by the constant `F` when it is not 0 (one instance per factor
/// the fast path uses, with loops the compiler specialises), else by `f`.
///
/// Each band of `f` rows is first summed down every column (`cols`, one widening vector add
/// per row, in `S`: `u16` holds up to 257 pixels), then each output pixel adds its `f`
/// neighbouring column sums: integer sums, so the order of the additions does not matter.
fn reduce<const F: usize, S>(src: &GrayImage, f: usize) -> GrayImage
where
    S: Copy + Default + From<u8> + Into<u32> + std::ops::AddAssign,
{
    let f = if F == 0 { f } else { F };
    let (w, h) = (src.width() as usize, src.height() as usize);
    let (ow, oh) = (w.div_ceil(f), h.div_ceil(f));
    if w == 0 || h == 0 {
        return GrayImage::new(ow as u32, oh as u32);
    }
    let full = w / f; // output columns whose block is whole
    let mut cols = vec![S::default(); w];
    let mut out = vec![0u8; ow * oh];
    for (band, out_row) in src.as_raw().chunks(w * f).zip(out.chunks_exact_mut(ow)) {
        let mut lines = band.chunks_exact(w);
        if let Some(first) = lines.next() {
            for (c, &v) in cols.iter_mut().zip(first) {
                *c = S::from(v);
            }
        }
        for line in lines {
            for (c, &v) in cols.iter_mut().zip(line) {
                *c += S::from(v);
            }
        }
        let rows = band.len() / w;
        let (whole, rest) = cols.split_at(full * f);
        let (out_whole, out_rest) = out_row.split_at_mut(full);
        let blocks = out_whole.iter_mut().zip(whole.chunks_exact(f));
        if rows == f {
            // Whole blocks: a constant count for a constant factor (a shift for 2, 4, 8).
            blocks.for_each(|(o, c)| *o = mean(c.iter().map(|&v| v.into()).sum(), f * f));
        } else {
            blocks.for_each(|(o, c)| *o = mean(c.iter().map(|&v| v.into()).sum(), rows * f));
        }
        if let Some(o) = out_rest.first_mut() {
            *o = mean(rest.iter().map(|&v| v.into()).sum(), rows * rest.len());
        }
    }
    GrayImage::from_raw(ow as u32, oh as u32, out).expect("ow × oh pixels by construction")
}

/// `sum / n` rounded half up.
#[inline(always)]
fn mean(sum: u32, n: usize) -> u8 {
    let n = n as u32;
    ((2 * sum + n) / (2 * n)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the definition, pixel by pixel, on odd sizes and every factor up to 9 (the
    /// constant 2, 4 and 8 and the others), and on both sides of the widest factor whose
    /// column sums fit in 16 bits (257).
    #[test]
    fn matches_the_block_mean_definition() {
        let mut rng = crate::transforms::detmath::SplitMix64::new(7);
        for (w, h) in [(1, 1), (7, 5), (16, 16), (33, 17), (512, 3), (300, 260)] {
            let px: Vec<u8> = (0..w * h).map(|_| (rng.next_u64() >> 56) as u8).collect();
            let img = GrayImage::from_raw(w, h, px).unwrap();
            for f in (1..=9u32).chain([257, 258, 300]) {
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

    #[test]
    fn empty_images_reduce_to_empty_images() {
        for f in [2, 3, 300] {
            let got = box_reduce(&GrayImage::new(0, 5), f);
            assert_eq!(got.dimensions(), (0, 5u32.div_ceil(f)));
            assert_eq!(box_reduce(&GrayImage::new(7, 0), f).dimensions(), (7u32.div_ceil(f), 0));
        }
    }

    /// The largest column sums: 257 white rows fill a 16-bit sum exactly (257 · 255 =
    /// 65535), 258 need the 32-bit one.
    #[test]
    fn white_blocks_at_the_widest_factors_stay_white() {
        for f in [257u32, 258] {
            let white = GrayImage::from_pixel(f, f, image::Luma([255]));
            assert_eq!(box_reduce(&white, f).as_raw(), &vec![255]);
        }
    }
}
