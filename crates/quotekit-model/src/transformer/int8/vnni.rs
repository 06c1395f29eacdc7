//! The x86-64 half of [`super`]: AVX-512 VNNI sums (`vpdpbusd`) and the
//! vector quantization of input rows, each the same arithmetic as the
//! plain code of [`super`], chosen at run time.
#![allow(unsafe_code)] // SIMD intrinsics; each block says why

use super::levels::{factors, quantize, LANES};

/// Input rows per kernel call (6 rows × 4 blocks = 24 vector sums).
pub(super) const ROWS: usize = 6;
/// Output blocks per kernel call.
pub(super) const BLOCKS: usize = 4;

/// True when the processor has AVX-512 F, BW and VNNI (checked once).
pub(super) fn available() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    })
}

/// [`super::levels::quantize_row`] with AVX-512: the same arithmetic (the
/// conversion rounds to nearest even, as `round_ties_even`, and every
/// product it converts is finite and within ±127.5), so the same bytes.
///
/// # Safety
/// The processor has AVX-512 F and BW.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn quantize_row(row: &[f32], out: &mut [u8]) -> f32 {
    use std::arch::x86_64::*;
    let n = row.len();
    let whole = n / LANES * LANES;
    let (mut top, mut nan) = (_mm512_setzero_ps(), _mm512_setzero_ps());
    let (p, zero) = (row.as_ptr(), _mm512_setzero_ps());
    for i in (0..whole).step_by(LANES) {
        // SAFETY: i + 16 <= whole <= row.len().
        let x = unsafe { _mm512_loadu_ps(p.add(i)) };
        top = _mm512_max_ps(top, _mm512_abs_ps(x));
        // x × 0 is NaN for a NaN or an infinity, and stays NaN in the sum.
        nan = _mm512_add_ps(nan, _mm512_mul_ps(x, zero));
    }
    let rest = &row[whole..];
    let largest = rest
        .iter()
        .fold(_mm512_reduce_max_ps(top), |m, &x| m.max(x.abs()));
    let finite = !_mm512_reduce_add_ps(nan).is_nan() && rest.iter().all(|x| x.is_finite());
    let (inverse, scale) = match factors(largest, finite) {
        Ok(f) => f,
        Err(scale) => {
            out.fill(128);
            return scale;
        }
    };
    out[n..].fill(128);
    let (factor, low, high, offset) = (
        _mm512_set1_ps(inverse),
        _mm512_set1_epi32(-127),
        _mm512_set1_epi32(127),
        _mm512_set1_epi32(128),
    );
    let o = out.as_mut_ptr();
    for i in (0..whole).step_by(LANES) {
        // SAFETY: i + 16 <= whole <= row.len() <= out.len().
        unsafe {
            let x = _mm512_mul_ps(_mm512_loadu_ps(p.add(i)), factor);
            let q = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(x), low), high);
            _mm_storeu_si128(
                o.add(i) as *mut __m128i,
                _mm512_cvtepi32_epi8(_mm512_add_epi32(q, offset)),
            );
        }
    }
    for (q, &x) in out[whole..n].iter_mut().zip(rest) {
        *q = quantize(x, inverse);
    }
    scale
}

/// One kernel call's operands: `rows` rows of `a` against up to 4 blocks of
/// 16 outputs, written into `out`.
pub(super) struct Call<'a> {
    pub a: &'a [u8],
    pub a_stride: usize,
    pub row_scales: &'a [f32],
    pub b: &'a [i8],
    pub b_stride: usize,
    pub steps: usize,
    pub col_scales: &'a [f32],
    pub offsets: &'a [i32],
    pub out: &'a mut [std::mem::MaybeUninit<f32>],
    pub out_stride: usize,
    pub cols: usize,
}

/// Runs the kernel for `mr` rows (1..=6) and `nb` blocks (1..=4).
///
/// # Safety
/// The processor has AVX-512 F, BW and VNNI.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn dispatch(mr: usize, nb: usize, call: Call<'_>) {
    macro_rules! by_rows {
        ($($m:literal)*) => {
            match mr {
                $($m => match nb {
                    1 => kernel::<$m, 1>(call),
                    2 => kernel::<$m, 2>(call),
                    3 => kernel::<$m, 3>(call),
                    _ => kernel::<$m, 4>(call),
                },)*
                _ => unreachable!("at most {ROWS} rows"),
            }
        };
    }
    by_rows!(1 2 3 4 5 6);
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
