//! Attributions that a paragraph's layout makes, which taggers rarely
//! learn (few articles have them, and their quotation marks make them look
//! like quotations without a source), so that their spans are made from
//! the layout after decoding, for every model kind, and linked as the
//! layout says (not by the rule linker):
//!
//! - **Transcript turns**: paragraphs that open with a speaker's label in
//!   capitals and a colon (`WALLACE: Let’s start …`, `"PENCE: Well, look,
//!   …`, `SEN. ELIZABETH A. WARREN: …`), as news sites print an interview's
//!   transcript. PolNeAR annotates a turn as an attribution: the label its
//!   Source, the colon its Cue, the rest of the paragraph its Content (21 of
//!   the 25 turns of train and dev; the other four, a whole paragraph as
//!   content), and nothing inside it.
//! - **Sign-offs**: a paragraph that is one quotation, then a dash and the
//!   speaker's name, perhaps with an age, a town or a role after a comma
//!   (`“… our young people.” ― Krystal Correa`, `"…" -- Ana Ruiz, 34,
//!   Tucson`), as a vox-pop prints its voices. PolNeAR annotates the
//!   quotation (its marks in) as Content, the dash as Cue, the name as
//!   Source.
//!
//! A paragraph is a turn only in a transcript: where labels of two speakers
//! or more (their last words differ) open paragraphs, one of them opens two
//! (a conversation's speakers come back), and most turns read as speech (a
//! question, or a first- or second-person word: `I`, `we`, `you`, …). So a
//! lone `UPDATE:`, headings (`WHAT HAPPENED:`, `WHY IT MATTERS:`), a list's
//! `PROS:` / `CONS:`, a roundup's `WASHINGTON:` / `NEW YORK:` or a fact
//! check's `CLAIM:` stay text, and a label of a heading's words
//! (`TRANSCRIPT:`, `RELATED COVERAGE:`, `THE FACTS:`) is no turn even in a
//! transcript. An interview's `Q:` and `A:` are left to the tagger (a
//! one-letter label names no one); so are labels in mixed case (`Wallace:`)
//! and a label before a dash (`PENCE — “…”`).
//!
//! A quotation is a sign-off's where it ends with a sentence's punctuation
//! and the paragraph opens with it: not a title or a slogan (`“The Grapes
//! of Wrath” — John Steinbeck`, `“Just Do It” — Nike`), nor a paragraph of
//! two quotations with narrative between them.

use crate::linking::{link, Link};
use crate::speakers::lexicon::{in_capitals, TITLES};
use quotekit_data::marks::{is_dash, is_quote_mark};
use quotekit_data::{Role, Tokenized};
use std::ops::Range;

/// Words of labels that open paragraphs of news text and name no speaker:
/// a label with one of them is no turn (`THE FACTS:`, `READ MORE:`, `WHY IT
/// MATTERS:`, a fact check's `CLAIM:` and `VERDICT:`, a column's `DEAR
/// ABBY:`, a recipe's `INGREDIENTS:`, `QUESTION:` and `ANSWER:`; the
/// tokenizer splits `EDITOR'S` at its apostrophe).
const HEADING_WORDS: [&str; 51] = [
    "ANALYSIS",
    "ANSWER",
    "BACKGROUND",
    "BREAKING",
    "BYLINE",
    "CLAIM",
    "CLARIFICATION",
    "CONS",
    "CONTEXT",
    "CORRECTION",
    "COVERAGE",
    "DEAR",
    "DIRECTIONS",
    "EDITOR",
    "EDITORS",
    "EMAIL",
    "EXCLUSIVE",
    "FACT",
    "FACTS",
    "HAPPENED",
    "HOW",
    "INGREDIENTS",
    "LIVE",
    "LOOK",
    "MATTERS",
    "MORE",
    "NEXT",
    "NOTE",
    "PHOTO",
    "PHOTOS",
    "PREVIOUSLY",
    "PROS",
    "QUESTION",
    "RATING",
    "READ",
    "RELATED",
    "SIGN",
    "SOURCE",
    "SOURCES",
    "SUMMARY",
    "TIMELINE",
    "TRANSCRIPT",
    "UPDATE",
    "UPDATED",
    "VERDICT",
    "VIDEO",
    "WATCH",
    "WHAT",
    "WHEN",
    "WHERE",
    "WHY",
];

