//! Evaluation: how often do hashes of *different*, innocent images come out close?
//!
//! - [`impostor`]: exact impostor (null) distance histograms over all pairs of a benign set
//!   or over probe × list, the pair and per-image false-positive rates they imply, and the
//!   comparison with ideal random hashes.
//! - [`projection`]: from a measured rate to false matches and falsely flagged accounts per
//!   year at a service's volume, and back to the rate (and test size) a target would need.
//! - [`corpus`]: hashing a whole corpus once, keeping every failure.
//! - [`strata`]: null distributions within collections, across collections and pooled.
//! - [`splits`]: the probe-versus-list design (seeded splits by collection).
//! - [`duplicates`]: suspected true duplicates: close pairs, clusters, exclusions.
//! - [`robustness`]: distances of transformed copies to their originals.
//! - [`seed`]: deterministic seeds from names.
//! - [`Kernel`]: the run-time-selected implementation of the pair counter (identical results).

pub mod corpus;
pub mod duplicates;
pub mod impostor;
mod kernel;
pub mod projection;
pub mod robustness;
pub mod seed;
pub mod splits;
pub mod strata;

pub use impostor::{ideal_fpr, ideal_pmf, IdealComparison, ImpostorHistogram, ProbeListEval};
pub use kernel::Kernel;
pub use projection::{AccountModel, Estimate, Projection};
