//! Character offsets. Every offset in quotekit counts Unicode scalar values
//! (Rust `char`s), as brat does; [`CharIndex`] converts to byte offsets when
//! a `&str` slice is needed.

use serde::{Deserialize, Serialize};

/// A half-open range `[start, end)` of character (Unicode scalar value) offsets.
/// Written as `[start, end]`; read from the same, with errors that say so
/// (`-1` is "expected a character offset (a whole number, 0 or more)", not
/// serde's "expected usize").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "[usize; 2]")]
pub struct CharSpan {
    /// First character of the range.
    pub start: usize,
    /// One past the last character of the range.
    pub end: usize,
}

/// What a fragment is, in errors reading one.
const FRAGMENT: &str = "a fragment, [start, end]: two character offsets (whole numbers, 0 or more)";

/// What an offset is, in errors reading one.
const OFFSET: &str = "a character offset (a whole number, 0 or more)";

/// One offset of a fragment, read with [`OFFSET`]'s words in its errors.
struct Offset(usize);

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Offset;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(OFFSET)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Offset, E> {
                usize::try_from(v)
                    .map(Offset)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Offset, E> {
                usize::try_from(v)
                    .map(Offset)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
        }
        d.deserialize_u64(Visitor)
    }
}

impl<'de> Deserialize<'de> for CharSpan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = CharSpan;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(FRAGMENT)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<CharSpan, A::Error> {
                use serde::de::Error;
                let Some(Offset(start)) = seq.next_element()? else {
                    return Err(A::Error::invalid_length(0, &self));
                };
                let Some(Offset(end)) = seq.next_element()? else {
                    return Err(A::Error::invalid_length(1, &self));
                };
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::custom(format!(
                        "a fragment of three offsets or more, expected {FRAGMENT}"
                    )));
                }
                Ok(CharSpan { start, end })
            }
        }
        // (A tuple: formats that write its length, and those that do not.)
        d.deserialize_tuple(2, Visitor)
    }
}

impl CharSpan {
    /// A span from `start` to `end` (exclusive).
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Number of characters covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no character.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// True when the two spans share at least one character.
    pub fn overlaps(&self, other: &CharSpan) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// True when `other` lies entirely inside `self`.
    pub fn contains(&self, other: &CharSpan) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

impl From<[usize; 2]> for CharSpan {
    fn from(v: [usize; 2]) -> Self {
        Self::new(v[0], v[1])
    }
}

impl From<CharSpan> for [usize; 2] {
    fn from(s: CharSpan) -> Self {
        [s.start, s.end]
    }
}

impl std::fmt::Display for CharSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// Char↔byte offset table for one text: O(1) char→byte, O(log n) byte→char.
///
/// For pure-ASCII text no table is stored and both directions are identity.
#[derive(Debug, Clone)]
pub struct CharIndex {
    /// Byte offset of every char, plus the text length at the end; empty for ASCII.
    byte_of_char: Vec<usize>,
    char_len: usize,
    byte_len: usize,
}

impl CharIndex {
    /// Builds the table for `text`.
    pub fn new(text: &str) -> Self {
        if text.is_ascii() {
            return Self {
                byte_of_char: Vec::new(),
                char_len: text.len(),
                byte_len: text.len(),
            };
        }
        let mut byte_of_char: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        let char_len = byte_of_char.len();
        byte_of_char.push(text.len());
        Self {
            byte_of_char,
            char_len,
            byte_len: text.len(),
        }
    }

    /// Number of characters in the text.
    pub fn char_len(&self) -> usize {
        self.char_len
    }

    /// Byte offset of character `c`; `None` past the end (the end itself is valid).
    pub fn byte(&self, c: usize) -> Option<usize> {
        if self.byte_of_char.is_empty() {
            (c <= self.byte_len).then_some(c)
        } else {
            self.byte_of_char.get(c).copied()
        }
    }

    /// Character offset of byte `b`, which must lie on a char boundary.
    pub fn char(&self, b: usize) -> Option<usize> {
        if self.byte_of_char.is_empty() {
            (b <= self.byte_len).then_some(b)
        } else {
            self.byte_of_char.binary_search(&b).ok()
        }
    }

    /// Byte range of a char span, `None` when it runs past the text.
    pub fn byte_range(&self, span: CharSpan) -> Option<std::ops::Range<usize>> {
        Some(self.byte(span.start)?..self.byte(span.end)?)
    }

    /// The text of `span` within `text` (the text this index was built for).
    pub fn slice<'t>(&self, text: &'t str, span: CharSpan) -> Option<&'t str> {
        text.get(self.byte_range(span)?)
    }
}

/// Spans, each with a value, for finding those that may overlap a span
/// among many without comparing every pair: kept by class of length (a
/// power of two up to the next), each class sorted by start (then end,
/// then value), and a span that overlaps another starts at most its
/// class's widest length before it. (Kept all in one list, one wide span
/// made every search go back its length over all the others: reading a
/// document of one long quote and thousands of short spans was quadratic.)
#[derive(Debug, Clone)]
pub struct ByStart<T> {
    /// Per class of lengths that some span has: the widest span's length,
    /// and the spans, sorted.
    classes: Vec<(usize, Vec<(CharSpan, T)>)>,
}

