//! `hashscope hash --resume -o FILE`: read what an earlier (possibly interrupted) run wrote,
//! repair a half-written last row, and tell which files need no hashing again.
//!
//! A file is *done* when the existing output has a row with its path (exactly as this run
//! prints it) and the same `size` (bytes) and `mtime` (seconds since the Unix epoch with
//! nanoseconds, `1732366000.123456789`) as the file has now. When a path has several rows,
//! the last one counts (a changed file is re-hashed and its new row appended after the old).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;
use std::time::UNIX_EPOCH;

use anyhow::{bail, Context};
use serde_json::Value;

use super::output::{header_line, Format};

/// What the stamp of a file is: its size in bytes and its modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time as `secs.nanos` since the Unix epoch (exact, so comparable as text).
    pub mtime: String,
}

impl Stamp {
    /// The stamp of the file at `path` now, or `None` when it cannot be read.
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let mtime = meta.modified().ok()?;
        let mtime = match mtime.duration_since(UNIX_EPOCH) {
            Ok(d) => format!("{}.{:09}", d.as_secs(), d.subsec_nanos()),
            // Before 1970: negative seconds, still exact and unique.
            Err(e) => {
                let d = e.duration();
                format!("-{}.{:09}", d.as_secs(), d.subsec_nanos())
            }
        };
        Some(Stamp { size: meta.len(), mtime })
    }
}

/// One earlier row, as far as resuming cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoneRow {
    /// The file's stamp when it was hashed (`None` if the row has no size/mtime).
    pub stamp: Option<Stamp>,
    /// Whether the row is an error row.
    pub failed: bool,
}

/// The state of an existing output file.
#[derive(Debug, Default)]
pub struct Previous {
    /// Whether the file holds a complete header (TSV/CSV) or at least one row (JSON): rows
    /// can be appended. Otherwise the caller starts the file afresh.
    pub appendable: bool,
    /// The last row of each path.
    pub rows: HashMap<String, DoneRow>,
    /// Complete rows read (all of them, including superseded ones).
    pub row_count: usize,
    /// Bytes of a half-written last row that were cut off.
    pub repaired_bytes: u64,
}

impl Previous {
    /// Whether `path` with `stamp` was already hashed; `Some(failed)` if so.
    pub fn done(&self, path: &str, stamp: Option<&Stamp>) -> Option<bool> {
        let row = self.rows.get(path)?;
        match (&row.stamp, stamp) {
            (Some(a), Some(b)) if a == b => Some(row.failed),
            _ => None,
        }
    }
}

/// Reads the output file at `path` written by `hashscope hash` with `format` and `columns`.
/// A missing or empty file is not an error (nothing is done yet). A last line without its
/// line ending (a row cut off by a crash or a kill) is removed from the file. A header (or,
/// for JSON lines, a row) whose columns differ from `columns` is an error: resuming would
/// mix tables.
pub fn load(path: &Path, format: Format, columns: &[&str]) -> anyhow::Result<Previous> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Previous::default()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).with_context(|| format!("cannot read {}", path.display()))?;
    drop(file);

    // Cut a half-written last line (a row always ends with '\n').
    let complete = complete_prefix(&bytes, format);
    let mut prev = Previous::default();
    if complete < bytes.len() {
        prev.repaired_bytes = (bytes.len() - complete) as u64;
        let f = OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot repair {}", path.display()))?;
        f.set_len(complete as u64)
            .with_context(|| format!("cannot truncate {} to its last full row", path.display()))?;
        f.sync_all().with_context(|| format!("cannot sync {}", path.display()))?;
        bytes.truncate(complete);
    }
    let text = String::from_utf8(bytes).with_context(|| {
        format!("{} is not UTF-8: not an output of hashscope hash", path.display())
    })?;
    if text.is_empty() {
        return Ok(prev);
    }
    let records: Vec<(usize, HashMap<String, String>)> = match format {
        Format::Json => read_json(&text, columns, path)?,
        Format::Tsv | Format::Csv => read_delimited(&text, format, columns, path)?,
    };
    prev.appendable = true;
    for (_, rec) in records {
        let get = |k: &str| rec.get(k).map(String::as_str).unwrap_or("");
        let stamp = match (get("size").parse::<u64>(), get("mtime")) {
            (Ok(size), m) if !m.is_empty() => Some(Stamp { size, mtime: m.to_string() }),
            _ => None,
        };
        let failed = !get("error").is_empty();
        prev.row_count += 1;
        prev.rows.insert(get("path").to_string(), DoneRow { stamp, failed });
    }
    Ok(prev)
}

