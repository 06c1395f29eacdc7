//! Input records, streamed one at a time: a directory of `.txt` files
//! (recursively, in path order; `.txt.gz` ones gzip-compressed), a JSONL file of `{"id", "text", ...}` records
//! (gzip-compressed when the name ends in `.gz`; a named pipe, plain or gzip
//! as its first bytes say), or standard input (JSONL, likewise).
//! A record that cannot be used becomes an [`InputError`] carrying its key, so
//! the run can write an error record for it and go on.
//! The file runs over 500 lines (about 1,250) with its tests: each kind of bad
//! record is tested beside the reader that meets it.

use crate::error::InferError;
use quotekit_data::formats::jsonl::{json_problem, line_end_hint};
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeMap;
use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Where documents come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Every `.txt` (or `.txt.gz`) file below a directory; the id is the file
    /// name without `.txt` (`.txt.gz`).
    TextDir(PathBuf),
    /// One `.txt` (or `.txt.gz`) file.
    TextFile(PathBuf),
    /// A JSONL file (`.gz`, in any case: gzip-compressed).
    Jsonl(PathBuf),
    /// JSONL on standard input, plain or gzip (told by its first bytes).
    Stdin,
}

impl Input {
    /// The file or folder read, if any (not standard input).
    pub fn path(&self) -> Option<&Path> {
        match self {
            Input::TextDir(p) | Input::TextFile(p) | Input::Jsonl(p) => Some(p),
            Input::Stdin => None,
        }
    }

    /// Chooses by path: `-` is standard input, directories are text trees,
    /// `.txt` or `.txt.gz` a single text, anything else JSONL.
    pub fn from_path(path: &Path) -> Self {
        if path == Path::new("-") {
            Input::Stdin
        } else if path.is_dir() {
            Input::TextDir(path.to_path_buf())
        } else if is_text_file(path) {
            Input::TextFile(path.to_path_buf())
        } else {
            Input::Jsonl(path.to_path_buf())
        }
    }
}

/// A document ready to annotate.
#[derive(Debug, Clone, PartialEq)]
pub struct InputDocument {
    /// Identifier.
    pub id: String,
    /// The text.
    pub text: String,
    /// Other fields of a JSONL record, passed through to the output as
    /// written: each key's value as its JSON text (a whole number past 64
    /// bits, or `1.50`, comes out as it went in).
    pub extra: BTreeMap<String, Box<str>>,
}

/// A field's JSON text as written, but for a carriage return between its
/// tokens (JSON white space; a string holds none unescaped), which becomes a
/// space: readers that end lines at `\r` too (Python's text files,
/// Hadoop's) would split the output record there.
fn one_line(raw: Box<str>) -> Box<str> {
    if raw.contains('\r') {
        raw.replace('\r', " ").into()
    } else {
        raw
    }
}

/// Why a record could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// Short kind: `malformed-json`, `not-utf8`, `empty`, `too-long`, `missing-text`,
    /// `bad-text`, `unreadable`, `bad-id`, `bad-key`, `repeated-key`, `reserved-key`, `twin`
    /// (a `.txt.gz` beside a `.txt` of the same name that holds another text).
    pub kind: &'static str,
    /// Human-readable reason.
    pub message: String,
}

/// One input record: its key (the id, or `line N` when there is none) and its content.
#[derive(Debug, Clone, PartialEq)]
pub struct InputRecord {
    /// The id, or `line N` (1-based) for a JSONL line without a usable id.
    pub key: String,
    /// The document, or why there is none.
    pub document: Result<InputDocument, InputError>,
}

/// Limits applied while reading.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Documents longer than this many characters become `too-long` errors
    /// (default [`DEFAULT_MAX_CHARS`]).
    pub max_chars: usize,
}

/// The longest text read by default, in characters (`predict
/// --max-chars`).
pub const DEFAULT_MAX_CHARS: usize = 1_000_000;

impl ReadLimits {
    /// The most bytes a text within the limit can take (a character takes
    /// at most 4): a larger file is too long for certain.
    fn max_bytes(self) -> u64 {
        (self.max_chars as u64).saturating_mul(4)
    }
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_chars: DEFAULT_MAX_CHARS,
        }
    }
}

/// Counts bytes read from the underlying file (for progress by file size).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An open input: the records, and how far into the input reading has got.
pub struct OpenInput {
    /// The records, in input order.
    pub records: Box<dyn Iterator<Item = Result<InputRecord, InferError>> + Send>,
    /// Total size in progress units (bytes of the file, or number of text files), if known.
    pub total: Option<u64>,
    /// Progress so far, in the same units.
    pub position: Arc<AtomicU64>,
    /// Entries of a text tree that were not read, with why.
    pub skipped: Vec<String>,
    /// Whether a read may keep the run waiting for ever (standard input, a
    /// named pipe, which a first read also opens): the runner reads such
    /// records on a thread of their own, where an interrupt is seen while a
    /// read waits.
    pub may_wait: bool,
}

/// The records of an open input ([`OpenInput::records`]).
pub(crate) type Records = Box<dyn Iterator<Item = Result<InputRecord, InferError>> + Send>;

/// Why a JSON string cannot be read: Rust strings hold no lone surrogate.
const LONE_SURROGATE: &str =
    "cannot be read (a \\u escape of half a UTF-16 pair, such as \\ud800 alone, is no character)";

fn check_text(text: &str, limits: ReadLimits) -> Result<(), InputError> {
    if text.trim().is_empty() {
        return Err(InputError {
            kind: "empty",
            message: if text.is_empty() {
                "the text is empty".into()
            } else {
                "the text is empty (white space only)".into()
            },
        });
    }
    let n = text.chars().count();
    if n > limits.max_chars {
        return Err(InputError {
            kind: "too-long",
            message: format!("{n} characters, over the limit of {}", limits.max_chars),
        });
    }
    Ok(())
}

