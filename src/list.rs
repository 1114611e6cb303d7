//! Hash lists: the "known material" a scanner matches against, and their text format.
//!
//! A [`HashList`] is an [`Algorithm`] plus [`ListEntry`]s (a hash, an optional id, an
//! optional label, and the line it came from). The v1 text format, the importers for plain
//! one-hash-per-line files, the error rules and the duplicate report are specified in
//! `docs/src/list-format.md`; in short:
//!
//! ```text
//! # hashscope-list v1 algorithm=pdq bits=256
//! # comments and blank lines are allowed anywhere after the header
//! f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22<TAB>item-001<TAB>landscape
//! 0000000000000000000000000000000000000000000000000000000000000000<TAB>item-002
//! ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
//! ```
//!
//! ```
//! use hashscope::list::{HashList, ParseOptions};
//! let text = "# hashscope-list v1 algorithm=phash bits=64\ndcf0b127148f7a54\tcat\n";
//! let report = HashList::parse_str(text, &ParseOptions::default()).unwrap();
//! assert_eq!(report.list.len(), 1);
//! assert_eq!(report.list.entries()[0].id.as_deref(), Some("cat"));
//! assert_eq!(report.list.entries()[0].line, 2);
//! ```
//!
//! Reading never holds more than [`MAX_LINE_BYTES`] of one line in memory: a longer line (say a
//! 10 MB line of garbage) is consumed and reported as an error for that line.

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, ErrorKind, Result};
use crate::hash::{Algorithm, HashBits, ImageHash};

/// The longest line accepted, in bytes (excluding the line ending). A v1 entry is at most 64
/// hex digits plus an id and a label, so 4 KiB leaves ids and labels ~2 KiB each of room.
pub const MAX_LINE_BYTES: usize = 4096;

/// The start of a v1 header line.
pub const HEADER_PREFIX: &str = "# hashscope-list";

/// The format version this code reads and writes.
pub const FORMAT_VERSION: &str = "v1";

/// Which text format to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ListFormat {
    /// v1 if the first non-blank line is a `# hashscope-list` header, plain otherwise.
    #[default]
    Auto,
    /// The hashscope v1 format; a missing header is an error.
    V1,
    /// One hash per line, no header: Meta/ThreatExchange PDQ hex (optionally `hash,quality`
    /// or `hash,quality,filename` as `pdq-photo-hasher` prints it) or imagehash hex, with
    /// optional tab-separated id and label columns. The algorithm comes from
    /// [`ParseOptions::algorithm`]; without it, a first hash of 64 hex digits means PDQ.
    Plain,
}

/// How to read a list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParseOptions {
    /// Skip malformed entry lines, recording each in [`ListReport::skipped`], instead of
    /// failing on the first. Header errors are always fatal.
    pub skip_bad: bool,
    /// The algorithm of the hashes. Required for plain 64-bit lists (a 16-digit hex could be
    /// any of aHash, dHash, pHash, wHash); for v1 lists, if given, it must match the header.
    pub algorithm: Option<Algorithm>,
    /// Which format to expect.
    pub format: ListFormat,
}

impl ParseOptions {
    /// Options for a plain list of `algorithm` hashes.
    pub fn plain(algorithm: Algorithm) -> Self {
        ParseOptions { skip_bad: false, algorithm: Some(algorithm), format: ListFormat::Plain }
    }

    /// The same options with `skip_bad` set.
    #[must_use]
    pub fn skipping_bad(mut self) -> Self {
        self.skip_bad = true;
        self
    }
}

/// One entry of a hash list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// The hash.
    pub hash: ImageHash,
    /// An identifier, unique within the list if the list is well-formed (duplicates are
    /// reported, not rejected).
    pub id: Option<String>,
    /// A free-text label (a category, a source).
    pub label: Option<String>,
    /// The 1-based line the entry was read from; 0 for entries added in code.
    pub line: usize,
}

/// A hash appearing on more than one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateHash {
    /// The repeated hash.
    pub hash: ImageHash,
    /// The lines it appears on, ascending.
    pub lines: Vec<usize>,
}

/// An id appearing on more than one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateId {
    /// The repeated id.
    pub id: String,
    /// The lines it appears on, ascending.
    pub lines: Vec<usize>,
}

