//! Hyper-parameter search (`quotekit tune`): train a config many times with
//! keys of it varied, score each run on dev, and keep the best.
//!
//! - [`space`]: the search-space file (method, budget, metric, keys and
//!   their values or ranges);
//! - [`domain`]: the values a key may take, and their checks;
//! - [`plan`]: which configs a search trains, and successive halving's rungs;
//! - [`results`]: the results on disk, appended as each trial ends, so a
//!   killed search resumes where it stopped.
//!
//! The search writes into its output folder `trials.jsonl`, `trials.tsv`,
//! `best.toml` (the whole config of the best trial, which `quotekit train`
//! reads) and `best/` (that trial's model with its `dev-eval.json`).
//!
//! The file runs a little over 500 lines: the search's loop and the
//! keeping of its best model are read together.

mod check;
pub mod domain;
pub mod plan;
pub mod results;
pub mod space;

use crate::config::TrainConfig;
use crate::error::ModelError;
use crate::fit::fit_with;
use crate::model_file::save_annotator;
use crate::training::events::TrainEvent;
use crate::training::options::{Interrupt, TrainOptions};
use crate::training::run_state::corpus_fingerprint;
use plan::{rung, rungs, Trial};
use results::{ResultsStore, Scores, TrialRecord, CORPORA_MARK};
use space::{Method, SearchSpace};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The file in `best/` that names the trial whose model it holds, and on
/// a second line the hash of its weights file ([`weights_hash`]: a model
/// written there by another run is told from the trial's).
const BEST_MARKER: &str = "trial";

/// The hash of the weights file of the model in `dir`, if it can be read.
fn weights_hash(dir: &Path) -> Option<String> {
    let bytes = crate::io::read_file(&crate::header::model_path(dir)).ok()?;
    Some(crate::io::hash_hex(&bytes))
}

