//! The standalone HTML report: the Markdown sections rendered to HTML, with inline SVG plots
//! and thumbnails of suspected duplicates.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::plot;

use super::markdown::sections;
use super::thumbs::data_uri;
use super::ReportResults;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}\
th{background:#f3f3f3}code{background:#f6f6f6}.plots{display:flex;flex-wrap:wrap;gap:8px}\
.plots svg{max-width:100%;height:auto}.cluster{margin:0.5em 0;padding:0.3em;border:1px solid #ddd}\
.cluster figure{display:inline-block;margin:2px;text-align:center;font-size:0.7em;max-width:110px;word-break:break-all}";

/// Clusters shown with thumbnails per algorithm (the rest are listed in the tables).
const MAX_CLUSTERS_WITH_THUMBS: usize = 20;
/// Thumbnails shown per cluster (the full member list is in report.md and results.json).
const MAX_THUMBS_PER_CLUSTER: usize = 12;

/// Renders the full standalone HTML report.
pub fn render_html(res: &ReportResults) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hashscope report</title><style>{STYLE}</style></head><body>\n"
    );
    let paths: BTreeMap<String, PathBuf> = image_paths(res);
    for s in sections(res) {
        let mut body = String::new();
        let parser = pulldown_cmark::Parser::new_ext(&s.md, pulldown_cmark::Options::ENABLE_TABLES);
        pulldown_cmark::html::push_html(&mut body, parser);
        html.push_str(&body);
        let svgs: Vec<String> = section_plots(res, s.id).into_iter().map(|(_, svg)| svg).collect();
        if !svgs.is_empty() {
            html.push_str(&plots(svgs));
        }
        if s.id == "duplicates" {
            html.push_str(&cluster_thumbs(res, &paths));
        }
    }
    html.push_str("</body></html>\n");
    html
}

fn plots(svgs: Vec<String>) -> String {
    format!("<div class=\"plots\">{}</div>\n", svgs.join("\n"))
}

/// The SVG plots that belong to the report section `id`, each with a file-name stem
/// (`null-pdq`, `roc`, …).
pub(crate) fn section_plots(res: &ReportResults, id: &str) -> Vec<(String, String)> {
    match id {
        "null" => null_plots(res),
        "robustness" => vec![("robustness".into(), robustness_plot(res))],
        "operating" => roc_plots(res),
        "adversarial" => res
            .adversarial
            .as_ref()
            .map(|d| vec![("adversarial".to_string(), dilemma_plot(d))])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn null_plots(res: &ReportResults) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for a in &res.algorithms {
        let stem = a.algorithm.to_string();
        v.push((
            format!("null-{stem}"),
            plot::null_histogram(
                &format!(
                    "{}: distances between different images ({} pairs)",
                    a.algorithm, a.null_pooled.pairs
                ),
                a.bits,
                &a.null_pooled.counts,
                a.threshold,
                false,
            ),
        ));
        v.push((
            format!("null-tail-{stem}"),
            plot::null_histogram(
                &format!("{}: left tail, log scale", a.algorithm),
                a.bits,
                &a.null_pooled.counts,
                a.threshold,
                true,
            ),
        ));
        v.push((
            format!("genuine-impostor-{stem}"),
            plot::genuine_impostor_overlay(
                &format!("{}: altered copies vs different images", a.algorithm),
                a.bits,
                &a.genuine,
                &a.null_pooled.counts,
                a.threshold,
            ),
        ));
    }
    v
}

/// Per-image FPR (upper bound) at the threshold each attack budget forces, per algorithm.
fn dilemma_plot(d: &super::adversarial::Dilemma) -> String {
    let mut series: Vec<plot::Series> = Vec::new();
    for row in &d.rows {
        let label = row.algorithm.to_string();
        let point = row.fpr_per_image.map(|e| (row.budget_db, e.upper));
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.extend(point),
            None => series.push(plot::Series { label, points: point.into_iter().collect() }),
        }
    }
    plot::line_chart(
        "Threshold dilemma: FPR at the threshold that still catches attacked copies",
        "attack budget, PSNR (dB)",
        "per-image FPR, 95 % upper bound",
        &series,
        false,
        true,
    )
}

