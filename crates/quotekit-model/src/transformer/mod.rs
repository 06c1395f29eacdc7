//! The transformer tagger (`model = "transformer"`; `"encoder"` before
//! format version 2): a pretrained BERT-family encoder shipped as
//! `config.json` + `tokenizer.json` + `model.safetensors` (e.g.
//! all-MiniLM-L6-v2, fetched with `quotekit fetch-encoder`), run in candle
//! ([`bert`], its config in [`bert_config`], MPNet's relative positions in
//! [`relative`], with the fused kernels of [`fused`]) over overlapping windows of
//! its own pieces ([`pieces`]), symbolic features and a linear (or
//! convolutional) head ([`head`]) with a CRF layer ([`model`]), fine-tuned by
//! [`train`] on the shared network library [`crate::nn`], optionally on a
//! frozen encoder's cached outputs ([`cache`]) or from a trained model's
//! weights ([`init`]).

pub mod attention;
pub mod bert;
pub mod bert_config;
pub mod cache;
pub mod config;
pub mod file;
#[cfg(test)]
pub(crate) mod fixtures;
pub(crate) mod folder;
pub mod fused;
pub mod head;
pub mod init;
pub mod inplace;
pub mod int8;
pub mod model;
pub mod pieces;
pub mod relative;
pub mod train;
