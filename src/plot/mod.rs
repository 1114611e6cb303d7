//! SVG charts for the report: null histograms, genuine/impostor overlays, ROC and DET
//! curves, grouped bars with intervals and generic line charts.
//!
//! Every function takes plain data and returns one standalone `<svg>` element as a
//! `String` (640 px wide, `viewBox` set, no external resources, no XML prolog), ready to
//! be inlined into HTML or written to a `.svg` file. Output is deterministic: the same
//! data gives byte-identical SVG (no ids, no timestamps, fixed-precision labels).
//!
//! Conventions, chosen for readers who are not statisticians:
//!
//! - **Log axes** are labelled at whole decades only (`1e-8`, `1e-7`, …, `1e-1`, `1`,
//!   `10`, `100`, `1000`, `1e4`, …) with minor grid lines at 2…9 × 10^k. Values that
//!   cannot be drawn on a log axis (zero or negative) are never silently dropped: their
//!   number is stated in a note under the chart.
//! - **Linear share/count axes start at 0**, so bar heights are proportional to values.
//! - NaN and infinite values are skipped and counted in a note.
//! - Series `i` always gets colour `i` of a fixed colour-blind-safe palette (Okabe–Ito,
//!   8 colours, cycling); legends and notes are drawn in a strip *below* the plot so
//!   they never cover data.
//! - A match is `distance ≤ threshold`; threshold markers are drawn at `threshold + 0.5`,
//!   between the last matching and the first non-matching distance.
//!
//! Drawing uses [plotters](https://docs.rs/plotters)' SVG backend without its `ttf`
//! feature (no system font libraries; text stays `<text>` elements whose widths are
//! estimated). Tick positions and labels are computed in this module, not by plotters,
//! so that log axes show honest decade labels.
//!
//! ```
//! use hashscope::plot::{roc, Series};
//! let s = Series { label: "pHash".into(), points: vec![(0.0, 0.2), (1e-6, 0.5), (1e-3, 0.9), (1.0, 1.0)] };
//! let svg = roc("ROC", &[s], "impostor pairs: 1,000,000");
//! assert!(svg.starts_with("<svg"));
//! assert!(svg.contains("1 point with FPR = 0"));
//! ```

mod axis;
mod canvas;
#[cfg(test)]
mod tests;

use plotters::prelude::*;

use axis::{binomial_half_log10_pmf, finite_range, Axis};
use canvas::{color, render, Frame, Swatch, GREY};

/// One named curve: `(x, y)` points in data units, drawn in the given order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label (for example the algorithm name).
    pub label: String,
    /// Points in data units. NaN/infinite values, and values ≤ 0 on a log axis, are
    /// skipped (and counted in the chart's note).
    pub points: Vec<(f64, f64)>,
}

/// One bar of [`bars_with_intervals`]: the `value` of `group` within `category`, with an
/// interval `[lower, upper]` (for example a 95 % Wilson interval of a recall).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The row the bar belongs to (for example a transform such as "JPEG q=50").
    pub category: String,
    /// The bar within the row; one colour per group (for example the algorithm).
    pub group: String,
    /// The value, expected in `0..=1`.
    pub value: f64,
    /// Lower end of the interval, expected in `0..=value`.
    pub lower: f64,
    /// Upper end of the interval, expected in `value..=1`.
    pub upper: f64,
}

/// Series with at most this many points also get a marker at every point.
const MARKER_MAX_POINTS: usize = 40;

