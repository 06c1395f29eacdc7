//! AdamW with per-parameter learning-rate multipliers and an optional running
//! average of the weights, its state in plain vectors so that checkpoints can
//! hold it; the warm-up-then-decay schedule; gradient norms for clipping.

use candle_core::{DType, Result, Tensor, Var};
use rayon::prelude::*;

/// AdamW. Moments are plain `f32` vectors (so they can be checkpointed, and
/// no tensor graph can survive a step); parameters are read and written back
/// as whole tensors.
#[derive(Debug)]
pub struct AdamW {
    vars: Vec<Var>,
    /// First moments per parameter.
    pub m: Vec<Vec<f32>>,
    /// Second moments per parameter.
    pub v: Vec<Vec<f32>>,
    /// Running average of each parameter (empty when averaging is off).
    pub average: Vec<Vec<f32>>,
    /// Updates done.
    pub step: usize,
    /// Learning-rate multiplier per parameter (1 when absent).
    pub lr_scale: Vec<f64>,
    weight_decay: f64,
    average_decay: f64,
}

impl AdamW {
    /// An optimiser for `vars`; with `average_decay` > 0 it also keeps an
    /// exponential moving average of every parameter.
    pub fn new(vars: Vec<Var>, weight_decay: f64, average_decay: f64) -> Self {
        let zeros = || vars.iter().map(|v| vec![0.0; v.elem_count()]).collect();
        let (m, v) = (zeros(), zeros());
        let average = if average_decay > 0.0 {
            zeros()
        } else {
            Vec::new()
        };
        Self {
            vars,
            m,
            v,
            average,
            step: 0,
            lr_scale: Vec::new(),
            weight_decay,
            average_decay,
        }
    }

    /// The averaged parameters as tensors (`None` when averaging is off).
    pub fn averaged(&self) -> candle_core::Result<Option<Vec<Tensor>>> {
        if self.average.is_empty() {
            return Ok(None);
        }
        self.vars
            .iter()
            .zip(&self.average)
            .map(|(var, a)| Tensor::from_vec(a.clone(), var.shape(), var.device()))
            .collect::<candle_core::Result<Vec<_>>>()
            .map(Some)
    }

    /// The parameters it updates.
    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// One update from gradients given per parameter (in [`AdamW::vars`]
    /// order; `None` leaves a parameter as it is), e.g. accumulated over batches.
    pub fn step_with(
        &mut self,
        grads: &[Option<Tensor>],
        lr: f64,
        scale: f64,
    ) -> candle_core::Result<()> {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        self.step += 1;
        let (c1, c2) = (
            1.0 - b1.powi(self.step as i32),
            1.0 - b2.powi(self.step as i32),
        );
        for (k, var) in self.vars.iter().enumerate() {
            let Some(g) = grads.get(k).and_then(Option::as_ref) else {
                continue;
            };
            let lr = lr * self.lr_scale.get(k).copied().unwrap_or(1.0);
            let decay = 1.0 - lr * self.weight_decay;
            let g: Vec<f32> = g.flatten_all()?.to_vec1()?;
            let mut w: Vec<f32> = var.as_tensor().flatten_all()?.to_vec1()?;
            let (m, v) = (&mut self.m[k], &mut self.v[k]);
            w.par_chunks_mut(1 << 14)
                .zip(m.par_chunks_mut(1 << 14))
                .zip(v.par_chunks_mut(1 << 14))
                .zip(g.par_chunks(1 << 14))
                .for_each(|(((w, m), v), g)| {
                    for i in 0..w.len() {
                        let gi = f64::from(g[i]) * scale;
                        let mi = b1 * f64::from(m[i]) + (1.0 - b1) * gi;
                        let vi = b2 * f64::from(v[i]) + (1.0 - b2) * gi * gi;
                        m[i] = mi as f32;
                        v[i] = vi as f32;
                        let update = (mi / c1) / ((vi / c2).sqrt() + eps);
                        w[i] = (f64::from(w[i]) * decay - lr * update) as f32;
                    }
                });
            if let Some(a) = self.average.get_mut(k) {
                let d = self.average_decay as f32;
                if self.step == 1 {
                    a.copy_from_slice(&w);
                } else {
                    a.par_chunks_mut(1 << 14)
                        .zip(w.par_chunks(1 << 14))
                        .for_each(|(a, w)| {
                            for (a, &w) in a.iter_mut().zip(w) {
                                *a = d * *a + (1.0 - d) * w;
                            }
                        });
                }
            }
            var.set(&Tensor::from_vec(w, var.shape(), var.device())?)?;
        }
        Ok(())
    }
}

/// Learning rate at update `step` (1-based): linear warm-up over `warmup`
/// updates, then linear decay to 0 at `total`.
pub fn schedule(step: usize, warmup: usize, total: usize, peak: f64) -> f64 {
    if step <= warmup {
        peak * step as f64 / warmup.max(1) as f64
    } else {
        peak * total.saturating_sub(step) as f64 / (total - warmup).max(1) as f64
    }
}

/// The L2 norm of a set of gradient tensors taken together.
pub fn norm_of<'a>(grads: impl IntoIterator<Item = &'a Tensor>) -> Result<f64> {
    let mut total = 0.0;
    for g in grads {
        total += g
            .sqr()?
            .sum_all()?
            .to_dtype(DType::F64)?
            .to_scalar::<f64>()?;
    }
    Ok(total.sqrt())
}

/// Copies of the current values of `vars`.
pub fn snapshot(vars: &[Var]) -> candle_core::Result<Vec<Tensor>> {
    vars.iter().map(|v| v.as_tensor().copy()).collect()
}

/// Sets `vars` to `values` (in the same order).
pub fn set_all(vars: &[Var], values: &[Tensor]) -> candle_core::Result<()> {
    for (v, t) in vars.iter().zip(values) {
        v.set(&t.to_device(v.device())?)?;
    }
    Ok(())
}
