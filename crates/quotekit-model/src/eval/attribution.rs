//! Attribution matching: a predicted attribution is right when its content
//! overlaps a gold one's and so does its source (or neither has one), each
//! gold attribution matched at most once (a maximum one-to-one matching).

use quotekit_data::{ByStart, CharSpan, Document};

/// An attribution as sets of fragments: (source, content).
pub(super) type Pair = (Option<Vec<CharSpan>>, Vec<CharSpan>);

/// The attributions of `doc` as fragments.
pub(super) fn pairs(doc: &Document) -> Vec<Pair> {
    let spans = doc.spans_by_id();
    let frags = |id: &str| {
        spans
            .get(id)
            .map(|s| s.fragments.clone())
            .unwrap_or_default()
    };
    doc.attributions
        .iter()
        .map(|a| {
            let source = a.source.as_deref().map(frags);
            let content = a.content.iter().flat_map(|c| frags(c)).collect();
            (source, content)
        })
        .collect()
}

fn any_overlap(a: &[CharSpan], b: &[CharSpan]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.overlaps(y)))
}

fn pair_matches(gold: &Pair, pred: &Pair) -> bool {
    let source_ok = match (&gold.0, &pred.0) {
        (None, None) => true,
        (Some(g), Some(p)) => any_overlap(g, p),
        _ => false,
    };
    source_ok && any_overlap(&gold.1, &pred.1)
}

/// Per predicted attribution, the gold ones it matches, in order. Only gold
/// attributions whose content meets its content are compared, so a long
/// document does not compare every pair.
fn candidates(gold: &[Pair], pred: &[Pair]) -> Vec<Vec<usize>> {
    let contents = ByStart::new(
        gold.iter()
            .enumerate()
            .flat_map(|(g, (_, content))| content.iter().map(move |f| (*f, g)))
            .collect(),
    );
    pred.iter()
        .map(|p| {
            let mut near: Vec<usize> =
                p.1.iter()
                    .flat_map(|f| {
                        contents
                            .near(*f)
                            .filter(|(c, _)| c.overlaps(f))
                            .map(|&(_, g)| g)
                    })
                    .collect();
            near.sort_unstable();
            near.dedup();
            near.retain(|&g| pair_matches(&gold[g], p));
            near
        })
        .collect()
}

/// The size of a maximum one-to-one matching of predicted to gold
/// attributions.
pub(super) fn max_matching(gold: &[Pair], pred: &[Pair]) -> usize {
    hopcroft_karp(&candidates(gold, pred), gold.len())
}