/// What a search reports as it goes.
#[derive(Debug)]
pub enum TuneEvent<'a> {
    /// Trials read back from an earlier, stopped run of the same search.
    Resumed(&'a [TrialRecord]),
    /// A trial starts; `planned` is the number of trials the search means
    /// to run in all.
    Started {
        /// The trial.
        trial: &'a Trial,
        /// Trials planned in all.
        planned: usize,
    },
    /// Training of the running trial reports.
    Train(&'a TrainEvent),
    /// A trial ended (with scores or an error), or was read back from an
    /// earlier run; `best` is the best so far.
    Finished {
        /// The trial's record.
        record: &'a TrialRecord,
        /// True when an earlier run trained it.
        resumed: bool,
        /// The best record so far.
        best: Option<&'a TrialRecord>,
    },
}

/// How a search ended.
#[derive(Debug, Clone)]
pub struct TuneReport {
    /// Every trial, in order (resumed ones included).
    pub records: Vec<TrialRecord>,
    /// Index into `records` of the best trial.
    pub best: Option<usize>,
    /// Why the search stopped: `trials`, `hours` or `grid`.
    pub stop: String,
    /// The results table.
    pub table: PathBuf,
    /// The best config, when a trial succeeded.
    pub best_config: Option<PathBuf>,
    /// The best trial's model folder.
    pub best_model: Option<PathBuf>,
}

/// Runs (or resumes) the search `space` with its results in `out`. When
/// `interrupt` is set, the trial under way stops (unrecorded: a resumed
/// search trains it again, from its last checkpoint) and the search ends
/// with [`ModelError::Interrupted`].
pub fn tune(
    space: &SearchSpace,
    out: &Path,
    interrupt: &Interrupt,
    mut on_event: impl FnMut(TuneEvent) + Send,
) -> Result<TuneReport, ModelError> {
    let base = space.base_config()?;
    if base.data.dev.is_none() {
        return Err(ModelError::Config {
            path: Some(space.base_path.clone()),
            message: "a search scores every trial on dev: set data.dev, or give a dev corpus (--dev; `dev=` in Python)".into(),
        });
    }
    // Everything that can refuse the search does so before its folder is
    // written to.
    let max = plan::max_resource(&base);
    check::halving_fits(space, &base)?;
    // The corpora are checked once before any trial: one that does not load
    // (or names of another corpus) would fail every trial, and the failed
    // trials would stand as done when the search is resumed.
    // (The corpora are not kept: each trial reads them.)
    let (train, dev, _) = crate::fit::load_corpora(&base)?;
    check::metric_fits_dev(space, &base, &dev)?;
    // (What the corpora hold is part of what the search is: trials scored
    // on other documents of the same paths are not to be ranked with new
    // ones.)
    let corpora = corpus_fingerprint(&train, &dev);
    drop((train, dev));
    // So are the other files its keys' values name, and the encoders.
    check::inputs_exist(space, &base)?;
    // (Successive halving's rungs are sized from the budget: for it, the
    // budget is part of what the search is.)
    let fingerprint = match space.method {
        Method::Halving => format!(
            "{}\n--- halving budget ---\n{}",
            space.fingerprint, space.trials
        ),
        Method::Grid | Method::Random => space.fingerprint.clone(),
    };
    let fingerprint = format!("{fingerprint}{CORPORA_MARK}{corpora:016x}");
    let store = ResultsStore::open(out, &fingerprint)?;
    let mut search = Search {
        space,
        interrupt: interrupt.clone(),
        store,
        out: out.to_path_buf(),
        records: Vec::new(),
        done: Vec::new(),
        best: None,
        spent: 0.0,
        stop: None,
        warned: std::collections::HashSet::new(),
    };
    search.done = search.store.read()?;
    // A resumed search with a smaller budget would leave the trials beyond
    // it out of the table and of the best.
    // (Only a grid or random search can meet this: a halving search's budget
    // is part of its fingerprint.)
    let (flat, schedule, planned) = match space.method {
        Method::Grid | Method::Random => {
            let flat = plan::flat(space, space.trials);
            let planned = flat.len();
            (flat, Vec::new(), planned)
        }
        Method::Halving => {
            let h = space.halving;
            let schedule = rungs(space.trials, h.eta, h.min_resource, max);
            let planned = schedule.iter().map(|(n, _)| n).sum();
            (Vec::new(), schedule, planned)
        }
    };
    if let Some(last) = search.done.iter().map(|r| r.trial.trial).max() {
        if last > planned {
            return Err(ModelError::Config {
                path: Some(out.to_path_buf()),
                message: format!(
                    "this search folder holds trial {last}, beyond the {planned} trials of this run: \
                     resume with a budget of at least {last} trials (--trials), or start in another folder"
                ),
            });
        }
    }
    search.spent = search.done.iter().map(|r| r.seconds).sum();
    if !search.done.is_empty() {
        on_event(TuneEvent::Resumed(&search.done));
    }
    match space.method {
        Method::Grid | Method::Random => {
            for trial in flat {
                if !search.run(trial, planned, &mut on_event)? {
                    break;
                }
            }
            if search.stop.is_none() {
                search.stop = Some(if planned < space.trials {
                    "grid"
                } else {
                    "trials"
                });
            }
        }
        Method::Halving => {
            let mut configs: Vec<usize> = (0..schedule[0].0).collect();
            let mut first = 1;
            'rungs: for (k, &(n, resource)) in schedule.iter().enumerate() {
                if k > 0 {
                    // The best `n` of the rung before, ties to the earlier config.
                    let mut ranked: Vec<&TrialRecord> = search
                        .records
                        .iter()
                        .filter(|r| r.trial.rung == k - 1)
                        .collect();
                    ranked.sort_by(|a, b| {
                        b.value(space.metric)
                            .total_cmp(&a.value(space.metric))
                            .then(a.trial.config.cmp(&b.trial.config))
                    });
                    configs = ranked.iter().take(n).map(|r| r.trial.config).collect();
                }
                let trials = rung(space, base.model, first, k, resource, &configs);
                first += trials.len();
                for trial in trials {
                    if !search.run(trial, planned, &mut on_event)? {
                        break 'rungs;
                    }
                }
            }
            if search.stop.is_none() {
                search.stop = Some("trials");
            }
        }
    }
    search.restore_best(&mut on_event)?;
    let table = search.write_table()?;
    let best_config = search.best.map(|_| out.join("best.toml"));
    let best_model = search.best.map(|_| out.join("best"));
    Ok(TuneReport {
        best: search.best,
        records: search.records,
        stop: search.stop.unwrap_or("trials").to_string(),
        table,
        best_config,
        best_model,
    })
}

/// A search under way.
struct Search<'s> {
    space: &'s SearchSpace,
    interrupt: Interrupt,
    store: ResultsStore,
    out: PathBuf,
    /// Trials of this search so far, in order.
    records: Vec<TrialRecord>,
    /// Trials finished by an earlier run, not yet reached again.
    done: Vec<TrialRecord>,
    best: Option<usize>,
    /// Seconds of every trial so far (earlier runs included).
    spent: f64,
    stop: Option<&'static str>,
    /// Warnings of training said so far: every trial reads the same
    /// corpora, and each is said once.
    warned: std::collections::HashSet<String>,
}

