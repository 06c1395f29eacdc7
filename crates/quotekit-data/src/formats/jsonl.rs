//! JSONL: one document per line, as described in `datasets/README.md`:
//! `{"id", "text", "spans": [{"id", "role", "fragments": [[s, e], ...]}],
//!   "attributions": [{"id", "source", "cue", "content": [...]}]}`.
//! Offsets are character offsets into `text`.
//! The file runs a little over 500 lines with its tests: reading and
//! writing a line are read together.

use super::{strip_bom, CorpusReader, CorpusWriter, DocumentStream, ReadDocument};
use crate::document::{Attribution, Document, Span};
use crate::error::{decode_utf8, DataError};
use crate::read::{read_line_within, MAX_LINE_BYTES};
use crate::validate::{Origin, ProblemKind, Severity};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// One JSONL record.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    id: String,
    text: String,
    #[serde(default)]
    spans: Vec<Span>,
    #[serde(default)]
    attributions: Vec<Attribution>,
}

/// Reads a JSONL file; blank lines are skipped.
#[derive(Debug, Clone, Default)]
pub struct JsonlReader;

impl CorpusReader for JsonlReader {
    fn read<'a>(&'a self, path: &Path) -> Result<DocumentStream<'a>, DataError> {
        let mut reader = crate::gzip::open(path).map_err(|e| DataError::io(path, e))?;
        let path = path.to_path_buf();
        let (mut line_no, mut ended) = (0, false);
        let iter = std::iter::from_fn(move || loop {
            if ended {
                return None;
            }
            let mut buf = Vec::new();
            line_no += 1;
            match read_line_within(&mut reader, &mut buf, MAX_LINE_BYTES) {
                Ok(0) => return None,
                Ok(_) => {}
                // (The last item: what follows cannot be read, and a
                // reader that goes on past errors must not wait for it.)
                Err(e) => {
                    ended = true;
                    return Some(Err(DataError::read_stopped(&path, line_no, e)));
                }
            }
            strip_bom(&mut buf);
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(parse_record(&path, line_no, buf));
        });
        Ok(Box::new(iter))
    }
}

/// What a JSON string with a lone surrogate is (serde's words for it are
/// about its hex escape): Rust strings hold no such character.
pub const LONE_SURROGATE: &str =
    "; a \\u escape of half a UTF-16 pair, such as \\ud800 alone, is no character";

/// True when `problem`, serde's words for a JSON error ([`json_problem`]),
/// is a lone surrogate (which it calls a bad hex escape).
pub fn is_lone_surrogate(problem: &str) -> bool {
    problem.contains("surrogate") || problem.contains("end of hex escape")
}

