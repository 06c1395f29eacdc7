//! `quotekit predict`: run a trained model over texts, in parallel and
//! streaming, through the inference crate.

use anyhow::Context;
use clap::{Args, ValueEnum};
use quotekit_infer::{run, Input, OutputFormat, OutputTarget, Reporter, RunIdentity, RunOptions};
use quotekit_model::transformer::bert;
use quotekit_model::transformer::model::TransformerModel;
use quotekit_model::{load_annotator_with, Annotator};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Output formats of `predict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON record per document: quotes with text, offsets, cue, speaker,
    /// the speaker's canonical speaker_name and speaker_id, and confidences;
    /// the document's speakers ({id, name, mentions, quotes}); plus the input
    /// record's extra fields (its own `quotes`, `speakers` and `spans` give
    /// way to the new ones, so that a record predict wrote can be tagged
    /// again; a field `error` is refused).
    Jsonl,
    /// quotekit document JSONL (spans + attributions), for `eval` and `convert`.
    Documents,
    /// brat standoff in a directory (NAME.txt + NAME.ann; errors in errors.jsonl).
    Brat,
}

/// Arguments of `quotekit predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Model directory (or its model.safetensors file), or an ensemble: its
    /// directory or its ensemble.toml.
    #[arg(long)]
    pub model: PathBuf,
    /// Input: a directory of .txt (or gzip-compressed .txt.gz) files
    /// (searched recursively; a brat corpus's annotations are ignored), a
    /// .txt or .txt.gz file, a .jsonl or .jsonl.gz file of
    /// {"id", "text", ...} records, or - for JSONL on standard input
    /// (plain or gzip, told by its first bytes, as a named pipe is).
    #[arg(long)]
    pub input: PathBuf,
    /// Output: a file (jsonl, documents; gzip-compressed when its name ends in
    /// .gz, which --resume cannot go on from), a directory (brat), or - for
    /// standard output.
    #[arg(long)]
    pub output: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    /// Worker threads (default: all cores). The output is the same for any number.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = super::whole_in::<usize>(0, quotekit_model::config::MAX_THREADS as u64))]
    pub threads: usize,
    /// Skip the records already in the output (by position, ids checked) and append the rest; a run
    /// killed at any point and resumed ends with the records of an uninterrupted run.
    #[arg(long)]
    pub resume: bool,
    /// Documents longer than this many characters become error records.
    #[arg(long, default_value_t = quotekit_infer::input::DEFAULT_MAX_CHARS, allow_negative_numbers = true, value_parser = super::whole_in::<usize>(1, u64::MAX))]
    pub max_chars: usize,
    /// Documents per batch (read, annotated in parallel, written, flushed).
    #[arg(long, default_value_t = 256, allow_negative_numbers = true, value_parser = super::whole_in::<usize>(1, quotekit_infer::runner::MAX_BATCH as u64))]
    pub batch: usize,
    /// Override the model's `decoding.outside_penalty`: higher finds more spans
    /// (recall) at the cost of precision.
    #[arg(long, value_parser = super::finite_f64, allow_negative_numbers = true)]
    pub outside_penalty: Option<f64>,
    /// Do not name speakers: every `speaker_name` is null and no `speakers`
    /// are listed (spans and attributions are unchanged), in less time.
    #[arg(long)]
    pub no_speakers: bool,
    /// Transformer models: start a window every N pieces instead of the trained
    /// stride. Larger is faster (fewer pieces encoded twice) with less context
    /// at window edges; at most the window − 2.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = super::whole_in::<usize>(1, u64::MAX))]
    pub encoder_stride: Option<usize>,
    /// Transformer models: the arithmetic of the encoder's linear layers.
    /// int8 quantizes the weights on load and sums the products in integers
    /// with AVX-512 VNNI: about twice as fast, with predictions that can
    /// differ slightly from f32's (see the README's results). Refused on
    /// processors without AVX-512 VNNI, where it would be slower.
    #[arg(long, value_enum, default_value_t = Precision::F32)]
    pub precision: Precision,
}

/// The arithmetic of a transformer's linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Precision {
    /// f32, as trained.
    F32,
    /// Int8 weights and inputs, integer sums.
    Int8,
}

/// The transformer models of `annotator` (the model, or an ensemble's
/// members), for an option (`flag`) that only transformer models take; a
/// model without one is refused, naming `model`.
fn transformers<'a>(
    annotator: &'a mut Annotator,
    model: &Path,
    flag: &str,
) -> anyhow::Result<Vec<&'a mut TransformerModel>> {
    let kind = annotator.tagger.kind().name();
    let found = annotator.taggers_as_mut::<TransformerModel>();
    if found.is_empty() {
        anyhow::bail!(
            "{flag} applies to transformer models; {} is a {kind} model",
            model.display()
        );
    }
    Ok(found)
}

