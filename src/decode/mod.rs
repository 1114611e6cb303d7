//! Image input: decoding files or bytes into 8-bit RGB, with limits against
//! decompression bombs.
//!
//! Formats: JPEG, PNG, GIF (first frame), WebP, BMP and TIFF, through the `image` crate;
//! with the cargo features `libjpeg-turbo` and `libwebp`, JPEG and still WebP files are
//! decoded by Pillow's own libraries instead ([`decode_rgb8_into`]: the reference's JPEG
//! pixels, and WebP pixels equal to the `image` crate's, faster). The format is detected
//! from the bytes, not the file extension.
//!
//! **EXIF orientation is ignored**, as Meta's PDQ reference and Python `imagehash` (which
//! hash the stored pixel grid) do: a JPEG whose EXIF says "rotate 90°" is hashed as stored.
//!
//! **Conversion to RGB** follows Pillow's `Image.convert("RGB")`, which is how the reference
//! hashes were made: alpha is dropped (not composited), greyscale is replicated into the
//! three channels, palettes are expanded. 16-bit samples keep their high byte (Pillow's
//! 16-bit RGB loader does the same; for 16-bit *greyscale* Pillow clips values above 255,
//! which we consider a Pillow quirk and do not copy). Float samples are clamped to `[0, 1]`
//! and scaled to `0..=255`.
//!
//! **Limits** ([`DecodeLimits`]): the image header is read first and the image is rejected
//! with [`ErrorKind::Limits`] before any pixel buffer is allocated when a side or the pixel
//! count exceeds the limit, or when the decoded buffer would exceed
//! [`DecodeLimits::max_alloc_bytes`]; the decoder's own allocations are capped as well.

use std::io::{BufRead, Cursor, Seek};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

#[cfg(feature = "libjpeg-turbo")]
pub mod libjpeg;
#[cfg(feature = "libwebp")]
pub mod libwebp;

/// Which decoder reads JPEG files in this build: the system's libjpeg-turbo with the cargo
/// feature `libjpeg-turbo` (the pixels of Pillow and OpenCV, hence of the reference
/// hashes), otherwise zune-jpeg through the `image` crate (pixels within a few grey levels
/// of those). Reports and `hashscope --version` record it, since JPEG hashes can differ
/// by a bit or two between the two.
pub const JPEG_DECODER: &str = if cfg!(feature = "libjpeg-turbo") {
    "libjpeg-turbo (system library)"
} else {
    "zune-jpeg (image crate)"
};

/// Whether `bytes` start like a JPEG file (SOI marker followed by another marker).
fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// Limits applied while decoding. The defaults accept photos up to 100 megapixels
/// (a 50 MP camera photo uses half of it) and reject larger declared sizes before allocating.
///
/// ```
/// use hashscope::DecodeLimits;
/// let strict = DecodeLimits::default().with_max_pixels(1_000_000);
/// assert_eq!(strict.max_pixels, 1_000_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodeLimits {
    /// Largest accepted width or height, in pixels.
    pub max_side: u32,
    /// Largest accepted width × height.
    pub max_pixels: u64,
    /// Largest total allocation the decoder may make, in bytes.
    pub max_alloc_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits { max_side: 100_000, max_pixels: 100_000_000, max_alloc_bytes: 1 << 30 }
    }
}

impl DecodeLimits {
    /// Sets [`max_side`](Self::max_side).
    #[must_use]
    pub fn with_max_side(mut self, v: u32) -> Self {
        self.max_side = v;
        self
    }
    /// Sets [`max_pixels`](Self::max_pixels).
    #[must_use]
    pub fn with_max_pixels(mut self, v: u64) -> Self {
        self.max_pixels = v;
        self
    }
    /// Sets [`max_alloc_bytes`](Self::max_alloc_bytes).
    #[must_use]
    pub fn with_max_alloc_bytes(mut self, v: u64) -> Self {
        self.max_alloc_bytes = v;
        self
    }

