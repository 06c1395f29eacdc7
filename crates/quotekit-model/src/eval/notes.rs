//! What a caller of `eval` tells the reader beyond the figures: that the
//! predictions named no one, or named speakers that went unscored because
//! gold names no one.

use crate::eval::Evaluation;
use quotekit_data::names::is_named;
use quotekit_data::Document;

/// Whether who said what was scored on predictions that name no one: no
/// matched quote has a speaker name (made with `predict --no-speakers`, or
/// by a tool that names no one), so each counts as naming no one.
pub fn names_no_one(evaluation: &Evaluation) -> bool {
    evaluation
        .speakers
        .as_ref()
        .is_some_and(|who| who.strict.named.pred == 0 && who.matched > 0)
}

/// Whether the predictions name speakers that go unscored: who said what
/// was left out, as gold names no one, while `predicted` carries names (on
/// their Source spans, or on the quotes of records, `quote_names`).
pub fn names_unscored(
    evaluation: &Evaluation,
    predicted: &[Document],
    quote_names: Option<&[Vec<Option<String>>]>,
) -> bool {
    let named = match quote_names {
        Some(names) => names.iter().flatten().any(Option::is_some),
        None => predicted.iter().any(|d| is_named(d, &[])),
    };
    evaluation.speakers.is_none() && named
}

/// The note for gold documents that `--model` leaves out because they name
/// no speaker (no names file, no name on a span): how many of `total`, the
/// first, and how many Source spans go unscored. `None` when `unnamed` is
/// empty.
pub fn unnamed_documents(unnamed: &[&Document], total: usize) -> Option<String> {
    let first = unnamed.first()?;
    let spans: usize = unnamed
        .iter()
        .map(|d| {
            d.spans
                .iter()
                .filter(|s| s.role == quotekit_data::Role::Source)
                .count()
        })
        .sum();
    Some(format!(
        "{} of {total} gold documents name no speaker (no names file, no name on a span; the first: {}): \
         their {spans} Source span(s) are not scored",
        unnamed.len(),
        first.id
    ))
}

/// The note for gold names that the scorer's comparison leaves empty
/// ([`normalise`](crate::eval::speakers::normalise): titles, `the`,
/// punctuation and a possessive dropped), such as `The` or `...`: they
/// count as naming no one, as in the reference scorer. How many, and the
/// first (document, span, name). `None` when there is none.
pub fn empty_names(gold: &[Document]) -> Option<String> {
    let mut empty = gold.iter().flat_map(|d| {
        d.spans
            .iter()
            .filter(|s| s.role == quotekit_data::Role::Source)
            .filter_map(move |s| {
                let name = s.name.as_deref()?;
                let trimmed = name.trim();
                (!trimmed.is_empty()
                    && trimmed != quotekit_data::NO_NAME
                    && crate::eval::speakers::normalise(name).is_none())
                .then_some((&d.id, &s.id, name))
            })
    });
    let (doc, span, name) = empty.next()?;
    let n = 1 + empty.count();
    Some(format!(
        "{n} gold name(s) are empty once compared (`the`, punctuation, a possessive dropped) and count \
         as naming no one (the first: {name:?} of {doc} {span}); write `-` for no one"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{CharSpan, Role, Span};

    fn doc(id: &str, names: &[Option<&str>]) -> Document {
        let mut d = Document::new(id, "Ann said it. Bo said it.");
        for (k, n) in names.iter().enumerate() {
            d.spans.push(Span {
                id: format!("T{}", k + 1),
                role: Role::Source,
                fragments: vec![CharSpan::new(13 * k, 13 * k + 3)],
                name: n.map(String::from),
            });
        }
        d
    }

    /// A name the comparison empties is noted with its document and span;
    /// `-` and real names are not.
    #[test]
    fn names_empty_once_compared_are_noted() {
        let gold = [
            doc("a", &[Some("Ann Lee"), Some("-")]),
            doc("b", &[Some("Bo"), Some("The")]),
        ];
        let note = empty_names(&gold).unwrap();
        assert!(note.starts_with("1 gold name(s)"), "{note}");
        assert!(note.contains("\"The\" of b T2"), "{note}");
        assert_eq!(empty_names(&gold[..1]), None);
    }

    /// The documents of `gold` that name no speaker.
    fn unnamed(gold: &[Document]) -> Vec<&Document> {
        gold.iter().filter(|d| !is_named(d, &[])).collect()
    }

    /// Documents without names are counted with their Source spans.
    #[test]
    fn documents_without_names_are_noted() {
        let gold = [doc("a", &[Some("Ann Lee")]), doc("b", &[None, None])];
        let note = unnamed_documents(&unnamed(&gold), gold.len()).unwrap();
        assert!(note.starts_with("1 of 2 gold documents"), "{note}");
        assert!(
            note.contains("the first: b") && note.contains("their 2 Source span(s)"),
            "{note}"
        );
        assert_eq!(unnamed_documents(&unnamed(&gold[..1]), 1), None);
    }
}
