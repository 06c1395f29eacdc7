//! From a config to a trained, saved-ready annotator: load corpora, train the
//! configured model family (CRF, neural or pretrained encoder), evaluate on dev.

use crate::annotator::{Annotator, Tagger};
use crate::config::{CrfConfig, ModelKind};
use crate::crf::Layout;
use crate::error::ModelError;
use crate::eval::{evaluate, Evaluation};
use crate::features::FeatureExtractor;
use crate::lexicon::Lexicon;
use crate::model_file::{ModelHeader, ENCODER_FORMAT, FORMAT, FORMAT_VERSION, NEURAL_FORMAT};
use crate::neural::{train_neural, TrainOptions};
use crate::train::{prepare, train_crf, TrainEvent, TrainReport};
use quotekit_data::{load_corpus, Document, Format, LoadOptions, TagSet, Tokenizer};
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

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
    config: &CrfConfig,
    on_event: impl FnMut(&TrainEvent) + Send,
) -> Result<Fitted, ModelError> {
    fit_with(config, &TrainOptions::default(), on_event)
}

/// Like [`fit`], with checkpoint and resume options (used by the neural tagger).
pub fn fit_with(
    config: &CrfConfig,
    options: &TrainOptions,
    on_event: impl FnMut(&TrainEvent) + Send,
) -> Result<Fitted, ModelError> {
    config.validate()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.training.threads)
        // candle's backward pass walks the graph recursively; the CRF
        // forward algorithm over a whole long document makes it deep.
        .stack_size(256 << 20)
        .build()
        .map_err(|e| ModelError::Training(format!("thread pool: {e}")))?;
    pool.install(|| fit_in_pool(config, options, on_event))
}

fn header(
    config: &CrfConfig,
    format: &str,
    tags: &TagSet,
    hash_bits: u32,
    cues: &Lexicon,
    training: TrainReport,
) -> ModelHeader {
    ModelHeader {
        format: format.into(),
        format_version: FORMAT_VERSION,
        quotekit_version: env!("CARGO_PKG_VERSION").into(),
        config: config.clone(),
        labels: tags.tags().iter().map(ToString::to_string).collect(),
        hash_bits,
        lexicon_hash: format!("{:016x}", cues.hash()),
        lexicon: cues.entries().join("\n"),
        training,
        train_corpus: config.data.train.clone(),
        tokenizer_hash: None,
    }
}

fn evaluate_dev(annotator: &Annotator, gold: &[Document]) -> Option<Evaluation> {
    (!gold.is_empty()).then(|| {
        let predicted: Vec<Document> = gold
            .par_iter()
            .map(|d| annotator.annotate(d).document)
            .collect();
        evaluate(gold, &predicted, &annotator.tokenizer)
    })
}

fn fit_in_pool(
    config: &CrfConfig,
    options: &TrainOptions,
    on_event: impl FnMut(&TrainEvent),
) -> Result<Fitted, ModelError> {
    let train_docs = load_documents(&config.data.train)?;
    let dev_docs = match &config.data.dev {
        Some(p) => load_documents(p)?,
        None => Vec::new(),
    };
    let tokenizer = Tokenizer::new();
    let extractor = FeatureExtractor::new(&config.features)?;
    let tags = TagSet::new(config.data.scheme);
    if config.model != ModelKind::Crf {
        let cues = extractor.cues().clone();
        let (tagger, format, hash_bits, report) = if config.model == ModelKind::Encoder {
            let (model, report) = crate::pretrained::train_encoder(
                &config.encoder,
                &tags,
                &train_docs,
                &dev_docs,
                cues.clone(),
                options,
                on_event,
            )?;
            (Tagger::Encoder(Box::new(model)), ENCODER_FORMAT, 0, report)
        } else {
            let (model, report) = train_neural(
                &config.neural,
                &tags,
                &train_docs,
                &dev_docs,
                cues.clone(),
                options,
                on_event,
            )?;
            let bits = config.neural.encoder.sparse_bits;
            (Tagger::Neural(Box::new(model)), NEURAL_FORMAT, bits, report)
        };
        let header = header(config, format, &tags, hash_bits, &cues, report);
        let annotator = Annotator {
            tokenizer,
            tagger,
            tags,
            outside_penalty: config.decoding.outside_penalty,
        };
        let dev = evaluate_dev(&annotator, &dev_docs);
        return Ok(Fitted {
            annotator,
            header,
            dev,
        });
    }
    let unit = config.data.sequence;
    let started = Instant::now();
    let mut train = prepare(train_docs, &tokenizer, &extractor, &tags, unit);
    let mut dev = prepare(dev_docs, &tokenizer, &extractor, &tags, unit);
    let feature_seconds = started.elapsed().as_secs_f64();
    let layout = Layout {
        buckets: extractor.buckets(),
        labels: tags.len(),
    };
    let (model, report): (_, TrainReport) = train_crf(
        config,
        layout,
        &tags,
        &mut train,
        &mut dev,
        feature_seconds,
        on_event,
    )?;
    let header = header(
        config,
        FORMAT,
        &tags,
        config.features.hash_bits,
        extractor.cues(),
        report,
    );
    let annotator = Annotator {
        tokenizer,
        tagger: Tagger::Crf {
            extractor,
            model,
            unit,
        },
        tags,
        outside_penalty: config.decoding.outside_penalty,
    };
    let gold: Vec<Document> = dev.into_iter().map(|d| d.document).collect();
    let dev = evaluate_dev(&annotator, &gold);
    Ok(Fitted {
        annotator,
        header,
        dev,
    })
}
