//! Who said what: predicted quotes scored by the canonical name of their
//! speaker, exactly as `../shared/tools/speaker_score.py` defines it. A gold
//! attribution is (the normalised canonical name of its source or none, the
//! characters of its content); a predicted quote matches the gold
//! attribution whose content characters it overlaps most, one to one,
//! greedily by Dice coefficient (at least 0.5). Names compare after
//! [`normalise`], and a predicted name that ends with a gold name of two or
//! more words counts (a title left in front). Documents pair by their whole
//! id, as everywhere in `eval` (the reference keys a prediction by its id's
//! file stem, `dir/a.txt` as `a`, and `a.1` as `a`, not as the article `a.1`).
//! The file runs over 500 lines: the definition and the tests that pin it
//! to the reference's figures sit together.

use crate::eval::counts::Counts;
use quotekit_data::{Document, Role, SpansById};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Honorifics and person titles dropped from the front of a name (words that
/// also begin organization names, such as State or House, are not here).
/// The reference scorer's list, word for word: scoring must not follow the
/// resolver's own title lexicon (`speakers::lexicon::TITLES`) when it changes.
const TITLES: [&str; 21] = [
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "sen",
    "senator",
    "rep",
    "gov",
    "governor",
    "president",
    "vice",
    "secretary",
    "minister",
    "judge",
    "rev",
    "sir",
    "mayor",
    "chairman",
    "chairwoman",
    "speaker",
];

/// Python's `\w`, as the reference scorer's `re` reads it: letters,
/// numbers and `_` by their general category, not the marks and symbols
/// Rust also counts alphabetic (a vowel sign, a circled letter). (The
/// tables are Unicode 18's; Python 3.11 has 14's, so letters and numbers
/// added since differ.)
fn is_word(c: char) -> bool {
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    c == '_'
        || matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
        )
}

/// Python's `str.isspace` (its `\s`, `split` and `strip`): Rust's white
/// space and the four information separators (U+001C to U+001F).
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A name as the scorer compares it: lower case, `’` as `'`, possessive `'s`
/// and punctuation removed, a leading `the` and leading titles dropped (one
/// word always kept), middle initials dropped. `None` for no name (`-`).
pub fn normalise(name: &str) -> Option<String> {
    let trimmed = name.trim_matches(is_space);
    if trimmed.is_empty() || trimmed == "-" {
        return None;
    }
    let lower: Vec<char> = name.replace('’', "'").to_lowercase().chars().collect();
    let mut kept = String::with_capacity(lower.len());
    let mut i = 0;
    while i < lower.len() {
        // `'s` at the end of a word.
        if lower[i] == '\''
            && lower.get(i + 1) == Some(&'s')
            && !lower.get(i + 2).is_some_and(|&c| is_word(c))
        {
            i += 2;
            continue;
        }
        let c = lower[i];
        kept.push(if is_word(c) || is_space(c) || c == '.' || c == '-' {
            c
        } else {
            ' '
        });
        i += 1;
    }
    let mut words: Vec<&str> = kept
        .split(is_space)
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| !w.is_empty() && *w != "the")
        .collect();
    while words.len() > 1 && TITLES.contains(&words[0]) {
        words.remove(0);
    }
    let n = words.len();
    let words: Vec<&str> = words
        .into_iter()
        .enumerate()
        .filter(|&(k, w)| !(0 < k && k + 1 < n && w.chars().count() == 1))
        .map(|(_, w)| w)
        .collect();
    let s = words.join(" ");
    (!s.is_empty()).then_some(s)
}

/// True when `word` (lower case, no dot) is one of the titles
/// [`normalise`] drops from the front of a name (`president`, `mr`).
pub fn is_title(word: &str) -> bool {
    TITLES.contains(&word)
}

/// The gold names that a predicted name counts for in [`same_name`]'s
/// strict reading: itself, and each end of it after a space that is of two
/// words or more (`hillary rodham clinton` counts for `rodham clinton`, not
/// for `clinton`).
pub fn gold_names_counted(pred: &str) -> impl Iterator<Item = &str> {
    let ends = pred
        .match_indices(' ')
        .map(|(i, _)| &pred[i + 1..])
        .filter(|end| end.contains(' '));
    std::iter::once(pred).chain(ends)
}

