//! Reading corpora and scoring predictions against gold, as `quotekit
//! convert` and `quotekit eval` do.

use crate::errors;
use pyo3::prelude::*;
use quotekit_data::flags::CorpusFlags;
use quotekit_data::formats::jsonl::to_json_line;
use quotekit_data::names::check_names_match;
use quotekit_data::Tokenizer;
use quotekit_data::{load_corpus, Document, Format};
use quotekit_model::eval::linking::score_linker;
use quotekit_model::eval::notes::{names_no_one, names_unscored};
use quotekit_model::eval::{check_any_paired, check_gold, evaluate_checked};
use std::path::{Path, PathBuf};

/// The format named `format`, or the one `path` looks like.
fn format_of(path: &Path, format: Option<&str>) -> PyResult<Format> {
    match format {
        Some(f) => f.parse().map_err(errors::input),
        None => Ok(Format::detect(path)),
    }
}

/// Refuses a path that is neither a file nor a folder (a pipe, a device):
/// reading one waits for a writer, and with the interpreter released,
/// Ctrl-C could not stop the wait. (A path not there is the loader's to
/// report.) Every path a call reads is checked: corpora, label maps,
/// configs and what they name. The message names the path and `given_as`,
/// the argument or config key that gave it.
pub(crate) fn file_or_folder(path: &Path, given_as: &str) -> PyResult<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Err(errors::DataError::new_err(format!(
            "{}: neither a file nor a folder (a pipe or a device?), given as {given_as}; save it \
             to a file first",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// The command line's corpus flags besides the names and `lenient`, as
/// the Python wrapper passes them to both functions below: one dict, its
/// values checked there (`_corpus_flags`).
#[derive(Debug, Default, FromPyObject)]
#[pyo3(from_item_all)]
pub struct ReadFlags {
    annotator: Option<String>,
    ignore_labels: Option<Vec<String>>,
    label_map: Option<PathBuf>,
    deny_overlaps: bool,
}

impl ReadFlags {
    /// All the corpus flags: these with the `names` folders and `lenient`.
    fn with(self, names: Option<Vec<PathBuf>>, lenient: bool) -> CorpusFlags {
        CorpusFlags {
            lenient,
            deny_overlaps: self.deny_overlaps,
            annotator: self.annotator,
            ignore_labels: self.ignore_labels.unwrap_or_default(),
            label_map: self.label_map,
            names: names.unwrap_or_default(),
        }
    }
}

/// Loads a corpus as the command line's corpus flags `flags` say (names,
/// annotator, labels): strictly (the first bad document is an error that
/// names its file and line) or, `lenient`, leaving bad documents out, each
/// a warning (as `--lenient` does).
/// Reads a corpus, its warnings and the documents skipped (lenient) added
/// to `warnings`; with how many were skipped.
fn load(
    path: &Path,
    format: Format,
    flags: &CorpusFlags,
    warnings: &mut Vec<String>,
) -> PyResult<(Vec<Document>, usize)> {
    let report = load_with(path, format, flags, warnings, load_corpus)?;
    Ok((report.documents, report.skipped.len()))
}

/// [`load`] of `predict`'s output `path`, as `quotekit eval --pred` reads
/// it: its documents, and one predicting nothing (on the text of `gold`'s
/// document) for each document `predict` could not annotate, each said in
/// `warnings`.
fn load_predictions(
    path: &Path,
    flags: &CorpusFlags,
    gold: &[Document],
    warnings: &mut Vec<String>,
) -> PyResult<Vec<Document>> {
    use quotekit_infer::failed::scored_documents;
    use quotekit_infer::read_output::load_output;
    let format = Format::detect(path);
    let report = load_with(path, format, flags, warnings, load_output)?;
    let (documents, notes) = scored_documents(report, gold);
    warnings.extend(notes);
    Ok(documents)
}

/// [`load`] with `read` reading the corpus.
fn load_with(
    path: &Path,
    format: Format,
    flags: &CorpusFlags,
    warnings: &mut Vec<String>,
    read: fn(
        &Path,
        Format,
        &quotekit_data::LoadOptions,
    ) -> Result<quotekit_data::LoadReport, quotekit_data::DataError>,
) -> PyResult<quotekit_data::LoadReport> {
    // (The label map is read with the corpus: refused here if a pipe.)
    if let Some(map) = flags.label_map.as_deref() {
        file_or_folder(map, "label_map")?;
    }
    // (A label it reads, among `ignore_labels`, is a bad argument.)
    flags.check_ignore_labels().map_err(|e| {
        // (Without the library's `configuration:`, as the argument's other
        // checks say.)
        let message = match e {
            quotekit_data::DataError::Config(message) => message,
            other => other.to_string(),
        };
        errors::InputError::new_err(errors::advice(message))
    })?;
    let options = flags.load_options().map_err(errors::data)?;
    let report = read(path, format, &options)
        .map_err(|e| errors::input_in(&format!("loading {}", path.display()), errors::data(e)))?;
    warnings.extend(report.warnings.iter().map(ToString::to_string));
    warnings.extend(
        report
            .skipped
            .iter()
            .map(|s| format!("skipped a document with errors (lenient): {}", s.error)),
    );
    Ok(report)
}

/// The warnings that `flags`' label map is not used, when none of the
/// corpora read, of `formats`, is CoNLL (the map is then dropped from
/// `flags`, not read: a broken one would fail the call after the warning),
/// and that its annotator and ignored labels are not, when none is brat
/// (as the command line warns of its flags).
fn unused_flags(flags: &mut CorpusFlags, formats: &[Format]) -> Vec<String> {
    use quotekit_data::flags::{drop_unused_label_map, unused_annotator, unused_ignore_labels};
    let map =
        drop_unused_label_map(&mut flags.label_map, formats).map(|why| format!("label_map {why}"));
    let annotator =
        unused_annotator(flags.annotator.as_deref(), formats).map(|why| format!("annotator {why}"));
    let labels = unused_ignore_labels(&flags.ignore_labels, formats)
        .map(|why| format!("ignore_labels {why}"));
    map.into_iter().chain(annotator).chain(labels).collect()
}

/// Raises each of a corpus's warnings (repairs made while reading it, as
/// `quotekit stats` lists them) as a Python `UserWarning` at the caller's
/// line: nothing is dropped silently.
pub(crate) fn warn_all(py: Python<'_>, warnings: &[String]) -> PyResult<()> {
    let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
    for w in warnings {
        // (In Python's words: `label_map=FILE`, not the flag.)
        let message = std::ffi::CString::new(errors::advice(w.clone()).replace('\0', "\\0"))
            .unwrap_or_else(|_| c"a corpus warning".to_owned());
        PyErr::warn(py, &category, &message, 2)?;
    }
    Ok(())
}

/// The documents of the corpus at `path` (a brat folder, `.jsonl` or
/// `.conll`, gzip-compressed as `.gz`; `format` overrides the guess from
/// the path), each as a line of
/// quotekit's document JSONL, in corpus order.
#[pyfunction]
#[pyo3(signature = (path, format=None, names=None, lenient=false, flags=None))]
pub fn read_corpus(
    py: Python<'_>,
    path: PathBuf,
    format: Option<&str>,
    names: Option<Vec<PathBuf>>,
    lenient: bool,
    flags: Option<ReadFlags>,
) -> PyResult<Vec<String>> {
    let format = format_of(&path, format)?;
    file_or_folder(&path, "path")?;
    let mut flags = flags.unwrap_or_default().with(names, lenient);
    let mut warnings = unused_flags(&mut flags, &[format]);
    let (docs, _) = py.detach(|| load(&path, format, &flags, &mut warnings))?;
    check_names_match(&flags.names, &docs, &path).map_err(errors::data)?;
    warn_all(py, &warnings)?;
    Ok(docs.iter().map(to_json_line).collect())
}

/// Scores the predicted corpus `pred` against `gold` (paired by document
/// id); when gold names its speakers (`names`, folders of names files, or
/// names carried on its Source spans), the who-said-what section too. With `link_gold` instead of `pred`, scores the rule linker on the
/// gold spans (`quotekit eval --link-gold`). Returns `quotekit eval
/// --json`'s figures as JSON.
#[pyfunction]
#[pyo3(signature = (gold, pred=None, names=None, link_gold=false, lenient=false, flags=None))]
pub fn evaluate(
    py: Python<'_>,
    gold: PathBuf,
    pred: Option<PathBuf>,
    names: Option<Vec<PathBuf>>,
    link_gold: bool,
    lenient: bool,
    flags: Option<ReadFlags>,
) -> PyResult<String> {
    if pred.is_some() == link_gold {
        return Err(errors::InputError::new_err(
            "give pred (predictions to score) or link_gold=True (the linker on gold spans), one of them",
        ));
    }
    file_or_folder(&gold, "gold")?;
    if let Some(pred) = &pred {
        file_or_folder(pred, "pred")?;
    }
    let mut flags = flags.unwrap_or_default().with(names, lenient);
    let formats: Vec<Format> = std::iter::once(&gold)
        .chain(&pred)
        .map(|p| Format::detect(p))
        .collect();
    let mut warnings = unused_flags(&mut flags, &formats);
    let names = &flags.names;
    let pred_flags = flags.for_predictions();
    let scores = py.detach(|| {
        let (gold_docs, gold_skipped) = load(&gold, Format::detect(&gold), &flags, &mut warnings)?;
        check_gold(&gold_docs, gold_skipped).map_err(|why| {
            errors::DataError::new_err(format!("cannot score against {}: {why}", gold.display()))
        })?;
        check_names_match(names, &gold_docs, &gold).map_err(errors::data)?;
        let evaluation = match &pred {
            Some(pred) => {
                // `predict --format jsonl` records (what `annotate_many`
                // gives, written as JSONL) are read with the gold texts.
                let records =
                    quotekit_infer::render::read::records_as_documents(pred, &gold_docs, lenient)
                        .map_err(|e| errors::DataError::new_err(errors::advice(e.to_string())))?;
                // Names files are gold: the predictions' names are their own.
                let (pred_docs, quote_names) = match records {
                    Some(records) => {
                        warnings.extend(records.notes);
                        warnings.extend(records.skipped.iter().map(|why| {
                            format!("skipped a line that is no record or does not fit its text (lenient): {why}")
                        }));
                        (records.documents, Some(records.speaker_names))
                    }
                    None => (
                        load_predictions(pred, &pred_flags, &gold_docs, &mut warnings)?,
                        None,
                    ),
                };
                let evaluation = check_any_paired(&gold_docs, &pred_docs)
                    .and_then(|()| {
                        evaluate_checked(&gold_docs, &pred_docs, names, quote_names.as_deref())
                    })
                    .map_err(|why| {
                        errors::DataError::new_err(format!(
                            "cannot score {} against {}: {why}",
                            pred.display(),
                            gold.display()
                        ))
                    })?;
                if names_unscored(&evaluation, &pred_docs, quote_names.as_deref()) {
                    warnings.push(format!(
                        "{} names its speakers and {} does not, so who said what is left out: give the gold's names with names=",
                        pred.display(),
                        gold.display()
                    ));
                }
                if gold_skipped > 0 && !evaluation.unmatched_predictions.is_empty() {
                    warnings.push(format!(
                        "{gold_skipped} gold document(s) were skipped for errors: predictions of those, if any, count among the predicted documents with no gold document"
                    ));
                }
                if names_no_one(&evaluation) {
                    warnings.push(format!(
                        "no quote of {} names its speaker: who said what counts each as naming no one",
                        pred.display()
                    ));
                }
                evaluation
            }
            None => score_linker(&gold_docs, &Tokenizer::new()),
        };
        serde_json::to_string(&evaluation).map_err(errors::input)
    });
    // (The warnings too when scoring failed: the lines skipped may say why.)
    let warned = warn_all(py, &warnings);
    let scores = scores?;
    warned?;
    Ok(scores)
}

/// Who is quoted (`quotekit stats` on `predict`'s records): the records of
/// the JSONL file `path`, or `records` (each a record's JSON text), counted
/// by speaker name; by the value of the field `by` too; with `merge_names`,
/// one person's names across documents as one. Returns `stats --json`'s
/// figures as JSON.
#[pyfunction]
#[pyo3(signature = (path=None, records=None, by=None, merge_names=false))]
pub fn who_is_quoted(
    py: Python<'_>,
    path: Option<PathBuf>,
    records: Option<Vec<String>>,
    by: Option<String>,
    merge_names: bool,
) -> PyResult<String> {
    use quotekit_infer::quoted::{by::QuotedBy, Quoted};
    if let Some(path) = &path {
        if path.as_os_str().is_empty() {
            return Err(errors::input(
                "\"\": an empty path; name a JSONL file of `predict` records",
            ));
        }
        file_or_folder(path, "records")?;
    }
    let mut warnings = Vec::new();
    let json = py.detach(|| -> Result<String, quotekit_infer::InferError> {
        let records = records.as_deref().unwrap_or_default();
        let texts = records.iter().map(String::as_str);
        let by_field = |quoted: QuotedBy, source: &str, warnings: &mut Vec<String>| {
            warnings.extend(quoted.warnings(source));
            counts_json(quoted, merge_names.then_some(QuotedBy::merge_names))
        };
        let all = |quoted: Quoted, source: &str, warnings: &mut Vec<String>| {
            warnings.extend(quoted.warnings(source));
            counts_json(quoted, merge_names.then_some(Quoted::merge_names))
        };
        let json = match (&by, &path) {
            (Some(field), Some(path)) => by_field(
                QuotedBy::read(path, field)?,
                &path.display().to_string(),
                &mut warnings,
            ),
            (Some(field), None) => by_field(
                QuotedBy::of_records(texts, field)?,
                "the records",
                &mut warnings,
            ),
            (None, Some(path)) => all(
                Quoted::read(path)?,
                &path.display().to_string(),
                &mut warnings,
            ),
            (None, None) => all(Quoted::of_records(texts)?, "the records", &mut warnings),
        };
        Ok(json)
    });
    // (A file of records that cannot be read or used is data, as a pipe
    // there is; records given as a list are an argument, as is the field to
    // count them by, which the Python side checks first.)
    let json = json.map_err(|e| match &path {
        Some(_) => errors::DataError::new_err(e.to_string()),
        None => errors::input(e),
    })?;
    warn_all(py, &warnings)?;
    Ok(json)
}

/// Counts as JSON, merged first when `merge` is given.
fn counts_json<T: serde::Serialize>(counts: T, merge: Option<fn(T) -> T>) -> String {
    let counts = match merge {
        Some(merge) => merge(counts),
        None => counts,
    };
    serde_json::to_string(&counts).expect("counts serialise")
}
