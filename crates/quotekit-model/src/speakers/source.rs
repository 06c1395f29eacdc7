//! What the ranker knows of a Source span itself: its sentence and
//! paragraph, its words, the pronoun it is, the names inside it and the
//! word and name just before it.
//! The file runs a little over 500 lines with its tests: they spell out the
//! spans that each rule must and must not catch.

use crate::speakers::entities::{EntityType, Names};
use crate::speakers::gender::Gender;
use crate::speakers::lexicon::{
    full_title, is_kind, is_legal_form, is_role, names_kind, CONNECTORS, FIRM_WORDS,
    FUNCTION_WORDS, HONORIFICS, ORGANIZATION_HEADS, PRONOUNS, TITLES, UNNAMED_BODIES,
};
use crate::speakers::mentions::{age_after, age_of_word, bracketed_acronym};
use crate::speakers::version::FEATURES_VERSION;
use quotekit_data::Tokenized;
use std::ops::Range;

/// The most entities named before a description that
/// [`Source::described_entity`] reads (past them it leaves the span to the
/// ranker: a text of thousands of people costs no more per description).
const ENTITIES_READ: usize = 100;

/// The most mentions of an entity that [`Source::described_entity`] reads
/// (its first ones before the span).
const MENTIONS_READ: usize = 16;

/// What a Source span is, computed once.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its tokens.
    pub tokens: Range<usize>,
    /// Its sentence and paragraph.
    pub sentence: usize,
    /// Its paragraph.
    pub paragraph: usize,
    /// Its words in lower case.
    pub words: Vec<String>,
    /// The pronoun it is, with its agreement class.
    pub pronoun: Option<(&'static str, &'static str)>,
    /// The name mention it names (the last one that is not possessive).
    pub name: Option<usize>,
    /// The name mentions inside it, in text order.
    pub inside: Vec<usize>,
    /// The word before it (lower case; `^` at the start of a sentence).
    pub before: String,
    /// The end of the name mention just before it (one word or a comma
    /// away), if there is one.
    pub adjacent: Option<usize>,
    /// The last name mention before it in its sentence, and how many words
    /// lie between them (what `who` and `which` most often refer to).
    pub antecedent: Option<(usize, usize)>,
    /// Whether the two or more words between the antecedent and it describe
    /// the antecedent: a comma after the name and before the span
    /// (`Samuelson, a Clinton campaign staffer, who`) or a copula after the
    /// name (`Kaine is a lawyer who`).
    pub antecedent_described: bool,
    /// The name mention inside it whose possessive `’s` it leaves out.
    cut: Option<usize>,
    /// Name mentions inside it that are possessive only (`Trump’s campaign`).
    pub possessive_name: bool,
    /// The name mention that the words just before it describe, in its
    /// sentence: between commas (`McConnell, now the Senate majority leader,
    /// who`) or after a copula (`Kaine is a former civil rights lawyer
    /// who`).
    pub apposition: Option<usize>,
    /// More than one name joined by `and`.
    pub conjoined: bool,
    /// Its last content word (the head of a description).
    pub head: String,
    /// Where its words end before a relative clause: the name mentions of
    /// the whole span and whether they are conjoined, which
    /// [`Source::people_together`] reads as before the clause was left
    /// out (`Jane Doe, who chairs the committee (since 2010) and John Roe`:
    /// after `who`, an `and` after a bracket and before any other name
    /// joins a second person).
    whole: Option<(Vec<usize>, bool)>,
    /// Its first word.
    pub first: String,
    /// Its class: `pron:he`, …, `name`, `possessive` or `desc`.
    class: &'static str,
}

impl Source {
    /// Describes the span over `tokens`, as the features of
    /// [`FEATURES_VERSION`] see it.
    pub fn new(tok: &Tokenized, names: &Names, tokens: Range<usize>) -> Self {
        Self::seen_by(tok, names, tokens, FEATURES_VERSION)
    }

    /// Describes the span over `tokens` as the features of `version` see
    /// it: from version 5, its words and names end before a relative
    /// clause that follows a comma (`Brightline, which has 2,100 stores`;
    /// `Conservative economist Aparna Mathur, who studies tax policy at
    /// the American Enterprise Institute`), which describes who speaks and
    /// never names them.
    pub fn seen_by(tok: &Tokenized, names: &Names, tokens: Range<usize>, version: u32) -> Self {
        let sentence = tok.sentences.partition_point(|s| s.end <= tokens.start);
        let paragraph = tok.paragraphs.partition_point(|p| p.end <= tokens.start);
        // Words and mentions are in text order.
        let first_word = names
            .words
            .partition_point(|w| w.tokens.start < tokens.start);
        // Where its words end: before such a clause, or at its end.
        let end = if version >= 5 {
            clause_start(names, first_word, &tokens).unwrap_or(tokens.end)
        } else {
            tokens.end
        };
        // A span may end where a glued `’s` begins (`North Korea` of `North
        // Korea’s claims`, `he` of `he’s`): the word or name is in the span,
        // and not possessive there.
        let within = |word_end: usize, suffix: usize, end: usize| {
            word_end <= end || (suffix > 0 && word_end.saturating_sub(suffix) <= end)
        };
        let words: Vec<String> = names.words[first_word..]
            .iter()
            .take_while(|w| w.tokens.start < end)
            .filter(|w| within(w.tokens.end, w.possessive_tokens(), end))
            .map(|w| w.key().to_string())
            .filter(|w| !w.is_empty())
            .collect();
        let first_mention = names
            .mentions
            .partition_point(|m| m.tokens.start < tokens.start);
        let inside_before = |end: usize| -> Vec<usize> {
            (first_mention..names.mentions.len())
                .take_while(|&m| names.mentions[m].tokens.start < end)
                .filter(|&m| {
                    within(
                        names.mentions[m].tokens.end,
                        names.words[names.mentions[m].words.end - 1].possessive_tokens(),
                        end,
                    )
                })
                .collect()
        };
        // More than one name, and an `and` among the words before `end`.
        let conjoined_before = |inside: &[usize], end: usize| {
            inside.len() > 1
                && names.words[first_word..]
                    .iter()
                    .take_while(|w| w.tokens.start < end)
                    .any(|w| matches!(w.key(), "and" | "&"))
        };
        let inside = inside_before(end);
        let conjoined = conjoined_before(&inside, end);
        let whole = (end < tokens.end).then(|| {
            let inside = inside_before(tokens.end);
            let conjoined = conjoined_before(&inside, tokens.end);
            (inside, conjoined)
        });
        let cut = inside
            .last()
            .copied()
            .filter(|&m| names.mentions[m].tokens.end > end);
        let name = inside
            .iter()
            .rev()
            .copied()
            .find(|&m| !names.mentions[m].possessive || cut == Some(m));
        let pronoun = match words.as_slice() {
            [w] => PRONOUNS.iter().find(|(p, _)| p == w).copied(),
            _ => None,
        };
        let sentence_start = tok
            .sentences
            .get(sentence)
            .is_some_and(|s| s.start == tokens.start);
        let before = if sentence_start || first_word == 0 {
            "^".to_string()
        } else {
            names.words[first_word - 1].key().to_string()
        };
        let adjacent = (0..first_mention)
            .rev()
            .take_while(|&m| names.mentions[m].words.end + 1 >= first_word)
            .find(|&m| {
                let end = names.mentions[m].words.end;
                end <= first_word && first_word - end <= 1
            });
        let antecedent = first_mention
            .checked_sub(1)
            .map(|m| (m, &names.mentions[m]))
            .filter(|(_, m)| m.sentence == sentence && m.words.end <= first_word)
            .map(|(m, mention)| (m, first_word - mention.words.end));
        let antecedent_described = antecedent.is_some_and(|(m, between)| {
            between >= 2
                && match names
                    .words
                    .get(names.mentions[m].words.end)
                    .map(|w| w.key())
                {
                    Some(",") => before == ",",
                    Some(k) => is_copula(k) || k == "s",
                    None => false,
                }
        });
        let apposition = described(tok, names, sentence, first_word);
        // (The last content word: the head; from version 6, an agent's
        // noun before whom it speaks for: `A spokesman for the governor` is
        // no governor.)
        let head = if version >= 6 && speaks_for(&words) {
            words[1].clone()
        } else {
            words
                .iter()
                .rfind(|w| {
                    !FUNCTION_WORDS.contains(w.as_str()) && w.chars().any(char::is_alphabetic)
                })
                .cloned()
                .unwrap_or_default()
        };
        let possessive_name = name.is_none() && !inside.is_empty();
        let class = if let Some((p, _)) = pronoun {
            pronoun_class(p)
        } else if name.is_some() {
            "name"
        } else if possessive_name {
            "possessive"
        } else {
            "desc"
        };
        Self {
            sentence,
            paragraph,
            pronoun,
            possessive_name,
            apposition,
            class,
            conjoined,
            whole,
            head,
            first: words.first().cloned().unwrap_or_default(),
            name,
            inside,
            cut,
            before,
            adjacent,
            antecedent,
            antecedent_described,
            words,
            tokens,
        }
    }

