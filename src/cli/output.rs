//! Tabular output shared by the subcommands: TSV (default), CSV or JSON lines, to stdout or a
//! file, written row by row (so long runs keep what they did).
//!
//! Rows are formatted into a buffer of whole rows and handed to the destination only in
//! whole rows ([`TableWriter::flush`], or when the buffer passes 1 MiB), so a process that
//! stops between writes never leaves half a row behind.

use std::fs::{File, OpenOptions};
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
    /// Complete rows not yet handed to `out`.
    pending: Vec<u8>,
}

/// Pending rows are written out once they exceed this many bytes (at a row boundary).
const PENDING_LIMIT: usize = 1 << 20;

impl TableWriter {
    /// Opens `path` (or stdout when `None` or `-`) and writes the header.
    pub fn create(path: Option<&Path>, format: Format, columns: &[&str]) -> anyhow::Result<Self> {
        let out: Box<dyn Write> = match path {
            Some(p) if p != Path::new("-") => Box::new(BufWriter::new(
                File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
            )),
            _ => Box::new(BufWriter::new(std::io::stdout())),
        };
        let mut w = TableWriter {
            format,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            out,
            pending: Vec::new(),
        };
        w.pending.extend_from_slice(header_line(format, columns).as_bytes());
        Ok(w)
    }

    /// Opens the existing file `path` for appending rows with `columns`; writes no header
    /// (the caller has checked that the file's header is `header_line(format, columns)`).
    pub fn append(path: &Path, format: Format, columns: &[&str]) -> anyhow::Result<Self> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open {} for appending", path.display()))?;
        Ok(TableWriter {
            format,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            out: Box::new(BufWriter::new(file)),
            pending: Vec::new(),
        })
    }

    /// Writes one row; `cells` has one value per column (`Value::Null` for empty).
    pub fn row(&mut self, cells: &[Value]) -> anyhow::Result<()> {
        debug_assert_eq!(cells.len(), self.columns.len());
        let line = match self.format {
            Format::Tsv => {
                let s: Vec<String> = cells.iter().map(|v| tsv_cell(&plain(v))).collect();
                s.join("\t")
            }
            Format::Csv => {
                let s: Vec<String> = cells.iter().map(|v| csv_cell(&plain(v))).collect();
                s.join(",")
            }
            Format::Json => {
                let mut m = serde_json::Map::new();
                for (c, v) in self.columns.iter().zip(cells) {
                    m.insert(c.clone(), v.clone());
                }
                Value::Object(m).to_string()
            }
        };
        self.pending.extend_from_slice(line.as_bytes());
        self.pending.push(b'\n');
        if self.pending.len() > PENDING_LIMIT {
            self.write_pending()?;
        }
        Ok(())
    }

    fn write_pending(&mut self) -> anyhow::Result<()> {
        self.out.write_all(&self.pending)?;
        self.pending.clear();
        Ok(())
    }

    /// Writes every complete row so far to the destination and flushes it.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.write_pending()?;
        self.out.flush()?;
        Ok(())
    }
}

/// The header line of `format` for `columns`, with its line ending (empty for JSON lines).
pub fn header_line(format: Format, columns: &[&str]) -> String {
    match format {
        Format::Tsv => format!("{}\n", columns.join("\t")),
        Format::Csv => {
            let cells: Vec<String> = columns.iter().map(|c| csv_cell(c)).collect();
            format!("{}\n", cells.join(","))
        }
        Format::Json => String::new(),
    }
}

impl Drop for TableWriter {
    /// Hands any complete rows still pending to the destination (errors are ignored here;
    /// callers that care call [`TableWriter::flush`]).
    fn drop(&mut self) {
        let _ = self.flush();
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
