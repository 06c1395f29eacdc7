//! The tagging pipeline: tokenize → emission scores (any
//! [`SequenceTagger`]) → Viterbi → spans → linking. [`Annotator`] is what
//! `quotekit predict` and the inference crate run, whatever the model kind;
//! a transcript's turns and a vox-pop's sign-offs are made from the layout
//! ([`crate::layout`]). The file runs a little over 500 lines with its
//! tests, which check the speakers, spans and confidences that one
//! document's annotation puts together.

use crate::decode::decode_sequences;
use crate::ensemble::Ensemble;
use crate::layout::{with_layout, Layout};
use crate::speakers::entities::compatible;
use crate::speakers::{Resolution, SpeakerResolver};
use crate::tagger::SequenceTagger;
use quotekit_data::tags::decode_ranges;
use quotekit_data::{
    Attribution, CharSpan, Document, Role, Span, Tag, TagSet, Tokenized, Tokenizer, NO_NAME,
};
use std::ops::Range;

/// A document as the model sees it.
#[derive(Debug, Clone)]
pub struct Annotation {
    /// The input text with predicted spans (`T1`, …) and attributions (`E1`, …).
    pub document: Document,
    /// For each attribution, the canonical name of its speaker (`Hillary
    /// Clinton` for `she`, `Ms Clinton` or `the former secretary of state`),
    /// or `None` when it has no source or the source names no one.
    pub speaker_names: Vec<Option<String>>,
    /// For each attribution, its speaker's index in `speakers`.
    pub speaker_ids: Vec<Option<usize>>,
    /// The people and organizations quoted, in order of their first quote.
    pub speakers: Vec<Speaker>,
    /// Number of tokens tagged.
    pub tokens: usize,
    /// Per span (same order as `document.spans`): the mean marginal probability
    /// of its predicted tags, or 1 for a span that the layout made (a
    /// transcript's turn, a sign-off: [`crate::layout`]), which no tag
    /// decided; empty unless asked for ([`Annotator::annotate_scored`]).
    pub confidences: Vec<f64>,
}

/// A person or organization a document quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    /// Its id within the document (`S1`, `S2`, … in order of first quote).
    pub id: String,
    /// Its canonical name.
    pub name: String,
    /// Where the document mentions it: its names and the Source spans
    /// resolved to it, in text order.
    pub mentions: Vec<CharSpan>,
    /// The attributions it is the speaker of (indices into `document.attributions`).
    pub quotes: Vec<usize>,
}

/// A trained model ready to annotate documents.
#[derive(Debug)]
pub struct Annotator {
    /// Tokenizer.
    pub tokenizer: Tokenizer,
    /// The model.
    pub tagger: Box<dyn SequenceTagger>,
    /// Tag set: the one the tagger was trained with (the model file's);
    /// another one's tag indices do not fit the tagger's scores, and
    /// annotating panics.
    pub tags: TagSet,
    /// Subtracted from every `O` score when decoding (see [`decode_sequences`]).
    /// A finite number: a NaN makes every score and confidence NaN (`quotekit
    /// predict --outside-penalty` refuses one).
    pub outside_penalty: f64,
    /// Names the speakers of Source spans.
    pub resolver: SpeakerResolver,
    /// The file `resolver` was read from (`None`: the built-in one).
    pub resolver_file: Option<std::path::PathBuf>,
    /// Whether to name speakers (true unless turned off): without, every
    /// speaker name is none and no speakers are listed, in less time.
    pub name_speakers: bool,
}

