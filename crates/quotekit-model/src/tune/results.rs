//! A search's results on disk: `trials.jsonl` (one line per finished trial,
//! appended and flushed as each ends, so a killed search resumes after the
//! last whole line), `trials.tsv` (the same as a table, rewritten after each
//! trial) and `search.json` (what the search was, so that a resumed search is
//! refused when its space or base config changed).
//! The file runs a little over 500 lines with its tests: each way a folder
//! is refused, and the test that refuses it, sit together.

use super::plan::Trial;
use super::space::{Metric, TEMPLATES_MARK};
use crate::error::ModelError;
use crate::eval::Evaluation;
use crate::io::write_atomically;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The dev figures of a trial (F1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Exact span, micro over the three roles.
    pub exact: f64,
    /// Exact Source.
    pub source: f64,
    /// Exact Cue.
    pub cue: f64,
    /// Exact Content.
    pub content: f64,
    /// Character overlap, micro.
    pub overlap: f64,
    /// Attribution (source, content).
    pub attribution: f64,
    /// Direct-quote content.
    pub direct: f64,
}

impl Scores {
    /// The figures of a dev evaluation.
    pub fn of(e: &Evaluation) -> Self {
        Self {
            exact: e.exact.micro.f1(),
            source: e.exact.source.f1(),
            cue: e.exact.cue.f1(),
            content: e.exact.content.f1(),
            overlap: e.overlap.micro.f1(),
            attribution: e.attribution.f1(),
            direct: e.direct_quote_content.f1(),
        }
    }

    /// The name of a figure that is no F1 (outside 0 to 1, or not a
    /// number), if one is.
    fn impossible(&self) -> Option<&'static str> {
        [
            ("exact", self.exact),
            ("source", self.source),
            ("cue", self.cue),
            ("content", self.content),
            ("overlap", self.overlap),
            ("attribution", self.attribution),
            ("direct", self.direct),
        ]
        .into_iter()
        .find(|(_, f)| !(0.0..=1.0).contains(f))
        .map(|(name, _)| name)
    }

    /// The figure `metric` names.
    pub fn get(&self, metric: Metric) -> f64 {
        match metric {
            Metric::Exact => self.exact,
            Metric::Attribution => self.attribution,
            Metric::Overlap => self.overlap,
            Metric::Mean => (self.exact + self.attribution) / 2.0,
        }
    }
}

/// A finished trial: what ran and what it scored, or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The trial.
    #[serde(flatten)]
    pub trial: Trial,
    /// Dev figures; none when training failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<Scores>,
    /// Why training failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall seconds of the trial (loading, training, dev evaluation).
    pub seconds: f64,
    /// Iterations or epochs run.
    pub iterations: usize,
    /// Iteration or epoch whose weights were kept.
    pub best_iteration: usize,
    /// Why training stopped.
    pub stop: String,
}

impl TrialRecord {
    /// The figure maximised (minus infinity for a failed trial).
    pub fn value(&self, metric: Metric) -> f64 {
        self.scores.map_or(f64::NEG_INFINITY, |s| s.get(metric))
    }
}

/// What a search is, kept in `search.json` beside its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SearchFile {
    /// The search-space file and the base config (with overrides), as text.
    fingerprint: String,
}

/// The fingerprint a search had before the CRF's `clause` template: without
/// its templates part (from [`TEMPLATES_MARK`] to the next part, a halving
/// search's budget, or the end); `None` when it has none.
fn without_templates(fingerprint: &str) -> Option<String> {
    let (then, rest) = fingerprint.split_once(TEMPLATES_MARK)?;
    // (A part begins with a line `--- name ---`; the templates, a list on
    // one line, hold no line break.)
    let after = rest.find("\n--- ").map_or("", |k| &rest[k..]);
    Some(format!("{then}{after}"))
}

