//! Where a network tagger's checkpoints go, where training resumes from,
//! where a frozen encoder's outputs are cached, and the flag that stops a
//! run from another thread.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag that stops a training run when set, from any thread (Python's
/// Ctrl-C, which cannot reach a run that holds no interpreter): the run
/// ends with [`crate::error::ModelError::Interrupted`] after the CRF iteration,
/// network batch or encoder batch under way. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Asks the run to stop.
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// The flag itself, shared, for a signal handler to set.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }

    /// Whether the run was asked to stop.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// [`crate::error::ModelError::Interrupted`] when set.
    pub fn check(&self) -> Result<(), crate::error::ModelError> {
        if self.is_set() {
            Err(crate::error::ModelError::Interrupted)
        } else {
            Ok(())
        }
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
    /// Directory for cached encoder outputs (`model = "transformer"` with
    /// `transformer.freeze`); without one they are kept in memory only.
    pub cache_dir: Option<PathBuf>,
    /// Stops the run when set.
    pub interrupt: Interrupt,
}
