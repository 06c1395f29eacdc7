//! Where a training run stands: the best dev F1 so far and how long since
//! (early stopping, shared by the CRF's iterations and the networks'
//! epochs), and for the network taggers the epoch and step counters, timings
//! and per-epoch reports that a checkpoint carries.

use crate::io::{fnv1a_more, FNV1A_START};
use crate::training::events::{EpochReport, TrainReport};
use quotekit_data::formats::jsonl::to_json_line;
use quotekit_data::Document;
use serde::{Deserialize, Serialize};

/// A config section as the JSON that checkpoints record.
pub fn config_json(config: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(config).expect("configs serialise")
}

/// What a network tagger's run is: what its checkpoints record besides its
/// progress, and the size of its training data.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The config section (`neural`, `transformer`), named in messages.
    pub section: &'static str,
    /// That section's settings as JSON.
    pub config: serde_json::Value,
    /// Tag names.
    pub labels: Vec<String>,
    /// The subword tokenizer (`tokenizer.json` text).
    pub tokenizer: String,
    /// A transformer's encoder `config.json` text (empty for the neural
    /// tagger).
    pub encoder_config: String,
    /// A frozen encoder's `model.safetensors`, hashed (empty otherwise).
    pub encoder_weights: String,
    /// Training documents.
    pub documents: usize,
    /// Training tokens.
    pub tokens: usize,
    /// The training and dev corpora's [`corpus_fingerprint`].
    pub corpus: u64,
    /// Seconds spent preparing the data.
    pub prepare_seconds: f64,
}

/// A hash of the training and dev documents as the network sees them
/// (ids, texts, spans, attributions; not the speaker names, which only the
/// resolver trained after it reads): a checkpoint records it, so that a
/// run is resumed on the corpora it began with, not on others of the same
/// size.
pub fn corpus_fingerprint(train: &[Document], dev: &[Document]) -> u64 {
    let mut h = FNV1A_START;
    for (part, docs) in [(&b"train"[..], train), (&b"dev"[..], dev)] {
        h = fnv1a_more(h, part);
        for doc in docs {
            let line = if doc.spans.iter().any(|s| s.name.is_some()) {
                let mut unnamed = doc.clone();
                unnamed.spans.iter_mut().for_each(|s| s.name = None);
                to_json_line(&unnamed)
            } else {
                to_json_line(doc)
            };
            h = fnv1a_more(h, line.as_bytes());
            h = fnv1a_more(h, b"\n");
        }
    }
    h
}

/// The best dev F1 so far and the evaluations since it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// Best dev F1 so far.
    pub best_f1: Option<f64>,
    /// Epoch (CRF: iteration) of the best dev F1, or the last one without a dev set.
    pub best_epoch: usize,
    /// Evaluations since the best one.
    pub bad_epochs: usize,
}

impl EarlyStopping {
    /// Records the dev F1 at `epoch` (`None`: no dev set); true when its
    /// weights are the ones to keep (a better F1, or any epoch without dev).
    pub fn record(&mut self, epoch: usize, f1: Option<f64>) -> bool {
        match f1 {
            Some(f1) if self.best_f1.is_none_or(|b| f1 > b) => {
                self.best_f1 = Some(f1);
                self.best_epoch = epoch;
                self.bad_epochs = 0;
                true
            }
            Some(_) => {
                self.bad_epochs += 1;
                false
            }
            None => {
                self.best_epoch = epoch;
                true
            }
        }
    }

    /// True when `patience` evaluations in a row were no better (0: never).
    pub fn exhausted(&self, patience: usize) -> bool {
        patience > 0 && self.bad_epochs >= patience
    }
}

/// Progress of a network tagger's training run, as checkpoints keep it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// Epochs done.
    pub epoch: usize,
    /// Optimiser steps done.
    pub step: usize,
    /// Best dev F1 and early-stopping count.
    #[serde(flatten)]
    pub stopping: EarlyStopping,
    /// Seconds trained so far.
    pub train_seconds: f64,
    /// Per-epoch reports.
    pub reports: Vec<EpochReport>,
    /// Training documents (to refuse resuming on another corpus).
    pub documents: usize,
    /// Training tokens.
    pub tokens: usize,
    /// The training and dev corpora's [`corpus_fingerprint`] (none in
    /// checkpoints of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<u64>,
}

