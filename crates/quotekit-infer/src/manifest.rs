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
    /// [`model_key`] of the model without its speaker resolver, so that a
    /// run resumed with `--no-speakers` changed can tell whether the tagger
    /// is another one (none in manifests of earlier versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagger: Option<String>,
}

/// What is kept: the identity and the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    #[serde(flatten)]
    identity: RunIdentity,
    /// The input's full path (`-`: standard input, or a pipe or device
    /// such as `/dev/stdin` or `<(zcat …)`, whose name changes each run).
    input: String,
    /// The input file's size (none for a folder or standard input).
    input_bytes: Option<u64>,
    /// When the input file was last modified, in nanoseconds since 1970:
    /// an input edited in place (the same ids, other texts) is another.
    #[serde(default)]
    input_modified: Option<u128>,
}

/// The key of the model at `path`: a hash of the names and the bytes of
/// its files (those [`quotekit_model::model_file::model_files`] lists, an
/// ensemble's members' too; without `speakers`, not the speaker resolver,
/// which such a run does not use, though [`model_keys`] reads it for the
/// key with it). A copy of a model, or the
/// model named by its folder or by its weights file, has its key; a model
/// retrained, even to a header and size the same, has another.
pub fn model_key(path: &Path, speakers: bool) -> Result<String, InferError> {
    let (with, without) = model_keys(path)?;
    Ok(if speakers { with } else { without })
}

/// [`model_key`] with and without the speaker resolver, from one reading
/// of the model's files.
pub fn model_keys(path: &Path) -> Result<(String, String), InferError> {
    let start = fnv1a_more(quotekit_model::io::FNV1A_START, b"quotekit-model");
    let (mut with, mut without) = (start, start);
    for file in quotekit_model::model_file::model_files(path) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let content = content_hash(&file)?.to_le_bytes();
        let add = |h| fnv1a_more(fnv1a_more(h, name.as_bytes()), &content);
        with = add(with);
        if !file.ends_with(quotekit_model::speakers::file::FILE_NAME) {
            without = add(without);
        }
    }
    Ok((format!("{with:016x}"), format!("{without:016x}")))
}

/// A hash of a file's bytes, fast enough for weights of hundreds of
/// megabytes: four lanes of eight-byte words, each mixed as FNV-1a mixes a
/// byte (a step that no two words take to the same value), then the lanes,
/// the tail and the length by FNV-1a.
fn content_hash(file: &Path) -> Result<u64, InferError> {
    const PRIME: u64 = 0x0100_0000_01b3;
    let io = |e| InferError::io(file, e);
    let mut f = std::fs::File::open(file).map_err(io)?;
    let mut lanes = [quotekit_model::io::FNV1A_START; 4];
    let mut buf = vec![0u8; 1 << 20];
    let (mut len, mut filled) = (0u64, 0usize);
    loop {
        let n = f.read(&mut buf[filled..]).map_err(io)?;
        filled += n;
        len += n as u64;
        if n > 0 && filled < buf.len() {
            continue;
        }
        // (Whole blocks of 32 bytes go to the lanes; the rest waits for
        // more, or is the tail.)
        let whole = filled / 32 * 32;
        for block in buf[..whole].chunks_exact(32) {
            for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
                let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
                *lane = (*lane ^ w).wrapping_mul(PRIME).rotate_left(29);
            }
        }
        buf.copy_within(whole..filled, 0);
        filled -= whole;
        if n == 0 {
            break;
        }
    }
    let mut h = quotekit_model::io::FNV1A_START;
    for lane in lanes {
        h = fnv1a_more(h, &lane.to_le_bytes());
    }
    h = fnv1a_more(h, &buf[..filled]);
    Ok(fnv1a_more(h, &len.to_le_bytes()))
}

/// The manifest file of an output: `.NAME.run.json` beside a file,
/// `.quotekit-run.json` inside a brat folder (where they are, links
/// followed); none for standard output, nor for a device, a pipe or a
/// descriptor of the process's own (`/dev/stderr`), which keep nothing to
/// resume.
fn manifest_path(output: &OutputTarget, format: OutputFormat) -> Option<PathBuf> {
    let OutputTarget::Path(out) = output else {
        return None;
    };
    if format == OutputFormat::Brat {
        return Some(quotekit_data::paths::resolved(out).join(".quotekit-run.json"));
    }
    if crate::output::streamed(out) {
        return None;
    }
    let out = quotekit_data::paths::resolved(out);
    out.file_name()?;
    Some(crate::lock::hidden_beside(&out, ".run.json"))
}

