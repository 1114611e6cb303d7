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
//! - [`preprocess`]: Pillow-exact greyscale conversion and resampling.
//! - [`attack`]: adversaries on benign images: the linear model, evasion, collisions, inversion.
//! - [`algorithms`]: aHash, dHash, pHash, wHash and PDQ, one file each.
//! - [`hasher`]: image → every requested hash from one decode ([`HasherConfig`], [`Hasher`]).
//! - [`corpus`]: finding image files and their collections.
//! - [`detector`]: the reference detector (list + threshold → verdict), account threshold.
//! - [`eval`], [`stats`]: null distributions, rates with exact intervals, robustness, splits.
//! - [`report`]: `hashscope report` — the whole evaluation and its rendering; [`plot`]: SVG.
//! - [`hash`]: hash values ([`Bits64`], [`Bits256`], [`ImageHash`]), bit order, hex form.
//! - [`decode`]: image input with decompression-bomb limits.
//! - [`error`]: the one error type, [`Error`] with [`ErrorKind`].
//! - [`transforms`]: the seeded, deterministic robustness suite ([`Transform`], [`standard_suite`]).
//! - [`list`]: hash lists ([`HashList`]) and their text format.
//! - [`index`]: exact Hamming search ([`LinearScan`], [`BkTree`], [`MultiIndex`]).
//! - [`stats`]: exact binomial intervals ([`Rate`], [`ClopperPearson`]), sample sizes, tails.
//! - [`eval`]: impostor (null) distance histograms and population projections.
//!
//! Non-goals and quirks: perceptual hashes are not rotation- or crop-robust (PDQ's dihedral
//! mode covers 90° rotations and flips only); EXIF orientation is ignored, as the references do.
//! hashscope contains and needs no abuse material: hash lists are built from benign stand-ins.

pub mod algorithms;
pub mod attack;
pub mod corpus;
pub mod decode;
pub mod detector;
pub mod error;
pub mod eval;
pub mod hash;
pub mod hasher;
pub mod index;
pub mod list;
pub mod plot;
pub mod preprocess;
pub mod report;
pub mod stats;
pub mod transforms;

pub use algorithms::pdq::PdqHash;
pub use decode::{decode_bytes, decode_path, load_rgb8, to_rgb8, DecodeLimits};
pub use error::{Error, ErrorKind, Result};
pub use eval::{ImpostorHistogram, Kernel, ProbeListEval, Projection};
pub use hash::{Algorithm, Bits, Bits256, Bits64, HashBits, HashValue, ImageHash};
pub use hasher::{Hasher, HasherConfig, ImageHashes};
pub use index::{BkTree, HammingIndex, IndexKind, LinearScan, Match, MultiIndex};
pub use list::{HashList, ListEntry, ListReport, ParseOptions};
pub use stats::{ClopperPearson, Rate};
pub use transforms::{standard_suite, Transform};

/// The README's Rust example, compiled and run by `cargo test` so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
