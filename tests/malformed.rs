//! Every validation error of the dataset crate, fed real files: strict mode
//! fails with a message naming file and line; lenient mode skips the bad
//! document, loads the others and records why.

use quotekit_data::{load_corpus, DataError, Format, LoadOptions, Mode, Severity};
use std::path::Path;

const TEXT: &str = "Ann said it rains.\n";
const GOOD_ANN: &str = "T1\tSource 0 3\tAnn\nT2\tCue 4 8\tsaid\nT3\tContent 9 17\tit rains\n\
                        T4\tAttribution 4 8\tsaid\nE1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n";

/// A flat brat corpus with one good document and one document `bad`.
fn corpus(bad_text: &[u8], bad_ann: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.txt"), TEXT).unwrap();
    std::fs::write(dir.path().join("good.ann"), GOOD_ANN).unwrap();
    std::fs::write(dir.path().join("bad.txt"), bad_text).unwrap();
    std::fs::write(dir.path().join("bad.ann"), bad_ann).unwrap();
    dir
}

/// Loads strictly (must fail) and leniently (must skip `bad` only); returns the
/// strict error message.
fn check(dir: &Path, options: LoadOptions) -> String {
    let err = load_corpus(dir, Format::Brat, &options).expect_err("strict mode fails");
    let lenient = LoadOptions {
        mode: Mode::Lenient,
        ..options
    };
    let report = load_corpus(dir, Format::Brat, &lenient).expect("lenient mode goes on");
    let ids: Vec<&str> = report.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, vec!["good"]);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].error.to_string(), err.to_string());
    err.to_string()
}

fn bad_ann_path(dir: &Path) -> String {
    dir.join("bad.ann").display().to_string()
}

#[test]
fn offsets_beyond_the_text() {
    let dir = corpus(
        TEXT.as_bytes(),
        "T1\tSource 0 3\tAnn\nT2\tContent 9 40\tit rains\n",
    );
    let msg = check(dir.path(), LoadOptions::default());
    assert_eq!(
        msg,
        format!(
            "{}:2: error: span T2: fragment 9..40 is outside the text (19 characters)",
            bad_ann_path(dir.path())
        )
    );
}

#[test]
fn text_field_not_matching_the_text() {
    let dir = corpus(TEXT.as_bytes(), "T1\tSource 0 3\tBob\n");
    let msg = check(dir.path(), LoadOptions::default());
    assert_eq!(
        msg,
        format!(
            "{}:1: error: span T1: annotation text \"Bob\" does not match the text at its offsets \"Ann\"",
            bad_ann_path(dir.path())
        )
    );
}

#[test]
fn unknown_labels_in_t_and_e_lines() {
    let dir = corpus(
        TEXT.as_bytes(),
        "T1\tSpeaker 0 3\tAnn\nT2\tContent 9 17\tit rains\nT3\tAttribution 4 8\tsaid\nE1\tAttribution:T3 Topic:T2\n",
    );
    let msg = check(dir.path(), LoadOptions::default());
    let file = bad_ann_path(dir.path());
    assert_eq!(
        msg,
        format!(
            "{file}:1: error: unknown label `Speaker` (not a role, attribution or ignored label)\n\
             {file}:4: error: unknown label `Topic` (not a role, attribution or ignored label)"
        )
    );
}

/// A span refused for its label is said once: the `E` line and the note
/// that point at it do not add that it is missing.
#[test]
fn a_span_refused_for_its_label_is_not_also_missing() {
    let dir = corpus(
        TEXT.as_bytes(),
        "T1\tPerson 0 3\tAnn\nT2\tContent 9 17\tit rains\nT3\tAttribution 4 8\tsaid\n\
         E1\tAttribution:T3 Source:T1 Content:T2\n#1\tAnnotatorNotes T1\tspeaker: Ann\n",
    );
    let msg = check(dir.path(), LoadOptions::default());
    assert_eq!(
        msg,
        format!(
            "{}:1: error: unknown label `Person` (not a role, attribution or ignored label)",
            bad_ann_path(dir.path())
        )
    );
    // So is a trigger with a mistyped label.
    let dir = corpus(
        TEXT.as_bytes(),
        "T1\tSource 0 3\tAnn\nT2\tContent 9 17\tit rains\nT3\tAtribution 4 8\tsaid\n\
         E1\tAttribution:T3 Source:T1 Content:T2\n",
    );
    let msg = check(dir.path(), LoadOptions::default());
    assert_eq!(
        msg,
        format!(
            "{}:3: error: unknown label `Atribution` (not a role, attribution or ignored label)",
            bad_ann_path(dir.path())
        )
    );
}

