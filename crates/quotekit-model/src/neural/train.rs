//! Training the neural tagger: windows of whole paragraphs bucketed by length
//! into batches, AdamW (implemented here so its state can be checkpointed),
//! linear warm-up then linear decay, global gradient-norm clipping, seeded
//! dropout and shuffling, a running average of the weights (what is evaluated
//! and kept), dev exact micro F1 after every epoch with the best
//! weights kept and early stopping, and a checkpoint after every epoch from
//! which [`TrainOptions::resume`] continues to the same model as an
//! uninterrupted run.

use super::checkpoint::{Checkpoint, CheckpointState};
use super::encoder::EncoderConfig;
use super::inputs::{make_batch, Window, WordInputs};
use super::model::NeuralModel;
use super::vocab::Vocabulary;
use crate::annotator::{build_annotation, decode_sequences};
use crate::config::FeatureConfig;
use crate::error::ModelError;
use crate::eval::{exact_scores, Counts};
use crate::features::FeatureExtractor;
use crate::lexicon::Lexicon;
use crate::train::{TrainEvent, TrainReport};
use candle_core::{Tensor, Var};
use quotekit_data::{encode, role_fragments, Document, TagSet, Tokenized, Tokenizer};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

/// Neural training settings (the `[neural]` section of a config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NeuralConfig {
    /// BPE vocabulary size.
    pub vocab_size: usize,
    /// Encoder sizes.
    pub encoder: EncoderConfig,
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
    /// Learning-rate multiplier of the hashed-feature tables (`encoder.sparse`,
    /// `encoder.wide`): Adam gives rare features full-size steps.
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
    /// path, its transitions the CRF layer's (see [`super::crf_init`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_crf: Option<PathBuf>,
}

impl Default for NeuralConfig {
    fn default() -> Self {
        Self {
            vocab_size: 16_000,
            encoder: EncoderConfig::default(),
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

impl NeuralConfig {
    /// Checks every value; messages name the key.
    pub fn validate(&self) -> Result<(), String> {
        let e = &self.encoder;
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
                "neural.average = {} (expected 0 to 1)",
                self.average
            ));
        }
        if !(0.0..1.0).contains(&self.warmup) {
            return Err(format!("neural.warmup = {} (expected 0 to 1)", self.warmup));
        }
        if !(0.0..1.0).contains(&e.sparse_dropout) {
            return Err(format!(
                "neural.encoder.sparse_dropout = {} (expected 0 to 1)",
                e.sparse_dropout
            ));
        }
        if !(0.0..1.0).contains(&e.dropout) {
            return Err(format!(
                "neural.encoder.dropout = {} (expected 0 to 1)",
                e.dropout
            ));
        }
        if e.hidden == 0 || e.piece_dim == 0 || e.char_channels == 0 {
            return Err("neural.encoder sizes must be at least 1".into());
        }
        if e.sparse_dim > 0 && !(8..=22).contains(&e.sparse_bits) {
            return Err(format!(
                "neural.encoder.sparse_bits = {} (expected 8 to 22)",
                e.sparse_bits
            ));
        }
        Ok(())
    }
}

/// Where checkpoints go and where training resumes from.
#[derive(Debug, Clone, Default)]
pub struct TrainOptions {
    /// Directory for `checkpoint.safetensors`, rewritten after every epoch.
    pub checkpoint_dir: Option<PathBuf>,
    /// A checkpoint to continue from (same config and corpus).
    pub resume: Option<PathBuf>,
    /// Stop after this many epochs in this run (the checkpoint can be resumed).
    pub stop_after: Option<usize>,
    /// Directory for cached encoder outputs (`model = "encoder"` with
    /// `encoder.freeze`); without one they are kept in memory only.
    pub cache_dir: Option<PathBuf>,
}

/// AdamW. Moments are plain `f32` vectors (so they can be checkpointed, and
/// no tensor graph can survive a step); parameters are read and written back
/// as whole tensors.
#[derive(Debug)]
pub struct AdamW {
    vars: Vec<Var>,
    /// First moments per parameter.
    pub m: Vec<Vec<f32>>,
    /// Second moments per parameter.
    pub v: Vec<Vec<f32>>,
    /// Running average of each parameter (empty when averaging is off).
    pub average: Vec<Vec<f32>>,
    /// Updates done.
    pub step: usize,
    /// Learning-rate multiplier per parameter (1 when absent).
    pub lr_scale: Vec<f64>,
    weight_decay: f64,
    average_decay: f64,
}