    /// The span's class, which every feature is conjoined with.
    pub fn class(&self) -> &str {
        self.class
    }

    /// True when name mention `m` of `names`, inside the span, is
    /// possessive there (its `’s` in the span).
    pub fn possessive(&self, m: usize, names: &Names) -> bool {
        names.mentions[m].possessive && self.cut != Some(m)
    }

    /// The entity a definite description names by what the text writes
    /// beside exactly one entity named before it, if it does: first, the
    /// head of an apposition after one organization's name
    /// (`Source::apposed_organization`: `the firm` for `Blackfen Labs, a
    /// security firm,` whatever other firms are named); then a role right
    /// before one of its names (or before a comma before it) or among its
    /// titles, or in an apposition after it (`the judge` for Judge Howard
    /// Pinkney, `the rebel commander` for rebel commander Ignacio Ruiz, `the
    /// Speaker` for `the Speaker, Sir Rhodri Vance,`, `the veteran
    /// diplomat` for `Maria Lopez, a veteran diplomat,`: each of the
    /// description's words there), an age (`the 52-year-old` for a person written
    /// `Solbakken, 52,` or `52-year-old Ingrid Solbakken`), a firm's kind
    /// (`the company`, `the firm` for Halcyon Systems, whose name ends with
    /// what a firm makes or its legal form), or an organization's head word
    /// (`the trust` for the Wexmoor and Lydd Hospitals NHS Trust, `the
    /// ministry` for the Ministry of the Interior; not the heads that often
    /// name a body the text leaves unnamed: `the party`, `the union`, `the
    /// group`, …), or a kind of organization by how its name ends (`the
    /// regulator` for an authority, `the union` for a workers' union: see
    /// `lexicon::names_kind`). Only what the text writes before the span counts. None
    /// when another entity may fit too: one with the head after a comma
    /// after its name (`Christie, the New Jersey governor`), an
    /// organization of one word for `the company` (`Bloomberg`); none past
    /// the first 100 entities it reads. An age that fits no one's written
    /// age (`The 61-year-old said`, of `the 61-year-old` or `the 61-year-old
    /// teacher` where the text gives that role to no one) goes to the
    /// `recent` source, the last one in the span's paragraph or, where none
    /// came there, in the one before (`Van Aalst said …. The 44-year-old
    /// said`), when that was given a person (or an entity of unknown type),
    /// or else to the last person named before the span's sentence, unless
    /// the text gives them another age. A reader takes the one that fits
    /// however far back it was named, where the ranker, which learned from
    /// few such spans, leans to the most recent entity. (`the former
    /// governor` for a `former Gov.` only.)
    pub fn described_entity(&self, names: &Names, recent: Option<usize>) -> Option<usize> {
        if self.class != "desc" || !self.inside.is_empty() || self.first != "the" {
            return None;
        }
        if self.words.len() < 2 || self.words.len() > 4 {
            return None;
        }
        let age = self.words.iter().find_map(|w| age_of_word(w));
        let head = full_title(&self.head);
        // (Its words but `the` and the age: what must describe the entity.)
        let described: Vec<&str> = self.words[1..]
            .iter()
            .map(|w| full_title(w))
            .filter(|w| !w.ends_with("-year-old") && !FUNCTION_WORDS.contains(w))
            .collect();
        let role = is_role(head);
        let firm = matches!(head, "company" | "firm");
        // (A kind of organization whose names end otherwise: `the
        // regulator`, `the orchestra`, `the newspaper`.)
        let kind = !role && !firm && is_kind(head);
        let body = kind
            || (!role
                && !firm
                && ORGANIZATION_HEADS.contains(head)
                && !UNNAMED_BODIES.contains(head));
        let key = |k: usize| names.word_key(k);
        if age.is_none() && !role {
            // What the text wrote of one organization in an apposition
            // comes first: `the firm` for `Blackfen Labs, a security
            // firm,` although another firm is named too. (Not a head that
            // often names an unnamed body: `the group`, `the party`.)
            if !UNNAMED_BODIES.contains(head) {
                if let Some(e) = self.apposed_organization(names, head, &described) {
                    return Some(e);
                }
            }
            if !firm && !body {
                return None;
            }
        }
        let word_before = |at: usize, back: usize| at.checked_sub(back).and_then(key);
        let ms = |e: usize| self.mentions_before(names, e);
        let is_person = |e: usize| {
            matches!(
                names.entities[e].kind,
                EntityType::Person | EntityType::Unknown
            )
        };
        // The age the text writes with one of its mentions before the span
        // (`Solbakken, 52,` or `52-year-old Ingrid Solbakken`).
        let written_age = |e: usize| {
            ms(e).find_map(|m| {
                age_after(&names.words, m.words.end)
                    .or_else(|| word_before(m.words.start, 1).and_then(age_of_word))
            })
        };
        // How entity `e` fits, by its first mentions before the span (by
        // its age alone where the description has one and `by_age`): 2 as
        // written right before or after one of them (`Judge Howard
        // Pinkney`, `striker Emeka Obiora`, `Maria Lopez, a veteran
        // diplomat,`, `Solbakken, 52,`), 1 when it may be the one (the head
        // after a comma after its name, but not every word of the
        // description; a firm of one word), 0 not at all.
        let fit = |e: usize, by_age: bool| -> u8 {
            let entity = &names.entities[e];
            if let Some(n) = age.filter(|_| by_age) {
                let aged = is_person(e) && written_age(e) == Some(n);
                return if aged { 2 } else { 0 };
            }
            if body {
                // Its name's head: its last word, or the one before its
                // first connector (`Ministry of the Interior`).
                let keys = &entity.keys;
                let head_at = keys
                    .iter()
                    .position(|k| CONNECTORS.contains(k))
                    .filter(|&c| c > 0)
                    .map_or(keys.len(), |c| c)
                    .saturating_sub(1);
                let name_head = keys.get(head_at);
                // (A kind's name ending says what it is: the Northbridge
                // Philharmonic, of unknown type, is an orchestra.)
                let by_kind =
                    kind && entity.kind != EntityType::Person && names_kind(head, keys, head_at);
                let fits = (entity.kind == EntityType::Organization || by_kind)
                    && keys.len() >= 2
                    && ((name_head.is_some_and(|h| h == head) && !UNNAMED_BODIES.contains(head))
                        || by_kind)
                    && described
                        .iter()
                        .all(|d| (kind && *d == head) || keys.iter().any(|k| k == d));
                return if fits { 2 } else { 0 };
            }
            if firm {
                // (A firm's last word, after no `of`, `for` or `on` unless
                // a legal form ends the name: not the Ministry of Energy,
                // the American Institute of Architects; Bank of America
                // Corp. is a firm.)
                let keys = &entity.keys;
                let firm_name = keys.last().is_some_and(|k| {
                    FIRM_WORDS.contains(k)
                        && (is_legal_form(k)
                            || matches!(k.as_str(), "corp" | "co" | "corporation" | "company")
                            || !keys
                                .iter()
                                .any(|k| matches!(k.as_str(), "of" | "for" | "on")))
                });
                return match entity.kind {
                    EntityType::Organization if keys.len() < 2 => 1,
                    EntityType::Organization if firm_name => 2,
                    _ => 0,
                };
            }
            if !is_person(e) {
                return 0;
            }
            ms(e)
                .map(|m| {
                    // Its titles and up to three words right before it, the
                    // head last (`rebel commander Ignacio Ruiz`; not after
                    // `former`, unless the description says so: `former
                    // Florida Gov. Jeb Bush` is not `the governor`).
                    let at = m.words.start;
                    let before = |back: usize| word_before(at, back).map(full_title);
                    // (Or the role and a comma before the name, which a
                    // comma or a full stop closes: `the Speaker, Sir Rhodri
                    // Vance,`, `her lawyer, Jane Doe.`; not an item of a
                    // list, `the prosecutor, Maria Lopez, and …`, nor a
                    // clause's end, `waited for the judge, Maria Lopez
                    // wept`.)
                    let comma = usize::from(
                        before(1) == Some(",")
                            && matches!(key(m.words.end), Some("," | "."))
                            && !matches!(key(m.words.end + 1), Some("and" | "or")),
                    );
                    let former = m.titles.iter().any(|t| t == "former")
                        || (1..=3 + comma).any(|b| before(b) == Some("former"));
                    if former && !described.contains(&"former") {
                        return 0;
                    }
                    let written = |d: &str| {
                        m.titles.iter().any(|t| full_title(t) == d)
                            || (before(1 + comma) == Some(head)
                                && (1 + comma..=3 + comma).any(|b| before(b) == Some(d)))
                    };
                    if described.iter().all(|d| written(d)) {
                        return 2;
                    }
                    // Or after a comma after it, after `a` or `the`.
                    let end = m.words.end;
                    if key(end) != Some(",") {
                        return 0;
                    }
                    let after: Vec<&str> = (end + 1..(end + 7).min(names.words.len()))
                        .filter_map(key)
                        .map(full_title)
                        .collect();
                    let Some(h) = after.iter().position(|&w| w == head) else {
                        return 0;
                    };
                    let all = matches!(after[0], "a" | "an" | "the")
                        && described.iter().all(|d| after[..=h].contains(d));
                    if all {
                        2
                    } else {
                        1
                    }
                })
                .max()
                .unwrap_or(0)
        };
        // The one entity that fits, `Err` where another may fit too.
        let one = |by_age: bool| self.only_fit(names, |e| fit(e, by_age));
        let Some(n) = age else {
            return one(false).ok().flatten();
        };
        match one(true) {
            Ok(Some(e)) => return Some(e),
            Err(()) => return None,
            Ok(None) => {}
        }
        // An age no one is given: a bare one, or with a role that one
        // entity has (`the 61-year-old teacher` for `Anna Lee, a
        // teacher,`) or none has; not one of an organization (`the
        // 120-year-old party`) or any other noun.
        let speaker = || {
            recent
                .filter(|&e| is_person(e) && written_age(e).is_none_or(|a| a == n))
                .or_else(|| self.last_person(names, n, &written_age))
        };
        if described.is_empty() {
            return speaker();
        }
        if !role {
            return None;
        }
        match one(false) {
            Ok(Some(e)) => Some(e),
            Ok(None) => speaker(),
            Err(()) => None,
        }
    }

