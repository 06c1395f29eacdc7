//! The trained CRF as a [`SequenceTagger`]: hashed features of every token,
//! emission scores per sequence (a paragraph or the whole document), and the
//! CRF's own transition scores.

use crate::config::ModelKind;
use crate::crf::config::SequenceUnit;
use crate::crf::file;
use crate::crf::model::{CrfModel, Weights};
use crate::decode::{ChainScores, Scored};
use crate::error::ModelError;
use crate::features::extractor::{DocumentFeatures, FeatureExtractor};
use crate::header::ModelHeader;
use crate::tagger::SequenceTagger;
use quotekit_data::{Document, Tokenized};
use std::ops::Range;
use std::path::Path;

/// A linear-chain CRF over hashed features, ready to tag.
#[derive(Debug)]
pub struct CrfTagger {
    /// Feature extractor (templates and lexicon from the model file).
    pub extractor: FeatureExtractor,
    /// CRF weights.
    pub model: CrfModel,
    /// Sequence unit used in training.
    pub unit: SequenceUnit,
}

impl CrfTagger {
    /// The CRF of a model file's bytes, whose header has been read.
    pub fn load(bytes: &[u8], header: &ModelHeader, path: &Path) -> Result<Self, ModelError> {
        Ok(Self {
            model: file::read(bytes, header, path)?,
            extractor: FeatureExtractor::with_lexicon(&header.config.features, header.cues()),
            unit: header.config.data.sequence,
        })
    }
}

impl SequenceTagger for CrfTagger {
    fn kind(&self) -> ModelKind {
        ModelKind::Crf
    }

    fn emissions(&self, doc: &Document, tok: &Tokenized) -> Result<Vec<Scored>, ModelError> {
        let features = self.extractor.extract(doc, tok);
        Ok(scored(&self.model.weights(), &features, tok, self.unit))
    }

    fn chain(&self) -> ChainScores<'_, f32> {
        self.model.weights().chain
    }

    fn save(&self, header: &ModelHeader, file: &Path) -> Result<(), ModelError> {
        file::write(&self.model, header, file)
    }
}

/// Cuts a tokenized document into CRF sequences.
pub fn sequences(tok: &Tokenized, unit: SequenceUnit) -> Vec<Range<usize>> {
    match unit {
        SequenceUnit::Document if tok.tokens.is_empty() => Vec::new(),
        SequenceUnit::Document => std::iter::once(0..tok.tokens.len()).collect(),
        SequenceUnit::Paragraph => tok.paragraphs.clone(),
    }
}

/// Emission scores of every sequence of a document.
pub fn scored<T: Copy + Into<f64>>(
    weights: &Weights<'_, T>,
    features: &DocumentFeatures,
    tok: &Tokenized,
    unit: SequenceUnit,
) -> Vec<Scored> {
    sequences(tok, unit)
        .into_iter()
        .map(|r| (r.clone(), weights.emissions(features, r)))
        .collect()
}
