//! Limited-memory BFGS for smooth objectives over flat `f64` vectors: the
//! two-loop recursion with a backtracking (Armijo) line search. Kept here, not
//! taken from a generic optimisation crate, because the CRF's parameter vectors
//! are millions long and this loop never copies or allocates one per iteration.

/// Settings.
#[derive(Debug, Clone, Copy)]
pub struct LbfgsSettings {
    /// Correction pairs kept.
    pub history: usize,
    /// Maximum iterations.
    pub max_iterations: usize,
    /// Stop when `(f[k - period] - f[k]) / f[k] < epsilon`.
    pub epsilon: f64,
    /// Window for the relative-improvement test.
    pub period: usize,
    /// Maximum function evaluations per line search.
    pub max_line_search: usize,
}

/// Why the optimiser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The objective stopped improving (epsilon test).
    Converged,
    /// The gradient is zero.
    ZeroGradient,
    /// `max_iterations` reached.
    MaxIterations,
    /// The callback asked to stop.
    Callback,
    /// No step along the search direction decreased the objective.
    LineSearchFailed,
}

use rayon::prelude::*;
use std::collections::VecDeque;

/// Vector operations run in parallel over fixed-size chunks; sums are reduced
/// in chunk order, so results do not depend on the number of threads.
const CHUNK: usize = 1 << 15;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    let partial: Vec<f64> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>())
        .collect();
    partial.iter().sum()
}

/// `out[i] = a[i] + k * b[i]`.
fn combine(out: &mut [f64], a: &[f64], k: f64, b: &[f64]) {
    out.par_chunks_mut(CHUNK)
        .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
        .for_each(|(o, (x, y))| {
            for ((o, x), y) in o.iter_mut().zip(x).zip(y) {
                *o = x + k * y;
            }
        });
}

/// `y[i] += k * x[i]`.
fn axpy(y: &mut [f64], k: f64, x: &[f64]) {
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(y, x)| {
            for (y, x) in y.iter_mut().zip(x) {
                *y += k * x;
            }
        });
}

/// Minimises `f` from `x` (updated in place). `f(x, g)` returns the value and
/// writes the gradient into `g`. `callback(iteration, value, x)` runs after each
/// iteration and returns `false` to stop.
pub fn minimize(
    x: &mut [f64],
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    settings: &LbfgsSettings,
    mut callback: impl FnMut(usize, f64, &[f64]) -> bool,
) -> Stop {
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fx = f(x, &mut g);
    // Correction pairs (s, y, 1 / y·s), oldest first.
    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::with_capacity(settings.history);
    let mut alpha = vec![0.0; settings.history];
    let mut d: Vec<f64> = g.iter().map(|v| -v).collect();
    let mut x_prev = x.to_vec();
    let mut g_prev = g.clone();
    let mut history_f: Vec<f64> = vec![fx];
    let gnorm = dot(&g, &g).sqrt();
    if gnorm == 0.0 {
        return Stop::ZeroGradient;
    }
    let mut step = 1.0 / gnorm;
    for k in 1..=settings.max_iterations {
        x_prev.copy_from_slice(x);
        g_prev.copy_from_slice(&g);
        let f_prev = fx;
        if dot(&g_prev, &d) >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            for (di, gi) in d.iter_mut().zip(&g_prev) {
                *di = -gi;
            }
            pairs.clear();
        }
        let slope = dot(&g_prev, &d);
        let mut accepted = false;
        for _ in 0..settings.max_line_search {
            combine(x, &x_prev, step, &d);
            fx = f(x, &mut g);
            if fx.is_finite() && fx <= f_prev + 1e-4 * step * slope {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            x.copy_from_slice(&x_prev);
            return Stop::LineSearchFailed;
        }
        if !callback(k, fx, x) {
            return Stop::Callback;
        }
        history_f.push(fx);
        if history_f.len() > settings.period {
            let old = history_f[history_f.len() - 1 - settings.period];
            if (old - fx) / fx.abs().max(1e-12) < settings.epsilon {
                return Stop::Converged;
            }
        }
        if dot(&g, &g) == 0.0 {
            return Stop::ZeroGradient;
        }
        // New correction pair, recycling the oldest buffers when full.
        let (mut s_new, mut y_new) = if pairs.len() == settings.history {
            let (s, y, _) = pairs.pop_front().expect("history is full");
            (s, y)
        } else {
            (vec![0.0; n], vec![0.0; n])
        };
        combine(&mut s_new, x, -1.0, &x_prev);
        combine(&mut y_new, &g, -1.0, &g_prev);
        let ys = dot(&y_new, &s_new);
        let yy = dot(&y_new, &y_new);
        if ys > 1e-12 * yy.max(1e-300) {
            pairs.push_back((s_new, y_new, 1.0 / ys));
        }
        // Two-loop recursion: d = -H g.
        d.par_iter_mut()
            .zip(g.par_iter())
            .for_each(|(di, gi)| *di = -gi);
        for (j, (s, y, rho)) in pairs.iter().enumerate().rev() {
            let a = rho * dot(s, &d);
            alpha[j] = a;
            axpy(&mut d, -a, y);
        }
        if let Some((s, y, _)) = pairs.back() {
            let scale = dot(y, s) / dot(y, y);
            d.par_iter_mut().for_each(|di| *di *= scale);
        }
        for (j, (s, y, rho)) in pairs.iter().enumerate() {
            let b = rho * dot(y, &d);
            axpy(&mut d, alpha[j] - b, s);
        }
        step = 1.0;
    }
    Stop::MaxIterations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_the_rosenbrock_function() {
        let mut x = vec![-1.2, 1.0];
        let settings = LbfgsSettings {
            history: 5,
            max_iterations: 500,
            epsilon: 1e-14,
            period: 5,
            max_line_search: 40,
        };
        let f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let stop = minimize(&mut x, f, &settings, |_, _, _| true);
        assert!(
            matches!(
                stop,
                Stop::Converged | Stop::ZeroGradient | Stop::LineSearchFailed
            ),
            "{stop:?}"
        );
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?}"
        );
    }
}
