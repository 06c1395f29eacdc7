//! What the speaker ranker sees of a Source span and of each candidate it
//! could name (an entity of the document, or no one): the kind of mention
//! (pronoun, name, description), agreement in gender, number and type,
//! distance and recency, whether the candidate spoke just before, how the
//! span's words and the candidate's titles and surroundings overlap. Every
//! feature is a string hashed into a fixed number of buckets.
//! The file runs a little over 500 lines: every feature the ranker sees is defined here, in one place.

use crate::speakers::entities::{Entity, EntityType, Names};
use crate::speakers::gender::Gender;
use crate::speakers::lexicon::FUNCTION_WORDS;
use crate::speakers::source::Source;
use quotekit_data::Tokenized;
use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Feature ids of one candidate, hashed into `mask + 1` buckets.
#[derive(Debug, Default)]
pub struct FeatureSet {
    /// The ids.
    pub ids: Vec<u32>,
    mask: u64,
    /// Hash of the span's class, mixed into conjoined features.
    class: u64,
}

/// The hash of a feature's parts (before it is mixed into a bucket).
fn hash_parts(parts: &[&str]) -> u64 {
    let mut h = FxHasher::default();
    for p in parts {
        h.write(p.as_bytes());
        h.write_u8(0xff);
    }
    h.finish()
}

/// A feature's bucket from its hash (splitmix64's finalizer).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl FeatureSet {
    fn new(mask: u64, class: u64) -> Self {
        Self {
            ids: Vec::with_capacity(64),
            mask,
            class,
        }
    }

    fn push_hash(&mut self, h: u64) {
        self.ids.push((mix(h) & self.mask) as u32);
    }

    fn add(&mut self, parts: &[&str]) {
        self.push_hash(hash_parts(parts));
    }

    /// Adds a feature twice: alone and conjoined with the span's class.
    fn both_hashed(&mut self, h: u64) {
        self.push_hash(h);
        self.push_hash(h ^ self.class);
    }

    /// Adds `parts` twice: alone and conjoined with the span's class.
    fn both(&mut self, parts: &[&str]) {
        self.both_hashed(hash_parts(parts));
    }
}

fn bucket(n: usize, edges: &[usize]) -> &'static str {
    const NAMES: [&str; 8] = ["b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7"];
    NAMES[edges.iter().take_while(|&&e| n >= e).count().min(7)]
}

/// What the ranker knows of the document around a span: its earlier
/// resolutions (entity per earlier source, in text order).
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The entity of the last source, if any source came before.
    last: Option<Option<usize>>,
    /// Per paragraph, the entity of its last source so far.
    paragraph_last: rustc_hash::FxHashMap<usize, Option<usize>>,
    /// Per entity, how many earlier sources were given it.
    times: rustc_hash::FxHashMap<usize, usize>,
}

impl History {
    /// Records that the source in `paragraph` was given `entity`.
    pub fn push(&mut self, paragraph: usize, entity: Option<usize>) {
        self.last = Some(entity);
        self.paragraph_last.insert(paragraph, entity);
        if let Some(e) = entity {
            *self.times.entry(e).or_default() += 1;
        }
    }
}

/// Features of "no one named".
pub fn none_features(source: &Source, mask: u64) -> FeatureSet {
    let class = source.class();
    let mut f = FeatureSet::new(mask, class_hash(class));
    f.add(&["none"]);
    f.add(&["none", class]);
    f.add(&["none-head", &source.head]);
    f.add(&["none-first", &source.first]);
    f.add(&["none-first-head", &source.first, &source.head]);
    let plural = source.head.ends_with('s') && !source.head.ends_with("ss");
    f.add(&["none-plural", class, if plural { "y" } else { "n" }]);
    f.add(&["none-conjoined", if source.conjoined { "y" } else { "n" }]);
    f.add(&["none-len", bucket(source.words.len(), &[2, 3, 5, 9])]);
    f.add(&["none-before", class, &source.before]);
    f.add(&[
        "none-adjacent",
        class,
        if source.adjacent.is_some() { "y" } else { "n" },
    ]);
    for w in &source.words {
        f.add(&["none-word", w]);
    }
    f
}

fn gender_code(g: Gender) -> &'static str {
    match g {
        Gender::Male => "m",
        Gender::Female => "f",
        Gender::Unknown => "u",
    }
}

