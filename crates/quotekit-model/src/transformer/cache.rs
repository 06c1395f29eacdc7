//! The frozen-encoder cache (`transformer.freeze`, `quotekit train
//! --freeze-encoder`): the encoder's word vectors of every training and dev
//! document, computed once and kept in memory or in a safetensors file per
//! corpus, keyed by the encoder weights, the window settings and the corpus.
//! A damaged file is an error that names it and says to delete it.

use crate::error::ModelError;
use crate::header::TOKENIZER_FILE;
use crate::io::{f32_values, hash_hex, write_tensors, TensorBytes};
use crate::nn::DTYPE;
use crate::training::data::group_by_size;
use crate::training::events::TrainEvent;
use crate::training::options::Interrupt;
use crate::transformer::config::TransformerConfig;
use crate::transformer::model::{
    TransformerDocument, TransformerInputs, TransformerModel, CONFIG_FILE, WEIGHTS_FILE,
};
use candle_core::Tensor;
use safetensors::SafeTensors;
use std::path::{Path, PathBuf};

/// Word vectors of each document, computed once (frozen encoder).
pub type Cached = Vec<Vec<f32>>;

/// The metadata key of a cache file's [`values_hash`].
const VALUES_KEY: &str = "quotekit-cache-values";

/// A hash of every document's vectors, kept in the cache file and checked
/// when it is read: a file changed in place, at the same size, is told.
fn values_hash(docs: &Cached) -> String {
    let each: String = docs
        .iter()
        .map(|values| hash_hex(&crate::io::f32_bytes(values)))
        .collect();
    hash_hex(each.as_bytes())
}

/// Where `quotekit train` keeps frozen encoder outputs for a model directory.
pub fn default_cache_dir(out: &Path) -> PathBuf {
    out.join("encoder-cache")
}

/// Encoder outputs of `docs`, batched by pieces; reports progress.
fn encode_all(
    model: &TransformerModel,
    docs: &[TransformerDocument],
    interrupt: &Interrupt,
    on_event: &mut dyn FnMut(&TrainEvent),
) -> Result<Cached, ModelError> {
    let sizes: Vec<usize> = docs.iter().map(|d| d.inputs.padded_pieces()).collect();
    let mut out: Vec<Vec<f32>> = vec![Vec::new(); docs.len()];
    let mut done = 0;
    for batch in group_by_size(&sizes, model.config.batch_pieces) {
        let inputs: Vec<&TransformerInputs> = batch.iter().map(|&i| &docs[i].inputs).collect();
        let vectors = model.word_vectors(&inputs, None)?;
        for (k, &i) in batch.iter().enumerate() {
            let n = docs[i].inputs.len();
            out[i] = vectors.get(k)?.narrow(0, 0, n)?.flatten_all()?.to_vec1()?;
        }
        done += batch.len();
        on_event(&TrainEvent::Encoding {
            done,
            total: docs.len(),
        });
        interrupt.check()?;
    }
    Ok(out)
}

/// The encoder folder's weights file (`transformer.path`'s
/// `model.safetensors`), hashed: read once per run, for the cache key and
/// for a frozen run's checkpoint.
pub fn weights_hash(config: &TransformerConfig) -> Result<String, ModelError> {
    Ok(hash_hex(&crate::io::read_file(
        &config.path.join(WEIGHTS_FILE),
    )?))
}

/// Key of a frozen-encoder cache: the encoder folder's weights (`weights`,
/// their [`weights_hash`]), config and tokenizer (and a trained model's
/// weights, when the run starts from one), the settings that change its
/// outputs, and the corpus.
fn cache_key(
    config: &TransformerConfig,
    weights: &str,
    docs: &[TransformerDocument],
) -> Result<String, ModelError> {
    // (Everything of the encoder folder the outputs depend on.)
    let mut text = format!("{weights} ");
    for name in [CONFIG_FILE, TOKENIZER_FILE] {
        let bytes = crate::io::read_file(&config.path.join(name))?;
        text.push_str(&hash_hex(&bytes));
        text.push(' ');
    }
    text.push_str(&format!(
        "{} {} {:?}",
        config.window, config.stride, config.pooling
    ));
    if let Some(init) = &config.init {
        let file = if init.is_dir() {
            init.join(WEIGHTS_FILE)
        } else {
            init.clone()
        };
        text.push_str(&format!(
            " init {}",
            hash_hex(&crate::io::read_file(&file)?)
        ));
    }
    for d in docs {
        text.push_str(&format!(
            " {}:{}:{}",
            d.document.id,
            d.inputs.len(),
            hash_hex(d.document.text().as_bytes())
        ));
    }
    Ok(hash_hex(text.as_bytes()))
}

