//! The name mentions of a document: words put back together from the
//! tokenizer's pieces (`Mr.`, `U.S.`, `O’Malley`, a possessive `’s` or a
//! plural's `’`), and
//! runs of capitalised words as name mentions with their titles taken off.
//! The file runs a little over 500 lines with its tests: the rules for words, runs and names are read together.

use crate::speakers::gender::{first_name_gender, is_full_person_name};
use crate::speakers::lexicon::*;
use quotekit_data::marks::is_dash;
use quotekit_data::Tokenized;
use std::ops::Range;

/// A word of the text: one or more glued tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'t> {
    /// Its tokens.
    pub tokens: Range<usize>,
    /// Its text without a possessive (`’s`, or a plural's `’`).
    pub text: &'t str,
    /// True when it ended with a possessive `’s`, or a plural's
    /// apostrophe (`Workers’`), taken off `text`.
    pub possessive: bool,
    /// Which of [`POSSESSIVES`] it ended with, when `possessive`: the
    /// possessive as written (an index, so that a word costs no more room).
    suffix: u8,
    /// Its lookup form ([`key`] of `text`).
    lookup: std::borrow::Cow<'t, str>,
    /// What its first character is (read once here, asked by every pass
    /// over the words).
    initial: Initial,
}

/// What a word's first character is: lower case, upper case, alphabetic
/// (bits of [`Initial::LOWER`], [`Initial::UPPER`], [`Initial::ALPHABETIC`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Initial(u8);

impl Initial {
    const LOWER: u8 = 1;
    const UPPER: u8 = 2;
    const ALPHABETIC: u8 = 4;

    fn of(text: &str) -> Self {
        // A lower-case particle joined by a hyphen to a capitalised word
        // (`al-Amin`, `el-Sayed`) begins a name as a capital does.
        let text = hyphened_particle(text).unwrap_or(text);
        Self(text.chars().next().map_or(0, |c| {
            let bit = |yes: bool, bit: u8| if yes { bit } else { 0 };
            bit(c.is_lowercase(), Self::LOWER)
                | bit(c.is_uppercase(), Self::UPPER)
                | bit(c.is_alphabetic(), Self::ALPHABETIC)
        }))
    }
}

impl Word<'_> {
    /// Its lookup form: [`key`] of its text.
    pub fn key(&self) -> &str {
        &self.lookup
    }

    /// True when it begins with a capital letter (`capitalised` of its text).
    pub(crate) fn capitalised(&self) -> bool {
        self.initial.0 & Initial::UPPER != 0
    }

    /// True when it begins with a lower-case letter.
    fn lower_initial(&self) -> bool {
        self.initial.0 & Initial::LOWER != 0
    }

    /// True when it begins with a letter.
    fn alphabetic_initial(&self) -> bool {
        self.initial.0 & Initial::ALPHABETIC != 0
    }
}

/// Lower-case particles that a hyphen joins to the rest of a name
/// (`al-Amin`, `el-Sayed`: Arabic articles).
const HYPHENED_PARTICLES: [&str; 8] = ["al-", "el-", "ad-", "ar-", "as-", "ash-", "at-", "az-"];

/// What follows a particle and a hyphen in `text` when that begins with a
/// capital (`Amin` of `al-Amin`).
fn hyphened_particle(text: &str) -> Option<&str> {
    // (Every particle begins with `a` or `e`, and most words have no
    // hyphen in their first four bytes.)
    if !matches!(text.as_bytes().first(), Some(b'a' | b'e')) {
        return None;
    }
    let dash = text.bytes().take(4).position(|b| b == b'-')?;
    let (particle, rest) = text.split_at(dash + 1);
    (HYPHENED_PARTICLES.contains(&particle) && rest.chars().next().is_some_and(char::is_uppercase))
        .then_some(rest)
}

/// A possessive as a text may write it: `’s` and `'s`, then a plural's
/// apostrophe alone (`Workers’`).
const POSSESSIVES: [&str; 6] = ["’s", "'s", "’S", "'S", "’", "'"];

impl Word<'_> {
    /// How many tokens its possessive took: 2 for `’s`, 1 for a plural's
    /// apostrophe, 0 when it has none.
    pub(crate) fn possessive_tokens(&self) -> usize {
        // (A token a character: the mark, and the `s` if there is one.)
        self.possessive_suffix().chars().count()
    }

    /// The possessive it ended with, as written (`’s`, `'s`, `’` after a
    /// plural): empty when none.
    pub fn possessive_suffix(&self) -> &'static str {
        if self.possessive {
            POSSESSIVES[usize::from(self.suffix)]
        } else {
            ""
        }
    }
}

/// The age written after a name that ends before word `end`: the digits of
/// `Doe, 52,` or `Doe, 52.`.
pub(crate) fn age_after<'w>(words: &'w [Word], end: usize) -> Option<&'w str> {
    let key = |k: usize| words.get(k).map(|w| w.key());
    if key(end) != Some(",") || !matches!(key(end + 2), Some("," | ".")) {
        return None;
    }
    key(end + 1).filter(|n| is_number(n))
}

/// The age a word such as `52-year-old` gives (`52`).
pub(crate) fn age_of_word(word: &str) -> Option<&str> {
    word.strip_suffix("-year-old").filter(|n| is_number(n))
}

/// True when `s` is a number in digits alone.
fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_apostrophe(s: &str) -> bool {
    s == "’" || s == "'"
}

