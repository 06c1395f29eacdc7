//! The averaged structured perceptron (`algorithm = "perceptron"`, or
//! L-BFGS's `warm_start = "perceptron"`): Viterbi on shuffled sequences,
//! additive updates on mistakes, weights averaged over every step.

use crate::crf::model::{Layout, Weights};
use crate::crf::objective::{sequence_order, CrfDocument};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Averaged structured perceptron; `callback(epoch, errors, averaged weights)`.
pub fn perceptron(
    params: &mut [f64],
    layout: Layout,
    data: &[CrfDocument],
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
            let range = doc.inputs.sequences[s].clone();
            let w = Weights::from_flat(layout, params);
            let predicted = w
                .chain
                .viterbi(&w.emissions(&doc.inputs.features, range.clone()));
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
                    for &f in doc.inputs.features.token(i) {
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
