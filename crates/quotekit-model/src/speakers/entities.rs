//! The people and organizations a document names: name mentions grouped
//! into entities, each named by its fullest form in the document (the
//! canonical name a reader files a quote under), typed and gendered as far
//! as the text shows.
//! The file runs a little over 500 lines with its tests: grouping, typing and naming entities are read together.

use crate::speakers::gender::{first_name_gender, is_full_person_name, Gender};
use crate::speakers::lexicon::*;
use crate::speakers::mentions::{
    age_after, bracketed_acronym, name_mentions, words, NameMention, Word,
};
use quotekit_data::{Document, Tokenized};

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityType {
    /// A person.
    Person,
    /// An organization, outlet, institution, government or place.
    Organization,
    /// A group of people, which has no one name.
    Group,
    /// Not known.
    Unknown,
}

/// A person or organization the document names.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// The fullest name, as written.
    pub name: Vec<String>,
    /// The name's words in lower case ([`key`]).
    pub keys: Vec<String>,
    /// Its mentions (indices into the name mentions).
    pub mentions: Vec<usize>,
    /// What it is.
    pub kind: EntityType,
    /// Gender, for persons.
    pub gender: Gender,
}

impl Entity {
    /// The canonical name (`None` for a group).
    pub fn canonical(&self) -> Option<String> {
        (self.kind != EntityType::Group).then(|| self.name.join(" "))
    }

    /// True when it is typed a person or pronouns gave it a gender: what
    /// `it` and `which` cannot mean, and `the company` cannot name.
    pub fn is_person_like(&self) -> bool {
        self.kind == EntityType::Person || self.gender != Gender::Unknown
    }
}

/// True when a mention of `part` can mean the entity named `whole`: its
/// words are all in `whole` and it ends with `whole`'s last word (a surname,
/// `Post` for the Washington Post), or it is `whole`'s first word (a first name).
pub fn compatible(part: &[String], whole: &[String]) -> bool {
    compatible_cores(without_suffixes(part), without_suffixes(whole))
        && suffixes_agree(suffix(part), suffix(whole))
}

/// The suffixes (`Jr.`, `III`) that end the name `keys`.
fn suffix(keys: &[String]) -> &[String] {
    &keys[without_suffixes(keys).len()..]
}

/// False when the suffixes of a name (`a`) and of a longer name it may be
/// part of (`b`) tell two men apart: both end with suffixes and not the
/// same ones (`Gregory Lyle Sr.`, `Gregory Lyle Jr.`), whom the guidelines
/// name apart, or only the part says whose son it is (`Conrad Jr.` is not
/// the `Conrad Dalgleish` a text writes without one). A name without one
/// may be either.
fn suffixes_agree(a: &[String], b: &[String]) -> bool {
    if b.is_empty() {
        return !a.iter().any(|w| is_generation(w));
    }
    a.is_empty() || a == b
}

/// [`compatible`] of two names whose suffixes (`Jr.`) are off.
fn compatible_cores(part: &[String], whole: &[String]) -> bool {
    if part.is_empty() || whole.is_empty() {
        return false;
    }
    if part.last() == whole.last() {
        return part.iter().all(|p| whole.contains(p));
    }
    if part.len() != 1 || whole.len() < 2 {
        return false;
    }
    // A first name (of a name that is no organization's or city's), a
    // firm's first word (`Halcyon` for Halcyon Systems), hyphenated or
    // not (`Jean-Luc`, `Harmon-Vane`), or an acronym.
    // (`U.N.` is an acronym, not the first name of the U.N. Charter.)
    let first_name = part[0] == whole[0]
        && part[0]
            .split('-')
            .all(|p| !p.is_empty() && p.chars().all(char::is_alphabetic));
    (first_name && (person_like(whole) || firm_like(whole))) || is_acronym_of(part, whole)
}

/// True when a name of two or three words is a firm's whose first word
/// alone names it: its other words are [`FIRM_WORDS`] (`Halcyon Systems`,
/// `Carlyle Group`, `Acme Media Group`; not `Carver County Council`).
fn firm_like(whole: &[String]) -> bool {
    whole.len() <= 3 && whole[1..].iter().all(|w| FIRM_WORDS.contains(w))
}

/// True when a name of two words or more, `whole`, may be a person's, whose
/// first word a first name alone stands for: three words at most besides
/// name particles after the first (`Anneke van der Sloot-Ferris`), no other
/// connector, not ending with an organization's head word.
fn person_like(whole: &[String]) -> bool {
    let particle = |k: usize| k > 0 && PARTICLES.contains(&whole[k]);
    (0..whole.len()).filter(|&k| !particle(k)).count() <= 3
        && !(0..whole.len()).any(|k| !particle(k) && CONNECTORS.contains(&whole[k]))
        && !ORGANIZATION_HEADS.contains(&whole[whole.len() - 1])
}

/// True when `part` is one word made of the initials of `whole`'s words,
/// where `and`, `of`, `the`, `for`, `on`, `to` and the like may count or not
/// (`IMF`, `S.E.C.`, `DNC`, `DOJ`, `AROS` for the Alliance to Reclaim Our
/// Schools).
fn is_acronym_of(part: &[String], whole: &[String]) -> bool {
    let [word] = part else {
        return false;
    };
    if whole.len() < 2 || word.len() < 2 {
        return false;
    }
    // (Most pairs differ in their first letter; `compatible` runs for many.)
    let first = word.chars().find(|c| c.is_alphabetic());
    if !is_small_word(&whole[0]) && first != whole[0].chars().next() {
        return false;
    }
    let mut buf = ['\0'; 16];
    let mut n = 0;
    for c in word.chars().filter(|c| c.is_alphabetic()) {
        if n == buf.len() {
            return false;
        }
        buf[n] = c;
        n += 1;
    }
    n >= 2 && initials_match(&buf[..n], whole) && may_have_acronym(whole)
}

/// True when an acronym may stand for the name `whole` (lower case): it has
/// an organization's head word, a connector or `and` (`Bank of America`,
/// `Securities and Exchange Commission`), as a person's name has not.
fn may_have_acronym(whole: &[String]) -> bool {
    whole
        .iter()
        .any(|w| ORGANIZATION_HEADS.contains(w) || CONNECTORS.contains(w) || w == "and")
}

fn entity_type(keys: &[String], titles: &[&str]) -> EntityType {
    let last = keys.last().map(String::as_str).unwrap_or("");
    if keys.len() == 1 && GROUPS.contains(last) {
        return EntityType::Group;
    }
    if titles.iter().any(|t| NAME_TITLES.contains(t)) {
        return EntityType::Person;
    }
    if ORGANIZATION_HEADS.contains(last)
        || keys
            .iter()
            .any(|k| matches!(k.as_str(), "of" | "for" | "on" | "&"))
        || (NEWSPAPER_HEADS.contains(last)
            && keys.len() >= 2
            && first_name_gender(&keys[0]).is_none())
    {
        return EntityType::Organization;
    }
    if is_full_person_name(keys) {
        return EntityType::Person;
    }
    EntityType::Unknown
}

/// Hashes and letters of a name (suffixes off) that rule out most pairs
/// before [`compatible_cores`] compares their words.
struct Quick {
    /// Words.
    len: usize,
    /// Hashes of the first and last words.
    first: u64,
    last: u64,
    /// The first letter of the first word (what an acronym of the name
    /// begins with, unless that word is small).
    lead: Option<char>,
    /// Whether the first word is small (an acronym may skip it).
    small: bool,
    /// For one word, its first letter (an acronym's first letter).
    initial: Option<char>,
}

impl Quick {
    /// The hash of a word of a name (none: no word), as `first` and `last`
    /// hold them.
    fn hash(w: Option<&String>) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        w.hash(&mut h);
        h.finish()
    }

    fn of(core: &[String]) -> Self {
        Self {
            len: core.len(),
            first: Self::hash(core.first()),
            last: Self::hash(core.last()),
            lead: core.first().and_then(|w| w.chars().next()),
            small: core.first().is_some_and(|w| is_small_word(w)),
            initial: core
                .first()
                .and_then(|w| w.chars().find(|c| c.is_alphabetic())),
        }
    }

    /// False when `compatible_cores(self, whole)` is sure to be false: the
    /// last words differ, and it is no first name or acronym of `whole`.
    fn may_fit(&self, whole: &Quick) -> bool {
        self.len > 0
            && whole.len > 0
            && (self.last == whole.last
                || (self.len == 1
                    && whole.len >= 2
                    && (self.first == whole.first || whole.small || self.initial == whole.lead)))
    }
}

/// Up to this many roots, a name is compared with each (cheaper, for the
/// few names of most texts, than building the index).
const FEW_ROOTS: usize = 48;

/// The roots found so far, indexed by what [`Quick::may_fit`] compares
/// (once there are more than [`FEW_ROOTS`]): the roots a name may fit,
/// without a pass over all of them.
#[derive(Default)]
struct RootIndex {
    /// Whether the roots so far are in the maps.
    built: bool,
    /// Roots (positions in the list of roots) by the hash of their last word.
    by_last: rustc_hash::FxHashMap<u64, Vec<usize>>,
    /// Roots by the hashes of their last word and of each of their other
    /// words: those a name of two or more words may fit, which has the
    /// root's last word last and each of its words among the root's
    /// (`Kakaka Clinton` is offered no other Clinton of the text than those
    /// with a `Kakaka`).
    by_last_and_word: rustc_hash::FxHashMap<(u64, u64), Vec<usize>>,
    /// Roots of two or more words by the hash of their first word.
    by_first: rustc_hash::FxHashMap<u64, Vec<usize>>,
    /// Roots of two or more words that an acronym may stand for
    /// ([`may_have_acronym`]) by their first letter.
    by_lead: rustc_hash::FxHashMap<Option<char>, Vec<usize>>,
    /// Roots of two or more words that an acronym may stand for whose first
    /// word is small. (A person's name is in neither list: a text of many
    /// people whose names begin with a few letters offers none of them to
    /// every word that may be an acronym.)
    small: Vec<usize>,
}

