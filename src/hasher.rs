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

use std::cell::RefCell;
use std::io::Read;
use std::path::Path;

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};

use crate::algorithms::pdq::PdqHasher;
use crate::algorithms::{ahash, dhash, phash, whash};
use crate::decode::{
    decode_pixels_into, decode_reduced_into, reduced_denominator, DecodeLimits, Output,
};
use crate::error::{Error, ErrorKind, Result};
use crate::hash::{Algorithm, ImageHash};
use crate::preprocess::pillow::rgb_to_l_into;
use crate::preprocess::reduce::box_reduce;

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
    /// Decode JPEGs at reduced size (1/2, 1/4 or 1/8, in the DCT domain) when the
    /// configured algorithms do not need every pixel, and (with the cargo feature
    /// `libjpeg-turbo`) straight to greyscale, the decoder's luma; where the decoder could
    /// not shrink an image (PNG, WebP, a JPEG PDQ needs whole), aHash, dHash, pHash and wHash
    /// hash its greyscale box-reduced instead ([`crate::preprocess::reduce`]); PDQ's blur
    /// is computed as two matrix products ([`crate::algorithms::pdq_separable`], not
    /// bit-exact). Off by default; applies to [`Hasher::hash_path`] and
    /// [`Hasher::hash_bytes`] (in-memory pixels are always hashed exactly). Much faster on
    /// camera photos, faster on small images too, but the pixels — and so a few hash bits —
    /// differ from the exact path: see
    /// [`crate::decode::decode_reduced_into`], [`fast_decode_min_side`] and
    /// docs/src/throughput.md.
    #[serde(default)]
    pub fast_decode: bool,
}

impl Default for HasherConfig {
    fn default() -> Self {
        HasherConfig {
            algorithms: Algorithm::ALL.to_vec(),
            limits: DecodeLimits::default(),
            fast_decode: false,
        }
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

    /// Sets [`fast_decode`](Self::fast_decode) (reduced-size JPEG decoding).
    #[must_use]
    pub fn fast_decode(mut self, on: bool) -> Self {
        self.fast_decode = on;
        self
    }

    /// Builds the hasher.
    pub fn build(self) -> Hasher {
        Hasher { config: self }
    }
}

/// Shortest side PDQ keeps under [`HasherConfig::fast_decode`]: sixteen times its 64×64
/// downsampled grid. Measured, not derived: at 512 one real 1411×1411 JPEG of
/// `fixtures/large` (decoded at 706×706) moved by 12 bits, over the bar of 10; at 1024 no
/// JPEG we have moves by more than 2 (docs/src/throughput.md).
pub const FAST_DECODE_MIN_SIDE_PDQ: u32 = 1024;

/// Shortest side aHash, dHash and pHash keep under [`HasherConfig::fast_decode`]: four times
/// pHash's 32×32 thumbnail, so the LANCZOS filter still averages several pixels per output.
/// Measured on the corpus JPEGs (≤ 512 px, docs/src/throughput.md): at 128, pHash moves by
/// at most 2 bits; at 64, by up to 4.
pub const FAST_DECODE_MIN_SIDE_IMAGEHASH: u32 = 128;

/// The shortest side a reduced-size decode must keep for `algorithms` on a `width × height`
/// image: the largest need among them. wHash keeps half its working size
/// ([`whash::image_scale`] of the stored size): its LANCZOS step then enlarges by at most 2×,
/// and each of its 64 Haar LL cells still averages at least `(image_scale / 16)²` decoded
/// pixels. Measured (docs/src/throughput.md): at half, wHash moves by at most 2 bits on every
/// JPEG we have (98–100 % identical); at a quarter the same, at an eighth 67–100 % identical.
///
/// ```
/// use hashscope::{hasher::fast_decode_min_side, Algorithm};
/// assert_eq!(fast_decode_min_side(&[Algorithm::Pdq], 6000, 4000), 1024);
/// assert_eq!(fast_decode_min_side(&[Algorithm::WHash], 6000, 4000), 1024);
/// assert_eq!(fast_decode_min_side(&[Algorithm::PHash, Algorithm::WHash], 512, 341), 128);
/// ```
pub fn fast_decode_min_side(algorithms: &[Algorithm], width: u32, height: u32) -> u32 {
    algorithms
        .iter()
        .map(|a| match a {
            Algorithm::Pdq => FAST_DECODE_MIN_SIDE_PDQ,
            Algorithm::AHash | Algorithm::DHash | Algorithm::PHash => {
                FAST_DECODE_MIN_SIDE_IMAGEHASH
            }
            Algorithm::WHash => whash::image_scale(width, height) / 2,
        })
        .max()
        .unwrap_or(1)
}

/// The hashes of one image, in the configured algorithm order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageHashes {
    /// Width of the image in pixels (as stored, even when it was decoded at reduced size).
    pub width: u32,
    /// Height of the image in pixels (as stored).
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
///
/// Working memory (the decoded pixels, the greyscale image, PDQ's blur buffers) is kept per
/// thread and reused from one image to the next, so hashing many images allocates only when a
/// larger image arrives; each thread that hashed keeps about 10 bytes per pixel of the largest
/// image it has hashed (up to the thread's end).
#[derive(Debug, Clone)]
pub struct Hasher {
    config: HasherConfig,
}

impl Default for Hasher {
    fn default() -> Self {
        HasherConfig::default().build()
    }
}

/// Reusable per-thread working memory.
struct Scratch {
    file: Vec<u8>,
    rgb: Vec<u8>,
    gray: Vec<u8>,
    pdq: PdqHasher,
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's scratch memory (fresh memory if it is already in use).
fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    let fresh =
        || Scratch { file: Vec::new(), rgb: Vec::new(), gray: Vec::new(), pdq: PdqHasher::new() };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => f(s.get_or_insert_with(fresh)),
        Err(_) => f(&mut fresh()),
    })
}

