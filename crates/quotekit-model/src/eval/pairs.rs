//! The check that predictions can be scored against gold: documents pair by
//! id, once each, on the same texts.

use quotekit_data::Document;
use std::collections::HashMap;

/// Checks that `predicted` can be scored against `gold` by id: no id twice in
/// either, and each prediction made on its gold document's text. Says what
/// is wrong otherwise (the first problem found).
pub fn check_pairs(gold: &[Document], predicted: &[Document]) -> Result<(), String> {
    for (docs, what) in [(gold, "gold"), (predicted, "predicted")] {
        let mut seen = std::collections::HashSet::new();
        if let Some(d) = docs.iter().find(|d| !seen.insert(d.id.as_str())) {
            return Err(format!(
                "{what} document id {:?} appears more than once: documents are paired by id, so ids must be unique",
                shorten(&d.id)
            ));
        }
    }
    let by_id: HashMap<&str, &Document> = predicted.iter().map(|d| (d.id.as_str(), d)).collect();
    for g in gold {
        if let Some(p) = by_id.get(g.id.as_str()) {
            if p.text() != g.text() {
                let at = g
                    .text()
                    .chars()
                    .zip(p.text().chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                return Err(format!(
                    "document {:?}: the prediction's text differs from the gold's (from character {at}); predict on the gold texts",
                    shorten(&g.id)
                ));
            }
        }
    }
    Ok(())
}

/// Refuses predictions that pair with no gold document at all (an empty
/// file, or the ids of another corpus or written another way): every figure
/// would be 0 for a reason that is no fault of the model.
pub fn check_any_paired(gold: &[Document], predicted: &[Document]) -> Result<(), String> {
    if gold.is_empty() {
        return Ok(());
    }
    let Some(p) = predicted.first() else {
        return Err(format!(
            "there are no predicted documents to score against the {} gold ones",
            gold.len()
        ));
    };
    let ids: std::collections::HashSet<&str> = predicted.iter().map(|d| d.id.as_str()).collect();
    if gold.iter().any(|g| ids.contains(g.id.as_str())) {
        return Ok(());
    }
    Err(format!(
        "none of the {} predicted documents has the id of one of the {} gold documents \
         (predicted {:?}, gold {:?}, …): documents are paired by id; are they the same corpus?",
        predicted.len(),
        gold.len(),
        shorten(&p.id),
        shorten(&gold[0].id)
    ))
}

/// An id as shown in a message: at most 80 characters.
fn shorten(id: &str) -> String {
    quotekit_data::message::shorten(id, 80)
}