impl RootIndex {
    /// Adds root `r` (the next position) of name `core`, whose [`Quick`] is
    /// `q`, once built.
    fn push(&mut self, r: usize, q: &Quick, core: &[String]) {
        if self.built {
            self.insert(r, q, core);
        }
    }

    fn insert(&mut self, r: usize, q: &Quick, core: &[String]) {
        if q.len == 0 {
            return;
        }
        self.by_last.entry(q.last).or_default().push(r);
        // (Its last word's roots are `by_last`'s.)
        for w in &core[..core.len() - 1] {
            let with = self
                .by_last_and_word
                .entry((q.last, Quick::hash(Some(w))))
                .or_default();
            // (A word twice in the name: the root once.)
            if with.last() != Some(&r) {
                with.push(r);
            }
        }
        if q.len >= 2 {
            self.by_first.entry(q.first).or_default().push(r);
            if may_have_acronym(core) {
                self.by_lead.entry(q.lead).or_default().push(r);
                if q.small {
                    self.small.push(r);
                }
            }
        }
    }

    /// The positions of the roots (names `roots`, whose [`Quick`]s are
    /// `quick` and whose words are `cores`) a name of [`Quick`] `q` may fit:
    /// a superset of those it fits, in order. All of them while they are
    /// few.
    fn may_fit(
        &mut self,
        q: &Quick,
        core: &[String],
        roots: &[usize],
        quick: &[Quick],
        cores: &[&[String]],
    ) -> Vec<usize> {
        if roots.len() <= FEW_ROOTS {
            return (0..roots.len()).collect();
        }
        if !self.built {
            self.built = true;
            for (r, &name) in roots.iter().enumerate() {
                self.insert(r, &quick[name], cores[name]);
            }
        }
        if q.len == 0 {
            return Vec::new();
        }
        if q.len >= 2 {
            // Its words must all be the root's, its last word last: the
            // shortest of the lists of its other words (for a word that is
            // also its last word, `by_last`, every root of which has it).
            return core[..core.len() - 1]
                .iter()
                .map(|w| match Quick::hash(Some(w)) {
                    h if h == q.last => self.by_last.get(&q.last),
                    h => self.by_last_and_word.get(&(q.last, h)),
                })
                .map(|roots| roots.map_or(&[][..], Vec::as_slice))
                .min_by_key(|roots| roots.len())
                .map_or_else(Vec::new, <[usize]>::to_vec);
        }
        // One word: its surname's roots, and those it may be the first name
        // or an acronym of.
        let mut out = self.by_last.get(&q.last).cloned().unwrap_or_default();
        out.extend(self.by_first.get(&q.first).into_iter().flatten());
        out.extend_from_slice(&self.small);
        out.extend(self.by_lead.get(&q.initial).into_iter().flatten());
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The document's entities: distinct names, longest first, each joining
/// the first longer name it is compatible with or becoming an entity's root;
/// a mention compatible with several roots (`Clinton` with Hillary and Bill
/// Clinton) joins the one named most recently before it, else the one with
/// most mentions of its own; where those roots are one name apart from a
/// son's or father's suffix (`Brent Bozell III`, `Brent Bozell, Jr.`), the
/// one with the mention's own suffix, else the one named first. A full
/// name written bare beside the same name with `Jr.` or `Sr.` is a root of
/// its own (the other man). An entity is named by its root as first written.
pub fn entities(mentions: &[NameMention]) -> Vec<Entity> {
    // Distinct names in order of first mention (`names[k]`), each mention's
    // name, and how many mentions each has.
    let mut id_of: rustc_hash::FxHashMap<&[String], usize> = Default::default();
    let mut names: Vec<&[String]> = Vec::new();
    let mut count: Vec<usize> = Vec::new();
    // (And each name's first mention.)
    let mut first_of: Vec<usize> = Vec::new();
    let name_of: Vec<usize> = mentions
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let k = m.keys.as_slice();
            let id = *id_of.entry(k).or_insert_with(|| {
                names.push(k);
                count.push(0);
                first_of.push(i);
                names.len() - 1
            });
            count[id] += 1;
            id
        })
        .collect();
    drop(id_of);
    // (Suffixes off once per name, not once per comparison.)
    let mut cores: Vec<&[String]> = names.iter().map(|n| without_suffixes(n)).collect();
    let suffixes: Vec<&[String]> = names.iter().map(|n| suffix(n)).collect();
    misspelled_surnames(&mut cores);
    spelled_out_initials(&mut cores);
    // What `compatible_cores` needs to be true, cheap to compare: most
    // pairs differ in their last word and are no first name or acronym.
    let quick: Vec<Quick> = cores.iter().map(|c| Quick::of(c)).collect();
    // A full name written bare beside the same name with one suffix, `Jr.`
    // or `Sr.` (`Aldous Fenwright`, `Aldous Fenwright Jr.`), is the other
    // man: the suffix is how the text tells the son from the father.
    // (Beside two suffixes, `Brent Bozell Jr.` and `Brent Bozell III`, it
    // may be either; beside a roman numeral, the same man: `John Paul II`.)
    let mut suffixed: rustc_hash::FxHashMap<&[String], Option<&[String]>> = Default::default();
    for (&core, &s) in cores.iter().zip(&suffixes) {
        if core.len() >= 2 && !s.is_empty() && s.iter().all(|w| is_son_or_father(w)) {
            suffixed
                .entry(core)
                .and_modify(|one| *one = one.filter(|&o| o == s))
                .or_insert(Some(s));
        }
    }
    // (Whether any name ends with a son's, a father's or a numeral suffix.)
    let generations_written = suffixes.iter().any(|s| s.iter().any(|w| is_generation(w)));
    let generation_apart = |n: usize, root: usize| {
        suffixes[n].is_empty() != suffixes[root].is_empty()
            && cores[n] == cores[root]
            && suffixed.get(cores[n]).is_some_and(Option::is_some)
    };
    let fits = |n: usize, root: usize| {
        quick[n].may_fit(&quick[root])
            && compatible_cores(cores[n], cores[root])
            && suffixes_agree(suffixes[n], suffixes[root])
            && !generation_apart(n, root)
    };
    // The gender each mention's titles show (`Mr.`, `Mrs.`), asked by the
    // three passes below.
    let genders: Vec<Gender> = mentions.iter().map(|m| title_gender(&m.titles)).collect();
    // Roots (names), longest first (then in text order).
    let mut by_length: Vec<usize> = (0..names.len()).collect();
    by_length.sort_by_key(|&n| std::cmp::Reverse(names[n].len()));
    let mut roots: Vec<usize> = Vec::new();
    let mut index = RootIndex::default();
    // The roots name `n` fits, in order (through the index: a text with
    // many names would otherwise compare every pair; while they are few,
    // each, as the index would offer them).
    let fitting = |n: usize, roots: &[usize], index: &mut RootIndex| -> Vec<usize> {
        if roots.len() <= FEW_ROOTS {
            return (0..roots.len()).filter(|&r| fits(n, roots[r])).collect();
        }
        index
            .may_fit(&quick[n], cores[n], roots, &quick, &cores)
            .into_iter()
            .filter(|&r| fits(n, roots[r]))
            .collect()
    };
    let mut is_root = vec![false; names.len()];
    for n in by_length {
        // (Whether it fits any: while the roots are few, without a list.)
        let fits_none = if roots.len() <= FEW_ROOTS {
            !roots.iter().any(|&root| fits(n, root))
        } else {
            fitting(n, &roots, &mut index).is_empty()
        };
        if fits_none {
            index.push(roots.len(), &quick[n], cores[n]);
            roots.push(n);
            is_root[n] = true;
        }
    }
    // `Mr. Obama` where the only full name is Michelle Obama's is someone
    // else: his name is a root of its own before any mention is assigned,
    // so that a plain `Obama` can join him.
    for (m, &k) in name_of.iter().enumerate() {
        let gender = genders[m];
        if gender == Gender::Unknown || is_root[k] {
            continue;
        }
        let could_join = fitting(k, &roots, &mut index);
        let own_root = !could_join.is_empty()
            && could_join
                .iter()
                .all(|&r| !title_agrees(gender, names[roots[r]]));
        if own_root {
            index.push(roots.len(), &quick[k], cores[k]);
            roots.push(k);
            is_root[k] = true;
        }
    }
    // Per root, the mentions whose titles' gender only it agrees with (`Mr.
    // Obama` for Barack, not Michelle Obama): where a name fits several
    // roots none of which was named yet, it joins the one with most.
    let mut votes = vec![0usize; roots.len()];
    for (m, &k) in name_of.iter().enumerate() {
        let gender = genders[m];
        if gender == Gender::Unknown || names[k].len() != 1 || is_root[k] {
            continue;
        }
        let fit = fitting(k, &roots, &mut index);
        let mut agreeing = fit
            .into_iter()
            .filter(|&r| title_agrees(gender, names[roots[r]]));
        if let (Some(r), None) = (agreeing.next(), agreeing.next()) {
            votes[r] += 1;
        }
    }
    let mut exact: Vec<usize> = roots.iter().map(|&r| count[r]).collect();
    // Per name, the root it is (`None`: it is no root).
    let mut root_of: Vec<Option<usize>> = vec![None; names.len()];
    for (i, &r) in roots.iter().enumerate() {
        root_of[r] = Some(i);
    }
    // Per name, the roots it is compatible with, in order, and how many
    // roots there were when they were listed (a root added since is
    // checked when the name next asks: a text that adds many roots here
    // does not list every name's roots again each time).
    let mut compatible_roots: Vec<Option<(Vec<usize>, usize)>> = vec![None; names.len()];
    let mut last_seen: Vec<Option<usize>> = vec![None; roots.len()];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); roots.len()];
    // The root each mention so far went to, in text order.
    let mut went_to: Vec<usize> = Vec::with_capacity(name_of.len());
    for (m, &k) in name_of.iter().enumerate() {
        // `Mr. Obama` is not Michelle Obama.
        let gender = genders[m];
        let agrees = |r: usize| title_agrees(gender, names[roots[r]]);
        let target = root_of[k].filter(|&r| agrees(r)).or_else(|| {
            let (compatible, listed) = compatible_roots[k]
                .get_or_insert_with(|| (fitting(k, &roots, &mut index), roots.len()));
            compatible.extend((*listed..roots.len()).filter(|&r| fits(k, roots[r])));
            *listed = roots.len();
            // Where they are one name apart from their suffixes, one of them
            // a son's or father's (`L. Brent Bozell III` and his father
            // `Brent Bozell, Jr.`), the one whose suffix is the mention's
            // own (`Jr.` for `Conrad Jr.`; none for `Bozell`, where one has
            // none), else the one named first, whom the article is about:
            // the other comes in as a relative. (Only in a text that writes
            // such a suffix: no list of roots is made for the others.)
            let agreeing: Vec<usize> = if generations_written {
                compatible.iter().copied().filter(|&r| agrees(r)).collect()
            } else {
                Vec::new()
            };
            if let [a, _, ..] = agreeing[..] {
                let (x, y) = (cores[roots[a]], |r: usize| cores[roots[r]]);
                let one_name = |&r: &usize| compatible_cores(y(r), x) || compatible_cores(x, y(r));
                let generations = agreeing
                    .iter()
                    .any(|&r| suffixes[roots[r]].iter().any(|w| is_generation(w)));
                if generations && agreeing.iter().all(one_name) {
                    return agreeing
                        .iter()
                        .copied()
                        .min_by_key(|&r| (suffixes[roots[r]] != suffixes[k], first_of[roots[r]]));
                }
            }
            // The one named most recently, else the one with the most votes
            // and mentions of its own, as written first (the full
            // comparison below). A shortcut to the same choice: walking
            // back over the last mentions, no further than the comparison
            // costs, finds the compatible root named last, if any of them
            // was (a text of many people of one surname asks this of many
            // `Clinton`s).
            let recent = went_to
                .iter()
                .rev()
                .take(compatible.len())
                .copied()
                .find(|&r| agrees(r) && compatible.binary_search(&r).is_ok());
            recent.or_else(|| {
                compatible
                    .iter()
                    .copied()
                    .filter(|&r| agrees(r))
                    .max_by_key(|&r| (last_seen[r], votes[r], exact[r], std::cmp::Reverse(r)))
            })
        });
        let r = target.unwrap_or_else(|| {
            root_of[k].get_or_insert(roots.len());
            index.push(roots.len(), &quick[k], cores[k]);
            roots.push(k);
            votes.push(0);
            exact.push(1);
            last_seen.push(None);
            members.push(Vec::new());
            roots.len() - 1
        });
        members[r].push(m);
        last_seen[r] = Some(m);
        went_to.push(r);
    }
    let mut out = Vec::new();
    for (&r, members) in roots.iter().zip(members) {
        if members.is_empty() {
            continue;
        }
        let root = names[r];
        // The root's name as written: by a member, or by the mention that
        // went to an entity of its own (`Mrs. John Smith`, apart from the
        // John Smith a plain `Smith` joined), never its lower-case keys.
        let written = (members.iter().copied().find(|&m| name_of[m] == r)).unwrap_or(first_of[r]);
        let name = mentions[written].name.clone();
        let titles: Vec<&str> = members
            .iter()
            .flat_map(|&m| mentions[m].titles.iter().map(String::as_str))
            .collect();
        let kind = entity_type(root, &titles);
        let gender = match title_gender(&titles) {
            Gender::Unknown => first_name_gender(&root[0]).unwrap_or(Gender::Unknown),
            g => g,
        };
        out.push(Entity {
            name,
            keys: root.to_vec(),
            mentions: members,
            kind,
            gender,
        });
    }
    // Text order of first mention, so entity ids follow the document.
    out.sort_by_key(|e| e.mentions[0]);
    out
}

