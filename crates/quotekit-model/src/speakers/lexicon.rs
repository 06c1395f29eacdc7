//! The word lists of speaker resolution: words that do not begin names,
//! titles and honorifics, the last words of organization names, groups,
//! pronouns, and the lookup form of a word ([`key`]).
//! The file runs over 500 lines because rustfmt writes the lists one word per
//! line; there is no logic here beyond [`key`] (and [`key_of`], which
//! borrows it when it can).

/// A fixed set of lower-case words, hashed on first use.
pub(crate) struct WordSet {
    /// Its words, in one list or two (a list that another set also has).
    words: [&'static [&'static str]; 2],
    /// Bit [`WordSet::slot`] set for each word: which lengths and first
    /// bytes its words have.
    shapes: [u64; 8],
    set: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>>,
}

impl WordSet {
    pub(crate) const fn new(words: &'static [&'static str]) -> Self {
        Self::of_both(words, &[])
    }

    /// The set of the words of `words` and of `more`.
    pub(crate) const fn of_both(
        words: &'static [&'static str],
        more: &'static [&'static str],
    ) -> Self {
        let mut shapes = [0; 8];
        let lists = [words, more];
        let mut l = 0;
        while l < lists.len() {
            let mut i = 0;
            while i < lists[l].len() {
                let slot = Self::slot(lists[l][i].as_bytes());
                shapes[slot / 64] |= 1 << (slot % 64);
                i += 1;
            }
            l += 1;
        }
        Self {
            words: lists,
            shapes,
            set: std::sync::OnceLock::new(),
        }
    }

    /// A word's bit in `shapes` (of 512): its length (up to 15) and its
    /// first byte modulo 32 (lower-case letters apart).
    const fn slot(b: &[u8]) -> usize {
        Self::shape_slot(b.len(), if b.is_empty() { None } else { Some(b[0]) })
    }

    /// [`WordSet::slot`] of a word of length `len` and first byte `first`.
    const fn shape_slot(len: usize, first: Option<u8>) -> usize {
        let len = if len < 15 { len } else { 15 };
        let first = match first {
            Some(b) => (b % 32) as usize,
            None => 0,
        };
        len * 32 + first
    }

    /// False when no word of the set has length `len` and first byte
    /// `first` (what [`WordSet::contains`] asks first).
    pub(crate) fn may_have(&self, len: usize, first: Option<u8>) -> bool {
        let slot = Self::shape_slot(len, first);
        self.shapes[slot / 64] & (1 << (slot % 64)) != 0
    }

    /// True when `word` is in the set.
    pub(crate) fn contains(&self, word: &str) -> bool {
        // (Most words asked about have a length and first letter that no
        // word of the set has: they are answered without hashing.)
        let slot = Self::slot(word.as_bytes());
        if self.shapes[slot / 64] & (1 << (slot % 64)) == 0 {
            return false;
        }
        self.set
            .get_or_init(|| self.words.iter().flat_map(|w| w.iter().copied()).collect())
            .contains(word)
    }
}

/// Lower case of a word for lookups: the text without dots, apostrophes or
/// quotation marks at the ends.
pub fn key(word: &str) -> String {
    key_of(word).into_owned()
}

/// [`key`] without a copy when it is a slice of `word` (lower case already).
/// (Inline: `words` asks it once per word of a document.)
#[inline]
pub fn key_of(word: &str) -> std::borrow::Cow<'_, str> {
    // (Nothing to trim when both ends are ASCII letters or digits.)
    let b = word.as_bytes();
    let trimmed = if b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
    {
        word
    } else {
        word.trim_matches(|c: char| matches!(c, '.' | '’' | '\'' | '“' | '”' | '"'))
    };
    if trimmed
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        return std::borrow::Cow::Borrowed(trimmed);
    }
    std::borrow::Cow::Owned(lower_key(trimmed))
}

/// The lower case of a trimmed word, `’` as `'`.
fn lower_key(trimmed: &str) -> String {
    if trimmed.is_ascii() {
        return trimmed.to_ascii_lowercase();
    }
    trimmed
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '’' { '\'' } else { c })
        .collect()
}

/// Words an acronym may leave out or keep.
pub(crate) fn is_small_word(w: &str) -> bool {
    matches!(
        w,
        "and" | "of" | "the" | "for" | "&" | "on" | "to" | "in" | "at" | "a"
    )
}

