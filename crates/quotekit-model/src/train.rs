//! Training the CRF: features are extracted once, then L-BFGS minimises the
//! L2-regularised negative log-likelihood (gradients computed in parallel over
//! a fixed number of document chunks and summed in order, so the model does not
//! depend on the thread count), or an averaged perceptron runs over shuffled
//! documents. Dev exact micro F1 is checked every `eval_every` iterations and
//! the best weights are kept.

use crate::annotator::{build_annotation, sequences, tag_document};
use crate::config::{Algorithm, CrfConfig, SequenceUnit, WarmStart};
use crate::crf::{CrfModel, Layout, Marginals, Weights};
use crate::error::ModelError;
use crate::eval::{exact_scores, Counts};
use crate::features::{DocumentFeatures, FeatureExtractor};
use crate::lbfgs::{minimize, LbfgsSettings, Stop};
use crate::sgd::sgd;
use quotekit_data::{encode, role_fragments, Document, TagSet, Tokenized, Tokenizer};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use std::ops::Range;
use std::time::Instant;

/// Gradient chunks: fixed, so results do not depend on the number of threads.
const CHUNKS: usize = 4;

/// A document prepared for training.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The document.
    pub document: Document,
    /// Its tokens.
    pub tokens: Tokenized,
    /// Feature ids per token.
    pub features: DocumentFeatures,
    /// Gold tag index per token.
    pub gold: Vec<u8>,
    /// CRF sequences.
    pub sequences: Vec<Range<usize>>,
}

/// Tokenizes, extracts features and encodes gold tags for every document, in parallel.
pub fn prepare(
    documents: Vec<Document>,
    tokenizer: &Tokenizer,
    extractor: &FeatureExtractor,
    tags: &TagSet,
    unit: SequenceUnit,
) -> Vec<Prepared> {
    documents
        .into_par_iter()
        .map(|document| {
            let tokens = tokenizer.tokenize(&document);
            let features = extractor.extract(&document, &tokens);
            let encoded = encode(&tokens, &role_fragments(&document), tags.scheme());
            let gold = encoded
                .tags
                .iter()
                .map(|t| tags.index(*t).expect("encode uses the scheme's tags") as u8)
                .collect();
            let sequences = sequences(&tokens, unit);
            Prepared {
                document,
                tokens,
                features,
                gold,
                sequences,
            }
        })
        .collect()
}

/// What training reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainEvent {
    /// Features are ready.
    Prepared {
        /// Training documents.
        documents: usize,
        /// Training tokens.
        tokens: usize,
        /// Seconds spent tokenizing and extracting features.
        seconds: f64,
    },
    /// One iteration (L-BFGS) or epoch (perceptron) done.
    Iteration {
        /// 1-based iteration.
        iteration: usize,
        /// Configured maximum.
        max: usize,
        /// Objective (L-BFGS) or training errors (perceptron).
        loss: f64,
        /// Dev exact micro F1, when evaluated at this iteration.
        dev_f1: Option<f64>,
    },
    /// One mini-batch of the neural trainer done.
    Batch {
        /// 1-based epoch.
        epoch: usize,
        /// Configured epochs.
        epochs: usize,
        /// 1-based batch within the epoch.
        batch: usize,
        /// Batches per epoch.
        batches: usize,
        /// Loss of this batch (mean negative log-likelihood per window).
        loss: f64,
        /// Training words per second so far in this epoch.
        words_per_second: f64,
    },
    /// One epoch of the neural trainer done.
    Epoch(crate::neural::train::EpochReport),
    /// A neural training checkpoint was written.
    Checkpoint(std::path::PathBuf),
    /// Encoder outputs computed for this many of `total` documents
    /// (`model = "encoder"` with a frozen encoder).
    Encoding {
        /// Documents done.
        done: usize,
        /// Documents to encode.
        total: usize,
    },
    /// Frozen encoder outputs were read from (or written to) this cache file.
    Cache(std::path::PathBuf),
}

/// Summary of a finished training run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainReport {
    /// Iterations run.
    pub iterations: usize,
    /// Iteration whose weights were kept.
    pub best_iteration: usize,
    /// Dev exact micro F1 of the kept weights, when there is a dev set.
    pub best_dev_f1: Option<f64>,
    /// Why training stopped.
    pub stop: String,
    /// Training documents and tokens.
    pub documents: usize,
    /// Training tokens.
    pub tokens: usize,
    /// Seconds preparing features.
    pub feature_seconds: f64,
    /// Seconds optimising.
    pub train_seconds: f64,
}

