//! Model files: a model directory holds `model.safetensors`, whose metadata
//! key `quotekit` is a JSON [`ModelHeader`]. For the CRF its tensors are the
//! CRF parameters (`state`, `transition`, `start`, `end`, f32); for the neural
//! tagger they are the network's parameters by name (`encoder.*`, `crf.*`)
//! and `tokenizer.json` lies beside it (its hash is in the header, so a
//! mismatched pair is refused); for the pretrained-encoder tagger they are
//! `bert.*`, `head.*` and `crf.*`, with the encoder's own `tokenizer.json`
//! and `encoder_config.json` beside it. Every file is written atomically (temporary
//! file in the same directory, then rename); loading checks the header first.

use crate::annotator::{Annotator, Tagger};
use crate::config::CrfConfig;
use crate::crf::CrfModel;
use crate::error::ModelError;
use crate::features::FeatureExtractor;
use crate::lexicon::{fnv1a, Lexicon};
use crate::neural::vocab::Vocabulary;
use crate::neural::NeuralModel;
use crate::pretrained::pieces::PieceTokenizer;
use crate::pretrained::EncoderModel;
use crate::train::TrainReport;
use ndarray::{Array1, Array2};
use quotekit_data::{TagSet, Tokenizer};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The `format` value of CRF model files.
pub const FORMAT: &str = "quotekit-crf";
/// The `format` value of neural model files.
pub const NEURAL_FORMAT: &str = "quotekit-neural";
/// The `format` value of pretrained-encoder model files.
pub const ENCODER_FORMAT: &str = "quotekit-encoder";
/// The encoder's `config.json`, copied beside a pretrained-encoder model.
pub const ENCODER_CONFIG_FILE: &str = "encoder_config.json";
/// The vocabulary file beside a neural model.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The newest format version this build reads and the one it writes.
pub const FORMAT_VERSION: u32 = 1;
/// File name inside a model directory.
pub const FILE_NAME: &str = "model.safetensors";

/// What a model file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// [`FORMAT`] or [`NEURAL_FORMAT`].
    pub format: String,
    /// Format version.
    pub format_version: u32,
    /// quotekit version that wrote the file.
    pub quotekit_version: String,
    /// The training configuration.
    pub config: CrfConfig,
    /// Tag names in parameter order.
    pub labels: Vec<String>,
    /// Features are hashed into 2^hash_bits buckets (the neural tagger's `sparse_bits`).
    pub hash_bits: u32,
    /// FNV-1a hash of the normalised cue lexicon (hex).
    pub lexicon_hash: String,
    /// The cue lexicon itself, so the model file is self-contained.
    pub lexicon: String,
    /// Training corpus and run summary.
    pub training: TrainReport,
    /// Training corpus path as given.
    pub train_corpus: PathBuf,
    /// FNV-1a hash (hex) of the neural model's `tokenizer.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer_hash: Option<String>,
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

/// Little-endian bytes of f32 values (safetensors' layout).
pub(crate) fn bytes_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// f32 values of little-endian bytes (safetensors' layout).
pub(crate) fn f32_values(data: &[u8]) -> Vec<f32> {
    data.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
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
    write_atomically(&file, &bytes)?;
    Ok(file)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and
/// a rename, so readers see the old file or the new one, never a partial one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| ModelError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| ModelError::io(path, e))
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
    Ok(f32_values(t.data()))
}

