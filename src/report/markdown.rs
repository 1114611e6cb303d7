//! The report as Markdown sections (shared by `report.md` and `report.html`).

use std::fmt::Write;

use crate::stats::{DependentRate, Rate};

use super::ReportResults;

/// One section of the report: an id (used by the HTML to attach plots) and its Markdown.
pub(crate) struct Section {
    pub id: &'static str,
    pub md: String,
}

pub(crate) fn r(rate: &Option<Rate>) -> String {
    rate.as_ref().map(|r| r.to_string()).unwrap_or_else(|| "n/a (no trials)".to_string())
}

/// A dependence-aware interval, or "n/a".
pub(crate) fn dr(rate: &Option<DependentRate>) -> String {
    rate.as_ref().map(|r| r.to_string()).unwrap_or_else(|| "n/a".to_string())
}

/// The full Markdown report.
pub fn render_markdown(res: &ReportResults) -> String {
    sections(res).into_iter().map(|s| s.md).collect::<Vec<_>>().join("\n")
}

pub(crate) fn sections(res: &ReportResults) -> Vec<Section> {
    let mut out = Vec::new();
    let c = &res.corpus;
    let mut md = String::new();
    let _ = writeln!(md, "# hashscope report\n");
    let _ = writeln!(
        md,
        "Corpus `{}`: **{} images** in {} collections; {} file(s) could not be hashed; {} non-image file(s) skipped. \
         hashscope {} (JPEG decoder: {}), seed {}, corpus manifest SHA-256 `{}`.\n",
        res.config.corpus_name,
        c.images,
        c.collections.len(),
        c.failures.len(),
        c.skipped_non_images,
        res.tool.version,
        res.tool.jpeg_decoder,
        res.config.seed,
        c.manifest_sha256
    );
    let _ = writeln!(
        md,
        "All images are benign. A \"false match\" is a pair of different images at or under the \
         threshold (distance ≤ t). Every rate is given with its count and an exact 95 % \
         Clopper–Pearson interval; when nothing was observed the upper bound is given, never 0.\n"
    );
    out.push(Section { id: "intro", md });

    // Headline.
    let mut md = String::new();
    let _ = writeln!(md, "## Headline\n");
    let _ = writeln!(
        md,
        "Per-image rate = share of probe images with at least one list entry within the threshold, \
         lists and probes drawn from different collections ({} seeded splits, mean list size {:.0}). \
         This is the figure a scanning volume can be multiplied by. Recall = share of altered copies \
         still matched.\n",
        res.config.splits,
        res.mean_list_size()
    );
    let _ = writeln!(
        md,
        "| algorithm | threshold | per-image FPR (probe vs list) | per-pair FPR, across collections | per-pair FPR, within collections | recall JPEG q50 | recall crop 10 % |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    for a in &res.algorithms {
        let rec = |name: &str| r(&a.recall(name));
        let _ = writeln!(
            md,
            "| {} | ≤ {} of {} | {} | {} | {} | {} | {} |",
            a.algorithm,
            a.threshold,
            a.bits,
            r(&a.probe_vs_list.per_image),
            r(&a.fpr_at_threshold.across),
            r(&a.fpr_at_threshold.within),
            rec("jpeg50"),
            rec("crop10"),
        );
    }
    let _ = writeln!(
        md,
        "\n**Pairs are not independent.** One image takes part in N−1 pairs, and a few look-alike \
         images (recoloured textures, burst shots) produce many matching pairs, so an interval over \
         pairs is narrower than the evidence warrants. Read the per-image figure and the spread over \
         splits next to it, and the dependence-aware intervals in the next two sections (images, \
         not pairs, as the independent units: an image jackknife turned into an effective number \
         of pairs; the design effect says how many pairs count as one).\n"
    );
    out.push(Section { id: "headline", md });

    // Null distributions.
    let mut md = String::new();
    let _ = writeln!(md, "## Null (impostor) distributions\n");
    let _ = writeln!(
        md,
        "Distances between different images, by stratum: pairs inside one collection, pairs across \
         collections, all pairs pooled. An ideal hash gives Binomial(bits, ½) distances.\n"
    );
    let _ = writeln!(
        md,
        "| algorithm | stratum | pairs | mean distance | FPR at threshold (pairs as independent) | dependence-aware 95 % interval (method) |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for a in &res.algorithms {
        for (name, h, rate) in [
            ("within", &a.null_within, &a.fpr_at_threshold.within),
            ("across", &a.null_across, &a.fpr_at_threshold.across),
            ("pooled", &a.null_pooled, &a.fpr_at_threshold.pooled),
        ] {
            let mean = if h.pairs == 0 {
                "n/a".to_string()
            } else {
                let s: f64 = h.counts.iter().enumerate().map(|(d, &c)| d as f64 * c as f64).sum();
                format!("{:.2}", s / h.pairs as f64)
            };
            let dep = if name == "across" { dr(&a.fpr_across_dependent) } else { "—".into() };
            let _ = writeln!(
                md,
                "| {} | {name} | {} | {mean} | {} | {dep} |",
                a.algorithm,
                h.pairs,
                r(rate)
            );
        }
    }
    if res.algorithms.iter().any(|a| a.excluded_pairs > 0) {
        let _ = writeln!(
            md,
            "\nConfirmed duplicates excluded (pairs, per algorithm): {}.",
            res.algorithms
                .iter()
                .map(|a| format!("{} {}", a.algorithm, a.excluded_pairs))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out.push(Section { id: "null", md });

    // Probe versus list.
    let mut md = String::new();
    let _ = writeln!(md, "## Probe versus list\n");
    let _ = writeln!(
        md,
        "Each split puts whole collections on the list side until it holds about {:.0} % of the \
         images; the other collections are probes.\n",
        100.0 * res.config.list_share
    );
    let _ = writeln!(
        md,
        "| algorithm | per-pair FPR (pairs as independent) | per-pair, dependence-aware 95 % interval (method) | per-image FPR | per-image spread over splits |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    for a in &res.algorithms {
        let p = &a.probe_vs_list;
        let spread = p
            .per_image_spread
            .map(|(lo, hi)| format!("{lo:.2e} – {hi:.2e}"))
            .unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {spread} |",
            a.algorithm,
            r(&p.per_pair),
            dr(&p.per_pair_dependent),
            r(&p.per_image)
        );
    }
    if let Some(a) = res.algorithms.first() {
        let _ = writeln!(md, "\n| split | list collections | list size | probes |");
        let _ = writeln!(md, "|---|---|---|---|");
        for s in &a.probe_vs_list.splits {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                s.index,
                s.list_collections.join(", "),
                s.list_size,
                s.probe_size
            );
        }
    }
    out.push(Section { id: "probe", md });

    // Duplicates.
    let mut md = String::new();
    let _ = writeln!(md, "## Suspected duplicates (pairs at or under the threshold)\n");
    let _ = writeln!(
        md,
        "Real corpora hold the same picture twice, or siblings from one template. Judge each \
         cluster (thumbnails in report.html) and pass confirmed duplicates to `--exclude-pairs` \
         (a `NAME<TAB>NAME` line per pair, or a cluster id).\n"
    );
    for a in &res.algorithms {
        let members: usize = a.clusters.iter().map(|c| c.members.len()).sum();
        let _ = writeln!(
            md,
            "- **{}**: {} pairs = {} clusters of {} images ({} pairs within a collection).",
            a.algorithm,
            a.close_pairs.len(),
            a.clusters.len(),
            members,
            a.close_pairs.iter().filter(|p| p.same_collection).count()
        );
    }
    let _ = writeln!(md);
    for a in &res.algorithms {
        if a.clusters.is_empty() {
            continue;
        }
        let _ = writeln!(md, "### {} clusters\n", a.algorithm);
        let _ = writeln!(md, "| cluster | images | pairs | members |");
        let _ = writeln!(md, "|---|---|---|---|");
        for cl in &a.clusters {
            let shown: Vec<&str> = cl.members.iter().take(8).map(String::as_str).collect();
            let more = if cl.members.len() > 8 {
                format!(" … (+{})", cl.members.len() - 8)
            } else {
                String::new()
            };
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {}{more} |",
                cl.id,
                cl.members.len(),
                cl.pairs,
                shown.join(", ")
            );
        }
        let _ = writeln!(md);
    }
    out.push(Section { id: "duplicates", md });

    // Robustness.
    let mut md = String::new();
    let _ = writeln!(md, "## Robustness\n");
    let _ = writeln!(
        md,
        "{} images (seeded sample) × {} transforms; recall at each algorithm's threshold.{}\n",
        res.robustness_images.len(),
        res.transforms.len(),
        if res.robustness_failures.is_empty() {
            String::new()
        } else {
            format!(
                " {} copies could not be made or hashed (listed at the end).",
                res.robustness_failures.len()
            )
        }
    );
    let _ = write!(md, "| transform |");
    for a in &res.algorithms {
        let _ = write!(md, " {} (≤ {}) |", a.algorithm, a.threshold);
    }
    let _ = writeln!(md);
    let _ = writeln!(md, "|---|{}", "---|".repeat(res.algorithms.len()));
    for (ti, name) in res.transforms.iter().enumerate() {
        let _ = write!(md, "| {name} |");
        for a in &res.algorithms {
            let t = &a.robustness[ti];
            let rec = t.recall.map(|x| format!("{:.1} %", 100.0 * x.point)).unwrap_or("n/a".into());
            let _ = write!(md, " {rec} (mean d {:.1}) |", t.mean_distance);
        }
        let _ = writeln!(md);
    }
    out.push(Section { id: "robustness", md });

    // Operating points.
    let mut md = String::new();
    let _ = writeln!(md, "## Operating points\n");
    let _ = writeln!(
        md,
        "The largest threshold whose 95 % upper bound on the across-collection per-pair FPR stays \
         at or below the target, and the recall it keeps.\n"
    );
    let _ = writeln!(md, "| algorithm | target FPR | threshold | measured FPR | recall JPEG q50 | recall crop 10 % |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for a in &res.algorithms {
        for op in &a.operating_points {
            match op.threshold {
                Some(t) => {
                    let rec = |n: &str| {
                        op.recall
                            .iter()
                            .find(|(x, _)| x == n)
                            .and_then(|(_, r)| r.map(|r| format!("{:.1} %", 100.0 * r.point)))
                            .unwrap_or("n/a".into())
                    };
                    let _ = writeln!(
                        md,
                        "| {} | {:.0e} | ≤ {t} | {} | {} | {} |",
                        a.algorithm,
                        op.target_fpr,
                        r(&op.fpr),
                        rec("jpeg50"),
                        rec("crop10")
                    );
                }
                None => {
                    let _ = writeln!(
                        md,
                        "| {} | {:.0e} | — | {} | | |",
                        a.algorithm,
                        op.target_fpr,
                        op.note.as_deref().unwrap_or("")
                    );
                }
            }
        }
    }
    out.push(Section { id: "operating", md });

    // Projection.
    let mut md = String::new();
    let pi = &res.config.projection;
    let _ = writeln!(md, "## From rates to people\n");
    let _ = writeln!(
        md,
        "Inputs (claims, with sources in docs/): {:.2e} images scanned per day; {:.2e} accounts × {} photos a day; \
         an account is flagged after k = {} matches in a year; bursts of {} near-identical photos in the correlated mode. \
         The projection multiplies the **per-image probe-versus-list rate** (the rate a scanner meets) by the volume, \
         carrying its 95 % interval through. Where nothing was observed, only the upper bound means anything: \
         it says how much the corpus can *rule out*, not what the rate is. \
         The per-image rate holds for a list of the measured size (a few hundred entries); a real list of L entries \
         raises it roughly as 1 − (1 − p_pair)^L.\n",
        pi.images_per_day, pi.accounts, pi.photos_per_account_per_day, pi.account_threshold, pi.burst
    );
    let _ = writeln!(md, "| algorithm | per-image FPR (point, 95 % upper) | false matches per day (point, upper) | falsely flagged accounts per year, independent photos (upper) | same, bursts (upper) |");
    let _ = writeln!(md, "|---|---|---|---|---|");
    for a in &res.algorithms {
        if let Some(p) = &a.projection {
            let _ = writeln!(
                md,
                "| {} | {:.2e}, ≤ {:.2e} | {:.3e}, ≤ {:.3e} | ≤ 10^{:.1} | ≤ 10^{:.1} |",
                a.algorithm,
                p.fpr.point,
                p.fpr.upper,
                p.false_matches_per_day.point,
                p.false_matches_per_day.upper,
                p.log10_flagged_accounts_independent.upper,
                p.log10_flagged_accounts_bursts.upper
            );
        }
    }
    let _ = writeln!(
        md,
        "\n**Longer lists.** Per-image rate for a list of L entries projected from the probe-vs-list per-pair rate \
         as 1 − (1 − p)^L (treats pairs as independent; point estimate and 95 % upper bound):\n"
    );
    let _ = write!(md, "| algorithm |");
    for l in super::projection::PROJECTED_LIST_SIZES {
        let _ = write!(md, " L = {l:.0e} |");
    }
    let _ = writeln!(md, "\n|---|{}", "---|".repeat(super::projection::PROJECTED_LIST_SIZES.len()));
    for a in &res.algorithms {
        if let Some(v) = a
            .probe_vs_list
            .per_pair
            .as_ref()
            .and_then(|r| super::projection::per_image_for_list_sizes(r).ok())
        {
            let _ = write!(md, "| {} |", a.algorithm);
            for (_, e) in v {
                let _ = write!(md, " {:.2e}, ≤ {:.2e} |", e.point, e.upper);
            }
            let _ = writeln!(md);
        }
    }
    if let Some(p) = res.algorithms.iter().find_map(|a| a.projection.as_ref()) {
        let _ = writeln!(
            md,
            "\n**The inverse.** At most {} false match(es) per year at this volume needs a per-image FPR ≤ {:.2e}; \
             showing that with 95 % confidence takes {} benign images with zero matches. \
             At most {} falsely flagged account(s) per year needs a per-image FPR ≤ {:.2e} with independent photos, \
             but ≤ {:.2e} when photos come in bursts of {}. This corpus has {} probe comparisons.\n",
            pi.max_false_per_year,
            p.fpr_needed_for_matches,
            p.images_needed_for_matches.map(|n| n.to_string()).unwrap_or_else(|| "n/a".into()),
            pi.max_false_per_year,
            p.fpr_needed_for_accounts,
            p.fpr_needed_for_accounts_bursts,
            pi.burst,
            res.algorithms.first().and_then(|a| a.probe_vs_list.per_image.map(|r| r.n)).unwrap_or(0)
        );
    }
    out.push(Section { id: "projection", md });

    // Quality gate and multiple comparisons.
    let mut md = String::new();
    if let Some(q) = res.algorithms.iter().find_map(|a| a.quality_gate.as_ref()) {
        let _ = writeln!(md, "## PDQ quality gate (quality ≤ {} not scanned)\n", q.gate);
        let _ = writeln!(md, "| figure | without gate | with gate |");
        let _ = writeln!(md, "|---|---|---|");
        let _ = writeln!(md, "| images discarded | | {} |", r(&q.discarded));
        let _ = writeln!(
            md,
            "| per-image FPR (probe vs list) | {} | {} |",
            r(&q.per_image_without),
            r(&q.per_image_with)
        );
        let _ = writeln!(
            md,
            "| recall, all transforms | {} | {} |\n",
            r(&q.recall_without),
            r(&q.recall_with)
        );
    }
    let _ = writeln!(md, "## Multiple comparisons\n");
    let _ = writeln!(
        md,
        "Every extra comparison is another chance for a false match: matching all 8 rotations and \
         flips, several algorithms, or several lists raises the per-image rate.\n"
    );
    let _ = writeln!(md, "| variant | per-image FPR (probe vs list) |");
    let _ = writeln!(md, "|---|---|");
    for m in &res.multiple_comparisons {
        let _ = writeln!(md, "| {} | {} |", m.variant, r(&m.per_image));
    }
    out.push(Section { id: "multiple", md });

    // Failures.
    let mut md = String::new();
    let _ = writeln!(md, "## Inputs that failed\n");
    if c.failures.is_empty() && res.robustness_failures.is_empty() {
        let _ = writeln!(md, "None: every file was decoded and hashed, every transform applied.");
    }
    for (f, e) in &c.failures {
        let _ = writeln!(md, "- `{f}`: {e}");
    }
    for (f, t, e) in &res.robustness_failures {
        let _ = writeln!(md, "- `{f}` under `{t}`: {e}");
    }
    out.push(Section { id: "failures", md });
    if let Some(d) = &res.adversarial {
        out.push(Section { id: "adversarial", md: adversarial_section(d) });
    }
    out
}

