//! The network library of the two network taggers (`neural`, `transformer`):
//! the device they run on, a CRF output layer on tensors, shared layers, the
//! parameter tree with its decoding copy, AdamW with its schedule,
//! checkpoints, and the one epoch loop that trains either network.

pub mod checkpoint;
pub mod crf_layer;
pub mod layers;
pub mod optim;
pub mod params;
pub mod trainer;

/// Parameter dtype.
pub const DTYPE: candle_core::DType = candle_core::DType::F32;

/// The most windows of a document that go through a network at once when
/// documents are tagged (not trained), padded as one batch of all of them
/// (the same scores): the memory of the network's work grows with them (a
/// neural window of 256 words takes about 15 MB; a transformer window, the
/// attention scores of every head for every pair of its pieces), not with
/// the document's length.
pub const WINDOWS_AT_ONCE: usize = 16;

/// The largest width a config may give a layer (`neural.network.hidden`,
/// `transformer.head_hidden`, …): above it a network would not fit in memory.
pub const MAX_SIZE: usize = 8192;

/// Refuses the first of `widths` (key, size) above [`MAX_SIZE`], naming it
/// as `section.key`.
pub fn check_widths(section: &str, widths: &[(&str, usize)]) -> Result<(), String> {
    match widths.iter().find(|(_, size)| *size > MAX_SIZE) {
        Some((key, size)) => Err(format!(
            "{section}.{key} = {size} (expected at most {MAX_SIZE})"
        )),
        None => Ok(()),
    }
}

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
