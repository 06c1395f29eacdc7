//! One run per output: a run holds an exclusive OS lock on a lock file beside
//! its output (`.NAME.lock` next to a JSONL file, `.quotekit.lock` inside a
//! brat folder) for as long as it writes. A second run on the same output is
//! refused with the process that holds it. The OS drops the lock when the
//! process ends, however it ends; the file is removed when the run finishes.

use crate::error::InferError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The lock of one output, released when dropped.
#[derive(Debug)]
pub struct OutputLock {
    /// The lock file, held; none for an output that is no file or folder
    /// (`/dev/stdout` into a pipe, `/dev/null`), which no run can spoil.
    file: Option<File>,
    path: PathBuf,
}

/// The hidden file `.NAME` + `suffix` beside `path` (`out.jsonl`:
/// `.out.jsonl.lock`), its name kept byte for byte (two names that are no
/// UTF-8 give two files).
pub(crate) fn hidden_beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(suffix);
    path.with_file_name(name)
}

/// The lock file of an output folder: `.quotekit.lock` inside it (where it
/// is, links followed: however it is spelled, one output has one lock).
fn folder_lock(output: &Path) -> PathBuf {
    quotekit_data::paths::resolved(output).join(".quotekit.lock")
}

/// The lock file of an output file: `.NAME.lock` beside it (where it is,
/// links followed).
fn file_lock(output: &Path) -> PathBuf {
    hidden_beside(&quotekit_data::paths::resolved(output), ".lock")
}

impl OutputLock {
    /// Takes the lock of an output folder, for any command that writes one
    /// (a model folder, a brat corpus).
    pub fn folder(output: &Path) -> Result<Self, InferError> {
        Self::acquire(output, folder_lock(output))
    }

    /// Takes the lock of an output file.
    pub fn file(output: &Path) -> Result<Self, InferError> {
        Self::acquire(output, file_lock(output))
    }

