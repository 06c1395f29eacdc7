//! Bulk inference through the real binary: output order and bytes do not depend
//! on the thread count, bad records become error records, a killed run resumes
//! to exactly the uninterrupted output, and gzip and stdin inputs work.

mod common;

use common::{binary, predict, root, stderr};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A small model trained once on the sample corpus.
fn model() -> &'static Path {
    common::tiny_model()
}

/// `predict` with the small model from `input` to `output`, started and
/// not waited for.
fn spawn_predict(
    input: &Path,
    output: &Path,
    extra: &[&str],
    stderr: Stdio,
) -> std::process::Child {
    Command::new(binary())
        .args(["predict", "--model", model().to_str().unwrap(), "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(extra)
        .current_dir(root())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

/// `copies` of the sample texts as `dir/in.jsonl`, and the records of a
/// plain run over them (`predict` with `extra`) in `dir/NAME`: the input
/// and the output.
fn run_once(dir: &Path, copies: usize, name: &str, extra: &[&str]) -> (PathBuf, PathBuf) {
    let input = dir.join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(copies)).unwrap();
    let output = dir.join(name);
    assert!(predict(&input, &output, extra).status.success());
    (input, output)
}

/// The sample texts repeated `copies` times as JSONL records with unique ids and an extra field.
fn corpus_jsonl(copies: usize) -> String {
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(root().join("datasets/sample"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    entries.sort();
    for p in entries {
        let id = p.file_stem().unwrap().to_string_lossy().into_owned();
        texts.push((id, std::fs::read_to_string(&p).unwrap()));
    }
    let mut out = String::new();
    for copy in 0..copies {
        for (id, text) in &texts {
            let record =
                serde_json::json!({"id": format!("{id}-{copy}"), "text": text, "feed": copy % 3});
            out.push_str(&record.to_string());
            out.push('\n');
        }
    }
    out
}

#[test]
fn output_is_in_input_order_and_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(8)).unwrap();
    let one = dir.path().join("one.jsonl");
    let two = dir.path().join("two.jsonl");
    assert!(predict(&input, &one, &["--threads", "1", "--batch", "7"])
        .status
        .success());
    assert!(predict(&input, &two, &["--threads", "2", "--batch", "16"])
        .status
        .success());
    let a = std::fs::read(&one).unwrap();
    assert_eq!(
        a,
        std::fs::read(&two).unwrap(),
        "1 and 2 threads give the same bytes"
    );
    let ids = common::record_ids(&String::from_utf8(a).unwrap());
    let expected: Vec<String> = common::record_ids(&corpus_jsonl(8));
    assert_eq!(ids, expected);
    let first: serde_json::Value = serde_json::from_str(
        std::str::from_utf8(&std::fs::read(&one).unwrap())
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["feed"], 0, "extra fields pass through");
}

/// `annotate_line`, for JSONL lines held in memory, gives the records
/// `predict` writes for the same lines in a file, on any thread: a byte-order
/// mark dropped, a blank line no record, a bad line an error record naming
/// its line.
#[test]
fn annotate_line_gives_the_records_predict_writes() {
    use quotekit_infer::input::ReadLimits;
    use quotekit_infer::runner::annotate_line;
    use rayon::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    // (A byte-order mark on the first line and on a later one.)
    let text = format!(
        "\u{feff}{}\n\u{feff}{{\"id\": \"bad\", \"text\": 3}}\nnot json\n",
        corpus_jsonl(2).replacen('\n', "\n\n", 1).trim_end()
    );
    std::fs::write(&input, &text).unwrap();
    let out = dir.path().join("out.jsonl");
    let run = predict(&input, &out, &["--threads", "1"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let expected: Vec<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let (annotator, _) = quotekit_model::load_annotator(model()).unwrap();
    let limits = ReadLimits {
        max_chars: 1_000_000,
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let got: Vec<String> = lines
        .par_iter()
        .enumerate()
        .filter_map(|(k, line)| annotate_line(&annotator, k, line.as_bytes(), limits))
        .collect();
    assert_eq!(got, expected);
    assert!(
        got.iter()
            .any(|l| l.contains("\"line 31\"") || l.contains("line 31:")),
        "{got:?}"
    );
    // The record after the later mark is read (its text is no string).
    assert!(
        got.iter()
            .any(|l| l.contains("\"id\":\"bad\"") && l.contains("missing-text")),
        "{got:?}"
    );
}

/// A documents JSONL file tagged again: its spans give way to the counts,
/// and its attributions (which name those spans) go with them; a record
/// that is no document keeps a field of that name.
#[test]
fn a_document_tagged_again_keeps_none_of_its_gold_spans_or_attributions() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("docs.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"d\",\"text\":\"Ann Lee said no.\",\"spans\":[{\"id\":\"T1\",\"role\":\"cue\",\"fragments\":[[8,12]]}],\"attributions\":[{\"id\":\"E1\",\"source\":null,\"cue\":\"T1\",\"content\":[]}]}\n\
         {\"id\":\"r\",\"text\":\"Ann Lee said no.\",\"attributions\":\"mine\"}\n",
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let run = predict(&input, &out, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(records[0].get("attributions").is_none(), "{}", records[0]);
    assert!(records[0]["spans"].is_object(), "{}", records[0]);
    assert_eq!(records[1]["attributions"], "mine");
}

#[test]
fn every_bad_record_becomes_an_error_record_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"{\"id\": \"good\", \"text\": \"Ann Lee said the vote was fair.\"}\n");
    bytes.extend_from_slice(b"{\"id\": \"broken\", \"text\": \n");
    bytes.extend_from_slice(b"{\"id\": \"empty\", \"text\": \"   \"}\n");
    bytes.extend_from_slice(b"{\"id\": \"bytes\", \"text\": \"caf\xe9\"}\n");
    bytes.extend_from_slice(
        format!(
            "{{\"id\": \"long\", \"text\": \"{}\"}}\n",
            "word ".repeat(100)
        )
        .as_bytes(),
    );
    bytes.extend_from_slice(b"{\"id\": \"notext\"}\n");
    bytes.extend_from_slice(b"{\"id\": \"good2\", \"text\": \"\\\"We won,\\\" she said.\"}\n");
    std::fs::write(&input, bytes).unwrap();
    let output = dir.path().join("out.jsonl");
    let out = predict(&input, &output, &["--max-chars", "200"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "failed documents give exit code 2"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("done: 7 documents") && stderr.contains("5 errors"),
        "{stderr}"
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            let kind = r["error"]["kind"].as_str().unwrap_or("ok").to_string();
            (r["id"].as_str().unwrap().to_string(), kind)
        })
        .collect();
    let expect = [
        ("good", "ok"),
        ("line 2", "malformed-json"),
        ("empty", "empty"),
        ("line 4", "not-utf8"),
        ("long", "too-long"),
        ("notext", "missing-text"),
        ("good2", "ok"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(summary, expect);
    assert!(records[1]["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("line 2, column "));

    // A directory of texts: an empty file and a non-UTF-8 file fail, the rest go on.
    let texts = dir.path().join("texts");
    std::fs::create_dir_all(texts.join("sub")).unwrap();
    std::fs::write(texts.join("a.txt"), "Bob said no.").unwrap();
    std::fs::write(texts.join("sub/b.txt"), "").unwrap();
    std::fs::write(texts.join("sub/c.txt"), b"Fine.\nNot \xff\xfe").unwrap();
    let out = predict(&texts, &dir.path().join("t.jsonl"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let text = std::fs::read_to_string(dir.path().join("t.jsonl")).unwrap();
    let kinds: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["error"]["kind"]
                .as_str()
                .unwrap_or("ok")
                .to_string()
        })
        .collect();
    assert_eq!(kinds, vec!["ok", "empty", "not-utf8"]);
    // (The bad byte's line, as every reader names it.)
    assert!(
        text.contains("c.txt:2: not valid UTF-8 (invalid byte at offset 4 of the line)"),
        "{text}"
    );
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_output() {
    let dir = tempfile::tempdir().unwrap();
    let (input, full) = run_once(dir.path(), 150, "full.jsonl", &["--batch", "4"]);
    let total = 14 * 150;
    let expected = std::fs::read(&full).unwrap();

    let resumed = dir.path().join("resumed.jsonl");
    let mut child = Command::new(binary())
        .args([
            "predict",
            "--model",
            model().to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
        ])
        .args([
            "--output",
            resumed.to_str().unwrap(),
            "--batch",
            "4",
            "--threads",
            "1",
        ])
        .current_dir(root())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some, but not all, records are out.
    loop {
        let lines = std::fs::read(&resumed)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        if lines >= 20 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = std::fs::read(&resumed).unwrap();
    let done = partial.iter().filter(|&&c| c == b'\n').count();
    assert!(done < total, "killed part-way ({done} of {total})");
    // Simulate the worst case too: a record cut in the middle.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&resumed)
        .unwrap();
    file.write_all(b"{\"id\": \"half-writ").unwrap();
    drop(file);

    let out = predict(&input, &resumed, &["--resume", "--batch", "4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("({done} skipped as already done)")),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&resumed).unwrap(), expected);
}

/// Ctrl-C stops a run after the batch under way: every record written is
/// whole, the lock is gone, the exit code is 130, the message says how many
/// records and that `--resume` goes on, and it does, to the uninterrupted
/// output.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_run_with_whole_records_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let (input, full) = run_once(dir.path(), 150, "full.jsonl", &["--batch", "4"]);
    let output = dir.path().join("out.jsonl");
    let child = spawn_predict(
        &input,
        &output,
        &["--batch", "4", "--threads", "1"],
        Stdio::piped(),
    );
    let lines = |path: &Path| {
        std::fs::read(path)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0)
    };
    let out = common::interrupt_when(child, || lines(&output) >= 20);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    let written = std::fs::read(&output).unwrap();
    let done = lines(&output);
    assert!(done < 14 * 150, "stopped part-way ({done})");
    assert!(written.ends_with(b"\n"), "whole records only");
    assert!(
        err.contains(&format!("stopped after {done} documents")) && err.contains("--resume"),
        "{err}"
    );
    assert!(!dir.path().join(".out.jsonl.lock").exists());
    let out = predict(&input, &output, &["--resume", "--batch", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&output).unwrap(),
        std::fs::read(&full).unwrap()
    );
}

/// A run waiting on a pipe that gives nothing more ends at the first
/// Ctrl-C, not at the pipe's next record: the records read before it (two,
/// fewer than a batch) are annotated and written whole, gzip's stream ended.
#[cfg(unix)]
#[test]
fn ctrl_c_ends_a_run_waiting_on_its_input() {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe");
    common::mkfifo(&pipe);
    let output = dir.path().join("out.jsonl.gz");
    let mut child = spawn_predict(&pipe, &output, &[], Stdio::piped());
    // (Never for ever: every wait has a deadline, and the pipe's end, at
    // the latest, ends the run.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let in_time = || std::time::Instant::now() < deadline;
    // The pipe opened once predict reads it; two records, and nothing more.
    let mut writer = loop {
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&pipe);
        match opened {
            Ok(w) => break w,
            Err(_) if in_time() => std::thread::sleep(std::time::Duration::from_millis(10)),
            Err(e) => panic!("predict never opened its input: {e}"),
        }
    };
    let corpus = corpus_jsonl(1);
    let two: String = corpus.lines().take(2).map(|l| format!("{l}\n")).collect();
    writer.write_all(two.as_bytes()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    common::interrupt(&child);
    while child.try_wait().unwrap().is_none() && in_time() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(writer);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, &corpus).unwrap();
    let full = dir.path().join("full.jsonl");
    assert!(predict(&input, &full, &[]).status.success());
    let first: String = std::fs::read_to_string(&full)
        .unwrap()
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    let mut written = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&output).unwrap()),
        &mut written,
    )
    .unwrap();
    assert_eq!(written, first);
}

/// A run stopped while its model loaded leaves its output as it was: an
/// output that a run without `--resume` would replace, a brat folder's too.
/// (One stopped while it waits for its input: see
/// `ctrl_c_ends_a_run_whose_pipe_has_no_writer`.)
#[test]
fn a_run_stopped_before_its_first_record_leaves_its_output() {
    use quotekit_infer::output::{OutputFormat, OutputTarget};
    use quotekit_infer::runner::{run, RunOptions};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(1)).unwrap();
    let (annotator, _) = quotekit_model::load_annotator(model()).unwrap();
    for (format, name) in [
        (OutputFormat::Jsonl, "out.jsonl"),
        (OutputFormat::Brat, "brat"),
    ] {
        let out = dir.path().join(name);
        let keep = out.join("notes.txt");
        if format == OutputFormat::Brat {
            std::fs::create_dir(&out).unwrap();
            std::fs::write(&keep, "earlier\n").unwrap();
        } else {
            std::fs::write(&out, "{\"id\":\"a\",\"quotes\":[]}\n").unwrap();
        }
        let before = std::fs::read(if format == OutputFormat::Brat {
            &keep
        } else {
            &out
        })
        .unwrap();
        let options = RunOptions {
            format,
            ..RunOptions::default()
        };
        options.interrupt.set();
        let stopped = run(
            &annotator,
            &quotekit_infer::input::Input::Jsonl(input.clone()),
            &OutputTarget::Path(out.clone()),
            &options,
            &mut quotekit_infer::progress::Silent,
        );
        let err = stopped.unwrap_err().to_string();
        assert!(err.starts_with("stopped after 0 documents"), "{err}");
        let after = std::fs::read(if format == OutputFormat::Brat {
            &keep
        } else {
            &out
        })
        .unwrap();
        assert_eq!(before, after, "{name}");
    }
}

/// A hangup that the run was started to ignore (`nohup`) does not stop
/// it (it stopped it, as a hangup of a run that does not ignore it does).
#[cfg(unix)]
#[test]
fn a_run_under_nohup_outlives_a_hangup() {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe");
    common::mkfifo(&pipe);
    let output = dir.path().join("out.jsonl");
    let mut child = Command::new("nohup")
        .arg(binary())
        .args(["predict", "--model", model().to_str().unwrap(), "--input"])
        .arg(&pipe)
        .arg("--output")
        .arg(&output)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // (Its input opened: past setting up its signals.)
    let mut writer = loop {
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&pipe);
        match opened {
            Ok(w) => break w,
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            Err(e) => panic!("predict never opened its input: {e}"),
        }
    };
    let hangup = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(hangup.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the hangup stopped it");
    let corpus = corpus_jsonl(1);
    let two: String = corpus.lines().take(2).map(|l| format!("{l}\n")).collect();
    writer.write_all(two.as_bytes()).unwrap();
    drop(writer);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&output).unwrap().lines().count(), 2);
}

/// A named pipe that no writer has opened yet holds no run past Ctrl-C:
/// the run ends at the first one, having read nothing.
#[cfg(unix)]
#[test]
fn ctrl_c_ends_a_run_whose_pipe_has_no_writer() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe");
    common::mkfifo(&pipe);
    // (An earlier run's output, which a run stopped before its first record
    // leaves as it was: it was emptied.)
    let output = dir.path().join("out.jsonl");
    let earlier = "{\"id\":\"a\",\"quotes\":[]}\n";
    std::fs::write(&output, earlier).unwrap();
    let mut child = spawn_predict(&pipe, &output, &[], Stdio::piped());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let in_time = || std::time::Instant::now() < deadline;
    // (Its lock beside the output: the run is past its checks, at its
    // input.)
    while std::fs::read_dir(dir.path()).unwrap().count() < 3 && in_time() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    common::interrupt(&child);
    while child.try_wait().unwrap().is_none() && in_time() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let ended = child.try_wait().unwrap().is_some();
    if !ended {
        child.kill().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(ended, "Ctrl-C did not end the run: {}", stderr(&out));
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), earlier);
}

#[test]
fn records_carrying_what_no_float_holds_or_deep_nesting_resume() {
    // predict passes such keys through as written; a resumed run must read
    // its own records back.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    std::fs::write(
        &input,
        format!(
            "{{\"id\":\"a\",\"text\":\"Ann said so.\"}}\n\
             {{\"id\":\"b\",\"text\":\"Bob said no.\",\"score\":1e999,\"deep\":{deep}}}\n\
             {{\"id\":\"c\",\"text\":\"Cy said yes.\"}}\n"
        ),
    )
    .unwrap();
    let full = dir.path().join("full.jsonl");
    assert!(predict(&input, &full, &[]).status.success());
    let expected = std::fs::read_to_string(&full).unwrap();
    assert!(expected.contains("1e999"), "{expected}");
    let resumed = dir.path().join("resumed.jsonl");
    let first_two: String = expected.split_inclusive('\n').take(2).collect();
    std::fs::write(&resumed, first_two).unwrap();
    let out = predict(&input, &resumed, &["--resume"]);
    common::succeeded_saying(&out, "(2 skipped as already done)");
    assert_eq!(std::fs::read_to_string(&resumed).unwrap(), expected);
    // A blank line added by hand is no record.
    let first: String = expected.split_inclusive('\n').take(1).collect();
    std::fs::write(&resumed, format!("{first}\n")).unwrap();
    let out = predict(&input, &resumed, &["--resume"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records: Vec<String> = std::fs::read_to_string(&resumed)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(
        records,
        expected.lines().map(String::from).collect::<Vec<_>>()
    );
}

/// An output named `.gz` is gzip, and every command that reads records
/// reads it; a run to it cannot be resumed, and says so.
#[test]
fn a_gzip_output_holds_the_same_records_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(1)).unwrap();
    let plain = dir.path().join("out.jsonl");
    let gz = dir.path().join("out.jsonl.gz");
    assert!(predict(&input, &plain, &[]).status.success());
    let out = predict(&input, &gz, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&gz).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unzipped)
        .unwrap();
    assert_eq!(unzipped, std::fs::read(&plain).unwrap());
    let stats = |path: &Path| {
        let out = common::quotekit(&["stats", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        common::stdout(&out)
    };
    assert_eq!(stats(&gz), stats(&plain));
    let out = predict(&input, &gz, &["--resume"]);
    common::refused(&out, "out.jsonl.gz is written through gzip");
    assert_eq!(std::fs::read(&gz).unwrap(), bytes, "left as it was");
    // (One not begun yet too: the run after a kill would be refused.)
    let fresh = dir.path().join("fresh.jsonl.gz");
    let out = predict(&input, &fresh, &["--resume"]);
    common::refused(&out, "fresh.jsonl.gz is written through gzip");
    assert!(!fresh.exists());
    // A plain file named `.gz` is said to be no gzip.
    let fake = dir.path().join("fake.jsonl.gz");
    std::fs::copy(&plain, &fake).unwrap();
    let out = common::quotekit(&["stats", fake.to_str().unwrap()]);
    common::refused(&out, "fake.jsonl.gz: not gzip, though its name ends in .gz");
}

/// Records written into a named pipe reach the reader at its other end
/// (the output's checks do not open it, which would wait for a writer).
#[cfg(unix)]
#[test]
fn a_named_pipe_output_is_written_to() {
    let dir = tempfile::tempdir().unwrap();
    let (input, file) = run_once(dir.path(), 1, "out.jsonl", &[]);
    let pipe = dir.path().join("pipe");
    common::mkfifo(&pipe);
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::read(pipe).unwrap())
    };
    let mut child = spawn_predict(&input, &pipe, &[], Stdio::null());
    // (Never for ever: a run that waits is killed, and the test fails.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            std::fs::write(&pipe, b"").ok();
            panic!("predict into a named pipe did not finish");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success());
    assert_eq!(reader.join().unwrap(), std::fs::read(&file).unwrap());
}

