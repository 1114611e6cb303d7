//! The pipeline from an image to its hashes: one decode, one greyscale conversion, every
//! requested algorithm.
//!
//! ```no_run
//! use hashscope::{Algorithm, HasherConfig};
//! let hasher = HasherConfig::default().algorithms(&[Algorithm::Pdq, Algorithm::PHash]).build();
//! let hashes = hasher.hash_path("fixtures/lossless/endless-sky-data__00001.png")?;
//! println!("{} (quality {:?})", hashes.get(Algorithm::Pdq).unwrap(), hashes.pdq_quality);
//! # Ok::<(), hashscope::Error>(())
//! ```
//!
//! The imagehash family (aHash, dHash, pHash, wHash) starts from Pillow's 8-bit "L"
//! greyscale ([`crate::preprocess::pillow::rgb_to_l`]); PDQ starts from its own float luma
//! of the RGB pixels. Both are computed at most once per image.

use std::path::Path;

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};

use crate::algorithms::{ahash, dhash, pdq, phash, whash};
use crate::decode::{decode_bytes, decode_path, to_rgb8, DecodeLimits};
use crate::error::{Error, ErrorKind, Result};
use crate::hash::{Algorithm, ImageHash};
use crate::preprocess::pillow::rgb_to_l;

/// What to compute: which algorithms, and the decoding limits. Serialisable so that every
/// report records exactly what ran.
///
/// ```
/// use hashscope::{Algorithm, HasherConfig};
/// let cfg = HasherConfig::default().algorithms(&[Algorithm::Pdq]);
/// assert_eq!(cfg.algorithms, vec![Algorithm::Pdq]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HasherConfig {
    /// The algorithms to compute, in output order (default: all five).
    pub algorithms: Vec<Algorithm>,
    /// Decoding limits (decompression-bomb protection).
    pub limits: DecodeLimits,
}

impl Default for HasherConfig {
    fn default() -> Self {
        HasherConfig { algorithms: Algorithm::ALL.to_vec(), limits: DecodeLimits::default() }
    }
}

impl HasherConfig {
    /// Sets the algorithms (duplicates are removed, order kept).
    #[must_use]
    pub fn algorithms(mut self, algos: &[Algorithm]) -> Self {
        let mut v: Vec<Algorithm> = Vec::new();
        for &a in algos {
            if !v.contains(&a) {
                v.push(a);
            }
        }
        self.algorithms = v;
        self
    }

    /// Sets the decoding limits.
    #[must_use]
    pub fn limits(mut self, limits: DecodeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Builds the hasher.
    pub fn build(self) -> Hasher {
        Hasher { config: self }
    }
}

/// The hashes of one image, in the configured algorithm order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageHashes {
    /// Width of the decoded image in pixels.
    pub width: u32,
    /// Height of the decoded image in pixels.
    pub height: u32,
    /// One hash per configured algorithm.
    pub hashes: Vec<ImageHash>,
    /// PDQ's quality score (0–100) when PDQ was computed.
    pub pdq_quality: Option<u8>,
}

impl ImageHashes {
    /// The hash of `algorithm`, if it was computed.
    pub fn get(&self, algorithm: Algorithm) -> Option<&ImageHash> {
        self.hashes.iter().find(|h| h.algorithm() == algorithm)
    }
}

/// Computes the configured hashes of images. Cheap to clone and share across threads.
#[derive(Debug, Clone)]
pub struct Hasher {
    config: HasherConfig,
}

impl Default for Hasher {
    fn default() -> Self {
        HasherConfig::default().build()
    }
}

impl Hasher {
    /// The configuration this hasher runs.
    pub fn config(&self) -> &HasherConfig {
        &self.config
    }

    /// Decodes the file at `path` and hashes it. Errors name the file.
    pub fn hash_path(&self, path: impl AsRef<Path>) -> Result<ImageHashes> {
        let path = path.as_ref();
        let img = decode_path(path, &self.config.limits)?;
        self.hash_rgb(&to_rgb8(&img)).map_err(|e| e.with_path(path))
    }

