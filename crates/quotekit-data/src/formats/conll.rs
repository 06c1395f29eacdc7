//! CoNLL-style IOB: one token per line, its tag in the last column, a blank line
//! between sentences and `-DOCSTART-` (optionally followed by the document id)
//! before each document. Labels are mapped to roles by a [`LabelMap`], so that
//! corpora with other label names (DirectQuote's `Speaker`, …) can be read.
//!
//! The format keeps tokens and spans only: reading it builds the text by joining
//! tokens with spaces and sentences with line breaks; attributions and
//! discontinuous spans cannot be written to it. Tags are read a sentence at
//! a time (as IOB1 and corpora tagged by sentence need), so the writer
//! leaves out the sentence break inside a span (a quote of two sentences is
//! written as one). The id is the column after `-DOCSTART-` (CoNLL-2003's
//! `-X-` is none), so an id may hold spaces but not a tab or a line break.
//! The file runs over 500 lines (about 730) with its tests: the round trip
//! through both tag schemes, the ids and the line ends are spelled out.

use super::{strip_bom, CorpusReader, CorpusWriter, DocumentStream, ReadDocument};
use crate::document::{Document, Role, Span};
use crate::error::{decode_utf8, DataError};
use crate::message::shorten;
use crate::offsets::CharSpan;
use crate::tags::{decode_ranges, encode, role_fragments, Tag, TagScheme};
use crate::tokenize::Tokenizer;
use crate::validate::Origin;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// What a corpus label (the part after `B-`) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelTarget {
    /// A Source span.
    Source,
    /// A Cue span.
    Cue,
    /// A Content span.
    Content,
    /// Not an attribution role: read as `O`.
    Ignore,
}

/// Maps corpus labels to roles. Labels not listed are errors, except that the
/// role names themselves (`SOURCE`, `Cue`, …, any case) are always understood.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelMap {
    /// Corpus label → meaning.
    #[serde(default)]
    pub labels: BTreeMap<String, LabelTarget>,
}

impl LabelMap {
    /// Reads a label map from TOML: a `[labels]` table such as `Speaker = "source"`.
    pub fn from_toml(text: &str) -> Result<Self, DataError> {
        let map: Self =
            toml::from_str(text).map_err(|e| DataError::Config(format!("label map: {e}")))?;
        map.check()
            .map_err(|e| DataError::Config(format!("label map: {e}")))?;
        Ok(map)
    }

    /// Reads a label map file (`--label-map`, `data.label_map`); a
    /// byte-order mark before it is passed over, and errors name the file.
    pub fn from_file(path: &Path) -> Result<Self, DataError> {
        let text = crate::error::read_text(path)
            .map_err(|e| DataError::Config(format!("label map {e}")))?;
        let map: Self = toml::from_str(&text)
            .map_err(|e| DataError::Config(format!("label map {}: {e}", path.display())))?;
        map.check()
            .map_err(|e| DataError::Config(format!("label map {}: {e}", path.display())))?;
        Ok(map)
    }

    /// Refuses a key that no tag's label can be, which would be read and
    /// never used: empty, holding a tab or a line break (a line's columns
    /// are split at tabs, and lines at line breaks; a label may hold
    /// spaces in a file whose columns are split at tabs), or `O`, the tag
    /// outside spans, which has no label.
    fn check(&self) -> Result<(), String> {
        for key in self.labels.keys() {
            if key == "O" {
                return Err("`O` is the tag outside spans, not a label: the keys of \
                     `[labels]` are the LABEL of `B-LABEL` and `I-LABEL` tags"
                    .into());
            }
            if key.is_empty() || key.contains(['\t', '\n', '\r']) {
                return Err(format!(
                    "{key:?} is no label: a tag's label is not empty and holds no tab or line \
                     break, the LABEL of `B-LABEL` and `I-LABEL`"
                ));
            }
        }
        Ok(())
    }

    /// The role of `label`, `Ok(None)` for an ignored label.
    pub fn role(&self, label: &str) -> Result<Option<Role>, String> {
        match self.labels.get(label) {
            Some(LabelTarget::Source) => Ok(Some(Role::Source)),
            Some(LabelTarget::Cue) => Ok(Some(Role::Cue)),
            Some(LabelTarget::Content) => Ok(Some(Role::Content)),
            Some(LabelTarget::Ignore) => Ok(None),
            None if label.is_empty() => Err(
                "a tag without a label (`B-`, `I-` or a lone `-`): write `O` outside spans, \
                 and `B-LABEL` or `I-LABEL` inside them"
                    .into(),
            ),
            None => label.parse::<Role>().map(Some).map_err(|_| {
                // (A key written with a tag's prefix or spaces around it,
                // which no label is, is named: the map is what to mend.)
                let near = self.labels.keys().find(|k| {
                    k.trim() == label
                        || ["B-", "I-", "E-", "S-", "L-", "U-"]
                            .iter()
                            .any(|p| k.strip_prefix(p) == Some(label))
                });
                let label = shorten(label, 40);
                match near {
                    Some(key) => format!(
                        "unknown label `{label}`: the label map's key {:?} is not it (its keys are \
                         the LABEL of `B-LABEL` and `I-LABEL` tags, as written, without the tag's \
                         prefix or spaces around it)",
                        shorten(key, 40)
                    ),
                    None => format!(
                        "unknown label `{label}`: add it to a label map (`{label} = \"source\"` or \
                         `\"ignore\"` in its `[labels]` table), given as `--label-map FILE`, or \
                         in a training config as `data.label_map`"
                    ),
                }
            }),
        }
    }
}