fn read_header(bytes: &[u8], file: &Path) -> Result<ModelHeader, ModelError> {
    let corrupt = |reason: String| ModelError::Corrupt {
        path: file.to_path_buf(),
        reason,
    };
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(|e| corrupt(e.to_string()))?;
    let json = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get("quotekit"))
        .ok_or_else(|| ModelError::Foreign {
            path: file.to_path_buf(),
            reason: "no `quotekit` header in the safetensors metadata".into(),
        })?;
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| corrupt(format!("header: {e}")))?;
    let format = value.get("format").and_then(|f| f.as_str());
    if ![Some(FORMAT), Some(NEURAL_FORMAT), Some(ENCODER_FORMAT)].contains(&format) {
        return Err(ModelError::Foreign {
            path: file.to_path_buf(),
            reason: format!(
                "header format is {}, expected \"{FORMAT}\", \"{NEURAL_FORMAT}\" or \"{ENCODER_FORMAT}\"",
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
            path: file.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let header: ModelHeader =
        serde_json::from_value(value).map_err(|e| corrupt(format!("header: {e}")))?;
    let lexicon = Lexicon::parse(&header.lexicon);
    if format!("{:016x}", lexicon.hash()) != header.lexicon_hash {
        return Err(corrupt("the lexicon does not match its hash".into()));
    }
    Ok(header)
}

/// Reads a CRF model file (or `DIR/model.safetensors`) and checks its header.
pub fn load_model(path: &Path) -> Result<(CrfModel, ModelHeader), ModelError> {
    let file = model_path(path);
    let bytes = std::fs::read(&file).map_err(|e| ModelError::io(&file, e))?;
    let header = read_header(&bytes, &file)?;
    let model = crf_tensors(&bytes, &header, &file)?;
    Ok((model, header))
}

fn crf_tensors(bytes: &[u8], header: &ModelHeader, file: &Path) -> Result<CrfModel, ModelError> {
    let corrupt = |reason: String| ModelError::Corrupt {
        path: file.to_path_buf(),
        reason,
    };
    if header.format != FORMAT {
        return Err(ModelError::Foreign {
            path: file.to_path_buf(),
            reason: format!("a {} model, not a CRF", header.format),
        });
    }
    let st = SafeTensors::deserialize(bytes).map_err(|e| corrupt(e.to_string()))?;
    let (b, l) = (1usize << header.hash_bits, header.labels.len());
    Ok(CrfModel {
        state: Array2::from_shape_vec((b, l), tensor_f32(&st, "state", &[b, l], file)?)
            .expect("checked shape"),
        transition: Array2::from_shape_vec((l, l), tensor_f32(&st, "transition", &[l, l], file)?)
            .expect("checked shape"),
        start: Array1::from(tensor_f32(&st, "start", &[l], file)?),
        end: Array1::from(tensor_f32(&st, "end", &[l], file)?),
    })
}

/// The `tokenizer.json` beside a model file, checked against the header's hash.
fn read_tokenizer(header: &ModelHeader, file: &Path) -> Result<(String, PathBuf), ModelError> {
    let tokenizer_file = file.parent().unwrap_or(Path::new(".")).join(TOKENIZER_FILE);
    let json =
        std::fs::read_to_string(&tokenizer_file).map_err(|e| ModelError::io(&tokenizer_file, e))?;
    if header.tokenizer_hash.as_deref() != Some(format!("{:016x}", fnv1a(json.as_bytes())).as_str())
    {
        return Err(ModelError::Corrupt {
            path: tokenizer_file,
            reason: "this tokenizer.json is not the one the model was trained with".into(),
        });
    }
    Ok((json, tokenizer_file))
}

/// The tensors of `vars` (by name) from a model file's bytes.
fn read_vars(
    bytes: &[u8],
    vars: Vec<(String, candle_core::Var)>,
    file: &Path,
) -> Result<Vec<(String, candle_core::Tensor)>, ModelError> {
    let corrupt = |reason: String| ModelError::Corrupt {
        path: file.to_path_buf(),
        reason,
    };
    let st = SafeTensors::deserialize(bytes).map_err(|e| corrupt(e.to_string()))?;
    let mut tensors = Vec::new();
    for (name, var) in vars {
        let values = tensor_f32(&st, &name, var.dims(), file)?;
        let t = candle_core::Tensor::from_vec(values, var.dims(), &candle_core::Device::Cpu)
            .map_err(|e| corrupt(format!("tensor `{name}`: {e}")))?;
        tensors.push((name, t));
    }
    Ok(tensors)
}

fn neural_tensors(
    bytes: &[u8],
    header: &ModelHeader,
    file: &Path,
) -> Result<NeuralModel, ModelError> {
    let corrupt = |reason: String| ModelError::Corrupt {
        path: file.to_path_buf(),
        reason,
    };
    let (json, tokenizer_file) = read_tokenizer(header, file)?;
    let vocab = Vocabulary::from_json(&json, &tokenizer_file)?;
    let mut model = NeuralModel::new(
        &header.config.neural,
        vocab,
        Lexicon::parse(&header.lexicon),
        header.labels.len(),
    )
    .map_err(|e| corrupt(format!("network: {e}")))?;
    let tensors = read_vars(bytes, model.named_vars(), file)?;
    model
        .load_tensors(&tensors)
        .map_err(|e| corrupt(format!("network: {e}")))?;
    Ok(model)
}

fn encoder_tensors(
    bytes: &[u8],
    header: &ModelHeader,
    file: &Path,
) -> Result<EncoderModel, ModelError> {
    let (json, tokenizer_file) = read_tokenizer(header, file)?;
    let tokenizer = PieceTokenizer::from_json(&json, &tokenizer_file)?;
    let config_file = file
        .parent()
        .unwrap_or(Path::new("."))
        .join(ENCODER_CONFIG_FILE);
    let config =
        std::fs::read_to_string(&config_file).map_err(|e| ModelError::io(&config_file, e))?;
    let mut model = EncoderModel::new(
        &header.config.encoder,
        &config,
        &config_file,
        tokenizer,
        Lexicon::parse(&header.lexicon),
        header.labels.len(),
    )?;
    let tensors = read_vars(bytes, model.named_vars(), file)?;
    model
        .load_tensors(&tensors)
        .map_err(|e| ModelError::Corrupt {
            path: file.to_path_buf(),
            reason: format!("network: {e}"),
        })?;
    Ok(model)
}

/// Writes a neural model: `tokenizer.json`, then `model.safetensors` (the
/// header records the tokenizer's hash). `path` is the model directory.
pub fn save_neural(
    model: &NeuralModel,
    header: &ModelHeader,
    path: &Path,
) -> Result<PathBuf, ModelError> {
    save_network(
        model.named_vars(),
        &model.vocab.to_json(),
        &[],
        header,
        path,
    )
}

/// Writes a pretrained-encoder model: `tokenizer.json` and
/// `encoder_config.json` (the encoder's own files), then `model.safetensors`
/// with the fine-tuned encoder, head and CRF.
pub fn save_encoder(
    model: &EncoderModel,
    header: &ModelHeader,
    path: &Path,
) -> Result<PathBuf, ModelError> {
    save_network(
        model.named_vars(),
        &model.tokenizer.json,
        &[(ENCODER_CONFIG_FILE, &model.bert_config_json)],
        header,
        path,
    )
}

/// Writes the tokenizer and `extra` files, then the parameters with `header`.
fn save_network(
    vars: Vec<(String, candle_core::Var)>,
    tokenizer_json: &str,
    extra: &[(&str, &str)],
    header: &ModelHeader,
    path: &Path,
) -> Result<PathBuf, ModelError> {
    let file = model_path(path);
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    write_atomically(&dir.join(TOKENIZER_FILE), tokenizer_json.as_bytes())?;
    for (name, text) in extra {
        write_atomically(&dir.join(name), text.as_bytes())?;
    }
    let header = ModelHeader {
        tokenizer_hash: Some(format!("{:016x}", fnv1a(tokenizer_json.as_bytes()))),
        ..header.clone()
    };
    let mut buffers = Vec::new();
    for (name, var) in vars {
        let values: Vec<f32> = var
            .as_tensor()
            .flatten_all()
            .and_then(|t| t.to_vec1())
            .map_err(|e| ModelError::Training(format!("reading `{name}`: {e}")))?;
        buffers.push((name, var.dims().to_vec(), bytes_f32(&values)));
    }
    let tensors: Vec<(String, TensorView<'_>)> = buffers
        .iter()
        .map(|(n, shape, data)| (n.clone(), view(shape.clone(), data)))
        .collect();
    let json = serde_json::to_string(&header).expect("headers serialise");
    let metadata = HashMap::from([("quotekit".to_string(), json)]);
    let bytes =
        safetensors::serialize(tensors, Some(metadata)).map_err(|e| ModelError::Corrupt {
            path: file.clone(),
            reason: e.to_string(),
        })?;
    write_atomically(&file, &bytes)?;
    Ok(file)
}

/// Writes whichever model `annotator` holds to the model directory `path`.
pub fn save_annotator(
    annotator: &Annotator,
    header: &ModelHeader,
    path: &Path,
) -> Result<PathBuf, ModelError> {
    match &annotator.tagger {
        Tagger::Crf { model, .. } => save_model(model, header, path),
        Tagger::Neural(model) => save_neural(model, header, path),
        Tagger::Encoder(model) => save_encoder(model, header, path),
    }
}

/// Loads a model directory (CRF or neural) as a ready [`Annotator`].
pub fn load_annotator(path: &Path) -> Result<(Annotator, ModelHeader), ModelError> {
    let file = model_path(path);
    let bytes = std::fs::read(&file).map_err(|e| ModelError::io(&file, e))?;
    let header = read_header(&bytes, &file)?;
    let tags = TagSet::new(header.config.data.scheme);
    let names: Vec<String> = tags.tags().iter().map(ToString::to_string).collect();
    if names != header.labels {
        return Err(ModelError::Corrupt {
            path: file,
            reason: format!(
                "labels {:?} do not match the scheme's {:?}",
                header.labels, names
            ),
        });
    }
    let tagger = if header.format == NEURAL_FORMAT {
        Tagger::Neural(Box::new(neural_tensors(&bytes, &header, &file)?))
    } else if header.format == ENCODER_FORMAT {
        Tagger::Encoder(Box::new(encoder_tensors(&bytes, &header, &file)?))
    } else {
        Tagger::Crf {
            extractor: FeatureExtractor::with_lexicon(
                &header.config.features,
                Lexicon::parse(&header.lexicon),
            ),
            model: crf_tensors(&bytes, &header, &file)?,
            unit: header.config.data.sequence,
        }
    };
    let annotator = Annotator {
        tokenizer: Tokenizer::new(),
        tagger,
        tags,
        outside_penalty: header.config.decoding.outside_penalty,
    };
    Ok((annotator, header))
}
