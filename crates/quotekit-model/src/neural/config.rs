//! The `[neural]` section of a config (`model = "neural"`) and its
//! `[neural.network]` sizes.

use crate::features::config::Template;
use crate::features::symbolic::FEATURE_SIZES;
use crate::nn::{check_dilations, check_layers, check_widths};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Neural training settings (the `[neural]` section of a config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NeuralConfig {
    /// BPE vocabulary size.
    pub vocab_size: usize,
    /// Network sizes.
    #[serde(alias = "encoder")]
    pub network: NetworkConfig,
    /// Most words per window (windows hold whole paragraphs where they fit).
    pub window: usize,
    /// Words per batch (windows are grouped by length up to this many words).
    pub batch_words: usize,
    /// Epochs.
    pub epochs: usize,
    /// Epochs without a better dev F1 before stopping (0: never stop early).
    pub patience: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Learning-rate multiplier of the hashed-feature tables (`network.sparse`,
    /// `network.wide`): Adam gives rare features full-size steps.
    pub sparse_learning_rate: f64,
    /// Share of the steps spent warming up.
    pub warmup: f64,
    /// Global gradient-norm clip.
    pub clip: f64,
    /// Decay of the running average of the weights that is evaluated and kept
    /// (Polyak/EMA averaging; 0 turns it off and keeps the raw weights).
    pub average: f64,
    /// Seed of initialisation, shuffling and dropout.
    pub seed: u64,
    /// A trained CRF model to start from: its feature weights become the wide
    /// path, its transitions the CRF layer's (see [`crate::neural::crf_init`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_crf: Option<PathBuf>,
}

impl Default for NeuralConfig {
    fn default() -> Self {
        Self {
            vocab_size: 16_000,
            network: NetworkConfig::default(),
            window: 256,
            batch_words: 4096,
            epochs: 5,
            patience: 3,
            learning_rate: 2e-3,
            weight_decay: 0.01,
            sparse_learning_rate: 1.0,
            warmup: 0.05,
            clip: 5.0,
            average: 0.0,
            seed: 42,
            init_crf: None,
        }
    }
}

/// Character id buckets of the character embedding (id 0 is padding).
pub const CHAR_BUCKETS: usize = 512;
/// The largest `neural.vocab_size`.
pub const MAX_VOCAB: usize = 1 << 20;
/// The most weights a network may have (a config over it would fail for
/// memory, or take days).
pub const MAX_WEIGHTS: u64 = 500_000_000;

impl NeuralConfig {
    /// About how many weights the network of this config has (the most
    /// tags a scheme has, 13, for its output layers).
    pub fn weights(&self) -> u64 {
        let e = &self.network;
        let n = |x: usize| x as u64;
        let tags = 13;
        let features = FEATURE_SIZES.len();
        let word =
            n(e.piece_dim) + n(e.char_channels) + n(features) * n(e.feature_dim) + n(e.sparse_dim);
        let hashed = if e.sparse_dim > 0 {
            (1u64 << e.sparse_bits.min(40)) * (n(e.sparse_dim) + if e.wide { tags } else { 0 })
        } else {
            0
        };
        n(self.vocab_size) * n(e.piece_dim)
            + n(CHAR_BUCKETS) * n(e.char_dim)
            + 3 * n(e.char_dim) * n(e.char_channels)
            + word * n(e.hidden)
            + n(e.dilations.len()) * 3 * n(e.hidden) * n(e.hidden)
            + n(e.hidden) * tags
            + n(FEATURE_SIZES.iter().sum()) * n(e.feature_dim)
            + hashed
    }

    /// Checks every value; messages name the key.
    pub fn validate(&self) -> Result<(), String> {
        let e = &self.network;
        if self.vocab_size < 16 {
            return Err(format!(
                "neural.vocab_size = {} (expected at least 16)",
                self.vocab_size
            ));
        }
        if self.window < 16 {
            return Err(format!(
                "neural.window = {} (expected at least 16)",
                self.window
            ));
        }
        if self.batch_words < self.window {
            return Err(format!(
                "neural.batch_words = {} is smaller than neural.window = {}",
                self.batch_words, self.window
            ));
        }
        if self.epochs == 0 {
            return Err("neural.epochs must be at least 1".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(format!(
                "neural.learning_rate = {} (expected > 0)",
                self.learning_rate
            ));
        }
        if !(self.sparse_learning_rate > 0.0 && self.sparse_learning_rate.is_finite()) {
            return Err(format!(
                "neural.sparse_learning_rate = {} (expected > 0)",
                self.sparse_learning_rate
            ));
        }
        if !(0.0..1.0).contains(&self.average) {
            return Err(format!(
                "neural.average = {} (expected at least 0 and below 1)",
                self.average
            ));
        }
        if !(0.0..1.0).contains(&self.warmup) {
            return Err(format!(
                "neural.warmup = {} (expected at least 0 and below 1)",
                self.warmup
            ));
        }
        if !(self.clip > 0.0 && self.clip.is_finite()) {
            return Err(format!(
                "neural.clip = {} (expected > 0: the largest gradient norm)",
                self.clip
            ));
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(format!(
                "neural.weight_decay = {} (expected ≥ 0)",
                self.weight_decay
            ));
        }
        check_dilations("neural.network.dilations", &e.dilations)?;
        if !(0.0..1.0).contains(&e.sparse_dropout) {
            return Err(format!(
                "neural.network.sparse_dropout = {} (expected at least 0 and below 1)",
                e.sparse_dropout
            ));
        }
        if e.sparse_dim > 0 && e.sparse_templates.is_empty() {
            return Err(
                "neural.network.sparse_templates is empty (list CRF feature templates, or set sparse_dim = 0)"
                    .into(),
            );
        }
        if !(0.0..1.0).contains(&e.dropout) {
            return Err(format!(
                "neural.network.dropout = {} (expected at least 0 and below 1)",
                e.dropout
            ));
        }
        if e.hidden == 0 || e.piece_dim == 0 || e.char_channels == 0 {
            return Err("neural.network sizes must be at least 1".into());
        }
        if e.sparse_dim > 0 && !(8..=22).contains(&e.sparse_bits) {
            return Err(format!(
                "neural.network.sparse_bits = {} (expected 8 to 22)",
                e.sparse_bits
            ));
        }
        if self.init_crf.is_some() {
            e.wide_path_for_init_crf()?;
        }
        Ok(())
    }

    /// Checks that the network fits in memory: each width at most
    /// [`MAX_SIZE`](crate::nn::MAX_SIZE), at most [`MAX_LAYERS`](crate::nn::MAX_LAYERS)
    /// dilated layers, `vocab_size` at most [`MAX_VOCAB`], the whole at most
    /// [`MAX_WEIGHTS`] weights. For training only: a model trained before
    /// these bounds loads whatever its size.
    pub fn check_size(&self) -> Result<(), String> {
        let e = &self.network;
        if self.vocab_size > MAX_VOCAB {
            return Err(format!(
                "neural.vocab_size = {} (expected at most {MAX_VOCAB})",
                self.vocab_size
            ));
        }
        check_layers("neural.network.dilations", &e.dilations)?;
        check_widths(
            "neural.network",
            &[
                ("piece_dim", e.piece_dim),
                ("char_dim", e.char_dim),
                ("char_channels", e.char_channels),
                ("feature_dim", e.feature_dim),
                ("hidden", e.hidden),
                ("sparse_dim", e.sparse_dim),
            ],
        )?;
        let weights = self.weights();
        if weights > MAX_WEIGHTS {
            return Err(format!(
                "the network of neural.vocab_size and neural.network would have about \
                 {weights} weights (expected at most {MAX_WEIGHTS}: about 2 GB, four \
                 times that in training); make vocab_size, hidden, piece_dim, sparse_dim or \
                 sparse_bits smaller (or wide false)"
            ));
        }
        Ok(())
    }
}

/// Fills in the network keys that a saved `neural` section (JSON, as a
/// model file's header or a training checkpoint keeps it) was written
/// without, with what the file means where that is not today's default:
/// the first neural models (format version 1) came before the `wide` path
/// and before `sparse_dropout`, and had neither; the models before
/// `sparse_templates` hashed every template there was then
/// ([`Template::BEFORE_CLAUSE`]). (A config is saved with
/// every key it has, so only files from before a key lack it. The other
/// keys added since, such as `sparse_learning_rate` and `average`, default
/// to what the runs before them did.)
pub fn saved_before_keys(neural: &mut serde_json::Value) {
    for section in ["network", "encoder"] {
        if let Some(network) = neural.get_mut(section).and_then(|n| n.as_object_mut()) {
            network.entry("wide").or_insert(false.into());
            network.entry("sparse_dropout").or_insert(0.0.into());
            network
                .entry("sparse_templates")
                .or_insert_with(|| serde_json::json!(Template::BEFORE_CLAUSE));
        }
    }
}

/// Sizes of the network (the `[neural.network]` section; `[neural.encoder]`
/// in configs and models of format version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Piece embedding size.
    pub piece_dim: usize,
    /// Character embedding size.
    pub char_dim: usize,
    /// Character CNN channels.
    pub char_channels: usize,
    /// Size of each symbolic feature embedding.
    pub feature_dim: usize,
    /// Width of the convolution stack.
    pub hidden: usize,
    /// Dilations of the convolution layers (kernel 3).
    pub dilations: Vec<usize>,
    /// Size of the embedding of the hashed CRF features (0: not used).
    pub sparse_dim: usize,
    /// Hash bits of the CRF features (`2^sparse_bits` embedding rows).
    pub sparse_bits: u32,
    /// Dropout probability during training.
    pub dropout: f64,
    /// Probability of dropping each hashed CRF feature of a word during training.
    pub sparse_dropout: f64,
    /// Also add a linear function of the hashed CRF features to the tag scores
    /// (the CRF's own emission model, learnt jointly with the network).
    pub wide: bool,
    /// The CRF feature templates hashed (every template by default; models
    /// saved before [`Template::Clause`] used the others,
    /// [`Template::BEFORE_CLAUSE`]).
    pub sparse_templates: Vec<Template>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            piece_dim: 96,
            char_dim: 16,
            char_channels: 48,
            feature_dim: 8,
            hidden: 128,
            dilations: vec![1, 2, 4, 8, 16, 32, 64],
            sparse_dim: 32,
            sparse_bits: 18,
            dropout: 0.3,
            sparse_dropout: 0.3,
            wide: true,
            sparse_templates: Template::ALL.to_vec(),
        }
    }
}

