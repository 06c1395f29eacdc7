//! Who is quoted in each part of a file of `predict` records, the parts
//! told by the value of one of the records' fields.

use super::record::{checked, in_memory, Counted};
use super::{Counter, Quoted};
use crate::error::InferError;
use crate::render::read::{lines, lines_of};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

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
    /// The fields the records carry besides those `predict` writes
    /// ([`crate::output::RECORD_FIELDS`]), sorted: the fields a run could
    /// count by.
    #[serde(skip)]
    pub passed_through: Vec<String>,
}

/// The records of one value of [`QuotedBy::field`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The value, as the records hold it (the number `7` and the string
    /// `"7"` are two values); `None` for records without the field or with
    /// `null`.
    pub value: Option<serde_json::Value>,
    /// Who is quoted in those records.
    pub quoted: Quoted,
}

impl QuotedBy {
    /// Counts the records of the JSONL file `path` (as [`Quoted::read`]),
    /// all together and by the value of `field`.
    pub fn read(path: &Path, field: &str) -> Result<Self, InferError> {
        Self::counted(lines(path)?, Some(path), field)
    }

    /// [`QuotedBy::read`] of records from `reader` (standard input, say),
    /// `name` naming it in errors.
    pub fn read_from(
        reader: impl std::io::BufRead,
        name: &Path,
        field: &str,
    ) -> Result<Self, InferError> {
        Self::counted(lines_of(reader, name), Some(name), field)
    }

    /// Counts records held in memory (as [`Quoted::of_records`]), all
    /// together and by the value of `field`.
    pub fn of_records<'r>(
        records: impl IntoIterator<Item = &'r str>,
        field: &str,
    ) -> Result<Self, InferError> {
        Self::counted(in_memory(records), None, field)
    }

    fn counted(
        lines: impl Iterator<Item = Result<(usize, Vec<u8>), InferError>>,
        path: Option<&Path>,
        field: &str,
    ) -> Result<Self, InferError> {
        if field.trim().is_empty() {
            return Err(InferError::Usage(
                "no field to count the records by: its name is empty".into(),
            ));
        }
        let mut all = Counter::default();
        // (Keyed by the value's JSON text, which tells `7` from `"7"`.)
        let mut groups: HashMap<String, (Option<serde_json::Value>, Counter)> = HashMap::new();
        let mut passed_through = BTreeSet::new();
        for line in lines {
            let (line_no, line) = line?;
            let read = checked(&line, Some(field), path, line_no)?;
            passed_through.extend(read.passed_through);
            let record = Counted::from(read.record);
            let part = read.value;
            groups
                .entry(part.as_ref().map_or_else(String::new, |v| v.to_string()))
                .or_insert_with(|| (part, Counter::default()))
                .1
                .record(record.clone());
            all.record(record);
        }
        let mut groups: Vec<Group> = groups
            .into_values()
            .map(|(value, counter)| Group {
                value,
                quoted: counter.finish(),
            })
            .collect();
        groups.sort_by(|a, b| value_order(a.value.as_ref(), b.value.as_ref()));
        Ok(QuotedBy {
            field: field.to_string(),
            all: all.finish(),
            groups,
            passed_through: passed_through.into_iter().collect(),
        })
    }

    /// What to warn of in the counts of the records `source` names (a
    /// file): a field no record has, and [`Quoted::warnings`].
    pub fn warnings(&self, source: &str) -> Vec<String> {
        let mut warnings: Vec<String> = self.missing_field(source).into_iter().collect();
        warnings.extend(self.all.warnings(source));
        warnings
    }

    /// A warning when there are records and none has the field (or every
    /// one has `null`), so that all are counted under "no FIELD": the field
    /// is likely misspelt, and the warning names the fields the records
    /// do carry. `source` names the records (a file).
    fn missing_field(&self, source: &str) -> Option<String> {
        if self.all.documents == 0 || self.groups.iter().any(|g| g.value.is_some()) {
            return None;
        }
        let field = &self.field;
        if self.passed_through.contains(field) {
            return Some(format!(
                "the records of {source} that have a field {field:?} hold null in it: every record is counted under \"no {field}\""
            ));
        }
        let fields = if field == "error" {
            // (A field predict writes itself, on the records of documents
            // it could not annotate only.)
            "predict writes it on the records of documents it could not annotate, and none of \
             these is one"
                .to_string()
        } else if self.passed_through.is_empty() {
            format!(
                "they carry only the fields predict writes ({})",
                crate::output::RECORD_FIELDS.join(", ")
            )
        } else {
            let quoted: Vec<String> = self
                .passed_through
                .iter()
                .map(|f| format!("{f:?}"))
                .collect();
            format!(
                "fields they carry besides predict's own: {}",
                quoted.join(", ")
            )
        };
        Some(format!(
            "no record of {source} has a field {field:?}: every record is counted under \"no {field}\"; {fields}"
        ))
    }

    /// [`Quoted::merge_names`] over every record, each part merged the same
    /// way (a person under one name in every part).
    pub fn merge_names(self) -> Self {
        let all = self.all.merge_names();
        let heads = all.heads();
        let groups = self
            .groups
            .into_iter()
            .map(|g| Group {
                value: g.value,
                quoted: g.quoted.merge_names_as(&heads),
            })
            .collect();
        drop(heads);
        QuotedBy {
            all,
            groups,
            ..self
        }
    }
}

