//! The annotation model: a [`Document`] holds its text, paragraph boundaries,
//! role [`Span`]s and [`Attribution`]s that tie spans together. Every format
//! reader produces these types and every writer consumes them.

use crate::offsets::{CharIndex, CharSpan};
use serde::{Deserialize, Serialize};

/// A document's spans by id ([`Document::spans_by_id`]).
pub type SpansById<'d> = std::collections::HashMap<&'d str, &'d Span>;

/// The part a span plays in an attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Who is quoted or paraphrased: the speaker.
    Source,
    /// The reporting word or phrase: "said", "according to".
    Cue,
    /// What was said, thought or meant, direct or paraphrased.
    Content,
}

/// Read from its name in lower case, as it is written; anything but a
/// string is said to be no role (serde_json's own reading of an enum says
/// only "expected value" of a number, `true` or `null`).
impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = Role;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a role: \"source\", \"cue\" or \"content\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Role, E> {
                match v {
                    "source" => Ok(Role::Source),
                    "cue" => Ok(Role::Cue),
                    "content" => Ok(Role::Content),
                    other => Err(E::unknown_variant(other, &["source", "cue", "content"])),
                }
            }
        }
        d.deserialize_str(Name)
    }
}

impl Role {
    /// All roles, in tag-index order.
    pub const ALL: [Role; 3] = [Role::Source, Role::Cue, Role::Content];

    /// The brat label used by PolNeAR for this role.
    pub fn brat_label(self) -> &'static str {
        match self {
            Role::Source => "Source",
            Role::Cue => "Cue",
            Role::Content => "Content",
        }
    }

    /// Short upper-case name used in IOB tags (`B-SOURCE`).
    pub fn tag_name(self) -> &'static str {
        match self {
            Role::Source => "SOURCE",
            Role::Cue => "CUE",
            Role::Content => "CONTENT",
        }
    }

    /// Position in [`Role::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.brat_label())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "source" => Ok(Role::Source),
            "cue" => Ok(Role::Cue),
            "content" => Ok(Role::Content),
            _ => Err(format!(
                "unknown role `{}` (expected source, cue or content)",
                crate::message::shorten(s, 40)
            )),
        }
    }
}

/// Written as a Source span's name when the source is no one named person or
/// organization (an unnamed official, a group, a poll), as the speaker
/// guidelines write it.
pub const NO_NAME: &str = "-";

/// True when a speaker name can be kept by every format: one line (no tab,
/// no line break: names files and brat notes are lines of tab-separated
/// fields) without spaces at its ends (the names and brat readers trim
/// them). Any other character, a control character too, is kept as it is.
pub fn writable_name(name: &str) -> bool {
    name.trim() == name && !name.contains(['\t', '\n', '\r'])
}

/// One annotated span: a role over one or more character fragments.
///
/// Most spans have one fragment; brat's discontinuous spans (`0 5;9 12`) have several,
/// kept in the order the annotation file gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// (A field it does not know is refused: a mistyped `name` would be lost.)
#[serde(deny_unknown_fields)]
pub struct Span {
    /// Identifier, unique within the document (brat's `T12`).
    pub id: String,
    /// What the span is.
    pub role: Role,
    /// The character ranges the span covers.
    pub fragments: Vec<CharSpan>,
    /// Source spans: the canonical name of the speaker (the person or
    /// organization a reader files the quote under), or [`NO_NAME`]; `None`
    /// when nobody said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Span {
    /// A span without a name.
    pub fn new(id: impl Into<String>, role: Role, fragments: Vec<CharSpan>) -> Self {
        Self {
            id: id.into(),
            role,
            fragments,
            name: None,
        }
    }

    /// The speaker's canonical name when one is given and it is not [`NO_NAME`].
    pub fn speaker_name(&self) -> Option<&str> {
        self.name.as_deref().filter(|n| *n != NO_NAME)
    }

