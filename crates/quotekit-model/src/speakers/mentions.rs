//! The name mentions of a document: words put back together from the
//! tokenizer's pieces (`Mr.`, `U.S.`, `O’Malley`, a possessive `’s`), and
//! runs of capitalised words as name mentions with their titles taken off.

use crate::speakers::gender::first_name_gender;
use crate::speakers::lexicon::*;
use quotekit_data::Tokenized;
use std::ops::Range;

/// A word of the text: one or more glued tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Its tokens.
    pub tokens: Range<usize>,
    /// Its text without a possessive `’s`.
    pub text: String,
    /// True when it ended with a possessive `’s` (taken off `text`).
    pub possessive: bool,
}

fn is_apostrophe(s: &str) -> bool {
    s == "’" || s == "'"
}

/// The document's words: a letter followed by a glued `.` (`Mr.`, `U.S.`),
/// a glued apostrophe and letters (`O’Malley`, `Trump’s`) stay one word.
pub fn words(text: &str, tok: &Tokenized) -> Vec<Word> {
    let n = tok.tokens.len();
    let t = |i: usize| tok.tokens[i].text(text);
    let glued = |i: usize| i + 1 < n && tok.tokens[i].span.end == tok.tokens[i + 1].span.start;
    let short_letters = |s: &str| {
        (s.chars().count() == 1 && s.chars().all(char::is_alphabetic))
            || ABBREVIATIONS.contains(&s.to_lowercase().as_str())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let start = i;
        let mut text_out = t(i).to_string();
        let mut possessive = false;
        loop {
            if glued(i) && t(i + 1) == "." && short_letters(t(i)) {
                text_out.push('.');
                i += 1;
                // `U.S.`: another single letter glued after the dot.
                if glued(i)
                    && t(i + 1).chars().count() == 1
                    && t(i + 1).chars().all(char::is_uppercase)
                {
                    text_out.push_str(t(i + 1));
                    i += 1;
                    continue;
                }
                break;
            }
            if glued(i) && is_apostrophe(t(i + 1)) && i + 2 < n && glued(i + 1) {
                let after = t(i + 2);
                if after == "s" || after == "S" {
                    possessive = true;
                    i += 2;
                    break;
                }
                if after.chars().next().is_some_and(char::is_alphabetic) {
                    text_out.push_str(t(i + 1));
                    text_out.push_str(after);
                    i += 2;
                    continue;
                }
            }
            break;
        }
        out.push(Word {
            tokens: start..i + 1,
            text: text_out,
            possessive,
        });
        i += 1;
    }
    out
}

/// A name mention: a run of capitalised words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMention {
    /// Its words (indices into [`words`]).
    pub words: Range<usize>,
    /// Its tokens.
    pub tokens: Range<usize>,
    /// The name without titles, as written (words joined by spaces).
    pub name: Vec<String>,
    /// The titles taken off the front, lower case.
    pub titles: Vec<String>,
    /// True when its last word is possessive (`Trump’s`).
    pub possessive: bool,
    /// Sentence of its first token.
    pub sentence: usize,
}

impl NameMention {
    /// The name's words in lower case.
    pub fn keys(&self) -> Vec<String> {
        self.name.iter().map(|w| key(w)).collect()
    }
}

/// True when `w` goes on a name begun as `run` although it could not begin
/// one: a middle initial (`Julie A. Diaz`), or a month after a first name
/// (`Theresa May`).
fn continues_name(run: &[Word], w: &Word) -> bool {
    let initial = w.text.len() == 2
        && w.text.ends_with('.')
        && w.text.chars().next().is_some_and(char::is_uppercase);
    let after_first_name = capitalised(&w.text)
        && run
            .last()
            .is_some_and(|r| first_name_gender(&key(&r.text)).is_some())
        && matches!(
            key(&w.text).as_str(),
            "may" | "june" | "april" | "august" | "will" | "tuesday"
        );
    initial || after_first_name
}

/// How many connector words (`of`, `for the`, `de`) at `at` lead to another
/// name word, if they do (at most two).
fn connected(words: &[Word], at: usize, starts_name: &impl Fn(&Word) -> bool) -> Option<usize> {
    let connector =
        |w: &Word| CONNECTORS.contains(&w.text.as_str()) || w.text == "the" || w.text == "a";
    let mut k = 0;
    while k < 2 && at + k < words.len() && connector(&words[at + k]) {
        k += 1;
    }
    (k > 0 && words[at].text != "the" && at + k < words.len() && starts_name(&words[at + k]))
        .then_some(k)
}

