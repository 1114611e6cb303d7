//! JPEG decoding by the system's libjpeg-turbo (cargo feature `libjpeg-turbo`): the decoder
//! Pillow and OpenCV use, with Pillow's settings (accurate integer IDCT, "fancy" chroma
//! upsampling, RGB output), so a JPEG decodes to **the same pixels the reference hashes were
//! computed from**; and it can decode at 1/2, 1/4 or 1/8 of the size in the DCT domain, for
//! [`super::decode_reduced_into`].
//!
//! The bridge is `csrc/libjpeg_shim.c` (built by `build.rs`, linked with `-ljpeg`): libjpeg's
//! fatal errors jump back (setjmp/longjmp) inside C only, and come out here as
//! [`ErrorKind::Decode`] with libjpeg's message. A file whose data ends early is an error
//! (libjpeg itself would pad it with grey; zune-jpeg, the default decoder, fills in the
//! missing rows and hashscope hashes them — see `fixtures/bad/README.md`).
//!
//! Only 8-bit JPEGs with one (grey) or three (YCbCr or RGB) components are decoded here;
//! anything else (CMYK, 12-bit, …) is left to the `image` crate: [`decode_into`] returns
//! `Ok(None)`.

use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, CStr};

use super::DecodeLimits;
use crate::error::{Error, ErrorKind, Result};

#[repr(C)]
struct HsJpeg {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Default)]
struct HsJpegInfo {
    width: c_uint,
    height: c_uint,
    components: c_int,
    color_space: c_int,
    progressive: c_int,
    data_precision: c_int,
}

extern "C" {
    fn hs_jpeg_open(
        data: *const u8,
        len: c_ulong,
        max_memory: c_long,
        info: *mut HsJpegInfo,
        err: *mut c_char,
        errlen: usize,
    ) -> *mut HsJpeg;
    fn hs_jpeg_scale(
        h: *mut HsJpeg,
        denom: c_uint,
        gray: c_int,
        out_width: *mut c_uint,
        out_height: *mut c_uint,
        err: *mut c_char,
        errlen: usize,
    ) -> c_int;
    fn hs_jpeg_read(
        h: *mut HsJpeg,
        out: *mut u8,
        out_len: usize,
        early: c_int,
        err: *mut c_char,
        errlen: usize,
    ) -> c_int;
    fn hs_jpeg_close(h: *mut HsJpeg);
}

/// libjpeg's `J_COLOR_SPACE` values that are decoded here.
const JCS_GRAYSCALE: c_int = 1;
const JCS_RGB: c_int = 2;
const JCS_YCBCR: c_int = 3;

/// Header facts of a JPEG as libjpeg read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegHeader {
    /// Stored width in pixels.
    pub width: u32,
    /// Stored height in pixels.
    pub height: u32,
    /// Progressive (multi-scan) coding.
    pub progressive: bool,
}

/// An open libjpeg decompressor over borrowed bytes; closed on drop.
struct Handle<'a> {
    ptr: *mut HsJpeg,
    _bytes: std::marker::PhantomData<&'a [u8]>,
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `hs_jpeg_open` and is closed exactly once.
        unsafe { hs_jpeg_close(self.ptr) }
    }
}

