//! Fine-tuning the transformer tagger: whole documents batched by piece
//! count, one learning rate for the encoder and another for the head and
//! CRF, and the shared epoch loop of [`crate::nn::trainer`] (schedule,
//! accumulation, clipping, dropout, early stopping, checkpoints, exact
//! resume). With `freeze`, the encoder's outputs come from
//! [`crate::transformer::cache`] and only the head trains.

use crate::config::{Checked, ModelKind};
use crate::error::ModelError;
use crate::features::lexicon::Lexicon;
use crate::nn::checkpoint::Checkpoint;
use crate::nn::trainer::{train_network, NetworkTraining, Schedule};
use crate::tagger::SequenceTagger;
use crate::training::data::{exact_f1, group_by_size, prepare, training_tokens};
use crate::training::events::{TrainEvent, TrainReport};
use crate::training::options::TrainOptions;
use crate::training::run_state::{config_json, RunInfo};
use crate::transformer::cache::{cached_batch, cached_outputs, Cached};
use crate::transformer::model::{TransformerDocument, TransformerInputs, TransformerModel};
use candle_core::{Tensor, Var};
use quotekit_data::{Document, TagSet};
use std::time::Instant;

/// Tokenizes and plans documents for `model`, in parallel.
pub fn prepare_transformer(
    documents: Vec<Document>,
    model: &TransformerModel,
    tags: &TagSet,
) -> Vec<TransformerDocument> {
    prepare(documents, tags, |doc, tokens| model.inputs(doc, tokens))
}

/// Word vectors `[B, T, hidden]` of the documents `batch` of `docs` (their
/// `inputs`): from `cached` when the encoder is frozen, else through the
/// encoder (dropout on with `rng`).
fn batch_vectors(
    model: &TransformerModel,
    docs: &[TransformerDocument],
    batch: &[usize],
    inputs: &[&TransformerInputs],
    cached: Option<&Cached>,
    rng: Option<&mut rand_chacha::ChaCha8Rng>,
) -> candle_core::Result<Tensor> {
    match cached {
        Some(c) => cached_batch(model, c, batch, docs),
        None => model.word_vectors(inputs, rng),
    }
}

/// Emission scores of every document (`[i * labels + y]`), batched; word
/// vectors from `cached` when the encoder is frozen.
fn all_emissions(
    model: &TransformerModel,
    docs: &[TransformerDocument],
    cached: Option<&Cached>,
) -> candle_core::Result<Vec<Vec<f64>>> {
    let sizes: Vec<usize> = docs.iter().map(|d| d.inputs.padded_pieces()).collect();
    let mut out = vec![Vec::new(); docs.len()];
    for batch in group_by_size(&sizes, model.config.batch_pieces) {
        let inputs: Vec<&TransformerInputs> = batch.iter().map(|&i| &docs[i].inputs).collect();
        let words = batch_vectors(model, docs, &batch, &inputs, cached, None)?;
        let scores: Vec<Vec<Vec<f32>>> = model.head_emissions(&words, &inputs, None)?.to_vec3()?;
        for (rows, &i) in scores.into_iter().zip(&batch) {
            out[i] = rows[..docs[i].inputs.len()]
                .iter()
                .flatten()
                .map(|&x| f64::from(x))
                .collect();
        }
    }
    Ok(out)
}

/// A fine-tuning run, as the shared loop sees it.
struct TransformerTraining<'a> {
    model: TransformerModel,
    train: Vec<TransformerDocument>,
    dev: Vec<TransformerDocument>,
    train_cache: Option<Cached>,
    dev_cache: Option<Cached>,
    batches: Vec<Vec<usize>>,
    tags: &'a TagSet,
}

