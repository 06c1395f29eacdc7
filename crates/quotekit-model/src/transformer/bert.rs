//! A BERT encoder in candle (and MPNet, the same layers with relative
//! position biases added to the attention scores), written here rather than taken from
//! candle-transformers because fine-tuning needs two things its `BertModel`
//! lacks: a backward pass (it uses candle-nn's fused softmax and layer-norm
//! kernels, which have none) and seeded dropout (for reproducible training).
//! Softmax, layer norm and GELU come from [`super::fused`] (fused CPU kernels
//! with backward passes; elsewhere candle-nn's kernels for inference and
//! candle's primitive operations for training). Attention probabilities get no
//! dropout (the largest tensors by far; generating their masks would cost more
//! than the layer). Parameter names follow the Hugging Face checkpoints
//! (`embeddings.*`, `encoder.layer.N.*`; MPNet's `attention.attn.q` for
//! BERT's `attention.self.query` and so on), so a `model.safetensors` loads
//! as it is.

use super::attention;
use super::inplace;
use super::int8::Int8Weight;
use super::relative::relative_biases;
use crate::nn::layers::dropout;
pub use crate::transformer::bert_config::BertConfig;
use crate::transformer::fused;
use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{embedding, linear, Embedding, Linear, VarBuilder};

/// Layer norm with weight and bias: the fused kernel for inference, plain
/// tensor operations (which have gradients) for training.
#[derive(Debug)]
struct Norm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl Norm {
    fn new(size: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            weight: vb.get_with_hints(size, "weight", candle_nn::Init::Const(1.0))?,
            bias: vb.get_with_hints(size, "bias", candle_nn::Init::Const(0.0))?,
            eps,
        })
    }

    fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        fused::layer_norm(x, &self.weight, &self.bias, self.eps as f32, train)
    }

    /// Weight, bias and epsilon, for the in-place kernels.
    fn parts(&self) -> (&Tensor, &Tensor, f32) {
        (&self.weight, &self.bias, self.eps as f32)
    }
}

#[derive(Debug)]
struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

impl Layer {
    fn new(c: &BertConfig, vb: VarBuilder) -> Result<Self> {
        let h = c.hidden_size;
        let a = vb.pp("attention");
        // (The same weights under MPNet's names.)
        let (query, key, value, out, norm) = if c.is_mpnet() {
            let attn = a.pp("attn");
            (
                attn.pp("q"),
                attn.pp("k"),
                attn.pp("v"),
                attn.pp("o"),
                a.pp("LayerNorm"),
            )
        } else {
            let s = a.pp("self");
            (
                s.pp("query"),
                s.pp("key"),
                s.pp("value"),
                a.pp("output").pp("dense"),
                a.pp("output").pp("LayerNorm"),
            )
        };
        Ok(Self {
            query: linear(h, h, query)?,
            key: linear(h, h, key)?,
            value: linear(h, h, value)?,
            attention_out: linear(h, h, out)?,
            attention_norm: Norm::new(h, c.layer_norm_eps, norm)?,
            intermediate: linear(h, c.intermediate_size, vb.pp("intermediate").pp("dense"))?,
            output: linear(c.intermediate_size, h, vb.pp("output").pp("dense"))?,
            output_norm: Norm::new(h, c.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
        })
    }
}

/// The arithmetic of the encoder's linear layers at inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// f32 throughout (as trained).
    #[default]
    F32,
    /// Weights quantized to int8 per output, inputs per row, products summed
    /// in integers ([`super::int8`]); attention, softmax, GELU and layer
    /// norms stay f32. Faster, with slightly different numbers.
    Int8,
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
        })
    }
}

/// A layer's linear weights quantized for int8 inference.
#[derive(Debug)]
struct Int8Layer {
    /// Queries, keys and values stacked (as [`inplace::stacked`] takes them).
    qkv: Int8Weight,
    attention_out: Int8Weight,
    intermediate: Int8Weight,
    output: Int8Weight,
}

impl Int8Layer {
    fn new(layer: &Layer) -> Result<Self> {
        fn quantize(weights: &[&Tensor]) -> Result<Int8Weight> {
            let w = Tensor::cat(weights, 0)?;
            let (n, k) = w.dims2()?;
            Int8Weight::new(&w.flatten_all()?.to_vec1::<f32>()?, n, k)
                .map_err(candle_core::Error::Msg)
        }
        Ok(Self {
            qkv: quantize(&[
                layer.query.weight(),
                layer.key.weight(),
                layer.value.weight(),
            ])?,
            attention_out: quantize(&[layer.attention_out.weight()])?,
            intermediate: quantize(&[layer.intermediate.weight()])?,
            output: quantize(&[layer.output.weight()])?,
        })
    }
}

