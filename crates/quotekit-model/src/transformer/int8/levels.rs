//! How values map to the levels of int8, shared by the plain code of
//! [`super`] and the kernel of [`super::vnni`], which must agree to the bit.

/// Outputs per block of a packed weight: one vector of 16 32-bit sums.
pub(super) const LANES: usize = 16;

/// Quantizes `row` into `out` (its length rounded up to 4, padding left at
/// the zero point 128) and returns the scale: `x ≈ (q − 128) × scale`.
pub(super) fn quantize_row(row: &[f32], out: &mut [u8]) -> f32 {
    let largest = row.iter().fold(0f32, |m, &x| m.max(x.abs()));
    let finite = row.iter().all(|x| x.is_finite());
    let (inverse, scale) = match factors(largest, finite) {
        Ok(f) => f,
        Err(scale) => {
            out.fill(128);
            return scale;
        }
    };
    out[row.len()..].fill(128);
    for (q, &x) in out.iter_mut().zip(row) {
        *q = quantize(x, inverse);
    }
    scale
}

/// A finite value times `inverse` (at most 127 / its magnitude), rounded
/// to the nearest integer (ties to even) and stored plus 128.
#[inline(always)]
pub(super) fn quantize(x: f32, inverse: f32) -> u8 {
    ((x * inverse).round_ties_even().clamp(-127.0, 127.0) as i32 + 128) as u8
}

/// How a row (or a weight's row) with largest magnitude `largest` is
/// quantized: `Ok((inverse, scale))`, where `x × inverse` is within ±127
/// and `q × scale ≈ x`; or `Err(scale)` when every value is to be 0 — a
/// row of zeros or too small to scale (scale 0), or one with a NaN or an
/// infinity (`finite` false: scale NaN, so its products are NaN).
pub(super) fn factors(largest: f32, finite: bool) -> Result<(f32, f32), f32> {
    if !finite {
        return Err(f32::NAN);
    }
    let inverse = 127.0 / largest;
    if !inverse.is_finite() {
        return Err(0.0);
    }
    Ok((inverse, largest / 127.0))
}
