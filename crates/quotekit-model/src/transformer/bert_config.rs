//! The fields of a BERT-family encoder's `config.json` that quotekit reads
//! (BERT itself, and MPNet: BERT's layers with relative position buckets
//! added to the attention scores), and the checks that refuse an
//! architecture or a value the encoder cannot run.

use crate::error::ModelError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The fields of a Hugging Face BERT or MPNet `config.json` the encoder needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Width of every layer.
    pub hidden_size: usize,
    /// Transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Positions the encoder has embeddings for (its window).
    pub max_position_embeddings: usize,
    /// Token type vocabulary (segments).
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    /// Layer-norm epsilon.
    #[serde(default = "eps")]
    pub layer_norm_eps: f64,
    /// Activation; only `gelu` (erf) is supported.
    #[serde(default = "gelu")]
    pub hidden_act: String,
    /// Dropout inside the encoder during fine-tuning.
    #[serde(default = "point_one")]
    pub hidden_dropout_prob: f64,
    /// Model type: `bert` or `mpnet`.
    #[serde(default = "bert")]
    pub model_type: String,
    /// MPNet: the buckets of relative positions whose learned biases are
    /// added to every layer's attention scores.
    #[serde(default = "thirty_two")]
    pub relative_attention_num_buckets: usize,
    /// The padding piece's id. MPNet numbers its positions from one past it
    /// (as RoBERTa does), so its first `pad_token_id + 1` position
    /// embeddings are never used for a piece. Absent or `null` (as some
    /// BERT configs write it): MPNet's own 1; BERT does not use it.
    #[serde(default)]
    pub pad_token_id: Option<usize>,
}

/// The model types the encoder implements.
const MODEL_TYPES: [&str; 2] = ["bert", "mpnet"];

fn two() -> usize {
    2
}
fn eps() -> f64 {
    1e-12
}
fn gelu() -> String {
    "gelu".into()
}
fn point_one() -> f64 {
    0.1
}
fn bert() -> String {
    "bert".into()
}
fn thirty_two() -> usize {
    32
}

impl BertConfig {
    /// Reads and checks an encoder's `config.json` (`path` names it in errors).
    pub fn from_json(json: &str, path: &Path) -> std::result::Result<Self, ModelError> {
        let config: BertConfig = serde_json::from_str(json)
            .map_err(|e| ModelError::corrupt(path, format!("encoder config: {e}")))?;
        config.check().map_err(|e| ModelError::corrupt(path, e))?;
        Ok(config)
    }

    /// True for an MPNet encoder (relative position biases, positions
    /// numbered after the padding id, no segment embeddings).
    pub fn is_mpnet(&self) -> bool {
        self.model_type == "mpnet"
    }

    /// The position id of a window's first piece.
    pub fn first_position(&self) -> usize {
        if self.is_mpnet() {
            self.pad_token_id.unwrap_or(1).saturating_add(1)
        } else {
            0
        }
    }

    /// The longest window (in pieces) the position embeddings cover.
    pub fn max_window(&self) -> usize {
        self.max_position_embeddings
            .saturating_sub(self.first_position())
    }

