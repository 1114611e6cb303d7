//! The false-positive rate of pHash between two unrelated folders of benign images, with its
//! exact 95 % Clopper–Pearson interval — an upper bound when nothing matched.
//!
//! ```sh
//! cargo run --release --example fpr_interval -- fixtures/corpus/endless-sky-data fixtures/corpus/gnome-backgrounds
//! ```

use hashscope::corpus::collect_images;
use hashscope::{Algorithm, Bits64, HashBits, HasherConfig, ImpostorHistogram, Rate};

fn phashes(dir: &str) -> Result<Vec<Bits64>, Box<dyn std::error::Error>> {
    let hasher = HasherConfig::default().algorithms(&[Algorithm::PHash]).build();
    let mut out = Vec::new();
    for f in collect_images(&[dir])?.files {
        let h = hasher.hash_path(&f.path)?;
        out.push(h.get(Algorithm::PHash).ok_or("no pHash")?.as_bits64().ok_or("not 64-bit")?);
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let probes =
        phashes(&args.next().unwrap_or_else(|| "fixtures/corpus/endless-sky-data".into()))?;
    let list = phashes(&args.next().unwrap_or_else(|| "fixtures/corpus/gnome-backgrounds".into()))?;
    // Every probe against every list entry, counted exactly.
    let null = ImpostorHistogram::cross(&probes, &list);
    let threshold = 10;
    println!("per pair:  {}", null.fpr_at(threshold)?);
    // Per image: probes with at least one list entry within the threshold.
    let matched =
        probes.iter().filter(|p| list.iter().any(|l| p.distance(l) <= threshold)).count() as u64;
    println!("per image: {}", Rate::clopper_pearson(matched, probes.len() as u64)?);
    Ok(())
}
