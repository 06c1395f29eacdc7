//! Files to read: a device (`/dev/zero`, a disk) given where a file is
//! read is refused, as read whole or line by line it would never end.

use std::path::Path;

/// Refuses a device (`/dev/zero`, a disk) given as a file to read: read
/// whole, or line by line, it would never end. Files, folders and pipes
/// pass (and paths that are not there, which the read says).
pub fn refuse_device(path: &Path) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| is_device(&m)) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a device, not a file: quotekit reads files, folders and pipes",
        ));
    }
    Ok(())
}

/// Whether `meta` is a device's (`/dev/zero`, a disk, a terminal): a
/// character or block device (nothing is, off Unix).
pub fn is_device(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        t.is_char_device() || t.is_block_device()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// The longest line that the readers of lines (JSONL documents and
/// records, CoNLL) take: far above a document of the longest text quotekit
/// reads, and short of filling memory with a stream that never ends a line
/// (`head -c 3G /dev/zero |`).
pub const MAX_LINE_BYTES: u64 = 1 << 28;

/// The error of a line longer than a reader takes ([`read_line_within`]),
/// inside the [`std::io::Error`] it returns ([`is_line_too_long`] tells
/// it apart).
#[derive(Debug)]
pub struct LineTooLong {
    /// The most bytes a line could have.
    pub cap: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a line over {} bytes, longer than any document quotekit reads",
            self.cap
        )
    }
}

impl std::error::Error for LineTooLong {}

/// True when `e` is [`read_line_within`]'s error of a line too long.
pub fn is_line_too_long(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LineTooLong>())
}

/// Reads a line of `reader` into `buf` as `read_until(b'\n', buf)` does
/// (its `\n` kept; 0 at the end), but no more than `cap` bytes of it
/// besides its `\n`: a longer line is an
/// [`InvalidData`](std::io::ErrorKind::InvalidData) error, [`LineTooLong`],
/// and `buf` never grows past `cap` bytes and a `\n` of the line (doubling
/// as it fills, it would ask for twice that).
pub fn read_line_within(
    reader: &mut impl std::io::BufRead,
    buf: &mut Vec<u8>,
    cap: u64,
) -> std::io::Result<usize> {
    let start = buf.len();
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let (used, ended) = match available.iter().position(|&b| b == b'\n') {
            Some(k) => (k + 1, true),
            None => (available.len(), available.is_empty()),
        };
        let read = buf.len() - start;
        // (The line's bytes so far, its `\n` not counted.)
        let within = read + used - usize::from(ended && used > 0);
        if within as u64 > cap {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                LineTooLong { cap },
            ));
        }
        if buf.len() + used > buf.capacity() {
            let room = (read + used).max(2 * read).min(cap as usize + 1);
            buf.reserve_exact(start + room - buf.len());
        }
        buf.extend_from_slice(&available[..used]);
        reader.consume(used);
        if ended {
            return Ok(buf.len() - start);
        }
    }
}

/// Reads a whole file, [`refuse_device`] first; errors as [`explain`]
/// words them.
pub fn read_whole(path: &Path) -> std::io::Result<Vec<u8>> {
    refuse_device(path)?;
    std::fs::read(path).map_err(|e| explain(path, e))
}

/// `e`, an error of reading `path` as a file, in words a user can act on,
/// of the same kind: a path that is not there says so, and names a file
/// beside it whose name is within two edits of its own
/// (`configs/crf.tml`: "did you mean configs/crf.toml?"); a link to
/// nothing says that it is one, and a folder that it is one. Other errors
/// are as the system words them.
pub fn explain(path: &Path, e: std::io::Error) -> std::io::Error {
    let message = match e.kind() {
        std::io::ErrorKind::NotFound if path.symlink_metadata().is_ok() => {
            "a link to nothing (no such file or folder where it points)".to_string()
        }
        std::io::ErrorKind::NotFound => match near_name(path) {
            Some(near) => format!("no such file or folder (did you mean {}?)", near.display()),
            None => "no such file or folder".to_string(),
        },
        std::io::ErrorKind::IsADirectory => "a folder, where a file is read".to_string(),
        _ => return e,
    };
    std::io::Error::new(e.kind(), message)
}