/// A BERT encoder: token, position and segment embeddings, then transformer
/// layers. (An MPNet encoder has no segment embeddings and adds a learned
/// bias per head and bucket of relative position to every layer's scores.)
#[derive(Debug)]
pub struct Bert {
    /// Its configuration.
    pub config: BertConfig,
    words: Embedding,
    positions: Embedding,
    /// Segment embeddings (BERT).
    types: Option<Embedding>,
    /// Per bucket of relative position, a bias per head (MPNet).
    relative: Option<Embedding>,
    norm: Norm,
    layers: Vec<Layer>,
    /// The layers' weights quantized, when inference runs in int8.
    int8: Option<Vec<Int8Layer>>,
}

impl Bert {
    /// Creates the parameters under `vb` (load the pretrained values afterwards).
    pub fn new(config: &BertConfig, vb: VarBuilder) -> Result<Self> {
        let h = config.hidden_size;
        let e = vb.pp("embeddings");
        let layers = (0..config.num_hidden_layers)
            .map(|k| Layer::new(config, vb.pp("encoder").pp("layer").pp(k)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            config: config.clone(),
            words: embedding(config.vocab_size, h, e.pp("word_embeddings"))?,
            positions: embedding(
                config.max_position_embeddings,
                h,
                e.pp("position_embeddings"),
            )?,
            types: if config.is_mpnet() {
                None
            } else {
                Some(embedding(
                    config.type_vocab_size,
                    h,
                    e.pp("token_type_embeddings"),
                )?)
            },
            relative: if config.is_mpnet() {
                Some(embedding(
                    config.relative_attention_num_buckets,
                    config.num_attention_heads,
                    vb.pp("encoder").pp("relative_attention_bias"),
                )?)
            } else {
                None
            },
            norm: Norm::new(h, config.layer_norm_eps, e.pp("LayerNorm"))?,
            layers,
            int8: None,
        })
    }

