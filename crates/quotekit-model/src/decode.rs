//! Decoding a linear chain: every tagger scores each token's tags
//! (emissions) and the chain scores tag pairs ([`ChainScores`]: transition,
//! start and end); Viterbi finds the best tag sequence, forward–backward
//! the partition function and marginals (confidences, and the CRF's
//! gradient). [`decode_sequences`] turns the scored sequences of a document
//! into one tag per token.
//! The file runs over 500 lines (about 750) with its tests: each decoder is
//! checked against brute force over every path, and the unrolled BIO and
//! BILOU loops against the general ones.

use quotekit_data::{Tag, TagSet};
use std::ops::Range;

/// A sequence of tokens and its emission scores `[i * labels + y]`, as every
/// tagger produces them.
pub type Scored = (Range<usize>, Vec<f64>);

/// Borrowed chain scores over `labels` tags, `f64` while the CRF trains or
/// `f32` in a trained model.
#[derive(Debug, Clone, Copy)]
pub struct ChainScores<'a, T> {
    /// Number of tags.
    pub labels: usize,
    /// `[from * labels + to]` (`labels²` of them).
    pub transition: &'a [T],
    /// Score of starting in each tag.
    pub start: &'a [T],
    /// Score of ending in each tag.
    pub end: &'a [T],
}

/// Chain scores owned by a network tagger: its CRF layer's parameters copied
/// out of their tensors for decoding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chain {
    /// Number of tags.
    pub labels: usize,
    /// `[from * labels + to]`.
    pub transition: Vec<f32>,
    /// Score of starting in each tag.
    pub start: Vec<f32>,
    /// Score of ending in each tag.
    pub end: Vec<f32>,
}

impl Chain {
    /// The scores as a borrowed [`ChainScores`].
    pub fn scores(&self) -> ChainScores<'_, f32> {
        ChainScores {
            labels: self.labels,
            transition: &self.transition,
            start: &self.start,
            end: &self.end,
        }
    }
}

