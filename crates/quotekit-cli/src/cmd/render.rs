//! `quotekit render`: HTML pages of predictions, with their differences
//! from gold when gold is given.

use super::CorpusOptions;
use anyhow::Context;
use clap::Args;
use quotekit_data::Format;
use quotekit_infer::render::{
    read_predictions, read_predictions_with_gold, render_corpus, RenderOptions,
};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quotekit render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Predictions, in any format quotekit writes: `predict` records
    /// (`--format jsonl`, with `--texts`), document JSONL (`--format
    /// documents`), a brat folder, or CoNLL.
    #[arg(long)]
    pub input: PathBuf,
    /// The folder to write: index.html, speakers.html and doc/N.html.
    #[arg(long)]
    pub output: PathBuf,
    /// The texts `predict` read (JSONL, a .txt or .txt.gz file or a folder of them):
    /// needed for `--format jsonl` records, which hold offsets but no text.
    #[arg(long)]
    pub texts: Option<PathBuf>,
    /// Gold annotations of the same texts: the pages show where the
    /// predictions differ from them, and the documents' scores. With gold,
    /// `--names` names gold's speakers (the predictions carry their own);
    /// without, the input's (to draw an annotated corpus with its names).
    #[arg(long)]
    pub gold: Option<PathBuf>,
    /// Documents per index page.
    #[arg(long, default_value_t = 500, allow_negative_numbers = true, value_parser = super::whole_in::<u64>(1, u64::MAX))]
    pub page_size: u64,
    /// The index's speakers with the names of one person merged across
    /// documents, as `stats --merge-names` counts them (the documents'
    /// pages keep the names they were given).
    #[arg(long)]
    pub merge_names: bool,
    #[command(flatten)]
    pub corpus_options: CorpusOptions,
}

/// Runs `quotekit render`.
pub fn run(mut args: RenderArgs) -> anyhow::Result<ExitCode> {
    let mut inputs = vec![args.input.as_path()];
    inputs.extend(args.texts.as_deref());
    inputs.extend(args.gold.as_deref());
    inputs.extend(args.corpus_options.inputs());
    quotekit_data::paths::check_output_folder(&args.output, &inputs)?;
    let made = quotekit_data::paths::MadeFolders::before(&args.output, true);
    let _lock = quotekit_infer::lock::OutputLock::folder(&args.output)?;
    let started = std::time::Instant::now();
    let corpora = std::iter::once(&args.input).chain(&args.gold);
    args.corpus_options
        .drop_unused_flags(corpora.map(|p| Format::detect(p)));
    // Names files (and the annotator) are gold's when there is gold; else
    // the input's, as `stats` reads a corpus with them.
    let pred_options = match args.gold {
        Some(_) => args.corpus_options.for_predictions(),
        None => args.corpus_options.clone(),
    };
    // (Gold is read first: `predict` records without --texts are read on
    // gold's texts.)
    let gold = match &args.gold {
        Some(path) => Some(super::load(path, None, &args.corpus_options)?),
        None => None,
    };
    let predictions = match (&args.texts, &gold) {
        (None, Some(gold)) => {
            read_predictions_with_gold(&args.input, &gold.documents, &pred_options.load_options()?)
        }
        _ => read_predictions(
            &args.input,
            args.texts.as_deref(),
            &pred_options.load_options()?,
        ),
    }
    .with_context(|| format!("reading {}", args.input.display()))?;
    super::print_problems(&predictions.warnings, &predictions.skipped);
    // (Flags this input has no use for are said, as corpus flags are.)
    if args.texts.is_some() && !predictions.records {
        errln!(
            "warning: --texts left unused: {} holds no `predict --format jsonl` record, whose \
             texts it gives (documents and brat files carry their own)",
            args.input.display()
        );
    }
    if args.gold.is_none() && !args.corpus_options.names.is_empty() && predictions.records {
        errln!(
            "warning: --names left unused: `predict --format jsonl` records carry their \
             speakers' names (--names names gold's with --gold, or an annotated corpus's)"
        );
    }
    let mut skipped = predictions.skipped.len();
    // Documents drawn as errors: predict's error records, and JSONL lines
    // that are no document or record (each gets an error page).
    let failed: Vec<(&str, &str)> = predictions
        .views
        .iter()
        .filter_map(|v| Some((v.id.as_str(), v.content.as_ref().err()?.as_str())))
        .collect();
    if let Some((id, why)) = failed.first() {
        errln!(
            "warning: {} document(s) of {} are drawn as errors (the first, {id:?}: {})",
            failed.len(),
            args.input.display(),
            quotekit_data::message::shorten(why, 300)
        );
    }
    let failed = failed.len();
    let gold = gold.map(|gold| {
        skipped += gold.skipped.len();
        gold.documents
    });
    let mut sources = vec![format!("Predictions: {}", args.input.display())];
    if let Some(g) = &args.gold {
        sources.push(format!("Gold: {}", g.display()));
    }
    if predictions.records {
        sources.push(
            "`predict --format jsonl` records hold the spans of quotes only, each as one range: \
             spans in no quote are not drawn, and the scores against gold count only these \
             (render `--format documents` output to see every span)"
                .into(),
        );
    }
    let options = RenderOptions {
        page_size: args.page_size as usize,
        sources,
        names: args.corpus_options.names.clone(),
        merge_names: args.merge_names,
    };
    let done = render_corpus(predictions.views, gold.as_deref(), &args.output, &options)
        .with_context(|| match &args.gold {
            Some(g) => format!(
                "rendering {} with the gold {}",
                args.input.display(),
                g.display()
            ),
            None => format!("rendering {}", args.input.display()),
        })?;
    if let Some(g) = &args.gold {
        if done.paired == 0 {
            errln!(
                "warning: no predicted document has the id of a document of {}: nothing is compared",
                g.display()
            );
        }
    }
    errln!(
        "rendered {} documents ({} with an error or note) into {} files in {:.2}s: open {}",
        done.documents,
        done.notes,
        done.pages,
        started.elapsed().as_secs_f64(),
        args.output.join("index.html").display()
    );
    made.keep();
    Ok(super::exit_code(skipped + failed > 0))
}