    /// Checks the size a header declares, before anything of the image's size is allocated:
    /// [`ErrorKind::Limits`] over the side or pixel limit, [`ErrorKind::Unhashable`] for a
    /// zero-size image. Every decoder calls it (the `image` crate's, libjpeg-turbo, libwebp).
    fn check(&self, w: u32, h: u32) -> Result<()> {
        if w > self.max_side || h > self.max_side {
            return Err(Error::new(
                ErrorKind::Limits,
                format!("declared size {w}×{h} exceeds the side limit of {} pixels", self.max_side),
            ));
        }
        let px = u64::from(w) * u64::from(h);
        if px > self.max_pixels {
            return Err(Error::new(
                ErrorKind::Limits,
                format!(
                    "declared size {w}×{h} = {px} pixels exceeds the limit of {} pixels",
                    self.max_pixels
                ),
            ));
        }
        if w == 0 || h == 0 {
            return Err(Error::new(
                ErrorKind::Unhashable,
                format!("image has zero size ({w}×{h})"),
            ));
        }
        Ok(())
    }

    /// Errors with [`ErrorKind::Limits`] when decoding a `w × h` image of pixel type `pixel`
    /// needs more than [`max_alloc_bytes`](Self::max_alloc_bytes) (`bytes` for its pixels).
    fn check_alloc(&self, w: u32, h: u32, pixel: &str, bytes: u64) -> Result<()> {
        if bytes > self.max_alloc_bytes {
            return Err(Error::new(
                ErrorKind::Limits,
                format!(
                    "decoding {w}×{h} ({pixel}) needs {bytes} bytes, over the limit of {} bytes",
                    self.max_alloc_bytes
                ),
            ));
        }
        Ok(())
    }

    /// The length of a `w × h` output of `channels` bytes per pixel (`pixel` names the
    /// pixel type in the message), after [`check_alloc`](Self::check_alloc): for decoders
    /// that write into a buffer of ours (libjpeg-turbo, libwebp).
    #[cfg(any(feature = "libjpeg-turbo", feature = "libwebp"))]
    fn output_len(&self, w: u32, h: u32, channels: u64, pixel: &str) -> Result<usize> {
        let n = u64::from(w) * u64::from(h) * channels;
        self.check_alloc(w, h, pixel, n)?;
        usize::try_from(n)
            .map_err(|_| Error::new(ErrorKind::Limits, "image does not fit in memory"))
    }
}

/// Decodes the image file at `path` (format from content) into a [`DynamicImage`].
pub fn decode_path(path: impl AsRef<Path>, limits: &DecodeLimits) -> Result<DynamicImage> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(e, path))?;
    decode_bytes(&bytes, limits).map_err(|e| e.with_path(path))
}

/// Decodes an in-memory encoded image (format from content) into a [`DynamicImage`].
///
/// ```
/// use hashscope::{decode_bytes, DecodeLimits, ErrorKind};
/// let err = decode_bytes(b"not an image", &DecodeLimits::default()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Decode);
/// ```
pub fn decode_bytes(bytes: &[u8], limits: &DecodeLimits) -> Result<DynamicImage> {
    if bytes.is_empty() {
        return Err(Error::new(ErrorKind::Decode, "empty file"));
    }
    #[cfg(feature = "libjpeg-turbo")]
    if is_jpeg(bytes) {
        let mut out = Vec::new();
        if let Some((_, w, h)) = libjpeg::decode_into(bytes, limits, |_| 1, false, &mut out)? {
            return RgbImage::from_raw(w, h, out).map(DynamicImage::ImageRgb8).ok_or_else(|| {
                Error::new(ErrorKind::Decode, "internal: libjpeg-turbo output size")
            });
        }
    }
    decode_reader(Cursor::new(bytes), limits)
}

fn decode_reader<R: BufRead + Seek>(reader: R, limits: &DecodeLimits) -> Result<DynamicImage> {
    let (decoder, format) = open_decoder(reader, limits)?;
    DynamicImage::from_decoder(decoder).map_err(|e| image_error(e, format))
}

