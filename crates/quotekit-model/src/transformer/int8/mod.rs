//! Int8 inference for the encoder's linear layers (`predict --precision
//! int8`). Each weight is quantized once, per output, to integers in
//! −127..=127 (symmetric, its largest magnitude mapping to 127); each input
//! row is quantized the same way as it arrives (per token, dynamic). The
//! products are summed in 32-bit integers and scaled back to f32, so a
//! result differs from the f32 product only by the two roundings.
//!
//! The sums run on AVX-512 VNNI (`vpdpbusd`: 64 products of an unsigned
//! and a signed byte, summed in fours into 16 integers, in one
//! instruction; the module `vnni`) when the processor has it, chosen at run time. It
//! wants unsigned inputs, so each input is stored plus 128 and `128 × Σ w`
//! is taken off each output's sum. A plain loop computes the same integers
//! (it is the reference the tests hold the kernel to, bit for bit, and runs
//! where the processor lacks VNNI, many times slower than f32: inference
//! refuses int8 there, see [`supported`]).
//!
//! A row or weight holding a NaN or an infinity gives NaN products, as in
//! f32; a row whose largest magnitude is too small to scale (below about
//! 4e-37) counts as zeros.
//!
//! Layout of a packed weight: blocks of 16 outputs; in each block, for
//! every group of 4 inputs, the 16 outputs' 4 bytes side by side (64 bytes,
//! one vector), inputs padded with zeros to a multiple of 4.
#![allow(unsafe_code)] // writes into reserved memory and the kernel's call; each block says why

use rayon::prelude::*;
use std::fmt;

mod levels;
#[cfg(target_arch = "x86_64")]
mod vnni;

use levels::{quantize_row, LANES};

/// Rows per parallel task when the product is shared among threads (a
/// multiple of the kernel's 6).
const ROWS_PER_TASK: usize = 48;

/// True when this processor runs the int8 kernel (x86-64 with AVX-512 F,
/// BW and VNNI). Elsewhere the plain loop computes the same numbers, too
/// slowly for int8 to pay.
pub fn supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        vnni::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The most inputs a quantized layer may have: its 32-bit sums then
/// cannot overflow (255 × 127 × 65,536 < 2³¹).
pub const MAX_INPUTS: usize = 65_536;

/// A linear layer's weight, quantized to int8 per output and packed for the
/// kernel.
pub struct Int8Weight {
    outputs: usize,
    inputs: usize,
    /// Groups of 4 inputs (`inputs` rounded up, divided by 4).
    steps: usize,
    packed: Vec<i8>,
    /// Per output (padded to whole blocks with 0): its weight's scale.
    scales: Vec<f32>,
    /// Per output (padded): `128 × Σ q`, the unsigned inputs' offset.
    offsets: Vec<i32>,
}

impl fmt::Debug for Int8Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Int8Weight")
            .field("outputs", &self.outputs)
            .field("inputs", &self.inputs)
            .finish_non_exhaustive()
    }
}

/// [`quantize_row`] with the vector code (`simd`, where the processor has
/// it) or the plain one; the same bytes either way.
fn quantize_with(row: &[f32], out: &mut [u8], simd: bool) -> f32 {
    match simd && supported() {
        // SAFETY: the processor has AVX-512 F, BW and VNNI (`supported`).
        #[cfg(target_arch = "x86_64")]
        true => unsafe { vnni::quantize_row(row, out) },
        _ => quantize_row(row, out),
    }
}

/// Input rows quantized for the kernel.
struct Rows {
    /// `rows × stride` bytes.
    values: Vec<u8>,
    /// Bytes per row (inputs rounded up to 4).
    stride: usize,
    scales: Vec<f32>,
}

impl Rows {
    fn new(x: &[f32], inputs: usize, stride: usize, simd: bool) -> Self {
        let rows = x.len() / inputs;
        // The last product's bytes, reused: every byte is written below, and
        // only growth is zeroed.
        let mut values = SCRATCH.take();
        values.resize(rows * stride, 0);
        let mut scales = vec![0f32; rows];
        let quantize = |(row, (q, s)): (&[f32], (&mut [u8], &mut f32))| {
            *s = quantize_with(row, q, simd);
        };
        x.chunks(inputs)
            .zip(values.chunks_mut(stride).zip(scales.iter_mut()))
            .for_each(quantize);
        Self {
            values,
            stride,
            scales,
        }
    }
}