/// `1234567` → `"1,234,567"`.
pub(crate) fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share or rate with fixed precision: 4 decimals from 0.001 up, else 3 significant
/// digits in scientific notation (`1.23e-7`); exactly 0 is `"0"`.
pub(crate) fn format_share(p: f64) -> String {
    if p == 0.0 {
        "0".to_string()
    } else if !p.is_finite() {
        "n/a".to_string()
    } else if p.abs() >= 1e-3 {
        format!("{p:.4}")
    } else {
        format!("{p:.2e}")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Shares of `counts` (which sum to `total`); all zero when `total` is 0.
fn shares(counts: &[u64], total: u128) -> Vec<f64> {
    counts.iter().map(|&c| if total == 0 { 0.0 } else { c as f64 / total as f64 }).collect()
}

fn sum(counts: &[u64]) -> u128 {
    counts.iter().map(|&c| u128::from(c)).sum()
}

/// Pairs at distance ≤ `threshold`.
fn at_or_below(counts: &[u64], threshold: u32) -> u128 {
    counts.iter().take(threshold as usize + 1).map(|&c| u128::from(c)).sum()
}

/// The x axis of distance histograms: exactly `-0.5 ..= max + 0.5`, integer ticks.
fn distance_axis(max_d: u32) -> Axis {
    let mut x = Axis::linear_within(0.0, f64::from(max_d), 8, "Hamming distance (bits)");
    x.lo = -0.5;
    x.hi = f64::from(max_d) + 0.5;
    x
}

/// Draw the threshold marker (dashed vertical line at `threshold + 0.5`) if it lies on
/// the axis; otherwise add a note.
fn threshold_marker(
    chart: &mut ChartContext<'_, SVGBackend<'_>, canvas::Coord>,
    frame_x: &Axis,
    frame_y: &Axis,
    threshold: u32,
) -> canvas::DrawResult {
    let xt = f64::from(threshold) + 0.5;
    if xt < frame_x.hi {
        chart.draw_series(DashedLineSeries::new(
            vec![(xt, frame_y.lo), (xt, frame_y.hi)],
            6,
            4,
            ShapeStyle::from(&BLACK).stroke_width(1),
        ))?;
        let label = format!("t = {threshold}");
        let font = ("sans-serif", 12.4).into_font().color(&BLACK);
        chart.draw_series(std::iter::once(
            EmptyElement::at((xt, frame_y.hi)) + Text::new(label, (4, 4), font),
        ))?;
    }
    Ok(())
}

/// Null (impostor) distance histogram of one algorithm against the Binomial(`bits`, 1/2)
/// ideal of independent, unbiased bits.
///
/// `counts[d]` is the number of impostor pairs at Hamming distance `d` (`0..=bits`). Bars
/// show the observed share of pairs at each distance, the line the binomial pmf, and a
/// dashed marker the match threshold (`d ≤ threshold` matches). The note under the chart
/// states the number of pairs, how many (and what share) fall at or below the threshold,
/// and the binomial probability of that.
///
/// With `log_y` the y axis is logarithmic to show the left tail; observed shares are then
/// drawn as dots (a bar's length on a log axis depends on an arbitrary baseline), distances
/// with no observed pair are not drawn (their number is stated), and the binomial line is
/// drawn down to the bottom of the axis.
pub fn null_histogram(
    title: &str,
    bits: u32,
    counts: &[u64],
    threshold: u32,
    log_y: bool,
) -> String {
    let total = sum(counts);
    let share = shares(counts, total);
    let max_d = bits.max(counts.len().saturating_sub(1) as u32).min(1 << 16);
    let pmf = binomial_half_log10_pmf(bits.min(1 << 16));
    let x = distance_axis(max_d);
    let pmf_max = pmf.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let share_max = share.iter().copied().fold(0.0, f64::max);
    let y = if log_y {
        let lo = match axis::positive_range(share.iter().copied()) {
            Some((min, _)) => min.log10().floor() as i32,
            None => (pmf_max.floor() as i32) - 6,
        };
        let hi = (share_max.max(10f64.powf(pmf_max)).log10().ceil() as i32).min(0);
        Axis::log(lo, hi, "share of pairs (log scale)")
    } else {
        Axis::linear(0.0, share_max.max(10f64.powf(pmf_max)), 6, "share of pairs")
    };

    let mut frame = Frame::new(title, x.clone(), y.clone());
    let observed = format!("observed share (n = {} pairs)", group_thousands(total));
    frame.entry(observed, color(0), if log_y { Swatch::Dot } else { Swatch::Box });
    frame.entry(format!("Binomial({bits}, 1/2) ideal"), color(1), Swatch::Line);
    frame.entry(format!("threshold: match if d ≤ {threshold}"), BLACK, Swatch::Dashed);

    let below = at_or_below(counts, threshold);
    let ideal_below: f64 = pmf.iter().take(threshold as usize + 1).map(|l| 10f64.powf(*l)).sum();
    if total == 0 {
        frame
            .notes
            .push("No pairs (all counts are zero): only the binomial ideal is drawn.".to_string());
    } else {
        frame.notes.push(format!(
            "{} of {} pairs ({}) at distance ≤ {threshold}; Binomial ideal: {}.",
            group_thousands(below),
            group_thousands(total),
            format_share(below as f64 / total as f64),
            format_share(ideal_below.min(1.0)),
        ));
    }
    if counts.len() > bits as usize + 1 {
        frame.notes.push(format!(
            "Counts were given for distances up to {}, beyond the {bits}-bit hash length; they are drawn as given.",
            counts.len() - 1
        ));
    }
    if f64::from(threshold) + 0.5 >= x.hi {
        frame.notes.push(format!(
            "The threshold {threshold} is beyond the largest distance; every pair matches."
        ));
    }
    let zero_bins = counts.iter().take(max_d as usize + 1).filter(|&&c| c == 0).count()
        + (max_d as usize + 1).saturating_sub(counts.len());
    if log_y && total > 0 && zero_bins > 0 {
        frame.notes.push(format!(
            "{} with no observed pair not drawn on the log axis.",
            plural(zero_bins, "distance", "distances")
        ));
    }

    render(&frame, |chart| {
        if log_y {
            let dots =
                share.iter().enumerate().filter_map(|(d, s)| y.map(*s).map(|v| (d as f64, v)));
            chart.draw_series(dots.map(|p| Circle::new(p, 2, color(0).filled())))?;
            let line: Vec<(f64, f64)> = pmf
                .iter()
                .enumerate()
                .filter(|(_, l)| **l >= y.lo)
                .map(|(d, l)| (d as f64, *l))
                .collect();
            chart
                .draw_series(LineSeries::new(line, ShapeStyle::from(&color(1)).stroke_width(2)))?;
        } else {
            let bars = share.iter().enumerate().filter(|(_, s)| **s > 0.0).map(|(d, s)| {
                let d = d as f64;
                Rectangle::new([(d - 0.4, 0.0), (d + 0.4, *s)], color(0).mix(0.8).filled())
            });
            chart.draw_series(bars)?;
            let line: Vec<(f64, f64)> =
                pmf.iter().enumerate().map(|(d, l)| (d as f64, 10f64.powf(*l))).collect();
            chart
                .draw_series(LineSeries::new(line, ShapeStyle::from(&color(1)).stroke_width(2)))?;
        }
        threshold_marker(chart, &x, &y, threshold)
    })
}

/// Genuine (transformed copy vs its original) and impostor (distinct images) Hamming
/// distance distributions overlaid, each normalised to shares of its own pairs, with the
/// threshold marker. Bars are translucent so overlaps stay visible. The note states, for
/// each distribution, how many pairs fall at or below the threshold: for genuine pairs
/// that is the recall, for impostor pairs the false-positive rate.
pub fn genuine_impostor_overlay(
    title: &str,
    bits: u32,
    genuine: &[u64],
    impostor: &[u64],
    threshold: u32,
) -> String {
    let (gt, it) = (sum(genuine), sum(impostor));
    let (gs, is) = (shares(genuine, gt), shares(impostor, it));
    let max_d = bits.max(genuine.len().max(impostor.len()).saturating_sub(1) as u32).min(1 << 16);
    let x = distance_axis(max_d);
    let ymax = gs.iter().chain(&is).copied().fold(0.0, f64::max);
    let y = Axis::linear(0.0, if ymax > 0.0 { ymax } else { 1.0 }, 6, "share of pairs");

    let mut frame = Frame::new(title, x.clone(), y.clone());
    frame.entry(format!("genuine pairs (n = {})", group_thousands(gt)), color(0), Swatch::Box);
    frame.entry(format!("impostor pairs (n = {})", group_thousands(it)), color(1), Swatch::Box);
    frame.entry(format!("threshold: match if d ≤ {threshold}"), BLACK, Swatch::Dashed);
    let describe = |name: &str, counts: &[u64], total: u128, what: &str| {
        if total == 0 {
            format!("{name}: no pairs")
        } else {
            let k = at_or_below(counts, threshold);
            format!(
                "{name}: {} of {} at d ≤ {threshold} ({what} {})",
                group_thousands(k),
                group_thousands(total),
                format_share(k as f64 / total as f64)
            )
        }
    };
    frame.notes.push(format!(
        "{}; {}. Each distribution is normalised to its own pair count.",
        describe("Genuine", genuine, gt, "recall"),
        describe("impostor", impostor, it, "false-positive rate")
    ));
    if genuine.len().max(impostor.len()) > bits as usize + 1 {
        frame.notes.push(format!(
            "Some counts lie beyond the {bits}-bit hash length; they are drawn as given."
        ));
    }

    render(&frame, |chart| {
        for (i, s) in [(1usize, &is), (0usize, &gs)] {
            let bars = s.iter().enumerate().filter(|(_, v)| **v > 0.0).map(move |(d, v)| {
                let d = d as f64;
                Rectangle::new([(d - 0.45, 0.0), (d + 0.45, *v)], color(i).mix(0.55).filled())
            });
            chart.draw_series(bars)?;
        }
        threshold_marker(chart, &x, &y, threshold)
    })
}

/// Points of `s` mapped onto the axes, with counts of what was skipped.
struct Projected {
    points: Vec<(f64, f64)>,
    /// Finite points with x (or y) ≤ 0 on a log axis, split by axis; `x_zero` counts
    /// those with x exactly 0.
    x_nonpositive: usize,
    x_zero: usize,
    y_nonpositive: usize,
    /// NaN/infinite points.
    non_finite: usize,
    /// Finite points outside the axis range (e.g. a rate above 1).
    out_of_range: usize,
    /// Largest y among points skipped for x ≤ 0 (the recall reached at FPR = 0).
    best_y_at_x_zero: Option<f64>,
}

fn project(s: &Series, x: &Axis, y: &Axis) -> Projected {
    let mut p = Projected {
        points: Vec::new(),
        x_nonpositive: 0,
        x_zero: 0,
        y_nonpositive: 0,
        non_finite: 0,
        out_of_range: 0,
        best_y_at_x_zero: None,
    };
    let eps = 1e-9;
    for &(a, b) in &s.points {
        if !a.is_finite() || !b.is_finite() {
            p.non_finite += 1;
            continue;
        }
        match (x.map(a), y.map(b)) {
            (Some(u), Some(v)) => {
                if u < x.lo - eps || u > x.hi + eps || v < y.lo - eps || v > y.hi + eps {
                    p.out_of_range += 1;
                } else {
                    p.points.push((u, v));
                }
            }
            (None, _) => {
                p.x_nonpositive += 1;
                if a == 0.0 {
                    p.x_zero += 1;
                }
                if b.is_finite() {
                    p.best_y_at_x_zero = Some(p.best_y_at_x_zero.map_or(b, |m: f64| m.max(b)));
                }
            }
            (Some(_), None) => p.y_nonpositive += 1,
        }
    }
    p
}

/// Draw projected series (line, plus markers for short series) and add their notes.
fn draw_series_set(
    chart: &mut ChartContext<'_, SVGBackend<'_>, canvas::Coord>,
    projected: &[Projected],
) -> canvas::DrawResult {
    for (i, p) in projected.iter().enumerate() {
        let c = color(i);
        if p.points.len() > 1 {
            chart.draw_series(LineSeries::new(
                p.points.clone(),
                ShapeStyle::from(&c).stroke_width(2),
            ))?;
        }
        if p.points.len() <= MARKER_MAX_POINTS {
            chart.draw_series(p.points.iter().map(|&q| Circle::new(q, 3, c.filled())))?;
        }
    }
    Ok(())
}

/// Notes on what could not be drawn, one per series that lost points.
/// `report_best_y`: also state the highest y among points with x = 0 (the recall reached
/// at FPR = 0 on a ROC curve).
fn skipped_notes(
    series: &[Series],
    projected: &[Projected],
    (x_name, y_name): (&str, &str),
    (x_log, y_log): (bool, bool),
    report_best_y: bool,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (s, p) in series.iter().zip(projected) {
        let mut parts = Vec::new();
        if p.x_zero > 0 {
            let mut part = format!("{} with {x_name} = 0", plural(p.x_zero, "point", "points"));
            if let (Some(best), true) = (p.best_y_at_x_zero, report_best_y) {
                part.push_str(&format!(" (highest {y_name} among them: {})", format_share(best)));
            }
            parts.push(part);
        }
        if p.x_nonpositive > p.x_zero {
            parts.push(format!(
                "{} with {x_name} < 0",
                plural(p.x_nonpositive - p.x_zero, "point", "points")
            ));
        }
        if p.y_nonpositive > 0 {
            parts.push(format!("{} with {y_name} ≤ 0", plural(p.y_nonpositive, "point", "points")));
        }
        let log_note =
            if x_log && y_log { "not drawn on the log axes" } else { "not drawn on the log axis" };
        if !parts.is_empty() {
            let n = parts.len();
            parts[n - 1].push(' ');
            parts[n - 1].push_str(log_note);
        }
        if p.non_finite > 0 {
            parts.push(format!(
                "{} with NaN/infinite values skipped",
                plural(p.non_finite, "point", "points")
            ));
        }
        if p.out_of_range > 0 {
            parts.push(format!(
                "{} outside the axis range skipped",
                plural(p.out_of_range, "point", "points")
            ));
        }
        if !parts.is_empty() {
            notes.push(format!("{}: {}.", s.label, parts.join("; ")));
        }
    }
    notes
}

/// ROC curves, one per algorithm: x = false-positive rate on a log axis (whole decades
/// labelled, from the decade of the smallest positive FPR up to 1; `1e-8 … 1` when there
/// is no data), y = recall on a linear `0..1` axis. A dashed grey line shows chance
/// (recall = FPR).
///
/// Points with FPR = 0 cannot be drawn on the log axis: their number per series, and the
/// highest recall among them, are stated in a note, after the caller's `note`.
pub fn roc(title: &str, series: &[Series], note: &str) -> String {
    let x = Axis::log_for(
        series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|v| *v <= 1.0),
        (-8, 0),
        Some(0),
        "false-positive rate (log scale)",
    );
    let y = Axis::linear_exact(0.0, 1.0, 0.1, "recall (true-positive rate)");
    let projected: Vec<Projected> = series.iter().map(|s| project(s, &x, &y)).collect();
    let mut frame = Frame::new(title, x.clone(), y);
    for (i, s) in series.iter().enumerate() {
        frame.entry(s.label.as_str(), color(i), Swatch::Line);
    }
    frame.entry("chance (recall = FPR)", GREY, Swatch::Dashed);
    push_note(&mut frame, note, series.is_empty());
    frame.notes.extend(skipped_notes(series, &projected, ("FPR", "recall"), (true, false), true));
    render(&frame, |chart| {
        let steps = 64;
        let chance: Vec<(f64, f64)> = (0..=steps)
            .map(|i| x.lo + (x.hi - x.lo) * f64::from(i) / f64::from(steps))
            .map(|u| (u, 10f64.powf(u)))
            .collect();
        chart.draw_series(DashedLineSeries::new(
            chance,
            5,
            4,
            ShapeStyle::from(&GREY).stroke_width(1),
        ))?;
        draw_series_set(chart, &projected)
    })
}

fn push_note(frame: &mut Frame, note: &str, empty: bool) {
    if !note.trim().is_empty() {
        frame.notes.push(note.trim().to_string());
    }
    if empty {
        frame.notes.push("No data.".to_string());
    }
}

/// DET curves, one per algorithm: x = false-positive rate, y = false-negative rate, both
/// on log axes (whole decades, each from the decade of its smallest positive value up to
/// 1). Better detectors lie closer to the lower-left corner.
///
/// Points with FPR = 0 or FNR = 0 cannot be drawn on the log axes: their number per
/// series is stated in a note, after the caller's `note`.
pub fn det(title: &str, series: &[Series], note: &str) -> String {
    let x = Axis::log_for(
        series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|v| *v <= 1.0),
        (-8, 0),
        Some(0),
        "false-positive rate (log scale)",
    );
    let y = Axis::log_for(
        series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|v| *v <= 1.0),
        (-4, 0),
        Some(0),
        "false-negative rate (log scale)",
    );
    let projected: Vec<Projected> = series.iter().map(|s| project(s, &x, &y)).collect();
    let mut frame = Frame::new(title, x, y);
    for (i, s) in series.iter().enumerate() {
        frame.entry(s.label.as_str(), color(i), Swatch::Line);
    }
    push_note(&mut frame, note, series.is_empty());
    frame.notes.extend(skipped_notes(series, &projected, ("FPR", "FNR"), (true, true), false));
    render(&frame, |chart| draw_series_set(chart, &projected))
}

