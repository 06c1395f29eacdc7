//! The neural tagger (`model = "neural"`): a BPE vocabulary trained with
//! the `tokenizers` crate, word-level inputs (pieces, characters, symbolic and
//! hashed CRF features), a candle encoder of dilated convolutions, a CRF output
//! layer, its trainer with checkpoints, and the inference model.

pub mod checkpoint;
pub mod crf_layer;
pub mod encoder;
pub mod inputs;
pub mod model;
pub mod train;
pub mod vocab;

pub use model::NeuralModel;
pub use train::{train_neural, NeuralConfig, TrainOptions};