/// Decodes encoded image bytes to 8-bit RGB (as [`to_rgb8`] converts) into `out`, which is
/// resized to `3 × width × height` bytes and may be reused across calls: when the decoder
/// produces 8-bit RGB itself (most JPEGs), it decodes straight into `out` and nothing else of
/// the image's size is allocated. Returns `(width, height)`.
pub fn decode_rgb8_into(
    bytes: &[u8],
    limits: &DecodeLimits,
    out: &mut Vec<u8>,
) -> Result<(u32, u32)> {
    decode_exact_into(bytes, limits, false, out).map(|d| (d.width, d.height))
}

/// The pixels of [`decode_rgb8_into`], except that an 8-bit greyscale image (with or without
/// alpha) comes out as its grey levels, one byte per pixel ([`ReducedDecode::luma`]): the
/// value R = G = B of every pixel of its RGB conversion, which is all a hash reads from it
/// (Pillow's "L" of such a pixel is that value, and so is PDQ's luma), without the
/// conversion and in a third of the memory. Everything else is 8-bit RGB, as
/// [`decode_rgb8_into`] makes it.
///
/// ```
/// use hashscope::decode::{decode_pixels_into, decode_rgb8_into};
/// use hashscope::DecodeLimits;
/// let grey = image::GrayImage::from_fn(3, 2, |x, y| image::Luma([(10 * x + y) as u8]));
/// let mut png = Vec::new();
/// grey.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
/// let (mut l, mut rgb) = (Vec::new(), Vec::new());
/// let d = decode_pixels_into(&png, &DecodeLimits::default(), &mut l).unwrap();
/// assert!(d.luma && (d.width, d.height) == (3, 2));
/// decode_rgb8_into(&png, &DecodeLimits::default(), &mut rgb).unwrap();
/// assert!(rgb.chunks(3).zip(&l).all(|(p, &v)| p == [v, v, v]));
/// ```
pub fn decode_pixels_into(
    bytes: &[u8],
    limits: &DecodeLimits,
    out: &mut Vec<u8>,
) -> Result<ReducedDecode> {
    decode_exact_into(bytes, limits, true, out)
}

/// [`decode_rgb8_into`] (`grey` false) or [`decode_pixels_into`] (`grey` true).
fn decode_exact_into(
    bytes: &[u8],
    limits: &DecodeLimits,
    grey: bool,
    out: &mut Vec<u8>,
) -> Result<ReducedDecode> {
    if bytes.is_empty() {
        return Err(Error::new(ErrorKind::Decode, "empty file"));
    }
    #[cfg(feature = "libjpeg-turbo")]
    if is_jpeg(bytes) {
        if let Some((_, w, h)) = libjpeg::decode_into(bytes, limits, |_| 1, false, out)? {
            return Ok(ReducedDecode::full(w, h));
        }
    }
    #[cfg(feature = "libwebp")]
    if libwebp::is_webp(bytes) {
        if let Some((w, h)) = libwebp::decode_rgb8(bytes, limits, out)? {
            return Ok(ReducedDecode::full(w, h));
        }
    }
    decode_image_crate(bytes, limits, grey, out)
}

