//! A trained neural tagger ready for inference: the network and its
//! parameter tree (CRF layer included), its vocabulary, cue lexicon and
//! (optionally) the CRF feature extractor whose hashed features it embeds.
//! Documents are cut into windows of whole paragraphs (at most `window`
//! words), the windows of a document go through the network as one batch
//! (a long document's [`WINDOWS_AT_ONCE`] at a time, padded as one batch),
//! and each window is decoded as a chain of its own.

use crate::config::ModelKind;
use crate::decode::{ChainScores, Scored};
use crate::error::ModelError;
use crate::features::extractor::FeatureExtractor;
use crate::features::lexicon::Lexicon;
use crate::header::ModelHeader;
use crate::neural::config::NeuralConfig;
use crate::neural::inputs::{
    make_padded_batch, pack_windows, sparse_extractor, word_inputs, Batch, Padding, WordInputs,
};
use crate::neural::network::NeuralNetwork;
use crate::neural::vocab::Vocabulary;
use crate::nn::params::Parameters;
use crate::nn::WINDOWS_AT_ONCE;
use crate::tagger::SequenceTagger;
use candle_core::Tensor;
use quotekit_data::{Document, Tokenized};
use std::ops::Range;
use std::path::Path;

/// Network + CRF with everything needed to tag raw documents.
pub struct NeuralModel {
    /// Settings it was built with.
    pub config: NeuralConfig,
    /// The network.
    pub network: NeuralNetwork,
    /// Its parameters by name, and the CRF layer.
    pub params: Parameters,
    /// Subword vocabulary.
    pub vocab: Vocabulary,
    /// Cue lexicon of the symbolic features.
    pub cues: Lexicon,
    extractor: Option<FeatureExtractor>,
}

impl std::fmt::Debug for NeuralModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeuralModel")
            .field("config", &self.config)
            .field("vocab", &self.vocab)
            .field("parameters", &self.params.count())
            .finish()
    }
}

impl NeuralModel {
    /// A freshly initialised model (seeded with `config.seed`) over `labels` tags.
    pub fn new(
        config: &NeuralConfig,
        vocab: Vocabulary,
        cues: Lexicon,
        labels: usize,
    ) -> Result<Self, ModelError> {
        let mut model = Self::unseeded(config, vocab, cues, labels)?;
        model.params.seed(config.seed)?;
        Ok(model)
    }

    /// [`NeuralModel::new`] without the seeded values, for a model whose
    /// every parameter is read next (loading a model file).
    fn unseeded(
        config: &NeuralConfig,
        vocab: Vocabulary,
        cues: Lexicon,
        labels: usize,
    ) -> Result<Self, ModelError> {
        let params = Parameters::new(labels)?;
        let network = NeuralNetwork::new(&config.network, vocab.size(), labels, params.builder())?;
        Ok(Self {
            config: config.clone(),
            network,
            params,
            vocab,
            extractor: sparse_extractor(&config.network, &cues),
            cues,
        })
    }

    /// The model of a model file's bytes, whose header has been read; the
    /// vocabulary is the `tokenizer.json` beside it. A file holding tensors
    /// the header's settings make no part of the network for is refused.
    pub fn load(bytes: &[u8], header: &ModelHeader, file: &Path) -> Result<Self, ModelError> {
        header.expect_kind(ModelKind::Neural, file)?;
        header
            .config
            .neural
            .validate()
            .map_err(|e| ModelError::corrupt(file, format!("settings: {e}")))?;
        let (json, tokenizer_file) = header.read_tokenizer(file)?;
        let vocab = Vocabulary::from_json(&json, &tokenizer_file)?;
        let mut model = Self::unseeded(
            &header.config.neural,
            vocab,
            header.cues(),
            header.labels.len(),
        )
        .map_err(|e| ModelError::corrupt(file, e.to_string()))?;
        let unused = model.params.read(bytes, file, header.format_version)?;
        // (A header edited to leave out a part, `wide = false` say, would
        // tag without the weights the file holds for it.)
        if !unused.is_empty() {
            return Err(ModelError::corrupt(
                file,
                format!(
                    "it holds tensors its settings make no part of the network for ({}): its header and weights disagree",
                    unused.join(", ")
                ),
            ));
        }
        Ok(model)
    }

    /// Word inputs of a tokenized document.
    pub fn inputs(&self, doc: &Document, tok: &Tokenized) -> WordInputs {
        word_inputs(doc, tok, &self.vocab, &self.cues, self.extractor.as_ref())
    }

    /// The windows a document is tagged in.
    pub fn windows(&self, tok: &Tokenized) -> Vec<Range<usize>> {
        pack_windows(&tok.paragraphs, tok.tokens.len(), self.config.window)
    }

