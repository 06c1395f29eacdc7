//! Training checkpoints of the neural tagger: one `checkpoint.safetensors`
//! holding the parameters (`param/NAME`), AdamW's moments (`m/NAME`,
//! `v/NAME`), the running average (`avg/NAME`), the best weights so far
//! (`best/NAME`) and, in the metadata key
//! `quotekit-checkpoint`, a JSON [`CheckpointMeta`]: config, labels, epoch and
//! step counters, the RNG position, early-stopping state, per-epoch reports
//! and the vocabulary. Rewritten atomically after every epoch.

use super::train::{AdamW, EpochReport};
use super::vocab::Vocabulary;
use crate::error::ModelError;
use crate::model_file::{bytes_f32, write_atomically};
use candle_core::{Device, Tensor};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// File name of a checkpoint inside its directory.
pub const FILE_NAME: &str = "checkpoint.safetensors";
/// The `format` value of checkpoints.
pub const FORMAT: &str = "quotekit-neural-checkpoint";
/// Checkpoint format version.
pub const FORMAT_VERSION: u32 = 1;

/// Training progress that a checkpoint carries besides tensors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Epochs done.
    pub epoch: usize,
    /// Optimiser steps done.
    pub step: usize,
    /// Best dev F1 so far.
    pub best_f1: Option<f64>,
    /// Epoch of the best dev F1 (or the last epoch without a dev set).
    pub best_epoch: usize,
    /// Epochs since the best one.
    pub bad_epochs: usize,
    /// Seconds trained so far.
    pub train_seconds: f64,
    /// Per-epoch reports.
    pub reports: Vec<EpochReport>,
    /// Training documents (to refuse resuming on another corpus).
    pub documents: usize,
    /// Training tokens.
    pub tokens: usize,
}

impl CheckpointState {
    /// Why training must stop before the next epoch, if it must: early
    /// stopping after `patience` epochs without a better dev F1 (0: never), or
    /// `stop_after` epochs done in this run.
    pub fn stop_reason(
        &self,
        patience: usize,
        stop_after: Option<usize>,
        epochs_this_run: usize,
    ) -> Option<String> {
        if patience > 0 && self.bad_epochs >= patience {
            Some(format!("no better dev F1 for {patience} epochs"))
        } else if stop_after.is_some_and(|n| epochs_this_run >= n) {
            Some(format!(
                "stopped after {epochs_this_run} epochs (resumable)"
            ))
        } else {
            None
        }
    }

    /// Records a finished epoch; true when its weights are the ones to keep
    /// (a better dev F1, or any epoch without a dev set).
    pub fn record(&mut self, report: &EpochReport) -> bool {
        self.epoch = report.epoch;
        self.train_seconds += report.seconds;
        self.reports.push(report.clone());
        match report.dev_f1 {
            Some(f1) if self.best_f1.is_none_or(|b| f1 > b) => {
                self.best_f1 = Some(f1);
                self.best_epoch = report.epoch;
                self.bad_epochs = 0;
                true
            }
            Some(_) => {
                self.bad_epochs += 1;
                false
            }
            None => {
                self.best_epoch = report.epoch;
                true
            }
        }
    }

    /// The run summary once training has ended for `stop`.
    pub fn summary(&self, stop: String, prepare_seconds: f64) -> crate::train::TrainReport {
        crate::train::TrainReport {
            iterations: self.epoch,
            best_iteration: self.best_epoch,
            best_dev_f1: self.best_f1,
            stop,
            documents: self.documents,
            tokens: self.tokens,
            feature_seconds: prepare_seconds,
            train_seconds: self.train_seconds,
        }
    }
}

/// The JSON metadata of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version.
    pub format_version: u32,
    /// Settings of the run (the `[neural]` or `[encoder]` section).
    pub config: serde_json::Value,
    /// Tag names.
    pub labels: Vec<String>,
    /// Progress.
    pub state: CheckpointState,
    /// ChaCha word position of the shuffling/dropout RNG (decimal).
    pub rng_word_pos: String,
    /// The subword tokenizer (`tokenizer.json` text).
    pub tokenizer: String,
}

/// A checkpoint read back from disk.
#[derive(Debug)]
pub struct Checkpoint {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its metadata.
    pub meta: CheckpointMeta,
    /// Progress (a copy of `meta.state`).
    pub state: CheckpointState,
    tensors: HashMap<String, Tensor>,
}