/// Grouped horizontal bars with interval whiskers: one row per category (in order of
/// first appearance, top to bottom), one bar per group within it (one colour per group,
/// in order of first appearance). The x axis is the full `0..1` range (never truncated);
/// each bar is labelled with its value. The chart grows taller with the number of bars.
///
/// Bars with a NaN/infinite value are skipped; values or interval ends outside `0..1` are
/// clamped for drawing; both are stated in a note.
pub fn bars_with_intervals(title: &str, x_label: &str, bars: &[Bar]) -> String {
    let mut categories: Vec<String> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for b in bars {
        if !categories.contains(&b.category) {
            categories.push(b.category.clone());
        }
        if !groups.contains(&b.group) {
            groups.push(b.group.clone());
        }
    }
    let shown: Vec<String> = categories
        .iter()
        .map(|c| {
            if c.chars().count() > 32 {
                format!("{}…", c.chars().take(31).collect::<String>())
            } else {
                c.clone()
            }
        })
        .collect();
    let n_cat = categories.len().max(1);
    let n_grp = groups.len().max(1);
    let row_px = (n_grp * 13 + 10) as u32;
    let height = (120 + n_cat as u32 * row_px).clamp(canvas::HEIGHT, 6000);
    let x = Axis::linear_exact(0.0, 1.0, 0.1, x_label);
    let y = Axis::categories(&shown, "");

    let mut frame = Frame::new(title, x, y);
    frame.height = height;
    frame.margin_right = 40;
    for (j, g) in groups.iter().enumerate() {
        frame.entry(g.as_str(), color(j), Swatch::Box);
    }
    frame.notes.push("Bars show the value; whiskers show the interval [lower, upper].".to_string());
    let non_finite = bars.iter().filter(|b| !b.value.is_finite()).count();
    let clamped = bars
        .iter()
        .filter(|b| b.value.is_finite())
        .filter(|b| [b.value, b.lower, b.upper].iter().any(|v| !(0.0..=1.0).contains(v)))
        .count();
    if non_finite > 0 {
        frame.notes.push(format!(
            "{} with a NaN/infinite value not drawn.",
            plural(non_finite, "bar", "bars")
        ));
    }
    if clamped > 0 {
        frame.notes.push(format!(
            "{} with values or interval ends outside 0..1 clamped to the axis.",
            plural(clamped, "bar", "bars")
        ));
    }
    if bars.is_empty() {
        frame.notes.push("No data.".to_string());
    }

    let band = 0.8 / n_grp as f64;
    let n = n_cat as f64;
    let label_values = band * f64::from(height.saturating_sub(120)) / n >= 9.0;
    render(&frame, |chart| {
        let font = ("sans-serif", 11.16).into_font().color(&BLACK);
        for (j, g) in groups.iter().enumerate() {
            let c = color(j);
            let mine: Vec<(f64, f64, f64, f64)> = bars
                .iter()
                .filter(|b| &b.group == g && b.value.is_finite())
                .filter_map(|b| {
                    let i = categories.iter().position(|c| c == &b.category)?;
                    let top = n - i as f64 - 0.1 - j as f64 * band;
                    let clamp = |v: f64| {
                        if v.is_finite() {
                            v.clamp(0.0, 1.0)
                        } else {
                            b.value.clamp(0.0, 1.0)
                        }
                    };
                    Some((top, clamp(b.value), clamp(b.lower), clamp(b.upper)))
                })
                .collect();
            chart.draw_series(mine.iter().map(|&(top, v, _, _)| {
                Rectangle::new([(0.0, top - band * 0.88), (v, top)], c.mix(0.75).filled())
            }))?;
            for &(top, v, lo, hi) in &mine {
                let yc = top - band * 0.44;
                let cap = band * 0.25;
                let whisker = ShapeStyle::from(&BLACK).stroke_width(1);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(lo, yc), (hi, yc)],
                    whisker,
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(lo, yc - cap), (lo, yc + cap)],
                    whisker,
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(hi, yc - cap), (hi, yc + cap)],
                    whisker,
                )))?;
                if label_values {
                    let text = Text::new(format!("{v:.3}"), (4, -6), font.clone());
                    chart.draw_series(std::iter::once(EmptyElement::at((hi.max(v), yc)) + text))?;
                }
            }
        }
        Ok(())
    })
}