    /// Refuses architectures this module does not implement, and values it
    /// cannot run with (a layer-norm epsilon that is not a small positive
    /// number, a dropout outside [0, 1)).
    pub fn check(&self) -> std::result::Result<(), String> {
        if !MODEL_TYPES.contains(&self.model_type.as_str()) {
            return Err(format!(
                "model_type is {:?}; only BERT-family encoders (\"bert\", \"mpnet\") are supported",
                self.model_type
            ));
        }
        if self.is_mpnet() && self.relative_attention_num_buckets < 4 {
            return Err(format!(
                "relative_attention_num_buckets is {}; MPNet needs at least 4 (it uses 32)",
                self.relative_attention_num_buckets
            ));
        }
        if self.is_mpnet() && self.first_position() >= self.max_position_embeddings {
            return Err(format!(
                "pad_token_id {:?} leaves no position for a piece: MPNet numbers positions from pad_token_id + 1, and max_position_embeddings is {}",
                self.pad_token_id, self.max_position_embeddings
            ));
        }
        if self.hidden_act != "gelu" {
            return Err(format!(
                "hidden_act is {:?}; only \"gelu\" is supported",
                self.hidden_act
            ));
        }
        if self.hidden_size == 0 || self.intermediate_size == 0 || self.num_hidden_layers == 0 {
            return Err(format!(
                "hidden_size {}, intermediate_size {} and num_hidden_layers {} must all be at least 1",
                self.hidden_size, self.intermediate_size, self.num_hidden_layers
            ));
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Err(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        // (A negative or zero epsilon divides by zero or takes the root of
        // a negative number in every layer norm: every score would be NaN
        // and nothing would be tagged.)
        if !(self.layer_norm_eps.is_finite() && self.layer_norm_eps > 0.0) {
            return Err(format!(
                "layer_norm_eps is {}; it must be a small positive number (BERT uses 1e-12)",
                self.layer_norm_eps
            ));
        }
        if !(0.0..1.0).contains(&self.hidden_dropout_prob) {
            return Err(format!(
                "hidden_dropout_prob is {}; it must be at least 0 and below 1",
                self.hidden_dropout_prob
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid config.
    fn tiny() -> BertConfig {
        BertConfig::from_json(
            r#"{"model_type": "bert", "vocab_size": 8, "hidden_size": 32,
            "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
            "max_position_embeddings": 32, "hidden_act": "gelu"}"#,
            Path::new("config.json"),
        )
        .unwrap()
    }

    /// A `null` padding id (some BERT configs write one; quotekit read no
    /// such field before MPNet) still reads; an MPNet whose padding id
    /// leaves it no position is refused.
    #[test]
    fn padding_ids_read_null_and_must_leave_mpnet_positions() {
        let null = BertConfig::from_json(
            r#"{"model_type": "bert", "vocab_size": 8, "hidden_size": 32,
            "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
            "max_position_embeddings": 32, "pad_token_id": null}"#,
            Path::new("config.json"),
        )
        .unwrap();
        assert_eq!((null.pad_token_id, null.max_window()), (None, 32));
        let mpnet = BertConfig {
            model_type: "mpnet".into(),
            ..null
        };
        assert_eq!(
            mpnet.max_window(),
            30,
            "positions from 2 (MPNet's padding id 1)"
        );
        for pad in [31, usize::MAX] {
            let config = BertConfig {
                pad_token_id: Some(pad),
                ..mpnet.clone()
            };
            let e = config.check().unwrap_err();
            assert!(e.contains("leaves no position"), "{e}");
        }
    }

    #[test]
    fn zero_sizes_are_refused_by_the_config_check() {
        let bert = tiny();
        for (hidden, inner, layers) in [(0, 64, 2), (32, 0, 2), (32, 64, 0)] {
            let config = BertConfig {
                hidden_size: hidden,
                intermediate_size: inner,
                num_hidden_layers: layers,
                ..bert.clone()
            };
            let e = config.check().unwrap_err();
            assert!(e.contains("must all be at least 1"), "{e}");
        }
    }

    /// An epsilon that is not a small positive number (which made every
    /// score NaN and tagged nothing) and a dropout outside [0, 1) are
    /// refused; BERT's own values pass.
    #[test]
    fn a_bad_layer_norm_epsilon_or_dropout_is_refused() {
        let bert = tiny();
        assert!(bert.check().is_ok());
        for eps in [-1.0, 0.0, f64::NAN, f64::INFINITY] {
            let config = BertConfig {
                layer_norm_eps: eps,
                ..bert.clone()
            };
            let e = config.check().unwrap_err();
            assert!(e.contains("layer_norm_eps"), "{e}");
        }
        for p in [-0.1, 1.0, f64::NAN] {
            let config = BertConfig {
                hidden_dropout_prob: p,
                ..bert.clone()
            };
            let e = config.check().unwrap_err();
            assert!(e.contains("hidden_dropout_prob"), "{e}");
        }
    }
}
