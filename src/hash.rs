//! Hash values: fixed-width bit strings, the algorithm that made them, and their hex form.
//!
//! # Bit order (stated once, used everywhere)
//!
//! A hash of `B` bits is a big-endian number of `B` bits. **Bit position `p` counts from the
//! most significant bit**: position 0 is the high bit of the first hex digit, position `B-1`
//! the low bit of the last. [`Bits`] stores the number in `u64` words, most significant word
//! first, so position `p` lives in word `p / 64` at numeric bit `63 - p % 64`; viewed through
//! [`Bits::as_bitslice`] (a `bitvec` `Msb0` slice) index `p` *is* position `p`.
//!
//! Each algorithm documents which pixel or coefficient it writes to position `p`:
//! the imagehash family writes its 8×8 grid row by row (`p = row * 8 + col`), exactly as
//! Python `imagehash` flattens its boolean array before printing; PDQ writes the 16×16 DCT
//! coefficient `(row, col)` to `p = 255 - (row * 16 + col)`, which makes the hex identical to
//! Meta's `Hash256::format()`.
//!
//! # Hex form
//!
//! Lowercase hex, `B / 4` digits, zero-padded, most significant digit first: 16 digits for
//! the 64-bit hashes (as `str(imagehash.phash(img))` prints), 64 for PDQ (as Meta prints).
//! Parsing accepts upper or lower case and nothing else: no `0x`, no spaces, exact length.
//!
//! # Identity
//!
//! An [`ImageHash`] carries its [`Algorithm`]; [`ImageHash::distance`] between hashes of
//! different algorithms is an [`ErrorKind::AlgorithmMismatch`] error, never a number.

use std::fmt;
use std::str::FromStr;

use bitvec::prelude::{BitSlice, Msb0};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// The perceptual-hash algorithms hashscope implements.
///
/// ```
/// use hashscope::Algorithm;
/// let a: Algorithm = "pdq".parse().unwrap();
/// assert_eq!(a.bits(), 256);
/// assert_eq!(Algorithm::PHash.to_string(), "phash");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Average hash (imagehash `average_hash`), 64 bits.
    AHash,
    /// Difference hash (imagehash `dhash`), 64 bits.
    DHash,
    /// DCT perceptual hash (imagehash `phash`), 64 bits.
    PHash,
    /// Haar wavelet hash (imagehash `whash`), 64 bits.
    WHash,
    /// Meta's PDQ, 256 bits.
    Pdq,
}

impl Algorithm {
    /// All algorithms, in a fixed order (the order of report columns).
    pub const ALL: [Algorithm; 5] =
        [Algorithm::AHash, Algorithm::DHash, Algorithm::PHash, Algorithm::WHash, Algorithm::Pdq];

    /// Hash width in bits.
    pub fn bits(self) -> u32 {
        match self {
            Algorithm::Pdq => 256,
            _ => 64,
        }
    }

    /// The lowercase name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::AHash => "ahash",
            Algorithm::DHash => "dhash",
            Algorithm::PHash => "phash",
            Algorithm::WHash => "whash",
            Algorithm::Pdq => "pdq",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ahash" | "average" | "average_hash" => Ok(Algorithm::AHash),
            "dhash" => Ok(Algorithm::DHash),
            "phash" => Ok(Algorithm::PHash),
            "whash" | "whash-haar" => Ok(Algorithm::WHash),
            "pdq" => Ok(Algorithm::Pdq),
            other => Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("unknown algorithm {other:?} (expected ahash, dhash, phash, whash or pdq)"),
            )),
        }
    }
}

/// A fixed-width bit string of `64 * N` bits (see the [module docs](self) for bit order).
///
/// Ordering is numeric (equivalently lexicographic on the hex form).
///
/// ```
/// use hashscope::Bits64;
/// let a = Bits64::from_hex("8000000000000001").unwrap();
/// assert!(a.bit(0) && a.bit(63) && !a.bit(1));
/// let b = Bits64::from_hex("0000000000000000").unwrap();
/// assert_eq!(a.hamming(&b), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bits<const N: usize> {
    words: [u64; N],
}

