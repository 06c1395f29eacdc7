//! brat standoff: a `.txt` file with the article and a `.ann` file whose `T`
//! lines are spans and whose `E` lines are attribution events.
//!
//! Two layouts are read: PolNeAR's (`text/NAME.txt` + `attributions/NAME_ANNOTATOR.ann`,
//! choosing one annotator per article) and the flat one (`NAME.txt` + `NAME.ann`),
//! extensions in any case.
//! A directory holding neither but with sub-directories that do (`train/`, `dev/`)
//! is read as the union of those, in name order. Parsing an `.ann` file is
//! [`ann`]'s; writing, [`write`](mod@write)'s, with the
//! documents' file names from [`files`].
//! The file runs over 500 lines with its tests (the code is under 500): the layouts and the
//! problems of finding a corpus's files (link loops, second files, folders
//! beside articles) are read together.

use crate::error::{read_text, read_utf8, DataError};
use crate::formats::brat::ann::parse_ann;
use crate::formats::{CorpusReader, DocumentStream, ReadDocument};
use crate::validate::{Diagnostic, ProblemKind, Severity};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub mod ann;
pub mod files;
pub mod ids;
pub mod write;

pub use ann::BratOptions;
pub use files::{file_name, BratNames, MAX_NAME};
pub use ids::{
    has_header, ids_line, ids_text, parse_ids_line, read_ids, renames, Rename, IDS_FILE, IDS_HEADER,
};
pub use write::{to_ann, write_file, BratWriter};

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
    /// The annotator asked for and the one read instead, when the article
    /// has several files and none of the one asked for.
    other_annotator: Option<(String, String)>,
    /// The ids file and its line that gave the article its id, where the
    /// file lacks quotekit's header.
    id_without_header: Option<(PathBuf, usize)>,
}

impl CorpusReader for BratReader {
    fn read<'a>(&'a self, path: &Path) -> Result<DocumentStream<'a>, DataError> {
        let mut pairs = Vec::new();
        let mut errors = Vec::new();
        let mut chooses = false;
        collect_pairs(
            path,
            &self.options,
            &mut pairs,
            &mut errors,
            &mut HashSet::new(),
            &mut chooses,
        )?;
        // (An annotator asked for where every folder is flat would go
        // unread: say so, as where no file of the PolNeAR layout is that
        // annotator's.)
        if let (Some(want), false) = (&self.options.annotator, chooses) {
            return Err(DataError::Layout {
                path: path.to_path_buf(),
                message: format!(
                    "no annotation file of annotator {want:?}: the annotation files here \
                     (NAME.ann beside NAME.txt) name no annotator, one per article; an \
                     annotator is chosen among PolNeAR's attributions/NAME_ANNOTATOR.ann"
                ),
            });
        }
        // (Articles of one name in two folders, `2016/a` and `2017/a`, are
        // told apart by their paths, as `predict` names their texts.)
        let named: Vec<(String, &Path)> = pairs
            .iter()
            .map(|p| (p.name.clone(), p.text.as_path()))
            .collect();
        let ids = crate::ids::tree_ids(path, &named);
        for (pair, id) in pairs.iter_mut().zip(ids) {
            pair.name = id;
        }
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

/// True when `p` is a file with extension `ext` in any case (`a.TXT`).
fn has_ext(p: &Path, ext: &str) -> bool {
    named_ext(p, ext) && p.is_file()
}

/// True when `p`'s extension is `ext` in any case, whatever `p` is.
fn named_ext(p: &Path, ext: &str) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// How many files of a brat corpus `dir` holds: `.txt` and `.ann` files and
/// the ids file at its top level, and the files of `text/` and
/// `attributions/` (PolNeAR's layout, which a reader prefers); none when it
/// does not exist.
pub fn corpus_files(dir: &Path) -> usize {
    let count = |d: &Path, top: bool| {
        std::fs::read_dir(d).map_or(0, |entries| {
            entries
                .flatten()
                .filter(|e| {
                    let path = e.path();
                    !top || has_ext(&path, "txt")
                        || has_ext(&path, "ann")
                        || e.file_name() == IDS_FILE
                })
                .count()
        })
    };
    count(dir, true) + count(&dir.join("text"), false) + count(&dir.join("attributions"), false)
}

/// The id of a document whose file name is not its id, from the folder's
/// [`IDS_FILE`], and the line that gave it where the file lacks quotekit's
/// header (to warn of: [`ProblemKind::IdFromListWithoutHeader`]).
type RenamedIds = HashMap<String, (String, Option<usize>)>;

