//! What a `predict` run is, kept beside its output (`.NAME.run.json` next
//! to a JSONL file, `.quotekit-run.json` inside a brat folder), so that
//! `--resume` goes on only with the model, the options and the input that
//! wrote the output: resumed with another model, an output would end half
//! one run's and half another's, with nothing in its records to tell.
//! An output without one (written before runs kept it) resumes unchecked.

use crate::error::InferError;
use crate::input::Input;
use crate::output::{OutputFormat, OutputTarget};
use quotekit_model::io::fnv1a_more;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a run's records depend on besides its input: the model and the
/// options that change them. Two runs of one identity write the same
/// records (on any number of threads, in batches of any size).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// [`model_key`] of the model.
    pub model: String,
    /// The model as given (for messages).
    pub model_path: String,
    /// The options that change the records, as `name=value` words.
    pub options: String,
}

/// What is kept: the identity, the format and the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    #[serde(flatten)]
    identity: RunIdentity,
    format: String,
    /// The input's full path (`-`: standard input).
    input: String,
    /// The input file's size (none for a folder or standard input).
    input_bytes: Option<u64>,
    /// When the input file was last modified, in nanoseconds since 1970:
    /// an input edited in place (the same ids, other texts) is another.
    #[serde(default)]
    input_modified: Option<u128>,
}

/// The key of the model at `path`: a hash of the names of its files (those
/// [`quotekit_model::model_file::model_files`] lists, an ensemble's members'
/// too) and what they hold: a tagger's weights file's header (its
/// configuration and training record, which differ from one training run
/// to the next) and size, every other file's bytes (a speaker resolver's
/// header says nothing of its training). A copy of a model has its key;
/// reading a tagger's weights whole would cost a run more than its
/// smallest inputs.
pub fn model_key(path: &Path) -> Result<String, InferError> {
    let mut h = fnv1a_more(quotekit_model::io::FNV1A_START, b"quotekit-model");
    for file in quotekit_model::model_file::model_files(path) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        h = fnv1a_more(h, name.unwrap_or_default().as_bytes());
        let io = |e| InferError::io(&file, e);
        let mut f = std::fs::File::open(&file).map_err(io)?;
        let size = f.metadata().map_err(io)?.len();
        h = fnv1a_more(h, &size.to_le_bytes());
        let is_weights = file.extension().is_some_and(|e| e == "safetensors")
            && !file.ends_with(quotekit_model::speakers::file::FILE_NAME);
        let mut bytes = Vec::new();
        if is_weights {
            // (The header's length, then the header: a loaded model's file
            // has one that fits.)
            let mut len = [0u8; 8];
            f.read_exact(&mut len).map_err(io)?;
            let len = u64::from_le_bytes(len).min(size);
            f.take(len).read_to_end(&mut bytes).map_err(io)?;
        } else {
            f.read_to_end(&mut bytes).map_err(io)?;
        }
        h = fnv1a_more(h, &bytes);
    }
    Ok(format!("{h:016x}"))
}

/// The manifest file of an output: `.NAME.run.json` beside a file,
/// `.quotekit-run.json` inside a brat folder (where they are, links
/// followed); none for standard output.
fn manifest_path(output: &OutputTarget, format: OutputFormat) -> Option<PathBuf> {
    let OutputTarget::Path(out) = output else {
        return None;
    };
    let out = quotekit_data::paths::resolved(out);
    if format == OutputFormat::Brat {
        return Some(out.join(".quotekit-run.json"));
    }
    let name = out.file_name()?.to_string_lossy().into_owned();
    Some(out.with_file_name(format!(".{name}.run.json")))
}

fn manifest(identity: &RunIdentity, input: &Input, format: OutputFormat) -> Manifest {
    let (input, meta) = match input.path() {
        Some(p) => {
            let full = quotekit_data::paths::resolved(p);
            let meta = std::fs::metadata(&full).ok().filter(|m| m.is_file());
            (full.display().to_string(), meta)
        }
        None => ("-".to_string(), None),
    };
    let modified = meta.as_ref().and_then(|m| m.modified().ok());
    Manifest {
        identity: identity.clone(),
        format: format.name().to_string(),
        input,
        input_bytes: meta.map(|m| m.len()),
        input_modified: modified
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos()),
    }
}

