//! Checks on the paths a command writes, shared by every command that writes:
//! an output is never one of the command's inputs (the same file or folder
//! after links are resolved, or one inside the other), and an output that
//! must be a folder is never an existing file. Nothing is created or changed
//! here; the checks run before anything is written.

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
    /// A folder output names an existing file.
    #[error(
        "{}: is an existing file, and the output is a folder; name a new or existing folder",
        path.display()
    )]
    ExistingFile {
        /// The output as given.
        path: PathBuf,
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
}

/// Where `path` is or would be: links resolved for the part that exists, the
/// rest appended with `.` and `..` taken literally.
pub fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
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

/// Refuses `output` when it is one of `inputs` (also through a link or a
/// hard link) or one contains the other (a folder output around an input
/// file, an output inside an input folder). `-` (standard input or output)
/// is never refused.
pub fn check_output(output: &Path, inputs: &[&Path]) -> Result<(), OutputPathError> {
    if output.as_os_str() == "-" {
        return Ok(());
    }
    let out = resolved(output);
    for &input in inputs {
        if input.as_os_str().is_empty() {
            return Err(OutputPathError::EmptyInput);
        }
        if input.as_os_str() == "-" {
            continue;
        }
        let inp = resolved(input);
        let relation = if out == inp {
            "the same path"
        } else if same_file::is_same_file(&out, &inp).unwrap_or(false) {
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

/// The first folder that making `path` (with its missing parents) creates,
/// on the path [`resolved`] (`new/../old` is `old`): the highest of it and
/// its ancestors that is not there. `None` when `path` is there.
pub fn first_missing(path: &Path) -> Option<PathBuf> {
    let path = resolved(path);
    if path.exists() {
        return None;
    }
    let mut top = path.as_path();
    while let Some(parent) = top
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && !p.exists())
    {
        top = parent;
    }
    Some(top.to_path_buf())
}

/// Removes `path` ([`resolved`]) and the folders above it up to `top`
/// ([`first_missing`] of `path` before a run that failed made them), each
/// only while it is empty: what the run made and left empty along the
/// path, nothing that was there.
pub fn remove_made(path: &Path, top: &Path) {
    let path = resolved(path);
    let mut folder = path.as_path();
    while folder.starts_with(top) && std::fs::remove_dir(folder).is_ok() && folder != top {
        match folder.parent() {
            Some(parent) => folder = parent,
            None => break,
        }
    }
}

/// The folders that writing an output makes (it, or a file's folder, with
/// the missing folders above it), removed again while empty when the
/// command fails: held from before the output's lock is taken (which makes
/// them) to the end, when [`MadeFolders::keep`] says the command succeeded.
/// (Declared before the lock, it is dropped after it, and the lock's file
/// is gone by then.)
#[derive(Debug)]
pub struct MadeFolders {
    folder: PathBuf,
    top: Option<PathBuf>,
}

impl MadeFolders {
    /// Before the output `path` is written: a folder, or a file (`folder`
    /// false), whose folder is what is made.
    pub fn before(path: &Path, folder: bool) -> Self {
        let folder = if folder {
            path.to_path_buf()
        } else {
            path.parent().map(|p| p.to_path_buf()).unwrap_or_default()
        };
        let top = if folder.as_os_str().is_empty() {
            None
        } else {
            first_missing(&folder)
        };
        Self { folder, top }
    }

    /// The command succeeded: the folders stay.
    pub fn keep(mut self) {
        self.top = None;
    }
}

impl Drop for MadeFolders {
    fn drop(&mut self) {
        if let Some(top) = &self.top {
            remove_made(&self.folder, top);
        }
    }
}

/// Refuses a folder output that is an existing file (also through `..`:
/// `new/../file.txt` is refused before `new/` is created).
pub fn check_output_folder(output: &Path) -> Result<(), OutputPathError> {
    let out = resolved(output);
    if out.exists() && !out.is_dir() {
        return Err(OutputPathError::ExistingFile {
            path: output.to_path_buf(),
        });
    }
    Ok(())
}

/// Refuses a file output that names an existing folder (opening it would
/// fail with the system's bare "Is a directory").
pub fn check_output_file(output: &Path) -> Result<(), OutputPathError> {
    if resolved(output).is_dir() {
        return Err(OutputPathError::ExistingFolder {
            path: output.to_path_buf(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a failed run made goes, up to the first folder it made; what
    /// was there, or holds anything, stays.
    #[test]
    fn only_the_empty_folders_a_run_made_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let root = resolved(dir.path());
        let out = dir.path().join("a/b/c");
        let top = first_missing(&out).unwrap();
        assert_eq!(top, root.join("a"));
        std::fs::create_dir_all(&out).unwrap();
        remove_made(&out, &top);
        assert!(!dir.path().join("a").exists() && dir.path().exists());
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        let top = first_missing(&out).unwrap();
        assert_eq!(top, root.join("a/b"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(dir.path().join("a/b/kept.txt"), "x").unwrap();
        remove_made(&out, &top);
        assert!(!out.exists() && dir.path().join("a/b/kept.txt").exists());
        assert_eq!(first_missing(dir.path()), None);
        // Through `..` and `.`: the folder the path comes to, not its words.
        std::fs::create_dir(dir.path().join("old")).unwrap();
        assert_eq!(first_missing(&dir.path().join("new/../old")), None);
        let dotted = dir.path().join("x/.");
        let top = first_missing(&dotted).unwrap();
        assert_eq!(top, root.join("x"));
        std::fs::create_dir(dir.path().join("x")).unwrap();
        remove_made(&dotted, &top);
        assert!(!dir.path().join("x").exists() && dir.path().join("old").exists());
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
        let err = check_output_folder(&file).unwrap_err().to_string();
        assert!(err.contains("existing file"), "{err}");
        // `nx/../victim.txt`: refused without creating `nx`.
        let sneaky = dir.path().join("nx").join("..").join("victim.txt");
        assert!(check_output_folder(&sneaky).is_err());
        assert!(!dir.path().join("nx").exists());
        check_output_folder(&dir.path().join("model")).unwrap();
        check_output_folder(dir.path()).unwrap();
        // And a file output is never an existing folder.
        let err = check_output_file(dir.path()).unwrap_err().to_string();
        assert!(err.contains("existing folder"), "{err}");
        check_output_file(&file).unwrap();
    }
}