/// True when `letters` (at most 31) are the initials of `words` (lower
/// case), each small word counted or skipped, and a hyphenated word's
/// parts counted as one word or each (`EKCC` for the Estravian-Kelmari
/// Chamber of Commerce). (One pass over the words, keeping which numbers
/// of letters their initials can spell so far: a run of small words costs
/// no more than other words.)
pub(crate) fn initials_match<S: AsRef<str>>(letters: &[char], words: &[S]) -> bool {
    let n = letters.len();
    if n > 31 {
        return false;
    }
    // Where `spelled` can go by one more initial, `first`.
    let step = |spelled: u32, first: Option<char>| {
        let matching = (0..n)
            .filter(|&j| Some(letters[j]) == first)
            .fold(0u32, |m, j| m | 1 << j);
        (spelled & matching) << 1
    };
    // (Bit `j`: the words so far can spell `letters[..j]`.)
    let mut spelled: u32 = 1;
    for w in words {
        let w = w.as_ref();
        let mut counted = step(spelled, w.chars().next());
        if w.contains('-') {
            counted |= w
                .split('-')
                .filter(|p| !p.is_empty())
                .fold(spelled, |s, p| step(s, p.chars().next()));
        }
        spelled = if is_small_word(w) {
            spelled | counted
        } else {
            counted
        };
        if spelled == 0 {
            return false;
        }
    }
    spelled & 1 << n != 0
}

/// True when `word` is in capitals: two letters or more, each upper case
/// (`NATO`, `U.N.`, `DES`; not `Nato`, nor letters of a script without
/// case).
pub(crate) fn in_capitals(word: &str) -> bool {
    word.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && word.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
}

/// Pronouns that name no one, which a capital may begin where no sentence
/// does (`“Nobody came,” she said`): no name is one of them or opens with
/// one. (Asked of a run's first word, not of every word: [`NOT_NAMES`] is.)
pub(crate) const NO_ONE: [&str; 7] = [
    "nobody",
    "everybody",
    "somebody",
    "anybody",
    "everyone",
    "someone",
    "anyone",
];

/// Capitalised words that do not begin a name.
pub(crate) static NOT_NAMES: WordSet = WordSet::new(&[
    "a",
    "an",
    "the",
    "and",
    "but",
    "or",
    "nor",
    "so",
    "yet",
    "if",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "into",
    "of",
    "on",
    "to",
    "with",
    "without",
    "after",
    "before",
    "since",
    "while",
    "when",
    "where",
    "why",
    "how",
    "what",
    "who",
    "whom",
    "whose",
    "which",
    "that",
    "this",
    "these",
    "those",
    "there",
    "here",
    "then",
    "than",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "its",
    "their",
    "our",
    "my",
    "your",
    "him",
    "them",
    "us",
    "me",
    "not",
    "no",
    "yes",
    "all",
    "some",
    "many",
    "most",
    "more",
    "one",
    "two",
    "three",
    "every",
    "each",
    "both",
    "other",
    "another",
    "such",
    "also",
    "still",
    "just",
    "even",
    "now",
    "today",
    "yesterday",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "aug",
    "sept",
    "oct",
    "nov",
    "dec",
    "probably",
    "absolutely",
    "people",
    "ninety",
    "is",
    "was",
    "are",
    "were",
    "be",
    "been",
    "do",
    "does",
    "did",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "said",
    "says",
    "according",
    "however",
    "meanwhile",
    "update",
    "read",
    "watch",
    "photo",
    "video",
    "via",
    "like",
    "over",
    "under",
    "about",
    "against",
    "because",
    "although",
    "though",
    "despite",
    "during",
    "through",
    "per",
    "among",
    "once",
    "lest",
    "nonetheless",
    "nevertheless",
    "moreover",
    "furthermore",
    "instead",
    "indeed",
    "perhaps",
    "maybe",
    "thus",
    "hence",
    "therefore",
    "otherwise",
    "besides",
    "clearly",
    "sadly",
    "thankfully",
    "unfortunately",
    "fortunately",
    "finally",
    "again",
    "until",
    "unless",
    "whether",
]);

/// Lower-case words allowed inside a name between capitalised ones: the
/// [`PARTICLES`] and a few more.
pub(crate) static CONNECTORS: WordSet = WordSet::of_both(PARTICLE_LIST, &["of", "for", "on", "&"]);

/// Words written with a full stop that does not end the sentence.
pub(crate) static ABBREVIATIONS: WordSet = WordSet::new(&[
    "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "capt", "adm", "jr",
    "sr", "st", "inc", "co", "corp", "ltd", "mt", "ft", "rev", "prof", "del", "cmdr", "jan", "feb",
    "aug", "sept", "oct", "nov", "dec", "vs",
]);

