//! End-to-end tests of the neural tagger on the embedded sample corpus:
//! save → load → predict, resume from a checkpoint, model-file errors.

mod common;

use common::{sample, sample_dir};
use quotekit_data::formats::jsonl::to_json_line;
use quotekit_data::Role;
use quotekit_model::features::config::Template;
use quotekit_model::neural::config::{NetworkConfig, NeuralConfig};
use quotekit_model::neural::model::NeuralModel;
use quotekit_model::training::events::TrainEvent;
use quotekit_model::training::options::TrainOptions;
use quotekit_model::{fit_with, load_annotator, save_annotator, Fitted, ModelError};
use quotekit_model::{Checked, ModelKind, TrainConfig};

/// A small network that trains in seconds.
fn small_config(epochs: usize) -> Checked {
    small_train_config(epochs).check().unwrap()
}

/// [`small_config`], unchecked.
fn small_train_config(epochs: usize) -> TrainConfig {
    let mut config = TrainConfig {
        model: ModelKind::Neural,
        neural: NeuralConfig {
            vocab_size: 400,
            network: NetworkConfig {
                piece_dim: 24,
                char_channels: 16,
                hidden: 32,
                dilations: vec![1, 2, 4],
                sparse_dim: 16,
                sparse_bits: 12,
                dropout: 0.1,
                ..NetworkConfig::default()
            },
            window: 64,
            batch_words: 256,
            epochs,
            patience: 0,
            learning_rate: 5e-3,
            average: 0.9,
            ..NeuralConfig::default()
        },
        ..TrainConfig::default()
    };
    config.data.train = sample_dir();
    config.data.dev = Some(sample_dir());
    config.training.threads = 2;
    config
}

fn parameters(fitted: &Fitted) -> Vec<(String, Vec<f32>)> {
    fitted
        .annotator
        .tagger_as::<NeuralModel>()
        .expect("a neural model")
        .params
        .named()
        .into_iter()
        .map(|(n, v)| (n, v.as_tensor().flatten_all().unwrap().to_vec1().unwrap()))
        .collect()
}

fn epochs(events: &[TrainEvent]) -> Vec<(usize, f64, Option<f64>)> {
    events
        .iter()
        .filter_map(|e| match e {
            TrainEvent::Epoch(r) => Some((r.epoch, r.loss, r.dev_f1)),
            _ => None,
        })
        .collect()
}

#[test]
fn save_load_predict_is_identical_and_bad_files_are_refused() {
    let fitted = fit_with(&small_config(4), &TrainOptions::default(), |_| {}).unwrap();
    assert!(fitted.dev.is_some());
    let dir = tempfile::tempdir().unwrap();
    let model_dir = dir.path().join("model");
    save_annotator(&fitted.annotator, &fitted.header, &model_dir).unwrap();
    assert!(model_dir.join("tokenizer.json").is_file());
    let (loaded, header) = load_annotator(&model_dir).unwrap();
    assert_eq!(header.format, "quotekit-neural");
    // (The file holds no thread count: the model is the same on any.)
    let mut config = fitted.header.config.clone();
    config.training.threads = 0;
    assert_eq!(header.config, config);
    let mut spans = 0;
    for doc in sample() {
        let a = fitted.annotator.annotate_scored(&doc);
        let b = loaded.annotate_scored(&doc);
        assert_eq!(a.document, b.document, "{}", doc.id);
        assert_eq!(a.confidences, b.confidences, "{}", doc.id);
        spans += b.document.spans.len();
    }
    assert!(spans > 0, "the trained model tags something");

    // A tokenizer.json from another model is refused, naming the file.
    let tokenizer = model_dir.join("tokenizer.json");
    let original = std::fs::read_to_string(&tokenizer).unwrap();
    std::fs::write(&tokenizer, original.replacen("[UNK]", "[UNKNOWN]", 1)).unwrap();
    let msg = load_annotator(&model_dir).unwrap_err().to_string();
    assert!(
        msg.contains("tokenizer.json: not the tokenizer.json this model's weights were saved with")
            && msg.contains("files of two saves"),
        "{msg}"
    );
    std::fs::remove_file(&tokenizer).unwrap();
    let e = load_annotator(&model_dir);
    assert!(matches!(e, Err(ModelError::Io { .. })));
    let msg = e.unwrap_err().to_string();
    assert!(
        msg.contains("tokenizer.json") && msg.contains("copy the model directory whole"),
        "{msg}"
    );
    std::fs::write(&tokenizer, original).unwrap();
    // A truncated weights file.
    let weights = model_dir.join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() - 100]).unwrap();
    let msg = load_annotator(&model_dir).unwrap_err().to_string();
    assert!(msg.contains("not a readable model file"), "{msg}");
    std::fs::write(&weights, &bytes).unwrap();
    assert!(load_annotator(&model_dir).is_ok());
}

