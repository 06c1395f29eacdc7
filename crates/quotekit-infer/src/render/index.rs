//! The corpus at a glance: totals, a table of speakers (who is quoted how
//! often, directly or not, in how many documents) and the documents in
//! pages, each ordering (worst first when there is gold, most quotes, id)
//! its own set of static pages so that sorting works without the script.

use super::html::{escape, legend, page, score, shown_id};
use super::page::DocSummary;
use quotekit_model::eval::Evaluation;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

/// How many speakers the index lists before linking to `speakers.html`.
const TOP_SPEAKERS: usize = 25;

/// The heading of `index.html`, by which a later render knows the folder
/// holds an earlier one's pages.
pub const INDEX_HEADING: &str = "<h1>quotekit render</h1>";

/// The orders' names in index page names (`by-SLUG-N.html`), in the
/// order of `Order`'s variants.
pub const SLUGS: [&str; 3] = ["worst", "quotes", "id"];

/// One way of ordering the documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Worst,
    Quotes,
    Id,
}

impl Order {
    fn slug(self) -> &'static str {
        SLUGS[self as usize]
    }
    fn label(self) -> &'static str {
        match self {
            Order::Worst => "worst F1 first",
            Order::Quotes => "most quotes first",
            Order::Id => "by id",
        }
    }
}

/// A speaker's line in the table.
#[derive(Debug, Clone, Default)]
struct SpeakerRow {
    quotes: usize,
    direct: usize,
    documents: usize,
}

fn speaker_rows(docs: &[DocSummary]) -> (Vec<(String, SpeakerRow)>, SpeakerRow) {
    let mut rows: BTreeMap<&str, SpeakerRow> = BTreeMap::new();
    let mut unnamed = SpeakerRow::default();
    for d in docs {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut unnamed_here = false;
        for (name, direct) in &d.speakers {
            let row = match name {
                Some(n) => {
                    let row = rows.entry(n.as_str()).or_default();
                    if seen.insert(n.as_str()) {
                        row.documents += 1;
                    }
                    row
                }
                None => {
                    if !unnamed_here {
                        unnamed.documents += 1;
                        unnamed_here = true;
                    }
                    &mut unnamed
                }
            };
            row.quotes += 1;
            row.direct += usize::from(*direct);
        }
    }
    let mut rows: Vec<(String, SpeakerRow)> =
        rows.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    rows.sort_by(|a, b| b.1.quotes.cmp(&a.1.quotes).then_with(|| a.0.cmp(&b.0)));
    (rows, unnamed)
}

fn speaker_table(
    out: &mut String,
    rows: &[(String, SpeakerRow)],
    unnamed: &SpeakerRow,
    spellings: &HashMap<String, Vec<String>>,
) {
    out.push_str(
        "<table class=\"sortable\"><thead><tr><th>speaker</th><th class=\"n\">quotes</th><th class=\"n\">direct</th><th class=\"n\">indirect</th><th class=\"n\">documents</th></tr></thead><tbody>\n",
    );
    let row = |out: &mut String, name: &str, r: &SpeakerRow| {
        let _ = writeln!(
            out,
            "<tr><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            r.quotes,
            r.direct,
            r.quotes - r.direct,
            r.documents
        );
    };
    for (name, r) in rows {
        // (Each name isolated, `<bdi>`: one with a right-to-left override
        // does not turn the rest of its cell around.)
        let mut cell = format!("<bdi>{}</bdi>", escape(name));
        if let Some(others) = spellings.get(name) {
            let others: Vec<String> = others
                .iter()
                .map(|s| format!("<bdi>{}</bdi>", escape(s)))
                .collect();
            let _ = write!(
                cell,
                "<br><span class=\"muted\">also {}</span>",
                others.join("; ")
            );
        }
        row(out, &cell, r);
    }
    if unnamed.quotes > 0 {
        row(out, "<em>no canonical name</em>", unnamed);
    }
    out.push_str("</tbody></table>\n");
}

fn ordered(docs: &[DocSummary], order: Order) -> Vec<usize> {
    let mut k: Vec<usize> = (0..docs.len()).collect();
    let f1 = |d: &DocSummary| {
        d.scores
            .as_ref()
            .map(|e| {
                // (Unscored attributions sort after every score.)
                let a = if e.attribution_scored {
                    e.attribution.f1()
                } else {
                    f64::INFINITY
                };
                (e.exact.micro.f1(), a)
            })
            .unwrap_or((f64::INFINITY, f64::INFINITY))
    };
    match order {
        Order::Worst => k.sort_by(|&a, &b| {
            let (x, y) = (f1(&docs[a]), f1(&docs[b]));
            x.0.total_cmp(&y.0)
                .then(x.1.total_cmp(&y.1))
                .then(a.cmp(&b))
        }),
        Order::Quotes => k.sort_by(|&a, &b| docs[b].quotes.cmp(&docs[a].quotes).then(a.cmp(&b))),
        Order::Id => k.sort_by(|&a, &b| docs[a].id.cmp(&docs[b].id).then(a.cmp(&b))),
    }
    k
}

