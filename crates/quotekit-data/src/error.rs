//! Errors of the dataset crate. Every variant names the file and, where there
//! is one, the 1-based line or record the problem was found on.

use crate::validate::Diagnostic;
use std::path::PathBuf;

/// The error record of a document `quotekit predict` could not annotate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    /// The document's id (`line N` for a record without one).
    pub id: String,
    /// The file that holds the record.
    pub path: PathBuf,
    /// Its 1-based line.
    pub line: usize,
    /// Why predict could not annotate it (`kind: message`).
    pub message: String,
}

impl ErrorRecord {
    /// The error record that the JSON object `object`, line `line` of
    /// `path`, is: `{"id", "error": {"kind", "message"}}`, as `predict`
    /// writes one; `None` when it has no `error` (or a null one). Its id is
    /// a string or a whole number (`line N` otherwise, as for a record
    /// without one), and why is `kind: message`, or the error's JSON cut
    /// short when it is written another way. (The one reading of an error
    /// record: among documents and in a brat output's `errors.jsonl`.)
    pub fn of_json(
        object: &serde_json::Map<String, serde_json::Value>,
        path: &std::path::Path,
        line: usize,
    ) -> Option<Self> {
        use serde_json::Value;
        let error = object.get("error").filter(|e| !e.is_null())?;
        let id = object
            .get("id")
            .and_then(crate::ids::json_id)
            .unwrap_or_else(|| format!("line {line}"));
        let message = match (error.get("kind"), error.get("message")) {
            (Some(Value::String(k)), Some(Value::String(m))) => format!("{k}: {m}"),
            _ => crate::message::shorten(&error.to_string(), 200),
        };
        Some(Self {
            id,
            path: path.to_path_buf(),
            line,
            message,
        })
    }
}

impl std::fmt::Display for ErrorRecord {
    /// `FILE:LINE: document "ID" is an error record (WHY)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: document {:?} is an error record ({})",
            self.path.display(),
            self.line,
            self.id,
            self.message
        )
    }
}

/// Everything that can go wrong reading, validating or writing a corpus.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error (in the message, not a separate cause, so that
        /// it is said once).
        error: std::io::Error,
    },
    /// The file's bytes are not valid UTF-8.
    #[error(
        "{}:{line}: not valid UTF-8 (invalid byte at offset {byte} of the line)",
        path.display()
    )]
    NotUtf8 {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line holding the first invalid byte.
        line: usize,
        /// Byte offset of the first invalid byte in its line (from 0; a
        /// byte-order mark taken off the line's start not counted).
        byte: usize,
    },
    /// A line that the format's grammar does not allow.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong, and what was expected.
        message: String,
    },
    /// An annotation file whose text file is missing.
    #[error("{}: text file {} is missing", ann.display(), text.display())]
    MissingText {
        /// The annotation file.
        ann: PathBuf,
        /// Where the text was looked for.
        text: PathBuf,
    },
    /// A text file whose annotation file is missing.
    #[error("{}: annotation file {} is missing", text.display(), ann.display())]
    MissingAnnotation {
        /// The text file.
        text: PathBuf,
        /// Where the annotations were looked for.
        ann: PathBuf,
    },
    /// A document failed validation; every problem found is listed.
    #[error("{}", Diagnostic::join(.0))]
    Invalid(Vec<Diagnostic>),
    /// A corpus path that is none of the known layouts.
    #[error("{}: {message}", path.display())]
    Layout {
        /// The path given.
        path: PathBuf,
        /// Why it is not a corpus, and what was expected.
        message: String,
    },
    /// A document the output format cannot hold as it is.
    #[error("{}: {message}", path.display())]
    Unwritable {
        /// The file that was to be written.
        path: PathBuf,
        /// Which document, and what the format cannot keep.
        message: String,
    },
    /// A bad option or label map.
    #[error("configuration: {0}")]
    Config(String),
    /// Names folders with a file for none of a corpus's documents
    /// ([`crate::names::check_names_match`]): another corpus's names, or
    /// files named otherwise than after the document ids.
    #[error(
        "the names folder(s) {} have a file for none of the {documents} documents of {} \
         (names files are named after the document ids, such as {}.tsv): {}",
        joined(.dirs), corpus.display(), crate::message::shorten(example_id, 80),
        match inner.as_slice() {
            [] => "are they the names of another corpus?".to_string(),
            [one] => format!("the folder {} inside has files of them: name that folder", one.display()),
            more => format!("the folders {} inside have files of them: name those folders", joined(more)),
        }
    )]
    NamesOfAnotherCorpus {
        /// The names folders given.
        dirs: Vec<PathBuf>,
        /// The number of documents of the corpus.
        documents: usize,
        /// The corpus read.
        corpus: PathBuf,
        /// The id of one of its documents, to show what a names file's name is.
        example_id: String,
        /// The folders inside `dirs` that have names files of the corpus
        /// (`polnear-speakers/dev` where `polnear-speakers` was given).
        inner: Vec<PathBuf>,
    },
    /// The error record of a document `quotekit predict` could not annotate,
    /// in its `--format documents` output, where a corpus is read that
    /// holds documents only (training data, gold). Where predictions are
    /// read ([`crate::LoadOptions::error_records`]) it is counted instead.
    #[error(
        "{}:{}: the error record of document {:?}, which `quotekit predict` could not \
         annotate ({}): a corpus of documents has none (stats, convert, eval --pred and \
         render count them as predictions): remove its line, or skip it with --lenient (which \
         `train` and `tune` have not)",
        .0.path.display(), .0.line, .0.id, .0.message
    )]
    ErrorRecord(ErrorRecord),
    /// Reading a file stopped at a line (a gzip stream cut short, a disk
    /// error): nothing after it was read, so a lenient run cannot skip it
    /// as one document.
    #[error("{}: line {line}: {error}; nothing after it was read", path.display())]
    ReadStopped {
        /// The file.
        path: PathBuf,
        /// 1-based line that could not be read.
        line: usize,
        /// The underlying error.
        error: std::io::Error,
    },
}

