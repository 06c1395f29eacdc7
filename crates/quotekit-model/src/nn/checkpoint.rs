//! Training checkpoints of the network taggers: one `checkpoint.safetensors`
//! holding the parameters (`param/NAME`), AdamW's moments (`m/NAME`,
//! `v/NAME`), the running average (`avg/NAME`), the best weights so far
//! (`best/NAME`) and, in the metadata key
//! `quotekit-checkpoint`, a JSON [`CheckpointMeta`]: config, labels, epoch and
//! step counters, the RNG position, early-stopping state, per-epoch reports
//! and the subword tokenizer. Rewritten atomically after every epoch.
//! Version 1 checkpoints (format `quotekit-neural-checkpoint`, the neural
//! network's parameters under `encoder.*`) still resume.
//!
//! The file runs a little over 500 lines with its tests: writing a
//! checkpoint, reading it across versions and checking it against a run
//! are read together.

use crate::error::ModelError;
use crate::io::{file_in, read_metadata, read_tensors, write_tensors, TensorBytes};
use crate::nn::optim::AdamW;
use crate::nn::params::current_name;
use crate::training::options::TrainOptions;
use crate::training::run_state::{config_json, RunInfo, RunState};
use candle_core::{Device, Tensor};
use safetensors::tensor::Dtype;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// File name of a checkpoint inside its directory.
pub const FILE_NAME: &str = "checkpoint.safetensors";
/// The `format` value of checkpoints.
pub const FORMAT: &str = "quotekit-checkpoint";
/// The `format` value of version 1 checkpoints.
const FORMAT_V1: &str = "quotekit-neural-checkpoint";
/// Checkpoint format version (3: a neural run's settings may hold
/// `sparse_templates`, which the quotekit before it did not know).
pub const FORMAT_VERSION: u32 = 3;
/// The metadata key of the JSON metadata.
const KEY: &str = "quotekit-checkpoint";

/// The JSON metadata of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// [`FORMAT`] (or the version 1 name).
    pub format: String,
    /// Format version.
    pub format_version: u32,
    /// Settings of the run (the `[neural]` or `[transformer]` section).
    pub config: serde_json::Value,
    /// Tag names.
    pub labels: Vec<String>,
    /// Progress.
    pub state: RunState,
    /// ChaCha word position of the shuffling/dropout RNG (decimal).
    pub rng_word_pos: String,
    /// The subword tokenizer (`tokenizer.json` text).
    pub tokenizer: String,
    /// A transformer's encoder `config.json` text (empty for the neural
    /// tagger, and in checkpoints written before it was recorded).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub encoder_config: String,
    /// A frozen encoder's weights file, hashed (the checkpoint holds the
    /// head only: the encoder is read from its folder again on resume);
    /// empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub encoder_weights: String,
}

/// A checkpoint read back from disk.
#[derive(Debug)]
pub struct Checkpoint {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its metadata.
    pub meta: CheckpointMeta,
    /// Progress (a copy of `meta.state`).
    pub state: RunState,
    tensors: HashMap<String, Tensor>,
}

impl Checkpoint {
    /// `DIR/checkpoint.safetensors` for a directory, the path itself for a file.
    pub fn path(path: &Path) -> PathBuf {
        file_in(path, FILE_NAME)
    }