fn adversarial_section(d: &super::adversarial::Dilemma) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "## Under attack: the threshold dilemma\n");
    let _ = writeln!(
        md,
        "White-box evasion (the attacker holds the hash function) on {} images of the robustness \
         sample, aiming beyond a grid of distances; every distance is re-hashed from the written \
         file. For an attack budget (PSNR ≥ B dB: only copies at least that close to the original \
         count), the threshold a defender needs to catch every sampled copy, and what that \
         threshold costs on innocent images: the pair FPR across collections at it, the per-image \
         rate for a list of the report's size (1 − (1 − p)^L, pairs as independent), and false \
         matches per day at the report's volume. \"≥\" marks a budget at which some copy reached \
         the largest distance tried: the real need is higher still.\n",
        d.images.len()
    );
    let _ = writeln!(
        md,
        "| algorithm | budget | threshold needed | pair FPR at it (across) | per-image FPR | false matches per day |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for row in &d.rows {
        let est = |e: &Option<crate::eval::projection::Estimate>| {
            e.map(|e| format!("{:.2e} (≤ {:.2e})", e.point, e.upper))
                .unwrap_or_else(|| "n/a".into())
        };
        let _ = writeln!(
            md,
            "| {} | ≥ {:.0} dB | {}{} | {} | {} | {} |",
            row.algorithm,
            row.budget_db,
            if row.reached_max { "≥ " } else { "" },
            row.threshold_needed,
            r(&row.fpr_pair),
            est(&row.fpr_per_image),
            est(&row.false_matches_per_day)
        );
    }
    md
}
