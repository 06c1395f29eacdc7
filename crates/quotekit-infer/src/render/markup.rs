//! A document's text with marks drawn over it. Marks may nest, overlap and
//! cross in any way, so the text is cut at every mark boundary into
//! segments, and each segment becomes one flat `<span>` that carries the
//! classes, ids and quote numbers of every mark covering it. No element is
//! ever opened inside one it does not close in, so no input can produce
//! broken markup. Offsets are characters (Unicode scalar values), as
//! everywhere in quotekit.

use super::html::escape_into;
use quotekit_data::CharSpan;
use std::fmt::Write;

/// One thing drawn over the text: a predicted or gold span fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// The characters covered.
    pub span: CharSpan,
    /// CSS classes (space-separated).
    pub class: String,
    /// An id naming the span it belongs to (`p:T3`, `g:T7`), written into
    /// `data-span` so that a span's characters can be found in the page.
    pub id: String,
    /// Numbers of the quotes it belongs to (highlighted together).
    pub quotes: Vec<usize>,
    /// Tooltip text.
    pub title: String,
}

/// A link inserted into the text at a character position (a quote number).
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    /// Character offset it goes before.
    pub at: usize,
    /// Its markup (already escaped).
    pub html: String,
}

/// What did not fit the text: marks outside it, for the page to report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dropped {
    /// Ids of marks whose characters are not all in the text.
    pub out_of_range: Vec<String>,
}

/// Writes `text` with `marks` and `anchors` as markup. Marks that end past
/// the text or are empty are left out and listed in the returned value.
pub fn mark_up(text: &str, marks: &[Mark], anchors: &[Anchor]) -> (String, Dropped) {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut dropped = Dropped::default();
    let mut kept: Vec<&Mark> = Vec::with_capacity(marks.len());
    for m in marks {
        if m.span.start >= m.span.end || m.span.end > n {
            dropped.out_of_range.push(m.id.clone());
        } else {
            kept.push(m);
        }
    }
    kept.sort_by_key(|m| (m.span.start, m.span.end));
    let mut anchors: Vec<&Anchor> = anchors.iter().filter(|a| a.at <= n).collect();
    anchors.sort_by_key(|a| a.at);
    let mut cuts: Vec<usize> = Vec::with_capacity(2 * kept.len() + anchors.len() + 2);
    cuts.push(0);
    cuts.push(n);
    for m in &kept {
        cuts.push(m.span.start);
        cuts.push(m.span.end);
    }
    cuts.extend(anchors.iter().map(|a| a.at));
    cuts.sort_unstable();
    cuts.dedup();

    let mut out = String::with_capacity(text.len() * 2);
    let mut next = 0; // next mark of `kept` to open
    let mut next_anchor = 0;
    let mut active: Vec<&Mark> = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        while next_anchor < anchors.len() && anchors[next_anchor].at == a {
            out.push_str(&anchors[next_anchor].html);
            next_anchor += 1;
        }
        active.retain(|m| m.span.end > a);
        while next < kept.len() && kept[next].span.start == a {
            active.push(kept[next]);
            next += 1;
        }
        let piece: String = chars[a..b].iter().collect();
        if active.is_empty() {
            escape_into(&mut out, &piece);
            continue;
        }
        segment(&mut out, &active, a, b, &piece);
    }
    while next_anchor < anchors.len() {
        out.push_str(&anchors[next_anchor].html);
        next_anchor += 1;
    }
    (out, dropped)
}

