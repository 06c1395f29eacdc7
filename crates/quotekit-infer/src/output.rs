//! Output formats and sinks. Records are rendered to text in the parallel part
//! of a run and written in input order by one writer, whole records at a time:
//! a killed run leaves at most one partial JSONL line, which `--resume`
//! removes ([`crate::resume`] reads back what a run wrote).

use crate::error::InferError;
use crate::input::{InputDocument, InputError};
use quotekit_data::formats::brat::{file_name, ids_line, to_ann, write_file, IDS_FILE, IDS_HEADER};
use quotekit_data::formats::jsonl::{escape_line_breaks, to_json_line};
use quotekit_data::gzip;
use quotekit_data::paths::replace_link;
use quotekit_data::{CharIndex, CharSpan, Role};
use quotekit_model::Annotation;
use serde::Serialize;
use serde_json::json;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use quotekit_data::predict_errors::ERRORS_FILE;

/// What each output record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON record per document: its quotes with text, offsets, cue,
    /// speaker, the speaker's canonical `speaker_name` and `speaker_id`, and
    /// confidences; its `speakers` (`{id, name, mentions, quotes}`); plus the
    /// input's extra fields.
    Jsonl,
    /// quotekit's document JSONL (spans and attributions), readable by `eval` and `convert`.
    Documents,
    /// brat standoff files in a directory (errors go to `errors.jsonl` there).
    Brat,
}

impl OutputFormat {
    /// Its name, as `predict --format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Documents => "documents",
            OutputFormat::Brat => "brat",
        }
    }
}

/// Where records go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// A file (JSONL formats) or a directory (brat).
    Path(PathBuf),
    /// Standard output (JSONL formats).
    Stdout,
}

/// A record rendered for writing.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    /// One JSONL line, newline included.
    Line(String),
    /// brat files for one document.
    Brat {
        /// The document's id.
        id: String,
        /// File name stem (set by the writer: [`BratNames`](quotekit_data::formats::brat::BratNames) in input order).
        name: String,
        /// `.txt` content.
        text: String,
        /// `.ann` content.
        ann: String,
    },
    /// An error record (JSONL line) for the brat error file.
    BratError(String),
}

/// A span of a `jsonl` record (fields in the order JSON objects are written).
#[derive(Serialize)]
struct SpanRecord<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<f64>,
    end: usize,
    start: usize,
    text: &'a str,
}

fn span_record<'a>(
    text: &'a str,
    index: &CharIndex,
    span: CharSpan,
    confidence: Option<f64>,
) -> SpanRecord<'a> {
    SpanRecord {
        confidence: confidence.map(|c| (c * 1e4).round() / 1e4),
        end: span.end,
        start: span.start,
        text: index.slice(text, span).unwrap_or_default(),
    }
}

/// A quote of a `jsonl` record.
#[derive(Serialize)]
struct QuoteRecord<'a> {
    content: Vec<SpanRecord<'a>>,
    cue: Option<SpanRecord<'a>>,
    speaker: Option<SpanRecord<'a>>,
    speaker_id: Option<&'a str>,
    speaker_name: Option<&'a str>,
}

/// A speaker of a `jsonl` record.
#[derive(Serialize)]
struct SpeakerRecord<'a> {
    id: &'a str,
    mentions: Vec<SpanRecord<'a>>,
    name: &'a str,
    quotes: usize,
}

/// The span counts of a `jsonl` record.
#[derive(Serialize)]
struct SpanCounts {
    content: usize,
    cue: usize,
    source: usize,
}

/// The fields of a record that `predict` writes itself: any other field of
/// a record is its input record's, passed through.
pub const RECORD_FIELDS: [&str; 5] = ["error", "id", "quotes", "speakers", "spans"];

/// The JSON error record of a document that could not be processed.
pub fn error_json(key: &str, error: &InputError) -> String {
    json!({"id": key, "error": {"kind": error.kind, "message": error.message}}).to_string()
}

