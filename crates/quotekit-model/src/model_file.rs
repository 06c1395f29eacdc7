//! Model directories: `model.safetensors`, whose metadata key `quotekit` is
//! the JSON [`ModelHeader`], the speaker resolver's `speakers.safetensors`
//! (a directory without one resolves with the built-in resolver), and
//! whatever files a kind keeps beside them (the network taggers'
//! `tokenizer.json`, whose hash the header records; the transformer's
//! `encoder_config.json`). Every file is written atomically
//! (temporary file in the same directory, then a rename); loading reads the
//! header first and hands the bytes to the kind it names.
//! The file runs a little over 500 lines with its tests: saving, loading
//! and listing a model's files are read together.
//!
//! Adding a model kind: its folder; in `config.rs` a [`ModelKind`] variant
//! (with its arms in `ALL`, `name` and `describe`), its config section and
//! the line that validates it; one arm in `fit.rs` and one in
//! [`load_annotator`].

use crate::annotator::Annotator;
use crate::config::ModelKind;
use crate::crf::tagger::CrfTagger;
use crate::ensemble::{Ensemble, EnsembleFile, Member, ENSEMBLE_FILE};
use crate::error::ModelError;
use crate::header::{format_name, model_path, ModelHeader, FORMAT_VERSION};
use crate::neural::model::NeuralModel;
use crate::speakers::file::resolver_path;
use crate::speakers::SpeakerResolver;
use crate::tagger::SequenceTagger;
use crate::transformer::model::TransformerModel;
use quotekit_data::TagSet;
use std::path::{Path, PathBuf};

/// Writes the model `annotator` holds to `path` (a model directory, created
/// if needed, or a `.safetensors` file) at this version's format; returns the
/// weights file. Each file appears complete or not at all.
///
/// A model's other files (its speaker resolver, a network's tokenizer) are
/// named by its folder, so a folder holds one model: a weights file named
/// (`DIR/NAME.safetensors`) into a folder that holds another model's weights
/// file is refused, before anything is written. (A model directory given is
/// written as ever, whatever else it holds, a backup copy say.)
pub fn save_annotator(
    annotator: &Annotator,
    header: &ModelHeader,
    path: &Path,
) -> Result<PathBuf, ModelError> {
    let file = model_path(path);
    if let Some(why) = header_mismatch(annotator, header) {
        return Err(ModelError::Config {
            path: Some(file),
            message: format!(
                "the header does not describe this model ({why}): save a model with the header \
                 that its training or loading gave"
            ),
        });
    }
    // (Only for a named weights file is the folder read.)
    let named_file = path.extension().is_some_and(|e| e == "safetensors");
    if let Some(other) = named_file.then(|| other_model_beside(&file)).flatten() {
        return Err(ModelError::Config {
            path: Some(file),
            message: format!(
                "{} beside it is another model; a model's speaker resolver and tokenizer are \
                 named by its folder ({}), so the two would share them: save each model in a \
                 folder of its own",
                other.display(),
                crate::speakers::file::FILE_NAME
            ),
        });
    }
    if let Some(dir) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
        // (What a save killed midway left half written.)
        quotekit_data::atomic::remove_stale(dir);
    }
    // (The kind of the model this one replaces: its own files go once this
    // one is in place.)
    let replaced = crate::speakers::file::quotekit_format(&file)
        .and_then(|format| crate::header::kind_of_format(&format));
    // Written as this version writes it, whatever file the header came from.
    let header = ModelHeader {
        format: format_name(annotator.tagger.kind()),
        format_version: FORMAT_VERSION,
        ..header.clone()
    };
    annotator.tagger.save(&header, &file)?;
    annotator.resolver.save(&resolver_path(&file))?;
    if let Some(old) = replaced {
        remove_files_of_replaced(&file, old, annotator.tagger.kind())?;
    }
    Ok(file)
}

