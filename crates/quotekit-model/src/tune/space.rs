//! A search space: the TOML file `quotekit tune` reads. It names a base
//! training config, a search method, a budget, the dev figure to maximise and,
//! under `[space]`, the config keys to vary (dotted paths into the training
//! config, so that every model kind's keys can be searched):
//!
//! ```toml
//! base = "crf.toml"              # relative to this file
//! method = "random"              # grid | random | halving
//! trials = 20                    # training runs at most (20 when not given)
//! hours = 3.0                    # no trial starts after this much training time
//! seed = 1                       # seeds the sampling
//! metric = "exact"               # exact | attribution | overlap | mean
//!
//! [space]
//! "training.c2" = { min = 0.05, max = 20.0, log = true }
//! "features.window" = { values = [1, 2, 3] }
//! "features.hash_bits" = { min = 18, max = 22, integer = true }
//! ```
//!
//! Keys may also be written unquoted, or under `[space.training]`: TOML
//! nests them, and they are joined back into dotted names. The file runs
//! over 500 lines because its tests, which pin each refusal's message, are
//! a third of it.

use crate::config::{Checked, ModelKind, TrainConfig};
use crate::error::ModelError;
use crate::features::config::Template;
pub use crate::tune::domain::{set, Domain, Method, MAX_STEPS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The dev figure a search maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Exact span micro F1 (the figure training's early stopping uses).
    #[default]
    Exact,
    /// Attribution (source, content) F1.
    Attribution,
    /// Character overlap micro F1.
    Overlap,
    /// The mean of exact micro and attribution F1.
    Mean,
}

impl Metric {
    /// The name in search-space files and results tables.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Exact => "exact",
            Metric::Attribution => "attribution",
            Metric::Overlap => "overlap",
            Metric::Mean => "mean",
        }
    }
}

/// Successive halving's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    default,
    expecting = "a table of successive halving's settings, such as { eta = 3, min_resource = 10 }"
)]
pub struct Halving {
    /// Each rung keeps the best `1/eta` configs and trains them `eta` times longer.
    pub eta: usize,
    /// Iterations (CRF) or epochs (neural, transformer) of the first rung; the
    /// last rung trains as long as the base config says.
    pub min_resource: usize,
}

impl Default for Halving {
    fn default() -> Self {
        Self {
            eta: 3,
            min_resource: 10,
        }
    }
}

/// The most trials a search may plan: far more than any machine trains, few
/// enough that the plan fits in memory.
pub const MAX_TRIALS: usize = 100_000;

/// The budget of a space that gives none (and no `--trials`).
pub const DEFAULT_TRIALS: usize = 20;

fn default_trials() -> usize {
    DEFAULT_TRIALS
}

/// A search-space file, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpaceFile {
    base: PathBuf,
    #[serde(default)]
    method: Method,
    #[serde(default = "default_trials")]
    trials: usize,
    #[serde(default)]
    hours: Option<f64>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default)]
    metric: Metric,
    #[serde(default = "yes")]
    include_base: bool,
    #[serde(default)]
    halving: Halving,
    #[serde(deserialize_with = "domain_tables")]
    space: BTreeMap<String, Domain>,
}

/// What a `[space]` key holds.
const DOMAIN_EXPECTED: &str = "a table of the values the key may take, such as \
                               { values = [0.5, 1.0] } or { min = 0.1, max = 10.0, log = true }";

/// `[space]`'s keys, each a table: serde's own reader of [`Domain`] would
/// take a list for its fields in order (`[0.5, 1.0]` as `values = 0.5`).
fn domain_tables<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Domain>, D::Error> {
    struct Table(Domain);
    impl<'de> Deserialize<'de> for Table {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Tables;
            impl<'de> serde::de::Visitor<'de> for Tables {
                type Value = Table;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str(DOMAIN_EXPECTED)
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    map: A,
                ) -> Result<Table, A::Error> {
                    Domain::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                        .map(Table)
                }
            }
            d.deserialize_map(Tables)
        }
    }
    let tables = BTreeMap::<String, Table>::deserialize(d)?;
    Ok(tables.into_iter().map(|(k, t)| (k, t.0)).collect())
}