/// The result of reading a list: the list, and everything noteworthy about the file.
///
/// Duplicates are kept in the list (each copy is an entry; an index reports each) and listed
/// here so that the caller can warn or refuse.
#[derive(Debug)]
pub struct ListReport {
    /// The entries read.
    pub list: HashList,
    /// The format that was read ([`ListFormat::V1`] or [`ListFormat::Plain`]).
    pub format: ListFormat,
    /// With [`ParseOptions::skip_bad`]: the skipped lines and why, in line order.
    pub skipped: Vec<(usize, Error)>,
    /// Hashes that occur more than once, ordered by first occurrence.
    pub duplicate_hashes: Vec<DuplicateHash>,
    /// Ids that occur more than once, ordered by first occurrence.
    pub duplicate_ids: Vec<DuplicateId>,
}

impl ListReport {
    /// `true` if nothing was skipped and there are no duplicates.
    pub fn is_clean(&self) -> bool {
        self.skipped.is_empty() && self.duplicate_hashes.is_empty() && self.duplicate_ids.is_empty()
    }
}

impl fmt::Display for ListReport {
    /// A one-line summary, e.g. `1000 pdq entries (v1), 2 lines skipped, 1 duplicate hash, 0 duplicate ids`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} entries ({}), {} lines skipped, {} duplicate hashes, {} duplicate ids",
            self.list.len(),
            self.list.algorithm(),
            if self.format == ListFormat::V1 { "v1" } else { "plain" },
            self.skipped.len(),
            self.duplicate_hashes.len(),
            self.duplicate_ids.len()
        )
    }
}

/// A list of hashes of one algorithm, with ids and labels.
///
/// ```
/// use hashscope::list::HashList;
/// use hashscope::{Algorithm, Bits64, ImageHash};
/// let mut list = HashList::new(Algorithm::DHash);
/// list.push(ImageHash::from_hex(Algorithm::DHash, "0123456789abcdef").unwrap(), Some("a".into()), None).unwrap();
/// let hashes: Vec<Bits64> = list.hashes().unwrap(); // ready for an index
/// assert_eq!(hashes.len(), 1);
/// assert!(list.push(ImageHash::from_hex(Algorithm::PHash, "0123456789abcdef").unwrap(), None, None).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashList {
    algorithm: Algorithm,
    entries: Vec<ListEntry>,
}

impl HashList {
    /// An empty list of `algorithm` hashes.
    pub fn new(algorithm: Algorithm) -> Self {
        HashList { algorithm, entries: Vec::new() }
    }

    /// A list from entries; an [`ErrorKind::AlgorithmMismatch`] error if any entry's hash is
    /// of another algorithm.
    pub fn from_entries(algorithm: Algorithm, entries: Vec<ListEntry>) -> Result<Self> {
        if let Some(e) = entries.iter().find(|e| e.hash.algorithm() != algorithm) {
            return Err(mismatch(algorithm, e.hash.algorithm()));
        }
        Ok(HashList { algorithm, entries })
    }

    /// Appends an entry (line 0); an [`ErrorKind::AlgorithmMismatch`] error if the hash is of
    /// another algorithm.
    pub fn push(
        &mut self,
        hash: ImageHash,
        id: Option<String>,
        label: Option<String>,
    ) -> Result<()> {
        if hash.algorithm() != self.algorithm {
            return Err(mismatch(self.algorithm, hash.algorithm()));
        }
        self.entries.push(ListEntry { hash, id, label, line: 0 });
        Ok(())
    }