/// Saves `fitted` in `dir` with `key` taken out of its header's network
/// section, as quotekit wrote headers before the key existed (format
/// version 3, the last without `sparse_templates`); returns the model
/// directory and the value taken out.
fn saved_without_network_key(
    fitted: &Fitted,
    dir: &std::path::Path,
    key: &str,
) -> (std::path::PathBuf, serde_json::Value) {
    let model_dir = dir.join("model");
    save_annotator(&fitted.annotator, &fitted.header, &model_dir).unwrap();
    let file = model_dir.join("model.safetensors");
    let bytes = std::fs::read(&file).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut header: serde_json::Value =
        serde_json::from_str(&meta.metadata().as_ref().unwrap()["quotekit"]).unwrap();
    let network = header["config"]["neural"]["network"]
        .as_object_mut()
        .unwrap();
    let removed = network.remove(key).expect("the key is saved");
    header["format_version"] = 3.into();
    let meta = std::collections::HashMap::from([("quotekit".to_string(), header.to_string())]);
    std::fs::write(
        &file,
        safetensors::serialize(st.tensors(), Some(meta)).unwrap(),
    )
    .unwrap();
    (model_dir, removed)
}

/// The model at `model_dir` tags the sample as `fitted` does (spans and
/// confidences); returns its header.
fn loads_and_tags_as(fitted: &Fitted, model_dir: &std::path::Path) -> quotekit_model::ModelHeader {
    let (loaded, header) = load_annotator(model_dir).unwrap();
    for doc in sample() {
        let (a, b) = (
            fitted.annotator.annotate_scored(&doc),
            loaded.annotate_scored(&doc),
        );
        assert_eq!(a.document, b.document, "{}", doc.id);
        assert_eq!(a.confidences, b.confidences, "{}", doc.id);
    }
    header
}