impl NetworkConfig {
    /// Refuses a network without the wide path, which `neural.init_crf`
    /// copies the CRF's weights into.
    pub(crate) fn wide_path_for_init_crf(&self) -> Result<(), String> {
        if self.sparse_dim == 0 || !self.wide {
            return Err(format!(
                "neural.init_crf needs the wide path: set neural.network.wide = true and neural.network.sparse_dim > 0 (now {} and {})",
                self.wide, self.sparse_dim
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::MAX_SIZE;

    /// A saved network section without `wide` or `sparse_dropout` has
    /// neither; one that has them keeps them.
    #[test]
    fn keys_saved_before_they_existed_mean_what_the_file_did() {
        let mut old = serde_json::json!({"encoder": {"hidden": 7}});
        saved_before_keys(&mut old);
        let old: NeuralConfig = serde_json::from_value(old).unwrap();
        assert_eq!(old.network.hidden, 7);
        assert!(!old.network.wide);
        assert_eq!(old.network.sparse_dropout, 0.0);
        assert_eq!(old.network.sparse_templates, Template::BEFORE_CLAUSE);
        let mut now = serde_json::to_value(NeuralConfig::default()).unwrap();
        saved_before_keys(&mut now);
        let now: NeuralConfig = serde_json::from_value(now).unwrap();
        assert_eq!(now, NeuralConfig::default());
        assert!(now.network.wide && now.network.sparse_dropout > 0.0);
        assert!(now.network.sparse_templates.contains(&Template::Clause));
    }

    #[test]
    fn invalid_settings_name_their_key() {
        let bad = NeuralConfig {
            window: 4,
            ..NeuralConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("neural.window = 4"));
        let bad = NeuralConfig {
            learning_rate: -1.0,
            ..NeuralConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("neural.learning_rate"));
        let mut bad = NeuralConfig::default();
        bad.network.sparse_bits = 30;
        assert!(bad
            .validate()
            .unwrap_err()
            .contains("neural.network.sparse_bits = 30"));
        // Starting from a CRF needs the wide path: refused with the config,
        // so that a search is refused before its first trial.
        for (wide, sparse_dim) in [(false, 32), (true, 0)] {
            let mut bad = NeuralConfig {
                init_crf: Some("models/crf".into()),
                ..NeuralConfig::default()
            };
            bad.network.wide = wide;
            bad.network.sparse_dim = sparse_dim;
            let e = bad.validate().unwrap_err();
            assert!(e.contains("neural.init_crf needs the wide path"), "{e}");
            bad.init_crf = None;
            bad.validate().unwrap();
        }
    }

    /// Sizes that pass every lower bound but would overflow or exhaust
    /// memory when the network is made are refused by name.
    #[test]
    fn a_network_too_large_to_make_is_refused() {
        let mut bad = NeuralConfig::default();
        bad.network.hidden = 100_000_000_000;
        assert!(bad
            .check_size()
            .unwrap_err()
            .contains("neural.network.hidden = 100000000000 (expected at most 8192)"));
        let bad = NeuralConfig {
            vocab_size: 1_000_000_000_000,
            ..NeuralConfig::default()
        };
        assert!(bad.check_size().unwrap_err().contains("neural.vocab_size"));
        // Every size within its bound, the whole too large.
        let mut bad = NeuralConfig {
            vocab_size: MAX_VOCAB,
            ..NeuralConfig::default()
        };
        bad.network.piece_dim = MAX_SIZE;
        let err = bad.check_size().unwrap_err();
        assert!(err.contains("weights (expected at most 500000000"), "{err}");
        assert!(NeuralConfig::default().check_size().is_ok());
        // More dilated layers than training takes: refused for training,
        // while a model's stored config of them still validates (loads).
        let mut deep = NeuralConfig::default();
        deep.network.dilations = vec![1; crate::nn::MAX_LAYERS + 1];
        let err = deep.check_size().unwrap_err();
        assert!(
            err.contains("neural.network.dilations lists 33 layers"),
            "{err}"
        );
        assert!(deep.validate().is_ok());
        // (A model's stored config is checked by `validate` alone.)
        assert!(bad.validate().is_ok());
    }

    #[test]
    fn the_network_section_reads_under_its_old_name() {
        let old: NeuralConfig = toml::from_str("[encoder]\nhidden = 7\n").unwrap();
        let new: NeuralConfig = toml::from_str("[network]\nhidden = 7\n").unwrap();
        assert_eq!(old, new);
        assert_eq!(new.network.hidden, 7);
    }
}
