//! A linear-chain CRF output layer on candle tensors: transition, start and end
//! scores are parameters (looked up as `crf.transition`, `crf.start`,
//! `crf.end` through a `VarBuilder`); the loss is the batch-mean negative
//! log-likelihood computed with the forward algorithm; decoding is
//! [`crate::decode`]'s Viterbi on the same scores ([`CrfLayer::chain`]).

use crate::decode::Chain;
use candle_core::{DType, IndexOp, Result, Tensor};
use candle_nn::{Init, VarBuilder};

/// Transition, start and end scores over `labels` tags.
#[derive(Debug, Clone)]
pub struct CrfLayer {
    /// `[from, to]` transition scores.
    pub transition: Tensor,
    /// Score of starting in each tag.
    pub start: Tensor,
    /// Score of ending in each tag.
    pub end: Tensor,
    labels: usize,
}

impl CrfLayer {
    /// A layer with zero-initialised scores under `vb` (`transition`, `start`, `end`).
    pub fn new(labels: usize, vb: VarBuilder) -> Result<Self> {
        let zero = Init::Const(0.0);
        Ok(Self {
            transition: vb.get_with_hints((labels, labels), "transition", zero)?,
            start: vb.get_with_hints(labels, "start", zero)?,
            end: vb.get_with_hints(labels, "end", zero)?,
            labels,
        })
    }

    /// Number of tags.
    pub fn labels(&self) -> usize {
        self.labels
    }

    /// Log partition function per sequence. `emissions` is `[batch, time, labels]`,
    /// `mask` `[batch, time]` (1 for real tokens, 0 for padding after them).
    pub fn log_partition(&self, emissions: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (_, time, _) = emissions.dims3()?;
        let mask = mask.to_dtype(emissions.dtype())?;
        let transition = self.transition.unsqueeze(0)?; // [1, from, to]
        let mut alpha = emissions.i((.., 0, ..))?.broadcast_add(&self.start)?; // [B, L]
        for t in 1..time {
            let scores = alpha.unsqueeze(2)?.broadcast_add(&transition)?; // [B, from, to]
            let next = scores.log_sum_exp(1)?.add(&emissions.i((.., t, ..))?)?;
            let m = mask.i((.., t))?.unsqueeze(1)?; // [B, 1]
                                                    // Padding keeps alpha as it was.
            alpha = next
                .broadcast_mul(&m)?
                .add(&alpha.broadcast_mul(&m.affine(-1.0, 1.0)?)?)?;
        }
        alpha.broadcast_add(&self.end)?.log_sum_exp(1)
    }

    /// Unnormalised score of the gold tags (`[batch, time]`, u32) per sequence.
    pub fn score(&self, emissions: &Tensor, tags: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (batch, time, labels) = emissions.dims3()?;
        let mask = mask.to_dtype(emissions.dtype())?;
        let emitted = emissions
            .gather(&tags.unsqueeze(2)?.contiguous()?, 2)?
            .squeeze(2)?
            .mul(&mask)?
            .sum(1)?;
        let first = tags.i((.., 0))?.contiguous()?;
        let mut total = emitted.add(&self.start.index_select(&first, 0)?)?;
        if time > 1 {
            let prev = tags.narrow(1, 0, time - 1)?;
            let next = tags.narrow(1, 1, time - 1)?;
            let pair = prev.affine(labels as f64, 0.0)?.add(&next)?.flatten_all()?;
            let moves = self
                .transition
                .flatten_all()?
                .index_select(&pair, 0)?
                .reshape((batch, time - 1))?
                .mul(&mask.narrow(1, 1, time - 1)?)?
                .sum(1)?;
            total = total.add(&moves)?;
        }
        // The last real tag of each sequence: tags at position length - 1.
        let last_pos = mask
            .sum(1)?
            .affine(1.0, -1.0)?
            .to_dtype(DType::U32)?
            .unsqueeze(1)?;
        let last = tags.gather(&last_pos.contiguous()?, 1)?.squeeze(1)?;
        total.add(&self.end.index_select(&last.contiguous()?, 0)?)
    }

    /// Mean negative log-likelihood of the gold tags over the batch.
    pub fn loss(&self, emissions: &Tensor, tags: &Tensor, mask: &Tensor) -> Result<Tensor> {
        self.log_partition(emissions, mask)?
            .sub(&self.score(emissions, tags, mask)?)?
            .mean_all()
    }

    /// The current scores copied out of their tensors, for decoding.
    pub fn chain(&self) -> Result<Chain> {
        Ok(Chain {
            labels: self.labels,
            transition: self
                .transition
                .to_dtype(DType::F32)?
                .flatten_all()?
                .to_vec1()?,
            start: self.start.to_dtype(DType::F32)?.to_vec1()?,
            end: self.end.to_dtype(DType::F32)?.to_vec1()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::log_sum_exp;
    use candle_core::{Device, Var};
    use candle_nn::VarMap;

    fn layer(seed: u64) -> (CrfLayer, VarMap) {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F64, &Device::Cpu);
        let crf = CrfLayer::new(3, vb.pp("crf")).unwrap();
        // Deterministic non-zero scores.
        let mut x = seed as f64;
        for (name, var) in varmap.data().lock().unwrap().iter() {
            let n = var.elem_count();
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    x = (x * 7.3 + 1.1) % 5.0;
                    x - 2.5
                })
                .collect();
            var.set(&Tensor::from_vec(values, var.shape(), &Device::Cpu).unwrap())
                .unwrap();
            assert!(name.starts_with("crf."));
        }
        (crf, varmap)
    }

