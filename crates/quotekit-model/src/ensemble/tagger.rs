//! The ensemble tagger: its members' emission and chain scores, weighted
//! and summed.

use crate::config::ModelKind;
use crate::decode::{Chain, ChainScores, Scored};
use crate::error::ModelError;
use crate::header::ModelHeader;
use crate::tagger::SequenceTagger;
use quotekit_data::{Document, Tokenized};
use std::path::Path;

/// A member of an ensemble: a trained tagger and the weight of its scores.
#[derive(Debug)]
pub struct Member {
    /// The tagger.
    pub tagger: Box<dyn SequenceTagger>,
    /// The weight of its scores.
    pub weight: f32,
}

/// Taggers of the same tags, decoded together (see the module docs of
/// [`crate::ensemble`]).
#[derive(Debug)]
pub struct Ensemble {
    members: Vec<Member>,
    chain: Chain,
}

impl Ensemble {
    /// The ensemble of `members`: at least one, all with the same number of
    /// tags (the caller checks that they are the same tags).
    pub fn new(members: Vec<Member>) -> Result<Self, ModelError> {
        let Some(first) = members.first() else {
            return Err(ModelError::config("an ensemble needs at least one member"));
        };
        let labels = first.tagger.chain().labels;
        let mut chain = Chain {
            labels,
            transition: vec![0.0; labels * labels],
            start: vec![0.0; labels],
            end: vec![0.0; labels],
        };
        for (k, m) in members.iter().enumerate() {
            let c = m.tagger.chain();
            if c.labels != labels || c.transition.len() != labels * labels {
                return Err(ModelError::config(format!(
                    "ensemble member {} has {} tags, the first has {labels}",
                    k + 1,
                    c.labels
                )));
            }
            let add = |sum: &mut [f32], scores: &[f32]| {
                for (s, v) in sum.iter_mut().zip(scores) {
                    *s += m.weight * v;
                }
            };
            add(&mut chain.transition, c.transition);
            add(&mut chain.start, c.start);
            add(&mut chain.end, c.end);
        }
        Ok(Self { members, chain })
    }

    /// The members.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The members, mutably (to change a member's inference settings).
    pub fn members_mut(&mut self) -> &mut [Member] {
        &mut self.members
    }
}

impl SequenceTagger for Ensemble {
    /// The first member's kind.
    fn kind(&self) -> ModelKind {
        self.members[0].tagger.kind()
    }

    /// The weighted sum of the members' emission scores, over the token
    /// ranges of the first member (a tag score outside them counts nowhere).
    fn emissions(&self, doc: &Document, tok: &Tokenized) -> Result<Vec<Scored>, ModelError> {
        let l = self.chain.labels;
        let mut sum = vec![0.0f64; tok.tokens.len() * l];
        let mut ranges = Vec::new();
        for (k, m) in self.members.iter().enumerate() {
            let weight = f64::from(m.weight);
            let scored = m.tagger.emissions(doc, tok)?;
            for (range, scores) in &scored {
                let at = range.start * l;
                let slot = (scores.len() == range.len() * l)
                    .then(|| sum.get_mut(at..at + scores.len()))
                    .flatten();
                let Some(slot) = slot else {
                    return Err(ModelError::config(format!(
                        "ensemble member {} scored tokens {range:?} of a document of {} tokens",
                        k + 1,
                        tok.tokens.len()
                    )));
                };
                for (s, v) in slot.iter_mut().zip(scores) {
                    *s += weight * v;
                }
            }
            if k == 0 {
                ranges = scored.into_iter().map(|(r, _)| r).collect();
            }
        }
        Ok(ranges
            .into_iter()
            .map(|r| {
                let scores = sum[r.start * l..r.end * l].to_vec();
                (r, scores)
            })
            .collect())
    }

