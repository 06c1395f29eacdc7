//! What the speaker ranker sees of a Source span and of each candidate it
//! could name (an entity of the document, or no one): the kind of mention
//! (pronoun, name, description), agreement in gender, number and type,
//! distance and recency, whether the candidate spoke just before, how the
//! span's words and the candidate's titles and surroundings overlap. Every
//! feature is a template (its name hashed when compiled) with its values
//! mixed in, hashed into a fixed number of buckets.
//! The file runs over 500 lines (about 1,700, 300 of them tests): every feature the ranker sees, the tables of the few-valued ones' weights, and the per-document and per-span caches that make them cheap, are defined here in one place, so that the features scored and the features trained on cannot part.

use crate::speakers::entities::{Entity, EntityType, Names};
use crate::speakers::gender::Gender;
use crate::speakers::lexicon::{full_title, FUNCTION_WORDS, ORGANIZATION_HEADS, TITLES};
use crate::speakers::source::Source;
use crate::speakers::version::FEATURES_VERSION;
use quotekit_data::Tokenized;
use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Feature ids of one candidate, hashed into `mask + 1` buckets; or, when
/// made with a ranker's weights (to resolve, not to train), just their score.
#[derive(Debug, Default)]
pub struct FeatureSet<'w> {
    /// The ids (none when scored as they are made).
    pub ids: Vec<u32>,
    mask: u64,
    /// Hash of the span's class, mixed into conjoined features.
    class: u64,
    /// The weights that score the features as they are made.
    weights: Option<&'w [f32]>,
    /// Their score so far (with `weights`).
    score: f32,
}

/// A feature being built: its template's hash with its values mixed in
/// (before it is mixed into a bucket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key(u64);

/// FNV-1a of a template's name, so that `key!("recency")` costs nothing
/// when the resolver runs.
const fn template(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
        i += 1;
    }
    h
}

/// The [`Key`] of a template, hashed at compile time.
macro_rules! key {
    ($name:literal) => {
        Key(const { template($name) })
    };
}