impl Annotator {
    /// An annotator with the dataset tokenizer.
    pub fn new(tagger: Box<dyn SequenceTagger>, tags: TagSet, outside_penalty: f64) -> Self {
        Self {
            tokenizer: Tokenizer::new(),
            tagger,
            tags,
            outside_penalty,
            resolver: SpeakerResolver::builtin(),
            resolver_file: None,
            name_speakers: true,
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

    /// The taggers of the model that are `T`s: the model itself, or those
    /// members of an ensemble (to change a setting only one kind has).
    pub fn taggers_as_mut<T: SequenceTagger>(&mut self) -> Vec<&mut T> {
        if self.tagger.downcast_ref::<T>().is_some() {
            return self.tagger.downcast_mut::<T>().into_iter().collect();
        }
        match self.tagger.downcast_mut::<Ensemble>() {
            Some(ensemble) => ensemble
                .members_mut()
                .iter_mut()
                .filter_map(|m| m.tagger.downcast_mut::<T>())
                .collect(),
            None => Vec::new(),
        }
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
        build_annotation(doc, &tok, &tags, self.speaker_resolver())
    }

    /// The resolver, when speakers are named.
    fn speaker_resolver(&self) -> Option<&SpeakerResolver> {
        self.name_speakers.then_some(&self.resolver)
    }

    /// Like [`Annotator::annotate`], with a confidence for every span.
    pub fn annotate_scored(&self, doc: &Document) -> Annotation {
        let tok = self.tokenizer.tokenize(doc);
        let (tags, probabilities) = self.tag_scored(doc, &tok, true);
        annotate_chunks(
            doc,
            &tok,
            &tags,
            Some(&probabilities),
            self.speaker_resolver(),
            true,
        )
    }
}

/// Turns token tags into spans and linked attributions, and names the
/// speakers of the Source spans with `resolver` (none without one). The
/// turns of a transcript (`PENCE: …` paragraphs) and the sign-offs of a
/// vox-pop (`“…” ― Krystal Correa`) are made from the layout in place of the
/// tags' spans there ([`with_layout`]).
///
/// # Panics
///
/// If `tok` is not `doc`'s tokenization or there are more tags than tokens
/// (as [`Annotator::annotate`] makes them, they fit).
pub fn build_annotation(
    doc: &Document,
    tok: &Tokenized,
    tags: &[Tag],
    resolver: Option<&SpeakerResolver>,
) -> Annotation {
    annotate_chunks(doc, tok, tags, None, resolver, true)
}

/// The spans of `tags` linked into attributions, as [`build_annotation`]
/// makes them without a resolver, but with none made from the layout: the
/// spans are the tags' alone (the linker on gold spans, `eval --link-gold`).
pub(crate) fn link_tagged(doc: &Document, tok: &Tokenized, tags: &[Tag]) -> Annotation {
    annotate_chunks(doc, tok, tags, None, None, false)
}

/// [`build_annotation`], with each span's confidence where `probabilities`
/// (per token, of its tag) are given: the mean over its tokens, or 1 for
/// the spans that the layout makes ([`with_layout`], with `layout`).
fn annotate_chunks(
    doc: &Document,
    tok: &Tokenized,
    tags: &[Tag],
    probabilities: Option<&[f64]>,
    resolver: Option<&SpeakerResolver>,
    layout: bool,
) -> Annotation {
    let mut chunks = decode_ranges(tags);
    let laid = if layout {
        with_layout(doc.text(), tok, &mut chunks)
    } else {
        Layout::untouched(chunks.len())
    };
    let confidences = probabilities.map_or_else(Vec::new, |p| {
        chunks
            .iter()
            .zip(&laid.made)
            .map(|((_, r), &made)| {
                if made {
                    1.0
                } else {
                    r.clone().map(|i| p[i]).sum::<f64>() / r.len() as f64
                }
            })
            .collect()
    });
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
    // Every Source span is resolved, in text order, linked or not.
    let sources: Vec<usize> = (0..chunks.len())
        .filter(|&k| chunks[k].0 == Role::Source)
        .collect();
    let ranges: Vec<_> = sources.iter().map(|&k| chunks[k].1.clone()).collect();
    let resolution = match resolver {
        Some(r) if !ranges.is_empty() => r.resolve(doc, tok, &ranges),
        _ => Resolution::none(doc, ranges.len()),
    };
    let mut entity_of_chunk = vec![None; chunks.len()];
    for (i, &k) in sources.iter().enumerate() {
        entity_of_chunk[k] = resolution.entities[i];
        if resolver.is_some() {
            out.spans[k].name = Some(resolution.name(i).unwrap_or_else(|| NO_NAME.to_string()));
        }
    }
    let links = laid.link(doc.text(), tok, &chunks);
    // Speakers: entities with a name that some attribution's source resolves to.
    let mut speakers: Vec<Speaker> = Vec::new();
    let mut speaker_of_entity: Vec<Option<usize>> = vec![None; resolution.names.entities.len()];
    let mut speaker_names = Vec::with_capacity(links.len());
    let mut speaker_ids = Vec::with_capacity(links.len());
    for (k, l) in links.iter().enumerate() {
        let entity = l.source.and_then(|s| entity_of_chunk[s]);
        let name = entity.and_then(|e| resolution.names.entities[e].canonical());
        let id = match (entity, &name) {
            (Some(e), Some(name)) => {
                let sp = *speaker_of_entity[e].get_or_insert_with(|| {
                    speakers.push(Speaker {
                        id: format!("S{}", speakers.len() + 1),
                        name: name.clone(),
                        mentions: Vec::new(),
                        quotes: Vec::new(),
                    });
                    speakers.len() - 1
                });
                speakers[sp].quotes.push(k);
                Some(sp)
            }
            _ => None,
        };
        speaker_names.push(name);
        speaker_ids.push(id);
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
    // Per speaker, the Source spans resolved to it (one pass: a document
    // with many speakers and many spans would otherwise take their product).
    let mut spans_of_speaker: Vec<Vec<CharSpan>> = vec![Vec::new(); speakers.len()];
    for &k in &sources {
        if let Some(sp) = entity_of_chunk[k].and_then(|e| speaker_of_entity[e]) {
            spans_of_speaker[sp].push(out.spans[k].fragments[0]);
        }
    }
    let claimed = claimed_mentions(&resolution, &ranges);
    for (e, sp) in speaker_of_entity.iter().enumerate() {
        let Some(sp) = *sp else { continue };
        let names = &resolution.names;
        let mut mentions: Vec<CharSpan> = names.entities[e]
            .mentions
            .iter()
            .filter(|&&m| !claimed[m])
            .map(|&m| {
                let t = &names.mentions[m].tokens;
                CharSpan::new(
                    tok.tokens[t.start].span.start,
                    tok.tokens[t.end - 1].span.end,
                )
            })
            .chain(std::mem::take(&mut spans_of_speaker[sp]))
            .collect();
        mentions.sort_by_key(|c| (c.start, c.end));
        mentions.dedup();
        speakers[sp].mentions = mentions;
    }
    Annotation {
        document: out,
        speaker_names,
        speaker_ids,
        speakers,
        tokens: tok.tokens.len(),
        confidences,
    }
}

/// The name mentions that a Source span resolved to another entity has
/// taken from the entity they were grouped with: a mention inside the span
/// whose name fits the span's entity. A bare `Obama` grouped with Michelle
/// Obama, named before it, but whose span the resolver gave to Barack Obama,
/// is his mention only, so no mention is listed under two speakers. (A name
/// that does not fit, `Michelle Obama` in `Michelle Obama's aide Jo Ames`,
/// stays with its own entity, and so does a possessive one, `Mr. Obama's`
/// in `Mr. Obama's wife Michelle Obama`.)
fn claimed_mentions(resolution: &Resolution, sources: &[Range<usize>]) -> Vec<bool> {
    let names = &resolution.names;
    let mut claimed = vec![false; names.mentions.len()];
    for (span, entity) in sources.iter().zip(&resolution.entities) {
        let Some(e) = *entity else { continue };
        // Mentions are in text order: those that begin inside the span.
        let first = names
            .mentions
            .partition_point(|m| m.tokens.start < span.start);
        let inside = names.mentions[first..]
            .iter()
            .zip(first..)
            .take_while(|(mention, _)| mention.tokens.start < span.end);
        for (mention, m) in inside {
            claimed[m] |= mention.tokens.end <= span.end
                && !mention.possessive
                && names.entity_of[m].is_some_and(|own| own != e)
                && compatible(&mention.keys, &names.entities[e].keys);
        }
    }
    claimed
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{encode, TagScheme};

    /// The characters of `s`, found at byte `byte` of `text`.
    fn at(text: &str, byte: usize, s: &str) -> CharSpan {
        let chars = |byte: usize| text[..byte].chars().count();
        CharSpan::new(chars(byte), chars(byte + s.len()))
    }

    /// `text` annotated with gold spans, its speakers named by the built-in
    /// resolver: per quote, its content (found by its text), its source and,
    /// as its cue, the next `said` of the text.
    fn annotated(text: &str, quotes: &[(&str, CharSpan)]) -> Annotation {
        let said = text.match_indices("said").map(|(b, s)| at(text, b, s));
        let mut fragments = Vec::new();
        for ((content, source), cue) in quotes.iter().zip(said) {
            fragments.push((
                Role::Content,
                at(text, text.find(content).unwrap(), content),
            ));
            fragments.push((Role::Source, *source));
            fragments.push((Role::Cue, cue));
        }
        let doc = Document::new("obamas", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let tags = encode(&tok, &fragments, TagScheme::Bio).tags;
        build_annotation(&doc, &tok, &tags, Some(&SpeakerResolver::builtin()))
    }

    /// A transcript tagged as quotations (each turn one Content, as a
    /// tagger tags `"PENCE: …`) comes out as attributions of its labels,
    /// named; the layout's spans have confidence 1, the tagger's span before
    /// them keeps its tags' mean; the linker on the tags alone keeps the
    /// tags' spans.
    #[test]
    fn a_transcripts_turns_are_attributed_to_their_labels() {
        let text = "Gov. Mike Pence spoke to Chris Wallace on Sunday.\n\n\
                    \"WALLACE: Will she be there?\n\n\
                    \"PENCE: She will not.\n\n\
                    \"WALLACE: Why not?";
        let doc = Document::new("transcript", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let turns: Vec<CharSpan> = text
            .match_indices('\n')
            .filter(|(b, _)| text[b + 1..].starts_with('"'))
            .map(|(b, _)| {
                let end = text[b + 1..].find('\n').map_or(text.len(), |e| b + 1 + e);
                at(text, b + 1, &text[b + 1..end])
            })
            .collect();
        let mut fragments: Vec<_> = turns.iter().map(|&c| (Role::Content, c)).collect();
        // And a span of the tagger's before the transcript.
        fragments.push((Role::Source, at(text, 0, "Gov. Mike Pence")));
        let tags = encode(&tok, &fragments, TagScheme::Bio).tags;
        let probabilities = vec![0.5; tok.tokens.len()];
        let a = annotate_chunks(
            &doc,
            &tok,
            &tags,
            Some(&probabilities),
            Some(&SpeakerResolver::builtin()),
            true,
        );
        let names: Vec<_> = a.speaker_names.iter().map(|n| n.as_deref()).collect();
        assert_eq!(
            names,
            [
                Some("Chris Wallace"),
                Some("Mike Pence"),
                Some("Chris Wallace")
            ]
        );
        let first = &a.document.attributions[0];
        let index = a.document.char_index();
        let span = |id: &Option<String>| {
            let s = id.as_deref().and_then(|id| a.document.span(id));
            s.and_then(|s| a.document.span_text(&index, s))
        };
        assert_eq!(span(&first.source).as_deref(), Some("WALLACE"));
        assert_eq!(span(&first.cue).as_deref(), Some(":"));
        assert_eq!(
            span(&first.content.first().cloned()).as_deref(),
            Some("Will she be there?")
        );
        // The tagger's span keeps its tags' mean, the layout's have 1.
        assert_eq!(a.confidences.len(), 10);
        assert_eq!(a.confidences[0], 0.5, "{:?}", a.confidences);
        assert!(
            a.confidences[1..].iter().all(|&c| c == 1.0),
            "{:?}",
            a.confidences
        );
        // Without the layout, every span is the tags'.
        let plain = annotate_chunks(&doc, &tok, &tags, Some(&probabilities), None, false);
        assert_eq!(plain.document.spans.len(), 4);
        assert!(plain.confidences.iter().all(|&c| c == 0.5));
        assert_eq!(link_tagged(&doc, &tok, &tags).document.spans.len(), 4);
    }

    /// Two people share a surname; the bare `Obama` at the end is grouped
    /// with Michelle Obama (named just before it), while the resolver gives
    /// its Source span to Barack Obama. The speakers list names every
    /// mention under one speaker only, the span under its quote's speaker.
    #[test]
    fn a_mention_is_listed_under_one_speaker_only() {
        let text = "President Barack Obama spoke on Monday. “We will act,” Mr. Obama said.\n\n\
                    First lady Michelle Obama also spoke. “We care,” she said.\n\n\
                    “It is done,” Obama said later.";
        let find = |s: &str| at(text, text.find(s).unwrap(), s);
        let last = |s: &str| at(text, text.rfind(s).unwrap(), s);
        let a = annotated(
            text,
            &[
                ("“We will act,”", find("Mr. Obama")),
                ("“We care,”", find("she")),
                ("“It is done,”", last("Obama")),
            ],
        );
        let names: Vec<_> = a.speaker_names.iter().map(|n| n.as_deref()).collect();
        assert_eq!(
            names,
            [
                Some("Barack Obama"),
                Some("Michelle Obama"),
                Some("Barack Obama")
            ]
        );
        let mut owners = std::collections::HashMap::new();
        for s in &a.speakers {
            for m in &s.mentions {
                assert!(
                    owners.insert(*m, &s.name).is_none(),
                    "{m:?} twice: {:?}",
                    a.speakers
                );
            }
        }
        assert_eq!(owners[&last("Obama")], "Barack Obama", "{:?}", a.speakers);
        assert_eq!(owners[&find("Michelle Obama")], "Michelle Obama");
    }

    /// A possessive name inside a span resolved to someone else stays its
    /// own entity's: `Mr. Obama’s` in `Mr. Obama’s wife Michelle Obama`.
    #[test]
    fn a_possessive_name_in_anothers_span_stays_its_own() {
        let text = "President Barack Obama spoke. “We act,” Mr. Obama said.\n\n\
                    “We care,” Mr. Obama’s wife Michelle Obama said.";
        let find = |s: &str| at(text, text.find(s).unwrap(), s);
        let a = annotated(
            text,
            &[
                ("“We act,”", find("Mr. Obama")),
                ("“We care,”", find("Mr. Obama’s wife Michelle Obama")),
            ],
        );
        let names: Vec<_> = a.speaker_names.iter().map(|n| n.as_deref()).collect();
        assert_eq!(names, [Some("Barack Obama"), Some("Michelle Obama")]);
        let barack = a
            .speakers
            .iter()
            .find(|s| s.name == "Barack Obama")
            .unwrap();
        let possessive = find("Mr. Obama’s");
        assert!(
            barack.mentions.iter().any(|m| m.start == possessive.start),
            "{:?}",
            a.speakers
        );
    }
}
