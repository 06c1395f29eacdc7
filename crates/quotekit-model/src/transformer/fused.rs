//! Fused CPU kernels with backward passes for the three element-wise stages
//! of a transformer layer: softmax over the last dimension, layer norm and
//! GELU (erf). Built from candle's primitive operations each of these is five
//! to ten passes over the largest tensors of the network forward and as many
//! again backward, with a fresh buffer per pass; fused, each is one pass each
//! way, parallel over rows with rayon. Only f32 tensors on the CPU take these
//! kernels; anything else (a CUDA device) takes the primitive path.
//!
//! The file runs a little over 500 lines: each kernel's forward and backward
//! pass, and the tests that check both against candle's primitives, are read
//! together.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, DType, Layout, Result, Shape};
use candle_core::{Tensor, D};
use rayon::prelude::*;

/// Rows handed to one rayon task: enough work to outweigh its scheduling.
pub(super) fn rows_per_task(width: usize) -> usize {
    (16_384 / width.max(1)).max(1)
}

/// True when `x` can take the fused kernels.
pub(super) fn fused(x: &Tensor) -> bool {
    x.device().is_cpu() && x.dtype() == DType::F32
}

/// The f32 values of a contiguous CPU tensor.
pub(super) fn values<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let all = match storage {
        CpuStorage::F32(v) => v.as_slice(),
        _ => candle_core::bail!("{op}: expected f32 values"),
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&all[start..end]),
        None => candle_core::bail!("{op}: the input is not contiguous"),
    }
}

/// Width of the last dimension of a layout.
pub(super) fn last_dim(layout: &Layout) -> Result<usize> {
    layout.shape().dims().last().copied().ok_or_else(|| {
        candle_core::Error::Msg("a fused kernel needs at least one dimension".into())
    })
}

/// A new tensor of `x`'s size filled row by row (rows of `w` values), the rows
/// shared out among rayon tasks: `f(out_row, x_row)`.
fn map_rows(x: &[f32], w: usize, f: impl Fn(&mut [f32], &[f32]) + Sync) -> Vec<f32> {
    let mut out = vec![0f32; x.len()];
    let chunk = w * rows_per_task(w);
    out.par_chunks_mut(chunk)
        .zip(x.par_chunks(chunk))
        .for_each(|(out, x)| {
            out.chunks_mut(w)
                .zip(x.chunks(w))
                .for_each(|(out, x)| f(out, x))
        });
    out
}

/// [`map_rows`] over two tensors of the same size: `f(out_row, a_row, b_row)`.
fn map_row_pairs(
    a: &[f32],
    b: &[f32],
    w: usize,
    f: impl Fn(&mut [f32], &[f32], &[f32]) + Sync,
) -> Vec<f32> {
    let mut out = vec![0f32; a.len()];
    let chunk = w * rows_per_task(w);
    out.par_chunks_mut(chunk)
        .zip(a.par_chunks(chunk).zip(b.par_chunks(chunk)))
        .for_each(|(out, (a, b))| {
            for ((out, a), b) in out.chunks_mut(w).zip(a.chunks(w)).zip(b.chunks(w)) {
                f(out, a, b)
            }
        });
    out
}

/// Softmax over the last dimension; differentiable on every device when
/// `train` (elsewhere than the CPU, inference takes candle-nn's kernel).
pub fn softmax_last_dim(x: &Tensor, train: bool) -> Result<Tensor> {
    if fused(x) {
        x.contiguous()?.apply_op1(Softmax)
    } else if train {
        candle_nn::ops::softmax(x, D::Minus1)
    } else {
        candle_nn::ops::softmax_last_dim(x)
    }
}

struct Softmax;

impl CustomOp1 for Softmax {
    fn name(&self) -> &'static str {
        "quotekit-softmax"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = values(storage, layout, self.name())?;
        let y = map_rows(x, last_dim(layout)?, |y, x| {
            y.copy_from_slice(x);
            softmax_row(y);
        });
        Ok((CpuStorage::F32(y), layout.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(y.apply_op2_no_bwd(&dy.contiguous()?, &SoftmaxGrad)?))
    }
}

