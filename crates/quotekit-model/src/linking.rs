//! Quote → speaker linking by rules over predicted spans. Each Content is given
//! a Cue (the nearest in its sentence, then its paragraph, then — for a quote
//! that opens a paragraph — the last one of the previous paragraph, or, where
//! it has none, the cue of its last quote) and the Cue
//! a Source (the nearest outside the content, in the cue's sentence, then in
//! the content's). Contents that share a cue become one attribution, as
//! PolNeAR annotates a quote interrupted by its cue or running over paragraphs.
//!
//! A source elsewhere in the cue's paragraph is not taken: on PolNeAR train's
//! gold spans the nearest one there was the quote's source for 39 quotes and
//! not for 596 (594 of which have no source).

use quotekit_data::{Role, Tokenized};
use std::ops::Range;

/// One attribution found by the linker, as indices into the chunk list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// Links predicted chunks (role, token range), in text order as decoding
/// gives them, into attributions.
///
/// # Panics
///
/// If a chunk's token range is empty or runs past `tok`'s tokens, or `tok`
/// has tokens but no paragraphs.
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
    let longest = |list: &[usize]| list.iter().map(|&k| chunks[k].1.len()).max().unwrap_or(0);
    let (longest_cue, longest_source) = (longest(&cues), longest(&sources));
    let nearest_cue = |candidates: &[usize], to: &Range<usize>| {
        nearest_of(chunks, candidates, longest_cue, to, &|_| true)
    };
    let nearest_source = |candidates: &[usize], to: &Range<usize>, keep: &dyn Fn(usize) -> bool| {
        nearest_of(chunks, candidates, longest_source, to, keep)
    };
    let mut links: Vec<Link> = Vec::new();
    // The link of each cue, once it has one.
    let mut link_of_cue: std::collections::HashMap<usize, usize> = Default::default();
    // The paragraph that the last content linked ends in, and its cue.
    let mut last_content: Option<(usize, Option<usize>)> = None;
    for c in (0..chunks.len()).filter(|&k| chunks[k].0 == Role::Content) {
        let range = &chunks[c].1;
        let (s0, s1) = (sentence_of[range.start], sentence_of[range.end - 1]);
        let para = paragraph_of[range.start];
        let opens_paragraph = range.start == tok.paragraphs[para].start;
        let cue = nearest_cue(within(&cues, chunks, &sentence_of, s0, s1), range)
            .or_else(|| nearest_cue(within(&cues, chunks, &paragraph_of, para, para), range))
            .or_else(|| {
                // A quote opening a paragraph: the last cue of the previous paragraph.
                (opens_paragraph && para > 0)
                    .then(|| {
                        within(&cues, chunks, &paragraph_of, para - 1, para - 1)
                            .last()
                            .copied()
                    })
                    .flatten()
            })
            .or_else(|| {
                // A quote running on over paragraphs without cues: the cue
                // of the previous paragraph's last quote. (Asking also that
                // this quote end its paragraph changed nothing on PolNeAR's
                // gold spans and lost 0.001-0.002 attribution F1 on the
                // taggers'.)
                last_content
                    .filter(|&(p, _)| opens_paragraph && p + 1 == para)
                    .and_then(|(_, cue)| cue)
            });
        last_content = Some((paragraph_of[range.end - 1], cue));
        // A content whose cue is linked already joins that link (its
        // source is the link's).
        if let Some(l) = cue.and_then(|q| link_of_cue.get(&q).copied()) {
            links[l].contents.push(c);
            continue;
        }
        let outside_content = |k: usize| !range_contains(range, &chunks[k].1);
        let in_quote = within(&sources, chunks, &sentence_of, s0, s1);
        let source = match cue {
            Some(q) => {
                let anchor = &chunks[q].1;
                let cs = sentence_of[anchor.start];
                nearest_source(
                    within(&sources, chunks, &sentence_of, cs, cs),
                    anchor,
                    &outside_content,
                )
                .or_else(|| nearest_source(in_quote, anchor, &outside_content))
            }
            None => nearest_source(in_quote, range, &outside_content),
        };
        if let Some(q) = cue {
            link_of_cue.insert(q, links.len());
        }
        links.push(Link {
            contents: vec![c],
            cue,
            source,
        });
    }
    links
}

