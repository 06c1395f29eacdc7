//! Self-attention at inference, from the stacked queries, keys and values
//! of [`super::inplace::stacked`] straight to the context: for each window
//! and head, the scores `q · kᵀ` (queries already scaled) are written by
//! gemm into one reused buffer, softmaxed in place after the padding mask,
//! and `softmax · v` is written by gemm into the head's columns of the
//! result. Nothing is split into heads, transposed, zeroed or concatenated
//! on the way, which candle's operations did (copies of every layer's
//! queries, keys, values and context, and a zeroed buffer for each score
//! matrix). The gemm calls are the ones candle makes for the same products,
//! with the same sizes and order of sums; only the strides differ, so the
//! numbers are the same bits for heads of two values or more (the tests
//! below and those of [`super::bert`] hold it to candle's path, and
//! `predict` output was compared byte for byte); heads of one value, where
//! gemm takes a stride-dependent path, run through candle's operations.
#![allow(unsafe_code)] // gemm's entry point and writes through a shared pointer; each block says why

use super::fused::{self, values};
use super::inplace::SoftmaxRows;
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// The context of attention `[B, L, width]` from `qkv` `[B, L, 3 × width]`
/// (queries, keys, values side by side, the queries scaled by `1/√d`) with
/// `heads` heads; `relative` `[1, heads, L, L]` (MPNet's biases of relative
/// positions) is added to the scores when given, then `bias` `[B, 1, 1, L]`
/// to every row (0 for pieces, a large negative number for padding).
pub fn attention(
    qkv: &Tensor,
    heads: usize,
    relative: Option<&Tensor>,
    bias: Option<&Tensor>,
) -> Result<Tensor> {
    let three = qkv.dims3()?.2;
    let h = three / 3;
    if three % 3 != 0 || heads == 0 || h % heads != 0 {
        candle_core::bail!(
            "attention: {three} values per piece do not split into 3 × {heads} heads"
        );
    }
    let d = h / heads;
    // Heads of one value take gemm's matrix-vector path, whose sums depend
    // on the strides: those stay with candle's operations.
    if fused::fused(qkv) && qkv.is_contiguous() && d >= 2 {
        let flat = |t: Option<&Tensor>| t.map(|t| t.flatten_all()?.to_vec1::<f32>()).transpose();
        return qkv.apply_op1_no_bwd(&Attention {
            heads,
            relative: flat(relative)?,
            mask: flat(bias)?,
        });
    }
    // Elsewhere (a GPU, heads of one value), candle's operations, one window
    // at a time.
    by_candle(qkv, heads, relative, bias)
}

/// [`attention`] with candle's operations (splitting the heads, products
/// and softmax over tensors): the path the fused one replaces.
fn by_candle(
    qkv: &Tensor,
    heads: usize,
    relative: Option<&Tensor>,
    bias: Option<&Tensor>,
) -> Result<Tensor> {
    let (b, l, three) = qkv.dims3()?;
    let h = three / 3;
    let d = h / heads;
    let qkv = qkv.reshape((b, l, 3, heads, d))?;
    let part = |k: usize| -> Result<Tensor> {
        qkv.narrow(2, k, 1)?
            .squeeze(2)?
            .transpose(1, 2)?
            .contiguous()
    };
    let (q, k, v) = (part(0)?, part(1)?, part(2)?);
    let mut contexts = Vec::with_capacity(b);
    for i in 0..b {
        let mut scores = q.narrow(0, i, 1)?.matmul(&k.narrow(0, i, 1)?.t()?)?;
        if let Some(relative) = relative {
            scores = scores.broadcast_add(relative)?;
        }
        let mask = bias.map(|m| m.narrow(0, i, 1)).transpose()?;
        contexts.push(super::inplace::softmax(scores, mask.as_ref())?.matmul(&v.narrow(0, i, 1)?)?);
    }
    Tensor::cat(&contexts, 0)?
        .transpose(1, 2)?
        .contiguous()?
        .reshape((b, l, h))
}

