//! The documents `predict` could not annotate, as scoring takes them: its
//! output read back ([`crate::read_output::load_output`]) holds their error
//! records (a brat output folder's [`crate::output::ERRORS_FILE`], those
//! among `--format documents` JSONL), and `eval --pred` and Python's
//! `evaluate` score each as a document predicting nothing, so that none is
//! lost without a word.

use quotekit_data::{Document, LoadReport};

/// The documents of `report`, `predict`'s output read with
/// [`crate::read_output::load_output`], as scoring against `gold` takes
/// them: with a document predicting nothing (nothing annotated, on the text
/// of gold's document of its id, empty where gold has none) for each that
/// `predict` could not annotate (its error records), and what scoring says
/// of each: scored as predicting nothing, or, where gold has no document of
/// its id, counted among the predictions with no gold document.
pub fn scored_documents(report: LoadReport, gold: &[Document]) -> (Vec<Document>, Vec<String>) {
    let failed = report.error_records;
    let texts: std::collections::HashMap<&str, &str> =
        gold.iter().map(|g| (g.id.as_str(), g.text())).collect();
    let mut documents = report.documents;
    let mut notes = Vec::with_capacity(failed.len());
    for record in &failed {
        let text = texts.get(record.id.as_str()).copied();
        notes.push(match text {
            Some(_) => format!("{record}: scored as predicting nothing"),
            None => format!(
                "{record}: no gold document has its id, so it is counted among the predictions \
                 with no gold document"
            ),
        });
        documents.push(Document::new(record.id.clone(), text.unwrap_or("")));
    }
    (documents, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::ERRORS_FILE;
    use crate::read_output::load_output;
    use quotekit_data::{load_corpus, Format, LoadOptions};

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
        let read = || load_output(&path, Format::Jsonl, &LoadOptions::default()).unwrap();
        assert_eq!(read().documents.len(), 1);
        let gold = [Document::new("a", "Ann said so."), Document::new("b", "")];
        let (documents, notes) = scored_documents(read(), &gold);
        assert_eq!(documents.len(), 2);
        assert_eq!(
            notes,
            [format!(
                "{}:2: document \"b\" is an error record (too-long: too long): scored as \
                 predicting nothing",
                path.display()
            )]
        );
        let (_, notes) = scored_documents(read(), &gold[..1]);
        assert!(notes[0].ends_with(
            ": no gold document has its id, so it is counted among the predictions with no gold \
             document"
        ));
        assert!(load_corpus(&path, Format::Jsonl, &LoadOptions::default()).is_err());
    }

    #[test]
    fn predicting_nothing_takes_gold_text_where_gold_has_the_document() {
        let dir = tempfile::tempdir().unwrap();
        let empty = r#"{"error":{"kind":"empty","message":"the text is empty"}"#;
        std::fs::write(
            dir.path().join(ERRORS_FILE),
            format!("{empty},\"id\":\"a\"}}\n{empty},\"id\":\"z\"}}\n"),
        )
        .unwrap();
        let gold = [Document::new("a", "Ann said so.")];
        let report = load_output(dir.path(), Format::Brat, &LoadOptions::default()).unwrap();
        let (docs, _) = scored_documents(report, &gold);
        assert_eq!(docs[0].text(), "Ann said so.");
        assert!(docs[0].spans.is_empty() && docs[0].attributions.is_empty());
        assert_eq!((docs[1].id.as_str(), docs[1].text()), ("z", ""));
    }
}
