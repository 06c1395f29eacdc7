//! Who is quoted as CSV, the table a spreadsheet opens: one row per
//! speaker name, the quotes with no name last (an empty `speaker`). Names
//! come from news text: a cell that a spreadsheet would read as a formula
//! (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is
//! written after a `'`, which spreadsheets show as text.

use super::by::QuotedBy;
use super::{Quoted, SpeakerCount};
use std::io;

/// The columns of a speaker's row.
const COLUMNS: [&str; 5] = ["speaker", "quotes", "direct", "documents", "spellings"];

/// A speaker's row: its name (empty for no name), counts, and other
/// spellings joined by `; `.
fn row(s: &SpeakerCount) -> [String; 5] {
    [
        text(s.name.as_deref().unwrap_or_default()),
        s.quotes.to_string(),
        s.direct.to_string(),
        s.documents.to_string(),
        text(&s.spellings.join("; ")),
    ]
}

/// A text cell, after a `'` where a spreadsheet would read a formula
/// (`@mdeluzgon`, a name from a tweet, or `=HYPERLINK(…)`).
fn text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// A part's value as its cell: a string as it is, unless it is empty or
/// reads as another value (`"7"` beside `7`), which is written as JSON, as
/// is any other value; empty for records without the field.
fn value(v: Option<&serde_json::Value>) -> String {
    match v {
        None => String::new(),
        Some(serde_json::Value::String(s))
            if !s.is_empty() && serde_json::from_str::<serde_json::Value>(s).is_err() =>
        {
            text(s)
        }
        // (A number is a number to a spreadsheet too, `-5` no formula.)
        Some(n @ serde_json::Value::Number(_)) => n.to_string(),
        Some(other) => text(&other.to_string()),
    }
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
    /// field's value first (a string as it is, unless empty or read as
    /// another value, which is JSON as other values are; empty for records
    /// without the field), then the columns of [`Quoted::write_csv`], then
    /// the part's documents (its records, error records included) and its
    /// quotes in all (`FIELD_documents`, `FIELD_quotes`), on each of its rows, so that a spreadsheet can
    /// share a speaker's quotes out by the part's. A part without quotes
    /// has one row, its quotes with no name: none. The counts of all the
    /// records are not repeated: they are `Quoted`'s.
    pub fn write_csv(&self, out: impl io::Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        // (The field's column under its name, unless that is a column's:
        // `by:speaker` then, so that a reader by header loses neither.)
        let field = if COLUMNS.contains(&self.field.as_str()) {
            format!("by:{}", self.field)
        } else {
            text(&self.field)
        };
        let (part_documents, part_quotes) =
            (format!("{field}_documents"), format!("{field}_quotes"));
        let mut header = vec![field.as_str()];
        header.extend(COLUMNS);
        header.extend([part_documents.as_str(), part_quotes.as_str()]);
        w.write_record(&header)?;
        for g in &self.groups {
            let value = value(g.value.as_ref());
            let part = [g.quoted.documents.to_string(), g.quoted.quotes.to_string()];
            let mut rows = rows(&g.quoted).peekable();
            // (A part without quotes still has its row: no quote of no one.)
            let none = rows.peek().is_none().then(|| row(&g.quoted.unnamed));
            for r in rows.chain(none) {
                w.write_record(std::iter::once(&value).chain(&r).chain(&part))?;
            }
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_back(out: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut reader = csv::Reader::from_reader(out);
        let header = reader.headers().unwrap().iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        (header, rows)
    }

    /// Names with commas, quotes and line breaks come back whole from a
    /// CSV reader, every count is in its column, and a name a spreadsheet
    /// would take for a formula is text.
    #[test]
    fn the_csv_reads_back_as_the_counts() {
        let records = [
            r#"{"outlet": "Post, The", "quotes": [{"speaker_name": "Lee, Ann \"Jr\""}, {"speaker_name": null}]}"#,
            r#"{"outlet": 7, "quotes": [{"speaker_name": "Bo\nDiaz", "content": [{"start": 0, "text": "\"Yes\""}]}]}"#,
            r#"{"outlet": -5, "quotes": [{"speaker_name": "Cy"}]}"#,
            r#"{"outlet": "7", "quotes": [{"speaker_name": "=HYPERLINK(\"x\")"}, {"speaker_name": "@ann"}]}"#,
            r#"{"outlet": "x\ny", "quotes": [{"speaker_name": "Cy"}]}"#,
            r#"{"outlet": "x y", "quotes": [{"speaker_name": "Cy"}]}"#,
            r#"{"quotes": []}"#,
        ];
        let quoted = Quoted::of_records(records).unwrap();
        let mut out = Vec::new();
        quoted.write_csv(&mut out).unwrap();
        let (header, rows) = read_back(&out);
        assert_eq!(header, COLUMNS);
        assert_eq!(
            rows,
            [
                ["Cy", "3", "0", "3", ""],
                ["'=HYPERLINK(\"x\")", "1", "0", "1", ""],
                ["'@ann", "1", "0", "1", ""],
                ["Bo\nDiaz", "1", "1", "1", ""],
                ["Lee, Ann \"Jr\"", "1", "0", "1", ""],
                ["", "1", "0", "1", ""],
            ]
        );
        let by = QuotedBy::of_records(records, "outlet").unwrap();
        let mut out = Vec::new();
        by.write_csv(&mut out).unwrap();
        let (header, rows) = read_back(&out);
        assert_eq!(header[0], "outlet");
        assert_eq!(header[6..], ["outlet_documents", "outlet_quotes"]);
        // A field named as a column is told apart.
        let mut out = Vec::new();
        let by_name = QuotedBy::of_records(records, "speaker").unwrap();
        by_name.write_csv(&mut out).unwrap();
        assert_eq!(read_back(&out).0[..2], ["by:speaker", "speaker"]);
        let firsts: Vec<[&str; 2]> = rows
            .iter()
            .map(|r| [r[0].as_str(), r[1].as_str()])
            .collect();
        // (`7` and `"7"` apart, `x\ny` and `x y` apart; a part without
        // quotes, here the record without the field, has its row of no
        // quotes.)
        assert_eq!(
            firsts,
            [
                ["-5", "Cy"],
                ["7", "Bo\nDiaz"],
                ["\"7\"", "'=HYPERLINK(\"x\")"],
                ["\"7\"", "'@ann"],
                ["Post, The", "Lee, Ann \"Jr\""],
                ["Post, The", ""],
                ["x\ny", "Cy"],
                ["x y", "Cy"],
                ["", ""],
            ]
        );
        // Each row carries its part's records and quotes.
        let parts: Vec<[&str; 2]> = rows
            .iter()
            .map(|r| [r[6].as_str(), r[7].as_str()])
            .collect();
        assert_eq!(parts[4..6], [["1", "2"], ["1", "2"]]);
        assert_eq!(rows[8][2..], ["0", "0", "0", "", "1", "0"]);
    }
}
