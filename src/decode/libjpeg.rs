//! JPEG decoding by the system's libjpeg-turbo (cargo feature `libjpeg-turbo`): the decoder
//! Pillow and OpenCV use, with Pillow's settings (accurate integer IDCT, "fancy" chroma
//! upsampling, RGB output), so a JPEG decodes to **the same pixels the reference hashes were
//! computed from**; and it can decode at 1/2, 1/4 or 1/8 of the size in the DCT domain, for
//! [`super::decode_rgb8_reduced_into`].
//!
//! The bridge is `csrc/libjpeg_shim.c` (built by `build.rs`, linked with `-ljpeg`): libjpeg's
//! fatal errors jump back (setjmp/longjmp) inside C only, and come out here as
//! [`ErrorKind::Decode`] with libjpeg's message. A file whose data ends early is an error,
//! as in the default decoder (libjpeg itself would pad it with grey).
//!
//! Only 8-bit JPEGs with one (grey) or three (YCbCr or RGB) components are decoded here;
//! anything else (CMYK, 12-bit, …) is left to the `image` crate: [`decode_rgb8`] returns
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
        out_width: *mut c_uint,
        out_height: *mut c_uint,
        err: *mut c_char,
        errlen: usize,
    ) -> c_int;
    fn hs_jpeg_read(
        h: *mut HsJpeg,
        out: *mut u8,
        out_len: usize,
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
pub fn decode_rgb8(
    bytes: &[u8],
    limits: &DecodeLimits,
    denom: impl FnOnce(&JpegHeader) -> u32,
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
    if header.width == 0 || header.height == 0 {
        return Err(Error::new(
            ErrorKind::Unhashable,
            format!("image has zero size ({}×{})", header.width, header.height),
        ));
    }
    let d = denom(&header);
    debug_assert!(matches!(d, 1 | 2 | 4 | 8));
    let (mut ow, mut oh) = (0, 0);
    // SAFETY: a live handle; the outputs are valid for writes.
    let rc = unsafe { hs_jpeg_scale(handle.ptr, d, &mut ow, &mut oh, err.as_mut_ptr(), err.len()) };
    if rc != 0 {
        return Err(decode_error(&message(&err)));
    }
    let n = u64::from(ow) * u64::from(oh) * 3;
    if n > limits.max_alloc_bytes {
        return Err(Error::new(
            ErrorKind::Limits,
            format!(
                "decoding {ow}×{oh} (Rgb8) needs {n} bytes, over the limit of {} bytes",
                limits.max_alloc_bytes
            ),
        ));
    }
    let n = usize::try_from(n)
        .map_err(|_| Error::new(ErrorKind::Limits, "image does not fit in memory"))?;
    out.resize(n, 0);
    // SAFETY: a live handle; `out` holds exactly `n` writable bytes.
    let rc = unsafe { hs_jpeg_read(handle.ptr, out.as_mut_ptr(), n, err.as_mut_ptr(), err.len()) };
    match rc {
        0 => Ok(Some((header, ow, oh))),
        1 => Err(decode_error("premature end of data (truncated file)")),
        _ => Err(decode_error(&message(&err))),
    }
}