/// A lone word that fits no longer name but is one letter off the surname
/// of exactly one (`Wines` where the text names Leslie Wimes, `McLenney`
/// for Tyresha McClenney) is read as that surname: a misspelling.
fn misspelled_surnames(cores: &mut [&[String]]) {
    // The surnames of the names of two or more words (which this leaves as
    // they are) by their first and last bytes and length: what two words
    // one edit apart share (a text with many names compares few pairs).
    let shape = |w: &str, len: usize| {
        let b = w.as_bytes();
        (b.first().copied(), b.last().copied(), len)
    };
    let mut surnames: rustc_hash::FxHashMap<_, Vec<&[String]>> = Default::default();
    for &c in cores.iter().filter(|c| c.len() >= 2) {
        let last = &c[c.len() - 1..];
        surnames
            .entry(shape(&last[0], last[0].len()))
            .or_default()
            .push(last);
    }
    // The lone words with a surname one letter off (rare: found first),
    // no first names; then, of those, the ones that are no name of their own
    // become the surname. (The names of two or more words, which the second
    // step asks about, are never changed.)
    let found: Vec<(usize, &[String])> = cores
        .iter()
        .enumerate()
        .filter_map(|(n, core)| {
            let [word] = core else {
                return None;
            };
            if word.len() < 5 {
                return None;
            }
            let surname = sole(
                [word.len() - 1, word.len(), word.len() + 1]
                    .into_iter()
                    .filter_map(|len| surnames.get(&shape(word, len)))
                    .flatten()
                    .copied()
                    .filter(|last| one_edit_apart(word, &last[0])),
            )?;
            first_name_gender(word).is_none().then_some((n, surname))
        })
        .collect();
    if found.is_empty() {
        return;
    }
    let longer = LongerNames::of(cores);
    for (n, surname) in found {
        if !longer.fits(cores[n]) {
            cores[n] = surname;
        }
    }
}

/// The names of two or more words of a text, held so that whether a word
/// alone fits one of them ([`compatible_cores`]) costs lookups, not a pass
/// over them: it fits one that ends with it, one whose first name it is,
/// or one it is an acronym of.
struct LongerNames<'a> {
    /// Their last words.
    lasts: rustc_hash::FxHashSet<&'a str>,
    /// The first words of those that may be a person's (what a first name
    /// alone may stand for).
    firsts: rustc_hash::FxHashSet<&'a str>,
    /// Those that an acronym may stand for ([`may_have_acronym`]).
    acronymous: Vec<&'a [String]>,
}

impl<'a> LongerNames<'a> {
    fn of(cores: &[&'a [String]]) -> Self {
        let mut out = Self {
            lasts: Default::default(),
            firsts: Default::default(),
            acronymous: Vec::new(),
        };
        for &c in cores.iter().filter(|c| c.len() >= 2) {
            out.lasts.insert(&c[c.len() - 1]);
            if person_like(c) || firm_like(c) {
                out.firsts.insert(&c[0]);
            }
            if may_have_acronym(c) {
                out.acronymous.push(c);
            }
        }
        out
    }

    /// True when the name `part`, one word, is compatible with one of them,
    /// as `compatible_cores(part, name)` would say. (Its acronym check is a
    /// pass over the names an acronym may stand for: it is asked only of
    /// lone words one letter off a surname, which are rare.)
    fn fits(&self, part: &[String]) -> bool {
        let [word] = part else {
            return false;
        };
        let word = word.as_str();
        self.lasts.contains(word)
            || (self.firsts.contains(word) && word.chars().all(char::is_alphabetic))
            || self.acronymous.iter().any(|c| is_acronym_of(part, c))
    }
}

/// A name that opens with dotted initials (`U.N. Security Council`) is the
/// name that spells them out (`United Nations Security Council`), where the
/// text has exactly one such.
fn spelled_out_initials(cores: &mut [&[String]]) {
    for n in 0..cores.len() {
        let c = cores[n];
        if c.len() < 2 || !c[0].contains('.') {
            continue;
        }
        let letters: Vec<char> = c[0].chars().filter(|ch| ch.is_alphabetic()).collect();
        let k = letters.len();
        if k < 2 {
            continue;
        }
        let spelled_out = sole(cores.iter().copied().filter(|d| {
            d.len() == c.len() - 1 + k
                && d[k..] == c[1..]
                && d[..k].iter().zip(&letters).all(|(w, l)| w.starts_with(*l))
        }));
        if let Some(d) = spelled_out {
            cores[n] = d;
        }
    }
}

/// The name all of `names` are, when there is at least one and they are
/// all the same.
fn sole<'a>(mut names: impl Iterator<Item = &'a [String]>) -> Option<&'a [String]> {
    let first = names.next()?;
    names.all(|n| n == first).then_some(first)
}

