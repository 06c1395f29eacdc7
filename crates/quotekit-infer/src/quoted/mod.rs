//! Who is quoted: the quotes of `predict`'s records, or the attributions
//! of a corpus whose Source spans carry names, counted by their speaker's
//! canonical name, with the documents each name is quoted in; and, when
//! asked ([`Quoted::merge_names`], in `merge`), the names of one person
//! across documents counted as one; and by a field of the records
//! ([`by::QuotedBy`]).

use crate::error::InferError;
use crate::render::read::lines;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

pub mod by;
mod csv;
mod merge;

/// The quotes of one speaker name (or of no name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpeakerCount {
    /// The canonical name; `None` for the quotes whose speaker has none
    /// (unnamed, a group, no speaker found, or names not resolved).
    pub name: Option<String>,
    /// Its quotes.
    pub quotes: usize,
    /// Those of its quotes that are direct (the content starts with a
    /// quotation mark: [`quotekit_data::marks::starts_quoted`]).
    pub direct: usize,
    /// The documents it is quoted in.
    pub documents: usize,
    /// The other spellings counted under `name` by [`Quoted::merge_names`],
    /// most quoted first (empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spellings: Vec<String>,
}

/// Who is quoted in a file of `predict --format jsonl` records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Quoted {
    /// Records read, error records included.
    pub documents: usize,
    /// Error records (documents `predict` could not annotate).
    pub error_records: usize,
    /// Quotes.
    pub quotes: usize,
    /// Direct quotes among them.
    pub direct: usize,
    /// The named speakers, most quoted first (then by name).
    pub speakers: Vec<SpeakerCount>,
    /// The quotes without a speaker name.
    pub unnamed: SpeakerCount,
    /// The documents each of `speakers` is quoted in, by their position in
    /// the input (what merging names needs to count documents once).
    #[serde(skip)]
    in_documents: Vec<Vec<usize>>,
}

/// What is read of a record: its quotes' names and contents, and whether
/// it is an error ([`read_record`]).
#[derive(Clone, Default)]
struct Record {
    quotes: Option<Vec<Quote>>,
    error: Option<serde::de::IgnoredAny>,
}

/// A record read, with the value of the field counted by (`null` as none)
/// and the fields it passes through from its input record.
struct Read {
    record: Record,
    value: Option<serde_json::Value>,
    passed_through: Vec<String>,
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
struct RecordVisitor<'f> {
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
        };
        let (mut quotes, mut error, mut value) = (false, false, false);
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
                let v: serde_json::Value = map.next_value()?;
                // (A field `Record` reads is read from the value.)
                match key.as_ref() {
                    "quotes" => {
                        once(&mut quotes, &key)?;
                        read.record.quotes = Option::deserialize(&v).map_err(A::Error::custom)?;
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
                other => {
                    map.next_value::<IgnoredAny>()?;
                    if self.field.is_some() && !crate::output::RECORD_FIELDS.contains(&other) {
                        read.passed_through.push(key.into_owned());
                    }
                }
            }
        }
        Ok(read)
    }
}

#[derive(Deserialize, Clone)]
struct Quote {
    #[serde(default)]
    speaker_name: Option<String>,
    #[serde(default)]
    content: Vec<ContentFragment>,
}

/// What is read of a content fragment: where it starts, and its text.
#[derive(Deserialize, Clone)]
struct ContentFragment {
    #[serde(default)]
    start: usize,
    #[serde(default)]
    text: String,
}

impl Quote {
    /// Whether its content's first fragment starts with a quotation mark.
    fn direct(&self) -> bool {
        self.content
            .iter()
            .min_by_key(|f| f.start)
            .is_some_and(|f| quotekit_data::marks::starts_quoted(&f.text))
    }
}

/// A [`Quoted`] being counted, document by document.
#[derive(Default)]
struct Counter {
    out: Quoted,
    counts: HashMap<Option<String>, (SpeakerCount, Vec<usize>)>,
}

impl Counter {
    /// Counts a document's quotes, given each one's speaker name and
    /// whether it is direct.
    fn document(&mut self, quotes: impl IntoIterator<Item = (Option<String>, bool)>) {
        let doc = self.out.documents;
        self.out.documents += 1;
        let mut seen = HashSet::new();
        for (name, direct) in quotes {
            self.out.quotes += 1;
            self.out.direct += usize::from(direct);
            let first = seen.insert(name.clone());
            let (count, docs) = self.counts.entry(name).or_default();
            count.quotes += 1;
            count.direct += usize::from(direct);
            if first {
                count.documents += 1;
                docs.push(doc);
            }
        }
    }