fn documents_table(out: &mut String, docs: &[DocSummary], rows: &[usize], gold: bool) {
    out.push_str("<table class=\"sortable\"><thead><tr><th class=\"n\">#</th><th>document</th><th class=\"n\">quotes</th><th class=\"n\">speakers</th>");
    if gold {
        out.push_str("<th class=\"n\">exact F1</th><th class=\"n\">Source</th><th class=\"n\">Cue</th><th class=\"n\">Content</th><th class=\"n\">attribution F1</th><th class=\"n\">differences</th>");
    }
    out.push_str("<th>note</th></tr></thead><tbody>\n");
    for &k in rows {
        let d = &docs[k];
        let names: HashSet<&str> = d
            .speakers
            .iter()
            .filter_map(|(n, _)| n.as_deref())
            .collect();
        let _ = write!(
            out,
            "<tr><td class=\"n\">{}</td><td><a href=\"{}\"><bdi>{}</bdi></a></td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            k + 1,
            escape(&d.file),
            escape(&shown_id(&d.id)),
            d.quotes,
            names.len()
        );
        if gold {
            match &d.scores {
                Some(e) => {
                    for x in [
                        e.exact.micro.f1(),
                        e.exact.source.f1(),
                        e.exact.cue.f1(),
                        e.exact.content.f1(),
                    ] {
                        let _ = write!(out, "<td class=\"n\" data-v=\"{x}\">{}</td>", score(x));
                    }
                    if e.attribution_scored {
                        let x = e.attribution.f1();
                        let _ = write!(out, "<td class=\"n\" data-v=\"{x}\">{}</td>", score(x));
                    } else {
                        out.push_str(
                            "<td class=\"n\" data-v=\"-1\" title=\"not scored: the gold has no attributions\">–</td>",
                        );
                    }
                    let _ = write!(out, "<td class=\"n\">{}</td>", d.differences.unwrap_or(0));
                }
                None => out.push_str("<td></td><td></td><td></td><td></td><td></td><td></td>"),
            }
        }
        let _ = writeln!(
            out,
            "<td class=\"bad\">{}</td></tr>",
            escape(d.note.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody></table>\n");
}

/// Corpus-wide figures for the index.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// The corpus scores against gold, when there is gold.
    pub evaluation: Option<Evaluation>,
    /// Where the predictions and gold came from.
    pub sources: Vec<String>,
    /// With names merged, each merged name's other spellings (shown in the
    /// speakers' table under it).
    pub spellings: HashMap<String, Vec<String>>,
}

fn totals_section(out: &mut String, docs: &[DocSummary], totals: &Totals) {
    let quotes: usize = docs.iter().map(|d| d.quotes).sum();
    let direct: usize = docs
        .iter()
        .flat_map(|d| &d.speakers)
        .filter(|s| s.1)
        .count();
    let named: usize = docs
        .iter()
        .flat_map(|d| &d.speakers)
        .filter(|s| s.0.is_some())
        .count();
    let notes = docs.iter().filter(|d| d.note.is_some()).count();
    let _ = writeln!(
        out,
        "<p>{} documents ({notes} with a note or error), {quotes} quotes ({direct} direct, {} indirect), {named} with a canonical speaker.</p>",
        docs.len(),
        quotes - direct
    );
    for s in &totals.sources {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", escape(s));
    }
    if let Some(e) = &totals.evaluation {
        out.push_str("<h2>Against gold</h2>\n");
        super::report::scores_table(out, e);
    }
}

/// Every index page: `(file name, html)`. `page_size` documents per page.
pub fn index_pages(
    docs: &[DocSummary],
    totals: &Totals,
    page_size: usize,
) -> Vec<(String, String)> {
    let gold = docs.iter().any(|d| d.scores.is_some());
    let orders: Vec<Order> = if gold {
        vec![Order::Worst, Order::Quotes, Order::Id]
    } else {
        vec![Order::Quotes, Order::Id]
    };
    let page_size = page_size.max(1);
    let pages = docs.len().div_ceil(page_size).max(1);
    let (speakers, unnamed) = speaker_rows(docs);
    let mut out = Vec::new();
    let nav = |order: Order, current: usize| {
        let mut s = String::from("<nav class=\"nav\" aria-label=\"document pages\">Order: ");
        for o in &orders {
            if *o == order {
                let _ = write!(s, "<strong>{}</strong> ", o.label());
            } else {
                let _ = write!(s, "<a href=\"by-{}-1.html\">{}</a> ", o.slug(), o.label());
            }
        }
        if pages > 1 {
            s.push_str(" · Page: ");
            for p in 1..=pages {
                if p == current {
                    let _ = write!(s, "<strong>{p}</strong> ");
                } else {
                    let _ = write!(s, "<a href=\"by-{}-{p}.html\">{p}</a> ", order.slug());
                }
            }
        }
        s.push_str("</nav>\n");
        s
    };
    for &order in &orders {
        let rows = ordered(docs, order);
        for p in 1..=pages {
            let chunk =
                &rows[((p - 1) * page_size).min(rows.len())..(p * page_size).min(rows.len())];
            let mut body = String::from("<header><nav class=\"nav\"><a href=\"index.html\">index</a><a href=\"speakers.html\">speakers</a></nav>\n");
            let _ = writeln!(
                body,
                "<h1>Documents, {}, page {p} of {pages}</h1></header>\n<main>",
                order.label()
            );
            body.push_str(&nav(order, p));
            documents_table(&mut body, docs, chunk, gold);
            body.push_str("</main>\n");
            let html = page(&format!("quotekit: documents, page {p}"), &body);
            if order == orders[0] && p == 1 {
                let mut index = format!("<header>{INDEX_HEADING}\n<nav class=\"nav\"><a href=\"speakers.html\">all speakers</a></nav></header>\n<main>\n");
                totals_section(&mut index, docs, totals);
                index.push_str(&legend(gold));
                let _ = writeln!(index, "<h2>Speakers</h2>");
                speaker_table(
                    &mut index,
                    &speakers[..speakers.len().min(TOP_SPEAKERS)],
                    &unnamed,
                    &totals.spellings,
                );
                if speakers.len() > TOP_SPEAKERS {
                    let _ = writeln!(
                        index,
                        "<p><a href=\"speakers.html\">All {} speakers</a></p>",
                        speakers.len()
                    );
                }
                let _ = writeln!(index, "<h2>Documents</h2>");
                index.push_str(&nav(order, p));
                documents_table(&mut index, docs, chunk, gold);
                index.push_str("</main>\n");
                out.push((
                    "index.html".to_string(),
                    page("quotekit: predictions", &index),
                ));
            }
            out.push((format!("by-{}-{p}.html", order.slug()), html));
        }
    }
    let mut body = String::from("<header><nav class=\"nav\"><a href=\"index.html\">index</a></nav><h1>Speakers</h1></header>\n<main>\n");
    speaker_table(&mut body, &speakers, &unnamed, &totals.spellings);
    body.push_str("</main>\n");
    out.push((
        "speakers.html".to_string(),
        page("quotekit: speakers", &body),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: &str, speakers: &[(Option<&str>, bool)]) -> DocSummary {
        DocSummary {
            id: id.into(),
            file: format!("doc/{id}.html"),
            quotes: speakers.len(),
            speakers: speakers
                .iter()
                .map(|(n, d)| (n.map(str::to_string), *d))
                .collect(),
            scores: None,
            differences: None,
            note: None,
        }
    }

    #[test]
    fn speakers_are_counted_by_quotes_kind_and_documents() {
        let docs = [
            summary(
                "a",
                &[
                    (Some("Ann Lee"), true),
                    (Some("Ann Lee"), false),
                    (None, false),
                ],
            ),
            summary("b", &[(Some("Ann Lee"), true), (Some("Bob Roe"), false)]),
        ];
        let (rows, unnamed) = speaker_rows(&docs);
        assert_eq!(rows[0].0, "Ann Lee");
        assert_eq!(
            (rows[0].1.quotes, rows[0].1.direct, rows[0].1.documents),
            (3, 2, 2)
        );
        assert_eq!((rows[1].1.quotes, rows[1].1.documents), (1, 1));
        assert_eq!((unnamed.quotes, unnamed.documents), (1, 1));
    }

    #[test]
    fn documents_are_paged_in_every_order() {
        let docs: Vec<DocSummary> = (0..5)
            .map(|k| summary(&format!("d{k}"), &vec![(None, false); k]))
            .collect();
        let pages = index_pages(&docs, &Totals::default(), 2);
        let names: Vec<&str> = pages.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "index.html",
                "by-quotes-1.html",
                "by-quotes-2.html",
                "by-quotes-3.html",
                "by-id-1.html",
                "by-id-2.html",
                "by-id-3.html",
                "speakers.html"
            ]
        );
        // Most quotes first: d4 and d3 on the first page.
        assert!(
            pages[1].1.contains("d4") && pages[1].1.contains("d3") && !pages[1].1.contains(">d2<")
        );
    }
}
