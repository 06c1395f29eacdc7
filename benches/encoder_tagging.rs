//! Tagging speed of the pretrained-encoder tagger: encoder windows + head +
//! Viterbi per document (`tag`). Texts are the first twelve documents of
//! PolNeAR dev when `../shared/datasets/polnear` is there, the sample
//! otherwise; the model has the default settings (all-MiniLM-L6-v2, window
//! 256, stride 192) and is fine-tuned for one epoch on the sample (weight
//! values do not change the cost). Needs the encoder (`quotekit
//! fetch-encoder`); without it the bench says so and measures nothing. For
//! the per-core figure pin the process to one core:
//! `CANDLE_NUM_THREADS=1 RAYON_NUM_THREADS=1 taskset -c 0 cargo bench -p quotekit-model --bench encoder_tagging`

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_data::Tokenizer;

fn bench(c: &mut Criterion) {
    let Some(annotator) = common::bench_encoder_annotator() else {
        return;
    };
    // Twelve documents (about 11k words of PolNeAR dev): a sample takes seconds.
    let mut docs = common::bench_documents();
    docs.truncate(12);
    let tokenizer = Tokenizer::new();
    let tokenized: Vec<_> = docs.iter().map(|d| tokenizer.tokenize(d)).collect();
    let tokens: usize = tokenized.iter().map(|t| t.tokens.len()).sum();
    let mut group = c.benchmark_group(format!("encoder {} docs", docs.len()));
    group.sample_size(10);
    group.throughput(Throughput::Elements(tokens as u64));
    group.bench_function("encoder+head+viterbi", |b| {
        b.iter(|| {
            docs.iter()
                .zip(&tokenized)
                .map(|(d, t)| annotator.tag(d, t).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
