//! Speaker resolution: who each Source span is, as the canonical name a
//! reader files the quote under (`Hillary Clinton` for `she`, `Ms Clinton`
//! and `the former secretary of state`), or no one when the source is
//! unnamed or a group.
//!
//! The method is mention ranking. [`mentions`] finds the document's name
//! mentions (runs of capitalised words, titles taken off) and groups them
//! into entities by surname and first-name compatibility, each named by its
//! fullest form. For every Source span in text order, [`SpeakerResolver`]
//! scores "no one" and each entity named before the span or in the next
//! sentence with a linear model over hashed [`features`] (pronoun gender and
//! number against the entity's type and gender, recency and distance,
//! whether the entity spoke before, the span's own name against the
//! entity's, description words against the words around the entity's
//! mentions) and takes the best. It is trained ([`train`]) on Source spans
//! whose canonical names are known, by AdaGrad on the log-likelihood of the
//! right candidates. A linear ranker over these features costs microseconds
//! per span, next to the tagger's milliseconds per sentence: accuracy per CPU
//! second that a second network would not improve on for this data size.
//!
//! A model directory keeps its resolver in `speakers.safetensors`; one
//! without it (saved before quotekit had a resolver) resolves
//! with the resolver built into quotekit ([`SpeakerResolver::builtin`]),
//! trained on the 360 named PolNeAR train articles of
//! `datasets/polnear-speakers/train`.

pub mod accuracy;
pub mod entities;
pub mod features;
pub mod file;
pub mod gender;
pub mod lexicon;
pub mod mentions;
pub mod resolver;
pub mod source;
pub mod train;
pub mod version;

pub use resolver::{Resolution, SpeakerResolver};
pub use train::{train_resolver, ResolverConfig, ResolverReport, SettingOutOfRange};
