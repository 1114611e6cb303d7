//! The common frame of every chart, drawn with plotters' SVG backend: title, axes with
//! our own ticks (see [`Axis`]), and a strip below the plot with the legend and notes, so
//! that neither ever covers data.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

use super::axis::Axis;

/// One linear `f64` axis for plotters with our own key points: `bold` (labelled ticks and
/// major grid lines) and `light` (minor grid lines). A log axis is linear in log10 space.
#[derive(Debug, Clone)]
pub(crate) struct Ticks {
    lo: f64,
    hi: f64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ticks {
    fn of(axis: &Axis) -> Ticks {
        Ticks { lo: axis.lo, hi: axis.hi, bold: axis.bold.clone(), light: axis.light.clone() }
    }
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if !(span.is_finite() && span > 0.0 && value.is_finite()) {
            return (limit.0 + limit.1) / 2;
        }
        let t = ((value - self.lo) / span).clamp(-1.0, 2.0);
        let px = f64::from(limit.0) + f64::from(limit.1 - limit.0) * t;
        px.round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// The coordinate system of every chart.
pub(crate) type Coord = Cartesian2d<Ticks, Ticks>;

/// Result of drawing; plotters' errors (which the SVG backend writing into a `String` does
/// not produce in practice) are boxed and turned into a fallback SVG.
pub(crate) type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// Default width of every chart, in SVG user units (pixels).
pub(crate) const WIDTH: u32 = 640;
/// Default height of every chart.
pub(crate) const HEIGHT: u32 = 400;

/// Okabe–Ito colour-blind-safe palette, reordered so that the first colours are the most
/// distinct on white (yellow, which is faint on white, comes last but one).
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xF0, 0xE4, 0x42), // yellow
    RGBColor(0x00, 0x00, 0x00), // black
];

/// Colour of series number `i` (cycling after 8).
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Grey used for reference lines (chance, threshold) and notes.
pub(crate) const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);

const FONT: &str = "sans-serif";
/// plotters writes `font-size = size / 1.24`; 12.4 gives 10 px tick labels.
const TICK_SIZE: f64 = 12.4;
const DESC_SIZE: f64 = 13.64; // 11 px
const TITLE_SIZE: f64 = 17.36; // 14 px
const STRIP_SIZE: f64 = 12.4; // 10 px
/// Estimated advance of one character at 10 px sans-serif (generous, to avoid overlaps).
const CHAR_W: f64 = 5.8;
const LINE_H: i32 = 14;

/// How a legend entry's swatch is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swatch {
    /// A solid line.
    Line,
    /// A dashed line.
    Dashed,
    /// A filled box (bars).
    Box,
    /// A single dot (markers only).
    Dot,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub color: RGBColor,
    pub swatch: Swatch,
}

/// Everything a chart needs besides its data.
pub(crate) struct Frame {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    pub legend: Vec<LegendEntry>,
    pub notes: Vec<String>,
    pub height: u32,
    /// Extra room right of the plot (for value labels).
    pub margin_right: u32,
    /// Width of the y tick-label area; `None` estimates it from the labels.
    pub y_label_width: Option<u32>,
}

impl Frame {
    /// A 640 × 400 frame with no legend or notes.
    pub fn new(title: &str, x: Axis, y: Axis) -> Frame {
        Frame {
            title: title.to_string(),
            x,
            y,
            legend: Vec::new(),
            notes: Vec::new(),
            height: HEIGHT,
            margin_right: 18,
            y_label_width: None,
        }
    }

    /// Add a legend entry.
    pub fn entry(&mut self, label: impl Into<String>, color: RGBColor, swatch: Swatch) {
        self.legend.push(LegendEntry { label: label.into(), color, swatch });
    }
}

/// Estimated width in pixels of `text` at the strip/tick font size.
pub(crate) fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_W
}

/// Greedy word wrap to lines of at most `max` characters (longer words stay whole).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// Lay legend entries out in rows: `(row, x offset)` per entry, and the number of rows.
fn legend_layout(entries: &[LegendEntry], width: f64) -> (Vec<(i32, i32)>, i32) {
    let mut pos = Vec::with_capacity(entries.len());
    let (mut row, mut x) = (0i32, 0.0f64);
    for e in entries {
        let w = 26.0 + text_width(&e.label) + 14.0;
        if x > 0.0 && x + w > width {
            row += 1;
            x = 0.0;
        }
        pos.push((row, x.round() as i32));
        x += w;
    }
    (pos, if entries.is_empty() { 0 } else { row + 1 })
}

/// Draw a chart: the frame, then `draw` for the data. Never panics on data; if plotters
/// reports an error, a small SVG stating it is returned instead.
pub(crate) fn render(
    frame: &Frame,
    draw: impl FnOnce(&mut ChartContext<'_, SVGBackend<'_>, Coord>) -> DrawResult,
) -> String {
    let mut out = String::new();
    match render_into(&mut out, frame, draw) {
        Ok(()) => finish(out, &frame.title),
        Err(e) => fallback(&frame.title, &e.to_string(), frame.height),
    }
}

