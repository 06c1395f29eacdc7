//! What the taggers see of a token besides its text: hashed symbolic
//! features for the CRF (and the neural tagger's wide path; their hashing,
//! the clauses of a sentence around its cues and the nearest cue or mark on
//! each side, in private modules), the cue lexicon, the quotation state
//! tracked over a document, and the small symbolic feature ids the network
//! taggers embed.

mod clause;
pub mod config;
pub mod extractor;
mod hashing;
pub mod lexicon;
mod nearest;
pub mod quote_state;
pub mod symbolic;
