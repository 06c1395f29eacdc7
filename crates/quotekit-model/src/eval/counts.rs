//! True and false positives and false negatives, their precision, recall and
//! F1, per role and micro-averaged; serialised with the derived figures.

use quotekit_data::Role;
use serde::Serialize;

/// True/false positive and false negative counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Predicted and correct.
    pub tp: usize,
    /// Predicted, not in gold.
    pub fp: usize,
    /// In gold, not predicted.
    pub fn_: usize,
}

impl Counts {
    /// Precision (1 when nothing was predicted and nothing was expected).
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp, self.fn_ == 0)
    }
    /// Recall.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_, self.fp == 0)
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    /// Adds another set of counts to these.
    pub fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(iter: I) -> Self {
        iter.fold(Counts::default(), |mut total, c| {
            total.add(c);
            total
        })
    }
}

fn ratio(a: usize, b: usize, empty_is_perfect: bool) -> f64 {
    if b == 0 {
        if empty_is_perfect {
            1.0
        } else {
            0.0
        }
    } else {
        a as f64 / b as f64
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Counts", 6)?;
        st.serialize_field("precision", &self.precision())?;
        st.serialize_field("recall", &self.recall())?;
        st.serialize_field("f1", &self.f1())?;
        st.serialize_field("tp", &self.tp)?;
        st.serialize_field("fp", &self.fp)?;
        st.serialize_field("fn", &self.fn_)?;
        st.end()
    }
}

/// Scores per role plus their micro average.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RoleScores {
    /// Source.
    pub source: Counts,
    /// Cue.
    pub cue: Counts,
    /// Content.
    pub content: Counts,
    /// Micro average over the three roles.
    pub micro: Counts,
}

impl RoleScores {
    /// The counts of one role.
    pub fn role_mut(&mut self, role: Role) -> &mut Counts {
        match role {
            Role::Source => &mut self.source,
            Role::Cue => &mut self.cue,
            Role::Content => &mut self.content,
        }
    }
    /// Sets the micro average from the three roles.
    pub fn finish(&mut self) {
        let mut micro = Counts::default();
        for c in [self.source, self.cue, self.content] {
            micro.add(c);
        }
        self.micro = micro;
    }
}
