//! The speaker ranker and its use on one document.
//! The file runs a little over 500 lines with its tests: the test of the
//! candidates' early stop spells out the whole walk it must agree with.

use crate::speakers::entities::{title_gender, EntityType, Names};
use crate::speakers::features::{
    agrees, entity_features, none_features, Context, FeatureSet, FewCache, History, Recency,
    SpanKeys,
};
use crate::speakers::gender::Gender;
use crate::speakers::source::Source;
use quotekit_data::{Document, Tokenized};
use std::ops::Range;

/// Candidates of a span besides no one: the entities named most recently
/// before it, and any it names itself (farther ones are almost never right,
/// and each costs features).
pub const MAX_RECENT: usize = 20;

/// Hash bits of a new resolver's weight table.
pub const DEFAULT_BITS: u32 = 16;

/// Sentences after a description's own within which an entity first named
/// there is still a candidate (features version 4 on): `the agency said`
/// before the agency is named.
pub const DESCRIPTION_AHEAD: usize = 5;

/// A trained speaker ranker: one weight per feature bucket.
#[derive(Debug)]
pub struct SpeakerResolver {
    pub(crate) bits: u32,
    /// The weights: read with [`SpeakerResolver::weights`], changed with
    /// [`SpeakerResolver::weights_mut`], which clears `few`, made from them.
    weights: Vec<f32>,
    /// The features version it was trained on (older ones keep their
    /// features: see [`crate::speakers::version::FEATURES_VERSION`]).
    pub(crate) version: u32,
    /// The weights of the few-valued features per span class, made from
    /// `weights` as the documents it resolves first ask (shared by them).
    pub(crate) few: FewCache,
}

/// (A copy makes its own tables.)
impl Clone for SpeakerResolver {
    fn clone(&self) -> Self {
        Self {
            bits: self.bits,
            weights: self.weights.clone(),
            version: self.version,
            few: FewCache::default(),
        }
    }
}

/// (Equal weights make equal tables.)
impl PartialEq for SpeakerResolver {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits && self.weights == other.weights && self.version == other.version
    }
}

/// One candidate for a span: an entity, or no one (`None`), with its features.
#[derive(Debug)]
pub struct Candidate<'w> {
    /// The entity (index into [`Names::entities`]), or `None` for no one.
    pub entity: Option<usize>,
    /// Its feature ids, or their score.
    pub features: FeatureSet<'w>,
}

/// The speakers of a document's Source spans.
#[derive(Debug, Clone)]
pub struct Resolution<'t> {
    /// The document's names and entities.
    pub names: Names<'t>,
    /// Per Source span (in the order given), its entity, if it names one.
    pub entities: Vec<Option<usize>>,
}

impl Resolution<'_> {
    /// No one resolved: `sources` spans without entities.
    pub fn none(_doc: &Document, sources: usize) -> Self {
        Self {
            names: Names::default(),
            entities: vec![None; sources],
        }
    }

    /// The canonical name of Source span `k`, if it has one.
    pub fn name(&self, k: usize) -> Option<String> {
        self.entities[k].and_then(|e| self.names.entities[e].canonical())
    }
}

/// Whether an entity is of the other gender than the `Mr.` or `Ms.` of
/// `source`, a span that is one name of a person the text names in full
/// (its own entity never is; false for every entity otherwise).
fn other_gender<'n>(source: &Source, names: &'n Names) -> impl Fn(usize) -> bool + 'n {
    let honorific = match source.inside[..] {
        [m] if source.class() == "name" => {
            match (title_gender(&names.mentions[m].titles), names.entity_of[m]) {
                (Gender::Unknown, _) | (_, None) => None,
                (g, Some(own)) => (names.entities[own].keys.len() >= 2).then_some((g, own)),
            }
        }
        _ => None,
    };
    move |e| {
        honorific.is_some_and(|(g, own)| {
            let gender = names.entities[e].gender;
            own != e && gender != Gender::Unknown && gender != g
        })
    }
}

/// The candidates of `source`: no one, then every entity that is not a group
/// and is named before the end of the sentence after the span's (for a
/// description, [`DESCRIPTION_AHEAD`] sentences after, from features
/// version 4; for `I`, also the writer), most recently named first; for a
/// name with `Mr.` or `Ms.`, none of the other gender.
pub fn candidates<'w>(
    cx: &Context<'_, 'w>,
    source: &Source,
    history: &History,
) -> Vec<Candidate<'w>> {
    candidates_among(cx, source, history, None)
}

