//! The transformer tagger: a pretrained BERT-family encoder over
//! overlapping windows of the encoder's own pieces, one vector per word
//! (first or mean piece, from its most central window), symbolic feature
//! embeddings concatenated, a linear head (optionally with residual dilated
//! convolutions) to tag scores, and a CRF layer over the whole document.
//! Parameters: `bert.*` (the encoder, loaded from its `model.safetensors`),
//! `head.*` and `crf.*`. A saved model holds the encoder's own
//! `tokenizer.json` and its `config.json` (as `encoder_config.json`), so it
//! does not need the encoder folder any more.
//! The file runs a little over 500 lines with its tests: the windows'
//! encoding, the words' gathering and the head are read together.

use crate::config::ModelKind;
use crate::decode::{ChainScores, Scored};
use crate::error::ModelError;
use crate::features::lexicon::Lexicon;
use crate::features::symbolic::document_features;
use crate::header::ModelHeader;
use crate::nn::params::Parameters;
use crate::nn::{DTYPE, WINDOWS_AT_ONCE};
use crate::tagger::SequenceTagger;
use crate::training::data::Prepared;
use crate::transformer::bert::{Bert, BertConfig, Precision};
use crate::transformer::config::TransformerConfig;
use crate::transformer::head::Head;
use crate::transformer::pieces::{plan, PiecePlan, PieceTokenizer};
use candle_core::{DType, Result, Tensor};
use quotekit_data::{Document, Tokenized};
use std::path::Path;

/// The encoder's configuration inside an encoder folder.
pub const CONFIG_FILE: &str = "config.json";
/// The encoder's weights inside an encoder folder.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The encoder's `config.json`, copied beside a transformer model.
pub const ENCODER_CONFIG_FILE: &str = "encoder_config.json";

/// The encoder windows of documents in order, and the longest window's
/// length (at least 1): what every window is padded to in a batch.
pub fn windows_of<'a>(docs: &[&'a TransformerInputs]) -> (Vec<&'a Vec<u32>>, usize) {
    let windows: Vec<&Vec<u32>> = docs.iter().flat_map(|d| &d.plan.windows).collect();
    let l = windows.iter().map(|w| w.len()).max().unwrap_or(1).max(1);
    (windows, l)
}

/// What the tagger needs of one document: its encoder windows and, per word,
/// where its vector comes from, and its symbolic features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformerInputs {
    /// Windows and word → piece positions.
    pub plan: PiecePlan,
    /// Symbolic feature ids per word.
    pub features: Vec<[u32; 3]>,
}

/// A document prepared for training the transformer tagger.
pub type TransformerDocument = Prepared<TransformerInputs>;

impl TransformerInputs {
    /// Encoder pieces of the document padded to its longest window (its
    /// windows × that window's length): its cost in a batch.
    pub fn padded_pieces(&self) -> usize {
        let w = self.plan.windows.len();
        w * self.plan.windows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True for a document without tokens.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

/// Encoder + head + CRF with the encoder's tokenizer: tags raw documents.
pub struct TransformerModel {
    /// Settings it was built with.
    pub config: TransformerConfig,
    /// The encoder's `config.json`.
    pub bert_config: BertConfig,
    /// The text of that `config.json`, saved beside models.
    pub bert_config_json: String,
    /// The encoder.
    pub bert: Bert,
    head: Head,
    /// All parameters by name, and the CRF layer.
    pub params: Parameters,
    /// The encoder's tokenizer.
    pub tokenizer: PieceTokenizer,
    /// Cue lexicon of the symbolic features.
    pub cues: Lexicon,
}

impl std::fmt::Debug for TransformerModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformerModel")
            .field("config", &self.config)
            .field("bert_config", &self.bert_config)
            .field("parameters", &self.params.count())
            .finish()
    }
}

/// Refuses a window longer than the encoder's positions.
pub(crate) fn check_window(
    config: &TransformerConfig,
    bert_config: &BertConfig,
) -> std::result::Result<(), ModelError> {
    if config.window > bert_config.max_window() {
        return Err(ModelError::config(format!(
            "transformer.window = {} is longer than the encoder's {} positions",
            config.window,
            bert_config.max_window()
        )));
    }
    Ok(())
}