impl Key {
    /// The key with a value mixed in.
    fn with(self, value: u64) -> Self {
        Key((self.0.rotate_left(26) ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// The key with a yes or no mixed in.
    fn yes(self, b: bool) -> Self {
        self.with(yes(b))
    }

    /// The key with a word mixed in.
    fn word(self, word: &str) -> Self {
        self.with(word_hash(word))
    }
}

/// The hash of a word, a value of a feature.
fn word_hash(word: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(word.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// A feature's bucket from its hash (splitmix64's finalizer).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl<'w> FeatureSet<'w> {
    fn new(mask: u64, class: u64, weights: Option<&'w [f32]>) -> Self {
        Self {
            ids: if weights.is_some() {
                Vec::new()
            } else {
                Vec::with_capacity(64)
            },
            mask,
            class,
            weights,
            score: 0.0,
        }
    }

    /// The sum of the weights of the features, when they were scored as
    /// they were made (in the order they were made, as a sum over `ids`
    /// would add them).
    pub fn score(&self) -> Option<f32> {
        self.weights.map(|_| self.score)
    }
}

/// Where a candidate's features go as they are made: kept as ids (a
/// [`FeatureSet`], to train) or summed as weights ([`Scorer`], to resolve).
trait Sink {
    /// Adds the feature of hash `h`.
    fn push_hash(&mut self, h: u64);

    /// The span's class hash, mixed into conjoined features.
    fn class(&self) -> u64;

    /// Adds an entity's features that do not depend on the span (first).
    fn fixed(&mut self, fixed: &Fixed);

    #[inline]
    fn add(&mut self, key: Key) {
        self.push_hash(key.0);
    }

    /// Adds a feature twice: alone and conjoined with the span's class.
    #[inline]
    fn both(&mut self, key: Key) {
        self.push_hash(key.0);
        self.push_hash(key.0 ^ self.class());
    }

    /// Adds feature `few` of value `value` twice, as
    /// `both(few.key(value))`.
    #[inline]
    fn both_few(&mut self, few: Few, value: u64) {
        self.both(few.key(value));
    }

    /// Adds feature `few` of value `value` alone, as `add(few.key(value))`.
    #[inline]
    fn add_few(&mut self, few: Few, value: u64) {
        self.add(few.key(value));
    }
}

/// The templates of the features whose values are few (a bucket, a yes or
/// no, a type, or two of those): their weights for a span class (alone and
/// conjoined with the class, for those added both ways by [`Sink::both`])
/// are read from a [`FewWeights`] table made once per resolver and class,
/// instead of hashed per candidate. A value of two parts is one number:
/// the first part shifted left by the bits of the second ([`Few::key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Few {
    Recency,
    AgreeRecency,
    /// (No value: its key alone.)
    Disagrees,
    Adjacent,
    Apposition,
    Inside,
    BeforeCount,
    Sentences,
    Tokens,
    LastSubject,
    LastPossessive,
    NotBefore,
    Ahead,
    LastSource,
    ParagraphSource,
    SourceTimes,
    /// (Both ways: a yes or no, then a bucket of 3 bits.)
    Antecedent,
    /// (Both ways: two yes or no, of 2 bits.)
    AntecedentApposition,
    /// (Alone from here: the entity's type.)
    ConjoinedSpan,
    /// (A bucket.)
    Overlap,
    /// (A yes or no, then the entity's type, of 3 bits.)
    HeadNear,
    /// (The head's class, then the entity's type, of 3 bits.)
    HeadClass,
    /// (A yes or no, then the entity's type, of 3 bits.)
    HeadInName,
    /// (A bucket.)
    WordsInName,
    /// (A yes or no.)
    TitleMatch,
    /// (An entity's fixed features from here, [`Fixed`]: both ways, a
    /// bucket.)
    Speaks,
    /// (The entity's type.)
    Type,
    /// (Its gender.)
    Gender,
    /// (Its type, then its gender, of 2 bits.)
    TypeGender,
    /// (A yes or no.)
    LastParagraph,
    /// (No value.)
    OpensLastParagraph,
    /// (No value.)
    Country,
    /// (No value.)
    SingletonInitial,
    /// (Alone: a bucket.)
    Total,
    /// (Alone: a yes or no.)
    FirstEntity,
}

/// Values a [`Few`] feature may take: below 32 (a [`bucket`] is at most 7,
/// a yes or no 1 or 2, a type 1 to 4, a head class 1 to 3).
const FEW_VALUES: usize = 32;

impl Few {
    /// Every template, in the order of their rows in a [`FewWeights`].
    const ALL: [Few; 35] = [
        Few::Recency,
        Few::AgreeRecency,
        Few::Disagrees,
        Few::Adjacent,
        Few::Apposition,
        Few::Inside,
        Few::BeforeCount,
        Few::Sentences,
        Few::Tokens,
        Few::LastSubject,
        Few::LastPossessive,
        Few::NotBefore,
        Few::Ahead,
        Few::LastSource,
        Few::ParagraphSource,
        Few::SourceTimes,
        Few::Antecedent,
        Few::AntecedentApposition,
        Few::ConjoinedSpan,
        Few::Overlap,
        Few::HeadNear,
        Few::HeadClass,
        Few::HeadInName,
        Few::WordsInName,
        Few::TitleMatch,
        Few::Speaks,
        Few::Type,
        Few::Gender,
        Few::TypeGender,
        Few::LastParagraph,
        Few::OpensLastParagraph,
        Few::Country,
        Few::SingletonInitial,
        Few::Total,
        Few::FirstEntity,
    ];

    /// The values it takes (those its table has: another is hashed).
    #[inline]
    fn values(self) -> std::ops::RangeInclusive<u64> {
        match self {
            Few::Disagrees | Few::OpensLastParagraph | Few::Country | Few::SingletonInitial => {
                0..=0
            }
            Few::Speaks => 0..=3,
            Few::Type => 1..=4,
            Few::Gender => 1..=3,
            // (1 to 4, then 1 to 3.)
            Few::TypeGender => 5..=19,
            Few::Total => 0..=5,
            Few::LastParagraph | Few::FirstEntity => 1..=2,
            Few::Recency | Few::AgreeRecency | Few::BeforeCount | Few::Sentences | Few::Ahead => {
                0..=5
            }
            Few::Tokens => 0..=6,
            Few::SourceTimes => 0..=4,
            Few::Overlap | Few::WordsInName => 0..=3,
            Few::Adjacent
            | Few::Apposition
            | Few::Inside
            | Few::LastSubject
            | Few::LastPossessive
            | Few::NotBefore
            | Few::LastSource
            | Few::ParagraphSource
            | Few::TitleMatch => 1..=2,
            Few::ConjoinedSpan => 1..=4,
            // (1 or 2, then 0 to 4.)
            Few::Antecedent => 8..=20,
            // (1 or 2, then 1 or 2.)
            Few::AntecedentApposition => 5..=10,
            // (1 or 2, then 1 to 4.)
            Few::HeadNear | Few::HeadInName => 9..=20,
            // (1 to 3, then 1 to 4.)
            Few::HeadClass => 9..=28,
        }
    }

    /// The feature of value `value` (mixed into the template's key).
    fn key(self, value: u64) -> Key {
        let template = match self {
            Few::Recency => key!("recency"),
            Few::AgreeRecency => key!("agree-recency"),
            Few::Disagrees => return key!("disagrees"),
            Few::Adjacent => key!("adjacent"),
            Few::Apposition => key!("apposition"),
            Few::Inside => key!("inside"),
            Few::BeforeCount => key!("before-count"),
            Few::Sentences => key!("sentences"),
            Few::Tokens => key!("tokens"),
            Few::LastSubject => key!("last-subject"),
            Few::LastPossessive => key!("last-possessive"),
            Few::NotBefore => key!("not-before"),
            Few::Ahead => key!("ahead"),
            Few::LastSource => key!("last-source"),
            Few::ParagraphSource => key!("paragraph-source"),
            Few::SourceTimes => key!("source-times"),
            Few::Antecedent => key!("antecedent"),
            Few::AntecedentApposition => key!("antecedent-apposition"),
            Few::ConjoinedSpan => key!("conjoined-span"),
            Few::Overlap => key!("overlap"),
            Few::HeadNear => key!("head-near"),
            Few::HeadClass => key!("head-class"),
            Few::HeadInName => key!("head-in-name"),
            Few::WordsInName => key!("words-in-name"),
            Few::TitleMatch => key!("title-match"),
            Few::Speaks => key!("speaks"),
            Few::Type => key!("type"),
            Few::Gender => key!("gender"),
            Few::TypeGender => key!("type-gender"),
            Few::LastParagraph => key!("last-paragraph"),
            Few::OpensLastParagraph => return key!("opens-last-paragraph"),
            Few::Country => return key!("country"),
            Few::SingletonInitial => return key!("singleton-initial"),
            Few::Total => key!("total"),
            Few::FirstEntity => key!("first-entity"),
        };
        match self.second_bits() {
            Some(bits) => template.with(value >> bits).with(value & ((1 << bits) - 1)),
            None => template.with(value),
        }
    }

    /// The bits of the second part of a value of two parts ([`Few::pair`]),
    /// for the templates whose values have two.
    const fn second_bits(self) -> Option<u32> {
        match self {
            Few::Antecedent | Few::HeadNear | Few::HeadClass | Few::HeadInName => Some(3),
            Few::AntecedentApposition | Few::TypeGender => Some(2),
            _ => None,
        }
    }

    /// The value of two parts `first` and `second` (below `2^second_bits`),
    /// which [`Few::key`] mixes in one after the other.
    fn pair(self, first: u64, second: u64) -> u64 {
        first << self.second_bits().unwrap_or(0) | second
    }
}

/// Which weights a table was made from: their address and length. (Weights
/// changed in place keep both: their owner clears its tables then, as
/// [`crate::speakers::SpeakerResolver`]'s `weights_mut` does.)
type WeightsId = (usize, usize);

/// The identity of `weights`.
fn weights_id(weights: &[f32]) -> WeightsId {
    (weights.as_ptr() as usize, weights.len())
}

/// The [`FewWeights`] per set of weights and span class (its conjoined
/// hash), made as spans of each class first ask: one resolver's, shared by
/// the documents it resolves (on any thread).
#[derive(Debug, Default)]
pub(crate) struct FewCache {
    tables: std::sync::Mutex<Vec<(WeightsId, u64, std::sync::Arc<FewWeights>)>>,
}

impl FewCache {
    /// The table of class hash `class`, made from `weights` (`mask + 1`
    /// buckets) if it is the first asked.
    fn table(&self, weights: &[f32], mask: u64, class: u64) -> std::sync::Arc<FewWeights> {
        let id = weights_id(weights);
        let mut tables = self
            .tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, _, table)) = tables.iter().find(|(w, c, _)| *w == id && *c == class) {
            return table.clone();
        }
        let table = std::sync::Arc::new(FewWeights::new(weights, mask, class));
        tables.push((id, class, table.clone()));
        table
    }
}

/// Per [`Few`] feature and value, its weight alone and conjoined with one
/// span class: what [`Sink::both`] would add, read instead of hashed.
#[derive(Debug)]
pub(crate) struct FewWeights {
    weights: [[f32; 2]; Few::ALL.len() * FEW_VALUES],
}

impl FewWeights {
    /// The table of `weights` (`mask + 1` buckets) for the class whose
    /// conjoined hash is `class`.
    fn new(weights: &[f32], mask: u64, class: u64) -> Self {
        let weight = |h: u64| {
            weights
                .get((mix(h) & mask) as usize)
                .copied()
                .unwrap_or(0.0)
        };
        let mut table = [[0.0; 2]; Few::ALL.len() * FEW_VALUES];
        // (Each template's row at its number, where `get` reads it.)
        for few in Few::ALL {
            let row = few as usize * FEW_VALUES;
            for value in few.values() {
                let key = few.key(value).0;
                table[row + value as usize] = [weight(key), weight(key ^ class)];
            }
        }
        Self { weights: table }
    }

