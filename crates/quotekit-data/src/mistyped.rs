//! Names files whose id is a mistyped document id: a file that names no
//! document of the corpus, close to the id of one without names whose
//! Source spans its lines fit.

use crate::document::Document;
use crate::names::names_file;
use crate::validate::{Diagnostic, ProblemKind, Severity};
use std::path::PathBuf;

/// Whether names-file `lines` fit `doc` as its own would: each names a
/// Source span of `doc` by its id and text.
fn fits(doc: &Document, lines: &[crate::names::NameLine]) -> bool {
    let (index, positions) = (doc.char_index(), doc.span_positions());
    !lines.is_empty()
        && lines.iter().all(|line| {
            matches!(
                crate::names::line_fit(doc, &index, &positions, line),
                (Some(_), None)
            )
        })
}

/// Whether ids `a` and `b` differ in their digits alone (`doc-00012`,
/// `doc-00032`): the numbers of two documents more likely than a typo.
fn numbered_alike(a: &str, b: &str) -> bool {
    let letters = |s: &str| {
        s.chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<String>()
    };
    letters(a) == letters(b)
}

/// Warnings for names files that name no document of `docs` (nor of
/// `other_ids`, documents read but skipped) but whose id is within two edits
/// of a document without a names file, and whose lines fit that document
/// (its Source spans' ids and texts): `school-lunhc.tsv` beside the document
/// `school-lunch`, a mistyped file name that would leave the document's
/// speakers unnamed without a word. Only folders that name some document of
/// `docs` are looked at (a folder of another corpus's names, a training
/// corpus's read beside its dev corpus, has none), only their top-level
/// files, and no id that differs from the document's in digits alone.
pub(crate) fn mistyped_names_files(
    dirs: &[PathBuf],
    docs: &[Document],
    other_ids: &[String],
) -> Vec<Diagnostic> {
    let unnamed: Vec<&Document> = docs
        .iter()
        .filter(|d| !crate::names::is_named(d, dirs))
        .collect();
    if unnamed.is_empty() {
        return Vec::new();
    }
    let ids: std::collections::HashSet<&str> = docs
        .iter()
        .map(|d| d.id.as_str())
        .chain(other_ids.iter().map(String::as_str))
        .collect();
    let mut warnings = Vec::new();
    for dir in dirs {
        let one = std::slice::from_ref(dir);
        if !docs.iter().any(|d| names_file(one, &d.id).is_some()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        files.sort();
        for file in files {
            let Some(id) = file
                .extension()
                .filter(|e| *e == "tsv")
                .and(file.file_stem())
                .and_then(|s| s.to_str())
                .filter(|id| !ids.contains(id))
            else {
                continue;
            };
            let length = id.chars().count();
            let mut close: Vec<(usize, &Document)> = unnamed
                .iter()
                // (Lengths two apart need more than two edits.)
                .filter(|d| d.id.chars().count().abs_diff(length) <= 2)
                .filter(|d| !numbered_alike(id, &d.id))
                .map(|d| (strsim::levenshtein(id, &d.id), *d))
                .filter(|&(edits, _)| edits <= 2)
                .collect();
            if close.is_empty() {
                continue;
            }
            // (The file is read once, and only for a close id.)
            let Ok(lines) = crate::names::read_names(&file) else {
                continue;
            };
            close.sort_by_key(|&(edits, _)| edits);
            if let Some((_, doc)) = close.into_iter().find(|(_, d)| fits(d, &lines)) {
                warnings.push(Diagnostic {
                    file: file.clone(),
                    line: None,
                    document: doc.id.clone(),
                    severity: Severity::Warning,
                    kind: ProblemKind::NamesFileOfNoDocument {
                        closest: doc.id.clone(),
                    },
                });
            }
        }
    }
    warnings
}