/// Parses one line of a JSONL corpus (`line` is its 1-based number in
/// `path`, for messages).
pub fn parse_record(path: &Path, line: usize, bytes: Vec<u8>) -> Result<ReadDocument, DataError> {
    let text = decode_utf8(path, bytes).map_err(|e| match e {
        DataError::NotUtf8 { path, byte, .. } => DataError::NotUtf8 { path, line, byte },
        other => other,
    })?;
    // (serde reads a struct from an array too, and would complain about its
    // first element.)
    if !text.trim_start().starts_with('{') {
        return Err(DataError::syntax(
            path,
            line,
            "bad JSON record: a record is an object, `{\"id\": …, \"text\": …}`",
        ));
    }
    let record: Record = serde_json::from_str(&text).map_err(|e| {
        // (A line that is no JSON at all says so: the record reader may stop
        // at an unknown first field before the end the line lacks.)
        let e = match serde_json::from_str::<serde::de::IgnoredAny>(&text) {
            Err(syntax) if e.is_data() && !syntax.is_data() => syntax,
            _ => e,
        };
        if e.is_eof() && !e.to_string().starts_with("control character") {
            return DataError::syntax(
                path,
                line,
                "bad JSON record: the line ends before the record does (was it cut off?)",
            );
        }
        let problem = json_problem(&e);
        // (The record's own keys, not a span's or an attribution's: a key a
        // document has not is refused, whichever of them serde names.)
        let record = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text).ok();
        let has = |key: &str| record.as_ref().is_some_and(|r| r.contains_key(key));
        // (`predict --format documents` writes the documents it could not
        // annotate as error records among the others: `{"id", "error"}`.)
        if let Some(r) = record.as_ref().filter(|_| !has("text")) {
            if let Some(error) = crate::error::ErrorRecord::of_json(r, path, line) {
                return DataError::ErrorRecord(error);
            }
        }
        // (`predict`'s records count their spans by role.)
        let counted_spans = record
            .as_ref()
            .and_then(|r| r.get("spans")?.as_object())
            .is_some_and(|spans| {
                !spans.is_empty()
                    && spans.iter().all(|(k, v)| {
                        matches!(k.as_str(), "content" | "cue" | "source") && v.is_u64()
                    })
            });
        // (`predict`'s default records, read where documents are expected.)
        // (Records are told from documents by a first look at the file,
        // which a pipe cannot give: it is read once.)
        let pipe = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let hint = if has("quotes") && pipe {
            "; this is a record of `quotekit predict --format jsonl`, which `stats`, \
             `eval` and `render` read (`eval` and `render` from a regular file only, as \
             they look at its first records before reading it and a pipe is read once: \
             save the records to a file; `stats` reads them from standard input as `-`); \
             documents (for `convert`, `train`) come from `predict --format documents`"
        } else if has("quotes") {
            "; this is a record of `quotekit predict --format jsonl`, which `stats`, \
             `eval` and `render` read: documents (for `convert`, `train`) come from \
             `predict --format documents`"
        } else if counted_spans {
            // (A predict record that lost its `quotes`: without them it is
            // read as a document, whose `spans` are a list.)
            "; its `spans` are counts, as in a record of `quotekit predict --format \
             jsonl`, but it has no `quotes`: such a record needs them, and a document \
             (`predict --format documents`) lists its spans"
        } else if is_lone_surrogate(&problem) {
            LONE_SURROGATE
        } else {
            line_end_hint(&e, &text)
        };
        DataError::syntax(
            path,
            line,
            format!("bad JSON record (column {}): {problem}{hint}", e.column()),
        )
    })?;
    let mut document = Document::new(record.id, record.text);
    document.spans = record.spans;
    let origin = Origin {
        file: path.to_path_buf(),
        record_line: Some(line),
        ..Origin::default()
    };
    // As in brat: an attribution without content is dropped, with a warning;
    // an empty name is an error (no one is `-`), and so is one that names
    // files and brat notes could not keep.
    let mut diagnostics = Vec::new();
    for span in &document.spans {
        let Some(name) = span.name.as_deref() else {
            continue;
        };
        let kind = if name.trim().is_empty() {
            ProblemKind::EmptyName {
                span: span.id.clone(),
            }
        } else if !crate::document::writable_name(name) {
            ProblemKind::UnwritableName {
                span: span.id.clone(),
                name: name.to_string(),
            }
        } else {
            continue;
        };
        diagnostics.push(origin.diagnostic(&document.id, Some(&span.id), Severity::Error, kind));
    }
    for a in record.attributions {
        if a.content.is_empty() {
            diagnostics.push(origin.diagnostic(
                &document.id,
                Some(&a.id),
                Severity::Warning,
                ProblemKind::EmptyAttribution {
                    attribution: a.id.clone(),
                    dropped: true,
                },
            ));
        } else {
            document.attributions.push(a);
        }
    }
    Ok(ReadDocument {
        document,
        origin,
        diagnostics,
    })
}

/// [`line_end_hint`]'s words for a line that holds a carriage return
/// before more text (a caller may tell the hint by them).
pub const LONE_CARRIAGE_RETURNS: &str = " (the line holds a carriage return before more text: \
     lines that end with a carriage return alone, as in old Mac files, are one line to a \
     JSONL reader, which ends lines with a line feed (LF or CRLF); `tr '\\r' '\\n'` \
     converts them)";

/// What a JSON error on a line says about the line's end (`text` is the
/// line as read, its line end included): serde's "control character found
/// while parsing a string" at the line's own end is a line break written raw
/// in a string (the record goes on on the next line) or a record cut off
/// there; its "trailing characters" on a line that holds a carriage return
/// before its end is most likely a file whose lines end with a carriage
/// return alone (old Mac files, some exports), read as one line. Empty
/// otherwise.
pub fn line_end_hint(e: &serde_json::Error, text: &str) -> &'static str {
    let line = text.trim_end_matches(['\n', '\r']);
    let problem = e.to_string();
    let cut = problem.starts_with("control character")
        && line.len() < text.len()
        && serde_json::from_str::<serde::de::IgnoredAny>(line).is_err_and(|e| e.is_eof());
    if cut {
        " (the line ends inside a string: a line break written as it is in a string, \
         which JSON writes `\\n`, or a record cut off?)"
    } else if problem.starts_with("trailing characters") && line.contains('\r') {
        LONE_CARRIAGE_RETURNS
    } else {
        ""
    }
}

