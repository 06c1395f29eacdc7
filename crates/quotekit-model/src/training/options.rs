//! Where a network tagger's checkpoints go, where training resumes from, and
//! where a frozen encoder's outputs are cached.

use std::path::PathBuf;

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
}