/// The member `k` of `candidates` (chunk indices in order of first token,
/// none longer than `longest` tokens) that `keep` accepts with the least
/// `(gap to `to`, k)`. It looks outward from where `to` starts and stops
/// where no farther chunk could be nearer: a sentence with many quotes
/// costs each quote the few chunks around it, not the whole sentence.
fn nearest_of(
    chunks: &[(Role, Range<usize>)],
    candidates: &[usize],
    longest: usize,
    to: &Range<usize>,
    keep: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    let offer = |best: &mut Option<(usize, usize)>, k: usize| {
        if keep(k) {
            let key = (gap(&chunks[k].1, to), k);
            if best.is_none_or(|b| key < b) {
                *best = Some(key);
            }
        }
    };
    let split = candidates.partition_point(|&k| chunks[k].1.start < to.start);
    // Chunks that start at or after `to`: their gap grows with their start.
    for &k in &candidates[split..] {
        if best.is_some_and(|(g, _)| chunks[k].1.start.saturating_sub(to.end) > g) {
            break;
        }
        offer(&mut best, k);
    }
    // Chunks that start before it end at most `longest` tokens after their
    // start, so their gap is at least what that leaves.
    for &k in candidates[..split].iter().rev() {
        let bound = to.start.saturating_sub(chunks[k].1.start + longest);
        if best.is_some_and(|(g, _)| bound > g) {
            break;
        }
        offer(&mut best, k);
    }
    best.map(|(_, k)| k)
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
    fn a_quote_running_over_paragraphs_keeps_its_cue() {
        // Ann Lee said : ¶ “ We win . ¶ “ We always win . ¶ “ Again . ”
        // 0   1   2    3   4 5  6   7   8 9  10     11  12  13 14    15 16
        let text = "Ann Lee said:\n\n“We win.\n\n“We always win.\n\n“Again.”";
        let (_, tok, chunks) = setup(
            text,
            &[
                (Role::Source, 0, 2),
                (Role::Cue, 2, 1),
                (Role::Content, 4, 4),
                (Role::Content, 8, 5),
                (Role::Content, 13, 4),
            ],
        );
        assert_eq!(tok.paragraphs.len(), 4);
        assert_eq!(
            link(&tok, &chunks),
            vec![Link {
                contents: vec![2, 3, 4],
                cue: Some(1),
                source: Some(0)
            }]
        );
    }

    #[test]
    fn a_paragraph_without_quotes_ends_a_running_quote() {
        // Ann Lee said : ¶ “ We win . ” ¶ Others left . ¶ “ Again . ”
        // 0   1   2    3   4 5  6   7 8   9      10   11  12 13  14 15
        let text = "Ann Lee said:\n\n“We win.”\n\nOthers left.\n\n“Again.”";
        let (_, tok, chunks) = setup(
            text,
            &[
                (Role::Source, 0, 2),
                (Role::Cue, 2, 1),
                (Role::Content, 4, 5),
                (Role::Content, 12, 4),
            ],
        );
        assert_eq!(
            link(&tok, &chunks),
            vec![
                Link {
                    contents: vec![2],
                    cue: Some(1),
                    source: Some(0)
                },
                Link {
                    contents: vec![3],
                    cue: None,
                    source: None
                }
            ]
        );
    }

    #[test]
    fn a_source_outside_the_cue_and_quote_sentences_is_not_taken() {
        // Ann Lee spoke . Taxes will fall , the report said .
        // 0   1   2     3 4     5    6    7 8   9      10   11
        let text = "Ann Lee spoke. Taxes will fall, the report said. Bob agreed.";
        let (_, tok, chunks) = setup(
            text,
            &[
                (Role::Source, 0, 2),
                (Role::Content, 4, 3),
                (Role::Cue, 10, 1),
            ],
        );
        assert_eq!(
            link(&tok, &chunks),
            vec![Link {
                contents: vec![1],
                cue: Some(2),
                source: None
            }]
        );
        // In the quote's sentence when the cue is in the next one.
        // Ann Lee on taxes : they fall . That was her claim .
        // 0   1   2  3     4 5    6    7 8    9   10  11    12
        let text = "Ann Lee on taxes: they fall. That was her claim.";
        let (_, tok, chunks) = setup(
            text,
            &[
                (Role::Source, 0, 2),
                (Role::Content, 5, 2),
                (Role::Cue, 11, 1),
            ],
        );
        assert_eq!(
            link(&tok, &chunks),
            vec![Link {
                contents: vec![1],
                cue: Some(2),
                source: Some(0)
            }]
        );
    }

    /// The outward search finds what a scan of every candidate finds, on
    /// chunks of any lengths, overlapping or not.
    #[test]
    fn the_nearest_chunk_is_the_one_a_full_scan_finds() {
        use proptest::prelude::*;
        let chunk = (0usize..60, 1usize..8, any::<bool>());
        proptest!(|(list in proptest::collection::vec(chunk, 0..24), to in (0usize..60, 1usize..10), odd in any::<bool>())| {
            let chunks: Vec<(Role, Range<usize>)> = list
                .iter()
                .map(|&(s, n, cue)| (if cue { Role::Cue } else { Role::Source }, s..s + n))
                .collect();
            let mut sorted: Vec<usize> = (0..chunks.len()).collect();
            sorted.sort_by_key(|&k| (chunks[k].1.start, k));
            let longest = chunks.iter().map(|c| c.1.len()).max().unwrap_or(0);
            let to = to.0..to.0 + to.1;
            // Some candidates turned down, as sources inside a content are.
            let keep = |k: usize| !odd || !k.is_multiple_of(3);
            let scan = sorted
                .iter()
                .copied()
                .filter(|&k| keep(k))
                .min_by_key(|&k| (gap(&chunks[k].1, &to), k));
            prop_assert_eq!(nearest_of(&chunks, &sorted, longest, &to, &keep), scan);
        });
    }

    /// One sentence of many quotes, each with its own cue: every quote
    /// gets the cue beside it.
    #[test]
    fn a_sentence_of_many_quotes_links_each_to_its_cue() {
        let text = "“x,” said Al, ".repeat(2000);
        let doc = Document::new("d", text.as_str());
        let tok = Tokenizer::new().tokenize(&doc);
        assert_eq!(tok.sentences.len(), 1);
        // “ x , ” said Al ,  : 7 tokens per quote.
        let mut chunks = Vec::new();
        for q in 0..2000 {
            let t = q * 7;
            chunks.push((Role::Content, t..t + 4));
            chunks.push((Role::Cue, t + 4..t + 5));
            chunks.push((Role::Source, t + 5..t + 6));
        }
        let links = link(&tok, &chunks);
        assert_eq!(links.len(), 2000);
        for (q, l) in links.iter().enumerate() {
            assert_eq!((l.cue, l.source), (Some(3 * q + 1), Some(3 * q + 2)));
        }
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
