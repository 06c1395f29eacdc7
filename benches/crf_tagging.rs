//! Tagging speed of the CRF on one core: feature extraction + Viterbi, and the
//! whole annotate path (tokenize, features, Viterbi, decode, link). Texts are
//! PolNeAR dev when `../shared/datasets/polnear` is there, the sample otherwise;
//! the model has the default size (2^20 buckets) and is trained briefly on the
//! sample (weight values do not change the cost). Throughput is tokens/s.
//!
//! `cargo bench -p quotekit-model --bench crf_tagging`

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_data::Tokenizer;

fn bench(c: &mut Criterion) {
    let annotator = common::bench_annotator();
    let docs = common::bench_documents();
    let tokenizer = Tokenizer::new();
    let tokenized: Vec<_> = docs.iter().map(|d| tokenizer.tokenize(d)).collect();
    let tokens: usize = tokenized.iter().map(|t| t.tokens.len()).sum();
    let mut group = c.benchmark_group(format!("crf {} docs", docs.len()));
    group.sample_size(10);
    group.throughput(Throughput::Elements(tokens as u64));
    group.bench_function("features+viterbi", |b| {
        b.iter(|| {
            docs.iter()
                .zip(&tokenized)
                .map(|(d, t)| annotator.tag(d, t).len())
                .sum::<usize>()
        })
    });
    group.bench_function("annotate (tokenize+features+viterbi+link)", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| annotator.annotate(d).document.spans.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
