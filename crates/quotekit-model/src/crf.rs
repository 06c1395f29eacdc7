//! The linear-chain CRF: parameters, emission scores from hashed features,
//! forward–backward in log space and Viterbi decoding.
//!
//! Parameters are one flat vector while training (`[state | transition | start | end]`,
//! state row-major as `bucket * labels + label`) and an [`CrfModel`] of ndarray
//! matrices afterwards.

use crate::features::DocumentFeatures;
use ndarray::{Array1, Array2};
use std::ops::Range;

/// Shapes of the parameter vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Hash buckets.
    pub buckets: usize,
    /// Tags.
    pub labels: usize,
}

impl Layout {
    /// Total number of parameters.
    pub fn len(&self) -> usize {
        self.buckets * self.labels + self.labels * self.labels + 2 * self.labels
    }

    /// Always false.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Offset of the transition block.
    pub fn transition(&self) -> usize {
        self.buckets * self.labels
    }

    /// Offset of the start scores.
    pub fn start(&self) -> usize {
        self.transition() + self.labels * self.labels
    }

    /// Offset of the end scores.
    pub fn end(&self) -> usize {
        self.start() + self.labels
    }
}

/// Borrowed parameters, `f64` while training or `f32` in a trained model.
#[derive(Debug, Clone, Copy)]
pub struct Weights<'a, T> {
    /// Shapes.
    pub layout: Layout,
    /// `[bucket * labels + label]`.
    pub state: &'a [T],
    /// `[from * labels + to]`.
    pub transition: &'a [T],
    /// Score of starting in each label.
    pub start: &'a [T],
    /// Score of ending in each label.
    pub end: &'a [T],
}

impl<'a, T: Copy + Into<f64>> Weights<'a, T> {
    /// Splits a flat parameter vector.
    pub fn from_flat(layout: Layout, params: &'a [T]) -> Self {
        Self {
            layout,
            state: &params[..layout.transition()],
            transition: &params[layout.transition()..layout.start()],
            start: &params[layout.start()..layout.end()],
            end: &params[layout.end()..layout.len()],
        }
    }

    /// Emission scores `[i * labels + y]` of the tokens in `range`.
    pub fn emissions(&self, features: &DocumentFeatures, range: Range<usize>) -> Vec<f64> {
        // Fixed label counts (BIO: 7, BILOU: 13) get unrolled inner loops.
        match self.layout.labels {
            7 => self.emissions_fixed::<7>(features, range),
            13 => self.emissions_fixed::<13>(features, range),
            _ => self.emissions_any(features, range),
        }
    }

    fn emissions_fixed<const L: usize>(
        &self,
        features: &DocumentFeatures,
        range: Range<usize>,
    ) -> Vec<f64> {
        let mut out = vec![0.0; range.len() * L];
        for (row, i) in out.chunks_exact_mut(L).zip(range) {
            let row: &mut [f64; L] = row.try_into().expect("chunks have L items");
            for &f in features.token(i) {
                let start = f as usize * L;
                let w: &[T; L] = self.state[start..start + L]
                    .try_into()
                    .expect("rows have L items");
                for y in 0..L {
                    row[y] += w[y].into();
                }
            }
        }
        out
    }

    fn emissions_any(&self, features: &DocumentFeatures, range: Range<usize>) -> Vec<f64> {
        let l = self.layout.labels;
        let mut out = vec![0.0; range.len() * l];
        for (k, i) in range.enumerate() {
            let row = &mut out[k * l..(k + 1) * l];
            for &f in features.token(i) {
                let w = &self.state[f as usize * l..(f as usize + 1) * l];
                for (r, &x) in row.iter_mut().zip(w) {
                    *r += x.into();
                }
            }
        }
        out
    }

    /// Most likely label sequence for the given emission scores.
    pub fn viterbi(&self, emissions: &[f64]) -> Vec<usize> {
        let l = self.layout.labels;
        let n = emissions.len() / l;
        if n == 0 {
            return Vec::new();
        }
        let mut score: Vec<f64> = (0..l)
            .map(|y| self.start[y].into() + emissions[y])
            .collect();
        let mut back = vec![0u8; n * l];
        let mut next = vec![0.0; l];
        for i in 1..n {
            for y in 0..l {
                let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
                for (p, &s) in score.iter().enumerate() {
                    let v = s + self.transition[p * l + y].into();
                    if v > best {
                        best = v;
                        arg = p;
                    }
                }
                next[y] = best + emissions[i * l + y];
                back[i * l + y] = arg as u8;
            }
            std::mem::swap(&mut score, &mut next);
        }
        let mut y = (0..l)
            .max_by(|&a, &b| {
                let (sa, sb) = (score[a] + self.end[a].into(), score[b] + self.end[b].into());
                sa.total_cmp(&sb).then(b.cmp(&a))
            })
            .unwrap_or(0);
        let mut path = vec![0; n];
        for i in (0..n).rev() {
            path[i] = y;
            y = back[i * l + y] as usize;
        }
        path
    }

