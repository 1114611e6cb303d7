//! `hashscope report`: one command from a folder of benign images to honest, reproducible
//! error-rate figures.
//!
//! [`run`] hashes the corpus, measures the null (impostor) distributions by stratum, the
//! probe-versus-list rates, near-duplicate clusters, robustness to the transform suite,
//! operating points, multiple comparisons and the PDQ quality gate, and returns every number in
//! a serialisable [`ReportResults`]. [`write()`] renders `report.md`, a standalone
//! `report.html` with SVG plots, `results.json` and CSV tables. Every random choice is seeded,
//! every list is sorted, and no timestamp is written: the same inputs give byte-identical
//! files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::algorithms::pdq;
use crate::decode::{load_rgb8, DecodeLimits};
use crate::error::{Error, ErrorKind, Result};
use crate::eval::corpus::{hash_corpus, HashedCorpus};
use crate::eval::duplicates::{close_pairs, clusters, ClosePair, Exclusions};
use crate::eval::impostor::{cross_match_counts, ImpostorHistogram, ProbeListEval};
use crate::eval::robustness::{self, Robustness};
use crate::eval::seed::sample_indices;
use crate::eval::splits::collection_splits;
use crate::eval::strata::{null_strata, NullStrata};
use crate::hash::{Algorithm, Bits256, HashBits};
use crate::hasher::HasherConfig;
use crate::stats::{pair_rate_interval, DependentRate, ImagePairs, Rate};
use crate::transforms::{standard_suite, Transform};

pub mod adversarial;
mod html;
mod markdown;
pub mod projection;
mod thumbs;

pub use html::render_html;
pub use markdown::render_markdown;

/// The report's Markdown sections as `(id, markdown)`, in order (`intro`, `headline`, `null`,
/// `probe`, `duplicates`, `robustness`, `operating`, `projection`, `multiple`, `failures`):
/// what `report.md` joins, and what the book embeds section by section.
pub fn markdown_sections(res: &ReportResults) -> Vec<(&'static str, String)> {
    markdown::sections(res).into_iter().map(|s| (s.id, s.md)).collect()
}

/// Every SVG plot of the HTML report as `(file-name stem, svg)`, section by section.
pub fn named_plots(res: &ReportResults) -> Vec<(String, String)> {
    markdown::sections(res).iter().flat_map(|s| html::section_plots(res, s.id)).collect()
}

/// Default match threshold (inclusive: distance ≤ threshold is a match) of each algorithm.
///
/// - PDQ: 31 of 256 bits, Meta's recommendation (facebook/ThreatExchange `pdq/README.md`).
/// - aHash, dHash, pHash, wHash: 10 of 64 bits. No reference publishes a threshold for these;
///   10 is the usual rule of thumb in imagehash users' code (Krawetz, "Looks Like It", 2011:
///   a distance of 10 or more is "probably a very different picture"). 10/64 ≈ 16 % of the
///   bits, close to PDQ's 31/256 ≈ 12 %.
pub fn default_threshold(algorithm: Algorithm) -> u32 {
    match algorithm {
        Algorithm::Pdq => 31,
        _ => 10,
    }
}

/// PDQ's quality gate: hashes with quality at or below this are "not scanned" (Meta's README
/// recommends discarding quality ≤ 49).
pub const PDQ_QUALITY_GATE: u8 = 49;

/// Everything that determines a report. Recorded verbatim in `results.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ReportConfig {
    /// The corpus root (images under it, collections = top-level subfolders). Not written to
    /// `results.json`: [`corpus_name`](Self::corpus_name) is, so results do not depend on
    /// where the checkout lives.
    #[serde(skip)]
    pub corpus: PathBuf,
    /// How the corpus is named in the report (the path as the user gave it, or
    /// `fixtures/corpus` for the embedded fixtures).
    pub corpus_name: String,
    /// Algorithms evaluated.
    pub algorithms: Vec<Algorithm>,
    /// Match threshold per algorithm (distance ≤ threshold matches).
    pub thresholds: BTreeMap<Algorithm, u32>,
    /// Seed of every random choice (splits, robustness sample, transform noise).
    pub seed: u64,
    /// Images sampled for the robustness suite (0 = all).
    pub robustness_images: usize,
    /// Number of probe-versus-list splits.
    pub splits: usize,
    /// Share of images (by whole collections) put on the list side of a split.
    pub list_share: f64,
    /// Target false-positive rates for the operating points.
    pub target_fprs: Vec<f64>,
    /// Confirmed-duplicate exclusions file, if any.
    pub exclude_pairs: Option<PathBuf>,
    /// Decoding limits.
    pub limits: DecodeLimits,
    /// Population-projection inputs.
    pub projection: projection::ProjectionInputs,
}