/// 64-bit hash value (aHash, dHash, pHash, wHash).
pub type Bits64 = Bits<1>;
/// 256-bit hash value (PDQ).
pub type Bits256 = Bits<4>;

impl<const N: usize> Default for Bits<N> {
    fn default() -> Self {
        Bits { words: [0; N] }
    }
}

impl<const N: usize> Bits<N> {
    /// Number of bits.
    pub const BITS: u32 = 64 * N as u32;

    /// All bits zero.
    pub const fn zero() -> Self {
        Bits { words: [0; N] }
    }

    /// From words, most significant first.
    pub const fn from_words(words: [u64; N]) -> Self {
        Bits { words }
    }

    /// The words, most significant first.
    pub const fn words(&self) -> &[u64; N] {
        &self.words
    }

    /// Builds a hash from booleans in bit-position order (`bools[p]` is position `p`).
    ///
    /// # Panics
    /// If `bools.len() != 64 * N` (a programming error, never input-derived).
    pub fn from_bools(bools: &[bool]) -> Self {
        assert_eq!(bools.len(), Self::BITS as usize, "wrong number of bits");
        let mut b = Self::zero();
        for (p, &v) in bools.iter().enumerate() {
            b.set(p, v);
        }
        b
    }

    /// The bit at position `p` (0 = most significant). `p` must be `< 64 * N`.
    #[inline]
    pub fn bit(&self, p: usize) -> bool {
        (self.words[p / 64] >> (63 - p % 64)) & 1 == 1
    }

    /// Sets the bit at position `p` (0 = most significant) to `v`.
    #[inline]
    pub fn set(&mut self, p: usize, v: bool) {
        let mask = 1u64 << (63 - p % 64);
        if v {
            self.words[p / 64] |= mask;
        } else {
            self.words[p / 64] &= !mask;
        }
    }

    /// Flips the bit at position `p`.
    #[inline]
    pub fn flip(&mut self, p: usize) {
        self.words[p / 64] ^= 1u64 << (63 - p % 64);
    }

    /// Hamming distance: the number of positions at which the two differ.
    #[inline]
    pub fn hamming(&self, other: &Self) -> u32 {
        let mut d = 0;
        for i in 0..N {
            d += (self.words[i] ^ other.words[i]).count_ones();
        }
        d
    }

    /// Number of set bits.
    pub fn count_ones(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }

    /// A `bitvec` view in which index `p` is bit position `p`.
    pub fn as_bitslice(&self) -> &BitSlice<u64, Msb0> {
        BitSlice::from_slice(&self.words)
    }

    /// Lowercase hex, `16 * N` digits.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(16 * N);
        for w in &self.words {
            s.push_str(&format!("{w:016x}"));
        }
        s
    }

    /// Parses exactly `16 * N` hex digits (either case).
    pub fn from_hex(s: &str) -> Result<Self> {
        let want = 16 * N;
        if s.len() != want {
            return Err(Error::new(
                ErrorKind::InvalidHash,
                format!(
                    "expected {want} hex digits, got {} characters: {:?}",
                    s.chars().count(),
                    shorten(s)
                ),
            ));
        }
        if let Some((i, c)) = s.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
            return Err(Error::new(
                ErrorKind::InvalidHash,
                format!("non-hex character {c:?} at position {} in {:?}", i + 1, shorten(s)),
            ));
        }
        let mut words = [0u64; N];
        for (i, w) in words.iter_mut().enumerate() {
            // All characters are ASCII hex digits, so slicing and parsing cannot fail.
            *w = u64::from_str_radix(&s[16 * i..16 * (i + 1)], 16)
                .map_err(|e| Error::new(ErrorKind::InvalidHash, e.to_string()))?;
        }
        Ok(Bits { words })
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 80 {
        let head: String = s.chars().take(77).collect();
        format!("{head}...")
    } else {
        s.to_string()
    }
}

