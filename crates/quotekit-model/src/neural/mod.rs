//! Building blocks of the neural tagger (issue 4, in progress): a WordPiece
//! vocabulary trained with the `tokenizers` crate, word-level inputs and
//! batches, a candle encoder (pieces + character CNN + symbolic features +
//! dilated convolutions) and a CRF output layer. The trainer, model files and
//! CLI wiring come next; nothing here is used by `quotekit train` yet.

pub mod crf_layer;
pub mod encoder;
pub mod inputs;
pub mod train;
pub mod vocab;
