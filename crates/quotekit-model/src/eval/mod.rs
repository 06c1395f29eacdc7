//! Evaluation: exact-span and character-overlap P/R/F1 per role, attribution
//! (source, content) pairs, direct-quote content, and a token-tag confusion
//! matrix. `quotekit eval` prints [`Evaluation`] as a table and writes it as JSON.
//! The counts and their precision, recall and F1 are in [`counts`].

use quotekit_data::tokenize::{trim_span, QUOTE_MARKS};
use quotekit_data::{
    encode, role_fragments, CharIndex, CharSpan, Document, Role, TagScheme, TagSet, Tokenizer,
};
use serde::Serialize;
use std::collections::HashMap;

mod attribution;
pub mod counts;
pub mod linking;
pub mod notes;
mod pairs;
pub mod speakers;

pub use counts::{Counts, RoleScores};
pub use pairs::{check_any_paired, check_gold, check_pairs, check_speaker_names, PairingError};

use crate::speakers::accuracy::GoldAccuracy;

/// Token-tag confusion matrix (BIO tags; rows gold, columns predicted).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Confusion {
    /// Tag names in row/column order.
    pub labels: Vec<String>,
    /// `counts[gold][predicted]`.
    pub counts: Vec<Vec<usize>>,
}

/// Every figure `quotekit eval` reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// Gold documents scored.
    pub documents: usize,
    /// Gold documents with no prediction (scored as predicting nothing).
    pub missing_predictions: Vec<String>,
    /// Predicted documents with no gold document (not scored).
    pub unmatched_predictions: Vec<String>,
    /// Exact span match, each contiguous fragment trimmed of whitespace.
    pub exact: RoleScores,
    /// Character overlap, counting non-whitespace characters.
    pub overlap: RoleScores,
    /// (Source, Content) pairs matched one to one when both overlap.
    pub attribution: Counts,
    /// False when the gold has Content spans but no attribution at all (a
    /// corpus read from CoNLL, which cannot hold them): then every predicted
    /// attribution would count as wrong, and [`Self::attribution`] means
    /// nothing.
    pub attribution_scored: bool,
    /// Exact Content fragments that start with a quotation mark.
    pub direct_quote_content: Counts,
    /// Token tag confusion.
    pub confusion: Confusion,
    /// Who said what: quotes scored by their speakers' canonical names (when
    /// the gold documents have names; see [`speakers`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speakers: Option<speakers::WhoSaidWhat>,
    /// The speaker resolver run on the gold Source spans (when asked for;
    /// see [`crate::speakers::accuracy`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<GoldAccuracy>,
}

/// Trimmed fragments per role of a document.
fn fragments(doc: &Document, index: &CharIndex) -> Vec<(Role, CharSpan)> {
    let mut out: Vec<(Role, CharSpan)> = doc
        .spans
        .iter()
        .flat_map(|s| s.fragments.iter().map(move |f| (s.role, *f)))
        .map(|(r, f)| (r, trim_span(doc.text(), index, f)))
        .filter(|(_, f)| !f.is_empty())
        .collect();
    out.sort();
    out
}

