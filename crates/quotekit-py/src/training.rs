//! Training a model from a config, as `quotekit train` does.

use crate::errors;
use pyo3::prelude::*;
use quotekit_infer::render::report::{check_trained_writable, write_trained, TrainingHistory};
use quotekit_model::config::TrainConfig;
use quotekit_model::fit_with;
use quotekit_model::nn::checkpoint::Checkpoint;
use quotekit_model::training::events::TrainEvent;
use quotekit_model::training::options::{Interrupt, TrainOptions};
use quotekit_model::transformer::cache::default_cache_dir;
use quotekit_model::tune::TuneEvent;
use std::path::PathBuf;

/// Trains a model with the TOML config at `config` (its `data.train`,
/// `data.dev`, `data.names` and `data.label_map` overridden when given) and writes it to the
/// folder `out` (`models/KIND` when `None`, KIND the config's model), with `dev-eval.json` when there is a dev corpus and the
/// training report `report.html`. Returns the
/// dev evaluation as JSON, or `None`. The GIL is released while it trains.
#[pyfunction]
#[pyo3(signature = (config, out=None, train=None, dev=None, names=None, threads=None, label_map=None))]
#[allow(clippy::too_many_arguments)]
pub fn train(
    py: Python<'_>,
    config: PathBuf,
    out: Option<PathBuf>,
    train: Option<PathBuf>,
    dev: Option<PathBuf>,
    names: Option<Vec<PathBuf>>,
    threads: Option<usize>,
    label_map: Option<PathBuf>,
) -> PyResult<Option<String>> {
    // (A pipe would wait for a writer past Ctrl-C: refused, as `tune`'s
    // search space is, a config error.)
    if std::fs::metadata(&config).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Err(errors::ConfigError::new_err(format!(
            "{}: not a regular file (a pipe or a device); save the config to a file first",
            config.display()
        )));
    }
    let (mut cfg, _deprecated) = TrainConfig::load(&config).map_err(errors::config)?;
    let out = out.unwrap_or_else(|| cfg.model.default_out());
    let unread: Vec<String> = cfg
        .unread_sections()
        .iter()
        .map(|note| format!("{}: {note}", config.display()))
        .collect();
    if let Some(t) = train {
        cfg.data.train = t;
    }
    if let Some(d) = dev {
        cfg.data.dev = Some(d);
    }
    if let Some(n) = names {
        cfg.data.names = n;
    }
    if let Some(n) = threads {
        cfg.training.threads = n;
    }
    let label_map_key = match label_map {
        Some(_) => "label_map",
        None => "data.label_map",
    };
    if let Some(m) = label_map {
        cfg.data.label_map = Some(m);
    }
    let cfg = cfg.check().map_err(errors::model)?;
    for (key, input) in cfg.named_inputs() {
        crate::corpus::file_or_folder(input, key)?;
    }
    let inputs = cfg.inputs();
    let unused = cfg.data.unused_label_map();
    quotekit_data::paths::check_output_folder(&out, &inputs).map_err(errors::input)?;
    // (The config may lie in the model folder, but not where training writes.)
    for written in quotekit_infer::render::report::training_writes(&out) {
        quotekit_data::paths::check_output(&written, &[&config]).map_err(errors::input)?;
    }
    // (Before the lock makes the model folder: a failed run leaves none.)
    if let Some(missing) = cfg.missing_input() {
        // (The data error it would be once read.)
        return Err(errors::DataError::new_err(missing));
    }
    // (Before training: with warnings as errors, the call stops here, not
    // after the model is trained and then not saved.)
    let early: Vec<String> = unread
        .into_iter()
        .chain(unused.map(|why| format!("{label_map_key} {why}")))
        .collect();
    crate::corpus::warn_all(py, &early)?;
    let made = quotekit_data::paths::MadeFolders::before(&out, true);
    let lock = quotekit_infer::lock::OutputLock::folder(&out).map_err(errors::input)?;
    let options = TrainOptions {
        checkpoint_dir: cfg.model.trains_in_epochs().then(|| out.join("checkpoint")),
        resume: None,
        stop_after: None,
        cache_dir: Some(default_cache_dir(&out)),
        interrupt: Interrupt::default(),
    };
    // (An unfinished run's checkpoint, which `quotekit train --resume`
    // could go on from, is not written over.)
    Checkpoint::refuse_unfinished(&options).map_err(errors::model)?;
    check_trained_writable(&out, cfg.model, options.checkpoint_dir.as_deref())
        .map_err(errors::input)?;
    let started = std::time::Instant::now();
    let mut history = TrainingHistory::default();
    let mut warnings = Vec::new();
    let fitted = crate::signals::with_signals(py, &options.interrupt, || {
        fit_with(&cfg, &options, |event| {
            history.record(event);
            if let TrainEvent::Warning(w) = event {
                warnings.push(python_warning(w));
            }
        })
    })?;
    let fitted = match fitted {
        Ok(fitted) => fitted,
        // (As the CLI: the empty model folder this call made goes, `made`
        // once the lock is.)
        Err(e) => return Err(failed(py, &warnings, "training failed", e)),
    };
    write_trained(&out, &fitted, &history, started).map_err(|e| match e {
        quotekit_infer::InferError::Model(e) => errors::model(*e),
        e => errors::input(e),
    })?;
    drop(lock);
    made.keep();
    // (After the model is saved: with warnings as errors, the call raises
    // the first one, and the model trained is kept.)
    crate::corpus::warn_all(py, &warnings)?;
    fitted
        .dev
        .as_ref()
        .map(|dev| serde_json::to_string_pretty(dev).map_err(errors::input))
        .transpose()
}

