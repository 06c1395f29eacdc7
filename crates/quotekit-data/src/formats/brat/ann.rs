//! One `.ann` file against its text: spans (`T` lines), attribution events
//! (`E` lines), their checks and repairs, and how labels map to roles.
//! The file runs over 500 lines with its tests: each repair of a real brat
//! file, and each line it refuses, has one.

use crate::document::{Attribution, Document, Role, Span};
use crate::error::DataError;
use crate::formats::ReadDocument;
use crate::offsets::CharSpan;
use crate::validate::{Diagnostic, Origin, ProblemKind, Severity};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// The text of the AnnotatorNotes line that names a Source span's speaker.
pub const SPEAKER_NOTE: &str = "speaker: ";

/// How brat labels map to quotekit's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BratOptions {
    /// `T` labels that are role spans.
    pub role_labels: BTreeMap<String, Role>,
    /// `T` labels that are event triggers of attributions (and the `E` types).
    pub trigger_labels: BTreeSet<String>,
    /// `T` labels that are skipped (PolNeAR's review marks `Discuss` and `Discard`).
    pub ignored_labels: BTreeSet<String>,
    /// Annotator id to prefer where an article has several annotation files;
    /// otherwise the id that sorts first is used.
    pub annotator: Option<String>,
}

impl Default for BratOptions {
    fn default() -> Self {
        Self {
            role_labels: Role::ALL
                .iter()
                .map(|r| (r.brat_label().to_string(), *r))
                .collect(),
            trigger_labels: ["Attribution", "Attribution-no-source"]
                .map(String::from)
                .into(),
            ignored_labels: ["Discuss", "Discard"].map(String::from).into(),
            annotator: None,
        }
    }
}

/// True for lines that start a brat annotation: `T12\t`, `E3\t`, `#1\t`, `R1\t`, `A1\t`, ...
fn is_annotation_line(line: &str) -> bool {
    let Some((id, _)) = line.split_once('\t') else {
        return false;
    };
    let mut chars = id.chars();
    matches!(
        chars.next(),
        Some('T' | 'E' | 'R' | 'A' | 'M' | 'N' | '#' | '*')
    ) && chars.all(|c| c.is_ascii_digit())
}

fn parse_fragments(field: &str) -> Option<Vec<CharSpan>> {
    field
        .split(';')
        .map(|frag| {
            let mut it = frag.split(' ');
            let start = it.next()?.parse().ok()?;
            let end = it.next()?.parse().ok()?;
            it.next().is_none().then_some(CharSpan::new(start, end))
        })
        .collect()
}