impl Checkpoint {
    /// `DIR/checkpoint.safetensors` for a directory, the path itself for a file.
    pub fn path(path: &Path) -> PathBuf {
        if path.is_dir() || path.extension().is_none() {
            path.join(FILE_NAME)
        } else {
            path.to_path_buf()
        }
    }

    /// Writes a checkpoint into `dir`; returns the file written.
    #[allow(clippy::too_many_arguments)]
    pub fn save(
        dir: &Path,
        config: &serde_json::Value,
        labels: &[String],
        tokenizer: &str,
        state: &CheckpointState,
        names: &[String],
        optimizer: &AdamW,
        rng: &rand_chacha::ChaCha8Rng,
        best: Option<&[Tensor]>,
    ) -> Result<PathBuf, ModelError> {
        let file = dir.join(FILE_NAME);
        let err = |e: candle_core::Error| ModelError::Training(format!("checkpoint: {e}"));
        let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (k, (name, var)) in names.iter().zip(optimizer.vars()).enumerate() {
            let shape = var.dims().to_vec();
            let values: Vec<f32> = var
                .as_tensor()
                .flatten_all()
                .map_err(err)?
                .to_vec1()
                .map_err(err)?;
            buffers.push((format!("param/{name}"), shape.clone(), bytes_f32(&values)));
            buffers.push((
                format!("m/{name}"),
                shape.clone(),
                bytes_f32(&optimizer.m[k]),
            ));
            buffers.push((
                format!("v/{name}"),
                shape.clone(),
                bytes_f32(&optimizer.v[k]),
            ));
            if let Some(average) = optimizer.average.get(k) {
                buffers.push((format!("avg/{name}"), shape.clone(), bytes_f32(average)));
            }
            if let Some(best) = best {
                let values: Vec<f32> =
                    best[k].flatten_all().map_err(err)?.to_vec1().map_err(err)?;
                buffers.push((format!("best/{name}"), shape, bytes_f32(&values)));
            }
        }
        let meta = CheckpointMeta {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            config: config.clone(),
            labels: labels.to_vec(),
            state: CheckpointState {
                step: optimizer.step,
                ..state.clone()
            },
            rng_word_pos: rng.get_word_pos().to_string(),
            tokenizer: tokenizer.to_string(),
        };
        let views: Vec<(String, TensorView<'_>)> = buffers
            .iter()
            .map(|(n, s, b)| {
                (
                    n.clone(),
                    TensorView::new(Dtype::F32, s.clone(), b).expect("shapes match the data"),
                )
            })
            .collect();
        let json = serde_json::to_string(&meta).expect("checkpoint metadata serialises");
        let metadata = HashMap::from([("quotekit-checkpoint".to_string(), json)]);
        let bytes = safetensors::serialize(views, Some(metadata))
            .map_err(|e| ModelError::Training(format!("checkpoint {}: {e}", file.display())))?;
        write_atomically(&file, &bytes)?;
        Ok(file)
    }

    /// Reads a checkpoint file (or `DIR/checkpoint.safetensors`).
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let file = Self::path(path);
        let bytes = std::fs::read(&file).map_err(|e| ModelError::io(&file, e))?;
        let corrupt = |reason: String| ModelError::Corrupt {
            path: file.clone(),
            reason,
        };
        let (_, header) = SafeTensors::read_metadata(&bytes).map_err(|e| corrupt(e.to_string()))?;
        let json = header
            .metadata()
            .as_ref()
            .and_then(|m| m.get("quotekit-checkpoint"))
            .ok_or_else(|| ModelError::Foreign {
                path: file.clone(),
                reason: "no `quotekit-checkpoint` metadata: not a neural training checkpoint"
                    .into(),
            })?;
        let meta: CheckpointMeta =
            serde_json::from_str(json).map_err(|e| corrupt(format!("metadata: {e}")))?;
        if meta.format != FORMAT {
            return Err(ModelError::Foreign {
                path: file.clone(),
                reason: format!("format is {:?}, expected {FORMAT:?}", meta.format),
            });
        }
        if meta.format_version > FORMAT_VERSION {
            return Err(ModelError::NewerVersion {
                path: file.clone(),
                found: meta.format_version,
                supported: FORMAT_VERSION,
            });
        }
        let st = SafeTensors::deserialize(&bytes).map_err(|e| corrupt(e.to_string()))?;
        let mut tensors = HashMap::new();
        for (name, view) in st.tensors() {
            if view.dtype() != Dtype::F32 {
                return Err(corrupt(format!("tensor `{name}` is not F32")));
            }
            let t = Tensor::from_raw_buffer(
                view.data(),
                candle_core::DType::F32,
                view.shape(),
                &Device::Cpu,
            )
            .map_err(|e| corrupt(format!("tensor `{name}`: {e}")))?;
            tensors.insert(name, t);
        }
        Ok(Self {
            path: file,
            state: meta.state.clone(),
            meta,
            tensors,
        })
    }

