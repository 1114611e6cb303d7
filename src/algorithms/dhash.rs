//! dHash, the difference hash: "does the thumbnail get brighter from left to right?"
//!
//! # Idea
//!
//! Instead of comparing pixels with a global mean (aHash), compare each pixel with its
//! right-hand neighbour. That records the direction of the horizontal gradients — the edges —
//! which survive brightness, contrast and gamma changes much better than absolute levels.
//!
//! # Steps (imagehash 4.3.2 `dhash(image, hash_size=8)`)
//!
//! 1. Greyscale: Pillow "L" (done by the caller).
//! 2. Resize to **9 wide × 8 high** with Pillow's LANCZOS filter: 9 columns give 8 differences
//!    per row.
//! 3. Bit `p = row·8 + col` is set when pixel `(row, col + 1)` is **strictly** greater than
//!    pixel `(row, col)` — the right neighbour is brighter. (imagehash:
//!    `pixels[:, 1:] > pixels[:, :-1]`.) Pure integer comparisons: no rounding anywhere after
//!    the resize.
//!
//! # Bit order
//!
//! Row-major, top row first, leftmost pair first, most significant bit first; the hex is what
//! `str(imagehash.dhash(img))` prints.
//!
//! # Complexity
//!
//! The resize dominates: `O(width · height)`; then 64 comparisons.
//!
//! # Known weaknesses
//!
//! - Flat regions: neighbours with equal values give 0 bits, and neighbours that differ by one
//!   grey level after resizing flip with the slightest change (re-encoding, resampler details).
//!   A constant image hashes to all zeros.
//! - Only horizontal structure is seen: an image of horizontal stripes hashes like a flat one.
//! - Not robust to crops, rotations or mirroring (mirroring inverts most bits).

use image::GrayImage;

use crate::error::Result;
use crate::hash::Bits64;
use crate::preprocess::pillow::{resize, Filter};

/// Side of the hash grid (imagehash's default `hash_size`).
pub const HASH_SIZE: u32 = 8;

/// The intermediate stages of [`dhash`], for teaching and drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct DHashStages {
    /// The 9-wide, 8-high LANCZOS thumbnail.
    pub thumbnail: GrayImage,
    /// The hash.
    pub hash: Bits64,
}

/// dHash of a Pillow-"L" image (see the [module docs](self)).
///
/// Errors with [`ErrorKind::Unhashable`](crate::ErrorKind::Unhashable) on an empty image.
///
/// ```
/// use hashscope::algorithms::dhash::dhash;
/// // Brightness increasing to the right everywhere: every bit set.
/// let img = image::GrayImage::from_fn(9, 8, |x, _| image::Luma([(x * 30) as u8]));
/// assert_eq!(dhash(&img).unwrap().to_hex(), "ffffffffffffffff");
/// ```
pub fn dhash(luma: &GrayImage) -> Result<Bits64> {
    Ok(dhash_stages(luma)?.hash)
}

/// dHash with its intermediate stages.
pub fn dhash_stages(luma: &GrayImage) -> Result<DHashStages> {
    let w = HASH_SIZE + 1;
    let thumbnail = resize(luma, w, HASH_SIZE, Filter::Lanczos)?;
    let mut hash = Bits64::zero();
    for (row, line) in thumbnail.as_raw().chunks_exact(w as usize).enumerate() {
        for (col, pair) in line.windows(2).enumerate() {
            hash.set(row * HASH_SIZE as usize + col, pair[1] > pair[0]);
        }
    }
    Ok(DHashStages { thumbnail, hash })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn direction_is_right_brighter_than_left() {
        let ramp = |up: bool| {
            GrayImage::from_fn(9, 8, move |x, _| {
                image::Luma([if up { x * 20 } else { 200 - x * 20 } as u8])
            })
        };
        assert_eq!(dhash(&ramp(true)).unwrap().to_hex(), "ffffffffffffffff");
        assert_eq!(dhash(&ramp(false)).unwrap(), Bits64::zero());
    }

    #[test]
    fn one_step_per_row() {
        // On a 9×8 image (no resampling), row r has a single rising step between columns r
        // and r+1, so bit p = r·8 + r is set: the diagonal.
        let img = GrayImage::from_fn(9, 8, |x, y| image::Luma([if x > y { 100 } else { 50 }]));
        let h = dhash(&img).unwrap();
        assert_eq!(h.to_hex(), "8040201008040201");
        for r in 0..8 {
            assert!(h.bit(r * 8 + r));
        }
    }

    #[test]
    fn constant_and_tiny_images() {
        let flat = GrayImage::from_pixel(31, 17, image::Luma([128]));
        assert_eq!(dhash(&flat).unwrap(), Bits64::zero());
        let one = GrayImage::from_pixel(1, 1, image::Luma([3]));
        assert_eq!(dhash(&one).unwrap(), Bits64::zero());
        // 2×1 dark→bright: the Lanczos-upsampled edge rises everywhere except at the two
        // ends, where the kernel's overshoot is clipped to 0 and 255 (imagehash 4.3.2 prints
        // 7e7e7e7e7e7e7e7e).
        let two = GrayImage::from_raw(2, 1, vec![0, 255]).unwrap();
        assert_eq!(dhash(&two).unwrap().to_hex(), "7e7e7e7e7e7e7e7e");
        assert_eq!(dhash(&GrayImage::new(4, 0)).unwrap_err().kind(), ErrorKind::Unhashable);
    }

    #[test]
    fn small_synthetic_images_match_imagehash() {
        // Expected values printed by imagehash 4.3.2 + Pillow 13.0.0 for the same images.
        let q8 =
            GrayImage::from_fn(8, 8, |x, y| image::Luma([if x >= 4 && y >= 4 { 255 } else { 0 }]));
        assert_eq!(dhash(&q8).unwrap().to_hex(), "000000005a5a5a5a");
        let mut px8 = GrayImage::new(8, 8);
        px8.put_pixel(5, 2, image::Luma([255]));
        assert_eq!(dhash(&px8).unwrap().to_hex(), "00002d0000000000");
        let q16 =
            GrayImage::from_fn(16, 16, |x, y| image::Luma([if x < 8 && y < 8 { 250 } else { 5 }]));
        assert_eq!(dhash(&q16).unwrap().to_hex(), "2424242400180000");
    }

    #[test]
    fn deterministic() {
        let img = GrayImage::from_fn(50, 20, |x, y| image::Luma([((x * x + y * 3) % 256) as u8]));
        assert_eq!(dhash(&img).unwrap(), dhash(&img).unwrap());
    }
}
