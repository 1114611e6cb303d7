//! The population projection: from a measured per-image rate to false matches per day and
//! falsely flagged accounts per year, and back to the rate a target would need.
//!
//! The default inputs are public figures, each a *claim* with its source (see
//! [`crate::eval::projection::volumes`] and `docs/src/projection.md`): 4.5 × 10⁹ photos a
//! day (WhatsApp, company statement of July 2017, via the press), shared as 450 × 10⁶
//! accounts × 10 photos a day (450 million is the EU population often quoted; an assumption,
//! not a measurement), flagged at k = 30 matches a year (Apple's 2021 design).

use serde::Serialize;

use crate::error::Result;
use crate::eval::projection::{
    benign_images_needed, fpr_needed_for_false_matches, per_image_estimate_from_pair, volumes,
    AccountModel, Estimate, Projection,
};
use crate::stats::Rate;

/// Inputs of a projection. Serialised into `results.json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProjectionInputs {
    /// Images scanned per day.
    pub images_per_day: f64,
    /// Accounts scanned.
    pub accounts: f64,
    /// Photos per account per day.
    pub photos_per_account_per_day: f64,
    /// Matches per year before an account is flagged (k).
    pub account_threshold: u64,
    /// Near-identical photos per burst in the correlated-burst mode.
    pub burst: u64,
    /// Target: at most this many false flags (false matches, or flagged accounts) per year.
    pub max_false_per_year: f64,
}

impl Default for ProjectionInputs {
    fn default() -> Self {
        ProjectionInputs {
            images_per_day: volumes::WHATSAPP_PHOTOS_PER_DAY,
            accounts: 450e6,
            photos_per_account_per_day: 10.0,
            account_threshold: 30,
            burst: 10,
            max_false_per_year: 1.0,
        }
    }
}

/// What a rate means at population scale.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectionOut {
    /// Which figure the projection uses (e.g. "per-image FPR, probe vs list, L = 325").
    pub basis: String,
    /// The per-image rate used (point and 95 % bounds).
    pub fpr: Estimate,
    /// Expected false matches per day.
    pub false_matches_per_day: Estimate,
    /// Expected false matches per year.
    pub false_matches_per_year: Estimate,
    /// log10 of expected falsely flagged accounts per year, independent photos.
    pub log10_flagged_accounts_independent: Estimate,
    /// log10 of expected falsely flagged accounts per year, photos in bursts.
    pub log10_flagged_accounts_bursts: Estimate,
    /// Per-image FPR needed for at most `max_false_per_year` false matches per year.
    pub fpr_needed_for_matches: f64,
    /// Benign images (with zero matches) needed to show that FPR at 95 % confidence.
    pub images_needed_for_matches: Option<u64>,
    /// Per-image FPR needed for at most `max_false_per_year` falsely flagged accounts per
    /// year, independent photos.
    pub fpr_needed_for_accounts: f64,
    /// The same with bursts.
    pub fpr_needed_for_accounts_bursts: f64,
}

/// List sizes for which the per-image rate is projected from the per-pair rate.
pub const PROJECTED_LIST_SIZES: [u64; 4] = [1_000, 100_000, 1_000_000, 10_000_000];

/// The per-image rate for lists of [`PROJECTED_LIST_SIZES`] entries, projected from a
/// per-pair rate as 1 − (1 − p)^L (independent pairs assumed: an approximation), with the
/// rate's interval carried through.
///
/// ```
/// use hashscope::report::projection::per_image_for_list_sizes;
/// use hashscope::Rate;
/// let v = per_image_for_list_sizes(&Rate::clopper_pearson(0, 175_829).unwrap()).unwrap();
/// assert_eq!(v[0].0, 1_000);
/// assert!(v[3].1.upper > 0.99); // 1e7 entries: the corpus cannot rule out near-certain matches
/// ```
pub fn per_image_for_list_sizes(per_pair: &Rate) -> Result<Vec<(u64, Estimate)>> {
    PROJECTED_LIST_SIZES
        .iter()
        .map(|&l| Ok((l, per_image_estimate_from_pair(Estimate::from(*per_pair), l)?)))
        .collect()
}

/// Projects `rate` (a per-image rate) with `inputs`.
///
/// ```
/// use hashscope::report::projection::{project, ProjectionInputs};
/// use hashscope::Rate;
/// let r = Rate::clopper_pearson(0, 733).unwrap();
/// let p = project(&r, "example", &ProjectionInputs::default()).unwrap();
/// assert_eq!(p.false_matches_per_day.point, 0.0);
/// assert!(p.false_matches_per_day.upper > 1e7); // 4.5e9 × 5.0e-3: the fixtures certify little
/// ```
pub fn project(rate: &Rate, basis: &str, inputs: &ProjectionInputs) -> Result<ProjectionOut> {
    let fpr = Estimate::from(*rate);
    let proj = Projection::new(fpr, inputs.images_per_day)?;
    let indep = AccountModel::new(
        inputs.accounts,
        inputs.photos_per_account_per_day,
        inputs.account_threshold,
        1,
    )?;
    let bursts = AccountModel::new(
        inputs.accounts,
        inputs.photos_per_account_per_day,
        inputs.account_threshold,
        inputs.burst,
    )?;
    let need = fpr_needed_for_false_matches(inputs.max_false_per_year, inputs.images_per_day)?;
    Ok(ProjectionOut {
        basis: basis.to_string(),
        fpr,
        false_matches_per_day: proj.false_matches_per_day(),
        false_matches_per_year: proj.false_matches_per_year(),
        log10_flagged_accounts_independent: indep.flagged_per_year(fpr)?.log10_expected,
        log10_flagged_accounts_bursts: bursts.flagged_per_year(fpr)?.log10_expected,
        fpr_needed_for_matches: need,
        images_needed_for_matches: benign_images_needed(need, 0.95).ok(),
        fpr_needed_for_accounts: indep.fpr_needed(inputs.max_false_per_year)?,
        fpr_needed_for_accounts_bursts: bursts.fpr_needed(inputs.max_false_per_year)?,
    })
}