/// Endings of contractions (`Don’t`, `We’ll`), which are not names.
pub(crate) const CONTRACTIONS: &[&str] = &["'t", "'ll", "'re", "'ve", "'d", "'m"];

/// Organization head words that a definite description uses for bodies a
/// text often leaves unnamed, or names by another word (`the party` for the
/// GOP, `the union` where the European Union is named, `the group`, `the
/// network`, `the city`): no rule for them, the ranker's call.
pub(crate) static UNNAMED_BODIES: WordSet = WordSet::new(&[
    "party",
    "union",
    "group",
    "network",
    "city",
    "state",
    "police",
    "government",
    "administration",
    "campaign",
    "house",
    "country",
    "nation",
    "county",
]);

/// What a body's name may say it covers after `and` (`Ministry of Commerce
/// and Industry`, `Department of Health and Human Services`).
pub(crate) static REMITS: WordSet = WordSet::new(&[
    "marine",
    "mineral",
    "information",
    "veterans",
    "children",
    "women",
    "social",
    "local",
    "regional",
    "industry",
    "trade",
    "human",
    "services",
    "technology",
    "development",
    "security",
    "affairs",
    "resources",
    "environment",
    "energy",
    "transport",
    "transportation",
    "commerce",
    "science",
    "innovation",
    "employment",
    "labour",
    "labor",
    "welfare",
    "health",
    "education",
    "culture",
    "sport",
    "sports",
    "tourism",
    "agriculture",
    "fisheries",
    "forestry",
    "food",
    "rural",
    "urban",
    "housing",
    "planning",
    "justice",
    "finance",
    "economy",
    "customs",
    "border",
    "immigration",
    "protection",
    "prevention",
    "research",
    "communications",
    "arts",
    "heritage",
    "youth",
    "family",
    "families",
    "water",
    "irrigation",
    "sanitation",
    "climate",
    "mines",
    "works",
    "natural",
    "public",
]);

/// Name particles, which join the words of a person's name (`Beto de Leon`).
pub(crate) static PARTICLES: WordSet = WordSet::new(PARTICLE_LIST);

/// The words of [`PARTICLES`], which [`CONNECTORS`] has too.
const PARTICLE_LIST: &[&str] = &[
    "de", "del", "della", "van", "von", "der", "den", "la", "le", "du", "bin", "ibn", "al", "da",
    "dos", "ter", "ap", "ab", "ole",
];

/// Person titles and honorifics taken off the front of a name.
pub(crate) static TITLES: WordSet = WordSet::of_both(
    &[
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sen",
        "senator",
        "rep",
        "representative",
        "gov",
        "governor",
        "president",
        "vice",
        "secretary",
        "minister",
        "prime",
        "judge",
        "justice",
        "rev",
        "reverend",
        "sir",
        "mayor",
        "chairman",
        "chairwoman",
        "chair",
        "speaker",
        "gen",
        "general",
        "lt",
        "col",
        "sgt",
        "adm",
        "admiral",
        "capt",
        "captain",
        "attorney",
        "chief",
        "former",
        "first",
        "lady",
        "candidate",
        "nominee",
        "pope",
        "sheriff",
        "commissioner",
        "moderator",
        "director",
        "ambassador",
        "leader",
        "majority",
        "minority",
        "house",
        "senate",
        "press",
        "deputy",
        "assistant",
        "state",
        "defense",
        "homeland",
        "security",
        "treasury",
        "labor",
        "commerce",
        "energy",
        "education",
        "elect",
        "president-elect",
        "u.s",
        "us",
        "republican",
        "democratic",
        "democrat",
        "gop",
        "fbi",
        "cia",
        "supreme",
        "court",
        "federal",
        "foreign",
        "interior",
        "army",
        "navy",
        "activist",
        "journalist",
        "author",
        "professor",
        "prof",
        "analyst",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "agent",
        "coach",
        "pastor",
        "writer",
        "economist",
        "executive",
        "administrator",
        "founder",
        "host",
        "anchor",
        "correspondent",
        "reporter",
        "columnist",
        "editor",
        "producer",
        "strategist",
        "pollster",
        "adviser",
        "advisor",
        "aide",
        "consultant",
        "lawyer",
        "councilman",
        "councilwoman",
        "councilmember",
        "congressman",
        "congresswoman",
        "lawmaker",
        "assemblyman",
        "assemblywoman",
        "comptroller",
        "treasurer",
        "superintendent",
        "inspector",
        "constable",
        "councillor",
        "cllr",
        "coroner",
        "magistrate",
        "prosecutor",
        "trustee",
        "sergeant",
        "lieutenant",
        "colonel",
        "commander",
        "detective",
        "chancellor",
        "dean",
        "chairperson",
        "manager",
        "organizer",
        "rabbi",
        "imam",
        "bishop",
        "cardinal",
        "officer",
        "officials",
        "official",
        "delegate",
    ],
    ROLE_ACRONYMS,
);

