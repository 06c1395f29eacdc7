//! Load + tokenize + encode a corpus on one core: PolNeAR train when
//! `../shared/datasets/polnear` (or `$QUOTEKIT_POLNEAR`) is there, the embedded
//! sample otherwise. Throughput is in tokens per second.
//!
//! `cargo bench -p quotekit-data --bench load_tokenize_encode`

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_data::{
    encode, load_corpus, role_fragments, Format, LoadOptions, TagScheme, Tokenizer,
};
use std::path::PathBuf;

fn corpus() -> PathBuf {
    match common::polnear() {
        Some(p) => p.join("train"),
        None => common::sample_dir(),
    }
}

fn bench(c: &mut Criterion) {
    let path = corpus();
    let options = LoadOptions::default();
    let tokenizer = Tokenizer::new();
    let documents = load_corpus(&path, Format::Brat, &options)
        .unwrap()
        .documents;
    let tokens: usize = documents
        .iter()
        .map(|d| tokenizer.tokenize(d).tokens.len())
        .sum();
    let mut group = c.benchmark_group(format!("{} docs", documents.len()));
    group.sample_size(10);
    group.throughput(Throughput::Elements(tokens as u64));
    group.bench_function("load", |b| {
        b.iter(|| {
            load_corpus(&path, Format::Brat, &options)
                .unwrap()
                .documents
                .len()
        })
    });
    group.bench_function("tokenize+encode", |b| {
        b.iter(|| {
            documents
                .iter()
                .map(|d| {
                    let t = tokenizer.tokenize(d);
                    encode(&t, &role_fragments(d), TagScheme::Bio).tags.len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("load+tokenize+encode", |b| {
        b.iter(|| {
            let docs = load_corpus(&path, Format::Brat, &options)
                .unwrap()
                .documents;
            docs.iter()
                .map(|d| {
                    let t = tokenizer.tokenize(d);
                    encode(&t, &role_fragments(d), TagScheme::Bio).tags.len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
