//! Inference kernels that work in place on a result just computed: a
//! linear layer's bias added (with GELU after it, or the query scale on the
//! stacked queries, keys and values), a
//! layer's bias, residual and layer norm in one pass, and softmax over the
//! attention scores. Each saves a fresh tensor, its zeroing and one or two
//! passes over it per use, and computes exactly what [`super::fused`] and
//! candle's operations compute in the training path, in the same order, so
//! that inference gives the same numbers either way. Off the CPU, or for
//! other than f32, the plain operations run instead.

use super::fused::{self, gelu, last_dim, moments, rows_per_task, values};
use super::int8::Int8Weight;
use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, InplaceOp1, InplaceOp2, Layout, Module, Result, Shape, Tensor,
};
use candle_nn::Linear;
use rayon::prelude::*;

/// The f32 values of a contiguous CPU tensor, to overwrite.
fn values_mut<'a>(storage: &'a mut CpuStorage, layout: &Layout, op: &str) -> Result<&'a mut [f32]> {
    let all = match storage {
        CpuStorage::F32(v) => v.as_mut_slice(),
        _ => candle_core::bail!("{op}: expected f32 values"),
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&mut all[start..end]),
        None => candle_core::bail!("{op}: the output is not contiguous"),
    }
}

/// `x · weightᵀ` as candle's `Linear` computes it, without the bias: the
/// same gemm call candle makes (same strides, same parallelism), into a
/// buffer that is not zeroed first, since gemm writes every value of it.
fn product(x: &Tensor, layer: &Linear) -> Result<Tensor> {
    let w = layer.weight();
    if x.is_contiguous() && w.is_contiguous() && w.rank() == 2 && fused::fused(w) {
        return x.apply_op2_no_bwd(w, &Product);
    }
    let w = w.t()?;
    match *x.dims() {
        [b, m, k] if x.is_contiguous() => x.reshape((b * m, k))?.matmul(&w)?.reshape((b, m, ())),
        _ => x.broadcast_matmul(&w),
    }
}

/// `x · weightᵀ` with the weight quantized ([`Int8Weight`]): `[.., n]`.
fn int8_product(x: &Tensor, weight: &Int8Weight) -> Result<Tensor> {
    x.contiguous()?.apply_op1_no_bwd(&Int8Product(weight))
}

/// The product of a linear layer: in int8 when its weight is quantized
/// (on the CPU, in f32), else as [`product`].
fn product_of(x: &Tensor, layer: &Linear, int8: Option<&Int8Weight>) -> Result<Tensor> {
    match int8 {
        Some(weight) if fused::fused(x) => int8_product(x, weight),
        _ => product(x, layer),
    }
}

struct Int8Product<'a>(&'a Int8Weight);

impl CustomOp1 for Int8Product<'_> {
    fn name(&self) -> &'static str {
        "quotekit-int8-product"
    }

    fn cpu_fwd(&self, x: &CpuStorage, x_l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = values(x, x_l, self.name())?;
        let (k, n) = (self.0.inputs(), self.0.outputs());
        if last_dim(x_l)? != k || k == 0 {
            candle_core::bail!(
                "{}: {} inputs against a weight of {k}",
                self.name(),
                last_dim(x_l)?
            );
        }
        let mut dims = x_l.shape().dims().to_vec();
        *dims.last_mut().expect("last_dim found one") = n;
        let parallel = candle_core::utils::get_num_threads() > 1;
        Ok((
            CpuStorage::F32(self.0.product(x, parallel)),
            Shape::from(dims),
        ))
    }
}

/// `x · wᵀ` for a contiguous `x` `[.., k]` and `w` `[n, k]`: `[.., n]`.
struct Product;

