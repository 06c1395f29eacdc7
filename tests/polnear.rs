//! PolNeAR (train + dev) loads in strict mode with the expected counts, and
//! survives brat → brat and JSONL → JSONL round trips unchanged.
//!
//! The corpus is not part of the project: it is looked for in
//! `../shared/datasets/polnear` (or `$QUOTEKIT_POLNEAR`). When it is absent the
//! tests say so on stderr and pass without checking anything.

mod common;

use common::{load_brat as load, polnear};
use quotekit_data::formats::brat::BratWriter;
use quotekit_data::formats::jsonl::JsonlWriter;
use quotekit_data::{load_corpus, CorpusWriter, Document, Format, LoadOptions, Role};

#[test]
fn loads_train_and_dev_strictly_with_expected_counts() {
    let Some(root) = polnear() else { return };
    let report = load_corpus(&root, Format::Brat, &LoadOptions::default()).expect("strict load");
    assert_eq!(report.documents.len(), 924);
    assert!(report.skipped.is_empty());
    assert_eq!(load(&root.join("train")).len(), 840);
    assert_eq!(load(&root.join("dev")).len(), 84);
    let count = |role: Role| -> usize {
        report
            .documents
            .iter()
            .map(|d| d.spans.iter().filter(|s| s.role == role).count())
            .sum()
    };
    // Counts found by this loader (annotator id sorting first, Discuss/Discard skipped).
    assert_eq!(count(Role::Source), 19164);
    assert_eq!(count(Role::Cue), 22027);
    assert_eq!(count(Role::Content), 22087);
    let attributions: usize = report.documents.iter().map(|d| d.attributions.len()).sum();
    assert_eq!(attributions, 22024);
    // The quirks are really exercised: multi-line text fields, discontinuous spans.
    let discontinuous: usize = report
        .documents
        .iter()
        .flat_map(|d| &d.spans)
        .filter(|s| s.is_discontinuous())
        .count();
    assert!(discontinuous > 3000, "{discontinuous}");
    assert_eq!(
        report.warnings.len(),
        41,
        "warnings: {:#?}",
        report.warnings
    );
}

#[test]
fn brat_and_jsonl_round_trips_reproduce_every_span_and_attribution() {
    let Some(root) = polnear() else { return };
    let original = load(&root);
    let dir = tempfile::tempdir().unwrap();
    let brat_dir = dir.path().join("brat");
    BratWriter.write(&original, &brat_dir).unwrap();
    let jsonl = dir.path().join("all.jsonl");
    JsonlWriter.write(&original, &jsonl).unwrap();
    let options = LoadOptions::default();
    for (format, path) in [(Format::Brat, &brat_dir), (Format::Jsonl, &jsonl)] {
        let back = load_corpus(path, format, &options).unwrap().documents;
        assert_eq!(back.len(), original.len());
        // brat output is read back in file-name order, JSONL in written order.
        let mut by_id: std::collections::HashMap<&str, &Document> =
            back.iter().map(|d| (d.id.as_str(), d)).collect();
        for doc in &original {
            let other = by_id.remove(doc.id.as_str()).expect("document written");
            assert_eq!(other, doc, "{format:?} round trip changed {}", doc.id);
        }
    }
}
