//! One document's page: the text with its Source, Cue and Content spans
//! drawn, every quote numbered, a side list of the quotes in reading order
//! and, with gold, the differences and the document's scores.

use super::diff::{differences, Agreement, Differences, Fragment};
use super::html::{escape, legend, page, score, shown_id};
use super::markup::{mark_up, Anchor, Mark};
use super::predicted::Predicted;
use super::side::{difference_list, quote_list, role_class, speaker_label};
use quotekit_data::Tokenizer;
use quotekit_data::{CharSpan, Document, Role, SpansById};
use quotekit_model::eval::{evaluate, Evaluation};
use std::collections::HashMap;
use std::fmt::Write;

/// What the index needs to know of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocSummary {
    /// Document id.
    pub id: String,
    /// The page's file name, relative to the output folder.
    pub file: String,
    /// Quotes predicted.
    pub quotes: usize,
    /// Each quote's speaker name (canonical, else none) and whether it is direct.
    pub speakers: Vec<(Option<String>, bool)>,
    /// The document's scores against gold.
    pub scores: Option<Evaluation>,
    /// Differences against gold.
    pub differences: Option<usize>,
    /// The error record's message, or a note such as "no prediction".
    pub note: Option<String>,
}

/// Links to the neighbouring pages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nav {
    /// The previous document's page.
    pub previous: Option<String>,
    /// The next document's page.
    pub next: Option<String>,
}

impl Nav {
    /// The page's navigation: the index, then the neighbours.
    fn html(&self) -> String {
        let mut out = String::from("<nav class=\"nav\"><a href=\"../index.html\">index</a>");
        if let Some(prev) = &self.previous {
            let _ = write!(
                out,
                "<a href=\"{}\" rel=\"prev\">← previous</a>",
                escape(prev)
            );
        }
        if let Some(next) = &self.next {
            let _ = write!(out, "<a href=\"{}\" rel=\"next\">next →</a>", escape(next));
        }
        out.push_str("</nav>");
        out
    }
}

/// Where each attribution is drawn its number: its content's first
/// character, or, for a quote without content (which no `predict` writes),
/// its cue's, else its source's; `None` for a quote with no span in the
/// document.
fn quote_starts(doc: &Document, spans: &SpansById) -> Vec<Option<usize>> {
    let first = |ids: &mut dyn Iterator<Item = &String>| {
        ids.filter_map(|id| spans.get(id.as_str()))
            .flat_map(|s| s.fragments.iter().map(|f| f.start))
            .min()
    };
    doc.attributions
        .iter()
        .map(|a| {
            first(&mut a.content.iter())
                .or_else(|| first(&mut a.cue.iter()))
                .or_else(|| first(&mut a.source.iter()))
        })
        .collect()
}

/// Quote numbers in reading order (by `starts`, from [`quote_starts`]):
/// attribution index → number (1-based).
fn numbering(starts: &[Option<usize>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..starts.len()).collect();
    order.sort_by_key(|&k| (starts[k].unwrap_or(usize::MAX), k));
    let mut number = vec![0; order.len()];
    for (n, k) in order.into_iter().enumerate() {
        number[k] = n + 1;
    }
    number
}

/// (span id, fragment) → how it agrees with the other side.
fn agreements(fs: &[Fragment]) -> HashMap<(&str, CharSpan), Agreement> {
    fs.iter()
        .map(|x| ((x.span_id.as_str(), x.span), x.agreement))
        .collect()
}

