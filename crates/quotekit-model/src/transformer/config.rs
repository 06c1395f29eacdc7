//! The `[transformer]` section of a config (`model = "transformer"`; the
//! section was `[encoder]` and the kind `"encoder"` before format version 2,
//! and both still read).

use crate::nn::check_widths;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How a word's vector is made from its pieces' vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// The first piece's vector.
    #[default]
    First,
    /// The mean over the word's pieces (at most four).
    Mean,
}

impl Pooling {
    /// Pieces pooled per word.
    pub fn pieces(self) -> usize {
        match self {
            Pooling::First => 1,
            Pooling::Mean => 4,
        }
    }
}

/// Settings of the transformer tagger: a pretrained BERT-family encoder
/// fine-tuned with a tagging head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransformerConfig {
    /// Folder with the encoder's `config.json`, `tokenizer.json` and
    /// `model.safetensors` (see `quotekit fetch-encoder`).
    pub path: PathBuf,
    /// Pieces per encoder window, `[CLS]` and `[SEP]` included (at most the
    /// encoder's position embeddings).
    pub window: usize,
    /// Pieces between the starts of consecutive windows (≤ window − 2; less
    /// gives overlapping windows, each word keeps its most central one).
    pub stride: usize,
    /// Word vectors from the first piece or the mean of the pieces.
    pub pooling: Pooling,
    /// Concatenate embeddings of the symbolic features (quotation state, cue
    /// lexicon, capitalisation) to the word vectors.
    pub features: bool,
    /// Size of each symbolic feature embedding.
    pub feature_dim: usize,
    /// Width of the head's convolutions (0: a linear head straight to tag scores).
    pub head_hidden: usize,
    /// Dilations of the head's residual convolutions (kernel 3).
    pub head_dilations: Vec<usize>,
    /// Dropout on the head's input and layers (the encoder uses its own
    /// `hidden_dropout_prob` when fine-tuned).
    pub dropout: f64,
    /// Encoder pieces per batch (whole documents are batched).
    pub batch_pieces: usize,
    /// Batches whose gradients are summed before each update.
    pub accumulate: usize,
    /// Fine-tuning memory: a batch with more encoder windows than this is
    /// encoded this many windows at a time, and each part is run again in
    /// the backward pass, so that only one part's activations are held at
    /// once (exact gradients; those batches cost one more forward pass of
    /// the encoder). 0 never splits a batch.
    pub recompute_windows: usize,
    /// Epochs.
    pub epochs: usize,
    /// Epochs without a better dev F1 before stopping (0: never stop early).
    pub patience: usize,
    /// Peak learning rate of the head and CRF.
    pub learning_rate: f64,
    /// Peak learning rate of the encoder's own weights.
    pub encoder_learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Share of the updates spent warming up.
    pub warmup: f64,
    /// Global gradient-norm clip.
    pub clip: f64,
    /// Decay of a running average of the weights (updated after every
    /// step), which is what dev evaluates and the model keeps; training goes
    /// on from the raw weights. 0 turns it off.
    pub average: f64,
    /// Train the head only on encoder outputs computed once and cached
    /// (`quotekit train --freeze-encoder`).
    pub freeze: bool,
    /// Seed of initialisation, shuffling and dropout.
    pub seed: u64,
    /// A trained transformer model (a model directory) whose weights start
    /// training instead of `path`'s pretrained encoder and a seeded head;
    /// the optimizer and schedule start anew (see
    /// [`crate::transformer::init`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<PathBuf>,
}

impl Default for TransformerConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from("models/all-MiniLM-L6-v2"),
            window: 256,
            stride: 192,
            pooling: Pooling::First,
            features: true,
            feature_dim: 16,
            head_hidden: 0,
            head_dilations: Vec::new(),
            dropout: 0.1,
            batch_pieces: 4096,
            accumulate: 1,
            recompute_windows: 0,
            epochs: 3,
            patience: 2,
            learning_rate: 1e-3,
            encoder_learning_rate: 5e-5,
            weight_decay: 0.01,
            warmup: 0.1,
            clip: 1.0,
            average: 0.0,
            freeze: false,
            seed: 42,
            init: None,
        }
    }
}

