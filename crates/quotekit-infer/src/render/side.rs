//! The side column of a document page: its quotes in reading order with
//! speaker, cue, content and confidences and, against gold, the document's
//! scores and lists of what differs.

use super::diff::{Agreement, Differences, Fragment};
use super::html::{escape, score};
use super::predicted::Predicted;
use quotekit_data::{ByStart, CharIndex, Document, Role, SpansById};
use quotekit_model::eval::speakers::normalise;
use quotekit_model::eval::Evaluation;
use std::fmt::Write;

pub(super) fn role_class(role: Role) -> &'static str {
    match role {
        Role::Source => "src",
        Role::Cue => "cue",
        Role::Content => "con",
    }
}

/// A short excerpt of a text (at most `max` characters).
pub(super) fn excerpt(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        text
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

/// The text of span `id` of `doc` (`spans`: its spans by id).
pub(super) fn span_text(doc: &Document, spans: &SpansById, index: &CharIndex, id: &str) -> String {
    spans
        .get(id)
        .and_then(|s| doc.span_text(index, s))
        .unwrap_or_default()
}

/// How a quote's speaker is shown: its canonical name, else the Source text.
pub(super) fn speaker_label(
    p: &Predicted,
    spans: &SpansById,
    k: usize,
    source: Option<&str>,
    index: &CharIndex,
) -> String {
    match p.speaker_names.get(k).cloned().flatten() {
        Some(name) => name,
        None => match source {
            Some(id) => format!(
                "“{}”",
                excerpt(&span_text(&p.document, spans, index, id), 60)
            ),
            None => "no speaker".into(),
        },
    }
}

/// The list of the page's quotes beside the text, in their `number`
/// order; a quote whose `starts` (where the text draws its number) is none
/// has no link into the text.
pub(super) fn quote_list(
    body: &mut String,
    p: &Predicted,
    number: &[usize],
    starts: &[Option<usize>],
    index: &CharIndex,
    diff: Option<&Differences>,
    gold: Option<&Document>,
) {
    let doc = &p.document;
    let spans = doc.spans_by_id();
    let gold_spans = gold.map(Document::spans_by_id).unwrap_or_default();
    let _ = writeln!(body, "<h2>Quotes</h2>");
    if doc.attributions.is_empty() {
        body.push_str("<p class=\"muted\">No quotes.</p>\n");
        return;
    }
    let mut order: Vec<usize> = (0..doc.attributions.len()).collect();
    order.sort_by_key(|&k| number[k]);
    body.push_str("<ol>\n");
    let position: std::collections::HashMap<&str, usize> = doc
        .spans
        .iter()
        .enumerate()
        .map(|(k, s)| (s.id.as_str(), k))
        .collect();
    let confidence = |id: &str| {
        position
            .get(id)
            .and_then(|&k| p.confidences.get(k).copied().flatten())
    };
    let gold_index = gold.map(Document::char_index);
    for k in order {
        let a = &doc.attributions[k];
        let n = number[k];
        // (A quote with no span in the text has no number there to go to.)
        let label = if starts.get(k).is_some_and(Option::is_some) {
            format!("<a href=\"#t{n}\">quote {n}</a>")
        } else {
            format!("quote {n}")
        };
        let _ = write!(
            body,
            "<li id=\"q{n}\" value=\"{n}\" data-q=\"{n}\" tabindex=\"0\">{label}: <span class=\"src\"><bdi>{}</bdi></span>",
            escape(&speaker_label(p, &spans, k, a.source.as_deref(), index))
        );
        if let (Some(id), Some(_)) = (&a.source, p.speaker_names.get(k).cloned().flatten()) {
            let _ = write!(
                body,
                " (“<bdi>{}</bdi>”)",
                escape(&excerpt(&span_text(doc, &spans, index, id), 60))
            );
        }
        if let Some(cue) = &a.cue {
            let _ = write!(
                body,
                " <span class=\"cue\">{}</span>",
                escape(&excerpt(&span_text(doc, &spans, index, cue), 40))
            );
        }
        let content: Vec<String> = a
            .content
            .iter()
            .map(|c| span_text(doc, &spans, index, c))
            .collect();
        let _ = write!(
            body,
            " <span class=\"quote\">{}</span>",
            escape(&excerpt(&content.join(" … "), 220))
        );
        let conf: Vec<String> = [("speaker", a.source.as_deref()), ("cue", a.cue.as_deref())]
            .into_iter()
            .chain(a.content.iter().map(|c| ("content", Some(c.as_str()))))
            .filter_map(|(what, id)| id.and_then(confidence).map(|c| format!("{what} {c:.2}")))
            .collect();
        if !conf.is_empty() {
            let _ = write!(
                body,
                " <span class=\"muted\">confidence: {}</span>",
                conf.join(", ")
            );
        }
        if let (Some(d), Some(g)) = (diff, gold) {
            let link = &d.links[k];
            match link.gold {
                None => body.push_str(" <strong class=\"bad\">not a gold quote</strong>"),
                Some(j) => {
                    let ga = &g.attributions[j];
                    let gold_source = ga.source.as_deref().and_then(|id| gold_spans.get(id));
                    let gold_speaker = gold_source
                        .map(|s| {
                            s.speaker_name().map(str::to_string).unwrap_or_else(|| {
                                format!(
                                    "“{}”",
                                    excerpt(
                                        &span_text(
                                            g,
                                            &gold_spans,
                                            gold_index.as_ref().unwrap_or(index),
                                            &s.id,
                                        ),
                                        60
                                    )
                                )
                            })
                        })
                        .unwrap_or_else(|| "no speaker".into());
                    if !link.speaker_right {
                        let _ = write!(
                            body,
                            " <strong class=\"bad\">wrong speaker: gold <bdi>{}</bdi></strong>",
                            escape(&gold_speaker)
                        );
                    } else if link.name_right == Some(false) {
                        // (A gold source that names no one shows its text.)
                        let gold_name = match gold_source.and_then(|s| s.speaker_name()) {
                            Some(name) => name.to_string(),
                            None => format!("names no one: {gold_speaker}"),
                        };
                        // (Input that carries no names, as when gold is
                        // named by --names and the input is not, misses
                        // every name: it gives none, not a wrong one.)
                        let predicted = p.speaker_names.get(k).cloned().flatten();
                        let what = if predicted.as_deref().and_then(normalise).is_none() {
                            "no name predicted"
                        } else {
                            "wrong name"
                        };
                        let _ = write!(
                            body,
                            " <strong class=\"bad\">{what}: gold <bdi>{}</bdi></strong>",
                            escape(&gold_name)
                        );
                    }
                }
            }
        }
        body.push_str("</li>\n");
    }
    body.push_str("</ol>\n");
}

pub(super) fn difference_list(
    body: &mut String,
    doc: &Document,
    gold: &Document,
    d: &Differences,
    e: &Evaluation,
    _number: &[usize],
) {
    let index = doc.char_index();
    let gold_spans = gold.spans_by_id();
    body.push_str("<h2>Against gold</h2>\n<table><thead><tr><th>exact</th><th class=\"n\">P</th><th class=\"n\">R</th><th class=\"n\">F1</th></tr></thead><tbody>\n");
    for (name, c) in [
        ("Source", &e.exact.source),
        ("Cue", &e.exact.cue),
        ("Content", &e.exact.content),
        ("micro", &e.exact.micro),
        ("attribution", &e.attribution),
    ] {
        let _ = writeln!(
            body,
            "<tr><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            score(c.precision()),
            score(c.recall()),
            score(c.f1())
        );
    }
    body.push_str("</tbody></table>\n");
    let text = |f: &Fragment| excerpt(index.slice(doc.text(), f.span).unwrap_or_default(), 120);
    let mut section = |title: &str, items: Vec<String>| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(body, "<h3>{title} ({})</h3>\n<ul>", items.len());
        for item in items {
            let _ = writeln!(body, "<li>{item}</li>");
        }
        body.push_str("</ul>\n");
    };
    let alone = |fs: &[Fragment]| -> Vec<String> {
        fs.iter()
            .filter(|f| f.agreement == Agreement::Alone)
            .map(|f| {
                format!(
                    "<span class=\"{}\">{}</span> “{}”",
                    role_class(f.role),
                    f.role,
                    escape(&text(f))
                )
            })
            .collect()
    };
    section("Gold only", alone(&d.gold));
    section("Predicted only", alone(&d.predicted));
    // Gold fragments by start: a long document does not compare every pair.
    let gold_by_start = ByStart::new(
        d.gold
            .iter()
            .enumerate()
            .map(|(k, g)| (g.span, k))
            .collect(),
    );
    let boundaries: Vec<String> = d
        .predicted
        .iter()
        .filter(|f| f.agreement == Agreement::Boundary)
        .map(|f| {
            // (In gold's order, as they are listed elsewhere.)
            let mut near: Vec<usize> = gold_by_start
                .near(f.span)
                .map(|&(_, k)| k)
                .filter(|&k| d.gold[k].role == f.role && d.gold[k].span.overlaps(&f.span))
                .collect();
            near.sort_unstable();
            let golds: Vec<String> = near
                .into_iter()
                .map(|k| format!("“{}”", escape(&text(&d.gold[k]))))
                .collect();
            format!(
                "<span class=\"{}\">{}</span> predicted “{}”, gold {}",
                role_class(f.role),
                f.role,
                escape(&text(f)),
                golds.join(" / ")
            )
        })
        .collect();
    section("Boundaries differ", boundaries);
    let missed: Vec<String> = d
        .missed_quotes
        .iter()
        .map(|&j| {
            let a = &gold.attributions[j];
            let content: Vec<String> = a
                .content
                .iter()
                .map(|c| span_text(gold, &gold_spans, &index, c))
                .collect();
            escape(&excerpt(&content.join(" … "), 160))
        })
        .collect();
    section("Gold quotes missed", missed);
}
