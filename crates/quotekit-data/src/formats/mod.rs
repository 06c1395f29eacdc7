//! Corpus formats. Each format is a [`CorpusReader`] and a [`CorpusWriter`];
//! [`Format`] picks one by name for the command line.

pub mod brat;
pub mod conll;
pub mod jsonl;

use crate::document::Document;
use crate::error::DataError;
use crate::validate::{Diagnostic, Origin};
use std::path::Path;

/// A document as a reader found it, with what is needed to locate problems in it.
#[derive(Debug, Clone)]
pub struct ReadDocument {
    /// The document.
    pub document: Document,
    /// File and line of each annotation.
    pub origin: Origin,
    /// Problems the reader found while parsing (format-specific checks).
    pub diagnostics: Vec<Diagnostic>,
}

/// The documents of a corpus, one at a time; an `Err` is one unreadable document.
pub type DocumentStream<'a> = Box<dyn Iterator<Item = Result<ReadDocument, DataError>> + 'a>;

/// Reads a corpus (a file or a directory) in one format.
pub trait CorpusReader {
    /// Starts reading `path`. Errors that concern the whole corpus (no such path, an
    /// unknown layout) are returned here; per-document errors come from the stream.
    fn read<'a>(&'a self, path: &Path) -> Result<DocumentStream<'a>, DataError>;
}

/// Writes documents in one format to a file or a directory.
pub trait CorpusWriter {
    /// Writes `documents` to `path` (created if needed). Returns what the
    /// format could not keep as given (lost, or kept another way), one line
    /// per document concerned (empty when everything was kept as given).
    fn write(&self, documents: &[Document], path: &Path) -> Result<Vec<String>, DataError>;
}

/// The formats quotekit reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// brat standoff: `.txt` + `.ann` files (PolNeAR or flat layout).
    Brat,
    /// One JSON document per line.
    Jsonl,
    /// One token and its tag per line.
    Conll,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "brat" => Ok(Format::Brat),
            "jsonl" => Ok(Format::Jsonl),
            "conll" => Ok(Format::Conll),
            _ => Err(format!(
                "unknown format `{s}` (expected brat, jsonl or conll)"
            )),
        }
    }
}

impl Format {
    /// Guesses the format of `path`: `.jsonl`/`.json` files are JSONL, `.conll`,
    /// `.iob`, `.bio` and `.tsv` files are CoNLL, directories are brat.
    pub fn detect(path: &Path) -> Format {
        // (In any case: `CORPUS.JSONL` is JSONL.)
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("jsonl" | "json") => Format::Jsonl,
            Some("conll" | "iob" | "bio" | "tsv") => Format::Conll,
            _ => Format::Brat,
        }
    }
}

/// Takes a byte-order mark (which some editors write) off the first line of
/// a line-based file, JSONL or CoNLL (`line` is its 1-based number): it is
/// no part of the line.
pub fn strip_bom(line: usize, buf: &mut Vec<u8>) {
    if line == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
}

/// Creates the parent directory of a file about to be written.
pub(crate) fn create_parent(path: &Path) -> Result<(), DataError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|e| DataError::io(parent, e))
        }
        _ => Ok(()),
    }
}
