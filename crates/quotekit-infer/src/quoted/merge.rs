//! The names of one person across documents counted as one: equal as
//! `eval` compares them, or a lone surname with the only fuller name.

use super::{most_quoted, Quoted, SpeakerCount};
use quotekit_model::eval::speakers::{is_title, normalise};
use std::collections::{HashMap, HashSet};

/// Words that end names without being surnames, as [`normalise`] leaves
/// them.
const SUFFIXES: [&str; 5] = ["jr", "sr", "ii", "iii", "iv"];

/// A name's key for merging: [`normalise`] of the name in one Unicode form
/// (NFC: an accent written as its own mark is the accented letter), with
/// an apostrophe inside a word taken out (`O'Brien` as `OBrien`, not the
/// middle initial `O` and `Brien`), a possessive `'s` left to `normalise`;
/// a name that normalises to nothing (`the`) in lower case.
fn key(name: &str) -> String {
    use unicode_normalization_alignments::UnicodeNormalization;
    let chars: Vec<char> = name.nfc().map(|(c, _)| c).collect();
    let inside = |k: usize| {
        // (`'s` ending a word is a possessive.)
        let possessive = || {
            matches!(chars[k + 1], 's' | 'S')
                && !chars.get(k + 2).is_some_and(|c| c.is_alphanumeric())
        };
        matches!(chars[k], '\'' | '’')
            && k > 0
            && chars[k - 1].is_alphabetic()
            && chars.get(k + 1).is_some_and(|c| c.is_alphabetic())
            && !possessive()
    };
    let glued: String = (0..chars.len())
        .filter(|&k| !inside(k))
        .map(|k| chars[k])
        .collect();
    normalise(&glued).unwrap_or_else(|| name.trim().to_lowercase())
}