    /// The one organization named before the span that the text describes
    /// with `head` in an apposition after one of its names, all before the
    /// span (an entity typed an organization, or of unknown type, which the
    /// apposition says is one: `Harvest Bridge International, an aid
    /// agency,`): a comma (after the acronym in brackets, if there is one), `a`,
    /// `an` or `the`, at most three words that are no function words, then
    /// `head` ending the phrase (punctuation or a word such as `that`, `in`
    /// or `based` after it), every word of `described` among them
    /// (`Blackfen Labs, a security firm,`; `The Office of Communications
    /// and Data Protection (OCDP), the federal regulator,`; not `Las Vegas,
    /// the Democratic contenders said`, where the phrase is the span, nor
    /// `the Democratic Leadership Council, the centrist group`). None where
    /// two are, or none; none past the first [`ENTITIES_READ`] entities.
    fn apposed_organization(&self, names: &Names, head: &str, described: &[&str]) -> Option<usize> {
        let key = |k: usize| names.word_key(k);
        let apposed = |m: &crate::speakers::mentions::NameMention| {
            let mut end = m.words.end;
            if key(end) == Some("(") && key(end + 2) == Some(")") {
                end += 3;
            }
            if key(end) != Some(",") || !matches!(key(end + 1), Some("a" | "an" | "the")) {
                return false;
            }
            let start = end + 2;
            let Some(h) = (start..start + 4).find(|&k| key(k).map(full_title) == Some(head)) else {
                return false;
            };
            let ends = match key(h + 1) {
                None => true,
                Some(next) => {
                    !next.starts_with(|c: char| c.is_alphanumeric())
                        || matches!(
                            next,
                            "that" | "which" | "whose" | "based" | "in" | "of" | "for" | "with"
                        )
                }
            };
            let phrase = || (start..h).filter_map(key);
            ends && names.words[h].tokens.end <= self.tokens.start
                && phrase().all(|w| {
                    !FUNCTION_WORDS.contains(w) && w.starts_with(|c: char| c.is_alphanumeric())
                })
                && described
                    .iter()
                    .all(|&d| d == head || phrase().any(|w| full_title(w) == d))
        };
        self.only_fit(names, |e| {
            // (The apposition says what it is: `Harvest Bridge
            // International, an aid agency,` of unknown type.)
            let fits = matches!(
                names.entities[e].kind,
                EntityType::Organization | EntityType::Unknown
            ) && self.mentions_before(names, e).any(apposed);
            if fits {
                2
            } else {
                0
            }
        })
        .ok()
        .flatten()
    }

    /// The one entity named before the span that `fit` gives 2 (it fits),
    /// where no other gives 1 (it may fit) or 2 and it is among the first
    /// [`ENTITIES_READ`] entities (`Err` otherwise); 0: it does not fit.
    fn only_fit(&self, names: &Names, fit: impl Fn(usize) -> u8) -> Result<Option<usize>, ()> {
        let mut sure = None;
        for (read, e) in (0..names.entities.len()).enumerate() {
            let first = names.mentions[names.entities[e].mentions[0]].tokens.start;
            // (Entities are in the order they are first named.)
            if first >= self.tokens.start {
                break;
            }
            if read == ENTITIES_READ {
                return Err(());
            }
            match fit(e) {
                0 => {}
                2 if sure.is_none() => sure = Some(e),
                _ => return Err(()),
            }
        }
        Ok(sure)
    }

