//! `quotekit stats`: corpus statistics and validation problems, with who is
//! quoted when the corpus names its speakers; or who is quoted in
//! `predict`'s records.

use super::CorpusOptions;
use clap::Args;
use quotekit_data::names::is_named;
use quotekit_data::{CorpusStats, Format, Tokenizer};
use quotekit_infer::quoted::by::QuotedBy;
use quotekit_infer::quoted::Quoted;
use quotekit_infer::render::read::{holds_documents, holds_records_or_errors};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quotekit stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The corpus: a brat directory (PolNeAR or flat layout, or a folder of such
    /// folders), a .jsonl file or a .conll file; or the records of `predict
    /// --format jsonl` (`-`: from standard input), for who is quoted: quotes and documents per speaker
    /// name (also shown for a corpus that names its speakers: `predict`'s
    /// brat or documents output, or gold with `--names`).
    pub corpus: PathBuf,
    /// Input format (default: from the path, in any case: .jsonl or .json →
    /// jsonl, .conll, .iob, .bio or .tsv → conll, anything else (a folder) →
    /// brat; a .gz file, gzip-compressed, by the name under .gz).
    #[arg(long, value_name = "brat|jsonl|conll", value_parser = super::FORMATS, hide_possible_values = true)]
    pub format: Option<Format>,
    /// Print the statistics as JSON instead of a table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print who is quoted as CSV, for a spreadsheet (speaker, quotes,
    /// direct, documents, spellings; with `--by`, a row per part and
    /// speaker, the field's value first and the part's records and quotes
    /// last): of `predict`'s records, or of a
    /// corpus that names its speakers (its other statistics left out).
    #[arg(long)]
    pub csv: bool,
    /// Who is quoted: count the names of one person across documents as
    /// one: names equal as `eval` normalises them (case, titles, middle
    /// initials; an apostrophe inside a word and Unicode forms aside), and
    /// a lone surname with the only fuller name ending
    /// with it (`Obama` with `Barack Obama`, not `Clinton` when two
    /// Clintons are quoted); the other spellings are listed.
    #[arg(long)]
    pub merge_names: bool,
    /// Who is quoted in `predict`'s records: also count each value of this
    /// field of the records apart (a field of the input records, which
    /// `predict` passes through: an outlet, a date), to compare them.
    #[arg(long, value_name = "FIELD")]
    pub by: Option<String>,
    #[command(flatten)]
    pub corpus_options: CorpusOptions,
}

/// Counts of who is quoted in records, which print as a table, JSON or CSV.
trait Shown: serde::Serialize + std::fmt::Display + Sized {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()>;
    fn warnings(&self, source: &str) -> Vec<String>;
    fn merge_names(self) -> Self;
    fn error_records(&self) -> usize;
}

impl Shown for Quoted {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        Quoted::write_csv(self, out)
    }
    fn warnings(&self, source: &str) -> Vec<String> {
        Quoted::warnings(self, source)
    }
    fn merge_names(self) -> Self {
        Quoted::merge_names(self)
    }
    fn error_records(&self) -> usize {
        self.error_records
    }
}

impl Shown for QuotedBy {
    fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        QuotedBy::write_csv(self, out)
    }
    fn warnings(&self, source: &str) -> Vec<String> {
        QuotedBy::warnings(self, source)
    }
    fn merge_names(self) -> Self {
        QuotedBy::merge_names(self)
    }
    fn error_records(&self) -> usize {
        self.all.error_records
    }
}

/// Says the warnings of who is quoted in the records of `args.corpus`,
/// merges its names when asked, and prints it; exit code 2 when the
/// records hold error records.
fn show_records(quoted: impl Shown, args: &StatsArgs, stdin: bool) -> anyhow::Result<ExitCode> {
    for warning in quoted.warnings(&source(&args.corpus, stdin)) {
        errln!("warning: {warning}");
    }
    let quoted = if args.merge_names {
        quoted.merge_names()
    } else {
        quoted
    };
    // (The table and JSON count them; CSV rows have no place to.)
    let failed = quoted.error_records();
    if failed > 0 && args.csv {
        errln!(
            "warning: {}: {failed} error record(s) (documents predict could not annotate) \
             are not counted",
            source(&args.corpus, stdin)
        );
    }
    show(&quoted, args)?;
    Ok(super::exit_code(failed > 0))
}

