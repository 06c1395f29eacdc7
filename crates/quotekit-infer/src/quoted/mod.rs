//! Who is quoted: the quotes of `predict`'s records, or the attributions
//! of a corpus whose Source spans carry names, counted by their speaker's
//! canonical name, with the documents each name is quoted in; and, when
//! asked ([`Quoted::merge_names`], in `merge`), the names of one person
//! across documents counted as one; and by a field of the records
//! ([`by::QuotedBy`]).

use crate::error::InferError;
use crate::render::read::{lines, lines_of};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::BufRead;
use std::path::Path;

pub mod by;
mod csv;
mod merge;
mod record;
mod shown;

pub(crate) use record::named;
pub use record::NEITHER_QUOTES_NOR_ERROR;
use record::{checked, in_memory, Counted};

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
    /// The ids of records that repeat an earlier record's id, each once,
    /// in the order met (records are counted as documents all the same).
    #[serde(skip)]
    pub repeated_ids: Vec<String>,
}

/// A [`Quoted`] being counted, document by document.
#[derive(Default)]
struct Counter {
    out: Quoted,
    counts: HashMap<Option<String>, (SpeakerCount, Vec<usize>)>,
    /// Records' ids met, and whether each is among `out.repeated_ids`.
    ids: HashMap<String, bool>,
}

impl Counter {
    /// Counts one record of `predict`.
    fn record(&mut self, record: Counted) {
        self.out.error_records += usize::from(record.error);
        if let Some(id) = record.id {
            match self.ids.get_mut(&id) {
                Some(said) if !*said => {
                    *said = true;
                    self.out.repeated_ids.push(id);
                }
                Some(_) => {}
                None => {
                    self.ids.insert(id, false);
                }
            }
        }
        self.document(record.quotes);
    }

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
    /// These counts with `n` more documents that `predict` could not
    /// annotate (the error records of a brat folder's `errors.jsonl`),
    /// counted as its JSONL records count them: among the documents.
    pub fn with_error_records(mut self, n: usize) -> Self {
        self.documents += n;
        self.error_records += n;
        self
    }

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

