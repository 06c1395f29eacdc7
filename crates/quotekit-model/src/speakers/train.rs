//! Training the speaker ranker on Source spans whose canonical names are
//! known: every span is an example whose right candidates are the entities
//! named like its gold name (or no one, for `-`); the weights follow AdaGrad
//! on the log of the probability the softmax gives the right candidates,
//! documents in a seeded order, so the same data and seed give the same
//! weights.

use crate::error::ModelError;
use crate::eval::speakers::{gold_names_counted, normalise};
use crate::speakers::entities::Names;
use crate::speakers::features::{Context, History};
use crate::speakers::resolver::{candidates, Candidate, SpeakerResolver, DEFAULT_BITS};
use crate::speakers::source::Source;
use crate::training::options::Interrupt;
use quotekit_data::{Document, Role, Span, Tokenized, Tokenizer};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;

/// How to train a resolver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResolverConfig {
    /// Hash bits of the weight table.
    pub bits: u32,
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad's learning rate.
    pub learning_rate: f32,
    /// Seed of the document order.
    pub seed: u64,
}

impl Default for ResolverConfig {
    fn default() -> Self {
        Self {
            bits: DEFAULT_BITS,
            epochs: 5,
            learning_rate: 0.1,
            seed: 17,
        }
    }
}

impl ResolverConfig {
    /// Says which setting is out of its range, if one is.
    pub fn validate(&self) -> Result<(), SettingOutOfRange> {
        let out = |key, value: String, expected: String| {
            Err(SettingOutOfRange {
                key,
                value,
                expected,
            })
        };
        if !BITS.contains(&self.bits) {
            return out(
                "bits",
                self.bits.to_string(),
                format!("{} to {}", BITS.start(), BITS.end()),
            );
        }
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return out(
                "epochs",
                self.epochs.to_string(),
                format!("1 to {MAX_EPOCHS}"),
            );
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return out(
                "learning_rate",
                self.learning_rate.to_string(),
                "a finite value > 0".into(),
            );
        }
        Ok(())
    }
}

/// A resolver setting out of its range, said as the config's key
/// (`speakers.epochs = 0 (expected 1 to 1000)`); a command line names its
/// flag from `key` instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("speakers.{key} = {value} (expected {expected})")]
pub struct SettingOutOfRange {
    /// The setting, as the `[speakers]` table spells it (`learning_rate`).
    pub key: &'static str,
    /// Its value, as given.
    pub value: String,
    /// The values it may take.
    pub expected: String,
}

/// The most passes over the data a resolver is trained with (it converges
/// in tens; more is taken for a typing error).
pub const MAX_EPOCHS: usize = 1000;

/// The hash bits a resolver's weight table may have.
pub const BITS: std::ops::RangeInclusive<u32> = 8..=24;

/// What a training run saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResolverReport {
    /// Documents with named Source spans.
    pub documents: usize,
    /// Named Source spans used as examples.
    pub sources: usize,
    /// Of those, the spans named no one (`-`: a group, an unnamed source).
    pub no_one: usize,
    /// Named Source spans skipped: no entity of the document has the gold name.
    pub unreachable: usize,
    /// Mean negative log-likelihood per example, per epoch.
    pub losses: Vec<f64>,
}

impl ResolverReport {
    /// What to warn of: every span it learned from named no one, so that it
    /// learned to name no speaker (names files of `-` only).
    pub fn warning(&self) -> Option<String> {
        (self.sources > 0 && self.no_one == self.sources).then(|| {
            format!(
                "every one of the {} Source spans the speaker resolver learned from is named no one (`-`), so it learns to name no speaker",
                self.sources
            )
        })
    }
}

/// The Source spans of a document that carry a name, in text order: token
/// range and normalised gold name (`None` for no one).
pub fn named_sources(doc: &Document, tok: &Tokenized) -> Vec<(Range<usize>, Option<String>)> {
    named_source_spans(doc, tok)
        .into_iter()
        .map(|(range, name, _)| (range, name))
        .collect()
}