/// The keys of a [`Domain`] table.
const DOMAIN_KEYS: [&str; 6] = ["values", "min", "max", "log", "integer", "steps"];

/// The file read again with its `[space]` keys written as TOML dotted keys
/// (`training.c2 = { ... }` unquoted, or a `[space.training]` table), which
/// TOML nests, joined back into the dotted names the space means; `first`,
/// the error of the file read as written, when no key was so written (with
/// a hint where such a key holds a list of values, not a table of them),
/// or the joined file's own error when it still does not read (it names
/// the mistake, where the first blamed the nesting).
fn dotted_keys_joined(text: &str, first: toml::de::Error) -> Result<SpaceFile, String> {
    /// The space's keys joined so far.
    #[derive(Default)]
    struct Joined {
        keys: toml::Table,
        /// Whether some key was nested.
        nested: bool,
        /// A nested key that holds a list (`training.c2 = [0.5, 1.0]`).
        listed: Option<String>,
    }
    fn join(name: String, value: toml::Value, out: &mut Joined) -> Result<(), String> {
        match value {
            // (A table of tables, none named as a domain's keys: a domain
            // holds numbers, lists and flags.)
            toml::Value::Table(t)
                if !t.is_empty()
                    && t.iter()
                        .all(|(k, v)| v.is_table() && !DOMAIN_KEYS.contains(&k.as_str())) =>
            {
                out.nested = true;
                for (key, value) in t {
                    join(format!("{name}.{key}"), value, out)?;
                }
                Ok(())
            }
            value => {
                if let toml::Value::Table(t) = &value {
                    let listed = t
                        .iter()
                        .find(|(k, v)| v.is_array() && !DOMAIN_KEYS.contains(&k.as_str()));
                    if let (None, Some((key, _))) = (&out.listed, listed) {
                        out.listed = Some(format!("{name}.{key}"));
                    }
                }
                match out.keys.insert(name.clone(), value) {
                    None => Ok(()),
                    Some(_) => Err(format!("[space] names {name} twice")),
                }
            }
        }
    }
    let first_error = |joined: &Joined| match &joined.listed {
        Some(key) => format!(
            "{}; if `{key}` is a key to search, its values go in a table: \
             `{key} = {{ values = [ … ] }}`",
            first.to_string().trim_end()
        ),
        None => first.to_string(),
    };
    let Ok(mut table) = toml::from_str::<toml::Table>(text) else {
        return Err(first_error(&Joined::default()));
    };
    let Some(toml::Value::Table(space)) = table.remove("space") else {
        return Err(first_error(&Joined::default()));
    };
    let mut joined = Joined::default();
    for (name, value) in space {
        join(name, value, &mut joined)?;
    }
    if !joined.nested {
        return Err(first_error(&joined));
    }
    table.insert("space".into(), toml::Value::Table(joined.keys));
    // (Written out and read again, so that the error shows its key.)
    let text = toml::to_string(&table).map_err(|e| e.to_string())?;
    toml::from_str(&text).map_err(|e: toml::de::Error| {
        format!(
            "{} (the line of the file as read with its [space] keys joined into dotted names)",
            e.to_string().trim_end()
        )
    })
}

fn default_seed() -> u64 {
    1
}

fn yes() -> bool {
    true
}

