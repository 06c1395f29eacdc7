//! The encoder on one fixed batch of windows: 8 windows of 256 pieces
//! through a BERT of all-MiniLM-L6-v2's shape (6 layers, width 384, 12
//! heads, feed-forward 1536) and through an MPNet of all-mpnet-base-v2's
//! (12 layers, width 768, 12 heads, feed-forward 3072, relative position
//! biases), inference path, one core. The weights are
//! random: the cost does not depend on their values, so the bench needs no
//! download. Throughput is pieces per second; words are about 0.8 of them
//! on PolNeAR. Each case runs in f32 and with int8 linear layers
//! (`predict --precision int8`). Run:
//!
//! `CANDLE_NUM_THREADS=1 RAYON_NUM_THREADS=1 taskset -c 0 cargo bench -p quotekit-model --bench encoder`

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quotekit_model::transformer::bert::{Bert, BertConfig, Precision};

fn bench(c: &mut Criterion) {
    let minilm = BertConfig {
        vocab_size: 30_522,
        hidden_size: 384,
        num_hidden_layers: 6,
        num_attention_heads: 12,
        intermediate_size: 1_536,
        max_position_embeddings: 512,
        type_vocab_size: 2,
        layer_norm_eps: 1e-12,
        hidden_act: "gelu".into(),
        hidden_dropout_prob: 0.1,
        model_type: "bert".into(),
        relative_attention_num_buckets: 32,
        pad_token_id: Some(0),
    };
    let mpnet = BertConfig {
        vocab_size: 30_527,
        hidden_size: 768,
        num_hidden_layers: 12,
        intermediate_size: 3_072,
        max_position_embeddings: 514,
        layer_norm_eps: 1e-5,
        model_type: "mpnet".into(),
        pad_token_id: Some(1),
        ..minilm.clone()
    };
    encoder(c, "encoder 8x256 pieces", &minilm);
    encoder(c, "mpnet encoder 8x256 pieces", &mpnet);
}

/// The cases of one encoder shape, as the group `name`.
fn encoder(c: &mut Criterion, name: &str, config: &BertConfig) {
    let varmap = VarMap::new();
    let mut bert = Bert::new(
        config,
        VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu),
    )
    .expect("the encoder builds");
    let (windows, pieces) = (8, 256);
    let ids: Vec<u32> = (0..windows * pieces)
        .map(|k| (1_000 + k * 7_919 % 28_000) as u32)
        .collect();
    let ids = Tensor::from_vec(ids, (windows, pieces), &Device::Cpu).unwrap();
    let full = Tensor::ones((windows, pieces), DType::F32, &Device::Cpu).unwrap();
    // The last window of a document is usually short: a quarter padding.
    let mut partial = vec![1f32; windows * pieces];
    partial[(windows - 1) * pieces + pieces / 4..].fill(0.0);
    let partial = Tensor::from_vec(partial, (windows, pieces), &Device::Cpu).unwrap();
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements((windows * pieces) as u64));
    for precision in [Precision::F32, Precision::Int8] {
        bert.set_precision(precision).expect("the weights quantize");
        for (name, mask) in [("full windows", &full), ("last window padded", &partial)] {
            group.bench_function(format!("{name}, {precision}"), |b| {
                b.iter(|| bert.forward(&ids, mask, None).unwrap().dims().len())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
