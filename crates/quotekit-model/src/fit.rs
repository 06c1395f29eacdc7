//! From a checked config to a trained annotator ready to save: load the
//! corpora, train the configured model kind in a thread pool of
//! `training.threads`, build the model header, evaluate on dev.

use crate::annotator::Annotator;
use crate::config::{Checked, ModelKind};
use crate::error::ModelError;
use crate::eval::{evaluate, Evaluation};
use crate::features::lexicon::Lexicon;
use crate::header::ModelHeader;
use crate::tagger::SequenceTagger;
use crate::training::events::{TrainEvent, TrainReport};
use crate::training::options::TrainOptions;
use crate::{crf, neural, transformer};
use quotekit_data::{load_corpus, Document, Format, LoadOptions, TagSet};
use rayon::prelude::*;
use std::path::Path;

/// Everything a training run produces.
#[derive(Debug)]
pub struct Fitted {
    /// The trained annotator.
    pub annotator: Annotator,
    /// Header to save with it.
    pub header: ModelHeader,
    /// Dev evaluation of the final model (with linking), when there is a dev set.
    pub dev: Option<Evaluation>,
}

/// Loads a corpus in strict mode, guessing its format from the path.
pub fn load_documents(path: &Path) -> Result<Vec<Document>, ModelError> {
    Ok(load_corpus(path, Format::detect(path), &LoadOptions::default())?.documents)
}

/// Trains according to `config`, reporting progress through `on_event`.
pub fn fit(
    config: &Checked,
    on_event: impl FnMut(&TrainEvent) + Send,
) -> Result<Fitted, ModelError> {
    fit_with(config, &TrainOptions::default(), on_event)
}

/// Like [`fit`], with checkpoint, resume and cache options (network taggers).
pub fn fit_with(
    config: &Checked,
    options: &TrainOptions,
    mut on_event: impl FnMut(&TrainEvent) + Send,
) -> Result<Fitted, ModelError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.training.threads)
        // candle's backward pass walks the graph recursively; the CRF
        // forward algorithm over a whole long document makes it deep.
        .stack_size(256 << 20)
        .build()
        .map_err(|e| ModelError::Training(format!("thread pool: {e}")))?;
    pool.install(|| fit_in_pool(config, options, &mut on_event))
}

fn fit_in_pool(
    config: &Checked,
    options: &TrainOptions,
    on_event: &mut dyn FnMut(&TrainEvent),
) -> Result<Fitted, ModelError> {
    let train_docs = load_documents(&config.data.train)?;
    let dev_docs = match &config.data.dev {
        Some(p) => load_documents(p)?,
        None => Vec::new(),
    };
    let cues = Lexicon::cues(config.features.lexicon.as_deref())?;
    let tags = TagSet::new(config.data.scheme);
    let dev = &dev_docs[..];
    let (tagger, hash_bits, report): (Box<dyn SequenceTagger>, u32, TrainReport) = match config
        .model
    {
        ModelKind::Crf => {
            let (t, r) = crf::train::train(config, &tags, train_docs, dev, cues.clone(), on_event)?;
            (Box::new(t), config.features.hash_bits, r)
        }
        ModelKind::Neural => {
            let (t, r) = neural::train::train(
                config,
                &tags,
                train_docs,
                dev,
                cues.clone(),
                options,
                on_event,
            )?;
            (Box::new(t), config.neural.network.sparse_bits, r)
        }
        ModelKind::Transformer => {
            let (t, r) = transformer::train::train(
                config,
                &tags,
                train_docs,
                dev,
                cues.clone(),
                options,
                on_event,
            )?;
            (Box::new(t), 0, r)
        }
    };
    let header = ModelHeader::new(config, &tags, hash_bits, &cues, report);
    let annotator = Annotator::new(tagger, tags, config.decoding.outside_penalty);
    let dev = (!dev_docs.is_empty()).then(|| {
        let predicted: Vec<Document> = dev_docs
            .par_iter()
            .map(|d| annotator.annotate(d).document)
            .collect();
        evaluate(&dev_docs, &predicted, &annotator.tokenizer)
    });
    Ok(Fitted {
        annotator,
        header,
        dev,
    })
}
