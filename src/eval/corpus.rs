//! Hashing a whole corpus once, in parallel, keeping every failure.
//!
//! The result, [`HashedCorpus`], is the input of every evaluation: the null (impostor)
//! distributions, the probe-versus-list splits, the duplicate clusters and the report. Files
//! that cannot be decoded or hashed are kept in [`HashedCorpus::failures`] with their error
//! message — never dropped silently — and are excluded from the statistics.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::corpus::{collect_images, ImageFile};
use crate::error::Result;
use crate::hash::{Algorithm, Bits256, Bits64};
use crate::hasher::Hasher;

/// One successfully hashed image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedImage {
    /// Path relative to the corpus root (forward slashes), the image's stable name.
    pub name: String,
    /// Collection label (top-level subfolder).
    pub collection: String,
    /// Absolute or input-relative path, for reading the file again (thumbnails, transforms).
    pub path: PathBuf,
    /// Decoded width and height.
    pub size: (u32, u32),
    /// PDQ quality (0–100) when PDQ was computed.
    pub pdq_quality: Option<u8>,
}

/// All hashes of a corpus, per algorithm, aligned with [`HashedCorpus::images`].
#[derive(Debug, Clone, Default)]
pub struct HashedCorpus {
    /// The images that hashed, sorted by name.
    pub images: Vec<HashedImage>,
    /// 64-bit hashes per algorithm (`images.len()` each), for the algorithms computed.
    pub hashes64: Vec<(Algorithm, Vec<Bits64>)>,
    /// PDQ hashes (`images.len()`), if PDQ was computed.
    pub pdq: Option<Vec<Bits256>>,
    /// Files that failed, with the error message.
    pub failures: Vec<(String, String)>,
    /// Files found while walking that had no image extension (counted, not hashed).
    pub skipped_non_images: usize,
}

impl HashedCorpus {
    /// The 64-bit hashes of `algorithm`, if computed.
    pub fn bits64(&self, algorithm: Algorithm) -> Option<&[Bits64]> {
        self.hashes64.iter().find(|(a, _)| *a == algorithm).map(|(_, v)| v.as_slice())
    }

    /// Number of images that hashed.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Whether no image hashed.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// The collection labels, sorted and unique.
    pub fn collections(&self) -> Vec<String> {
        let mut c: Vec<String> = self.images.iter().map(|i| i.collection.clone()).collect();
        c.sort();
        c.dedup();
        c
    }
}

/// Hashes every image under `root` with `hasher`. `progress` is called after each file.
pub fn hash_corpus(
    root: &Path,
    hasher: &Hasher,
    progress: &(dyn Fn() + Sync),
) -> Result<HashedCorpus> {
    let set = collect_images(&[root])?;
    let results: Vec<_> = set
        .files
        .par_iter()
        .map(|f| {
            let r = hasher.hash_path(&f.path);
            progress();
            (f, r)
        })
        .collect();
    let algos = hasher.config().algorithms.clone();
    let mut out =
        HashedCorpus { skipped_non_images: set.skipped_non_images.len(), ..Default::default() };
    let mut h64: Vec<(Algorithm, Vec<Bits64>)> =
        algos.iter().filter(|a| a.bits() == 64).map(|&a| (a, Vec::new())).collect();
    let mut pdq = algos.contains(&Algorithm::Pdq).then(Vec::new);
    for (f, r) in results {
        let name = display_name(f);
        match r {
            Ok(h) => {
                for (a, v) in &mut h64 {
                    if let Some(b) = h.get(*a).and_then(|x| x.as_bits64()) {
                        v.push(b);
                    }
                }
                if let (Some(v), Some(b)) =
                    (pdq.as_mut(), h.get(Algorithm::Pdq).and_then(|x| x.as_bits256()))
                {
                    v.push(b);
                }
                out.images.push(HashedImage {
                    name,
                    collection: f.collection.clone(),
                    path: f.path.clone(),
                    size: (h.width, h.height),
                    pdq_quality: h.pdq_quality,
                });
            }
            Err(e) => out.failures.push((name, e.to_string())),
        }
    }
    out.hashes64 = h64;
    out.pdq = pdq;
    Ok(out)
}

fn display_name(f: &ImageFile) -> String {
    f.relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}
