//! The CRF tagger end to end on the embedded sample corpus: it can fit its
//! training data, model files round-trip exactly, and every bad model file is
//! refused with a clear error.

mod common;

use common::{sample, sample_dir};
use quotekit_model::config::ModelKind;
use quotekit_model::crf::file::load as load_model;
use quotekit_model::crf::tagger::CrfTagger;
use quotekit_model::header::{format_name, FILE_NAME};
use quotekit_model::io::{write_tensors, TensorBytes};
use quotekit_model::{evaluate, fit, load_annotator, save_annotator, ModelError, TrainConfig};
use std::path::{Path, PathBuf};

fn small_config() -> TrainConfig {
    let mut config = TrainConfig::from_toml("[features]\nhash_bits = 16\n[training]\nc2 = 0.05\nmax_iterations = 80\neval_every = 20\npatience = 0\n").unwrap();
    config.data.train = sample_dir();
    config.data.dev = Some(sample_dir());
    config
}

#[test]
fn fits_the_sample_corpus_and_round_trips_through_a_model_file() {
    let fitted = fit(&small_config().check().unwrap(), |_| {}).unwrap();
    let dev = fitted.dev.as_ref().expect("a dev evaluation");
    assert!(
        dev.exact.micro.f1() > 0.9,
        "train-set exact micro F1 {}",
        dev.exact.micro.f1()
    );
    assert!(
        dev.attribution.f1() > 0.8,
        "train-set attribution F1 {}",
        dev.attribution.f1()
    );
    assert_eq!(
        fitted.header.training.best_dev_f1.map(|f| f > 0.9),
        Some(true)
    );

    let dir = tempfile::tempdir().unwrap();
    // A transformer model saved in the folder before: the CRF replaces it,
    // and its tokenizer and encoder config go.
    let replaced = serde_json::json!({ "format": format_name(ModelKind::Transformer) });
    let weights = [TensorBytes::new("w", vec![1], &[0.0])];
    write_tensors(
        &dir.path().join(FILE_NAME),
        &weights,
        Some(("quotekit", replaced.to_string())),
    )
    .unwrap();
    let others = ["tokenizer.json", "encoder_config.json"].map(|f| dir.path().join(f));
    for other in &others {
        std::fs::write(other, "{}").unwrap();
    }
    let path = save_annotator(&fitted.annotator, &fitted.header, dir.path()).unwrap();
    assert_eq!(path, dir.path().join(FILE_NAME));
    for other in &others {
        assert!(!other.exists(), "{} is left", other.display());
    }
    // Files of no model it replaced (an encoder's tokenizer beside a
    // weights file saved under its own name) stay.
    let encoder = tempfile::tempdir().unwrap();
    std::fs::write(encoder.path().join("tokenizer.json"), "{}").unwrap();
    save_annotator(
        &fitted.annotator,
        &fitted.header,
        &encoder.path().join("crf.safetensors"),
    )
    .unwrap();
    assert!(encoder.path().join("tokenizer.json").exists());
    let (loaded, header) = load_annotator(dir.path()).unwrap();
    // (The file holds neither the run's timings nor its thread count.)
    let mut expected = fitted.header.clone();
    expected.training.feature_seconds = 0.0;
    expected.training.train_seconds = 0.0;
    expected.config.training.threads = 0;
    assert_eq!(header, expected);
    let crf = |a: &quotekit_model::Annotator| a.tagger_as::<CrfTagger>().map(|c| c.model.clone());
    assert!(crf(&loaded).is_some());
    assert_eq!(crf(&loaded), crf(&fitted.annotator));
    for doc in sample() {
        let a = fitted.annotator.annotate(&doc);
        let b = loaded.annotate(&doc);
        assert_eq!(a.document, b.document, "{}", doc.id);
        assert_eq!(a.speaker_names, b.speaker_names);
        // Scoring adds a confidence per span and changes nothing else.
        let scored = loaded.annotate_scored(&doc);
        assert_eq!(scored.document, b.document);
        assert_eq!(scored.confidences.len(), scored.document.spans.len());
        assert!(
            scored
                .confidences
                .iter()
                .all(|c| *c > 0.0 && *c <= 1.0 + 1e-9),
            "{:?}",
            scored.confidences
        );
    }
}