impl AdamW {
    /// An optimiser for `vars`; with `average_decay` > 0 it also keeps an
    /// exponential moving average of every parameter.
    pub fn new(vars: Vec<Var>, weight_decay: f64, average_decay: f64) -> Self {
        let zeros = || vars.iter().map(|v| vec![0.0; v.elem_count()]).collect();
        let (m, v) = (zeros(), zeros());
        let average = if average_decay > 0.0 {
            zeros()
        } else {
            Vec::new()
        };
        Self {
            vars,
            m,
            v,
            average,
            step: 0,
            lr_scale: Vec::new(),
            weight_decay,
            average_decay,
        }
    }

    /// The averaged parameters as tensors (`None` when averaging is off).
    pub fn averaged(&self) -> candle_core::Result<Option<Vec<Tensor>>> {
        if self.average.is_empty() {
            return Ok(None);
        }
        self.vars
            .iter()
            .zip(&self.average)
            .map(|(var, a)| Tensor::from_vec(a.clone(), var.shape(), var.device()))
            .collect::<candle_core::Result<Vec<_>>>()
            .map(Some)
    }

    /// The parameters it updates.
    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// One update at learning rate `lr`, gradients scaled by `scale` (clipping).
    pub fn step(
        &mut self,
        grads: &candle_core::backprop::GradStore,
        lr: f64,
        scale: f64,
    ) -> candle_core::Result<()> {
        let grads: Vec<Option<Tensor>> = self
            .vars
            .iter()
            .map(|v| grads.get(v.as_tensor()).cloned())
            .collect();
        self.step_with(&grads, lr, scale)
    }

    /// One update from gradients given per parameter (in [`AdamW::vars`]
    /// order; `None` leaves a parameter as it is), e.g. accumulated over batches.
    pub fn step_with(
        &mut self,
        grads: &[Option<Tensor>],
        lr: f64,
        scale: f64,
    ) -> candle_core::Result<()> {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        self.step += 1;
        let (c1, c2) = (
            1.0 - b1.powi(self.step as i32),
            1.0 - b2.powi(self.step as i32),
        );
        for (k, var) in self.vars.iter().enumerate() {
            let Some(g) = grads.get(k).and_then(Option::as_ref) else {
                continue;
            };
            let lr = lr * self.lr_scale.get(k).copied().unwrap_or(1.0);
            let decay = 1.0 - lr * self.weight_decay;
            let g: Vec<f32> = g.flatten_all()?.to_vec1()?;
            let mut w: Vec<f32> = var.as_tensor().flatten_all()?.to_vec1()?;
            let (m, v) = (&mut self.m[k], &mut self.v[k]);
            w.par_chunks_mut(1 << 14)
                .zip(m.par_chunks_mut(1 << 14))
                .zip(v.par_chunks_mut(1 << 14))
                .zip(g.par_chunks(1 << 14))
                .for_each(|(((w, m), v), g)| {
                    for i in 0..w.len() {
                        let gi = f64::from(g[i]) * scale;
                        let mi = b1 * f64::from(m[i]) + (1.0 - b1) * gi;
                        let vi = b2 * f64::from(v[i]) + (1.0 - b2) * gi * gi;
                        m[i] = mi as f32;
                        v[i] = vi as f32;
                        let update = (mi / c1) / ((vi / c2).sqrt() + eps);
                        w[i] = (f64::from(w[i]) * decay - lr * update) as f32;
                    }
                });
            if let Some(a) = self.average.get_mut(k) {
                let d = self.average_decay as f32;
                if self.step == 1 {
                    a.copy_from_slice(&w);
                } else {
                    a.par_chunks_mut(1 << 14)
                        .zip(w.par_chunks(1 << 14))
                        .for_each(|(a, w)| {
                            for (a, &w) in a.iter_mut().zip(w) {
                                *a = d * *a + (1.0 - d) * w;
                            }
                        });
                }
            }
            var.set(&Tensor::from_vec(w, var.shape(), var.device())?)?;
        }
        Ok(())
    }
}

/// A document prepared for the neural tagger.
#[derive(Debug, Clone)]
pub struct NeuralDocument {
    /// The document.
    pub document: Document,
    /// Its tokens.
    pub tokens: Tokenized,
    /// Word inputs.
    pub inputs: WordInputs,
    /// Gold tag ids.
    pub gold: Vec<u8>,
    /// Windows it is trained and tagged in.
    pub windows: Vec<Range<usize>>,
}