/// Parses one `.ann` file against its text. Format errors (unknown labels, text
/// fields that do not match) become diagnostics; unparseable lines are errors.
pub fn parse_ann(
    name: &str,
    text: String,
    ann: &str,
    ann_path: &Path,
    options: &BratOptions,
) -> Result<ReadDocument, DataError> {
    let mut doc = Document::new(name, text);
    let index = doc.char_index();
    let mut origin = Origin::file(ann_path);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut triggers: HashSet<String> = HashSet::new();
    let mut ignored: HashSet<String> = HashSet::new();
    // Spans refused for their label (an error that stops the document): the
    // lines that point at them say nothing more of them.
    let mut refused: HashSet<String> = HashSet::new();
    let mut speakers: Vec<(String, String, usize)> = Vec::new();
    // (`E` lines are read once every `T` line is: brat allows any order.)
    let mut events: Vec<(&str, &str, usize)> = Vec::new();
    // Old Mac files end their lines with a lone `\r`: in a file with no
    // `\n` at all, `\r` ends a line (and a text's `\r` is its line break);
    // elsewhere a line ends with `\n` or `\r\n`.
    let cr_lines = !ann.contains('\n') && ann.contains('\r');
    let lines: Vec<&str> = if cr_lines {
        ann.split('\r').collect()
    } else {
        ann.split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect()
    };
    // A line that holds another after a lone `\r`, in a file that mixes
    // line ends, would hide it in its text field: refused, not lost. (A
    // span's line is refused only where its text is not the text at its
    // offsets: a text's own `\r` before `A<TAB>12`, a table in a quote, is
    // written as it is.)
    let hides = |line: &str| !cr_lines && line.split('\r').skip(1).any(is_annotation_line);
    let mixed = |line_no: usize| {
        DataError::syntax(
            ann_path,
            line_no,
            "a lone carriage return (`\\r`) in the line before what reads as another \
             annotation line: the file mixes line ends; write each line's end as `\\n` \
             (or `\\r\\n`)",
        )
    };
    if let Some(k) = lines.iter().position(|l| !l.starts_with('T') && hides(l)) {
        return Err(mixed(k + 1));
    }
    // (What follows the file's last line break: empty when the file ends
    // with one, and then no line of a text field unless it makes the text
    // whole, a text that ends with a line break in a file that ends
    // without another.)
    let after_last = lines.len() - 1;
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        let line = lines[i];
        i += 1;
        if !is_annotation_line(line) {
            if line.trim().is_empty() {
                continue;
            }
            return Err(DataError::syntax(
                ann_path,
                line_no,
                format!("expected an annotation line (`T1<TAB>Label start end<TAB>text`), found {line:?}"),
            ));
        }
        let fields: Vec<&str> = line.splitn(3, '\t').collect();
        let id = fields[0];
        match id.as_bytes()[0] {
            b'T' => {
                // (An empty label, `T1<TAB> 0 3`, is no label either.)
                let (label, offsets) = fields
                    .get(1)
                    .and_then(|f| f.split_once(' '))
                    .filter(|(label, _)| !label.is_empty())
                    .ok_or_else(|| {
                        DataError::syntax(
                            ann_path,
                            line_no,
                            format!("{id}: expected `Label start end`"),
                        )
                    })?;
                let fragments = parse_fragments(offsets).ok_or_else(|| {
                    DataError::syntax(
                        ann_path,
                        line_no,
                        format!("{id}: bad offsets {offsets:?} (expected `start end` or `start end;start end`)"),
                    )
                })?;
                // The text field may span several lines: take continuation lines
                // until it is as long as the text at the offsets. (Lines are
                // read without their `\r`, so a text's `\r`s are not compared.)
                let expected: Option<String> = fragments
                    .iter()
                    .map(|f| index.slice(doc.text(), *f))
                    .collect::<Option<Vec<_>>>()
                    .map(|parts| {
                        let text = parts.join(" ");
                        if cr_lines {
                            text.replace('\r', "\n")
                        } else {
                            text.replace('\r', "")
                        }
                    });
                let mut found = fields.get(2).copied().unwrap_or("").replace('\r', "");
                let want = expected.as_ref().map(|e| e.chars().count());
                while i < lines.len() && want.is_some_and(|w| found.chars().count() < w) {
                    let next = lines[i].replace('\r', "");
                    if i == after_last
                        && next.is_empty()
                        && expected.as_deref().map(|e| e.strip_suffix('\n')) != Some(Some(&found))
                    {
                        break;
                    }
                    // A line that reads as an annotation (`A<TAB>12` of a
                    // table in a quote) continues the text field when it is
                    // the text's next line, as the writer wrote it.
                    let continues = !is_annotation_line(lines[i])
                        || expected.as_ref().is_some_and(|e| {
                            e.strip_prefix(found.as_str())
                                .and_then(|rest| rest.strip_prefix('\n'))
                                .and_then(|rest| rest.strip_prefix(next.as_str()))
                                .is_some_and(|after| after.is_empty() || after.starts_with('\n'))
                        });
                    if !continues {
                        break;
                    }
                    found.push('\n');
                    found.push_str(&next);
                    i += 1;
                }
                if expected.as_ref() != Some(&found) && hides(line) {
                    return Err(mixed(line_no));
                }
                origin.lines.insert(id.to_string(), line_no);
                if let Some(role) = options.role_labels.get(label) {
                    if let Some(expected) = expected {
                        if expected != found {
                            diagnostics.push(origin.diagnostic(
                                name,
                                Some(id),
                                Severity::Error,
                                ProblemKind::TextMismatch {
                                    span: id.to_string(),
                                    expected,
                                    found,
                                },
                            ));
                        }
                    }
                    doc.spans.push(Span {
                        id: id.to_string(),
                        role: *role,
                        fragments,
                        name: None,
                    });
                } else if options.trigger_labels.contains(label) {
                    triggers.insert(id.to_string());
                } else if options.ignored_labels.contains(label) {
                    ignored.insert(id.to_string());
                } else {
                    refused.insert(id.to_string());
                    diagnostics.push(origin.diagnostic(
                        name,
                        Some(id),
                        Severity::Error,
                        ProblemKind::UnknownLabel {
                            label: label.to_string(),
                        },
                    ));
                }
            }
            b'E' => {
                if fields.get(2).is_some_and(|f| !f.trim().is_empty()) {
                    return Err(DataError::syntax(
                        ann_path,
                        line_no,
                        format!("{id}: a tab among the arguments (they are separated by spaces: `Attribution:T4 Source:T1 Cue:T2 Content:T3`)"),
                    ));
                }
                origin.lines.insert(id.to_string(), line_no);
                events.push((id, fields.get(1).copied().unwrap_or(""), line_no));
            }
            b'#' => {
                // AnnotatorNotes are free text for humans, except the speaker
                // note quotekit writes: `#1<TAB>AnnotatorNotes T3<TAB>speaker: NAME`.
                let target = fields
                    .get(1)
                    .and_then(|f| f.trim_start().strip_prefix("AnnotatorNotes "))
                    .filter(|target| !target.trim().is_empty());
                // (A note of another type, `Comment T1`, holds no name; nor
                // does one with no span after its type: its target is "".)
                let other_type = fields
                    .get(1)
                    .filter(|_| target.is_none())
                    .map(|f| f.trim().split_once(' ').map_or("", |(_, target)| target));
                let note = fields.get(2).and_then(|f| f.strip_prefix(SPEAKER_NOTE));
                if let (Some(target), Some(name)) = (target, note) {
                    speakers.push((target.trim().to_string(), name.trim().to_string(), line_no));
                } else if let (Some(target), Some("speaker:")) =
                    (target, fields.get(2).map(|f| f.trim()))
                {
                    // (`speaker:` with nothing after it, its space trimmed away.)
                    speakers.push((target.trim().to_string(), String::new(), line_no));
                } else if let (Some(target), Some(text)) = (target.or(other_type), fields.get(2)) {
                    // (`Speaker: Ann`, `speaker:Ann`, or a name in a note of
                    // another type: meant as a name, which would be lost
                    // without a word. With no span after the type, its last
                    // field: the span id may have come after a tab,
                    // `AnnotatorNotes<TAB>T1<TAB>speaker: Ann`.)
                    let read = match target.trim() {
                        "" => text.rsplit('\t').next().unwrap_or(text),
                        _ => text,
                    };
                    let head: String = read.trim_start().chars().take(9).collect();
                    let head = head.to_lowercase().replace(' ', "");
                    if head.starts_with("speaker:") {
                        diagnostics.push(Diagnostic {
                            line: Some(line_no),
                            ..origin.diagnostic(
                                name,
                                None,
                                Severity::Warning,
                                ProblemKind::MistypedSpeakerNote {
                                    span: target.trim().to_string(),
                                    note: text.trim_end().to_string(),
                                },
                            )
                        });
                    }
                }
            }
            _ => {
                return Err(DataError::syntax(
                    ann_path,
                    line_no,
                    format!("unsupported brat annotation {id} (quotekit reads T, E and # lines)"),
                ))
            }
        }
    }
    for (id, field, line_no) in events {
        if let Some(attribution) = parse_event(
            name,
            id,
            field,
            line_no,
            ann_path,
            options,
            Ids {
                triggers: &triggers,
                refused: &refused,
                spans: &doc.spans,
            },
            &origin,
            &mut diagnostics,
        )? {
            doc.attributions.push(attribution);
        }
    }
    // (The document does not load: an attribution of a refused span would
    // only add that the span is missing.)
    doc.attributions.retain(|a| {
        let mut args = a.source.iter().chain(&a.cue).chain(&a.content);
        !args.any(|id| refused.contains(id))
    });
    // (By id from a table: a note per span costs no scan of the spans. The
    // names are set once every note is looked up.)
    let positions = doc.span_positions();
    let mut named = Vec::new();
    let mut first_note: HashMap<String, usize> = HashMap::new();
    for (target, name, line) in speakers {
        let at = |kind| Diagnostic {
            line: Some(line),
            ..origin.diagnostic(&doc.id, None, Severity::Error, kind)
        };
        if let Some(&first) = first_note.get(&target) {
            diagnostics.push(at(ProblemKind::NamedAgain {
                span: target,
                first,
            }));
            continue;
        }
        first_note.insert(target.clone(), line);
        if name.is_empty() {
            diagnostics.push(at(ProblemKind::EmptyName { span: target }));
            continue;
        }
        // (Trimmed, and on a line of its own: a tab, or a lone carriage
        // return, can still make it one that names files could not keep.)
        if !crate::document::writable_name(&name) {
            diagnostics.push(at(ProblemKind::UnwritableName { span: target, name }));
            continue;
        }
        match positions.get(target.as_str()) {
            Some(&k) if doc.spans[k].role == Role::Source => named.push((k, name)),
            Some(&k) => diagnostics.push(at(ProblemKind::NameOfNonSource {
                span: target,
                role: doc.spans[k].role,
                names_file: false,
            })),
            None if refused.contains(&target) => {}
            None => diagnostics.push(at(ProblemKind::NameOfMissingSpan {
                span: target,
                names_file: false,
            })),
        }
    }
    for (k, name) in named {
        doc.spans[k].name = Some(name);
    }
    reconcile(&mut doc, &ignored, &origin, &mut diagnostics);
    Ok(ReadDocument {
        document: doc,
        origin,
        diagnostics,
    })
}