/// The quotes record of an annotated document: the line `quotekit predict
/// --format jsonl` writes when `annotation` is
/// [`Annotator::annotate_scored`](quotekit_model::Annotator::annotate_scored)'s
/// (from [`Annotator::annotate`](quotekit_model::Annotator::annotate), whose
/// spans have no confidence, the record has none). The id and the fields
/// passed through are `doc`'s; the text, spans and speakers the
/// annotation's.
///
/// # Panics
///
/// If the annotation's speaker ids do not index its speakers (as
/// [`Annotator::annotate_scored`](quotekit_model::Annotator::annotate_scored)
/// makes them, they do).
pub fn quotes_json(doc: &InputDocument, annotation: &Annotation) -> String {
    let d = &annotation.document;
    let index = d.char_index();
    let position: std::collections::HashMap<&str, usize> = d
        .spans
        .iter()
        .enumerate()
        .map(|(k, s)| (s.id.as_str(), k))
        .collect();
    let span = |id: &str| -> Option<SpanRecord<'_>> {
        let k = *position.get(id)?;
        let s = &d.spans[k];
        Some(span_record(
            d.text(),
            &index,
            s.extent(),
            annotation.confidences.get(k).copied(),
        ))
    };
    let quotes: Vec<QuoteRecord<'_>> = d
        .attributions
        .iter()
        .zip(&annotation.speaker_names)
        .zip(&annotation.speaker_ids)
        .map(|((a, name), id)| QuoteRecord {
            content: a.content.iter().filter_map(|c| span(c)).collect(),
            cue: a.cue.as_deref().and_then(span),
            speaker: a.source.as_deref().and_then(span),
            speaker_id: id.map(|k| annotation.speakers[k].id.as_str()),
            speaker_name: name.as_deref(),
        })
        .collect();
    let speakers: Vec<SpeakerRecord<'_>> = annotation
        .speakers
        .iter()
        .map(|s| SpeakerRecord {
            id: &s.id,
            mentions: s
                .mentions
                .iter()
                .map(|&m| span_record(d.text(), &index, m, None))
                .collect(),
            name: &s.name,
            quotes: s.quotes.len(),
        })
        .collect();
    let spans = |role: Role| d.spans.iter().filter(|s| s.role == role).count();
    let counts = SpanCounts {
        content: spans(Role::Content),
        cue: spans(Role::Cue),
        source: spans(Role::Source),
    };
    // The record's fields, the input's extra ones included, in key order (as
    // a JSON object is written), each written once.
    let mut fields: std::collections::BTreeMap<&str, String> = std::collections::BTreeMap::new();
    fields.insert("id", to_json(&doc.id));
    fields.insert("quotes", to_json(&quotes));
    fields.insert("speakers", to_json(&speakers));
    fields.insert("spans", to_json(&counts));
    // A documents JSONL line tagged again: its `attributions` name its
    // spans, which gave way to the counts, so they go too.
    let document_line = doc
        .extra
        .get("spans")
        .is_some_and(|v| v.trim_start().starts_with('['));
    for (k, v) in &doc.extra {
        if document_line && k == "attributions" {
            continue;
        }
        fields.entry(k.as_str()).or_insert_with(|| v.to_string());
    }
    let mut out = String::with_capacity(fields.values().map(|v| v.len() + 16).sum());
    out.push('{');
    for (k, (key, value)) in fields.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(&to_json(key));
        out.push(':');
        out.push_str(value);
    }
    out.push('}');
    out
}

/// A value as compact JSON. Serializing the records here cannot fail:
/// their keys are strings and their numbers finite or null.
fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// Renders one processed record in `format` (a JSONL line with U+0085,
/// U+2028 and U+2029 escaped: [`escape_line_breaks`]).
pub fn render(
    format: OutputFormat,
    key: &str,
    outcome: Result<(&InputDocument, &Annotation), &InputError>,
) -> Rendered {
    let line = |json: String| escape_line_breaks(json) + "\n";
    match (format, outcome) {
        (OutputFormat::Brat, Err(e)) => Rendered::BratError(line(error_json(key, e))),
        (_, Err(e)) => Rendered::Line(line(error_json(key, e))),
        (OutputFormat::Jsonl, Ok((doc, a))) => Rendered::Line(line(quotes_json(doc, a))),
        (OutputFormat::Documents, Ok((_, a))) => Rendered::Line(line(to_json_line(&a.document))),
        (OutputFormat::Brat, Ok((_, a))) => Rendered::Brat {
            id: key.to_string(),
            name: file_name(key),
            text: a.document.text().to_string(),
            ann: to_ann(&a.document),
        },
    }
}

