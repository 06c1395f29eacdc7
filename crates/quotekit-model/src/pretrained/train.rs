//! Fine-tuning the pretrained-encoder tagger: whole documents batched by
//! piece count, AdamW with one learning rate for the encoder and another for
//! the head and CRF, linear warm-up then decay, gradient accumulation and
//! clipping, per-epoch dev exact micro F1 with the best epoch kept and early
//! stopping, checkpoints and resume (the neural tagger's), and seeded
//! shuffling and dropout. With `freeze`, encoder outputs are computed once
//! (cached on disk when a cache directory is given) and only the head trains.

use super::model::{EncoderInputs, EncoderModel};
use super::settings::EncoderSettings;
use crate::annotator::{build_annotation, decode_sequences};
use crate::error::ModelError;
use crate::eval::{exact_scores, Counts};
use crate::lexicon::{fnv1a, Lexicon};
use crate::model_file::{bytes_f32, f32_values, write_atomically};
use crate::neural::checkpoint::{Checkpoint, CheckpointState};
use crate::neural::crf_layer::norm_of;
use crate::neural::encoder::DTYPE;
use crate::neural::train::{
    config_json, gold_ids, schedule, set_all, snapshot, AdamW, EpochReport, TrainOptions,
};
use crate::train::{TrainEvent, TrainReport};
use candle_core::{Tensor, Var};
use quotekit_data::{Document, TagSet, Tokenized, Tokenizer};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A document prepared for the encoder tagger.
#[derive(Debug, Clone)]
pub struct EncoderDocument {
    /// The document.
    pub document: Document,
    /// Its tokens.
    pub tokens: Tokenized,
    /// Windows, piece positions and features.
    pub inputs: EncoderInputs,
    /// Gold tag ids.
    pub gold: Vec<u8>,
}

/// Tokenizes and plans documents for `model`, in parallel.
pub fn prepare(
    documents: &[Document],
    model: &EncoderModel,
    tags: &TagSet,
) -> Vec<EncoderDocument> {
    let tokenizer = Tokenizer::new();
    documents
        .par_iter()
        .map(|d| {
            let tokens = tokenizer.tokenize(d);
            let inputs = model.inputs(d, &tokens);
            let gold = gold_ids(d, &tokens, tags);
            EncoderDocument {
                document: d.clone(),
                tokens,
                inputs,
                gold,
            }
        })
        .collect()
}

