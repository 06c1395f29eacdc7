//! Checks on the paths a command writes, shared by every command that writes:
//! an output is never one of the command's inputs (the same file or folder
//! after links are resolved, or one inside the other), and an output that
//! must be a folder is never an existing file. Nothing is created or changed
//! here; the checks run before anything is written. (The file runs a little
//! over 500 lines with its tests, which try each refusal on real links,
//! pipes and folders.)

use std::path::{Component, Path, PathBuf};

/// Why an output path is refused.
#[derive(Debug, thiserror::Error)]
pub enum OutputPathError {
    /// The output is an input (or contains it, or lies inside it).
    #[error(
        "{}: the output would overwrite the input {} ({relation}); write to another path",
        output.display(),
        input.display()
    )]
    IsInput {
        /// The output as given.
        output: PathBuf,
        /// The input as given.
        input: PathBuf,
        /// How the two relate.
        relation: &'static str,
    },
    /// An input path is empty (it would read as the current folder, around
    /// every output).
    #[error("an input path is empty; name the input")]
    EmptyInput,
    /// The output path is empty.
    #[error("the output path is empty; name the output")]
    EmptyOutput,
    /// A folder output names an existing file (or a device, a pipe:
    /// `/dev/stderr`).
    #[error(
        "{}: is an existing {kind}, and the output is a folder; name a new or existing folder",
        path.display()
    )]
    ExistingFile {
        /// The output as given.
        path: PathBuf,
        /// What it is: `file`, `device`, `pipe or other special file`.
        kind: &'static str,
    },
    /// A file output names an existing folder.
    #[error(
        "{}: is an existing folder, and the output is a file; name a file in it or elsewhere",
        path.display()
    )]
    ExistingFolder {
        /// The output as given.
        path: PathBuf,
    },
    /// A file output written as a folder's name (`out/`).
    #[error(
        "{}: ends in a path separator, so it names a folder, and the output is a file; add a file name",
        path.display()
    )]
    FolderName {
        /// The output as given.
        path: PathBuf,
    },
    /// An output under an existing file (`notes.txt/out.jsonl`).
    #[error(
        "{}: {} is a file, so nothing can be written under it; choose another path",
        path.display(),
        file.display()
    )]
    UnderFile {
        /// The output as given.
        path: PathBuf,
        /// The file on its way.
        file: PathBuf,
    },
}

/// Refuses an output under an existing file (not a folder): no folder can
/// be made there.
fn not_under_a_file(output: &Path) -> Result<(), OutputPathError> {
    for above in output.ancestors().skip(1) {
        if above.as_os_str().is_empty() {
            break;
        }
        if let Ok(meta) = std::fs::metadata(above) {
            if meta.is_dir() {
                break;
            }
            return Err(OutputPathError::UnderFile {
                path: output.to_path_buf(),
                file: above.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// True when `path` is a symbolic link (to something there or not).
pub fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Removes a link at `path`, if there is one, so that the file written there
/// next replaces it rather than being written through it (an output never
/// writes outside the place it names); a named pipe or device there too,
/// which writing would wait on or lose the file to.
pub fn replace_link(path: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        std::fs::remove_file(path)?;
    }
    Ok(())
}

/// Reads a file that quotekit writes for itself beside or inside an output
/// and only reads back (a run's manifest, a search's results), if one is
/// there: `None` when nothing is at `path`. A regular file is read, or a
/// link to one (a folder of links, as `cp -rs` or git-annex make, resumes);
/// anything else there (a pipe, a device, a folder, a link to nothing) is
/// an error of kind `InvalidInput`, and not read: a pipe would block and a
/// device never end.
pub fn read_own_file(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let meta = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if path.symlink_metadata().is_err() {
                return Ok(None);
            }
            return Err(not_own_file("a link to nothing"));
        }
        meta => meta?,
    };
    if !meta.is_file() {
        return Err(not_own_file(not_a_file(&meta)));
    }
    std::fs::read(path).map(Some)
}

/// Whether a file that quotekit keeps for itself and writes in place (cuts
/// or appends to: a brat folder's `errors.jsonl`) is at `path`: false when
/// nothing is there, an error of kind `InvalidInput` when what is there is
/// no regular file, a link included (its file would be written through).
pub fn own_file_there(path: &Path) -> std::io::Result<bool> {
    let meta = match path.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        meta => meta?,
    };
    if meta.file_type().is_symlink() {
        return Err(not_own_file("a link"));
    }
    if !meta.is_file() {
        return Err(not_own_file(not_a_file(&meta)));
    }
    Ok(true)
}

/// Refuses a folder at `path`, where a file is to be written (a rename onto
/// it would fail, after the work that made the file).
pub fn check_not_folder(path: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(folder_where_a_file_goes());
    }
    Ok(())
}

