//! Where a transformer model comes from: a pretrained encoder folder (its
//! `config.json`, `tokenizer.json` and `model.safetensors`, as Hugging Face
//! ships them) when training starts, or a quotekit model directory (the
//! weights file with the fine-tuned encoder, head and CRF; the encoder's
//! `tokenizer.json` and `encoder_config.json` beside it). Every file that
//! does not fit is an error naming it.

use crate::config::ModelKind;
use crate::error::ModelError;
use crate::features::lexicon::Lexicon;
use crate::header::ModelHeader;
use crate::nn::DTYPE;
use crate::transformer::config::TransformerConfig;
use crate::transformer::folder::EncoderFolder;
use crate::transformer::model::{
    check_window, TransformerModel, ENCODER_CONFIG_FILE, WEIGHTS_FILE,
};
use crate::transformer::pieces::PieceTokenizer;
use candle_core::{DType, Device, Tensor};
use std::collections::HashMap;
use std::path::Path;

impl TransformerModel {
    /// The model of a model file's bytes, whose header has been read; the
    /// encoder's tokenizer and configuration are the files beside it.
    pub fn load(
        bytes: &[u8],
        header: &ModelHeader,
        file: &Path,
    ) -> std::result::Result<Self, ModelError> {
        header.expect_kind(ModelKind::Transformer, file)?;
        header
            .config
            .transformer
            .validate()
            .map_err(|e| ModelError::corrupt(file, format!("settings: {e}")))?;
        let (json, tokenizer_file) = header.read_tokenizer(file)?;
        let tokenizer = PieceTokenizer::from_json(&json, &tokenizer_file)?;
        let config_file = file
            .parent()
            .unwrap_or(Path::new("."))
            .join(ENCODER_CONFIG_FILE);
        crate::header::require_beside(&config_file, "its encoder's settings")?;
        let config = crate::io::read_text(&config_file)?;
        header.check_file(&config_file, &config)?;
        let mut model = Self::unseeded(
            &header.config.transformer,
            &config,
            &config_file,
            tokenizer,
            header.cues(),
            header.labels.len(),
        )?;
        // (Tensors no parameter takes are let be here, unlike the neural
        // tagger's: its files were not checked against every encoder and
        // precision they are saved with.)
        model.params.read(bytes, file, header.format_version)?;
        Ok(model)
    }

    /// Builds the model from the encoder folder `config.path` (its
    /// `config.json`, `tokenizer.json` and `model.safetensors`).
    pub fn from_folder(
        config: &TransformerConfig,
        cues: Lexicon,
        labels: usize,
    ) -> std::result::Result<Self, ModelError> {
        let folder = EncoderFolder::read(config)?;
        let file = config.path.join(WEIGHTS_FILE);
        let tensors = read_pretrained(&file)?;
        // (Before the encoder is built: a config.json of a far larger
        // encoder would take its memory first. Smaller differences are
        // named tensor by tensor.)
        let held: u64 = tensors.values().map(|t| t.elem_count() as u64).sum();
        let described = folder.bert_config.weights();
        if described > held.saturating_mul(2) {
            return Err(ModelError::Config {
                path: Some(file),
                message: format!(
                    "holds {held} weights, and {} describes an encoder of {described}; the two files are of different encoders",
                    folder.config_path.display()
                ),
            });
        }
        let mut model = Self::new(
            config,
            &folder.json,
            &folder.config_path,
            folder.tokenizer,
            cues,
            labels,
        )?;
        model.set_pretrained(&tensors, &file)?;
        Ok(model)
    }

    /// Checks the encoder folder `config.path` as [`TransformerModel::from_folder`]
    /// does before it reads the weights (the files are there, the config and
    /// tokenizer read and agree, `config.window` fits the encoder), without
    /// building the encoder: what a search checks before its first trial.
    pub fn check_folder(config: &TransformerConfig) -> std::result::Result<(), ModelError> {
        let folder = EncoderFolder::read(config)?;
        check_window(config, &folder.bert_config)
    }

    /// Sets the `bert.*` parameters from a Hugging Face `model.safetensors`
    /// (names with or without a `bert.` prefix; F32, F16, BF16 or F64).
    pub fn load_pretrained(&mut self, file: &Path) -> std::result::Result<(), ModelError> {
        self.set_pretrained(&read_pretrained(file)?, file)
    }