/// Numbers by value, then strings, then other values by their JSON text;
/// records without the field last.
fn value_order(a: Option<&serde_json::Value>, b: Option<&serde_json::Value>) -> Ordering {
    use serde_json::Value;
    let rank = |v: Option<&Value>| match v {
        Some(Value::Number(_)) => 0,
        Some(Value::String(_)) => 1,
        Some(_) => 2,
        None => 3,
    };
    rank(a)
        .cmp(&rank(b))
        .then_with(|| match (a, b) {
            (Some(Value::Number(x)), Some(Value::Number(y))) => {
                let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                x.total_cmp(&y)
            }
            (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
            (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
            _ => Ordering::Equal,
        })
        // (`1` and `1.0` are two values of one number: in a fixed order.)
        .then_with(|| a.map(|v| v.to_string()).cmp(&b.map(|v| v.to_string())))
}

/// A value as its table's heading shows it: a string as it is (control
/// characters as spaces, so that a line break does not break the heading;
/// quoted when it is empty or reads as another value, `"7"` beside `7`),
/// another value as JSON.
fn heading(value: &serde_json::Value) -> String {
    match value {
        // (As a JSON string, its hidden characters escaped, where it would
        // be taken for another: `a\nb` shown as `a b`, as `a b` itself is.)
        serde_json::Value::String(s) if s.chars().any(super::shown::hidden) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' | '\\' => out.extend(['\\', c]),
                    c if super::shown::hidden(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out + "\""
        }
        serde_json::Value::String(s)
            if s.is_empty() || serde_json::from_str::<serde_json::Value>(s).is_ok() =>
        {
            value.to_string()
        }
        serde_json::Value::String(s) => super::shown::shown(s),
        other => other.to_string(),
    }
}

impl fmt::Display for QuotedBy {
    /// Every record's table, then each part's under its value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "all records\n")?;
        write!(f, "{}", self.all)?;
        for g in &self.groups {
            match &g.value {
                Some(v) => writeln!(f, "\n{} = {}\n", self.field, heading(v))?,
                None => writeln!(f, "\nno {}\n", self.field)?,
            }
            write!(f, "{}", g.quoted)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field's value that `predict` passes through as written but that no
    /// JSON value holds is said as that field's, and another field still
    /// counts the records.
    #[test]
    fn a_value_that_cannot_be_a_group_names_its_field() {
        for (value, says) in [
            ("1e400", "number out of range"),
            ("\"\\ud800\"", "half a UTF-16 pair"),
        ] {
            let records = [
                format!("{{\"id\": \"a\", \"feed\": {value}, \"quotes\": []}}"),
                "{\"id\": \"b\", \"feed\": 2, \"quotes\": []}".to_string(),
            ];
            let lines = || records.iter().map(String::as_str);
            let e = QuotedBy::of_records(lines(), "feed")
                .err()
                .unwrap()
                .to_string();
            let head = format!("record 1: its `feed` value {value} cannot be a group: ");
            assert!(e.starts_with(&head) && e.contains(says), "{e}");
            assert!(!e.contains("not a record"), "{e}");
            assert_eq!(QuotedBy::of_records(lines(), "id").unwrap().groups.len(), 2);
        }
        // Whole numbers past 64 bits would be counted as one: refused. A
        // float, or a whole number written as one, is a value.
        let big = [
            "{\"feed\": 18446744073709551617, \"quotes\": []}",
            "{\"feed\": 18446744073709551618, \"quotes\": []}",
        ];
        let e = QuotedBy::of_records(big, "feed").err().unwrap().to_string();
        assert!(e.contains("a whole number past 64 bits"), "{e}");
        let fine = [
            "{\"feed\": 1.5, \"quotes\": []}",
            "{\"feed\": 2e3, \"quotes\": []}",
            "{\"feed\": 18446744073709551615, \"quotes\": []}",
            "{\"feed\": -0, \"quotes\": []}",
            "{\"feed\": 0, \"quotes\": []}",
        ];
        assert_eq!(QuotedBy::of_records(fine, "feed").unwrap().groups.len(), 5);
        // A line that is no record is said as such first.
        let input = ["{\"id\": \"a\", \"text\": \"x\", \"feed\": 1e400}"];
        let e = QuotedBy::of_records(input, "feed")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not a record"), "{e}");
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
            doc(10.into(), &[]),
            doc("7".into(), &[]),
            doc("".into(), &[]),
            doc("x\ny".into(), &[]),
        ]
        .concat();
        std::fs::write(&path, text).unwrap();
        let by = QuotedBy::read(&path, "outlet").unwrap();
        assert_eq!(by.all, Quoted::read(&path).unwrap());
        let values: Vec<String> = by
            .groups
            .iter()
            .map(|g| g.value.as_ref().map_or("-".into(), |v| v.to_string()))
            .collect();
        // (Numbers by value, then strings; `7` and `"7"` apart.)
        assert_eq!(
            values,
            [
                "7",
                "10",
                "\"\"",
                "\"7\"",
                "\"a\"",
                "\"b\"",
                "\"x\\ny\"",
                "-"
            ]
        );
        let quotes: usize = by.groups.iter().map(|g| g.quoted.quotes).sum();
        assert_eq!(quotes, by.all.quotes);
        let last = &by.groups[7].quoted;
        assert_eq!(last.documents, 2, "null and no field alike");
        assert_eq!(last.error_records, 1);
        // A field that `Record` reads counts as any other.
        for field in ["error", "quotes"] {
            let by = QuotedBy::read(&path, field).unwrap();
            assert_eq!(by.all, Quoted::read(&path).unwrap(), "{field}");
        }
        // Outlet a wrote only `Obama`: merged over every record, it is
        // counted as Barack Obama there too.
        let merged = by.merge_names();
        let a = &merged.groups[4].quoted.speakers;
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
        for heading in [
            "outlet = a\n",
            "outlet = \"x\\u000ay\"\n",
            "outlet = \"\"\n",
            "outlet = 7\n",
            "outlet = \"7\"\n",
            "no outlet\n",
        ] {
            assert!(table.contains(heading), "{heading:?} in {table}");
        }
    }

    /// A record is read the same way with and without a field to count by:
    /// a field read twice is an error either way (no quotes lost to the
    /// last copy), and a field not read is passed over either way.
    #[test]
    fn a_record_reads_alike_with_and_without_a_field() {
        let twice = [r#"{"outlet": "a", "quotes": [{"speaker_name": "Ann"}], "quotes": []}"#];
        for field in [None, Some("outlet"), Some("quotes")] {
            let e = match field {
                None => Quoted::of_records(twice).unwrap_err(),
                Some(f) => QuotedBy::of_records(twice, f).unwrap_err(),
            };
            assert!(e.to_string().contains("duplicate field `quotes`"), "{e}");
        }
        let e = QuotedBy::of_records([r#"{"outlet": 1, "outlet": 2, "quotes": []}"#], "outlet")
            .unwrap_err();
        assert!(e.to_string().contains("duplicate field `outlet`"), "{e}");
        // A number out of range, in a field not counted by.
        let odd = [r#"{"x": 1e400, "outlet": "a", "quotes": [{"speaker_name": "Ann"}]}"#];
        let all = Quoted::of_records(odd).unwrap();
        let by = QuotedBy::of_records(odd, "outlet").unwrap();
        assert_eq!(by.all, all);
        assert_eq!(by.passed_through, ["outlet", "x"]);
        let e = QuotedBy::of_records(odd, "x").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("record 1: its `x` value 1e400 cannot be a group"),
            "{e}"
        );
        // A lone surrogate in the field counted by is said to be one.
        let e = QuotedBy::of_records([r#"{"x": "\ud800", "quotes": []}"#], "x").unwrap_err();
        assert!(
            e.to_string().contains("\\ud800 alone, is no character"),
            "{e}"
        );
        // A quote's content is read only to tell a direct quote: what it
        // cannot tell by (`null`, a start below 0) makes none, not an error.
        let content = [
            r#"{"quotes": [{"speaker_name": "Ann", "content": null}]}"#,
            r#"{"quotes": [{"speaker_name": "Ann", "content": [{"start": -1, "text": "\"x"}]}]}"#,
            r#"{"quotes": [{"speaker_name": "Ann", "content": [{"start": null, "text": null}]}]}"#,
        ];
        let quoted = Quoted::of_records(content).unwrap();
        assert_eq!((quoted.quotes, quoted.direct), (3, 1));
        let e = Quoted::of_records(["[1, 2]"]).unwrap_err();
        assert!(e.to_string().ends_with("expected a JSON object"), "{e}");
    }

    /// A value's heading tells it from every other value: a string that
    /// reads as another value, or holds characters a table hides, is shown
    /// as a JSON string with those characters escaped.
    #[test]
    fn headings_tell_values_apart() {
        use serde_json::json;
        let heading = |v: serde_json::Value| heading(&v);
        assert_eq!(heading(json!("a b")), "a b");
        assert_eq!(heading(json!("a\nb")), "\"a\\u000ab\"");
        assert_eq!(heading(json!("x\u{202e}\"y")), "\"x\\u202e\\\"y\"");
        assert_eq!(heading(json!("7")), "\"7\"");
        assert_eq!(heading(json!(7)), "7");
        assert_eq!(heading(json!("")), "\"\"");
    }

    /// A field no record has is likely misspelt: the warning names the
    /// fields the records pass through, or says they have none.
    #[test]
    fn a_missing_field_names_the_fields_there_are() {
        let records = [
            r#"{"id": "a", "outlet": "x", "date": null, "quotes": [], "spans": {}}"#,
            r#"{"id": "b", "quotes": [], "speakers": [], "error": null}"#,
        ];
        let by = QuotedBy::of_records(records, "outlet").unwrap();
        assert_eq!(by.passed_through, ["date", "outlet"]);
        assert_eq!(by.missing_field("f.jsonl"), None);
        let by = QuotedBy::of_records(records, "outlte").unwrap();
        let warning = by.missing_field("f.jsonl").unwrap();
        assert!(
            warning.starts_with("no record of f.jsonl has a field \"outlte\""),
            "{warning}"
        );
        assert!(warning.ends_with(": \"date\", \"outlet\""), "{warning}");
        let by = QuotedBy::of_records(records[1..].iter().copied(), "outlet").unwrap();
        let warning = by.missing_field("f.jsonl").unwrap();
        assert!(
            warning.contains("only the fields predict writes"),
            "{warning}"
        );
        // `error`, predict's own, is on the records of failed documents only.
        let by = QuotedBy::of_records(records, "error").unwrap();
        let warning = by.missing_field("f.jsonl").unwrap();
        assert!(
            warning.ends_with("predict writes it on the records of documents it could not annotate, and none of these is one"),
            "{warning}"
        );
        // `null` everywhere is no value either, and said so; no records, no
        // warning.
        let by = QuotedBy::of_records(records, "date").unwrap();
        let warning = by.missing_field("f.jsonl").unwrap();
        assert!(
            warning
                .starts_with("the records of f.jsonl that have a field \"date\" hold null in it"),
            "{warning}"
        );
        let e = QuotedBy::of_records(records, " ").unwrap_err();
        assert!(e.to_string().contains("its name is empty"), "{e}");
        let none: [&str; 0] = [];
        let by = QuotedBy::of_records(none, "outlet").unwrap();
        assert_eq!(by.missing_field("f.jsonl"), None);
    }
}
