//! Tagging speed of the neural tagger: encoder forward pass + Viterbi per
//! document (`tag`), and the whole annotate path (tokenize, inputs, encoder,
//! Viterbi, decode, link). Texts are PolNeAR dev when
//! `../shared/datasets/polnear` is there, the sample otherwise; the network has
//! the default sizes and is trained for one epoch on the sample (weight values
//! do not change the cost). Throughput is words (tokens) per second; pin the
//! process to one core (`taskset -c 0`) for the per-core figure.
//!
//! `cargo bench -p quotekit-model --bench neural_tagging`

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_data::Tokenizer;

fn bench(c: &mut Criterion) {
    let annotator = common::bench_neural_annotator();
    let docs = common::bench_documents();
    let tokenizer = Tokenizer::new();
    let tokenized: Vec<_> = docs.iter().map(|d| tokenizer.tokenize(d)).collect();
    let tokens: usize = tokenized.iter().map(|t| t.tokens.len()).sum();
    let mut group = c.benchmark_group(format!("neural {} docs", docs.len()));
    group.sample_size(10);
    group.throughput(Throughput::Elements(tokens as u64));
    group.bench_function("encoder+viterbi", |b| {
        b.iter(|| {
            docs.iter()
                .zip(&tokenized)
                .map(|(d, t)| annotator.tag(d, t).len())
                .sum::<usize>()
        })
    });
    group.bench_function("annotate (tokenize+encoder+viterbi+link)", |b| {
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