impl ReportConfig {
    /// The default report on `corpus`: all algorithms, default thresholds, seed 1.
    pub fn new(corpus: impl Into<PathBuf>) -> Self {
        let corpus = corpus.into();
        ReportConfig {
            corpus_name: corpus.display().to_string(),
            corpus,
            algorithms: Algorithm::ALL.to_vec(),
            thresholds: Algorithm::ALL.iter().map(|&a| (a, default_threshold(a))).collect(),
            seed: 1,
            robustness_images: 100,
            splits: 10,
            list_share: 0.5,
            target_fprs: vec![1e-3, 1e-4, 1e-6],
            exclude_pairs: None,
            limits: DecodeLimits::default(),
            projection: projection::ProjectionInputs::default(),
        }
    }

    /// The threshold used for `algorithm`.
    pub fn threshold(&self, algorithm: Algorithm) -> u32 {
        self.thresholds.get(&algorithm).copied().unwrap_or_else(|| default_threshold(algorithm))
    }
}

/// Name and version of the tool that produced a report.
#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    /// Always `hashscope`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
    /// The JPEG decoder of this build ([`crate::decode::JPEG_DECODER`]): JPEG hashes can
    /// differ by a bit or two between the default decoder and libjpeg-turbo.
    pub jpeg_decoder: &'static str,
}

/// What the corpus held.
#[derive(Debug, Clone, Serialize)]
pub struct CorpusInfo {
    /// Images hashed.
    pub images: usize,
    /// (collection, image count), sorted by name.
    pub collections: Vec<(String, usize)>,
    /// (file, error) for files that could not be hashed.
    pub failures: Vec<(String, String)>,
    /// Files skipped while walking because they have no image extension.
    pub skipped_non_images: usize,
    /// SHA-256 over the sorted lines `name<TAB>sha256(file)` of the hashed images.
    pub manifest_sha256: String,
}

/// A histogram with its pair count.
#[derive(Debug, Clone, Serialize)]
pub struct HistogramOut {
    /// Number of pairs.
    pub pairs: u64,
    /// Pairs at each distance 0..=bits.
    pub counts: Vec<u64>,
}

impl From<&ImpostorHistogram> for HistogramOut {
    fn from(h: &ImpostorHistogram) -> Self {
        HistogramOut { pairs: h.total(), counts: h.counts().to_vec() }
    }
}

/// FPR at one threshold in the three strata.
#[derive(Debug, Clone, Serialize)]
pub struct StrataRates {
    /// Threshold.
    pub t: u32,
    /// All pairs.
    pub pooled: Option<Rate>,
    /// Pairs within a collection.
    pub within: Option<Rate>,
    /// Pairs across collections.
    pub across: Option<Rate>,
}

/// One probe-versus-list split's counts at the threshold.
#[derive(Debug, Clone, Serialize)]
pub struct SplitOut {
    /// Split number.
    pub index: usize,
    /// Collections on the list side.
    pub list_collections: Vec<String>,
    /// List size L.
    pub list_size: usize,
    /// Number of probe images.
    pub probe_size: usize,
    /// Probe × list pairs at distance ≤ t.
    pub pair_matches: u64,
    /// Probe × list pairs.
    pub pairs: u64,
    /// Probe images with at least one list entry at distance ≤ t.
    pub images_matched: u64,
}

/// The probe-versus-list figures of one algorithm.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeVsList {
    /// Each split.
    pub splits: Vec<SplitOut>,
    /// Per-pair rate, counts pooled over splits.
    pub per_pair: Option<Rate>,
    /// The same per-pair rate with a dependence-aware 95 % interval: images, not pairs, as the
    /// independent units (image jackknife over the pooled splits, see
    /// [`stats::bootstrap`](crate::stats::bootstrap)).
    pub per_pair_dependent: Option<DependentRate>,
    /// Per-image rate ("share of probe images with ≥ 1 match in a list of size L"), counts
    /// pooled over splits.
    pub per_image: Option<Rate>,
    /// Smallest and largest per-image point estimate over the splits.
    pub per_image_spread: Option<(f64, f64)>,
    /// Mean list size over the splits.
    pub mean_list_size: f64,
}

/// A close pair, by name.
#[derive(Debug, Clone, Serialize)]
pub struct PairOut {
    /// First image (smaller name).
    pub a: String,
    /// Second image.
    pub b: String,
    /// Hamming distance.
    pub distance: u32,
    /// Whether both images share a collection.
    pub same_collection: bool,
    /// Whether the pair was excluded as a confirmed duplicate.
    pub excluded: bool,
}

/// A connected component of close pairs.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterOut {
    /// Id usable in `--exclude-pairs`, e.g. `pdq:0`.
    pub id: String,
    /// Member image names.
    pub members: Vec<String>,
    /// Close pairs inside the cluster.
    pub pairs: usize,
}

/// Robustness of one algorithm under one transform.
#[derive(Debug, Clone, Serialize)]
pub struct TransformOut {
    /// Transform name.
    pub transform: String,
    /// Copies measured.
    pub n: u64,
    /// Mean distance to the original.
    pub mean_distance: f64,
    /// Largest distance.
    pub max_distance: u32,
    /// Share of copies within the threshold, with its interval.
    pub recall: Option<Rate>,
}

