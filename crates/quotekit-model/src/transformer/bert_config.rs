//! The fields of a BERT-family encoder's `config.json` that quotekit reads
//! (BERT itself, and MPNet: BERT's layers with relative position buckets
//! added to the attention scores), and the checks that refuse an
//! architecture or a value the encoder cannot run.

use crate::error::ModelError;
use crate::nn::MAX_SIZE;
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

/// The most pieces an encoder's vocabulary may hold (multilingual
/// encoders have about 250,000).
pub const MAX_PIECES: usize = 1 << 20;

/// The most weights an encoder may have by its config (BERT-large has
/// 335 M): above it, it would not fit in memory to be fine-tuned.
pub const MAX_ENCODER_WEIGHTS: u64 = 1_000_000_000;

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
        // (A well-formed file of an encoder quotekit cannot run: no damage.)
        config.check().map_err(|message| ModelError::Config {
            path: Some(path.to_path_buf()),
            message: format!("{message} (an encoder's config.json)"),
        })?;
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

    /// The encoder's weights by its config (embeddings, layers, MPNet's
    /// relative biases; saturating, for configs far too large).
    pub fn weights(&self) -> u64 {
        let n = |x: usize| x as u64;
        let (h, inner) = (n(self.hidden_size), n(self.intermediate_size));
        let types = if self.is_mpnet() {
            0
        } else {
            n(self.type_vocab_size)
        };
        let relative = if self.is_mpnet() {
            n(self.relative_attention_num_buckets).saturating_mul(n(self.num_attention_heads))
        } else {
            0
        };
        let embeddings =
            (n(self.vocab_size) + n(self.max_position_embeddings) + types + 2).saturating_mul(h);
        // Query, key, value and output, the feed-forward pair, two norms.
        let layer = (4 * h + 4)
            .saturating_mul(h)
            .saturating_add(inner.saturating_mul(2 * h + 1))
            .saturating_add(5 * h);
        embeddings
            .saturating_add(layer.saturating_mul(n(self.num_hidden_layers)))
            .saturating_add(relative)
    }

    /// Refuses architectures this module does not implement, and values it
    /// cannot run with (a layer-norm epsilon that is not a small positive
    /// number, a dropout outside [0, 1), sizes that would not fit in
    /// memory).
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
        if self.vocab_size == 0 {
            return Err("vocab_size is 0; it must be at least 1".into());
        }
        if !self.is_mpnet() && self.type_vocab_size == 0 {
            return Err("type_vocab_size is 0; a BERT encoder needs at least 1 (it uses 2)".into());
        }
        let limits = [
            ("vocab_size", self.vocab_size, MAX_PIECES),
            ("hidden_size", self.hidden_size, MAX_SIZE),
            ("intermediate_size", self.intermediate_size, 4 * MAX_SIZE),
            (
                "max_position_embeddings",
                self.max_position_embeddings,
                1 << 16,
            ),
            ("type_vocab_size", self.type_vocab_size, 1 << 10),
            ("num_hidden_layers", self.num_hidden_layers, 256),
            (
                "relative_attention_num_buckets",
                self.relative_attention_num_buckets,
                1 << 10,
            ),
        ];
        for (key, value, most) in limits {
            if value > most {
                return Err(format!(
                    "{key} is {value}; quotekit runs encoders with at most {most}"
                ));
            }
        }
        if self.weights() > MAX_ENCODER_WEIGHTS {
            return Err(format!(
                "these sizes make an encoder of {} weights; quotekit runs encoders of at most {MAX_ENCODER_WEIGHTS}",
                self.weights()
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

    /// Sizes that would not fit in memory (which aborted the process as
    /// the encoder was built) are refused by key, and so is a BERT without
    /// segment types (a failed lookup in every forward pass).
    #[test]
    fn sizes_too_large_or_without_segments_are_refused() {
        let bert = tiny();
        let refused = |config: BertConfig, expected: &str| {
            let e = config.check().unwrap_err();
            assert!(e.contains(expected), "{e}");
        };
        refused(
            BertConfig {
                vocab_size: 10_000_000_000,
                ..bert.clone()
            },
            "vocab_size is 10000000000; quotekit runs encoders with at most 1048576",
        );
        refused(
            BertConfig {
                hidden_size: 1 << 40,
                num_attention_heads: 1,
                ..bert.clone()
            },
            "hidden_size is 1099511627776",
        );
        refused(
            BertConfig {
                max_position_embeddings: usize::MAX,
                ..bert.clone()
            },
            "max_position_embeddings is",
        );
        refused(
            BertConfig {
                num_hidden_layers: 1_000_000,
                ..bert.clone()
            },
            "num_hidden_layers is 1000000",
        );
        refused(
            BertConfig {
                hidden_size: 8192,
                num_attention_heads: 8,
                num_hidden_layers: 40,
                ..bert.clone()
            },
            "weights; quotekit runs encoders of at most 1000000000",
        );
        refused(
            BertConfig {
                type_vocab_size: 0,
                ..bert.clone()
            },
            "type_vocab_size is 0; a BERT encoder needs at least 1",
        );
        let mpnet = BertConfig {
            model_type: "mpnet".into(),
            type_vocab_size: 0,
            ..bert
        };
        assert_eq!(mpnet.check(), Ok(()), "MPNet has no segment embeddings");
        // A refusal names the file and is no damage.
        let e = BertConfig::from_json(
            r#"{"model_type": "bert", "vocab_size": 8, "hidden_size": 32,
            "num_hidden_layers": 2, "num_attention_heads": 3, "intermediate_size": 64,
            "max_position_embeddings": 32}"#,
            Path::new("enc/config.json"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "enc/config.json: hidden_size 32 is not a multiple of num_attention_heads 3 (an encoder's config.json)");
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
