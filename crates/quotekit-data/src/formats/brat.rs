//! brat standoff: a `.txt` file with the article and a `.ann` file whose `T`
//! lines are spans and whose `E` lines are attribution events.
//!
//! Two layouts are read: PolNeAR's (`text/NAME.txt` + `attributions/NAME_ANNOTATOR.ann`,
//! choosing one annotator per article) and the flat one (`NAME.txt` + `NAME.ann`).
//! A directory holding neither but with sub-directories that do (`train/`, `dev/`)
//! is read as the union of those, in name order.

use super::{create_parent, CorpusReader, CorpusWriter, DocumentStream, ReadDocument};
use crate::document::{Attribution, Document, Role, Span};
use crate::error::{read_text, DataError};
use crate::offsets::CharSpan;
use crate::validate::{Diagnostic, Origin, ProblemKind, Severity};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

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

/// Reads brat corpora.
#[derive(Debug, Clone, Default)]
pub struct BratReader {
    /// Label mapping and annotator choice.
    pub options: BratOptions,
}

/// One article's files.
#[derive(Debug, Clone)]
struct Pair {
    name: String,
    text: PathBuf,
    ann: PathBuf,
}

impl CorpusReader for BratReader {
    fn read<'a>(&'a self, path: &Path) -> Result<DocumentStream<'a>, DataError> {
        let mut pairs = Vec::new();
        let mut errors = Vec::new();
        collect_pairs(path, &self.options, &mut pairs, &mut errors)?;
        let docs = pairs
            .into_iter()
            .map(move |p| read_pair(&p, &self.options))
            .chain(errors.into_iter().map(Err));
        Ok(Box::new(docs))
    }
}

fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| DataError::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|err| DataError::io(dir, err)))
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort();
    Ok(entries)
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.is_file() && p.extension().and_then(|e| e.to_str()) == Some(ext)
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Finds the article pairs of a corpus directory in any supported layout.
/// Articles with a text but no annotation file (or the reverse) become errors.
fn collect_pairs(
    dir: &Path,
    options: &BratOptions,
    pairs: &mut Vec<Pair>,
    errors: &mut Vec<DataError>,
) -> Result<(), DataError> {
    if !dir.is_dir() {
        return Err(DataError::Layout {
            path: dir.to_path_buf(),
            message: "a brat corpus is a directory".into(),
        });
    }
    let (text_dir, ann_dir) = (dir.join("text"), dir.join("attributions"));
    if text_dir.is_dir() && ann_dir.is_dir() {
        return collect_polnear(&text_dir, &ann_dir, options, pairs, errors);
    }
    let entries = list_dir(dir)?;
    if entries
        .iter()
        .any(|p| has_ext(p, "ann") || has_ext(p, "txt"))
    {
        let anns: HashSet<String> = entries
            .iter()
            .filter(|p| has_ext(p, "ann"))
            .map(|p| stem(p))
            .collect();
        let texts: HashSet<String> = entries
            .iter()
            .filter(|p| has_ext(p, "txt"))
            .map(|p| stem(p))
            .collect();
        for p in entries.iter().filter(|p| has_ext(p, "txt")) {
            let name = stem(p);
            if anns.contains(&name) {
                pairs.push(Pair {
                    ann: dir.join(format!("{name}.ann")),
                    text: p.clone(),
                    name,
                });
            } else {
                errors.push(DataError::MissingAnnotation {
                    text: p.clone(),
                    ann: dir.join(format!("{name}.ann")),
                });
            }
        }
        for p in entries.iter().filter(|p| has_ext(p, "ann")) {
            if !texts.contains(&stem(p)) {
                errors.push(DataError::MissingText {
                    ann: p.clone(),
                    text: p.with_extension("txt"),
                });
            }
        }
        return Ok(());
    }
    let subdirs: Vec<&PathBuf> = entries.iter().filter(|p| p.is_dir()).collect();
    if subdirs.is_empty() {
        return Err(DataError::Layout {
            path: dir.to_path_buf(),
            message: "no .txt/.ann files, no text/ + attributions/ folders, and no \
                      sub-folders holding either"
                .into(),
        });
    }
    for sub in subdirs {
        collect_pairs(sub, options, pairs, errors)?;
    }
    Ok(())
}

