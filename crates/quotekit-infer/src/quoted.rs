//! Who is quoted: the quotes of `predict`'s records, or the attributions
//! of a corpus whose Source spans carry names, counted by their speaker's
//! canonical name, with the documents each name is quoted in; and, when
//! asked ([`Quoted::merge_names`]), the names of one person across
//! documents counted as one.

use crate::error::InferError;
use crate::render::read::lines;
use quotekit_model::eval::speakers::normalise;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

/// The quotes of one speaker name (or of no name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpeakerCount {
    /// The canonical name; `None` for the quotes whose speaker has none
    /// (unnamed, a group, no speaker found, or names not resolved).
    pub name: Option<String>,
    /// Its quotes.
    pub quotes: usize,
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
    /// The named speakers, most quoted first (then by name).
    pub speakers: Vec<SpeakerCount>,
    /// The quotes without a speaker name.
    pub unnamed: SpeakerCount,
    /// The documents each of `speakers` is quoted in, by their position in
    /// the input (what merging names needs to count documents once).
    #[serde(skip)]
    in_documents: Vec<Vec<usize>>,
}

/// What is read of a record: its quotes' names, and whether it is an error.
#[derive(Deserialize, Clone)]
struct Record {
    #[serde(default)]
    quotes: Vec<Quote>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Clone)]
struct Quote {
    #[serde(default)]
    speaker_name: Option<String>,
}

/// A [`Quoted`] being counted, document by document.
#[derive(Default)]
struct Counter {
    out: Quoted,
    counts: HashMap<Option<String>, (SpeakerCount, Vec<usize>)>,
}

impl Counter {
    /// Counts a document's quotes, given their speakers' names.
    fn document(&mut self, names: impl IntoIterator<Item = Option<String>>) {
        let doc = self.out.documents;
        self.out.documents += 1;
        let mut seen = HashSet::new();
        for name in names {
            self.out.quotes += 1;
            let first = seen.insert(name.clone());
            let (count, docs) = self.counts.entry(name).or_default();
            count.quotes += 1;
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
    /// corpus read with its names.
    pub fn of_documents<'d>(docs: impl IntoIterator<Item = &'d quotekit_data::Document>) -> Self {
        let mut counter = Counter::default();
        for doc in docs {
            let spans = doc.spans_by_id();
            counter.document(doc.attributions.iter().map(|a| {
                a.source
                    .as_deref()
                    .and_then(|id| spans.get(id))
                    .and_then(|s| s.speaker_name())
                    .map(String::from)
            }));
        }
        counter.finish()
    }

    /// Counts the quotes of the records in the JSONL file `path`, each line
    /// a record of `predict --format jsonl` (blank lines passed over). A
    /// line that is no such record is an error naming the file and line.
    pub fn read(path: &Path) -> Result<Self, InferError> {
        let mut counter = Counter::default();
        for line in lines(path)? {
            let (line_no, line) = line?;
            let record: Record =
                serde_json::from_slice(&line).map_err(|e| not_a_record(path, line_no, &e))?;
            counter.record(record);
        }
        Ok(counter.finish())
    }
}

fn not_a_record(path: &Path, line_no: usize, e: &serde_json::Error) -> InferError {
    InferError::Usage(format!(
        "{}:{line_no}: not a record of `predict --format jsonl`: {}",
        path.display(),
        quotekit_data::formats::jsonl::json_problem(e)
    ))
}

impl Counter {
    /// Counts one record of `predict`.
    fn record(&mut self, record: Record) {
        self.out.error_records += usize::from(record.error.is_some());
        self.document(record.quotes.into_iter().map(|q| q.speaker_name));
    }
}

/// Who is quoted in each part of a file of `predict` records, the parts
/// told by the value of one field the records carry (an input record's
/// field, which `predict` passes through: an outlet, a date, a section).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotedBy {
    /// The field.
    pub field: String,
    /// Every record.
    pub all: Quoted,
    /// One part for each value of the field, in order of value, records
    /// without the field (or with `null`) last.
    pub groups: Vec<Group>,
}

/// The records of one value of [`QuotedBy::field`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The value: a string as it is, another JSON value as JSON text;
    /// `None` for records without the field or with `null`.
    pub value: Option<String>,
    /// Who is quoted in those records.
    pub quoted: Quoted,
}

