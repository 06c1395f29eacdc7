//! What the end-to-end tests and the benches share: where things are (the
//! repository, the embedded sample corpus, PolNeAR, the pretrained encoder,
//! the `quotekit` binary) and the documents they run on. Every test crate and
//! bench includes this module (`mod common;`, or `#[path]` from `benches/`)
//! and uses part of it. It depends on `quotekit-data` only, which every
//! crate of the workspace has.
#![allow(dead_code)]

use quotekit_data::{load_corpus, Document, Format, LoadOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `bytes` compressed with gzip, as `gzip` compresses a file.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut w = quotekit_data::gzip::Writer::new(Path::new("x.gz"), Vec::new());
    std::io::Write::write_all(&mut w, bytes).unwrap();
    w.finish().unwrap()
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The embedded sample corpus (`datasets/sample`, brat).
pub fn sample_dir() -> PathBuf {
    root().join("datasets/sample")
}

/// The documents of the embedded sample corpus.
pub fn sample() -> Vec<Document> {
    load_brat(&sample_dir())
}

/// The documents of a brat corpus, loaded strictly.
pub fn load_brat(path: &Path) -> Vec<Document> {
    load_corpus(path, Format::Brat, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{} loads: {e}", path.display()))
        .documents
}

/// PolNeAR (train and dev): `$QUOTEKIT_POLNEAR`, or `../shared/datasets/polnear`
/// beside the repository. `None`, with a message on stderr, when it is absent:
/// the corpus is not part of the project.
pub fn polnear() -> Option<PathBuf> {
    let path = std::env::var_os("QUOTEKIT_POLNEAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/datasets/polnear"));
    if path.join("train").is_dir() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: PolNeAR not found at {} (set QUOTEKIT_POLNEAR)",
            path.display()
        );
        None
    }
}

/// PolNeAR dev when PolNeAR is there, the sample otherwise (benches).
pub fn polnear_dev_or_sample() -> Vec<Document> {
    match polnear().map(|p| p.join("dev")).filter(|d| d.is_dir()) {
        Some(dev) => load_brat(&dev),
        None => {
            eprintln!("benchmarking on datasets/sample");
            sample()
        }
    }
}

/// The pretrained encoder unpacked by `quotekit fetch-encoder`:
/// `$QUOTEKIT_ENCODER`, or `models/all-MiniLM-L6-v2`. `None`, with a message on
/// stderr, when it is not there.
pub fn encoder() -> Option<PathBuf> {
    let dir = std::env::var_os("QUOTEKIT_ENCODER")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("models/all-MiniLM-L6-v2"));
    if dir.join("model.safetensors").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: no pretrained encoder in {} — run `cargo run --release -- fetch-encoder` to test it",
            dir.display()
        );
        None
    }
}

/// The `quotekit` binary (tests of the CLI crate only: cargo names it to
/// those; this module is compiled into the other crates' tests too).
#[allow(clippy::option_env_unwrap)]
pub fn binary() -> PathBuf {
    PathBuf::from(
        option_env!("CARGO_BIN_EXE_quotekit").expect("only the CLI crate's tests run the binary"),
    )
}

/// Runs `quotekit ARGS` in the repository root.
pub fn quotekit(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(root())
        .output()
        .expect("the quotekit binary runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that a run was refused: it failed, without a panic, with
/// `expected` in its error output, which it returns.
pub fn refused(o: &Output, expected: &str) -> String {
    let err = stderr(o);
    assert!(!o.status.success(), "expected a failure: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
    err
}

/// Asserts that a run succeeded, without a panic, with `expected` in its
/// error output (a warning, a note), which it returns.
pub fn succeeded_saying(o: &Output, expected: &str) -> String {
    exited_saying(o, 0, expected)
}

/// Asserts that a run exited with `code` (2: some documents failed),
/// without a panic, with `expected` in its error output, which it returns.
pub fn exited_saying(o: &Output, code: i32, expected: &str) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
    err
}

/// The names of the sample corpus's speakers (`datasets/sample-speakers`).
pub fn sample_names_dir() -> PathBuf {
    root().join("datasets/sample-speakers")
}

/// A names folder `dir/folder` with a names file for each of the sample
/// corpus's (the same spans), every span given the name `name` (`-`: no one).
pub fn sample_names_all(dir: &Path, folder: &str, name: &str) -> PathBuf {
    let out = dir.join(folder);
    std::fs::create_dir(&out).unwrap();
    for file in std::fs::read_dir(sample_names_dir()).unwrap() {
        let file = file.unwrap().path();
        let lines: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .map(|l| format!("{}\t{name}\n", l.rsplit_once('\t').unwrap().0))
            .collect();
        std::fs::write(out.join(file.file_name().unwrap()), lines).unwrap();
    }
    out
}

/// The sample corpus with its speakers named.
pub fn named_sample() -> Vec<Document> {
    let options = LoadOptions {
        names: vec![sample_names_dir()],
        ..LoadOptions::default()
    };
    load_corpus(&sample_dir(), Format::Brat, &options)
        .expect("the named sample loads")
        .documents
}

/// The embedded original articles written to test speaker resolution
/// outside PolNeAR's style (`datasets/originals`), their speakers named by
/// `datasets/originals-speakers`.
pub fn named_originals() -> Vec<Document> {
    let options = LoadOptions {
        names: vec![root().join("datasets/originals-speakers")],
        ..LoadOptions::default()
    };
    load_corpus(&root().join("datasets/originals"), Format::Brat, &options)
        .expect("the named originals load")
        .documents
}

/// A small CRF trained once per test binary on the sample corpus (tests of
/// the CLI crate only: it runs the binary).
pub fn tiny_model() -> &'static Path {
    static MODEL: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    &MODEL
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let model = train_sample(
                dir.path(),
                "model",
                "[features]\nhash_bits = 16\n[training]\nc2 = 0.1\nmax_iterations = 30\n",
            );
            (dir, model)
        })
        .1
}