/// A neural model saved before the network had a wide path (its header's
/// network section has no `wide` key, as quotekit wrote it then; today's
/// default is a wide path) loads as the network it is, and tags as it did.
#[test]
fn a_model_saved_before_the_wide_path_loads_without_one() {
    let mut config = small_train_config(1);
    config.neural.network.wide = false;
    config.data.dev = None;
    let fitted = fit_with(&config.check().unwrap(), &TrainOptions::default(), |_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (model_dir, removed) = saved_without_network_key(&fitted, dir.path(), "wide");
    assert_eq!(removed, serde_json::Value::from(false));
    let header = loads_and_tags_as(&fitted, &model_dir);
    assert!(!header.config.neural.network.wide);
}

/// A model of a wide path whose header says it has none (as a header
/// edited would) is refused naming the weights it would leave unused,
/// rather than tagging without them.
#[test]
fn a_header_that_leaves_out_weights_the_file_holds_is_refused() {
    let mut config = small_train_config(1);
    config.data.dev = None;
    assert!(config.neural.network.wide);
    let fitted = fit_with(&config.check().unwrap(), &TrainOptions::default(), |_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (model_dir, removed) = saved_without_network_key(&fitted, dir.path(), "wide");
    assert_eq!(removed, serde_json::Value::from(true));
    let e = load_annotator(&model_dir).unwrap_err().to_string();
    assert!(
        e.contains("holds tensors its settings make no part of the network for (network.wide"),
        "{e}"
    );
}

/// A neural model saved before `sparse_templates` (its header has none;
/// today's default hashes every template, `clause` among them) hashes the
/// templates there were before `clause`, and tags as it did.
#[test]
fn a_model_saved_before_sparse_templates_hashes_the_templates_of_before() {
    let mut config = small_train_config(1);
    config.neural.network.sparse_templates = Template::BEFORE_CLAUSE.to_vec();
    config.data.dev = None;
    let fitted = fit_with(&config.check().unwrap(), &TrainOptions::default(), |_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (model_dir, _) = saved_without_network_key(&fitted, dir.path(), "sparse_templates");
    let header = loads_and_tags_as(&fitted, &model_dir);
    assert_eq!(
        header.config.neural.network.sparse_templates,
        Template::BEFORE_CLAUSE
    );
}

/// A checkpoint written before `sparse_templates` is refused under today's
/// default templates, the message giving the list to set; set so, the run
/// resumes to the model of a run never stopped.
#[test]
fn a_checkpoint_from_before_sparse_templates_resumes_with_the_templates_it_gives() {
    let mut before = small_train_config(2);
    before.neural.network.sparse_templates = Template::BEFORE_CLAUSE.to_vec();
    let before = before.check().unwrap();
    let (whole, dir) = whole_and_stopped_after_one_epoch(&before);
    let checkpoint = dir.path().join("checkpoint");
    // The key taken out of the checkpoint's config, as quotekit wrote it then.
    let file = checkpoint.join("checkpoint.safetensors");
    let bytes = std::fs::read(&file).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let key = "quotekit-checkpoint";
    let mut meta: serde_json::Value =
        serde_json::from_str(&meta.metadata().as_ref().unwrap()[key]).unwrap();
    let network = meta["config"]["network"].as_object_mut().unwrap();
    assert!(network.remove("sparse_templates").is_some());
    let meta = std::collections::HashMap::from([(key.to_string(), meta.to_string())]);
    std::fs::write(
        &file,
        safetensors::serialize(st.tensors(), Some(meta)).unwrap(),
    )
    .unwrap();
    let options = TrainOptions {
        resume: Some(checkpoint),
        ..TrainOptions::default()
    };
    let e = fit_with(&small_config(2), &options, |_| {})
        .unwrap_err()
        .to_string();
    let listed: Vec<String> = Template::BEFORE_CLAUSE
        .iter()
        .map(|t| serde_json::to_string(t).unwrap())
        .collect();
    let wanted = format!("neural.network.sparse_templates = [{}]", listed.join(","));
    assert!(e.contains(&wanted), "{e}");
    let resumed = fit_with(&before, &options, |_| {}).unwrap();
    assert_eq!(parameters(&resumed), parameters(&whole));
}

/// A run whose interrupt is set (as Python's Ctrl-C sets it) stops after
/// the batch or iteration under way with `Interrupted`: the network at its
/// first batch, the CRF at its first iteration.
#[test]
fn an_interrupt_stops_training_at_the_next_batch_or_iteration() {
    let mut crf = TrainConfig::default();
    crf.data.train = sample_dir();
    crf.training.max_iterations = 50;
    for (config, stop_at) in [
        (small_config(3), "batch"),
        (crf.clone().check().unwrap(), "iteration"),
    ] {
        let options = TrainOptions::default();
        let mut seen = 0;
        let result = fit_with(&config, &options, |e| {
            if matches!(e, TrainEvent::Batch { .. } | TrainEvent::Iteration { .. }) {
                seen += 1;
                options.interrupt.set();
            }
        });
        assert!(matches!(result, Err(ModelError::Interrupted)), "{stop_at}");
        assert_eq!(seen, 1, "{stop_at}");
    }
    // Set before training begins (while the corpora were read), it stops
    // the run before any iteration.
    let options = TrainOptions::default();
    options.interrupt.set();
    let mut iterations = 0;
    let result = fit_with(&crf.check().unwrap(), &options, |e| {
        iterations += usize::from(matches!(e, TrainEvent::Iteration { .. }));
    });
    assert!(matches!(result, Err(ModelError::Interrupted)));
    assert_eq!(iterations, 0);
}

#[test]
fn resuming_from_a_checkpoint_equals_an_uninterrupted_run() {
    let config = small_config(3);
    let dir = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    let mut a_events = Vec::new();
    let a = fit_with(
        &config,
        &TrainOptions {
            checkpoint_dir: Some(a_dir.clone()),
            ..TrainOptions::default()
        },
        |e| a_events.push(e.clone()),
    )
    .unwrap();
    assert!(a_dir.join("checkpoint.safetensors").is_file());

    // Interrupted after one epoch, then resumed.
    let mut b_events = Vec::new();
    let b1 = fit_with(
        &config,
        &TrainOptions {
            checkpoint_dir: Some(b_dir.clone()),
            stop_after: Some(1),
            ..TrainOptions::default()
        },
        |e| b_events.push(e.clone()),
    )
    .unwrap();
    assert_eq!(b1.header.training.iterations, 1);
    assert_ne!(parameters(&b1), parameters(&a), "one epoch is not three");
    let b = fit_with(
        &config,
        &TrainOptions {
            checkpoint_dir: Some(b_dir.clone()),
            resume: Some(b_dir.clone()),
            ..TrainOptions::default()
        },
        |e| b_events.push(e.clone()),
    )
    .unwrap();
    assert_eq!(epochs(&a_events), epochs(&b_events));
    assert_eq!(epochs(&a_events).len(), 3);
    assert_eq!(parameters(&a), parameters(&b));
    assert_eq!(a.header.training.best_dev_f1, b.header.training.best_dev_f1);
    for doc in sample() {
        assert_eq!(
            a.annotator.annotate(&doc).document,
            b.annotator.annotate(&doc).document
        );
    }

    // Other settings are refused, naming the key.
    let refusal = |other: TrainConfig| {
        fit_with(
            &other.check().unwrap(),
            &TrainOptions {
                resume: Some(b_dir.clone()),
                ..TrainOptions::default()
            },
            |_| {},
        )
        .unwrap_err()
        .to_string()
    };
    let mut other = config.clone().into_inner();
    other.neural.learning_rate = 1e-3;
    let msg = refusal(other);
    assert!(msg.contains("neural.learning_rate"), "{msg}");

    // So is a training corpus of the same size with other annotations (the
    // sample without its cues), and another dev corpus.
    let cueless = dir.path().join("cueless.jsonl");
    let lines: String = sample()
        .into_iter()
        .map(|mut d| {
            d.spans.retain(|s| s.role != Role::Cue);
            d.attributions.iter_mut().for_each(|a| a.cue = None);
            to_json_line(&d) + "\n"
        })
        .collect();
    std::fs::write(&cueless, lines).unwrap();
    let first_two = dir.path().join("dev.jsonl");
    let lines: String = sample()
        .iter()
        .take(2)
        .map(|d| to_json_line(d) + "\n")
        .collect();
    std::fs::write(&first_two, lines).unwrap();
    let (mut other_train, mut other_dev) =
        (config.clone().into_inner(), config.clone().into_inner());
    other_train.data.train = cueless;
    other_dev.data.dev = Some(first_two);
    for other in [other_train, other_dev] {
        let msg = refusal(other);
        assert!(msg.contains("other training or dev documents"), "{msg}");
    }
}

/// Rewrites a training checkpoint as format version 1 wrote it: format
/// `quotekit-neural-checkpoint`, the network's settings under `encoder`, its
/// parameters (and their moments, averages and best values) under `encoder.*`.
fn as_version_1(file: &std::path::Path) {
    let bytes = std::fs::read(file).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let key = "quotekit-checkpoint";
    let mut meta: serde_json::Value =
        serde_json::from_str(&meta.metadata().as_ref().unwrap()[key]).unwrap();
    meta["format"] = "quotekit-neural-checkpoint".into();
    meta["format_version"] = 1.into();
    let config = meta["config"].as_object_mut().unwrap();
    let network = config.remove("network").unwrap();
    config.insert("encoder".into(), network);
    let tensors: Vec<(String, safetensors::tensor::TensorView<'_>)> = st
        .tensors()
        .into_iter()
        .map(|(name, view)| (name.replacen("/network.", "/encoder.", 1), view))
        .collect();
    let meta = std::collections::HashMap::from([(key.to_string(), meta.to_string())]);
    std::fs::write(file, safetensors::serialize(tensors, Some(meta)).unwrap()).unwrap();
}

/// `config` trained whole, and trained again stopped after its first epoch
/// with a checkpoint in `checkpoint` of the folder returned.
fn whole_and_stopped_after_one_epoch(config: &Checked) -> (Fitted, tempfile::TempDir) {
    let whole = fit_with(config, &TrainOptions::default(), |_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = TrainOptions {
        checkpoint_dir: Some(dir.path().join("checkpoint")),
        stop_after: Some(1),
        ..TrainOptions::default()
    };
    fit_with(config, &options, |_| {}).unwrap();
    (whole, dir)
}

#[test]
fn a_checkpoint_of_format_version_1_resumes_to_the_same_model() {
    let config = small_config(2);
    let (whole, dir) = whole_and_stopped_after_one_epoch(&config);
    let checkpoint = dir.path().join("checkpoint");
    as_version_1(&checkpoint.join("checkpoint.safetensors"));
    let options = TrainOptions {
        resume: Some(checkpoint),
        ..TrainOptions::default()
    };
    let resumed = fit_with(&config, &options, |_| {}).unwrap();
    assert_eq!(parameters(&resumed), parameters(&whole));
}

#[test]
fn a_checkpoint_with_a_short_optimiser_tensor_is_refused_naming_it() {
    let config = small_config(2);
    let dir = tempfile::tempdir().unwrap();
    let options = TrainOptions {
        checkpoint_dir: Some(dir.path().to_path_buf()),
        stop_after: Some(1),
        ..TrainOptions::default()
    };
    fit_with(&config, &options, |_| {}).unwrap();
    let file = dir.path().join("checkpoint.safetensors");
    let bytes = std::fs::read(&file).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let short = [0u8; 4];
    let tensors: Vec<(String, safetensors::tensor::TensorView<'_>)> = st
        .tensors()
        .into_iter()
        .map(|(name, view)| match name.as_str() {
            "m/network.output.bias" => {
                let v =
                    safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![1], &short);
                (name, v.unwrap())
            }
            _ => (name, view),
        })
        .collect();
    let meta = meta.metadata().clone();
    std::fs::write(&file, safetensors::serialize(tensors, meta).unwrap()).unwrap();
    let options = TrainOptions {
        resume: Some(file),
        ..TrainOptions::default()
    };
    let e = fit_with(&config, &options, |_| {}).unwrap_err().to_string();
    assert!(
        e.contains("checkpoint.safetensors")
            && e.contains("tensor `m/network.output.bias` has 1 values"),
        "{e}"
    );
}
