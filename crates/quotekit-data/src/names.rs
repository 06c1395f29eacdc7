//! Canonical speaker names kept beside a corpus: a directory of `ID.tsv`
//! files, one per document, with one line per Source span,
//! `Tid<TAB>source text<TAB>canonical` (`-` where the source is no named
//! person or organization), as `../shared/datasets/polnear-speakers/dev` has
//! them for PolNeAR dev and `datasets/polnear-speakers/train` for the part of
//! PolNeAR train annotated here. Loading a corpus with names sets each
//! listed span's [`Span::name`](crate::document::Span).
//! The file runs a little over 500 lines with its tests: reading names
//! files, applying them and the checks on them are read together.

use crate::document::{Document, Role, Span};
use crate::error::{decode_text, DataError};
use crate::offsets::CharIndex;
use crate::validate::{Diagnostic, Origin, ProblemKind, Severity};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One line of a names file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameLine {
    /// 1-based line number.
    pub line: usize,
    /// The span id (`T12`).
    pub span: String,
    /// The span's text as the file gives it.
    pub text: String,
    /// The canonical name, or [`crate::document::NO_NAME`].
    pub name: String,
}

/// `bytes` with every line end, `\n`, `\r\n` or a lone `\r`, written `\n`.
/// (Neither byte is ever part of a longer UTF-8 character, so this may come
/// before decoding.)
fn lf_line_ends(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes.iter().copied().peekable();
    while let Some(b) = rest.next() {
        if b == b'\r' {
            rest.next_if_eq(&b'\n');
            out.push(b'\n');
        } else {
            out.push(b);
        }
    }
    out
}

/// Reads a names file (a byte-order mark at its start is skipped); a line
/// without three tab-separated fields, with an empty id or name, an id with
/// white space around it, or naming a span an earlier line named, is an
/// error naming file and line. So is a
/// path that is no file (a folder, a pipe, a link that leads nowhere).
pub fn read_names(path: &Path) -> Result<Vec<NameLine>, DataError> {
    // (Checked before reading: a pipe would wait for a writer.)
    let metadata = std::fs::metadata(path).map_err(|e| DataError::io(path, e))?;
    if !metadata.is_file() {
        return Err(DataError::io(
            path,
            std::io::Error::other("not a file (a names file is a document's ID.tsv)"),
        ));
    }
    // (Lines end at `\n`, `\r\n` or a lone `\r`, as the reference scorer
    // reads them: made one before the text is decoded, so that a byte of no
    // UTF-8 is named by such lines too.)
    let bytes = crate::read::read_whole(path).map_err(|e| DataError::io(path, e))?;
    let text = decode_text(path, lf_line_ends(&bytes))?;
    let mut out: Vec<NameLine> = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (k, line) in text.lines().enumerate() {
        let line_no = k + 1;
        // (A line of tabs is no blank line: its fields are empty.)
        if line.trim().is_empty() && !line.contains('\t') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [span, text, name] = fields[..] else {
            return Err(DataError::syntax(
                path,
                line_no,
                format!(
                    "expected `Tid<TAB>source text<TAB>canonical`, found {} field(s)",
                    fields.len()
                ),
            ));
        };
        if span.trim().is_empty() || name.trim().is_empty() {
            return Err(DataError::syntax(
                path,
                line_no,
                "empty span id or name (write `-` for no named speaker)",
            ));
        }
        // (The reference scorer reads the id as written: ` T1` names no
        // span there, and would name T1 here if trimmed.)
        if span.trim() != span {
            return Err(DataError::syntax(
                path,
                line_no,
                format!("span id {span:?} has white space around it: write the id alone, as `T3`"),
            ));
        }
        if let Some(first) = first_line.insert(span.to_string(), line_no) {
            return Err(DataError::syntax(
                path,
                line_no,
                format!(
                    "span {} is named again (first on line {first}): one line per span",
                    crate::validate::shown_id(span)
                ),
            ));
        }
        out.push(NameLine {
            line: line_no,
            span: span.to_string(),
            text: text.to_string(),
            name: name.trim().to_string(),
        });
    }
    Ok(out)
}