/// How `header` contradicts `annotator`, if it does: its model kind, or
/// its tags (the scheme's, the labels', and the tagger's count of them).
/// Saved with it, the weights would not load, or load as another model.
fn header_mismatch(annotator: &Annotator, header: &ModelHeader) -> Option<String> {
    let kind = annotator.tagger.kind();
    if header.config.model != kind {
        return Some(format!(
            "it describes a {}, the model is a {}",
            header.config.model.describe(),
            kind.describe()
        ));
    }
    let names = annotator.tags.names();
    if header.config.data.scheme != annotator.tags.scheme() || header.labels != names {
        return Some(format!(
            "its labels are {:?}, the model's {:?}",
            header.labels, names
        ));
    }
    let labels = annotator.tagger.chain().labels;
    (labels != names.len()).then(|| {
        format!(
            "the tagger scores {labels} tags, the tag set has {}",
            names.len()
        )
    })
}

/// Whether `bytes` begin as a safetensors file does, as far as can be told:
/// a header length a model's header could have
/// ([`crate::io::MAX_HEADER_BYTES`]), then its JSON's `{`. Fewer than nine
/// bytes could be any file cut short.
fn safetensors_start(bytes: &[u8]) -> bool {
    let Some((length, rest)) = bytes.split_first_chunk::<8>() else {
        return true;
    };
    rest.first().is_none_or(|&b| b == b'{')
        && u64::from_le_bytes(*length) <= crate::io::MAX_HEADER_BYTES
}

/// A model weights file in the folder of weights file `file` other than
/// `file` itself (the first by name), which saving `file` would make share
/// its folder's other files.
fn other_model_beside(file: &Path) -> Option<PathBuf> {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .filter(|p| p.file_name() != file.file_name())
        .filter(|p| {
            crate::speakers::file::quotekit_format(p)
                .is_some_and(|f| crate::header::kind_of_format(&f).is_some())
        })
        .collect();
    others.sort();
    others.into_iter().next()
}

/// Removes from the folder of weights file `file`, where a model of `kind`
/// has just replaced one of kind `old`, the files the old model was saved
/// with and the new one is not (a neural model's tokenizer, a transformer's
/// encoder config), which describe no model any more. Removed after the new
/// model is in place, so that a failed save leaves the old model whole;
/// one that may not be written (read-only) stays, as it would not be
/// replaced. (A checkpoint folder stays: it may hold a run to resume.)
fn remove_files_of_replaced(
    file: &Path,
    old: ModelKind,
    kind: ModelKind,
) -> Result<(), ModelError> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let own = saved_files(kind);
    for name in saved_files(old).iter().filter(|name| !own.contains(name)) {
        let path = dir.join(name);
        if quotekit_data::atomic::check_replaceable(&path).is_err() {
            continue;
        }
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(ModelError::io(&path, e))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether a file (or a link, even to nothing) is at `path`.
fn is_there(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// An error for a link to nothing, or a loop of links, at `path`, with
/// `advice` after what it is; none for anything else (a file, a folder,
/// nothing there).
fn broken_link(path: &Path, advice: &str) -> Result<(), ModelError> {
    if path.exists() || !is_there(path) {
        return Ok(());
    }
    Err(ModelError::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("a link to nothing (or a loop of links){advice}"),
        ),
    ))
}

/// What to do with a model's resolver file that is a broken link.
const MEND_RESOLVER: &str = ": mend it, or delete it to use the built-in resolver";

/// The files a trained model's folder holds, as [`save_annotator`] writes
/// them: the weights, the tokenizer (network taggers), a transformer's
/// encoder config and the speaker resolver.
pub const SAVED_FILES: [&str; 4] = [
    crate::header::FILE_NAME,
    crate::header::TOKENIZER_FILE,
    crate::transformer::model::ENCODER_CONFIG_FILE,
    crate::speakers::file::FILE_NAME,
];

/// The files of [`SAVED_FILES`] that a model of `kind` is saved with.
pub fn saved_files(kind: ModelKind) -> &'static [&'static str] {
    use crate::header::{FILE_NAME as WEIGHTS, TOKENIZER_FILE as TOKENIZER};
    use crate::speakers::file::FILE_NAME as RESOLVER;
    match kind {
        ModelKind::Crf => &[WEIGHTS, RESOLVER],
        ModelKind::Neural => &[WEIGHTS, TOKENIZER, RESOLVER],
        ModelKind::Transformer => &SAVED_FILES,
    }
}

