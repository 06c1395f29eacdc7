//! Training the neural tagger: a BPE vocabulary trained on the training
//! texts (or taken from the checkpoint when resuming), the network started
//! from seeded values or from a trained CRF, windows of whole paragraphs
//! grouped by length into batches, and the shared epoch loop of
//! [`crate::nn::trainer`] (AdamW, schedule, clipping, dropout, averaging,
//! early stopping, checkpoints, exact resume).

use crate::config::{Checked, ModelKind};
use crate::error::ModelError;
use crate::features::lexicon::Lexicon;
use crate::neural::crf_init::init_from_crf;
use crate::neural::inputs::{make_batch, Window, WordInputs};
use crate::neural::model::NeuralModel;
use crate::neural::vocab::Vocabulary;
use crate::nn::checkpoint::Checkpoint;
use crate::nn::trainer::{train_network, NetworkTraining, Schedule};
use crate::tagger::SequenceTagger;
use crate::training::data::{exact_f1, group_by_size, prepare, training_tokens, Prepared};
use crate::training::events::{TrainEvent, TrainReport};
use crate::training::options::TrainOptions;
use crate::training::run_state::{config_json, corpus_fingerprint, RunInfo};
use candle_core::{Tensor, Var};
use quotekit_data::{Document, TagSet};
use std::ops::Range;
use std::time::Instant;

/// What the neural tagger trains on besides the gold tags.
#[derive(Debug, Clone)]
pub struct NeuralInputs {
    /// Word inputs.
    pub words: WordInputs,
    /// Windows it is trained and tagged in.
    pub windows: Vec<Range<usize>>,
}

/// A document prepared for the neural tagger.
pub type NeuralDocument = Prepared<NeuralInputs>;

/// Tokenizes and encodes documents for `model`, in parallel.
pub fn prepare_neural(
    documents: Vec<Document>,
    model: &NeuralModel,
    tags: &TagSet,
) -> Vec<NeuralDocument> {
    prepare(documents, tags, |doc, tokens| NeuralInputs {
        words: model.inputs(doc, tokens),
        windows: model.windows(tokens),
    })
}

/// A training run of the neural tagger, as the shared loop sees it.
struct NeuralTraining<'a> {
    model: NeuralModel,
    train: Vec<NeuralDocument>,
    dev: Vec<NeuralDocument>,
    /// Per batch: (document, window) pairs.
    batches: Vec<Vec<(usize, Range<usize>)>>,
    tags: &'a TagSet,
}

impl NeuralTraining<'_> {
    /// The training windows grouped by length into batches of at most
    /// `batch_words` words.
    fn batches(train: &[NeuralDocument], batch_words: usize) -> Vec<Vec<(usize, Range<usize>)>> {
        let windows: Vec<(usize, Range<usize>)> = train
            .iter()
            .enumerate()
            .flat_map(|(d, doc)| doc.inputs.windows.iter().map(move |r| (d, r.clone())))
            .collect();
        let sizes: Vec<usize> = windows.iter().map(|(_, r)| r.len()).collect();
        group_by_size(&sizes, batch_words)
            .into_iter()
            .map(|batch| batch.into_iter().map(|i| windows[i].clone()).collect())
            .collect()
    }
}

impl NetworkTraining for NeuralTraining<'_> {
    fn trained(&self) -> Vec<(String, Var)> {
        self.model.params.named()
    }

    fn learning_rate_scale(&self, name: &str) -> f64 {
        if name.starts_with("network.sparse") || name.starts_with("network.wide") {
            self.model.config.sparse_learning_rate
        } else {
            1.0
        }
    }

    fn batches(&self) -> usize {
        self.batches.len()
    }

    fn loss(
        &self,
        index: usize,
        rng: &mut rand_chacha::ChaCha8Rng,
    ) -> Result<(Tensor, usize), ModelError> {
        let windows: Vec<Window<'_>> = self.batches[index]
            .iter()
            .map(|(d, r)| {
                let doc = &self.train[*d];
                (&doc.inputs.words, r.clone(), Some(&doc.gold[r.clone()]))
            })
            .collect();
        let batch = make_batch(&windows, self.model.vocab.pad(), self.model.params.device())?;
        let words = windows.iter().map(|w| w.1.len()).sum();
        Ok((self.model.loss(&batch, Some(rng))?, words))
    }

    fn refresh(&mut self) -> Result<(), ModelError> {
        Ok(self.model.params.refresh()?)
    }

    fn dev_f1(&self) -> Result<Option<f64>, ModelError> {
        if self.dev.is_empty() {
            return Ok(None);
        }
        let f1 = exact_f1(&self.dev, self.model.chain(), self.tags, 0.0, |_, d| {
            Ok(self.model.window_emissions(&d.document, &d.tokens)?)
        })?;
        Ok(Some(f1))
    }
}