    /// The algorithm of every hash in the list.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The entries, in file order. Entry `i` is id `i` in an index built from [`hashes`](Self::hashes).
    pub fn entries(&self) -> &[ListEntry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` if the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The hash values in entry order, as the fixed-width type an index needs
    /// ([`Bits64`](crate::Bits64) or [`Bits256`](crate::Bits256)); an
    /// [`ErrorKind::AlgorithmMismatch`] error if `B` has the wrong width for the algorithm.
    pub fn hashes<B: HashBits>(&self) -> Result<Vec<B>> {
        if B::WIDTH != self.algorithm.bits() {
            return Err(Error::new(
                ErrorKind::AlgorithmMismatch,
                format!(
                    "{} hashes have {} bits, not {}",
                    self.algorithm,
                    self.algorithm.bits(),
                    B::WIDTH
                ),
            ));
        }
        self.entries
            .iter()
            .map(|e| {
                B::try_from_words(e.hash.value().words()).ok_or_else(|| {
                    Error::new(ErrorKind::AlgorithmMismatch, "hash width differs from the list's")
                })
            })
            .collect()
    }

    /// Parses a list from text. See [`HashList::read`].
    pub fn parse_str(text: &str, options: &ParseOptions) -> Result<ListReport> {
        parse(text.as_bytes(), options, None)
    }

    /// Parses a list from a reader (buffered internally); errors carry line numbers but no
    /// path. Lines end in `\n` or `\r\n`; a UTF-8 byte-order mark at the start is ignored.
    pub fn read(reader: impl std::io::Read, options: &ParseOptions) -> Result<ListReport> {
        parse(BufReader::new(reader), options, None)
    }

    /// Reads a list file; every error names the file (and the line, for line errors).
    pub fn read_path(path: impl AsRef<Path>, options: &ParseOptions) -> Result<ListReport> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io(e, path))?;
        parse(BufReader::new(file), options, Some(path))
    }

    /// Writes the list in the v1 format. Ids and labels must not contain tabs or line breaks
    /// (an [`ErrorKind::InvalidArgument`] error); an empty id or label is written as absent.
    pub fn write_v1(&self, mut out: impl Write) -> Result<()> {
        let io = |e: std::io::Error| Error::new(ErrorKind::Io, e.to_string()).with_source(e);
        writeln!(
            out,
            "{HEADER_PREFIX} {FORMAT_VERSION} algorithm={} bits={}",
            self.algorithm,
            self.algorithm.bits()
        )
        .map_err(io)?;
        for (i, e) in self.entries.iter().enumerate() {
            let line = entry_line(e).map_err(|err| {
                Error::new(ErrorKind::InvalidArgument, format!("entry {i}: {}", err.message()))
            })?;
            out.write_all(line.as_bytes()).map_err(io)?;
        }
        out.flush().map_err(io)
    }

    /// The v1 text of the list.
    pub fn to_v1_string(&self) -> Result<String> {
        let mut buf = Vec::new();
        self.write_v1(&mut buf)?;
        String::from_utf8(buf).map_err(|e| Error::new(ErrorKind::InvalidArgument, e.to_string()))
    }

    /// Writes the list in the v1 format to `path`, atomically: the text goes to a temporary
    /// file in the same directory, which is flushed to disk (`fsync`) and then renamed over
    /// `path`. Readers see either the old file or the complete new one, never a partial
    /// write; on error the temporary file is removed and `path` is untouched.
    pub fn write_path(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_v1_string().map_err(|e| e.with_path(path))?;
        atomic_write(path, text.as_bytes())
    }
}

fn mismatch(list: Algorithm, got: Algorithm) -> Error {
    Error::new(ErrorKind::AlgorithmMismatch, format!("a {got} hash in a {list} list"))
}

fn entry_line(e: &ListEntry) -> Result<String> {
    let mut line = e.hash.to_hex();
    let id = e.id.as_deref().unwrap_or("");
    let label = e.label.as_deref().unwrap_or("");
    for (what, s) in [("id", id), ("label", label)] {
        if s.contains(['\t', '\n', '\r']) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("{what} {s:?} contains a tab or line break"),
            ));
        }
    }
    if !id.is_empty() || !label.is_empty() {
        line.push('\t');
        line.push_str(id);
    }
    if !label.is_empty() {
        line.push('\t');
        line.push_str(label);
    }
    if line.len() > MAX_LINE_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("line would be {} bytes, over the {MAX_LINE_BYTES}-byte limit", line.len()),
        ));
    }
    line.push('\n');
    Ok(line)
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` via a temporary file in the same directory, fsync and rename.
pub(crate) fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "not a file path").with_path(path))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> std::io::Result<()> {
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = BufWriter::new(file);
        w.write_all(bytes)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable (directories can be fsynced on Unix only).
        #[cfg(unix)]
        File::open(&dir)?.sync_all()?;
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(e, path)
    })
}

