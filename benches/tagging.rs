//! Tagging speed of every model kind on one core: scores + Viterbi per
//! document (`tag`), and the whole annotate path (tokenize, scores, Viterbi,
//! decode, link). Texts are PolNeAR dev when `../shared/datasets/polnear` is
//! there, the sample otherwise (the transformer tags the first twelve: a
//! sample takes seconds); the models have the default sizes and are trained
//! briefly on the sample (see `trained.rs`; the transformer needs
//! `quotekit fetch-encoder` and is skipped without it). Throughput is words
//! (tokens) per second. For the per-core figures, one kind at a time:
//!
//! `CANDLE_NUM_THREADS=1 RAYON_NUM_THREADS=1 taskset -c 0 cargo bench -p quotekit-model --bench tagging -- crf`
//! (or `neural`, `transformer`)

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "trained.rs"]
mod trained;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_data::Tokenizer;
use quotekit_model::{Annotator, ModelKind};
use std::sync::OnceLock;

fn bench(c: &mut Criterion) {
    let all = common::polnear_dev_or_sample();
    let tokenizer = Tokenizer::new();
    for kind in ModelKind::ALL {
        if kind == ModelKind::Transformer && common::encoder().is_none() {
            continue;
        }
        let docs = if kind == ModelKind::Transformer {
            &all[..12.min(all.len())]
        } else {
            &all[..]
        };
        let tokenized: Vec<_> = docs.iter().map(|d| tokenizer.tokenize(d)).collect();
        let tokens: usize = tokenized.iter().map(|t| t.tokens.len()).sum();
        // Trained when a benchmark of this kind is selected, once.
        let model: OnceLock<Annotator> = OnceLock::new();
        let annotator = || model.get_or_init(|| trained::trained(kind).expect("the model trains"));
        let mut group = c.benchmark_group(format!("{} {} docs", kind.name(), docs.len()));
        group.sample_size(10);
        group.throughput(Throughput::Elements(tokens as u64));
        group.bench_function("tag", |b| {
            let annotator = annotator();
            b.iter(|| {
                docs.iter()
                    .zip(&tokenized)
                    .map(|(d, t)| annotator.tag(d, t).len())
                    .sum::<usize>()
            })
        });
        group.bench_function("annotate", |b| {
            let annotator = annotator();
            b.iter(|| {
                docs.iter()
                    .map(|d| annotator.annotate(d).document.spans.len())
                    .sum::<usize>()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
