//! # quotekit-infer
//!
//! The third stage of quotekit's pipeline (data → model → **infer** → cli):
//! runs a trained model over large corpora — a directory of texts, JSONL
//! (plain or gzip), or standard input — in parallel with rayon, streaming in
//! batches so memory does not grow with the corpus, writing records in input
//! order (byte-identical whatever the thread count), turning bad documents
//! into error records, and resuming an interrupted run.
//!
//! [`quoted`] counts who is quoted in `predict`'s records; [`render`] draws predictions, their differences from gold and the
//! training and evaluation reports as self-contained HTML pages.
//!
//! With a network model (neural or transformer), set `CANDLE_NUM_THREADS=1` before the first tensor
//! operation (as `quotekit predict` does): documents already run in parallel,
//! and candle's own worker pool would make the threads queue for it.
//!
//! ```no_run
//! use quotekit_infer::{run, Input, OutputTarget, RunOptions, Silent};
//! use quotekit_model::model_file::load_annotator;
//! let (annotator, _) = load_annotator("models/crf".as_ref())?;
//! let summary = run(
//!     &annotator,
//!     &Input::from_path("corpus.jsonl.gz".as_ref()),
//!     &OutputTarget::Path("quotes.jsonl".into()),
//!     &RunOptions::default(),
//!     &mut Silent,
//! )?;
//! println!("{} documents, {} errors", summary.documents, summary.errors);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod error;
pub mod input;
pub mod lock;
pub mod manifest;
pub mod memory;
pub mod output;
pub mod progress;
pub mod quoted;
pub mod render;
pub mod resume;
pub mod runner;
pub mod summary;

pub use error::InferError;
pub use input::Input;
pub use manifest::RunIdentity;
pub use output::{OutputFormat, OutputTarget};
pub use progress::{Progress, Reporter, Silent};
pub use runner::{run, RunOptions};
pub use summary::Summary;