    /// Forward–backward. Returns log Z, node marginals `[i * labels + y]` and the
    /// sum over positions of pairwise marginals `[from * labels + to]`.
    pub fn forward_backward(&self, emissions: &[f64]) -> Marginals {
        let l = self.layout.labels;
        let n = emissions.len() / l;
        // exp(transition - max) cannot overflow; `t_max` is added back in log space.
        let trans: Vec<f64> = self.transition.iter().map(|&t| t.into()).collect();
        let t_max = trans.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp_trans: Vec<f64> = trans.iter().map(|t| (t - t_max).exp()).collect();
        // alpha[i][y] = log score of all prefixes ending in y at i.
        let mut alpha = vec![0.0; n * l];
        for y in 0..l {
            alpha[y] = self.start[y].into() + emissions[y];
        }
        let mut tmp = vec![0.0; l];
        for i in 1..n {
            let prev = &alpha[(i - 1) * l..i * l];
            let m = prev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (t, &p) in tmp.iter_mut().zip(prev) {
                *t = (p - m).exp();
            }
            for y in 0..l {
                let s: f64 = (0..l).map(|p| tmp[p] * exp_trans[p * l + y]).sum();
                alpha[i * l + y] = emissions[i * l + y]
                    + if s > 1e-200 {
                        m + t_max + s.ln()
                    } else {
                        // Underflow with extreme weights: exact log-sum-exp.
                        log_sum_exp((0..l).map(|p| alpha[(i - 1) * l + p] + trans[p * l + y]))
                    };
            }
        }
        // beta[i][y] = log score of all suffixes after i given y at i.
        let mut beta = vec![0.0; n * l];
        for y in 0..l {
            beta[(n - 1) * l + y] = self.end[y].into();
        }
        for i in (0..n - 1).rev() {
            let nb: Vec<f64> = (0..l)
                .map(|y| beta[(i + 1) * l + y] + emissions[(i + 1) * l + y])
                .collect();
            let m = nb.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (t, &v) in tmp.iter_mut().zip(&nb) {
                *t = (v - m).exp();
            }
            for p in 0..l {
                let s: f64 = (0..l).map(|y| exp_trans[p * l + y] * tmp[y]).sum();
                beta[i * l + p] = if s > 1e-200 {
                    m + t_max + s.ln()
                } else {
                    log_sum_exp((0..l).map(|y| trans[p * l + y] + nb[y]))
                };
            }
        }
        let last = &alpha[(n - 1) * l..];
        let log_z = log_sum_exp((0..l).map(|y| last[y] + self.end[y].into()));
        let nodes: Vec<f64> = alpha
            .iter()
            .zip(&beta)
            .map(|(a, b)| (a + b - log_z).exp())
            .collect();
        let mut pairs = vec![0.0; l * l];
        let mut ea = vec![0.0; l];
        for i in 1..n {
            let a = &alpha[(i - 1) * l..i * l];
            let ma = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (e, x) in ea.iter_mut().zip(a) {
                *e = (x - ma).exp();
            }
            for y in 0..l {
                let log_eb = emissions[i * l + y] + beta[i * l + y] - log_z;
                let eb = (log_eb + ma + t_max).exp();
                if eb.is_finite() {
                    for p in 0..l {
                        pairs[p * l + y] += ea[p] * exp_trans[p * l + y] * eb;
                    }
                } else {
                    for p in 0..l {
                        pairs[p * l + y] += (a[p] + trans[p * l + y] + log_eb).exp();
                    }
                }
            }
        }
        Marginals {
            log_z,
            nodes,
            pairs,
        }
    }

    /// Unnormalised log score of a label sequence.
    pub fn path_score(&self, emissions: &[f64], path: &[usize]) -> f64 {
        let l = self.layout.labels;
        let mut s = 0.0;
        for (i, &y) in path.iter().enumerate() {
            s += emissions[i * l + y];
            s += if i == 0 {
                self.start[y].into()
            } else {
                self.transition[path[i - 1] * l + y].into()
            };
        }
        if let Some(&y) = path.last() {
            s += self.end[y].into();
        }
        s
    }
}

/// Output of forward–backward.
#[derive(Debug, Clone)]
pub struct Marginals {
    /// Log partition function.
    pub log_z: f64,
    /// `p(y_i = y)` at `[i * labels + y]`.
    pub nodes: Vec<f64>,
    /// `Σ_i p(y_{i-1} = a, y_i = b)` at `[a * labels + b]`.
    pub pairs: Vec<f64>,
}