/// Most words a label may have (`SEN. ELIZABETH A. WARREN`), and most
/// tokens (its full stops among them: `GOV. J.B. PRITZKER`).
const MAX_LABEL_WORDS: usize = 5;
const MAX_LABEL_TOKENS: usize = 10;

/// Words of speech: a turn with one of them (or a question mark, or `let`
/// and an apostrophe: `Let’s`) reads as what someone said. Written in lower
/// case; a text's own may open with a capital (`We`), not be in capitals
/// (`US`). (The tokenizer splits `I’m` and `we’re` at their apostrophes.)
const SPEECH_WORDS: [&str; 11] = [
    "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours",
];

/// Small words that a name signing off a quotation may have between its
/// capitalised ones (`Maria de la Cruz`).
const PARTICLES: [&str; 9] = ["al", "bin", "da", "de", "del", "la", "le", "van", "von"];

/// Most tokens after a sign-off's name and its comma (`, 34, Tucson`, `, a
/// nurse in Mesa`).
const MAX_SIGN_OFF_TAIL: usize = 10;

/// One attribution the layout makes (a transcript's turn or a sign-off),
/// as token ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaidOut {
    /// True for a transcript's turn (its speaker goes on in paragraphs
    /// that open with no label), false for a sign-off.
    pub turn: bool,
    /// The speaker's label or name (`PENCE`, `Krystal Correa`).
    pub speaker: Range<usize>,
    /// The colon after a label, the dash before a name (one token, or two
    /// hyphens: `--`).
    pub cue: Range<usize>,
    /// What the speaker says.
    pub content: Range<usize>,
    /// Its paragraph's tokens: the tagger's spans there give way to it.
    pub extent: Range<usize>,
}

/// The turn that paragraph `para` opens, if its words are laid out as one:
/// perhaps an opening quotation mark, a label of words in capitals (full
/// stops after them, an initial and its full stop, no digit), a colon
/// glued to it, then at least one token.
fn turn_of(text: &str, tok: &Tokenized, para: Range<usize>) -> Option<LaidOut> {
    let t = |i: usize| tok.tokens[i].text(text);
    let glued = |i: usize| tok.tokens[i].span.end == tok.tokens[i + 1].span.start;
    let mut k = para.start;
    let quoted = k < para.end && matches!(t(k), "\"" | "“");
    if quoted {
        k += 1;
    }
    let start = k;
    let mut words = 0;
    while k < para.end && k - start < MAX_LABEL_TOKENS && t(k) != ":" {
        let w = t(k);
        // (An initial before its full stop or an apostrophe: `J.`, the `O`
        // of `O’REILLY`, which the tokenizer splits.)
        let initial = w.chars().count() == 1
            && w.chars().all(char::is_uppercase)
            && k + 1 < para.end
            && glued(k)
            && matches!(t(k + 1), "." | "'" | "’");
        // (A name's prefix before capitals: `McCAIN`, `DeSANTIS`.)
        let prefixed = ["Mc", "Mac", "De", "Di", "La", "Le"]
            .iter()
            .any(|p| w.strip_prefix(p).is_some_and(in_capitals));
        let word = in_capitals(w) || initial || prefixed;
        // (A full stop, an apostrophe, a hyphen or a comma only glued after
        // a word's letters: `SEN.`, `O’REILLY`, `OCASIO-CORTEZ`, `JAKE
        // TAPPER, CNN ANCHOR`.)
        let inside = k > start && glued(k - 1) && matches!(w, "." | "'" | "’" | "-" | ",");
        if !(word || inside) || w.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        words += usize::from(word);
        k += 1;
    }
    if k == start
        || words > MAX_LABEL_WORDS
        || k + 1 >= para.end
        || t(k) != ":"
        || !glued(k - 1)
        || (start..k).any(|i| HEADING_WORDS.contains(&t(i)))
    {
        return None;
    }
    // (The mark that closes a quoted turn is no more the content's than
    // the one that opens it.)
    let closed = quoted && matches!(t(para.end - 1), "\"" | "”") && para.end > k + 2;
    Some(LaidOut {
        turn: true,
        speaker: start..k,
        cue: k..k + 1,
        content: k + 1..para.end - usize::from(closed),
        extent: para,
    })
}