/// [`decode_exact_into`] by the `image` crate alone (every format, every JPEG).
fn decode_image_crate(
    bytes: &[u8],
    limits: &DecodeLimits,
    grey: bool,
    out: &mut Vec<u8>,
) -> Result<ReducedDecode> {
    use image::ColorType;
    let (decoder, format) = open_decoder(Cursor::new(bytes), limits)?;
    let (w, h) = decoder.dimensions();
    let colour = decoder.color_type();
    let direct = match colour {
        ColorType::Rgb8 => true,
        ColorType::L8 | ColorType::La8 => grey,
        _ => false,
    };
    if direct {
        let n = usize::try_from(decoder.total_bytes()).map_err(|_| {
            Error::new(ErrorKind::Limits, format!("a {w}×{h} image does not fit in memory"))
        })?;
        // Only the length changes: a buffer reused for images of one size is not rewritten.
        out.resize(n, 0);
        decoder.read_image(out).map_err(|e| image_error(e, format))?;
        if colour == ColorType::La8 {
            // Keep the grey level of each (grey, alpha) pair: alpha is dropped, as in RGB.
            for i in 0..n / 2 {
                out[i] = out[2 * i];
            }
            out.truncate(n / 2);
        }
        let luma = colour != ColorType::Rgb8;
        return Ok(ReducedDecode { luma, ..ReducedDecode::full(w, h) });
    }
    let img = DynamicImage::from_decoder(decoder).map_err(|e| image_error(e, format))?;
    *out = into_rgb8(img).into_raw();
    Ok(ReducedDecode::full(w, h))
}

/// How [`decode_reduced_into`] or [`decode_pixels_into`] decoded an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReducedDecode {
    /// Width of the image as stored in the file.
    pub width: u32,
    /// Height of the image as stored in the file.
    pub height: u32,
    /// Width of the decoded pixels (`width` unless the JPEG was decoded at reduced size).
    pub decoded_width: u32,
    /// Height of the decoded pixels.
    pub decoded_height: u32,
    /// The decoded pixels are 8-bit greyscale, one byte each (a JPEG decoded straight to
    /// its luma under [`Output::LumaWhereCheaper`], or an 8-bit greyscale image: see
    /// [`decode_pixels_into`]); otherwise interleaved 8-bit RGB.
    pub luma: bool,
}

/// Which pixels [`decode_reduced_into`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Interleaved 8-bit RGB, always.
    Rgb,
    /// 8-bit greyscale where the decoder makes it for less than RGB: JPEGs decoded by
    /// libjpeg-turbo (cargo feature `libjpeg-turbo`), straight to their Y component
    /// (`decode::libjpeg::decode_into`), and 8-bit greyscale images of the other formats,
    /// as their grey levels ([`decode_pixels_into`]); RGB for everything else.
    LumaWhereCheaper,
}

impl ReducedDecode {
    /// An RGB decode at the stored size.
    fn full(width: u32, height: u32) -> Self {
        ReducedDecode { width, height, decoded_width: width, decoded_height: height, luma: false }
    }

    /// The denominator of the DCT-domain scale used: 1 (full size), 2, 4 or 8.
    pub fn scale_denominator(&self) -> u32 {
        self.width.div_ceil(self.decoded_width.max(1))
    }
}

/// [`decode_reduced_into`] with [`Output::Rgb`].
pub fn decode_rgb8_reduced_into(
    bytes: &[u8],
    limits: &DecodeLimits,
    min_side: impl Fn(u32, u32) -> u32,
    out: &mut Vec<u8>,
) -> Result<ReducedDecode> {
    decode_reduced_into(bytes, limits, min_side, Output::Rgb, out)
}