/// The files of the model at `path` (a model directory, its weights file or
/// an ensemble's `ensemble.toml`) that are there: the one given, and those
/// of its folder that a model is read from (weights, speaker resolver,
/// tokenizer, a transformer's encoder config, ensemble), with an ensemble's
/// members' own; each once (the weights file given, or members sharing a
/// folder, would list a file twice), wherever it is first listed. No command
/// may write over them (other files of the folder, such as reports, are no
/// part of the model).
pub fn model_files(path: &Path) -> Vec<PathBuf> {
    let mut files = own_model_files(path);
    // (An ensemble that does not read is refused when it is loaded.)
    if let Some(toml) = files.iter().find(|f| f.ends_with(ENSEMBLE_FILE)) {
        let dir = toml.parent().unwrap_or(Path::new(".")).to_path_buf();
        if let Ok(ensemble) = EnsembleFile::read(&dir) {
            for member in &ensemble.members {
                files.extend(own_model_files(&member.path(&dir)));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(quotekit_data::paths::resolved(f)));
    files
}

/// [`model_files`] of one model, an ensemble's members left out.
fn own_model_files(path: &Path) -> Vec<PathBuf> {
    let (folder, given) = if path.is_dir() {
        (path, None)
    } else {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        (parent.unwrap_or(Path::new(".")), Some(path.to_path_buf()))
    };
    let names = SAVED_FILES.iter().chain([&ENSEMBLE_FILE]);
    given
        .into_iter()
        .chain(names.map(|name| folder.join(name)))
        .filter(|file| file.is_file())
        .collect()
}

/// Loads a model directory (or its weights file, or an ensemble's
/// `ensemble.toml`), of any kind, as a ready [`Annotator`].
pub fn load_annotator(path: &Path) -> Result<(Annotator, ModelHeader), ModelError> {
    load_annotator_with(path, true)
}

/// Like [`load_annotator`]; without `speakers` the model's speaker resolver
/// is not read (the annotator keeps the built-in one), for runs that name
/// no speakers.
pub fn load_annotator_with(
    path: &Path,
    speakers: bool,
) -> Result<(Annotator, ModelHeader), ModelError> {
    if path.as_os_str().is_empty() {
        return Err(ModelError::empty_path("a model folder"));
    }
    if EnsembleFile::is_ensemble(path) {
        if model_path(path).is_file() {
            return Err(ModelError::Config {
                path: Some(path.join(ENSEMBLE_FILE)),
                message: format!(
                    "{} holds both an ensemble.toml and a model.safetensors: which model is meant? \
                     Keep one of them in this directory",
                    path.display()
                ),
            });
        }
        return load_ensemble(path, speakers);
    }
    if path.file_name().is_some_and(|n| n == ENSEMBLE_FILE) && path.is_file() {
        return load_ensemble(path.parent().unwrap_or(Path::new(".")), speakers);
    }
    load_model(path, speakers)
}

/// Loads a model directory (or its weights file) that is not an ensemble,
/// with its speaker resolver when `resolver` (else the built-in one, which
/// costs nothing to make).
fn load_model(path: &Path, resolver: bool) -> Result<(Annotator, ModelHeader), ModelError> {
    // (A file is read as the weights file, whatever its name: a bare
    // `afile` is not taken for a folder.)
    let file = if path.is_file() {
        path.to_path_buf()
    } else {
        model_path(path)
    };
    let foreign = |reason: &str| ModelError::Foreign {
        path: path.to_path_buf(),
        reason: format!(
            "{reason}; a model is a folder that `quotekit train` wrote, or its model.safetensors"
        ),
    };
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(foreign("no such folder or file"))
        }
        Err(e) => return Err(ModelError::io(path, e)),
        Ok(m) if !m.is_dir() && !m.is_file() => return Err(foreign("neither a folder nor a file")),
        Ok(_) => {}
    }
    if !file.exists() {
        // (A link to nothing is listed in the folder: say what it is, the
        // weights' link or the ensemble's.)
        let ensemble = path.join(ENSEMBLE_FILE);
        for linked in [&file, &ensemble] {
            broken_link(linked, "")?;
        }
        // (One there that is no file, a folder or a pipe, says so too.)
        if ensemble.metadata().is_ok_and(|m| !m.is_file()) {
            return Err(ModelError::io(
                &ensemble,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a regular file (a folder, pipe or device)",
                ),
            ));
        }
        return Err(foreign(
            "a folder without model.safetensors or ensemble.toml",
        ));
    }
    let bytes = crate::io::read_file(&file)?;
    // (A file whose first bytes are no safetensors header, a header's
    // length and its JSON, was never a model: a README, a corpus. A cut
    // one keeps them, and is told as cut.)
    let header = ModelHeader::read(&bytes, &file).map_err(|e| match e {
        ModelError::Corrupt { .. } if !safetensors_start(&bytes) => {
            foreign("not a safetensors file")
        }
        e => e,
    })?;
    // A header's config is the one training checked; one that no longer
    // holds (edited or damaged) must not reach the tagger (a huge
    // `features.window` would allocate without end).
    header
        .config
        .validate()
        .map_err(|e| ModelError::corrupt(&file, e.to_string()))?;
    let tags = TagSet::new(header.config.data.scheme);
    let names = tags.names();
    if names != header.labels {
        return Err(ModelError::corrupt(
            file,
            format!(
                "labels {:?} do not match the scheme's {:?}",
                header.labels, names
            ),
        ));
    }
    let kind = header
        .kind()
        .expect("ModelHeader::read accepts known formats only");
    let tagger: Box<dyn SequenceTagger> = match kind {
        ModelKind::Crf => Box::new(CrfTagger::load(&bytes, &header, &file)?),
        ModelKind::Neural => Box::new(NeuralModel::load(&bytes, &header, &file)?),
        ModelKind::Transformer => Box::new(TransformerModel::load(&bytes, &header, &file)?),
    };
    let mut annotator = Annotator::new(tagger, tags, header.config.decoding.outside_penalty);
    // Model directories saved before quotekit had a resolver have none: they
    // resolve speakers with the built-in one. (A link to nothing there is
    // an error, not none: the model's own resolver was meant.)
    let speakers = resolver_path(&file);
    if resolver && is_there(&speakers) {
        broken_link(&speakers, MEND_RESOLVER)?;
        annotator.resolver = SpeakerResolver::load(&speakers)?;
        annotator.resolver_file = Some(speakers);
    }
    Ok((annotator, header))
}