/// The document's words: a letter followed by a glued `.` (`Mr.`, `U.S.`),
/// a glued apostrophe and letters (`O’Malley`, `Trump’s`) stay one word, as
/// does a plural and the apostrophe glued after it (`Workers’`) where no
/// single quotation mark opened before it.
pub fn words<'t>(text: &'t str, tok: &Tokenized) -> Vec<Word<'t>> {
    let n = tok.tokens.len();
    let t = |i: usize| tok.tokens[i].text(text);
    let glued = |i: usize| i + 1 < n && tok.tokens[i].span.end == tok.tokens[i + 1].span.start;
    let short_letters = |s: &str| {
        (s.chars().count() == 1 && s.chars().all(char::is_alphabetic))
            || ABBREVIATIONS.contains(&key_of(s))
    };
    // Whether a single quotation mark opens within the tokens before `k`
    // (`‘` or a `'` after a space), the last 20 of them.
    let quoted = |k: usize| {
        (k.saturating_sub(20)..k).rev().any(|j| {
            let mark = t(j);
            mark == "‘" || (mark == "'" && (j == 0 || !glued(j - 1)))
        })
    };
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let start = i;
        // The word's text ends here (glued tokens are contiguous in the text).
        let mut end_byte = tok.tokens[i].byte_end;
        let mut possessive = false;
        let mut suffix = 0;
        // (Most tokens are not glued to the next: nothing to join.)
        while glued(i) {
            if t(i + 1) == "." && short_letters(t(i)) {
                i += 1;
                end_byte = tok.tokens[i].byte_end;
                // `U.S.`: another single letter glued after the dot.
                if glued(i)
                    && t(i + 1).chars().count() == 1
                    && t(i + 1).chars().all(char::is_uppercase)
                {
                    i += 1;
                    end_byte = tok.tokens[i].byte_end;
                    continue;
                }
                break;
            }
            if is_apostrophe(t(i + 1)) && i + 2 < n && glued(i + 1) {
                let after = t(i + 2);
                if after == "s" || after == "S" {
                    possessive = true;
                    suffix = u8::from(t(i + 1) == "'") + 2 * u8::from(after == "S");
                    i += 2;
                    break;
                }
                if after.chars().next().is_some_and(char::is_alphabetic) {
                    i += 2;
                    end_byte = tok.tokens[i].byte_end;
                    continue;
                }
            }
            // A plural's possessive, the apostrophe alone after an `s`
            // and before a space (`Workers’ Union`), unless it closes a
            // quotation a lone mark opened (`‘the Lost Boys’ said`).
            if is_apostrophe(t(i + 1))
                && !glued(i + 1)
                && t(i).len() > 1
                && t(i).ends_with('s')
                && !quoted(start)
            {
                possessive = true;
                suffix = 4 + u8::from(t(i + 1) == "'");
                i += 1;
            }
            break;
        }
        let text_out = &text[tok.tokens[start].byte_start..end_byte];
        out.push(Word {
            tokens: start..i + 1,
            lookup: key_of(text_out),
            text: text_out,
            possessive,
            suffix,
            initial: Initial::of(text_out),
        });
        i += 1;
    }
    out
}

/// A set of word texts of one document, filled once with at most as many
/// words as it was made room for (no growth): the lower-case words that
/// [`name_mentions`] asks about. Open addressing over the words' hashes,
/// so that the many inserts (most of them words already there) cost a
/// hash, a compare or two and no call. It has more slots than words it
/// may hold (so a probe always ends at an empty one); a text's distinct
/// lower-case words being about a third of its words, it is less than half
/// full. (Twice that room made a long article's table larger than the
/// first-level cache, all of it zeroed for each document.)
struct WordTexts<'t> {
    /// Per slot, a word and its hash.
    slots: Vec<Option<(u64, &'t str)>>,
    /// Slots minus one (a power of two minus one).
    mask: usize,
}

impl<'t> WordTexts<'t> {
    /// An empty set with room for `n` words.
    fn with_room_for(n: usize) -> Self {
        let slots = (n + 1).next_power_of_two().max(16);
        Self {
            slots: vec![None; slots],
            mask: slots - 1,
        }
    }

    fn hash(word: &str) -> u64 {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write(word.as_bytes());
        h.finish()
    }

    /// The slot that holds `word`, or the empty one where it would go.
    fn slot(&self, word: &str, hash: u64) -> usize {
        let mut i = hash as usize & self.mask;
        while let Some((h, w)) = self.slots[i] {
            if h == hash && w == word {
                break;
            }
            i = (i + 1) & self.mask;
        }
        i
    }

    /// Adds `word` (one of the words it was made room for).
    fn insert(&mut self, word: &'t str) {
        let hash = Self::hash(word);
        let i = self.slot(word, hash);
        self.slots[i] = Some((hash, word));
    }

    /// True when `word` was added.
    fn contains(&self, word: &str) -> bool {
        self.slots[self.slot(word, Self::hash(word))].is_some()
    }
}

/// The word ranges of names that an acronym in brackets right after them
/// spells out (`Alliance to Reclaim Our Schools (AROS)`, `Citizens for
/// Responsibility and Ethics in Washington (CREW)`): the longest run of
/// capitalised and small words (`to`, `of`, `and`, …) before the bracket,
/// two words or more, that opens with a word that can begin a name
/// (`starts`) and does not follow one joined to it, whose words are
/// `joined` one to the next and whose initials the acronym is (small words
/// counted or not). In text order, apart.
fn defined_by_acronyms(
    words: &[Word],
    starts: &[bool],
    joined: impl Fn(&Word, &Word) -> bool,
) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for p in 2..words.len().saturating_sub(2) {
        if words[p].text != "(" || words[p + 2].text != ")" {
            continue;
        }
        let acronym = words[p + 1].text;
        let letters: Vec<char> = acronym
            .chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect();
        let capitals = acronym
            .chars()
            .all(|c| c.is_uppercase() || matches!(c, '.' | '&'));
        if !(2..=8).contains(&letters.len()) || !capitals {
            continue;
        }
        // (At most one word per letter, and a small word between any two.)
        let mut first = p;
        while first > 0
            && p - (first - 1) <= 2 * letters.len()
            && (words[first - 1].capitalised() || is_small_word(words[first - 1].key()))
            && (first == p || joined(&words[first - 1], &words[first]))
        {
            first -= 1;
        }
        // (Not a part of a longer name: `Texas Department of Public Safety
        // (DPS)` is read as ever, not as `Texas` and the department.)
        let led = |s: usize| s > 0 && starts[s - 1] && joined(&words[s - 1], &words[s]);
        let keys: Vec<&str> = words[first..p].iter().map(Word::key).collect();
        let found = (first..p.saturating_sub(1))
            .filter(|&s| starts[s] && !led(s) && out.last().is_none_or(|d| d.end <= s))
            .find(|&s| initials_match(&letters, &keys[s - first..]));
        if let Some(s) = found {
            out.push(s..p);
        }
    }
    out
}

/// The mention of the acronym in brackets right after name mention `m`
/// (`Keswater Harbour Terminals (KHT)`), if there is one: the next mention,
/// one word between `(` and `)`.
pub(crate) fn bracketed_acronym(
    words: &[Word],
    mentions: &[NameMention],
    m: usize,
) -> Option<usize> {
    let end = mentions[m].words.end;
    let text = |k: usize| words.get(k).map(|w| w.text);
    (text(end) == Some("(")
        && mentions.get(m + 1)?.words == (end + 1..end + 2)
        && text(end + 2) == Some(")"))
    .then_some(m + 1)
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
    /// The name's words in lower case ([`key`]).
    pub keys: Vec<String>,
    /// The titles taken off the front, lower case.
    pub titles: Vec<String>,
    /// True when its last word is possessive (`Trump’s`).
    pub possessive: bool,
    /// Sentence of its first token.
    pub sentence: usize,
}

