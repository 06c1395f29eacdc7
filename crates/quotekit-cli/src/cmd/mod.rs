//! One module per subcommand, plus the corpus options they share.

pub mod completions;
pub mod convert;
pub mod eval;
pub mod fetch;
pub mod predict;
pub mod render;
pub mod speakers;
pub mod stats;
pub mod train;
pub mod tune;

use anyhow::Context;
use clap::Args;
use indicatif::ProgressBar;
use quotekit_data::flags::CorpusFlags;
use quotekit_data::load::Skipped;
use quotekit_data::{load_corpus, Diagnostic, Format, LoadOptions, LoadReport};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The corpus formats, as flags take them (`--from`, `--format`).
pub const FORMATS: completions::Named<Format> = completions::named(&["brat", "jsonl", "conll"]);

/// The tag schemes of CoNLL output (`--scheme`).
pub const SCHEMES: completions::Named<quotekit_data::TagScheme> =
    completions::named(&["bio", "bilou"]);

/// The tokens of CoNLL output (`--tokens`).
pub const TOKENS: completions::Named<quotekit_data::formats::conll::Tokens> =
    completions::named(&["quotekit", "spaces"]);

/// How to read a corpus.
#[derive(Debug, Clone, Args)]
pub struct CorpusOptions {
    /// Skip documents with errors instead of failing; a summary of what was
    /// skipped, and why, is printed at the end.
    #[arg(long)]
    pub lenient: bool,
    /// Treat spans of different roles that share characters as errors (they are
    /// warnings by default).
    #[arg(long)]
    pub deny_overlaps: bool,
    /// brat: the annotator id to prefer where an article has several annotation
    /// files (PolNeAR's `attributions/NAME_ANNOTATOR.ann`; default: the id
    /// that sorts first). Refused where no file is that annotator's, or every
    /// folder is flat (`NAME.ann`); `eval` and `render` apply it to gold only.
    #[arg(long, value_name = "ID")]
    pub annotator: Option<String>,
    /// brat: an extra T label to skip (repeatable); `Discuss` and `Discard` are
    /// always skipped, and the roles and attribution labels cannot be.
    #[arg(long = "ignore-label", value_name = "LABEL")]
    pub ignore_labels: Vec<String>,
    /// CoNLL: a TOML label map with a `[labels]` table, e.g. `Speaker = "source"`,
    /// `Unknown = "ignore"`.
    #[arg(long, value_name = "FILE")]
    pub label_map: Option<PathBuf>,
    /// A directory of names files (`ID.tsv`: `Tid<TAB>source text<TAB>canonical`)
    /// naming the speakers of the corpus's Source spans (repeatable; the first
    /// that has a document's file is used). A corpus that carries the names
    /// on its spans (JSONL `name`, brat `speaker:` notes) needs none.
    #[arg(long = "names", value_name = "DIR")]
    pub names: Vec<PathBuf>,
}

impl CorpusOptions {
    /// The options that read predictions beside gold: without the names
    /// folders and the annotator, which are gold's (the predictions' names
    /// are their own, and `predict` writes a flat folder).
    /// ([`CorpusFlags::for_predictions`], which Python's functions use.)
    pub fn for_predictions(&self) -> Self {
        self.flags().for_predictions().into()
    }

    /// The flags as the library takes them.
    pub fn flags(&self) -> CorpusFlags {
        CorpusFlags {
            lenient: self.lenient,
            deny_overlaps: self.deny_overlaps,
            annotator: self.annotator.clone(),
            ignore_labels: self.ignore_labels.clone(),
            label_map: self.label_map.clone(),
            names: self.names.clone(),
        }
    }

    /// The files and folders these options read (names folders, the label
    /// map), as inputs no output may overwrite.
    pub fn inputs(&self) -> impl Iterator<Item = &std::path::Path> {
        self.names
            .iter()
            .chain(&self.label_map)
            .map(|p| p.as_path())
    }

    /// [`warn_label_map_unused`] for `--label-map`, the command reading
    /// corpora of `formats`; a map not used is then not read either (a
    /// broken one would fail the command after the warning). An
    /// `--annotator` or `--ignore-label` that no corpus of `formats` can
    /// use is warned of too.
    pub fn drop_unused_flags(&mut self, formats: impl IntoIterator<Item = Format>) {
        let formats: Vec<Format> = formats.into_iter().collect();
        let why = quotekit_data::flags::drop_unused_label_map(&mut self.label_map, &formats);
        warn_label_map_unused("--label-map", why);
        let why = quotekit_data::flags::unused_annotator(self.annotator.as_deref(), &formats);
        if let Some(why) = why {
            errln!("warning: --annotator {why}");
        }
        let why = quotekit_data::flags::unused_ignore_labels(&self.ignore_labels, &formats);
        if let Some(why) = why {
            errln!("warning: --ignore-label {why}");
        }
    }

    /// Library load options from the flags.
    pub fn load_options(&self) -> anyhow::Result<LoadOptions> {
        Ok(self.flags().load_options()?)
    }
}