/// The candidates the resolver ranks for `source`: those of
/// [`candidates`], except that a span that is a name and nothing more
/// (`Trump`, `the White House`; from features version 5 also a name and a
/// relative clause after a comma, `Brightline, which has 2,100 stores`,
/// whose words end before the clause) is offered only no one and the entities
/// its name can mean (its own, and those it is
/// [`compatible`](crate::speakers::entities::compatible) with). Their
/// features are those [`candidates`] gives them (the ranks among all that
/// could be offered), so the ranker's choice is the same whenever it is one
/// of them: with the built-in weights of when this was written, it was for
/// all but 11 of the 22,696 such spans of PolNeAR train (tagged and gold)
/// and for all of dev's; those spans had 37% of the candidates ranked on
/// PolNeAR dev.
pub fn offered<'w>(cx: &Context<'_, 'w>, source: &Source, history: &History) -> Vec<Candidate<'w>> {
    let whole_name = source
        .name
        .filter(|&m| source.inside.len() == 1 && source.is_name_alone(m, cx.names));
    candidates_among(cx, source, history, whole_name)
}

/// The organization that a span `it` goes on quoting: the one given the
/// source before it, when that came in the same paragraph and no other
/// organization is named between them (`The university said it was
/// reviewing footage …. It said the library would reopen`). An entity of
/// unknown type counts when no pronoun or first name gave it a gender
/// (an organization's may come from its first word: `Virginia Port
/// Authority`). An `it` after a source given no one is most often a
/// document (`The ad says …. It makes no mention`), and is left to the
/// ranker, as is one after a person.
fn continued_organization(source: &Source, history: &History, names: &Names) -> Option<usize> {
    if source.pronoun.is_none_or(|(p, _)| p != "it") {
        return None;
    }
    let organization = |e: usize| {
        let entity = &names.entities[e];
        entity.kind == EntityType::Organization
            || (entity.kind == EntityType::Unknown && entity.gender == Gender::Unknown)
    };
    let e = history
        .paragraph_last(source.paragraph)
        .filter(|&e| organization(e))?;
    let between = names
        .mentions
        .partition_point(|m| m.tokens.start < history.last_end())
        ..names
            .mentions
            .partition_point(|m| m.tokens.start < source.tokens.start);
    let other = between.into_iter().any(|m| {
        names.entity_of[m]
            .is_some_and(|o| o != e && names.entities[o].kind == EntityType::Organization)
    });
    (!other).then_some(e)
}

/// [`candidates`], or only no one and the entities that name mention
/// `named` can mean, when it is given.
fn candidates_among<'w>(
    cx: &Context<'_, 'w>,
    source: &Source,
    history: &History,
    named: Option<usize>,
) -> Vec<Candidate<'w>> {
    let names = cx.names;
    let ahead = if cx.version >= 4 && source.class() == "desc" {
        DESCRIPTION_AHEAD
    } else {
        1
    };
    let horizon = cx
        .tok
        .sentences
        .get(source.sentence + ahead)
        .or_else(|| cx.tok.sentences.last())
        .map_or(usize::MAX, |s| s.end);
    let first_person = source.first_person();
    // `Ms. Lopez` is not Carlos Lopez: a span that is a name, with `Mr.` or
    // `Ms.`, of a person the text names in full, is offered no entity of
    // the other gender (the mention's own entity is always offered). Not a
    // description (`a spokeswoman for Mr. Trump`), whose name is someone
    // else's. (Before the walk, so that its cut counts offered entities.)
    let other_gender = other_gender(source, names);
    // `A spokesman for Mayor Gordon Pell` is not Gordon Pell.
    let principal = source.principal(names);
    // `The company` is no person (nor one pronouns gave a gender).
    let organization = source.describes_organization();
    let eligible = |e: usize| {
        let entity = &names.entities[e];
        let writer = first_person && cx.writer == Some(e);
        let first = names.mentions[entity.mentions[0]].tokens.start;
        (entity.kind != EntityType::Group
            && (first < horizon || writer)
            && !other_gender(e)
            && principal != Some(e)
            && !(organization && entity.is_person_like()))
        .then_some(writer)
    };
    // (entity, writer), most recently named first: the entities of the
    // mentions that start before the span's end, from the last one back,
    // then those named only later, in entity order. (Mentions are in text
    // order and start at distinct tokens: the order is total.) The walk back
    // stops once it has met every entity named before the span's end, or
    // where no later entry could be offered: past the most recent ones, past
    // every entity the span itself names (their mentions come last before
    // its end) and past the writer, when the span is `I` and there is one
    // (ranks past the most recent ones all fall in one bucket). So a long
    // text with many speakers, or one speaker named many times, costs time
    // in proportion to its length, not to its square.
    let before_end = names
        .mentions
        .partition_point(|m| m.tokens.start < source.tokens.end);
    let first_inside = names
        .mentions
        .partition_point(|m| m.tokens.start < source.tokens.start);
    let named_before = cx.first_mentions.partition_point(|&m| m < before_end);
    let need_writer = first_person && cx.writer.is_some();
    let mut walked = cx.walked.borrow_mut();
    let (stamp, met) = &mut *walked;
    if *stamp == u32::MAX {
        met.iter_mut().for_each(|s| *s = 0);
        *stamp = 0;
    }
    *stamp += 1;
    let stamp = *stamp;
    let mut reachable: Vec<(usize, bool)> = Vec::with_capacity(MAX_RECENT + 2);
    let (mut met_count, mut writer_found, mut cut) = (0, false, false);
    for m in (0..before_end).rev() {
        if met_count == named_before {
            break;
        }
        if reachable.len() >= MAX_RECENT && m < first_inside && (writer_found || !need_writer) {
            cut = true;
            break;
        }
        let Some(e) = names.entity_of[m] else {
            continue;
        };
        if std::mem::replace(&mut met[e], stamp) != stamp {
            met_count += 1;
            if let Some(writer) = eligible(e) {
                writer_found |= writer;
                reachable.push((e, writer));
            }
        }
    }
    if !cut {
        // The walk met every entity named before the span's end: the rest
        // are those first named from there to the horizon, and the writer
        // wherever it is first named (in entity order, as a pass over all
        // of them would offer them).
        let to_horizon = names
            .mentions
            .partition_point(|m| m.tokens.start < horizon)
            .max(before_end);
        let until = cx.first_mentions.partition_point(|&m| m < to_horizon);
        let mut later: Vec<usize> = cx.first_mentions[named_before..until]
            .iter()
            .filter_map(|&m| names.entity_of[m])
            .collect();
        if let Some(w) = cx.writer.filter(|&w| first_person && met[w] != stamp) {
            if !later.contains(&w) {
                later.push(w);
            }
        }
        later.sort_unstable();
        for e in later {
            reachable.extend(eligible(e).map(|writer| (e, writer)));
        }
    }
    drop(walked);
    // (No one, the most recent ones, and a few beyond that the span names.)
    let mut out = Vec::with_capacity(reachable.len().min(MAX_RECENT + 2) + 1);
    let span = SpanKeys::new(source, names);
    out.push(Candidate {
        entity: None,
        features: none_features(&span, cx),
    });
    let mut agreeing = 0;
    for (rank, (e, writer)) in reachable.into_iter().enumerate() {
        let agrees = source
            .pronoun
            .is_none_or(|(_, class)| agrees(class, &names.entities[e]));
        if agrees {
            agreeing += 1;
        }
        if rank >= MAX_RECENT
            && !writer
            && !source.inside.iter().any(|&m| names.entity_of[m] == Some(e))
        {
            continue;
        }
        if let Some(m) = named {
            let keys = &names.mentions[m].keys;
            if names.entity_of[m] != Some(e)
                && !crate::speakers::entities::compatible(keys, &names.entities[e].keys)
            {
                continue;
            }
        }
        let recency = Recency {
            all: rank + 1,
            agreeing: agrees.then_some(agreeing),
            writer,
        };
        out.push(Candidate {
            entity: Some(e),
            features: entity_features(cx, &span, e, recency, history),
        });
    }
    out
}