/// True when a turn reads as speech: a question mark or a word of
/// [`SPEECH_WORDS`] in what it says.
fn speech(text: &str, tok: &Tokenized, turn: &LaidOut) -> bool {
    let t = |i: usize| tok.tokens[i].text(text);
    // (As written, or with a capital first: `we`, `We`, `I`; not `US`.)
    let same = |word: &str, speech: &str| {
        word == speech
            || (word.len() == speech.len()
                && word.get(..1) == Some(speech[..1].to_ascii_uppercase().as_str())
                && word.get(1..) == speech.get(1..))
    };
    turn.content.clone().any(|i| {
        let w = t(i);
        w == "?"
            || SPEECH_WORDS.iter().any(|s| same(w, s))
            || (matches!(w, "let" | "Let")
                && i + 1 < turn.content.end
                && matches!(t(i + 1), "'" | "’"))
    })
}

/// The turns of a transcript in a document, in text order: none unless
/// labels of two speakers or more open paragraphs (their last words
/// differ), one of them opens two, and most turns read as speech.
pub fn transcript_turns(text: &str, tok: &Tokenized) -> Vec<LaidOut> {
    let turns: Vec<LaidOut> = tok
        .paragraphs
        .iter()
        .filter_map(|p| turn_of(text, tok, p.clone()))
        .collect();
    let last_word = |turn: &LaidOut| tok.tokens[turn.speaker.end - 1].text(text);
    let mut speakers: Vec<&str> = turns.iter().map(last_word).collect();
    speakers.sort_unstable();
    speakers.dedup();
    // (Fewer speakers than turns: one of them came back.)
    let spoken = turns.iter().filter(|t| speech(text, tok, t)).count();
    if speakers.len() < 2 || speakers.len() == turns.len() || spoken * 2 < turns.len() {
        return Vec::new();
    }
    turns
}

/// True when token `i` (of text `text`) is a full stop after a title's or
/// an initial's letters glued to it (`Dr.`, `A.`).
fn abbreviation_stop(text: &str, tok: &Tokenized, i: usize) -> bool {
    let before = tok.tokens[i - 1].text(text);
    tok.tokens[i].text(text) == "."
        && tok.tokens[i - 1].span.end == tok.tokens[i].span.start
        && before.chars().count() <= 4
        && before.chars().next().is_some_and(char::is_uppercase)
}

/// The sign-off that paragraph `para` is, if it is laid out as one: a
/// quotation (`“…”`, perhaps with quotations inside, or `"…"`; at least
/// two tokens inside, the last a sentence's punctuation), a dash (or two
/// hyphens), then a name (capitalised words, titles and initials with
/// their full stops, small words between them) to the paragraph's end or
/// to a comma and at most [`MAX_SIGN_OFF_TAIL`] tokens, perhaps a full stop
/// last. The Content is the quotation with its marks, the Cue the dash,
/// the Source the name.
fn sign_off_of(text: &str, tok: &Tokenized, para: Range<usize>) -> Option<LaidOut> {
    let t = |i: usize| tok.tokens[i].text(text);
    // (`”` opens some: a typing slip the close must then match.)
    let close_of = |open: &str| match open {
        "“" | "”" => Some("”"),
        "\"" => Some("\""),
        _ => None,
    };
    let close_mark = close_of(t(para.start))?;
    let inside = para.start + 1;
    // The mark that closes the quotation: quotations nest (`“… he calls
    // “hell” …”`) within curly marks, not within straight ones.
    let mut depth = 1;
    let close = (inside..para.end).find(|&i| {
        match t(i) {
            "“" if close_mark == "”" => depth += 1,
            m if m == close_mark => depth -= 1,
            _ => {}
        }
        depth == 0
    })?;
    // (The punctuation may stand inside a quotation that closes with it:
    // `“He calls it “hell.””`.)
    let mut last = close - 1;
    while last > inside && matches!(t(last), "”" | "’" | "\"") {
        last -= 1;
    }
    if close < inside + 2 || !matches!(t(last), "." | "," | "!" | "?" | "…") {
        return None;
    }
    // One dash, or two hyphens.
    let dash = close + 1;
    let hyphens = dash + 1 < para.end && t(dash) == "-" && t(dash + 1) == "-";
    if dash >= para.end || !is_dash(t(dash)) {
        return None;
    }
    let mut k = dash + 1 + usize::from(hyphens);
    let name = k;
    while k < para.end {
        let w = t(k);
        let capitalised = w.chars().next().is_some_and(char::is_uppercase);
        let stop = k > name && abbreviation_stop(text, tok, k);
        let particle = k > name && PARTICLES.contains(&w);
        if !(capitalised || stop || particle) {
            break;
        }
        k += 1;
    }
    // (Not a particle last: `Tom de`.)
    while k > name && PARTICLES.contains(&t(k - 1)) {
        k -= 1;
    }
    let name = name..k;
    let words = name.clone().filter(|&i| t(i) != ".").count();
    // (A name has a word of its own, not only titles: not `Dr.` alone.)
    let named = name
        .clone()
        .any(|i| t(i).chars().count() > 1 && !TITLES.contains(&t(i).to_lowercase()));
    let rest = para.end - k;
    let ends_here = rest == 0 || (rest == 1 && t(k) == ".");
    // (After a comma, an age, a town or a role; a name of one word before
    // one is a sentence's first word: `— Still, the crowd cheered`.)
    let tail = k < para.end && t(k) == "," && rest <= MAX_SIGN_OFF_TAIL + 1 && words > 1;
    if words > 5 || !named || !(ends_here || tail) {
        return None;
    }
    Some(LaidOut {
        turn: false,
        cue: dash..name.start,
        speaker: name,
        content: para.start..close + 1,
        extent: para,
    })
}

