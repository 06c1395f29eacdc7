//! Starting the transformer tagger from a trained one (`transformer.init`):
//! every weight (the encoder, the head and the CRF layer) is the trained
//! model's, and training goes on with a new optimizer and schedule. So a
//! model can train for more epochs after its schedule has ended, or a model
//! trained on PolNeAR can be adapted to a newsroom's own annotated articles.

use crate::ensemble::EnsembleFile;
use crate::error::ModelError;
use crate::features::lexicon::Lexicon;
use crate::model_file::load_annotator_with;
use crate::transformer::config::TransformerConfig;
use crate::transformer::model::TransformerModel;
use candle_core::Tensor;
use std::path::Path;

/// The model a run of `settings` starts from: the pretrained encoder with a
/// new head, or the `init` model's weights. A resumed run (`resumed`) takes
/// every weight from its checkpoint once training starts, so it reads no
/// init model, except with a frozen encoder, whose outputs are cached
/// before that: the encoder must be the init model's already.
pub(crate) fn starting_model(
    settings: &TransformerConfig,
    cues: Lexicon,
    labels: &[String],
    resumed: bool,
) -> Result<TransformerModel, ModelError> {
    let mut model = TransformerModel::from_folder(settings, cues, labels.len())?;
    if let Some(path) = &settings.init {
        if !resumed || settings.freeze {
            init_from_model(&mut model, path, labels)?;
        }
    }
    Ok(model)
}

