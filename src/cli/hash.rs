//! `hashscope hash PATH...`: hash files and directories, one row per file.
//!
//! Long runs lose nothing: rows are written in input order and flushed after every batch of
//! [`BATCH`] files, whole rows only; Ctrl-C (SIGINT) stops after the files in progress, flushes
//! and exits with code 130, leaving a valid table; `--resume` continues such a table (see
//! [`super::resume`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::bail;
use clap::Args;
use rayon::prelude::*;
use serde_json::Value;

use hashscope::corpus::collect_images;
use hashscope::{Algorithm, DecodeLimits, HasherConfig};

use super::exit;
use super::output::{Format, TableWriter};
use super::progress;
use super::resume::{self, Stamp};

/// Arguments of `hashscope hash`.
#[derive(Debug, Args)]
#[command(after_help = "\
Output columns: path, size (bytes), mtime (seconds since 1970 with nanoseconds), width,
height, one column per algorithm (hex), pdq_quality (when PDQ is computed) and error (empty
on success). A file that cannot be read or decoded gets an error row and a line on stderr;
the run goes on and exits with code 3.

Rows are flushed every 64 files. Ctrl-C stops after the files in progress, leaves the output
complete up to its last row and exits with code 130 (a second Ctrl-C exits at once). Run
again with --resume -o FILE to hash only what is missing.

Exit codes: 0 ok, 1 fatal, 2 usage, 3 some inputs failed, 130 interrupted.")]
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
    /// Continue an earlier run's output FILE (needs -o FILE, the same --algo and --format):
    /// skip files that already have a row with the same path, size and mtime, append rows
    /// for the rest. A half-written last row is cut off first.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Largest accepted width or height in pixels (decompression-bomb limit).
    #[arg(long, default_value_t = DecodeLimits::default().max_side)]
    max_side: u32,
    /// Largest accepted width × height in pixels (decompression-bomb limit).
    #[arg(long, default_value_t = DecodeLimits::default().max_pixels)]
    max_pixels: u64,
    /// Largest total allocation the image decoder may make, in bytes.
    #[arg(long, default_value_t = DecodeLimits::default().max_alloc_bytes)]
    max_alloc: u64,
    /// The fast path: decode JPEGs at 1/2, 1/4 or 1/8 size (in the DCT domain) when the
    /// algorithms do not need every pixel (baseline JPEGs; with the libjpeg-turbo build,
    /// progressive ones too, and every JPEG straight to its luma); where the decoder cannot
    /// shrink an image (PNG, WebP, a JPEG PDQ needs whole), aHash/dHash/pHash/wHash hash it
    /// box-reduced instead; PDQ's blur is computed as two matrix products (not bit-exact
    /// with the reference's running sums). Several times faster on camera photos, faster on
    /// small images too, but a few hash bits may differ from the exact (default) path; see
    /// the book's "Throughput" page.
    #[arg(long)]
    fast_decode: bool,
}

pub(crate) fn parse_algo(s: &str) -> Result<Algorithm, String> {
    s.parse::<Algorithm>().map_err(|e| e.message().to_string())
}

/// Files hashed in parallel per batch: bounds memory (decoded images are dropped per batch)
/// and keeps the output in input order.
const BATCH: usize = 64;

/// Set by the Ctrl-C handler; checked before each file is started.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// First Ctrl-C: finish the files in progress, flush, exit 130. Second: exit at once (the
/// output may then end in a half row, which `--resume` cuts off).
fn install_interrupt_handler() {
    let res = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
        eprintln!("\ninterrupted: finishing the files in progress (Ctrl-C again to quit at once)");
    });
    if let Err(e) = res {
        eprintln!("warning: cannot install the Ctrl-C handler ({e}); Ctrl-C will stop at once");
    }
}

