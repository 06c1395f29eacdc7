//! A prediction against gold, span by span and quote by quote, for drawing:
//! which fragments agree exactly, which overlap with other boundaries, which
//! are on one side only, and which quotes have the wrong speaker. Fragments
//! compare after trimming whitespace, as `quotekit eval`'s exact scores do.

use quotekit_data::tokenize::trim_span;
use quotekit_data::{ByStart, CharIndex, CharSpan, Document, Role, SpansById};
use quotekit_model::eval::matched;
use quotekit_model::eval::speakers::{normalise, same_name};
use std::collections::BTreeMap;

/// How a fragment compares with the other side's fragments of its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// The other side has the same characters.
    Exact,
    /// The other side has a fragment that overlaps it, with other boundaries.
    Boundary,
    /// Nothing on the other side overlaps it.
    Alone,
}

/// One fragment of a span.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    /// Role of its span.
    pub role: Role,
    /// Id of its span.
    pub span_id: String,
    /// Its characters as annotated.
    pub span: CharSpan,
    /// How it compares with the other side.
    pub agreement: Agreement,
}

/// How a predicted quote compares with gold.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The gold attribution whose content it overlaps most (index).
    pub gold: Option<usize>,
    /// Whether its speaker span overlaps that attribution's (or both have none).
    pub speaker_right: bool,
    /// Whether its speaker's name is the gold name (when gold names the speaker).
    pub name_right: Option<bool>,
}

/// Every difference of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Differences {
    /// The predicted fragments.
    pub predicted: Vec<Fragment>,
    /// The gold fragments.
    pub gold: Vec<Fragment>,
    /// One per predicted attribution.
    pub links: Vec<Link>,
    /// Gold attributions whose content no predicted quote overlaps (indices).
    pub missed_quotes: Vec<usize>,
}

impl Differences {
    /// Every difference the page lists: fragments on one side only,
    /// boundary mismatches (counted once per predicted fragment), quotes
    /// with a wrong speaker or name, predicted quotes that are no gold
    /// quote and gold quotes missed. (A quote missed whole counts its
    /// fragments and itself: a prediction that has every span of gold but
    /// not the quote that joins them still differs.)
    pub fn count(&self) -> usize {
        let alone = |fs: &[Fragment]| {
            fs.iter()
                .filter(|f| f.agreement == Agreement::Alone)
                .count()
        };
        alone(&self.predicted)
            + alone(&self.gold)
            + self
                .predicted
                .iter()
                .filter(|f| f.agreement == Agreement::Boundary)
                .count()
            + self
                .links
                .iter()
                .filter(|l| l.gold.is_none() || !l.speaker_right || l.name_right == Some(false))
                .count()
            + self.missed_quotes.len()
    }
}

/// Fragments of a document with their trimmed extent.
fn fragments(doc: &Document, index: &CharIndex) -> Vec<(Fragment, CharSpan)> {
    doc.spans
        .iter()
        .flat_map(|s| {
            s.fragments.iter().map(move |f| {
                (
                    Fragment {
                        role: s.role,
                        span_id: s.id.clone(),
                        span: *f,
                        agreement: Agreement::Alone,
                    },
                    trim_span(doc.text(), index, *f),
                )
            })
        })
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

/// Marks each of `mine` exact where `theirs` has a fragment of its role with
/// the same extent, boundary where one only overlaps it, alone otherwise.
/// (Extents are not empty: [`fragments`] drops those.)
fn agree(mine: &mut [(Fragment, CharSpan)], theirs: &[(Fragment, CharSpan)]) {
    // Their extents by role, by start: a long document does not compare
    // every pair.
    let mut extents: BTreeMap<Role, Vec<(CharSpan, ())>> = BTreeMap::new();
    for (o, u) in theirs {
        extents.entry(o.role).or_default().push((*u, ()));
    }
    let by_role: BTreeMap<Role, ByStart<()>> = extents
        .into_iter()
        .map(|(role, e)| (role, ByStart::new(e)))
        .collect();
    for (f, t) in mine.iter_mut() {
        f.agreement = Agreement::Alone;
        let Some(extents) = by_role.get(&f.role) else {
            continue;
        };
        for (u, ()) in extents.near(*t) {
            if u == t {
                f.agreement = Agreement::Exact;
                break;
            }
            if u.overlaps(t) {
                f.agreement = Agreement::Boundary;
            }
        }
    }
}

/// The characters of an attribution's content, sorted.
fn content_chars(spans: &SpansById, content: &[String]) -> Vec<usize> {
    let mut chars: Vec<usize> = content
        .iter()
        .filter_map(|id| spans.get(id.as_str()))
        .flat_map(|s| s.fragments.iter().flat_map(|f| f.start..f.end))
        .collect();
    chars.sort_unstable();
    chars.dedup();
    chars
}

/// Whether two sorted character lists can share one: their ranges meet
/// (cheap, so that most pairs are never compared character by character).
fn may_share(a: &[usize], b: &[usize]) -> bool {
    match (a.first(), a.last(), b.first(), b.last()) {
        (Some(a0), Some(a1), Some(b0), Some(b1)) => a0 <= b1 && b0 <= a1,
        _ => false,
    }
}

fn source_fragments<'d>(spans: &SpansById<'d>, source: Option<&str>) -> Option<&'d [CharSpan]> {
    source
        .and_then(|id| spans.get(id))
        .map(|s| s.fragments.as_slice())
}

