//! `hashscope project`: what a measured per-image rate means at population scale.

use clap::Args;

use hashscope::report::projection::{project, ProjectionInputs};
use hashscope::Rate;

use super::exit;

/// Arguments of `hashscope project`.
#[derive(Debug, Args)]
#[command(after_help = "\
Give the measured rate as counts (--matches K --trials N): the projection carries its exact
95 % Clopper-Pearson interval through. Defaults: 4.5e9 images a day (WhatsApp photos, company
statement 2017, via the press), 450e6 accounts x 10 photos a day, k = 30 (Apple 2021), bursts
of 10. Example: hashscope project --matches 0 --trials 733")]
pub struct ProjectArgs {
    /// Observed false matches (probe images with at least one match).
    #[arg(long)]
    matches: u64,
    /// Trials (probe images compared).
    #[arg(long)]
    trials: u64,
    /// Images scanned per day.
    #[arg(long, default_value_t = ProjectionInputs::default().images_per_day)]
    images_per_day: f64,
    /// Accounts scanned.
    #[arg(long, default_value_t = ProjectionInputs::default().accounts)]
    accounts: f64,
    /// Photos per account per day.
    #[arg(long, default_value_t = ProjectionInputs::default().photos_per_account_per_day)]
    photos_per_account: f64,
    /// Matches in a year before an account is flagged.
    #[arg(long, default_value_t = ProjectionInputs::default().account_threshold)]
    k: u64,
    /// Near-identical photos per burst (correlated mode).
    #[arg(long, default_value_t = ProjectionInputs::default().burst)]
    burst: u64,
    /// Target: at most this many false flags per year (for the inverse).
    #[arg(long, default_value_t = 1.0)]
    max_per_year: f64,
}

/// `10^x`, or `0` when x is −∞ (an exact zero).
fn pow10(x: f64) -> String {
    if x == f64::NEG_INFINITY {
        "0".to_string()
    } else {
        format!("10^{x:.2}")
    }
}

pub fn run(a: ProjectArgs) -> anyhow::Result<u8> {
    let rate = Rate::clopper_pearson(a.matches, a.trials)?;
    let inputs = ProjectionInputs {
        images_per_day: a.images_per_day,
        accounts: a.accounts,
        photos_per_account_per_day: a.photos_per_account,
        account_threshold: a.k,
        burst: a.burst,
        max_false_per_year: a.max_per_year,
    };
    let p = project(&rate, "per-image FPR given on the command line", &inputs)?;
    println!("per-image FPR: {rate}");
    println!("images scanned per day: {:.3e}", inputs.images_per_day);
    let e = p.false_matches_per_day;
    println!(
        "false matches per day: {:.4e} (95 % interval {:.4e} to {:.4e})",
        e.point, e.lower, e.upper
    );
    let e = p.false_matches_per_year;
    println!(
        "false matches per year: {:.4e} (95 % interval {:.4e} to {:.4e})",
        e.point, e.lower, e.upper
    );
    let l = p.log10_flagged_accounts_independent;
    println!(
        "falsely flagged accounts per year ({:.3e} accounts, {} photos/day, k = {}): {} (95 % interval {} to {})",
        inputs.accounts, inputs.photos_per_account_per_day, inputs.account_threshold, pow10(l.point), pow10(l.lower), pow10(l.upper)
    );
    let l = p.log10_flagged_accounts_bursts;
    println!(
        "  the same with bursts of {}: {} (95 % interval {} to {})",
        inputs.burst,
        pow10(l.point),
        pow10(l.lower),
        pow10(l.upper)
    );
    println!(
        "FPR needed for <= {} false match(es) per year: {:.3e}; benign images needed to show it (95 %, zero matches): {}",
        inputs.max_false_per_year,
        p.fpr_needed_for_matches,
        p.images_needed_for_matches.map(|n| n.to_string()).unwrap_or_else(|| "n/a".into())
    );
    println!(
        "FPR needed for <= {} falsely flagged account(s) per year: {:.3e} (independent), {:.3e} (bursts)",
        inputs.max_false_per_year, p.fpr_needed_for_accounts, p.fpr_needed_for_accounts_bursts
    );
    Ok(exit::OK)
}
