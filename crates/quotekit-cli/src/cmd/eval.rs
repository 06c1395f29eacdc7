//! `quotekit eval`: score predicted annotations against gold ones.

use super::CorpusOptions;
use anyhow::Context;
use clap::Args;
use quotekit_data::names::is_named;
use quotekit_data::paths::is_standard_output;
use quotekit_data::Tokenizer;
use quotekit_data::{Document, Format};
use quotekit_infer::render::read::{records_as_documents, records_note};
use quotekit_infer::render::report::evaluation_report;
use quotekit_model::eval::linking::score_linker;
use quotekit_model::eval::notes::{empty_names, names_no_one, names_unscored, unnamed_documents};
use quotekit_model::eval::{check_any_paired, check_gold, evaluate_checked};
use quotekit_model::load_annotator;
use quotekit_model::speakers::accuracy::gold_accuracy;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `quotekit eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Gold corpus (brat directory, .jsonl or .conll).
    #[arg(long)]
    pub gold: PathBuf,
    /// Predicted corpus, as written by `quotekit predict`; documents are paired by id.
    /// When gold names its speakers (`--names`, or names on its Source spans),
    /// a who-said-what section scores the predicted speakers' canonical names:
    /// the names the predictions carry (`predict` writes them; `--names`
    /// names gold's speakers only).
    #[arg(long)]
    pub pred: Option<PathBuf>,
    /// Score the rule linker on its own: the gold spans, as a perfect tagger
    /// would give them, linked into attributions and scored against gold
    /// (the attribution line then shows what linking loses; in place of `--pred`).
    #[arg(long, conflicts_with = "pred")]
    pub link_gold: bool,
    /// A model directory whose speaker resolver is run on the gold Source
    /// spans (needs gold names: `--names`, or on the spans): resolution accuracy with tagging errors left
    /// out, by kind of mention. `--pred` may then be left out.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Also write the figures as JSON to this file (`-`: standard output,
    /// and the table goes to standard error). This and --errors and --html
    /// write gzip to a file whose name ends in .gz.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// With --model: write every gold Source span the resolver named wrong
    /// to this file (JSONL: document, the span's id (brat's `T12`), text,
    /// offsets, kind, gold and predicted name as they are compared (lower
    /// case, without `the`, a possessive, titles in front, middle initials and
    /// most punctuation), and `unreachable`: whether no entity of the
    /// document has the gold name), for error analysis (`-`: standard
    /// output).
    #[arg(long, value_name = "FILE", requires = "model")]
    pub errors: Option<PathBuf>,
    /// Also write the evaluation as an HTML page to this file: the tables,
    /// and the token-tag confusion matrix as a heat map (needs --pred or
    /// --link-gold; `-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub corpus_options: CorpusOptions,
}

