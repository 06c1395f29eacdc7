//! `quotekit train-speakers`: train the speaker resolver on a corpus whose
//! Source spans are named, and put it in a model directory (or any file).

use super::CorpusOptions;
use clap::Args;
use quotekit_data::names::is_named;
use quotekit_data::Format;
use quotekit_data::Tokenizer;
use quotekit_model::speakers::accuracy::gold_accuracy;
use quotekit_model::speakers::file::{is_resolver_file, FILE_NAME};
use quotekit_model::speakers::train::BITS;
use quotekit_model::speakers::{train_resolver, ResolverConfig, ResolverReport};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `quotekit train-speakers`.
#[derive(Debug, Args)]
pub struct TrainSpeakersArgs {
    /// Training corpus; its documents whose speakers are named are used: those
    /// with a names file (see `--names`), or with names on their Source spans
    /// (JSONL `name`, brat `speaker:` notes, as `convert --names` writes them).
    #[arg(long)]
    pub train: PathBuf,
    /// A corpus to report resolution accuracy on (gold spans), named by the same
    /// `--names` or on its spans.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Where to write the resolver: a model directory that `train` wrote (it
    /// becomes DIR/speakers.safetensors) or a `.safetensors` file.
    #[arg(long)]
    pub out: PathBuf,
    /// Passes over the data.
    #[arg(long, default_value_t = ResolverConfig::default().epochs, allow_negative_numbers = true, value_parser = super::whole_in::<usize>(1, quotekit_model::speakers::train::MAX_EPOCHS as u64))]
    pub epochs: usize,
    /// AdaGrad learning rate.
    #[arg(long, default_value_t = ResolverConfig::default().learning_rate, value_parser = super::finite_f32, allow_negative_numbers = true)]
    pub learning_rate: f32,
    /// Hash bits of the weight table.
    #[arg(long, default_value_t = ResolverConfig::default().bits, allow_negative_numbers = true, value_parser = super::whole_in::<u32>(*BITS.start() as u64, *BITS.end() as u64))]
    pub bits: u32,
    /// Seed of the document order.
    #[arg(long, default_value_t = ResolverConfig::default().seed, allow_negative_numbers = true, value_parser = super::whole_in::<u64>(0, u64::MAX))]
    pub seed: u64,
    #[command(flatten)]
    pub corpus_options: CorpusOptions,
}

/// Runs `quotekit train-speakers`.
pub fn run(mut args: TrainSpeakersArgs) -> anyhow::Result<ExitCode> {
    let config = ResolverConfig {
        bits: args.bits,
        epochs: args.epochs,
        learning_rate: args.learning_rate,
        seed: args.seed,
    };
    // (Named by the flag typed, not the config key it sets.)
    if let Err(e) = config.validate() {
        return Err(super::usage(format!(
            "--{} {}: expected {}",
            e.key.replace('_', "-"),
            e.value,
            e.expected
        )));
    }
    let corpora = std::iter::once(&args.train).chain(&args.dev);
    args.corpus_options
        .drop_unused_flags(corpora.map(|p| Format::detect(p)));
    let names = &args.corpus_options.names;
    let skipped = std::cell::Cell::new(0);
    let named = |path: &PathBuf| -> anyhow::Result<Vec<_>> {
        let report = super::load(path, None, &args.corpus_options)?;
        skipped.set(skipped.get() + report.skipped.len());
        let docs = report.documents;
        Ok(docs.into_iter().filter(|d| is_named(d, names)).collect())
    };
    // (The output is checked before the epochs run, not after.)
    let mut inputs = vec![args.train.as_path()];
    inputs.extend(args.corpus_options.inputs());
    inputs.extend(args.dev.as_deref());
    let to_file = args.out.extension().is_some_and(|e| e == "safetensors");
    if to_file {
        quotekit_data::paths::check_output_file(&args.out, &inputs)?;
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
        quotekit_data::paths::check_output_folder(&args.out, &inputs)?;
    }
    // The model directory the resolver goes into: the folder given, or
    // the folder of a file named as a model's resolver is (a resolver
    // alone is written under any other name).
    let model_dir = if !to_file {
        Some(args.out.clone())
    } else if args.out.file_name().is_some_and(|n| n == FILE_NAME) {
        Some(match args.out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        })
    } else {
        None
    };
    let existed = model_dir.as_ref().is_some_and(|d| d.is_dir());
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
    if let Some(dir) = &model_dir {
        model_folder(dir, existed, &path)?;
    }
    let train = named(&args.train)?;
    if train.is_empty() && names.is_empty() {
        anyhow::bail!(
            "the resolver learns from named Source spans, and no document of {} names its \
             speakers: {}",
            args.train.display(),
            super::how_to_name(&args.train)
        );
    }
    let dev = args.dev.as_ref().map(named).transpose()?;
    // (As `eval --model` refuses it: there would be nothing to score.)
    if let (Some(path), Some(dev)) = (&args.dev, &dev) {
        if dev.is_empty() {
            anyhow::bail!(
                "--dev: the resolver is scored on named Source spans, and no document of {} \
                 names its speakers: {}",
                path.display(),
                super::how_to_name(path)
            );
        }
    }
    let tokenizer = Tokenizer::new();
    let interrupt = super::interrupt_on_signals()?;
    let trained = train_resolver(&train, &tokenizer, &config, &interrupt, |epoch, loss| {
        errln!("epoch {epoch}/{}: loss {loss:.4}", config.epochs);
    });
    let (resolver, report) = match trained {
        Err(quotekit_model::ModelError::Interrupted) => {
            return Err(super::stopped("training stopped, nothing written"))
        }
        trained => trained?,
    };
    errln!("{}", speakers_line(&report));
    if let Some(warning) = report.warning() {
        errln!("warning: {warning}");
    }
    resolver.save(&path)?;
    made.keep();
    errln!("speaker resolver written to {}", path.display());
    if let Some(dev) = &dev {
        let (accuracy, _) = gold_accuracy(&resolver, &tokenizer, dev);
        out!("{accuracy}");
    }
    Ok(super::exit_code(skipped.get() > 0))
}

