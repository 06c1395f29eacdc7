//! Training the neural tagger (in progress for issue 4): windows of words
//! bucketed by length into batches, AdamW (implemented here so its state can be
//! checkpointed), linear warm-up then linear decay, global gradient-norm
//! clipping, seeded dropout and shuffling, dev exact micro F1 after every
//! epoch with the best weights kept. Checkpoints, resume and model files are
//! still to come.

use super::encoder::{seeded_init, EncoderConfig, NeuralTagger, DTYPE};
use super::inputs::{make_batch, word_inputs, Window, WordInputs};
use super::vocab::Vocabulary;
use crate::annotator::build_annotation;
use crate::error::ModelError;
use crate::eval::{exact_scores, Counts};
use crate::lexicon::Lexicon;
use candle_core::{Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use quotekit_data::{encode, role_fragments, Document, TagScheme, TagSet, Tokenized, Tokenizer};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// Neural training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NeuralConfig {
    /// WordPiece vocabulary size.
    pub vocab_size: usize,
    /// Encoder sizes.
    pub encoder: EncoderConfig,
    /// Words per training window.
    pub window: usize,
    /// Words per batch (windows are grouped by length up to this many words).
    pub batch_words: usize,
    /// Epochs.
    pub epochs: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Share of the steps spent warming up.
    pub warmup: f64,
    /// Global gradient-norm clip.
    pub clip: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for NeuralConfig {
    fn default() -> Self {
        Self {
            vocab_size: 16_000,
            encoder: EncoderConfig::default(),
            window: 256,
            batch_words: 4096,
            epochs: 10,
            learning_rate: 2e-3,
            weight_decay: 0.01,
            warmup: 0.05,
            clip: 5.0,
            seed: 42,
        }
    }
}

/// AdamW. Moments are plain `f32` vectors (so they can be checkpointed, and
/// no tensor graph can survive a step); parameters are read and written back
/// as whole tensors.
#[derive(Debug)]
pub struct AdamW {
    vars: Vec<Var>,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    step: usize,
    weight_decay: f64,
}

impl AdamW {
    /// An optimiser for `vars`.
    pub fn new(vars: Vec<Var>, weight_decay: f64) -> candle_core::Result<Self> {
        let m = vars.iter().map(|v| vec![0.0; v.elem_count()]).collect();
        let v = vars.iter().map(|v| vec![0.0; v.elem_count()]).collect();
        Ok(Self {
            vars,
            m,
            v,
            step: 0,
            weight_decay,
        })
    }

    /// The parameters it updates.
    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// One update at learning rate `lr`, gradients scaled by `scale` (clipping).
    pub fn step(
        &mut self,
        grads: &candle_core::backprop::GradStore,
        lr: f64,
        scale: f64,
    ) -> candle_core::Result<()> {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        self.step += 1;
        let (c1, c2) = (
            1.0 - b1.powi(self.step as i32),
            1.0 - b2.powi(self.step as i32),
        );
        for (k, var) in self.vars.iter().enumerate() {
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            let g: Vec<f32> = g
                .to_dtype(candle_core::DType::F32)?
                .flatten_all()?
                .to_vec1()?;
            let mut w: Vec<f32> = var
                .as_tensor()
                .to_dtype(candle_core::DType::F32)?
                .flatten_all()?
                .to_vec1()?;
            let (m, v) = (&mut self.m[k], &mut self.v[k]);
            for i in 0..w.len() {
                let gi = f64::from(g[i]) * scale;
                let mi = b1 * f64::from(m[i]) + (1.0 - b1) * gi;
                let vi = b2 * f64::from(v[i]) + (1.0 - b2) * gi * gi;
                m[i] = mi as f32;
                v[i] = vi as f32;
                let update = (mi / c1) / ((vi / c2).sqrt() + eps);
                w[i] = (f64::from(w[i]) * (1.0 - lr * self.weight_decay) - lr * update) as f32;
            }
            let t = Tensor::from_vec(w, var.shape(), var.device())?.to_dtype(var.dtype())?;
            var.set(&t)?;
        }
        Ok(())
    }
}

/// A document prepared for the neural tagger.
#[derive(Debug, Clone)]
pub struct NeuralDocument {
    /// The document.
    pub document: Document,
    /// Its tokens.
    pub tokens: Tokenized,
    /// Word inputs.
    pub inputs: WordInputs,
    /// Gold BIO tag ids.
    pub gold: Vec<u8>,
}

/// Tokenizes and encodes documents for the neural tagger.
pub fn prepare(documents: &[Document], vocab: &Vocabulary, cues: &Lexicon) -> Vec<NeuralDocument> {
    let tokenizer = Tokenizer::new();
    let tags = TagSet::new(TagScheme::Bio);
    documents
        .iter()
        .map(|d| {
            let tokens = tokenizer.tokenize(d);
            let inputs = word_inputs(d, &tokens, vocab, cues);
            let gold = encode(&tokens, &role_fragments(d), TagScheme::Bio)
                .tags
                .iter()
                .map(|t| tags.index(*t).expect("BIO tags") as u8)
                .collect();
            NeuralDocument {
                document: d.clone(),
                tokens,
                inputs,
                gold,
            }
        })
        .collect()
}

fn windows(docs: &[NeuralDocument], size: usize) -> Vec<Window<'_>> {
    let mut out = Vec::new();
    for d in docs {
        let mut s = 0;
        while s < d.inputs.len() {
            let e = (s + size).min(d.inputs.len());
            out.push((&d.inputs, s..e, Some(&d.gold[s..e])));
            s = e;
        }
    }
    out
}

