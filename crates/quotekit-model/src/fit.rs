//! From a checked config to a trained annotator ready to save: load the
//! corpora (with the speaker names of `data.names`), train the configured
//! model kind in a thread pool of `training.threads`, train the speaker
//! resolver when names are given, build the model header, evaluate on dev.

use crate::annotator::Annotator;
use crate::config::{Checked, DataConfig, ModelKind};
use crate::error::ModelError;
use crate::eval::speakers::who_said_what;
use crate::eval::{evaluate, Evaluation};
use crate::features::lexicon::Lexicon;
use crate::header::ModelHeader;
use crate::speakers::train_resolver;
use crate::tagger::SequenceTagger;
use crate::training::events::{TrainEvent, TrainReport};
use crate::training::options::TrainOptions;
use crate::{crf, neural, transformer};
use quotekit_data::formats::conll::LabelMap;
use quotekit_data::names::is_named;
use quotekit_data::{load_corpus, Document, Format, LoadOptions, TagSet};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

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
    load_named_documents(path, &[])
}

/// Like [`load_documents`], naming Source spans from the names files in `names`.
pub fn load_named_documents(path: &Path, names: &[PathBuf]) -> Result<Vec<Document>, ModelError> {
    let options = LoadOptions {
        names: names.to_vec(),
        ..LoadOptions::default()
    };
    load_with(path, &options, &mut Vec::new())
}

/// The documents of the corpus at `path` (its format guessed from the
/// path), read strictly with `options`.
/// A corpus's documents, and its warnings (repairs made while reading it,
/// Source spans its names leave out) as text.
fn load_with(
    path: &Path,
    options: &LoadOptions,
    warnings: &mut Vec<String>,
) -> Result<Vec<Document>, ModelError> {
    let report = load_corpus(path, Format::detect(path), options)?;
    // (As every command prints a corpus's warnings: `FILE:LINE: warning: …`.)
    warnings.extend(report.warnings.iter().map(ToString::to_string));
    Ok(report.documents)
}