/// Compares `predicted` with `gold` (the same text); `names` are the
/// predicted speakers' canonical names, one per predicted attribution.
pub fn differences(predicted: &Document, gold: &Document, names: &[Option<String>]) -> Differences {
    let index = gold.char_index();
    let mut p = fragments(predicted, &index);
    let mut g = fragments(gold, &index);
    agree(&mut p, &g);
    agree(&mut g, &p);
    let (pred_spans, gold_spans) = (predicted.spans_by_id(), gold.spans_by_id());
    let gold_chars: Vec<Vec<usize>> = gold
        .attributions
        .iter()
        .map(|a| content_chars(&gold_spans, &a.content))
        .collect();
    let pred_chars: Vec<Vec<usize>> = predicted
        .attributions
        .iter()
        .map(|a| content_chars(&pred_spans, &a.content))
        .collect();
    let mut overlapped = vec![false; gold.attributions.len()];
    // Gold attributions by the range of their characters: a long document
    // does not compare every pair.
    let by_range = ByStart::new(
        gold_chars
            .iter()
            .enumerate()
            .filter_map(|(j, c)| Some((CharSpan::new(*c.first()?, *c.last()? + 1), j)))
            .collect(),
    );
    let links = predicted
        .attributions
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let mine = &pred_chars[k];
            // (No characters: an empty span at 0, near nothing.)
            let nearby = match (mine.first(), mine.last()) {
                (Some(&f), Some(&l)) => CharSpan::new(f, l + 1),
                _ => CharSpan::new(0, 0),
            };
            // (The best is the same in any order: every key is distinct.)
            let best = by_range
                .near(nearby)
                .map(|&(_, j)| (j, &gold_chars[j]))
                .filter(|(_, c)| may_share(mine, c))
                .map(|(j, c)| (matched(mine, c), j))
                .filter(|&(n, _)| n > 0)
                .max_by_key(|&(n, j)| (n, std::cmp::Reverse(j)))
                .map(|(_, j)| j);
            let Some(j) = best else {
                return Link {
                    gold: None,
                    speaker_right: false,
                    name_right: None,
                };
            };
            overlapped[j] = true;
            let ga = &gold.attributions[j];
            let speaker_right = match (
                source_fragments(&pred_spans, a.source.as_deref()),
                source_fragments(&gold_spans, ga.source.as_deref()),
            ) {
                (None, None) => true,
                (Some(x), Some(y)) => x.iter().any(|f| y.iter().any(|h| f.overlaps(h))),
                _ => false,
            };
            let gold_span = ga.source.as_deref().and_then(|id| gold_spans.get(id));
            let name_right = gold_span.filter(|s| s.name.is_some()).map(|s| {
                let pred = names.get(k).and_then(|n| n.as_deref()).and_then(normalise);
                let gold = s.name.as_deref().and_then(normalise);
                same_name(pred.as_deref(), gold.as_deref(), false)
            });
            Link {
                gold: Some(j),
                speaker_right,
                name_right,
            }
        })
        .collect();
    // Gold quotes that no predicted content touches at all (predicted
    // contents by the range of their characters, as gold's above).
    let pred_by_range = ByStart::new(
        pred_chars
            .iter()
            .enumerate()
            .filter_map(|(k, c)| Some((CharSpan::new(*c.first()?, *c.last()? + 1), k)))
            .collect(),
    );
    for (j, chars) in gold_chars.iter().enumerate() {
        let (Some(&f), Some(&l)) = (chars.first(), chars.last()) else {
            continue;
        };
        if !overlapped[j]
            && pred_by_range
                .near(CharSpan::new(f, l + 1))
                .map(|&(_, k)| &pred_chars[k])
                .any(|c| may_share(c, chars) && matched(c, chars) > 0)
        {
            overlapped[j] = true;
        }
    }
    Differences {
        predicted: p.into_iter().map(|(f, _)| f).collect(),
        gold: g.into_iter().map(|(f, _)| f).collect(),
        links,
        missed_quotes: (0..overlapped.len()).filter(|&j| !overlapped[j]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Attribution, Span};

    /// The indexed comparison marks each fragment as comparing it with
    /// every fragment of the other side does, on random extents of every
    /// width, overlapping or not.
    #[test]
    fn agreement_is_what_comparing_every_pair_gives() {
        let mut state = 7u64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n
        };
        let roles = [Role::Source, Role::Cue, Role::Content];
        for _ in 0..400 {
            let mut side = || -> Vec<(Fragment, CharSpan)> {
                let count = next(12);
                (0..count)
                    .map(|_| {
                        let start = next(40);
                        let extent = CharSpan::new(start, start + 1 + next(12));
                        let fragment = Fragment {
                            role: roles[next(3)],
                            span_id: String::new(),
                            span: extent,
                            agreement: Agreement::Alone,
                        };
                        (fragment, extent)
                    })
                    .collect()
            };
            let (mut mine, theirs) = (side(), side());
            let expected: Vec<Agreement> = mine
                .iter()
                .map(|(f, t)| {
                    let same: Vec<&CharSpan> = theirs
                        .iter()
                        .filter(|(o, _)| o.role == f.role)
                        .map(|(_, u)| u)
                        .collect();
                    if same.contains(&t) {
                        Agreement::Exact
                    } else if same.iter().any(|u| u.overlaps(t)) {
                        Agreement::Boundary
                    } else {
                        Agreement::Alone
                    }
                })
                .collect();
            agree(&mut mine, &theirs);
            let got: Vec<Agreement> = mine.iter().map(|(f, _)| f.agreement).collect();
            assert_eq!(got, expected, "{mine:?} against {theirs:?}");
        }
    }

    fn doc(
        spans: &[(&str, Role, usize, usize)],
        attributions: &[(Option<&str>, &str)],
    ) -> Document {
        let mut d = Document::new("d", "Ann Lee said the plan works, and Bob Roe said no.");
        for (id, role, s, e) in spans {
            d.spans
                .push(Span::new(*id, *role, vec![CharSpan::new(*s, *e)]));
        }
        for (k, (source, content)) in attributions.iter().enumerate() {
            d.attributions.push(Attribution {
                id: format!("A{k}"),
                source: source.map(str::to_string),
                cue: None,
                content: vec![content.to_string()],
            });
        }
        d
    }

    #[test]
    fn exact_boundary_alone_and_wrong_speaker() {
        let gold = doc(
            &[
                ("T1", Role::Source, 0, 7),
                ("T2", Role::Content, 13, 27),
                ("T3", Role::Source, 33, 40),
                ("T4", Role::Content, 46, 48),
            ],
            &[(Some("T1"), "T2"), (Some("T3"), "T4")],
        );
        let pred = doc(
            &[
                ("T1", Role::Source, 0, 7),
                ("T2", Role::Content, 13, 28),
                ("T3", Role::Cue, 41, 45),
            ],
            &[(Some("T1"), "T2")],
        );
        let d = differences(&pred, &gold, &[None]);
        let agreement: Vec<Agreement> = d.predicted.iter().map(|f| f.agreement).collect();
        assert_eq!(
            agreement,
            [Agreement::Exact, Agreement::Boundary, Agreement::Alone]
        );
        let gold_agreement: Vec<Agreement> = d.gold.iter().map(|f| f.agreement).collect();
        assert_eq!(
            gold_agreement,
            [
                Agreement::Exact,
                Agreement::Boundary,
                Agreement::Alone,
                Agreement::Alone
            ]
        );
        assert_eq!(d.links[0].gold, Some(0));
        assert!(d.links[0].speaker_right);
        assert_eq!(d.missed_quotes, vec![1]);

        // The same quote given to the other speaker.
        let wrong = doc(
            &[("T1", Role::Source, 33, 40), ("T2", Role::Content, 13, 27)],
            &[(Some("T1"), "T2")],
        );
        let d = differences(&wrong, &gold, &[None]);
        assert!(!d.links[0].speaker_right);
        assert!(d.count() >= 2);
    }

    #[test]
    fn names_are_compared_when_gold_has_them() {
        let mut gold = doc(
            &[("T1", Role::Source, 0, 7), ("T2", Role::Content, 13, 27)],
            &[(Some("T1"), "T2")],
        );
        gold.spans[0].name = Some("Ann Lee".into());
        let pred = gold.clone();
        let right = differences(&pred, &gold, &[Some("ann lee".into())]);
        assert_eq!(right.links[0].name_right, Some(true));
        let wrong = differences(&pred, &gold, &[Some("Bob Roe".into())]);
        assert_eq!(wrong.links[0].name_right, Some(false));
        assert_eq!(wrong.count(), 1);
    }

    /// A prediction with every span of gold but one quote fewer, or one
    /// quote more, differs by that quote.
    #[test]
    fn a_quote_missed_or_added_with_its_spans_right_is_a_difference() {
        let spans = [
            ("T1", Role::Source, 0, 7),
            ("T2", Role::Content, 13, 27),
            ("T3", Role::Source, 33, 40),
            ("T4", Role::Content, 41, 50),
        ];
        let gold = doc(&spans, &[(Some("T1"), "T2"), (Some("T3"), "T4")]);
        assert_eq!(differences(&gold, &gold, &[None, None]).count(), 0);
        let fewer = doc(&spans, &[(Some("T1"), "T2")]);
        let d = differences(&fewer, &gold, &[None]);
        assert_eq!((d.missed_quotes.len(), d.count()), (1, 1));
        let one = doc(&spans, &[(Some("T1"), "T2")]);
        let d = differences(&gold, &one, &[None, None]);
        assert_eq!(d.links[1].gold, None);
        assert_eq!(d.count(), 1);
    }
}