    /// Writes a checkpoint of the run `info` into `dir`; returns the file written.
    pub fn save(
        dir: &Path,
        info: &RunInfo,
        state: &RunState,
        names: &[String],
        optimizer: &AdamW,
        rng: &rand_chacha::ChaCha8Rng,
        best: Option<&[Tensor]>,
    ) -> Result<PathBuf, ModelError> {
        let file = dir.join(FILE_NAME);
        let mut tensors: Vec<TensorBytes> = Vec::new();
        for (k, (name, var)) in names.iter().zip(optimizer.vars()).enumerate() {
            let shape = var.dims().to_vec();
            tensors.push(TensorBytes::of(format!("param/{name}"), var.as_tensor())?);
            tensors.push(TensorBytes::new(
                format!("m/{name}"),
                shape.clone(),
                &optimizer.m[k],
            ));
            tensors.push(TensorBytes::new(
                format!("v/{name}"),
                shape.clone(),
                &optimizer.v[k],
            ));
            if let Some(average) = optimizer.average.get(k) {
                tensors.push(TensorBytes::new(format!("avg/{name}"), shape, average));
            }
            if let Some(best) = best {
                tensors.push(TensorBytes::of(format!("best/{name}"), &best[k])?);
            }
        }
        let meta = CheckpointMeta {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            config: info.config.clone(),
            labels: info.labels.clone(),
            state: RunState {
                step: optimizer.step,
                ..state.clone()
            },
            rng_word_pos: rng.get_word_pos().to_string(),
            tokenizer: info.tokenizer.clone(),
            encoder_config: info.encoder_config.clone(),
            encoder_weights: info.encoder_weights.clone(),
        };
        let json = serde_json::to_string(&meta).expect("checkpoint metadata serialises");
        write_tensors(&file, &tensors, Some((KEY, json)))?;
        // (What a run killed while writing its checkpoint left.)
        quotekit_data::atomic::remove_stale(dir);
        Ok(file)
    }

    /// The checkpoint `options` resume from, if any, read and checked against
    /// the run's settings (`config`, the section named `section`) and labels.
    pub fn resume<C: Serialize + DeserializeOwned>(
        options: &TrainOptions,
        config: &C,
        section: &str,
        labels: &[String],
    ) -> Result<Option<Self>, ModelError> {
        let Some(path) = &options.resume else {
            return Ok(None);
        };
        let checkpoint = Self::load(path)?;
        checkpoint.check_compatible(config, section, labels)?;
        Ok(Some(checkpoint))
    }

    /// The epochs done and due of the checkpoint in `dir` when its run
    /// stopped before its last epoch (interrupted, or split with
    /// `--stop-after`) and not by early stopping: a new run there would
    /// write over work that `--resume` could go on from. `None` when there
    /// is no checkpoint, or none that can be read (a new run writes over it).
    pub fn unfinished_in(dir: &Path) -> Option<(usize, usize)> {
        let json = crate::io::header_metadata(&dir.join(FILE_NAME), KEY)?;
        let meta: CheckpointMeta = serde_json::from_str(&json).ok()?;
        let count = |key: &str| meta.config.get(key)?.as_u64().map(|n| n as usize);
        let epochs = count("epochs")?;
        let stopped_early = meta
            .state
            .stopping
            .exhausted(count("patience").unwrap_or(0));
        (meta.state.epoch < epochs && !stopped_early).then_some((meta.state.epoch, epochs))
    }

    /// Refuses a run (`options`) whose checkpoint folder holds the
    /// checkpoint of an unfinished run ([`Checkpoint::unfinished_in`]) that
    /// it does not resume from: it would write over work that could be gone
    /// on from.
    pub fn refuse_unfinished(options: &TrainOptions) -> Result<(), ModelError> {
        let Some(dir) = &options.checkpoint_dir else {
            return Ok(());
        };
        let Some((done, due)) = Self::unfinished_in(dir) else {
            return Ok(());
        };
        let path = Self::path(dir);
        let resolved = |p: &Path| quotekit_data::paths::resolved(&Self::path(p));
        if options.resume.as_deref().map(resolved) == Some(resolved(dir)) {
            return Ok(());
        }
        Err(ModelError::UnfinishedCheckpoint {
            path,
            dir: dir.clone(),
            done,
            due,
        })
    }

