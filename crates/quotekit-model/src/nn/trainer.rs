//! The one training loop of the network taggers. A kind implements
//! [`NetworkTraining`] (its batches, their loss, its dev evaluation) and
//! [`train_network`] does the rest: AdamW with per-parameter learning-rate
//! multipliers, warm-up then linear decay, gradient accumulation and
//! clipping, seeded shuffling, an optional running average of the weights
//! (what is evaluated and kept), dev exact micro F1 after every epoch with
//! the best weights kept and early stopping, a checkpoint after every epoch,
//! and resuming from one to exactly the model an uninterrupted run gives.

use crate::error::ModelError;
use crate::nn::checkpoint::Checkpoint;
use crate::nn::optim::{norm_of, schedule as learning_rate, set_all, snapshot, AdamW};
use crate::training::events::{EpochReport, TrainEvent, TrainReport};
use crate::training::options::TrainOptions;
use crate::training::run_state::{RunInfo, RunState};
use candle_core::{Tensor, Var};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::time::Instant;

/// The settings of the loop, from a network kind's config section.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Epochs.
    pub epochs: usize,
    /// Epochs without a better dev F1 before stopping (0: never).
    pub patience: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Share of the updates spent warming up.
    pub warmup: f64,
    /// Global gradient-norm clip.
    pub clip: f64,
    /// Batches whose gradients are summed before each update.
    pub accumulate: usize,
    /// Decay of the running average of the weights (0: none).
    pub average: f64,
    /// Seed of shuffling and dropout.
    pub seed: u64,
}

/// What one network kind supplies to [`train_network`].
pub trait NetworkTraining {
    /// The parameters to train, by name (frozen ones left out), in a fixed order.
    fn trained(&self) -> Vec<(String, Var)>;

    /// The learning-rate multiplier of parameter `name`.
    fn learning_rate_scale(&self, name: &str) -> f64;

    /// Batches per epoch.
    fn batches(&self) -> usize;

