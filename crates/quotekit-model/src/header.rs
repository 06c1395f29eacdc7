//! The header of a model file: the metadata key `quotekit` of
//! `model.safetensors` holds a JSON [`ModelHeader`] (format and version,
//! config, labels, cue lexicon, training summary). Reading it checks the
//! format and version before anything else. Files of format version 1 (the
//! `quotekit-encoder` format, `[encoder]` and `[neural.encoder]` config
//! sections) still read; version 2 names the pretrained-encoder tagger
//! `transformer` and the neural tagger's network `network`.

use crate::config::{ModelKind, TrainConfig};
use crate::error::ModelError;
use crate::features::lexicon::Lexicon;
use crate::io::{file_in, hash_hex, read_metadata, write_tensors, TensorBytes};
use crate::training::events::TrainReport;
use quotekit_data::TagSet;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The newest format version this build reads and the one it writes.
pub const FORMAT_VERSION: u32 = 4;
/// The first format version whose headers list the neural tagger's
/// `sparse_templates` (files before it read as the templates of before
/// `clause`).
const SPARSE_TEMPLATES_SINCE: u32 = 4;
/// The weights file inside a model directory.
pub const FILE_NAME: &str = "model.safetensors";
/// The subword tokenizer beside a network tagger's weights.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The safetensors metadata key of the header.
const KEY: &str = "quotekit";
/// The format name of the transformer tagger in version 1 files.
const LEGACY_TRANSFORMER_FORMAT: &str = "quotekit-encoder";

/// What a model file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// `quotekit-` and the model kind's name ([`format_name`]).
    pub format: String,
    /// Format version.
    pub format_version: u32,
    /// quotekit version that wrote the file.
    pub quotekit_version: String,
    /// The training configuration.
    pub config: TrainConfig,
    /// Tag names in parameter order.
    pub labels: Vec<String>,
    /// Features are hashed into 2^hash_bits buckets (the neural tagger's
    /// `sparse_bits`; 0 for the transformer tagger).
    pub hash_bits: u32,
    /// FNV-1a hash of the normalised cue lexicon (hex).
    pub lexicon_hash: String,
    /// The cue lexicon itself, so the model file is self-contained.
    pub lexicon: String,
    /// Training corpus and run summary.
    pub training: TrainReport,
    /// Training corpus path as given.
    pub train_corpus: PathBuf,
    /// FNV-1a hash (hex) of the network tagger's `tokenizer.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer_hash: Option<String>,
    /// FNV-1a hashes (hex) of the other files a kind keeps beside its
    /// weights, by file name (the transformer's `encoder_config.json`);
    /// files saved before quotekit recorded them have none.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub file_hashes: std::collections::BTreeMap<String, String>,
}

/// The `format` value of a model kind's files.
pub fn format_name(kind: ModelKind) -> String {
    format!("quotekit-{}", kind.name())
}

/// The model kind of a `format` value (version 1 names included).
pub fn kind_of_format(format: &str) -> Option<ModelKind> {
    if format == LEGACY_TRANSFORMER_FORMAT {
        return Some(ModelKind::Transformer);
    }
    ModelKind::ALL
        .into_iter()
        .find(|&k| format_name(k) == format)
}

/// `DIR/model.safetensors` for a directory, the path itself for a file.
pub fn model_path(path: &Path) -> PathBuf {
    file_in(path, FILE_NAME)
}

impl ModelHeader {
    /// The header of a model just trained with `config`.
    pub fn new(
        config: &TrainConfig,
        tags: &TagSet,
        hash_bits: u32,
        cues: &Lexicon,
        training: TrainReport,
    ) -> Self {
        Self {
            format: format_name(config.model),
            format_version: FORMAT_VERSION,
            quotekit_version: env!("CARGO_PKG_VERSION").into(),
            config: config.clone(),
            labels: tags.names(),
            hash_bits,
            lexicon_hash: cues.hash_hex(),
            lexicon: cues.entries().join("\n"),
            training,
            train_corpus: config.data.train.clone(),
            tokenizer_hash: None,
            file_hashes: Default::default(),
        }
    }