/// [`named_sources`], each with its span (for its id: brat's `T12`).
pub fn named_source_spans<'d>(
    doc: &'d Document,
    tok: &Tokenized,
) -> Vec<(Range<usize>, Option<String>, &'d Span)> {
    let mut out: Vec<(Range<usize>, Option<String>, &Span)> = doc
        .spans
        .iter()
        .filter(|s| s.role == Role::Source && s.name.is_some())
        .map(|s| {
            let name = s.speaker_name().and_then(normalise);
            (tok.overlapping(s.extent()), name, s)
        })
        .filter(|(r, _, _)| !r.is_empty())
        .collect();
    out.sort_by_key(|(r, _, _)| (r.start, r.end));
    out
}

/// A document's entities by the gold names that count for them, normalised
/// once ([`gold_names_counted`]): a gold name counts for an entity when
/// [`same_name`](crate::eval::speakers::same_name) says so (its
/// canonical name, normalised, is the gold name or ends with it, the gold
/// name being of two words or more). Asked per gold span, it costs a lookup,
/// not a pass over the entities (a long text of many named spans and many
/// entities took their product).
#[derive(Debug)]
pub struct NamedEntities {
    /// Per gold name that counts for some entity, those entities in order.
    by_name: rustc_hash::FxHashMap<String, Vec<usize>>,
}

impl NamedEntities {
    /// The entities of `names`, by the gold names that count for them.
    pub fn of(names: &Names) -> Self {
        let mut by_name: rustc_hash::FxHashMap<String, Vec<usize>> = Default::default();
        for (k, e) in names.entities.iter().enumerate() {
            let Some(name) = e.canonical().and_then(|c| normalise(&c)) else {
                continue;
            };
            for gold in gold_names_counted(&name) {
                by_name.entry(gold.to_string()).or_default().push(k);
            }
        }
        Self { by_name }
    }

    /// The entities whose canonical name counts for gold name `gold`
    /// (normalised), in order.
    pub fn named(&self, gold: &str) -> &[usize] {
        self.by_name.get(gold).map_or(&[], Vec::as_slice)
    }
}

/// One span to learn from: its candidates and which of them are right.
#[derive(Debug)]
struct Example {
    candidates: Vec<Candidate<'static>>,
    right: Vec<usize>,
}

/// The examples of one document, with gold history; returns them, the
/// number of unreachable spans and the number of examples named no one.
fn examples(doc: &Document, tok: &Tokenized, bits: u32) -> (Vec<Example>, usize, usize) {
    let names = Names::of(doc, tok);
    let named_entities = NamedEntities::of(&names);
    let cx = Context::new(tok, &names, bits);
    let mut history = History::default();
    let mut out = Vec::new();
    let (mut unreachable, mut no_one) = (0, 0);
    for (range, gold) in named_sources(doc, tok) {
        let source = Source::new(tok, &names, range);
        let candidates = candidates(&cx, &source, &history);
        let right: Vec<usize> = match &gold {
            None => vec![0],
            Some(g) => {
                let named = named_entities.named(g);
                (0..candidates.len())
                    .filter(|&c| candidates[c].entity.is_some_and(|e| named.contains(&e)))
                    .collect()
            }
        };
        let entity = right.first().and_then(|&c| candidates[c].entity);
        history.push(&source, entity);
        if right.is_empty() {
            unreachable += 1;
        } else {
            no_one += usize::from(gold.is_none());
            out.push(Example { candidates, right });
        }
    }
    (out, unreachable, no_one)
}