/// A run of words that may be a name: its words and whether it is a person
/// or organization name by its last word.
fn mention_of(words: &[Word], range: Range<usize>, sentence: usize) -> Option<NameMention> {
    let all = &words[range.clone()];
    // An organization's name ends with a head word or has one before a
    // connector (`Bureau of Prisons`).
    let organization = all.iter().enumerate().any(|(k, w)| {
        ORGANIZATION_HEADS.contains(&key(&w.text).as_str())
            && (k + 1 == all.len()
                || CONNECTORS.contains(&all[k + 1].text.as_str())
                || all[k + 1].text == "and")
    });
    // Titles come off a person's name, not an organization's (`State
    // Department`): the longest front that ends with a title word
    // (`White House Press Secretary`, `City Attorney`).
    let mut t = 0;
    if !organization {
        let is_title = |k: usize| TITLES.contains(&key(&all[k].text).as_str());
        for k in (0..all.len() - 1).rev() {
            // Two name words must remain unless every word before is a title
            // (`Martin Luther King Jr.` keeps its `King`).
            if is_title(k)
                && (all.len() - k > 2
                    || (0..=k).all(|j| is_title(j) || key(&all[j].text) == "of"))
            {
                t = k + 1;
                break;
            }
        }
        while t < all.len() - 1 && CONNECTORS.contains(&key(&all[t].text).as_str()) {
            t += 1;
        }
    }
    let name: Vec<String> = all[t..].iter().map(|w| w.text.clone()).collect();
    let keys: Vec<String> = name.iter().map(|w| key(w)).collect();
    let acronym = name.len() == 1
        && name[0].chars().filter(|c| c.is_alphabetic()).count() >= 2
        && name[0]
            .chars()
            .all(|c| !c.is_alphabetic() || c.is_uppercase());
    let honorific = all[..t]
        .iter()
        .any(|w| HONORIFICS.contains(&key(&w.text).as_str()));
    if !organization
        && !acronym
        && !honorific
        && keys
            .iter()
            .all(|k| TITLES.contains(&k.as_str()) || CONNECTORS.contains(&k.as_str()))
    {
        return None;
    }
    Some(NameMention {
        words: range.clone(),
        tokens: all[0].tokens.start..all[all.len() - 1].tokens.end,
        titles: all[..t].iter().map(|w| key(&w.text)).collect(),
        name,
        possessive: all[all.len() - 1].possessive,
        sentence,
    })
}