/// The gold tag id of every token of a document.
pub fn gold_ids(doc: &Document, tokens: &Tokenized, tags: &TagSet) -> Vec<u8> {
    encode(tokens, &role_fragments(doc), tags.scheme())
        .tags
        .iter()
        .map(|t| tags.index(*t).expect("encode uses the scheme's tags") as u8)
        .collect()
}

/// Tokenizes and encodes documents for `model`, in parallel.
pub fn prepare(documents: &[Document], model: &NeuralModel, tags: &TagSet) -> Vec<NeuralDocument> {
    let tokenizer = Tokenizer::new();
    documents
        .par_iter()
        .map(|d| {
            let tokens = tokenizer.tokenize(d);
            let inputs = model.inputs(d, &tokens);
            let gold = gold_ids(d, &tokens, tags);
            let windows = model.windows(&tokens);
            NeuralDocument {
                document: d.clone(),
                tokens,
                inputs,
                gold,
                windows,
            }
        })
        .collect()
}

/// The CRF feature extractor whose hashed features the encoder embeds (all
/// templates, `sparse_bits` buckets), or `None` when `sparse_dim` is 0.
pub fn sparse_extractor(config: &EncoderConfig, cues: &Lexicon) -> Option<FeatureExtractor> {
    (config.sparse_dim > 0)
        .then(|| FeatureExtractor::with_lexicon(&sparse_feature_config(config), cues.clone()))
}

/// The CRF feature settings of the hashed features: the CRF's defaults with
/// `sparse_bits` hash bits.
pub fn sparse_feature_config(config: &EncoderConfig) -> FeatureConfig {
    FeatureConfig {
        hash_bits: config.sparse_bits,
        ..FeatureConfig::default()
    }
}

/// Groups the training windows by length into batches of at most `batch_words` words.
fn make_batches(docs: &[NeuralDocument], batch_words: usize) -> Vec<Vec<Window<'_>>> {
    let mut all: Vec<Window<'_>> = docs
        .iter()
        .flat_map(|d| {
            d.windows
                .iter()
                .map(move |r| (&d.inputs, r.clone(), Some(&d.gold[r.clone()])))
        })
        .collect();
    all.sort_by_key(|w| w.1.len());
    let mut batches: Vec<Vec<Window<'_>>> = Vec::new();
    let mut current: Vec<Window<'_>> = Vec::new();
    for w in all {
        if !current.is_empty() && (current.len() + 1) * w.1.len() > batch_words {
            batches.push(std::mem::take(&mut current));
        }
        current.push(w);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Exact micro F1 of `model` on prepared documents (no outside penalty).
pub fn evaluate_f1(
    model: &NeuralModel,
    docs: &[NeuralDocument],
    tags: &TagSet,
) -> candle_core::Result<f64> {
    let counts = docs
        .par_iter()
        .map(|d| {
            let sequences = model.window_emissions(&d.document, &d.tokens)?;
            let (predicted, _) = decode_sequences(
                &model.weights(),
                sequences,
                d.tokens.tokens.len(),
                tags,
                0.0,
                false,
            );
            let annotation = build_annotation(&d.document, &d.tokens, &predicted);
            Ok(exact_scores(&d.document, &annotation.document).micro)
        })
        .collect::<candle_core::Result<Vec<Counts>>>()?;
    Ok(counts.into_iter().sum::<Counts>().f1())
}

/// What one epoch did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// 1-based epoch.
    pub epoch: usize,
    /// Configured epochs.
    pub epochs: usize,
    /// Mean training loss per batch.
    pub loss: f64,
    /// Dev exact micro F1, when there is a dev set.
    pub dev_f1: Option<f64>,
    /// Training words per second.
    pub words_per_second: f64,
    /// Seconds for the epoch, dev evaluation included.
    pub seconds: f64,
}

fn candle(e: candle_core::Error) -> ModelError {
    ModelError::Training(format!("neural network: {e}"))
}

pub(crate) fn snapshot(vars: &[Var]) -> candle_core::Result<Vec<Tensor>> {
    vars.iter().map(|v| v.as_tensor().copy()).collect()
}

pub(crate) fn set_all(vars: &[Var], values: &[Tensor]) -> candle_core::Result<()> {
    for (v, t) in vars.iter().zip(values) {
        v.set(&t.to_device(v.device())?)?;
    }
    Ok(())
}