/// A generic line chart, one series per curve (for example "false matches per day vs
/// threshold" or "BK-tree visited fraction vs radius"). Each axis is linear or log10;
/// a linear y axis always includes 0. Points that cannot be drawn (NaN/infinite, or ≤ 0
/// on a log axis) are skipped and counted in a note.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
    log_y: bool,
) -> String {
    let xs = || series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = || series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let x = if log_x {
        Axis::log_for(xs(), (0, 1), None, &format!("{x_label} (log scale)"))
    } else {
        let (lo, hi) = finite_range(xs()).unwrap_or((0.0, 1.0));
        Axis::linear(lo, hi, 8, x_label)
    };
    let y = if log_y {
        Axis::log_for(ys(), (0, 1), None, &format!("{y_label} (log scale)"))
    } else {
        let (lo, hi) = finite_range(ys()).unwrap_or((0.0, 1.0));
        Axis::linear(lo.min(0.0), hi.max(0.0), 6, y_label)
    };
    let projected: Vec<Projected> = series.iter().map(|s| project(s, &x, &y)).collect();
    let mut frame = Frame::new(title, x, y);
    for (i, s) in series.iter().enumerate() {
        frame.entry(s.label.as_str(), color(i), Swatch::Line);
    }
    push_note(&mut frame, "", series.iter().all(|s| s.points.is_empty()));
    frame.notes.extend(skipped_notes(
        series,
        &projected,
        (x_label, y_label),
        (log_x, log_y),
        false,
    ));
    render(&frame, |chart| draw_series_set(chart, &projected))
}
