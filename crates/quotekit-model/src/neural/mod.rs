//! The neural tagger (`model = "neural"`): a BPE vocabulary trained with
//! the `tokenizers` crate, word-level inputs (pieces, characters, symbolic and
//! hashed CRF features), a candle encoder of dilated convolutions, a CRF output
//! layer, its trainer with checkpoints, and the inference model.

pub mod checkpoint;
pub mod crf_init;
pub mod crf_layer;
pub mod encoder;
pub mod inputs;
pub mod model;
pub mod train;
pub mod vocab;

pub use model::NeuralModel;
pub use train::{train_neural, NeuralConfig, TrainOptions};

/// The device networks run on: the first CUDA GPU when built with the `cuda`
/// feature and one is present, the CPU otherwise.
pub fn device() -> candle_core::Device {
    #[cfg(feature = "cuda")]
    {
        candle_core::Device::cuda_if_available(0).unwrap_or(candle_core::Device::Cpu)
    }
    #[cfg(not(feature = "cuda"))]
    {
        candle_core::Device::Cpu
    }
}
