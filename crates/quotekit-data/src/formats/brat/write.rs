//! Writing brat's flat layout: `NAME.txt` and `NAME.ann` per document.

use crate::document::Document;
use crate::error::DataError;
use crate::formats::brat::ann::SPEAKER_NOTE;
use crate::formats::brat::files::BratNames;
use crate::formats::brat::ids::{ids_text, IDS_FILE};
use crate::formats::{create_parent, CorpusWriter};
use std::collections::HashMap;
use std::path::Path;

/// Writes brat's flat layout: `NAME.txt` and `NAME.ann` per document.
#[derive(Debug, Clone, Default)]
pub struct BratWriter;

impl CorpusWriter for BratWriter {
    fn write(&self, documents: &[Document], path: &Path) -> Result<Vec<String>, DataError> {
        crate::formats::check_writable(documents, path, true)?;
        std::fs::create_dir_all(path).map_err(|e| DataError::io(path, e))?;
        // (What a killed run left half written.)
        crate::atomic::remove_stale(path);
        let mut names = BratNames::default();
        let mut renamed = Vec::new();
        let mut said = Vec::new();
        // (Ids that are no brat ids, in how many documents, the first.)
        let (mut renumbered, mut in_documents, mut first) = (0, 0, None);
        for doc in documents {
            let name = names.name(&doc.id);
            if name != doc.id {
                renamed.push((name.clone(), doc.id.clone()));
            }
            if names.times(&doc.id) > 1 {
                said.push(format!(
                    "document id {:?} appears more than once: this one is written as {name:?} ({IDS_FILE} gives its id)",
                    doc.id
                ));
            }
            // (Not `with_extension`: it would cut an id at its last dot, and
            // `story.2016.a` and `story.2016.b` would both be `story.2016`.)
            let text_path = path.join(format!("{name}.txt"));
            create_parent(&text_path)?;
            write_file(&text_path, doc.text())?;
            let ann_path = path.join(format!("{name}.ann"));
            let (ann, new_numbers) = ann_text(doc);
            write_file(&ann_path, &ann)?;
            if new_numbers > 0 {
                renumbered += new_numbers;
                in_documents += 1;
                first.get_or_insert(doc.id.as_str());
            }
        }
        if let Some(first) = first {
            said.push(format!(
                "{renumbered} span or attribution id(s) of {in_documents} document(s) (the first \
                 {first:?}) are no brat ids (`T12`, `E3`): they are written with new numbers, \
                 after the largest kept"
            ));
        }
        if !renamed.is_empty() {
            let ids = path.join(IDS_FILE);
            write_file(&ids, &ids_text(&renamed))?;
        }
        Ok(said)
    }
}

/// Writes `contents` to `path` whole, replacing a link there rather than
/// writing through it ([`crate::atomic::replace_whole`]: an output folder
/// never writes outside itself).
pub fn write_file(path: &Path, contents: &str) -> Result<(), DataError> {
    crate::atomic::replace_whole(path, contents.as_bytes()).map_err(|e| DataError::io(path, e))
}

