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

impl Summary {
    /// Counts a document that gave error record `e`: among the lines that
    /// were no JSON record, and those that hold a carriage return before
    /// more text, where it is one.
    pub fn count_error(&mut self, e: &crate::input::InputError) {
        let not_record = e.kind == "malformed-json";
        let lone_cr = quotekit_data::formats::jsonl::LONE_CARRIAGE_RETURNS;
        self.errors += 1;
        self.not_records += u64::from(not_record);
        self.carriage_returns += u64::from(not_record && e.message.ends_with(lone_cr));
    }
}
