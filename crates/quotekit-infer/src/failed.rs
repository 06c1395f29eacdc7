//! The documents `predict` could not annotate, as a reader of its output
//! finds them: the error records of a brat output folder's
//! [`ERRORS_FILE`], and those among `--format documents` JSONL. Commands
//! that read such output as a corpus (`eval --pred`, `stats`, `convert`,
//! Python's `evaluate`) count them, so that none is lost without a word.

use crate::error::InferError;
use crate::output::{holds_errors_only, ERRORS_FILE};
use crate::render::read::error_records;
use quotekit_data::{
    load_corpus, DataError, Document, ErrorRecord, Format, LoadOptions, LoadReport,
};
use std::path::Path;

/// Reads `predict`'s output `corpus` (of `format`) as a corpus: the error
/// records of `--format documents` output are counted in
/// [`LoadReport::error_records`] (whatever `options` says of them), not
/// refused; a brat output whose every document failed (its
/// [`ERRORS_FILE`] alone) is a corpus of no documents.
pub fn load_output(
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

/// The error records of the documents `predict` could not annotate in
/// its output `corpus` of `format`, read as `report` ([`load_output`]):
/// those of a brat folder's [`ERRORS_FILE`], then those among `--format
/// documents` JSONL (none for a corpus of another kind).
pub fn failed(
    corpus: &Path,
    format: Format,
    report: &LoadReport,
) -> Result<Vec<ErrorRecord>, InferError> {
    let errors = corpus.join(ERRORS_FILE);
    let mut failed = if format == Format::Brat && errors.is_file() {
        error_records(&errors)?
    } else {
        Vec::new()
    };
    failed.extend(report.error_records.iter().cloned());
    Ok(failed)
}

/// A document with nothing annotated for each of `failed`, on the text of
/// the `gold` document of its id (empty where gold has none): scored, they
/// count as predicting nothing, as a record with no quotes does.
pub fn predicting_nothing(failed: &[ErrorRecord], gold: &[Document]) -> Vec<Document> {
    let texts: std::collections::HashMap<&str, &str> =
        gold.iter().map(|g| (g.id.as_str(), g.text())).collect();
    failed
        .iter()
        .map(|r| {
            Document::new(
                r.id.clone(),
                texts.get(r.id.as_str()).copied().unwrap_or(""),
            )
        })
        .collect()
}

/// What scoring against `gold` says of a document `predict` could not
/// annotate: scored as predicting nothing, or, where gold has no document
/// of its id, counted among the predictions with no gold document.
pub fn scored_note(record: &ErrorRecord, gold: &[Document]) -> String {
    if gold.iter().any(|g| g.id == record.id) {
        format!("{record}: scored as predicting nothing")
    } else {
        format!("{record}: no gold document has its id, so it is counted among the predictions with no gold document")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_output_error_records_are_counted_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pred.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"id":"a","text":"Ann said so."}"#,
                "\n",
                r#"{"id":"b","error":{"kind":"too-long","message":"too long"}}"#,
                "\n"
            ),
        )
        .unwrap();
        // (Even where the options would refuse them, as gold's do.)
        let report = load_output(&path, Format::Jsonl, &LoadOptions::default()).unwrap();
        assert_eq!(report.documents.len(), 1);
        let failed = failed(&path, Format::Jsonl, &report).unwrap();
        let gold = [Document::new("a", "Ann said so."), Document::new("b", "")];
        assert!(scored_note(&failed[0], &gold[..1]).ends_with(
            ": no gold document has its id, so it is counted among the predictions with no gold \
             document"
        ));
        assert_eq!(
            scored_note(&failed[0], &gold),
            format!(
                "{}:2: document \"b\" is an error record (too-long: too long): scored as \
                 predicting nothing",
                path.display()
            )
        );
        assert!(load_corpus(&path, Format::Jsonl, &LoadOptions::default()).is_err());
    }

    #[test]
    fn a_brat_output_of_error_records_alone_is_no_documents_and_its_failures() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(ERRORS_FILE),
            concat!(
                r#"{"id":"x","error":{"kind":"empty","message":"the text is empty"}}"#,
                "\n",
                r#"{"id":"y","error":{"kind":"empty","message":"the text is empty"}}"#,
                "\n"
            ),
        )
        .unwrap();
        let report = load_output(dir.path(), Format::Brat, &LoadOptions::default()).unwrap();
        assert!(report.documents.is_empty());
        let failed = failed(dir.path(), Format::Brat, &report).unwrap();
        let ids: Vec<&str> = failed.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["x", "y"]);
        // (Named by the file and line that hold them.)
        assert_eq!(failed[1].path, dir.path().join(ERRORS_FILE));
        assert_eq!(failed[1].line, 2);
        assert_eq!(failed[1].message, "empty: the text is empty");
    }

    #[test]
    fn predicting_nothing_takes_gold_text_where_gold_has_the_document() {
        let gold = [Document::new("a", "Ann said so.")];
        let record = |id: &str| ErrorRecord {
            id: id.into(),
            path: "p.jsonl".into(),
            line: 1,
            message: "empty: the text is empty".into(),
        };
        let docs = predicting_nothing(&[record("a"), record("z")], &gold);
        assert_eq!(docs[0].text(), "Ann said so.");
        assert!(docs[0].spans.is_empty() && docs[0].attributions.is_empty());
        assert_eq!((docs[1].id.as_str(), docs[1].text()), ("z", ""));
    }
}