/// True when a predicted name counts for a gold one: equal, or ending with a
/// gold name of two or more words; `lenient` also takes a predicted name whose
/// words are some of the gold name's (a surname for a full name).
pub fn same_name(pred: Option<&str>, gold: Option<&str>, lenient: bool) -> bool {
    match (pred, gold) {
        (Some(p), Some(g)) => {
            p == g
                || (g.contains(' ') && p.ends_with(&format!(" {g}")))
                || (lenient && {
                    let words: HashSet<&str> = g.split(' ').collect();
                    p.split(' ').all(|w| words.contains(w))
                })
        }
        (p, g) => p == g,
    }
}

/// Named precision, recall and F1 with their counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Named {
    /// Precision over predicted quotes that carry a name.
    pub precision: f64,
    /// Recall over gold attributions whose source has a name.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
    /// Matched quotes with the right name.
    pub tp: usize,
    /// Predicted quotes with a name.
    pub pred: usize,
    /// Gold attributions with a name.
    pub gold: usize,
}

/// One way of comparing names (strict or lenient).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct NameScores {
    /// Named P/R/F1.
    pub named: Named,
    /// Over matched quotes, the share whose name is right (both none counts).
    pub resolution_accuracy: f64,
}

/// The who-said-what section of an evaluation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WhoSaidWhat {
    /// Names compared strictly.
    pub strict: NameScores,
    /// A surname (any subset of the gold name's words) counts as right.
    pub lenient: NameScores,
    /// Predicted quotes matched to a gold attribution.
    pub matched: usize,
    /// Gold documents scored (those that name their speakers).
    pub documents: usize,
    /// Gold documents left out for want of names.
    pub skipped: usize,
}

/// A quote as the scorer sees it: normalised speaker name and content characters.
type Quote = (Option<String>, Chars);

/// A set of character offsets, as sorted ranges that neither overlap nor
/// touch: what the reference scorer holds as a set of offsets, in room
/// and time that grow with the fragments, not the characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Chars {
    ranges: Vec<Range<usize>>,
    len: usize,
}

impl Chars {
    /// The characters of `ranges`, in any order, overlapping or not.
    fn of(mut ranges: Vec<Range<usize>>) -> Self {
        ranges.retain(|r| r.start < r.end);
        ranges.sort_unstable_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let len = merged.iter().map(|r| r.end - r.start).sum();
        Chars {
            ranges: merged,
            len,
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// From its first character to past its last (empty when it has none).
    fn bounds(&self) -> Range<usize> {
        match (self.ranges.first(), self.ranges.last()) {
            (Some(first), Some(last)) => first.start..last.end,
            _ => 0..0,
        }
    }

    /// How many characters it shares with `other`.
    fn shared(&self, other: &Chars) -> usize {
        let (a, b) = (&self.ranges, &other.ranges);
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            let (start, end) = (a[i].start.max(b[j].start), a[i].end.min(b[j].end));
            n += end.saturating_sub(start);
            if a[i].end <= b[j].end {
                i += 1;
            } else {
                j += 1;
            }
        }
        n
    }
}

fn characters(spans: &SpansById, ids: &[&str]) -> Chars {
    Chars::of(
        ids.iter()
            .filter_map(|id| spans.get(id))
            .flat_map(|s| s.fragments.iter().map(|f| f.start..f.end))
            .collect(),
    )
}

fn name_of(spans: &SpansById, source: Option<&str>) -> Option<String> {
    source
        .and_then(|id| spans.get(id))
        .filter(|s| s.role == Role::Source)
        .and_then(|s| s.name.as_deref())
        .and_then(normalise)
}

/// Gold attributions: the reference scorer keeps one content per attribution,
/// the last one its event line lists (`Content2` overwrites `Content`).
fn gold_quotes(doc: &Document) -> Vec<Quote> {
    let spans = doc.spans_by_id();
    doc.attributions
        .iter()
        .filter_map(|a| {
            let content = a.content.last()?;
            let chars = characters(&spans, &[content.as_str()]);
            (!chars.is_empty()).then(|| (name_of(&spans, a.source.as_deref()), chars))
        })
        .collect()
}

/// Predicted quotes: every content of the attribution, the name of its
/// source, or, given `names` (one per attribution), that name.
fn predicted_quotes(doc: &Document, names: Option<&[Option<String>]>) -> Vec<Quote> {
    let spans = doc.spans_by_id();
    doc.attributions
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let ids: Vec<&str> = a.content.iter().map(String::as_str).collect();
            let name = match names {
                Some(names) => names.get(k).and_then(Option::as_deref).and_then(normalise),
                None => name_of(&spans, a.source.as_deref()),
            };
            (name, characters(&spans, &ids))
        })
        .collect()
}