pub fn run(args: HashArgs) -> anyhow::Result<u8> {
    let algos = if args.algo.is_empty() { Algorithm::ALL.to_vec() } else { args.algo.clone() };
    let limits = DecodeLimits::default()
        .with_max_side(args.max_side)
        .with_max_pixels(args.max_pixels)
        .with_max_alloc_bytes(args.max_alloc);
    let hasher = HasherConfig::default()
        .algorithms(&algos)
        .limits(limits)
        .fast_decode(args.fast_decode)
        .build();
    let algos = hasher.config().algorithms.clone();

    let set = collect_images(&args.paths)?;
    if !set.skipped_non_images.is_empty() {
        eprintln!(
            "note: skipped {} file(s) without an image extension while walking directories",
            set.skipped_non_images.len()
        );
    }
    let mut columns = vec!["path", "size", "mtime", "width", "height"];
    columns.extend(algos.iter().map(|a| a.name()));
    let with_quality = algos.contains(&Algorithm::Pdq);
    if with_quality {
        columns.push("pdq_quality");
    }
    columns.push("error");

    let previous = if args.resume {
        let Some(path) = args.output.as_deref().filter(|p| *p != Path::new("-")) else {
            bail!("--resume needs -o FILE (a file, not stdout)");
        };
        let prev = resume::load(path, args.format, &columns)?;
        if prev.repaired_bytes > 0 {
            eprintln!(
                "note: cut off a half-written last row ({} bytes) of {}",
                prev.repaired_bytes,
                path.display()
            );
        }
        Some(prev)
    } else {
        None
    };
    let previous = previous.unwrap_or_default();

    // Which files to hash: all, less those already done with the same size and mtime.
    let mut todo = Vec::with_capacity(set.files.len());
    let mut kept_failed = 0usize;
    let mut kept = 0usize;
    let mut changed = 0usize;
    for f in &set.files {
        let name = f.path.display().to_string();
        let stamp = Stamp::of(&f.path);
        match previous.done(&name, stamp.as_ref()) {
            Some(failed) => {
                kept += 1;
                kept_failed += usize::from(failed);
            }
            None => {
                changed += usize::from(previous.rows.contains_key(&name));
                todo.push((f, name, stamp));
            }
        }
    }
    if args.resume {
        eprintln!(
            "resume: {kept} file(s) already in the output ({kept_failed} of them error rows, \
             kept), {changed} changed since (re-hashed; their new rows supersede the old), {} \
             to hash",
            todo.len() - changed
        );
    }

    let mut out = match (&args.output, args.resume && previous.appendable) {
        (Some(path), true) => TableWriter::append(path, args.format, &columns)?,
        (path, _) => TableWriter::create(path.as_deref(), args.format, &columns)?,
    };
    out.flush()?;
    install_interrupt_handler();

    let pb = progress::bar(todo.len() as u64, "hashing");
    let mut failed = 0usize;
    let mut written = 0usize;
    let mut stopped = false;
    for batch in todo.chunks(BATCH) {
        if interrupted() {
            stopped = true;
            break;
        }
        let results: Vec<_> = batch
            .par_iter()
            .map(|(f, _, _)| if interrupted() { None } else { Some(hasher.hash_path(&f.path)) })
            .collect();
        for ((_, name, stamp), res) in batch.iter().zip(results) {
            // Rows stay in input order: stop at the first file not started.
            let Some(res) = res else {
                stopped = true;
                break;
            };
            let mut row = vec![Value::from(name.as_str())];
            match stamp {
                Some(s) => {
                    row.push(Value::from(s.size));
                    row.push(Value::from(s.mtime.as_str()));
                }
                None => row.extend([Value::Null, Value::Null]),
            }
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
            written += 1;
        }
        out.flush()?;
        pb.inc(batch.len() as u64);
        if stopped {
            break;
        }
    }
    out.flush()?;
    pb.finish_and_clear();
    let failed_total = failed + kept_failed;
    if stopped {
        eprintln!(
            "interrupted: wrote {written} row(s) ({failed} failed), {} file(s) not hashed; the \
             output is complete up to its last row: run again with --resume -o FILE to go on",
            todo.len() - written
        );
        return Ok(exit::INTERRUPTED);
    }
    eprintln!("hashed {} file(s), {failed} failed", written - failed);
    Ok(if failed_total > 0 { exit::SOME_INPUTS_FAILED } else { exit::OK })
}
