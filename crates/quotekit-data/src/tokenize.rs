//! Tokenization with character offsets: the matches of one regular
//! expression (the `regex` crate), which reads words as the `tokenizers`
//! crate's `Split` pre-tokenizer with Oniguruma did until stop 73 (a test
//! holds the two to the same tokens). Quotation marks are always tokens of their own;
//! tokens never cross a paragraph; sentences are found with a small rule set
//! (terminal punctuation, closing quotes, abbreviations, next-token case).
//! The file runs over 500 lines with its tests: each rule, and each of
//! the two ways of splitting (quotekit's and white space only), has one,
//! and the pattern is compared with Oniguruma's reading of it on every
//! Unicode character.

use crate::document::Document;
use crate::offsets::{CharIndex, CharSpan};
use std::ops::Range;

use crate::marks::is_quote_mark;
pub use crate::marks::QUOTE_MARKS;

/// The token pattern's word character (see [`TOKEN_PATTERN`]), one class
/// written once.
macro_rules! word_class {
    () => {
        r"[[\w\x{B2}\x{B3}\x{B9}\x{BC}-\x{BE}]--[\x{200C}\x{200D}]]"
    };
}

/// Token pattern: a quotation mark; a number with inner separators (`1,200.5`);
/// a word with inner hyphens, ampersands or slashes; or any other single symbol.
/// A word character is one of `\w` as Oniguruma reads it, which the
/// pattern was first run with (through `tokenizers`), so that models keep
/// their tokens: Unicode's word characters and Latin-1's superscripts and
/// fractions (`²`, `³`, `¹`, `¼`, `½`, `¾`), not the zero-width joiners
/// (U+200C, U+200D), which are symbols.
const TOKEN_PATTERN: &str = concat!(
    r#"["“”‘’'«»„‹›]|\d+(?:[.,:]\d+)+"#,
    "|",
    word_class!(),
    "+(?:[-&/]",
    word_class!(),
    r#"+)*|[^\s"“”‘’'«»„‹›"#,
    word_class!(),
    "]"
);

/// Words after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "reps", "gov", "gen", "lt", "col", "sgt",
    "capt", "st", "jr", "sr", "inc", "corp", "co", "ltd", "vs", "no", "jan", "feb", "aug", "sept",
    "oct", "nov", "dec", "rev", "hon", "pres", "atty", "supt", "mt", "ft", "e.g", "i.e", "u.s",
    "u.k", "u.n", "d.c", "ph",
];

/// One token: its character range and its byte range in the document text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Character offsets.
    pub span: CharSpan,
    /// Byte offset of the first byte.
    pub byte_start: usize,
    /// Byte offset one past the last byte.
    pub byte_end: usize,
}

impl Token {
    /// The token's text within `text` (the document text it was made from).
    ///
    /// # Panics
    ///
    /// If its byte offsets are not within `text` on character boundaries
    /// (a token of another text, or one built by hand).
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.byte_start..self.byte_end]
    }
}

/// A tokenized document: tokens plus sentence and paragraph boundaries as token ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokenized {
    /// Tokens in text order.
    pub tokens: Vec<Token>,
    /// Token ranges of sentences; they tile `tokens`.
    pub sentences: Vec<Range<usize>>,
    /// Token ranges of paragraphs; they tile `tokens` and never split a sentence.
    pub paragraphs: Vec<Range<usize>>,
}

impl Tokenized {
    /// Index of the token starting at character `c`, if any.
    pub fn token_starting_at(&self, c: usize) -> Option<usize> {
        self.tokens.binary_search_by_key(&c, |t| t.span.start).ok()
    }

    /// Index of the token ending at character `c`, if any.
    pub fn token_ending_at(&self, c: usize) -> Option<usize> {
        self.tokens.binary_search_by_key(&c, |t| t.span.end).ok()
    }

