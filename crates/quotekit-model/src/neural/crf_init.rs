//! Starting the neural tagger from a trained CRF (`neural.init_crf`): the
//! CRF's feature weights become the wide path (`network.wide`), its
//! transition, start and end scores the CRF layer's, and the network's output
//! layer starts at zero. Training then begins at the CRF's own emission scores
//! and the network learns what the CRF gets wrong, instead of having to
//! rediscover in a few epochs what L-BFGS found over many iterations.

use crate::crf::tagger::CrfTagger;
use crate::error::ModelError;
use crate::features::config::Template;
use crate::model_file::load_annotator;
use crate::neural::inputs::sparse_feature_config;
use crate::neural::model::NeuralModel;
use candle_core::{Tensor, Var};
use std::path::Path;

/// `templates` as a config writes them (`["word", "lower"]`).
fn toml_list(templates: &[Template]) -> String {
    serde_json::to_string(templates)
        .unwrap_or_default()
        .replace(',', ", ")
}

/// Copies the CRF model at `path` into `model` (see the module docs). The
/// network must have its wide path, and the CRF the same tags, feature
/// templates, hash size, window and cue lexicon as the neural tagger's
/// hashed features; a mismatch is an error naming the key to set.
pub fn init_from_crf(
    model: &NeuralModel,
    path: &Path,
    labels: &[String],
) -> Result<(), ModelError> {
    let shown = path.display();
    let e = &model.config.network;
    e.wide_path_for_init_crf().map_err(ModelError::config)?;
    let (annotator, header) =
        load_annotator(path).map_err(|e| ModelError::key("neural.init_crf", e))?;
    let Some(CrfTagger {
        model: crf,
        extractor,
        ..
    }) = annotator.tagger_as::<CrfTagger>()
    else {
        return Err(ModelError::config(format!(
            "neural.init_crf = {shown}: a {} model, not a CRF",
            header.format
        )));
    };
    if header.labels != labels {
        return Err(ModelError::config(format!(
            "neural.init_crf = {shown}: the CRF's tags {:?} differ from this config's {labels:?} (data.scheme)",
            header.labels
        )));
    }
    let wanted = sparse_feature_config(e);
    let features = &header.config.features;
    if features.hash_bits != wanted.hash_bits {
        return Err(ModelError::config(format!(
            "neural.init_crf = {shown}: the CRF hashes its features into 2^{} buckets; set neural.network.sparse_bits = {} (now {})",
            features.hash_bits, features.hash_bits, wanted.hash_bits
        )));
    }
    // (The order of a template list makes no difference to the features.)
    let set = |templates: &[Template]| {
        let mut set = templates.to_vec();
        set.sort();
        set.dedup();
        set
    };
    if set(&features.templates) != set(&wanted.templates) {
        return Err(ModelError::config(format!(
            "neural.init_crf = {shown}: the CRF's feature templates differ from the neural tagger's hashed ones; set neural.network.sparse_templates = {} (now {})",
            toml_list(&features.templates),
            toml_list(&wanted.templates)
        )));
    }
    // (The network reads its cue lexicon as this config gives it, compared
    // with the CRF's by what it holds below, not by where it was read.)
    if features.window != wanted.window {
        return Err(ModelError::config(format!(
            "neural.init_crf = {shown}: the CRF was trained with features.window = {}; the neural tagger's hashed features use a window of {} words on each side: train the CRF with features.window = {}",
            features.window, wanted.window, wanted.window
        )));
    }
    if extractor.cues().hash() != model.cues.hash() {
        return Err(ModelError::config(format!(
            "neural.init_crf = {shown}: the CRF's cue lexicon differs from this config's (features.lexicon)"
        )));
    }
    let vars = model.params.named();
    let var = |name: &str| -> Result<&Var, ModelError> {
        vars.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| ModelError::Training(format!("the network has no parameter `{name}`")))
    };
    let device = model.params.device();
    let set = |name: &str, values: Vec<f32>| -> Result<(), ModelError> {
        let v = var(name)?;
        Tensor::from_vec(values, v.shape(), device)
            .and_then(|t| t.to_dtype(v.dtype()))
            .and_then(|t| v.set(&t))
            .map_err(|err| ModelError::Training(format!("setting `{name}` from the CRF: {err}")))
    };
    // Equal tags and hash bits make the shapes agree (`[2^bits, labels]`).
    set("network.wide.weight", crf.state.iter().copied().collect())?;
    set("crf.transition", crf.transition.iter().copied().collect())?;
    set("crf.start", crf.start.to_vec())?;
    set("crf.end", crf.end.to_vec())?;
    for name in ["network.output.weight", "network.output.bias"] {
        set(name, vec![0.0; var(name)?.elem_count()])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TrainConfig;
    use crate::crf::model::Weights;
    use crate::features::lexicon::Lexicon;
    use crate::fit::fit;
    use crate::model_file::save_annotator;
    use crate::neural::config::{NetworkConfig, NeuralConfig};
    use crate::neural::vocab::Vocabulary;
    use crate::tagger::SequenceTagger;
    use quotekit_data::{load_corpus, Format, LoadOptions, TagScheme, TagSet, Tokenizer};
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// A CRF trained briefly on the sample corpus, saved in `dir`.
    fn crf_model(dir: &Path) -> PathBuf {
        trained(dir, "crf", "[features]\nhash_bits = 12\n")
    }

    /// A model trained briefly on the sample corpus with the config `toml`
    /// (plus a short CRF schedule), saved as `dir/name`.
    fn trained(dir: &Path, name: &str, toml: &str) -> PathBuf {
        let mut config = TrainConfig::from_toml(&format!(
            "{toml}[training]\nmax_iterations = 20\neval_every = 0\n"
        ))
        .unwrap();
        config.data.train = root().join("datasets/sample");
        let fitted = fit(&config.check().unwrap(), |_| {}).unwrap();
        let path = dir.join(name);
        save_annotator(&fitted.annotator, &fitted.header, &path).unwrap();
        path
    }

    fn neural(bits: u32) -> NeuralModel {
        neural_with(bits, true, Lexicon::builtin_cues())
    }

    fn neural_with(bits: u32, wide: bool, cues: Lexicon) -> NeuralModel {
        neural_from(bits, wide, cues, Template::ALL.to_vec())
    }

    /// A network hashing the CRF features of `templates`.
    fn neural_of_templates(bits: u32, templates: Vec<Template>) -> NeuralModel {
        neural_from(bits, true, Lexicon::builtin_cues(), templates)
    }

    fn neural_from(bits: u32, wide: bool, cues: Lexicon, templates: Vec<Template>) -> NeuralModel {
        let config = NeuralConfig {
            vocab_size: 100,
            network: NetworkConfig {
                hidden: 16,
                dilations: vec![1],
                sparse_dim: 4,
                sparse_bits: bits,
                wide,
                sparse_templates: templates,
                ..NetworkConfig::default()
            },
            window: 64,
            batch_words: 256,
            ..NeuralConfig::default()
        };
        let docs = load_corpus(
            &root().join("datasets/sample"),
            Format::Brat,
            &LoadOptions::default(),
        )
        .unwrap()
        .documents;
        let vocab = Vocabulary::train(docs.iter().map(|d| d.text()), 100).unwrap();
        NeuralModel::new(&config, vocab, cues, 7).unwrap()
    }

    fn labels() -> Vec<String> {
        TagSet::new(TagScheme::Bio)
            .tags()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_initialised_network_scores_words_as_the_crf_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = crf_model(dir.path());
        let mut model = neural(12);
        init_from_crf(&model, &path, &labels()).unwrap();
        model.params.refresh().unwrap();
        let (annotator, _) = load_annotator(&path).unwrap();
        let CrfTagger {
            extractor,
            model: crf,
            ..
        } = annotator.tagger_as::<CrfTagger>().expect("a CRF model");
        let doc = &load_corpus(
            &root().join("datasets/sample"),
            Format::Brat,
            &LoadOptions::default(),
        )
        .unwrap()
        .documents[0];
        let tok = Tokenizer::new().tokenize(doc);
        let features = extractor.extract(doc, &tok);
        let crf_weights: Weights<'_, f32> = crf.weights();
        let mut compared = 0;
        for (range, scores) in model.window_emissions(doc, &tok).unwrap() {
            let expected = crf_weights.emissions(&features, range);
            assert_eq!(scores.len(), expected.len());
            for (a, b) in scores.iter().zip(&expected) {
                assert!((a - b).abs() < 1e-4, "network {a}, CRF {b}");
            }
            compared += scores.len();
        }
        assert!(compared > 100);
        let w = model.chain();
        assert_eq!(w.transition, crf_weights.chain.transition);
        assert_eq!(
            (w.start, w.end),
            (crf_weights.chain.start, crf_weights.chain.end)
        );
        assert!(crf_weights.chain.transition.iter().any(|&x| x != 0.0));
    }

    /// A CRF trained with a lexicon file starts a network given the same
    /// cues (the lexicon is compared by its entries, not by its path).
    #[test]
    fn a_crf_with_its_own_lexicon_file_starts_a_network_with_the_same_cues() {
        let dir = tempfile::tempdir().unwrap();
        let lexicon = dir.path().join("cues.txt");
        std::fs::write(&lexicon, "said\nsays\naccording to\n").unwrap();
        let path = trained(
            dir.path(),
            "own-lexicon",
            &format!(
                "[features]\nhash_bits = 12\nlexicon = {:?}\n",
                lexicon.display().to_string()
            ),
        );
        let cues = Lexicon::parse("said\nsays\naccording to\n");
        init_from_crf(&neural_with(12, true, cues), &path, &labels()).unwrap();
    }

    #[test]
    fn a_crf_with_another_hash_size_is_refused_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = crf_model(dir.path());
        let err = init_from_crf(&neural(10), &path, &labels())
            .unwrap_err()
            .to_string();
        assert!(err.contains("neural.network.sparse_bits = 12"), "{err}");
    }

    #[test]
    fn models_that_cannot_start_the_network_are_refused_naming_why() {
        let dir = tempfile::tempdir().unwrap();
        let crf = crf_model(dir.path());
        let refused = |model: &NeuralModel, path: &Path, labels: &[String]| {
            init_from_crf(model, path, labels).unwrap_err().to_string()
        };
        let e = refused(
            &neural_with(12, false, Lexicon::builtin_cues()),
            &crf,
            &labels(),
        );
        assert!(e.contains("neural.network.wide = true"), "{e}");
        let e = refused(
            &neural_with(12, true, Lexicon::parse("said")),
            &crf,
            &labels(),
        );
        assert!(e.contains("cue lexicon differs"), "{e}");
        let bilou: Vec<String> = TagSet::new(TagScheme::Bilou)
            .tags()
            .iter()
            .map(ToString::to_string)
            .collect();
        let e = refused(&neural(12), &crf, &bilou);
        assert!(e.contains("tags") && e.contains("data.scheme"), "{e}");
        let narrow = trained(
            dir.path(),
            "narrow",
            "[features]\nhash_bits = 12\nwindow = 1\n",
        );
        let e = refused(&neural(12), &narrow, &labels());
        assert!(
            e.contains("features.window = 1;") && e.contains("features.window = 2"),
            "{e}"
        );
        // A CRF of the templates before `clause`, as configs of before list
        // them, beside today's default hashed templates.
        let listed: Vec<String> = Template::BEFORE_CLAUSE
            .iter()
            .map(|t| serde_json::to_string(t).unwrap())
            .collect();
        let before = trained(
            dir.path(),
            "before",
            &format!(
                "[features]\nhash_bits = 12\ntemplates = [{}]\n",
                listed.join(", ")
            ),
        );
        let e = refused(&neural(12), &before, &labels());
        assert!(
            e.contains(&format!(
                "set neural.network.sparse_templates = [{}]",
                listed.join(", ")
            )),
            "{e}"
        );
        // Set as the message says, in another order, it starts the network.
        let mut reversed = Template::BEFORE_CLAUSE.to_vec();
        reversed.reverse();
        init_from_crf(&neural_of_templates(12, reversed), &before, &labels()).unwrap();
        let network = trained(
            dir.path(),
            "neural",
            "model = \"neural\"\n[neural]\nvocab_size = 100\nwindow = 64\nbatch_words = 256\nepochs = 1\n\
             [neural.network]\nhidden = 16\ndilations = [1]\nsparse_dim = 4\nsparse_bits = 12\n",
        );
        let e = refused(&neural(12), &network, &labels());
        assert!(e.contains("not a CRF"), "{e}");
        // A folder that holds no model is named with the key.
        let e = refused(&neural(12), dir.path(), &labels());
        assert!(e.contains("neural.init_crf: "), "{e}");
    }
}