impl QuotedBy {
    /// Counts the records of the JSONL file `path` (as [`Quoted::read`]),
    /// all together and by the value of `field`.
    pub fn read(path: &Path, field: &str) -> Result<Self, InferError> {
        let mut all = Counter::default();
        let mut groups: HashMap<Option<String>, Counter> = HashMap::new();
        for line in lines(path)? {
            let (line_no, line) = line?;
            let mut value: serde_json::Value =
                serde_json::from_slice(&line).map_err(|e| not_a_record(path, line_no, &e))?;
            let part = match value.get_mut(field).map(serde_json::Value::take) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s),
                Some(other) => Some(other.to_string()),
            };
            let record: Record =
                serde_json::from_value(value).map_err(|e| not_a_record(path, line_no, &e))?;
            groups.entry(part).or_default().record(record.clone());
            all.record(record);
        }
        let mut groups: Vec<Group> = groups
            .into_iter()
            .map(|(value, counter)| Group {
                value,
                quoted: counter.finish(),
            })
            .collect();
        // (`None` sorts first; records without the field go last.)
        groups.sort_by(|a, b| (a.value.is_none(), &a.value).cmp(&(b.value.is_none(), &b.value)));
        Ok(QuotedBy {
            field: field.to_string(),
            all: all.finish(),
            groups,
        })
    }

    /// [`Quoted::merge_names`] over every record, each part merged the same
    /// way (a person under one name in every part).
    pub fn merge_names(self) -> Self {
        let all = self.all.merge_names();
        let groups = self
            .groups
            .into_iter()
            .map(|g| Group {
                value: g.value,
                quoted: g.quoted.merge_names_as(&all),
            })
            .collect();
        QuotedBy {
            all,
            groups,
            ..self
        }
    }
}

impl fmt::Display for QuotedBy {
    /// Every record's table, then each part's under its value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "all records\n")?;
        write!(f, "{}", self.all)?;
        for g in &self.groups {
            match &g.value {
                Some(v) => writeln!(f, "\n{} = {v}\n", self.field)?,
                None => writeln!(f, "\nno {}\n", self.field)?,
            }
            write!(f, "{}", g.quoted)?;
        }
        Ok(())
    }
}

