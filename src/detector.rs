//! The reference detector: an image, a hash list, a threshold → a verdict.
//!
//! This is what "matching against hashes of known material" means operationally:
//!
//! 1. hash the image with the list's algorithm;
//! 2. PDQ only: if the hash's quality is at or below the gate (Meta recommends discarding
//!    quality ≤ 49), the image is **not scannable** — no verdict either way;
//! 3. look up every list entry within the threshold (inclusive: distance ≤ threshold) in an
//!    exact index ([`MultiIndex`]); optionally (PDQ) for all 8 rotations and flips of the image;
//! 4. any hit is a **match**, reported with the entries and distances; otherwise **no match**.
//!
//! Default thresholds (see [`crate::report::default_threshold`]): PDQ 31 of 256 bits (Meta's
//! recommendation), 10 of 64 bits for aHash, dHash, pHash and wHash (a common rule of thumb;
//! no reference publishes one).
//!
//! An [`AccountMonitor`] adds the account-level threshold of Apple's 2021 design: an account is
//! flagged only once `k` of its images have matched (Apple used k = 30).
//!
//! ```
//! use hashscope::{Algorithm, ImageHash};
//! use hashscope::detector::{Detector, DetectorConfig, Verdict};
//! let list = vec![ImageHash::from_hex(Algorithm::PHash, "dcf0b127148f7a54").unwrap()];
//! let det = Detector::new(Algorithm::PHash, &list, vec![Some("entry-1".into())], DetectorConfig::for_algorithm(Algorithm::PHash)).unwrap();
//! let probe = ImageHash::from_hex(Algorithm::PHash, "dcf0b127148f7a57").unwrap(); // 2 bits away
//! match det.scan_hash(&probe, None).unwrap() {
//!     Verdict::Match(m) => assert_eq!((m[0].distance, m[0].id.as_deref()), (2, Some("entry-1"))),
//!     other => panic!("{other:?}"),
//! }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use image::RgbImage;
use serde::Serialize;

use crate::algorithms::pdq;
use crate::decode::{load_rgb8, DecodeLimits};
use crate::error::{Error, ErrorKind, Result};
use crate::hash::{Algorithm, Bits256, Bits64, HashValue, ImageHash};
use crate::hasher::HasherConfig;
use crate::index::{HammingIndex, MultiIndex};

/// Detector settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DetectorConfig {
    /// Match threshold: distance ≤ threshold is a match.
    pub threshold: u32,
    /// PDQ: images whose quality is ≤ this are not scanned (`None`: no gate).
    pub quality_gate: Option<u8>,
    /// PDQ: also query the 7 other rotations/flips of the image.
    pub dihedral: bool,
}

impl DetectorConfig {
    /// The documented defaults for `algorithm`: PDQ threshold 31 with the quality ≤ 49 gate;
    /// 64-bit hashes threshold 10 and no gate.
    pub fn for_algorithm(algorithm: Algorithm) -> Self {
        DetectorConfig {
            threshold: crate::report::default_threshold(algorithm),
            quality_gate: (algorithm == Algorithm::Pdq).then_some(crate::report::PDQ_QUALITY_GATE),
            dihedral: false,
        }
    }
}

/// A list entry the image matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListMatch {
    /// Position of the entry in the list.
    pub entry: u32,
    /// The entry's id, if the list gives one.
    pub id: Option<String>,
    /// Hamming distance (smallest over the queried variants).
    pub distance: u32,
    /// The dihedral variant that matched best (0 = the image as stored), PDQ dihedral only.
    pub variant: Option<u8>,
}

/// The outcome of scanning one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// At least one list entry within the threshold, sorted by (distance, entry).
    Match(Vec<ListMatch>),
    /// No list entry within the threshold.
    NoMatch,
    /// The image was not scanned (e.g. PDQ quality at or below the gate), with the reason.
    NotScannable(String),
}

impl Verdict {
    /// Whether this is a match.
    pub fn is_match(&self) -> bool {
        matches!(self, Verdict::Match(_))
    }
    /// A short lowercase label: `match`, `no-match`, `not-scannable`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Match(_) => "match",
            Verdict::NoMatch => "no-match",
            Verdict::NotScannable(_) => "not-scannable",
        }
    }
}