/// One raw line, read with at most `MAX_LINE_BYTES` held in memory.
enum RawLine {
    Line,
    /// The line had this many bytes (all consumed, none kept).
    TooLong(usize),
}

/// Reads the next line into `buf` (without the `\n`); `None` at end of input.
fn read_capped(r: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<RawLine>> {
    buf.clear();
    let mut total = 0usize;
    let mut any = false;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], Some(i + 1)),
            None => (avail, None),
        };
        total += chunk.len();
        if total <= MAX_LINE_BYTES + 1 {
            buf.extend_from_slice(chunk);
        }
        let used = done.unwrap_or(chunk.len());
        r.consume(used);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    // Allow one extra byte for a `\r` before the `\n`.
    if total > MAX_LINE_BYTES + usize::from(buf.last() == Some(&b'\r')) {
        buf.clear();
        return Ok(Some(RawLine::TooLong(total)));
    }
    Ok(Some(RawLine::Line))
}

struct Parser<'a> {
    options: &'a ParseOptions,
    path: Option<&'a Path>,
    format: Option<ListFormat>,
    algorithm: Option<Algorithm>,
    entries: Vec<ListEntry>,
    skipped: Vec<(usize, Error)>,
}

impl Parser<'_> {
    fn err(&self, kind: ErrorKind, line: usize, msg: impl Into<String>) -> Error {
        let e = Error::new(kind, msg).with_line(line);
        match self.path {
            Some(p) => e.with_path(p),
            None => e,
        }
    }

    /// Records a line error: fatal unless `skip_bad`.
    fn line_error(&mut self, e: Error) -> Result<()> {
        if self.options.skip_bad {
            self.skipped.push((e.line().unwrap_or(0), e));
            Ok(())
        } else {
            Err(e)
        }
    }

    fn header(&mut self, n: usize, text: &str) -> Result<()> {
        let rest = &text[HEADER_PREFIX.len()..];
        let mut tokens = rest.split_ascii_whitespace();
        let version = tokens.next().unwrap_or("");
        if version != FORMAT_VERSION {
            return Err(self.err(
                ErrorKind::ListFormat,
                n,
                format!(
                    "unsupported hash-list version {version:?}: this hashscope reads {FORMAT_VERSION} (header: {:?})",
                    shorten(text)
                ),
            ));
        }
        let mut algorithm = None;
        let mut bits = None;
        for tok in tokens {
            let (key, value) = tok.split_once('=').unwrap_or((tok, ""));
            match key {
                "algorithm" => {
                    algorithm = Some(value.parse::<Algorithm>().map_err(|e| {
                        self.err(ErrorKind::ListFormat, n, format!("header: {}", e.message()))
                    })?)
                }
                "bits" => {
                    bits = Some(value.parse::<u32>().map_err(|_| {
                        self.err(
                            ErrorKind::ListFormat,
                            n,
                            format!("header: bits={value:?} is not a number"),
                        )
                    })?)
                }
                _ => {
                    return Err(self.err(
                        ErrorKind::ListFormat,
                        n,
                        format!("header: unknown field {tok:?} (v1 has algorithm= and bits=)"),
                    ))
                }
            }
        }
        let Some(algorithm) = algorithm else {
            return Err(self.err(ErrorKind::ListFormat, n, "header: missing algorithm=<name>"));
        };
        if let Some(b) = bits {
            if b != algorithm.bits() {
                return Err(self.err(
                    ErrorKind::ListFormat,
                    n,
                    format!(
                        "header: {algorithm} hashes have {} bits, header says bits={b}",
                        algorithm.bits()
                    ),
                ));
            }
        }
        if let Some(want) = self.options.algorithm {
            if want != algorithm {
                return Err(self.err(
                    ErrorKind::AlgorithmMismatch,
                    n,
                    format!("the list holds {algorithm} hashes, {want} was expected"),
                ));
            }
        }
        self.algorithm = Some(algorithm);
        Ok(())
    }

    /// Decides the algorithm of a plain list from its first hash (64 hex digits = PDQ).
    fn detect_algorithm(&mut self, n: usize, hash_field: &str) -> Result<Algorithm> {
        if let Some(a) = self.algorithm.or(self.options.algorithm) {
            return Ok(a);
        }
        let (prefix, hex) = split_prefix(hash_field);
        if let Some(p) = prefix {
            if let Ok(a) = p.parse::<Algorithm>() {
                return Ok(a);
            }
        }
        if hex.len() == 64 {
            return Ok(Algorithm::Pdq);
        }
        let why = if hex.len() == 16 {
            "16 hex digits could be an ahash, dhash, phash or whash".to_string()
        } else {
            format!("the first hash {:?} is not 64 hex digits (PDQ)", shorten(hex))
        };
        Err(self.err(
            ErrorKind::ListFormat,
            n,
            format!("cannot tell the algorithm of a list without a header: {why}; say which algorithm it holds"),
        ))
    }

    fn entry(&mut self, n: usize, text: &str) -> Result<Option<ListEntry>> {
        let plain = self.format == Some(ListFormat::Plain);
        let fields: Vec<&str> = text.split('\t').collect();
        if fields.len() > 3 {
            return Err(self.err(
                ErrorKind::ListFormat,
                n,
                format!(
                    "too many columns: {} tab-separated fields, at most 3 (hash, id, label)",
                    fields.len()
                ),
            ));
        }
        let mut hash_field = fields[0].trim_matches(' ');
        let mut id = fields.get(1).filter(|s| !s.is_empty()).map(|s| s.to_string());
        let label = fields.get(2).filter(|s| !s.is_empty()).map(|s| s.to_string());
        if plain && fields.len() == 1 && hash_field.contains(',') {
            // pdq-photo-hasher style: hash,quality[,filename]
            let mut parts = hash_field.splitn(3, ',');
            let h = parts.next().unwrap_or("").trim();
            let quality = parts.next().unwrap_or("").trim();
            if !matches!(quality.parse::<u32>(), Ok(0..=100)) {
                return Err(self.err(
                    ErrorKind::ListFormat,
                    n,
                    format!(
                        "expected hash,quality[,filename] with quality 0-100, got {:?}",
                        shorten(text)
                    ),
                ));
            }
            id = parts.next().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
            hash_field = h;
        }
        let algorithm = self.detect_algorithm(n, hash_field)?;
        self.algorithm = Some(algorithm);
        let (prefix, hex) = split_prefix(hash_field);
        if let Some(p) = prefix {
            let other = p.parse::<Algorithm>().map_err(|_| {
                self.err(
                    ErrorKind::ListFormat,
                    n,
                    format!("unknown algorithm prefix {:?}", shorten(p)),
                )
            })?;
            if other != algorithm {
                return Err(self.err(
                    ErrorKind::AlgorithmMismatch,
                    n,
                    format!("a {other} hash in a {algorithm} list"),
                ));
            }
        }
        let hash = ImageHash::from_hex(algorithm, hex).map_err(|e| {
            let mut msg = e.message().to_string();
            let other_width = if algorithm.bits() == 64 { 64 } else { 16 };
            if hex.len() == other_width && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                msg = format!(
                    "a {}-bit hash in a {algorithm} list ({msg})",
                    if other_width == 64 { 256 } else { 64 }
                );
            }
            self.err(ErrorKind::ListFormat, n, msg)
        })?;
        Ok(Some(ListEntry { hash, id, label, line: n }))
    }

    fn line(&mut self, n: usize, raw: &[u8]) -> Result<()> {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let raw = if n == 1 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t,
            Err(e) => {
                let e = self.err(ErrorKind::ListFormat, n, format!("not valid UTF-8: {e}"));
                return if self.format.is_none() { Err(e) } else { self.line_error(e) };
            }
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        let is_header = text.starts_with(HEADER_PREFIX);
        if self.format.is_none() {
            // First non-blank line decides the format.
            let format = match (self.options.format, is_header) {
                (ListFormat::Plain, _) => ListFormat::Plain,
                (_, true) => ListFormat::V1,
                (ListFormat::Auto, false) => ListFormat::Plain,
                (ListFormat::V1, false) => {
                    return Err(self.err(
                        ErrorKind::ListFormat,
                        n,
                        format!("missing header: a v1 list starts with \"{HEADER_PREFIX} {FORMAT_VERSION} algorithm=<name>\""),
                    ))
                }
            };
            self.format = Some(format);
            if format == ListFormat::V1 {
                return self.header(n, text);
            }
        } else if is_header && self.format == Some(ListFormat::V1) {
            let e = self.err(
                ErrorKind::ListFormat,
                n,
                "a second header line (the header must be the first line, once)",
            );
            return self.line_error(e);
        }
        if trimmed.starts_with('#') {
            return Ok(());
        }
        match self.entry(n, text) {
            Ok(Some(e)) => {
                self.entries.push(e);
                Ok(())
            }
            Ok(None) => Ok(()),
            // Not knowing the algorithm of a plain list is fatal: nothing after it can be read.
            Err(e) if self.algorithm.is_none() => Err(e),
            Err(e) => self.line_error(e),
        }
    }
}