fn type_code(t: EntityType) -> &'static str {
    match t {
        EntityType::Person => "person",
        EntityType::Organization => "org",
        EntityType::Group => "group",
        EntityType::Unknown => "unknown",
    }
}

/// Where a candidate stands among those named before the span: its rank by
/// last mention (1: the most recent), and its rank among those that agree
/// with the span's pronoun (`None` when it does not agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recency {
    /// Rank among all candidates.
    pub all: usize,
    /// Rank among agreeing candidates.
    pub agreeing: Option<usize>,
    /// Whether it is the writer named at the end of an opinion piece, for an
    /// `I` before.
    pub writer: bool,
}

/// True when an entity can be what a pronoun of agreement class `class`
/// refers to.
pub fn agrees(class: &str, entity: &Entity) -> bool {
    let person = entity.kind != EntityType::Organization;
    match class {
        "m" => person && entity.gender != Gender::Female,
        "f" => person && entity.gender != Gender::Male,
        "n" | "w" => entity.kind != EntityType::Person && entity.gender == Gender::Unknown,
        "1" | "r" => person,
        _ => true,
    }
}

/// What feature extraction needs of a document, computed once.
#[derive(Debug)]
pub struct Context<'a> {
    /// Its tokens.
    pub tok: &'a Tokenized,
    /// Its names.
    pub names: &'a Names,
    /// Per entity, the words around its mentions and its titles (computed
    /// when a description first asks).
    near: Vec<std::sync::OnceLock<Vec<String>>>,
    /// Per entity, its features that do not depend on the span.
    fixed: Vec<std::sync::OnceLock<Fixed>>,
    /// The entity of the document's first name mention.
    pub first_entity: Option<usize>,
    /// The writer of an opinion piece: the entity whose name opens the last
    /// paragraph, followed by `is` or `was` (`Jane Doe is a professor ...`).
    pub writer: Option<usize>,
    /// Buckets minus one.
    pub mask: u64,
}

impl<'a> Context<'a> {
    /// The context of a document's names, hashing into `2^bits` buckets.
    pub fn new(tok: &'a Tokenized, names: &'a Names, bits: u32) -> Self {
        Self {
            tok,
            names,
            near: names
                .entities
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            fixed: names
                .entities
                .iter()
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            first_entity: names.entity_of.first().copied().flatten(),
            writer: writer(tok, names),
            mask: (1u64 << bits) - 1,
        }
    }
}

/// The entity named at the start of the last paragraph, when `is` or `was`
/// follows (the line about an opinion piece's writer).
fn writer(tok: &Tokenized, names: &Names) -> Option<usize> {
    let start = tok.paragraphs.last()?.start;
    let m = names
        .mentions
        .iter()
        .position(|m| m.tokens.start == start)?;
    let next = names.words.get(names.mentions[m].words.end)?;
    if matches!(next.key(), "is" | "was") && names.mentions[m].keys.len() >= 2 {
        names.entity_of[m]
    } else {
        None
    }
}

/// The hashes of an entity's features that do not depend on the span.
#[derive(Debug, Default)]
pub struct Fixed {
    /// Features added alone and conjoined with the span's class.
    both: Vec<u64>,
    /// Features added alone.
    alone: Vec<u64>,
}

fn class_hash(class: &str) -> u64 {
    mix(hash_parts(&["class", class]))
}

fn fixed_features(cx: &Context<'_>, e: usize) -> Fixed {
    let names = cx.names;
    let entity: &Entity = &names.entities[e];
    let ms = || entity.mentions.iter().map(|&m| &names.mentions[m]);
    let (kind, gender) = (type_code(entity.kind), gender_code(entity.gender));
    let yes = |b: bool| if b { "y" } else { "n" };
    let last = cx.tok.paragraphs.last();
    let last_paragraph = ms().any(|m| last.is_some_and(|p| m.tokens.start >= p.start));
    let opens_last_paragraph = ms().any(|m| last.is_some_and(|p| m.tokens.start == p.start));
    let singleton_initial = entity.mentions.len() == 1
        && entity.name.len() == 1
        && ms().all(|m| {
            cx.tok
                .sentences
                .get(m.sentence)
                .is_some_and(|s| s.start == m.tokens.start)
        });
    let mut both = vec![
        hash_parts(&["type", kind]),
        hash_parts(&["gender", gender]),
        hash_parts(&["type-gender", kind, gender]),
        hash_parts(&["last-paragraph", yes(last_paragraph)]),
    ];
    if opens_last_paragraph {
        both.push(hash_parts(&["opens-last-paragraph"]));
    }
    if singleton_initial {
        both.push(hash_parts(&["singleton-initial"]));
    }
    let alone = vec![
        hash_parts(&["total", bucket(entity.mentions.len(), &[1, 2, 3, 6, 10])]),
        hash_parts(&["first-entity", yes(cx.first_entity == Some(e))]),
    ];
    Fixed { both, alone }
}

