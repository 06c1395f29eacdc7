//! MPNet's relative positions: the bucket of each distance between a
//! query's piece and a key's (T5's scheme), and the per-head biases of a
//! window's buckets that every layer adds to its attention scores.

use candle_core::{Module, Result, Tensor};
use candle_nn::Embedding;

/// Relative positions this far apart or farther share MPNet's last bucket.
const MAX_DISTANCE: usize = 128;

/// The bucket of the position `relative` pieces from a query's to a key's
/// (T5's scheme, as MPNet uses it): half of the `buckets` for keys before
/// or at the query, half for keys after it; within each half, one bucket
/// per distance up to a quarter of `buckets`, then buckets growing
/// logarithmically up to `MAX_DISTANCE`, where the last one starts.
/// (The logarithm in f32, as the reference computes it; the distances
/// where a bucket starts exactly (16, 32, 64 with 32 buckets) come out
/// exact in f32 too.)
pub fn relative_bucket(relative: i64, buckets: usize) -> u32 {
    let half = (buckets / 2) as i64;
    let (side, distance) = if relative > 0 {
        (half, relative)
    } else {
        (0, -relative)
    };
    let exact = half / 2;
    let within = if distance < exact {
        distance
    } else {
        let ratio = (distance as f32 / exact as f32).ln()
            / ((MAX_DISTANCE as f64 / exact as f64).ln() as f32);
        (exact + (ratio * (half - exact) as f32) as i64).min(half - 1)
    };
    (side + within) as u32
}

/// The biases `[1, heads, L, L]` that `table` (a bias per head for each of
/// `buckets` buckets) gives the relative positions of a window of `l`
/// pieces (query by row, key by column).
pub(super) fn relative_biases(table: &Embedding, l: usize, buckets: usize) -> Result<Tensor> {
    let ids: Vec<u32> = (0..l as i64)
        .flat_map(|q| (0..l as i64).map(move |k| relative_bucket(k - q, buckets)))
        .collect();
    let device = table.embeddings().device();
    let biases = table.forward(&Tensor::from_vec(ids, l * l, device)?)?; // [L·L, heads]
    let heads = biases.dim(1)?;
    biases.t()?.contiguous()?.reshape((1, heads, l, l))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The buckets of relative positions: one per distance below 8, then
    /// logarithmic up to 128 (16, 32 and 64 start a bucket), keys after the
    /// query in the upper half.
    #[test]
    fn relative_positions_fall_into_t5_buckets() {
        let bucket = |r: i64| relative_bucket(r, 32);
        let before: Vec<u32> = [0, 1, 7, 8, 11, 12, 15, 16, 31, 32, 63, 64, 127, 128, 5000]
            .iter()
            .map(|&d| bucket(-d))
            .collect();
        assert_eq!(
            before,
            [0, 1, 7, 8, 8, 9, 9, 10, 11, 12, 13, 14, 15, 15, 15]
        );
        let after: Vec<u32> = [1, 7, 8, 16, 64, 128].iter().map(|&d| bucket(d)).collect();
        assert_eq!(after, [17, 23, 24, 26, 30, 31]);
    }
}