/// True when a run's manifest is beside (or in) `output`: a run of this
/// version wrote it.
pub(crate) fn kept(output: &OutputTarget, format: OutputFormat) -> bool {
    manifest_path(output, format).is_some_and(|p| p.exists())
}

/// The manifest of a run: a file input by its full path, size and time of
/// change, a folder by its path (the texts in it are not looked at), and
/// anything else (standard input, a pipe) as `-`.
fn manifest(identity: &RunIdentity, input: &Input) -> Manifest {
    let named = input.path().map(quotekit_data::paths::resolved);
    let meta = named.as_ref().and_then(|p| std::fs::metadata(p).ok());
    let (input, meta) = match (named, meta) {
        (Some(p), Some(m)) if m.is_file() => (p.display().to_string(), Some(m)),
        (Some(p), Some(m)) if m.is_dir() => (p.display().to_string(), None),
        _ => ("-".to_string(), None),
    };
    let modified = meta.as_ref().and_then(|m| m.modified().ok());
    Manifest {
        identity: identity.clone(),
        input,
        input_bytes: meta.map(|m| m.len()),
        input_modified: modified
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos()),
    }
}

/// Refuses to resume `output` when its manifest says another model, other
/// options or another input (or the input before an edit) wrote it. An
/// output that holds no record yet (`written` false: deleted, or killed
/// before its first) is no run's: it is not checked. (An output of another
/// format is told by what it holds.)
pub fn check(
    identity: &RunIdentity,
    input: &Input,
    output: &OutputTarget,
    format: OutputFormat,
    written: bool,
) -> Result<(), InferError> {
    let Some(path) = manifest_path(output, format).filter(|_| written) else {
        return Ok(());
    };
    let out_path = match output {
        OutputTarget::Path(p) => p.clone(),
        OutputTarget::Stdout => "-".into(),
    };
    // (No manifest: an output of an earlier version. One there that cannot
    // be read (a regular file only: not a pipe, nor a link to /dev/zero),
    // or is no UTF-8, is not taken for none: it says nothing of the run.)
    let bytes = match quotekit_data::paths::read_own_file(&path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(()),
        Err(e) => {
            return Err(InferError::Resume {
                path: out_path,
                message: format!(
                    "{} cannot be read ({e}); delete it to resume regardless",
                    path.display()
                ),
            })
        }
    };
    let then: Manifest = serde_json::from_slice(&bytes).map_err(|e| InferError::Resume {
        path: out_path.clone(),
        message: format!(
            "{} does not read ({e}); delete it to resume regardless",
            path.display()
        ),
    })?;
    let now = manifest(identity, input);
    let bytes = |b: Option<u64>| b.map(|b| format!(" ({b} bytes)")).unwrap_or_default();
    let mut differ = Vec::new();
    // (The key leaves the resolver out without speakers: keys of runs with
    // and without them are over other files, and do not compare; their
    // tagger keys do, and the option tells the runs apart.)
    let speakers = |o: &RunIdentity| option(&o.options, "no-speakers").map(str::to_owned);
    let files_differ = if speakers(&then.identity) == speakers(&now.identity) {
        Some(then.identity.model != now.identity.model)
    } else {
        match (&then.identity.tagger, &now.identity.tagger) {
            (Some(a), Some(b)) => Some(a != b),
            _ => None,
        }
    };
    match files_differ {
        Some(true) => differ.push(format!(
            "another model ({} then, {} now: their files are not the same)",
            then.identity.model_path, now.identity.model_path
        )),
        // (A manifest of an earlier version keeps no tagger key: a model
        // named otherwise is another, whether or not its files differ.)
        None if then.identity.model_path != now.identity.model_path => differ.push(format!(
            "another model ({} then, {} now)",
            then.identity.model_path, now.identity.model_path
        )),
        _ => {}
    }
    if then.identity.options != now.identity.options {
        differ.push(format!(
            "other options (`{}` then, `{}` now)",
            then.identity.options, now.identity.options
        ));
    }
    if (&then.input, then.input_bytes) != (&now.input, now.input_bytes) {
        differ.push(format!(
            "another input ({}{} then, {}{} now)",
            then.input,
            bytes(then.input_bytes),
            now.input,
            bytes(now.input_bytes)
        ));
    } else if then.input_modified != now.input_modified {
        differ.push(format!("an input changed since ({})", now.input));
    }
    if differ.is_empty() {
        return Ok(());
    }
    Err(InferError::Resume {
        path: out_path,
        message: format!(
            "another run wrote it, with {}; resumed, the output would hold records of both. \
             Choose another output, or {} (deleting {} resumes regardless)",
            differ.join(" and "),
            crate::resume::begin_anew(format),
            path.display()
        ),
    })
}

