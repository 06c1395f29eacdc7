//! Files to read: a device (`/dev/zero`, a disk) given where a file is
//! read is refused, as read whole or line by line it would never end.

use std::path::Path;

/// Refuses a device (`/dev/zero`, a disk) given as a file to read: read
/// whole, or line by line, it would never end. Files, folders and pipes
/// pass (and paths that are not there, which the read says).
pub fn refuse_device(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if std::fs::metadata(path)
            .is_ok_and(|m| m.file_type().is_char_device() || m.file_type().is_block_device())
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a device, not a file: quotekit reads files, folders and pipes",
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Reads a whole file, [`refuse_device`] first.
pub fn read_whole(path: &Path) -> std::io::Result<Vec<u8>> {
    refuse_device(path)?;
    std::fs::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
