//! `hashscope match --list LIST PATH...`: scan images against a hash list.

use std::path::PathBuf;

use clap::Args;
use rayon::prelude::*;
use serde_json::Value;

use hashscope::corpus::collect_images;
use hashscope::detector::{Detector, DetectorConfig, Verdict};
use hashscope::list::{HashList, ListFormat, ParseOptions};
use hashscope::Algorithm;

use super::exit;
use super::hash::parse_algo;
use super::output::{Format, TableWriter};
use super::progress;

/// Arguments of `hashscope match`.
#[derive(Debug, Args)]
#[command(after_help = "\
Output: one row per image: path, verdict (match, no-match, not-scannable, error), distance
and id of the closest list entry, number of entries matched, PDQ quality, detail.
Exit code 4 if any image matched, else 3 if some inputs failed, else 0.")]
pub struct MatchArgs {
    /// The hash list (v1, or plain hex per line).
    #[arg(long)]
    list: PathBuf,
    /// Algorithm of a plain (headerless) list of 64-bit hashes.
    #[arg(long, value_parser = parse_algo)]
    algo: Option<Algorithm>,
    /// Threshold: distance ≤ T is a match (default: 31 for PDQ, 10 for 64-bit hashes).
    #[arg(long)]
    threshold: Option<u32>,
    /// PDQ: also match the 7 other rotations/flips of each image.
    #[arg(long)]
    dihedral: bool,
    /// PDQ: disable the quality ≤ 49 gate (scan low-quality images too).
    #[arg(long)]
    no_quality_gate: bool,
    /// Image files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tsv)]
    format: Format,
    /// Write the table to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: MatchArgs) -> anyhow::Result<u8> {
    let opts = ParseOptions { skip_bad: false, algorithm: args.algo, format: ListFormat::Auto };
    let report = HashList::read_path(&args.list, &opts)?;
    if !report.is_clean() {
        eprintln!("note: {}: {report}", args.list.display());
    }
    let algo = report.list.algorithm();
    let mut cfg = DetectorConfig::for_algorithm(algo);
    if let Some(t) = args.threshold {
        cfg.threshold = t;
    }
    cfg.dihedral = args.dihedral;
    if args.no_quality_gate {
        cfg.quality_gate = None;
    }
    let det = Detector::from_list(&report.list, cfg)?;
    let set = collect_images(&args.paths)?;
    let columns =
        ["path", "verdict", "distance", "entry_id", "entries_matched", "pdq_quality", "detail"];
    let mut out = TableWriter::create(args.output.as_deref(), args.format, &columns)?;
    let pb = progress::bar(set.files.len() as u64, "matching");
    let (mut matched, mut failed) = (0usize, 0usize);
    for batch in set.files.chunks(64) {
        let results: Vec<_> = batch.par_iter().map(|f| det.scan_path(&f.path)).collect();
        for (f, r) in batch.iter().zip(results) {
            let path = Value::from(f.path.display().to_string());
            let row = match r {
                Ok(scan) => {
                    let q = scan.quality.map(Value::from).unwrap_or(Value::Null);
                    match &scan.verdict {
                        Verdict::Match(m) => {
                            matched += 1;
                            let best = &m[0];
                            vec![
                                path,
                                "match".into(),
                                best.distance.into(),
                                best.id.clone().map(Value::from).unwrap_or(Value::Null),
                                m.len().into(),
                                q,
                                Value::Null,
                            ]
                        }
                        Verdict::NoMatch => vec![
                            path,
                            "no-match".into(),
                            Value::Null,
                            Value::Null,
                            0.into(),
                            q,
                            Value::Null,
                        ],
                        Verdict::NotScannable(why) => vec![
                            path,
                            "not-scannable".into(),
                            Value::Null,
                            Value::Null,
                            Value::Null,
                            q,
                            why.clone().into(),
                        ],
                    }
                }
                Err(e) => {
                    failed += 1;
                    pb.suspend(|| eprintln!("error: {e}"));
                    vec![
                        path,
                        "error".into(),
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        format!("{}: {}", e.kind(), e.message()).into(),
                    ]
                }
            };
            out.row(&row)?;
        }
        out.flush()?;
        pb.inc(batch.len() as u64);
    }
    pb.finish_and_clear();
    eprintln!(
        "scanned {} image(s) against {} {algo} entries (threshold {}): {matched} matched, {failed} failed",
        set.files.len(),
        det.list_len(),
        det.config().threshold
    );
    Ok(if matched > 0 {
        exit::MATCHED
    } else if failed > 0 {
        exit::SOME_INPUTS_FAILED
    } else {
        exit::OK
    })
}