/// Tags one prepared document (windows of `window` words).
pub fn tag(
    model: &NeuralTagger,
    doc: &NeuralDocument,
    window: usize,
    pad: u32,
) -> candle_core::Result<Vec<quotekit_data::Tag>> {
    let tags = TagSet::new(TagScheme::Bio);
    let mut out = Vec::with_capacity(doc.inputs.len());
    let mut s = 0;
    while s < doc.inputs.len() {
        let e = (s + window).min(doc.inputs.len());
        let batch = make_batch(&[(&doc.inputs, s..e, None)], pad, &Device::Cpu)?;
        let emissions = model.emissions(&batch, None)?.squeeze(0)?;
        out.extend(
            model
                .crf
                .decode(&emissions)?
                .into_iter()
                .map(|y| tags.tags()[y]),
        );
        s = e;
    }
    Ok(out)
}

/// Exact micro F1 on prepared documents.
pub fn evaluate_f1(
    model: &NeuralTagger,
    docs: &[NeuralDocument],
    window: usize,
    pad: u32,
) -> candle_core::Result<f64> {
    let mut total = Counts::default();
    for d in docs {
        let tags = tag(model, d, window, pad)?;
        let annotation = build_annotation(&d.document, &d.tokens, &tags);
        total.add(exact_scores(&d.document, &annotation.document).micro);
    }
    Ok(total.f1())
}

/// Progress of neural training.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub loss: f64,
    /// Dev exact micro F1, when there is a dev set.
    pub dev_f1: Option<f64>,
    /// Training words per second.
    pub words_per_second: f64,
}