/// Like [`decode_rgb8_into`], but a JPEG may be decoded at 1/2, 1/4 or 1/8 of its size **in
/// the DCT domain** (the inverse DCT computes only the lowest frequencies of each 8×8 block,
/// which is much cheaper than decoding every pixel and resampling afterwards).
///
/// `min_side(width, height)` says how many pixels the shorter side must keep, given the
/// stored size; the smallest scale that keeps both sides at least that long is used (a
/// side of `s` pixels scaled by `1/d` becomes `⌈s/d⌉`). Other formats, JPEGs too small to
/// shrink and JPEGs the reduced decoder does not handle (CMYK, 12-bit, …) are decoded by
/// [`decode_rgb8_into`], exactly.
///
/// Which JPEGs shrink depends on the build:
///
/// - default: **baseline** 8-bit RGB or greyscale JPEGs that can be shrunk by 4 or 8, by the
///   `jpeg-decoder` crate (whose IDCT and colour conversion differ from zune-jpeg's by a grey
///   level here and there; at 1/2 it is slower than decoding the whole image with zune-jpeg);
///   progressive JPEGs are decoded exactly (their time goes into entropy decoding, which
///   scaling does not shorten, and `jpeg-decoder` is slower at it than zune-jpeg);
/// - cargo feature `libjpeg-turbo`: baseline and progressive JPEGs, by libjpeg-turbo, which
///   also reads a progressive file only as far as the reduced size needs
///   (`decode::libjpeg::decode_into`, compiled with the feature).
///
/// With [`Output::LumaWhereCheaper`] and the feature `libjpeg-turbo`, JPEGs are decoded
/// straight to greyscale ([`ReducedDecode::luma`]), at full size too when no reduced size
/// applies.
///
/// **The pixels differ from the exact path** (the DCT-domain resampling instead of the hash's
/// own filter, for progressive files the skipped scans, and the decoder's luma instead of
/// the hash's own from RGB). The hashes agree closely but not always bit for bit;
/// docs/src/throughput.md gives the measured agreement.
pub fn decode_reduced_into(
    bytes: &[u8],
    limits: &DecodeLimits,
    min_side: impl Fn(u32, u32) -> u32,
    output: Output,
    out: &mut Vec<u8>,
) -> Result<ReducedDecode> {
    #[cfg(feature = "libjpeg-turbo")]
    if is_jpeg(bytes) {
        // libjpeg-turbo scales baseline and progressive JPEGs alike.
        let denom = |hd: &libjpeg::JpegHeader| reduced_denominator(hd.width, hd.height, &min_side);
        let luma = output == Output::LumaWhereCheaper;
        if let Some((hd, dw, dh)) = libjpeg::decode_into(bytes, limits, denom, luma, out)? {
            return Ok(ReducedDecode {
                width: hd.width,
                height: hd.height,
                decoded_width: dw,
                decoded_height: dh,
                luma,
            });
        }
        // A JPEG libjpeg-turbo is not used for (CMYK, 12-bit, …): exactly, by the `image`
        // crate, without reading its header with libjpeg a second time.
        return decode_image_crate(bytes, limits, luma, out);
    }
    #[cfg(not(feature = "libjpeg-turbo"))]
    let _ = output;
    #[cfg(not(feature = "libjpeg-turbo"))]
    if is_jpeg(bytes) {
        // `jpeg-decoder` panics on a few malformed headers (e.g. a two-component frame);
        // such a file, like any it cannot decode, goes to the exact path instead.
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            decode_jpeg_reduced(bytes, limits, &min_side, out)
        }));
        if let Ok(Some(done)) = attempt {
            return Ok(done);
        }
    }
    decode_exact_into(bytes, limits, output == Output::LumaWhereCheaper, out)
}