    /// Reads a checkpoint file (or `DIR/checkpoint.safetensors`).
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let file = Self::path(path);
        let bytes = crate::io::read_file(&file)?;
        let json = read_metadata(&bytes, KEY, &file)?.ok_or_else(|| {
            ModelError::foreign(
                &file,
                "no `quotekit-checkpoint` metadata: not a quotekit training checkpoint",
            )
        })?;
        let mut meta: CheckpointMeta = serde_json::from_str(&json)
            .map_err(|e| ModelError::corrupt(&file, format!("metadata: {e}")))?;
        // (A neural run's section; a transformer's has no network keys.)
        crate::neural::config::saved_before_keys(&mut meta.config);
        if meta.format != FORMAT && meta.format != FORMAT_V1 {
            return Err(ModelError::foreign(
                &file,
                format!(
                    "format is {:?}, expected {FORMAT:?} (or {FORMAT_V1:?})",
                    meta.format
                ),
            ));
        }
        if meta.format_version > FORMAT_VERSION {
            return Err(ModelError::NewerVersion {
                path: file.clone(),
                found: meta.format_version,
                supported: FORMAT_VERSION,
            });
        }
        let st = read_tensors(&bytes, &file)?;
        let mut tensors = HashMap::new();
        for (name, view) in st.tensors() {
            if view.dtype() != Dtype::F32 {
                return Err(ModelError::corrupt(
                    &file,
                    format!("tensor `{name}` is not F32"),
                ));
            }
            let t = Tensor::from_raw_buffer(
                view.data(),
                candle_core::DType::F32,
                view.shape(),
                &Device::Cpu,
            )
            .map_err(|e| ModelError::corrupt(&file, format!("tensor `{name}`: {e}")))?;
            // `param/NAME`, `m/NAME`, …: the parameter's name after the slash.
            let name = match name.split_once('/') {
                Some((kind, rest)) => {
                    format!("{kind}/{}", current_name(rest, meta.format_version))
                }
                None => name,
            };
            tensors.insert(name, t);
        }
        Ok(Self {
            path: file,
            state: meta.state.clone(),
            meta,
            tensors,
        })
    }

    /// Refuses to resume a run with other settings (`config`, the run's
    /// section, named `section` in messages) or labels. The checkpoint's
    /// settings are read as a `C` first, so that renamed keys compare equal.
    pub fn check_compatible<C: Serialize + DeserializeOwned>(
        &self,
        config: &C,
        section: &str,
        labels: &[String],
    ) -> Result<(), ModelError> {
        let path = Some(self.path.clone());
        let mut current = config_json(config);
        let mut stored = serde_json::from_value::<C>(self.meta.config.clone())
            .map(|c| config_json(&c))
            .unwrap_or_else(|_| self.meta.config.clone());
        // (A checkpoint that records its encoder's files is checked by them,
        // in `check_encoder`, not by how `transformer.path` is spelled.)
        if section == "transformer" && !self.meta.encoder_config.is_empty() {
            for json in [&mut current, &mut stored] {
                if let serde_json::Value::Object(map) = json {
                    map.remove("path");
                }
            }
        }
        if stored != current {
            let mut differing = Vec::new();
            differing_keys(section, Some(&current), Some(&stored), &mut differing);
            let (keys, had): (Vec<&str>, Vec<String>) = differing
                .iter()
                .map(|(key, stored)| {
                    // What the checkpoint has for it, as a config writes it.
                    let had = match stored {
                        Some(v) => format!("{key} = {v}"),
                        None => format!("no {key}"),
                    };
                    (key.as_str(), had)
                })
                .unzip();
            return Err(ModelError::Config {
                path,
                message: format!(
                    "the checkpoint was written with other settings ({}); resume with the same config (the checkpoint's: {})",
                    keys.join(", "),
                    had.join("; ")
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

    /// Refuses to resume with another encoder than the run began with: a
    /// different `tokenizer.json` or `config.json` (the pieces and the
    /// layers the checkpoint's weights were trained for), or, for a frozen
    /// encoder, `model.safetensors` (`weights`, hashed: the one part of the
    /// model the checkpoint does not hold). A checkpoint written before the
    /// config was recorded is checked by its tokenizer.
    pub fn check_encoder(
        &self,
        tokenizer: &str,
        config: &str,
        weights: &str,
    ) -> Result<(), ModelError> {
        let files = [
            ("tokenizer.json", &self.meta.tokenizer, tokenizer),
            ("config.json", &self.meta.encoder_config, config),
            ("model.safetensors", &self.meta.encoder_weights, weights),
        ];
        // (The JSON files by what they say, as `transformer.init` compares
        // an encoder config: a file written out again is the same file.)
        let same = |a: &str, b: &str| {
            a == b
                || matches!(
                    (serde_json::from_str::<serde_json::Value>(a), serde_json::from_str::<serde_json::Value>(b)),
                    (Ok(x), Ok(y)) if x == y
                )
        };
        for (name, stored, now) in files {
            if !stored.is_empty() && !same(stored, now) {
                return Err(ModelError::Config {
                    path: Some(self.path.clone()),
                    message: format!(
                        "the encoder's {name} (in transformer.path) is not the one the checkpoint was trained with; resume with the encoder folder the run began with"
                    ),
                });
            }
        }
        Ok(())
    }

    /// Refuses to resume on another training corpus (of another size, or,
    /// for a checkpoint that records its corpora's fingerprint, of other
    /// contents or with another dev corpus).
    pub fn check_corpus(&self, info: &RunInfo) -> Result<(), ModelError> {
        let (documents, tokens) = (info.documents, info.tokens);
        let message = if (self.state.documents, self.state.tokens) != (documents, tokens) {
            format!(
                "the checkpoint was trained on {} documents / {} tokens, this corpus has {documents} / {tokens}",
                self.state.documents, self.state.tokens
            )
        } else if self.state.corpus.is_some_and(|c| c != info.corpus) {
            "the checkpoint was trained on other training or dev documents of the same size \
             (their texts or annotations differ): resume with the corpora it was written \
             with, or train anew"
                .to_string()
        } else {
            return Ok(());
        };
        Err(ModelError::Config {
            path: Some(self.path.clone()),
            message,
        })
    }

    fn tensor(&self, name: &str) -> Result<&Tensor, ModelError> {
        self.tensors
            .get(name)
            .ok_or_else(|| ModelError::corrupt(&self.path, format!("no tensor `{name}`")))
    }

    /// The `len` values of tensor `name`.
    fn values(&self, name: &str, len: usize) -> Result<Vec<f32>, ModelError> {
        let values: Vec<f32> = self.tensor(name)?.flatten_all()?.to_vec1()?;
        if values.len() != len {
            return Err(ModelError::corrupt(
                &self.path,
                format!(
                    "tensor `{name}` has {} values, expected {len}",
                    values.len()
                ),
            ));
        }
        Ok(values)
    }

    /// Puts parameters, optimiser moments and the RNG position back.
    pub fn restore(
        &self,
        names: &[String],
        optimizer: &mut AdamW,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Result<(), ModelError> {
        for (k, name) in names.iter().enumerate() {
            let var = &optimizer.vars()[k];
            let param = self.tensor(&format!("param/{name}"))?;
            if param.dims() != var.dims() {
                return Err(ModelError::corrupt(
                    &self.path,
                    format!(
                        "tensor `{name}` has shape {:?}, expected {:?}",
                        param.dims(),
                        var.dims()
                    ),
                ));
            }
            var.set(&param.to_device(var.device())?)?;
            let len = var.elem_count();
            optimizer.m[k] = self.values(&format!("m/{name}"), len)?;
            optimizer.v[k] = self.values(&format!("v/{name}"), len)?;
            if k < optimizer.average.len() {
                optimizer.average[k] = self.values(&format!("avg/{name}"), len)?;
            }
        }
        optimizer.step = self.state.step;
        let pos: u128 = self
            .meta
            .rng_word_pos
            .parse()
            .map_err(|_| ModelError::corrupt(&self.path, "bad rng_word_pos"))?;
        rng.set_word_pos(pos);
        Ok(())
    }

    /// The best weights so far, when the checkpoint has them.
    pub fn best_tensors(&self, names: &[String]) -> Result<Option<Vec<Tensor>>, ModelError> {
        if !self.tensors.keys().any(|k| k.starts_with("best/")) {
            return Ok(None);
        }
        names
            .iter()
            .map(|n| self.tensor(&format!("best/{n}")).cloned())
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// Appends to `out` the keys (`prefix.key`, down to the innermost table,
/// `neural.network.wide`) whose values differ between `a` and `b`, each with
/// its value in `b` (`None` where `b` lacks it). (Keys of either side: a key
/// that only one of them sets, such as `init`, which is left out when
/// unset, differs too.)
fn differing_keys<'b>(
    prefix: &str,
    a: Option<&serde_json::Value>,
    b: Option<&'b serde_json::Value>,
    out: &mut Vec<(String, Option<&'b serde_json::Value>)>,
) {
    match (a, b) {
        (Some(serde_json::Value::Object(a)), Some(serde_json::Value::Object(b))) => {
            for k in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                differing_keys(&format!("{prefix}.{k}"), a.get(k), b.get(k), out);
            }
        }
        (a, b) if a != b => out.push((prefix.to_string(), b)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_checkpoints_are_refused_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("model.safetensors");
        let tensors = [TensorBytes::new("x", vec![1], &[1.0])];
        write_tensors(&file, &tensors, Some(("quotekit", "{}".into()))).unwrap();
        let e = Checkpoint::load(&file).unwrap_err().to_string();
        assert!(
            e.contains("model.safetensors") && e.contains("not a quotekit training checkpoint"),
            "{e}"
        );
        let meta = r#"{"format":"other","format_version":1,"config":{},"labels":[],
            "state":{"epoch":0,"step":0,"best_f1":null,"best_epoch":0,"bad_epochs":0,
            "train_seconds":0,"reports":[],"documents":0,"tokens":0},
            "rng_word_pos":"0","tokenizer":""}"#;
        write_tensors(&file, &tensors, Some((KEY, meta.into()))).unwrap();
        let e = Checkpoint::load(&file).unwrap_err().to_string();
        assert!(e.contains("format is \"other\""), "{e}");
        let newer = meta.replace(
            "\"other\",\"format_version\":1",
            "\"quotekit-checkpoint\",\"format_version\":9",
        );
        write_tensors(&file, &tensors, Some((KEY, newer))).unwrap();
        let e = Checkpoint::load(&file).unwrap_err().to_string();
        assert!(e.contains("version 9 is newer"), "{e}");
    }

    #[test]
    fn other_settings_are_named_whichever_side_sets_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("checkpoint.safetensors");
        let tensors = [TensorBytes::new("param/x", vec![1], &[1.0])];
        let meta = format!(
            r#"{{"format":"{FORMAT}","format_version":{FORMAT_VERSION},
            "config":{{"epochs":3,"init":"models/a"}},"labels":["O"],
            "state":{{"epoch":0,"step":0,"best_f1":null,"best_epoch":0,"bad_epochs":0,
            "train_seconds":0,"reports":[],"documents":0,"tokens":0}},
            "rng_word_pos":"0","tokenizer":""}}"#
        );
        write_tensors(&file, &tensors, Some((KEY, meta))).unwrap();
        let checkpoint = Checkpoint::load(&file).unwrap();
        let labels = ["O".to_string()];
        let same = serde_json::json!({"epochs": 3, "init": "models/a"});
        checkpoint
            .check_compatible(&same, "transformer", &labels)
            .unwrap();
        // `init` set only in the checkpoint (left out of the config when unset).
        let without = serde_json::json!({"epochs": 3});
        let e = checkpoint
            .check_compatible(&without, "transformer", &labels)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(transformer.init)"), "{e}");
        let other = serde_json::json!({"epochs": 4, "init": "models/b"});
        let e = checkpoint
            .check_compatible(&other, "transformer", &labels)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(transformer.epochs, transformer.init)"), "{e}");
        assert!(
            e.contains(
                r#"(the checkpoint's: transformer.epochs = 3; transformer.init = "models/a")"#
            ),
            "{e}"
        );
        // A table's differing keys are named inside it.
        let stored =
            serde_json::json!({"network": {"wide": false, "hidden": 8}, "epochs": 3, "x": 1});
        let mut keys = Vec::new();
        differing_keys(
            "neural",
            Some(&serde_json::json!({"network": {"wide": true, "hidden": 8}, "epochs": 3})),
            Some(&stored),
            &mut keys,
        );
        let x = serde_json::json!(1);
        let no = serde_json::json!(false);
        assert_eq!(
            keys,
            [
                ("neural.network.wide".to_string(), Some(&no)),
                ("neural.x".to_string(), Some(&x)),
            ]
        );
    }
}
