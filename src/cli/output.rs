//! Tabular output shared by the subcommands: TSV (default), CSV or JSON lines, to stdout or a
//! file, written row by row (so long runs keep what they did).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;
use serde_json::Value;

/// Output format of table-producing subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tab-separated values with a header line.
    Tsv,
    /// Comma-separated values (RFC 4180 quoting) with a header line.
    Csv,
    /// One JSON object per line.
    Json,
}

/// Writes rows of named cells in one of the [`Format`]s.
pub struct TableWriter {
    format: Format,
    columns: Vec<String>,
    out: Box<dyn Write>,
}

impl TableWriter {
    /// Opens `path` (or stdout when `None` or `-`) and writes the header.
    pub fn create(path: Option<&Path>, format: Format, columns: &[&str]) -> anyhow::Result<Self> {
        let out: Box<dyn Write> = match path {
            Some(p) if p != Path::new("-") => Box::new(BufWriter::new(
                File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
            )),
            _ => Box::new(BufWriter::new(std::io::stdout())),
        };
        let mut w =
            TableWriter { format, columns: columns.iter().map(|c| c.to_string()).collect(), out };
        match format {
            Format::Tsv => writeln!(w.out, "{}", columns.join("\t"))?,
            Format::Csv => {
                let cells: Vec<String> = columns.iter().map(|c| csv_cell(c)).collect();
                writeln!(w.out, "{}", cells.join(","))?
            }
            Format::Json => {}
        }
        Ok(w)
    }

    /// Writes one row; `cells` has one value per column (`Value::Null` for empty).
    pub fn row(&mut self, cells: &[Value]) -> anyhow::Result<()> {
        debug_assert_eq!(cells.len(), self.columns.len());
        match self.format {
            Format::Tsv => {
                let s: Vec<String> = cells.iter().map(|v| tsv_cell(&plain(v))).collect();
                writeln!(self.out, "{}", s.join("\t"))?;
            }
            Format::Csv => {
                let s: Vec<String> = cells.iter().map(|v| csv_cell(&plain(v))).collect();
                writeln!(self.out, "{}", s.join(","))?;
            }
            Format::Json => {
                let mut m = serde_json::Map::new();
                for (c, v) in self.columns.iter().zip(cells) {
                    m.insert(c.clone(), v.clone());
                }
                writeln!(self.out, "{}", Value::Object(m))?;
            }
        }
        Ok(())
    }

    /// Flushes buffered rows to the destination.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn tsv_cell(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped() {
        assert_eq!(tsv_cell("a\tb\nc"), "a b c");
        assert_eq!(csv_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(plain(&Value::Null), "");
        assert_eq!(plain(&Value::from(3)), "3");
    }
}