impl From<CorpusFlags> for CorpusOptions {
    fn from(flags: CorpusFlags) -> Self {
        Self {
            lenient: flags.lenient,
            deny_overlaps: flags.deny_overlaps,
            annotator: flags.annotator,
            ignore_labels: flags.ignore_labels,
            label_map: flags.label_map,
            names: flags.names,
        }
    }
}

/// Loads a corpus, printing warnings and the lenient-mode summary to stderr.
/// Its `--names` folders must have a file for some of its documents (they
/// are this corpus's names, not another's).
pub fn load(
    path: &Path,
    format: Option<Format>,
    options: &CorpusOptions,
) -> anyhow::Result<LoadReport> {
    load_as(path, format, options, false)
}

/// [`load`] of predictions: `predict --format documents` output's error
/// records (documents it could not annotate) are counted in
/// [`LoadReport::error_records`], not refused.
pub fn load_predictions(
    path: &Path,
    format: Option<Format>,
    options: &CorpusOptions,
) -> anyhow::Result<LoadReport> {
    load_as(path, format, options, true)
}

fn load_as(
    path: &Path,
    format: Option<Format>,
    options: &CorpusOptions,
    error_records: bool,
) -> anyhow::Result<LoadReport> {
    let format = format.unwrap_or_else(|| Format::detect(path));
    let load_options = options.load_options()?;
    let report = if error_records {
        quotekit_infer::read_output::load_output(path, format, &load_options)
    } else {
        load_corpus(path, format, &load_options)
    }
    .with_context(|| format!("loading {}", path.display()))?;
    print_problems(&report.warnings, &report.skipped);
    quotekit_data::names::check_names_match(&options.names, &report.documents, path)?;
    Ok(report)
}

/// Prints `why` a label map is not used
/// ([`quotekit_data::flags::unused_label_map`]) as a warning, after the
/// `flag` or config key that gave the map.
pub fn warn_label_map_unused(flag: &str, why: Option<String>) {
    if let Some(why) = why {
        errln!("warning: {flag} {why}");
    }
}

/// Prints a corpus's warnings and the lenient-mode summary to stderr.
pub fn print_problems(warnings: &[Diagnostic], skipped: &[Skipped]) {
    for warning in warnings {
        errln!("{warning}");
    }
    if !skipped.is_empty() {
        errln!(
            "skipped {} document(s) with errors (lenient mode):",
            skipped.len()
        );
        for skipped in skipped {
            for line in skipped.error.to_string().lines() {
                errln!("  {line}");
            }
        }
    }
}

/// How to name the speakers of `corpus`, for a message that it names no
/// one: a names folder, unless the corpus is CoNLL, which cannot carry names.
pub fn how_to_name(corpus: &Path) -> &'static str {
    if Format::detect(corpus) == Format::Conll {
        "CoNLL cannot carry speaker names: use the corpus as brat with --names DIR, or as JSONL \
         with a `name` on its Source spans (`convert --names DIR` writes either)"
    } else {
        "give the names with --names DIR"
    }
}

/// The exit code of a command over documents: 2 when some of them `failed`
/// (`--lenient` skipped them, or `predict` wrote error records for them).
pub fn exit_code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Where the error records of `predict`'s output `corpus` are: a brat
/// folder's [`quotekit_infer::output::ERRORS_FILE`], or the JSONL file
/// itself.
pub fn predict_errors_file(corpus: &Path) -> PathBuf {
    if corpus.is_dir() {
        corpus.join(quotekit_infer::output::ERRORS_FILE)
    } else {
        corpus.to_path_buf()
    }
}

/// Warns that the `failed` documents in `corpus` (its error records) are
/// `left` (not counted, not converted) by the command.
pub fn warn_of_predict_errors(corpus: &Path, failed: usize, left: &str) {
    errln!(
        "warning: {}: {failed} document(s) that predict could not annotate (its error \
         records) are {left}",
        predict_errors_file(corpus).display()
    );
}

/// The value parser of a flag that takes a whole number from `min` to
/// `max` (`u64::MAX`: no end), given with `allow_negative_numbers` so
/// that a negative one reaches it: any number out of the range, negative
/// included, is said to be (`-1 is not in 1..=65536`), where clap's own
/// parser calls `-1` an unknown flag, or "invalid digit found in string",
/// and writes an open range's end as 18446744073709551615.
pub fn whole_in<T: TryFrom<u64> + Clone + Send + Sync + 'static>(
    min: u64,
    max: u64,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |s: &str| {
        let range = if max == u64::MAX {
            format!("{min}..")
        } else {
            format!("{min}..={max}")
        };
        // (Digits past what an i128 holds are a whole number out of range.)
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{s:?} is not a whole number (one in {range})"));
        }
        s.parse::<i128>()
            .ok()
            .and_then(|n| u64::try_from(n).ok())
            .filter(|n| (min..=max).contains(n))
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| format!("{s} is not in {range}"))
    }
}

/// A command-line number that must be finite (not NaN or infinite).
pub fn finite_f64(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|e| format!("{s:?} is not a number: {e}"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{s} is not a finite number"))
    }
}