/// True when `w` goes on a name begun as `run` although it could not begin
/// one: a middle initial (`Julie A. Diaz`), or a month after a first name
/// (`Theresa May`).
fn continues_name(run: &[Word], w: &Word) -> bool {
    let initial = w.text.len() == 2
        && w.text.ends_with('.')
        && w.text.chars().next().is_some_and(char::is_uppercase);
    let after_first_name = w.capitalised()
        && run
            .last()
            .is_some_and(|r| first_name_gender(r.key()).is_some())
        && matches!(
            w.key(),
            "may" | "june" | "april" | "august" | "will" | "tuesday"
        );
    // `Judicial Watch`, `Human Rights Watch`: `Watch` opens no name, but ends some.
    let watch = w.text == "Watch";
    initial || after_first_name || watch
}

/// How many connector words (`of`, `for the`, `de`) at `at` lead to another
/// name word, if they do (at most two).
fn connected(words: &[Word], at: usize, starts: &[bool]) -> Option<usize> {
    let connector = |w: &Word| CONNECTORS.contains(w.text) || w.text == "the" || w.text == "a";
    let mut k = 0;
    while k < 2 && at + k < words.len() && connector(&words[at + k]) {
        k += 1;
    }
    (k > 0 && words[at].text != "the" && at + k < words.len() && starts[at + k]).then_some(k)
}

/// A run of words that may be a name: its words and whether it is a person
/// or organization name by its last word.
fn mention_of(words: &[Word], range: Range<usize>, sentence: usize) -> Option<NameMention> {
    mention_or_title(words, range, sentence, false)
}

/// [`mention_of`], which with `titles_name` also takes a run of title words
/// for a name (`Dean` where the text names Howard Dean).
fn mention_or_title(
    words: &[Word],
    range: Range<usize>,
    sentence: usize,
    titles_name: bool,
) -> Option<NameMention> {
    // (`Nobody`, `Everyone` alone name no one, nor open a name: `Everyone
    // Dana Whitcombe hired`.)
    if NO_ONE.contains(&words[range.start].key()) {
        return (range.len() > 1)
            .then(|| mention_or_title(words, range.start + 1..range.end, sentence, titles_name))
            .flatten();
    }
    let all = &words[range.clone()];
    // An organization's name ends with a head word or has one before a
    // connector (`Bureau of Prisons`).
    // A firm's names joined by `&` are one organization's.
    let organization = all.iter().enumerate().any(|(k, w)| {
        (ORGANIZATION_HEADS.contains(w.key())
            && (k + 1 == all.len()
                || CONNECTORS.contains(all[k + 1].text)
                || all[k + 1].text == "and"))
            || (w.text == "&" && k > 0 && k + 1 < all.len())
    });
    // Titles come off a person's name, not an organization's (`State
    // Department`): the longest front that ends with a title word
    // (`White House Press Secretary`, `City Attorney`).
    let mut t = 0;
    if !organization {
        // (A nickname in quotation marks is no title: `Marcia “Cia” Price`.)
        let is_title = |k: usize| {
            TITLES.contains(all[k].key()) && !(k > 0 && matches!(all[k - 1].text, "“" | "\""))
        };
        for k in (0..all.len() - 1).rev() {
            // Two name words must remain unless every word before is a title
            // (`Martin Luther King Jr.` keeps its `King`).
            if is_title(k)
                && (all.len() - k > 2 || (0..=k).all(|j| is_title(j) || all[j].key() == "of"))
            {
                t = k + 1;
                break;
            }
        }
        // (Only lower-case ones: `Al Sharpton` keeps his `Al`.)
        while t < all.len() - 1 && CONNECTORS.contains(all[t].text) {
            t += 1;
        }
    }
    let last = all.len() - 1;
    let mut name: Vec<String> = Vec::with_capacity(all.len() - t);
    // (The keys of the name's words: a word's own key where the name has it
    // as written, which `words` made already.)
    let mut keys: Vec<String> = Vec::with_capacity(all.len() - t);
    let mut k = t;
    while k < all.len() {
        let w = &all[k];
        // (The comma before a last `Jr.`.)
        if w.text == "," && k + 1 == last {
            k += 1;
            continue;
        }
        if matches!(w.text, "“" | "\"") && k + 2 < all.len() {
            // `“Bobby”` as one word.
            let word = format!("{}{}{}", w.text, all[k + 1].text, all[k + 2].text);
            keys.push(key(&word));
            name.push(word);
            k += 3;
            continue;
        }
        if w.possessive && k < last {
            let word = format!("{}{}", w.text, w.possessive_suffix());
            keys.push(key(&word));
            name.push(word);
        } else {
            keys.push(w.key().to_string());
            name.push(w.text.to_string());
        }
        k += 1;
    }
    // (A role's acronym is no name: `The CFO said`.)
    let acronym =
        name.len() == 1 && in_capitals(&name[0]) && !ROLE_ACRONYMS.contains(&keys[0].as_str());
    let honorific = all[..t].iter().any(|w| HONORIFICS.contains(w.key()));
    if !organization
        && !acronym
        && !honorific
        && !titles_name
        && keys
            .iter()
            .all(|k| TITLES.contains(k.as_str()) || CONNECTORS.contains(k.as_str()))
    {
        return None;
    }
    Some(NameMention {
        words: range.clone(),
        tokens: all[0].tokens.start..all[all.len() - 1].tokens.end,
        titles: all[..t].iter().map(|w| w.key().to_string()).collect(),
        keys,
        name,
        possessive: all[all.len() - 1].possessive,
        sentence,
    })
}

/// True when word `at`, opening a paragraph, may be an interview's
/// question label (`Q.`, `Q:`), which names no one. (An answer's, `A.`, is
/// the article `a` to the name finder.)
fn question_label(words: &[Word], at: usize) -> bool {
    words.get(at).is_some_and(|w| {
        w.text == "Q." || (w.text == "Q" && words.get(at + 1).is_some_and(|c| c.text == ":"))
    })
}

/// The paragraphs a dateline may open: the first ones (a headline, a
/// byline, then the story's first paragraph).
const DATELINE_PARAGRAPHS: usize = 3;

