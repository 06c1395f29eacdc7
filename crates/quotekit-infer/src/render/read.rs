//! Reading predictions for the pages, from any format quotekit writes:
//! `predict`'s `jsonl` records (with the texts they were made from, since the
//! records hold offsets but not the text), document JSONL, brat folders and
//! CoNLL. Error records become documents that show their error.
//! The file runs over 500 lines with its tests: the formats, and how records
//! are told from documents, are read together.

use super::predicted::{Predicted, View};
use crate::error::InferError;
use crate::input::{open, Input, ReadLimits};
use quotekit_data::formats::jsonl::parse_record;
use quotekit_data::ids::json_id;
use quotekit_data::load::checked;
use quotekit_data::validate::ValidationOptions;
use quotekit_data::{
    Attribution, CharSpan, Document, ErrorRecord, Format, LoadOptions, Role, Span,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// Predictions as read.
#[derive(Debug)]
pub struct Predictions {
    /// The documents, in the order read.
    pub views: Vec<View>,
    /// Whether they came from `predict --format jsonl` records, which hold
    /// the spans of quotes only, each as one range.
    pub records: bool,
    /// A corpus's problems that did not stop a document from loading.
    pub warnings: Vec<quotekit_data::Diagnostic>,
    /// A corpus's documents left out (lenient mode only).
    pub skipped: Vec<quotekit_data::load::Skipped>,
    /// The views (positions in `views`) of JSONL lines that are no document,
    /// record or error record (cut off, not JSON, no usable id): drawn as
    /// errors, but no prediction to score.
    pub bad_lines: Vec<usize>,
}

/// A span of a `jsonl` record.
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct SpanIn {
    start: usize,
    end: usize,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    confidence: Option<f64>,
}

/// A span is read from an object only: serde reads a struct from an array
/// too (`"speaker": [0, 9]` as a span from 0 to 9, without the text that
/// checks it), which no record holds.
impl<'de> Deserialize<'de> for SpanIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = SpanIn;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a span object ({\"start\": …, \"end\": …, \"text\": …})")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<SpanIn, A::Error> {
                SpanIn::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Object)
    }
}

/// A quote of a `jsonl` record.
#[derive(Deserialize)]
struct QuoteIn {
    #[serde(default)]
    content: Vec<SpanIn>,
    #[serde(default)]
    cue: Option<SpanIn>,
    #[serde(default)]
    speaker: Option<SpanIn>,
    #[serde(default)]
    speaker_name: Option<String>,
}

/// The part of a `jsonl` record the pages use.
#[derive(Deserialize)]
struct RecordIn {
    #[serde(deserialize_with = "id_text")]
    id: String,
    quotes: Vec<QuoteIn>,
}

/// A record's id: a string, or a whole number of 64 bits as its digits (as
/// `predict` reads ids).
fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = Value::deserialize(d)?;
    json_id(&value).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "the id {value} is neither a string nor a whole number of 64 bits"
        ))
    })
}

/// Reads predictions from `path`: a brat folder, a `.conll` file, or a
/// JSONL file of `predict` records (which need `texts`, the input predict
/// read) or of documents.
pub fn read_predictions(
    path: &Path,
    texts: Option<&Path>,
    options: &LoadOptions,
) -> Result<Predictions, InferError> {
    let texts = match texts {
        Some(t) if Format::detect(path) == Format::Jsonl => Some(read_texts(t)?),
        _ => None,
    };
    read_predictions_on(path, texts, options)
}

/// [`read_predictions`] with the texts of `predict` records taken from
/// `gold`, the documents they were predicted on (as `eval` reads records
/// with gold's texts).
pub fn read_predictions_with_gold(
    path: &Path,
    gold: &[Document],
    options: &LoadOptions,
) -> Result<Predictions, InferError> {
    read_predictions_on(path, Some(Texts::of_gold(gold)), options)
}

/// [`read_predictions`] with the texts read.
fn read_predictions_on(
    path: &Path,
    texts: Option<Texts>,
    options: &LoadOptions,
) -> Result<Predictions, InferError> {
    let format = Format::detect(path);
    if format != Format::Jsonl {
        // (A run whose every document failed wrote its error records alone.)
        let report = crate::read_output::load_documents(path, format, options)
            .map_err(|e| InferError::Data(Box::new(e)))?;
        let mut views: Vec<View> = report
            .documents
            .into_iter()
            .map(View::of_document)
            .collect();
        let errors = path.join(crate::output::ERRORS_FILE);
        if format == Format::Brat && errors.is_file() {
            views.extend(read_jsonl(&errors, None, &[], &options.validation)?.views);
        }
        return Ok(Predictions {
            views,
            records: false,
            warnings: report.warnings,
            skipped: report.skipped,
            bad_lines: Vec::new(),
        });
    }
    read_jsonl(path, texts.as_ref(), &options.names, &options.validation)
}

/// True when the first record of the JSONL file `path` that is no error
/// record (both formats have those) is a `predict --format jsonl` record
/// (quotes, no text), not a document.
pub fn holds_records(path: &Path) -> Result<bool, InferError> {
    Ok(first_record(path)? == Some(true))
}

/// True when the first record of the JSONL file `path` that is no error
/// record is a document (a corpus's, or `predict --format documents`
/// output), not a `predict --format jsonl` record.
pub fn holds_documents(path: &Path) -> Result<bool, InferError> {
    Ok(first_record(path)? == Some(false))
}

/// True when the JSONL file `path` holds `predict --format jsonl` records
/// ([`holds_records`]), or error records and nothing else (a run whose
/// every document failed).
pub fn holds_records_or_errors(path: &Path) -> Result<bool, InferError> {
    Ok(match first_record(path)? {
        Some(records) => records,
        None => lines(path)?.next().is_some(),
    })
}

/// Whether the first record of `path` that is no error record is a
/// `predict --format jsonl` record; `None` when there is none. A line is
/// told by its keys ([`Shape`]), so that a value the reader would refuse
/// later (a number out of range, a bad string) does not make a file of
/// records look like a corpus, to be refused for another reason. A line
/// that is no JSON object (damaged, cut off) tells nothing: the next one
/// does, so that one bad first line does not make every record after it
/// read as a bad document.
fn first_record(path: &Path) -> Result<Option<bool>, InferError> {
    for line in lines(path)? {
        let (_, line) = line?;
        match serde_json::from_slice::<Shape>(&line) {
            Ok(s) if s.error && !s.text => continue,
            Ok(s) => return Ok(Some(s.is_record())),
            Err(_) => continue,
        }
    }
    Ok(None)
}

/// What tells a line's kind: which of the keys `error`, `text` and
/// `quotes` it has, and whether its `spans` are a list (a document's; a
/// record's `spans` counts them by role). Other values are passed over
/// unread.
#[derive(Default)]
struct Shape {
    error: bool,
    text: bool,
    quotes: bool,
    spans_listed: bool,
}