/// The path of the file beside `path` whose name is nearest its own, one
/// or two edits away (and fewer than its length), ties to the first in
/// order; folders are not offered (a file is read).
fn near_name(path: &Path) -> Option<std::path::PathBuf> {
    let name = path.file_name()?.to_str()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut best: Option<(usize, String)> = None;
    // (A folder of millions of files is not read to the end for a hint.)
    for entry in std::fs::read_dir(parent).ok()?.take(10_000).flatten() {
        let other = entry.file_name();
        let Some(other) = other.to_str() else {
            continue;
        };
        let d = strsim::levenshtein(name, other);
        let nearer = best
            .as_ref()
            .is_none_or(|(b, n)| (d, other) < (*b, n.as_str()));
        if (1..=2).contains(&d) && d < name.chars().count() && nearer && !entry.path().is_dir() {
            best = Some((d, other.to_string()));
        }
    }
    best.map(|(_, n)| path.with_file_name(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines are read as `read_until` reads them, up to the cap: a longer
    /// one is an error, however long the stream (one that never ends a
    /// line), and the buffer holds no more than the cap of it.
    #[test]
    fn lines_are_read_up_to_a_cap() {
        let mut r = std::io::BufReader::with_capacity(4, &b"ab\ncdefgh\n\nxyz"[..]);
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            match read_line_within(&mut r, &mut buf, 7) {
                Ok(0) => break,
                Ok(n) => {
                    assert_eq!(n, buf.len());
                    lines.push(String::from_utf8(buf).unwrap());
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(lines, ["ab\n", "cdefgh\n", "\n", "xyz"]);
        // (A line of the cap's bytes and its `\n`, or at the end, is read;
        // one byte more is refused.)
        for ok in [&b"abcdefg\n"[..], b"abcdefg"] {
            let mut r = std::io::BufReader::new(ok);
            assert_eq!(
                read_line_within(&mut r, &mut Vec::new(), 7).unwrap(),
                ok.len()
            );
        }
        for long in [&b"abcdefgh\n"[..], b"abcdefgh"] {
            let mut r = std::io::BufReader::new(long);
            let e = read_line_within(&mut r, &mut Vec::new(), 7).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
            assert!(is_line_too_long(&e));
            assert_eq!(
                e.to_string(),
                "a line over 7 bytes, longer than any document quotekit reads"
            );
        }
        let mut endless = std::io::BufReader::new(std::io::repeat(b'x'));
        let mut buf = Vec::new();
        assert!(read_line_within(&mut endless, &mut buf, 100_000).is_err());
        assert!(buf.capacity() <= 100_001, "{}", buf.capacity());
        assert!(!is_line_too_long(&std::io::Error::other("x")));
    }

    /// A device is refused by name of what it is; a file is read.
    #[cfg(unix)]
    #[test]
    fn devices_are_refused_and_files_read() {
        let e = read_whole(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().starts_with("a device, not a file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        std::fs::write(&file, "text").unwrap();
        assert_eq!(read_whole(&file).unwrap(), b"text");
        assert!(refuse_device(&dir.path().join("missing")).is_ok());
    }

    /// A missing file says so and names the nearest name beside it; a
    /// folder read as a file says it is one; the kind stays the system's.
    #[test]
    fn missing_files_and_folders_are_said_in_words() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("crf.toml"), "").unwrap();
        std::fs::write(dir.path().join("neural.toml"), "").unwrap();
        let e = read_whole(&dir.path().join("crf.tml")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        let near = dir.path().join("crf.toml");
        assert_eq!(
            e.to_string(),
            format!("no such file or folder (did you mean {}?)", near.display())
        );
        let e = read_whole(&dir.path().join("transformer.toml")).unwrap_err();
        assert_eq!(e.to_string(), "no such file or folder");
        // A folder near the name is not offered; a link to nothing says so.
        std::fs::create_dir(dir.path().join("configs")).unwrap();
        let e = read_whole(&dir.path().join("config")).unwrap_err();
        assert_eq!(e.to_string(), "no such file or folder");
        #[cfg(unix)]
        {
            let link = dir.path().join("gone.toml");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
            let e = read_whole(&link).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
            assert!(e.to_string().starts_with("a link to nothing"), "{e}");
        }
        let e = read_whole(dir.path()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::IsADirectory);
        assert_eq!(e.to_string(), "a folder, where a file is read");
    }
}
