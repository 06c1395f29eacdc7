//! Int8 inference for the encoder's linear layers (`predict --precision
//! int8`). Each weight is quantized once, per output, to integers in
//! −127..=127 (symmetric, its largest magnitude mapping to 127); each input
//! row is quantized the same way as it arrives (per token, dynamic). The
//! products are summed in 32-bit integers and scaled back to f32, so a
//! result differs from the f32 product only by the two roundings.
//!
//! The sums run on AVX-512 VNNI (`vpdpbusd`: 64 products of an unsigned
//! and a signed byte, summed in fours into 16 integers, in one
//! instruction) when the processor has it, chosen at run time. It wants
//! unsigned inputs, so each input is stored plus 128 and `128 × Σ w` is
//! taken off each output's sum. Elsewhere a plain loop computes the same
//! integers, and both paths then scale them with the same f32 operations,
//! so the two give the same bits (a test holds them to it).
//!
//! Layout of a packed weight: blocks of 16 outputs; in each block, for
//! every group of 4 inputs, the 16 outputs' 4 bytes side by side (64 bytes,
//! one vector), inputs padded with zeros to a multiple of 4.
#![allow(unsafe_code)] // SIMD intrinsics and writes into reserved memory; each block says why

use rayon::prelude::*;
use std::fmt;

/// Outputs per block: one vector of 16 32-bit sums.
const LANES: usize = 16;
/// Input rows per kernel call (6 rows × 4 blocks = 24 vector sums).
const ROWS: usize = 6;
/// Output blocks per kernel call.
const BLOCKS: usize = 4;
/// Rows per parallel task when the product is shared among threads.
const ROWS_PER_TASK: usize = 8 * ROWS;

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

/// Quantizes `row` into `out` (its length rounded up to 4, padding left at
/// the zero point 128) and returns the scale: `x ≈ (q − 128) × scale`.
fn quantize_row(row: &[f32], out: &mut [u8]) -> f32 {
    let largest = row.iter().fold(0f32, |m, &x| m.max(x.abs()));
    if largest == 0.0 || !largest.is_finite() {
        out.fill(128);
        return if largest == 0.0 { 0.0 } else { f32::NAN };
    }
    out[row.len()..].fill(128);
    let inverse = 127.0 / largest;
    for (q, &x) in out.iter_mut().zip(row) {
        *q = ((x * inverse).round_ties_even().clamp(-127.0, 127.0) as i32 + 128) as u8;
    }
    largest / 127.0
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
            *s = if simd {
                // SAFETY: `simd` is true only when the processor has AVX-512
                // F, BW and VNNI (`vnni`).
                unsafe { quantize_row_avx512(row, q) }
            } else {
                quantize_row(row, q)
            };
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

/// [`quantize_row`] with AVX-512: the same arithmetic (the conversion
/// rounds to nearest even, as `round_ties_even`), so the same bytes.
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn quantize_row_avx512(row: &[f32], out: &mut [u8]) -> f32 {
    use std::arch::x86_64::*;
    let n = row.len();
    let whole = n / LANES * LANES;
    let mut top = _mm512_setzero_ps();
    let p = row.as_ptr();
    for i in (0..whole).step_by(LANES) {
        // SAFETY: i + 16 <= whole <= row.len().
        top = _mm512_max_ps(top, _mm512_abs_ps(unsafe { _mm512_loadu_ps(p.add(i)) }));
    }
    let largest = row[whole..]
        .iter()
        .fold(_mm512_reduce_max_ps(top), |m, &x| m.max(x.abs()));
    if largest == 0.0 || !largest.is_finite() {
        out.fill(128);
        return if largest == 0.0 { 0.0 } else { f32::NAN };
    }
    out[n..].fill(128);
    let inverse = 127.0 / largest;
    let (scale, low, high, zero) = (
        _mm512_set1_ps(inverse),
        _mm512_set1_epi32(-127),
        _mm512_set1_epi32(127),
        _mm512_set1_epi32(128),
    );
    let o = out.as_mut_ptr();
    for i in (0..whole).step_by(LANES) {
        // SAFETY: i + 16 <= whole <= row.len() <= out.len().
        unsafe {
            let x = _mm512_mul_ps(_mm512_loadu_ps(p.add(i)), scale);
            let q = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(x), low), high);
            _mm_storeu_si128(
                o.add(i) as *mut __m128i,
                _mm512_cvtepi32_epi8(_mm512_add_epi32(q, zero)),
            );
        }
    }
    for (q, &x) in out[whole..n].iter_mut().zip(&row[whole..]) {
        *q = ((x * inverse).round_ties_even().clamp(-127.0, 127.0) as i32 + 128) as u8;
    }
    largest / 127.0
}

