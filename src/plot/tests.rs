use super::axis::{binomial_half_log10_pmf, format_decade, Axis};
use super::*;

/// Parse-check: well-formed XML whose root is an `<svg>` with a `viewBox`.
fn assert_svg(svg: &str) -> roxmltree::Document<'_> {
    assert!(svg.starts_with("<svg"), "does not start with <svg: {}", &svg[..svg.len().min(80)]);
    let doc =
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert!(root.attribute("viewBox").is_some());
    assert!(root.attribute("width").is_some() && root.attribute("height").is_some());
    doc
}

/// All text content of `<text>` and `<title>` elements, trimmed, in document order.
fn texts(svg: &str) -> Vec<String> {
    let doc = assert_svg(svg);
    doc.descendants()
        .filter(|n| n.is_element() && matches!(n.tag_name().name(), "text" | "title"))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect()
}

fn has_text(svg: &str, want: &str) -> bool {
    texts(svg).iter().any(|t| t == want)
}

/// Whether `want` occurs in the text, with wrapped note lines joined by spaces.
fn contains_text(svg: &str, want: &str) -> bool {
    texts(svg).join(" ").contains(want)
}

/// A plausible impostor distance histogram: Binomial(64, 1/2)-like with a heavier left tail.
fn null_counts() -> Vec<u64> {
    let pmf = binomial_half_log10_pmf(64);
    pmf.iter()
        .enumerate()
        .map(|(d, l)| {
            let base = 10f64.powf(*l) * 2e6;
            let tail = if d < 20 { 40.0 * 0.7f64.powi(d as i32) } else { 0.0 };
            (base + tail).round() as u64
        })
        .collect()
}

fn genuine_counts() -> Vec<u64> {
    (0..=64u32).map(|d| if d < 20 { (5000.0 * 0.6f64.powi(d as i32)) as u64 } else { 0 }).collect()
}

fn roc_series() -> Vec<Series> {
    let curve = |label: &str, k: f64| Series {
        label: label.to_string(),
        points: std::iter::once((0.0, 0.1 * k))
            .chain((0..=24).map(|i| {
                let fpr = 10f64.powf(-8.0 + f64::from(i) / 3.0);
                (fpr, (1.0 - (1.0 - fpr.powf(0.08 * k)).max(0.0)).min(1.0))
            }))
            .collect(),
    };
    vec![curve("aHash", 1.0), curve("dHash", 1.4), curve("pHash", 2.0), curve("PDQ", 2.6)]
}

fn det_series() -> Vec<Series> {
    roc_series()
        .into_iter()
        .map(|s| Series {
            label: s.label,
            points: s.points.into_iter().map(|(x, y)| (x, 1.0 - y)).collect(),
        })
        .collect()
}

fn example_bars() -> Vec<Bar> {
    let mut v = Vec::new();
    for (ci, c) in ["JPEG q=50", "resize 50%", "crop 5%", "rotate 90°", "gamma 1.5 & <blur>"]
        .iter()
        .enumerate()
    {
        for (gi, g) in ["aHash", "dHash", "pHash", "PDQ"].iter().enumerate() {
            let value = (0.99 - 0.18 * ci as f64 + 0.03 * gi as f64).clamp(0.0, 1.0);
            v.push(Bar {
                category: c.to_string(),
                group: g.to_string(),
                value,
                lower: (value - 0.04).max(0.0),
                upper: (value + 0.02).min(1.0),
            });
        }
    }
    v
}

fn all_examples() -> Vec<(&'static str, String)> {
    let per_day = |label: &str, scale: f64| Series {
        label: label.to_string(),
        points: (0..=40)
            .map(|t| (f64::from(t), scale * 10f64.powf(f64::from(t) / 4.0 - 6.0)))
            .collect(),
    };
    vec![
        (
            "null_histogram",
            null_histogram("pHash: impostor distances (64 bits)", 64, &null_counts(), 18, false),
        ),
        (
            "null_histogram_log",
            null_histogram("pHash: impostor distances, log scale", 64, &null_counts(), 18, true),
        ),
        (
            "overlay",
            genuine_impostor_overlay(
                "pHash: genuine vs impostor",
                64,
                &genuine_counts(),
                &null_counts(),
                18,
            ),
        ),
        (
            "roc",
            roc(
                "ROC on benign images",
                &roc_series(),
                "Impostor pairs: 2,000,000; genuine pairs: 12,500.",
            ),
        ),
        ("det", det("DET on benign images", &det_series(), "Both axes log scale.")),
        (
            "bars",
            bars_with_intervals(
                "Recall by transform (95% Wilson intervals)",
                "recall at threshold",
                &example_bars(),
            ),
        ),
        (
            "line_chart",
            line_chart(
                "Expected false matches per day vs threshold",
                "threshold (bits)",
                "false matches per day",
                &[
                    per_day("1e9 images/day, list of 1e5", 1e3),
                    per_day("1e7 images/day, list of 1e5", 10.0),
                ],
                false,
                true,
            ),
        ),
    ]
}

