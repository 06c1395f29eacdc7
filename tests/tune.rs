//! End-to-end tests of `quotekit tune` on the embedded sample corpus (scored
//! on itself: these tests check the search, not the accuracy).

mod common;

use common::{binary, quotekit, refused, root, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes a search space over configs/crf.toml into `dir`.
fn space(dir: &Path, body: &str) -> PathBuf {
    named_space(dir, "space.toml", body)
}

/// Writes a search space over configs/crf.toml as `dir/name`.
fn named_space(dir: &Path, name: &str, body: &str) -> PathBuf {
    let base = root().join("configs/crf.toml");
    let text = format!("base = {:?}\nseed = 3\n{body}\n", base.to_str().unwrap());
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const RANDOM: &str = "method = \"random\"\ntrials = 4\n[space]\n\
    \"training.c2\" = { min = 0.5, max = 8.0, log = true }\n\
    \"features.window\" = { values = [1, 2] }\n\
    \"data.scheme\" = { values = [\"bio\", \"bilou\"] }\n";

fn tune(space: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "tune",
        "--space",
        space.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--dev",
        "datasets/sample",
        "--threads",
        "1",
    ];
    args.extend_from_slice(extra);
    quotekit(&args)
}

/// Each trial's record without its wall time.
fn records(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("trials.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("seconds");
            v
        })
        .collect()
}