    /// The model kind (checked when the header was read).
    pub fn kind(&self) -> Option<ModelKind> {
        kind_of_format(&self.format)
    }

    /// Refuses a header of another kind than `kind` (the file is `file`).
    pub fn expect_kind(&self, kind: ModelKind, file: &Path) -> Result<(), ModelError> {
        if self.kind() == Some(kind) {
            Ok(())
        } else {
            Err(ModelError::foreign(
                file,
                format!("a {} model, not a {}", self.format, kind.describe()),
            ))
        }
    }

    /// The cue lexicon the model was trained with.
    pub fn cues(&self) -> Lexicon {
        Lexicon::parse(&self.lexicon)
    }

    /// Reads and checks the header of a model file's bytes (`file` names it
    /// in errors): a quotekit format this build knows, a version it reads,
    /// a lexicon that matches its hash.
    pub fn read(bytes: &[u8], file: &Path) -> Result<Self, ModelError> {
        let json = read_metadata(bytes, KEY, file)?.ok_or_else(|| {
            // (A pretrained encoder's weights beside its config.json and
            // tokenizer.json: a folder for transformer.path.)
            let folder = file.parent().unwrap_or(Path::new("."));
            let encoder = ["config.json", TOKENIZER_FILE]
                .iter()
                .all(|f| folder.join(f).is_file());
            ModelError::foreign(
                file,
                if encoder {
                    "no `quotekit` header in the safetensors metadata; its folder looks like a pretrained encoder's, which a transformer config names as transformer.path"
                } else {
                    "no `quotekit` header in the safetensors metadata"
                },
            )
        })?;
        let mut value: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| ModelError::corrupt(file, format!("header: {e}")))?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format.and_then(kind_of_format).is_none() {
            let known: Vec<String> = ModelKind::ALL
                .into_iter()
                .map(|k| format!("{:?}", format_name(k)))
                .collect();
            return Err(ModelError::foreign(
                file,
                format!(
                    "header format is {}, expected {}",
                    value.get("format").unwrap_or(&serde_json::Value::Null),
                    known.join(", ")
                ),
            ));
        }
        let found = value.get("format_version").cloned();
        let version = found
            .as_ref()
            .and_then(|v| v.as_u64())
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0);
        if version > FORMAT_VERSION {
            return Err(ModelError::NewerVersion {
                path: file.to_path_buf(),
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(ModelError::corrupt(
                file,
                format!(
                    "header format_version is {}, not a format version quotekit reads (1 to {FORMAT_VERSION})",
                    found.unwrap_or(serde_json::Value::Null)
                ),
            ));
        }
        if let Some(neural) = value.pointer_mut("/config/neural") {
            // (Every file from the version that added it has the key: one
            // without it was edited, and the default would tag otherwise.)
            let network = neural.get("network").or_else(|| neural.get("encoder"));
            if version >= SPARSE_TEMPLATES_SINCE
                && network.is_some_and(|n| n.get("sparse_templates").is_none())
            {
                return Err(ModelError::corrupt(
                    file,
                    format!(
                        "header: config.neural.network has no sparse_templates, which every file of format version {SPARSE_TEMPLATES_SINCE} or later has"
                    ),
                ));
            }
            crate::neural::config::saved_before_keys(neural);
        }
        let header: ModelHeader = serde_json::from_value(value)
            .map_err(|e| ModelError::corrupt(file, format!("header: {e}")))?;
        if header.cues().hash_hex() != header.lexicon_hash {
            return Err(ModelError::corrupt(
                file,
                "the lexicon does not match its hash",
            ));
        }
        Ok(header)
    }

    /// Writes `tensors` with this header to the weights file `file` (atomically).
    pub fn write(&self, file: &Path, tensors: &[TensorBytes]) -> Result<(), ModelError> {
        let json = serde_json::to_string(self).expect("headers serialise");
        write_tensors(file, tensors, Some((KEY, json)))
    }

    /// Refuses `text`, read from `path` (a file kept beside the weights),
    /// when this header records another hash for its name.
    pub fn check_file(&self, path: &Path, text: &str) -> Result<(), ModelError> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        match self.file_hashes.get(name) {
            Some(hash) if *hash != hash_hex(text.as_bytes()) => Err(ModelError::Mismatched {
                path: path.to_path_buf(),
            }),
            _ => Ok(()),
        }
    }

    /// The `tokenizer.json` beside the weights file `file`, checked against
    /// this header's hash; returns its text and path.
    pub fn read_tokenizer(&self, file: &Path) -> Result<(String, PathBuf), ModelError> {
        let path = file.parent().unwrap_or(Path::new(".")).join(TOKENIZER_FILE);
        require_beside(&path, "its word pieces")?;
        let json = crate::io::read_text(&path)?;
        if self.tokenizer_hash.as_deref() != Some(hash_hex(json.as_bytes()).as_str()) {
            return Err(ModelError::Mismatched { path });
        }
        Ok((json, path))
    }
}