/// True when the processor runs the VNNI kernel.
fn vnni() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    })
}

impl Int8Weight {
    /// Quantizes a weight of `outputs × inputs` values, row-major (candle's
    /// `Linear` layout: one row per output).
    ///
    /// # Panics
    /// When `weight` does not hold `outputs × inputs` values.
    pub fn new(weight: &[f32], outputs: usize, inputs: usize) -> Self {
        assert_eq!(weight.len(), outputs * inputs, "weight size");
        let steps = inputs.div_ceil(4);
        let blocks = outputs.div_ceil(LANES);
        let mut packed = vec![0i8; blocks * steps * LANES * 4];
        let mut scales = vec![0f32; blocks * LANES];
        let mut offsets = vec![0i32; blocks * LANES];
        for (o, w) in weight.chunks(inputs.max(1)).enumerate().take(outputs) {
            let largest = w.iter().fold(0f32, |m, &x| m.max(x.abs()));
            let inverse = if largest > 0.0 { 127.0 / largest } else { 0.0 };
            scales[o] = largest / 127.0;
            let (block, lane) = (o / LANES, o % LANES);
            let mut sum = 0i32;
            for (i, &x) in w.iter().enumerate() {
                let q = (x * inverse).round_ties_even().clamp(-127.0, 127.0) as i8;
                sum += i32::from(q);
                packed[((block * steps + i / 4) * LANES + lane) * 4 + i % 4] = q;
            }
            offsets[o] = 128 * sum;
        }
        Self {
            outputs,
            inputs,
            steps,
            packed,
            scales,
            offsets,
        }
    }

    /// Outputs (the product's width).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Inputs (the width of `x`'s rows).
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// `x · weightᵀ` for `x` of rows of [`Self::inputs`] values, appended to
    /// `out` (rows of [`Self::outputs`] values). With `parallel`, blocks of
    /// rows are shared among rayon's threads (the same result).
    ///
    /// # Panics
    /// When `x`'s length is not a multiple of the inputs.
    pub fn product(&self, x: &[f32], parallel: bool) -> Vec<f32> {
        self.product_with(x, parallel, vnni())
    }

