//! End-to-end tests of the transformer tagger with the real pretrained
//! encoder. They need it unpacked by `quotekit fetch-encoder` into
//! `models/all-MiniLM-L6-v2` (or a folder named by `QUOTEKIT_ENCODER`);
//! without it each test says so and passes without checking anything, so the
//! suite runs on any machine (`tests/trained_weights.rs` trains the same code
//! on a tiny BERT everywhere, and so does the resume test here).

mod common;
#[path = "common/tiny_bert.rs"]
mod tiny_bert;

use common::{encoder, root, sample, sample_dir};
use quotekit_data::{TagScheme, TagSet};
use quotekit_model::features::lexicon::Lexicon;
use quotekit_model::training::events::TrainEvent;
use quotekit_model::training::options::TrainOptions;
use quotekit_model::transformer::config::{Pooling, TransformerConfig};
use quotekit_model::transformer::model::TransformerModel;
use quotekit_model::transformer::train::train;
use quotekit_model::{fit_with, load_annotator, save_annotator, Annotator, ModelKind, TrainConfig};
use std::path::{Path, PathBuf};

/// Small windows and batches, so that documents span several windows.
fn settings(path: PathBuf, epochs: usize) -> TransformerConfig {
    TransformerConfig {
        path,
        window: 64,
        stride: 40,
        batch_pieces: 1 << 16,
        epochs,
        patience: 0,
        learning_rate: 1e-2,
        encoder_learning_rate: 1e-4,
        warmup: 0.0,
        ..TransformerConfig::default()
    }
}

#[derive(serde::Deserialize)]
struct Reference {
    sentences: Vec<ReferenceSentence>,
}

#[derive(serde::Deserialize)]
struct ReferenceSentence {
    text: String,
    input_ids: Vec<u32>,
    token_embeddings: Vec<Vec<f32>>,
}

#[test]
fn loading_the_encoder_reproduces_the_reference_embeddings() {
    let Some(path) = encoder() else { return };
    // Computed once with the package's own Python code (sentence-transformers'
    // `encode(..., output_value="token_embeddings")` on both sentences as one batch).
    let reference: Reference = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/minilm_reference.json")).unwrap(),
    )
    .unwrap();
    let model =
        TransformerModel::from_folder(&settings(path, 1), Lexicon::builtin_cues(), 7).unwrap();
    let ids: Vec<Vec<u32>> = reference
        .sentences
        .iter()
        .map(|s| model.tokenizer.encode_text(&s.text).unwrap())
        .collect();
    for (ours, s) in ids.iter().zip(&reference.sentences) {
        assert_eq!(ours, &s.input_ids, "pieces of {:?}", s.text);
    }
    // Both sentences in one padded batch, as the reference was computed.
    let l = ids.iter().map(Vec::len).max().unwrap();
    let mut flat = vec![0u32; ids.len() * l];
    let mut mask = vec![0f32; ids.len() * l];
    for (k, s) in ids.iter().enumerate() {
        flat[k * l..k * l + s.len()].copy_from_slice(s);
        mask[k * l..k * l + s.len()].fill(1.0);
    }
    let device = model.params.device().clone();
    let ids_t = candle_core::Tensor::from_vec(flat, (ids.len(), l), &device).unwrap();
    let mask_t = candle_core::Tensor::from_vec(mask, (ids.len(), l), &device).unwrap();
    let out: Vec<Vec<Vec<f32>>> = model
        .bert
        .forward(&ids_t, &mask_t, None)
        .unwrap()
        .to_vec3()
        .unwrap();
    let mut worst = 0f32;
    for (rows, s) in out.iter().zip(&reference.sentences) {
        for (row, expected) in rows.iter().zip(&s.token_embeddings) {
            assert_eq!(row.len(), expected.len());
            for (a, b) in row.iter().zip(expected) {
                worst = worst.max((a - b).abs());
            }
        }
    }
    assert!(worst < 1e-4, "largest difference {worst}");
}

