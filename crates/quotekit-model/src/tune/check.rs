//! What a search is checked against before its first trial (besides its
//! keys' values, which [`crate::tune::domain`] checks when the space is
//! read), so that it does not fail half way: successive halving's budget
//! ([`halving_fits`]), a metric the dev corpus can score ([`metric_fits_dev`]),
//! and every file a key's values name and every
//! pretrained encoder the search trains on ([`inputs_exist`]).

use crate::config::{Checked, ModelKind, TrainConfig};
use crate::error::ModelError;
use crate::features::lexicon::Lexicon;
use crate::transformer::model::TransformerModel;
use crate::tune::domain::values_to_check;
use crate::tune::plan;
use crate::tune::space::{Method, Metric, SearchSpace};
use std::collections::BTreeMap;

/// Refuses a metric of attributions (`attribution`, `mean`) with a dev
/// corpus `dev_docs` that holds none (a CoNLL corpus cannot): no trial
/// would be ranked by attributions (every one would score the same on
/// them).
pub(crate) fn metric_fits_dev(
    space: &SearchSpace,
    base: &TrainConfig,
    dev_docs: &[quotekit_data::Document],
) -> Result<(), ModelError> {
    let Some(dev) = base.data.dev.as_deref() else {
        return Ok(());
    };
    let by_attribution = matches!(space.metric, Metric::Attribution | Metric::Mean);
    if by_attribution && dev_docs.iter().all(|d| d.attributions.is_empty()) {
        let why = if quotekit_data::Format::detect(dev) == quotekit_data::Format::Conll {
            "is CoNLL, which holds no attributions"
        } else {
            "holds no attributions"
        };
        return Err(ModelError::Config {
            path: Some(space.path.clone()),
            message: format!(
                "the dev corpus {} {why}, so metric = \"{}\" would rank no trial by \
                 attributions (every one would score the same on them): choose metric = \
                 \"exact\" or \"overlap\", or a dev corpus with attributions (brat or JSONL)",
                dev.display(),
                space.metric.name()
            ),
        });
    }
    Ok(())
}

/// Refuses successive halving over the key it sets for each rung, or with
/// a first rung no shorter than the base config's training.
pub(crate) fn halving_fits(space: &SearchSpace, base: &TrainConfig) -> Result<(), ModelError> {
    if space.method != Method::Halving {
        return Ok(());
    }
    let fail = |message: String| ModelError::Config {
        path: Some(space.path.clone()),
        message,
    };
    let key = plan::resource_key(base.model);
    if space.keys.iter().any(|(k, _)| k == key) {
        return Err(fail(format!(
            "`{key}` is what successive halving sets for each rung; take it out of [space]"
        )));
    }
    let max = plan::max_resource(base);
    if space.halving.min_resource >= max {
        return Err(fail(format!(
            "halving.min_resource = {} is not below the base config's {key} = {max}: \
             there would be nothing to halve",
            space.halving.min_resource
        )));
    }
    Ok(())
}

/// Checks what every trial of `space` reads before the first: the files a
/// key's values name (a corpus, a lexicon, a model to start from), and each
/// pretrained encoder with the longest window it is given (a missing or
/// unusable encoder fails every trial, and failed trials stand as done when
/// the search is resumed).
pub(crate) fn inputs_exist(space: &SearchSpace, base: &Checked) -> Result<(), ModelError> {
    let fail = |message: String| ModelError::Config {
        path: Some(space.path.clone()),
        message,
    };
    for (key, domain) in &space.keys {
        for value in values_to_check(domain, space.method) {
            // (Only a string, or a list of them, names a file.)
            if !(value.is_str() || value.is_array()) {
                continue;
            }
            let params = BTreeMap::from([(key.clone(), value.clone())]);
            let config = space.config(&params)?.check()?;
            // (The inputs of the key itself: the base's are checked apart;
            // a corpus's with the label map it may be the one to use.)
            let corpus = key == "data.train" || key == "data.dev";
            if let Some(missing) =
                config.missing_input_where(|k| k == key || (corpus && k == "data.label_map"))
            {
                return Err(fail(format!("`{key}` = {value}: {missing}")));
            }
            // (A cue lexicon is read as training reads it: a folder or a
            // file of no UTF-8 would fail every trial that draws it. The
            // refusal names the key first.)
            if key == "features.lexicon" {
                Lexicon::cues(config.features.lexicon.as_deref())
                    .map_err(|e| fail(format!("`{key}` = {value}: {}", e.unkeyed())))?;
            }
        }
    }
    if !space.keys.iter().any(|(k, _)| k == "features.lexicon") {
        Lexicon::cues(base.features.lexicon.as_deref())
            .map_err(|e| fail(format!("the base config's {e}")))?;
    }
    if base.model != ModelKind::Transformer {
        return Ok(());
    }
    let values_of = |name: &str| -> Vec<toml::Value> {
        space
            .keys
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, d)| values_to_check(d, space.method))
            .collect()
    };
    let searched_paths = values_of("transformer.path");
    let paths = if searched_paths.is_empty() {
        vec![toml::Value::String(
            base.transformer.path.to_string_lossy().into_owned(),
        )]
    } else {
        searched_paths
    };
    let window = values_of("transformer.window")
        .iter()
        .filter_map(toml::Value::as_integer)
        .max()
        .map_or(base.transformer.window, |w| w.max(0) as usize);
    for path in paths {
        let mut config = base.transformer.clone();
        config.path = path.as_str().unwrap_or_default().into();
        config.window = window;
        TransformerModel::check_folder(&config).map_err(|e| {
            fail(format!(
                "`transformer.path` = {path} (window {window}): {e}"
            ))
        })?;
    }
    Ok(())
}