/// Honorifics: what follows them is a name whatever the word (`Mr. Chief`).
pub(crate) static HONORIFICS: WordSet = WordSet::new(&["mr", "mrs", "ms", "miss", "dr"]);

/// Titles that take a name's first word from a full name (`President Obama`),
/// as against words that may also be names (`King`).
pub(crate) static NAME_TITLES: WordSet = WordSet::new(&[
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "sen",
    "senator",
    "rep",
    "representative",
    "gov",
    "governor",
    "president",
    "secretary",
    "judge",
    "justice",
    "rev",
    "reverend",
    "mayor",
    "gen",
    "general",
    "chief",
    "speaker",
    "professor",
    "prof",
]);

/// Last words of newspapers' names that are surnames too (`Brannock
/// Ledger`, `Heath Ledger`): a name of two words or more that ends with one
/// is an organization's only when no title and no first name says it is a
/// person's ([`crate::speakers::entities`]' types).
pub(crate) static NEWSPAPER_HEADS: WordSet = WordSet::new(&[
    "ledger",
    "gazette",
    "courier",
    "chronicle",
    "clarion",
    "sentinel",
    "inquirer",
]);

/// Acronyms of roles (`The CFO said`): titles, and no names.
pub(crate) const ROLE_ACRONYMS: &[&str] = &["ceo", "cfo", "coo", "cto"];

/// Last words of organization names.
pub(crate) static ORGANIZATION_HEADS: WordSet = WordSet::of_both(
    &[
        "department",
        "festival",
        "cooperative",
        "collective",
        "guild",
        "times",
        "post",
        "news",
        "journal",
        "party",
        "committee",
        "commission",
        "court",
        "university",
        "institute",
        "center",
        "centre",
        "council",
        "association",
        "foundation",
        "agency",
        "bureau",
        "office",
        "house",
        "senate",
        "congress",
        "administration",
        "network",
        "fund",
        "group",
        "company",
        "corp",
        "inc",
        "service",
        "services",
        "board",
        "bank",
        "chamber",
        "organization",
        "union",
        "coalition",
        "tribune",
        "herald",
        "globe",
        "magazine",
        "press",
        "review",
        "society",
        "club",
        "church",
        "school",
        "college",
        "academy",
        "ministry",
        "parliament",
        "government",
        "assembly",
        "caucus",
        "project",
        "alliance",
        "federation",
        "league",
        "trust",
        "pac",
        "campaign",
        "corporation",
        "reuters",
        "cnn",
        "msnbc",
        "fox",
        "nbc",
        "cbs",
        "abc",
        "npr",
        "politifact",
        "politico",
        "breitbart",
        "twitter",
        "facebook",
        "google",
        "state",
        "states",
        "nations",
        "forces",
        "police",
        "army",
        "navy",
        "guard",
        "bloomberg",
        "hospital",
        "city",
        "clinic",
        "museum",
        "zoo",
        "library",
        "institution",
        "endowment",
        "laboratory",
        "authority",
        "studios",
        "tribunal",
        "diocese",
        "archdiocese",
    ],
    // And a firm's last words (`Halcyon Systems`, `Halvorsen Pumps ASA`).
    FIRM_WORD_LIST,
);

/// The last words of a firm's name after which its first word alone names
/// it (`Halcyon` for Halcyon Systems, `Carlyle` for the Carlyle Group): a
/// legal form or what it makes or does, all of them [`ORGANIZATION_HEADS`].
pub(crate) static FIRM_WORDS: WordSet = WordSet::new(FIRM_WORD_LIST);