/// The page of a document that has a prediction.
pub fn document_page(
    p: &Predicted,
    gold: Option<&Document>,
    nav: &Nav,
    file: String,
    note: Option<String>,
) -> (String, DocSummary) {
    let doc = &p.document;
    let index = doc.char_index();
    let spans = doc.spans_by_id();
    let starts = quote_starts(doc, &spans);
    let number = numbering(&starts);
    let diff = gold.map(|g| differences(doc, g, &p.speaker_names));
    let scores = gold.map(|g| {
        evaluate(
            std::slice::from_ref(g),
            std::slice::from_ref(doc),
            &Tokenizer::new(),
        )
    });
    // Span id → the numbers of the quotes it is part of.
    let mut quotes_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, a) in doc.attributions.iter().enumerate() {
        for id in a.source.iter().chain(a.cue.iter()).chain(a.content.iter()) {
            quotes_of.entry(id.as_str()).or_default().push(number[k]);
        }
    }
    let confidence: HashMap<&str, f64> = doc
        .spans
        .iter()
        .zip(&p.confidences)
        .filter_map(|(s, c)| c.map(|c| (s.id.as_str(), c)))
        .collect();
    let speaker_of: HashMap<usize, String> = doc
        .attributions
        .iter()
        .enumerate()
        .map(|(k, a)| {
            (
                number[k],
                speaker_label(p, &spans, k, a.source.as_deref(), &index),
            )
        })
        .collect();

    let mut marks: Vec<Mark> = Vec::new();
    // (span id, fragment) → agreement, for each side.
    let (pred_agreement, gold_agreement) = match &diff {
        Some(d) => (agreements(&d.predicted), agreements(&d.gold)),
        None => (HashMap::new(), HashMap::new()),
    };
    let agreement_of = |side: &HashMap<(&str, CharSpan), Agreement>, id: &str, f: CharSpan| {
        side.get(&(id, f)).copied()
    };
    for s in &doc.spans {
        let quotes = quotes_of.get(s.id.as_str()).cloned().unwrap_or_default();
        let title = span_title(s.role, &quotes, &speaker_of, confidence.get(s.id.as_str()));
        for f in &s.fragments {
            let mut class = role_class(s.role).to_string();
            match agreement_of(&pred_agreement, &s.id, *f) {
                Some(Agreement::Alone) => class.push_str(" x-spur"),
                Some(Agreement::Boundary) => class.push_str(" x-bound"),
                _ => {}
            }
            marks.push(Mark {
                span: *f,
                class,
                id: format!("p:{}", s.id),
                quotes: quotes.clone(),
                title: title.clone(),
            });
        }
    }
    if let (Some(g), Some(_)) = (gold, &diff) {
        for s in &g.spans {
            for f in &s.fragments {
                let mut class = format!("g-{}", role_class(s.role));
                match agreement_of(&gold_agreement, &s.id, *f) {
                    Some(Agreement::Alone) => class.push_str(" x-miss"),
                    Some(Agreement::Boundary) => class.push_str(" x-bound"),
                    _ => {}
                }
                let name = s
                    .speaker_name()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                marks.push(Mark {
                    span: *f,
                    class,
                    id: format!("g:{}", s.id),
                    quotes: Vec::new(),
                    title: format!("gold {}{name}", s.role),
                });
            }
        }
    }
    let anchors: Vec<Anchor> = starts
        .iter()
        .zip(&number)
        .filter_map(|(start, &n)| {
            start.map(|at| Anchor {
                at,
                html: format!(
                    "<a class=\"qn\" id=\"t{n}\" href=\"#q{n}\" data-q=\"{n}\" aria-label=\"quote {n}\">{n}</a>"
                ),
            })
        })
        .collect();
    let (text_html, dropped) = mark_up(doc.text(), &marks, &anchors);

    let mut body = String::new();
    let _ = writeln!(
        body,
        "<header>\n{}\n<h1><bdi>{}</bdi></h1>",
        nav.html(),
        escape(&shown_id(&doc.id))
    );
    let _ = write!(
        body,
        "<p>{} quotes, {} Source, {} Cue and {} Content spans",
        doc.attributions.len(),
        doc.spans.iter().filter(|s| s.role == Role::Source).count(),
        doc.spans.iter().filter(|s| s.role == Role::Cue).count(),
        doc.spans.iter().filter(|s| s.role == Role::Content).count()
    );
    if let Some(e) = &scores {
        let attribution = if e.attribution_scored {
            score(e.attribution.f1())
        } else {
            "not scored (the gold has no attributions)".to_string()
        };
        let _ = write!(
            body,
            "; against gold: exact micro F1 {}, attribution F1 {attribution}",
            score(e.exact.micro.f1()),
        );
    }
    body.push_str(".</p>\n");
    if let Some(note) = &note {
        let _ = writeln!(body, "<p class=\"bad\">{}</p>", escape(note));
    }
    body.push_str("</header>\n<main>\n");
    body.push_str(&legend(gold.is_some()));
    if !dropped.out_of_range.is_empty() {
        let _ = writeln!(
            body,
            "<p class=\"bad\">Spans outside the text, not drawn: {}</p>",
            escape(&dropped.out_of_range.join(", "))
        );
    }
    body.push_str("<div class=\"layout\">\n<div class=\"text\" id=\"text\">");
    body.push_str(&text_html);
    body.push_str("</div>\n<aside class=\"side\" aria-label=\"quotes\">\n");
    quote_list(&mut body, p, &number, &starts, &index, diff.as_ref(), gold);
    if let (Some(g), Some(d), Some(e)) = (gold, &diff, &scores) {
        difference_list(&mut body, doc, g, d, e, &number);
    }
    body.push_str("</aside>\n</div>\n</main>\n");
    let html = page(&shown_id(&doc.id), &body);

    let summary = DocSummary {
        id: doc.id.clone(),
        file,
        quotes: doc.attributions.len(),
        speakers: doc
            .direct_quotes()
            .into_iter()
            .enumerate()
            .map(|(k, direct)| {
                let name = p.speaker_names.get(k).cloned().flatten();
                // (Counted as `stats` counts records' names.)
                (crate::quoted::named(name), direct)
            })
            .collect(),
        scores,
        differences: diff.as_ref().map(Differences::count),
        note,
    };
    (html, summary)
}

