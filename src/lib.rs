//! # hashscope
//!
//! Perceptual hashing of images and honest measurement of how often an innocent image is
//! matched against a hash list — the "known material only" scope of client-side scanning,
//! modelled on benign images.
//!
//! Data flow, each step in its own module:
//!
//! ```text
//! file ──decode──▶ RGB ──preprocess──▶ luma ──algorithms──▶ ImageHash
//!                                                             │
//!            hash list (list) ──▶ index (exact Hamming search) ──▶ detector verdict
//!                                                             │
//!                      corpus of benign images ──▶ evaluation ──▶ report
//! ```
//!
//! - [`hash`]: hash values ([`Bits64`], [`Bits256`], [`ImageHash`]), bit order, hex form.
//! - [`decode`]: image input with decompression-bomb limits.
//! - [`error`]: the one error type, [`Error`] with [`ErrorKind`].
//! - [`stats`]: exact binomial intervals ([`Rate`], [`ClopperPearson`]), sample sizes, tails.
//! - [`eval`]: impostor (null) distance histograms and population projections.
//!
//! Non-goals and quirks: perceptual hashes are not rotation- or crop-robust (PDQ's dihedral
//! mode covers 90° rotations and flips only); EXIF orientation is ignored, as the references do.
//! hashscope contains and needs no abuse material: hash lists are built from benign stand-ins.

pub mod decode;
pub mod error;
pub mod eval;
pub mod hash;
pub mod stats;

pub use decode::{decode_bytes, decode_path, load_rgb8, to_rgb8, DecodeLimits};
pub use error::{Error, ErrorKind, Result};
pub use eval::{ImpostorHistogram, Kernel, ProbeListEval, Projection};
pub use hash::{Algorithm, Bits, Bits256, Bits64, HashBits, HashValue, ImageHash};
pub use stats::{ClopperPearson, Rate};
