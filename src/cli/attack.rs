//! `hashscope attack evade|collide|invert|identify|blind-spot`: the adversaries of
//! [`hashscope::attack`], on benign images.
//!
//! Every attack writes its result as PNG (`-o`), judges it by re-hashing that file as read
//! back, prints `key: value` lines (success, distance, bits flipped, PSNR, SSIM, max change,
//! queries, time) and exits with 0 on success, 5 when the attack did not reach its goal.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use hashscope::attack::blindspot::BlindSpot;
use hashscope::attack::invert::{grid_side, identify, reconstruct, to_picture};
use hashscope::attack::outcome::hash_image;
use hashscope::attack::picture::{amplified_difference, bit_map};
use hashscope::attack::quality::psnr;
use hashscope::attack::{
    collide, evade, evade_black_box, AttackOutcome, BlackBoxOptions, CollideOptions, EvadeOptions,
};
use hashscope::corpus::collect_images;
use hashscope::report::default_threshold;
use hashscope::{load_rgb8, Algorithm, DecodeLimits, ImageHash};

use super::exit;

/// Arguments of `hashscope attack`.
#[derive(Debug, Args)]
#[command(after_help = "\
Benign images only: these commands measure how the hash functions behave against someone who
holds them. Success is judged by re-hashing the PNG written with -o. Exit codes: 0 the attack
reached its goal (or, for invert/identify, ran), 1 fatal, 2 usage, 5 goal not reached.")]
pub struct AttackArgs {
    #[command(subcommand)]
    command: AttackCommand,
}

#[derive(Debug, Subcommand)]
enum AttackCommand {
    /// The smallest change found that moves IMAGE's hash beyond the threshold.
    Evade(EvadeArgs),
    /// Change SOURCE invisibly so that its hash lands within the threshold of a target.
    Collide(CollideArgs),
    /// Paint the picture a hash gives away.
    Invert(InvertArgs),
    /// Identification experiment: rank a folder's images by correlation with each one's
    /// reconstructed hash.
    Identify(IdentifyArgs),
    /// Add a large pattern PDQ cannot see (one-axis stripes or ramp, fine checkerboard).
    BlindSpot(BlindSpotArgs),
}

#[derive(Debug, Args)]
struct BlindSpotArgs {
    /// The image to change.
    image: PathBuf,
    /// stripes (horizontal, 24 px period), ramp (top to bottom) or checkerboard (1 px).
    #[arg(long, default_value = "stripes")]
    pattern: String,
    /// Peak change in grey levels.
    #[arg(long, default_value_t = 40.0)]
    amplitude: f64,
    /// Output PNG.
    #[arg(short, long, value_name = "OUT.png")]
    output: PathBuf,
}

