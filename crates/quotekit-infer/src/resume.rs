//! What an earlier run wrote to an output, read back for `--resume`. A JSONL
//! output is read one record at a time while the input is passed over, so a
//! resumed run's memory does not grow with what was written before the kill.

use crate::error::InferError;
use crate::output::{OutputFormat, OutputTarget};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

/// What an earlier run wrote to an output.
#[derive(Debug)]
pub enum Written {
    /// A JSONL output. Output is in input order, so its records are the
    /// input's first ones; they are read as the input is.
    InOrder(Records),
    /// A brat folder: the file names of its documents, and the ids of its
    /// error records.
    Named {
        /// Stems of its `.ann` files.
        files: HashSet<String>,
        /// Ids in its `errors.jsonl`, each with how many records it has
        /// there (ids may repeat in an input).
        errors: HashMap<String, usize>,
    },
}

/// The records of a JSONL file a run wrote, read one at a time: each one's
/// id, and whether it is an error record.
#[derive(Debug)]
pub struct Records {
    path: PathBuf,
    format: OutputFormat,
    /// None when there is no file (nothing was written).
    reader: Option<BufReader<File>>,
    buf: Vec<u8>,
    line_no: usize,
    /// Bytes of the whole lines read so far.
    complete: u64,
}

impl Records {
    /// Opens `path` (read and write: [`Records::finish`] cuts a partial line
    /// off); a missing file has no records.
    fn open(path: PathBuf, format: OutputFormat) -> Result<Self, InferError> {
        let reader = if path.is_file() {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(|e| InferError::io(&path, e))?;
            Some(BufReader::new(file))
        } else {
            None
        };
        Ok(Records {
            path,
            format,
            reader,
            buf: Vec::new(),
            line_no: 0,
            complete: 0,
        })
    }

    /// Reads the next whole line into `buf` (its number in `line_no`),
    /// blank ones passed over (a hand-made blank line is no record, as
    /// `predict` reads); false at the end. A trailing line without its line
    /// break, left by a killed run, is none.
    fn next_line(&mut self) -> Result<bool, InferError> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(false);
        };
        loop {
            self.buf.clear();
            let n = reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| InferError::io(&self.path, e))?;
            if n == 0 || self.buf.last() != Some(&b'\n') {
                return Ok(false);
            }
            self.line_no += 1;
            self.complete += n as u64;
            if !self.buf.trim_ascii().is_empty() {
                return Ok(true);
            }
        }
    }

    /// The next record's id and whether it is an error record; an error for
    /// a line that is no record of this run's format.
    pub fn next_record(&mut self) -> Result<Option<(String, bool)>, InferError> {
        if !self.next_line()? {
            return Ok(None);
        }
        let (format, line_no) = (self.format, self.line_no);
        let record: WrittenRecord = serde_json::from_slice(&self.buf)
            .map_err(|e| self.error(format!("line {line_no} is not a quotekit record: {e}")))?;
        let (quotes, attributions, error) =
            (record.quotes.0, record.attributions.0, record.error.0);
        // (A record with none of the keys a run writes is no output of one:
        // an input copied to the output path, say.)
        if !(error || quotes || attributions) {
            let keys = match format {
                OutputFormat::Jsonl => "\"quotes\" or \"error\"",
                OutputFormat::Documents => "\"attributions\" or \"error\"",
                OutputFormat::Brat => "\"error\"",
            };
            return Err(self.error(format!(
                "line {line_no} has no {keys}: it is no record `predict --format {}` writes \
                 (is it the input?); choose another output, or {}",
                format.name(),
                begin_anew(format)
            )));
        }
        // (A run resumed with another `--format` would mix two kinds of
        // record in one file.)
        let other = match format {
            OutputFormat::Jsonl if attributions && !quotes => Some("documents"),
            OutputFormat::Documents if quotes && !attributions => Some("jsonl"),
            _ => None,
        };
        if let Some(other) = other {
            return Err(self.error(format!(
                "line {line_no} is a `{other}` record and this run writes `{}`: if it is the \
                 output of a `--format {other}` run, resume with --format {other}; if it is a \
                 corpus (the input?), choose another output",
                format.name()
            )));
        }
        match record.id {
            Some(Value::String(id)) => Ok(Some((id, error))),
            _ => Err(self.error(format!("line {line_no} has no \"id\""))),
        }
    }

    /// How many records are left (whole, non-blank lines), for a message.
    pub fn count_rest(&mut self) -> Result<usize, InferError> {
        let mut n = 0;
        while self.next_line()? {
            n += 1;
        }
        Ok(n)
    }

    /// Cuts off what follows the last whole line read (a record cut short
    /// by a kill), so that the run appends after it; called once every
    /// record has been read.
    pub fn finish(&mut self) -> Result<(), InferError> {
        if let Some(reader) = self.reader.take() {
            reader
                .into_inner()
                .set_len(self.complete)
                .map_err(|e| InferError::io(&self.path, e))?;
        }
        Ok(())
    }

    fn error(&self, message: String) -> InferError {
        InferError::Resume {
            path: self.path.clone(),
            message,
        }
    }
}