/// What begins the last part of a search's fingerprint: a hash of its
/// training and dev documents ([`corpus_fingerprint`]).
///
/// [`corpus_fingerprint`]: crate::training::run_state::corpus_fingerprint
pub const CORPORA_MARK: &str = "\n--- corpora ---\n";

/// A fingerprint without its corpora part (searches begun before it was
/// kept have none).
fn without_corpora(fingerprint: &str) -> &str {
    fingerprint
        .split_once(CORPORA_MARK)
        .map_or(fingerprint, |(then, _)| then)
}

/// The files of a search in its output folder.
#[derive(Debug)]
pub struct ResultsStore {
    dir: PathBuf,
}

/// What a search writes in its folder besides its results (`trials/` holds
/// the running trial's checkpoints).
const WRITTEN: [&str; 5] = ["best", "best.toml", "best-partial", "trials", "trials.tsv"];

impl ResultsStore {
    /// Opens (or starts) the results in `dir`; refuses a folder that holds
    /// another search's results, or files a search writes that no search
    /// wrote.
    pub fn open(dir: &Path, fingerprint: &str) -> Result<Self, ModelError> {
        std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
        let store = Self {
            dir: dir.to_path_buf(),
        };
        // (What killed runs left half written.)
        quotekit_data::atomic::remove_stale(&store.dir);
        let search = store.path("search.json");
        let wanted = SearchFile {
            fingerprint: fingerprint.to_string(),
        };
        let started = std::fs::metadata(store.path("trials.jsonl")).is_ok_and(|m| m.len() > 0);
        if search.exists() {
            let text = crate::io::read_file(&search)?;
            let found: Option<SearchFile> = serde_json::from_slice(&text).ok();
            // A search begun before the corpora were part of what it is
            // goes on (its corpora cannot be checked), and is told by them
            // from now on.
            let before_corpora = found.as_ref().is_some_and(|f| {
                !f.fingerprint.contains(CORPORA_MARK)
                    && f.fingerprint == without_corpora(fingerprint)
            });
            if found.as_ref() != Some(&wanted) && (!started || before_corpora) {
                // No trial yet (say, a search refused before its first):
                // the folder is this search's now.
                let json =
                    serde_json::to_string_pretty(&wanted).expect("search metadata serialises");
                write_atomically(&search, json.as_bytes())?;
            } else if found.is_none() {
                return Err(ModelError::Config {
                    path: Some(search.clone()),
                    message: "does not read as a search's description; was it edited? \
                              Give another --out, or delete the folder to start again"
                        .into(),
                });
            } else if found.as_ref() != Some(&wanted) {
                // The same search but for the templates its defaults reach
                // now: begun before `clause`.
                let found = found.as_ref().map_or("", |f| f.fingerprint.as_str());
                let before_clause = without_templates(without_corpora(fingerprint))
                    .is_some_and(|then| without_corpora(found) == then);
                let other_corpora = found.contains(CORPORA_MARK)
                    && without_corpora(found) == without_corpora(fingerprint);
                let message = if other_corpora {
                    "holds the results of this search on other corpora: the training or dev \
                     documents have changed since its trials were scored (added, removed or \
                     edited), and their scores are not to be ranked with new ones. Restore the \
                     corpora to resume, or give another --out to search again"
                } else if before_clause {
                    "holds the results of this search begun before the CRF's `clause` feature \
                     template, whose base config leaves the templates to the default: the \
                     default now adds `clause`, so its trials and new ones would differ in their \
                     features. Give another --out to search again (its trials.tsv keeps its \
                     results)"
                } else {
                    "holds the results of another search (its search space, base config \
                     or corpora differ, or, for successive halving, its trials budget); \
                     resume with the same ones, or give another --out"
                };
                return Err(ModelError::Config {
                    path: Some(dir.to_path_buf()),
                    message: message.into(),
                });
            }
        } else {
            // Trials without the description of their search are no
            // results this command wrote (or their description was lost).
            if started {
                return Err(ModelError::Config {
                    path: Some(dir.to_path_buf()),
                    message: "holds a trials.jsonl but no search.json, so its trials cannot be \
                              told to be this search's; give another --out, or delete the folder \
                              to start again"
                        .into(),
                });
            }
            // Nor are the files a search writes, found where no search
            // was: a search would replace them (a model in best/, say).
            let found: Vec<&str> = WRITTEN
                .iter()
                .copied()
                .filter(|name| dir.join(name).symlink_metadata().is_ok())
                .collect();
            if !found.is_empty() {
                return Err(ModelError::Config {
                    path: Some(dir.to_path_buf()),
                    message: format!(
                        "holds {} but no search.json: no search wrote them, and a search here \
                         would replace them; give another --out (an empty or new folder)",
                        found.join(", ")
                    ),
                });
            }
            let json = serde_json::to_string_pretty(&wanted).expect("search metadata serialises");
            write_atomically(&search, json.as_bytes())?;
        }
        Ok(store)
    }