    /// The loss of batch `index` (dropout drawn from `rng`) and its words.
    fn loss(
        &self,
        index: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Result<(Tensor, usize), ModelError>;

    /// The loss of batch `index` (dropout drawn from `rng`) as a number, the
    /// gradient of each of `vars` (`None` where the loss does not depend on
    /// it) and the batch's words. By default the backward pass of
    /// [`Self::loss`].
    fn gradients(
        &self,
        index: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
        vars: &[Var],
    ) -> Result<(f64, Vec<Option<Tensor>>, usize), ModelError> {
        backward(self, index, rng, vars)
    }

    /// Copies the CRF layer's scores for decoding after the weights changed.
    fn refresh(&mut self) -> Result<(), ModelError>;

    /// Dev exact micro F1 with the current weights; `None` without a dev set.
    fn dev_f1(&self) -> Result<Option<f64>, ModelError>;
}

/// [`NetworkTraining::gradients`] by one backward pass of `net`'s
/// [`NetworkTraining::loss`].
pub fn backward<N: NetworkTraining + ?Sized>(
    net: &N,
    index: usize,
    rng: &mut rand_chacha::ChaCha8Rng,
    vars: &[Var],
) -> Result<(f64, Vec<Option<Tensor>>, usize), ModelError> {
    let (loss, n) = net.loss(index, rng)?;
    let (loss, gradients) = gradients_of(&loss, vars)?;
    Ok((loss, gradients, n))
}

/// The value of a scalar `loss` and its gradient with respect to each of
/// `vars` (`None` where it does not depend on one).
pub fn gradients_of(loss: &Tensor, vars: &[Var]) -> Result<(f64, Vec<Option<Tensor>>), ModelError> {
    let grads = loss.backward()?;
    let gradients = vars
        .iter()
        .map(|v| grads.get(v.as_tensor()).map(Tensor::detach))
        .collect();
    Ok((f64::from(loss.to_scalar::<f32>()?), gradients))
}

/// Adds `more` to the gradients in `sum`, parameter by parameter (`None`:
/// no gradient yet, or none to add).
pub fn add_gradients(
    sum: &mut [Option<Tensor>],
    more: Vec<Option<Tensor>>,
) -> Result<(), ModelError> {
    for (acc, g) in sum.iter_mut().zip(more) {
        if let Some(g) = g {
            *acc = Some(match acc.take() {
                Some(a) => (a + g)?,
                None => g,
            });
        }
    }
    Ok(())
}

/// Trains `net` as `schedule` says, from `resumed` when given (a checkpoint
/// already checked against the config); the best (or last) weights are left
/// in `net`. Returns the run summary.
pub fn train_network(
    net: &mut impl NetworkTraining,
    schedule: &Schedule,
    info: &RunInfo,
    resumed: Option<Checkpoint>,
    options: &TrainOptions,
    on_event: &mut dyn FnMut(&TrainEvent),
) -> Result<TrainReport, ModelError> {
    let (names, vars): (Vec<String>, Vec<Var>) = net.trained().into_iter().unzip();
    let mut optimizer = AdamW::new(vars, schedule.weight_decay, schedule.average);
    optimizer.lr_scale = names.iter().map(|n| net.learning_rate_scale(n)).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(schedule.seed);
    let mut state = RunState {
        documents: info.documents,
        tokens: info.tokens,
        corpus: Some(info.corpus),
        ..RunState::default()
    };
    let mut best: Option<Vec<Tensor>> = None;
    if let Some(c) = resumed {
        c.check_corpus(info)?;
        c.restore(&names, &mut optimizer, &mut rng)?;
        best = c.best_tensors(&names)?;
        state = RunState {
            // (A checkpoint of an earlier version has none.)
            corpus: Some(info.corpus),
            ..c.state
        };
    }
    net.refresh()?;
    let batches = net.batches();
    let updates_per_epoch = batches.div_ceil(schedule.accumulate);
    let total_steps = (updates_per_epoch * schedule.epochs).max(1);
    let warmup = ((total_steps as f64 * schedule.warmup) as usize).max(1);
    let mut epochs_this_run = 0;
    let mut stop = "epochs done".to_string();
    while state.epoch < schedule.epochs {
        if let Some(reason) =
            state.stop_reason(schedule.patience, options.stop_after, epochs_this_run)
        {
            stop = reason;
            break;
        }
        let epoch = state.epoch + 1;
        let epoch_started = Instant::now();
        let mut order: Vec<usize> = (0..batches).collect();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut words) = (0.0, 0usize);
        let mut accumulated: Vec<Option<Tensor>> = vec![None; optimizer.vars().len()];
        for (k, &b) in order.iter().enumerate() {
            let (loss, gradients, n) = net.gradients(b, &mut rng, optimizer.vars())?;
            add_gradients(&mut accumulated, gradients)?;
            if (k + 1) % schedule.accumulate == 0 || k + 1 == order.len() {
                let norm = norm_of(accumulated.iter().flatten())?;
                let scale = if norm > schedule.clip {
                    schedule.clip / norm
                } else {
                    1.0
                };
                state.step += 1;
                let lr = learning_rate(state.step, warmup, total_steps, schedule.learning_rate);
                optimizer.step_with(&accumulated, lr, scale)?;
                accumulated.iter_mut().for_each(|a| *a = None);
            }
            if !loss.is_finite() {
                return Err(ModelError::Training(format!(
                    "the loss became {loss} in epoch {epoch}, batch {}; lower {}.learning_rate",
                    k + 1,
                    info.section
                )));
            }
            loss_sum += loss;
            words += n;
            on_event(&TrainEvent::Batch {
                epoch,
                epochs: schedule.epochs,
                batch: k + 1,
                batches,
                loss,
                words_per_second: words as f64 / epoch_started.elapsed().as_secs_f64(),
            });
            options.interrupt.check()?;
        }
        let train_seconds = epoch_started.elapsed().as_secs_f64();
        // Evaluate (and keep) the averaged weights when averaging; training
        // goes on from the raw ones.
        let raw = match optimizer.averaged()? {
            Some(averaged) => {
                let raw = snapshot(optimizer.vars())?;
                set_all(optimizer.vars(), &averaged)?;
                Some(raw)
            }
            None => None,
        };
        net.refresh()?;
        let report = EpochReport {
            epoch,
            epochs: schedule.epochs,
            loss: loss_sum / batches.max(1) as f64,
            dev_f1: net.dev_f1()?,
            words_per_second: words as f64 / train_seconds,
            seconds: epoch_started.elapsed().as_secs_f64(),
        };
        if state.record(&report) {
            best = Some(snapshot(optimizer.vars())?);
        }
        if let Some(raw) = raw {
            set_all(optimizer.vars(), &raw)?;
        }
        on_event(&TrainEvent::Epoch(report));
        epochs_this_run += 1;
        if let Some(dir) = &options.checkpoint_dir {
            let path =
                Checkpoint::save(dir, info, &state, &names, &optimizer, &rng, best.as_deref())?;
            on_event(&TrainEvent::Checkpoint(path));
        }
    }
    if let Some(snapshot) = best {
        set_all(optimizer.vars(), &snapshot)?;
    }
    net.refresh()?;
    Ok(state.summary(stop, info.prepare_seconds))
}
