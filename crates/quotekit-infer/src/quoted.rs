//! Who is quoted: the quotes of `predict`'s records counted by their
//! speaker's canonical name, with the documents each name is quoted in.

use crate::error::InferError;
use crate::render::read::lines;
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
}

/// What is read of a record: its quotes' names, and whether it is an error.
#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    quotes: Vec<Quote>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Quote {
    #[serde(default)]
    speaker_name: Option<String>,
}

impl Quoted {
    /// Counts the quotes of the records in the JSONL file `path`, each line
    /// a record of `predict --format jsonl` (blank lines passed over). A
    /// line that is no such record is an error naming the file and line.
    pub fn read(path: &Path) -> Result<Self, InferError> {
        let mut counts: HashMap<Option<String>, SpeakerCount> = HashMap::new();
        let mut out = Quoted::default();
        for line in lines(path)? {
            let (line_no, line) = line?;
            let record: Record = serde_json::from_slice(&line).map_err(|e| {
                InferError::Usage(format!(
                    "{}:{line_no}: not a record of `predict --format jsonl`: {}",
                    path.display(),
                    quotekit_data::formats::jsonl::json_problem(&e)
                ))
            })?;
            out.documents += 1;
            out.error_records += usize::from(record.error.is_some());
            out.quotes += record.quotes.len();
            let mut seen = HashSet::new();
            for quote in record.quotes {
                let first = seen.insert(quote.speaker_name.clone());
                let count = counts.entry(quote.speaker_name).or_default();
                count.quotes += 1;
                count.documents += usize::from(first);
            }
        }
        out.unnamed = counts.remove(&None).unwrap_or_default();
        out.speakers = counts
            .into_iter()
            .map(|(name, count)| SpeakerCount { name, ..count })
            .collect();
        out.speakers
            .sort_by(|a, b| b.quotes.cmp(&a.quotes).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
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
        writeln!(
            f,
            "documents                {:>9}  ({} error records)",
            self.documents, self.error_records
        )?;
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
            writeln!(
                f,
                "{name:<width$}  {:>7}  {:>5.1}%  {:>9}",
                s.quotes,
                share(s.quotes),
                s.documents
            )?;
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
}