/// The threshold reaching a target false-positive rate.
#[derive(Debug, Clone, Serialize)]
pub struct OperatingPoint {
    /// Target per-pair FPR (across-collection pairs).
    pub target_fpr: f64,
    /// Largest threshold whose 95 % upper bound is ≤ the target, if any.
    pub threshold: Option<u32>,
    /// The measured rate at that threshold.
    pub fpr: Option<Rate>,
    /// Why no threshold was found, when none was.
    pub note: Option<String>,
    /// Recall per transform at that threshold.
    pub recall: Vec<(String, Option<Rate>)>,
}

/// PDQ's quality gate effect.
#[derive(Debug, Clone, Serialize)]
pub struct QualityGate {
    /// Gate: quality ≤ this is not scanned.
    pub gate: u8,
    /// Corpus images at or below the gate.
    pub discarded: Option<Rate>,
    /// Per-image probe-vs-list rate without the gate.
    pub per_image_without: Option<Rate>,
    /// The same with low-quality probes and list entries discarded.
    pub per_image_with: Option<Rate>,
    /// Recall over all transforms without the gate.
    pub recall_without: Option<Rate>,
    /// Recall when copies at or below the gate count as not scanned (missed).
    pub recall_with: Option<Rate>,
}

/// All results of one algorithm.
#[derive(Debug, Clone, Serialize)]
pub struct AlgorithmResults {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Hash width.
    pub bits: u32,
    /// Match threshold.
    pub threshold: u32,
    /// Impostor histograms: pooled, within and across collections.
    pub null_pooled: HistogramOut,
    /// Within-collection pairs.
    pub null_within: HistogramOut,
    /// Across-collection pairs.
    pub null_across: HistogramOut,
    /// Pairs excluded as confirmed duplicates.
    pub excluded_pairs: u64,
    /// FPR at the threshold, by stratum.
    pub fpr_at_threshold: StrataRates,
    /// The across-collection pair FPR at the threshold with a dependence-aware 95 % interval
    /// (image jackknife, see [`stats::bootstrap`](crate::stats::bootstrap)).
    pub fpr_across_dependent: Option<DependentRate>,
    /// FPR(t) for every t, by stratum.
    pub fpr_curve: Vec<StrataRates>,
    /// Probe-versus-list figures at the threshold.
    pub probe_vs_list: ProbeVsList,
    /// Pairs at or under the threshold (suspected duplicates).
    pub close_pairs: Vec<PairOut>,
    /// Their connected components.
    pub clusters: Vec<ClusterOut>,
    /// Robustness per transform at the threshold.
    pub robustness: Vec<TransformOut>,
    /// Genuine distances over all transforms (histogram 0..=bits).
    pub genuine: Vec<u64>,
    /// (t, across-collection FPR point, recall point) for t = 0..=bits.
    pub roc: Vec<(u32, f64, f64)>,
    /// Operating points.
    pub operating_points: Vec<OperatingPoint>,
    /// PDQ only: the quality gate.
    pub quality_gate: Option<QualityGate>,
    /// The population projection of the per-image probe-vs-list rate.
    pub projection: Option<projection::ProjectionOut>,
}

impl AlgorithmResults {
    /// Recall under the transform named `transform` (e.g. `jpeg50`), if it was measured.
    pub fn recall(&self, transform: &str) -> Option<Rate> {
        self.robustness.iter().find(|t| t.transform == transform).and_then(|t| t.recall)
    }
}

/// A multiple-comparison variant against the single comparison.
#[derive(Debug, Clone, Serialize)]
pub struct MultipleComparison {
    /// What is compared.
    pub variant: String,
    /// Per-image probe-vs-list rate (pooled over splits).
    pub per_image: Option<Rate>,
}

/// Everything a report says.
#[derive(Debug, Clone, Serialize)]
pub struct ReportResults {
    /// Tool name and version.
    pub tool: ToolInfo,
    /// The configuration that ran.
    pub config: ReportConfig,
    /// The corpus.
    pub corpus: CorpusInfo,
    /// Names of the images in the robustness sample.
    pub robustness_images: Vec<String>,
    /// Transforms in the suite.
    pub transforms: Vec<String>,
    /// (image, transform, error) for copies that could not be made or hashed.
    pub robustness_failures: Vec<(String, String, String)>,
    /// Per-algorithm results.
    pub algorithms: Vec<AlgorithmResults>,
    /// Multiple comparisons (dihedral, several algorithms, several lists) vs single.
    pub multiple_comparisons: Vec<MultipleComparison>,
    /// The threshold dilemma under attack (`hashscope report --adversarial`), when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adversarial: Option<adversarial::Dilemma>,
}

impl ReportResults {
    /// Mean size of the benign lists in the probe-versus-list design (the first algorithm's;
    /// every algorithm uses the same splits), or 0 without algorithms.
    pub fn mean_list_size(&self) -> f64 {
        self.algorithms.first().map_or(0.0, |a| a.probe_vs_list.mean_list_size)
    }
}

