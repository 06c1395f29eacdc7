//! Training configuration: a serde struct read from TOML (`configs/crf.toml`,
//! `configs/neural.toml`, `configs/encoder.toml`),
//! with defaults in one place and a [`CrfConfig::validate`] that runs before
//! any work starts.

use crate::error::ModelError;
use quotekit_data::TagScheme;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Linear-chain CRF over hashed symbolic features.
    #[default]
    Crf,
    /// Neural encoder (subword pieces, characters, features, dilated
    /// convolutions) with a CRF output layer; settings in `[neural]`.
    Neural,
    /// A pretrained BERT-family encoder, fine-tuned, with a CRF output layer;
    /// settings in `[encoder]`.
    Encoder,
}

/// What one CRF sequence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SequenceUnit {
    /// A whole document: quotes, cues and speakers in neighbouring paragraphs share one sequence.
    Document,
    /// One paragraph: its sentences share one sequence (the default; better on PolNeAR dev,
    /// and many short sequences suit the SGD warm start).
    #[default]
    Paragraph,
}

/// Feature template groups (see `features.rs` for what each produces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    /// The word as written.
    Word,
    /// The lower-cased word.
    Lower,
    /// Prefixes and suffixes of 1–3 characters.
    Affixes,
    /// Word shape (`Xxxx`, `dd`, `X.X.`).
    Shape,
    /// Title case, all caps, runs of capitalised words.
    Capitalization,
    /// Quotation state: outside / opening / inside / closing, over the document.
    QuoteState,
    /// Distance and direction to the nearest quotation mark.
    QuoteDistance,
    /// Cue lexicon membership (single words and phrases).
    CueLexicon,
    /// Distance and direction to the nearest lexicon cue.
    CueDistance,
    /// Personal pronouns.
    Pronoun,
    /// Sentence and paragraph position.
    Position,
    /// Lower-cased words in a window around the token.
    Window,
    /// Word bigrams around the token.
    Bigrams,
    /// Conjunctions of quote state with cue distance, capitalisation and the word.
    Conjunctions,
}

impl Template {
    /// Every template.
    pub const ALL: [Template; 14] = [
        Template::Word,
        Template::Lower,
        Template::Affixes,
        Template::Shape,
        Template::Capitalization,
        Template::QuoteState,
        Template::QuoteDistance,
        Template::CueLexicon,
        Template::CueDistance,
        Template::Pronoun,
        Template::Position,
        Template::Window,
        Template::Bigrams,
        Template::Conjunctions,
    ];
}

/// Where the data comes from and how it is cut into sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Training corpus (brat directory, .jsonl or .conll).
    pub train: PathBuf,
    /// Development corpus for early stopping and the final report.
    pub dev: Option<PathBuf>,
    /// BIO or BILOU.
    pub scheme: TagScheme,
    /// Document or paragraph sequences.
    pub sequence: SequenceUnit,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            train: PathBuf::from("datasets/sample"),
            dev: None,
            scheme: TagScheme::Bio,
            sequence: SequenceUnit::Paragraph,
        }
    }
}

/// Which features are extracted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureConfig {
    /// Template groups to use.
    pub templates: Vec<Template>,
    /// Half-width of the word window.
    pub window: usize,
    /// Features are hashed into 2^hash_bits buckets.
    pub hash_bits: u32,
    /// Cue lexicon file (one entry per line); the built-in `datasets/lexicons/cues.txt` when absent.
    pub lexicon: Option<PathBuf>,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            templates: Template::ALL.to_vec(),
            window: 2,
            hash_bits: 20,
            lexicon: None,
        }
    }
}

/// Optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// L-BFGS on the L2-regularised conditional log-likelihood.
    #[default]
    Lbfgs,
    /// Stochastic gradient descent on the same objective (`max_iterations` epochs).
    Sgd,
    /// Averaged structured perceptron.
    Perceptron,
}

/// Where L-BFGS starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WarmStart {
    /// From zero weights.
    None,
    /// From `warm_start_epochs` epochs of SGD on the same objective.
    #[default]
    Sgd,
    /// From an averaged perceptron run for `warm_start_epochs` epochs, rescaled to
    /// the lowest objective.
    Perceptron,
}

/// How training runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingConfig {
    /// Optimiser.
    pub algorithm: Algorithm,
    /// L2 coefficient: the objective is −log-likelihood + c2/2·‖w‖².
    pub c2: f64,
    /// Iterations (L-BFGS) or epochs (perceptron).
    pub max_iterations: usize,
    /// L-BFGS stops when the objective improved by less than this fraction over the last 10 iterations.
    pub epsilon: f64,
    /// L-BFGS history size.
    pub history: usize,
    /// Evaluate on dev every this many iterations (0: never).
    pub eval_every: usize,
    /// Stop after this many dev evaluations without improvement (0: never stop early).
    pub patience: usize,
    /// L-BFGS: how the starting weights are found.
    pub warm_start: WarmStart,
    /// L-BFGS: epochs of the warm-start method (0: start from zero).
    pub warm_start_epochs: usize,
    /// Feature buckets seen fewer times than this in training get no weights.
    pub min_count: u32,
    /// Seed for everything random (perceptron shuffling).
    pub seed: u64,
    /// Worker threads (0: all cores).
    pub threads: usize,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Lbfgs,
            c2: 2.0,
            max_iterations: 100,
            epsilon: 1e-5,
            history: 6,
            eval_every: 10,
            patience: 6,
            warm_start: WarmStart::Sgd,
            warm_start_epochs: 10,
            min_count: 1,
            seed: 42,
            threads: 0,
        }
    }
}

