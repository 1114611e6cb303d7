//! Chapter 6, "Known versus unknown material": published operating points next to the
//! measured hash rates, each pushed through the same population projection.
//!
//! The published figures below are **claims**, typed in with their sources (the only
//! hand-typed numbers the book allows); tags: `[P]` read in the primary source, `[S]` known
//! through a secondary report. Only a false-positive *rate* can be multiplied by a volume;
//! precision figures get a separate table that shows why they cannot.

use std::fmt::Write;

use crate::error::Result;
use crate::eval::projection::{AccountModel, Estimate, Projection};
use crate::report::ReportResults;

use super::GeneratedFile;

/// A published per-image false-positive rate.
struct FprClaim {
    id: &'static str,
    what: &'static str,
    fpr: f64,
    source: &'static str,
    tag: &'static str,
}

const FPR_CLAIMS: &[FprClaim] = &[
    FprClaim {
        id: "K2",
        what: "Apple NeuralHash vs its list, 100 M non-CSAM photos (known material)",
        fpr: 3e-8,
        source: "Apple, Security Threat Model Review of Apple's Child Safety Features, 2021, p. 10",
        tag: "S",
    },
    FprClaim {
        id: "K3",
        what: "Microsoft PhotoDNA, claimed, no method published (known material)",
        fpr: 2e-11,
        source: "Microsoft PhotoDNA \"1 in 50 billion\", as relayed",
        tag: "S",
    },
    FprClaim {
        id: "U1",
        what: "Thorn classifier for unknown material, \"1 in 1000 images\"",
        fpr: 1e-3,
        source: "Thorn documents reported by Follow the Money, January 2024",
        tag: "S",
    },
    FprClaim {
        id: "G2a",
        what: "classifiers, low end of a literature survey",
        fpr: 1e-2,
        source:
            "Scheffler & Mayer, SoK: Content Moderation for End-to-End Encryption, PoPETs 2023(2)",
        tag: "S",
    },
    FprClaim {
        id: "G2b",
        what: "perceptual hashes, high end of the same survey",
        fpr: 1e-3,
        source: "Scheffler & Mayer, PoPETs 2023(2)",
        tag: "S",
    },
];

/// A published precision (share of flags that are correct), not a rate.
struct PrecisionClaim {
    id: &'static str,
    what: &'static str,
    precision: f64,
    source: &'static str,
}

const PRECISION_CLAIMS: &[PrecisionClaim] = &[
    PrecisionClaim {
        id: "U3",
        what: "\"99 % of files classified as CSAM were CSAM\" (unknown material)",
        precision: 0.99,
        source: "Thorn/Safer web page, cited by the Commission",
    },
    PrecisionClaim {
        id: "G1",
        what: "\"9 of 10 flagged are grooming\"",
        precision: 0.90,
        source: "Commission answers to Germany, 2022 (leaked)",
    },
];

/// Prevalences (share of scanned items that are really abuse material) for the precision table.
const PREVALENCES: [f64; 4] = [1e-6, 1e-5, 1e-4, 1e-3];

/// The FPR that a precision implies at prevalence `pi` and recall `recall`:
/// `FPR = recall · π/(1 − π) · (1 − PPV)/PPV`.
fn fpr_from_precision(precision: f64, pi: f64, recall: f64) -> f64 {
    recall * pi / (1.0 - pi) * (1.0 - precision) / precision
}

/// A point value (nearest) or bound (rounded outward, like every bound the report prints).
fn sci(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        crate::stats::sci(x)
    }
}

fn sci_up(x: f64) -> String {
    crate::stats::sci_up(x)
}

pub(super) fn files(res: &ReportResults) -> Result<Vec<GeneratedFile>> {
    let inputs = &res.config.projection;
    let volume = inputs.images_per_day;
    let accounts = AccountModel::new(
        inputs.accounts,
        inputs.photos_per_account_per_day,
        inputs.account_threshold,
        1,
    )?;
    let row = |md: &mut String, label: &str, fpr: Estimate, source: &str| -> Result<()> {
        let day = Projection::new(fpr, volume)?.false_matches_per_day();
        let flagged = accounts.flagged_per_year(fpr)?;
        let _ = writeln!(
            md,
            "| {label} | {} | {} | ≤ 10^{} | {source} |",
            if fpr.point == fpr.upper {
                sci(fpr.point)
            } else {
                format!("{}, ≤ {}", sci(fpr.point), sci_up(fpr.upper))
            },
            if day.point == day.upper {
                sci(day.point)
            } else {
                format!("{}, ≤ {}", sci(day.point), sci_up(day.upper))
            },
            // Rounded up, like every upper bound.
            (flagged.log10_expected.upper * 10.0).ceil() / 10.0
        );
        Ok(())
    };

    let mut md = String::new();
    let _ = writeln!(
        md,
        "Volume {volume:.2e} images a day; {:.2e} accounts × {} photos a day, an account flagged \
         after k = {} false matches in a year (independent photos). Measured rows: per-image \
         rate of probe images against a list of ~{:.0} benign images (point and 95 % upper \
         bound). Published rows: the figure as claimed, with its source.\n",
        inputs.accounts,
        inputs.photos_per_account_per_day,
        inputs.account_threshold,
        res.mean_list_size()
    );
    let _ = writeln!(
        md,
        "| figure | per-image FPR | false matches per day | falsely flagged accounts per year (upper) | source |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    for a in &res.algorithms {
        if let Some(rate) = a.probe_vs_list.per_image {
            let label =
                format!("measured: {} at ≤ {} ({}/{})", a.algorithm, a.threshold, rate.k, rate.n);
            row(&mut md, &label, Estimate::from(rate), "this report, fixtures/corpus")?;
        }
    }
    for c in FPR_CLAIMS {
        let label = format!("claim {} [{}]: {}", c.id, c.tag, c.what);
        row(&mut md, &label, Estimate::exact_rate(c.fpr)?, c.source)?;
    }

    let mut prec = String::new();
    let _ = writeln!(
        prec,
        "The false-positive rate a stated precision implies, FPR = r·π/(1 − π)·(1 − PPV)/PPV, \
         for recall r = 1 and prevalence π (the share of scanned images that are abuse \
         material, which nobody has published), and what it means at {volume:.2e} images a day:\n"
    );
    let _ = write!(prec, "| claim | precision |");
    for pi in PREVALENCES {
        let _ = write!(prec, " π = {pi:.0e}: FPR; false flags/day |");
    }
    let _ = writeln!(prec, "\n|---|---|{}", "---|".repeat(PREVALENCES.len()));
    for c in PRECISION_CLAIMS {
        let _ = write!(prec, "| {} [S]: {} ({}) | {} |", c.id, c.what, c.source, c.precision);
        for pi in PREVALENCES {
            let f = fpr_from_precision(c.precision, pi, 1.0);
            let _ = write!(prec, " {}; {} |", sci(f), sci(f * volume));
        }
        let _ = writeln!(prec);
    }
    Ok(vec![
        GeneratedFile::text("known-vs-unknown/rates.md", md),
        GeneratedFile::text("known-vs-unknown/precision.md", prec),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_conversion_matches_the_definition() {
        // 1,000 items, 10 positive (π = 0.01), recall 1: 10 true flags; precision 0.5 means
        // 10 false flags among 990 negatives.
        let f = fpr_from_precision(0.5, 0.01, 1.0);
        assert!((f - 10.0 / 990.0).abs() < 1e-12, "{f}");
    }
}