impl SpeakerResolver {
    /// A resolver whose weights are all zero (it names no one until
    /// trained), of `bits` 8 to 24 (the training config's check).
    pub(crate) fn zeros(bits: u32) -> Self {
        Self::of_weights(
            bits,
            vec![0.0; 1 << bits],
            crate::speakers::version::FEATURES_VERSION,
        )
    }

    /// A resolver of `2^bits` `weights` trained on features version
    /// `version`.
    pub(crate) fn of_weights(bits: u32, weights: Vec<f32>, version: u32) -> Self {
        Self {
            bits,
            weights,
            version,
            few: FewCache::default(),
        }
    }

    /// Its weights, one per feature bucket.
    pub(crate) fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// Its weights, to change: the tables of weights made from them
    /// ([`FewCache`]) go, to be made again from the new ones.
    pub(crate) fn weights_mut(&mut self) -> &mut [f32] {
        self.few = FewCache::default();
        &mut self.weights
    }

    /// The features version it was trained on.
    pub fn features_version(&self) -> u32 {
        self.version
    }

    /// Hash bits of its weight table.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The score of a candidate (the one it was made with, if it was
    /// scored as it was made).
    pub fn score(&self, features: &FeatureSet<'_>) -> f32 {
        features
            .score()
            .unwrap_or_else(|| features.ids.iter().map(|&i| self.weights[i as usize]).sum())
    }

    /// The best candidate (the first of equal scores).
    pub fn best(&self, candidates: &[Candidate]) -> Option<usize> {
        let mut best: Option<(f32, Option<usize>)> = None;
        for c in candidates {
            let s = self.score(&c.features);
            if best.is_none_or(|(b, _)| s > b) {
                best = Some((s, c.entity));
            }
        }
        best.and_then(|(_, e)| e)
    }

