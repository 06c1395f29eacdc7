//! Attributions that a paragraph's layout makes, which taggers rarely
//! learn (few articles have them, and their quotation marks make them look
//! like quotations without a source), so that their spans are made from
//! the layout after decoding, for every model kind:
//!
//! - **Transcript turns**: paragraphs that open with a speaker's label in
//!   capitals and a colon (`WALLACE: Let’s start …`, `"PENCE: Well, look,
//!   …`), as news sites print an interview's transcript. PolNeAR annotates
//!   a turn as an attribution: the label its Source, the colon its Cue, the
//!   rest of the paragraph its Content (21 of the 25 turns of train and
//!   dev; the other four, a whole paragraph as content).
//! - **Sign-offs**: a paragraph that is one quotation, then a dash and the
//!   speaker's name (`“… our young people.” ― Krystal Correa`), as a
//!   vox-pop prints its voices. PolNeAR annotates the quotation (its marks
//!   in) as Content, the dash as Cue, the name as Source.
//!
//! A paragraph is a turn only in a transcript: where labels of two speakers
//! or more (their last words differ) open paragraphs and one of them opens
//! two (a conversation's speakers come back), so that a lone `UPDATE:`, a
//! pair of headings (`STAT OF THE WEEK:`, `SHORT READS:`) or one label over
//! and over (a fact check's `CLAIM:`) stays text.

use quotekit_data::{Role, Tokenized};
use std::ops::Range;

/// Labels that open paragraphs of news text and name no speaker.
/// (A fact check's labels among them: `CLAIM:`, `VERDICT:`.)
const NOT_SPEAKERS: [&str; 22] = [
    "ANALYSIS",
    "BREAKING",
    "BYLINE",
    "CLAIM",
    "CLARIFICATION",
    "CONTEXT",
    "CORRECTION",
    "EDITOR'S NOTE",
    "EMAIL",
    "EXCLUSIVE",
    "FACT",
    "LOOK",
    "NOTE",
    "PHOTOS",
    "PREVIOUSLY",
    "RATING",
    "READ",
    "RELATED",
    "UPDATE",
    "VERDICT",
    "VIDEO",
    "WATCH",
];

/// Most words a label may have (`JAKE TAPPER`, `SEN. ELIZABETH WARREN`).
const MAX_LABEL_TOKENS: usize = 5;

/// One attribution the layout makes (a transcript's turn or a sign-off),
/// as token ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaidOut {
    /// The speaker's label or name (`PENCE`, `Krystal Correa`).
    pub speaker: Range<usize>,
    /// The colon after a label, the dash before a name.
    pub cue: usize,
    /// What the speaker says.
    pub content: Range<usize>,
}

impl LaidOut {
    /// Its tokens, from the first of its spans to the end of the last (a
    /// turn's label comes first, a sign-off's name last).
    pub fn extent(&self) -> Range<usize> {
        self.speaker.start.min(self.content.start)..self.speaker.end.max(self.content.end)
    }

    /// True when it shares a token with `tokens`.
    fn overlaps(&self, tokens: &Range<usize>) -> bool {
        let e = self.extent();
        tokens.start < e.end && e.start < tokens.end
    }
}

/// True when a token is a word in capitals: letters, at least one, none of
/// them lower case (`PENCE`, `O’REILLY`; `SEN.` is `SEN` and `.`).
fn in_capitals(word: &str) -> bool {
    word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase)
}

