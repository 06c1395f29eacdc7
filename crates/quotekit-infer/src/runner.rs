//! The bulk run: read a batch of records, annotate it in parallel (rayon),
//! write it in input order, flush, repeat. Memory is bounded by the batch size,
//! and the output does not depend on the number of threads.

use crate::error::InferError;
use crate::input::{jsonl_record, open, Input, InputRecord, ReadLimits};
use crate::lock::OutputLock;
use crate::manifest::{self, RunIdentity};
use crate::output::{render, OutputFormat, OutputTarget, Rendered, Sink};
use crate::progress::Progress;
use crate::resume::{written, Written};
use crate::summary::Summary;
use quotekit_data::formats::brat::BratNames;
use quotekit_data::Document;
use quotekit_model::config::MAX_THREADS;
use quotekit_model::training::options::Interrupt;
use quotekit_model::Annotator;
use rayon::prelude::*;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The most documents a batch may hold (a batch is in memory at once).
pub const MAX_BATCH: usize = 65_536;

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Output format.
    pub format: OutputFormat,
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Documents read, annotated and written together.
    pub batch: usize,
    /// Skip documents already in the output and append.
    pub resume: bool,
    /// Longer documents become `too-long` error records.
    pub max_chars: usize,
    /// What the run is (its model and the options that change its records),
    /// kept beside the output so that `resume` goes on only with the same
    /// ([`crate::manifest`]); none: not kept, nor checked.
    pub identity: Option<RunIdentity>,
    /// Stops the run after the batch under way, once set (Ctrl-C): its
    /// records are written whole, and [`InferError::Interrupted`] says how
    /// many.
    pub interrupt: Interrupt,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            format: OutputFormat::Jsonl,
            threads: 0,
            batch: 256,
            resume: false,
            max_chars: crate::input::DEFAULT_MAX_CHARS,
            identity: None,
            interrupt: Interrupt::default(),
        }
    }
}

/// Annotates one record and renders it: returns the output record, the words
/// annotated and the quotes found (zero for an error record).
pub fn process(
    annotator: &Annotator,
    record: &InputRecord,
    format: OutputFormat,
) -> (Rendered, u64, u64) {
    let doc = match &record.document {
        Ok(doc) => doc,
        Err(e) => return (render(format, &record.key, Err(e)), 0, 0),
    };
    let document = Document::new(doc.id.clone(), doc.text.clone());
    let annotation = if format == OutputFormat::Jsonl {
        annotator.annotate_scored(&document)
    } else {
        annotator.annotate(&document)
    };
    let words = doc.text.split_whitespace().count() as u64;
    let quotes = annotation.document.attributions.len() as u64;
    (
        render(format, &record.key, Ok((doc, &annotation))),
        words,
        quotes,
    )
}

/// The record `quotekit predict --format jsonl` writes for the JSONL line
/// `bytes` (line `k + 1` in messages), without its newline: the quotes of
/// `{"id", "text", ...}`, or an error record; `None` for a blank line, which
/// is no record. A byte-order mark at the start of the line is dropped, as
/// `predict` drops one at the start of a file's line. For texts held in memory: each line is
/// independent, so lines may run on any threads (as Python's
/// `annotate_jsonl` runs them, in a rayon pool), in any order.
pub fn annotate_line(
    annotator: &Annotator,
    k: usize,
    bytes: &[u8],
    limits: ReadLimits,
) -> Option<String> {
    let bytes = bytes
        .strip_prefix(quotekit_data::formats::BOM.as_bytes())
        .unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    // (With its newline, as a file's line is parsed: the same positions in
    // messages.)
    let line: std::borrow::Cow<'_, [u8]> = if bytes.ends_with(b"\n") {
        bytes.into()
    } else {
        [bytes, b"\n"].concat().into()
    };
    let record = jsonl_record(k.saturating_add(1), &line, limits);
    match process(annotator, &record, OutputFormat::Jsonl).0 {
        Rendered::Line(mut s) | Rendered::BratError(mut s) => {
            s.truncate(s.trim_end_matches('\n').len());
            Some(s)
        }
        Rendered::Brat { ann, .. } => Some(ann),
    }
}

