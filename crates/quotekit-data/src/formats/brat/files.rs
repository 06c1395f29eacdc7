//! File names for documents in a brat folder: a document's id as a file
//! name stem, distinct and stable however odd the ids are.

use std::collections::HashMap;

/// The longest file name stem written (bytes), well under every file
/// system's limit with `.ann` added.
pub const MAX_NAME: usize = 200;

/// File names for the documents of one brat folder, each distinct and
/// stable: the id itself when it is a usable file name; otherwise the id
/// cleaned ([`file_name`]), cut to [`MAX_NAME`] bytes and followed by `~` and
/// a hash of the id, so that ids equal after cleaning (`a/b`, `a_b`) stay
/// apart; a repeated id gets `~2`, `~3`, … in input order.
#[derive(Debug, Default)]
pub struct BratNames {
    seen: HashMap<String, usize>,
}

impl BratNames {
    /// How many documents with `id` were named so far.
    pub fn times(&self, id: &str) -> usize {
        self.seen.get(id).copied().unwrap_or(0)
    }

    /// The file name stem of the next document with `id`.
    pub fn name(&mut self, id: &str) -> String {
        let base = base_name(id);
        let n = self.seen.entry(id.to_string()).or_default();
        *n += 1;
        if *n == 1 {
            base
        } else {
            format!("{base}~{n}")
        }
    }
}

/// The file name stem of the first document with `id` ([`BratNames`]).
fn base_name(id: &str) -> String {
    let cleaned = file_name(id);
    if cleaned == id && id.len() <= MAX_NAME && !id.contains('~') {
        return cleaned;
    }
    let mut cut = cleaned.len().min(MAX_NAME - 17);
    while !cleaned.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}~{:016x}", &cleaned[..cut], fnv1a(id.as_bytes()))
}

/// True when [`BratNames`] names a document of `id` `name`: its first
/// one, or a later one (`~2`, `~3`, …).
pub fn could_name(name: &str, id: &str) -> bool {
    let base = base_name(id);
    name == base
        || name
            .strip_prefix(base.as_str())
            .and_then(|rest| rest.strip_prefix('~'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The file name stems of the documents a brat output folder holds (a
/// `.txt` file with its `.ann`, as quotekit writes them).
pub fn written_documents(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".txt")?;
            dir.join(format!("{stem}.ann"))
                .is_file()
                .then(|| stem.to_string())
        })
        .collect()
}

/// FNV-1a, 64 bits: a stable hash of an id.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A document id as a file name: path separators and NULs become `_`.
pub fn file_name(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        format!("doc_{cleaned}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_distinct_stable_and_short() {
        let mut names = BratNames::default();
        let long = "x".repeat(500);
        let got: Vec<String> = ["a/b", "a_b", "a\\b", "a_b", "plain", long.as_str()]
            .iter()
            .map(|id| names.name(id))
            .collect();
        assert_eq!(got[1], "a_b");
        assert_eq!(got[3], "a_b~2");
        assert_eq!(got[4], "plain");
        assert!(got[0].starts_with("a_b~") && got[2].starts_with("a_b~"));
        let distinct: std::collections::HashSet<&String> = got.iter().collect();
        assert_eq!(distinct.len(), got.len(), "{got:?}");
        assert!(got[5].len() <= MAX_NAME, "{}", got[5].len());
        // The same ids in the same order: the same names.
        let mut again = BratNames::default();
        assert_eq!(again.name("a/b"), got[0]);
        // Each name is one it could give its id, and no other's.
        let ids = ["a/b", "a_b", "a\\b", "a_b", "plain", long.as_str()];
        for (name, id) in got.iter().zip(ids) {
            assert!(could_name(name, id), "{name} {id}");
            assert!(!could_name(name, "a\\\\b"), "{name}");
        }
        assert!(!could_name("a_b~x", "a_b"));
    }
}