impl CustomOp2 for Product {
    fn name(&self) -> &'static str {
        "quotekit-product"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_l: &Layout,
        w: &CpuStorage,
        w_l: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (x, w) = (values(x, x_l, self.name())?, values(w, w_l, self.name())?);
        let k = last_dim(x_l)?;
        let (n, w_k) = w_l.shape().dims2()?;
        if w_k != k {
            candle_core::bail!("{}: {k} inputs against a weight of {w_k}", self.name());
        }
        let m = x.len().checked_div(k).unwrap_or(0);
        let mut dims = x_l.shape().dims().to_vec();
        *dims.last_mut().expect("last_dim found one") = n;
        if m * n == 0 || k == 0 {
            return Ok((
                CpuStorage::F32(vec![0.0; dims.iter().product()]),
                Shape::from(dims),
            ));
        }
        // As candle's CPU matmul chooses it, so that results are the same bits.
        let threads = candle_core::utils::get_num_threads();
        let parallelism = if threads > 1 {
            gemm::Parallelism::Rayon(threads)
        } else {
            gemm::Parallelism::None
        };
        let mut out: Vec<f32> = Vec::with_capacity(m * n);
        #[allow(unsafe_code)] // gemm's entry point is unsafe; see the SAFETY note
        // SAFETY: `out` has room for the m × n result, written row-major
        // (column stride 1, row stride n); `x` holds m × k values row-major
        // and `w` n × k row-major, read as its transpose (column stride k,
        // row stride 1): every access gemm makes is inside the three
        // buffers. With `read_dst` false gemm only writes `out`, every one
        // of its m × n values, before `set_len` makes them readable.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                out.as_mut_ptr(),
                1,
                n as isize,
                false,
                x.as_ptr(),
                1,
                k as isize,
                w.as_ptr(),
                k as isize,
                1,
                0.0,
                1.0,
                false,
                false,
                false,
                parallelism,
            );
            out.set_len(m * n);
        }
        Ok((CpuStorage::F32(out), Shape::from(dims)))
    }
}

/// What follows the bias of a linear layer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum After {
    /// GELU (erf form).
    Gelu,
    /// A multiplication of the first so many values of each row (the
    /// queries' `1/√d`, when queries, keys and values are one product).
    ScaleFirst(usize, f32),
}

/// A linear layer, then GELU: `gelu(x · weightᵀ + bias)`; the product in
/// int8 with `int8`, the layer's weight quantized.
pub fn linear_gelu(x: &Tensor, layer: &Linear, int8: Option<&Int8Weight>) -> Result<Tensor> {
    let (Some(bias), true) = (layer.bias(), fused::fused(x)) else {
        return fused::gelu_erf(&layer.forward(x)?);
    };
    let y = product_of(x, layer, int8)?;
    y.inplace_op1(&BiasThen {
        bias: bias.to_vec1()?,
        after: After::Gelu,
    })?;
    Ok(y)
}

/// Queries, keys and values of attention in one product: `x · [Wq; Wk; Wv]ᵀ`
/// plus the three biases, the queries' part times `scale`: `[.., 3 × width]`;
/// the product in int8 with `int8`, the three weights stacked and quantized.
pub fn stacked(
    x: &Tensor,
    layers: [&Linear; 3],
    scale: f32,
    int8: Option<&Int8Weight>,
) -> Result<Tensor> {
    let biases: Option<Vec<&Tensor>> = layers.iter().map(|l| l.bias()).collect();
    let (Some(biases), true) = (biases, fused::fused(x)) else {
        let q = (layers[0].forward(x)? * scale as f64)?;
        let (k, v) = (layers[1].forward(x)?, layers[2].forward(x)?);
        return Tensor::cat(&[q, k, v], candle_core::D::Minus1);
    };
    let bias = Tensor::cat(&biases, 0)?;
    let width = layers[0].weight().dim(0)?;
    let y = match int8 {
        Some(weight) => int8_product(x, weight)?,
        None => {
            let weight = Tensor::cat(
                &[layers[0].weight(), layers[1].weight(), layers[2].weight()],
                0,
            )?;
            product(x, &Linear::new(weight, None))?
        }
    };
    y.inplace_op1(&BiasThen {
        bias: bias.to_vec1()?,
        after: After::ScaleFirst(width, scale),
    })?;
    Ok(y)
}

struct BiasThen {
    bias: Vec<f32>,
    after: After,
}