/// Groups documents into batches whose padded size (documents × the largest
/// `size`) stays within `budget`; a document larger than the budget is a batch alone.
pub fn group_by_size(sizes: &[usize], budget: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (sizes[i], i));
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in order {
        if !current.is_empty() && (current.len() + 1) * sizes[i] > budget {
            batches.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Padded encoder pieces of a document (its windows × the longest window).
fn padded_pieces(inputs: &EncoderInputs) -> usize {
    let w = inputs.plan.windows.len();
    w * inputs.plan.windows.iter().map(Vec::len).max().unwrap_or(0)
}

/// Word vectors of each document computed once (frozen encoder).
type Cached = Vec<Vec<f32>>;

/// Encoder outputs of `docs`, batched by pieces; reports progress.
fn encode_all(
    model: &EncoderModel,
    docs: &[EncoderDocument],
    on_event: &mut impl FnMut(&TrainEvent),
) -> candle_core::Result<Cached> {
    let sizes: Vec<usize> = docs.iter().map(|d| padded_pieces(&d.inputs)).collect();
    let mut out: Vec<Vec<f32>> = vec![Vec::new(); docs.len()];
    let mut done = 0;
    for batch in group_by_size(&sizes, model.settings.batch_pieces) {
        let inputs: Vec<&EncoderInputs> = batch.iter().map(|&i| &docs[i].inputs).collect();
        let vectors = model.word_vectors(&inputs, None)?;
        for (k, &i) in batch.iter().enumerate() {
            let n = docs[i].inputs.len();
            out[i] = vectors.get(k)?.narrow(0, 0, n)?.flatten_all()?.to_vec1()?;
        }
        done += batch.len();
        on_event(&TrainEvent::Encoding {
            done,
            total: docs.len(),
        });
    }
    Ok(out)
}

/// Key of a frozen-encoder cache: the encoder weights, the settings that
/// change its outputs, and the corpus.
fn cache_key(settings: &EncoderSettings, docs: &[EncoderDocument]) -> Result<String, ModelError> {
    let weights = settings.path.join(super::model::WEIGHTS_FILE);
    let bytes = std::fs::read(&weights).map_err(|e| ModelError::io(&weights, e))?;
    let mut text = format!(
        "{:016x} {} {} {:?}",
        fnv1a(&bytes),
        settings.window,
        settings.stride,
        settings.pooling
    );
    for d in docs {
        text.push_str(&format!(
            " {}:{}:{:016x}",
            d.document.id,
            d.inputs.len(),
            fnv1a(d.document.text().as_bytes())
        ));
    }
    Ok(format!("{:016x}", fnv1a(text.as_bytes())))
}

/// Reads the cache file for `docs`, or computes the outputs and writes it.
fn cached_outputs(
    model: &EncoderModel,
    docs: &[EncoderDocument],
    name: &str,
    dir: Option<&Path>,
    on_event: &mut impl FnMut(&TrainEvent),
) -> Result<Cached, ModelError> {
    let h = model.bert_config.hidden_size;
    let file = match dir {
        Some(dir) => Some(dir.join(format!(
            "{name}-{}.safetensors",
            cache_key(&model.settings, docs)?
        ))),
        None => None,
    };
    if let Some(file) = file.as_ref().filter(|f| f.is_file()) {
        let damaged = |reason: String| ModelError::Corrupt {
            path: file.clone(),
            reason: format!("damaged encoder cache ({reason}); delete the file to recompute it"),
        };
        let bytes = std::fs::read(file).map_err(|e| ModelError::io(file, e))?;
        let st = SafeTensors::deserialize(&bytes).map_err(|e| damaged(e.to_string()))?;
        let out = (0..docs.len())
            .map(|i| {
                let t = st
                    .tensor(&i.to_string())
                    .map_err(|e| damaged(e.to_string()))?;
                let values = f32_values(t.data());
                if values.len() == docs[i].inputs.len() * h {
                    Ok(values)
                } else {
                    Err(damaged(format!(
                        "document {i} has {} values, expected {}",
                        values.len(),
                        docs[i].inputs.len() * h
                    )))
                }
            })
            .collect::<Result<Cached, ModelError>>()?;
        on_event(&TrainEvent::Cache(file.clone()));
        return Ok(out);
    }
    let out = encode_all(model, docs, on_event).map_err(candle)?;
    if let Some(file) = file {
        let bytes: Vec<Vec<u8>> = out.iter().map(|v| bytes_f32(v)).collect();
        let views: Vec<(String, TensorView<'_>)> = bytes
            .iter()
            .zip(docs)
            .enumerate()
            .map(|(i, (b, d))| {
                (
                    i.to_string(),
                    TensorView::new(Dtype::F32, vec![d.inputs.len(), h], b)
                        .expect("shapes match the data"),
                )
            })
            .collect();
        let data = safetensors::serialize(views, None::<HashMap<String, String>>).map_err(|e| {
            ModelError::Corrupt {
                path: file.clone(),
                reason: e.to_string(),
            }
        })?;
        write_atomically(&file, &data)?;
        on_event(&TrainEvent::Cache(file));
    }
    Ok(out)
}

/// Word vectors `[B, T, hidden]` of a batch from the cache.
fn cached_batch(
    model: &EncoderModel,
    cached: &Cached,
    batch: &[usize],
    docs: &[EncoderDocument],
) -> candle_core::Result<Tensor> {
    let h = model.bert_config.hidden_size;
    let t = batch
        .iter()
        .map(|&i| docs[i].inputs.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut data = vec![0f32; batch.len() * t * h];
    for (k, &i) in batch.iter().enumerate() {
        data[k * t * h..k * t * h + cached[i].len()].copy_from_slice(&cached[i]);
    }
    Tensor::from_vec(data, (batch.len(), t, h), model.device())?.to_dtype(DTYPE)
}

/// Emission scores of every document (`[i * labels + y]`), batched.
fn all_emissions(
    model: &EncoderModel,
    docs: &[EncoderDocument],
    cached: Option<&Cached>,
) -> candle_core::Result<Vec<Vec<f64>>> {
    let sizes: Vec<usize> = docs.iter().map(|d| padded_pieces(&d.inputs)).collect();
    let mut out = vec![Vec::new(); docs.len()];
    for batch in group_by_size(&sizes, model.settings.batch_pieces) {
        let inputs: Vec<&EncoderInputs> = batch.iter().map(|&i| &docs[i].inputs).collect();
        let words = match cached {
            Some(c) => cached_batch(model, c, &batch, docs)?,
            None => model.word_vectors(&inputs, None)?,
        };
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

/// Exact micro F1 of `model` on prepared documents (no outside penalty).
pub fn evaluate_f1(
    model: &EncoderModel,
    docs: &[EncoderDocument],
    tags: &TagSet,
    cached: Option<&Cached>,
) -> candle_core::Result<f64> {
    let emissions = all_emissions(model, docs, cached)?;
    let counts: Counts = docs
        .par_iter()
        .zip(emissions)
        .map(|(d, e)| {
            let n = d.tokens.tokens.len();
            let (predicted, _) =
                decode_sequences(&model.weights(), vec![(0..n, e)], n, tags, 0.0, false);
            let annotation = build_annotation(&d.document, &d.tokens, &predicted);
            exact_scores(&d.document, &annotation.document).micro
        })
        .sum();
    Ok(counts.f1())
}

fn candle(e: candle_core::Error) -> ModelError {
    ModelError::Training(format!("encoder network: {e}"))
}

/// Mean negative log-likelihood per word of a batch, and its word count.
fn batch_loss(
    model: &EncoderModel,
    docs: &[EncoderDocument],
    batch: &[usize],
    cached: Option<&Cached>,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> candle_core::Result<(Tensor, usize)> {
    let inputs: Vec<&EncoderInputs> = batch.iter().map(|&i| &docs[i].inputs).collect();
    let words = match cached {
        Some(c) => cached_batch(model, c, batch, docs)?,
        None => model.word_vectors(&inputs, Some(rng))?,
    };
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
    let gold = Tensor::from_vec(gold, (b, t), model.device())?;
    let loss = model.crf.loss(&emissions, &gold, &mask)?;
    // The CRF loss is a mean over documents; per word it does not depend on
    // how documents are batched.
    Ok(((loss * (b as f64 / n.max(1) as f64))?, n))
}

/// Trains the pretrained-encoder tagger; returns the model (its best dev
/// epoch when there is a dev set, else the last) and a run summary.
pub fn train_encoder(
    settings: &EncoderSettings,
    tags: &TagSet,
    train_docs: &[Document],
    dev_docs: &[Document],
    cues: Lexicon,
    options: &TrainOptions,
    mut on_event: impl FnMut(&TrainEvent),
) -> Result<(EncoderModel, TrainReport), ModelError> {
    settings.validate().map_err(ModelError::config)?;
    let started = Instant::now();
    let resumed = match &options.resume {
        Some(path) => Some(Checkpoint::load(path)?),
        None => None,
    };
    let labels: Vec<String> = tags.tags().iter().map(ToString::to_string).collect();
    if let Some(c) = &resumed {
        c.check_compatible(&config_json(settings), "encoder", &labels)?;
    }
    let mut model = EncoderModel::from_folder(settings, cues, tags.len())?;
    let train = prepare(train_docs, &model, tags);
    let dev = prepare(dev_docs, &model, tags);
    let tokens: usize = train.iter().map(|d| d.gold.len()).sum();
    if tokens == 0 {
        return Err(ModelError::Training(
            "the training corpus has no tokens".into(),
        ));
    }
    let (train_cache, dev_cache) = if settings.freeze {
        let dir = options.cache_dir.as_deref();
        (
            Some(cached_outputs(&model, &train, "train", dir, &mut on_event)?),
            if dev.is_empty() {
                Some(Vec::new())
            } else {
                Some(cached_outputs(&model, &dev, "dev", dir, &mut on_event)?)
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
    let trained: Vec<(String, Var)> = model
        .named_vars()
        .into_iter()
        .filter(|(n, _)| !(settings.freeze && n.starts_with("bert.")))
        .collect();
    let names: Vec<String> = trained.iter().map(|(n, _)| n.clone()).collect();
    let mut optimizer = AdamW::new(
        trained.into_iter().map(|(_, v)| v).collect(),
        settings.weight_decay,
        0.0,
    );
    optimizer.lr_scale = names
        .iter()
        .map(|n| {
            if n.starts_with("bert.") {
                settings.encoder_learning_rate / settings.learning_rate
            } else {
                1.0
            }
        })
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(settings.seed);
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
    let sizes: Vec<usize> = if settings.freeze {
        // Only the head runs: batch by words.
        train.iter().map(|d| d.inputs.len()).collect()
    } else {
        train.iter().map(|d| padded_pieces(&d.inputs)).collect()
    };
    let batches = group_by_size(&sizes, settings.batch_pieces);
    let updates_per_epoch = batches.len().div_ceil(settings.accumulate);
    let total_steps = (updates_per_epoch * settings.epochs).max(1);
    let warmup = ((total_steps as f64 * settings.warmup) as usize).max(1);
    let mut epochs_this_run = 0;
    let mut stop = "epochs done".to_string();
    while state.epoch < settings.epochs {
        if let Some(reason) =
            state.stop_reason(settings.patience, options.stop_after, epochs_this_run)
        {
            stop = reason;
            break;
        }
        let epoch = state.epoch + 1;
        let epoch_started = Instant::now();
        let mut order: Vec<usize> = (0..batches.len()).collect();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut words) = (0.0, 0usize);
        let mut accumulated: Vec<Option<Tensor>> = vec![None; optimizer.vars().len()];
        for (k, &b) in order.iter().enumerate() {
            let (loss, n) = batch_loss(&model, &train, &batches[b], train_cache.as_ref(), &mut rng)
                .map_err(candle)?;
            let grads = loss.backward().map_err(candle)?;
            for (acc, var) in accumulated.iter_mut().zip(optimizer.vars()) {
                if let Some(g) = grads.get(var.as_tensor()) {
                    let g = g.detach();
                    *acc = Some(match acc.take() {
                        Some(a) => (a + g).map_err(candle)?,
                        None => g,
                    });
                }
            }
            drop(grads);
            if (k + 1) % settings.accumulate == 0 || k + 1 == order.len() {
                let norm = norm_of(accumulated.iter().flatten()).map_err(candle)?;
                let scale = if norm > settings.clip {
                    settings.clip / norm
                } else {
                    1.0
                };
                state.step += 1;
                let lr = schedule(state.step, warmup, total_steps, settings.learning_rate);
                optimizer
                    .step_with(&accumulated, lr, scale)
                    .map_err(candle)?;
                accumulated.iter_mut().for_each(|a| *a = None);
            }
            let loss = f64::from(loss.to_scalar::<f32>().map_err(candle)?);
            if !loss.is_finite() {
                return Err(ModelError::Training(format!(
                    "the loss became {loss} in epoch {epoch}, batch {}; lower encoder.learning_rate",
                    k + 1
                )));
            }
            loss_sum += loss;
            words += n;
            on_event(&TrainEvent::Batch {
                epoch,
                epochs: settings.epochs,
                batch: k + 1,
                batches: batches.len(),
                loss,
                words_per_second: words as f64 / epoch_started.elapsed().as_secs_f64(),
            });
        }
        let train_seconds = epoch_started.elapsed().as_secs_f64();
        model.refresh_decoder().map_err(candle)?;
        let dev_f1 = if dev.is_empty() {
            None
        } else {
            Some(evaluate_f1(&model, &dev, tags, dev_cache.as_ref()).map_err(candle)?)
        };
        let report = EpochReport {
            epoch,
            epochs: settings.epochs,
            loss: loss_sum / batches.len().max(1) as f64,
            dev_f1,
            words_per_second: words as f64 / train_seconds,
            seconds: epoch_started.elapsed().as_secs_f64(),
        };
        if state.record(&report) {
            best = Some(snapshot(optimizer.vars()).map_err(candle)?);
        }
        on_event(&TrainEvent::Epoch(report));
        epochs_this_run += 1;
        if let Some(dir) = &options.checkpoint_dir {
            let path = Checkpoint::save(
                dir,
                &config_json(settings),
                &labels,
                &model.tokenizer.json,
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

/// Where `quotekit train` keeps frozen encoder outputs for a model directory.
pub fn default_cache_dir(out: &Path) -> PathBuf {
    out.join("encoder-cache")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretrained::model::tests::tiny_encoder;
    use quotekit_data::TagScheme;

    #[test]
    fn a_damaged_encoder_cache_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("encoder");
        std::fs::create_dir(&folder).unwrap();
        let settings = EncoderSettings {
            freeze: true,
            epochs: 1,
            ..tiny_encoder(&folder)
        };
        let tags = TagSet::new(TagScheme::Bio);
        let docs = [Document::new("d", "Ab said a b ab, ab b a. A ab b.")];
        let cache = dir.path().join("cache");
        let options = TrainOptions {
            cache_dir: Some(cache.clone()),
            ..TrainOptions::default()
        };
        let train = || {
            let cues = Lexicon::builtin_cues();
            train_encoder(&settings, &tags, &docs, &[], cues, &options, |_| {})
        };
        train().unwrap();
        let files: Vec<PathBuf> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "one cache file for the training corpus");
        // A cache that reads back is used as it is.
        train().unwrap();
        std::fs::write(&files[0], b"not a safetensors file").unwrap();
        let e = train().unwrap_err().to_string();
        let name = files[0].file_name().unwrap().to_str().unwrap();
        assert!(e.contains(name) && e.contains("delete the file"), "{e}");
        // A readable file whose vectors do not fit the document.
        let short = bytes_f32(&[0.0; 3]);
        let view = TensorView::new(Dtype::F32, vec![1, 3], &short).unwrap();
        let data = safetensors::serialize([("0".to_string(), view)], None).unwrap();
        std::fs::write(&files[0], data).unwrap();
        let e = train().unwrap_err().to_string();
        assert!(
            e.contains(name) && e.contains("document 0 has 3 values"),
            "{e}"
        );
    }
}