/// `/dev/stdout` and `/dev/fd/1` are standard output, as `-`: a file the
/// shell appends to (`>>`) keeps what it held, with the records after it
/// (`predict`, `convert`), no run manifest is left beside it, and
/// `--resume` is refused with it as with `-`.
#[cfg(target_os = "linux")]
#[test]
fn dev_stdout_is_standard_output_and_a_file_appended_to_keeps_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (input, file) = run_once(dir.path(), 1, "out.jsonl", &[]);
    let records = std::fs::read_to_string(&file).unwrap();
    let converted = dir.path().join("docs.jsonl");
    common::convert(
        "brat",
        "jsonl",
        &root().join("datasets/sample"),
        &converted,
        &[],
    );
    let documents = std::fs::read_to_string(&converted).unwrap();
    // `quotekit ARGS` with its standard output appended to `file` (as a
    // shell's `>>` opens it).
    let appending = |args: &[&str], file: &Path| {
        let appended = std::fs::OpenOptions::new().append(true).open(file).unwrap();
        Command::new(binary())
            .args(args)
            .current_dir(root())
            .stdout(appended)
            .output()
            .unwrap()
    };
    let predict_into = |name: &'static str| {
        let model = model().to_str().unwrap();
        let input = input.to_str().unwrap();
        vec![
            "predict", "--model", model, "--input", input, "--output", name,
        ]
    };
    for name in ["/dev/stdout", "/dev/fd/1"] {
        let kept = dir.path().join("kept.txt");
        std::fs::write(&kept, "PRECIOUS LINE\n").unwrap();
        let out = appending(&predict_into(name), &kept);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(&kept).unwrap(),
            format!("PRECIOUS LINE\n{records}"),
            "{name}"
        );
        let convert = [
            "convert",
            "--from",
            "brat",
            "--to",
            "jsonl",
            "datasets/sample",
            name,
        ];
        let out = appending(&convert, &kept);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(&kept).unwrap(),
            format!("PRECIOUS LINE\n{records}{documents}"),
            "{name}"
        );
        let manifests: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".kept"))
            .collect();
        assert!(manifests.is_empty(), "{manifests:?}");
        let out = predict(&input, Path::new(name), &["--resume"]);
        common::exited_saying(&out, 64, "--resume needs an output file or directory");
    }
    // Standard output appended to the input itself is refused: the records
    // would be read back as input, and written again, without end.
    let before = std::fs::read(&input).unwrap();
    for name in ["-", "/dev/stdout"] {
        let out = appending(&predict_into(name), &input);
        common::exited_saying(&out, 1, "the output would overwrite the input");
        assert_eq!(std::fs::read(&input).unwrap(), before, "{name}");
    }
    // So are `convert` and `eval --json` onto their corpora.
    let (documents_before, gold) = (documents.as_bytes(), converted.to_str().unwrap());
    let convert = ["convert", "--from", "jsonl", "--to", "jsonl", gold, "-"];
    let eval = [
        "eval",
        "--gold",
        gold,
        "--pred",
        gold,
        "--json",
        "/dev/stdout",
    ];
    for args in [&convert[..], &eval[..]] {
        let out = appending(args, &converted);
        common::exited_saying(&out, 1, "standard output goes to");
        assert_eq!(
            std::fs::read(&converted).unwrap(),
            documents_before,
            "{args:?}"
        );
    }
}

