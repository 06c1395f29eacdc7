//! The files `render` writes: the names of its pages, what stands where
//! they go, the pages an earlier render left that this one did not write,
//! and how a page is written.

use super::index;
use crate::error::InferError;
use std::collections::HashSet;
use std::path::Path;

/// Whether the folder `out` holds the pages of an earlier render: its
/// `index.html` is one, a regular file (not a link, which is replaced, nor
/// a pipe or device) whose first [`INDEX_HEAD`] bytes hold the index's
/// heading.
pub(super) fn was_rendered(out: &Path) -> bool {
    use std::io::Read;
    let path = out.join("index.html");
    if !quotekit_data::paths::own_file_there(&path).unwrap_or(false) {
        return false;
    }
    let mut head = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(INDEX_HEAD).read_to_end(&mut head))
        .is_ok()
        && String::from_utf8_lossy(&head).contains(index::INDEX_HEADING)
}

/// How much of an `index.html` is read for its heading (a page's style
/// comes before it, a few kilobytes).
const INDEX_HEAD: u64 = 64 * 1024;

/// A page's number as render writes it: from 1, without leading zeros.
fn page_number(s: &str) -> Option<usize> {
    let n: usize = s.parse().ok()?;
    (n >= 1 && n.to_string() == s).then_some(n)
}

/// The number of a document's page named `name` (`N.html` in `doc/`).
fn doc_page_number(name: &str) -> Option<usize> {
    name.strip_suffix(".html").and_then(page_number)
}

/// Whether `name` is one of the index's pages in an order (`by-id-2.html`).
fn is_list_page(name: &str) -> bool {
    name.strip_prefix("by-")
        .and_then(|rest| rest.strip_suffix(".html"))
        .and_then(|rest| rest.rsplit_once('-'))
        .is_some_and(|(slug, n)| index::SLUGS.contains(&slug) && page_number(n).is_some())
}

/// A folder (not a link, which is replaced) where render writes a page or
/// may write one: `index.html`, `speakers.html`, a list page, or the page
/// of one of its `documents`.
pub(super) fn folder_at_a_page(
    out: &Path,
    doc_dir: &Path,
    documents: usize,
) -> Option<std::path::PathBuf> {
    let folders = |dir: &Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect()
    };
    let name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string()
    };
    let at_index = folders(out).into_iter().find(|p| {
        let name = name(p);
        name == "index.html" || name == "speakers.html" || is_list_page(&name)
    });
    at_index.or_else(|| {
        folders(doc_dir)
            .into_iter()
            .find(|p| doc_page_number(&name(p)).is_some_and(|n| n <= documents))
    })
}

/// Removes the pages an earlier render into `out` left that this one did
/// not write (`doc/N.html` past its `documents`, index pages it has fewer
/// of), so that no page of another corpus is left linked to these. Only
/// files named exactly as render names its pages are removed.
pub(super) fn remove_stale(
    out: &Path,
    documents: usize,
    written: &HashSet<&str>,
) -> Result<(), InferError> {
    let stale_doc = |name: &str| doc_page_number(name).is_some_and(|n| n > documents);
    let stale_index = |name: &str| !written.contains(name) && is_list_page(name);
    for (dir, stale) in [
        (out.join("doc"), &stale_doc as &dyn Fn(&str) -> bool),
        (out.to_path_buf(), &stale_index),
    ] {
        let entries = std::fs::read_dir(&dir).map_err(|e| InferError::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| InferError::io(&dir, e))?;
            let path = entry.path();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if is_file && entry.file_name().to_str().is_some_and(stale) {
                std::fs::remove_file(&path).map_err(|e| InferError::io(&path, e))?;
            }
        }
    }
    Ok(())
}

/// Writes a page at `path`: beside it, then renamed over it, so that a
/// link (or a pipe, a device) or a hard link there is replaced, not written
/// through (a page never
/// lands outside the output folder, nor in a copy made with hard links); a
/// page not written whole, on a full disk, leaves no part of it.
pub(super) fn write_page(path: &Path, html: &str) -> Result<(), InferError> {
    quotekit_data::atomic::replace_whole(path, html.as_bytes()).map_err(|e| InferError::io(path, e))
}
