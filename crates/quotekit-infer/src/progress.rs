//! Progress reporting for bulk runs: an indicatif bar on a terminal, plain
//! periodic log lines otherwise, nothing for tests and library callers.

use crate::summary::Summary;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Receives progress after every batch.
pub trait Progress {
    /// Called after each batch; `position` and `total` are in input units (bytes or files).
    fn update(&mut self, summary: &Summary, position: u64, total: Option<u64>);
    /// Called once at the end.
    fn finish(&mut self, summary: &Summary);
}

/// Reports nothing.
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn update(&mut self, _: &Summary, _: u64, _: Option<u64>) {}
    fn finish(&mut self, _: &Summary) {}
}

fn rates(s: &Summary) -> String {
    let t = s.seconds.max(1e-9);
    format!(
        "{} docs, {:.0} docs/s, {:.0} words/s, {} quotes, {} errors",
        s.documents,
        s.documents as f64 / t,
        s.words as f64 / t,
        s.quotes,
        s.errors
    )
}

/// The final summary line.
pub fn summary_line(s: &Summary) -> String {
    format!(
        "done: {} documents ({} skipped as already done{}), {} words, {} quotes, {} errors in {:.1}s ({:.0} words/s)",
        s.documents,
        s.resumed,
        match s.resumed_errors {
            0 => String::new(),
            n => format!(", {n} of them error records"),
        },
        s.words,
        s.quotes,
        s.errors,
        s.seconds,
        s.words as f64 / s.seconds.max(1e-9)
    )
}

/// A bar on a terminal, log lines every `every` otherwise; a summary on stderr at the end.
pub struct Reporter {
    bar: Option<ProgressBar>,
    every: Duration,
    last: Instant,
}

impl Reporter {
    /// Chooses the bar when stderr is a terminal.
    pub fn new(every: Duration) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "[{elapsed_precise}] {bar:30} {percent:>3}%  {msg}  ETA {eta}",
                )
                .expect("valid template"),
            );
            bar
        });
        Self {
            bar,
            every,
            last: Instant::now(),
        }
    }
}

impl Progress for Reporter {
    fn update(&mut self, summary: &Summary, position: u64, total: Option<u64>) {
        match &self.bar {
            Some(bar) => {
                if let Some(t) = total {
                    bar.set_length(t);
                }
                bar.set_position(position);
                bar.set_message(rates(summary));
            }
            None => {
                if self.last.elapsed() >= self.every {
                    self.last = Instant::now();
                    let pct = total
                        .filter(|&t| t > 0)
                        .map(|t| format!("{:.1}% ", 100.0 * position as f64 / t as f64))
                        .unwrap_or_default();
                    let line = format!("[{:.0}s] {pct}{}", summary.seconds, rates(summary));
                    to_stderr(&line);
                }
            }
        }
    }

    fn finish(&mut self, summary: &Summary) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        for why in &summary.skipped {
            to_stderr(&format!("warning: {why}"));
        }
        to_stderr(&summary_line(summary));
    }
}

/// Writes a line to standard error, or nothing when it cannot be written
/// (`2>/dev/full`): progress is no reason to stop a run.
fn to_stderr(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