    /// Mean negative log-likelihood of a batch's gold tags; `rng` turns
    /// (seeded) dropout on.
    pub fn loss(
        &self,
        batch: &Batch,
        rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> candle_core::Result<Tensor> {
        let emissions = self.network.emissions(batch, rng)?;
        self.params.crf.loss(&emissions, &batch.tags, &batch.mask)
    }

    /// Emission scores `[i * labels + y]` of every window of a document.
    pub fn window_emissions(
        &self,
        doc: &Document,
        tok: &Tokenized,
    ) -> candle_core::Result<Vec<Scored>> {
        let inputs = self.inputs(doc, tok);
        let windows = self.windows(tok);
        if windows.is_empty() {
            return Ok(Vec::new());
        }
        let batch_windows: Vec<_> = windows.iter().map(|r| (&inputs, r.clone(), None)).collect();
        // (A long document goes through the network a few windows at a
        // time, each part padded as the whole, so that its memory stays
        // that of a few windows and its scores are those of one batch.)
        let padding = Padding::of(&batch_windows);
        let mut emissions: Vec<Vec<Vec<f32>>> = Vec::with_capacity(windows.len());
        for part in batch_windows.chunks(WINDOWS_AT_ONCE) {
            let batch = make_padded_batch(part, padding, self.vocab.pad(), self.params.device())?;
            emissions.extend(self.network.emissions(&batch, None)?.to_vec3::<f32>()?);
        }
        Ok(windows
            .into_iter()
            .zip(emissions)
            .map(|(range, rows)| {
                let scores = rows[..range.len()]
                    .iter()
                    .flatten()
                    .map(|&x| f64::from(x))
                    .collect();
                (range, scores)
            })
            .collect())
    }
}

impl SequenceTagger for NeuralModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Neural
    }

    fn emissions(&self, doc: &Document, tok: &Tokenized) -> Result<Vec<Scored>, ModelError> {
        Ok(self.window_emissions(doc, tok)?)
    }

    fn chain(&self) -> ChainScores<'_, f32> {
        self.params.chain()
    }

    fn save(&self, header: &ModelHeader, file: &Path) -> Result<(), ModelError> {
        self.params.save(&self.vocab.to_json(), &[], header, file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neural::config::NetworkConfig;
    use quotekit_data::Tokenizer;

    /// A small untrained model of windows of at most 8 words.
    fn small_model(text: &str) -> NeuralModel {
        let vocab = Vocabulary::train(std::iter::once(text), 60).unwrap();
        let config = NeuralConfig {
            window: 8,
            network: NetworkConfig {
                hidden: 8,
                dilations: vec![1],
                sparse_dim: 4,
                sparse_bits: 8,
                ..NetworkConfig::default()
            },
            ..NeuralConfig::default()
        };
        NeuralModel::new(&config, vocab, Lexicon::builtin_cues(), 7).unwrap()
    }

    #[test]
    fn windows_follow_paragraphs_and_emissions_cover_every_word() {
        let text = "“We will win,” Ana Ruiz said.\n\nBob argued that rain was coming, and more.";
        let model = small_model(text);
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let windows = model.windows(&tok);
        // The first paragraph (9 tokens) is longer than a window and is split;
        // no window crosses into the second paragraph.
        assert_eq!(windows.first().unwrap().start, 0);
        assert_eq!(windows.last().unwrap().end, tok.tokens.len());
        for w in windows.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
        let second = tok.paragraphs[1].start;
        assert!(windows.iter().all(|w| w.end <= second || w.start >= second));
        assert!(windows.iter().all(|w| w.len() <= 8));
        let emissions = model.window_emissions(&doc, &tok).unwrap();
        for ((range, scores), w) in emissions.iter().zip(&windows) {
            assert_eq!(range, w);
            assert_eq!(scores.len(), range.len() * 7);
            assert!(scores.iter().all(|x| x.is_finite()));
        }
    }

    /// A document of more windows than go through the network at once gets
    /// the scores that one batch of all its windows gives.
    #[test]
    fn a_long_document_in_parts_scores_as_one_batch() {
        // (Long paragraphs, two windows each, then short ones: the last
        // part's windows are shorter than the whole batch's longest.)
        let long = "“We will win the vote,” Ana Ruiz said on Friday.";
        let short = "Yes, he said.";
        let mut paragraphs = vec![long; 2 * WINDOWS_AT_ONCE + 3];
        paragraphs.extend([short; WINDOWS_AT_ONCE + 4]);
        let text = paragraphs.join("\n\n");
        let model = small_model(&text);
        let doc = Document::new("d", text);
        let tok = quotekit_data::Tokenizer::new().tokenize(&doc);
        let windows = model.windows(&tok);
        assert!(
            windows.len() > 2 * WINDOWS_AT_ONCE,
            "{} windows",
            windows.len()
        );
        let inputs = model.inputs(&doc, &tok);
        let all: Vec<_> = windows.iter().map(|r| (&inputs, r.clone(), None)).collect();
        let batch =
            crate::neural::inputs::make_batch(&all, model.vocab.pad(), model.params.device())
                .unwrap();
        let whole: Vec<Vec<Vec<f32>>> = model
            .network
            .emissions(&batch, None)
            .unwrap()
            .to_vec3()
            .unwrap();
        let parts = model.window_emissions(&doc, &tok).unwrap();
        assert_eq!(parts.len(), whole.len());
        for ((range, scores), rows) in parts.iter().zip(&whole) {
            let expected: Vec<f64> = rows[..range.len()]
                .iter()
                .flatten()
                .map(|&x| f64::from(x))
                .collect();
            assert_eq!(scores, &expected, "window {range:?}");
        }
    }
}
