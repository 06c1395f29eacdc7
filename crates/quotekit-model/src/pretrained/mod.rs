//! The pretrained-encoder tagger (`model = "encoder"`): a BERT-family encoder
//! shipped as `config.json` + `tokenizer.json` + `model.safetensors` (e.g.
//! all-MiniLM-L6-v2, fetched with `quotekit fetch-encoder`), run in candle
//! over overlapping windows of its own pieces, with symbolic features, a
//! linear (or convolutional) head and the neural tagger's CRF layer, trainer
//! machinery, checkpoints and model files.

pub mod bert;
pub mod fused;
pub mod model;
pub mod pieces;
pub mod settings;
pub mod train;

pub use model::EncoderModel;
pub use settings::{EncoderSettings, Pooling};
pub use train::train_encoder;
