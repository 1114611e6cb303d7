//! The Dutch summary's key figures ("Samenvatting"), in Dutch, from the fixture report.

use std::fmt::Write;

use crate::report::ReportResults;
use crate::stats::Rate;

use super::GeneratedFile;

/// A rate in Dutch, from its English form (which rounds bounds outward): "k of n = p (95 % CI
/// l to u)" becomes "k van n = p (95%-BI l tot u)", with decimal commas and no thousands
/// separators.
fn nl(rate: Option<Rate>) -> String {
    let Some(r) = rate else { return "n.v.t.".into() };
    let words = r
        .to_string()
        .replace(" of ", " van ")
        .replace(" % CI upper", "%-bovengrens")
        .replace(" % CI ", "%-BI ")
        .replace(" to ", " tot ");
    // Between digits: thousands separators go, the decimal point becomes a comma.
    let chars: Vec<char> = words.chars().collect();
    let between_digits = |i: usize| {
        i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_ascii_digit()
            && chars[i + 1].is_ascii_digit()
    };
    let mut out = String::with_capacity(words.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            ',' if between_digits(i) => {}
            '.' if between_digits(i) => out.push(','),
            _ => out.push(c),
        }
    }
    out
}

pub(super) fn files(res: &ReportResults) -> Vec<GeneratedFile> {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "| algoritme | drempel (bits) | onschuldige afbeeldingen met een treffer (per afbeelding) | nog herkend na JPEG-kwaliteit 50 | nog herkend na 10% bijsnijden |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    for a in &res.algorithms {
        let _ = writeln!(
            md,
            "| {} | ≤ {} van {} | {} | {} | {} |",
            a.algorithm,
            a.threshold,
            a.bits,
            nl(a.probe_vs_list.per_image),
            nl(a.recall("jpeg50")),
            nl(a.recall("crop10"))
        );
    }
    vec![GeneratedFile::text("samenvatting/kerncijfers.md", md)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_in_dutch_with_outward_bounds() {
        let zero = Rate::clopper_pearson(0, 733).unwrap();
        assert_eq!(nl(Some(zero)), "0 van 733 (< 5,1e-3, 95%-bovengrens)");
        let some = Rate::clopper_pearson(3, 1035).unwrap();
        assert_eq!(nl(Some(some)), "3 van 1035 = 2,9e-3 (95%-BI 5,9e-4 tot 8,5e-3)");
    }
}
