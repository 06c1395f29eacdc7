//! Errors that stop a bulk run (per-document problems are records, not errors).

use std::path::PathBuf;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    /// Reading input or writing output failed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error (in the message, not a separate cause, so that
        /// it is said once).
        error: std::io::Error,
    },
    /// An output path that would destroy an input, or is busy.
    #[error(transparent)]
    Output(#[from] quotekit_data::paths::OutputPathError),
    /// Another run holds the output's lock.
    #[error(
        "{}: another quotekit run is writing this output ({holder}); wait for it to finish or choose another output",
        path.display()
    )]
    Locked {
        /// The output.
        path: PathBuf,
        /// Who holds the lock, as far as known.
        holder: String,
    },
    /// Writing a file of the output failed.
    #[error(transparent)]
    Data(Box<quotekit_data::DataError>),
    /// Options that cannot work together.
    #[error("{0}")]
    Usage(String),
    /// Writing a file beside the output (its run manifest) failed.
    #[error(transparent)]
    Model(Box<quotekit_model::ModelError>),
    /// The run was stopped (Ctrl-C) after a batch: what it wrote is whole.
    #[error(
        "stopped after {documents} documents of this run, each written whole{}",
        if *resumable { "; the same command with --resume goes on from there" } else { "" }
    )]
    Interrupted {
        /// Documents written by this run.
        documents: u64,
        /// Whether the output is a file or folder `--resume` can go on from.
        resumable: bool,
    },
    /// An existing output that cannot be resumed.
    #[error("{}: cannot resume: {message}", path.display())]
    Resume {
        /// The output.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

impl InferError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        InferError::Io {
            path: path.into(),
            error: source,
        }
    }
}