    fn chain(&self) -> ChainScores<'_, f32> {
        self.chain.scores()
    }

    /// An ensemble has no weights file of its own: it is its
    /// `ensemble.toml` and its members' directories.
    fn save(&self, _header: &ModelHeader, file: &Path) -> Result<(), ModelError> {
        Err(ModelError::config(format!(
            "{}: an ensemble is saved as an ensemble.toml naming its members' model directories, not as one weights file",
            file.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::Tokenizer;
    use std::ops::Range;

    /// A tagger with fixed scores: every range it is given scored with
    /// `value` for every tag (`short`: one score fewer than it should).
    #[derive(Debug)]
    struct Fixed {
        chain: Chain,
        ranges: Vec<Range<usize>>,
        value: f64,
        short: bool,
    }

    fn fixed(labels: usize, ranges: Vec<Range<usize>>, value: f64) -> Fixed {
        Fixed {
            chain: Chain {
                labels,
                transition: vec![1.0; labels * labels],
                start: vec![2.0; labels],
                end: vec![3.0; labels],
            },
            ranges,
            value,
            short: false,
        }
    }

    impl SequenceTagger for Fixed {
        fn kind(&self) -> ModelKind {
            ModelKind::Crf
        }

        fn emissions(&self, _doc: &Document, _tok: &Tokenized) -> Result<Vec<Scored>, ModelError> {
            let l = self.chain.labels;
            Ok(self
                .ranges
                .iter()
                .map(|r| {
                    let n = r.len() * l - usize::from(self.short);
                    (r.clone(), vec![self.value; n])
                })
                .collect())
        }

        fn chain(&self) -> ChainScores<'_, f32> {
            self.chain.scores()
        }

        fn save(&self, _header: &ModelHeader, _file: &Path) -> Result<(), ModelError> {
            Ok(())
        }
    }

    /// One range.
    fn whole(r: Range<usize>) -> Vec<Range<usize>> {
        std::iter::once(r).collect()
    }

    fn member(tagger: Fixed, weight: f32) -> Member {
        Member {
            tagger: Box::new(tagger),
            weight,
        }
    }

    /// Members' chains add up by weight; emissions add up over the first
    /// member's ranges (a second member's other ranges still count inside
    /// them).
    #[test]
    fn scores_are_weighted_sums_over_the_first_members_ranges() {
        let doc = Document::new("d", "One two three four.");
        let tok = Tokenizer::new().tokenize(&doc);
        let n = tok.tokens.len();
        let ensemble = Ensemble::new(vec![
            member(fixed(3, vec![0..2, 2..n], 1.0), 0.5),
            member(fixed(3, whole(0..n), 4.0), 2.0),
        ])
        .unwrap();
        assert_eq!(ensemble.chain().transition, &[2.5; 9][..]);
        assert_eq!(ensemble.chain().start, &[5.0; 3][..]);
        let scored = ensemble.emissions(&doc, &tok).unwrap();
        let ranges: Vec<_> = scored.iter().map(|(r, _)| r.clone()).collect();
        assert_eq!(ranges, vec![0..2, 2..n]);
        assert!(scored.iter().all(|(_, s)| s.iter().all(|&v| v == 8.5)));
    }

    /// Members with another number of tags, or scores that do not fit
    /// their ranges, are errors, not panics; so is no member at all.
    #[test]
    fn mismatched_members_are_refused() {
        let err = Ensemble::new(vec![
            member(fixed(3, vec![], 0.0), 1.0),
            member(fixed(5, vec![], 0.0), 1.0),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("member 2 has 5 tags"), "{err}");
        assert!(Ensemble::new(vec![]).is_err());

        let doc = Document::new("d", "One two three.");
        let tok = Tokenizer::new().tokenize(&doc);
        let n = tok.tokens.len();
        let short = Fixed {
            short: true,
            ..fixed(3, whole(0..n), 1.0)
        };
        let past_end = fixed(3, whole(0..n + 2), 1.0);
        for bad in [short, past_end] {
            let ensemble = Ensemble::new(vec![
                member(fixed(3, whole(0..n), 1.0), 1.0),
                member(bad, 1.0),
            ])
            .unwrap();
            let err = ensemble.emissions(&doc, &tok).unwrap_err();
            assert!(
                err.to_string().contains("ensemble member 2 scored tokens"),
                "{err}"
            );
        }
    }
}