/// Trains a neural tagger as `config` says; returns the model (its best dev
/// epoch when there is a dev set, else the last) and a run summary.
pub fn train(
    config: &Checked,
    tags: &TagSet,
    train_docs: Vec<Document>,
    dev_docs: &[Document],
    cues: Lexicon,
    options: &TrainOptions,
    on_event: &mut dyn FnMut(&TrainEvent),
) -> Result<(NeuralModel, TrainReport), ModelError> {
    config.expect_model(ModelKind::Neural)?;
    let neural = &config.neural;
    let started = Instant::now();
    let labels = tags.names();
    let resumed = Checkpoint::resume(options, neural, "neural", &labels)?;
    let vocab = match &resumed {
        Some(c) => Vocabulary::from_json(&c.meta.tokenizer, &c.path)?,
        None => Vocabulary::train(train_docs.iter().map(|d| d.text()), neural.vocab_size)?,
    };
    let model = NeuralModel::new(neural, vocab, cues, tags.len())?;
    // A resumed run takes every weight from its checkpoint instead.
    if let (Some(path), None) = (&neural.init_crf, &resumed) {
        init_from_crf(&model, path, &labels)?;
    }
    let corpus = corpus_fingerprint(&train_docs, dev_docs);
    let train = prepare_neural(train_docs, &model, tags);
    let dev = prepare_neural(dev_docs.to_vec(), &model, tags);
    let tokens = training_tokens(&train)?;
    let prepare_seconds = started.elapsed().as_secs_f64();
    on_event(&TrainEvent::Prepared {
        documents: train.len(),
        tokens,
        seconds: prepare_seconds,
    });
    let info = RunInfo {
        section: "neural",
        config: config_json(neural),
        labels,
        tokenizer: model.vocab.to_json(),
        encoder_config: String::new(),
        encoder_weights: String::new(),
        documents: train.len(),
        tokens,
        corpus,
        prepare_seconds,
    };
    let schedule = Schedule {
        epochs: neural.epochs,
        patience: neural.patience,
        learning_rate: neural.learning_rate,
        weight_decay: neural.weight_decay,
        warmup: neural.warmup,
        clip: neural.clip,
        accumulate: 1,
        average: neural.average,
        seed: neural.seed,
    };
    let mut run = NeuralTraining {
        batches: NeuralTraining::batches(&train, neural.batch_words),
        model,
        train,
        dev,
        tags,
    };
    let report = train_network(&mut run, &schedule, &info, resumed, options, on_event)?;
    Ok((run.model, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ModelKind, TrainConfig};
    use crate::neural::config::{NetworkConfig, NeuralConfig};
    use quotekit_data::{load_corpus, Format, LoadOptions, TagScheme};

    fn sample(n: usize) -> Vec<Document> {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample");
        let mut docs = load_corpus(&root, Format::Brat, &LoadOptions::default())
            .unwrap()
            .documents;
        docs.truncate(n);
        docs
    }

    fn small() -> NeuralConfig {
        NeuralConfig {
            vocab_size: 300,
            network: NetworkConfig {
                hidden: 48,
                dilations: vec![1, 2, 4],
                dropout: 0.0,
                sparse_dim: 16,
                sparse_bits: 12,
                ..NetworkConfig::default()
            },
            window: 64,
            batch_words: 256,
            patience: 0,
            learning_rate: 5e-3,
            warmup: 0.02,
            ..NeuralConfig::default()
        }
    }

    #[test]
    fn overfits_a_handful_of_sample_articles() {
        let docs = sample(4);
        let config = TrainConfig {
            model: ModelKind::Neural,
            neural: NeuralConfig {
                epochs: 60,
                average: 0.0,
                ..small()
            },
            ..TrainConfig::default()
        }
        .check()
        .unwrap();
        let mut reports = Vec::new();
        let tags = TagSet::new(TagScheme::Bio);
        let cues = Lexicon::builtin_cues();
        train(
            &config,
            &tags,
            docs.clone(),
            &docs,
            cues,
            &TrainOptions::default(),
            &mut |e| {
                if let TrainEvent::Epoch(r) = e {
                    reports.push(r.clone());
                }
            },
        )
        .unwrap();
        let best = reports.iter().filter_map(|r| r.dev_f1).fold(0.0, f64::max);
        assert!(best > 0.9, "train-set exact micro F1 {best}: {reports:?}");
        assert!(reports.last().unwrap().loss < reports[0].loss / 5.0);
    }

    #[test]
    fn batches_hold_every_window_once_within_the_word_budget() {
        let docs = sample(3);
        let config = small();
        let vocab = Vocabulary::train(docs.iter().map(|d| d.text()), 300).unwrap();
        let model = NeuralModel::new(&config, vocab, Lexicon::builtin_cues(), 7).unwrap();
        let tags = TagSet::new(TagScheme::Bio);
        let train = prepare_neural(docs, &model, &tags);
        let batches = NeuralTraining::batches(&train, 256);
        let mut seen: Vec<(usize, Range<usize>)> = batches.iter().flatten().cloned().collect();
        seen.sort_by_key(|(d, r)| (*d, r.start));
        let all: Vec<(usize, Range<usize>)> = train
            .iter()
            .enumerate()
            .flat_map(|(d, doc)| doc.inputs.windows.iter().map(move |r| (d, r.clone())))
            .collect();
        assert_eq!(seen, all);
        for b in &batches {
            let longest = b.iter().map(|(_, r)| r.len()).max().unwrap();
            assert!(b.len() == 1 || b.len() * longest <= 256, "{b:?}");
        }
    }
}