/// The names file of document `id`: `DIR/ID.tsv` in the first of `dirs` that
/// has one (an id with `/`, such as `predict`'s `2016/a`, names a file in a
/// subfolder: `DIR/2016/a.tsv`). Whatever is there counts, also a folder or
/// a link that leads nowhere, so that reading it says what is wrong instead
/// of the document losing its names. An id that would lead out of the
/// folder (a part that is empty, `.` or `..`, an absolute path) or that
/// holds `\` or NUL has none.
pub fn names_file(dirs: &[PathBuf], id: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = id.split('/').collect();
    let plain = |p: &&str| !p.is_empty() && *p != "." && *p != ".." && !p.contains(['\\', '\0']);
    if !parts.iter().all(plain) {
        return None;
    }
    let (last, folders) = parts.split_last()?;
    dirs.iter()
        .map(|d| {
            let mut path = d.clone();
            path.extend(folders);
            path.join(format!("{last}.tsv"))
        })
        .find(|p| p.symlink_metadata().is_ok())
}

/// Whether `doc`'s speakers are named, so that it counts where names do
/// (training the resolver, scoring who said what): it has a names file in
/// `dirs`, or one of its Source spans carries a name of its own (a JSONL
/// `name`, a brat `speaker:` note, as `convert --names` writes them).
pub fn is_named(doc: &Document, dirs: &[PathBuf]) -> bool {
    names_file(dirs, &doc.id).is_some() || named_on_spans(doc)
}

/// Whether one of `doc`'s Source spans carries a name.
fn named_on_spans(doc: &Document) -> bool {
    let named = |s: &Span| s.role == Role::Source && s.name.is_some();
    doc.spans.iter().any(named)
}

/// A file of the names folder `dir`, or of a folder in it (ids with `/`
/// name files in folders), that is named like a names file but would never
/// be read, and why (the first by path): `ID.TSV`, `ID.Tsv` (names files
/// are `ID.tsv`), or a compressed one, `ID.tsv.gz` (names files are read as
/// they are); not one beside the `ID.tsv` that is read.
pub fn misnamed_file(dir: &Path) -> Option<(PathBuf, &'static str)> {
    const COMPRESSED: [&str; 5] = ["gz", "bz2", "xz", "zst", "zip"];
    let why = |p: &Path| {
        let name = p.file_name()?.to_str()?;
        let (stem, ext) = name.rsplit_once('.')?;
        let (read, why) = if ext != "tsv" && ext.eq_ignore_ascii_case("tsv") {
            (
                format!("{stem}.tsv"),
                "names files end in `.tsv`, in lower case: rename it, or it names no one",
            )
        } else if COMPRESSED.iter().any(|c| ext.eq_ignore_ascii_case(c))
            && stem
                .rsplit_once('.')
                .is_some_and(|(_, e)| e.eq_ignore_ascii_case("tsv"))
        {
            (
                format!("{}.tsv", &stem[..stem.len() - 4]),
                "a compressed names file is not read (names files are plain `ID.tsv`): \
                 decompress it, or it names no one",
            )
        } else {
            return None;
        };
        (!p.with_file_name(read).is_file()).then_some(why)
    };
    // (Folders four deep, where ids with `/` put their files, not through
    // links: a link to a folder above would never end.)
    let mut found = Vec::new();
    let mut folders = vec![(dir.to_path_buf(), 0)];
    while let Some((folder, depth)) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() && depth < 4 => folders.push((path, depth + 1)),
                _ => found.extend(why(&path).map(|w| (path, w))),
            }
        }
    }
    found.sort();
    found.into_iter().next()
}

