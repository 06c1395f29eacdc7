//! `quotekit eval`: score predicted annotations against gold ones.

use super::CorpusOptions;
use anyhow::Context;
use clap::Args;
use quotekit_data::{Format, Tokenizer};
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
    let pred = super::load(
        &args.pred,
        Some(Format::detect(&args.pred)),
        &args.corpus_options,
    )?
    .documents;
    let evaluation = evaluate(&gold, &pred, &Tokenizer::new());
    println!("{evaluation}");
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&evaluation)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
