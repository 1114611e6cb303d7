//! Command-line parsing and dispatch. Each subcommand lives in its own module and calls the
//! library; this module only parses arguments and maps outcomes to exit codes.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod attack;
mod book;
mod hash;
mod list;
mod matching;
mod output;
mod progress;
mod project;
mod report;
mod resume;

/// Exit codes, documented in `--help` and in docs/src/cli.md.
pub mod exit {
    /// Success (for `match`: nothing matched).
    pub const OK: u8 = 0;
    /// A fatal error: the run could not be carried out (unreadable list, unwritable output…).
    pub const FATAL: u8 = 1;
    /// Usage error: bad arguments (returned by clap itself; listed for completeness).
    #[allow(dead_code)]
    pub const USAGE: u8 = 2;
    /// The run completed but some inputs failed (each reported on stderr and as an error row).
    pub const SOME_INPUTS_FAILED: u8 = 3;
    /// `match`: at least one image matched the list.
    pub const MATCHED: u8 = 4;
    /// `attack`: the attack did not reach its goal (the result is still written).
    pub const ATTACK_FAILED: u8 = 5;
    /// `hash`: stopped by Ctrl-C (SIGINT); the output is complete up to its last row
    /// (128 + SIGINT, the shell convention).
    pub const INTERRUPTED: u8 = 130;
}

const AFTER_HELP: &str = "\
Exit codes:
  0    success (for `match`: no image matched)
  1    fatal error: the run could not be carried out
  2    usage error (bad arguments)
  3    the run completed but some inputs failed (reported on stderr and as error rows)
  4    `match`: at least one image matched the list
  5    `attack`: the attack did not reach its goal
  130  `hash`: interrupted by Ctrl-C; the output is complete up to its last row (--resume)

hashscope measures perceptual-hash matching on benign images. It contains no abuse material
and is an educational model, not a production scanner.";

/// `hashscope --version`: the version and this build's JPEG decoder
/// (`hashscope::decode::JPEG_DECODER`), since JPEG hashes can differ between decoders.
#[cfg(feature = "libjpeg-turbo")]
const LONG_VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (JPEG decoder: libjpeg-turbo, system library)");
#[cfg(not(feature = "libjpeg-turbo"))]
const LONG_VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (JPEG decoder: zune-jpeg, image crate)");

/// Perceptual hashing, exact hash-list matching and honest false-positive measurement.
#[derive(Debug, Parser)]
#[command(
    name = "hashscope",
    version,
    long_version = LONG_VERSION,
    about,
    long_about = None,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Hash image files and directories (recursive) with one or more algorithms.
    Hash(hash::HashArgs),
    /// Build or check hash-list files.
    List(list::ListArgs),
    /// Scan images against a hash list; exit code 4 if anything matched.
    Match(matching::MatchArgs),
    /// Project a measured per-image rate to false matches and flagged accounts per year.
    Project(project::ProjectArgs),
    /// The full error-rate report on a folder of benign images (default: the fixtures).
    Report(report::ReportArgs),
    /// Regenerate the course's numbers and figures (docs/src/generated) from the fixtures.
    Book(book::BookArgs),
    /// Adversaries on benign images: evasion, forced collisions, hash inversion.
    Attack(attack::AttackArgs),
}

/// Parses arguments, runs the subcommand, returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n).build_global() {
            eprintln!("error: cannot set up {n} threads: {e}");
            return ExitCode::from(exit::FATAL);
        }
    }
    let result = match cli.command {
        Command::Hash(args) => hash::run(args),
        Command::Report(args) => report::run(args),
        Command::List(args) => list::run(args),
        Command::Project(args) => project::run(args),
        Command::Match(args) => matching::run(args),
        Command::Book(args) => book::run(args),
        Command::Attack(args) => attack::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::FATAL)
        }
    }
}