/// Reads CoNLL files.
#[derive(Debug, Clone, Default)]
pub struct ConllReader {
    /// How labels map to roles.
    pub labels: LabelMap,
}

/// A document under construction while reading.
struct Builder {
    id: String,
    line: usize,
    /// Begun by a `-DOCSTART-` line.
    started: bool,
    sentences: Vec<Vec<(String, Tag)>>,
}

impl Builder {
    fn finish(self, path: &Path) -> ReadDocument {
        let mut text = String::new();
        let mut char_pos = 0;
        let mut spans = Vec::new();
        for (s, sentence) in self.sentences.iter().enumerate() {
            if s > 0 {
                text.push('\n');
                char_pos += 1;
            }
            let mut offsets = Vec::with_capacity(sentence.len());
            for (t, (word, _)) in sentence.iter().enumerate() {
                if t > 0 {
                    text.push(' ');
                    char_pos += 1;
                }
                let n = word.chars().count();
                offsets.push(CharSpan::new(char_pos, char_pos + n));
                text.push_str(word);
                char_pos += n;
            }
            let tags: Vec<Tag> = sentence.iter().map(|(_, t)| *t).collect();
            for (role, range) in decode_ranges(&tags) {
                spans.push(Span {
                    id: format!("T{}", spans.len() + 1),
                    role,
                    fragments: vec![CharSpan::new(
                        offsets[range.start].start,
                        offsets[range.end - 1].end,
                    )],
                    name: None,
                });
            }
        }
        let mut document = Document::new(self.id, text);
        document.spans = spans;
        ReadDocument {
            document,
            origin: Origin {
                file: path.to_path_buf(),
                record_line: Some(self.line),
                ..Origin::default()
            },
            diagnostics: Vec::new(),
        }
    }
}

impl CorpusReader for ConllReader {
    fn read<'a>(&'a self, path: &Path) -> Result<DocumentStream<'a>, DataError> {
        let lines = crate::gzip::open(path).map_err(|e| DataError::io(path, e))?;
        let path = path.to_path_buf();
        // (`x.conll.gz`: `x`.)
        let stem = crate::gzip::inner_name(&path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Box::new(ConllStream {
            lines,
            pending: Default::default(),
            path,
            stem,
            line_no: 0,
            labels: &self.labels,
            current: None,
            failed: false,
            ended: false,
            count: 0,
        }))
    }
}

/// The document id of a `-DOCSTART-` line, from what follows the marker:
/// its first tab-separated column (spaces and all: `my doc`), none when it
/// is empty, CoNLL-2003's `-X-` columns, or a lone `O` (the tag that
/// two-column files give the marker: `-DOCSTART- O`). (`-DOCSTART-<TAB>a<TAB>O`,
/// a marker given a tag, is the document `a`.)
fn docstart_id(rest: &str) -> Option<&str> {
    let rest = rest.trim_start();
    let id = rest.split('\t').next().unwrap_or("").trim();
    (!id.is_empty() && id != "O" && id.split_whitespace().next() != Some("-X-")).then_some(id)
}

/// Streams documents out of a CoNLL file. A bad line makes its document an error;
/// reading resumes at the next `-DOCSTART-`.
struct ConllStream<'a, R: BufRead> {
    /// What is read line by line (at most
    /// [`MAX_LINE_BYTES`](crate::read::MAX_LINE_BYTES) a line).
    lines: R,
    /// Lines still to read of a piece that held a lone `\r` (a file with
    /// old Mac line ends is read line by line, not as one line).
    pending: std::collections::VecDeque<Vec<u8>>,
    path: PathBuf,
    stem: String,
    line_no: usize,
    labels: &'a LabelMap,
    current: Option<Builder>,
    failed: bool,
    /// Whether reading failed: nothing follows.
    ended: bool,
    count: usize,
}

