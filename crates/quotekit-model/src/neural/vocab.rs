//! The subword vocabulary of the neural tagger: a WordPiece model trained on
//! the training texts with the `tokenizers` crate's own trainer, saved as
//! `tokenizer.json` beside the model and loaded back for inference. Words (the
//! dataset crate's tokens) are split into pieces one at a time, so every word
//! keeps its character offsets.

use crate::error::ModelError;
use std::path::Path;
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::models::TrainerWrapper;
use tokenizers::normalizers::{Lowercase, Sequence as NormalizerSequence, StripAccents, NFD};
use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
use tokenizers::{AddedToken, Model, Tokenizer};

/// Unknown-piece token.
pub const UNK: &str = "[UNK]";
/// Padding token.
pub const PAD: &str = "[PAD]";

/// A trained WordPiece vocabulary.
#[derive(Clone)]
pub struct Vocabulary {
    tokenizer: Tokenizer,
    unk: u32,
    pad: u32,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("size", &self.size())
            .finish()
    }
}

fn tokenizer_error(e: impl std::fmt::Display) -> ModelError {
    ModelError::Training(format!("vocabulary: {e}"))
}

impl Vocabulary {
    /// Trains a WordPiece vocabulary of at most `size` pieces on `texts`.
    pub fn train<'a>(
        texts: impl Iterator<Item = &'a str> + Send,
        size: usize,
    ) -> Result<Self, ModelError> {
        let mut tokenizer = Tokenizer::new(
            WordPiece::builder()
                .unk_token(UNK.into())
                .build()
                .map_err(tokenizer_error)?,
        );
        tokenizer
            .with_normalizer(Some(NormalizerSequence::new(vec![
                NFD.into(),
                Lowercase.into(),
                StripAccents.into(),
            ])))
            .map_err(tokenizer_error)?;
        tokenizer.with_pre_tokenizer(Some(WhitespaceSplit));
        let mut trainer: TrainerWrapper = WordPieceTrainer::builder()
            .vocab_size(size)
            .show_progress(false)
            .special_tokens(vec![
                AddedToken::from(PAD, true),
                AddedToken::from(UNK, true),
            ])
            .build()
            .into();
        tokenizer
            .train(&mut trainer, texts)
            .map_err(tokenizer_error)?;
        Self::from_tokenizer(tokenizer)
    }

    fn from_tokenizer(tokenizer: Tokenizer) -> Result<Self, ModelError> {
        let id = |t: &str| {
            tokenizer
                .token_to_id(t)
                .ok_or_else(|| tokenizer_error(format!("no {t} token")))
        };
        let (unk, pad) = (id(UNK)?, id(PAD)?);
        Ok(Self {
            tokenizer,
            unk,
            pad,
        })
    }

    /// Writes `tokenizer.json`.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        self.tokenizer
            .save(path, false)
            .map_err(|e| ModelError::Corrupt {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
    }

    /// Reads a `tokenizer.json` written by [`Vocabulary::save`].
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let tokenizer = Tokenizer::from_file(path).map_err(|e| ModelError::Corrupt {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::from_tokenizer(tokenizer)
    }

    /// Number of pieces, special tokens included.
    pub fn size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }

    /// Id of the padding piece.
    pub fn pad(&self) -> u32 {
        self.pad
    }

    /// Piece ids of one word (normalised as in training); `[UNK]` when it cannot be split.
    pub fn pieces(&self, word: &str) -> Vec<u32> {
        let normalized = match self.tokenizer.get_normalizer() {
            Some(n) => {
                use tokenizers::{NormalizedString, Normalizer};
                let mut s = NormalizedString::from(word);
                if n.normalize(&mut s).is_err() {
                    return vec![self.unk];
                }
                s.get().to_string()
            }
            None => word.to_string(),
        };
        match self.tokenizer.get_model().tokenize(&normalized) {
            Ok(tokens) if !tokens.is_empty() => tokens.into_iter().map(|t| t.id).collect(),
            _ => vec![self.unk],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: [&str; 4] = [
        "The mayor said the bridge would be rebuilt before spring.",
        "Officials said the rebuilding would start in spring, the mayor added.",
        "“We will rebuild,” she said. Builders say spring is early.",
        "Saying so, the mayor smiled; builders rebuilt the bridge.",
    ];

    #[test]
    fn trains_splits_saves_and_loads() {
        let vocab = Vocabulary::train(TEXTS.iter().copied(), 120).unwrap();
        assert!(vocab.size() <= 120 && vocab.size() > 20, "{}", vocab.size());
        let said = vocab.pieces("Said");
        assert!(!said.is_empty());
        assert_eq!(
            said,
            vocab.pieces("said"),
            "lower-cased like the training texts"
        );
        let long = vocab.pieces("rebuildings");
        assert!(
            long.len() > 1,
            "an unseen word splits into pieces: {long:?}"
        );
        assert_ne!(vocab.pieces("Ω"), Vec::<u32>::new());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        vocab.save(&path).unwrap();
        let back = Vocabulary::load(&path).unwrap();
        for word in ["mayor", "rebuildings", "spring", "zebra"] {
            assert_eq!(back.pieces(word), vocab.pieces(word));
        }
        assert_eq!(back.pad(), vocab.pad());
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{").unwrap();
        assert!(matches!(
            Vocabulary::load(&bad),
            Err(ModelError::Corrupt { .. })
        ));
    }
}