#[test]
fn a_search_keeps_the_best_config_and_its_model() {
    let dir = tempfile::tempdir().unwrap();
    let space = space(dir.path(), RANDOM);
    let out = dir.path().join("out");
    let o = tune(&space, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // (Dev is the training corpus here: warned of once, not per trial.)
    let said = stderr(&o);
    assert_eq!(said.matches("training documents too").count(), 1, "{said}");
    let records = records(&out);
    assert_eq!(records.len(), 4);
    assert_eq!(
        records[0]["params"],
        serde_json::json!({}),
        "trial 1 is the base config"
    );
    // The best trial is the one with the highest dev exact F1, first on ties.
    let exact = |r: &serde_json::Value| r["scores"]["exact"].as_f64().unwrap();
    let best = records
        .iter()
        .fold(&records[0], |b, r| if exact(r) > exact(b) { r } else { b });
    let table = std::fs::read_to_string(out.join("trials.tsv")).unwrap();
    assert_eq!(table.lines().count(), 5, "{table}");
    assert!(
        table.lines().next().unwrap().contains("training.c2"),
        "{table}"
    );
    // Every column has a name of its own (the metric's is `score:METRIC`).
    let header: Vec<&str> = table.lines().next().unwrap().split('\t').collect();
    let names: std::collections::HashSet<&&str> = header.iter().collect();
    assert_eq!(names.len(), header.len(), "{header:?}");
    assert!(stdout(&o).contains("base config"), "{}", stdout(&o));
    // best.toml trains the very model the search kept.
    let config = std::fs::read_to_string(out.join("best.toml")).unwrap();
    assert!(
        config.contains(&format!("trial {}", best["trial"])),
        "{config}"
    );
    // It keeps the search's thread count, which model files leave out.
    let parsed: toml::Table = toml::from_str(&config).unwrap();
    assert_eq!(
        parsed["training"]["threads"].as_integer(),
        Some(1),
        "{config}"
    );
    let retrained = dir.path().join("retrained");
    let o = quotekit(&[
        "train",
        "--config",
        out.join("best.toml").to_str().unwrap(),
        "--out",
        retrained.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let eval = |p: PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let kept = eval(out.join("best/dev-eval.json"));
    assert_eq!(kept, eval(retrained.join("dev-eval.json")));
    let kept_f1 = kept["exact"]["micro"]["f1"].as_f64().unwrap();
    assert!((kept_f1 - exact(best)).abs() < 1e-12);

    // A best model deleted by hand is trained again on resume, as is one
    // another run wrote there.
    let trial_of = |dir: &Path| {
        let marker = std::fs::read_to_string(dir.join("trial")).unwrap();
        marker.lines().next().unwrap().to_string()
    };
    let weights = std::fs::read(out.join("best/model.safetensors")).unwrap();
    std::fs::remove_dir_all(out.join("best")).unwrap();
    let o = tune(&space, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(trial_of(&out.join("best")), best["trial"].to_string());
    assert_eq!(eval(out.join("best/dev-eval.json")), kept);
    let foreign = dir.path().join("foreign.toml");
    std::fs::write(
        &foreign,
        "[data]\ntrain = \"datasets/sample\"\n[training]\nmax_iterations = 1\n",
    )
    .unwrap();
    let o = quotekit(&[
        "train",
        "--config",
        foreign.to_str().unwrap(),
        "--out",
        out.join("best").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(out.join("best/model.safetensors")).unwrap() != weights);
    let o = tune(&space, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(trial_of(&out.join("best")), best["trial"].to_string());
    assert_eq!(
        std::fs::read(out.join("best/model.safetensors")).unwrap(),
        weights
    );
}

#[test]
fn a_killed_search_resumes_with_the_same_trials() {
    let dir = tempfile::tempdir().unwrap();
    let space = space(dir.path(), RANDOM);
    let whole = dir.path().join("whole");
    assert!(tune(&space, &whole, &[]).status.success());

    // Killed once its first trial is written (wherever the kill lands, the
    // resumed search must end with the same trials).
    let out = dir.path().join("killed");
    let mut child = Command::new(binary())
        .args(["tune", "--space", space.to_str().unwrap(), "--out"])
        .arg(&out)
        .args(["--dev", "datasets/sample", "--threads", "1"])
        .current_dir(root())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let jsonl = out.join("trials.jsonl");
    for _ in 0..3000 {
        if std::fs::read_to_string(&jsonl).is_ok_and(|t| !t.is_empty()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let o = tune(&space, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("resuming"), "{}", stderr(&o));
    assert!(stderr(&o).contains("(earlier run)"), "{}", stderr(&o));
    assert_eq!(records(&out), records(&whole));
    // The same best model (its whole dev evaluation, confusion matrix
    // included, and its file byte for byte: the header holds no timings).
    let eval = |p: PathBuf| std::fs::read_to_string(p).unwrap();
    assert!(eval(out.join("best/dev-eval.json")) == eval(whole.join("best/dev-eval.json")));
    let model = |p: PathBuf| std::fs::read(p).unwrap();
    assert!(
        model(out.join("best/model.safetensors")) == model(whole.join("best/model.safetensors"))
    );

    // Ctrl-C once the first trial is written stops the search cleanly (exit
    // code 130, no lock, a message saying how to go on), and the same
    // command resumes it to the same trials.
    #[cfg(unix)]
    {
        let out = dir.path().join("interrupted");
        let child = Command::new(binary())
            .args(["tune", "--space", space.to_str().unwrap(), "--out"])
            .arg(&out)
            .args(["--dev", "datasets/sample", "--threads", "1"])
            .current_dir(root())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let jsonl = out.join("trials.jsonl");
        let o = common::interrupt_when(child, || {
            std::fs::read_to_string(&jsonl).is_ok_and(|t| !t.is_empty())
        });
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(130), "{err}");
        assert!(
            err.contains(&format!(
                "interrupted: the search stopped; its finished trials are in {}: the same command resumes it",
                jsonl.display()
            )),
            "{err}"
        );
        assert!(!out.join(".quotekit.lock").exists());
        let o = tune(&space, &out, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(records(&out), records(&whole));
    }

    // A shorter budget, then a longer one, ends the same too.
    let grown = dir.path().join("grown");
    assert!(tune(&space, &grown, &["--trials", "2"]).status.success());
    assert_eq!(records(&grown).len(), 2);
    let o = tune(&space, &grown, &[]);
    assert!(
        stderr(&o).contains("resuming: 2 trial(s)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(records(&grown), records(&whole));
    // A smaller budget than the folder's trials is refused (the table and
    // the best would leave the later trials out), and nothing is lost.
    let e = refused(
        &tune(&space, &grown, &["--trials", "2"]),
        "holds trial 4, beyond the 2 trials of this run",
    );
    assert!(e.contains("--trials"), "{e}");
    assert_eq!(records(&grown), records(&whole));
}

#[test]
fn halving_trains_the_best_configs_longer() {
    let dir = tempfile::tempdir().unwrap();
    let space = space(
        dir.path(),
        "method = \"halving\"\ntrials = 7\n[halving]\neta = 2\nmin_resource = 25\n[space]\n\
         \"training.c2\" = { min = 0.05, max = 50.0, log = true }\n",
    );
    let out = dir.path().join("out");
    let o = tune(&space, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("(halving search, 7 trials, dev exact F1)"),
        "{}",
        stderr(&o)
    );
    let records = records(&out);
    // 100 iterations from 25 with eta 2: rungs of 25, 50 and 100 iterations,
    // 4 + 2 + 1 trials.
    let rung =
        |k: u64| -> Vec<&serde_json::Value> { records.iter().filter(|r| r["rung"] == k).collect() };
    assert_eq!((rung(0).len(), rung(1).len(), rung(2).len()), (4, 2, 1));
    for (k, iterations) in [(0, 25), (1, 50), (2, 100)] {
        for r in rung(k) {
            assert_eq!(r["resource"], iterations);
            assert_eq!(r["params"]["training.max_iterations"], iterations);
            assert!(r["iterations"].as_u64().unwrap() <= iterations);
        }
    }
    // Each rung goes on with the best configs of the one before.
    let exact = |r: &serde_json::Value| r["scores"]["exact"].as_f64().unwrap();
    for k in 1..3 {
        let before = rung(k - 1);
        for r in rung(k) {
            let kept = before.iter().find(|b| b["config"] == r["config"]).unwrap();
            let beaten = before.iter().filter(|b| exact(b) > exact(kept)).count();
            assert!(
                beaten < rung(k).len(),
                "rung {k}: config {} promoted",
                r["config"]
            );
        }
    }
    // Another budget sizes other rungs: a halving search resumes only with
    // its own.
    refused(
        &tune(&space, &out, &["--trials", "9"]),
        "for successive halving, its trials budget",
    );
}

/// Where the rungs of successive halving fill less than the budget, the
/// search says how many trials it plans and why, and trains that many.
#[test]
fn halving_says_when_its_rungs_plan_fewer_trials_than_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let crf = std::fs::read_to_string(root().join("configs/crf.toml")).unwrap();
    let short: Vec<String> = crf
        .lines()
        .map(|l| match l.starts_with("max_iterations") {
            true => "max_iterations = 10".to_string(),
            false => l.to_string(),
        })
        .collect();
    assert!(short.iter().any(|l| l == "max_iterations = 10"));
    std::fs::write(dir.path().join("short.toml"), short.join("\n")).unwrap();
    let space = dir.path().join("space.toml");
    std::fs::write(
        &space,
        "base = \"short.toml\"\nmethod = \"halving\"\ntrials = 5\n[halving]\neta = 2\n\
         min_resource = 9\n[space]\n\"training.c2\" = { min = 0.05, max = 50.0, log = true }\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = tune(&space, &out, &[]);
    let err = common::succeeded_saying(
        &o,
        "(halving search, 4 trials (the rungs that fit in a budget of 5), dev exact F1)",
    );
    // (A halving search reads `[halving]`: no setting is said to be unread.)
    assert!(!err.contains("is read by"), "{err}");
    assert_eq!(records(&out).len(), 4);
}

/// An interrupt (Python's Ctrl-C) stops the trial under way, which is not
/// recorded as a result: the search ends with `Interrupted`, and resumed,
/// trains that trial.
#[test]
fn an_interrupted_trial_is_no_result() {
    use quotekit_model::training::options::Interrupt;
    use quotekit_model::tune::space::{overrides, SearchSpace};
    use quotekit_model::tune::{tune as search, TuneEvent};
    let dir = tempfile::tempdir().unwrap();
    let path = space(dir.path(), RANDOM);
    let dev = root().join("datasets/sample");
    let mut space =
        SearchSpace::load(&path, &overrides(Some(&dev), Some(&dev), &[], Some(1))).unwrap();
    space.trials = 2;
    let out = dir.path().join("out");
    let interrupt = Interrupt::default();
    let result = search(&space, &out, &interrupt, |e| {
        if matches!(e, TuneEvent::Train(_)) {
            interrupt.set();
        }
    });
    assert!(matches!(
        result,
        Err(quotekit_model::ModelError::Interrupted)
    ));
    let recorded = std::fs::read_to_string(out.join("trials.jsonl")).unwrap_or_default();
    assert_eq!(recorded, "");
    let report = search(&space, &out, &Interrupt::default(), |_| {}).unwrap();
    assert_eq!(report.records.len(), 2);
    assert!(report.records.iter().all(|r| r.error.is_none()));
}

#[test]
fn a_grid_stops_at_its_end_and_bad_searches_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let grid = space(
        dir.path(),
        "method = \"grid\"\ntrials = 10\n[space]\n\"features.window\" = { values = [1, 2] }\n",
    );
    let out = dir.path().join("grid");
    let o = tune(&grid, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(records(&out).len(), 2);
    assert!(stderr(&o).contains("the end of the grid"), "{}", stderr(&o));

    // The folder of another search.
    let other = space(dir.path(), RANDOM);
    let o = tune(&other, &out, &[]);
    refused(&o, "another search");

    // No dev corpus.
    let o = quotekit(&[
        "tune",
        "--space",
        other.to_str().unwrap(),
        "--out",
        dir.path().join("nodev").to_str().unwrap(),
    ]);
    refused(&o, "data.dev");

    // Scored by attributions on a CoNLL dev corpus, which holds none.
    let conll = dir.path().join("dev.conll");
    common::convert("brat", "conll", Path::new("datasets/sample"), &conll, &[]);
    let by_attribution = named_space(
        dir.path(),
        "by-attribution.toml",
        "metric = \"mean\"\n[space]\n\"features.window\" = { values = [1, 2] }\n",
    );
    // (Refused before the search's folder `out` is made.)
    let refused_on = |dev: &Path, out: &str, why: &str| {
        let o = quotekit(&[
            "tune",
            "--space",
            by_attribution.to_str().unwrap(),
            "--out",
            dir.path().join(out).to_str().unwrap(),
            "--dev",
            dev.to_str().unwrap(),
        ]);
        refused(&o, why);
        assert!(!dir.path().join(out).exists());
    };
    refused_on(&conll, "conll", "is CoNLL, which holds no attributions");
    // So is a JSONL dev corpus whose spans are in no attribution.
    let jsonl = dir.path().join("dev.jsonl");
    common::convert("brat", "jsonl", Path::new("datasets/sample"), &jsonl, &[]);
    let unattributed: String = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| {
            let mut doc: serde_json::Value = serde_json::from_str(l).unwrap();
            doc["attributions"] = serde_json::json!([]);
            format!("{doc}\n")
        })
        .collect();
    std::fs::write(&jsonl, unattributed).unwrap();
    refused_on(&jsonl, "unattributed", "dev.jsonl holds no attributions");

    // A key the config does not have, named with its file.
    let bad = space(
        dir.path(),
        "trials = 2\n[space]\n\"training.c3\" = { values = [1.0] }\n",
    );
    let o = tune(&bad, &dir.path().join("bad"), &[]);
    let err = refused(&o, "space.toml");
    assert!(err.contains("c3"), "{err}");

    // Too many grid points; an output folder holding the space file; a
    // whole section as a value.
    let steps = named_space(
        dir.path(),
        "steps.toml",
        "method = \"grid\"\ntrials = 2\n[space]\n\"training.c2\" = { min = 0.1, max = 1.0, steps = 18446744073709551615 }\n",
    );
    refused(
        &tune(&steps, &dir.path().join("steps"), &[]),
        "expected at most 10000",
    );
    let random = named_space(dir.path(), "random.toml", RANDOM);
    refused(&tune(&random, dir.path(), &[]), "would overwrite the input");
    let section = named_space(
        dir.path(),
        "section.toml",
        "trials = 2\n[space]\n\"training\" = { values = [{ c2 = 1.0 }] }\n",
    );
    refused(
        &tune(&section, &dir.path().join("section"), &[]),
        "a value is a table",
    );
    // An empty dev corpus is refused before any trial, which it would fail
    // (and stand as their results when the search is resumed).
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = dir.path().join("empty-dev");
    let o = quotekit(&[
        "tune",
        "--space",
        random.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--dev",
        empty.to_str().unwrap(),
        "--trials",
        "1",
    ]);
    refused(&o, "empty.jsonl has no documents");
    assert!(!out.exists());
    // A key the base config's model kind does not read is refused (its
    // values would all train the same model), and so is the kind itself.
    for (key, says) in [
        (
            "\"neural.window\" = { values = [64] }",
            "`neural.window`: only the neural reads [neural]; the base config trains a crf",
        ),
        (
            "\"model\" = { values = [\"neural\"] }",
            "`model`: the model kind is the base config's: search one kind per space",
        ),
    ] {
        let unread = named_space(dir.path(), "unread.toml", &format!("[space]\n{key}\n"));
        let o = tune(&unread, &dir.path().join("unread"), &[]);
        refused(&o, says);
    }
    // Keys whose values fit together in some combination pass, and a
    // combination that does not fails its trial while the search goes on;
    // a value that fits no combination is refused before the first trial.
    let neural = |name: &str, batch_words: &str, window: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "base = {:?}\nmethod = \"grid\"\n[space]\n\"neural.epochs\" = {{ values = [1] }}\n\
                 \"neural.batch_words\" = {{ values = [{batch_words}] }}\n\"neural.window\" = {{ values = [{window}] }}\n",
                root().join("configs/neural.toml")
            ),
        )
        .unwrap();
        path
    };
    let out = dir.path().join("clashing");
    let o = tune(
        &neural("clashing.toml", "2000, 8192", "1024, 4096"),
        &out,
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let trials = records(&out);
    assert_eq!(trials.len(), 4);
    let error = trials[1]["error"].as_str().unwrap();
    assert!(
        error.contains("neural.batch_words = 2000 is smaller"),
        "{error}"
    );
    for k in [0, 2, 3] {
        assert!(trials[k]["scores"].is_object(), "{}", trials[k]);
    }
    let o = tune(
        &neural("never.toml", "2000", "4096"),
        &dir.path().join("never"),
        &[],
    );
    let err = refused(&o, "never.toml");
    assert!(
        err.contains("neural.batch_words = 2000 is smaller") && err.contains("no combination"),
        "{err}"
    );
    // A folder with a model where the best goes, which no search wrote, is
    // refused and keeps it.
    let models = dir.path().join("models");
    std::fs::create_dir_all(models.join("best")).unwrap();
    std::fs::write(models.join("best/model.safetensors"), "mine").unwrap();
    refused(
        &tune(&random, &models, &[]),
        "holds best but no search.json",
    );
    assert_eq!(
        std::fs::read_to_string(models.join("best/model.safetensors")).unwrap(),
        "mine"
    );

    // Halving sets the training length itself.
    let clash = space(
        dir.path(),
        "method = \"halving\"\ntrials = 4\n[space]\n\"training.max_iterations\" = { values = [20, 40] }\n",
    );
    let o = tune(&clash, &dir.path().join("clash"), &[]);
    refused(&o, "successive halving sets");
    // A first rung as long as the base config's training.
    let long = named_space(
        dir.path(),
        "long.toml",
        "method = \"halving\"\ntrials = 4\n[halving]\nmin_resource = 100\n[space]\n\"training.c2\" = { values = [1.0, 2.0] }\n",
    );
    refused(
        &tune(&long, &dir.path().join("long"), &[]),
        "nothing to halve",
    );
    // Thread counts past the limit are refused on the command line.
    refused(
        &tune(
            &random,
            &dir.path().join("threads"),
            &["--threads", "18446744073709551615"],
        ),
        "--threads",
    );
    // A base config that is not there is named as the space file's `base`.
    let nowhere = dir.path().join("nowhere.toml");
    std::fs::write(
        &nowhere,
        "base = \"missing.toml\"\ntrials = 2\n[space]\n\"training.c2\" = { values = [1.0] }\n",
    )
    .unwrap();
    let e = refused(&tune(&nowhere, &dir.path().join("nw"), &[]), "nowhere.toml");
    assert!(e.contains("base = \"missing.toml\" cannot be read"), "{e}");
    // Trials with no search description beside them are not taken for this
    // search's.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("trials.jsonl"), "{\"trial\": 1}\n").unwrap();
    refused(
        &tune(&random, &foreign, &[]),
        "holds a trials.jsonl but no search.json",
    );
}

/// What every trial reads is checked before the first: a file among a key's
/// values, and each pretrained encoder a transformer search trains on (a
/// missing one failed every trial, and the failures stood as done when the
/// search was resumed). A killed run's temporary files are cleared.
#[test]
fn what_the_trials_read_is_checked_before_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let write = |name: &str, base: &str, body: String| {
        let path = dir.path().join(name);
        let base = root().join(base);
        std::fs::write(&path, format!("base = {base:?}\n{body}")).unwrap();
        path
    };
    // A search refused before its first trial (into the folder `name`):
    // what it says, and no trial recorded.
    let refused_first = |space: &Path, name: &str, said: &str| {
        let out = dir.path().join(name);
        let err = refused(&tune(space, &out, &[]), said);
        assert!(!out.join("trials.jsonl").exists(), "{err}");
        err
    };
    // A lexicon missing, or there but not readable (a folder, bytes of no
    // UTF-8), is read as training would, before the first trial.
    let binary = dir.path().join("binary.txt");
    std::fs::write(&binary, b"said\n\xff\xfe\n").unwrap();
    for (value, why) in [
        (missing.as_path(), "no such file or folder"),
        (dir.path(), "a folder, where a file is read"),
        (&binary, "not valid UTF-8"),
    ] {
        let space = write(
            "lexicon.toml",
            "configs/crf.toml",
            format!("[space]\n\"features.lexicon\" = {{ values = [{value:?}] }}\n"),
        );
        let err = refused_first(&space, "lexicon", "`features.lexicon` = ");
        assert!(err.contains(why), "{err}");
    }
    // So is the base config's, named as its.
    let base = dir.path().join("base-lexicon.toml");
    let folder = dir.path().join("cues");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        &base,
        format!("[features]\nlexicon = {:?}\n", folder.to_str().unwrap()),
    )
    .unwrap();
    let base_space = write(
        "base-lexicon-space.toml",
        base.to_str().unwrap(),
        "[space]\n\"training.c2\" = { values = [1.0, 2.0] }\n".into(),
    );
    let err = refused_first(
        &base_space,
        "base-lexicon",
        "the base config's features.lexicon: ",
    );
    assert!(err.contains("a folder, where a file is read"), "{err}");
    let encoder = write(
        "encoder.toml",
        "configs/transformer.toml",
        format!("[space]\n\"transformer.path\" = {{ values = [{missing:?}] }}\n"),
    );
    let err = refused_first(&encoder, "encoder", "`transformer.path` = ");
    assert!(err.contains("is no folder"), "{err}");
    // A model quotekit trained is no encoder, and is said to be one.
    let trained = write(
        "trained.toml",
        "configs/transformer.toml",
        format!(
            "[space]\n\"transformer.path\" = {{ values = [{:?}] }}\n",
            common::tiny_model()
        ),
    );
    let err = refused_first(&trained, "encoder", "`transformer.path` = ");
    assert!(
        err.contains("is a model quotekit trained (quotekit-crf)") && err.contains("--init"),
        "{err}"
    );
    // (A process number no process has.)
    let out = dir.path().join("stale");
    std::fs::create_dir_all(&out).unwrap();
    let stale = out.join(".quotekit-4294967295-0.part");
    std::fs::write(&stale, "half a table").unwrap();
    let one = space(
        dir.path(),
        "trials = 1\n[space]\n\"training.c2\" = { values = [1.0] }\n",
    );
    let o = tune(&one, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stale.exists() || !Path::new("/proc/self").exists());
    assert!(out.join("trials.tsv").is_file());
}

/// A base config's label map where neither corpus is CoNLL is not used, and
/// the search says so before its first trial, as `train` does.
#[test]
fn a_label_map_the_search_does_not_use_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("labels.toml");
    std::fs::write(&map, "[labels]\nSpeaker = \"source\"\n").unwrap();
    let base = dir.path().join("base.toml");
    let sample = root().join("datasets/sample");
    std::fs::write(
        &base,
        format!(
            "[data]\ntrain = {sample:?}\nlabel_map = {map:?}\n\
             [training]\nmax_iterations = 2\nthreads = 1\n"
        ),
    )
    .unwrap();
    let space = dir.path().join("space.toml");
    std::fs::write(
        &space,
        format!("base = {base:?}\ntrials = 1\n[space]\n\"training.c2\" = {{ values = [1.0] }}\n"),
    )
    .unwrap();
    let o = tune(&space, &dir.path().join("out"), &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let warning = format!("warning: data.label_map {} is not used", map.display());
    assert_eq!(err.matches(&warning).count(), 1, "{err}");
    // A space whose trials read a CoNLL corpus uses the map: no warning,
    // and a missing map is refused before the first trial.
    let conll = dir.path().join("sample.conll");
    let o = quotekit(&[
        "convert",
        "--from",
        "brat",
        "--to",
        "conll",
        sample.to_str().unwrap(),
        conll.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(
        &space,
        format!(
            "base = {base:?}\nmethod = \"grid\"\n[space]\n\"data.train\" = {{ values = [{sample:?}, {conll:?}] }}\n"
        ),
    )
    .unwrap();
    std::fs::remove_file(&map).unwrap();
    let out = dir.path().join("conll");
    let err = refused(&tune(&space, &out, &[]), "`data.train` = ");
    assert!(
        err.contains("data.label_map") && !err.contains("is not used"),
        "{err}"
    );
    assert!(!out.join("trials.jsonl").exists());
    // The corpora the space names are inputs, which the output folder may
    // not hold.
    let holder = dir.path().join("conlls");
    std::fs::create_dir(&holder).unwrap();
    let inside = holder.join("sample.conll");
    std::fs::copy(&conll, &inside).unwrap();
    std::fs::write(
        &space,
        format!(
            "base = {base:?}\nmethod = \"grid\"\n[space]\n\"data.train\" = {{ values = [{sample:?}, {inside:?}] }}\n"
        ),
    )
    .unwrap();
    let err = refused(&tune(&space, &holder, &[]), "sample.conll");
    assert!(!err.contains("trial 1"), "{err}");
    // A corpus key a flag also gives is refused, naming both; so is the dev
    // corpus, whose trials could not be ranked against each other.
    let err = refused(
        &tune(&space, &out, &["--train", sample.to_str().unwrap()]),
        "`data.train` is searched here and given by --train: the space's values would override the flag's",
    );
    assert!(!err.contains("trial 1"), "{err}");
    std::fs::write(
        &space,
        format!("base = {base:?}\nmethod = \"grid\"\n[space]\n\"data.dev\" = {{ values = [{sample:?}] }}\n"),
    )
    .unwrap();
    refused(
        &tune(&space, &out, &[]),
        "`data.dev`: the dev corpus scores every trial",
    );
}

/// The files of a search's folder are its own: a link at `trials/` (where
/// each trial's scratch folder is made and then emptied) is replaced, not
/// followed (the folders of the link's target were deleted); a `best.toml`
/// that is a link to another file is no best config (it was kept, and the
/// search said it wrote it); a pipe at `trials.jsonl` is refused, not read
/// (the search blocked for ever).
#[cfg(unix)]
#[test]
fn files_of_a_search_are_not_read_or_emptied_through_links() {
    let dir = tempfile::tempdir().unwrap();
    let body = "method = \"random\"\ntrials = 2\n[space]\n\
                \"training.c2\" = { min = 0.5, max = 8.0, log = true }\n";
    let sp = space(dir.path(), body);
    let out = dir.path().join("out");
    let o = tune(&sp, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mine = dir.path().join("mine");
    for k in ["3", "4"] {
        std::fs::create_dir_all(mine.join(k)).unwrap();
        std::fs::write(mine.join(k).join("notes.txt"), "precious").unwrap();
    }
    std::os::unix::fs::symlink(&mine, out.join("trials")).unwrap();
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "model = \"crf\"  # not the best config\n").unwrap();
    std::fs::remove_file(out.join("best.toml")).unwrap();
    std::os::unix::fs::symlink(&other, out.join("best.toml")).unwrap();
    let o = tune(&sp, &out, &["--trials", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for k in ["3", "4"] {
        let kept = std::fs::read_to_string(mine.join(k).join("notes.txt")).unwrap();
        assert_eq!(kept, "precious");
    }
    let best = out.join("best.toml");
    assert!(std::fs::symlink_metadata(&best).unwrap().is_file());
    assert!(std::fs::read_to_string(&best)
        .unwrap()
        .contains("written by quotekit tune"));
    assert_eq!(
        std::fs::read_to_string(&other).unwrap(),
        "model = \"crf\"  # not the best config\n"
    );
    // A pipe at `trials.jsonl` of a new search.
    let fresh = dir.path().join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    common::mkfifo(&fresh.join("trials.jsonl"));
    let (sp, fresh) = (sp.to_str().unwrap(), fresh.to_str().unwrap());
    let o = common::within_a_minute(&[
        "tune",
        "--space",
        sp,
        "--out",
        fresh,
        "--dev",
        "datasets/sample",
        "--threads",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "trials.jsonl: a pipe, socket or device, where quotekit keeps a file of its own"
        ),
        "{err}"
    );
}
