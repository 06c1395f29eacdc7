//! Who is quoted in each part of a file of `predict` records, the parts
//! told by the value of one of the records' fields.

use super::{lines, not_a_record, Counter, Quoted, Record};
use crate::error::InferError;
use serde::Serialize;
use std::collections::HashMap;
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
                // (A value's line breaks would break the table's heading.)
                Some(v) => writeln!(
                    f,
                    "\n{} = {}\n",
                    self.field,
                    v.replace(char::is_control, " ")
                )?,
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