/// Whether `path` names a text: `.txt`, or `.txt.gz` (gzip), in any case.
fn is_text_file(path: &Path) -> bool {
    quotekit_data::gzip::inner_name(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// A text file's name without `.txt` (or `.txt.gz`).
fn text_stem(path: &Path) -> String {
    quotekit_data::gzip::inner_name(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// An entry of a tree of texts: a text file to read; a text file that
/// cannot be looked at (a link to nothing), which fails under the id its
/// text would have had; or one that failed beside a text of the same name
/// (a `.txt.gz` beside a `.txt` that holds another text, or a link to
/// nothing beside it), keyed by its path from the tree's root, extension
/// included, so that it does not take the id of the text beside it.
enum TreeEntry {
    Text(PathBuf),
    Broken(PathBuf, InputError),
    Failed(PathBuf, InputError),
}

impl TreeEntry {
    fn path(&self) -> &Path {
        match self {
            TreeEntry::Text(p) | TreeEntry::Broken(p, _) | TreeEntry::Failed(p, _) => p,
        }
    }
}

/// `entries` with each link to nothing that has a text of the same name
/// beside it (`a.txt.gz`, `a.TXT` and `a.txt`, one of them a broken link)
/// failed under its path: the id is the other's.
fn key_broken_twins_by_path(entries: Vec<TreeEntry>) -> Vec<TreeEntry> {
    // (Most trees have no broken link: nothing to count.)
    if !entries.iter().any(|e| matches!(e, TreeEntry::Broken(..))) {
        return entries;
    }
    // (The folder and the name without `.txt` or `.txt.gz` in any case: what
    // the id is made of.)
    let named = |p: &Path| (p.parent().map(Path::to_path_buf), text_stem(p));
    let mut names: std::collections::HashMap<_, usize> = Default::default();
    for e in &entries {
        *names.entry(named(e.path())).or_default() += 1;
    }
    entries
        .into_iter()
        .map(|e| match e {
            TreeEntry::Broken(p, error) if names[&named(&p)] > 1 => TreeEntry::Failed(p, error),
            e => e,
        })
        .collect()
}

/// Whether the `.txt.gz` file `zipped` holds the bytes of `plain`, compared
/// up to `cap` bytes (beyond that the plain text fails as too long).
fn same_text(zipped: &Path, plain: &Path, cap: u64) -> std::io::Result<bool> {
    Ok(read_head(zipped, cap)? == read_head(plain, cap)?)
}

/// The entry of `zipped`, a `.txt.gz` beside `plain`, a `.txt` of the same
/// name (`gzip -k` leaves the two): none when it holds the same text (said
/// in `skipped`), or a failure.
fn twin_entry(
    zipped: PathBuf,
    plain: &Path,
    cap: u64,
    skipped: &mut Vec<String>,
) -> Option<TreeEntry> {
    let error = match same_text(&zipped, plain, cap) {
        Ok(true) => {
            skipped.push(format!(
                "{}: skipped: the same text as {} beside it, read once",
                zipped.display(),
                plain.display()
            ));
            return None;
        }
        Ok(false) => InputError {
            kind: "twin",
            message: format!(
                "{}: not read: it holds another text than {} beside it, whose id it would \
                 share (rename one of them to read both)",
                zipped.display(),
                plain.display()
            ),
        },
        Err(e) => InputError {
            kind: "unreadable",
            message: format!(
                "{}: {e} (beside {}, whose id it would share, which is read)",
                zipped.display(),
                plain.display()
            ),
        },
    };
    Some(TreeEntry::Failed(zipped, error))
}

/// The text files of a tree, in sorted order: `.txt` or `.txt.gz` in any case, each
/// folder read once (a link back up is not followed again), and what is not
/// a regular file (a FIFO, a socket, a device) skipped with the reason in
/// `skipped`. A text that cannot be looked at (a broken link) fails as a
/// document; a `.txt.gz` beside a `.txt` of the same name (`gzip -k`) is
/// skipped when it holds the same text (compared up to `cap` bytes), and
/// fails when not.
fn collect_txt(
    dir: &Path,
    cap: u64,
    out: &mut Vec<TreeEntry>,
    seen: &mut HashSet<PathBuf>,
    skipped: &mut Vec<String>,
) -> Result<(), InferError> {
    if let Ok(real) = dir.canonicalize() {
        if !seen.insert(real) {
            skipped.push(format!(
                "{}: a folder already read (a link loop?), not read again",
                dir.display()
            ));
            return Ok(());
        }
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InferError::io(dir, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| InferError::io(dir, e)))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        let is_txt = is_text_file(&p);
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => collect_txt(&p, cap, out, seen, skipped)?,
            // (`gzip -k` leaves `a.txt` beside `a.txt.gz`: one text.)
            Ok(m) if m.is_file() => {
                let inner = quotekit_data::gzip::inner_name(&p);
                if is_txt && inner != p && inner.is_file() {
                    out.extend(twin_entry(p, &inner, cap, skipped));
                } else if is_txt {
                    out.push(TreeEntry::Text(p));
                }
            }
            Ok(_) if is_txt => skipped.push(format!(
                "{}: not a regular file (a FIFO, socket or device), skipped",
                p.display()
            )),
            Ok(_) => {}
            // (A broken link: a document that fails.)
            Err(e) if is_txt => {
                let e = quotekit_data::read::explain(&p, e);
                let message = format!("{}: {e}", p.display());
                out.push(TreeEntry::Broken(
                    p,
                    InputError {
                        kind: "unreadable",
                        message,
                    },
                ))
            }
            Err(_) => {}
        }
    }
    Ok(())
}

/// Ids of the text files of a tree ([`quotekit_data::ids::tree_ids`] of
/// their names without `.txt` or `.txt.gz`).
fn text_ids(root: &Path, files: &[PathBuf]) -> Vec<String> {
    // (The names under `.gz`, so that a path id loses `.txt` too.)
    let inner: Vec<PathBuf> = files
        .iter()
        .map(|f| quotekit_data::gzip::inner_name(f))
        .collect();
    let named: Vec<(String, &Path)> = inner
        .iter()
        .map(|f| {
            let stem = f.file_stem().map(|s| s.to_string_lossy().into_owned());
            (stem.unwrap_or_default(), f.as_path())
        })
        .collect();
    quotekit_data::ids::tree_ids(root, &named)
}

/// The bytes of a text (through gzip when [`quotekit_data::gzip::is_gzip`]),
/// or `None` when it holds more than `cap` (read no further than that: a
/// pipe's size is not known before).
fn read_capped(path: &Path, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    let bytes = read_head(path, cap)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

/// The bytes of a text (through gzip when [`quotekit_data::gzip::is_gzip`])
/// up to one past `cap`: enough to tell a text over it.
fn read_head(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    quotekit_data::gzip::open(path)?
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The key of a [`TreeEntry::Failed`]: its path from the tree's `root`,
/// extension included, folders joined by `/`.
fn path_key(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn text_record(path: &Path, key: String, limits: ReadLimits) -> InputRecord {
    // (A larger file is too long for certain, and is not read; a
    // compressed one is read up to that size.)
    let cap = limits.max_bytes();
    let too_long = |size: String| InputRecord {
        key: key.clone(),
        document: Err(InputError {
            kind: "too-long",
            message: format!(
                "{}: {size}, more characters than the limit of {}",
                path.display(),
                limits.max_chars
            ),
        }),
    };
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if !quotekit_data::gzip::is_gzip(path) && bytes > cap {
        return too_long(format!("{bytes} bytes"));
    }
    let read = read_capped(path, cap);
    let document = match read {
        Ok(None) => return too_long(format!("over {cap} bytes uncompressed")),
        Err(e) => Err(InputError {
            kind: "unreadable",
            message: format!("{}: {e}", path.display()),
        }),
        Ok(Some(bytes)) => match quotekit_data::error::decode_utf8(path, bytes) {
            Err(e) => Err(InputError {
                kind: "not-utf8",
                message: e.to_string(),
            }),
            Ok(text) => check_text(&text, limits)
                .map(|()| InputDocument {
                    id: key.clone(),
                    text,
                    extra: BTreeMap::new(),
                })
                // (Like every other error of a text file, it names the file.)
                .map_err(|e| InputError {
                    message: format!("{}: {}", path.display(), e.message),
                    ..e
                }),
        },
    };
    InputRecord { key, document }
}

/// A record's fields as written, and the first key written twice, if any
/// (a map would keep the last of them without a word).
struct Fields {
    fields: BTreeMap<String, Box<RawValue>>,
    repeated: Option<String>,
    /// The first key that JSON can write but no string holds (half a
    /// UTF-16 pair), as written; its value is left out.
    unreadable_key: Option<String>,
}

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Fields;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields, A::Error> {
                let mut out = Fields {
                    fields: BTreeMap::new(),
                    repeated: None,
                    unreadable_key: None,
                };
                // (Keys read as written first: one that no string holds is
                // said, and the record keeps its id.)
                while let Some((raw, v)) = map.next_entry::<Box<RawValue>, Box<RawValue>>()? {
                    let Ok(k) = serde_json::from_str::<String>(raw.get()) else {
                        out.unreadable_key
                            .get_or_insert_with(|| raw.get().to_string());
                        continue;
                    };
                    match out.fields.entry(k) {
                        std::collections::btree_map::Entry::Occupied(e) => {
                            out.repeated.get_or_insert_with(|| e.key().clone());
                        }
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(v);
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// Parses one JSONL line (1-based `line`).
pub fn jsonl_record(line: usize, bytes: &[u8], limits: ReadLimits) -> InputRecord {
    let fallback = format!("line {line}");
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return InputRecord {
                key: fallback,
                document: Err(InputError {
                    kind: "not-utf8",
                    message: format!(
                        "line {line}: not valid UTF-8 (invalid byte at offset {} of the line)",
                        e.valid_up_to()
                    ),
                }),
            }
        }
    };
    // The fields as written: only `id` and `text` are read as values. (A
    // line that is no object is parsed only to tell malformed JSON from a
    // value of another kind.)
    let object = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Fields>(text).map(Some)
    } else {
        serde_json::from_str::<&RawValue>(text).map(|_| None)
    };
    let mut object = match object {
        Ok(Some(o)) => o,
        Ok(None) => {
            return InputRecord {
                key: fallback,
                document: Err(InputError {
                    kind: "malformed-json",
                    message: format!("line {line}: a record must be a JSON object"),
                }),
            }
        }
        Err(e) => {
            return InputRecord {
                key: fallback,
                document: Err(InputError {
                    kind: "malformed-json",
                    message: format!(
                        "line {line}, {}column {}: {}{}",
                        // (A line break within what was given as one line,
                        // which only a caller of `annotate_line` can give.)
                        if e.line() > 1 && text.trim_end_matches(['\n', '\r']).contains('\n') {
                            format!(
                                "past a line break in it (one record a line), on its line {}, ",
                                e.line()
                            )
                        } else {
                            String::new()
                        },
                        e.column(),
                        json_problem(&e),
                        line_end_hint(&e, text)
                    ),
                }),
            };
        }
    };
    let repeated = object.repeated.take();
    let unreadable_key = object.unreadable_key.take();
    let mut object = object.fields;
    let value = |raw: &RawValue| serde_json::from_str::<Value>(raw.get()).ok();
    // (Which of two ids is meant is not known.)
    let id = object
        .remove("id")
        .filter(|_| repeated.as_deref() != Some("id"));
    let key = match id.as_deref().map(|raw| (raw, value(raw))) {
        None | Some((_, Some(Value::Null))) => fallback,
        Some((_, Some(Value::String(s)))) => s,
        Some((_, Some(Value::Number(n)))) if n.is_i64() || n.is_u64() => n.to_string(),
        // (A whole number past 64 bits is read as a float: two such ids
        // would come out the same. One past a float's range is no value;
        // so is a list nested past the parser's depth, told apart below.)
        Some((raw, value)) => {
            let first = raw.get().chars().next();
            let numeric = first.is_some_and(|c| c == '-' || c.is_ascii_digit());
            let why = if numeric && matches!(value, Some(Value::Number(_)) | None) {
                "is no whole number of 64 bits: write it as a string"
            } else if value.is_none() && first == Some('"') {
                // (A string JSON can write but no string holds.)
                LONE_SURROGATE
            } else {
                // (A list, an object or a truth value names no record.)
                "is neither a string nor a whole number"
            };
            return InputRecord {
                key: fallback,
                document: Err(InputError {
                    kind: "bad-id",
                    message: format!(
                        "line {line}: the id {} {why}",
                        quotekit_data::message::shorten(raw.get(), 40)
                    ),
                }),
            };
        }
    };
    if let Some(k) = unreadable_key {
        return InputRecord {
            key,
            document: Err(InputError {
                kind: "bad-key",
                message: format!(
                    "line {line}: the key {} {LONE_SURROGATE}",
                    quotekit_data::message::shorten(&k, 40)
                ),
            }),
        };
    }
    if let Some(k) = repeated {
        let k = serde_json::to_string(&k).unwrap_or(k);
        return InputRecord {
            key,
            document: Err(InputError {
                kind: "repeated-key",
                message: format!(
                    "line {line}: the key {} is written twice: which of them is meant is not known",
                    quotekit_data::message::shorten(&k, 40)
                ),
            }),
        };
    }
    // A success record carrying `error` would read as a failed one.
    if object.contains_key("error") {
        return InputRecord {
            key,
            document: Err(InputError {
                kind: "reserved-key",
                message: format!(
                    "line {line}: the key \"error\" is the one quotekit's error records carry; rename it"
                ),
            }),
        };
    }
    let text = object
        .remove("text")
        .map(|raw| serde_json::from_str::<Value>(raw.get()));
    let document = match text {
        // (A string JSON can write but Rust cannot hold: a lone surrogate.)
        Some(Err(e)) => Err(InputError {
            kind: "bad-text",
            message: {
                let problem = json_problem(&e);
                // (serde's own words, "unexpected end of hex escape", say
                // nothing to a caller who wrote no JSON: Python's lone
                // surrogates come here escaped.)
                if quotekit_data::formats::jsonl::is_lone_surrogate(&problem) {
                    format!("line {line}: the \"text\" string {LONE_SURROGATE}")
                } else {
                    format!("line {line}: the \"text\" string cannot be read: {problem}")
                }
            },
        }),
        Some(Ok(Value::String(text))) => check_text(&text, limits)
            .map(|()| InputDocument {
                id: key.clone(),
                text,
                extra: object
                    .into_iter()
                    .map(|(k, v)| (k, one_line(v.into())))
                    .collect(),
            })
            // (Like every other error of a JSONL record, it names the line.)
            .map_err(|e| InputError {
                message: format!("line {line}: {}", e.message),
                ..e
            }),
        _ => Err(InputError {
            kind: "missing-text",
            message: format!("line {line}: no \"text\" string"),
        }),
    };
    InputRecord { key, document }
}

/// Slack, in bytes, for a record's other fields beside its text.
const RECORD_SLACK: u64 = 1 << 20;

/// The longest line a record of a text within `limits` can take: every
/// character written as two `\uXXXX` escapes, and [`RECORD_SLACK`] for the
/// rest. A longer line is refused without being held in memory.
fn max_line_bytes(limits: ReadLimits) -> u64 {
    (limits.max_chars as u64)
        .saturating_mul(12)
        .saturating_add(RECORD_SLACK)
        .min(u64::MAX - 1)
}

/// Reads past the end of the current line (or to the end of the input).
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(());
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = available.len();
                reader.consume(n);
            }
        }
    }
}

/// Streams JSONL records from a reader, numbering lines; blank lines are
/// skipped, and a line longer than any record within `limits` could be is a
/// `too-long` error record, read past without being kept.
fn jsonl_stream<R: BufRead + Send + 'static>(
    mut reader: R,
    source: PathBuf,
    limits: ReadLimits,
) -> Box<dyn Iterator<Item = Result<InputRecord, InferError>> + Send> {
    let mut line = 0usize;
    let cap = max_line_bytes(limits);
    Box::new(std::iter::from_fn(move || loop {
        let mut buf = Vec::new();
        line += 1;
        // (The line may take `cap` bytes and its newline.)
        match (&mut reader).take(cap + 1).read_until(b'\n', &mut buf) {
            Ok(0) => return None,
            Ok(n) if n as u64 > cap && buf.last() != Some(&b'\n') => {
                if let Err(e) = skip_line(&mut reader) {
                    return Some(Err(InferError::io(&source, e)));
                }
                return Some(Ok(InputRecord {
                    key: format!("line {line}"),
                    document: Err(InputError {
                        kind: "too-long",
                        message: format!(
                            "line {line}: over {cap} bytes, longer than a record of a text within the limit of {} characters can be (raise --max-chars)",
                            limits.max_chars
                        ),
                    }),
                }));
            }
            Ok(_) => {}
            Err(e) => {
                let e = quotekit_data::DataError::read_stopped(&source, line, e);
                return Some(Err(InferError::Data(Box::new(e))));
            }
        }
        quotekit_data::formats::strip_bom(&mut buf);
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        return Some(Ok(jsonl_record(line, &buf, limits)));
    }))
}