/// Writes one example SVG per chart for visual checks:
/// `cargo test --lib plot::tests::write_examples -- --ignored`.
#[test]
#[ignore]
fn write_examples() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/generated/plots-examples");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, svg) in all_examples() {
        std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
    }
}

#[test]
fn every_chart_is_well_formed_titled_and_deterministic() {
    let first = all_examples();
    let second = all_examples();
    for ((name, a), (_, b)) in first.iter().zip(&second) {
        assert_svg(a);
        assert_eq!(a, b, "{name} is not deterministic");
        assert!(!a.contains("could not be drawn"), "{name} fell back");
        assert!(!a.contains("NaN") && !a.contains("inf"), "{name} has a non-finite number");
    }
    let by_name = |n: &str| first.iter().find(|(k, _)| *k == n).map(|(_, s)| s.clone()).unwrap();
    let h = by_name("null_histogram");
    assert!(has_text(&h, "pHash: impostor distances (64 bits)"));
    assert!(contains_text(&h, "observed share (n = 2,000,"));
    assert!(has_text(&h, "Binomial(64, 1/2) ideal"));
    assert!(has_text(&h, "threshold: match if d ≤ 18"));
    assert!(has_text(&h, "t = 18"));
    let o = by_name("overlay");
    assert!(contains_text(&o, "genuine pairs (n = "));
    assert!(contains_text(&o, "impostor pairs (n = 2,000,"));
    assert!(contains_text(&o, "recall 1.0000"));
    for n in ["roc", "det"] {
        let s = by_name(n);
        for l in ["aHash", "dHash", "pHash", "PDQ"] {
            assert!(has_text(&s, l), "{n} lacks legend {l}");
        }
    }
    assert!(has_text(&by_name("roc"), "chance (recall = FPR)"));
    let b = by_name("bars");
    assert!(has_text(&b, "gamma 1.5 & <blur>"), "category names are escaped and round-trip");
    assert!(has_text(&b, "recall at threshold"));
    assert!(has_text(&b, "0.990"));
    let l = by_name("line_chart");
    assert!(has_text(&l, "1e9 images/day, list of 1e5"));
    assert!(has_text(&l, "false matches per day (log scale)"));
}

#[test]
fn log_axis_labels_every_decade() {
    let s = Series { label: "c".into(), points: vec![(1e-6, 0.1), (1e-3, 0.5), (0.5, 0.9)] };
    let svg = roc("ticks", &[s], "");
    for e in -6..=-1 {
        assert!(has_text(&svg, &format!("1e{e}")), "missing 1e{e}");
    }
    assert!(has_text(&svg, "1"));
    assert!(!has_text(&svg, "1e-7"), "axis starts at the data's decade");
    assert!(!contains_text(&svg, "9.99"), "no floating-point noise in labels");

    let a = Axis::log(-8, 0, "");
    let labels: Vec<String> = a.bold.iter().map(|v| a.format(*v)).collect();
    assert_eq!(labels, ["1e-8", "1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1"]);
    assert_eq!(a.light.len(), 8 * 8);
    let wide = Axis::log(-30, 0, "");
    assert!(wide.bold.len() <= 13 && wide.bold.len() >= 8, "{:?}", wide.bold);
    assert_eq!([format_decade(2), format_decade(4), format_decade(-12)], ["100", "1e4", "1e-12"]);
}

#[test]
fn linear_axis_starts_at_zero_and_has_clean_labels() {
    let a = Axis::linear(0.0, 0.0987, 6, "");
    assert_eq!(a.lo, 0.0);
    assert!(a.hi >= 0.0987 && a.hi <= 0.12, "{}", a.hi);
    let labels: Vec<String> = a.bold.iter().map(|v| a.format(*v)).collect();
    assert_eq!(labels.first().map(String::as_str), Some("0.00"));
    assert!(labels.iter().all(|l| l.len() <= 5), "{labels:?}");
    let single = Axis::linear(5.0, 5.0, 6, "");
    assert!(single.lo < 5.0 && single.hi > 5.0);
    let weird = Axis::linear(f64::NAN, f64::INFINITY, 6, "");
    assert!(weird.lo.is_finite() && weird.hi.is_finite() && weird.lo < weird.hi);
}