    /// The counts, most quoted first.
    fn finish(mut self) -> Quoted {
        let mut out = self.out;
        out.unnamed = self.counts.remove(&None).unwrap_or_default().0;
        let mut rows: Vec<(SpeakerCount, Vec<usize>)> = self
            .counts
            .into_iter()
            .map(|(name, (count, docs))| (SpeakerCount { name, ..count }, docs))
            .collect();
        rows.sort_by(|a, b| most_quoted(&a.0, &b.0));
        (out.speakers, out.in_documents) = rows.into_iter().unzip();
        out
    }
}

/// Most quoted first, then by name.
fn most_quoted(a: &SpeakerCount, b: &SpeakerCount) -> std::cmp::Ordering {
    b.quotes.cmp(&a.quotes).then_with(|| a.name.cmp(&b.name))
}

impl Quoted {
    /// Counts the attributions of `docs` by the name on their Source span
    /// (none for [`quotekit_data::NO_NAME`], no name, or no source): who is
    /// quoted in `predict --format documents` or brat output, or in a gold
    /// corpus read with its names; direct ones by
    /// [`quotekit_data::Document::direct_quotes`].
    pub fn of_documents<'d>(docs: impl IntoIterator<Item = &'d quotekit_data::Document>) -> Self {
        Self::of_quotes(
            docs.into_iter()
                .map(|doc| doc.speaker_names().into_iter().zip(doc.direct_quotes())),
        )
    }

    /// Counts documents given as their quotes: each one's speaker name
    /// (none for a quote whose speaker has none) and whether it is direct.
    pub fn of_quotes<D>(docs: impl IntoIterator<Item = D>) -> Self
    where
        D: IntoIterator<Item = (Option<String>, bool)>,
    {
        let mut counter = Counter::default();
        for quotes in docs {
            counter.document(quotes);
        }
        counter.finish()
    }

    /// Counts the quotes of the records in the JSONL file `path`, each line
    /// a record of `predict --format jsonl` (blank lines passed over). A
    /// line that is no such record is an error naming the file and line.
    pub fn read(path: &Path) -> Result<Self, InferError> {
        Self::counted(lines(path)?, Some(path))
    }

    /// Counts records held in memory, each the JSON text of a `predict
    /// --format jsonl` record (blank ones passed over; what Python's
    /// `annotate_many` returns, written as JSON). One that is no such
    /// record is an error naming its position, from 1.
    pub fn of_records<'r>(records: impl IntoIterator<Item = &'r str>) -> Result<Self, InferError> {
        Self::counted(in_memory(records), None)
    }

    fn counted(
        lines: impl Iterator<Item = Result<(usize, Vec<u8>), InferError>>,
        path: Option<&Path>,
    ) -> Result<Self, InferError> {
        let mut counter = Counter::default();
        for line in lines {
            let (line_no, line) = line?;
            let read = read_record(&line, None).map(|r| r.record);
            counter.record(checked(read, path, line_no)?);
        }
        Ok(counter.finish())
    }
}

/// Records in memory as the numbered lines a file gives: blank ones
/// passed over, numbered by their position from 1.
fn in_memory<'r>(
    records: impl IntoIterator<Item = &'r str>,
) -> impl Iterator<Item = Result<(usize, Vec<u8>), InferError>> {
    let numbered: Vec<(usize, Vec<u8>)> = records
        .into_iter()
        .enumerate()
        .filter(|(_, r)| !r.trim().is_empty())
        .map(|(k, r)| (k + 1, r.as_bytes().to_vec()))
        .collect();
    numbered.into_iter().map(Ok)
}

/// A line of `path` (or, without one, a record held in memory) that is no
/// record.
fn not_a_record(path: Option<&Path>, line_no: usize, problem: &str) -> InferError {
    let place = match path {
        Some(path) => format!("{}:{line_no}", path.display()),
        None => format!("record {line_no}"),
    };
    InferError::Usage(format!(
        "{place}: not a record of `predict --format jsonl`: {problem}"
    ))
}

/// A line read as a record: one with neither quotes nor an error is none
/// (an input record, or a document, read by mistake).
fn checked(
    record: Result<Record, serde_json::Error>,
    path: Option<&Path>,
    line_no: usize,
) -> Result<Record, InferError> {
    let record = record.map_err(|e| {
        not_a_record(
            path,
            line_no,
            &quotekit_data::formats::jsonl::json_problem(&e),
        )
    })?;
    if record.quotes.is_none() && record.error.is_none() {
        return Err(not_a_record(
            path,
            line_no,
            "it has neither `quotes` nor `error` (an input record, or a document?)",
        ));
    }
    Ok(record)
}

impl Counter {
    /// Counts one record of `predict`.
    fn record(&mut self, record: Record) {
        self.out.error_records += usize::from(record.error.is_some());
        self.document(
            record
                .quotes
                .unwrap_or_default()
                .into_iter()
                .map(|q| (q.direct(), q))
                .map(|(direct, q)| (q.speaker_name, direct)),
        );
    }
}