/// `dx = y * (dy - Σ dy·y)` per row.
struct SoftmaxGrad;

impl CustomOp2 for SoftmaxGrad {
    fn name(&self) -> &'static str {
        "quotekit-softmax-grad"
    }

    fn cpu_fwd(
        &self,
        ys: &CpuStorage,
        yl: &Layout,
        dys: &CpuStorage,
        dyl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let y = values(ys, yl, self.name())?;
        let dy = values(dys, dyl, self.name())?;
        let dx = map_row_pairs(y, dy, last_dim(yl)?, |dx, y, dy| {
            let dot: f32 = y.iter().zip(dy).map(|(y, d)| y * d).sum();
            for ((dx, &y), &dy) in dx.iter_mut().zip(y).zip(dy) {
                *dx = y * (dy - dot);
            }
        });
        Ok((CpuStorage::F32(dx), yl.shape().clone()))
    }
}

/// Layer norm over the last dimension with `weight` and `bias`;
/// differentiable on every device when `train`.
pub fn layer_norm(
    x: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
    eps: f32,
    train: bool,
) -> Result<Tensor> {
    if fused(x) {
        x.contiguous()?.apply_op3(
            &weight.contiguous()?,
            &bias.contiguous()?,
            LayerNorm { eps },
        )
    } else if train {
        candle_nn::ops::layer_norm_slow(x, weight, bias, eps)
    } else {
        candle_nn::ops::layer_norm(&x.contiguous()?, weight, bias, eps)
    }
}

struct LayerNorm {
    eps: f32,
}

/// The sum of a row in eight interleaved partial sums, added pairwise at
/// the end: a loop that vectorizes (a sum in order cannot), and no less
/// accurate.
#[inline(always)]
pub(super) fn sum(x: &[f32]) -> f32 {
    sum_of(x, |v| v)
}

/// The sum of `f` over a row, as [`sum`] adds.
#[inline(always)]
pub(super) fn sum_of(x: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] += f(c[k]);
        }
    }
    for (k, &v) in rest.iter().enumerate() {
        acc[k] += f(v);
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// The largest value of a row (of numbers, not NaN), in eight interleaved
/// lanes: the same answer as `f32::max` in order, in a loop that vectorizes.
#[inline(always)]
pub(super) fn max(x: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] = if c[k] > acc[k] { c[k] } else { acc[k] };
        }
    }
    for (k, &v) in rest.iter().enumerate() {
        acc[k] = if v > acc[k] { v } else { acc[k] };
    }
    acc.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

/// Softmax of one row, in place (the training kernel and the in-place
/// inference kernel both call it, so they compute the same numbers).
#[inline(always)]
pub(super) fn softmax_row(row: &mut [f32]) {
    let max = max(row);
    for y in row.iter_mut() {
        *y = exp(*y - max);
    }
    let inv = 1.0 / sum(row);
    row.iter_mut().for_each(|y| *y *= inv);
}

/// Mean and reciprocal standard deviation of a row.
#[inline(always)]
pub(super) fn moments(x: &[f32], eps: f32) -> (f32, f32) {
    let n = x.len() as f32;
    let mean = sum(x) / n;
    let var = sum_of(x, |v| (v - mean) * (v - mean)) / n;
    (mean, 1.0 / (var + eps).sqrt())
}