#[test]
fn word_vectors_cover_every_word_once() {
    let Some(path) = encoder() else { return };
    let model =
        TransformerModel::from_folder(&settings(path, 1), Lexicon::builtin_cues(), 7).unwrap();
    let tokenizer = quotekit_data::Tokenizer::new();
    let docs = sample();
    let inputs: Vec<_> = docs[..3]
        .iter()
        .map(|d| model.inputs(d, &tokenizer.tokenize(d)))
        .collect();
    assert!(
        inputs.iter().all(|i| i.plan.windows.len() > 1),
        "several windows per document"
    );
    let refs: Vec<_> = inputs.iter().collect();
    let batched: Vec<Vec<Vec<f32>>> = model.word_vectors(&refs, None).unwrap().to_vec3().unwrap();
    for (k, i) in inputs.iter().enumerate() {
        // Alone or batched, a document's words get the same vectors; padding rows are zero.
        let alone: Vec<Vec<f32>> = model
            .word_vectors(&[i], None)
            .unwrap()
            .squeeze(0)
            .unwrap()
            .to_vec2()
            .unwrap();
        assert_eq!(alone.len(), i.len());
        for (a, b) in alone.iter().zip(&batched[k]) {
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() < 1e-4);
            }
        }
        assert!(batched[k][i.len()..]
            .iter()
            .all(|row| row.iter().all(|&x| x == 0.0)));
        assert!(alone.iter().all(|row| row.iter().any(|&x| x != 0.0)));
    }
}

#[test]
fn two_steps_of_fine_tuning_change_the_encoder_and_lower_the_loss() {
    let Some(path) = encoder() else { return };
    let docs = sample()[..3].to_vec();
    let tags = TagSet::new(TagScheme::Bio);
    let s = settings(path.clone(), 2);
    let config = TrainConfig {
        model: ModelKind::Transformer,
        transformer: s.clone(),
        ..TrainConfig::default()
    }
    .check()
    .unwrap();
    let mut losses = Vec::new();
    let (model, _) = train(
        &config,
        &tags,
        docs,
        &[],
        Lexicon::builtin_cues(),
        &TrainOptions::default(),
        &mut |e| {
            if let TrainEvent::Batch { loss, .. } = e {
                losses.push(*loss);
            }
        },
    )
    .unwrap();
    // One batch per epoch: two updates; the second batch's loss is after the first update.
    assert_eq!(losses.len(), 2);
    assert!(losses[1] < losses[0], "losses {losses:?}");
    let fresh = TransformerModel::from_folder(&s, Lexicon::builtin_cues(), tags.len()).unwrap();
    let name = "bert.encoder.layer.3.attention.self.query.weight";
    let get = |m: &TransformerModel| -> Vec<f32> {
        let vars = m.params.named();
        let (_, v) = vars.iter().find(|(n, _)| n == name).unwrap();
        v.flatten_all().unwrap().to_vec1().unwrap()
    };
    let (before, after) = (get(&fresh), get(&model));
    let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert!(
        changed > before.len() / 2,
        "{changed} of {} weights changed",
        before.len()
    );
}

fn transformer_config(path: PathBuf, freeze: bool) -> quotekit_model::Checked {
    let mut config = TrainConfig {
        model: ModelKind::Transformer,
        transformer: TransformerConfig {
            freeze,
            pooling: Pooling::Mean,
            head_hidden: 32,
            head_dilations: vec![1, 2],
            ..settings(path, 2)
        },
        ..TrainConfig::default()
    };
    config.data.train = sample_dir();
    config.data.dev = Some(sample_dir());
    config.check().unwrap()
}

/// The parameters of a transformer annotator, by name.
fn params(a: &Annotator) -> Vec<(String, Vec<f32>)> {
    a.tagger_as::<TransformerModel>()
        .expect("a transformer model")
        .params
        .named()
        .iter()
        .map(|(n, v)| (n.clone(), v.flatten_all().unwrap().to_vec1().unwrap()))
        .collect()
}