impl<R: BufRead> ConllStream<'_, R> {
    fn start(&mut self, docstart: Option<&str>) {
        self.count += 1;
        let id = docstart
            .and_then(docstart_id)
            .map(String::from)
            .unwrap_or_else(|| format!("{}-{}", self.stem, self.count));
        self.current = Some(Builder {
            id,
            line: self.line_no,
            started: docstart.is_some(),
            sentences: vec![Vec::new()],
        });
        self.failed = false;
    }

    /// Ends the current document, unless it failed: one that `-DOCSTART-`
    /// began is a document even with no token (an empty text), one begun by
    /// tokens alone has some.
    fn take(&mut self) -> Option<ReadDocument> {
        let mut b = self.current.take()?;
        if self.failed {
            return None;
        }
        b.sentences.retain(|s| !s.is_empty());
        (b.started || !b.sentences.is_empty()).then(|| b.finish(&self.path))
    }

    fn parse_line(&self, line: &str) -> Result<(String, Tag), DataError> {
        // Columns are split on tabs when the line has two or more
        // tab-separated columns, so that a token with a space in it is seen
        // (and refused) rather than cut to its first word; otherwise on any
        // whitespace (`TOKEN TAG`, or a stray tab at the end).
        let tabbed: Vec<&str> = line
            .split('\t')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        let fields: Vec<&str> = if tabbed.len() >= 2 {
            tabbed
        } else {
            line.split_whitespace().collect()
        };
        if let Some(token) = fields.first().filter(|t| t.contains(char::is_whitespace)) {
            return Err(DataError::syntax(
                &self.path,
                self.line_no,
                format!(
                    "the token {:?} holds a space (columns are split on tabs): one word per line",
                    shorten(token, 80)
                ),
            ));
        }
        if fields.len() < 2 {
            return Err(DataError::syntax(
                &self.path,
                self.line_no,
                format!("expected `TOKEN TAG`, found {:?}", shorten(line, 80)),
            ));
        }
        let tag = Tag::parse_with(fields[fields.len() - 1], |l| self.labels.role(l))
            .map_err(|m| DataError::syntax(&self.path, self.line_no, m))?
            .unwrap_or(Tag::Outside);
        Ok((fields[0].to_string(), tag))
    }
}

impl<R: BufRead> Iterator for ConllStream<'_, R> {
    type Item = Result<ReadDocument, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        loop {
            let mut raw = match self.pending.pop_front() {
                Some(raw) => raw,
                None => {
                    let mut raw = Vec::new();
                    let cap = crate::read::MAX_LINE_BYTES;
                    match crate::read::read_line_within(&mut self.lines, &mut raw, cap) {
                        Ok(0) => return self.take().map(Ok),
                        // (The last item: the document under way is lost
                        // with what follows.)
                        Err(e) => {
                            self.ended = true;
                            let e = DataError::read_stopped(&self.path, self.line_no + 1, e);
                            return Some(Err(e));
                        }
                        Ok(_) => {
                            if raw.last() == Some(&b'\n') {
                                raw.pop();
                            }
                            raw
                        }
                    }
                }
            };
            // Lines end at `\n`, `\r\n` or `\r`.
            let body = raw.strip_suffix(b"\r").unwrap_or(&raw);
            if body.contains(&b'\r') {
                // (Pieces read from `pending` hold no `\r`: it is empty here.)
                let mut pieces = body.split(|&b| b == b'\r').map(<[u8]>::to_vec);
                let first = pieces.next().unwrap_or_default();
                self.pending.extend(pieces);
                raw = first;
            }
            self.line_no += 1;
            // A byte-order mark opens a file, or a file joined to it (before
            // its `-DOCSTART-`); anywhere else it is a token's first
            // character, as `convert --to conll` writes it.
            let docstart = raw
                .strip_prefix("\u{feff}".as_bytes())
                .is_some_and(|rest| rest.starts_with(b"-DOCSTART-"));
            if self.line_no == 1 || docstart {
                strip_bom(&mut raw);
            }
            let line = match decode_utf8(&self.path, raw) {
                Ok(l) => l,
                Err(DataError::NotUtf8 { path, byte, .. }) => {
                    self.failed = true;
                    return Some(Err(DataError::NotUtf8 {
                        path,
                        line: self.line_no,
                        byte,
                    }));
                }
                Err(e) => return Some(Err(e)),
            };
            let line = line.trim_end_matches('\r');
            if let Some(rest) = line.strip_prefix("-DOCSTART-") {
                let done = self.take();
                self.start(Some(rest));
                if let Some(doc) = done {
                    return Some(Ok(doc));
                }
                continue;
            }
            if self.current.is_none() {
                if line.trim().is_empty() {
                    continue;
                }
                self.start(None);
            }
            if self.failed {
                continue;
            }
            if line.trim().is_empty() {
                if let Some(b) = self.current.as_mut() {
                    if b.sentences.last().is_some_and(|s| !s.is_empty()) {
                        b.sentences.push(Vec::new());
                    }
                }
                continue;
            }
            match self.parse_line(line) {
                Ok(pair) => {
                    if let Some(b) = self.current.as_mut() {
                        b.sentences
                            .last_mut()
                            .expect("a builder has a sentence")
                            .push(pair);
                    }
                }
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// How [`ConllWriter`] splits a text into tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tokens {
    /// quotekit's tokenizer, the tokens its models tag.
    #[default]
    Quotekit,
    /// White space only, one sentence per line ([`Tokenizer::spaces`]): a
    /// corpus read from CoNLL keeps its own tokens and sentences.
    Spaces,
}

impl std::str::FromStr for Tokens {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "quotekit" => Ok(Tokens::Quotekit),
            "spaces" => Ok(Tokens::Spaces),
            _ => Err(format!(
                "unknown tokens `{s}` (expected quotekit or spaces)"
            )),
        }
    }
}

