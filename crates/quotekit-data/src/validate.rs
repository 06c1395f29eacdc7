//! Validation of annotated documents. Readers report format-level problems
//! (unknown labels, text fields that do not match the text) as they parse;
//! [`validate`] adds the checks every format shares (offsets, references,
//! overlaps). Each problem is a [`Diagnostic`] naming file and line.
//! The file runs over 500 lines: each kind of problem, its message and its check sit together.

use crate::document::{Document, Role, Span};
use crate::offsets::{ByStart, CharSpan};
use std::collections::HashMap;
use std::path::PathBuf;

/// How bad a problem is: errors make a document unusable, warnings are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Reported; the document is still loaded.
    Warning,
    /// The document is rejected (strict mode fails, lenient mode skips it).
    Error,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A fragment ends past the end of the text, or starts after it ends.
    BadOffsets {
        /// The span concerned.
        span: String,
        /// The offending fragment.
        fragment: CharSpan,
        /// Length of the text in characters.
        text_len: usize,
    },
    /// The annotation's copy of the span text differs from the text at its offsets.
    TextMismatch {
        /// The span concerned.
        span: String,
        /// The text at the offsets.
        expected: String,
        /// The text the annotation file gives.
        found: String,
    },
    /// A label that is neither a role, an attribution trigger, nor an ignored label.
    UnknownLabel {
        /// The label.
        label: String,
    },
    /// An attribution refers to a span id that does not exist.
    MissingSpan {
        /// The attribution.
        attribution: String,
        /// The id it refers to.
        missing: String,
    },
    /// An attribution argument points at a span of another role.
    WrongRole {
        /// The attribution.
        attribution: String,
        /// The span id.
        span: String,
        /// The role the argument expects.
        expected: Role,
        /// The role the span has.
        found: Role,
    },
    /// An attribution names a span where its trigger goes (`E1
    /// Attribution:T1` with T1 a Content span).
    SpanAsTrigger {
        /// The attribution.
        attribution: String,
        /// The span.
        span: String,
        /// The span's role.
        role: Role,
    },
    /// An attribution names a trigger where a span goes (`Source:T4` with
    /// T4 an `Attribution` trigger).
    TriggerAsArgument {
        /// The attribution.
        attribution: String,
        /// The trigger's id.
        trigger: String,
        /// The role of the argument.
        role: Role,
    },
    /// Two ids used twice in one document.
    DuplicateId {
        /// The repeated id.
        id: String,
    },
    /// Spans of two different roles share characters.
    RoleOverlap {
        /// First span (role, id): of the spans before `second` that overlap
        /// it, the first.
        first: (Role, String),
        /// Second span (role, id).
        second: (Role, String),
        /// How many more spans before `second`, of roles other than its own,
        /// overlap it (one message for them all).
        more: usize,
        /// Whether one of the two is a Content span that holds the other, a
        /// Source or Cue (an attribution inside a quote).
        nested: bool,
    },
    /// An attribution argument points at an ignored span (e.g. `Discuss`); it is dropped.
    IgnoredArgument {
        /// The attribution.
        attribution: String,
        /// The ignored span.
        span: String,
    },
    /// An attribution's argument roles disagreed with its spans' labels and were
    /// reassigned by label.
    RolesRepaired {
        /// The attribution.
        attribution: String,
    },
    /// An attribution names a second span for a role it can have once.
    RepeatedRole {
        /// The attribution.
        attribution: String,
        /// The role.
        role: Role,
        /// The second span.
        span: String,
    },
    /// A span without fragments.
    NoFragments {
        /// The span.
        span: String,
    },
    /// Two fragments of one span share characters.
    OverlappingFragments {
        /// The span.
        span: String,
        /// The fragment that starts first.
        first: CharSpan,
        /// The fragment that overlaps it.
        second: CharSpan,
    },
    /// An attribution lists one content span twice.
    RepeatedContent {
        /// The attribution.
        attribution: String,
        /// The span listed again.
        span: String,
    },
    /// An attribution with the same source, cue and content spans as an
    /// earlier one of its document (an annotation line copied, or two
    /// files joined): it would be counted twice in scores and statistics.
    RepeatedAttribution {
        /// The attribution.
        attribution: String,
        /// The earlier one it repeats.
        first: String,
    },
    /// An attribution with no content argument: a reader drops it, and a
    /// document that holds one is written by none of the writers.
    EmptyAttribution {
        /// The attribution.
        attribution: String,
        /// Whether it was dropped (as it was read).
        dropped: bool,
    },
    /// A names file's source text is not its span's text.
    NamesTextMismatch {
        /// The span id.
        span: String,
        /// The span's text in the document.
        expected: String,
        /// The text the names file gives.
        found: String,
    },
    /// A names file whose id is no document of the corpus, but close to
    /// the id of a document that has no names file and whose Source spans
    /// its lines fit: a mistyped id?
    NamesFileOfNoDocument {
        /// The id of the document without a names file.
        closest: String,
    },
    /// A document whose id an earlier document of the corpus has (two
    /// corpora joined, or one article in two folders): each is read, and
    /// counted, as a document of its own.
    RepeatedDocument {
        /// Where the first of the id is (`FILE` or `FILE:LINE`).
        first: String,
    },
    /// A name (from a names file, a brat note) for a span the document does
    /// not have.
    NameOfMissingSpan {
        /// The span id.
        span: String,
        /// True when a names file gives it, which may have been made for
        /// another annotator's file of the article.
        names_file: bool,
    },
    /// A brat article whose id comes from the folder's `ids.tsv`, a file
    /// without the header quotekit writes: an earlier version's list of
    /// renamed documents, or another program's file, which renames it.
    IdFromListWithoutHeader {
        /// The article's text file, whose name its id replaces.
        file: PathBuf,
        /// The id it takes.
        id: String,
    },
    /// An article with several annotation files, none of them by the
    /// annotator asked for (`--annotator`), read from another's.
    OtherAnnotator {
        /// The annotator asked for.
        wanted: String,
        /// The annotator whose file was read (the id that sorts first).
        used: String,
    },
    /// A name (from a names file, a brat note, a JSONL span) for a span
    /// that is not a Source.
    NameOfNonSource {
        /// The span id.
        span: String,
        /// Its role.
        role: Role,
        /// True when a names file gives it, which may have been made for
        /// another annotator's file of the article.
        names_file: bool,
    },
    /// A second speaker note for one span.
    NamedAgain {
        /// The span id.
        span: String,
        /// The line of the first note.
        first: usize,
    },
    /// A speaker name that is empty (no one is written `-`).
    EmptyName {
        /// The span id.
        span: String,
    },
    /// A speaker name with a tab or a line break in it, or spaces at its
    /// ends, which names files and brat notes cannot keep
    /// ([`crate::writable_name`]).
    UnwritableName {
        /// The span id.
        span: String,
        /// The name as given.
        name: String,
    },
    /// A brat note that reads as a speaker note but is not written as one
    /// (`Speaker: Ann`, `speaker:Ann`, or on a note type other than
    /// `AnnotatorNotes`, or with no span after the note's type): no name is
    /// read from it.
    MistypedSpeakerNote {
        /// The span the note is on (empty when it names none).
        span: String,
        /// The note's text.
        note: String,
    },
    /// A names file that leaves some of the document's Source spans out (a
    /// file cut short?): they count as no one.
    UnnamedSources {
        /// Source spans the file names.
        named: usize,
        /// Source spans of the document.
        sources: usize,
        /// The first one it leaves out.
        first: String,
        /// The names are on the spans (a JSONL `name`, a brat `speaker:`
        /// note), in a document without a names file.
        on_spans: bool,
    },
}

