//! Errors of the model crate.

use std::path::PathBuf;

/// Everything that can go wrong configuring, training, saving or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Reading or writing a file failed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error (in the message, not a separate cause, so that
        /// it is said once).
        error: std::io::Error,
    },
    /// A configuration that cannot be used; says which key and why.
    #[error("{}: {message}", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "config".into()))]
    Config {
        /// The config file, when the config came from one.
        path: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// A model file that is cut short or whose contents do not add up.
    #[error("{}: not a readable model file ({reason}); was it truncated, corrupted or edited?", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What did not parse.
        reason: String,
    },
    /// A file kept beside a model's weights (its `tokenizer.json`, an
    /// encoder's config) that is not the one the weights were saved with.
    #[error(
        "{}: not the {} this model's weights were saved with: the folder holds files of two saves (one stopped midway, or files of two models put together, or a file changed since); copy the model directory whole, or train again",
        path.display(),
        path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    )]
    Mismatched {
        /// The file.
        path: PathBuf,
    },
    /// A training run that would write over the checkpoint of an
    /// unfinished run without resuming from it.
    #[error(
        "{}: the checkpoint of an unfinished run ({done} of {due} epochs), which this run would write over: go on from it by running `quotekit train` with its config and --resume {}, or remove it to start over (`quotekit train --checkpoint-dir` writes checkpoints elsewhere)",
        path.display(),
        dir.display()
    )]
    UnfinishedCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// Its folder.
        dir: PathBuf,
        /// Epochs done.
        done: usize,
        /// Epochs its run was to train.
        due: usize,
    },
    /// A safetensors file that is not a quotekit model.
    #[error("{}: not a quotekit model ({reason})", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// A model written by a newer quotekit.
    #[error("{}: model format version {found} is newer than this quotekit supports ({supported}); upgrade quotekit", path.display())]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// Data needed for training or evaluation is missing or unusable.
    #[error(transparent)]
    Data(#[from] quotekit_data::DataError),
    /// Training data that cannot train anything.
    #[error("training: {0}")]
    Training(String),
    /// A run stopped by the interrupt of its training options (Python's
    /// Ctrl-C).
    #[error("training was interrupted")]
    Interrupted,
    /// A tensor operation of a network tagger failed.
    #[error("network: {0}")]
    Network(#[from] candle_core::Error),
    /// What reading the file a config key names gave (`features.lexicon`,
    /// `neural.init_crf`).
    /// (Its message holds the error's: not a `source`, which would print it
    /// twice in a chain.)
    #[error("{key}: {error}")]
    Key {
        /// The config key.
        key: &'static str,
        /// The error of reading its file.
        error: Box<ModelError>,
    },
}

impl ModelError {
    /// `error`, read for the config key `key`.
    pub(crate) fn key(key: &'static str, error: ModelError) -> Self {
        ModelError::Key {
            key,
            error: Box::new(error),
        }
    }

    /// The error itself, without the config keys it was read for.
    pub fn unkeyed(&self) -> &ModelError {
        match self {
            ModelError::Key { error, .. } => error.unkeyed(),
            e => e,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ModelError::Io {
            path: path.into(),
            error: source,
        }
    }

    /// The error of an empty path given for `what` (a file or folder read).
    pub(crate) fn empty_path(what: &str) -> Self {
        ModelError::Config {
            path: Some(PathBuf::from("\"\"")),
            message: format!("an empty path; name {what}"),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        ModelError::Config {
            path: None,
            message: message.into(),
        }
    }

    /// A file that does not read back as what it should hold.
    pub fn corrupt(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        ModelError::Corrupt {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// A file that is not the quotekit file it was taken for.
    pub fn foreign(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        ModelError::Foreign {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