/// Runs `annotator` over `input`, writing to `output`.
pub fn run(
    annotator: &Annotator,
    input: &Input,
    output: &OutputTarget,
    options: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<Summary, InferError> {
    if !(1..=MAX_BATCH).contains(&options.batch) {
        return Err(InferError::Usage(format!(
            "RunOptions::batch = {} (expected 1 to {MAX_BATCH} documents)",
            options.batch
        )));
    }
    if options.threads > MAX_THREADS {
        return Err(InferError::Usage(format!(
            "RunOptions::threads = {} (expected 0, all cores, to {MAX_THREADS})",
            options.threads
        )));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(quotekit_model::config::pool_threads(options.threads))
        .build()
        .map_err(|e| InferError::Usage(format!("thread pool: {e}")))?;
    if let OutputTarget::Path(out) = output {
        let inputs: Vec<_> = input.path().into_iter().collect();
        if options.format == OutputFormat::Brat {
            quotekit_data::paths::check_output_folder(out, &inputs)?;
        } else {
            quotekit_data::paths::check_output_file(out, &inputs)?;
        }
        if inputs.is_empty() && stdin_is(out) {
            return Err(InferError::Usage(format!(
                "the output {} is the file standard input reads: writing it would \
                 destroy the input; choose another output",
                out.display()
            )));
        }
    }
    let _lock = match output {
        OutputTarget::Path(out) if options.format == OutputFormat::Brat => {
            Some(OutputLock::folder(out)?)
        }
        OutputTarget::Path(out) => Some(OutputLock::file(out)?),
        OutputTarget::Stdout => None,
    };
    // A brat folder holding documents is no run's to begin: its documents
    // would stay among the run's (and a later `--resume` take them for
    // done). They may be an earlier run's or a corpus someone corrected by
    // hand: nothing is removed, the user says which.
    if let (OutputTarget::Path(out), OutputFormat::Brat, false) =
        (output, options.format, options.resume)
    {
        let mut documents: Vec<String> = crate::resume::brat_documents(out, false)?
            .into_iter()
            .collect();
        documents.sort();
        if let Some(first) = documents.first() {
            let go_on = if manifest::kept(output, options.format) {
                "--resume goes on with the run that wrote them (the same model, options and \
                 input); to begin anew"
            } else {
                "no run of this version wrote them (is it a corpus?); to use the folder"
            };
            return Err(InferError::Usage(format!(
                "{} holds {} brat document{} ({first}.ann{}): {go_on}, remove them with their \
                 .txt files, or give a new folder",
                out.display(),
                documents.len(),
                if documents.len() == 1 { "" } else { "s" },
                if documents.len() > 1 { ", …" } else { "" },
            )));
        }
    }
    let started = Instant::now();
    let mut done = if options.resume {
        Some(written(output, options.format)?)
    } else {
        None
    };
    // (After `written`, which tells an output of another format better.)
    if let (true, Some(identity)) = (options.resume, &options.identity) {
        let written = match (&done, output) {
            (Some(Written::Named { files, errors }), _) => !files.is_empty() || !errors.is_empty(),
            (Some(Written::InOrder(_)), OutputTarget::Path(out)) => {
                crate::resume::holds_a_record(out)
            }
            _ => false,
        };
        manifest::check(identity, input, output, options.format, written)?;
    }
    let limits = ReadLimits {
        max_chars: options.max_chars,
    };
    // (The input first: one that cannot be opened leaves no output file.)
    let mut opened = open(input, limits)?;
    // (Input that may keep the run waiting for ever is read on a thread of
    // its own, so that an interrupt is seen while a read waits.)
    let mut records = if opened.may_wait {
        crate::piped::polled(opened.records, options.interrupt.clone())
    } else {
        opened.records
    };
    let mut summary = Summary {
        skipped: std::mem::take(&mut opened.skipped),
        ..Summary::default()
    };
    // A JSONL output resumes by position: its records are the input's first
    // ones, id for id, or it belongs to another input. (Both are read side
    // by side: nothing of the output is held.)
    if let Some(Written::InOrder(written)) = &mut done {
        let mut n = 0;
        while let Some((id, error)) = written.next_record()? {
            let key = match records.next() {
                Some(record) => record?.key,
                None if options.interrupt.is_set() => {
                    return Err(interrupted(&summary, output, options))
                }
                None => {
                    let all = n + 1 + written.count_rest()?;
                    return Err(not_this_input(
                        output,
                        format!("it has {all} records, the input only {n}"),
                    ));
                }
            };
            if key != id {
                return Err(not_this_input(
                    output,
                    format!("its record {} is {id:?}, the input's is {key:?}", n + 1),
                ));
            }
            n += 1;
            summary.resumed += 1;
            summary.resumed_errors += u64::from(error);
        }
        written.finish()?;
    }
    // (A signal that came while the model loaded stops the run at once.)
    if options.interrupt.is_set() {
        return Err(interrupted(&summary, output, options));
    }
    // The output is begun (an output not resumed replaced, its manifest
    // written) as the first records are written, or as a run of none ends:
    // a run stopped before it read one (waiting on a pipe) leaves it as it
    // was.
    let mut sink: Option<Sink> = None;
    // brat file names, in input order (the same on every run over one input).
    let mut brat_names = BratNames::default();
    loop {
        let mut batch = Vec::with_capacity(options.batch);
        let mut names = Vec::with_capacity(options.batch);
        // An input that breaks off (a truncated gzip) stops the run, after the
        // records read before it are written.
        let mut broken = None;
        for record in records.by_ref() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            };
            let name = (options.format == OutputFormat::Brat).then(|| brat_names.name(&record.key));
            if let Some(Written::Named { files, errors }) = &mut done {
                // (An id's error records stand for its first records not
                // written as files: a later record of a repeated id may
                // still be to do.)
                let written = name.as_ref().is_some_and(|n| files.contains(n));
                let failed = !written
                    && errors.get_mut(&record.key).is_some_and(|n| {
                        let left = *n > 0;
                        *n = n.saturating_sub(1);
                        left
                    });
                if written || failed {
                    summary.resumed += 1;
                    summary.resumed_errors += u64::from(failed);
                    continue;
                }
            }
            batch.push(record);
            names.push(name);
            if batch.len() == options.batch {
                break;
            }
        }
        if batch.is_empty() {
            if let Some(e) = broken {
                return Err(e);
            }
            if options.interrupt.is_set() {
                return Err(interrupted(&summary, output, options));
            }
            break;
        }
        let mut rendered: Vec<(Rendered, u64, u64)> = pool.install(|| {
            batch
                .par_iter()
                .map(|r| process(annotator, r, options.format))
                .collect()
        });
        // (Records read before a signal are written, as the batch under way.)
        let sink = match &mut sink {
            Some(sink) => sink,
            None => sink.insert(begin(input, output, options)?),
        };
        for ((record, (r, words, quotes)), name) in batch.iter().zip(&mut rendered).zip(names) {
            if let (Rendered::Brat { name: file, .. }, Some(name)) = (&mut *r, name) {
                *file = name;
            }
            sink.write(r).map_err(|e| cut_short(e, output, options))?;
            summary.documents += 1;
            summary.words += *words;
            summary.quotes += *quotes;
            if let Err(e) = &record.document {
                summary.count_error(e);
            }
        }
        sink.flush().map_err(|e| cut_short(e, output, options))?;
        summary.seconds = started.elapsed().as_secs_f64();
        progress.update(
            &summary,
            opened.position.load(Ordering::Relaxed),
            opened.total,
        );
        if let Some(e) = broken {
            return Err(e);
        }
        if options.interrupt.is_set() {
            return Err(interrupted(&summary, output, options));
        }
    }
    match sink {
        Some(sink) => sink.finish()?,
        None => begin(input, output, options)?.finish()?,
    }
    summary.seconds = started.elapsed().as_secs_f64();
    progress.finish(&summary);
    Ok(summary)
}