enum Index {
    B64(MultiIndex<Bits64>),
    B256(MultiIndex<Bits256>),
}

/// A detector for one algorithm, one list and one threshold.
pub struct Detector {
    algorithm: Algorithm,
    config: DetectorConfig,
    index: Index,
    ids: Vec<Option<String>>,
    limits: DecodeLimits,
}

impl Detector {
    /// Builds a detector from list hashes (all of `algorithm`) and their ids (same length, or
    /// empty for no ids).
    pub fn new(
        algorithm: Algorithm,
        list: &[ImageHash],
        ids: Vec<Option<String>>,
        config: DetectorConfig,
    ) -> Result<Self> {
        if config.threshold > algorithm.bits() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "threshold {} exceeds {algorithm}'s {} bits",
                    config.threshold,
                    algorithm.bits()
                ),
            ));
        }
        if !ids.is_empty() && ids.len() != list.len() {
            return Err(Error::new(ErrorKind::InvalidArgument, "ids and list differ in length"));
        }
        if let Some(h) = list.iter().find(|h| h.algorithm() != algorithm) {
            return Err(Error::new(
                ErrorKind::AlgorithmMismatch,
                format!("a {algorithm} detector cannot hold a {} hash", h.algorithm()),
            ));
        }
        let index = if algorithm.bits() == 64 {
            let v: Vec<Bits64> = list.iter().filter_map(|h| h.as_bits64()).collect();
            Index::B64(MultiIndex::build(&v)?)
        } else {
            let v: Vec<Bits256> = list.iter().filter_map(|h| h.as_bits256()).collect();
            Index::B256(MultiIndex::build(&v)?)
        };
        let ids = if ids.is_empty() { vec![None; list.len()] } else { ids };
        Ok(Detector { algorithm, config, index, ids, limits: DecodeLimits::default() })
    }

    /// Builds a detector from a parsed [`HashList`](crate::list::HashList) (ids kept).
    pub fn from_list(list: &crate::list::HashList, config: DetectorConfig) -> Result<Self> {
        let hashes: Vec<ImageHash> = list.entries().iter().map(|e| e.hash).collect();
        let ids = list.entries().iter().map(|e| e.id.clone()).collect();
        Detector::new(list.algorithm(), &hashes, ids, config)
    }

    /// Sets the decoding limits used by [`scan_path`](Self::scan_path).
    #[must_use]
    pub fn with_limits(mut self, limits: DecodeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The settings.
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// Number of list entries.
    pub fn list_len(&self) -> usize {
        self.ids.len()
    }

    /// Decodes and scans the file at `path`. Decoding errors are errors (the caller reports
    /// them); a low-quality image is a [`Verdict::NotScannable`], not an error.
    pub fn scan_path(&self, path: impl AsRef<Path>) -> Result<Scan> {
        let path = path.as_ref();
        let rgb = load_rgb8(path, &self.limits)?;
        self.scan_rgb(&rgb).map_err(|e| e.with_path(path))
    }

    /// Scans a decoded image.
    pub fn scan_rgb(&self, rgb: &RgbImage) -> Result<Scan> {
        if self.algorithm == Algorithm::Pdq && self.config.dihedral {
            let all = pdq::pdq_dihedral_from_rgb(rgb)?;
            let hash = ImageHash::new256(Algorithm::Pdq, all[0].hash)?;
            let quality = all[0].quality;
            if let Some(v) = self.gate(Some(quality)) {
                return Ok(Scan { hash, quality: Some(quality), verdict: v });
            }
            let mut best: BTreeMap<u32, (u32, u8)> = BTreeMap::new();
            if let Index::B256(ix) = &self.index {
                for (variant, h) in all.iter().enumerate() {
                    for m in ix.within(&h.hash, self.config.threshold) {
                        let e = best.entry(m.id).or_insert((m.distance, variant as u8));
                        if m.distance < e.0 {
                            *e = (m.distance, variant as u8);
                        }
                    }
                }
            }
            let verdict =
                self.verdict(best.into_iter().map(|(id, (d, v))| (id, d, Some(v))).collect());
            return Ok(Scan { hash, quality: Some(quality), verdict });
        }
        let hashes = HasherConfig::default().algorithms(&[self.algorithm]).build().hash_rgb(rgb)?;
        let hash = *hashes
            .get(self.algorithm)
            .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "hash missing"))?;
        let scan = self.scan_hash(&hash, hashes.pdq_quality)?;
        Ok(Scan { hash, quality: hashes.pdq_quality, verdict: scan })
    }

    /// Looks up a precomputed hash (with its PDQ quality, if known). Errors if the hash's
    /// algorithm is not the detector's.
    pub fn scan_hash(&self, hash: &ImageHash, quality: Option<u8>) -> Result<Verdict> {
        if hash.algorithm() != self.algorithm {
            return Err(Error::new(
                ErrorKind::AlgorithmMismatch,
                format!("a {} detector cannot scan a {} hash", self.algorithm, hash.algorithm()),
            ));
        }
        if let Some(v) = self.gate(quality) {
            return Ok(v);
        }
        let t = self.config.threshold;
        let hits: Vec<(u32, u32, Option<u8>)> = match (&self.index, hash.value()) {
            (Index::B64(ix), HashValue::B64(b)) => {
                ix.within(b, t).into_iter().map(|m| (m.id, m.distance, None)).collect()
            }
            (Index::B256(ix), HashValue::B256(b)) => {
                ix.within(b, t).into_iter().map(|m| (m.id, m.distance, None)).collect()
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::AlgorithmMismatch,
                    "hash width does not match the list",
                ))
            }
        };
        Ok(self.verdict(hits))
    }

    fn gate(&self, quality: Option<u8>) -> Option<Verdict> {
        match (self.config.quality_gate, quality) {
            (Some(g), Some(q)) if q <= g => {
                Some(Verdict::NotScannable(format!("PDQ quality {q} is at or below the gate {g}")))
            }
            _ => None,
        }
    }

    fn verdict(&self, hits: Vec<(u32, u32, Option<u8>)>) -> Verdict {
        if hits.is_empty() {
            return Verdict::NoMatch;
        }
        let mut m: Vec<ListMatch> = hits
            .into_iter()
            .map(|(id, distance, variant)| ListMatch {
                entry: id,
                id: self.ids.get(id as usize).cloned().flatten(),
                distance,
                variant,
            })
            .collect();
        m.sort_by_key(|x| (x.distance, x.entry));
        Verdict::Match(m)
    }
}