impl CustomOp3 for LayerNorm {
    fn name(&self) -> &'static str {
        "quotekit-layer-norm"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ws: &CpuStorage,
        wl: &Layout,
        bs: &CpuStorage,
        bl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = values(xs, xl, self.name())?;
        let weight = values(ws, wl, self.name())?;
        let bias = values(bs, bl, self.name())?;
        let w = last_dim(xl)?;
        if weight.len() != w || bias.len() != w {
            candle_core::bail!("{}: weight and bias must have {w} values", self.name());
        }
        let y = map_rows(x, w, |y, x| {
            let (mean, rstd) = moments(x, self.eps);
            for (k, (y, &x)) in y.iter_mut().zip(x).enumerate() {
                *y = (x - mean) * rstd * weight[k] + bias[k];
            }
        });
        Ok((CpuStorage::F32(y), xl.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _bias: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let w = weight.elem_count();
        let rows = x.elem_count() / w;
        // One buffer: rows of dx, then the weight's and the bias's gradients.
        let packed =
            x.apply_op3_no_bwd(weight, &dy.contiguous()?, &LayerNormGrad { eps: self.eps })?;
        let dx = packed.narrow(0, 0, rows)?.reshape(x.shape())?;
        let dw = packed.get(rows)?;
        let db = packed.get(rows + 1)?;
        Ok((Some(dx), Some(dw), Some(db)))
    }
}

/// Gradients of a layer norm, packed as `[rows + 2, width]`: `dx`, `dweight`, `dbias`.
struct LayerNormGrad {
    eps: f32,
}

impl CustomOp3 for LayerNormGrad {
    fn name(&self) -> &'static str {
        "quotekit-layer-norm-grad"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ws: &CpuStorage,
        wl: &Layout,
        dys: &CpuStorage,
        dyl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = values(xs, xl, self.name())?;
        let weight = values(ws, wl, self.name())?;
        let dy = values(dys, dyl, self.name())?;
        let w = weight.len();
        let rows = x.len() / w;
        let mut out = vec![0f32; (rows + 2) * w];
        let (dx, _) = out.split_at_mut(rows * w);
        let chunk = w * rows_per_task(w);
        // Each task returns its partial sums of dweight and dbias.
        let partial: Vec<Vec<f32>> = dx
            .par_chunks_mut(chunk)
            .zip(x.par_chunks(chunk).zip(dy.par_chunks(chunk)))
            .map(|(dx, (x, dy))| {
                let mut sums = vec![0f32; 2 * w];
                let mut g = vec![0f32; w];
                for ((dx, x), dy) in dx.chunks_mut(w).zip(x.chunks(w)).zip(dy.chunks(w)) {
                    let (mean, rstd) = moments(x, self.eps);
                    let (mut g_mean, mut gx_mean) = (0f32, 0f32);
                    for k in 0..w {
                        let xhat = (x[k] - mean) * rstd;
                        g[k] = dy[k] * weight[k];
                        g_mean += g[k];
                        gx_mean += g[k] * xhat;
                        sums[k] += dy[k] * xhat;
                        sums[w + k] += dy[k];
                    }
                    g_mean /= w as f32;
                    gx_mean /= w as f32;
                    for k in 0..w {
                        let xhat = (x[k] - mean) * rstd;
                        dx[k] = rstd * (g[k] - g_mean - xhat * gx_mean);
                    }
                }
                sums
            })
            .collect();
        let tail = &mut out[rows * w..];
        for sums in partial {
            tail.iter_mut().zip(&sums).for_each(|(t, s)| *t += s);
        }
        Ok((CpuStorage::F32(out), Shape::from((rows + 2, w))))
    }
}

/// GELU with the exact (erf) form, differentiable on every device.
pub fn gelu_erf(x: &Tensor) -> Result<Tensor> {
    if fused(x) {
        x.contiguous()?.apply_op1(Gelu)
    } else {
        x.gelu_erf()
    }
}

struct Gelu;