/// The words of [`FIRM_WORDS`], which [`ORGANIZATION_HEADS`] has too.
const FIRM_WORD_LIST: &[&str] = &[
    "power",
    "gas",
    "electric",
    "systems",
    "records",
    "estates",
    "holdings",
    "industries",
    "technologies",
    "labs",
    "partners",
    "ventures",
    "airlines",
    "airways",
    "motors",
    "pharmaceuticals",
    "entertainment",
    "media",
    "communications",
    "enterprises",
    "properties",
    "solutions",
    "software",
    "brands",
    "foods",
    "energy",
    "logistics",
    "networks",
    "co",
    "ltd",
    "llc",
    "plc",
    "asa",
    "gmbh",
    "llp",
    "l.p",
    "lp",
    "group",
    "company",
    "corp",
    "corporation",
    "inc",
    "studios",
    "chemical",
    "chemicals",
    "brewing",
    "brewery",
    "apps",
    "architects",
    "pharma",
    "mining",
    "petroleum",
    "steel",
    "insurance",
    "bancorp",
    "beverages",
    "electronics",
    "semiconductor",
    "semiconductors",
    "robotics",
    "biotech",
    "therapeutics",
    "shipping",
    "freight",
    "telecom",
    "wireless",
    "trains",
    "hotels",
    "resorts",
    "stores",
    "retail",
    "apparel",
];

/// Nouns for what a person is or does that a description's head may be
/// (`the striker`, `the singer`), besides the [`TITLES`] that are nouns.
pub(crate) static ROLE_NOUNS: WordSet = WordSet::new(&[
    "striker",
    "goalkeeper",
    "defender",
    "midfielder",
    "forward",
    "quarterback",
    "pitcher",
    "player",
    "singer",
    "rapper",
    "musician",
    "artist",
    "actor",
    "actress",
    "star",
    "incumbent",
    "challenger",
    "diplomat",
    "envoy",
    "prosecutor",
    "defendant",
    "researcher",
    "scientist",
    "doctor",
    "physician",
    "surgeon",
    "nurse",
    "midwife",
    "teacher",
    "principal",
    "owner",
    "entrepreneur",
    "investor",
    "businessman",
    "businesswoman",
    "politician",
    "historian",
    "novelist",
    "poet",
    "filmmaker",
    "umpire",
    "referee",
    "champion",
    "chef",
    "student",
    "worker",
    "resident",
    "farmer",
    "retiree",
    "volunteer",
    "veteran",
    "parent",
]);

/// True when a description's head (a title written out) is a person's role:
/// a title that is a noun (not an honorific, `former`, `vice` or `state`),
/// or one of [`ROLE_NOUNS`].
pub(crate) fn is_role(head: &str) -> bool {
    ROLE_NOUNS.contains(head)
        || (TITLES.contains(head)
            && !HONORIFICS.contains(head)
            && !matches!(
                head,
                "former"
                    | "first"
                    | "vice"
                    | "prime"
                    | "elect"
                    | "u.s"
                    | "us"
                    | "republican"
                    | "democratic"
                    | "democrat"
                    | "gop"
                    | "fbi"
                    | "cia"
                    | "supreme"
                    | "court"
                    | "federal"
                    | "foreign"
                    | "interior"
                    | "army"
                    | "navy"
                    | "house"
                    | "senate"
                    | "press"
                    | "deputy"
                    | "assistant"
                    | "state"
                    | "defense"
                    | "homeland"
                    | "security"
                    | "treasury"
                    | "labor"
                    | "commerce"
                    | "energy"
                    | "education"
                    | "majority"
                    | "minority"
                    | "lady"
                    | "official"
                    | "officials"
                    | "chief"
            ))
}

/// Capitalised words for groups of people, who have no one name.
pub(crate) static GROUPS: WordSet = WordSet::new(&[
    "democrats",
    "republicans",
    "americans",
    "conservatives",
    "liberals",
    "progressives",
    "muslims",
    "christians",
    "jews",
    "evangelicals",
    "hispanics",
    "latinos",
    "republican",
    "democrat",
    "democratic",
    "americans",
    "europeans",
    "russians",
    "chinese",
    "mexicans",
    "british",
    "french",
    "germans",
    "israelis",
    "palestinians",
    "iranians",
    "syrians",
    "veterans",
    "millennials",
    "independents",
    "libertarians",
    "dems",
    "african-american",
    "african-americans",
    "latino",
    "latinos",
    "latina",
    "latinas",
    "black",
    "blacks",
    "white",
    "whites",
    "asian",
    "asians",
    "hispanic",
    "catholics",
    "protestants",
    "mormons",
    "arabs",
    "kurds",
    "sunnis",
    "shiites",
    "palestinian",
    "israeli",
    "american",
    "european",
]);

