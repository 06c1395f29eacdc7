//! Layers both network taggers build on: seeded inverted dropout, residual
//! dilated convolutions, and the seeded initialisation of a parameter tree
//! (candle's own CPU random numbers cannot be seeded).

use candle_core::{Module, Result, Tensor};
use candle_nn::{conv1d, Conv1d, Conv1dConfig, VarBuilder, VarMap};
use rand::{RngExt, SeedableRng};

/// Inverted dropout with a seeded mask; identity without `rng` or at `p = 0`.
pub fn dropout(xs: &Tensor, p: f64, rng: Option<&mut rand_chacha::ChaCha8Rng>) -> Result<Tensor> {
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