/// The number of a brat id (`T12`: 12): digits only, as the reader reads
/// them (`T+1` is no brat id, though `+1` parses as a number).
fn numbered(id: &str, prefix: char) -> Option<u64> {
    let digits = id.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The largest number of an id that is kept: the numbers after it (new
/// ids, triggers) never run out.
const MAX_KEPT: u64 = u64::MAX / 2;

/// The ids written for `ids`, each with brat's `prefix`: an id that is a
/// brat id (`T12`) is kept, each other one (`T`, `T+1`, a number past
/// [`MAX_KEPT`], an attribution's `a1`) gets the next number after the
/// largest kept; with the largest number written.
fn brat_ids<'d>(ids: impl Iterator<Item = &'d str> + Clone, prefix: char) -> (Vec<String>, u64) {
    let kept = |id: &str| numbered(id, prefix).filter(|&n| n <= MAX_KEPT);
    let mut last = ids.clone().filter_map(kept).max().unwrap_or(0);
    let written = ids
        .map(|id| match kept(id) {
            Some(_) => id.to_string(),
            None => {
                last += 1;
                format!("{prefix}{last}")
            }
        })
        .collect();
    (written, last)
}

/// Renders a document's annotations as brat `.ann` text. Span and attribution ids
/// are kept when they are brat ids (`T12`, `E3`); the others get new numbers,
/// after the largest kept; each attribution gets a trigger `T` line on its
/// cue (or content); a named Source span an AnnotatorNotes line `speaker: NAME`.
/// The document is taken as valid ([`crate::validate`]), as
/// [`super::BratWriter`] checks it: the brat reader refuses what an invalid
/// one gives (fragments past the text, a name on a Cue).
pub fn to_ann(doc: &Document) -> String {
    ann_text(doc).0
}

/// [`to_ann`]'s text, with how many ids it wrote with new numbers.
fn ann_text(doc: &Document) -> (String, usize) {
    use std::fmt::Write;
    let index = doc.char_index();
    let (span_ids, mut next_t) = brat_ids(doc.spans.iter().map(|s| s.id.as_str()), 'T');
    let (attribution_ids, _) = brat_ids(doc.attributions.iter().map(|a| a.id.as_str()), 'E');
    let renumbered = doc
        .spans
        .iter()
        .map(|s| &s.id)
        .zip(&span_ids)
        .chain(doc.attributions.iter().map(|a| &a.id).zip(&attribution_ids))
        .filter(|(old, new)| old != new)
        .count();
    let span_id: HashMap<&str, String> = doc
        .spans
        .iter()
        .map(|s| s.id.as_str())
        .zip(span_ids)
        .collect();
    let mut out = String::new();
    for span in &doc.spans {
        let offsets: Vec<String> = span
            .fragments
            .iter()
            .map(|f| format!("{} {}", f.start, f.end))
            .collect();
        let text = doc.span_text(&index, span).unwrap_or_default();
        let _ = writeln!(
            out,
            "{}\t{} {}\t{}",
            span_id[span.id.as_str()],
            span.role.brat_label(),
            offsets.join(";"),
            text
        );
    }
    let spans = doc.spans_by_id();
    for (attribution, id) in doc.attributions.iter().zip(attribution_ids) {
        let anchor = attribution
            .cue
            .as_deref()
            .or(attribution.content.first().map(String::as_str))
            .and_then(|id| spans.get(id).copied());
        let label = if attribution.source.is_some() {
            "Attribution"
        } else {
            "Attribution-no-source"
        };
        next_t += 1;
        let trigger = format!("T{next_t}");
        if let Some(anchor) = anchor {
            let offsets: Vec<String> = anchor
                .fragments
                .iter()
                .map(|f| format!("{} {}", f.start, f.end))
                .collect();
            let text = doc.span_text(&index, anchor).unwrap_or_default();
            let _ = writeln!(out, "{trigger}\t{label} {}\t{text}", offsets.join(";"));
        }
        let mut args = vec![format!("{label}:{trigger}")];
        let lookup = |s: &String| {
            span_id
                .get(s.as_str())
                .cloned()
                .unwrap_or_else(|| s.clone())
        };
        if let Some(s) = &attribution.source {
            args.push(format!("Source:{}", lookup(s)));
        }
        if let Some(c) = &attribution.cue {
            args.push(format!("Cue:{}", lookup(c)));
        }
        for (n, c) in attribution.content.iter().enumerate() {
            let key = if n == 0 {
                "Content".to_string()
            } else {
                format!("Content{}", n + 1)
            };
            args.push(format!("{key}:{}", lookup(c)));
        }
        let _ = writeln!(out, "{id}\t{}", args.join(" "));
    }
    let named = doc
        .spans
        .iter()
        .filter_map(|s| Some((s, s.name.as_deref()?)));
    for (k, (span, name)) in named.enumerate() {
        let name = name.replace(['\t', '\n', '\r'], " ");
        let _ = writeln!(
            out,
            "#{}\tAnnotatorNotes {}\t{SPEAKER_NOTE}{name}",
            k + 1,
            span_id[span.id.as_str()]
        );
    }
    (out, renumbered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Attribution, Role, Span};
    use crate::offsets::CharSpan;

    #[test]
    fn writer_golden_output_and_renumbering() {
        let mut doc = Document::new("x", "“Go,” Bo said.");
        doc.spans = vec![
            Span {
                id: "q".into(),
                role: Role::Content,
                fragments: vec![CharSpan::new(0, 5)],
                name: None,
            },
            Span {
                id: "s".into(),
                role: Role::Source,
                fragments: vec![CharSpan::new(6, 8)],
                name: None,
            },
            Span {
                id: "c".into(),
                role: Role::Cue,
                fragments: vec![CharSpan::new(9, 13)],
                name: None,
            },
        ];
        doc.attributions = vec![Attribution {
            id: "a".into(),
            source: Some("s".into()),
            cue: Some("c".into()),
            content: vec!["q".into()],
        }];
        assert_eq!(
            to_ann(&doc),
            "T1\tContent 0 5\t“Go,”\nT2\tSource 6 8\tBo\nT3\tCue 9 13\tsaid\n\
             T4\tAttribution 9 13\tsaid\nE1\tAttribution:T4 Source:T2 Cue:T3 Content:T1\n"
        );
    }

    /// Ids with tabs, line ends and backslashes come back from the brat
    /// reader, through the ids file.
    #[test]
    fn ids_with_tabs_and_line_ends_come_back() {
        use crate::formats::Format;
        use crate::load::{load_corpus, LoadOptions};
        let dir = tempfile::tempdir().unwrap();
        let ids = ["wire/a\nb", "wire/a\tb", "back\\slash/x"];
        let docs: Vec<Document> = ids.iter().map(|id| Document::new(*id, "Hi.")).collect();
        BratWriter.write(&docs, dir.path()).unwrap();
        let read = load_corpus(dir.path(), Format::Brat, &LoadOptions::default()).unwrap();
        let mut got: Vec<&str> = read.documents.iter().map(|d| d.id.as_str()).collect();
        got.sort_unstable();
        let mut want = ids.to_vec();
        want.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn speaker_names_round_trip_through_annotator_notes() {
        use crate::formats::brat::ann::{parse_ann, BratOptions};
        let mut doc = Document::new("x", "“Go,” Bo said. They agreed.");
        doc.spans = vec![
            Span::new("T1", Role::Content, vec![CharSpan::new(0, 5)]),
            Span::new("T2", Role::Source, vec![CharSpan::new(6, 8)]),
            Span::new("T3", Role::Cue, vec![CharSpan::new(9, 13)]),
            Span::new("T4", Role::Source, vec![CharSpan::new(15, 19)]),
        ];
        doc.spans[1].name = Some("Bo Diddley".into());
        doc.spans[3].name = Some("-".into());
        let ann = to_ann(&doc);
        assert!(
            ann.ends_with(
                "#1\tAnnotatorNotes T2\tspeaker: Bo Diddley\n#2\tAnnotatorNotes T4\tspeaker: -\n"
            ),
            "{ann}"
        );
        let read = parse_ann(
            "x",
            doc.text().to_string(),
            &ann,
            std::path::Path::new("x.ann"),
            &BratOptions::default(),
        )
        .unwrap();
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        assert_eq!(read.document.spans, doc.spans);
        // Other notes stay notes; a speaker note on a cue is an error naming the line.
        let other = format!(
            "{ann}#3\tAnnotatorNotes T3\tspeaker: Nobody\n#4\tAnnotatorNotes T2\tcheck this\n"
        );
        let read = parse_ann(
            "x",
            doc.text().to_string(),
            &other,
            std::path::Path::new("x.ann"),
            &BratOptions::default(),
        )
        .unwrap();
        let problems: Vec<String> = read.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("x.ann:") && problems[0].contains("T3 is a Cue"),
            "{problems:?}"
        );
        assert_eq!(read.document.spans[1].name.as_deref(), Some("Bo Diddley"));
    }

    /// Ids with dots (`story.2016.a`, `v1.5`), `.`, `..` and a path that
    /// climbs out are each written to a file of their own and read back with
    /// their ids.
    #[test]
    fn ids_with_dots_keep_their_files_and_come_back() {
        let ids = [
            "story.2016.a",
            "story.2016.b",
            "v1.5",
            ".",
            "..",
            "../../out",
        ];
        let docs: Vec<Document> = ids
            .iter()
            .map(|id| Document::new(*id, format!("Text of {id}.")))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("brat");
        BratWriter.write(&docs, &out).unwrap();
        assert!(out.join("story.2016.a.txt").is_file() && out.join("v1.5.ann").is_file());
        let read = crate::load::load_corpus(
            &out,
            crate::formats::Format::Brat,
            &crate::load::LoadOptions::default(),
        )
        .unwrap();
        let mut back: Vec<(String, String)> = read
            .documents
            .iter()
            .map(|d| (d.id.clone(), d.text().to_string()))
            .collect();
        back.sort();
        let mut want: Vec<(String, String)> = docs
            .iter()
            .map(|d| (d.id.clone(), d.text().to_string()))
            .collect();
        want.sort();
        assert_eq!(back, want);
        assert!(
            !dir.path().join("out.txt").exists(),
            "nothing outside the folder"
        );
        // The folder written is seen as holding a corpus, in either layout.
        // (Six documents of two files each, and the ids file.)
        assert_eq!(crate::formats::brat::corpus_files(&out), 13);
        let polnear = dir.path().join("polnear");
        std::fs::create_dir_all(polnear.join("text")).unwrap();
        std::fs::write(polnear.join("text/a.txt"), "x").unwrap();
        assert_eq!(crate::formats::brat::corpus_files(&polnear), 1);
        assert_eq!(
            crate::formats::brat::corpus_files(&dir.path().join("none")),
            0
        );
        // A repeated id is written under another name, and said.
        let twice = [Document::new("a", "One."), Document::new("a", "Two.")];
        let said = BratWriter.write(&twice, &dir.path().join("twice")).unwrap();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("\"a\" appears more than once") && said[0].contains("a~2"));
        // Ids that are no brat ids are said once for the corpus, counted.
        let odd = |id: &str| {
            let mut doc = Document::new(id, "Ann said.");
            doc.spans = vec![Span::new("s1", Role::Source, vec![CharSpan::new(0, 3)])];
            doc
        };
        let said = BratWriter
            .write(&[odd("b"), odd("c")], &dir.path().join("odd"))
            .unwrap();
        assert_eq!(
            said,
            [
                "2 span or attribution id(s) of 2 document(s) (the first \"b\") are no brat ids \
              (`T12`, `E3`): they are written with new numbers, after the largest kept"
            ]
        );
    }

    /// What the writer writes, its reader reads back whole: ids that are
    /// no brat ids (`T+1`, `a1`, a number past [`MAX_KEPT`]) get new
    /// numbers after the largest kept, and only they, triggers after all;
    /// a span across a CRLF line break keeps its text check.
    #[test]
    fn odd_ids_and_crlf_spans_read_back() {
        use crate::formats::brat::ann::{parse_ann, BratOptions};
        let text = "Ann said:\r\nGo home.\r\n";
        // The document written and read back, with no problem found.
        let read_back = |doc: &Document| {
            let ann = to_ann(doc);
            let read = parse_ann(
                "x",
                text.into(),
                &ann,
                std::path::Path::new("x.ann"),
                &BratOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{e}\n{ann}"));
            assert!(read.diagnostics.is_empty(), "{:?}\n{ann}", read.diagnostics);
            read.document
        };
        let attribution = |id: &str, source: &str, content: &str| Attribution {
            id: id.into(),
            source: Some(source.into()),
            cue: None,
            content: vec![content.into()],
        };
        for id in ["T+1", "T18446744073709551615", "T1"] {
            let mut doc = Document::new("x", text);
            doc.spans = vec![
                Span::new(id, Role::Content, vec![CharSpan::new(4, 18)]),
                Span::new("T2", Role::Source, vec![CharSpan::new(0, 3)]),
            ];
            doc.attributions = vec![attribution("E1", "T2", id)];
            let d = &read_back(&doc);
            assert_eq!(d.spans.len(), 2, "{id}");
            assert_eq!(d.spans[0].fragments, doc.spans[0].fragments);
            assert_eq!(d.attributions[0].content, vec![d.spans[0].id.clone()]);
            if id == "T1" {
                assert_eq!(d.spans, doc.spans, "brat ids are kept");
            } else {
                // The odd id only gets a new number, after the largest kept.
                assert_eq!(d.spans[0].id, "T3", "{id}");
            }
            assert_eq!(
                d.spans[1].id, "T2",
                "{id}: a brat id beside an odd one is kept"
            );
            assert_eq!(ann_text(&doc).1, usize::from(id != "T1"), "{id}");
        }
        // An attribution id that is no brat id beside a kept one, and a kept
        // span id above the new numbers: the trigger comes after it.
        let big = format!("T{MAX_KEPT}");
        let mut doc = Document::new("x", text);
        doc.spans = vec![
            Span::new("s", Role::Content, vec![CharSpan::new(4, 18)]),
            Span::new(big.as_str(), Role::Source, vec![CharSpan::new(0, 3)]),
        ];
        doc.attributions = vec![
            attribution("E2", big.as_str(), "s"),
            attribution("a", big.as_str(), "s"),
        ];
        let (ann, renumbered) = ann_text(&doc);
        assert_eq!(renumbered, 2, "{ann}");
        let d = read_back(&doc);
        let after = |k: u64| format!("T{}", MAX_KEPT + k);
        assert_eq!(d.spans[0].id, after(1), "{ann}");
        assert_eq!(d.spans[1].id, big);
        let ids: Vec<&str> = d.attributions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["E2", "E3"], "{ann}");
        assert!(
            ann.contains(&format!(
                "E3\tAttribution:{} Source:{big} Content:{}",
                after(3),
                after(1)
            )),
            "{ann}"
        );
        // Spans that end on the `\r` of a CRLF.
        let mut doc = Document::new("x", text);
        doc.spans = vec![
            Span::new("T1", Role::Cue, vec![CharSpan::new(4, 10)]),
            Span::new("T2", Role::Content, vec![CharSpan::new(11, 20)]),
        ];
        assert_eq!(read_back(&doc).spans, doc.spans);
    }
}
