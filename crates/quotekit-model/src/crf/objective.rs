//! The CRF's training objective: the L2-regularised negative
//! log-likelihood of the gold tags and its gradient (expected minus observed
//! feature counts, from forward–backward), computed in parallel over a fixed
//! number of document chunks and summed in order, so the result does not
//! depend on the thread count; and the training data it runs on, features
//! extracted once and renumbered to the buckets training uses.

use crate::crf::config::SequenceUnit;
use crate::crf::model::{Layout, Weights};
use crate::crf::tagger::sequences;
use crate::decode::Marginals;
use crate::features::extractor::{DocumentFeatures, FeatureExtractor};
use crate::training::data::{prepare, Prepared};
use quotekit_data::{Document, TagSet};
use rayon::prelude::*;
use std::ops::Range;

/// Gradient chunks: fixed, so results do not depend on the number of threads.
const CHUNKS: usize = 4;

/// What the CRF trains on besides the gold tags.
#[derive(Debug, Clone)]
pub struct CrfInputs {
    /// Feature ids per token.
    pub features: DocumentFeatures,
    /// CRF sequences.
    pub sequences: Vec<Range<usize>>,
}

/// A document prepared for CRF training.
pub type CrfDocument = Prepared<CrfInputs>;

/// Tokenizes, extracts features and encodes gold tags for every document, in parallel.
pub fn prepare_crf(
    documents: Vec<Document>,
    extractor: &FeatureExtractor,
    tags: &TagSet,
    unit: SequenceUnit,
) -> Vec<CrfDocument> {
    prepare(documents, tags, |doc, tokens| CrfInputs {
        features: extractor.extract(doc, tokens),
        sequences: sequences(tokens, unit),
    })
}

/// Negative log-likelihood of one sequence; adds its gradient to `grad`.
fn sequence_loss(
    w: &Weights<'_, f64>,
    d: &CrfDocument,
    range: Range<usize>,
    grad: &mut [f64],
) -> f64 {
    let emissions = w.emissions(&d.inputs.features, range.clone());
    let m = w.chain.forward_backward(&emissions);
    let gold: Vec<usize> = d.gold[range.clone()].iter().map(|&g| g as usize).collect();
    let loss = m.log_z - w.chain.path_score(&emissions, &gold);
    add_gradient(w.layout, d, range, &m, &gold, 1.0, grad);
    loss
}

/// Adds `coef` times the gradient of one sequence's negative log-likelihood
/// (expected minus observed feature counts) to `target`, a vector in the
/// parameter layout: `coef = 1` accumulates a gradient, `coef = -rate` takes an
/// SGD step.
pub(crate) fn add_gradient(
    layout: Layout,
    d: &CrfDocument,
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
                for &f in d.inputs.features.token(i) {
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
    d: &CrfDocument,
    range: Range<usize>,
    nodes: &[f64],
    gold: &[usize],
    coef: f64,
    target: &mut [f64],
) {
    for ((marg, &g), i) in nodes.chunks_exact(L).zip(gold).zip(range) {
        let marg: &[f64; L] = marg.try_into().expect("chunks have L items");
        for &f in d.inputs.features.token(i) {
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
fn chunk_bounds(data: &[CrfDocument]) -> Vec<Range<usize>> {
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
    data: &[CrfDocument],
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
                for seq in &d.inputs.sequences {
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
    train: &mut [CrfDocument],
    dev: &mut [CrfDocument],
    buckets: usize,
    min_count: u32,
) -> Vec<u32> {
    let mut counts = vec![0u32; buckets];
    for d in train.iter() {
        for &f in &d.inputs.features.ids {
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
        let f = &mut d.inputs.features;
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

/// Every (document, sequence) index pair, in corpus order: what online learners shuffle.
pub fn sequence_order(data: &[CrfDocument]) -> Vec<(usize, usize)> {
    data.iter()
        .enumerate()
        .flat_map(|(d, p)| (0..p.inputs.sequences.len()).map(move |s| (d, s)))
        .collect()
}
