//! `quotekit train-speakers`: train the speaker resolver on a corpus whose
//! Source spans are named, and put it in a model directory (or any file).

use super::CorpusOptions;
use anyhow::Context;
use clap::Args;
use quotekit_data::names::names_file;
use quotekit_data::Tokenizer;
use quotekit_model::speakers::accuracy::gold_accuracy;
use quotekit_model::speakers::file::{is_resolver_file, FILE_NAME};
use quotekit_model::speakers::{train_resolver, ResolverConfig};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quotekit train-speakers`.
#[derive(Debug, Args)]
pub struct TrainSpeakersArgs {
    /// Training corpus; its documents with a names file (see `--names`) are used.
    #[arg(long)]
    pub train: PathBuf,
    /// A corpus to report resolution accuracy on (gold spans), named by the same `--names`.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Where to write the resolver: a model directory (it becomes
    /// DIR/speakers.safetensors) or a `.safetensors` file.
    #[arg(long)]
    pub out: PathBuf,
    /// Passes over the data.
    #[arg(long, default_value_t = ResolverConfig::default().epochs)]
    pub epochs: usize,
    /// AdaGrad learning rate.
    #[arg(long, default_value_t = ResolverConfig::default().learning_rate)]
    pub learning_rate: f32,
    /// Hash bits of the weight table.
    #[arg(long, default_value_t = ResolverConfig::default().bits)]
    pub bits: u32,
    /// Seed of the document order.
    #[arg(long, default_value_t = ResolverConfig::default().seed)]
    pub seed: u64,
    #[command(flatten)]
    pub corpus_options: CorpusOptions,
}

/// Runs `quotekit train-speakers`.
pub fn run(args: TrainSpeakersArgs) -> anyhow::Result<ExitCode> {
    let names = &args.corpus_options.names;
    if names.is_empty() {
        anyhow::bail!(
            "the resolver learns from named Source spans: give the names with --names DIR"
        );
    }
    let config = ResolverConfig {
        bits: args.bits,
        epochs: args.epochs,
        learning_rate: args.learning_rate,
        seed: args.seed,
    };
    config.validate().map_err(anyhow::Error::msg)?;
    let skipped = std::cell::Cell::new(0);
    let named = |path: &PathBuf| -> anyhow::Result<Vec<_>> {
        let report = super::load(path, None, &args.corpus_options)?;
        skipped.set(skipped.get() + report.skipped.len());
        let docs = report.documents;
        Ok(docs
            .into_iter()
            .filter(|d| names_file(names, &d.id).is_some())
            .collect())
    };
    // (The output is checked before the epochs run, not after.)
    let mut inputs = vec![args.train.as_path()];
    inputs.extend(args.corpus_options.inputs());
    inputs.extend(args.dev.as_deref());
    quotekit_data::paths::check_output(&args.out, &inputs)?;
    let to_file = args.out.extension().is_some_and(|e| e == "safetensors");
    if to_file {
        // A model's weights file is no place for a resolver: it would be
        // written over and the model lost.
        if args.out.exists() && !is_resolver_file(&args.out) {
            anyhow::bail!(
                "{} exists and is not a speaker resolver file (a model's weights?); \
                 give the model directory instead (the resolver is written as DIR/{FILE_NAME}) \
                 or a new .safetensors file",
                args.out.display()
            );
        }
    } else {
        quotekit_data::paths::check_output_folder(&args.out)?;
    }
    // The output is taken before the corpus is read and the epochs run: a
    // second run writing it is refused at once, and a failed run leaves
    // none of the folders it made.
    let made = quotekit_data::paths::MadeFolders::before(&args.out, !to_file);
    // The resolver file has one lock, whether the folder or the file in it
    // is named; a model folder's own lock (which `train` takes) is taken too.
    let path = if to_file {
        args.out.clone()
    } else {
        args.out.join(FILE_NAME)
    };
    // (Where the file is, however it is named: a link to a model's
    // resolver is that model's.)
    let place = quotekit_data::paths::resolved(&path);
    let folder = match place.parent() {
        Some(p) if p.as_os_str().is_empty() => std::path::Path::new("."),
        Some(p) => p,
        None => std::path::Path::new("/"),
    };
    let _folder_lock = if place.file_name().is_some_and(|n| n == FILE_NAME) {
        Some(quotekit_infer::lock::OutputLock::folder(folder)?)
    } else {
        None
    };
    let _lock = quotekit_infer::lock::OutputLock::file(&path)?;
    let train = named(&args.train)?;
    let dev = args.dev.as_ref().map(named).transpose()?;
    let tokenizer = Tokenizer::new();
    let (resolver, report) = train_resolver(&train, &tokenizer, &config, |epoch, loss| {
        eprintln!("epoch {epoch}/{}: loss {loss:.4}", config.epochs);
    })?;
    eprintln!("{}", super::train::speakers_line(&report));
    if !to_file {
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?;
    }
    resolver.save(&path)?;
    made.keep();
    eprintln!("speaker resolver written to {}", path.display());
    if let Some(dev) = &dev {
        let (accuracy, _) = gold_accuracy(&resolver, &tokenizer, dev);
        print!("{accuracy}");
    }
    Ok(super::exit_code(skipped.get() > 0))
}