/// Exact micro F1 of `weights` on prepared documents.
pub fn dev_f1<T: Copy + Into<f64> + Sync>(
    weights: &Weights<'_, T>,
    dev: &[Prepared],
    unit: SequenceUnit,
    tags: &TagSet,
    outside_penalty: f64,
) -> f64 {
    let total = dev
        .par_iter()
        .map(|d| {
            let predicted =
                tag_document(weights, &d.features, &d.tokens, unit, tags, outside_penalty);
            let annotation = build_annotation(&d.document, &d.tokens, &predicted);
            exact_scores(&d.document, &annotation.document).micro
        })
        .collect::<Vec<Counts>>()
        .into_iter()
        .sum::<Counts>();
    total.f1()
}

/// Negative log-likelihood of one sequence; adds its gradient to `grad`.
fn sequence_loss(w: &Weights<'_, f64>, d: &Prepared, range: Range<usize>, grad: &mut [f64]) -> f64 {
    let emissions = w.emissions(&d.features, range.clone());
    let m = w.forward_backward(&emissions);
    let gold: Vec<usize> = d.gold[range.clone()].iter().map(|&g| g as usize).collect();
    let loss = m.log_z - w.path_score(&emissions, &gold);
    add_gradient(w.layout, d, range, &m, &gold, 1.0, grad);
    loss
}

/// Adds `coef` times the gradient of one sequence's negative log-likelihood
/// (expected minus observed feature counts) to `target`, a vector in the
/// parameter layout: `coef = 1` accumulates a gradient, `coef = -rate` takes an
/// SGD step.
pub(crate) fn add_gradient(
    layout: Layout,
    d: &Prepared,
    range: Range<usize>,
    m: &Marginals,
    gold: &[usize],
    coef: f64,
    target: &mut [f64],
) {
    let l = layout.labels;
    let (t0, s0, e0) = (layout.transition(), layout.start(), layout.end());
    match l {
        7 => scatter_fixed::<7>(d, range, &m.nodes, gold, coef, target),
        13 => scatter_fixed::<13>(d, range, &m.nodes, gold, coef, target),
        _ => {
            for (k, i) in range.enumerate() {
                let marg = &m.nodes[k * l..(k + 1) * l];
                for &f in d.features.token(i) {
                    let row = &mut target[f as usize * l..(f as usize + 1) * l];
                    for (r, p) in row.iter_mut().zip(marg) {
                        *r += coef * p;
                    }
                    row[gold[k]] -= coef;
                }
            }
        }
    }
    for (g, p) in target[t0..s0].iter_mut().zip(&m.pairs) {
        *g += coef * p;
    }
    for pair in gold.windows(2) {
        target[t0 + pair[0] * l + pair[1]] -= coef;
    }
    if let (Some(&first), Some(&last)) = (gold.first(), gold.last()) {
        for y in 0..l {
            target[s0 + y] += coef * m.nodes[y];
            target[e0 + y] += coef * m.nodes[(gold.len() - 1) * l + y];
        }
        target[s0 + first] -= coef;
        target[e0 + last] -= coef;
    }
}

/// Adds `coef * (marginal - gold)` to the state rows of every feature (unrolled for `L` labels).
fn scatter_fixed<const L: usize>(
    d: &Prepared,
    range: Range<usize>,
    nodes: &[f64],
    gold: &[usize],
    coef: f64,
    target: &mut [f64],
) {
    for ((marg, &g), i) in nodes.chunks_exact(L).zip(gold).zip(range) {
        let marg: &[f64; L] = marg.try_into().expect("chunks have L items");
        for &f in d.features.token(i) {
            let start = f as usize * L;
            let row: &mut [f64; L] = (&mut target[start..start + L])
                .try_into()
                .expect("rows have L items");
            for y in 0..L {
                row[y] += coef * marg[y];
            }
            row[g] -= coef;
        }
    }
}

/// Splits documents into `CHUNKS` contiguous groups of about equal token counts.
fn chunk_bounds(data: &[Prepared]) -> Vec<Range<usize>> {
    let total: usize = data.iter().map(|d| d.gold.len()).sum();
    let mut bounds = Vec::with_capacity(CHUNKS);
    let (mut start, mut acc) = (0, 0);
    for (i, d) in data.iter().enumerate() {
        acc += d.gold.len();
        if acc * CHUNKS >= total * (bounds.len() + 1) && bounds.len() + 1 < CHUNKS {
            bounds.push(start..i + 1);
            start = i + 1;
        }
    }
    bounds.push(start..data.len());
    bounds
}

