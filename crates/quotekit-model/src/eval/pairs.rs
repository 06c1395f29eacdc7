//! The check that predictions can be scored against gold: documents pair by
//! id, once each, on the same texts.

use quotekit_data::Document;
use std::collections::HashMap;

/// Why predictions cannot be scored against gold. Ids are kept whole; the
/// messages show at most 80 characters of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    /// An id appears twice among the gold documents (`gold`) or among the
    /// predicted ones.
    #[error(
        "{} document id {:?} appears more than once: documents are paired by id, so ids must be unique",
        if *gold { "gold" } else { "predicted" }, shorten(id)
    )]
    DuplicateId {
        /// Whether the gold documents hold it (else the predicted ones).
        gold: bool,
        /// The id.
        id: String,
    },
    /// A prediction made on another text than its gold document's.
    #[error(
        "document {:?}: the prediction's text differs from the gold's (from character {at}); predict on the gold texts",
        shorten(id)
    )]
    TextDiffers {
        /// The document's id.
        id: String,
        /// The first character (0-based) where the texts differ.
        at: usize,
    },
    /// No predicted documents at all, against some gold ones.
    #[error("there are no predicted documents to score against the {gold} gold ones")]
    NoPredictions {
        /// The number of gold documents.
        gold: usize,
    },
    /// No gold documents at all (an empty file, or every document skipped
    /// for errors): every figure would be a perfect score of nothing.
    #[error(
        "there are no gold documents to score against{}",
        if *skipped > 0 { format!(" ({skipped} skipped for errors)") } else { String::new() }
    )]
    NoGold {
        /// The gold documents skipped for errors (lenient reading).
        skipped: usize,
    },
    /// Predicted documents of which none has a gold document's id.
    #[error(
        "none of the {predicted} predicted documents has the id of one of the {gold} gold documents \
         (predicted {:?}, gold {:?}, …): documents are paired by id; are they the same corpus?",
        shorten(predicted_id), shorten(gold_id)
    )]
    NoneShared {
        /// The number of predicted documents.
        predicted: usize,
        /// The number of gold documents.
        gold: usize,
        /// The first predicted document's id.
        predicted_id: String,
        /// The first gold document's id.
        gold_id: String,
    },
    /// Speaker names given per predicted quote that do not fit the
    /// predicted documents: one list per document, one name (or none) per
    /// attribution.
    #[error(
        "{}speaker names given for {given} {}, but there are {expected} (one per {})",
        document.as_ref().map_or(String::new(), |id| format!("document {:?}: ", shorten(id))),
        if document.is_some() { "quotes" } else { "documents" },
        if document.is_some() { "attribution of the predicted document" } else { "predicted document" }
    )]
    QuoteNames {
        /// The document whose list does not fit, or `None` when the
        /// number of lists does not.
        document: Option<String>,
        /// The names (or lists) given.
        given: usize,
        /// The quotes (or documents) there are.
        expected: usize,
    },
    /// A names folder that is not there: it would name no gold speaker,
    /// and the who-said-what section would be left out without a word.
    #[error("{}: no such names folder (of ID.tsv files)", path.display())]
    NoNamesFolder {
        /// The folder given.
        path: std::path::PathBuf,
    },
}

/// Checks that every names folder is there and that `quote_names`, when
/// given, holds a list per predicted document and a name (or none) per
/// attribution of it.
pub fn check_speaker_names(
    predicted: &[Document],
    names: &[std::path::PathBuf],
    quote_names: Option<&[Vec<Option<String>>]>,
) -> Result<(), PairingError> {
    if let Some(path) = names.iter().find(|p| !p.is_dir()) {
        return Err(PairingError::NoNamesFolder { path: path.clone() });
    }
    let Some(lists) = quote_names else {
        return Ok(());
    };
    if lists.len() != predicted.len() {
        return Err(PairingError::QuoteNames {
            document: None,
            given: lists.len(),
            expected: predicted.len(),
        });
    }
    match predicted
        .iter()
        .zip(lists)
        .find(|(d, list)| list.len() != d.attributions.len())
    {
        Some((d, list)) => Err(PairingError::QuoteNames {
            document: Some(d.id.clone()),
            given: list.len(),
            expected: d.attributions.len(),
        }),
        None => Ok(()),
    }
}

/// Checks that `predicted` can be scored against `gold` by id: no id twice in
/// either, and each prediction made on its gold document's text. Says what
/// is wrong otherwise (the first problem found).
pub fn check_pairs(gold: &[Document], predicted: &[Document]) -> Result<(), PairingError> {
    for (docs, is_gold) in [(gold, true), (predicted, false)] {
        let mut seen = std::collections::HashSet::new();
        if let Some(d) = docs.iter().find(|d| !seen.insert(d.id.as_str())) {
            return Err(PairingError::DuplicateId {
                gold: is_gold,
                id: d.id.clone(),
            });
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
                return Err(PairingError::TextDiffers {
                    id: g.id.clone(),
                    at,
                });
            }
        }
    }
    Ok(())
}

