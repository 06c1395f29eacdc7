//! # quotekit-model
//!
//! The second stage of quotekit's pipeline (data → **model** → infer → cli):
//! features over tokenized documents, a linear-chain CRF tagger and its
//! training, a neural tagger on candle ([`neural`], `model = "neural"`), a
//! fine-tuned pretrained BERT-family encoder ([`pretrained`], `model = "encoder"`),
//! rule-based quote → speaker linking, evaluation metrics, and model files
//! (safetensors weights with a JSON header). [`Annotator`] runs either model.
//!
//! ```
//! use quotekit_data::Document;
//! use quotekit_model::{config::CrfConfig, fit};
//! let mut config = CrfConfig::default();
//! config.data.train = "../../datasets/sample".into();
//! config.features.hash_bits = 14;
//! config.training.max_iterations = 20;
//! let fitted = fit(&config, |_| {})?;
//! let doc = Document::new("d", "“We will win,” Ana Ruiz said.");
//! let annotation = fitted.annotator.annotate(&doc);
//! println!("{} spans, {} attributions", annotation.document.spans.len(), annotation.document.attributions.len());
//! # Ok::<(), quotekit_model::ModelError>(())
//! ```

pub mod annotator;
pub mod config;
pub mod crf;
pub mod error;
pub mod eval;
pub mod features;
pub mod fit;
pub mod lbfgs;
pub mod lexicon;
pub mod linking;
pub mod model_file;
pub mod neural;
pub mod pretrained;
pub mod quote_state;
pub mod sgd;
pub mod train;

pub use annotator::{Annotation, Annotator};
pub use config::CrfConfig;
pub use error::ModelError;
pub use eval::{evaluate, Evaluation};
pub use fit::{fit, fit_with, Fitted};
pub use model_file::{load_annotator, load_model, save_annotator, save_model, ModelHeader};