impl TransformerModel {
    /// A model with a seeded head and an untrained encoder (load its weights
    /// with [`TransformerModel::load_pretrained`] or [`Parameters::set`]).
    pub fn new(
        config: &TransformerConfig,
        bert_config_json: &str,
        config_path: &Path,
        tokenizer: PieceTokenizer,
        cues: Lexicon,
        labels: usize,
    ) -> std::result::Result<Self, ModelError> {
        let mut model = Self::unseeded(
            config,
            bert_config_json,
            config_path,
            tokenizer,
            cues,
            labels,
        )?;
        model.params.seed(config.seed)?;
        Ok(model)
    }

    /// [`TransformerModel::new`] without the seeded values, for a model whose
    /// every parameter is read next (loading a model file): seeding them
    /// took half the time of tagging one short document.
    pub(crate) fn unseeded(
        config: &TransformerConfig,
        bert_config_json: &str,
        config_path: &Path,
        tokenizer: PieceTokenizer,
        cues: Lexicon,
        labels: usize,
    ) -> std::result::Result<Self, ModelError> {
        let bert_config = BertConfig::from_json(bert_config_json, config_path)?;
        // (A piece without an embedding would fail the forward pass of
        // every text that has it: such pieces, which training refuses, are
        // read as [UNK] by a model trained before that; the special pieces
        // the windows are made of must have one.)
        let specials = [tokenizer.cls, tokenizer.sep, tokenizer.pad, tokenizer.unk];
        if let Some(id) = specials
            .into_iter()
            .find(|&id| id as usize >= bert_config.vocab_size)
        {
            return Err(ModelError::Config {
                path: Some(config_path.to_path_buf()),
                message: format!(
                    "vocab_size is {}, but the tokenizer beside it gives a special piece ([CLS], [SEP], [PAD] or [UNK]) the id {id}; the tokenizer and the config are of different encoders",
                    bert_config.vocab_size
                ),
            });
        }
        let mut tokenizer = tokenizer;
        tokenizer.limit_to(bert_config.vocab_size);
        check_window(config, &bert_config)?;
        let params = Parameters::new(labels)?;
        let (bert, head) = {
            let vb = params.builder();
            let bert = Bert::new(&bert_config, vb.pp("bert"))?;
            (
                bert,
                Head::new(config, bert_config.hidden_size, labels, vb.pp("head"))?,
            )
        };
        Ok(Self {
            config: config.clone(),
            bert_config,
            bert_config_json: bert_config_json.to_string(),
            bert,
            head,
            params,
            tokenizer,
            cues,
        })
    }

    /// Tags with windows starting every `stride` pieces instead of the
    /// trained stride: larger is faster (fewer pieces encoded twice), with less
    /// context at window edges. At most `window − 2`.
    pub fn set_stride(&mut self, stride: usize) -> std::result::Result<(), ModelError> {
        let config = TransformerConfig {
            stride,
            ..self.config.clone()
        };
        config.validate().map_err(ModelError::config)?;
        self.config = config;
        Ok(())
    }

    /// Runs the encoder's linear layers in `precision`: int8 quantizes the
    /// loaded weights (faster; the predictions can differ slightly from
    /// f32's; refused, as a config error, on a processor without AVX-512
    /// VNNI), f32 is as trained.
    pub fn set_precision(&mut self, precision: Precision) -> std::result::Result<(), ModelError> {
        self.bert
            .set_precision(precision)
            .map_err(|e| ModelError::config(format!("precision {precision}: {e}")))
    }

    /// Windows, word → piece positions and features of a tokenized document.
    pub fn inputs(&self, doc: &Document, tok: &Tokenized) -> TransformerInputs {
        let text = doc.text();
        let words: Vec<&str> = tok.tokens.iter().map(|t| t.text(text)).collect();
        let pieces = self.tokenizer.word_pieces(&words);
        TransformerInputs {
            plan: plan(
                &pieces,
                &self.tokenizer,
                self.config.window,
                self.config.stride,
                self.config.pooling.pieces(),
            ),
            features: document_features(doc, tok, &self.cues),
        }
    }

