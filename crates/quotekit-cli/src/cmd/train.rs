//! `quotekit train`: train a tagger (CRF, neural or transformer) from a TOML
//! config, save it, report on dev.

use super::say;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use quotekit_infer::render::report::{check_trained_writable, write_trained, TrainingHistory};
use quotekit_model::config::{ModelKind, TrainConfig};
use quotekit_model::crf::config::{Algorithm, WarmStart};
use quotekit_model::fit_with;
use quotekit_model::nn::checkpoint::Checkpoint;
use quotekit_model::training::events::TrainEvent;
use quotekit_model::training::options::TrainOptions;
use quotekit_model::transformer::cache::default_cache_dir;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `quotekit train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training config (TOML); see configs/crf.toml for every key.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Training corpus, overriding `data.train`.
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Development corpus for early stopping and the final report, overriding `data.dev`.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Where to write the model (a directory: `model.safetensors`, `speakers.safetensors`, `report.html`, and `dev-eval.json` with a dev corpus go in it) [default: models/KIND, KIND the config's model: crf, neural or transformer].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads, overriding `training.threads` (0: all cores).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole_in::<u64>(0, quotekit_model::config::MAX_THREADS as u64))]
    pub threads: Option<u64>,
    /// Maximum iterations, overriding `training.max_iterations` (CRF).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole_in::<usize>(1, u64::MAX))]
    pub max_iterations: Option<usize>,
    /// Epochs, overriding `neural.epochs` / `transformer.epochs`.
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole_in::<usize>(1, u64::MAX))]
    pub epochs: Option<usize>,
    /// Transformer: train the head only, on encoder outputs computed once and
    /// cached in OUT/encoder-cache (sets `transformer.freeze`).
    #[arg(long)]
    pub freeze_encoder: bool,
    /// Transformer: where frozen encoder outputs are cached [default: OUT/encoder-cache].
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Transformer: start from the weights of this trained model (a model directory) instead of
    /// the pretrained encoder, with a new optimizer and schedule (sets `transformer.init`).
    #[arg(long, value_name = "MODEL")]
    pub init: Option<PathBuf>,
    /// Neural/transformer: continue from this checkpoint (a file or a checkpoint directory);
    /// the config and corpus must be the ones it was written with.
    #[arg(long, value_name = "CHECKPOINT")]
    pub resume: Option<PathBuf>,
    /// Neural/transformer: where to write the checkpoint after every epoch [default: OUT/checkpoint].
    #[arg(long)]
    pub checkpoint_dir: Option<PathBuf>,
    /// Neural/transformer: stop after this many epochs in this run (resume later with --resume).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole_in::<u64>(1, u64::MAX))]
    pub stop_after: Option<u64>,
    /// A directory of names files (`ID.tsv`) naming the corpora's speakers
    /// (repeatable), overriding `data.names`; with names, the speaker resolver
    /// is trained too and dev gets a who-said-what section.
    #[arg(long = "names", value_name = "DIR")]
    pub names: Vec<PathBuf>,
    /// CoNLL corpora: a TOML label map (`[labels]`, e.g. `Speaker = "source"`),
    /// overriding `data.label_map`.
    #[arg(long, value_name = "FILE")]
    pub label_map: Option<PathBuf>,
}

/// Refuses the flags that `kind` has no use for (a CRF trains in
/// iterations, not epochs, and has no checkpoints; only a transformer has an
/// encoder), naming them, rather than training as if they were not given.
/// What a CRF's training does before its first iteration is reported.
fn first_iteration(config: &TrainConfig) -> String {
    let t = &config.training;
    let method = match t.warm_start {
        WarmStart::Sgd => "SGD",
        WarmStart::Perceptron => "the perceptron",
        WarmStart::None => "",
    };
    if t.algorithm == Algorithm::Lbfgs && !method.is_empty() && t.warm_start_epochs > 0 {
        format!("warm start: {} epochs of {method}", t.warm_start_epochs)
    } else {
        "first iteration".into()
    }
}

fn refuse_other_kinds_flags(args: &TrainArgs, kind: ModelKind) -> anyhow::Result<()> {
    let given = [
        (
            "--max-iterations",
            args.max_iterations.is_some(),
            kind == ModelKind::Crf,
        ),
        ("--epochs", args.epochs.is_some(), kind.trains_in_epochs()),
        ("--resume", args.resume.is_some(), kind.trains_in_epochs()),
        (
            "--checkpoint-dir",
            args.checkpoint_dir.is_some(),
            kind.trains_in_epochs(),
        ),
        (
            "--stop-after",
            args.stop_after.is_some(),
            kind.trains_in_epochs(),
        ),
        (
            "--freeze-encoder",
            args.freeze_encoder,
            kind == ModelKind::Transformer,
        ),
        (
            "--cache-dir",
            args.cache_dir.is_some(),
            kind == ModelKind::Transformer,
        ),
        (
            "--init",
            args.init.is_some(),
            kind == ModelKind::Transformer,
        ),
    ];
    let unused: Vec<&str> = given
        .iter()
        .filter(|(_, set, applies)| *set && !applies)
        .map(|(flag, _, _)| *flag)
        .collect();
    if !unused.is_empty() {
        anyhow::bail!(
            "{} {} not apply to {} model = \"{}\"; leave {} out",
            unused.join(", "),
            if unused.len() == 1 { "does" } else { "do" },
            args.config.display(),
            kind.name(),
            if unused.len() == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}

/// The config `train` reads without `--config`, from the repository's root.
const DEFAULT_CONFIG: &str = "configs/crf.toml";

/// Runs `quotekit train`.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    // (The default is a path from the repository's root: run elsewhere, its
    // absence says only "No such file".)
    if args.config == Path::new(DEFAULT_CONFIG) && !args.config.exists() {
        anyhow::bail!(
            "{DEFAULT_CONFIG} (the default of --config) is not in this folder ({}): give --config FILE, or run from the repository's root (its configs/ has one config per model kind)",
            std::env::current_dir().map_or_else(|_| "?".to_string(), |d| d.display().to_string())
        );
    }
    let (mut config, deprecated) = TrainConfig::load(&args.config)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| config.model.default_out());
    for note in deprecated.iter().chain(&config.unread_sections()) {
        errln!("warning: {}: {note}", args.config.display());
    }
    refuse_other_kinds_flags(&args, config.model)?;
    if let Some(t) = args.train {
        config.data.train = t;
    }
    if let Some(d) = args.dev {
        config.data.dev = Some(d);
    }
    if let Some(n) = args.threads {
        config.training.threads = n as usize;
    }
    if !args.names.is_empty() {
        config.data.names = args.names.clone();
    }
    if let Some(map) = &args.label_map {
        config.data.label_map = Some(map.clone());
    }
    if let Some(n) = args.max_iterations {
        config.training.max_iterations = n;
    }
    if let Some(n) = args.epochs {
        config.set_epochs(n);
    }
    if args.freeze_encoder {
        config.transformer.freeze = true;
    }
    if let Some(init) = &args.init {
        config.transformer.init = Some(init.clone());
    }
    let flag = match args.label_map {
        Some(_) => "--label-map",
        None => "data.label_map",
    };
    super::warn_label_map_unused(flag, config.data.unused_label_map());
    let config = config.check()?;
    if args.cache_dir.is_some() && !config.transformer.freeze {
        errln!(
            "warning: --cache-dir is read only with a frozen encoder (--freeze-encoder, or \
             transformer.freeze = true): the encoder is fine-tuned, and nothing is cached"
        );
    }
    // The model folder: never an existing file, never a corpus read.
    quotekit_data::paths::check_output_folder(&out, &config.inputs())?;
    // (The config may lie in the model folder, but not where training writes.)
    for written in quotekit_infer::render::report::training_writes(&out) {
        quotekit_data::paths::check_output(&written, &[&args.config])?;
    }
    // The checkpoint and cache folders are outputs too, of which the config
    // is no part.
    let mut read = config.inputs();
    read.push(&args.config);
    for dir in args.checkpoint_dir.iter().chain(&args.cache_dir) {
        quotekit_data::paths::check_output_folder(dir, &read)?;
    }
    // (Before the lock makes the model folder: a failed run leaves none.)
    if let Some(missing) = config.missing_input() {
        anyhow::bail!("{missing}");
    }
    let made = quotekit_data::paths::MadeFolders::before(&out, true);
    let _lock = quotekit_infer::lock::OutputLock::folder(&out)?;
    let by_epoch = config.model.trains_in_epochs();
    // A checkpoint or cache folder given apart from the model's: a failed run
    // leaves none of the folders it made for them, and the checkpoint folder
    // is this run's alone. (A cache may be shared: its files are written
    // whole, each under its inputs' fingerprint.)
    let made_apart: Vec<_> = args
        .checkpoint_dir
        .iter()
        .chain(&args.cache_dir)
        .map(|dir| quotekit_data::paths::MadeFolders::before(dir, true))
        .collect();
    let _checkpoint_lock = match &args.checkpoint_dir {
        Some(dir)
            if quotekit_data::paths::resolved(dir) != quotekit_data::paths::resolved(&out) =>
        {
            Some(quotekit_infer::lock::OutputLock::folder(dir)?)
        }
        _ => None,
    };
    let options = TrainOptions {
        checkpoint_dir: by_epoch.then(|| {
            args.checkpoint_dir
                .clone()
                .unwrap_or_else(|| out.join("checkpoint"))
        }),
        resume: args.resume.clone(),
        stop_after: args.stop_after.map(|n| n as usize),
        interrupt: super::interrupt_on_signals()?,
        cache_dir: Some(
            args.cache_dir
                .clone()
                .unwrap_or_else(|| default_cache_dir(&out)),
        ),
    };
    // (Before training: an unfinished run's checkpoint is not written
    // over unasked, and a file that could not be replaced at the end is
    // refused now.)
    Checkpoint::refuse_unfinished(&options)?;
    check_trained_writable(&out, config.model, options.checkpoint_dir.as_deref())?;
    let frozen = config.model == ModelKind::Transformer && config.transformer.freeze;
    errln!(
        "training a {}{} on {}{}",
        config.model.describe(),
        if frozen { " (frozen encoder)" } else { "" },
        config.data.train.display(),
        config
            .data
            .dev
            .as_ref()
            .map(|d| format!(", dev {}", d.display()))
            .unwrap_or_default()
    );
    let bar = if by_epoch {
        ProgressBar::new(0)
    } else {
        ProgressBar::new(config.training.max_iterations as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(if by_epoch {
            "{spinner} [{elapsed_precise}] {prefix} {bar:30} {pos}/{len} batches  {msg}  ETA {eta}"
        } else {
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} it  {msg}  ETA {eta}"
        })
        .expect("valid template"),
    );
    bar.set_message(if by_epoch {
        "vocabulary and inputs"
    } else {
        "extracting features"
    });
    let mut last_f1: Option<f64> = None;
    let mut history = TrainingHistory::default();
    let fitted = fit_with(&config, &options, |event| {
        history.record(event);
        match event {
            TrainEvent::Prepared {
                documents,
                tokens,
                seconds,
            } => {
                say(
                    &bar,
                    format!(
                        "{documents} documents, {tokens} tokens, {} in {seconds:.1}s",
                        if by_epoch { "inputs" } else { "features" }
                    ),
                );
                if !by_epoch {
                    // (Until the first iteration: L-BFGS's warm start, when
                    // there is one, which takes a while.)
                    bar.set_message(first_iteration(&config));
                }
            }
            TrainEvent::Iteration {
                iteration,
                loss,
                dev_f1,
                ..
            } => {
                if dev_f1.is_some() {
                    last_f1 = *dev_f1;
                }
                bar.set_position(*iteration as u64);
                let f1 = last_f1
                    .map(|f| format!("  dev F1 {f:.4}"))
                    .unwrap_or_default();
                bar.set_message(format!("loss {loss:.1}{f1}"));
                if !bar.is_hidden() {
                    return;
                }
                if let Some(f) = dev_f1 {
                    errln!("iteration {iteration}: loss {loss:.1}, dev exact micro F1 {f:.4}");
                }
            }
            TrainEvent::Batch {
                epoch,
                epochs,
                batch,
                batches,
                loss,
                words_per_second,
            } => {
                if *batch == 1 {
                    bar.reset();
                    bar.set_length(*batches as u64);
                    bar.set_prefix(format!("epoch {epoch}/{epochs}"));
                }
                bar.set_position(*batch as u64);
                bar.set_message(format!("loss {loss:.2}  {words_per_second:.0} words/s"));
            }
            TrainEvent::Epoch(r) => {
                let line = format!(
                    "epoch {}/{}: loss {:.3}{}, {:.0} words/s, {:.0}s",
                    r.epoch,
                    r.epochs,
                    r.loss,
                    r.dev_f1
                        .map(|f| format!(", dev exact micro F1 {f:.4}"))
                        .unwrap_or_default(),
                    r.words_per_second,
                    r.seconds
                );
                say(&bar, line);
            }
            TrainEvent::Checkpoint(path) => {
                bar.set_message(format!("checkpoint {}", path.display()))
            }
            TrainEvent::Encoding { done, total } => {
                if *done <= 1 || bar.length() != Some(*total as u64) {
                    bar.reset();
                    bar.set_length(*total as u64);
                    bar.set_prefix("encoding");
                    bar.set_message("documents through the frozen encoder");
                }
                bar.set_position(*done as u64);
                if bar.is_hidden()
                    && (*done == *total || (*done * 10 / *total) != ((*done - 1) * 10 / *total))
                {
                    errln!("encoded {done}/{total} documents");
                }
            }
            TrainEvent::Cache(path) => say(
                &bar,
                format!("encoder outputs cached in {}", path.display()),
            ),
            TrainEvent::CacheRead(path) => say(
                &bar,
                format!(
                    "encoder outputs read from the cache {} (an earlier run's)",
                    path.display()
                ),
            ),
            TrainEvent::SpeakerEpoch {
                epoch,
                epochs,
                loss,
            } => bar.set_message(format!(
                "speaker resolver: epoch {epoch}/{epochs}, loss {loss:.3}"
            )),
            TrainEvent::Speakers(r) => say(&bar, super::speakers::speakers_line(r)),
            TrainEvent::Warning(w) => say(&bar, w.clone()),
        }
    });
    let fitted = match fitted {
        // (A signal after the last iteration, in the dev evaluation, stops
        // the run there too: no model is written.)
        Ok(_) if options.interrupt.is_set() => Err(quotekit_model::ModelError::Interrupted),
        fitted => fitted,
    };
    let fitted = match fitted {
        Ok(fitted) => fitted,
        Err(e) => {
            bar.finish_and_clear();
            // A run that fails before it writes anything (a corpus with no
            // tokens, a config training cannot use) leaves no empty model
            // folder behind (`made`, once the lock is gone): only those it
            // made, and only when empty.
            let context = match (&e, &options.checkpoint_dir) {
                (quotekit_model::ModelError::Interrupted, Some(dir))
                    if dir.join("checkpoint.safetensors").is_file() =>
                {
                    format!(
                        "training stopped, no model written; the last finished epoch's \
                         checkpoint is in {0}: resume with --resume {0}",
                        dir.display()
                    )
                }
                (quotekit_model::ModelError::Interrupted, _) => {
                    "training stopped, no model written".to_string()
                }
                _ => "training failed".to_string(),
            };
            return Err(anyhow::Error::new(e).context(context));
        }
    };
    bar.finish_and_clear();
    let report = &fitted.header.training;
    let unit = if by_epoch { "epochs" } else { "iterations" };
    errln!(
        "trained in {:.1}s ({:.1}s features + {:.1}s optimisation, {} {unit}, stop: {}; kept {} {}{})",
        report.feature_seconds + report.train_seconds,
        report.feature_seconds,
        report.train_seconds,
        report.iterations,
        report.stop,
        &unit[..unit.len() - 1],
        report.best_iteration,
        report.best_dev_f1.map(|f| format!(", dev exact micro F1 {f:.4}")).unwrap_or_default()
    );
    // Files first, standard output last: a reader that stops early (`| head`)
    // ends the process at the print (see `main`), and must not cost a file.
    let written = write_trained(&out, &fitted, &history, started)?;
    errln!("model written to {}", written.model.display());
    if let Some(json) = &written.dev_evaluation {
        errln!("dev evaluation written to {}", json.display());
    }
    errln!("training report written to {}", written.report.display());
    if let Some(dev) = &fitted.dev {
        outln!("{dev}");
    }
    made.keep();
    made_apart
        .into_iter()
        .for_each(quotekit_data::paths::MadeFolders::keep);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Before its first iteration, the bar says the warm start L-BFGS
    /// runs, when it runs one.
    #[test]
    fn the_bar_names_the_warm_start() {
        let mut config = TrainConfig::default();
        assert_eq!(first_iteration(&config), "warm start: 10 epochs of SGD");
        config.training.warm_start = WarmStart::Perceptron;
        config.training.warm_start_epochs = 3;
        assert_eq!(
            first_iteration(&config),
            "warm start: 3 epochs of the perceptron"
        );
        config.training.warm_start_epochs = 0;
        assert_eq!(first_iteration(&config), "first iteration");
        config.training.warm_start_epochs = 3;
        config.training.algorithm = Algorithm::Perceptron;
        assert_eq!(first_iteration(&config), "first iteration");
    }
}
