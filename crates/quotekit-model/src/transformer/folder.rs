//! An encoder folder (`config.json`, `tokenizer.json`, `model.safetensors`)
//! read and checked before its weights are: the files are there, and the
//! tokenizer has no piece the encoder has no embedding for.

use crate::error::ModelError;
use crate::header::TOKENIZER_FILE;
use crate::transformer::bert_config::BertConfig;
use crate::transformer::config::TransformerConfig;
use crate::transformer::model::{CONFIG_FILE, WEIGHTS_FILE};
use crate::transformer::pieces::PieceTokenizer;
use std::path::PathBuf;

/// What an encoder folder holds besides its weights, read and checked.
pub(crate) struct EncoderFolder {
    /// `config.json` as text.
    pub json: String,
    /// Where `config.json` is.
    pub config_path: PathBuf,
    /// The encoder's settings.
    pub bert_config: BertConfig,
    /// Its tokenizer.
    pub tokenizer: PieceTokenizer,
}

impl EncoderFolder {
    /// Reads `config.path`'s `config.json` and `tokenizer.json` (its
    /// `model.safetensors` must be there), refusing a tokenizer with a piece
    /// the encoder has no embedding for.
    pub fn read(config: &TransformerConfig) -> std::result::Result<Self, ModelError> {
        let dir = &config.path;
        if !dir.is_dir() {
            return Err(ModelError::config(format!(
                "transformer.path = {dir:?} is no folder; run `quotekit fetch-encoder` (see README) or point transformer.path at a BERT folder"
            )));
        }
        if !dir.join(WEIGHTS_FILE).is_file() {
            return Err(ModelError::config(format!(
                "transformer.path = {:?} holds no {WEIGHTS_FILE}; run `quotekit fetch-encoder` (see README) or point transformer.path at a BERT folder",
                dir
            )));
        }
        // (A model quotekit trained is no pretrained encoder: its own
        // weights are started from with transformer.init.)
        if let Some(format) = crate::speakers::file::quotekit_format(&dir.join(WEIGHTS_FILE)) {
            return Err(ModelError::config(format!(
                "transformer.path = {dir:?} is a model quotekit trained ({format}), not a pretrained encoder: point transformer.path at the encoder folder (`quotekit fetch-encoder`), and start from a trained transformer's weights with transformer.init (--init)"
            )));
        }
        let config_path = dir.join(CONFIG_FILE);
        let json = crate::io::read_text(&config_path)?;
        let tokenizer = PieceTokenizer::from_file(&dir.join(TOKENIZER_FILE))?;
        let bert_config = BertConfig::from_json(&json, &config_path)?;
        // (A piece the encoder has no embedding for would be trained as
        // [UNK] where the text has it.)
        if let Some((piece, id)) = tokenizer.largest_piece() {
            if id as usize >= bert_config.vocab_size {
                return Err(ModelError::Config {
                    path: Some(config_path),
                    message: format!(
                        "vocab_size is {}, but the tokenizer beside it has the piece {piece:?} of id {id}, which the encoder has no embedding for (a piece added to the tokenizer without resizing the model, or another encoder's tokenizer?); use the encoder's own tokenizer.json",
                        bert_config.vocab_size
                    ),
                });
            }
        }
        Ok(Self {
            json,
            config_path,
            bert_config,
            tokenizer,
        })
    }
}