/// The end of a dateline (its dash) when the words `para` of paragraph
/// number `number` open with one: words in capitals (`WASHINGTON`, `DES
/// MOINES`), then perhaps a comma and up to two capitalised words (`,
/// Iowa`, `, Calif.`) and a bracketed agency (`(AP)`), then a dash, in one of
/// the first paragraphs; or three words in capitals or more and a dash (a
/// heading: `HE'S BEEN CALLED OUT BY DOCTORS —`) in any. Not where a
/// quotation opens after the dash (a speaker's label: `PENCE — “We …”`).
fn dateline_end(words: &[Word], para: Range<usize>, number: usize) -> Option<usize> {
    let text = |k: usize| words[para.clone()].get(k - para.start).map(|w| w.text);
    let mut k = para.start;
    while k < para.end && word_in_capitals(&words[k]) {
        k += 1;
    }
    let capitals = k - para.start;
    if capitals == 0 || (number >= DATELINE_PARAGRAPHS && capitals < 3) {
        return None;
    }
    let place = k;
    if text(k) == Some(",") {
        k += 1;
        let state = k;
        while k < (state + 2).min(para.end) && words[k].capitalised() {
            k += 1;
        }
        if k == state {
            return None;
        }
        // (A state's abbreviation and its full stop: `Calif.`.)
        if text(k) == Some(".") {
            k += 1;
        }
    }
    if text(k) == Some("(") && text(k + 2) == Some(")") {
        k += 3;
    }
    // (A quotation after the dash of words in capitals alone: a speaker's
    // label, not a dateline, which has a state or an agency.)
    let label = k == place && matches!(text(k + 1), Some("“" | "\"" | "‘" | "'"));
    (text(k).is_some_and(is_dash) && !label).then_some(k)
}

