//! Building blocks of the neural tagger (issue 4, in progress): a CRF output
//! layer on candle tensors and a WordPiece vocabulary trained with the
//! `tokenizers` crate. The encoder, trainer and model files come next; nothing
//! here is wired into `quotekit train` yet.

pub mod crf_layer;
pub mod vocab;
