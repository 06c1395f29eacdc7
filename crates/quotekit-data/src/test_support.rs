//! What the unit tests of several modules share.

use std::path::Path;

/// Makes a named pipe at `path` (the tests' stand-in for a pipe given as a
/// file), failing the test where it cannot.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}