    /// The first [`MENTIONS_READ`] mentions of entity `e` that end before
    /// the span.
    fn mentions_before<'n>(
        &self,
        names: &'n Names,
        e: usize,
    ) -> impl Iterator<Item = &'n crate::speakers::mentions::NameMention> + 'n {
        let start = self.tokens.start;
        names.entities[e]
            .mentions
            .iter()
            .map(|&m| &names.mentions[m])
            .take_while(move |m| m.tokens.end <= start)
            .take(MENTIONS_READ)
    }

    /// The person whose name the text wrote last before the span's
    /// sentence (among the last [`ENTITIES_READ`] name mentions there),
    /// unless `written_age` reads another age than `age` for them: not one
    /// named in the quote before it (`“Donald is an amazing
    /// leader,” said the 46-year-old`). Only an entity typed a person, or
    /// one of unknown type that pronouns gave a gender (`Emeka Obiora …
    /// he`): one of unknown type may be a place (`Dock Lane`, `Lisbon`).
    fn last_person<'a>(
        &self,
        names: &Names,
        age: &str,
        written_age: &impl Fn(usize) -> Option<&'a str>,
    ) -> Option<usize> {
        let before = names
            .mentions
            .partition_point(|m| m.sentence < self.sentence);
        (before.saturating_sub(ENTITIES_READ)..before)
            .rev()
            .filter_map(|m| names.entity_of[m])
            .find(|&e| {
                let entity = &names.entities[e];
                entity.kind == EntityType::Person
                    || (entity.kind == EntityType::Unknown && entity.gender != Gender::Unknown)
            })
            .filter(|&e| written_age(e).is_none_or(|a| a == age))
    }

    /// True when the span names two or more people together (`Mr. Grassley
    /// and Mr. Leahy`, `Sen. Bob Corker, R-Tenn., and Lindsey Graham`): it
    /// begins with a person's name (a word such as `both` or `senator` may
    /// come first), and another person's name follows an `and` (or `&`)
    /// that comes right after the first name or after the comma or bracket
    /// closing what describes it; or two honorifics joined before one name
    /// (`Mr. and Mrs. Smith`). Such a source is no one person (the
    /// guidelines' `-`), whoever the ranker would choose. (`Clinton, who
    /// served with Obama and Biden` is one person: the `and` follows
    /// another name; so is `Hillary Clinton, who served with Barack Obama,
    /// Tim Kaine, and Joe Biden`: its clause names the others.)
    pub fn people_together(&self, names: &Names) -> bool {
        let (inside, conjoined) = match &self.whole {
            Some((inside, conjoined)) => (&inside[..], *conjoined),
            None => (&self.inside[..], self.conjoined),
        };
        let Some(&first) = inside.first() else {
            return false;
        };
        // (The span's first word, found only for the few spans that get
        // that far.)
        let first_word = || {
            names
                .words
                .partition_point(|w| w.tokens.start < self.tokens.start)
        };
        let lead = &names.mentions[first];
        // `Mr. and Mrs. Smith`, `Dr. & Mrs. Jones`, `The couple, Mr. and
        // Mrs. Smith`: two honorifics joined before one name are two people
        // (the name not possessive in the span: `Mr. and Mrs. Smith’s
        // lawyer, Jane Doe` is the lawyer).
        let at = lead.words.start;
        if !lead.titles.is_empty()
            && at >= 2
            && matches!(names.words[at - 1].key(), "and" | "&")
            && HONORIFICS.contains(names.words[at - 2].key())
            && !self.possessive(first, names)
            && at >= first_word() + 2
        {
            return true;
        }
        // (Two names and an `and`: what [`Source::conjoined`] says, known
        // already, and false for nearly every span.)
        if !conjoined {
            return false;
        }
        let first_word = first_word();
        // (A person by the entity's kind, or by the titles taken off the
        // mention: `Councilwoman Priya Nandakumar`, whose first name no
        // list knows.)
        let person = |m: usize| {
            names.entity_of[m].filter(|&e| {
                names.entities[e].kind == EntityType::Person || !names.mentions[m].titles.is_empty()
            })
        };
        // (`former Pennsylvania Gov. and Democratic National Committee
        // Chairman Ed Rendell`: a name that ends with a title is no one's.)
        let ends_titled = TITLES.contains(names.words[lead.words.end - 1].key());
        if lead.possessive || lead.words.start > first_word + 1 || ends_titled {
            return false;
        }
        let Some(one) = person(first) else {
            return false;
        };
        // (A relative clause after the first name may name people of its
        // own: `Hillary Clinton, who served with Barack Obama, Tim Kaine, and
        // Joe Biden` is one person. After its `who`, the `and` must come
        // before any other name.)
        let relative = |from: usize, to: usize| {
            (from..to).rfind(|&w| {
                matches!(
                    names.words[w].key(),
                    "who" | "whose" | "whom" | "which" | "that"
                )
            })
        };
        let named_within = |from: usize, to: usize| {
            inside.iter().any(|&m| {
                let start = names.mentions[m].words.start;
                start > from && start < to && person(m).is_some()
            })
        };
        inside[1..].iter().any(|&m| {
            let mention = &names.mentions[m];
            let start = mention.words.start;
            !mention.possessive
                && person(m).is_some_and(|other| other != one)
                && start >= 2
                && matches!(names.words[start - 1].key(), "and" | "&")
                && (start - 1 == lead.words.end || matches!(names.words[start - 2].text, "," | ")"))
                && relative(lead.words.end, start - 1)
                    .is_none_or(|clause| !named_within(clause, start - 1))
        })
    }

    /// The entity of a span that opens with a name (after `the`) and the
    /// acronym in brackets that the text gives it there, and ends there or
    /// goes on after a comma with words that name no one else (`The
    /// Varnland Federation of Trade Unions (VFTU)`, `The Council of
    /// Northern States (CNS), a regional bloc that sent observers,`): the
    /// ranker, which learnt from spans where a second name is most often
    /// someone else's, need not choose. None where other words follow the
    /// bracket (`The Federal Bureau of Investigation (FBI) director`, `…
    /// (VFTU) and employers`), for a possessive name or bracket (`The
    /// Federal Bureau of Investigation’s (FBI) director`, `… (FBI)’s
    /// director`) and for a group.
    pub fn named_with_acronym(&self, names: &Names) -> Option<usize> {
        let [first, acronym, ref rest @ ..] = self.inside[..] else {
            return None;
        };
        let (name, short) = (&names.mentions[first], &names.mentions[acronym]);
        let entity = names.entity_of[first]?;
        let word = |k: usize| names.words.get(k).map(|w| w.text);
        let opens = name.tokens.start == self.tokens.start
            || (word(name.words.start.checked_sub(1)?)
                .is_some_and(|w| w.eq_ignore_ascii_case("the"))
                && names.words[name.words.start - 1].tokens.start == self.tokens.start);
        let close = short.words.end;
        let bracketed = bracketed_acronym(&names.words, &names.mentions, first) == Some(acronym)
            && !names.words[close].possessive;
        // (The span ends at the bracket, or a comma follows it.)
        let ends = names
            .words
            .get(close + 1)
            .is_none_or(|w| w.tokens.start >= self.tokens.end || w.text == ",");
        let same = |m: usize| names.entity_of[m] == Some(entity);
        (opens
            && bracketed
            && ends
            && !name.possessive
            && !self.possessive(acronym, names)
            && same(acronym)
            && rest.iter().all(|&m| same(m))
            && names.entities[entity].kind != EntityType::Group)
            .then_some(entity)
    }

    /// True when name mention `m` (and `the` before it) is all the span's
    /// words: `Russia`, `the White House`.
    pub fn is_name_alone(&self, m: usize, names: &Names) -> bool {
        names.mentions[m].words.len() + usize::from(self.first == "the") == self.words.len()
    }

    /// The entity a span such as `A spokesman for Mayor Gordon Pell` or
    /// `an attorney for Pagliano, Mark MacDougall` speaks for: that of its
    /// first name, when the span opens with an article, an agent's noun and
    /// `for`, `of` or `to`. The guidelines name such
    /// a source itself (MacDougall) or no one, never whom it speaks for;
    /// none of the 32 such spans named in PolNeAR train, dev and the
    /// originals is.
    pub fn principal(&self, names: &Names) -> Option<usize> {
        if !speaks_for(&self.words) {
            return None;
        }
        // (The first name in it, where it follows the preposition, at most
        // two words after it, `the`, a title: whatever follows is not whom
        // it speaks for, `, Mark MacDougall`, `named Tom Hale`, `(Tom
        // Hale)`; nor a name after other words, `A lawyer for the news
        // outlets, David Schulz`.)
        let first_word = names
            .words
            .partition_point(|w| w.tokens.start < self.tokens.start);
        let m = *self.inside.first()?;
        if names.mentions[m].words.start > first_word + 5 {
            return None;
        }
        names.entity_of[m]
    }

    /// True when the span is a description of an organization by its head
    /// word (`the company`, `the firm`, `the agency`, `the union`), which
    /// no person is (`the firm's director, Sunita Raghavan-Moore` is not
    /// the firm).
    pub fn describes_organization(&self) -> bool {
        let head = full_title(&self.head);
        self.class == "desc"
            && self.first == "the"
            && self.words.len() <= 4
            && !is_role(head)
            && (matches!(head, "company" | "firm")
                || is_kind(head)
                || ORGANIZATION_HEADS.contains(head))
    }

    /// True when the span is `I`, `me` or `my`.
    pub fn first_person(&self) -> bool {
        self.pronoun.is_some_and(|(_, class)| class == "1")
    }
}

