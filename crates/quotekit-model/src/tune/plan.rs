//! Which trials a search runs: the configs drawn (grid points or random
//! draws, each a function of the seed and its index alone, so a resumed search
//! draws the same ones) and successive halving's rungs.

use super::space::{Method, SearchSpace};
use crate::config::ModelKind;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The config keys a trial sets, with their values.
pub type Params = BTreeMap<String, toml::Value>;

/// One training run of a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 1-based, in the order trials run.
    pub trial: usize,
    /// Index of the drawn config (0 is the base config when it is included).
    pub config: usize,
    /// Successive halving's rung (0 for grid and random).
    pub rung: usize,
    /// Iterations or epochs this trial trains for, when halving sets them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<usize>,
    /// The keys set on the base config (the resource key included).
    pub params: Params,
}

/// The config key that holds a kind's training length, which halving sets.
pub fn resource_key(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Crf => "training.max_iterations",
        ModelKind::Neural => "neural.epochs",
        ModelKind::Transformer => "transformer.epochs",
    }
}

/// The params of config `index`: the base (no keys) for index 0 when the
/// base is included, otherwise a grid point or a random draw.
pub fn params(space: &SearchSpace, index: usize) -> Params {
    let drawn = if space.include_base && space.method != Method::Grid {
        match index.checked_sub(1) {
            Some(i) => i,
            None => return Params::new(),
        }
    } else {
        index
    };
    match space.method {
        Method::Grid => grid_point(space, drawn),
        Method::Random | Method::Halving => {
            let mut rng = ChaCha8Rng::seed_from_u64(space.seed);
            rng.set_stream(drawn as u64);
            space
                .keys
                .iter()
                .map(|(key, domain)| (key.clone(), domain.draw(rng.random::<f64>())))
                .collect()
        }
    }
}

/// Number of grid points (the product of the keys' point counts).
pub fn grid_size(space: &SearchSpace) -> usize {
    space
        .keys
        .iter()
        .map(|(_, d)| d.grid().len())
        .fold(1usize, |a, n| a.saturating_mul(n))
}

/// Grid point `index`, the last key varying fastest.
fn grid_point(space: &SearchSpace, mut index: usize) -> Params {
    let mut params = Params::new();
    for (key, domain) in space.keys.iter().rev() {
        let points = domain.grid();
        params.insert(key.clone(), points[index % points.len()].clone());
        index /= points.len();
    }
    params
}

/// The rungs of successive halving: (configs, resource) for each, within a
/// budget of `trials` training runs; the last rung trains `max_resource`.
pub fn rungs(
    trials: usize,
    eta: usize,
    min_resource: usize,
    max_resource: usize,
) -> Vec<(usize, usize)> {
    let mut resources = Vec::new();
    let mut r = min_resource;
    // Each rung `eta` times longer than the one before; the last trains
    // `max_resource`, at least `eta` times the rung before it when it can.
    while r < max_resource && (r.saturating_mul(eta) <= max_resource || resources.is_empty()) {
        resources.push(r);
        r = r.saturating_mul(eta);
    }
    resources.push(max_resource);
    // The most first-rung configs whose rungs fit the budget; then fewer
    // rungs when even one config per rung does not fit.
    loop {
        let runs = |n0: usize| -> usize {
            (0..resources.len())
                .map(|k| (n0 / eta.saturating_pow(k as u32)).max(1))
                .sum()
        };
        if runs(1) <= trials {
            let mut n0 = 1;
            while runs(n0 + 1) <= trials {
                n0 += 1;
            }
            return resources
                .iter()
                .enumerate()
                .map(|(k, &r)| ((n0 / eta.saturating_pow(k as u32)).max(1), r))
                .collect();
        }
        resources.remove(0);
    }
}

/// The number of trials `space` plans over the base config `base`: its
/// budget, or a grid's points when fewer, or the sum of successive
/// halving's rungs (which may be below the budget).
pub fn planned(space: &SearchSpace, base: &crate::config::TrainConfig) -> usize {
    match space.method {
        Method::Grid => space.trials.min(grid_size(space)),
        Method::Random => space.trials,
        Method::Halving => {
            let h = space.halving;
            rungs(space.trials, h.eta, h.min_resource, max_resource(base))
                .iter()
                .map(|(n, _)| n)
                .sum()
        }
    }
}