    /// Word vectors `[B, T, hidden]` of documents (padded to the longest;
    /// padding rows are zero). With `rng`, encoder dropout is on; without,
    /// the encoder takes [`WINDOWS_AT_ONCE`] windows at a time (the same
    /// vectors, in the memory of a few windows).
    pub fn word_vectors(
        &self,
        docs: &[&TransformerInputs],
        rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let (windows, l) = windows_of(docs);
        let hidden = match rng {
            // (Dropout draws its masks in the order of one batch.)
            Some(rng) => self.encode_windows(&windows, l, Some(rng))?,
            None if windows.len() <= WINDOWS_AT_ONCE => self.encode_windows(&windows, l, None)?,
            None => {
                let parts = windows
                    .chunks(WINDOWS_AT_ONCE)
                    .map(|part| self.encode_windows(part, l, None))
                    .collect::<Result<Vec<_>>>()?;
                Tensor::cat(&parts, 0)?
            }
        };
        self.gather_words(hidden, docs, l)
    }

    /// Hidden states `[W × l, hidden]` of encoder windows, each padded to `l`
    /// pieces. With `rng`, encoder dropout is on.
    pub fn encode_windows(
        &self,
        windows: &[&Vec<u32>],
        l: usize,
        rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let h = self.bert_config.hidden_size;
        let w = windows.len();
        if w == 0 {
            return Tensor::zeros((0, h), DTYPE, self.params.device());
        }
        let mut ids = vec![self.tokenizer.pad; w * l];
        let mut mask = vec![0f32; w * l];
        for (k, win) in windows.iter().enumerate() {
            ids[k * l..k * l + win.len()].copy_from_slice(win);
            mask[k * l..k * l + win.len()].fill(1.0);
        }
        self.bert
            .forward(
                &Tensor::from_vec(ids, (w, l), self.params.device())?,
                &Tensor::from_vec(mask, (w, l), self.params.device())?,
                rng,
            )?
            .reshape((w * l, h))
    }

    /// Word vectors `[B, T, hidden]` of documents from the hidden states
    /// `[W × l, hidden]` of all their windows in order ([`windows_of`]).
    pub fn gather_words(
        &self,
        hidden: Tensor,
        docs: &[&TransformerInputs],
        l: usize,
    ) -> Result<Tensor> {
        let h = self.bert_config.hidden_size;
        // One zero row at the end for padding.
        let zero = hidden.dim(0)?;
        let flat = Tensor::cat(
            &[hidden, Tensor::zeros((1, h), DTYPE, self.params.device())?],
            0,
        )?;
        let t = docs.iter().map(|d| d.len()).max().unwrap_or(0).max(1);
        let pool = self.config.pooling.pieces();
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
        let gathered =
            flat.index_select(&Tensor::from_vec(index, n * pool, self.params.device())?, 0)?;
        let words = if pool == 1 {
            gathered
        } else {
            gathered
                .reshape((n, pool, h))?
                .broadcast_mul(&Tensor::from_vec(
                    weight,
                    (n, pool, 1),
                    self.params.device(),
                )?)?
                .sum(1)?
        };
        words.reshape((docs.len(), t, h))
    }

