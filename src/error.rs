//! The crate's one error type.
//!
//! Every fallible function in hashscope returns [`Result<T>`](crate::Result). An
//! [`Error`] carries an [`ErrorKind`] that callers can `match` on, a message that names
//! the file (and line, for hash lists) where that is known, and the underlying cause via
//! [`std::error::Error::source`].
//!
//! ```
//! use hashscope::{Algorithm, ErrorKind, ImageHash};
//! let err = ImageHash::from_hex(Algorithm::Pdq, "abc").unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::InvalidHash);
//! assert!(err.to_string().contains("64 hex digits"));
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

/// `Result` with hashscope's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, coarsely: stable and meant to be matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed (missing file, permissions, disk full, …).
    Io,
    /// The bytes are not an image we can decode (unknown format, corrupt or truncated data).
    Decode,
    /// The image exceeds a configured limit (dimensions or decoder memory): a possible
    /// decompression bomb.
    Limits,
    /// The image decoded but cannot be hashed (for example zero width or height).
    Unhashable,
    /// A hash string or value is malformed (wrong length, non-hex characters).
    InvalidHash,
    /// Two hashes (or a hash and a list/index) come from different algorithms or widths.
    AlgorithmMismatch,
    /// A hash-list file is malformed (header, entry line, duplicate id).
    ListFormat,
    /// An argument or configuration value is out of range.
    InvalidArgument,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::Io => "I/O error",
            ErrorKind::Decode => "cannot decode image",
            ErrorKind::Limits => "image exceeds limits",
            ErrorKind::Unhashable => "image cannot be hashed",
            ErrorKind::InvalidHash => "invalid hash",
            ErrorKind::AlgorithmMismatch => "algorithm mismatch",
            ErrorKind::ListFormat => "malformed hash list",
            ErrorKind::InvalidArgument => "invalid argument",
        };
        f.write_str(s)
    }
}

/// hashscope's error: a [`kind`](Error::kind), a human message, optionally the path and
/// line it concerns, and optionally an underlying cause.
pub struct Error {
    kind: ErrorKind,
    message: String,
    path: Option<PathBuf>,
    line: Option<usize>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), path: None, line: None, source: None }
    }

    /// Attach the file this error concerns (shown first in the message).
    #[must_use]
    pub fn with_path(mut self, path: impl AsRef<Path>) -> Self {
        self.path = Some(path.as_ref().to_path_buf());
        self
    }

    /// Attach the 1-based line number this error concerns (hash lists).
    #[must_use]
    pub fn with_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Attach an underlying cause, returned by [`std::error::Error::source`].
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The kind of error, to match on.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The file this error concerns, if known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The 1-based line this error concerns, if known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The message without path or line prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn io(err: std::io::Error, path: impl AsRef<Path>) -> Self {
        let msg = err.to_string();
        Error::new(ErrorKind::Io, msg).with_path(path).with_source(err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}", p.display())?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
            }
            f.write_str(": ")?;
        } else if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(p) = &self.path {
            d.field("path", p);
        }
        if let Some(l) = self.line {
            d.field("line", &l);
        }
        if let Some(s) = &self.source {
            d.field("source", &s.to_string());
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_path_and_line() {
        let e = Error::new(ErrorKind::ListFormat, "bad hex").with_path("l.txt").with_line(7);
        assert_eq!(e.to_string(), "l.txt:7: malformed hash list: bad hex");
        let e = Error::new(ErrorKind::ListFormat, "bad hex").with_line(3);
        assert_eq!(e.to_string(), "line 3: malformed hash list: bad hex");
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = Error::io(io, "x.png");
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(std::error::Error::source(&e).is_some());
        assert!(e.to_string().starts_with("x.png: I/O error"));
    }
}