/// What the last rung of successive halving trains: the base config's CRF
/// iterations or epochs.
pub fn max_resource(base: &crate::config::TrainConfig) -> usize {
    match base.model {
        ModelKind::Crf => base.training.max_iterations,
        ModelKind::Neural => base.neural.epochs,
        ModelKind::Transformer => base.transformer.epochs,
    }
}

/// The first `count` trials of grid or random search.
pub fn flat(space: &SearchSpace, count: usize) -> Vec<Trial> {
    let count = match space.method {
        Method::Grid => count.min(grid_size(space)),
        _ => count,
    };
    (0..count)
        .map(|i| Trial {
            trial: i + 1,
            config: i,
            rung: 0,
            resource: None,
            params: params(space, i),
        })
        .collect()
}

/// Trials of one halving rung for the given configs.
pub fn rung(
    space: &SearchSpace,
    kind: ModelKind,
    first_trial: usize,
    rung: usize,
    resource: usize,
    configs: &[usize],
) -> Vec<Trial> {
    configs
        .iter()
        .enumerate()
        .map(|(i, &config)| {
            let mut params = params(space, config);
            params.insert(
                resource_key(kind).to_string(),
                toml::Value::Integer(resource as i64),
            );
            Trial {
                trial: first_trial + i,
                config,
                rung,
                resource: Some(resource),
                params,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn space(method: &str, extra: &str) -> SearchSpace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.toml"), "model = \"crf\"\n").unwrap();
        let path = dir.path().join("space.toml");
        std::fs::write(
            &path,
            format!(
                "base = \"base.toml\"\nmethod = \"{method}\"\ntrials = 10\n{extra}[space]\n\
                 \"training.c2\" = {{ min = 0.1, max = 10.0, log = true, steps = 3 }}\n\
                 \"features.window\" = {{ values = [1, 2] }}\n"
            ),
        )
        .unwrap();
        SearchSpace::load(Path::new(&path), &[]).unwrap()
    }

    #[test]
    fn random_draws_depend_on_seed_and_index_only() {
        let s = space("random", "");
        let a = flat(&s, 6);
        assert!(a[0].params.is_empty(), "trial 1 is the base config");
        assert_eq!(
            flat(&s, 3),
            a[..3].to_vec(),
            "a shorter run draws the same first trials"
        );
        assert_ne!(a[1].params, a[2].params);
        let other = space("random", "seed = 2\n");
        assert_ne!(
            flat(&other, 6)[1].params,
            a[1].params,
            "another seed draws others"
        );
        for t in &a[1..] {
            let c2 = t.params["training.c2"].as_float().unwrap();
            assert!((0.1..=10.0).contains(&c2));
        }
    }

    #[test]
    fn a_grid_covers_every_combination_once() {
        let s = space("grid", "");
        assert_eq!(grid_size(&s), 6);
        let trials = flat(&s, 100);
        assert_eq!(trials.len(), 6);
        let distinct: std::collections::BTreeSet<String> =
            trials.iter().map(|t| format!("{:?}", t.params)).collect();
        assert_eq!(distinct.len(), 6);
        // Keys in name order, the last varying fastest.
        assert_eq!(trials[2].params["features.window"].as_integer(), Some(1));
        assert_eq!(trials[3].params["features.window"].as_integer(), Some(2));
        assert_ne!(
            trials[0].params["training.c2"],
            trials[1].params["training.c2"]
        );
    }

    #[test]
    fn halving_rungs_fit_the_budget() {
        // 100 iterations from 10 with eta 3: rungs at 10, 30 and 100 (not
        // 90 then 100).
        let r = rungs(20, 3, 10, 100);
        assert_eq!(r, vec![(14, 10), (4, 30), (1, 100)]);
        // A budget too small for every rung drops the shortest ones.
        assert_eq!(rungs(2, 3, 10, 100), vec![(1, 30), (1, 100)]);
        assert_eq!(rungs(4, 2, 50, 100), vec![(3, 50), (1, 100)]);
        // A first rung as long as the last: one rung, plain random search.
        assert_eq!(rungs(5, 3, 100, 100), vec![(5, 100)]);
    }
}