/// The sign-offs of a document's paragraphs, in text order: paragraphs
/// that are one quotation, a dash and a name (see the module's doc).
pub fn sign_offs(text: &str, tok: &Tokenized) -> Vec<LaidOut> {
    tok.paragraphs
        .iter()
        .filter_map(|p| sign_off_of(text, tok, p.clone()))
        .collect()
}

/// The attributions of a document's layout, in text order, apart: its
/// transcript's turns, and the sign-offs of other paragraphs.
pub fn laid_out(text: &str, tok: &Tokenized) -> Vec<LaidOut> {
    let turns = transcript_turns(text, tok);
    let sign_offs = sign_offs(text, tok);
    // (Both in text order, one per paragraph: a merge. A turn that ends as
    // a sign-off would is a turn.)
    let mut out = Vec::with_capacity(turns.len() + sign_offs.len());
    let mut turns = turns.into_iter().peekable();
    for s in sign_offs {
        while let Some(t) = turns.next_if(|t| t.extent.start < s.extent.end) {
            out.push(t);
        }
        if out.last().is_none_or(|t| t.extent.end <= s.extent.start) {
            out.push(s);
        }
    }
    out.extend(turns);
    out
}

/// What the layout made of a document's chunks ([`with_layout`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Per chunk, whether the layout made it.
    pub made: Vec<bool>,
    /// The layout's attributions (chunk indices), in text order.
    pub links: Vec<Link>,
    /// Per link, whether it is a transcript's turn.
    pub turns: Vec<bool>,
}