/// `e^x` for f32 without a library call, so that loops over rows
/// vectorize: `x = n ln 2 + r` with `|r| <= ln 2 / 2`, `e^r` by Cephes'
/// degree-6 polynomial (relative error about 1e-7, within a unit or two in
/// the last place of `f32::exp`), times `2^n` built in the exponent bits;
/// 0 below `e^-87.3`, where `f32::exp` turns subnormal.
/// The rounding to `n` adds and subtracts 1.5 · 2^23 instead of calling
/// `round`, which would be a library call on baseline x86-64.
#[inline(always)]
pub(super) fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const ROUND: f32 = 12_582_912.0;
    let small = x < -87.3;
    let x = x.clamp(-87.3, 88.376_26);
    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let e_r = p * r * r + r + 1.0;
    // 2^n from the bits of `shifted`, which hold n in their lowest ones
    // (ROUND is 1.5 × 2^23, whose unit in the last place is 1): the same
    // bits as `(n as i32 + 127) << 23`, without a float-to-integer
    // conversion, which the compiler does not vectorize (it saturates).
    let e = f32::from_bits(shifted.to_bits().wrapping_sub(0x4B40_0000 - 127) << 23) * e_r;
    // Below e^-87.3 the answer is 0, not a subnormal: subnormals (say, the
    // weights of padding in attention) make every later multiplication by
    // them, matrix products included, many times slower.
    if small {
        0.0
    } else {
        e
    }
}

/// GELU, erf form: `x Φ(x)`.
#[inline(always)]
pub(super) fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf_and_gauss(x * std::f32::consts::FRAC_1_SQRT_2).0)
}

/// `erf(x)` and `exp(-x²)` together, by Abramowitz & Stegun's formula 7.1.26
/// (absolute error under 1.5e-7): branch-free, several times faster than a
/// libm `erff`, and the exponential is shared with GELU's derivative.
#[inline(always)]
pub(super) fn erf_and_gauss(x: f32) -> (f32, f32) {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_8,
        -1.453_152,
        1.061_405_4,
    ];
    let a = x.abs();
    let t = 1.0 / (1.0 + P * a);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let gauss = exp(-a * a);
    ((1.0 - poly * gauss).copysign(x), gauss)
}

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "quotekit-gelu"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = values(storage, layout, self.name())?;
        let y = map_rows(x, last_dim(layout)?, |y, x| {
            for (y, &x) in y.iter_mut().zip(x) {
                *y = gelu(x);
            }
        });
        Ok((CpuStorage::F32(y), layout.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(x.apply_op2_no_bwd(&dy.contiguous()?, &GeluGrad)?))
    }
}

/// `dx = dy · (Φ(x) + x φ(x))`.
struct GeluGrad;

