//! `hashscope report [CORPUS_DIR]`: the full error-rate report (the README's first command).

use std::path::PathBuf;

use clap::Args;
use indicatif::ProgressBar;

use hashscope::report::{self, Progress, ReportConfig};
use hashscope::{Algorithm, DecodeLimits};

use super::exit;
use super::hash::parse_algo;
use super::progress;

/// Arguments of `hashscope report`.
#[derive(Debug, Args)]
#[command(after_help = "\
With no CORPUS_DIR the report runs on the fixtures embedded in the repository
(fixtures/corpus: 398 benign images in 14 collections). Collections are the corpus's
top-level subfolders. The same inputs and seed give byte-identical output files.")]
pub struct ReportArgs {
    /// Folder of benign images (default: the repository's fixtures/corpus).
    corpus: Option<PathBuf>,
    /// Output folder for report.md, report.html, results.json, fpr.csv, robustness.csv.
    #[arg(long, default_value = "hashscope-report")]
    out: PathBuf,
    /// Algorithms, comma-separated (default: all five).
    #[arg(long, value_delimiter = ',', value_parser = parse_algo)]
    algo: Vec<Algorithm>,
    /// Seed of every random choice (splits, robustness sample, noise).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Threshold override, ALGO=T (repeatable), e.g. --threshold pdq=40.
    #[arg(long, value_parser = parse_threshold)]
    threshold: Vec<(Algorithm, u32)>,
    /// Images sampled for the robustness suite (0 = all).
    #[arg(long, default_value_t = 100)]
    robustness_images: usize,
    /// Number of seeded probe-versus-list splits.
    #[arg(long, default_value_t = 10)]
    splits: usize,
    /// Add the threshold-dilemma section: white-box evasion of PDQ and pHash on the first
    /// `--adversarial-images` robustness images (about a minute per 10 images, one core).
    #[arg(long)]
    adversarial: bool,
    /// Images attacked by `--adversarial`.
    #[arg(long, default_value_t = 24)]
    adversarial_images: usize,
    /// Confirmed duplicates to exclude: lines `NAME<TAB>NAME` or cluster ids `ALGO:K`.
    #[arg(long, value_name = "FILE")]
    exclude_pairs: Option<PathBuf>,
    /// Largest accepted width × height in pixels (decompression-bomb limit).
    #[arg(long, default_value_t = DecodeLimits::default().max_pixels)]
    max_pixels: u64,
}

fn parse_threshold(s: &str) -> Result<(Algorithm, u32), String> {
    let (a, t) = s.split_once('=').ok_or_else(|| format!("expected ALGO=T, got {s:?}"))?;
    let algo = parse_algo(a)?;
    let t: u32 = t.trim().parse().map_err(|_| format!("threshold {t:?} is not a whole number"))?;
    if t > algo.bits() {
        return Err(format!("threshold {t} exceeds {algo}'s {} bits", algo.bits()));
    }
    Ok((algo, t))
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn phase(&self, name: &str, len: u64) {
        self.0.reset();
        self.0.set_length(len);
        self.0.set_message(name.to_string());
    }
    fn step(&self) {
        self.0.inc(1);
    }
}

/// The fixture corpus shipped with the repository.
fn default_corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("corpus")
}

pub fn run(args: ReportArgs) -> anyhow::Result<u8> {
    let mut name = None;
    let corpus = match args.corpus {
        Some(c) => c,
        None => {
            name = Some("fixtures/corpus".to_string());
            let c = default_corpus();
            if !c.is_dir() {
                anyhow::bail!(
                    "no CORPUS_DIR given and the embedded fixtures ({}) are missing",
                    c.display()
                );
            }
            c
        }
    };
    let mut cfg = ReportConfig::new(&corpus);
    if let Some(n) = name {
        cfg.corpus_name = n;
    }
    if !args.algo.is_empty() {
        let mut v = Vec::new();
        for a in args.algo {
            if !v.contains(&a) {
                v.push(a);
            }
        }
        cfg.algorithms = v;
    }
    for (a, t) in args.threshold {
        cfg.thresholds.insert(a, t);
    }
    cfg.seed = args.seed;
    cfg.robustness_images = args.robustness_images;
    cfg.splits = args.splits;
    cfg.exclude_pairs = args.exclude_pairs;
    cfg.limits = DecodeLimits::default().with_max_pixels(args.max_pixels);

    let bar = Bar(progress::bar(0, "starting"));
    let mut results = report::run(&cfg, &bar)?;
    if args.adversarial {
        eprintln!("threshold dilemma: attacking {} images…", args.adversarial_images);
        results.adversarial =
            Some(report::adversarial::threshold_dilemma(&cfg, &results, args.adversarial_images)?);
    }
    bar.0.finish_and_clear();
    report::write(&results, &args.out)?;

    println!("{}", report::headline_text(&results));
    println!(
        "Wrote {}/report.md, report.html, results.json, fpr.csv, robustness.csv",
        args.out.display()
    );
    if !results.corpus.failures.is_empty() {
        eprintln!(
            "{} file(s) could not be hashed (listed in the report)",
            results.corpus.failures.len()
        );
        return Ok(exit::SOME_INPUTS_FAILED);
    }
    Ok(exit::OK)
}
