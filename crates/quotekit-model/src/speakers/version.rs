//! The versions of the speaker ranker's features, which a resolver file
//! records (see [`crate::speakers::file`]).

/// Version of the feature set that new resolvers are trained on.
///
/// Version 4 adds to version 3 the entities first named in the sentences
/// after a description, with how far after, and whether the words before a
/// span describe a name (`McConnell, now the Senate majority leader, who`;
/// `Kaine is a lawyer who`). Version 5 reads a span's words and names only
/// up to a relative clause after a comma (`Brightline, which has 2,100
/// stores`: see
/// [`crate::speakers::source::Source::seen_by`]). Version 6 takes the head
/// of a span that opens with an agent's noun and whom it speaks for (`a
/// spokesman for the governor`) to be the agent's noun, not the last word.
/// A resolver file of version 3, 4 or 5 is still read and resolves with the
/// features it was trained on; weights of an older version mean nothing to
/// these hashes and are refused.
pub const FEATURES_VERSION: u32 = 6;

/// The oldest features version a resolver file may have.
pub const OLDEST_FEATURES_VERSION: u32 = 3;
