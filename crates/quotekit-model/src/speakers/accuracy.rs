//! Resolution accuracy on gold spans: the resolver run on the gold Source
//! spans of named documents, each span's name compared with its gold name
//! (both none counts as right), with a breakdown by kind of mention, so
//! that resolution errors can be told from tagging errors.

use crate::eval::speakers::{normalise, same_name};
use crate::speakers::entities::Names;
use crate::speakers::resolver::SpeakerResolver;
use crate::speakers::train::named_source_spans;
use quotekit_data::{Document, Role, Tokenizer};
use serde::Serialize;
use std::fmt;

/// The kinds of Source mention the breakdown tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MentionKind {
    /// `he`, `she`, `they`, `who`, …
    Pronoun,
    /// Some words of the name: a surname, `Ms Clinton`, `the Post`.
    Partial,
    /// The whole canonical name, maybe with more words.
    Full,
    /// No word of the name: `the Republican nominee`, `the newspaper`.
    Description,
    /// A source that names no one (gold `-`).
    Unnamed,
}

impl MentionKind {
    /// Every kind, in report order.
    pub const ALL: [MentionKind; 5] = [
        MentionKind::Pronoun,
        MentionKind::Partial,
        MentionKind::Full,
        MentionKind::Description,
        MentionKind::Unnamed,
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            MentionKind::Pronoun => "pronoun",
            MentionKind::Partial => "surname or partial name",
            MentionKind::Full => "full name",
            MentionKind::Description => "description",
            MentionKind::Unnamed => "unnamed",
        }
    }

    /// The kind of a source mention `text` whose gold name is `gold` (normalised).
    pub fn of(text: &str, gold: Option<&str>) -> Self {
        const PRONOUNS: &[&str] = &[
            "he",
            "she",
            "it",
            "they",
            "him",
            "her",
            "them",
            "his",
            "its",
            "their",
            "who",
            "whom",
            "whose",
            "which",
            "that",
            "i",
            "we",
            "you",
            "me",
            "us",
            "himself",
            "herself",
            "themselves",
            "itself",
        ];
        let Some(gold) = gold else {
            return MentionKind::Unnamed;
        };
        let norm = normalise(text).unwrap_or_default();
        if PRONOUNS.contains(&norm.as_str()) {
            return MentionKind::Pronoun;
        }
        if same_name(Some(&norm), Some(gold), false)
            || format!(" {norm} ").contains(&format!(" {gold} "))
        {
            return MentionKind::Full;
        }
        let words: Vec<&str> = norm.split(' ').collect();
        if gold.split(' ').any(|g| words.contains(&g)) {
            MentionKind::Partial
        } else {
            MentionKind::Description
        }
    }
}

/// Right and total for one kind of mention.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KindAccuracy {
    /// The kind.
    pub kind: MentionKind,
    /// Spans resolved right.
    pub correct: usize,
    /// Spans.
    pub total: usize,
}

/// Resolution accuracy on gold Source spans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldAccuracy {
    /// Right / total.
    pub accuracy: f64,
    /// Spans resolved right.
    pub correct: usize,
    /// Named Source spans.
    pub total: usize,
    /// Named spans whose gold name no entity of the document has (the
    /// mention finder's misses; always wrong).
    pub unreachable: usize,
    /// Per kind of mention.
    pub kinds: Vec<KindAccuracy>,
}

impl fmt::Display for GoldAccuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accuracy = match self.total {
            0 => "-".to_string(),
            _ => format!("{:.3}", self.accuracy),
        };
        writeln!(
            f,
            "resolution on gold spans: {accuracy} ({} of {}; {} with a name no entity has)",
            self.correct, self.total, self.unreachable
        )?;
        for k in &self.kinds {
            // (No spans of a kind: no accuracy, rather than a 0.000 that
            // reads as all wrong.)
            let acc = match k.total {
                0 => "-".to_string(),
                total => format!("{:.3}", k.correct as f64 / total as f64),
            };
            writeln!(
                f,
                "  {:<24} {acc:>5} ({} of {})",
                k.kind.name(),
                k.correct,
                k.total
            )?;
        }
        Ok(())
    }
}

/// One resolved gold span, for error analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// Document id.
    pub document: String,
    /// The gold span's id (brat's `T12`).
    pub id: String,
    /// The span's text.
    pub text: String,
    /// Its first character (offset in the document's text).
    pub start: usize,
    /// Its end (one past its last character).
    pub end: usize,
    /// Its kind.
    pub kind: MentionKind,
    /// Its gold name, normalised.
    pub gold: Option<String>,
    /// The name the resolver gave it.
    pub predicted: Option<String>,
    /// Whether no entity the resolver found in the document has its gold
    /// name (the mention finder missed or cut the name; the span cannot be
    /// named right).
    pub unreachable: bool,
}

