//! What training reports: events as it goes (for progress bars and logs),
//! a report per epoch of a network tagger, and the summary of a finished run
//! that the model header keeps.

use crate::speakers::ResolverReport;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What training reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainEvent {
    /// Features are ready.
    Prepared {
        /// Training documents.
        documents: usize,
        /// Training tokens.
        tokens: usize,
        /// Seconds spent tokenizing and extracting features.
        seconds: f64,
    },
    /// One iteration (L-BFGS) or epoch (SGD, perceptron) of the CRF done.
    Iteration {
        /// 1-based iteration.
        iteration: usize,
        /// Configured maximum.
        max: usize,
        /// Objective (L-BFGS) or training errors (perceptron).
        loss: f64,
        /// Dev exact micro F1, when evaluated at this iteration.
        dev_f1: Option<f64>,
    },
    /// One mini-batch of a network tagger done.
    Batch {
        /// 1-based epoch.
        epoch: usize,
        /// Configured epochs.
        epochs: usize,
        /// 1-based batch within the epoch.
        batch: usize,
        /// Batches per epoch.
        batches: usize,
        /// Loss of this batch: the mean negative log-likelihood per window
        /// (neural tagger) or per word (transformer tagger).
        loss: f64,
        /// Training words per second so far in this epoch.
        words_per_second: f64,
    },
    /// One epoch of a network tagger done.
    Epoch(EpochReport),
    /// A training checkpoint was written.
    Checkpoint(PathBuf),
    /// Encoder outputs computed for this many of `total` documents
    /// (`model = "transformer"` with a frozen encoder).
    Encoding {
        /// Documents done.
        done: usize,
        /// Documents to encode.
        total: usize,
    },
    /// Frozen encoder outputs were written to this cache file.
    Cache(PathBuf),
    /// Frozen encoder outputs were read from this cache file, written by
    /// an earlier run.
    CacheRead(PathBuf),
    /// One epoch of the speaker resolver done.
    SpeakerEpoch {
        /// 1-based epoch.
        epoch: usize,
        /// Configured epochs.
        epochs: usize,
        /// Mean negative log-likelihood per Source span.
        loss: f64,
    },
    /// The speaker resolver is trained.
    Speakers(ResolverReport),
    /// Something about the training data or settings the user should know
    /// (training goes on), as a line to print: a corpus's warning as its
    /// [`Diagnostic`](quotekit_data::Diagnostic) reads (`FILE:LINE: warning:
    /// …`), any other as `warning: …`.
    Warning(String),
}

/// Summary of a finished training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Iterations run.
    pub iterations: usize,
    /// Iteration whose weights were kept.
    pub best_iteration: usize,
    /// Dev exact micro F1 of the kept weights, when there is a dev set.
    pub best_dev_f1: Option<f64>,
    /// Why training stopped.
    pub stop: String,
    /// Training documents and tokens.
    pub documents: usize,
    /// Training tokens.
    pub tokens: usize,
    /// Seconds preparing features. (Timings are not written to model
    /// files, so that two runs of one config write the same file; the
    /// training report has them.)
    #[serde(default, skip_serializing)]
    pub feature_seconds: f64,
    /// Seconds optimising.
    #[serde(default, skip_serializing)]
    pub train_seconds: f64,
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