    /// Indices of the tokens that share at least one character with `span`.
    pub fn overlapping(&self, span: CharSpan) -> Range<usize> {
        let first = self.tokens.partition_point(|t| t.span.end <= span.start);
        let last = self.tokens.partition_point(|t| t.span.start < span.end);
        first..last.max(first)
    }

    /// True when the sentences and the paragraphs each tile the tokens (in
    /// order, without gaps; none for no tokens), as the tokenizer makes
    /// them.
    pub fn is_tiled(&self) -> bool {
        let tiles = |ranges: &[Range<usize>]| {
            let mut next = 0;
            ranges.iter().all(|r| {
                let ok = r.start == next && r.end > r.start;
                next = r.end;
                ok
            }) && next == self.tokens.len()
        };
        tiles(&self.sentences) && tiles(&self.paragraphs)
    }

    /// The same tokens with sentences and paragraphs that tile them: these,
    /// when they do ([`Self::is_tiled`]), else one sentence and one
    /// paragraph over all of them (for a hand-built value whose ranges are
    /// missing or wrong).
    pub fn tiled(&self) -> std::borrow::Cow<'_, Tokenized> {
        if self.is_tiled() {
            return std::borrow::Cow::Borrowed(self);
        }
        let all: Vec<Range<usize>> = if self.tokens.is_empty() {
            Vec::new()
        } else {
            std::iter::once(0..self.tokens.len()).collect()
        };
        std::borrow::Cow::Owned(Tokenized {
            tokens: self.tokens.clone(),
            sentences: all.clone(),
            paragraphs: all,
        })
    }

    /// True when `span`, trimmed of whitespace in `text`, starts and ends on token boundaries.
    pub fn on_boundaries(&self, text: &str, index: &CharIndex, span: CharSpan) -> bool {
        let trimmed = trim_span(text, index, span);
        trimmed.is_empty()
            || (self.token_starting_at(trimmed.start).is_some()
                && self.token_ending_at(trimmed.end).is_some())
    }
}

/// Shrinks `span` so that it neither starts nor ends with whitespace (nor
/// starts with a byte-order mark that opens the text).
pub fn trim_span(text: &str, index: &CharIndex, span: CharSpan) -> CharSpan {
    let Some(slice) = index.slice(text, span) else {
        return span;
    };
    // (And a byte-order mark that opens the text, which is in no token.)
    let mark = usize::from(span.start == 0 && slice.starts_with('\u{feff}'));
    let lead = mark
        + slice
            .chars()
            .skip(mark)
            .take_while(|c| c.is_whitespace())
            .count();
    if lead == span.len() {
        return CharSpan::new(span.start, span.start);
    }
    let trail = slice
        .chars()
        .rev()
        .take_while(|c| c.is_whitespace())
        .count();
    CharSpan::new(span.start + lead, span.end - trail)
}

/// Splits documents into tokens, sentences and paragraphs.
pub struct Tokenizer {
    splitting: Splitting,
}