/// Repairs what real brat files get wrong in `E` lines, with a warning for each:
/// arguments pointing at ignored spans (`Discuss`) are dropped; arguments whose
/// role disagrees with their span's label are reassigned by label when that gives
/// one source and one cue; attributions left without content are dropped.
fn reconcile(
    doc: &mut Document,
    ignored: &HashSet<String>,
    origin: &Origin,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let roles: HashMap<&str, Role> = doc.spans.iter().map(|s| (s.id.as_str(), s.role)).collect();
    let mut kept = Vec::with_capacity(doc.attributions.len());
    for mut a in std::mem::take(&mut doc.attributions) {
        let mut warn = |kind| {
            diagnostics.push(origin.diagnostic(&doc.id, Some(&a.id), Severity::Warning, kind))
        };
        let mut drop_ignored = |id: &String| {
            let skip = ignored.contains(id);
            if skip {
                warn(ProblemKind::IgnoredArgument {
                    attribution: a.id.clone(),
                    span: id.clone(),
                });
            }
            !skip
        };
        a.source = a.source.take().filter(&mut drop_ignored);
        a.cue = a.cue.take().filter(&mut drop_ignored);
        a.content.retain(&mut drop_ignored);
        let args: Vec<(&String, Role)> = a
            .source
            .iter()
            .map(|s| (s, Role::Source))
            .chain(a.cue.iter().map(|c| (c, Role::Cue)))
            .chain(a.content.iter().map(|c| (c, Role::Content)))
            .collect();
        let actual: Option<Vec<Role>> = args
            .iter()
            .map(|(id, _)| roles.get(id.as_str()).copied())
            .collect();
        if let Some(actual) = actual {
            let mismatched = args.iter().zip(&actual).any(|((_, want), got)| want != got);
            let count = |r: Role| actual.iter().filter(|&&x| x == r).count();
            if mismatched && count(Role::Source) <= 1 && count(Role::Cue) <= 1 {
                let ids: Vec<String> = args.iter().map(|(id, _)| (*id).clone()).collect();
                let pick = |r: Role| {
                    ids.iter()
                        .zip(&actual)
                        .filter(move |(_, &x)| x == r)
                        .map(|(id, _)| id.clone())
                };
                let repaired = Attribution {
                    id: a.id.clone(),
                    source: pick(Role::Source).next(),
                    cue: pick(Role::Cue).next(),
                    content: pick(Role::Content).collect(),
                };
                diagnostics.push(origin.diagnostic(
                    &doc.id,
                    Some(&a.id),
                    Severity::Warning,
                    ProblemKind::RolesRepaired {
                        attribution: a.id.clone(),
                    },
                ));
                a = repaired;
            }
        }
        if a.content.is_empty() {
            diagnostics.push(origin.diagnostic(
                &doc.id,
                Some(&a.id),
                Severity::Warning,
                ProblemKind::EmptyAttribution {
                    attribution: a.id.clone(),
                    dropped: true,
                },
            ));
            continue;
        }
        kept.push(a);
    }
    doc.attributions = kept;
}