/// `log Σ exp(x)`, stable.
pub fn log_sum_exp(xs: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = xs.clone().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// A trained CRF: parameters as ndarray matrices of `f32`.
#[derive(Debug, Clone, PartialEq)]
pub struct CrfModel {
    /// `[bucket, label]` feature weights.
    pub state: Array2<f32>,
    /// `[from, to]` transition weights.
    pub transition: Array2<f32>,
    /// Start scores per label.
    pub start: Array1<f32>,
    /// End scores per label.
    pub end: Array1<f32>,
}

impl CrfModel {
    /// Rounds a flat `f64` parameter vector to a model.
    pub fn from_flat(layout: Layout, params: &[f64]) -> Self {
        let w = Weights::from_flat(layout, params);
        let l = layout.labels;
        let to32 = |s: &[f64]| s.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        Self {
            state: Array2::from_shape_vec((layout.buckets, l), to32(w.state))
                .expect("layout shapes agree"),
            transition: Array2::from_shape_vec((l, l), to32(w.transition))
                .expect("layout shapes agree"),
            start: Array1::from(to32(w.start)),
            end: Array1::from(to32(w.end)),
        }
    }

    /// Scatters a model trained on `active` buckets back into `buckets` rows.
    pub fn expand(self, active: &[u32], buckets: usize) -> Self {
        let l = self.state.ncols();
        let mut state = Array2::zeros((buckets, l));
        for (row, &b) in self.state.rows().into_iter().zip(active) {
            state.row_mut(b as usize).assign(&row);
        }
        Self { state, ..self }
    }

    /// Shapes.
    pub fn layout(&self) -> Layout {
        Layout {
            buckets: self.state.nrows(),
            labels: self.state.ncols(),
        }
    }

    /// Borrowed weights for inference.
    pub fn weights(&self) -> Weights<'_, f32> {
        Weights {
            layout: self.layout(),
            state: self.state.as_slice().expect("state is contiguous"),
            transition: self
                .transition
                .as_slice()
                .expect("transition is contiguous"),
            start: self.start.as_slice().expect("start is contiguous"),
            end: self.end.as_slice().expect("end is contiguous"),
        }
    }
}

/// Every label sequence of length `n` over `l` labels (for brute-force tests).
#[cfg(test)]
pub(crate) fn all_paths(n: usize, l: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for _ in 0..n {
        out = out
            .into_iter()
            .flat_map(|p| (0..l).map(move |y| [p.clone(), vec![y]].concat()))
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn random(layout: Layout, seed: u64) -> Vec<f64> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..layout.len())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect()
    }

    #[test]
    fn forward_backward_survives_huge_weights() {
        let layout = Layout {
            buckets: 1,
            labels: 3,
        };
        let params: Vec<f64> = random(layout, 3).iter().map(|p| p * 2000.0).collect();
        let w = Weights::from_flat(layout, &params);
        let emissions = vec![500.0, -800.0, 0.0, 1200.0, 3.0, -1.0, -900.0, 40.0, 700.0];
        let m = w.forward_backward(&emissions);
        let exact = log_sum_exp(all_paths(3, 3).iter().map(|p| w.path_score(&emissions, p)));
        assert!(
            (m.log_z - exact).abs() < 1e-6 * exact.abs(),
            "{} vs {exact}",
            m.log_z
        );
        assert!(m
            .nodes
            .iter()
            .all(|p| p.is_finite() && (0.0..=1.0 + 1e-9).contains(p)));
        assert!(m
            .pairs
            .iter()
            .all(|p| p.is_finite() && (0.0..=2.0 + 1e-9).contains(p)));
        assert!((m.pairs.iter().sum::<f64>() - 2.0).abs() < 1e-6);
    }

    #[test]
    fn viterbi_and_partition_match_brute_force() {
        let layout = Layout {
            buckets: 1,
            labels: 3,
        };
        for seed in 0..20 {
            let params = random(layout, seed);
            let w = Weights::from_flat(layout, &params);
            let n = 1 + (seed as usize % 5);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 100);
            let emissions: Vec<f64> = (0..n * 3).map(|_| rng.random_range(-2.0..2.0)).collect();
            let paths = all_paths(n, 3);
            let best = paths
                .iter()
                .max_by(|a, b| {
                    w.path_score(&emissions, a)
                        .total_cmp(&w.path_score(&emissions, b))
                })
                .unwrap();
            assert_eq!(&w.viterbi(&emissions), best, "seed {seed}");
            let log_z = log_sum_exp(paths.iter().map(|p| w.path_score(&emissions, p)));
            let m = w.forward_backward(&emissions);
            assert!((m.log_z - log_z).abs() < 1e-9, "{} vs {log_z}", m.log_z);
            // Node marginals sum to one at every position; pair marginals to n - 1.
            for i in 0..n {
                let s: f64 = m.nodes[i * 3..(i + 1) * 3].iter().sum();
                assert!((s - 1.0).abs() < 1e-9);
            }
            let pair_total: f64 = m.pairs.iter().sum();
            assert!((pair_total - (n - 1) as f64).abs() < 1e-9);
            // Marginal of label 0 at position 0 by brute force.
            let p0: f64 = paths
                .iter()
                .filter(|p| p[0] == 0)
                .map(|p| (w.path_score(&emissions, p) - log_z).exp())
                .sum();
            assert!((m.nodes[0] - p0).abs() < 1e-9);
        }
    }
}