/// The ids of documents whose file name is not their id, from the folder's
/// [`IDS_FILE`] (written by quotekit's brat output), if it has one, read
/// as [`ids::renames`] reads it for the articles `texts`.
fn renamed_ids(dir: &Path, texts: &HashSet<&str>) -> Result<RenamedIds, DataError> {
    let path = dir.join(IDS_FILE);
    if !path.is_file() {
        return Ok(HashMap::new());
    }
    let text = read_utf8(&path)?;
    let (renames, escaped) = ids::renames(&text, texts, &path)?;
    Ok(renames
        .into_iter()
        .map(|r| (r.name, (r.id, (!escaped).then_some(r.line))))
        .collect())
}

/// Finds the article pairs of a corpus directory in any supported layout.
/// Articles with a text but no annotation file (or the reverse) become errors,
/// and so does a folder met again (`seen`: the folders read, by their real
/// paths) through a link, which is not read twice. `chooses` is set when a
/// folder of the PolNeAR layout was read, where an annotator is chosen.
fn collect_pairs(
    dir: &Path,
    options: &BratOptions,
    pairs: &mut Vec<Pair>,
    errors: &mut Vec<DataError>,
    seen: &mut HashSet<PathBuf>,
    chooses: &mut bool,
) -> Result<(), DataError> {
    if dir.as_os_str().is_empty() {
        return Err(DataError::Layout {
            path: PathBuf::from("\"\""),
            message: "an empty path; name a corpus folder".into(),
        });
    }
    if let Err(e) = std::fs::metadata(dir) {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound if dir.symlink_metadata().is_ok() => {
                "a link to nothing (no such file or folder)".to_string()
            }
            std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
            // (A link loop, a folder it may not read.)
            _ => e.to_string(),
        };
        return Err(DataError::Layout {
            path: dir.to_path_buf(),
            message,
        });
    }
    if !dir.is_dir() {
        // (What a name with no corpus extension is, said first when it is
        // no plain file: `/dev/zero`, a pipe such as a shell's `<(…)`.)
        let what = match std::fs::metadata(dir) {
            Ok(m) if m.is_file() => {
                "a brat corpus is a folder (of .txt and .ann files), not a file"
            }
            Ok(m) if crate::read::is_device(&m) => {
                "a device, not a corpus: a corpus is a brat folder (of .txt and .ann files) \
                 or a file"
            }
            _ => {
                "a pipe or other special file, whose name tells no format: a corpus is a \
                  brat folder (of .txt and .ann files) or a file"
            }
        };
        return Err(DataError::Layout {
            path: dir.to_path_buf(),
            message: format!(
                "{what}; files are read by their extension: .jsonl or .json as JSONL, .conll, \
                 .iob, .bio or .tsv as CoNLL, and either with .gz after it as gzip (`convert \
                 --from` names the format of any file)"
            ),
        });
    }
    if let Ok(real) = dir.canonicalize() {
        if !seen.insert(real) {
            errors.push(DataError::Layout {
                path: dir.to_path_buf(),
                message: "a folder already read (through a link: a link loop?), not read again"
                    .into(),
            });
            return Ok(());
        }
    }
    let (text_dir, ann_dir) = (dir.join("text"), dir.join("attributions"));
    if text_dir.is_dir() && ann_dir.is_dir() {
        *chooses = true;
        return collect_polnear(&text_dir, &ann_dir, options, pairs, errors);
    }
    let entries = list_dir(dir)?;
    // (One of the two folders of that layout given for the corpus, holding
    // texts alone or annotation files alone: each of its files would be an
    // article without its other half.)
    let name = dir.file_name().and_then(|n| n.to_str());
    if let (Some(name @ ("text" | "attributions")), Some(parent)) = (name, dir.parent()) {
        let other = if name == "text" { "ann" } else { "txt" };
        let halves = parent.join("text").is_dir() && parent.join("attributions").is_dir();
        if halves && !entries.iter().any(|p| has_ext(p, other)) {
            let parent = match parent.as_os_str().is_empty() {
                true => Path::new("."),
                false => parent,
            };
            return Err(DataError::Layout {
                path: dir.to_path_buf(),
                message: format!(
                    "the {name}/ folder of a corpus of PolNeAR's layout: give the corpus \
                     folder, {}, which holds text/ and attributions/",
                    parent.display()
                ),
            });
        }
    }
    // The first text and annotation file of each article (extensions in
    // any case: `a.TXT` and `a.ANN` are an article), and any second one.
    let (texts, second_texts) = first_files(&entries, "txt");
    let (anns, second_anns) = first_files(&entries, "ann");
    // Flat when it has annotation files, or texts and no folder that is a
    // corpus (a `LICENSE.TXT` beside `train/` and `dev/` is no article).
    let corpora: Vec<&PathBuf> = entries.iter().filter(|p| holds_annotations(p)).collect();
    if !anns.is_empty() || (!texts.is_empty() && corpora.is_empty()) {
        let ann_of: HashMap<&str, &PathBuf> = anns.iter().map(|(n, p)| (n.as_str(), *p)).collect();
        let text_names: HashSet<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
        let ids = renamed_ids(dir, &text_names)?;
        for &(ref name, text) in &texts {
            match ann_of.get(name.as_str()) {
                Some(&ann) => pairs.push(Pair {
                    ann: ann.clone(),
                    text: text.clone(),
                    name: ids
                        .get(name)
                        .map_or_else(|| name.clone(), |(id, _)| id.clone()),
                    other_annotator: None,
                    id_without_header: ids
                        .get(name)
                        .and_then(|(_, line)| *line)
                        .map(|line| (dir.join(IDS_FILE), line)),
                }),
                None => errors.push(missing_annotation(
                    text.clone(),
                    no_file_of(&entries, |stem| stem == name)
                        .unwrap_or_else(|| dir.join(format!("{name}.ann"))),
                )),
            }
        }
        for &(ref name, ann) in &anns {
            if !text_names.contains(name.as_str()) {
                errors.push(missing_text(ann.clone(), ann.with_extension("txt")));
            }
        }
        // A second file of one article (`a.ann` beside `a.ANN`) is said,
        // not dropped silently.
        errors.extend(second_texts);
        errors.extend(second_anns);
        // Folders beside the articles are not read: one that is a corpus
        // of its own is said, so that its articles are not lost silently.
        for sub in corpora {
            errors.push(DataError::Layout {
                path: sub.clone(),
                message: "a folder of brat files beside the corpus's own .txt/.ann \
                          files, not read; give it as a corpus of its own"
                    .into(),
            });
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
        collect_pairs(sub, options, pairs, errors, seen, chooses)?;
    }
    Ok(())
}