impl Quoted {
    /// Counts the names of one person as one, across documents (each
    /// document already gives a person one name, its fullest): names equal
    /// as `eval` normalises them ([`normalise`]: case, a possessive, `the`,
    /// titles in front, middle initials), but for two things merging
    /// adds (an apostrophe inside a word kept out, so `O'Brien` is one
    /// word, and one Unicode form), and a lone surname (or any name
    /// of one word) with the only name of two or more words in the counts
    /// that ends with it (`Obama` with `Barack Obama`; `Clinton` stays
    /// apart when both `Hillary Clinton` and `Bill Clinton` are quoted).
    /// A group is shown under its most quoted spelling of the most words,
    /// the others listed in [`SpeakerCount::spellings`]; its documents are
    /// counted once each.
    pub fn merge_names(self) -> Self {
        let speakers = &self.speakers;
        // Each name's group key: its normalised form, or the only longer
        // key ending with it.
        let keys: Vec<String> = speakers
            .iter()
            .map(|s| key(s.name.as_deref().unwrap_or_default()))
            .collect();
        let mut by_last: HashMap<&str, HashSet<&str>> = HashMap::new();
        for key in keys.iter().filter(|k| k.contains(' ')) {
            let last = key.rsplit(' ').next().unwrap_or_default();
            by_last.entry(last).or_default().insert(key);
        }
        // (A title alone or a suffix is no surname: `Jr.` stays apart from
        // `Donald Trump Jr.`.)
        let surname = |key: &str| !key.contains(' ') && !is_title(key) && !SUFFIXES.contains(&key);
        let group = |key: &str| -> String {
            match by_last.get(key) {
                Some(fuller) if surname(key) && fuller.len() == 1 => {
                    fuller.iter().next().map_or(key, |k| *k).to_string()
                }
                _ => key.to_string(),
            }
        };
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, key) in keys.iter().enumerate() {
            groups.entry(group(key)).or_default().push(k);
        }
        // Each group under its spelling of the most words, then the most
        // quoted, then one not in capitals alone (`Donald Trump`, not
        // `DONALD TRUMP` of a headline), then the first (members come most
        // quoted first, then by name, as `speakers` is sorted).
        let mut head_of = vec![String::new(); speakers.len()];
        let mixed_case = |k: usize| {
            let name = speakers[k].name.as_deref().unwrap_or_default();
            name.chars().any(char::is_lowercase) || !name.chars().any(char::is_uppercase)
        };
        for members in groups.values() {
            let words = |k: usize| keys[k].split(' ').count();
            let head = members
                .iter()
                .copied()
                .max_by_key(|&k| {
                    let quotes = speakers[k].quotes;
                    (words(k), quotes, mixed_case(k), std::cmp::Reverse(k))
                })
                .unwrap_or(members[0]);
            let name = speakers[head].name.clone().unwrap_or_default();
            for &k in members {
                head_of[k] = name.clone();
            }
        }
        self.regroup(&head_of)
    }

    /// Merges names as another [`Quoted::merge_names`] merged them (over a
    /// larger set of records), given its [`Quoted::heads`]: each name under
    /// the name whose spellings hold it, so that every part of a corpus
    /// counts a person under one name.
    pub fn merge_names_as(self, heads: &HashMap<&str, &str>) -> Self {
        let head_of: Vec<String> = self
            .speakers
            .iter()
            .map(|s| {
                let name = s.name.as_deref().unwrap_or_default();
                heads.get(name).copied().unwrap_or(name).to_string()
            })
            .collect();
        self.regroup(&head_of)
    }

    /// Of counts merged by [`Quoted::merge_names`]: the name each name is
    /// counted under (a group's own name under itself).
    pub fn heads(&self) -> HashMap<&str, &str> {
        let mut heads = HashMap::new();
        for s in &self.speakers {
            let Some(head) = s.name.as_deref() else {
                continue;
            };
            heads.insert(head, head);
            for spelling in &s.spellings {
                heads.insert(spelling.as_str(), head);
            }
        }
        heads
    }

    /// The counts with each speaker `k` counted under the name
    /// `head_of[k]`, the other names kept as spellings and each document
    /// counted once.
    fn regroup(self, head_of: &[String]) -> Self {
        let Quoted {
            speakers,
            in_documents,
            ..
        } = &self;
        let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, head) in head_of.iter().enumerate() {
            groups.entry(head).or_default().push(k);
        }
        let mut merged: Vec<(SpeakerCount, Vec<usize>)> = groups
            .into_iter()
            .map(|(head, members)| {
                let mut docs: Vec<usize> = members
                    .iter()
                    .flat_map(|&k| in_documents[k].iter().copied())
                    .collect();
                docs.sort_unstable();
                docs.dedup();
                let mut spellings: Vec<String> = Vec::new();
                let mut seen: HashSet<&str> = HashSet::from([head]);
                let names = members
                    .iter()
                    .flat_map(|&k| speakers[k].name.iter().chain(&speakers[k].spellings));
                for name in names {
                    if seen.insert(name) {
                        spellings.push(name.clone());
                    }
                }
                let count = SpeakerCount {
                    name: Some(head.to_string()),
                    quotes: members.iter().map(|&k| speakers[k].quotes).sum(),
                    direct: members.iter().map(|&k| speakers[k].direct).sum(),
                    documents: docs.len(),
                    spellings,
                };
                (count, docs)
            })
            .collect();
        merged.sort_by(|a, b| most_quoted(&a.0, &b.0));
        let (speakers, in_documents) = merged.into_iter().unzip();
        Quoted {
            speakers,
            in_documents,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_of_one_person_merge_across_documents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pred.jsonl");
        // (`*` before a name: a direct quote.)
        let doc = |names: &[&str]| {
            let quotes: Vec<_> = names
                .iter()
                .map(|n| match n.strip_prefix('*') {
                    Some(n) => serde_json::json!({"speaker_name": n,
                        "content": [{"start": 0, "text": "\"Yes.\""}]}),
                    None => serde_json::json!({"speaker_name": n}),
                })
                .collect();
            format!("{}\n", serde_json::json!({ "quotes": quotes }))
        };
        let text = [
            doc(&["*Obama", "Obama", "*Barack Obama", "Clinton"]),
            doc(&["*Obama", "Donald J. Trump", "Hillary Clinton"]),
            doc(&["Donald Trump", "Donald Trump", "Bill Clinton", "Mr. Lee"]),
            doc(&["lee", "Ann Lee", "Ann Lee's"]),
            doc(&["Jr.", "Donald Trump Jr."]),
            doc(&["Conan O'Brien", "Conan Brien", "O’Brien", "the", "The"]),
            // (Zoé Café written with combining accents, then precomposed.)
            doc(&["Zoe\u{301} Cafe\u{301}", "Zoé Café", "Zoe Cafe"]),
        ]
        .concat();
        std::fs::write(&path, text).unwrap();
        let quoted = Quoted::read(&path).unwrap();
        assert_eq!(quoted.speakers.len(), 21);
        let merged = quoted.merge_names();
        let rows: Vec<(&str, usize, usize, Vec<&str>)> = merged
            .speakers
            .iter()
            .map(|s| {
                (
                    s.name.as_deref().unwrap(),
                    s.quotes,
                    s.documents,
                    s.spellings.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Ann Lee", 4, 2, vec!["Ann Lee's", "Mr. Lee", "lee"]),
                // (Obama's three quotes count under the fuller name, the
                // first document once.)
                ("Barack Obama", 4, 2, vec!["Obama"]),
                ("Donald Trump", 3, 2, vec!["Donald J. Trump"]),
                // (An apostrophe inside a word: `O` is no middle initial, so
                // Conan Brien is another man, and the surname alone joins.)
                ("Conan O'Brien", 2, 1, vec!["O’Brien"]),
                // (A name that normalises to nothing, by its lower case.)
                ("The", 2, 1, vec!["the"]),
                // (One name in two Unicode forms; without accents, another.)
                ("Zoe\u{301} Cafe\u{301}", 2, 1, vec!["Zoé Café"]),
                ("Bill Clinton", 1, 1, vec![]),
                // (Two Clintons: the surname alone is neither.)
                ("Clinton", 1, 1, vec![]),
                ("Conan Brien", 1, 1, vec![]),
                ("Donald Trump Jr.", 1, 1, vec![]),
                ("Hillary Clinton", 1, 1, vec![]),
                // (A suffix alone is no surname.)
                ("Jr.", 1, 1, vec![]),
                ("Zoe Cafe", 1, 1, vec![]),
            ]
        );
        assert_eq!((merged.quotes, merged.documents), (24, 7));
        // Direct quotes are summed with the quotes.
        let direct: Vec<usize> = merged.speakers.iter().map(|s| s.direct).collect();
        assert_eq!(direct, [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(merged.direct, 3);
        let table = merged.to_string();
        assert!(table.contains("(also Obama)"), "{table}");
        // A tie goes to a spelling not in capitals alone.
        let record =
            r#"{"quotes": [{"speaker_name": "DONALD TRUMP"}, {"speaker_name": "Donald Trump"}]}"#;
        let tie = Quoted::of_records([record]).unwrap().merge_names();
        assert_eq!(tie.speakers[0].name.as_deref(), Some("Donald Trump"));
        assert_eq!(tie.speakers[0].spellings, ["DONALD TRUMP"]);
        // Merging what is merged changes nothing.
        assert_eq!(merged.clone().merge_names().speakers, merged.speakers);
    }
}