    /// The two weights of feature `few` of value `value` (alone and
    /// conjoined), if it is one of the values it takes.
    #[inline]
    fn get(&self, few: Few, value: u64) -> Option<[f32; 2]> {
        if !few.values().contains(&value) {
            return None;
        }
        self.weights
            .get(few as usize * FEW_VALUES + value as usize)
            .copied()
    }
}

/// (A feature set is a sink only to keep ids: one made with weights gets
/// its score from a [`Scorer`], in [`made_with`].)
impl Sink for FeatureSet<'_> {
    #[inline]
    fn push_hash(&mut self, h: u64) {
        self.ids.push((mix(h) & self.mask) as u32);
    }

    fn class(&self) -> u64 {
        self.class
    }

    fn fixed(&mut self, fixed: &Fixed) {
        debug_assert!(self.ids.is_empty(), "fixed features come first");
        fixed.add_all(self);
    }
}

/// A candidate's score, summed as its features are made. (A plain value
/// that nothing else sees: the sum stays in a register. In a
/// [`FeatureSet`], which its drop on unwinding sees, every add went through
/// memory.)
#[derive(Debug, Clone, Copy)]
struct Scorer<'w, 'f> {
    weights: &'w [f32],
    mask: u64,
    class: u64,
    score: f32,
    /// The weights of the [`Few`] features for the class, when made.
    few: Option<&'f FewWeights>,
}

impl<'w, 'f> Scorer<'w, 'f> {
    /// A score of nothing yet, for a span of class hash `class`.
    fn new(weights: &'w [f32], mask: u64, class: u64, few: Option<&'f FewWeights>) -> Self {
        Self {
            weights,
            mask,
            class,
            score: 0.0,
            few,
        }
    }
}

impl Sink for Scorer<'_, '_> {
    #[inline]
    fn push_hash(&mut self, h: u64) {
        let id = mix(h) & self.mask;
        // (`get`, which cannot panic, keeps a panic's path off the sum.
        // `id` is always in range: the mask is one less than the length.)
        self.score += self.weights.get(id as usize).copied().unwrap_or(0.0);
    }

    fn class(&self) -> u64 {
        self.class
    }

    fn fixed(&mut self, fixed: &Fixed) {
        self.score = fixed.score(self.weights, self.mask, self.class, self.few);
    }

    /// (The two weights added in the order `both` adds them: the same sum.)
    #[inline]
    fn both_few(&mut self, few: Few, value: u64) {
        match self.few.and_then(|table| table.get(few, value)) {
            Some([alone, conjoined]) => {
                self.score += alone;
                self.score += conjoined;
            }
            None => self.both(few.key(value)),
        }
    }

    #[inline]
    fn add_few(&mut self, few: Few, value: u64) {
        match self.few.and_then(|table| table.get(few, value)) {
            Some([alone, _]) => self.score += alone,
            None => self.add(few.key(value)),
        }
    }
}

/// The value [`Key::yes`] mixes in for `b`.
fn yes(b: bool) -> u64 {
    b as u64 + 1
}

/// How many of `edges` `n` reaches (at most 7).
fn bucket(n: usize, edges: &[usize]) -> u64 {
    edges.iter().take_while(|&&e| n >= e).count().min(7) as u64
}

/// What the ranker knows of the document around a span: its earlier
/// resolutions (entity per earlier source, in text order).
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The entity of the last source, if any source came before.
    last: Option<Option<usize>>,
    /// Per paragraph (by index), the entity of its last source so far, if
    /// a source came in it.
    paragraph_last: Vec<Option<Option<usize>>>,
    /// Per entity (by index), how many earlier sources were given it.
    times: Vec<usize>,
    /// The end (a token) of the last source.
    last_end: usize,
}

impl History {
    /// Records that `source` was given `entity`.
    pub fn push(&mut self, source: &Source, entity: Option<usize>) {
        let paragraph = source.paragraph;
        self.last = Some(entity);
        self.last_end = source.tokens.end;
        if self.paragraph_last.len() <= paragraph {
            self.paragraph_last.resize(paragraph + 1, None);
        }
        self.paragraph_last[paragraph] = Some(entity);
        if let Some(e) = entity {
            if self.times.len() <= e {
                self.times.resize(e + 1, 0);
            }
            self.times[e] += 1;
        }
    }

    /// What the last source in `paragraph` was given, if one came there.
    fn given_in(&self, paragraph: usize) -> Option<Option<usize>> {
        self.paragraph_last.get(paragraph).copied().flatten()
    }

    /// The entity of the last source in `paragraph`, if one came there and
    /// was given one.
    pub(crate) fn paragraph_last(&self, paragraph: usize) -> Option<usize> {
        self.given_in(paragraph).flatten()
    }

    /// The end (a token) of the last source, 0 before any.
    pub(crate) fn last_end(&self) -> usize {
        self.last_end
    }

    /// The entity of the last source in `paragraph` or, where none came
    /// there, in the paragraph before, if it was given one.
    pub(crate) fn recent(&self, paragraph: usize) -> Option<usize> {
        self.given_in(paragraph)
            .or_else(|| paragraph.checked_sub(1).and_then(|p| self.given_in(p)))
            .flatten()
    }

    /// How many earlier sources were given entity `e`.
    fn times(&self, e: usize) -> usize {
        self.times.get(e).copied().unwrap_or(0)
    }
}

/// A Source span with the hashes of its words that its candidates'
/// features use, made once per span.
#[derive(Debug)]
pub struct SpanKeys<'s> {
    /// The span.
    pub source: &'s Source,
    /// Its class.
    class: u64,
    /// The class, as mixed into conjoined features.
    class_conj: u64,
    /// Its pronoun's agreement class.
    agree: Option<u64>,
    /// Its pronoun.
    pronoun: Option<u64>,
    /// The word before it.
    before: u64,
    /// Its content words (not function words), for a description.
    content: Vec<ContentWord<'s>>,
    /// Its head with a title written out, hashed.
    head: u64,
    /// Whether its head names an organization (1), a role (2) or neither (3).
    head_class: u64,
    /// Per name inside it ([`Source::inside`]), the hash of the span's word
    /// just before the name (`^` for none), and whether a preposition comes
    /// before it in the span (`the nonpartisan Congressional Budget Office`
    /// against `experts on North Korea`).
    before_names: Vec<(u64, bool)>,
    /// The weights of the [`Few`] features for its class, from the
    /// [`Context`] that scores its candidates (when it has weights), with
    /// the identity of the weights they were made from.
    few: std::cell::OnceCell<(WeightsId, std::sync::Arc<FewWeights>)>,
}

/// A content word of a description, and its hash with a title written out.
#[derive(Debug)]
struct ContentWord<'s> {
    word: &'s str,
    hash: u64,
}