impl TransformerConfig {
    /// Checks every value; messages name the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.window < 8 {
            return Err(format!(
                "transformer.window = {} (expected at least 8)",
                self.window
            ));
        }
        if self.stride == 0 || self.stride > self.window - 2 {
            return Err(format!(
                "transformer.stride = {} (expected 1 to transformer.window − 2 = {})",
                self.stride,
                self.window - 2
            ));
        }
        if self.batch_pieces < self.window {
            return Err(format!(
                "transformer.batch_pieces = {} is smaller than transformer.window = {}",
                self.batch_pieces, self.window
            ));
        }
        if self.accumulate == 0 || self.epochs == 0 {
            return Err("transformer.accumulate and transformer.epochs must be at least 1".into());
        }
        for (key, v) in [
            ("learning_rate", self.learning_rate),
            ("encoder_learning_rate", self.encoder_learning_rate),
            ("clip", self.clip),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("transformer.{key} = {v} (expected > 0)"));
            }
        }
        for (key, v) in [
            ("dropout", self.dropout),
            ("warmup", self.warmup),
            ("average", self.average),
        ] {
            if !(0.0..1.0).contains(&v) {
                return Err(format!(
                    "transformer.{key} = {v} (expected at least 0 and below 1)"
                ));
            }
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(format!(
                "transformer.weight_decay = {} (expected ≥ 0)",
                self.weight_decay
            ));
        }
        crate::nn::check_dilations("transformer.head_dilations", &self.head_dilations)?;
        if self.head_hidden == 0 && !self.head_dilations.is_empty() {
            return Err("transformer.head_dilations needs transformer.head_hidden > 0".into());
        }
        Ok(())
    }

    /// Checks that the head fits in memory (`head_hidden` and `feature_dim`
    /// at most [`MAX_SIZE`](crate::nn::MAX_SIZE), at most
    /// [`MAX_LAYERS`](crate::nn::MAX_LAYERS) `head_dilations`). For training only: a model trained before the bound
    /// loads whatever its size.
    pub fn check_size(&self) -> Result<(), String> {
        crate::nn::check_layers("transformer.head_dilations", &self.head_dilations)?;
        check_widths(
            "transformer",
            &[
                ("head_hidden", self.head_hidden),
                ("feature_dim", self.feature_dim),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_settings_name_their_key() {
        let check = |s: TransformerConfig, expected: &str| {
            let e = s.validate().unwrap_err();
            assert!(e.contains(expected), "{e}");
        };
        let d = TransformerConfig::default;
        assert_eq!(d().validate(), Ok(()));
        let huge = TransformerConfig {
            head_hidden: 1 << 40,
            ..d()
        };
        assert_eq!(huge.validate(), Ok(()), "a model's stored config loads");
        assert!(huge
            .check_size()
            .unwrap_err()
            .contains("transformer.head_hidden = 1099511627776 (expected at most 8192)"));
        let wide = TransformerConfig {
            feature_dim: 100_000_000_000,
            ..d()
        };
        assert!(wide
            .check_size()
            .unwrap_err()
            .contains("transformer.feature_dim = 100000000000 (expected at most 8192)"));
        check(
            TransformerConfig { window: 4, ..d() },
            "transformer.window = 4",
        );
        check(
            TransformerConfig { stride: 255, ..d() },
            "transformer.stride = 255",
        );
        check(
            TransformerConfig {
                batch_pieces: 100,
                ..d()
            },
            "transformer.batch_pieces = 100",
        );
        check(
            TransformerConfig {
                accumulate: 0,
                ..d()
            },
            "transformer.accumulate",
        );
        check(
            TransformerConfig {
                encoder_learning_rate: 0.0,
                ..d()
            },
            "transformer.encoder_learning_rate = 0",
        );
        check(
            TransformerConfig {
                average: 1.0,
                ..d()
            },
            "transformer.average = 1 (expected at least 0 and below 1)",
        );
        check(
            TransformerConfig {
                dropout: 1.5,
                ..d()
            },
            "transformer.dropout = 1.5",
        );
        check(
            TransformerConfig {
                head_dilations: vec![1],
                ..d()
            },
            "transformer.head_dilations needs transformer.head_hidden",
        );
    }
}
