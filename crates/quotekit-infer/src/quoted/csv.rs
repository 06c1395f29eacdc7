//! Who is quoted as CSV, the table a spreadsheet opens: one row per
//! speaker name, the quotes with no name last (an empty `speaker`).

use super::by::{heading, QuotedBy};
use super::{Quoted, SpeakerCount};
use std::io;

/// The columns of a speaker's row.
const COLUMNS: [&str; 5] = ["speaker", "quotes", "direct", "documents", "spellings"];

/// A speaker's row: its name (empty for no name), counts, and other
/// spellings joined by `; `.
fn row(s: &SpeakerCount) -> [String; 5] {
    [
        s.name.clone().unwrap_or_default(),
        s.quotes.to_string(),
        s.direct.to_string(),
        s.documents.to_string(),
        s.spellings.join("; "),
    ]
}

/// The rows of `quoted`: its names, most quoted first, then no name when
/// some quote has none.
fn rows(quoted: &Quoted) -> impl Iterator<Item = [String; 5]> + '_ {
    let unnamed = (quoted.unnamed.quotes > 0).then_some(&quoted.unnamed);
    quoted.speakers.iter().chain(unnamed).map(row)
}

impl Quoted {
    /// Writes the counts as CSV: a header (`speaker`, `quotes`, `direct`,
    /// `documents`, `spellings`), then a row per name, most quoted first,
    /// and one with an empty `speaker` for the quotes with no name.
    pub fn write_csv(&self, out: impl io::Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(COLUMNS)?;
        for r in rows(self) {
            w.write_record(&r)?;
        }
        w.flush()
    }
}

impl QuotedBy {
    /// Writes each part's counts as CSV, one table in long form: the
    /// field's value first (a string as it is, another value as JSON, as
    /// the table heads its parts; empty for records without the field),
    /// then the columns of [`Quoted::write_csv`]. The counts of all the
    /// records are not repeated: they are `Quoted`'s.
    pub fn write_csv(&self, out: impl io::Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let mut header = vec![self.field.as_str()];
        header.extend(COLUMNS);
        w.write_record(&header)?;
        for g in &self.groups {
            let value = g.value.as_ref().map(heading).unwrap_or_default();
            for r in rows(&g.quoted) {
                w.write_record(std::iter::once(&value).chain(&r))?;
            }
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names with commas, quotes and line breaks come back whole from a
    /// CSV reader, and every count is in its column.
    #[test]
    fn the_csv_reads_back_as_the_counts() {
        let records = [
            r#"{"outlet": "Post, The", "quotes": [{"speaker_name": "Lee, Ann \"Jr\""}, {"speaker_name": null}]}"#,
            r#"{"outlet": 7, "quotes": [{"speaker_name": "Bo\nDiaz", "content": [{"start": 0, "text": "\"Yes\""}]}]}"#,
            r#"{"quotes": []}"#,
        ];
        let quoted = Quoted::of_records(records).unwrap();
        let mut out = Vec::new();
        quoted.write_csv(&mut out).unwrap();
        let mut reader = csv::Reader::from_reader(&out[..]);
        assert_eq!(reader.headers().unwrap(), COLUMNS.as_slice());
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(
            rows,
            [
                ["Bo\nDiaz", "1", "1", "1", ""],
                ["Lee, Ann \"Jr\"", "1", "0", "1", ""],
                ["", "1", "0", "1", ""],
            ]
        );
        let by = QuotedBy::of_records(records, "outlet").unwrap();
        let mut out = Vec::new();
        by.write_csv(&mut out).unwrap();
        let mut reader = csv::Reader::from_reader(&out[..]);
        assert_eq!(&reader.headers().unwrap()[0], "outlet");
        let firsts: Vec<(String, String)> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[1].to_string())
            })
            .collect();
        assert_eq!(
            firsts,
            [
                ("7".to_string(), "Bo\nDiaz".to_string()),
                ("Post, The".to_string(), "Lee, Ann \"Jr\"".to_string()),
                ("Post, The".to_string(), String::new()),
            ]
        );
    }
}