/// Trains a neural tagger; returns the model (best dev epoch when there is a dev
/// set), its vocabulary and the per-epoch reports.
pub fn train_neural(
    config: &NeuralConfig,
    train_docs: &[Document],
    dev_docs: &[Document],
    mut on_epoch: impl FnMut(&EpochReport),
) -> Result<(NeuralTagger, VarMap, Vocabulary, Vec<EpochReport>), ModelError> {
    let err = |e: candle_core::Error| ModelError::Training(format!("neural: {e}"));
    let vocab = Vocabulary::train(train_docs.iter().map(|d| d.text()), config.vocab_size)?;
    let cues = Lexicon::builtin_cues();
    let train = prepare(train_docs, &vocab, &cues);
    let dev = prepare(dev_docs, &vocab, &cues);
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DTYPE, &Device::Cpu);
    let model = NeuralTagger::new(&config.encoder, vocab.size(), 7, vb).map_err(err)?;
    seeded_init(&varmap, config.seed).map_err(err)?;
    let mut names: Vec<String> = varmap
        .data()
        .lock()
        .expect("unpoisoned")
        .keys()
        .cloned()
        .collect();
    names.sort();
    let vars: Vec<Var> = {
        let data = varmap.data().lock().expect("unpoisoned");
        names.iter().map(|n| data[n].clone()).collect()
    };
    let mut optimizer = AdamW::new(vars, config.weight_decay).map_err(err)?;
    // Bucket windows by length into batches of about `batch_words` words.
    let mut all = windows(&train, config.window);
    all.sort_by_key(|w| w.1.len());
    let mut batches: Vec<Vec<Window<'_>>> = Vec::new();
    let mut current: Vec<Window<'_>> = Vec::new();
    for w in all {
        if !current.is_empty() && (current.len() + 1) * w.1.len() > config.batch_words {
            batches.push(std::mem::take(&mut current));
        }
        current.push(w);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    let total_steps = (batches.len() * config.epochs).max(1);
    let warmup = ((total_steps as f64 * config.warmup) as usize).max(1);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(config.seed);
    let mut reports = Vec::new();
    let mut best: Option<(f64, Vec<Tensor>)> = None;
    let mut step = 0usize;
    for epoch in 1..=config.epochs {
        let started = std::time::Instant::now();
        let mut order: Vec<usize> = (0..batches.len()).collect();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut words) = (0.0, 0usize);
        for &b in &order {
            let batch = make_batch(&batches[b], vocab.pad(), &Device::Cpu).map_err(err)?;
            let loss = model.loss(&batch, Some(&mut rng)).map_err(err)?;
            let grads = loss.backward().map_err(err)?;
            let norm = super::crf_layer::grad_norm(&grads, optimizer.vars()).map_err(err)?;
            let scale = if norm > config.clip {
                config.clip / norm
            } else {
                1.0
            };
            step += 1;
            let lr = if step <= warmup {
                config.learning_rate * step as f64 / warmup as f64
            } else {
                config.learning_rate * (total_steps - step) as f64
                    / (total_steps - warmup).max(1) as f64
            };
            optimizer.step(&grads, lr, scale).map_err(err)?;
            loss_sum += f64::from(loss.to_scalar::<f32>().map_err(err)?);
            words += batches[b].iter().map(|w| w.1.len()).sum::<usize>();
        }
        let dev_f1 = if dev.is_empty() {
            None
        } else {
            Some(evaluate_f1(&model, &dev, config.window, vocab.pad()).map_err(err)?)
        };
        let report = EpochReport {
            epoch,
            loss: loss_sum / batches.len().max(1) as f64,
            dev_f1,
            words_per_second: words as f64 / started.elapsed().as_secs_f64(),
        };
        on_epoch(&report);
        if let Some(f1) = dev_f1 {
            if best.as_ref().is_none_or(|(b, _)| f1 > *b) {
                let snapshot = optimizer
                    .vars
                    .iter()
                    .map(|v| v.as_tensor().copy())
                    .collect::<candle_core::Result<Vec<_>>>()
                    .map_err(err)?;
                best = Some((f1, snapshot));
            }
        }
        reports.push(report);
    }
    if let Some((_, snapshot)) = best {
        for (v, t) in optimizer.vars().iter().zip(snapshot) {
            v.set(&t).map_err(err)?;
        }
    }
    Ok((model, varmap, vocab, reports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{load_corpus, Format, LoadOptions};

    #[test]
    fn overfits_a_handful_of_sample_articles() {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample");
        let docs = load_corpus(&root, Format::Brat, &LoadOptions::default())
            .unwrap()
            .documents;
        let docs = &docs[..4];
        let config = NeuralConfig {
            vocab_size: 300,
            encoder: EncoderConfig {
                hidden: 48,
                dilations: vec![1, 2, 4],
                dropout: 0.0,
                ..EncoderConfig::default()
            },
            epochs: 80,
            batch_words: 256,
            learning_rate: 5e-3,
            warmup: 0.02,
            ..NeuralConfig::default()
        };
        let (_, _, _, reports) = train_neural(&config, docs, docs, |_| {}).unwrap();
        let best = reports.iter().filter_map(|r| r.dev_f1).fold(0.0, f64::max);
        assert!(best > 0.9, "train-set exact micro F1 {best}: {reports:?}");
        assert!(reports.last().unwrap().loss < reports[0].loss / 5.0);
    }
}
