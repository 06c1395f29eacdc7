//! # quotekit-infer
//!
//! The third stage of quotekit's pipeline (data → model → **infer** → cli):
//! runs a trained model over large corpora — a directory of texts, JSONL
//! (plain or gzip), or standard input — in parallel with rayon, streaming in
//! batches so memory does not grow with the corpus, writing records in input
//! order (byte-identical whatever the thread count), turning bad documents
//! into error records, and resuming an interrupted run.

pub mod error;
pub mod input;
pub mod output;
pub mod progress;
pub mod runner;

pub use error::InferError;
pub use input::Input;
pub use output::{OutputFormat, OutputTarget};
pub use progress::{Progress, Reporter, Silent};
pub use runner::{run, RunOptions, Summary};