/// Options shared by evade and collide: extra pictures for explaining the result.
#[derive(Debug, Args)]
struct Pictures {
    /// Also write the difference result − original, amplified (see --gain), as PNG.
    #[arg(long, value_name = "FILE")]
    diff: Option<PathBuf>,
    /// Gain of --diff.
    #[arg(long, default_value_t = 16.0)]
    gain: f64,
    /// Also write the bit maps of the original's and the result's hash (changed bits in red),
    /// as FILE-original.png and FILE-result.png.
    #[arg(long, value_name = "FILE")]
    bits: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct EvadeArgs {
    /// The image to change.
    image: PathBuf,
    /// pdq or phash.
    #[arg(long, default_value = "pdq", value_parser = super::hash::parse_algo)]
    algo: Algorithm,
    /// Succeed when the distance exceeds T (default: 31 for PDQ, 10 for pHash).
    #[arg(long, value_name = "T")]
    threshold: Option<u32>,
    /// Require the result to stay beyond T after JPEG re-encoding at quality Q.
    #[arg(long, value_name = "Q", conflicts_with = "black_box")]
    jpeg: Option<u8>,
    /// Use hash queries only (random search over smooth patterns), no model.
    #[arg(long)]
    black_box: bool,
    /// Query budget of --black-box.
    #[arg(long, default_value_t = 5000)]
    max_queries: u64,
    /// Seed of --black-box's pattern order.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output PNG.
    #[arg(short, long, value_name = "OUT.png")]
    output: PathBuf,
    #[command(flatten)]
    pictures: Pictures,
}

#[derive(Debug, Args)]
struct CollideArgs {
    /// The image to change.
    source: PathBuf,
    /// Take the target hash from this image.
    #[arg(long, value_name = "IMAGE", required_unless_present = "target_hash")]
    target: Option<PathBuf>,
    /// The target hash, hex.
    #[arg(long, value_name = "HEX", conflicts_with = "target")]
    target_hash: Option<String>,
    /// pdq or phash.
    #[arg(long, default_value = "pdq", value_parser = super::hash::parse_algo)]
    algo: Algorithm,
    /// Succeed when the distance to the target is at most T (default: 31 PDQ, 10 pHash).
    #[arg(long, value_name = "T")]
    threshold: Option<u32>,
    /// Require the collision to survive JPEG re-encoding at quality Q.
    #[arg(long, value_name = "Q")]
    jpeg: Option<u8>,
    /// Output PNG.
    #[arg(short, long, value_name = "OUT.png")]
    output: PathBuf,
    #[command(flatten)]
    pictures: Pictures,
}

#[derive(Debug, Args)]
struct InvertArgs {
    /// The hash, hex (64 digits for PDQ, 16 for pHash).
    hash: String,
    /// pdq or phash.
    #[arg(long, default_value = "pdq", value_parser = super::hash::parse_algo)]
    algo: Algorithm,
    /// Size of the picture, pixels per side (reconstructed on the hash's own grid, 64×64 for
    /// PDQ and 32×32 for pHash, then enlarged).
    #[arg(long, default_value_t = 256)]
    size: usize,
    /// Weight the patterns by 1/frequency (a smoothness prior: natural images look so).
    #[arg(long)]
    prior: bool,
    /// Output PNG.
    #[arg(short, long, value_name = "OUT.png")]
    output: PathBuf,
}

#[derive(Debug, Args)]
struct IdentifyArgs {
    /// Folder (or files) of candidate images; each one's hash is reconstructed in turn.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// pdq or phash.
    #[arg(long, default_value = "pdq", value_parser = super::hash::parse_algo)]
    algo: Algorithm,
    /// Use the 1/frequency prior for the reconstructions.
    #[arg(long)]
    prior: bool,
}

fn load(path: &Path) -> anyhow::Result<image::RgbImage> {
    load_rgb8(path, &DecodeLimits::default()).with_context(|| format!("reading {}", path.display()))
}

fn check_algo(algo: Algorithm) -> anyhow::Result<()> {
    if !matches!(algo, Algorithm::Pdq | Algorithm::PHash) {
        bail!("attacks are implemented for pdq and phash only, not {algo}");
    }
    Ok(())
}

/// Writes the judged PNG and the optional pictures, prints the summary, returns the exit code.
fn finish(
    original: &image::RgbImage,
    outcome: &AttackOutcome,
    output: &Path,
    pictures: &Pictures,
) -> anyhow::Result<u8> {
    std::fs::write(output, &outcome.png)
        .with_context(|| format!("writing {}", output.display()))?;
    if let Some(p) = &pictures.diff {
        amplified_difference(original, &outcome.image, pictures.gain)
            .save(p)
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = &pictures.bits {
        let algo = outcome.verification.hash.algorithm();
        let (before, _) = hash_image(algo, original)?;
        let after = &outcome.verification.hash;
        let stem = p.with_extension("");
        let stem = stem.display();
        bit_map(&before, None, 16).save(format!("{stem}-original.png"))?;
        bit_map(after, Some(&before), 16).save(format!("{stem}-result.png"))?;
    }
    print!("{}", outcome.summary());
    Ok(if outcome.success { exit::OK } else { exit::ATTACK_FAILED })
}

pub fn run(args: AttackArgs) -> anyhow::Result<u8> {
    match args.command {
        AttackCommand::Evade(a) => {
            check_algo(a.algo)?;
            let rgb = load(&a.image)?;
            let threshold = a.threshold.unwrap_or_else(|| default_threshold(a.algo));
            let outcome = if a.black_box {
                let opts = BlackBoxOptions {
                    threshold,
                    max_queries: a.max_queries,
                    seed: a.seed,
                    ..BlackBoxOptions::new(a.algo)
                };
                evade_black_box(&rgb, &opts)?
            } else {
                let opts = EvadeOptions { threshold, jpeg: a.jpeg, ..EvadeOptions::new(a.algo) };
                evade(&rgb, &opts)?
            };
            finish(&rgb, &outcome, &a.output, &a.pictures)
        }
        AttackCommand::Collide(a) => {
            check_algo(a.algo)?;
            let rgb = load(&a.source)?;
            let target = match (&a.target, &a.target_hash) {
                (Some(p), _) => hash_image(a.algo, &load(p)?)?.0,
                (None, Some(hex)) => ImageHash::from_hex(a.algo, hex)?,
                (None, None) => bail!("give --target IMAGE or --target-hash HEX"),
            };
            let threshold = a.threshold.unwrap_or_else(|| default_threshold(a.algo));
            let opts = CollideOptions { threshold, jpeg: a.jpeg, ..CollideOptions::new(a.algo) };
            let outcome = collide(&rgb, &target, &opts)?;
            println!("target: {}", target.to_hex());
            finish(&rgb, &outcome, &a.output, &a.pictures)
        }
        AttackCommand::Invert(a) => {
            check_algo(a.algo)?;
            let hash = ImageHash::from_hex(a.algo, &a.hash)?;
            // Reconstruct on the grid the hash is computed from, then enlarge smoothly: at a
            // large size the least-norm picture would concentrate on the sampled pixels.
            let side = grid_side(a.algo);
            let luma = reconstruct(&hash, side, side, a.prior)?;
            let size = a.size.max(1) as u32;
            let picture = to_picture(&luma, side, side);
            image::imageops::resize(&picture, size, size, image::imageops::FilterType::CatmullRom)
                .save(&a.output)
                .with_context(|| format!("writing {}", a.output.display()))?;
            println!("wrote: {}", a.output.display());
            Ok(exit::OK)
        }
        AttackCommand::BlindSpot(a) => {
            let spot = match a.pattern.as_str() {
                "stripes" => BlindSpot::Stripes { amplitude: a.amplitude, period: 24.0 },
                "ramp" => BlindSpot::Ramp { amplitude: a.amplitude },
                "checkerboard" => BlindSpot::Checkerboard { amplitude: a.amplitude },
                other => bail!("unknown pattern {other:?} (stripes, ramp or checkerboard)"),
            };
            let rgb = load(&a.image)?;
            let changed = spot.apply(&rgb);
            changed.save(&a.output).with_context(|| format!("writing {}", a.output.display()))?;
            let (before, _) = hash_image(Algorithm::Pdq, &rgb)?;
            let (after, quality) = hash_image(Algorithm::Pdq, &load(&a.output)?)?;
            println!("pattern: {}", spot.name());
            println!("pdq_distance: {}", after.distance(&before)?);
            println!("pdq_quality: {}", quality.unwrap_or(0));
            println!("psnr_db: {:.2}", psnr(&rgb, &changed));
            Ok(exit::OK)
        }
        AttackCommand::Identify(a) => {
            check_algo(a.algo)?;
            let files = collect_images(&a.paths)?.files;
            if files.len() < 2 {
                bail!("identification needs at least two images");
            }
            let images: Vec<_> = files.iter().map(|f| load(&f.path)).collect::<Result<_, _>>()?;
            let id = identify(a.algo, &images, a.prior)?;
            let med = |v: &[f64]| {
                let mut v = v.to_vec();
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            println!("candidates: {}", id.n);
            println!("rank1_rate: {:.4}", id.rank1_rate);
            println!("median_correlation_own: {:.4}", med(&id.own));
            println!("median_correlation_wrong_hash: {:.4}", med(&id.wrong));
            Ok(exit::OK)
        }
    }
}
