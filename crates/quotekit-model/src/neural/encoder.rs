//! The neural encoder: per word, the mean of its subword piece embeddings, a
//! character CNN and symbolic feature embeddings, projected and passed through
//! a stack of residual dilated convolutions (dilations 1…64: each word sees a
//! window of 255 words) and a linear layer to tag scores, with a CRF on top.
//! Dilated convolutions rather than a BiLSTM: on a CPU they run as a few large
//! matrix products per layer instead of one small step per word.

use super::crf_layer::CrfLayer;
use super::inputs::{Batch, CHAR_BUCKETS, FEATURE_SIZES};
use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{
    conv1d, embedding, linear, Conv1d, Conv1dConfig, Embedding, Linear, VarBuilder, VarMap,
};
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

/// Sizes of the encoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EncoderConfig {
    /// Piece embedding size.
    pub piece_dim: usize,
    /// Character embedding size.
    pub char_dim: usize,
    /// Character CNN channels.
    pub char_channels: usize,
    /// Size of each symbolic feature embedding.
    pub feature_dim: usize,
    /// Width of the convolution stack.
    pub hidden: usize,
    /// Dilations of the convolution layers (kernel 3).
    pub dilations: Vec<usize>,
    /// Size of the embedding of the hashed CRF features (0: not used).
    pub sparse_dim: usize,
    /// Hash bits of the CRF features (`2^sparse_bits` embedding rows).
    pub sparse_bits: u32,
    /// Dropout probability during training.
    pub dropout: f64,
    /// Probability of dropping each hashed CRF feature of a word during training.
    pub sparse_dropout: f64,
    /// Also add a linear function of the hashed CRF features to the tag scores
    /// (the CRF's own emission model, learnt jointly with the network).
    pub wide: bool,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        Self {
            piece_dim: 96,
            char_dim: 16,
            char_channels: 48,
            feature_dim: 8,
            hidden: 128,
            dilations: vec![1, 2, 4, 8, 16, 32, 64],
            sparse_dim: 32,
            sparse_bits: 18,
            dropout: 0.3,
            sparse_dropout: 0.3,
            wide: true,
        }
    }
}

/// Encoder + CRF, parameters under `encoder.*` and `crf.*`.
#[derive(Debug)]
pub struct NeuralTagger {
    pieces: Embedding,
    chars: Embedding,
    char_conv: Conv1d,
    features: Vec<Embedding>,
    sparse: Option<Embedding>,
    wide: Option<Embedding>,
    project: Linear,
    convs: ResidualConvs,
    output: Linear,
    /// The CRF layer.
    pub crf: CrfLayer,
    dropout: f64,
    sparse_dropout: f64,
}

impl NeuralTagger {
    /// Builds the model; parameters are created in `vb`.
    pub fn new(
        config: &EncoderConfig,
        vocab_size: usize,
        labels: usize,
        vb: VarBuilder,
    ) -> Result<Self> {
        let e = vb.pp("encoder");
        let features = FEATURE_SIZES
            .iter()
            .enumerate()
            .map(|(k, &n)| embedding(n, config.feature_dim, e.pp(format!("feature.{k}"))))
            .collect::<Result<Vec<_>>>()?;
        let word_dim = config.piece_dim
            + config.char_channels
            + FEATURE_SIZES.len() * config.feature_dim
            + config.sparse_dim;
        let sparse = if config.sparse_dim > 0 {
            Some(embedding(
                1 << config.sparse_bits,
                config.sparse_dim,
                e.pp("sparse"),
            )?)
        } else {
            None
        };
        let wide = if config.sparse_dim > 0 && config.wide {
            Some(embedding(1 << config.sparse_bits, labels, e.pp("wide"))?)
        } else {
            None
        };
        let convs = ResidualConvs::new(config.hidden, &config.dilations, e.pp("conv"))?;
        Ok(Self {
            pieces: embedding(vocab_size, config.piece_dim, e.pp("pieces"))?,
            chars: embedding(CHAR_BUCKETS, config.char_dim, e.pp("chars"))?,
            char_conv: conv1d(
                config.char_dim,
                config.char_channels,
                3,
                Conv1dConfig {
                    padding: 1,
                    ..Default::default()
                },
                e.pp("char_conv"),
            )?,
            features,
            sparse,
            wide,
            project: linear(word_dim, config.hidden, e.pp("project"))?,
            convs,
            output: linear(config.hidden, labels, e.pp("output"))?,
            crf: CrfLayer::new(labels, vb.pp("crf"))?,
            dropout: config.dropout,
            sparse_dropout: config.sparse_dropout,
        })
    }