impl<'s> SpanKeys<'s> {
    /// The keys of `source`, a span of the document of `names`.
    pub fn new(source: &'s Source, names: &Names) -> Self {
        let class = word_hash(source.class());
        let before_names = source
            .inside
            .iter()
            .map(|&m| {
                let before = names.words[..names.mentions[m].words.start]
                    .iter()
                    .rev()
                    .take_while(|w| w.tokens.start >= source.tokens.start);
                let mut prev = "^";
                let mut preposition = false;
                for (k, w) in before.enumerate() {
                    if k == 0 {
                        prev = w.key();
                    }
                    preposition |= matches!(
                        w.key(),
                        "of" | "on" | "at" | "for" | "from" | "to" | "with" | "in" | "by" | "about"
                    );
                }
                (word_hash(prev), preposition)
            })
            .collect();
        let head = full_title(&source.head);
        let head_class = if ORGANIZATION_HEADS.contains(head) {
            1
        } else if TITLES.contains(head) {
            2
        } else {
            3
        };
        let description = source.name.is_none() && source.pronoun.is_none();
        Self {
            source,
            class,
            class_conj: class_hash(class),
            agree: source.pronoun.map(|(_, agree)| word_hash(agree)),
            pronoun: source.pronoun.map(|(p, _)| word_hash(p)),
            before: word_hash(&source.before),
            content: source
                .words
                .iter()
                .filter(|w| description && !FUNCTION_WORDS.contains(w.as_str()))
                .map(|w| ContentWord {
                    word: w,
                    hash: word_hash(full_title(w)),
                })
                .collect(),
            head: word_hash(head),
            head_class,
            before_names,
            few: std::cell::OnceCell::new(),
        }
    }

    /// The weights of the [`Few`] features for its class, when `cx`
    /// scores with weights (asked of `cx` once per span). A span scored by
    /// another context's weights than the first's gets none (its features
    /// are then hashed, as ever).
    fn few(&self, cx: &Context<'_, '_>) -> Option<&FewWeights> {
        let weights = cx.weights?;
        let cache = cx.shared_few.unwrap_or(&cx.few);
        let (made_from, table) = self.few.get_or_init(|| {
            let table = cache.table(weights, cx.mask, self.class_conj);
            (weights_id(weights), table)
        });
        (*made_from == weights_id(weights)).then_some(&**table)
    }
}

/// Features of "no one named".
pub fn none_features<'w>(span: &SpanKeys<'_>, cx: &Context<'_, 'w>) -> FeatureSet<'w> {
    made_with(
        cx,
        span.class_conj,
        None,
        |s| none_into(span, s),
        |f| none_into(span, f),
    )
}

/// A candidate's features made by `score` (summed with the context's
/// weights, when it has them) or by `keep` (kept as ids).
fn made_with<'w, 'f>(
    cx: &Context<'_, 'w>,
    class: u64,
    few: Option<&'f FewWeights>,
    score: impl FnOnce(&mut Scorer<'w, 'f>),
    keep: impl FnOnce(&mut FeatureSet<'w>),
) -> FeatureSet<'w> {
    let mut f = FeatureSet::new(cx.mask, class, cx.weights);
    match cx.weights {
        Some(weights) => {
            let mut s = Scorer::new(weights, cx.mask, class, few);
            score(&mut s);
            f.score = s.score;
        }
        None => keep(&mut f),
    }
    f
}

/// [`none_features`], into `f`.
fn none_into(span: &SpanKeys<'_>, f: &mut impl Sink) {
    let (source, class) = (span.source, span.class);
    let (head, first) = (word_hash(&source.head), word_hash(&source.first));
    f.add(key!("none"));
    f.add(key!("none").with(class));
    f.add(key!("none-head").with(head));
    f.add(key!("none-first").with(first));
    f.add(key!("none-first-head").with(first).with(head));
    let plural = source.head.ends_with('s') && !source.head.ends_with("ss");
    f.add(key!("none-plural").with(class).yes(plural));
    f.add(key!("none-conjoined").yes(source.conjoined));
    f.add(key!("none-len").with(bucket(source.words.len(), &[2, 3, 5, 9])));
    f.add(key!("none-before").with(class).with(span.before));
    f.add(
        key!("none-adjacent")
            .with(class)
            .yes(source.adjacent.is_some()),
    );
    for w in &source.words {
        f.add(key!("none-word").word(w));
    }
}

fn gender_code(g: Gender) -> u64 {
    match g {
        Gender::Male => 1,
        Gender::Female => 2,
        Gender::Unknown => 3,
    }
}

fn type_code(t: EntityType) -> u64 {
    match t {
        EntityType::Person => 1,
        EntityType::Organization => 2,
        EntityType::Group => 3,
        EntityType::Unknown => 4,
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
        "n" | "w" => !entity.is_person_like(),
        "1" | "r" => person,
        _ => true,
    }
}

/// What feature extraction needs of a document, computed once (and the
/// weights that score the features as they are made, when resolving).
/// One per document, used on one thread: its caches fill as spans ask.
#[derive(Debug)]
pub struct Context<'a, 'w> {
    /// Its tokens.
    pub tok: &'a Tokenized,
    /// Its names.
    pub names: &'a Names<'a>,
    /// Per entity, the hashes of the words around its mentions and of its
    /// titles (computed when a description first asks).
    near: Vec<std::cell::OnceCell<Vec<u64>>>,
    /// Per entity, its features that do not depend on the span.
    fixed: Vec<std::cell::OnceCell<Fixed>>,
    /// Per span class asked so far, the weights of the [`Few`] features
    /// (with `weights`), unless `shared_few` keeps them.
    few: FewCache,
    /// The tables of the resolver whose weights these are, which every
    /// document it resolves shares ([`Context::sharing`]).
    shared_few: Option<&'w FewCache>,
    /// The entities' first mentions, in text order: how many entities are
    /// named before a point of the text.
    pub(crate) first_mentions: Vec<usize>,
    /// Which entities a span's walk back over the mentions has met: a
    /// stamp per entity, and the stamp of the walk under way (so that no
    /// walk clears or allocates a table as long as the entities).
    pub(crate) walked: std::cell::RefCell<(u32, Vec<u32>)>,
    /// The entity of the document's first name mention.
    pub first_entity: Option<usize>,
    /// The writer of an opinion piece: the entity whose name opens the last
    /// paragraph, followed by `is` or `was` (`Jane Doe is a professor ...`).
    pub writer: Option<usize>,
    /// Per paragraph, the entity it names when it is a signature: a full
    /// name alone (`Michael Pravica.` under a letter to the editor).
    signatures: Vec<Option<usize>>,
    /// Buckets minus one.
    pub mask: u64,
    /// Weights that score features as they are made (`2^bits` of them).
    pub weights: Option<&'w [f32]>,
    /// The features version to compute (the current one unless a resolver
    /// of an older one asks: [`Context::versioned`]).
    pub version: u32,
}

impl<'a, 'w> Context<'a, 'w> {
    /// The context of a document's names, hashing into `2^bits` buckets.
    pub fn new(tok: &'a Tokenized, names: &'a Names<'a>, bits: u32) -> Self {
        Self {
            tok,
            names,
            near: names
                .entities
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            fixed: names
                .entities
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            few: Default::default(),
            shared_few: None,
            first_mentions: {
                let mut first: Vec<usize> = names
                    .entities
                    .iter()
                    .filter_map(|e| e.mentions.first().copied())
                    .collect();
                first.sort_unstable();
                first
            },
            walked: std::cell::RefCell::new((0, vec![0; names.entities.len()])),
            first_entity: names.entity_of.first().copied().flatten(),
            writer: writer(tok, names),
            signatures: signatures(tok, names),
            mask: (1u64 << bits) - 1,
            weights: None,
            version: FEATURES_VERSION,
        }
    }