/// Per-chunk gradient buffers, allocated once per training run.
#[derive(Debug)]
pub struct Buffers(Vec<Vec<f64>>);

impl Buffers {
    /// Buffers for `layout`.
    pub fn new(layout: Layout) -> Self {
        Buffers((0..CHUNKS).map(|_| vec![0.0; layout.len()]).collect())
    }
}

/// The regularised objective and its gradient over all training data.
pub fn objective(
    layout: Layout,
    data: &[Prepared],
    c2: f64,
    params: &[f64],
    grad: &mut [f64],
    buffers: &mut Buffers,
) -> f64 {
    let w = Weights::from_flat(layout, params);
    let bounds = chunk_bounds(data);
    let losses: Vec<f64> = buffers
        .0
        .par_iter_mut()
        .zip(bounds.into_par_iter())
        .map(|(g, range)| {
            g.fill(0.0);
            let mut loss = 0.0;
            for d in &data[range] {
                for seq in &d.sequences {
                    loss += sequence_loss(&w, d, seq.clone(), g);
                }
            }
            loss
        })
        .collect();
    let parts = &buffers.0;
    grad.par_iter_mut()
        .zip(params.par_iter())
        .enumerate()
        .for_each(|(i, (g, p))| *g = c2 * p + parts.iter().map(|b| b[i]).sum::<f64>());
    0.5 * c2 * params.iter().map(|p| p * p).sum::<f64>() + losses.iter().sum::<f64>()
}

/// Buckets used by at least `min_count` training feature occurrences, and the
/// training and dev features renumbered to them (others dropped): training then
/// optimises only the parameters that can move.
pub fn compact_features(
    train: &mut [Prepared],
    dev: &mut [Prepared],
    buckets: usize,
    min_count: u32,
) -> Vec<u32> {
    let mut counts = vec![0u32; buckets];
    for d in train.iter() {
        for &f in &d.features.ids {
            counts[f as usize] = counts[f as usize].saturating_add(1);
        }
    }
    let mut index = vec![u32::MAX; buckets];
    let mut active = Vec::new();
    for (b, &c) in counts.iter().enumerate() {
        if c >= min_count.max(1) {
            index[b] = active.len() as u32;
            active.push(b as u32);
        }
    }
    for d in train.iter_mut().chain(dev.iter_mut()) {
        let f = &mut d.features;
        let mut ids = Vec::with_capacity(f.ids.len());
        let mut offsets = Vec::with_capacity(f.offsets.len());
        offsets.push(0);
        for i in 0..f.len() {
            ids.extend(
                f.token(i)
                    .iter()
                    .map(|&b| index[b as usize])
                    .filter(|&x| x != u32::MAX),
            );
            offsets.push(ids.len() as u32);
        }
        *f = DocumentFeatures { offsets, ids };
    }
    active
}

