//! Quote → speaker linking by rules over predicted spans. Each Content is given
//! a Cue (the nearest in its sentence, then its paragraph, then — for a quote
//! that opens a paragraph — the last one of the previous paragraph) and the Cue a
//! Source (the nearest outside the content, in the cue's sentence, then its
//! paragraph). Contents that share a cue become one attribution, as PolNeAR
//! annotates a quote interrupted by its cue or running over paragraphs.

use quotekit_data::{Role, Tokenized};
use std::ops::Range;

/// One attribution found by the linker, as indices into the chunk list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Content chunks, in text order.
    pub contents: Vec<usize>,
    /// Cue chunk.
    pub cue: Option<usize>,
    /// Source chunk.
    pub source: Option<usize>,
}

fn gap(a: &Range<usize>, b: &Range<usize>) -> usize {
    if a.end <= b.start {
        b.start - a.end
    } else {
        a.start.saturating_sub(b.end)
    }
}

/// Links predicted chunks (role, token range) into attributions.
pub fn link(tok: &Tokenized, chunks: &[(Role, Range<usize>)]) -> Vec<Link> {
    let n = tok.tokens.len();
    let mut sentence_of = vec![0usize; n];
    for (s, r) in tok.sentences.iter().enumerate() {
        sentence_of[r.clone()].fill(s);
    }
    let mut paragraph_of = vec![0usize; n];
    for (p, r) in tok.paragraphs.iter().enumerate() {
        paragraph_of[r.clone()].fill(p);
    }
    // Cues and sources in text order, so that those of a sentence or a
    // paragraph are one stretch of the list (found by binary search: a long
    // document costs no more per quote than a short one).
    let of_role = |role: Role| -> Vec<usize> {
        let mut v: Vec<usize> = (0..chunks.len()).filter(|&k| chunks[k].0 == role).collect();
        v.sort_by_key(|&k| (chunks[k].1.start, k));
        v
    };
    let (cues, sources) = (of_role(Role::Cue), of_role(Role::Source));
    // The members of `list` whose first token is in sentences (or
    // paragraphs, by `unit_of`) `lo..=hi`.
    fn within<'l>(
        list: &'l [usize],
        chunks: &[(Role, Range<usize>)],
        unit_of: &[usize],
        lo: usize,
        hi: usize,
    ) -> &'l [usize] {
        let a = list.partition_point(|&k| unit_of[chunks[k].1.start] < lo);
        let b = list.partition_point(|&k| unit_of[chunks[k].1.start] <= hi);
        &list[a..b.max(a)]
    }
    let nearest = |candidates: &[usize], to: &Range<usize>, keep: &dyn Fn(usize) -> bool| {
        candidates
            .iter()
            .copied()
            .filter(|&k| keep(k))
            .min_by_key(|&k| (gap(&chunks[k].1, to), k))
    };
    let mut links: Vec<Link> = Vec::new();
    // The link of each cue, once it has one.
    let mut link_of_cue: std::collections::HashMap<usize, usize> = Default::default();
    for c in (0..chunks.len()).filter(|&k| chunks[k].0 == Role::Content) {
        let range = &chunks[c].1;
        let (s0, s1) = (sentence_of[range.start], sentence_of[range.end - 1]);
        let para = paragraph_of[range.start];
        let opens_paragraph = range.start == tok.paragraphs[para].start;
        let any = |_: usize| true;
        let cue = nearest(within(&cues, chunks, &sentence_of, s0, s1), range, &any)
            .or_else(|| {
                nearest(
                    within(&cues, chunks, &paragraph_of, para, para),
                    range,
                    &any,
                )
            })
            .or_else(|| {
                // A quote opening a paragraph: the last cue of the previous paragraph.
                (opens_paragraph && para > 0)
                    .then(|| {
                        within(&cues, chunks, &paragraph_of, para - 1, para - 1)
                            .iter()
                            .copied()
                            .max_by_key(|&k| chunks[k].1.start)
                    })
                    .flatten()
            });
        let outside_content = |k: usize| !range_contains(range, &chunks[k].1);
        let source = match cue {
            Some(q) => {
                let anchor = &chunks[q].1;
                let (cs, cp) = (sentence_of[anchor.start], paragraph_of[anchor.start]);
                nearest(
                    within(&sources, chunks, &sentence_of, cs, cs),
                    anchor,
                    &outside_content,
                )
                .or_else(|| {
                    nearest(
                        within(&sources, chunks, &paragraph_of, cp, cp),
                        anchor,
                        &outside_content,
                    )
                })
            }
            None => nearest(
                within(&sources, chunks, &sentence_of, s0, s1),
                range,
                &outside_content,
            ),
        };
        match cue.and_then(|q| link_of_cue.get(&q).copied()) {
            Some(l) => links[l].contents.push(c),
            None => {
                if let Some(q) = cue {
                    link_of_cue.insert(q, links.len());
                }
                links.push(Link {
                    contents: vec![c],
                    cue,
                    source,
                })
            }
        }
    }
    links
}

fn range_contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Document, Tokenizer};

    /// Chunks from (role, first word index, word count) over `text`'s tokens.
    fn setup(
        text: &str,
        spans: &[(Role, usize, usize)],
    ) -> (Document, Tokenized, Vec<(Role, Range<usize>)>) {
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let chunks = spans.iter().map(|&(r, s, n)| (r, s..s + n)).collect();
        (doc, tok, chunks)
    }

    #[test]
    fn links_within_the_sentence_and_merges_split_quotes() {
        // “ We won , ” Ann said , “ again . ” Bob argued it was luck .
        // 0 1  2   3 4 5   6    7 8 9     10 11 12 13   14 15  16  17
        let text = "“We won,” Ann said, “again.” Bob argued it was luck.";
        let (_, tok, chunks) = setup(
            text,
            &[
                (Role::Content, 0, 5),
                (Role::Source, 5, 1),
                (Role::Cue, 6, 1),
                (Role::Content, 8, 4),
                (Role::Source, 12, 1),
                (Role::Cue, 13, 1),
                (Role::Content, 14, 3),
            ],
        );
        let links = link(&tok, &chunks);
        assert_eq!(
            links,
            vec![
                Link {
                    contents: vec![0, 3],
                    cue: Some(2),
                    source: Some(1)
                },
                Link {
                    contents: vec![6],
                    cue: Some(5),
                    source: Some(4)
                },
            ]
        );
    }

    #[test]
    fn quote_opening_a_paragraph_takes_the_previous_cue() {
        let text = "Ann Lee said:\n\n“We will win.”";
        let (_, tok, chunks) = setup(
            text,
            &[
                (Role::Source, 0, 2),
                (Role::Cue, 2, 1),
                (Role::Content, 4, 6),
            ],
        );
        let links = link(&tok, &chunks);
        assert_eq!(
            links,
            vec![Link {
                contents: vec![2],
                cue: Some(1),
                source: Some(0)
            }]
        );
    }

    #[test]
    fn content_without_cue_or_source() {
        let text = "Rain is coming. Nothing else.";
        let (_, tok, chunks) = setup(text, &[(Role::Content, 0, 3)]);
        assert_eq!(
            link(&tok, &chunks),
            vec![Link {
                contents: vec![0],
                cue: None,
                source: None
            }]
        );
    }
}