impl Shape {
    /// The shape of a line read whole, as an object.
    fn of(o: &serde_json::Map<String, Value>) -> Self {
        Shape {
            error: has_error(o),
            text: o.contains_key("text"),
            quotes: o.contains_key("quotes"),
            spans_listed: o.get("spans").is_some_and(Value::is_array),
        }
    }

    /// True for a `predict --format jsonl` record: quotes, and no list of
    /// spans (a document's; a record's `spans` counts them by role). A
    /// record may carry its input's text beside its quotes, as a pipeline
    /// that keeps the text may add it.
    fn is_record(&self) -> bool {
        self.quotes && !self.spans_listed
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = Shape;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Shape, A::Error> {
                let mut shape = Shape::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "spans" => shape.spans_listed = map.next_value::<Value>()?.is_array(),
                        // (`"error": null`, as a table's round trip writes
                        // it for every record, is no error.)
                        "error" => {
                            shape.error =
                                map.next_value::<Option<serde::de::IgnoredAny>>()?.is_some()
                        }
                        other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            match other {
                                "text" => shape.text = true,
                                "quotes" => shape.quotes = true,
                                _ => {}
                            }
                        }
                    }
                }
                Ok(shape)
            }
        }
        d.deserialize_map(Keys)
    }
}

/// The keys of a line that these pages read (`id`, `quotes`, `error`,
/// `text`, `spans`), as an object; the others, an input record's fields
/// `predict` passed through, are passed over unread, so that a value no
/// [`Value`] holds (a number past a float's range, which `predict` writes
/// as it went in) does not make a record unreadable.
fn known_keys(line: &[u8]) -> Result<serde_json::Map<String, Value>, serde_json::Error> {
    struct Known;
    impl<'de> serde::de::Visitor<'de> for Known {
        type Value = serde_json::Map<String, Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if matches!(key.as_str(), "id" | "quotes" | "error" | "text" | "spans") {
                    // (A repeated key is refused, as the other readers
                    // refuse it: the last one would win without a word.)
                    if out.contains_key(&key) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate field `{key}`"
                        )));
                    }
                    out.insert(key, map.next_value()?);
                } else {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(line);
    let object = serde::de::Deserializer::deserialize_map(&mut de, Known)?;
    de.end()?;
    Ok(object)
}

/// The lines of a JSONL file that are not blank, numbered from 1, a
/// byte-order mark off any. A folder is refused, saying how to join the
/// files of one (a Spark job's output folder of part files).
pub(crate) fn lines(
    path: &Path,
) -> Result<impl Iterator<Item = Result<(usize, Vec<u8>), InferError>> + '_, InferError> {
    if path.is_dir() {
        let why = "a folder, not a JSONL file of records (a Spark job's output folder: join its \
                   part files, `cat FOLDER/part-* > records.jsonl`)";
        return Err(InferError::io(path, std::io::Error::other(why)));
    }
    let file = quotekit_data::gzip::open(path).map_err(|e| InferError::io(path, e))?;
    Ok(lines_of(file, path))
}

/// The longest line this module's readers of records and documents take
/// (the corpus readers' own).
pub use quotekit_data::read::MAX_LINE_BYTES;

/// [`lines`] of any reader, `path` naming it in errors. A line longer than
/// [`MAX_LINE_BYTES`] is an error, and the last item.
pub(crate) fn lines_of<'p>(
    reader: impl BufRead + 'p,
    path: &'p Path,
) -> impl Iterator<Item = Result<(usize, Vec<u8>), InferError>> + 'p {
    lines_within(reader, path, MAX_LINE_BYTES)
}

/// [`lines_of`] with lines of at most `cap` bytes.
fn lines_within<'p>(
    mut reader: impl BufRead + 'p,
    path: &'p Path,
    cap: u64,
) -> impl Iterator<Item = Result<(usize, Vec<u8>), InferError>> + 'p {
    let mut line_no = 0;
    let mut ended = false;
    std::iter::from_fn(move || loop {
        if ended {
            return None;
        }
        let mut buf = Vec::new();
        line_no += 1;
        // (The last item: what follows cannot be read, and a reader that
        // goes on past errors must not wait for it.)
        match quotekit_data::read::read_line_within(&mut reader, &mut buf, cap) {
            Err(e) if quotekit_data::read::is_line_too_long(&e) => {
                ended = true;
                return Some(Err(InferError::Usage(format!(
                    "{}:{line_no}: a line over {} bytes, longer than any record or document quotekit writes",
                    path.display(),
                    cap
                ))));
            }
            Err(e) => {
                ended = true;
                let e = quotekit_data::DataError::read_stopped(path, line_no, e);
                return Some(Err(InferError::Data(Box::new(e))));
            }
            Ok(0) => return None,
            Ok(_) => {}
        }
        quotekit_data::formats::strip_bom(&mut buf);
        if !buf.iter().all(u8::is_ascii_whitespace) {
            return Some(Ok((line_no, buf)));
        }
    })
}