/// The reduced-size JPEG decoding of [`decode_reduced_into`]; `None` when it does not
/// apply or fails (the caller then decodes exactly, and reports any error that way).
#[cfg(not(feature = "libjpeg-turbo"))]
fn decode_jpeg_reduced(
    bytes: &[u8],
    limits: &DecodeLimits,
    min_side: &dyn Fn(u32, u32) -> u32,
    out: &mut Vec<u8>,
) -> Option<ReducedDecode> {
    use jpeg_decoder::{CodingProcess, Decoder, PixelFormat};
    let mut dec = Decoder::new(bytes);
    dec.read_info().ok()?;
    let info = dec.info()?;
    // Progressive JPEGs spend their time in entropy decoding, which scaling does not shorten,
    // and `jpeg-decoder` is slower at it than zune-jpeg: decode them exactly instead.
    if info.coding_process != CodingProcess::DctSequential {
        return None;
    }
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if limits.check(w, h).is_err() {
        return None;
    }
    let d = reduced_denominator(w, h, min_side);
    // Measured on the corpus JPEGs: `jpeg-decoder` at 1/2 is slower than zune-jpeg at full
    // size (1.13 against 0.71 ms per file); at 1/4 and 1/8 it is faster (0.54 and 0.51 ms).
    if d < 4 {
        return None;
    }
    let (sw, sh) = (w.div_ceil(d), h.div_ceil(d));
    // `scale` picks the smallest factor whose size reaches the request: exactly `1/d`.
    let got = dec.scale(u16::try_from(sw).ok()?, u16::try_from(sh).ok()?).ok()?;
    if (u32::from(got.0), u32::from(got.1)) != (sw, sh) {
        return None;
    }
    dec.set_max_decoding_buffer_size(usize::try_from(limits.max_alloc_bytes).ok()?);
    let pixels = dec.decode().ok()?;
    let n = (sw * sh) as usize;
    match info.pixel_format {
        PixelFormat::RGB24 if pixels.len() == 3 * n => {
            out.clear();
            out.extend_from_slice(&pixels);
        }
        PixelFormat::L8 if pixels.len() == n => {
            out.clear();
            out.extend(pixels.iter().flat_map(|&v| [v, v, v]));
        }
        _ => return None,
    }
    Some(ReducedDecode { width: w, height: h, decoded_width: sw, decoded_height: sh, luma: false })
}

/// The largest DCT-scaling denominator (8, 4 or 2; 1 when none) that keeps both sides of a
/// `w × h` image at least `min_side(w, h)` pixels long (a side of `s` pixels scaled by
/// `1/d` becomes `⌈s/d⌉`).
pub(crate) fn reduced_denominator(w: u32, h: u32, min_side: &dyn Fn(u32, u32) -> u32) -> u32 {
    let need = min_side(w, h).max(1);
    [8u32, 4, 2].into_iter().find(|&d| w.div_ceil(d).min(h.div_ceil(d)) >= need).unwrap_or(1)
}

/// The image header read, limits checked and set: a decoder ready to decode pixels.
fn open_decoder<'a, R: BufRead + Seek + 'a>(
    reader: R,
    limits: &DecodeLimits,
) -> Result<(impl ImageDecoder + 'a, image::ImageFormat)> {
    let reader = ImageReader::new(reader)
        .with_guessed_format()
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()).with_source(e))?;
    let Some(format) = reader.format() else {
        return Err(Error::new(ErrorKind::Decode, "unrecognised image format"));
    };
    let mut decoder = reader.into_decoder().map_err(|e| image_error(e, format))?;
    let (w, h) = decoder.dimensions();
    limits.check(w, h)?;
    // The `image` crate allocates the whole output buffer up front and not every decoder
    // applies `max_alloc` to it (PNG does not): check it here, before any pixel is decoded.
    limits.check_alloc(w, h, &format!("{:?}", decoder.color_type()), decoder.total_bytes())?;
    let mut lim = image::Limits::default();
    lim.max_image_width = Some(limits.max_side);
    lim.max_image_height = Some(limits.max_side);
    lim.max_alloc = Some(limits.max_alloc_bytes);
    decoder.set_limits(lim).map_err(|e| image_error(e, format))?;
    Ok((decoder, format))
}

fn image_error(e: image::ImageError, format: image::ImageFormat) -> Error {
    let kind = match &e {
        image::ImageError::Limits(_) => ErrorKind::Limits,
        image::ImageError::IoError(_) => ErrorKind::Decode,
        _ => ErrorKind::Decode,
    };
    Error::new(kind, format!("{format:?}: {e}")).with_source(e)
}