/// The size of a maximum matching of a bipartite graph, `adj[p]` the
/// right-hand vertices (of `right`) that left-hand `p` may take: each
/// left-hand vertex first takes a free one where it can, then phases of
/// Hopcroft and Karp take the rest: the layers of the shortest alternating
/// paths from free left-hand vertices to free right-hand ones, found
/// breadth first, and as many such paths as do not meet, followed depth
/// first with stacks of their own (a long path cannot overflow the
/// thread's), in time within E √V. (Kuhn's paths, one search over every
/// edge per left-hand vertex, took time in proportion to the cube of the
/// attributions where many share their spans: 22 s for a document of 2,000
/// over one source and content; probe 64.)
fn hopcroft_karp(adj: &[Vec<usize>], right: usize) -> usize {
    const NONE: usize = usize::MAX;
    let left = adj.len();
    let mut partner_of_left = vec![NONE; left];
    let mut partner_of_right = vec![NONE; right];
    let mut matched = 0;
    for (p, gs) in adj.iter().enumerate() {
        if let Some(&g) = gs.iter().find(|&&g| partner_of_right[g] == NONE) {
            partner_of_left[p] = g;
            partner_of_right[g] = p;
            matched += 1;
        }
    }
    let mut layer = vec![NONE; left];
    let mut queue = Vec::with_capacity(left);
    let mut next = vec![0usize; left];
    let mut stack: Vec<usize> = Vec::new();
    loop {
        // The layers: free left-hand vertices first, then the partners of
        // the right-hand vertices they could take, and so on, to the first
        // layer that meets a free right-hand vertex (`last`).
        queue.clear();
        for p in 0..left {
            layer[p] = if partner_of_left[p] == NONE {
                queue.push(p);
                0
            } else {
                NONE
            };
        }
        let mut last = NONE;
        let mut head = 0;
        while head < queue.len() {
            let p = queue[head];
            head += 1;
            if layer[p] >= last {
                continue;
            }
            for &g in &adj[p] {
                match partner_of_right[g] {
                    NONE => last = last.min(layer[p]),
                    q if layer[q] == NONE => {
                        layer[q] = layer[p] + 1;
                        queue.push(q);
                    }
                    _ => {}
                }
            }
        }
        if last == NONE {
            return matched;
        }
        // Shortest paths along the layers, from each free left-hand
        // vertex; a vertex whose edges are all tried leaves the layers.
        next.iter_mut().for_each(|n| *n = 0);
        for start in 0..left {
            if partner_of_left[start] != NONE {
                continue;
            }
            stack.clear();
            stack.push(start);
            while let Some(&p) = stack.last() {
                let Some(&g) = adj[p].get(next[p]) else {
                    layer[p] = NONE;
                    stack.pop();
                    continue;
                };
                next[p] += 1;
                match partner_of_right[g] {
                    NONE if layer[p] == last => {
                        // Each vertex on the path takes the one it tried
                        // last (its successor's partner; the last, `g`).
                        for &q in &stack {
                            let taken = adj[q][next[q] - 1];
                            partner_of_left[q] = taken;
                            partner_of_right[taken] = q;
                        }
                        matched += 1;
                        break;
                    }
                    q if q != NONE
                        && layer[q] != NONE
                        && layer[q] == layer[p] + 1
                        && layer[q] <= last =>
                    {
                        stack.push(q)
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The matching as the recursive form with every pair compared.
    fn max_matching_by_every_pair(gold: &[Pair], pred: &[Pair]) -> usize {
        let adj: Vec<Vec<usize>> = pred
            .iter()
            .map(|p| {
                (0..gold.len())
                    .filter(|&g| pair_matches(&gold[g], p))
                    .collect()
            })
            .collect();
        fn augment(
            p: usize,
            adj: &[Vec<usize>],
            seen: &mut [bool],
            owner: &mut [Option<usize>],
        ) -> bool {
            for &g in &adj[p] {
                if seen[g] {
                    continue;
                }
                seen[g] = true;
                if owner[g].is_none_or(|q| augment(q, adj, seen, owner)) {
                    owner[g] = Some(p);
                    return true;
                }
            }
            false
        }
        let mut owner = vec![None; gold.len()];
        (0..pred.len())
            .filter(|&p| augment(p, &adj, &mut vec![false; gold.len()], &mut owner))
            .count()
    }

    fn pair() -> impl Strategy<Value = Pair> {
        let span = (0usize..60, 1usize..12).prop_map(|(s, n)| CharSpan::new(s, s + n));
        (
            prop::option::of(prop::collection::vec(span.clone(), 1..3)),
            prop::collection::vec(span, 1..3),
        )
    }

    proptest! {
        /// Crowded attributions, where many paths compete: the same size
        /// as comparing every pair gives.
        #[test]
        fn the_matching_is_as_large_as_with_every_pair_compared(
            gold in prop::collection::vec(pair(), 0..25),
            pred in prop::collection::vec(pair(), 0..25),
        ) {
            prop_assert_eq!(max_matching(&gold, &pred), max_matching_by_every_pair(&gold, &pred));
        }
    }

    /// Attributions that all share their source and content (a cue each)
    /// match one to one, and those left over on either side do not
    /// (probe 64: 2,000 of them took 22 s by Kuhn's paths).
    #[test]
    fn attributions_sharing_their_spans_match_one_to_one() {
        let same = |n: usize| -> Vec<Pair> {
            (0..n)
                .map(|_| (Some(vec![CharSpan::new(0, 3)]), vec![CharSpan::new(10, 40)]))
                .collect()
        };
        assert_eq!(max_matching(&same(2_000), &same(2_000)), 2_000);
        assert_eq!(max_matching(&same(300), &same(500)), 300);
        assert_eq!(max_matching(&same(500), &same(300)), 300);
        // Half of the predictions with another source: only the others match.
        let mut pred = same(400);
        for p in pred.iter_mut().step_by(2) {
            p.0 = Some(vec![CharSpan::new(50, 55)]);
        }
        assert_eq!(max_matching(&same(400), &pred), 200);
    }

    /// Pairs of attributions whose first prediction takes, greedily, the
    /// gold one that the second needs: the phases move it to the other
    /// (the greedy start alone leaves half of the second ones unmatched).
    #[test]
    fn the_phases_take_what_the_greedy_start_leaves() {
        let span = |s: usize, e: usize| vec![CharSpan::new(s, e)];
        let (mut gold, mut pred) = (Vec::new(), Vec::new());
        for k in 0..500 {
            let at = 10 * k;
            gold.push((None, span(at, at + 2)));
            gold.push((None, span(at + 3, at + 5)));
            // (Meets both gold ones, listed first.)
            pred.push((None, span(at, at + 5)));
            // (Meets the first only.)
            pred.push((None, span(at, at + 1)));
        }
        assert_eq!(max_matching(&gold, &pred), 1_000);
        assert_eq!(max_matching_by_every_pair(&gold, &pred), 1_000);
    }

    /// A long chain of attributions each overlapping the next: one path of
    /// thousands of steps does not overflow a small stack.
    #[test]
    fn a_long_augmenting_path_needs_no_deep_stack() {
        let n = 20_000;
        let at = |k: usize| CharSpan::new(2 * k, 2 * k + 3);
        let gold: Vec<Pair> = (0..n).map(|k| (None, vec![at(k)])).collect();
        // Predicted `k` meets gold `k` and `k + 1`; taken in reverse order
        // each one's first choice is held, so the paths grow long.
        let pred: Vec<Pair> = (0..n).rev().map(|k| (None, vec![at(k)])).collect();
        let size = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || max_matching(&gold, &pred))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(size, n);
    }
}
