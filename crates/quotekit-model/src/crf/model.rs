//! The linear-chain CRF's parameters and its emission scores from hashed
//! features; decoding is [`crate::decode`]'s.
//!
//! Parameters are one flat vector while training (`[state | transition | start | end]`,
//! state row-major as `bucket * labels + label`) and a [`CrfModel`] of ndarray
//! matrices afterwards.

use crate::decode::ChainScores;
use crate::features::extractor::DocumentFeatures;
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
    /// Transition, start and end scores.
    pub chain: ChainScores<'a, T>,
}

impl<'a, T: Copy + Into<f64>> Weights<'a, T> {
    /// Splits a flat parameter vector.
    pub fn from_flat(layout: Layout, params: &'a [T]) -> Self {
        Self {
            layout,
            state: &params[..layout.transition()],
            chain: ChainScores {
                labels: layout.labels,
                transition: &params[layout.transition()..layout.start()],
                start: &params[layout.start()..layout.end()],
                end: &params[layout.end()..layout.len()],
            },
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
            transition: Array2::from_shape_vec((l, l), to32(w.chain.transition))
                .expect("layout shapes agree"),
            start: Array1::from(to32(w.chain.start)),
            end: Array1::from(to32(w.chain.end)),
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
        let layout = self.layout();
        Weights {
            layout,
            state: self.state.as_slice().expect("state is contiguous"),
            chain: ChainScores {
                labels: layout.labels,
                transition: self
                    .transition
                    .as_slice()
                    .expect("transition is contiguous"),
                start: self.start.as_slice().expect("start is contiguous"),
                end: self.end.as_slice().expect("end is contiguous"),
            },
        }
    }
}