/// Progress callbacks for the long phases.
pub trait Progress: Sync {
    /// A phase with `len` steps begins.
    fn phase(&self, name: &str, len: u64);
    /// One step of the current phase is done.
    fn step(&self);
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _: &str, _: u64) {}
    fn step(&self) {}
}

fn rate(k: u64, n: u64) -> Option<Rate> {
    Rate::clopper_pearson(k, n).ok()
}

/// Confidence level of the dependence-aware intervals in the report.
const DEPENDENT_CONFIDENCE: f64 = 0.95;

/// Per-image counts of across-collection pairs and matches at `t`, leaving out `excluded`
/// pairs (confirmed duplicates): the input of the dependence-aware across-collection interval.
fn across_image_pairs(
    collections: &[String],
    close: &[ClosePair],
    excluded: &[ClosePair],
) -> Vec<ImagePairs> {
    let mut sizes: BTreeMap<&str, u64> = BTreeMap::new();
    for c in collections {
        *sizes.entry(c.as_str()).or_default() += 1;
    }
    let n = collections.len() as u64;
    let mut units: Vec<ImagePairs> = collections
        .iter()
        .map(|c| ImagePairs { matches: 0, pairs: n - sizes.get(c.as_str()).copied().unwrap_or(0) })
        .collect();
    let across = |p: &ClosePair| collections[p.i as usize] != collections[p.j as usize];
    let excluded_set: std::collections::BTreeSet<(u32, u32)> =
        excluded.iter().map(|p| (p.i, p.j)).collect();
    for p in excluded.iter().filter(|p| across(p)) {
        for i in [p.i, p.j] {
            units[i as usize].pairs = units[i as usize].pairs.saturating_sub(1);
        }
    }
    for p in close.iter().filter(|p| across(p) && !excluded_set.contains(&(p.i, p.j))) {
        for i in [p.i, p.j] {
            units[i as usize].matches += 1;
        }
    }
    units
}

/// Runs the whole evaluation.
pub fn run(config: &ReportConfig, progress: &dyn Progress) -> Result<ReportResults> {
    if config.algorithms.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, "no algorithm selected"));
    }
    let hasher =
        HasherConfig::default().algorithms(&config.algorithms).limits(config.limits).build();
    let files = crate::corpus::collect_images(&[&config.corpus])?;
    progress.phase("hashing", files.files.len() as u64);
    let corpus = hash_corpus(&config.corpus, &hasher, &|| progress.step())?;
    if corpus.len() < 2 {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("the corpus has {} hashable image(s); at least 2 are needed", corpus.len()),
        )
        .with_path(&config.corpus));
    }
    let collections: Vec<String> = corpus.images.iter().map(|i| i.collection.clone()).collect();
    let names: Vec<&str> = corpus.images.iter().map(|i| i.name.as_str()).collect();

    // Exclusions: pairs by name now, cluster ids once clusters are known.
    let exclusions = match &config.exclude_pairs {
        Some(p) => Exclusions::read(p)?,
        None => Exclusions::default(),
    };

    // Robustness on a seeded sample.
    let k = if config.robustness_images == 0 { corpus.len() } else { config.robustness_images };
    let sample = sample_indices(&names, k, config.seed);
    let sample_paths: Vec<(String, PathBuf)> = sample
        .iter()
        .map(|&i| (corpus.images[i].name.clone(), corpus.images[i].path.clone()))
        .collect();
    let suite = standard_suite();
    progress.phase("robustness", sample_paths.len() as u64);
    let rob =
        robustness::measure(&sample_paths, &hasher, &suite, config.seed, &config.limits, &|| {
            progress.step()
        });

    let splits = collection_splits(&collections, config.splits, config.list_share, config.seed);

    progress.phase("null distributions", config.algorithms.len() as u64);
    let mut algorithms = Vec::new();
    for &algo in &config.algorithms {
        let t = config.threshold(algo);
        let res = if algo == Algorithm::Pdq {
            let h = corpus.pdq.as_deref().unwrap_or(&[]);
            evaluate(algo, t, h, &corpus, &collections, &exclusions, &splits, &rob, config)?
        } else {
            let h = corpus.bits64(algo).unwrap_or(&[]);
            evaluate(algo, t, h, &corpus, &collections, &exclusions, &splits, &rob, config)?
        };
        algorithms.push(res);
        progress.step();
    }

    progress.phase("multiple comparisons", 1);
    let multiple_comparisons = multiple_comparisons(config, &corpus, &splits)?;
    progress.step();

    let manifest_sha256 = manifest_hash(&corpus)?;
    let mut coll_counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in &collections {
        *coll_counts.entry(c.clone()).or_default() += 1;
    }
    Ok(ReportResults {
        tool: ToolInfo {
            name: "hashscope",
            version: env!("CARGO_PKG_VERSION"),
            jpeg_decoder: crate::decode::JPEG_DECODER,
        },
        config: config.clone(),
        corpus: CorpusInfo {
            images: corpus.len(),
            collections: coll_counts.into_iter().collect(),
            failures: corpus.failures.clone(),
            skipped_non_images: corpus.skipped_non_images,
            manifest_sha256,
        },
        robustness_images: rob.images.clone(),
        transforms: suite.iter().map(Transform::name).collect(),
        robustness_failures: rob.failures.clone(),
        algorithms,
        multiple_comparisons,
        adversarial: None,
    })
}