    /// A file of the search.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The trials finished so far. A last line cut short (a search killed
    /// while writing it) is dropped, and that trial runs again; any other
    /// line that does not read is an error naming it.
    pub fn read(&self) -> Result<Vec<TrialRecord>, ModelError> {
        let path = self.path("trials.jsonl");
        // (A regular file only: a pipe there would block the search, a link
        // to /dev/zero fill memory.)
        let text = match quotekit_data::paths::read_own_file(&path) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(Vec::new()),
            Err(e) => return Err(ModelError::io(&path, e)),
        };
        let whole = text.ends_with(b"\n");
        // (Lines as `str::lines` gives them, read as UTF-8 one by one: a last
        // line cut short may end inside a character.)
        let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        if whole || text.is_empty() {
            lines.pop();
        }
        let mut records: Vec<TrialRecord> = Vec::new();
        let bad = |i: usize, why: String| ModelError::Config {
            path: Some(path.clone()),
            message: format!(
                "line {}: {why}; the file was edited or is another search's \
                 (give another --out, or delete the folder to start again)",
                i + 1
            ),
        };
        for (i, line) in lines.iter().enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = match std::str::from_utf8(line) {
                Ok(line) => line,
                // (Cut inside a character: a byte that is no UTF-8 before
                // that is said.)
                Err(e) if i + 1 == lines.len() && !whole && e.error_len().is_none() => break,
                Err(e) => {
                    return Err(bad(
                        i,
                        format!("not UTF-8 (at byte {} of the line)", e.valid_up_to() + 1),
                    ))
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<TrialRecord>(line) {
                Ok(record) if record.trial.trial != records.len() + 1 => {
                    return Err(bad(
                        i,
                        format!(
                            "trial {} where trial {} comes next",
                            record.trial.trial,
                            records.len() + 1
                        ),
                    ))
                }
                Ok(record) => {
                    // (An F1 outside 0 to 1 would stand as the best trial.)
                    if let Some(name) = record.scores.as_ref().and_then(Scores::impossible) {
                        return Err(bad(
                            i,
                            format!("score `{name}` is not an F1 between 0 and 1"),
                        ));
                    }
                    records.push(record)
                }
                Err(_) if i + 1 == lines.len() && !whole => break,
                Err(e) => return Err(bad(i, format!("not a trial record ({e})"))),
            }
        }
        if !whole && !text.is_empty() {
            // Rewrite without the partial line so that appends start clean.
            let kept: String = records.iter().map(line_of).collect();
            write_atomically(&path, kept.as_bytes())?;
        }
        Ok(records)
    }

    /// Appends a finished trial and flushes it to disk.
    pub fn append(&self, record: &TrialRecord) -> Result<(), ModelError> {
        let path = self.path("trials.jsonl");
        if quotekit_data::paths::is_link(&path) {
            return Err(ModelError::Config {
                path: Some(path),
                message: "is a symbolic link; a search appends only to its own file".into(),
            });
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| ModelError::io(&path, e))?;
        let line = line_of(record);
        file.write_all(line.as_bytes())
            .and_then(|_| file.sync_data())
            .map_err(|e| ModelError::io(&path, e))
    }

