//! Training the CRF: features are extracted once, then L-BFGS minimises the
//! L2-regularised negative log-likelihood ([`crate::crf::objective`]),
//! started from a few epochs of SGD, or SGD or an averaged perceptron runs
//! alone. Dev exact micro F1 is checked every `eval_every` iterations and the
//! best weights are kept.

use crate::config::{Checked, ModelKind};
use crate::crf::config::{Algorithm, SequenceUnit, WarmStart};
use crate::crf::lbfgs::{minimize, LbfgsSettings, Stop};
use crate::crf::model::{CrfModel, Layout, Weights};
use crate::crf::objective::{compact_features, objective, prepare_crf, Buffers, CrfDocument};
use crate::crf::perceptron::perceptron;
use crate::crf::sgd::sgd;
use crate::crf::tagger::{scored, CrfTagger};
use crate::error::ModelError;
use crate::features::extractor::FeatureExtractor;
use crate::features::lexicon::Lexicon;
use crate::training::data::{exact_f1, training_tokens};
use crate::training::events::{TrainEvent, TrainReport};
use crate::training::options::Interrupt;
use crate::training::run_state::EarlyStopping;
use quotekit_data::{Document, TagSet};
use std::time::Instant;

/// Trains a CRF on `train_docs` as `config` says, with early stopping on
/// `dev_docs` when there are any; returns the tagger and a run summary.
pub fn train(
    config: &Checked,
    tags: &TagSet,
    train_docs: Vec<Document>,
    dev_docs: &[Document],
    cues: Lexicon,
    interrupt: &Interrupt,
    on_event: impl FnMut(&TrainEvent),
) -> Result<(CrfTagger, TrainReport), ModelError> {
    config.expect_model(ModelKind::Crf)?;
    let extractor = FeatureExtractor::with_lexicon(&config.features, cues);
    let unit = config.data.sequence;
    let started = Instant::now();
    let mut train = prepare_crf(train_docs, &extractor, tags, unit);
    let mut dev = prepare_crf(dev_docs.to_vec(), &extractor, tags, unit);
    let feature_seconds = started.elapsed().as_secs_f64();
    let layout = Layout {
        buckets: extractor.buckets(),
        labels: tags.len(),
    };
    let (model, report) = train_crf(
        config,
        layout,
        tags,
        &mut train,
        &mut dev,
        feature_seconds,
        interrupt,
        on_event,
    )?;
    let tagger = CrfTagger {
        extractor,
        model,
        unit,
    };
    Ok((tagger, report))
}

/// Exact micro F1 of `weights` on prepared documents.
pub fn dev_f1<T: Copy + Into<f64> + Sync>(
    weights: &Weights<'_, T>,
    dev: &[CrfDocument],
    unit: SequenceUnit,
    tags: &TagSet,
    outside_penalty: f64,
) -> f64 {
    exact_f1(dev, weights.chain, tags, outside_penalty, |_, d| {
        Ok(scored(weights, &d.inputs.features, &d.tokens, unit))
    })
    .expect("scoring a CRF sequence cannot fail")
}

