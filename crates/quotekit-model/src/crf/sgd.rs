//! Stochastic gradient descent on the L2-regularised CRF objective, one
//! sequence at a time (Bottou's schedule η_t = η₀ / (1 + λη₀t), the weight
//! decay kept as one scale factor so each step touches only the sequence's
//! features). η₀ is calibrated on a sample before the first epoch. Used alone
//! (`algorithm = "sgd"`) or to warm-start L-BFGS.

use crate::crf::model::{Layout, Weights};
use crate::crf::objective::{add_gradient, sequence_order, CrfDocument};
use crate::decode::ChainScores;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Candidate initial learning rates, tried on a sample.
const ETA_CANDIDATES: [f64; 6] = [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003];
/// Sequences in the calibration sample.
const SAMPLE: usize = 150;

/// Weights as `scale * v` (v flat, in the CRF layout).
struct Scaled {
    v: Vec<f64>,
    scale: f64,
}

impl Scaled {
    fn value(&self) -> Vec<f64> {
        self.v.iter().map(|x| x * self.scale).collect()
    }
}

/// One SGD step on sequence `seq` of `d`; returns the sequence loss before the step.
fn step(w: &mut Scaled, layout: Layout, d: &CrfDocument, seq: usize, eta: f64, lambda: f64) -> f64 {
    let l = layout.labels;
    let range = d.inputs.sequences[seq].clone();
    w.scale *= 1.0 - eta * lambda;
    if w.scale < 1e-9 {
        let s = w.scale;
        w.v.iter_mut().for_each(|x| *x *= s);
        w.scale = 1.0;
    }
    let (t0, s0) = (layout.transition(), layout.start());
    let small: Vec<f64> = w.v[t0..].iter().map(|x| x * w.scale).collect();
    let weights = Weights {
        layout,
        state: &w.v[..t0],
        chain: ChainScores {
            labels: l,
            transition: &small[..s0 - t0],
            start: &small[s0 - t0..s0 - t0 + l],
            end: &small[s0 - t0 + l..],
        },
    };
    let mut emissions = weights.emissions(&d.inputs.features, range.clone());
    emissions.iter_mut().for_each(|e| *e *= w.scale);
    let m = weights.chain.forward_backward(&emissions);
    let gold: Vec<usize> = d.gold[range.clone()].iter().map(|&g| g as usize).collect();
    let loss = m.log_z - weights.chain.path_score(&emissions, &gold);
    add_gradient(layout, d, range, &m, &gold, -eta / w.scale, &mut w.v);
    loss
}

/// Runs `epochs` epochs of SGD from `params` (updated in place). `callback(epoch,
/// objective over the epoch, weights)` runs after each epoch and returns false to stop.
pub fn sgd(
    params: &mut [f64],
    layout: Layout,
    data: &[CrfDocument],
    c2: f64,
    epochs: usize,
    seed: u64,
    mut callback: impl FnMut(usize, f64, &[f64]) -> bool,
) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut order = sequence_order(data);
    if order.is_empty() {
        return;
    }
    let n = order.len() as f64;
    let lambda = c2 / n;
    order.shuffle(&mut rng);
    // Calibration: one pass over a sample per candidate η₀; keep the one with the
    // lowest loss on a second, held-out sample (documents are few and long, so the
    // loss on the sample itself rewards overfitting it).
    let half = (order.len() / 2).clamp(1, SAMPLE);
    let sample = &order[..half];
    let held_out = &order[half..(2 * half).min(order.len())];
    let held_out = if held_out.is_empty() {
        sample
    } else {
        held_out
    };
    let sample_lambda = c2 / sample.len() as f64;
    let mut best = (f64::INFINITY, ETA_CANDIDATES[0]);
    for eta0 in ETA_CANDIDATES {
        let mut w = Scaled {
            v: params.to_vec(),
            scale: 1.0,
        };
        for (t, &(d, s)) in sample.iter().enumerate() {
            let eta = eta0 / (1.0 + sample_lambda * eta0 * t as f64);
            step(&mut w, layout, &data[d], s, eta, sample_lambda);
        }
        let value = w.value();
        let weights = Weights::from_flat(layout, &value);
        let mut f = 0.0;
        for &(d, s) in held_out {
            let range = data[d].inputs.sequences[s].clone();
            let emissions = weights.emissions(&data[d].inputs.features, range.clone());
            let gold: Vec<usize> = data[d].gold[range].iter().map(|&g| g as usize).collect();
            f += weights.chain.forward_backward(&emissions).log_z
                - weights.chain.path_score(&emissions, &gold);
        }
        if f.is_finite() && f < best.0 {
            best = (f, eta0);
        }
    }
    let eta0 = best.1;
    let mut w = Scaled {
        v: params.to_vec(),
        scale: 1.0,
    };
    let mut t = 0usize;
    for epoch in 1..=epochs {
        order.shuffle(&mut rng);
        let mut loss = 0.0;
        for &(d, s) in &order {
            let eta = eta0 / (1.0 + lambda * eta0 * t as f64);
            loss += step(&mut w, layout, &data[d], s, eta, lambda);
            t += 1;
        }
        let value = w.value();
        loss += 0.5 * c2 * value.iter().map(|x| x * x).sum::<f64>();
        let go_on = callback(epoch, loss, &value);
        if !go_on || epoch == epochs {
            params.copy_from_slice(&value);
            return;
        }
    }
}