/// Copies the trained transformer model at `path` (a model directory or its
/// weights file) into `model`. It must have the same tags, the same encoder
/// (configuration and vocabulary), the same head settings and the same cue
/// lexicon; a mismatch is an error that names what differs.
pub fn init_from_model(
    model: &mut TransformerModel,
    path: &Path,
    labels: &[String],
) -> Result<(), ModelError> {
    let shown = path.display();
    let refuse = |what: String| ModelError::config(format!("transformer.init = {shown}: {what}"));
    if EnsembleFile::is_ensemble(path) {
        return Err(refuse(
            "an ensemble, not a transformer; name the transformer member's own directory".into(),
        ));
    }
    // (Its speaker resolver is not needed.)
    let (annotator, header) =
        load_annotator_with(path, false).map_err(|e| refuse(e.to_string()))?;
    let Some(trained) = annotator.tagger_as::<TransformerModel>() else {
        return Err(refuse(format!(
            "a {} model, not a transformer",
            header.format
        )));
    };
    if header.labels != labels {
        return Err(refuse(format!(
            "its tags {:?} differ from this config's {labels:?} (data.scheme)",
            header.labels
        )));
    }
    let encoder = model.config.path.display();
    if trained.bert_config != model.bert_config {
        return Err(refuse(format!(
            "it was fine-tuned from another encoder than transformer.path = {encoder} (its encoder_config.json differs)"
        )));
    }
    if trained.tokenizer.json != model.tokenizer.json {
        return Err(refuse(format!(
            "its tokenizer.json differs from the one in transformer.path = {encoder}"
        )));
    }
    let (a, b) = (&trained.config, &model.config);
    let head = [
        ("pooling", a.pooling != b.pooling),
        ("features", a.features != b.features),
        ("feature_dim", a.feature_dim != b.feature_dim),
        ("head_hidden", a.head_hidden != b.head_hidden),
        ("head_dilations", a.head_dilations != b.head_dilations),
    ];
    let differing: Vec<String> = head
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(key, _)| format!("transformer.{key}"))
        .collect();
    if !differing.is_empty() {
        return Err(refuse(format!(
            "its head was trained with other settings ({}); set them as it has them",
            differing.join(", ")
        )));
    }
    if trained.cues.hash() != model.cues.hash() {
        return Err(refuse(
            "its cue lexicon differs from this config's (features.lexicon)".to_string(),
        ));
    }
    let tensors: Vec<(String, Tensor)> = trained
        .params
        .named()
        .into_iter()
        .map(|(name, var)| (name, var.as_tensor().clone()))
        .collect();
    model
        .params
        .set(&tensors)
        .map_err(|e| ModelError::corrupt(path, format!("network: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tagger::SequenceTagger;
    use crate::transformer::fixtures::{header_of, tiny_encoder};
    use crate::transformer::model::WEIGHTS_FILE;
    use quotekit_data::{Document, Tokenizer};
    use std::path::PathBuf;

    fn labels() -> Vec<String> {
        quotekit_data::TagSet::new(quotekit_data::TagScheme::Bio).names()
    }

    /// The tiny encoder's settings, and a model of them (another seed)
    /// saved in `dir/trained`.
    fn trained_model(dir: &Path) -> (TransformerConfig, TransformerModel, PathBuf) {
        let settings = tiny_encoder(dir);
        let trained_settings = TransformerConfig {
            seed: 1,
            ..settings.clone()
        };
        let trained =
            TransformerModel::from_folder(&trained_settings, Lexicon::builtin_cues(), 7).unwrap();
        let out = dir.join("trained");
        std::fs::create_dir_all(&out).unwrap();
        trained
            .save(&header_of(&trained_settings), &out.join(WEIGHTS_FILE))
            .unwrap();
        (settings, trained, out)
    }

    /// A document to score, tokenized.
    fn sample() -> (Document, quotekit_data::Tokenized) {
        let doc = Document::new("d", "Ab said a b ab, ab b a. A ab b. ".repeat(3));
        let tok = Tokenizer::new().tokenize(&doc);
        (doc, tok)
    }

    /// A model started from a trained one tags exactly as it does; one of
    /// other tags or other head settings is refused, naming what differs.
    #[test]
    fn a_model_started_from_a_trained_one_has_its_weights() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, trained, out) = trained_model(dir.path());
        let (doc, tok) = sample();
        let scores = trained.word_emissions(&doc, &tok).unwrap();

        let mut fresh =
            TransformerModel::from_folder(&settings, Lexicon::builtin_cues(), 7).unwrap();
        assert_ne!(fresh.word_emissions(&doc, &tok).unwrap(), scores);
        init_from_model(&mut fresh, &out, &labels()).unwrap();
        assert_eq!(fresh.word_emissions(&doc, &tok).unwrap(), scores);

        let mut other =
            TransformerModel::from_folder(&settings, Lexicon::builtin_cues(), 7).unwrap();
        let e = init_from_model(&mut other, &out, &labels()[..5])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("transformer.init") && e.contains("data.scheme"),
            "{e}"
        );
        let wider = TransformerConfig {
            feature_dim: 8,
            ..settings.clone()
        };
        let mut other = TransformerModel::from_folder(&wider, Lexicon::builtin_cues(), 7).unwrap();
        let e = init_from_model(&mut other, &out, &labels())
            .unwrap_err()
            .to_string();
        assert!(e.contains("transformer.feature_dim"), "{e}");
        let ensemble = dir.path().join("ensemble");
        std::fs::create_dir_all(&ensemble).unwrap();
        std::fs::write(ensemble.join(crate::ensemble::ENSEMBLE_FILE), "").unwrap();
        let e = init_from_model(&mut other, &ensemble, &labels())
            .unwrap_err()
            .to_string();
        assert!(e.contains("an ensemble, not a transformer"), "{e}");
    }

    /// A resumed run reads no init model (its checkpoint has every weight),
    /// except with a frozen encoder, whose outputs are cached from the init
    /// model's encoder before the checkpoint is read.
    #[test]
    fn a_resumed_run_with_a_frozen_encoder_starts_from_the_init_model() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, trained, out) = trained_model(dir.path());
        let (doc, tok) = sample();
        let scores = |settings: &TransformerConfig, resumed: bool| {
            starting_model(settings, Lexicon::builtin_cues(), &labels(), resumed)
                .unwrap()
                .word_emissions(&doc, &tok)
                .unwrap()
        };
        let started = trained.word_emissions(&doc, &tok).unwrap();
        let fresh = scores(&settings, false);
        assert_ne!(fresh, started);
        for freeze in [false, true] {
            let from = TransformerConfig {
                init: Some(out.clone()),
                freeze,
                ..settings.clone()
            };
            assert_eq!(scores(&from, false), started, "freeze = {freeze}");
            let resumed = if freeze { &started } else { &fresh };
            assert_eq!(&scores(&from, true), resumed, "freeze = {freeze}");
        }
        // Not read when resuming without a frozen encoder: it may be gone.
        let gone = TransformerConfig {
            init: Some(dir.path().join("gone")),
            ..settings.clone()
        };
        assert_eq!(scores(&gone, true), fresh);
        assert!(starting_model(&gone, Lexicon::builtin_cues(), &labels(), false).is_err());
    }
}
