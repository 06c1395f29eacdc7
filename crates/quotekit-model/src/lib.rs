//! # quotekit-model
//!
//! The second stage of quotekit's pipeline (data → **model** → infer → cli):
//! taggers that find speakers, cues and quotes in tokenized documents,
//! their training, quote → speaker linking, evaluation, and model files.
//!
//! Every model kind implements one trait, [`SequenceTagger`]: emission scores
//! of a document's tokens and the chain scores to decode them with. The
//! [`Annotator`] around it decodes ([`decode`]), builds spans and links them
//! ([`linking`]), whatever the kind. The kinds, each in its own folder:
//!
//! - [`crf`]: a linear-chain CRF over hashed symbolic [`features`], trained by
//!   L-BFGS, SGD or the averaged perceptron (`model = "crf"`);
//! - [`neural`]: a network of subword pieces, characters, features and
//!   dilated convolutions with a CRF output layer (`model = "neural"`);
//! - [`transformer`]: a pretrained BERT-family encoder fine-tuned with a CRF
//!   head (`model = "transformer"`).
//!
//! The two networks share [`nn`] (CRF layer, layers, AdamW, checkpoints, the
//! one epoch loop); every trainer shares [`training`] (events, reports, early
//! stopping, prepared data). [`fit()`] trains what a [`config::TrainConfig`]
//! names; [`model_file`] saves and loads any kind ([`header`] says which).
//!
//! ```
//! use quotekit_data::Document;
//! use quotekit_model::{config::TrainConfig, fit};
//! let mut config = TrainConfig::default();
//! config.data.train = "../../datasets/sample".into();
//! config.features.hash_bits = 14;
//! config.training.max_iterations = 20;
//! let fitted = fit(&config.check()?, |_| {})?;
//! let doc = Document::new("d", "“We will win,” Ana Ruiz said.");
//! let annotation = fitted.annotator.annotate(&doc);
//! println!("{} spans, {} attributions", annotation.document.spans.len(), annotation.document.attributions.len());
//! # Ok::<(), quotekit_model::ModelError>(())
//! ```

pub mod annotator;
pub mod config;
pub mod crf;
pub mod decode;
pub mod ensemble;
pub mod error;
pub mod eval;
pub mod features;
pub mod fit;
pub mod header;
pub mod io;
pub mod layout;
pub mod linking;
pub mod model_file;
pub mod neural;
pub mod nn;
pub mod speakers;
pub mod tagger;
pub mod training;
pub mod transformer;
pub mod tune;

pub use annotator::{Annotation, Annotator};
pub use config::{Checked, ModelKind, TrainConfig};
pub use error::ModelError;
pub use eval::{evaluate, Evaluation};
pub use fit::{fit, fit_with, Fitted};
pub use header::ModelHeader;
pub use model_file::{load_annotator, load_annotator_with, save_annotator};
pub use tagger::SequenceTagger;