/// One segment covered by `active` marks.
fn segment(out: &mut String, active: &[&Mark], a: usize, b: usize, piece: &str) {
    let mut classes: Vec<&str> = active
        .iter()
        .flat_map(|m| m.class.split_whitespace())
        .collect();
    classes.sort_unstable();
    classes.dedup();
    let mut ids: Vec<&str> = active.iter().map(|m| m.id.as_str()).collect();
    ids.dedup();
    let mut quotes: Vec<usize> = active
        .iter()
        .flat_map(|m| m.quotes.iter().copied())
        .collect();
    quotes.sort_unstable();
    quotes.dedup();
    let mut titles: Vec<&str> = active
        .iter()
        .map(|m| m.title.as_str())
        .filter(|t| !t.is_empty())
        .collect();
    titles.dedup();
    let _ = write!(
        out,
        "<span class=\"{}\" data-start=\"{a}\" data-end=\"{b}\" data-span=\"",
        classes.join(" ")
    );
    escape_into(out, &ids.join(" "));
    out.push('"');
    if !quotes.is_empty() {
        let q: Vec<String> = quotes.iter().map(|q| q.to_string()).collect();
        let _ = write!(out, " data-q=\"{}\"", q.join(" "));
    }
    if !titles.is_empty() {
        out.push_str(" title=\"");
        escape_into(out, &titles.join("\n"));
        out.push('"');
    }
    out.push('>');
    escape_into(out, piece);
    out.push_str("</span>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(start: usize, end: usize, class: &str, id: &str) -> Mark {
        Mark {
            span: CharSpan::new(start, end),
            class: class.into(),
            id: id.into(),
            quotes: vec![1],
            title: String::new(),
        }
    }

    /// The segments of the markup: (start, end, ids, text), read back with
    /// a plain scan (the HTML5 parser checks are in tests/render.rs).
    fn segments(html: &str) -> Vec<(usize, usize, String, String)> {
        let mut out = Vec::new();
        for part in html.split("<span ").skip(1) {
            let attr = |name: &str| {
                let key = format!("{name}=\"");
                let from = part.find(&key).unwrap() + key.len();
                part[from..from + part[from..].find('"').unwrap()].to_string()
            };
            let body = &part[part.find('>').unwrap() + 1..part.find("</span>").unwrap()];
            out.push((
                attr("data-start").parse().unwrap(),
                attr("data-end").parse().unwrap(),
                attr("data-span"),
                body.to_string(),
            ));
        }
        out
    }

    #[test]
    fn crossing_marks_become_flat_segments() {
        let text = "abcdefghij";
        let (html, dropped) = mark_up(
            text,
            &[mark(1, 6, "con", "p:T1"), mark(4, 8, "src", "p:T2")],
            &[],
        );
        assert!(dropped.out_of_range.is_empty());
        assert_eq!(
            segments(&html),
            vec![
                (1, 4, "p:T1".into(), "bcd".into()),
                (4, 6, "p:T1 p:T2".into(), "ef".into()),
                (6, 8, "p:T2".into(), "gh".into()),
            ]
        );
        assert!(html.starts_with('a') && html.ends_with("ij"));
        assert_eq!(
            html.matches("<span").count(),
            html.matches("</span>").count()
        );
    }

    #[test]
    fn nested_and_identical_marks_share_segments() {
        let (html, _) = mark_up(
            "0123456789",
            &[
                mark(0, 10, "con", "p:T1"),
                mark(2, 4, "cue", "p:T2"),
                mark(2, 4, "g-cue", "g:T9"),
            ],
            &[],
        );
        let segs = segments(&html);
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[1], (2, 4, "p:T1 p:T2 g:T9".into(), "23".into()));
        assert!(html.contains("class=\"con cue g-cue\""));
    }

    #[test]
    fn offsets_are_characters_and_text_is_escaped() {
        // Emoji (4 bytes), a combining accent and markup in the text.
        let text = "👍 e\u{301}<b>said</b> &";
        let (html, _) = mark_up(
            text,
            &[
                mark(0, 1, "src", "a"),
                mark(2, 4, "cue", "b"),
                mark(4, 7, "con", "c"),
            ],
            &[],
        );
        let segs = segments(&html);
        assert_eq!(segs[0].3, "👍");
        assert_eq!(segs[1].3, "e\u{301}");
        assert_eq!(segs[2].3, "&lt;b&gt;");
        assert!(!html.contains("<b>"));
        assert!(html.ends_with("said&lt;/b&gt; &amp;"));
    }

    #[test]
    fn marks_outside_the_text_are_dropped_and_listed() {
        let (html, dropped) = mark_up(
            "short",
            &[mark(2, 99, "con", "p:T1"), mark(3, 3, "cue", "p:T2")],
            &[],
        );
        assert_eq!(html, "short");
        assert_eq!(dropped.out_of_range, vec!["p:T1", "p:T2"]);
    }

    #[test]
    fn anchors_go_before_their_character() {
        let anchors = [
            Anchor {
                at: 2,
                html: "<a>1</a>".into(),
            },
            Anchor {
                at: 5,
                html: "<a>2</a>".into(),
            },
        ];
        let (html, _) = mark_up("abcde", &[mark(2, 4, "con", "x")], &anchors);
        assert!(html.starts_with("ab<a>1</a><span"));
        assert!(html.ends_with("e<a>2</a>"));
    }
}