/// Refuses an empty gold corpus, of which `skipped` documents were skipped
/// for errors: its every figure would be a perfect score of nothing.
pub fn check_gold(gold: &[Document], skipped: usize) -> Result<(), PairingError> {
    if gold.is_empty() {
        return Err(PairingError::NoGold { skipped });
    }
    Ok(())
}

/// Refuses predictions that pair with no gold document at all (an empty
/// file, or the ids of another corpus or written another way): every figure
/// would be 0 for a reason that is no fault of the model. Refuses an empty
/// gold corpus too ([`check_gold`]).
pub fn check_any_paired(gold: &[Document], predicted: &[Document]) -> Result<(), PairingError> {
    check_gold(gold, 0)?;
    let Some(p) = predicted.first() else {
        return Err(PairingError::NoPredictions { gold: gold.len() });
    };
    let ids: std::collections::HashSet<&str> = predicted.iter().map(|d| d.id.as_str()).collect();
    if gold.iter().any(|g| ids.contains(g.id.as_str())) {
        return Ok(());
    }
    Err(PairingError::NoneShared {
        predicted: predicted.len(),
        gold: gold.len(),
        predicted_id: p.id.clone(),
        gold_id: gold[0].id.clone(),
    })
}

/// An id as shown in a message: at most 80 characters.
fn shorten(id: &str) -> String {
    quotekit_data::message::shorten(id, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Document {
        Document::new(id.to_string(), text)
    }

    /// A names folder that is not there, and speaker names per quote that
    /// do not fit the predictions, are refused (they would score who said
    /// what as if no one were named).
    #[test]
    fn names_that_do_not_fit_are_refused() {
        let mut one = doc("a", "“Yes,” she said.");
        one.attributions.push(quotekit_data::Attribution {
            id: "E1".into(),
            source: None,
            cue: None,
            content: vec!["T1".into()],
        });
        let predicted = [one, doc("b", "Two.")];
        let fits = [vec![Some("Ann Lee".to_string())], vec![]];
        assert_eq!(check_speaker_names(&predicted, &[], Some(&fits)), Ok(()));
        assert_eq!(check_speaker_names(&predicted, &[], None), Ok(()));
        let e = check_speaker_names(&predicted, &[], Some(&fits[..1])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "speaker names given for 1 documents, but there are 2 (one per predicted document)"
        );
        let short = [vec![], vec![]];
        let e = check_speaker_names(&predicted, &[], Some(&short)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "document \"a\": speaker names given for 0 quotes, but there are 1 (one per attribution of the predicted document)"
        );
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let e =
            check_speaker_names(&predicted, &[dir.path().into(), gone.clone()], None).unwrap_err();
        assert_eq!(e, PairingError::NoNamesFolder { path: gone });
        assert!(e
            .to_string()
            .ends_with("gone: no such names folder (of ID.tsv files)"));
    }

    /// Each way predictions fail to pair is its own error, with the ids and
    /// counts a caller needs, and pairing documents pass.
    #[test]
    fn each_pairing_problem_is_its_own_error() {
        let gold = [doc("a", "One text."), doc("b", "Two.")];
        assert_eq!(check_pairs(&gold, &gold), Ok(()));
        assert_eq!(check_any_paired(&gold, &gold[1..]), Ok(()));
        let twice = [doc("a", "One text."), doc("a", "One text.")];
        assert_eq!(
            check_pairs(&gold, &twice),
            Err(PairingError::DuplicateId {
                gold: false,
                id: "a".into()
            })
        );
        assert_eq!(
            check_pairs(&twice, &gold),
            Err(PairingError::DuplicateId {
                gold: true,
                id: "a".into()
            })
        );
        let e = check_pairs(&gold, &[doc("a", "One test.")]).unwrap_err();
        assert_eq!(
            e,
            PairingError::TextDiffers {
                id: "a".into(),
                at: 6
            }
        );
        assert!(e.to_string().contains("from character 6"), "{e}");
        assert_eq!(
            check_any_paired(&gold, &[]),
            Err(PairingError::NoPredictions { gold: 2 })
        );
        // An empty gold corpus scores nothing: no perfect 1.0.
        assert_eq!(
            check_any_paired(&[], &gold),
            Err(PairingError::NoGold { skipped: 0 })
        );
        let e = check_gold(&[], 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "there are no gold documents to score against (2 skipped for errors)"
        );
        assert_eq!(check_gold(&gold, 0), Ok(()));
        let e = check_any_paired(&gold, &[doc("c", "x")]).unwrap_err();
        assert!(matches!(
            e,
            PairingError::NoneShared {
                predicted: 1,
                gold: 2,
                ..
            }
        ));
        assert!(
            e.to_string().contains("(predicted \"c\", gold \"a\", …)"),
            "{e}"
        );
        // A long id is shown shortened, kept whole in the error.
        let long = "x".repeat(200);
        let e = check_pairs(&[doc(&long, "t"), doc(&long, "t")], &[]).unwrap_err();
        assert!(e.to_string().len() < 250, "{e}");
        assert_eq!(
            e,
            PairingError::DuplicateId {
                gold: true,
                id: long
            }
        );
    }
}
