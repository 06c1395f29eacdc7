//! A tiny BERT encoder folder written by the tests themselves (seeded
//! weights, a vocabulary of the specials, single letters and digits and the
//! sample's frequent words), so that the transformer tagger is trained and
//! run end to end on any machine without the pretrained encoder. Included
//! (`#[path]`) by the test crates that have `quotekit-model`; `tests/common`
//! itself depends on `quotekit-data` only.

use crate::common::sample;
use quotekit_model::features::lexicon::Lexicon;
use quotekit_model::io::{write_tensors, TensorBytes};
use quotekit_model::transformer::config::TransformerConfig;
use quotekit_model::transformer::model::TransformerModel;
use quotekit_model::transformer::pieces::PieceTokenizer;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The sample's words that occur at least three times, lower-cased, most
/// frequent first (ties by word), at most 300.
pub fn frequent_words() -> Vec<String> {
    let docs = sample();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for d in &docs {
        for w in d.text().split(|c: char| !c.is_alphanumeric()) {
            if !w.is_empty() {
                *counts.entry(w.to_lowercase()).or_default() += 1;
            }
        }
    }
    let mut words: Vec<(String, usize)> = counts.into_iter().filter(|(_, c)| *c >= 3).collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    words.into_iter().take(300).map(|(w, _)| w).collect()
}

/// Writes the tiny BERT folder `dir/tiny-bert` (`config.json`,
/// `tokenizer.json`, `model.safetensors`: 2 layers of width 16, 64
/// positions) and returns its path.
pub fn tiny_bert(dir: &Path) -> PathBuf {
    let folder = dir.join("tiny-bert");
    std::fs::create_dir_all(&folder).unwrap();
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for c in ('a'..='z').chain('0'..='9') {
        vocab.push(c.to_string());
        vocab.push(format!("##{c}"));
    }
    for w in frequent_words() {
        if !vocab.contains(&w) {
            vocab.push(w);
        }
    }
    let vocab_json = serde_json::to_string(
        &vocab
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i))
            .collect::<BTreeMap<_, _>>(),
    )
    .unwrap();
    let tokenizer = format!(
        r###"{{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":{{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true}},"pre_tokenizer":{{"type":"BertPreTokenizer"}},"post_processor":null,"decoder":null,"model":{{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{vocab_json}}}}}"###
    );
    let config = format!(
        r#"{{"model_type": "bert", "vocab_size": {}, "hidden_size": 16,
        "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 32,
        "max_position_embeddings": 64, "hidden_act": "gelu"}}"#,
        vocab.len()
    );
    std::fs::write(folder.join("config.json"), &config).unwrap();
    std::fs::write(folder.join("tokenizer.json"), &tokenizer).unwrap();
    let pieces = PieceTokenizer::from_json(&tokenizer, &folder.join("tokenizer.json")).unwrap();
    let settings = TransformerConfig {
        path: folder.clone(),
        window: 32,
        stride: 24,
        seed: 7,
        ..TransformerConfig::default()
    };
    let model = TransformerModel::new(
        &settings,
        &config,
        &folder.join("config.json"),
        pieces,
        Lexicon::builtin_cues(),
        7,
    )
    .unwrap();
    // The encoder's own tensors, under the names of a Hugging Face checkpoint.
    let tensors: Vec<TensorBytes> = model
        .params
        .named()
        .into_iter()
        .filter_map(|(n, v)| {
            let values: Vec<f32> = v.flatten_all().unwrap().to_vec1().unwrap();
            n.strip_prefix("bert.")
                .map(|k| TensorBytes::new(k, v.dims().to_vec(), &values))
        })
        .collect();
    write_tensors(&folder.join("model.safetensors"), &tensors, None).unwrap();
    folder
}
