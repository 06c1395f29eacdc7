//! A training configuration: one serde struct read from TOML
//! (`configs/crf.toml`, `configs/neural.toml`, `configs/transformer.toml`)
//! with the defaults in one place. Reading a file checks its values (so the
//! errors name the file); [`TrainConfig::check`] checks a config, changed or
//! not, into a [`Checked`] one, which is all training takes: the trainers do
//! not check again.
//! Each model kind's own section lives beside that kind (`crf::config`,
//! `neural::config`, `transformer::config`); the shared ones live here.
//! The file runs over 500 lines (about 830) with its tests: every check of
//! a config's values is in one place.

use crate::crf::config::{Algorithm, CrfTrainingConfig, SequenceUnit, WarmStart};
use crate::error::ModelError;
use crate::features::config::FeatureConfig;
use crate::neural::config::NeuralConfig;
use crate::speakers::ResolverConfig;
use crate::transformer::config::TransformerConfig;
use quotekit_data::TagScheme;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Linear-chain CRF over hashed symbolic features; settings in
    /// `[features]` and `[training]`.
    #[default]
    Crf,
    /// Neural network (subword pieces, characters, features, dilated
    /// convolutions) with a CRF output layer; settings in `[neural]`.
    Neural,
    /// A pretrained BERT-family encoder, fine-tuned, with a CRF output layer;
    /// settings in `[transformer]` (`model = "encoder"` before format version 2).
    #[serde(alias = "encoder")]
    Transformer,
}

impl ModelKind {
    /// Every kind.
    pub const ALL: [ModelKind; 3] = [ModelKind::Crf, ModelKind::Neural, ModelKind::Transformer];

    /// The name in configs and model files (`crf`, `neural`, `transformer`).
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Crf => "crf",
            ModelKind::Neural => "neural",
            ModelKind::Transformer => "transformer",
        }
    }

    /// Where `train` writes a model of this kind when not told:
    /// `models/crf`, `models/neural` or `models/transformer` (so that
    /// training another kind does not replace the CRF of the set-up).
    pub fn default_out(self) -> std::path::PathBuf {
        std::path::Path::new("models").join(self.name())
    }

    /// What the kind is, in words (for messages).
    pub fn describe(self) -> &'static str {
        match self {
            ModelKind::Crf => "CRF",
            ModelKind::Neural => "neural tagger",
            ModelKind::Transformer => "transformer tagger",
        }
    }

    /// True for the kinds trained in epochs of mini-batches (with
    /// checkpoints), false for the CRF's iterations.
    pub fn trains_in_epochs(self) -> bool {
        self != ModelKind::Crf
    }
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
    /// Directories of names files (`ID.tsv`) naming the speakers of the
    /// training and dev corpora's Source spans; with them, training also
    /// trains the speaker resolver (see `[speakers]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<PathBuf>,
    /// A CoNLL corpus's label map: a TOML file with a `[labels]` table
    /// (`Speaker = "source"`, `Unknown = "ignore"`), as `convert --label-map`
    /// reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_map: Option<PathBuf>,
}

impl DataConfig {
    /// Says that [`DataConfig::label_map`] is not used when neither the
    /// training nor the dev corpus is CoNLL
    /// ([`quotekit_data::flags::unused_label_map`]).
    pub fn unused_label_map(&self) -> Option<String> {
        self.unused_label_map_among(&[])
    }

