//! Document ids of the files of a folder tree: a file's name without its
//! extension, or, where two files in different folders share a name, the
//! path from the tree's root (`2016/a`, `2017/a`). The brat reader names its
//! articles so, and `predict` its text files, so that predictions of a
//! corpus's texts pair with the corpus.

use std::collections::{HashMap, HashSet};
use std::path::Path;

/// An id as a JSON record writes it, as text: a string, or a whole number
/// of 64 bits as its digits (as `predict` reads ids); `None` for anything
/// else (a fraction, a list, null).
pub fn json_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// The ids of `named` documents, each a `(name, file)` pair under `root`:
/// the name, unless a document in another folder has it too; then the
/// file's path from `root`, without its extension, its folders joined by
/// `/`. (Names repeated within one folder, which a brat folder's `ids.tsv`
/// may give, stay as they are.)
pub fn tree_ids(root: &Path, named: &[(String, &Path)]) -> Vec<String> {
    let mut folders: HashMap<&str, HashSet<Option<&Path>>> = HashMap::new();
    for (name, file) in named {
        folders
            .entry(name.as_str())
            .or_default()
            .insert(file.parent());
    }
    named
        .iter()
        .map(|(name, file)| {
            if folders[name.as_str()].len() == 1 {
                return name.clone();
            }
            let relative = file.strip_prefix(root).unwrap_or(file).with_extension("");
            relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_ids_and_shared_names_are_paths() {
        let root = Path::new("corpus");
        let files = [
            ("a".to_string(), Path::new("corpus/2016/a.txt")),
            ("a".to_string(), Path::new("corpus/2017/a.txt")),
            ("b".to_string(), Path::new("corpus/2017/b.txt")),
            ("c".to_string(), Path::new("corpus/2017/c.txt")),
            ("c".to_string(), Path::new("corpus/2017/c~2.txt")),
        ];
        assert_eq!(tree_ids(root, &files), ["2016/a", "2017/a", "b", "c", "c"]);
    }
}
