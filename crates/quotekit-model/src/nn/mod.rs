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

/// The most layers a config may give a stack of dilated convolutions
/// (`neural.network.dilations`, `transformer.head_dilations`): each layer
/// keeps its activations for the backward pass, so a long list fills
/// memory in training long before its weights count.
pub const MAX_LAYERS: usize = 32;

/// Refuses a list of `dilations` (the config key `key`) with a step
/// outside 1 to 1024, naming the key.
pub fn check_dilations(key: &str, dilations: &[usize]) -> Result<(), String> {
    match dilations.iter().find(|&&d| d == 0 || d > 1024) {
        Some(&d) => Err(format!("{key} has {d} (expected 1 to 1024)")),
        None => Ok(()),
    }
}

/// Refuses a list of `dilations` (the config key `key`) of more than
/// [`MAX_LAYERS`] layers, naming the key. For training only, as the other
/// bounds of size are: a model trained with more still loads.
pub fn check_layers(key: &str, dilations: &[usize]) -> Result<(), String> {
    if dilations.len() > MAX_LAYERS {
        return Err(format!(
            "{key} lists {} layers (expected at most {MAX_LAYERS}: each keeps its activations \
             in training)",
            dilations.len()
        ));
    }
    Ok(())
}

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