/// True when a span's words (lower case) open with an article, an agent's
/// noun and `for`, `of` or `to` (`A spokesman for the governor`).
fn speaks_for(words: &[String]) -> bool {
    words.len() > 3
        && matches!(words[0].as_str(), "a" | "an" | "the")
        && AGENTS.contains(&words[1].as_str())
        && matches!(words[2].as_str(), "for" | "of" | "to")
}

/// Nouns of people who speak for another (`a spokesman for`, `an
/// attorney for`), which [`speaks_for`] reads.
const AGENTS: &[&str] = &[
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "representative",
    "lawyer",
    "attorney",
    "aide",
    "adviser",
    "advisor",
    "staffer",
    "publicist",
    "agent",
];

/// The first token of a comma that opens a relative clause within the
/// span over `tokens` (`, who`, `, whom`, `, whose`, `, which`), after at
/// least one of its words; its words begin at word `first_word`. None
/// where a name follows a later comma (or a comma and `and`) of the span:
/// the span goes on after the clause (`The head of Acme Corp, which makes
/// widgets, Jane Doe`; `Hillary Clinton, who served with Barack Obama, Tim
/// Kaine, and Joe Biden`, whose clause the rule for people named together
/// reads).
fn clause_start(names: &Names, first_word: usize, tokens: &Range<usize>) -> Option<usize> {
    let words = &names.words[first_word..];
    let n = words
        .iter()
        .take_while(|w| w.tokens.start < tokens.end)
        .count();
    let k = (1..n.saturating_sub(1)).find(|&k| {
        words[k].text == "," && matches!(words[k + 1].key(), "who" | "whom" | "whose" | "which")
    })?;
    // (Mentions are in text order: the first that starts at or after a word.)
    let name_at = |j: usize| {
        let at = first_word + j;
        let m = names.mentions.partition_point(|m| m.words.start < at);
        names.mentions.get(m).is_some_and(|m| m.words.start == at)
    };
    let goes_on = (k + 2..n.saturating_sub(1)).any(|j| {
        words[j].text == ","
            && (name_at(j + 1) || (words[j + 1].key() == "and" && j + 2 < n && name_at(j + 2)))
    });
    (!goes_on).then(|| words[k].tokens.start)
}

/// The class of a span that is pronoun `p` (one of [`PRONOUNS`]): `pron:`
/// and the pronoun, made once for every pronoun, so that no span makes a
/// string.
fn pronoun_class(p: &str) -> &'static str {
    static CLASSES: std::sync::LazyLock<Vec<(&str, String)>> = std::sync::LazyLock::new(|| {
        PRONOUNS
            .iter()
            .map(|(p, _)| (*p, format!("pron:{p}")))
            .collect()
    });
    CLASSES
        .iter()
        .find(|(q, _)| *q == p)
        .map_or("pron:?", |(_, class)| class.as_str())
}

/// A verb that joins a name to what describes it (`Kaine is a lawyer`).
fn is_copula(key: &str) -> bool {
    matches!(key, "is" | "was" | "remains" | "became")
}

