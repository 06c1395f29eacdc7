//! Tag encoding: role spans ⇄ per-token tags in the BIO or BILOU scheme.
//! Decoding is lenient, as conlleval is: an `I-` tag that does not continue a
//! span of its role starts one, so IOB1 input decodes too.

use crate::document::{Document, Role};
use crate::message::shorten;
use crate::offsets::CharSpan;
use crate::tokenize::Tokenized;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A tagging scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TagScheme {
    /// Begin / Inside / Outside.
    #[default]
    Bio,
    /// Begin / Inside / Last / Outside / Unit.
    Bilou,
}

impl std::str::FromStr for TagScheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "bio" | "iob2" => Ok(TagScheme::Bio),
            "bilou" => Ok(TagScheme::Bilou),
            // (BIOES writes `E-` and `S-` where BILOU writes `L-` and `U-`;
            // IOB is also the older IOB1: neither is what these write.)
            "bioes" | "iobes" => Err(format!(
                "unknown tag scheme `{s}` (expected bio or bilou): bilou writes `L-` and `U-` \
                 where BIOES has `E-` and `S-` (reading takes both)"
            )),
            _ => Err(format!(
                "unknown tag scheme `{s}` (expected bio or bilou; bio is IOB2)"
            )),
        }
    }
}

/// One token's tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tag {
    /// Outside every span.
    Outside,
    /// First token of a span of several tokens (BIO: of any span).
    Begin(Role),
    /// A token inside a span.
    Inside(Role),
    /// Last token of a span of several tokens (BILOU only).
    Last(Role),
    /// A one-token span (BILOU only).
    Unit(Role),
}

impl Tag {
    /// The role of a non-`O` tag.
    pub fn role(self) -> Option<Role> {
        match self {
            Tag::Outside => None,
            Tag::Begin(r) | Tag::Inside(r) | Tag::Last(r) | Tag::Unit(r) => Some(r),
        }
    }

    /// Parses `O`, `B-X`, `I-X`, `L-X`/`E-X`, `U-X`/`S-X`, mapping the type `X` with `role_of`.
    /// Returns `Ok(None)` for a type that `role_of` maps to nothing (an ignored label).
    pub fn parse_with(
        s: &str,
        role_of: impl Fn(&str) -> Result<Option<Role>, String>,
    ) -> Result<Option<Tag>, String> {
        if s == "O" {
            return Ok(Some(Tag::Outside));
        }
        // (Tags in messages are cut short: a line of another format read as
        // CoNLL makes a very long one.)
        let (prefix, label) = s.split_once('-').ok_or_else(|| {
            format!(
                "bad tag `{}` (expected O or a prefix like B- before the label)",
                shorten(s, 40)
            )
        })?;
        let Some(role) = role_of(label)? else {
            return Ok(None);
        };
        match prefix {
            "B" => Ok(Some(Tag::Begin(role))),
            "I" => Ok(Some(Tag::Inside(role))),
            "L" | "E" => Ok(Some(Tag::Last(role))),
            "U" | "S" => Ok(Some(Tag::Unit(role))),
            _ => Err(format!(
                "bad tag prefix in `{}` (expected B, I, L, E, U or S before the `-`)",
                shorten(s, 40)
            )),
        }
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tag::Outside => f.write_str("O"),
            Tag::Begin(r) => write!(f, "B-{}", r.tag_name()),
            Tag::Inside(r) => write!(f, "I-{}", r.tag_name()),
            Tag::Last(r) => write!(f, "L-{}", r.tag_name()),
            Tag::Unit(r) => write!(f, "U-{}", r.tag_name()),
        }
    }
}

impl std::str::FromStr for Tag {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tag::parse_with(s, |l| l.parse::<Role>().map(Some))?
            .ok_or_else(|| format!("bad tag `{}`", shorten(s, 40)))
    }
}

/// The tags of a scheme, with a dense index for models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSet {
    scheme: TagScheme,
    tags: Vec<Tag>,
}

impl TagSet {
    /// All tags of `scheme`, `O` first.
    pub fn new(scheme: TagScheme) -> Self {
        let mut tags = vec![Tag::Outside];
        for role in Role::ALL {
            tags.push(Tag::Begin(role));
            tags.push(Tag::Inside(role));
            if scheme == TagScheme::Bilou {
                tags.push(Tag::Last(role));
                tags.push(Tag::Unit(role));
            }
        }
        Self { scheme, tags }
    }

