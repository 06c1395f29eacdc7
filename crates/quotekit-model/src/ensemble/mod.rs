//! Ensembles: trained taggers of the same tags whose tag scores are
//! weighted, summed and decoded together. The sum of linear-chain scores is
//! a linear-chain score, so the ensemble decodes (and gives confidences) as
//! one model would: a product of experts, with each member's weight as its
//! exponent. A member keeps its own inputs, so models of different kinds
//! combine (the transformer tagger and the CRF, whose features see
//! different things).
//!
//! An ensemble is a directory holding `ensemble.toml` ([`EnsembleFile`]),
//! which names the member model directories; it loads wherever a model
//! directory does ([`crate::model_file::load_annotator`]).

pub mod file;
pub mod tagger;

pub use file::{EnsembleFile, MemberFile, ENSEMBLE_FILE};
pub use tagger::{Ensemble, Member};