fn message(buf: &[c_char]) -> String {
    // SAFETY: the C side always NUL-terminates inside the buffer (which starts zeroed).
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

fn decode_error(msg: &str) -> Error {
    Error::new(ErrorKind::Decode, format!("Jpeg (libjpeg-turbo): {msg}"))
}

/// Decodes `bytes` (a JPEG: it starts with `FF D8 FF`) to 8-bit RGB in `out` at 1/`denom(
/// header)` of its size (1, 2, 4 or 8), after checking `limits` on the stored size. Returns
/// the header and the decoded size, or `Ok(None)` when the file is a JPEG libjpeg-turbo is
/// not used for here (not 8-bit grey/YCbCr/RGB); errors for undecodable or truncated data.
///
/// With `luma`, the output is 8-bit greyscale instead (one byte per pixel): for a YCbCr
/// file its Y component as stored, the chroma components entropy-decoded (the file format
/// interleaves them) but never inverse-transformed, upsampled or converted; for an RGB-coded
/// file libjpeg's own RGB → Y. Y is the same BT.601 weighting of R, G and B that Pillow's
/// "L" and PDQ's luma use, so it differs from them only by rounding and where converting
/// to RGB clamps a colour (measured in docs/src/throughput.md).
///
/// A **progressive** JPEG decoded at reduced size is read only as far as that size needs —
/// the coarse picture such a file shows first, not its final one:
///
/// - at 1/8, until every component has its DC terms (typically the first 5–25 % of the
///   file); they may lack their last bit (successive approximation), and the 2 × 2 lowest
///   frequencies that 2:1-subsampled chroma uses at this scale are still zero;
/// - at 1/2 and 1/4, until every coefficient the scaled inverse DCT reads is known to within
///   its last bit: only the final refinement scans (often half the file) are skipped.
///
/// Greyscale output waits only for the luma scans. Luma stays within a few grey levels of
/// the whole file's decode (tested on a fixture; the hashes' agreement is measured by
/// tests/fast_decode.rs). Errors in the unread part of the file go unnoticed.
pub fn decode_into(
    bytes: &[u8],
    limits: &DecodeLimits,
    denom: impl FnOnce(&JpegHeader) -> u32,
    luma: bool,
    out: &mut Vec<u8>,
) -> Result<Option<(JpegHeader, u32, u32)>> {
    decode_with(bytes, limits, denom, luma, true, out)
}

/// [`decode_into`], with the early stop for progressive JPEGs optional (`early`).
fn decode_with(
    bytes: &[u8],
    limits: &DecodeLimits,
    denom: impl FnOnce(&JpegHeader) -> u32,
    luma: bool,
    early: bool,
    out: &mut Vec<u8>,
) -> Result<Option<(JpegHeader, u32, u32)>> {
    let mut err = [0 as c_char; 256];
    let mut info = HsJpegInfo::default();
    let max_memory = c_long::try_from(limits.max_alloc_bytes).unwrap_or(c_long::MAX);
    let len = c_ulong::try_from(bytes.len())
        .map_err(|_| Error::new(ErrorKind::Limits, "JPEG file too large"))?;
    // SAFETY: `bytes` outlives the handle (tied by `Handle`'s lifetime); `info` and `err`
    // are valid for writes of their sizes.
    let ptr = unsafe {
        hs_jpeg_open(bytes.as_ptr(), len, max_memory, &mut info, err.as_mut_ptr(), err.len())
    };
    if ptr.is_null() {
        return Err(decode_error(&message(&err)));
    }
    let handle = Handle { ptr, _bytes: std::marker::PhantomData::<&[u8]> };
    let header =
        JpegHeader { width: info.width, height: info.height, progressive: info.progressive != 0 };
    let supported = info.data_precision == 8
        && matches!(
            (info.components, info.color_space),
            (1, JCS_GRAYSCALE) | (3, JCS_YCBCR) | (3, JCS_RGB)
        );
    if !supported {
        return Ok(None);
    }
    limits.check(header.width, header.height)?;
    let d = denom(&header);
    debug_assert!(matches!(d, 1 | 2 | 4 | 8));
    let (mut ow, mut oh) = (0, 0);
    // SAFETY: a live handle; the outputs are valid for writes.
    let rc = unsafe {
        let gray = c_int::from(luma);
        hs_jpeg_scale(handle.ptr, d, gray, &mut ow, &mut oh, err.as_mut_ptr(), err.len())
    };
    if rc != 0 {
        return Err(decode_error(&message(&err)));
    }
    let (channels, pixel) = if luma { (1, "L8") } else { (3, "Rgb8") };
    let n = limits.output_len(ow, oh, channels, pixel)?;
    // libjpeg writes every output byte: reserve without zero-filling (a 24-megapixel photo
    // is 72 MB in RGB), and set the length only once it has.
    out.clear();
    out.reserve(n);
    let dst = out.spare_capacity_mut().as_mut_ptr().cast::<u8>();
    // SAFETY: a live handle; `dst` is valid for writes of `n` bytes (reserved above).
    let rc = unsafe {
        hs_jpeg_read(handle.ptr, dst, n, c_int::from(early), err.as_mut_ptr(), err.len())
    };
    match rc {
        0 => {
            // SAFETY: on success libjpeg has written all `n` bytes (every scanline).
            unsafe { out.set_len(n) };
            Ok(Some((header, ow, oh)))
        }
        1 => Err(decode_error("premature end of data (truncated file)")),
        _ => Err(decode_error(&message(&err))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
        std::fs::read(p).expect("fixture")
    }

    /// Reading a progressive JPEG only until its DC terms have arrived gives, at 1/8, nearly
    /// the pixels of reading the whole file: luma within a grey level or two (the DC terms'
    /// last bit), chroma a little further off (its lowest AC terms are still zero).
    #[test]
    fn progressive_eighth_from_the_first_scans_is_close_to_the_whole_file() {
        let bytes = fixture("large/lomiri-wallpapers-16.04__00013.jpg");
        let lim = DecodeLimits::default();
        let (mut early, mut whole) = (Vec::new(), Vec::new());
        let a = decode_with(&bytes, &lim, |_| 8, false, true, &mut early).unwrap().unwrap();
        let b = decode_with(&bytes, &lim, |_| 8, false, false, &mut whole).unwrap().unwrap();
        assert!(a.0.progressive, "the fixture must be progressive");
        assert_eq!((a.1, a.2), (b.1, b.2));
        assert_eq!((a.1, a.2), (5312u32.div_ceil(8), 2988u32.div_ceil(8)));
        // Compare Pillow's luma ("L") of both.
        let luma = |p: &[u8]| {
            (u32::from(p[0]) * 19595 + u32::from(p[1]) * 38470 + u32::from(p[2]) * 7471 + 0x8000)
                >> 16
        };
        let diffs: Vec<u32> = early
            .chunks_exact(3)
            .zip(whole.chunks_exact(3))
            .map(|(x, y)| luma(x).abs_diff(luma(y)))
            .collect();
        let mean = diffs.iter().sum::<u32>() as f64 / diffs.len() as f64;
        let max = diffs.iter().copied().max().unwrap();
        println!("progressive 1/8 from the DC scans: luma mean |Δ| {mean:.3}, max {max}");
        assert!(early != whole, "the early stop did not change anything: was it taken?");
        assert!(mean < 1.0 && max <= 8, "mean {mean}, max {max}");
    }

    /// Greyscale output (the file's Y) against Pillow's "L" of the RGB output, per pixel:
    /// the same BT.601 weights, so they differ by rounding, and more only where converting
    /// to RGB clamps a saturated colour. Baseline and progressive files, full and reduced
    /// size (a progressive file at 1/8 stops after its luma DC scan).
    #[test]
    fn luma_output_is_pillows_l_within_rounding() {
        let lim = DecodeLimits::default();
        let l_of = |p: &[u8]| {
            (u32::from(p[0]) * 19595 + u32::from(p[1]) * 38470 + u32::from(p[2]) * 7471 + 0x8000)
                >> 16
        };
        for (name, d, early) in [
            ("corpus/pypi-scikit-image/pypi-scikit-image__00011.jpg", 1, false),
            ("large/pypi-mahotas__00001.jpg", 1, false),
            ("large/pypi-mahotas__00001.jpg", 4, false),
            ("progressive/opencv-doc__00001-x4-progressive.jpg", 1, false),
            ("large/lomiri-wallpapers-16.04__00013.jpg", 8, true),
        ] {
            let bytes = fixture(name);
            let (mut rgb, mut luma) = (Vec::new(), Vec::new());
            let a = decode_with(&bytes, &lim, |_| d, false, early, &mut rgb).unwrap().unwrap();
            let b = decode_with(&bytes, &lim, |_| d, true, early, &mut luma).unwrap().unwrap();
            assert_eq!((a.1, a.2), (b.1, b.2), "{name}");
            assert_eq!(luma.len(), (b.1 * b.2) as usize, "{name}: one byte per pixel");
            let diffs: Vec<u32> = rgb
                .chunks_exact(3)
                .zip(&luma)
                .map(|(p, &y)| l_of(p).abs_diff(u32::from(y)))
                .collect();
            let same = diffs.iter().filter(|&&x| x == 0).count() as f64 / diffs.len() as f64;
            let mean = diffs.iter().sum::<u32>() as f64 / diffs.len() as f64;
            let max = diffs.iter().copied().max().unwrap();
            println!(
                "{name} 1/{d}: Y = L on {:.1} %, mean |Y − L| {mean:.3}, max {max}",
                same * 100.0
            );
            assert!(mean < 0.5 && max <= 24, "{name} 1/{d}: mean {mean}, max {max}");
        }
    }

    #[test]
    fn errors_are_typed_not_panics() {
        let lim = DecodeLimits::default();
        let mut out = Vec::new();
        let bytes = fixture("corpus/gnome-backgrounds/gnome-backgrounds__00001.webp");
        // Not a JPEG at all: libjpeg's own message.
        let e = decode_into(&bytes, &lim, |_| 1, false, &mut out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.to_string().contains("libjpeg-turbo"), "{e}");
        // Header only.
        let jpeg = fixture("large/pypi-mahotas__00001.jpg");
        let e = decode_into(&jpeg[..600], &lim, |_| 1, false, &mut out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        // Limits apply before decoding.
        let e = decode_into(&jpeg, &lim.with_max_pixels(1000), |_| 1, false, &mut out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limits, "{e}");
    }
}
