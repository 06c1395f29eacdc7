//! The models the benches time: the default sizes (a CRF with 2^20 buckets,
//! the default neural network, all-MiniLM-L6-v2 with the default windows),
//! trained briefly on the embedded sample. Weight values do not change the
//! cost of tagging.

use crate::common;
use quotekit_model::{fit, Annotator, ModelKind, TrainConfig};

/// A model of `kind` trained briefly on the sample; `None` (with a message)
/// for the transformer when the pretrained encoder is not downloaded.
pub fn trained(kind: ModelKind) -> Option<Annotator> {
    let mut config = TrainConfig {
        model: kind,
        ..TrainConfig::default()
    };
    config.data.train = common::sample_dir();
    match kind {
        ModelKind::Crf | ModelKind::Neural => {
            config.set_epochs(1);
            config.training.max_iterations = 5;
            config.training.threads = 1;
        }
        ModelKind::Transformer => {
            config.transformer.path = common::encoder()?;
            config.transformer.epochs = 1;
        }
    }
    let config = config.check().expect("the bench config is valid");
    Some(
        fit(&config, |_| {})
            .expect("training on the sample works")
            .annotator,
    )
}
