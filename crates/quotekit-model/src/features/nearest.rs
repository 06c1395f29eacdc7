//! The nearest position satisfying a test before and after each position,
//! within ranges (a document's paragraphs, its sentences): the walk that the
//! CRF's distances to quotation marks and cues and the clauses around a
//! token share.

use std::ops::Range;

/// Walks each of `ranges` forward and back; for every position `i` that has
/// a position `j` satisfying `hit` before it in its range (the nearest one),
/// calls `before(i, j)`, and for one after it, `after(i, j)`. A position is
/// never its own nearest hit.
pub fn nearest_hits(
    ranges: &[Range<usize>],
    hit: impl Fn(usize) -> bool,
    mut before: impl FnMut(usize, usize),
    mut after: impl FnMut(usize, usize),
) {
    for range in ranges {
        let mut last = None;
        for i in range.clone() {
            if let Some(j) = last {
                before(i, j);
            }
            if hit(i) {
                last = Some(i);
            }
        }
        last = None;
        for i in range.clone().rev() {
            if let Some(j) = last {
                after(i, j);
            }
            if hit(i) {
                last = Some(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hits at 1, 3 and 6 in ranges 0..5 and 5..8: each position sees the
    /// nearest hit on each side within its own range only.
    #[test]
    fn each_position_sees_the_nearest_hit_on_each_side_within_its_range() {
        let hits = [1, 3, 6];
        let mut before = vec![None; 8];
        let mut after = vec![None; 8];
        nearest_hits(
            &[0..5, 5..8],
            |i| hits.contains(&i),
            |i, j| before[i] = Some(j),
            |i, j| after[i] = Some(j),
        );
        let n = None;
        assert_eq!(before, [n, n, Some(1), Some(1), Some(3), n, n, Some(6)]);
        assert_eq!(after, [Some(1), Some(3), Some(3), n, n, Some(6), n, n]);
    }
}