/// Reads the cache file for `docs`, or computes the outputs and writes it
/// (`weights`: the encoder's [`weights_hash`]).
pub fn cached_outputs(
    model: &TransformerModel,
    weights: &str,
    docs: &[TransformerDocument],
    name: &str,
    dir: Option<&Path>,
    interrupt: &Interrupt,
    on_event: &mut dyn FnMut(&TrainEvent),
) -> Result<Cached, ModelError> {
    let h = model.bert_config.hidden_size;
    let file = match dir {
        Some(dir) => Some(dir.join(format!(
            "{name}-{}.safetensors",
            cache_key(&model.config, weights, docs)?
        ))),
        None => None,
    };
    if let Some(file) = file.as_ref().filter(|f| f.is_file()) {
        let damaged = |reason: String| {
            ModelError::corrupt(
                file,
                format!("damaged encoder cache ({reason}); delete the file to recompute it"),
            )
        };
        let bytes = crate::io::read_file(file)?;
        let st = SafeTensors::deserialize(&bytes).map_err(|e| damaged(e.to_string()))?;
        let out = (0..docs.len())
            .map(|i| {
                let t = st
                    .tensor(&i.to_string())
                    .map_err(|e| damaged(e.to_string()))?;
                let values = f32_values(t.data());
                if values.len() != docs[i].inputs.len() * h {
                    Err(damaged(format!(
                        "document {i} has {} values, expected {}",
                        values.len(),
                        docs[i].inputs.len() * h
                    )))
                } else if values.iter().any(|v| !v.is_finite()) {
                    // (No encoder gives one: training on it would end
                    // in a NaN loss, said to be the learning rate's.)
                    Err(damaged(format!(
                        "document {i} has a value that is no number"
                    )))
                } else {
                    Ok(values)
                }
            })
            .collect::<Result<Cached, ModelError>>()?;
        // (Files written before the hash was kept have none.)
        let kept = crate::io::read_metadata(&bytes, VALUES_KEY, file)?;
        if kept.is_some_and(|hash| hash != values_hash(&out)) {
            return Err(damaged(
                "its vectors are not those it was written with".into(),
            ));
        }
        on_event(&TrainEvent::CacheRead(file.clone()));
        return Ok(out);
    }
    let out = encode_all(model, docs, interrupt, on_event)?;
    if let Some(file) = file {
        let tensors: Vec<TensorBytes> = out
            .iter()
            .zip(docs)
            .enumerate()
            .map(|(i, (values, d))| {
                TensorBytes::new(i.to_string(), vec![d.inputs.len(), h], values)
            })
            .collect();
        write_tensors(&file, &tensors, Some((VALUES_KEY, values_hash(&out))))?;
        on_event(&TrainEvent::Cache(file));
    }
    Ok(out)
}