/// How tags are decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecodingConfig {
    /// Subtracted from the `O` score of every token before Viterbi: above zero it
    /// trades precision for recall.
    pub outside_penalty: f64,
}

impl Default for DecodingConfig {
    fn default() -> Self {
        Self {
            outside_penalty: 0.0,
        }
    }
}

/// A whole training configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CrfConfig {
    /// Model family.
    pub model: ModelKind,
    /// Data.
    pub data: DataConfig,
    /// Features.
    pub features: FeatureConfig,
    /// Training.
    pub training: TrainingConfig,
    /// Decoding.
    pub decoding: DecodingConfig,
    /// Neural tagger settings (used when `model = "neural"`).
    pub neural: crate::neural::NeuralConfig,
    /// Pretrained-encoder tagger settings (used when `model = "encoder"`).
    pub encoder: crate::pretrained::EncoderSettings,
}

impl CrfConfig {
    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Self, ModelError> {
        let config: CrfConfig =
            toml::from_str(text).map_err(|e| ModelError::config(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and validates a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
        Self::from_toml(&text).map_err(|e| match e {
            ModelError::Config { message, .. } => ModelError::Config {
                path: Some(path.to_path_buf()),
                message,
            },
            other => other,
        })
    }

    /// Checks every value before any work starts.
    pub fn validate(&self) -> Result<(), ModelError> {
        let f = &self.features;
        let t = &self.training;
        let fail = |m: String| Err(ModelError::config(m));
        if !(8..=26).contains(&f.hash_bits) {
            return fail(format!(
                "features.hash_bits = {} (expected 8 to 26)",
                f.hash_bits
            ));
        }
        if f.templates.is_empty() {
            return fail("features.templates is empty".into());
        }
        if f.window > 5 {
            return fail(format!(
                "features.window = {} (expected at most 5)",
                f.window
            ));
        }
        if t.c2.is_nan() || t.c2 < 0.0 || t.c2.is_infinite() {
            return fail(format!(
                "training.c2 = {} (expected a finite value ≥ 0)",
                t.c2
            ));
        }
        if t.max_iterations == 0 {
            return fail("training.max_iterations must be at least 1".into());
        }
        if t.history == 0 || t.history > 50 {
            return fail(format!(
                "training.history = {} (expected 1 to 50)",
                t.history
            ));
        }
        if !self.decoding.outside_penalty.is_finite() {
            return fail("decoding.outside_penalty must be finite".into());
        }
        if t.epsilon.is_nan() || t.epsilon < 0.0 {
            return fail(format!("training.epsilon = {} (expected ≥ 0)", t.epsilon));
        }
        if self.model == ModelKind::Neural {
            self.neural.validate().map_err(ModelError::config)?;
        }
        if self.model == ModelKind::Encoder {
            self.encoder.validate().map_err(ModelError::config)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_partial_files() {
        let c = CrfConfig::from_toml("[training]\nc2 = 0.5\n").unwrap();
        assert_eq!(c.training.c2, 0.5);
        assert_eq!(c.training.max_iterations, 100);
        assert_eq!(c.features.templates.len(), Template::ALL.len());
    }

    #[test]
    fn shipped_configs_state_the_defaults() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        let crf = CrfConfig::from_file(&dir.join("crf.toml")).unwrap();
        assert_eq!(crf, CrfConfig::default());
        let neural = CrfConfig::from_file(&dir.join("neural.toml")).unwrap();
        assert_eq!(neural.model, ModelKind::Neural);
        assert_eq!(neural.neural, crate::neural::NeuralConfig::default());
        let from_crf = CrfConfig::from_file(&dir.join("neural-crf.toml")).unwrap();
        assert_eq!(from_crf.model, ModelKind::Neural);
        let mut expected = crate::neural::NeuralConfig {
            init_crf: Some("models/crf-polnear".into()),
            ..crate::neural::NeuralConfig::default()
        };
        expected.encoder.sparse_bits = crf.features.hash_bits;
        expected.encoder.sparse_dropout = 0.1;
        assert_eq!(from_crf.neural, expected);
        let encoder = CrfConfig::from_file(&dir.join("encoder.toml")).unwrap();
        assert_eq!(encoder.model, ModelKind::Encoder);
        assert_eq!(
            encoder.encoder,
            crate::pretrained::EncoderSettings::default()
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected() {
        let e = CrfConfig::from_toml("[training]\nc3 = 1.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `c3`"), "{e}");
        let e = CrfConfig::from_toml("[features]\nhash_bits = 40\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("features.hash_bits = 40"), "{e}");
        let e = CrfConfig::from_toml("[training]\nc2 = -1.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("training.c2 = -1"), "{e}");
        let e = CrfConfig::from_toml("[features]\ntemplates = [\"wordz\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variant `wordz`"), "{e}");
    }
}