impl<const N: usize> fmt::Debug for Bits<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bits({})", self.to_hex())
    }
}

impl<const N: usize> fmt::Display for Bits<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Fixed-width hashes usable in the indexes: [`Bits64`] and [`Bits256`].
pub trait HashBits: Copy + Eq + Ord + std::hash::Hash + Send + Sync + fmt::Debug + 'static {
    /// Width in bits.
    const WIDTH: u32;
    /// Hamming distance.
    fn distance(&self, other: &Self) -> u32;
    /// The value as words, most significant first.
    fn as_words(&self) -> &[u64];
    /// Builds the value from words, most significant first; `None` if the count is wrong.
    fn try_from_words(words: &[u64]) -> Option<Self>;
}

impl<const N: usize> HashBits for Bits<N> {
    const WIDTH: u32 = 64 * N as u32;
    #[inline]
    fn distance(&self, other: &Self) -> u32 {
        self.hamming(other)
    }
    fn as_words(&self) -> &[u64] {
        &self.words
    }
    fn try_from_words(words: &[u64]) -> Option<Self> {
        let words: [u64; N] = words.try_into().ok()?;
        Some(Bits { words })
    }
}

/// The bits of an [`ImageHash`], 64 or 256 wide.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum HashValue {
    /// A 64-bit value.
    B64(Bits64),
    /// A 256-bit value.
    B256(Bits256),
}

impl HashValue {
    /// Width in bits.
    pub fn bits(&self) -> u32 {
        match self {
            HashValue::B64(_) => 64,
            HashValue::B256(_) => 256,
        }
    }
    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        match self {
            HashValue::B64(b) => b.to_hex(),
            HashValue::B256(b) => b.to_hex(),
        }
    }
    /// The value as words, most significant first.
    pub fn words(&self) -> &[u64] {
        match self {
            HashValue::B64(b) => b.words(),
            HashValue::B256(b) => b.words(),
        }
    }
    /// The bit at position `p`.
    pub fn bit(&self, p: usize) -> bool {
        match self {
            HashValue::B64(b) => b.bit(p),
            HashValue::B256(b) => b.bit(p),
        }
    }
}

/// A perceptual hash together with the algorithm that produced it.
///
/// ```
/// use hashscope::{Algorithm, ImageHash};
/// let a = ImageHash::from_hex(Algorithm::PHash, "dcf0b127148f7a54").unwrap();
/// let b = ImageHash::from_hex(Algorithm::PHash, "dcf0b127148f7a55").unwrap();
/// assert_eq!(a.distance(&b).unwrap(), 1);
/// // A pHash and an aHash are not comparable:
/// let c = ImageHash::from_hex(Algorithm::AHash, "dcf0b127148f7a55").unwrap();
/// assert!(a.distance(&c).is_err());
/// assert_eq!(a.to_string(), "dcf0b127148f7a54");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct ImageHash {
    algorithm: Algorithm,
    value: HashValue,
}

impl ImageHash {
    /// A 64-bit hash of a 64-bit algorithm. Errors if `algorithm` is not 64 bits wide.
    pub fn new64(algorithm: Algorithm, bits: Bits64) -> Result<Self> {
        Self::new(algorithm, HashValue::B64(bits))
    }

    /// A 256-bit hash of a 256-bit algorithm (PDQ). Errors if `algorithm` is not 256 bits wide.
    pub fn new256(algorithm: Algorithm, bits: Bits256) -> Result<Self> {
        Self::new(algorithm, HashValue::B256(bits))
    }

    /// A hash from a value; errors when the width does not match the algorithm.
    pub fn new(algorithm: Algorithm, value: HashValue) -> Result<Self> {
        if value.bits() != algorithm.bits() {
            return Err(Error::new(
                ErrorKind::AlgorithmMismatch,
                format!("{algorithm} hashes have {} bits, got {}", algorithm.bits(), value.bits()),
            ));
        }
        Ok(ImageHash { algorithm, value })
    }