/// The error of [`check_not_folder`] and `atomic::check_replaceable`.
pub(crate) fn folder_where_a_file_goes() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::IsADirectory,
        "a folder, where a file is written: move it away",
    )
}

/// What a thing that is no regular file is, in words.
fn not_a_file(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        "a folder"
    } else {
        "a pipe, socket or device"
    }
}

/// The error of [`read_own_file`] and [`own_file_there`] for `what` (the
/// caller's error names the file).
fn not_own_file(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{what}, where quotekit keeps a file of its own"),
    )
}

/// True when an output named `path` is the process's standard output: `-`,
/// or a name of its descriptor (`/dev/stdout`, `/dev/fd/1`,
/// `/proc/self/fd/1`), which is written as the shell opened it (appended
/// to after `>>`), not replaced as a file.
pub fn is_standard_output(path: &Path) -> bool {
    matches!(
        path.to_str(),
        Some("-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1")
    )
}

/// True when `path` names one of the process's own descriptors
/// (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`,
/// `/proc/thread-self/fd/N`, or a link to one, through other links):
/// opening it opens what the descriptor is, which a shell may have opened
/// to append to.
pub fn is_own_descriptor(path: &Path) -> bool {
    let named = |p: &Path| {
        ["/dev/stdin", "/dev/stdout", "/dev/stderr"]
            .iter()
            .any(|name| p == Path::new(name))
            || ["/dev/fd", "/proc/self/fd", "/proc/thread-self/fd"]
                .iter()
                .any(|folder| p.starts_with(folder))
    };
    // (Links followed one by one, as far as the kernel would: a link's
    // target is read from the link's folder.)
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        if named(&p) {
            return true;
        }
        match std::fs::read_link(&p) {
            Ok(target) => {
                p = p
                    .parent()
                    .map_or(target.clone(), |folder| folder.join(&target))
            }
            Err(_) => return false,
        }
    }
    false
}

/// Where `path` is or would be: links resolved for the part that exists, the
/// rest appended with `.` and `..` taken literally. A link to a file that is
/// not there yet is where writing it would go: its target.
pub fn resolved(path: &Path) -> PathBuf {
    resolved_within(path, 40)
}

/// [`resolved`], following at most `links` dangling links.
fn resolved_within(path: &Path, links: usize) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    if links > 0 && is_link(path) {
        if let Ok(target) = std::fs::read_link(path) {
            let from = path.parent().unwrap_or(Path::new(""));
            return resolved_within(&from.join(target), links - 1);
        }
    }
    // The longest existing ancestor, resolved, plus the components after it.
    let mut rest: Vec<Component<'_>> = Vec::new();
    let mut base = path;
    loop {
        match base.parent() {
            Some(parent) => {
                if let Some(last) = base.components().next_back() {
                    rest.push(last);
                }
                base = parent;
                let start = if base.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    base
                };
                if let Ok(resolved) = start.canonicalize() {
                    let mut out = resolved;
                    for c in rest.iter().rev() {
                        match c {
                            Component::ParentDir => {
                                out.pop();
                            }
                            Component::CurDir => {}
                            c => out.push(c.as_os_str()),
                        }
                    }
                    return out;
                }
            }
            None => return path.to_path_buf(),
        }
    }
}

