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