/// `predict --format jsonl` records read as documents, so that they can be
/// scored against `gold`, whose texts they are read with (by id). `None`
/// when `path` holds documents or another format (read it as a corpus). A
/// record holds the spans of quotes only, each as one range; a record that
/// does not fit its text, or a line that is no record, is an error naming
/// the file and the line (with `lenient`, either is left out, in
/// [`Records::skipped`], as a document that fails to load is left out of a
/// corpus); an error record is the document predicted
/// as nothing, with a note. A record of a document gold does not have is
/// read as an empty document of its id (the scores count it as a prediction
/// with no gold document).
pub fn records_as_documents(
    path: &Path,
    gold: &[Document],
    lenient: bool,
) -> Result<Option<Records>, InferError> {
    // (A file of error records only is a run whose every document failed:
    // each scored as predicting nothing.)
    if Format::detect(path) != Format::Jsonl || !path.is_file() || !holds_records_or_errors(path)? {
        return Ok(None);
    }
    let texts = Texts::of_gold(gold);
    let mut notes = Vec::new();
    let Predictions {
        views, bad_lines, ..
    } = read_jsonl(path, Some(&texts), &[], &ValidationOptions::default())?;
    // A line that is no record (cut off when predict was killed, damaged)
    // is an error: scored, its document would count as predicting nothing.
    // (`bad_lines` is in order.)
    let (bad, views): (Vec<_>, Vec<_>) = views
        .into_iter()
        .enumerate()
        .partition(|(k, _)| bad_lines.binary_search(k).is_ok());
    // (Each with its line's place, so that they are said in file order.)
    let mut skipped: Vec<(usize, String)> = bad
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.content.err()?)))
        .collect();
    // (Strict reading stops at the first bad line, which may be a record
    // that does not fit its text, found below.)
    let prefix = format!("{}:", path.display());
    let misfit =
        |v: &View| matches!(&v.content, Err(why) if texts.has(&v.id) && why.starts_with(&prefix));
    let first_misfit = views.iter().find(|(_, v)| misfit(v)).map(|&(k, _)| k);
    if let (false, Some((k, why))) = (lenient, skipped.first()) {
        // (A record that does not fit its text before it is said below.)
        if first_misfit.is_none_or(|m| m > *k) {
            return Err(InferError::Usage(format!(
                "{why}; a `predict --format jsonl` file is scored whole: mend or remove the \
                 line (or predict that document again), or skip it with --lenient"
            )));
        }
    }
    views
        .into_iter()
        .filter_map(|(k, v)| match v.content {
            Ok(p) => Some(Ok((p.document, p.speaker_names))),
            // A record of a document gold does not have (or that `--lenient`
            // skipped) is not scored, as such a predicted document is not:
            // it is counted among the predictions with no gold document.
            Err(_) if !texts.has(&v.id) => Some(Ok((Document::new(v.id, ""), Vec::new()))),
            // (A record that does not fit its text names the file and the
            // line already; an error record's message does not.)
            Err(why) if why.starts_with(&prefix) => {
                let why = format!("{why} (document {:?})", v.id);
                if lenient {
                    skipped.push((k, why));
                    return None;
                }
                Some(Err(InferError::Usage(format!(
                    "{why}; mend or remove the record (or predict that document again), or \
                     skip it with --lenient"
                ))))
            }
            // An error record (predict could not annotate the document)
            // predicted nothing, and is scored so.
            Err(why) => {
                notes.push(format!(
                    "note: {}: document {:?} is an error record ({why}): scored as predicting nothing",
                    path.display(),
                    v.id
                ));
                let text = match texts.text(&v.id, 0) {
                    Some(Ok(text)) => text.as_str(),
                    _ => "",
                };
                Some(Ok((Document::new(v.id, text), Vec::new())))
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|pairs| {
            let (documents, speaker_names) = pairs.into_iter().unzip();
            skipped.sort_unstable_by_key(|&(k, _)| k);
            Some(Records {
                documents,
                speaker_names,
                notes,
                skipped: skipped.into_iter().map(|(_, why)| why).collect(),
            })
        })
}

/// `predict --format jsonl` records read as documents, for scoring.
#[derive(Debug)]
pub struct Records {
    /// The documents, their spans those of the quotes.
    pub documents: Vec<Document>,
    /// Each document's speaker name of every quote (attribution), as the
    /// record gives it: with or without a speaker span.
    pub speaker_names: Vec<Vec<Option<String>>>,
    /// What to tell the user: error records, scored as predicting nothing.
    pub notes: Vec<String>,
    /// Lines that are no record, and records that do not fit their texts,
    /// left out (lenient reading only), each why with its file and line, in
    /// file order.
    pub skipped: Vec<String>,
}

/// What scoring [`records_as_documents`] leaves out, said when it is done.
pub fn records_note(path: &Path) -> String {
    format!(
        "note: {} holds `predict --format jsonl` records, read with the gold texts: they hold \
         the spans of quotes only, so spans in no quote are not scored (score \
         `predict --format documents` output to count every span)",
        path.display()
    )
}

/// The texts predictions are drawn over.
#[derive(Debug, Default)]
struct Texts {
    /// By id, or why the record of an id gave none (with its file and line):
    /// the ids the input gives once.
    by_id: HashMap<String, Result<String, String>>,
    /// Every text of an id the input gives more than once, in input order:
    /// predict's records of that id, in their order, pair with them one by
    /// one (the first record with the first text).
    repeated: HashMap<String, Vec<Result<String, String>>>,
    /// Why records without a usable id gave no text.
    unreadable: Vec<String>,
    /// True when they are gold's, not the input `predict` read: a record
    /// that carries its own text and whose id gold has not is read on it.
    of_gold: bool,
}

impl Texts {
    /// The texts of the `gold` documents, which messages call gold's.
    fn of_gold(gold: &[Document]) -> Self {
        let mut all: HashMap<String, Vec<Result<String, String>>> = HashMap::new();
        for doc in gold {
            all.entry(doc.id.clone())
                .or_default()
                .push(Ok(doc.text().to_string()));
        }
        Texts {
            of_gold: true,
            ..Texts::of(all)
        }
    }

    /// The texts of `all` (every text of each id, in input order).
    fn of(all: HashMap<String, Vec<Result<String, String>>>) -> Self {
        let mut texts = Texts::default();
        for (id, mut given) in all {
            if given.len() > 1 {
                texts.repeated.insert(id, given);
            } else if let Some(text) = given.pop() {
                texts.by_id.insert(id, text);
            }
        }
        texts
    }

    /// Whether some text has `id`.
    fn has(&self, id: &str) -> bool {
        self.by_id.contains_key(id) || self.repeated.contains_key(id)
    }

    /// What the texts are, in messages.
    fn named(&self) -> &'static str {
        if self.of_gold {
            "gold"
        } else {
            "the texts given"
        }
    }

    /// The text of the `occurrence`-th record (from 0) of `id`: of an id
    /// given more than once, its text of that turn, or the last readable
    /// one past them; of another, its one text.
    fn text(&self, id: &str, occurrence: usize) -> Option<&Result<String, String>> {
        let Some(given) = self.repeated.get(id) else {
            return self.by_id.get(id);
        };
        // (Past its texts, the last readable one, else the first reason.)
        given
            .get(occurrence)
            .or_else(|| given.iter().rev().find(|t| t.is_ok()).or(given.first()))
    }
}

/// The texts of an input, by id; a record that gives none keeps its reason,
/// for the page of its prediction.
fn read_texts(path: &Path) -> Result<Texts, InferError> {
    let input = open(
        &Input::from_path(path),
        ReadLimits {
            max_chars: usize::MAX,
        },
    )?;
    let mut texts = Texts::default();
    // (Every text by id, in input order.)
    let mut all: HashMap<String, Vec<Result<String, String>>> = HashMap::new();
    for record in input.records {
        let record = record?;
        match record.document {
            Ok(doc) => all.entry(doc.id).or_default().push(Ok(doc.text)),
            Err(e) => {
                let why = format!("{}: {}: {}", path.display(), e.kind, e.message);
                // (An input error's message begins with its line, `line N: `
                // or `line N, column M: `, and `line N` is also the key of a
                // record whose id was not read.)
                let unread = e
                    .message
                    .strip_prefix(record.key.as_str())
                    .is_some_and(|rest| rest.starts_with(": ") || rest.starts_with(", column "));
                if unread {
                    // (No id could be read: it may be any prediction's.)
                    texts.unreadable.push(why);
                } else {
                    let why = format!("its text could not be read: {why}");
                    all.entry(record.key).or_default().push(Err(why));
                }
            }
        }
    }
    Ok(Texts {
        unreadable: texts.unreadable,
        ..Texts::of(all)
    })
}

