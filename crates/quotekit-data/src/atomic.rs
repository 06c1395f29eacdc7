//! Files written whole: into a temporary file beside the target, renamed
//! over it once complete, so that a reader (or a later run) finds the old
//! file or the new one, never a part of one. A write that fails (a full
//! disk) or is dropped unfinished removes its temporary file, and leaves
//! what was at the target as it was. Only a regular file (or no file) at
//! the target's name is replaced so; anything else there is written
//! directly: a link is written through, a named pipe or device written
//! to, a folder refused; one of the process's own descriptors
//! (`/dev/stdout`, `/dev/fd/N`) is appended to, as the shell may have
//! opened its file to append (`>>`), never cut. (A
//! writer that must not write through a link removes it first:
//! [`crate::paths::replace_link`].)

use crate::gzip;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers temporary files apart within one process.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A file being written whole (gzip-compressed when its name ends in
/// `.gz`, as [`gzip::is_gzip`] says); [`AtomicFile::finish`] puts it in
/// place.
#[derive(Debug)]
pub struct AtomicFile {
    /// The file named.
    path: PathBuf,
    /// The temporary file renamed over `path` at the end (`None`: `path`
    /// is written directly).
    temp: Option<PathBuf>,
    /// The writer, until finished.
    out: Option<gzip::Writer<BufWriter<File>>>,
}

impl AtomicFile {
    /// Starts writing `path`. The temporary file is `.quotekit-PID-N.part`
    /// in `path`'s folder (a short name, whatever the length of `path`'s).
    ///
    /// A file there keeps its permissions; a read-only one is refused, as
    /// it would be written in place. In a folder where no new file may be
    /// made, a file there is written in place.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Self::open(path, gzip::is_gzip(path))
    }

    /// [`AtomicFile::create`] for bytes written as given, whatever the
    /// name (a model's files, a search's results).
    pub fn create_plain(path: &Path) -> std::io::Result<Self> {
        Self::open(path, false)
    }

    fn open(path: &Path, compress: bool) -> std::io::Result<Self> {
        // (A file it may not write in place, read-only or another's, is
        // not replaced either.)
        check_replaceable(path)?;
        let existing = std::fs::symlink_metadata(path).ok();
        let (file, temp) = match &existing {
            // (Opened anew, a descriptor's file would be cut to nothing.)
            Some(m) if !m.is_file() && crate::paths::is_own_descriptor(path) => {
                (std::fs::OpenOptions::new().append(true).open(path)?, None)
            }
            Some(m) if !m.is_file() => (File::create(path)?, None),
            _ => {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                // (A name a killed run of the same process id left is
                // passed over.)
                let (made, temp) = loop {
                    let n = NEXT.fetch_add(1, Ordering::Relaxed);
                    let temp = dir.join(format!(".quotekit-{}-{n}.part", std::process::id()));
                    let made = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&temp);
                    match &made {
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1 << 20 => {}
                        // (Held while it is written, so that no other
                        // process takes it for a killed run's:
                        // [`remove_stale`], which holds it only while it
                        // looks. Where files take no locks, none. One
                        // removed in the instant before its lock is passed
                        // over for the next name.)
                        Ok(file) if file.lock().is_ok() && !names(&temp, file) && n < 1 << 20 => {}
                        _ => break (made, temp),
                    }
                };
                match (made, &existing) {
                    (Ok(file), _) => {
                        if let Some(m) = &existing {
                            if let Err(e) = file.set_permissions(m.permissions()) {
                                let _ = std::fs::remove_file(&temp);
                                return Err(e);
                            }
                        }
                        (file, Some(temp))
                    }
                    (Err(e), Some(_)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                        (File::create(path)?, None)
                    }
                    (Err(e), _) => return Err(e),
                }
            }
        };
        let file = BufWriter::new(file);
        Ok(Self {
            path: path.to_path_buf(),
            temp,
            out: Some(if compress {
                gzip::Writer::new(path, file)
            } else {
                gzip::Writer::Plain(file)
            }),
        })
    }

    /// Ends the file (a gzip stream with its trailer) and puts it in place.
    pub fn finish(self) -> std::io::Result<()> {
        self.put_in_place(false)
    }

    /// [`AtomicFile::finish`], with the file's bytes on the disk before it
    /// is put in place and its new name after, so that a crash of the
    /// system or a power loss, not only a kill, leaves the old file or the
    /// new one (without, a file system may show the new name with no bytes
    /// yet). For the few files that long work makes (a model's, a
    /// checkpoint's); a folder of many small files would be slowed down
    /// many times by a sync per file.
    pub fn finish_synced(self) -> std::io::Result<()> {
        self.put_in_place(true)
    }

    fn put_in_place(mut self, sync: bool) -> std::io::Result<()> {
        // (The file, and so its lock, is held until it is in place.)
        let file = match self.out.take() {
            Some(out) => Some(out.finish()?.into_inner().map_err(|e| e.into_error())?),
            None => None,
        };
        if let (true, Some(file)) = (sync, &file) {
            file.sync_all()?;
        }
        match self.temp.take() {
            Some(temp) => {
                std::fs::rename(&temp, &self.path).inspect_err(|_| {
                    let _ = std::fs::remove_file(&temp);
                })?;
                if sync {
                    // (Where a folder cannot be synced, the rename stands
                    // as the system keeps it.)
                    let dir = temp.parent().unwrap_or(Path::new("."));
                    let _ = File::open(dir).and_then(|d| d.sync_all());
                }
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn out(&mut self) -> &mut gzip::Writer<BufWriter<File>> {
        self.out
            .as_mut()
            .expect("written only before it is finished")
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out().flush()
    }
}

impl Drop for AtomicFile {
    /// Unfinished: the temporary file goes, and the target stays as it was.
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            drop(self.out.take());
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// Whether `path` names the open `file` (still there, not another file
/// since). Where it cannot be told, it does.
fn names(path: &Path, file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::symlink_metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, file);
        true
    }
}

/// Refuses a file at `path` that [`AtomicFile`] would not replace: one it
/// may not write in place (read-only, or another user's), as it would then
/// be written in place, and a folder. No file there, or a link, pipe or
/// device (replaced), passes: a long run checks its outputs so before it
/// begins, not after.
pub fn check_replaceable(path: &Path) -> std::io::Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        return Err(crate::paths::folder_where_a_file_goes());
    }
    if meta.is_file()
        && (meta.permissions().readonly()
            || std::fs::OpenOptions::new().write(true).open(path).is_err())
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the file may not be written (read-only, or another's); it is not replaced",
        ));
    }
    Ok(())
}

