//! End-to-end tests of the pretrained-encoder tagger. They need the encoder
//! unpacked by `quotekit fetch-encoder` into `models/all-MiniLM-L6-v2` (or a
//! folder named by `QUOTEKIT_ENCODER`); without it each test says so and
//! passes without checking anything, so the suite runs on any machine.

use quotekit_data::{load_corpus, Document, Format, LoadOptions, TagScheme, TagSet};
use quotekit_model::annotator::Tagger;
use quotekit_model::config::{CrfConfig, ModelKind};
use quotekit_model::lexicon::Lexicon;
use quotekit_model::neural::TrainOptions;
use quotekit_model::pretrained::{train_encoder, EncoderModel, EncoderSettings, Pooling};
use quotekit_model::train::TrainEvent;
use quotekit_model::{fit_with, load_annotator, save_annotator};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The encoder folder, or `None` (with a message) when it is not there.
fn encoder() -> Option<PathBuf> {
    let dir = std::env::var_os("QUOTEKIT_ENCODER")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("models/all-MiniLM-L6-v2"));
    if dir.join("model.safetensors").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: no pretrained encoder in {} — run `cargo run --release -- fetch-encoder` to test it",
            dir.display()
        );
        None
    }
}

fn sample() -> Vec<Document> {
    load_corpus(
        &root().join("datasets/sample"),
        Format::Brat,
        &LoadOptions::default(),
    )
    .unwrap()
    .documents
}

/// Small windows and batches, so that documents span several windows.
fn settings(path: PathBuf, epochs: usize) -> EncoderSettings {
    EncoderSettings {
        path,
        window: 64,
        stride: 40,
        batch_pieces: 1 << 16,
        epochs,
        patience: 0,
        learning_rate: 1e-2,
        encoder_learning_rate: 1e-4,
        warmup: 0.0,
        ..EncoderSettings::default()
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
    let model = EncoderModel::from_folder(&settings(path, 1), Lexicon::builtin_cues(), 7).unwrap();
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
    let device = model.device().clone();
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
    let model = EncoderModel::from_folder(&settings(path, 1), Lexicon::builtin_cues(), 7).unwrap();
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
    let mut losses = Vec::new();
    let (model, _) = train_encoder(
        &s,
        &tags,
        &docs,
        &[],
        Lexicon::builtin_cues(),
        &TrainOptions::default(),
        |e| {
            if let TrainEvent::Batch { loss, .. } = e {
                losses.push(*loss);
            }
        },
    )
    .unwrap();
    // One batch per epoch: two updates; the second batch's loss is after the first update.
    assert_eq!(losses.len(), 2);
    assert!(losses[1] < losses[0], "losses {losses:?}");
    let fresh = EncoderModel::from_folder(&s, Lexicon::builtin_cues(), tags.len()).unwrap();
    let name = "bert.encoder.layer.3.attention.self.query.weight";
    let get = |m: &EncoderModel| -> Vec<f32> {
        let vars = m.named_vars();
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

fn encoder_config(path: PathBuf, freeze: bool) -> CrfConfig {
    let mut config = CrfConfig {
        model: ModelKind::Encoder,
        encoder: EncoderSettings {
            freeze,
            pooling: Pooling::Mean,
            head_hidden: 32,
            head_dilations: vec![1, 2],
            ..settings(path, 2)
        },
        ..CrfConfig::default()
    };
    config.data.train = root().join("datasets/sample");
    config.data.dev = Some(root().join("datasets/sample"));
    config
}

#[test]
fn save_load_predict_is_identical_and_resume_matches() {
    let Some(path) = encoder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = encoder_config(path, false);
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
    let params = |t: &Tagger| -> Vec<Vec<f32>> {
        let Tagger::Encoder(m) = t else {
            panic!("not an encoder model")
        };
        m.named_vars()
            .iter()
            .map(|(_, v)| v.flatten_all().unwrap().to_vec1().unwrap())
            .collect()
    };
    assert!(
        params(&resumed.annotator.tagger) == params(&whole.annotator.tagger),
        "resuming after epoch 1 ends with the weights of an uninterrupted run"
    );
    let out = dir.path().join("model");
    save_annotator(&whole.annotator, &whole.header, &out).unwrap();
    for file in ["model.safetensors", "tokenizer.json", "encoder_config.json"] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    let (loaded, header) = load_annotator(&out).unwrap();
    assert_eq!(header.format, "quotekit-encoder");
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

#[test]
fn frozen_encoder_outputs_are_cached_and_reused() {
    let Some(path) = encoder() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = encoder_config(path, true);
    let options = TrainOptions {
        cache_dir: Some(dir.path().to_path_buf()),
        ..TrainOptions::default()
    };
    let run = || {
        let mut events = (0, 0);
        let fitted = fit_with(&config, &options, |e| match e {
            TrainEvent::Encoding { .. } => events.0 += 1,
            TrainEvent::Cache(_) => events.1 += 1,
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
    let Tagger::Encoder(a) = &first.annotator.tagger else {
        panic!()
    };
    let Tagger::Encoder(b) = &second.annotator.tagger else {
        panic!()
    };
    for ((n, x), (_, y)) in a.named_vars().iter().zip(b.named_vars().iter()) {
        let (x, y): (Vec<f32>, Vec<f32>) = (
            x.flatten_all().unwrap().to_vec1().unwrap(),
            y.flatten_all().unwrap().to_vec1().unwrap(),
        );
        assert!(
            x == y,
            "{n} differs between the cached and the encoding run"
        );
    }
    // Frozen: the encoder is the pretrained one.
    let fresh = EncoderModel::from_folder(&config.encoder, Lexicon::builtin_cues(), 7).unwrap();
    let w = |m: &EncoderModel| -> Vec<f32> {
        let vars = m.named_vars();
        let (_, v) = vars
            .iter()
            .find(|(n, _)| n == "bert.embeddings.word_embeddings.weight")
            .unwrap();
        v.flatten_all().unwrap().to_vec1().unwrap()
    };
    assert!(w(a) == w(&fresh));
}
