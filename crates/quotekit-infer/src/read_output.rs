//! `predict`'s output read back as a corpus: a brat folder or `--format
//! documents` JSONL, with the documents the run could not annotate counted
//! ([`crate::failed`] says which), not refused.

use crate::output::ERRORS_FILE;
use quotekit_data::formats::jsonl::JsonlReader;
use quotekit_data::load::Skipped;
use quotekit_data::{load_corpus, CorpusReader, DataError, Format, LoadOptions, LoadReport, Mode};
use std::path::Path;

/// True when `dir` is the brat output of a `predict` run whose every
/// document failed: a folder holding its [`ERRORS_FILE`] and no article
/// (nothing else but hidden files, such as the run's own record). Read as
/// a corpus it would be a folder of no brat files; it is a corpus of no
/// documents, and those error records.
pub fn holds_errors_only(dir: &Path) -> bool {
    if !dir.join(ERRORS_FILE).is_file() {
        return false;
    }
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().all(|e| {
            let name = e.file_name();
            name == ERRORS_FILE || name.to_string_lossy().starts_with('.')
        })
    })
}

/// Reads `predict`'s output `corpus` (of `format`) as a corpus: the error
/// records of `--format documents` output, and those of a brat output's
/// [`ERRORS_FILE`] after them, are counted in [`LoadReport::error_records`]
/// (whatever `options` says of them), not refused; a brat output whose
/// every document failed (its [`ERRORS_FILE`] alone) is a corpus of no
/// documents. A line of [`ERRORS_FILE`] that is no error record (cut off
/// when predict was killed, damaged) is an error naming it, or with
/// lenient reading is left out in [`LoadReport::skipped`].
pub fn load_output(
    corpus: &Path,
    format: Format,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    let mut report = load_documents(corpus, format, options)?;
    let errors = corpus.join(ERRORS_FILE);
    if format == Format::Brat && errors.is_file() {
        read_error_records(&errors, options.mode, &mut report)?;
    }
    Ok(report)
}

/// [`load_output`] but for a brat output's [`ERRORS_FILE`], for a reader
/// that reads that file itself (`render` draws each of its lines, a
/// damaged one as a page of its error).
pub fn load_documents(
    corpus: &Path,
    format: Format,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    if format == Format::Brat && holds_errors_only(corpus) {
        return Ok(LoadReport::default());
    }
    let options = LoadOptions {
        error_records: true,
        ..options.clone()
    };
    load_corpus(corpus, format, &options)
}

/// What a line of [`ERRORS_FILE`] that is none is told to be.
const NO_ERROR_RECORD: &str =
    "not an error record of `quotekit predict` (`{\"id\": …, \"error\": {\"kind\", \"message\"}}`)";

/// Adds the error records of `path`, a brat output's [`ERRORS_FILE`], to
/// `report`, in their order. A line that is no error record is an error
/// naming the file and the line, or in [`Mode::Lenient`] a line left out.
fn read_error_records(path: &Path, mode: Mode, report: &mut LoadReport) -> Result<(), DataError> {
    for item in JsonlReader.read(path)? {
        let error = match item {
            Err(DataError::ErrorRecord(record)) => {
                report.error_records.push(record);
                continue;
            }
            // (A line the document reader could not read is said as no
            // error record, with why: `error` null, cut off, no JSON.)
            Err(DataError::Syntax {
                path,
                line,
                message,
            }) => DataError::Syntax {
                path,
                line,
                message: format!("{NO_ERROR_RECORD}: {message}"),
            },
            Err(e) => e,
            Ok(read) => DataError::Syntax {
                path: path.to_path_buf(),
                line: read.origin.record_line.unwrap_or(0),
                message: format!(
                    "{NO_ERROR_RECORD}, which is all {ERRORS_FILE} holds: a document ({:?})",
                    read.document.id
                ),
            },
        };
        match mode {
            Mode::Strict => return Err(error),
            Mode::Lenient => report.skipped.push(Skipped { error }),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `predict`'s error record of the document `id`, as a line.
    fn error_record(id: &str) -> String {
        format!(r#"{{"id":"{id}","error":{{"kind":"empty","message":"the text is empty"}}}}"#)
    }

    #[test]
    fn a_brat_output_of_error_records_alone_is_no_documents_and_its_failures() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(ERRORS_FILE),
            format!("{}\n{}\n", error_record("x"), error_record("y")),
        )
        .unwrap();
        let report = load_output(dir.path(), Format::Brat, &LoadOptions::default()).unwrap();
        assert!(report.documents.is_empty());
        let failed = &report.error_records;
        let ids: Vec<&str> = failed.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["x", "y"]);
        // (Named by the file and line that hold them.)
        assert_eq!(failed[1].path, dir.path().join(ERRORS_FILE));
        assert_eq!(failed[1].line, 2);
        assert_eq!(failed[1].message, "empty: the text is empty");
    }

    /// A brat output whose `errors.jsonl` was cut off in its last line (a
    /// killed run): strict reading names the file and the line; lenient
    /// reading keeps the documents and the whole records, and leaves the
    /// cut line out, saying so.
    #[test]
    fn a_cut_off_error_record_is_an_error_or_left_out_when_lenient() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "Ann said so.\n").unwrap();
        std::fs::write(dir.path().join("a.ann"), "").unwrap();
        std::fs::write(
            dir.path().join(ERRORS_FILE),
            format!("{}\n{}", error_record("x"), &error_record("y")[..28]),
        )
        .unwrap();
        let strict = load_output(dir.path(), Format::Brat, &LoadOptions::default()).unwrap_err();
        let said = strict.to_string();
        assert!(
            said.contains(&format!("{ERRORS_FILE}:2:")) && said.contains("cut off"),
            "{said}"
        );
        let lenient = LoadOptions {
            mode: Mode::Lenient,
            ..LoadOptions::default()
        };
        let report = load_output(dir.path(), Format::Brat, &lenient).unwrap();
        assert_eq!(report.documents.len(), 1);
        let ids: Vec<&str> = report.error_records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["x"]);
        assert_eq!(report.skipped.len(), 1);
        assert!(report.skipped[0]
            .error
            .to_string()
            .contains(&format!("{ERRORS_FILE}:2:")));
    }

    /// A document among the error records is no error record: named by its
    /// line.
    #[test]
    fn a_document_in_the_errors_file_is_refused_by_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(ERRORS_FILE),
            format!(
                "{}\n\n{}\n",
                error_record("x"),
                r#"{"id":"d","text":"Ann said so."}"#
            ),
        )
        .unwrap();
        let said = load_output(dir.path(), Format::Brat, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            said.contains(&format!("{ERRORS_FILE}:3: {NO_ERROR_RECORD}")) && said.contains("\"d\""),
            "{said}"
        );
        // (Nor is one whose `error` is null, said so, with why.)
        std::fs::write(
            dir.path().join(ERRORS_FILE),
            "{\"id\":\"x\",\"error\":null}\n",
        )
        .unwrap();
        let said = load_output(dir.path(), Format::Brat, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            said.contains(&format!(
                "{ERRORS_FILE}:1: {NO_ERROR_RECORD}: bad JSON record"
            )),
            "{said}"
        );
    }
}
