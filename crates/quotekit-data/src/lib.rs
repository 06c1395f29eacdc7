//! # quotekit-data
//!
//! The first stage of quotekit's pipeline (data → model → infer → cli): the
//! attribution data model ([`Document`], [`Span`], [`Attribution`]), corpus
//! formats (brat standoff, JSONL, CoNLL IOB) with validation that names file
//! and line, tokenization with character offsets, BIO/BILOU tag encoding and
//! corpus statistics.
//!
//! ```
//! use quotekit_data::{encode, role_fragments, Document, TagScheme, Tokenizer};
//! let doc = Document::new("d1", "“We will win,” she said.");
//! let tokens = Tokenizer::new().tokenize(&doc);
//! let tags = encode(&tokens, &role_fragments(&doc), TagScheme::Bio);
//! assert_eq!(tokens.tokens.len(), tags.tags.len());
//! ```

pub mod atomic;
pub mod document;
pub mod error;
pub mod flags;
pub mod formats;
pub mod gzip;
pub mod ids;
pub mod load;
pub mod marks;
pub mod message;
mod mistyped;
pub mod names;
pub mod offsets;
pub mod paths;
pub mod predict_errors;
pub mod read;
pub mod stats;
pub mod tags;
#[cfg(test)]
mod test_support;
pub mod tokenize;
pub mod validate;

pub use document::{writable_name, Attribution, Document, Role, Span, SpansById, NO_NAME};
pub use error::{DataError, ErrorRecord};
pub use formats::{CorpusReader, CorpusWriter, Format, ReadDocument};
pub use load::{load_corpus, LoadOptions, LoadReport, Mode};
pub use offsets::{ByStart, CharIndex, CharSpan};
pub use stats::CorpusStats;
pub use tags::{decode, encode, role_fragments, Tag, TagScheme, TagSet};
pub use tokenize::{Token, Tokenized, Tokenizer};
pub use validate::{Diagnostic, Severity, ValidationOptions};
