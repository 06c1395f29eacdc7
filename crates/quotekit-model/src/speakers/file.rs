//! `speakers.safetensors`: a resolver's weights (tensor `weights`, `2^bits`
//! values) and, under the metadata key `quotekit`, a JSON header naming the
//! format and the version of the features the weights were trained on.

use crate::error::ModelError;
use crate::io::{read_f32, read_metadata, read_tensors, write_tensors, TensorBytes};
use crate::speakers::resolver::SpeakerResolver;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file name inside a model directory.
pub const FILE_NAME: &str = "speakers.safetensors";

/// The `format` of the header.
pub const FORMAT: &str = "quotekit-speakers";

pub use crate::speakers::version::{FEATURES_VERSION, OLDEST_FEATURES_VERSION};

/// The weights quotekit ships (see [`SpeakerResolver::builtin`]).
const BUILTIN: &[u8] = include_bytes!("builtin.safetensors");

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    features_version: u32,
    bits: u32,
}

/// The resolver file of model path `model` (a directory or its weights file).
pub fn resolver_path(model: &Path) -> PathBuf {
    let dir = if model.extension().is_some_and(|e| e == "safetensors") {
        model.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        model.to_path_buf()
    };
    dir.join(FILE_NAME)
}

/// True when `path` is a file whose header names the resolver format (of
/// any features version).
pub fn is_resolver_file(path: &Path) -> bool {
    quotekit_format(path).is_some_and(|f| f == FORMAT)
}

/// The `format` that the quotekit header of the safetensors file `path`
/// names (a model's, `quotekit-crf`, or a resolver's), if it has one.
/// Only the safetensors header is read (a model's weights file may be
/// large): its length, then its JSON, whose metadata holds ours.
pub fn quotekit_format(path: &Path) -> Option<String> {
    let header: serde_json::Value =
        serde_json::from_str(&crate::io::header_metadata(path, "quotekit")?).ok()?;
    Some(header.get("format")?.as_str()?.to_string())
}

impl SpeakerResolver {
    /// The resolver built into quotekit: trained with this version's features
    /// on the 360 named PolNeAR train articles (`datasets/polnear-speakers/train`)
    /// by `quotekit train-speakers` (the default [`crate::speakers::ResolverConfig`]).
    /// Model directories without a `speakers.safetensors` use it.
    pub fn builtin() -> Self {
        Self::from_bytes(BUILTIN, Path::new("<built-in speakers.safetensors>"))
            .expect("the built-in resolver is written by this version")
    }