/// What is wrong with one JSONL record, without the line and column serde_json
/// appends: it counts lines within the record, and a record is one line of the
/// file, whose number is the one to give.
///
/// serde's "expected ident" (a word that is not `true`, `false` or `null`,
/// where a value begins: a line of prose that begins with one of their
/// letters, or a misspelt `tru`) is said as its "expected value", which it
/// says of any other character where a value begins.
pub fn json_problem(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let problem = match message.rsplit_once(" at line ") {
        Some((problem, _)) => problem,
        None => &message,
    };
    match problem {
        "expected ident" => "expected value".to_string(),
        problem => problem.to_string(),
    }
}

/// Renders one document as a JSONL line (without the newline). The document
/// is taken as valid ([`crate::validate`]), as [`JsonlWriter`] checks it:
/// an invalid one is written as it is, and refused when read.
pub fn to_json_line(doc: &Document) -> String {
    #[derive(Serialize)]
    struct RecordRef<'a> {
        id: &'a str,
        text: &'a str,
        spans: &'a [Span],
        attributions: &'a [Attribution],
    }
    serde_json::to_string(&RecordRef {
        id: &doc.id,
        text: doc.text(),
        spans: &doc.spans,
        attributions: &doc.attributions,
    })
    .expect("documents always serialise to JSON")
}

