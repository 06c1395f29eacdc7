//! The values one key of a search may take ([`Domain`]: a list, or a range
//! drawn from or cut into grid points), how a search chooses among them
//! ([`Method`]), and the checks every value of a space passes before the
//! first trial: the base config's model kind reads the key (`unread`), and
//! each value a trial can take makes a valid config with some values of the
//! other keys (`values_fit`).
//! The file runs over 500 lines (about 830) with its tests: a domain's draws, grid points and the checks of its values are read together.

use crate::config::{ModelKind, TrainConfig};
use crate::error::ModelError;
use serde::{Deserialize, Serialize};

/// How trials are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Every combination of the keys' values, in order (ranges need `steps`).
    Grid,
    /// Independent random draws, each from its own seed.
    #[default]
    Random,
    /// Successive halving: many random configs trained briefly, the best
    /// `1/eta` of each rung trained `eta` times longer.
    Halving,
}

/// The values one key may take.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// A list to choose from (any TOML values); excludes `min`/`max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<toml::Value>>,
    /// Lower end of a range (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper end of a range (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Draw on a log scale (both ends above zero).
    #[serde(default)]
    pub log: bool,
    /// Round draws to whole numbers (written as TOML integers).
    #[serde(default)]
    pub integer: bool,
    /// Grid points of a range (evenly spaced, on a log scale with `log`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
}

impl Domain {
    /// The value at `u` in `[0, 1)` (a random draw).
    pub fn draw(&self, u: f64) -> toml::Value {
        if let Some(values) = &self.values {
            let i = ((u * values.len() as f64) as usize).min(values.len() - 1);
            return values[i].clone();
        }
        let (lo, hi) = (self.min.unwrap_or(0.0), self.max.unwrap_or(0.0));
        if self.integer {
            // Every whole number of the range equally likely (or, with `log`,
            // spread evenly on the log scale).
            let (a, b) = (lo.ceil(), hi.floor());
            let x = if self.log {
                ((a - 0.5).max(f64::MIN_POSITIVE).ln()
                    + u * ((b + 0.5).ln() - (a - 0.5).max(f64::MIN_POSITIVE).ln()))
                .exp()
            } else {
                a - 0.5 + u * (b - a + 1.0)
            };
            return toml::Value::Integer(x.round().clamp(a, b) as i64);
        }
        toml::Value::Float(self.point(u, lo, hi))
    }

    fn point(&self, u: f64, lo: f64, hi: f64) -> f64 {
        // (A log range's ends may come back a unit in the last place off,
        // `1e-1` as 0.10000000000000002: grid points are computed as they
        // always were, so that a search of an earlier version resumes.)
        if self.log {
            (lo.ln() + u * (hi.ln() - lo.ln())).exp()
        } else {
            lo + u * (hi - lo)
        }
    }

    /// The grid points: the list, or `steps` points from `min` to `max`.
    pub fn grid(&self) -> Vec<toml::Value> {
        if let Some(values) = &self.values {
            return values.clone();
        }
        let (lo, hi) = (self.min.unwrap_or(0.0), self.max.unwrap_or(0.0));
        let steps = self.steps.unwrap_or(1).max(1);
        let mut points: Vec<toml::Value> = (0..steps)
            .map(|i| {
                let u = if steps == 1 {
                    0.0
                } else {
                    i as f64 / (steps - 1) as f64
                };
                let x = self.point(u, lo, hi);
                if self.integer {
                    // (Rounded into the range: `min = 4.6` is 5, not 4.)
                    toml::Value::Integer(x.round().clamp(lo.ceil(), hi.floor()) as i64)
                } else {
                    toml::Value::Float(x)
                }
            })
            .collect();
        points.dedup();
        points
    }

    /// The smallest and largest values (checked against the config before
    /// the search starts): a list's values, a range's ends as written (a
    /// fractional range's top is never drawn: [`Domain::below_top`]).
    pub(crate) fn extremes(&self) -> Vec<toml::Value> {
        match &self.values {
            Some(values) => values.clone(),
            None if self.integer => {
                let mut ends = vec![self.draw(0.0), self.draw(1.0 - f64::EPSILON)];
                ends.dedup();
                ends
            }
            None => {
                let (lo, hi) = (self.min.unwrap_or(0.0), self.max.unwrap_or(0.0));
                let mut ends = vec![toml::Value::Float(lo), toml::Value::Float(hi)];
                ends.dedup();
                ends
            }
        }
    }