/// Whether a run on `target` stopped part way can be gone on from with
/// `--resume`: an output file or folder, but not a gzip stream, which
/// cannot be gone on from where it was cut, nor a device or pipe.
pub fn resumable(target: &OutputTarget, format: OutputFormat) -> bool {
    matches!(target, OutputTarget::Path(p) if unresumable(p, format).is_none())
}

/// Why `--resume` cannot go on with output `path` of `format`, when it
/// cannot ([`resumable`]).
fn unresumable(path: &std::path::Path, format: OutputFormat) -> Option<String> {
    if format == OutputFormat::Brat {
        return None;
    }
    if crate::output::streamed(path) {
        return Some(format!(
            "{} is a device or pipe, which keeps nothing a run could go on from; write a run \
             that may be resumed to a file",
            path.display()
        ));
    }
    quotekit_data::gzip::is_gzip(path).then(|| {
        format!(
            "{} is written through gzip (its name ends in .gz), which a run cannot go on from \
             where it was cut; write a run that may be resumed to a plain .jsonl file, and gzip \
             it once it is done",
            path.display()
        )
    })
}

/// How to begin an output of `format` anew, for a refused resume: a file
/// is replaced by a run without `--resume`; a brat folder's documents
/// are not (the run is refused), so they are removed first.
pub(crate) fn begin_anew(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Brat => {
            "remove its documents with their .txt files (or give a new folder) to begin anew"
        }
        _ => "run without --resume to replace it",
    }
}

/// The documents of brat folder `dir`: the names of its `.ann` files,
/// none where there is no folder. With `whole`, only those whose `.txt` is
/// there too: the documents a run wrote (its `.ann` is written last), where
/// one whose text was removed by hand is no document a reader can load,
/// and is written again by a resumed run.
pub(crate) fn brat_documents(
    dir: &std::path::Path,
    whole: bool,
) -> Result<HashSet<String>, InferError> {
    let (mut annotated, mut texts) = (HashSet::new(), HashSet::new());
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).map_err(|e| InferError::io(dir, e))? {
            let p = entry.map_err(|e| InferError::io(dir, e))?.path();
            let stem = || {
                p.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            };
            match p.extension().and_then(|e| e.to_str()) {
                Some("ann") => annotated.insert(stem()),
                Some("txt") if whole && p.is_file() => texts.insert(stem()),
                _ => false,
            };
        }
    }
    if whole {
        annotated.retain(|name| texts.contains(name));
    }
    Ok(annotated)
}

/// Whether the file at `path` holds a whole line, a record that a run
/// wrote (a kill before the end of the first leaves a cut one, which is no
/// record yet). Reads no further than the first line's end.
pub(crate) fn holds_a_record(path: &std::path::Path) -> bool {
    // (A pipe or device holds no record a run wrote, and is not opened.)
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut reader = BufReader::new(file);
    loop {
        let n = match reader.fill_buf() {
            Ok([]) | Err(_) => return false,
            Ok(held) if held.contains(&b'\n') => return true,
            Ok(held) => held.len(),
        };
        reader.consume(n);
    }
}

/// Why `--resume` is refused with standard output.
const NOT_STANDARD_OUTPUT: &str = "--resume needs an output file or directory, not standard output";

/// Why `--resume` is refused with output `target` of `format` whatever it
/// holds: standard output, a device or pipe, a gzip file (told by their
/// names and kinds, before anything runs); `None` when it is not.
pub fn refusal(target: &OutputTarget, format: OutputFormat) -> Option<String> {
    match target {
        OutputTarget::Stdout => Some(NOT_STANDARD_OUTPUT.into()),
        // (Even one not begun yet: the run after a kill would be refused,
        // once the work it would resume is done.)
        OutputTarget::Path(path) => unresumable(path, format).map(|why| format!("--resume: {why}")),
    }
}