/// Loads the ensemble in directory `dir` ([`crate::ensemble`]): its members,
/// which must be model directories (not ensembles) of the same tags, with
/// the first member's header, decoding settings and speaker resolver (or
/// the ensemble directory's own `speakers.safetensors`).
fn load_ensemble(dir: &Path, speakers: bool) -> Result<(Annotator, ModelHeader), ModelError> {
    let spec = EnsembleFile::read(dir)?;
    let bad = |message: String| ModelError::Config {
        path: Some(dir.join(ENSEMBLE_FILE)),
        message,
    };
    let mut first: Option<(ModelHeader, SpeakerResolver, Option<PathBuf>)> = None;
    let mut members = Vec::with_capacity(spec.members.len());
    // (Only the resolver that names the speakers is read: the ensemble's
    // own, else the first member's.)
    let own = resolver_path(dir);
    let own_resolver = speakers && is_there(&own);
    for (k, m) in spec.members.iter().enumerate() {
        let path = m.path(dir);
        if EnsembleFile::is_ensemble(&path) {
            return Err(bad(format!(
                "member {} ({}) is an ensemble itself; list its members instead",
                k + 1,
                path.display()
            )));
        }
        if !path.exists() {
            return Err(bad(format!(
                "member {}: no model directory {}",
                k + 1,
                path.display()
            )));
        }
        let (annotator, header) = load_model(&path, speakers && k == 0 && !own_resolver)
            .map_err(|e| bad(format!("member {} ({}): {e}", k + 1, path.display())))?;
        match &first {
            Some((h, ..)) if header.labels != h.labels => {
                return Err(bad(format!(
                    "member {} ({}) has the tags {:?}, the first member {:?}; members vote tag by tag, so train them with the same data.scheme",
                    k + 1,
                    path.display(),
                    header.labels,
                    h.labels
                )))
            }
            Some(_) => {}
            None => first = Some((header, annotator.resolver, annotator.resolver_file)),
        }
        members.push(Member {
            tagger: annotator.tagger,
            weight: m.weight,
        });
    }
    let (header, mut resolver, mut resolver_file) =
        first.ok_or_else(|| bad("no members".into()))?;
    if own_resolver {
        broken_link(&own, MEND_RESOLVER)?;
        resolver = SpeakerResolver::load(&own)?;
        resolver_file = Some(own);
    }
    let mut annotator = Annotator::new(
        Box::new(Ensemble::new(members)?),
        TagSet::new(header.config.data.scheme),
        header.config.decoding.outside_penalty,
    );
    annotator.resolver = resolver;
    annotator.resolver_file = resolver_file;
    Ok((annotator, header))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is not a model says so, and what a model is: no path, a folder
    /// without weights, a file that is no safetensors file.
    #[test]
    fn what_is_no_model_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let readme = dir.path().join("README.md");
        std::fs::write(&readme, "# Notes\n\nWhat the model is for.\n").unwrap();
        for (path, why) in [
            (dir.path().join("nowhere"), "no such folder or file"),
            (
                dir.path().to_path_buf(),
                "a folder without model.safetensors",
            ),
            (readme, "not a safetensors file"),
        ] {
            let e = load_annotator(&path).err().unwrap().to_string();
            let said = format!("{}: not a quotekit model ({why}", path.display());
            assert!(e.starts_with(&said), "{e}");
            assert!(e.contains("a folder that `quotekit train` wrote"), "{e}");
        }
        // A model file that is a link to nothing says so.
        let linked = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            linked.path().join("gone.safetensors"),
            linked.path().join("model.safetensors"),
        )
        .unwrap();
        let e = load_annotator(linked.path()).err().unwrap().to_string();
        assert!(
            e.contains("model.safetensors") && e.contains("a link to nothing"),
            "{e}"
        );
        // So does an ensemble's file (it was called a folder without one).
        let ensemble = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            ensemble.path().join("gone.toml"),
            ensemble.path().join(ENSEMBLE_FILE),
        )
        .unwrap();
        let e = load_annotator(ensemble.path()).err().unwrap().to_string();
        assert!(
            e.contains(ENSEMBLE_FILE) && e.contains("a link to nothing"),
            "{e}"
        );
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = load_annotator(&fifo).err().unwrap().to_string();
            assert!(e.contains("(neither a folder nor a file;"), "{e}");
        }
        // A weights file cut short (its header's length kept) is told as one.
        let weights = dir.path().join(crate::header::FILE_NAME);
        std::fs::write(
            &weights,
            [&40u64.to_le_bytes()[..], b"{\"state\":"].concat(),
        )
        .unwrap();
        let e = load_annotator(dir.path()).err().unwrap().to_string();
        assert!(e.contains("truncated, corrupted or edited"), "{e}");
    }

    /// A model's files are its own (not the reports beside them), and an
    /// ensemble's are its members' too.
    #[test]
    fn the_files_of_a_model_and_of_an_ensemble() {
        let dir = tempfile::tempdir().unwrap();
        let member = dir.path().join("m1");
        std::fs::create_dir(&member).unwrap();
        for name in [
            crate::header::FILE_NAME,
            crate::transformer::model::ENCODER_CONFIG_FILE,
            crate::speakers::file::FILE_NAME,
            "report.html",
        ] {
            std::fs::write(member.join(name), "x").unwrap();
        }
        let own = [
            member.join(crate::header::FILE_NAME),
            member.join(crate::transformer::model::ENCODER_CONFIG_FILE),
            member.join(crate::speakers::file::FILE_NAME),
        ];
        assert_eq!(model_files(&member), own);
        // (The weights file given is its folder's too: listed once, first.)
        let weights = member.join(crate::header::FILE_NAME);
        assert_eq!(model_files(&weights)[0], weights);
        assert_eq!(model_files(&weights), own);
        let ensemble = dir.path().join("ens");
        std::fs::create_dir(&ensemble).unwrap();
        std::fs::write(
            ensemble.join(ENSEMBLE_FILE),
            "[[members]]\nmodel = \"../m1\"\nweight = 1.0\n",
        )
        .unwrap();
        let files = model_files(&ensemble);
        assert_eq!(files[0], ensemble.join(ENSEMBLE_FILE));
        let members: Vec<&Path> = files[1..].iter().map(|p| p.as_path()).collect();
        assert_eq!(members.len(), 3);
        assert!(members.iter().all(|p| p.starts_with(&ensemble)));
        assert!(
            members[0].ends_with(crate::header::FILE_NAME),
            "{members:?}"
        );
    }
}
