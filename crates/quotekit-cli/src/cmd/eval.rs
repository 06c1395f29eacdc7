//! `quotekit eval`: score predicted annotations against gold ones.

use super::CorpusOptions;
use anyhow::Context;
use clap::Args;
use quotekit_data::names::names_file;
use quotekit_data::{Format, Tokenizer};
use quotekit_model::eval::speakers::who_said_what;
use quotekit_model::evaluate;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quotekit eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold corpus (brat directory, .jsonl or .conll).
    #[arg(long)]
    pub gold: PathBuf,
    /// Predicted corpus, as written by `quotekit predict`; documents are paired by id.
    /// With `--names` (the gold speakers' names), a who-said-what section scores
    /// the predicted speakers' canonical names.
    #[arg(long)]
    pub pred: PathBuf,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub corpus_options: CorpusOptions,
}

/// Runs `quotekit eval`.
pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let gold = super::load(&args.gold, None, &args.corpus_options)?.documents;
    // Names files are gold: the predictions' names are their own.
    let pred_options = CorpusOptions {
        names: Vec::new(),
        ..args.corpus_options.clone()
    };
    let pred = super::load(&args.pred, Some(Format::detect(&args.pred)), &pred_options)?.documents;
    let mut evaluation = evaluate(&gold, &pred, &Tokenizer::new());
    let names = &args.corpus_options.names;
    if !names.is_empty() {
        evaluation.speakers = Some(who_said_what(&gold, &pred, |d| {
            names_file(names, &d.id).is_some()
        }));
    }
    println!("{evaluation}");
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&evaluation)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
