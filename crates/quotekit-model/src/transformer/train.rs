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
use crate::nn::trainer::{
    add_gradients, backward, gradients_of, train_network, NetworkTraining, Schedule,
};
use crate::tagger::SequenceTagger;
use crate::training::data::{exact_f1, group_by_size, prepare, training_tokens};
use crate::training::events::{TrainEvent, TrainReport};
use crate::training::options::TrainOptions;
use crate::training::run_state::{config_json, corpus_fingerprint, RunInfo};
use crate::transformer::cache::{cached_batch, cached_outputs, weights_hash, Cached};
use crate::transformer::init::starting_model;
use crate::transformer::model::{
    windows_of, TransformerDocument, TransformerInputs, TransformerModel,
};
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
        self.head_loss(batch, &inputs, &words, rng)
    }

    /// The loss and gradients of a batch; one with more encoder windows than
    /// `recompute_windows` is encoded in parts whose activations are made
    /// again, one part at a time, for the backward pass.
    fn gradients(
        &self,
        index: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
        vars: &[Var],
    ) -> Result<(f64, Vec<Option<Tensor>>, usize), ModelError> {
        let (model, batch) = (&self.model, &self.batches[index]);
        let part = model.config.recompute_windows;
        let windows_in = |i: &usize| self.train[*i].inputs.plan.windows.len();
        if self.train_cache.is_some()
            || part == 0
            || batch.iter().map(windows_in).sum::<usize>() <= part
        {
            return backward(self, index, rng, vars);
        }
        let inputs: Vec<&TransformerInputs> =
            batch.iter().map(|&i| &self.train[i].inputs).collect();
        let (windows, l) = windows_of(&inputs);
        // Forward: each part's hidden states without their graph, and the
        // dropout stream it drew from.
        let mut streams = Vec::new();
        let mut parts = Vec::new();
        for chunk in windows.chunks(part) {
            streams.push(rng.clone());
            parts.push(model.encode_windows(chunk, l, Some(&mut *rng))?.detach());
        }
        let hidden = Var::from_tensor(&Tensor::cat(&parts, 0)?)?;
        drop(parts);
        let words = model.gather_words(hidden.as_tensor().clone(), &inputs, l)?;
        let (loss, n) = self.head_loss(batch, &inputs, &words, rng)?;
        let mut all = vars.to_vec();
        all.push(hidden.clone());
        let (loss, mut gradients) = gradients_of(&loss, &all)?;
        let Some(upstream) = gradients.pop().flatten() else {
            return Ok((loss, gradients, n));
        };
        // Backward through the encoder, one part at a time: the gradient of
        // (part's hidden states · their upstream gradient) is the part's share.
        for (k, (chunk, mut stream)) in windows.chunks(part).zip(streams).enumerate() {
            let out = model.encode_windows(chunk, l, Some(&mut stream))?;
            let share = upstream.narrow(0, k * part * l, chunk.len() * l)?;
            let (_, more) = gradients_of(&(out * share)?.sum_all()?, vars)?;
            add_gradients(&mut gradients, more)?;
        }
        Ok((loss, gradients, n))
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

impl TransformerTraining<'_> {
    /// Mean negative log-likelihood per word of `batch` from its word
    /// vectors (head dropout from `rng`), and its word count.
    fn head_loss(
        &self,
        batch: &[usize],
        inputs: &[&TransformerInputs],
        words: &Tensor,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Result<(Tensor, usize), ModelError> {
        let (model, docs) = (&self.model, &self.train);
        let emissions = model.head_emissions(words, inputs, Some(rng))?;
        let (b, t, _) = emissions.dims3()?;
        let mut gold = vec![0u32; b * t];
        let mut n = 0;
        for (k, &i) in batch.iter().enumerate() {
            for (j, &g) in docs[i].gold.iter().enumerate() {
                gold[k * t + j] = u32::from(g);
            }
            n += docs[i].gold.len();
        }
        let mask = model.mask(inputs, t)?;
        let gold = Tensor::from_vec(gold, (b, t), model.params.device())?;
        let loss = model.params.crf.loss(&emissions, &gold, &mask)?;
        // The CRF loss is a mean over documents; per word it does not depend on
        // how documents are batched.
        Ok(((loss * (b as f64 / n.max(1) as f64))?, n))
    }
}

/// A warning when more than a quarter of the training words are nothing but
/// `[UNK]` to the encoder's tokenizer (a tokenizer of another encoder, or a
/// normalizer that loses the text: the tagger would learn from no words).
fn unknown_words_warning(
    docs: &[TransformerDocument],
    model: &TransformerModel,
    settings: &crate::transformer::config::TransformerConfig,
) -> Option<String> {
    let unk = model.tokenizer.unk;
    let (mut unknown, mut words) = (0usize, 0usize);
    for d in docs {
        let plan = &d.inputs.plan;
        for (window, positions) in &plan.words {
            words += 1;
            unknown += usize::from(positions.iter().all(|&p| plan.windows[*window][p] == unk));
        }
    }
    (unknown * 4 > words).then(|| {
        format!(
            "warning: {unknown} of the {words} training words ({:.0} %) are nothing but [UNK] to the tokenizer of {}: is its tokenizer.json the encoder's own?",
            100.0 * unknown as f64 / words as f64,
            settings.path.display()
        )
    })
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
    let model = starting_model(settings, cues, &labels, resumed.is_some())?;
    // (A frozen encoder is read from its folder on resume too.)
    let encoder_weights = if settings.freeze {
        weights_hash(settings)?
    } else {
        String::new()
    };
    if let Some(checkpoint) = &resumed {
        checkpoint.check_encoder(
            &model.tokenizer.json,
            &model.bert_config_json,
            &encoder_weights,
        )?;
    }
    let corpus = corpus_fingerprint(&train_docs, dev_docs);
    let train = prepare_transformer(train_docs, &model, tags);
    if let Some(warning) = unknown_words_warning(&train, &model, settings) {
        on_event(&TrainEvent::Warning(warning));
    }
    let dev = prepare_transformer(dev_docs.to_vec(), &model, tags);
    let tokens = training_tokens(&train)?;
    let (train_cache, dev_cache) = if settings.freeze {
        let dir = options.cache_dir.as_deref();
        (
            Some(cached_outputs(
                &model,
                &encoder_weights,
                &train,
                "train",
                dir,
                &options.interrupt,
                on_event,
            )?),
            if dev.is_empty() {
                Some(Vec::new())
            } else {
                Some(cached_outputs(
                    &model,
                    &encoder_weights,
                    &dev,
                    "dev",
                    dir,
                    &options.interrupt,
                    on_event,
                )?)
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
        encoder_config: model.bert_config_json.clone(),
        encoder_weights,
        documents: train.len(),
        tokens,
        corpus,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transformer::config::TransformerConfig;
    use crate::transformer::fixtures::{tiny_encoder_of, MPNET_CONFIG};
    use quotekit_data::TagScheme;
    use rand::SeedableRng;

    #[test]
    fn recomputed_parts_give_the_gradients_of_the_whole_batch() {
        let dir = tempfile::tempdir().unwrap();
        // Without dropout, splitting may not change a single gradient.
        let json = MPNET_CONFIG.replace('}', r#", "hidden_dropout_prob": 0.0}"#);
        let settings = TransformerConfig {
            dropout: 0.0,
            ..tiny_encoder_of(dir.path(), &json)
        };
        let tags = TagSet::new(TagScheme::Bio);
        let docs = vec![
            Document::new(
                "a",
                "Ab said a b ab, ab b a. A ab b. B a ab b said a. ".repeat(3),
            ),
            Document::new("b", "B ab said, a b. Ab a b ab said b a. ".repeat(2)),
        ];
        let gradients = |recompute_windows: usize| {
            let settings = TransformerConfig {
                recompute_windows,
                ..settings.clone()
            };
            let model =
                TransformerModel::from_folder(&settings, Lexicon::builtin_cues(), tags.len())
                    .unwrap();
            let train = prepare_transformer(docs.clone(), &model, &tags);
            let run = TransformerTraining {
                model,
                train,
                dev: Vec::new(),
                train_cache: None,
                dev_cache: None,
                batches: vec![vec![0, 1]],
                tags: &tags,
            };
            let inputs: Vec<&TransformerInputs> = run.train.iter().map(|d| &d.inputs).collect();
            let windows = windows_of(&inputs).0.len();
            let (names, vars): (Vec<String>, Vec<Var>) = run.trained().into_iter().unzip();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
            let (loss, grads, n) = run.gradients(0, &mut rng, &vars).unwrap();
            let grads: Vec<Vec<f32>> = grads
                .into_iter()
                .zip(&names)
                .map(|(g, name)| {
                    let g = g.unwrap_or_else(|| panic!("no gradient for {name}"));
                    g.flatten_all().unwrap().to_vec1().unwrap()
                })
                .collect();
            (windows, loss, grads, n)
        };
        let (windows, loss, whole, n) = gradients(0);
        assert!(windows > 4, "{windows} windows: too few to split");
        for part in [1, 3] {
            let (_, split_loss, split, split_n) = gradients(part);
            // The products' blocking changes with the rows: the last bits may differ.
            assert!(
                (split_loss - loss).abs() < 1e-6 * loss,
                "{split_loss} vs {loss}"
            );
            assert_eq!(split_n, n);
            for (a, b) in whole.iter().zip(&split) {
                for (x, y) in a.iter().zip(b) {
                    assert!((x - y).abs() <= 1e-5 * (1.0 + x.abs()), "{x} vs {y}");
                }
            }
        }
        assert!(whole.iter().flatten().any(|&g| g != 0.0));
    }
}
