//! A transcript's turns: paragraphs that open with a speaker's label in
//! capitals and a colon, where the labels and what follows them read as a
//! conversation (see the [module above](super)).

use super::laid_out::LaidOut;
use crate::speakers::lexicon::in_capitals;
use quotekit_data::Tokenized;
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

/// Most words a label may have (`SEN. ELIZABETH A. WARREN`).
const MAX_LABEL_WORDS: usize = 5;

/// Most tokens a label may have, its full stops among them (`GOV. J.B.
/// PRITZKER`).
const MAX_LABEL_TOKENS: usize = 10;

/// Words of speech: a turn with one of them (or a question mark, or `let`
/// and an apostrophe: `Let’s`) reads as what someone said. Written in lower
/// case; a text's own may open with a capital (`We`), not be in capitals
/// (`US`). (The tokenizer splits `I’m` and `we’re` at their apostrophes.)
const SPEECH_WORDS: [&str; 11] = [
    "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours",
];

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

#[cfg(test)]
mod tests {
    use crate::layout::tests::laid;

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
}