struct Attention {
    heads: usize,
    /// `heads × L × L` biases of relative positions (MPNet), when used.
    relative: Option<Vec<f32>>,
    /// `B × L` additive mask values, when some window is padded.
    mask: Option<Vec<f32>>,
}

/// The result's memory, written by tasks at disjoint places.
#[derive(Clone, Copy)]
struct Out(*mut f32);
// SAFETY: each task writes only its own window's rows in its own head's
// columns, so no two tasks touch the same value, and the buffer outlives
// them all (they finish before `cpu_fwd` returns).
unsafe impl Send for Out {}
// SAFETY: as for `Send`.
unsafe impl Sync for Out {}

impl Out {
    /// The place `offset` values in (a method, so that closures take the
    /// whole `Out`, which is `Send`, not its pointer).
    ///
    /// # Safety
    /// `offset` is inside the buffer.
    unsafe fn at(self, offset: usize) -> *mut f32 {
        // SAFETY: the caller keeps `offset` inside the buffer.
        unsafe { self.0.add(offset) }
    }
}

/// A matrix in memory: its first value, column stride and row stride.
#[derive(Clone, Copy)]
struct Strided<P>(P, usize, usize);

/// `dst = lhs · rhs` for `(m, n, k)`: an m × k by a k × n matrix, every value
/// of the m × n `dst` written (not read), by gemm on this thread, as
/// candle's CPU matmul calls it (`alpha` 0, `beta` 1).
///
/// # Safety
/// Every value of the three matrices at their strides lies in memory the
/// caller may read (and, for `dst`, write), which nothing else writes
/// meanwhile.
unsafe fn product(
    (m, n, k): (usize, usize, usize),
    dst: Strided<*mut f32>,
    lhs: Strided<*const f32>,
    rhs: Strided<*const f32>,
) {
    let s = |x: usize| x as isize;
    // SAFETY: as the caller promises.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.0,
            s(dst.1),
            s(dst.2),
            false,
            lhs.0,
            s(lhs.1),
            s(lhs.2),
            rhs.0,
            s(rhs.1),
            s(rhs.2),
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

thread_local! {
    /// One head's scores (L × L), kept between heads and calls.
    static SCORES: std::cell::Cell<Vec<f32>> = const { std::cell::Cell::new(Vec::new()) };
}

impl CustomOp1 for Attention {
    fn name(&self) -> &'static str {
        "quotekit-attention"
    }

    fn cpu_fwd(&self, qkv: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let qkv = values(qkv, layout, self.name())?;
        let (b, l, three) = layout.shape().dims3()?;
        let (h, heads) = (three / 3, self.heads);
        let d = h / heads;
        if let Some(mask) = &self.mask {
            if mask.len() != b * l {
                candle_core::bail!("{}: the mask must have {} values", self.name(), b * l);
            }
        }
        if let Some(relative) = &self.relative {
            if relative.len() != heads * l * l {
                candle_core::bail!(
                    "{}: the relative biases must have {} values",
                    self.name(),
                    heads * l * l
                );
            }
        }
        if b * l * d == 0 {
            return Ok((
                CpuStorage::F32(vec![0.0; b * l * h]),
                Shape::from((b, l, h)),
            ));
        }
        let mut out: Vec<f32> = Vec::with_capacity(b * l * h);
        let dst = Out(out.as_mut_ptr());
        let threads = candle_core::utils::get_num_threads();
        let arch = pulp::Arch::new();
        let run = |(i, head): (usize, usize)| {
            let mut scores = SCORES.take();
            scores.resize(l * l, 0.0);
            let window = &qkv[i * l * three..(i + 1) * l * three];
            let q = window[head * d..].as_ptr();
            let k = window[h + head * d..].as_ptr();
            let v = window[2 * h + head * d..].as_ptr();
            // SAFETY: scores holds L × L values, written row-major (column
            // stride 1, row stride L); q is read as L × d (row stride 3h)
            // and k as its transpose, d × L (column stride 3h, row stride
            // 1), all inside this window's L × 3h values, since head × d +
            // d <= h. Only the scores are written.
            unsafe {
                product(
                    (l, l, d),
                    Strided(scores.as_mut_ptr(), 1, l),
                    Strided(q, 1, three),
                    Strided(k, three, 1),
                )
            };
            if let Some(relative) = &self.relative {
                let head_biases = &relative[head * l * l..(head + 1) * l * l];
                scores
                    .iter_mut()
                    .zip(head_biases)
                    .for_each(|(s, &r)| *s += r);
            }
            let mask = self.mask.as_ref().map(|m| &m[i * l..(i + 1) * l]);
            arch.dispatch(SoftmaxRows {
                rows: &mut scores,
                w: l,
                mask,
                first_row: 0,
                rows_per_item: l,
            });
            // SAFETY: the context of this window and head is L × d values
            // at row stride h from `i × L × h + head × d`, inside the
            // B × L × h values `out` has room for, and no other task writes
            // them; the scores are read L × L row-major and v as L × d
            // (row stride 3h) inside the window. gemm writes every one of
            // the context's values.
            unsafe {
                product(
                    (l, d, l),
                    Strided(dst.at(i * l * h + head * d), 1, h),
                    Strided(scores.as_ptr(), 1, l),
                    Strided(v, 1, three),
                )
            };
            SCORES.set(scores);
        };
        let tasks = (0..b).flat_map(|i| (0..heads).map(move |head| (i, head)));
        if threads > 1 {
            tasks.collect::<Vec<_>>().into_par_iter().for_each(run);
        } else {
            tasks.for_each(run);
        }
        // SAFETY: the tasks wrote every window's every head: all B × L × h
        // values.
        unsafe { out.set_len(b * l * h) };
        Ok((CpuStorage::F32(out), Shape::from((b, l, h))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn widths_that_do_not_split_into_heads_are_refused() {
        for (width, heads) in [(10, 2), (12, 0), (12, 5)] {
            let qkv = Tensor::zeros((1, 3, width), candle_core::DType::F32, &Device::Cpu).unwrap();
            let e = attention(&qkv, heads, None, None).unwrap_err().to_string();
            assert!(e.contains("do not split into 3 ×"), "{e}");
        }
    }

    /// The fused attention gives candle's bits, for several shapes, with and
    /// without padding, on one thread and on several.
    #[test]
    fn fused_attention_equals_candles_operations() {
        let mut state = 11u64;
        let mut random = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    ((state >> 33) as f32 / (1u64 << 31) as f32 - 0.5) * 4.0
                })
                .collect()
        };
        for &(b, l, heads, d) in &[(1, 5, 1, 2), (2, 12, 4, 8), (3, 40, 2, 16), (1, 33, 3, 32)] {
            let h = heads * d;
            let qkv = Tensor::from_vec(random(b * l * 3 * h), (b, l, 3 * h), &Device::Cpu).unwrap();
            let mut mask = vec![0f32; b * l];
            mask[b * l - l / 3..].fill(-10_000.0);
            let mask = Tensor::from_vec(mask, (b, 1, 1, l), &Device::Cpu).unwrap();
            let relative =
                Tensor::from_vec(random(heads * l * l), (1, heads, l, l), &Device::Cpu).unwrap();
            for (bias, relative) in [
                (None, None),
                (Some(&mask), None),
                (None, Some(&relative)),
                (Some(&mask), Some(&relative)),
            ] {
                let fused = attention(&qkv, heads, relative, bias).unwrap();
                let plain = by_candle(&qkv, heads, relative, bias).unwrap();
                let a: Vec<f32> = fused.flatten_all().unwrap().to_vec1().unwrap();
                let c: Vec<f32> = plain.flatten_all().unwrap().to_vec1().unwrap();
                assert_eq!(
                    a,
                    c,
                    "{b}×{l}, {heads} heads of {d}, mask {}, relative {}",
                    bias.is_some(),
                    relative.is_some()
                );
            }
        }
    }
}