    /// Sets the `bert.*` parameters from the tensors of `file`, each of the
    /// shape the config gives it and every value finite (and at most
    /// [`crate::io::MAX_MAGNITUDE`]).
    fn set_pretrained(
        &mut self,
        tensors: &HashMap<String, Tensor>,
        file: &Path,
    ) -> std::result::Result<(), ModelError> {
        for (name, var) in self.params.named() {
            let Some(key) = name.strip_prefix("bert.") else {
                continue;
            };
            let t = tensors
                .get(key)
                .or_else(|| tensors.get(&name))
                .ok_or_else(|| ModelError::corrupt(file, format!("no tensor `{key}`")))?;
            if t.dims() != var.dims() {
                return Err(ModelError::corrupt(
                    file,
                    format!(
                        "tensor `{key}` has shape {:?}, the encoder config expects {:?}",
                        t.dims(),
                        var.dims()
                    ),
                ));
            }
            if !matches!(
                t.dtype(),
                DType::F32 | DType::F16 | DType::BF16 | DType::F64
            ) {
                return Err(ModelError::corrupt(
                    file,
                    format!(
                        "tensor `{key}` is {:?}; an encoder's weights are F32, F16, BF16 or F64",
                        t.dtype()
                    ),
                ));
            }
            let fail =
                |e: candle_core::Error| ModelError::corrupt(file, format!("tensor `{key}`: {e}"));
            let t = t.to_dtype(DTYPE).map_err(fail)?;
            let values = t
                .flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .map_err(fail)?;
            if let Some(k) = crate::io::first_bad_value(&values) {
                return Err(ModelError::corrupt(
                    file,
                    format!(
                        "tensor `{key}` holds {:e} at position {k}: the encoder's weights are damaged; fetch the encoder again (quotekit fetch-encoder) or restore the file",
                        values[k]
                    ),
                ));
            }
            t.to_device(var.device())
                .and_then(|t| var.set(&t))
                .map_err(fail)?;
        }
        Ok(())
    }
}

