//! The `[features]` section of a config: which feature templates the CRF
//! (and the neural tagger's hashed features) extract, and the cue lexicon
//! every tagger uses.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Feature template groups (see [`crate::features::extractor`] for what each produces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    /// The word as written.
    Word,
    /// The lower-cased word.
    Lower,
    /// Prefixes and suffixes of 1–3 characters.
    Affixes,
    /// Word shape (`Xxxx`, `dd`, `X.X.`).
    Shape,
    /// Title case, all caps, runs of capitalised words.
    Capitalization,
    /// Quotation state: outside / opening / inside / closing, over the document.
    QuoteState,
    /// Distance and direction to the nearest quotation mark.
    QuoteDistance,
    /// Cue lexicon membership (single words and phrases).
    CueLexicon,
    /// Distance and direction to the nearest lexicon cue.
    CueDistance,
    /// Personal pronouns.
    Pronoun,
    /// Sentence and paragraph position.
    Position,
    /// Lower-cased words in a window around the token.
    Window,
    /// Word bigrams around the token.
    Bigrams,
    /// Conjunctions of quote state with cue distance, capitalisation and the word.
    Conjunctions,
    /// The token's clause: cues earlier and later in its sentence (and the
    /// nearest one's word), whether the sentence has a quotation mark, the
    /// distance to the clause punctuation around it, a `that` or `whether`
    /// after a cue.
    Clause,
}

impl Template {
    /// The templates there were before [`Template::Clause`]: what the hashed
    /// features of neural models saved before it used.
    pub const BEFORE_CLAUSE: [Template; 14] = [
        Template::Word,
        Template::Lower,
        Template::Affixes,
        Template::Shape,
        Template::Capitalization,
        Template::QuoteState,
        Template::QuoteDistance,
        Template::CueLexicon,
        Template::CueDistance,
        Template::Pronoun,
        Template::Position,
        Template::Window,
        Template::Bigrams,
        Template::Conjunctions,
    ];

    /// Every template, in declaration order (a template's index is its
    /// discriminant): those of [`Template::BEFORE_CLAUSE`], then `Clause`.
    pub const ALL: [Template; 15] = {
        let mut all = [Template::Clause; 15];
        let mut k = 0;
        while k < Self::BEFORE_CLAUSE.len() {
            all[k] = Self::BEFORE_CLAUSE[k];
            k += 1;
        }
        all
    };
}

/// Which features are extracted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureConfig {
    /// Template groups to use.
    pub templates: Vec<Template>,
    /// Half-width of the word window.
    pub window: usize,
    /// Features are hashed into 2^hash_bits buckets.
    pub hash_bits: u32,
    /// Cue lexicon file (one entry per line); the built-in `datasets/lexicons/cues.txt` when absent.
    pub lexicon: Option<PathBuf>,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            templates: Template::ALL.to_vec(),
            window: 2,
            hash_bits: 20,
            lexicon: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ALL` lists every template once, at its discriminant (the
    /// extractor's index), and the templates of before come first.
    #[test]
    fn every_template_is_listed_once_at_its_index() {
        assert!(Template::ALL.starts_with(&Template::BEFORE_CLAUSE));
        for (k, t) in Template::ALL.iter().enumerate() {
            assert_eq!(*t as usize, k, "{t:?}");
        }
        // Every variant, walked in declaration order (the match has no
        // catch-all: a template added must be given its place in the walk,
        // and one placed in it but left out of `ALL` fails).
        let next = |t: Template| {
            use Template::*;
            match t {
                Word => Some(Lower),
                Lower => Some(Affixes),
                Affixes => Some(Shape),
                Shape => Some(Capitalization),
                Capitalization => Some(QuoteState),
                QuoteState => Some(QuoteDistance),
                QuoteDistance => Some(CueLexicon),
                CueLexicon => Some(CueDistance),
                CueDistance => Some(Pronoun),
                Pronoun => Some(Position),
                Position => Some(Window),
                Window => Some(Bigrams),
                Bigrams => Some(Conjunctions),
                Conjunctions => Some(Clause),
                Clause => None,
            }
        };
        let every: Vec<Template> =
            std::iter::successors(Some(Template::Word), |&t| next(t)).collect();
        assert_eq!(every, Template::ALL);
    }
}
