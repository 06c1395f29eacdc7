//! Ensembles (`ensemble.toml` naming model directories): they load wherever
//! a model does, sum their members' weighted scores, and refuse members
//! that cannot be combined, naming the file.

mod common;

use common::{predict_with, refused, sample, sample_dir, stderr, tiny_model, train_sample};
use quotekit_data::Tokenizer;
use quotekit_model::ensemble::ENSEMBLE_FILE;
use quotekit_model::model_file::load_annotator;
use std::path::{Path, PathBuf};

/// Writes an ensemble of `members` (model directory, weight) into a new
/// directory under `dir`.
fn ensemble(dir: &Path, name: &str, members: &[(&Path, f32)]) -> PathBuf {
    let out = dir.join(name);
    std::fs::create_dir_all(&out).unwrap();
    let text: String = members
        .iter()
        .map(|(m, w)| {
            format!(
                "[[members]]\nmodel = {:?}\nweight = {w}\n",
                m.to_str().unwrap()
            )
        })
        .collect();
    std::fs::write(out.join(ENSEMBLE_FILE), text).unwrap();
    out
}

#[test]
fn an_ensemble_of_one_model_twice_tags_as_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let ens = ensemble(
        dir.path(),
        "ens",
        &[(tiny_model(), 1.0), (tiny_model(), 0.5)],
    );
    let documents = |model: &Path, name: &str| {
        let path = dir.path().join(name);
        let out = predict_with(model, &sample_dir(), &path, &["--format", "documents"]);
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::read_to_string(path).unwrap()
    };
    let (alone, both) = (
        documents(tiny_model(), "alone.jsonl"),
        documents(&ens, "both.jsonl"),
    );
    assert!(alone.contains("\"role\""), "the sample has predictions");
    // (All scores times 1.5: the same best tags.)
    assert_eq!(alone, both);
    let int8 = predict_with(
        &ens,
        &sample_dir(),
        &dir.path().join("x.jsonl"),
        &["--precision", "int8"],
    );
    refused(&int8, "applies to transformer models");
}

#[test]
fn an_ensemble_scores_the_weighted_sum_of_its_members() {
    let dir = tempfile::tempdir().unwrap();
    let other = train_sample(
        dir.path(),
        "other",
        "[features]\nhash_bits = 16\ntemplates = [\"word\", \"lower\", \"shape\", \"window\"]\n\
         [training]\nc2 = 1.0\nmax_iterations = 20\n",
    );
    let ens = ensemble(dir.path(), "ens", &[(tiny_model(), 1.0), (&other, 0.25)]);
    let (a, _) = load_annotator(tiny_model()).unwrap();
    let (b, _) = load_annotator(&other).unwrap();
    let (e, header) = load_annotator(&ens).unwrap();
    assert_eq!(header.labels.len(), e.tagger.chain().labels);
    let (ca, cb, ce) = (a.tagger.chain(), b.tagger.chain(), e.tagger.chain());
    for (k, s) in ce.transition.iter().enumerate() {
        assert!((s - (ca.transition[k] + 0.25 * cb.transition[k])).abs() < 1e-5);
    }
    for (k, s) in ce.start.iter().enumerate() {
        assert!((s - (ca.start[k] + 0.25 * cb.start[k])).abs() < 1e-5);
    }
    let tokenizer = Tokenizer::new();
    let full = |scored: Vec<quotekit_model::decode::Scored>, n: usize, l: usize| {
        let mut out = vec![0.0; n * l];
        for (r, s) in scored {
            out[r.start * l..r.end * l].copy_from_slice(&s);
        }
        out
    };
    let l = ce.labels;
    let mut differs = false;
    for doc in sample() {
        let tok = tokenizer.tokenize(&doc);
        let n = tok.tokens.len();
        let ea = full(a.tagger.emissions(&doc, &tok).unwrap(), n, l);
        let eb = full(b.tagger.emissions(&doc, &tok).unwrap(), n, l);
        let ee = full(e.tagger.emissions(&doc, &tok).unwrap(), n, l);
        for k in 0..n * l {
            assert!((ee[k] - (ea[k] + 0.25 * eb[k])).abs() < 1e-9, "{}", doc.id);
        }
        differs |= ea != ee;
        let tags = |x: &quotekit_model::annotator::Annotator| x.tag(&doc, &tok);
        differs |= tags(&a) != tags(&e);
    }
    assert!(differs, "the second member changes the scores");
}