impl InplaceOp1 for BiasThen {
    fn name(&self) -> &'static str {
        "quotekit-bias-inplace"
    }

    fn cpu_fwd(&self, dst: &mut CpuStorage, dst_l: &Layout) -> Result<()> {
        let w = last_dim(dst_l)?;
        let bias = self.bias.as_slice();
        if bias.len() != w {
            candle_core::bail!("{}: the bias must have {w} values", self.name());
        }
        let after = self.after;
        let y = values_mut(dst, dst_l, self.name())?;
        let arch = pulp::Arch::new();
        y.par_chunks_mut(w * rows_per_task(w))
            .for_each(|rows| arch.dispatch(BiasRows { rows, bias, after }));
        Ok(())
    }
}

/// The end of a sublayer: `norm(x · weightᵀ + bias + residual)`, where
/// `norm` is a layer norm with `weight`, `bias` and `eps`; the product in
/// int8 with `int8`, the layer's weight quantized.
pub fn linear_residual_norm(
    x: &Tensor,
    layer: &Linear,
    int8: Option<&Int8Weight>,
    residual: &Tensor,
    norm: (&Tensor, &Tensor, f32),
) -> Result<Tensor> {
    let (weight, norm_bias, eps) = norm;
    let (Some(bias), true) = (layer.bias(), fused::fused(x) && residual.is_contiguous()) else {
        let y = (layer.forward(x)? + residual)?;
        return fused::layer_norm(&y, weight, norm_bias, eps, false);
    };
    let y = product_of(x, layer, int8)?;
    let residual = residual.contiguous()?;
    y.inplace_op2(
        &residual,
        &BiasResidualNorm {
            bias: bias.to_vec1()?,
            weight: weight.to_vec1()?,
            shift: norm_bias.to_vec1()?,
            eps,
        },
    )?;
    Ok(y)
}

struct BiasResidualNorm {
    bias: Vec<f32>,
    weight: Vec<f32>,
    shift: Vec<f32>,
    eps: f32,
}

impl InplaceOp2 for BiasResidualNorm {
    fn name(&self) -> &'static str {
        "quotekit-bias-residual-norm-inplace"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        residual: &CpuStorage,
        residual_l: &Layout,
    ) -> Result<()> {
        let w = last_dim(dst_l)?;
        let residual = values(residual, residual_l, self.name())?;
        let (bias, weight, shift) = (&self.bias[..], &self.weight[..], &self.shift[..]);
        if bias.len() != w || weight.len() != w || shift.len() != w {
            candle_core::bail!(
                "{}: bias, weight and shift must have {w} values",
                self.name()
            );
        }
        let y = values_mut(dst, dst_l, self.name())?;
        if residual.len() != y.len() {
            candle_core::bail!("{}: the residual has another size", self.name());
        }
        let chunk = w * rows_per_task(w);
        let eps = self.eps;
        let arch = pulp::Arch::new();
        y.par_chunks_mut(chunk)
            .zip(residual.par_chunks(chunk))
            .for_each(|(rows, residual)| {
                arch.dispatch(NormRows {
                    rows,
                    residual,
                    bias,
                    weight,
                    shift,
                    eps,
                })
            });
        Ok(())
    }
}

/// Softmax over the last dimension of `scores` `[B, heads, L, L]`, after
/// adding `mask` `[B, 1, 1, L]` (0 for pieces, a large negative number for
/// padding) when there is one: in place when it can be (a contiguous f32
/// CPU tensor, as attention scores are); returns the result.
pub fn softmax(scores: Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
    if !(fused::fused(&scores) && scores.is_contiguous()) {
        let scores = match mask {
            Some(m) => scores.broadcast_add(m)?,
            None => scores,
        };
        return fused::softmax_last_dim(&scores, false);
    }
    let mask = match mask {
        Some(m) => m.flatten_all()?.to_vec1()?,
        None => Vec::new(),
    };
    scores.inplace_op1(&Softmax { mask })?;
    Ok(scores)
}

/// Softmax of rows, each after adding its batch's row of `mask` (if any).
struct Softmax {
    mask: Vec<f32>,
}