/// Prints who is quoted as JSON, CSV or its table.
fn show(quoted: &impl Shown, args: &StatsArgs) -> anyhow::Result<()> {
    if args.json {
        outln!("{}", serde_json::to_string_pretty(quoted)?);
    } else if args.csv {
        quoted.write_csv(&mut std::io::stdout().lock())?;
    } else {
        out!("{quoted}");
    }
    Ok(())
}

/// How standard input (`-`) is named in messages.
const STDIN: &str = "standard input";

/// An error reading standard input as records, with what to do when its
/// first line is a document or an input record (a stream of them): a
/// corpus is read from a file.
fn stdin_hint(e: quotekit_infer::InferError) -> anyhow::Error {
    let said = e.to_string();
    if said.starts_with(&format!("{STDIN}:1:"))
        && said.contains(quotekit_infer::quoted::NEITHER_QUOTES_NOR_ERROR)
    {
        anyhow::anyhow!(
            "{said}; standard input is read as `predict --format jsonl` records: for the \
             statistics of a corpus of documents, save it to a file (`> corpus.jsonl`) and name that"
        )
    } else {
        e.into()
    }
}

/// What messages call the records read.
fn source(corpus: &std::path::Path, stdin: bool) -> String {
    if stdin {
        STDIN.to_string()
    } else {
        corpus.display().to_string()
    }
}

/// Standard input's records, plain or gzip (told by its first bytes, as
/// `predict --input -` tells them).
fn piped_in() -> anyhow::Result<Box<dyn std::io::BufRead + Send>> {
    quotekit_data::gzip::sniff(std::io::stdin()).map_err(|e| anyhow::anyhow!("{STDIN}: {e}"))
}

