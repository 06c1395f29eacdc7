//! Loading a whole corpus with validation, in strict or lenient mode.

use crate::document::Document;
use crate::error::{DataError, ErrorRecord};
use crate::formats::brat::ann::BratOptions;
use crate::formats::brat::write::BratWriter;
use crate::formats::brat::BratReader;
use crate::formats::conll::{ConllReader, ConllWriter, LabelMap, Tokens};
use crate::formats::jsonl::{JsonlReader, JsonlWriter};
use crate::formats::{CorpusReader, CorpusWriter, Format, ReadDocument};
use crate::names::{apply_names, names_file};
use crate::predict_errors::error_records_of;
use crate::tags::TagScheme;
use crate::validate::{validate, Diagnostic, ProblemKind, Severity, ValidationOptions};
use std::path::{Path, PathBuf};

/// What to do with a document that has an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Fail on the first bad document.
    #[default]
    Strict,
    /// Skip bad documents, record why, and go on.
    Lenient,
}

/// Everything that controls loading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Strict or lenient.
    pub mode: Mode,
    /// Which checks are errors.
    pub validation: ValidationOptions,
    /// brat label mapping and annotator choice.
    pub brat: BratOptions,
    /// CoNLL label mapping.
    pub labels: LabelMap,
    /// Directories of names files (`ID.tsv`) that name the documents' Source
    /// spans ([`crate::names`]); the first that has a document's file is used.
    /// Folders with a file for none of the documents name no one; the
    /// commands refuse them with [`crate::names::check_names_match`] after
    /// loading (a dev corpus read beside named training data may have none).
    pub names: Vec<PathBuf>,
    /// Read the error records of `quotekit predict --format documents`
    /// output (documents it could not annotate) into
    /// [`LoadReport::error_records`], as a reader of predictions counts
    /// them; otherwise each is a [`DataError::ErrorRecord`] (a corpus of
    /// documents, training data or gold, has none).
    pub error_records: bool,
}

/// A document left out in lenient mode, and why.
#[derive(Debug)]
pub struct Skipped {
    /// Everything wrong with it (each names file and line).
    pub error: DataError,
}

/// The result of loading a corpus.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// The documents that loaded, in corpus order.
    pub documents: Vec<Document>,
    /// Problems that did not stop a document from loading.
    pub warnings: Vec<Diagnostic>,
    /// Documents left out (lenient mode only).
    pub skipped: Vec<Skipped>,
    /// The error records read, with [`LoadOptions::error_records`]:
    /// documents `predict` could not annotate.
    pub error_records: Vec<ErrorRecord>,
}

/// A reader for `format`.
pub fn reader(format: Format, options: &LoadOptions) -> Box<dyn CorpusReader> {
    match format {
        Format::Brat => Box::new(BratReader {
            options: options.brat.clone(),
        }),
        Format::Jsonl => Box::new(JsonlReader),
        Format::Conll => Box::new(ConllReader {
            labels: options.labels.clone(),
        }),
    }
}

/// A writer for `format`; `scheme` and `tokens` are used by the format that
/// writes tags, CoNLL.
pub fn writer(format: Format, scheme: TagScheme, tokens: Tokens) -> Box<dyn CorpusWriter> {
    match format {
        Format::Brat => Box::new(BratWriter),
        Format::Jsonl => Box::new(JsonlWriter),
        Format::Conll => Box::new(ConllWriter::with_tokens(scheme, tokens)),
    }
}

/// A document as read, named from `names` and checked with `validation`:
/// the document with its warnings, or its errors ([`DataError::Invalid`]).
pub fn checked(
    mut read: ReadDocument,
    names: &[PathBuf],
    validation: &ValidationOptions,
) -> Result<(Document, Vec<Diagnostic>), DataError> {
    let mut diagnostics = read.diagnostics;
    diagnostics.extend(apply_names(&mut read.document, names)?);
    if let Some(kind) = crate::names::partly_named_on_spans(&read.document, names) {
        let id = read.document.id.clone();
        diagnostics.push(read.origin.diagnostic(&id, None, Severity::Warning, kind));
    }
    diagnostics.extend(validate(&read.document, &read.origin, validation));
    let (errors, warnings): (Vec<_>, Vec<_>) = diagnostics
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    if errors.is_empty() {
        Ok((read.document, warnings))
    } else {
        Err(DataError::Invalid(errors))
    }
}

