//! The report on the embedded fixtures: quality bounds (a fidelity regression fails CI) and
//! reproducibility (the same inputs give byte-identical files, checked by re-running it).

use std::path::Path;

use hashscope::report::{self, NoProgress, ReportConfig};
use hashscope::Algorithm;

fn small_config() -> ReportConfig {
    let mut cfg = ReportConfig::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus"));
    cfg.corpus_name = "fixtures/corpus".into();
    cfg.robustness_images = 24;
    cfg.splits = 4;
    cfg
}

#[test]
fn fixture_report_meets_quality_bounds_and_is_reproducible() {
    let cfg = small_config();
    let a = report::run(&cfg, &NoProgress).expect("report runs");
    assert_eq!(a.corpus.images, 398, "every fixture image hashes");
    assert!(a.corpus.failures.is_empty());
    let get = |algo| a.algorithms.iter().find(|r| r.algorithm == algo).expect("algorithm present");
    for algo in [Algorithm::Pdq, Algorithm::PHash] {
        let r = get(algo);
        let fpr = r.probe_vs_list.per_image.expect("probes exist");
        let across = r.fpr_at_threshold.across.expect("pairs exist");
        let jpeg50 =
            r.robustness.iter().find(|t| t.transform == "jpeg50").and_then(|t| t.recall).unwrap();
        println!("{algo}: per-image {fpr}; across pairs {across}; recall jpeg50 {jpeg50}");
        // Ceilings and floors with room: a regression in hashing fidelity breaks them.
        assert!(across.point <= 1e-3, "{algo} across-collection FPR {across}");
        assert!(fpr.point <= 1e-2, "{algo} per-image FPR {fpr}");
        assert!(jpeg50.point >= 0.95, "{algo} recall under JPEG q50 {jpeg50}");
    }
    // Every rate with zero observations still carries an upper bound.
    for r in &a.algorithms {
        for row in &r.fpr_curve {
            if let Some(rate) = row.across {
                assert!(rate.upper > 0.0, "zero must be reported as an upper bound");
            }
        }
    }
    // The threshold dilemma on one image: re-hashed distances only, monotone in the budget.
    let d = report::adversarial::threshold_dilemma(&cfg, &a, 1).unwrap();
    assert_eq!(d.images.len(), 1);
    for algo in [Algorithm::Pdq, Algorithm::PHash] {
        let rows: Vec<_> = d.rows.iter().filter(|r| r.algorithm == algo).collect();
        assert_eq!(rows.len(), report::adversarial::BUDGETS_DB.len());
        let default = report::default_threshold(algo);
        for w in rows.windows(2) {
            // A looser budget (lower PSNR) never needs a lower threshold.
            assert!(w[0].budget_db > w[1].budget_db);
            assert!(w[1].threshold_needed >= w[0].threshold_needed, "{algo}: {rows:?}");
        }
        assert!(rows.iter().all(|r| r.threshold_needed >= default));
        // Every attempt's distance is the re-hash of its written file: success means beyond
        // the aim.
        let (_, attempts) = d.attempts.iter().find(|(a, _)| *a == algo).unwrap();
        for t in attempts.iter().flatten() {
            assert_eq!(t.success, t.distance > t.aim, "{algo}: {t:?}");
        }
        println!("{algo}: {:?}", rows.iter().map(|r| r.threshold_needed).collect::<Vec<_>>());
    }
    // On this image the PDQ attack beats the default threshold at the loosest budget.
    let pdq_last = d.rows.iter().rfind(|r| r.algorithm == Algorithm::Pdq).unwrap();
    assert!(pdq_last.threshold_needed > report::default_threshold(Algorithm::Pdq));

    // Re-run: byte-identical outputs.
    let dir_a = tempdir("a");
    let dir_b = tempdir("b");
    report::write(&a, &dir_a).unwrap();
    let b = report::run(&cfg, &NoProgress).unwrap();
    report::write(&b, &dir_b).unwrap();
    for f in ["results.json", "report.md", "report.html", "fpr.csv", "robustness.csv"] {
        let x = std::fs::read(dir_a.join(f)).unwrap();
        let y = std::fs::read(dir_b.join(f)).unwrap();
        assert!(x == y, "{f} differs between two runs");
    }
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let d =
        std::env::temp_dir().join(format!("hashscope-report-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