#[allow(clippy::too_many_arguments)]
fn evaluate<B: HashBits>(
    algo: Algorithm,
    t: u32,
    hashes: &[B],
    corpus: &HashedCorpus,
    collections: &[String],
    exclusions: &Exclusions,
    splits: &[crate::eval::splits::Split],
    rob: &Robustness,
    config: &ReportConfig,
) -> Result<AlgorithmResults> {
    let name = |i: u32| corpus.images[i as usize].name.as_str();
    // Close pairs and their clusters (before exclusion, so ids are stable).
    let pairs = close_pairs(hashes, t);
    let comps = clusters(hashes.len(), &pairs);
    let cluster_id = |k: usize| format!("{}:{k}", algo.name());
    let mut excluded: Vec<ClosePair> = Vec::new();
    let in_excluded_cluster = |p: &ClosePair| {
        comps.iter().enumerate().any(|(k, c)| {
            exclusions.clusters.contains(&cluster_id(k)) && c.contains(&p.i) && c.contains(&p.j)
        })
    };
    for p in &pairs {
        if exclusions.contains(name(p.i), name(p.j)) || in_excluded_cluster(p) {
            excluded.push(*p);
        }
    }
    // Excluded pairs farther than t are found by name among all pairs.
    if !exclusions.pairs.is_empty() {
        let index: BTreeMap<&str, u32> =
            corpus.images.iter().enumerate().map(|(i, im)| (im.name.as_str(), i as u32)).collect();
        for (a, b) in &exclusions.pairs {
            if let (Some(&i), Some(&j)) = (index.get(a.as_str()), index.get(b.as_str())) {
                let (i, j) = if i < j { (i, j) } else { (j, i) };
                let d = hashes[i as usize].distance(&hashes[j as usize]);
                if d > t {
                    excluded.push(ClosePair { i, j, distance: d });
                }
            }
        }
    }
    excluded.sort();
    excluded.dedup();
    let strata: NullStrata = null_strata(hashes, collections, &excluded)?;
    let at = |t: u32| StrataRates {
        t,
        pooled: strata.pooled.fpr_at(t).ok(),
        within: strata.within.fpr_at(t).ok(),
        across: strata.across.fpr_at(t).ok(),
    };
    let fpr_curve: Vec<StrataRates> = (0..=B::WIDTH).map(at).collect();
    let fpr_across_dependent = pair_rate_interval(
        &across_image_pairs(collections, &pairs, &excluded),
        DEPENDENT_CONFIDENCE,
    )
    .ok();

    // Probe versus list.
    let mut split_out = Vec::new();
    let (mut pk, mut pn, mut ik, mut inn) = (0u64, 0u64, 0u64, 0u64);
    let mut spread: Option<(f64, f64)> = None;
    // Each image's probe × list pairs and matches, summed over the splits (an image is a
    // probe in some splits and a list entry in others).
    let mut split_units = vec![ImagePairs::default(); hashes.len()];
    for s in splits {
        let list: Vec<B> = s.list.iter().map(|&i| hashes[i]).collect();
        let probes: Vec<B> = s.probes.iter().map(|&i| hashes[i]).collect();
        let e = ProbeListEval::compute(&probes, &list);
        let (rows, cols) = cross_match_counts(&probes, &list, t);
        for (&i, r) in s.probes.iter().zip(rows) {
            split_units[i].matches += r;
            split_units[i].pairs += list.len() as u64;
        }
        for (&i, c) in s.list.iter().zip(cols) {
            split_units[i].matches += c;
            split_units[i].pairs += probes.len() as u64;
        }
        let pm = e.pairs.count_at_most(t);
        let im = e.nearest.iter().filter(|d| d.is_some_and(|d| d <= t)).count() as u64;
        pk += pm;
        pn += e.pairs.total();
        ik += im;
        inn += probes.len() as u64;
        if !probes.is_empty() {
            let share = im as f64 / probes.len() as f64;
            spread = Some(match spread {
                None => (share, share),
                Some((lo, hi)) => (lo.min(share), hi.max(share)),
            });
        }
        split_out.push(SplitOut {
            index: s.index,
            list_collections: s.list_collections.clone(),
            list_size: list.len(),
            probe_size: probes.len(),
            pair_matches: pm,
            pairs: e.pairs.total(),
            images_matched: im,
        });
    }
    let mean_list_size = if splits.is_empty() {
        0.0
    } else {
        splits.iter().map(|s| s.list.len() as f64).sum::<f64>() / splits.len() as f64
    };
    let probe_vs_list = ProbeVsList {
        splits: split_out,
        per_pair: rate(pk, pn),
        per_pair_dependent: pair_rate_interval(&split_units, DEPENDENT_CONFIDENCE).ok(),
        per_image: rate(ik, inn),
        per_image_spread: spread,
        mean_list_size,
    };

    // Close pairs and clusters by name.
    let excluded_set: std::collections::BTreeSet<(u32, u32)> =
        excluded.iter().map(|p| (p.i, p.j)).collect();
    let close_pairs_out = pairs
        .iter()
        .map(|p| {
            let (a, b) = (name(p.i), name(p.j));
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            PairOut {
                a: a.to_string(),
                b: b.to_string(),
                distance: p.distance,
                same_collection: collections[p.i as usize] == collections[p.j as usize],
                excluded: excluded_set.contains(&(p.i, p.j)),
            }
        })
        .collect();
    let clusters_out = comps
        .iter()
        .enumerate()
        .map(|(k, c)| ClusterOut {
            id: cluster_id(k),
            members: c.iter().map(|&i| name(i).to_string()).collect(),
            pairs: pairs.iter().filter(|p| c.contains(&p.i)).count(),
        })
        .collect();

    // Robustness.
    let robustness = (0..rob.transforms.len())
        .map(|ti| {
            let col = rob.algorithms.iter().position(|&a| a == algo);
            let ds: Vec<u32> = rob
                .samples
                .iter()
                .filter(|s| s.transform == ti)
                .filter_map(|s| col.map(|c| s.distances[c]))
                .collect();
            let (k, n) = rob.recall_counts(algo, ti, t);
            TransformOut {
                transform: rob.transforms[ti].name(),
                n,
                mean_distance: if ds.is_empty() {
                    0.0
                } else {
                    ds.iter().map(|&d| f64::from(d)).sum::<f64>() / ds.len() as f64
                },
                max_distance: ds.iter().copied().max().unwrap_or(0),
                recall: rate(k, n),
            }
        })
        .collect();
    let genuine = rob.genuine_histogram(algo, None);
    let genuine_total: u64 = genuine.iter().sum();
    let mut cum = 0u64;
    let roc = (0..=B::WIDTH)
        .map(|tt| {
            cum += genuine[tt as usize];
            let fpr = strata.across.fpr_at(tt).map(|r| r.point).unwrap_or(f64::NAN);
            let recall =
                if genuine_total == 0 { f64::NAN } else { cum as f64 / genuine_total as f64 };
            (tt, fpr, recall)
        })
        .collect();

    // Operating points on across-collection pairs.
    let operating_points = config
        .target_fprs
        .iter()
        .map(|&target| {
            let best = (0..=B::WIDTH)
                .filter(|&tt| strata.across.fpr_at(tt).is_ok_and(|r| r.upper <= target))
                .max();
            let n = strata.across.total();
            match best {
                Some(tt) => OperatingPoint {
                    target_fpr: target,
                    threshold: Some(tt),
                    fpr: strata.across.fpr_at(tt).ok(),
                    note: None,
                    recall: (0..rob.transforms.len())
                        .map(|ti| {
                            let (k, n) = rob.recall_counts(algo, ti, tt);
                            (rob.transforms[ti].name(), rate(k, n))
                        })
                        .collect(),
                },
                None => OperatingPoint {
                    target_fpr: target,
                    threshold: None,
                    fpr: None,
                    note: Some(format!(
                        "not measurable with {n} pairs: even zero matches would leave a 95 % upper bound of {:.1e}; about {} pairs are needed",
                        strata.across.fpr_at(0).map(|r| r.upper).unwrap_or(1.0),
                        crate::stats::sample_size_for_upper_bound(target, 0.975).unwrap_or(0)
                    )),
                    recall: Vec::new(),
                },
            }
        })
        .collect();

    let quality_gate = (algo == Algorithm::Pdq).then(|| quality_gate(corpus, splits, rob, t));
    let projection = match &probe_vs_list.per_image {
        Some(r) => Some(projection::project(
            r,
            &format!(
                "per-image FPR, probe vs list (mean list size {:.0}, {} splits)",
                probe_vs_list.mean_list_size,
                splits.len()
            ),
            &config.projection,
        )?),
        None => None,
    };

    Ok(AlgorithmResults {
        algorithm: algo,
        bits: B::WIDTH,
        threshold: t,
        null_pooled: (&strata.pooled).into(),
        null_within: (&strata.within).into(),
        null_across: (&strata.across).into(),
        excluded_pairs: strata.excluded,
        fpr_at_threshold: at(t),
        fpr_across_dependent,
        fpr_curve,
        probe_vs_list,
        close_pairs: close_pairs_out,
        clusters: clusters_out,
        robustness,
        genuine,
        roc,
        operating_points,
        quality_gate,
        projection,
    })
}