#[test]
fn members_that_cannot_be_combined_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bilou = train_sample(
        dir.path(),
        "bilou",
        "[data]\nscheme = \"bilou\"\n[features]\nhash_bits = 16\n[training]\nmax_iterations = 5\n",
    );
    let run = |model: &Path| predict_with(model, &sample_dir(), &dir.path().join("out.jsonl"), &[]);
    let mixed = ensemble(dir.path(), "mixed", &[(tiny_model(), 1.0), (&bilou, 1.0)]);
    let err = refused(&run(&mixed), "has the tags");
    assert!(
        err.contains(ENSEMBLE_FILE) && err.contains("train them with the same data.scheme"),
        "{err}"
    );
    let missing = ensemble(
        dir.path(),
        "missing",
        &[(tiny_model(), 1.0), (&dir.path().join("nowhere"), 1.0)],
    );
    let err = refused(&run(&missing), "no model directory");
    assert!(
        err.contains("nowhere") && err.contains(ENSEMBLE_FILE),
        "{err}"
    );
    let nested = ensemble(dir.path(), "nested", &[(&mixed, 1.0)]);
    refused(&run(&nested), "is an ensemble itself");
    let zero = ensemble(dir.path(), "zero", &[(tiny_model(), 0.0)]);
    refused(&run(&zero), "from 0.001 to 1000");
    // A relative member path is read from the ensemble's directory.
    let relative = dir.path().join("relative");
    std::fs::create_dir_all(&relative).unwrap();
    std::fs::write(
        relative.join(ENSEMBLE_FILE),
        "[[members]]\nmodel = \"../bilou\"\n",
    )
    .unwrap();
    let out = run(&relative);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Only the resolver that names the speakers is read (a damaged one in a
/// later member does not stop the ensemble), an error inside a member names
/// `ensemble.toml` and the member, and `--model` also takes the
/// `ensemble.toml` itself.
#[test]
fn members_load_what_is_used_and_their_errors_name_the_ensemble() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str, speakers: &[u8], weights: Option<&[u8]>| {
        let out = dir.path().join(name);
        std::fs::create_dir_all(&out).unwrap();
        let model = tiny_model().join("model.safetensors");
        match weights {
            Some(bytes) => std::fs::write(out.join("model.safetensors"), bytes).unwrap(),
            None => {
                std::fs::copy(model, out.join("model.safetensors")).unwrap();
            }
        }
        std::fs::write(out.join("speakers.safetensors"), speakers).unwrap();
        out
    };
    let garbled = copy("garbled", b"not a safetensors file at all", None);
    let run = |model: &Path, name: &str| {
        let path = dir.path().join(name);
        let out = predict_with(model, &sample_dir(), &path, &["--format", "documents"]);
        (out, path)
    };
    let later = ensemble(dir.path(), "later", &[(tiny_model(), 1.0), (&garbled, 1.0)]);
    let (out, path) = run(&later, "later.jsonl");
    assert!(out.status.success(), "{}", stderr(&out));
    let (alone, alone_path) = run(tiny_model(), "alone.jsonl");
    assert!(alone.status.success(), "{}", stderr(&alone));
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        std::fs::read_to_string(alone_path).unwrap(),
        "twice the same weights: the same tags"
    );
    let first = ensemble(dir.path(), "first", &[(&garbled, 1.0), (tiny_model(), 1.0)]);
    let err = refused(&run(&first, "first.jsonl").0, "speakers.safetensors");
    assert!(
        err.contains(ENSEMBLE_FILE) && err.contains("member 1"),
        "{err}"
    );
    // A run that names no speakers reads no resolver, in an ensemble or not.
    for model in [&first, &garbled] {
        let out = predict_with(
            model,
            &sample_dir(),
            &dir.path().join("n.jsonl"),
            &["--no-speakers"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let broken = copy("broken", b"", Some(b"garbage"));
    let second = ensemble(dir.path(), "second", &[(tiny_model(), 1.0), (&broken, 1.0)]);
    let err = refused(&run(&second, "second.jsonl").0, "model.safetensors");
    assert!(
        err.contains(ENSEMBLE_FILE) && err.contains("member 2"),
        "{err}"
    );
    // An ensemble directory that also holds a model is ambiguous.
    std::fs::copy(
        tiny_model().join("model.safetensors"),
        second.join("model.safetensors"),
    )
    .unwrap();
    refused(
        &run(&second, "both.jsonl").0,
        "holds both an ensemble.toml and a model",
    );
    let (toml, toml_path) = run(&later.join(ENSEMBLE_FILE), "toml.jsonl");
    assert!(toml.status.success(), "{}", stderr(&toml));
    assert_eq!(
        std::fs::read_to_string(toml_path).unwrap(),
        std::fs::read_to_string(dir.path().join("later.jsonl")).unwrap()
    );
}