/// Whether two paths name one file (through a hard link), told without
/// opening either: opening a named pipe waits for its other end.
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether two paths name one file (through a hard link): regular files
/// only, which opening does not hold up.
#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    let regular = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.is_file());
    regular(a) && regular(b) && same_file::is_same_file(a, b).unwrap_or(false)
}

/// Refuses `output` when it is one of `inputs` (also through a link or a
/// hard link) or one contains the other (a folder output around an input
/// file, an output inside an input folder). `-` (standard input or output)
/// is never refused.
pub fn check_output<P: AsRef<Path>>(output: &Path, inputs: &[P]) -> Result<(), OutputPathError> {
    if output.as_os_str() == "-" {
        return Ok(());
    }
    if output.as_os_str().is_empty() {
        return Err(OutputPathError::EmptyOutput);
    }
    let out = resolved(output);
    for input in inputs {
        let input = input.as_ref();
        if input.as_os_str().is_empty() {
            return Err(OutputPathError::EmptyInput);
        }
        if input.as_os_str() == "-" {
            continue;
        }
        let inp = resolved(input);
        let relation = if out == inp {
            "the same path"
        } else if same_file(&out, &inp) {
            "the same file, through a hard link"
        } else if out.starts_with(&inp) {
            "inside it"
        } else if inp.starts_with(&out) {
            "it contains the input"
        } else {
            continue;
        };
        return Err(OutputPathError::IsInput {
            output: output.to_path_buf(),
            input: input.to_path_buf(),
            relation,
        });
    }
    Ok(())
}

/// The folders that writing an output makes (it, or a file's folder, with
/// the missing folders above it), removed again while empty when the
/// command fails: held from before the output's lock is taken (which makes
/// them) to the end, when [`MadeFolders::keep`] says the command succeeded.
/// (Declared before the lock, it is dropped after it, and the lock's file
/// is gone by then.)
#[derive(Debug)]
pub struct MadeFolders {
    /// The folders along the path as written that were not there, outermost
    /// first, [`resolved`] (`new` and `x` for `new/../x`: making it makes
    /// both).
    missing: Vec<PathBuf>,
}

impl MadeFolders {
    /// Before the output `path` is written: a folder, or a file (`folder`
    /// false), whose folder is what is made.
    pub fn before(path: &Path, folder: bool) -> Self {
        // An output that is a link is written where it leads.
        let target = if is_link(path) {
            resolved(path)
        } else {
            path.to_path_buf()
        };
        let folder = if folder {
            target.as_path()
        } else {
            target.parent().unwrap_or(Path::new(""))
        };
        let mut prefix = PathBuf::new();
        let mut missing = Vec::new();
        for part in folder.components() {
            prefix.push(part);
            // (`x/.` is `x`, and `x/..` is there when `x` is; `new/../old`
            // is `old`, there or not whether `new` is.)
            if matches!(part, std::path::Component::Normal(_)) {
                let folder = resolved(&prefix);
                if std::fs::symlink_metadata(&folder).is_err() {
                    missing.push(folder);
                }
            }
        }
        Self { missing }
    }

    /// The command succeeded: the folders stay.
    pub fn keep(mut self) {
        self.missing.clear();
    }
}