    /// [`DataConfig::unused_label_map`] where the corpora `more` are read
    /// too (those a search's trials train and score on).
    pub fn unused_label_map_among(&self, more: &[PathBuf]) -> Option<String> {
        let formats: Vec<quotekit_data::Format> = std::iter::once(&self.train)
            .chain(&self.dev)
            .chain(more)
            .map(|p| quotekit_data::Format::detect(p))
            .collect();
        quotekit_data::flags::unused_label_map(self.label_map.as_deref(), &formats)
    }
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            train: PathBuf::from("datasets/sample"),
            dev: None,
            scheme: TagScheme::Bio,
            sequence: SequenceUnit::Paragraph,
            names: Vec::new(),
            label_map: None,
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
pub struct TrainConfig {
    /// Model family.
    pub model: ModelKind,
    /// Data.
    pub data: DataConfig,
    /// Features (the CRF's templates; the cue lexicon of every kind).
    pub features: FeatureConfig,
    /// CRF training, and the worker threads of every kind.
    pub training: CrfTrainingConfig,
    /// Decoding.
    pub decoding: DecodingConfig,
    /// Neural tagger settings (used when `model = "neural"`).
    pub neural: NeuralConfig,
    /// Transformer tagger settings (used when `model = "transformer"`).
    #[serde(alias = "encoder")]
    pub transformer: TransformerConfig,
    /// Speaker resolver training (used when the training corpus names its
    /// speakers: `data.names`, or names on its spans).
    #[serde(skip_serializing_if = "is_default")]
    pub speakers: ResolverConfig,
}

/// The most worker threads a run may ask for (`training.threads`,
/// `predict --threads`): far above any machine's cores, far below what
/// exhausts the system.
pub const MAX_THREADS: usize = 1024;

/// The worker threads of a pool for a thread setting `n`: `n`, or, for 0
/// (all cores), the cores (`RAYON_NUM_THREADS` where it is set, as rayon
/// reads it), at most [`MAX_THREADS`].
pub fn pool_threads(n: usize) -> usize {
    if n > 0 {
        return n;
    }
    let set = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&v| v > 0);
    set.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(MAX_THREADS)
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Keys renamed in format version 2: old name, new name.
const RENAMED: [(&str, &str); 3] = [
    ("[encoder]", "[transformer]"),
    ("[neural.encoder]", "[neural.network]"),
    ("model = \"encoder\"", "model = \"transformer\""),
];

/// The one model kind that reads the dotted config key `key`, or `None`
/// when every kind reads it (or it is no key of a section).
pub fn only_kind_reading(key: &str) -> Option<ModelKind> {
    let section = key.split('.').next().unwrap_or(key);
    match section {
        "neural" => Some(ModelKind::Neural),
        "transformer" => Some(ModelKind::Transformer),
        // (A network's threads come from [training] too, and its cue lexicon
        // from [features]; its hashed features have settings of its own.)
        "training" if key != "training.threads" => Some(ModelKind::Crf),
        // (The networks cut documents into windows of their own.)
        "data" if key == "data.sequence" => Some(ModelKind::Crf),
        "features" if key != "features.lexicon" => Some(ModelKind::Crf),
        _ => None,
    }
}

impl TrainConfig {
    /// Parses and checks TOML text.
    pub fn from_toml(text: &str) -> Result<Self, ModelError> {
        Self::parse(text).map(|(config, _)| config)
    }

    /// Reads and checks a TOML file; errors name it.
    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        Self::load(path).map(|(config, _)| config)
    }

    /// Like [`TrainConfig::from_file`], with a note for every deprecated key the
    /// file uses (they still read as their new names).
    pub fn load(path: &Path) -> Result<(Self, Vec<String>), ModelError> {
        if path.as_os_str().is_empty() {
            return Err(ModelError::empty_path("a config file (TOML)"));
        }
        // (A pipe too, `--config <(…)`; a byte-order mark dropped; a byte of
        // no UTF-8 named by line and offset.)
        let bytes = quotekit_data::read::read_whole(path).map_err(|e| ModelError::io(path, e))?;
        let text = crate::io::text_of(path, bytes)?;
        Self::parse(&text).map_err(|e| match e {
            ModelError::Config { message, .. } => ModelError::Config {
                path: Some(path.to_path_buf()),
                message,
            },
            other => other,
        })
    }

    fn parse(text: &str) -> Result<(Self, Vec<String>), ModelError> {
        // (TOML's integers are signed 64-bit: a larger one is too large
        // for TOML, whatever the key would hold.)
        let toml_error = |e: toml::de::Error| {
            let message = e.to_string().trim_end().to_string();
            // (The parser calls it u64's limit, or i128's past that.)
            let past = ["value was too large", "as i128"];
            ModelError::config(if past.iter().any(|p| message.contains(p)) {
                format!(
                    "{message} (a TOML integer is from {} to {})",
                    i64::MIN,
                    i64::MAX
                )
            } else {
                message
            })
        };
        let value: toml::Table = toml::from_str(text).map_err(toml_error)?;
        let config: TrainConfig = toml::from_str(text).map_err(toml_error)?;
        config.validate()?;
        config.check_size()?;
        let section = |t: &toml::Table, key: &str| t.get(key).is_some_and(toml::Value::is_table);
        let used = [
            section(&value, "encoder"),
            value
                .get("neural")
                .and_then(toml::Value::as_table)
                .is_some_and(|n| section(n, "encoder")),
            value.get("model").and_then(toml::Value::as_str) == Some("encoder"),
        ];
        let notes = RENAMED
            .iter()
            .zip(used)
            .filter(|(_, used)| *used)
            .map(|((old, new), _)| {
                format!("`{old}` is deprecated; it reads as `{new}`, write that instead")
            })
            .collect();
        Ok((config, notes))
    }

