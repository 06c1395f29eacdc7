//! The parameter tree of a network tagger: every parameter by dotted name
//! (a candle `VarMap`, so a safetensors file *is* the tree), the CRF output
//! layer under `crf.*`, and the chain scores copied out of it for decoding.
//! Both network taggers hold one; it seeds, counts, loads and saves them.

use crate::decode::{Chain, ChainScores};
use crate::error::ModelError;
use crate::header::{ModelHeader, TOKENIZER_FILE};
use crate::io::{hash_hex, read_f32, read_tensors, write_atomically, TensorBytes};
use crate::nn::crf_layer::CrfLayer;
use crate::nn::layers::seeded_init;
use crate::nn::{device, DTYPE};
use candle_core::{DType, Device, Result, Shape, Tensor, Var};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder, VarMap};
use std::collections::HashMap;
use std::path::Path;

/// The name of a parameter stored in a file of format `version`, as this
/// version names it: format version 1 kept the neural network's parameters
/// under `encoder.` (now `network.`). Other names are unchanged.
pub fn current_name(stored: &str, version: u32) -> String {
    match stored.strip_prefix("encoder.") {
        Some(rest) if version < 2 => format!("network.{rest}"),
        _ => stored.to_string(),
    }
}

/// Parameters of a network with a CRF output layer over `labels` tags.
pub struct Parameters {
    varmap: VarMap,
    device: Device,
    /// The CRF output layer (`crf.transition`, `crf.start`, `crf.end`).
    pub crf: CrfLayer,
    chain: Chain,
}

impl std::fmt::Debug for Parameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parameters")
            .field("count", &self.count())
            .field("device", &self.device)
            .finish()
    }
}

/// The tree's variables, created as zeros whatever their initialiser.
struct Unfilled(VarMap);

impl SimpleBackend for Unfilled {
    fn get(
        &self,
        shape: Shape,
        name: &str,
        _init: Init,
        dtype: DType,
        device: &Device,
    ) -> Result<Tensor> {
        self.0.get(shape, name, Init::Const(0.0), dtype, device)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, device: &Device) -> Result<Tensor> {
        SimpleBackend::get_unchecked(&self.0, name, dtype, device)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        SimpleBackend::contains_tensor(&self.0, name)
    }
}

impl Parameters {
    /// An empty tree on [`device`] with a CRF layer over `labels` tags; add
    /// the network's own parameters through [`Parameters::builder`].
    pub fn new(labels: usize) -> Result<Self> {
        let varmap = VarMap::new();
        let device = device();
        let crf = CrfLayer::new(
            labels,
            VarBuilder::from_varmap(&varmap, DTYPE, &device).pp("crf"),
        )?;
        Ok(Self {
            varmap,
            device,
            crf,
            chain: Chain::default(),
        })
    }