/// The turn that paragraph `para` opens, if its words are laid out as one:
/// perhaps an opening quotation mark, a label of words in capitals (two
/// letters or more in all: `Q:` is a question's label), a colon glued to
/// it, then at least one token.
fn turn_of(text: &str, tok: &Tokenized, para: Range<usize>) -> Option<LaidOut> {
    let t = |i: usize| tok.tokens[i].text(text);
    let glued = |i: usize| tok.tokens[i].span.end == tok.tokens[i + 1].span.start;
    let mut k = para.start;
    if k < para.end && matches!(t(k), "\"" | "“") {
        k += 1;
    }
    let start = k;
    while k < para.end && k - start < MAX_LABEL_TOKENS && t(k) != ":" {
        if !(in_capitals(t(k)) || matches!(t(k), "." | "'" | "’" | "-")) {
            return None;
        }
        k += 1;
    }
    let letters: usize = (start..k)
        .map(|i| t(i).chars().filter(|c| c.is_alphabetic()).count())
        .sum();
    if k == start || k + 1 >= para.end || t(k) != ":" || !glued(k - 1) || letters < 2 {
        return None;
    }
    Some(LaidOut {
        speaker: start..k,
        cue: k,
        content: k + 1..para.end,
    })
}

/// The turns of a transcript in a document, in text order: none unless
/// labels of two speakers or more open paragraphs (their last words
/// differ) and one of them opens two.
pub fn transcript_turns(text: &str, tok: &Tokenized) -> Vec<LaidOut> {
    let label_text = |r: &Range<usize>| {
        text[tok.tokens[r.start].byte_start..tok.tokens[r.end - 1].byte_end].to_string()
    };
    let turns: Vec<LaidOut> = tok
        .paragraphs
        .iter()
        .filter_map(|p| turn_of(text, tok, p.clone()))
        .filter(|turn| {
            !NOT_SPEAKERS.contains(&label_text(&turn.speaker).replace('’', "'").as_str())
        })
        .collect();
    let last_word = |turn: &LaidOut| tok.tokens[turn.speaker.end - 1].text(text);
    let mut speakers: Vec<&str> = turns.iter().map(last_word).collect();
    speakers.sort_unstable();
    let turns_of_all = speakers.len();
    speakers.dedup();
    // (Fewer speakers than turns: one of them came back.)
    if speakers.len() < 2 || speakers.len() == turns_of_all {
        return Vec::new();
    }
    turns
}

/// Small words that a name signing off a quotation may have between its
/// capitalised ones (`Maria de la Cruz`).
const PARTICLES: [&str; 9] = ["al", "bin", "da", "de", "del", "la", "le", "van", "von"];

/// The sign-off that paragraph `para` is, if it is laid out as one: a
/// quotation mark opening it, a closing one, a dash, then a name to the
/// paragraph's end (capitalised words and initials, perhaps a small word
/// between them and a full stop after them). The Content is the quotation
/// with its marks, the Cue the dash, the Source the name.
fn sign_off_of(text: &str, tok: &Tokenized, para: Range<usize>) -> Option<LaidOut> {
    let t = |i: usize| tok.tokens[i].text(text);
    let initial = |i: usize| t(i).chars().count() == 1;
    if para.len() < 4 || !matches!(t(para.start), "“" | "”" | "\"") {
        return None;
    }
    let mut end = para.end;
    if t(end - 1) == "." && !initial(end - 2) {
        end -= 1;
    }
    // The name, back from the paragraph's end.
    let mut k = end;
    while k > para.start + 2 {
        let w = t(k - 1);
        let capitalised = w.chars().next().is_some_and(char::is_uppercase);
        let initial_dot = w == "." && initial(k - 2);
        let particle = PARTICLES.contains(&w) && k < end;
        if !(capitalised || initial_dot || particle) {
            break;
        }
        k -= 1;
    }
    let words = (k..end).filter(|&i| t(i) != ".").count();
    let capital_first = k < end && t(k).chars().next().is_some_and(char::is_uppercase);
    if words == 0 || words > 5 || !capital_first {
        return None;
    }
    let (dash, close) = (k - 1, k - 2);
    if !matches!(t(dash), "―" | "—" | "–" | "-" | "--") || !matches!(t(close), "”" | "\"") {
        return None;
    }
    Some(LaidOut {
        speaker: k..end,
        cue: dash,
        content: para.start..close + 1,
    })
}

