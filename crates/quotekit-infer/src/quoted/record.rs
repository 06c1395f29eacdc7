//! One record of `predict --format jsonl` as who is quoted reads it: its
//! quotes' speaker names and whether each is direct, whether it is an
//! error record, and (for `--by`) one field's value, read in one pass.

use crate::error::InferError;
use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// What is read of a record: its quotes' names and contents, and whether
/// it is an error ([`read_record`]).
#[derive(Default)]
pub(super) struct Record {
    /// Its id, when it is a string.
    id: Option<String>,
    quotes: Option<Vec<Quote>>,
    error: Option<serde::de::IgnoredAny>,
}

/// What a count takes of a record, made once however many counts take it:
/// its id, whether it is an error record, and each quote's speaker name
/// ([`named`]) and whether it is direct.
#[derive(Clone)]
pub(super) struct Counted {
    pub(super) id: Option<String>,
    pub(super) error: bool,
    pub(super) quotes: Vec<(Option<String>, bool)>,
}

impl From<Record> for Counted {
    fn from(record: Record) -> Self {
        let error = record.error.is_some();
        // (An error record's quotes, which no `predict` writes, are not
        // counted: it is a document predicted as nothing, as `render` and
        // `eval` read it.)
        let quotes = record
            .quotes
            .filter(|_| !error)
            .unwrap_or_default()
            .into_iter();
        Counted {
            id: record.id,
            error,
            quotes: quotes
                .map(|q| {
                    let direct = q.direct();
                    (named(q.speaker_name), direct)
                })
                .collect(),
        }
    }
}

/// A record read, with the value of the field counted by (`null` as none)
/// and the fields it passes through from its input record.
pub(super) struct Read {
    pub(super) record: Record,
    pub(super) value: Option<serde_json::Value>,
    pub(super) passed_through: Vec<String>,
    /// Why the field's value cannot be a group, when it is JSON that no
    /// value holds (`1e400`, half a UTF-16 pair), which `predict` passes
    /// through as written, or a whole number past 64 bits; and whether
    /// the field is one a record has (`quotes`, `error`).
    unusable: Option<(String, bool)>,
    /// Whether it has a `quotes` key (`null` is read as no quotes).
    quotes_key: bool,
}

/// Reads one record of `predict --format jsonl`, and the value of `field`
/// when given, in one pass: only the fields read are parsed (another
/// field's number out of range or odd string is passed over as it is
/// without `field`), and one read twice (`"quotes"` written twice) is an
/// error, whatever `field` is.
fn read_record(line: &[u8], field: Option<&str>) -> Result<Read, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let read = serde::de::Deserializer::deserialize_map(&mut de, RecordVisitor { field })?;
    de.end()?;
    Ok(read)
}

/// The visitor of [`read_record`].
pub(super) struct RecordVisitor<'f> {
    field: Option<&'f str>,
}