#[test]
fn binomial_pmf_is_normalised_and_does_not_underflow() {
    for n in [0u32, 1, 64, 256] {
        let p = binomial_half_log10_pmf(n);
        assert_eq!(p.len(), n as usize + 1);
        let total: f64 = p.iter().map(|l| 10f64.powf(*l)).sum();
        assert!((total - 1.0).abs() < 1e-9, "n = {n}: {total}");
    }
    let p = binomial_half_log10_pmf(256);
    assert!((p[0] - (-256.0 * 2f64.log10())).abs() < 1e-9);
}

#[test]
fn empty_data_draws_axes_and_says_so() {
    let empty: Vec<Series> = Vec::new();
    for svg in [
        null_histogram("empty", 64, &[], 10, false),
        null_histogram("empty", 64, &[], 10, true),
        genuine_impostor_overlay("empty", 64, &[], &[], 10),
        roc("empty", &empty, ""),
        det("empty", &empty, ""),
        bars_with_intervals("empty", "recall", &[]),
        line_chart("empty", "x", "y", &empty, false, false),
        line_chart("empty", "x", "y", &empty, true, true),
        line_chart(
            "empty",
            "x",
            "y",
            &[Series { label: "none".into(), points: vec![] }],
            true,
            false,
        ),
    ] {
        assert_svg(&svg);
        assert!(has_text(&svg, "empty"));
        assert!(!svg.contains("could not be drawn"));
    }
    assert!(contains_text(&roc("e", &empty, ""), "No data."));
    assert!(contains_text(&bars_with_intervals("e", "r", &[]), "No data."));
    assert!(contains_text(&null_histogram("e", 64, &[0; 65], 10, false), "all counts are zero"));
    assert!(contains_text(
        &genuine_impostor_overlay("e", 64, &[0; 65], &[], 10),
        "Genuine: no pairs"
    ));
}

#[test]
fn non_finite_and_log_zero_values_are_skipped_and_counted() {
    let s = Series {
        label: "odd".into(),
        points: vec![
            (0.0, 0.3),
            (0.0, 0.4),
            (f64::NAN, 0.5),
            (1e-4, f64::INFINITY),
            (1e-3, 0.6),
            (0.1, 0.8),
        ],
    };
    let svg = roc("odd", std::slice::from_ref(&s), "my note");
    assert!(has_text(&svg, "my note"));
    assert!(contains_text(
        &svg,
        "odd: 2 points with FPR = 0 (highest recall among them: 0.4000) not drawn on the log axis"
    ));
    assert!(contains_text(&svg, "2 points with NaN/infinite values skipped"));

    let d = det(
        "det",
        &[Series { label: "d".into(), points: vec![(0.0, 0.5), (1e-3, 0.0), (1e-2, 0.1)] }],
        "",
    );
    assert!(contains_text(
        &d,
        "d: 1 point with FPR = 0; 1 point with FNR ≤ 0 not drawn on the log axes."
    ));

    let l = line_chart(
        "l",
        "radius",
        "visited",
        &[Series { label: "v".into(), points: vec![(0.0, 0.0), (1.0, 1e-3), (2.0, 1e-2)] }],
        true,
        true,
    );
    assert!(contains_text(&l, "v: 1 point with radius = 0 not drawn on the log axes."));
    assert!(!l.contains("NaN"));
}

#[test]
fn single_point_and_tiny_values_are_drawn() {
    let one = Series { label: "one".into(), points: vec![(1e-12, 1e-12)] };
    for svg in [
        roc("one", std::slice::from_ref(&one), ""),
        det("one", std::slice::from_ref(&one), ""),
        line_chart("one", "x", "y", std::slice::from_ref(&one), false, false),
        line_chart("one", "x", "y", std::slice::from_ref(&one), true, true),
    ] {
        assert_svg(&svg);
        assert!(svg.contains("<circle"), "a single point gets a marker");
    }
    let l = line_chart("one", "x", "y", &[one], true, true);
    assert!(has_text(&l, "1e-12") && has_text(&l, "1e-11"));

    // Shares of 1e-12: one pair in 1e12 at distance 0.
    let mut counts = vec![0u64; 65];
    counts[0] = 1;
    counts[32] = 999_999_999_999;
    let h = null_histogram("tiny", 64, &counts, 5, true);
    assert!(has_text(&h, "1e-12"));
    assert!(contains_text(&h, "63 distances with no observed pair not drawn"));
    assert!(contains_text(&h, "1 of 1,000,000,000,000 pairs (1.00e-12)"));
}