#[test]
fn save_load_predict_is_identical_and_resume_matches() {
    let Some(path) = encoder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = transformer_config(path, false);
    let options = TrainOptions {
        checkpoint_dir: Some(dir.path().join("checkpoint")),
        stop_after: Some(1),
        ..TrainOptions::default()
    };
    fit_with(&config, &options, |_| {}).unwrap();
    let resumed = fit_with(
        &config,
        &TrainOptions {
            resume: Some(dir.path().join("checkpoint")),
            ..TrainOptions::default()
        },
        |_| {},
    )
    .unwrap();
    let whole = fit_with(&config, &TrainOptions::default(), |_| {}).unwrap();
    assert!(
        params(&resumed.annotator) == params(&whole.annotator),
        "resuming after epoch 1 ends with the weights of an uninterrupted run"
    );
    let out = dir.path().join("model");
    save_annotator(&whole.annotator, &whole.header, &out).unwrap();
    for file in ["model.safetensors", "tokenizer.json", "encoder_config.json"] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    let (loaded, header) = load_annotator(&out).unwrap();
    assert_eq!(header.format, "quotekit-transformer");
    for doc in sample().iter().take(4) {
        let a = whole.annotator.annotate_scored(doc);
        let b = loaded.annotate_scored(doc);
        assert_eq!(a.document, b.document);
        assert_eq!(a.confidences, b.confidences);
    }
    // A tokenizer that is not the model's is refused.
    std::fs::write(out.join("tokenizer.json"), "{}").unwrap();
    let err = load_annotator(&out).unwrap_err().to_string();
    assert!(err.contains("tokenizer.json"), "{err}");
}

/// A run resumes by what its encoder folder holds, not by how
/// `transformer.path` is spelled: a copy of the folder elsewhere resumes to
/// the uninterrupted run's weights; a folder whose `config.json` or
/// `tokenizer.json` was edited (which had resumed, mixing epochs of two
/// encoders) is refused, naming the file (the same JSON written out again
/// is not), and so are other weights for a
/// frozen encoder, which the checkpoint does not hold (a fine-tuned one's
/// checkpoint does: its folder's weights are read over). (With the tiny
/// BERT of `tests/common/tiny_bert.rs`: runs everywhere.)
#[test]
fn a_run_resumes_by_its_encoders_files_not_the_paths_spelling() {
    resumes_by_the_encoders_files(false);
    resumes_by_the_encoders_files(true);
}

/// A config of the sample with the tiny BERT at `path`: small windows and
/// batches, `epochs`, the encoder fine-tuned or `freeze`.
fn tiny_bert_config(path: PathBuf, epochs: usize, freeze: bool) -> quotekit_model::Checked {
    let mut config = TrainConfig {
        model: ModelKind::Transformer,
        transformer: TransformerConfig {
            window: 32,
            stride: 24,
            batch_pieces: 512,
            learning_rate: 5e-3,
            encoder_learning_rate: 1e-3,
            freeze,
            ..settings(path, epochs)
        },
        ..TrainConfig::default()
    };
    config.data.train = sample_dir();
    config.check().unwrap()
}

fn resumes_by_the_encoders_files(freeze: bool) {
    let dir = tempfile::tempdir().unwrap();
    let bert = tiny_bert::tiny_bert(dir.path());
    let config_at = |path: PathBuf| tiny_bert_config(path, 2, freeze);
    let checkpoint = dir.path().join("checkpoint");
    let options = TrainOptions {
        checkpoint_dir: Some(checkpoint.clone()),
        stop_after: Some(1),
        ..TrainOptions::default()
    };
    fit_with(&config_at(bert.clone()), &options, |_| {}).unwrap();
    let copy = dir.path().join("elsewhere");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(&bert).unwrap() {
        let from = entry.unwrap().path();
        std::fs::copy(&from, copy.join(from.file_name().unwrap())).unwrap();
    }
    let resume = |path: &Path| {
        let options = TrainOptions {
            resume: Some(checkpoint.clone()),
            ..TrainOptions::default()
        };
        fit_with(&config_at(path.to_path_buf()), &options, |_| {})
    };
    let refused = |file: &str| {
        let e = resume(&copy).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "the encoder's {file} (in transformer.path) is not the one"
            )),
            "{freeze}: {e}"
        );
    };
    for (file, from, to) in [
        (
            "config.json",
            "\"num_attention_heads\": 2",
            "\"num_attention_heads\": 4",
        ),
        (
            "tokenizer.json",
            "\"lowercase\":true",
            "\"lowercase\":false",
        ),
    ] {
        let path = copy.join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        assert!(original.contains(from), "{original}");
        std::fs::write(&path, original.replace(from, to)).unwrap();
        refused(file);
        // The same JSON written out again (other spacing) is the same file.
        let value: serde_json::Value = serde_json::from_str(&original).unwrap();
        std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    }
    // Other weights: the lowest byte of the last value.
    let weights = copy.join("model.safetensors");
    let original = std::fs::read(&weights).unwrap();
    let mut other = original.clone();
    let at = other.len() - 4;
    other[at] ^= 1;
    std::fs::write(&weights, other).unwrap();
    if freeze {
        refused("model.safetensors");
        std::fs::write(&weights, original).unwrap();
    }
    let resumed = resume(&copy.join(".")).unwrap();
    let whole = fit_with(&config_at(bert), &TrainOptions::default(), |_| {}).unwrap();
    assert!(
        params(&resumed.annotator) == params(&whole.annotator),
        "{freeze}"
    );
}