    fn drop(&self, xs: &Tensor, rng: Option<&mut rand_chacha::ChaCha8Rng>) -> Result<Tensor> {
        dropout(xs, self.dropout, rng)
    }
}

/// Inverted dropout with a seeded mask; identity without `rng` or at `p = 0`.
pub(crate) fn dropout(
    xs: &Tensor,
    p: f64,
    rng: Option<&mut rand_chacha::ChaCha8Rng>,
) -> Result<Tensor> {
    match rng {
        Some(rng) if p > 0.0 => {
            let keep = 1.0 - p;
            let n = xs.elem_count();
            let mask: Vec<f32> = (0..n)
                .map(|_| {
                    if rng.random::<f64>() < keep {
                        (1.0 / keep) as f32
                    } else {
                        0.0
                    }
                })
                .collect();
            xs.mul(&Tensor::from_vec(mask, xs.shape(), xs.device())?.to_dtype(xs.dtype())?)
        }
        _ => Ok(xs.clone()),
    }
}

/// Residual dilated convolutions (kernel 3, ReLU, dropout) over `[B, H, T]`.
#[derive(Debug)]
pub struct ResidualConvs {
    convs: Vec<Conv1d>,
}

impl ResidualConvs {
    /// One layer per dilation, parameters under `vb.pp(k)`.
    pub fn new(hidden: usize, dilations: &[usize], vb: VarBuilder) -> Result<Self> {
        let convs = dilations
            .iter()
            .enumerate()
            .map(|(k, &d)| {
                let cfg = Conv1dConfig {
                    padding: d,
                    dilation: d,
                    ..Default::default()
                };
                conv1d(hidden, hidden, 3, cfg, vb.pp(k))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { convs })
    }

    /// Applies the layers to `x` `[B, H, T]`; `mask` `[B, T]` is 1 for real
    /// words. Padding words are zeroed, as the convolutions' own padding is,
    /// so a sequence gets the same output alone or in a batch.
    pub fn forward(
        &self,
        x: &Tensor,
        mask: &Tensor,
        p: f64,
        mut rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let mask = mask.unsqueeze(1)?.to_dtype(x.dtype())?; // [B, 1, T]
        let mut x = x.broadcast_mul(&mask)?;
        for conv in &self.convs {
            let y = conv.forward(&x)?.relu()?;
            let y = dropout(&y, p, rng.as_deref_mut())?;
            x = x.add(&y)?.broadcast_mul(&mask)?;
        }
        Ok(x)
    }
}

impl NeuralTagger {
    /// Tag scores `[B, T, labels]`; `rng` enables (seeded) dropout for training.
    pub fn emissions(
        &self,
        batch: &Batch,
        mut rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let n = batch.batch * batch.time;
        // Mean of piece embeddings.
        let piece_mask = batch.piece_mask.unsqueeze(2)?;
        let pieces = self
            .pieces
            .forward(&batch.pieces)?
            .broadcast_mul(&piece_mask)?
            .sum(1)?
            .broadcast_div(&piece_mask.sum(1)?.clamp(1.0, f64::MAX)?)?;
        // Character CNN with max pooling.
        let chars = self
            .chars
            .forward(&batch.chars)?
            .transpose(1, 2)?
            .contiguous()?; // [N, char_dim, MAX_CHARS]
        let chars = self.char_conv.forward(&chars)?.relu()?.max(D::Minus1)?;
        let mut parts = vec![pieces, chars];
        for (k, emb) in self.features.iter().enumerate() {
            parts.push(emb.forward(&batch.features.narrow(1, k, 1)?.squeeze(1)?.contiguous()?)?);
        }
        let mut wide = None;
        if let Some(sparse) = &self.sparse {
            // Sum of the embeddings of the word's hashed CRF features.
            let mask = dropout(&batch.sparse_mask, self.sparse_dropout, rng.as_deref_mut())?;
            parts.push(
                sparse
                    .forward(&batch.sparse)?
                    .broadcast_mul(&mask)?
                    .sum(1)?,
            );
            if let Some(w) = &self.wide {
                wide = Some(w.forward(&batch.sparse)?.broadcast_mul(&mask)?.sum(1)?);
            }
        }
        let words = Tensor::cat(&parts, 1)?; // [N, word_dim]
        let words = self.drop(&words, rng.as_deref_mut())?;
        let hidden = self.project.forward(&words)?.relu()?; // [N, H]
        let h = hidden.dims2()?.1;
        let x = hidden
            .reshape((batch.batch, batch.time, h))?
            .transpose(1, 2)?
            .contiguous()?; // [B, H, T]
        let x = self.convs.forward(&x, &batch.mask, self.dropout, rng)?;
        let x = x.transpose(1, 2)?.contiguous()?.reshape((n, h))?;
        let mut scores = self.output.forward(&x)?;
        if let Some(wide) = wide {
            scores = scores.add(&wide)?;
        }
        scores.reshape((batch.batch, batch.time, ()))
    }

