//! What a bulk run did, counted as it goes: documents, words, quotes,
//! errors, documents skipped on resume, and wall time.

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Documents written (annotated or failed) in this run.
    pub documents: u64,
    /// Words (whitespace-separated) in the annotated documents.
    pub words: u64,
    /// Quotes (attributions) found.
    pub quotes: u64,
    /// Documents that produced an error record.
    pub errors: u64,
    /// Of those, the lines that were no JSON record (kind
    /// `malformed-json`): plain text given as JSONL fails every line so.
    pub not_records: u64,
    /// Of those, the lines that hold a carriage return before more text
    /// (a file whose lines end with carriage returns alone, read as one).
    pub carriage_returns: u64,
    /// Documents skipped because the output already had them (`--resume`).
    pub resumed: u64,
    /// Of those, the ones the output has as error records (a resumed run
    /// has failed documents as an uninterrupted one has).
    pub resumed_errors: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Input entries not read (not regular files, folders seen before), with why.
    pub skipped: Vec<String>,
}