    /// Rewrites `trials.tsv` from the records: one row per trial, one column
    /// per figure and per key searched.
    pub fn write_table(
        &self,
        records: &[TrialRecord],
        keys: &[String],
        metric: Metric,
    ) -> Result<PathBuf, ModelError> {
        let path = self.path("trials.tsv");
        // (`score:METRIC`: the metric searched, under a name of its own
        // beside the figure it may repeat.)
        let mut out = format!(
            "trial\tconfig\trung\tresource\tscore:{}\texact\tsource\tcue\tcontent\toverlap\tattribution\tdirect\tseconds\titerations\tstop",
            metric.name()
        );
        for key in keys {
            out.push('\t');
            out.push_str(key);
        }
        out.push_str("\terror\n");
        for r in records {
            let t = &r.trial;
            let f = |x: f64| format!("{x:.4}");
            let figures = match &r.scores {
                Some(s) => [
                    s.get(metric),
                    s.exact,
                    s.source,
                    s.cue,
                    s.content,
                    s.overlap,
                    s.attribution,
                    s.direct,
                ]
                .map(f)
                .join("\t"),
                None => [""; 8].join("\t"),
            };
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{figures}\t{:.1}\t{}\t{}",
                t.trial,
                t.config,
                t.rung,
                t.resource.map(|r| r.to_string()).unwrap_or_default(),
                r.seconds,
                r.iterations,
                r.stop
            ));
            for key in keys {
                out.push('\t');
                if let Some(v) = t.params.get(key) {
                    out.push_str(&value_text(v).replace(['\t', '\n', '\r'], " "));
                }
            }
            out.push('\t');
            out.push_str(&r.error.as_deref().unwrap_or("").replace(['\t', '\n'], " "));
            out.push('\n');
        }
        write_atomically(&path, out.as_bytes())?;
        Ok(path)
    }
}

/// A value as a table cell or message shows it (strings unquoted).
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Float(x) => format!("{x:.4}"),
        other => other.to_string(),
    }
}