/// Reads a JSONL file of documents or of `predict` records (with
/// `texts`); a document is checked as a corpus's are (`validation`, its
/// speakers named by the names files of `names`), and one with errors is
/// shown as an error.
fn read_jsonl(
    path: &Path,
    texts: Option<&Texts>,
    names: &[std::path::PathBuf],
    validation: &ValidationOptions,
) -> Result<Predictions, InferError> {
    let mut views = Vec::new();
    let mut warnings = Vec::new();
    let mut records = false;
    let mut bad_lines = Vec::new();
    // How many records of each id came before (to pair them with the
    // texts of an id given more than once, in order).
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut occurrence = |id: String| {
        let n = seen.entry(id).or_default();
        *n += 1;
        *n - 1
    };
    // Where each id was first met: a later line of it is warned of, as a
    // corpus's repeated document is (each is drawn as a page of its own).
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut repeated =
        |id: &str, line: usize, warnings: &mut Vec<quotekit_data::Diagnostic>| match first_of
            .get(id)
        {
            Some(&first) => {
                let origin = quotekit_data::validate::Origin {
                    file: path.to_path_buf(),
                    record_line: Some(line),
                    ..Default::default()
                };
                let kind = quotekit_data::validate::ProblemKind::RepeatedDocument {
                    first: format!("{}:{first}", path.display()),
                };
                warnings.push(origin.diagnostic(id, None, quotekit_data::Severity::Warning, kind));
            }
            None => {
                first_of.insert(id.to_string(), line);
            }
        };
    for line in lines(path)? {
        let (line_no, buf) = line?;
        // Document lines (the usual case) are parsed once; only a line that
        // is no document is looked at again, as a JSON value.
        let not_a_document = match parse_record(path, line_no, buf.clone()) {
            Ok(read) => {
                let id = read.document.id.clone();
                repeated(&id, line_no, &mut warnings);
                views.push(match checked(read, names, validation) {
                    Ok((document, warned)) => {
                        warnings.extend(warned);
                        View::of_document(document)
                    }
                    Err(errors) => View {
                        id,
                        content: Err(errors.to_string()),
                    },
                });
                continue;
            }
            Err(e) => e.to_string(),
        };
        let value = known_keys(&buf).map(Value::Object);
        // (A record whose value does not parse, a number out of range, say,
        // is said to be a record that does not parse, not a document; a
        // line that is no UTF-8 is said so, as the documents reader says it.)
        // (The line's keys are read again only when it does not parse.)
        let not_a_document = match &value {
            Err(e)
                if std::str::from_utf8(&buf).is_ok()
                    && serde_json::from_slice::<Shape>(&buf).is_ok_and(|s| s.is_record()) =>
            {
                format!(
                    "{}:{line_no}: a `predict --format jsonl` record that does not parse: {}",
                    path.display(),
                    quotekit_data::formats::jsonl::json_problem(e)
                )
            }
            _ => not_a_document,
        };
        let value = value.ok();
        let object = value.as_ref().and_then(Value::as_object);
        let error = object.and_then(|o| ErrorRecord::of_json(o, path, line_no));
        let view = match (object, error) {
            (_, Some(error)) => {
                let view = error_view(error);
                occurrence(view.id.clone());
                view
            }
            (Some(o), None) if Shape::of(o).is_record() => {
                // (A record that carries its text is read on it, when no
                // texts are given or gold has no document of its id.)
                let id = record_id(object, line_no);
                let own = match (texts, o.get("text").and_then(Value::as_str)) {
                    (Some(t), Some(_)) if t.of_gold && t.has(&id) => None,
                    (None | Some(Texts { of_gold: true, .. }), Some(text)) => Some(Texts {
                        by_id: HashMap::from([(id, Ok(text.to_string()))]),
                        ..Texts::default()
                    }),
                    _ => None,
                };
                let Some(texts) = own.as_ref().or(texts) else {
                    return Err(InferError::Usage(format!(
                        "{}: line {line_no} is a `predict --format jsonl` record, which holds offsets but not the text: \
                         give the input predict read with --texts, or gold with --gold (or render \
                         `--format documents` output)",
                        path.display()
                    )));
                };
                records = true;
                let k = occurrence(record_id(object, line_no));
                match record_view(o, texts, k) {
                    Ok(View {
                        id,
                        content: Err(why),
                    }) => View {
                        id,
                        content: Err(located(path, line_no, why)),
                    },
                    Ok(view) => view,
                    Err(why) => {
                        bad_lines.push(views.len());
                        bad_line(path, line_no, object, why)
                    }
                }
            }
            // A line that is no document is shown as an error and the rest
            // goes on, as `predict` does with bad input.
            _ => {
                // (It takes its id's turn, when it has one, as its record
                // would have.)
                occurrence(record_id(object, line_no));
                bad_lines.push(views.len());
                bad_line(path, line_no, object, not_a_document)
            }
        };
        // (A line without an id, `line N`, repeats none.)
        if object.and_then(|o| o.get("id")).and_then(json_id).is_some() {
            repeated(&view.id, line_no, &mut warnings);
        }
        views.push(view);
    }
    // (A JSONL file's bad lines are documents with an error, drawn as such.)
    Ok(Predictions {
        views,
        records,
        warnings,
        skipped: Vec::new(),
        bad_lines,
    })
}

/// A line's `id` when it has a string or whole-number one, else `line N`.
fn record_id(object: Option<&serde_json::Map<String, Value>>, line: usize) -> String {
    object
        .and_then(|o| o.get("id"))
        .and_then(json_id)
        .unwrap_or_else(|| format!("line {line}"))
}

/// The view of a line that could not be read: its id if it has one, else
/// `line N`, and why, with the file and line.
fn bad_line(
    path: &Path,
    line: usize,
    object: Option<&serde_json::Map<String, Value>>,
    why: String,
) -> View {
    View {
        id: record_id(object, line),
        content: Err(located(path, line, why)),
    }
}

/// `why` with the file and line it is about in front (unless it has them).
fn located(path: &Path, line: usize, why: String) -> String {
    let prefix = format!("{}:{line}", path.display());
    if why.starts_with(&prefix) {
        why
    } else {
        format!("{prefix}: {why}")
    }
}

/// True for an error record's object: an `error` that is not `null` (a
/// record that went through a table, pandas' say, has `"error": null`
/// when it is none, and is read as `stats` reads it).
fn has_error(o: &serde_json::Map<String, Value>) -> bool {
    o.get("error").is_some_and(|e| !e.is_null())
}