    /// For the top of a fractional range, the largest value a random draw
    /// gives (just below it: `max = 1.0` for a dropout, which must stay
    /// below 1, is fine for a random search).
    fn below_top(&self, method: Method, value: &toml::Value) -> Option<toml::Value> {
        let top = self.values.is_none()
            && !self.integer
            && method != Method::Grid
            && value.as_float() == self.max;
        top.then(|| self.draw(1.0 - f64::EPSILON))
    }

    pub(crate) fn check(&self, key: &str, method: Method) -> Result<(), String> {
        match (&self.values, self.min, self.max) {
            (Some(v), None, None) => {
                if v.is_empty() {
                    return Err(format!("`{key}`: `values` is empty"));
                }
                if self.log || self.integer || self.steps.is_some() {
                    return Err(format!(
                        "`{key}`: `log`, `integer` and `steps` belong to ranges, not to `values`"
                    ));
                }
                if v.iter()
                    .any(|x| matches!(x, toml::Value::Float(f) if !f.is_finite()))
                {
                    return Err(format!(
                        "`{key}`: a value is not finite (inf or nan); a trial's record could not keep it"
                    ));
                }
                if v.iter().any(toml::Value::is_table) {
                    return Err(format!(
                        "`{key}`: a value is a table; search the keys inside it one by one (`{key}.NAME`)"
                    ));
                }
            }
            (None, Some(lo), Some(hi)) => {
                if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                    return Err(format!(
                        "`{key}`: min = {lo}, max = {hi} (expected finite, min ≤ max)"
                    ));
                }
                if !(hi - lo).is_finite() {
                    return Err(format!(
                        "`{key}`: min = {lo:e}, max = {hi:e} is a range too wide to draw from (max − min overflows)"
                    ));
                }
                if self.log && lo <= 0.0 {
                    return Err(format!("`{key}`: a log range needs min > 0 (min = {lo})"));
                }
                if self.integer && lo.ceil() > hi.floor() {
                    return Err(format!("`{key}`: no whole number from {lo} to {hi}"));
                }
                if self.integer && (lo.abs() > MAX_EXACT || hi.abs() > MAX_EXACT) {
                    return Err(format!(
                        "`{key}`: a whole-number range goes at most to ±2^53 (min = {lo}, max = {hi})"
                    ));
                }
                if self.steps.is_some_and(|s| s > MAX_STEPS) {
                    return Err(format!(
                        "`{key}`: steps = {} (expected at most {MAX_STEPS})",
                        self.steps.unwrap_or(0)
                    ));
                }
                if method == Method::Grid && self.steps.is_none_or(|s| s == 0) {
                    return Err(format!(
                        "`{key}`: a grid over a range needs `steps` (1 or more grid points)"
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "`{key}`: give either `values = [...]` or both `min` and `max`"
                ))
            }
        }
        Ok(())
    }
}

/// The most grid points of one range.
pub const MAX_STEPS: usize = 10_000;

/// Whole-number ranges stay where f64 holds every integer.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// Sets a dotted key (`training.c2`) in a TOML table, making the tables on the way.
pub fn set(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("`{key}` is not a config key (e.g. `training.c2`)"));
    }
    let (last, path) = parts.split_last().expect("split gives one part at least");
    let mut at = table;
    for part in path {
        let entry = at
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        at = match entry {
            toml::Value::Table(t) => t,
            _ => return Err(format!("`{key}`: `{part}` is a value, not a section")),
        };
    }
    at.insert(last.to_string(), value);
    Ok(())
}