    /// Sets the arithmetic of inference's linear layers. Int8 quantizes the
    /// current weights (do it after loading them; training does not see
    /// it, and weights changed afterwards are not quantized again), and is
    /// refused on a processor without AVX-512 VNNI, where it would be
    /// slower than f32 ([`super::int8::supported`]).
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        if precision == Precision::Int8 && !super::int8::supported() {
            // (Not `bail!`, whose error carries a backtrace into the
            // message when `RUST_BACKTRACE` is set.)
            return Err(candle_core::Error::Msg(
                "int8 needs a processor with AVX-512 VNNI (x86-64), which this one lacks; use f32"
                    .into(),
            ));
        }
        self.int8 = match precision {
            Precision::F32 => None,
            Precision::Int8 => Some(
                self.layers
                    .iter()
                    .map(Int8Layer::new)
                    .collect::<Result<_>>()?,
            ),
        };
        Ok(())
    }

    /// The arithmetic of inference's linear layers.
    pub fn precision(&self) -> Precision {
        if self.int8.is_some() {
            Precision::Int8
        } else {
            Precision::F32
        }
    }

    /// Hidden states `[B, L, hidden]` of piece ids `[B, L]` (u32) whose padding
    /// is 0 in `mask` `[B, L]` (f32). With `rng`, dropout is on (training).
    pub fn forward(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        mut rng: Option<&mut rand_chacha::ChaCha8Rng>,
    ) -> Result<Tensor> {
        let train = rng.is_some();
        let p = self.config.hidden_dropout_prob;
        let (b, l) = ids.dims2()?;
        let h = self.config.hidden_size;
        let heads = self.config.num_attention_heads;
        let d = h / heads;
        let first = self.config.first_position() as u32;
        let positions = Tensor::arange(first, first + l as u32, ids.device())?;
        let mut x = self
            .words
            .forward(ids)?
            .broadcast_add(&self.positions.forward(&positions)?)?;
        if let Some(types) = &self.types {
            x = x.broadcast_add(&types.forward(&Tensor::zeros(1, DType::U32, ids.device())?)?)?;
        }
        let mut x = dropout(&self.norm.forward(&x, train)?, p, rng.as_deref_mut())?;
        // MPNet: `[1, heads, L, L]` biases of the pieces' relative positions,
        // the same for every layer.
        let relative = match &self.relative {
            Some(table) => Some(relative_biases(
                table,
                l,
                self.config.relative_attention_num_buckets,
            )?),
            None => None,
        };
        // Additive attention mask: 0 for pieces, -10000 for padding (as BERT);
        // skipped when no window is padded (most batches: windows are full).
        let padded = mask.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()? < (b * l) as f64;
        let bias = if padded {
            Some(((mask.to_dtype(DType::F32)? - 1.0)? * 10_000.0)?.reshape((b, 1, 1, l))?)
        } else {
            None
        };
        let scale = 1.0 / (d as f64).sqrt();
        let split = |t: Tensor| -> Result<Tensor> {
            t.reshape((b, l, heads, d))?.transpose(1, 2)?.contiguous()
        };
        if !train {
            // Inference: biases, scale, GELU, residuals, layer norms and
            // softmax in place on the results just computed (the same
            // arithmetic as below, without a fresh tensor for each step).
            for (n, layer) in self.layers.iter().enumerate() {
                let int8 = self.int8.as_ref().map(|layers| &layers[n]);
                // Queries, keys and values from one product with the three
                // weights stacked (the input is read and packed once).
                let qkv = inplace::stacked(
                    &x,
                    [&layer.query, &layer.key, &layer.value],
                    scale as f32,
                    int8.map(|l| &l.qkv),
                )?;
                let context = attention::attention(&qkv, heads, relative.as_ref(), bias.as_ref())?;
                x = inplace::linear_residual_norm(
                    &context,
                    &layer.attention_out,
                    int8.map(|l| &l.attention_out),
                    &x,
                    layer.attention_norm.parts(),
                )?;
                let inner =
                    inplace::linear_gelu(&x, &layer.intermediate, int8.map(|l| &l.intermediate))?;
                x = inplace::linear_residual_norm(
                    &inner,
                    &layer.output,
                    int8.map(|l| &l.output),
                    &x,
                    layer.output_norm.parts(),
                )?
                .detach();
            }
            return Ok(x);
        }
        for layer in &self.layers {
            // Scaling the queries costs a 1/L of scaling the scores.
            let q = split((layer.query.forward(&x)? * scale)?)?;
            let k = split(layer.key.forward(&x)?)?;
            let v = split(layer.value.forward(&x)?)?;
            let mut scores = q.matmul(&k.t()?)?;
            if let Some(relative) = &relative {
                scores = scores.broadcast_add(relative)?;
            }
            if let Some(bias) = &bias {
                scores = scores.broadcast_add(bias)?;
            }
            let probs = fused::softmax_last_dim(&scores, train)?;
            let context = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b, l, h))?;
            let attended = dropout(
                &layer.attention_out.forward(&context)?,
                p,
                rng.as_deref_mut(),
            )?;
            x = layer.attention_norm.forward(&(attended + &x)?, train)?;
            let inner = fused::gelu_erf(&layer.intermediate.forward(&x)?)?;
            let out = dropout(&layer.output.forward(&inner)?, p, rng.as_deref_mut())?;
            x = layer.output_norm.forward(&(out + &x)?, train)?;
            if !train {
                // The weights are variables, so every result keeps its inputs
                // alive for a backward pass; without one, cutting the graph
                // here frees the layer's intermediate tensors.
                x = x.detach();
            }
        }
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use candle_nn::VarMap;
    use rand::SeedableRng;

    /// A 2-layer, 4-head BERT of `hidden` width with a feed-forward of
    /// `inner` (its random initial weights), and 2 windows of 12 piece ids.
    fn tiny(hidden: usize, inner: usize) -> (Bert, Tensor) {
        tiny_of("bert", hidden, inner).0
    }

    /// [`tiny`] of a model type (`bert` or `mpnet`), with its parameters.
    fn tiny_of(model_type: &str, hidden: usize, inner: usize) -> ((Bert, Tensor), VarMap) {
        let config = BertConfig {
            vocab_size: 50,
            hidden_size: hidden,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            intermediate_size: inner,
            max_position_embeddings: 16,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            hidden_act: "gelu".into(),
            hidden_dropout_prob: 0.0,
            model_type: model_type.into(),
            relative_attention_num_buckets: 32,
            pad_token_id: Some(1),
        };
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let bert = Bert::new(&config, vb).unwrap();
        let ids: Vec<u32> = (0..24).map(|k| (k * 7 % 50) as u32).collect();
        (
            (bert, Tensor::from_vec(ids, (2, 12), &Device::Cpu).unwrap()),
            varmap,
        )
    }

    /// The in-place inference path computes what the training path computes
    /// without dropout, bit for bit, with and without padding, for BERT and
    /// for MPNet (whose relative position biases both paths add).
    #[test]
    fn inference_in_place_equals_the_training_path() {
        for model_type in ["bert", "mpnet"] {
            let ((bert, ids), _) = tiny_of(model_type, 32, 64);
            same_on_both_paths(&bert, &ids, model_type);
        }
    }

    fn same_on_both_paths(bert: &Bert, ids: &Tensor, what: &str) {
        for padded in [false, true] {
            let mut mask = vec![1f32; 24];
            if padded {
                mask[20..].fill(0.0);
            }
            let mask = Tensor::from_vec(mask, (2, 12), &Device::Cpu).unwrap();
            let inference = bert.forward(ids, &mask, None).unwrap();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
            let training = bert.forward(ids, &mask, Some(&mut rng)).unwrap();
            let a: Vec<f32> = inference.flatten_all().unwrap().to_vec1().unwrap();
            let b: Vec<f32> = training.flatten_all().unwrap().to_vec1().unwrap();
            assert_eq!(a, b, "{what}, padded: {padded}");
        }
    }

    /// MPNet's parameters have its checkpoints' names (so that its
    /// `model.safetensors` loads as it is), and its relative position
    /// biases change what the encoder computes.
    #[test]
    fn mpnet_has_its_own_names_and_uses_its_relative_biases() {
        let ((bert, ids), varmap) = tiny_of("mpnet", 32, 64);
        let names: Vec<String> = varmap.data().lock().unwrap().keys().cloned().collect();
        for name in [
            "encoder.relative_attention_bias.weight",
            "encoder.layer.1.attention.attn.q.weight",
            "encoder.layer.1.attention.attn.o.bias",
            "encoder.layer.1.attention.LayerNorm.weight",
            "encoder.layer.1.output.LayerNorm.bias",
        ] {
            assert!(names.iter().any(|n| n == name), "no {name} in {names:?}");
        }
        assert!(
            !names
                .iter()
                .any(|n| n.contains("token_type") || n.contains("self.query")),
            "{names:?}"
        );
        let mask = Tensor::ones((2, 12), DType::F32, &Device::Cpu).unwrap();
        let run = |bert: &Bert| -> Vec<f32> {
            let y = bert.forward(&ids, &mask, None).unwrap();
            y.flatten_all().unwrap().to_vec1().unwrap()
        };
        let with = run(&bert);
        let table = varmap.data().lock().unwrap()["encoder.relative_attention_bias.weight"].clone();
        table.set(&table.zeros_like().unwrap()).unwrap();
        assert_ne!(run(&bert), with, "the relative biases were not used");
    }

    /// Int8 linear layers change the hidden states a little, not much, and
    /// f32 again gives the f32 numbers back.
    #[test]
    fn int8_inference_stays_close_to_f32() {
        if !crate::transformer::int8::supported() {
            eprintln!("skipped: this processor has no AVX-512 VNNI");
            return;
        }
        let (mut bert, ids) = tiny(64, 128);
        let mut mask = vec![1f32; 24];
        mask[20..].fill(0.0);
        let mask = Tensor::from_vec(mask, (2, 12), &Device::Cpu).unwrap();
        let run = |bert: &Bert| -> Vec<f32> {
            let y = bert.forward(&ids, &mask, None).unwrap();
            y.flatten_all().unwrap().to_vec1().unwrap()
        };
        let f32s = run(&bert);
        bert.set_precision(Precision::Int8).unwrap();
        assert_eq!(bert.precision(), Precision::Int8);
        let int8 = run(&bert);
        assert_ne!(int8, f32s, "the int8 path ran");
        let dot: f32 = f32s.iter().zip(&int8).map(|(a, b)| a * b).sum();
        let norm = |v: &[f32]| v.iter().map(|a| a * a).sum::<f32>().sqrt();
        let cosine = dot / (norm(&f32s) * norm(&int8));
        assert!(cosine > 0.999, "cosine {cosine}");
        bert.set_precision(Precision::F32).unwrap();
        assert_eq!(run(&bert), f32s);
    }
}