impl NetworkTraining for TransformerTraining<'_> {
    fn trained(&self) -> Vec<(String, Var)> {
        let frozen = self.model.config.freeze;
        self.model
            .params
            .named()
            .into_iter()
            .filter(|(n, _)| !(frozen && n.starts_with("bert.")))
            .collect()
    }

    fn learning_rate_scale(&self, name: &str) -> f64 {
        let c = &self.model.config;
        if name.starts_with("bert.") {
            c.encoder_learning_rate / c.learning_rate
        } else {
            1.0
        }
    }

    fn batches(&self) -> usize {
        self.batches.len()
    }

    /// Mean negative log-likelihood per word of a batch, and its word count.
    fn loss(
        &self,
        index: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Result<(Tensor, usize), ModelError> {
        let (model, docs, batch) = (&self.model, &self.train, &self.batches[index]);
        let inputs: Vec<&TransformerInputs> = batch.iter().map(|&i| &docs[i].inputs).collect();
        let words = batch_vectors(
            model,
            docs,
            batch,
            &inputs,
            self.train_cache.as_ref(),
            Some(&mut *rng),
        )?;
        let emissions = model.head_emissions(&words, &inputs, Some(rng))?;
        let (b, t, _) = emissions.dims3()?;
        let mut gold = vec![0u32; b * t];
        let mut n = 0;
        for (k, &i) in batch.iter().enumerate() {
            for (j, &g) in docs[i].gold.iter().enumerate() {
                gold[k * t + j] = u32::from(g);
            }
            n += docs[i].gold.len();
        }
        let mask = model.mask(&inputs, t)?;
        let gold = Tensor::from_vec(gold, (b, t), model.params.device())?;
        let loss = model.params.crf.loss(&emissions, &gold, &mask)?;
        // The CRF loss is a mean over documents; per word it does not depend on
        // how documents are batched.
        Ok(((loss * (b as f64 / n.max(1) as f64))?, n))
    }

    fn refresh(&mut self) -> Result<(), ModelError> {
        Ok(self.model.params.refresh()?)
    }

    fn dev_f1(&self) -> Result<Option<f64>, ModelError> {
        if self.dev.is_empty() {
            return Ok(None);
        }
        let emissions = all_emissions(&self.model, &self.dev, self.dev_cache.as_ref())?;
        let f1 = exact_f1(&self.dev, self.model.chain(), self.tags, 0.0, |i, d| {
            Ok(vec![(0..d.tokens.tokens.len(), emissions[i].clone())])
        })?;
        Ok(Some(f1))
    }
}

/// Fine-tunes the transformer tagger as `config` says; returns the model (its
/// best dev epoch when there is a dev set, else the last) and a run summary.
pub fn train(
    config: &Checked,
    tags: &TagSet,
    train_docs: Vec<Document>,
    dev_docs: &[Document],
    cues: Lexicon,
    options: &TrainOptions,
    on_event: &mut dyn FnMut(&TrainEvent),
) -> Result<(TransformerModel, TrainReport), ModelError> {
    config.expect_model(ModelKind::Transformer)?;
    let settings = &config.transformer;
    let started = Instant::now();
    let labels = tags.names();
    let resumed = Checkpoint::resume(options, settings, "transformer", &labels)?;
    let model = TransformerModel::from_folder(settings, cues, tags.len())?;
    let train = prepare_transformer(train_docs, &model, tags);
    let dev = prepare_transformer(dev_docs.to_vec(), &model, tags);
    let tokens = training_tokens(&train)?;
    let (train_cache, dev_cache) = if settings.freeze {
        let dir = options.cache_dir.as_deref();
        (
            Some(cached_outputs(&model, &train, "train", dir, on_event)?),
            if dev.is_empty() {
                Some(Vec::new())
            } else {
                Some(cached_outputs(&model, &dev, "dev", dir, on_event)?)
            },
        )
    } else {
        (None, None)
    };
    let prepare_seconds = started.elapsed().as_secs_f64();
    on_event(&TrainEvent::Prepared {
        documents: train.len(),
        tokens,
        seconds: prepare_seconds,
    });
    let sizes: Vec<usize> = if settings.freeze {
        // Only the head runs: batch by words.
        train.iter().map(|d| d.inputs.len()).collect()
    } else {
        train.iter().map(|d| d.inputs.padded_pieces()).collect()
    };
    let info = RunInfo {
        section: "transformer",
        config: config_json(settings),
        labels,
        tokenizer: model.tokenizer.json.clone(),
        documents: train.len(),
        tokens,
        prepare_seconds,
    };
    let schedule = Schedule {
        epochs: settings.epochs,
        patience: settings.patience,
        learning_rate: settings.learning_rate,
        weight_decay: settings.weight_decay,
        warmup: settings.warmup,
        clip: settings.clip,
        accumulate: settings.accumulate,
        average: settings.average,
        seed: settings.seed,
    };
    let mut run = TransformerTraining {
        batches: group_by_size(&sizes, settings.batch_pieces),
        model,
        train,
        dev,
        train_cache,
        dev_cache,
        tags,
    };
    let report = train_network(&mut run, &schedule, &info, resumed, options, on_event)?;
    Ok((run.model, report))
}
