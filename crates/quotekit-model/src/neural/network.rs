//! The neural tagger's network: per word, the mean of its subword piece
//! embeddings, a character CNN and symbolic feature embeddings, projected
//! and passed through a stack of residual dilated convolutions (dilations
//! 1…64: each word sees a window of 255 words) and a linear layer to tag
//! scores (the CRF layer on top is the parameter tree's). Dilated
//! convolutions rather than a BiLSTM: on a CPU they run as a few large
//! matrix products per layer instead of one small step per word.

use crate::features::symbolic::FEATURE_SIZES;
use crate::neural::config::NetworkConfig;
use crate::neural::config::CHAR_BUCKETS;
use crate::neural::inputs::Batch;
use crate::nn::layers::{dropout, ResidualConvs};
use candle_core::{Module, Result, Tensor, D};
use candle_nn::{conv1d, embedding, linear, Conv1d, Conv1dConfig, Embedding, Linear, VarBuilder};

/// The network, parameters under `network.*`.
#[derive(Debug)]
pub struct NeuralNetwork {
    pieces: Embedding,
    chars: Embedding,
    char_conv: Conv1d,
    features: Vec<Embedding>,
    sparse: Option<Embedding>,
    wide: Option<Embedding>,
    project: Linear,
    convs: ResidualConvs,
    output: Linear,
    dropout: f64,
    sparse_dropout: f64,
}

impl NeuralNetwork {
    /// Builds the network; its parameters are created in `vb` under `network`.
    pub fn new(
        config: &NetworkConfig,
        vocab_size: usize,
        labels: usize,
        vb: VarBuilder,
    ) -> Result<Self> {
        let e = vb.pp("network");
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
            dropout: config.dropout,
            sparse_dropout: config.sparse_dropout,
        })
    }

    fn drop(&self, xs: &Tensor, rng: Option<&mut rand_chacha::ChaCha8Rng>) -> Result<Tensor> {
        dropout(xs, self.dropout, rng)
    }

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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::lexicon::Lexicon;
    use crate::neural::inputs::{make_batch, sparse_extractor, word_inputs};
    use crate::neural::vocab::Vocabulary;
    use crate::nn::params::Parameters;
    use candle_core::Device;
    use quotekit_data::{Document, Tokenizer};
    use rand::SeedableRng;

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
        let config = NetworkConfig {
            dilations: vec![1, 2],
            hidden: 16,
            sparse_dim: 8,
            sparse_bits: 10,
            ..NetworkConfig::default()
        };
        let extractor = sparse_extractor(&config, &cues);
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
        let mut params = Parameters::new(7).unwrap();
        let model = NeuralNetwork::new(&config, vocab.size(), 7, params.builder()).unwrap();
        let values = |p: &Parameters| -> Vec<Vec<f32>> {
            p.named()
                .iter()
                .map(|(_, v)| v.flatten_all().unwrap().to_vec1().unwrap())
                .collect()
        };
        params.seed(1).unwrap();
        let first = values(&params);
        params.seed(1).unwrap();
        assert_eq!(first, values(&params), "seeded");
        params.seed(2).unwrap();
        assert_ne!(first, values(&params), "another seed, other values");
        let emissions = model.emissions(&batch, None).unwrap();
        assert_eq!(emissions.dims3().unwrap(), (2, batch.time, 7));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let emissions = model.emissions(&batch, Some(&mut rng)).unwrap();
        let loss = params
            .crf
            .loss(&emissions, &batch.tags, &batch.mask)
            .unwrap();
        assert!(loss.to_scalar::<f32>().unwrap() > 0.0);
        let grads = loss.backward().unwrap();
        for (name, var) in params.named() {
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

    /// The estimate that bounds a config's network (`NeuralConfig::weights`)
    /// is the network's size, within its biases and CRF layer.
    #[test]
    fn a_configs_weight_estimate_is_its_networks_size() {
        use crate::neural::config::NeuralConfig;
        for wide in [true, false] {
            let mut config = NeuralConfig {
                vocab_size: 3000,
                ..NeuralConfig::default()
            };
            config.network.sparse_bits = 12;
            config.network.wide = wide;
            let params = Parameters::new(13).unwrap();
            NeuralNetwork::new(&config.network, config.vocab_size, 13, params.builder()).unwrap();
            let (estimate, count) = (config.weights() as f64, params.count() as f64);
            assert!(
                (estimate - count).abs() < 0.01 * count,
                "estimate {estimate}, network {count}"
            );
        }
    }
}
