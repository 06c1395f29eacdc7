//! The subword vocabulary of the neural tagger: a byte-pair-encoding model
//! trained on the training texts with the `tokenizers` crate's own trainer
//! (BPE rather than WordPiece: without WordPiece's `##` continuation pieces the
//! trainer numbers pieces in a fixed order, so the same texts always give the
//! same vocabulary and the same model), saved as
//! `tokenizer.json` beside the model and loaded back for inference. Words (the
//! dataset crate's tokens) are split into pieces one at a time, so every word
//! keeps its character offsets.

use crate::error::ModelError;
use std::path::Path;
use tokenizers::models::bpe::{BpeTrainer, BPE};
use tokenizers::models::TrainerWrapper;
use tokenizers::normalizers::{Lowercase, Sequence as NormalizerSequence, StripAccents, NFD};
use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
use tokenizers::{AddedToken, Model, Tokenizer};

/// Unknown-piece token.
pub const UNK: &str = "[UNK]";
/// Padding token.
pub const PAD: &str = "[PAD]";

/// A trained subword vocabulary.
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
    /// Trains a BPE vocabulary of at most `size` pieces on `texts`.
    pub fn train<'a>(
        texts: impl Iterator<Item = &'a str> + Send,
        size: usize,
    ) -> Result<Self, ModelError> {
        let mut tokenizer = Tokenizer::new(
            BPE::builder()
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
        let mut trainer: TrainerWrapper = BpeTrainer::builder()
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

    /// The `tokenizer.json` text.
    pub fn to_json(&self) -> String {
        self.tokenizer
            .to_string(false)
            .expect("a trained tokenizer serialises")
    }

    /// Parses `tokenizer.json` text; `path` names it in errors.
    pub fn from_json(json: &str, path: &Path) -> Result<Self, ModelError> {
        let corrupt = |reason: String| ModelError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let tokenizer: Tokenizer = json.parse().map_err(|e| corrupt(format!("{e}")))?;
        Self::from_tokenizer(tokenizer).map_err(|e| corrupt(e.to_string()))
    }

    /// Writes `tokenizer.json` (complete or not at all).
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        crate::io::write_atomically(path, self.to_json().as_bytes())
    }

    /// Reads a `tokenizer.json` written by [`Vocabulary::save`].
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let json = std::fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
        Self::from_json(&json, path)
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
        for _ in 0..5 {
            let again = Vocabulary::train(TEXTS.iter().copied(), 120).unwrap();
            assert_eq!(again.to_json(), vocab.to_json(), "same texts, same ids");
        }
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{").unwrap();
        assert!(matches!(
            Vocabulary::load(&bad),
            Err(ModelError::Corrupt { .. })
        ));
    }
}
