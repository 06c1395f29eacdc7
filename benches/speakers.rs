//! Speaker resolution speed on one core: the words of a document
//! (`words`), those and its name mentions (`mentions`), its names and
//! entities (`names`), and that plus ranking the candidates of each of its
//! gold Source spans with the built-in resolver (`resolve`: what `annotate`
//! adds to tagging). Texts are
//! PolNeAR dev when `../shared/datasets/polnear` is there, the sample
//! otherwise; throughput is words (tokens) per second, comparable with the
//! `tag` figures of the `tagging` bench.
//!
//! `RAYON_NUM_THREADS=1 taskset -c 0 cargo bench -p quotekit-model --bench speakers`

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_data::{Role, Tokenizer};
use quotekit_model::speakers::entities::Names;
use quotekit_model::speakers::mentions::{name_mentions, words};
use quotekit_model::speakers::SpeakerResolver;

fn bench(c: &mut Criterion) {
    let docs = common::polnear_dev_or_sample();
    let tokenizer = Tokenizer::new();
    let tokenized: Vec<_> = docs.iter().map(|d| tokenizer.tokenize(d)).collect();
    let sources: Vec<Vec<_>> = docs
        .iter()
        .zip(&tokenized)
        .map(|(d, t)| {
            d.spans
                .iter()
                .filter(|s| s.role == Role::Source)
                .map(|s| t.overlapping(s.extent()))
                .filter(|r| !r.is_empty())
                .collect()
        })
        .collect();
    let tokens: usize = tokenized.iter().map(|t| t.tokens.len()).sum();
    let resolver = SpeakerResolver::builtin();
    let mut group = c.benchmark_group(format!("speakers {} docs", docs.len()));
    group.sample_size(20);
    group.throughput(Throughput::Elements(tokens as u64));
    group.bench_function("words", |b| {
        b.iter(|| {
            docs.iter()
                .zip(&tokenized)
                .map(|(d, t)| words(d.text(), t).len())
                .sum::<usize>()
        })
    });
    group.bench_function("mentions", |b| {
        b.iter(|| {
            docs.iter()
                .zip(&tokenized)
                .map(|(d, t)| name_mentions(d.text(), t, &words(d.text(), t)).len())
                .sum::<usize>()
        })
    });
    group.bench_function("names", |b| {
        b.iter(|| {
            docs.iter()
                .zip(&tokenized)
                .map(|(d, t)| Names::of(d, t).entities.len())
                .sum::<usize>()
        })
    });
    group.bench_function("resolve", |b| {
        b.iter(|| {
            docs.iter()
                .zip(&tokenized)
                .zip(&sources)
                .map(|((d, t), s)| resolver.resolve(d, t, s).entities.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