impl Drop for MadeFolders {
    /// Removes the folders that were missing, innermost first, each only
    /// while it is empty: nothing that was there, nothing that holds files.
    fn drop(&mut self) {
        for folder in self.missing.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// Refuses a folder output that is an existing file (also through `..`:
/// `new/../file.txt` is refused before `new/` is created), then one that is
/// one of `inputs` or holds one ([`check_output`]), as
/// [`check_output_file`] does for a file.
pub fn check_output_folder<P: AsRef<Path>>(
    output: &Path,
    inputs: &[P],
) -> Result<(), OutputPathError> {
    if output.as_os_str().is_empty() {
        return Err(OutputPathError::EmptyOutput);
    }
    // (What the path leads to: `/dev/stderr` leads to a pipe or terminal
    // that `resolved`, which names it, cannot.)
    let out = resolved(output);
    let existing = std::fs::metadata(output)
        .or_else(|_| std::fs::metadata(&out))
        .ok();
    if let Some(m) = existing.filter(|m| !m.is_dir()) {
        return Err(OutputPathError::ExistingFile {
            path: output.to_path_buf(),
            kind: file_kind(&m),
        });
    }
    not_under_a_file(output)?;
    check_output(output, inputs)
}

/// What a path that is no folder leads to, in words.
fn file_kind(m: &std::fs::Metadata) -> &'static str {
    if crate::read::is_device(m) {
        "device"
    } else if m.is_file() {
        "file"
    } else {
        "pipe or other special file"
    }
}

/// Refuses a file output that names an existing folder (opening it would
/// fail with the system's bare "Is a directory"), then one that is one of
/// `inputs` ([`check_output`]): a folder there is the reason first,
/// whatever it holds.
pub fn check_output_file<P: AsRef<Path>>(
    output: &Path,
    inputs: &[P],
) -> Result<(), OutputPathError> {
    if output.as_os_str().is_empty() {
        return Err(OutputPathError::EmptyOutput);
    }
    if resolved(output).is_dir() {
        return Err(OutputPathError::ExistingFolder {
            path: output.to_path_buf(),
        });
    }
    if output
        .as_os_str()
        .to_string_lossy()
        .ends_with(std::path::MAIN_SEPARATOR)
    {
        return Err(OutputPathError::FolderName {
            path: output.to_path_buf(),
        });
    }
    not_under_a_file(output)?;
    check_output(output, inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-` and the names of descriptor 1 are standard output; the names of
    /// the process's descriptors, and a link to one, are its own
    /// descriptors; a file is neither.
    #[cfg(unix)]
    #[test]
    fn standard_output_and_own_descriptors_are_told_by_name() {
        for name in ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            assert!(is_standard_output(Path::new(name)), "{name}");
        }
        for name in ["out.jsonl", "/dev/stderr", "/dev/fd/3", "-x"] {
            assert!(!is_standard_output(Path::new(name)), "{name}");
        }
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("out.jsonl");
        std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
        // (A relative link to that link: followed from its own folder.)
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let relative = dir.path().join("sub/again.jsonl");
        std::os::unix::fs::symlink("../out.jsonl", &relative).unwrap();
        for path in [
            Path::new("/dev/stderr"),
            Path::new("/dev/fd/3"),
            Path::new("/proc/thread-self/fd/1"),
            &link,
            &relative,
        ] {
            assert!(is_own_descriptor(path), "{}", path.display());
        }
        for name in ["/dev/fdx", "/proc/self/fdinfo/1"] {
            assert!(!is_own_descriptor(Path::new(name)), "{name}");
        }
        let file = dir.path().join("file.jsonl");
        std::fs::write(&file, "").unwrap();
        assert!(!is_own_descriptor(&file));
        assert!(!is_own_descriptor(Path::new("/dev/null")));
    }

    /// A file of quotekit's own is read when it is a regular file, is none
    /// when nothing is there, and is an error saying what is there when it
    /// is a link, a pipe or a folder (none of them opened).
    #[cfg(unix)]
    #[test]
    fn own_files_are_read_only_when_regular() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("run.json");
        assert!(read_own_file(&file).unwrap().is_none());
        std::fs::write(&file, "{}").unwrap();
        assert_eq!(read_own_file(&file).unwrap().unwrap(), b"{}");
        let pipe = dir.path().join("pipe.json");
        crate::test_support::mkfifo(&pipe);
        // A link to a regular file is read (a folder of links resumes); one
        // to a device, to a pipe or to nothing is not.
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read_own_file(&link).unwrap().unwrap(), b"{}");
        let (zero, piped, gone) = (
            dir.path().join("zero.json"),
            dir.path().join("piped.json"),
            dir.path().join("gone.json"),
        );
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        std::os::unix::fs::symlink(&pipe, &piped).unwrap();
        std::os::unix::fs::symlink(dir.path().join("nothing"), &gone).unwrap();
        for (path, said) in [
            (&pipe, "a pipe, socket or device"),
            (&zero, "a pipe, socket or device"),
            (&piped, "a pipe, socket or device"),
            (&gone, "a link to nothing"),
            (&dir.path().to_path_buf(), "a folder"),
        ] {
            let e = read_own_file(path).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
            assert!(e.to_string().starts_with(said), "{e}");
        }
        // A file written in place is its own only as a regular file: not
        // even a link to one.
        assert!(own_file_there(&file).unwrap());
        assert!(!own_file_there(&dir.path().join("none")).unwrap());
        for (path, said) in [(&link, "a link"), (&pipe, "a pipe, socket or device")] {
            let e = own_file_there(path).unwrap_err();
            assert!(e.to_string().starts_with(said), "{e}");
        }
    }

    /// A link, a named pipe or a device at an output's name is removed
    /// before the file is written there; a file or folder is not.
    #[cfg(unix)]
    #[test]
    fn links_and_pipes_at_a_name_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("a.ann");
        crate::test_support::mkfifo(&pipe);
        replace_link(&pipe).unwrap();
        assert!(std::fs::symlink_metadata(&pipe).is_err());
        let link = dir.path().join("b.ann");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        replace_link(&link).unwrap();
        assert!(std::fs::symlink_metadata(&link).is_err());
        let file = dir.path().join("c.ann");
        std::fs::write(&file, "kept").unwrap();
        replace_link(&file).unwrap();
        replace_link(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept");
    }

    /// What a failed run made goes, up to the first folder it made; what
    /// was there, or holds anything, stays; a run that succeeded keeps it.
    #[test]
    fn only_the_empty_folders_a_run_made_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let at = |p: &str| dir.path().join(p);
        // A run that fails after making `a/b/c`.
        let made = MadeFolders::before(&at("a/b/c"), true);
        std::fs::create_dir_all(at("a/b/c")).unwrap();
        drop(made);
        assert!(!at("a").exists() && dir.path().exists());
        // `a` was there; `a/b` gets a file.
        std::fs::create_dir(at("a")).unwrap();
        let made = MadeFolders::before(&at("a/b/c"), true);
        std::fs::create_dir_all(at("a/b/c")).unwrap();
        std::fs::write(at("a/b/kept.txt"), "x").unwrap();
        drop(made);
        assert!(!at("a/b/c").exists() && at("a/b/kept.txt").exists());
        // A file's folder; a run that succeeded.
        let made = MadeFolders::before(&at("f/g/out.jsonl"), false);
        std::fs::create_dir_all(at("f/g")).unwrap();
        made.keep();
        assert!(at("f/g").is_dir());
        // Through `..` and `.`: every folder that making the path makes.
        std::fs::create_dir(at("old")).unwrap();
        for (path, made_here) in [
            ("new/../old", "new"),
            ("n2/../fresh", "fresh"),
            ("x/.", "x"),
        ] {
            let made = MadeFolders::before(&at(path), true);
            // (`create_dir_all` does not make `x/.`: its lock makes `x`.)
            std::fs::create_dir_all(at(path.trim_end_matches("/."))).unwrap();
            assert!(at(made_here).is_dir());
            drop(made);
            assert!(!at(made_here).exists(), "{path}");
        }
        assert!(!at("n2").exists() && at("old").is_dir());
        // An output that is a link to a file not there yet makes the folder
        // it leads to.
        #[cfg(unix)]
        {
            let link = at("link.jsonl");
            std::os::unix::fs::symlink(at("far/out.jsonl"), &link).unwrap();
            let made = MadeFolders::before(&link, false);
            std::fs::create_dir_all(at("far")).unwrap();
            drop(made);
            assert!(!at("far").exists());
        }
        // No folder to make: a file in the current folder.
        assert!(MadeFolders::before(Path::new("out.jsonl"), false)
            .missing
            .is_empty());
    }

    /// An empty input path is refused as such (it is no folder around
    /// every output), before any output is opened; a reader says the same.
    #[test]
    fn an_empty_input_path_is_refused_as_empty() {
        let err = check_output(Path::new("model"), &[Path::new("")]).unwrap_err();
        assert_eq!(err.to_string(), "an input path is empty; name the input");
        let err = crate::load::load_corpus(
            Path::new(""),
            crate::formats::Format::Jsonl,
            &Default::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("an empty path; name a corpus"),
            "{err}"
        );
    }

    #[test]
    fn an_output_that_is_an_input_is_refused_however_it_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "{}\n").unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let roundabout = sub.join("..").join("in.jsonl");
        for out in [&input, &roundabout] {
            let err = check_output(out, &[&input]).unwrap_err().to_string();
            assert!(err.contains("would overwrite the input"), "{err}");
        }
        #[cfg(unix)]
        {
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(check_output(&link, &[&input]).is_err());
            let hard = dir.path().join("hard.jsonl");
            std::fs::hard_link(&input, &hard).unwrap();
            let err = check_output(&hard, &[&input]).unwrap_err().to_string();
            assert!(err.contains("through a hard link"), "{err}");
            // A link to a file not there yet, inside an input folder: what
            // is written goes there.
            let dangling = dir.path().join("dangling.jsonl");
            std::os::unix::fs::symlink(sub.join("new.txt"), &dangling).unwrap();
            let err = check_output(&dangling, &[&sub]).unwrap_err().to_string();
            assert!(err.contains("inside it"), "{err}");
            assert!(check_output(&dangling, &[&input]).is_ok());
        }
        // Beside it, or a new file: fine; standard output too.
        check_output(&dir.path().join("out.jsonl"), &[&input]).unwrap();
        check_output(&dir.path().join("new/out.jsonl"), &[&input]).unwrap();
        check_output(Path::new("-"), &[&input]).unwrap();
        // A folder output inside an input folder, or around an input file.
        assert!(check_output(&sub.join("brat"), &[&sub]).is_err());
        assert!(check_output(dir.path(), &[&input]).is_err());
    }

    #[test]
    fn a_folder_output_is_never_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("victim.txt");
        std::fs::write(&file, "keep me").unwrap();
        const NONE: &[&Path] = &[];
        let err = check_output_folder(&file, NONE).unwrap_err().to_string();
        assert!(err.contains("existing file"), "{err}");
        // `nx/../victim.txt`: refused without creating `nx`.
        let sneaky = dir.path().join("nx").join("..").join("victim.txt");
        assert!(check_output_folder(&sneaky, NONE).is_err());
        assert!(!dir.path().join("nx").exists());
        check_output_folder(&dir.path().join("model"), NONE).unwrap();
        check_output_folder(dir.path(), NONE).unwrap();
        // A device, and a link to a pipe (`/dev/stderr` into `| less`), are
        // said to be what they are (review 58: "File exists").
        #[cfg(unix)]
        {
            let err = check_output_folder(Path::new("/dev/null"), NONE)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("is an existing device, and the output is a folder"),
                "{err}"
            );
            let fifo = dir.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let link = dir.path().join("to-fifo");
                std::os::unix::fs::symlink(&fifo, &link).unwrap();
                let err = check_output_folder(&link, NONE).unwrap_err().to_string();
                assert!(
                    err.contains("is an existing pipe or other special file"),
                    "{err}"
                );
            }
        }
        // And a file output is never an existing folder, even one that
        // holds an input (said first).
        let refused =
            |out: &Path, inputs: &[&Path]| check_output_file(out, inputs).unwrap_err().to_string();
        for inputs in [&[][..], &[file.as_path()][..]] {
            let err = refused(dir.path(), inputs);
            assert!(err.contains("existing folder"), "{err}");
        }
        check_output_file(&file, NONE).unwrap();
        // Nothing goes under a file, and a file output is not named as a folder.
        let err = refused(&file.join("deeper").join("out.jsonl"), &[]);
        assert!(err.contains("victim.txt is a file, so nothing"), "{err}");
        assert!(check_output_folder(&file.join("brat"), NONE).is_err());
        let slash = dir.path().join("new").display().to_string() + std::path::MAIN_SEPARATOR_STR;
        let err = refused(Path::new(&slash), &[]);
        assert!(err.contains("names a folder"), "{err}");
        check_output_file(&dir.path().join("new").join("out.jsonl"), NONE).unwrap();
    }
}