    /// Creates parameters in this tree, as zeros: every parameter is then
    /// seeded ([`Parameters::seed`]) or read from a file, so the random
    /// values of the layers' own initialisers (22.7 M draws for
    /// all-MiniLM-L6-v2's encoder at every load) would be thrown away.
    pub fn builder(&self) -> VarBuilder<'_> {
        VarBuilder::from_backend(
            Box::new(Unfilled(self.varmap.clone())),
            DTYPE,
            self.device.clone(),
        )
    }

    /// The device the network runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Every parameter, sorted by name.
    pub fn named(&self) -> Vec<(String, Var)> {
        let data = self
            .varmap
            .data()
            .lock()
            .expect("the var map lock is not poisoned");
        let mut vars: Vec<(String, Var)> =
            data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        vars
    }

    /// Number of scalar parameters.
    pub fn count(&self) -> usize {
        self.named().iter().map(|(_, v)| v.elem_count()).sum()
    }

    /// Overwrites every parameter with seeded values (see [`seeded_init`])
    /// and refreshes the decoding copy.
    pub fn seed(&mut self, seed: u64) -> Result<()> {
        seeded_init(&self.varmap, seed)?;
        self.refresh()
    }

    /// Copies the CRF layer's scores for decoding; call after changing parameters.
    pub fn refresh(&mut self) -> Result<()> {
        self.chain = self.crf.chain()?;
        Ok(())
    }

    /// The chain scores for decoding (as of the last [`Parameters::refresh`]).
    pub fn chain(&self) -> ChainScores<'_, f32> {
        self.chain.scores()
    }

    /// Overwrites every parameter with the tensor of the same name in
    /// `tensors` (shapes must match), then refreshes the decoding copy.
    pub fn set(&mut self, tensors: &[(String, Tensor)]) -> Result<()> {
        for (name, var) in self.named() {
            let t = tensors
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t)
                .ok_or_else(|| candle_core::Error::Msg(format!("no tensor `{name}`")))?;
            if t.dims() != var.dims() {
                return Err(candle_core::Error::Msg(format!(
                    "tensor `{name}` has shape {:?}, expected {:?}",
                    t.dims(),
                    var.dims()
                )));
            }
            var.set(&t.to_device(var.device())?.to_dtype(var.dtype())?)?;
        }
        self.refresh()
    }

    /// Sets every parameter from the bytes of a model file of format
    /// `version` (older versions' names read as [`current_name`] says);
    /// returns the names of the file's tensors that no parameter took.
    pub fn read(
        &mut self,
        bytes: &[u8],
        file: &Path,
        version: u32,
    ) -> std::result::Result<Vec<String>, ModelError> {
        let st = read_tensors(bytes, file)?;
        // (Each parameter takes its tensor out: those left no parameter took.)
        let mut stored: HashMap<String, String> = st
            .names()
            .into_iter()
            .map(|s| (current_name(s, version), s.to_string()))
            .collect();
        let mut tensors = Vec::new();
        for (name, var) in self.named() {
            let key = stored.remove(&name).unwrap_or_else(|| name.clone());
            let values = read_f32(&st, &key, var.dims(), file)?;
            let t = Tensor::from_vec(values, var.dims(), &Device::Cpu)
                .map_err(|e| ModelError::corrupt(file, format!("tensor `{name}`: {e}")))?;
            tensors.push((name, t));
        }
        let mut unused: Vec<String> = stored.into_values().collect();
        unused.sort();
        self.set(&tensors)
            .map_err(|e| ModelError::corrupt(file, format!("network: {e}")))?;
        Ok(unused)
    }

    /// Writes a network tagger: its `tokenizer.json` and `extra` files (name,
    /// text) beside the weights file `file`, then the parameters with
    /// `header`, which records their hashes.
    pub fn save(
        &self,
        tokenizer_json: &str,
        extra: &[(&str, &str)],
        header: &ModelHeader,
        file: &Path,
    ) -> std::result::Result<(), ModelError> {
        let dir = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        write_atomically(&dir.join(TOKENIZER_FILE), tokenizer_json.as_bytes())?;
        for (name, text) in extra {
            write_atomically(&dir.join(name), text.as_bytes())?;
        }
        let header = ModelHeader {
            tokenizer_hash: Some(hash_hex(tokenizer_json.as_bytes())),
            file_hashes: extra
                .iter()
                .map(|(name, text)| (name.to_string(), hash_hex(text.as_bytes())))
                .collect(),
            ..header.clone()
        };
        let tensors = self
            .named()
            .into_iter()
            .map(|(name, var)| TensorBytes::of(name, var.as_tensor()))
            .collect::<Result<Vec<_>>>()?;
        header.write(file, &tensors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_names_of_the_neural_network_read_as_network() {
        assert_eq!(
            current_name("encoder.pieces.weight", 1),
            "network.pieces.weight"
        );
        assert_eq!(current_name("crf.start", 1), "crf.start");
        assert_eq!(
            current_name("bert.encoder.layer.0.output.dense.weight", 1),
            "bert.encoder.layer.0.output.dense.weight"
        );
        assert_eq!(current_name("encoder.x", 2), "encoder.x");
    }
}
