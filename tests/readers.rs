//! Property tests of every reader (brat, JSONL, CoNLL, the model file
//! header): random bytes and random well-formed-but-wrong documents never
//! panic; each gives an error that names its file, or documents that
//! round-trip through the writers.

use proptest::prelude::*;
use quotekit_data::formats::conll::Tokens;
use quotekit_data::load::{load_corpus, writer, LoadOptions};
use quotekit_data::{Format, TagScheme};
use quotekit_model::header::ModelHeader;
use std::path::Path;

/// 64 cases each, or `PROPTEST_CASES`.
fn cases() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Reads `dir_or_file` strictly: an error must name `name`; documents must
/// round-trip through JSONL.
fn read_or_explain(path: &Path, format: Format, name: &str) {
    match load_corpus(path, format, &LoadOptions::default()) {
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains(name), "{message}");
        }
        Ok(report) => {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("round.jsonl");
            writer(Format::Jsonl, TagScheme::Bio, Tokens::Quotekit)
                .write(&report.documents, &out)
                .unwrap();
            let again = load_corpus(&out, Format::Jsonl, &LoadOptions::default())
                .expect("what quotekit wrote, it reads");
            assert_eq!(again.documents, report.documents);
        }
    }
}

/// Random text with the characters annotation files are made of.
fn annotation_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("T1".to_string()),
            Just("E1".to_string()),
            Just("#1".to_string()),
            Just("\t".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            Just("Source".to_string()),
            Just("Cue".to_string()),
            Just("Content".to_string()),
            Just("Attribution".to_string()),
            Just("AnnotatorNotes".to_string()),
            Just(":".to_string()),
            Just(";".to_string()),
            (0u32..40).prop_map(|n| n.to_string()),
            "[a-zé“”]{0,4}",
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn brat_never_panics(text in "[ -~é“”\n]{0,40}", ann in annotation_text(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), &text).unwrap();
        std::fs::write(dir.path().join("a.ann"), &ann).unwrap();
        read_or_explain(dir.path(), Format::Brat, "a.");
        std::fs::write(dir.path().join("a.ann"), &bytes).unwrap();
        read_or_explain(dir.path(), Format::Brat, "a.");
    }

    /// Any text, a byte-order mark first or line ends of any kind in it,
    /// with a named span anywhere in it, is written to brat and read back
    /// as it was (`predict --format brat` writes texts as they came).
    #[test]
    fn brat_writes_any_text_and_span_that_it_reads_back(
        bom in any::<bool>(),
        body in "[a-zé“” \r\n\u{2028}\u{85}\u{0}\t.]{1,30}",
        a in 0usize..31,
        b in 0usize..31,
        name in "[A-Z][a-z\u{83}\u{2028} ]{0,6}[a-z]",
    ) {
        use quotekit_data::{CharSpan, Document, Role, Span};
        let text = if bom { format!("\u{feff}{body}") } else { body };
        let chars = text.chars().count();
        let (start, end) = (a.min(b) % chars, (a.max(b) % chars) + 1);
        let mut doc = Document::new("d", &text);
        doc.spans = vec![Span::new("T1", Role::Source, vec![CharSpan::new(start, end.max(start + 1))])];
        doc.spans[0].name = Some(name);
        let dir = tempfile::tempdir().unwrap();
        writer(Format::Brat, TagScheme::Bio, Tokens::Quotekit).write(std::slice::from_ref(&doc), dir.path()).unwrap();
        let read = load_corpus(dir.path(), Format::Brat, &LoadOptions::default()).unwrap();
        prop_assert_eq!(read.documents.len(), 1);
        prop_assert_eq!(read.documents[0].text(), doc.text());
        prop_assert_eq!(&read.documents[0].spans, &doc.spans);
    }

    #[test]
    fn jsonl_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..96),
        start in 0usize..30, len in -3i64..30, role in "source|cue|content|speaker|",
        text in "[ -~é]{0,20}", attr in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        std::fs::write(&path, &bytes).unwrap();
        read_or_explain(&path, Format::Jsonl, "c.jsonl");
        // Well formed, probably wrong: offsets anywhere, any role, a dangling reference.
        let end = start as i64 + len;
        let attributions = if attr {
            serde_json::json!([{"id": "E1", "source": "T9", "content": ["T1"]}])
        } else {
            serde_json::json!([])
        };
        let record = serde_json::json!({
            "id": "d", "text": text,
            "spans": [{"id": "T1", "role": role, "fragments": [[start, end]]}],
            "attributions": attributions,
        });
        std::fs::write(&path, format!("{record}\n")).unwrap();
        read_or_explain(&path, Format::Jsonl, "c.jsonl");
    }

    #[test]
    fn conll_never_panics(
        lines in proptest::collection::vec("[A-Za-z“”,.]{0,6}(\t(O|B-SOURCE|I-SOURCE|B-CUE|I-CUE|B-CONTENT|I-CONTENT|L-CUE|U-SOURCE|X|B-))?", 0..20),
        docstart in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.conll");
        let mut text = if docstart { "-DOCSTART-\td\n\n".to_string() } else { String::new() };
        text.push_str(&lines.join("\n"));
        std::fs::write(&path, text).unwrap();
        read_or_explain(&path, Format::Conll, "c.conll");
    }

    #[test]
    fn model_headers_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        json in "\\{[\"a-z:0-9,{}\\[\\] ]{0,60}\\}",
    ) {
        let file = Path::new("m.safetensors");
        if let Err(e) = ModelHeader::read(&bytes, file) {
            prop_assert!(e.to_string().contains("m.safetensors"), "{}", e);
        }
        // A safetensors file whose metadata is random JSON.
        let mut file_bytes = Vec::new();
        let header = serde_json::json!({"__metadata__": {"quotekit": json}}).to_string();
        file_bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        file_bytes.extend_from_slice(header.as_bytes());
        if let Err(e) = ModelHeader::read(&file_bytes, file) {
            prop_assert!(e.to_string().contains("m.safetensors"), "{}", e);
        }
    }
}

/// Names files name brat T ids, which CoNLL does not keep: CoNLL gold with
/// names files for its documents is refused saying so (each names line was
/// an error of its own: no such span, or another span's text).
#[test]
fn names_for_a_conll_corpus_are_refused_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let conll = dir.path().join("sample.conll");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sample = load_corpus(
        &root.join("datasets/sample"),
        Format::Brat,
        &LoadOptions::default(),
    )
    .unwrap();
    writer(Format::Conll, TagScheme::Bio, Tokens::Quotekit)
        .write(&sample.documents, &conll)
        .unwrap();
    let options = LoadOptions {
        names: vec![root.join("datasets/sample-speakers")],
        ..LoadOptions::default()
    };
    let e = load_corpus(&conll, Format::Conll, &options)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("sample.conll: names files name the T ids of a brat corpus"),
        "{e}"
    );
    assert!(load_corpus(&conll, Format::Conll, &LoadOptions::default()).is_ok());
    // Names folders that have no file for its documents leave it as it is
    // (a CoNLL dev corpus beside named brat training data).
    let elsewhere = LoadOptions {
        names: vec![dir.path().to_path_buf()],
        ..LoadOptions::default()
    };
    assert!(load_corpus(&conll, Format::Conll, &elsewhere).is_ok());
}
