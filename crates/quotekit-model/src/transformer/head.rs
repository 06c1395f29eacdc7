//! The transformer tagger's head: embeddings of the symbolic features
//! concatenated to the word vectors, dropout, an optional projection with
//! residual dilated convolutions, and a linear layer to tag scores.

use crate::features::symbolic::FEATURE_SIZES;
use crate::nn::layers::{dropout, ResidualConvs};
use crate::transformer::config::TransformerConfig;
use candle_core::{Module, Result, Tensor};
use candle_nn::{embedding, linear, Embedding, Linear, VarBuilder};

/// The head: feature embeddings, optional convolutions, linear tag scores.
#[derive(Debug)]
pub struct Head {
    features: Vec<Embedding>,
    project: Option<Linear>,
    convs: Option<ResidualConvs>,
    output: Linear,
    dropout: f64,
}

impl Head {
    /// A head over word vectors of `width`, parameters created in `vb`.
    pub fn new(s: &TransformerConfig, width: usize, labels: usize, vb: VarBuilder) -> Result<Self> {
        let features = if s.features {
            FEATURE_SIZES
                .iter()
                .enumerate()
                .map(|(k, &n)| embedding(n, s.feature_dim, vb.pp(format!("feature.{k}"))))
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let input = width + features.len() * s.feature_dim;
        let (project, convs, out_in) = if s.head_hidden > 0 {
            (
                Some(linear(input, s.head_hidden, vb.pp("project"))?),
                Some(ResidualConvs::new(
                    s.head_hidden,
                    &s.head_dilations,
                    vb.pp("conv"),
                )?),
                s.head_hidden,
            )
        } else {
            (None, None, input)
        };
        Ok(Self {
            features,
            project,
            convs,
            output: linear(out_in, labels, vb.pp("output"))?,
            dropout: s.dropout,
        })
    }

    /// Tag scores `[B, T, labels]` of word vectors `[B, T, width]`, symbolic
    /// feature ids `[B*T, 3]` and the word mask `[B, T]`; `rng` turns dropout on.
    pub fn forward(
        &self,
        words: &Tensor,
        features: &Tensor,
        mask: &Tensor,
        mut rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let (b, t, width) = words.dims3()?;
        let n = b * t;
        let mut parts = vec![words.reshape((n, width))?];
        for (k, emb) in self.features.iter().enumerate() {
            parts.push(emb.forward(&features.narrow(1, k, 1)?.squeeze(1)?.contiguous()?)?);
        }
        let x = dropout(&Tensor::cat(&parts, 1)?, self.dropout, rng.as_deref_mut())?;
        let x = match (&self.project, &self.convs) {
            (Some(project), Some(convs)) => {
                let h = project.forward(&x)?.relu()?;
                let hidden = h.dims2()?.1;
                let h = h.reshape((b, t, hidden))?.transpose(1, 2)?.contiguous()?;
                let h = convs.forward(&h, mask, self.dropout, rng)?;
                h.transpose(1, 2)?.contiguous()?.reshape((n, hidden))?
            }
            _ => x,
        };
        self.output.forward(&x)?.reshape((b, t, ()))
    }
}
