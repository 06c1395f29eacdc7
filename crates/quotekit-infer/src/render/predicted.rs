//! What the pages show of a prediction: the document, its spans'
//! confidences and its quotes' canonical speakers, or the error that stood
//! in for it.

use quotekit_data::Document;

/// A document as predicted, or why there is no prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The document's id (`line N` for an error record without one).
    pub id: String,
    /// What was predicted, or the error record's message.
    pub content: Result<Predicted, String>,
}

impl View {
    /// The view of a document as read (see [`Predicted::from_document`]).
    pub fn of_document(document: Document) -> Self {
        View {
            id: document.id.clone(),
            content: Ok(Predicted::from_document(document)),
        }
    }
}

/// A predicted document with what `predict` says besides its spans.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicted {
    /// Spans and attributions (Source spans carry their canonical name).
    pub document: Document,
    /// Confidence of each span, in the order of `document.spans`.
    pub confidences: Vec<Option<f64>>,
    /// The canonical speaker name of each attribution.
    pub speaker_names: Vec<Option<String>>,
}

impl Predicted {
    /// A document without confidences; each quote's speaker name is its
    /// Source span's name.
    pub fn from_document(document: Document) -> Self {
        let speaker_names = document.speaker_names();
        Predicted {
            confidences: vec![None; document.spans.len()],
            document,
            speaker_names,
        }
    }
}