#[test]
fn frozen_encoder_outputs_are_cached_and_reused() {
    let Some(path) = encoder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = transformer_config(path, true);
    let options = TrainOptions {
        cache_dir: Some(dir.path().to_path_buf()),
        ..TrainOptions::default()
    };
    let run = || {
        let mut events = (0, 0);
        let fitted = fit_with(&config, &options, |e| match e {
            TrainEvent::Encoding { .. } => events.0 += 1,
            TrainEvent::CacheRead(_) => events.1 += 1,
            _ => {}
        })
        .unwrap();
        (fitted, events)
    };
    let (first, (encoded, _)) = run();
    assert!(encoded > 0, "the first run encodes");
    let cached = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(cached, 2, "train and dev caches written");
    let (second, (encoded, cache_hits)) = run();
    assert_eq!(
        (encoded, cache_hits),
        (0, 2),
        "the second run reads both caches"
    );
    for ((n, x), (_, y)) in params(&first.annotator)
        .iter()
        .zip(&params(&second.annotator))
    {
        assert!(
            x == y,
            "{n} differs between the cached and the encoding run"
        );
    }
    // Frozen: the encoder is the pretrained one.
    let fresh =
        TransformerModel::from_folder(&config.transformer, Lexicon::builtin_cues(), 7).unwrap();
    let a = first.annotator.tagger_as::<TransformerModel>().unwrap();
    let w = |m: &TransformerModel| -> Vec<f32> {
        let vars = m.params.named();
        let (_, v) = vars
            .iter()
            .find(|(n, _)| n == "bert.embeddings.word_embeddings.weight")
            .unwrap();
        v.flatten_all().unwrap().to_vec1().unwrap()
    };
    assert!(w(a) == w(&fresh));
}

/// A tokenizer that makes most training words nothing but `[UNK]` (here: one
/// that takes no word of more than one character) is warned about, naming
/// the folder; the encoder's own is not.
#[test]
fn a_tokenizer_that_loses_the_words_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let bert = tiny_bert::tiny_bert(dir.path());
    let warnings = |path: &Path| {
        let config = tiny_bert_config(path.to_path_buf(), 1, false);
        let mut found = Vec::new();
        fit_with(&config, &TrainOptions::default(), |e| {
            if let TrainEvent::Warning(w) = e {
                found.push(w.clone());
            }
        })
        .unwrap();
        found
    };
    assert_eq!(warnings(&bert), Vec::<String>::new());
    let file = bert.join("tokenizer.json");
    let json = std::fs::read_to_string(&file).unwrap();
    let short = json.replace(
        "\"max_input_chars_per_word\":100",
        "\"max_input_chars_per_word\":1",
    );
    assert_ne!(short, json);
    std::fs::write(&file, short).unwrap();
    let found = warnings(&bert);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("training words")
            && found[0].contains("nothing but [UNK]")
            && found[0].contains(bert.to_str().unwrap()),
        "{}",
        found[0]
    );
}
