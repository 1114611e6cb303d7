//! WebP decoding by libwebp (cargo feature `libwebp`): Google's reference decoder, the one
//! Pillow and OpenCV use, built from the C sources the `libwebp-sys` crate vendors (no
//! system library needed, only a C compiler).
//!
//! It gives **the same RGB pixels** as the `image` crate's pure-Rust decoder (image-webp),
//! which already matches Pillow on every WebP we have (`tests/webp_decoders.rs` compares the
//! two byte for byte on lossy, lossless and alpha files), in less than half the time
//! (docs/src/throughput.md). Only still images are decoded here; an animated WebP is left to
//! the `image` crate (its first frame, as Pillow hashes): [`decode_rgb8`] returns `Ok(None)`.
//!
//! Alpha is dropped, not composited (libwebp's `MODE_RGB` output, as Pillow's
//! `convert("RGB")`).

use std::mem::MaybeUninit;

use libwebp_sys::{
    VP8StatusCode, WebPBitstreamFeatures, WebPDecode, WebPDecoderConfig, WebPFreeDecBuffer,
    WebPGetFeatures, WebPInitDecoderConfig, WEBP_CSP_MODE,
};

use super::DecodeLimits;
use crate::error::{Error, ErrorKind, Result};

/// Whether `bytes` start like a WebP file (a RIFF container of type `WEBP`).
pub fn is_webp(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP"
}

fn decode_error(status: VP8StatusCode) -> Error {
    let what = match status {
        VP8StatusCode::VP8_STATUS_OUT_OF_MEMORY => "out of memory",
        VP8StatusCode::VP8_STATUS_INVALID_PARAM => "invalid parameter",
        VP8StatusCode::VP8_STATUS_BITSTREAM_ERROR => "corrupt bitstream",
        VP8StatusCode::VP8_STATUS_UNSUPPORTED_FEATURE => "unsupported feature",
        VP8StatusCode::VP8_STATUS_SUSPENDED | VP8StatusCode::VP8_STATUS_NOT_ENOUGH_DATA => {
            "premature end of data (truncated file)"
        }
        VP8StatusCode::VP8_STATUS_USER_ABORT => "aborted",
        VP8StatusCode::VP8_STATUS_OK => "internal: no error",
    };
    Error::new(ErrorKind::Decode, format!("WebP (libwebp): {what}"))
}

/// Decodes `bytes` (a WebP: see [`is_webp`]) to 8-bit RGB in `out` after checking `limits`
/// on the size its header declares. Returns the size, or `Ok(None)` for an animated WebP
/// (left to the `image` crate); errors for undecodable or truncated data.
pub fn decode_rgb8(
    bytes: &[u8],
    limits: &DecodeLimits,
    out: &mut Vec<u8>,
) -> Result<Option<(u32, u32)>> {
    let mut features = MaybeUninit::<WebPBitstreamFeatures>::zeroed();
    // SAFETY: `bytes` is valid for reads of its length; `features` for one write.
    let status = unsafe { WebPGetFeatures(bytes.as_ptr(), bytes.len(), features.as_mut_ptr()) };
    if status != VP8StatusCode::VP8_STATUS_OK {
        return Err(decode_error(status));
    }
    // SAFETY: WebPGetFeatures filled it (status OK); all-zero is valid for it anyway.
    let features = unsafe { features.assume_init() };
    if features.has_animation != 0 {
        return Ok(None);
    }
    // libwebp never declares a negative size; one would count as zero.
    let side = |v: std::ffi::c_int| u32::try_from(v).unwrap_or(0);
    let (w, h) = (side(features.width), side(features.height));
    limits.check(w, h)?;
    let n = limits.output_len(w, h, 3, "Rgb8")?;
    let stride = std::ffi::c_int::try_from(3 * u64::from(w))
        .map_err(|_| Error::new(ErrorKind::Limits, "image too wide for libwebp"))?;

    let mut config = MaybeUninit::<WebPDecoderConfig>::zeroed();
    // SAFETY: `config` is valid for writes; the call initialises it (false: ABI mismatch).
    if !unsafe { WebPInitDecoderConfig(config.as_mut_ptr()) } {
        return Err(Error::new(ErrorKind::Decode, "WebP (libwebp): library version mismatch"));
    }
    // SAFETY: initialised just above.
    let mut config = unsafe { config.assume_init() };
    // libwebp writes every output byte: reserve without zero-filling, set the length after.
    out.clear();
    out.reserve(n);
    config.output.colorspace = WEBP_CSP_MODE::MODE_RGB;
    config.output.is_external_memory = 1;
    // The RGBA member of the output union, which MODE_RGB output uses.
    config.output.u.RGBA.rgba = out.spare_capacity_mut().as_mut_ptr().cast::<u8>();
    config.output.u.RGBA.stride = stride;
    config.output.u.RGBA.size = n;
    // SAFETY: `bytes` is valid for reads of its length; the output buffer for writes of `n`
    // bytes (`stride × height`, reserved above) and outlives the call.
    let status = unsafe { WebPDecode(bytes.as_ptr(), bytes.len(), &mut config) };
    // SAFETY: frees only what libwebp allocated itself (nothing for external memory).
    unsafe { WebPFreeDecBuffer(&mut config.output) };
    if status != VP8StatusCode::VP8_STATUS_OK {
        return Err(decode_error(status));
    }
    // SAFETY: on success libwebp has written all `n` bytes (every row of the image).
    unsafe { out.set_len(n) };
    Ok(Some((w, h)))
}
