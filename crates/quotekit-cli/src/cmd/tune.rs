//! `quotekit tune`: search a config's keys for the best dev score (grid,
//! random or successive halving), resumable after a kill.

use super::say;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use quotekit_model::training::events::TrainEvent;
use quotekit_model::tune::plan::planned;
use quotekit_model::tune::results::{value_text, TrialRecord};
use quotekit_model::tune::space::{overrides, Method, Metric, SearchSpace};
use quotekit_model::tune::{tune, TuneEvent};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quotekit tune`.
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The search space (TOML): the base config, the method, the budget and
    /// the keys to vary; see configs/tune-crf.toml.
    #[arg(long)]
    pub space: PathBuf,
    /// Where the results go: trials.jsonl, trials.tsv, search.json (what the
    /// search is, to resume it), best.toml and the best model in best/.
    /// Running again with the same folder resumes the search.
    #[arg(long, default_value = "models/tune")]
    pub out: PathBuf,
    /// Training corpus, overriding the base config's `data.train`.
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Development corpus every trial is scored on, overriding `data.dev`.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Names folders (repeatable), overriding `data.names`.
    #[arg(long = "names", value_name = "DIR")]
    pub names: Vec<PathBuf>,
    /// Worker threads of each trial, overriding `training.threads` (0: all cores).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole_in::<u64>(0, quotekit_model::config::MAX_THREADS as u64))]
    pub threads: Option<u64>,
    /// Training runs at most, overriding the space's `trials` (a resumed
    /// random search may be given more).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole_in::<u64>(1, quotekit_model::tune::space::MAX_TRIALS as u64))]
    pub trials: Option<u64>,
    /// Training hours at most (over resumed runs too), overriding the space's `hours`.
    #[arg(long, allow_negative_numbers = true, value_parser = positive_hours)]
    pub hours: Option<f64>,
}

fn positive_hours(s: &str) -> Result<f64, String> {
    let h = super::finite_f64(s)?;
    if h > 0.0 {
        Ok(h)
    } else {
        Err(format!("{s}: expected hours above 0"))
    }
}

/// Runs `quotekit tune`.
pub fn run(args: TuneArgs) -> anyhow::Result<ExitCode> {
    let overrides = overrides(
        args.train.as_deref(),
        args.dev.as_deref(),
        &args.names,
        args.threads.map(|n| n as usize),
    );
    let mut space = SearchSpace::load(&args.space, &overrides)?;
    if let Some(n) = args.trials {
        space.trials = n as usize;
    }
    if let Some(h) = args.hours {
        space.hours = Some(h);
    }
    for why in &space.unread {
        errln!("warning: {}: {why}", args.space.display());
    }
    let base = space.base_config()?;
    super::warn_label_map_unused("data.label_map", space.unused_label_map(&base));
    quotekit_data::paths::check_output_folder(&args.out, &space.inputs(&base))?;
    // (Before the first trial: a mistyped corpus would fail every trial, and
    // the failed trials stay in the results.)
    if let Some(missing) = base.missing_input() {
        anyhow::bail!("{missing}");
    }
    let made = quotekit_data::paths::MadeFolders::before(&args.out, true);
    let _lock = quotekit_infer::lock::OutputLock::folder(&args.out)?;
    // (A grid smaller than the budget is all there is to train; the rungs
    // of successive halving may plan fewer than the budget, said so.)
    let trials = planned(&space, &base);
    let trials = match space.method {
        Method::Halving if trials < space.trials => format!(
            "{trials} trials (the rungs that fit in a budget of {})",
            space.trials
        ),
        _ => format!("{trials} trials"),
    };
    errln!(
        "tuning a {} ({} search, {}{}, dev {} F1) on {}, results in {}",
        base.model.describe(),
        format!("{:?}", space.method).to_lowercase(),
        trials,
        space
            .hours
            .map(|h| format!(" or {h} hours"))
            .unwrap_or_default(),
        space.metric.name(),
        // (The base's corpus is not trained on where the space searches it.)
        if space.keys.iter().any(|(k, _)| k == "data.train") {
            "the corpora of the space's data.train".to_string()
        } else {
            base.data.train.display().to_string()
        },
        args.out.display()
    );
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] trial {pos}/{len} {bar:20}  {msg}",
        )
        .expect("valid template"),
    );
    let metric = space.metric;
    let interrupt = super::interrupt_on_signals()?;
    let report = tune(&space, &args.out, &interrupt, |event| match event {
        TuneEvent::Resumed(done) => say(
            &bar,
            format!(
                "resuming: {} trial(s) finished by an earlier run are read from {}",
                done.len(),
                args.out.join("trials.jsonl").display()
            ),
        ),
        TuneEvent::Started { trial, planned } => {
            bar.set_length(planned as u64);
            bar.set_position(trial.trial as u64 - 1);
            bar.set_message(format!("{}: starting", params_text(&trial.params)));
        }
        TuneEvent::Train(e) => match e {
            TrainEvent::Iteration {
                iteration, loss, ..
            } => bar.set_message(format!("iteration {iteration}, loss {loss:.1}")),
            TrainEvent::Epoch(r) => bar.set_message(format!(
                "epoch {}/{}, loss {:.3}",
                r.epoch, r.epochs, r.loss
            )),
            TrainEvent::Warning(w) => say(&bar, w.clone()),
            _ => {}
        },
        TuneEvent::Finished {
            record,
            resumed,
            best,
        } => {
            bar.set_position(record.trial.trial as u64);
            let line = trial_line(record, best, metric);
            say(
                &bar,
                if resumed {
                    format!("{line} (earlier run)")
                } else {
                    line
                },
            );
        }
    })
    .map_err(|e| {
        let context = if matches!(e, quotekit_model::ModelError::Interrupted) {
            format!(
                "the search stopped; its finished trials are in {}: the same command resumes it",
                args.out.join("trials.jsonl").display()
            )
        } else {
            "tuning failed".to_string()
        };
        anyhow::Error::new(e).context(context)
    })?;
    // (The search ran: its folder holds its results, even of no trial.)
    made.keep();
    bar.finish_and_clear();
    let failed = report.records.iter().filter(|r| r.error.is_some()).count();
    errln!(
        "{} trials ({} failed), stopped on {}; results in {}",
        report.records.len(),
        failed,
        match report.stop.as_str() {
            "hours" => "the hours budget",
            "grid" => "the end of the grid",
            _ => "the trials budget",
        },
        report.table.display()
    );
    let mut ranked: Vec<&TrialRecord> = report
        .records
        .iter()
        .filter(|r| r.scores.is_some())
        .collect();
    // As the search chose its best: a tie goes to the longer-trained rung,
    // then to the earlier trial (the sort is stable).
    ranked.sort_by(|a, b| {
        b.value(metric)
            .total_cmp(&a.value(metric))
            .then(b.trial.rung.cmp(&a.trial.rung))
    });
    if ranked.is_empty() {
        errln!(
            "no trial trained; see the errors in {}",
            report.table.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    // (`score` is the metric searched: a column of its own would repeat
    // `exact` or `attribution` under the same name.)
    outln!("the best trials by dev {}:", metric.name());
    outln!(
        "{:>5}  {:>7}  {:>7}  {:>11}  {:>7}  params",
        "trial",
        "score",
        "exact",
        "attribution",
        "seconds"
    );
    for r in ranked.iter().take(5) {
        let s = r.scores.expect("ranked trials have scores");
        outln!(
            "{:>5}  {:>7.4}  {:>7.4}  {:>11.4}  {:>7.0}  {}",
            r.trial.trial,
            s.get(metric),
            s.exact,
            s.attribution,
            r.seconds,
            params_text(&r.trial.params)
        );
    }
    if let (Some(config), Some(model)) = (&report.best_config, &report.best_model) {
        errln!(
            "best config written to {}, its model to {}",
            config.display(),
            model.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `key=value` pairs, the base config as `base`.
fn params_text(params: &quotekit_model::tune::plan::Params) -> String {
    if params.is_empty() {
        return "base config".into();
    }
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", value_text(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line on a finished trial and the best so far.
fn trial_line(record: &TrialRecord, best: Option<&TrialRecord>, metric: Metric) -> String {
    let what = match (&record.scores, &record.error) {
        (Some(s), _) => format!(
            "dev {} {:.4} (exact {:.4}, attribution {:.4}) in {:.0}s",
            metric.name(),
            s.get(metric),
            s.exact,
            s.attribution,
            record.seconds
        ),
        (None, error) => format!("failed: {}", error.as_deref().unwrap_or("unknown error")),
    };
    let best = best
        .map(|b| format!("; best: trial {} ({:.4})", b.trial.trial, b.value(metric)))
        .unwrap_or_default();
    format!(
        "trial {} [{}]: {what}{best}",
        record.trial.trial,
        params_text(&record.trial.params)
    )
}