impl<T: Copy + Into<f64>> ChainScores<'_, T> {
    /// Most likely tag sequence for the given emission scores.
    pub fn viterbi(&self, emissions: &[f64]) -> Vec<usize> {
        // Fixed label counts (BIO: 7, BILOU: 13) get unrolled inner loops.
        match self.labels {
            7 => self.viterbi_with::<7>(emissions),
            13 => self.viterbi_with::<13>(emissions),
            _ => self.viterbi_with::<0>(emissions),
        }
    }

    /// [`ChainScores::viterbi`] for `L` labels (0: as many as it has).
    /// (Never inlined: every caller runs the same machine code, however the
    /// compiler splits the callers' crate.)
    #[inline(never)]
    fn viterbi_with<const L: usize>(&self, emissions: &[f64]) -> Vec<usize> {
        let l = if L == 0 { self.labels } else { L };
        let n = emissions.len() / l;
        if n == 0 {
            return Vec::new();
        }
        // The transitions into each tag side by side: `[to * labels + from]`
        // (none needed for one token).
        let into: Vec<f64> = if n > 1 {
            by_target(self.transition, l)
                .into_iter()
                .map(Into::into)
                .collect()
        } else {
            Vec::new()
        };
        let mut score: Vec<f64> = (0..l)
            .map(|y| self.start[y].into() + emissions[y])
            .collect();
        let mut back = vec![0u8; n * l];
        let mut next = vec![0.0; l];
        // Slices of exactly `l` (a constant for BIO and BILOU) everywhere, so
        // that the loops need no bounds checks and unroll.
        let rows = emissions.chunks_exact(l).zip(back.chunks_exact_mut(l));
        for (em, back_row) in rows.skip(1) {
            let last = &score[..l];
            let cells = next[..l].iter_mut().zip(back_row).zip(&em[..l]);
            for (((next_y, back_y), &e), from) in cells.zip(into.chunks_exact(l)) {
                let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
                for (p, (&s, &t)) in last.iter().zip(&from[..l]).enumerate() {
                    let v = s + t;
                    if v > best {
                        best = v;
                        arg = p;
                    }
                }
                *next_y = best + e;
                *back_y = arg as u8;
            }
            std::mem::swap(&mut score, &mut next);
        }
        let mut y = (0..l)
            .max_by(|&a, &b| {
                let (sa, sb) = (score[a] + self.end[a].into(), score[b] + self.end[b].into());
                sa.total_cmp(&sb).then(b.cmp(&a))
            })
            .unwrap_or(0);
        let mut path = vec![0; n];
        for i in (0..n).rev() {
            path[i] = y;
            y = back[i * l + y] as usize;
        }
        path
    }

    /// Forward–backward. Returns log Z, node marginals `[i * labels + y]` and the
    /// sum over positions of pairwise marginals `[from * labels + to]`.
    pub fn forward_backward(&self, emissions: &[f64]) -> Marginals {
        let l = self.labels;
        let n = emissions.len() / l;
        let t = Transitions::of(self);
        let Lattice { alpha, beta, log_z } = self.lattice(emissions, &t);
        let nodes: Vec<f64> = alpha
            .iter()
            .zip(&beta)
            .map(|(a, b)| (a + b - log_z).exp())
            .collect();
        let mut pairs = vec![0.0; l * l];
        let mut ea = vec![0.0; l];
        for i in 1..n {
            let a = &alpha[(i - 1) * l..i * l];
            let ma = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (e, x) in ea.iter_mut().zip(a) {
                *e = (x - ma).exp();
            }
            for y in 0..l {
                let log_eb = emissions[i * l + y] + beta[i * l + y] - log_z;
                let eb = (log_eb + ma + t.max).exp();
                if eb.is_finite() {
                    for p in 0..l {
                        pairs[p * l + y] += ea[p] * t.exp[p * l + y] * eb;
                    }
                } else {
                    for p in 0..l {
                        pairs[p * l + y] += (a[p] + t.log[p * l + y] + log_eb).exp();
                    }
                }
            }
        }
        Marginals {
            log_z,
            nodes,
            pairs,
        }
    }

    /// The marginal probability of each tag of `path` at its position:
    /// [`Marginals::nodes`] along the path, the same numbers, without the
    /// others or the pairs (what a tagger's confidences need). None for no
    /// emissions.
    ///
    /// # Panics
    ///
    /// If `path` is longer than the emissions' positions or names a tag
    /// past the chain's labels (as [`ChainScores::viterbi`] makes it, it
    /// fits).
    pub fn path_marginals(&self, emissions: &[f64], path: &[usize]) -> Vec<f64> {
        self.path_marginals_with(emissions, path, &Transitions::of(self))
    }

    /// [`ChainScores::path_marginals`] with the chain's transitions made
    /// already (once for all the sequences of a document).
    fn path_marginals_with(&self, emissions: &[f64], path: &[usize], t: &Transitions) -> Vec<f64> {
        let l = self.labels;
        if emissions.len() < l {
            return Vec::new();
        }
        let scaled = match l {
            7 => self.scaled_marginals::<7>(emissions, path, t),
            13 => self.scaled_marginals::<13>(emissions, path, t),
            _ => self.scaled_marginals::<0>(emissions, path, t),
        };
        if let Some(along) = scaled {
            return along;
        }
        let Lattice { alpha, beta, log_z } = self.lattice(emissions, t);
        path.iter()
            .enumerate()
            .map(|(i, &y)| (alpha[i * l + y] + beta[i * l + y] - log_z).exp())
            .collect()
    }

    /// [`ChainScores::path_marginals`] by the scaled forward–backward, for
    /// `L` labels (0: as many as it has): the forward and backward vectors of
    /// each position in probability space, each scaled to sum to one (a
    /// position's marginals are its two vectors multiplied and normalised,
    /// so the scales need not be kept). One exponential per tag and
    /// position (the emissions less their position's largest, which both
    /// passes share) and no logarithm, where the log-space lattice takes
    /// four transcendental calls per tag and position. The marginals are
    /// exact to about 1e-15, where the lattice's lose about |log α| times
    /// the rounding of one operation (up to about 1e-9 over a paragraph of
    /// hundreds of tokens, against a 60-digit reference: review 64); the
    /// two agree to 1e-12 on the tests' short sequences. None where a
    /// vector sums to zero, to no finite number or to less than 1e-200
    /// (weights so far apart that the paths through a position
    /// underflow), for the lattice to answer.
    #[inline(never)]
    fn scaled_marginals<const L: usize>(
        &self,
        emissions: &[f64],
        path: &[usize],
        t: &Transitions,
    ) -> Option<Vec<f64>> {
        const TINY: f64 = 1e-200;
        let l = if L == 0 { self.labels } else { L };
        let n = emissions.len() / l;
        // A vector scaled to sum to one, unless it cannot be. (Past the
        // first position its entries are at most one, so a sum this small
        // means that the paths through it underflowed, and those left may be
        // subnormal numbers of a few bits.)
        let normalise = |v: &mut [f64]| {
            let sum: f64 = v.iter().sum();
            if !(sum > TINY && sum.is_finite()) {
                return None;
            }
            let r = 1.0 / sum;
            v.iter_mut().for_each(|x| *x *= r);
            Some(())
        };
        // exp(emission − the position's largest).
        let mut weights = vec![0.0; n * l];
        for (w, e) in weights.chunks_exact_mut(l).zip(emissions.chunks_exact(l)) {
            let m = e[..l].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (w, &e) in w[..l].iter_mut().zip(&e[..l]) {
                *w = (e - m).exp();
            }
        }
        // (exp(score − the largest) of the start and end scores.)
        let scaled = |scores: &[T]| -> Vec<f64> {
            let m = scores[..l]
                .iter()
                .map(|&s| s.into())
                .fold(f64::NEG_INFINITY, f64::max);
            scores[..l].iter().map(|&s| (s.into() - m).exp()).collect()
        };
        let mut alpha = vec![0.0; n * l];
        for ((a, s), w) in alpha[..l]
            .iter_mut()
            .zip(scaled(self.start))
            .zip(&weights[..l])
        {
            *a = s * w;
        }
        normalise(&mut alpha[..l])?;
        for i in 1..n {
            let (before, after) = alpha.split_at_mut(i * l);
            let prev = &before[(i - 1) * l..];
            let cells = after[..l].iter_mut().zip(&weights[i * l..(i + 1) * l]);
            for ((cell, &w), into) in cells.zip(t.exp_into[..l * l].chunks_exact(l)) {
                let s: f64 = prev[..l].iter().zip(&into[..l]).map(|(a, b)| a * b).sum();
                *cell = s * w;
            }
            normalise(&mut after[..l])?;
        }
        let mut beta = vec![0.0; n * l];
        beta[(n - 1) * l..].copy_from_slice(&scaled(self.end));
        normalise(&mut beta[(n - 1) * l..])?;
        // (The next position's backward vector times its weights.)
        let mut next = vec![0.0; l];
        for i in (0..n - 1).rev() {
            let (before, after) = beta.split_at_mut((i + 1) * l);
            let weighted = after[..l].iter().zip(&weights[(i + 1) * l..(i + 2) * l]);
            for (v, (b, w)) in next[..l].iter_mut().zip(weighted) {
                *v = b * w;
            }
            let cells = before[i * l..]
                .iter_mut()
                .zip(t.exp[..l * l].chunks_exact(l));
            for (cell, from) in cells {
                *cell = from[..l].iter().zip(&next[..l]).map(|(a, b)| a * b).sum();
            }
            normalise(&mut before[i * l..])?;
        }
        path.iter()
            .enumerate()
            .map(|(i, &y)| {
                let (a, b) = (&alpha[i * l..(i + 1) * l], &beta[i * l..(i + 1) * l]);
                let z: f64 = a[..l].iter().zip(&b[..l]).map(|(x, y)| x * y).sum();
                (z > TINY && z.is_finite()).then(|| a[y] * b[y] / z)
            })
            .collect()
    }

    /// The forward and backward log scores of `emissions` and log Z.
    fn lattice(&self, emissions: &[f64], t: &Transitions) -> Lattice {
        match self.labels {
            7 => self.lattice_with::<7>(emissions, t),
            13 => self.lattice_with::<13>(emissions, t),
            _ => self.lattice_with::<0>(emissions, t),
        }
    }

    /// [`ChainScores::lattice`] for `L` labels (0: as many as it has;
    /// never inlined, as [`ChainScores::viterbi_with`]).
    #[inline(never)]
    fn lattice_with<const L: usize>(&self, emissions: &[f64], t: &Transitions) -> Lattice {
        let l = if L == 0 { self.labels } else { L };
        let n = emissions.len() / l;
        // alpha[i][y] = log score of all prefixes ending in y at i.
        let mut alpha = vec![0.0; n * l];
        for y in 0..l {
            alpha[y] = self.start[y].into() + emissions[y];
        }
        // (Slices of exactly `l` everywhere, as in Viterbi. The closures
        // below take `l` by value (`move`): borrowed, it went to memory, to
        // be read again after every call, and no loop was unrolled.)
        let mut tmp = vec![0.0; l];
        for i in 1..n {
            let (before, after) = alpha.split_at_mut(i * l);
            let prev = &before[(i - 1) * l..];
            let m = prev.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (t, &p) in tmp[..l].iter_mut().zip(prev) {
                *t = (p - m).exp();
            }
            let cells = after[..l].iter_mut().zip(&emissions[i * l..(i + 1) * l]);
            for (y, ((cell, &e), into)) in
                cells.zip(t.exp_into[..l * l].chunks_exact(l)).enumerate()
            {
                let s: f64 = tmp[..l].iter().zip(&into[..l]).map(|(a, b)| a * b).sum();
                *cell = e + if s > 1e-200 {
                    m + t.max + s.ln()
                } else {
                    // Underflow with extreme weights: exact log-sum-exp.
                    log_sum_exp((0..l).map(move |p| prev[p] + t.log[p * l + y]))
                };
            }
        }
        // beta[i][y] = log score of all suffixes after i given y at i.
        let mut beta = vec![0.0; n * l];
        for y in 0..l {
            beta[(n - 1) * l + y] = self.end[y].into();
        }
        // (The next position's scores, one buffer for all.)
        let mut nb = vec![0.0; l];
        for i in (0..n - 1).rev() {
            let (before, after) = beta.split_at_mut((i + 1) * l);
            let next = after[..l].iter().zip(&emissions[(i + 1) * l..(i + 2) * l]);
            for (v, (b, e)) in nb[..l].iter_mut().zip(next) {
                *v = b + e;
            }
            let m = nb.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (t, &v) in tmp[..l].iter_mut().zip(&nb[..l]) {
                *t = (v - m).exp();
            }
            let cells = before[i * l..]
                .iter_mut()
                .zip(t.exp[..l * l].chunks_exact(l));
            for (p, (cell, from)) in cells.enumerate() {
                let s: f64 = from[..l].iter().zip(&tmp[..l]).map(|(a, b)| a * b).sum();
                *cell = if s > 1e-200 {
                    m + t.max + s.ln()
                } else {
                    let nb = &nb;
                    log_sum_exp((0..l).map(move |y| t.log[p * l + y] + nb[y]))
                };
            }
        }
        let last = &alpha[(n - 1) * l..];
        let log_z = log_sum_exp((0..l).map(|y| last[y] + self.end[y].into()));
        Lattice { alpha, beta, log_z }
    }

    /// Unnormalised log score of a tag sequence.
    pub fn path_score(&self, emissions: &[f64], path: &[usize]) -> f64 {
        let l = self.labels;
        let mut s = 0.0;
        for (i, &y) in path.iter().enumerate() {
            s += emissions[i * l + y];
            s += if i == 0 {
                self.start[y].into()
            } else {
                self.transition[path[i - 1] * l + y].into()
            };
        }
        if let Some(&y) = path.last() {
            s += self.end[y].into();
        }
        s
    }
}