/// PolNeAR layout: `text/NAME.txt`, `attributions/NAME_ANNOTATOR.ann`.
fn collect_polnear(
    text_dir: &Path,
    ann_dir: &Path,
    options: &BratOptions,
    pairs: &mut Vec<Pair>,
    errors: &mut Vec<DataError>,
) -> Result<(), DataError> {
    let mut by_name: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
    for p in list_dir(ann_dir)?.into_iter().filter(|p| has_ext(p, "ann")) {
        let s = stem(&p);
        let (name, annotator) = match s.rsplit_once('_') {
            Some((n, a)) => (n.to_string(), a.to_string()),
            None => (s.clone(), String::new()),
        };
        by_name.entry(name).or_default().push((annotator, p));
    }
    let texts: Vec<PathBuf> = list_dir(text_dir)?
        .into_iter()
        .filter(|p| has_ext(p, "txt"))
        .collect();
    let text_names: HashSet<String> = texts.iter().map(|p| stem(p)).collect();
    for text in texts {
        let name = stem(&text);
        match by_name.get_mut(&name) {
            Some(candidates) => {
                candidates.sort();
                let chosen = options
                    .annotator
                    .as_ref()
                    .and_then(|want| candidates.iter().find(|(a, _)| a == want))
                    .unwrap_or(&candidates[0]);
                pairs.push(Pair {
                    name,
                    text,
                    ann: chosen.1.clone(),
                });
            }
            None => errors.push(DataError::MissingAnnotation {
                ann: ann_dir.join(format!("{name}_ANNOTATOR.ann")),
                text,
            }),
        }
    }
    for (name, candidates) in by_name {
        if !text_names.contains(&name) {
            for (_, ann) in candidates {
                errors.push(DataError::MissingText {
                    ann,
                    text: text_dir.join(format!("{name}.txt")),
                });
            }
        }
    }
    Ok(())
}