impl DataError {
    /// [`DataError::ReadStopped`]: reading `path` failed at its 1-based
    /// `line`.
    pub fn read_stopped(path: impl Into<PathBuf>, line: usize, error: std::io::Error) -> Self {
        DataError::ReadStopped {
            path: path.into(),
            line,
            error,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            error: source,
        }
    }

    pub(crate) fn syntax(
        path: impl Into<PathBuf>,
        line: usize,
        message: impl Into<String>,
    ) -> Self {
        DataError::Syntax {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

/// Paths as a message lists them: `a, b`.
fn joined(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

/// Decodes `bytes` read from `path` as UTF-8, naming the line of the first
/// bad byte and its offset in that line, lines ending at `\n`
/// ([`DataError::NotUtf8`]: every crate's readers say it so).
pub fn decode_utf8(path: &std::path::Path, bytes: Vec<u8>) -> Result<String, DataError> {
    String::from_utf8(bytes).map_err(|e| {
        let (line, byte) = line_and_offset(e.as_bytes(), e.utf8_error().valid_up_to());
        DataError::NotUtf8 {
            path: path.to_path_buf(),
            line,
            byte,
        }
    })
}

/// The 1-based line of byte `at` of `bytes`, and its offset in that line,
/// lines ending at `\n`.
fn line_and_offset(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |end| end + 1);
    (line, at - start)
}

/// The text of `bytes` read from `path` without the byte-order mark some
/// editors write before it (no part of the file's first entry); a byte of
/// no UTF-8 is named as [`decode_utf8`] names it. (Its offset does not count
/// the mark, as the line readers, JSONL and CoNLL, take a mark off a line
/// before they read it.)
pub fn decode_text(path: &std::path::Path, mut bytes: Vec<u8>) -> Result<String, DataError> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    decode_utf8(path, bytes)
}

/// Reads a whole file as UTF-8, as it is (a byte-order mark too: an
/// article's text, whose offsets brat counts it in).
pub(crate) fn read_utf8(path: &std::path::Path) -> Result<String, DataError> {
    let bytes = crate::read::read_whole(path).map_err(|e| DataError::io(path, e))?;
    decode_utf8(path, bytes)
}

/// Reads a whole file as UTF-8, without the byte-order mark some editors
/// write before it (no part of the file's first entry).
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, DataError> {
    let bytes = crate::read::read_whole(path).map_err(|e| DataError::io(path, e))?;
    decode_text(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One reading of an error record's id and reason: a string or whole
    /// number id (else `line N`, a fraction included, as an input id may
    /// not be one), `kind: message`, or the error's JSON cut short.
    #[test]
    fn an_error_record_reads_its_id_and_why() {
        let read = |json: &str| {
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(json).unwrap();
            ErrorRecord::of_json(&object, std::path::Path::new("e.jsonl"), 4)
                .map(|r| (r.id, r.message))
        };
        let why = r#""error":{"kind":"empty","message":"no text"}"#;
        let ids = [r#""a""#, "7", "1.5", "null", "[1]"];
        let read_ids: Vec<String> = ids
            .iter()
            .map(|id| read(&format!(r#"{{"id":{id},{why}}}"#)).unwrap().0)
            .collect();
        assert_eq!(read_ids, ["a", "7", "line 4", "line 4", "line 4"]);
        assert_eq!(
            read(&format!("{{{why}}}")),
            Some(("line 4".into(), "empty: no text".into()))
        );
        let long = "x".repeat(300);
        let (_, message) = read(&format!(r#"{{"id":"a","error":"{long}"}}"#)).unwrap();
        assert_eq!(message.chars().count(), 201);
        assert!(message.ends_with('…'));
        assert_eq!(read(r#"{"id":"a","error":null}"#), None);
        assert_eq!(read(r#"{"id":"a"}"#), None);
    }

    #[test]
    fn utf8_error_names_line() {
        let err = decode_utf8(
            std::path::Path::new("x.txt"),
            b"ok\nstill ok\nbad \xff here".to_vec(),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert_eq!(
            msg, "x.txt:3: not valid UTF-8 (invalid byte at offset 4 of the line)",
            "{msg}"
        );
        // A byte-order mark taken off is not counted (as a JSONL or CoNLL
        // line does not count it).
        let path = std::path::Path::new("x.txt");
        assert_eq!(
            decode_text(path, b"\xEF\xBB\xBFab\xff".to_vec())
                .unwrap_err()
                .to_string(),
            "x.txt:1: not valid UTF-8 (invalid byte at offset 2 of the line)"
        );
        // A byte-order mark goes.
        assert_eq!(
            decode_text(path, b"\xEF\xBB\xBFsaid".to_vec()).unwrap(),
            "said"
        );
        assert_eq!(
            decode_text(path, b"\xEF\xBB\xBFa\n\xff".to_vec())
                .unwrap_err()
                .to_string(),
            "x.txt:2: not valid UTF-8 (invalid byte at offset 0 of the line)"
        );
    }
}