/// A model trained by `quotekit train` on the sample corpus with the config
/// `settings` (TOML), into `dir/name` (the config beside it as `name.toml`).
pub fn train_sample(dir: &Path, name: &str, settings: &str) -> PathBuf {
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, settings).unwrap();
    let model = dir.join(name);
    let out = quotekit(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    model
}

/// The arguments of `quotekit train` on the sample corpus with the config
/// file `config`, into `out` (more flags go after them).
pub fn train_on_sample_args<'a>(config: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "--config",
        config,
        "--train",
        "datasets/sample",
        "--out",
        out,
    ]
}

/// The arguments of `quotekit train-speakers` on the sample corpus and its
/// names, into `out` (more flags go after them).
pub fn train_speakers_on_sample_args(out: &str) -> Vec<&str> {
    vec![
        "train-speakers",
        "--train",
        "datasets/sample",
        "--names",
        "datasets/sample-speakers",
        "--out",
        out,
    ]
}

/// The names of the files and folders in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The `id` of every record of JSONL output, in order.
pub fn record_ids(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            let record: serde_json::Value = serde_json::from_str(l).expect("a JSON record");
            record["id"].as_str().expect("an id").to_string()
        })
        .collect()
}

/// Runs `quotekit convert` from `input` (format `from`) to `output` (format
/// `to`), with `extra` arguments, which must succeed.
pub fn convert(from: &str, to: &str, input: &Path, output: &Path, extra: &[&str]) {
    let out = convert_output(from, to, input, output, extra);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Runs `quotekit convert --from FROM --to TO EXTRA… INPUT OUTPUT`, and
/// returns what it did (for a run that may fail, or warn).
pub fn convert_output(from: &str, to: &str, input: &Path, output: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["convert", "--from", from, "--to", to];
    args.extend_from_slice(extra);
    args.extend([input.to_str().unwrap(), output.to_str().unwrap()]);
    quotekit(&args)
}

/// Runs `quotekit predict` with [`tiny_model`] from `input` to `output`,
/// with `extra` arguments.
pub fn predict(input: &Path, output: &Path, extra: &[&str]) -> Output {
    predict_with(tiny_model(), input, output, extra)
}

/// Runs `quotekit predict` with `model` from `input` to `output`, with
/// `extra` arguments.
pub fn predict_with(model: &Path, input: &Path, output: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    quotekit(&args)
}

/// Sends SIGINT (Ctrl-C) to `child`.
pub fn interrupt(child: &std::process::Child) {
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
}

/// Makes a named pipe at `path`.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}

/// Runs quotekit with `args` from the repository's root, interrupts it
/// (Ctrl-C) once a line of its standard error starts with `line`, and
/// returns its exit code and the lines it printed after that one.
#[cfg(unix)]
pub fn interrupt_after_line(args: &[&str], line: &str) -> (Option<i32>, Vec<String>) {
    use std::io::BufRead;
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(root())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut before = Vec::new();
    let mut seen = false;
    for printed in lines.by_ref() {
        let printed = printed.unwrap();
        seen = printed.starts_with(line);
        if seen {
            break;
        }
        before.push(printed);
    }
    // (The run ended without the line: what it printed says why.)
    if !seen {
        let status = child.wait().unwrap();
        panic!("{line:?} was never printed ({status}): {before:?}");
    }
    interrupt(&child);
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    (child.wait().unwrap().code(), rest)
}

/// Waits until `ready` holds (polling), interrupts `child` and returns what
/// it printed and its exit status.
pub fn interrupt_when(child: std::process::Child, ready: impl Fn() -> bool) -> Output {
    while !ready() {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    interrupt(&child);
    child.wait_with_output().unwrap()
}

/// Runs quotekit with `args` from the repository's root, killed (and the
/// test failed) if it has not ended within a minute: for cases that guard
/// against a hang (a pipe where quotekit reads a file of its own). Its
/// output is read once it has ended (enough for the short messages of
/// such cases).
pub fn within_a_minute(args: &[&str]) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("quotekit {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}