fn robustness_plot(res: &ReportResults) -> String {
    let mut bars = Vec::new();
    for a in &res.algorithms {
        for t in &a.robustness {
            if let Some(r) = t.recall {
                bars.push(plot::Bar {
                    category: t.transform.clone(),
                    group: a.algorithm.to_string(),
                    value: r.point,
                    lower: r.lower,
                    upper: r.upper,
                });
            }
        }
    }
    plot::bars_with_intervals("Recall at the threshold, per transform", "recall", &bars)
}

fn roc_plots(res: &ReportResults) -> Vec<(String, String)> {
    let roc: Vec<plot::Series> = res
        .algorithms
        .iter()
        .map(|a| plot::Series {
            label: a.algorithm.to_string(),
            points: a.roc.iter().map(|&(_, f, r)| (f, r)).collect(),
        })
        .collect();
    let det: Vec<plot::Series> = res
        .algorithms
        .iter()
        .map(|a| plot::Series {
            label: a.algorithm.to_string(),
            points: a.roc.iter().map(|&(_, f, r)| (f, 1.0 - r)).collect(),
        })
        .collect();
    let note = "FPR: across-collection pairs; recall: all transforms pooled. Thresholds with FPR = 0 cannot be drawn on a log axis.";
    vec![("roc".into(), plot::roc("ROC", &roc, note)), ("det".into(), plot::det("DET", &det, note))]
}

fn image_paths(res: &ReportResults) -> BTreeMap<String, PathBuf> {
    let root: &Path = &res.config.corpus;
    let mut m = BTreeMap::new();
    for a in &res.algorithms {
        for c in a.clusters.iter().take(MAX_CLUSTERS_WITH_THUMBS) {
            for name in c.members.iter().take(MAX_THUMBS_PER_CLUSTER) {
                m.entry(name.clone()).or_insert_with(|| root.join(name));
            }
        }
    }
    m
}

fn cluster_thumbs(res: &ReportResults, paths: &BTreeMap<String, PathBuf>) -> String {
    let mut thumbs: BTreeMap<&str, Option<String>> = BTreeMap::new();
    let mut html = String::new();
    for a in &res.algorithms {
        if a.clusters.is_empty() {
            continue;
        }
        let _ = writeln!(
            html,
            "<details><summary>{} clusters with thumbnails ({} of {})</summary>",
            a.algorithm,
            a.clusters.len().min(MAX_CLUSTERS_WITH_THUMBS),
            a.clusters.len()
        );
        for c in a.clusters.iter().take(MAX_CLUSTERS_WITH_THUMBS) {
            let _ = write!(html, "<div class=\"cluster\"><b><code>{}</code></b> ", escape(&c.id));
            for name in c.members.iter().take(MAX_THUMBS_PER_CLUSTER) {
                let uri = thumbs.entry(name.as_str()).or_insert_with(|| {
                    paths.get(name).and_then(|p| data_uri(p, 96, &res.config.limits))
                });
                match uri {
                    Some(u) => {
                        let _ = write!(html, "<figure><img src=\"{u}\" alt=\"{0}\"><figcaption>{0}</figcaption></figure>", escape(name));
                    }
                    None => {
                        let _ = write!(
                            html,
                            "<figure><figcaption>{}</figcaption></figure>",
                            escape(name)
                        );
                    }
                }
            }
            if c.members.len() > MAX_THUMBS_PER_CLUSTER {
                let _ = write!(html, " … and {} more", c.members.len() - MAX_THUMBS_PER_CLUSTER);
            }
            html.push_str("</div>\n");
        }
        html.push_str("</details>\n");
    }
    html
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