/// Converts any decoded image to 8-bit RGB as Pillow's `convert("RGB")` does (see the
/// [module docs](self)).
pub fn to_rgb8(img: &DynamicImage) -> RgbImage {
    use image::{ImageBuffer, Rgb};
    let hi = |v: u16| (v >> 8) as u8;
    match img {
        DynamicImage::ImageRgb8(b) => b.clone(),
        DynamicImage::ImageRgb16(b) => ImageBuffer::from_fn(b.width(), b.height(), |x, y| {
            let p = b.get_pixel(x, y).0;
            Rgb([hi(p[0]), hi(p[1]), hi(p[2])])
        }),
        DynamicImage::ImageRgba16(b) => ImageBuffer::from_fn(b.width(), b.height(), |x, y| {
            let p = b.get_pixel(x, y).0;
            Rgb([hi(p[0]), hi(p[1]), hi(p[2])])
        }),
        DynamicImage::ImageLuma16(b) => ImageBuffer::from_fn(b.width(), b.height(), |x, y| {
            let v = hi(b.get_pixel(x, y).0[0]);
            Rgb([v, v, v])
        }),
        DynamicImage::ImageLumaA16(b) => ImageBuffer::from_fn(b.width(), b.height(), |x, y| {
            let v = hi(b.get_pixel(x, y).0[0]);
            Rgb([v, v, v])
        }),
        // 8-bit luma, luma + alpha and RGBA: replicate luma, drop alpha (Pillow's rule),
        // byte by byte (the `image` crate's own conversion goes through its colour-space
        // machinery, a float round trip per sample, with the same result but 5× slower).
        DynamicImage::ImageLuma8(b) => {
            let raw = b.as_raw().iter().flat_map(|&v| [v, v, v]).collect();
            RgbImage::from_raw(b.width(), b.height(), raw).expect("3 bytes per pixel")
        }
        DynamicImage::ImageLumaA8(b) => {
            let raw = b.as_raw().chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect();
            RgbImage::from_raw(b.width(), b.height(), raw).expect("3 bytes per pixel")
        }
        DynamicImage::ImageRgba8(b) => {
            let raw = b.as_raw().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
            RgbImage::from_raw(b.width(), b.height(), raw).expect("3 bytes per pixel")
        }
        // Float images (clamped to [0, 1], scaled): the `image` crate's conversion.
        other => other.to_rgb8(),
    }
}

/// [`to_rgb8`] for an owned image: 8-bit RGB is moved, not copied.
pub fn into_rgb8(img: DynamicImage) -> RgbImage {
    match img {
        DynamicImage::ImageRgb8(b) => b,
        other => to_rgb8(&other),
    }
}

