//! What every attack reports, and how success is judged: by re-hashing the 8-bit PNG as
//! written and read back (and its JPEG re-encoding, when asked), never by the model.

use std::time::Instant;

use image::RgbImage;

use crate::algorithms::pdq::{pdq_from_rgb, RECOMMENDED_MIN_QUALITY};
use crate::algorithms::phash::phash;
use crate::attack::quality::{max_change, psnr, ssim};
use crate::decode::{decode_bytes, to_rgb8, DecodeLimits};
use crate::error::{Error, ErrorKind, Result};
use crate::preprocess::pillow::rgb_to_l;
use crate::transforms::Transform;
use crate::{Algorithm, ImageHash};

/// The hash of an RGB image under `algorithm` ([`Algorithm::Pdq`] or [`Algorithm::PHash`]),
/// with PDQ's quality score (`None` for pHash, which has none).
pub fn hash_image(algorithm: Algorithm, rgb: &RgbImage) -> Result<(ImageHash, Option<u8>)> {
    match algorithm {
        Algorithm::Pdq => {
            let h = pdq_from_rgb(rgb)?;
            Ok((h.image_hash(), Some(h.quality)))
        }
        Algorithm::PHash => Ok((ImageHash::new64(algorithm, phash(&rgb_to_l(rgb))?)?, None)),
        other => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("attacks are implemented for pdq and phash, not {other}"),
        )),
    }
}

/// `rgb` as PNG bytes (lossless, 8 bits per channel).
pub fn encode_png(rgb: &RgbImage) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    rgb.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("PNG encoding failed: {e}")))?;
    Ok(bytes)
}

/// Decodes image bytes (PNG as written by [`encode_png`], or any supported format) to RGB.
pub fn read_back(bytes: &[u8]) -> Result<RgbImage> {
    Ok(to_rgb8(&decode_bytes(bytes, &DecodeLimits::default())?))
}