    /// Writes the resolver to `path` (atomically).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let header = Header {
            format: FORMAT.into(),
            features_version: self.version,
            bits: self.bits,
        };
        let json = serde_json::to_string(&header).expect("the header serializes");
        write_tensors(
            path,
            &[TensorBytes::new(
                "weights",
                vec![self.weights().len()],
                self.weights(),
            )],
            Some(("quotekit", json)),
        )
    }

    /// Reads a resolver file.
    ///
    /// # Errors
    /// When the file cannot be read, is not a resolver, or was trained on
    /// other features (retrain it with `quotekit train-speakers`).
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let bytes = crate::io::read_file(path)?;
        Self::from_bytes(&bytes, path)
    }

    fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, ModelError> {
        let json = read_metadata(bytes, "quotekit", path)?
            .ok_or_else(|| ModelError::foreign(path, "no `quotekit` metadata"))?;
        let corrupt =
            |e: serde_json::Error| ModelError::corrupt(path, format!("speaker header: {e}"));
        let value: serde_json::Value = serde_json::from_str(&json).map_err(corrupt)?;
        // (Another kind of file, a model's, is told by its format before
        // its header is read as a resolver's.)
        if let Some(format) = value.get("format").and_then(|f| f.as_str()) {
            if format != FORMAT {
                return Err(ModelError::foreign(
                    path,
                    format!("format `{format}`, expected `{FORMAT}`"),
                ));
            }
        }
        // (A newer version is told before the rest of its header is read,
        // which a newer quotekit may have changed.)
        let version = value.get("features_version").and_then(|v| v.as_u64());
        if let Some(version) = version.filter(|&v| v > u64::from(FEATURES_VERSION)) {
            return Err(ModelError::Config {
                path: Some(path.to_path_buf()),
                message: format!(
                    "speaker resolver trained on features version {version}, newer than this \
                     quotekit computes ({OLDEST_FEATURES_VERSION} to {FEATURES_VERSION}); upgrade \
                     quotekit, or delete the file to use the built-in one"
                ),
            });
        }
        let header: Header = serde_json::from_value(value).map_err(corrupt)?;
        if !(OLDEST_FEATURES_VERSION..=FEATURES_VERSION).contains(&header.features_version) {
            return Err(ModelError::Config {
                path: Some(path.to_path_buf()),
                message: format!(
                    "speaker resolver trained on features version {}, this quotekit computes versions {OLDEST_FEATURES_VERSION} to {FEATURES_VERSION}; \
                     retrain it with `quotekit train-speakers --train CORPUS --names NAMES --out DIR` or delete the file to use the built-in one",
                    header.features_version
                ),
            });
        }
        if !crate::speakers::train::BITS.contains(&header.bits) {
            return Err(ModelError::corrupt(path, format!("bits = {}", header.bits)));
        }
        let st = read_tensors(bytes, path)?;
        let weights = read_f32(&st, "weights", &[1usize << header.bits], path)?;
        Ok(Self::of_weights(
            header.bits,
            weights,
            header.features_version,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resolver file is told from other safetensors files (a CRF's) and
    /// from files that are not safetensors at all.
    #[test]
    fn resolver_files_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        SpeakerResolver::zeros(8).save(&path).unwrap();
        assert!(is_resolver_file(&path));
        let other = dir.path().join("other.safetensors");
        write_tensors(
            &other,
            &[TensorBytes::new("w", vec![1], &[1.0])],
            Some((
                "quotekit",
                r#"{"format":"quotekit-crf","features_version":4,"bits":8}"#.into(),
            )),
        )
        .unwrap();
        assert!(!is_resolver_file(&other));
        // A model's file in a resolver's place is said to be another kind,
        // not a damaged resolver.
        write_tensors(
            &other,
            &[TensorBytes::new("w", vec![1], &[1.0])],
            Some((
                "quotekit",
                r#"{"format":"quotekit-crf","labels":[]}"#.into(),
            )),
        )
        .unwrap();
        let err = SpeakerResolver::load(&other).unwrap_err().to_string();
        assert!(
            err.contains("format `quotekit-crf`, expected `quotekit-speakers`"),
            "{err}"
        );
        std::fs::write(&other, "not a safetensors file").unwrap();
        assert!(!is_resolver_file(&other));
        assert!(!is_resolver_file(&dir.path().join("missing.safetensors")));
    }

    #[test]
    fn resolver_round_trips_and_refuses_other_features() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut r = SpeakerResolver::zeros(10);
        r.weights_mut()[3] = 1.5;
        r.weights_mut()[1023] = -0.25;
        r.save(&path).unwrap();
        assert_eq!(SpeakerResolver::load(&path).unwrap(), r);
        let json = r#"{"format":"quotekit-speakers","features_version":999,"bits":10}"#;
        write_tensors(
            &path,
            &[TensorBytes::new("weights", vec![1024], r.weights())],
            Some(("quotekit", json.into())),
        )
        .unwrap();
        let err = SpeakerResolver::load(&path).unwrap_err().to_string();
        assert!(err.contains("newer than this quotekit"), "{err}");
        assert!(err.contains("upgrade quotekit"), "{err}");
        assert!(!err.contains("retrain"), "{err}");
    }

    /// A file of the oldest version still read loads with its version and
    /// is saved with it again; older ones are refused with what to do.
    #[test]
    fn older_feature_versions_load_or_say_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let weights = vec![0.5f32; 1024];
        let write = |version: u32| {
            let json = format!(
                r#"{{"format":"quotekit-speakers","features_version":{version},"bits":10}}"#
            );
            write_tensors(
                &path,
                &[TensorBytes::new("weights", vec![1024], &weights)],
                Some(("quotekit", json)),
            )
            .unwrap();
        };
        write(OLDEST_FEATURES_VERSION);
        let old = SpeakerResolver::load(&path).unwrap();
        assert_eq!(old.features_version(), OLDEST_FEATURES_VERSION);
        old.save(&path).unwrap();
        assert_eq!(
            SpeakerResolver::load(&path).unwrap().features_version(),
            OLDEST_FEATURES_VERSION
        );
        assert_eq!(
            SpeakerResolver::builtin().features_version(),
            FEATURES_VERSION
        );
        write(OLDEST_FEATURES_VERSION - 1);
        let err = SpeakerResolver::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("train-speakers") && err.contains("version 2"),
            "{err}"
        );
    }

    #[test]
    fn resolver_path_is_beside_the_weights() {
        assert_eq!(
            resolver_path(Path::new("m")),
            Path::new("m/speakers.safetensors")
        );
        assert_eq!(
            resolver_path(Path::new("m/model.safetensors")),
            Path::new("m/speakers.safetensors")
        );
    }
}