/// What a names-file problem that another annotator's annotations would
/// explain adds to its message.
const OTHER_ANNOTATIONS: &str =
    ": was the names file made for other annotations of the document (another annotator's \
     file of a brat article: --annotator)?";

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProblemKind::BadOffsets {
                span,
                fragment,
                text_len,
            } if fragment.start >= fragment.end => write!(
                f,
                "span {span}: fragment {fragment} is empty or reversed (its start must be before its end)"
            ),
            ProblemKind::BadOffsets {
                span,
                fragment,
                text_len,
            } => write!(
                f,
                "span {span}: fragment {fragment} is outside the text ({text_len} characters)"
            ),
            ProblemKind::RepeatedRole {
                attribution,
                role,
                span,
            } => write!(
                f,
                "attribution {attribution} has a second {role} ({span}); an attribution has one {role}"
            ),
            ProblemKind::OverlappingFragments {
                span,
                first,
                second,
            } => write!(
                f,
                "span {span}: fragments {}..{} and {}..{} share characters (each character \
                 of a span is in one fragment)",
                first.start, first.end, second.start, second.end
            ),
            ProblemKind::RepeatedContent { attribution, span } => write!(
                f,
                "attribution {attribution} lists content {span} twice"
            ),
            ProblemKind::RepeatedAttribution { attribution, first } => write!(
                f,
                "attribution {attribution} repeats attribution {first} (the same source, cue \
                 and content): it is counted twice in scores and statistics; remove one"
            ),
            ProblemKind::NoFragments { span } => {
                write!(f, "span {span} has no fragments (it covers no text)")
            }
            ProblemKind::TextMismatch {
                span,
                expected,
                found,
            } => write!(
                f,
                "span {span}: annotation text {} does not match the text at its offsets {}",
                quoted(found),
                quoted(expected)
            ),
            ProblemKind::UnknownLabel { label } => write!(
                f,
                "unknown label `{label}` (not a role, attribution or ignored label)"
            ),
            ProblemKind::MissingSpan {
                attribution,
                missing,
            } => write!(f, "attribution {attribution} refers to missing span {missing}"),
            ProblemKind::WrongRole {
                attribution,
                span,
                expected,
                found,
            } => write!(
                f,
                "attribution {attribution} uses {span} as its {expected}, but {span} is a {found}"
            ),
            ProblemKind::SpanAsTrigger {
                attribution,
                span,
                role,
            } => write!(
                f,
                "attribution {attribution} has {span}, a {role} span, as its trigger, where an \
                 attribution trigger goes"
            ),
            ProblemKind::TriggerAsArgument {
                attribution,
                trigger,
                role,
            } => write!(
                f,
                "attribution {attribution} uses {trigger}, an attribution trigger, as its \
                 {role}, where a {role} span goes"
            ),
            ProblemKind::DuplicateId { id } => write!(f, "id {id} is used twice"),
            ProblemKind::RoleOverlap {
                first,
                second,
                more,
                nested,
            } => {
                write!(
                    f,
                    "{} span {} overlaps {} span {}",
                    first.0, first.1, second.0, second.1
                )?;
                match more {
                    0 => {}
                    1 => write!(f, " (and 1 more span of another role)")?,
                    n => write!(f, " (and {n} more spans of other roles)")?,
                }
                if *nested {
                    write!(
                        f,
                        "; an attribution inside a quote: both spans are kept, but the tags \
                         a tagger learns from hold one role a token, the quote's"
                    )?;
                }
                Ok(())
            }
            ProblemKind::IgnoredArgument { attribution, span } => write!(
                f,
                "attribution {attribution} refers to ignored span {span}; that argument is dropped"
            ),
            ProblemKind::RolesRepaired { attribution } => write!(
                f,
                "attribution {attribution}: argument roles disagree with the span labels; reassigned by label"
            ),
            ProblemKind::EmptyAttribution {
                attribution,
                dropped: true,
            } => write!(f, "attribution {attribution} has no content; it is dropped"),
            ProblemKind::EmptyAttribution {
                attribution,
                dropped: false,
            } => write!(
                f,
                "attribution {attribution} has no content: an attribution is of a quote, and one without is dropped when read"
            ),
            ProblemKind::NamedAgain { span, first } => write!(
                f,
                "span {span} is named again (first on line {first}): one speaker note per span"
            ),
            ProblemKind::EmptyName { span } => write!(
                f,
                "an empty speaker name for span {span}; write `-` for no one"
            ),
            ProblemKind::MistypedSpeakerNote { span, note } if span.is_empty() => write!(
                f,
                "the note {note:?} reads as a speaker note but names no span: one is written \
                 `#1<TAB>AnnotatorNotes T1<TAB>speaker: NAME` (the span's id after the note's \
                 type): no name is read from it"
            ),
            ProblemKind::MistypedSpeakerNote { span, note } => write!(
                f,
                "the note {note:?} on span {span} reads as a speaker note, but one is written \
                 `speaker: NAME` (lower case, a colon and a space) on an `AnnotatorNotes` line: \
                 no name is read from it"
            ),
            ProblemKind::NamesTextMismatch {
                span,
                expected,
                found,
            } => write!(
                f,
                "the names file gives span {span} the text {}, but its text is {}{OTHER_ANNOTATIONS}",
                quoted(found),
                quoted(expected)
            ),
            ProblemKind::UnwritableName { span, name } => write!(
                f,
                "the speaker name {name:?} of span {span} has a tab or a line break in it, or \
                 spaces at its ends; a name is one line, as names files and brat notes keep it"
            ),
            ProblemKind::NameOfMissingSpan { span, names_file } => {
                let span = shown_id(span);
                write!(f, "a name for span {span}, but the document has no span {span}")?;
                if *names_file {
                    f.write_str(OTHER_ANNOTATIONS)?;
                }
                Ok(())
            }
            ProblemKind::RepeatedDocument { first } => write!(
                f,
                "an earlier document of the corpus has this id ({first}): both are read, and counted, as documents of their own (two corpora joined?)"
            ),
            ProblemKind::NamesFileOfNoDocument { closest } => write!(
                f,
                "no document of the corpus has this id, so this names file names no one; \
                 document {closest:?} has no names file: is the file's name mistyped \
                 (names files are ID.tsv)?"
            ),
            ProblemKind::UnnamedSources {
                named,
                sources,
                first,
                on_spans: false,
            } => write!(
                f,
                "the names file names {named} of the document's {sources} Source spans \
                 (the first left out: {first}): the others count as no one; write `-` for a source that names no one"
            ),
            ProblemKind::UnnamedSources {
                named,
                sources,
                first,
                on_spans: true,
            } => write!(
                f,
                "{named} of the document's {sources} Source spans carry a speaker name \
                 (the first without: {first}): the others count as no one; name a source \
                 that names no one `-`"
            ),
            ProblemKind::NameOfNonSource {
                span,
                role,
                names_file,
            } => {
                write!(
                    f,
                    "a name for span {span}, but {span} is a {role}; names are for Source spans"
                )?;
                if *names_file {
                    f.write_str(OTHER_ANNOTATIONS)?;
                }
                Ok(())
            }
            ProblemKind::IdFromListWithoutHeader { file, id } => write!(
                f,
                "the document of {} takes its id {id:?} from this line, of a list without the \
                 header quotekit writes: an earlier version's list of renamed documents \
                 (`quotekit convert --from brat --to brat` copies the folder with it), or \
                 another program's file, which renames the document (move it out of the \
                 corpus folder)",
                file.display()
            ),
            ProblemKind::OtherAnnotator { wanted, used } => write!(
                f,
                "the article has several annotation files, none of annotator {wanted:?}: \
                 read annotator {used:?}'s (the id that sorts first)"
            ),
        }
    }
}