/// The value of the option `name` in [`RunIdentity::options`]' `name=value`
/// words.
fn option<'o>(options: &'o str, name: &str) -> Option<&'o str> {
    options
        .split(' ')
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
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
    let json =
        serde_json::to_string_pretty(&manifest(identity, input)).expect("a manifest serialises");
    // (Not synced: a run's small file, which only a resume reads.)
    quotekit_data::atomic::replace_whole(&path, format!("{json}\n").as_bytes())
        .map_err(|e| InferError::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(options: &str) -> RunIdentity {
        RunIdentity {
            model: "00".into(),
            model_path: "m".into(),
            options: options.into(),
            tagger: None,
        }
    }

    /// Resumed with `--no-speakers` changed, the run compares the tagger's
    /// keys (its model key is over other files): only another tagger is
    /// another model. A manifest of an earlier version, without a tagger
    /// key, tells a model only by its path.
    #[test]
    fn a_tagger_is_compared_when_speakers_are_switched() {
        let dir = tempfile::tempdir().unwrap();
        let input_path = dir.path().join("in.jsonl");
        std::fs::write(&input_path, "{\"id\": \"a\", \"text\": \"Hi.\"}\n").unwrap();
        let input = Input::Jsonl(input_path);
        let out = dir.path().join("out.jsonl");
        std::fs::write(&out, "").unwrap();
        let output = OutputTarget::Path(out);
        let jsonl = OutputFormat::Jsonl;
        let run = |no_speakers: bool, model: &str, tagger: Option<&str>, path: &str| RunIdentity {
            model: model.into(),
            model_path: path.into(),
            options: format!("no-speakers={no_speakers}"),
            tagger: tagger.map(str::to_owned),
        };
        let err = |then: &RunIdentity, now: &RunIdentity| {
            write(then, &input, &output, jsonl).unwrap();
            check(now, &input, &output, jsonl, true)
                .unwrap_err()
                .to_string()
        };
        let then = run(false, "with", Some("t1"), "m");
        let same = err(&then, &run(true, "t1", Some("t1"), "copy"));
        assert!(same.contains("other options"), "{same}");
        assert!(!same.contains("another model"), "{same}");
        let other = err(&then, &run(true, "t2", Some("t2"), "m"));
        assert!(
            other.contains("another model (m then, m now: their files"),
            "{other}"
        );
        // Without speakers then, with them now: the tagger keys again.
        let other = err(
            &run(true, "t1", Some("t1"), "m"),
            &run(false, "w", Some("t2"), "m"),
        );
        assert!(other.contains("their files are not the same"), "{other}");
        // An earlier version's manifest: the path alone.
        let old = run(false, "with", None, "m");
        let same = err(&old, &run(true, "t2", Some("t2"), "m"));
        assert!(!same.contains("another model"), "{same}");
        let other = err(&old, &run(true, "t2", Some("t2"), "other"));
        assert!(
            other.contains("another model (m then, other now)"),
            "{other}"
        );
        assert!(
            !std::fs::read_to_string(dir.path().join(".out.jsonl.run.json"))
                .unwrap()
                .contains("tagger")
        );
    }

    /// A manifest written by one run lets the same run resume and refuses
    /// another's options or input, saying which; an output without one, or
    /// with no record, resumes.
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
        // (Why this run is refused its own output now.)
        let refused_this = || {
            check(&this, &input, &output, jsonl, true)
                .unwrap_err()
                .to_string()
        };
        // (No manifest yet: an output of an earlier version resumes.)
        check(&this, &input, &output, jsonl, true).unwrap();
        std::fs::write(&out, "").unwrap();
        write(&this, &input, &output, jsonl).unwrap();
        assert!(dir.path().join(".out.jsonl.run.json").is_file());
        check(&this, &input, &output, jsonl, true).unwrap();
        let other = identity("no-speakers=true");
        let err = check(&other, &input, &output, jsonl, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("other options (`no-speakers=false` then"),
            "{err}"
        );
        // An output with no record is no run's.
        check(&other, &input, &output, jsonl, false).unwrap();
        std::fs::write(&input_path, "{\"id\": \"a\", \"text\": \"Hello.\"}\n").unwrap();
        let err = refused_this();
        assert!(err.contains("another input ("), "{err}");
        assert!(err.contains("bytes) then"), "{err}");
        // The same size, changed later: changed since.
        write(&this, &input, &output, jsonl).unwrap();
        let file = std::fs::File::options()
            .write(true)
            .open(&input_path)
            .unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        file.set_modified(later).unwrap();
        let err = refused_this();
        assert!(err.contains("an input changed since"), "{err}");
        // A manifest that does not read says which file to delete.
        let kept = dir.path().join(".out.jsonl.run.json");
        std::fs::write(&kept, "{not json").unwrap();
        let err = refused_this();
        assert!(err.contains(".out.jsonl.run.json does not read ("), "{err}");
        assert!(err.contains("delete it to resume regardless"), "{err}");
        // Nor is one that is no UTF-8 taken for none (it was, and resumed).
        std::fs::write(&kept, b"\xff{not json").unwrap();
        let err = refused_this();
        assert!(err.contains(".out.jsonl.run.json does not read ("), "{err}");
        // One that cannot be read at all says so, with its name.
        std::fs::remove_file(&kept).unwrap();
        std::fs::create_dir(&kept).unwrap();
        let err = refused_this();
        assert!(
            err.contains(".out.jsonl.run.json cannot be read ("),
            "{err}"
        );
        assert!(err.contains("delete it to resume regardless"), "{err}");
        std::fs::remove_dir(&kept).unwrap();
        // Standard input, or a device or pipe named as a file (`/dev/stdin`,
        // `<(zcat …)`), is `-`: not compared.
        write(&this, &Input::Stdin, &output, jsonl).unwrap();
        #[cfg(unix)]
        check(
            &this,
            &Input::Jsonl("/dev/null".into()),
            &output,
            jsonl,
            true,
        )
        .unwrap();
    }

    /// The key of a model is the key of its files' bytes, however the model
    /// is named; another resolver makes another key, unless it is not read.
    #[test]
    fn a_model_key_follows_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m");
        std::fs::create_dir(&model).unwrap();
        let weights: Vec<u8> = (0..100_003u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(model.join("model.safetensors"), &weights).unwrap();
        std::fs::write(model.join("speakers.safetensors"), b"resolver").unwrap();
        let key = model_key(&model, true).unwrap();
        assert_eq!(
            model_key(&model.join("model.safetensors"), true).unwrap(),
            key
        );
        let copy = dir.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        for f in ["model.safetensors", "speakers.safetensors"] {
            std::fs::copy(model.join(f), copy.join(f)).unwrap();
        }
        assert_eq!(model_key(&copy, true).unwrap(), key);
        std::fs::write(copy.join("speakers.safetensors"), b"resolvor").unwrap();
        assert_ne!(model_key(&copy, true).unwrap(), key);
        assert_eq!(
            model_key(&copy, false).unwrap(),
            model_key(&model, false).unwrap()
        );
        assert_eq!(
            model_keys(&copy).unwrap(),
            (
                model_key(&copy, true).unwrap(),
                model_key(&copy, false).unwrap()
            )
        );
        // One byte of the weights, in a whole block or in the tail.
        for at in [5, 70_000, 100_001] {
            let mut changed = weights.clone();
            changed[at] ^= 1;
            std::fs::write(copy.join("model.safetensors"), &changed).unwrap();
            assert_ne!(
                model_key(&copy, false).unwrap(),
                model_key(&model, false).unwrap()
            );
        }
    }
}