/// Runs `quotekit eval`.
pub fn run(mut args: EvalArgs) -> anyhow::Result<ExitCode> {
    let mut inputs = vec![args.gold.as_path()];
    inputs.extend(args.pred.as_deref());
    inputs.extend(args.corpus_options.inputs());
    let model_files = args
        .model
        .as_deref()
        .map(quotekit_model::model_file::model_files)
        .unwrap_or_default();
    inputs.extend(model_files.iter().map(|p| p.as_path()));
    let all_outputs = || args.json.iter().chain(&args.html).chain(&args.errors);
    // `-` is standard output, which then carries that output alone.
    let to_stdout = all_outputs().filter(|p| is_standard_output(p)).count();
    if to_stdout > 1 {
        return Err(super::usage(
            "only one of --json, --html and --errors can be standard output (`-`, /dev/stdout)",
        ));
    }
    let outputs: Vec<&PathBuf> = all_outputs().filter(|p| !is_standard_output(p)).collect();
    // (Compared where they are: `./a.json`, or a link to it, is `a.json`.)
    let places: Vec<PathBuf> = outputs
        .iter()
        .map(|p| quotekit_data::paths::resolved(p))
        .collect();
    if (1..places.len()).any(|k| places[..k].contains(&places[k])) {
        return Err(super::usage(
            "--json, --html and --errors must name different files",
        ));
    }
    if args.html.is_some() && args.pred.is_none() && !args.link_gold {
        return Err(super::usage(
            "--html draws the scores of predictions: give them with --pred, or score the gold spans linked with --link-gold",
        ));
    }
    if args.pred.is_none() && args.model.is_none() && !args.link_gold {
        return Err(super::usage(
            "give --pred (predictions to score), --link-gold (the linker on gold spans), or --model (the resolver on gold spans, with gold names)",
        ));
    }
    if to_stdout > 0 {
        super::check_standard_output(&inputs)?;
    }
    // (Each checked before its lock makes its folder; the last first, as a
    // vector drops its items from the first, so that a folder an earlier
    // one made is empty by the time it is removed.)
    let mut made = std::collections::VecDeque::new();
    let mut _locks = Vec::new();
    for path in &outputs {
        quotekit_data::paths::check_output_file(path, &inputs)?;
        made.push_front(quotekit_data::paths::MadeFolders::before(path, false));
        _locks.push(quotekit_infer::lock::OutputLock::file(path)?);
    }
    let corpora = std::iter::once(&args.gold).chain(&args.pred);
    args.corpus_options
        .drop_unused_flags(corpora.map(|p| Format::detect(p)));
    let names = &args.corpus_options.names;
    let gold = super::load(&args.gold, None, &args.corpus_options)?;
    let gold_skipped = gold.skipped.len();
    let mut skipped = gold_skipped;
    let gold = gold.documents;
    check_gold(&gold, gold_skipped)
        .map_err(|why| anyhow::anyhow!("cannot score against {}: {why}", args.gold.display()))?;
    if let Some(note) = empty_names(&gold) {
        errln!("note: {note}");
    }
    // What goes to standard output (`-`), printed last.
    let mut stdout_text = String::new();
    let resolution = match &args.model {
        Some(dir) => {
            // (Checked before the model, which may be large, is loaded.)
            let (named, unnamed): (Vec<&Document>, Vec<&Document>) =
                gold.iter().partition(|d| is_named(d, names));
            let named: Vec<Document> = named.into_iter().cloned().collect();
            if named.is_empty() {
                anyhow::bail!(
                    "--model scores speaker resolution on gold spans, and no document of {} \
                     names its speakers: {}",
                    args.gold.display(),
                    super::how_to_name(&args.gold)
                );
            }
            if let Some(note) = unnamed_documents(&unnamed, gold.len()) {
                errln!("note: {note}");
            }
            let (annotator, _) =
                load_annotator(dir).with_context(|| format!("loading model {}", dir.display()))?;
            if annotator.resolver_file.is_none() {
                errln!(
                    "note: {} has no {}: the built-in resolver is scored",
                    dir.display(),
                    quotekit_model::speakers::file::FILE_NAME
                );
            }
            let (accuracy, spans) =
                gold_accuracy(&annotator.resolver, &annotator.tokenizer, &named);
            if let Some(path) = &args.errors {
                let mut lines = String::new();
                for r in spans.iter().filter(|r| !r.is_right()) {
                    lines.push_str(&quotekit_data::formats::jsonl::escape_line_breaks(
                        serde_json::to_string(r)?,
                    ));
                    lines.push('\n');
                }
                write_output(path, lines, &mut stdout_text)?;
            }
            Some(accuracy)
        }
        None => None,
    };
    let scored = match &args.pred {
        Some(pred_path) => {
            let pred_options = args.corpus_options.for_predictions();
            // `predict --format jsonl` records are read with the gold texts.
            let lenient = args.corpus_options.lenient;
            let (pred, quote_names) = match records_as_documents(pred_path, &gold, lenient)? {
                Some(records) => {
                    errln!("{}", records_note(pred_path));
                    for note in &records.notes {
                        errln!("{note}");
                    }
                    if !records.skipped.is_empty() {
                        errln!(
                            "skipped {} line(s) that are no record or do not fit their texts (lenient mode):",
                            records.skipped.len()
                        );
                        for why in &records.skipped {
                            errln!("  {why}");
                        }
                    }
                    skipped += records.skipped.len();
                    (records.documents, Some(records.speaker_names))
                }
                None => {
                    let format = Format::detect(pred_path);
                    let pred = super::load_predictions(pred_path, Some(format), &pred_options)?;
                    skipped += pred.skipped.len();
                    // An error record (a document predict could not
                    // annotate) predicted nothing, and is scored so, as
                    // among records.
                    let (documents, notes) = quotekit_infer::failed::scored_documents(pred, &gold);
                    for note in notes {
                        errln!("note: {note}");
                    }
                    (documents, None)
                }
            };
            let evaluation = check_any_paired(&gold, &pred)
                .and_then(|()| evaluate_checked(&gold, &pred, names, quote_names.as_deref()))
                .map_err(|why| {
                    anyhow::anyhow!(
                        "cannot score {} against {}: {why}",
                        pred_path.display(),
                        args.gold.display()
                    )
                })?;
            if names_unscored(&evaluation, &pred, quote_names.as_deref()) {
                errln!(
                    "note: {} names its speakers and {} does not, so who said what is left out: \
                     {}",
                    pred_path.display(),
                    args.gold.display(),
                    super::how_to_name(&args.gold)
                );
            }
            if gold_skipped > 0 && !evaluation.unmatched_predictions.is_empty() {
                errln!(
                    "note: {gold_skipped} gold document(s) were skipped for errors (above): \
                     predictions of those, if any, count among the predicted documents with no \
                     gold document"
                );
            }
            if names_no_one(&evaluation) {
                errln!(
                    "note: no quote of {} names its speaker: who said what counts each as \
                     naming no one (`predict` names speakers unless given --no-speakers)",
                    pred_path.display()
                );
            }
            Some((evaluation, pred_path.display().to_string()))
        }
        None if args.link_gold => {
            let evaluation = score_linker(&gold, &Tokenizer::new());
            Some((evaluation, "the gold spans, linked".to_string()))
        }
        None => None,
    };
    // Files first, standard output last: a reader that stops early (`| head`)
    // ends the process at the print (see `main`), and must not cost a file.
    let (json, printed) = match scored {
        Some((mut evaluation, pred_label)) => {
            evaluation.resolution = resolution;
            if let Some(path) = &args.html {
                let page =
                    evaluation_report(&evaluation, &args.gold.display().to_string(), &pred_label);
                write_output(path, page, &mut stdout_text)?;
            }
            let header = if args.pred.is_none() {
                "the rule linker on the gold spans (tagging errors left out):\n"
            } else {
                ""
            };
            (
                serde_json::to_string_pretty(&evaluation)?,
                format!("{header}{evaluation}\n"),
            )
        }
        None => {
            let resolution = resolution.expect("checked above: --model is given");
            (
                serde_json::to_string_pretty(&serde_json::json!({ "resolution": resolution }))?,
                resolution.to_string(),
            )
        }
    };
    if let Some(path) = &args.json {
        write_output(path, json, &mut stdout_text)?;
    }
    if to_stdout > 0 {
        err!("{printed}");
        out!("{stdout_text}");
    } else {
        out!("{printed}");
    }
    made.into_iter()
        .for_each(quotekit_data::paths::MadeFolders::keep);
    Ok(super::exit_code(skipped > 0))
}

/// Writes an output file whole (gzip-compressed when its name ends in
/// `.gz`; a failure leaves what was there), or keeps `content` in
/// `stdout_text` for `-` (printed after every file is written).
fn write_output(path: &Path, content: String, stdout_text: &mut String) -> anyhow::Result<()> {
    if is_standard_output(path) {
        *stdout_text = content;
        return Ok(());
    }
    quotekit_data::atomic::write_whole(path, content.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
