//! A vox-pop's sign-offs: paragraphs that are one quotation, a dash and
//! the speaker's name (see the [module above](super)).

use super::laid_out::LaidOut;
use crate::speakers::lexicon::TITLES;
use quotekit_data::marks::is_dash;
use quotekit_data::Tokenized;
use std::ops::Range;

/// Small words that a name signing off a quotation may have between its
/// capitalised ones (`Maria de la Cruz`).
const PARTICLES: [&str; 9] = ["al", "bin", "da", "de", "del", "la", "le", "van", "von"];

/// Most tokens after a sign-off's name and its comma (`, 34, Tucson`, `, a
/// nurse in Mesa`).
const MAX_SIGN_OFF_TAIL: usize = 10;

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

#[cfg(test)]
mod tests {
    use crate::layout::tests::{laid, tokenized};
    use crate::layout::with_layout;
    use quotekit_data::Role;

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
}