/// How a [`Tokenizer`] finds tokens.
enum Splitting {
    /// quotekit's token pattern, and sentences where they end.
    Pattern(regex::Regex),
    /// White space only, a sentence per line ([`Tokenizer::spaces`]).
    Spaces,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer").finish_non_exhaustive()
    }
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    /// The standard quotekit tokenizer.
    pub fn new() -> Self {
        // (Compiled once per process: its Unicode classes take a few
        // milliseconds and megabytes; a copy shares them.)
        static PATTERN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(&format!("^(?:{TOKEN_PATTERN})"))
                .expect("the token pattern is a valid regex")
        });
        Self {
            splitting: Splitting::Pattern(PATTERN.clone()),
        }
    }

    /// A tokenizer that splits at white space only, one sentence per line:
    /// the tokens and sentences of a text read from CoNLL, whose tokens it
    /// joins with spaces and sentences with line breaks, come back as they
    /// were (`U.S.` and `don't` stay one token each).
    pub fn spaces() -> Self {
        Self {
            splitting: Splitting::Spaces,
        }
    }

    /// Tokenizes a document, paragraph by paragraph.
    pub fn tokenize(&self, doc: &Document) -> Tokenized {
        let index = doc.char_index();
        self.tokenize_text(doc.text(), &index, doc.paragraphs())
    }

    /// Tokenizes `text` whose paragraphs are given as char spans (a
    /// paragraph past the text's end, or reversed, has no tokens).
    ///
    /// # Panics
    ///
    /// If `index` is not `text`'s ([`CharIndex::new`] of it).
    pub fn tokenize_text(
        &self,
        text: &str,
        index: &CharIndex,
        paragraphs: &[CharSpan],
    ) -> Tokenized {
        let mut out = Tokenized::default();
        for paragraph in paragraphs {
            let Some((bytes, piece)) = index
                .byte_range(*paragraph)
                .and_then(|b| Some((b.clone(), text.get(b)?)))
            else {
                continue;
            };
            let first = out.tokens.len();
            // A token at `s..e` of the paragraph's bytes.
            let mut push = |s: usize, e: usize| {
                let (byte_start, byte_end) = (bytes.start + s, bytes.start + e);
                let span = CharSpan::new(
                    index
                        .char(byte_start)
                        .expect("split offsets lie on char boundaries"),
                    index
                        .char(byte_end)
                        .expect("split offsets lie on char boundaries"),
                );
                out.tokens.push(Token {
                    span,
                    byte_start,
                    byte_end,
                });
            };
            match &self.splitting {
                Splitting::Pattern(pattern) => {
                    for (s, e) in tokens(pattern, piece) {
                        // A byte-order mark opening the text (a file's, kept
                        // so that offsets count it, as brat's do) is no token
                        // of quotekit's: it was one, which the tagger took
                        // into a first quote. (The spaces tokenizer keeps
                        // every token a CoNLL file has.)
                        if bytes.start + s == 0 && &piece[s..e] == "\u{feff}" {
                            continue;
                        }
                        push(s, e);
                    }
                }
                Splitting::Spaces => {
                    // (Each word's place in the paragraph, from where its
                    // slice begins.)
                    let base = piece.as_ptr() as usize;
                    for word in piece.split_whitespace() {
                        let s = word.as_ptr() as usize - base;
                        push(s, s + word.len());
                    }
                }
            }
            if out.tokens.len() > first {
                match self.splitting {
                    Splitting::Pattern(_) => {
                        split_sentences(text, &out.tokens, first, &mut out.sentences)
                    }
                    Splitting::Spaces => out.sentences.push(first..out.tokens.len()),
                }
                out.paragraphs.push(first..out.tokens.len());
            }
        }
        out
    }
}

/// The byte ranges of the tokens of `piece`: the matches of `pattern`
/// (the token pattern anchored at its start) one after another, each at
/// the first character after white space. (Every character but white
/// space begins a token, so that is where an unanchored search would find
/// the next one; anchored, it needs no backward pass to find where the
/// match starts.)
fn tokens<'p>(
    pattern: &'p regex::Regex,
    piece: &'p str,
) -> impl Iterator<Item = (usize, usize)> + 'p {
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let rest = piece[at..].trim_start();
        at = piece.len() - rest.len();
        let c = rest.chars().next()?;
        match pattern.find(rest) {
            Some(m) => {
                let token = (at, at + m.end());
                at += m.end();
                return Some(token);
            }
            // (No character is left out by the pattern, but should one be,
            // it is no token, as an unanchored search would pass it by.)
            None => at += c.len_utf8(),
        }
    })
}

fn is_closer(s: &str) -> bool {
    is_quote_mark(s) || matches!(s, ")" | "]" | "}")
}