/// One problem, located in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file it was found in.
    pub file: PathBuf,
    /// 1-based line (brat: the annotation line; JSONL: the record).
    pub line: Option<usize>,
    /// Document id.
    pub document: String,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl Diagnostic {
    /// Renders several diagnostics, one per line.
    pub fn join(diagnostics: &[Diagnostic]) -> String {
        diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A short name for the kind of problem, for summaries.
    pub fn category(&self) -> &'static str {
        match self.kind {
            ProblemKind::BadOffsets { .. } => "offsets outside text, empty or reversed",
            ProblemKind::NoFragments { .. } => "span without fragments",
            ProblemKind::OverlappingFragments { .. } => "overlapping fragments in a span",
            ProblemKind::RepeatedContent { .. } => "content listed twice",
            ProblemKind::RepeatedAttribution { .. } => "attribution repeated",
            ProblemKind::RepeatedRole { .. } => "role given twice in an attribution",
            ProblemKind::TextMismatch { .. } => "text field mismatch",
            ProblemKind::UnknownLabel { .. } => "unknown label",
            ProblemKind::MissingSpan { .. } => "reference to missing span",
            ProblemKind::WrongRole { .. } => "argument of wrong role",
            ProblemKind::SpanAsTrigger { .. } => "span as an attribution's trigger",
            ProblemKind::TriggerAsArgument { .. } => "trigger as an attribution's argument",
            ProblemKind::DuplicateId { .. } => "duplicate id",
            ProblemKind::RoleOverlap { .. } => "spans of different roles overlap",
            ProblemKind::IgnoredArgument { .. } => "argument on ignored span",
            ProblemKind::RolesRepaired { .. } => "argument roles reassigned",
            ProblemKind::EmptyAttribution { .. } => "attribution without content",
            ProblemKind::NameOfMissingSpan { .. } => "name for a missing span",
            ProblemKind::NamesFileOfNoDocument { .. } => "names file of no document",
            ProblemKind::RepeatedDocument { .. } => "repeated document id",
            ProblemKind::UnnamedSources { .. } => "Source spans without a name",
            ProblemKind::NamedAgain { .. } => "span named twice",
            ProblemKind::EmptyName { .. } => "empty speaker name",
            ProblemKind::MistypedSpeakerNote { .. } => "mistyped speaker note",
            ProblemKind::UnwritableName { .. } => "speaker name that is not one trimmed line",
            ProblemKind::NamesTextMismatch { .. } => "names file text mismatch",
            ProblemKind::NameOfNonSource { .. } => "name for a span that is not a Source",
            ProblemKind::OtherAnnotator { .. } => "article read from another annotator",
            ProblemKind::IdFromListWithoutHeader { .. } => "id from an ids.tsv without header",
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.line {
            Some(line) => write!(f, "{}:{line}: {level}: {}", self.file.display(), self.kind),
            None => write!(f, "{}: {level}: {}", self.file.display(), self.kind),
        }
    }
}

/// Where a document came from, so that problems can be located.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The annotation (or JSONL) file.
    pub file: PathBuf,
    /// Line of each span or attribution id; absent ids fall back to `record_line`.
    pub lines: HashMap<String, usize>,
    /// The line of the whole record (JSONL), if any.
    pub record_line: Option<usize>,
}