/// The name mention that the words before word `at` describe, within
/// `sentence`: `NAME, words,` or `NAME is words` (at most 12 words).
fn described(tok: &Tokenized, names: &Names, sentence: usize, at: usize) -> Option<usize> {
    let start = tok.sentences.get(sentence)?.start;
    let words = &names.words;
    let comma = at.checked_sub(1).is_some_and(|k| words[k].text == ",");
    let mut k = at.checked_sub(usize::from(comma) + 1)?;
    let mut n = 0;
    while words[k].tokens.start >= start && n < 12 {
        let key = words[k].key();
        let stop = if comma { key == "," } else { is_copula(key) };
        if stop {
            // The mention that ends just before.
            let end = names.mentions.partition_point(|m| m.words.end <= k);
            return end
                .checked_sub(1)
                .filter(|&m| names.mentions[m].words.end == k && n >= 1);
        }
        if matches!(key, "." | ";" | ":") {
            return None;
        }
        n += 1;
        k = k.checked_sub(1)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Document, Tokenizer};

    /// The span over `text` (its first occurrence) in `doc`.
    fn span_of(doc: &Document, tok: &Tokenized, text: &str) -> Range<usize> {
        tokens_at(tok, doc.text().find(text).unwrap(), text.len())
    }

    /// The tokens of the `len` bytes at byte `start`.
    fn tokens_at(tok: &Tokenized, start: usize, len: usize) -> Range<usize> {
        let first = tok
            .tokens
            .iter()
            .position(|t| t.byte_start == start)
            .unwrap();
        let last = tok
            .tokens
            .iter()
            .rposition(|t| t.byte_end == start + len)
            .unwrap();
        first..last + 1
    }

    /// The canonical name of the entity that `rule` gives the span of
    /// `span`'s first occurrence in `text` (its last one with `last`).
    fn named_by(
        text: &str,
        span: &str,
        last: bool,
        rule: impl Fn(&Source, &Names) -> Option<usize>,
    ) -> Option<String> {
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let at = if last {
            text.rfind(span)
        } else {
            text.find(span)
        };
        let source = Source::new(&tok, &names, tokens_at(&tok, at.unwrap(), span.len()));
        let e = rule(&source, &names)?;
        names.entities[e].canonical()
    }

    /// An age no one is given goes to the recent source when that is a
    /// person or of unknown type and has no other age; else to the last
    /// person named before the span's sentence.
    #[test]
    fn an_age_goes_to_the_recent_source() {
        let text = "Mayor Ann Lee opened the bridge. Col. Pieter van Aalst watched. \
                    \"I would climb on it,\" Van Aalst said.\n\nThe 44-year-old said more.";
        let described = |recent: Option<&str>| {
            named_by(text, "The 44-year-old", false, |source, names| {
                let recent = recent.map(|r| names.entity_named(r).unwrap());
                source.described_entity(names, recent)
            })
        };
        assert_eq!(
            described(Some("Pieter van Aalst")).as_deref(),
            Some("Pieter van Aalst")
        );
        // (Without a recent source: the last person typed a person.)
        assert_eq!(described(None).as_deref(), Some("Ann Lee"));
        // Not a recent source the text gives another age.
        let text = "Ann Lee, 61, spoke. Maria Tran said so.\n\nThe 44-year-old said more.";
        let got = named_by(text, "The 44-year-old", false, |source, names| {
            source.described_entity(names, names.entity_named("Ann Lee"))
        });
        assert_eq!(got.as_deref(), Some("Maria Tran"));
    }

    /// An organization the text describes in an apposition is what a
    /// description with that head names, before the firm and body rules
    /// (a firm of one word named too); not where the phrase is the span
    /// itself, where the head is not the phrase's last word, or where two
    /// organizations are so described.
    #[test]
    fn an_apposition_describes_an_organization() {
        let described = |text: &str, span: &str| {
            named_by(text, span, true, |source, names| {
                source.described_entity(names, None)
            })
        };
        let text = "Blackfen Labs, a security firm, found the flaw. GreyMarrow said \
                    nothing. The Office of Communications and Data Protection (OCDP), \
                    the federal regulator, opened an inquiry. The firm said the flaw \
                    was old. The regulator said it would report in May.";
        assert_eq!(
            described(text, "The firm").as_deref(),
            Some("Blackfen Labs")
        );
        assert_eq!(
            described(text, "The regulator").as_deref(),
            Some("Office of Communications and Data Protection")
        );
        // The phrase is the span itself.
        let text = "In Las Vegas, the Democratic contenders, in a joint statement, said little.";
        assert_eq!(described(text, "the Democratic contenders"), None);
        // The phrase crosses a sentence's end; an unnamed body's head.
        let text = "Kestrel sold its stake to Harlow Holdings, a rival. Regulator, \
                    shareholders and staff all objected. The regulator said it would \
                    review the sale.";
        assert_eq!(described(text, "The regulator"), None);
        let text = "Protesters gathered outside Acme Chemicals, a chemicals group, on \
                    Monday. A group of residents joined them. The group said it would return.";
        assert_eq!(described(text, "The group"), None);
        // The head is not the phrase's last word.
        let text = "The Democratic Leadership Council, the centrist group, met. \
                    The centrist said no.";
        assert_eq!(described(text, "The centrist"), None);
        // Two so described.
        let text = "Blackfen Labs, a security firm, and Kestrel Ltd, a rival firm, \
                    spoke. The firm said no.";
        assert_eq!(described(text, "The firm"), None);
        // A name of unknown type that the apposition says is an agency's.
        let text = "Harvest Bridge International, an aid agency that runs clinics, \
                    said cases had tripled. Yasmin Rawi said so too. At least 11 \
                    villages use one well, the agency said.";
        assert_eq!(
            described(text, "the agency").as_deref(),
            Some("Harvest Bridge International")
        );
    }

    /// A description by an organization's kind names the one organization
    /// named before it whose name ends as that kind's do (`the regulator`
    /// for an authority, `the orchestra` for a philharmonic, `the
    /// newspaper` for a herald, `the union` for a workers' union, `the zoo`
    /// for a zoological park), or by its head (`the tribunal`); not where
    /// two do, not a journal of a field, not `the paper` (a study), not a
    /// regulator by a name many bodies end with (the Home Office), not the
    /// European Union.
    #[test]
    fn a_kind_describes_the_organization_named_so() {
        let described = |text: &str, span: &str| {
            named_by(text, span, true, |source, names| {
                source.described_entity(names, None)
            })
        };
        let text = "Kestrel Bank was fined by the Mercantile Competition Authority on \
                    Monday. The regulator said the fine was fair.";
        assert_eq!(
            described(text, "The regulator").as_deref(),
            Some("Mercantile Competition Authority")
        );
        let text = "Anna Berg led the Northbridge Philharmonic for years. The orchestra \
                    said she would be missed.";
        assert_eq!(
            described(text, "The orchestra").as_deref(),
            Some("Northbridge Philharmonic")
        );
        let text = "The Wexley Zoological Park lost a tapir. The zoo said it was found.";
        assert_eq!(
            described(text, "The zoo").as_deref(),
            Some("Wexley Zoological Park")
        );
        let text = "The Wexley Zoological Park sent a tapir to the Bronx Zoo. The zoo said \
                    it was well.";
        assert_eq!(described(text, "The zoo"), None);
        // (A tribunal's and a diocese's names are organizations'.)
        let text = "Ann Lee appealed to the International Sports Arbitration Tribunal, \
                    and the Track Union objected. The tribunal said it would rule soon.";
        assert_eq!(
            described(text, "The tribunal").as_deref(),
            Some("International Sports Arbitration Tribunal")
        );
        let text = "The Diocese of Eastmoor wrote to the council. The diocese said no.";
        assert_eq!(
            described(text, "The diocese").as_deref(),
            Some("Diocese of Eastmoor")
        );
        let text = "The Carrow Evening Herald ran the story first. The newspaper said more.";
        assert_eq!(
            described(text, "The newspaper").as_deref(),
            Some("Carrow Evening Herald")
        );
        let text = "The Amalgamated Dockworkers' Union struck. Keswater Harbour Terminals \
                    shut. The union said no.";
        assert_eq!(
            described(text, "The union").as_deref(),
            Some("Amalgamated Dockworkers' Union")
        );
        // Two that fit.
        let text = "The Carrow Evening Herald and the Aberstow Courier ran it. \
                    The newspaper said more.";
        assert_eq!(described(text, "The newspaper"), None);
        // A journal of a field, or a paper that is a study.
        let text = "The study appeared in the Meridian Journal of Tropical Medicine. \
                    The newspaper said the vaccine worked.";
        assert_eq!(described(text, "The newspaper"), None);
        let text = "The study appeared in the British Medical Journal. The paper said \
                    the vaccine worked.";
        assert_eq!(described(text, "The paper"), None);
        // Endings many other bodies' names have; a political union.
        let text = "The Home Office and Ofcom met. The regulator said the fine was fair.";
        assert_eq!(described(text, "The regulator"), None);
        let text = "The European Union proposed new rules. The union said no.";
        assert_eq!(described(text, "The union"), None);
    }

    /// `A spokesman for X` speaks for X and is not X: X's entity is its
    /// principal, and the span's head is the agent's noun (a spokesman for
    /// the governor is no governor); a name after a comma is the agent's
    /// own.
    #[test]
    fn a_spokesman_is_not_whom_he_speaks_for() {
        let text = "Mayor Gordon Pell and Jane Roe met. A spokesman for Mayor Gordon Pell \
                    said no. An attorney for Roe, Mark Lutz, said yes. Pell said so. \
                    Later an aide to Pell named Tom Hale spoke. A lawyer for the news \
                    outlets, David Schulz, objected.";
        let doc = Document::new("d", text);
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let source = |span: &str| Source::new(&tok, &names, span_of(&doc, &tok, span));
        let entity = |name: &str| names.entity_named(name).unwrap();
        let spokesman = source("A spokesman for Mayor Gordon Pell");
        assert_eq!(spokesman.principal(&names), Some(entity("Gordon Pell")));
        assert_eq!(spokesman.head, "spokesman");
        // (Before features version 6, the head was the last word.)
        let old = Source::seen_by(&tok, &names, spokesman.tokens.clone(), 5);
        assert_eq!(old.head, "pell");
        let attorney = source("An attorney for Roe, Mark Lutz");
        assert_eq!(attorney.principal(&names), Some(entity("Jane Roe")));
        let aide = source("an aide to Pell named Tom Hale");
        assert_eq!(aide.principal(&names), Some(entity("Gordon Pell")));
        assert_eq!(source("Pell said").principal(&names), None);
        let together = source("Mayor Gordon Pell and Jane Roe");
        assert_eq!(together.principal(&names), None);
        let lawyer = source("A lawyer for the news outlets, David Schulz");
        assert_eq!(lawyer.principal(&names), None);
    }

    /// A span that opens with a name and the acronym in brackets the text
    /// gives it is that name's entity, whatever follows that names no one
    /// else; not where the name is possessive or another entity is named.
    #[test]
    fn a_name_and_its_acronym_are_one_entity() {
        let named = |text: &str, span: &str| {
            named_by(text, span, false, |source, names| {
                source.named_with_acronym(names)
            })
        };
        let before = "Wages rose slowly. Signe Aaltonen of Morrow Bank was less sure. ";
        let text = format!(
            "{before}The Varnland Federation of Trade Unions (VFTU) called the rise a tax. \
             The Council of Northern States (CNS), a regional bloc that sent 300 \
             observers, said the vote was fair."
        );
        assert_eq!(
            named(&text, "The Varnland Federation of Trade Unions (VFTU)").as_deref(),
            Some("Varnland Federation of Trade Unions")
        );
        assert_eq!(
            named(
                &text,
                "The Council of Northern States (CNS), a regional bloc that sent 300 observers,"
            )
            .as_deref(),
            Some("Council of Northern States")
        );
        // (Without its acronym, the ranker chooses.)
        assert_eq!(
            named(&text, "The Varnland Federation of Trade Unions"),
            None
        );
        let text = format!(
            "{before}The Federal Bureau of Investigation (FBI) director James Comey spoke. \
             The National Rifle Association (NRA) and the Sierra Club agreed."
        );
        assert_eq!(
            named(
                &text,
                "The Federal Bureau of Investigation (FBI) director James Comey"
            ),
            None
        );
        assert_eq!(
            named(
                &text,
                "The National Rifle Association (NRA) and the Sierra Club"
            ),
            None
        );
        // (Not where other words follow the bracket, nor a possessive.)
        let text = format!(
            "{before}The National Transportation Safety Board (NTSB) investigators said \
             little. The Varnland Federation of Trade Unions (VFTU) and employers met. \
             The Federal Bureau of Investigation (FBI)’s director spoke. The Federal \
             Bureau of Investigation’s (FBI) director spoke."
        );
        for span in [
            "The National Transportation Safety Board (NTSB) investigators",
            "The Varnland Federation of Trade Unions (VFTU) and employers",
            "The Federal Bureau of Investigation (FBI)’s director",
            "The Federal Bureau of Investigation’s (FBI) director",
        ] {
            assert_eq!(named(&text, span), None, "{span}");
        }
        // (Not a name that follows other words.)
        let text =
            format!("{before}A spokesman for the Federal Bureau of Investigation (FBI) said no.");
        assert_eq!(
            named(
                &text,
                "A spokesman for the Federal Bureau of Investigation (FBI)"
            ),
            None
        );
    }

    /// A definite description takes the one entity named before it that
    /// the text describes so before it, however far back: by a role right
    /// before its name, among its titles or in an apposition after it, by
    /// an age, or by a firm's kind; no one where another entity may fit
    /// too, or where its words are not all written there.
    #[test]
    fn a_description_names_the_one_entity_it_fits() {
        let described = |text: &str, span: &str| {
            named_by(text, span, false, |source, names| {
                source.described_entity(names, None)
            })
        };
        let fits = |text: &str, span: &str, name: &str| {
            assert_eq!(described(text, span).as_deref(), Some(name), "{text}");
        };
        let none = |text: &str, span: &str| assert_eq!(described(text, span), None, "{text}");
        let after = " Denise Albright said she was hurt. Tom Berg agreed.";
        // The role and a comma before the name.
        fits(
            &format!(
                "\"Order!\" the Speaker, Sir Rhodri Vance, called.{after} The Speaker said so."
            ),
            "The Speaker",
            "Rhodri Vance",
        );
        // (Not an item of a list, a clause's end, or a former role.)
        none(
            &format!(
                "In court were the judge, the prosecutor, Maria Lopez, and the \
                 defendant's mother.{after} The prosecutor said the case was strong."
            ),
            "The prosecutor",
        );
        none(
            &format!(
                "Outside the courthouse, where she had waited for the judge, Maria Lopez \
                 wept.{after} The judge said the sentence was fair."
            ),
            "The judge",
        );
        none(
            &format!(
                "Voters cheered the former state governor, Jane Doe, at the rally.{after} \
                 The governor said she was pleased."
            ),
            "The governor",
        );
        // A zoo is a body whose head word names it.
        fits(
            &format!("A tapir left Linthwaite Zoo on Tuesday.{after} The zoo said he was safe."),
            "The zoo",
            "Linthwaite Zoo",
        );
        fits(
            &format!(
                "Judge Howard Pinkney said the theft was deliberate.{after} The judge said no."
            ),
            "The judge",
            "Howard Pinkney",
        );
        fits(
            &format!("The club's striker Emeka Obiora scored twice.{after} The striker said it was luck."),
            "The striker",
            "Emeka Obiora",
        );
        fits(
            &format!("Rebel commander Ignacio Ruiz refused.{after} The rebel commander said no."),
            "The rebel commander",
            "Ignacio Ruiz",
        );
        fits(
            &format!("Florida Gov. Jeb Bush spoke.{after} The governor said no."),
            "The governor",
            "Jeb Bush",
        );
        fits(
            &format!(
                "Ingrid Solbakken, 52, said orders had slowed.{after} The 52-year-old said no."
            ),
            "The 52-year-old",
            "Ingrid Solbakken",
        );
        fits(
            &format!("The 52-year-old Ingrid Solbakken spoke.{after} The 52-year-old said no."),
            "The 52-year-old said",
            "Ingrid Solbakken",
        );
        fits(
            &format!("Halcyon Systems said sales rose.{after} The company said it would hire."),
            "The company",
            "Halcyon Systems",
        );
        fits(
            &format!("Adeyemi & Castellane Architects won.{after} The firm said it was glad."),
            "The firm",
            "Adeyemi & Castellane Architects",
        );
        // A body whose name ends with a firm's word after `of` is no firm.
        fits(
            &format!(
                "Blackfen Labs won a prize of the American Institute of Architects.{after} \
                 The firm said it was glad."
            ),
            "The firm",
            "Blackfen Labs",
        );
        fits(
            &format!(
                "Halcyon Systems met the Ministry of Energy.{after} The company said it \
                 would hire."
            ),
            "The company",
            "Halcyon Systems",
        );
        fits(
            &format!(
                "Maria Lopez, a veteran diplomat, arrived.{after} The veteran diplomat said no."
            ),
            "The veteran diplomat",
            "Maria Lopez",
        );
        // A place or a firm followed by a number is no age: an age no
        // one is given before is the person named last before the span's
        // sentence (not one named in the quote before it).
        fits(
            &format!(
                "The fire reached Millbrook, 52 kilometres away.{after} The 52-year-old said no."
            ),
            "The 52-year-old",
            "Tom Berg",
        );
        fits(
            "Melania Trump spoke on Monday. “Donald Trump is a leader,” said the 46-year-old.",
            "the 46-year-old",
            "Melania Trump",
        );
        none(
            "The fire reached Millbrook. The 52-year-old said no.",
            "The 52-year-old",
        );
        // Not a person the text gives another age, nor an organization's
        // age; a role given to one person decides.
        none(
            "Anna Lee, 45, and Tom Berg, 30, spoke. “We want answers,” said the 61-year-old.",
            "the 61-year-old",
        );
        none(
            "The Labour Party picked Anna Lee. “We need change,” said the 120-year-old party.",
            "the 120-year-old party",
        );
        none(
            "John Smith runs Acme Corp. “We will appeal,” the 150-year-old company said.",
            "the 150-year-old company",
        );
        fits(
            "Anna Lee, a teacher, lost her home. Tom Berg, a farmer, lost his barn. \
             “We have nothing,” said the 61-year-old teacher.",
            "the 61-year-old teacher",
            "Anna Lee",
        );
        // An organization's head word; not one that often names a body the
        // text leaves unnamed.
        fits(
            &format!("The Wexmoor Hospitals NHS Trust apologised.{after} The trust said no."),
            "The trust",
            "Wexmoor Hospitals NHS Trust",
        );
        fits(
            &format!("The Ministry of the Interior refused.{after} The ministry said no."),
            "The ministry",
            "Ministry of the Interior",
        );
        none(
            &format!("The European Union proposed new rules.{after} The union said no."),
            "The union",
        );
        // What the text writes after the span does not count.
        none(
            &format!("Jeb Bush arrived.{after} The governor said no. Gov. Jeb Bush left early."),
            "The governor",
        );
        // Another judge, by the role after a comma after the name.
        none(
            &format!("Judge Ann Lee ruled.{after} Tom Ruiz, a judge in Ohio, disagreed. The judge said no."),
            "The judge",
        );
        // A firm of one word may be `the company` too.
        none(
            &format!("Google declined to comment. Halcyon Systems said sales rose.{after} The company said no."),
            "The company",
        );
        // Not every word of the description is written with the name.
        none(
            &format!("Republican presidential nominee Donald Trump spoke.{after} The Democratic presidential nominee said no."),
            "The Democratic presidential nominee",
        );
        // A former governor is not `the governor`; nor is one named after.
        none(
            &format!("Former Florida Gov. Jeb Bush spoke.{after} The governor said no."),
            "The governor",
        );
        none(
            &format!("Tom Ruiz spoke.{after} The governor said no, and Gov. Jane Doe agreed."),
            "The governor",
        );
        // A name, a pronoun or an indefinite description is no such span.
        none(
            &format!("Judge Howard Pinkney spoke.{after} A judge said no."),
            "A judge",
        );
    }

    /// From features version 5 a span's words and names end before a
    /// relative clause after a comma; version 4 read the whole span, and
    /// took the clause's last name for the span's.
    #[test]
    fn a_relative_clause_is_left_out_from_version_5() {
        let doc = Document::new(
            "d",
            "Conservative economist Jane Doe, who studies tax policy at the Acme Institute, \
             said no. Brightline, which has 2,100 stores, agreed. Officials who knew said yes. \
             The head of Acme Corp, which makes widgets, Jane Doe, agreed. Councilwoman Priya \
             Nandakumar, who chairs the finance committee, and Councilman Owen Hale objected.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let name_of = |s: &Source| s.name.map(|m| names.mentions[m].name.join(" "));
        let seen = |text: &str, version: u32| {
            Source::seen_by(&tok, &names, span_of(&doc, &tok, text), version)
        };
        let economist =
            "Conservative economist Jane Doe, who studies tax policy at the Acme Institute,";
        let (new, old) = (seen(economist, 5), seen(economist, 4));
        assert_eq!(new.words, ["conservative", "economist", "jane", "doe"]);
        assert_eq!(name_of(&new).as_deref(), Some("Jane Doe"));
        let inside = |s: &Source| -> Vec<String> {
            s.inside
                .iter()
                .map(|&m| names.mentions[m].name.join(" "))
                .collect()
        };
        assert!(
            !inside(&new).contains(&"Acme Institute".to_string()),
            "{:?}",
            inside(&new)
        );
        assert_eq!(new.head, "doe");
        assert_eq!(name_of(&old).as_deref(), Some("Acme Institute"));
        assert!(inside(&old).contains(&"Acme Institute".to_string()));
        // (The span keeps all its tokens: only what it is read as ends.)
        assert_eq!(new.tokens, old.tokens);
        let firm = "Brightline, which has 2,100 stores,";
        assert_eq!(seen(firm, 5).words, ["brightline"]);
        assert_eq!(seen(firm, 5).head, "brightline");
        assert_eq!(seen(firm, 4).head, "stores");
        // A span that goes on after the clause, a name after a comma (or a
        // comma and `and`), is read whole, as before.
        for text in [
            "The head of Acme Corp, which makes widgets, Jane Doe,",
            "Councilwoman Priya Nandakumar, who chairs the finance committee, and Councilman Owen Hale",
        ] {
            assert_eq!(seen(text, 5).words, seen(text, 4).words, "{text}");
            assert_eq!(seen(text, 5).inside, seen(text, 4).inside, "{text}");
        }
        // A clause without a comma is the span's own (`officials who
        // knew`), as is a span that begins with one.
        assert_eq!(
            seen("Officials who knew", 5).words,
            ["officials", "who", "knew"]
        );
        assert_eq!(seen(", which has", 5).words, [",", "which", "has"]);
    }

    /// `who` after a name and words that describe it (between commas, or
    /// after a copula) is in apposition; after a name and other words, not.
    #[test]
    fn relative_pronouns_see_an_apposition() {
        let doc = Document::new(
            "d",
            "Obama met McConnell, now the Senate majority leader, who said no. \
             Kaine is a former civil rights lawyer who said yes. \
             Jane Doe praised the plan that said nothing.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let relative = |nth: usize| {
            let (i, _) = tok
                .tokens
                .iter()
                .enumerate()
                .filter(|(_, t)| matches!(t.text(doc.text()), "who" | "that"))
                .nth(nth)
                .unwrap();
            Source::new(&tok, &names, i..i + 1)
        };
        let described = |nth: usize| {
            relative(nth)
                .apposition
                .map(|m| names.mentions[m].name.join(" "))
        };
        assert_eq!(described(0).as_deref(), Some("McConnell"));
        assert_eq!(described(1).as_deref(), Some("Kaine"));
        assert_eq!(described(2), None);
        // The last name before the first `who` is `Senate`, which the words
        // between do not describe.
        assert!(!relative(0).antecedent_described);
        assert!(relative(1).antecedent_described);
        assert!(!relative(2).antecedent_described);
    }

    /// A span that ends where a glued `’s` begins is the name or pronoun
    /// before it, not a description.
    #[test]
    fn a_span_before_a_glued_s_keeps_its_name_or_pronoun() {
        let doc = Document::new(
            "d",
            "Jane Doe met the press. North Korea’s claims are false, she said. \
             Later she’s sure of it.",
        );
        let tok = Tokenizer::new().tokenize(&doc);
        let names = Names::of(&doc, &tok);
        let korea = Source::new(&tok, &names, span_of(&doc, &tok, "North Korea"));
        assert_eq!(korea.class(), "name");
        let m = korea.name.unwrap();
        assert_eq!(names.mentions[m].keys, ["north", "korea"]);
        assert!(names.mentions[m].possessive);
        assert!(!korea.possessive(m, &names));
        assert_eq!(korea.words, ["north", "korea"]);
        let later = doc.text().find("she’s").unwrap();
        let first = tok
            .tokens
            .iter()
            .position(|t| t.byte_start == later)
            .unwrap();
        let she = Source::new(&tok, &names, first..first + 1);
        assert_eq!(she.class(), "pron:she");
        // The whole of `North Korea’s claims` still holds a possessive name.
        let claims = Source::new(&tok, &names, span_of(&doc, &tok, "North Korea’s claims"));
        assert_eq!(claims.class(), "possessive");
    }

    /// Every pronoun's class is `pron:` and the pronoun.
    #[test]
    fn pronoun_classes_are_written_out_for_every_pronoun() {
        for (p, _) in PRONOUNS {
            assert_eq!(pronoun_class(p), format!("pron:{p}"));
        }
    }
}