/// Word vectors `[B, T, hidden]` of a batch from the cache.
pub fn cached_batch(
    model: &TransformerModel,
    cached: &Cached,
    batch: &[usize],
    docs: &[TransformerDocument],
) -> candle_core::Result<Tensor> {
    let h = model.bert_config.hidden_size;
    let t = batch
        .iter()
        .map(|&i| docs[i].inputs.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut data = vec![0f32; batch.len() * t * h];
    for (k, &i) in batch.iter().enumerate() {
        data[k * t * h..k * t * h + cached[i].len()].copy_from_slice(&cached[i]);
    }
    Tensor::from_vec(data, (batch.len(), t, h), model.params.device())?.to_dtype(DTYPE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ModelKind, TrainConfig};
    use crate::features::lexicon::Lexicon;
    use crate::io::f32_bytes;
    use crate::training::options::TrainOptions;
    use crate::transformer::fixtures::tiny_encoder;
    use crate::transformer::train::train;
    use quotekit_data::{Document, TagScheme, TagSet};
    use safetensors::tensor::{Dtype, TensorView};

    #[test]
    fn a_damaged_encoder_cache_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("encoder");
        std::fs::create_dir(&folder).unwrap();
        let config = TrainConfig {
            model: ModelKind::Transformer,
            transformer: TransformerConfig {
                freeze: true,
                epochs: 1,
                ..tiny_encoder(&folder)
            },
            ..TrainConfig::default()
        }
        .check()
        .unwrap();
        let tags = TagSet::new(TagScheme::Bio);
        let docs = [Document::new("d", "Ab said a b ab, ab b a. A ab b.")];
        let cache = dir.path().join("cache");
        let options = TrainOptions {
            cache_dir: Some(cache.clone()),
            ..TrainOptions::default()
        };
        let train_seeing = |events: &mut dyn FnMut(&TrainEvent)| {
            let cues = Lexicon::builtin_cues();
            train(&config, &tags, docs.to_vec(), &[], cues, &options, events)
        };
        let train = || train_seeing(&mut |_| {});
        train().unwrap();
        let files: Vec<PathBuf> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "one cache file for the training corpus");
        // A cache that reads back is used as it is.
        let mut read = Vec::new();
        train_seeing(&mut |e| read.push(matches!(e, TrainEvent::CacheRead(_)))).unwrap();
        assert!(read.contains(&true), "the second run reads the cache");
        let good = std::fs::read(&files[0]).unwrap();
        std::fs::write(&files[0], b"not a safetensors file").unwrap();
        let e = train().unwrap_err().to_string();
        let name = files[0].file_name().unwrap().to_str().unwrap();
        assert!(e.contains(name) && e.contains("delete the file"), "{e}");
        // A readable file whose vectors do not fit the document.
        let short = f32_bytes(&[0.0; 3]);
        let view = TensorView::new(Dtype::F32, vec![1, 3], &short).unwrap();
        let data = safetensors::serialize([("0".to_string(), view)], None).unwrap();
        std::fs::write(&files[0], data).unwrap();
        let e = train().unwrap_err().to_string();
        assert!(
            e.contains(name) && e.contains("document 0 has 3 values"),
            "{e}"
        );
        // One changed in place at the same size: a value of its vectors.
        let mut changed = good.clone();
        let last = changed.len() - 2;
        changed[last] ^= 0x01;
        std::fs::write(&files[0], &changed).unwrap();
        let e = train().unwrap_err().to_string();
        assert!(
            e.contains(name) && e.contains("not those it was written with"),
            "{e}"
        );
        // One whose vectors fit, but hold a value that is no number.
        let st = SafeTensors::deserialize(&good).unwrap();
        let tensor = st.tensor("0").unwrap();
        let mut values = f32_values(tensor.data());
        values[1] = f32::NAN;
        let bytes = f32_bytes(&values);
        let view = TensorView::new(Dtype::F32, tensor.shape().to_vec(), &bytes).unwrap();
        let data = safetensors::serialize([("0".to_string(), view)], None).unwrap();
        std::fs::write(&files[0], data).unwrap();
        let e = train().unwrap_err().to_string();
        assert!(e.contains(name) && e.contains("no number"), "{e}");
    }

    /// A frozen encoder started from a trained model (`transformer.init`)
    /// is that model's: its outputs are cached under another key than the
    /// pretrained encoder's, the same whether the model is named by its
    /// directory or its weights file. An edited `config.json` or
    /// `tokenizer.json` has a key of its own.
    #[test]
    fn a_run_started_from_a_trained_model_has_its_own_cache_key() {
        use crate::tagger::SequenceTagger;
        use crate::transformer::fixtures::header_of;
        use crate::transformer::model::TransformerModel;
        use crate::transformer::train::prepare_transformer;
        let dir = tempfile::tempdir().unwrap();
        let settings = tiny_encoder(dir.path());
        let model = TransformerModel::from_folder(&settings, Lexicon::builtin_cues(), 7).unwrap();
        let trained = dir.path().join("trained");
        std::fs::create_dir_all(&trained).unwrap();
        model
            .save(&header_of(&settings), &trained.join(WEIGHTS_FILE))
            .unwrap();
        let tags = TagSet::new(TagScheme::Bio);
        let docs = prepare_transformer(vec![Document::new("d", "Ab said a b.")], &model, &tags);
        let key = |init: Option<PathBuf>| {
            let config = TransformerConfig {
                init,
                ..settings.clone()
            };
            cache_key(&config, &weights_hash(&config).unwrap(), &docs).unwrap()
        };
        assert_eq!(key(None), key(None));
        assert_ne!(key(None), key(Some(trained.clone())));
        assert_eq!(
            key(Some(trained.clone())),
            key(Some(trained.join(WEIGHTS_FILE)))
        );
        // The folder's config and tokenizer change the outputs too (the
        // same weights read with other settings or pieces).
        let plain = key(None);
        for name in [CONFIG_FILE, TOKENIZER_FILE] {
            let file = dir.path().join(name);
            let original = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, format!("{original} ")).unwrap();
            assert_ne!(key(None), plain, "{name}");
            std::fs::write(&file, original).unwrap();
            assert_eq!(key(None), plain);
        }
    }
}