impl Origin {
    /// Origin with no line information.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Self {
            file: file.into(),
            ..Self::default()
        }
    }

    /// Makes a diagnostic for the item `id` (a span or attribution id).
    pub fn diagnostic(
        &self,
        document: &str,
        id: Option<&str>,
        severity: Severity,
        kind: ProblemKind,
    ) -> Diagnostic {
        let line = id
            .and_then(|id| self.lines.get(id).copied())
            .or(self.record_line);
        Diagnostic {
            file: self.file.clone(),
            line,
            document: document.to_string(),
            severity,
            kind,
        }
    }
}

/// Which checks are errors and which are warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationOptions {
    /// Severity of spans of different roles sharing characters. Warning by default:
    /// PolNeAR has two such annotations that are deliberate (one phrase is the source
    /// of one attribution and the content of another). Tag encoding keeps the first.
    pub role_overlap: Severity,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        Self {
            role_overlap: Severity::Warning,
        }
    }
}

/// An attribution's arguments as compared for repeats: source, cue, and
/// content in sorted order.
type Arguments<'d> = (Option<&'d str>, Option<&'d str>, Vec<&'d str>);

/// Checks offsets, ids, attribution references and role overlaps of `doc`.
pub fn validate(doc: &Document, origin: &Origin, options: &ValidationOptions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let text_len = doc.char_index().char_len();
    let mut roles: HashMap<&str, Role> = HashMap::new();
    let mut seen_attr = std::collections::HashSet::new();
    // (Each attribution's arguments, and the first attribution that has
    // them.)
    let mut arguments_of: HashMap<Arguments, &str> = HashMap::new();
    for span in &doc.spans {
        if roles.insert(span.id.as_str(), span.role).is_some() {
            out.push(origin.diagnostic(
                &doc.id,
                Some(&span.id),
                Severity::Error,
                ProblemKind::DuplicateId {
                    id: span.id.clone(),
                },
            ));
        }
        // (A name on another role could not be written to brat, whose
        // reader refuses it.)
        if span.name.is_some() && span.role != Role::Source {
            out.push(origin.diagnostic(
                &doc.id,
                Some(&span.id),
                Severity::Error,
                ProblemKind::NameOfNonSource {
                    span: span.id.clone(),
                    role: span.role,
                    names_file: false,
                },
            ));
        }
        if span.fragments.is_empty() {
            out.push(origin.diagnostic(
                &doc.id,
                Some(&span.id),
                Severity::Error,
                ProblemKind::NoFragments {
                    span: span.id.clone(),
                },
            ));
        }
        let mut sorted = Vec::new();
        if span.fragments.len() > 1 {
            sorted.extend_from_slice(&span.fragments);
            sorted.sort_by_key(|f| (f.start, f.end));
        }
        if let Some(w) = sorted.windows(2).find(|w| w[1].start < w[0].end) {
            out.push(origin.diagnostic(
                &doc.id,
                Some(&span.id),
                Severity::Error,
                ProblemKind::OverlappingFragments {
                    span: span.id.clone(),
                    first: w[0],
                    second: w[1],
                },
            ));
        }
        for fragment in &span.fragments {
            if fragment.end > text_len || fragment.start >= fragment.end {
                out.push(origin.diagnostic(
                    &doc.id,
                    Some(&span.id),
                    Severity::Error,
                    ProblemKind::BadOffsets {
                        span: span.id.clone(),
                        fragment: *fragment,
                        text_len,
                    },
                ));
            }
        }
    }
    for attribution in &doc.attributions {
        let fresh_id = seen_attr.insert(attribution.id.as_str());
        if !fresh_id {
            out.push(origin.diagnostic(
                &doc.id,
                Some(&attribution.id),
                Severity::Error,
                ProblemKind::DuplicateId {
                    id: attribution.id.clone(),
                },
            ));
        }
        let mut content: Vec<&str> = attribution.content.iter().map(String::as_str).collect();
        content.sort_unstable();
        let key = (
            attribution.source.as_deref(),
            attribution.cue.as_deref(),
            content,
        );
        match arguments_of.entry(key) {
            // (An id used twice is said already.)
            std::collections::hash_map::Entry::Occupied(_) if !fresh_id => {}
            std::collections::hash_map::Entry::Occupied(first) => out.push(origin.diagnostic(
                &doc.id,
                Some(&attribution.id),
                Severity::Warning,
                ProblemKind::RepeatedAttribution {
                    attribution: attribution.id.clone(),
                    first: first.get().to_string(),
                },
            )),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(&attribution.id);
            }
        }
        let arguments = attribution
            .source
            .iter()
            .map(|s| (s, Role::Source))
            .chain(attribution.cue.iter().map(|c| (c, Role::Cue)))
            .chain(attribution.content.iter().map(|c| (c, Role::Content)));
        if attribution.content.is_empty() {
            out.push(origin.diagnostic(
                &doc.id,
                Some(&attribution.id),
                Severity::Error,
                ProblemKind::EmptyAttribution {
                    attribution: attribution.id.clone(),
                    dropped: false,
                },
            ));
        }
        if let Some(k) = (1..attribution.content.len())
            .find(|&k| attribution.content[..k].contains(&attribution.content[k]))
        {
            out.push(origin.diagnostic(
                &doc.id,
                Some(&attribution.id),
                Severity::Error,
                ProblemKind::RepeatedContent {
                    attribution: attribution.id.clone(),
                    span: attribution.content[k].clone(),
                },
            ));
        }
        // (A span missing from several roles of one attribution is said once.)
        let mut missing: Vec<&str> = Vec::new();
        for (id, expected) in arguments {
            let kind = match roles.get(id.as_str()) {
                None if missing.contains(&id.as_str()) => continue,
                None => {
                    missing.push(id);
                    ProblemKind::MissingSpan {
                        attribution: attribution.id.clone(),
                        missing: id.clone(),
                    }
                }
                Some(&found) if found != expected => ProblemKind::WrongRole {
                    attribution: attribution.id.clone(),
                    span: id.clone(),
                    expected,
                    found,
                },
                Some(_) => continue,
            };
            out.push(origin.diagnostic(&doc.id, Some(&attribution.id), Severity::Error, kind));
        }
    }
    out.extend(role_overlaps(doc, origin, options.role_overlap));
    out
}