/// Why the base config's model kind `kind` does not read `key`, if it does
/// not: its trials would all train the same model.
pub(crate) fn unread(kind: ModelKind, key: &str) -> Option<String> {
    if key == "model" {
        return Some(
            "the model kind is the base config's: search one kind per space (a space for each kind)"
                .into(),
        );
    }
    // (Trials scored on other dev corpora cannot be ranked against each
    // other.)
    if key == "data.dev" {
        return Some(
            "the dev corpus scores every trial, so that they can be ranked against each other: \
             set it in the base config or with --dev, and run one search per dev corpus"
                .into(),
        );
    }
    let section = key.split('.').next().unwrap_or(key);
    // (A whole section, or the one key of a section that others share.)
    let what = match section {
        "data" => format!("`{key}`"),
        _ => format!("[{section}]"),
    };
    let owner = crate::config::only_kind_reading(key).filter(|&owner| owner != kind)?;
    Some(format!(
        "only the {} reads {what}; the base config trains a {} model, so every value would train the same one",
        owner.name(),
        kind.name()
    ))
}

/// The values of a key that a search's trials can take, to check: a grid's
/// points, or a range's ends and a list's values.
pub(crate) fn values_to_check(domain: &Domain, method: Method) -> Vec<toml::Value> {
    match method {
        Method::Grid => domain.grid(),
        Method::Random | Method::Halving => domain.extremes(),
    }
}

/// The most combinations of the other keys' values tried for one value.
const MAX_COMBINATIONS: usize = 4096;

/// The configs read to check a space, all its values together (a few
/// seconds): past it, the values not yet checked are let through. A value
/// stops at the first combination that fits, so only a space of thousands
/// of values that each fit late comes near it.
const MAX_CHECKS: usize = 1_000_000;

/// Checks that every value of every key (as [`values_to_check`] gives them)
/// is one the config can read on its own (`parse`: the key exists, the
/// value is of its type), then that it makes a valid config (`config_of`)
/// with some combination of the other keys' values: `Err` names the first
/// that does not, with the config's message for it. (A key is not checked
/// against the base config's value of another key the space sets:
/// `transformer.window = 32` is refused with the base's stride of 48 only
/// when no stride of the space fits it. Where the other keys make more than
/// [`MAX_COMBINATIONS`] combinations, that many are tried: each key's first
/// values, its last values, and a sample ([`sampled`]); a value none of
/// them fits is refused, and the message says so. Past [`MAX_CHECKS`]
/// configs read, the values left are let through.)
pub(crate) fn values_fit(
    base: &toml::Table,
    keys: &[(String, Domain)],
    method: Method,
    parse: impl Fn(&toml::Table) -> Result<TrainConfig, ModelError>,
    config_of: impl Fn(&toml::Table) -> Result<TrainConfig, ModelError>,
) -> Result<(), String> {
    let values: Vec<Vec<toml::Value>> = keys
        .iter()
        .map(|(_, d)| values_to_check(d, method))
        .collect();
    // (First each value alone, so that a misspelt key is blamed on itself,
    // not on the keys tried beside it.)
    for ((key, domain), values) in keys.iter().zip(&values) {
        for value in values {
            let mut table = base.clone();
            set(&mut table, key, value.clone())?;
            if let Err(e) = parse(&table) {
                return Err(refusal(key, domain, value, e, ""));
            }
        }
    }
    let mut read = 0usize;
    for (k, (key, domain)) in keys.iter().enumerate() {
        // (Whether the other keys' values make few enough combinations to
        // try them all.)
        let exhaustive = values
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != k)
            .try_fold(1usize, |n, (_, v)| {
                n.checked_mul(v.len()).filter(|&n| n <= MAX_COMBINATIONS)
            })
            .is_some();
        for value in &values[k] {
            if read > MAX_CHECKS {
                return Ok(());
            }
            let mut first_error = None;
            let mut fits = false;
            let tried = std::iter::once(value.clone()).chain(domain.below_top(method, value));
            'values: for value in tried {
                let combinations: Box<dyn Iterator<Item = Vec<(usize, &toml::Value)>>> =
                    if exhaustive {
                        Box::new(Combinations::new(&values, k))
                    } else {
                        Box::new(sampled(&values, k, MAX_COMBINATIONS))
                    };
                for combination in combinations {
                    let mut table = base.clone();
                    for (j, v) in &combination {
                        set(&mut table, &keys[*j].0, (*v).clone())?;
                    }
                    set(&mut table, key, value.clone())?;
                    read += 1;
                    match config_of(&table) {
                        Ok(_) => {
                            fits = true;
                            break 'values;
                        }
                        Err(e) => {
                            first_error.get_or_insert((e, combination));
                        }
                    }
                }
            }
            if fits {
                continue;
            }
            let Some((e, combination)) = first_error else {
                continue;
            };
            let others = if combination.is_empty() {
                String::new()
            } else {
                let set: Vec<String> = combination
                    .iter()
                    .map(|(j, v)| format!("`{}` = {v}", keys[*j].0))
                    .collect();
                let none = if exhaustive {
                    "no combination of the other keys' values makes it valid".to_string()
                } else {
                    format!(
                        "none of {MAX_COMBINATIONS} combinations of the other keys' values tried \
                         (their first values, their last values, and a sample), makes it valid"
                    )
                };
                format!(" (with {}; {none})", set.join(", "))
            };
            return Err(refusal(key, domain, value, e, &others));
        }
    }
    Ok(())
}