    /// The same context, computing the features of `version` (one that
    /// a resolver file may have), for a resolver trained on them.
    pub fn versioned(self, version: u32) -> Self {
        Self { version, ..self }
    }

    /// The same context, whose features are scored by `weights` as they
    /// are made (one per bucket) instead of kept.
    pub fn scored_by(self, weights: &'w [f32]) -> Self {
        debug_assert_eq!(weights.len() as u64, self.mask + 1, "one weight per bucket");
        Self {
            weights: Some(weights),
            few: Default::default(),
            shared_few: None,
            // (Scores kept from other weights would be wrong.)
            fixed: self
                .fixed
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            ..self
        }
    }

    /// The same context, whose tables of few-valued features' weights are
    /// kept in `few` (those of the resolver whose weights score it, made
    /// from them).
    pub(crate) fn sharing(self, few: &'w FewCache) -> Self {
        Self {
            shared_few: Some(few),
            ..self
        }
    }
}

impl Context<'_, '_> {
    /// Who signs the text of paragraph `p`: the entity of the first
    /// signature at or after it (letters to the editor, each followed by
    /// its writer's name).
    pub fn signer(&self, p: usize) -> Option<usize> {
        self.signatures.get(p..)?.iter().flatten().next().copied()
    }
}

/// Per paragraph, the entity of the full name that is all of it (a final
/// period allowed).
fn signatures(tok: &Tokenized, names: &Names) -> Vec<Option<usize>> {
    let mut out = vec![None; tok.paragraphs.len()];
    for (m, mention) in names.mentions.iter().enumerate() {
        if mention.keys.len() < 2 {
            continue;
        }
        let p = tok
            .paragraphs
            .partition_point(|p| p.end <= mention.tokens.start);
        let Some(paragraph) = tok.paragraphs.get(p) else {
            continue;
        };
        let end = match names.words.get(mention.words.end) {
            Some(w) if w.text == "." => w.tokens.end,
            _ => mention.tokens.end,
        };
        if mention.tokens.start == paragraph.start && end == paragraph.end {
            out[p] = names.entity_of[m];
        }
    }
    out
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

/// An entity's features that do not depend on the span (their templates
/// and values, whose weights a table of few-valued features holds).
#[derive(Debug)]
pub struct Fixed {
    /// Features added alone and conjoined with the span's class: the first
    /// `both_len` (five, and up to three that an entity may have; kept in
    /// place, not in a vector of its own).
    both: [(Few, u64); 8],
    both_len: usize,
    /// Features added alone.
    alone: [(Few, u64); 2],
    /// Their score per class hash of a span, once scored (by the weights
    /// of the [`Context`] that holds them).
    scores: std::cell::RefCell<Vec<(u64, f32)>>,
}

impl Fixed {
    /// The features' score with `weights` for a span of class hash `class`
    /// (summed once per class: they come first, so the sum is the same).
    fn score(&self, weights: &[f32], mask: u64, class: u64, few: Option<&FewWeights>) -> f32 {
        let known = self
            .scores
            .borrow()
            .iter()
            .find(|s| s.0 == class)
            .map(|s| s.1);
        known.unwrap_or_else(|| {
            let mut f = Scorer::new(weights, mask, class, few);
            self.add_all(&mut f);
            self.scores.borrow_mut().push((class, f.score));
            f.score
        })
    }

    fn add_all(&self, f: &mut impl Sink) {
        for &(few, value) in &self.both[..self.both_len] {
            f.both_few(few, value);
        }
        for &(few, value) in &self.alone {
            f.add_few(few, value);
        }
    }
}

fn class_hash(class: u64) -> u64 {
    mix(key!("class").with(class).0)
}

fn fixed_features(cx: &Context<'_, '_>, e: usize) -> Fixed {
    let names = cx.names;
    let entity: &Entity = &names.entities[e];
    let ms = || entity.mentions.iter().map(|&m| &names.mentions[m]);
    let (kind, gender) = (type_code(entity.kind), gender_code(entity.gender));
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
    let speaks = speaking_mentions(names, entity);
    // (Five, then the three optional ones in this order.)
    let mut both = [(Few::Disagrees, 0); 8];
    both[..5].copy_from_slice(&[
        (Few::Speaks, bucket(speaks, &[1, 2, 4])),
        (Few::Type, kind),
        (Few::Gender, gender),
        (Few::TypeGender, Few::TypeGender.pair(kind, gender)),
        (Few::LastParagraph, yes(last_paragraph)),
    ]);
    let mut both_len = 5;
    let optional = [
        (opens_last_paragraph, Few::OpensLastParagraph),
        (
            crate::speakers::lexicon::is_country(&entity.keys),
            Few::Country,
        ),
        (singleton_initial, Few::SingletonInitial),
    ];
    for (has, few) in optional {
        if has {
            both[both_len] = (few, 0);
            both_len += 1;
        }
    }
    let alone = [
        (Few::Total, bucket(entity.mentions.len(), &[1, 2, 3, 6, 10])),
        (Few::FirstEntity, yes(cx.first_entity == Some(e))),
    ];
    Fixed {
        both,
        both_len,
        alone,
        scores: Default::default(),
    }
}

/// Features of naming entity `e` for the span, the `recency`-th most
/// recently mentioned entity (1: the last one named before it).
pub fn entity_features<'w>(
    cx: &Context<'_, 'w>,
    span: &SpanKeys<'_>,
    e: usize,
    recency: Recency,
    history: &History,
) -> FeatureSet<'w> {
    made_with(
        cx,
        span.class_conj,
        span.few(cx),
        |s| candidate_features(cx, span, e, recency, history, s),
        |f| candidate_features(cx, span, e, recency, history, f),
    )
}

