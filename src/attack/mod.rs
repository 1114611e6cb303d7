//! Adversaries: what an attacker who holds the hash function can do, on benign images.
//!
//! With client-side scanning the hash function (and in some designs the list) sits on every
//! phone, so "very reliable" matching has to be measured against someone who is trying. This
//! module implements the attacks from the literature on PDQ and pHash, to measure them:
//!
//! - [`model`]: both hashes are linear in the pixels up to the median comparison; the model,
//!   its adjoint and the least-norm perturbation that moves chosen coefficients.
//! - [`quality`]: how visible a change is (PSNR, SSIM, largest pixel change).
//! - [`outcome`]: hashing, writing and re-reading the result; what every attack reports.
//! - [`push`]: the shared white-box step: push chosen coefficients across the median.
//! - [`evade`](mod@evade): the smallest change that moves the hash beyond the threshold.
//! - [`blackbox`]: evasion with hash queries only (random search over smooth patterns).
//! - [`collide`](mod@collide): a visibly unchanged image whose hash lands near a chosen target.
//! - [`invert`]: the picture a hash gives away, and whether it identifies its image.
//! - [`blindspot`]: large visible changes PDQ cannot see (one-axis patterns, fine detail).
//! - [`lists`]: content-agnostic and poisoned lists: the detector flags whatever is listed.
//! - [`picture`]: amplified differences and bit maps for explaining the results.
//!
//! Success is never taken from the model: every attack writes its result as an 8-bit PNG,
//! reads it back and re-hashes it (and, with a JPEG option, re-hashes the JPEG of it too).
//! Nothing here addresses a real list or service; the images are the benign fixtures.

pub mod blackbox;
pub mod blindspot;
pub mod collide;
pub mod evade;
pub mod invert;
pub mod lists;
pub mod model;
pub mod outcome;
pub mod picture;
pub mod push;
pub mod quality;

pub use blackbox::{evade_black_box, BlackBoxOptions};
pub use collide::{collide, CollideOptions};
pub use evade::{evade, EvadeOptions};
pub use model::LinearModel;
pub use outcome::{AttackOutcome, Verification};