/// A checked search space with its base config.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSpace {
    /// The search-space file.
    pub path: PathBuf,
    /// The base config's file.
    pub base_path: PathBuf,
    /// The base config as TOML, with the caller's overrides applied.
    pub base: toml::Table,
    /// How trials are chosen.
    pub method: Method,
    /// Training runs at most (over every rung for halving).
    pub trials: usize,
    /// Training hours at most (summed over resumed runs); none: no limit.
    pub hours: Option<f64>,
    /// Seeds the draws.
    pub seed: u64,
    /// The dev figure maximised.
    pub metric: Metric,
    /// Trial 1 is the base config unchanged (random and halving).
    pub include_base: bool,
    /// Successive halving's settings.
    pub halving: Halving,
    /// The keys searched, in name order.
    pub keys: Vec<(String, Domain)>,
    /// The text of the search-space file and the base config, which a resumed
    /// search must match.
    pub fingerprint: String,
    /// Settings the file gives that its method does not read (`[halving]`
    /// outside a halving search, `seed` and `include_base` in a grid, a
    /// range's `steps` outside a grid), to warn of.
    pub unread: Vec<String>,
}

/// The settings of a search-space file (`text`, read as `file`) that its
/// method does not read: `[halving]` outside a halving search, `seed` and
/// `include_base` in a grid (no draws; the base is a trial only where it is
/// a point of the grid), a range's `steps` outside a grid (draws have no
/// steps). A file whose TOML is read only with its dotted keys joined gives
/// none.
fn unread_settings(text: &str, file: &SpaceFile) -> Vec<String> {
    let Ok(raw) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let method = format!("{:?}", file.method).to_lowercase();
    let mut out = Vec::new();
    if file.method != Method::Halving && raw.contains_key("halving") {
        out.push(format!(
            "[halving] is read by method = \"halving\" only: this {method} search leaves it unused"
        ));
    }
    if file.method == Method::Grid {
        for key in ["seed", "include_base"] {
            if raw.contains_key(key) {
                out.push(format!(
                    "`{key}` is read by random and halving searches only: this grid search \
                     leaves it unused (it has no draws)"
                ));
            }
        }
    } else {
        for (key, domain) in &file.space {
            if let Some(steps) = domain.steps {
                out.push(format!(
                    "`{key}`: steps = {steps} is read by a grid search only: this {method} \
                     search draws from the range"
                ));
            }
        }
    }
    out
}