impl<'de> serde::de::Visitor<'de> for RecordVisitor<'_> {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        use serde::de::{Error, IgnoredAny};
        let mut read = Read {
            record: Record::default(),
            value: None,
            passed_through: Vec::new(),
            unusable: None,
            quotes_key: false,
        };
        let (mut quotes, mut error, mut id, mut value) = (false, false, false, false);
        let once = |seen: &mut bool, key: &str| {
            if std::mem::replace(seen, true) {
                Err(A::Error::custom(format_args!("duplicate field `{key}`")))
            } else {
                Ok(())
            }
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if Some(key.as_ref()) == self.field {
                once(&mut value, &key)?;
                // (Read as written first: a value that is JSON but no
                // `Value` is said as the field's, not as the record's.)
                let raw: Box<serde_json::value::RawValue> = map.next_value()?;
                let unusable = |why: &str| {
                    let message = format!(
                        "its `{key}` value {} cannot be a group: {why}",
                        quotekit_data::message::shorten(raw.get(), 40)
                    );
                    (message, matches!(key.as_ref(), "quotes" | "error"))
                };
                let v = match serde_json::from_str::<serde_json::Value>(raw.get()) {
                    // (A whole number past 64 bits is read as a float: two
                    // such values would be counted as one. `-0` is read as a
                    // float too, and is its own group.)
                    Ok(serde_json::Value::Number(n))
                        if n.is_f64()
                            && n.as_f64() != Some(0.0)
                            && !raw.get().contains(['.', 'e', 'E']) =>
                    {
                        read.unusable = Some(unusable(
                            "a whole number past 64 bits, which would be counted with its \
                             neighbours (write it as a string)",
                        ));
                        serde_json::Value::Null
                    }
                    Ok(v) => v,
                    Err(e) => {
                        read.unusable = Some(unusable(&json_problem(&e)));
                        serde_json::Value::Null
                    }
                };
                // (A field `Record` reads is read from the value.)
                match key.as_ref() {
                    "quotes" => {
                        once(&mut quotes, &key)?;
                        read.record.quotes = Option::deserialize(&v).map_err(A::Error::custom)?;
                    }
                    "id" => {
                        once(&mut id, &key)?;
                        read.record.id = v.as_str().map(str::to_owned);
                    }
                    "error" => {
                        once(&mut error, &key)?;
                        read.record.error = (!v.is_null()).then_some(IgnoredAny);
                    }
                    _ => {}
                }
                read.value = Some(v).filter(|v| !v.is_null());
                if !crate::output::RECORD_FIELDS.contains(&key.as_ref()) {
                    read.passed_through.push(key.into_owned());
                }
                continue;
            }
            match key.as_ref() {
                "quotes" => {
                    once(&mut quotes, &key)?;
                    read.record.quotes = map.next_value()?;
                }
                "error" => {
                    once(&mut error, &key)?;
                    read.record.error = map.next_value()?;
                }
                "id" => {
                    once(&mut id, &key)?;
                    read.record.id = match map.next_value()? {
                        serde_json::Value::String(id) => Some(id),
                        _ => None,
                    }
                }
                other => {
                    map.next_value::<IgnoredAny>()?;
                    if self.field.is_some() && !crate::output::RECORD_FIELDS.contains(&other) {
                        read.passed_through.push(key.into_owned());
                    }
                }
            }
        }
        read.quotes_key = quotes;
        Ok(read)
    }
}

/// What is read of a quote: its speaker's name, and its content (which
/// tells a direct quote: missing or `null` parts make it none).
#[derive(Deserialize)]
struct Quote {
    #[serde(default)]
    speaker_name: Option<String>,
    #[serde(default)]
    content: Option<Vec<ContentFragment>>,
}

/// What is read of a content fragment: where it starts, and its text.
#[derive(Deserialize)]
struct ContentFragment {
    #[serde(default)]
    start: Option<f64>,
    #[serde(default)]
    text: Option<String>,
}

impl Quote {
    /// Whether its content's first fragment starts with a quotation mark.
    fn direct(&self) -> bool {
        self.content
            .iter()
            .flatten()
            .min_by(|a, b| a.start.unwrap_or(0.0).total_cmp(&b.start.unwrap_or(0.0)))
            .and_then(|f| f.text.as_deref())
            .is_some_and(quotekit_data::marks::starts_quoted)
    }
}

/// Records in memory as the numbered lines a file gives: blank ones
/// passed over, numbered by their position from 1.
pub(super) fn in_memory<'r>(
    records: impl IntoIterator<Item = &'r str>,
) -> impl Iterator<Item = Result<(usize, Vec<u8>), InferError>> {
    let numbered: Vec<(usize, Vec<u8>)> = records
        .into_iter()
        .enumerate()
        // (A byte-order mark before a record is dropped, as a file's
        // line's is.)
        .map(|(k, r)| (k, r.strip_prefix(quotekit_data::formats::BOM).unwrap_or(r)))
        .filter(|(_, r)| !r.trim().is_empty())
        .map(|(k, r)| (k + 1, r.as_bytes().to_vec()))
        .collect();
    numbered.into_iter().map(Ok)
}

