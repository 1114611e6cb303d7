//! Shared helpers for the integration tests: fixture paths and the golden-TSV reader.
//!
//! Golden data lives in `fixtures/golden/*.tsv` (see `fixtures/README.md` for provenance);
//! every golden test reads it through [`golden`] so there is one harness and one format.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Absolute path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

/// One row of a golden TSV: column name → value. `row["file"]` is relative to `fixtures/`.
pub type Row = BTreeMap<String, String>;

/// Reads `fixtures/golden/<name>` (tab-separated, first line = column names).
pub fn golden(name: &str) -> Vec<Row> {
    let path = fixture(&format!("golden/{name}"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> =
        lines.next().expect("golden file has a header").split('\t').map(str::to_string).collect();
    lines
        .enumerate()
        .map(|(i, l)| {
            let cells: Vec<&str> = l.split('\t').collect();
            assert_eq!(cells.len(), header.len(), "{name} line {}: wrong column count", i + 2);
            header.iter().cloned().zip(cells.iter().map(|c| c.to_string())).collect()
        })
        .collect()
}

/// Summary of distances between our hashes and a reference: identical share, mean, max.
#[derive(Debug, Default, Clone)]
pub struct Agreement {
    pub distances: Vec<u32>,
}

impl Agreement {
    pub fn push(&mut self, d: u32) {
        self.distances.push(d);
    }
    pub fn n(&self) -> usize {
        self.distances.len()
    }
    pub fn identical_share(&self) -> f64 {
        self.distances.iter().filter(|&&d| d == 0).count() as f64 / self.n().max(1) as f64
    }
    pub fn mean(&self) -> f64 {
        self.distances.iter().map(|&d| d as f64).sum::<f64>() / self.n().max(1) as f64
    }
    pub fn max(&self) -> u32 {
        self.distances.iter().copied().max().unwrap_or(0)
    }
    pub fn median(&self) -> f64 {
        let mut v = self.distances.clone();
        v.sort_unstable();
        match v.len() {
            0 => 0.0,
            n if n % 2 == 1 => v[n / 2] as f64,
            n => (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0,
        }
    }
    /// One printable line: `label: n=…, identical …%, mean …, median …, max …`.
    pub fn summary(&self, label: &str) -> String {
        format!(
            "{label}: n={}, identical {:.1}%, mean {:.3}, median {}, max {}",
            self.n(),
            100.0 * self.identical_share(),
            self.mean(),
            self.median(),
            self.max()
        )
    }
}