/// True when `a` becomes `b` by changing, adding or removing one letter,
/// neither the first nor the last (`Khans` and `Israeli` are other words);
/// ASCII words only.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.first() != b.first()
        || a.last() != b.last()
        || a.len().abs_diff(b.len()) > 1
        || a == b
        || !a.is_ascii()
        || !b.is_ascii()
    {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[prefix + 1..] == long[prefix + 1..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// True when a mention whose titles show `gender` can be the person named
/// `root`: its first name, if it has one, is not of the other gender, and
/// it is no firm's name (`Mr. Smith` is not Smith LLP).
fn title_agrees(gender: Gender, root: &[String]) -> bool {
    gender == Gender::Unknown
        || root.len() < 2
        || (first_name_gender(&root[0]).is_none_or(|g| g == gender) && !firm_like(root))
}

/// The gender that titles show (`Mr.`, `Ms.`).
pub(crate) fn title_gender<S: AsRef<str>>(titles: &[S]) -> Gender {
    if titles.iter().any(|t| t.as_ref() == "mr") {
        Gender::Male
    } else if titles
        .iter()
        .any(|t| matches!(t.as_ref(), "mrs" | "ms" | "miss"))
    {
        Gender::Female
    } else {
        Gender::Unknown
    }
}

/// Entities of unknown type that are organizations or places: written in
/// capitals (`NATO`), countries, or mostly after `in`, `at`, `from` (`in
/// Honolulu`), or a first name alone once after `in`, `across` or
/// `throughout` (`in Charlotte`, though the text also says `Charlotte
/// officials`); and persons: a first name alone that is none of those
/// (`Melanie`, a voter, even in `a letter from Melanie`), a name of two
/// or more words after a role word in lower case (`economist Aparna
/// Mathur`), a name of one word with an age or a role after it (`Marek,
/// 47,`; longer names so typed sent pronouns astray in PolNeAR), and a
/// name that ends with `Jr.` or `Sr.` (`Luther Ames Jr.`).
fn places_and_acronyms(words: &[Word], mentions: &[NameMention], entities: &mut [Entity]) {
    for e in entities
        .iter_mut()
        .filter(|e| e.kind == EntityType::Unknown)
    {
        // (`NATO`; or a name that a mention of it in capitals spells out,
        // which joined it: `Alliance to Reclaim Our Schools` and `AROS`.)
        let spelled_out = |m: usize| match &mentions[m].keys[..] {
            [acronym] if e.keys.len() >= 2 && in_capitals(&mentions[m].name[0]) => {
                spells(acronym, &e.keys)
            }
            _ => false,
        };
        let acronym = (e.name.len() == 1 && in_capitals(&e.name[0]))
            || (e.mentions.iter().any(|&m| spelled_out(m)) && !is_full_person_name(&e.keys));
        let after = |m: usize| {
            let start = mentions[m].words.start;
            (start > 0).then(|| words[start - 1].key())
        };
        let located = e
            .mentions
            .iter()
            .filter(|&&m| {
                matches!(
                    after(m),
                    Some(
                        "in" | "at"
                            | "from"
                            | "near"
                            | "across"
                            | "throughout"
                            | "outside"
                            | "inside"
                    )
                )
            })
            .count();
        let first_name = e.keys.len() == 1 && first_name_gender(&e.keys[0]).is_some();
        // A first name alone is a place once it follows `in` (`in
        // Charlotte`); `at` and `from` also come before people (`a letter
        // from Melanie`).
        let placed = e
            .mentions
            .iter()
            .any(|&m| matches!(after(m), Some("in" | "throughout" | "across")));
        if acronym
            || located * 2 > e.mentions.len()
            || is_country(&e.keys)
            || (first_name && placed)
        {
            e.kind = EntityType::Organization;
        } else if first_name
            || (e.keys.len() >= 2 && e.mentions.iter().any(|&m| after_role(words, &mentions[m])))
            || (e.keys.len() == 1
                && e.mentions
                    .iter()
                    .any(|&m| apposed_person(words, &mentions[m])))
            || (e.keys.len() >= 3 && matches!(e.keys[e.keys.len() - 1].as_str(), "jr" | "sr"))
        {
            e.kind = EntityType::Person;
        }
    }
    // `U.N. Women`: a name that opens with the acronym of an organization
    // the text names (`United Nations`, or `U.N.` alone) is an
    // organization's; not one whose acronym names none (`AG Lynch`, `Navy
    // SEAL Ty Woods`, `J.R. Smith`), nor a name in capitals.
    let opens_with_acronym = |e: &Entity| {
        let [first, rest @ ..] = &e.name[..] else {
            return false;
        };
        e.kind == EntityType::Unknown
            && (2..=5).contains(&first.chars().filter(|c| c.is_alphabetic()).count())
            && in_capitals(first)
            && rest.iter().any(|w| w.chars().any(char::is_lowercase))
    };
    let acronym_led: Vec<usize> = (0..entities.len())
        .filter(|&k| opens_with_acronym(&entities[k]))
        .collect();
    // (The organizations' acronyms, only for a text that has such names.)
    if !acronym_led.is_empty() {
        let organizations = OrganizationAcronyms::of(entities);
        for k in acronym_led {
            if organizations.has(&entities[k].keys[0]) {
                entities[k].kind = EntityType::Organization;
            }
        }
    }
    // `the Clintons`: a family, a group.
    let surnames: Vec<String> = entities
        .iter()
        .filter(|e| e.name.len() >= 2)
        .filter_map(|e| e.keys.last().cloned())
        .collect();
    for e in entities.iter_mut().filter(|e| e.name.len() == 1) {
        let k = key(&e.name[0]);
        if k.strip_suffix('s')
            .is_some_and(|stem| surnames.iter().any(|s| s == stem))
        {
            e.kind = EntityType::Group;
        }
    }
}

/// True when the letters of `acronym` are the initials of the name
/// `keys` ([`initials_match`]).
fn spells(acronym: &str, keys: &[String]) -> bool {
    let letters: Vec<char> = acronym.chars().filter(|c| c.is_alphabetic()).collect();
    initials_match(&letters, keys)
}

/// A name of three words or more and the acronym in brackets right after
/// it (`Keswater Harbour Terminals (KHT)`) are one entity's, whatever the
/// name's words: the acronym's entity, a name of one word in capitals
/// whose letters are the name's initials, joins the name's. (Grouping
/// joins an acronym to a name only where the name may have one,
/// [`may_have_acronym`]: one with an organization's head word or a
/// connector.) Not a person's full name (`John Fitzgerald Kennedy (JFK)`),
/// nor a shorter name, which may be a person's or a place's (`Quillon
/// Drabe (QD)`, a dateline's `ALBANY PARK (AP)`). The entities stay in
/// order of first mention.
fn join_defined_acronyms(words: &[Word], mentions: &[NameMention], entities: &mut Vec<Entity>) {
    // (Most texts have none: no table of entities for them.)
    let bracketed: Vec<(usize, usize)> = (0..mentions.len())
        .filter_map(|m| Some((m, bracketed_acronym(words, mentions, m)?)))
        .collect();
    if bracketed.is_empty() {
        return;
    }
    let mut entity_of = vec![usize::MAX; mentions.len()];
    for (e, entity) in entities.iter().enumerate() {
        for &m in &entity.mentions {
            entity_of[m] = e;
        }
    }
    let mut joined = false;
    for (m, acronym) in bracketed {
        let mention = &mentions[m];
        let (from, into) = (entity_of[acronym], entity_of[m]);
        if from == into || from == usize::MAX || into == usize::MAX {
            continue;
        }
        let keys = &mention.keys;
        let spelled = match &entities[from].keys[..] {
            [letters] if in_capitals(&entities[from].name[0]) => {
                keys.len() >= 3 && !is_full_person_name(keys) && spells(letters, keys)
            }
            _ => false,
        };
        if !spelled {
            continue;
        }
        let moved = std::mem::take(&mut entities[from].mentions);
        for &k in &moved {
            entity_of[k] = into;
        }
        let into = &mut entities[into].mentions;
        into.extend(moved);
        into.sort_unstable();
        joined = true;
    }
    if joined {
        entities.retain(|e| !e.mentions.is_empty());
        entities.sort_by_key(|e| e.mentions[0]);
    }
}

/// The acronyms of a text's organizations: their names of one word (`U.N.`)
/// and the initials their longer names spell, small words counted or not
/// (as [`is_acronym_of`] reads them), held as lower-case letters in a set,
/// so that a text of many names costs in proportion to their number.
struct OrganizationAcronyms {
    /// Acronyms as lower-case letters alone (`un`).
    letters: rustc_hash::FxHashSet<String>,
}

impl OrganizationAcronyms {
    /// The spellings of one organization's name kept at most (a name of
    /// more small words than that gives none: no acronym spells it).
    const MAX_SPELLINGS: usize = 64;

    fn of(entities: &[Entity]) -> Self {
        let mut letters = rustc_hash::FxHashSet::default();
        for o in entities
            .iter()
            .filter(|o| o.kind == EntityType::Organization)
        {
            match &o.keys[..] {
                [one] => {
                    letters.insert(one.chars().filter(|c| c.is_alphabetic()).collect());
                }
                keys if may_have_acronym(keys) => {
                    let spellings = spellings(keys, Self::MAX_SPELLINGS);
                    letters.extend(spellings.into_iter().filter(|s| s.chars().count() >= 2));
                }
                _ => {}
            }
        }
        Self { letters }
    }

    /// True when `key`, a word in lower case, is one of them.
    fn has(&self, key: &str) -> bool {
        let letters: String = key.chars().filter(|c| c.is_alphabetic()).collect();
        self.letters.contains(&letters)
    }
}

/// The initials that `keys` spell, each small word's counted or not, as
/// [`initials_match`] reads them; none when there would be more than `max`.
fn spellings(keys: &[String], max: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for w in keys {
        let Some(first) = w.chars().next() else {
            continue;
        };
        let small = is_small_word(w);
        let mut next = Vec::with_capacity(out.len() * 2);
        for s in &out {
            if small {
                next.push(s.clone());
            }
            let mut with = s.clone();
            with.push(first);
            next.push(with);
        }
        if next.len() > max {
            return Vec::new();
        }
        out = next;
    }
    out
}

/// True when a mention follows a role word in lower case (`economist
/// Aparna Mathur`), where a person's name stands.
fn after_role(words: &[Word], m: &NameMention) -> bool {
    let start = m.words.start;
    start > 0 && {
        let w = &words[start - 1];
        w.text.chars().next().is_some_and(char::is_lowercase) && TITLES.contains(w.key())
    }
}

/// True when a mention is followed by what is said of a person after a
/// comma: an age (`Marek, 47,`: 1 to 110) or `a` or `an` and a role
/// within five words, before anything that begins a clause or a phrase
/// after the noun (`Tobias, a third-year student`; not `Millbrook, a town
/// whose mayor`).
fn apposed_person(words: &[Word], m: &NameMention) -> bool {
    let end = m.words.end;
    let key = |k: usize| words.get(k).map(|w| w.key());
    if key(end) != Some(",") {
        return false;
    }
    let age = age_after(words, end)
        .and_then(|n| n.parse::<u8>().ok())
        .is_some_and(|n| (1..=110).contains(&n));
    let after_noun = |w: &str| {
        matches!(
            w,
            "," | "whose"
                | "who"
                | "which"
                | "that"
                | "where"
                | "of"
                | "in"
                | "for"
                | "from"
                | "with"
                | "at"
                | "on"
        )
    };
    age || (matches!(key(end + 1), Some("a" | "an"))
        && (end + 2..end + 7)
            .map_while(|k| key(k).filter(|&w| !after_noun(w)))
            .any(is_role))
}

/// Genders the text shows: for a person of unknown gender, the pronouns of
/// the sentences where it is the only name (`he`/`his` or `she`/`her`) and
/// the nouns of one gender beside its names (`his wife, Rakeyia Scott`),
/// when one kind is at least twice as frequent.
fn pronoun_genders(
    tok: &Tokenized,
    words: &[Word],
    mentions: &[NameMention],
    entities: &mut [Entity],
    entity_of: &[Option<usize>],
) {
    // Per sentence, the one entity that is no organization its names are of
    // (`Some(None)`: several). (`He’s been investigated by Congress`: an
    // organization takes no `he` or `she`.)
    let mut sole: Vec<Option<Option<usize>>> = vec![None; tok.sentences.len()];
    for (m, mention) in mentions.iter().enumerate() {
        let Some(e) = entity_of[m].filter(|&e| entities[e].kind != EntityType::Organization) else {
            continue;
        };
        if let Some(s) = sole.get_mut(mention.sentence) {
            *s = match *s {
                None => Some(Some(e)),
                Some(Some(f)) if f == e => Some(Some(e)),
                _ => Some(None),
            };
        }
    }
    let mut counts = vec![(0usize, 0usize); entities.len()];
    for (i, word) in words.iter().enumerate() {
        let key = word.key();
        // (Every pronoun below begins with `h` or `s`: most words are
        // passed over on their first byte.)
        if !matches!(key.as_bytes().first(), Some(b'h' | b's')) {
            continue;
        }
        let male = matches!(key, "he" | "him" | "his" | "himself");
        let female = matches!(key, "she" | "her" | "hers" | "herself");
        if !male && !female {
            continue;
        }
        // `his wife, Rakeyia Scott`: the pronoun is someone else's.
        let apposition = matches!(word.key(), "his" | "her")
            && words
                .get(i + 1)
                .is_some_and(|w| gendered_noun(w.key()).is_some())
            && words
                .get(i + 2)
                .is_some_and(|w| w.text == "," || w.capitalised());
        if apposition {
            continue;
        }
        let sentence = tok
            .sentences
            .partition_point(|s| s.end <= word.tokens.start);
        if let Some(Some(Some(e))) = sole.get(sentence) {
            if male {
                counts[*e].0 += 1;
            } else {
                counts[*e].1 += 1;
            }
        }
    }
    // Nouns of one gender beside a name: `his wife, Rakeyia Scott`,
    // `spokeswoman Jen Psaki`, `Jane Doe, her mother,`.
    for (m, mention) in mentions.iter().enumerate() {
        let Some(e) = entity_of[m] else { continue };
        let r = &mention.words;
        let mut cues: [Option<&str>; 2] = [None, None];
        // Just before it (a comma between allowed).
        let mut k = r.start;
        if k > 0 && words[k - 1].text == "," {
            k -= 1;
        }
        if k > 0 {
            cues[0] = Some(words[k - 1].key());
        }
        // After it, past a comma and a determiner or possessive.
        if !mention.possessive && words.get(r.end).is_some_and(|w| w.text == ",") {
            let mut j = r.end + 1;
            if words
                .get(j)
                .is_some_and(|w| matches!(w.key(), "his" | "her" | "the" | "a" | "an" | "whose"))
            {
                j += 1;
            }
            cues[1] = words.get(j).map(Word::key);
        }
        for cue in cues.into_iter().flatten() {
            match gendered_noun(cue) {
                Some(Gender::Male) => counts[e].0 += 1,
                Some(Gender::Female) => counts[e].1 += 1,
                _ => {}
            }
        }
    }
    for (e, (m, f)) in entities.iter_mut().zip(counts) {
        if e.gender == Gender::Unknown && e.kind != EntityType::Organization {
            if m > 0 && m >= 2 * f {
                e.gender = Gender::Male;
            } else if f > 0 && f >= 2 * m {
                e.gender = Gender::Female;
            }
        }
    }
}

/// The gender of a noun for a person that has one (`wife`, `spokesman`).
fn gendered_noun(word: &str) -> Option<Gender> {
    match word {
        "wife" | "mother" | "daughter" | "sister" | "woman" | "widow" | "girlfriend"
        | "grandmother" | "aunt" | "niece" | "spokeswoman" | "congresswoman" | "chairwoman"
        | "businesswoman" | "actress" | "girl" | "lady" | "queen" | "princess"
        | "granddaughter" | "stepmother" | "councilwoman" => Some(Gender::Female),
        "husband" | "father" | "son" | "brother" | "man" | "widower" | "boyfriend"
        | "grandfather" | "uncle" | "nephew" | "spokesman" | "congressman" | "businessman"
        | "actor" | "boy" | "king" | "prince" | "grandson" | "stepfather" | "councilman" => {
            Some(Gender::Male)
        }
        _ => None,
    }
}

/// Words, name mentions and entities of a document.
#[derive(Debug, Clone, Default)]
pub struct Names<'t> {
    /// The words.
    pub words: Vec<Word<'t>>,
    /// The name mentions, in text order.
    pub mentions: Vec<NameMention>,
    /// The entities.
    pub entities: Vec<Entity>,
    /// For each mention, its entity.
    pub entity_of: Vec<Option<usize>>,
}

impl<'t> Names<'t> {
    /// Finds them in a tokenized document.
    pub fn of(doc: &'t Document, tok: &Tokenized) -> Self {
        let words = words(doc.text(), tok);
        let mentions = name_mentions(doc.text(), tok, &words);
        let mut entities = entities(&mentions);
        join_defined_acronyms(&words, &mentions, &mut entities);
        let mut entity_of = vec![None; mentions.len()];
        for (e, entity) in entities.iter().enumerate() {
            for &m in &entity.mentions {
                entity_of[m] = Some(e);
            }
        }
        places_and_acronyms(&words, &mentions, &mut entities);
        pronoun_genders(tok, &words, &mentions, &mut entities, &entity_of);
        Self {
            words,
            mentions,
            entities,
            entity_of,
        }
    }

    /// The lookup form of word `k` ([`Word::key`]), if there is one.
    pub(crate) fn word_key(&self, k: usize) -> Option<&str> {
        self.words.get(k).map(|w| w.key())
    }

    /// The entity whose canonical name is `name` (for tests).
    #[cfg(test)]
    pub(crate) fn entity_named(&self, name: &str) -> Option<usize> {
        self.entities
            .iter()
            .position(|e| e.canonical().as_deref() == Some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::Tokenizer;

    /// A name's keys, its words split at spaces.
    fn keys(name: &str) -> Vec<String> {
        name.split(' ').map(String::from).collect()
    }

    fn names(text: &str) -> Names<'static> {
        let doc: &'static Document = Box::leak(Box::new(Document::new("d", text)));
        Names::of(doc, &Tokenizer::new().tokenize(doc))
    }

    /// The entity named `name` (its words joined by spaces).
    fn entity<'n>(n: &'n Names, name: &str) -> &'n Entity {
        n.entities
            .iter()
            .find(|e| e.name.join(" ") == name)
            .unwrap_or_else(|| panic!("no entity {name}"))
    }

    /// A father and his son, both named with their suffixes, are two
    /// entities (they were one); a name without a suffix still joins a name
    /// with one: the one named first, whom the text is about (PolNeAR
    /// train's `Brent Bozell III`, whose father comes in later as `Brent
    /// Bozell, Jr.`: every later `Bozell` is the son's).
    #[test]
    fn jr_and_sr_are_two_people() {
        let n = names(
            "Mayor Gregory Lyle Jr. spoke first. His father, Gregory Lyle Sr., \
             spoke next. Gregory Lyle thanked them. Lyle left.",
        );
        let son = entity(&n, "Gregory Lyle Jr.");
        let father = entity(&n, "Gregory Lyle Sr.");
        assert_ne!(son, father);
        assert_eq!(son.mentions.len(), 3, "{:?}", n.entities);
        assert_eq!(father.mentions.len(), 1, "{:?}", n.entities);
        assert!(!compatible(
            &keys("gregory lyle sr"),
            &keys("gregory lyle jr")
        ));
        assert!(compatible(&keys("lyle"), &keys("gregory lyle jr")));
        assert!(compatible(
            &keys("gregory lyle jr"),
            &keys("gregory lyle jr")
        ));
        // A suffix after a comma is the name's.
        let n = names(
            "L. Brent Bozell III spoke. His father, Brent Bozell, Jr., wrote \
             speeches. Bozell said so.",
        );
        let father = entity(&n, "Brent Bozell Jr.");
        assert_eq!(father.mentions.len(), 1, "{:?}", n.entities);
        assert_eq!(entity(&n, "L. Brent Bozell III").mentions.len(), 2);
    }

    /// A full name written bare beside the same name with a suffix is the
    /// other man (a father whose son is `Jr.`), and a mention with a suffix
    /// is not a man named without one; a surname goes to the bare name.
    #[test]
    fn a_bare_name_beside_its_jr_is_the_father() {
        let n = names(
            "Aldous Fenwright died on Sunday. His son, Aldous Fenwright Jr., \
             spoke. Fenwright had served three terms. Aldous Jr. said more.",
        );
        let father = entity(&n, "Aldous Fenwright");
        let son = entity(&n, "Aldous Fenwright Jr.");
        assert_ne!(father, son);
        assert_eq!(father.mentions.len(), 2, "{:?}", n.entities);
        assert_eq!(son.mentions.len(), 2, "{:?}", n.entities);
        assert!(!compatible(&keys("aldous jr"), &keys("aldous fenwright")));
        assert!(compatible(&keys("aldous jr"), &keys("aldous fenwright jr")));
        // A name that is no bare twin still joins one with a suffix.
        let n = names("Joseph R. Biden Jr. spoke. Joseph Biden and Biden left.");
        assert_eq!(n.entities.len(), 1, "{:?}", n.entities);
    }

    /// A name and its acronym in brackets are one entity, though the name
    /// has no organization's head word; not where the letters are not its
    /// initials, nor for a name of two words or a person's full name. A
    /// newspaper's name is an organization's, a person's of such a surname
    /// not.
    #[test]
    fn an_acronym_in_brackets_joins_the_name_before_it() {
        let n = names(
            "The port's operator, Keswater Harbour Terminals (KHT), wants cranes. \
             KHT said it would keep one terminal open.",
        );
        let kht = entity(&n, "Keswater Harbour Terminals");
        assert_eq!(kht.mentions.len(), 3, "{:?}", n.entities);
        assert_eq!(kht.kind, EntityType::Organization);
        assert_eq!(entity_of_word(&n, "KHT"), kht);
        let n = names("Her firm, Marlow Fenn Partners (MFQ), said so. MFQ said more.");
        assert_ne!(
            entity_of_word(&n, "MFQ"),
            entity(&n, "Marlow Fenn Partners")
        );
        // Not a shorter name, which may be a person's or a place's, nor a
        // person's full name.
        for text in [
            "Quillon Drabe (QD) said so. QD agreed.",
            "Albany Park (AP) residents said so. The AP said more.",
            "John Fitzgerald Kennedy (JFK) spoke. JFK smiled.",
        ] {
            let n = names(text);
            assert!(n.entities.len() >= 2, "{text}: {:?}", n.entities);
        }
        // The entities stay in order of first mention.
        let n = names("KHT said so. Keswater Harbour Terminals (KHT) agreed. Ann Lee did not.");
        let firsts: Vec<usize> = n.entities.iter().map(|e| e.mentions[0]).collect();
        assert!(firsts.windows(2).all(|w| w[0] < w[1]), "{:?}", n.entities);
        assert_eq!(n.entities[0].name.join(" "), "Keswater Harbour Terminals");
        // A newspaper's name is an organization's; a person's whose
        // surname is a newspaper's word is not.
        let n = names("The Brannock Ledger reported it. In an interview with the Ledger, he said.");
        assert_eq!(entity(&n, "Brannock Ledger").kind, EntityType::Organization);
        let n = names("Maria Courier spoke. Ms. Courier said she would stay. Mr. Ledger agreed.");
        assert_eq!(
            entity(&n, "Maria Courier").mentions.len(),
            2,
            "{:?}",
            n.entities
        );
        assert_eq!(entity(&n, "Maria Courier").kind, EntityType::Person);
        assert_eq!(entity(&n, "Ledger").kind, EntityType::Person);
    }

    /// The entity of the mention whose name is the one word `word`.
    fn entity_of_word<'n>(n: &'n Names, word: &str) -> &'n Entity {
        let m = n.mentions.iter().position(|m| m.name == [word]).unwrap();
        n.entities.iter().find(|e| e.mentions.contains(&m)).unwrap()
    }

    fn canonical(n: &Names) -> Vec<String> {
        n.entities.iter().filter_map(Entity::canonical).collect()
    }

    /// A name that opens with an acronym is an organization's (`U.N.
    /// Women`, `RT America`), when the acronym has no full stops or is that
    /// of an organization the text names; not a person's initials (`J.R.
    /// Smith`), nor a name in capitals.
    #[test]
    fn a_name_that_opens_with_an_acronym_is_an_organization() {
        let n = names(
            "The United Nations met. U.N. Women spoke. The CIA said so. CIA Director \
             Jane Doe agreed. AG Lynch and Navy SEAL Ty Woods spoke. J.R. Smith spoke. \
             DONALD TRUMP WINS, it said.",
        );
        assert_eq!(entity(&n, "U.N. Women").kind, EntityType::Organization);
        for person in ["AG Lynch", "SEAL Ty Woods", "J.R. Smith", "Jane Doe"] {
            assert_ne!(
                entity(&n, person).kind,
                EntityType::Organization,
                "{person}"
            );
        }
        assert_ne!(
            entity(&n, "DONALD TRUMP WINS").kind,
            EntityType::Organization
        );
        // (Without the United Nations, `U.N.` may be initials.)
        let n = names("U.N. Women spoke. J.R. Smith spoke.");
        assert_eq!(entity(&n, "U.N. Women").kind, EntityType::Unknown);
    }

    /// A name that an acronym of it spells out, which joined it, is an
    /// organization's, even after a role word (`the event organizer
    /// Alliance …`); a person's full name with initials is not.
    #[test]
    fn a_name_its_acronym_spells_out_is_an_organization() {
        let n = names(
            "Parents rallied, said the event organizer Alliance to Reclaim Our Schools (AROS). \
             AROS said so. Officers of Immigration and Customs Enforcement (ICE) came. \
             Democratic Chair Debbie Wasserman Schultz (DWS) spoke.",
        );
        let alliance = entity(&n, "Alliance to Reclaim Our Schools");
        assert_eq!(alliance.kind, EntityType::Organization);
        assert_eq!(alliance.mentions.len(), 3, "{:?}", n.entities);
        let ice = entity(&n, "Immigration and Customs Enforcement");
        assert_eq!(ice.kind, EntityType::Organization);
        assert_ne!(
            entity(&n, "Debbie Wasserman Schultz").kind,
            EntityType::Organization
        );
    }

    /// A lone word one letter off a surname is that person (a misspelling),
    /// unless the letter is its last one (a family, `the Khans`), or the
    /// word fits two surnames.
    #[test]
    fn a_surname_misspelled_by_one_letter_is_the_person() {
        let n = names(
            "Leslie Wimes spoke first. Wines believes the campaign erred. \
             Tyresha McClenney agreed. McLenney said so. Khizr Khan came. The Khans left.",
        );
        let of = |word: &str| entity_of_word(&n, word).name.join(" ");
        assert_eq!(of("Wines"), "Leslie Wimes");
        assert_eq!(of("McLenney"), "Tyresha McClenney");
        assert_eq!(of("Khans"), "Khans");
        assert!(one_edit_apart("bornsten", "bornstein"));
        assert!(!one_edit_apart("israel", "israeli"));
        let two = names("Jane Wimes and John Wipes came. Wines spoke.");
        assert_eq!(
            entity_of_word(&two, "Wines").name,
            ["Wines"],
            "two surnames fit: no one is chosen"
        );
    }

    /// The index offers every root a name fits (its contract: a superset,
    /// in order), through each of its keys: for one word the last word, the
    /// first word, a small first word, the first letter; for more, the
    /// last word with each of its words.
    #[test]
    fn the_root_index_offers_every_root_a_name_may_fit() {
        let name = |s: &str| -> Vec<String> { s.split(' ').map(String::from).collect() };
        let mut roots: Vec<Vec<String>> = (0..FEW_ROOTS)
            .map(|k| name(&format!("person{k} filler{k}")))
            .collect();
        roots.extend(
            [
                "jane doe",
                "3m company",
                "of counsel group",
                "the ab league",
                "bureau of prisons",
                "x",
            ]
            .map(name),
        );
        let quick: Vec<Quick> = roots.iter().map(|r| Quick::of(r)).collect();
        let ids: Vec<usize> = (0..roots.len()).collect();
        let mut index = RootIndex::default();
        let cores: Vec<&[String]> = roots.iter().map(Vec::as_slice).collect();
        let mut multi = 0;
        for q in [
            "doe",
            "jane",
            "3m",
            "ocg",
            "cg",
            "tal",
            "al",
            "bop",
            "prisons",
            "x",
            "filler3",
            "zed",
            "jane doe",
            "john doe",
            "person3 filler3",
            "filler3 person3",
            "of prisons",
            "bureau prisons",
            "person7 person7 filler7",
            "doe doe",
        ] {
            let core = name(q);
            let q = Quick::of(&core);
            let offered = index.may_fit(&q, &core, &ids, &quick, &cores);
            let fit: Vec<usize> = ids
                .iter()
                .copied()
                .filter(|&r| q.may_fit(&quick[r]) && compatible_cores(&core, &roots[r]))
                .collect();
            multi += usize::from(core.len() >= 2 && !fit.is_empty());
            assert!(
                fit.iter().all(|r| offered.contains(r)),
                "{fit:?} {offered:?}"
            );
            assert!(
                offered.windows(2).all(|w| w[0] < w[1]),
                "in order, once each"
            );
            assert!(!fit.is_empty() || offered.len() < roots.len() / 2);
            if core.len() >= 2 {
                assert!(offered.len() <= 1, "{offered:?}");
            }
        }
        // (`jane doe`, `person3 filler3`, `of prisons`, `bureau prisons`,
        // `person7 person7 filler7`, `doe doe`.)
        assert_eq!(
            multi, 6,
            "names of two words or more that fit a root were asked about"
        );
    }

    /// A text with more names than [`FEW_ROOTS`] finds the roots a name
    /// fits through the index: its surnames, first names, acronyms and
    /// misspellings join the same entities as in a text of a few names.
    #[test]
    fn many_names_group_as_few_do() {
        let tail = "Leslie Wimes spoke first. Wines believes the campaign erred. \
                    The International Monetary Fund cut its forecast. The IMF said growth \
                    would slow. Hillary Clinton spoke. Hillary said so, and Clinton agreed. \
                    The Democratic National Committee met. The DNC said nothing.";
        let mut many = String::new();
        for a in ["Da", "Fu", "Lo", "No", "Ra", "Te", "Vi", "Zo"] {
            for b in [
                "ravi", "dasu", "zoka", "losu", "mido", "pena", "kuro", "seti",
            ] {
                many.push_str(&format!("Jane {a}{b} came. {a}{b} spoke. "));
            }
        }
        many.push_str(tail);
        let (few, many) = (names(tail), names(&many));
        assert!(many.entities.len() > FEW_ROOTS + 10);
        for word in ["Wines", "IMF", "Hillary", "Clinton", "DNC"] {
            let (a, b) = (entity_of_word(&few, word), entity_of_word(&many, word));
            assert_eq!(a.name, b.name, "{word}");
            assert_eq!(a.mentions.len(), b.mentions.len(), "{word}");
        }
        assert_eq!(entity_of_word(&few, "Wines").name, ["Leslie", "Wimes"]);
        assert_eq!(entity_of_word(&few, "DNC").mentions.len(), 2);
        let dazoka = entity_of_word(&many, "Dazoka");
        assert_eq!(
            (dazoka.name.join(" "), dazoka.mentions.len()),
            ("Jane Dazoka".into(), 2)
        );
    }

    /// Many people of one surname (more than [`FEW_ROOTS`]), each named in
    /// full and then by the surname alone: each surname joins the person
    /// named just before it, and each full name is its own entity.
    #[test]
    fn a_surname_joins_the_last_of_many_who_share_it() {
        let first: Vec<String> = (0..120)
            .map(|k| format!("Zo{}{}x", ["ka", "lo", "mi", "ra"][k % 4], k))
            .collect();
        let text: String = first
            .iter()
            .map(|f| format!("{f} Quillby spoke. Quillby left. "))
            .collect();
        let n = names(&text);
        assert_eq!(n.entities.len(), first.len());
        for (k, f) in first.iter().enumerate() {
            let (full, alone) = (2 * k, 2 * k + 1);
            assert_eq!(n.mentions[full].name, [f.as_str(), "Quillby"]);
            assert_eq!(n.mentions[alone].name, ["Quillby"]);
            assert_eq!(n.entity_of[alone], n.entity_of[full], "{f}");
        }
    }

    /// `U.N. Security Council` is the United Nations Security Council the
    /// text also names; dotted initials nothing spells out stay as they are.
    #[test]
    fn dotted_initials_join_the_name_that_spells_them_out() {
        let n = names(
            "The United Nations Security Council met on Monday. On Tuesday the U.N. Security \
             Council voted, and the U.N. Foundation said nothing.",
        );
        let c = canonical(&n);
        assert!(
            c.contains(&"United Nations Security Council".to_string()),
            "{c:?}"
        );
        assert!(!c.contains(&"U.N. Security Council".to_string()), "{c:?}");
        assert!(c.contains(&"U.N. Foundation".to_string()), "{c:?}");
        assert_eq!(
            entity(&n, "United Nations Security Council").mentions.len(),
            2
        );
    }

    /// `she` in a sentence whose only other name is an organization's gives
    /// the person her gender.
    #[test]
    fn organizations_beside_a_name_leave_its_pronouns_to_it() {
        let n = names("Zorba Quill told the Senate that she would stay. Quill left.");
        assert_eq!(entity(&n, "Zorba Quill").gender, Gender::Female);
        assert_eq!(entity(&n, "Senate").kind, EntityType::Organization);
    }

    /// A title of the other gender than the first name's (`Mrs. John
    /// Smith`) parts the mention from the surname alone, and each entity is
    /// named as the text writes the name, not in lower case.
    #[test]
    fn an_entity_apart_from_its_titled_mention_is_named_as_written() {
        for text in [
            "Smith said no. Mrs. John Smith agreed.",
            "Kamin said no. He said yes. Ms. David Kamin agreed.",
            "Kamin said no. Mr. Ann Kamin agreed.",
        ] {
            let n = names(text);
            let full = n.mentions.last().unwrap().name.join(" ");
            assert!(n.entities.len() >= 2, "{text}: {:?}", n.entities);
            for e in &n.entities {
                assert_eq!(e.name.join(" "), full, "{text}");
            }
        }
    }

    #[test]
    fn titles_come_off_and_the_fullest_name_wins() {
        let n = names(
            "Secretary of State John Kerry spoke in Vienna. Mr. Kerry said the talks went well. \
             White House Press Secretary Josh Earnest agreed, and Kerry left.",
        );
        let c = canonical(&n);
        assert!(c.contains(&"John Kerry".to_string()), "{c:?}");
        assert!(c.contains(&"Josh Earnest".to_string()), "{c:?}");
        let kerry = entity(&n, "John Kerry");
        assert_eq!(kerry.mentions.len(), 3);
        assert_eq!(kerry.kind, EntityType::Person);
        assert_eq!(kerry.gender, Gender::Male);
        // `in Vienna`: a place, not a person.
        let vienna = n.entities.iter().find(|e| e.name == ["Vienna"]).unwrap();
        assert_eq!(vienna.kind, EntityType::Organization);
    }

    #[test]
    fn organizations_keep_their_words_and_acronyms_join_them() {
        let n = names(
            "The International Monetary Fund cut its forecast. The IMF said growth would slow. \
             The State Department and the Securities and Exchange Commission declined to comment, \
             and the S.E.C. said nothing more.",
        );
        let imf = n
            .entities
            .iter()
            .find(|e| e.name.join(" ") == "International Monetary Fund")
            .unwrap();
        assert_eq!(imf.mentions.len(), 2);
        assert_eq!(imf.kind, EntityType::Organization);
        let c = canonical(&n);
        assert!(c.contains(&"State Department".to_string()), "{c:?}");
        let sec = n
            .entities
            .iter()
            .find(|e| e.name.join(" ") == "Securities and Exchange Commission")
            .unwrap();
        assert_eq!(sec.mentions.len(), 2, "{c:?}");
    }

    /// A firm's first word alone is the firm when its other words say what
    /// it makes or its legal form (it was an entity of its own: `Halcyon
    /// Systems` is no person's name), and a firm's name without its legal
    /// form is the firm, but not a person's whose surname it is; a county's
    /// council keeps its own name.
    #[test]
    fn a_firm_is_its_first_word_and_its_name_without_its_legal_form() {
        let n = names(
            "Halcyon Systems cut its forecast. Halcyon said orders had slowed. \
             Halvorsen Pumps ASA fell. Halvorsen Pumps said it would recover. \
             The Carver County Council met. Mayor Jo Carver said the budget was short.",
        );
        let halcyon = entity(&n, "Halcyon Systems");
        assert_eq!(halcyon.mentions.len(), 2, "{:?}", canonical(&n));
        assert_eq!(halcyon.kind, EntityType::Organization);
        assert_eq!(entity(&n, "Halvorsen Pumps ASA").mentions.len(), 2);
        assert_eq!(entity(&n, "Carver County Council").mentions.len(), 1);
        assert_eq!(entity(&n, "Jo Carver").mentions.len(), 1);
        // A firm named after a person is not the person (its legal form
        // stays on where one word would be left).
        let n = names(
            "John Smith sued the city. The city hired Smith LLP. Smith LLP said the claim had \
             no merit. Mr. Smith said he would keep fighting.",
        );
        assert_eq!(
            entity(&n, "Smith LLP").mentions.len(),
            2,
            "{:?}",
            canonical(&n)
        );
        assert_eq!(entity(&n, "John Smith").mentions.len(), 2);
        // A hyphenated first word names its firm too, and so do the words
        // of what a firm makes (`Chemical`, `Apps`).
        let n = names(
            "Harmon-Vane Chemical Inc. denied the claims. Harmon-Vane said the water was safe. \
             Brightwell Apps was fined. Brightwell said it would appeal.",
        );
        assert_eq!(
            entity(&n, "Harmon-Vane Chemical Inc.").mentions.len(),
            2,
            "{:?}",
            canonical(&n)
        );
        assert_eq!(entity(&n, "Brightwell Apps").mentions.len(), 2);
    }

    /// A name alone with an age or a role after it is a person's (it may
    /// be no first name the lexicon knows), and a first name alone is the
    /// person's whose surname has particles.
    #[test]
    fn an_age_or_a_role_after_a_name_makes_it_a_person() {
        let n = names(
            "Marek, 47, a lasher, said the cranes stood idle. Tobias, a third-year student, \
             said he stayed. Anneke van der Sloot-Ferris spoke next. Anneke said it was over.",
        );
        assert_eq!(entity(&n, "Marek").kind, EntityType::Person);
        assert_eq!(entity(&n, "Tobias").kind, EntityType::Person);
        assert_eq!(
            entity(&n, "Anneke van der Sloot-Ferris").mentions.len(),
            2,
            "{:?}",
            canonical(&n)
        );
        // `ter` and `ap` (Welsh) are particles.
        for (text, name) in [
            (
                "The trade minister, Joris ter Haar, spoke. Ter Haar said no.",
                "Joris ter Haar",
            ),
            (
                "Rhys ap Gwilym scored twice. Ap Gwilym said it was earned.",
                "Rhys ap Gwilym",
            ),
        ] {
            let n = names(text);
            assert_eq!(entity(&n, name).mentions.len(), 2, "{:?}", canonical(&n));
        }
        // A name that ends with `Jr.` or `Sr.` is a person's.
        let n = names("Luther Ames Jr. spoke at the hearing.");
        assert_eq!(
            entity(&n, "Luther Ames Jr.").kind,
            EntityType::Person,
            "{:?}",
            canonical(&n)
        );
        // A number after a place is no age, nor a role in a clause after
        // its noun.
        for text in [
            "Millbrook, 52 kilometres away, burned. Millbrook said.",
            "Millbrook, a town whose mayor resigned, burned. Millbrook said.",
            "Millbrook, 2024, burned. Millbrook said.",
        ] {
            let n = names(text);
            assert_ne!(entity(&n, "Millbrook").kind, EntityType::Person, "{text}");
        }
    }

    #[test]
    fn a_surname_follows_the_person_named_last_and_honorifics_split_spouses() {
        let n = names(
            "Hillary Clinton spoke first. Bill Clinton followed. Clinton praised the crowd. \
             Michelle Obama smiled. Mr. Obama waved.",
        );
        let entity_of = |word: &str, nth: usize| {
            let m = n
                .mentions
                .iter()
                .enumerate()
                .filter(|(_, m)| m.name == [word])
                .nth(nth)
                .unwrap()
                .0;
            n.entities[n.entity_of[m].unwrap()].name.join(" ")
        };
        assert_eq!(entity_of("Clinton", 0), "Bill Clinton");
        assert_eq!(
            entity_of("Obama", 0),
            "Obama",
            "Mr. Obama is not Michelle Obama"
        );
        // A plain `Obama` before any `Mr. Obama` is his too, when the only
        // full name is hers.
        let n = names(
            "Obama urged voters to turn out. The president spoke with Michelle Obama at his side. \
             Mr. Obama then left.",
        );
        let plain = n.mentions.iter().position(|m| m.name == ["Obama"]).unwrap();
        let mr = n
            .mentions
            .iter()
            .rposition(|m| m.name == ["Obama"])
            .unwrap();
        assert_ne!(plain, mr);
        assert_eq!(n.entity_of[plain], n.entity_of[mr]);
        assert_eq!(n.entities[n.entity_of[plain].unwrap()].name, ["Obama"]);
        let groups = names(
            "Democrats said the vote was close; the Clintons left early. Hillary Clinton spoke.",
        );
        let clintons = groups
            .entities
            .iter()
            .find(|e| e.name == ["Clintons"])
            .unwrap();
        assert_eq!(clintons.kind, EntityType::Group);
        assert_eq!(clintons.canonical(), None);
        let democrats = groups
            .entities
            .iter()
            .find(|e| e.name == ["Democrats"])
            .unwrap();
        assert_eq!(democrats.canonical(), None);
    }

    /// A full name with common words after it (`Barack Obama Election Day`)
    /// is that name when the text has its surname alone; a plain surname
    /// that two full names share, before either is named, joins the one
    /// that the text's `Mr.` or `Ms.` mentions fit (not the first written).
    #[test]
    fn names_lose_trailing_common_words_and_titles_choose_between_spouses() {
        let n = names(
            "President Obama spoke first. Obama said the vote mattered, and the first lady, \
             Michelle Obama, agreed. Mr. Obama left for the day. Leaders planned a \
             Barack Obama Election Day for the election. Mr. Obama smiled.",
        );
        let c = canonical(&n);
        assert!(c.contains(&"Barack Obama".to_string()), "{c:?}");
        assert!(!c.iter().any(|c| c.contains("Election")), "{c:?}");
        let plain = n.mentions.iter().position(|m| m.name == ["Obama"]).unwrap();
        assert_eq!(
            n.entities[n.entity_of[plain].unwrap()].name,
            ["Barack", "Obama"],
            "the first `Obama` is Barack's: the `Mr. Obama`s fit only him"
        );
        // An organization's name keeps its words (`Foundation` is a head),
        // and so does a name whose surname the text never has alone.
        let n = names(
            "Bill Clinton spoke at the Bill Clinton Foundation, a foundation he runs. \
             Jane Roe Day is a holiday; the day is in May.",
        );
        let c = canonical(&n);
        assert!(c.contains(&"Bill Clinton Foundation".to_string()), "{c:?}");
        assert!(c.contains(&"Jane Roe Day".to_string()), "{c:?}");
    }

    #[test]
    fn compatible_names() {
        assert!(compatible(&keys("clinton"), &keys("hillary clinton")));
        assert!(compatible(&keys("hillary"), &keys("hillary clinton")));
        assert!(compatible(&keys("biden"), &keys("joseph biden jr")));
        assert!(compatible(&keys("post"), &keys("washington post")));
        assert!(compatible(
            &keys("dnc"),
            &keys("democratic national committee")
        ));
        // Small words count or not.
        assert!(compatible(&keys("doj"), &keys("department of justice")));
        assert!(compatible(
            &keys("cpd"),
            &keys("commission on presidential debates")
        ));
        assert!(
            !compatible(&keys("mo"), &keys("michelle obama")),
            "initials of a person are no acronym"
        );
        assert!(!compatible(&keys("trump"), &keys("hillary clinton")));
        assert!(!compatible(
            &keys("obama"),
            &keys("obama on climate change")
        ));
        assert!(
            !compatible(&keys("u.n"), &keys("u.n charter")),
            "an acronym is no first name"
        );
    }

    #[test]
    fn nouns_beside_names_give_gender_and_on_makes_an_organization() {
        let n = names(
            "Keith Scott died. His wife, Rakeyia Scott, spoke first. A spokesman, Dainis \
             Ivans, agreed. Zorvath Quell, her daughter, was there. The Commission on \
             Presidential Debates met.",
        );
        let of = |name: &str| {
            let e = n
                .entities
                .iter()
                .find(|e| e.name.join(" ") == name)
                .unwrap_or_else(|| panic!("{name}: {:?}", canonical(&n)));
            (e.kind, e.gender)
        };
        assert_eq!(of("Rakeyia Scott").1, Gender::Female);
        assert_eq!(of("Dainis Ivans").1, Gender::Male);
        assert_eq!(of("Zorvath Quell").1, Gender::Female);
        assert_eq!(
            of("Commission on Presidential Debates").0,
            EntityType::Organization
        );
    }

    #[test]
    fn countries_and_lone_first_names_are_typed() {
        let n = names(
            "Russia denied it. North Korea said nothing. Melanie, a voter, said she was tired. \
             She read a letter from Melanie. \
             Crowds gathered in Charlotte, and stores in Charlotte closed. Charlotte officials \
             met. Charlotte police waited.",
        );
        let kind = |name: &str| {
            let e = n
                .entities
                .iter()
                .find(|e| e.name.join(" ") == name)
                .unwrap();
            (e.kind, e.gender)
        };
        assert_eq!(kind("Russia").0, EntityType::Organization);
        assert_eq!(kind("North Korea").0, EntityType::Organization);
        assert_eq!(kind("Melanie"), (EntityType::Person, Gender::Female));
        assert_eq!(kind("Charlotte").0, EntityType::Organization, "a city");
    }

    /// A name after a role word in lower case is a person's, even with a
    /// first name the lexicon lacks; a plural `Services` ends an
    /// organization's name joined by `and`.
    #[test]
    fn role_words_make_persons_and_services_end_organizations() {
        let n = names(
            "The plan pleased economist Zorvath Quell. Quell spoke at length. \
             United States Citizenship and Immigration Services declined to comment.",
        );
        assert_eq!(entity(&n, "Zorvath Quell").kind, EntityType::Person);
        assert_eq!(
            entity(&n, "United States Citizenship and Immigration Services").kind,
            EntityType::Organization
        );
    }
}