/// The result of scanning one image: its hash, PDQ quality and verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The image's hash (for dihedral PDQ: the hash of the image as stored).
    pub hash: ImageHash,
    /// PDQ quality, when the algorithm is PDQ.
    pub quality: Option<u8>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Account-level thresholding over a stream of (account, verdict) events: an account is
/// flagged once `k` of its images have matched (Apple's 2021 design used k = 30).
///
/// ```
/// use hashscope::detector::{AccountMonitor, Verdict};
/// let mut m = AccountMonitor::new(2);
/// assert!(!m.observe("alice", &Verdict::Match(vec![])));
/// assert!(!m.observe("bob", &Verdict::NoMatch));
/// assert!(m.observe("alice", &Verdict::Match(vec![])));   // second match: flagged now
/// assert!(!m.observe("alice", &Verdict::Match(vec![])));  // already flagged: reported once
/// assert_eq!(m.flagged(), vec!["alice"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct AccountMonitor {
    k: u32,
    matches: BTreeMap<String, u32>,
}

impl AccountMonitor {
    /// A monitor that flags after `k` matches (k = 0 is treated as 1).
    pub fn new(k: u32) -> Self {
        AccountMonitor { k: k.max(1), matches: BTreeMap::new() }
    }

    /// Records one scanned image of `account`; returns `true` exactly when this event makes
    /// the account reach `k` matches.
    pub fn observe(&mut self, account: &str, verdict: &Verdict) -> bool {
        if !verdict.is_match() {
            return false;
        }
        let c = self.matches.entry(account.to_string()).or_insert(0);
        *c += 1;
        *c == self.k
    }

    /// Matched-image count of `account`.
    pub fn matches(&self, account: &str) -> u32 {
        self.matches.get(account).copied().unwrap_or(0)
    }

    /// Accounts flagged so far, sorted.
    pub fn flagged(&self) -> Vec<&str> {
        self.matches.iter().filter(|(_, &c)| c >= self.k).map(|(a, _)| a.as_str()).collect()
    }
}
