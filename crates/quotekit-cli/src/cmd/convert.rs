//! `quotekit convert`: read a corpus in one format, write it in another.

use super::{CorpusOptions, FORMATS, SCHEMES, TOKENS};
use clap::Args;
use quotekit_data::formats::brat::{corpus_files, IDS_FILE};
use quotekit_data::formats::conll::Tokens;
use quotekit_data::paths::{check_output_file, check_output_folder};
use quotekit_data::{load::writer, Format, TagScheme};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `quotekit convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input format.
    #[arg(long, value_name = "brat|jsonl|conll", value_parser = FORMATS, hide_possible_values = true)]
    pub from: Format,
    /// Output format. CoNLL keeps tokens and span tags only (no attributions,
    /// discontinuous spans become separate spans).
    #[arg(long, value_name = "brat|jsonl|conll", value_parser = FORMATS, hide_possible_values = true)]
    pub to: Format,
    /// Tag scheme for CoNLL output. Default: bio.
    #[arg(long, value_name = "bio|bilou", value_parser = SCHEMES, hide_possible_values = true)]
    pub scheme: Option<TagScheme>,
    /// Tokens of CoNLL output: quotekit's tokenizer (`U.S.` as `U . S .`,
    /// `don't` as `don ' t`), or the text split at white space only, one
    /// sentence per line, which gives back the tokens and sentences of a
    /// corpus read from CoNLL. Default: spaces with --from conll, quotekit
    /// otherwise (give spaces for a corpus that went from CoNLL through
    /// JSONL or brat).
    #[arg(long, value_name = "quotekit|spaces", value_parser = TOKENS, hide_possible_values = true)]
    pub tokens: Option<Tokens>,
    /// Input corpus (brat: a directory; jsonl, conll: a file, gzip-compressed
    /// when its name ends in .gz).
    pub input: PathBuf,
    /// Output (brat: a directory, written in the flat layout; jsonl, conll: a
    /// file, gzip-compressed when its name ends in .gz, or - for standard
    /// output).
    pub output: PathBuf,
    #[command(flatten)]
    pub corpus_options: CorpusOptions,
}

/// Runs `quotekit convert`.
pub fn run(mut args: ConvertArgs) -> anyhow::Result<ExitCode> {
    let mut inputs = vec![args.input.as_path()];
    inputs.extend(args.corpus_options.inputs());
    let stdout = quotekit_data::paths::is_standard_output(&args.output);
    if stdout && args.to == Format::Brat {
        return Err(super::usage(
            "brat output is a folder of .txt and .ann files, not standard output: name a folder",
        ));
    }
    if args.to == Format::Brat {
        check_output_folder(&args.output, &inputs)?;
    } else if stdout {
        super::check_standard_output(&inputs)?;
    } else {
        check_output_file(&args.output, &inputs)?;
    }
    let made = quotekit_data::paths::MadeFolders::before(&args.output, args.to == Format::Brat);
    // (Standard output takes no lock: no run can spoil another's there.)
    let _lock = if stdout {
        None
    } else if args.to == Format::Brat {
        Some(quotekit_infer::lock::OutputLock::folder(&args.output)?)
    } else {
        Some(quotekit_infer::lock::OutputLock::file(&args.output)?)
    };
    // Files of an earlier corpus there would be read back as part of this
    // one (checked under the lock, so that no other run writes them meanwhile).
    if args.to == Format::Brat {
        let held = corpus_files(&args.output);
        if held > 0 {
            anyhow::bail!(
                "{} already holds {held} file(s) of a brat corpus (.txt, .ann, {IDS_FILE}, or text/ \
                 and attributions/): they would be read back as part of this one; write to an \
                 empty or new folder",
                args.output.display()
            );
        }
    }
    args.corpus_options.drop_unused_flags([args.from]);
    let report = super::load_predictions(&args.input, Some(args.from), &args.corpus_options)?;
    let tokens = args.tokens.unwrap_or(match args.from {
        Format::Conll => Tokens::Spaces,
        _ => Tokens::Quotekit,
    });
    if args.to != Format::Conll {
        for (flag, given) in [
            ("--tokens", args.tokens.is_some()),
            ("--scheme", args.scheme.is_some()),
        ] {
            if given {
                errln!("warning: {flag} is for CoNLL output; it changes nothing here");
            }
        }
    }
    // (Read before anything is written: a bad file fails the command first.)
    let failed = report.error_records.len();
    let writer = writer(args.to, args.scheme.unwrap_or(TagScheme::Bio), tokens);
    let lost = if stdout {
        let mut stdout = std::io::stdout().lock();
        writer.write_to(
            &report.documents,
            &mut stdout,
            std::path::Path::new("<stdout>"),
        )?
    } else {
        writer.write(&report.documents, &args.output)?
    };
    for line in &lost {
        errln!("warning: {}: {line}", args.output.display());
    }
    errln!(
        "wrote {} document(s) to {}",
        report.documents.len(),
        args.output.display()
    );
    if failed > 0 {
        super::warn_of_predict_errors(&args.input, failed, "not converted");
    }
    made.keep();
    Ok(super::exit_code(!report.skipped.is_empty() || failed > 0))
}
