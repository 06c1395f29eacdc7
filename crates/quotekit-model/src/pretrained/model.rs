//! The pretrained-encoder tagger: a BERT-family encoder over overlapping
//! windows of the encoder's own pieces, one vector per word (first or mean
//! piece, from its most central window), symbolic feature embeddings
//! concatenated, a linear head (optionally with residual dilated
//! convolutions) to tag scores, and a CRF layer over the whole document.
//! Parameters: `bert.*` (the encoder, loaded from its `model.safetensors`),
//! `head.*` and `crf.*`.

use super::bert::{Bert, BertConfig};
use super::pieces::{plan, PiecePlan, PieceTokenizer};
use super::settings::EncoderSettings;
use crate::crf::Weights;
use crate::error::ModelError;
use crate::lexicon::Lexicon;
use crate::neural::crf_layer::{set_vars, sorted_vars, CrfLayer, DecoderScores};
use crate::neural::encoder::{dropout, seeded_init, ResidualConvs, DTYPE};
use crate::neural::inputs::{document_features, FEATURE_SIZES};
use candle_core::{DType, Device, Module, Result, Tensor, Var};
use candle_nn::{embedding, linear, Embedding, Linear, VarBuilder, VarMap};
use quotekit_data::{Document, Tokenized};
use std::path::Path;

/// File names inside an encoder folder.
pub const CONFIG_FILE: &str = "config.json";
/// The encoder's tokenizer.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The encoder's weights.
pub const WEIGHTS_FILE: &str = "model.safetensors";

/// What the tagger needs of one document: its encoder windows and, per word,
/// where its vector comes from, and its symbolic features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncoderInputs {
    /// Windows and word → piece positions.
    pub plan: PiecePlan,
    /// Symbolic feature ids per word.
    pub features: Vec<[u32; 3]>,
}

impl EncoderInputs {
    /// Number of words.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True for a document without tokens.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

/// The head: feature embeddings, optional convolutions, linear tag scores.
#[derive(Debug)]
struct Head {
    features: Vec<Embedding>,
    project: Option<Linear>,
    convs: Option<ResidualConvs>,
    output: Linear,
    dropout: f64,
}

impl Head {
    fn new(s: &EncoderSettings, width: usize, labels: usize, vb: VarBuilder) -> Result<Self> {
        let features = if s.features {
            FEATURE_SIZES
                .iter()
                .enumerate()
                .map(|(k, &n)| embedding(n, s.feature_dim, vb.pp(format!("feature.{k}"))))
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let input = width + features.len() * s.feature_dim;
        let (project, convs, out_in) = if s.head_hidden > 0 {
            (
                Some(linear(input, s.head_hidden, vb.pp("project"))?),
                Some(ResidualConvs::new(
                    s.head_hidden,
                    &s.head_dilations,
                    vb.pp("conv"),
                )?),
                s.head_hidden,
            )
        } else {
            (None, None, input)
        };
        Ok(Self {
            features,
            project,
            convs,
            output: linear(out_in, labels, vb.pp("output"))?,
            dropout: s.dropout,
        })
    }

    /// Tag scores `[B, T, labels]` of word vectors `[B, T, width]`.
    fn forward(
        &self,
        words: &Tensor,
        features: &Tensor,
        mask: &Tensor,
        mut rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let (b, t, width) = words.dims3()?;
        let n = b * t;
        let mut parts = vec![words.reshape((n, width))?];
        for (k, emb) in self.features.iter().enumerate() {
            parts.push(emb.forward(&features.narrow(1, k, 1)?.squeeze(1)?.contiguous()?)?);
        }
        let x = dropout(&Tensor::cat(&parts, 1)?, self.dropout, rng.as_deref_mut())?;
        let x = match (&self.project, &self.convs) {
            (Some(project), Some(convs)) => {
                let h = project.forward(&x)?.relu()?;
                let hidden = h.dims2()?.1;
                let h = h.reshape((b, t, hidden))?.transpose(1, 2)?.contiguous()?;
                let h = convs.forward(&h, mask, self.dropout, rng)?;
                h.transpose(1, 2)?.contiguous()?.reshape((n, hidden))?
            }
            _ => x,
        };
        self.output.forward(&x)?.reshape((b, t, ()))
    }
}

/// Encoder + head + CRF with the encoder's tokenizer: tags raw documents.
pub struct EncoderModel {
    /// Settings it was built with.
    pub settings: EncoderSettings,
    /// The encoder's `config.json`.
    pub bert_config: BertConfig,
    /// The text of that `config.json`, saved beside models.
    pub bert_config_json: String,
    /// The encoder.
    pub bert: Bert,
    head: Head,
    /// The CRF layer.
    pub crf: CrfLayer,
    /// All parameters by name.
    pub varmap: VarMap,
    /// The encoder's tokenizer.
    pub tokenizer: PieceTokenizer,
    /// Cue lexicon of the symbolic features.
    pub cues: Lexicon,
    device: Device,
    decoder: DecoderScores,
}

impl std::fmt::Debug for EncoderModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncoderModel")
            .field("settings", &self.settings)
            .field("bert_config", &self.bert_config)
            .field("parameters", &self.parameter_count())
            .finish()
    }
}

