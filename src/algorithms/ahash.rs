//! aHash, the average hash: "which parts of the thumbnail are brighter than average?"
//!
//! # Idea
//!
//! Shrink the image until only its coarse layout of light and dark remains, then record one
//! bit per pixel: is it brighter than the mean? Two images with the same layout of light and
//! dark get the same bits, whatever their size, compression or small colour changes.
//!
//! # Steps (imagehash 4.3.2 `average_hash(image, hash_size=8, mean=numpy.mean)`)
//!
//! 1. Greyscale: Pillow "L" (done by the caller, see
//!    [`rgb_to_l`](crate::preprocess::pillow::rgb_to_l)) — colour is discarded.
//! 2. Resize to 8 × 8 with Pillow's LANCZOS filter
//!    ([`resize`]). Because the kernel is stretched by the
//!    scale factor, each of the 64 pixels is (roughly) the average of its block of the image:
//!    detail, noise and JPEG artefacts are averaged away.
//! 3. Mean of the 64 values (in `f64`, as numpy does; the sum of 64 bytes is exact).
//! 4. Bit `p = row·8 + col` is set when pixel `(row, col)` is **strictly** greater than the mean.
//!    Comparing `64·pixel > sum` in integers gives exactly the same answer, with no rounding.
//!
//! # Bit order
//!
//! Row-major, top-left pixel first, most significant bit first: the hex string is what
//! `str(imagehash.average_hash(img))` prints.
//!
//! # Complexity
//!
//! The resize dominates: `O(width · height)` work; the hash itself is 64 comparisons.
//!
//! # Known weaknesses
//!
//! - Global changes of brightness or contrast barely matter, but a gamma change or a
//!   gradient overlay moves pixels across the mean and flips bits.
//! - Low-contrast images (sky, documents, flat illustrations) have many pixels close to the
//!   mean, so their bits are fragile; a constant image hashes to all zeros (no pixel is
//!   *greater* than the mean), as do all constant images — they all match each other.
//! - Not robust to crops, rotations, mirroring or large overlays; easy to collide on purpose.

use image::GrayImage;

use crate::error::Result;
use crate::hash::Bits64;
use crate::preprocess::pillow::{resize, Filter};

/// Side of the hash grid (imagehash's default `hash_size`).
pub const HASH_SIZE: u32 = 8;

/// The intermediate stages of [`ahash`], for teaching and drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct AHashStages {
    /// The 8×8 LANCZOS thumbnail.
    pub thumbnail: GrayImage,
    /// Sum of the 64 thumbnail pixels.
    pub sum: u32,
    /// Their mean, `sum / 64` (exact in `f64`).
    pub mean: f64,
    /// The hash.
    pub hash: Bits64,
}

/// aHash of a Pillow-"L" image (see the [module docs](self)).
///
/// Errors with [`ErrorKind::Unhashable`](crate::ErrorKind::Unhashable) on an empty image.
///
/// ```
/// use hashscope::algorithms::ahash::ahash;
/// // Left half black, right half white: the right four columns are above the mean.
/// let img = image::GrayImage::from_fn(64, 64, |x, _| image::Luma([if x < 32 { 0 } else { 255 }]));
/// assert_eq!(ahash(&img).unwrap().to_hex(), "0f0f0f0f0f0f0f0f");
/// ```
pub fn ahash(luma: &GrayImage) -> Result<Bits64> {
    Ok(ahash_stages(luma)?.hash)
}

/// aHash with its intermediate stages.
pub fn ahash_stages(luma: &GrayImage) -> Result<AHashStages> {
    let thumbnail = resize(luma, HASH_SIZE, HASH_SIZE, Filter::Lanczos)?;
    let sum: u32 = thumbnail.as_raw().iter().map(|&p| u32::from(p)).sum();
    let n = thumbnail.as_raw().len() as u32;
    let mut hash = Bits64::zero();
    for (p, &v) in thumbnail.as_raw().iter().enumerate() {
        // v > sum / n, without division.
        hash.set(p, u32::from(v) * n > sum);
    }
    Ok(AHashStages { thumbnail, sum, mean: f64::from(sum) / f64::from(n), hash })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn halves_and_quadrants() {
        // Top half bright: rows 0–3 set.
        let img = GrayImage::from_fn(40, 40, |_, y| image::Luma([if y < 20 { 200 } else { 10 }]));
        assert_eq!(ahash(&img).unwrap().to_hex(), "ffffffff00000000");
        // Bottom-right quadrant bright on an 8×8 image (no resampling): rows 4–7, cols 4–7.
        let img =
            GrayImage::from_fn(8, 8, |x, y| image::Luma([if x >= 4 && y >= 4 { 255 } else { 0 }]));
        assert_eq!(ahash(&img).unwrap().to_hex(), "000000000f0f0f0f");
    }

    #[test]
    fn single_bright_pixel_on_8x8() {
        // 8×8 input is not resampled; mean = 255/64 ≈ 4, only (2, 5) is above: p = 21.
        let mut img = GrayImage::new(8, 8);
        img.put_pixel(5, 2, image::Luma([255]));
        let h = ahash(&img).unwrap();
        assert_eq!(h.count_ones(), 1);
        assert!(h.bit(21));
        assert_eq!(h.to_hex(), "0000040000000000");
    }

    #[test]
    fn constant_image_is_all_zero() {
        for v in [0, 77, 255] {
            let img = GrayImage::from_pixel(13, 29, image::Luma([v]));
            let s = ahash_stages(&img).unwrap();
            assert_eq!(s.hash, Bits64::zero());
            assert_eq!(s.mean, f64::from(v));
        }
    }

    #[test]
    fn tiny_images() {
        // 1×1 upsamples to a constant thumbnail.
        let one = GrayImage::from_pixel(1, 1, image::Luma([90]));
        assert_eq!(ahash(&one).unwrap(), Bits64::zero());
        // 2×1, dark then bright: Lanczos upsampling gives a left-to-right ramp; imagehash 4.3.2
        // prints 0f0f0f0f0f0f0f0f for this image.
        let two = GrayImage::from_raw(2, 1, vec![0, 255]).unwrap();
        assert_eq!(ahash(&two).unwrap().to_hex(), "0f0f0f0f0f0f0f0f");
        let empty = GrayImage::new(0, 5);
        assert_eq!(ahash(&empty).unwrap_err().kind(), ErrorKind::Unhashable);
    }

    #[test]
    fn small_synthetic_images_match_imagehash() {
        // Expected values printed by imagehash 4.3.2 + Pillow 13.0.0 for the same images.
        let diag = GrayImage::from_fn(9, 8, |x, y| image::Luma([if x > y { 100 } else { 50 }]));
        assert_eq!(ahash(&diag).unwrap().to_hex(), "7f3f1f0f0f070301");
        let ramp = GrayImage::from_fn(32, 32, |x, _| image::Luma([255 - (x * 8) as u8]));
        assert_eq!(ahash(&ramp).unwrap().to_hex(), "f0f0f0f0f0f0f0f0");
    }

    #[test]
    fn deterministic() {
        let img = GrayImage::from_fn(37, 23, |x, y| image::Luma([((x * 7 + y * 13) % 251) as u8]));
        assert_eq!(ahash(&img).unwrap(), ahash(&img).unwrap());
    }
}