/// Size of the multiset intersection of two sorted lists.
pub fn matched<T: Ord>(gold: &[T], pred: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < gold.len() && j < pred.len() {
        match gold[i].cmp(&pred[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

fn exact_counts(gold: &[(Role, CharSpan)], pred: &[(Role, CharSpan)], role: Role) -> Counts {
    let g: Vec<CharSpan> = gold.iter().filter(|x| x.0 == role).map(|x| x.1).collect();
    let p: Vec<CharSpan> = pred.iter().filter(|x| x.0 == role).map(|x| x.1).collect();
    let tp = matched(&g, &p);
    Counts {
        tp,
        fp: p.len() - tp,
        fn_: g.len() - tp,
    }
}

/// Exact-span scores of one document pair (used for early stopping too).
pub fn exact_scores(gold: &Document, pred: &Document) -> RoleScores {
    let index = gold.char_index();
    let (g, p) = (fragments(gold, &index), fragments(pred, &index));
    let mut scores = RoleScores::default();
    for role in Role::ALL {
        *scores.role_mut(role) = exact_counts(&g, &p, role);
    }
    scores.finish();
    scores
}

fn overlap_counts(
    doc_text: &str,
    gold: &[(Role, CharSpan)],
    pred: &[(Role, CharSpan)],
    role: Role,
) -> Counts {
    let chars: Vec<bool> = doc_text.chars().map(|c| !c.is_whitespace()).collect();
    let mark = |frags: &[(Role, CharSpan)]| {
        let mut v = vec![false; chars.len()];
        for (_, f) in frags.iter().filter(|x| x.0 == role) {
            let end = f.end.min(chars.len());
            if f.start < end {
                v[f.start..end].copy_from_slice(&chars[f.start..end]);
            }
        }
        v
    };
    let (g, p) = (mark(gold), mark(pred));
    let mut c = Counts::default();
    for (a, b) in g.iter().zip(&p) {
        match (a, b) {
            (true, true) => c.tp += 1,
            (false, true) => c.fp += 1,
            (true, false) => c.fn_ += 1,
            _ => {}
        }
    }
    c
}

fn is_direct(text: &str, index: &CharIndex, f: CharSpan) -> bool {
    index
        .slice(text, f)
        .and_then(|t| t.chars().next())
        .is_some_and(|c| QUOTE_MARKS.contains(&c))
}

/// Scores `predicted` against `gold` as `quotekit eval` and `render --gold`
/// do: checks that they pair ([`check_pairs`]), scores them, and, when
/// gold names its speakers (a names file in `names`, or names on its Source
/// spans: [`quotekit_data::names::is_named`]), adds the who-said-what
/// section over the gold documents that name them, taking each
/// predicted quote's speaker name from `quote_names` when given (see
/// [`speakers::who_said_what_named`]). Says why when they cannot be
/// paired, when a names folder is not there, or when `quote_names` does not
/// fit `predicted`. (`eval` also refuses predictions of which none has a gold
/// document, [`check_any_paired`]; `render` draws them with a warning.)
pub fn evaluate_checked(
    gold: &[Document],
    predicted: &[Document],
    names: &[std::path::PathBuf],
    quote_names: Option<&[Vec<Option<String>>]>,
) -> Result<Evaluation, PairingError> {
    check_pairs(gold, predicted)?;
    pairs::check_speaker_names(predicted, names, quote_names)?;
    let mut evaluation = evaluate(gold, predicted, &Tokenizer::new());
    let named = |d: &Document| quotekit_data::names::is_named(d, names);
    if gold.iter().any(named) {
        evaluation.speakers = Some(speakers::who_said_what_named(
            gold,
            predicted,
            quote_names,
            named,
        ));
    }
    Ok(evaluation)
}

/// Why the attribution row is not scored when
/// [`Evaluation::attribution_scored`] is false, as reports say it.
pub const ATTRIBUTION_NOT_SCORED: &str = "not scored: the gold has Content spans but no \
     attributions (as a CoNLL corpus, which cannot hold them)";

/// Scores `predicted` against `gold`, pairing documents by id.
pub fn evaluate(gold: &[Document], predicted: &[Document], tokenizer: &Tokenizer) -> Evaluation {
    let by_id: HashMap<&str, &Document> = predicted.iter().map(|d| (d.id.as_str(), d)).collect();
    let tagset = TagSet::new(TagScheme::Bio);
    let l = tagset.len();
    let mut ev = Evaluation {
        documents: gold.len(),
        confusion: Confusion {
            labels: tagset.names(),
            counts: vec![vec![0; l]; l],
        },
        ..Evaluation::default()
    };
    let gold_ids: std::collections::HashSet<&str> = gold.iter().map(|g| g.id.as_str()).collect();
    ev.unmatched_predictions = predicted
        .iter()
        .filter(|p| !gold_ids.contains(p.id.as_str()))
        .map(|p| p.id.clone())
        .collect();
    for g in gold {
        let empty;
        let p = match by_id.get(g.id.as_str()) {
            Some(p) => *p,
            None => {
                ev.missing_predictions.push(g.id.clone());
                empty = Document::new(g.id.clone(), g.text());
                &empty
            }
        };
        let index = g.char_index();
        let (gf, pf) = (fragments(g, &index), fragments(p, &index));
        for role in Role::ALL {
            ev.exact.role_mut(role).add(exact_counts(&gf, &pf, role));
            ev.overlap
                .role_mut(role)
                .add(overlap_counts(g.text(), &gf, &pf, role));
        }
        let direct = |fs: &[(Role, CharSpan)]| -> Vec<(Role, CharSpan)> {
            fs.iter()
                .filter(|(r, f)| *r == Role::Content && is_direct(g.text(), &index, *f))
                .copied()
                .collect()
        };
        ev.direct_quote_content
            .add(exact_counts(&direct(&gf), &direct(&pf), Role::Content));
        let (gp, pp) = (attribution::pairs(g), attribution::pairs(p));
        let tp = attribution::max_matching(&gp, &pp);
        ev.attribution.add(Counts {
            tp,
            fp: pp.len() - tp,
            fn_: gp.len() - tp,
        });
        let tok = tokenizer.tokenize(g);
        let gt = encode(&tok, &role_fragments(g), TagScheme::Bio).tags;
        let pt = encode(&tok, &role_fragments(p), TagScheme::Bio).tags;
        for (a, b) in gt.iter().zip(&pt) {
            let (i, j) = (tagset.index(*a).unwrap_or(0), tagset.index(*b).unwrap_or(0));
            ev.confusion.counts[i][j] += 1;
        }
    }
    ev.exact.finish();
    ev.overlap.finish();
    let gold = |c: &Counts| c.tp + c.fn_;
    ev.attribution_scored = gold(&ev.attribution) > 0 || gold(&ev.exact.content) == 0;
    ev
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let row = |f: &mut std::fmt::Formatter<'_>, name: &str, c: &Counts| {
            writeln!(
                f,
                "{name:<28} {:>6.3} {:>6.3} {:>6.3} {:>7} {:>7} {:>7}",
                c.precision(),
                c.recall(),
                c.f1(),
                c.tp,
                c.fp,
                c.fn_
            )
        };
        writeln!(
            f,
            "{:<28} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7}",
            "", "P", "R", "F1", "tp", "fp", "fn"
        )?;
        for (name, s) in [("exact", &self.exact), ("overlap", &self.overlap)] {
            row(f, &format!("{name} source"), &s.source)?;
            row(f, &format!("{name} cue"), &s.cue)?;
            row(f, &format!("{name} content"), &s.content)?;
            row(f, &format!("{name} micro"), &s.micro)?;
        }
        if self.attribution_scored {
            row(f, "attribution (source,content)", &self.attribution)?;
        } else {
            writeln!(
                f,
                "{:<28} {ATTRIBUTION_NOT_SCORED}",
                "attribution (source,content)"
            )?;
        }
        row(f, "direct-quote content", &self.direct_quote_content)?;
        writeln!(f)?;
        writeln!(f, "token tags (rows gold, columns predicted)")?;
        write!(f, "{:<10}", "")?;
        for l in &self.confusion.labels {
            write!(f, "{l:>10}")?;
        }
        writeln!(f)?;
        for (l, row) in self.confusion.labels.iter().zip(&self.confusion.counts) {
            write!(f, "{l:<10}")?;
            for c in row {
                write!(f, "{c:>10}")?;
            }
            writeln!(f)?;
        }
        write!(
            f,
            "{} documents, {} without prediction",
            self.documents,
            self.missing_predictions.len()
        )?;
        if let Some(first) = self.unmatched_predictions.first() {
            let more = if self.unmatched_predictions.len() > 1 {
                ", …"
            } else {
                ""
            };
            write!(
                f,
                ", {} predicted documents with no gold document, not scored ({first:?}{more})",
                self.unmatched_predictions.len()
            )?;
        }
        if let Some(speakers) = &self.speakers {
            write!(f, "\n\n{speakers}")?;
        }
        if let Some(resolution) = &self.resolution {
            write!(f, "\n\n{resolution}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Attribution, Span};

    fn doc(spans: &[(&str, Role, usize, usize)], attrs: &[(Option<&str>, &str)]) -> Document {
        let mut d = Document::new("d", "“We won,” Ann said. Bob thinks it rains.");
        d.spans = spans
            .iter()
            .map(|&(id, role, s, e)| Span {
                id: id.into(),
                role,
                fragments: vec![CharSpan::new(s, e)],
                name: None,
            })
            .collect();
        d.attributions = attrs
            .iter()
            .enumerate()
            .map(|(k, (s, c))| Attribution {
                id: format!("E{k}"),
                source: s.map(String::from),
                cue: None,
                content: vec![c.to_string()],
            })
            .collect();
        d
    }

    fn gold() -> Document {
        doc(
            &[
                ("T1", Role::Content, 0, 9),
                ("T2", Role::Source, 10, 13),
                ("T3", Role::Cue, 14, 18),
                ("T4", Role::Source, 20, 23),
                ("T5", Role::Cue, 24, 30),
                ("T6", Role::Content, 31, 39),
            ],
            &[(Some("T2"), "T1"), (Some("T4"), "T6")],
        )
    }

    #[test]
    fn gold_against_itself_is_perfect() {
        let g = gold();
        let ev = evaluate(
            std::slice::from_ref(&g),
            std::slice::from_ref(&g),
            &Tokenizer::new(),
        );
        assert_eq!(ev.exact.micro.f1(), 1.0);
        assert_eq!(ev.overlap.micro.f1(), 1.0);
        assert_eq!(ev.attribution.f1(), 1.0);
        assert_eq!(ev.direct_quote_content.f1(), 1.0);
        assert_eq!(ev.direct_quote_content.tp, 1);
        let off_diagonal: usize = (0..7)
            .flat_map(|i| (0..7).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| ev.confusion.counts[i][j])
            .sum();
        assert_eq!(off_diagonal, 0);
    }

    #[test]
    fn partial_predictions_score_as_expected() {
        // Content T6 predicted one word short; source of the second attribution wrong.
        let p = doc(
            &[
                ("T1", Role::Content, 0, 9),
                ("T2", Role::Source, 10, 13),
                ("T3", Role::Cue, 14, 18),
                ("T5", Role::Cue, 24, 30),
                ("T6", Role::Content, 34, 39),
                ("T7", Role::Source, 14, 18),
            ],
            &[(Some("T2"), "T1"), (Some("T7"), "T6")],
        );
        let ev = evaluate(&[gold()], &[p], &Tokenizer::new());
        assert_eq!(
            ev.exact.content,
            Counts {
                tp: 1,
                fp: 1,
                fn_: 1
            }
        );
        assert_eq!(
            ev.exact.source,
            Counts {
                tp: 1,
                fp: 1,
                fn_: 1
            }
        );
        assert_eq!(
            ev.exact.cue,
            Counts {
                tp: 2,
                fp: 0,
                fn_: 0
            }
        );
        // “We won,” has 8 non-space characters, "rains" 5, "it" 2.
        assert_eq!(
            ev.overlap.content,
            Counts {
                tp: 8 + 5,
                fp: 0,
                fn_: 2
            }
        );
        assert_eq!(
            ev.attribution,
            Counts {
                tp: 1,
                fp: 1,
                fn_: 1
            }
        );
        assert!((ev.exact.micro.f1() - 4.0 / 6.0).abs() < 1e-12);
    }

    /// Gold with spans but no attributions (read from CoNLL) leaves the
    /// attribution row unscored rather than every prediction wrong; gold
    /// with no quote at all still counts predicted attributions as wrong.
    #[test]
    fn gold_without_attributions_is_not_scored_on_them() {
        let mut unlinked = gold();
        unlinked.attributions.clear();
        let ev = evaluate(&[unlinked], &[gold()], &Tokenizer::new());
        assert!(!ev.attribution_scored);
        let json = serde_json::to_value(&ev).unwrap();
        assert_eq!(json["attribution_scored"], false);
        assert!(ev
            .to_string()
            .contains("attribution (source,content) not scored: the gold has Content spans"));
        let quiet = doc(&[], &[]);
        let ev = evaluate(&[quiet], &[gold()], &Tokenizer::new());
        assert!(ev.attribution_scored);
        assert_eq!(ev.attribution.fp, 2);
        assert!(evaluate(&[gold()], &[gold()], &Tokenizer::new()).attribution_scored);
    }

    #[test]
    fn missing_prediction_counts_as_empty() {
        let ev = evaluate(&[gold()], &[], &Tokenizer::new());
        assert_eq!(ev.missing_predictions, vec!["d".to_string()]);
        assert_eq!(ev.exact.micro.recall(), 0.0);
        assert_eq!(ev.attribution.fn_, 2);
    }
}