/// `rgb` with the luma perturbation `delta` (one value per pixel) added along `direction`
/// (channel `c` changes by `delta · direction[c]`; see
/// [`LinearModel::rgb_direction`](crate::attack::LinearModel::rgb_direction)), rounded to the
/// nearest integer and clipped to 0..=255.
pub fn apply_luma_delta(rgb: &RgbImage, delta: &[f64], direction: [f64; 3]) -> RgbImage {
    let mut out = rgb.clone();
    for (px, &d) in out.as_mut().chunks_exact_mut(3).zip(delta) {
        for (s, &k) in px.iter_mut().zip(&direction) {
            *s = (f64::from(*s) + d * k).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// What the attacker wants from the distance to the reference hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Evasion: distance to the original's hash strictly above the threshold (no match).
    Beyond,
    /// Collision: distance to the target hash at most the threshold (a match), and for PDQ a
    /// quality score that passes the gate, so that a detector would actually compare it.
    Within,
}

/// The re-hash of one image against a reference hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Hash of the image as read back.
    pub hash: ImageHash,
    /// PDQ quality of that hash (`None` for pHash).
    pub quality: Option<u8>,
    /// Hamming distance to the reference hash.
    pub distance: u32,
    /// Distance after a JPEG round trip at the requested quality, when one was requested.
    pub jpeg_distance: Option<u32>,
}

impl Verification {
    /// Hashes `rgb` (and its JPEG round trip at `jpeg`, if given) against `reference`.
    pub fn of(rgb: &RgbImage, reference: &ImageHash, jpeg: Option<u8>) -> Result<Verification> {
        let (hash, quality) = hash_image(reference.algorithm(), rgb)?;
        let distance = hash.distance(reference)?;
        let jpeg_distance = match jpeg {
            Some(q) => {
                let j = Transform::Jpeg { quality: q }.apply(rgb, 0)?;
                Some(hash_image(reference.algorithm(), &j)?.0.distance(reference)?)
            }
            None => None,
        };
        Ok(Verification { hash, quality, distance, jpeg_distance })
    }

    /// Whether this re-hash achieves `goal` at `threshold` (the JPEG distance too, if any).
    pub fn achieves(&self, goal: Goal, threshold: u32) -> bool {
        let ok = |d: u32| match goal {
            Goal::Beyond => d > threshold,
            Goal::Within => d <= threshold,
        };
        let gate =
            goal == Goal::Beyond || self.quality.is_none_or(|q| q >= RECOMMENDED_MIN_QUALITY);
        ok(self.distance) && self.jpeg_distance.is_none_or(ok) && gate
    }
}

/// The result of an attack, measured on the file as written and read back.
#[derive(Debug, Clone)]
pub struct AttackOutcome {
    /// Whether the re-hashed file achieves the goal at the threshold.
    pub success: bool,
    /// The goal that was pursued.
    pub goal: Goal,
    /// The threshold the goal refers to.
    pub threshold: u32,
    /// The re-hash of the written file against the reference hash (the original's for
    /// evasion, the target's for a collision).
    pub verification: Verification,
    /// Hash bits that differ between the original and the result.
    pub bits_flipped: u32,
    /// PSNR of the result against the original, dB.
    pub psnr: f64,
    /// SSIM of the result against the original.
    pub ssim: f64,
    /// Largest change of any one sample.
    pub max_change: u8,
    /// Wall-clock time of the attack, seconds (informative only: it depends on the machine).
    pub seconds: f64,
    /// Hash queries made (black-box attacks), or the number of candidates the white-box search
    /// tried.
    pub queries: u64,
    /// The PNG bytes written.
    pub png: Vec<u8>,
    /// The result as read back from `png`.
    pub image: RgbImage,
}

impl AttackOutcome {
    /// Writes `candidate` as PNG, reads it back and judges it: re-hash against `reference`
    /// (and its JPEG at `jpeg`), distance to the original's hash, quality metrics.
    #[allow(clippy::too_many_arguments)]
    pub fn judge(
        original: &RgbImage,
        original_hash: &ImageHash,
        candidate: &RgbImage,
        reference: &ImageHash,
        goal: Goal,
        threshold: u32,
        jpeg: Option<u8>,
        started: Instant,
        queries: u64,
    ) -> Result<AttackOutcome> {
        let png = encode_png(candidate)?;
        let image = read_back(&png)?;
        let verification = Verification::of(&image, reference, jpeg)?;
        let bits_flipped = verification.hash.distance(original_hash)?;
        Ok(AttackOutcome {
            success: verification.achieves(goal, threshold),
            goal,
            threshold,
            bits_flipped,
            psnr: psnr(original, &image),
            ssim: ssim(original, &image),
            max_change: max_change(original, &image),
            seconds: started.elapsed().as_secs_f64(),
            queries,
            verification,
            png,
            image,
        })
    }

    /// A short human-readable summary, one `key: value` per line.
    pub fn summary(&self) -> String {
        let goal = match self.goal {
            Goal::Beyond => format!("distance > {}", self.threshold),
            Goal::Within => format!("distance <= {}", self.threshold),
        };
        let mut s = format!(
            "success: {}\ngoal: {goal}\ndistance: {}\n",
            self.success, self.verification.distance
        );
        if let Some(j) = self.verification.jpeg_distance {
            s += &format!("jpeg_distance: {j}\n");
        }
        if let Some(q) = self.verification.quality {
            s += &format!("pdq_quality: {q}\n");
        }
        s += &format!(
            "bits_flipped: {}\npsnr_db: {:.2}\nssim: {:.5}\nmax_change: {}\nqueries: {}\nseconds: {:.3}\nhash: {}\n",
            self.bits_flipped,
            self.psnr,
            self.ssim,
            self.max_change,
            self.queries,
            self.seconds,
            self.verification.hash.to_hex()
        );
        s
    }
}