impl SearchSpace {
    /// Reads a search-space file and its base config; `overrides` are dotted
    /// keys set on the base before anything else (the command line's
    /// `--train`, `--dev`, ...). Every key of the space must be one the base
    /// config's model kind reads, and each value a trial can take must make
    /// a valid config with some values of the other keys
    /// ([`crate::tune::domain`]), so that a search does not fail half way.
    pub fn load(path: &Path, overrides: &[(String, toml::Value)]) -> Result<Self, ModelError> {
        if path.as_os_str().is_empty() {
            return Err(ModelError::empty_path("a search-space file (TOML)"));
        }
        let fail = |message: String| ModelError::Config {
            path: Some(path.to_path_buf()),
            message,
        };
        let text = crate::io::read_text(path)?;
        let file: SpaceFile = match toml::from_str(&text) {
            Ok(file) => file,
            // (Read as written first, for the error's line and column.)
            Err(e) => dotted_keys_joined(&text, e).map_err(fail)?,
        };
        let base_path = match path.parent() {
            Some(dir) if file.base.is_relative() => dir.join(&file.base),
            _ => file.base.clone(),
        };
        let base_text = crate::io::read_text(&base_path).map_err(|e| {
            fail(format!(
                "base = {:?} cannot be read ({e}); a relative path is read from this file's folder",
                file.base.display().to_string()
            ))
        })?;
        let mut base: toml::Table = toml::from_str(&base_text).map_err(|e| ModelError::Config {
            path: Some(base_path.clone()),
            message: e.to_string(),
        })?;
        for (key, value) in overrides {
            set(&mut base, key, value.clone()).map_err(fail)?;
        }
        let resolved = config_of(&base).map_err(|e| match e {
            ModelError::Config { message, .. } => ModelError::Config {
                path: Some(base_path.clone()),
                message,
            },
            other => other,
        })?;
        let kind = resolved.model;
        if !(1..=MAX_TRIALS).contains(&file.trials) {
            return Err(fail(format!(
                "trials = {} (expected 1 to {MAX_TRIALS})",
                file.trials
            )));
        }
        if let Some(h) = file.hours {
            if !(h.is_finite() && h > 0.0) {
                return Err(fail(format!("hours = {h} (expected a number above 0)")));
            }
        }
        if file.method == Method::Halving {
            let h = file.halving;
            if h.eta < 2 {
                return Err(fail(format!(
                    "halving.eta = {} (expected 2 or more)",
                    h.eta
                )));
            }
            if h.min_resource == 0 {
                return Err(fail(
                    "halving.min_resource = 0 (expected at least 1)".into(),
                ));
            }
        }
        if file.space.is_empty() {
            return Err(fail("[space] names no key to search".into()));
        }
        for (key, domain) in &file.space {
            domain.check(key, file.method).map_err(&fail)?;
            if let Some(why) = crate::tune::domain::unread(kind, key) {
                return Err(fail(format!("`{key}`: {why}")));
            }
            // (A flag's value would be overridden by the space's, unsaid.)
            if overrides.iter().any(|(k, _)| k == key) {
                return Err(fail(format!(
                    "`{key}` is searched here and given by {}: the space's values would \
                     override the flag's; drop one of them",
                    override_flag(key)
                )));
            }
        }
        let keys: Vec<(String, Domain)> = file
            .space
            .iter()
            .map(|(k, d)| (k.clone(), d.clone()))
            .collect();
        crate::tune::domain::values_fit(&base, &keys, file.method, parsed, config_of)
            .map_err(&fail)?;
        // What makes trials differ: the space and the base config with the
        // overrides, as values (comments and layout aside), but not the
        // budget or the threads (trials give the same results on any number).
        let mut searched = file.clone();
        searched.trials = 0;
        searched.hours = None;
        let mut trained = base.clone();
        if let Some(toml::Value::Table(t)) = trained.get_mut("training") {
            t.remove("threads");
        }
        let mut fingerprint = format!(
            "{}\n--- base ---\n{}",
            toml::to_string(&searched).map_err(|e| fail(e.to_string()))?,
            toml::to_string(&trained).map_err(|e| fail(e.to_string()))?
        );
        fingerprint.push_str(&templates_beyond_clause(&resolved));
        Ok(Self {
            path: path.to_path_buf(),
            base_path,
            base,
            method: file.method,
            trials: file.trials,
            hours: file.hours,
            seed: file.seed,
            metric: file.metric,
            include_base: file.include_base,
            halving: file.halving,
            keys,
            fingerprint,
            unread: unread_settings(&text, &file),
        })
    }

    /// The training config of a trial: the base with `params` set.
    pub fn config(
        &self,
        params: &BTreeMap<String, toml::Value>,
    ) -> Result<TrainConfig, ModelError> {
        let mut table = self.base.clone();
        for (key, value) in params {
            set(&mut table, key, value.clone()).map_err(ModelError::config)?;
        }
        config_of(&table)
    }
}

/// The flag that sets `key` in [`overrides`].
fn override_flag(key: &str) -> &'static str {
    match key {
        "data.train" => "--train",
        "data.dev" => "--dev",
        "data.names" => "--names",
        "training.threads" => "--threads",
        _ => "a flag",
    }
}

/// The dotted keys that point a search's base config at other corpora
/// (`data.train`, `data.dev`, `data.names`) and thread counts
/// (`training.threads`), as the command line and Python give them.
pub fn overrides(
    train: Option<&Path>,
    dev: Option<&Path>,
    names: &[PathBuf],
    threads: Option<usize>,
) -> Vec<(String, toml::Value)> {
    let path = |p: &Path| toml::Value::String(p.to_string_lossy().into_owned());
    let mut out = Vec::new();
    if let Some(t) = train {
        out.push(("data.train".to_string(), path(t)));
    }
    if let Some(d) = dev {
        out.push(("data.dev".to_string(), path(d)));
    }
    if !names.is_empty() {
        let names = names.iter().map(|p| path(p)).collect();
        out.push(("data.names".to_string(), toml::Value::Array(names)));
    }
    if let Some(n) = threads {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        out.push(("training.threads".to_string(), toml::Value::Integer(n)));
    }
    out
}

