//! `predict`'s output read back as a corpus: a brat folder or `--format
//! documents` JSONL, with the documents the run could not annotate counted
//! ([`crate::failed`] says which), not refused.

use crate::output::ERRORS_FILE;
use quotekit_data::{load_corpus, DataError, Format, LoadOptions, LoadReport};
use std::path::Path;

/// True when `dir` is the brat output of a `predict` run whose every
/// document failed: a folder holding its [`ERRORS_FILE`] and no article
/// (nothing else but hidden files, such as the run's own record). Read as
/// a corpus it would be a folder of no brat files; it is a corpus of no
/// documents, and those error records.
pub fn holds_errors_only(dir: &Path) -> bool {
    if !dir.join(ERRORS_FILE).is_file() {
        return false;
    }
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().all(|e| {
            let name = e.file_name();
            name == ERRORS_FILE || name.to_string_lossy().starts_with('.')
        })
    })
}

/// Reads `predict`'s output `corpus` (of `format`) as a corpus: the error
/// records of `--format documents` output are counted in
/// [`LoadReport::error_records`] (whatever `options` says of them), not
/// refused; a brat output whose every document failed (its
/// [`ERRORS_FILE`] alone) is a corpus of no documents.
pub fn load_output(
    corpus: &Path,
    format: Format,
    options: &LoadOptions,
) -> Result<LoadReport, DataError> {
    if format == Format::Brat && holds_errors_only(corpus) {
        return Ok(LoadReport::default());
    }
    let options = LoadOptions {
        error_records: true,
        ..options.clone()
    };
    load_corpus(corpus, format, &options)
}