#[test]
fn same_config_gives_the_same_model_whatever_the_thread_count() {
    let mut one = small_config();
    one.training.max_iterations = 15;
    one.training.threads = 1;
    let mut two = one.clone();
    two.training.threads = 2;
    let a = fit(&one.check().unwrap(), |_| {}).unwrap();
    let b = fit(&two.check().unwrap(), |_| {}).unwrap();
    let model =
        |f: &quotekit_model::Fitted| f.annotator.tagger_as::<CrfTagger>().unwrap().model.clone();
    assert_eq!(model(&a), model(&b));
    // And the same file, byte for byte: the header holds neither the thread
    // count nor the run's timings.
    let dir = tempfile::tempdir().unwrap();
    let saved = |f: &quotekit_model::Fitted, name: &str| {
        std::fs::read(save_annotator(&f.annotator, &f.header, &dir.path().join(name)).unwrap())
            .unwrap()
    };
    assert!(
        a.header.training.train_seconds > 0.0,
        "the report keeps the timings"
    );
    assert_eq!(saved(&a, "a"), saved(&b, "b"));
}

#[test]
fn gold_against_itself_scores_one_everywhere() {
    let docs = sample();
    let ev = evaluate(&docs, &docs, &quotekit_data::Tokenizer::new());
    for c in [
        ev.exact.micro,
        ev.overlap.micro,
        ev.attribution,
        ev.direct_quote_content,
    ] {
        assert_eq!(c.f1(), 1.0);
    }
    for role in [ev.exact.source, ev.exact.cue, ev.exact.content] {
        assert_eq!((role.precision(), role.recall()), (1.0, 1.0));
    }
}

fn saved_model(dir: &Path) -> PathBuf {
    let mut config = small_config();
    config.training.max_iterations = 3;
    config.data.dev = None;
    let fitted = fit(&config.check().unwrap(), |_| {}).unwrap();
    save_annotator(&fitted.annotator, &fitted.header, dir).unwrap()
}

/// A folder holds one model: its resolver is the folder's, so a second
/// weights file named into it is refused (it would share, and replace, the
/// first one's resolver); the same file again, or its own folder, is fine,
/// and a model directory given is written whatever else it holds.
#[test]
fn a_second_model_file_in_one_folder_is_refused() {
    let mut config = small_config();
    config.training.max_iterations = 3;
    config.data.dev = None;
    let fitted = fit(&config.check().unwrap(), |_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let save = |path: &Path| save_annotator(&fitted.annotator, &fitted.header, path);
    let a = dir.path().join("a.safetensors");
    assert_eq!(save(&a).unwrap(), a);
    assert!(dir.path().join("speakers.safetensors").is_file());
    assert_eq!(save(&a).unwrap(), a, "the same file again");
    let e = save(&dir.path().join("b.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a.safetensors beside it is another model") && e.contains("folder of its own"),
        "{e}"
    );
    assert!(!dir.path().join("b.safetensors").exists());
    let own = dir.path().join("b");
    assert_eq!(save(&own).unwrap(), own.join(FILE_NAME));
    std::fs::copy(own.join(FILE_NAME), own.join("backup.safetensors")).unwrap();
    assert_eq!(
        save(&own).unwrap(),
        own.join(FILE_NAME),
        "a retrain beside a backup"
    );
    // A header that is not the model's (another scheme's labels, another
    // kind's) is refused before anything is written.
    let other = dir.path().join("other");
    let refused = |edit: &dyn Fn(&mut quotekit_model::header::ModelHeader), said: &str| {
        let mut header = fitted.header.clone();
        edit(&mut header);
        let e = save_annotator(&fitted.annotator, &header, &other).unwrap_err();
        assert!(e.to_string().contains(said), "{e}");
    };
    refused(
        &|h| h.config.data.scheme = quotekit_data::TagScheme::Bilou,
        "the header does not describe this model (its labels are",
    );
    refused(
        &|h| h.config.model = quotekit_model::ModelKind::Neural,
        "(it describes a neural tagger, the model is a CRF)",
    );
    assert!(!other.exists());
    // (A FIFO named like weights is no model, and is not opened.)
    let fifo = dir.path().join("fifo");
    std::fs::create_dir(&fifo).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(fifo.join("x.safetensors"))
        .status();
    if made.is_ok_and(|s| s.success()) {
        let weights = fifo.join("y.safetensors");
        assert_eq!(save(&weights).unwrap(), weights);
    }
}

fn err(path: &Path) -> String {
    load_model(path).unwrap_err().to_string()
}

#[test]
fn bad_model_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let good = saved_model(dir.path());
    let bytes = std::fs::read(&good).unwrap();

    // Missing.
    let missing = dir.path().join("nowhere/model.safetensors");
    assert!(matches!(load_model(&missing), Err(ModelError::Io { .. })));

    // Truncated: in the data, and in the header.
    let cut = dir.path().join("cut.safetensors");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let msg = err(&cut);
    assert!(
        msg.contains("not a readable model file") && msg.contains("truncated"),
        "{msg}"
    );
    std::fs::write(&cut, &bytes[..5]).unwrap();
    assert!(matches!(load_model(&cut), Err(ModelError::Corrupt { .. })));
    // A file of no extension is read as a weights file, not taken for a folder.
    let bare = dir.path().join("bare");
    std::fs::write(&bare, &bytes).unwrap();
    assert!(load_annotator(&bare).is_ok());
    std::fs::write(&bare, &bytes[..5]).unwrap();
    let msg = load_annotator(&bare).unwrap_err().to_string();
    assert!(msg.contains("bare: not a readable model file"), "{msg}");

    // Foreign: a safetensors file without a quotekit header, and not safetensors at all.
    let foreign = dir.path().join("foreign.safetensors");
    let data = [0u8; 8];
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2], &data).unwrap();
    std::fs::write(
        &foreign,
        safetensors::serialize(vec![("x", view)], None).unwrap(),
    )
    .unwrap();
    let msg = err(&foreign);
    assert!(
        msg.ends_with("not a quotekit model (no `quotekit` header in the safetensors metadata)"),
        "{msg}"
    );
    std::fs::write(&foreign, b"{\"hello\": \"world\"} and more text").unwrap();
    assert!(matches!(
        load_model(&foreign),
        Err(ModelError::Corrupt { .. })
    ));

    // Another format name, a newer version, a header that does not parse.
    let newer = dir.path().join("newer.safetensors");
    write_with_header(&good, &newer, |v| v["format_version"] = 99.into());
    let msg = err(&newer);
    assert!(
        msg.contains("model format version 99 is newer than this quotekit supports (4)"),
        "{msg}"
    );
    let other = dir.path().join("other.safetensors");
    write_with_header(&good, &other, |v| v["format"] = "somebody-else".into());
    let msg = err(&other);
    assert!(
        msg.contains("not a quotekit model (header format is \"somebody-else\""),
        "{msg}"
    );
    let broken = dir.path().join("broken.safetensors");
    write_with_header(&good, &broken, |v| v["labels"] = 3.into());
    let msg = err(&broken);
    assert!(msg.contains("not a readable model file (header:"), "{msg}");

    // A header whose hash sizes disagree (the weights would not fit the features).
    let mismatch = dir.path().join("mismatch.safetensors");
    write_with_header(&good, &mismatch, |v| {
        v["config"]["features"]["hash_bits"] = 12.into()
    });
    let msg = err(&mismatch);
    assert!(
        msg.contains("hash_bits = 16") && msg.contains("features.hash_bits = 12"),
        "{msg}"
    );
    let msg = load_annotator(&mismatch).unwrap_err().to_string();
    assert!(msg.contains("features.hash_bits = 12"), "{msg}");

    // A config that training would refuse (an edited header): refused on
    // load, before a window of 2^40 tokens could allocate without end.
    let window = dir.path().join("window.safetensors");
    write_with_header(&good, &window, |v| {
        v["config"]["features"]["window"] = (1u64 << 40).into()
    });
    let msg = load_annotator(&window).unwrap_err().to_string();
    assert!(
        msg.contains("not a readable model file")
            && msg.contains("features.window = 1099511627776"),
        "{msg}"
    );
}