/// Begins the output of a run: opens it (replacing it, unless the run
/// resumes) and writes the run's manifest beside it.
fn begin(input: &Input, output: &OutputTarget, options: &RunOptions) -> Result<Sink, InferError> {
    let sink = Sink::open(output, options.format, options.resume)?;
    if let Some(identity) = &options.identity {
        manifest::write(identity, input, output, options.format)?;
    }
    Ok(sink)
}

/// A run stopped by its interrupt, with the records written before it.
/// (A gzip stream ends as the sink is dropped; it cannot be resumed.)
fn interrupted(summary: &Summary, output: &OutputTarget, options: &RunOptions) -> InferError {
    InferError::Interrupted {
        documents: summary.documents,
        resumable: crate::resume::resumable(output, options.format),
    }
}

/// An error writing the output (a full disk), with what it left and how to
/// go on: whole records up to the last batch, and perhaps a cut one, which
/// `--resume` cuts off (a gzip stream cannot be gone on from).
fn cut_short(e: InferError, output: &OutputTarget, options: &RunOptions) -> InferError {
    let InferError::Io { path, error } = e else {
        return e;
    };
    // (Only a file of records may end in a cut one: a brat folder's files
    // are written whole, and a device or pipe keeps nothing to go on from.)
    let records_file = options.format != OutputFormat::Brat
        && matches!(output, OutputTarget::Path(out) if std::fs::metadata(out).is_ok_and(|m| m.is_file()));
    if !records_file {
        return InferError::Io { path, error };
    }
    let next = if crate::resume::resumable(output, options.format) {
        "once the cause is mended, the same command with --resume cuts that off and goes on"
    } else {
        "a gzip stream cannot be gone on from: once the cause is mended, run it again"
    };
    let why = format!(
        "{error}; the output holds the records written whole before it, and may end in a cut one: {next}"
    );
    InferError::Io {
        path,
        error: std::io::Error::new(error.kind(), why),
    }
}