/// Learning rate at update `step` (1-based): linear warm-up over `warmup`
/// updates, then linear decay to 0 at `total`.
pub fn schedule(step: usize, warmup: usize, total: usize, peak: f64) -> f64 {
    if step <= warmup {
        peak * step as f64 / warmup.max(1) as f64
    } else {
        peak * total.saturating_sub(step) as f64 / (total - warmup).max(1) as f64
    }
}

pub(crate) fn config_json(config: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(config).expect("configs serialise")
}

/// Trains a neural tagger; returns the model (its best dev epoch when there is a
/// dev set, else the last) and a run summary.
pub fn train_neural(
    config: &NeuralConfig,
    tags: &TagSet,
    train_docs: &[Document],
    dev_docs: &[Document],
    cues: Lexicon,
    options: &TrainOptions,
    mut on_event: impl FnMut(&TrainEvent),
) -> Result<(NeuralModel, TrainReport), ModelError> {
    config.validate().map_err(ModelError::config)?;
    let started = Instant::now();
    let resumed = match &options.resume {
        Some(path) => Some(Checkpoint::load(path)?),
        None => None,
    };
    let labels: Vec<String> = tags.tags().iter().map(ToString::to_string).collect();
    if let Some(c) = &resumed {
        c.check_compatible(&config_json(config), "neural", &labels)?;
    }
    let vocab = match &resumed {
        Some(c) => c.vocabulary()?,
        None => Vocabulary::train(train_docs.iter().map(|d| d.text()), config.vocab_size)?,
    };
    let mut model = NeuralModel::new(config, vocab, cues, tags.len()).map_err(candle)?;
    // A resumed run takes every weight from its checkpoint instead.
    if let (Some(path), None) = (&config.init_crf, &resumed) {
        super::crf_init::init_from_crf(&model, path, &labels)?;
    }
    let train = prepare(train_docs, &model, tags);
    let dev = prepare(dev_docs, &model, tags);
    let tokens: usize = train.iter().map(|d| d.gold.len()).sum();
    if tokens == 0 {
        return Err(ModelError::Training(
            "the training corpus has no tokens".into(),
        ));
    }
    let prepare_seconds = started.elapsed().as_secs_f64();
    on_event(&TrainEvent::Prepared {
        documents: train.len(),
        tokens,
        seconds: prepare_seconds,
    });
    let names: Vec<String> = model.named_vars().into_iter().map(|(n, _)| n).collect();
    let vars: Vec<Var> = model.named_vars().into_iter().map(|(_, v)| v).collect();
    let mut optimizer = AdamW::new(vars, config.weight_decay, config.average);
    optimizer.lr_scale = names
        .iter()
        .map(|n| {
            if n.starts_with("encoder.sparse") || n.starts_with("encoder.wide") {
                config.sparse_learning_rate
            } else {
                1.0
            }
        })
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(config.seed);
    let mut state = CheckpointState {
        documents: train.len(),
        tokens,
        ..CheckpointState::default()
    };
    let mut best: Option<Vec<Tensor>> = None;
    if let Some(c) = resumed {
        c.check_corpus(train.len(), tokens)?;
        c.restore(&names, &mut optimizer, &mut rng)
            .map_err(candle)?;
        best = c.best_tensors(&names).map_err(candle)?;
        state = c.state;
    }
    model.refresh_decoder().map_err(candle)?;
    let batches = make_batches(&train, config.batch_words);
    let total_steps = (batches.len() * config.epochs).max(1);
    let warmup = ((total_steps as f64 * config.warmup) as usize).max(1);
    let mut epochs_this_run = 0;
    let mut stop = "epochs done".to_string();
    while state.epoch < config.epochs {
        if let Some(reason) =
            state.stop_reason(config.patience, options.stop_after, epochs_this_run)
        {
            stop = reason;
            break;
        }
        let epoch = state.epoch + 1;
        let epoch_started = Instant::now();
        let mut order: Vec<usize> = (0..batches.len()).collect();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut words) = (0.0, 0usize);
        for (k, &b) in order.iter().enumerate() {
            let batch =
                make_batch(&batches[b], model.vocab.pad(), model.device()).map_err(candle)?;
            let loss = model.network.loss(&batch, Some(&mut rng)).map_err(candle)?;
            let grads = loss.backward().map_err(candle)?;
            let norm = super::crf_layer::grad_norm(&grads, optimizer.vars()).map_err(candle)?;
            let scale = if norm > config.clip {
                config.clip / norm
            } else {
                1.0
            };
            state.step += 1;
            let lr = schedule(state.step, warmup, total_steps, config.learning_rate);
            optimizer.step(&grads, lr, scale).map_err(candle)?;
            let loss = f64::from(loss.to_scalar::<f32>().map_err(candle)?);
            if !loss.is_finite() {
                return Err(ModelError::Training(format!(
                    "the loss became {loss} in epoch {epoch}, batch {}; lower neural.learning_rate",
                    k + 1
                )));
            }
            loss_sum += loss;
            words += batches[b].iter().map(|w| w.1.len()).sum::<usize>();
            on_event(&TrainEvent::Batch {
                epoch,
                epochs: config.epochs,
                batch: k + 1,
                batches: batches.len(),
                loss,
                words_per_second: words as f64 / epoch_started.elapsed().as_secs_f64(),
            });
        }
        let train_seconds = epoch_started.elapsed().as_secs_f64();
        // Evaluate (and keep) the averaged weights when averaging; training
        // goes on from the raw ones.
        let raw = match optimizer.averaged().map_err(candle)? {
            Some(averaged) => {
                let raw = snapshot(optimizer.vars()).map_err(candle)?;
                set_all(optimizer.vars(), &averaged).map_err(candle)?;
                Some(raw)
            }
            None => None,
        };
        model.refresh_decoder().map_err(candle)?;
        let dev_f1 = if dev.is_empty() {
            None
        } else {
            Some(evaluate_f1(&model, &dev, tags).map_err(candle)?)
        };
        let report = EpochReport {
            epoch,
            epochs: config.epochs,
            loss: loss_sum / batches.len().max(1) as f64,
            dev_f1,
            words_per_second: words as f64 / train_seconds,
            seconds: epoch_started.elapsed().as_secs_f64(),
        };
        if state.record(&report) {
            best = Some(snapshot(optimizer.vars()).map_err(candle)?);
        }
        if let Some(raw) = raw {
            set_all(optimizer.vars(), &raw).map_err(candle)?;
        }
        on_event(&TrainEvent::Epoch(report));
        epochs_this_run += 1;
        if let Some(dir) = &options.checkpoint_dir {
            let path = Checkpoint::save(
                dir,
                &config_json(config),
                &labels,
                &model.vocab.to_json(),
                &state,
                &names,
                &optimizer,
                &rng,
                best.as_deref(),
            )?;
            on_event(&TrainEvent::Checkpoint(path));
        }
    }
    if let Some(snapshot) = best {
        set_all(optimizer.vars(), &snapshot).map_err(candle)?;
    }
    model.refresh_decoder().map_err(candle)?;
    Ok((model, state.summary(stop, prepare_seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{load_corpus, Format, LoadOptions, TagScheme};

    fn sample(n: usize) -> Vec<Document> {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample");
        let mut docs = load_corpus(&root, Format::Brat, &LoadOptions::default())
            .unwrap()
            .documents;
        docs.truncate(n);
        docs
    }

    fn small() -> NeuralConfig {
        NeuralConfig {
            vocab_size: 300,
            encoder: EncoderConfig {
                hidden: 48,
                dilations: vec![1, 2, 4],
                dropout: 0.0,
                sparse_dim: 16,
                sparse_bits: 12,
                ..EncoderConfig::default()
            },
            window: 64,
            batch_words: 256,
            patience: 0,
            learning_rate: 5e-3,
            warmup: 0.02,
            ..NeuralConfig::default()
        }
    }

    #[test]
    fn overfits_a_handful_of_sample_articles() {
        let docs = sample(4);
        let config = NeuralConfig {
            epochs: 60,
            average: 0.0,
            ..small()
        };
        let mut reports = Vec::new();
        let tags = TagSet::new(TagScheme::Bio);
        let cues = Lexicon::builtin_cues();
        train_neural(
            &config,
            &tags,
            &docs,
            &docs,
            cues,
            &TrainOptions::default(),
            |e| {
                if let TrainEvent::Epoch(r) = e {
                    reports.push(r.clone());
                }
            },
        )
        .unwrap();
        let best = reports.iter().filter_map(|r| r.dev_f1).fold(0.0, f64::max);
        assert!(best > 0.9, "train-set exact micro F1 {best}: {reports:?}");
        assert!(reports.last().unwrap().loss < reports[0].loss / 5.0);
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
    }
}