    /// Validates every value once, before any work starts, and refuses an
    /// empty corpus or names path (found only after the model folder would
    /// be made). (A model file's stored config is checked by
    /// [`TrainConfig::validate`] alone.)
    pub fn check(self) -> Result<Checked, ModelError> {
        self.validate()?;
        self.check_size()?;
        // (Every path the model kind reads, with its key.)
        let checked = Checked(self);
        let empty = checked
            .named_inputs()
            .into_iter()
            .find(|(_, p)| p.as_os_str().is_empty());
        if let Some((key, _)) = empty {
            return Err(ModelError::config(format!(
                "{key}: an empty path; name the file or folder it reads"
            )));
        }
        let Checked(this) = checked;
        let data = &this.data;
        // The model file records the settings as text (JSON).
        let paths = [
            ("data.train", Some(&data.train)),
            ("data.dev", data.dev.as_ref()),
        ]
        .into_iter()
        .chain(data.names.iter().map(|p| ("data.names", Some(p))))
        .chain([
            ("data.label_map", data.label_map.as_ref()),
            ("features.lexicon", this.features.lexicon.as_ref()),
            ("neural.init_crf", this.neural.init_crf.as_ref()),
            ("transformer.path", Some(&this.transformer.path)),
            ("transformer.init", this.transformer.init.as_ref()),
        ]);
        for (key, path) in paths {
            if let Some(path) = path.filter(|p| p.to_str().is_none()) {
                return Err(ModelError::config(format!(
                    "{key} = {}: the path is not valid UTF-8 (the model file records its settings as text); rename it",
                    path.display()
                )));
            }
        }
        Ok(Checked(this))
    }

    /// Checks that the model of the config's kind fits in memory and has no
    /// layer of width 0 (a config file when read, and
    /// [`TrainConfig::check`]); not a model file's stored config, so that a
    /// model of any size trained before the bounds loads.
    pub fn check_size(&self) -> Result<(), ModelError> {
        match self.model {
            ModelKind::Crf => self.check_crf_size(),
            ModelKind::Neural => self.neural.check_size(),
            ModelKind::Transformer => self.transformer.check_size(),
        }
        .map_err(ModelError::config)?;
        self.check_training_values().map_err(ModelError::config)
    }

    /// Values that older versions took and that train nothing of use: widths
    /// of 0 (the neural tagger's character embedding, which its character
    /// CNN reads; a transformer's feature embeddings with `features = true`),
    /// an L2 penalty so large that every CRF weight stays near 0 (the model
    /// tags nothing), warm-start epochs past what is taken for a typing error.
    fn check_training_values(&self) -> Result<(), String> {
        let t = &self.training;
        match self.model {
            ModelKind::Neural if self.neural.network.char_dim == 0 => Err(
                "neural.network.char_dim = 0 (expected at least 1: the character CNN reads it)"
                    .into(),
            ),
            ModelKind::Transformer if self.transformer.features && self.transformer.feature_dim == 0 => {
                Err("transformer.feature_dim = 0 with transformer.features = true (expected at least 1, or features = false)".into())
            }
            // (The perceptron has no penalty; only L-BFGS warm-starts.)
            ModelKind::Crf if t.algorithm != Algorithm::Perceptron && t.c2 > MAX_C2 => Err(format!(
                "training.c2 = {:e} (expected at most {MAX_C2}: a penalty this large keeps every weight near 0, and the model tags nothing)",
                t.c2
            )),
            ModelKind::Crf
                if t.algorithm == Algorithm::Lbfgs
                    && t.warm_start != WarmStart::None
                    && t.warm_start_epochs > MAX_WARM_START_EPOCHS =>
            {
                Err(format!(
                "training.warm_start_epochs = {} (expected at most {MAX_WARM_START_EPOCHS}; more is taken for a typing error)",
                t.warm_start_epochs
            ))
            }
            _ => Ok(()),
        }
    }