/// What serde says is wrong with JSON, without its line and column, and
/// with what a lone surrogate is (serde's words are about its hex escape).
fn json_problem(e: &serde_json::Error) -> String {
    use quotekit_data::formats::jsonl::{is_lone_surrogate, json_problem, LONE_SURROGATE};
    let mut problem = json_problem(e);
    if is_lone_surrogate(&problem) {
        problem.push_str(LONE_SURROGATE);
    }
    problem
}

/// A line of `path` (or, without one, a record held in memory) that is no
/// record.
pub(super) fn not_a_record(path: Option<&Path>, line_no: usize, problem: &str) -> InferError {
    InferError::Usage(format!(
        "{}: not a record of `predict --format jsonl`: {problem}",
        place(path, line_no)
    ))
}

/// A line of `path` (`FILE:LINE`), or a record held in memory (`record N`).
fn place(path: Option<&Path>, line_no: usize) -> String {
    match path {
        Some(path) => format!("{}:{line_no}", path.display()),
        None => format!("record {line_no}"),
    }
}

/// What a line with neither of a record's fields is said to lack (a
/// document's, or an input record's), which a caller may tell by it.
pub const NEITHER_QUOTES_NOR_ERROR: &str = "it has neither `quotes` nor `error`";

/// `line` read as a record ([`read_record`]), its error named by `path`
/// and `line_no`: one with neither quotes nor an error is none (an input
/// record, or a document, read by mistake).
pub(super) fn checked(
    line: &[u8],
    field: Option<&str>,
    path: Option<&Path>,
    line_no: usize,
) -> Result<Read, InferError> {
    // (Bytes that are no UTF-8 are said as such, where the JSON reader
    // calls them an invalid code point.)
    if let Err(e) = std::str::from_utf8(line) {
        return Err(InferError::Usage(format!(
            "{}: not valid UTF-8 (invalid byte at offset {} of the line)",
            place(path, line_no),
            e.valid_up_to()
        )));
    }
    let read = read_record(line, field).map_err(|e| {
        // (What the line's end says, as for a JSONL corpus: a file whose
        // lines end with a carriage return alone.)
        let hint = std::str::from_utf8(line).map_or("", |text| {
            quotekit_data::formats::jsonl::line_end_hint(&e, text)
        });
        not_a_record(path, line_no, &format!("{}{hint}", json_problem(&e)))
    })?;
    // (A line that is no record is said first, whatever its field holds;
    // a record's own `quotes` or `error` that cannot be a group shows it
    // is one.)
    let unusable = read.unusable.as_ref();
    if read.record.quotes.is_none()
        && read.record.error.is_none()
        && !unusable.is_some_and(|&(_, record_field)| record_field)
    {
        if read.quotes_key {
            return Err(not_a_record(
                path,
                line_no,
                "its `quotes` is null, where a record has a list of them (`[]` for none)",
            ));
        }
        return Err(not_a_record(
            path,
            line_no,
            &format!("{NEITHER_QUOTES_NOR_ERROR} (an input record, or a document?)"),
        ));
    }
    if let Some((why, _)) = unusable {
        return Err(InferError::Usage(format!(
            "{}: {why}; count by another field, or without one",
            place(path, line_no)
        )));
    }
    Ok(read)
}

/// A record's speaker name as counted: white space around it dropped, and
/// an empty name or [`quotekit_data::NO_NAME`] (`-`, as names files write
/// no one) none, as a corpus reads them.
pub(crate) fn named(name: Option<String>) -> Option<String> {
    let name = name?;
    match name.trim() {
        "" | quotekit_data::NO_NAME => None,
        trimmed if trimmed.len() == name.len() => Some(name),
        trimmed => Some(trimmed.to_string()),
    }
}