/// Refuses a folder output `out` that is not a model directory (nor an
/// ensemble's, which may hold a resolver of its own), or whose
/// resolver file `path` cannot be written (a folder in its place): the
/// resolver goes into a model that `train` wrote (a mistyped path would
/// make a folder holding a resolver alone, and leave the model its old one).
/// (After the locks: no `train` writes the model while it is looked at.)
fn model_folder(out: &Path, existed: bool, path: &Path) -> anyhow::Result<()> {
    let ensemble = quotekit_model::ensemble::file::EnsembleFile::is_ensemble(out);
    // (Weights there that are no model's: a folder, a pipe, a link to
    // nothing, or a file of another kind, are said to be so.)
    let weights = out.join(quotekit_model::header::FILE_NAME);
    if !ensemble && weights.symlink_metadata().is_ok() {
        if !weights.is_file() {
            anyhow::bail!(
                "{}: not a regular file (a folder, a pipe, a device or a link to nothing), where \
                 a model's weights are; give the folder of a model that `quotekit train` wrote",
                weights.display()
            );
        }
        let format = quotekit_model::speakers::file::quotekit_format(&weights);
        if format
            .and_then(|f| quotekit_model::header::kind_of_format(&f))
            .is_none()
        {
            anyhow::bail!(
                "{}: not a quotekit model's weights; give the folder of a model that \
                 `quotekit train` wrote",
                weights.display()
            );
        }
    }
    if !weights.is_file() && !ensemble {
        let why = if existed {
            format!(
                "it has no {} or {}",
                quotekit_model::header::FILE_NAME,
                quotekit_model::ensemble::file::ENSEMBLE_FILE
            )
        } else {
            "it does not exist".to_string()
        };
        anyhow::bail!(
            "{} is not a model directory ({why}): train-speakers puts the resolver into a model \
             that `quotekit train` wrote; give that directory, or a new FILE.safetensors to \
             write the resolver alone",
            out.display()
        );
    }
    if quotekit_data::paths::resolved(path).is_dir() {
        anyhow::bail!(
            "{} is a folder: the resolver is written there as a file; move the folder away",
            path.display()
        );
    }
    Ok(())
}

/// One line on a trained speaker resolver.
pub fn speakers_line(r: &ResolverReport) -> String {
    let mut line = format!(
        "speaker resolver: learned from {} named Source spans of {} documents ({} of the spans named no one), final loss {:.3}",
        r.sources,
        r.documents,
        r.no_one,
        r.losses.last().copied().unwrap_or(f64::NAN)
    );
    if r.unreachable > 0 {
        line.push_str(&format!(
            "; {} more left out: no person or organization found in their document has their name",
            r.unreachable
        ));
    }
    line
}
