//! The neural tagger (`model = "neural"`): a BPE vocabulary trained with the
//! `tokenizers` crate ([`vocab`]), word-level inputs: pieces, characters,
//! symbolic and hashed CRF features ([`inputs`]), a candle network of dilated
//! convolutions ([`network`]) with a CRF output layer, the trained model
//! ([`model`]), its start from a trained CRF ([`crf_init`]) and its trainer
//! ([`train`]), all on the shared network library [`crate::nn`].

pub mod config;
pub mod crf_init;
pub mod inputs;
pub mod model;
pub mod network;
pub mod train;
pub mod vocab;