impl CustomOp2 for GeluGrad {
    fn name(&self) -> &'static str {
        "quotekit-gelu-grad"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        dys: &CpuStorage,
        dyl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = values(xs, xl, self.name())?;
        let dy = values(dys, dyl, self.name())?;
        // 1 / sqrt(2 pi)
        const INV_SQRT_TAU: f32 = 0.398_942_3;
        let dx = map_row_pairs(x, dy, last_dim(xl)?, |dx, x, dy| {
            for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
                let (erf, gauss) = erf_and_gauss(x * std::f32::consts::FRAC_1_SQRT_2);
                let cdf = 0.5 * (1.0 + erf);
                let pdf = INV_SQRT_TAU * gauss;
                *dx = dy * (cdf + x * pdf);
            }
        });
        Ok((CpuStorage::F32(dx), xl.shape().clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_a_few_units_in_the_last_place() {
        let mut worst = 0f64;
        for k in 0..200_000 {
            let x = -87.0 + 175.0 * k as f32 / 200_000.0;
            let want = (x as f64).exp();
            let got = exp(x) as f64;
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-10_000.0), 0.0);
        assert!(exp(-87.29).is_normal());
    }

    #[test]
    fn exp_builds_the_power_of_two_as_a_conversion_would() {
        // 2^n from the rounded sum's bits, against the conversion it replaces.
        for k in 0..400_000 {
            let x = -90.0 + 180.0 * k as f32 / 400_000.0;
            let x = x.clamp(-87.3, 88.376_26);
            let shifted = x * std::f32::consts::LOG2_E + 12_582_912.0;
            let n = shifted - 12_582_912.0;
            let bits = shifted.to_bits().wrapping_sub(0x4B40_0000 - 127) << 23;
            assert_eq!(bits, ((n as i32 + 127) as u32) << 23, "{x}");
        }
    }
    use candle_core::{Device, Var};

    fn input(shape: (usize, usize, usize), seed: u64) -> Tensor {
        // Deterministic values spread over about [-3, 3].
        let n = shape.0 * shape.1 * shape.2;
        let mut state = seed;
        let v: Vec<f32> = (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 33) as f32 / (1u64 << 31) as f32 - 0.5) * 6.0
            })
            .collect();
        Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
    }

    /// Output and gradients of `fused` equal those of `reference` (candle's
    /// primitive operations) under a random upstream gradient.
    fn same_as(
        fused: impl Fn(&[Tensor]) -> Tensor,
        reference: impl Fn(&[Tensor]) -> Tensor,
        inputs: &[Tensor],
    ) {
        let vars: Vec<Var> = inputs
            .iter()
            .map(|t| Var::from_tensor(t).unwrap())
            .collect();
        let tensors: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
        let (a, b) = (fused(&tensors), reference(&tensors));
        assert!(max_diff(&a, &b) < 1e-5, "outputs differ");
        let upstream = input(
            (
                a.elem_count() / a.dim(D::Minus1).unwrap(),
                1,
                a.dim(D::Minus1).unwrap(),
            ),
            99,
        )
        .reshape(a.shape())
        .unwrap();
        let ga = (&a * &upstream)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let gb = (&b * &upstream)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        for (k, v) in vars.iter().enumerate() {
            let (x, y) = (
                ga.get(v.as_tensor()).unwrap(),
                gb.get(v.as_tensor()).unwrap(),
            );
            assert_eq!(x.dims(), y.dims());
            let scale = y.abs().unwrap().flatten_all().unwrap().max(0).unwrap();
            let scale = scale.to_scalar::<f32>().unwrap().max(1.0);
            assert!(
                max_diff(x, y) / scale < 1e-4,
                "gradient {k} differs by {}",
                max_diff(x, y)
            );
        }
    }

    #[test]
    fn softmax_matches_the_primitive_operations_forward_and_backward() {
        same_as(
            |t| softmax_last_dim(&t[0], true).unwrap(),
            |t| candle_nn::ops::softmax(&t[0], D::Minus1).unwrap(),
            &[input((3, 5, 37), 1)],
        );
    }

    #[test]
    fn layer_norm_matches_the_primitive_operations_forward_and_backward() {
        let w = input((1, 1, 24), 2).flatten_all().unwrap();
        let b = input((1, 1, 24), 3).flatten_all().unwrap();
        same_as(
            |t| layer_norm(&t[0], &t[1], &t[2], 1e-12, true).unwrap(),
            |t| candle_nn::ops::layer_norm_slow(&t[0], &t[1], &t[2], 1e-12).unwrap(),
            // More rows than one rayon task takes, so partial sums are combined.
            &[input((40, 30, 24), 4), w, b],
        );
    }

    #[test]
    fn gelu_matches_the_primitive_operation_forward_and_backward() {
        same_as(
            |t| gelu_erf(&t[0]).unwrap(),
            |t| t[0].gelu_erf().unwrap(),
            &[input((4, 9, 500), 5)],
        );
    }

    #[test]
    fn the_erf_approximation_is_within_its_bound() {
        for k in -4000..=4000 {
            let x = k as f32 / 1000.0;
            let (erf, gauss) = erf_and_gauss(x);
            assert!((erf - libm::erff(x)).abs() < 5e-7, "erf({x})");
            assert!((gauss - (-x * x).exp()).abs() < 1e-7, "exp(-{x}²)");
        }
    }

    #[test]
    fn non_contiguous_inputs_are_accepted() {
        let x = input((4, 6, 8), 6).transpose(1, 2).unwrap();
        let a = softmax_last_dim(&x, true).unwrap();
        let b = candle_nn::ops::softmax(&x, D::Minus1).unwrap();
        assert!(max_diff(&a, &b) < 1e-6);
    }
}
