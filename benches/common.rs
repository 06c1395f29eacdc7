//! Shared set-up of the tagging benches: the texts to tag and a model of the
//! default size.

use quotekit_data::{load_corpus, Document, Format, LoadOptions};
use quotekit_model::config::CrfConfig;
use quotekit_model::{fit, Annotator};
use std::path::PathBuf;

/// PolNeAR dev when `../shared/datasets/polnear` (or `$QUOTEKIT_POLNEAR`) is
/// there, the embedded sample otherwise.
pub fn bench_documents() -> Vec<Document> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
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

/// A CRF of the default size (2^20 buckets) trained briefly on the sample:
/// weight values do not change the cost of tagging.
pub fn bench_annotator() -> Annotator {
    let mut config = CrfConfig::default();
    config.data.train = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/sample");
    config.training.max_iterations = 5;
    config.training.threads = 1;
    fit(&config, |_| {})
        .expect("training on the sample works")
        .annotator
}