/// The files of `entries` with extension `ext` in any case, the first per
/// article (file stem), in the order of `entries`; and an error for each
/// further one (names that differ only in the case of the extension, or in
/// bytes that are not UTF-8).
fn first_files<'e>(
    entries: &'e [PathBuf],
    ext: &str,
) -> (Vec<(String, &'e PathBuf)>, Vec<DataError>) {
    let mut seen = HashSet::new();
    let mut first = Vec::new();
    let mut seconds = Vec::new();
    for p in entries.iter().filter(|p| has_ext(p, ext)) {
        let name = stem(p);
        if seen.insert(name.clone()) {
            first.push((name, p));
        } else {
            seconds.push(DataError::Layout {
                path: p.clone(),
                message: format!(
                    "a second .{ext} file of article {name:?} (the names differ only in the \
                     case of the extension, or in bytes that are not UTF-8), not read; rename one"
                ),
            });
        }
    }
    (first, seconds)
}

/// True when `dir` is a folder (not a link, not hidden, not a zip's
/// `__MACOSX`) with `.ann` files at its top or in its `attributions/`: a
/// corpus of its own.
fn holds_annotations(dir: &Path) -> bool {
    let hidden = dir
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n == "__MACOSX");
    let folder = dir.symlink_metadata().is_ok_and(|m| m.is_dir());
    let any_ann = |d: &Path| {
        std::fs::read_dir(d)
            .is_ok_and(|mut entries| entries.any(|e| e.is_ok_and(|e| has_ext(&e.path(), "ann"))))
    };
    !hidden && folder && (any_ann(dir) || any_ann(&dir.join("attributions")))
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
    let ann_entries = list_dir(ann_dir)?;
    // (Two files of one name and annotator, `a_x.ann` and `a_x.ANN`, or
    // names apart only in bytes that are not UTF-8, are refused as the flat
    // layout refuses them: one was read and the other dropped.)
    let (anns, seconds) = first_files(&ann_entries, "ann");
    errors.extend(seconds);
    for (s, p) in anns {
        let (name, annotator) = match s.rsplit_once('_') {
            Some((n, a)) => (n.to_string(), a.to_string()),
            None => (s.clone(), String::new()),
        };
        by_name
            .entry(name)
            .or_default()
            .push((annotator, p.clone()));
    }
    let text_entries = list_dir(text_dir)?;
    let (texts, seconds) = first_files(&text_entries, "txt");
    errors.extend(seconds);
    let text_names: HashSet<String> = texts.iter().map(|(name, _)| name.clone()).collect();
    for (name, text) in texts {
        let text = text.clone();
        match by_name.get_mut(&name) {
            Some(candidates) => {
                candidates.sort();
                let wanted = options
                    .annotator
                    .as_ref()
                    .and_then(|want| candidates.iter().find(|(a, _)| a == want));
                let chosen = wanted.unwrap_or(&candidates[0]);
                // (An article of one annotator's file has no choice to say.)
                let other_annotator = match &options.annotator {
                    Some(want) if wanted.is_none() && candidates.len() > 1 => {
                        Some((want.clone(), chosen.0.clone()))
                    }
                    _ => None,
                };
                pairs.push(Pair {
                    name,
                    text,
                    ann: chosen.1.clone(),
                    other_annotator,
                    id_without_header: None,
                });
            }
            None => {
                let of_name = |stem: &str| stem.rsplit_once('_').is_some_and(|(n, _)| n == name);
                let ann = no_file_of(&ann_entries, of_name)
                    .unwrap_or_else(|| ann_dir.join(format!("{name}_ANNOTATOR.ann")));
                errors.push(missing_annotation(text, ann));
            }
        }
    }
    // An annotator asked for by name must have annotated something here
    // (articles it did not annotate take the first annotator's file).
    if let Some(want) = &options.annotator {
        if !by_name.values().flatten().any(|(a, _)| a == want) {
            let mut known: Vec<&str> = by_name
                .values()
                .flatten()
                .map(|(a, _)| a.as_str())
                .collect();
            known.sort_unstable();
            known.dedup();
            return Err(DataError::Layout {
                path: ann_dir.to_path_buf(),
                message: format!(
                    "no annotation file of annotator {want:?} (the annotators here: {})",
                    known.join(", ")
                ),
            });
        }
    }
    for (name, candidates) in by_name {
        if !text_names.contains(&name) {
            for (_, ann) in candidates {
                errors.push(missing_text(ann, text_dir.join(format!("{name}.txt"))));
            }
        }
    }
    Ok(())
}