/// What an earlier run wrote to `target`. A JSONL output's records are left
/// to be read (see [`Records`]); a brat folder's file names and error
/// records are read now.
pub fn written(target: &OutputTarget, format: OutputFormat) -> Result<Written, InferError> {
    let OutputTarget::Path(path) = target else {
        return Err(InferError::Usage(NOT_STANDARD_OUTPUT.into()));
    };
    if let Some(why) = refusal(target, format) {
        return Err(InferError::Usage(why));
    }
    if format != OutputFormat::Brat {
        return Ok(Written::InOrder(Records::open(path.clone(), format)?));
    }
    let files = brat_documents(path, true)?;
    // (The folder's own: a link there is not read, nor cut, through.)
    let errors = path.join(crate::output::ERRORS_FILE);
    quotekit_data::paths::own_file_there(&errors).map_err(|e| InferError::io(&errors, e))?;
    let mut records = Records::open(errors, format)?;
    let mut errors: HashMap<String, usize> = HashMap::new();
    while let Some((id, _)) = records.next_record()? {
        *errors.entry(id).or_default() += 1;
    }
    records.finish()?;
    Ok(Written::Named { files, errors })
}

/// What a resumed run reads of a record already written: its id and which
/// of the keys that tell records apart it has. The rest is passed over
/// unparsed, so that whatever a record carries through from its input
/// (a number no float holds, deep nesting) reads back as it was written.
#[derive(serde::Deserialize)]
struct WrittenRecord {
    id: Option<Value>,
    #[serde(default)]
    quotes: Present,
    #[serde(default)]
    attributions: Present,
    #[serde(default)]
    error: Present,
}

/// Whether a key is there (with any value, `null` too), its value unread.
#[derive(Default)]
struct Present(bool);

impl<'de> serde::Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records_of(text: &str) -> (tempfile::TempDir, Records) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, text).unwrap();
        let records = Records::open(path, OutputFormat::Jsonl).unwrap();
        (dir, records)
    }

    #[test]
    fn records_are_read_one_at_a_time_and_a_cut_off_line_is_cut_away() {
        let (dir, mut records) = records_of(
            "{\"id\":\"a\",\"quotes\":[]}\n\n{\"id\":\"b\",\"error\":\"x\"}\n{\"id\":\"c\",\"quo",
        );
        assert_eq!(records.next_record().unwrap(), Some(("a".into(), false)));
        assert_eq!(records.next_record().unwrap(), Some(("b".into(), true)));
        assert_eq!(records.next_record().unwrap(), None);
        records.finish().unwrap();
        let left = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
        assert_eq!(
            left,
            "{\"id\":\"a\",\"quotes\":[]}\n\n{\"id\":\"b\",\"error\":\"x\"}\n"
        );
    }

    #[test]
    fn a_line_of_no_run_names_its_line_and_what_it_lacks() {
        // (Blank lines between count: the bad record is on line 4.)
        let (_dir, mut records) = records_of(
            "{\"id\":\"a\",\"quotes\":[]}\n\n \n{\"id\":\"b\",\"text\":\"x\"}\nnot json\n",
        );
        assert!(records.next_record().unwrap().is_some());
        let err = records.next_record().unwrap_err().to_string();
        assert!(
            err.contains("line 4 has no \"quotes\" or \"error\""),
            "{err}"
        );
        let err = records.next_record().unwrap_err().to_string();
        assert!(err.contains("line 5 is not a quotekit record"), "{err}");
    }

    #[test]
    fn the_records_left_are_counted_for_the_message() {
        let (_dir, mut records) = records_of("{\"id\":\"a\",\"quotes\":[]}\n{}\n\n{}\n{\"id");
        assert!(records.next_record().unwrap().is_some());
        assert_eq!(records.count_rest().unwrap(), 2);
    }

    /// A file holds a record once it holds a whole line; a device or pipe
    /// is no output to go on from (an interrupted run offers no resume).
    #[test]
    fn a_record_is_a_whole_line_and_a_device_keeps_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        assert!(!holds_a_record(&path));
        std::fs::write(&path, "{\"id\":\"a\",\"quo").unwrap();
        assert!(!holds_a_record(&path));
        std::fs::write(&path, "{\"id\":\"a\",\"quotes\":[]}\n{\"id").unwrap();
        assert!(holds_a_record(&path));
        let file = |p: &str| OutputTarget::Path(p.into());
        assert!(resumable(
            &file(path.to_str().unwrap()),
            OutputFormat::Jsonl
        ));
        assert!(!resumable(&file("out.jsonl.gz"), OutputFormat::Jsonl));
        #[cfg(unix)]
        assert!(!resumable(&file("/dev/null"), OutputFormat::Jsonl));
    }

    #[test]
    fn no_file_has_no_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut records =
            Records::open(dir.path().join("none.jsonl"), OutputFormat::Jsonl).unwrap();
        assert_eq!(records.next_record().unwrap(), None);
        records.finish().unwrap();
        assert!(!dir.path().join("none.jsonl").exists());
    }
}