impl Layout {
    /// The links of `chunks` (those [`with_layout`] made this of): the
    /// layout's, and the rule linker's of the other chunks, which sees none
    /// of the layout's (a sign-off's dash is no other quote's cue); a quote
    /// with neither cue nor source that opens the paragraph after a turn's
    /// (or after one such quote), before the transcript's next turn, goes
    /// on with the turn, as PolNeAR annotates a speaker's answer over
    /// paragraphs. In the order of their first contents.
    pub fn link(self, text: &str, tok: &Tokenized, chunks: &[(Role, Range<usize>)]) -> Vec<Link> {
        if self.links.is_empty() {
            return link(tok, chunks);
        }
        let others: Vec<usize> = (0..chunks.len()).filter(|&k| !self.made[k]).collect();
        let own: Vec<(Role, Range<usize>)> = others.iter().map(|&k| chunks[k].clone()).collect();
        let mut links: Vec<Link> = link(tok, &own)
            .into_iter()
            .map(|l| Link {
                contents: l.contents.iter().map(|&c| others[c]).collect(),
                cue: l.cue.map(|c| others[c]),
                source: l.source.map(|s| others[s]),
            })
            .collect();
        let paragraph = |token: usize| tok.paragraphs.partition_point(|p| p.end <= token);
        // Turns by the paragraph their content ends in.
        let mut turn_at: Vec<(usize, usize)> = self
            .links
            .iter()
            .zip(&self.turns)
            .enumerate()
            .filter(|(_, (_, &turn))| turn)
            .filter_map(|(k, (l, _))| {
                l.contents
                    .last()
                    .map(|&c| (paragraph(chunks[c].1.end - 1), k))
            })
            .collect();
        let mut laid = self.links;
        // (Links in the order of their first contents, each quote's
        // paragraphs after the one before's.)
        links.sort_by_key(|l| l.contents.first().copied());
        let mut kept = Vec::with_capacity(links.len());
        for l in links {
            let first = l.contents.first().map(|&c| &chunks[c].1);
            let opens = first.and_then(|r| {
                let p = paragraph(r.start);
                let lead = tok.paragraphs[p].start;
                // (Perhaps after an opening quotation mark.)
                let quoted = r.start == lead + 1 && is_quote_mark(tok.tokens[lead].text(text));
                (r.start == lead || quoted).then_some(p)
            });
            // (Between two turns: a quote after a transcript's last turn
            // may be the article's again.)
            let goes_on = opens.and_then(|p| {
                let j = turn_at.partition_point(|&(q, _)| q + 1 < p);
                (j + 1 < turn_at.len() && turn_at[j].0 + 1 == p).then_some(j)
            });
            match goes_on {
                Some(j) if l.cue.is_none() && l.source.is_none() => {
                    laid[turn_at[j].1].contents.extend(&l.contents);
                    // (The turn now ends where this quote does.)
                    if let Some(&c) = l.contents.last() {
                        turn_at[j].0 = paragraph(chunks[c].1.end - 1);
                    }
                }
                _ => kept.push(l),
            }
        }
        kept.extend(laid);
        kept.sort_by_key(|l| l.contents.first().copied());
        kept
    }
}

