//! Content-agnostic lists: the detector flags whatever the list contains.
//!
//! A hash list is a set of numbers. Nothing in a PDQ hash says whether it was computed from
//! abuse material, a political poster or a holiday photo, and the detector treats every entry
//! alike. Two experiments on benign images make this concrete (`tests/attack.rs`,
//! `figures_lists`):
//!
//! - **Another category.** Build the list from one benign collection (standing in for, say,
//!   "political posters") and scan JPEG re-encodings of that collection and the images of all
//!   other collections: the stand-ins are found exactly as listed material would be, and the
//!   other images are not.
//! - **Poisoning.** Plant a few entries *near* (a few bits from) the hashes of common benign
//!   images — here the default desktop wallpapers of one collection, which sit on very many
//!   devices — and measure the false-match rate that results among those images.
//!
//! [`flagged`] runs the reference [`Detector`] over images; [`plant_near`] makes a planted
//! entry. Both are deliberately small: the point is that no extra machinery is needed.

use image::RgbImage;

use crate::attack::outcome::hash_image;
use crate::detector::{Detector, DetectorConfig};
use crate::error::Result;
use crate::stats::Rate;
use crate::{Algorithm, ImageHash};

/// The PDQ or pHash hashes of `images`, as a list.
pub fn list_of(algorithm: Algorithm, images: &[RgbImage]) -> Result<Vec<ImageHash>> {
    images.iter().map(|rgb| Ok(hash_image(algorithm, rgb)?.0)).collect()
}

/// A detector with the default threshold (and, for PDQ, quality gate) over `list`.
pub fn detector(algorithm: Algorithm, list: &[ImageHash]) -> Result<Detector> {
    Detector::new(algorithm, list, vec![], DetectorConfig::for_algorithm(algorithm))
}

/// How many of `images` the detector flags, as a rate with its exact 95 % interval.
pub fn flagged(detector: &Detector, images: &[RgbImage]) -> Result<Rate> {
    let mut k = 0u64;
    for rgb in images {
        k += u64::from(detector.scan_rgb(rgb)?.verdict.is_match());
    }
    Rate::clopper_pearson(k, images.len() as u64)
}

/// A planted entry: `hash` with its first `bits` bit positions inverted, so that the entry is
/// not the image's own hash but still within the threshold of it (for `bits` ≤ threshold).
pub fn plant_near(hash: &ImageHash, bits: usize) -> Result<ImageHash> {
    if let Some(mut b) = hash.as_bits256() {
        (0..bits.min(256)).for_each(|p| b.flip(p));
        ImageHash::new256(hash.algorithm(), b)
    } else if let Some(mut b) = hash.as_bits64() {
        (0..bits.min(64)).for_each(|p| b.flip(p));
        ImageHash::new64(hash.algorithm(), b)
    } else {
        Ok(*hash)
    }
}