    /// Smallest range covering every fragment.
    pub fn extent(&self) -> CharSpan {
        let start = self.fragments.iter().map(|f| f.start).min().unwrap_or(0);
        let end = self.fragments.iter().map(|f| f.end).max().unwrap_or(0);
        CharSpan::new(start, end)
    }

    /// True when the span has more than one fragment.
    pub fn is_discontinuous(&self) -> bool {
        self.fragments.len() > 1
    }

    /// Total number of characters covered.
    pub fn char_len(&self) -> usize {
        self.fragments.iter().map(CharSpan::len).sum()
    }
}

/// An attribution relation: who (source) said (cue) what (content), by span id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// (A field it does not know is refused: a mistyped `source` would be lost.)
#[serde(deny_unknown_fields)]
pub struct Attribution {
    /// Identifier, unique within the document (brat's `E3`).
    pub id: String,
    /// Id of the Source span; `None` for an attribution with no source.
    #[serde(default)]
    pub source: Option<String>,
    /// Id of the Cue span, when there is one.
    #[serde(default)]
    pub cue: Option<String>,
    /// Ids of the Content spans: usually one; PolNeAR's `Content2` adds a second.
    pub content: Vec<String>,
}

/// An article: its text, its paragraphs, and its annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Identifier (file stem or JSONL `id`).
    pub id: String,
    text: String,
    paragraphs: Vec<CharSpan>,
    /// Role spans, in file order.
    pub spans: Vec<Span>,
    /// Attributions, in file order.
    pub attributions: Vec<Attribution>,
}

impl Document {
    /// A document with no annotations; paragraph boundaries are computed from `text`.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let paragraphs = paragraph_spans(&text);
        Self {
            id: id.into(),
            text,
            paragraphs,
            spans: Vec::new(),
            attributions: Vec::new(),
        }
    }

    /// The article text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Paragraphs: maximal runs of text between line breaks, trimmed of surrounding
    /// whitespace, in order. Empty lines separate nothing extra.
    pub fn paragraphs(&self) -> &[CharSpan] {
        &self.paragraphs
    }

    /// Builds a char↔byte table for this document's text.
    pub fn char_index(&self) -> CharIndex {
        CharIndex::new(&self.text)
    }

    /// Span by id. (It scans the spans: for a lookup per attribution or per
    /// span, take [`Document::spans_by_id`] once.)
    pub fn span(&self, id: &str) -> Option<&Span> {
        self.spans.iter().find(|s| s.id == id)
    }

    /// The spans by id (the first of an id, as [`Document::span`] finds), so
    /// that a long document costs each lookup the same as a short one.
    pub fn spans_by_id(&self) -> SpansById<'_> {
        self.span_positions()
            .into_iter()
            .map(|(id, k)| (id, &self.spans[k]))
            .collect()
    }

    /// Whether each attribution, in order, is a direct quote: its content's
    /// first fragment (the earliest of its Content spans')
    /// [`starts_quoted`](crate::marks::starts_quoted). An attribution
    /// without content is none.
    pub fn direct_quotes(&self) -> Vec<bool> {
        let spans = self.spans_by_id();
        let index = self.char_index();
        self.attributions
            .iter()
            .map(|a| {
                a.content
                    .iter()
                    .filter_map(|id| spans.get(id.as_str()))
                    .flat_map(|s| s.fragments.iter())
                    .min_by_key(|f| f.start)
                    .and_then(|f| index.slice(self.text(), *f))
                    .is_some_and(crate::marks::starts_quoted)
            })
            .collect()
    }

    /// Each attribution's speaker name, in order: the name its Source span
    /// carries ([`Span::speaker_name`]), none for no source or no name.
    pub fn speaker_names(&self) -> Vec<Option<String>> {
        let spans = self.spans_by_id();
        self.attributions
            .iter()
            .map(|a| {
                a.source
                    .as_deref()
                    .and_then(|id| spans.get(id))
                    .and_then(|s| s.speaker_name())
                    .map(String::from)
            })
            .collect()
    }

    /// Each span id's position in [`Document::spans`] (the first of an id),
    /// for lookups that change the span found.
    pub fn span_positions(&self) -> std::collections::HashMap<&str, usize> {
        let mut positions = std::collections::HashMap::with_capacity(self.spans.len());
        for (k, s) in self.spans.iter().enumerate() {
            positions.entry(s.id.as_str()).or_insert(k);
        }
        positions
    }

    /// The text of `span`'s fragments joined by a single space (brat's text field).
    pub fn span_text(&self, index: &CharIndex, span: &Span) -> Option<String> {
        let mut parts = Vec::with_capacity(span.fragments.len());
        for f in &span.fragments {
            parts.push(index.slice(&self.text, *f)?);
        }
        Some(parts.join(" "))
    }
}