thread_local! {
    /// Memory for quantized rows, kept between products (up to 3 MB for a
    /// batch of 8 windows of 256 pieces by 1,536 inputs).
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Drop for Rows {
    fn drop(&mut self) {
        SCRATCH.set(std::mem::take(&mut self.values));
    }
}

impl Int8Weight {
    /// Quantizes a weight of `outputs × inputs` values, row-major (candle's
    /// `Linear` layout: one row per output). Refuses a weight of another
    /// size, or of more than [`MAX_INPUTS`] inputs.
    pub fn new(weight: &[f32], outputs: usize, inputs: usize) -> Result<Self, String> {
        if weight.len() != outputs * inputs {
            return Err(format!(
                "a weight of {} values is not {outputs} × {inputs}",
                weight.len()
            ));
        }
        if inputs > MAX_INPUTS {
            return Err(format!(
                "int8 takes layers of at most {MAX_INPUTS} inputs, not {inputs}"
            ));
        }
        let steps = inputs.div_ceil(4);
        let blocks = outputs.div_ceil(LANES);
        let mut packed = vec![0i8; blocks * steps * LANES * 4];
        let mut scales = vec![0f32; blocks * LANES];
        let mut offsets = vec![0i32; blocks * LANES];
        // Each output's weights as a row of inputs are (the same levels,
        // without the +128).
        let mut row = vec![0u8; steps * 4];
        for (o, w) in weight.chunks(inputs.max(1)).enumerate().take(outputs) {
            scales[o] = quantize_with(w, &mut row, supported());
            let (block, lane) = (o / LANES, o % LANES);
            let mut sum = 0i32;
            for (i, &u) in row[..inputs].iter().enumerate() {
                let q = i32::from(u) - 128;
                sum += q;
                packed[((block * steps + i / 4) * LANES + lane) * 4 + i % 4] = q as i8;
            }
            offsets[o] = 128 * sum;
        }
        Ok(Self {
            outputs,
            inputs,
            steps,
            packed,
            scales,
            offsets,
        })
    }

    /// Outputs (the product's width).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Inputs (the width of `x`'s rows).
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// `x · weightᵀ` for `x` of rows of [`Self::inputs`] values: rows of
    /// [`Self::outputs`] values. With `parallel`, blocks of rows are shared
    /// among rayon's threads (the same result).
    ///
    /// # Panics
    /// When the weight has no inputs, or `x`'s length is not a multiple of
    /// them.
    pub fn product(&self, x: &[f32], parallel: bool) -> Vec<f32> {
        self.product_with(x, parallel, true)
    }

    /// [`Self::product`] with the VNNI kernel (`simd`, where the processor
    /// has it) or the plain loop.
    fn product_with(&self, x: &[f32], parallel: bool, simd: bool) -> Vec<f32> {
        let simd = simd && supported();
        let k = self.inputs;
        assert!(k > 0 && x.len().is_multiple_of(k), "input size");
        let m = x.len() / k;
        let n = self.outputs;
        if m == 0 || n == 0 {
            return vec![0.0; m * n];
        }
        let rows = Rows::new(x, k, self.steps * 4, simd);
        let mut out: Vec<f32> = Vec::with_capacity(m * n);
        {
            let spare = &mut out.spare_capacity_mut()[..m * n];
            let run = |(task, out): (usize, &mut [std::mem::MaybeUninit<f32>])| {
                self.rows_into(&rows, task * ROWS_PER_TASK, out, simd)
            };
            if parallel {
                spare
                    .par_chunks_mut(ROWS_PER_TASK * n)
                    .enumerate()
                    .for_each(run);
            } else {
                spare
                    .chunks_mut(ROWS_PER_TASK * n)
                    .enumerate()
                    .for_each(run);
            }
        }
        // SAFETY: `rows_into` wrote every one of the m × n values.
        unsafe { out.set_len(m * n) };
        out
    }

    /// Writes the product of the rows from `first` on into `out` (whole
    /// rows of outputs; every value of it is written).
    fn rows_into(
        &self,
        rows: &Rows,
        first: usize,
        out: &mut [std::mem::MaybeUninit<f32>],
        simd: bool,
    ) {
        #[cfg(target_arch = "x86_64")]
        if simd {
            use vnni::{dispatch, Call, BLOCKS, ROWS};
            let n = self.outputs;
            let count = out.len() / n;
            let blocks = n.div_ceil(LANES);
            for r in (0..count).step_by(ROWS) {
                let mr = ROWS.min(count - r);
                for b in (0..blocks).step_by(BLOCKS) {
                    let nb = BLOCKS.min(blocks - b);
                    let cols = (n - b * LANES).min(nb * LANES);
                    let call = Call {
                        a: &rows.values[(first + r) * rows.stride..],
                        a_stride: rows.stride,
                        row_scales: &rows.scales[first + r..first + r + mr],
                        b: &self.packed[b * self.steps * LANES * 4..],
                        b_stride: self.steps * LANES * 4,
                        steps: self.steps,
                        col_scales: &self.scales[b * LANES..],
                        offsets: &self.offsets[b * LANES..],
                        out: &mut out[r * n + b * LANES..],
                        out_stride: n,
                        cols,
                    };
                    // SAFETY: `simd` is true only when the processor has
                    // AVX-512 F, BW and VNNI.
                    unsafe { dispatch(mr, nb, call) };
                }
            }
            return;
        }
        // (Off x86-64 only the plain loop exists.)
        let _ = simd;
        self.plain_rows_into(rows, first, out);
    }

    /// [`Self::rows_into`] with the plain loop: the kernel's integers and
    /// scaling, one output at a time.
    fn plain_rows_into(&self, rows: &Rows, first: usize, out: &mut [std::mem::MaybeUninit<f32>]) {
        let n = self.outputs;
        for (r, out) in out.chunks_mut(n).enumerate() {
            let a = &rows.values[(first + r) * rows.stride..][..rows.stride];
            let sx = rows.scales[first + r];
            for (o, y) in out.iter_mut().enumerate() {
                let (block, lane) = (o / LANES, o % LANES);
                let mut sum = 0i32;
                for s in 0..self.steps {
                    let w = &self.packed[((block * self.steps + s) * LANES + lane) * 4..][..4];
                    for (&u, &q) in a[s * 4..s * 4 + 4].iter().zip(w) {
                        sum = sum.wrapping_add(i32::from(u) * i32::from(q));
                    }
                }
                let value = sum.wrapping_sub(self.offsets[o]) as f32;
                y.write(value * (sx * self.scales[o]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn random(rng: &mut rand_chacha::ChaCha8Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-2.0f32..2.0)).collect()
    }

    #[test]
    fn the_kernel_gives_the_plain_loops_bits_for_any_shape() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for &(m, n, k) in &[
            (1, 1, 1),
            (7, 17, 5),
            (13, 70, 37),
            (6, 64, 8),
            (25, 48, 384),
            (50, 100, 3),
        ] {
            let w = Int8Weight::new(&random(&mut rng, n * k), n, k).unwrap();
            let x = random(&mut rng, m * k);
            let expected = w.product_with(&x, false, false);
            assert_eq!(w.product_with(&x, true, false), expected, "parallel");
            if supported() {
                assert_eq!(
                    w.product_with(&x, false, true),
                    expected,
                    "{m}×{k} · {k}×{n}"
                );
                assert_eq!(w.product_with(&x, true, true), expected, "parallel");
            }
        }
    }

    #[test]
    fn the_product_is_close_to_the_f32_product() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (m, n, k) = (9, 40, 96);
        let (wv, x) = (random(&mut rng, n * k), random(&mut rng, m * k));
        let w = Int8Weight::new(&wv, n, k).unwrap();
        for simd in [false, supported()] {
            let y = w.product_with(&x, false, simd);
            let (mut error, mut size) = (0f64, 0f64);
            for r in 0..m {
                for o in 0..n {
                    let exact: f32 = (0..k).map(|i| x[r * k + i] * wv[o * k + i]).sum();
                    let got = y[r * n + o];
                    // Each factor is off by at most half a step (2 / 127 / 2),
                    // and each is at most 2.
                    assert!(
                        (got - exact).abs() <= k as f32 * 4.0 / 127.0,
                        "{got} vs {exact}"
                    );
                    error += f64::from(got - exact).powi(2);
                    size += f64::from(exact).powi(2);
                }
            }
            assert!(
                (error / size).sqrt() < 0.02,
                "relative error {}",
                (error / size).sqrt()
            );
        }
    }

    #[test]
    fn zero_rows_and_weights_give_zeros() {
        for simd in [false, supported()] {
            let w = Int8Weight::new(&[0.0; 12], 3, 4).unwrap();
            assert_eq!(w.product_with(&[1.0; 8], false, simd), vec![0.0; 6]);
            let w = Int8Weight::new(&[1.0; 12], 3, 4).unwrap();
            assert_eq!(w.product_with(&[0.0; 4], false, simd), vec![0.0; 3]);
            // No rows, or no outputs.
            assert!(w.product_with(&[], false, simd).is_empty());
            assert!(Int8Weight::new(&[], 0, 4)
                .unwrap()
                .product_with(&[1.0; 8], true, simd)
                .is_empty());
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_vector_quantizer_gives_the_plain_bytes() {
        if !supported() {
            eprintln!("skipped: this processor has no AVX-512 VNNI");
            return;
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut rows: Vec<Vec<f32>> = [1, 15, 16, 17, 100, 384]
            .iter()
            .map(|&n| {
                let mut x = random(&mut rng, n);
                // A tie at .5 after scaling: the rounding must match.
                x[0] = 2.0;
                x
            })
            .collect();
        // NaN and infinity, early (in the vector part) and late; a row too
        // small to scale; zeros.
        for (at, bad) in [(3, f32::NAN), (40, f32::INFINITY), (0, f32::NEG_INFINITY)] {
            let mut x = random(&mut rng, 45);
            x[at] = bad;
            rows.push(x);
        }
        rows.push(vec![1e-38; 20]);
        rows.push(vec![0.0; 33]);
        for x in rows {
            let n = x.len().div_ceil(4) * 4;
            let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
            // SAFETY: `supported` checked the processor.
            let sa = unsafe { vnni::quantize_row(&x, &mut a) };
            let sb = quantize_row(&x, &mut b);
            assert_eq!((a, sa.to_bits()), (b, sb.to_bits()), "{x:?}");
        }
    }

    #[test]
    fn nan_and_infinity_give_nan_products_as_in_f32() {
        for simd in [false, supported()] {
            let w = Int8Weight::new(&[1.0, 2.0, 3.0, 4.0, 0.5, 0.5, 0.5, 0.5], 2, 4).unwrap();
            let y = w.product_with(&[1.0, f32::NAN, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0], false, simd);
            assert!(y[..2].iter().all(|v| v.is_nan()), "{y:?}");
            assert!(y[2..].iter().all(|v| v.is_finite()), "{y:?}");
            let w =
                Int8Weight::new(&[1.0, f32::INFINITY, 3.0, 4.0, 0.5, 0.5, 0.5, 0.5], 2, 4).unwrap();
            let y = w.product_with(&[1.0; 4], false, simd);
            assert!(y[0].is_nan() && y[1] == 2.0, "{y:?}");
        }
    }

    #[test]
    fn weights_of_the_wrong_size_or_too_many_inputs_are_refused() {
        let e = Int8Weight::new(&[1.0; 5], 2, 3).unwrap_err();
        assert!(e.contains("5 values is not 2 × 3"), "{e}");
        let e = Int8Weight::new(&[], 0, MAX_INPUTS + 1).unwrap_err();
        assert!(e.contains("at most 65536 inputs"), "{e}");
    }
}
