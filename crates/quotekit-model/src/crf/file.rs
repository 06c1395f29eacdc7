//! The CRF's tensors in a model file: `state` (`[2^hash_bits, labels]`),
//! `transition`, `start` and `end`, all `f32`.

use crate::config::ModelKind;
use crate::crf::model::CrfModel;
use crate::error::ModelError;
use crate::header::{model_path, ModelHeader};
use crate::io::{read_f32, read_tensors, TensorBytes};
use ndarray::{Array1, Array2};
use std::path::{Path, PathBuf};

/// Writes `model` with `header` to the weights file `file`.
pub fn write(model: &CrfModel, header: &ModelHeader, file: &Path) -> Result<(), ModelError> {
    let (b, l) = model.state.dim();
    fn values(a: Option<&[f32]>) -> &[f32] {
        a.expect("the model's arrays are contiguous")
    }
    header.write(
        file,
        &[
            TensorBytes::new("state", vec![b, l], values(model.state.as_slice())),
            TensorBytes::new(
                "transition",
                vec![l, l],
                values(model.transition.as_slice()),
            ),
            TensorBytes::new("start", vec![l], values(model.start.as_slice())),
            TensorBytes::new("end", vec![l], values(model.end.as_slice())),
        ],
    )
}

/// The CRF of a model file's bytes, whose header has been read.
pub fn read(bytes: &[u8], header: &ModelHeader, file: &Path) -> Result<CrfModel, ModelError> {
    header.expect_kind(ModelKind::Crf, file)?;
    let most = crate::config::MAX_HASH_BITS;
    if header.hash_bits != header.config.features.hash_bits
        || !(8..=most).contains(&header.hash_bits)
    {
        return Err(ModelError::corrupt(
            file,
            format!(
                "the header says hash_bits = {} and its config features.hash_bits = {} (expected equal, 8 to {most})",
                header.hash_bits, header.config.features.hash_bits
            ),
        ));
    }
    let st = read_tensors(bytes, file)?;
    let (b, l) = (1usize << header.hash_bits, header.labels.len());
    let matrix = |name: &str, rows: usize| -> Result<Array2<f32>, ModelError> {
        let values = read_f32(&st, name, &[rows, l], file)?;
        Ok(Array2::from_shape_vec((rows, l), values).expect("read_f32 checked the shape"))
    };
    Ok(CrfModel {
        state: matrix("state", b)?,
        transition: matrix("transition", l)?,
        start: Array1::from(read_f32(&st, "start", &[l], file)?),
        end: Array1::from(read_f32(&st, "end", &[l], file)?),
    })
}

/// Reads a CRF model file (or `DIR/model.safetensors`) and checks its header.
pub fn load(path: &Path) -> Result<(CrfModel, ModelHeader), ModelError> {
    let file: PathBuf = model_path(path);
    let bytes = crate::io::read_file(&file)?;
    let header = ModelHeader::read(&bytes, &file)?;
    let model = read(&bytes, &header, &file)?;
    Ok((model, header))
}