fn quality_gate(
    corpus: &HashedCorpus,
    splits: &[crate::eval::splits::Split],
    rob: &Robustness,
    t: u32,
) -> QualityGate {
    let gate = PDQ_QUALITY_GATE;
    let q: Vec<u8> = corpus.images.iter().map(|i| i.pdq_quality.unwrap_or(0)).collect();
    let low = q.iter().filter(|&&x| x <= gate).count() as u64;
    let hashes = corpus.pdq.as_deref().unwrap_or(&[]);
    let per_image = |gated: bool| {
        let (mut k, mut n) = (0u64, 0u64);
        for s in splits {
            let keep = |i: &&usize| !gated || q[**i] > gate;
            let list: Vec<Bits256> = s.list.iter().filter(keep).map(|&i| hashes[i]).collect();
            let probes: Vec<Bits256> = s.probes.iter().filter(keep).map(|&i| hashes[i]).collect();
            let e = ProbeListEval::compute(&probes, &list);
            k += e.nearest.iter().filter(|d| d.is_some_and(|d| d <= t)).count() as u64;
            n += probes.len() as u64;
        }
        rate(k, n)
    };
    let col = rob.algorithms.iter().position(|&a| a == Algorithm::Pdq);
    let (mut k0, mut k1, mut n) = (0u64, 0u64, 0u64);
    if let Some(c) = col {
        for s in &rob.samples {
            n += 1;
            if s.distances[c] <= t {
                k0 += 1;
                if s.pdq_quality.is_some_and(|q| q > gate) {
                    k1 += 1;
                }
            }
        }
    }
    QualityGate {
        gate,
        discarded: rate(low, q.len() as u64),
        per_image_without: per_image(false),
        per_image_with: per_image(true),
        recall_without: rate(k0, n),
        recall_with: rate(k1, n),
    }
}

