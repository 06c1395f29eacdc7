//! Corpus formats. Each format is a [`CorpusReader`] and a [`CorpusWriter`];
//! [`Format`] picks one by name for the command line.

pub mod brat;
pub mod conll;
pub mod jsonl;

use crate::document::{writable_name, Document};
use crate::error::DataError;
use crate::validate::{validate, Diagnostic, Origin, ProblemKind, Severity, ValidationOptions};
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
    /// Writes `documents` to `path` (created if needed; a file is put in
    /// place whole, [`crate::atomic`]). Returns what the format could not
    /// keep as given (lost, or kept another way), one line per document
    /// concerned (empty when everything was kept as given).
    fn write(&self, documents: &[Document], path: &Path) -> Result<Vec<String>, DataError>;

    /// Writes `documents` to `out` as one stream (standard output), as
    /// [`CorpusWriter::write`] writes its file (`path` names it in
    /// messages); a format written as a folder (brat) refuses, as this
    /// default does.
    fn write_to(
        &self,
        documents: &[Document],
        out: &mut dyn std::io::Write,
        path: &Path,
    ) -> Result<Vec<String>, DataError> {
        let _ = (documents, out);
        Err(DataError::Unwritable {
            path: path.to_path_buf(),
            message: "this format is written as a folder of files (brat: .txt and .ann), not \
                      as one stream: name a folder"
                .into(),
        })
    }
}

/// [`CorpusWriter::write`] of a format that is one file: its
/// [`CorpusWriter::write_to`] into an [`crate::atomic::AtomicFile`] (through
/// gzip when the name ends in `.gz`), put in place once whole. A corpus
/// refused leaves no folder the write made.
pub(crate) fn write_one_file(
    writer: &impl CorpusWriter,
    documents: &[Document],
    path: &Path,
) -> Result<Vec<String>, DataError> {
    let made = crate::paths::MadeFolders::before(path, false);
    create_parent(path)?;
    let io = |e| DataError::io(path, e);
    let mut file = crate::atomic::AtomicFile::create(path).map_err(io)?;
    let lost = writer.write_to(documents, &mut file, path)?;
    file.finish().map_err(io)?;
    made.keep();
    Ok(lost)
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
        [Format::Brat, Format::Jsonl, Format::Conll]
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown format `{s}` (expected brat, jsonl or conll)"))
    }
}

impl Format {
    /// Its name, as `--format` takes it (`brat`, `jsonl`, `conll`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Brat => "brat",
            Format::Jsonl => "jsonl",
            Format::Conll => "conll",
        }
    }

    /// Guesses the format of `path`: `.jsonl`/`.json` files are JSONL, `.conll`,
    /// `.iob`, `.bio` and `.tsv` files are CoNLL, directories are brat; a
    /// `.gz` file by the name under it ([`crate::gzip`]).
    pub fn detect(path: &Path) -> Format {
        // (In any case: `CORPUS.JSONL` is JSONL.)
        let ext = crate::gzip::inner_name(path)
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

/// Takes a byte-order mark (which some editors write) off the start of a
/// line of a line-based file, JSONL or CoNLL: it is no part of the line. On
/// any line, not the first alone: files saved with one and joined (`cat`)
/// hold one where each began, and a line read alone (a chunk of a file on
/// Spark, a line given to Python) must read as it reads in the file.
pub fn strip_bom(buf: &mut Vec<u8>) {
    if buf.starts_with(BOM.as_bytes()) {
        buf.drain(..BOM.len());
    }
}

/// The byte-order mark that [`strip_bom`] takes off a line (records held
/// in memory drop it the same way).
pub const BOM: &str = "\u{feff}";

/// Creates the parent directory of a file about to be written.
pub(crate) fn create_parent(path: &Path) -> Result<(), DataError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|e| DataError::io(parent, e))
        }
        _ => Ok(()),
    }
}