/// Writes `bytes` to `path` whole ([`AtomicFile`]).
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.finish()
}

/// Writes the file of an output folder's own (a model's, a page of
/// `render`'s, a brat document's) whole: `bytes` as given, whatever the
/// name, and a link, pipe or device at its name replaced, not written
/// through ([`crate::paths::replace_link`]), so that the folder never
/// writes outside itself.
pub fn replace_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes)?.finish()
}

/// [`replace_whole`], synced to the disk ([`AtomicFile::finish_synced`]):
/// for a model's files, a checkpoint, an encoder.
pub fn replace_whole_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes)?.finish_synced()
}

/// The unfinished file of [`replace_whole`], `bytes` written.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<AtomicFile> {
    crate::paths::replace_link(path)?;
    let mut file = AtomicFile::create_plain(path)?;
    file.write_all(bytes)?;
    Ok(file)
}

/// Removes from `dir` the temporary files of [`AtomicFile`]s
/// (`.quotekit-PID-N.part`) whose process is gone and whose lock no one
/// holds: what a run killed while writing left. (The lock tells a writer
/// that `/proc` cannot see, in another container or hidden from this
/// user, from a dead one.) Where `/proc` cannot tell (not Linux), or the
/// file takes no lock, nothing is removed. Returns how many went.
pub fn remove_stale(dir: &Path) -> usize {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return 0;
    }
    let gone = |pid: u32| pid != std::process::id() && !proc.join(pid.to_string()).exists();
    let stale = |name: &str| {
        name.strip_prefix(".quotekit-")
            .and_then(|rest| rest.strip_suffix(".part"))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, n)| n.parse::<u64>().ok().and(pid.parse().ok()))
            .is_some_and(gone)
    };
    // (A regular file only, told before it is opened: opening a named pipe
    // would wait for a writer. Its lock is held until it is gone.)
    let remove_unheld = |path: &Path| {
        if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
            return false;
        }
        let Ok(file) = File::open(path) else {
            return false;
        };
        file.try_lock().is_ok() && std::fs::remove_file(path).is_ok()
    };
    let entries = std::fs::read_dir(dir).into_iter().flatten().flatten();
    entries
        .filter(|e| e.file_name().to_str().is_some_and(stale))
        .filter(|e| remove_unheld(&e.path()))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder where a file is written is refused before anything is
    /// written (it failed only at the end, when the file was renamed onto
    /// it: after a training); no file, or one that may be written, passes.
    #[test]
    fn a_folder_where_a_file_goes_is_refused_first() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("model.safetensors");
        std::fs::create_dir(&folder).unwrap();
        let e = check_replaceable(&folder).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::IsADirectory);
        assert!(e.to_string().contains("move it away"), "{e}");
        assert!(AtomicFile::create(&folder).is_err());
        let file = dir.path().join("report.html");
        check_replaceable(&file).unwrap();
        std::fs::write(&file, "old").unwrap();
        check_replaceable(&file).unwrap();
    }

    /// A file opened to append to (as a shell's `>>` opens it), named by
    /// its descriptor (`/dev/fd/N`) or through a link to that name, keeps
    /// what it held, the new bytes after it.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_descriptor_of_the_process_is_appended_to_not_cut() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("kept.txt");
        std::fs::write(&kept, "KEEP\n").unwrap();
        let shell = std::fs::OpenOptions::new()
            .append(true)
            .open(&kept)
            .unwrap();
        let named = PathBuf::from(format!("/dev/fd/{}", shell.as_raw_fd()));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&named, &link).unwrap();
        for (path, line) in [(&named, "one\n"), (&link, "two\n")] {
            let mut out = AtomicFile::create(path).unwrap();
            out.write_all(line.as_bytes()).unwrap();
            out.finish().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "KEEP\none\ntwo\n");
        drop(shell);
    }

    /// A finished file replaces the old one, and a link at its name is
    /// written through; an unfinished one leaves the old file and no
    /// temporary file.
    #[test]
    fn a_file_is_in_place_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "old\n").unwrap();
        let mut unfinished = AtomicFile::create(&path).unwrap();
        unfinished.write_all(b"new, but cut").unwrap();
        drop(unfinished);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        write_whole(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        #[cfg(unix)]
        {
            let victim = dir.path().join("victim.txt");
            std::fs::write(&victim, "keep\n").unwrap();
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&victim, &link).unwrap();
            write_whole(&link, b"through\n").unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "through\n");
            assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        }
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".part"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    /// Synced, a file is replaced the same way, a link at its name
    /// replaced too (an output folder's own file), and nothing left beside.
    #[test]
    fn a_synced_file_is_put_in_place_as_any_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        std::fs::write(&path, "old").unwrap();
        replace_whole_synced(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            let victim = dir.path().join("victim");
            std::fs::write(&victim, "keep").unwrap();
            std::fs::remove_file(&path).unwrap();
            std::os::unix::fs::symlink(&victim, &path).unwrap();
            replace_whole_synced(&path, b"newer").unwrap();
            assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
            assert_eq!(std::fs::read(&path).unwrap(), b"newer");
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".part")), "{names:?}");
    }

    /// A `.gz` name is written through gzip, but not by
    /// [`replace_whole`]; a folder at the name is refused, and leaves no
    /// temporary file.
    #[test]
    fn gzip_by_name_and_failures_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("out.jsonl.gz");
        write_whole(&gz, b"zipped\n").unwrap();
        let mut back = String::new();
        std::io::Read::read_to_string(&mut gzip::open(&gz).unwrap(), &mut back).unwrap();
        assert_eq!(back, "zipped\n");
        replace_whole(&gz, b"as given\n").unwrap();
        assert_eq!(std::fs::read(&gz).unwrap(), b"as given\n");
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        assert!(write_whole(&folder, b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    /// A file replaced keeps its permissions; a read-only one is refused
    /// and left as it was.
    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_and_read_only_files_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("private.jsonl");
        std::fs::write(&private, "old\n").unwrap();
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_whole(&private, b"new\n").unwrap();
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let kept = dir.path().join("kept.jsonl");
        std::fs::write(&kept, "keep\n").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = write_whole(&kept, b"x").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "keep\n");
    }

    /// A killed run's temporary file goes; a live process's, and other
    /// names alike, stay.
    #[test]
    fn stale_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            ".quotekit-4294967295-0.part",
            &format!(".quotekit-{}-7.part", std::process::id()),
            ".quotekit-4294967295.part",
            "quotekit-4294967295-0.part",
            ".quotekit-x-0.part",
        ];
        for name in names {
            std::fs::write(dir.path().join(name), "half").unwrap();
        }
        // One that a live writer holds, though `/proc` cannot see it.
        let held = dir.path().join(".quotekit-4294967294-0.part");
        std::fs::write(&held, "being written").unwrap();
        let holder = File::open(&held).unwrap();
        holder.try_lock().unwrap();
        // And a named pipe by such a name, which is not opened (it would
        // wait for a writer).
        let pipe = dir.path().join(".quotekit-4294967293-0.part");
        let piped = std::process::Command::new("mkfifo").arg(&pipe).status();
        let piped = usize::from(piped.is_ok_and(|s| s.success()));
        let linux = Path::new("/proc/self").exists();
        assert_eq!(remove_stale(dir.path()), usize::from(linux));
        assert!(held.exists());
        drop(holder);
        let left = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(left, names.len() + 1 + piped - usize::from(linux));
        assert!(!linux || !dir.path().join(names[0]).exists());
    }

    /// A file being written is held by its writer: a look from outside
    /// cannot take the lock.
    #[test]
    fn a_file_being_written_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = AtomicFile::create(&dir.path().join("out.txt")).unwrap();
        file.write_all(b"half").unwrap();
        let temp = file.temp.clone().unwrap();
        let other = File::open(&temp).unwrap();
        assert!(other.try_lock().is_err());
        file.finish().unwrap();
        assert!(other.try_lock().is_ok());
    }
}