/// True when the output file `path` is a device or pipe (`/dev/stdout`, a
/// named pipe): what is written there is not kept (no run goes on from it,
/// and no other run can spoil it).
pub(crate) fn streamed(path: &Path) -> bool {
    quotekit_data::paths::is_own_descriptor(path)
        || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Why brat output is refused standard output (a folder of files).
pub const BRAT_NOT_STANDARD_OUTPUT: &str = "brat output needs a directory, not standard output";

/// Writes rendered records in order.
pub struct Sink {
    target: OutputTarget,
    /// JSONL: records, through gzip for a file named `.gz`.
    lines: Option<std::io::BufWriter<gzip::Writer<Box<dyn Write + Send>>>>,
    errors: Option<std::fs::File>,
    /// brat: the lines of the ids file so far (a resumed run's document
    /// may have its line from before the kill).
    ids: HashSet<String>,
    /// brat: whether the ids file has its header.
    ids_begun: bool,
}

impl Sink {
    /// Opens the target; `append` keeps what is there (resume), otherwise it is replaced.
    pub fn open(
        target: &OutputTarget,
        format: OutputFormat,
        append: bool,
    ) -> Result<Self, InferError> {
        let open_file = |path: &Path| -> Result<std::fs::File, InferError> {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| InferError::io(parent, e))?;
            }
            // (A descriptor of the process's own, `/dev/stderr` or a link
            // to `/dev/stdout`, is written as the shell opened its file:
            // appended to, never cut.)
            let own = quotekit_data::paths::is_own_descriptor(path);
            std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append || own)
                .truncate(!append && !own)
                .open(path)
                .map_err(|e| InferError::io(path, e))
        };
        let mut sink = Sink {
            target: target.clone(),
            lines: None,
            errors: None,
            ids: HashSet::new(),
            ids_begun: false,
        };
        match (target, format) {
            (OutputTarget::Stdout, OutputFormat::Brat) => {
                return Err(InferError::Usage(BRAT_NOT_STANDARD_OUTPUT.into()))
            }
            (OutputTarget::Stdout, _) => {
                sink.lines = Some(std::io::BufWriter::new(gzip::Writer::Plain(Box::new(
                    std::io::stdout(),
                ))));
            }
            (OutputTarget::Path(dir), OutputFormat::Brat) => {
                std::fs::create_dir_all(dir).map_err(|e| InferError::io(dir, e))?;
                // (What a killed run left half written.)
                quotekit_data::atomic::remove_stale(dir);
                let ids = dir.join(IDS_FILE);
                crate::ids_list::refuse_foreign(dir, &ids, append)?;
                // (The folder's own files replace a link in their place, as
                // its documents do, by a rename; `ids.tsv` is appended to
                // from here on.)
                let errors = dir.join(ERRORS_FILE);
                for file in [&errors, &ids] {
                    replace_link(file).map_err(|e| InferError::io(file, e))?;
                }
                sink.errors = Some(open_file(&errors)?);
                (sink.ids_begun, sink.ids) = crate::ids_list::begin(dir, &ids, append)?;
            }
            (OutputTarget::Path(path), _) => {
                let file: Box<dyn Write + Send> = Box::new(open_file(path)?);
                sink.lines = Some(std::io::BufWriter::with_capacity(
                    1 << 16,
                    gzip::Writer::new(path, file),
                ));
            }
        }
        Ok(sink)
    }

    fn path(&self) -> PathBuf {
        match &self.target {
            OutputTarget::Path(p) => p.clone(),
            OutputTarget::Stdout => PathBuf::from("<stdout>"),
        }
    }

    /// Writes one record.
    pub fn write(&mut self, record: &Rendered) -> Result<(), InferError> {
        let path = self.path();
        match record {
            Rendered::Line(line) => {
                let out = self.lines.as_mut().expect("JSONL sinks have a writer");
                out.write_all(line.as_bytes())
                    .map_err(|e| InferError::io(&path, e))
            }
            Rendered::BratError(line) => {
                let out = self.errors.as_mut().expect("brat sinks have an error file");
                out.write_all(line.as_bytes())
                    .map_err(|e| InferError::io(&path, e))
            }
            Rendered::Brat {
                id,
                name,
                text,
                ann,
            } => {
                let line = ids_line(name, id);
                if name != id && self.ids.insert(line.clone()) {
                    // Recorded before the document counts as written (so
                    // a run killed in between has it already).
                    let ids = path.join(IDS_FILE);
                    let mut f = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&ids)
                        .map_err(|e| InferError::io(&ids, e))?;
                    // (One write: a kill leaves the line whole or cut, never
                    // a line without its end.)
                    let header = if std::mem::replace(&mut self.ids_begun, true) {
                        String::new()
                    } else {
                        format!("{IDS_HEADER}\n")
                    };
                    f.write_all(format!("{header}{line}\n").as_bytes())
                        .map_err(|e| InferError::io(&ids, e))?;
                }
                let txt = path.join(format!("{name}.txt"));
                write_file(&txt, text).map_err(|e| InferError::Data(Box::new(e)))?;
                // The .ann file marks the document done: written whole
                // (and a link there replaced, not followed).
                let ann_path = path.join(format!("{name}.ann"));
                write_file(&ann_path, ann).map_err(|e| InferError::Data(Box::new(e)))
            }
        }
    }

    /// Flushes buffered records (called after every batch: whole records only).
    pub fn flush(&mut self) -> Result<(), InferError> {
        let path = self.path();
        if let Some(out) = self.lines.as_mut() {
            out.flush().map_err(|e| InferError::io(&path, e))?;
        }
        Ok(())
    }

    /// Flushes what is left and ends the output (a gzip stream gets its
    /// trailer); called once the last record is written.
    pub fn finish(mut self) -> Result<(), InferError> {
        let path = self.path();
        if let Some(out) = self.lines.take() {
            out.into_inner()
                .map_err(|e| InferError::io(&path, e.into_error()))?
                .finish()
                .map_err(|e| InferError::io(&path, e))?;
        }
        Ok(())
    }
}