/// Copies the model at `from` to `to` with its JSON header edited by `edit`.
fn write_with_header(from: &Path, to: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let bytes = std::fs::read(from).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut value: serde_json::Value =
        serde_json::from_str(&meta.metadata().as_ref().unwrap()["quotekit"]).unwrap();
    edit(&mut value);
    let tensors: Vec<(String, safetensors::tensor::TensorView<'_>)> =
        st.tensors().into_iter().collect();
    let meta = std::collections::HashMap::from([("quotekit".to_string(), value.to_string())]);
    std::fs::write(to, safetensors::serialize(tensors, Some(meta)).unwrap()).unwrap();
}

/// Every config shipped in `configs/` reads, its values checked, with no
/// deprecated key (the search space through its own reader); and the BILOU
/// CRF config is the default CRF config but for its tags.
#[test]
fn every_shipped_config_reads() {
    let dir = common::root().join("configs");
    let mut read = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if text.lines().any(|l| l.starts_with("base =")) {
            quotekit_model::tune::space::SearchSpace::load(&path, &[])
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        } else {
            let (_, deprecated) =
                TrainConfig::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(deprecated.is_empty(), "{}: {deprecated:?}", path.display());
        }
        read += 1;
    }
    assert!(read >= 7, "{read} configs");
    let crf = TrainConfig::from_file(&dir.join("crf.toml")).unwrap();
    let mut bilou = TrainConfig::from_file(&dir.join("crf-bilou.toml")).unwrap();
    assert_eq!(bilou.data.scheme, quotekit_data::TagScheme::Bilou);
    bilou.data.scheme = crf.data.scheme;
    assert_eq!(bilou, crf);
}