fn span_title(
    role: Role,
    quotes: &[usize],
    speaker_of: &HashMap<usize, String>,
    confidence: Option<&f64>,
) -> String {
    let list = quotes
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    // (A span of quotes whose speakers differ, a Source named one way in
    // one quote and another in the next, says each quote's.)
    let speaker = |n: &usize, none: &'static str| speaker_of.get(n).map_or(none, String::as_str);
    let one_speaker = quotes
        .windows(2)
        .all(|w| speaker(&w[0], "") == speaker(&w[1], ""));
    let each = |head: &str, none: &'static str| {
        quotes
            .iter()
            .map(|n| format!("{head} {n}: {}", speaker(n, none)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut title = match (role, quotes.first()) {
        (_, None) => format!("{role}, in no quote"),
        (Role::Content, Some(n)) if one_speaker => {
            format!("quote {list}, speaker: {}", speaker(n, "none"))
        }
        (Role::Content, Some(_)) => each("speaker of quote", "none"),
        (Role::Source, Some(n)) if one_speaker => {
            format!("speaker of quote {list}: {}", speaker(n, ""))
        }
        (Role::Source, Some(_)) => each("speaker of quote", ""),
        (Role::Cue, Some(_)) => format!("cue of quote {list}"),
    };
    if let Some(c) = confidence {
        let _ = write!(title, " (confidence {c:.2})");
    }
    title
}

/// The page of a document that has no prediction, only an error record.
pub fn error_page(id: &str, message: &str, nav: &Nav, file: String) -> (String, DocSummary) {
    let body = format!(
        "<header>{}<h1><bdi>{}</bdi></h1></header>\n<main><p class=\"bad\">No prediction: {}</p></main>\n",
        nav.html(),
        escape(&shown_id(id)),
        escape(message)
    );
    let summary = DocSummary {
        id: id.to_string(),
        file,
        quotes: 0,
        speakers: Vec::new(),
        scores: None,
        differences: None,
        note: Some(message.to_string()),
    };
    (page(&shown_id(id), &body), summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_of_quotes_with_two_speakers_names_each() {
        let speakers = HashMap::from([(1, "Dee One".to_string()), (2, "Dee Two".to_string())]);
        let same = HashMap::from([(1, "Dee One".to_string()), (2, "Dee One".to_string())]);
        assert_eq!(
            span_title(Role::Source, &[1, 2], &speakers, None),
            "speaker of quote 1: Dee One; speaker of quote 2: Dee Two"
        );
        assert_eq!(
            span_title(Role::Source, &[1, 2], &same, Some(&0.5)),
            "speaker of quote 1, 2: Dee One (confidence 0.50)"
        );
        assert_eq!(
            span_title(Role::Content, &[2], &speakers, None),
            "quote 2, speaker: Dee Two"
        );
        assert_eq!(
            span_title(Role::Content, &[1, 3], &speakers, None),
            "speaker of quote 1: Dee One; speaker of quote 3: none"
        );
    }
}