/// The name mentions of a document, in text order. Headlines and other
/// sentences in title case only yield names the rest of the text has.
pub fn name_mentions(text: &str, tok: &Tokenized, words: &[Word]) -> Vec<NameMention> {
    let mut sentence_of = vec![0usize; tok.tokens.len()];
    for (s, r) in tok.sentences.iter().enumerate() {
        sentence_of[r.clone()].fill(s);
    }
    let sentence_of_word = |w: &Word| sentence_of[w.tokens.start];
    let sentence_start = |w: &Word| tok.sentences[sentence_of_word(w)].start == w.tokens.start;
    // Lower-case occurrences, to tell a capitalised common word from a name.
    let mut lower_seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for w in words {
        if w.text.chars().next().is_some_and(char::is_lowercase) {
            lower_seen.insert(w.text.clone());
        }
    }
    let starts_name = |w: &Word| {
        let k = key(&w.text);
        capitalised(&w.text)
            && w.text.chars().any(char::is_alphabetic)
            && !NOT_NAMES.contains(&k.as_str())
            && !CONTRACTIONS.iter().any(|c| k.ends_with(c))
    };
    // Title case: most words capitalised, two or more of them common words.
    let mut headline = vec![false; tok.sentences.len()];
    {
        let mut counts = vec![(0usize, 0usize, 0usize); tok.sentences.len()];
        for w in words {
            if !w.text.chars().next().is_some_and(char::is_alphabetic) {
                continue;
            }
            let c = &mut counts[sentence_of_word(w)];
            c.0 += 1;
            if capitalised(&w.text) {
                c.1 += 1;
                let k = key(&w.text);
                if !sentence_start(w)
                    && (lower_seen.contains(&k) || NOT_NAMES.contains(&k.as_str()))
                {
                    c.2 += 1;
                }
            }
        }
        for (h, &(all, caps, common)) in headline.iter_mut().zip(&counts) {
            *h = all >= 3 && caps * 10 >= all * 6 && common >= 2;
        }
    }
    // A break between words: another sentence, or a line break.
    let joined = |a: &Word, b: &Word| {
        sentence_of_word(a) == sentence_of_word(b)
            && !text[tok.tokens[a.tokens.end - 1].byte_end..tok.tokens[b.tokens.start].byte_start]
                .contains('\n')
    };
    let glued = |a: &Word, b: &Word| {
        tok.tokens[a.tokens.end - 1].span.end == tok.tokens[b.tokens.start].span.start
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !starts_name(&words[i]) || headline[sentence_of_word(&words[i])] {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while end < words.len() && !words[end - 1].possessive {
            let (prev, w) = (&words[end - 1], &words[end]);
            if glued(prev, w) || !joined(prev, w) {
                break;
            }
            if starts_name(w) || continues_name(&words[start..end], w) {
                end += 1;
                continue;
            }
            // `of` joins `Bank of America`, `Secretary of State`, `Federal
            // Bureau of Prisons`, `Court of Appeals for the Sixth Circuit`,
            // not a person to a place (`Charles Rangel of New York`); `and`
            // joins what ends as an organization (`Securities and Exchange
            // Commission`).
            let head = words[start..end]
                .iter()
                .any(|w| ORGANIZATION_HEADS.contains(&key(&w.text).as_str()))
                || TITLES.contains(&key(&prev.text).as_str());
            let and_organization = w.text == "and" && {
                let mut k = end + 1;
                while k < words.len() && starts_name(&words[k]) && joined(&words[k - 1], &words[k])
                {
                    k += 1;
                }
                k > end + 1 && ORGANIZATION_HEADS.contains(&key(&words[k - 1].text).as_str())
            };
            if and_organization {
                end += 2;
                continue;
            }
            if !head && !PARTICLES.contains(&w.text.as_str()) {
                break;
            }
            match connected(words, end, &starts_name) {
                Some(skip) if (end..end + skip + 1).all(|k| joined(&words[k - 1], &words[k])) => {
                    end += skip + 1
                }
                _ => break,
            }
        }
        i = end;
        // One capitalised common word opening a sentence is not a name.
        if end - start == 1 && sentence_start(&words[start]) {
            let lower = words[start].text.to_lowercase();
            let inflected = ["ly", "ing", "ed"].iter().any(|e| lower.ends_with(e))
                && first_name_gender(&lower).is_none();
            if lower_seen.contains(&lower) || inflected {
                continue;
            }
        }
        out.extend(mention_of(
            words,
            start..end,
            sentence_of_word(&words[start]),
        ));
    }
    // Headlines: the longest runs of words that are names found elsewhere.
    if headline.iter().any(|&h| h) {
        let known: std::collections::HashSet<Vec<String>> =
            out.iter().map(NameMention::keys).collect();
        let longest = known.iter().map(Vec::len).max().unwrap_or(0);
        let mut extra = Vec::new();
        let mut i = 0;
        while i < words.len() {
            if !headline[sentence_of_word(&words[i])] {
                i += 1;
                continue;
            }
            let run = |n: usize| {
                (i + 1..i + n).all(|k| joined(&words[k - 1], &words[k]) && !words[k - 1].possessive)
            };
            let keys = |n: usize| {
                words[i..i + n]
                    .iter()
                    .map(|w| key(&w.text))
                    .collect::<Vec<_>>()
            };
            let known_run = (1..=longest.min(words.len() - i))
                .rev()
                .find(|&n| run(n) && known.contains(&keys(n)));
            // A first name before a known surname (`Hillary Clinton` where
            // the text says `Clinton`).
            let first_name = (i + 1 < words.len()
                && run(2)
                && first_name_gender(&key(&words[i].text)).is_some()
                && known.contains(&vec![key(&words[i + 1].text)]))
            .then_some(2);
            let found = known_run.max(first_name);
            match found {
                Some(n) => {
                    extra.extend(mention_of(words, i..i + n, sentence_of_word(&words[i])));
                    i += n;
                }
                None => i += 1,
            }
        }
        out.extend(extra);
        out.sort_by_key(|m| m.words.start);
    }
    out
}
