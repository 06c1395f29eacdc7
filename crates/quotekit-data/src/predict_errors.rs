//! The errors file of a brat output of `quotekit predict`: the error
//! records of the documents it could not annotate, which a corpus of
//! documents (gold, training data) refuses ([`crate::load::load_corpus`])
//! and a reader of predictions counts.

use crate::error::DataError;
use crate::formats::jsonl::JsonlReader;
use crate::formats::CorpusReader;
use std::path::Path;

/// The file of a brat output of `quotekit predict` that holds the error
/// records of the documents it could not annotate (one JSON record per
/// line).
pub const ERRORS_FILE: &str = "errors.jsonl";

/// The error records of the errors file of the brat folder `dir`, in order,
/// each the error it is among documents ([`DataError::ErrorRecord`]); none
/// when the folder has no such file. A line that is no error record is not
/// `predict`'s and is left alone; a file that cannot be read at all (a
/// damaged gzip stream) is an error.
pub fn error_records_of(dir: &Path) -> Result<Vec<DataError>, DataError> {
    let path = dir.join(ERRORS_FILE);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    Ok(JsonlReader
        .read(&path)?
        .filter_map(|item| match item {
            Err(error @ DataError::ErrorRecord(_)) => Some(error),
            _ => None,
        })
        .collect())
}
