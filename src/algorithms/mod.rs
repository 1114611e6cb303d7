//! The hashing algorithms, one file each.

pub mod pdq;
