//! The symbolic features both network taggers embed: per word its quotation
//! state (× whether the quote continues from an earlier paragraph), its
//! cue-lexicon match and its capitalisation, as small ids.

use crate::features::extractor::{is_title, lower_case};
use crate::features::lexicon::{Lexicon, LexiconMatch};
use crate::features::quote_state::{quote_states, QuoteInfo, QuoteState};
use quotekit_data::{Document, Tokenized};

/// Sizes of the symbolic feature vocabularies: quote state × continued, cue match, shape.
pub const FEATURE_SIZES: [usize; 3] = [8, 4, 4];

/// Quotation state (× continued), cue-lexicon match and capitalisation ids of
/// every word: the symbolic features both neural taggers embed.
fn symbolic_features(
    words: &[&str],
    lower: &[std::borrow::Cow<'_, str>],
    quotes: &[QuoteInfo],
    cues: &Lexicon,
) -> Vec<[u32; 3]> {
    let cue = cues.matches(lower);
    (0..words.len())
        .map(|i| {
            let q = match quotes[i].state {
                QuoteState::Outside => 0,
                QuoteState::Opening => 1,
                QuoteState::Inside => 2,
                QuoteState::Closing => 3,
            } + 4 * u32::from(quotes[i].continued);
            let c = match cue[i] {
                LexiconMatch::None => 0,
                LexiconMatch::Single => 1,
                LexiconMatch::Begin => 2,
                LexiconMatch::Inside => 3,
            };
            let w = words[i];
            let shape = if is_title(w) {
                1
            } else if w.chars().any(char::is_uppercase) {
                2
            } else if w.chars().any(char::is_alphabetic) {
                0
            } else {
                3
            };
            [q, c, shape]
        })
        .collect()
}

/// The symbolic features (quotation state, cue match, capitalisation) of
/// each token of a tokenized document.
pub fn document_features(doc: &Document, tok: &Tokenized, cues: &Lexicon) -> Vec<[u32; 3]> {
    let text = doc.text();
    let words: Vec<&str> = tok.tokens.iter().map(|t| t.text(text)).collect();
    let lower: Vec<_> = words.iter().map(|w| lower_case(w)).collect();
    symbolic_features(&words, &lower, &quote_states(text, tok), cues)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::Tokenizer;

    #[test]
    fn ids_stay_within_their_vocabularies() {
        let doc = Document::new("d", "“We will win,” Ana Ruiz SAID, 42 times.\n\n“Again.”");
        let tok = Tokenizer::new().tokenize(&doc);
        let ids = document_features(&doc, &tok, &Lexicon::builtin_cues());
        assert_eq!(ids.len(), tok.tokens.len());
        for row in &ids {
            for (id, size) in row.iter().zip(FEATURE_SIZES) {
                assert!((*id as usize) < size, "{row:?}");
            }
        }
        // “ opens a quote; `Ana` is title case; `SAID` is a cue in capitals; `42` has no letters.
        let text = |i: usize| tok.tokens[i].text(doc.text());
        let at = |w: &str| (0..ids.len()).find(|&i| text(i) == w).unwrap();
        assert_eq!(ids[0][0], 1);
        assert_eq!(ids[at("Ana")][2], 1);
        assert_eq!((ids[at("SAID")][1], ids[at("SAID")][2]), (1, 2));
        assert_eq!(ids[at("42")][2], 3);
        // The second paragraph's quote is not a continuation (the first one closed).
        assert!(ids[at("Again")][0] < 4);
    }
}
