//! File input and output shared by model files, training checkpoints and the
//! frozen-encoder cache: atomic writes, safetensors files of `f32` tensors
//! (candle tensors or plain vectors, written as views of their bytes) and the
//! stable hash recorded in file headers.

use crate::error::ModelError;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` whole, making its folder if need be: through a
/// temporary file in the same folder and a rename, so readers see the old
/// file or the new one, never a partial one, also after a crash of the
/// system ([`quotekit_data::atomic::replace_whole_synced`]: synced to the
/// disk; a link at the name is replaced, a read-only file refused).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    quotekit_data::atomic::replace_whole_synced(path, bytes).map_err(|e| ModelError::io(path, e))
}

/// The metadata value `key` of the safetensors file at `path`, read from
/// its header alone (not its tensors, which may take gigabytes); `None`
/// when the file is not a regular one, or not such a file, or has no such
/// key.
pub fn header_metadata(path: &Path, key: &str) -> Option<String> {
    use std::io::Read;
    // (A regular file only: opening a FIFO would wait for a writer.)
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len).ok()?;
    let len = u64::from_le_bytes(len);
    if len > MAX_HEADER_BYTES {
        return None;
    }
    let mut json = vec![0u8; usize::try_from(len).ok()?];
    file.read_exact(&mut json).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&json).ok()?;
    Some(value.get("__metadata__")?.get(key)?.as_str()?.to_string())
}

/// Reads a whole model-side file (a model, checkpoint, resolver or cache
/// file). Only a regular file (or a link to one) is read: a FIFO would block
/// and a device (`/dev/zero`) never end.
pub fn read_file(path: &Path) -> Result<Vec<u8>, ModelError> {
    let explained = |e| ModelError::io(path, quotekit_data::read::explain(path, e));
    let meta = std::fs::metadata(path).map_err(explained)?;
    if meta.is_dir() {
        return Err(explained(std::io::ErrorKind::IsADirectory.into()));
    }
    if !meta.is_file() {
        return Err(ModelError::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file (a pipe or device)",
            ),
        ));
    }
    std::fs::read(path).map_err(explained)
}

/// Reads a whole model-side text file ([`read_file`]: regular files only),
/// without the byte-order mark an editor may have put first.
pub fn read_text(path: &Path) -> Result<String, ModelError> {
    text_of(path, read_file(path)?)
}

/// The text of `bytes` read from `path`, without a byte-order mark first; a
/// byte of no UTF-8 is an error naming its line and offset.
pub fn text_of(path: &Path, bytes: Vec<u8>) -> Result<String, ModelError> {
    // (Line and offset as the data crate's readers name them.)
    Ok(quotekit_data::error::decode_text(path, bytes)?)
}

/// `DIR/name` for a directory (or a path without an extension), the path
/// itself for a file: where a model or checkpoint file is, given either.
pub fn file_in(path: &Path, name: &str) -> PathBuf {
    if path.is_dir() || path.extension().is_none() {
        path.join(name)
    } else {
        path.to_path_buf()
    }
}

/// 64-bit FNV-1a: a stable hash for file headers.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_more(FNV1A_START, bytes)
}

/// The FNV-1a hash of nothing, to go on from with [`fnv1a_more`].
pub const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a going on from `h` over `bytes`: `fnv1a_more(fnv1a(a), b)` is the
/// hash of `a` then `b`.
pub fn fnv1a_more(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// [`fnv1a`] as the 16 hex digits that headers record.
pub fn hash_hex(bytes: &[u8]) -> String {
    format!("{:016x}", fnv1a(bytes))
}

/// Little-endian bytes of f32 values (safetensors' layout).
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// f32 values of little-endian bytes (safetensors' layout).
pub fn f32_values(data: &[u8]) -> Vec<f32> {
    // (Into a vector made whole first: the loop compiles to wide copies,
    // where a collect went value by value.)
    let mut out = vec![0f32; data.len() / 4];
    for (v, c) in out.iter_mut().zip(data.chunks_exact(4)) {
        *v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    out
}

/// One `f32` tensor to write: its name, shape and little-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorBytes {
    /// Name in the file.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values as little-endian bytes.
    pub bytes: Vec<u8>,
}

impl TensorBytes {
    /// A tensor of plain values.
    pub fn new(name: impl Into<String>, shape: Vec<usize>, values: &[f32]) -> Self {
        Self {
            name: name.into(),
            shape,
            bytes: f32_bytes(values),
        }
    }

    /// The values of a candle tensor (copied to the CPU as `f32`).
    pub fn of(name: impl Into<String>, tensor: &candle_core::Tensor) -> candle_core::Result<Self> {
        let values: Vec<f32> = tensor
            .flatten_all()?
            .to_dtype(candle_core::DType::F32)?
            .to_vec1()?;
        Ok(Self::new(name, tensor.dims().to_vec(), &values))
    }
}

/// Writes `tensors` as one safetensors file (atomically), with `metadata` as
/// its single metadata entry (key, JSON text) when given.
pub fn write_tensors(
    path: &Path,
    tensors: &[TensorBytes],
    metadata: Option<(&str, String)>,
) -> Result<(), ModelError> {
    // Failures here are failures to write `path`, not damage to a file.
    let cannot = |e: String| ModelError::io(path, std::io::Error::other(e));
    let views = tensors
        .iter()
        .map(|t| {
            TensorView::new(Dtype::F32, t.shape.clone(), &t.bytes)
                .map(|v| (t.name.clone(), v))
                .map_err(|e| cannot(format!("tensor `{}`: {e}", t.name)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = metadata.map(|(key, json)| HashMap::from([(key.to_string(), json)]));
    let bytes = safetensors::serialize(views, metadata).map_err(|e| cannot(e.to_string()))?;
    write_atomically(path, &bytes)
}

/// The metadata entry `key` of a safetensors file's bytes (`None` when it
/// has none); a file that does not parse is corrupt.
pub fn read_metadata(bytes: &[u8], key: &str, path: &Path) -> Result<Option<String>, ModelError> {
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| ModelError::corrupt(path, e.to_string()))?;
    Ok(header.metadata().as_ref().and_then(|m| m.get(key)).cloned())
}

/// Parses the tensors of a safetensors file's bytes.
pub fn read_tensors<'a>(bytes: &'a [u8], path: &Path) -> Result<SafeTensors<'a>, ModelError> {
    SafeTensors::deserialize(bytes).map_err(|e| ModelError::corrupt(path, e.to_string()))
}

/// The largest magnitude a stored value may have. Trained weights stay many
/// orders below it; sums of values this large (a tag's score adds up a few
/// hundred) overflow `f32` and would decode to no spans at all.
pub const MAX_MAGNITUDE: f32 = 1e30;

/// The longest safetensors header (its JSON, in bytes) a quotekit file can
/// have: a longer length in a file's first eight bytes tells a file that
/// is no quotekit file (about safetensors' own limit).
pub const MAX_HEADER_BYTES: u64 = 100 << 20;

/// The position of the first value that is not finite or is above
/// [`MAX_MAGNITUDE`] in magnitude, if any.
pub fn first_bad_value(values: &[f32]) -> Option<usize> {
    // (Not finite or too large: not at most the limit, which NaN never is.)
    let ok = |v: &f32| v.abs() <= MAX_MAGNITUDE;
    // A block at a time, with no branch per value (most files have no bad
    // value): then the value in the block that has one.
    let mut start = 0;
    for block in values.chunks(1024) {
        if !block.iter().fold(true, |all, v| all & ok(v)) {
            return block.iter().position(|v| !ok(v)).map(|k| start + k);
        }
        start += block.len();
    }
    None
}

/// The values of tensor `name`, which must be `f32` of `shape`, finite and
/// at most [`MAX_MAGNITUDE`] in magnitude (anything else is a damaged file).
pub fn read_f32(
    st: &SafeTensors<'_>,
    name: &str,
    shape: &[usize],
    path: &Path,
) -> Result<Vec<f32>, ModelError> {
    let t = st
        .tensor(name)
        .map_err(|e| ModelError::corrupt(path, format!("tensor `{name}`: {e}")))?;
    if t.dtype() != Dtype::F32 || t.shape() != shape {
        return Err(ModelError::corrupt(
            path,
            format!(
                "tensor `{name}` is {:?} {:?}, expected F32 {shape:?}",
                t.dtype(),
                t.shape()
            ),
        ));
    }
    let values = f32_values(t.data());
    if let Some(k) = first_bad_value(&values) {
        return Err(ModelError::corrupt(
            path,
            format!(
                "tensor `{name}` holds {:e} at position {k}: the file is damaged; retrain the model or restore the file",
                values[k]
            ),
        ));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first value that is not a number, infinite or too large is
    /// found wherever it is: in the first block, past it, at a block's
    /// edge, with later ones after it; none in a good table.
    #[test]
    fn the_first_bad_value_is_found_in_any_block() {
        let good: Vec<f32> = (0..5000).map(|k| k as f32 * 0.5 - 1000.0).collect();
        assert_eq!(first_bad_value(&good), None);
        assert_eq!(first_bad_value(&[]), None);
        for (at, bad) in [
            (0, f32::NAN),
            (3, f32::INFINITY),
            (1023, f32::NEG_INFINITY),
            (1024, 2e30),
            (4999, -2e30),
            (2500, f32::NAN),
        ] {
            let mut values = good.clone();
            values[at] = bad;
            if at + 10 < values.len() {
                values[at + 10] = f32::NAN;
            }
            assert_eq!(first_bad_value(&values), Some(at), "{bad} at {at}");
        }
    }

    /// Little-endian bytes read back as the values they were.
    #[test]
    fn values_read_back_from_their_bytes() {
        let values = [2.5f32, -1.5, 3.25e7, f32::MIN_POSITIVE, 0.0];
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(f32_values(&bytes), values);
        assert_eq!(f32_values(&bytes[..7]), [2.5]);
    }

    /// A write whose rename fails (a folder where the file goes) leaves no
    /// temporary file beside it.
    #[test]
    fn a_failed_atomic_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        std::fs::create_dir(&path).unwrap();
        let e = write_atomically(&path, b"bytes").unwrap_err().to_string();
        assert!(e.contains("w.safetensors"), "{e}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["w.safetensors"]);
        write_atomically(&dir.path().join("v"), b"bytes").unwrap();
        assert_eq!(std::fs::read(dir.path().join("v")).unwrap(), b"bytes");
    }

    #[test]
    fn tensors_round_trip_with_their_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.safetensors");
        let tensors = [
            TensorBytes::new("b", vec![2], &[1.5, -2.0]),
            TensorBytes::new("a", vec![1, 3], &[0.0, 1.0, MAX_MAGNITUDE]),
        ];
        write_tensors(&path, &tensors, Some(("k", "{\"x\":1}".into()))).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            read_metadata(&bytes, "k", &path).unwrap().as_deref(),
            Some("{\"x\":1}")
        );
        assert_eq!(read_metadata(&bytes, "other", &path).unwrap(), None);
        let st = read_tensors(&bytes, &path).unwrap();
        assert_eq!(read_f32(&st, "b", &[2], &path).unwrap(), vec![1.5, -2.0]);
        assert_eq!(
            read_f32(&st, "a", &[1, 3], &path).unwrap(),
            vec![0.0, 1.0, MAX_MAGNITUDE]
        );
        let e = read_f32(&st, "a", &[3], &path).unwrap_err().to_string();
        assert!(
            e.contains("t.safetensors") && e.contains("expected F32 [3]"),
            "{e}"
        );
        let e = read_f32(&st, "c", &[3], &path).unwrap_err().to_string();
        assert!(e.contains("tensor `c`"), "{e}");
        let e = read_tensors(&bytes[..10], &path).unwrap_err().to_string();
        assert!(e.contains("not a readable model file"), "{e}");
    }

    #[test]
    fn weights_that_are_not_numbers_are_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nan.safetensors");
        let tensors = [TensorBytes::new("w", vec![3], &[0.5, f32::NAN, 1.0])];
        write_tensors(&path, &tensors, None).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let st = read_tensors(&bytes, &path).unwrap();
        let e = read_f32(&st, "w", &[3], &path).unwrap_err().to_string();
        assert!(
            e.contains("nan.safetensors")
                && e.contains("NaN at position 1")
                && e.contains("retrain"),
            "{e}"
        );
    }

    /// A finite weight too large for a score to hold (a hand-edited file:
    /// its tag scores overflowed and nothing was tagged) is refused too.
    #[test]
    fn weights_too_large_to_add_up_are_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.safetensors");
        let tensors = [TensorBytes::new("w", vec![3], &[0.5, -3e38, 1.0])];
        write_tensors(&path, &tensors, None).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let st = read_tensors(&bytes, &path).unwrap();
        let e = read_f32(&st, "w", &[3], &path).unwrap_err().to_string();
        assert!(
            e.contains("big.safetensors") && e.contains("at position 1") && e.contains("damaged"),
            "{e}"
        );
    }

    #[test]
    fn fnv1a_is_the_published_function() {
        // Test vectors of the FNV-1a 64-bit reference.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash_hex(b"foobar"), "85944171f73967e8");
    }
}