impl fmt::Display for Quoted {
    /// A table: totals, then one line per name, most quoted first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let named: usize = self.speakers.iter().map(|s| s.quotes).sum();
        let share = |n: usize| {
            if self.quotes == 0 {
                0.0
            } else {
                100.0 * n as f64 / self.quotes as f64
            }
        };
        write!(f, "documents                {:>9}", self.documents)?;
        if self.error_records > 0 {
            write!(f, "  ({} error records)", self.error_records)?;
        }
        writeln!(f)?;
        writeln!(f, "quotes                   {:>9}", self.quotes)?;
        writeln!(
            f,
            "  direct                 {:>9}  ({:.1}%)",
            self.direct,
            share(self.direct)
        )?;
        writeln!(
            f,
            "  with a speaker name    {named:>9}  ({:.1}%)",
            share(named)
        )?;
        writeln!(f, "speaker names            {:>9}", self.speakers.len())?;
        writeln!(f)?;
        let width = self
            .speakers
            .iter()
            .filter_map(|s| s.name.as_ref().map(|n| n.chars().count()))
            .fold(16, usize::max)
            .min(60);
        writeln!(
            f,
            "{:<width$}  {:>7}  {:>6}  {:>7}  {:>9}",
            "speaker", "quotes", "%", "direct", "documents"
        )?;
        let unnamed = (self.unnamed.quotes > 0).then_some((&self.unnamed, "(no name)"));
        let rows = self
            .speakers
            .iter()
            .map(|s| (s, s.name.as_deref().unwrap_or_default()))
            .chain(unnamed);
        for (s, name) in rows {
            write!(
                f,
                "{name:<width$}  {:>7}  {:>5.1}%  {:>7}  {:>9}",
                s.quotes,
                share(s.quotes),
                s.direct,
                s.documents
            )?;
            if !s.spellings.is_empty() {
                write!(f, "  (also {})", s.spellings.join("; "))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_counted_by_name_and_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pred.jsonl");
        let q = |name: Option<&str>| serde_json::json!({"speaker_name": name, "content": []});
        // A direct quote: its first fragment (by start, not by place in the
        // list) starts with a quotation mark, after white space.
        let direct = |name: &str| {
            serde_json::json!({"speaker_name": name, "content": [
                {"start": 9, "end": 12, "text": "no"},
                {"start": 2, "end": 6, "text": " \u{201c}We"},
            ]})
        };
        let lines = [
            serde_json::json!({"id": "a", "quotes": [q(Some("Ann Lee")), direct("Ann Lee"), q(None)]}),
            serde_json::json!({"id": "b", "quotes": [q(Some("Bo Diaz")), q(Some("Ann Lee"))]}),
            serde_json::json!({"id": "c", "error": {"kind": "empty", "message": "line 3"}}),
        ];
        let text: String = lines.iter().map(|l| format!("{l}\n\n")).collect();
        std::fs::write(&path, text).unwrap();
        let quoted = Quoted::read(&path).unwrap();
        assert_eq!(
            (quoted.documents, quoted.error_records, quoted.quotes),
            (3, 1, 5)
        );
        let row = |name: &str, quotes, direct, documents| SpeakerCount {
            name: Some(name.into()),
            quotes,
            direct,
            documents,
            spellings: Vec::new(),
        };
        assert_eq!(
            quoted.speakers,
            [row("Ann Lee", 3, 1, 2), row("Bo Diaz", 1, 0, 1)]
        );
        assert_eq!(quoted.direct, 1);
        assert_eq!((quoted.unnamed.quotes, quoted.unnamed.documents), (1, 1));
        let table = quoted.to_string();
        assert!(table.contains("Ann Lee"), "{table}");
        assert!(table.contains("(no name)"), "{table}");
        // A line that is no record names its file and line.
        std::fs::write(&path, "{\"id\": \"a\", \"quotes\": []}\n{\"quotes\": 3}\n").unwrap();
        let e = Quoted::read(&path).unwrap_err().to_string();
        assert!(e.contains("pred.jsonl:2"), "{e}");
        // Records in memory count as the file's lines do; blank ones are
        // passed over, and a bad one is named by its position.
        let held: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let mut texts: Vec<&str> = held.iter().map(String::as_str).collect();
        texts.insert(1, "  ");
        std::fs::write(&path, held.join("\n") + "\n").unwrap();
        assert_eq!(
            Quoted::of_records(texts.iter().copied()).unwrap(),
            Quoted::read(&path).unwrap()
        );
        let e = Quoted::of_records(["{\"quotes\": []}", "{\"quotes\": 3}"])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("record 2: not a record"), "{e}");
        // An input record (or a document) is none: it has no quotes.
        let e = Quoted::of_records(["{\"id\": \"a\", \"text\": \"Hi.\"}"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("neither `quotes` nor `error`"), "{e}");
    }
}