impl Quoted {
    /// Counts the names of one person as one, across documents (each
    /// document already gives a person one name, its fullest): names equal
    /// as `eval` compares them ([`normalise`]: case, a possessive, `the`,
    /// titles in front, middle initials), and a lone surname (or any name
    /// of one word) with the only name of two or more words in the counts
    /// that ends with it (`Obama` with `Barack Obama`; `Clinton` stays
    /// apart when both `Hillary Clinton` and `Bill Clinton` are quoted).
    /// A group is shown under its most quoted spelling of the most words,
    /// the others listed in [`SpeakerCount::spellings`]; its documents are
    /// counted once each.
    pub fn merge_names(self) -> Self {
        let speakers = &self.speakers;
        // Each name's group key: its normalised form, or the only longer
        // key ending with it.
        let keys: Vec<String> = speakers
            .iter()
            .map(|s| {
                let name = s.name.as_deref().unwrap_or_default();
                normalise(name).unwrap_or_else(|| name.to_string())
            })
            .collect();
        let mut by_last: HashMap<&str, HashSet<&str>> = HashMap::new();
        for key in keys.iter().filter(|k| k.contains(' ')) {
            let last = key.rsplit(' ').next().unwrap_or_default();
            by_last.entry(last).or_default().insert(key);
        }
        let group = |key: &str| -> String {
            match by_last.get(key) {
                Some(fuller) if !key.contains(' ') && fuller.len() == 1 => {
                    fuller.iter().next().map_or(key, |k| *k).to_string()
                }
                _ => key.to_string(),
            }
        };
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, key) in keys.iter().enumerate() {
            groups.entry(group(key)).or_default().push(k);
        }
        // Each group under its spelling of the most words, then the most
        // quoted (members come most quoted first, as `speakers` is sorted).
        let mut head_of = vec![String::new(); speakers.len()];
        for members in groups.values() {
            let words = |k: usize| keys[k].split(' ').count();
            let head = members
                .iter()
                .copied()
                .max_by_key(|&k| (words(k), std::cmp::Reverse(k)))
                .unwrap_or(members[0]);
            let name = speakers[head].name.clone().unwrap_or_default();
            for &k in members {
                head_of[k] = name.clone();
            }
        }
        self.regroup(&head_of)
    }

    /// Merges names as `merged` (this counts' [`Quoted::merge_names`] over a
    /// larger set of records) merged them: each name under the name whose
    /// spellings hold it, so that every part of a corpus counts a person
    /// under one name.
    pub fn merge_names_as(self, merged: &Quoted) -> Self {
        let mut heads: HashMap<&str, &str> = HashMap::new();
        for s in &merged.speakers {
            let Some(head) = s.name.as_deref() else {
                continue;
            };
            heads.insert(head, head);
            for spelling in &s.spellings {
                heads.insert(spelling, head);
            }
        }
        let head_of: Vec<String> = self
            .speakers
            .iter()
            .map(|s| {
                let name = s.name.as_deref().unwrap_or_default();
                heads.get(name).copied().unwrap_or(name).to_string()
            })
            .collect();
        self.regroup(&head_of)
    }

    /// The counts with each speaker `k` counted under the name
    /// `head_of[k]`, the other names kept as spellings and each document
    /// counted once.
    fn regroup(self, head_of: &[String]) -> Self {
        let Quoted {
            speakers,
            in_documents,
            ..
        } = &self;
        let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, head) in head_of.iter().enumerate() {
            groups.entry(head).or_default().push(k);
        }
        let mut merged: Vec<(SpeakerCount, Vec<usize>)> = groups
            .into_iter()
            .map(|(head, members)| {
                let mut docs: Vec<usize> = members
                    .iter()
                    .flat_map(|&k| in_documents[k].iter().copied())
                    .collect();
                docs.sort_unstable();
                docs.dedup();
                let mut spellings: Vec<String> = Vec::new();
                let names = members.iter().flat_map(|&k| {
                    speakers[k]
                        .name
                        .iter()
                        .chain(&speakers[k].spellings)
                        .cloned()
                });
                for name in names {
                    if name != head && !spellings.contains(&name) {
                        spellings.push(name);
                    }
                }
                let count = SpeakerCount {
                    name: Some(head.to_string()),
                    quotes: members.iter().map(|&k| speakers[k].quotes).sum(),
                    documents: docs.len(),
                    spellings,
                };
                (count, docs)
            })
            .collect();
        merged.sort_by(|a, b| most_quoted(&a.0, &b.0));
        let (speakers, in_documents) = merged.into_iter().unzip();
        Quoted {
            speakers,
            in_documents,
            ..self
        }
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
            "{:<width$}  {:>7}  {:>6}  {:>9}",
            "speaker", "quotes", "%", "documents"
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
                "{name:<width$}  {:>7}  {:>5.1}%  {:>9}",
                s.quotes,
                share(s.quotes),
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
        let lines = [
            serde_json::json!({"id": "a", "quotes": [q(Some("Ann Lee")), q(Some("Ann Lee")), q(None)]}),
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
        let row = |name: &str, quotes, documents| SpeakerCount {
            name: Some(name.into()),
            quotes,
            documents,
            spellings: Vec::new(),
        };
        assert_eq!(
            quoted.speakers,
            [row("Ann Lee", 3, 2), row("Bo Diaz", 1, 1)]
        );
        assert_eq!((quoted.unnamed.quotes, quoted.unnamed.documents), (1, 1));
        let table = quoted.to_string();
        assert!(table.contains("Ann Lee"), "{table}");
        assert!(table.contains("(no name)"), "{table}");
        // A line that is no record names its file and line.
        std::fs::write(&path, "{\"id\": \"a\", \"quotes\": []}\n{\"quotes\": 3}\n").unwrap();
        let e = Quoted::read(&path).unwrap_err().to_string();
        assert!(e.contains("pred.jsonl:2"), "{e}");
    }

    #[test]
    fn the_names_of_one_person_merge_across_documents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pred.jsonl");
        let doc = |names: &[&str]| {
            let quotes: Vec<_> = names
                .iter()
                .map(|n| serde_json::json!({"speaker_name": n}))
                .collect();
            format!("{}\n", serde_json::json!({ "quotes": quotes }))
        };
        let text = [
            doc(&["Obama", "Obama", "Barack Obama", "Clinton"]),
            doc(&["Obama", "Donald J. Trump", "Hillary Clinton"]),
            doc(&["Donald Trump", "Donald Trump", "Bill Clinton", "Mr. Lee"]),
            doc(&["lee", "Ann Lee", "Ann Lee's"]),
        ]
        .concat();
        std::fs::write(&path, text).unwrap();
        let quoted = Quoted::read(&path).unwrap();
        assert_eq!(quoted.speakers.len(), 11);
        let merged = quoted.merge_names();
        let rows: Vec<(&str, usize, usize, Vec<&str>)> = merged
            .speakers
            .iter()
            .map(|s| {
                (
                    s.name.as_deref().unwrap(),
                    s.quotes,
                    s.documents,
                    s.spellings.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Ann Lee", 4, 2, vec!["Ann Lee's", "Mr. Lee", "lee"]),
                // (Obama's three quotes count under the fuller name, the
                // first document once.)
                ("Barack Obama", 4, 2, vec!["Obama"]),
                ("Donald Trump", 3, 2, vec!["Donald J. Trump"]),
                ("Bill Clinton", 1, 1, vec![]),
                // (Two Clintons: the surname alone is neither.)
                ("Clinton", 1, 1, vec![]),
                ("Hillary Clinton", 1, 1, vec![]),
            ]
        );
        assert_eq!((merged.quotes, merged.documents), (14, 4));
        let table = merged.to_string();
        assert!(table.contains("(also Obama)"), "{table}");
        // Merging what is merged changes nothing.
        assert_eq!(merged.clone().merge_names().speakers, merged.speakers);
    }

    #[test]
    fn records_are_counted_by_a_field_and_merged_alike() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pred.jsonl");
        let doc = |outlet: serde_json::Value, names: &[&str]| {
            let quotes: Vec<_> = names
                .iter()
                .map(|n| serde_json::json!({"speaker_name": n}))
                .collect();
            format!(
                "{}\n",
                serde_json::json!({"outlet": outlet, "quotes": quotes})
            )
        };
        let text = [
            doc("b".into(), &["Barack Obama", "Ann Lee"]),
            doc("a".into(), &["Obama", "Obama"]),
            doc(serde_json::Value::Null, &["Ann Lee"]),
            doc(7.into(), &["Ann Lee"]),
            "{\"quotes\": [], \"error\": {\"kind\": \"empty\", \"message\": \"\"}}\n".into(),
        ]
        .concat();
        std::fs::write(&path, text).unwrap();
        let by = QuotedBy::read(&path, "outlet").unwrap();
        assert_eq!(by.all, Quoted::read(&path).unwrap());
        let values: Vec<Option<&str>> = by.groups.iter().map(|g| g.value.as_deref()).collect();
        assert_eq!(values, [Some("7"), Some("a"), Some("b"), None]);
        let quotes: usize = by.groups.iter().map(|g| g.quoted.quotes).sum();
        assert_eq!(quotes, by.all.quotes);
        assert_eq!(by.groups[3].quoted.documents, 2, "null and no field alike");
        assert_eq!(by.groups[3].quoted.error_records, 1);
        // Outlet a wrote only `Obama`: merged over every record, it is
        // counted as Barack Obama there too.
        let merged = by.merge_names();
        let a = &merged.groups[1].quoted.speakers;
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name.as_deref(), Some("Barack Obama"));
        assert_eq!((a[0].quotes, a[0].documents), (2, 1));
        assert_eq!(a[0].spellings, ["Obama"]);
        let obama = merged
            .all
            .speakers
            .iter()
            .find(|s| s.spellings == ["Obama"]);
        assert_eq!(obama.map(|s| (s.quotes, s.documents)), Some((3, 2)));
        let table = merged.to_string();
        assert!(
            table.contains("outlet = a") && table.contains("no outlet"),
            "{table}"
        );
    }
}