    /// The CRF keeps a dense table of 2^`features.hash_bits` × tags weights,
    /// in memory and in its model file, whatever the corpus: at most
    /// [`MAX_CRF_HASH_BITS`] bits (872 MB with BILOU's 13 tags).
    fn check_crf_size(&self) -> Result<(), String> {
        let bits = self.features.hash_bits;
        if bits <= MAX_CRF_HASH_BITS {
            return Ok(());
        }
        let tags = quotekit_data::TagSet::new(self.data.scheme).len();
        let bytes = 2f64.powi(bits.min(1000) as i32) * tags as f64 * 4.0;
        Err(format!(
            "features.hash_bits = {bits}: a CRF keeps 2^{bits} × {tags} weights ({:.1} GB) in memory \
             and in its model file, whatever the corpus; expected at most {MAX_CRF_HASH_BITS} \
             (PolNeAR needs 20)",
            bytes / 1e9
        ))
    }

    /// Says which network sections (`[neural]`, `[transformer]`) the config
    /// sets, though its model kind does not read them (nor check them): a
    /// `model = "neural"` left out, most likely; and the CRF's `[features]`
    /// keys set for a network tagger, which reads only `features.lexicon`.
    /// One line per section.
    pub fn unread_sections(&self) -> Vec<String> {
        let mut lines = self.unread_network_sections();
        let (f, default) = (&self.features, FeatureConfig::default());
        // (The keys of [features] that differ from the default and that
        // this kind does not read.)
        let set: Vec<&str> = [
            ("templates", f.templates != default.templates),
            ("window", f.window != default.window),
            ("hash_bits", f.hash_bits != default.hash_bits),
        ]
        .into_iter()
        .filter(|&(key, set)| {
            set && only_kind_reading(&format!("features.{key}"))
                .is_some_and(|owner| owner != self.model)
        })
        .map(|(key, _)| key)
        .collect();
        if !set.is_empty() {
            let hashed = if self.model == ModelKind::Neural {
                "; its hashed features are set by neural.network.sparse_templates and \
                 neural.network.sparse_bits"
            } else {
                ""
            };
            lines.push(format!(
                "{} not used: this config trains a {} (model = \"{}\"), which \
                 reads features.lexicon only{hashed}",
                set.iter()
                    .map(|k| format!("features.{k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if set.len() == 1 { " is" } else { " are" },
                self.model.describe(),
                self.model.name()
            ));
        }
        lines
    }

    /// The network sections of [`TrainConfig::unread_sections`].
    fn unread_network_sections(&self) -> Vec<String> {
        let set = [
            (
                ModelKind::Neural,
                self.neural != crate::neural::config::NeuralConfig::default(),
            ),
            (
                ModelKind::Transformer,
                self.transformer != crate::transformer::config::TransformerConfig::default(),
            ),
        ];
        set.into_iter()
            .filter(|&(kind, set)| set && self.model != kind)
            .map(|(kind, _)| {
                format!(
                    "[{}] is not read: this config trains a {} (model = \"{}\"); \
                     a {} needs model = \"{}\"",
                    kind.name(),
                    self.model.describe(),
                    self.model.name(),
                    kind.describe(),
                    kind.name()
                )
            })
            .collect()
    }

    /// Refuses a config of another model kind than `kind`: [`TrainConfig::check`]
    /// checks the section of `model` only, so a trainer takes only its own kind.
    pub fn expect_model(&self, kind: ModelKind) -> Result<(), ModelError> {
        if self.model == kind {
            Ok(())
        } else {
            Err(ModelError::config(format!(
                "model = \"{}\": this trainer trains \"{}\" models",
                self.model.name(),
                kind.name()
            )))
        }
    }

    /// Sets the epochs of the network kinds (`neural.epochs`, `transformer.epochs`).
    pub fn set_epochs(&mut self, epochs: usize) {
        self.neural.epochs = epochs;
        self.transformer.epochs = epochs;
    }

    /// Checks every value; [`TrainConfig::check`] keeps the result.
    pub fn validate(&self) -> Result<(), ModelError> {
        let f = &self.features;
        let t = &self.training;
        let fail = |m: String| Err(ModelError::config(m));
        if !(8..=MAX_HASH_BITS).contains(&f.hash_bits) {
            // (A CRF's own top, which its size check holds it to, for a CRF.)
            let top = if self.model == ModelKind::Crf {
                MAX_CRF_HASH_BITS
            } else {
                MAX_HASH_BITS
            };
            return fail(format!(
                "features.hash_bits = {} (expected 8 to {top})",
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
        self.speakers
            .validate()
            .map_err(|e| ModelError::config(e.to_string()))?;
        if t.history == 0 || t.history > 50 {
            return fail(format!(
                "training.history = {} (expected 1 to 50)",
                t.history
            ));
        }
        if !self.decoding.outside_penalty.is_finite() {
            return fail("decoding.outside_penalty must be finite".into());
        }
        if t.threads > MAX_THREADS {
            return fail(format!(
                "training.threads = {} (expected 0, all cores, to {MAX_THREADS})",
                t.threads
            ));
        }
        if t.epsilon.is_nan() || t.epsilon < 0.0 {
            return fail(format!("training.epsilon = {} (expected ≥ 0)", t.epsilon));
        }
        if self.model == ModelKind::Neural {
            self.neural.validate().map_err(ModelError::config)?;
        }
        if self.model == ModelKind::Transformer {
            self.transformer.validate().map_err(ModelError::config)?;
        }
        Ok(())
    }
}

/// The largest `training.c2` a CRF is trained with (PolNeAR's best is
/// near 1).
pub const MAX_C2: f64 = 1000.0;

/// The most `training.warm_start_epochs` a CRF is trained with.
pub const MAX_WARM_START_EPOCHS: usize = 1000;

/// The most `features.hash_bits` a CRF is trained with
/// ([`TrainConfig::check_size`]); model files of up to [`MAX_HASH_BITS`]
/// bits load.
pub const MAX_CRF_HASH_BITS: u32 = 24;

/// The most `features.hash_bits` of any config (a CRF's: see
/// [`MAX_CRF_HASH_BITS`]).
pub const MAX_HASH_BITS: u32 = 26;

/// A [`TrainConfig`] whose values have been checked ([`TrainConfig::check`]);
/// training takes only this.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked(TrainConfig);

impl Checked {
    /// The config, to change and check again.
    pub fn into_inner(self) -> TrainConfig {
        self.0
    }

    /// Every path training reads (the corpora, the names folders, a cue
    /// lexicon file, a neural tagger's `init_crf`, and a transformer's
    /// pretrained encoder and `init` model), which its output must not
    /// overwrite or hold: `train` writes
    /// no lexicon, but `tune` replaces whole folders (`best/`) of its output.
    pub fn inputs(&self) -> Vec<&std::path::Path> {
        self.named_inputs().into_iter().map(|(_, p)| p).collect()
    }

    /// [`Checked::inputs`], each with the key that names it.
    pub fn named_inputs(&self) -> Vec<(&'static str, &std::path::Path)> {
        let (config, data) = (&self.0, &self.0.data);
        let mut inputs = vec![("data.train", data.train.as_path())];
        inputs.extend(data.dev.as_deref().map(|p| ("data.dev", p)));
        inputs.extend(data.names.iter().map(|p| ("data.names", p.as_path())));
        // (Optional files, each read only by the model kind that has it.)
        let optional = [
            // (A map of no use is not read: DataConfig::unused_label_map.)
            (
                data.unused_label_map().is_none(),
                "data.label_map",
                &data.label_map,
            ),
            (true, "features.lexicon", &config.features.lexicon),
            (
                config.model == ModelKind::Neural,
                "neural.init_crf",
                &config.neural.init_crf,
            ),
            (
                config.model == ModelKind::Transformer,
                "transformer.init",
                &config.transformer.init,
            ),
        ];
        for (read, key, path) in optional {
            inputs.extend(path.as_deref().filter(|_| read).map(|p| (key, p)));
        }
        if config.model == ModelKind::Transformer {
            inputs.push(("transformer.path", config.transformer.path.as_path()));
        }
        inputs
    }

    /// The first input that is not there, as a message naming its key (so
    /// that a run can fail before it makes its output folder). Paths are
    /// read from the working directory, not the config's.
    /// (A missing encoder is left to its loader, which says how to fetch one.)
    pub fn missing_input(&self) -> Option<String> {
        self.missing_input_where(|_| true)
    }

    /// [`Checked::missing_input`] among the inputs of the keys `wanted`
    /// accepts.
    pub fn missing_input_where(&self, wanted: impl Fn(&str) -> bool) -> Option<String> {
        self.named_inputs()
            .into_iter()
            .filter(|(key, _)| *key != "transformer.path" && wanted(key))
            .find(|(_, p)| !p.exists())
            .map(|(key, p)| {
                format!(
                    "{}: no such file or folder ({key}; paths are read from the working directory)",
                    p.display()
                )
            })
    }
}

impl std::ops::Deref for Checked {
    type Target = TrainConfig;

    fn deref(&self) -> &TrainConfig {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::config::Template;

    /// A cue lexicon is an input: named when missing, and guarded from the
    /// output.
    #[test]
    fn a_lexicon_is_an_input() {
        let config =
            TrainConfig::from_toml("[data]\ntrain = \".\"\n[features]\nlexicon = \"m/cues.txt\"\n")
                .unwrap()
                .check()
                .unwrap();
        let keys: Vec<&str> = config.named_inputs().iter().map(|(k, _)| *k).collect();
        assert!(keys.contains(&"features.lexicon"), "{keys:?}");
        assert!(config
            .inputs()
            .contains(&std::path::Path::new("m/cues.txt")));
        assert!(config
            .missing_input()
            .is_some_and(|m| m.contains("(features.lexicon")));
        // A transformer's pretrained encoder is read, and no output may
        // replace it (its loader says how to fetch one that is missing).
        let config = TrainConfig::from_toml(
            "model = \"transformer\"\n[data]\ntrain = \".\"\n[transformer]\npath = \"enc\"\n",
        )
        .unwrap()
        .check()
        .unwrap();
        assert!(config.inputs().contains(&std::path::Path::new("enc")));
        assert_eq!(config.missing_input(), None);
    }

    /// A seed past TOML's integers is said to be so.
    #[test]
    fn an_integer_past_toml_s_says_so() {
        let e = TrainConfig::parse("[training]\nseed = 9223372036854775808\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a TOML integer is from -9223372036854775808 to 9223372036854775807"),
            "{e}"
        );
        assert!(TrainConfig::parse("[training]\nseed = 9223372036854775807\n").is_ok());
        let e = TrainConfig::parse("[training]\nmax_iterations = 18446744073709551616\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a TOML integer is from -9223372036854775808 to 9223372036854775807"),
            "{e}"
        );
    }

    /// A setting is its thread count; all cores are a count within the
    /// limit, whatever the environment asks.
    #[test]
    fn pools_have_the_threads_asked_or_the_cores() {
        assert_eq!(pool_threads(3), 3);
        assert!((1..=MAX_THREADS).contains(&pool_threads(0)));
    }

    #[test]
    fn defaults_and_partial_files() {
        let c = TrainConfig::from_toml("[training]\nc2 = 0.5\n").unwrap();
        assert_eq!(c.training.c2, 0.5);
        assert_eq!(c.training.max_iterations, 100);
        assert_eq!(c.features.templates.len(), Template::ALL.len());
    }

    #[test]
    fn shipped_configs_state_the_defaults() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        let read = |name: &str| {
            let (config, notes) = TrainConfig::load(&dir.join(name)).unwrap();
            assert!(notes.is_empty(), "{name}: {notes:?}");
            config
        };
        let crf = read("crf.toml");
        assert_eq!(crf, TrainConfig::default());
        let neural = read("neural.toml");
        assert_eq!(neural.model, ModelKind::Neural);
        assert_eq!(neural.neural, NeuralConfig::default());
        let from_crf = read("neural-crf.toml");
        assert_eq!(from_crf.model, ModelKind::Neural);
        let mut expected = NeuralConfig {
            init_crf: Some("models/crf-polnear".into()),
            ..NeuralConfig::default()
        };
        expected.network.sparse_bits = crf.features.hash_bits;
        expected.network.sparse_dropout = 0.1;
        assert_eq!(from_crf.neural, expected);
        let transformer = read("transformer.toml");
        assert_eq!(transformer.model, ModelKind::Transformer);
        assert_eq!(transformer.transformer, TransformerConfig::default());
        // It shows every key (`init`, which has no default, as a comment).
        let text = std::fs::read_to_string(dir.join("transformer.toml")).unwrap();
        let file: toml::Table = text.parse().unwrap();
        let shown: Vec<&String> = file["transformer"].as_table().unwrap().keys().collect();
        let all = serde_json::to_value(TransformerConfig::default()).unwrap();
        for (key, value) in all.as_object().unwrap() {
            let listed =
                shown.contains(&key) || (value.is_null() && text.contains(&format!("# {key} = ")));
            assert!(
                listed,
                "configs/transformer.toml does not show transformer.{key}"
            );
        }
        let long = read("transformer-long.toml");
        assert_eq!(long.model, ModelKind::Transformer);
        let expected = TransformerConfig {
            epochs: 5,
            average: 0.995,
            ..TransformerConfig::default()
        };
        assert_eq!(long.transformer, expected);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_rejected() {
        let e = TrainConfig::from_toml("[training]\nc3 = 1.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `c3`"), "{e}");
        let e = TrainConfig::from_toml("[features]\nhash_bits = 40\n")
            .unwrap_err()
            .to_string();
        // (The range a CRF is held to, not one its size check refuses.)
        assert!(
            e.contains("features.hash_bits = 40 (expected 8 to 24)"),
            "{e}"
        );
        let e = TrainConfig::from_toml("model = \"neural\"\n[features]\nhash_bits = 7\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("features.hash_bits = 7 (expected 8 to 26)"),
            "{e}"
        );
        // A CRF's dense weights: 26 bits would be 1.9 GB, refused before
        // training; 24 is the most (a neural tagger's sparse path is its own).
        let e = TrainConfig::from_toml("[features]\nhash_bits = 26\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("2^26 × 7 weights (1.9 GB)") && e.contains("at most 24"),
            "{e}"
        );
        assert!(TrainConfig::from_toml("[features]\nhash_bits = 24\n").is_ok());
        for (toml, said) in [
            (
                "model = \"neural\"\n[neural.network]\nchar_dim = 0\n",
                "neural.network.char_dim = 0",
            ),
            (
                "model = \"transformer\"\n[transformer]\nfeature_dim = 0\n",
                "transformer.feature_dim = 0 with",
            ),
            (
                "[training]\nc2 = 1e300\n",
                "training.c2 = 1e300 (expected at most 1000",
            ),
            (
                "[training]\nwarm_start_epochs = 1000000\n",
                "training.warm_start_epochs = 1000000",
            ),
        ] {
            let e = TrainConfig::from_toml(toml).unwrap_err().to_string();
            assert!(e.contains(said), "{e}");
        }
        // (Where the algorithm reads neither, they are no error.)
        let unread =
            "[training]\nalgorithm = \"perceptron\"\nc2 = 1e300\nwarm_start_epochs = 1000000\n";
        assert!(TrainConfig::from_toml(unread).is_ok());
        let crf = TrainConfig::from_toml("[neural]\nepochs = 3\n").unwrap();
        assert_eq!(
            crf.unread_sections(),
            ["[neural] is not read: this config trains a CRF (model = \"crf\"); a neural tagger needs model = \"neural\""]
        );
        let neural = TrainConfig::from_toml("model = \"neural\"\n[neural]\nepochs = 3\n").unwrap();
        assert!(neural.unread_sections().is_empty());
        // A network tagger reads the cue lexicon of [features], nothing else.
        let lexicon = "[features]\nlexicon = \"cues.txt\"\n";
        let neural = TrainConfig::from_toml(&format!("model = \"neural\"\n{lexicon}")).unwrap();
        assert!(neural.unread_sections().is_empty());
        for (kind, set) in [
            ("neural", "window = 1"),
            ("transformer", "templates = [\"word\"]"),
        ] {
            let config =
                TrainConfig::from_toml(&format!("model = \"{kind}\"\n[features]\n{set}\n"))
                    .unwrap();
            let lines = config.unread_sections();
            assert_eq!(lines.len(), 1, "{lines:?}");
            assert!(
                lines[0].starts_with(&format!(
                    "features.{} is not used",
                    set.split(' ').next().unwrap()
                )) && lines[0].contains("sparse_templates") == (kind == "neural"),
                "{lines:?}"
            );
        }
        let no_features =
            "model = \"transformer\"\n[transformer]\nfeatures = false\nfeature_dim = 0\n";
        assert!(TrainConfig::from_toml(no_features).is_ok());
        let e = TrainConfig::from_toml("[training]\nc2 = -1.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("training.c2 = -1"), "{e}");
        let e = TrainConfig::from_toml("[features]\ntemplates = [\"wordz\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variant `wordz`"), "{e}");
        let e = TrainConfig::default()
            .check()
            .map(|c| {
                let mut c = c.into_inner();
                c.features.window = 9;
                c
            })
            .and_then(TrainConfig::check)
            .unwrap_err()
            .to_string();
        assert!(e.contains("features.window = 9"), "{e}");
        // An empty corpus path is refused before training, naming its key;
        // a model file's stored config is not held to it.
        for (toml, key) in [
            ("[data]\ntrain = \"\"\n", "data.train"),
            ("[data]\ndev = \"\"\n", "data.dev"),
            ("[data]\nnames = [\"n\", \"\"]\n", "data.names"),
            (
                "model = \"transformer\"\n[transformer]\npath = \"\"\n",
                "transformer.path",
            ),
        ] {
            let c = TrainConfig::from_toml(toml).unwrap();
            assert!(c.validate().is_ok());
            let e = c.check().unwrap_err().to_string();
            assert!(e.contains(&format!("{key}: an empty path")), "{e}");
        }
    }

    /// A path the model file could not record as text is refused before
    /// training, naming its key (it panicked once training had ended).
    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_are_refused_naming_the_key() {
        use std::os::unix::ffi::OsStrExt;
        let bad = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(b"corpus\xff"));
        let mut c = TrainConfig::default();
        c.data.train = bad.clone();
        let e = c.check().unwrap_err().to_string();
        assert!(
            e.contains("data.train = corpus") && e.contains("not valid UTF-8"),
            "{e}"
        );
        let mut c = TrainConfig::default();
        c.transformer.init = Some(bad);
        let e = c.check().unwrap_err().to_string();
        assert!(e.contains("transformer.init = corpus"), "{e}");
        assert!(TrainConfig::default().check().is_ok());
    }

    #[test]
    fn a_trainer_refuses_another_kind() {
        let crf = TrainConfig::default().check().unwrap();
        assert!(crf.expect_model(ModelKind::Crf).is_ok());
        let e = crf.expect_model(ModelKind::Neural).unwrap_err().to_string();
        assert!(
            e.contains("model = \"crf\"") && e.contains("\"neural\""),
            "{e}"
        );
    }

    /// A config that is not UTF-8 (Latin-1, say) is refused with the line
    /// and offset of its first bad byte, as a lexicon or label map is.
    #[test]
    fn a_config_not_in_utf8_names_its_first_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.toml");
        std::fs::write(&path, b"[data]\n# caf\xe9\ntrain = \"x\"\n").unwrap();
        let e = TrainConfig::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("latin1.toml:2: not valid UTF-8 (invalid byte at offset 5 of the line)"),
            "{e}"
        );
        // (A byte-order mark an editor put first is dropped.)
        std::fs::write(&path, b"\xef\xbb\xbf[data]\ntrain = \"x\"\n").unwrap();
        assert_eq!(
            TrainConfig::load(&path).unwrap().0.data.train,
            Path::new("x")
        );
    }

    #[test]
    fn old_section_names_still_read_with_a_note() {
        let old = "model = \"encoder\"\n[encoder]\nwindow = 300\n[neural.encoder]\nhidden = 64\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.toml");
        std::fs::write(&path, old).unwrap();
        let (config, notes) = TrainConfig::load(&path).unwrap();
        assert_eq!(config.model, ModelKind::Transformer);
        assert_eq!(config.transformer.window, 300);
        assert_eq!(config.neural.network.hidden, 64);
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes[0].contains("`[encoder]` is deprecated") && notes[0].contains("`[transformer]`")
        );
        assert!(notes[1].contains("[neural.network]"));
        assert!(notes[2].contains("model = \"transformer\""));
        let new = "model = \"transformer\"\n[transformer]\nwindow = 300\n";
        std::fs::write(&path, new).unwrap();
        let (again, notes) = TrainConfig::load(&path).unwrap();
        assert!(notes.is_empty());
        assert_eq!(again.transformer, config.transformer);
        // Both names at once is an error, not a silent choice.
        let e = TrainConfig::from_toml("[encoder]\nwindow = 8\n[transformer]\nwindow = 16\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate"), "{e}");
    }
}
