//! Feature extraction: each token becomes a list of hashed feature ids, chosen
//! by the templates of the config. Hashing (FxHash, then a 64-bit mixer, masked
//! to `hash_bits`) keeps memory fixed and needs no feature dictionary.

use crate::error::ModelError;
use crate::features::clause::Clauses;
use crate::features::config::{FeatureConfig, Template};
use crate::features::hashing::{bucket, Feature};
use crate::features::lexicon::{Lexicon, LexiconMatch};
use crate::features::nearest::nearest_hits;
use crate::features::quote_state::{quote_states, QuoteInfo};
use quotekit_data::{Document, Tokenized};
use std::ops::Range;

/// Feature ids of every token of one document, in a flat CSR layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFeatures {
    /// `ids[offsets[i]..offsets[i + 1]]` are the features of token `i`.
    pub offsets: Vec<u32>,
    /// Concatenated feature ids.
    pub ids: Vec<u32>,
}

impl DocumentFeatures {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Feature ids of token `i`.
    pub fn token(&self, i: usize) -> &[u32] {
        &self.ids[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

/// Turns tokenized documents into feature ids.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    enabled: [bool; Template::ALL.len()],
    window: usize,
    mask: u64,
    cues: Lexicon,
    pronouns: Lexicon,
}

/// Per-token facts computed once per document.
struct TokenFacts<'t> {
    words: Vec<&'t str>,
    lower: Vec<std::borrow::Cow<'t, str>>,
    /// The tokens' shapes, one after another (no copy per token), and
    /// where each ends.
    shapes: String,
    shape_ends: Vec<usize>,
    quotes: Vec<QuoteInfo>,
    cues: Vec<LexiconMatch>,
    sentence_of: Vec<u32>,
    sentence_ranges: Vec<Range<usize>>,
    paragraph_of: Vec<u32>,
    paragraph_ranges: Vec<Range<usize>>,
    sentence_in_paragraph: Vec<u32>,
}

/// [`push_shape`] into a string of its own.
#[cfg(test)]
fn shape(word: &str) -> String {
    let mut out = String::new();
    push_shape(word, &mut out);
    out
}

/// Appends the word shape of `word` to `out`, runs collapsed: `Obama` →
/// `Xx`, `2016` → `d`, `U.S.` → `X.X.`.
fn push_shape(word: &str, out: &mut String) {
    let mut last = None;
    for c in word.chars() {
        let s = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_ascii_digit() {
            'd'
        } else {
            c
        };
        if last != Some(s) {
            out.push(s);
            last = Some(s);
        }
    }
}

/// A word in lower case: itself when that is what it is (ASCII without a
/// capital, most words: no copy).
pub(crate) fn lower_case(word: &str) -> std::borrow::Cow<'_, str> {
    if word
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        std::borrow::Cow::Borrowed(word)
    } else {
        std::borrow::Cow::Owned(word.to_lowercase())
    }
}

/// True for a capitalised word with lower-case letters after the first (`Obama`, not `NATO`).
pub fn is_title(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.any(char::is_lowercase)
}

impl FeatureExtractor {
    /// An extractor for `config`, loading its lexicon.
    pub fn new(config: &FeatureConfig) -> Result<Self, ModelError> {
        Ok(Self::with_lexicon(
            config,
            Lexicon::cues(config.lexicon.as_deref())?,
        ))
    }

    /// An extractor with an explicit cue lexicon.
    pub fn with_lexicon(config: &FeatureConfig, cues: Lexicon) -> Self {
        let mut enabled = [false; Template::ALL.len()];
        for t in &config.templates {
            enabled[*t as usize] = true;
        }
        Self {
            enabled,
            window: config.window,
            mask: (1u64 << config.hash_bits) - 1,
            cues,
            pronouns: Lexicon::builtin_pronouns(),
        }
    }

    /// The cue lexicon in use.
    pub fn cues(&self) -> &Lexicon {
        &self.cues
    }

    /// Number of hash buckets.
    pub fn buckets(&self) -> usize {
        (self.mask + 1) as usize
    }

    fn on(&self, t: Template) -> bool {
        self.enabled[t as usize]
    }