fn read_pair(pair: &Pair, options: &BratOptions) -> Result<ReadDocument, DataError> {
    let text = read_text(&pair.text)?;
    let ann = read_text(&pair.ann)?;
    parse_ann(&pair.name, text, &ann, &pair.ann, options)
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
    let lines: Vec<&str> = ann
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
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
                let (label, offsets) =
                    fields
                        .get(1)
                        .and_then(|f| f.split_once(' '))
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
                // until it is as long as the text at the offsets.
                let expected: Option<String> = fragments
                    .iter()
                    .map(|f| index.slice(doc.text(), *f))
                    .collect::<Option<Vec<_>>>()
                    .map(|parts| parts.join(" "));
                let mut found = fields.get(2).copied().unwrap_or("").to_string();
                let want = expected.as_ref().map(|e| e.chars().count());
                while i < lines.len()
                    && !is_annotation_line(lines[i])
                    && want.is_some_and(|w| found.chars().count() < w)
                {
                    found.push('\n');
                    found.push_str(lines[i]);
                    i += 1;
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
                    });
                } else if options.trigger_labels.contains(label) {
                    triggers.insert(id.to_string());
                } else if options.ignored_labels.contains(label) {
                    ignored.insert(id.to_string());
                } else {
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
                origin.lines.insert(id.to_string(), line_no);
                if let Some(attribution) = parse_event(
                    name,
                    id,
                    fields.get(1).copied().unwrap_or(""),
                    line_no,
                    ann_path,
                    options,
                    &triggers,
                    &origin,
                    &mut diagnostics,
                )? {
                    doc.attributions.push(attribution);
                }
            }
            b'#' => {} // AnnotatorNotes: free text for humans, not annotations.
            _ => {
                return Err(DataError::syntax(
                    ann_path,
                    line_no,
                    format!("unsupported brat annotation {id} (quotekit reads T, E and # lines)"),
                ))
            }
        }
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
                },
            ));
            continue;
        }
        kept.push(a);
    }
    doc.attributions = kept;
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
    triggers: &HashSet<String>,
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
        let (key, target) = argument.split_once(':').ok_or_else(|| {
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
            } else if !triggers.contains(target) {
                diagnostics.push(origin.diagnostic(
                    name,
                    Some(id),
                    Severity::Error,
                    ProblemKind::MissingSpan {
                        attribution: id.to_string(),
                        missing: target.to_string(),
                    },
                ));
            }
            continue;
        }
        let role_name = key.trim_end_matches(|c: char| c.is_ascii_digit());
        match options.role_labels.get(role_name) {
            Some(Role::Source) if attribution.source.is_none() => {
                attribution.source = Some(target.to_string())
            }
            Some(Role::Cue) if attribution.cue.is_none() => {
                attribution.cue = Some(target.to_string())
            }
            Some(Role::Content) => attribution.content.push(target.to_string()),
            _ => diagnostics.push(origin.diagnostic(
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

/// Writes brat's flat layout: `NAME.txt` and `NAME.ann` per document.
#[derive(Debug, Clone, Default)]
pub struct BratWriter;

impl CorpusWriter for BratWriter {
    fn write(&self, documents: &[Document], path: &Path) -> Result<(), DataError> {
        std::fs::create_dir_all(path).map_err(|e| DataError::io(path, e))?;
        for doc in documents {
            let base = path.join(file_name(&doc.id));
            let text_path = base.with_extension("txt");
            create_parent(&text_path)?;
            std::fs::write(&text_path, doc.text()).map_err(|e| DataError::io(&text_path, e))?;
            let ann_path = base.with_extension("ann");
            std::fs::write(&ann_path, to_ann(doc)).map_err(|e| DataError::io(&ann_path, e))?;
        }
        Ok(())
    }
}

/// A document id as a file name: path separators and NULs become `_`.
pub fn file_name(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        format!("doc_{cleaned}")
    } else {
        cleaned
    }
}

fn numbered(id: &str, prefix: char) -> Option<u64> {
    id.strip_prefix(prefix)?.parse().ok()
}

/// Renders a document's annotations as brat `.ann` text. Span and attribution ids
/// are kept when they are brat ids (`T12`, `E3`), otherwise all are renumbered;
/// each attribution gets a trigger `T` line on its cue (or content).
pub fn to_ann(doc: &Document) -> String {
    use std::fmt::Write;
    let index = doc.char_index();
    let keep = doc.spans.iter().all(|s| numbered(&s.id, 'T').is_some())
        && doc
            .attributions
            .iter()
            .all(|a| numbered(&a.id, 'E').is_some());
    let span_id: HashMap<&str, String> = doc
        .spans
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let id = if keep {
                s.id.clone()
            } else {
                format!("T{}", k + 1)
            };
            (s.id.as_str(), id)
        })
        .collect();
    let mut next_t = doc
        .spans
        .iter()
        .filter_map(|s| numbered(&span_id[s.id.as_str()], 'T'))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for span in &doc.spans {
        let offsets: Vec<String> = span
            .fragments
            .iter()
            .map(|f| format!("{} {}", f.start, f.end))
            .collect();
        let text = doc.span_text(&index, span).unwrap_or_default();
        let _ = writeln!(
            out,
            "{}\t{} {}\t{}",
            span_id[span.id.as_str()],
            span.role.brat_label(),
            offsets.join(";"),
            text
        );
    }
    for (k, attribution) in doc.attributions.iter().enumerate() {
        let id = if keep {
            attribution.id.clone()
        } else {
            format!("E{}", k + 1)
        };
        let anchor = attribution
            .cue
            .as_deref()
            .or(attribution.content.first().map(String::as_str))
            .and_then(|id| doc.span(id));
        let label = if attribution.source.is_some() {
            "Attribution"
        } else {
            "Attribution-no-source"
        };
        next_t += 1;
        let trigger = format!("T{next_t}");
        if let Some(anchor) = anchor {
            let offsets: Vec<String> = anchor
                .fragments
                .iter()
                .map(|f| format!("{} {}", f.start, f.end))
                .collect();
            let text = doc.span_text(&index, anchor).unwrap_or_default();
            let _ = writeln!(out, "{trigger}\t{label} {}\t{text}", offsets.join(";"));
        }
        let mut args = vec![format!("{label}:{trigger}")];
        let lookup = |s: &String| {
            span_id
                .get(s.as_str())
                .cloned()
                .unwrap_or_else(|| s.clone())
        };
        if let Some(s) = &attribution.source {
            args.push(format!("Source:{}", lookup(s)));
        }
        if let Some(c) = &attribution.cue {
            args.push(format!("Cue:{}", lookup(c)));
        }
        for (n, c) in attribution.content.iter().enumerate() {
            let key = if n == 0 {
                "Content".to_string()
            } else {
                format!("Content{}", n + 1)
            };
            args.push(format!("{key}:{}", lookup(c)));
        }
        let _ = writeln!(out, "{id}\t{}", args.join(" "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Format;
    use crate::load::{load_corpus, LoadOptions};

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn polnear_layout_chooses_the_first_annotator_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("train");
        write(&root.join("text/a.txt"), "Ann said so.");
        write(
            &root.join("attributions/a_ff01.ann"),
            "T1\tSource 0 3\tAnn\n",
        );
        write(&root.join("attributions/a_0b2c.ann"), "T1\tCue 4 8\tsaid\n");
        let load = |annotator: Option<&str>| {
            let mut options = LoadOptions::default();
            options.brat.annotator = annotator.map(String::from);
            load_corpus(dir.path(), Format::Brat, &options)
                .unwrap()
                .documents
        };
        assert_eq!(load(None)[0].spans[0].role, Role::Cue);
        assert_eq!(load(Some("ff01"))[0].spans[0].role, Role::Source);
        assert_eq!(load(Some("9999"))[0].spans[0].role, Role::Cue);
    }

    #[test]
    fn unknown_layout_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let err = BratReader::default().read(dir.path()).err().unwrap();
        assert!(err.to_string().contains("no .txt/.ann files"), "{err}");
    }

    #[test]
    fn writer_golden_output_and_renumbering() {
        let mut doc = Document::new("x", "“Go,” Bo said.");
        doc.spans = vec![
            Span {
                id: "q".into(),
                role: Role::Content,
                fragments: vec![CharSpan::new(0, 5)],
            },
            Span {
                id: "s".into(),
                role: Role::Source,
                fragments: vec![CharSpan::new(6, 8)],
            },
            Span {
                id: "c".into(),
                role: Role::Cue,
                fragments: vec![CharSpan::new(9, 13)],
            },
        ];
        doc.attributions = vec![Attribution {
            id: "a".into(),
            source: Some("s".into()),
            cue: Some("c".into()),
            content: vec!["q".into()],
        }];
        assert_eq!(
            to_ann(&doc),
            "T1\tContent 0 5\t“Go,”\nT2\tSource 6 8\tBo\nT3\tCue 9 13\tsaid\n\
             T4\tAttribution 9 13\tsaid\nE1\tAttribution:T4 Source:T2 Cue:T3 Content:T1\n"
        );
    }

    #[test]
    fn repairs_swapped_roles_and_drops_ignored_arguments_with_warnings() {
        let ann = "T1\tContent 0 3\tAnn\nT2\tCue 4 8\tsaid\nT3\tSource 9 11\tso\n\
                   T4\tAttribution 4 8\tsaid\nT5\tDiscuss 4 8\tsaid\n\
                   E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n\
                   E2\tAttribution:T4 Cue:T5 Content:T1\nE3\tAttribution:T4 \n";
        let read = parse_ann(
            "d",
            "Ann said so.".into(),
            ann,
            Path::new("d.ann"),
            &BratOptions::default(),
        )
        .unwrap();
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
}