/// Decodes the file at `path` straight to 8-bit RGB.
pub fn load_rgb8(path: impl AsRef<Path>, limits: &DecodeLimits) -> Result<RgbImage> {
    decode_path(path, limits).map(into_rgb8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_bytes(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_pixel(w, h, image::Rgb([10, 20, 30]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    /// `decode_pixels_into` gives 8-bit greyscale (alpha or not) as grey levels equal to
    /// the RGB conversion's; every other image as exactly `decode_rgb8_into`'s RGB.
    #[test]
    fn only_8_bit_greyscale_decodes_as_grey_levels() {
        use image::{GrayImage, ImageBuffer, LumaA, Rgba};
        let (w, h) = (5u32, 3u32);
        let v = |x: u32, y: u32| (40 * x + 7 * y) as u8;
        let images = [
            DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| image::Luma([v(x, y)]))),
            DynamicImage::ImageLumaA8(ImageBuffer::from_fn(w, h, |x, y| LumaA([v(x, y), 9]))),
            DynamicImage::ImageLuma16(ImageBuffer::from_fn(w, h, |x, y| {
                image::Luma([u16::from(v(x, y)) * 257 + 3])
            })),
            DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, y| Rgba([v(x, y), 1, 2, 3]))),
            DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| image::Rgb([v(x, y), 1, 2]))),
        ];
        let lim = DecodeLimits::default();
        for img in images {
            let mut png = Vec::new();
            img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
            let (mut px, mut rgb) = (Vec::new(), Vec::new());
            let d = decode_pixels_into(&png, &lim, &mut px).unwrap();
            assert_eq!(decode_rgb8_into(&png, &lim, &mut rgb).unwrap(), (w, h));
            assert_eq!((d.width, d.height, d.decoded_width, d.decoded_height), (w, h, w, h));
            let grey = matches!(img.color(), image::ColorType::L8 | image::ColorType::La8);
            assert_eq!(d.luma, grey, "{:?}", img.color());
            if grey {
                let want: Vec<u8> = rgb.chunks(3).map(|p| p[0]).collect();
                assert!(rgb.chunks(3).all(|p| p[0] == p[1] && p[1] == p[2]));
                assert_eq!(px, want, "{:?}", img.color());
            } else {
                assert_eq!(px, rgb, "{:?}", img.color());
            }
        }
    }

    #[test]
    fn decodes_png_bytes() {
        let img = decode_bytes(&png_bytes(7, 5), &DecodeLimits::default()).unwrap();
        assert_eq!((img.width(), img.height()), (7, 5));
        assert_eq!(to_rgb8(&img).get_pixel(3, 2).0, [10, 20, 30]);
    }

    #[test]
    fn limits_reject_before_decoding() {
        let lim = DecodeLimits::default().with_max_pixels(34);
        let e = decode_bytes(&png_bytes(7, 5), &lim).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limits);
        assert!(e.to_string().contains("7×5"), "{e}");
        let lim = DecodeLimits::default().with_max_side(6);
        assert_eq!(decode_bytes(&png_bytes(7, 5), &lim).unwrap_err().kind(), ErrorKind::Limits);
        // 7×5 RGB8 = 105 bytes of pixels.
        let lim = DecodeLimits::default().with_max_alloc_bytes(104);
        let e = decode_bytes(&png_bytes(7, 5), &lim).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limits);
        assert!(e.to_string().contains("105 bytes"), "{e}");
        let lim = DecodeLimits::default().with_max_alloc_bytes(105);
        assert!(decode_bytes(&png_bytes(7, 5), &lim).is_ok());
    }

    #[test]
    fn empty_and_garbage_are_decode_errors() {
        let lim = DecodeLimits::default();
        assert_eq!(decode_bytes(b"", &lim).unwrap_err().kind(), ErrorKind::Decode);
        assert_eq!(decode_bytes(b"hello world", &lim).unwrap_err().kind(), ErrorKind::Decode);
        let mut trunc = png_bytes(64, 64);
        trunc.truncate(trunc.len() / 2);
        assert!(decode_bytes(&trunc, &lim).is_err());
    }

    #[test]
    fn reduced_decoding_keeps_the_requested_side() {
        let img =
            RgbImage::from_fn(1024, 768, |x, y| image::Rgb([(x / 4) as u8, (y / 3) as u8, 90]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), 90)
            .encode_image(&img)
            .unwrap();
        let lim = DecodeLimits::default();
        let mut out = Vec::new();
        // 1/8 would give 128×96, below 100 pixels: 1/4 it is.
        let d = decode_rgb8_reduced_into(&jpeg, &lim, |_, _| 100, &mut out).unwrap();
        assert_eq!((d.width, d.height, d.decoded_width, d.decoded_height), (1024, 768, 256, 192));
        assert_eq!(d.scale_denominator(), 4);
        assert_eq!(out.len(), 256 * 192 * 3);
        // Needing the full size, or a PNG: decoded exactly.
        let d = decode_rgb8_reduced_into(&jpeg, &lim, |_, _| 768, &mut out).unwrap();
        assert_eq!((d.decoded_width, d.scale_denominator()), (1024, 1));
        let d = decode_rgb8_reduced_into(&png_bytes(7, 5), &lim, |_, _| 1, &mut out).unwrap();
        assert_eq!((d.decoded_width, d.decoded_height), (7, 5));
        // Undecodable bytes are the exact path's error.
        let e = decode_rgb8_reduced_into(&jpeg[..20], &lim, |_, _| 1, &mut out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }

    #[test]
    fn missing_file_names_path() {
        let e = decode_path("/nonexistent/x.png", &DecodeLimits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(e.to_string().contains("/nonexistent/x.png"));
    }
}