/// Refuses, before anything is written to `path`, a document that the
/// readers would refuse: one with an error by [`validate`] (a span outside
/// the text or without fragments, an attribution of a missing span), or,
/// where the format keeps `names`, a speaker name that is not one trimmed
/// line ([`writable_name`]). Documents read from a corpus pass; documents
/// built in code may not. Every [`CorpusWriter`] checks its documents so,
/// and a corpus it writes reads back.
pub fn check_writable(documents: &[Document], path: &Path, names: bool) -> Result<(), DataError> {
    let origin = Origin::file(path);
    let options = ValidationOptions::default();
    for doc in documents {
        let mut problems: Vec<String> = validate(doc, &origin, &options)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.kind.to_string())
            .collect();
        problems.extend(
            doc.spans
                .iter()
                .filter_map(|s| Some((s, s.name.as_deref()?)))
                .filter(|&(_, name)| names && !writable_name(name))
                .map(|(s, name)| {
                    // (As the readers say it of such a name.)
                    ProblemKind::UnwritableName {
                        span: s.id.clone(),
                        name: name.to_string(),
                    }
                    .to_string()
                }),
        );
        if !problems.is_empty() {
            return Err(DataError::Unwritable {
                path: path.to_path_buf(),
                message: format!(
                    "document {:?} is not one a reader accepts: {}",
                    doc.id,
                    problems.join("; ")
                ),
            });
        }
    }
    Ok(())
}

/// Test support: cuts the file at `path` in half (a gzip stream killed
/// while written), reads it with `reader`, checks that all but the last
/// item are whole documents (more than ten), and gives the last, an error,
/// with how many came before it.
#[cfg(test)]
pub(crate) fn read_cut_in_half(reader: &dyn CorpusReader, path: &Path) -> (String, usize) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
    let read: Vec<_> = reader.read(path).unwrap().collect();
    let (last, whole) = read.split_last().unwrap();
    assert!(
        whole.len() > 10 && whole.iter().all(Result::is_ok),
        "{}",
        whole.len()
    );
    (last.as_ref().err().unwrap().to_string(), whole.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Role, Span};
    use crate::load::writer;
    use crate::offsets::CharSpan;
    use crate::tags::TagScheme;

    fn with_source(fragment: CharSpan, name: &str) -> Document {
        let mut doc = Document::new("d", "Ann said so.");
        doc.spans.push(Span {
            id: "T1".into(),
            role: Role::Source,
            fragments: vec![fragment],
            name: Some(name.into()),
        });
        doc
    }

    /// What no reader would read back is refused by every writer, before
    /// anything is written; a good document is written.
    #[test]
    fn a_writer_refuses_what_a_reader_would_not_accept() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (with_source(CharSpan::new(0, 500), "Ann Lee"), "outside"),
            (
                with_source(CharSpan::new(0, 3), "Ann\tLee"),
                "has a tab or a line break in it",
            ),
        ];
        for format in [Format::Jsonl, Format::Brat, Format::Conll] {
            for (doc, why) in &cases {
                let out = dir.path().join(format!("{format:?}-{why}"));
                let written = writer(format, TagScheme::Bio, conll::Tokens::Quotekit)
                    .write(std::slice::from_ref(doc), &out);
                if format == Format::Conll && why.contains("tab") {
                    // (CoNLL keeps no names: it warns that it drops them.)
                    assert!(written.is_ok());
                    continue;
                }
                let e = written.unwrap_err().to_string();
                let said = "document \"d\" is not one a reader accepts";
                assert!(e.contains(said) && e.contains(why), "{e}");
                assert!(!out.exists(), "{format:?}: nothing written");
            }
            let good = with_source(CharSpan::new(0, 3), "Ann Lee");
            let out = dir.path().join(format!("{format:?}-good"));
            writer(format, TagScheme::Bio, conll::Tokens::Quotekit)
                .write(&[good], &out)
                .unwrap();
            assert!(out.exists());
        }
    }
}
