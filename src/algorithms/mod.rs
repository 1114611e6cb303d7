//! The perceptual-hash algorithms, one file each, each a small lesson.
//!
//! The four 64-bit hashes reproduce Python `imagehash` 4.3.2 with its defaults
//! (`hash_size = 8`) on a Pillow "L" image (see [`crate::preprocess::pillow`]):
//! [`ahash`] (mean threshold), [`dhash`] (neighbour gradient), [`phash`] (DCT) and
//! [`whash`] (Haar wavelet). [`pdq`] is Meta's 256-bit PDQ, bit-exact with the reference;
//! [`pdq_separable`] computes its blur as two matrix products for the fast path.
pub mod ahash;
pub mod dhash;
pub mod pdq;
pub mod pdq_separable;
pub mod phash;
pub mod whash;