/// The sign-offs of a document's paragraphs ([`sign_off_of`]), in text order.
pub fn sign_offs(text: &str, tok: &Tokenized) -> Vec<LaidOut> {
    tok.paragraphs
        .iter()
        .filter_map(|p| sign_off_of(text, tok, p.clone()))
        .collect()
}

/// Puts the spans of each transcript turn and sign-off in `chunks` (role,
/// token range, in text order as decoding gives them) in place of those
/// that overlap its paragraph: the speaker a Source, the colon or dash a
/// Cue, what was said a Content. Returns, per chunk of the result, whether
/// the layout made it.
pub fn with_layout(
    text: &str,
    tok: &Tokenized,
    chunks: &mut Vec<(Role, Range<usize>)>,
) -> Vec<bool> {
    let mut turns = transcript_turns(text, tok);
    // (A turn that ends as a sign-off would is a turn.)
    let in_turn = |s: &LaidOut| turns.iter().any(|t| t.overlaps(&s.extent()));
    let sign_offs: Vec<LaidOut> = sign_offs(text, tok)
        .into_iter()
        .filter(|s| !in_turn(s))
        .collect();
    turns.extend(sign_offs);
    let mut made = vec![false; chunks.len()];
    if turns.is_empty() {
        return made;
    }
    let mut out: Vec<(Role, Range<usize>, bool)> = chunks
        .drain(..)
        .filter(|(_, r)| !turns.iter().any(|t| t.overlaps(r)))
        .map(|(role, r)| (role, r, false))
        .collect();
    for t in &turns {
        out.push((Role::Source, t.speaker.clone(), true));
        out.push((Role::Cue, t.cue..t.cue + 1, true));
        out.push((Role::Content, t.content.clone(), true));
    }
    out.sort_by_key(|(_, r, _)| r.start);
    made.clear();
    for (role, r, m) in out {
        chunks.push((role, r));
        made.push(m);
    }
    made
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Document, Tokenizer};

    fn chunks_of(text: &str, chunks: &[(Role, Range<usize>)], tok: &Tokenized) -> Vec<String> {
        chunks
            .iter()
            .map(|(role, r)| {
                format!(
                    "{role:?} {}",
                    &text[tok.tokens[r.start].byte_start..tok.tokens[r.end - 1].byte_end]
                )
            })
            .collect()
    }

    fn tokenized(text: &str) -> Tokenized {
        Tokenizer::default().tokenize(&Document::new("d", text))
    }

    #[test]
    fn a_transcript_turn_is_source_cue_and_content() {
        let text = "Partial transcript as follows:\n\n\"WALLACE: Will she be there?\n\n\"PENCE: She will not.\n\n\"WALLACE: Why not?";
        let tok = tokenized(text);
        // The tagger saw quotations: each paragraph one Content.
        let mut chunks: Vec<(Role, Range<usize>)> = tok.paragraphs[1..]
            .iter()
            .map(|p| (Role::Content, p.clone()))
            .collect();
        let made = with_layout(text, &tok, &mut chunks);
        assert_eq!(
            chunks_of(text, &chunks, &tok),
            [
                "Source WALLACE",
                "Cue :",
                "Content Will she be there?",
                "Source PENCE",
                "Cue :",
                "Content She will not.",
                "Source WALLACE",
                "Cue :",
                "Content Why not?",
            ]
        );
        assert!(made.iter().all(|&m| m));
    }

    #[test]
    fn spans_outside_the_turns_stay() {
        let text =
            "Mr. Lee said it was late.\n\nJAKE TAPPER: Why?\n\nLEE: Because.\n\nTAPPER: Thanks.";
        let tok = tokenized(text);
        let said = tok.token_starting_at(8).unwrap();
        let mut chunks = vec![
            (Role::Source, 0..3),
            (Role::Cue, said..said + 1),
            (Role::Content, said + 1..tok.paragraphs[0].end - 1),
            // A content the tagger ran over the label.
            (Role::Content, tok.paragraphs[1].clone()),
        ];
        let made = with_layout(text, &tok, &mut chunks);
        let got = chunks_of(text, &chunks, &tok);
        assert_eq!(
            got[..3],
            ["Source Mr. Lee", "Cue said", "Content it was late"]
        );
        assert_eq!(got[3..6], ["Source JAKE TAPPER", "Cue :", "Content Why?"]);
        assert_eq!(got.len(), 12);
        assert_eq!(
            made,
            [false, false, false, true, true, true, true, true, true, true, true, true]
        );
    }

    #[test]
    fn labels_of_one_kind_or_a_lone_label_are_no_transcript() {
        // Headings that do not come back, a lone turn, editorial labels.
        for text in [
            "STAT OF THE WEEK: Four.\n\nSHORT READS: Three.",
            "Intro.\n\nPENCE: She will not.",
            "UPDATE: Later.\n\nUPDATE: Later still.",
            "CLAIM: Four.\n\nCLAIM: Three.\n\nCLAIM: Two.",
            "LEE: Hi.\n\nLEE: Bye.",
            "Q: Why?\n\nA: Because.\n\nQ: When?",
            "WALLACE said: Why?\n\nPENCE said: Because.\n\nWALLACE said: Why?",
        ] {
            let tok = tokenized(text);
            assert!(transcript_turns(text, &tok).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_sign_off_is_content_cue_and_source() {
        let text = "Voters told us why.\n\n\
                    “He scares me.” ― Krystal Correa\n\n\
                    “We deserve better.”― Julie A. Diaz Martinez.\n\n\
                    \"Enough,\" — Maria de la Cruz";
        let tok = tokenized(text);
        let mut chunks: Vec<(Role, Range<usize>)> = tok.paragraphs[1..]
            .iter()
            .map(|p| (Role::Content, p.start..p.start + 3))
            .collect();
        let made = with_layout(text, &tok, &mut chunks);
        assert_eq!(
            chunks_of(text, &chunks, &tok),
            [
                "Content “He scares me.”",
                "Cue ―",
                "Source Krystal Correa",
                "Content “We deserve better.”",
                "Cue ―",
                "Source Julie A. Diaz Martinez",
                "Content \"Enough,\"",
                "Cue —",
                "Source Maria de la Cruz",
            ]
        );
        assert!(made.iter().all(|&m| m));
    }

    #[test]
    fn a_quotation_and_a_dash_before_words_of_no_name_sign_nothing() {
        for text in [
            // Lower case after the dash, a quotation inside the paragraph,
            // no dash, a name of six words, a particle ending the name.
            "“The best years” — and more.",
            "She said “no” — Tom Lee said yes.",
            "Then “we won” ― Tom Lee",
            "“We won.” Tom Lee",
            "“We won.” ― Anna Maria Luisa Garcia Lopez Ruiz",
            "“We won.” ― Tom de",
        ] {
            let tok = tokenized(text);
            assert!(sign_offs(text, &tok).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_turn_that_ends_as_a_sign_off_is_a_turn() {
        let text = "\"LEE: “Fine.” ― Tom Lee\n\nKIM: Yes.\n\nLEE: No.";
        let tok = tokenized(text);
        let mut chunks = Vec::new();
        with_layout(text, &tok, &mut chunks);
        assert_eq!(
            chunks_of(text, &chunks, &tok)[..3],
            ["Source LEE", "Cue :", "Content “Fine.” ― Tom Lee"]
        );
        assert_eq!(chunks.len(), 9);
    }

    #[test]
    fn a_turn_needs_words_after_its_colon_and_the_colon_glued() {
        let text = "WALLACE :\n\nPENCE: Yes.\n\nLEE: No.\n\nPENCE:\n\nPENCE: So.";
        let tok = tokenized(text);
        let turns = transcript_turns(text, &tok);
        assert_eq!(turns.len(), 3);
        assert_eq!(
            turns[0].speaker,
            tok.paragraphs[1].start..tok.paragraphs[1].start + 1
        );
    }
}
