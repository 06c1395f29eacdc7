//! One attribution that a paragraph's layout makes, as token ranges.

use std::ops::Range;

/// One attribution the layout makes (a transcript's turn or a sign-off),
/// as token ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaidOut {
    /// True for a transcript's turn (its speaker goes on in paragraphs
    /// that open with no label), false for a sign-off.
    pub turn: bool,
    /// The speaker's label or name (`PENCE`, `Krystal Correa`).
    pub speaker: Range<usize>,
    /// The colon after a label, the dash before a name (one token, or two
    /// hyphens: `--`).
    pub cue: Range<usize>,
    /// What the speaker says.
    pub content: Range<usize>,
    /// Its paragraph's tokens: the tagger's spans there give way to it.
    pub extent: Range<usize>,
}