/// The tensors of a pretrained encoder's `model.safetensors`.
fn read_pretrained(file: &Path) -> std::result::Result<HashMap<String, Tensor>, ModelError> {
    candle_core::safetensors::load(file, &Device::Cpu)
        .map_err(|e| ModelError::corrupt(file, format!("encoder weights: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transformer::fixtures::{header_of, tiny_encoder, CONFIG};
    use crate::transformer::model::CONFIG_FILE;

    fn load(settings: &TransformerConfig) -> Result<TransformerModel, ModelError> {
        TransformerModel::from_folder(settings, Lexicon::builtin_cues(), 7)
    }

    /// A model's `encoder_config.json` edited after saving (here: one
    /// attention head instead of two, which still fits the weights) is
    /// refused, naming the file; a header without the file's hash (saved
    /// before quotekit recorded it) loads as before; a missing one is
    /// told as such.
    #[test]
    fn an_encoder_config_changed_after_saving_is_refused() {
        use crate::tagger::SequenceTagger;
        let dir = tempfile::tempdir().unwrap();
        let settings = tiny_encoder(dir.path());
        let header = header_of(&settings);
        let out = dir.path().join("model");
        std::fs::create_dir_all(&out).unwrap();
        let file = out.join(WEIGHTS_FILE);
        load(&settings).unwrap().save(&header, &file).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        let saved = ModelHeader::read(&bytes, &file).unwrap();
        assert!(saved.file_hashes.contains_key(ENCODER_CONFIG_FILE));
        assert!(TransformerModel::load(&bytes, &saved, &file).is_ok());
        std::fs::write(
            out.join(ENCODER_CONFIG_FILE),
            CONFIG.replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 1"),
        )
        .unwrap();
        let e = TransformerModel::load(&bytes, &saved, &file)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(ENCODER_CONFIG_FILE) && e.contains("changed since"),
            "{e}"
        );
        let older = ModelHeader {
            file_hashes: Default::default(),
            ..saved
        };
        assert!(TransformerModel::load(&bytes, &older, &file).is_ok());
        // A model folder copied without it says what the file holds.
        std::fs::remove_file(out.join(ENCODER_CONFIG_FILE)).unwrap();
        let e = TransformerModel::load(&bytes, &older, &file)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(ENCODER_CONFIG_FILE)
                && e.contains("encoder's settings")
                && e.contains("copy the model directory whole"),
            "{e}"
        );
    }

    /// An MPNet folder (positions numbered from one past the padding id,
    /// relative position biases) trains its window within its positions,
    /// tags, and tags the same after saving and loading its model.
    #[test]
    fn an_mpnet_folder_loads_tags_and_saves() {
        use crate::tagger::SequenceTagger;
        use crate::transformer::fixtures::{tiny_encoder_of, MPNET_CONFIG};
        use quotekit_data::{Document, Tokenizer};
        let dir = tempfile::tempdir().unwrap();
        let settings = tiny_encoder_of(dir.path(), MPNET_CONFIG);
        let model = load(&settings).unwrap();
        assert!(model.bert_config.is_mpnet());
        let doc = Document::new("d", "Ab said a b ab, ab b a. A ab b. ".repeat(3));
        let tok = Tokenizer::new().tokenize(&doc);
        let scores = model.word_emissions(&doc, &tok).unwrap();
        assert_eq!(scores.len(), tok.tokens.len() * 7);
        assert!(scores.iter().all(|x| x.is_finite()));
        // 17 positions, the first one (the padding id's) never a piece's.
        let e = load(&TransformerConfig {
            window: 17,
            stride: 8,
            ..settings.clone()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("longer than the encoder's 16 positions"), "{e}");
        let header = header_of(&settings);
        let out = dir.path().join("model");
        std::fs::create_dir_all(&out).unwrap();
        let file = out.join(WEIGHTS_FILE);
        model.save(&header, &file).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        let saved = ModelHeader::read(&bytes, &file).unwrap();
        let loaded = TransformerModel::load(&bytes, &saved, &file).unwrap();
        assert!(loaded.bert_config.is_mpnet());
        assert_eq!(loaded.word_emissions(&doc, &tok).unwrap(), scores);
    }

    /// A pretrained encoder's folder taken for a model (`--init`, an
    /// ensemble member) says where it goes.
    #[test]
    fn an_encoder_folder_read_as_a_model_says_where_it_goes() {
        let dir = tempfile::tempdir().unwrap();
        tiny_encoder(dir.path());
        let file = dir.path().join(WEIGHTS_FILE);
        let e = ModelHeader::read(&std::fs::read(&file).unwrap(), &file)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not a quotekit model") && e.contains("as transformer.path"),
            "{e}"
        );
    }

    /// A model whose tokenizer gives a special piece an id past the
    /// encoder's vocabulary is refused, naming the config (its windows are
    /// made of those pieces); an ordinary piece there is read as [UNK].
    #[test]
    fn a_special_piece_past_the_vocabulary_is_refused() {
        use crate::transformer::pieces::tests::{tiny_tokenizer_json, TINY_VOCAB};
        let tokenizer = PieceTokenizer::from_json(
            &tiny_tokenizer_json(TINY_VOCAB),
            Path::new("tokenizer.json"),
        )
        .unwrap();
        let settings = TransformerConfig {
            window: 16,
            stride: 8,
            ..TransformerConfig::default()
        };
        let e = TransformerModel::new(
            &settings,
            &CONFIG.replace("\"vocab_size\": 8", "\"vocab_size\": 3"),
            Path::new("m/encoder_config.json"),
            tokenizer,
            Lexicon::builtin_cues(),
            7,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("m/encoder_config.json: vocab_size is 3, but the tokenizer beside it gives a special piece")
                && e.contains("the id 3"),
            "{e}"
        );
    }

    /// The size bound's weight count is the built encoder's, BERT and MPNet.
    #[test]
    fn the_config_counts_the_encoders_weights() {
        use crate::transformer::fixtures::{tiny_encoder_of, MPNET_CONFIG};
        for json in [CONFIG, MPNET_CONFIG] {
            let dir = tempfile::tempdir().unwrap();
            let model = load(&tiny_encoder_of(dir.path(), json)).unwrap();
            let built: usize = model
                .params
                .named()
                .iter()
                .filter(|(n, _)| n.starts_with("bert."))
                .map(|(_, v)| v.elem_count())
                .sum();
            assert_eq!(model.bert_config.weights(), built as u64, "{json}");
        }
    }

    #[test]
    fn a_missing_or_broken_encoder_folder_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let settings = tiny_encoder(dir.path());
        let missing = TransformerConfig {
            path: dir.path().join("absent"),
            ..settings.clone()
        };
        let e = load(&missing).unwrap_err().to_string();
        assert!(
            e.contains("transformer.path") && e.contains("fetch-encoder"),
            "{e}"
        );

        let long = TransformerConfig {
            window: 64,
            batch_pieces: 64,
            ..settings.clone()
        };
        let e = load(&long).unwrap_err().to_string();
        assert!(
            e.contains("transformer.window = 64") && e.contains("32 positions"),
            "{e}"
        );

        std::fs::write(
            dir.path().join(CONFIG_FILE),
            CONFIG.replace("\"bert\"", "\"roberta\""),
        )
        .unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains("config.json") && e.contains("\"roberta\""),
            "{e}"
        );
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            CONFIG.replace("\"gelu\"", "\"relu\""),
        )
        .unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(e.contains("hidden_act is \"relu\""), "{e}");
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            CONFIG.replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 3"),
        )
        .unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(e.contains("not a multiple of num_attention_heads 3"), "{e}");
        assert!(!e.contains("corrupted"), "a value quotekit cannot run: {e}");
        // A tokenizer with a piece past the config's vocabulary (which
        // failed the forward pass of a text with it), and a config of an
        // encoder larger than the weights (refused before it is built).
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            CONFIG.replace("\"vocab_size\": 8", "\"vocab_size\": 7"),
        )
        .unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains("config.json: vocab_size is 7, but the tokenizer beside it has the piece")
                && e.contains("of id 7"),
            "{e}"
        );
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            CONFIG.replace("\"num_hidden_layers\": 1", "\"num_hidden_layers\": 200"),
        )
        .unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains("model.safetensors: holds") && e.contains("of different encoders"),
            "{e}"
        );
        std::fs::write(dir.path().join(CONFIG_FILE), CONFIG).unwrap();

        // Weights that lack a tensor, or whose shapes disagree with the config.
        let weights = dir.path().join(WEIGHTS_FILE);
        let mut tensors = candle_core::safetensors::load(&weights, &Device::Cpu).unwrap();
        let full = tensors.clone();
        tensors.remove("encoder.layer.0.output.dense.weight");
        candle_core::safetensors::save(&tensors, &weights).unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains("model.safetensors")
                && e.contains("no tensor `encoder.layer.0.output.dense.weight`"),
            "{e}"
        );
        let mut tensors = full.clone();
        tensors.insert(
            "encoder.layer.0.output.dense.weight".into(),
            Tensor::zeros((4, 4), DType::F32, &Device::Cpu).unwrap(),
        );
        candle_core::safetensors::save(&tensors, &weights).unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains("has shape [4, 4], the encoder config expects [8, 16]"),
            "{e}"
        );
        // Weights that are not numbers, or not floating-point ones.
        let key = "embeddings.word_embeddings.weight";
        let mut values: Vec<f32> = full[key].flatten_all().unwrap().to_vec1().unwrap();
        values[5] = f32::NAN;
        let mut tensors = full.clone();
        let shape = full[key].dims().to_vec();
        tensors.insert(
            key.into(),
            Tensor::from_vec(values, shape, &Device::Cpu).unwrap(),
        );
        candle_core::safetensors::save(&tensors, &weights).unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains(&format!("tensor `{key}` holds NaN at position 5"))
                && e.contains("fetch the encoder again"),
            "{e}"
        );
        let mut tensors = full.clone();
        tensors.insert(key.into(), full[key].to_dtype(DType::I64).unwrap());
        candle_core::safetensors::save(&tensors, &weights).unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "tensor `{key}` is I64; an encoder's weights are F32"
            )),
            "{e}"
        );
        std::fs::write(&weights, b"not safetensors").unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains("model.safetensors") && e.contains("encoder weights"),
            "{e}"
        );
    }
}