/// Loads and validates every document of the corpus at `path`.
///
/// In strict mode the first document with an error ends loading with that error;
/// in lenient mode it is recorded in [`LoadReport::skipped`] and loading goes on.
///
/// ```no_run
/// use quotekit_data::{load_corpus, Format, LoadOptions};
/// let report = load_corpus("datasets/sample".as_ref(), Format::Brat, &LoadOptions::default())?;
/// println!("{} documents", report.documents.len());
/// # Ok::<(), quotekit_data::DataError>(())
/// ```
pub fn load_corpus(
    path: &Path,
    format: Format,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    if path.as_os_str().is_empty() {
        return Err(DataError::Layout {
            path: PathBuf::from("\"\""),
            message: "an empty path; name a corpus (a brat folder, a JSONL or a CoNLL file)".into(),
        });
    }
    // (`-` stands for standard input where records are streamed; a corpus
    // is read from a file or folder, which a file named `-` still is.)
    if path.as_os_str() == "-" && !path.exists() {
        return Err(DataError::Layout {
            path: path.to_path_buf(),
            message: "standard input is not read as a corpus: write it to a file (a .jsonl \
                      file for JSONL) and name that"
                .into(),
        });
    }
    // A names folder that is not there would name no one, silently.
    for dir in &options.names {
        if dir.as_os_str().is_empty() {
            return Err(DataError::Layout {
                path: PathBuf::from("\"\""),
                message: "an empty path; name a names folder (of ID.tsv files)".into(),
            });
        }
        if !dir.is_dir() {
            return Err(DataError::Layout {
                path: dir.clone(),
                message: if dir.exists() {
                    "a names folder (of ID.tsv files) must be a folder".into()
                } else {
                    "no such names folder".into()
                },
            });
        }
        // `ID.TSV` or `ID.tsv.gz` is never read (names files are
        // `ID.tsv`): its document would lose its names without a word.
        if let Some((file, why)) = crate::names::misnamed_file(dir) {
            return Err(DataError::Layout {
                path: file,
                message: why.into(),
            });
        }
    }
    let reader = reader(format, options);
    let mut report = LoadReport::default();
    // (Where each id was first read, to warn of a document that repeats it.)
    let mut first_of: std::collections::HashMap<String, String> = Default::default();
    // (Documents read but skipped: their names files are theirs.)
    let mut skipped_ids = Vec::new();
    for item in reader.read(path)? {
        let item = match item {
            Err(DataError::ErrorRecord(record)) if options.error_records => {
                report.error_records.push(record);
                continue;
            }
            item => item,
        };
        // (CoNLL numbers spans as it reads them: ids no names file names. A
        // CoNLL corpus without names files, such as a dev corpus beside
        // named brat training data, reads as ever.)
        if let (Format::Conll, Ok(read)) = (format, &item) {
            if names_file(&options.names, &read.document.id).is_some() {
                return Err(DataError::Layout {
                    path: path.to_path_buf(),
                    message: format!(
                        "names files name the T ids of a brat corpus, which a CoNLL file does not keep \
                         (document {:?} has one): give the brat corpus, or `quotekit convert --names DIR` \
                         it to JSONL, where each name stays on its span",
                        read.document.id
                    ),
                });
            }
        }
        let outcome = item.and_then(|mut read| {
            let id = read.document.id.clone();
            let origin = &read.origin;
            match first_of.get(&id) {
                Some(first) => {
                    let kind = ProblemKind::RepeatedDocument {
                        first: first.clone(),
                    };
                    let warning = origin.diagnostic(&id, None, Severity::Warning, kind);
                    read.diagnostics.push(warning);
                }
                None => {
                    let here = match origin.record_line {
                        Some(line) => format!("{}:{line}", origin.file.display()),
                        None => origin.file.display().to_string(),
                    };
                    first_of.insert(id.clone(), here);
                }
            }
            checked(read, &options.names, &options.validation).inspect_err(|_| skipped_ids.push(id))
        });
        match (outcome, options.mode) {
            (Ok((document, warnings)), _) => {
                report.documents.push(document);
                report.warnings.extend(warnings);
            }
            (Err(error), Mode::Strict) => return Err(error),
            // (What follows was not read: skipping it as one document would
            // undercount what is lost.)
            (Err(error @ DataError::ReadStopped { .. }), Mode::Lenient) => return Err(error),
            (Err(error), Mode::Lenient) => report.skipped.push(Skipped { error }),
        }
    }
    // The documents a `predict` run could not annotate, in its brat
    // output's errors file: refused or skipped as among documents (a file
    // that cannot be read at all, leniently, is one thing skipped).
    if format == Format::Brat && !options.error_records && path.is_dir() {
        for error in error_records_of(path).unwrap_or_else(|error| vec![error]) {
            match options.mode {
                Mode::Strict => return Err(error),
                Mode::Lenient => report.skipped.push(Skipped { error }),
            }
        }
    }
    report
        .warnings
        .extend(crate::mistyped::mistyped_names_files(
            &options.names,
            &report.documents,
            &skipped_ids,
        ));
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `predict --format documents` output with error records: counted
    /// where predictions are read, refused (or skipped, leniently) where a
    /// corpus of documents is.
    #[test]
    fn error_records_are_counted_where_predictions_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pred.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"text\":\"Ann said so.\",\"spans\":[],\"attributions\":[]}\n\
             {\"id\":\"b\",\"error\":{\"kind\":\"empty\",\"message\":\"the text is empty\"}}\n\
             {\"error\":{\"kind\":\"bad-id\",\"message\":\"x\"}}\n",
        )
        .unwrap();
        let counted = LoadOptions {
            error_records: true,
            ..LoadOptions::default()
        };
        let report = load_corpus(&path, Format::Jsonl, &counted).unwrap();
        assert_eq!(report.documents.len(), 1);
        let ids: Vec<&str> = report.error_records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "line 3"]);
        assert_eq!(
            report.error_records[0].to_string(),
            format!(
                "{}:2: document \"b\" is an error record (empty: the text is empty)",
                path.display()
            )
        );
        let e = load_corpus(&path, Format::Jsonl, &LoadOptions::default()).unwrap_err();
        assert!(
            matches!(e, DataError::ErrorRecord(ref r) if r.line == 2),
            "{e}"
        );
        let lenient = LoadOptions {
            mode: Mode::Lenient,
            ..LoadOptions::default()
        };
        let report = load_corpus(&path, Format::Jsonl, &lenient).unwrap();
        assert_eq!((report.skipped.len(), report.error_records.len()), (2, 0));
    }

    /// A brat output of `predict` with error records in its errors file:
    /// refused as a corpus of documents (or skipped, leniently), counted
    /// by no one here where predictions are read (their reader reads the
    /// file); a file of that name that holds no error records is not read.
    #[test]
    fn a_brat_outputs_error_records_are_refused_as_documents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "Ann said so.").unwrap();
        std::fs::write(dir.path().join("a.ann"), "T1\tSource 0 3\tAnn\n").unwrap();
        let errors = dir.path().join(crate::predict_errors::ERRORS_FILE);
        std::fs::write(
            &errors,
            "{\"id\":\"b\",\"error\":{\"kind\":\"empty\",\"message\":\"the text is empty\"}}\n",
        )
        .unwrap();
        let e = load_corpus(dir.path(), Format::Brat, &LoadOptions::default()).unwrap_err();
        assert!(
            matches!(e, DataError::ErrorRecord(ref r) if r.id == "b" && r.path == errors && r.line == 1),
            "{e}"
        );
        let lenient = LoadOptions {
            mode: Mode::Lenient,
            ..LoadOptions::default()
        };
        let report = load_corpus(dir.path(), Format::Brat, &lenient).unwrap();
        assert_eq!((report.documents.len(), report.skipped.len()), (1, 1));
        let counted = LoadOptions {
            error_records: true,
            ..LoadOptions::default()
        };
        let report = load_corpus(dir.path(), Format::Brat, &counted).unwrap();
        assert_eq!((report.documents.len(), report.error_records.len()), (1, 0));
        std::fs::write(&errors, "{\"note\":\"mine\"}\n").unwrap();
        let report = load_corpus(dir.path(), Format::Brat, &LoadOptions::default()).unwrap();
        assert_eq!((report.documents.len(), report.skipped.len()), (1, 0));
        // A file that cannot be read (damaged gzip) is refused, and
        // leniently skipped as one thing.
        std::fs::write(&errors, b"\x1f\x8b\x08\x00garbage").unwrap();
        let e = load_corpus(dir.path(), Format::Brat, &LoadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("errors.jsonl"), "{e}");
        let report = load_corpus(dir.path(), Format::Brat, &lenient).unwrap();
        assert_eq!((report.documents.len(), report.skipped.len()), (1, 1));
    }

    /// `ID.TSV` is named like a names file and never read: it is found (the
    /// first by name), and loading a corpus with its folder is refused.
    #[test]
    fn a_names_file_in_upper_case_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "").unwrap();
        assert_eq!(crate::names::misnamed_file(dir.path()), None);
        for name in ["c.Tsv", "b.TSV"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        assert_eq!(
            crate::names::misnamed_file(dir.path()).map(|(p, _)| p),
            Some(dir.path().join("b.TSV"))
        );
        let corpus = dir.path().join("c.jsonl");
        std::fs::write(&corpus, "{\"id\": \"a\", \"text\": \"Ann said so.\"}\n").unwrap();
        let options = LoadOptions {
            names: vec![dir.path().to_path_buf()],
            ..Default::default()
        };
        let e = load_corpus(&corpus, Format::Jsonl, &options)
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.TSV") && e.contains("lower case"), "{e}");
    }

    /// A document that repeats an earlier one's id is read and warned of,
    /// naming where the first is; one warning per repeat.
    #[test]
    fn a_repeated_document_id_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c.jsonl");
        let lines = ["a", "b", "a", "a"]
            .map(|id| format!("{{\"id\": \"{id}\", \"text\": \"Ann said so.\"}}\n"))
            .concat();
        std::fs::write(&corpus, lines).unwrap();
        let report = load_corpus(&corpus, Format::Jsonl, &LoadOptions::default()).unwrap();
        assert_eq!(report.documents.len(), 4);
        let repeats: Vec<String> = report
            .warnings
            .iter()
            .filter(|w| w.category() == "repeated document id")
            .map(ToString::to_string)
            .collect();
        assert_eq!(repeats.len(), 2, "{repeats:?}");
        assert!(repeats[0].contains("c.jsonl:3: warning"), "{}", repeats[0]);
        assert!(
            repeats[1].contains("(") && repeats[1].contains("c.jsonl:1)"),
            "{}",
            repeats[1]
        );
    }

    /// A file whose reading stops part way (a gzip stream cut short) fails
    /// a lenient load too: what follows was not read, and skipping it as one
    /// document would undercount what is lost.
    #[test]
    fn a_file_cut_short_fails_a_lenient_load() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("c.jsonl.gz");
        let docs: Vec<crate::Document> = (0..300)
            .map(|i| crate::Document::new(format!("d{i}"), format!("Text {i} {}.", "x".repeat(i))))
            .collect();
        writer(Format::Jsonl, TagScheme::Bio, Tokens::Quotekit)
            .write(&docs, &corpus)
            .unwrap();
        let bytes = std::fs::read(&corpus).unwrap();
        std::fs::write(&corpus, &bytes[..bytes.len() / 2]).unwrap();
        let options = LoadOptions {
            mode: Mode::Lenient,
            ..LoadOptions::default()
        };
        let err = load_corpus(&corpus, Format::Jsonl, &options).unwrap_err();
        assert!(matches!(err, DataError::ReadStopped { .. }), "{err}");
        assert!(
            err.to_string().ends_with("nothing after it was read"),
            "{err}"
        );
    }

    /// A names file whose id is a mistyped document id (within two edits of
    /// a document without names, its lines fitting that document's Source
    /// spans) is a warning that names both; a file of some other document,
    /// or one with a close id whose lines do not fit, is not.
    #[test]
    fn a_mistyped_names_file_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let names = dir.path().join("names");
        std::fs::create_dir(&names).unwrap();
        let corpus = dir.path().join("c.jsonl");
        let record = |id: &str| {
            format!(
                "{{\"id\": \"{id}\", \"text\": \"Ann said so.\", \"spans\": \
                 [{{\"id\": \"T1\", \"role\": \"source\", \"fragments\": [[0, 3]]}}]}}\n"
            )
        };
        let body = record("bridge-repair") + &record("school-lunch");
        std::fs::write(&corpus, body).unwrap();
        std::fs::write(names.join("bridge-repair.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        std::fs::write(names.join("storm-warning.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        std::fs::write(names.join("school-lunches.tsv"), "T1\tBob\tBob Roe\n").unwrap();
        let options = LoadOptions {
            names: vec![names.clone()],
            ..Default::default()
        };
        let load = || load_corpus(&corpus, Format::Jsonl, &options).unwrap();
        assert!(load().warnings.is_empty(), "{:?}", load().warnings);
        std::fs::write(names.join("school-lunhc.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        let report = load();
        assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
        let w = report.warnings[0].to_string();
        assert!(
            w.contains("school-lunhc.tsv: warning:")
                && w.contains("\"school-lunch\" has no names file"),
            "{w}"
        );
        // Ids that differ in digits alone are two documents, not a typo.
        std::fs::write(&corpus, record("lunch-1") + &record("lunch-2")).unwrap();
        std::fs::write(names.join("lunch-1.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        std::fs::write(names.join("lunch-3.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        assert!(load().warnings.is_empty(), "{:?}", load().warnings);
        std::fs::write(&corpus, record("bridge-repair") + &record("school-lunch")).unwrap();
        // Named right, the document reads its names and nothing is said.
        std::fs::rename(
            names.join("school-lunhc.tsv"),
            names.join("school-lunch.tsv"),
        )
        .unwrap();
        let report = load();
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
        assert_eq!(
            report.documents[1].spans[0].name.as_deref(),
            Some("Ann Lee")
        );
    }
}
