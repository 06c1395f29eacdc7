//! Who is quoted over many records: counting 100,000 synthetic `predict`
//! records, merging their names across documents, and counting them by a
//! field of 1,000 values with names merged (the case that was quadratic in
//! parts × names before the merged heads were made once). Throughput in
//! records per second.
//!
//! `cargo bench -p quotekit-infer --bench quoted`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_infer::quoted::by::QuotedBy;
use quotekit_infer::quoted::Quoted;

/// `n` records of three quotes each: 40,000 people, each named in full in
/// some records and by surname alone in others, and one name quoted under
/// many spellings; a `date` of 1,000 values.
fn records(n: usize) -> Vec<String> {
    (0..n)
        .map(|k| {
            let person = k % 40_000;
            let full = format!("Ann{person} Lee{person}");
            let surname = format!("Lee{person}");
            let variant = if k % 2 == 0 { "Donald Trump" } else { "DONALD J. TRUMP" };
            let quote = |name: &str, direct: bool| {
                let text = if direct { "\u{201c}We will.\u{201d}" } else { "that they would" };
                serde_json::json!({"speaker_name": name, "content": [{"start": 0, "end": 9, "text": text}]})
            };
            serde_json::json!({
                "id": format!("doc{k}"),
                "date": format!("2016-{:03}", k % 1_000),
                "quotes": [quote(&full, k % 3 == 0), quote(&surname, false), quote(variant, true)],
            })
            .to_string()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let lines = records(100_000);
    let texts = || lines.iter().map(String::as_str);
    let mut group = c.benchmark_group("who is quoted, 100k records");
    group.sample_size(10);
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("count", |b| b.iter(|| Quoted::of_records(texts()).unwrap()));
    group.bench_function("count, merge names", |b| {
        b.iter(|| Quoted::of_records(texts()).unwrap().merge_names())
    });
    group.bench_function("count by date (1,000), merge names", |b| {
        b.iter(|| QuotedBy::of_records(texts(), "date").unwrap().merge_names())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
