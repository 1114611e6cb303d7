//! Hash every image in a folder with PDQ and pHash, in parallel, and print a TSV.
//!
//! ```sh
//! cargo run --release --example hash_folder -- fixtures/lossless
//! ```

use hashscope::corpus::collect_images;
use hashscope::{Algorithm, HasherConfig};
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "fixtures/lossless".into());
    let files = collect_images(&[&dir])?.files;
    let hasher = HasherConfig::default().algorithms(&[Algorithm::Pdq, Algorithm::PHash]).build();
    // Results come back in file order whatever the thread scheduling.
    let rows: Vec<String> = files
        .par_iter()
        .map(|f| match hasher.hash_path(&f.path) {
            Ok(h) => {
                let get = |a| h.get(a).map(|x| x.to_string()).unwrap_or_default();
                format!(
                    "{}\t{}\t{:?}\t{}",
                    f.path.display(),
                    get(Algorithm::Pdq),
                    h.pdq_quality,
                    get(Algorithm::PHash)
                )
            }
            // A bad file is reported and the run goes on.
            Err(e) => format!("{}\terror: {e}", f.path.display()),
        })
        .collect();
    println!("path\tpdq\tpdq_quality\tphash");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