/// Runs (or resumes) the hyper-parameter search `space` as `quotekit tune`
/// does, with its results in the folder `out`. Returns the search as JSON:
/// `{"stop", "best", "records"}`, `best` the number of the best trial (or
/// `null`), `records` the trials as `trials.jsonl` holds them. The GIL is
/// released while it trains.
#[pyfunction]
#[pyo3(signature = (space, out, train=None, dev=None, names=None, threads=None, trials=None, hours=None))]
#[allow(clippy::too_many_arguments)] // one per keyword argument of the Python function
pub fn tune(
    py: Python<'_>,
    space: PathBuf,
    out: PathBuf,
    train: Option<PathBuf>,
    dev: Option<PathBuf>,
    names: Option<Vec<PathBuf>>,
    threads: Option<usize>,
    trials: Option<usize>,
    hours: Option<f64>,
) -> PyResult<String> {
    use quotekit_model::tune::space::{overrides, SearchSpace, MAX_TRIALS};
    if threads.is_some_and(|n| n > quotekit_model::config::MAX_THREADS) {
        return Err(errors::input(format!(
            "threads = {}: expected 0 (all cores) to {}",
            threads.unwrap_or(0),
            quotekit_model::config::MAX_THREADS
        )));
    }
    let overrides = overrides(
        train.as_deref(),
        dev.as_deref(),
        &names.unwrap_or_default(),
        threads,
    );
    let mut search = SearchSpace::load(&space, &overrides).map_err(errors::config)?;
    match trials {
        Some(n) if !(1..=MAX_TRIALS).contains(&n) => {
            return Err(errors::input(format!(
                "trials = {n}: expected 1 to {MAX_TRIALS}"
            )))
        }
        Some(n) => search.trials = n,
        None => {}
    }
    match hours {
        Some(h) if !(h.is_finite() && h > 0.0) => {
            return Err(errors::input(format!(
                "hours = {h}: expected hours above 0"
            )))
        }
        Some(h) => search.hours = Some(h),
        None => {}
    }
    let unread: Vec<String> = search
        .unread
        .iter()
        .map(|why| format!("{}: {why}", space.display()))
        .collect();
    crate::corpus::warn_all(py, &unread)?;
    let base = search.base_config().map_err(errors::model)?;
    if let Some(why) = search.unused_label_map(&base) {
        crate::corpus::warn_all(py, &[format!("data.label_map {why}")])?;
    }
    let inputs = search.inputs(&base);
    quotekit_data::paths::check_output_folder(&out, &inputs).map_err(errors::input)?;
    for (key, input) in search.named_inputs(&base) {
        crate::corpus::file_or_folder(input, key)?;
    }
    if let Some(missing) = base.missing_input() {
        return Err(errors::DataError::new_err(missing));
    }
    let made = quotekit_data::paths::MadeFolders::before(&out, true);
    let _lock = quotekit_infer::lock::OutputLock::folder(&out).map_err(errors::input)?;
    let interrupt = Interrupt::default();
    // (Each said once by the search; given, as `train` gives them, when
    // the search fails too.)
    let mut warnings: Vec<String> = Vec::new();
    let report = crate::signals::with_signals(py, &interrupt, || {
        quotekit_model::tune::tune(&search, &out, &interrupt, |event| {
            if let TuneEvent::Train(TrainEvent::Warning(w)) = event {
                warnings.push(python_warning(w));
            }
        })
    })?;
    let report = match report {
        Ok(report) => report,
        Err(e) => return Err(failed(py, &warnings, "tuning failed", e)),
    };
    // (The search ran: its folder holds its results, kept before a warning
    // that is an error is raised, as `train` keeps its model.)
    made.keep();
    crate::corpus::warn_all(py, &warnings)?;
    let json = serde_json::json!({
        "stop": report.stop,
        "best": report.best.map(|b| report.records[b].trial.trial),
        "records": report.records,
    });
    Ok(json.to_string())
}

/// A warning of training as Python gives it: without the `warning: ` that
/// says on a terminal what a Python warning says by being one.
fn python_warning(w: &str) -> String {
    w.strip_prefix("warning: ").unwrap_or(w).to_string()
}

/// The error of a training or search that failed (`context`: which), its
/// `warnings` given first; the error is raised even where warnings are
/// errors.
fn failed(
    py: Python<'_>,
    warnings: &[String],
    context: &str,
    e: quotekit_model::ModelError,
) -> PyErr {
    let _ = crate::corpus::warn_all(py, warnings);
    errors::model_in(context, e)
}