/// Appends the sentences of the paragraph `tokens[first..]` to `sentences`.
fn split_sentences(text: &str, tokens: &[Token], first: usize, sentences: &mut Vec<Range<usize>>) {
    let end = tokens.len();
    let mut start = first;
    let mut i = first;
    while i < end {
        let word = tokens[i].text(text);
        // (A full stop that runs on into a word: `N.Y`, `U.S`; asked of
        // full stops only.)
        let runs_on = || {
            i + 1 < end
                && tokens[i + 1].span.start == tokens[i].span.end
                && tokens[i + 1].text(text).starts_with(char::is_alphabetic)
        };
        let terminal = matches!(word, "." | "!" | "?" | "…")
            && !(word == "." && i > first && is_abbreviation(tokens[i - 1].text(text), runs_on()));
        i += 1;
        if !terminal {
            continue;
        }
        // Closing quotes and brackets glued to the full stop belong to this sentence.
        while i < end
            && tokens[i].span.start == tokens[i - 1].span.end
            && (is_closer(tokens[i].text(text)) || matches!(tokens[i].text(text), "." | "!" | "?"))
        {
            i += 1;
        }
        let next_starts_sentence = i == end || {
            let next = tokens[i].text(text);
            next.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
                || is_quote_mark(next)
                || matches!(next, "(" | "[" | "—" | "-")
        };
        if next_starts_sentence && i < end {
            sentences.push(start..i);
            start = i;
        }
    }
    if start < end {
        sentences.push(start..end);
    }
}