/// True when a word is in capitals ([`in_capitals`]). (Most words open
/// with a capital and a small letter, or none: that much is read of them.)
fn word_in_capitals(w: &Word) -> bool {
    w.capitalised() && in_capitals(w.text)
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
    // One pass over the words: the lower-case occurrences, to tell a
    // capitalised common word from a name; per word, whether it can begin a
    // name; per sentence, its words (they are in text order) and how many
    // begin with a letter and with a capital.
    let mut lower_seen = WordTexts::with_room_for(words.len());
    let mut starts: Vec<bool> = Vec::with_capacity(words.len());
    let mut counts = vec![(0usize, 0usize); tok.sentences.len()];
    let mut sentence_words = vec![0..0; tok.sentences.len()];
    for (i, w) in words.iter().enumerate() {
        if w.lower_initial() {
            lower_seen.insert(w.text);
        }
        let capital = w.capitalised();
        starts.push(
            capital
                && w.text.chars().any(char::is_alphabetic)
                && !NOT_NAMES.contains(w.key())
                && !CONTRACTIONS.iter().any(|c| w.key().ends_with(c))
                // (An adjective of a place: `the Slovenia-born former model`,
                // `London-based Acme Corp`.)
                && !(w.key().ends_with("-born") || w.key().ends_with("-based")),
        );
        let s = sentence_of_word(w);
        let range = &mut sentence_words[s];
        if range.start == range.end {
            *range = i..i + 1;
        } else {
            range.end = i + 1;
        }
        if w.alphabetic_initial() {
            let c = &mut counts[s];
            c.0 += 1;
            c.1 += usize::from(capital);
        }
    }
    // A dateline names no one (`CADDOW MILL - The council …`, `WASHINGTON
    // (AP) —`).
    // (A paragraph's words are looked for only where its first word is in
    // capitals: few are.)
    let mut first = 0;
    // (Question labels are labels where two paragraphs or more open with
    // one: not `Q. Todd Dickinson` alone.)
    let mut questions = Vec::new();
    for (number, p) in tok.paragraphs.iter().enumerate() {
        first += words[first..].partition_point(|w| w.tokens.start < p.start);
        if question_label(words, first) {
            questions.push(first);
            continue;
        }
        if !words.get(first).is_some_and(word_in_capitals) {
            continue;
        }
        let end = first + words[first..].partition_point(|w| w.tokens.start < p.end);
        if let Some(dash) = dateline_end(words, first..end, number) {
            starts[first..dash].fill(false);
        }
    }
    if questions.len() >= 2 {
        for q in questions {
            starts[q] = false;
        }
    }

    // Title case: most words capitalised, two or more of them common words
    // (counted only where the first two hold).
    let headline: Vec<bool> = counts
        .iter()
        .zip(&sentence_words)
        .map(|(&(all, caps), range)| {
            all >= 3
                && caps * 10 >= all * 6
                && words[range.clone()]
                    .iter()
                    .filter(|w| {
                        w.alphabetic_initial()
                            && w.capitalised()
                            && !sentence_start(w)
                            && (lower_seen.contains(w.key()) || NOT_NAMES.contains(w.key()))
                    })
                    .count()
                    >= 2
        })
        .collect();
    // A break between words: another sentence, or a line break.
    let joined = |a: &Word, b: &Word| {
        sentence_of_word(a) == sentence_of_word(b)
            && !text[tok.tokens[a.tokens.end - 1].byte_end..tok.tokens[b.tokens.start].byte_start]
                .contains(quotekit_data::document::is_line_end)
    };
    let glued = |a: &Word, b: &Word| {
        tok.tokens[a.tokens.end - 1].span.end == tok.tokens[b.tokens.start].span.start
    };
    // Whether words `run` are a person's full name.
    let full_person =
        |run: &[Word]| is_full_person_name(&run.iter().map(Word::key).collect::<Vec<_>>());
    // The end of the run of capitalised words from word `k` (`k` when it
    // begins none).
    let run_end = |k: usize| {
        let mut e = k;
        while e < words.len() && starts[e] && (e == k || joined(&words[e - 1], &words[e])) {
            e += 1;
        }
        e
    };
    // Names that an acronym in brackets after them spells out (`Alliance
    // to Reclaim Our Schools (AROS)`), whole: their small words and
    // capitalised common words are theirs.
    let defined = defined_by_acronyms(words, &starts, |a, b| joined(a, b));
    // (The next of them, and where it starts: one compare per word.)
    let mut next = 0;
    let mut defined_at = defined.first().map_or(usize::MAX, |d| d.start);
    let mut out = Vec::new();
    // Single title words that were no name (`Dean`, `Judge`).
    let mut lone_titles = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if defined_at <= i {
            // (One a run went over is passed by.)
            let d = defined[next].clone();
            next += 1;
            defined_at = defined.get(next).map_or(usize::MAX, |d| d.start);
            // (In a headline, the headlines' pass finds names.)
            if d.start == i && !headline[sentence_of_word(&words[i])] {
                out.extend(mention_of(
                    words,
                    d.start..d.end,
                    sentence_of_word(&words[i]),
                ));
                i = d.end;
            }
            continue;
        }
        if !starts[i] || headline[sentence_of_word(&words[i])] {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        // (A run ends where a name an acronym spells out begins: at
        // `defined_at`.)
        // The capitalised run from word `k` ends with an organization's head word.
        let organization_from = |k: usize| {
            let e = run_end(k);
            e > k && ORGANIZATION_HEADS.contains(words[e - 1].key())
        };
        while end < words.len() && end < defined_at {
            let (prev, w) = (&words[end - 1], &words[end]);
            // A son's or father's suffix after a comma ends a name of two
            // words or more (`Brent Bozell, Jr.`), where no capitalised
            // word goes on from it (`Jane Doe, Sr. Vice President` is no
            // Jane Doe Sr.).
            let suffix_ends = |s: &Word| {
                words
                    .get(end + 2)
                    .is_none_or(|n| !n.capitalised() || !joined(s, n))
            };
            if w.text == ","
                && end - start >= 2
                && glued(prev, w)
                && words.get(end + 1).is_some_and(|s| {
                    is_son_or_father(s.key()) && joined(w, s) && !glued(w, s) && suffix_ends(s)
                })
            {
                end += 2;
                break;
            }
            if glued(prev, w) || !joined(prev, w) {
                break;
            }
            // A possessive ends a name unless an organization's name goes on
            // (`Saint Brigid’s Hospital`).
            if prev.possessive && !organization_from(end) {
                break;
            }
            if starts[end] || continues_name(&words[start..end], w) {
                end += 1;
                continue;
            }
            // A nickname in quotation marks (`Robert C. “Bobby” Scott`).
            let nickname = matches!(w.text, "“" | "\"")
                && end + 3 < words.len()
                && starts[end + 1]
                && matches!(words[end + 2].text, "”" | "\"")
                && glued(w, &words[end + 1])
                && glued(&words[end + 1], &words[end + 2])
                && joined(&words[end + 2], &words[end + 3])
                && !glued(&words[end + 2], &words[end + 3])
                && starts[end + 3];
            if nickname {
                end += 3;
                continue;
            }
            // `of` joins `Bank of America`, `Secretary of State`, `Federal
            // Bureau of Prisons`, `Court of Appeals for the Sixth Circuit`,
            // not a person to a place (`Charles Rangel of New York`); `and`
            // joins what ends as an organization (`Securities and Exchange
            // Commission`).
            let head = words[start..end]
                .iter()
                .any(|w| ORGANIZATION_HEADS.contains(w.key()))
                || TITLES.contains(prev.key());
            // (Not after a whole organization name: `the Bureau of Prisons
            // and Saint Brigid’s Hospital` are two.)
            let and_organization = w.text == "and"
                && !ORGANIZATION_HEADS.contains(prev.key())
                && !words[start..end]
                    .iter()
                    .any(|w| CONNECTORS.contains(w.key()))
                && end + 1 < words.len()
                && joined(w, &words[end + 1])
                && organization_from(end + 1)
                // (Not a person's full name before it: `Tom Berg and Lydd
                // Mining` are two.)
                && !full_person(&words[start..end]);
            // `and` and a word of what a body's name covers, after its head
            // and a connector (`Ministry of Commerce and Industry`,
            // `Department of Health and Human Services`).
            let and_remit = w.text == "and"
                && end + 1 < words.len()
                && joined(w, &words[end + 1])
                && REMITS.contains(words[end + 1].key())
                && words[start..end]
                    .iter()
                    .position(|w| CONNECTORS.contains(w.key()))
                    .is_some_and(|c| {
                        c > 0 && ORGANIZATION_HEADS.contains(words[start + c - 1].key())
                    });
            if and_organization || and_remit {
                end += 2;
                continue;
            }
            // A plural word before `for` and a name of two or more words
            // that is not a person's names a body too (`Citizens for Tax
            // Justice`; not `Attorneys for Clinton`, `Strategists for
            // Barack Obama`).
            let plural_for = w.text == "for"
                && end - start == 1
                && !prev.possessive
                && prev.text.len() > 4
                && prev.text.ends_with('s')
                && connected(words, end, &starts).is_some_and(|skip| {
                    // (Whether `for` and the name are joined is asked below.)
                    let name = &words[end + skip..run_end(end + skip)];
                    name.len() >= 2 && !full_person(name)
                });
            // `&` joins a firm's names, one word on each side (`Johnson &
            // Johnson`, `Procter & Gamble`, `Meagher & Flom`), one word on
            // each side, or more before it where they hold a firm's word and
            // no title, and are no person's full name (`Tamarack Power &
            // Light`; not `Sen. Grassley & Leahy`, `Goldman Sachs & JPMorgan
            // Chase`); not two people: a title before it (`Mr. & Mrs.
            // Smith`, `Mr. Grassley & Mr. Leahy`), a title or a first name
            // and a surname after it (`Jones & Jane Doe`, `Tom Smith & Jane
            // Doe`), or two first names (`Jim & Sarah`).
            let next = words.get(end + 1);
            let first_name = |k: usize| first_name_gender(words[k].key()).is_some();
            let person_after = next.is_some_and(|next| TITLES.contains(next.key()))
                || (end + 2 < words.len()
                    && first_name(end + 1)
                    && starts[end + 2]
                    && joined(&words[end + 1], &words[end + 2]));
            let first_names =
                || first_name(end - 1) && end + 1 < words.len() && first_name(end + 1);
            let firm_before = || {
                let run = &words[start..end];
                let titled = run
                    .iter()
                    .any(|w| TITLES.contains(w.key()) || HONORIFICS.contains(w.key()));
                // (One word after the `&`: no name of two words begins there.)
                let one_after = end + 2 >= words.len()
                    || !starts[end + 2]
                    || !joined(&words[end + 1], &words[end + 2]);
                run.iter().any(|w| FIRM_WORDS.contains(w.key()))
                    && !titled
                    && one_after
                    && !full_person(run)
            };
            let ampersand = w.text == "&"
                && (end - start == 1 || firm_before())
                && !TITLES.contains(prev.key())
                && !person_after
                && !first_names();
            if w.text == "&" && !ampersand {
                break;
            }
            if !head && !plural_for && !ampersand && !PARTICLES.contains(w.text) {
                break;
            }
            match connected(words, end, &starts) {
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
            if lower_seen.contains(lower.as_str()) || inflected {
                continue;
            }
        }
        let found = mention_of(words, start..end, sentence_of_word(&words[start]));
        if found.is_none() && end - start == 1 {
            lone_titles.push(start);
        }
        out.extend(found);
    }
    // A sentence's first word that is a common word elsewhere, or no first
    // name before a full name, before a name the text also has on its own
    // (`Say Mexico demanded`, `Rival Hillary Clinton`), is not part of it;
    // nor, anywhere, is a word that is no first name before a first name
    // and a surname that the text has on their own (`Crooked Hillary
    // Clinton`).
    let mut alone: rustc_hash::FxHashSet<&[String]> =
        out.iter().map(|m| m.keys.as_slice()).collect();
    // A person's full name followed by words the text writes in lower case
    // (none an organization's head) is that name, when the text has it, or
    // its surname, on its own (`Barack Obama Election Day`).
    let ends: Vec<(usize, NameMention)> = out
        .iter()
        .enumerate()
        .filter(|(_, m)| m.keys.len() >= 3 && first_name_gender(&m.keys[0]).is_some())
        .filter_map(|(k, m)| {
            (m.words.start + 1..m.words.end)
                .rev()
                .take_while(|&end| {
                    let w = &words[end];
                    lower_seen.contains(w.key()) && !ORGANIZATION_HEADS.contains(w.key())
                })
                .filter_map(|end| mention_of(words, m.words.start..end, m.sentence))
                .find(|shorter| {
                    let keys = shorter.keys.as_slice();
                    is_full_person_name(keys)
                        && (alone.contains(keys) || alone.contains(&keys[keys.len() - 1..]))
                })
                .map(|shorter| (k, shorter))
        })
        .collect();
    if !ends.is_empty() {
        drop(alone);
        for (k, shorter) in ends {
            out[k] = shorter;
        }
        alone = out.iter().map(|m| m.keys.as_slice()).collect();
    }
    let mut trims = Vec::new();
    for (k, m) in out.iter().enumerate() {
        let first = &words[m.words.start];
        // Anywhere, a word that is no first name before a first name and a
        // surname (`“Crooked Hillary Clinton”`, `Sleepy Joe Biden`).
        let epithet = m.keys.len() >= 3
            && first_name_gender(&m.keys[0]).is_none()
            && first_name_gender(&m.keys[1]).is_some();
        // (Asked only where it matters: it lowers the word.)
        let opener = || {
            sentence_start(first)
                && (lower_seen.contains(first.text.to_lowercase().as_str())
                    || (m.keys.len() >= 3 && first_name_gender(&m.keys[0]).is_none()))
        };
        // (Not before a particle: `Rhys ap Gwilym` is one name where the
        // text has `Ap Gwilym` on its own too.)
        if m.titles.is_empty()
            && m.keys.len() >= 2
            && (epithet || opener())
            && !PARTICLES.contains(words[m.words.start + 1].text)
            && alone.contains(&m.keys[1..])
        {
            trims.extend(
                mention_of(words, m.words.start + 1..m.words.end, m.sentence).map(|t| (k, t)),
            );
        }
    }
    // `Clinton and State Department`: two names when the part after `and`
    // is a name the text also has on its own (and the part after that, when
    // a name stands before it: `A and B and C`).
    let split = |m: &NameMention| {
        let j =
            (m.words.start + 1..m.words.end.saturating_sub(1)).find(|&j| words[j].text == "and")?;
        let after = mention_of(words, j + 1..m.words.end, m.sentence)?;
        alone
            .contains(after.keys.as_slice())
            .then(|| (mention_of(words, m.words.start..j, m.sentence), after))
    };
    let mut splits = Vec::new();
    // (`trims` is in the order of `out`.)
    let mut next_trim = trims.iter().peekable();
    for (k, m) in out.iter().enumerate() {
        let m = next_trim.next_if(|(t, _)| *t == k).map_or(m, |(_, t)| t);
        let Some((mut before, mut after)) = split(m) else {
            continue;
        };
        let mut parts = Vec::new();
        while let Some(b) = before {
            parts.push(b);
            match split(&after) {
                Some((b, a)) => (before, after) = (b, a),
                None => break,
            }
        }
        parts.push(after);
        splits.push((k, parts));
    }
    drop(alone);
    for (k, t) in trims {
        out[k] = t;
    }
    for (k, parts) in splits.into_iter().rev() {
        out.splice(k..=k, parts);
    }
    // A title word alone that is the surname of a person the text names in
    // full is that person (`Dean, a former DNC chairman` after Howard Dean).
    if !lone_titles.is_empty() {
        let surnames: rustc_hash::FxHashSet<&str> = out
            .iter()
            .filter(|m| is_full_person_name(&m.keys))
            .filter_map(|m| m.keys.last().map(String::as_str))
            .collect();
        let extra: Vec<NameMention> = lone_titles
            .iter()
            .filter(|&&i| surnames.contains(words[i].key()))
            .filter_map(|&i| mention_or_title(words, i..i + 1, sentence_of_word(&words[i]), true))
            .collect();
        if !extra.is_empty() {
            out.extend(extra);
            out.sort_by_key(|m| m.words.start);
        }
    }
    // Headlines: the longest runs of words that are names found elsewhere.
    if headline.iter().any(|&h| h) {
        let known: rustc_hash::FxHashSet<Vec<&str>> = out
            .iter()
            .map(|m| m.keys.iter().map(String::as_str).collect())
            .collect();
        let mut probe: Vec<&str> = Vec::new();
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
            let known_run = (1..=longest.min(words.len() - i)).rev().find(|&n| {
                run(n) && {
                    probe.clear();
                    probe.extend(words[i..i + n].iter().map(Word::key));
                    known.contains(&probe)
                }
            });
            // A first name before a known surname (`Hillary Clinton` where
            // the text says `Clinton`).
            let first_name = (i + 1 < words.len()
                && run(2)
                && first_name_gender(words[i].key()).is_some()
                && known.contains([words[i + 1].key()].as_slice()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Document, Tokenizer};

    fn mentions(text: &str) -> Vec<String> {
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let w = words(text, &tok);
        name_mentions(text, &tok, &w)
            .iter()
            .map(|m| m.name.join(" "))
            .collect()
    }

    /// `Moderator` is a title: it comes off the name it opens.
    #[test]
    fn a_moderator_is_a_title() {
        assert_eq!(
            mentions("Moderator Alvin Reyes of Channel 6 asked the first question."),
            ["Alvin Reyes", "Channel"]
        );
    }

    /// A role's acronym is no name (other acronyms are); a collective's and
    /// a guild's names keep their plural possessive; `ole` is a particle,
    /// `Administrator` a title; a place's adjective begins no name.
    #[test]
    fn names_from_the_held_out_articles_of_stop_79() {
        assert_eq!(
            mentions("The CFO said CEO Ann Lee and the CTO agreed with the FBI."),
            ["Ann Lee", "FBI"]
        );
        assert_eq!(
            mentions("said an organizer with the Harlen Fishers' Collective."),
            ["Harlen Fishers' Collective"]
        );
        // A Maasai `ole`, an administrator's title, a guild.
        assert_eq!(
            mentions(
                "said Lemayian ole Saitoti and KNSA Administrator Rafael Duquesne \
                 of the Tech Workers' Guild."
            ),
            [
                "Lemayian ole Saitoti",
                "Rafael Duquesne",
                "Tech Workers' Guild"
            ]
        );
        // A place's adjective is no name.
        assert_eq!(
            mentions("The Slovenia-born model met London-based Acme Corp staff."),
            ["Acme Corp"]
        );
    }

    /// A name stops at any line end, also in text tokenized as one
    /// paragraph (the resolver's fallback for tokens that tile no
    /// paragraphs).
    #[test]
    fn a_name_stops_at_every_line_end() {
        for end in ["\n", "\r", "\u{2028}", "\u{2029}", "\u{85}"] {
            let text = format!("Officials at John Smith{end}Mary Jones spoke");
            let index = quotekit_data::CharIndex::new(&text);
            let whole = quotekit_data::CharSpan::new(0, text.chars().count());
            let tok = Tokenizer::new().tokenize_text(&text, &index, &[whole]);
            let w = words(&text, &tok);
            let found: Vec<String> = name_mentions(&text, &tok, &w)
                .iter()
                .map(|m| m.name.join(" "))
                .collect();
            assert_eq!(found, ["John Smith", "Mary Jones"], "{end:?}");
        }
    }

    #[test]
    fn words_keep_abbreviations_initials_and_apostrophes_together() {
        let text = "Mr. O’Malley met U.S. officials and Trump’s aides.";
        let doc = Document::new("d", text);
        let w = words(text, &Tokenizer::new().tokenize(&doc));
        let texts: Vec<&str> = w.iter().map(|w| w.text).collect();
        assert_eq!(
            texts,
            [
                "Mr.",
                "O’Malley",
                "met",
                "U.S.",
                "officials",
                "and",
                "Trump",
                "aides",
                "."
            ]
        );
        assert!(w[6].possessive);
    }

    /// A name that an acronym in brackets right after it spells out is one
    /// name, its small words and common words too; brackets that spell out
    /// nothing before them leave the names as they were.
    #[test]
    fn a_name_its_acronym_spells_out_is_one_name() {
        assert_eq!(
            mentions(
                "Many parents rallied, said the organizer Alliance to Reclaim Our Schools (AROS). \
                 Citizens for Responsibility and Ethics in Washington (CREW) sued."
            ),
            [
                "Alliance to Reclaim Our Schools",
                "AROS",
                "Citizens for Responsibility and Ethics in Washington",
                "CREW"
            ]
        );
        assert_eq!(
            mentions(
                "Sen. Ted Cruz (Tex.) and the Federation of Technical Engineers (IFPTE) spoke."
            ),
            [
                "Ted Cruz",
                "Tex",
                "Federation of Technical Engineers",
                "IFPTE"
            ]
        );
        // A name it would cut is read whole, as ever; in a headline, the
        // name is found once.
        assert_eq!(
            mentions("Many officers of the Texas Department of Public Safety (DPS) came."),
            ["Texas Department of Public Safety", "DPS"]
        );
        let headline = mentions(
            "Parents Rally With The Alliance To Reclaim Our Schools (AROS)\n\n\
             Many parents rallied with the Alliance to Reclaim Our Schools (AROS).",
        );
        let alliance = headline
            .iter()
            .filter(|m| m.eq_ignore_ascii_case("Alliance to Reclaim Our Schools"))
            .count();
        assert_eq!(alliance, 2, "{headline:?}");
    }

    /// `Citizens for Tax Justice` is one name; `for` does not join a plural
    /// word to a person, or to a single word.
    #[test]
    fn a_plural_word_before_for_and_a_name_is_one_name() {
        assert_eq!(
            mentions(
                "A study by Citizens for Tax Justice found gaps. Americans for Prosperity agreed."
            ),
            ["Citizens for Tax Justice", "Americans", "Prosperity"]
        );
        assert_eq!(
            mentions("It said that Attorneys for Clinton and Strategists for Barack Obama met."),
            ["Attorneys", "Clinton", "Strategists", "Barack Obama"]
        );
    }

    /// A dateline's place (words in capitals, perhaps a state and an
    /// agency, then a dash, opening one of the first paragraphs) and a
    /// heading of three words in capitals or more before a dash name no
    /// one; words in capitals elsewhere, or before no dash, still may.
    /// `Nobody` opening a quotation is no one.
    #[test]
    fn a_datelines_place_is_no_name() {
        assert_eq!(
            mentions("CADDOW MILL - The council voted.\n\nMayor Ann Lee said so."),
            ["Ann Lee"]
        );
        assert_eq!(
            mentions("WASHINGTON (AP) — Ann Lee spoke.\n\nDES MOINES, Iowa — Bob Hale did."),
            ["Ann Lee", "Bob Hale"]
        );
        assert_eq!(
            mentions("HE WAS CALLED OUT BY DOCTORS — He agreed."),
            Vec::<String>::new()
        );
        assert_eq!(
            mentions("NATO said so - and AFL-CIO agreed."),
            ["NATO", "AFL-CIO"]
        );
        // Not a speaker's label (a quotation opens after the dash), not a
        // paragraph past the first few with fewer than three words in
        // capitals, not across a paragraph's end.
        assert_eq!(
            mentions("The debate turned.\n\nPENCE — “We cut taxes,” he said."),
            ["PENCE"]
        );
        assert_eq!(
            mentions("One.\n\nTwo.\n\nThree.\n\nNATO — the alliance said so."),
            ["NATO"]
        );
        assert_eq!(
            mentions("The council met.\n\nANN LEE\n\n— she said it was over."),
            ["ANN LEE"]
        );
        // A heading in any paragraph; a dateline with an agency or a
        // state's abbreviation, a quotation after it or not.
        assert_eq!(
            mentions("One.\n\nTwo.\n\nThree.\n\nTHE DOCTORS WEIGH IN — Ann Lee spoke."),
            ["Ann Lee"]
        );
        assert_eq!(
            mentions("ANN ARBOR (AP) — “We are ready,” Ann Lee said."),
            ["Ann Lee"]
        );
        assert_eq!(
            mentions("ANN ARBOR, Mich. (AP) — Ann Lee spoke."),
            ["Ann Lee"]
        );
        assert_eq!(
            mentions("Ann Lee spoke.\n\nNATO: it is over."),
            ["Ann Lee", "NATO"]
        );
        assert_eq!(mentions("She said: “Nobody came.”"), Vec::<String>::new());
        // An interview's labels name no one; one paragraph that opens
        // with `Q.` is an initial's.
        assert_eq!(
            mentions("Ann Lee spoke.\n\nQ. Why?\n\nA. Because.\n\nQ: And?"),
            ["Ann Lee"]
        );
        assert_eq!(
            mentions("Ann Lee spoke.\n\nQ. Todd Dickinson agreed."),
            ["Ann Lee", "Q. Todd Dickinson"]
        );
        assert_eq!(
            mentions("Everyone Dana Whitcombe hired stayed."),
            ["Dana Whitcombe"]
        );
    }

    #[test]
    fn name_mentions_without_titles_places_or_sentence_openers() {
        // A title word alone is a name only when it is a named person's surname.
        assert_eq!(
            mentions("Howard Dean spoke. Dean, a doctor, agreed. The Dean of Yale left."),
            ["Howard Dean", "Dean", "Yale"]
        );
        assert_eq!(mentions("Dean, a doctor, agreed."), Vec::<String>::new());
        assert_eq!(
            mentions("Rep. Charles B. Rangel of New York said he would stay. Julie A. Diaz spoke."),
            ["Charles B. Rangel", "New York", "Julie A. Diaz"]
        );
        assert_eq!(
            mentions("British Prime Minister Theresa May spoke. Considering the cost, she waited."),
            ["Theresa May"]
        );
        assert_eq!(
            mentions(
                "Officials at the Federal Bureau of Prisons and Saint Brigid’s Hospital agreed."
            ),
            ["Federal Bureau of Prisons", "Saint Brigid’s Hospital"]
        );
        // The possessive as written: a straight apostrophe stays straight.
        assert_eq!(
            mentions("Officials at Saint Brigid's Hospital and MCDONALD'S CORP agreed."),
            ["Saint Brigid's Hospital", "MCDONALD'S CORP"]
        );
        assert_eq!(
            mentions("Rep. Robert C. “Bobby” Scott won. Delegate Marcia \"Cia\" Price agreed."),
            ["Robert C. “Bobby” Scott", "Marcia \"Cia\" Price"]
        );
        assert_eq!(
            mentions("The Rev. Al Sharpton called. Judicial Watch sued the agency."),
            ["Al Sharpton", "Judicial Watch"]
        );
        assert_eq!(
            mentions("The Ashford Chamber of Commerce agreed with the Chamber of Deputies."),
            ["Ashford Chamber of Commerce", "Chamber of Deputies"]
        );
        // `and` joins no person to an organization the text names alone,
        // and a sentence opener before a full name seen alone is dropped.
        assert_eq!(
            mentions(
                "The State Department agreed. Clinton and State Department lawyers met. \
                 Rival Hillary Clinton objected. Hillary Clinton left."
            ),
            [
                "State Department",
                "Clinton",
                "State Department",
                "Hillary Clinton",
                "Hillary Clinton"
            ]
        );
        // So is an epithet before a full name seen alone, anywhere; a first
        // name before it stays (a middle name), as does an epithet before
        // a name the text has only with it.
        assert_eq!(
            mentions(
                "He called her “Crooked Hillary Clinton” again. Hillary Clinton left. \
                 John Hillary Clinton came. Sleepy Naomi Feld slept."
            ),
            [
                "Hillary Clinton",
                "Hillary Clinton",
                "John Hillary Clinton",
                "Sleepy Naomi Feld"
            ]
        );
        assert_eq!(
            mentions(
                "The State Department agreed. The Justice Department agreed. \
                 Clinton and State Department and Justice Department lawyers met."
            ),
            [
                "State Department",
                "Justice Department",
                "Clinton",
                "State Department",
                "Justice Department"
            ]
        );
        // `Don’t` is no name, and a capitalised word seen in lower case is common.
        assert_eq!(
            mentions("Don’t worry. Weather is fine, the weather service said."),
            Vec::<String>::new()
        );
    }

    /// A plural possessive inside an organization's name keeps the name
    /// whole (`Workers’ Union`), and its acronym joins it; one that ends a
    /// name is that name's.
    #[test]
    fn a_plural_possessive_inside_a_name_keeps_it_whole() {
        assert_eq!(
            mentions("The Dock and Harbour Workers' Union called the strike. The DHWU said."),
            ["Dock and Harbour Workers' Union", "DHWU"]
        );
        assert_eq!(
            mentions("the Eastmarch Students’ Union voted on Tuesday."),
            ["Eastmarch Students’ Union"]
        );
        assert_eq!(mentions("The Smiths' lawyer spoke."), ["Smiths"]);
        // A quotation's closing mark is no possessive.
        assert_eq!(
            mentions("He called them ‘the Lost Boys’ Acme Shipping said."),
            ["Lost Boys", "Acme Shipping"]
        );
        let text = "The Eastmarch Students’ Union said.";
        let doc = Document::new("d", text);
        let w = words(text, &Tokenizer::new().tokenize(&doc));
        assert_eq!(w[2].text, "Students");
        assert!(w[2].possessive);
        assert_eq!(w[2].possessive_suffix(), "’");
    }

    /// A lower-case particle joined to a name by a hyphen (`al-Amin`,
    /// `el-Sayed`) is part of the name, and the name without the first
    /// name (`Al-Amin` opening a sentence) is the same surname.
    #[test]
    fn a_hyphenated_lower_case_particle_is_part_of_a_name() {
        assert_eq!(
            mentions("said Omar al-Amin, the director. Al-Amin added that al-Amin's staff agreed."),
            ["Omar al-Amin", "Al-Amin", "al-Amin"]
        );
        assert_eq!(mentions("the al-Qaeda and the self-Made"), ["al-Qaeda"]);
    }

    /// `and` joins what ends as an organization's name, and a word of a
    /// body's remit after its head and `of`, but not a person's full name
    /// to a firm.
    #[test]
    fn and_joins_no_person_to_a_firm() {
        assert_eq!(
            mentions("The Ministry of Commerce and Industry and the Department of Health and Human Services met Tom Berg."),
            ["Ministry of Commerce and Industry", "Department of Health and Human Services", "Tom Berg"]
        );
        assert_eq!(
            mentions("The Ministry of Water and Irrigation met Tom Berg."),
            ["Ministry of Water and Irrigation", "Tom Berg"]
        );
        assert_eq!(
            mentions("The Ministry of Fisheries and Marine Resources met the Ministry of Housing and Local Government."),
            ["Ministry of Fisheries and Marine Resources", "Ministry of Housing and Local Government"]
        );
        assert_eq!(
            mentions("The Department of Justice and Hillary Clinton disagreed."),
            ["Department of Justice", "Hillary Clinton"]
        );
        assert_eq!(
            mentions("Tom Berg and Lydd Mining reached a deal with the Securities and Exchange Commission."),
            ["Tom Berg", "Lydd Mining", "Securities and Exchange Commission"]
        );
    }

    #[test]
    fn headlines_only_give_names_the_text_has() {
        let got = mentions(
            "Obama on Climate Change: The Trend Is Terrifying\n\nPresident Obama spoke on climate change in Hawaii.",
        );
        assert_eq!(got, ["Obama", "Obama", "Hawaii"]);
    }
}