#[test]
fn e_line_pointing_at_missing_t() {
    let dir = corpus(
        TEXT.as_bytes(),
        "T1\tSource 0 3\tAnn\nT3\tContent 9 17\tit rains\nT4\tAttribution 4 8\tsaid\nE1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n",
    );
    let msg = check(dir.path(), LoadOptions::default());
    assert_eq!(
        msg,
        format!(
            "{}:4: error: attribution E1 refers to missing span T2",
            bad_ann_path(dir.path())
        )
    );
}

#[test]
fn spans_of_different_roles_overlapping() {
    let ann = "T1\tSource 0 8\tAnn said\nT2\tCue 4 8\tsaid\n";
    let dir = corpus(TEXT.as_bytes(), ann);
    // A warning by default: the document loads and the problem is reported.
    let report = load_corpus(dir.path(), Format::Brat, &LoadOptions::default()).unwrap();
    assert_eq!(report.documents.len(), 2);
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(report.warnings[0].severity, Severity::Warning);
    // An error when asked for.
    let mut options = LoadOptions::default();
    options.validation.role_overlap = Severity::Error;
    let msg = check(dir.path(), options);
    assert_eq!(
        msg,
        format!(
            "{}:2: error: Source span T1 overlaps Cue span T2",
            bad_ann_path(dir.path())
        )
    );
}

#[test]
fn missing_text_file() {
    let dir = corpus(TEXT.as_bytes(), GOOD_ANN);
    std::fs::remove_file(dir.path().join("bad.txt")).unwrap();
    let msg = check(dir.path(), LoadOptions::default());
    let ann = bad_ann_path(dir.path());
    assert_eq!(
        msg,
        format!(
            "{ann}: text file {} is missing",
            ann.replace(".ann", ".txt")
        )
    );
}

/// A text that is there but no file (here a folder) is said to be so, not
/// missing.
#[test]
fn text_that_is_no_file() {
    let dir = corpus(TEXT.as_bytes(), GOOD_ANN);
    let text = dir.path().join("bad.txt");
    std::fs::remove_file(&text).unwrap();
    std::fs::create_dir(&text).unwrap();
    let msg = check(dir.path(), LoadOptions::default());
    assert!(
        msg.contains("bad.txt: the text of") && msg.contains("is no file"),
        "{msg}"
    );
}

/// So is an annotation file that is there but no file (a folder; a pipe
/// was said to be missing), its extension in any case, in either layout.
#[test]
fn annotation_file_that_is_no_file() {
    let dir = corpus(TEXT.as_bytes(), GOOD_ANN);
    std::fs::remove_file(dir.path().join("bad.ann")).unwrap();
    std::fs::create_dir(dir.path().join("bad.ANN")).unwrap();
    let msg = check(dir.path(), LoadOptions::default());
    assert!(
        msg.contains("bad.ANN: the annotation file of") && msg.contains("is no file"),
        "{msg}"
    );
    // PolNeAR's layout: `attributions/NAME_ANNOTATOR.ann`.
    let polnear = tempfile::tempdir().unwrap();
    let (text, anns) = (
        polnear.path().join("text"),
        polnear.path().join("attributions"),
    );
    std::fs::create_dir_all(&text).unwrap();
    std::fs::create_dir_all(anns.join("bad_A1.ann")).unwrap();
    for name in ["good", "bad"] {
        std::fs::write(text.join(format!("{name}.txt")), TEXT).unwrap();
    }
    std::fs::write(anns.join("good_A1.ann"), GOOD_ANN).unwrap();
    let msg = check(polnear.path(), LoadOptions::default());
    assert!(
        msg.contains("bad_A1.ann: the annotation file of") && msg.contains("is no file"),
        "{msg}"
    );
}

#[test]
fn missing_annotation_file() {
    let dir = corpus(TEXT.as_bytes(), GOOD_ANN);
    std::fs::remove_file(dir.path().join("bad.ann")).unwrap();
    let msg = check(dir.path(), LoadOptions::default());
    assert!(msg.ends_with("bad.ann is missing"), "{msg}");
}