/// An error record's view: its id, and why `predict` could not annotate
/// the document.
fn error_view(error: ErrorRecord) -> View {
    View {
        id: error.id,
        content: Err(error.message),
    }
}

/// A `predict --format jsonl` record with its text. A record whose spans do
/// not fit its text (texts other than the ones predicted on) becomes an
/// error view; a record that is not one at all is an error.
fn record_view(
    object: &serde_json::Map<String, Value>,
    texts: &Texts,
    occurrence: usize,
) -> Result<View, String> {
    let record = RecordIn::deserialize(object).map_err(|e| format!("not a quotes record: {e}"))?;
    let id = record.id.clone();
    let text = match texts.text(&record.id, occurrence) {
        Some(Ok(text)) => text,
        Some(Err(why)) => {
            return Ok(View {
                id,
                content: Err(why.clone()),
            })
        }
        None => {
            let mut why = if texts.of_gold {
                format!("no gold document with id {id:?}")
            } else {
                format!("no text with id {id:?} in the texts given")
            };
            if let Some(first) = texts.unreadable.first() {
                why.push_str(&format!(
                    " ({} of their records could not be read, so their ids are not known; \
                     the first: {first})",
                    texts.unreadable.len()
                ));
            }
            return Ok(View {
                id,
                content: Err(why),
            });
        }
    };
    // (A text the record carries must be the one its offsets are drawn on.)
    if let Some(own) = object.get("text") {
        if own.as_str() != Some(text.as_str()) {
            return Ok(View {
                id: id.clone(),
                content: Err(format!(
                    "the record's text is not the text of document {id:?} in {}, \
                     so its offsets cannot be read on it",
                    texts.named()
                )),
            });
        }
    }
    let mut content = predicted_from_record(&record, text);
    // (A record of an id given more than once that does not fit the text
    // of its turn, two runs' records joined, say, or a turn lost to a line
    // whose id could not be read, is drawn on the first other text of the
    // id it fits.)
    if let (Err(_), Some(others)) = (&content, texts.repeated.get(&id)) {
        let fits = others
            .iter()
            .filter_map(|t| t.as_ref().ok())
            .filter(|t| *t != text)
            .find_map(|t| predicted_from_record(&record, t).ok());
        if let Some(fits) = fits {
            content = Ok(fits);
        }
    }
    Ok(View { id, content })
}

