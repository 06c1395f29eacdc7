//! Tiny encoder folders for the transformer tagger's unit tests.

use crate::config::ModelKind;
use crate::features::lexicon::Lexicon;
use crate::header::{ModelHeader, TOKENIZER_FILE};
use crate::transformer::config::TransformerConfig;
use crate::transformer::model::{TransformerModel, CONFIG_FILE, WEIGHTS_FILE};
use crate::transformer::pieces::tests::{tiny_tokenizer_json, TINY_VOCAB};
use crate::transformer::pieces::PieceTokenizer;
use candle_core::Tensor;
use std::path::Path;

pub(crate) const CONFIG: &str = r#"{"model_type": "bert", "vocab_size": 8, "hidden_size": 8,
    "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
    "max_position_embeddings": 32, "hidden_act": "gelu"}"#;

/// The same encoder as an MPNet (its padding piece is id 0).
pub(crate) const MPNET_CONFIG: &str = r#"{"model_type": "mpnet", "vocab_size": 8, "hidden_size": 8,
    "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
    "max_position_embeddings": 17, "hidden_act": "gelu", "pad_token_id": 0,
    "relative_attention_num_buckets": 32}"#;

/// A tiny BERT folder whose weights are a seeded model's own `bert.*` tensors.
pub(crate) fn tiny_encoder(dir: &Path) -> TransformerConfig {
    tiny_encoder_of(dir, CONFIG)
}

/// [`tiny_encoder`] with the encoder config `json`.
pub(crate) fn tiny_encoder_of(dir: &Path, json: &str) -> TransformerConfig {
    let settings = TransformerConfig {
        path: dir.to_path_buf(),
        window: 16,
        stride: 8,
        batch_pieces: 64,
        ..TransformerConfig::default()
    };
    std::fs::write(dir.join(CONFIG_FILE), json).unwrap();
    std::fs::write(dir.join(TOKENIZER_FILE), tiny_tokenizer_json(TINY_VOCAB)).unwrap();
    let tokenizer = PieceTokenizer::from_file(&dir.join(TOKENIZER_FILE)).unwrap();
    let model = TransformerModel::new(
        &settings,
        json,
        Path::new("config.json"),
        tokenizer,
        Lexicon::builtin_cues(),
        7,
    )
    .unwrap();
    let tensors: std::collections::HashMap<String, Tensor> = model
        .params
        .named()
        .into_iter()
        .filter_map(|(n, v)| {
            n.strip_prefix("bert.")
                .map(|k| (k.to_string(), v.as_tensor().clone()))
        })
        .collect();
    candle_core::safetensors::save(&tensors, dir.join(WEIGHTS_FILE)).unwrap();
    settings
}

/// The header of an untrained transformer model with `settings`.
pub(crate) fn header_of(settings: &TransformerConfig) -> ModelHeader {
    use crate::config::TrainConfig;
    use crate::training::events::TrainReport;
    use quotekit_data::{TagScheme, TagSet};
    let config = TrainConfig {
        model: ModelKind::Transformer,
        transformer: settings.clone(),
        ..TrainConfig::default()
    };
    let report = TrainReport {
        iterations: 0,
        best_iteration: 0,
        best_dev_f1: None,
        stop: String::new(),
        documents: 0,
        tokens: 0,
        feature_seconds: 0.0,
        train_seconds: 0.0,
    };
    let tags = TagSet::new(TagScheme::Bio);
    ModelHeader::new(&config, &tags, 0, &Lexicon::builtin_cues(), report)
}