/// [`entity_features`], into `f`.
fn candidate_features(
    cx: &Context<'_, '_>,
    span: &SpanKeys<'_>,
    e: usize,
    recency: Recency,
    history: &History,
    f: &mut impl Sink,
) {
    let (tok, names) = (cx.tok, cx.names);
    let source = span.source;
    let class = span.class;
    let entity: &Entity = &names.entities[e];
    let ms = || entity.mentions.iter().map(|&m| &names.mentions[m]);
    let (kind, gender) = (type_code(entity.kind), gender_code(entity.gender));
    f.fixed(cx.fixed[e].get_or_init(|| fixed_features(cx, e)));
    let agree = span.agree;
    if let Some(agree) = agree {
        f.add(key!("agree").with(agree).with(kind).with(gender));
    }
    f.both_few(Few::Recency, bucket(recency.all, &[1, 2, 3, 4, 6]));
    if recency.writer {
        f.add(key!("writer"));
    }
    match recency.agreeing {
        Some(rank) => f.both_few(Few::AgreeRecency, bucket(rank, &[1, 2, 3, 4, 6])),
        None => f.both_few(Few::Disagrees, 0),
    }
    if let Some(m) = source.adjacent {
        let own = names.entity_of[m] == Some(e);
        f.both_few(Few::Adjacent, yes(own));
        f.add(
            key!("adjacent-before")
                .with(class)
                .yes(own)
                .with(span.before),
        );
    }
    if let Some((m, words)) = source.antecedent {
        let own = names.entity_of[m] == Some(e);
        f.both_few(
            Few::Antecedent,
            Few::Antecedent.pair(yes(own), bucket(words, &[1, 2, 4, 8])),
        );
        if cx.version >= 4 {
            f.both_few(
                Few::AntecedentApposition,
                Few::AntecedentApposition.pair(yes(own), yes(source.antecedent_described)),
            );
        }
    }
    if source.conjoined {
        f.add_few(Few::ConjoinedSpan, kind);
    }
    if let Some(m) = source.apposition.filter(|_| cx.version >= 4) {
        f.both_few(Few::Apposition, yes(names.entity_of[m] == Some(e)));
    }
    // Mentions before the span, inside it, and later (they are in text order
    // and do not overlap).
    let n_before = entity
        .mentions
        .partition_point(|&m| names.mentions[m].tokens.end <= source.tokens.start);
    let last_before = n_before
        .checked_sub(1)
        .map(|k| &names.mentions[entity.mentions[k]]);
    let inside = source.inside.iter().any(|&m| names.entity_of[m] == Some(e));
    let after = entity
        .mentions
        .last()
        .is_some_and(|&m| names.mentions[m].tokens.start >= source.tokens.end);
    f.both_few(Few::Inside, yes(inside));
    f.both_few(Few::BeforeCount, bucket(n_before, &[1, 2, 3, 6, 10]));
    if let Some(last) = last_before {
        let sentences = source.sentence.saturating_sub(last.sentence);
        let tokens = source.tokens.start.saturating_sub(last.tokens.end);
        f.both_few(Few::Sentences, bucket(sentences, &[1, 2, 3, 5, 8]));
        f.both_few(Few::Tokens, bucket(tokens, &[2, 4, 9, 21, 51, 101]));
        let subject = tok
            .sentences
            .get(last.sentence)
            .is_some_and(|s| s.start == last.tokens.start);
        f.both_few(Few::LastSubject, yes(subject));
        f.both_few(Few::LastPossessive, yes(last.possessive));
    } else {
        f.both_few(Few::NotBefore, yes(after));
        if cx.version >= 4 {
            // How far after the span it is first named (a description's
            // candidates reach ahead).
            let first = &names.mentions[entity.mentions[0]];
            let ahead = first.sentence.saturating_sub(source.sentence);
            f.both_few(Few::Ahead, bucket(ahead, &[1, 2, 3, 5, 8]));
        }
    }
    // Who spoke before.
    let last_source = history.last.flatten();
    let same_paragraph_last = history.paragraph_last(source.paragraph);
    let times = history.times(e);
    f.both_few(Few::LastSource, yes(last_source == Some(e)));
    f.both_few(Few::ParagraphSource, yes(same_paragraph_last == Some(e)));
    f.both_few(Few::SourceTimes, bucket(times, &[1, 2, 3, 5]));
    if let Some(agree) = agree {
        f.add(
            key!("agree-last-source")
                .with(agree)
                .yes(last_source == Some(e))
                .with(gender),
        );
    }
    // The names in the span: which of them is this entity's, where it sits
    // and what follows it (`Trump campaign`, `Conway, a spokeswoman`).
    let n_inside = source.inside.len();
    for (k, &m) in source.inside.iter().enumerate() {
        let mention = &names.mentions[m];
        let possessive = source.possessive(m, names);
        let keys = &mention.keys;
        let entity_keys = &entity.keys;
        // own and exact, own, compatible
        let relation = if names.entity_of[m] == Some(e) {
            if keys == entity_keys {
                1
            } else {
                2
            }
        } else if crate::speakers::entities::compatible(keys, entity_keys) {
            3
        } else {
            continue;
        };
        // only, first, last, middle
        let position = match (k, n_inside) {
            (_, 1) => 1,
            (0, _) => 2,
            (k, n) if k + 1 == n => 3,
            _ => 4,
        };
        let next = names
            .words
            .get(mention.words.end)
            .filter(|w| w.tokens.end <= source.tokens.end)
            .map_or("$", |w| w.key());
        let starts = mention.tokens.start == source.tokens.start;
        let (prev, preposition) = span.before_names[k];
        f.add(key!("name-prev").with(relation).yes(possessive).with(prev));
        f.add(
            key!("name-preposition")
                .with(relation)
                .yes(preposition)
                .yes(possessive),
        );
        // The span is the name (and maybe `the`): `Russia`, `the White House`.
        let whole = source.is_name_alone(m, names);
        f.add(key!("name-whole").with(relation).yes(whole).with(kind));
        let name = key!("name").with(relation);
        f.add(name);
        f.add(name.with(kind));
        f.add(
            key!("name-position")
                .with(relation)
                .with(position)
                .yes(possessive),
        );
        f.add(key!("name-next").with(relation).yes(possessive).word(next));
        f.add(
            key!("name-starts")
                .with(relation)
                .yes(starts)
                .with(position),
        );
        f.add(
            key!("name-size")
                .with(relation)
                .with(bucket(keys.len(), &[2, 3, 4])),
        );
    }
    // Description words near the entity's mentions, or among its titles.
    if source.name.is_none() && source.pronoun.is_none() {
        let near = cx.near[e].get_or_init(|| near_words(names, entity, 4));
        let overlap = span
            .content
            .iter()
            .filter(|w| sorted_has(near, w.hash))
            .count();
        f.add_few(Few::Overlap, bucket(overlap, &[1, 2, 3]));
        let near_head = yes(sorted_has(near, span.head));
        f.add_few(Few::HeadNear, Few::HeadNear.pair(near_head, kind));
        f.add(key!("head-type").with(span.head).with(kind));
        // Whether the head names an organization (`the bank`) or a role
        // (`the governor`), against the candidate's type.
        f.add_few(Few::HeadClass, Few::HeadClass.pair(span.head_class, kind));
        // `the commission` for the Commission on Presidential Debates.
        let entity_keys = &entity.keys;
        let in_name = span
            .content
            .iter()
            .filter(|w| entity_keys.iter().any(|k| k == w.word))
            .count();
        f.add_few(
            Few::HeadInName,
            Few::HeadInName.pair(yes(entity_keys.contains(&source.head)), kind),
        );
        f.add_few(Few::WordsInName, bucket(in_name, &[1, 2, 3]));
        if let Some(last) = entity_keys.last() {
            f.add(key!("head-last").with(span.head).word(last));
        }
        let titled = ms().any(|m| m.titles.iter().any(|t| source.words.contains(t)));
        f.add_few(Few::TitleMatch, yes(titled));
    }
    if let Some(first) = &entity.keys.first() {
        if let Some(p) = span.pronoun {
            f.add(key!("first-name").word(first).with(p));
        }
    }
}

