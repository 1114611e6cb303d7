//! `hashscope hash PATH...`: hash files and directories, one row per file.

use std::path::PathBuf;

use clap::Args;
use rayon::prelude::*;
use serde_json::Value;

use hashscope::corpus::collect_images;
use hashscope::{Algorithm, DecodeLimits, HasherConfig};

use super::exit;
use super::output::{Format, TableWriter};
use super::progress;

/// Arguments of `hashscope hash`.
#[derive(Debug, Args)]
#[command(after_help = "\
Output columns: path, width, height, one column per algorithm (hex), pdq_quality (when PDQ
is computed) and error (empty on success). A file that cannot be read or decoded gets an
error row and a line on stderr; the run goes on and exits with code 3.")]
pub struct HashArgs {
    /// Image files or directories (walked recursively; files with image extensions).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Algorithms to compute, comma-separated: ahash, dhash, phash, whash, pdq (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_algo)]
    algo: Vec<Algorithm>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tsv)]
    format: Format,
    /// Write the table to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Largest accepted width or height in pixels (decompression-bomb limit).
    #[arg(long, default_value_t = DecodeLimits::default().max_side)]
    max_side: u32,
    /// Largest accepted width × height in pixels (decompression-bomb limit).
    #[arg(long, default_value_t = DecodeLimits::default().max_pixels)]
    max_pixels: u64,
}

pub(crate) fn parse_algo(s: &str) -> Result<Algorithm, String> {
    s.parse::<Algorithm>().map_err(|e| e.message().to_string())
}

/// Files hashed in parallel per batch: bounds memory (decoded images are dropped per batch)
/// and keeps the output in input order.
const BATCH: usize = 64;

pub fn run(args: HashArgs) -> anyhow::Result<u8> {
    let algos = if args.algo.is_empty() { Algorithm::ALL.to_vec() } else { args.algo.clone() };
    let limits =
        DecodeLimits::default().with_max_side(args.max_side).with_max_pixels(args.max_pixels);
    let hasher = HasherConfig::default().algorithms(&algos).limits(limits).build();
    let algos = hasher.config().algorithms.clone();

    let set = collect_images(&args.paths)?;
    if !set.skipped_non_images.is_empty() {
        eprintln!(
            "note: skipped {} file(s) without an image extension while walking directories",
            set.skipped_non_images.len()
        );
    }
    let mut columns = vec!["path", "width", "height"];
    columns.extend(algos.iter().map(|a| a.name()));
    let with_quality = algos.contains(&Algorithm::Pdq);
    if with_quality {
        columns.push("pdq_quality");
    }
    columns.push("error");
    let mut out = TableWriter::create(args.output.as_deref(), args.format, &columns)?;

    let pb = progress::bar(set.files.len() as u64, "hashing");
    let mut failed = 0usize;
    for batch in set.files.chunks(BATCH) {
        let results: Vec<_> = batch.par_iter().map(|f| hasher.hash_path(&f.path)).collect();
        for (file, res) in batch.iter().zip(results) {
            let mut row = vec![Value::from(file.path.display().to_string())];
            match res {
                Ok(h) => {
                    row.push(Value::from(h.width));
                    row.push(Value::from(h.height));
                    row.extend(h.hashes.iter().map(|x| Value::from(x.to_hex())));
                    if with_quality {
                        row.push(h.pdq_quality.map(Value::from).unwrap_or(Value::Null));
                    }
                    row.push(Value::Null);
                }
                Err(e) => {
                    failed += 1;
                    pb.suspend(|| eprintln!("error: {e}"));
                    row.extend(std::iter::repeat_n(Value::Null, 2 + algos.len()));
                    if with_quality {
                        row.push(Value::Null);
                    }
                    row.push(Value::from(format!("{}: {}", e.kind(), e.message())));
                }
            }
            out.row(&row)?;
        }
        out.flush()?;
        pb.inc(batch.len() as u64);
    }
    pb.finish_and_clear();
    eprintln!("hashed {} file(s), {failed} failed", set.files.len() - failed);
    Ok(if failed > 0 { exit::SOME_INPUTS_FAILED } else { exit::OK })
}