/// Refuses names folders `dirs` that have a file for none of `docs` (of the
/// corpus at `corpus`): names files are `ID.tsv` after the document ids, so
/// such folders belong to another corpus or name its documents otherwise.
/// A corpus that names its speakers on its spans passes (the folders are
/// then another corpus's, read beside it: a dev corpus's, say).
pub fn check_names_match(
    dirs: &[PathBuf],
    docs: &[Document],
    corpus: &Path,
) -> Result<(), DataError> {
    if dirs.is_empty() || docs.is_empty() || docs.iter().any(|d| is_named(d, dirs)) {
        return Ok(());
    }
    // (Folders one level down that name the corpus: the parent of the
    // names folders was given.)
    let mut inner: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flat_map(|entries| entries.flatten().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .filter(|sub| {
            let sub = std::slice::from_ref(sub);
            docs.iter().any(|d| names_file(sub, &d.id).is_some())
        })
        .collect();
    inner.sort();
    Err(DataError::NamesOfAnotherCorpus {
        dirs: dirs.to_vec(),
        documents: docs.len(),
        corpus: corpus.to_path_buf(),
        example_id: docs[0].id.clone(),
        inner,
    })
}

/// Sets the names of `doc`'s spans from its names file in `dirs`, if it has
/// one. A line naming a span the document does not have, a span that is
/// not a Source, or a span whose text is not the line's source text is an
/// error (the file was made for other annotations of the document, such as
/// another annotator's, and would name the wrong spans). Returns the
/// problems found.
pub fn apply_names(doc: &mut Document, dirs: &[PathBuf]) -> Result<Vec<Diagnostic>, DataError> {
    let Some(path) = names_file(dirs, &doc.id) else {
        return Ok(Vec::new());
    };
    let lines = read_names(&path)?;
    let origin = Origin::file(&path);
    let index = doc.char_index();
    let mut diagnostics = Vec::new();
    // (The names are set once every line is looked up.)
    let positions = doc.span_positions();
    let mut named = Vec::new();
    for line in lines {
        let (k, problem) = line_fit(doc, &index, &positions, &line);
        if let Some(kind) = problem {
            diagnostics.push(Diagnostic {
                line: Some(line.line),
                ..origin.diagnostic(&doc.id, None, Severity::Error, kind)
            });
        }
        if let Some(k) = k {
            named.push((k, line.name));
        }
    }
    for (k, name) in named {
        doc.spans[k].name = Some(name);
    }
    if let Some(unnamed) = unnamed_sources(doc, false) {
        diagnostics.push(origin.diagnostic(&doc.id, None, Severity::Warning, unnamed));
    }
    Ok(diagnostics)
}

/// The Source span of `doc` that names-file `line` names, and what is
/// wrong with the line: a span the document lacks, or one that is no
/// Source, is named by no line; a text that is not the span's (cut short
/// with `…`, or with other white space, it is) still names the span.
pub(crate) fn line_fit(
    doc: &Document,
    index: &CharIndex,
    positions: &HashMap<&str, usize>,
    line: &NameLine,
) -> (Option<usize>, Option<ProblemKind>) {
    let span = line.span.clone();
    let Some(&k) = positions.get(line.span.as_str()) else {
        let problem = ProblemKind::NameOfMissingSpan {
            span,
            names_file: true,
        };
        return (None, Some(problem));
    };
    let role = doc.spans[k].role;
    if role != Role::Source {
        let problem = ProblemKind::NameOfNonSource {
            span,
            role,
            names_file: true,
        };
        return (None, Some(problem));
    }
    let actual: Option<String> = doc.spans[k]
        .fragments
        .iter()
        .map(|f| index.slice(doc.text(), *f))
        .collect::<Option<Vec<_>>>()
        .map(|parts| parts.join(" "));
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let same = |a: &str| {
        let (a, t) = (squash(a), squash(&line.text));
        a == t
            || t.strip_suffix('…')
                .map(str::trim_end)
                // (`…` alone would match every span.)
                .is_some_and(|head| !head.is_empty() && a.starts_with(head))
    };
    let problem = actual
        .filter(|a| !same(a))
        .map(|expected| ProblemKind::NamesTextMismatch {
            span,
            expected,
            found: line.text.clone(),
        });
    (Some(k), problem)
}

/// The warning for a document some of whose Source spans have no name
/// (they count as no one), its names from a file or `on_spans`.
fn unnamed_sources(doc: &Document, on_spans: bool) -> Option<ProblemKind> {
    let sources = doc.spans.iter().filter(|s| s.role == Role::Source);
    let mut unnamed = sources.clone().filter(|s| s.name.is_none());
    let first = unnamed.next()?.id.clone();
    let left_out = 1 + unnamed.count();
    let sources = sources.count();
    Some(ProblemKind::UnnamedSources {
        named: sources - left_out,
        sources,
        first,
        on_spans,
    })
}

/// The warning for a document without a names file in `dirs` that names
/// some of its Source spans on the spans themselves and leaves others
/// without a name: they count as no one, as when a names file leaves them
/// out.
pub fn partly_named_on_spans(doc: &Document, dirs: &[PathBuf]) -> Option<ProblemKind> {
    if !named_on_spans(doc) || names_file(dirs, &doc.id).is_some() {
        return None;
    }
    unnamed_sources(doc, true)
}

/// Renders the names of `doc`'s Source spans that have one as the lines of
/// its names file (in span order). The document is taken as valid
/// ([`crate::validate`]: one line a name, spans within the text), as the
/// writers check it; another reads back otherwise, or not at all.
pub fn to_names_file(doc: &Document) -> String {
    let index = doc.char_index();
    let mut out = String::new();
    for span in doc.spans.iter().filter(|s| s.role == Role::Source) {
        let Some(name) = &span.name else { continue };
        let text: Vec<&str> = span
            .fragments
            .iter()
            .filter_map(|f| index.slice(doc.text(), *f))
            .collect();
        let text = text.join(" ").replace(['\t', '\n', '\r'], " ");
        out.push_str(&format!("{}\t{text}\t{name}\n", span.id));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Span, NO_NAME};
    use crate::offsets::CharSpan;

    fn doc() -> Document {
        let mut d = Document::new("a1", "Ann Lee said it rains. They said no.");
        d.spans = vec![
            Span::new("T1", Role::Source, vec![CharSpan::new(0, 7)]),
            Span::new("T2", Role::Cue, vec![CharSpan::new(8, 12)]),
            Span::new("T3", Role::Source, vec![CharSpan::new(23, 27)]),
        ];
        d
    }

    /// A document names its speakers by its names file, or by a name on
    /// one of its Source spans (not on another role's).
    #[test]
    fn a_document_is_named_by_its_file_or_its_sources() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = [dir.path().to_path_buf()];
        let mut d = doc();
        assert!(!is_named(&d, &dirs));
        d.spans[1].name = Some("Ann Lee".into());
        assert!(!is_named(&d, &[]), "a Cue's name is no speaker's");
        d.spans[2].name = Some(NO_NAME.into());
        assert!(is_named(&d, &[]));
        std::fs::write(dir.path().join("a1.tsv"), "").unwrap();
        assert!(is_named(&doc(), &dirs));
    }

    /// A byte of no UTF-8 is named by the line it is on, whichever line
    /// end the file uses, and by its offset in that line (a byte-order
    /// mark not counted).
    #[test]
    fn a_byte_of_no_utf8_is_named_by_its_line_with_any_line_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.tsv");
        for (bytes, line, offset) in [
            (&b"T1\ta\tx\rT2\tb\ty\rT3\t\xff\tz\r"[..], 3, 3),
            (b"T1\ta\tx\r\nT2\tb\ty\r\nT3\t\xff\tz\r\n", 3, 3),
            (b"T1\ta\tx\nT2\t\xff\ty\n", 2, 3),
            (b"\xEF\xBB\xBFT1\t\xff\tx\n", 1, 3),
            (b"T1\ta\tx\r\r\xff", 3, 0),
        ] {
            std::fs::write(&path, bytes).unwrap();
            let e = read_names(&path).unwrap_err().to_string();
            assert!(
                e.ends_with(&format!(
                    "b.tsv:{line}: not valid UTF-8 (invalid byte at offset {offset} of the line)"
                )),
                "{bytes:?}: {e}"
            );
        }
    }

    #[test]
    fn names_apply_to_sources_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a1.tsv"),
            "T1\tAnn Lee\tAnn Lee\nT3\tThey\t-\n",
        )
        .unwrap();
        let mut d = doc();
        let dirs = [PathBuf::from("/nonexistent"), dir.path().to_path_buf()];
        assert!(apply_names(&mut d, &dirs).unwrap().is_empty());
        assert_eq!(d.spans[0].name.as_deref(), Some("Ann Lee"));
        assert_eq!(d.spans[0].speaker_name(), Some("Ann Lee"));
        assert_eq!(d.spans[2].name.as_deref(), Some(NO_NAME));
        assert_eq!(d.spans[2].speaker_name(), None);
        assert_eq!(d.spans[1].name, None);
        assert_eq!(to_names_file(&d), "T1\tAnn Lee\tAnn Lee\nT3\tThey\t-\n");
        // A document without a names file keeps no names.
        let mut other = Document::new("a2", "x");
        assert!(apply_names(&mut other, &dirs).unwrap().is_empty());
    }

    #[test]
    fn bad_lines_are_named_by_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a1.tsv");
        let dirs = [dir.path().to_path_buf()];
        std::fs::write(&file, "T1\tAnn Lee\n").unwrap();
        let e = apply_names(&mut doc(), &dirs).unwrap_err().to_string();
        assert!(
            e.contains("a1.tsv:1") && e.contains("found 2 field(s)"),
            "{e}"
        );
        std::fs::write(&file, "T1\tAnn Lee\t \n").unwrap();
        let e = apply_names(&mut doc(), &dirs).unwrap_err().to_string();
        assert!(e.contains("a1.tsv:1") && e.contains("write `-`"), "{e}");
        // A line of tabs alone is no blank line: its fields are empty.
        std::fs::write(&file, "T1\tAnn\tAnn Lee\n\t\t\n").unwrap();
        let e = apply_names(&mut doc(), &dirs).unwrap_err().to_string();
        assert!(e.contains("a1.tsv:2") && e.contains("empty span id"), "{e}");
        std::fs::write(&file, "T1\tAnn\tAnn Lee\nT2\tsaid\tX\nT9\tnobody\tX\n").unwrap();
        let found: Vec<String> = apply_names(&mut doc(), &dirs)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found.len(), 4, "{found:?}");
        // (T3 has no line: a warning, the file named.)
        assert!(
            found[3].ends_with(
                "a1.tsv: warning: the names file names 1 of the document's 2 Source spans \
                 (the first left out: T3): the others count as no one; write `-` for a source that names no one"
            ),
            "{}",
            found[3]
        );
        assert!(found[0].contains("a1.tsv:1: error") && found[0].contains("\"Ann\""));
        assert!(found[1].contains("a1.tsv:2: error") && found[1].contains("T2 is a Cue"));
        assert!(found[2].contains("a1.tsv:3: error") && found[2].contains("no span T9"));
        // Both may mean a file made for another annotator's annotations.
        for said in &found[1..3] {
            assert!(
                said.ends_with("(another annotator's file of a brat article: --annotator)?"),
                "{said}"
            );
        }
        // An id with white space around it is refused (the reference scorer
        // would name no span by it); one with a NUL is shown escaped.
        for id in [" T1", "T1 "] {
            std::fs::write(&file, format!("{id}\tAnn\tAnn Lee\nT3\tThey\t-\n")).unwrap();
            let e = apply_names(&mut doc(), &dirs).unwrap_err().to_string();
            assert!(
                e.contains(&format!(
                    "a1.tsv:1: span id {id:?} has white space around it"
                )),
                "{e}"
            );
        }
        for (id, shown) in [("T1\0", "\"T1\\0\""), ("\u{feff}T1", "\"\\u{feff}T1\"")] {
            // (On a second line: a byte-order mark opening the file is read past.)
            std::fs::write(&file, format!("T3\tThey\t-\n{id}\tAnn Lee\tAnn Lee\n")).unwrap();
            let found = apply_names(&mut doc(), &dirs).unwrap();
            let said = found[0].to_string();
            assert!(said.contains(&format!("no span {shown}")), "{said}");
            std::fs::write(&file, format!("T3\tThey\t-\n{id}\tAnn\tA\n{id}\tAnn\tB\n")).unwrap();
            let e = apply_names(&mut doc(), &dirs).unwrap_err().to_string();
            assert!(e.contains(&format!("span {shown} is named again")), "{e}");
        }
        // A long text cut short with `…` matches what it begins.
        std::fs::write(&file, "T1\tAnn L…\tAnn Lee\nT3\tThey\t-\n").unwrap();
        assert!(apply_names(&mut doc(), &dirs).unwrap().is_empty());
        std::fs::write(&file, "T1\tBob…\tAnn Lee\nT3\tThey\t-\n").unwrap();
        assert_eq!(apply_names(&mut doc(), &dirs).unwrap().len(), 1);
        std::fs::write(&file, "T1\t…\tAnn Lee\nT3\tThey\t-\n").unwrap();
        assert_eq!(apply_names(&mut doc(), &dirs).unwrap().len(), 1);
        // A byte-order mark is read past; a span named twice is an error.
        std::fs::write(&file, "\u{feff}T1\tAnn Lee\tAnn Lee\nT3\tThey\t-\n").unwrap();
        let mut d = doc();
        assert!(apply_names(&mut d, &dirs).unwrap().is_empty());
        assert_eq!(d.spans[0].name.as_deref(), Some("Ann Lee"));
        std::fs::write(&file, "T1\tAnn\tAnn Lee\nT1\tAnn\tAnn Le\n").unwrap();
        let e = apply_names(&mut doc(), &dirs).unwrap_err().to_string();
        assert!(
            e.contains("a1.tsv:2") && e.contains("named again (first on line 1)"),
            "{e}"
        );
        // Lines that end at a lone `\r` (old Mac files) are lines, counted
        // as such (a blank one first here), and `\r\n` ends one line.
        for ends in ["\r", "\r\n"] {
            std::fs::write(
                &file,
                format!("\r{ends}T1\tAnn\tAnn Lee{ends}T1\tAnn\tX{ends}"),
            )
            .unwrap();
            let e = apply_names(&mut doc(), &dirs).unwrap_err().to_string();
            assert!(
                e.contains("a1.tsv:4") && e.contains("named again (first on line 3)"),
                "{ends:?}: {e}"
            );
        }
    }

    /// Names folders with no file for any document of the corpus are
    /// refused, naming the folder and the corpus; one file is enough.
    #[test]
    fn names_that_match_no_document_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = [dir.path().to_path_buf()];
        let docs = [doc()];
        let e = check_names_match(&dirs, &docs, Path::new("corpus")).unwrap_err();
        assert!(matches!(
            e,
            DataError::NamesOfAnotherCorpus { documents: 1, .. }
        ));
        let e = e.to_string();
        assert!(
            e.contains(&dir.path().display().to_string())
                && e.contains("none of the 1 documents of corpus")
                && e.contains("a1.tsv")
                && e.contains("the names of another corpus"),
            "{e}"
        );
        // Given the folder above the names folder, the error names the
        // names folder inside it.
        let inner = dir.path().join("dev");
        std::fs::create_dir(&inner).unwrap();
        std::fs::write(inner.join("a1.tsv"), "").unwrap();
        let e = check_names_match(&dirs, &docs, Path::new("corpus"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!(
                "the folder {} inside has files of them",
                inner.display()
            )),
            "{e}"
        );
        // Every such folder, where the names are split over several.
        let more = dir.path().join("train");
        std::fs::create_dir(&more).unwrap();
        std::fs::write(more.join("a1.tsv"), "").unwrap();
        let e = check_names_match(&dirs, &docs, Path::new("corpus"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("{}, {}", inner.display(), more.display()))
                && e.contains("inside have files of them: name those folders"),
            "{e}"
        );
        // A corpus named on its spans reads beside another corpus's names.
        let mut named = doc();
        named.spans[0].name = Some("Ann Lee".into());
        assert!(check_names_match(&dirs, &[named], Path::new("corpus")).is_ok());
        std::fs::write(dir.path().join("a1.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        assert!(check_names_match(&dirs, &docs, Path::new("corpus")).is_ok());
        assert!(check_names_match(&[], &docs, Path::new("corpus")).is_ok());
    }

    /// A document named in part on its spans, without a names file, is
    /// warned about as a names file that leaves spans out is.
    #[test]
    fn spans_named_in_part_are_warned_about() {
        let mut d = doc();
        assert!(partly_named_on_spans(&d, &[]).is_none(), "no names at all");
        d.spans[0].name = Some("Ann Lee".into());
        let w = partly_named_on_spans(&d, &[]).unwrap().to_string();
        assert!(
            w.starts_with(
                "1 of the document's 2 Source spans carry a speaker name (the first without: T3)"
            ),
            "{w}"
        );
        d.spans[2].name = Some(NO_NAME.into());
        assert!(partly_named_on_spans(&d, &[]).is_none(), "all named");
    }

    /// A names file that is a folder, a link that leads nowhere or a pipe
    /// is an error naming it (a pipe is not waited on), not a document
    /// without names; an id that is a path reaches no file outside the
    /// names folder.
    #[test]
    fn only_files_in_the_folder_are_names_files() {
        let dir = tempfile::tempdir().unwrap();
        let names = dir.path().join("names");
        std::fs::create_dir(&names).unwrap();
        let dirs = [names.clone()];
        let file = names.join("a1.tsv");
        std::fs::create_dir(&file).unwrap();
        let named = |dirs: &[PathBuf]| apply_names(&mut doc(), dirs).map(|_| ());
        let e = named(&dirs).unwrap_err().to_string();
        assert!(e.contains("a1.tsv") && e.contains("not a file"), "{e}");
        std::fs::remove_dir(&file).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("gone.tsv"), &file).unwrap();
            let e = named(&dirs).unwrap_err().to_string();
            assert!(e.contains("a1.tsv"), "{e}");
            std::fs::remove_file(&file).unwrap();
            let made = std::process::Command::new("mkfifo").arg(&file).status();
            if made.is_ok_and(|s| s.success()) {
                let e = named(&dirs).unwrap_err().to_string();
                assert!(e.contains("a1.tsv") && e.contains("not a file"), "{e}");
                std::fs::remove_file(&file).unwrap();
            }
        }
        std::fs::write(dir.path().join("outside.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        assert_eq!(names_file(&dirs, "../outside"), None);
        let absolute = dir.path().join("outside");
        assert_eq!(names_file(&dirs, absolute.to_str().unwrap()), None);
        // An id with folders (`predict`'s for texts of one name) names a
        // file in a subfolder.
        std::fs::create_dir(names.join("2016")).unwrap();
        std::fs::write(names.join("2016/a1.tsv"), "T1\tAnn\tAnn Lee\n").unwrap();
        assert_eq!(
            names_file(&dirs, "2016/a1"),
            Some(names.join("2016/a1.tsv"))
        );
        assert_eq!(names_file(&dirs, "2016/../a1"), None);
        std::fs::write(&file, "T1\tAnn\tAnn Lee\n").unwrap();
        assert_eq!(names_file(&dirs, "a1"), Some(file));
    }

    /// A compressed names file is found as `ID.TSV` is, but beside the
    /// `ID.tsv` that is read, where it is passed over; in a folder (an id
    /// with `/`), it is found.
    #[test]
    fn misnamed_files_are_found_where_names_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        for name in ["a.tsv", "b.tsv", "c.Tsv", "e.tsv.gz", "e.tar.gz"] {
            std::fs::write(at(name), "").unwrap();
        }
        let (file, why) = misnamed_file(dir.path()).unwrap();
        assert_eq!(file, at("c.Tsv"));
        assert!(why.starts_with("names files end in `.tsv`"), "{why}");
        std::fs::write(at("c.tsv"), "").unwrap();
        let (file, why) = misnamed_file(dir.path()).unwrap();
        assert_eq!(file, at("e.tsv.gz"));
        assert!(
            why.starts_with("a compressed names file is not read"),
            "{why}"
        );
        std::fs::write(at("e.tsv"), "").unwrap();
        std::fs::write(at("a.tsv.gz"), "").unwrap();
        assert_eq!(misnamed_file(dir.path()), None);
        std::fs::create_dir(at("sub")).unwrap();
        std::fs::write(at("sub/d.TSV"), "").unwrap();
        assert_eq!(
            misnamed_file(dir.path()).map(|(p, _)| p),
            Some(at("sub/d.TSV"))
        );
    }
}