/// Writes CoNLL: tokens from quotekit's tokenizer (or split at white
/// space: [`Tokens`]), tags in the chosen scheme.
#[derive(Debug, Default)]
pub struct ConllWriter {
    /// BIO or BILOU.
    pub scheme: TagScheme,
    tokenizer: Tokenizer,
    /// Which tokens `tokenizer` finds.
    tokens: Tokens,
}

impl ConllWriter {
    /// A writer for `scheme`, with quotekit's tokens.
    pub fn new(scheme: TagScheme) -> Self {
        Self::with_tokens(scheme, Tokens::Quotekit)
    }

    /// A writer for `scheme` with `tokens`.
    pub fn with_tokens(scheme: TagScheme, tokens: Tokens) -> Self {
        let tokenizer = match tokens {
            Tokens::Quotekit => Tokenizer::new(),
            Tokens::Spaces => Tokenizer::spaces(),
        };
        Self {
            scheme,
            tokenizer,
            tokens,
        }
    }
}

impl CorpusWriter for ConllWriter {
    fn write(&self, documents: &[Document], path: &Path) -> Result<Vec<String>, DataError> {
        super::write_one_file(self, documents, path)
    }

    fn write_to(
        &self,
        documents: &[Document],
        out: &mut dyn Write,
        path: &Path,
    ) -> Result<Vec<String>, DataError> {
        // (Checked before a line is written: a refused corpus writes nothing.)
        super::check_writable(documents, path, false)?;
        for doc in documents {
            // (quotekit's tokenizer splits `-DOCSTART-x` at its hyphens.)
            let marker = self.tokens == Tokens::Spaces
                && doc
                    .text()
                    .split_whitespace()
                    .any(|w| w.starts_with("-DOCSTART-"));
            if marker {
                return Err(DataError::Unwritable {
                    path: path.to_path_buf(),
                    message: format!(
                        "document {:?} has a word that begins with `-DOCSTART-`, which would read \
                         back as the start of another document: write it with quotekit's tokens \
                         (`--tokens quotekit`), or as JSONL or brat",
                        shorten(&doc.id, 80)
                    ),
                });
            }
            if docstart_id(&doc.id) != Some(doc.id.as_str()) || doc.id.contains(['\n', '\r']) {
                return Err(DataError::Unwritable {
                    path: path.to_path_buf(),
                    message: format!(
                        "document id {:?} would not read back from a `-DOCSTART-` line \
                         (empty, a tab or line break, white space around it, `-X-` or `O`); \
                         write this corpus as JSONL or brat",
                        shorten(&doc.id, 80)
                    ),
                });
            }
        }
        let mut out = std::io::BufWriter::new(out);
        let io = |e| DataError::io(path, e);
        let mut lost = Vec::new();
        let (mut widened, mut first_widened) = (0, None);
        for doc in documents {
            let tokenized = self.tokenizer.tokenize(doc);
            let encoded = encode(&tokenized, &role_fragments(doc), self.scheme);
            widened += encoded.widened;
            if encoded.widened > 0 {
                first_widened.get_or_insert(doc.id.as_str());
            }
            if encoded.conflicts + encoded.empty > 0 {
                lost.push(format!(
                    "document {}: {} span fragment(s) share tokens with another and {} cover no token; CoNLL has one tag per token, so they are cut or left out",
                    doc.id, encoded.conflicts, encoded.empty
                ));
            }
            writeln!(out, "-DOCSTART-\t{}\n", doc.id).map_err(io)?;
            for sentence in &tokenized.sentences {
                for i in sentence.clone() {
                    let word = tokenized.tokens[i].text(doc.text());
                    writeln!(out, "{word}\t{}", encoded.tags[i]).map_err(io)?;
                }
                // (No break inside a span: it is read a sentence at a time.)
                let inside = matches!(
                    encoded.tags.get(sentence.end),
                    Some(Tag::Inside(_) | Tag::Last(_))
                );
                if !inside {
                    writeln!(out).map_err(io)?;
                }
            }
        }
        out.flush().map_err(io)?;
        if let Some(first) = first_widened {
            lost.push(format!(
                "{widened} span fragment(s) begin or end inside a token (the first in document \
                 {first}); CoNLL tags whole tokens, so they are widened to the token's edges"
            ));
        }
        let (split, parts) = documents
            .iter()
            .flat_map(|d| &d.spans)
            .filter(|s| s.fragments.len() > 1)
            .fold((0, 0), |(n, parts), s| (n + 1, parts + s.fragments.len()));
        if split > 0 {
            lost.push(format!(
                "{split} discontinuous span(s) are written as {parts} spans, one per fragment: \
                 CoNLL tags cannot join a span's fragments"
            ));
        }
        let attributions: usize = documents.iter().map(|d| d.attributions.len()).sum();
        let names = documents
            .iter()
            .flat_map(|d| &d.spans)
            .filter(|s| s.name.is_some())
            .count();
        if attributions + names > 0 {
            lost.push(format!(
                "{attributions} attribution(s) and {names} speaker name(s) are not written: \
                 CoNLL holds tokens and their tags only (JSONL and brat keep them)"
            ));
        }
        Ok(lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(reader: &ConllReader, text: &str) -> Vec<Result<ReadDocument, DataError>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.conll");
        std::fs::write(&path, text).unwrap();
        reader.read(&path).unwrap().collect()
    }

    /// A gzip file cut short ends with one error: the document under way
    /// is lost, and nothing is read after it.
    #[test]
    fn a_cut_gzip_file_ends_with_one_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.conll.gz");
        let text: String = (0..300)
            .map(|i| format!("-DOCSTART-\td{i}\n\nWord{i}\tO\nsaid\tB-CUE\n\n"))
            .collect();
        let mut w = crate::gzip::Writer::new(&path, std::fs::File::create(&path).unwrap());
        std::io::Write::write_all(&mut w, text.as_bytes()).unwrap();
        w.finish().unwrap();
        let (err, _) = super::super::read_cut_in_half(&ConllReader::default(), &path);
        assert!(err.contains("the gzip stream is cut short"), "{err}");
    }