    /// Tag scores `[B, T, labels]` from word vectors `[B, T, hidden]`.
    pub fn head_emissions(
        &self,
        words: &Tensor,
        docs: &[&TransformerInputs],
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
            &Tensor::from_vec(features, (b * t, 3), self.params.device())?,
            &Tensor::from_vec(mask, (b, t), self.params.device())?,
            rng,
        )
    }

    /// `[B, T]` mask of real words.
    pub fn mask(&self, docs: &[&TransformerInputs], t: usize) -> Result<Tensor> {
        let mut mask = vec![0f32; docs.len() * t];
        for (k, d) in docs.iter().enumerate() {
            mask[k * t..k * t + d.len()].fill(1.0);
        }
        Tensor::from_vec(mask, (docs.len(), t), self.params.device())
    }

    /// Emission scores `[i * labels + y]` of every word of a document.
    pub fn word_emissions(&self, doc: &Document, tok: &Tokenized) -> Result<Vec<f64>> {
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

impl SequenceTagger for TransformerModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Transformer
    }

    fn emissions(
        &self,
        doc: &Document,
        tok: &Tokenized,
    ) -> std::result::Result<Vec<Scored>, ModelError> {
        let n = tok.tokens.len();
        let scores = self.word_emissions(doc, tok)?;
        Ok(if n == 0 {
            Vec::new()
        } else {
            vec![(0..n, scores)]
        })
    }

    fn chain(&self) -> ChainScores<'_, f32> {
        self.params.chain()
    }

    fn save(&self, header: &ModelHeader, file: &Path) -> std::result::Result<(), ModelError> {
        self.params.save(
            &self.tokenizer.json,
            &[(ENCODER_CONFIG_FILE, &self.bert_config_json)],
            header,
            file,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transformer::fixtures::tiny_encoder;

    fn load(settings: &TransformerConfig) -> std::result::Result<TransformerModel, ModelError> {
        TransformerModel::from_folder(settings, Lexicon::builtin_cues(), 7)
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
            model.word_emissions(&doc, &tok).unwrap().len(),
            tok.tokens.len() * 7
        );
        let e = model.set_stride(15).unwrap_err().to_string();
        assert!(e.contains("transformer.stride = 15"), "{e}");
        assert_eq!(model.config.stride, 14);
    }

    #[test]
    fn a_bert_folder_loads_and_tags() {
        let dir = tempfile::tempdir().unwrap();
        let settings = tiny_encoder(dir.path());
        let model = load(&settings).unwrap();
        let doc = Document::new("d", "Ab said a b ab, ab b a. A ab b.");
        let tok = quotekit_data::Tokenizer::new().tokenize(&doc);
        let scores = model.word_emissions(&doc, &tok).unwrap();
        assert_eq!(scores.len(), tok.tokens.len() * 7);
        assert!(scores.iter().all(|x| x.is_finite()));
        // As a tagger: one chain over the whole document.
        let scored = SequenceTagger::emissions(&model, &doc, &tok).unwrap();
        assert_eq!(scored, vec![(0..tok.tokens.len(), scores)]);
        let empty = Document::new("e", "");
        let tok = quotekit_data::Tokenizer::new().tokenize(&empty);
        assert!(SequenceTagger::emissions(&model, &empty, &tok)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn int8_tags_close_to_f32_or_is_refused_without_vnni() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = load(&tiny_encoder(dir.path())).unwrap();
        let doc = Document::new("d", "Ab said a b ab, ab b a. A ab b.");
        let tok = quotekit_data::Tokenizer::new().tokenize(&doc);
        let f32s = model.word_emissions(&doc, &tok).unwrap();
        let set = model.set_precision(Precision::Int8);
        if !crate::transformer::int8::supported() {
            let e = set.unwrap_err().to_string();
            assert!(e.contains("AVX-512 VNNI") && e.contains("use f32"), "{e}");
            return;
        }
        set.unwrap();
        let int8 = model.word_emissions(&doc, &tok).unwrap();
        assert_ne!(int8, f32s);
        let largest = f32s.iter().fold(0f64, |m, x| m.max(x.abs()));
        for (a, b) in int8.iter().zip(&f32s) {
            assert!((a - b).abs() < 0.05 * largest, "{a} vs {b}");
        }
        model.set_precision(Precision::F32).unwrap();
        assert_eq!(model.word_emissions(&doc, &tok).unwrap(), f32s);
    }

    /// A document of more windows than go through the encoder at once gets
    /// the word vectors that one batch of all its windows gives.
    #[test]
    fn a_long_document_in_parts_encodes_as_one_batch() {
        let dir = tempfile::tempdir().unwrap();
        let model = load(&tiny_encoder(dir.path())).unwrap();
        let doc = Document::new("d", "Ab said a b ab, ab b a. A ab b. ".repeat(60));
        let tok = quotekit_data::Tokenizer::new().tokenize(&doc);
        let inputs = model.inputs(&doc, &tok);
        assert!(inputs.plan.windows.len() > 2 * WINDOWS_AT_ONCE);
        let (windows, l) = windows_of(&[&inputs]);
        let whole = model.encode_windows(&windows, l, None).unwrap();
        let whole = model.gather_words(whole, &[&inputs], l).unwrap();
        let parts = model.word_vectors(&[&inputs], None).unwrap();
        let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(flat(&parts), flat(&whole));
    }
}