    /// Refuses to resume a run with other settings or labels.
    /// `section` names the config section in messages (`neural`, `encoder`).
    pub fn check_compatible(
        &self,
        config: &serde_json::Value,
        section: &str,
        labels: &[String],
    ) -> Result<(), ModelError> {
        let path = Some(self.path.clone());
        if &self.meta.config != config {
            let differing: Vec<String> = match (config, &self.meta.config) {
                (serde_json::Value::Object(a), serde_json::Value::Object(b)) => a
                    .iter()
                    .filter(|(k, v)| b.get(*k) != Some(v))
                    .map(|(k, _)| format!("{section}.{k}"))
                    .collect(),
                _ => Vec::new(),
            };
            return Err(ModelError::Config {
                path,
                message: format!(
                    "the checkpoint was written with other settings ({}); resume with the same config",
                    differing.join(", ")
                ),
            });
        }
        if self.meta.labels != labels {
            return Err(ModelError::Config {
                path,
                message: format!(
                    "the checkpoint's labels {:?} differ from the config's {:?}",
                    self.meta.labels, labels
                ),
            });
        }
        Ok(())
    }

    /// Refuses to resume on another training corpus.
    pub fn check_corpus(&self, documents: usize, tokens: usize) -> Result<(), ModelError> {
        if (self.state.documents, self.state.tokens) != (documents, tokens) {
            return Err(ModelError::Config {
                path: Some(self.path.clone()),
                message: format!(
                    "the checkpoint was trained on {} documents / {} tokens, this corpus has {documents} / {tokens}",
                    self.state.documents, self.state.tokens
                ),
            });
        }
        Ok(())
    }

    /// The vocabulary saved in the checkpoint.
    pub fn vocabulary(&self) -> Result<Vocabulary, ModelError> {
        Vocabulary::from_json(&self.meta.tokenizer, &self.path)
    }

    fn tensor(&self, name: &str) -> candle_core::Result<&Tensor> {
        self.tensors.get(name).ok_or_else(|| {
            candle_core::Error::Msg(format!("{}: no tensor `{name}`", self.path.display()))
        })
    }

    /// Puts parameters, optimiser moments and the RNG position back.
    pub fn restore(
        &self,
        names: &[String],
        optimizer: &mut AdamW,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> candle_core::Result<()> {
        for (k, name) in names.iter().enumerate() {
            let var = &optimizer.vars()[k];
            let param = self.tensor(&format!("param/{name}"))?;
            if param.dims() != var.dims() {
                return Err(candle_core::Error::Msg(format!(
                    "{}: tensor `{name}` has shape {:?}, expected {:?}",
                    self.path.display(),
                    param.dims(),
                    var.dims()
                )));
            }
            var.set(&param.to_device(var.device())?)?;
            optimizer.m[k] = self
                .tensor(&format!("m/{name}"))?
                .flatten_all()?
                .to_vec1()?;
            optimizer.v[k] = self
                .tensor(&format!("v/{name}"))?
                .flatten_all()?
                .to_vec1()?;
            if k < optimizer.average.len() {
                optimizer.average[k] = self
                    .tensor(&format!("avg/{name}"))?
                    .flatten_all()?
                    .to_vec1()?;
            }
        }
        optimizer.step = self.state.step;
        let pos: u128 = self.meta.rng_word_pos.parse().map_err(|_| {
            candle_core::Error::Msg(format!("{}: bad rng_word_pos", self.path.display()))
        })?;
        rng.set_word_pos(pos);
        Ok(())
    }

    /// The best weights so far, when the checkpoint has them.
    pub fn best_tensors(&self, names: &[String]) -> candle_core::Result<Option<Vec<Tensor>>> {
        if !self.tensors.keys().any(|k| k.starts_with("best/")) {
            return Ok(None);
        }
        names
            .iter()
            .map(|n| self.tensor(&format!("best/{n}")).cloned())
            .collect::<candle_core::Result<Vec<_>>>()
            .map(Some)
    }
}