    #[test]
    fn reads_documents_sentences_and_spans() {
        let got = read_all(
            &ConllReader::default(),
            "-DOCSTART-\tdoc1\n\nAnn\tB-SOURCE\nsaid\tB-CUE\nhi\tB-CONTENT\n\nBye\tO\n\n\
             -DOCSTART-\tdoc2\n\nx\tO\n",
        );
        assert_eq!(got.len(), 2);
        let d = &got[0].as_ref().unwrap().document;
        assert_eq!(d.id, "doc1");
        assert_eq!(d.text(), "Ann said hi\nBye");
        let roles: Vec<(Role, CharSpan)> =
            d.spans.iter().map(|s| (s.role, s.fragments[0])).collect();
        assert_eq!(
            roles,
            vec![
                (Role::Source, CharSpan::new(0, 3)),
                (Role::Cue, CharSpan::new(4, 8)),
                (Role::Content, CharSpan::new(9, 11))
            ]
        );
        assert_eq!(got[1].as_ref().unwrap().document.id, "doc2");
    }

    /// A key no tag's label can be is refused, not kept unused.
    #[test]
    fn a_label_map_key_must_be_a_label() {
        for (table, says) in [
            ("O = \"source\"", "`O` is the tag outside spans"),
            ("\"\" = \"source\"", "\"\" is no label"),
            (
                "\"Left\\tSpeaker\" = \"source\"",
                "\"Left\\tSpeaker\" is no label",
            ),
        ] {
            let err = LabelMap::from_toml(&format!("[labels]\n{table}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{table}: {err}");
        }
        assert!(LabelMap::from_toml("[labels]\nSpeaker = \"source\"\n").is_ok());
        // A label with a space, which a file of tab-separated columns can
        // have (review 59: refused, where the reader asked for it), is read.
        let map = LabelMap::from_toml("[labels]\n\"Left Speaker\" = \"source\"\n").unwrap();
        let got = read_all(
            &ConllReader { labels: map },
            "-DOCSTART-\td1\n\nAnn\tB-Left Speaker\nsaid\tO\n",
        );
        let d = &got[0].as_ref().unwrap().document;
        assert_eq!(d.spans[0].role, Role::Source);
    }

    #[test]
    fn label_map_reads_directquote_style_iob1() {
        let map = LabelMap::from_toml(
            "[labels]\nSpeaker = \"source\"\nLeftSpeaker = \"source\"\nQuotation = \"content\"\nUnknown = \"ignore\"\n",
        )
        .unwrap();
        let reader = ConllReader { labels: map };
        let got = read_all(
            &reader,
            "He I-LeftSpeaker\nsaid O\nfoo I-Quotation\nbar I-Quotation\nx I-Unknown\n",
        );
        let d = &got[0].as_ref().unwrap().document;
        assert_eq!(d.id, "c-1");
        let spans: Vec<(Role, CharSpan)> =
            d.spans.iter().map(|s| (s.role, s.fragments[0])).collect();
        assert_eq!(
            spans,
            vec![
                (Role::Source, CharSpan::new(0, 2)),
                (Role::Content, CharSpan::new(8, 15))
            ]
        );
    }

    #[test]
    fn unknown_label_and_missing_tag_name_the_line() {
        let got = read_all(
            &ConllReader::default(),
            "-DOCSTART- a\nx B-SPEAKER\n-DOCSTART- b\nlonely\n-DOCSTART- c\nfine O\n",
        );
        assert_eq!(got.len(), 3);
        let e0 = got[0].as_ref().unwrap_err().to_string();
        assert!(e0.ends_with("c.conll:2: unknown label `SPEAKER`: add it to a label map (`SPEAKER = \"source\"` or `\"ignore\"` in its `[labels]` table), given as `--label-map FILE`, or in a training config as `data.label_map`"), "{e0}");
        assert!(
            LabelMap::default()
                .role("")
                .unwrap_err()
                .contains("a tag without a label"),
            "an empty label is said to be one"
        );
        // A map's key written with the tag's prefix, or a space after it,
        // is named as what to mend (the error blamed the line alone).
        for key in ["B-SPEAKER", "SPEAKER "] {
            let map: LabelMap =
                toml::from_str(&format!("[labels]\n{key:?} = \"source\"\n")).unwrap();
            let e = map.role("SPEAKER").unwrap_err();
            assert!(
                e.starts_with(&format!(
                    "unknown label `SPEAKER`: the label map's key {key:?} is not it"
                )),
                "{e}"
            );
        }
        let e1 = got[1].as_ref().unwrap_err().to_string();
        assert!(
            e1.ends_with("c.conll:4: expected `TOKEN TAG`, found \"lonely\""),
            "{e1}"
        );
        assert_eq!(got[2].as_ref().unwrap().document.id, "c");
    }

    /// A byte-order mark before `-DOCSTART-` is read past, on any line (files
    /// saved with one and joined); a tab-separated token holding a space is
    /// refused, not cut to its first word.
    #[test]
    fn a_byte_order_mark_is_skipped_and_a_spaced_token_refused() {
        let got = read_all(
            &ConllReader::default(),
            "\u{feff}-DOCSTART-\td1\n\nHe\tB-SOURCE\n-DOCSTART-\td2\n\nHe said\tB-SOURCE\n",
        );
        assert_eq!(got[0].as_ref().unwrap().document.id, "d1");
        let joined = read_all(
            &ConllReader::default(),
            "\u{feff}-DOCSTART-\td1\n\nHe\tB-SOURCE\n\u{feff}-DOCSTART-\td2\n\nShe\tB-SOURCE\n",
        );
        let ids: Vec<&str> = joined
            .iter()
            .map(|d| d.as_ref().unwrap().document.id.as_str())
            .collect();
        assert_eq!(ids, ["d1", "d2"]);
        // A stray tab after a space-separated line is no column.
        let stray = read_all(&ConllReader::default(), "He B-SOURCE\t\nsaid B-CUE\n");
        let d = &stray[0].as_ref().unwrap().document;
        assert_eq!((d.text(), d.spans.len()), ("He said", 2));
        let e = got[1].as_ref().unwrap_err().to_string();
        assert!(
            e.contains("c.conll:6") && e.contains("\"He said\" holds a space"),
            "{e}"
        );
    }

    /// A CoNLL file of tokens quotekit would split (PTB's `don't`, `U.S.`,
    /// `--`) comes back as it was through a document with [`Tokens::Spaces`],
    /// sentences too (`Go . Now` is one); quotekit's tokens split them.
    #[test]
    fn spaces_keep_a_conll_files_own_tokens_and_sentences() {
        let text = "-DOCSTART-\tx\n\nThe\tO\nU.S.\tB-SOURCE\nsaid\tB-CUE\n--\tO\n``\tB-CONTENT\n\
                    don't\tI-CONTENT\ngo\tI-CONTENT\n''\tI-CONTENT\n.\tO\n\nGo\tO\n.\tO\nNow\tO\n\n";
        let docs: Vec<Document> = read_all(&ConllReader::default(), text)
            .into_iter()
            .map(|d| d.unwrap().document)
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.conll");
        let lost = ConllWriter::with_tokens(TagScheme::Bio, Tokens::Spaces)
            .write(&docs, &path)
            .unwrap();
        assert!(lost.is_empty(), "{lost:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        ConllWriter::new(TagScheme::Bio)
            .write(&docs, &path)
            .unwrap();
        let split = std::fs::read_to_string(&path).unwrap();
        assert!(
            split.contains("U\tB-SOURCE\n.\tI-SOURCE\nS\tI-SOURCE\n"),
            "{split}"
        );
        // A word that would read as a new document is refused, before the
        // file is made; quotekit's tokens split it.
        let marked = [Document::new("m", "He typed -DOCSTART-x there.")];
        let refused = dir.path().join("refused.conll");
        let err = ConllWriter::with_tokens(TagScheme::Bio, Tokens::Spaces)
            .write(&marked, &refused)
            .unwrap_err()
            .to_string();
        assert!(err.contains("begins with `-DOCSTART-`"), "{err}");
        assert!(!refused.exists());
        ConllWriter::new(TagScheme::Bio)
            .write(&marked, &refused)
            .unwrap();
        let back: Vec<_> = ConllReader::default().read(&refused).unwrap().collect();
        assert_eq!(back.len(), 1);
    }

    /// A token that begins with a byte-order mark (a text that held one)
    /// is written on a line of its own and read back whole: only the file's
    /// first line, or one before `-DOCSTART-`, loses its mark.
    #[test]
    fn a_token_that_begins_with_a_byte_order_mark_round_trips() {
        let docs = [
            Document::new("a", "Ann said so."),
            Document::new("b", "Bo said \u{feff}x."),
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.conll");
        ConllWriter::new(TagScheme::Bio)
            .write(&docs, &path)
            .unwrap();
        let back: Vec<Document> = ConllReader::default()
            .read(&path)
            .unwrap()
            .map(|d| d.unwrap().document)
            .collect();
        let texts: Vec<&str> = back.iter().map(|d| d.text()).collect();
        assert_eq!(texts.len(), 2);
        for (text, written) in texts.iter().zip(["Ann", "Bo"]) {
            assert!(text.contains(written), "{texts:?}");
        }
        assert_eq!(texts[1].matches('\u{feff}').count(), 1, "{texts:?}");
    }

    /// A quote of two sentences (written as one), in a document whose id
    /// holds a space, and a document of no text come back, in both schemes;
    /// IOB1 chunks of two sentences stay two.
    #[test]
    fn spans_across_sentences_ids_with_spaces_and_empty_documents_round_trip() {
        let mut doc = Document::new(
            "my doc",
            "Ann said: \u{201c}Go home. Stay there.\u{201d} Bo left.",
        );
        let span = |id: &str, role, start, end| Span {
            id: id.into(),
            role,
            fragments: vec![CharSpan::new(start, end)],
            name: None,
        };
        doc.spans = vec![
            span("T1", Role::Source, 0, 3),
            span("T2", Role::Cue, 4, 8),
            span("T3", Role::Content, 11, 31),
        ];
        let docs = [doc, Document::new("empty one", "")];
        for scheme in [TagScheme::Bio, TagScheme::Bilou] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("c.conll");
            ConllWriter::new(scheme).write(&docs, &path).unwrap();
            let back: Vec<Document> = ConllReader::default()
                .read(&path)
                .unwrap()
                .map(|d| d.unwrap().document)
                .collect();
            let ids: Vec<&str> = back.iter().map(|d| d.id.as_str()).collect();
            assert_eq!(ids, ["my doc", "empty one"], "{scheme:?}");
            let d = &back[0];
            let index = crate::offsets::CharIndex::new(d.text());
            let spans: Vec<(Role, String)> = d
                .spans
                .iter()
                .map(|s| (s.role, d.span_text(&index, s).unwrap()))
                .collect();
            assert_eq!(
                spans,
                [
                    (Role::Source, "Ann".to_string()),
                    (Role::Cue, "said".to_string()),
                    (Role::Content, "Go home . Stay there .".to_string())
                ],
                "{scheme:?}: {:?}",
                d.text()
            );
            assert_eq!(back[1].text(), "");
        }
        let map = LabelMap::from_toml("[labels]\nQuotation = \"content\"\n").unwrap();
        let iob1 = read_all(
            &ConllReader { labels: map },
            "foo I-Quotation\nbar I-Quotation\n\nbaz I-Quotation\n",
        );
        assert_eq!(iob1[0].as_ref().unwrap().document.spans.len(), 2);
    }

    /// What CoNLL cannot keep is said: attributions, names, and spans cut
    /// inside a token (widened to its edges); a clean corpus says nothing.
    #[test]
    fn the_writer_says_what_conll_does_not_keep() {
        let mut doc = Document::new("d", "Ann said a spokesman spoke.");
        let span = |id: &str, role, start, end, name: Option<&str>| Span {
            id: id.into(),
            role,
            fragments: vec![CharSpan::new(start, end)],
            name: name.map(String::from),
        };
        doc.spans = vec![
            span("T1", Role::Source, 0, 3, None),
            span("T2", Role::Cue, 4, 8, None),
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.conll");
        let lost = ConllWriter::default().write(&[doc.clone()], &path).unwrap();
        assert!(lost.is_empty(), "{lost:?}");
        doc.spans[0].name = Some("Ann Lee".into());
        doc.spans.push(span("T3", Role::Content, 11, 16, None)); // `spoke` of `spokesman`
        let mut split = span("T4", Role::Content, 9, 10, None); // `a … spoke`
        split.fragments.push(CharSpan::new(21, 26));
        doc.spans.push(split);
        doc.attributions = vec![crate::document::Attribution {
            id: "E1".into(),
            source: Some("T1".into()),
            cue: Some("T2".into()),
            content: vec!["T3".into()],
        }];
        let lost = ConllWriter::default().write(&[doc], &path).unwrap();
        assert_eq!(lost.len(), 3, "{lost:?}");
        assert!(
            lost[0].starts_with(
                "1 span fragment(s) begin or end inside a token (the first in document d)"
            ),
            "{}",
            lost[0]
        );
        assert!(
            lost[1].starts_with("1 discontinuous span(s) are written as 2 spans"),
            "{}",
            lost[1]
        );
        assert!(
            lost[2].starts_with("1 attribution(s) and 1 speaker name(s) are not written"),
            "{}",
            lost[2]
        );
    }

    #[test]
    fn an_id_that_would_not_read_back_is_refused_before_the_file_is_made() {
        let dir = tempfile::tempdir().unwrap();
        for id in ["a\nb", " a", "", "-X- a", "a\tb", "O"] {
            let path = dir.path().join("c.conll");
            let err = ConllWriter::default()
                .write(&[Document::new(id, "Hi.")], &path)
                .unwrap_err()
                .to_string();
            assert!(err.contains("would not read back"), "{id:?}: {err}");
            assert!(!path.exists());
        }
    }

    /// The id is the column after the marker: spaces and all, not a tag
    /// given to the marker's line, and CoNLL-2003's `-X-` is none.
    #[test]
    fn docstart_ids() {
        let got = read_all(
            &ConllReader::default(),
            "-DOCSTART-\tmy doc\tO\n\nx\tO\n\n-DOCSTART- -X- -X- O\n\ny\tO\n-DOCSTART-\tlast one\r\n\
             -DOCSTART- O\n\nz O\n-DOCSTART-\tO\n\nw\tO\n",
        );
        let ids: Vec<String> = got
            .iter()
            .map(|d| d.as_ref().unwrap().document.id.clone())
            .collect();
        assert_eq!(ids, ["my doc", "c-2", "last one", "c-4", "c-5"]);
    }

    /// Lines may end in `\r` alone (old Mac files): each is a line, with
    /// its own number in errors, not one line holding the whole file.
    #[test]
    fn lines_may_end_in_a_lone_carriage_return() {
        let text =
            "-DOCSTART-\td1\r\rAnn\tB-SOURCE\rsaid\tB-CUE\r\r-DOCSTART-\td2\r\rhi\tB-CONTENT\r";
        let got = read_all(&ConllReader::default(), text);
        let docs: Vec<&Document> = got.iter().map(|d| &d.as_ref().unwrap().document).collect();
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["d1", "d2"]);
        assert_eq!(docs[0].text(), "Ann said");
        assert_eq!(docs[0].spans.len(), 2);
        assert_eq!(docs[1].spans.len(), 1);
        let bad = read_all(&ConllReader::default(), "x\tO\ry\tB-NOPE\r");
        let err = bad[0].as_ref().err().unwrap().to_string();
        assert!(err.contains(":2: unknown label `NOPE`"), "{err}");
    }

    #[test]
    fn a_label_map_file_names_itself_in_errors_and_may_have_a_bom() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.toml");
        std::fs::write(&path, "\u{feff}[labels]\nSpeaker = \"source\"\n").unwrap();
        let map = LabelMap::from_file(&path).unwrap();
        assert_eq!(map.role("Speaker"), Ok(Some(Role::Source)));
        std::fs::write(&path, "labels = 3\n").unwrap();
        let err = LabelMap::from_file(&path).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("configuration: label map {}:", path.display())),
            "{err}"
        );
        let missing = dir.path().join("nope.toml");
        let err = LabelMap::from_file(&missing).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("configuration: label map {}:", missing.display())),
            "{err}"
        );
    }

    #[test]
    fn bad_label_map_is_a_config_error() {
        let err = LabelMap::from_toml("[labels]\nSpeaker = \"speaker\"\n").unwrap_err();
        assert!(
            err.to_string().starts_with("configuration: label map:"),
            "{err}"
        );
    }
}