/// The attributions of a document's layout put in `chunks` (role, token
/// range, in text order as decoding gives them) in place of those that
/// share a token with them: the speaker a Source, the colon or dash a Cue,
/// what was said a Content (the tagger's spans inside a turn go too:
/// PolNeAR annotates none there).
pub fn with_layout(text: &str, tok: &Tokenized, chunks: &mut Vec<(Role, Range<usize>)>) -> Layout {
    let laid = laid_out(text, tok);
    if laid.is_empty() {
        return Layout {
            made: vec![false; chunks.len()],
            ..Layout::default()
        };
    }
    // (Both in text order: for each chunk, the first attribution that
    // ends after its start is the only one it can share a token with.)
    let overlaps = |r: &Range<usize>| {
        let k = laid.partition_point(|l| l.extent.end <= r.start);
        laid.get(k).is_some_and(|l| l.extent.start < r.end)
    };
    let mut out: Vec<(Role, Range<usize>, Option<usize>)> = chunks
        .drain(..)
        .filter(|(_, r)| !overlaps(r))
        .map(|(role, r)| (role, r, None))
        .collect();
    for (k, l) in laid.iter().enumerate() {
        out.push((Role::Source, l.speaker.clone(), Some(k)));
        out.push((Role::Cue, l.cue.clone(), Some(k)));
        out.push((Role::Content, l.content.clone(), Some(k)));
    }
    out.sort_by_key(|(_, r, _)| r.start);
    let mut links = vec![
        Link {
            contents: Vec::new(),
            cue: None,
            source: None,
        };
        laid.len()
    ];
    let mut made = Vec::with_capacity(out.len());
    for (i, (role, r, of)) in out.into_iter().enumerate() {
        chunks.push((role, r));
        made.push(of.is_some());
        if let Some(k) = of {
            match role {
                Role::Source => links[k].source = Some(i),
                Role::Cue => links[k].cue = Some(i),
                Role::Content => links[k].contents.push(i),
            }
        }
    }
    Layout {
        made,
        links,
        turns: laid.iter().map(|l| l.turn).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Document, Tokenizer};

    fn tokenized(text: &str) -> Tokenized {
        Tokenizer::default().tokenize(&Document::new("d", text))
    }

    fn text_of(text: &str, tok: &Tokenized, r: &Range<usize>) -> String {
        text[tok.tokens[r.start].byte_start..tok.tokens[r.end - 1].byte_end].to_string()
    }

    /// Each attribution of the layout as `speaker | cue | content`.
    fn laid(text: &str) -> Vec<String> {
        let tok = tokenized(text);
        laid_out(text, &tok)
            .iter()
            .map(|l| {
                let t = |r: &Range<usize>| text_of(text, &tok, r);
                format!("{} | {} | {}", t(&l.speaker), t(&l.cue), t(&l.content))
            })
            .collect()
    }

    /// Each attribution of `chunks` linked by `layout`: `source | cue |
    /// contents`, with `-` for none.
    fn linked(
        text: &str,
        tok: &Tokenized,
        chunks: &[(Role, Range<usize>)],
        layout: Layout,
    ) -> Vec<String> {
        let t = |k: Option<usize>| k.map_or("-".to_string(), |k| text_of(text, tok, &chunks[k].1));
        layout
            .link(text, tok, chunks)
            .iter()
            .map(|l| {
                let contents: Vec<String> = l.contents.iter().map(|&c| t(Some(c))).collect();
                format!("{} | {} | {}", t(l.source), t(l.cue), contents.join(" + "))
            })
            .collect()
    }

    #[test]
    fn a_transcripts_turns_are_attributions_of_their_labels() {
        let text = "Partial transcript as follows:\n\n\"WALLACE: Will you be there?\n\n\
                    \"PENCE: We will not.\"\n\nSEN. ELIZABETH A. WARREN: Why not?\n\n\
                    WALLACE: Tell me.";
        assert_eq!(
            laid(text),
            [
                "WALLACE | : | Will you be there?",
                "PENCE | : | We will not.",
                "SEN. ELIZABETH A. WARREN | : | Why not?",
                "WALLACE | : | Tell me.",
            ]
        );
    }

    #[test]
    fn labels_that_are_no_speakers_make_no_transcript() {
        for text in [
            // Headings that do not come back; a lone turn; one label over
            // and over; a fact check's labels, two of them and one back.
            "STAT OF THE WEEK: Four.\n\nSHORT READS: Three?",
            "Intro.\n\nPENCE: I will not.",
            "LEE: Hi, I said.\n\nLEE: Bye, I said.",
            "CLAIM: I cut taxes.\n\nVERDICT: We found no cut?\n\nCLAIM: I built it.",
            // Turns that are no speech: a list's, a roundup's.
            "Plans differ.\n\nPROS: Lower premiums.\n\nCONS: Fewer doctors.\n\nPROS: Simpler.",
            "Protests spread.\n\nWASHINGTON: Thousands marched.\n\nNEW YORK: Police closed it.\n\n\
             WASHINGTON: Later, rain.",
            // One-letter labels; digits; a label before `said`; a colon
            // apart from its label.
            "Q: Why did you run?\n\nA: Because I could.\n\nQ: Why?",
            "COVID-19: We rose?\n\nH1N1: We fell?\n\nCOVID-19: We rose?",
            "WALLACE said: Why?\n\nPENCE said: Because I could.\n\nWALLACE said: Why?",
            "WALLACE : Why?\n\nPENCE : Because I could.\n\nWALLACE : Why?",
        ] {
            assert!(laid(text).is_empty(), "{text}: {:?}", laid(text));
        }
    }

    #[test]
    fn a_heading_in_a_transcript_is_no_turn() {
        let text = "TRANSCRIPT: Sunday.\n\nLEE: Will you go?\n\nKIM: I will.\n\nLEE: Why?\n\n\
                    RELATED COVERAGE: Lee in Ohio.";
        let got = laid(text);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got
            .iter()
            .all(|l| l.starts_with("LEE") || l.starts_with("KIM")));
    }

    #[test]
    fn a_sign_off_is_content_cue_and_source() {
        let text = "Voters told us why.\n\n\
                    “He scares me.” ― Krystal Correa\n\n\
                    “As a woman, I’d rather live in what he calls “hell” than this.”— Julie A. Diaz Martinez.\n\n\
                    \"Enough,\" -- Maria de la Cruz\n\n\
                    “We deserve better.” — Dr. Ana Ruiz, 34, Tucson";
        assert_eq!(
            laid(text),
            [
                "Krystal Correa | ― | “He scares me.”",
                "Julie A. Diaz Martinez | — | “As a woman, I’d rather live in what he calls “hell” than this.”",
                "Maria de la Cruz | -- | \"Enough,\"",
                "Dr. Ana Ruiz | — | “We deserve better.”",
            ]
        );
    }

    #[test]
    fn titles_slogans_and_narrative_sign_off_nothing() {
        for text in [
            "“The Grapes of Wrath” — John Steinbeck",
            "“Just Do It” — Nike",
            "“A triumph,” said one reviewer of “The Last Supper.” — Leonardo da Vinci",
            "“He scares me,” Ana Ruiz said. “He really does.” — Tom Lee",
            "“The best years.” — and more.",
            "Then “we won.” ― Tom Lee",
            "“We won.” Tom Lee",
            "“We won.” ― Anna Maria Luisa Garcia Lopez Ruiz",
            "“We won.” ― Tom de",
            "“We won.” — — Tom Lee",
            "“.” — Tom Lee",
            "“We won.” — Tom Lee, who voted for the first time in a town that has never had a poll",
        ] {
            assert!(laid(text).is_empty(), "{text}: {:?}", laid(text));
        }
    }

    #[test]
    fn a_turn_that_ends_as_a_sign_off_would_is_a_turn() {
        // (Its paragraph opens with a curly mark, as a sign-off's may.)
        let got = laid("“LEE: “I’m fine.” ― Tom Lee\n\nKIM: Are you?\n\nLEE: I am.");
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], "LEE | : | “I’m fine.” ― Tom Lee");
        assert_eq!(laid("“I’m fine.” ― Tom Lee").len(), 1);
    }

    #[test]
    fn the_layout_replaces_the_tags_spans_and_links_its_own() {
        let text = "Mr. Lee said it was late.\n\n\"JAKE TAPPER: Why are you here?\n\n\
                    \"Tell me.\n\nLEE: Because I can.\n\nTAPPER: Why?\n\n\
                    “He scares me.” ― Krystal Correa\n\n“We deserve better.” — Ana Ruiz, a nurse who has lived in the valley since the mill closed";
        let tok = tokenized(text);
        let said = tok.token_starting_at(8).unwrap();
        let para = |p: usize| tok.paragraphs[p].clone();
        let mut chunks = vec![
            (Role::Source, 0..3),
            (Role::Cue, said..said + 1),
            (Role::Content, said + 1..para(0).end - 1),
            // A content the tagger ran over the label; a quote going on
            // in the next paragraph; a vox-pop quote the layout misses.
            (Role::Content, para(1)),
            (Role::Content, para(2)),
            (Role::Content, para(6).start..para(6).start + 6),
        ];
        let layout = with_layout(text, &tok, &mut chunks);
        assert_eq!(layout.made.len(), chunks.len());
        assert_eq!(
            layout.made.iter().filter(|&&m| m).count(),
            12,
            "{:?}",
            layout.made
        );
        assert_eq!(
            linked(text, &tok, &chunks, layout),
            [
                "Mr. Lee | said | it was late",
                "JAKE TAPPER | : | Why are you here? + \"Tell me.",
                "LEE | : | Because I can.",
                "TAPPER | : | Why?",
                "Krystal Correa | ― | “He scares me.”",
                // (Not Krystal Correa's: her dash is the layout's.)
                "- | - | “We deserve better.”",
            ]
        );
    }

    #[test]
    fn labels_of_names_as_transcripts_print_them() {
        let text = "The panel met.\n\nO’REILLY: Will you run?\n\nMcCAIN: Let’s see.\n\n\
                    JAKE TAPPER, CNN ANCHOR: Why?\n\nO’REILLY: Tell us.";
        assert_eq!(
            laid(text),
            [
                "O’REILLY | : | Will you run?",
                "McCAIN | : | Let’s see.",
                "JAKE TAPPER, CNN ANCHOR | : | Why?",
                "O’REILLY | : | Tell us.",
            ]
        );
        // Five words at most, ten tokens at most.
        let long = |label: &str| format!("{label}: Will you?\n\nKIM: I will.\n\n{label}: Why?");
        assert_eq!(laid(&long("SEN. ELIZABETH ANN WARREN SMITH")).len(), 3);
        assert!(laid(&long("SEN. ELIZABETH ANN WARREN SMITH JONES")).is_empty());
        assert!(laid(&long("A.B.C.D.E. SMITH")).is_empty());
    }

    #[test]
    fn speech_is_words_of_speakers_not_capitals() {
        // `US` is no `us`; `Let’s` is speech.
        let roundup = "Protests spread.\n\nWASHINGTON: Thousands marched in the US.\n\n\
                       NEW YORK: US police closed it.\n\nWASHINGTON: Later, rain.";
        assert!(laid(roundup).is_empty());
        let lets = "Debate.\n\nLEE: Let’s begin.\n\nKIM: Fine.\n\nLEE: Let’s go on.";
        assert_eq!(laid(lets).len(), 3);
        let headings = "Advice.\n\nQUESTION: Should you go?\n\nANSWER: You should.\n\n\
                        QUESTION: Why?\n\nDEAR ABBY: Do I?";
        assert!(laid(headings).is_empty());
    }

    #[test]
    fn a_quote_goes_on_with_a_turn_only_between_turns() {
        let text = "A transcript.\n\nLEE: Will you?\n\n\"I ask again.\n\n\
                    She said no.\n\nKIM: I will.\n\n“And more.\n\nLEE: Why?\n\n\
                    “After the transcript.";
        let tok = tokenized(text);
        let para = |p: usize| tok.paragraphs[p].clone();
        let said = tok.token_starting_at(text.find("said").unwrap()).unwrap();
        let mut chunks = vec![
            // A quote opening the paragraph after LEE's turn (after its
            // quotation mark); a cue and its quote in the next; a quote
            // after KIM's turn, one opening mid-paragraph, one after the
            // last turn.
            (Role::Content, para(2)),
            (Role::Source, para(3).start..para(3).start + 1),
            (Role::Cue, said..said + 1),
            (Role::Content, said + 1..para(3).end - 1),
            (Role::Content, para(5).start + 1..para(5).end),
            (Role::Content, para(7)),
        ];
        let layout = with_layout(text, &tok, &mut chunks);
        assert_eq!(
            linked(text, &tok, &chunks, layout),
            [
                "LEE | : | Will you? + \"I ask again.",
                "She | said | no",
                "KIM | : | I will. + And more.",
                "LEE | : | Why?",
                "- | - | “After the transcript.",
            ]
        );
    }

    #[test]
    fn a_sign_off_needs_a_name_and_a_quotation_of_a_sentence() {
        for text in [
            "“We won.” — Still, the crowd cheered.",
            "“We won.” — Dr.",
            "“We won.” - — Tom Lee",
        ] {
            assert!(laid(text).is_empty(), "{text}: {:?}", laid(text));
        }
        assert_eq!(
            laid("“He calls it “hell.”” — Tom Lee"),
            ["Tom Lee | — | “He calls it “hell.””"]
        );
        // The tagger's spans after the name go with the paragraph.
        let text = "“We won.” — Ana Ruiz, who says she will vote\n\n“Next.” — Tom Lee";
        let tok = tokenized(text);
        let at = text[..text.find("says").unwrap()].chars().count();
        let says = tok.token_starting_at(at).unwrap();
        let mut chunks = vec![(Role::Cue, says..says + 1)];
        let layout = with_layout(text, &tok, &mut chunks);
        assert_eq!(chunks.len(), 6);
        assert!(layout.made.iter().all(|&m| m));
    }

    #[test]
    fn a_long_transcript_costs_its_length() {
        // Twenty thousand turns: found and placed in one pass each (a
        // quadratic pass took minutes here).
        let mut text = String::from("A transcript.");
        for k in 0..20_000 {
            text.push_str(if k % 2 == 0 {
                "\n\nLEE: Will you?"
            } else {
                "\n\nKIM: I will."
            });
        }
        let tok = tokenized(&text);
        let mut chunks = Vec::new();
        let layout = with_layout(&text, &tok, &mut chunks);
        assert_eq!(layout.links.len(), 20_000);
        assert_eq!(layout.link(&text, &tok, &chunks).len(), 20_000);
    }
}