/// The ids of a file's `T` lines that `E` lines may name: attribution
/// triggers, spans refused for their label, and the spans.
struct Ids<'a> {
    triggers: &'a HashSet<String>,
    refused: &'a HashSet<String>,
    spans: &'a [Span],
}

/// Parses the arguments of an `E` line into an attribution (content may still be empty).
#[allow(clippy::too_many_arguments)]
fn parse_event(
    name: &str,
    id: &str,
    field: &str,
    line_no: usize,
    ann_path: &Path,
    options: &BratOptions,
    ids: Ids<'_>,
    origin: &Origin,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<Attribution>, DataError> {
    let mut attribution = Attribution {
        id: id.to_string(),
        source: None,
        cue: None,
        content: Vec::new(),
    };
    for (k, argument) in field.split_whitespace().enumerate() {
        let (key, target) = argument
            .split_once(':')
            .filter(|(key, target)| !key.is_empty() && !target.is_empty() && !target.contains(':'))
            .ok_or_else(|| {
                DataError::syntax(
                    ann_path,
                    line_no,
                    format!("{id}: argument {argument:?} is not `Role:T12`"),
                )
            })?;
        if k == 0 {
            if !options.trigger_labels.contains(key) {
                diagnostics.push(origin.diagnostic(
                    name,
                    Some(id),
                    Severity::Error,
                    ProblemKind::UnknownLabel {
                        label: key.to_string(),
                    },
                ));
            } else if !ids.triggers.contains(target) && !ids.refused.contains(target) {
                // (Looked up only here, where the line is wrong.)
                let kind = match ids.spans.iter().find(|s| s.id == target) {
                    Some(span) => ProblemKind::SpanAsTrigger {
                        attribution: id.to_string(),
                        span: target.to_string(),
                        role: span.role,
                    },
                    None => ProblemKind::MissingSpan {
                        attribution: id.to_string(),
                        missing: target.to_string(),
                    },
                };
                diagnostics.push(origin.diagnostic(name, Some(id), Severity::Error, kind));
            }
            continue;
        }
        let role_name = key.trim_end_matches(|c: char| c.is_ascii_digit());
        match options.role_labels.get(role_name) {
            // (A trigger where a span goes is said so here, and left out:
            // the check of the spans would call it missing.)
            Some(&role) if ids.triggers.contains(target) => diagnostics.push(origin.diagnostic(
                name,
                Some(id),
                Severity::Error,
                ProblemKind::TriggerAsArgument {
                    attribution: id.to_string(),
                    trigger: target.to_string(),
                    role,
                },
            )),
            Some(Role::Source) if attribution.source.is_none() => {
                attribution.source = Some(target.to_string())
            }
            Some(Role::Cue) if attribution.cue.is_none() => {
                attribution.cue = Some(target.to_string())
            }
            Some(Role::Content) => attribution.content.push(target.to_string()),
            Some(&role) => diagnostics.push(origin.diagnostic(
                name,
                Some(id),
                Severity::Error,
                ProblemKind::RepeatedRole {
                    attribution: id.to_string(),
                    role,
                    span: target.to_string(),
                },
            )),
            None => diagnostics.push(origin.diagnostic(
                name,
                Some(id),
                Severity::Error,
                ProblemKind::UnknownLabel {
                    label: key.to_string(),
                },
            )),
        }
    }
    Ok(Some(attribution))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_swapped_roles_and_drops_ignored_arguments_with_warnings() {
        let ann = "T1\tContent 0 3\tAnn\nT2\tCue 4 8\tsaid\nT3\tSource 9 11\tso\n\
                   T4\tAttribution 4 8\tsaid\nT5\tDiscuss 4 8\tsaid\n\
                   E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n\
                   E2\tAttribution:T4 Cue:T5 Content:T1\nE3\tAttribution:T4 \n";
        let read = read(ann).unwrap();
        let a = &read.document.attributions;
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].source.as_deref(), Some("T3"));
        assert_eq!(a[0].content, vec!["T1".to_string()]);
        assert_eq!(a[1].cue, None);
        let msgs: Vec<String> = read.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            vec![
                "d.ann:6: warning: attribution E1: argument roles disagree with the span labels; reassigned by label",
                "d.ann:7: warning: attribution E2 refers to ignored span T5; that argument is dropped",
                "d.ann:8: warning: attribution E3 has no content; it is dropped",
            ]
        );
    }

    /// A text field that does not match, on the file's last line, is
    /// quoted as written: the line break that ends the file is no line of
    /// it (it was quoted as `"Ab\n"`).
    #[test]
    fn a_mismatch_on_the_last_line_quotes_no_line_break() {
        for ann in ["T1\tSource 0 3\tAb\n", "T1\tSource 0 3\tAb"] {
            let said: Vec<String> = read(ann)
                .unwrap()
                .diagnostics
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(
                said,
                ["d.ann:1: error: span T1: annotation text \"Ab\" does not match the text at its \
                  offsets \"Ann\""],
                "{ann:?}"
            );
        }
        // (A text that ends with a line break is written with it, and read,
        // in a file that ends with another line break or without, with CRLF
        // line ends too.)
        for ann in [
            "T1\tSource 0 4\tAnn\n\n",
            "T1\tSource 0 4\tAnn\n",
            "T1\tSource 0 4\tAnn\r\n",
        ] {
            let read = parse_ann(
                "d",
                "Ann\nsaid so.".into(),
                ann,
                Path::new("d.ann"),
                &BratOptions::default(),
            )
            .unwrap();
            assert!(
                read.diagnostics.is_empty(),
                "{ann:?}: {:?}",
                read.diagnostics
            );
        }
    }

    /// An old Mac file, its lines ended by a lone `\r`, reads as the same
    /// file with `\n` (its first line a trigger, a note or a span, a text
    /// field of two lines); a file that mixes line ends so that one line
    /// holds another after a lone `\r` is refused at that line (its text
    /// field hid every annotation after it).
    #[test]
    fn old_mac_line_ends_are_line_ends() {
        let lf = "T4\tAttribution 4 8\tsaid\n#1\tAnnotatorNotes T1\tchecked\n\
                  T1\tSource 0 3\tAnn\nT2\tCue 4 8\tsaid\nT3\tContent 4 13\tsaid\nyes.\n\
                  E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n";
        let read = |text: &str, ann: &str| {
            parse_ann(
                "d",
                text.into(),
                ann,
                Path::new("d.ann"),
                &BratOptions::default(),
            )
        };
        let want = read("Ann said\nyes.", lf).unwrap();
        assert!(want.diagnostics.is_empty(), "{:?}", want.diagnostics);
        assert_eq!(want.document.spans.len(), 3);
        assert_eq!(want.document.attributions.len(), 1);
        let got = read("Ann said\ryes.", &lf.replace('\n', "\r")).unwrap();
        assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
        assert_eq!(got.document.spans, want.document.spans);
        assert_eq!(got.document.attributions, want.document.attributions);
        let mixed = lf.replacen('\n', "\r", 1);
        let err = read("Ann said\nyes.", &mixed).unwrap_err().to_string();
        assert!(err.starts_with("d.ann:1: a lone carriage return"), "{err}");
        // A span whose own text holds a lone `\r` before what reads as an
        // annotation line (a table in a quote), as quotekit writes it, is
        // read: its text is the text at its offsets.
        let table = "Scores:\rA\t12\rB\t9";
        let read = read(table, "T1\tContent 0 16\tScores:\rA\t12\rB\t9\n").unwrap();
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        assert_eq!(read.document.spans.len(), 1);
    }

    /// A span where an attribution's trigger goes, or its trigger where a
    /// span goes, is said to be that, not a missing span.
    #[test]
    fn a_span_and_a_trigger_mixed_up_are_named_as_such() {
        let ann = "T1\tSource 0 3\tAnn\nT2\tCue 4 8\tsaid\nT3\tContent 9 11\tso\n\
                   T4\tAttribution 4 8\tsaid\nE1\tAttribution:T3 Content:T3\n\
                   E2\tAttribution:T4 Source:T4 Content:T3\nE3\tAttribution:T9 Content:T3\n";
        let read = read(ann).unwrap();
        let msgs: Vec<String> = read.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            vec![
                "d.ann:5: error: attribution E1 has T3, a Content span, as its trigger, where an \
                 attribution trigger goes",
                "d.ann:6: error: attribution E2 uses T4, an attribution trigger, as its Source, \
                 where a Source span goes",
                "d.ann:7: error: attribution E3 refers to missing span T9",
            ]
        );
    }

    /// A text field over several lines goes on through a line that reads
    /// as an annotation (`A<TAB>12`, a row of a table in a quote) when it is
    /// the text's next line; the annotations after it are read as such.
    #[test]
    fn a_text_line_that_reads_as_an_annotation_continues_the_text_field() {
        let text = "He said:\nA\t12\nE\t7\nend.";
        let ann = "T1\tContent 9 21\tA\t12\nE\t7\nend\nT2\tSource 0 2\tHe\n";
        let read = parse_ann(
            "d",
            text.into(),
            ann,
            Path::new("d.ann"),
            &BratOptions::default(),
        )
        .unwrap();
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        let spans = &read.document.spans;
        assert_eq!(spans.len(), 2);
        let index = read.document.char_index();
        let content = read.document.span_text(&index, &spans[0]).unwrap();
        assert_eq!(content, "A\t12\nE\t7\nend");
        // A line that is not the text's next one is an annotation: here a
        // text field cut short, said as such.
        let short = "T1\tContent 9 21\tA\t12\nT2\tSource 0 2\tHe\n";
        let read = parse_ann(
            "d",
            text.into(),
            short,
            Path::new("d.ann"),
            &BratOptions::default(),
        )
        .unwrap();
        let msgs: Vec<String> = read.diagnostics.iter().map(ToString::to_string).collect();
        assert!(msgs[0].contains("does not match"), "{msgs:?}");
    }

    /// A note that reads as a speaker note but is written otherwise
    /// (`Speaker:`, no space, a tab) is a warning, not a name lost without a
    /// word; other notes are free text.
    #[test]
    fn a_mistyped_speaker_note_is_a_warning() {
        for note in [
            "Speaker: Ann",
            "speaker:Ann",
            "speaker:\tAnn",
            "SPEAKER : Ann",
        ] {
            let ann = format!("T1\tSource 0 3\tAnn\n#1\tAnnotatorNotes T1\t{note}\n");
            let read = read(&ann).unwrap();
            assert_eq!(read.document.spans[0].name, None);
            let msgs: Vec<String> = read.diagnostics.iter().map(ToString::to_string).collect();
            assert_eq!(msgs.len(), 1, "{msgs:?}");
            assert!(
                msgs[0].starts_with("d.ann:2: warning: the note ")
                    && msgs[0].contains("on span T1 reads as a speaker note"),
                "{msgs:?}"
            );
        }
        for note in ["speaker: Ann", "a speaker: maybe", "spoke"] {
            let ann = format!("T1\tSource 0 3\tAnn\n#1\tAnnotatorNotes T1\t{note}\n");
            assert!(read(&ann).unwrap().diagnostics.is_empty(), "{note}");
        }
        // A speaker note of another type than AnnotatorNotes, or one that
        // names no span after its type, names no one: said; other notes
        // of such types are free text.
        for (type_field, said) in [
            ("Comment T1", "on an `AnnotatorNotes` line"),
            ("AnnotatorNotes", "names no span"),
            ("AnnotatorNotes ", "names no span"),
            ("Comment", "names no span"),
            ("AnnotatorNotes\tT1", "names no span"),
        ] {
            let ann = format!("T1\tSource 0 3\tAnn\n#1\t{type_field}\tspeaker: Ann\n");
            let read_back = read(&ann).unwrap();
            assert_eq!(read_back.document.spans[0].name, None);
            let msgs: Vec<String> = read_back
                .diagnostics
                .iter()
                .map(ToString::to_string)
                .collect();
            assert!(
                msgs.len() == 1 && msgs[0].contains(said),
                "{type_field:?}: {msgs:?}"
            );
            let ann = format!("T1\tSource 0 3\tAnn\n#1\t{type_field}\tchecked\n");
            assert!(read(&ann).unwrap().diagnostics.is_empty());
        }
        // A space before the type is read past.
        let spaced = read("T1\tSource 0 3\tAnn\n#1\t AnnotatorNotes T1\tspeaker: Ann\n").unwrap();
        assert_eq!(spaced.document.spans[0].name.as_deref(), Some("Ann"));
        assert!(spaced.diagnostics.is_empty());
    }

    fn read(ann: &str) -> Result<ReadDocument, DataError> {
        parse_ann(
            "d",
            "Ann said so.".into(),
            ann,
            Path::new("d.ann"),
            &BratOptions::default(),
        )
    }

    /// An `E` line may come before the `T` lines it names (brat allows any
    /// order); a tab among its arguments is an error, not a lost argument.
    #[test]
    fn events_in_any_order_and_tabs_among_arguments() {
        let spans = "T1\tSource 0 3\tAnn\nT2\tCue 4 8\tsaid\nT3\tContent 9 11\tso\nT4\tAttribution 4 8\tsaid\n";
        let event = "E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n";
        let after = read(&format!("{spans}{event}")).unwrap();
        let before = read(&format!("{event}{spans}")).unwrap();
        assert!(before.diagnostics.is_empty(), "{:?}", before.diagnostics);
        assert_eq!(before.document, after.document);
        let e = read(&format!(
            "{spans}E1\tAttribution:T4 Source:T1\tCue:T2 Content:T3\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("d.ann:5: E1: a tab among the arguments"), "{e}");
        // An argument without a role or a span is said once, as what it is.
        for argument in [":::", ":T1", "Source:", "Source:T1:T2"] {
            let e = read(&format!("{spans}E1\tAttribution:T4 {argument}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!(
                    "d.ann:5: E1: argument {argument:?} is not `Role:T12`"
                )),
                "{e}"
            );
        }
    }

    /// A T line without a label (`T1<TAB> 0 3`) is a syntax error, not an
    /// unknown label to skip with `--ignore-label` (review 59).
    #[test]
    fn a_span_without_a_label_is_malformed() {
        let err = read("T1\t 0 3\tAnn\n").unwrap_err().to_string();
        assert!(
            err.contains("d.ann:1: T1: expected `Label start end`"),
            "{err}"
        );
    }

    /// One speaker note per span, and not an empty one.
    #[test]
    fn a_span_named_twice_or_with_nothing_is_an_error() {
        let msgs = |ann: &str| -> Vec<String> {
            read(ann)
                .unwrap()
                .diagnostics
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        let twice = msgs("T1\tSource 0 3\tAnn\n#1\tAnnotatorNotes T1\tspeaker: Ann Lee\n#2\tAnnotatorNotes T1\tspeaker: Bob Ray\n");
        assert_eq!(
            twice,
            ["d.ann:3: error: span T1 is named again (first on line 2): one speaker note per span"]
        );
        for note in ["speaker: ", "speaker:"] {
            let empty = msgs(&format!(
                "T1\tSource 0 3\tAnn\n#1\tAnnotatorNotes T1\t{note}\n"
            ));
            assert_eq!(
                empty,
                ["d.ann:2: error: an empty speaker name for span T1; write `-` for no one"],
                "{note:?}"
            );
        }
        // A tab in the name (the line's fields are split at the first two
        // only) makes a name that names files could not keep; other control
        // characters are kept.
        let tab = msgs("T1\tSource 0 3\tAnn\n#1\tAnnotatorNotes T1\tspeaker: Ann\tLee\n");
        assert_eq!(tab.len(), 1, "{tab:?}");
        assert!(
            tab[0]
                .starts_with("d.ann:2: error: the speaker name \"Ann\\tLee\" of span T1 has a tab"),
            "{tab:?}"
        );
        let kept =
            read("T1\tSource 0 3\tAnn\n#1\tAnnotatorNotes T1\tspeaker: Ann\u{85}Lee\n").unwrap();
        assert!(kept.diagnostics.is_empty(), "{:?}", kept.diagnostics);
        assert_eq!(kept.document.spans[0].name.as_deref(), Some("Ann\u{85}Lee"));
    }
}