/// True when standard input reads the file at `path` (`--input - < f` with
/// `--output f`, or `--output /dev/stdin`), or the pipe it names (`cat f |
/// … --output /dev/stdin` would write into its own input and wait on it).
/// A terminal is no such file.
#[cfg(unix)]
fn stdin_is(path: &std::path::Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    let (Ok(input), Ok(output)) = (std::fs::File::from(fd).metadata(), std::fs::metadata(path))
    else {
        return false;
    };
    !input.file_type().is_char_device()
        && input.dev() == output.dev()
        && input.ino() == output.ino()
}

/// Standard input is never a file a path names (no means to tell here).
#[cfg(not(unix))]
fn stdin_is(_path: &std::path::Path) -> bool {
    false
}

/// The error for an output that an earlier run wrote from another input.
fn not_this_input(output: &OutputTarget, why: String) -> InferError {
    InferError::Resume {
        path: match output {
            OutputTarget::Path(p) => p.clone(),
            OutputTarget::Stdout => "-".into(),
        },
        message: format!(
            "{why}: it was not written from this input; choose another output, or run without --resume to replace it"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write error says what the output holds and how to go on where the
    /// output can be gone on from, and nothing more where it cannot.
    #[test]
    fn a_cut_output_says_how_to_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let said = |name: &str, format: OutputFormat| {
            let path = dir.path().join(name);
            std::fs::write(&path, "").unwrap();
            let full = std::io::Error::other("No space left on device");
            let options = RunOptions {
                format,
                ..RunOptions::default()
            };
            cut_short(
                InferError::io(&path, full),
                &OutputTarget::Path(path),
                &options,
            )
            .to_string()
        };
        let plain = said("out.jsonl", OutputFormat::Jsonl);
        assert!(
            plain.ends_with("the same command with --resume cuts that off and goes on"),
            "{plain}"
        );
        let gz = said("out.jsonl.gz", OutputFormat::Jsonl);
        assert!(
            gz.ends_with(
                "a gzip stream cannot be gone on from: once the cause is mended, run it again"
            ),
            "{gz}"
        );
        let device = cut_short(
            InferError::io(
                "/dev/full",
                std::io::Error::other("No space left on device"),
            ),
            &OutputTarget::Path("/dev/full".into()),
            &RunOptions::default(),
        );
        assert_eq!(device.to_string(), "/dev/full: No space left on device");
    }
}
