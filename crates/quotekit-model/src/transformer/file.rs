//! Where a transformer model comes from: a pretrained encoder folder (its
//! `config.json`, `tokenizer.json` and `model.safetensors`, as Hugging Face
//! ships them) when training starts, or a quotekit model directory (the
//! weights file with the fine-tuned encoder, head and CRF; the encoder's
//! `tokenizer.json` and `encoder_config.json` beside it). Every file that
//! does not fit is an error naming it.

use crate::config::ModelKind;
use crate::error::ModelError;
use crate::features::lexicon::Lexicon;
use crate::header::{ModelHeader, TOKENIZER_FILE};
use crate::nn::DTYPE;
use crate::transformer::config::TransformerConfig;
use crate::transformer::model::{TransformerModel, CONFIG_FILE, ENCODER_CONFIG_FILE, WEIGHTS_FILE};
use crate::transformer::pieces::PieceTokenizer;
use candle_core::Device;
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
        let dir = &config.path;
        if !dir.join(WEIGHTS_FILE).is_file() {
            return Err(ModelError::config(format!(
                "transformer.path = {:?} holds no {WEIGHTS_FILE}; run `quotekit fetch-encoder` (see README) or point transformer.path at a BERT folder",
                dir
            )));
        }
        let config_path = dir.join(CONFIG_FILE);
        let json = crate::io::read_text(&config_path)?;
        let tokenizer = PieceTokenizer::from_file(&dir.join(TOKENIZER_FILE))?;
        let mut model = Self::new(config, &json, &config_path, tokenizer, cues, labels)?;
        model.load_pretrained(&dir.join(WEIGHTS_FILE))?;
        Ok(model)
    }

    /// Sets the `bert.*` parameters from a Hugging Face `model.safetensors`
    /// (names with or without a `bert.` prefix; F32, F16 or BF16).
    pub fn load_pretrained(&mut self, file: &Path) -> std::result::Result<(), ModelError> {
        let tensors = candle_core::safetensors::load(file, &Device::Cpu)
            .map_err(|e| ModelError::corrupt(file, format!("encoder weights: {e}")))?;
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
            let t = t
                .to_dtype(DTYPE)
                .and_then(|t| t.to_device(var.device()))
                .and_then(|t| var.set(&t))
                .map_err(|e| ModelError::corrupt(file, format!("tensor `{key}`: {e}")));
            t?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transformer::fixtures::{header_of, tiny_encoder, CONFIG};
    use candle_core::{DType, Tensor};

    fn load(settings: &TransformerConfig) -> Result<TransformerModel, ModelError> {
        TransformerModel::from_folder(settings, Lexicon::builtin_cues(), 7)
    }

    /// A model's `encoder_config.json` edited after saving (here: one
    /// attention head instead of two, which still fits the weights) is
    /// refused, naming the file; a header without the file's hash (saved
    /// before quotekit recorded it) loads as before.
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
        let mut tensors = full;
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
        std::fs::write(&weights, b"not safetensors").unwrap();
        let e = load(&settings).unwrap_err().to_string();
        assert!(
            e.contains("model.safetensors") && e.contains("encoder weights"),
            "{e}"
        );
    }
}