/// A folder of texts compressed one by one (`.txt.gz`) gives the records
/// of the same folder plain, and so does one such text alone.
#[test]
fn gzip_texts_give_the_records_of_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, zipped) = (dir.path().join("plain"), dir.path().join("zipped"));
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::create_dir_all(&zipped).unwrap();
    let sample = root().join("datasets/sample");
    let mut texts: Vec<PathBuf> = std::fs::read_dir(&sample)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    texts.sort();
    for p in &texts {
        let name = p.file_name().unwrap().to_str().unwrap();
        std::fs::copy(p, plain.join(name)).unwrap();
        std::fs::write(
            zipped.join(format!("{name}.gz")),
            common::gzip(&std::fs::read(p).unwrap()),
        )
        .unwrap();
    }
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    assert!(predict(&plain, &a, &[]).status.success());
    let out = predict(&zipped, &b, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = std::fs::read_to_string(&a).unwrap();
    assert_eq!(expected.lines().count(), texts.len());
    assert_eq!(expected, std::fs::read_to_string(&b).unwrap());
    // One alone: the first record, its id without `.txt.gz`.
    let name = texts[0].file_name().unwrap().to_str().unwrap();
    let out = predict(&zipped.join(format!("{name}.gz")), &b, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = expected.lines().next().unwrap();
    assert_eq!(std::fs::read_to_string(&b).unwrap(), format!("{first}\n"));
}

#[test]
fn gzip_and_stdin_inputs_give_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_jsonl(2);
    let plain = dir.path().join("in.jsonl");
    std::fs::write(&plain, &corpus).unwrap();
    // (`.gz` in any case, as `.txt` is.)
    let gz = dir.path().join("in.jsonl.GZ");
    std::fs::write(&gz, common::gzip(corpus.as_bytes())).unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    assert!(predict(&plain, &a, &[]).status.success());
    assert!(predict(&gz, &b, &[]).status.success());
    let expected = std::fs::read(&a).unwrap();
    assert_eq!(expected, std::fs::read(&b).unwrap());

    let filter = |input: &str, fed: Vec<u8>| {
        let mut child = Command::new(binary())
            .args([
                "predict",
                "--model",
                model().to_str().unwrap(),
                "--input",
                input,
                "--output",
                "-",
            ])
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feed = std::thread::spawn(move || stdin.write_all(&fed).unwrap());
        let out = child.wait_with_output().unwrap();
        feed.join().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        out.stdout
    };
    assert_eq!(
        filter("-", corpus.clone().into_bytes()),
        expected,
        "stdin → stdout filter gives the same records"
    );
    // Gzip piped in (`cat in.jsonl.gz | quotekit predict --input -`, or
    // `--input /dev/stdin`) is told by its first bytes, a pipe having no
    // name.
    #[cfg(unix)]
    let piped_names = ["-", "/dev/stdin"];
    #[cfg(not(unix))]
    let piped_names = ["-"];
    for input in piped_names {
        assert_eq!(
            filter(input, std::fs::read(&gz).unwrap()),
            expected,
            "gzip on {input} gives the same records"
        );
    }
    // Likewise a gzip file redirected to standard input (`--input
    // /dev/stdin < in.jsonl.GZ`): the name the system gives it tells
    // nothing.
    #[cfg(unix)]
    {
        let out = Command::new(binary())
            .args(["predict", "--model", model().to_str().unwrap()])
            .args(["--input", "/dev/stdin", "--output", "-"])
            .current_dir(root())
            .stdin(std::fs::File::open(&gz).unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(out.stdout, expected);
    }
    // Standard input reading the output file is refused, the file kept
    // (it was emptied before it was read: every document lost).
    #[cfg(unix)]
    for output in [plain.to_str().unwrap(), "/dev/stdin"] {
        let out = Command::new(binary())
            .args(["predict", "--model", model().to_str().unwrap()])
            .args(["--input", "-", "--output", output])
            .current_dir(root())
            .stdin(std::fs::File::open(&plain).unwrap())
            .output()
            .unwrap();
        common::refused(&out, "is the file standard input reads");
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), corpus);
    }
    // A pipe it reads, named as the output, is refused too: the run wrote
    // into its own input and waited on it for ever.
    #[cfg(unix)]
    {
        let mut child = Command::new(binary())
            .args(["predict", "--model", model().to_str().unwrap()])
            .args(["--input", "-", "--output", "/dev/stdin"])
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // (A refusal may close the pipe before all is written.)
        let _ = stdin.write_all(corpus.as_bytes());
        drop(stdin);
        // (Not refused, it would wait for ever: it is stopped.)
        let waited = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if waited.elapsed() > std::time::Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("predict --output /dev/stdin on a pipe still runs after 60 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        common::refused(&out, "is the file standard input reads");
    }
}