#[test]
fn histogram_edge_cases() {
    // Counts past the hash length, threshold past the axis, zero-bit hash.
    let h = null_histogram("long", 4, &[1, 2, 3, 4, 5, 6, 7], 100, false);
    assert_svg(&h);
    assert!(contains_text(&h, "beyond the 4-bit hash length"));
    assert!(contains_text(&h, "every pair matches"));
    assert_svg(&null_histogram("zero bits", 0, &[3], 0, true));
    assert_svg(&genuine_impostor_overlay("zero bits", 0, &[3], &[1], 0));
    let big = null_histogram("u64 max", 8, &[u64::MAX; 9], 2, false);
    assert!(contains_text(&big, "pairs (0.3333) at distance ≤ 2"));
}

#[test]
fn bars_edge_cases() {
    let bar = |c: &str, g: &str, v: f64, lo: f64, hi: f64| Bar {
        category: c.into(),
        group: g.into(),
        value: v,
        lower: lo,
        upper: hi,
    };
    let svg = bars_with_intervals(
        "edge",
        "recall",
        &[
            bar("a", "g1", f64::NAN, 0.0, 1.0),
            bar("a", "g2", 1.2, 0.9, 1.5),
            bar("b", "g1", 0.5, 0.4, 0.6),
        ],
    );
    assert!(contains_text(&svg, "1 bar with a NaN/infinite value not drawn."));
    assert!(contains_text(&svg, "1 bar with values or interval ends outside 0..1 clamped"));
    assert!(has_text(&svg, "g1") && has_text(&svg, "g2"));
    let long = "a very long transform name that goes on and on and on";
    let svg = bars_with_intervals("long", "recall", &[bar(long, "g", 0.5, 0.4, 0.6)]);
    assert!(contains_text(&svg, "a very long transform name that…"));
    // Many categories make the chart taller rather than squashing the bars.
    let many: Vec<Bar> = (0..40).map(|i| bar(&format!("t{i}"), "g", 0.5, 0.4, 0.6)).collect();
    let doc_svg = bars_with_intervals("many", "recall", &many);
    let doc = assert_svg(&doc_svg);
    let height: u32 =
        doc.root_element().attribute("height").and_then(|h| h.parse().ok()).unwrap_or(0);
    assert!(height > 400);
}

#[test]
fn text_is_escaped() {
    let title = "a & b < c > d \"e\" 'f'";
    let s = Series { label: "<script>&".into(), points: vec![(1.0, 1.0), (2.0, 2.0)] };
    for svg in [
        roc(title, std::slice::from_ref(&s), "note & <b>"),
        det(title, std::slice::from_ref(&s), ""),
        line_chart(title, "x & y", "<y>", std::slice::from_ref(&s), false, false),
        null_histogram(title, 8, &[1; 9], 3, false),
        genuine_impostor_overlay(title, 8, &[1; 9], &[1; 9], 3),
        bars_with_intervals(
            title,
            "x&",
            &[Bar {
                category: "<c>".into(),
                group: "&g".into(),
                value: 0.5,
                lower: 0.4,
                upper: 0.6,
            }],
        ),
    ] {
        assert_svg(&svg);
        assert!(has_text(&svg, title), "title round-trips through XML");
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
    }
    assert!(has_text(&roc(title, &[s], ""), "<script>&"));
}

#[test]
fn palette_is_stable_per_series_index() {
    let series: Vec<Series> = (0..3)
        .map(|i| Series { label: format!("s{i}"), points: vec![(1.0, f64::from(i)), (2.0, 1.0)] })
        .collect();
    let svg = line_chart("p", "x", "y", &series, false, false);
    let pos = |c: &str| svg.find(c).unwrap_or(usize::MAX);
    assert!(pos("#0072B2") < pos("#D55E00") && pos("#D55E00") < pos("#009E73"));
    let fewer = line_chart("p", "x", "y", &series[..1], false, false);
    assert!(fewer.contains("#0072B2") && !fewer.contains("#D55E00"));
}

#[test]
fn helpers_format_numbers_with_fixed_precision() {
    assert_eq!(group_thousands(0), "0");
    assert_eq!(group_thousands(1234567), "1,234,567");
    assert_eq!(group_thousands(100), "100");
    assert_eq!(format_share(0.0), "0");
    assert_eq!(format_share(0.5), "0.5000");
    assert_eq!(format_share(1.234e-7), "1.23e-7");
}