fn multiple_comparisons(
    config: &ReportConfig,
    corpus: &HashedCorpus,
    splits: &[crate::eval::splits::Split],
) -> Result<Vec<MultipleComparison>> {
    let mut out = Vec::new();
    // Per-split, per-probe "matched" flags for each algorithm at its threshold.
    let mut flags: BTreeMap<Algorithm, Vec<Vec<bool>>> = BTreeMap::new();
    for &algo in &config.algorithms {
        let t = config.threshold(algo);
        let per_split: Vec<Vec<bool>> = splits
            .iter()
            .map(|s| {
                let near = if algo == Algorithm::Pdq {
                    let h = corpus.pdq.as_deref().unwrap_or(&[]);
                    nearest(h, &s.probes, &s.list)
                } else {
                    let h = corpus.bits64(algo).unwrap_or(&[]);
                    nearest(h, &s.probes, &s.list)
                };
                near.iter().map(|d| d.is_some_and(|d| d <= t)).collect()
            })
            .collect();
        flags.insert(algo, per_split);
    }
    let pooled = |f: &[Vec<bool>]| {
        let k = f.iter().flatten().filter(|&&b| b).count() as u64;
        let n = f.iter().map(Vec::len).sum::<usize>() as u64;
        rate(k, n)
    };
    for (&algo, f) in &flags {
        out.push(MultipleComparison {
            variant: format!("{algo} alone (threshold {})", config.threshold(algo)),
            per_image: pooled(f),
        });
    }
    if flags.len() > 1 {
        let any: Vec<Vec<bool>> = (0..splits.len())
            .map(|s| {
                let n = splits[s].probes.len();
                (0..n).map(|p| flags.values().any(|f| f[s][p])).collect()
            })
            .collect();
        let names: Vec<&str> = flags.keys().map(|a| a.name()).collect();
        out.push(MultipleComparison {
            variant: format!("any of {} (OR)", names.join(", ")),
            per_image: pooled(&any),
        });
    }
    // PDQ with all 8 dihedral variants of each probe.
    if let Some(h) = corpus.pdq.as_deref() {
        let t = config.threshold(Algorithm::Pdq);
        let dihedral: Vec<[Bits256; 8]> = corpus
            .images
            .iter()
            .zip(h)
            .map(|(im, &own)| {
                load_rgb8(&im.path, &config.limits)
                    .and_then(|rgb| pdq::pdq_dihedral_from_rgb(&rgb))
                    .map(|d| d.map(|x| x.hash))
                    .unwrap_or([own; 8])
            })
            .collect();
        let f: Vec<Vec<bool>> = splits
            .iter()
            .map(|s| {
                s.probes
                    .iter()
                    .map(|&p| {
                        s.list.iter().any(|&l| dihedral[p].iter().any(|d| d.hamming(&h[l]) <= t))
                    })
                    .collect()
            })
            .collect();
        out.push(MultipleComparison {
            variant: format!("pdq, all 8 dihedral variants of each probe (threshold {t})"),
            per_image: pooled(&f),
        });
    }
    Ok(out)
}

fn nearest<B: HashBits>(hashes: &[B], probes: &[usize], list: &[usize]) -> Vec<Option<u32>> {
    probes.iter().map(|&p| list.iter().map(|&l| hashes[p].distance(&hashes[l])).min()).collect()
}