/// A title written out (`gov` → `governor`), other words as they are.
pub(crate) fn full_title(word: &str) -> &str {
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
        "cllr" => "councillor",
        w => w,
    }
}

/// Descriptions of an organization by its kind, whose names end with other
/// words (`the regulator` for the Mercantile Competition Authority, `the
/// orchestra` for the Northbridge Philharmonic, `the newspaper` for the
/// Carrow Evening Herald): the kind, and how such names end (lower case).
/// Not kinds whose word often means something else in news (`the paper` a
/// study, `the club` a nightclub), nor endings many other bodies' names
/// have (`office`, `agency`: the Home Office is no regulator).
const KINDS: &[(&str, &[&str])] = &[
    ("regulator", REGULATOR_ENDS),
    ("watchdog", REGULATOR_ENDS),
    ("orchestra", &["philharmonic", "sinfonia"]),
    (
        "hospital",
        &["infirmary", "medical center", "medical centre", "clinic"],
    ),
    ("label", &["records"]),
    ("airline", &["airlines", "air lines", "airways", "airline"]),
    (
        "union",
        &[
            "guild",
            "federation",
            "association",
            "workers",
            "steelworkers",
            "teamsters",
        ],
    ),
    ("co-op", &["cooperative", "co-operative"]),
    (
        "zoo",
        &[
            "zoological park",
            "zoological gardens",
            "zoological garden",
            "wildlife park",
            "safari park",
        ],
    ),
];

/// How regulators' names end.
const REGULATOR_ENDS: &[&str] = &["authority", "commission", "inspectorate"];

/// How newspapers' names end, besides the words of [`NEWSPAPER_HEADS`]
/// (which make a name an organization's): words that end other names too,
/// read as a newspaper's only after a newspaper's kind (`the newspaper`).
const NEWSPAPER_ENDS: &[&str] = &[
    "times",
    "post",
    "journal",
    "herald",
    "tribune",
    "telegraph",
    "globe",
    "examiner",
    "observer",
    "mirror",
    "daily news",
];

/// True when a description's head is a kind of organization ([`KINDS`], or
/// a newspaper's).
pub(crate) fn is_kind(head: &str) -> bool {
    is_newspaper_kind(head) || KINDS.iter().any(|(k, _)| *k == head)
}

/// True when a description's head is a kind of newspaper.
fn is_newspaper_kind(head: &str) -> bool {
    matches!(head, "newspaper" | "daily" | "tabloid")
}

/// True when `name` (lower case) is a name of kind `head` ([`KINDS`]) by
/// its words up to its head word, word `head_at` (`the regulator` for the
/// Mercantile Competition Authority, `the union` for the Federation of
/// Teachers); a newspaper's by its last words (not `the newspaper` for the
/// Journal of Tropical Medicine).
pub(crate) fn names_kind(head: &str, name: &[String], head_at: usize) -> bool {
    if head_at >= name.len() {
        return false;
    }
    if is_newspaper_kind(head) {
        return head_at + 1 == name.len()
            && (NEWSPAPER_HEADS.contains(name[head_at].as_str())
                || ends_with_any(name, NEWSPAPER_ENDS));
    }
    let name = &name[..=head_at];
    // (A workers' union: not the European Union.)
    let workers_union =
        head == "union" && name[head_at] == "union" && name.iter().any(|k| k.contains("worker"));
    workers_union
        || KINDS
            .iter()
            .filter(|(k, _)| *k == head)
            .any(|(_, ends)| ends_with_any(name, ends))
}

/// True when `name`'s last words are one of `ends` (each one word or more),
/// with a word before them.
fn ends_with_any(name: &[String], ends: &[&str]) -> bool {
    ends.iter().any(|e| {
        let n = e.split(' ').count();
        name.len() > n
            && e.split(' ')
                .eq(name[name.len() - n..].iter().map(String::as_str))
    })
}

/// True for the key of a suffix that tells a son from his father (`jr`,
/// `sr`, `iii`).
pub(crate) fn is_generation(key: &str) -> bool {
    matches!(key, "jr" | "sr" | "ii" | "iii" | "iv")
}

/// True for `jr` and `sr`, the suffixes that only ever tell a son from his
/// father (a roman numeral also ends a pope's or a king's name: `John Paul
/// II`, whom a text may call `John Paul`).
pub(crate) fn is_son_or_father(key: &str) -> bool {
    matches!(key, "jr" | "sr")
}