fn render_into(
    out: &mut String,
    frame: &Frame,
    draw: impl FnOnce(&mut ChartContext<'_, SVGBackend<'_>, Coord>) -> DrawResult,
) -> DrawResult {
    let height = frame.height.max(200);
    let root = SVGBackend::with_string(out, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;

    let usable = f64::from(WIDTH) - 20.0;
    let (legend_pos, legend_rows) = legend_layout(&frame.legend, usable);
    let note_lines: Vec<String> =
        frame.notes.iter().flat_map(|n| wrap(n, (usable / CHAR_W) as usize)).collect();
    let strip_rows = legend_rows + note_lines.len() as i32;
    let strip_h = if strip_rows == 0 { 0 } else { strip_rows * LINE_H + 6 };
    let plot_h = (height as i32 - strip_h).max(120);
    let (top, bottom) = root.split_vertically(plot_h);

    let y_label_width = frame.y_label_width.unwrap_or_else(|| {
        let widest =
            frame.y.bold.iter().map(|v| text_width(&frame.y.format(*v))).fold(0.0, f64::max);
        (widest + 34.0).clamp(40.0, 260.0) as u32
    });

    let x_coord = Ticks::of(&frame.x);
    let y_coord = Ticks::of(&frame.y);
    let mut chart = ChartBuilder::on(&top)
        .caption(&frame.title, (FONT, TITLE_SIZE))
        .margin_top(6)
        .margin_left(8)
        .margin_bottom(4)
        .margin_right(frame.margin_right)
        .x_label_area_size(36)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(x_coord, y_coord)?;

    let fx = |v: &f64| frame.x.format(*v);
    let fy = |v: &f64| frame.y.format(*v);
    chart
        .configure_mesh()
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_desc(frame.x.desc.as_str())
        .y_desc(frame.y.desc.as_str())
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .axis_style(BLACK.mix(0.6))
        .draw()?;

    draw(&mut chart)?;

    // Legend and notes below the plot.
    let strip_font = (FONT, STRIP_SIZE).into_font();
    for (e, (row, x)) in frame.legend.iter().zip(&legend_pos) {
        let y = row * LINE_H + 9;
        let x = x + 10;
        let swatch_style = ShapeStyle::from(&e.color).stroke_width(2);
        match e.swatch {
            Swatch::Line => {
                bottom.draw(&PathElement::new(vec![(x, y), (x + 20, y)], swatch_style))?
            }
            Swatch::Dashed => {
                bottom.draw(&PathElement::new(vec![(x, y), (x + 6, y)], swatch_style))?;
                bottom.draw(&PathElement::new(vec![(x + 10, y), (x + 16, y)], swatch_style))?;
            }
            Swatch::Box => bottom.draw(&Rectangle::new(
                [(x + 4, y - 5), (x + 16, y + 5)],
                e.color.mix(0.75).filled(),
            ))?,
            Swatch::Dot => bottom.draw(&Circle::new((x + 10, y), 3, e.color.filled()))?,
        }
        bottom.draw(&Text::new(e.label.as_str(), (x + 26, y - 6), strip_font.clone()))?;
    }
    let note_font = strip_font.color(&GREY);
    for (i, line) in note_lines.iter().enumerate() {
        let y = (legend_rows + i as i32) * LINE_H + 3;
        bottom.draw(&Text::new(line.as_str(), (10, y), note_font.clone()))?;
    }
    root.present()?;
    Ok(())
}

/// Escape text for XML character data and attribute values.
pub(crate) fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Round every `font-size="…"` to one decimal (plotters writes `size / 1.24` in full
/// precision, e.g. `10.483870967741936`).
fn round_font_sizes(svg: &str) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(KEY) {
        let (head, tail) = rest.split_at(i + KEY.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        match tail[..end].parse::<f64>() {
            Ok(v) if v.is_finite() => out.push_str(&format!("{v:.1}")),
            _ => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Add `role="img"` and a `<title>` (for screen readers and hover) after the opening tag.
fn finish(svg: String, title: &str) -> String {
    let svg = round_font_sizes(&svg);
    match svg.find('>') {
        Some(end) if svg.starts_with("<svg") => {
            let mut out = String::with_capacity(svg.len() + title.len() + 40);
            out.push_str(&svg[..end]);
            out.push_str(" role=\"img\">\n<title>");
            out.push_str(&escape_xml(title));
            out.push_str("</title>");
            out.push_str(&svg[end + 1..]);
            out
        }
        _ => svg,
    }
}

/// A minimal SVG stating that the chart could not be drawn.
fn fallback(title: &str, error: &str, height: u32) -> String {
    format!(
        "<svg width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n<title>{t}</title>\n<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#FFFFFF\"/>\n<text x=\"10\" y=\"24\" font-family=\"sans-serif\" font-size=\"14\">{t}</text>\n<text x=\"10\" y=\"48\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#555555\">chart could not be drawn: {e}</text>\n</svg>\n",
        t = escape_xml(title),
        e = escape_xml(error),
    )
}
