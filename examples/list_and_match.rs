//! Build a PDQ hash list from one folder of benign images, then scan another folder against
//! it with the reference detector (threshold 31, quality gate 49).
//!
//! ```sh
//! cargo run --release --example list_and_match -- fixtures/corpus/gnome-backgrounds fixtures/corpus/sway-backgrounds
//! ```

use hashscope::corpus::collect_images;
use hashscope::detector::{Detector, DetectorConfig, Verdict};
use hashscope::{Algorithm, HashList, HasherConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let list_dir = args.next().unwrap_or_else(|| "fixtures/corpus/gnome-backgrounds".into());
    let scan_dir = args.next().unwrap_or_else(|| "fixtures/corpus/sway-backgrounds".into());

    // 1. The list: one entry per image, its file name as the id.
    let hasher = HasherConfig::default().algorithms(&[Algorithm::Pdq]).build();
    let mut list = HashList::new(Algorithm::Pdq);
    for f in collect_images(&[&list_dir])?.files {
        let hashes = hasher.hash_path(&f.path)?;
        let pdq = *hashes.get(Algorithm::Pdq).ok_or("no PDQ hash")?;
        list.push(pdq, Some(f.path.display().to_string()), None)?;
    }
    println!("list: {} PDQ hashes from {list_dir}", list.len());
    // The same list as a v1 list file: `list.write_path("list.txt")`.

    // 2. The detector and the scan.
    let detector = Detector::from_list(&list, DetectorConfig::for_algorithm(Algorithm::Pdq))?;
    let (mut matched, mut scanned) = (0, 0);
    for f in collect_images(&[&scan_dir])?.files {
        let scan = detector.scan_path(&f.path)?;
        scanned += 1;
        match &scan.verdict {
            Verdict::Match(m) => {
                matched += 1;
                println!(
                    "MATCH {} ~ {:?} at distance {}",
                    f.path.display(),
                    m[0].id,
                    m[0].distance
                );
            }
            Verdict::NotScannable(why) => println!("not scanned {}: {why}", f.path.display()),
            Verdict::NoMatch => {}
        }
    }
    println!("{matched} of {scanned} images from {scan_dir} matched the list");
    Ok(())
}
