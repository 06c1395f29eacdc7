//! The list of renamed documents of a brat output folder ([`IDS_FILE`]):
//! begun anew by a run, added to by a resumed one, and never mixed with a
//! list quotekit did not write (one without its header).

use crate::error::InferError;
#[cfg(doc)]
use quotekit_data::formats::brat::IDS_FILE;
use quotekit_data::formats::brat::{has_header, ids_line, ids_text, read_ids, renames, write_file};
use std::collections::HashSet;
use std::path::Path;

/// Refuses a run that is no resume (`append` false) into the folder `dir`
/// whose [`IDS_FILE`] `ids` is a file without quotekit's header, before
/// anything is written: begun anew, another program's file would be lost;
/// added to, its lines and the run's would be read as one list. A folder in
/// its place is refused too (a link is replaced, not read).
pub(crate) fn refuse_foreign(dir: &Path, ids: &Path, append: bool) -> Result<(), InferError> {
    let refused = |message: String| {
        Err(InferError::Data(Box::new(
            quotekit_data::DataError::Layout {
                path: ids.to_path_buf(),
                message,
            },
        )))
    };
    let Ok(meta) = std::fs::symlink_metadata(ids) else {
        return Ok(());
    };
    if meta.is_dir() {
        return refused(format!(
            "a folder, where quotekit writes {}'s list of renamed documents: move it away",
            dir.display()
        ));
    }
    if append || !meta.is_file() {
        return Ok(());
    }
    let text = std::fs::read(ids).map_err(|e| InferError::io(ids, e))?;
    if text.is_empty() || has_header(&String::from_utf8_lossy(&text)) {
        return Ok(());
    }
    refused(format!(
        "a list of renamed documents without the header quotekit writes (an earlier \
         version's, whose documents are gone, or another program's file): move it out of {}, \
         where this run writes its own",
        dir.display()
    ))
}

/// Readies `ids`, the [`IDS_FILE`] of the folder `dir` (after
/// [`refuse_foreign`]): a run that is no resume begins it anew (it is
/// quotekit's); a resumed one keeps it, a last line cut by a kill cut away
/// to be written again whole, and one without the header (an earlier
/// version's) written anew with it, holding the renames of the documents
/// there as the brat reader reads them. Returns whether it holds lines and
/// the lines it holds, not to be written twice.
pub(crate) fn begin(
    dir: &Path,
    ids: &Path,
    append: bool,
) -> Result<(bool, HashSet<String>), InferError> {
    if !append {
        match std::fs::remove_file(ids) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(InferError::io(ids, e))
            }
            _ => return Ok((false, HashSet::new())),
        }
    }
    // (Only a regular file: a pipe in its place would block the run. The
    // sink replaced a link, pipe or device there before; this guards
    // other callers.)
    let Some(held) =
        quotekit_data::paths::read_own_file(ids).map_err(|e| InferError::io(ids, e))?
    else {
        return Ok((false, HashSet::new()));
    };
    let whole = held.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if whole < held.len() {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(ids)
            .map_err(|e| InferError::io(ids, e))?;
        file.set_len(whole as u64)
            .map_err(|e| InferError::io(ids, e))?;
    }
    let text = String::from_utf8_lossy(&held[..whole]);
    let pairs = if text.is_empty() || has_header(&text) {
        read_ids(&text)
    } else {
        let written = quotekit_data::formats::brat::files::written_documents(dir);
        let articles = written.iter().map(String::as_str).collect();
        let (renames, _) =
            renames(&text, &articles, ids).map_err(|e| InferError::Data(Box::new(e)))?;
        let pairs: Vec<(String, String)> = renames.into_iter().map(|r| (r.name, r.id)).collect();
        write_file(ids, &ids_text(&pairs)).map_err(|e| InferError::Data(Box::new(e)))?;
        pairs
    };
    let lines = pairs.iter().map(|(name, id)| ids_line(name, id)).collect();
    Ok((!text.is_empty(), lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder or a list without the header where the list goes is refused
    /// before a run writes, naming it; quotekit's own list, an empty file or
    /// a resumed run's are not.
    #[test]
    fn what_is_not_quotekits_list_is_refused_before_a_run() {
        let dir = tempfile::tempdir().unwrap();
        let ids = dir.path().join("ids.tsv");
        assert!(refuse_foreign(dir.path(), &ids, false).is_ok());
        std::fs::create_dir(&ids).unwrap();
        let err = refuse_foreign(dir.path(), &ids, false)
            .unwrap_err()
            .to_string();
        let said = format!(
            "ids.tsv: a folder, where quotekit writes {}'s list of renamed documents: move it away",
            dir.path().display()
        );
        assert!(err.ends_with(&said), "{err}");
        std::fs::remove_dir(&ids).unwrap();
        std::fs::write(&ids, "a\tb\n").unwrap();
        let err = refuse_foreign(dir.path(), &ids, false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ids.tsv: a list of renamed documents without the header"),
            "{err}"
        );
        assert!(refuse_foreign(dir.path(), &ids, true).is_ok());
        for ours in [
            String::new(),
            format!("{}\na~2\ta\n", quotekit_data::formats::brat::IDS_HEADER),
        ] {
            std::fs::write(&ids, ours).unwrap();
            assert!(refuse_foreign(dir.path(), &ids, false).is_ok());
        }
    }
}