    /// The scheme.
    pub fn scheme(&self) -> TagScheme {
        self.scheme
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// Always false: every tag set has `O`.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The tags in index order.
    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }

    /// The tags' names (`O`, `B-Source`, …) in index order, as model files
    /// record them.
    pub fn names(&self) -> Vec<String> {
        self.tags.iter().map(ToString::to_string).collect()
    }

    /// Index of `tag`, `None` for a tag outside this scheme.
    pub fn index(&self, tag: Tag) -> Option<usize> {
        self.tags.iter().position(|t| *t == tag)
    }
}

/// Result of encoding: one tag per token, and what could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// One tag per token.
    pub tags: Vec<Tag>,
    /// Fragments that lost tokens to an earlier overlapping fragment.
    pub conflicts: usize,
    /// Fragments that cover no token at all (whitespace only).
    pub empty: usize,
    /// Fragments that begin or end inside a token (`spoke` of `spokesman`):
    /// their tags cover the whole token.
    pub widened: usize,
}

/// The role fragments of `doc`, each as (role, char span), ordered by start
/// (longer first on ties). This is the order in which tags are assigned. A
/// fragment that two spans of a role share is there twice: [`encode`]
/// counts the second as a conflict, as CoNLL output loses it.
pub fn role_fragments(doc: &Document) -> Vec<(Role, CharSpan)> {
    let mut out: Vec<(Role, CharSpan)> = doc
        .spans
        .iter()
        .flat_map(|s| s.fragments.iter().map(move |f| (s.role, *f)))
        .collect();
    out.sort_by_key(|(role, f)| (f.start, std::cmp::Reverse(f.end), *role));
    out
}

/// Encodes role fragments as tags over `tokenized`. A token belongs to a fragment
/// when they share a character; where fragments overlap, the earlier one keeps its
/// tokens and the later one keeps its first run of free tokens.
pub fn encode(tokenized: &Tokenized, fragments: &[(Role, CharSpan)], scheme: TagScheme) -> Encoded {
    let tokens = &tokenized.tokens;
    let mut tags = vec![Tag::Outside; tokens.len()];
    let mut taken = vec![false; tokens.len()];
    let (mut conflicts, mut empty, mut widened) = (0, 0, 0);
    for (role, fragment) in fragments {
        let Range {
            start: first,
            end: last,
        } = tokenized.overlapping(*fragment);
        if first >= last {
            empty += 1;
            continue;
        }
        let Some(run_start) = (first..last).find(|&i| !taken[i]) else {
            conflicts += 1;
            continue;
        };
        // (Counted only for a fragment written, in whole or in part.)
        if tokens[first].span.start < fragment.start || tokens[last - 1].span.end > fragment.end {
            widened += 1;
        }
        let run_end = (run_start..last).find(|&i| taken[i]).unwrap_or(last);
        if run_start != first || run_end != last {
            conflicts += 1;
        }
        for i in run_start..run_end {
            taken[i] = true;
            tags[i] = match (scheme, i == run_start, i + 1 == run_end) {
                (TagScheme::Bilou, true, true) => Tag::Unit(*role),
                (TagScheme::Bilou, false, true) => Tag::Last(*role),
                (_, true, _) => Tag::Begin(*role),
                _ => Tag::Inside(*role),
            };
        }
    }
    Encoded {
        tags,
        conflicts,
        empty,
        widened,
    }
}

/// Decodes tags back to (role, char span) fragments, from the first token's start
/// to the last token's end. Ill-formed sequences are read leniently.
///
/// # Panics
///
/// If there are more tags than tokens (a tag is of the token at its index).
pub fn decode(tokenized: &Tokenized, tags: &[Tag]) -> Vec<(Role, CharSpan)> {
    assert!(
        tags.len() <= tokenized.tokens.len(),
        "decode: {} tags for {} tokens (one tag per token)",
        tags.len(),
        tokenized.tokens.len()
    );
    decode_ranges(tags)
        .into_iter()
        .map(|(role, range)| {
            let start = tokenized.tokens[range.start].span.start;
            let end = tokenized.tokens[range.end - 1].span.end;
            (role, CharSpan::new(start, end))
        })
        .collect()
}

