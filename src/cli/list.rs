//! `hashscope list build|check`: make and validate hash-list files.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use rayon::prelude::*;

use hashscope::corpus::collect_images;
use hashscope::list::{HashList, ListFormat, ParseOptions};
use hashscope::{Algorithm, HasherConfig};

use super::exit;
use super::hash::parse_algo;
use super::progress;

/// Arguments of `hashscope list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(subcommand)]
    command: ListCommand,
}

#[derive(Debug, Subcommand)]
enum ListCommand {
    /// Hash every image under DIR and write a v1 hash list (id = path relative to DIR,
    /// label = collection). Written atomically.
    Build {
        /// Folder of (benign) images.
        dir: PathBuf,
        /// Output list file.
        #[arg(short, long)]
        output: PathBuf,
        /// Algorithm of the list.
        #[arg(long, value_parser = parse_algo, default_value = "pdq")]
        algo: Algorithm,
    },
    /// Validate a list: parse every line, count entries, report duplicates and bad lines.
    Check {
        /// The list file (v1, or plain hex per line).
        list: PathBuf,
        /// Algorithm of a plain (headerless) list of 64-bit hashes.
        #[arg(long, value_parser = parse_algo)]
        algo: Option<Algorithm>,
        /// Report malformed lines and go on instead of stopping at the first.
        #[arg(long)]
        skip_bad: bool,
    },
}

pub fn run(args: ListArgs) -> anyhow::Result<u8> {
    match args.command {
        ListCommand::Build { dir, output, algo } => build(dir, output, algo),
        ListCommand::Check { list, algo, skip_bad } => check(list, algo, skip_bad),
    }
}

fn build(dir: PathBuf, output: PathBuf, algo: Algorithm) -> anyhow::Result<u8> {
    let set = collect_images(&[&dir])?;
    let hasher = HasherConfig::default().algorithms(&[algo]).build();
    let pb = progress::bar(set.files.len() as u64, "hashing");
    let results: Vec<_> = set
        .files
        .par_iter()
        .map(|f| {
            let r = hasher.hash_path(&f.path);
            pb.inc(1);
            (f, r)
        })
        .collect();
    pb.finish_and_clear();
    let mut list = HashList::new(algo);
    let mut failed = 0;
    for (f, r) in results {
        match r {
            Ok(h) => {
                let hash = *h.get(algo).context("hash missing")?;
                let id = f.relative.to_string_lossy().replace('\\', "/");
                list.push(hash, Some(id), Some(f.collection.clone()))?;
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    list.write_path(&output)?;
    eprintln!(
        "wrote {} {algo} entries to {} ({failed} file(s) failed)",
        list.len(),
        output.display()
    );
    Ok(if failed > 0 { exit::SOME_INPUTS_FAILED } else { exit::OK })
}

fn check(path: PathBuf, algo: Option<Algorithm>, skip_bad: bool) -> anyhow::Result<u8> {
    let opts = ParseOptions { skip_bad, algorithm: algo, format: ListFormat::Auto };
    let report = hashscope::list::HashList::read_path(&path, &opts)?;
    for (line, e) in &report.skipped {
        println!("skipped line {line}: {e}");
    }
    for d in &report.duplicate_hashes {
        println!("duplicate hash {} on lines {:?}", d.hash, d.lines);
    }
    for d in &report.duplicate_ids {
        println!("duplicate id {:?} on lines {:?}", d.id, d.lines);
    }
    println!("{}: {report}", path.display());
    Ok(if report.skipped.is_empty() { exit::OK } else { exit::SOME_INPUTS_FAILED })
}