    /// Decodes encoded image bytes and hashes them.
    pub fn hash_bytes(&self, bytes: &[u8]) -> Result<ImageHashes> {
        let img = decode_bytes(bytes, &self.config.limits)?;
        self.hash_rgb(&to_rgb8(&img))
    }

    /// Hashes a raw, interleaved 8-bit RGB buffer of `width × height` pixels
    /// (decoder-independent input).
    pub fn hash_rgb_buffer(&self, width: u32, height: u32, rgb: &[u8]) -> Result<ImageHashes> {
        let expected = u64::from(width) * u64::from(height) * 3;
        if rgb.len() as u64 != expected {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("RGB buffer of {width}×{height} needs {expected} bytes, got {}", rgb.len()),
            ));
        }
        let img = RgbImage::from_raw(width, height, rgb.to_vec()).ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument, "RGB buffer does not match its size")
        })?;
        self.hash_rgb(&img)
    }

    /// Hashes a raw 8-bit greyscale buffer of `width × height` pixels. The imagehash family
    /// uses it as Pillow's "L" image; PDQ uses it as its luma (an RGB image with R = G = B
    /// has exactly this luma in both).
    pub fn hash_luma_buffer(&self, width: u32, height: u32, luma: &[u8]) -> Result<ImageHashes> {
        let expected = u64::from(width) * u64::from(height);
        if luma.len() as u64 != expected {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "luma buffer of {width}×{height} needs {expected} bytes, got {}",
                    luma.len()
                ),
            ));
        }
        let gray = GrayImage::from_raw(width, height, luma.to_vec()).ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument, "luma buffer does not match its size")
        })?;
        let pdq_luma = || luma.iter().map(|&v| f32::from(v)).collect::<Vec<f32>>();
        self.hash_prepared(width, height, || Ok(gray.clone()), || Ok(pdq_luma()))
    }

    /// Hashes a decoded RGB image.
    pub fn hash_rgb(&self, rgb: &RgbImage) -> Result<ImageHashes> {
        self.hash_prepared(
            rgb.width(),
            rgb.height(),
            || Ok(rgb_to_l(rgb)),
            || Ok(pdq::rgb_to_pdq_luma(rgb)),
        )
    }

    fn hash_prepared(
        &self,
        width: u32,
        height: u32,
        gray: impl FnOnce() -> Result<GrayImage>,
        pdq_luma: impl FnOnce() -> Result<Vec<f32>>,
    ) -> Result<ImageHashes> {
        if width == 0 || height == 0 {
            return Err(Error::new(
                ErrorKind::Unhashable,
                format!("image has zero size ({width}×{height})"),
            ));
        }
        let algos = &self.config.algorithms;
        let gray = if algos.iter().any(|&a| a != Algorithm::Pdq) { Some(gray()?) } else { None };
        let pdq = if algos.contains(&Algorithm::Pdq) {
            Some(pdq::pdq_from_luma(&pdq_luma()?, width as usize, height as usize)?)
        } else {
            None
        };
        let mut hashes = Vec::with_capacity(algos.len());
        for &algo in algos {
            let h = match (algo, &gray, &pdq) {
                (Algorithm::Pdq, _, Some(p)) => ImageHash::new256(algo, p.hash)?,
                (Algorithm::AHash, Some(g), _) => ImageHash::new64(algo, ahash::ahash(g)?)?,
                (Algorithm::DHash, Some(g), _) => ImageHash::new64(algo, dhash::dhash(g)?)?,
                (Algorithm::PHash, Some(g), _) => ImageHash::new64(algo, phash::phash(g)?)?,
                (Algorithm::WHash, Some(g), _) => ImageHash::new64(algo, whash::whash(g)?)?,
                // Unreachable: `gray` and `pdq` were computed exactly for the algorithms above.
                _ => return Err(Error::new(ErrorKind::InvalidArgument, "internal: missing input")),
            };
            hashes.push(h);
        }
        let pdq_quality = pdq.map(|p| p.quality);
        Ok(ImageHashes { width, height, hashes, pdq_quality })
    }
}