    fn facts<'t>(&self, doc: &'t Document, tok: &Tokenized) -> TokenFacts<'t> {
        let text = doc.text();
        let n = tok.tokens.len();
        let words: Vec<&str> = tok.tokens.iter().map(|t| t.text(text)).collect();
        let lower: Vec<_> = words.iter().map(|w| lower_case(w)).collect();
        let mut shapes = String::with_capacity(text.len());
        let shape_ends = words
            .iter()
            .map(|w| {
                push_shape(w, &mut shapes);
                shapes.len()
            })
            .collect();
        let mut sentence_of = vec![0u32; n];
        for (s, r) in tok.sentences.iter().enumerate() {
            sentence_of[r.clone()].fill(s as u32);
        }
        let mut paragraph_of = vec![0u32; n];
        let mut sentence_in_paragraph = vec![0u32; n];
        for (p, r) in tok.paragraphs.iter().enumerate() {
            paragraph_of[r.clone()].fill(p as u32);
            let first_sentence = sentence_of[r.start];
            for i in r.clone() {
                sentence_in_paragraph[i] = sentence_of[i] - first_sentence;
            }
        }
        TokenFacts {
            quotes: quote_states(text, tok),
            cues: self.cues.matches(&lower),
            words,
            lower,
            shapes,
            shape_ends,
            sentence_of,
            sentence_ranges: tok.sentences.clone(),
            paragraph_of,
            paragraph_ranges: tok.paragraphs.clone(),
            sentence_in_paragraph,
        }
    }

    /// Extracts the features of every token of `doc`.
    pub fn extract(&self, doc: &Document, tok: &Tokenized) -> DocumentFeatures {
        let f = self.facts(doc, tok);
        let n = tok.tokens.len();
        let mut out = DocumentFeatures {
            offsets: Vec::with_capacity(n + 1),
            ids: Vec::with_capacity(n * 48),
        };
        out.offsets.push(0);
        // Nearest quotation mark and cue to the left and right, within the paragraph.
        let (quote_left, quote_right) = nearest(&f, |i| f.quotes[i].state.is_mark());
        let (cue_left, cue_right) = nearest(&f, |i| {
            matches!(f.cues[i], LexiconMatch::Single | LexiconMatch::Begin)
        });
        let clauses = self
            .on(Template::Clause)
            .then(|| Clauses::new(&f.words, &f.cues, &f.quotes, &f.sentence_ranges));
        for i in 0..n {
            self.token_features(
                &f,
                i,
                quote_left[i],
                quote_right[i],
                cue_left[i],
                cue_right[i],
                &mut out.ids,
            );
            if let Some(c) = &clauses {
                c.features(
                    i,
                    &f.lower,
                    &f.quotes,
                    &f.sentence_of,
                    self.mask,
                    &mut out.ids,
                );
            }
            out.offsets.push(out.ids.len() as u32);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn token_features(
        &self,
        f: &TokenFacts<'_>,
        i: usize,
        quote_left: u8,
        quote_right: u8,
        cue_left: u8,
        cue_right: u8,
        ids: &mut Vec<u32>,
    ) {
        let m = self.mask;
        let mut push = |feature: Feature| ids.push(feature.id(m));
        let word = f.words[i];
        let lower = f.lower[i].as_ref();
        let para = f.paragraph_ranges[f.paragraph_of[i] as usize].clone();
        let sent = f.sentence_ranges[f.sentence_of[i] as usize].clone();
        let lower_at = |j: isize| -> &str {
            if j < para.start as isize || j >= para.end as isize {
                "<P>"
            } else {
                f.lower[j as usize].as_ref()
            }
        };
        let q = f.quotes[i];
        push(Feature::new(0));
        if self.on(Template::Word) {
            push(Feature::new(1).s(word));
        }
        if self.on(Template::Lower) {
            push(Feature::new(2).s(lower));
        }
        if self.on(Template::Affixes) {
            // The first and last one, two and three characters (slices of
            // `lower`: no copies).
            let mut ends = lower.char_indices().map(|(b, c)| b + c.len_utf8());
            let mut starts = lower.char_indices().rev().map(|(b, _)| b);
            for k in 1..=3u8 {
                let (Some(end), Some(start)) = (ends.next(), starts.next()) else {
                    break;
                };
                push(Feature::new(3).b(k).s(&lower[..end]));
                push(Feature::new(4).b(k).s(&lower[start..]));
            }
        }
        if self.on(Template::Shape) {
            let start = i.checked_sub(1).map_or(0, |j| f.shape_ends[j]);
            push(Feature::new(5).s(&f.shapes[start..f.shape_ends[i]]));
        }
        let title = is_title(word);
        if self.on(Template::Capitalization) {
            let caps =
                word.chars().all(|c| !c.is_lowercase()) && word.chars().any(char::is_uppercase);
            push(
                Feature::new(6)
                    .b(u8::from(title))
                    .b(u8::from(caps))
                    .b(u8::from(i == sent.start)),
            );
            // Runs of capitalised words (names): position within the run.
            let prev_title = i > sent.start && is_title(f.words[i - 1]);
            let next_title = i + 1 < sent.end && is_title(f.words[i + 1]);
            if title {
                push(
                    Feature::new(7)
                        .b(u8::from(prev_title))
                        .b(u8::from(next_title)),
                );
            }
        }
        if self.on(Template::QuoteState) {
            let prev = if i > para.start {
                f.quotes[i - 1].state.code()
            } else {
                b'^'
            };
            let next = if i + 1 < para.end {
                f.quotes[i + 1].state.code()
            } else {
                b'$'
            };
            push(Feature::new(8).b(q.state.code()));
            push(Feature::new(9).b(q.state.code()).b(u8::from(q.continued)));
            push(Feature::new(10).b(prev).b(q.state.code()).b(next));
        }
        if self.on(Template::QuoteDistance) {
            push(Feature::new(11).b(quote_left));
            push(Feature::new(12).b(quote_right));
            push(Feature::new(13).b(quote_left).b(quote_right));
        }
        let cue = f.cues[i];
        if self.on(Template::CueLexicon) {
            let code = |m: LexiconMatch| match m {
                LexiconMatch::None => b'-',
                LexiconMatch::Single => b's',
                LexiconMatch::Begin => b'b',
                LexiconMatch::Inside => b'i',
            };
            push(Feature::new(14).b(code(cue)));
            if i > para.start {
                push(Feature::new(15).b(code(f.cues[i - 1])));
            }
            if i + 1 < para.end {
                push(Feature::new(16).b(code(f.cues[i + 1])));
            }
        }
        if self.on(Template::CueDistance) {
            push(Feature::new(17).b(cue_left));
            push(Feature::new(18).b(cue_right));
        }
        if self.on(Template::Pronoun) && self.pronouns.contains_word(lower) {
            push(Feature::new(19));
        }
        if self.on(Template::Position) {
            let sip = f.sentence_in_paragraph[i].min(3) as u8;
            let para_index = f.paragraph_of[i].min(3) as u8;
            let last_sentence = sent.end == para.end;
            push(
                Feature::new(20)
                    .b(u8::from(i == sent.start))
                    .b(u8::from(i + 1 == sent.end)),
            );
            push(Feature::new(21).b(sip).b(u8::from(last_sentence)));
            push(Feature::new(22).b(para_index));
            push(Feature::new(23).b(bucket(i - sent.start)));
        }
        if self.on(Template::Window) {
            for k in 1..=self.window as isize {
                push(Feature::new(24).b(k as u8).s(lower_at(i as isize - k)));
                push(Feature::new(25).b(k as u8).s(lower_at(i as isize + k)));
            }
        }
        if self.on(Template::Bigrams) {
            push(Feature::new(26).s(lower_at(i as isize - 1)).s(lower));
            push(Feature::new(27).s(lower).s(lower_at(i as isize + 1)));
        }
        if self.on(Template::Conjunctions) {
            let s = q.state.code();
            push(Feature::new(28).b(s).b(cue_left));
            push(Feature::new(29).b(s).b(cue_right));
            push(Feature::new(30).b(s).s(lower));
            push(Feature::new(31).b(s).b(u8::from(title)));
            push(Feature::new(32).b(s).b(quote_left).b(cue_right));
            push(Feature::new(33).b(s).b(quote_right).b(cue_left));
        }
    }
}

/// Bucketed token distance to the nearest position satisfying `hit`, left and
/// right, within each paragraph (`n` when none).
fn nearest(f: &TokenFacts<'_>, hit: impl Fn(usize) -> bool) -> (Vec<u8>, Vec<u8>) {
    let n = f.words.len();
    let mut left = vec![b'n'; n];
    let mut right = vec![b'n'; n];
    nearest_hits(
        &f.paragraph_ranges,
        hit,
        |i, j| left[i] = bucket(i - j),
        |i, j| right[i] = bucket(j - i),
    );
    (left, right)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::Tokenizer;

    fn extract(text: &str, config: &FeatureConfig) -> DocumentFeatures {
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        FeatureExtractor::new(config).unwrap().extract(&doc, &tok)
    }

    #[test]
    fn every_token_gets_features_within_the_hash_range() {
        let config = FeatureConfig {
            hash_bits: 12,
            ..FeatureConfig::default()
        };
        let f = extract(
            "“We won,” Ann said.\n\nAccording to Bob, it rained.",
            &config,
        );
        assert_eq!(f.len(), 15);
        for i in 0..f.len() {
            assert!(f.token(i).len() > 20, "token {i}: {}", f.token(i).len());
            assert!(f.token(i).iter().all(|&id| id < 4096));
        }
    }

    #[test]
    fn extraction_is_deterministic_and_context_sensitive() {
        let config = FeatureConfig::default();
        let a = extract("Ann said it rains.", &config);
        assert_eq!(a, extract("Ann said it rains.", &config));
        let b = extract("Ann said “it rains.”", &config);
        // `it` is inside a quotation in b only, so its features differ.
        assert_ne!(a.token(2), b.token(3));
    }

    #[test]
    fn templates_switch_features_on_and_off() {
        let bias_only = FeatureConfig {
            templates: vec![Template::Pronoun],
            ..FeatureConfig::default()
        };
        let f = extract("She said no.", &bias_only);
        assert_eq!(f.token(0).len(), 2, "bias + pronoun");
        assert_eq!(f.token(1).len(), 1, "bias only");
    }

    /// Each token's lower case, affixes (whole characters, however many
    /// bytes; none longer than the word) and shape are its own: what the
    /// ids are hashed from, for words with and without capitals or
    /// letters past ASCII.
    #[test]
    fn each_token_hashes_its_own_lower_case_affixes_and_shape() {
        let config = FeatureConfig::default();
        let mask = (1u64 << config.hash_bits) - 1;
        let f = extract("Ñandú dijo él", &config);
        let has = |i: usize, feature: Feature| f.token(i).contains(&feature.id(mask));
        let affix = |kind: u8, k: u8, s: &str| Feature::new(kind).b(k).s(s);
        assert!(has(0, Feature::new(2).s("ñandú")));
        assert!(has(1, Feature::new(2).s("dijo")));
        for (k, prefix, suffix) in [(1, "ñ", "ú"), (2, "ña", "dú"), (3, "ñan", "ndú")] {
            assert!(has(0, affix(3, k, prefix)), "{prefix}");
            assert!(has(0, affix(4, k, suffix)), "{suffix}");
        }
        for (k, prefix, suffix) in [(1, "é", "l"), (2, "él", "él")] {
            assert!(has(2, affix(3, k, prefix)), "{prefix}");
            assert!(has(2, affix(4, k, suffix)), "{suffix}");
        }
        assert!(!has(2, affix(3, 3, "él")));
        assert!(has(0, Feature::new(5).s("Xx")));
        assert!(!has(0, Feature::new(5).s("x")));
        assert!(has(1, Feature::new(5).s("x")));
        assert!(has(2, Feature::new(5).s("x")));
    }

    #[test]
    fn shapes() {
        assert_eq!(shape("Obama"), "Xx");
        assert_eq!(shape("2016"), "d");
        assert_eq!(shape("U.S."), "X.X.");
    }
}