    /// Mean negative log-likelihood of the batch's gold tags.
    pub fn loss(&self, batch: &Batch, rng: Option<&mut rand_chacha::ChaCha8Rng>) -> Result<Tensor> {
        let emissions = self.emissions(batch, rng)?;
        self.crf.loss(&emissions, &batch.tags, &batch.mask)
    }
}

/// Overwrites every parameter of `varmap` with seeded values (candle's CPU RNG
/// cannot be seeded): embeddings N(0, 0.1²), biases and CRF scores 0, other
/// weights Kaiming-normal by fan-in. Parameters are visited in name order.
pub fn seeded_init(varmap: &VarMap, seed: u64) -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let data = varmap
        .data()
        .lock()
        .expect("the var map lock is not poisoned");
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let dims = var.dims().to_vec();
        let n = var.elem_count();
        let std = if name.ends_with(".bias")
            || name.starts_with("crf.")
            || name.ends_with("wide.weight")
        {
            0.0
        } else if name.contains("sparse") {
            0.02
        } else if name.contains("pieces") || name.contains("chars.") || name.contains("feature.") {
            0.1
        } else {
            let fan_in = n / dims[0].max(1);
            (2.0 / fan_in.max(1) as f64).sqrt()
        };
        let values: Vec<f32> = (0..n)
            .map(|_| {
                // Box–Muller.
                let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random::<f64>());
                (std * (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
            })
            .collect();
        let t = Tensor::from_vec(values, dims, var.device())?.to_dtype(var.dtype())?;
        var.set(&t)?;
    }
    Ok(())
}

/// Parameter dtype.
pub const DTYPE: DType = DType::F32;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;
    use crate::neural::inputs::{make_batch, word_inputs};
    use crate::neural::vocab::Vocabulary;
    use candle_core::Device;
    use quotekit_data::{Document, Tokenizer};

    #[test]
    fn forward_shapes_and_gradients_reach_every_parameter() {
        let texts = [
            "“We will win,” Ana Ruiz said.",
            "Bob argued that rain was coming.",
        ];
        let vocab = Vocabulary::train(texts.iter().copied(), 60).unwrap();
        let docs: Vec<Document> = texts
            .iter()
            .enumerate()
            .map(|(k, t)| Document::new(k.to_string(), *t))
            .collect();
        let tok = Tokenizer::new();
        let cues = Lexicon::builtin_cues();
        let config = EncoderConfig {
            dilations: vec![1, 2],
            hidden: 16,
            sparse_dim: 8,
            sparse_bits: 10,
            ..EncoderConfig::default()
        };
        let extractor = crate::neural::train::sparse_extractor(&config, &cues);
        let inputs: Vec<_> = docs
            .iter()
            .map(|d| word_inputs(d, &tok.tokenize(d), &vocab, &cues, extractor.as_ref()))
            .collect();
        let gold: Vec<Vec<u8>> = inputs
            .iter()
            .map(|w| (0..w.len()).map(|i| (i % 7) as u8).collect())
            .collect();
        let windows: Vec<_> = inputs
            .iter()
            .zip(&gold)
            .map(|(w, g)| (w, 0..w.len(), Some(g.as_slice())))
            .collect();
        let batch = make_batch(&windows, vocab.pad(), &Device::Cpu).unwrap();
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DTYPE, &Device::Cpu);
        let model = NeuralTagger::new(&config, vocab.size(), 7, vb).unwrap();
        seeded_init(&varmap, 1).unwrap();
        let first: Vec<f32> = varmap.all_vars()[0]
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        seeded_init(&varmap, 1).unwrap();
        assert_eq!(
            first,
            varmap.all_vars()[0]
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap(),
            "seeded"
        );
        let emissions = model.emissions(&batch, None).unwrap();
        assert_eq!(emissions.dims3().unwrap(), (2, batch.time, 7));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let loss = model.loss(&batch, Some(&mut rng)).unwrap();
        assert!(loss.to_scalar::<f32>().unwrap() > 0.0);
        let grads = loss.backward().unwrap();
        let data = varmap.data().lock().unwrap();
        for (name, var) in data.iter() {
            let g = grads
                .get(var.as_tensor())
                .unwrap_or_else(|| panic!("no gradient for {name}"));
            let norm = g
                .sqr()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            // CRF scores start at zero but still get gradients; every parameter moves.
            assert!(norm > 0.0, "zero gradient for {name}");
        }
    }
}