    /// Resolves the Source spans over token ranges `sources` of a document,
    /// left to right (each sees who the spans before it were given). A
    /// `tok` whose sentences or paragraphs do not tile its tokens is read as
    /// one sentence and one paragraph ([`Tokenized::tiled`]); ranges past
    /// its tokens are cut at its end.
    ///
    /// # Panics
    ///
    /// If `tok`'s tokens are not within `doc`'s text (a tokenization of
    /// another text).
    pub fn resolve<'t>(
        &self,
        doc: &'t Document,
        tok: &Tokenized,
        sources: &[Range<usize>],
    ) -> Resolution<'t> {
        let tok = tok.tiled();
        let n = tok.tokens.len();
        let sources: Vec<Range<usize>> = sources
            .iter()
            .map(|r| r.start.min(n)..r.end.min(n))
            .collect();
        let names = Names::of(doc, &tok);
        let entities = self.resolve_names(&tok, &names, &sources);
        Resolution { names, entities }
    }

    /// Like [`SpeakerResolver::resolve`], with the document's names found
    /// (`tok` tiled, `sources` within its tokens; an empty range gets no
    /// one).
    pub fn resolve_names(
        &self,
        tok: &Tokenized,
        names: &Names,
        sources: &[Range<usize>],
    ) -> Vec<Option<usize>> {
        let cx = Context::new(tok, names, self.bits)
            .versioned(self.version)
            .scored_by(&self.weights)
            .sharing(&self.few);
        let mut order: Vec<usize> = (0..sources.len()).collect();
        order.sort_by_key(|&k| (sources[k].start, sources[k].end));
        let mut history = History::default();
        let mut out = vec![None; sources.len()];
        for k in order {
            if sources[k].is_empty() {
                continue; // (no words: no one)
            }
            let source = Source::seen_by(tok, names, sources[k].clone(), cx.version);
            // An opinion piece's `I` is its writer; a letter's, the name
            // signed under it.
            let writer = source
                .first_person()
                .then(|| cx.writer.or_else(|| cx.signer(source.paragraph)))
                .flatten();
            // (Two people named together are no one person.)
            let chosen = if source.people_together(names) {
                None
            } else {
                writer
                    .or_else(|| source.named_with_acronym(names))
                    .or_else(|| source.described_entity(names, history.recent(source.paragraph)))
                    .or_else(|| continued_organization(&source, &history, names))
                    .or_else(|| self.best(&offered(&cx, &source, &history)))
            };
            history.push(&source, chosen);
            out[k] = chosen;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::Tokenizer;

    /// The span of `text` where `context` begins in `doc`.
    fn source_at(
        doc: &Document,
        tok: &Tokenized,
        names: &Names,
        context: &str,
        text: &str,
    ) -> Source {
        let at = doc.text().find(context).unwrap();
        let first = tok.tokens.iter().position(|t| t.byte_start == at).unwrap();
        let last = tok
            .tokens
            .iter()
            .rposition(|t| t.byte_end == at + text.len())
            .unwrap();
        Source::new(tok, names, first..last + 1)
    }

    /// An `it` goes on quoting the organization given the source before it
    /// in its paragraph (one whose first word is a first name too); not a
    /// person's, not across paragraphs, not past another organization
    /// named between them.
    #[test]
    fn it_goes_on_quoting_the_organization_before_it() {
        let doc = Document::new(
            "d",
            "Halden Freight said it would appeal. It said the ruling was wrong. \
             Maria Okafor said the depot would stay open. It said nothing.\n\n\
             It said the appeal would be heard in May. Virginia Port Authority \
             said so. It said more. The Brannock Port Board disagreed. It said less.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let source = |context: &str, text: &str| source_at(&doc, &tok, &names, context, text);
        let entity = |name: &str| names.entity_named(name).unwrap();
        let (halden, okafor, port) = (
            entity("Halden Freight"),
            entity("Maria Okafor"),
            entity("Virginia Port Authority"),
        );
        let continued = |history: &History, s: &Source| continued_organization(s, history, &names);
        let mut history = History::default();
        let said = source("Halden Freight said", "Halden Freight");
        history.push(&said, Some(halden));
        let it = source("It said the ruling", "It");
        assert_eq!(continued(&history, &it), Some(halden));
        // Not the name itself, only `it`.
        assert_eq!(continued(&history, &said), None);
        history.push(&it, Some(halden));
        let okafor_said = source("Maria Okafor said", "Maria Okafor");
        let it_nothing = source("It said nothing", "It");
        // (Halden Freight before Maria Okafor's source: this `it` would
        // be Halden Freight's.)
        assert_eq!(continued(&history, &it_nothing), Some(halden));
        history.push(&okafor_said, Some(okafor));
        assert_eq!(continued(&history, &it_nothing), None);
        // A new paragraph, after a source given an organization.
        let mut history = History::default();
        history.push(&it, Some(halden));
        assert_eq!(
            continued(&history, &source("It said the appeal", "It")),
            None
        );
        // An organization whose first word is a first name.
        let port_said = source("Virginia Port Authority", "Virginia Port Authority");
        history.push(&port_said, Some(port));
        let it_more = source("It said more", "It");
        assert_eq!(continued(&history, &it_more), Some(port));
        // Another organization named between: no one by this rule.
        history.push(&it_more, Some(port));
        assert_eq!(continued(&history, &source("It said less", "It")), None);
    }

    /// A span that is a name alone is offered no one and the entities its
    /// name can mean, with the features and ranks [`candidates`] gives
    /// them; a span with more words than the name is offered all.
    #[test]
    fn a_name_alone_is_offered_the_entities_it_can_mean() {
        let doc = Document::new(
            "d",
            "Jane Doe met John Doe and Acme Corp officials. Doe said the deal \
             was done. Acme Corp said so. A spokesman for Doe said it too.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let resolver = SpeakerResolver::builtin();
        let cx = Context::new(&tok, &names, resolver.bits).scored_by(resolver.weights());
        let span = |context: &str, text: &str| source_at(&doc, &tok, &names, context, text);
        let entity = |name: &str| names.entity_named(name);
        let (jane, john, acme) = (entity("Jane Doe"), entity("John Doe"), entity("Acme Corp"));
        assert!(
            jane.is_some() && john.is_some() && acme.is_some(),
            "{names:?}"
        );
        let history = History::default();
        let entities = |c: &[Candidate]| c.iter().map(|c| c.entity).collect::<Vec<_>>();
        let doe = span("Doe said", "Doe");
        let all = candidates(&cx, &doe, &history);
        let few = offered(&cx, &doe, &history);
        assert!(entities(&all).contains(&acme));
        let mut got = entities(&few);
        got.sort();
        assert_eq!(got, [None, jane, john]);
        // The same features as among all.
        for c in &few {
            let same = all.iter().find(|a| a.entity == c.entity).unwrap();
            assert_eq!(resolver.score(&c.features), resolver.score(&same.features));
        }
        let acme_said = span("Acme Corp said", "Acme Corp");
        assert_eq!(entities(&offered(&cx, &acme_said, &history)), [None, acme]);
        // More words than the name: all are offered.
        let spokesman = span("A spokesman for Doe", "A spokesman for Doe");
        assert_eq!(
            entities(&offered(&cx, &spokesman, &history)),
            entities(&candidates(&cx, &spokesman, &history))
        );
        // Whom a spokesman speaks for is not offered.
        let principal = spokesman.principal(&names);
        assert!(principal.is_some());
        let all = entities(&candidates(&cx, &spokesman, &history));
        assert!(all.contains(&acme) && !all.contains(&principal));
    }

    /// In letters to the editor, `I` is the name signed under the letter.
    #[test]
    fn first_person_in_a_letter_is_its_signer() {
        let doc = Document::new(
            "d",
            "Letters about the plan.\n\nThe plan fails. I think the mayor knows it.\n\n\
             Jane Roe.\n\nThe plan works. I say the mayor is right.\n\nJohn Doe.\n",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let spans: Vec<Range<usize>> = tok
            .tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| t.text(doc.text()) == "I")
            .map(|(i, _)| i..i + 1)
            .collect();
        assert_eq!(spans.len(), 2);
        let r = SpeakerResolver::builtin().resolve(&doc, &tok, &spans);
        assert_eq!(r.name(0).as_deref(), Some("Jane Roe"));
        assert_eq!(r.name(1).as_deref(), Some("John Doe"));
    }

    /// From features version 4 a description's candidates include the
    /// entities first named in the sentences after it; version 3 kept to the
    /// next sentence.
    #[test]
    fn a_description_reaches_names_ahead_from_version_4() {
        let doc = Document::new(
            "d",
            "The agency said the rules would change. Rules change often. \
             Few expected it. The vote is near. The Bureau of Prisons agreed.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let bureau = names
            .entities
            .iter()
            .position(|e| e.name.join(" ") == "Bureau of Prisons")
            .unwrap();
        let source = Source::new(&tok, &names, 0..2);
        assert_eq!(source.class(), "desc");
        let offered = |version: u32| {
            let cx = Context::new(&tok, &names, 10).versioned(version);
            candidates(&cx, &source, &History::default())
                .iter()
                .any(|c| c.entity == Some(bureau))
        };
        assert!(offered(4));
        assert!(!offered(3));
    }

    /// The names the built-in resolver gives the Source spans `spans` of
    /// `text` (each span's text is written once in the text).
    fn resolve(text: &str, spans: &[&str]) -> Vec<Option<String>> {
        resolve_by(&SpeakerResolver::builtin(), text, spans)
    }

    /// The names resolver `r` gives the Source spans `spans` of `text`.
    fn resolve_by(r: &SpeakerResolver, text: &str, spans: &[&str]) -> Vec<Option<String>> {
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let ranges: Vec<Range<usize>> = spans
            .iter()
            .map(|s| {
                let at = text.find(s).unwrap();
                let inside =
                    |t: &quotekit_data::Token| t.byte_start >= at && t.byte_end <= at + s.len();
                let start = tok.tokens.iter().position(inside).unwrap();
                start..start + tok.tokens[start..].iter().take_while(|t| inside(t)).count()
            })
            .collect();
        let resolution = r.resolve(&doc, &tok, &ranges);
        (0..spans.len()).map(|k| resolution.name(k)).collect()
    }

    /// A named source followed by a relative clause is the one it names,
    /// not no one nor a name in the clause (features version 5 on).
    #[test]
    fn a_relative_clause_does_not_hide_the_name_before_it() {
        let text = "Conservative economist Jane Doe, who studies tax policy at the \
                    Acme Institute, said the plan would fail. Brightline, which has \
                    2,100 stores in 19 states, said it would close none of them.";
        assert_eq!(
            resolve(
                text,
                &[
                    "Conservative economist Jane Doe, who studies tax policy at the Acme Institute,",
                    "Brightline, which has 2,100 stores in 19 states,",
                ]
            ),
            [Some("Jane Doe".to_string()), Some("Brightline".to_string())]
        );
    }

    /// A resolver file of features version 4 resolves with the features of
    /// version 4: the built-in weights read as version 4 do not see past
    /// the clause of `Brightline, which has 2,100 stores in 19 states` and
    /// name no one; as version 5 they name Brightline.
    #[test]
    fn a_resolver_of_version_4_keeps_its_features() {
        let text = "Brightline, which has 2,100 stores in 19 states, said it would close none.";
        let span = "Brightline, which has 2,100 stores in 19 states,";
        let name = |version: u32| {
            let mut r = SpeakerResolver::builtin();
            r.version = version;
            resolve_by(&r, text, &[span])
        };
        assert_eq!(name(5), [Some("Brightline".to_string())]);
        assert_eq!(name(4), [None]);
    }

    /// Two people named together in one Source span are no one person
    /// (`-` in the guidelines), with or without what describes the first;
    /// one person's span that names others after an `and` of its own
    /// clause keeps its person.
    #[test]
    fn people_named_together_are_no_one() {
        let together = [
            "Mr. Grassley and Mr. Leahy",
            "Sen. Bob Corker, R-Tenn., and Lindsey Graham",
            "Councilwoman Priya Nandakumar, who chairs the finance committee, and Councilman Owen Hale",
            "Mr. and Mrs. Smith",
            "Dr. & Mrs. Jones",
            // (`&` joins no two people into a firm's name.)
            "Tom Smith & Jane Doe",
            "Mr. Grassley & Mr. Leahy",
            "Sen. Bob Corker & Sen. Lindsey Graham",
            "The couple, Mr. and Mrs. Smith",
            // (Read whole, past the clause that features version 5 leaves out.)
            "Jane Doe, who chairs the committee (since 2010) and John Roe",
        ];
        for span in together {
            let text = format!("The bill passed on Monday. {span} said it was a mistake.");
            assert_eq!(resolve(&text, &[span]), [None], "{text}");
        }
        for span in [
            "Hillary Clinton, who served with Barack Obama and Joe Biden",
            "Hillary Clinton, who served with Barack Obama, Tim Kaine, and Joe Biden",
        ] {
            let text = format!("{span}, said the bill was fair.");
            assert_eq!(
                resolve(&text, &[span]),
                [Some("Hillary Clinton".to_string())],
                "{text}"
            );
        }
        // (A couple's lawyer is the lawyer; a span that leaves the couple's
        // possessive out is the couple.)
        let text = "Mr. and Mrs. Smith’s lawyer, Jane Doe, said it was a mistake.";
        assert_eq!(
            resolve(text, &["Mr. and Mrs. Smith’s lawyer, Jane Doe"]),
            [Some("Jane Doe".to_string())]
        );
        let text =
            "John Smith spoke. According to Mr. and Mrs. Smith’s statement, it was a mistake.";
        assert_eq!(resolve(text, &["Mr. and Mrs. Smith"]), [None]);
        let text =
            "Howard Dean spoke. Dean, a former party chairman and presidential candidate, said no.";
        let span = "Dean, a former party chairman and presidential candidate";
        assert_eq!(resolve(text, &[span]), [Some("Howard Dean".to_string())]);
    }

    /// A firm's names joined by `&` are one organization's name, not two
    /// names (which took the first, or none).
    #[test]
    fn names_joined_by_an_ampersand_are_one_firm() {
        let text = "Johnson & Johnson said on Monday that sales rose. \"We are pleased,\" the \
                    company said. Procter & Gamble said it would cut prices.";
        assert_eq!(
            resolve(
                text,
                &["Johnson & Johnson", "the company", "Procter & Gamble"]
            ),
            [
                Some("Johnson & Johnson".to_string()),
                Some("Johnson & Johnson".to_string()),
                Some("Procter & Gamble".to_string())
            ]
        );
        // Two words or more before it (a utility's name); not a person's
        // full name (`Tom Smith & Jane Doe` are two).
        let text = "Crews worked all night. Tamarack Power & Light said it had cut power \
                    to 6,200 customers. The utility said power would return soon.";
        assert_eq!(
            resolve(text, &["Tamarack Power & Light", "The utility"]),
            [
                Some("Tamarack Power & Light".to_string()),
                Some("Tamarack Power & Light".to_string())
            ]
        );
        let text = "Tom Smith & Jane Doe said they would come.";
        assert_eq!(resolve(text, &["Tom Smith & Jane Doe"]), [None]);
        // (Nor a name with a title, names without a firm's word, or two
        // words after the `&`.)
        for text in [
            "Sen. Grassley & Leahy said they would come.",
            "Tom Smith & Doe said they would come.",
            "Goldman Sachs & JPMorgan Chase said they would come.",
        ] {
            let doc = Document::new("d", text);
            let tok = Tokenizer::new().tokenize(&doc);
            let names = Names::of(&doc, &tok);
            assert!(
                names
                    .mentions
                    .iter()
                    .all(|m| !m.name.iter().any(|w| w == "&")),
                "{text}: {:?}",
                names.entities
            );
        }
        // (Two first names are two people.)
        let text = "Jim & Sarah said they would come.";
        assert_eq!(resolve(text, &["Jim & Sarah"]), [None]);
        // (A first name and a surname after the `&` are a person's: no
        // firm.)
        let text = "Jones & Jane Doe said it was a mistake.";
        assert_ne!(
            resolve(text, &["Jones & Jane Doe"]),
            [Some("Jones & Jane Doe".to_string())]
        );
    }

    /// `Ms. Lopez` and `Mr. Lopez` are the wife and the husband named in
    /// full, whoever was named last or spoke first; `Ms. Epstein`, whose
    /// full name's first name reads as a man's, may still be Lee Epstein.
    #[test]
    fn an_honorific_leaves_out_the_other_gender() {
        for (first, second) in [("Maria", "Carlos"), ("Carlos", "Maria")] {
            for (a, b) in [("Ms.", "Mr."), ("Mr.", "Ms.")] {
                let text = format!(
                    "{first} Lopez and {second} Lopez spoke on Monday.\n\n\
                     \"The bill is fair,\" {a} Lopez said.\n\n\
                     \"The bill is a disaster,\" {b} Lopez said."
                );
                let who = |t: &str| {
                    Some(if t == "Ms." {
                        "Maria Lopez"
                    } else {
                        "Carlos Lopez"
                    })
                };
                let names = resolve(&text, &[&format!("{a} Lopez"), &format!("{b} Lopez")]);
                assert_eq!(
                    names,
                    [who(a).map(String::from), who(b).map(String::from)],
                    "{text}"
                );
            }
        }
        let text = "Lee Epstein, a scholar of the court, wrote the study. \
                    \"The court is divided,\" Ms. Epstein said.";
        assert_eq!(
            resolve(text, &["Ms. Epstein"]),
            [Some("Lee Epstein".to_string())]
        );
    }

    /// The candidates of every span of a long text with more speakers than
    /// are ever offered, a span naming more of them than that, and an
    /// opinion piece's writer are those of a walk back over every mention
    /// (the walk stops early: it must not change what is offered, in what
    /// order, with what features).
    #[test]
    fn stopping_the_walk_early_offers_what_the_whole_walk_did() {
        let first = [
            "Ann", "Bob", "Carl", "Dana", "Eve", "Fred", "Gail", "Hank", "Ida", "Joe",
        ];
        let last = ["Lee", "Moss", "Nash", "Ortiz"];
        let people: Vec<String> = last
            .iter()
            .flat_map(|l| first.iter().map(move |f| format!("{f} {l}")))
            .collect();
        let mut text = String::new();
        for (k, p) in people.iter().enumerate() {
            text.push_str(&format!("{p} said the plan works. He said it twice. "));
            if k % 7 == 6 {
                text.push_str("\n\n");
            }
        }
        text.push_str(&format!(
            "{} said so. I agree.\n\n",
            people[..24].join(", ")
        ));
        // Names with `Mr.` and `Ms.`, whose candidates leave out the other
        // gender before the walk stops.
        text.push_str("Mr. Ortiz said no. Ms. Nash said yes.\n\n");
        text.push_str("I think the plan works.\n\nJane Doe is a professor.\n");
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        assert!(
            names.entities.len() > MAX_RECENT + 10,
            "{}",
            names.entities.len()
        );
        let cx = Context::new(&tok, &names, 16);
        assert!(cx.writer.is_some(), "an opinion piece's writer");
        // Spans: every `He`, `I` and name, and the list of 24 names.
        let words: Vec<&str> = tok.tokens.iter().map(|t| t.text(doc.text())).collect();
        let mut spans: Vec<std::ops::Range<usize>> = (0..words.len())
            .filter(|&i| {
                matches!(words[i], "He" | "I") || names.mentions.iter().any(|m| m.tokens.start == i)
            })
            .map(|i| i..i + 1)
            .collect();
        // (The list's 24 names, then Ortiz, Nash and Jane Doe.)
        let list = names.mentions[names.mentions.len() - 27].tokens.start;
        let said = (list..words.len()).find(|&i| words[i] == "said").unwrap();
        spans.push(list..said);
        // `Mr. Ortiz` and `Ms. Nash`, titles and all.
        spans.extend(
            names
                .mentions
                .iter()
                .filter(|m| !m.titles.is_empty())
                .map(|m| m.tokens.clone()),
        );
        let history = History::default();
        let mut cut = 0;
        let mut filtered = 0;
        for range in spans {
            let source = Source::new(&tok, &names, range.clone());
            // The whole walk, as it was.
            let before_end = names
                .mentions
                .partition_point(|m| m.tokens.start < source.tokens.end);
            let mut seen = vec![false; names.entities.len()];
            let mut order: Vec<usize> = Vec::new();
            for m in (0..before_end).rev() {
                if let Some(e) = names.entity_of[m] {
                    if !std::mem::replace(&mut seen[e], true) {
                        order.push(e);
                    }
                }
            }
            order.extend((0..names.entities.len()).filter(|&e| !seen[e]));
            let got = candidates(&cx, &source, &history);
            let offered: Vec<Option<usize>> = got.iter().map(|c| c.entity).collect();
            let mut want = vec![None];
            // Not a group, and named before the end of the next sentence
            // (of the fifth, for a description), or the writer for `I`.
            let ahead = if source.class() == "desc" {
                DESCRIPTION_AHEAD
            } else {
                1
            };
            let horizon = tok
                .sentences
                .get(source.sentence + ahead)
                .or_else(|| tok.sentences.last())
                .map_or(usize::MAX, |s| s.end);
            let other = other_gender(&source, &names);
            filtered += usize::from((0..names.entities.len()).any(&other));
            let is_eligible = |e: usize| {
                let entity = &names.entities[e];
                entity.kind != EntityType::Group
                    && !other(e)
                    && (names.mentions[entity.mentions[0]].tokens.start < horizon
                        || (source.first_person() && cx.writer == Some(e)))
            };
            let eligible: Vec<usize> = order.into_iter().filter(|&e| is_eligible(e)).collect();
            if eligible.len() > MAX_RECENT {
                cut += 1;
            }
            for (rank, &e) in eligible.iter().enumerate() {
                let inside = source.inside.iter().any(|&m| names.entity_of[m] == Some(e));
                let writer = source.first_person() && cx.writer == Some(e);
                if rank < MAX_RECENT || inside || writer {
                    want.push(Some(e));
                }
            }
            assert_eq!(offered, want, "span {range:?}");
            let span = SpanKeys::new(&source, &names);
            for c in got.iter().skip(1) {
                let e = c.entity.unwrap();
                let rank = eligible.iter().position(|&x| x == e).unwrap();
                let agreeing = eligible[..=rank]
                    .iter()
                    .filter(|&&x| {
                        source
                            .pronoun
                            .is_none_or(|(_, class)| agrees(class, &names.entities[x]))
                    })
                    .count();
                let agrees_e = source
                    .pronoun
                    .is_none_or(|(_, class)| agrees(class, &names.entities[e]));
                let recency = Recency {
                    all: rank + 1,
                    agreeing: agrees_e.then_some(agreeing),
                    writer: source.first_person() && cx.writer == Some(e),
                };
                let features = entity_features(&cx, &span, e, recency, &history);
                assert_eq!(c.features.ids, features.ids, "span {range:?}, entity {e}");
            }
        }
        assert!(cut > 10, "the walk was cut on {cut} spans");
        assert_eq!(
            filtered, 2,
            "Mr. Ortiz and Ms. Nash leave out the other gender"
        );
    }

    /// A hand-built `Tokenized` without sentences or paragraphs, and
    /// source ranges past its end, resolve instead of panicking; a
    /// well-formed one names its speaker.
    #[test]
    fn broken_token_ranges_resolve_without_a_panic() {
        let doc = Document::new("d", "Jane Doe met the board. Doe said the plan works.");
        let good = Tokenizer::new().tokenize(&doc);
        let resolver = SpeakerResolver::builtin();
        let doe = good
            .tokens
            .iter()
            .position(|t| t.text(doc.text()) == "Doe" && t.span.start > 10)
            .unwrap();
        let n = good.tokens.len();
        let spans = vec![doe..doe + 1, n..n + 4];
        let named = resolver.resolve(&doc, &good, &spans[..1]);
        assert_eq!(named.name(0).as_deref(), Some("Jane Doe"));
        let broken = Tokenized {
            sentences: vec![],
            paragraphs: std::iter::once(0..n + 3).collect(),
            ..good.clone()
        };
        let r = resolver.resolve(&doc, &broken, &spans);
        assert_eq!(r.entities.len(), 2);
        assert_eq!(r.name(1), None);
    }
}