/// The refusal of `key` = `value`, with the config's message `e` and what
/// else was tried (`others`).
fn refusal(key: &str, domain: &Domain, value: &toml::Value, e: ModelError, others: &str) -> String {
    let message = match e {
        ModelError::Config { message, .. } => message,
        other => other.to_string(),
    };
    // (A range draws fractions unless told otherwise.)
    let whole = message.contains("floating point")
        && (message.contains("expected u") || message.contains("expected i"));
    // (serde's words for a number where a word goes: `invalid type: …,
    // expected string` or `… variant`.)
    let words = domain.values.is_none()
        && message.contains("invalid type")
        && (message.contains("expected string") || message.contains("variant"));
    let (message, hint) = if whole && !domain.integer {
        (
            message,
            "; the key takes whole numbers: add `integer = true` to its range",
        )
    } else if words {
        (
            "a range gives numbers, and the key takes a word".to_string(),
            ": list its values instead (`values = [\"…\", \"…\"]`)",
        )
    } else {
        (message, "")
    };
    format!("`{key}` = {}: {message}{hint}{others}", shown(value))
}

/// A value as a message shows it (a float with the digits it needs).
fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::Float(f) => format!("{f}"),
        other => other.to_string(),
    }
}

/// `n` combinations of one value of each key but `skip`: the first values,
/// the last values, then a Latin hypercube sample (each key's values cut into `n - 2` equal
/// strata, each stratum drawn once, in an order shuffled per key), so that
/// every part of every key's values is tried (seeded by `skip`: the same
/// space is checked the same way).
fn sampled(
    values: &[Vec<toml::Value>],
    skip: usize,
    n: usize,
) -> impl Iterator<Item = Vec<(usize, &toml::Value)>> {
    use rand::seq::SliceRandom;
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(skip as u64);
    // (A key with no values makes no combination: Combinations gives none.)
    let strata = if values.iter().all(|v| !v.is_empty()) {
        n.saturating_sub(2)
    } else {
        0
    };
    let orders: Vec<Vec<usize>> = values
        .iter()
        .map(|_| {
            let mut order: Vec<usize> = (0..strata).collect();
            order.shuffle(&mut rng);
            order
        })
        .collect();
    let last: Vec<(usize, &toml::Value)> = values
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != skip)
        .filter_map(|(j, v)| Some((j, v.last()?)))
        .collect();
    Combinations::new(values, skip)
        .take(1)
        .chain((strata > 0).then_some(last))
        .chain((0..strata).map(move |i| {
            values
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != skip)
                .map(|(j, v)| {
                    let at = (orders[j][i] as f64 + rng.random::<f64>()) / strata as f64;
                    (j, &v[((at * v.len() as f64) as usize).min(v.len() - 1)])
                })
                .collect()
        }))
}

/// Every combination of one value of each key but `skip`, the first values
/// first.
struct Combinations<'v> {
    values: &'v [Vec<toml::Value>],
    skip: usize,
    /// The position in each key's values of the next combination; `None`
    /// when done.
    at: Option<Vec<usize>>,
}

impl<'v> Combinations<'v> {
    fn new(values: &'v [Vec<toml::Value>], skip: usize) -> Self {
        let empty = values
            .iter()
            .enumerate()
            .any(|(j, v)| j != skip && v.is_empty());
        Self {
            values,
            skip,
            at: (!empty).then(|| vec![0; values.len()]),
        }
    }
}