impl<T: Ord> ByStart<T> {
    /// The spans with their values, sorted.
    pub fn new(items: Vec<(CharSpan, T)>) -> Self {
        // (The class of a length: its bits, 0 for an empty span.)
        let class = |s: &CharSpan| (usize::BITS - s.len().leading_zeros()) as usize;
        let mut classes: Vec<(usize, Vec<(CharSpan, T)>)> = Vec::new();
        let mut slot_of = [usize::MAX; usize::BITS as usize + 1];
        for (span, value) in items {
            let c = class(&span);
            if slot_of[c] == usize::MAX {
                slot_of[c] = classes.len();
                classes.push((0, Vec::new()));
            }
            let (widest, spans) = &mut classes[slot_of[c]];
            *widest = (*widest).max(span.len());
            spans.push((span, value));
        }
        for (_, spans) in &mut classes {
            spans.sort_unstable();
        }
        Self { classes }
    }
}

impl<T> ByStart<T> {
    /// The spans that may overlap `span`: every one that does, and some
    /// near it that do not (a caller tests each), in no set order. Those
    /// starting before `span`'s end, from their class's widest length
    /// before its start.
    pub fn near(&self, span: CharSpan) -> impl Iterator<Item = &(CharSpan, T)> + '_ {
        self.classes.iter().flat_map(move |(widest, items)| {
            let from = items.partition_point(|(s, _)| s.start < span.start.saturating_sub(*widest));
            let to = from + items[from..].partition_point(|(s, _)| s.start < span.end);
            &items[from..to]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A fragment reads from `[start, end]` and says what it expects of
    /// anything else, in words (probe 63: "expected usize").
    #[test]
    fn a_fragment_is_read_as_two_offsets_or_said_to_be() {
        let read = |json: &str| serde_json::from_str::<CharSpan>(json).map_err(|e| e.to_string());
        assert_eq!(read("[3, 7]"), Ok(CharSpan::new(3, 7)));
        assert_eq!(
            serde_json::to_string(&CharSpan::new(3, 7)).unwrap(),
            "[3,7]"
        );
        for (json, says) in [
            (
                "[-1, 5]",
                "integer `-1`, expected a character offset (a whole number, 0 or more)",
            ),
            (
                "[0.5, 5]",
                "floating point `0.5`, expected a character offset",
            ),
            (
                "[0, 5, 9]",
                "a fragment of three offsets or more, expected a fragment, [start, end]",
            ),
            ("[5]", "invalid length 1, expected a fragment, [start, end]"),
            ("\"x\"", "string \"x\", expected a fragment, [start, end]"),
        ] {
            let err = read(json).unwrap_err();
            assert!(err.contains(says), "{json}: {err}");
        }
    }

    proptest! {
        /// `near` offers every span that overlaps, as a pass over all of
        /// them finds.
        #[test]
        fn near_offers_every_overlapping_span(
            spans in prop::collection::vec((0usize..200, 0usize..40), 0..60),
            query in (0usize..240, 0usize..60),
        ) {
            let spans: Vec<(CharSpan, usize)> = spans
                .into_iter()
                .enumerate()
                .map(|(k, (s, n))| (CharSpan::new(s, s + n), k))
                .collect();
            let query = CharSpan::new(query.0, query.0 + query.1);
            let by_start = ByStart::new(spans.clone());
            let mut found: Vec<usize> = by_start
                .near(query)
                .filter(|(s, _)| s.overlaps(&query))
                .map(|&(_, k)| k)
                .collect();
            found.sort_unstable();
            let all: Vec<usize> = spans
                .iter()
                .filter(|(s, _)| s.overlaps(&query))
                .map(|&(_, k)| k)
                .collect();
            prop_assert_eq!(found, all);
        }
    }

    /// One wide span among thousands of short ones does not make every
    /// search go back over all of them (probe 68: reading such a document
    /// took 83 s for 120,000 spans).
    #[test]
    fn a_wide_span_does_not_widen_every_search() {
        let mut spans = vec![(CharSpan::new(0, 100_000), 0usize)];
        spans.extend((1..=10_000).map(|k| (CharSpan::new(100_000 + 2 * k, 100_001 + 2 * k), k)));
        let by_start = ByStart::new(spans);
        for k in 1..=10_000 {
            let at = CharSpan::new(100_000 + 2 * k, 100_001 + 2 * k);
            let near: Vec<usize> = by_start.near(at).map(|&(_, v)| v).collect();
            assert!(near.len() <= 3 && near.contains(&k), "{k}: {near:?}");
        }
        let wide: Vec<usize> = by_start
            .near(CharSpan::new(5, 6))
            .map(|&(_, v)| v)
            .collect();
        assert_eq!(wide, [0]);
    }

    #[test]
    fn ascii_is_identity() {
        let idx = CharIndex::new("hello");
        assert_eq!(idx.byte(3), Some(3));
        assert_eq!(idx.byte(5), Some(5));
        assert_eq!(idx.byte(6), None);
        assert_eq!(idx.char(2), Some(2));
    }

    #[test]
    fn multibyte_offsets() {
        let text = "a“b”é";
        let idx = CharIndex::new(text);
        assert_eq!(idx.char_len(), 5);
        assert_eq!(idx.byte(1), Some(1));
        assert_eq!(idx.byte(2), Some(4));
        assert_eq!(idx.byte(5), Some(text.len()));
        assert_eq!(idx.char(4), Some(2));
        assert_eq!(idx.char(2), None, "byte 2 is inside “");
        assert_eq!(idx.slice(text, CharSpan::new(1, 4)), Some("“b”"));
        assert_eq!(idx.slice(text, CharSpan::new(1, 9)), None);
    }

    #[test]
    fn span_relations() {
        let a = CharSpan::new(0, 5);
        assert!(a.overlaps(&CharSpan::new(4, 6)));
        assert!(!a.overlaps(&CharSpan::new(5, 6)));
        assert!(a.contains(&CharSpan::new(1, 5)));
        assert_eq!(a.len(), 5);
        assert!(CharSpan::new(3, 3).is_empty());
    }
}