fn bad(path: &Path, reason: impl Into<String>) -> ModelError {
    ModelError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads and checks an encoder `config.json`.
pub fn read_bert_config(json: &str, path: &Path) -> std::result::Result<BertConfig, ModelError> {
    let config: BertConfig =
        serde_json::from_str(json).map_err(|e| bad(path, format!("encoder config: {e}")))?;
    config.check().map_err(|e| bad(path, e))?;
    Ok(config)
}

impl EncoderModel {
    /// A model with a seeded head and an untrained encoder (load its weights
    /// with [`EncoderModel::load_pretrained`] or [`EncoderModel::load_tensors`]).
    pub fn new(
        settings: &EncoderSettings,
        bert_config_json: &str,
        config_path: &Path,
        tokenizer: PieceTokenizer,
        cues: Lexicon,
        labels: usize,
    ) -> std::result::Result<Self, ModelError> {
        let bert_config = read_bert_config(bert_config_json, config_path)?;
        if settings.window > bert_config.max_position_embeddings {
            return Err(ModelError::config(format!(
                "encoder.window = {} is longer than the encoder's {} positions",
                settings.window, bert_config.max_position_embeddings
            )));
        }
        let network = |e: candle_core::Error| ModelError::Training(format!("encoder: {e}"));
        let varmap = VarMap::new();
        let device = crate::neural::device();
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &device);
        let bert = Bert::new(&bert_config, vb.pp("bert")).map_err(network)?;
        let head =
            Head::new(settings, bert_config.hidden_size, labels, vb.pp("head")).map_err(network)?;
        let crf = CrfLayer::new(labels, vb.pp("crf")).map_err(network)?;
        seeded_init(&varmap, settings.seed).map_err(network)?;
        let mut model = Self {
            settings: settings.clone(),
            bert_config,
            bert_config_json: bert_config_json.to_string(),
            bert,
            head,
            crf,
            varmap,
            tokenizer,
            cues,
            device,
            decoder: DecoderScores::default(),
        };
        model.refresh_decoder().map_err(network)?;
        Ok(model)
    }

    /// Builds the model from the encoder folder `settings.path` (its
    /// `config.json`, `tokenizer.json` and `model.safetensors`).
    pub fn from_folder(
        settings: &EncoderSettings,
        cues: Lexicon,
        labels: usize,
    ) -> std::result::Result<Self, ModelError> {
        let dir = &settings.path;
        if !dir.join(WEIGHTS_FILE).is_file() {
            return Err(ModelError::config(format!(
                "encoder.path = {:?} holds no {WEIGHTS_FILE}; run `quotekit fetch-encoder` (see README) or point encoder.path at a BERT folder",
                dir
            )));
        }
        let config_path = dir.join(CONFIG_FILE);
        let json =
            std::fs::read_to_string(&config_path).map_err(|e| ModelError::io(&config_path, e))?;
        let tokenizer = PieceTokenizer::from_file(&dir.join(TOKENIZER_FILE))?;
        let mut model = Self::new(settings, &json, &config_path, tokenizer, cues, labels)?;
        model.load_pretrained(&dir.join(WEIGHTS_FILE))?;
        Ok(model)
    }

    /// Sets the `bert.*` parameters from a Hugging Face `model.safetensors`
    /// (names with or without a `bert.` prefix; F32, F16 or BF16).
    pub fn load_pretrained(&mut self, file: &Path) -> std::result::Result<(), ModelError> {
        let tensors = candle_core::safetensors::load(file, &Device::Cpu)
            .map_err(|e| bad(file, format!("encoder weights: {e}")))?;
        for (name, var) in sorted_vars(&self.varmap) {
            let Some(key) = name.strip_prefix("bert.") else {
                continue;
            };
            let t = tensors
                .get(key)
                .or_else(|| tensors.get(&name))
                .ok_or_else(|| bad(file, format!("no tensor `{key}`")))?;
            if t.dims() != var.dims() {
                return Err(bad(
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
                .map_err(|e| bad(file, format!("tensor `{key}`: {e}")));
            t?;
        }
        Ok(())
    }

    /// Tags with windows starting every `stride` pieces instead of the
    /// trained stride: larger is faster (fewer pieces encoded twice), with less
    /// context at window edges. At most `window − 2`.
    pub fn set_stride(&mut self, stride: usize) -> std::result::Result<(), ModelError> {
        let settings = EncoderSettings {
            stride,
            ..self.settings.clone()
        };
        settings.validate().map_err(ModelError::config)?;
        self.settings = settings;
        Ok(())
    }

    /// Copies the CRF layer's scores for decoding; call after changing parameters.
    pub fn refresh_decoder(&mut self) -> Result<()> {
        self.decoder = DecoderScores::of(&self.crf)?;
        Ok(())
    }

    /// Transition, start and end scores for the shared decoder.
    pub fn weights(&self) -> Weights<'_, f32> {
        self.decoder.weights()
    }

    /// The device the network runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Parameters sorted by name.
    pub fn named_vars(&self) -> Vec<(String, Var)> {
        sorted_vars(&self.varmap)
    }

    /// Number of scalar parameters.
    pub fn parameter_count(&self) -> usize {
        self.named_vars().iter().map(|(_, v)| v.elem_count()).sum()
    }

    /// Overwrites the parameters with `tensors` (by name; shapes must match).
    pub fn load_tensors(&mut self, tensors: &[(String, Tensor)]) -> Result<()> {
        set_vars(&self.varmap, tensors)?;
        self.refresh_decoder()
    }

    /// Windows, word → piece positions and features of a tokenized document.
    pub fn inputs(&self, doc: &Document, tok: &Tokenized) -> EncoderInputs {
        let text = doc.text();
        let words: Vec<&str> = tok.tokens.iter().map(|t| t.text(text)).collect();
        let pieces = self.tokenizer.word_pieces(&words);
        EncoderInputs {
            plan: plan(
                &pieces,
                &self.tokenizer,
                self.settings.window,
                self.settings.stride,
                self.settings.pooling.pieces(),
            ),
            features: document_features(doc, tok, &self.cues),
        }
    }

    /// Word vectors `[B, T, hidden]` of documents (padded to the longest;
    /// padding rows are zero). With `rng`, encoder dropout is on.
    pub fn word_vectors(
        &self,
        docs: &[&EncoderInputs],
        rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let h = self.bert_config.hidden_size;
        let windows: Vec<&Vec<u32>> = docs.iter().flat_map(|d| &d.plan.windows).collect();
        let l = windows.iter().map(|w| w.len()).max().unwrap_or(1).max(1);
        let w = windows.len();
        let mut ids = vec![self.tokenizer.pad; w * l];
        let mut mask = vec![0f32; w * l];
        for (k, win) in windows.iter().enumerate() {
            ids[k * l..k * l + win.len()].copy_from_slice(win);
            mask[k * l..k * l + win.len()].fill(1.0);
        }
        let hidden = if w == 0 {
            Tensor::zeros((0, h), DTYPE, &self.device)?
        } else {
            self.bert
                .forward(
                    &Tensor::from_vec(ids, (w, l), &self.device)?,
                    &Tensor::from_vec(mask, (w, l), &self.device)?,
                    rng,
                )?
                .reshape((w * l, h))?
        };
        // One zero row at the end for padding.
        let zero = w * l;
        let flat = Tensor::cat(&[hidden, Tensor::zeros((1, h), DTYPE, &self.device)?], 0)?;
        let t = docs.iter().map(|d| d.len()).max().unwrap_or(0).max(1);
        let pool = self.settings.pooling.pieces();
        let mut index = vec![zero as u32; docs.len() * t * pool];
        let mut weight = vec![0f32; docs.len() * t * pool];
        let mut first_window = 0;
        for (b, d) in docs.iter().enumerate() {
            for (i, (k, positions)) in d.plan.words.iter().enumerate() {
                let row = (b * t + i) * pool;
                for (j, &p) in positions.iter().enumerate() {
                    index[row + j] = ((first_window + k) * l + p) as u32;
                    weight[row + j] = 1.0 / positions.len() as f32;
                }
            }
            first_window += d.plan.windows.len();
        }
        let n = docs.len() * t;
        let gathered = flat.index_select(&Tensor::from_vec(index, n * pool, &self.device)?, 0)?;
        let words = if pool == 1 {
            gathered
        } else {
            gathered
                .reshape((n, pool, h))?
                .broadcast_mul(&Tensor::from_vec(weight, (n, pool, 1), &self.device)?)?
                .sum(1)?
        };
        words.reshape((docs.len(), t, h))
    }

    /// Tag scores `[B, T, labels]` from word vectors `[B, T, hidden]`.
    pub fn head_emissions(
        &self,
        words: &Tensor,
        docs: &[&EncoderInputs],
        rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let (b, t, _) = words.dims3()?;
        let mut features = vec![0u32; b * t * 3];
        let mut mask = vec![0f32; b * t];
        for (k, d) in docs.iter().enumerate() {
            for (i, f) in d.features.iter().enumerate() {
                features[(k * t + i) * 3..(k * t + i) * 3 + 3].copy_from_slice(f);
                mask[k * t + i] = 1.0;
            }
        }
        self.head.forward(
            words,
            &Tensor::from_vec(features, (b * t, 3), &self.device)?,
            &Tensor::from_vec(mask, (b, t), &self.device)?,
            rng,
        )
    }

    /// `[B, T]` mask of real words.
    pub fn mask(&self, docs: &[&EncoderInputs], t: usize) -> Result<Tensor> {
        let mut mask = vec![0f32; docs.len() * t];
        for (k, d) in docs.iter().enumerate() {
            mask[k * t..k * t + d.len()].fill(1.0);
        }
        Tensor::from_vec(mask, (docs.len(), t), &self.device)
    }

    /// Emission scores `[i * labels + y]` of every word of a document.
    pub fn emissions(&self, doc: &Document, tok: &Tokenized) -> Result<Vec<f64>> {
        let inputs = self.inputs(doc, tok);
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let words = self.word_vectors(&[&inputs], None)?;
        let scores = self.head_emissions(&words, &[&inputs], None)?;
        Ok(scores
            .squeeze(0)?
            .to_dtype(DType::F32)?
            .flatten_all()?
            .to_vec1::<f32>()?
            .into_iter()
            .map(f64::from)
            .collect())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::pretrained::pieces::tests::{tiny_tokenizer_json, TINY_VOCAB};

    const CONFIG: &str = r#"{"model_type": "bert", "vocab_size": 8, "hidden_size": 8,
        "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
        "max_position_embeddings": 32, "hidden_act": "gelu"}"#;

    /// A tiny BERT folder whose weights are a seeded model's own `bert.*` tensors.
    pub(crate) fn tiny_encoder(dir: &Path) -> EncoderSettings {
        let settings = EncoderSettings {
            path: dir.to_path_buf(),
            window: 16,
            stride: 8,
            batch_pieces: 64,
            ..EncoderSettings::default()
        };
        std::fs::write(dir.join(CONFIG_FILE), CONFIG).unwrap();
        std::fs::write(dir.join(TOKENIZER_FILE), tiny_tokenizer_json(TINY_VOCAB)).unwrap();
        let tokenizer = PieceTokenizer::from_file(&dir.join(TOKENIZER_FILE)).unwrap();
        let model = EncoderModel::new(
            &settings,
            CONFIG,
            Path::new("config.json"),
            tokenizer,
            Lexicon::builtin_cues(),
            7,
        )
        .unwrap();
        let tensors: std::collections::HashMap<String, Tensor> = model
            .named_vars()
            .into_iter()
            .filter_map(|(n, v)| {
                n.strip_prefix("bert.")
                    .map(|k| (k.to_string(), v.as_tensor().clone()))
            })
            .collect();
        candle_core::safetensors::save(&tensors, dir.join(WEIGHTS_FILE)).unwrap();
        settings
    }

    fn load(settings: &EncoderSettings) -> std::result::Result<EncoderModel, ModelError> {
        EncoderModel::from_folder(settings, Lexicon::builtin_cues(), 7)
    }

    #[test]
    fn the_tagging_stride_can_be_changed_within_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = load(&tiny_encoder(dir.path())).unwrap();
        let doc = Document::new(
            "d",
            "Ab said a b ab, ab b a. A ab b. B a ab b said a. ".repeat(4),
        );
        let tok = quotekit_data::Tokenizer::new().tokenize(&doc);
        let before = model.inputs(&doc, &tok).plan.windows.len();
        model.set_stride(14).unwrap();
        let after = model.inputs(&doc, &tok).plan.windows.len();
        assert!(after < before, "{before} windows, then {after}");
        assert_eq!(
            model.emissions(&doc, &tok).unwrap().len(),
            tok.tokens.len() * 7
        );
        let e = model.set_stride(15).unwrap_err().to_string();
        assert!(e.contains("encoder.stride = 15"), "{e}");
        assert_eq!(model.settings.stride, 14);
    }

    #[test]
    fn a_bert_folder_loads_and_tags() {
        let dir = tempfile::tempdir().unwrap();
        let settings = tiny_encoder(dir.path());
        let model = load(&settings).unwrap();
        let doc = Document::new("d", "Ab said a b ab, ab b a. A ab b.");
        let tok = quotekit_data::Tokenizer::new().tokenize(&doc);
        let scores = model.emissions(&doc, &tok).unwrap();
        assert_eq!(scores.len(), tok.tokens.len() * 7);
        assert!(scores.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn a_missing_or_broken_encoder_folder_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let settings = tiny_encoder(dir.path());
        let missing = EncoderSettings {
            path: dir.path().join("absent"),
            ..settings.clone()
        };
        let e = load(&missing).unwrap_err().to_string();
        assert!(
            e.contains("encoder.path") && e.contains("fetch-encoder"),
            "{e}"
        );

        let long = EncoderSettings {
            window: 64,
            batch_pieces: 64,
            ..settings.clone()
        };
        let e = load(&long).unwrap_err().to_string();
        assert!(
            e.contains("encoder.window = 64") && e.contains("32 positions"),
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