/// Runs `quotekit stats`.
pub fn run(mut args: StatsArgs) -> anyhow::Result<ExitCode> {
    // `predict`'s records: who is quoted.
    let format = args.format.unwrap_or_else(|| Format::detect(&args.corpus));
    // (A run whose every document failed wrote error records only.)
    // (Standard input, `-`, is read as records: a corpus is a file or folder.)
    let stdin = args.corpus == std::path::Path::new("-");
    let records = stdin
        || format == Format::Jsonl
            && args.corpus.is_file()
            && holds_records_or_errors(&args.corpus)?;
    // (Standard input is records whatever the format given: a corpus of
    // another format is said to be read as none.)
    if let Some(given) = args.format.filter(|&f| stdin && f != Format::Jsonl) {
        errln!(
            "warning: --format {} left unused: standard input (`-`) is read as `predict --format jsonl` records; give a file or folder to read a corpus",
            given.name()
        );
    }
    if records {
        let o = &args.corpus_options;
        let unused: Vec<&str> = [
            (!o.names.is_empty(), "--names"),
            (o.lenient, "--lenient"),
            (o.deny_overlaps, "--deny-overlaps"),
            (o.annotator.is_some(), "--annotator"),
            (!o.ignore_labels.is_empty(), "--ignore-label"),
            (o.label_map.is_some(), "--label-map"),
        ]
        .into_iter()
        .filter_map(|(given, flag)| given.then_some(flag))
        .collect();
        if !unused.is_empty() {
            errln!(
                "warning: {} left unused: they are for reading corpora, and predict's records carry their speakers' names",
                unused.join(", ")
            );
        }
    }
    if let Some(field) = &args.by {
        // (A JSONL file is read as records, which names the first line that
        // is none: a document's, or one that does not parse.)
        if !(stdin || format == Format::Jsonl && args.corpus.is_file()) {
            anyhow::bail!(
                "--by {field}: {} is no JSONL file of `predict --format jsonl` records (give --format jsonl if it is one); --by counts who is quoted in such records by one of their fields",
                args.corpus.display()
            );
        }
        if !stdin && holds_documents(&args.corpus)? {
            anyhow::bail!(
                "--by {field}: {} holds documents (a corpus, or `predict --format documents` output), not `predict --format jsonl` records; --by counts who is quoted in such records by one of their fields (run `quotekit predict` on the corpus, with its default `--format jsonl`, first)",
                args.corpus.display()
            );
        }
        let quoted = if stdin {
            QuotedBy::read_from(piped_in()?, STDIN.as_ref(), field).map_err(stdin_hint)?
        } else {
            QuotedBy::read(&args.corpus, field)?
        };
        return show_records(quoted, &args, stdin);
    }
    if records {
        let quoted = if stdin {
            Quoted::read_from(piped_in()?, STDIN.as_ref()).map_err(stdin_hint)?
        } else {
            Quoted::read(&args.corpus)?
        };
        return show_records(quoted, &args, stdin);
    }
    args.corpus_options.drop_unused_flags([format]);
    let report = super::load_predictions(&args.corpus, args.format, &args.corpus_options)?;
    let stats = CorpusStats::compute(&report.documents, &Tokenizer::new());
    // Who is quoted, when the corpus names its speakers: with names files,
    // over the documents they name (those without one are left out, as
    // `eval` leaves them out); named on the spans, over every document (a
    // document `predict` found no speaker in names no one, and counts).
    let names = &args.corpus_options.names;
    let quoted = report
        .documents
        .iter()
        .any(|d| is_named(d, names))
        .then(|| {
            let quoted = Quoted::of_documents(
                report
                    .documents
                    .iter()
                    .filter(|d| names.is_empty() || is_named(d, names)),
            );
            if args.merge_names {
                quoted.merge_names()
            } else {
                quoted
            }
        });
    if quoted.is_none() && args.merge_names {
        errln!(
            "warning: --merge-names: {} names no speakers (give --names), so no one is counted",
            args.corpus.display()
        );
    }
    let failed = report.error_records.len();
    // (Where who is quoted is counted, it counts them as predict's records
    // do.)
    let quoted = quoted.map(|quoted| quoted.with_error_records(failed));
    if failed > 0 && args.csv {
        super::warn_of_predict_errors(&args.corpus, failed, "not counted");
    }
    if args.csv {
        // (A corpus of no documents names no one: its table has a header
        // alone, as predict's records of no document give.)
        let none = Quoted::default();
        let quoted = match &quoted {
            Some(quoted) => quoted,
            None if report.documents.is_empty() && report.skipped.is_empty() => &none,
            None => anyhow::bail!(
                "--csv writes who is quoted, and {} names no speakers: give --names (or predict's records, documents or brat output)",
                args.corpus.display()
            ),
        };
        show(quoted, &args)?;
        return Ok(super::exit_code(!report.skipped.is_empty() || failed > 0));
    }
    let mut problems: BTreeMap<&str, usize> = BTreeMap::new();
    for w in &report.warnings {
        *problems.entry(w.category()).or_default() += 1;
    }
    if args.json {
        let value = serde_json::json!({
            "stats": stats,
            "warnings": problems,
            "skipped_documents": report.skipped.len(),
            "error_records": failed,
            "quoted": quoted,
        });
        outln!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        outln!("{stats}");
        outln!("validation warnings      {:>9}", report.warnings.len());
        for (category, n) in &problems {
            outln!("  {category:<30} {n:>6}");
        }
        outln!("skipped documents        {:>9}", report.skipped.len());
        if failed > 0 {
            outln!(
                "error records            {failed:>9}  ({}: documents predict could not annotate)",
                super::predict_errors_file(&args.corpus).display()
            );
        }
        if let Some(quoted) = &quoted {
            outln!("\nwho is quoted (attributions by the name on their Source span)\n");
            out!("{quoted}");
        }
    }
    Ok(super::exit_code(!report.skipped.is_empty() || failed > 0))
}