/// Features of naming entity `e` for `source`, the `recency`-th most
/// recently mentioned entity (1: the last one named before it).
pub fn entity_features(
    cx: &Context<'_>,
    source: &Source,
    e: usize,
    recency: Recency,
    history: &History,
) -> FeatureSet {
    let (tok, names, mask) = (cx.tok, cx.names, cx.mask);
    let class = source.class();
    let entity: &Entity = &names.entities[e];
    let mut f = FeatureSet::new(mask, class_hash(class));
    let ms = || entity.mentions.iter().map(|&m| &names.mentions[m]);
    let (kind, gender) = (type_code(entity.kind), gender_code(entity.gender));
    let fixed = cx.fixed[e].get_or_init(|| fixed_features(cx, e));
    for &h in &fixed.both {
        f.both_hashed(h);
    }
    for &h in &fixed.alone {
        f.push_hash(h);
    }
    if let Some((_, agree)) = source.pronoun {
        f.add(&["agree", agree, kind, gender]);
    }
    f.both(&["recency", bucket(recency.all, &[1, 2, 3, 4, 6])]);
    if recency.writer {
        f.add(&["writer"]);
    }
    match recency.agreeing {
        Some(rank) => f.both(&["agree-recency", bucket(rank, &[1, 2, 3, 4, 6])]),
        None => f.both(&["disagrees"]),
    }
    if let Some(m) = source.adjacent {
        let own = names.entity_of[m] == Some(e);
        f.both(&["adjacent", if own { "y" } else { "n" }]);
        f.add(&[
            "adjacent-before",
            class,
            if own { "y" } else { "n" },
            &source.before,
        ]);
    }
    if source.conjoined {
        f.add(&["conjoined-span", kind]);
    }
    // Mentions before the span, inside it, and later (they are in text order
    // and do not overlap).
    let n_before = entity
        .mentions
        .partition_point(|&m| names.mentions[m].tokens.end <= source.tokens.start);
    let last_before = n_before
        .checked_sub(1)
        .map(|k| &names.mentions[entity.mentions[k]]);
    let inside = entity.mentions[n_before..]
        .iter()
        .map(|&m| &names.mentions[m])
        .take_while(|m| m.tokens.start < source.tokens.end)
        .any(|m| m.tokens.start >= source.tokens.start && m.tokens.end <= source.tokens.end);
    let after = entity
        .mentions
        .last()
        .is_some_and(|&m| names.mentions[m].tokens.start >= source.tokens.end);
    f.both(&["inside", if inside { "y" } else { "n" }]);
    f.both(&["before-count", bucket(n_before, &[1, 2, 3, 6, 10])]);
    if let Some(last) = last_before {
        let sentences = source.sentence.saturating_sub(last.sentence);
        let tokens = source.tokens.start.saturating_sub(last.tokens.end);
        f.both(&["sentences", bucket(sentences, &[1, 2, 3, 5, 8])]);
        f.both(&["tokens", bucket(tokens, &[2, 4, 9, 21, 51, 101])]);
        let subject = tok
            .sentences
            .get(last.sentence)
            .is_some_and(|s| s.start == last.tokens.start);
        f.both(&["last-subject", if subject { "y" } else { "n" }]);
        f.both(&["last-possessive", if last.possessive { "y" } else { "n" }]);
    } else {
        f.both(&["not-before", if after { "later" } else { "never" }]);
    }
    // Who spoke before.
    let last_source = history.last.flatten();
    let same_paragraph_last = history
        .paragraph_last
        .get(&source.paragraph)
        .copied()
        .flatten();
    let times = history.times.get(&e).copied().unwrap_or(0);
    f.both(&[
        "last-source",
        if last_source == Some(e) { "y" } else { "n" },
    ]);
    f.both(&[
        "paragraph-source",
        if same_paragraph_last == Some(e) {
            "y"
        } else {
            "n"
        },
    ]);
    f.both(&["source-times", bucket(times, &[1, 2, 3, 5])]);
    if let Some((_, agree)) = source.pronoun {
        f.add(&[
            "agree-last-source",
            agree,
            if last_source == Some(e) { "y" } else { "n" },
            gender,
        ]);
    }
    // The names in the span: which of them is this entity's, where it sits
    // and what follows it (`Trump campaign`, `Conway, a spokeswoman`).
    let n_inside = source.inside.len();
    for (k, &m) in source.inside.iter().enumerate() {
        let mention = &names.mentions[m];
        let keys = &mention.keys;
        let entity_keys = &entity.keys;
        let relation = if names.entity_of[m] == Some(e) {
            if keys == entity_keys {
                "own-exact"
            } else {
                "own"
            }
        } else if crate::speakers::entities::compatible(keys, entity_keys) {
            "compatible"
        } else {
            continue;
        };
        let position = match (k, n_inside) {
            (_, 1) => "only",
            (0, _) => "first",
            (k, n) if k + 1 == n => "last",
            _ => "middle",
        };
        let possessive = if mention.possessive { "pos" } else { "plain" };
        let next = names
            .words
            .get(mention.words.end)
            .filter(|w| w.tokens.end <= source.tokens.end)
            .map_or("$", |w| w.key());
        let starts = mention.tokens.start == source.tokens.start;
        f.add(&["name", relation]);
        f.add(&["name", relation, kind]);
        f.add(&["name-position", relation, position, possessive]);
        f.add(&["name-next", relation, possessive, next]);
        f.add(&[
            "name-starts",
            relation,
            if starts { "y" } else { "n" },
            position,
        ]);
        f.add(&["name-size", relation, bucket(keys.len(), &[2, 3, 4])]);
    }
    // Description words near the entity's mentions, or among its titles.
    if source.name.is_none() && source.pronoun.is_none() {
        let near = cx.near[e].get_or_init(|| near_words(names, entity, 4));
        let content: Vec<&String> = source
            .words
            .iter()
            .filter(|w| !FUNCTION_WORDS.contains(w.as_str()))
            .collect();
        let overlap = content
            .iter()
            .filter(|w| near.iter().any(|n| n == full_title(w)))
            .count();
        f.add(&["overlap", bucket(overlap, &[1, 2, 3])]);
        let head = full_title(&source.head);
        f.add(&[
            "head-near",
            if near.iter().any(|n| n == head) {
                "y"
            } else {
                "n"
            },
            kind,
        ]);
        f.add(&["head-type", head, kind]);
        // `the commission` for the Commission on Presidential Debates.
        let entity_keys = &entity.keys;
        let in_name = content.iter().filter(|w| entity_keys.contains(w)).count();
        f.add(&[
            "head-in-name",
            if entity_keys.contains(&source.head) {
                "y"
            } else {
                "n"
            },
            kind,
        ]);
        f.add(&["words-in-name", bucket(in_name, &[1, 2, 3])]);
        if let Some(last) = entity_keys.last() {
            f.add(&["head-last", head, last]);
        }
        let titled = ms().any(|m| m.titles.iter().any(|t| source.words.contains(t)));
        f.add(&["title-match", if titled { "y" } else { "n" }]);
    }
    if let Some(first) = &entity.keys.first() {
        if let Some((p, _)) = source.pronoun {
            f.add(&["first-name", first, p]);
        }
    }
    f
}

/// A title written out (`gov` → `governor`), other words as they are.
fn full_title(word: &str) -> &str {
    match word {
        "gov" => "governor",
        "sen" => "senator",
        "rep" => "representative",
        "gen" => "general",
        "pres" => "president",
        "sec" => "secretary",
        "dr" => "doctor",
        "prof" => "professor",
        "atty" => "attorney",
        w => w,
    }
}

/// Lower-case words within `window` words of an entity's mentions (its
/// titles and appositions: "the Vermont senator", "Republican nominee").
fn near_words(names: &Names, entity: &Entity, window: usize) -> Vec<String> {
    let mut out = Vec::new();
    for &m in &entity.mentions {
        let r = &names.mentions[m].words;
        let from = r.start.saturating_sub(window);
        let to = (r.end + window).min(names.words.len());
        for w in &names.words[from..to] {
            let k = full_title(w.key());
            if !out.iter().any(|o| o == k) {
                out.push(k.to_string());
            }
        }
        for t in &names.mentions[m].titles {
            let t = full_title(t);
            if !out.iter().any(|o| o == t) {
                out.push(t.to_string());
            }
        }
    }
    out
}