/// Splits an optional `algorithm:` prefix off a hash field.
fn split_prefix(field: &str) -> (Option<&str>, &str) {
    match field.split_once(':') {
        Some((p, h)) => (Some(p), h),
        None => (None, field),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(77).collect::<String>())
    } else {
        s.to_string()
    }
}

fn parse(
    mut reader: impl BufRead,
    options: &ParseOptions,
    path: Option<&Path>,
) -> Result<ListReport> {
    let mut p = Parser {
        options,
        path,
        format: None,
        algorithm: None,
        entries: Vec::new(),
        skipped: Vec::new(),
    };
    let mut buf = Vec::with_capacity(256);
    let mut n = 0usize;
    loop {
        let raw = reader.read_capped_line(&mut buf).map_err(|e| {
            let err = Error::new(ErrorKind::Io, e.to_string()).with_line(n + 1).with_source(e);
            match path {
                Some(pa) => err.with_path(pa),
                None => err,
            }
        })?;
        n += 1;
        match raw {
            None => break,
            Some(RawLine::Line) => p.line(n, &buf)?,
            Some(RawLine::TooLong(len)) => {
                let e = p.err(
                    ErrorKind::ListFormat,
                    n,
                    format!("line is {len} bytes long, over the {MAX_LINE_BYTES}-byte limit"),
                );
                if p.format.is_none() {
                    return Err(e);
                }
                p.line_error(e)?;
            }
        }
    }
    let format = p.format.unwrap_or(match options.format {
        ListFormat::V1 => ListFormat::V1,
        _ => ListFormat::Plain,
    });
    if format == ListFormat::V1 && p.algorithm.is_none() {
        return Err(p.err(ErrorKind::ListFormat, 1, "missing header: the input is empty"));
    }
    let algorithm = match p.algorithm.or(options.algorithm) {
        Some(a) => a,
        // An empty plain list without an algorithm: nothing to disagree with; call it PDQ
        // only if the caller did not care. Prefer an explicit error.
        None => {
            return Err(p.err(
                ErrorKind::ListFormat,
                1,
                "the list has no entries and no header, so its algorithm is unknown",
            ))
        }
    };
    let (duplicate_hashes, duplicate_ids) = duplicates(&p.entries);
    Ok(ListReport {
        list: HashList { algorithm, entries: p.entries },
        format,
        skipped: p.skipped,
        duplicate_hashes,
        duplicate_ids,
    })
}

trait ReadCapped {
    fn read_capped_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<Option<RawLine>>;
}

impl<R: BufRead> ReadCapped for R {
    fn read_capped_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<Option<RawLine>> {
        read_capped(self, buf)
    }
}

fn duplicates(entries: &[ListEntry]) -> (Vec<DuplicateHash>, Vec<DuplicateId>) {
    let mut by_hash: HashMap<ImageHash, Vec<usize>> = HashMap::new();
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for e in entries {
        by_hash.entry(e.hash).or_default().push(e.line);
        if let Some(id) = &e.id {
            by_id.entry(id).or_default().push(e.line);
        }
    }
    let mut hashes: Vec<DuplicateHash> = by_hash
        .into_iter()
        .filter(|(_, l)| l.len() > 1)
        .map(|(hash, lines)| DuplicateHash { hash, lines })
        .collect();
    hashes.sort_by_key(|d| d.lines[0]);
    let mut ids: Vec<DuplicateId> = by_id
        .into_iter()
        .filter(|(_, l)| l.len() > 1)
        .map(|(id, lines)| DuplicateId { id: id.to_string(), lines })
        .collect();
    ids.sort_by_key(|d| d.lines[0]);
    (hashes, ids)
}
