//! Quotation state of every token, tracked over the whole document: outside,
//! opening mark, inside, closing mark — for straight and curly, double and
//! single marks, and across paragraph breaks where a quote continues (news
//! style: the paragraph ends without a closing mark and the next one opens
//! with a fresh opening mark).

use quotekit_data::Tokenized;

/// Where a token stands with respect to quotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuoteState {
    /// Not inside a quotation.
    Outside,
    /// An opening quotation mark.
    Opening,
    /// Inside a quotation.
    Inside,
    /// A closing quotation mark.
    Closing,
}

impl QuoteState {
    /// One byte naming the state, for feature hashing.
    pub fn code(self) -> u8 {
        match self {
            QuoteState::Outside => b'o',
            QuoteState::Opening => b'[',
            QuoteState::Inside => b'i',
            QuoteState::Closing => b']',
        }
    }

    /// True for opening and closing marks.
    pub fn is_mark(self) -> bool {
        matches!(self, QuoteState::Opening | QuoteState::Closing)
    }
}

/// Quotation state of one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteInfo {
    /// The state.
    pub state: QuoteState,
    /// True inside a quotation that began in an earlier paragraph.
    pub continued: bool,
}

fn glued(prev_end: Option<usize>, start: usize) -> bool {
    prev_end == Some(start)
}

fn alnum_token(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_alphanumeric)
}

/// Computes the quotation state of every token of `tokenized` (built from `text`).
pub fn quote_states(text: &str, tokenized: &Tokenized) -> Vec<QuoteInfo> {
    let tokens = &tokenized.tokens;
    let mut out = vec![
        QuoteInfo {
            state: QuoteState::Outside,
            continued: false
        };
        tokens.len()
    ];
    let mut double = false;
    let mut continued: bool;
    for paragraph in &tokenized.paragraphs {
        let first_text = tokens[paragraph.start].text(text);
        let reopens = matches!(first_text, "“" | "\"" | "«" | "„");
        if double && reopens {
            continued = true;
        } else {
            double = false;
            continued = false;
        }
        let mut single = false;
        for i in paragraph.clone() {
            let t = tokens[i].text(text);
            let prev = (i > paragraph.start).then(|| &tokens[i - 1]);
            let next = (i + 1 < paragraph.end).then(|| &tokens[i + 1]);
            let left_glued = glued(prev.map(|p| p.span.end), tokens[i].span.start);
            let right_glued = next.is_some_and(|n| n.span.start == tokens[i].span.end);
            let continued_before = continued;
            let state = match t {
                "“" | "«" | "„" => {
                    double = true;
                    QuoteState::Opening
                }
                "”" | "»" => {
                    double = false;
                    continued = false;
                    QuoteState::Closing
                }
                "\"" => {
                    // At a paragraph start a straight mark re-opens a continued quote.
                    if double && !(i == paragraph.start && continued) {
                        double = false;
                        continued = false;
                        QuoteState::Closing
                    } else {
                        double = true;
                        QuoteState::Opening
                    }
                }
                "‘" | "‹" if !(left_glued && prev.is_some_and(|p| alnum_token(p.text(text)))) =>
                {
                    single = true;
                    QuoteState::Opening
                }
                "’" | "'" | "›" => {
                    let apostrophe = left_glued
                        && right_glued
                        && prev.is_some_and(|p| alnum_token(p.text(text)))
                        && next.is_some_and(|n| alnum_token(n.text(text)));
                    if apostrophe {
                        inside(double, single)
                    } else if single {
                        single = false;
                        QuoteState::Closing
                    } else if !left_glued && right_glued {
                        single = true;
                        QuoteState::Opening
                    } else {
                        inside(double, single)
                    }
                }
                _ => inside(double, single),
            };
            out[i] = QuoteInfo {
                state,
                continued: match state {
                    QuoteState::Closing => continued_before,
                    _ => continued && (double || state.is_mark()),
                },
            };
        }
    }
    out
}

fn inside(double: bool, single: bool) -> QuoteState {
    if double || single {
        QuoteState::Inside
    } else {
        QuoteState::Outside
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Document, Tokenizer};

    fn states(text: &str) -> Vec<(String, char, bool)> {
        let doc = Document::new("d", text);
        let t = Tokenizer::new().tokenize(&doc);
        let q = quote_states(doc.text(), &t);
        t.tokens
            .iter()
            .zip(q)
            .map(|(tok, q)| {
                (
                    tok.text(doc.text()).to_string(),
                    q.state.code() as char,
                    q.continued,
                )
            })
            .collect()
    }

    fn codes(text: &str) -> String {
        states(text).iter().map(|x| x.1).collect()
    }

    #[test]
    fn curly_and_straight_marks() {
        assert_eq!(codes("He said “no way” today."), "oo[ii]oo");
        assert_eq!(codes("He said \"no way\" today."), "oo[ii]oo");
    }

    #[test]
    fn apostrophes_are_not_quotes_but_single_marks_are() {
        assert_eq!(codes("O’Malley’s ‘plan’ works"), "ooooo[i]o");
        assert_eq!(codes("It's 'fine' now"), "ooo[i]o");
    }

    #[test]
    fn quotes_continue_across_paragraphs() {
        let s = states("“First part.\n\n“Second part,” he said.\n\nAfter.");
        let summary: Vec<(char, bool)> = s.iter().map(|x| (x.1, x.2)).collect();
        assert_eq!(
            summary,
            vec![
                ('[', false),
                ('i', false),
                ('i', false),
                ('i', false),
                ('[', true),
                ('i', true),
                ('i', true),
                ('i', true),
                (']', true),
                ('o', false),
                ('o', false),
                ('o', false),
                ('o', false),
                ('o', false)
            ]
        );
    }

    #[test]
    fn unclosed_quote_does_not_leak_into_next_paragraph() {
        assert_eq!(codes("“Open\n\nPlain text"), "[ioo");
    }
}