    /// Parses the hex form for `algorithm` (16 digits for 64-bit hashes, 64 for PDQ).
    pub fn from_hex(algorithm: Algorithm, s: &str) -> Result<Self> {
        let res = match algorithm.bits() {
            64 => Bits64::from_hex(s).map(HashValue::B64),
            _ => Bits256::from_hex(s).map(HashValue::B256),
        };
        let value =
            res.map_err(|e| Error::new(e.kind(), format!("{algorithm} hash: {}", e.message())))?;
        Ok(ImageHash { algorithm, value })
    }

    /// The algorithm that produced this hash.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The bits.
    pub fn value(&self) -> &HashValue {
        &self.value
    }

    /// Width in bits.
    pub fn bits(&self) -> u32 {
        self.value.bits()
    }

    /// The 64-bit value, if this is a 64-bit hash.
    pub fn as_bits64(&self) -> Option<Bits64> {
        match self.value {
            HashValue::B64(b) => Some(b),
            HashValue::B256(_) => None,
        }
    }

    /// The 256-bit value, if this is a 256-bit hash.
    pub fn as_bits256(&self) -> Option<Bits256> {
        match self.value {
            HashValue::B256(b) => Some(b),
            HashValue::B64(_) => None,
        }
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        self.value.to_hex()
    }

    /// Hamming distance; an error if the algorithms differ.
    pub fn distance(&self, other: &ImageHash) -> Result<u32> {
        match (&self.value, &other.value) {
            (HashValue::B64(a), HashValue::B64(b)) if self.algorithm == other.algorithm => {
                Ok(a.hamming(b))
            }
            (HashValue::B256(a), HashValue::B256(b)) if self.algorithm == other.algorithm => {
                Ok(a.hamming(b))
            }
            _ => Err(Error::new(
                ErrorKind::AlgorithmMismatch,
                format!("cannot compare a {} hash with a {} hash", self.algorithm, other.algorithm),
            )),
        }
    }
}

impl fmt::Display for ImageHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_order() {
        let h = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
        let b = Bits256::from_hex(h).unwrap();
        assert_eq!(b.to_hex(), h);
        // position 0 is the top bit of 'f'
        assert!(b.bit(0) && b.bit(3) && b.bit(4) && !b.bit(5));
        assert_eq!(b.as_bitslice().len(), 256);
        for p in 0..256 {
            assert_eq!(b.as_bitslice()[p], b.bit(p));
        }
        assert_eq!(Bits256::from_hex(&h.to_uppercase()).unwrap(), b);
    }

    #[test]
    fn rejects_bad_hex() {
        let e = Bits64::from_hex("0123").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidHash);
        assert!(e.to_string().contains("expected 16 hex digits"));
        let e = Bits64::from_hex("012345678901234g").unwrap_err();
        assert!(e.to_string().contains("'g' at position 16"), "{e}");
        assert!(Bits64::from_hex("0x23456789012345").is_err());
        assert!(Bits64::from_hex(" 123456789012345").is_err());
        // multibyte characters never panic
        assert!(Bits64::from_hex("ééééééééé1234").is_err());
        assert!(Bits64::from_hex("éééééééé").is_err());
    }

    #[test]
    fn mismatched_algorithms_do_not_compare() {
        let a = ImageHash::from_hex(Algorithm::PHash, "0000000000000000").unwrap();
        let b = ImageHash::from_hex(Algorithm::DHash, "0000000000000000").unwrap();
        assert_eq!(a.distance(&b).unwrap_err().kind(), ErrorKind::AlgorithmMismatch);
        assert!(ImageHash::new64(Algorithm::Pdq, Bits64::zero()).is_err());
        assert!(ImageHash::from_hex(Algorithm::Pdq, "0000000000000000").is_err());
    }

    #[test]
    fn algorithm_names_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(a.name().parse::<Algorithm>().unwrap(), a);
        }
        assert!("md5".parse::<Algorithm>().is_err());
    }
}