/// A chain's transition scores for forward–backward: as they are, their
/// largest, and each less the largest, exponentiated (which cannot
/// overflow; the largest is added back in log space), also by the tag they
/// go to (`exp_into[to * labels + from]`, for the forward pass).
struct Transitions {
    log: Vec<f64>,
    max: f64,
    exp: Vec<f64>,
    exp_into: Vec<f64>,
}

impl Transitions {
    fn of<T: Copy + Into<f64>>(chain: &ChainScores<'_, T>) -> Self {
        let log: Vec<f64> = chain.transition.iter().map(|&t| t.into()).collect();
        let max = log.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = log.iter().map(|t| (t - max).exp()).collect();
        let l = chain.labels;
        // (None for a chain with fewer than `labels²` transitions, which no
        // tagger makes: the forward pass then panics where it reads them, as
        // it did before this table.)
        let exp_into = if exp.len() >= l * l {
            by_target(&exp, l)
        } else {
            Vec::new()
        };
        Self {
            log,
            max,
            exp,
            exp_into,
        }
    }
}

/// Transition scores `m[from * l + to]` by the tag they go to: `[to * l +
/// from]`, so that the scores into one tag lie side by side (`m` has at
/// least `l²`).
fn by_target<V: Copy>(m: &[V], l: usize) -> Vec<V> {
    (0..l * l).map(move |k| m[(k % l) * l + k / l]).collect()
}

