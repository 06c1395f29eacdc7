//! Speaker resolution speed on one core: the words of a document
//! (`words`), those and its name mentions (`mentions`), its names and
//! entities (`names`), and that plus ranking the candidates of each of its
//! gold Source spans with the built-in resolver (`resolve`: what `annotate`
//! adds to tagging). Texts are
//! PolNeAR dev when `../shared/datasets/polnear` is there, the sample
//! otherwise; throughput is words (tokens) per second, comparable with the
//! `tag` figures of the `tagging` bench.
//!
//! A second group finds the names of long texts made to cost (`crowd`):
//! thousands of people of one surname each followed by that surname alone,
//! spouses of one surname with `Mr.` and `Mrs.`, and one first name with
//! thousands of nicknames, at two lengths. Words per second should be about
//! the same at both (time in proportion to length; grouping these took time
//! in proportion to its square before stop 75).
//!
//! `RAYON_NUM_THREADS=1 taskset -c 0 cargo bench -p quotekit-model --bench speakers`

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_data::{Document, Role, Tokenizer};
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
    crowd(c);
}

/// The `k`-th of many made-up first names (capitalised, none a real one).
fn made_up(k: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ra", "te", "vo", "bu", "ge", "da", "fi", "zo", "pe", "qu", "sha", "to",
        "we",
    ];
    let name: String = [k % 16, (k / 16) % 16, (k / 256) % 16]
        .iter()
        .map(|&i| SYLLABLES[i])
        .collect::<String>()
        + "x";
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A kind of crowded text: its name, and its `k`-th sentence.
type Crowd = (&'static str, fn(usize) -> String);

fn crowd(c: &mut Criterion) {
    let kinds: [Crowd; 3] = [
        ("one surname", |k| {
            format!(
                "{} Clinton said \u{201c}yes.\u{201d} Clinton said \u{201c}no.\u{201d} ",
                made_up(k)
            )
        }),
        ("spouses", |k| {
            format!(
                "Mr. {} and Mrs. {} Smith met. Smith said \u{201c}no.\u{201d} ",
                made_up(k),
                made_up(k + 1)
            )
        }),
        ("nicknames", |k| {
            format!(
                "William \u{201c}{}\u{201d} Jones said \u{201c}no.\u{201d} ",
                made_up(k)
            )
        }),
    ];
    let tokenizer = Tokenizer::new();
    let mut group = c.benchmark_group("speakers crowd");
    group.sample_size(10);
    for (kind, sentence) in kinds {
        for people in [1_000, 4_000] {
            let text: String = (0..people).map(sentence).collect();
            let doc = Document::new("crowd", &text);
            let tok = tokenizer.tokenize(&doc);
            group.throughput(Throughput::Elements(tok.tokens.len() as u64));
            group.bench_function(format!("{kind}, {people} people"), |b| {
                b.iter(|| Names::of(&doc, &tok).entities.len())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