impl Resolved {
    /// Whether the resolver named the span right (as the scorer compares names).
    pub fn is_right(&self) -> bool {
        same_name(self.predicted.as_deref(), self.gold.as_deref(), false)
    }
}

/// Runs `resolver` on the named gold Source spans of `docs`; returns the
/// accuracy and every span's outcome.
pub fn gold_accuracy(
    resolver: &SpeakerResolver,
    tokenizer: &Tokenizer,
    docs: &[Document],
) -> (GoldAccuracy, Vec<Resolved>) {
    let mut spans = Vec::new();
    for doc in docs {
        if !doc
            .spans
            .iter()
            .any(|s| s.role == Role::Source && s.name.is_some())
        {
            continue;
        }
        let tok = tokenizer.tokenize(doc);
        let names = Names::of(doc, &tok);
        let sources = named_source_spans(doc, &tok);
        let ranges: Vec<_> = sources.iter().map(|(r, _, _)| r.clone()).collect();
        let chosen = resolver.resolve_names(&tok, &names, &ranges);
        let named_entities = crate::speakers::train::NamedEntities::of(&names);
        for ((range, gold, span), entity) in sources.into_iter().zip(chosen) {
            let text = doc.text()
                [tok.tokens[range.start].byte_start..tok.tokens[range.end - 1].byte_end]
                .to_string();
            let unreachable = gold
                .as_deref()
                .is_some_and(|g| named_entities.named(g).is_empty());
            let predicted = entity
                .and_then(|e| names.entities[e].canonical())
                .and_then(|n| normalise(&n));
            spans.push(Resolved {
                document: doc.id.clone(),
                id: span.id.clone(),
                start: tok.tokens[range.start].span.start,
                end: tok.tokens[range.end - 1].span.end,
                kind: MentionKind::of(&text, gold.as_deref()),
                text,
                gold,
                predicted,
                unreachable,
            });
        }
    }
    let right = Resolved::is_right;
    let correct = spans.iter().filter(|r| right(r)).count();
    let kinds = MentionKind::ALL
        .iter()
        .map(|&kind| KindAccuracy {
            kind,
            correct: spans.iter().filter(|r| r.kind == kind && right(r)).count(),
            total: spans.iter().filter(|r| r.kind == kind).count(),
        })
        .collect();
    let accuracy = if spans.is_empty() {
        0.0
    } else {
        correct as f64 / spans.len() as f64
    };
    (
        GoldAccuracy {
            accuracy,
            correct,
            total: spans.len(),
            unreachable: spans.iter().filter(|r| r.unreachable).count(),
            kinds,
        },
        spans,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_mention() {
        let trump = Some("donald trump");
        assert_eq!(MentionKind::of("he", trump), MentionKind::Pronoun);
        assert_eq!(MentionKind::of("Who", trump), MentionKind::Pronoun);
        assert_eq!(MentionKind::of("Mr. Trump", trump), MentionKind::Partial);
        assert_eq!(MentionKind::of("Trump’s", trump), MentionKind::Partial);
        assert_eq!(MentionKind::of("Donald Trump", trump), MentionKind::Full);
        assert_eq!(
            MentionKind::of("Republican nominee Donald J. Trump, 70,", trump),
            MentionKind::Full
        );
        assert_eq!(
            MentionKind::of("the Republican nominee", trump),
            MentionKind::Description
        );
        assert_eq!(MentionKind::of("aides", None), MentionKind::Unnamed);
        assert_eq!(MentionKind::of("Trump", None), MentionKind::Unnamed);
    }

    /// A kind with no spans shows no accuracy (a 0.000 read as all wrong).
    #[test]
    fn a_kind_without_spans_has_no_accuracy() {
        let kind = |kind, correct, total| KindAccuracy {
            kind,
            correct,
            total,
        };
        let shown = GoldAccuracy {
            accuracy: 0.75,
            correct: 3,
            total: 4,
            unreachable: 0,
            kinds: vec![
                kind(MentionKind::Pronoun, 3, 4),
                kind(MentionKind::Description, 0, 0),
            ],
        }
        .to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert!(lines[1].ends_with(" 0.750 (3 of 4)"), "{shown}");
        assert!(lines[2].ends_with("     - (0 of 0)"), "{shown}");
    }
}