/// Whether this process may read `path`, told without opening it (opening
/// a named pipe waits for a writer, and a writer let go by an open closed
/// at once would lose what it writes). Only a refusal is an error: where
/// the system cannot tell (a container that forbids the call), the open
/// tells later.
fn readable(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        // SAFETY: `name` is a NUL-terminated string that outlives the
        // call, which reads it and nothing else.
        #[allow(unsafe_code)]
        let refused =
            unsafe { libc::faccessat(libc::AT_FDCWD, name.as_ptr(), libc::R_OK, libc::AT_EACCESS) };
        let error = std::io::Error::last_os_error();
        if refused != 0 && error.raw_os_error() == Some(libc::EACCES) {
            return Err(error);
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Records that `open` opens at the first one's read (an error opening
/// them is that one), on the thread that reads them.
fn opened_when_read(
    open: impl FnOnce() -> Result<Records, InferError> + Send + 'static,
) -> Records {
    Box::new(std::iter::once_with(open).flat_map(|opened| -> Records {
        opened.unwrap_or_else(|e| Box::new(std::iter::once(Err(e))))
    }))
}

/// Opens `input` for streaming.
pub fn open(input: &Input, limits: ReadLimits) -> Result<OpenInput, InferError> {
    let position = Arc::new(AtomicU64::new(0));
    match input {
        Input::TextDir(dir) => {
            let mut entries = Vec::new();
            let mut skipped = Vec::new();
            collect_txt(
                dir,
                limits.max_bytes(),
                &mut entries,
                &mut HashSet::new(),
                &mut skipped,
            )?;
            // (Ids of the texts and broken links among themselves; a failed
            // entry's key is its path.)
            let entries = key_broken_twins_by_path(entries);
            let texts: Vec<PathBuf> = entries
                .iter()
                .filter_map(|e| match e {
                    TreeEntry::Text(p) | TreeEntry::Broken(p, _) => Some(p.clone()),
                    TreeEntry::Failed(..) => None,
                })
                .collect();
            let mut ids = text_ids(dir, &texts).into_iter();
            let total = Some(entries.len() as u64);
            let pos = position.clone();
            let root = dir.clone();
            let records = entries.into_iter().map(move |entry| {
                pos.fetch_add(1, Ordering::Relaxed);
                Ok(match entry {
                    TreeEntry::Text(p) => text_record(&p, ids.next().unwrap_or_default(), limits),
                    TreeEntry::Broken(_, error) => InputRecord {
                        key: ids.next().unwrap_or_default(),
                        document: Err(error),
                    },
                    TreeEntry::Failed(p, error) => InputRecord {
                        key: path_key(&root, &p),
                        document: Err(error),
                    },
                })
            });
            Ok(OpenInput {
                records: Box::new(records),
                total,
                position,
                skipped,
                may_wait: false,
            })
        }
        Input::TextFile(path) => {
            position.store(1, Ordering::Relaxed);
            let id = text_stem(path);
            Ok(OpenInput {
                records: Box::new(std::iter::once(Ok(text_record(path, id, limits)))),
                total: Some(1),
                position,
                skipped: Vec::new(),
                may_wait: false,
            })
        }
        Input::Jsonl(path) => {
            // (Read as JSONL, a CoNLL file would be one error record per
            // line; `x.conll.gz` is told by the name under `.gz`.)
            if quotekit_data::Format::detect(path) == quotekit_data::Format::Conll {
                return Err(InferError::Usage(format!(
                    "{}: read as CoNLL by its extension (.conll, .iob, .bio, .tsv), a file of \
                     tagged tokens, not of texts to annotate; give JSONL records ({{\"id\": …, \
                     \"text\": …}}), a .txt file or a folder of them (`quotekit convert --from \
                     conll --to jsonl {} texts.jsonl` writes a CoNLL file's texts as JSONL)",
                    path.display(),
                    path.display()
                )));
            }
            quotekit_data::read::refuse_device(path).map_err(|e| InferError::io(path, e))?;
            let meta = std::fs::metadata(path)
                .map_err(|e| InferError::io(path, quotekit_data::read::explain(path, e)))?;
            // (A pipe, `/dev/stdin` or `<(…)`, has no name that tells, nor a
            // file redirected to standard input: their first bytes do.)
            let nameless = quotekit_data::gzip::unnamed(path, &meta);
            let opened = {
                let (path, count) = (path.clone(), position.clone());
                let piped = nameless && !quotekit_data::gzip::is_gzip(&path);
                move || {
                    let file = std::fs::File::open(&path).map_err(|e| InferError::io(&path, e))?;
                    let counted = Counting { inner: file, count };
                    let reader = if piped {
                        quotekit_data::gzip::sniff(counted)
                    } else {
                        quotekit_data::gzip::read_from(&path, counted)
                    }
                    .map_err(|e| InferError::io(&path, e))?;
                    Ok(jsonl_stream(reader, path, limits))
                }
            };
            // (Read as JSONL, gzip data would be a few error records of
            // bytes that are no UTF-8, and its records lost.)
            if !nameless
                && !quotekit_data::gzip::is_gzip(path)
                && quotekit_data::gzip::holds_gzip(path)
            {
                return Err(InferError::Usage(format!(
                    "{}: {}",
                    path.display(),
                    quotekit_data::gzip::misnamed(path)
                )));
            }
            // (A named pipe is opened by its first read, which waits for a
            // writer: on the thread that reads it, where an interrupt is
            // seen meanwhile, [`crate::piped`].)
            let records = if meta.is_file() {
                opened()?
            } else {
                // (Whether it may be read is told now, without opening it:
                // an input that cannot be read leaves no output file.)
                readable(path).map_err(|e| InferError::io(path, e))?;
                opened_when_read(opened)
            };
            Ok(OpenInput {
                records,
                total: meta.is_file().then_some(meta.len()),
                position,
                skipped: Vec::new(),
                may_wait: !meta.is_file(),
            })
        }
        Input::Stdin => Ok(OpenInput {
            // (Gzip data piped in, `cat x.jsonl.gz | quotekit predict
            // --input -`, is told by its first bytes, read by the first
            // record's read, as a named pipe's are.)
            records: opened_when_read(move || {
                let stdin = PathBuf::from("standard input");
                quotekit_data::gzip::sniff(std::io::stdin())
                    .map(|reader| jsonl_stream(reader, stdin.clone(), limits))
                    .map_err(|e| InferError::io(&stdin, e))
            }),
            total: None,
            position,
            skipped: Vec::new(),
            may_wait: true,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ReadLimits = ReadLimits { max_chars: 20 };

    /// Each record's key, and its text or the kind of its error.
    fn outcomes(records: &[InputRecord]) -> Vec<(&str, Result<&str, &str>)> {
        records
            .iter()
            .map(|r| {
                let doc = r.document.as_ref();
                (
                    r.key.as_str(),
                    doc.map(|d| d.text.as_str()).map_err(|e| e.kind),
                )
            })
            .collect()
    }

    /// The error message of the record keyed `key`.
    fn error_message(records: &[InputRecord], key: &str) -> String {
        let r = records.iter().find(|r| r.key == key).unwrap();
        r.document.as_ref().unwrap_err().message.clone()
    }

    /// A line longer than any record within the limit could be is an error
    /// record, read past without being kept; the lines after it are read.
    #[test]
    fn a_line_too_long_for_any_record_is_refused_unread() {
        let limits = ReadLimits { max_chars: 2 };
        let cap = max_line_bytes(limits) as usize;
        let mut input = br#"{"id": "a", "text": "ab"}"#.to_vec();
        input.push(b'\n');
        input.extend(std::iter::repeat_n(b'x', 3 * cap));
        input.extend(b"\n{\"id\": \"c\", \"text\": \"c\"}\n");
        input.extend(std::iter::repeat_n(b'y', cap + 5));
        let records: Vec<InputRecord> = jsonl_stream(
            std::io::Cursor::new(input),
            PathBuf::from("in.jsonl"),
            limits,
        )
        .map(Result::unwrap)
        .collect();
        let summary: Vec<(&str, Option<&str>)> = records
            .iter()
            .map(|r| (r.key.as_str(), r.document.as_ref().err().map(|e| e.kind)))
            .collect();
        assert_eq!(
            summary,
            [
                ("a", None),
                ("line 2", Some("too-long")),
                ("c", None),
                ("line 4", Some("too-long"))
            ]
        );
        let e = records[1].document.as_ref().unwrap_err();
        assert!(e.message.contains("--max-chars"), "{}", e.message);
        // A line of exactly the cap (its newline past it) is read.
        let mut exact = br#"{"id": "e", "text": "e", "pad": ""#.to_vec();
        exact.resize(cap - 2, b' ');
        exact.extend(b"\"}\n");
        assert_eq!(exact.len(), cap + 1);
        let records: Vec<InputRecord> = jsonl_stream(
            std::io::Cursor::new(exact),
            PathBuf::from("in.jsonl"),
            limits,
        )
        .map(Result::unwrap)
        .collect();
        assert_eq!(records.len(), 1);
        assert!(records[0].document.is_ok(), "{:?}", records[0].document);
    }

    /// Two records given as one line (only a caller of `annotate_line` can)
    /// are said to be past a line break, not placed on the first line.
    #[test]
    fn a_line_break_inside_a_line_is_told() {
        let two = b"{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"b\", \"text\": \"y\"}\n";
        let record = jsonl_record(3, two, ReadLimits::default());
        let e = record.document.unwrap_err();
        assert_eq!(e.kind, "malformed-json");
        assert!(
            e.message.starts_with(
                "line 3, past a line break in it (one record a line), on its line 2, column 1: "
            ),
            "{}",
            e.message
        );
        // A record broken over lines within its JSON is one record.
        let spread = b"{\"id\": \"a\",\n \"text\": \"x\"}\n";
        assert!(jsonl_record(1, spread, ReadLimits::default())
            .document
            .is_ok());
    }

    /// A CoNLL file is refused by its extension, not read as JSONL (one
    /// error record per line), gzipped too.
    #[test]
    fn a_conll_file_is_no_input() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.conll");
        std::fs::write(&path, "Ann\tB-SOURCE\n").unwrap();
        let err = open(&Input::from_path(&path), LIMITS)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("c.conll: read as CoNLL"), "{err}");
        assert!(err.contains("convert --from conll --to jsonl"), "{err}");
        let zipped = dir.path().join("c.conll.gz");
        let err = open(&Input::from_path(&zipped), LIMITS)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("c.conll.gz: read as CoNLL"), "{err}");
    }

    /// Texts compressed with gzip (`.txt.gz`, in any case) are read as
    /// texts, in a tree and alone, their ids without `.txt.gz`; one that
    /// holds more than the limit is read no further, and one cut short or
    /// not gzip at all is an error record naming it.
    #[test]
    fn gzip_texts_are_texts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let gz = |name: &str, text: &[u8]| {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let file = std::fs::File::create(&path).unwrap();
            let mut w = quotekit_data::gzip::Writer::new(&path, file);
            std::io::Write::write_all(&mut w, text).unwrap();
            w.finish().unwrap();
            path
        };
        std::fs::write(root.join("a.txt"), "Plain text.").unwrap();
        gz("sub/b.TXT.GZ", "Zipped text.".as_bytes());
        gz("2016/c.txt.gz", b"Old c.");
        std::fs::create_dir(root.join("2017")).unwrap();
        std::fs::write(root.join("2017/c.txt"), "New c.").unwrap();
        gz("long.txt.gz", &[b'x'; 200]);
        std::fs::write(root.join("plain.txt.gz"), "Not gzip.").unwrap();
        let cut = gz(
            "cut.txt.gz",
            "Cut short in the middle.".repeat(40).as_bytes(),
        );
        let bytes = std::fs::read(&cut).unwrap();
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        gz("notes.md.gz", b"Not a text of the corpus.");
        // (`gzip -k`'s pair: the plain text is read, the other skipped; a
        // pair of two texts fails the zipped one, under its own key.)
        std::fs::write(root.join("twin.txt"), "Plain twin.").unwrap();
        gz("twin.txt.gz", b"Plain twin.");
        std::fs::write(root.join("other.txt"), "One text.").unwrap();
        gz("other.txt.gz", b"Another text.");

        let opened = open(&Input::from_path(root), LIMITS).unwrap();
        assert_eq!(opened.skipped.len(), 1, "{:?}", opened.skipped);
        assert!(
            opened.skipped[0].contains("twin.txt.gz: skipped: the same text as ")
                && opened.skipped[0].contains("twin.txt beside it"),
            "{:?}",
            opened.skipped
        );
        let records: Vec<InputRecord> = opened.records.map(Result::unwrap).collect();
        assert_eq!(
            outcomes(&records),
            [
                ("2016/c", Ok("Old c.")),
                ("2017/c", Ok("New c.")),
                ("a", Ok("Plain text.")),
                ("cut", Err("unreadable")),
                ("long", Err("too-long")),
                ("other", Ok("One text.")),
                ("other.txt.gz", Err("twin")),
                ("plain", Err("unreadable")),
                ("b", Ok("Zipped text.")),
                ("twin", Ok("Plain twin.")),
            ]
        );
        let message = |key: &str| error_message(&records, key);
        let m = message("long");
        assert!(m.contains("long.txt.gz: over 80 bytes uncompressed"), "{m}");
        let m = message("cut");
        assert!(m.contains("cut.txt.gz") && m.contains("cut short"), "{m}");
        let m = message("plain");
        assert!(m.contains("plain.txt.gz") && m.contains("not gzip"), "{m}");
        let m = message("other.txt.gz");
        assert!(
            m.contains("another text than") && m.contains("other.txt beside it, whose id"),
            "{m}"
        );
        // One file alone.
        let one = root.join("sub/b.TXT.GZ");
        assert_eq!(Input::from_path(&one), Input::TextFile(one.clone()));
        let record = open(&Input::from_path(&one), LIMITS)
            .unwrap()
            .records
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(record.key, "b");
        assert_eq!(record.document.unwrap().text, "Zipped text.");
    }

    /// Gzip data in a file whose name does not say so is refused with what
    /// to do, not read as lines of bytes that are no UTF-8.
    #[test]
    fn gzip_data_without_gz_in_the_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zipped = dir.path().join("texts.jsonl.gz");
        let file = std::fs::File::create(&zipped).unwrap();
        let mut w = quotekit_data::gzip::Writer::new(&zipped, file);
        std::io::Write::write_all(&mut w, b"{\"id\": \"a\", \"text\": \"A text.\"}\n").unwrap();
        w.finish().unwrap();
        let renamed = dir.path().join("texts.jsonl");
        std::fs::rename(&zipped, &renamed).unwrap();
        let Err(err) = open(&Input::from_path(&renamed), LIMITS) else {
            panic!("gzip read as JSONL");
        };
        let m = err.to_string();
        assert!(
            m.contains("gzip data") && m.contains("texts.jsonl.gz"),
            "{m}"
        );
        // (Plain JSONL of the same records is read.)
        std::fs::write(&renamed, "{\"id\": \"a\", \"text\": \"A text.\"}\n").unwrap();
        let opened = open(&Input::from_path(&renamed), LIMITS).unwrap();
        assert_eq!(opened.records.count(), 1);
    }

    /// A text that cannot be looked at (a link to nothing) fails as a
    /// document, an error record under the id its text would have had
    /// (`b` for `b.txt`, so that `eval` pairs it with its gold document),
    /// instead of a warning; under its path where a text of the same name
    /// is beside it, as does a `.txt.gz` beside a `.txt` of the same name
    /// that cannot be read to compare them. No two records share a key.
    #[cfg(unix)]
    #[test]
    fn broken_links_and_unreadable_twins_are_documents_that_fail() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let link =
            |name: &str| std::os::unix::fs::symlink(root.join("nowhere"), root.join(name)).unwrap();
        std::fs::write(root.join("a.txt"), "A text.").unwrap();
        link("F.TXT");
        link("b.txt");
        std::fs::write(root.join("c.txt"), "C text.").unwrap();
        link("c.txt.gz");
        link("d.txt");
        link("e.TXT.gz");
        let zipped = root.join("d.txt.gz");
        let mut w =
            quotekit_data::gzip::Writer::new(&zipped, std::fs::File::create(&zipped).unwrap());
        std::io::Write::write_all(&mut w, b"D text.").unwrap();
        w.finish().unwrap();
        std::fs::write(root.join("e.txt"), "E text.").unwrap();
        std::fs::write(root.join("e.txt.gz"), [0x1f, 0x8b, 8, 0]).unwrap();
        let opened = open(&Input::from_path(root), LIMITS).unwrap();
        assert!(opened.skipped.is_empty(), "{:?}", opened.skipped);
        let records: Vec<InputRecord> = opened.records.map(Result::unwrap).collect();
        assert_eq!(
            outcomes(&records),
            [
                ("F", Err("unreadable")),
                ("a", Ok("A text.")),
                ("b", Err("unreadable")),
                ("c", Ok("C text.")),
                ("c.txt.gz", Err("unreadable")),
                ("d.txt", Err("unreadable")),
                ("d", Ok("D text.")),
                ("e.TXT.gz", Err("unreadable")),
                ("e", Ok("E text.")),
                ("e.txt.gz", Err("unreadable")),
            ]
        );
        let message = |key: &str| error_message(&records, key);
        assert!(message("b").contains("b.txt"), "{}", message("b"));
        let m = message("e.txt.gz");
        assert!(
            m.contains("e.txt.gz") && m.contains("e.txt, whose id it would share"),
            "{m}"
        );
    }

    /// A text file with more bytes than the limit's characters could take
    /// is refused before it is read; one within it is read and counted.
    #[test]
    fn text_files_over_the_limit_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let limits = ReadLimits { max_chars: 2 };
        let file = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            text_record(&path, name.into(), limits).document
        };
        assert_eq!(file("short.txt", "ab").unwrap().text, "ab");
        let e = file("large.txt", "abcdefghi").unwrap_err();
        assert_eq!(e.kind, "too-long");
        assert!(e.message.contains("9 bytes"), "{}", e.message);
        // Within 4 bytes a character, counted: ‘é’ is 2 bytes.
        let e = file("wide.txt", "ééé").unwrap_err();
        assert!(
            e.message.contains("3 characters") && e.message.contains("wide.txt"),
            "{}",
            e.message
        );
        // Every error of a text file names it.
        let e = file("blank.txt", " \n").unwrap_err();
        assert_eq!(e.kind, "empty");
        assert!(e.message.contains("blank.txt"), "{}", e.message);
    }

    #[test]
    fn jsonl_records_and_their_errors() {
        let ok = jsonl_record(
            1,
            br#"{"id": "a", "text": "Hi there.", "source": "x"}"#,
            LIMITS,
        );
        let doc = ok.document.unwrap();
        assert_eq!((ok.key.as_str(), doc.text.as_str()), ("a", "Hi there."));
        assert_eq!(&*doc.extra["source"], "\"x\"");
        let numeric = jsonl_record(2, br#"{"id": 7, "text": "x"}"#, LIMITS);
        // Ids that JSON numbers cannot hold exactly, and a record that
        // would read as an error record, are error records.
        for (bytes, kind) in [
            (
                &br#"{"id": 18446744073709551616, "text": "x"}"#[..],
                "bad-id",
            ),
            (br#"{"id": 1.5, "text": "x"}"#, "bad-id"),
            (br#"{"id": 1e400, "text": "x"}"#, "bad-id"),
            (br#"{"id": [1], "text": "x"}"#, "bad-id"),
            (br#"{"id": {"a": 1}, "text": "x"}"#, "bad-id"),
            (br#"{"id": true, "text": "x"}"#, "bad-id"),
            (br#"{"id": "g", "text": "x", "text": "y"}"#, "repeated-key"),
            (br#"{"id": "h", "id": "i", "text": "x"}"#, "repeated-key"),
            (br#"{"id": "e", "text": "x", "error": 1}"#, "reserved-key"),
            (br#"{"id": "k", "text": "x", "\udc00x": 1}"#, "bad-key"),
        ] {
            assert_eq!(
                jsonl_record(4, bytes, LIMITS).document.unwrap_err().kind,
                kind
            );
        }
        assert_eq!(numeric.key, "7");
        // No id, or a null one: the line names the record. A bad id or a
        // key written twice is told with the line.
        let null = jsonl_record(6, br#"{"id": null, "text": "x"}"#, LIMITS);
        assert_eq!(null.key, "line 6");
        assert!(null.document.is_ok());
        let deep = format!(
            "{{\"id\": {}{}, \"text\": \"x\"}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        // (line, record, the key it is known by, words of its message)
        let refused: [(usize, &[u8], &str, &[&str]); 5] = [
            (
                6,
                br#"{"id": [1], "text": "x"}"#,
                "line 6",
                &["line 6", "[1]"],
            ),
            (
                7,
                br#"{"id": "g", "text": "x", "text": "y"}"#,
                "g",
                &["line 7", "\"text\""],
            ),
            (
                7,
                br#"{"id": "g", "id": "h", "text": "x"}"#,
                "line 7",
                &["line 7", "\"id\""],
            ),
            (
                8,
                deep.as_bytes(),
                "line 8",
                &["neither a string nor a whole number"],
            ),
            (
                // (A key no string holds, as Python's json writes `"\ud800"`.)
                9,
                br#"{"id": "a7", "text": "He said no.", "\ud800": 1}"#,
                "a7",
                &[
                    "line 9: the key \"\\ud800\" cannot be read",
                    "half a UTF-16 pair",
                ],
            ),
        ];
        for (line, bytes, key, words) in refused {
            let r = jsonl_record(line, bytes, LIMITS);
            assert_eq!(r.key, key);
            let message = r.document.unwrap_err().message;
            assert!(words.iter().all(|w| message.contains(w)), "{message}");
        }
        // Other fields pass through as written: numbers no float holds
        // exactly, trailing zeros, nested values; but not a line end.
        let extra = jsonl_record(
            5,
            b"{\"id\": \"f\", \"text\": \"x\", \"n\": 18446744073709551616123, \"f\": 1.50, \"o\": {\"a\": [1,\r2e400]}}",
            LIMITS,
        )
        .document
        .unwrap()
        .extra;
        let written: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), &**v)).collect();
        assert_eq!(
            written,
            [
                ("f", "1.50"),
                ("n", "18446744073709551616123"),
                // (A carriage return between tokens is a space.)
                ("o", r#"{"a": [1, 2e400]}"#)
            ]
        );
        let cases: [(&[u8], &str, &str); 9] = [
            (b"{not json", "line 3", "malformed-json"),
            (b"[1, 2]", "line 3", "malformed-json"),
            (b"{\"id\": \"b\"}", "b", "missing-text"),
            (b"{\"id\": \"b\", \"text\": 5}", "b", "missing-text"),
            (
                b"{\"id\": \"s\", \"text\": \"\\ud800 he said\"}",
                "s",
                "bad-text",
            ),
            (
                b"{\"id\": \"\\ud800\", \"text\": \"he said\"}",
                "line 3",
                "bad-id",
            ),
            (b"{\"id\": \"c\", \"text\": \"  \"}", "c", "empty"),
            (
                b"{\"id\": \"d\", \"text\": \"far too long for the limit\"}",
                "d",
                "too-long",
            ),
            (b"{\"id\": \"e\", \"text\": \"\xff\"}", "line 3", "not-utf8"),
        ];
        for (bytes, key, kind) in cases {
            let r = jsonl_record(3, bytes, LIMITS);
            assert_eq!(r.key, key);
            if let Err(e) = &r.document {
                assert!(e.message.starts_with("line 3"), "{}", e.message);
                // (A lone surrogate is told as one, without serde's words.)
                if kind == "bad-text" {
                    assert!(e.message.ends_with("is no character)"), "{}", e.message);
                }
                // (The offset of a bad byte is the line's, as it says.)
                if kind == "not-utf8" {
                    assert!(
                        e.message.ends_with("offset 21 of the line)"),
                        "{}",
                        e.message
                    );
                }
            }
            assert_eq!(
                r.document.unwrap_err().kind,
                kind,
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}