/// Trains a CRF on prepared data (whose features are renumbered in place to the
/// buckets training uses). `dev` drives early stopping when non-empty;
/// `interrupt` stops the run after the iteration under way.
#[allow(clippy::too_many_arguments)] // the corpora, their layout, the settings and the run's hooks
pub fn train_crf(
    config: &Checked,
    full: Layout,
    tags: &TagSet,
    train: &mut [CrfDocument],
    dev: &mut [CrfDocument],
    feature_seconds: f64,
    interrupt: &Interrupt,
    mut on_event: impl FnMut(&TrainEvent),
) -> Result<(CrfModel, TrainReport), ModelError> {
    let active = compact_features(train, dev, full.buckets, config.training.min_count);
    let layout = Layout {
        buckets: active.len(),
        labels: full.labels,
    };
    let (train, dev) = (&*train, &*dev);
    let tokens = training_tokens(train)?;
    if active.is_empty() {
        return Err(ModelError::Training(format!(
            "no feature occurs training.min_count = {} times in the training data: \
             the model would tag nothing; lower training.min_count",
            config.training.min_count
        )));
    }
    on_event(&TrainEvent::Prepared {
        documents: train.len(),
        tokens,
        seconds: feature_seconds,
    });
    let t = &config.training;
    let unit = config.data.sequence;
    let started = Instant::now();
    let mut params = vec![0.0; layout.len()];
    let mut best: Option<Vec<f64>> = None;
    let mut stopping = EarlyStopping::default();
    let mut iterations = 0usize;
    // Evaluates on dev; returns false when patience runs out.
    let mut checkpoint = |iteration: usize,
                          params: &[f64],
                          loss: f64,
                          on_event: &mut dyn FnMut(&TrainEvent)|
     -> bool {
        iterations = iteration;
        let evaluate = !dev.is_empty()
            && t.eval_every > 0
            && (iteration.is_multiple_of(t.eval_every) || iteration == t.max_iterations);
        let f1 = evaluate.then(|| {
            dev_f1(
                &Weights::from_flat(layout, params),
                dev,
                unit,
                tags,
                config.decoding.outside_penalty,
            )
        });
        on_event(&TrainEvent::Iteration {
            iteration,
            max: t.max_iterations,
            loss,
            dev_f1: f1,
        });
        if interrupt.is_set() {
            return false;
        }
        if f1.is_some() {
            if stopping.record(iteration, f1) {
                best = Some(params.to_vec());
            } else if stopping.exhausted(t.patience) {
                return false;
            }
        }
        true
    };
    let stop = match t.algorithm {
        Algorithm::Lbfgs => {
            let settings = LbfgsSettings {
                history: t.history,
                max_iterations: t.max_iterations,
                epsilon: t.epsilon,
                period: 10,
                max_line_search: 20,
            };
            let mut buffers = Buffers::new(layout);
            let mut evaluations = 0usize;
            match (t.warm_start, t.warm_start_epochs) {
                (_, 0) | (WarmStart::None, _) => {}
                (WarmStart::Sgd, epochs) => {
                    sgd(
                        &mut params,
                        layout,
                        train,
                        t.c2,
                        epochs,
                        t.seed,
                        |_, _, _| !interrupt.is_set(),
                    );
                }
                (WarmStart::Perceptron, epochs) => {
                    // Averaged-perceptron weights, rescaled to the lowest objective.
                    perceptron(&mut params, layout, train, epochs, t.seed, |_, _, _| {
                        !interrupt.is_set()
                    });
                    let mut g = vec![0.0; layout.len()];
                    let mut best = (f64::INFINITY, 0.0);
                    for scale in [0.003, 0.01, 0.03, 0.1, 0.3] {
                        let scaled: Vec<f64> = params.iter().map(|p| p * scale).collect();
                        let f = objective(layout, train, t.c2, &scaled, &mut g, &mut buffers);
                        if f < best.0 {
                            best = (f, scale);
                        }
                    }
                    params.iter_mut().for_each(|p| *p *= best.1);
                }
            }
            let stop = minimize(
                &mut params,
                |x, g| {
                    evaluations += 1;
                    objective(layout, train, t.c2, x, g, &mut buffers)
                },
                &settings,
                |k, fx, x| checkpoint(k, x, fx, &mut on_event),
            );
            format!("{stop:?} after {evaluations} objective evaluations")
        }
        Algorithm::Sgd => {
            sgd(
                &mut params,
                layout,
                train,
                t.c2,
                t.max_iterations,
                t.seed,
                |k, loss, x| checkpoint(k, x, loss, &mut on_event),
            );
            format!("{:?}", Stop::MaxIterations)
        }
        Algorithm::Perceptron => {
            perceptron(
                &mut params,
                layout,
                train,
                t.max_iterations,
                t.seed,
                |k, errors, x| checkpoint(k, x, errors, &mut on_event),
            );
            format!("{:?}", Stop::MaxIterations)
        }
    };
    interrupt.check()?;
    let (best_dev_f1, best_iteration, params) = match best {
        Some(p) => (stopping.best_f1, stopping.best_epoch, p),
        None => (None, iterations, params),
    };
    let report = TrainReport {
        iterations,
        best_iteration,
        best_dev_f1,
        stop,
        documents: train.len(),
        tokens,
        feature_seconds,
        train_seconds: started.elapsed().as_secs_f64(),
    };
    Ok((
        CrfModel::from_flat(layout, &params).expand(&active, full.buckets),
        report,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TrainConfig;
    use crate::crf::objective::{objective, Buffers};
    use crate::features::config::FeatureConfig;
    use quotekit_data::{CharSpan, Role, Span, TagScheme};
    use rand::SeedableRng;

    fn tiny_data(hash_bits: u32) -> (Vec<CrfDocument>, Layout, TagSet) {
        let mut a = Document::new("a", "“Yes,” Ann said. Bob thinks so.");
        a.spans = vec![
            Span {
                id: "T1".into(),
                role: Role::Content,
                fragments: vec![CharSpan::new(0, 6)],
                name: None,
            },
            Span {
                id: "T2".into(),
                role: Role::Source,
                fragments: vec![CharSpan::new(7, 10)],
                name: None,
            },
            Span {
                id: "T3".into(),
                role: Role::Cue,
                fragments: vec![CharSpan::new(11, 15)],
                name: None,
            },
        ];
        let b = Document::new("b", "Nothing here.");
        let config = FeatureConfig {
            hash_bits,
            ..FeatureConfig::default()
        };
        let extractor = FeatureExtractor::new(&config).unwrap();
        let tags = TagSet::new(TagScheme::Bio);
        let data = prepare_crf(vec![a, b], &extractor, &tags, SequenceUnit::Document);
        let layout = Layout {
            buckets: 1 << hash_bits,
            labels: tags.len(),
        };
        (data, layout, tags)
    }

    #[test]
    fn gradient_matches_finite_differences() {
        use rand::RngExt;
        let (data, layout, _) = tiny_data(6);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let params: Vec<f64> = (0..layout.len())
            .map(|_| rng.random_range(-0.5..0.5))
            .collect();
        let mut grad = vec![0.0; layout.len()];
        let c2 = 0.3;
        let mut buffers = Buffers::new(layout);
        objective(layout, &data, c2, &params, &mut grad, &mut buffers);
        let h = 1e-6;
        let mut scratch = vec![0.0; layout.len()];
        // Check a spread of coordinates: state, transition, start and end.
        let mut checked = 0;
        for i in (0..layout.len())
            .step_by(7)
            .chain(layout.transition()..layout.len())
        {
            let mut plus = params.clone();
            plus[i] += h;
            let mut minus = params.clone();
            minus[i] -= h;
            let numeric = (objective(layout, &data, c2, &plus, &mut scratch, &mut buffers)
                - objective(layout, &data, c2, &minus, &mut scratch, &mut buffers))
                / (2.0 * h);
            assert!(
                (numeric - grad[i]).abs() < 1e-5 * (1.0 + numeric.abs()),
                "param {i}: {numeric} vs {}",
                grad[i]
            );
            checked += 1;
        }
        assert!(checked > 100);
    }

    #[test]
    fn lbfgs_and_perceptron_fit_a_tiny_corpus_deterministically() {
        let (data, layout, tags) = tiny_data(12);
        for algorithm in [Algorithm::Lbfgs, Algorithm::Sgd, Algorithm::Perceptron] {
            let mut config = TrainConfig::default();
            config.training.algorithm = algorithm;
            config.training.c2 = 0.01;
            config.training.max_iterations = 60;
            let config = config.check().unwrap();
            let run = || {
                let (mut train, mut dev) = (data.clone(), data.clone());
                let interrupt = Interrupt::default();
                train_crf(
                    &config,
                    layout,
                    &tags,
                    &mut train,
                    &mut dev,
                    0.0,
                    &interrupt,
                    |_| {},
                )
                .unwrap()
            };
            let (model, report) = run();
            assert_eq!(report.best_dev_f1, Some(1.0), "{algorithm:?}: {report:?}");
            let (again, _) = run();
            assert_eq!(model, again, "{algorithm:?} is deterministic");
        }
    }
}