/// True when a full stop after `word` does not end a sentence: a listed
/// word, a single capital letter, or one after a hyphen when the full stop
/// `runs_on` into a word (`(D-N.Y.)`, `non-U.S.`: a token runs over the
/// hyphen; `Plan-B.` ends a sentence).
fn is_abbreviation(word: &str, runs_on: bool) -> bool {
    let initial = |w: &str| w.chars().count() == 1 && w.chars().all(char::is_uppercase);
    initial(word)
        || (runs_on && word.rsplit_once('-').is_some_and(|(_, last)| initial(last)))
        || ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tokens (byte ranges) of `text` as `tokenizers`' `Split`
    /// pre-tokenizer with Oniguruma made them from the pattern as first
    /// written, with a plain `\w`.
    fn oniguruma_tokens(text: &str) -> Vec<(usize, usize)> {
        use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
        use tokenizers::{
            OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer, SplitDelimiterBehavior,
        };
        let pattern = r#"["“”‘’'«»„‹›]|\d+(?:[.,:]\d+)+|\w+(?:[-&/]\w+)*|[^\s\w"“”‘’'«»„‹›]"#;
        let split = Split::new(
            SplitPattern::Regex(pattern.to_string()),
            SplitDelimiterBehavior::Removed,
            true,
        )
        .unwrap();
        let mut pre = PreTokenizedString::from(text);
        split.pre_tokenize(&mut pre).unwrap();
        pre.get_splits(OffsetReferential::Original, OffsetType::Byte)
            .into_iter()
            .map(|(_, offsets, _)| offsets)
            .collect()
    }

    fn pattern_tokens(text: &str) -> Vec<(usize, usize)> {
        let Splitting::Pattern(pattern) = Tokenizer::new().splitting else {
            unreachable!("the standard tokenizer has the pattern")
        };
        tokens(&pattern, text).collect()
    }

    /// Every character is read as Oniguruma read it: between letters,
    /// after a hyphen, after a number's separator and between spaces (a
    /// word character, a digit, white space or a symbol), 4,096 characters
    /// to a text.
    #[test]
    fn the_pattern_reads_every_character_as_oniguruma_did() {
        let chars: Vec<char> = (0u32..=0x10FFFF).filter_map(char::from_u32).collect();
        for block in chars.chunks(4096) {
            let mut text = String::new();
            for c in block {
                text.push_str(&format!("a{c}a a-{c} 1.{c} x {c} "));
            }
            let (old, new) = (oniguruma_tokens(&text), pattern_tokens(&text));
            if old != new {
                let k = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
                let at = old.get(k).or(new.get(k)).map_or(0, |t| t.0);
                let near: String = text[at..].chars().take(8).collect();
                panic!("tokens differ at byte {at}: {near:?}");
            }
        }
    }

    proptest! {
        /// Texts of numbers, words, joiners, quotation marks and symbols
        /// are split into the same tokens as before.
        #[test]
        fn texts_split_as_oniguruma_split_them(
            text in r#"[a-zA-Z0-9 .,:\-&/'"“”‘’«»„‹›²½é\x{0301}\x{200C}\x{200D}\x{A0}\x{FEFF}中—…\n\t]{0,40}"#
        ) {
            prop_assert_eq!(oniguruma_tokens(&text), pattern_tokens(&text));
        }
    }

    fn words(doc: &Document) -> Vec<String> {
        let t = Tokenizer::new().tokenize(doc);
        t.tokens
            .iter()
            .map(|x| x.text(doc.text()).to_string())
            .collect()
    }

    /// Split at white space only, a line is a sentence (a paragraph too),
    /// whatever ends it; offsets count characters.
    #[test]
    fn spaces_split_at_white_space_one_sentence_per_line() {
        let doc = Document::new(
            "d",
            "The U.S. said -- `` don't go '' .\n  Go . Now é\u{a0}x",
        );
        let t = Tokenizer::spaces().tokenize(&doc);
        let texts: Vec<&str> = t.tokens.iter().map(|x| x.text(doc.text())).collect();
        assert_eq!(
            texts,
            [
                "The", "U.S.", "said", "--", "``", "don't", "go", "''", ".", "Go", ".", "Now", "é",
                "x"
            ]
        );
        assert_eq!(t.sentences, [0..9, 9..14]);
        assert_eq!(t.paragraphs, t.sentences);
        assert_eq!(t.tokens[12].span, CharSpan::new(45, 46));
    }

    /// A byte-order mark opening a text is no token: the first word is
    /// the first token. (Elsewhere it is a symbol as before.)
    #[test]
    fn a_byte_order_mark_opening_a_text_is_no_token() {
        let doc = Document::new("d", "\u{feff}“Go,” Ann said.\n\u{feff}Yes.");
        assert_eq!(
            words(&doc),
            ["“", "Go", ",", "”", "Ann", "said", ".", "\u{feff}", "Yes", "."]
        );
        let t = Tokenizer::new().tokenize(&doc);
        assert_eq!(t.tokens[0].span, CharSpan::new(1, 2));
        assert_eq!(t.sentences[0], 0..7);
        assert_eq!(t.paragraphs[0], 0..7);
        let only = Document::new("d", "\u{feff}");
        assert!(Tokenizer::new().tokenize(&only).tokens.is_empty());
        // A span over it starts where its first token does, as one over a
        // space does; the spaces tokenizer keeps it, as a CoNLL token.
        let index = doc.char_index();
        assert_eq!(
            trim_span(doc.text(), &index, CharSpan::new(0, 5)),
            CharSpan::new(1, 5)
        );
        let spaces = Tokenizer::spaces().tokenize(&doc);
        assert_eq!(spaces.tokens[0].text(doc.text()), "\u{feff}“Go,”");
    }

    /// Paragraphs given past the text or reversed have no tokens.
    #[test]
    fn paragraphs_outside_the_text_have_no_tokens() {
        let text = "Ann said no. Bob agreed.";
        let index = CharIndex::new(text);
        let paragraphs = [
            CharSpan::new(13, 24),
            CharSpan::new(5, 2),
            CharSpan::new(20, 90),
        ];
        let tok = Tokenizer::new().tokenize_text(text, &index, &paragraphs);
        let words: Vec<&str> = tok.tokens.iter().map(|t| t.text(text)).collect();
        assert_eq!(words, ["Bob", "agreed", "."]);
    }

    #[test]
    fn quotation_marks_are_own_tokens() {
        let doc = Document::new("d", "“It’s fine,” O’Malley said. 'Yes' «oui» \"no\"");
        assert_eq!(
            words(&doc),
            vec![
                "“", "It", "’", "s", "fine", ",", "”", "O", "’", "Malley", "said", ".", "'", "Yes",
                "'", "«", "oui", "»", "\"", "no", "\""
            ]
        );
    }

    #[test]
    fn numbers_hyphens_and_unicode_words() {
        let doc = Document::new("d", "A $1,200.50 long-time café—closed.");
        assert_eq!(
            words(&doc),
            vec![
                "A",
                "$",
                "1,200.50",
                "long-time",
                "café",
                "—",
                "closed",
                "."
            ]
        );
    }

    #[test]
    fn char_offsets_survive_multibyte_text() {
        let doc = Document::new("d", "“Já,” ela disse.\n\nNext");
        let t = Tokenizer::new().tokenize(&doc);
        let idx = doc.char_index();
        for tok in &t.tokens {
            assert_eq!(
                idx.slice(doc.text(), tok.span).unwrap(),
                tok.text(doc.text())
            );
        }
        assert_eq!(t.tokens.last().unwrap().span, CharSpan::new(18, 22));
        assert_eq!(t.paragraphs, vec![0..7, 7..8]);
    }

    #[test]
    fn tokenized_documents_are_tiled_and_broken_ranges_are_replaced() {
        let one = |r: Range<usize>| std::iter::once(r).collect::<Vec<_>>();
        let doc = Document::new("d", "One two. Three four.\n\nFive.");
        let tok = Tokenizer::new().tokenize(&doc);
        assert!(tok.is_tiled());
        assert!(matches!(tok.tiled(), std::borrow::Cow::Borrowed(_)));
        let n = tok.tokens.len();
        for (sentences, paragraphs) in [
            (vec![], tok.paragraphs.clone()),
            (one(0..n + 2), one(0..n)),
            (one(1..n), one(0..n)),
            (tok.sentences.clone(), one(0..2)),
        ] {
            let broken = Tokenized {
                sentences,
                paragraphs,
                ..tok.clone()
            };
            assert!(!broken.is_tiled());
            let fixed = broken.tiled();
            assert!(fixed.is_tiled());
            assert_eq!(
                (fixed.sentences.clone(), fixed.tokens.len()),
                (one(0..n), n)
            );
        }
        assert!(Tokenized::default().is_tiled());
    }

    #[test]
    fn sentences_respect_abbreviations_and_closing_quotes() {
        let doc = Document::new(
            "d",
            "Mr. Smith met Sen. Jones. “We agree.” Then they left! And J. Doe stayed. \
             Sen. Ann Lee (D-N.Y.) said it, with a Ph.D. on the non-U.S. cases. Bye. \
             We need a Plan-B. Now.",
        );
        let t = Tokenizer::new().tokenize(&doc);
        let sents: Vec<String> = t
            .sentences
            .iter()
            .map(|r| {
                let a = t.tokens[r.start].byte_start;
                let b = t.tokens[r.end - 1].byte_end;
                doc.text()[a..b].to_string()
            })
            .collect();
        assert_eq!(
            sents,
            vec![
                "Mr. Smith met Sen. Jones.",
                "“We agree.”",
                "Then they left!",
                "And J. Doe stayed.",
                "Sen. Ann Lee (D-N.Y.) said it, with a Ph.D. on the non-U.S. cases.",
                "Bye.",
                "We need a Plan-B.",
                "Now."
            ]
        );
    }

    #[test]
    fn boundary_check_trims_whitespace() {
        let doc = Document::new("d", "He said it.");
        let t = Tokenizer::new().tokenize(&doc);
        let idx = doc.char_index();
        assert!(t.on_boundaries(doc.text(), &idx, CharSpan::new(2, 8)));
        assert!(!t.on_boundaries(doc.text(), &idx, CharSpan::new(4, 8)));
    }
}
