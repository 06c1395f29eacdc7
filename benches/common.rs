//! Shared set-up of the tagging benches: the texts to tag and a model of the
//! default size.

use quotekit_data::{load_corpus, Document, Format, LoadOptions};
use quotekit_model::config::{CrfConfig, ModelKind};
use quotekit_model::{fit, Annotator};
use std::path::PathBuf;

/// PolNeAR dev when `../shared/datasets/polnear` (or `$QUOTEKIT_POLNEAR`) is
/// there, the embedded sample otherwise.
pub fn bench_documents() -> Vec<Document> {
    let root = root();
    let polnear = std::env::var_os("QUOTEKIT_POLNEAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/datasets/polnear"));
    let texts = if polnear.join("dev").is_dir() {
        polnear.join("dev")
    } else {
        eprintln!("PolNeAR not found: benchmarking on datasets/sample");
        root.join("datasets/sample")
    };
    load_corpus(&texts, Format::Brat, &LoadOptions::default())
        .expect("the bench corpus loads")
        .documents
}

/// A model of the default size trained briefly on the sample (a CRF with 2^20
/// buckets, or the neural tagger with the default encoder): weight values do
/// not change the cost of tagging.
#[allow(dead_code)] // each bench uses one of the two
pub fn bench_annotator() -> Annotator {
    default_model(ModelKind::Crf)
}

/// The neural counterpart of [`bench_annotator`] (one epoch on the sample).
#[allow(dead_code)]
pub fn bench_neural_annotator() -> Annotator {
    default_model(ModelKind::Neural)
}

/// The pretrained-encoder tagger with the default settings, trained for one
/// epoch on the sample; `None` (with a message) when the encoder is not
/// downloaded (`quotekit fetch-encoder`, or a folder in `$QUOTEKIT_ENCODER`).
#[allow(dead_code)]
pub fn bench_encoder_annotator() -> Option<Annotator> {
    let root = root();
    let folder = std::env::var_os("QUOTEKIT_ENCODER")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("models/all-MiniLM-L6-v2"));
    if !folder.join("model.safetensors").is_file() {
        eprintln!(
            "SKIPPED: no pretrained encoder in {} — run `cargo run --release -- fetch-encoder`",
            folder.display()
        );
        return None;
    }
    let mut config = base_config(ModelKind::Encoder);
    config.encoder.path = folder;
    config.encoder.epochs = 1;
    Some(
        fit(&config, |_| {})
            .expect("training on the sample works")
            .annotator,
    )
}

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn base_config(kind: ModelKind) -> CrfConfig {
    let mut config = CrfConfig {
        model: kind,
        ..CrfConfig::default()
    };
    config.data.train = root().join("datasets/sample");
    config
}

fn default_model(kind: ModelKind) -> Annotator {
    let mut config = base_config(kind);
    config.neural.epochs = 1;
    config.training.max_iterations = 5;
    config.training.threads = 1;
    fit(&config, |_| {})
        .expect("training on the sample works")
        .annotator
}
