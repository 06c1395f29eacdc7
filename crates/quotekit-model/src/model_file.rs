//! Model files: one `model.safetensors` whose tensors are the CRF parameters
//! (`state`, `transition`, `start`, `end`, f32) and whose metadata key
//! `quotekit` holds a JSON [`ModelHeader`]. Written atomically (temporary file
//! in the same directory, then rename); loading checks the header first.

use crate::annotator::Annotator;
use crate::config::CrfConfig;
use crate::crf::CrfModel;
use crate::error::ModelError;
use crate::features::FeatureExtractor;
use crate::lexicon::Lexicon;
use crate::train::TrainReport;
use ndarray::{Array1, Array2};
use quotekit_data::{TagSet, Tokenizer};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The `format` value of CRF model files.
pub const FORMAT: &str = "quotekit-crf";
/// The newest format version this build reads and the one it writes.
pub const FORMAT_VERSION: u32 = 1;
/// File name inside a model directory.
pub const FILE_NAME: &str = "model.safetensors";

/// What a model file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version.
    pub format_version: u32,
    /// quotekit version that wrote the file.
    pub quotekit_version: String,
    /// The training configuration.
    pub config: CrfConfig,
    /// Tag names in parameter order.
    pub labels: Vec<String>,
    /// Features are hashed into 2^hash_bits buckets.
    pub hash_bits: u32,
    /// FNV-1a hash of the normalised cue lexicon (hex).
    pub lexicon_hash: String,
    /// The cue lexicon itself, so the model file is self-contained.
    pub lexicon: String,
    /// Training corpus and run summary.
    pub training: TrainReport,
    /// Training corpus path as given.
    pub train_corpus: PathBuf,
}

/// `DIR/model.safetensors` for a directory, the path itself for a file.
pub fn model_path(path: &Path) -> PathBuf {
    if path.is_dir() || path.extension().is_none() {
        path.join(FILE_NAME)
    } else {
        path.to_path_buf()
    }
}

fn view(shape: Vec<usize>, data: &[u8]) -> TensorView<'_> {
    TensorView::new(Dtype::F32, shape, data).expect("shapes match the data")
}

fn bytes_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Writes `model` with `header` to `path` (a directory, created if needed, or a
/// `.safetensors` file). The file appears complete or not at all.
pub fn save_model(
    model: &CrfModel,
    header: &ModelHeader,
    path: &Path,
) -> Result<PathBuf, ModelError> {
    let file = model_path(path);
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let state = bytes_f32(model.state.as_slice().expect("contiguous"));
    let transition = bytes_f32(model.transition.as_slice().expect("contiguous"));
    let start = bytes_f32(model.start.as_slice().expect("contiguous"));
    let end = bytes_f32(model.end.as_slice().expect("contiguous"));
    let (b, l) = model.state.dim();
    let tensors = vec![
        ("state", view(vec![b, l], &state)),
        ("transition", view(vec![l, l], &transition)),
        ("start", view(vec![l], &start)),
        ("end", view(vec![l], &end)),
    ];
    let json = serde_json::to_string(header).expect("headers serialise");
    let metadata = HashMap::from([("quotekit".to_string(), json)]);
    let bytes =
        safetensors::serialize(tensors, Some(metadata)).map_err(|e| ModelError::Corrupt {
            path: file.clone(),
            reason: e.to_string(),
        })?;
    let tmp = dir.join(format!(".{}.tmp-{}", FILE_NAME, std::process::id()));
    std::fs::write(&tmp, &bytes).map_err(|e| ModelError::io(&tmp, e))?;
    std::fs::rename(&tmp, &file).map_err(|e| ModelError::io(&file, e))?;
    Ok(file)
}

fn tensor_f32(
    st: &SafeTensors<'_>,
    name: &str,
    shape: &[usize],
    path: &Path,
) -> Result<Vec<f32>, ModelError> {
    let corrupt = |reason: String| ModelError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let t = st
        .tensor(name)
        .map_err(|e| corrupt(format!("tensor `{name}`: {e}")))?;
    if t.dtype() != Dtype::F32 || t.shape() != shape {
        return Err(corrupt(format!(
            "tensor `{name}` is {:?} {:?}, expected F32 {shape:?}",
            t.dtype(),
            t.shape()
        )));
    }
    Ok(t.data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Reads a model file (or `DIR/model.safetensors`) and checks its header.
pub fn load_model(path: &Path) -> Result<(CrfModel, ModelHeader), ModelError> {
    let file = model_path(path);
    let bytes = std::fs::read(&file).map_err(|e| ModelError::io(&file, e))?;
    let corrupt = |reason: String| ModelError::Corrupt {
        path: file.clone(),
        reason,
    };
    let (_, metadata) = SafeTensors::read_metadata(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let json = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get("quotekit"))
        .ok_or_else(|| ModelError::Foreign {
            path: file.clone(),
            reason: "no `quotekit` header in the safetensors metadata".into(),
        })?;
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| corrupt(format!("header: {e}")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(ModelError::Foreign {
            path: file.clone(),
            reason: format!(
                "header format is {}, expected \"{FORMAT}\"",
                value.get("format").unwrap_or(&serde_json::Value::Null)
            ),
        });
    }
    let version = value
        .get("format_version")
        .and_then(|v| v.as_u64())
        .unwrap_or(0) as u32;
    if version > FORMAT_VERSION {
        return Err(ModelError::NewerVersion {
            path: file.clone(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let header: ModelHeader =
        serde_json::from_value(value).map_err(|e| corrupt(format!("header: {e}")))?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let (b, l) = (1usize << header.hash_bits, header.labels.len());
    let model = CrfModel {
        state: Array2::from_shape_vec((b, l), tensor_f32(&st, "state", &[b, l], &file)?)
            .expect("checked shape"),
        transition: Array2::from_shape_vec((l, l), tensor_f32(&st, "transition", &[l, l], &file)?)
            .expect("checked shape"),
        start: Array1::from(tensor_f32(&st, "start", &[l], &file)?),
        end: Array1::from(tensor_f32(&st, "end", &[l], &file)?),
    };
    let lexicon = Lexicon::parse(&header.lexicon);
    if format!("{:016x}", lexicon.hash()) != header.lexicon_hash {
        return Err(corrupt("the lexicon does not match its hash".into()));
    }
    Ok((model, header))
}

/// Loads a model file as a ready [`Annotator`].
pub fn load_annotator(path: &Path) -> Result<(Annotator, ModelHeader), ModelError> {
    let (model, header) = load_model(path)?;
    let tags = TagSet::new(header.config.data.scheme);
    let names: Vec<String> = tags.tags().iter().map(ToString::to_string).collect();
    if names != header.labels {
        return Err(ModelError::Corrupt {
            path: model_path(path),
            reason: format!(
                "labels {:?} do not match the scheme's {:?}",
                header.labels, names
            ),
        });
    }
    let extractor =
        FeatureExtractor::with_lexicon(&header.config.features, Lexicon::parse(&header.lexicon));
    let annotator = Annotator {
        tokenizer: Tokenizer::new(),
        extractor,
        model,
        tags,
        unit: header.config.data.sequence,
        outside_penalty: header.config.decoding.outside_penalty,
    };
    Ok((annotator, header))
}