    /// [`Self::product`] with the VNNI kernel (`simd`, which the processor
    /// must have) or the plain loop.
    fn product_with(&self, x: &[f32], parallel: bool, simd: bool) -> Vec<f32> {
        let k = self.inputs;
        assert!(k > 0 && x.len().is_multiple_of(k), "input size");
        let m = x.len() / k;
        let n = self.outputs;
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
        let n = self.outputs;
        let count = out.len() / n;
        if simd {
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
        } else {
            for r in 0..count {
                let a = &rows.values[(first + r) * rows.stride..][..rows.stride];
                let sx = rows.scales[first + r];
                for (o, y) in out[r * n..(r + 1) * n].iter_mut().enumerate() {
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
}

/// One kernel call's operands: `rows` rows of `a` against up to 4 blocks of
/// 16 outputs, written into `out`.
struct Call<'a> {
    a: &'a [u8],
    a_stride: usize,
    row_scales: &'a [f32],
    b: &'a [i8],
    b_stride: usize,
    steps: usize,
    col_scales: &'a [f32],
    offsets: &'a [i32],
    out: &'a mut [std::mem::MaybeUninit<f32>],
    out_stride: usize,
    cols: usize,
}

/// Runs the kernel for `mr` rows (1..=6) and `nb` blocks (1..=4).
///
/// # Safety
/// The processor has AVX-512 F, BW and VNNI.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn dispatch(mr: usize, nb: usize, call: Call<'_>) {
    macro_rules! by_rows {
        ($($m:literal)*) => {
            match mr {
                $($m => match nb {
                    1 => kernel::<$m, 1>(call),
                    2 => kernel::<$m, 2>(call),
                    3 => kernel::<$m, 3>(call),
                    4 => kernel::<$m, 4>(call),
                    5 => kernel::<$m, 5>(call),
                    6 => kernel::<$m, 6>(call),
                    7 => kernel::<$m, 7>(call),
                    _ => kernel::<$m, 8>(call),
                },)*
                _ => unreachable!("at most {ROWS} rows"),
            }
        };
    }
    by_rows!(1 2 3 4 5 6 7 8);
}

/// `MR` rows times `NB` blocks of 16 outputs: the sums in `MR × NB`
/// vectors, then `(sum − offset) × (row scale × output scale)` stored (the
/// last block masked to `cols`).
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn kernel<const MR: usize, const NB: usize>(call: Call<'_>) {
    use std::arch::x86_64::*;
    let Call {
        a,
        a_stride,
        row_scales,
        b,
        b_stride,
        steps,
        col_scales,
        offsets,
        out,
        out_stride,
        cols,
    } = call;
    // Bounds for every access below.
    assert!(row_scales.len() >= MR && a.len() >= (MR - 1) * a_stride + steps * 4);
    assert!(b.len() >= (NB - 1) * b_stride + steps * LANES * 4);
    assert!(col_scales.len() >= NB * LANES && offsets.len() >= NB * LANES);
    assert!(cols > (NB - 1) * LANES && cols <= NB * LANES);
    assert!(out.len() >= (MR - 1) * out_stride + cols);
    let mut sums = [[_mm512_setzero_si512(); NB]; MR];
    let (a, b) = (a.as_ptr(), b.as_ptr());
    for s in 0..steps {
        let mut w = [_mm512_setzero_si512(); NB];
        for (j, w) in w.iter_mut().enumerate() {
            // SAFETY: (NB − 1) × b_stride + s × 64 + 64 <= b.len() (asserted).
            *w = unsafe { _mm512_loadu_si512(b.add(j * b_stride + s * 64) as *const _) };
        }
        for (r, row) in sums.iter_mut().enumerate() {
            // SAFETY: (MR − 1) × a_stride + s × 4 + 4 <= a.len() (asserted).
            let x = unsafe { (a.add(r * a_stride + s * 4) as *const i32).read_unaligned() };
            let x = _mm512_set1_epi32(x);
            for (sum, &w) in row.iter_mut().zip(&w) {
                *sum = _mm512_dpbusd_epi32(*sum, x, w);
            }
        }
    }
    let o = out.as_mut_ptr() as *mut f32;
    for j in 0..NB {
        // SAFETY: (j + 1) × 16 <= NB × 16 <= both lengths (asserted).
        let (offset, scale) = unsafe {
            (
                _mm512_loadu_si512(offsets.as_ptr().add(j * LANES) as *const _),
                _mm512_loadu_ps(col_scales.as_ptr().add(j * LANES)),
            )
        };
        let valid = (cols - j * LANES).min(LANES);
        let mask: __mmask16 = if valid == LANES {
            !0
        } else {
            (1u16 << valid) - 1
        };
        for (r, row) in sums.iter().enumerate() {
            let value = _mm512_cvtepi32_ps(_mm512_sub_epi32(row[j], offset));
            let y = _mm512_mul_ps(value, _mm512_mul_ps(_mm512_set1_ps(row_scales[r]), scale));
            // SAFETY: the masked store writes r × out_stride + j × 16 + valid
            // values at most, inside `out` (asserted).
            unsafe { _mm512_mask_storeu_ps(o.add(r * out_stride + j * LANES), mask, y) };
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
            let w = Int8Weight::new(&random(&mut rng, n * k), n, k);
            let x = random(&mut rng, m * k);
            let expected = w.product_with(&x, false, false);
            assert_eq!(w.product_with(&x, true, false), expected, "parallel");
            if vnni() {
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
        let w = Int8Weight::new(&wv, n, k);
        for simd in [false, vnni()] {
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
        for simd in [false, vnni()] {
            let w = Int8Weight::new(&[0.0; 12], 3, 4);
            assert_eq!(w.product_with(&[1.0; 8], false, simd), vec![0.0; 6]);
            let w = Int8Weight::new(&[1.0; 12], 3, 4);
            assert_eq!(w.product_with(&[0.0; 4], false, simd), vec![0.0; 3]);
        }
    }

    #[test]
    fn the_vector_quantizer_gives_the_plain_bytes() {
        if !vnni() {
            return;
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in [1, 15, 16, 17, 100, 384] {
            let mut x = random(&mut rng, n);
            // Ties at .5 after scaling: the rounding must match.
            x[0] = 2.0;
            let (mut a, mut b) = (vec![0u8; n.div_ceil(4) * 4], vec![0u8; n.div_ceil(4) * 4]);
            // SAFETY: `vnni` checked the processor.
            let sa = unsafe { quantize_row_avx512(&x, &mut a) };
            let sb = quantize_row(&x, &mut b);
            assert_eq!((a, sa.to_bits()), (b, sb.to_bits()), "{n}");
        }
    }
}
