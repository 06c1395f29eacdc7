//! The CRF's settings: how a document is cut into sequences (`data.sequence`)
//! and how it trains (the `[training]` section).

use serde::{Deserialize, Serialize};

/// What one CRF sequence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SequenceUnit {
    /// A whole document: quotes, cues and speakers in neighbouring paragraphs share one sequence.
    Document,
    /// One paragraph: its sentences share one sequence (the default; better on PolNeAR dev,
    /// and many short sequences suit the SGD warm start).
    #[default]
    Paragraph,
}

/// Optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// L-BFGS on the L2-regularised conditional log-likelihood.
    #[default]
    Lbfgs,
    /// Stochastic gradient descent on the same objective (`max_iterations` epochs).
    Sgd,
    /// Averaged structured perceptron.
    Perceptron,
}

/// Where L-BFGS starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WarmStart {
    /// From zero weights.
    None,
    /// From `warm_start_epochs` epochs of SGD on the same objective.
    #[default]
    Sgd,
    /// From an averaged perceptron run for `warm_start_epochs` epochs, rescaled to
    /// the lowest objective.
    Perceptron,
}

/// The `[training]` section: how the CRF trains (`threads` applies to every
/// model kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrfTrainingConfig {
    /// Optimiser.
    pub algorithm: Algorithm,
    /// L2 coefficient: the objective is −log-likelihood + c2/2·‖w‖².
    pub c2: f64,
    /// Iterations (L-BFGS) or epochs (perceptron).
    pub max_iterations: usize,
    /// L-BFGS stops when the objective improved by less than this fraction over the last 10 iterations.
    pub epsilon: f64,
    /// L-BFGS history size.
    pub history: usize,
    /// Evaluate on dev every this many iterations (0: never).
    pub eval_every: usize,
    /// Stop after this many dev evaluations without improvement (0: never stop early).
    pub patience: usize,
    /// L-BFGS: how the starting weights are found.
    pub warm_start: WarmStart,
    /// L-BFGS: epochs of the warm-start method (0: start from zero).
    pub warm_start_epochs: usize,
    /// Feature buckets seen fewer times than this in training get no weights.
    pub min_count: u32,
    /// Seed for everything random (perceptron shuffling).
    pub seed: u64,
    /// Worker threads (0: all cores). Not written to model files: the
    /// model is the same on any number of threads, and so is its file.
    #[serde(skip_serializing)]
    pub threads: usize,
}

impl Default for CrfTrainingConfig {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Lbfgs,
            c2: 2.0,
            max_iterations: 100,
            epsilon: 1e-5,
            history: 6,
            eval_every: 10,
            patience: 6,
            warm_start: WarmStart::Sgd,
            warm_start_epochs: 10,
            min_count: 1,
            seed: 42,
            threads: 0,
        }
    }
}