/// A JSONL line written with the characters that JSON leaves raw but some
/// readers of lines take for line ends (U+0085, U+2028 and U+2029: Python's
/// `str.splitlines`, JavaScript before ES2019) as escapes, so that the
/// record is one line to every reader. They can only be inside its strings,
/// where the escape means the same.
pub fn escape_line_breaks(line: String) -> String {
    if !has_line_break(&line) {
        return line;
    }
    let mut out = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        match c {
            '\u{85}' => out.push_str("\\u0085"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// True when `line` holds U+0085, U+2028 or U+2029: the lead bytes of
/// their UTF-8 (`C2 85`, `E2 80 A8`, `E2 80 A9`) found by a SIMD search,
/// then the bytes after them read (most `E2` in news are curly quotes).
/// Nine in ten output lines hold none, and a scan by characters had cost
/// about 1% of `predict`.
fn has_line_break(line: &str) -> bool {
    let b = line.as_bytes();
    memchr::memchr2_iter(0xC2, 0xE2, b).any(|i| match b[i] {
        0xC2 => b.get(i + 1) == Some(&0x85),
        _ => b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9)),
    })
}

/// Writes a JSONL file, one document per line.
#[derive(Debug, Clone, Default)]
pub struct JsonlWriter;

impl CorpusWriter for JsonlWriter {
    fn write(&self, documents: &[Document], path: &Path) -> Result<Vec<String>, DataError> {
        super::write_one_file(self, documents, path)
    }

    fn write_to(
        &self,
        documents: &[Document],
        out: &mut dyn Write,
        path: &Path,
    ) -> Result<Vec<String>, DataError> {
        super::check_writable(documents, path, true)?;
        let mut out = std::io::BufWriter::new(out);
        for doc in documents {
            writeln!(out, "{}", escape_line_breaks(to_json_line(doc)))
                .map_err(|e| DataError::io(path, e))?;
        }
        out.flush().map_err(|e| DataError::io(path, e))?;
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Role;
    use crate::offsets::CharSpan;

    /// Characters some readers take for line ends are written as escapes,
    /// and read back as the characters.
    #[test]
    fn line_breaks_of_other_readers_are_escaped() {
        let mut doc = Document::new("d\u{2028}", "a\u{85}b\u{2028}c\u{2029}d é ✓");
        doc.spans
            .push(Span::new("T1", Role::Cue, vec![CharSpan::new(0, 3)]));
        let line = escape_line_breaks(to_json_line(&doc));
        assert!(!line.contains(['\u{85}', '\u{2028}', '\u{2029}']), "{line}");
        assert!(line.contains("a\\u0085b\\u2028c\\u2029d é ✓"), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["text"], doc.text());
        assert_eq!(back["id"], "d\u{2028}");
        let plain = to_json_line(&Document::new("p", "plain é"));
        assert_eq!(escape_line_breaks(plain.clone()), plain);
    }

    /// The byte search finds each break wherever it is, and nothing in
    /// other characters whose UTF-8 begins with the same bytes (`’`, `“`,
    /// `¢`, `…`), also where such a character ends the line (its bytes
    /// after the lead byte are read only where they are).
    #[test]
    fn the_line_break_search_reads_the_bytes_after_a_lead_byte() {
        for c in ['\u{85}', '\u{2028}', '\u{2029}'] {
            for at in 0..40 {
                let s: String = "x’".repeat(at) + &c.to_string() + "“y”";
                assert!(has_line_break(&s), "{s:?}");
            }
        }
        for s in [
            "",
            "plain",
            "’ “ ” ¢ … \u{2027} \u{202a} \u{84} \u{86}",
            "end ¢",
            "end ’",
        ] {
            assert!(!has_line_break(s), "{s:?}");
            assert_eq!(
                has_line_break(s),
                s.contains(['\u{85}', '\u{2028}', '\u{2029}'])
            );
        }
    }

    /// A record cut off inside a string is said to be (serde blames the
    /// line's end, a control character); a tab written raw is not.
    #[test]
    fn a_record_cut_off_in_a_string_is_said_to_be() {
        let hint = |text: &str| {
            let e = serde_json::from_str::<serde::de::IgnoredAny>(text).unwrap_err();
            line_end_hint(&e, text)
        };
        assert!(hint("{\"id\": \"b\", \"text\": \"He said\n").contains("cut off"));
        assert!(hint("{\"id\": \"b\", \"text\": \"He said\r\n").contains("cut off"));
        assert_eq!(hint("{\"id\": \"b\", \"text\": \"a\tb\"}\n"), "");
        assert_eq!(hint("{\"id\": \"b\", \"text\": \"He said"), "");
        // Lines that end with a carriage return alone are one line.
        let cr = "{\"id\": \"a\", \"text\": \"x\"}\r{\"id\": \"b\", \"text\": \"y\"}\r\n";
        assert!(hint(cr).contains("carriage return alone"), "{}", hint(cr));
        assert_eq!(hint("{\"id\": \"a\"} {\"id\": \"b\"}\r\n"), "");
    }

    /// A byte-order mark before a record is read past, on any line (files
    /// saved with one and joined).
    #[test]
    fn a_byte_order_mark_before_a_record_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.jsonl");
        std::fs::write(
            &path,
            "\u{feff}{\"id\": \"a\", \"text\": \"x\"}\n\u{feff}{\"id\": \"b\", \"text\": \"y\"}\n",
        )
        .unwrap();
        let ids: Vec<String> = JsonlReader
            .read(&path)
            .unwrap()
            .map(|r| r.unwrap().document.id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        // A first line holding only the mark is a blank line.
        std::fs::write(&path, "\u{feff}\n{\"id\": \"c\", \"text\": \"z\"}\n").unwrap();
        assert_eq!(JsonlReader.read(&path).unwrap().count(), 1);
        std::fs::write(&path, "[1, 2, 3]\n").unwrap();
        let e = JsonlReader
            .read(&path)
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("bom.jsonl:1: bad JSON record: a record is an object"),
            "{e}"
        );
    }

    /// A gzip file cut short gives its whole records, then one error that
    /// names the line, then nothing: a reader that goes on past errors
    /// (`--lenient`) ends.
    #[test]
    fn a_cut_gzip_file_ends_with_one_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl.gz");
        let docs: Vec<Document> = (0..400)
            .map(|i| Document::new(format!("d{i}"), format!("Text {i} {}.", "x".repeat(i))))
            .collect();
        JsonlWriter.write(&docs, &path).unwrap();
        let (err, whole) = super::super::read_cut_in_half(&JsonlReader, &path);
        assert!(
            err.contains(&format!(
                "c.jsonl.gz: line {}: the gzip stream is cut short",
                whole + 1
            )) && err.ends_with("nothing after it was read"),
            "{err}"
        );
    }

    #[test]
    fn round_trip_through_a_file() {
        let mut doc = Document::new("a/1", "“Hi,” Ann said.");
        doc.spans = vec![
            Span {
                id: "s1".into(),
                role: Role::Content,
                fragments: vec![CharSpan::new(0, 5)],
                name: None,
            },
            Span {
                id: "s2".into(),
                role: Role::Source,
                fragments: vec![CharSpan::new(6, 9)],
                name: None,
            },
        ];
        doc.attributions = vec![Attribution {
            id: "a1".into(),
            source: Some("s2".into()),
            cue: None,
            content: vec!["s1".into()],
        }];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        JsonlWriter
            .write(std::slice::from_ref(&doc), &path)
            .unwrap();
        let line = std::fs::read_to_string(&path).unwrap();
        assert!(line.contains(r#""fragments":[[0,5]]"#), "{line}");
        assert!(line.contains(r#""role":"content""#), "{line}");
        let back: Vec<_> = JsonlReader.read(&path).unwrap().collect();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].as_ref().unwrap().document, doc);
    }

    #[test]
    fn malformed_line_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, "{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\": 3}\n").unwrap();
        let got: Vec<_> = JsonlReader.read(&path).unwrap().collect();
        assert!(got[0].is_ok());
        let err = got[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("x.jsonl:3: bad JSON record"), "{err}");
        // `predict`'s default records say where documents come from.
        let quotes = br#"{"id":"a","quotes":[],"spans":{},"speakers":[]}"#.to_vec();
        let err = parse_record(Path::new("p.jsonl"), 1, quotes.clone())
            .unwrap_err()
            .to_string();
        assert!(err.contains("predict --format documents"), "{err}");
        // From a pipe, where the readers of records cannot look first.
        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let pipe = dir.path().join("records.jsonl");
            crate::test_support::mkfifo(&pipe);
            let err = parse_record(&pipe, 1, quotes).unwrap_err().to_string();
            assert!(
                err.contains("a pipe is read once: save the records to a file")
                    && err.contains("predict --format documents"),
                "{err}"
            );
        }
        // One that lost its `quotes` reads as a document whose `spans` are
        // no list: said so.
        let lost =
            br#"{"id":"a","spans":{"content":0,"cue":0,"source":0},"speakers":[],"text":"x"}"#
                .to_vec();
        let err = parse_record(Path::new("p.jsonl"), 1, lost)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected a sequence; its `spans` are counts")
                && err.contains("it has no `quotes`"),
            "{err}"
        );
        // (Whichever key serde names first: an input field passed through,
        // `author`, sorts before them.)
        let extra = br#"{"author":"b","id":"a","quotes":[],"spans":{},"speakers":[]}"#.to_vec();
        let err = parse_record(Path::new("p.jsonl"), 1, extra)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown field `author`") && err.contains("predict --format documents"),
            "{err}"
        );
        // Such a record cut off says so (it was blamed on its format).
        let cut = br#"{"id": "a", "quotes": ["#.to_vec();
        let err = parse_record(Path::new("p.jsonl"), 1, cut)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "p.jsonl:1: bad JSON record: the line ends before the record does (was it cut off?)"
        );
        // Its error records say what they are.
        let failed =
            br#"{"error":{"kind":"empty","message":"the text is empty"},"id":"b"}"#.to_vec();
        let err = parse_record(Path::new("p.jsonl"), 2, failed)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("p.jsonl:2: the error record of document \"b\"")
                && err.contains("could not annotate (empty: the text is empty)")
                && err.contains("--lenient"),
            "{err}"
        );
        // A lone surrogate is said to be one.
        let lone = br#"{"id":"s","text":"a \ud800 b"}"#.to_vec();
        let err = parse_record(Path::new("p.jsonl"), 5, lone)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("p.jsonl:5") && err.contains("half a UTF-16 pair"),
            "{err}"
        );
        // (Not another bad escape.)
        let other = br#"{"id":"s","text":"a \q b"}"#.to_vec();
        let err = parse_record(Path::new("p.jsonl"), 6, other)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("UTF-16"), "{err}");
        // A role that is no string says what a role is (serde_json said
        // "expected value" of a number, `true` or `null`).
        for role in ["3", "true", "null"] {
            let record = format!(
                r#"{{"id":"n","text":"Ann said so.","spans":[{{"id":"T1","role":{role},"fragments":[[0,3]]}}]}}"#
            );
            let err = parse_record(Path::new("p.jsonl"), 2, record.into_bytes())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(r#"expected a role: "source", "cue" or "content""#),
                "{role}: {err}"
            );
        }
        // A span's `error` field is no error record.
        let span_error = br#"{"id":"n","text":"Ann said so.","spans":[{"id":"T1","role":"source","fragments":[[0,3]],"error":1}]}"#;
        let err = parse_record(Path::new("p.jsonl"), 3, span_error.to_vec())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown field `error`") && !err.contains("could not annotate"),
            "{err}"
        );
        // A field a span or an attribution does not have is refused, as a
        // document's is: a mistyped `name` or `source` would be lost.
        for (record, field) in [
            (
                r#"{"id":"n","text":"Ann said so.","spans":[{"id":"T1","role":"source","fragments":[[0,3]],"nmae":"Ann"}]}"#,
                "`nmae`",
            ),
            (
                r#"{"id":"n","text":"Ann said so.","spans":[{"id":"T1","role":"source","fragments":[[0,3]]}],"attributions":[{"id":"E1","sorce":"T1","content":[]}]}"#,
                "`sorce`",
            ),
        ] {
            let err = parse_record(Path::new("p.jsonl"), 4, record.as_bytes().to_vec())
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("p.jsonl:4: bad JSON record")
                    && err.contains(&format!("unknown field {field}")),
                "{err}"
            );
        }
        // An empty (or blank) name is an error; no one is `-`.
        for name in ["", " "] {
            let empty = format!(
                r#"{{"id":"n","text":"Ann said so.","spans":[{{"id":"T1","role":"source","fragments":[[0,3]],"name":"{name}"}}]}}"#
            );
            let read = parse_record(Path::new("p.jsonl"), 3, empty.into_bytes()).unwrap();
            let problems: Vec<String> = read.diagnostics.iter().map(ToString::to_string).collect();
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].contains("an empty speaker name for span T1"),
                "{problems:?}"
            );
        }
        // So is one that names files and brat notes could not keep.
        for name in [r"Ann\tLee", r"Ann\nLee", r"Ann\rLee", " Ann", "Ann "] {
            let bad = format!(
                r#"{{"id":"n","text":"Ann said so.","spans":[{{"id":"T1","role":"source","fragments":[[0,3]],"name":"{name}"}}]}}"#
            );
            let read = parse_record(Path::new("p.jsonl"), 4, bad.into_bytes()).unwrap();
            let problems: Vec<String> = read.diagnostics.iter().map(ToString::to_string).collect();
            assert_eq!(problems.len(), 1, "{name}: {problems:?}");
            assert!(
                problems[0].contains("p.jsonl:4: error")
                    && problems[0].contains("span T1 has a tab or a line break"),
                "{problems:?}"
            );
        }
        // Other control characters are kept, as names files and brat notes
        // keep them (a garbled name of PolNeAR dev's has a U+0083).
        for name in [r"Fran\u0083ois", r"Ann\u0000Lee", r"Ann\u0085Lee"] {
            let odd = format!(
                r#"{{"id":"n","text":"Ann said so.","spans":[{{"id":"T1","role":"source","fragments":[[0,3]],"name":"{name}"}}]}}"#
            );
            let read = parse_record(Path::new("p.jsonl"), 5, odd.into_bytes()).unwrap();
            assert!(
                read.diagnostics.is_empty(),
                "{name}: {:?}",
                read.diagnostics
            );
            let kept = read.document.spans[0].name.as_deref().unwrap();
            let written: String = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            assert_eq!(kept, written);
        }
    }

    #[test]
    fn span_names_round_trip_and_are_left_out_when_absent() {
        let mut doc = Document::new("n", "Ann said so.");
        doc.spans = vec![Span::new("T1", Role::Source, vec![CharSpan::new(0, 3)])];
        let plain = to_json_line(&doc);
        assert!(!plain.contains("\"name\""), "{plain}");
        doc.spans[0].name = Some("Ann Lee".into());
        let line = to_json_line(&doc);
        assert!(line.contains("\"name\":\"Ann Lee\""), "{line}");
        let read = parse_record(Path::new("n.jsonl"), 1, line.into_bytes()).unwrap();
        assert_eq!(read.document.spans, doc.spans);
    }
}
