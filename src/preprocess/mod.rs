//! Preprocessing shared by the hash algorithms: colour to luma and resampling.
//!
//! Perceptual hashes first throw information away — colour, then resolution — and only then
//! look at what is left. The reference implementations do this with a particular library, and
//! to agree with their hashes bit for bit we must throw away *exactly* the same information:
//!
//! - [`pillow`]: Pillow's RGB → "L" conversion and its convolution resampler (`Image.resize`
//!   with LANCZOS, BICUBIC, BILINEAR, BOX or HAMMING), reproduced byte for byte. Python
//!   `imagehash` uses these.
//! - [`reduce`]: box reduction by an integer factor (Pillow's `Image.reduce`), used only by
//!   the fast path (`HasherConfig::fast_decode`) where the decoder could not shrink an image.
pub mod pillow;
#[cfg(target_arch = "x86_64")]
mod pillow_wide;
pub mod reduce;