/// The Dice coefficient of content characters at which a predicted quote
/// matches a gold one (the reference scorer's).
const MATCHED_DICE: f64 = 0.5;

fn dice(a: &Chars, b: &Chars) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.shared(b) as f64 / (a.len + b.len) as f64
}

/// The pairs (Dice, predicted, gold) of `quotes` and `items` that reach
/// the reference's 0.5, the only ones its greedy matching takes (it stops
/// at the first under 0.5): found among those that share a character,
/// without pairing every quote with every gold one, and kept without the
/// rest (quotes that all share a short fragment would make those as many
/// as the pairs).
fn overlapping_pairs(quotes: &[Quote], items: &[Quote]) -> Vec<(f64, usize, usize)> {
    let mut by_start: Vec<(Range<usize>, usize)> = items
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.1.is_empty())
        .map(|(j, g)| (g.1.bounds(), j))
        .collect();
    by_start.sort_unstable_by_key(|(r, j)| (r.start, *j));
    let longest = by_start.iter().map(|(r, _)| r.len()).max().unwrap_or(0);
    let mut pairs = Vec::new();
    for (i, q) in quotes.iter().enumerate() {
        let bounds = q.1.bounds();
        if bounds.is_empty() {
            continue;
        }
        // (A gold quote that starts more than the longest one's length
        // before this one ends before it.)
        let from =
            by_start.partition_point(|(r, _)| r.start.saturating_add(longest) <= bounds.start);
        let to = by_start.partition_point(|(r, _)| r.start < bounds.end);
        for (r, j) in &by_start[from..to] {
            if r.end > bounds.start {
                let d = dice(&q.1, &items[*j].1);
                if d >= MATCHED_DICE {
                    pairs.push((d, i, *j));
                }
            }
        }
    }
    pairs
}

fn score(
    gold: &[(&Document, Vec<Quote>)],
    pred: &HashMap<&str, Vec<Quote>>,
    lenient: bool,
) -> (NameScores, usize) {
    let (mut tp, mut pred_named, mut gold_named, mut matched, mut right) = (0, 0, 0, 0, 0);
    for (doc, items) in gold {
        let empty = Vec::new();
        let quotes = pred.get(doc.id.as_str()).unwrap_or(&empty);
        gold_named += items.iter().filter(|q| q.0.is_some()).count();
        pred_named += quotes.iter().filter(|q| q.0.is_some()).count();
        let mut pairs = overlapping_pairs(quotes, items);
        // Best overlap first; ties as the reference's descending tuple sort.
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
        let (mut used_q, mut used_g) = (vec![false; quotes.len()], vec![false; items.len()]);
        for (_, i, j) in pairs {
            if used_q[i] || used_g[j] {
                continue;
            }
            used_q[i] = true;
            used_g[j] = true;
            matched += 1;
            let same = same_name(quotes[i].0.as_deref(), items[j].0.as_deref(), lenient);
            right += usize::from(same);
            tp += usize::from(same && items[j].0.is_some());
        }
    }
    let counts = Counts {
        tp,
        fp: pred_named - tp,
        fn_: gold_named - tp,
    };
    let named = Named {
        precision: if pred_named > 0 {
            tp as f64 / pred_named as f64
        } else {
            0.0
        },
        recall: if gold_named > 0 {
            tp as f64 / gold_named as f64
        } else {
            0.0
        },
        f1: if tp > 0 { counts.f1() } else { 0.0 },
        tp,
        pred: pred_named,
        gold: gold_named,
    };
    let accuracy = if matched > 0 {
        right as f64 / matched as f64
    } else {
        0.0
    };
    (
        NameScores {
            named,
            resolution_accuracy: accuracy,
        },
        matched,
    )
}

/// Scores the speaker names of `predicted` against `gold`; gold documents for
/// which `has_names` is false (no names) are left out.
pub fn who_said_what(
    gold: &[Document],
    predicted: &[Document],
    has_names: impl Fn(&Document) -> bool,
) -> WhoSaidWhat {
    who_said_what_named(gold, predicted, None, has_names)
}