impl RunState {
    /// Why training must stop before the next epoch, if it must: early
    /// stopping after `patience` epochs without a better dev F1 (0: never), or
    /// `stop_after` epochs done in this run.
    pub fn stop_reason(
        &self,
        patience: usize,
        stop_after: Option<usize>,
        epochs_this_run: usize,
    ) -> Option<String> {
        if self.stopping.exhausted(patience) {
            Some(format!("no better dev F1 for {patience} epochs"))
        } else if stop_after.is_some_and(|n| epochs_this_run >= n) {
            Some(format!(
                "stopped after {epochs_this_run} epochs (resumable)"
            ))
        } else {
            None
        }
    }

    /// Records a finished epoch; true when its weights are the ones to keep
    /// (a better dev F1, or any epoch without a dev set).
    pub fn record(&mut self, report: &EpochReport) -> bool {
        self.epoch = report.epoch;
        self.train_seconds += report.seconds;
        self.reports.push(report.clone());
        self.stopping.record(report.epoch, report.dev_f1)
    }

    /// The run summary once training has ended for `stop`.
    pub fn summary(&self, stop: String, prepare_seconds: f64) -> TrainReport {
        TrainReport {
            iterations: self.epoch,
            best_iteration: self.stopping.best_epoch,
            best_dev_f1: self.stopping.best_f1,
            stop,
            documents: self.documents,
            tokens: self.tokens,
            feature_seconds: prepare_seconds,
            train_seconds: self.train_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fingerprint tells corpora apart by what the network learns from,
    /// not by the speaker names (a run resumed with `--names` goes on).
    #[test]
    fn the_corpus_fingerprint_leaves_names_out() {
        use quotekit_data::{CharSpan, Role, Span};
        let mut doc = Document::new("a", "Ann said hi.");
        doc.spans.push(Span {
            id: "T1".into(),
            role: Role::Source,
            fragments: vec![CharSpan { start: 0, end: 3 }],
            name: None,
        });
        let plain = corpus_fingerprint(std::slice::from_ref(&doc), &[]);
        let mut named = doc.clone();
        named.spans[0].name = Some("Ann Lee".into());
        assert_eq!(corpus_fingerprint(&[named], &[]), plain);
        let mut cue = doc.clone();
        cue.spans[0].role = Role::Cue;
        assert_ne!(corpus_fingerprint(&[cue], &[]), plain);
        // Which part a document is in counts too.
        assert_ne!(corpus_fingerprint(&[], std::slice::from_ref(&doc)), plain);
    }

    fn epoch(epoch: usize, dev_f1: Option<f64>) -> EpochReport {
        EpochReport {
            epoch,
            epochs: 9,
            loss: 1.0,
            dev_f1,
            words_per_second: 1.0,
            seconds: 2.0,
        }
    }

    #[test]
    fn keeps_the_best_epoch_and_stops_after_patience() {
        let mut s = RunState::default();
        assert!(s.record(&epoch(1, Some(0.5))));
        assert!(s.record(&epoch(2, Some(0.6))));
        assert!(!s.record(&epoch(3, Some(0.6))), "equal is not better");
        assert_eq!(s.stop_reason(2, None, 3), None);
        assert!(!s.record(&epoch(4, Some(0.55))));
        assert_eq!(
            s.stop_reason(2, None, 4).as_deref(),
            Some("no better dev F1 for 2 epochs")
        );
        assert_eq!(s.stop_reason(0, None, 4), None, "patience 0 never stops");
        assert_eq!(
            s.stop_reason(0, Some(4), 4).as_deref(),
            Some("stopped after 4 epochs (resumable)")
        );
        let report = s.summary("done".into(), 1.5);
        assert_eq!(
            (report.iterations, report.best_iteration, report.best_dev_f1),
            (4, 2, Some(0.6))
        );
        assert_eq!(report.train_seconds, 8.0);
        // Without a dev set every epoch is kept.
        let mut s = RunState::default();
        assert!(s.record(&epoch(1, None)) && s.record(&epoch(2, None)));
        assert_eq!(s.stopping.best_epoch, 2);
    }

    #[test]
    fn checkpoints_of_format_version_1_read_back() {
        // The state as version-1 checkpoints wrote it (flat fields).
        let json = r#"{"epoch":2,"step":14,"best_f1":0.5,"best_epoch":1,"bad_epochs":1,
            "train_seconds":3.0,"reports":[],"documents":4,"tokens":99}"#;
        let s: RunState = serde_json::from_str(json).unwrap();
        assert_eq!(s.stopping.best_f1, Some(0.5));
        assert_eq!((s.stopping.best_epoch, s.stopping.bad_epochs), (1, 1));
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["best_epoch"], 1);
        assert!(back.get("stopping").is_none());
    }
}
