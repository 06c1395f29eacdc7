//! `quotekit train`: train a tagger from a TOML config, save it, report on dev.

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use quotekit_model::config::CrfConfig;
use quotekit_model::train::TrainEvent;
use quotekit_model::{fit, save_model};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quotekit train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training config (TOML); see configs/crf.toml for every key.
    #[arg(long, default_value = "configs/crf.toml")]
    pub config: PathBuf,
    /// Training corpus, overriding `data.train`.
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Development corpus for early stopping and the final report, overriding `data.dev`.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Where to write the model (a directory; `model.safetensors` and `dev-eval.json` go in it).
    #[arg(long, default_value = "models/crf")]
    pub out: PathBuf,
    /// Worker threads, overriding `training.threads` (0: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Maximum iterations, overriding `training.max_iterations`.
    #[arg(long)]
    pub max_iterations: Option<usize>,
}

/// Runs `quotekit train`.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let mut config = CrfConfig::from_file(&args.config)?;
    if let Some(t) = args.train {
        config.data.train = t;
    }
    if let Some(d) = args.dev {
        config.data.dev = Some(d);
    }
    if let Some(n) = args.threads {
        config.training.threads = n;
    }
    if let Some(n) = args.max_iterations {
        config.training.max_iterations = n;
    }
    config.validate()?;
    eprintln!(
        "training a CRF on {}{}",
        config.data.train.display(),
        config
            .data
            .dev
            .as_ref()
            .map(|d| format!(", dev {}", d.display()))
            .unwrap_or_default()
    );
    let bar = ProgressBar::new(config.training.max_iterations as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} it  {msg}  ETA {eta}",
        )
        .expect("valid template"),
    );
    bar.set_message("extracting features");
    let mut last_f1: Option<f64> = None;
    let fitted = fit(&config, |event| match event {
        TrainEvent::Prepared {
            documents,
            tokens,
            seconds,
        } => {
            bar.println(format!(
                "{documents} documents, {tokens} tokens, features in {seconds:.1}s"
            ));
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
                eprintln!("iteration {iteration}: loss {loss:.1}, dev exact micro F1 {f:.4}");
            }
        }
    })
    .context("training failed")?;
    bar.finish_and_clear();
    let report = &fitted.header.training;
    eprintln!(
        "trained in {:.1}s ({:.1}s features + {:.1}s optimisation, {} iterations, stop: {}; kept iteration {}{})",
        report.feature_seconds + report.train_seconds,
        report.feature_seconds,
        report.train_seconds,
        report.iterations,
        report.stop,
        report.best_iteration,
        report.best_dev_f1.map(|f| format!(", dev exact micro F1 {f:.4}")).unwrap_or_default()
    );
    let path = save_model(&fitted.annotator.model, &fitted.header, &args.out)?;
    eprintln!("model written to {}", path.display());
    if let Some(dev) = &fitted.dev {
        println!("{dev}");
        let json = args.out.join("dev-eval.json");
        std::fs::write(&json, serde_json::to_string_pretty(dev)?)
            .with_context(|| format!("writing {}", json.display()))?;
        eprintln!("dev evaluation written to {}", json.display());
    }
    Ok(ExitCode::SUCCESS)
}
