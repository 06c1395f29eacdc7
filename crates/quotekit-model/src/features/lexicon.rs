//! The cue lexicon: reporting verbs and cue phrases (`datasets/lexicons/cues.txt`),
//! matched case-insensitively over tokens, phrases token by token.

use crate::error::ModelError;
use crate::io::fnv1a;
use rustc_hash::FxHashMap;
use std::path::Path;

/// The lexicon shipped with quotekit.
pub const BUILTIN_CUES: &str = include_str!("../../../../datasets/lexicons/cues.txt");
/// Pronouns that can be speakers.
pub const BUILTIN_PRONOUNS: &str = include_str!("../../../../datasets/lexicons/pronouns.txt");

/// A set of single- and multi-word entries, indexed by first word.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    by_first: FxHashMap<String, Vec<Vec<String>>>,
    entries: Vec<String>,
    hash: u64,
}

/// Where a lexicon entry covers a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexiconMatch {
    /// Not covered.
    None,
    /// A one-word entry.
    Single,
    /// First word of a phrase.
    Begin,
    /// Later word of a phrase.
    Inside,
}

impl Lexicon {
    /// Parses entries, one per line; `#` starts a comment line.
    pub fn parse(text: &str) -> Self {
        let mut by_first: FxHashMap<String, Vec<Vec<String>>> = FxHashMap::default();
        let mut entries: Vec<String> = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<String> = line.split_whitespace().map(str::to_lowercase).collect();
            entries.push(words.join(" "));
            by_first.entry(words[0].clone()).or_default().push(words);
        }
        for phrases in by_first.values_mut() {
            phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
        }
        entries.sort();
        entries.dedup();
        let hash = fnv1a(entries.join("\n").as_bytes());
        Self {
            by_first,
            entries,
            hash,
        }
    }

    /// The built-in cue lexicon.
    pub fn builtin_cues() -> Self {
        Self::parse(BUILTIN_CUES)
    }

    /// The built-in pronoun list.
    pub fn builtin_pronouns() -> Self {
        Self::parse(BUILTIN_PRONOUNS)
    }

    /// Reads a lexicon file.
    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        Ok(Self::parse(&crate::io::read_text(path)?))
    }

    /// The cue lexicon a config names (`features.lexicon`), or the built-in
    /// one. A file that does not read is refused naming the key. (One of no
    /// cue reads: it turns the cue features off, which [`Lexicon::no_cue`]
    /// warns of.)
    pub fn cues(path: Option<&Path>) -> Result<Self, ModelError> {
        match path {
            Some(path) => Self::from_file(path).map_err(|e| ModelError::key("features.lexicon", e)),
            None => Ok(Self::builtin_cues()),
        }
    }

    /// A warning for this lexicon, read from `path`, a config's
    /// `features.lexicon`, when it holds no cue.
    pub fn no_cue(&self, path: Option<&Path>) -> Option<String> {
        let path = path.filter(|_| self.entries.is_empty())?;
        Some(format!(
            "warning: features.lexicon = {} holds no cue (only blank lines and # comments): \
             the cue features are off",
            path.display()
        ))
    }

    /// The normalised entries, sorted.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Stable hash of the normalised entries, recorded in model files.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// [`Lexicon::hash`] as the 16 hex digits model headers record.
    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash)
    }

    /// True when a one-word entry equals `lower`.
    pub fn contains_word(&self, lower: &str) -> bool {
        self.by_first
            .get(lower)
            .is_some_and(|ps| ps.iter().any(|p| p.len() == 1))
    }

    /// Marks every token covered by an entry; longest phrase first, left to right.
    pub fn matches<S: AsRef<str>>(&self, lower_tokens: &[S]) -> Vec<LexiconMatch> {
        let mut out = vec![LexiconMatch::None; lower_tokens.len()];
        let mut i = 0;
        while i < lower_tokens.len() {
            let found = self
                .by_first
                .get(lower_tokens[i].as_ref())
                .and_then(|phrases| {
                    phrases.iter().find(|p| {
                        i + p.len() <= lower_tokens.len()
                            && p.iter()
                                .zip(&lower_tokens[i..])
                                .all(|(a, b)| a.as_str() == b.as_ref())
                    })
                });
            match found {
                Some(p) if p.len() == 1 => {
                    out[i] = LexiconMatch::Single;
                    i += 1;
                }
                Some(p) => {
                    out[i] = LexiconMatch::Begin;
                    for m in &mut out[i + 1..i + p.len()] {
                        *m = LexiconMatch::Inside;
                    }
                    i += p.len();
                }
                None => i += 1,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config's lexicon that does not read is refused naming the key; one
    /// of no cue is warned of; none is the built-in one.
    #[test]
    fn a_config_lexicon_that_does_not_read_is_refused_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cues.txt");
        std::fs::write(&path, "# said\n\n   \n").unwrap();
        let none = Lexicon::cues(Some(&path)).unwrap();
        assert!(none.entries().is_empty());
        let warning = none.no_cue(Some(&path)).unwrap();
        assert!(warning.contains("holds no cue"), "{warning}");
        assert_eq!(none.no_cue(None), None);
        assert_eq!(Lexicon::builtin_cues().no_cue(Some(&path)), None);
        let err = Lexicon::cues(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("features.lexicon: ") && err.contains("a folder, where a file is read"),
            "{err}"
        );
        std::fs::write(&path, "said\n").unwrap();
        assert_eq!(Lexicon::cues(Some(&path)).unwrap().entries(), ["said"]);
        assert_eq!(
            Lexicon::cues(None).unwrap().hash(),
            Lexicon::builtin_cues().hash()
        );
    }

    /// A file an editor saved with a byte-order mark keeps its first entry
    /// (it had read as `\u{feff}said` and never matched); bytes that are
    /// not UTF-8 are named by line and offset.
    #[test]
    fn a_file_with_a_byte_order_mark_keeps_its_first_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cues.txt");
        std::fs::write(&path, "\u{feff}said\ntold\n").unwrap();
        let lexicon = Lexicon::from_file(&path).unwrap();
        assert_eq!(lexicon.entries(), ["said", "told"]);
        std::fs::write(&path, b"said\nt\xF6ld\n").unwrap();
        let err = Lexicon::from_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("cues.txt:2: not valid UTF-8 (invalid byte at offset 1 of the line)"),
            "{err}"
        );
        // (Offsets count in the line; a byte-order mark is not counted.)
        std::fs::write(&path, b"\xEF\xBB\xBFsaid\nt\xF6ld\n").unwrap();
        let err = Lexicon::from_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("cues.txt:2: not valid UTF-8 (invalid byte at offset 1 of the line)"),
            "{err}"
        );
    }

    fn lower(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn matches_words_and_longest_phrases() {
        let lex = Lexicon::parse("# c\nsaid\naccording to\ntold\ntold reporters\n");
        let m = lex.matches(&lower("according to him she told reporters it said"));
        use LexiconMatch::*;
        assert_eq!(
            m,
            vec![Begin, Inside, None, None, Begin, Inside, None, Single]
        );
        assert!(lex.contains_word("said"));
        assert!(!lex.contains_word("according"));
    }

    #[test]
    fn hash_ignores_order_and_case() {
        assert_eq!(
            Lexicon::parse("said\nTold").hash(),
            Lexicon::parse("told\nsaid\n").hash()
        );
        assert_ne!(Lexicon::parse("said").hash(), Lexicon::parse("says").hash());
        assert!(Lexicon::builtin_cues().contains_word("said"));
    }
}
