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
//! - [`cpu`]: run-time choice of popcount instructions ([`Kernel`]).
//! - [`detector`]: the reference detector (list + threshold → verdict), account threshold.
//! - [`eval`], [`stats`]: null distributions, rates with exact intervals, robustness, splits.
//! - [`book`]: the course's generated numbers and figures (`docs/src/generated/`).
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
pub mod book;
pub mod corpus;
pub mod cpu;
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

/// Every page of the book (`docs/src`), so that each Rust snippet in it is compiled and run by
/// `cargo test` (`tests/docs_links.rs` checks that no page is missing from this list).
#[cfg(doctest)]
pub mod book_pages {
    #[doc = include_str!("../docs/src/README.md")]
    pub struct Readme;
    #[doc = include_str!("../docs/src/adversaries/README.md")]
    pub struct AdversariesReadme;
    #[doc = include_str!("../docs/src/adversaries/blind-spots.md")]
    pub struct AdversariesBlindSpots;
    #[doc = include_str!("../docs/src/adversaries/collision.md")]
    pub struct AdversariesCollision;
    #[doc = include_str!("../docs/src/adversaries/evasion.md")]
    pub struct AdversariesEvasion;
    #[doc = include_str!("../docs/src/adversaries/inversion.md")]
    pub struct AdversariesInversion;
    #[doc = include_str!("../docs/src/adversaries/linear-model.md")]
    pub struct AdversariesLinearModel;
    #[doc = include_str!("../docs/src/adversaries/lists.md")]
    pub struct AdversariesLists;
    #[doc = include_str!("../docs/src/adversaries/threshold-dilemma.md")]
    pub struct AdversariesThresholdDilemma;
    #[doc = include_str!("../docs/src/algorithms/README.md")]
    pub struct AlgorithmsReadme;
    #[doc = include_str!("../docs/src/algorithms/ahash.md")]
    pub struct AlgorithmsAhash;
    #[doc = include_str!("../docs/src/algorithms/dhash.md")]
    pub struct AlgorithmsDhash;
    #[doc = include_str!("../docs/src/algorithms/pdq.md")]
    pub struct AlgorithmsPdq;
    #[doc = include_str!("../docs/src/algorithms/phash.md")]
    pub struct AlgorithmsPhash;
    #[doc = include_str!("../docs/src/algorithms/preprocessing.md")]
    pub struct AlgorithmsPreprocessing;
    #[doc = include_str!("../docs/src/algorithms/whash.md")]
    pub struct AlgorithmsWhash;
    #[doc = include_str!("../docs/src/cli.md")]
    pub struct Cli;
    #[doc = include_str!("../docs/src/errors.md")]
    pub struct Errors;
    #[doc = include_str!("../docs/src/exercises.md")]
    pub struct Exercises;
    #[doc = include_str!("../docs/src/glossary.md")]
    pub struct Glossary;
    #[doc = include_str!("../docs/src/honest-nulls.md")]
    pub struct HonestNulls;
    #[doc = include_str!("../docs/src/known-vs-unknown.md")]
    pub struct KnownVsUnknown;
    #[doc = include_str!("../docs/src/list-format.md")]
    pub struct ListFormat;
    #[doc = include_str!("../docs/src/matching.md")]
    pub struct Matching;
    #[doc = include_str!("../docs/src/measuring-false-positives.md")]
    pub struct MeasuringFalsePositives;
    #[doc = include_str!("../docs/src/peers.md")]
    pub struct Peers;
    #[doc = include_str!("../docs/src/projection.md")]
    pub struct Projection;
    #[doc = include_str!("../docs/src/question.md")]
    pub struct Question;
    #[doc = include_str!("../docs/src/reproduce.md")]
    pub struct Reproduce;
    #[doc = include_str!("../docs/src/robustness-transforms.md")]
    pub struct RobustnessTransforms;
    #[doc = include_str!("../docs/src/samenvatting.md")]
    pub struct Samenvatting;
    #[doc = include_str!("../docs/src/throughput.md")]
    pub struct Throughput;
}