fn predicted_from_record(record: &RecordIn, text: &str) -> Result<Predicted, String> {
    let mut document = Document::new(record.id.clone(), text);
    let index = document.char_index();
    let mut confidences = Vec::new();
    let mut speaker_names = Vec::new();
    let mut by_place: HashMap<(Role, usize, usize), String> = HashMap::new();
    let mut add = |document: &mut Document,
                   role: Role,
                   s: &SpanIn,
                   name: Option<&str>|
     -> Result<String, String> {
        if s.start >= s.end {
            return Err(format!(
                "the {role} at {}..{} is empty or reversed (a span's start comes before its end)",
                s.start, s.end
            ));
        }
        let span = CharSpan::new(s.start, s.end);
        let found = index.slice(document.text(), span);
        if found.is_none() || s.text.as_deref().is_some_and(|t| Some(t) != found) {
            return Err(format!(
                "the {role} at {}..{} does not fit the text given for this id (are these the texts predict read?)",
                s.start, s.end
            ));
        }
        if let Some(id) = by_place.get(&(role, s.start, s.end)) {
            return Ok(id.clone());
        }
        let id = format!("T{}", document.spans.len() + 1);
        let mut new = Span::new(id.clone(), role, vec![span]);
        new.name = name.map(str::to_string);
        document.spans.push(new);
        confidences.push(s.confidence);
        by_place.insert((role, s.start, s.end), id.clone());
        Ok(id)
    };
    for (k, q) in record.quotes.iter().enumerate() {
        let source = match &q.speaker {
            Some(s) => Some(add(
                &mut document,
                Role::Source,
                s,
                q.speaker_name.as_deref(),
            )?),
            None => None,
        };
        let cue = match &q.cue {
            Some(s) => Some(add(&mut document, Role::Cue, s, None)?),
            None => None,
        };
        let content = q
            .content
            .iter()
            .map(|s| add(&mut document, Role::Content, s, None))
            .collect::<Result<Vec<_>, _>>()?;
        document.attributions.push(Attribution {
            id: format!("A{}", k + 1),
            source,
            cue,
            content,
        });
        speaker_names.push(q.speaker_name.clone());
    }
    Ok(Predicted {
        document,
        confidences,
        speaker_names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Texts {
        Texts {
            by_id: HashMap::from([("d1".to_string(), Ok("Ann Lee said “no” today.".to_string()))]),
            ..Texts::default()
        }
    }

    #[test]
    fn a_record_becomes_a_document_with_names_and_confidences() {
        let record = serde_json::json!({"id": "d1", "quotes": [
            {"content": [{"start": 13, "end": 17, "text": "“no”", "confidence": 0.9}],
             "cue": {"start": 8, "end": 12, "text": "said"},
             "speaker": {"start": 0, "end": 7, "text": "Ann Lee", "confidence": 0.5},
             "speaker_id": "S1", "speaker_name": "Ann Lee"}],
            "speakers": [], "spans": {"content": 1, "cue": 1, "source": 1}});
        let view = record_view(record.as_object().unwrap(), &texts(), 0).unwrap();
        let p = view.content.unwrap();
        assert_eq!(p.document.spans.len(), 3);
        assert_eq!(p.document.spans[0].name.as_deref(), Some("Ann Lee"));
        assert_eq!(p.confidences, vec![Some(0.5), None, Some(0.9)]);
        assert_eq!(p.speaker_names, vec![Some("Ann Lee".to_string())]);
        assert_eq!(p.document.attributions[0].content, vec!["T3"]);
    }

    #[test]
    fn a_record_that_does_not_fit_its_text_is_an_error_view() {
        let record = serde_json::json!({"id": "d1", "quotes": [
            {"content": [{"start": 13, "end": 17, "text": "other"}]}]});
        let view = record_view(record.as_object().unwrap(), &texts(), 0).unwrap();
        assert!(view.content.unwrap_err().contains("does not fit the text"));
        let far =
            serde_json::json!({"id": "d1", "quotes": [{"content": [{"start": 10, "end": 900}]}]});
        assert!(record_view(far.as_object().unwrap(), &texts(), 0)
            .unwrap()
            .content
            .is_err());
        let unknown = serde_json::json!({"id": "zz", "quotes": []});
        assert!(record_view(unknown.as_object().unwrap(), &texts(), 0)
            .unwrap()
            .content
            .unwrap_err()
            .contains("no text"));
    }

    /// An id the texts give twice: predict's records of it pair with its
    /// texts in order (both were drawn on the last, and the first did not
    /// fit), an error record taking its turn; a record past them is drawn
    /// on the text it fits.
    #[test]
    fn records_of_a_repeated_id_pair_with_its_texts_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let texts = dir.path().join("texts.jsonl");
        std::fs::write(
            &texts,
            "{\"id\": \"d\", \"text\": \"Ann said no.\"}\n\
             {\"id\": \"d\", \"text\": \"\"}\n\
             {\"id\": \"d\", \"text\": \"Bob Smith said yes.\"}\n",
        )
        .unwrap();
        let preds = dir.path().join("p.jsonl");
        let record = |start: usize, end: usize, text: &str| {
            serde_json::json!({"id": "d", "quotes": [
                {"content": [{"start": start, "end": end, "text": text}]}]})
            .to_string()
        };
        std::fs::write(
            &preds,
            format!(
                "{}\n{}\n{}\n{}\n",
                record(9, 11, "no"),
                "{\"id\": \"d\", \"error\": {\"kind\": \"empty\", \"message\": \"the text is empty\"}}",
                record(15, 18, "yes"),
                // (One record more than the id's texts, two runs joined: it
                // fits the first text, not the last.)
                record(9, 11, "no")
            ),
        )
        .unwrap();
        let read = read_predictions(&preds, Some(&texts), &LoadOptions::default()).unwrap();
        let drawn: Vec<Option<&str>> = read
            .views
            .iter()
            .map(|v| v.content.as_ref().ok().map(|p| p.document.text()))
            .collect();
        assert_eq!(
            drawn,
            [
                Some("Ann said no."),
                None,
                Some("Bob Smith said yes."),
                Some("Ann said no.")
            ]
        );
        // Each line of an id met before is warned of, naming the first.
        let repeats: Vec<(Option<usize>, String)> = read
            .warnings
            .iter()
            .map(|w| (w.line, w.kind.to_string()))
            .collect();
        let first = format!(
            "an earlier document of the corpus has this id ({}:1)",
            preds.display()
        );
        assert_eq!(repeats.len(), 3, "{repeats:?}");
        assert!(
            repeats
                .iter()
                .zip(2..)
                .all(|((line, kind), n)| *line == Some(n) && kind.starts_with(&first)),
            "{repeats:?}"
        );
    }

    /// Documents of a repeated id are warned of, as a corpus's are.
    #[test]
    fn a_repeated_document_id_is_warned_of() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"text\":\"One.\"}\n{\"id\":\"b\",\"text\":\"Two.\"}\n{\"id\":\"a\",\"text\":\"Three.\"}\n",
        )
        .unwrap();
        let read = read_jsonl(&path, None, &[], &ValidationOptions::default()).unwrap();
        assert_eq!(read.views.len(), 3);
        let lines: Vec<Option<usize>> = read.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(3)]);
    }

    /// Both formats have error records: the first line that is none tells
    /// records from documents (a line that is no JSON object tells nothing).
    #[test]
    fn records_are_told_past_a_first_error_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let error =
            "{\"error\":{\"kind\":\"empty\",\"message\":\"the text is empty\"},\"id\":\"e\"}\n";
        let cases = [
            (
                format!("{error}{{\"id\":\"d1\",\"quotes\":[],\"spans\":{{}}}}\n"),
                true,
            ),
            (
                format!("{error}{{\"id\":\"d1\",\"text\":\"Hi.\"}}\n"),
                false,
            ),
            (error.to_string(), false),
            // A damaged first line tells nothing: the next one does.
            (
                "{garbage\n{\"id\":\"d1\",\"quotes\":[],\"spans\":{}}\n".to_string(),
                true,
            ),
            (
                "{garbage\n{\"id\":\"d1\",\"text\":\"Hi.\"}\n".to_string(),
                false,
            ),
        ];
        for (text, records) in cases {
            std::fs::write(&path, &text).unwrap();
            assert_eq!(holds_records(&path).unwrap(), records, "{text}");
            let either = records || text == error;
            assert_eq!(holds_records_or_errors(&path).unwrap(), either, "{text}");
        }
        std::fs::write(&path, "\n").unwrap();
        assert!(!holds_records_or_errors(&path).unwrap(), "an empty file");
    }

    /// A line longer than the cap is an error naming it, and the end: a
    /// stream that never ends a line does not fill memory.
    #[test]
    fn a_line_past_the_cap_is_refused() {
        let input: &[u8] = b"short\n\n0123456789abc\nnever read\n";
        let path = Path::new("in.jsonl");
        let read: Vec<_> = lines_within(input, path, 10).collect();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].as_ref().unwrap(), &(1, b"short\n".to_vec()));
        let e = read[1].as_ref().unwrap_err().to_string();
        assert_eq!(
            e,
            "in.jsonl:3: a line over 10 bytes, longer than any record or document quotekit writes"
        );
        let endless = std::io::BufReader::new(std::io::repeat(b'x'));
        assert!(lines_within(endless, path, 1000).next().unwrap().is_err());
    }

    /// Scored, a records file is read whole: a line that is no record (cut
    /// off, not JSON, an id that is no id) is an error naming the file and
    /// line. It was a prediction of `line N`, unpaired, and its document
    /// was scored as predicting nothing.
    #[test]
    fn a_bad_line_among_records_is_an_error_when_scored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let gold = [Document::new("a", "Hi."), Document::new("b", "Yo.")];
        let good = "{\"id\":\"a\",\"quotes\":[],\"spans\":{}}\n";
        for (bad, says) in [
            ("{\"id\":\"b\",\"quotes\":[", "p.jsonl:2:"),
            ("{not json}", "p.jsonl:2:"),
            ("{\"id\":7.5,\"quotes\":[]}", "p.jsonl:2:"),
            // (A span is an object: `[0, 2]` read as one was scored.)
            (
                "{\"id\":\"b\",\"quotes\":[{\"speaker\":[0,2],\"content\":[]}]}",
                "expected a span object",
            ),
            (
                "{\"id\":\"b\",\"quotes\":[{\"content\":[[0,2]]}]}",
                "expected a span object",
            ),
            // (A repeated key: the last one won, the first one's quotes
            // were dropped, or the record scored as another document.)
            (
                "{\"id\":\"b\",\"quotes\":[{\"content\":[]}],\"quotes\":[]}",
                "duplicate field `quotes`",
            ),
            (
                "{\"id\":\"c\",\"id\":\"b\",\"quotes\":[]}",
                "duplicate field `id`",
            ),
        ] {
            std::fs::write(&path, format!("{good}{bad}\n")).unwrap();
            let e = records_as_documents(&path, &gold, false)
                .unwrap_err()
                .to_string();
            assert!(e.contains(says) && e.contains("scored whole"), "{bad}: {e}");
        }
        // Lenient reading leaves such a line out, saying why.
        std::fs::write(&path, format!("{good}{{not json}}\n")).unwrap();
        let records = records_as_documents(&path, &gold, true).unwrap().unwrap();
        assert_eq!(records.documents.len(), 1);
        assert!(
            records.skipped[0].contains("p.jsonl:2:"),
            "{:?}",
            records.skipped
        );
        // So is a record whose spans do not fit its text (offsets past it,
        // reversed), refused without it.
        for span in ["\"start\":0,\"end\":99", "\"start\":2,\"end\":1"] {
            let bad = format!(
                "{{\"id\":\"b\",\"quotes\":[{{\"content\":[{{{span},\"confidence\":1}}]}}]}}"
            );
            std::fs::write(&path, format!("{good}{bad}\n")).unwrap();
            let e = records_as_documents(&path, &gold, false)
                .unwrap_err()
                .to_string();
            assert!(e.contains("p.jsonl:2:") && e.contains("--lenient"), "{e}");
            let records = records_as_documents(&path, &gold, true).unwrap().unwrap();
            assert_eq!(records.documents.len(), 1, "{bad}");
            assert!(
                records.skipped[0].contains("p.jsonl:2:") && records.skipped[0].contains("\"b\""),
                "{:?}",
                records.skipped
            );
        }
        // Both kinds are listed in file order (review 58: lines that are no
        // record came first).
        let misfit =
            "{\"id\":\"b\",\"quotes\":[{\"content\":[{\"start\":0,\"end\":99,\"confidence\":1}]}]}";
        std::fs::write(&path, format!("{good}{misfit}\n{{not json}}\n")).unwrap();
        let records = records_as_documents(&path, &gold, true).unwrap().unwrap();
        assert_eq!(records.skipped.len(), 2, "{:?}", records.skipped);
        assert!(
            records.skipped[0].contains("p.jsonl:2:"),
            "{:?}",
            records.skipped
        );
        assert!(
            records.skipped[1].contains("p.jsonl:3:"),
            "{:?}",
            records.skipped
        );
        // Read strictly, the first of them is said (review 59: the line that
        // is no record was, wherever it was).
        let e = records_as_documents(&path, &gold, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.jsonl:2:"), "{e}");
        // A record of a document gold lacks is still an unpaired prediction.
        std::fs::write(&path, format!("{good}{{\"id\":\"z\",\"quotes\":[]}}\n")).unwrap();
        let records = records_as_documents(&path, &gold, false).unwrap().unwrap();
        assert_eq!(records.documents[1].id, "z");
    }

    /// A file of error records only (every document failed) is records:
    /// each document predicted as nothing, with a note (it was read as a
    /// corpus and refused).
    #[test]
    fn a_file_of_error_records_only_scores_as_predicting_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"error\":{\"kind\":\"empty\",\"message\":\"x\"}}\n",
        )
        .unwrap();
        let gold = [Document::new("a", "Hi.")];
        let records = records_as_documents(&path, &gold, false).unwrap().unwrap();
        assert_eq!(records.documents, gold);
        assert_eq!(records.notes.len(), 1, "{:?}", records.notes);
    }

    /// A brat output whose errors.jsonl a killed run cut off is drawn: its
    /// documents, its error record, and the cut line as a page of its
    /// error, read once, strictly or not.
    #[test]
    fn a_brat_output_with_a_cut_off_error_line_is_drawn() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "Ann said so.\n").unwrap();
        std::fs::write(dir.path().join("a.ann"), "").unwrap();
        std::fs::write(
            dir.path().join(crate::output::ERRORS_FILE),
            "{\"id\":\"x\",\"error\":{\"kind\":\"empty\",\"message\":\"m\"}}\n{\"id\":\"y\",\"err",
        )
        .unwrap();
        for mode in [quotekit_data::Mode::Strict, quotekit_data::Mode::Lenient] {
            let options = LoadOptions {
                mode,
                ..LoadOptions::default()
            };
            let read = read_predictions(dir.path(), None, &options).unwrap();
            let ids: Vec<&str> = read.views.iter().map(|v| v.id.as_str()).collect();
            assert_eq!(ids, ["a", "x", "line 2"]);
            let why = read.views[2].content.as_ref().unwrap_err();
            assert!(why.contains("errors.jsonl:2:"), "{why}");
            assert!(read.skipped.is_empty());
        }
    }

    /// A record that carries its text beside its quotes is a record, its
    /// text checked against the one its offsets are read on.
    #[test]
    fn a_record_with_its_text_is_read_when_the_text_is_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let gold = [Document::new("a", "Ann said hi.")];
        let record = |text: &str| {
            format!(
                "{{\"id\":\"a\",\"text\":\"{text}\",\"quotes\":[{{\"content\":[{{\"start\":9,\"end\":11}}]}}],\"spans\":{{}}}}\n"
            )
        };
        std::fs::write(&path, record("Ann said hi.")).unwrap();
        let records = records_as_documents(&path, &gold, false).unwrap().unwrap();
        assert_eq!(records.documents[0].spans.len(), 1);
        // Drawn without the texts, it is read on its own text.
        let drawn = read_jsonl(&path, None, &[], &ValidationOptions::default()).unwrap();
        assert_eq!(
            drawn.views[0]
                .content
                .as_ref()
                .unwrap()
                .document
                .spans
                .len(),
            1
        );
        std::fs::write(&path, record("Bob said no.")).unwrap();
        let e = records_as_documents(&path, &gold, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("p.jsonl:1: the record's text is not the text of document \"a\" in gold"),
            "{e}"
        );
    }

    /// `"error": null`, which a round trip through a table writes on every
    /// record without an error, is no error: the record is drawn and scored
    /// with its quotes, and told as a record.
    #[test]
    fn an_error_of_null_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let gold = [Document::new("a", "Ann said hi.")];
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"error\":null,\"quotes\":[{\"content\":[{\"start\":9,\"end\":11}]}],\"spans\":{}}\n",
        )
        .unwrap();
        assert!(holds_records(&path).unwrap());
        let records = records_as_documents(&path, &gold, false).unwrap().unwrap();
        assert_eq!(records.documents[0].spans.len(), 1);
        assert!(records.notes.is_empty(), "{:?}", records.notes);
        let texts = Texts {
            by_id: HashMap::from([("a".to_string(), Ok("Ann said hi.".to_string()))]),
            ..Texts::default()
        };
        let drawn = read_jsonl(&path, Some(&texts), &[], &ValidationOptions::default()).unwrap();
        let spans = drawn.views[0]
            .content
            .as_ref()
            .map(|p| p.document.spans.len());
        assert_eq!(spans, Ok(1));
    }

    /// A record's whole-number id is its digits (as `predict` reads ids; it
    /// was `line N`), and an empty span is told as such (it "did not fit
    /// the text").
    #[test]
    fn number_ids_pair_and_empty_spans_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        std::fs::write(&path, "{\"id\":7,\"quotes\":[]}\n").unwrap();
        let gold = [Document::new("7", "Hi.")];
        let records = records_as_documents(&path, &gold, false).unwrap().unwrap();
        assert_eq!(records.documents[0].id, "7");
        std::fs::write(
            &path,
            "{\"id\":\"7\",\"quotes\":[{\"content\":[{\"start\":1,\"end\":1}]}]}\n",
        )
        .unwrap();
        let e = records_as_documents(&path, &gold, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("p.jsonl:1: the Content at 1..1 is empty or reversed"),
            "{e}"
        );
    }

    /// An input record's field that `predict` passed through as it went in
    /// (a number past a float's range) is passed over: the record is read,
    /// for the pages and for scoring.
    #[test]
    fn a_passed_through_number_past_a_floats_range_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        let record = "{\"id\":\"a\",\"n\":1e400,\"big\":123456789012345678901234567890,\
                      \"text\":\"Ann said hi.\",\"quotes\":[{\"content\":[{\"start\":9,\"end\":11}]}]}\n";
        std::fs::write(&path, record).unwrap();
        let read = read_predictions(&path, None, &LoadOptions::default()).unwrap();
        assert!(read.records && read.bad_lines.is_empty());
        let document = read.views[0].content.as_ref().unwrap();
        assert_eq!(document.document.spans.len(), 1);
        let gold = [Document::new("a", "Ann said hi.")];
        let scored = records_as_documents(&path, &gold, false).unwrap().unwrap();
        assert_eq!(scored.documents[0].spans.len(), 1);
    }

    /// Scored against gold, a records file's error record is the document
    /// predicted as nothing, with a note naming the file and the document
    /// (it refused the whole file, as `predict` writes one for every
    /// document it could not annotate).
    #[test]
    fn an_error_record_scored_against_gold_predicts_nothing_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"a\",\"quotes\":[],\"spans\":{}}\n\
             {\"id\":\"b\",\"error\":{\"kind\":\"too-long\",\"message\":\"the text is too long\"}}\n",
        )
        .unwrap();
        let gold = [Document::new("a", "Hi."), Document::new("b", "Yo.")];
        let records = records_as_documents(&path, &gold, false).unwrap().unwrap();
        assert_eq!(records.documents[1], gold[1]);
        assert_eq!(
            records.notes,
            [format!(
                "note: {}: document \"b\" is an error record (too-long: the text is too long): scored as predicting nothing",
                path.display()
            )]
        );
    }

    /// Documents are checked as a corpus's are: one with errors is shown
    /// with them (file and line), the others as they are.
    #[test]
    fn invalid_documents_are_error_views() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs.jsonl");
        std::fs::write(
            &path,
            "{\"id\": \"ok\", \"text\": \"Hi.\"}\n\
             {\"id\": \"bad\", \"text\": \"Ann said hi.\", \"spans\": [], \
             \"attributions\": [{\"id\": \"E1\", \"source\": \"T9\", \"content\": [\"T8\"]}]}\n\
             {\"id\": \"back\", \"text\": \"Ann said hi.\", \"spans\": [{\"id\": \"T1\", \
             \"role\": \"content\", \"fragments\": [[9, 4]]}]}\n",
        )
        .unwrap();
        let read = read_predictions(&path, None, &LoadOptions::default()).unwrap();
        let ids: Vec<&str> = read.views.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["ok", "bad", "back"]);
        assert!(read.views[0].content.is_ok());
        let bad = read.views[1].content.as_ref().unwrap_err();
        assert!(bad.contains("docs.jsonl:2") && bad.contains("T9"), "{bad}");
        let back = read.views[2].content.as_ref().unwrap_err();
        assert!(
            back.contains("docs.jsonl:3") && back.contains("reversed"),
            "{back}"
        );
    }

    /// A prediction whose text's record could not be read says why, with
    /// the texts file, rather than that there is no such text.
    #[test]
    fn an_unreadable_text_is_named_on_its_prediction() {
        let dir = tempfile::tempdir().unwrap();
        let texts = dir.path().join("texts.jsonl");
        let mut bytes = b"{\"id\": \"a\", \"text\": \"caf\xe9\"}\n".to_vec();
        bytes.extend_from_slice(b"{\"id\": \"b\", \"text\": \"  \"}\n");
        // (Broken JSON's message is `line 3, column 2: …`.)
        bytes.extend_from_slice(b"{not json\n");
        std::fs::write(&texts, bytes).unwrap();
        let preds = dir.path().join("p.jsonl");
        std::fs::write(
            &preds,
            "{\"id\":\"a\",\"quotes\":[],\"spans\":{}}\n{\"id\":\"b\",\"quotes\":[],\"spans\":{}}\n\
             {\"id\":\"c\",\"quotes\":[],\"spans\":{}}\n",
        )
        .unwrap();
        let read = read_predictions(&preds, Some(&texts), &LoadOptions::default()).unwrap();
        let why: Vec<String> = read
            .views
            .iter()
            .map(|v| v.content.clone().unwrap_err())
            .collect();
        assert!(
            why[0].starts_with(&format!("{}:1: ", preds.display())),
            "{}",
            why[0]
        );
        assert!(why[0].contains("no text with id \"a\""), "{}", why[0]);
        assert!(
            why[0].contains("texts.jsonl: not-utf8: line 1"),
            "{}",
            why[0]
        );
        assert!(
            why[1].contains("could not be read") && why[1].contains("empty"),
            "{}",
            why[1]
        );
        assert!(
            why[2].contains(":3: no text with id \"c\" in the texts given (2 of"),
            "{}",
            why[2]
        );
    }

    #[test]
    fn bad_lines_become_error_views_and_reading_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docs.jsonl");
        std::fs::write(
            &path,
            "{\"id\": \"a\", \"text\": \"Hi.\"}\n{oops\n[1]\n{\"id\": \"e\", \"error\": {\"kind\": \"empty\", \"message\": \"the text is empty\"}}\n{\"id\": \"b\", \"text\": \"Yo.\"}\n",
        )
        .unwrap();
        let read = read_predictions(&path, None, &LoadOptions::default()).unwrap();
        let ids: Vec<&str> = read.views.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["a", "line 2", "line 3", "e", "b"]);
        let errors: Vec<String> = read
            .views
            .iter()
            .filter_map(|v| v.content.clone().err())
            .collect();
        assert!(
            errors[0].contains("docs.jsonl:2: bad JSON"),
            "{}",
            errors[0]
        );
        assert_eq!(errors[2], "empty: the text is empty");
        assert!(!read.records);
    }
}