/// Refuses a file of the model that is not at `path`, beside its weights,
/// saying that the model keeps `what` there (its word pieces, its
/// encoder's settings) and is copied as a whole folder.
pub fn require_beside(path: &Path, what: &str) -> Result<(), ModelError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ModelError::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "not found: the model keeps {what} in this file beside its weights; copy \
                     the model directory whole"
                ),
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_format_name_and_version_1_names_still_read() {
        for kind in ModelKind::ALL {
            assert_eq!(kind_of_format(&format_name(kind)), Some(kind));
        }
        assert_eq!(format_name(ModelKind::Transformer), "quotekit-transformer");
        assert_eq!(
            kind_of_format("quotekit-encoder"),
            Some(ModelKind::Transformer)
        );
        assert_eq!(kind_of_format("quotekit-other"), None);
    }

    /// A header of today, as JSON, edited by `edit`, written to a file in
    /// `dir` and read back.
    fn read_edited(
        dir: &Path,
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> Result<ModelHeader, ModelError> {
        let report = TrainReport {
            iterations: 1,
            best_iteration: 1,
            best_dev_f1: None,
            stop: "done".into(),
            documents: 1,
            tokens: 1,
            feature_seconds: 0.0,
            train_seconds: 0.0,
        };
        let config = TrainConfig::default();
        let header = ModelHeader::new(
            &config,
            &TagSet::new(config.data.scheme),
            20,
            &Lexicon::builtin_cues(),
            report,
        );
        let mut json = serde_json::to_value(&header).unwrap();
        edit(&mut json);
        let file = dir.join(FILE_NAME);
        let tensors = [TensorBytes::new("x", vec![1], &[1.0])];
        write_tensors(&file, &tensors, Some((KEY, json.to_string()))).unwrap();
        ModelHeader::read(&std::fs::read(&file).unwrap(), &file)
    }

    #[test]
    fn versions_quotekit_never_wrote_and_edited_templates_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        read_edited(dir.path(), |_| {}).unwrap();
        for version in [
            serde_json::json!(0),
            serde_json::json!("4"),
            serde_json::Value::Null,
        ] {
            let e = read_edited(dir.path(), |h| h["format_version"] = version.clone())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!(
                    "format_version is {version}, not a format version quotekit reads"
                )),
                "{e}"
            );
        }
        let without = |h: &mut serde_json::Value, version: u32| {
            h["format_version"] = version.into();
            let network = h["config"]["neural"]["network"].as_object_mut().unwrap();
            network.remove("sparse_templates").unwrap();
        };
        // Version 4 writes the key: a file without it was edited.
        let e = read_edited(dir.path(), |h| without(h, 4))
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no sparse_templates"), "{e}");
        // Before it, the templates of before `clause`.
        let header = read_edited(dir.path(), |h| without(h, 3)).unwrap();
        assert_eq!(
            header.config.neural.network.sparse_templates,
            crate::features::config::Template::BEFORE_CLAUSE
        );
    }
}
