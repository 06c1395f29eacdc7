//! The clause around a token ([`Template::Clause`]): whether its sentence
//! has a cue before and after it and a quotation mark, the nearest cue's
//! word (a phrase's first word) and whether clause punctuation parts it from
//! the token, how far the clause punctuation around it is, and whether it
//! opens or follows a `that` or `whether` after a cue; the features of cues
//! conjoined with the token's quotation state. Content is a clause of a
//! cue's sentence (`said that …`, `…, he said`); the CRF's other features
//! see cues by distance within the paragraph, not by sentence or clause.
//!
//! [`Template::Clause`]: crate::features::config::Template::Clause

use crate::features::hashing::{bucket, Feature};
use crate::features::lexicon::LexiconMatch;
use crate::features::nearest::nearest_hits;
use crate::features::quote_state::QuoteInfo;
use std::ops::Range;

/// Per token of a document, what its sentence holds around it: the nearest
/// cue before and after it in the sentence (the token where the cue
/// begins) and the nearest clause punctuation on each side.
#[derive(Debug, Clone)]
pub struct Clauses {
    cue_before: Vec<Option<u32>>,
    cue_after: Vec<Option<u32>>,
    punct_before: Vec<Option<u32>>,
    punct_after: Vec<Option<u32>>,
    /// Per sentence, whether it holds a quotation mark.
    quoted: Vec<bool>,
}

/// Punctuation that parts clauses: `,` `;` `:` brackets and dashes.
fn is_clause_punct(word: &str) -> bool {
    matches!(word, "," | ";" | ":" | "(" | ")" | "—" | "–" | "--")
}

impl Clauses {
    /// The clauses of a document's tokens (`words`, their cue matches and
    /// quotation states) in `sentences`.
    pub fn new(
        words: &[&str],
        cues: &[LexiconMatch],
        quotes: &[QuoteInfo],
        sentences: &[Range<usize>],
    ) -> Self {
        let n = words.len();
        let mut c = Self {
            cue_before: vec![None; n],
            cue_after: vec![None; n],
            punct_before: vec![None; n],
            punct_after: vec![None; n],
            quoted: vec![false; sentences.len()],
        };
        let cue_start = |i: usize| matches!(cues[i], LexiconMatch::Single | LexiconMatch::Begin);
        let at = |v: &mut Vec<Option<u32>>, i: usize, j: usize| v[i] = Some(j as u32);
        nearest_hits(
            sentences,
            cue_start,
            |i, j| at(&mut c.cue_before, i, j),
            |i, j| at(&mut c.cue_after, i, j),
        );
        nearest_hits(
            sentences,
            |i| is_clause_punct(words[i]),
            |i, j| at(&mut c.punct_before, i, j),
            |i, j| at(&mut c.punct_after, i, j),
        );
        for (quoted, sent) in c.quoted.iter_mut().zip(sentences) {
            *quoted = sent.clone().any(|i| quotes[i].state.is_mark());
        }
        c
    }

    /// Pushes the features of token `i` (`lower`: the tokens in lower case;
    /// `sentence_of`: each token's sentence) as ids under `mask`.
    pub fn features<S: AsRef<str>>(
        &self,
        i: usize,
        lower: &[S],
        quotes: &[QuoteInfo],
        sentence_of: &[u32],
        mask: u64,
        ids: &mut Vec<u32>,
    ) {
        let mut push = |feature: Feature| ids.push(feature.id(mask));
        let state = quotes[i].state.code();
        let at = |j: Option<u32>| j.map(|j| j as usize);
        let (cue_before, cue_after) = (at(self.cue_before[i]), at(self.cue_after[i]));
        let (punct_before, punct_after) = (at(self.punct_before[i]), at(self.punct_after[i]));
        let quoted = self.quoted[sentence_of[i] as usize];
        push(
            Feature::new(34)
                .b(u8::from(cue_before.is_some()))
                .b(u8::from(cue_after.is_some()))
                .b(u8::from(quoted))
                .b(state),
        );
        let distance = |j: Option<usize>| j.map_or(b'n', |j| bucket(j.abs_diff(i)));
        push(
            Feature::new(35)
                .b(distance(punct_before))
                .b(distance(punct_after)),
        );
        // The nearest cue's word, and whether clause punctuation parts it
        // from the token (`said` before a `that`-clause, `, he said` after a
        // quote).
        if let Some(j) = cue_before {
            let parted = punct_before.is_some_and(|p| p > j);
            push(
                Feature::new(36)
                    .s(lower[j].as_ref())
                    .b(u8::from(parted))
                    .b(state),
            );
        }
        if let Some(j) = cue_after {
            let parted = punct_after.is_some_and(|p| p < j);
            push(
                Feature::new(37)
                    .s(lower[j].as_ref())
                    .b(u8::from(parted))
                    .b(state),
            );
        }
        // A `that` (or `whether`) at most three tokens after a cue opens its
        // content.
        let opener = |k: usize| {
            matches!(lower[k].as_ref(), "that" | "whether")
                && self.cue_before[k].is_some_and(|j| k - j as usize <= 3)
        };
        let after_opener = i > 0 && sentence_of[i - 1] == sentence_of[i] && opener(i - 1);
        push(
            Feature::new(38)
                .b(u8::from(opener(i)))
                .b(u8::from(after_opener)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::features::config::{FeatureConfig, Template};
    use crate::features::extractor::FeatureExtractor;
    use quotekit_data::{Document, Tokenizer};

    fn extract(text: &str, templates: Vec<Template>) -> Vec<Vec<u32>> {
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let config = FeatureConfig {
            templates,
            ..FeatureConfig::default()
        };
        let f = FeatureExtractor::new(&config).unwrap().extract(&doc, &tok);
        (0..f.len()).map(|i| f.token(i).to_vec()).collect()
    }

    /// A token's clause features tell a `that`-clause after a cue from the
    /// same words with no cue in the sentence, and a cue later in the
    /// sentence from one in the next sentence.
    #[test]
    fn clause_features_see_the_cues_of_the_sentence() {
        let clause = || vec![Template::Clause];
        // Tokens: Ann(0) said(1) that(2) taxes(3) rose(4) .(5)
        let said = extract("Ann said that taxes rose.", clause());
        let noted = extract("Ann knew that taxes rose.", clause());
        // `that` opens the content after `said` only; `taxes` follows it.
        assert_ne!(said[2], noted[2]);
        assert_ne!(said[3], noted[3]);
        // Bias, cues around, punctuation, the cue's word, the opener.
        assert_eq!(said[3].len(), 5);
        assert_eq!(noted[3].len(), 4);
        // `, she said` later in the sentence, or in the next one.
        let after = extract("Taxes rose, she said.", clause());
        let next = extract("Taxes rose. She said so.", clause());
        assert_ne!(after[0], next[0]);
    }

    /// The other templates' features are those of before: the clause
    /// template only adds its own.
    #[test]
    fn the_clause_template_adds_to_the_others_features() {
        let text = "“We won,” Ann said, adding that Bob (a rival) agreed.";
        let before = extract(text, Template::BEFORE_CLAUSE.to_vec());
        let all = extract(text, Template::ALL.to_vec());
        assert_eq!(before.len(), all.len());
        for (b, a) in before.iter().zip(&all) {
            assert_eq!(&a[..b.len()], &b[..]);
            assert!(a.len() > b.len());
        }
    }
}