/// The length of the longest prefix of `bytes` that ends at a row boundary.
fn complete_prefix(bytes: &[u8], format: Format) -> usize {
    match format {
        // A CSV cell may hold a quoted line break: the boundary is the last '\n' outside quotes.
        Format::Csv => {
            let mut in_quotes = false;
            let mut last = 0;
            for (i, &b) in bytes.iter().enumerate() {
                match b {
                    b'"' => in_quotes = !in_quotes,
                    b'\n' if !in_quotes => last = i + 1,
                    _ => {}
                }
            }
            last
        }
        Format::Tsv | Format::Json => bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1),
    }
}

type Records = Vec<(usize, HashMap<String, String>)>;

fn read_json(text: &str, columns: &[&str], path: &Path) -> anyhow::Result<Records> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a JSON row", path.display(), i + 1))?;
        let Value::Object(m) = v else {
            bail!("{}:{}: not a JSON object", path.display(), i + 1);
        };
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        let mut want: Vec<&str> = columns.to_vec();
        want.sort_unstable();
        let mut have = keys.clone();
        have.sort_unstable();
        if have != want {
            bail!(
                "{}:{}: cannot resume: the rows have columns {:?}, this run writes {:?} \
                 (same --algo and --format needed)",
                path.display(),
                i + 1,
                keys,
                columns
            );
        }
        let rec = m
            .into_iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::Null => String::new(),
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, s)
            })
            .collect();
        out.push((i + 1, rec));
    }
    Ok(out)
}

fn read_delimited(
    text: &str,
    format: Format,
    columns: &[&str],
    path: &Path,
) -> anyhow::Result<Records> {
    let header = header_line(format, columns);
    let Some(body) = text.strip_prefix(header.as_str()) else {
        let first = text.lines().next().unwrap_or("");
        bail!(
            "{}: cannot resume: its header is {:?}, this run writes {:?} \
             (same --algo and --format needed)",
            path.display(),
            first,
            header.trim_end()
        );
    };
    let rows: Vec<Vec<String>> = match format {
        Format::Csv => parse_csv(body),
        _ => body.lines().map(|l| l.split('\t').map(str::to_string).collect()).collect(),
    };
    let mut out = Vec::new();
    for (i, cells) in rows.into_iter().enumerate() {
        if cells.len() != columns.len() {
            bail!(
                "{}: row {}: {} cells, the header has {}: not resumable",
                path.display(),
                i + 1,
                cells.len(),
                columns.len()
            );
        }
        out.push((i + 2, columns.iter().map(|c| c.to_string()).zip(cells).collect()));
    }
    Ok(out)
}

/// RFC 4180 records (as written by `output::csv_cell`): quoted cells may hold commas,
/// doubled quotes and line breaks. `text` ends at a record boundary.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cell.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                cell.push(c);
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            ',' => record.push(std::mem::take(&mut cell)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
                any = false;
            }
            _ => cell.push(c),
        }
    }
    if any {
        record.push(cell);
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip_with_quotes_and_newlines() {
        let recs = parse_csv("a,\"b,c\",\"d\"\"e\"\n\"x\ny\",,z\n");
        assert_eq!(recs, vec![vec!["a", "b,c", "d\"e"], vec!["x\ny", "", "z"]]);
    }

    #[test]
    fn complete_prefix_cuts_half_rows() {
        assert_eq!(complete_prefix(b"h\nrow1\nro", Format::Tsv), 7);
        assert_eq!(complete_prefix(b"h\nrow1\n", Format::Tsv), 7);
        assert_eq!(complete_prefix(b"partial", Format::Json), 0);
        assert_eq!(complete_prefix(b"h\n\"a\nb\",1\n\"c\nd", Format::Csv), 10);
    }
}