/// How many of an entity's mentions have a speech verb beside them (`Doe
/// said`, `Doe also said`, `said Doe`, `according to Doe`; not `Doe’s said`):
/// evidence that it is someone who speaks.
fn speaking_mentions(names: &Names, entity: &Entity) -> usize {
    let key = |k: usize| names.word_key(k);
    entity
        .mentions
        .iter()
        .map(|&m| &names.mentions[m])
        .filter(|m| {
            let (start, end) = (m.words.start, m.words.end);
            let next = match key(end).filter(|_| !m.possessive) {
                Some("also" | "has" | "had" | "have" | "later" | "then" | "once" | "again") => {
                    key(end + 1)
                }
                n => n,
            };
            let prev = start.checked_sub(1).and_then(key);
            let according =
                prev == Some("to") && start.checked_sub(2).and_then(key) == Some("according");
            next.is_some_and(is_speech_verb) || prev.is_some_and(is_speech_verb) || according
        })
        .count()
}

/// True for the verbs that most often report speech.
fn is_speech_verb(word: &str) -> bool {
    matches!(
        word,
        "said"
            | "says"
            | "say"
            | "told"
            | "added"
            | "wrote"
            | "tweeted"
            | "argued"
            | "asked"
            | "explained"
            | "noted"
            | "stated"
            | "claimed"
            | "insisted"
            | "warned"
            | "responded"
            | "replied"
    )
}

