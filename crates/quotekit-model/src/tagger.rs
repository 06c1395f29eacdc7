//! The one trait every model kind implements: score the tags of a tokenized
//! document and hold the chain scores to decode them with. The
//! [`crate::annotator::Annotator`] around it decodes, builds spans and links
//! them, whatever the kind; [`crate::model_file`] loads each kind from its
//! own folder's code.

use crate::config::ModelKind;
use crate::decode::{ChainScores, Scored};
use crate::error::ModelError;
use crate::header::ModelHeader;
use quotekit_data::{Document, Tokenized};
use std::any::Any;
use std::path::Path;

/// A trained sequence tagger.
pub trait SequenceTagger: Any + std::fmt::Debug + Send + Sync {
    /// Which kind of model this is.
    fn kind(&self) -> ModelKind;

    /// Emission scores of a document: the token ranges decoded as one chain
    /// each, with scores `[i * labels + y]` (tokens in no range are `O`).
    fn emissions(&self, doc: &Document, tok: &Tokenized) -> Result<Vec<Scored>, ModelError>;

    /// Transition, start and end scores of the chain.
    fn chain(&self) -> ChainScores<'_, f32>;

    /// Writes the model: its weights with `header` to the weights file
    /// `file`, anything else it needs (a tokenizer) beside it.
    fn save(&self, header: &ModelHeader, file: &Path) -> Result<(), ModelError>;
}

impl dyn SequenceTagger {
    /// The tagger as its concrete type, when it is a `T`.
    pub fn downcast_ref<T: SequenceTagger>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref()
    }

    /// The tagger as its concrete type, mutably, when it is a `T`.
    pub fn downcast_mut<T: SequenceTagger>(&mut self) -> Option<&mut T> {
        (self as &mut dyn Any).downcast_mut()
    }
}