    /// Takes `output`'s lock file `path`, creating the folder it lives in.
    fn acquire(output: &Path, path: PathBuf) -> Result<Self, InferError> {
        if crate::output::streamed(output) {
            return Ok(Self { file: None, path });
        }
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        // A finishing run removes its lock file: if the file locked is no
        // longer the one at `path`, take the new one. (And a failed run
        // removes the empty folders it made, which may be this one's: it is
        // made again.)
        for _ in 0..16 {
            if let Some(parent) = parent {
                std::fs::create_dir_all(parent).map_err(|e| InferError::io(parent, e))?;
            }
            // A link in the lock file's place is replaced, not written
            // through.
            quotekit_data::paths::replace_link(&path).map_err(|e| InferError::io(&path, e))?;
            let opened = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path);
            let mut file = match opened {
                Ok(file) => file,
                // (Its folder, removed meanwhile by a run that failed.)
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        && parent.is_some_and(|p| !p.is_dir()) =>
                {
                    continue
                }
                // (Said of the output the user named: the lock file is
                // quotekit's own.)
                Err(e) => {
                    let why = if path.is_dir() {
                        format!("its lock file {} is a folder: move it away", path.display())
                    } else {
                        format!(
                            "its lock file {} cannot be made ({e}); is its folder one quotekit may write in?",
                            path.display()
                        )
                    };
                    return Err(InferError::io(output, std::io::Error::new(e.kind(), why)));
                }
            };
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let mut holder = holder.trim().to_string();
                    // (Another thread of this process: a Python program
                    // training twice into one folder at once.)
                    if holder == format!("process {}", std::process::id()) {
                        holder.push_str(", this process: another call of it");
                    }
                    return Err(InferError::Locked {
                        path: output.to_path_buf(),
                        holder: if holder.is_empty() {
                            format!("lock file {}", path.display())
                        } else {
                            format!("{holder}; lock file {}", path.display())
                        },
                    });
                }
                Err(TryLockError::Error(e)) => return Err(InferError::io(&path, e)),
            }
            if !same_file(&file, &path) {
                continue;
            }
            file.set_len(0).map_err(|e| InferError::io(&path, e))?;
            write!(file, "process {}", std::process::id()).map_err(|e| InferError::io(&path, e))?;
            return Ok(Self {
                file: Some(file),
                path,
            });
        }
        Err(InferError::Locked {
            path: output.to_path_buf(),
            holder: format!("lock file {} keeps changing", path.display()),
        })
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            let _ = std::fs::remove_file(&self.path);
            let _ = file.unlock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files beside an output keep its name byte for byte: two names that
    /// are no UTF-8 have two lock files.
    #[cfg(unix)]
    #[test]
    fn hidden_files_beside_keep_the_name() {
        use std::os::unix::ffi::OsStrExt;
        let name = |bytes: &[u8]| Path::new("out").join(std::ffi::OsStr::from_bytes(bytes));
        assert_eq!(
            hidden_beside(Path::new("out/a.jsonl"), ".lock"),
            Path::new("out/.a.jsonl.lock")
        );
        let (a, b) = (name(b"o\xff.jsonl"), name(b"o\xfe.jsonl"));
        assert_ne!(hidden_beside(&a, ".lock"), hidden_beside(&b, ".lock"));
        assert_eq!(hidden_beside(&a, ".lock"), name(b".o\xff.jsonl.lock"));
    }

    #[test]
    fn a_second_run_on_one_output_is_refused_with_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
        let first = OutputLock::file(&out).unwrap();
        let err = OutputLock::file(&out).unwrap_err().to_string();
        assert!(err.contains("another quotekit run"), "{err}");
        assert!(
            err.contains(&format!(
                "process {}, this process: another call of it",
                std::process::id()
            )),
            "{err}"
        );
        // Another output is free; the first is free again once released.
        let other = OutputLock::folder(&dir.path().join("b")).unwrap();
        drop(first);
        assert!(!file_lock(&out).exists());
        OutputLock::file(&out).unwrap();
        drop(other);
    }

    /// A link where the lock file goes is replaced, not written through;
    /// an output that is no file or folder (`/dev/null`) takes no lock.
    #[cfg(unix)]
    #[test]
    fn a_lock_never_writes_through_a_link_and_devices_take_none() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("out.jsonl");
        std::os::unix::fs::symlink(&victim, file_lock(&out)).unwrap();
        let lock = OutputLock::file(&out).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        drop(lock);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let null = Path::new("/dev/null");
        let (_a, _b) = (
            OutputLock::file(null).unwrap(),
            OutputLock::file(null).unwrap(),
        );
        assert!(!file_lock(null).exists());
    }

    /// A lock file that cannot be made is said of the output named, with
    /// the lock file's path and why.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_lock_that_cannot_be_made_names_the_output() {
        let err = OutputLock::file(Path::new("/proc/version"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/proc/version: its lock file /proc/.version.lock cannot be made"),
            "{err}"
        );
        // A folder at the lock's name says so (it asked whether the folder
        // was one quotekit may write in).
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
        std::fs::create_dir(file_lock(&out)).unwrap();
        let err = OutputLock::file(&out).unwrap_err().to_string();
        assert!(err.contains("is a folder: move it away"), "{err}");
    }

    /// One output has one lock however it is spelled: through `./`, `..`
    /// or a link.
    #[test]
    fn one_output_spelled_two_ways_has_one_lock() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
        let _first = OutputLock::file(&out).unwrap();
        let roundabout = dir.path().join("sub/../out.jsonl");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(OutputLock::file(&roundabout).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&out, &link).unwrap();
            let err = OutputLock::file(&link).unwrap_err().to_string();
            assert!(err.contains("another quotekit run"), "{err}");
            let folder = dir.path().join("brat");
            let _brat = OutputLock::folder(&folder).unwrap();
            let folder_link = dir.path().join("brat-link");
            std::os::unix::fs::symlink(&folder, &folder_link).unwrap();
            assert!(OutputLock::folder(&folder_link).is_err());
        }
    }
}