/// Runs `quotekit predict`. Exit code 2 when any document failed.
pub fn run_predict(args: PredictArgs) -> anyhow::Result<ExitCode> {
    // Documents are the unit of parallelism here: candle's own worker pool
    // would make the threads queue for it (one operation at a time), so each
    // network forward pass runs on its document's thread (36.8k instead of
    // 25.4k words/s on 2 threads, same output). An explicit setting wins.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
    // (Before the model loads: a signal then stops the run as any other,
    // exit 130 and its line, not the process.)
    let interrupt = super::interrupt_on_signals()?;
    let output = if quotekit_data::paths::is_standard_output(&args.output) {
        OutputTarget::Stdout
    } else {
        OutputTarget::Path(args.output.clone())
    };
    let format = match args.format {
        Format::Jsonl => OutputFormat::Jsonl,
        Format::Documents => OutputFormat::Documents,
        Format::Brat => OutputFormat::Brat,
    };
    // (What the output cannot take is refused before the model loads.)
    if output == OutputTarget::Stdout && format == OutputFormat::Brat {
        return Err(super::usage(
            quotekit_infer::output::BRAT_NOT_STANDARD_OUTPUT,
        ));
    }
    // (Told by the output's name alone; a pipe or device there is found
    // when the run opens it, a failure of what is on disk.)
    let by_name = output == OutputTarget::Stdout || quotekit_data::gzip::is_gzip(&args.output);
    if let Some(why) = (args.resume && by_name)
        .then(|| quotekit_infer::resume::refusal(&output, format))
        .flatten()
    {
        return Err(super::usage(why));
    }
    // (The input is checked with the output when the run starts.)
    let model_files = quotekit_model::model_file::model_files(&args.model);
    if output == OutputTarget::Stdout {
        let mut inputs = model_files.clone();
        inputs.push(args.input.clone());
        super::check_standard_output(&inputs)?;
    } else if args.format == Format::Brat {
        quotekit_data::paths::check_output(&args.output, &model_files)?;
    } else {
        quotekit_data::paths::check_output_file(&args.output, &model_files)?;
    }
    let (mut annotator, _) = load_annotator_with(&args.model, !args.no_speakers)?;
    if let Some(p) = args.outside_penalty {
        annotator.outside_penalty = p;
    }
    annotator.name_speakers = !args.no_speakers;
    if args.precision == Precision::Int8 {
        for model in transformers(&mut annotator, &args.model, "--precision int8")? {
            model.set_precision(bert::Precision::Int8)?;
        }
    }
    if let Some(stride) = args.encoder_stride {
        for model in transformers(&mut annotator, &args.model, "--encoder-stride")? {
            model
                .set_stride(stride)
                .with_context(|| format!("--encoder-stride {stride}"))?;
        }
    }
    // (Standard output keeps no manifest: the model's files are not read
    // for a key no run could check, as in a Spark pipe.)
    let (with, tagger) = match &output {
        OutputTarget::Stdout => Default::default(),
        OutputTarget::Path(_) => quotekit_infer::manifest::model_keys(&args.model)?,
    };
    let options = RunOptions {
        format,
        threads: args.threads,
        batch: args.batch,
        resume: args.resume,
        max_chars: args.max_chars,
        identity: match &output {
            OutputTarget::Stdout => None,
            OutputTarget::Path(_) => Some(RunIdentity {
                model: if args.no_speakers { tagger.clone() } else { with },
                tagger: Some(tagger),
                model_path: args.model.display().to_string(),
                // (Threads and batches change no record.)
                options: format!(
                    "no-speakers={} outside-penalty={} precision={:?} encoder-stride={} max-chars={}",
                    args.no_speakers,
                    // (`-0` written as `0`, `+ 0.0` making it so: the same
                    // records, the same run to resume.)
                    annotator.outside_penalty + 0.0,
                    args.precision,
                    args.encoder_stride
                        .map_or("default".to_string(), |s| s.to_string()),
                    args.max_chars
                ),
            }),
        },
        interrupt,
    };
    let made = match &output {
        OutputTarget::Path(path) => Some(quotekit_data::paths::MadeFolders::before(
            path,
            options.format == OutputFormat::Brat,
        )),
        _ => None,
    };
    let mut progress = Reporter::new(Duration::from_secs(10));
    let summary = run(
        &annotator,
        &Input::from_path(&args.input),
        &output,
        &options,
        &mut progress,
    )?;
    if let Some(made) = made {
        made.keep();
    }
    // (A resumed run read records before: its input is JSONL.)
    if summary.documents > 0 && summary.not_records == summary.documents && summary.resumed == 0 {
        let input = if args.input.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            args.input.display().to_string()
        };
        if summary.carriage_returns == summary.documents {
            errln!(
                "note: the lines of {input} end with a carriage return alone (as in old Mac \
                 files), which JSONL readers do not take for a line end: each record must end \
                 with a line feed (LF or CRLF); `tr '\\r' '\\n'` converts the file"
            );
        } else {
            errln!(
                "note: no line of {input} was a JSON record: JSONL input (a .jsonl file or -) holds one {{\"id\": …, \"text\": …}} object per line; give plain text as a .txt (or .txt.gz) file or a folder of them"
            );
        }
    }
    // (A folder of no texts: a wrong folder, or texts by another extension.)
    if summary.documents + summary.resumed == 0 && args.input.is_dir() {
        errln!(
            "warning: {} holds no .txt or .txt.gz file (searched through its folders): nothing was annotated",
            args.input.display()
        );
    } else if summary.documents + summary.resumed == 0
        && std::fs::metadata(&args.input)
            .is_ok_and(|m| m.is_file() && !quotekit_data::gzip::unnamed(&args.input, &m))
    {
        // (An empty export, before it flows on as an empty output; not
        // standard input however named, which a pipe's empty share may be.)
        errln!(
            "warning: {} holds no record: nothing was annotated",
            args.input.display()
        );
    }
    // (Failed documents kept from a run resumed count as this run's.)
    Ok(super::exit_code(
        summary.errors + summary.resumed_errors > 0,
    ))
}
