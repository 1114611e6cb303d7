//! From a measured per-image rate to people: false matches per day and falsely flagged
//! accounts per year, with the interval carried through.
//!
//! ```sh
//! cargo run --release --example project_population -- 0 733
//! ```

use hashscope::eval::projection::{benign_images_needed, fpr_needed_for_false_matches};
use hashscope::eval::{AccountModel, Estimate, Projection};
use hashscope::Rate;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let k: u64 = args.next().unwrap_or_else(|| "0".into()).parse()?;
    let n: u64 = args.next().unwrap_or_else(|| "733".into()).parse()?;
    let rate = Rate::clopper_pearson(k, n)?;
    let images_per_day = 4.5e9; // WhatsApp photos per day, company statement of 2017 (a claim)
    let day = Projection::new(Estimate::from(rate), images_per_day)?.false_matches_per_day();
    println!("measured per-image rate: {rate}");
    println!(
        "false matches per day at {images_per_day:.1e} images: {:.3e} (95 % CI {:.3e} to {:.3e})",
        day.point, day.lower, day.upper
    );
    for burst in [1, 10] {
        let accounts = AccountModel::new(450e6, 10.0, 30, burst)?;
        let flagged = accounts.flagged_per_year(Estimate::from(rate))?;
        println!(
            "falsely flagged accounts per year (k = 30, bursts of {burst}): at most 10^{:.1}",
            flagged.log10_expected.upper
        );
    }
    let needed = fpr_needed_for_false_matches(1.0, images_per_day)?;
    println!(
        "one false match a year needs a per-image rate below {needed:.2e}, shown by {} benign images with no match",
        benign_images_needed(needed, 0.95)?
    );
    Ok(())
}