fn read_pair(pair: &Pair, options: &BratOptions) -> Result<ReadDocument, DataError> {
    // (A byte-order mark before the first line is no annotation; the text's
    // is kept, as brat counts it in the offsets, and as predict reads a
    // text file.)
    let text = read_utf8(&pair.text)?;
    let ann = read_text(&pair.ann)?;
    let mut read = parse_ann(&pair.name, text, &ann, &pair.ann, options)?;
    if let Some((list, line)) = &pair.id_without_header {
        read.diagnostics.push(Diagnostic {
            file: list.clone(),
            line: Some(*line),
            document: pair.name.clone(),
            severity: Severity::Warning,
            kind: ProblemKind::IdFromListWithoutHeader {
                file: pair.text.clone(),
                id: pair.name.clone(),
            },
        });
    }
    if let Some((wanted, used)) = &pair.other_annotator {
        read.diagnostics.push(Diagnostic {
            file: pair.ann.clone(),
            line: None,
            document: pair.name.clone(),
            severity: Severity::Warning,
            kind: ProblemKind::OtherAnnotator {
                wanted: wanted.clone(),
                used: used.clone(),
            },
        });
    }
    Ok(read)
}

/// An entry of `entries` named as an annotation file of an article (its
/// stem passing `of_name`, `.ann` in any case) that is no file: a pipe or a
/// folder, which the lists of files pass over.
fn no_file_of(entries: &[PathBuf], of_name: impl Fn(&str) -> bool) -> Option<PathBuf> {
    entries
        .iter()
        .find(|p| named_ext(p, "ann") && !p.is_file() && of_name(&stem(p)))
        .cloned()
}

/// The error of a text without its annotation file: the file is missing,
/// or is there but no file (a folder, a pipe).
fn missing_annotation(text: PathBuf, ann: PathBuf) -> DataError {
    no_file(&ann, "the annotation file", &text)
        .unwrap_or(DataError::MissingAnnotation { text, ann })
}