/// Trains a CRF on prepared data (whose features are renumbered in place to the
/// buckets training uses). `dev` drives early stopping when non-empty.
pub fn train_crf(
    config: &CrfConfig,
    full: Layout,
    tags: &TagSet,
    train: &mut [Prepared],
    dev: &mut [Prepared],
    feature_seconds: f64,
    mut on_event: impl FnMut(&TrainEvent),
) -> Result<(CrfModel, TrainReport), ModelError> {
    let active = compact_features(train, dev, full.buckets, config.training.min_count);
    let layout = Layout {
        buckets: active.len(),
        labels: full.labels,
    };
    let (train, dev) = (&*train, &*dev);
    let tokens: usize = train.iter().map(|d| d.gold.len()).sum();
    if tokens == 0 {
        return Err(ModelError::Training(
            "the training corpus has no tokens".into(),
        ));
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
    let mut best: Option<(f64, usize, Vec<f64>)> = None;
    let mut since_best = 0usize;
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
        if let Some(f1) = f1 {
            if best.as_ref().is_none_or(|(b, _, _)| f1 > *b) {
                best = Some((f1, iteration, params.to_vec()));
                since_best = 0;
            } else {
                since_best += 1;
                if t.patience > 0 && since_best >= t.patience {
                    return false;
                }
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
                        |_, _, _| true,
                    );
                }
                (WarmStart::Perceptron, epochs) => {
                    // Averaged-perceptron weights, rescaled to the lowest objective.
                    perceptron(&mut params, layout, train, epochs, t.seed, |_, _, _| true);
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
    let (best_dev_f1, best_iteration, params) = match best {
        Some((f1, it, p)) => (Some(f1), it, p),
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

/// Every (document, sequence) index pair, in corpus order: what online learners shuffle.
pub fn sequence_order(data: &[Prepared]) -> Vec<(usize, usize)> {
    data.iter()
        .enumerate()
        .flat_map(|(d, p)| (0..p.sequences.len()).map(move |s| (d, s)))
        .collect()
}

/// Averaged structured perceptron; `callback(epoch, errors, averaged weights)`.
fn perceptron(
    params: &mut [f64],
    layout: Layout,
    data: &[Prepared],
    epochs: usize,
    seed: u64,
    mut callback: impl FnMut(usize, f64, &[f64]) -> bool,
) {
    let l = layout.labels;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut order = sequence_order(data);
    // Averaging by the "update × time" trick: avg = w - u / c.
    let mut updates = vec![0.0; params.len()];
    let mut c = 1.0;
    let (t0, s0, e0) = (layout.transition(), layout.start(), layout.end());
    for epoch in 1..=epochs {
        order.shuffle(&mut rng);
        let mut errors = 0.0;
        for &(d, s) in &order {
            let doc = &data[d];
            let range = doc.sequences[s].clone();
            let w = Weights::from_flat(layout, params);
            let predicted = w.viterbi(&w.emissions(&doc.features, range.clone()));
            let gold: Vec<usize> = doc.gold[range.clone()]
                .iter()
                .map(|&g| g as usize)
                .collect();
            if predicted == gold {
                c += 1.0;
                continue;
            }
            let mut bump = |index: usize, delta: f64| {
                params[index] += delta;
                updates[index] += c * delta;
            };
            for (k, i) in range.enumerate() {
                if predicted[k] != gold[k] {
                    errors += 1.0;
                    for &f in doc.features.token(i) {
                        bump(f as usize * l + gold[k], 1.0);
                        bump(f as usize * l + predicted[k], -1.0);
                    }
                }
                if k > 0 && (predicted[k - 1], predicted[k]) != (gold[k - 1], gold[k]) {
                    bump(t0 + gold[k - 1] * l + gold[k], 1.0);
                    bump(t0 + predicted[k - 1] * l + predicted[k], -1.0);
                }
            }
            if predicted[0] != gold[0] {
                bump(s0 + gold[0], 1.0);
                bump(s0 + predicted[0], -1.0);
            }
            let (pl, gl) = (predicted[predicted.len() - 1], gold[gold.len() - 1]);
            if pl != gl {
                bump(e0 + gl, 1.0);
                bump(e0 + pl, -1.0);
            }
            c += 1.0;
        }
        let averaged: Vec<f64> = params
            .iter()
            .zip(&updates)
            .map(|(w, u)| w - u / c)
            .collect();
        if !callback(epoch, errors, &averaged) || epoch == epochs {
            params.copy_from_slice(&averaged);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeatureConfig;
    use quotekit_data::{CharSpan, Role, Span, TagScheme};

    fn tiny_data(hash_bits: u32) -> (Vec<Prepared>, Layout, TagSet) {
        let mut a = Document::new("a", "“Yes,” Ann said. Bob thinks so.");
        a.spans = vec![
            Span {
                id: "T1".into(),
                role: Role::Content,
                fragments: vec![CharSpan::new(0, 6)],
            },
            Span {
                id: "T2".into(),
                role: Role::Source,
                fragments: vec![CharSpan::new(7, 10)],
            },
            Span {
                id: "T3".into(),
                role: Role::Cue,
                fragments: vec![CharSpan::new(11, 15)],
            },
        ];
        let b = Document::new("b", "Nothing here.");
        let config = FeatureConfig {
            hash_bits,
            ..FeatureConfig::default()
        };
        let extractor = FeatureExtractor::new(&config).unwrap();
        let tags = TagSet::new(TagScheme::Bio);
        let data = prepare(
            vec![a, b],
            &Tokenizer::new(),
            &extractor,
            &tags,
            SequenceUnit::Document,
        );
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
            let mut config = CrfConfig::default();
            config.training.algorithm = algorithm;
            config.training.c2 = 0.01;
            config.training.max_iterations = 60;
            let run = || {
                let (mut train, mut dev) = (data.clone(), data.clone());
                train_crf(&config, layout, &tags, &mut train, &mut dev, 0.0, |_| {}).unwrap()
            };
            let (model, report) = run();
            assert_eq!(report.best_dev_f1, Some(1.0), "{algorithm:?}: {report:?}");
            let (again, _) = run();
            assert_eq!(model, again, "{algorithm:?} is deterministic");
        }
    }
}