/// [`who_said_what`] with the speaker name of every predicted quote given
/// (`names[d][k]`, of attribution `k` of `predicted[d]`), as `predict`'s
/// records carry one per quote: a quote may name a speaker without a
/// speaker span, and quotes of one span may name two.
pub fn who_said_what_named(
    gold: &[Document],
    predicted: &[Document],
    names: Option<&[Vec<Option<String>>]>,
    has_names: impl Fn(&Document) -> bool,
) -> WhoSaidWhat {
    let scored: Vec<(&Document, Vec<Quote>)> = gold
        .iter()
        .filter(|d| has_names(d))
        .map(|d| (d, gold_quotes(d)))
        .collect();
    let pred: HashMap<&str, Vec<Quote>> = predicted
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let names = names.map(|n| n.get(k).map_or(&[][..], Vec::as_slice));
            (d.id.as_str(), predicted_quotes(d, names))
        })
        .collect();
    let (strict, matched) = score(&scored, &pred, false);
    let (lenient, _) = score(&scored, &pred, true);
    WhoSaidWhat {
        strict,
        lenient,
        matched,
        documents: scored.len(),
        skipped: gold.len() - scored.len(),
    }
}

impl std::fmt::Display for WhoSaidWhat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = &self.strict.named;
        writeln!(
            f,
            "who said what ({} documents with names, {} without)",
            self.documents, self.skipped
        )?;
        writeln!(
            f,
            "  named                    P {:.3}  R {:.3}  F1 {:.3}  (tp {}, predicted {}, gold {})",
            n.precision, n.recall, n.f1, n.tp, n.pred, n.gold
        )?;
        // (No quote matched: no accuracy, rather than a 0.000 that reads
        // as all wrong.)
        let resolution = |accuracy: f64| match self.matched {
            0 => "-".to_string(),
            _ => format!("{accuracy:.3}"),
        };
        writeln!(
            f,
            "  resolution accuracy on matched quotes {} ({} matched)",
            resolution(self.strict.resolution_accuracy),
            self.matched
        )?;
        let l = &self.lenient.named;
        write!(
            f,
            "  lenient (surname counts) P {:.3}  R {:.3}  F1 {:.3}; resolution {}",
            l.precision,
            l.recall,
            l.f1,
            resolution(self.lenient.resolution_accuracy)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Attribution, CharSpan, Span};

    /// The gold names a predicted name counts for are those `same_name`
    /// takes strictly: every end of it, and words that are no end of it.
    #[test]
    fn gold_names_counted_are_those_same_name_takes() {
        for pred in ["hillary rodham clinton", "post", "a b c d", "us", ""] {
            let words: Vec<&str> = pred.split(' ').collect();
            let mut golds: Vec<String> = (0..words.len()).map(|i| words[i..].join(" ")).collect();
            golds.extend(["rodham", "hillary rodham", "b c", "x y"].map(String::from));
            let counted: Vec<&str> = gold_names_counted(pred).collect();
            for g in &golds {
                assert_eq!(
                    counted.contains(&g.as_str()),
                    same_name(Some(pred), Some(g), false),
                    "{pred:?} {g:?}"
                );
            }
        }
    }

    /// The reference scorer's way: every quote paired with every gold one,
    /// Dice over sets of offsets, sorted as tuples, descending.
    fn score_as_the_reference(pred: &[Quote], gold: &[Quote]) -> (usize, usize) {
        let set = |c: &Chars| -> HashSet<usize> { c.ranges.iter().cloned().flatten().collect() };
        let mut pairs = Vec::new();
        for (i, q) in pred.iter().enumerate() {
            for (j, g) in gold.iter().enumerate() {
                let (a, b) = (set(&q.1), set(&g.1));
                let d = if a.is_empty() || b.is_empty() {
                    0.0
                } else {
                    2.0 * a.intersection(&b).count() as f64 / (a.len() + b.len()) as f64
                };
                pairs.push((d, i, j));
            }
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
        let (mut used_q, mut used_g, mut matched, mut tp) = (HashSet::new(), HashSet::new(), 0, 0);
        for (d, i, j) in pairs {
            if d < 0.5 {
                break;
            }
            if used_q.contains(&i) || used_g.contains(&j) {
                continue;
            }
            used_q.insert(i);
            used_g.insert(j);
            matched += 1;
            tp += usize::from(gold[j].0.is_some() && pred[i].0 == gold[j].0);
        }
        (matched, tp)
    }

    /// Pairing only the quotes that overlap matches and names exactly as
    /// pairing them all does, ties included (offsets from a small range,
    /// so that quotes overlap, touch and repeat).
    #[test]
    fn overlapping_pairs_score_as_all_pairs() {
        use proptest::prelude::*;
        let fragments = proptest::collection::vec((0usize..60, 0usize..25), 0..4);
        let quote = (proptest::option::of(0u8..3), fragments).prop_map(|(name, fragments)| {
            let ranges = fragments.into_iter().map(|(s, n)| s..s + n).collect();
            (name.map(|n| format!("name {n}")), Chars::of(ranges))
        });
        let quotes = proptest::collection::vec(quote, 0..12);
        proptest!(|(pred in quotes.clone(), gold in quotes)| {
            let gold: Vec<Quote> = gold.into_iter().filter(|g| !g.1.is_empty()).collect();
            let doc = Document::new("a", "");
            let (scores, matched) = score(&[(&doc, gold.clone())], &HashMap::from([("a", pred.clone())]), false);
            prop_assert_eq!((matched, scores.named.tp), score_as_the_reference(&pred, &gold));
        });
    }

    /// Quotes that all share a short fragment keep only the pairs that can
    /// match: one per quote here, not one per pair of quotes.
    #[test]
    fn only_pairs_that_can_match_are_kept() {
        let quotes: Vec<Quote> = (0..50)
            .map(|k| (None, Chars::of(vec![0..2, 10 + 20 * k..30 + 20 * k])))
            .collect();
        let pairs = overlapping_pairs(&quotes, &quotes);
        assert_eq!(pairs.len(), 50);
        assert!(pairs.iter().all(|&(d, i, j)| d == 1.0 && i == j));
    }

    #[test]
    fn characters_merge_as_a_set_of_offsets() {
        let chars = Chars::of(vec![5..8, 0..2, 7..10, 2..3, 12..12]);
        assert_eq!(chars.ranges, [0..3, 5..10]);
        assert_eq!(chars.len, 8);
        assert_eq!(chars.shared(&Chars::of(vec![1..6, 9..20])), 4);
    }

    #[test]
    fn names_normalise_as_the_reference_scorer_does() {
        let n = |s: &str| normalise(s);
        assert_eq!(n("Hillary Clinton").as_deref(), Some("hillary clinton"));
        assert_eq!(n("Mrs. Clinton").as_deref(), Some("clinton"));
        assert_eq!(n("Clinton’s").as_deref(), Some("clinton"));
        assert_eq!(n("The New York Times").as_deref(), Some("new york times"));
        assert_eq!(n("Donald J. Trump").as_deref(), Some("donald trump"));
        assert_eq!(n("Sen. Ted Cruz").as_deref(), Some("ted cruz"));
        assert_eq!(
            n("President").as_deref(),
            Some("president"),
            "one word is kept"
        );
        assert_eq!(
            n("Secretary of State John Kerry").as_deref(),
            Some("of state john kerry")
        );
        assert_eq!(
            n("U.S. State Department").as_deref(),
            Some("u.s state department")
        );
        assert_eq!(n("AFL-CIO").as_deref(), Some("afl-cio"));
        assert_eq!(
            n("Fox News's reporting").as_deref(),
            Some("fox news reporting")
        );
        assert_eq!(n("-"), None);
        assert_eq!(n("  "), None);
        // Python's white space and `\w` (figures of speaker_score.py's
        // `norm` on the same names): information separators are space;
        // marks and symbols are no word characters, letter numbers are.
        assert_eq!(n("-\u{1c}"), None);
        assert_eq!(n("A\u{1f}B").as_deref(), Some("a b"));
        assert_eq!(n("Mary\u{942} Blige").as_deref(), Some("mary blige"));
        assert_eq!(n("Mary\u{670} Blige").as_deref(), Some("mary blige"));
        assert_eq!(n("\u{24c2}ary Blige").as_deref(), Some("ary blige"));
        assert_eq!(n("\u{216b} Smith").as_deref(), Some("\u{217b} smith"));
        // Marks of newer Unicode versions than the old tables quotekit read
        // (Malayalam, Unicode 10; Devanagari, 11) are no word characters.
        assert_eq!(n("Ann Lee\u{d00}").as_deref(), Some("ann lee"));
        assert_eq!(n("Ann\u{a8ff} Lee").as_deref(), Some("ann lee"));
    }

    #[test]
    fn a_title_left_in_front_counts_and_a_surname_only_when_lenient() {
        let kerry = normalise("John Kerry");
        let titled = normalise("Secretary of State John Kerry");
        assert!(same_name(titled.as_deref(), kerry.as_deref(), false));
        assert!(!same_name(Some("kerry"), kerry.as_deref(), false));
        assert!(same_name(Some("kerry"), kerry.as_deref(), true));
        assert!(same_name(None, None, false));
        assert!(!same_name(Some("kerry"), None, true));
        // A one-word gold name is not matched by a longer name ending with it.
        assert!(!same_name(Some("the obama"), Some("obama"), false));
    }

    fn article(id: &str, names: &[(&str, Option<&str>)]) -> Document {
        // Content k covers characters 10k..10k+8; source k, 10k+8..10k+9.
        let text = "x".repeat(10 * names.len());
        let mut d = Document::new(id, text);
        for (k, (_, name)) in names.iter().enumerate() {
            let c = Span::new(
                format!("C{k}"),
                Role::Content,
                vec![CharSpan::new(10 * k, 10 * k + 8)],
            );
            let mut s = Span::new(
                format!("S{k}"),
                Role::Source,
                vec![CharSpan::new(10 * k + 8, 10 * k + 9)],
            );
            s.name = name.map(String::from);
            d.spans.push(c);
            d.spans.push(s);
            d.attributions.push(Attribution {
                id: format!("E{k}"),
                source: Some(format!("S{k}")),
                cue: None,
                content: vec![format!("C{k}")],
            });
        }
        d
    }

    #[test]
    fn gold_against_itself_scores_one_and_wrong_names_do_not() {
        let gold = article(
            "a",
            &[
                ("", Some("Ann Lee")),
                ("", Some("-")),
                ("", Some("Bo Ruiz")),
            ],
        );
        let s = who_said_what(
            std::slice::from_ref(&gold),
            std::slice::from_ref(&gold),
            |_| true,
        );
        assert_eq!(s.strict.named.f1, 1.0);
        assert_eq!(s.strict.resolution_accuracy, 1.0);
        assert_eq!((s.strict.named.gold, s.matched), (2, 3));
        // A prediction calling Bo Ruiz "Ruiz" and the unnamed source "Ann Lee".
        let pred = article(
            "a",
            &[
                ("", Some("Ann Lee")),
                ("", Some("Ann Lee")),
                ("", Some("Mr. Ruiz")),
            ],
        );
        let s = who_said_what(std::slice::from_ref(&gold), &[pred], |_| true);
        assert_eq!(s.strict.named.tp, 1);
        assert_eq!(s.strict.named.pred, 3);
        assert!((s.strict.resolution_accuracy - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.lenient.named.tp, 2, "the surname counts when lenient");
        // No prediction: nothing matched, and no accuracy shown (a 0.000
        // would read as all wrong).
        let none = Document::new("a", gold.text());
        let s = who_said_what(std::slice::from_ref(&gold), &[none], |_| true);
        assert_eq!(s.matched, 0);
        let shown = s.to_string();
        assert!(
            shown.contains("resolution accuracy on matched quotes - (0 matched)")
                && shown.ends_with("; resolution -"),
            "{shown}"
        );
        // Without a names file the document is left out.
        let s = who_said_what(&[gold], &[], |_| false);
        assert_eq!((s.documents, s.skipped, s.matched), (0, 1, 0));
    }

    /// Documents pair by their whole id, as in the rest of eval: ids that
    /// differ after a dot are two documents (they were one, keyed by the
    /// file stem, and the last prediction was scored against both).
    #[test]
    fn documents_pair_by_their_whole_id() {
        let one = article("story.1", &[("", Some("Ann Lee"))]);
        let two = article("story.2", &[("", Some("Bo Ruiz")), ("", Some("Cy Wu"))]);
        let gold = [one.clone(), two.clone()];
        let s = who_said_what(&gold, &[one, two], |_| true);
        assert_eq!(s.strict.named.f1, 1.0);
        assert_eq!((s.strict.named.pred, s.strict.named.gold), (3, 3));
        // A prediction of another id is no prediction of the document.
        let other = article("story.1.txt", &[("", Some("Ann Lee"))]);
        let s = who_said_what(&gold[..1], &[other], |_| true);
        assert_eq!((s.strict.named.pred, s.matched), (0, 0));
    }
}
