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
                            .iter()
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
/// attributions (Kuhn's augmenting paths, walked with a stack of its own,
/// so a long path cannot overflow the thread's).
pub(super) fn max_matching(gold: &[Pair], pred: &[Pair]) -> usize {
    let adj = candidates(gold, pred);
    let mut owner: Vec<Option<usize>> = vec![None; gold.len()];
    // `seen[g] == round`: gold `g` was tried in this round.
    let mut seen = vec![0usize; gold.len()];
    // (predicted attribution, next of its candidates to try)
    let mut path: Vec<(usize, usize)> = Vec::new();
    let mut matched = 0;
    for (round, p) in (1..).zip(0..pred.len()) {
        path.clear();
        path.push((p, 0));
        while let Some(&mut (q, ref mut next)) = path.last_mut() {
            let Some(&g) = adj[q].get(*next) else {
                path.pop();
                continue;
            };
            *next += 1;
            if seen[g] == round {
                continue;
            }
            seen[g] = round;
            match owner[g] {
                Some(holder) => path.push((holder, 0)),
                None => {
                    // Each attribution on the path takes the gold one it
                    // tried last; the first holder's is free now.
                    for &(q, next) in path.iter() {
                        owner[adj[q][next - 1]] = Some(q);
                    }
                    matched += 1;
                    break;
                }
            }
        }
    }
    matched
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