/// The hashes of the lower-case words within `window` words of an entity's
/// mentions (its titles and appositions: "the Vermont senator", "Republican
/// nominee"), titles written out.
/// Sorted, for [`sorted_has`]. (Only these windows' words are hashed: most
/// of a document's words are near no entity a description asks about.)
fn near_words(names: &Names, entity: &Entity, window: usize) -> Vec<u64> {
    // (Room for the windows of mentions of up to three words and a title
    // each, made once: growing it a few times over cost more than filling
    // it.)
    let mut out = Vec::with_capacity(entity.mentions.len() * (2 * window + 4));
    for &m in &entity.mentions {
        let r = &names.mentions[m].words;
        let from = r.start.saturating_sub(window);
        let to = (r.end + window).min(names.words.len());
        out.extend(
            names.words[from..to]
                .iter()
                .map(|w| word_hash(full_title(w.key()))),
        );
        for t in &names.mentions[m].titles {
            out.push(word_hash(full_title(t)));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// True when sorted `hashes` has `h`.
fn sorted_has(hashes: &[u64], h: u64) -> bool {
    hashes.binary_search(&h).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Document, Tokenizer};

    #[test]
    fn mentions_beside_speech_verbs_are_counted() {
        let doc = Document::new(
            "d",
            "Jane Roe met the Acme Corp board. Roe said the plan works. Roe also said more. \
             According to Roe, it works. The plan, said Jane Roe, is sound. \
             Acme Corp’s said nothing new. Acme Corp spoke with Roe.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let count = |name: &str| {
            let e = names
                .entities
                .iter()
                .find(|e| e.name.join(" ") == name)
                .unwrap_or_else(|| panic!("no {name}"));
            speaking_mentions(&names, e)
        };
        assert_eq!(count("Jane Roe"), 4);
        assert_eq!(count("Acme Corp"), 0, "a possessive does not speak");
    }
}

#[cfg(test)]
mod tables {
    use super::*;
    use crate::speakers::resolver::{candidates, SpeakerResolver};
    use quotekit_data::{load_corpus, Format, LoadOptions, Tokenizer};

    fn lcg_weights(bits: u32, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..1usize << bits)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 3.7
            })
            .collect()
    }

    #[test]
    fn every_template_has_its_row_and_its_values_fit() {
        for (i, few) in Few::ALL.iter().enumerate() {
            assert_eq!(*few as usize, i, "{few:?}");
            assert!((*few.values().end() as usize) < FEW_VALUES, "{few:?}");
        }
    }

    /// `Few::key` gives the keys the features were hashed with before the
    /// tables (the expressions of their call sites then).
    #[test]
    fn few_keys_are_the_features_keys() {
        for v in 0..8u64 {
            assert_eq!(Few::Recency.key(v), key!("recency").with(v));
            assert_eq!(Few::AgreeRecency.key(v), key!("agree-recency").with(v));
            assert_eq!(Few::BeforeCount.key(v), key!("before-count").with(v));
            assert_eq!(Few::Sentences.key(v), key!("sentences").with(v));
            assert_eq!(Few::Tokens.key(v), key!("tokens").with(v));
            assert_eq!(Few::Ahead.key(v), key!("ahead").with(v));
            assert_eq!(Few::SourceTimes.key(v), key!("source-times").with(v));
            assert_eq!(Few::Overlap.key(v), key!("overlap").with(v));
            assert_eq!(Few::WordsInName.key(v), key!("words-in-name").with(v));
            assert_eq!(Few::Speaks.key(v), key!("speaks").with(v));
            assert_eq!(Few::Total.key(v), key!("total").with(v));
            assert_eq!(Few::Type.key(v), key!("type").with(v));
            assert_eq!(Few::Gender.key(v), key!("gender").with(v));
            assert_eq!(Few::ConjoinedSpan.key(v), key!("conjoined-span").with(v));
        }
        for b in [false, true] {
            assert_eq!(Few::Adjacent.key(yes(b)), key!("adjacent").yes(b));
            assert_eq!(Few::Apposition.key(yes(b)), key!("apposition").yes(b));
            assert_eq!(Few::Inside.key(yes(b)), key!("inside").yes(b));
            assert_eq!(Few::LastSubject.key(yes(b)), key!("last-subject").yes(b));
            assert_eq!(
                Few::LastPossessive.key(yes(b)),
                key!("last-possessive").yes(b)
            );
            assert_eq!(Few::NotBefore.key(yes(b)), key!("not-before").yes(b));
            assert_eq!(Few::LastSource.key(yes(b)), key!("last-source").yes(b));
            assert_eq!(
                Few::ParagraphSource.key(yes(b)),
                key!("paragraph-source").yes(b)
            );
            assert_eq!(Few::TitleMatch.key(yes(b)), key!("title-match").yes(b));
            assert_eq!(
                Few::LastParagraph.key(yes(b)),
                key!("last-paragraph").yes(b)
            );
            assert_eq!(Few::FirstEntity.key(yes(b)), key!("first-entity").yes(b));
            for w in 0..8u64 {
                assert_eq!(
                    Few::Antecedent.key(yes(b) << 3 | w),
                    key!("antecedent").yes(b).with(w)
                );
            }
            for c in [false, true] {
                assert_eq!(
                    Few::AntecedentApposition.key(yes(b) << 2 | yes(c)),
                    key!("antecedent-apposition").yes(b).yes(c)
                );
            }
            for kind in 1..=4u64 {
                assert_eq!(
                    Few::HeadNear.key(yes(b) << 3 | kind),
                    key!("head-near").yes(b).with(kind)
                );
                assert_eq!(
                    Few::HeadInName.key(yes(b) << 3 | kind),
                    key!("head-in-name").yes(b).with(kind)
                );
            }
        }
        for kind in 1..=4u64 {
            for hc in 1..=3u64 {
                assert_eq!(
                    Few::HeadClass.key(hc << 3 | kind),
                    key!("head-class").with(hc).with(kind)
                );
            }
            for g in 1..=3u64 {
                assert_eq!(
                    Few::TypeGender.key(kind << 2 | g),
                    key!("type-gender").with(kind).with(g)
                );
            }
        }
        assert_eq!(Few::Disagrees.key(0), key!("disagrees"));
        assert_eq!(Few::OpensLastParagraph.key(0), key!("opens-last-paragraph"));
        assert_eq!(Few::Country.key(0), key!("country"));
        assert_eq!(Few::SingletonInitial.key(0), key!("singleton-initial"));
    }

    /// For every template, value below 64 and several span classes, the
    /// table adds what hashing adds, to the bit, from any running score.
    #[test]
    fn the_tables_add_what_hashing_adds() {
        let w = lcg_weights(16, 7);
        let mask = (1u64 << 16) - 1;
        let mut n = 0;
        for cls in [
            "name",
            "desc",
            "possessive",
            "pron:he",
            "pron:they",
            "pron:?",
        ] {
            let class = class_hash(word_hash(cls));
            let table = FewWeights::new(&w, mask, class);
            for few in Few::ALL {
                for v in 0..64u64 {
                    for start in [0.0f32, 0.1234, -7.77, 1e7] {
                        let mut a = Scorer::new(&w, mask, class, Some(&table));
                        let mut b = Scorer::new(&w, mask, class, None);
                        a.score = start;
                        b.score = start;
                        a.both_few(few, v);
                        b.both(few.key(v));
                        assert_eq!(a.score.to_bits(), b.score.to_bits(), "{cls} {few:?} {v}");
                        a.add_few(few, v);
                        b.add(few.key(v));
                        assert_eq!(a.score.to_bits(), b.score.to_bits(), "{cls} {few:?} {v}");
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(n, 6 * Few::ALL.len() * 64 * 4);
    }

    /// The embedded sample corpus.
    fn docs() -> Vec<quotekit_data::Document> {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample");
        load_corpus(&root, Format::Brat, &LoadOptions::default())
            .unwrap()
            .documents
    }

    /// Scores made as features are made (with the tables) against the sum of
    /// the same candidates' ids (the hashing/training path), bitwise, for
    /// features versions 3, 4 and 5, on the gold spans, every name mention and
    /// every single-token span that is a pronoun.
    #[test]
    fn scores_with_the_tables_are_the_sums_of_the_hashed_ids() {
        let r = SpeakerResolver::builtin();
        let docs = docs();
        let tokenizer = Tokenizer::new();
        let (mut cands, mut spans_n) = (0usize, 0usize);
        for version in [5u32, 4, 3] {
            for doc in &docs {
                let tok0 = tokenizer.tokenize(doc);
                let tok = tok0.tiled();
                let names = Names::of(doc, &tok);
                let mut spans: Vec<std::ops::Range<usize>> =
                    crate::speakers::train::named_sources(doc, &tok)
                        .into_iter()
                        .map(|(r, _)| r)
                        .collect();
                spans.extend(names.mentions.iter().map(|m| m.tokens.clone()));
                for (i, t) in tok.tokens.iter().enumerate() {
                    let s = t.text(doc.text()).to_lowercase();
                    if matches!(
                        s.as_str(),
                        "he" | "she"
                            | "they"
                            | "it"
                            | "i"
                            | "we"
                            | "who"
                            | "his"
                            | "her"
                            | "their"
                            | "its"
                    ) {
                        spans.push(i..i + 1);
                    }
                }
                spans.sort_by_key(|r| (r.start, r.end));
                spans.dedup();
                let scored = Context::new(&tok, &names, r.bits)
                    .versioned(version)
                    .scored_by(r.weights())
                    .sharing(&r.few);
                let kept = Context::new(&tok, &names, r.bits).versioned(version);
                let mut history = History::default();
                for range in spans {
                    if range.is_empty() {
                        continue;
                    }
                    let source =
                        crate::speakers::source::Source::seen_by(&tok, &names, range, version);
                    let a = candidates(&scored, &source, &history);
                    let b = candidates(&kept, &source, &history);
                    assert_eq!(a.len(), b.len());
                    for (x, y) in a.iter().zip(&b) {
                        assert_eq!(x.entity, y.entity);
                        let sum: f32 = y
                            .features
                            .ids
                            .iter()
                            .map(|&i| r.weights()[i as usize])
                            .sum();
                        let got = x.features.score().unwrap();
                        assert_eq!(
                            got.to_bits(),
                            sum.to_bits(),
                            "{} v{version} {:?}",
                            doc.id,
                            x.entity
                        );
                        cands += 1;
                    }
                    spans_n += 1;
                    history.push(&source, r.best(&a));
                }
            }
        }
        assert!(
            spans_n > 10 && cands > spans_n,
            "{spans_n} spans, {cands} candidates"
        );
    }

    /// A span scored under two contexts of different weights, or a cache
    /// filled from other weights, scores as the weights it is scored by.
    #[test]
    fn other_weights_never_read_a_table_of_the_first() {
        let doc = quotekit_data::Document::new(
            "d",
            "Ann Lee said the plan works. Bob Moss agreed. \"It fails,\" the mayor said.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let w1 = lcg_weights(16, 1);
        let w2 = lcg_weights(16, 2);
        let at = tok
            .tokens
            .iter()
            .position(|t| t.text(doc.text()) == "mayor")
            .unwrap();
        let source = crate::speakers::source::Source::new(&tok, &names, at - 1..at + 1);
        let span = SpanKeys::new(&source, &names);
        let cx1 = Context::new(&tok, &names, 16).scored_by(&w1);
        let cx2 = Context::new(&tok, &names, 16).scored_by(&w2);
        let fresh = SpanKeys::new(&source, &names);
        let rec = Recency {
            all: 1,
            agreeing: Some(1),
            writer: false,
        };
        let h = History::default();
        let _ = entity_features(&cx1, &span, 0, rec, &h).score();
        let reused = entity_features(&cx2, &span, 0, rec, &h).score().unwrap();
        let right = entity_features(&cx2, &fresh, 0, rec, &h).score().unwrap();
        // A FewCache filled from w1 shared into a context scored by w2.
        let cache = FewCache::default();
        let cx1s = Context::new(&tok, &names, 16)
            .scored_by(&w1)
            .sharing(&cache);
        let s1 = SpanKeys::new(&source, &names);
        let _ = entity_features(&cx1s, &s1, 0, rec, &h);
        let cx2s = Context::new(&tok, &names, 16)
            .scored_by(&w2)
            .sharing(&cache);
        let s2 = SpanKeys::new(&source, &names);
        let shared = entity_features(&cx2s, &s2, 0, rec, &h).score().unwrap();
        assert_eq!(
            reused.to_bits(),
            right.to_bits(),
            "a span's table of other weights"
        );
        assert_eq!(
            shared.to_bits(),
            right.to_bits(),
            "a cache of other weights"
        );
    }
}
