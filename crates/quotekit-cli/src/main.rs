//! `quotekit`: find who said what in news text. The binary only parses
//! arguments and calls the library crates; see `quotekit --help`.

mod cmd;

use clap::{Parser, Subcommand};

/// Find who said what in news text: load annotated corpora, check them,
/// convert between formats, and report their statistics.
#[derive(Debug, Parser)]
#[command(name = "quotekit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print statistics of a corpus: documents, tokens, spans per role,
    /// attributions, direct vs indirect quotes, validation problems.
    Stats(cmd::stats::StatsArgs),
    /// Convert a corpus between brat, JSONL and CoNLL.
    Convert(cmd::convert::ConvertArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Stats(args) => cmd::stats::run(args),
        Command::Convert(args) => cmd::convert::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