impl SearchSpace {
    /// The base config, checked: the config of a trial that sets no key.
    pub fn base_config(&self) -> Result<Checked, ModelError> {
        self.config(&BTreeMap::new())?.check()
    }

    /// [`crate::config::DataConfig::unused_label_map`] over every corpus
    /// the trials read: the base config's, and those that the space's
    /// `data.train` and `data.dev` values name (a CoNLL one among them uses
    /// the map).
    pub fn unused_label_map(&self, base: &Checked) -> Option<String> {
        let searched: Vec<PathBuf> = self
            .keys
            .iter()
            .filter(|(key, _)| key == "data.train" || key == "data.dev")
            .flat_map(|(_, domain)| crate::tune::domain::values_to_check(domain, self.method))
            .filter_map(|v| v.as_str().map(PathBuf::from))
            .collect();
        base.data.unused_label_map_among(&searched)
    }

    /// Every file a search reads, which its output folder must not hold:
    /// the corpora and names of `base` (from [`SearchSpace::base_config`]),
    /// the search-space file and the base config file, and the files the
    /// space's `data` values name (a corpus of `data.train`'s, say).
    pub fn inputs<'a>(&'a self, base: &'a Checked) -> Vec<&'a Path> {
        let mut inputs: Vec<&Path> = self
            .named_inputs(base)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        // (The data's paths: the corpora and names a trial reads, which an
        // output folder over them would mix with its trials.)
        let strings = self
            .keys
            .iter()
            .filter(|(key, _)| key.starts_with("data."))
            .flat_map(|(_, domain)| domain.values.iter().flatten())
            .flat_map(|value| match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(items) => items.iter().filter_map(toml::Value::as_str).collect(),
                _ => Vec::new(),
            });
        inputs.extend(strings.map(Path::new).filter(|p| p.exists()));
        inputs
    }

    /// [`SearchSpace::inputs`], each with the key that names it (the
    /// space's file and its `base`).
    pub fn named_inputs<'a>(&'a self, base: &'a Checked) -> Vec<(&'static str, &'a Path)> {
        let mut inputs = base.named_inputs();
        inputs.extend([
            ("space", self.path.as_path()),
            ("base", self.base_path.as_path()),
        ]);
        inputs
    }
}

/// Reads a TOML table as a training config (checking its values). (Read
/// from the table itself: a message names no line of a merged text that no
/// one wrote.)
/// The config a table reads as (its keys and their types), unchecked.
fn parsed(table: &toml::Table) -> Result<TrainConfig, ModelError> {
    use serde::Deserialize;
    TrainConfig::deserialize(toml::Value::Table(table.clone()))
        .map_err(|e| ModelError::config(e.message().to_string()))
}

/// What parts a search's fingerprint from the templates it adds
/// ([`templates_beyond_clause`]).
pub(crate) const TEMPLATES_MARK: &str = "\n--- templates ---\n";

/// The feature templates `config` resolves to, where they reach past those
/// there were before [`Template::Clause`] (empty otherwise): a base config
/// that leaves the templates to the default meant those of before to the
/// searches begun before `clause`, and means more now, with the same text.
/// (A search whose templates are all of before keeps the fingerprint it
/// had.)
fn templates_beyond_clause(config: &TrainConfig) -> String {
    let beyond = |templates: &[Template]| {
        templates
            .iter()
            .any(|t| !Template::BEFORE_CLAUSE.contains(t))
    };
    // (The templates each kind hashes: the CRF its own, the neural tagger
    // those of its hashed features, if it has them; the transformer none.)
    let network = &config.neural.network;
    let hashed = match config.model {
        ModelKind::Crf => Some(&config.features.templates),
        ModelKind::Neural if network.sparse_dim > 0 => Some(&network.sparse_templates),
        ModelKind::Neural | ModelKind::Transformer => None,
    };
    match hashed {
        Some(templates) if beyond(templates) => format!("{TEMPLATES_MARK}{templates:?}"),
        _ => String::new(),
    }
}