fn manifest_hash(corpus: &HashedCorpus) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut all = Sha256::new();
    for im in &corpus.images {
        let bytes = std::fs::read(&im.path).map_err(|e| Error::io(e, &im.path))?;
        let file_hash = Sha256::digest(&bytes);
        all.update(im.name.as_bytes());
        all.update(b"\t");
        all.update(hex(&file_hash).as_bytes());
        all.update(b"\n");
    }
    Ok(hex(&all.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `report.md`, `report.html`, `results.json`, `fpr.csv` and `robustness.csv` into
/// `dir` (created if needed). Each file is written atomically (temporary file + rename).
pub fn write(results: &ReportResults, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(e, dir))?;
    let json = serde_json::to_string_pretty(results)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))?;
    write_atomic(&dir.join("results.json"), json.as_bytes())?;
    write_atomic(&dir.join("report.md"), render_markdown(results).as_bytes())?;
    write_atomic(&dir.join("report.html"), render_html(results).as_bytes())?;
    write_atomic(&dir.join("fpr.csv"), fpr_csv(results).as_bytes())?;
    write_atomic(&dir.join("robustness.csv"), robustness_csv(results).as_bytes())?;
    if results.adversarial.is_some() {
        for (name, svg) in named_plots(results).into_iter().filter(|(n, _)| n == "adversarial") {
            write_atomic(&dir.join(format!("{name}.svg")), svg.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// a reader never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(e, &tmp))?;
    f.write_all(bytes).map_err(|e| Error::io(e, &tmp))?;
    f.sync_all().map_err(|e| Error::io(e, &tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(e, path))
}

fn fmt_rate_csv(r: &Option<Rate>) -> String {
    match r {
        Some(r) => format!("{},{},{:e},{:e},{:e}", r.k, r.n, r.point, r.lower, r.upper),
        None => ",,,,".to_string(),
    }
}

fn fpr_csv(r: &ReportResults) -> String {
    let mut s = String::from("algorithm,stratum,threshold,k,n,point,lower,upper\n");
    for a in &r.algorithms {
        for row in &a.fpr_curve {
            for (stratum, rate) in
                [("pooled", &row.pooled), ("within", &row.within), ("across", &row.across)]
            {
                s.push_str(&format!(
                    "{},{stratum},{},{}\n",
                    a.algorithm,
                    row.t,
                    fmt_rate_csv(rate)
                ));
            }
        }
    }
    s
}

fn robustness_csv(r: &ReportResults) -> String {
    let mut s = String::from(
        "algorithm,threshold,transform,n,mean_distance,max_distance,k,n,recall,lower,upper\n",
    );
    for a in &r.algorithms {
        for t in &a.robustness {
            s.push_str(&format!(
                "{},{},{},{},{:.4},{},{}\n",
                a.algorithm,
                a.threshold,
                t.transform,
                t.n,
                t.mean_distance,
                t.max_distance,
                fmt_rate_csv(&t.recall)
            ));
        }
    }
    s
}

/// The headline table as plain text (what `hashscope report` prints on stdout).
pub fn headline_text(res: &ReportResults) -> String {
    let mut s = format!(
        "hashscope report: {} images in {} collections, seed {}\n",
        res.corpus.images,
        res.corpus.collections.len(),
        res.config.seed
    );
    for a in &res.algorithms {
        let rec = |n: &str| {
            a.robustness
                .iter()
                .find(|t| t.transform == n)
                .and_then(|t| t.recall)
                .map(|r| format!("{:.1} %", 100.0 * r.point))
                .unwrap_or_else(|| "n/a".into())
        };
        s.push_str(&format!(
            "{:>6} ≤{:>3}: per-image FPR {} | across-collection pairs {} | recall jpeg50 {} crop10 {}\n",
            a.algorithm.name(),
            a.threshold,
            markdown::r(&a.probe_vs_list.per_image),
            markdown::r(&a.fpr_at_threshold.across),
            rec("jpeg50"),
            rec("crop10"),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Bits64;

    #[test]
    fn across_image_pairs_add_up_to_the_across_stratum() {
        let words = [0u64, 1, 3, 0xff, 0xfe, 7, 0x8000_0000_0000_0000, 2];
        let h: Vec<Bits64> = words.iter().map(|&w| Bits64::from_words([w])).collect();
        let c: Vec<String> =
            ["a", "a", "b", "b", "b", "c", "a", "c"].iter().map(|s| s.to_string()).collect();
        let t = 2;
        let close = close_pairs(&h, t);
        // Exclude one close across pair and one far across pair.
        let excluded = vec![
            ClosePair { i: 0, j: 2, distance: 2 },
            ClosePair { i: 3, j: 6, distance: h[3].hamming(&h[6]) },
        ];
        let strata = null_strata(&h, &c, &excluded).unwrap();
        let units = across_image_pairs(&c, &close, &excluded);
        let m: u64 = units.iter().map(|u| u.matches).sum();
        let p: u64 = units.iter().map(|u| u.pairs).sum();
        assert_eq!(m / 2, strata.across.count_at_most(t));
        assert_eq!(p / 2, strata.across.total());
        let d = pair_rate_interval(&units, 0.95).unwrap();
        assert_eq!(d.rate, strata.across.fpr_at(t).unwrap());
    }
}