/// How a config's corpora are read: its names folders and label map.
fn load_options(data: &DataConfig) -> Result<LoadOptions, ModelError> {
    let mut options = LoadOptions {
        names: data.names.clone(),
        ..LoadOptions::default()
    };
    // (A map no corpus uses is not read: `unused_label_map` says so.)
    if let Some(path) = data
        .label_map
        .as_ref()
        .filter(|_| data.unused_label_map().is_none())
    {
        options.labels = LabelMap::from_file(path)?;
    }
    Ok(options)
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
    // (More threads than cores give the same model, far more slowly: the
    // gradient's fine-grained parallel loops spin on shared cores, 512
    // threads taking 16 s for a CRF of 0.35 s on two cores.)
    let asked = crate::config::pool_threads(config.training.threads);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if asked > cores {
        on_event(&TrainEvent::Warning(format!(
            "warning: more threads asked for than the {cores} cores: training uses {cores} \
             (more threads than cores only slow it down; the model is the same)"
        )));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(asked.min(cores))
        // candle's backward pass walks the graph recursively; the CRF
        // forward algorithm over a whole long document makes it deep.
        .stack_size(256 << 20)
        .build()
        .map_err(|e| ModelError::Training(format!("thread pool: {e}")))?;
    pool.install(|| fit_in_pool(config, options, &mut on_event))
}

/// The training and dev documents of `config`, with their names, and the
/// warnings of reading them; refuses an empty training corpus, training
/// documents without a span,
/// names of another corpus and an empty dev corpus or one without a span,
/// as training does.
pub fn load_corpora(config: &Checked) -> Result<Corpora, ModelError> {
    let names = &config.data.names;
    let options = load_options(&config.data)?;
    let mut warnings = Vec::new();
    let train_docs = load_with(&config.data.train, &options, &mut warnings)?;
    if train_docs.is_empty() {
        return Err(ModelError::Training(format!(
            "the training corpus {} has no documents: there is nothing to learn from",
            config.data.train.display()
        )));
    }
    if train_docs.iter().all(|d| d.spans.is_empty()) {
        return Err(ModelError::Training(format!(
            "none of the {} training documents of {} has an annotated span: there is nothing to learn from",
            train_docs.len(),
            config.data.train.display()
        )));
    }
    // (A data error, as reading the corpus with those names elsewhere gives.)
    quotekit_data::names::check_names_match(names, &train_docs, &config.data.train)?;
    let dev_docs = match &config.data.dev {
        Some(p) => {
            let docs = load_with(p, &options, &mut warnings)?;
            if docs.is_empty() {
                return Err(ModelError::Training(format!(
                    "the dev corpus {} has no documents: nothing to stop early on or report",
                    p.display()
                )));
            }
            // (Every score would be 0, or 1 for empty texts: the model
            // kept would be the first one evaluated.)
            if docs.iter().all(|d| d.spans.is_empty()) {
                return Err(ModelError::Training(format!(
                    "none of the {} dev documents of {} has an annotated span: there is \
                     nothing to score (texts to annotate go to `predict`); give an \
                     annotated dev corpus, or none",
                    docs.len(),
                    p.display()
                )));
            }
            // (Dev documents that are training documents too score the
            // training data: dev F1, early stopping and a search's ranking
            // then say nothing of new text.)
            let trained_on: std::collections::HashSet<&str> = train_docs
                .iter()
                .map(Document::text)
                .filter(|t| !t.trim().is_empty())
                .collect();
            let shared = docs
                .iter()
                .filter(|d| trained_on.contains(d.text()))
                .count();
            if shared > 0 {
                warnings.push(format!(
                    "{}: warning: {shared} of its {} documents are training documents too (the \
                     same text): the dev scores, early stopping and a search's ranking then \
                     measure the training data",
                    p.display(),
                    docs.len()
                ));
            }
            docs
        }
        None => Vec::new(),
    };
    Ok((train_docs, dev_docs, warnings))
}

/// What [`load_corpora`] reads: training documents, dev documents, warnings.
pub type Corpora = (Vec<Document>, Vec<Document>, Vec<String>);

fn fit_in_pool(
    config: &Checked,
    options: &TrainOptions,
    on_event: &mut dyn FnMut(&TrainEvent),
) -> Result<Fitted, ModelError> {
    let names = &config.data.names;
    // (Before the corpora, which take longer to read.)
    let cues = Lexicon::cues(config.features.lexicon.as_deref())?;
    if let Some(warning) = cues.no_cue(config.features.lexicon.as_deref()) {
        on_event(&TrainEvent::Warning(warning));
    }
    let (train_docs, dev_docs, warnings) = load_corpora(config)?;
    for warning in warnings {
        on_event(&TrainEvent::Warning(warning));
    }
    // (Reading takes seconds: a stop asked for meanwhile is taken here, not
    // after the features are made and the first iteration run.)
    options.interrupt.check()?;
    // The resolver learns from the named training documents (by names
    // files or on their spans); the tagger trainers take the documents by
    // value. Without any, the model keeps the built-in resolver.
    let named_train: Vec<Document> = train_docs
        .iter()
        .filter(|d| is_named(d, names))
        .cloned()
        .collect();
    // The resolver first: it needs only the named documents, and a failure
    // (a learning rate it diverges with) then costs no tagger's training.
    let resolver = if names.is_empty() && named_train.is_empty() {
        None
    } else {
        let (resolver, report) = train_resolver(
            &named_train,
            &quotekit_data::Tokenizer::new(),
            &config.speakers,
            &options.interrupt,
            |epoch, loss| {
                on_event(&TrainEvent::SpeakerEpoch {
                    epoch,
                    epochs: config.speakers.epochs,
                    loss,
                })
            },
        )?;
        let warning = report.warning();
        on_event(&TrainEvent::Speakers(report));
        if let Some(warning) = warning {
            on_event(&TrainEvent::Warning(format!("warning: {warning}")));
        }
        Some(resolver)
    };
    let tags = TagSet::new(config.data.scheme);
    let dev = &dev_docs[..];
    let (tagger, hash_bits, report): (Box<dyn SequenceTagger>, u32, TrainReport) =
        match config.model {
            ModelKind::Crf => {
                let (t, r) = crf::train::train(
                    config,
                    &tags,
                    train_docs,
                    dev,
                    cues.clone(),
                    &options.interrupt,
                    &mut *on_event,
                )?;
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
                    &mut *on_event,
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
                    &mut *on_event,
                )?;
                (Box::new(t), 0, r)
            }
        };
    let header = ModelHeader::new(config, &tags, hash_bits, &cues, report);
    let mut annotator = Annotator::new(tagger, tags, config.decoding.outside_penalty);
    if let Some(resolver) = resolver {
        annotator.resolver = resolver;
    }
    let dev = (!dev_docs.is_empty()).then(|| {
        let predicted: Vec<Document> = dev_docs
            .par_iter()
            .map(|d| annotator.annotate(d).document)
            .collect();
        let mut evaluation = evaluate(&dev_docs, &predicted, &annotator.tokenizer);
        if dev_docs.iter().any(|d| is_named(d, names)) {
            evaluation.speakers =
                Some(who_said_what(&dev_docs, &predicted, |d| is_named(d, names)));
        }
        evaluation
    });
    Ok(Fitted {
        annotator,
        header,
        dev,
    })
}
