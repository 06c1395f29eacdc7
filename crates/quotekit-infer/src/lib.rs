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
//! One text, its quotes and speakers, and the record `quotekit predict
//! --format jsonl` writes for it (the model trained as the README's set-up
//! command trains it):
//!
//! ```no_run
//! use quotekit_data::Document;
//! use quotekit_infer::input::InputDocument;
//! use quotekit_infer::output::quotes_json;
//! use quotekit_model::model_file::load_annotator;
//! let (annotator, _header) = load_annotator("models/crf-polnear".as_ref())?;
//! let text = "“We will rebuild the bridge,” Mayor Ana Ruiz said on Monday.";
//! let doc = Document::new("d1", text);
//! // (`annotate_scored` adds each span's confidence, as `predict` does.)
//! let annotation = annotator.annotate_scored(&doc);
//! for (k, name) in annotation.speaker_names.iter().enumerate() {
//!     let id = &annotation.document.attributions[k].id;
//!     println!("{id}: {}", name.as_deref().unwrap_or("(no one named)"));
//! }
//! for speaker in &annotation.speakers {
//!     println!("{} {}: {} quote(s)", speaker.id, speaker.name, speaker.quotes.len());
//! }
//! let input = InputDocument { id: doc.id.clone(), text: text.into(), extra: Default::default() };
//! println!("{}", quotes_json(&input, &annotation));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A whole corpus, in parallel, in input order (a [`RunOptions`] with a
//! [`RunIdentity`] keeps a run manifest beside the output, so that `resume`
//! refuses an output another model or other options began, as `predict
//! --resume` does):
//!
//! ```no_run
//! use quotekit_infer::{run, Input, OutputTarget, RunOptions, Silent};
//! use quotekit_model::model_file::load_annotator;
//! let (annotator, _) = load_annotator("models/crf-polnear".as_ref())?;
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
pub mod failed;
mod ids_list;
pub mod input;
pub mod lock;
pub mod manifest;
pub mod memory;
pub mod output;
mod piped;
pub mod progress;
pub mod quoted;
pub mod read_output;
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