fn config_of(table: &toml::Table) -> Result<TrainConfig, ModelError> {
    let config = parsed(table)?;
    config.validate()?;
    config.check_size()?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn space(text: &str) -> Result<SearchSpace, ModelError> {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "base.toml",
            "model = \"crf\"\n[training]\nc2 = 1.0\n",
        );
        let path = write(dir.path(), "space.toml", text);
        SearchSpace::load(&path, &[])
    }

    /// A base that leaves the templates to the default means `clause` now,
    /// and its search is another than one begun before `clause` with the
    /// same text; one that lists the templates of before is the same.
    #[test]
    fn default_templates_past_clause_are_part_of_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let listed: Vec<String> = Template::BEFORE_CLAUSE
            .iter()
            .map(|t| serde_json::to_string(t).unwrap())
            .collect();
        let bases = [
            String::new(),
            format!("[features]\ntemplates = [{}]\n", listed.join(", ")),
        ];
        let fingerprints: Vec<String> = bases
            .iter()
            .map(|features| {
                write(
                    dir.path(),
                    "base.toml",
                    &format!("model = \"crf\"\n{features}"),
                );
                let path = write(
                    dir.path(),
                    "space.toml",
                    "base = \"base.toml\"\n[space]\n\"training.c2\" = { values = [1.0, 2.0] }\n",
                );
                SearchSpace::load(&path, &[]).unwrap().fingerprint
            })
            .collect();
        assert!(fingerprints[0].ends_with(&format!("{TEMPLATES_MARK}{:?}", Template::ALL)));
        assert!(!fingerprints[1].contains("--- templates ---"));
    }

    #[test]
    fn a_space_reads_with_its_base_and_defaults() {
        let s = space(
            "base = \"base.toml\"\ntrials = 5\n[space]\n\"training.c2\" = { min = 0.1, max = 10.0, log = true }\n",
        )
        .unwrap();
        assert_eq!(s.method, Method::Random);
        assert_eq!(s.metric, Metric::Exact);
        assert!(s.include_base);
        assert_eq!(s.keys.len(), 1);
        let mut params = BTreeMap::new();
        params.insert("training.c2".to_string(), toml::Value::Float(0.5));
        let config = s.config(&params).unwrap();
        assert_eq!(config.training.c2, 0.5);
        assert_eq!(s.config(&BTreeMap::new()).unwrap().training.c2, 1.0);
        assert_eq!(s.trials, 5);
        let budgetless =
            space("base = \"base.toml\"\n[space]\n\"training.c2\" = { values = [1.0] }\n").unwrap();
        assert_eq!(budgetless.trials, DEFAULT_TRIALS);
        assert!(budgetless.unread.is_empty(), "{:?}", budgetless.unread);
    }

    /// Settings the method does not read are listed, to warn of; the same
    /// settings where the method reads them are not.
    #[test]
    fn settings_the_method_does_not_read_are_said() {
        let range = "\"training.c2\" = { min = 0.1, max = 10.0, steps = 3 }";
        let unread = |head: &str| {
            space(&format!(
                "base = \"base.toml\"\n{head}\n[halving]\neta = 2\n[space]\n{range}\n"
            ))
            .unwrap()
            .unread
        };
        let random = unread("method = \"random\"");
        assert_eq!(random.len(), 2, "{random:?}");
        assert!(random[0]
            .starts_with("[halving] is read by method = \"halving\" only: this random search"));
        assert!(random[1].starts_with("`training.c2`: steps = 3 is read by a grid search only"));
        let grid = unread("method = \"grid\"\nseed = 7\ninclude_base = false");
        assert_eq!(grid.len(), 3, "{grid:?}");
        assert!(grid[1].starts_with("`seed` is read by random and halving searches only"));
        assert!(grid[2].starts_with("`include_base` is read by"));
        let halving = unread("method = \"halving\"\nseed = 7");
        assert_eq!(halving.len(), 1, "{halving:?}");
        assert!(halving[0].contains("steps = 3"));
    }

    /// [`DOMAIN_KEYS`] are the keys a [`Domain`] table may hold, all of
    /// them (a key added to `Domain` and not here would be taken for a
    /// nested config key).
    #[test]
    fn the_domain_keys_are_domains_fields() {
        let full = Domain {
            values: Some(vec![toml::Value::Integer(1)]),
            min: Some(0.0),
            max: Some(1.0),
            log: true,
            integer: true,
            steps: Some(2),
        };
        let toml::Value::Table(t) = toml::Value::try_from(full).unwrap() else {
            panic!("a domain is a table");
        };
        let mut keys: Vec<&str> = t.keys().map(String::as_str).collect();
        let mut expected = DOMAIN_KEYS.to_vec();
        keys.sort_unstable();
        expected.sort_unstable();
        assert_eq!(keys, expected);
    }

    /// Keys written as TOML dotted keys, which TOML nests, mean the
    /// dotted names; a name given twice, or a nested key no config has, is
    /// refused.
    #[test]
    fn unquoted_dotted_keys_name_config_keys() {
        let quoted = space(
            "base = \"base.toml\"\n[space]\n\"training.c2\" = { min = 0.5, max = 2.0 }\n\"features.window\" = { values = [1, 2] }\n",
        )
        .unwrap();
        for text in [
            "base = \"base.toml\"\n[space]\ntraining.c2 = { min = 0.5, max = 2.0 }\nfeatures.window = { values = [1, 2] }\n",
            "base = \"base.toml\"\n[space.training]\nc2 = { min = 0.5, max = 2.0 }\n[space.features]\nwindow = { values = [1, 2] }\n",
        ] {
            let s = space(text).unwrap();
            assert_eq!(s.keys, quoted.keys, "{text}");
        }
        let err = space(
            "base = \"base.toml\"\n[space]\ntraining.c2 = { values = [1.0] }\n\"training.c2\" = { values = [2.0] }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("[space] names training.c2 twice"), "{err}");
        let err = space("base = \"base.toml\"\n[space]\ntraining.c3 = { values = [1.0] }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("training.c3") && err.contains("unknown field `c3`"),
            "{err}"
        );
        // With keys unquoted, another mistake is blamed on itself too.
        for (text, says) in [
            (
                "[space]\ntraining.c2 = { min = 0.5, max = 2.0, stpes = 3 }\n",
                "unknown field `stpes`",
            ),
            (
                "trials = \"x\"\n[space]\ntraining.c2 = { values = [1.0] }\n",
                "trials",
            ),
            (
                "[space.features]\nwindow = { values = [1, 2], stpes = 3 }\n",
                "unknown field `stpes`",
            ),
        ] {
            let err = space(&format!("base = \"base.toml\"\n{text}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says) && err.contains("joined"), "{err}");
        }
        // (A misspelt domain key is still blamed on itself, with its line.)
        let err = space("base = \"base.toml\"\n[space]\n\"training.c2\" = { mni = 1.0 }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("unknown field `mni`"),
            "{err}"
        );
    }

    #[test]
    fn bad_spaces_are_refused_with_the_key() {
        let base = "base = \"base.toml\"\ntrials = 5\n[space]\n";
        for (entry, expected) in [
            ("\"training.c3\" = { values = [1.0] }", "unknown field `c3`"),
            ("\"training.c2\" = { min = -1.0, max = 1.0 }", "training.c2"),
            (
                "\"features.hash_bits\" = { min = 18, max = 40, integer = true }",
                "hash_bits",
            ),
            (
                "\"training.c2\" = { min = 0.0, max = 1.0, log = true }",
                "min > 0",
            ),
            ("\"training.c2\" = { values = [] }", "`values` is empty"),
            (
                "\"training.max_iterations\" = { min = 1, max = 1e300, integer = true }",
                "at most to ±2^53",
            ),
            (
                "\"training.c2\" = { min = 0.1, max = 1.0, steps = 10001 }",
                "steps = 10001 (expected at most 10000)",
            ),
            (
                "\"training\" = { values = [{ c2 = 1.0 }] }",
                "a value is a table",
            ),
            ("\"training.c2\" = { min = 1.0 }", "both `min` and `max`"),
            (
                "\"features.window\" = { min = 1, max = 3 }",
                "add `integer = true` to its range",
            ),
            (
                "\"data.scheme\" = { min = 0, max = 1 }",
                "a range gives numbers, and the key takes a word: list its values instead",
            ),
            (
                "\"training.algorithm\" = { min = 0, max = 2, integer = true }",
                "a range gives numbers, and the key takes a word: list its values instead",
            ),
            ("\"training..c2\" = { values = [1.0] }", "not a config key"),
            (
                "\"model.x\" = { values = [1] }",
                "is a value, not a section",
            ),
        ] {
            let err = space(&format!("{base}{entry}\n")).unwrap_err().to_string();
            assert!(err.contains("space.toml"), "{err}");
            assert!(err.contains(expected), "{entry}: {err}");
            // (No line of the merged config, which no one wrote.)
            assert!(!err.contains("line"), "{entry}: {err}");
        }
        // A key given a list of its values, not a table of them: refused
        // with the line (not read as the table's fields in order), and
        // where TOML nests the key, with where its values go.
        for entry in [
            "\"training.c2\" = [0.5, 1.0]",
            "\"training.c2\" = [[0.5, 1.0]]",
            "\"training.c2\" = []",
        ] {
            let err = space(&format!("{base}{entry}\n")).unwrap_err().to_string();
            assert!(
                err.contains("line 4")
                    && err.contains(
                        "invalid type: sequence, expected a table of the values the key may take"
                    ),
                "{entry}: {err}"
            );
        }
        for entry in [
            "training.c2 = [0.5, 1.0]",
            "[space.training]\nc2 = [0.5, 1.0]",
        ] {
            let text = format!("base = \"base.toml\"\ntrials = 5\n[space]\n{entry}\n");
            let err = space(&text).unwrap_err().to_string();
            assert!(
                err.contains("unknown field `c2`")
                    && err.contains(
                        "if `training.c2` is a key to search, its values go in a table: \
                         `training.c2 = { values = [ … ] }`"
                    ),
                "{entry}: {err}"
            );
        }
        // A key given one value, not a table of them, and halving given a
        // number: said in the file's words, with the line.
        let err = space(&format!("{base}\"training.c2\" = 3.0\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 4")
                && err.contains("expected a table of the values the key may take")
                && !err.contains("Domain"),
            "{err}"
        );
        let err = space(
            "base = \"base.toml\"\nhalving = 3\n[space]\n\"training.c2\" = { values = [1.0] }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("line 2")
                && err.contains("expected a table of successive halving's settings"),
            "{err}"
        );
        let err = space(
            "base = \"base.toml\"\ntrials = 0\n[space]\n\"training.c2\" = { values = [1.0] }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("trials = 0 (expected 1 to 100000)"), "{err}");
        let err = space("base = \"base.toml\"\nmethod = \"grid\"\ntrials = 3\n[space]\n\"training.c2\" = { min = 1.0, max = 2.0 }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs `steps`"), "{err}");
        let err = space(
            "base = \"missing.toml\"\ntrials = 3\n[space]\n\"training.c2\" = { values = [1.0] }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("missing.toml"), "{err}");
        let err = space(
            "base = \"base.toml\"\ntrials = 3\n[space]\n\"training.epsilon\" = { values = [1e-5, inf] }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not finite"), "{err}");
    }
}