/// True for a character that ends a line: `\n`, a `\r` (of `\r\n`, or
/// alone, as old Mac files end lines), and the vertical tab, form feed,
/// U+0085, U+2028 and U+2029 that Unicode also counts as line ends (Python's
/// `str.splitlines` splits at these and at U+001C to U+001E as well).
pub fn is_line_end(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Paragraph boundaries of `text`: the non-blank lines (ended by any of
/// [`is_line_end`]), trimmed, as char spans.
pub fn paragraph_spans(text: &str) -> Vec<CharSpan> {
    let mut out = Vec::new();
    let mut char_pos = 0;
    for line in text.split(is_line_end) {
        let n = line.chars().count();
        let lead = line.chars().take_while(|c| c.is_whitespace()).count();
        if lead < n {
            let trail = line.chars().rev().take_while(|c| c.is_whitespace()).count();
            out.push(CharSpan::new(char_pos + lead, char_pos + n - trail));
        }
        char_pos += n + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts of `text`'s paragraphs.
    fn paragraph_texts(text: &str) -> Vec<String> {
        let doc = Document::new("d", text);
        let idx = doc.char_index();
        doc.paragraphs()
            .iter()
            .map(|p| idx.slice(doc.text(), *p).unwrap().to_string())
            .collect()
    }

    #[test]
    fn paragraphs_skip_blank_lines_and_trim() {
        let got = paragraph_texts("First para.\n\n  Second “one”. \n\nThird");
        assert_eq!(got, vec!["First para.", "Second “one”.", "Third"]);
    }

    /// Every line end parts paragraphs as `\n` does: a lone `\r`, U+0085,
    /// U+2028, U+2029; `\r\n` is one line end.
    #[test]
    fn every_line_end_parts_paragraphs() {
        for end in [
            "\n", "\r\n", "\r", "\r\r", "\u{85}", "\u{2028}", "\u{2029}", "\u{0C}",
        ] {
            let got = paragraph_texts(&format!("First “one”.{end}Second, é.{end}"));
            assert_eq!(got, ["First “one”.", "Second, é."], "{end:?}");
        }
    }

    #[test]
    fn span_text_joins_fragments_with_space() {
        let mut doc = Document::new("d", "“Yes,” he said, “indeed.”");
        let span = Span {
            id: "T1".into(),
            role: Role::Content,
            fragments: vec![CharSpan::new(0, 6), CharSpan::new(16, 25)],
            name: None,
        };
        doc.spans.push(span.clone());
        let idx = doc.char_index();
        assert_eq!(doc.span_text(&idx, &span).unwrap(), "“Yes,” “indeed.”");
        assert_eq!(span.extent(), CharSpan::new(0, 25));
        assert!(span.is_discontinuous());
        assert_eq!(span.char_len(), 15);
    }

    #[test]
    fn role_parses_case_insensitively() {
        assert_eq!("Source".parse::<Role>().unwrap(), Role::Source);
        assert_eq!("CUE".parse::<Role>().unwrap(), Role::Cue);
        assert!("speaker".parse::<Role>().is_err());
    }
}