    /// [`Quoted::read`] of records from `reader` (standard input, say),
    /// `name` naming it in errors.
    pub fn read_from(reader: impl BufRead, name: &Path) -> Result<Self, InferError> {
        Self::counted(lines_of(reader, name), Some(name))
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
            let read = checked(&line, None, path, line_no)?;
            counter.record(Counted::from(read.record));
        }
        Ok(counter.finish())
    }

    /// What to warn of in the counts of the records `source` names (a file):
    /// records that repeat an id.
    pub fn warnings(&self, source: &str) -> Vec<String> {
        self.repeated_ids_warning(source).into_iter().collect()
    }

    /// A warning when some records repeat another's id (`source` names
    /// the records): each is counted as a document, so two runs' outputs
    /// joined, or one resumed by hand, count their documents twice.
    fn repeated_ids_warning(&self, source: &str) -> Option<String> {
        let first = self.repeated_ids.first()?;
        let ids = match self.repeated_ids.len() {
            1 => "1 id is".to_string(),
            n => format!("{n} ids are"),
        };
        Some(format!(
            "{ids} on more than one record of {source} (the first: {first:?}): each record counts as a document of its own (two runs' outputs joined, or an input that repeats ids?)"
        ))
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
            .filter_map(|s| s.name.as_deref().map(shown::columns))
            .fold(16, usize::max)
            .min(60);
        writeln!(
            f,
            "{:<width$}  {:>7}  {:>6}  {:>7}  {:>9}",
            "speaker", "quotes", "%", "direct", "documents"
        )?;
        let unnamed = (self.unnamed.quotes > 0).then_some((&self.unnamed, "(no name)"));
        // (A line break or other control character in a name is shown as a
        // space, so that each name keeps one line, and so is a character
        // that would turn the line's direction.)
        let rows = self
            .speakers
            .iter()
            .map(|s| (s, s.name.as_deref().unwrap_or_default()))
            .chain(unnamed);
        for (s, name) in rows {
            let name = shown::padded(name, width);
            write!(
                f,
                "{name}  {:>7}  {:>5.1}%  {:>7}  {:>9}",
                s.quotes,
                share(s.quotes),
                s.direct,
                s.documents
            )?;
            if !s.spellings.is_empty() {
                let also = shown::shown(&s.spellings.join("; "));
                write!(f, "  (also {also})")?;
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
            // An error record's quotes (no `predict` writes both) are not
            // counted, as `render` and `eval` do not take them; an error of
            // `null` is none.
            serde_json::json!({"id": "d", "error": {"kind": "empty", "message": ""}, "quotes": [q(Some("Cy Ng"))]}),
            serde_json::json!({"id": "e", "error": null, "quotes": []}),
        ];
        let text: String = lines.iter().map(|l| format!("{l}\n\n")).collect();
        std::fs::write(&path, text).unwrap();
        let quoted = Quoted::read(&path).unwrap();
        assert_eq!(
            (quoted.documents, quoted.error_records, quoted.quotes),
            (5, 2, 5)
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
        // A byte that is no UTF-8 is said so (the JSON reader calls it an
        // invalid code point).
        std::fs::write(
            &path,
            b"{\"id\": \"a\", \"quotes\": [{\"speaker_name\": \"A\xff\"}]}\n",
        )
        .unwrap();
        let e = Quoted::read(&path).unwrap_err().to_string();
        assert!(
            e.ends_with("pred.jsonl:1: not valid UTF-8 (invalid byte at offset 42 of the line)"),
            "{e}"
        );
        // A folder (a Spark job's output) is told how to join its files.
        let e = Quoted::read(path.parent().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("a folder") && e.contains("part-*"), "{e}");
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
        // (A byte-order mark before a record is dropped, as before a
        // file's line.)
        let marked = format!("\u{feff}{}", held[0]);
        assert_eq!(
            Quoted::of_records([marked.as_str()]).unwrap(),
            Quoted::of_records([held[0].as_str()]).unwrap()
        );
        let second = format!("\u{feff}{}", held[1]);
        assert_eq!(
            Quoted::of_records([held[0].as_str(), second.as_str()]).unwrap(),
            Quoted::of_records([held[0].as_str(), held[1].as_str()]).unwrap()
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
        // A record whose quotes are null is told so (probe 64: "neither").
        let e = Quoted::of_records(["{\"id\": \"a\", \"quotes\": null}"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("its `quotes` is null"), "{e}");
    }

    /// Records that repeat an id are counted, and warned of, each id once.
    #[test]
    fn repeated_ids_are_said() {
        let records = [
            r#"{"id": "a", "quotes": []}"#,
            r#"{"id": "b", "quotes": []}"#,
            r#"{"id": "a", "quotes": []}"#,
            r#"{"id": "a", "error": {"kind": "empty", "message": ""}}"#,
            r#"{"id": 7, "quotes": []}"#,
            r#"{"id": 7, "quotes": []}"#,
        ];
        let quoted = Quoted::of_records(records).unwrap();
        assert_eq!(quoted.documents, 6);
        assert_eq!(quoted.repeated_ids, ["a"]);
        let warning = quoted.repeated_ids_warning("f.jsonl").unwrap();
        assert!(
            warning.starts_with("1 id is on more than one record of f.jsonl (the first: \"a\")"),
            "{warning}"
        );
        let once = Quoted::of_records(records[..2].iter().copied()).unwrap();
        assert_eq!(once.repeated_ids_warning("f.jsonl"), None);
        // Counted by id, too; an id written twice in one record is an error.
        let by = by::QuotedBy::of_records(records, "id").unwrap();
        assert_eq!(by.all.repeated_ids, ["a"]);
        let e = Quoted::of_records([r#"{"id": "a", "id": "b", "quotes": []}"#]).unwrap_err();
        assert!(e.to_string().contains("duplicate field `id`"), "{e}");
    }

    /// An empty name, white space or `-` is no name, as a corpus reads
    /// them; a name's white space around it goes; a line break in a name
    /// does not break the table's row.
    #[test]
    fn blank_names_are_no_names() {
        let names = ["", "   ", "-", " Ann Lee ", "Ann Lee", "Bo\nDiaz"];
        let quotes: Vec<_> = names
            .iter()
            .map(|n| serde_json::json!({"speaker_name": n}))
            .collect();
        let record = serde_json::json!({ "quotes": quotes }).to_string();
        let quoted = Quoted::of_records([record.as_str()]).unwrap();
        let named: Vec<(&str, usize)> = quoted
            .speakers
            .iter()
            .map(|s| (s.name.as_deref().unwrap(), s.quotes))
            .collect();
        assert_eq!(named, [("Ann Lee", 2), ("Bo\nDiaz", 1)]);
        assert_eq!(quoted.unnamed.quotes, 3);
        let table = quoted.to_string();
        assert!(table.lines().any(|l| l.starts_with("Bo Diaz ")), "{table}");
        assert!(!table.lines().any(|l| l.starts_with("Diaz")), "{table}");
    }
}
