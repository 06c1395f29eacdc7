//! The tagging pipeline: tokenize → emission scores (CRF features or the
//! neural encoder) → Viterbi → spans → linking.
//! [`Annotator`] is what `quotekit predict` and the inference crate run.

use crate::config::SequenceUnit;
use crate::crf::{CrfModel, Weights};
use crate::features::{DocumentFeatures, FeatureExtractor};
use crate::linking::{link, speaker_name};
use crate::neural::model::NeuralModel;
use quotekit_data::tags::decode_ranges;
use quotekit_data::{Attribution, CharSpan, Document, Span, Tag, TagSet, Tokenized, Tokenizer};
use std::ops::Range;

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

/// Cuts a tokenized document into CRF sequences.
pub fn sequences(tok: &Tokenized, unit: SequenceUnit) -> Vec<Range<usize>> {
    match unit {
        SequenceUnit::Document if tok.tokens.is_empty() => Vec::new(),
        SequenceUnit::Document => std::iter::once(0..tok.tokens.len()).collect(),
        SequenceUnit::Paragraph => tok.paragraphs.clone(),
    }
}

/// Tags every token of a document with the given weights. `outside_penalty` is
/// subtracted from every `O` score: above zero it trades precision for recall.
pub fn tag_document<T: Copy + Into<f64>>(
    weights: &Weights<'_, T>,
    features: &DocumentFeatures,
    tok: &Tokenized,
    unit: SequenceUnit,
    tags: &TagSet,
    outside_penalty: f64,
) -> Vec<Tag> {
    tag_with_marginals(weights, features, tok, unit, tags, outside_penalty, false).0
}

/// Like [`tag_document`]; with `marginals`, also returns each token's marginal
/// probability of its predicted tag (from forward–backward).
pub fn tag_with_marginals<T: Copy + Into<f64>>(
    weights: &Weights<'_, T>,
    features: &DocumentFeatures,
    tok: &Tokenized,
    unit: SequenceUnit,
    tags: &TagSet,
    outside_penalty: f64,
    marginals: bool,
) -> (Vec<Tag>, Vec<f64>) {
    let scored = sequences(tok, unit)
        .into_iter()
        .map(|r| (r.clone(), weights.emissions(features, r)))
        .collect();
    decode_sequences(
        weights,
        scored,
        tok.tokens.len(),
        tags,
        outside_penalty,
        marginals,
    )
}

/// Decodes scored sequences (token range, emissions `[i * labels + y]`) of a
/// document of `n` tokens with the transition scores of `weights` (Viterbi);
/// with `marginals`, also each token's marginal probability of its tag.
/// Tokens outside every sequence are `O`. Shared by the CRF and neural taggers.
pub fn decode_sequences<T: Copy + Into<f64>>(
    weights: &Weights<'_, T>,
    scored: Vec<(Range<usize>, Vec<f64>)>,
    n: usize,
    tags: &TagSet,
    outside_penalty: f64,
    marginals: bool,
) -> (Vec<Tag>, Vec<f64>) {
    let mut out = vec![Tag::Outside; n];
    let mut probabilities = if marginals { vec![1.0; n] } else { Vec::new() };
    let outside = tags.index(Tag::Outside).expect("every tag set has O");
    let l = tags.len();
    for (range, mut emissions) in scored {
        if outside_penalty != 0.0 {
            for row in emissions.chunks_exact_mut(l) {
                row[outside] -= outside_penalty;
            }
        }
        let path = weights.viterbi(&emissions);
        if marginals {
            let m = weights.forward_backward(&emissions);
            for (k, &y) in path.iter().enumerate() {
                probabilities[range.start + k] = m.nodes[k * l + y];
            }
        }
        for (k, y) in path.into_iter().enumerate() {
            out[range.start + k] = tags.tags()[y];
        }
    }
    (out, probabilities)
}

/// The model inside an [`Annotator`].
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per annotator; the size does not matter
pub enum Tagger {
    /// Linear-chain CRF over hashed features.
    Crf {
        /// Feature extractor (templates and lexicon from the model file).
        extractor: FeatureExtractor,
        /// CRF weights.
        model: CrfModel,
        /// Sequence unit used in training.
        unit: SequenceUnit,
    },
    /// Neural encoder with a CRF output layer.
    Neural(Box<NeuralModel>),
    /// Pretrained BERT-family encoder with a CRF output layer.
    Encoder(Box<crate::pretrained::EncoderModel>),
}

/// A trained model ready to annotate documents.
#[derive(Debug)]
pub struct Annotator {
    /// Tokenizer.
    pub tokenizer: Tokenizer,
    /// The model.
    pub tagger: Tagger,
    /// Tag set.
    pub tags: TagSet,
    /// Subtracted from every `O` score when decoding (see [`tag_document`]).
    pub outside_penalty: f64,
}

impl Annotator {
    /// The CRF's feature extractor and weights, when the model is a CRF.
    pub fn crf(&self) -> Option<(&FeatureExtractor, &CrfModel)> {
        match &self.tagger {
            Tagger::Crf {
                extractor, model, ..
            } => Some((extractor, model)),
            Tagger::Neural(_) | Tagger::Encoder(_) => None,
        }
    }

    /// Tags the tokens of a document; with `marginals`, also each token's
    /// probability of its tag.
    ///
    /// # Panics
    /// If the neural network's forward pass fails, which its shapes (checked
    /// when the model was built or loaded) rule out.
    pub fn tag_scored(
        &self,
        doc: &Document,
        tok: &Tokenized,
        marginals: bool,
    ) -> (Vec<Tag>, Vec<f64>) {
        match &self.tagger {
            Tagger::Crf {
                extractor,
                model,
                unit,
            } => {
                let features = extractor.extract(doc, tok);
                tag_with_marginals(
                    &model.weights(),
                    &features,
                    tok,
                    *unit,
                    &self.tags,
                    self.outside_penalty,
                    marginals,
                )
            }
            Tagger::Neural(model) => {
                let scored = model
                    .window_emissions(doc, tok)
                    .expect("the network's shapes were checked when it was loaded");
                decode_sequences(
                    &model.weights(),
                    scored,
                    tok.tokens.len(),
                    &self.tags,
                    self.outside_penalty,
                    marginals,
                )
            }
            Tagger::Encoder(model) => {
                let n = tok.tokens.len();
                let scores = model
                    .emissions(doc, tok)
                    .expect("the network's shapes were checked when it was loaded");
                let scored = if n == 0 {
                    Vec::new()
                } else {
                    vec![(0..n, scores)]
                };
                decode_sequences(
                    &model.weights(),
                    scored,
                    n,
                    &self.tags,
                    self.outside_penalty,
                    marginals,
                )
            }
        }
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
