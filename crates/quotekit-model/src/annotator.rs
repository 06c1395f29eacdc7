//! The tagging pipeline: tokenize → emission scores (any
//! [`SequenceTagger`]) → Viterbi → spans → linking. [`Annotator`] is what
//! `quotekit predict` and the inference crate run, whatever the model kind.

use crate::decode::decode_sequences;
use crate::linking::{link, speaker_name};
use crate::tagger::SequenceTagger;
use quotekit_data::tags::decode_ranges;
use quotekit_data::{Attribution, CharSpan, Document, Span, Tag, TagSet, Tokenized, Tokenizer};

/// A document as the model sees it.
#[derive(Debug, Clone)]
pub struct Annotation {
    /// The input text with predicted spans (`T1`, …) and attributions (`E1`, …).
    pub document: Document,
    /// For each attribution, the nearest name for its source (itself, or the
    /// name a pronoun refers back to), when one is found.
    pub speaker_names: Vec<Option<String>>,
    /// Number of tokens tagged.
    pub tokens: usize,
    /// Per span (same order as `document.spans`): the mean marginal probability
    /// of its predicted tags; empty unless asked for ([`Annotator::annotate_scored`]).
    pub confidences: Vec<f64>,
}

/// A trained model ready to annotate documents.
#[derive(Debug)]
pub struct Annotator {
    /// Tokenizer.
    pub tokenizer: Tokenizer,
    /// The model.
    pub tagger: Box<dyn SequenceTagger>,
    /// Tag set.
    pub tags: TagSet,
    /// Subtracted from every `O` score when decoding (see [`decode_sequences`]).
    pub outside_penalty: f64,
}

impl Annotator {
    /// An annotator with the dataset tokenizer.
    pub fn new(tagger: Box<dyn SequenceTagger>, tags: TagSet, outside_penalty: f64) -> Self {
        Self {
            tokenizer: Tokenizer::new(),
            tagger,
            tags,
            outside_penalty,
        }
    }

    /// The model as its concrete type, when it is a `T`
    /// (e.g. [`crate::crf::tagger::CrfTagger`]).
    pub fn tagger_as<T: SequenceTagger>(&self) -> Option<&T> {
        self.tagger.downcast_ref()
    }

    /// Like [`Annotator::tagger_as`], mutably (to change inference settings).
    pub fn tagger_as_mut<T: SequenceTagger>(&mut self) -> Option<&mut T> {
        self.tagger.downcast_mut()
    }

    /// Tags the tokens of a document; with `marginals`, also each token's
    /// probability of its tag.
    ///
    /// # Panics
    /// If a network's forward pass fails, which its shapes (checked when the
    /// model was built or loaded) rule out.
    pub fn tag_scored(
        &self,
        doc: &Document,
        tok: &Tokenized,
        marginals: bool,
    ) -> (Vec<Tag>, Vec<f64>) {
        let scored = self
            .tagger
            .emissions(doc, tok)
            .expect("the model's shapes were checked when it was loaded");
        decode_sequences(
            self.tagger.chain(),
            scored,
            tok.tokens.len(),
            &self.tags,
            self.outside_penalty,
            marginals,
        )
    }

    /// Tags the tokens of a document.
    pub fn tag(&self, doc: &Document, tok: &Tokenized) -> Vec<Tag> {
        self.tag_scored(doc, tok, false).0
    }

    /// Tags, decodes and links one document.
    pub fn annotate(&self, doc: &Document) -> Annotation {
        let tok = self.tokenizer.tokenize(doc);
        let tags = self.tag(doc, &tok);
        build_annotation(doc, &tok, &tags)
    }

    /// Like [`Annotator::annotate`], with a confidence for every span.
    pub fn annotate_scored(&self, doc: &Document) -> Annotation {
        let tok = self.tokenizer.tokenize(doc);
        let (tags, probabilities) = self.tag_scored(doc, &tok, true);
        let mut annotation = build_annotation(doc, &tok, &tags);
        annotation.confidences = decode_ranges(&tags)
            .into_iter()
            .map(|(_, r)| r.clone().map(|i| probabilities[i]).sum::<f64>() / r.len() as f64)
            .collect();
        annotation
    }
}

/// Turns token tags into spans and linked attributions.
pub fn build_annotation(doc: &Document, tok: &Tokenized, tags: &[Tag]) -> Annotation {
    let chunks = decode_ranges(tags);
    let mut out = Document::new(doc.id.clone(), doc.text());
    out.spans = chunks
        .iter()
        .enumerate()
        .map(|(k, (role, range))| Span {
            id: format!("T{}", k + 1),
            role: *role,
            fragments: vec![CharSpan::new(
                tok.tokens[range.start].span.start,
                tok.tokens[range.end - 1].span.end,
            )],
            name: None,
        })
        .collect();
    let mut speaker_names = Vec::new();
    for (k, l) in link(tok, &chunks).into_iter().enumerate() {
        speaker_names.push(
            l.source
                .and_then(|s| speaker_name(doc.text(), tok, &chunks, s)),
        );
        out.attributions.push(Attribution {
            id: format!("E{}", k + 1),
            source: l.source.map(|s| out.spans[s].id.clone()),
            cue: l.cue.map(|c| out.spans[c].id.clone()),
            content: l
                .contents
                .iter()
                .map(|&c| out.spans[c].id.clone())
                .collect(),
        });
    }
    Annotation {
        document: out,
        speaker_names,
        tokens: tok.tokens.len(),
        confidences: Vec::new(),
    }
}