/// One diagnostic per span that shares characters with earlier spans of
/// other roles, naming the first of them and counting the rest: two spans
/// that overlap are reported once, and a pile of overlapping spans costs
/// one message a span, not one a pair.
fn role_overlaps(doc: &Document, origin: &Origin, severity: Severity) -> Vec<Diagnostic> {
    // (One index per role, each span looked for among the other roles'
    // alone: thousands of spans of one role over the same words cost no
    // pass over each other.)
    let of_role = |role: Role| {
        ByStart::new(
            doc.spans
                .iter()
                .enumerate()
                .filter(|(_, s)| s.role == role)
                .flat_map(|(i, s)| s.fragments.iter().map(move |f| (*f, i)))
                .collect(),
        )
    };
    let roles = Role::ALL.map(|r| (r, of_role(r)));
    // `counted[i] == j`: span `i` is already counted for span `j`.
    let mut counted = vec![usize::MAX; doc.spans.len()];
    let mut found: Vec<(usize, usize, usize)> = Vec::new();
    for (j, span) in doc.spans.iter().enumerate() {
        let (mut first, mut count) = (usize::MAX, 0);
        let others = roles.iter().filter(|(r, _)| *r != span.role);
        for (b, (_, fragments)) in span
            .fragments
            .iter()
            .flat_map(|b| others.clone().map(move |o| (b, o)))
        {
            for &(a, i) in fragments.near(*b) {
                if i < j && counted[i] != j && a.overlaps(b) {
                    counted[i] = j;
                    count += 1;
                    first = first.min(i);
                }
            }
        }
        if count > 0 {
            found.push((first, j, count - 1));
        }
    }
    found.sort_unstable();
    found
        .into_iter()
        .map(|(i, j, more)| {
            let (a, b) = (&doc.spans[i], &doc.spans[j]);
            // (Each fragment of the one inside one fragment of the other,
            // and shorter: the quote's is then tagged first.)
            let holds = |outer: &Span, inner: &Span| {
                outer.role == Role::Content
                    && matches!(inner.role, Role::Source | Role::Cue)
                    && inner.fragments.iter().all(|f| {
                        outer.fragments.iter().any(|o| {
                            o.start <= f.start
                                && f.end <= o.end
                                && (o.start, o.end) != (f.start, f.end)
                        })
                    })
            };
            let nested = holds(a, b) || holds(b, a);
            origin.diagnostic(
                &doc.id,
                Some(&b.id),
                severity,
                ProblemKind::RoleOverlap {
                    first: (a.role, a.id.clone()),
                    second: (b.role, b.id.clone()),
                    more,
                    nested,
                },
            )
        })
        .collect()
}

