//! A trained neural tagger ready for inference: encoder + CRF parameters, its
//! vocabulary, cue lexicon and (optionally) the CRF feature extractor whose
//! hashed features it embeds. Documents are cut into windows of whole
//! paragraphs (at most `window` words), all windows of a document go through
//! the encoder as one batch, and each window is decoded with the shared
//! Viterbi / forward–backward of [`crate::crf::Weights`].

use super::crf_layer::{set_vars, sorted_vars, DecoderScores};
use super::encoder::{seeded_init, NeuralTagger, DTYPE};
use super::inputs::{make_batch, pack_windows, word_inputs, WordInputs};
use super::train::{sparse_extractor, NeuralConfig};
use super::vocab::Vocabulary;
use crate::crf::Weights;
use crate::features::FeatureExtractor;
use crate::lexicon::Lexicon;
use candle_core::{Device, Result, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use quotekit_data::{Document, Tokenized};
use std::ops::Range;

/// Encoder + CRF with everything needed to tag raw documents.
pub struct NeuralModel {
    /// Settings it was built with.
    pub config: NeuralConfig,
    /// The network.
    pub network: NeuralTagger,
    /// Its parameters by name.
    pub varmap: VarMap,
    /// Subword vocabulary.
    pub vocab: Vocabulary,
    /// Cue lexicon of the symbolic features.
    pub cues: Lexicon,
    extractor: Option<FeatureExtractor>,
    device: Device,
    decoder: DecoderScores,
}

impl std::fmt::Debug for NeuralModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeuralModel")
            .field("config", &self.config)
            .field("vocab", &self.vocab)
            .field("parameters", &self.parameter_count())
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
    ) -> Result<Self> {
        let varmap = VarMap::new();
        let device = super::device();
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &device);
        let network = NeuralTagger::new(&config.encoder, vocab.size(), labels, vb)?;
        seeded_init(&varmap, config.seed)?;
        let mut model = Self {
            config: config.clone(),
            network,
            varmap,
            vocab,
            extractor: sparse_extractor(&config.encoder, &cues),
            device,
            cues,
            decoder: DecoderScores::default(),
        };
        model.refresh_decoder()?;
        Ok(model)
    }

    /// Copies the CRF layer's scores for decoding; call after changing parameters.
    pub fn refresh_decoder(&mut self) -> Result<()> {
        self.decoder = DecoderScores::of(&self.network.crf)?;
        Ok(())
    }

    /// Transition, start and end scores for the shared decoder (no feature weights).
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

    /// Word inputs of a tokenized document.
    pub fn inputs(&self, doc: &Document, tok: &Tokenized) -> WordInputs {
        word_inputs(doc, tok, &self.vocab, &self.cues, self.extractor.as_ref())
    }

    /// The windows a document is tagged in.
    pub fn windows(&self, tok: &Tokenized) -> Vec<Range<usize>> {
        pack_windows(&tok.paragraphs, tok.tokens.len(), self.config.window)
    }

    /// Emission scores `[i * labels + y]` of every window of a document.
    pub fn window_emissions(
        &self,
        doc: &Document,
        tok: &Tokenized,
    ) -> Result<Vec<(Range<usize>, Vec<f64>)>> {
        let inputs = self.inputs(doc, tok);
        let windows = self.windows(tok);
        if windows.is_empty() {
            return Ok(Vec::new());
        }
        let batch_windows: Vec<_> = windows.iter().map(|r| (&inputs, r.clone(), None)).collect();
        let batch = make_batch(&batch_windows, self.vocab.pad(), &self.device)?;
        let emissions: Vec<Vec<Vec<f32>>> = self.network.emissions(&batch, None)?.to_vec3()?;
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

    /// Overwrites the parameters with `tensors` (by name; shapes must match).
    pub fn load_tensors(&mut self, tensors: &[(String, Tensor)]) -> Result<()> {
        set_vars(&self.varmap, tensors)?;
        self.refresh_decoder()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neural::encoder::EncoderConfig;
    use quotekit_data::Tokenizer;

    #[test]
    fn windows_follow_paragraphs_and_emissions_cover_every_word() {
        let text = "“We will win,” Ana Ruiz said.\n\nBob argued that rain was coming, and more.";
        let vocab = Vocabulary::train(std::iter::once(text), 60).unwrap();
        let config = NeuralConfig {
            window: 8,
            encoder: EncoderConfig {
                hidden: 8,
                dilations: vec![1],
                sparse_dim: 4,
                sparse_bits: 8,
                ..EncoderConfig::default()
            },
            ..NeuralConfig::default()
        };
        let model = NeuralModel::new(&config, vocab, Lexicon::builtin_cues(), 7).unwrap();
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
}