#[test]
fn unusable_inputs_and_outputs_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(1)).unwrap();
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let missing = dir.path().join("nowhere.jsonl");
    let out = predict(&missing, &dir.path().join("o.jsonl"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nowhere.jsonl: no such file or folder"),
        "{}",
        stderr(&out)
    );

    // A folder of no texts is said to be one.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = predict(&empty, &dir.path().join("none.jsonl"), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("empty holds no .txt or .txt.gz file"),
        "{}",
        stderr(&out)
    );
    // So is a JSONL file of no records (an empty export).
    let nothing = dir.path().join("nothing.jsonl");
    std::fs::write(&nothing, "").unwrap();
    let out = predict(&nothing, &dir.path().join("none2.jsonl"), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("nothing.jsonl holds no record: nothing was annotated"),
        "{}",
        stderr(&out)
    );

    let out = predict(&input, Path::new("-"), &["--format", "brat"]);
    assert!(
        stderr(&out).contains("brat output needs a directory, not standard output"),
        "{}",
        stderr(&out)
    );
    let out = predict(&input, Path::new("-"), &["--resume"]);
    assert!(
        stderr(&out).contains("--resume needs an output file or directory"),
        "{}",
        stderr(&out)
    );

    // Resuming into a file that is not quotekit output.
    let foreign = dir.path().join("foreign.jsonl");
    std::fs::write(&foreign, "hello world\n").unwrap();
    let out = predict(&input, &foreign, &["--resume"]);
    let msg = stderr(&out);
    assert!(
        msg.contains("foreign.jsonl: cannot resume: line 1 is not a quotekit record"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(&foreign).unwrap(),
        "hello world\n",
        "left untouched"
    );

    // brat output: documents as files, errors in errors.jsonl; resume skips both.
    let brat = dir.path().join("brat");
    std::fs::write(
        &input,
        "{\"id\": \"a\", \"text\": \"Ann said no.\"}\n{\"id\": \"b\", \"text\": \"\"}\n",
    )
    .unwrap();
    let out = predict(&input, &brat, &["--format", "brat"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(brat.join("a.txt").is_file() && brat.join("a.ann").is_file());
    assert!(std::fs::read_to_string(brat.join("errors.jsonl"))
        .unwrap()
        .contains("\"id\":\"b\""));
    let out = predict(&input, &brat, &["--format", "brat", "--resume"]);
    assert!(
        stderr(&out)
            .contains("done: 0 documents (2 skipped as already done, 1 of them error records)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(2), "as the run before");
    // A document whose text was removed by hand is no document: resumed, it
    // is written again, and the folder reads as a corpus (probe 63).
    let ann = std::fs::read(brat.join("a.ann")).unwrap();
    std::fs::remove_file(brat.join("a.txt")).unwrap();
    let out = predict(&input, &brat, &["--format", "brat", "--resume"]);
    assert!(
        stderr(&out)
            .contains("done: 1 documents (1 skipped as already done, 1 of them error records)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(brat.join("a.txt")).unwrap(),
        "Ann said no."
    );
    assert_eq!(std::fs::read(brat.join("a.ann")).unwrap(), ann);
    // Read back as a corpus, the folder's failed document is counted, not lost.
    let out = common::quotekit(&["stats", brat.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let stats: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(stats["error_records"], 1, "{stats}");
    assert_eq!(stats["stats"]["documents"], 1, "{stats}");
    let out = common::quotekit(&["stats", brat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        common::stdout(&out).contains("error records                    1"),
        "{}",
        common::stdout(&out)
    );
    // (This folder names no speakers, so --csv is refused after the warning.)
    let out = common::quotekit(&["stats", brat.to_str().unwrap(), "--csv"]);
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("errors.jsonl: 1 document(s) that predict could not annotate (its error records) are not counted"),
        "{}",
        stderr(&out)
    );
    let jsonl = dir.path().join("converted.jsonl");
    let out = common::convert_output("brat", "jsonl", &brat, &jsonl, &[]);
    common::exited_saying(
        &out,
        2,
        "errors.jsonl: 1 document(s) that predict could not annotate",
    );
    assert_eq!(
        common::record_ids(&std::fs::read_to_string(&jsonl).unwrap()),
        ["a"]
    );
}

/// Resuming into an output of the other JSONL format is refused, naming the
/// file and the format to resume with, and leaves the output as it was.
#[test]
fn a_resume_in_another_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(1)).unwrap();
    for (first, second) in [("documents", "jsonl"), ("jsonl", "documents")] {
        let out = dir.path().join(format!("{first}.jsonl"));
        assert!(predict(&input, &out, &["--format", first]).status.success());
        let before = std::fs::read(&out).unwrap();
        let resumed = predict(&input, &out, &["--resume", "--format", second]);
        let err = common::refused(&resumed, &format!("resume with --format {first}"));
        assert!(err.contains(&format!("{first}.jsonl")), "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), before);
        let same = predict(&input, &out, &["--resume", "--format", first]);
        assert!(same.status.success(), "{}", common::stderr(&same));
        assert_eq!(std::fs::read(&out).unwrap(), before, "all done already");
    }
    // A copy of the input at the output path is no output of a run: it was
    // read as every document done, and nothing was annotated.
    let copy = dir.path().join("copy.jsonl");
    std::fs::copy(&input, &copy).unwrap();
    for format in ["jsonl", "documents"] {
        let resumed = predict(&input, &copy, &["--resume", "--format", format]);
        let err = common::refused(&resumed, "is it the input?");
        assert!(
            err.contains("copy.jsonl") && err.contains("line 1"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            std::fs::read(&input).unwrap()
        );
    }
}

/// `--resume` goes on only with the model, options and input that wrote
/// the output (a copy of the model is the model): resumed with another, an
/// output would hold two runs' records.
#[test]
fn a_resume_by_another_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(1)).unwrap();
    let out = dir.path().join("out.jsonl");
    assert!(predict(&input, &out, &[]).status.success());
    assert!(dir.path().join(".out.jsonl.run.json").is_file());
    let expected = std::fs::read_to_string(&out).unwrap();
    let killed: String = expected.lines().take(5).map(|l| format!("{l}\n")).collect();
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir(model()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
        }
    }
    let resume = |model: &Path, extra: &[&str]| {
        std::fs::write(&out, &killed).unwrap();
        let mut args = vec!["--resume"];
        args.extend_from_slice(extra);
        common::predict_with(model, &input, &out, &args)
    };
    let o = resume(model(), &["--no-speakers"]);
    let err = common::refused(&o, "other options (`no-speakers=false");
    // (The same model: only the option is said to differ.)
    assert!(!err.contains("another model"), "{err}");
    // A copy of the model is the model, its tagger compared without the
    // resolver that a run without speakers does not read.
    let o = resume(&copy, &["--no-speakers"]);
    let err = common::refused(&o, "other options (`no-speakers=false");
    assert!(!err.contains("another model"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), killed);
    let o = resume(model(), &["--outside-penalty", "3"]);
    common::refused(&o, "outside-penalty=3");
    // `-0` is the model's own `0`: the same run.
    let o = resume(model(), &["--outside-penalty", "-0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
    // The same model copied, on other threads and batches, or named by its
    // weights file: the same records.
    let o = resume(&copy, &["--threads", "1", "--batch", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
    let o = resume(&model().join("model.safetensors"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
    // Another resolver in the copy makes another model.
    let mut args = common::train_speakers_on_sample_args(copy.to_str().unwrap());
    args.extend(["--epochs", "1"]);
    let o = common::quotekit(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = resume(&copy, &[]);
    let err = common::refused(&o, "another model (");
    assert!(err.contains("run without --resume to replace it"), "{err}");
    // Another input of the same ids and size (texts changed).
    let edited = corpus_jsonl(1).replace("said", "says");
    std::fs::write(&input, edited).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    let file = std::fs::File::options().write(true).open(&input).unwrap();
    file.set_modified(later).unwrap();
    common::refused(&resume(model(), &[]), "an input changed since");
    // An output deleted (its manifest left) is begun again by any run.
    std::fs::remove_file(&out).unwrap();
    let o = common::predict_with(model(), &input, &out, &["--resume", "--no-speakers"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // So is one holding only a cut first record (a kill while it was
    // written): no record yet (it was refused as another run's).
    std::fs::write(&out, &expected[..40]).unwrap();
    let o = common::predict_with(model(), &input, &out, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let whole = dir.path().join("whole.jsonl");
    assert!(predict(&input, &whole, &[]).status.success());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(&whole).unwrap()
    );
}

/// A device or pipe as the output keeps nothing to go on from: `--resume`
/// is refused (it wrote every record again into the reader).
#[cfg(unix)]
#[test]
fn a_device_output_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(1)).unwrap();
    let o = predict(&input, Path::new("/dev/null"), &["--resume"]);
    let err = common::refused(&o, "/dev/null is a device or pipe");
    assert!(
        err.contains("write a run that may be resumed to a file"),
        "{err}"
    );
}

/// `--outside-penalty` takes negative numbers as written (`-1`, not only
/// `=-1`): a penalty below zero favours no span, so fewer quotes.
#[test]
fn a_negative_outside_penalty_is_taken_as_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, corpus_jsonl(1)).unwrap();
    let quotes = |extra: &[&str], name: &str| {
        let out = dir.path().join(name);
        let run = predict(&input, &out, extra);
        assert!(run.status.success(), "{}", common::stderr(&run));
        std::fs::read_to_string(out)
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["quotes"].as_array().map_or(0, Vec::len)
            })
            .sum::<usize>()
    };
    let plain = quotes(&[], "plain.jsonl");
    let negative = quotes(&["--outside-penalty", "-2"], "negative.jsonl");
    assert!(plain > 0 && negative < plain, "{negative} against {plain}");
}

/// A brat output folder's own files that are links (`errors.jsonl`,
/// `ids.tsv`) are replaced, never written through.
#[cfg(unix)]
#[test]
fn brat_output_replaces_links_it_finds() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"a/b\", \"text\": \"Ann said no.\"}\n{\"id\": \"e\", \"text\": \"\"}\n",
    )
    .unwrap();
    let brat = dir.path().join("brat");
    std::fs::create_dir(&brat).unwrap();
    let victims: Vec<PathBuf> = ["v1.txt", "v2.txt"]
        .iter()
        .map(|v| dir.path().join(v))
        .collect();
    for (victim, name) in victims.iter().zip(["errors.jsonl", "ids.tsv"]) {
        std::fs::write(victim, "precious").unwrap();
        std::os::unix::fs::symlink(victim, brat.join(name)).unwrap();
    }
    let out = predict(&input, &brat, &["--format", "brat"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    for victim in &victims {
        assert_eq!(std::fs::read_to_string(victim).unwrap(), "precious");
    }
    assert!(std::fs::read_to_string(brat.join("errors.jsonl"))
        .unwrap()
        .contains("\"id\":\"e\""));
    assert!(std::fs::read_to_string(brat.join("ids.tsv"))
        .unwrap()
        .contains("\ta/b"));
}

/// A brat run without `--resume` into a folder that holds documents is
/// refused, and nothing in it is touched: they stayed among the run's own
/// (and a later `--resume` took them for done), and they may be a corpus or
/// predictions corrected by hand. Emptied of them, the folder is begun
/// anew, its ids file too.
#[test]
fn a_brat_run_is_refused_a_folder_of_documents() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.jsonl");
    std::fs::write(
        &first,
        "{\"id\": \"a\", \"text\": \"Ann said no.\"}\n{\"id\": \"b/c\", \"text\": \"Bo said yes.\"}\n",
    )
    .unwrap();
    let second = dir.path().join("second.jsonl");
    std::fs::write(&second, "{\"id\": \"d\", \"text\": \"Di said so.\"}\n").unwrap();
    let brat = dir.path().join("brat");
    // (Its own files, not quotekit's hidden ones.)
    let names = |dir: &Path| {
        let mut names = common::file_names(dir);
        names.retain(|n| !n.starts_with('.'));
        names
    };
    let out = predict(&first, &brat, &["--format", "brat"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(brat.join("notes.txt"), "mine").unwrap();
    let held = names(&brat);
    let o = predict(&second, &brat, &["--format", "brat"]);
    let err = common::refused(&o, "holds 2 brat documents (a.ann, …)");
    assert!(
        err.contains("--resume goes on with the run that wrote them"),
        "{err}"
    );
    assert_eq!(names(&brat), held);
    // Resumed by another run, it says how to begin the folder anew.
    let o = predict(
        &first,
        &brat,
        &["--format", "brat", "--resume", "--no-speakers"],
    );
    let err = common::refused(&o, "another run wrote it");
    assert!(
        err.contains("remove its documents with their .txt files (or give a new folder)"),
        "{err}"
    );
    assert_eq!(names(&brat), held);
    // Emptied of its documents, the folder is begun anew: one header in
    // its ids file, whatever runs wrote it before.
    let documents = |dir: &Path| {
        for name in names(dir) {
            if name.ends_with(".ann") {
                std::fs::remove_file(dir.join(&name)).unwrap();
                std::fs::remove_file(dir.join(name.replace(".ann", ".txt"))).unwrap();
            }
        }
    };
    documents(&brat);
    for _ in 0..2 {
        let o = predict(&first, &brat, &["--format", "brat"]);
        assert!(o.status.success(), "{}", stderr(&o));
        documents(&brat);
    }
    let ids = std::fs::read_to_string(brat.join("ids.tsv")).unwrap();
    assert_eq!(ids.lines().count(), 2, "{ids}");
    assert_eq!(
        std::fs::read_to_string(brat.join("notes.txt")).unwrap(),
        "mine"
    );
    // A corpus (documents, no run's manifest) is refused, and a file of its
    // own named like the ids file is not removed.
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("gold.ann"), "T1\tSource 0 3\tAnn\n").unwrap();
    std::fs::write(corpus.join("gold.txt"), "Ann said no.").unwrap();
    std::fs::write(corpus.join("ids.tsv"), "gold\tits own\n").unwrap();
    let held = names(&corpus);
    let o = predict(&second, &corpus, &["--format", "brat"]);
    common::refused(&o, "no run of this version wrote them (is it a corpus?)");
    assert_eq!(names(&corpus), held);
    // Emptied of its documents, it is still refused: its ids file, without
    // quotekit's header, is neither removed nor added to (the lines of both
    // would be read as one list).
    std::fs::remove_file(corpus.join("gold.ann")).unwrap();
    std::fs::remove_file(corpus.join("gold.txt")).unwrap();
    let o = predict(&second, &corpus, &["--format", "brat"]);
    common::refused(
        &o,
        "ids.tsv: a list of renamed documents without the header quotekit writes",
    );
    assert_eq!(
        std::fs::read_to_string(corpus.join("ids.tsv")).unwrap(),
        "gold\tits own\n"
    );
    std::fs::remove_file(corpus.join("ids.tsv")).unwrap();
    let o = predict(&second, &corpus, &["--format", "brat"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A text file that opens with a byte-order mark is tagged as the same
/// text without it, each offset one further on (brat's offsets count the
/// mark): the mark is in no quote.
#[test]
fn a_byte_order_mark_opening_a_text_file_is_in_no_quote() {
    let dir = tempfile::tempdir().unwrap();
    let text = "“We will rebuild the bridge,” Mayor Ana Ruiz said on Monday.\n";
    let (plain, marked) = (dir.path().join("plain.txt"), dir.path().join("marked.txt"));
    std::fs::write(&plain, text).unwrap();
    std::fs::write(&marked, format!("\u{feff}{text}")).unwrap();
    let quotes = |input: &Path| -> serde_json::Value {
        let out = dir.path().join("out.jsonl");
        let run = predict(input, &out, &[]);
        assert!(run.status.success(), "{}", stderr(&run));
        let line = std::fs::read_to_string(&out).unwrap();
        serde_json::from_str::<serde_json::Value>(&line).unwrap()["quotes"].clone()
    };
    let (a, mut b) = (quotes(&plain), quotes(&marked));
    assert!(!a.as_array().unwrap().is_empty(), "{a}");
    // (Every span, its confidence too, as in the text without the mark.)
    let back = |span: &mut serde_json::Value| {
        if !span.is_null() {
            for key in ["start", "end"] {
                span[key] = (span[key].as_u64().unwrap() - 1).into();
            }
        }
    };
    for quote in b.as_array_mut().unwrap() {
        back(&mut quote["cue"]);
        back(&mut quote["speaker"]);
        quote["content"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .for_each(back);
    }
    assert_eq!(a, b);
}
