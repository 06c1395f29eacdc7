//! Quotation marks, and what they tell of a quote.

/// Characters that are quotation marks; each is always a token of its own
/// ([`crate::tokenize`]).
pub const QUOTE_MARKS: &[char] = &['"', '“', '”', '‘', '’', '\'', '«', '»', '„', '‹', '›'];

/// True when a token is one quotation mark ([`QUOTE_MARKS`]).
pub fn is_quote_mark(token: &str) -> bool {
    one_of(token, QUOTE_MARKS)
}

/// True when `token` is one character, one of `chars`.
fn one_of(token: &str, chars: &[char]) -> bool {
    let mut all = token.chars();
    matches!((all.next(), all.next()), (Some(c), None) if chars.contains(&c))
}

/// Characters that are dashes, a hyphen among them.
pub const DASHES: &[char] = &['-', '‐', '‒', '–', '—', '―'];

/// True when a token is one dash ([`DASHES`]).
pub fn is_dash(token: &str) -> bool {
    one_of(token, DASHES)
}

/// Whether the text of a quote's content, from its first character, is a
/// direct quote: it starts (after white space) with a quotation mark.
pub fn starts_quoted(content: &str) -> bool {
    content
        .trim_start()
        .chars()
        .next()
        .is_some_and(|c| QUOTE_MARKS.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dash_is_one_dash_character() {
        for dash in ["-", "–", "—", "―"] {
            assert!(is_dash(dash), "{dash}");
        }
        for other in ["--", "", "a", "-a", "“"] {
            assert!(!is_dash(other), "{other}");
        }
    }

    #[test]
    fn a_direct_quote_starts_with_a_quotation_mark() {
        assert!(starts_quoted("\u{201c}We will win,\u{201d}"));
        assert!(starts_quoted("  \"Yes.\""));
        assert!(starts_quoted("«Oui»"));
        assert!(!starts_quoted("that they would win"));
        assert!(!starts_quoted("we said \"no\""));
        assert!(!starts_quoted(""));
        assert!(!starts_quoted("   "));
    }
}
