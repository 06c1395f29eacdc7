//! The per-document path of bulk inference on one core: read a JSONL record,
//! annotate it (tokenize, features, Viterbi, forward–backward confidences,
//! link, name the speakers) and render the output record, and the same
//! without speaker resolution (`--no-speakers`). Texts are PolNeAR dev when
//! `../shared/datasets/polnear` is there, the sample otherwise. Throughput in
//! words (whitespace-separated) per second.
//!
//! `cargo bench -p quotekit-infer --bench predict`

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "trained.rs"]
mod trained;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_infer::input::{jsonl_record, ReadLimits};
use quotekit_infer::output::{OutputFormat, Rendered};
use quotekit_infer::runner::process;

fn bench(c: &mut Criterion) {
    let mut annotator = trained::trained(quotekit_model::ModelKind::Crf).expect("a CRF trains");
    let docs = common::polnear_dev_or_sample();
    let lines: Vec<String> = docs
        .iter()
        .map(|d| serde_json::json!({"id": d.id, "text": d.text()}).to_string())
        .collect();
    let words: usize = docs
        .iter()
        .map(|d| d.text().split_whitespace().count())
        .sum();
    let limits = ReadLimits {
        max_chars: 1_000_000,
    };
    let mut group = c.benchmark_group(format!("predict {} docs", docs.len()));
    group.sample_size(10);
    group.throughput(Throughput::Elements(words as u64));
    for (name, format, speakers) in [
        ("jsonl quotes", OutputFormat::Jsonl, true),
        ("documents", OutputFormat::Documents, true),
        // `--no-speakers`: what speaker resolution costs.
        ("jsonl quotes, no speakers", OutputFormat::Jsonl, false),
    ] {
        annotator.name_speakers = speakers;
        let annotator = &annotator;
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut bytes = 0;
                for (n, line) in lines.iter().enumerate() {
                    let record = jsonl_record(n + 1, line.as_bytes(), limits);
                    bytes += match process(annotator, &record, format).0 {
                        Rendered::Line(l) => l.len(),
                        _ => 0,
                    };
                }
                bytes
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