/// Forward and backward log scores (`[i * labels + y]`) and log Z.
struct Lattice {
    alpha: Vec<f64>,
    beta: Vec<f64>,
    log_z: f64,
}

/// Output of forward–backward.
#[derive(Debug, Clone)]
pub struct Marginals {
    /// Log partition function.
    pub log_z: f64,
    /// `p(y_i = y)` at `[i * labels + y]`.
    pub nodes: Vec<f64>,
    /// `Σ_i p(y_{i-1} = a, y_i = b)` at `[a * labels + b]`.
    pub pairs: Vec<f64>,
}

/// `log Σ exp(x)`, stable.
pub fn log_sum_exp(xs: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = xs.clone().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Decodes the scored sequences of a document of `n` tokens with `chain`
/// (Viterbi); with `marginals`, also each token's marginal probability of its
/// tag. `outside_penalty` is subtracted from every `O` score first: above zero
/// it trades precision for recall. Tokens outside every sequence are `O`.
pub fn decode_sequences<T: Copy + Into<f64>>(
    chain: ChainScores<'_, T>,
    scored: Vec<Scored>,
    n: usize,
    tags: &TagSet,
    outside_penalty: f64,
    marginals: bool,
) -> (Vec<Tag>, Vec<f64>) {
    let mut out = vec![Tag::Outside; n];
    let mut probabilities = if marginals { vec![1.0; n] } else { Vec::new() };
    let outside = tags.index(Tag::Outside).expect("every tag set has O");
    let l = tags.len();
    let transitions = marginals.then(|| Transitions::of(&chain));
    for (range, mut emissions) in scored {
        if outside_penalty != 0.0 {
            for row in emissions.chunks_exact_mut(l) {
                row[outside] -= outside_penalty;
            }
        }
        let path = chain.viterbi(&emissions);
        if let Some(t) = &transitions {
            let along = chain.path_marginals_with(&emissions, &path, t);
            probabilities[range.start..range.start + along.len()].copy_from_slice(&along);
        }
        for (k, y) in path.into_iter().enumerate() {
            out[range.start + k] = tags.tags()[y];
        }
    }
    (out, probabilities)
}

/// Every tag sequence of length `n` over `l` tags (for brute-force tests).
#[cfg(test)]
pub(crate) fn all_paths(n: usize, l: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for _ in 0..n {
        out = out
            .into_iter()
            .flat_map(|p| (0..l).map(move |y| [p.clone(), vec![y]].concat()))
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn random(n: usize, seed: u64, scale: f64) -> Vec<f64> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| rng.random_range(-1.0..1.0) * scale)
            .collect()
    }

    /// Transition, start and end scores of 3 tags, drawn from `seed`.
    fn chain(seed: u64, scale: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let all = random(15, seed, scale);
        (all[..9].to_vec(), all[9..12].to_vec(), all[12..].to_vec())
    }

    fn scores<'a>(c: &'a (Vec<f64>, Vec<f64>, Vec<f64>)) -> ChainScores<'a, f64> {
        ChainScores {
            labels: 3,
            transition: &c.0,
            start: &c.1,
            end: &c.2,
        }
    }

    /// The marginals along a path are forward–backward's node marginals
    /// of its tags, for any path (Viterbi's or not), weights small or huge:
    /// within 1e-12 by the scaled passes on these short sequences (over a
    /// long paragraph the lattice is the less exact), to the bit where the
    /// weights are so far apart that the log-space lattice answers.
    #[test]
    fn path_marginals_are_the_node_marginals_along_the_path() {
        for seed in 0..20 {
            let c = chain(seed, if seed % 4 == 0 { 2000.0 } else { 1.5 });
            let w = scores(&c);
            let n = 1 + (seed as usize % 6);
            let emissions = random(n * 3, seed + 7, 3.0);
            let m = w.forward_backward(&emissions);
            for path in [
                w.viterbi(&emissions),
                (0..n).map(|i| (i + seed as usize) % 3).collect(),
            ] {
                let along: Vec<f64> = path
                    .iter()
                    .enumerate()
                    .map(|(i, &y)| m.nodes[i * 3 + y])
                    .collect();
                let got = w.path_marginals(&emissions, &path);
                assert_eq!(got.len(), along.len(), "seed {seed}");
                for (g, a) in got.iter().zip(&along) {
                    assert!(
                        (g - a).abs() < 1e-12,
                        "seed {seed}: {got:?} against {along:?}"
                    );
                }
                let t = Transitions::of(&w);
                let scaled = w.scaled_marginals::<0>(&emissions, &path, &t);
                if seed % 4 != 0 {
                    assert!(
                        scaled.is_some(),
                        "seed {seed}: weights of ±1.5 need no lattice"
                    );
                } else if scaled.is_none() {
                    assert_eq!(
                        got.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
                        along.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
                        "seed {seed}"
                    );
                }
            }
        }
    }

    /// BIO's and BILOU's label counts, unrolled, decode and sum as the
    /// general loops do, to the bit.
    #[test]
    fn fixed_label_counts_decode_as_the_general_loops() {
        for (l, seed) in [(7usize, 1u64), (7, 2), (13, 3), (13, 4)] {
            let all = random(l * l + 2 * l, seed, 2.0);
            let w = ChainScores {
                labels: l,
                transition: &all[..l * l],
                start: &all[l * l..l * l + l],
                end: &all[l * l + l..],
            };
            let emissions = random(9 * l, seed + 50, 3.0);
            let path = w.viterbi(&emissions);
            assert_eq!(path, w.viterbi_with::<0>(&emissions), "{l} labels");
            let t = Transitions::of(&w);
            let (fixed, any) = (
                w.lattice(&emissions, &t),
                w.lattice_with::<0>(&emissions, &t),
            );
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fixed.alpha), bits(&any.alpha), "{l} labels");
            assert_eq!(bits(&fixed.beta), bits(&any.beta), "{l} labels");
            assert_eq!(fixed.log_z.to_bits(), any.log_z.to_bits(), "{l} labels");
            // The scaled passes: the same marginals unrolled or not, and
            // the lattice's within 1e-12.
            let scaled = match l {
                7 => w.scaled_marginals::<7>(&emissions, &path, &t),
                _ => w.scaled_marginals::<13>(&emissions, &path, &t),
            }
            .expect("weights of ±2 need no lattice");
            let general = w.scaled_marginals::<0>(&emissions, &path, &t);
            assert_eq!(
                Some(bits(&scaled)),
                general.as_deref().map(bits),
                "{l} labels"
            );
            for (i, (&y, p)) in path.iter().zip(&scaled).enumerate() {
                let logged = (fixed.alpha[i * l + y] + fixed.beta[i * l + y] - fixed.log_z).exp();
                assert!(
                    (p - logged).abs() < 1e-12,
                    "{l} labels, token {i}: {p} against {logged}"
                );
            }
        }
    }

    #[test]
    fn forward_backward_survives_huge_weights() {
        let c = chain(3, 2000.0);
        let w = scores(&c);
        let emissions = vec![500.0, -800.0, 0.0, 1200.0, 3.0, -1.0, -900.0, 40.0, 700.0];
        let m = w.forward_backward(&emissions);
        let exact = log_sum_exp(all_paths(3, 3).iter().map(|p| w.path_score(&emissions, p)));
        assert!(
            (m.log_z - exact).abs() < 1e-6 * exact.abs(),
            "{} vs {exact}",
            m.log_z
        );
        assert!(m
            .nodes
            .iter()
            .all(|p| p.is_finite() && (0.0..=1.0 + 1e-9).contains(p)));
        assert!(m
            .pairs
            .iter()
            .all(|p| p.is_finite() && (0.0..=2.0 + 1e-9).contains(p)));
        assert!((m.pairs.iter().sum::<f64>() - 2.0).abs() < 1e-6);
    }

    /// One token needs no transitions: a chain without them still decodes
    /// it and gives its confidence (the transposed tables are made only for
    /// two tokens or more).
    #[test]
    fn one_token_needs_no_transitions() {
        let chain = ChainScores {
            labels: 3,
            transition: &[] as &[f64],
            start: &[0.0, 1.0, 0.0],
            end: &[0.0; 3],
        };
        let emissions = [0.0, 0.5, 2.0];
        assert_eq!(chain.viterbi(&emissions), vec![2]);
        let along = chain.path_marginals(&emissions, &[2]);
        let expected = 2f64.exp() / (1.0 + 1.5f64.exp() + 2f64.exp());
        assert!((along[0] - expected).abs() < 1e-12, "{along:?}");
    }

    #[test]
    fn viterbi_and_partition_match_brute_force() {
        for seed in 0..20 {
            let c = chain(seed, 1.0);
            let w = scores(&c);
            let n = 1 + (seed as usize % 5);
            let emissions = random(n * 3, seed + 100, 2.0);
            let paths = all_paths(n, 3);
            let best = paths
                .iter()
                .max_by(|a, b| {
                    w.path_score(&emissions, a)
                        .total_cmp(&w.path_score(&emissions, b))
                })
                .unwrap();
            assert_eq!(&w.viterbi(&emissions), best, "seed {seed}");
            let log_z = log_sum_exp(paths.iter().map(|p| w.path_score(&emissions, p)));
            let m = w.forward_backward(&emissions);
            assert!((m.log_z - log_z).abs() < 1e-9, "{} vs {log_z}", m.log_z);
            // Node marginals sum to one at every position; pair marginals to n - 1.
            for i in 0..n {
                let s: f64 = m.nodes[i * 3..(i + 1) * 3].iter().sum();
                assert!((s - 1.0).abs() < 1e-9);
            }
            let pair_total: f64 = m.pairs.iter().sum();
            assert!((pair_total - (n - 1) as f64).abs() < 1e-9);
            // Marginal of tag 0 at position 0 by brute force.
            let p0: f64 = paths
                .iter()
                .filter(|p| p[0] == 0)
                .map(|p| (w.path_score(&emissions, p) - log_z).exp())
                .sum();
            assert!((m.nodes[0] - p0).abs() < 1e-9);
        }
    }

    #[test]
    fn decoding_covers_every_token_and_the_penalty_frees_outside_tokens() {
        let tags = TagSet::new(quotekit_data::TagScheme::Bio);
        let l = tags.len();
        let outside = tags.index(Tag::Outside).unwrap();
        let zeros = vec![0.0; l * l];
        let (start, end) = (vec![0.0; l], vec![0.0; l]);
        let chain = ChainScores {
            labels: l,
            transition: &zeros,
            start: &start,
            end: &end,
        };
        // Two tokens scored, `O` slightly ahead of a B tag; token 2 unscored.
        let b = (0..l).find(|&y| tags.tags()[y] != Tag::Outside).unwrap();
        let mut emissions = vec![0.0; 2 * l];
        for row in emissions.chunks_exact_mut(l) {
            row[outside] = 1.0;
            row[b] = 0.5;
        }
        let (plain, p) =
            decode_sequences(chain, vec![(0..2, emissions.clone())], 3, &tags, 0.0, true);
        assert_eq!(plain, vec![Tag::Outside; 3]);
        assert_eq!(p.len(), 3);
        assert!(p[0] > 0.0 && p[0] < 1.0 && p[2] == 1.0, "{p:?}");
        let (penalised, none) =
            decode_sequences(chain, vec![(0..2, emissions)], 3, &tags, 1.0, false);
        assert_eq!(&penalised[..2], &[tags.tags()[b]; 2]);
        assert_eq!(penalised[2], Tag::Outside);
        assert!(none.is_empty());
    }
}