    fn brute(crf: &CrfLayer, emissions: &[Vec<f64>]) -> (f64, Vec<usize>) {
        let t: Vec<f64> = crf.transition.flatten_all().unwrap().to_vec1().unwrap();
        let s: Vec<f64> = crf.start.to_vec1().unwrap();
        let e: Vec<f64> = crf.end.to_vec1().unwrap();
        let score = |p: &[usize]| {
            let mut v = s[p[0]] + e[p[p.len() - 1]];
            for (i, &y) in p.iter().enumerate() {
                v += emissions[i][y];
                if i > 0 {
                    v += t[p[i - 1] * 3 + y];
                }
            }
            v
        };
        let all = crate::decode::all_paths(emissions.len(), 3);
        let log_z = log_sum_exp(all.iter().map(|p| score(p)));
        let best = all
            .iter()
            .max_by(|a, b| score(a).total_cmp(&score(b)))
            .unwrap()
            .clone();
        (log_z, best)
    }

    #[test]
    fn log_partition_and_decoding_match_brute_force_with_padding() {
        let (crf, _vars) = layer(3);
        // Two sequences: lengths 4 and 2 (padded to 4).
        let e: Vec<f64> = (0..24)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 3.0)
            .collect();
        let emissions = Tensor::from_vec(e.clone(), (2, 4, 3), &Device::Cpu).unwrap();
        let mask =
            Tensor::from_vec(vec![1f64, 1., 1., 1., 1., 1., 0., 0.], (2, 4), &Device::Cpu).unwrap();
        let got: Vec<f64> = crf
            .log_partition(&emissions, &mask)
            .unwrap()
            .to_vec1()
            .unwrap();
        let rows = |b: usize, n: usize| -> Vec<Vec<f64>> {
            (0..n)
                .map(|t| e[(b * 4 + t) * 3..(b * 4 + t) * 3 + 3].to_vec())
                .collect()
        };
        for (b, n) in [(0, 4), (1, 2)] {
            let (log_z, best) = brute(&crf, &rows(b, n));
            assert!((got[b] - log_z).abs() < 1e-9, "{} vs {log_z}", got[b]);
            let one = emissions.i((b, 0..n, ..)).unwrap();
            // Decoding the layer's scores (copied out as `f32`) finds the best path.
            let emissions: Vec<f64> = one.flatten_all().unwrap().to_vec1::<f64>().unwrap();
            let chain = crf.chain().unwrap();
            assert_eq!(chain.scores().viterbi(&emissions), best);
        }
        // The loss of the best path is the smallest over all paths of sequence 0.
        let tags = Tensor::from_vec(vec![0u32, 1, 2, 0, 1, 1, 0, 0], (2, 4), &Device::Cpu).unwrap();
        let loss = crf
            .loss(&emissions, &tags, &mask)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap();
        assert!(loss > 0.0);
    }

    #[test]
    fn score_matches_a_hand_computation_and_gradients_reach_every_parameter() {
        let (crf, varmap) = layer(5);
        let e: Vec<f64> = (0..9).map(|i| i as f64 / 4.0).collect();
        let emissions = Tensor::from_vec(e.clone(), (1, 3, 3), &Device::Cpu).unwrap();
        let mask = Tensor::ones((1, 3), DType::F64, &Device::Cpu).unwrap();
        let tags = Tensor::from_vec(vec![2u32, 0, 1], (1, 3), &Device::Cpu).unwrap();
        let t: Vec<f64> = crf.transition.flatten_all().unwrap().to_vec1().unwrap();
        let s: Vec<f64> = crf.start.to_vec1().unwrap();
        let en: Vec<f64> = crf.end.to_vec1().unwrap();
        let expected = s[2] + e[2] + t[2 * 3] + e[3] + t[1] + e[7] + en[1];
        let got: Vec<f64> = crf
            .score(&emissions, &tags, &mask)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert!((got[0] - expected).abs() < 1e-12);
        let loss = crf.loss(&emissions, &tags, &mask).unwrap();
        let grads = loss.backward().unwrap();
        let vars: Vec<Var> = varmap.all_vars();
        assert_eq!(vars.len(), 3);
        for v in &vars {
            let g = grads
                .get(v.as_tensor())
                .expect("every parameter gets a gradient");
            let norm = g
                .sqr()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f64>()
                .unwrap();
            assert!(norm > 0.0);
        }
        assert!(
            crate::nn::optim::norm_of(vars.iter().filter_map(|v| grads.get(v.as_tensor())))
                .unwrap()
                > 0.0
        );
    }
}