/// Decodes tags to (role, token range) chunks.
pub fn decode_ranges(tags: &[Tag]) -> Vec<(Role, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut open: Option<(Role, usize)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let continues = matches!((open, tag),
            (Some((r, _)), Tag::Inside(t) | Tag::Last(t)) if r == *t);
        if !continues {
            if let Some((r, s)) = open.take() {
                out.push((r, s..i));
            }
            if let Some(role) = tag.role() {
                open = Some((role, i));
            }
        }
        if matches!(tag, Tag::Last(_) | Tag::Unit(_)) {
            if let Some((r, s)) = open.take() {
                out.push((r, s..i + 1));
            }
        }
    }
    if let Some((r, s)) = open {
        out.push((r, s..tags.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::Tokenizer;
    use proptest::prelude::*;

    fn tokenized(text: &str) -> (Document, Tokenized) {
        let doc = Document::new("d", text);
        let t = Tokenizer::new().tokenize(&doc);
        (doc, t)
    }

    #[test]
    fn bio_and_bilou_encoding() {
        let (_, t) = tokenized("Ann said “it rains”.");
        let frags = vec![
            (Role::Source, CharSpan::new(0, 3)),
            (Role::Cue, CharSpan::new(4, 8)),
            (Role::Content, CharSpan::new(9, 19)),
        ];
        let bio = encode(&t, &frags, TagScheme::Bio);
        let s: Vec<String> = bio.tags.iter().map(ToString::to_string).collect();
        assert_eq!(
            s,
            vec![
                "B-SOURCE",
                "B-CUE",
                "B-CONTENT",
                "I-CONTENT",
                "I-CONTENT",
                "I-CONTENT",
                "O"
            ]
        );
        let names = TagSet::new(TagScheme::Bio).names();
        assert_eq!(names.len(), 7);
        assert_eq!(&names[..3], ["O", "B-SOURCE", "I-SOURCE"]);
        let bilou = encode(&t, &frags, TagScheme::Bilou);
        let s: Vec<String> = bilou.tags.iter().map(ToString::to_string).collect();
        assert_eq!(
            s,
            vec![
                "U-SOURCE",
                "U-CUE",
                "B-CONTENT",
                "I-CONTENT",
                "I-CONTENT",
                "L-CONTENT",
                "O"
            ]
        );
        assert_eq!(decode(&t, &bio.tags), frags);
        assert_eq!(decode(&t, &bilou.tags), frags);
    }

    /// Bad tags are named in messages, cut to 40 characters.
    #[test]
    fn bad_tags_are_named_and_cut_short() {
        let e = "X-SOURCE".parse::<Tag>().unwrap_err();
        assert!(e.contains("bad tag prefix in `X-SOURCE`"), "{e}");
        let long = format!("{{\"id\":\"a\",\"text\":\"{}\"}}", "word ".repeat(50));
        let e = long.parse::<Tag>().unwrap_err();
        assert!(
            e.contains("bad tag `{\"id\"") && e.contains("…`") && e.len() < 150,
            "{e}"
        );
        let e = format!("B-{}", "x".repeat(200)).parse::<Tag>().unwrap_err();
        assert!(e.contains("unknown role `xxx") && e.len() < 150, "{e}");
    }

    /// Two Content spans with the same fragment (PolNeAR has a few): one
    /// tag per token holds it once, and the other is counted as lost.
    #[test]
    fn a_fragment_two_spans_share_is_a_conflict() {
        let mut doc = Document::new("d", "Ann said go now.");
        for (id, fragments) in [("T1", vec![(9, 11), (12, 15)]), ("T2", vec![(9, 11)])] {
            doc.spans.push(crate::Span {
                id: id.into(),
                role: Role::Content,
                fragments: fragments
                    .into_iter()
                    .map(|(a, b)| CharSpan::new(a, b))
                    .collect(),
                name: None,
            });
        }
        let frags = role_fragments(&doc);
        assert_eq!(frags.len(), 3);
        let t = crate::Tokenizer::new().tokenize(&doc);
        let enc = encode(&t, &frags, TagScheme::Bio);
        assert_eq!(enc.conflicts, 1);
        assert_eq!(decode(&t, &enc.tags).len(), 2);
    }

    #[test]
    fn overlapping_fragments_keep_the_first() {
        let (_, t) = tokenized("a b c d");
        let frags = vec![
            (Role::Content, CharSpan::new(0, 5)),
            (Role::Source, CharSpan::new(4, 7)),
        ];
        let enc = encode(&t, &frags, TagScheme::Bio);
        assert_eq!(enc.conflicts, 1);
        assert_eq!(
            decode(&t, &enc.tags),
            vec![
                (Role::Content, CharSpan::new(0, 5)),
                (Role::Source, CharSpan::new(6, 7))
            ]
        );
    }

    #[test]
    fn lenient_decoding_of_iob1_and_stray_tags() {
        use Tag::*;
        let r = Role::Source;
        let c = Role::Content;
        let tags = [
            Inside(r),
            Inside(r),
            Begin(r),
            Outside,
            Inside(c),
            Last(c),
            Last(c),
            Unit(r),
        ];
        assert_eq!(
            decode_ranges(&tags),
            vec![(r, 0..2), (r, 2..3), (c, 4..6), (c, 6..7), (r, 7..8)]
        );
    }

    /// `bioes` would promise `E-` and `S-` tags, which BILOU writes as `L-`
    /// and `U-`: it is refused, saying so.
    #[test]
    fn tag_scheme_names() {
        assert_eq!("BILOU".parse::<TagScheme>(), Ok(TagScheme::Bilou));
        assert_eq!("iob2".parse::<TagScheme>(), Ok(TagScheme::Bio));
        let e = "bioes".parse::<TagScheme>().unwrap_err();
        assert!(e.contains("`E-` and `S-`"), "{e}");
        assert!("iob".parse::<TagScheme>().is_err());
    }

    #[test]
    fn tag_parsing() {
        assert_eq!("B-SOURCE".parse::<Tag>().unwrap(), Tag::Begin(Role::Source));
        assert_eq!("E-cue".parse::<Tag>().unwrap(), Tag::Last(Role::Cue));
        assert_eq!("O".parse::<Tag>().unwrap(), Tag::Outside);
        assert!("X-SOURCE".parse::<Tag>().is_err());
        assert!("B-SPEAKER".parse::<Tag>().is_err());
        assert_eq!(TagSet::new(TagScheme::Bio).len(), 7);
        assert_eq!(TagSet::new(TagScheme::Bilou).len(), 13);
    }

    /// Random news-like text: words, punctuation and quotation marks.
    fn text_strategy() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[A-Za-z]{1,8}",
            Just("“".to_string()),
            Just("”".to_string()),
            Just("\"".to_string()),
            Just("’".to_string()),
            Just(",".to_string()),
            Just(".".to_string()),
            Just("é".to_string()),
            "[0-9]{1,4}",
        ];
        let sep = prop_oneof![Just(" "), Just(""), Just("\n\n"), Just("  ")];
        proptest::collection::vec((piece, sep), 1..60)
            .prop_map(|v| v.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
    }

    proptest! {
        #[test]
        fn encode_decode_recovers_token_aligned_spans(
            text in text_strategy(),
            cuts in proptest::collection::vec((0usize..100, 1usize..6, 0usize..3), 0..8),
            bilou in any::<bool>(),
        ) {
            let (_, t) = tokenized(&text);
            prop_assume!(!t.tokens.is_empty());
            // Non-overlapping token ranges, each inside one paragraph.
            let mut frags = Vec::new();
            let mut free_from = 0;
            for (at, len, role) in cuts {
                let start = free_from + at % 7;
                let end = start + len;
                let para = t.paragraphs.iter().find(|p| p.contains(&start));
                let Some(para) = para else { break };
                if end > para.end { continue; }
                frags.push((Role::ALL[role], CharSpan::new(
                    t.tokens[start].span.start, t.tokens[end - 1].span.end)));
                free_from = end;
            }
            let scheme = if bilou { TagScheme::Bilou } else { TagScheme::Bio };
            let enc = encode(&t, &frags, scheme);
            prop_assert_eq!(enc.conflicts, 0);
            prop_assert_eq!(decode(&t, &enc.tags), frags);
        }
    }
}