/// Where the pixels to hash came from.
#[derive(Clone, Copy)]
enum Origin {
    /// Memory, or an exact decode: hashed as they are.
    Exact,
    /// The fast path's decode of an image stored at `stored` size (perhaps decoded smaller):
    /// wHash keeps the stored size's working size, and the imagehash family may work from a
    /// box-reduced copy ([`Hasher::hash_pixels`]).
    Fast { stored: (u32, u32) },
}

/// Pixels to hash: interleaved 8-bit RGB, or 8-bit greyscale.
#[derive(Clone, Copy)]
enum Pixels<'a> {
    Rgb(&'a [u8]),
    Luma(&'a [u8]),
}

impl Hasher {
    /// The configuration this hasher runs.
    pub fn config(&self) -> &HasherConfig {
        &self.config
    }

    /// Decodes the file at `path` and hashes it. Errors name the file.
    pub fn hash_path(&self, path: impl AsRef<Path>) -> Result<ImageHashes> {
        let path = path.as_ref();
        with_scratch(|s| {
            s.file.clear();
            std::fs::File::open(path)
                .and_then(|mut f| f.read_to_end(&mut s.file))
                .map_err(|e| Error::io(e, path))?;
            self.hash_encoded(s).map_err(|e| e.with_path(path))
        })
    }

    /// Decodes encoded image bytes and hashes them.
    pub fn hash_bytes(&self, bytes: &[u8]) -> Result<ImageHashes> {
        with_scratch(|s| {
            s.file.clear();
            s.file.extend_from_slice(bytes);
            self.hash_encoded(s)
        })
    }

    /// Decodes `s.file` into `s.rgb` and hashes it.
    fn hash_encoded(&self, s: &mut Scratch) -> Result<ImageHashes> {
        if self.config.fast_decode {
            let algos = &self.config.algorithms;
            let min_side = |w, h| fast_decode_min_side(algos, w, h);
            let lim = &self.config.limits;
            let d =
                decode_reduced_into(&s.file, lim, min_side, Output::LumaWhereCheaper, &mut s.rgb)?;
            let pixels = if d.luma { Pixels::Luma(&s.rgb) } else { Pixels::Rgb(&s.rgb) };
            let mut hashes = self.hash_pixels(
                pixels,
                (d.decoded_width, d.decoded_height),
                Origin::Fast { stored: (d.width, d.height) },
                &mut s.gray,
                &mut s.pdq,
            )?;
            // Report the stored size, whatever size was decoded.
            (hashes.width, hashes.height) = (d.width, d.height);
            return Ok(hashes);
        }
        // An 8-bit greyscale image comes as its grey levels: what every hash reads from its
        // RGB conversion, without making it.
        let d = decode_pixels_into(&s.file, &self.config.limits, &mut s.rgb)?;
        let pixels = if d.luma { Pixels::Luma(&s.rgb) } else { Pixels::Rgb(&s.rgb) };
        self.hash_pixels(pixels, (d.width, d.height), Origin::Exact, &mut s.gray, &mut s.pdq)
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
        let size = (width, height);
        with_scratch(|s| {
            self.hash_pixels(Pixels::Rgb(rgb), size, Origin::Exact, &mut s.gray, &mut s.pdq)
        })
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
        with_scratch(|s| {
            let size = (width, height);
            self.hash_pixels(Pixels::Luma(luma), size, Origin::Exact, &mut s.gray, &mut s.pdq)
        })
    }

    /// Hashes a decoded RGB image.
    pub fn hash_rgb(&self, rgb: &RgbImage) -> Result<ImageHashes> {
        with_scratch(|s| {
            self.hash_pixels(
                Pixels::Rgb(rgb.as_raw()),
                rgb.dimensions(),
                Origin::Exact,
                &mut s.gray,
                &mut s.pdq,
            )
        })
    }

    /// The configured hashes of `pixels` (`width × height`, checked by the caller), with
    /// `gray` and `pdq` as working memory. From the fast path ([`Origin::Fast`]), wHash keeps
    /// the working size of the size stored in the file, and the imagehash family hashes the
    /// greyscale image box-reduced ([`box_reduce`]) by the factor a reduced-size decode for
    /// them alone would have used, when the decoder did not shrink it that far (PNG, WebP, or
    /// a JPEG PDQ needed whole) — except wHash when the decoded image already has its
    /// working size, which it then hashes as it is.
    fn hash_pixels(
        &self,
        pixels: Pixels,
        (width, height): (u32, u32),
        origin: Origin,
        gray_buf: &mut Vec<u8>,
        pdq_hasher: &mut PdqHasher,
    ) -> Result<ImageHashes> {
        if width == 0 || height == 0 {
            return Err(Error::new(
                ErrorKind::Unhashable,
                format!("image has zero size ({width}×{height})"),
            ));
        }
        let algos = &self.config.algorithms;
        let (w, h) = (width as usize, height as usize);
        let stored = match origin {
            Origin::Exact => (width, height),
            Origin::Fast { stored } => stored,
        };
        // The fast path's PDQ blurs by matrix products: not bit-exact with the reference's
        // running sums, several times faster (`algorithms::pdq_separable`).
        let pdq = if algos.contains(&Algorithm::Pdq) {
            let fast = matches!(origin, Origin::Fast { .. });
            Some(match (pixels, fast) {
                (Pixels::Rgb(rgb), false) => pdq_hasher.hash_rgb_raw(rgb, w, h)?,
                (Pixels::Luma(l), false) => pdq_hasher.hash_gray_raw(l, w, h)?,
                (Pixels::Rgb(rgb), true) => pdq_hasher.hash_rgb_raw_separable(rgb, w, h)?,
                (Pixels::Luma(l), true) => pdq_hasher.hash_gray_raw_separable(l, w, h)?,
            })
        } else {
            None
        };
        // The imagehash family reads Pillow's "L" image, built in the reused buffer.
        let gray = if algos.iter().any(|&a| a != Algorithm::Pdq) {
            let mut buf = std::mem::take(gray_buf);
            match pixels {
                Pixels::Rgb(rgb) => rgb_to_l_into(rgb, &mut buf),
                Pixels::Luma(l) => {
                    buf.clear();
                    buf.extend_from_slice(l);
                }
            }
            // The length is width × height by construction; on the impossible mismatch the
            // buffer is dropped and the error reported.
            Some(GrayImage::from_raw(width, height, buf).ok_or_else(|| {
                Error::new(ErrorKind::InvalidArgument, "internal: greyscale buffer size")
            })?)
        } else {
            None
        };
        let whash_scale = whash::image_scale(stored.0, stored.1);
        // A greyscale image that already has wHash's working size (a square power-of-two
        // side) is what wHash resamples to: it takes it as it is, never a reduced copy
        // enlarged back (the exact path's pixels, and no resampling).
        let whash_as_is =
            gray.as_ref().is_some_and(|g| g.dimensions() == (whash_scale, whash_scale));
        // Fast path: the imagehash family works from the greyscale image box-reduced as far
        // as it would have been decoded for them alone (wHash's need included), unless no
        // algorithm reads the reduced copy.
        let reduced = match &gray {
            Some(g) if matches!(origin, Origin::Fast { .. }) => {
                let family = || algos.iter().filter(|&&a| a != Algorithm::Pdq);
                let read = family().any(|&a| a != Algorithm::WHash || !whash_as_is);
                let side = |a: &Algorithm| fast_decode_min_side(&[*a], stored.0, stored.1);
                let need = family().map(side).max().unwrap_or(1);
                match reduced_denominator(width, height, &|_, _| need) {
                    factor if factor > 1 && read => Some(box_reduce(g, factor)),
                    _ => None,
                }
            }
            _ => None,
        };
        let family_input = reduced.as_ref().or(gray.as_ref());
        let mut hashes = Vec::with_capacity(algos.len());
        let mut failure = None;
        for &algo in algos {
            let h = match (algo, family_input, &pdq) {
                (Algorithm::Pdq, _, Some(p)) => ImageHash::new256(algo, p.hash),
                (Algorithm::AHash, Some(g), _) => {
                    ahash::ahash(g).and_then(|b| ImageHash::new64(algo, b))
                }
                (Algorithm::DHash, Some(g), _) => {
                    dhash::dhash(g).and_then(|b| ImageHash::new64(algo, b))
                }
                (Algorithm::PHash, Some(g), _) => {
                    phash::phash(g).and_then(|b| ImageHash::new64(algo, b))
                }
                (Algorithm::WHash, Some(g), _) => {
                    let g = if whash_as_is { gray.as_ref().unwrap_or(g) } else { g };
                    whash::whash_at_scale(g, whash_scale).and_then(|b| ImageHash::new64(algo, b))
                }
                // Unreachable: `gray` and `pdq` were computed exactly for the algorithms above.
                _ => Err(Error::new(ErrorKind::InvalidArgument, "internal: missing input")),
            };
            match h {
                Ok(h) => hashes.push(h),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        // Give the greyscale buffer back for the next image, whatever happened.
        if let Some(g) = gray {
            *gray_buf = g.into_raw();
        }
        if let Some(e) = failure {
            return Err(e);
        }
        let pdq_quality = pdq.map(|p| p.quality);
        Ok(ImageHashes { width, height, hashes, pdq_quality })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A greyscale PNG (with or without alpha) is hashed from its grey levels, without its
    /// RGB conversion: every algorithm gives the hash of that conversion (R = G = B), on the
    /// exact path and, for PDQ (which the fast path keeps whole here), on the fast path.
    #[test]
    fn greyscale_files_hash_as_their_rgb_conversion() {
        let mut rng = crate::transforms::detmath::SplitMix64::new(0x5851_F42D_4C95_7F2D);
        let (w, h) = (203, 151);
        let grey: Vec<u8> = (0..w * h).map(|_| (rng.next_u64() >> 56) as u8).collect();
        let rgb = RgbImage::from_fn(w, h, |x, y| {
            let v = grey[(y * w + x) as usize];
            image::Rgb([v, v, v])
        });
        let l8 = image::DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, grey.clone()).unwrap());
        let la8 = image::DynamicImage::ImageLumaA8(image::ImageBuffer::from_fn(w, h, |x, y| {
            image::LumaA([grey[(y * w + x) as usize], (x * 7 + y) as u8])
        }));
        let exact = HasherConfig::default().algorithms(&Algorithm::ALL).build();
        let want = exact.hash_rgb(&rgb).unwrap();
        let fast_pdq = HasherConfig::default().algorithms(&[Algorithm::Pdq]).fast_decode(true);
        for img in [l8, la8] {
            let mut png = Vec::new();
            img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
            let mut pixels = Vec::new();
            let d = crate::decode::decode_pixels_into(&png, &DecodeLimits::default(), &mut pixels);
            assert!(d.unwrap().luma, "{:?} must decode as grey", img.color());
            assert_eq!(exact.hash_bytes(&png).unwrap(), want, "{:?}", img.color());
            let pdq = fast_pdq.clone().build().hash_bytes(&png).unwrap();
            assert_eq!(pdq.get(Algorithm::Pdq), want.get(Algorithm::Pdq));
        }
    }

    /// Under the fast path, a PNG (which no decoder shrinks) reaches the imagehash family
    /// box-reduced by the factor their minimum side allows (here 2: 512 × 300 → 256 × 150),
    /// PDQ whole; the same pixels hashed from memory are not reduced.
    #[test]
    fn fast_path_box_reduces_for_the_imagehash_family_only() {
        let mut rng = crate::transforms::detmath::SplitMix64::new(0x9E37_79B9_7F4A_7C15);
        let noise: Vec<u8> = (0..512 * 300).map(|_| (rng.next_u64() >> 56) as u8).collect();
        let gray = GrayImage::from_raw(512, 300, noise.clone()).unwrap();
        let mut png = Vec::new();
        gray.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let half = box_reduce(&gray, 2);
        let algos = [Algorithm::AHash, Algorithm::PHash, Algorithm::Pdq];
        let fast = HasherConfig::default().algorithms(&algos).fast_decode(true).build();
        let got = fast.hash_bytes(&png).unwrap();
        let want_a = ahash::ahash(&half).unwrap();
        let want_p = phash::phash(&half).unwrap();
        assert_eq!(got.get(Algorithm::AHash).unwrap().to_hex(), want_a.to_hex());
        assert_eq!(got.get(Algorithm::PHash).unwrap().to_hex(), want_p.to_hex());
        assert_ne!(phash::phash(&gray).unwrap(), want_p, "noise must tell the two apart");
        let pdq = PdqHasher::new().hash_gray_raw(&noise, 512, 300).unwrap();
        assert_eq!(got.get(Algorithm::Pdq).unwrap().to_hex(), pdq.to_hex());
        // From memory: exact, whatever the configuration says about decoding.
        let mem = fast.hash_luma_buffer(512, 300, &noise).unwrap();
        let exact = phash::phash(&gray).unwrap().to_hex();
        assert_eq!(mem.get(Algorithm::PHash).unwrap().to_hex(), exact);
    }

    /// Under the fast path, an image that already has wHash's working size (a 256 × 256 PNG)
    /// gives wHash its own pixels, as the exact path does, while the rest of the family gets
    /// them box-reduced (by 2: their need is 128). Without the exception wHash would hash
    /// the reduced copy enlarged back to 256, which this image tells apart: its 32 × 32
    /// cells alternate two 2 × 2 patterns with means 100.5 and 100.75, which the box
    /// reduction's rounding makes both 101.
    #[test]
    fn fast_path_whash_takes_an_image_of_its_working_size_as_it_is() {
        let gray = GrayImage::from_fn(256, 256, |x, y| {
            let a = (x / 32 + y / 32) % 2 == 0;
            let odd = (x % 2, y % 2);
            let v = if a { 100 + (x + y) % 2 } else { 101 - u32::from(odd == (1, 1)) };
            image::Luma([v as u8])
        });
        let mut png = Vec::new();
        gray.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let algos = [Algorithm::PHash, Algorithm::WHash];
        let fast = HasherConfig::default().algorithms(&algos).fast_decode(true).build();
        let got = fast.hash_bytes(&png).unwrap();
        let half = box_reduce(&gray, 2);
        assert!(half.pixels().all(|p| p[0] == 101));
        let want_p = phash::phash(&half).unwrap().to_hex();
        assert_eq!(got.get(Algorithm::PHash).unwrap().to_hex(), want_p);
        let exact = whash::whash(&gray).unwrap();
        assert_eq!(got.get(Algorithm::WHash).unwrap().to_hex(), exact.to_hex());
        let enlarged = whash::whash_at_scale(&half, 256).unwrap();
        assert_ne!(enlarged, exact, "the image must tell the two inputs apart");
    }

    /// After a reduced-size decode, wHash works at the stored size's `image_scale`: here
    /// 48 × 48 pixels stored as 96 × 96 are transformed at 64, not at their own 32 (noise, so
    /// that the two working sizes give different hashes and the test can tell them apart).
    #[test]
    fn whash_keeps_the_stored_working_size() {
        let mut rng = crate::transforms::detmath::SplitMix64::new(0x2545_F491_4F6C_DD1D);
        let noise: Vec<u8> = (0..48 * 48).map(|_| (rng.next_u64() >> 24) as u8).collect();
        let luma = GrayImage::from_raw(48, 48, noise.clone()).unwrap();
        let at_64 = whash::whash_at_scale(&luma, 64).unwrap();
        let own = whash::whash(&luma).unwrap();
        assert_ne!(at_64, own, "the noise does not separate the two working sizes");
        let hasher = HasherConfig::default().algorithms(&[Algorithm::WHash]).build();
        let got = with_scratch(|s| {
            let origin = Origin::Fast { stored: (96, 96) };
            hasher.hash_pixels(Pixels::Luma(&noise), (48, 48), origin, &mut s.gray, &mut s.pdq)
        })
        .unwrap();
        assert_eq!(got.hashes[0].to_hex(), at_64.to_hex());
    }
}