#[test]
fn non_utf8_text_and_annotation() {
    let dir = corpus(b"Ann said\nit \xe9 rains.\n", GOOD_ANN);
    let msg = check(dir.path(), LoadOptions::default());
    let txt = dir.path().join("bad.txt").display().to_string();
    assert_eq!(
        msg,
        format!("{txt}:2: not valid UTF-8 (invalid byte at offset 3 of the line)")
    );

    let dir = corpus(
        TEXT.as_bytes(),
        b"T1\tSource 0 3\tAnn\nT2\tCue 4 8\ts\xffid\n",
    );
    let msg = check(dir.path(), LoadOptions::default());
    assert!(msg.contains("bad.ann:2: not valid UTF-8"), "{msg}");
}

#[test]
fn unparseable_lines() {
    let dir = corpus(TEXT.as_bytes(), "T1\tSource zero 3\tAnn\n");
    let msg = check(dir.path(), LoadOptions::default());
    assert!(
        msg.ends_with(
            "bad.ann:1: T1: bad offsets \"zero 3\" (expected `start end` or `start end;start end`)"
        ),
        "{msg}"
    );
    let dir = corpus(TEXT.as_bytes(), "T1\tSource 0 3\tAnn\nstray words\n");
    let msg = check(dir.path(), LoadOptions::default());
    assert!(
        msg.contains("bad.ann:2: expected an annotation line"),
        "{msg}"
    );
    let dir = corpus(TEXT.as_bytes(), "R1\tLink Arg1:T1 Arg2:T2\n");
    let msg = check(dir.path(), LoadOptions::default());
    assert!(
        msg.ends_with(
            "bad.ann:1: unsupported brat annotation R1 (quotekit reads T, E and # lines)"
        ),
        "{msg}"
    );
}

#[test]
fn real_quirks_load_cleanly() {
    // Multi-line text field, discontinuous span, notes, Discuss label, no-source E line.
    let text = "“One,” she said, “two.\n\nThree.” It is said rain falls.\n";
    let ann = "T1\tContent 0 6;17 31\t“One,” “two.\n\nThree.”\nT2\tSource 7 10\tshe\n\
               T3\tCue 11 15\tsaid\nT4\tAttribution 11 15\tsaid\n#1\tAnnotatorNotes T1\tcheck this\n\
               E1\tAttribution:T4 Content:T1 Cue:T3 Source:T2\nT5\tDiscuss 32 42\tIt is said\n\
               T6\tCue 32 42\tIt is said\nT7\tContent 43 53\train falls\n\
               T8\tAttribution-no-source 32 42\tIt is said\nE2\tAttribution-no-source:T8 Cue:T6 Content:T7\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("q.txt"), text).unwrap();
    std::fs::write(dir.path().join("q.ann"), ann).unwrap();
    let report = load_corpus(dir.path(), Format::Brat, &LoadOptions::default()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let doc = &report.documents[0];
    assert_eq!(doc.spans.len(), 5);
    assert_eq!(doc.spans[0].fragments.len(), 2);
    assert_eq!(doc.attributions.len(), 2);
    assert_eq!(doc.attributions[1].source, None);
    assert_eq!(doc.paragraphs().len(), 2);
}

#[test]
fn jsonl_errors_name_the_record_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.jsonl");
    std::fs::write(
        &path,
        "{\"id\":\"a\",\"text\":\"Hi.\",\"spans\":[{\"id\":\"s\",\"role\":\"source\",\"fragments\":[[0,9]]}]}\n\
         {\"id\":\"b\",\"text\":\"Ok.\"}\n\
         {\"id\":\"c\",\"text\":\"Hi.\",\"spans\":[{\"id\":\"s\",\"role\":\"speaker\",\"fragments\":[[0,2]]}]}\n",
    )
    .unwrap();
    let err = load_corpus(&path, Format::Jsonl, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::Invalid(_)));
    assert!(
        err.to_string().ends_with(
            "c.jsonl:1: error: span s: fragment 0..9 is outside the text (3 characters)"
        ),
        "{err}"
    );
    let lenient = LoadOptions {
        mode: Mode::Lenient,
        ..LoadOptions::default()
    };
    let report = load_corpus(&path, Format::Jsonl, &lenient).unwrap();
    assert_eq!(report.documents.len(), 1);
    assert_eq!(report.skipped.len(), 2);
    let second = report.skipped[1].error.to_string();
    assert!(second.contains("c.jsonl:3: bad JSON record"), "{second}");
    assert!(second.contains("unknown variant `speaker`"), "{second}");
}