/// A name's words without suffixes such as `Jr.` and `III` (at least one
/// word kept), or a firm's legal form (`Inc.`, `Ltd`, `ASA`), which a text
/// may leave off, where two words or more are kept (`Halvorsen Pumps` for
/// Halvorsen Pumps ASA; not `Smith` for Smith LLP, which is no John Smith).
pub(crate) fn without_suffixes(name: &[String]) -> &[String] {
    let mut n = name.len();
    while n > 1 && (is_generation(&name[n - 1]) || (n > 2 && is_legal_form(&name[n - 1]))) {
        n -= 1;
    }
    &name[..n]
}

/// True when `key` is a firm's legal form that a text may leave off
/// (`Inc.`, `Ltd`, `ASA`).
pub(crate) fn is_legal_form(key: &str) -> bool {
    matches!(
        key,
        "inc" | "ltd" | "llc" | "llp" | "l.p" | "lp" | "plc" | "asa" | "gmbh"
    )
}

/// Pronouns a Source span can be, with what they agree with.
pub(crate) const PRONOUNS: &[(&str, &str)] = &[
    ("he", "m"),
    ("him", "m"),
    ("his", "m"),
    ("himself", "m"),
    ("she", "f"),
    ("her", "f"),
    ("hers", "f"),
    ("herself", "f"),
    ("it", "n"),
    ("its", "n"),
    ("itself", "n"),
    ("they", "p"),
    ("them", "p"),
    ("their", "p"),
    ("themselves", "p"),
    ("who", "r"),
    ("whom", "r"),
    ("whose", "r"),
    ("which", "w"),
    ("that", "w"),
    ("i", "1"),
    ("me", "1"),
    ("my", "1"),
    ("we", "1p"),
    ("us", "1p"),
    ("our", "1p"),
    ("you", "2"),
    ("your", "2"),
];

/// Words that do not say what a description is about.
pub(crate) static FUNCTION_WORDS: WordSet = WordSet::new(&[
    "a",
    "an",
    "the",
    "of",
    "for",
    "and",
    "or",
    "in",
    "on",
    "at",
    "to",
    "by",
    "with",
    "from",
    "his",
    "her",
    "its",
    "their",
    "this",
    "that",
    "these",
    "those",
    "who",
    "which",
    "one",
    "some",
    "many",
    "several",
    "two",
    "three",
    "other",
    "another",
    "former",
    "new",
    "top",
    "said",
    "says",
    "according",
    "as",
    "s",
    "’s",
    "'s",
]);

/// Countries and their common short forms, lower case, words joined by a
/// space: a country that speaks is its government, an organization.
pub(crate) static COUNTRIES: WordSet = WordSet::new(&[
    "afghanistan",
    "albania",
    "algeria",
    "america",
    "angola",
    "argentina",
    "armenia",
    "australia",
    "austria",
    "azerbaijan",
    "bahrain",
    "bangladesh",
    "belarus",
    "belgium",
    "bolivia",
    "bosnia",
    "brazil",
    "britain",
    "bulgaria",
    "burma",
    "cambodia",
    "cameroon",
    "canada",
    "chile",
    "china",
    "colombia",
    "congo",
    "croatia",
    "cuba",
    "cyprus",
    "czech republic",
    "denmark",
    "dprk",
    "ecuador",
    "egypt",
    "el salvador",
    "eritrea",
    "estonia",
    "ethiopia",
    "finland",
    "france",
    "georgia",
    "germany",
    "ghana",
    "great britain",
    "greece",
    "guatemala",
    "haiti",
    "honduras",
    "hungary",
    "iceland",
    "india",
    "indonesia",
    "iran",
    "iraq",
    "ireland",
    "israel",
    "italy",
    "jamaica",
    "japan",
    "jordan",
    "kazakhstan",
    "kenya",
    "kosovo",
    "kuwait",
    "laos",
    "latvia",
    "lebanon",
    "libya",
    "lithuania",
    "malaysia",
    "mali",
    "mexico",
    "moldova",
    "mongolia",
    "montenegro",
    "morocco",
    "myanmar",
    "nepal",
    "netherlands",
    "new zealand",
    "nicaragua",
    "niger",
    "nigeria",
    "north korea",
    "norway",
    "oman",
    "pakistan",
    "palestine",
    "panama",
    "paraguay",
    "peru",
    "philippines",
    "poland",
    "portugal",
    "qatar",
    "romania",
    "russia",
    "rwanda",
    "saudi arabia",
    "senegal",
    "serbia",
    "singapore",
    "slovakia",
    "slovenia",
    "somalia",
    "south africa",
    "south korea",
    "south sudan",
    "spain",
    "sri lanka",
    "sudan",
    "sweden",
    "switzerland",
    "syria",
    "taiwan",
    "tajikistan",
    "tanzania",
    "thailand",
    "tunisia",
    "turkey",
    "turkmenistan",
    "uganda",
    "ukraine",
    "united arab emirates",
    "united kingdom",
    "united states",
    "united states of america",
    "uruguay",
    "u.k",
    "u.s",
    "u.s.a",
    "usa",
    "uzbekistan",
    "venezuela",
    "vietnam",
    "yemen",
    "zambia",
    "zimbabwe",
]);