impl InplaceOp1 for Softmax {
    fn name(&self) -> &'static str {
        "quotekit-softmax-inplace"
    }

    fn cpu_fwd(&self, dst: &mut CpuStorage, dst_l: &Layout) -> Result<()> {
        let w = last_dim(dst_l)?;
        let batch = dst_l.dims().first().copied().unwrap_or(1).max(1);
        let y = values_mut(dst, dst_l, self.name())?;
        if !self.mask.is_empty() && self.mask.len() != batch * w {
            candle_core::bail!("{}: the mask must have {} values", self.name(), batch * w);
        }
        // Rows of one batch element (heads × queries).
        let rows_per_item = y.len() / w / batch;
        let per_task = rows_per_task(w);
        let arch = pulp::Arch::new();
        let mask = (!self.mask.is_empty()).then_some(self.mask.as_slice());
        y.par_chunks_mut(w * per_task)
            .enumerate()
            .for_each(|(t, rows)| {
                arch.dispatch(SoftmaxRows {
                    rows,
                    w,
                    mask,
                    first_row: t * per_task,
                    rows_per_item,
                })
            });
        Ok(())
    }
}

/// Softmax of some rows of the scores, as a vector-width-generic body
/// (everything it calls is inlined, so it is compiled for each width).
pub(super) struct SoftmaxRows<'a> {
    /// Rows of `w` scores.
    pub rows: &'a mut [f32],
    /// Row width.
    pub w: usize,
    /// Per batch item, `w` values added to each of its rows first.
    pub mask: Option<&'a [f32]>,
    /// Index of the first of `rows` among all rows.
    pub first_row: usize,
    /// Rows of one batch item.
    pub rows_per_item: usize,
}

impl pulp::WithSimd for SoftmaxRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let w = self.w;
        for (k, row) in self.rows.chunks_mut(w).enumerate() {
            if let Some(mask) = self.mask {
                let item = (self.first_row + k) / self.rows_per_item;
                let mask = &mask[item * w..(item + 1) * w];
                row.iter_mut().zip(mask).for_each(|(y, &m)| *y += m);
            }
            fused::softmax_row(row);
        }
    }
}

/// [`BiasThen`] on some rows (compiled for each vector width).
struct BiasRows<'a> {
    rows: &'a mut [f32],
    bias: &'a [f32],
    after: After,
}

impl pulp::WithSimd for BiasRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        // One loop per case, so that each vectorizes.
        for row in self.rows.chunks_mut(self.bias.len()) {
            match self.after {
                After::Gelu => row
                    .iter_mut()
                    .zip(self.bias)
                    .for_each(|(y, &b)| *y = gelu(*y + b)),
                After::ScaleFirst(n, s) => {
                    let (head, tail) = row.split_at_mut(n.min(row.len()));
                    let (bh, bt) = self.bias.split_at(head.len());
                    // candle's affine: `x * mul + add`, with add 0.
                    head.iter_mut()
                        .zip(bh)
                        .for_each(|(y, &b)| *y = (*y + b) * s + 0.0);
                    tail.iter_mut().zip(bt).for_each(|(y, &b)| *y += b);
                }
            }
        }
    }
}

/// [`BiasResidualNorm`] on some rows (compiled for each vector width).
struct NormRows<'a> {
    rows: &'a mut [f32],
    residual: &'a [f32],
    bias: &'a [f32],
    weight: &'a [f32],
    shift: &'a [f32],
    eps: f32,
}

impl pulp::WithSimd for NormRows<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let w = self.bias.len();
        for (row, r) in self.rows.chunks_mut(w).zip(self.residual.chunks(w)) {
            for ((y, &b), &r) in row.iter_mut().zip(self.bias).zip(r) {
                *y = (*y + b) + r;
            }
            let (mean, rstd) = moments(row, self.eps);
            for ((y, &g), &h) in row.iter_mut().zip(self.weight).zip(self.shift) {
                *y = (*y - mean) * rstd * g + h;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    #[test]
    fn an_int8_product_of_the_wrong_width_is_an_error() {
        let weight = Int8Weight::new(&[1.0; 12], 3, 4).unwrap();
        let x = Tensor::ones((2, 5), DType::F32, &Device::Cpu).unwrap();
        let e = int8_product(&x, &weight).unwrap_err().to_string();
        assert!(e.contains("5 inputs against a weight of 4"), "{e}");
        let x = Tensor::ones((2, 4), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(int8_product(&x, &weight).unwrap().dims(), [2, 3]);
    }
}
