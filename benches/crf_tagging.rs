//! Tagging speed of the CRF on one core: feature extraction + Viterbi, and the
//! whole annotate path (tokenize, features, Viterbi, decode, link). Texts are
//! PolNeAR dev when `../shared/datasets/polnear` is there, the sample otherwise;
//! the model has the default size (2^20 buckets) and is trained briefly on the
//! sample (weight values do not change the cost). Throughput is tokens/s.
//!
//! `cargo bench -p quotekit-model --bench crf_tagging`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_data::{load_corpus, Format, LoadOptions, Tokenizer};
use quotekit_model::annotator::tag_document;
use quotekit_model::config::CrfConfig;
use quotekit_model::fit;
use std::path::PathBuf;

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let polnear = std::env::var_os("QUOTEKIT_POLNEAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/datasets/polnear"));
    let texts = if polnear.join("dev").is_dir() {
        polnear.join("dev")
    } else {
        eprintln!("PolNeAR not found: benchmarking on datasets/sample");
        root.join("datasets/sample")
    };
    let mut config = CrfConfig::default();
    config.data.train = root.join("datasets/sample");
    config.training.max_iterations = 5;
    config.training.threads = 1;
    let annotator = fit(&config, |_| {})
        .expect("training on the sample works")
        .annotator;
    let docs = load_corpus(&texts, Format::Brat, &LoadOptions::default())
        .unwrap()
        .documents;
    let tokenizer = Tokenizer::new();
    let tokenized: Vec<_> = docs.iter().map(|d| tokenizer.tokenize(d)).collect();
    let tokens: usize = tokenized.iter().map(|t| t.tokens.len()).sum();
    let mut group = c.benchmark_group(format!("crf {} docs", docs.len()));
    group.sample_size(10);
    group.throughput(Throughput::Elements(tokens as u64));
    let weights = annotator.model.weights();
    group.bench_function("features+viterbi", |b| {
        b.iter(|| {
            docs.iter()
                .zip(&tokenized)
                .map(|(d, t)| {
                    let f = annotator.extractor.extract(d, t);
                    tag_document(
                        &weights,
                        &f,
                        t,
                        annotator.unit,
                        &annotator.tags,
                        annotator.outside_penalty,
                    )
                    .len()
                })
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