/// The error of an annotation file without its text: the text is missing,
/// or is there but no file (a folder, a pipe).
fn missing_text(ann: PathBuf, text: PathBuf) -> DataError {
    no_file(&text, "the text", &ann).unwrap_or(DataError::MissingText { ann, text })
}

/// The error of `path`, `what` of `partner`, when it is there but is no
/// file (a folder, a pipe, a broken link).
fn no_file(path: &Path, what: &str, partner: &Path) -> Option<DataError> {
    (path.symlink_metadata().is_ok() && !path.is_file()).then(|| DataError::Io {
        path: path.to_path_buf(),
        error: std::io::Error::other(format!(
            "{what} of {} is no file (a folder, a pipe or a broken link?)",
            partner.display()
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Role;
    use crate::formats::Format;
    use crate::load::{load_corpus, LoadOptions};

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A file read as brat (a CoNLL-2003 `test.txt`, by its extension) is
    /// refused with the extensions that tell the other formats.
    #[test]
    fn a_file_is_no_brat_corpus_and_the_error_says_how_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("test.txt");
        write(&file, "Ann B-SOURCE\n");
        let err = load_corpus(&file, Format::Brat, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("test.txt: a brat corpus is a folder"), "{err}");
        assert!(err.contains(".conll, .iob, .bio or .tsv as CoNLL"), "{err}");
        assert!(err.contains("`convert --from`"), "{err}");
        // A device and a pipe are said to be what they are (probe 63).
        #[cfg(unix)]
        {
            let err = load_corpus(
                Path::new("/dev/null"),
                Format::Brat,
                &LoadOptions::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("/dev/null: a device, not a corpus"), "{err}");
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let err = load_corpus(&fifo, Format::Brat, &LoadOptions::default())
                    .unwrap_err()
                    .to_string();
                assert!(err.contains("a pipe or other special file"), "{err}");
            }
        }
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
            load_corpus(dir.path(), Format::Brat, &options).map(|r| r.documents)
        };
        assert_eq!(load(None).unwrap()[0].spans[0].role, Role::Cue);
        assert_eq!(load(Some("ff01")).unwrap()[0].spans[0].role, Role::Source);
        // An annotator of none of the articles is a mistake, not a default.
        let err = load(Some("9999")).unwrap_err().to_string();
        assert!(
            err.contains("annotator \"9999\" (the annotators here: 0b2c, ff01)"),
            "{err}"
        );
        // An article with several files, none of the annotator asked for,
        // is read from the first one with a warning; one with a single
        // file, or with the annotator's, without.
        write(&root.join("text/b.txt"), "Bo said so.");
        write(&root.join("attributions/b_0b2c.ann"), "T1\tCue 3 7\tsaid\n");
        write(&root.join("text/c.txt"), "Cy said so.");
        write(&root.join("attributions/c_0b2c.ann"), "T1\tCue 3 7\tsaid\n");
        write(&root.join("attributions/c_77aa.ann"), "T1\tCue 3 7\tsaid\n");
        let mut options = LoadOptions::default();
        options.brat.annotator = Some("77aa".into());
        let report = load_corpus(dir.path(), Format::Brat, &options).unwrap();
        assert_eq!(report.documents.len(), 3);
        assert_eq!(report.documents[0].spans[0].role, Role::Cue);
        let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("a_0b2c.ann: warning: the article has several annotation files, none of annotator \"77aa\": read annotator \"0b2c\"'s"), "{}", warnings[0]);
        assert_eq!(report.warnings[0].document, "a");
        options.brat.annotator = None;
        let report = load_corpus(dir.path(), Format::Brat, &options).unwrap();
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    }

    /// The text/ or attributions/ folder of a PolNeAR-layout corpus given
    /// for the corpus is refused, naming the corpus folder.
    #[test]
    fn half_of_a_polnear_corpus_names_the_whole() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("dev");
        write(&root.join("text/a.txt"), "Ann said so.");
        write(
            &root.join("attributions/a_ff01.ann"),
            "T1\tSource 0 3\tAnn\n",
        );
        for half in ["text", "attributions"] {
            let err = load_corpus(&root.join(half), Format::Brat, &LoadOptions::default())
                .unwrap_err()
                .to_string();
            let whole = format!("give the corpus folder, {}, which holds", root.display());
            assert!(
                err.contains(&format!("the {half}/ folder")) && err.contains(&whole),
                "{err}"
            );
        }
        assert_eq!(
            load_corpus(&root, Format::Brat, &LoadOptions::default())
                .unwrap()
                .documents
                .len(),
            1
        );
        // A flat corpus that is named `text` beside an `attributions/`
        // reads as one.
        write(&root.join("text/a.ann"), "T1\tSource 0 3\tAnn\n");
        let flat = load_corpus(&root.join("text"), Format::Brat, &LoadOptions::default());
        assert_eq!(flat.unwrap().documents.len(), 1);
    }

    /// An ids file renames the articles it lists. With quotekit's header,
    /// a line it cannot read is refused naming it (but for a last line cut
    /// short by a kill), and a name no article has is passed over. Without
    /// it (an earlier version's file, or another program's `ids.tsv` beside
    /// the articles), each line is read as earlier versions wrote it (a
    /// name with a tab as it is, or escaped) and every rename is warned of.
    /// A name given two ids is refused either way.
    #[test]
    fn an_ids_file_renames_what_it_names_and_says_so_without_its_header() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "x\ty~2"] {
            write(&dir.path().join(format!("{name}.txt")), "Ann said so.");
            write(
                &dir.path().join(format!("{name}.ann")),
                "T1\tSource 0 3\tAnn\n",
            );
        }
        let ids = dir.path().join(IDS_FILE);
        let read = |text: &str| {
            write(&ids, text);
            load_corpus(dir.path(), Format::Brat, &LoadOptions::default())
                .map(|c| {
                    let mut got: Vec<String> = c.documents.iter().map(|d| d.id.clone()).collect();
                    got.sort();
                    (
                        got,
                        c.warnings
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>(),
                    )
                })
                .map_err(|e| e.to_string())
        };
        let header = format!("{IDS_HEADER}\n");
        let (got, warned) = read(&format!("{header}gone\tx\na\tw\\tx\na\tw\\tx\nnot-yet")).unwrap();
        assert_eq!(got, ["w\tx", "x\ty~2"]);
        assert!(warned.is_empty(), "{warned:?}");
        let (got, warned) = read("article\tsource_id\na\t4711\r\nx\ty~2\tx\ty\n").unwrap();
        assert_eq!(got, ["4711", "x\ty"]);
        let said = format!(
            "{}:2: warning: the document of {} takes its id \"4711\" from this line, of a list without the header",
            ids.display(),
            dir.path().join("a.txt").display()
        );
        assert!(warned.iter().any(|w| w.contains(&said)), "{warned:?}");
        assert_eq!(warned.len(), 2, "{warned:?}");
        let (got, _) = read("x\\ty~2\tx\\ty\n").unwrap();
        assert_eq!(got, ["a", "x\ty"]);
        // A last line without its end is read as the others are where it
        // reads; an id with a backslash, escaped, is read unescaped where
        // its name is the one quotekit gives that id.
        let (got, warned) = read("a\t4711").unwrap();
        assert_eq!(
            (got, warned.len()),
            (vec!["4711".to_string(), "x\ty~2".to_string()], 1)
        );
        std::fs::rename(
            dir.path().join("x\ty~2.txt"),
            dir.path().join("a_b~e6b9b11904eabd96.txt"),
        )
        .unwrap();
        std::fs::rename(
            dir.path().join("x\ty~2.ann"),
            dir.path().join("a_b~e6b9b11904eabd96.ann"),
        )
        .unwrap();
        let (got, _) = read("a_b~e6b9b11904eabd96\ta\\\\b\n").unwrap();
        assert_eq!(got, ["a", "a\\b"]);
        for (text, line, says) in [
            (
                format!("{header}a\tx\na\ty\n"),
                3,
                "gives \"a\" the id \"y\", where line 2 gave it \"x\"",
            ),
            (
                "a\tx\na\ty\n".to_string(),
                2,
                "gives \"a\" the id \"y\", where line 1 gave it \"x\"",
            ),
            (
                format!("{header}\na\n"),
                3,
                "\"a\" is not a file name, a tab and a document id",
            ),
            (
                format!("{header}a\tx\ty\n"),
                2,
                "\"a\\tx\\ty\" is not a file name, a tab",
            ),
        ] {
            let err = read(&text).unwrap_err();
            let at = format!("{}:{line}: {says}", ids.display());
            assert!(err.contains(&at), "{err}\nexpected: {at}");
        }
    }

    /// A flat folder's files name no annotator: one asked for where every
    /// folder is flat is refused, not silently left unread; beside a
    /// folder of the PolNeAR layout, the flat one reads.
    #[test]
    fn a_flat_folder_has_no_annotator_to_choose() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("a.txt"), "Ann said so.");
        write(&dir.path().join("a.ann"), "T1\tSource 0 3\tAnn\n");
        let mut options = LoadOptions::default();
        assert_eq!(
            load_corpus(dir.path(), Format::Brat, &options)
                .unwrap()
                .documents
                .len(),
            1
        );
        options.brat.annotator = Some("bob".into());
        let err = load_corpus(dir.path(), Format::Brat, &options)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no annotation file of annotator \"bob\": the annotation files here"),
            "{err}"
        );
        let mixed = tempfile::tempdir().unwrap();
        write(&mixed.path().join("flat/a.txt"), "Ann said so.");
        write(&mixed.path().join("flat/a.ann"), "T1\tSource 0 3\tAnn\n");
        write(&mixed.path().join("pn/text/b.txt"), "Bo said so.");
        write(
            &mixed.path().join("pn/attributions/b_bob.ann"),
            "T1\tSource 0 2\tBo\n",
        );
        let read = load_corpus(mixed.path(), Format::Brat, &options).unwrap();
        assert_eq!(read.documents.len(), 2);
    }

    /// Extensions in any case are read; what would be lost otherwise (a
    /// second file of an article, a folder of articles beside the corpus's
    /// own) is an error naming the path, and the rest is read.
    #[test]
    fn nothing_in_a_flat_folder_is_skipped_silently() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join("a.txt"), "Ann said so.");
        write(&root.join("a.ann"), "T1\tSource 0 3\tAnn\n");
        write(&root.join("b.TXT"), "Bob said so.");
        write(&root.join("b.ANN"), "T1\tSource 0 3\tBob\n");
        write(&root.join("b.ann"), "T1\tCue 4 8\tsaid\n");
        write(&root.join("b.txt"), "Bob said it.");
        write(&root.join("more/c.txt"), "Cy said so.");
        write(&root.join("more/c.ann"), "T1\tSource 0 2\tCy\n");
        std::fs::create_dir(root.join("empty")).unwrap();
        // Folders that are no corpus: an editor's, a zip's, notes, names.
        write(&root.join(".ipynb_checkpoints/a-checkpoint.txt"), "x");
        write(&root.join("__MACOSX/._a.ann"), "x");
        write(&root.join("notes/text/readme.md"), "x");
        write(&root.join("names/ids.tsv"), "x");
        let read: Vec<_> = BratReader::default().read(root).unwrap().collect();
        let ids: Vec<String> = read
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|r| r.document.id.clone())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        // (`b.ANN` sorts before `b.ann`: it is the one read.)
        let b = &read[1].as_ref().unwrap().document;
        assert_eq!(b.spans[0].role, Role::Source);
        let errors: Vec<String> = read
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].contains("b.txt: a second .txt file"),
            "{errors:?}"
        );
        assert!(
            errors[1].contains("b.ann: a second .ann file"),
            "{errors:?}"
        );
        assert!(
            errors[2].contains("more: a folder of brat files"),
            "{errors:?}"
        );
    }

    /// A `LICENSE.TXT` beside corpus folders is no article (the folders
    /// are read); an article's two annotation files and no text are two
    /// errors, one per file.
    /// An editor's byte-order mark before an `.ann` file's first line is
    /// read past; the text's is kept, a character the offsets count (as
    /// brat counts it, and as `predict` reads a text file, so that its brat
    /// output of a text that begins with one reads back).
    #[test]
    fn a_byte_order_mark_before_the_annotations_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("a.txt"), "Ann said so.");
        write(&dir.path().join("a.ann"), "\u{feff}T1\tSource 0 3\tAnn\n");
        let read: Vec<_> = BratReader::default().read(dir.path()).unwrap().collect();
        let doc = &read[0].as_ref().unwrap().document;
        assert_eq!(doc.spans.len(), 1);
        assert_eq!(doc.spans[0].id, "T1");
        write(&dir.path().join("a.txt"), "\u{feff}Ann said so.");
        write(&dir.path().join("a.ann"), "T1\tSource 1 4\tAnn\n");
        let read: Vec<_> = BratReader::default().read(dir.path()).unwrap().collect();
        let read = read[0].as_ref().unwrap();
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        assert_eq!(read.document.text(), "\u{feff}Ann said so.");
    }

    #[test]
    fn a_stray_text_beside_corpora_is_no_article() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join("LICENSE.TXT"), "Free to use.");
        for part in ["train", "dev"] {
            write(&root.join(part).join("a.txt"), "Ann said so.");
            write(&root.join(part).join("a.ann"), "T1\tSource 0 3\tAnn\n");
        }
        let read: Vec<_> = BratReader::default().read(root).unwrap().collect();
        assert_eq!(read.len(), 2);
        // (One article name in both: told apart by their folders.)
        let ids: Vec<String> = read
            .iter()
            .map(|r| r.as_ref().unwrap().document.id.clone())
            .collect();
        assert_eq!(ids, ["dev/a", "train/a"]);
        let flat = dir.path().join("flat");
        write(&flat.join("c.ann"), "T1\tSource 0 3\tCy\n");
        write(&flat.join("c.ANN"), "T1\tSource 0 3\tCy\n");
        let errors: Vec<String> = BratReader::default()
            .read(&flat)
            .unwrap()
            .map(|r| r.err().unwrap().to_string())
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors.iter().any(|e| e.contains("a second .ann file")),
            "{errors:?}"
        );
    }

    /// PolNeAR's layout refuses a second file of one article and annotator
    /// (`a_x.ann` beside `a_x.ANN`), or of one article's text, as the flat
    /// layout does: one of them was read and the other dropped.
    #[test]
    fn polnear_layout_refuses_a_second_file_of_an_article() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join("text").join("a.txt"), "Ann said so.");
        write(
            &root.join("attributions").join("a_x.ann"),
            "T1\tSource 0 3\tAnn\n",
        );
        write(
            &root.join("attributions").join("a_x.ANN"),
            "T1\tCue 4 8\tsaid\n",
        );
        let errors = |root: &Path| -> Vec<String> {
            BratReader::default()
                .read(root)
                .unwrap()
                .filter_map(|r| r.err().map(|e| e.to_string()))
                .collect()
        };
        let said = errors(root);
        assert!(
            said.iter()
                .any(|e| e.contains("a_x.ann: a second .ann file of article \"a_x\"")),
            "{said:?}"
        );
        std::fs::remove_file(root.join("attributions").join("a_x.ANN")).unwrap();
        assert!(errors(root).is_empty());
        write(&root.join("text").join("a.TXT"), "Ann said so.");
        let said = errors(root);
        assert!(
            said.iter()
                .any(|e| e.contains("a.txt: a second .txt file of article \"a\"")),
            "{said:?}"
        );
    }

    /// A path that cannot be read says why: nothing there, a link to
    /// nothing, a link loop, an empty path.
    #[test]
    fn unreadable_corpus_paths_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let message = |p: &Path| BratReader::default().read(p).err().unwrap().to_string();
        assert!(message(&dir.path().join("none")).ends_with("no such file or folder"));
        let dangling = dir.path().join("dangling");
        let looped = dir.path().join("loop");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("none"), &dangling).unwrap();
            std::os::unix::fs::symlink(&looped, &looped).unwrap();
            assert!(message(&dangling).contains("a link to nothing"));
            let m = message(&looped);
            assert!(m.contains("symbolic links"), "{m}");
        }
        let m = message(Path::new(""));
        assert_eq!(m, "\"\": an empty path; name a corpus folder");
    }

    /// A link back to a folder already read is said and not followed: the
    /// articles are read once.
    #[cfg(unix)]
    #[test]
    fn a_link_back_up_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("train");
        std::fs::create_dir_all(&train).unwrap();
        std::fs::write(train.join("doc.txt"), "Ann said hi.").unwrap();
        std::fs::write(train.join("doc.ann"), "T1\tSource 0 3\tAnn\n").unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("again")).unwrap();
        let (mut docs, mut errors) = (0, Vec::new());
        for d in BratReader::default().read(dir.path()).unwrap() {
            match d {
                Ok(_) => docs += 1,
                Err(e) => errors.push(e.to_string()),
            }
        }
        assert_eq!(docs, 1);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("again") && errors[0].contains("a link loop?"),
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_layout_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let err = BratReader::default().read(dir.path()).err().unwrap();
        assert!(err.to_string().contains("no .txt/.ann files"), "{err}");
    }
}