/// A command-line number held as `f32` (a learning rate): finite as given
/// and held as given, so that `1e39` is refused with the range there is,
/// not taken for infinity, and `1e-50` not taken for 0.
pub fn finite_f32(s: &str) -> Result<f32, String> {
    let v = finite_f64(s)?;
    let held = v as f32;
    if v.abs() > f64::from(f32::MAX) {
        return Err(format!(
            "{s} is beyond the range this option holds (±{:e})",
            f32::MAX
        ));
    }
    if v != 0.0 && held == 0.0 {
        return Err(format!(
            "{s} is nearer 0 than this option can hold (its smallest is about {:e})",
            f32::from_bits(1)
        ));
    }
    Ok(held)
}

/// An interrupt that Ctrl-C (SIGINT), SIGTERM or SIGHUP (a closed
/// terminal) sets, so that `train` and `tune` stop after the CRF iteration
/// or network batch under way (`train-speakers` after its epoch) and leave their output as a failed run does
/// (no lock, no empty folder; a network's last checkpoint stays, to resume
/// from), and `predict` after the batch under way, its records whole (one
/// waiting on a pipe, at once, with the records read before). A second
/// signal ends the process at once.
pub fn interrupt_on_signals() -> anyhow::Result<quotekit_model::training::options::Interrupt> {
    let interrupt = quotekit_model::training::options::Interrupt::default();
    #[cfg(unix)]
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        // A hangup ignored when the process began stays ignored: `nohup`
        // keeps a run going when its terminal closes. (Not SIGINT, which a
        // script's background jobs begin ignoring by the shell's rules, not
        // by anyone's choice: a Ctrl-C sent them still stops them whole.)
        if signal == signal_hook::consts::SIGHUP && ignored_at_start(signal) {
            continue;
        }
        // (In this order: the first signal finds the flag unset and sets it,
        // the second finds it set and exits, 128 + the signal as a shell says.)
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, interrupt.flag())
            .context("setting up Ctrl-C")?;
        signal_hook::flag::register(signal, interrupt.flag()).context("setting up Ctrl-C")?;
    }
    Ok(interrupt)
}

/// True when `signal` was ignored (`SIG_IGN`) as the process began, as
/// `nohup` leaves SIGHUP.
#[cfg(unix)]
#[allow(unsafe_code)] // a foreign call; see the SAFETY note
fn ignored_at_start(signal: libc::c_int) -> bool {
    let mut now = std::mem::MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: with a null new action, sigaction only writes the signal's
    // current action into `now`, which is a whole, zeroed sigaction.
    let asked = unsafe { libc::sigaction(signal, std::ptr::null(), now.as_mut_ptr()) };
    // SAFETY: zeroed is a valid sigaction, and sigaction filled it when it
    // returned 0.
    asked == 0 && unsafe { now.assume_init() }.sa_sigaction == libc::SIG_IGN
}

/// The error of a run stopped by [`interrupt_on_signals`], with what it
/// left (`context`, say "nothing written"): exit 130, as `main` tells it
/// ([`interrupted`]).
pub fn stopped(context: &'static str) -> anyhow::Error {
    anyhow::Error::new(quotekit_model::ModelError::Interrupted).context(context)
}

/// A command line refused after the argument parser read it: flags that
/// cannot go together (`--resume` with standard output), a setting out of
/// its range. `main` exits 64 for it, as for a line the parser refuses;
/// what depends on a file (a flag the model's kind does not take) is an
/// ordinary failure.
#[derive(Debug)]
pub struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Refuses the command line with `message` ([`UsageError`]: exit code 64).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// True when `err` refuses the command line ([`usage`]).
pub fn is_usage(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<UsageError>().is_some())
}

/// Refuses standard output where it is a file among `inputs` (or inside an
/// input folder), as a shell's `>>` onto the input makes it: the records
/// would be read back as input, or the input lost. Nothing is refused
/// where standard output is no file, or where this system does not say
/// which file it is.
pub fn check_standard_output<P: AsRef<Path>>(inputs: &[P]) -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let is_file = std::fs::metadata("/proc/self/fd/1").is_ok_and(|m| m.is_file());
        if let (true, Ok(file)) = (is_file, std::fs::read_link("/proc/self/fd/1")) {
            quotekit_data::paths::check_output_file(&file, inputs)
                .with_context(|| format!("standard output goes to {}", file.display()))?;
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = inputs;
    Ok(())
}

/// True when `err` is a run stopped by [`interrupt_on_signals`].
pub fn interrupted(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        matches!(
            e.downcast_ref::<quotekit_model::ModelError>(),
            Some(quotekit_model::ModelError::Interrupted)
        ) || matches!(
            e.downcast_ref::<quotekit_infer::InferError>(),
            Some(quotekit_infer::InferError::Interrupted { .. })
        )
    })
}

/// Prints a line above the progress bar, or to stderr when the bar is hidden
/// (not a terminal).
pub fn say(bar: &ProgressBar, line: String) {
    if bar.is_hidden() {
        errln!("{line}");
    } else {
        bar.println(line);
    }
}