impl<'v> Iterator for Combinations<'v> {
    type Item = Vec<(usize, &'v toml::Value)>;

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.at.as_mut()?;
        let item = at
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != self.skip)
            .map(|(j, &i)| (j, &self.values[j][i]))
            .collect();
        // The next: the last key's value varies fastest.
        let mut j = at.len();
        loop {
            if j == 0 {
                self.at = None;
                break;
            }
            j -= 1;
            if j == self.skip {
                continue;
            }
            at[j] += 1;
            if at[j] < self.values[j].len() {
                break;
            }
            at[j] = 0;
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(values: &[i64]) -> Domain {
        Domain {
            values: Some(values.iter().map(|&v| toml::Value::Integer(v)).collect()),
            ..Domain::default()
        }
    }

    #[test]
    fn combinations_cover_every_other_key_once_each() {
        let values = vec![
            vec![toml::Value::Integer(1), toml::Value::Integer(2)],
            vec![toml::Value::Integer(7)],
            vec![toml::Value::Integer(3), toml::Value::Integer(4)],
        ];
        let got: Vec<Vec<i64>> = Combinations::new(&values, 1)
            .map(|c| c.iter().map(|(_, v)| v.as_integer().unwrap()).collect())
            .collect();
        assert_eq!(got, [[1, 3], [1, 4], [2, 3], [2, 4]]);
        let alone = vec![vec![toml::Value::Integer(1)]];
        assert_eq!(Combinations::new(&alone, 0).count(), 1);
    }

    /// A stand-in for reading a config: every table reads.
    fn parse(_: &toml::Table) -> Result<TrainConfig, ModelError> {
        TrainConfig::from_toml("")
    }

    /// A value is refused only when no value of the other keys fits it.
    #[test]
    fn a_value_is_checked_with_the_other_keys_values() {
        // (A stand-in for the config's checks: b must be below a.)
        let config_of = |t: &toml::Table| {
            let get = |k: &str| t["s"][k].as_integer().unwrap();
            if get("b") < get("a") {
                TrainConfig::from_toml("")
            } else {
                Err(ModelError::config(format!(
                    "s.b = {} (expected below s.a)",
                    get("b")
                )))
            }
        };
        let mut base = toml::Table::new();
        set(&mut base, "s.a", toml::Value::Integer(10)).unwrap();
        set(&mut base, "s.b", toml::Value::Integer(48)).unwrap();
        let keys = vec![
            ("s.a".to_string(), domain(&[32, 64])),
            ("s.b".to_string(), domain(&[16])),
        ];
        assert_eq!(
            values_fit(&base, &keys, Method::Grid, parse, config_of),
            Ok(())
        );
        let keys = vec![
            ("s.a".to_string(), domain(&[8, 64])),
            ("s.b".to_string(), domain(&[16])),
        ];
        let e = values_fit(&base, &keys, Method::Grid, parse, config_of).unwrap_err();
        assert_eq!(
            e,
            "`s.a` = 8: s.b = 16 (expected below s.a) (with `s.b` = 16; no combination of the other keys' values makes it valid)"
        );
    }

    /// A value no combination fits is refused however many combinations the
    /// other keys make (past the most tried, from a sample of them), and a
    /// space of thousands of values per key is checked all the same.
    #[test]
    fn a_value_is_refused_past_the_combinations_tried() {
        // (b below a, and c at least 0, as the config's checks would say.)
        let config_of = |t: &toml::Table| {
            let get = |k: &str| t["s"][k].as_integer().unwrap();
            if get("c") < 0 {
                Err(ModelError::config(format!(
                    "s.c = {} (expected ≥ 0)",
                    get("c")
                )))
            } else if get("b") >= get("a") {
                Err(ModelError::config(format!(
                    "s.b = {} (expected below s.a)",
                    get("b")
                )))
            } else {
                TrainConfig::from_toml("")
            }
        };
        let many: Vec<i64> = (1..=9).collect();
        let mut keys: Vec<(String, Domain)> =
            (0..5).map(|i| (format!("s.k{i}"), domain(&many))).collect();
        keys.push(("s.c".to_string(), domain(&[-1, 1])));
        let mut base = toml::Table::new();
        set(&mut base, "s.a", toml::Value::Integer(2)).unwrap();
        set(&mut base, "s.b", toml::Value::Integer(1)).unwrap();
        // (9^5 = 59,049 combinations of the other keys for `s.c`.)
        let e = values_fit(&base, &keys, Method::Grid, parse, config_of).unwrap_err();
        assert!(e.starts_with("`s.c` = -1: s.c = -1 (expected ≥ 0)"), "{e}");
        assert!(e.contains("none of 4096 combinations"), "{e}");
        // A grid of 10,001 × 8,001 points where every b is at least every a.
        let range = |min: f64, max: f64, steps: usize| Domain {
            min: Some(min),
            max: Some(max),
            integer: true,
            steps: Some(steps),
            ..Domain::default()
        };
        let keys = vec![
            ("s.a".to_string(), range(1000.0, 9000.0, 8001)),
            ("s.b".to_string(), range(10000.0, 20000.0, 10001)),
        ];
        set(&mut base, "s.c", toml::Value::Integer(0)).unwrap();
        let e = values_fit(&base, &keys, Method::Grid, parse, config_of).unwrap_err();
        assert!(
            e.starts_with("`s.a` = 1000: s.b = 10000 (expected below s.a)"),
            "{e}"
        );
        assert!(e.contains("none of 4096 combinations"), "{e}");
        // Where b below a holds for some a of every b and some b of every a
        // (the largest a fits every b, the smallest b every a), the sample
        // finds them: each key's first and last values are tried.
        let keys = vec![
            ("s.a".to_string(), range(1000.0, 9000.0, 8001)),
            ("s.b".to_string(), range(0.0, 8999.0, 10001)),
        ];
        assert_eq!(
            values_fit(&base, &keys, Method::Grid, parse, config_of),
            Ok(())
        );
    }

    /// `data.sequence` is the CRF's alone (the networks cut windows of their
    /// own); a range whose width overflows is refused, not drawn as inf.
    #[test]
    fn a_key_no_trial_reads_and_a_range_too_wide_are_refused() {
        let e = unread(ModelKind::Neural, "data.sequence").unwrap();
        assert!(e.starts_with("only the crf reads `data.sequence`;"), "{e}");
        assert_eq!(unread(ModelKind::Crf, "data.sequence"), None);
        assert_eq!(unread(ModelKind::Neural, "data.scheme"), None);
        let wide = Domain {
            min: Some(-1e308),
            max: Some(1e308),
            ..Domain::default()
        };
        let e = wide.check("k", Method::Random).unwrap_err();
        assert!(e.contains("too wide to draw from"), "{e}");
    }

    /// A key the config does not have is blamed on itself, not on the keys
    /// tried beside it (`features.window` was blamed for `training.c22`).
    #[test]
    fn a_misspelt_key_is_named_itself() {
        let parse = |t: &toml::Table| {
            if t.get("s").and_then(|s| s.get("c22")).is_some() {
                Err(ModelError::config("unknown field `c22`"))
            } else {
                TrainConfig::from_toml("")
            }
        };
        let keys = vec![
            ("a.w".to_string(), domain(&[1])),
            ("s.c22".to_string(), domain(&[1])),
        ];
        let e = values_fit(&toml::Table::new(), &keys, Method::Grid, parse, parse).unwrap_err();
        assert_eq!(e, "`s.c22` = 1: unknown field `c22`");
    }

    /// A fractional range's top is checked as written; a random search,
    /// which never draws it, passes when the values just below it fit (a
    /// dropout's `max = 1.0`), a grid, whose last point it is, does not.
    #[test]
    fn a_ranges_top_is_checked_as_written() {
        let config_of = |t: &toml::Table| {
            let p = t["s"]["p"].as_float().unwrap();
            if p < 1.0 {
                TrainConfig::from_toml("")
            } else {
                Err(ModelError::config(format!("s.p = {p} (expected below 1)")))
            }
        };
        let range = |max: f64, steps: Option<usize>| {
            vec![(
                "s.p".to_string(),
                Domain {
                    min: Some(0.1),
                    max: Some(max),
                    steps,
                    ..Domain::default()
                },
            )]
        };
        let base = toml::Table::new();
        assert_eq!(
            values_fit(&base, &range(1.0, None), Method::Random, parse, config_of),
            Ok(())
        );
        let e =
            values_fit(&base, &range(1.0, Some(2)), Method::Grid, parse, config_of).unwrap_err();
        assert_eq!(e, "`s.p` = 1: s.p = 1 (expected below 1)");
        let e = values_fit(&base, &range(1.5, None), Method::Random, parse, config_of).unwrap_err();
        assert_eq!(e, "`s.p` = 1.5: s.p = 1.5 (expected below 1)");
        // (A grid is checked at the points its trials train, which for a
        // log range may be a unit in the last place off its ends.)
        let log = Domain {
            min: Some(1e-2),
            max: Some(1e-1),
            log: true,
            steps: Some(3),
            ..Domain::default()
        };
        assert_eq!(values_to_check(&log, Method::Grid), log.grid());
    }

    #[test]
    fn keys_the_model_kind_does_not_read_are_named() {
        assert!(unread(ModelKind::Neural, "model").is_some());
        let why = unread(ModelKind::Crf, "data.dev").unwrap();
        assert!(
            why.starts_with("the dev corpus scores every trial"),
            "{why}"
        );
        assert_eq!(unread(ModelKind::Crf, "data.train"), None);
        assert!(unread(ModelKind::Neural, "transformer.dropout")
            .is_some_and(|m| m.contains("only the transformer reads [transformer]")));
        assert!(unread(ModelKind::Transformer, "neural.network.hidden").is_some());
        assert!(unread(ModelKind::Neural, "training.c2").is_some());
        assert_eq!(unread(ModelKind::Neural, "training.threads"), None);
        assert!(unread(ModelKind::Neural, "features.hash_bits")
            .is_some_and(|m| m.contains("only the crf reads [features]")));
        assert_eq!(unread(ModelKind::Transformer, "features.lexicon"), None);
        assert_eq!(unread(ModelKind::Crf, "training.c2"), None);
        assert_eq!(unread(ModelKind::Crf, "decoding.outside_penalty"), None);
        assert_eq!(unread(ModelKind::Transformer, "transformer.dropout"), None);
    }

    #[test]
    fn draws_stay_in_their_domain() {
        let int = Domain {
            values: None,
            min: Some(18.0),
            max: Some(22.0),
            log: false,
            integer: true,
            steps: None,
        };
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..1000 {
            match int.draw(i as f64 / 1000.0) {
                toml::Value::Integer(v) => {
                    assert!((18..=22).contains(&v));
                    seen.insert(v);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(seen.len(), 5, "every whole number is drawn");
        let log = Domain {
            integer: false,
            log: true,
            min: Some(0.01),
            max: Some(100.0),
            ..int.clone()
        };
        let below_one = (0..1000)
            .filter(|i| log.draw(*i as f64 / 1000.0).as_float().unwrap() < 1.0)
            .count();
        assert_eq!(
            below_one, 500,
            "a log range puts half its draws below the geometric mean"
        );
        let grid = Domain {
            steps: Some(5),
            ..log
        };
        let points: Vec<f64> = grid.grid().iter().map(|v| v.as_float().unwrap()).collect();
        assert_eq!(points.len(), 5);
        assert!((points[2] - 1.0).abs() < 1e-9 && (points[4] - 100.0).abs() < 1e-9);
        // Whole-number grid points round into the range, not past its ends.
        let narrow = Domain {
            min: Some(4.6),
            max: Some(5.5),
            steps: Some(2),
            ..int.clone()
        };
        assert_eq!(narrow.grid(), vec![toml::Value::Integer(5)]);
        let below = Domain {
            min: Some(-0.5),
            max: Some(2.4),
            steps: Some(3),
            ..int
        };
        let ints: Vec<i64> = below
            .grid()
            .iter()
            .map(|v| v.as_integer().unwrap())
            .collect();
        assert_eq!(ints, [0, 1, 2]);
    }

    #[test]
    fn set_makes_sections() {
        let mut t = toml::Table::new();
        set(&mut t, "a.b.c", toml::Value::Integer(3)).unwrap();
        assert_eq!(t["a"]["b"]["c"].as_integer(), Some(3));
    }
}