/// Trains a resolver on the named Source spans of `docs`.
///
/// # Errors
/// [`ModelError::Training`] when no document has a named Source span, or the
/// training diverges (a learning rate too large); the config's error when it
/// cannot be used; [`ModelError::Interrupted`] once `interrupt` is set (at
/// the next epoch, or the end of the last).
pub fn train_resolver(
    docs: &[Document],
    tokenizer: &Tokenizer,
    config: &ResolverConfig,
    interrupt: &Interrupt,
    mut progress: impl FnMut(usize, f64),
) -> Result<(SpeakerResolver, ResolverReport), ModelError> {
    config
        .validate()
        .map_err(|e| ModelError::config(e.to_string()))?;
    let mut report = ResolverReport::default();
    let mut per_doc: Vec<Vec<Example>> = Vec::new();
    for doc in docs {
        let tok = tokenizer.tokenize(doc);
        let (ex, unreachable, no_one) = examples(doc, &tok, config.bits);
        report.unreachable += unreachable;
        if !ex.is_empty() || unreachable > 0 {
            report.documents += 1;
        }
        report.sources += ex.len();
        report.no_one += no_one;
        if !ex.is_empty() {
            per_doc.push(ex);
        }
    }
    if per_doc.is_empty() && report.unreachable > 0 {
        return Err(ModelError::Training(format!(
            "none of the {} named Source spans can be learned from: in each one's document, \
             no person or organization found in the text has its name (are the names those \
             of these documents?)",
            report.unreachable
        )));
    }
    if per_doc.is_empty() {
        return Err(ModelError::Training(
            "no Source span carries a speaker name: give the names with --names DIR (`names=` in Python, data.names in a config), \
             a folder of ID.tsv files named for the documents' ids (if names were given, \
             none named a Source span of these documents)"
                .into(),
        ));
    }
    let mut resolver = SpeakerResolver::zeros(config.bits);
    let mut squares = vec![0f32; resolver.weights().len()];
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut order: Vec<usize> = (0..per_doc.len()).collect();
    let mut gradient: HashMap<u32, f32> = HashMap::new();
    for epoch in 0..config.epochs {
        interrupt.check()?;
        order.shuffle(&mut rng);
        let mut loss = 0.0f64;
        for &d in &order {
            for ex in &per_doc[d] {
                let scores: Vec<f32> = ex
                    .candidates
                    .iter()
                    .map(|c| resolver.score(&c.features))
                    .collect();
                let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let exp: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f32 = exp.iter().sum();
                let right: f32 = ex.right.iter().map(|&c| exp[c]).sum();
                loss -= f64::from((right / total).ln());
                gradient.clear();
                for (c, cand) in ex.candidates.iter().enumerate() {
                    let p = exp[c] / total;
                    let q = if ex.right.contains(&c) {
                        exp[c] / right
                    } else {
                        0.0
                    };
                    let g = p - q;
                    if g != 0.0 {
                        for &f in &cand.features.ids {
                            *gradient.entry(f).or_default() += g;
                        }
                    }
                }
                let mut keys: Vec<u32> = gradient.keys().copied().collect();
                keys.sort_unstable();
                let weights = resolver.weights_mut();
                for f in keys {
                    let g = gradient[&f];
                    let i = f as usize;
                    squares[i] += g * g;
                    weights[i] -= config.learning_rate * g / (squares[i].sqrt() + 1e-6);
                }
            }
        }
        let mean = loss / report.sources.max(1) as f64;
        report.losses.push(mean);
        progress(epoch + 1, mean);
        // (A step too large for the data overflows the weights; a resolver
        // of NaN weights would be written, then refused by every load.)
        if !mean.is_finite() || resolver.weights().iter().any(|w| !w.is_finite()) {
            return Err(ModelError::Training(format!(
                "the speaker resolver's training diverged in epoch {} (mean loss {mean}): \
                 lower its learning rate (now {}; speakers.learning_rate in a config, \
                 --learning-rate of train-speakers); nothing was written",
                epoch + 1,
                config.learning_rate
            )));
        }
    }
    // (A signal in the last epoch: no resolver either.)
    interrupt.check()?;
    Ok((resolver, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::speakers::same_name;

    /// The entities a gold name counts for are those [`same_name`] takes,
    /// for every name the entities have, each end of them, and names they
    /// do not have.
    #[test]
    fn named_entities_are_those_same_name_takes() {
        let doc = Document::new(
            "d",
            "Secretary of State John Kerry met Mary Anne Smith. The Washington Post \
             said so. Kerry and Smith spoke, as did Anne Smith and the Post. \
             Mr. Jones and Jones Day agreed.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let normalised: Vec<Option<String>> = names
            .entities
            .iter()
            .map(|e| e.canonical().and_then(|c| normalise(&c)))
            .collect();
        let mut golds: Vec<String> = vec!["nobody here".into(), "post".into(), "".into()];
        for n in normalised.iter().flatten() {
            let words: Vec<&str> = n.split(' ').collect();
            golds.extend((0..words.len()).map(|i| words[i..].join(" ")));
        }
        assert!(golds.contains(&"washington post".to_string()), "{golds:?}");
        let index = NamedEntities::of(&names);
        for g in &golds {
            let by_pass: Vec<usize> = (0..names.entities.len())
                .filter(|&k| same_name(normalised[k].as_deref(), Some(g), false))
                .collect();
            assert_eq!(index.named(g), by_pass, "{g:?}");
        }
    }
}
