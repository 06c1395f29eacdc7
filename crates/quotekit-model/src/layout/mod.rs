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
//! [`transcript_turns`] finds the turns, [`sign_offs`] the sign-offs.
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

mod laid_out;
mod sign_offs;
mod turns;

pub use laid_out::LaidOut;
pub use sign_offs::sign_offs;
pub use turns::transcript_turns;

use crate::linking::{link, Link};
use quotekit_data::marks::is_quote_mark;
use quotekit_data::{Role, Tokenized};
use std::ops::Range;

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
    /// What the layout makes of `chunks` chunks where it makes nothing.
    pub fn untouched(chunks: usize) -> Self {
        Self {
            made: vec![false; chunks],
            ..Self::default()
        }
    }

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
        return Layout::untouched(chunks.len());
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
    let mut links = vec![Link::default(); laid.len()];
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
pub(crate) mod tests {
    use super::*;
    use quotekit_data::{Document, Tokenizer};

    pub(crate) fn tokenized(text: &str) -> Tokenized {
        Tokenizer::default().tokenize(&Document::new("d", text))
    }

    pub(crate) fn text_of(text: &str, tok: &Tokenized, r: &Range<usize>) -> String {
        text[tok.tokens[r.start].byte_start..tok.tokens[r.end - 1].byte_end].to_string()
    }

    /// Each attribution of the layout as `speaker | cue | content`.
    pub(crate) fn laid(text: &str) -> Vec<String> {
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
    pub(crate) fn linked(
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