/// A record's JSONL line, newline included, written as every JSONL line
/// quotekit writes ([`quotekit_data::formats::jsonl::escape_line_breaks`]).
fn line_of(record: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(record).expect("records serialise");
    quotekit_data::formats::jsonl::escape_line_breaks(json) + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn record(trial: usize, exact: f64) -> TrialRecord {
        let mut params = BTreeMap::new();
        params.insert("training.c2".to_string(), toml::Value::Float(0.25));
        params.insert("features.hash_bits".to_string(), toml::Value::Integer(19));
        TrialRecord {
            trial: Trial {
                trial,
                config: trial - 1,
                rung: 0,
                resource: None,
                params,
            },
            scores: Some(Scores {
                exact,
                source: 0.7,
                cue: 0.6,
                content: 0.5,
                overlap: 0.8,
                attribution: 0.65,
                direct: 0.9,
            }),
            error: None,
            seconds: 12.5,
            iterations: 40,
            best_iteration: 30,
            stop: "converged".into(),
        }
    }

    #[test]
    fn records_round_trip_and_a_cut_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = ResultsStore::open(dir.path(), "space").unwrap();
        assert!(store.read().unwrap().is_empty());
        let (a, b) = (record(1, 0.6), record(2, 0.62));
        store.append(&a).unwrap();
        store.append(&b).unwrap();
        assert_eq!(store.read().unwrap(), vec![a.clone(), b.clone()]);
        // A kill in the middle of the third line.
        let path = store.path("trials.jsonl");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&serde_json::to_string(&record(3, 0.5)).unwrap()[..40]);
        std::fs::write(&path, text).unwrap();
        assert_eq!(store.read().unwrap(), vec![a.clone(), b.clone()]);
        store.append(&record(3, 0.5)).unwrap();
        assert_eq!(store.read().unwrap().len(), 3);
        // A blank line is skipped; a link in place of the file is refused.
        std::fs::write(&path, std::fs::read_to_string(&path).unwrap() + "\n").unwrap();
        assert_eq!(store.read().unwrap().len(), 3);
        let elsewhere = dir.path().join("elsewhere.jsonl");
        std::fs::rename(&path, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let err = store.append(&record(4, 0.5)).unwrap_err().to_string();
        assert!(err.contains("is a symbolic link"), "{err}");
        std::fs::remove_file(&path).unwrap();
        std::fs::rename(&elsewhere, &path).unwrap();
        // A damaged line before the last is an error naming it.
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replacen("{", "x", 1);
        std::fs::write(&path, text).unwrap();
        let err = store.read().unwrap_err().to_string();
        assert!(
            err.contains("trials.jsonl") && err.contains("line 1"),
            "{err}"
        );
        // A byte that is no UTF-8 is said with its line; in a last line cut
        // short (inside a character), the line is dropped.
        let good = || {
            let mut text = serde_json::to_string(&record(1, 0.6)).unwrap().into_bytes();
            text.push(b'\n');
            text
        };
        let second = |line: &[u8]| {
            let mut text = good();
            text.extend_from_slice(line);
            std::fs::write(&path, &text).unwrap();
            store.read()
        };
        // (A bad byte, in a whole line or in one cut short: said.)
        for line in [&b"{\"trial\": \xff}\n"[..], b"{\"trial\": \xff, \"cut\": "] {
            let err = second(line).unwrap_err().to_string();
            assert!(
                err.contains("line 2: not UTF-8 (at byte 11 of the line)"),
                "{err}"
            );
        }
        let cut = second(&"{\"note\": \"é".as_bytes()[..11]).unwrap();
        assert_eq!(cut, vec![record(1, 0.6)]);
        assert_eq!(std::fs::read(&path).unwrap(), good());
    }

    /// A search is resumed on the corpora its trials were scored on: other
    /// documents under the same paths are refused, saying so. A search
    /// begun before the corpora were kept goes on, and is held to the
    /// corpora it goes on with.
    #[test]
    fn a_search_on_changed_corpora_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let on = |corpora: &str| format!("space{CORPORA_MARK}{corpora}");
        let store = ResultsStore::open(dir.path(), &on("aaaa")).unwrap();
        store.append(&record(1, 0.5)).unwrap();
        ResultsStore::open(dir.path(), &on("aaaa")).unwrap();
        let err = ResultsStore::open(dir.path(), &on("bbbb"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("on other corpora"), "{err}");
        let err = ResultsStore::open(dir.path(), &format!("other{CORPORA_MARK}aaaa"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("another search"), "{err}");
        let old = tempfile::tempdir().unwrap();
        let store = ResultsStore::open(old.path(), "space").unwrap();
        store.append(&record(1, 0.5)).unwrap();
        ResultsStore::open(old.path(), &on("cccc")).unwrap();
        let err = ResultsStore::open(old.path(), &on("dddd"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("on other corpora"), "{err}");
        // A search begun before `clause` (and before the corpora were kept)
        // is told so by today's fingerprints, which end with the corpora.
        let budget = "\n--- halving budget ---\n20";
        for begun in ["two".to_string(), format!("two{budget}")] {
            let before = tempfile::tempdir().unwrap();
            let store = ResultsStore::open(before.path(), &begun).unwrap();
            store.append(&record(1, 0.5)).unwrap();
            let suffix = begun.strip_prefix("two").unwrap();
            let now = format!("two{TEMPLATES_MARK}[Word]{suffix}{CORPORA_MARK}aaaa");
            let err = ResultsStore::open(before.path(), &now)
                .unwrap_err()
                .to_string();
            assert!(err.contains("begun before the CRF's `clause`"), "{err}");
        }
    }

    #[test]
    fn another_search_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        ResultsStore::open(dir.path(), "one").unwrap();
        // Before any trial, the folder goes to whichever search opens it.
        let store = ResultsStore::open(dir.path(), "two").unwrap();
        store.append(&record(1, 0.5)).unwrap();
        ResultsStore::open(dir.path(), "two").unwrap();
        let err = ResultsStore::open(dir.path(), "one")
            .unwrap_err()
            .to_string();
        assert!(err.contains("another search"), "{err}");
        // The same search begun before `clause`, now with its templates.
        let err = ResultsStore::open(dir.path(), &format!("two{TEMPLATES_MARK}[Word]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("begun before the CRF's `clause`"), "{err}");
        // So is a halving search, whose budget comes after its templates.
        let budget = "\n--- halving budget ---\n20";
        let halving = tempfile::tempdir().unwrap();
        let begun = ResultsStore::open(halving.path(), &format!("two{budget}")).unwrap();
        begun.append(&record(1, 0.5)).unwrap();
        for (now, refused) in [
            (format!("two{TEMPLATES_MARK}[Word]{budget}"), "begun before"),
            (
                format!("two{TEMPLATES_MARK}[Word]\n--- halving budget ---\n30"),
                "another search",
            ),
        ] {
            let err = ResultsStore::open(halving.path(), &now)
                .unwrap_err()
                .to_string();
            assert!(err.contains(refused), "{err}");
        }
        // Records out of order (a line copied, or from elsewhere).
        store.append(&record(3, 0.5)).unwrap();
        let err = store.read().unwrap_err().to_string();
        assert!(
            err.contains("line 2: trial 3 where trial 2 comes next"),
            "{err}"
        );
    }

    /// A score no evaluation gives (an edited file) is refused, naming the
    /// line and the figure, not taken for the best trial.
    #[test]
    fn scores_that_are_no_f1_are_refused() {
        for exact in [5.0, -1.0] {
            let dir = tempfile::tempdir().unwrap();
            let store = ResultsStore::open(dir.path(), "one").unwrap();
            store.append(&record(1, 0.5)).unwrap();
            store.append(&record(2, exact)).unwrap();
            let err = store.read().unwrap_err().to_string();
            assert!(
                err.contains("line 2: score `exact` is not an F1 between 0 and 1"),
                "{err}"
            );
        }
    }

    /// A folder no search wrote, holding a model where the best goes (or a
    /// `best.toml`), is refused and left as it was.
    #[test]
    fn what_no_search_wrote_is_refused() {
        for name in ["best", "best.toml"] {
            let dir = tempfile::tempdir().unwrap();
            let theirs = dir.path().join(name);
            std::fs::create_dir(&theirs).unwrap();
            let err = ResultsStore::open(dir.path(), "one")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(&format!("holds {name} but no search.json")),
                "{err}"
            );
            assert!(theirs.is_dir() && !dir.path().join("search.json").exists());
        }
        // Its own folder, resumed, is its own.
        let dir = tempfile::tempdir().unwrap();
        ResultsStore::open(dir.path(), "one").unwrap();
        std::fs::create_dir(dir.path().join("best")).unwrap();
        ResultsStore::open(dir.path(), "one").unwrap();
    }

    #[test]
    fn the_table_has_a_row_per_trial_and_a_column_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = ResultsStore::open(dir.path(), "space").unwrap();
        let mut failed = record(2, 0.0);
        failed.scores = None;
        failed.error = Some("training: no\ttabs".into());
        let keys = vec!["features.hash_bits".to_string(), "training.c2".to_string()];
        let path = store
            .write_table(&[record(1, 0.6124), failed], &keys, Metric::Mean)
            .unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|r| r.len() == rows[0].len()));
        assert_eq!(rows[0][4], "score:mean");
        assert_eq!(rows[1][4], "0.6312");
        assert_eq!(rows[1][15], "19");
        assert_eq!(rows[1][16], "0.2500");
        assert_eq!(rows[2][4], "");
        assert_eq!(rows[2][17], "training: no tabs");
    }
}