/// Characters of a text that a message quotes; a longer one is cut.
const QUOTED_CHARS: usize = 80;

/// `text` quoted for a message: at most [`QUOTED_CHARS`] characters, and
/// how many it has when it is cut (a span of a whole article, or of many
/// fragments, would make a message of megabytes).
/// An id as a message shows it: quoted and escaped when it holds a
/// character that would not show as itself (a NUL, a byte-order mark, a
/// zero-width space), as written otherwise.
pub(crate) fn shown_id(id: &str) -> std::borrow::Cow<'_, str> {
    if id.escape_debug().to_string() == id {
        id.into()
    } else {
        format!("{id:?}").into()
    }
}

fn quoted(text: &str) -> String {
    let n = text.chars().count();
    if n <= QUOTED_CHARS {
        return format!("{text:?}");
    }
    let cut: String = text.chars().take(QUOTED_CHARS).collect();
    format!("{cut:?}… ({n} characters)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Attribution, Span};

    /// A mismatch quotes both texts, long ones cut with their length.
    #[test]
    fn a_mismatch_message_quotes_long_texts_cut() {
        let mismatch = |expected: String, found: String| {
            ProblemKind::TextMismatch {
                span: "T1".into(),
                expected,
                found,
            }
            .to_string()
        };
        assert_eq!(
            mismatch("Ann".into(), "Bob".into()),
            "span T1: annotation text \"Bob\" does not match the text at its offsets \"Ann\""
        );
        let long = mismatch("é".repeat(5_000), "x".repeat(100_000));
        assert!(long.len() < 400, "{long}");
        assert!(
            long.contains("… (100000 characters)") && long.contains("… (5000 characters)"),
            "{long}"
        );
    }

    fn span(id: &str, role: Role, s: usize, e: usize) -> Span {
        Span {
            id: id.into(),
            role,
            fragments: vec![CharSpan::new(s, e)],
            name: None,
        }
    }

    fn doc() -> Document {
        let mut d = Document::new("d", "Ann said it rains.");
        d.spans = vec![
            span("T1", Role::Source, 0, 3),
            span("T2", Role::Cue, 4, 8),
            span("T3", Role::Content, 9, 17),
        ];
        d.attributions = vec![Attribution {
            id: "E1".into(),
            source: Some("T1".into()),
            cue: Some("T2".into()),
            content: vec!["T3".into()],
        }];
        d
    }

    fn origin() -> Origin {
        let mut o = Origin::file("d.ann");
        for (i, id) in ["T1", "T2", "T3", "E1"].iter().enumerate() {
            o.lines.insert(id.to_string(), i + 1);
        }
        o
    }

    #[test]
    fn clean_document_has_no_problems() {
        assert!(validate(&doc(), &origin(), &ValidationOptions::default()).is_empty());
    }

    #[test]
    fn offsets_past_text_are_errors_with_line() {
        let mut d = doc();
        d.spans[2].fragments[0].end = 40;
        let diags = validate(&d, &origin(), &ValidationOptions::default());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].severity, Severity::Error);
        assert_eq!(
            diags[0].to_string(),
            "d.ann:3: error: span T3: fragment 9..40 is outside the text (18 characters)"
        );
    }

    /// Fragments of one span that share characters, and a content listed
    /// twice, are errors (they would be counted twice).
    #[test]
    fn overlapping_fragments_and_repeated_contents_are_errors() {
        let mut d = doc();
        assert!(validate(&d, &origin(), &ValidationOptions::default()).is_empty());
        d.spans[0].fragments = vec![CharSpan::new(0, 2), CharSpan::new(1, 2)];
        let c = d.attributions[0].content[0].clone();
        d.attributions[0].content.push(c);
        let diags: Vec<String> = validate(&d, &origin(), &ValidationOptions::default())
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(
            diags[0].contains("error: span T1: fragments 0..2 and 1..2 share characters"),
            "{diags:?}"
        );
        assert!(
            diags[1].contains("error: attribution E1 lists content T3 twice"),
            "{diags:?}"
        );
    }

    /// An attribution with the same arguments as an earlier one is a
    /// warning naming both (it would be counted twice); one whose id is
    /// used twice is said once, as a duplicate id.
    #[test]
    fn a_repeated_attribution_is_a_warning() {
        let mut d = doc();
        let mut again = d.attributions[0].clone();
        again.id = "E2".into();
        d.attributions.push(again.clone());
        let mut o = origin();
        o.lines.insert("E2".into(), 5);
        let diags = validate(&d, &o, &ValidationOptions::default());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].severity, Severity::Warning);
        assert!(
            diags[0]
                .to_string()
                .starts_with("d.ann:5: warning: attribution E2 repeats attribution E1"),
            "{}",
            diags[0]
        );
        // (Another cue is another attribution.)
        d.attributions[1].cue = None;
        assert!(validate(&d, &o, &ValidationOptions::default()).is_empty());
        d.attributions[1] = again;
        d.attributions[1].id = "E1".into();
        let diags = validate(&d, &o, &ValidationOptions::default());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(
            matches!(diags[0].kind, ProblemKind::DuplicateId { .. }),
            "{diags:?}"
        );
    }

    /// An attribution without content is an error: a reader would drop it,
    /// so a writer must not write it as if it read back.
    #[test]
    fn an_attribution_without_content_is_an_error() {
        let mut d = doc();
        d.attributions[0].content.clear();
        let diags = validate(&d, &origin(), &ValidationOptions::default());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].severity, Severity::Error);
        assert!(
            diags[0]
                .to_string()
                .contains("error: attribution E1 has no content: an attribution is of a quote"),
            "{}",
            diags[0]
        );
    }

    /// A name belongs on a Source span: on another role it is an error
    /// (brat output could not be read back), on a Source it is none.
    #[test]
    fn a_name_on_a_cue_is_an_error() {
        let mut d = doc();
        d.spans[0].name = Some("Ann Lee".into());
        assert!(validate(&d, &origin(), &ValidationOptions::default()).is_empty());
        d.spans[1].name = Some("Ann Lee".into());
        let diags = validate(&d, &origin(), &ValidationOptions::default());
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].to_string(),
            "d.ann:2: error: a name for span T2, but T2 is a Cue; names are for Source spans"
        );
    }

    #[test]
    fn missing_and_wrong_role_references() {
        let mut d = doc();
        d.attributions[0].source = Some("T9".into());
        d.attributions[0].cue = Some("T3".into());
        let diags = validate(&d, &origin(), &ValidationOptions::default());
        let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            vec![
                "d.ann:4: error: attribution E1 refers to missing span T9",
                "d.ann:4: error: attribution E1 uses T3 as its Cue, but T3 is a Content",
            ]
        );
        // One missing span in every role is said once.
        let mut d = doc();
        d.attributions[0].source = Some("T9".into());
        d.attributions[0].cue = Some("T9".into());
        d.attributions[0].content = vec!["T9".into()];
        let diags = validate(&d, &origin(), &ValidationOptions::default());
        let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            vec!["d.ann:4: error: attribution E1 refers to missing span T9"]
        );
    }

    #[test]
    fn role_overlap_severity_follows_options() {
        let mut d = doc();
        d.spans[1].fragments[0] = CharSpan::new(2, 8);
        let warn = validate(&d, &origin(), &ValidationOptions::default());
        assert_eq!(warn.len(), 1);
        assert_eq!(warn[0].severity, Severity::Warning);
        assert!(warn[0]
            .to_string()
            .ends_with("warning: Source span T1 overlaps Cue span T2"));
        let strict = ValidationOptions {
            role_overlap: Severity::Error,
        };
        assert_eq!(
            validate(&d, &origin(), &strict)[0].severity,
            Severity::Error
        );
    }

    /// A Source or Cue inside a Content span (an attribution inside a
    /// quote) is still a warning, which says what the tags make of it.
    #[test]
    fn an_attribution_inside_a_quote_says_what_the_tags_keep() {
        let text = "Ann said: \"I told him we would win.\"";
        let mut d = Document::new("d", text);
        let at = |w: &str| text.find(w).unwrap();
        d.spans = vec![
            span("T1", Role::Source, 0, 3),
            span("T2", Role::Cue, 4, 8),
            span("T3", Role::Content, at("I told"), at(".\"") + 1),
            span("T4", Role::Source, at("I told"), at("I told") + 1),
            span("T5", Role::Cue, at("told"), at("told") + 4),
        ];
        let msgs: Vec<String> = validate(&d, &Origin::file("d.ann"), &Default::default())
            .iter()
            .map(|m| m.kind.to_string())
            .collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        for (m, inner) in msgs.iter().zip(["Source span T4", "Cue span T5"]) {
            assert!(
                m.starts_with(&format!(
                    "Content span T3 overlaps {inner}; an attribution inside a quote"
                )),
                "{m}"
            );
        }
        // Not a span that only overlaps a quote's end, nor one as long as
        // the quote (a fault of annotation), nor one that crosses from a
        // quote's first piece into the gap before its second.
        let plain = |d: &Document| -> Vec<String> {
            validate(d, &Origin::file("d.ann"), &Default::default())
                .iter()
                .map(|m| m.kind.to_string())
                .collect()
        };
        d.spans.truncate(3);
        d.spans.push(span("T6", Role::Cue, at("win"), text.len()));
        assert_eq!(plain(&d), ["Content span T3 overlaps Cue span T6"]);
        d.spans.truncate(3);
        d.spans
            .push(span("T7", Role::Source, at("I told"), at(".\"") + 1));
        assert_eq!(plain(&d), ["Content span T3 overlaps Source span T7"]);
        d.spans.truncate(2);
        d.spans.push(Span {
            fragments: vec![
                CharSpan::new(at("I told"), at("him")),
                CharSpan::new(at("we"), at(".\"") + 1),
            ],
            ..span("T3", Role::Content, 0, 1)
        });
        d.spans
            .push(span("T8", Role::Cue, at("told"), at("him") + 3));
        assert_eq!(plain(&d), ["Content span T3 overlaps Cue span T8"]);
    }

    /// Each span that overlaps earlier spans of other roles gets one
    /// message, naming the first and counting the rest; a pile of
    /// overlapping spans gives one message a span, not one a pair.
    #[test]
    fn overlaps_are_one_message_a_span() {
        let mut d = Document::new("d", "Ann said it rains.");
        d.spans = vec![
            span("T1", Role::Source, 0, 5),
            span("T2", Role::Cue, 2, 4),
            span("T3", Role::Content, 3, 8),
            Span {
                fragments: vec![CharSpan::new(0, 1), CharSpan::new(6, 7)],
                ..span("T4", Role::Cue, 0, 1)
            },
        ];
        let msgs: Vec<String> = validate(&d, &Origin::file("d.ann"), &Default::default())
            .iter()
            .map(|m| m.kind.to_string())
            .collect();
        assert_eq!(
            msgs,
            [
                "Source span T1 overlaps Cue span T2",
                "Source span T1 overlaps Content span T3 (and 1 more span of another role)",
                // (T4 meets T1 and T3, each once though by two fragments.)
                "Source span T1 overlaps Cue span T4 (and 1 more span of another role)",
            ]
        );
        let mut pile = Document::new("p", "ab");
        pile.spans = (0..2_000)
            .map(|k| {
                let role = if k % 2 == 0 { Role::Source } else { Role::Cue };
                span(&format!("T{k}"), role, 0, 2)
            })
            .collect();
        let diags = validate(&pile, &Origin::file("p.ann"), &Default::default());
        assert_eq!(diags.len(), 1_999);
        let last: Vec<String> = diags
            .iter()
            .map(|m| m.kind.to_string())
            .filter(|m| m.contains("T1999"))
            .collect();
        assert_eq!(
            last,
            ["Source span T0 overlaps Cue span T1999 (and 999 more spans of other roles)"]
        );
    }

    #[test]
    fn same_role_overlap_is_fine_and_duplicates_are_not() {
        let mut d = doc();
        d.spans.push(span("T4", Role::Content, 10, 12));
        assert!(validate(&d, &origin(), &ValidationOptions::default()).is_empty());
        d.spans.push(span("T4", Role::Content, 10, 12));
        let diags = validate(&d, &origin(), &ValidationOptions::default());
        assert_eq!(diags[0].kind, ProblemKind::DuplicateId { id: "T4".into() });
    }
}