impl Search<'_> {
    /// Rewrites `trials.tsv` from the records so far.
    fn write_table(&self) -> Result<PathBuf, ModelError> {
        let keys: Vec<String> = self.space.keys.iter().map(|(k, _)| k.clone()).collect();
        self.store
            .write_table(&self.records, &keys, self.space.metric)
    }

    /// Runs `trial` unless an earlier run finished it; false when the hours
    /// are spent and the search must stop.
    fn run(
        &mut self,
        trial: Trial,
        planned: usize,
        on_event: &mut (impl FnMut(TuneEvent) + Send),
    ) -> Result<bool, ModelError> {
        let resumed = self.done.iter().position(|r| r.trial.trial == trial.trial);
        let record = match resumed {
            Some(i) => {
                let record = self.done.remove(i);
                if record.trial != trial {
                    return Err(ModelError::Config {
                        path: Some(self.store.path("trials.jsonl")),
                        message: format!(
                            "trial {} was another config than this search draws; start the search in another folder",
                            trial.trial
                        ),
                    });
                }
                record
            }
            None => {
                // (Set between trials: no next one starts.)
                self.interrupt.check()?;
                if let Some(hours) = self.space.hours {
                    if self.spent >= hours * 3600.0 {
                        self.stop = Some("hours");
                        return Ok(false);
                    }
                }
                on_event(TuneEvent::Started {
                    trial: &trial,
                    planned,
                });
                let record = self.train(trial, on_event)?;
                self.spent += record.seconds;
                self.store.append(&record)?;
                record
            }
        };
        let better = record.scores.is_some()
            && self
                .best
                .is_none_or(|b| self.beats(&record, &self.records[b]));
        self.records.push(record);
        if better {
            self.best = Some(self.records.len() - 1);
        }
        // (The table after each trial trained: a long search can be looked
        // at while it runs, or after a kill.)
        if resumed.is_none() {
            self.write_table()?;
        }
        let record = self.records.last().expect("just pushed");
        on_event(TuneEvent::Finished {
            record,
            resumed: resumed.is_some(),
            best: self.best.map(|b| &self.records[b]),
        });
        Ok(true)
    }

    /// Trains one trial, saving its model as the best when it beats every
    /// earlier trial (before its record is appended, so a kill in between
    /// only runs the trial again).
    fn train(
        &mut self,
        trial: Trial,
        on_event: &mut (impl FnMut(TuneEvent) + Send),
    ) -> Result<TrialRecord, ModelError> {
        let started = Instant::now();
        let mut record = TrialRecord {
            trial,
            scores: None,
            error: None,
            seconds: 0.0,
            iterations: 0,
            best_iteration: 0,
            stop: String::new(),
        };
        // Keys each valid alone may not be together (a batch smaller than
        // a window, say): such a trial fails, and the search goes on.
        let config = match self
            .space
            .config(&record.trial.params)
            .and_then(|c| c.check())
        {
            Ok(config) => config,
            Err(e) => {
                record.error = Some(e.to_string());
                record.stop = "error".into();
                record.seconds = started.elapsed().as_secs_f64();
                return Ok(record);
            }
        };
        let scratch = self.out.join("trials").join(record.trial.trial.to_string());
        // (A link at `trials` or at the trial's folder is replaced, not
        // followed: the folder is emptied when the trial ends.)
        for own in [self.out.join("trials"), scratch.clone()] {
            quotekit_data::paths::replace_link(&own).map_err(|e| ModelError::io(&own, e))?;
        }
        let checkpoint = scratch.join("checkpoint");
        let options = TrainOptions {
            checkpoint_dir: config.model.trains_in_epochs().then(|| checkpoint.clone()),
            resume: checkpoint
                .join(crate::nn::checkpoint::FILE_NAME)
                .exists()
                .then(|| checkpoint.clone()),
            stop_after: None,
            cache_dir: Some(scratch.join("encoder-cache")),
            interrupt: self.interrupt.clone(),
        };
        let warned = &mut self.warned;
        let fitted = fit_with(&config, &options, |e| match e {
            TrainEvent::Warning(w) if !warned.insert(w.clone()) => {}
            e => on_event(TuneEvent::Train(e)),
        });
        // (Not the trial's result: its scratch folder keeps its checkpoint.)
        if let Err(ModelError::Interrupted) = fitted {
            return Err(ModelError::Interrupted);
        }
        record.seconds = started.elapsed().as_secs_f64();
        match fitted {
            Ok(fitted) => {
                let r = &fitted.header.training;
                record.iterations = r.iterations;
                record.best_iteration = r.best_iteration;
                record.stop = r.stop.clone();
                match fitted.dev.as_ref() {
                    Some(dev) => {
                        record.scores = Some(Scores::of(dev));
                        if self
                            .best
                            .is_none_or(|b| self.beats(&record, &self.records[b]))
                        {
                            self.save_best(&fitted, &config, &record)?;
                        }
                    }
                    None => {
                        record.error = Some("no dev evaluation: is the dev corpus empty?".into());
                        record.stop = "error".into();
                    }
                }
            }
            Err(e) => {
                record.error = Some(e.to_string());
                record.stop = "error".into();
            }
        }
        if scratch.exists() {
            std::fs::remove_dir_all(&scratch).map_err(|e| ModelError::io(&scratch, e))?;
            // `trials/` itself goes once empty (an error here only means
            // it is not).
            let _ = std::fs::remove_dir(self.out.join("trials"));
        }
        Ok(record)
    }

    /// True when `a` is better than `b`: a higher figure, or the same
    /// figure from a longer-trained rung.
    fn beats(&self, a: &TrialRecord, b: &TrialRecord) -> bool {
        let metric = self.space.metric;
        let (x, y) = (a.value(metric), b.value(metric));
        x > y || (x == y && a.trial.rung > b.trial.rung)
    }

    /// Trains the best trial again when `best/` or `best.toml` is missing or
    /// holds another trial (a folder changed by hand, or a kill between
    /// writing the model and recording the trial).
    fn restore_best(
        &mut self,
        on_event: &mut (impl FnMut(TuneEvent) + Send),
    ) -> Result<(), ModelError> {
        let Some(b) = self.best else {
            return Ok(());
        };
        let wanted = self.records[b].trial.trial;
        let best_dir = self.out.join("best");
        // (Regular files only, not read through links or pipes: one that is
        // no file of the search's own is no best trial.)
        let own_file = |path: &Path| quotekit_data::paths::own_file_there(path).unwrap_or(false);
        let marker = quotekit_data::paths::read_own_file(&best_dir.join(BEST_MARKER))
            .ok()
            .flatten()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        let mut lines = marker.lines();
        let kept = lines.next().and_then(|t| t.trim().parse::<usize>().ok());
        // (A marker of an earlier version names the trial only.)
        let same_weights = lines
            .next()
            .is_none_or(|hash| weights_hash(&best_dir).as_deref() == Some(hash.trim()));
        let whole = best_dir.symlink_metadata().is_ok_and(|m| m.is_dir())
            && own_file(&self.out.join("best.toml"))
            && own_file(&crate::header::model_path(&best_dir));
        if kept == Some(wanted) && same_weights && whole {
            return Ok(());
        }
        let trial = self.records[b].trial.clone();
        on_event(TuneEvent::Started {
            trial: &trial,
            planned: self.records.len(),
        });
        // Saved as the best, whatever it scores now.
        let best = self.best.take();
        let record = self.train(trial, on_event)?;
        self.best = best;
        if record.scores.is_none() {
            return Err(ModelError::Training(format!(
                "the best trial ({wanted}) did not train again: {}",
                record.error.unwrap_or_default()
            )));
        }
        Ok(())
    }

    /// Writes the trial's model to `best/` (through `best-partial/`, so that
    /// `best/` is always a whole model) and its config to `best.toml`.
    fn save_best(
        &self,
        fitted: &crate::fit::Fitted,
        config: &TrainConfig,
        record: &TrialRecord,
    ) -> Result<(), ModelError> {
        let partial = self.out.join("best-partial");
        let best = self.out.join("best");
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| ModelError::io(&partial, e))?;
        }
        std::fs::create_dir_all(&partial).map_err(|e| ModelError::io(&partial, e))?;
        save_annotator(&fitted.annotator, &fitted.header, &partial)?;
        let marker = partial.join(BEST_MARKER);
        let hash = weights_hash(&partial).unwrap_or_default();
        std::fs::write(&marker, format!("{}\n{hash}\n", record.trial.trial))
            .map_err(|e| ModelError::io(&marker, e))?;
        if let Some(dev) = &fitted.dev {
            let json = partial.join("dev-eval.json");
            std::fs::write(
                &json,
                serde_json::to_string_pretty(dev).expect("evaluations serialise"),
            )
            .map_err(|e| ModelError::io(&json, e))?;
        }
        if best.exists() {
            std::fs::remove_dir_all(&best).map_err(|e| ModelError::io(&best, e))?;
        }
        std::fs::rename(&partial, &best).map_err(|e| ModelError::io(&best, e))?;
        let metric = self.space.metric;
        // Model files leave the thread count out; the config to train keeps it.
        let fail = |e: toml::ser::Error| ModelError::config(e.to_string());
        let mut table = toml::Table::try_from(config).map_err(fail)?;
        if let Some(toml::Value::Table(t)) = table.get_mut("training") {
            t.insert("threads".into(), (config.training.threads as i64).into());
        }
        let toml = toml::to_string(&table).map_err(fail)?;
        let text = format!(
            "# The best config of the search {} (trial {}: dev {} F1 {:.4}),\n\
             # written by quotekit tune. Train it, from the folder the search ran\n\
             # in (its paths are as the search read them), with:\n\
             #   quotekit train --config OUT/best.toml   (OUT: the search's --out)\n{toml}",
            self.space.path.display(),
            record.trial.trial,
            metric.name(),
            record.value(metric)
        );
        crate::io::write_atomically(&self.out.join("best.toml"), text.as_bytes())
    }
}