/// Refuses to resume `output` when its manifest says another model, other
/// options or another input (or the input before an edit) wrote it. (An
/// output of another format is told by what it holds.)
pub fn check(
    identity: &RunIdentity,
    input: &Input,
    output: &OutputTarget,
    format: OutputFormat,
) -> Result<(), InferError> {
    let Some(path) = manifest_path(output, format) else {
        return Ok(());
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let out_path = match output {
        OutputTarget::Path(p) => p.clone(),
        OutputTarget::Stdout => "-".into(),
    };
    let then: Manifest = serde_json::from_str(&text).map_err(|e| InferError::Resume {
        path: out_path.clone(),
        message: format!(
            "{} does not read ({e}); delete it to resume regardless",
            path.display()
        ),
    })?;
    let now = manifest(identity, input, format);
    let bytes = |b: Option<u64>| b.map(|b| format!(" ({b} bytes)")).unwrap_or_default();
    let mut differ = Vec::new();
    if then.identity.model != now.identity.model {
        differ.push(format!(
            "the model ({} then, {} now, whose files differ)",
            then.identity.model_path, now.identity.model_path
        ));
    }
    if then.identity.options != now.identity.options {
        differ.push(format!(
            "the options (`{}` then, `{}` now)",
            then.identity.options, now.identity.options
        ));
    }
    if (&then.input, then.input_bytes) != (&now.input, now.input_bytes) {
        differ.push(format!(
            "the input ({}{} then, {}{} now)",
            then.input,
            bytes(then.input_bytes),
            now.input,
            bytes(now.input_bytes)
        ));
    } else if then.input_modified != now.input_modified {
        differ.push(format!("the input ({}, modified since)", now.input));
    }
    if differ.is_empty() {
        return Ok(());
    }
    Err(InferError::Resume {
        path: out_path,
        message: format!(
            "another run wrote it: {} differ{}; resumed, the output would hold records of both. \
             Choose another output, or run without --resume to replace it (deleting {} \
             resumes regardless)",
            differ.join(", "),
            if differ.len() == 1 { "s" } else { "" },
            path.display()
        ),
    })
}

/// Writes the manifest of a run beside (or into) its output, once the
/// output is there; nothing for an output that is no file or folder
/// (`/dev/null`, a pipe).
pub fn write(
    identity: &RunIdentity,
    input: &Input,
    output: &OutputTarget,
    format: OutputFormat,
) -> Result<(), InferError> {
    let (Some(path), OutputTarget::Path(out)) = (manifest_path(output, format), output) else {
        return Ok(());
    };
    let meta = std::fs::metadata(out).ok();
    if !meta.is_some_and(|m| m.is_file() || m.is_dir()) {
        return Ok(());
    }
    let json = serde_json::to_string_pretty(&manifest(identity, input, format))
        .expect("a manifest serialises");
    quotekit_model::io::write_atomically(&path, format!("{json}\n").as_bytes())
        .map_err(|e| InferError::Usage(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(options: &str) -> RunIdentity {
        RunIdentity {
            model: "00".into(),
            model_path: "m".into(),
            options: options.into(),
        }
    }

    /// A manifest written by one run lets the same run resume and refuses
    /// another's options, input or format, saying which; an output
    /// without one resumes.
    #[test]
    fn a_resumed_run_is_the_run_that_wrote_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let input_path = dir.path().join("in.jsonl");
        std::fs::write(&input_path, "{\"id\": \"a\", \"text\": \"Hi.\"}\n").unwrap();
        let input = Input::Jsonl(input_path.clone());
        let out = dir.path().join("out.jsonl");
        let output = OutputTarget::Path(out.clone());
        let jsonl = OutputFormat::Jsonl;
        let this = identity("no-speakers=false");
        // (No manifest yet: an output of an earlier version resumes.)
        check(&this, &input, &output, jsonl).unwrap();
        std::fs::write(&out, "").unwrap();
        write(&this, &input, &output, jsonl).unwrap();
        assert!(dir.path().join(".out.jsonl.run.json").is_file());
        check(&this, &input, &output, jsonl).unwrap();
        let err = check(&identity("no-speakers=true"), &input, &output, jsonl)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the options (`no-speakers=false` then"),
            "{err}"
        );
        std::fs::write(&input_path, "{\"id\": \"a\", \"text\": \"Hello.\"}\n").unwrap();
        let err = check(&this, &input, &output, jsonl)
            .unwrap_err()
            .to_string();
        assert!(err.contains("the input ("), "{err}");
        assert!(err.contains("bytes) then"), "{err}");
        // The same size, edited later: modified since.
        write(&this, &input, &output, jsonl).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&input_path, "{\"id\": \"a\", \"text\": \"Hallo.\"}\n").unwrap();
        let err = check(&this, &input, &output, jsonl)
            .unwrap_err()
            .to_string();
        assert!(err.contains("modified since"), "{err}");
    }
}