/// True when a name (its lower-case words) is a country's.
pub(crate) fn is_country(keys: &[String]) -> bool {
    match keys {
        [one] => COUNTRIES.contains(one),
        [] => COUNTRIES.contains(""),
        [first, ..] => {
            // (The words joined only where a country has the length and
            // first letter they would have: most names have none.)
            let len = keys.iter().map(String::len).sum::<usize>() + keys.len() - 1;
            COUNTRIES.may_have(len, first.as_bytes().first().copied())
                && COUNTRIES.contains(&keys.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The initials of words, each small word counted or skipped: as the
    /// plain recursion over the words says, and in time linear in the
    /// words (a hundred small words in a row took the recursion 2^100 steps).
    #[test]
    fn initials_match_spells_with_small_words_counted_or_not() {
        fn by_recursion(letters: &[char], words: &[&str]) -> bool {
            let Some((w, rest)) = words.split_first() else {
                return letters.is_empty();
            };
            let parts: Vec<&str> = w.split('-').filter(|p| !p.is_empty()).collect();
            (is_small_word(w) && by_recursion(letters, rest))
                || (letters.first().copied() == w.chars().next()
                    && by_recursion(&letters[1..], rest))
                || (parts.len() > 1
                    && letters.len() >= parts.len()
                    && parts.iter().zip(letters).all(|(p, &l)| p.starts_with(l))
                    && by_recursion(&letters[parts.len()..], rest))
        }
        let names: [&[&str]; 6] = [
            &["alliance", "to", "reclaim", "our", "schools"],
            &[
                "the",
                "secretariat",
                "tracking",
                "and",
                "retrieval",
                "system",
            ],
            &["bank", "of", "america"],
            &["a", "and", "a"],
            &["of"],
            &["estravian-kelmari", "chamber", "of", "commerce"],
        ];
        for words in names {
            for acronym in [
                "aros", "atros", "stars", "tstars", "boa", "ba", "aaa", "a", "", "o", "ekcc",
                "eccc", "ecc", "ekc", "kcc",
            ] {
                let letters: Vec<char> = acronym.chars().collect();
                assert_eq!(
                    initials_match(&letters, words),
                    by_recursion(&letters, words),
                    "{acronym} {words:?}"
                );
            }
        }
        let mut long = vec!["and"; 100];
        long.push("bank");
        assert!(initials_match(&['b'], &long));
        assert!(!initials_match(&['b', 'x'], &long));
    }

    /// The shape filter in front of the hash set answers as the list does:
    /// every word of every set is found, and words one byte longer or
    /// shorter, or with another first letter, are found only when listed.
    #[test]
    fn word_sets_answer_as_their_lists() {
        let sets = [
            &NOT_NAMES,
            &CONNECTORS,
            &ABBREVIATIONS,
            &PARTICLES,
            &TITLES,
            &HONORIFICS,
            &NAME_TITLES,
            &ORGANIZATION_HEADS,
            &FIRM_WORDS,
            &ROLE_NOUNS,
            &GROUPS,
            &FUNCTION_WORDS,
            &COUNTRIES,
            &UNNAMED_BODIES,
            &REMITS,
        ];
        for set in sets {
            let words: Vec<&str> = set.words.iter().flat_map(|l| l.iter().copied()).collect();
            for &w in &words {
                assert!(set.contains(w), "{w}");
                let probes = [
                    format!("{w}s"),
                    w.get(1..).unwrap_or("").to_string(),
                    format!("z{}", w.get(1..).unwrap_or("")),
                    format!("{w}{w}{w}"),
                    String::new(),
                ];
                for p in probes {
                    assert_eq!(set.contains(&p), words.contains(&p.as_str()), "{p}");
                }
            }
        }
    }
}
