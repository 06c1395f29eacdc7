//! Reports as pages: the training report (`report.html` in a model folder:
//! dev scores and loss per iteration or epoch as line charts, the final
//! per-role table, the confusion matrix as a heat map, the config, timings
//! and peak memory) and the evaluation report of `quotekit eval --html`.

use super::chart::{heat_map, line_chart, Series};
use super::html::{escape, page, score};
use quotekit_model::eval::{Counts, Evaluation, ATTRIBUTION_NOT_SCORED};
use quotekit_model::header::ModelHeader;
use quotekit_model::training::events::TrainEvent;
use quotekit_model::Fitted;
use std::fmt::Write;

/// What a training run reported as it went, for the charts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainingHistory {
    /// Training loss per CRF iteration, or per epoch of a network tagger.
    pub loss: Vec<(f64, f64)>,
    /// Loss of each mini-batch, at epoch + fraction of the epoch.
    pub batch_loss: Vec<(f64, f64)>,
    /// Dev exact micro F1 where it was measured.
    pub dev_f1: Vec<(f64, f64)>,
    /// The speaker resolver's loss per epoch.
    pub speaker_loss: Vec<(f64, f64)>,
    /// Whether the run went by epochs (network taggers) or iterations (CRF).
    pub by_epoch: bool,
}

impl TrainingHistory {
    /// Records one training event.
    pub fn record(&mut self, event: &TrainEvent) {
        match event {
            TrainEvent::Iteration {
                iteration,
                loss,
                dev_f1,
                ..
            } => {
                let x = *iteration as f64;
                self.loss.push((x, *loss));
                if let Some(f) = dev_f1 {
                    self.dev_f1.push((x, *f));
                }
            }
            TrainEvent::Batch {
                epoch,
                batch,
                batches,
                loss,
                ..
            } => {
                self.by_epoch = true;
                let x = (*epoch - 1) as f64 + *batch as f64 / (*batches).max(1) as f64;
                self.batch_loss.push((x, *loss));
            }
            TrainEvent::Epoch(r) => {
                self.by_epoch = true;
                let x = r.epoch as f64;
                self.loss.push((x, r.loss));
                if let Some(f) = r.dev_f1 {
                    self.dev_f1.push((x, f));
                }
            }
            TrainEvent::SpeakerEpoch { epoch, loss, .. } => {
                self.speaker_loss.push((*epoch as f64, *loss));
            }
            _ => {}
        }
    }
}

/// The peak resident memory of this process in bytes, where the system says
/// (Linux: `VmHWM` in `/proc/self/status`).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn row(out: &mut String, name: &str, c: &Counts) {
    let _ = writeln!(
        out,
        "<tr><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
        score(c.precision()),
        score(c.recall()),
        score(c.f1()),
        c.tp,
        c.fp,
        c.fn_
    );
}

/// The per-role table of an evaluation (exact and overlap, attribution,
/// direct quotes) and, when present, its who-said-what figures.
pub fn scores_table(out: &mut String, e: &Evaluation) {
    out.push_str("<table><thead><tr><th></th><th class=\"n\">P</th><th class=\"n\">R</th><th class=\"n\">F1</th><th class=\"n\">TP</th><th class=\"n\">FP</th><th class=\"n\">FN</th></tr></thead><tbody>\n");
    for (kind, s) in [("exact", &e.exact), ("overlap", &e.overlap)] {
        row(out, &format!("{kind} Source"), &s.source);
        row(out, &format!("{kind} Cue"), &s.cue);
        row(out, &format!("{kind} Content"), &s.content);
        row(out, &format!("<strong>{kind} micro</strong>"), &s.micro);
    }
    if e.attribution_scored {
        row(out, "attribution (Source, Content)", &e.attribution);
    } else {
        let _ = writeln!(
            out,
            "<tr><td>attribution (Source, Content)</td><td colspan=\"6\">{ATTRIBUTION_NOT_SCORED}</td></tr>"
        );
    }
    row(out, "direct-quote Content", &e.direct_quote_content);
    out.push_str("</tbody></table>\n");
    if !e.missing_predictions.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"bad\">{} gold documents had no prediction (scored as predicting nothing).</p>",
            e.missing_predictions.len()
        );
    }
    if !e.unmatched_predictions.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"bad\">{} predicted documents have no gold document (not scored).</p>",
            e.unmatched_predictions.len()
        );
    }
    if let Some(w) = &e.speakers {
        let _ = writeln!(
            out,
            "<h3>Who said what</h3>\n<p>{} documents with names ({} without), {} quotes matched to gold.</p>",
            w.documents, w.skipped, w.matched
        );
        out.push_str("<table><thead><tr><th></th><th class=\"n\">named P</th><th class=\"n\">named R</th><th class=\"n\">named F1</th><th class=\"n\">resolution accuracy</th></tr></thead><tbody>\n");
        for (name, s) in [("strict", &w.strict), ("surname counts", &w.lenient)] {
            let _ = writeln!(
                out,
                "<tr><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                score(s.named.precision),
                score(s.named.recall),
                score(s.named.f1),
                // (No quote matched: no accuracy, not a 0.000.)
                if w.matched == 0 {
                    "–".to_string()
                } else {
                    score(s.resolution_accuracy)
                }
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if let Some(r) = &e.resolution {
        let _ = writeln!(
            out,
            "<h3>Speaker resolution on gold spans</h3>\n<pre>{}</pre>",
            escape(&r.to_string())
        );
    }
}

fn evaluation_body(out: &mut String, e: &Evaluation) {
    let _ = writeln!(out, "<p>{} gold documents.</p>", e.documents);
    scores_table(out, e);
    out.push_str("<h3>Token tags: confusion (rows gold, columns predicted)</h3>\n");
    out.push_str(&heat_map(&e.confusion));
}

/// The page of `quotekit eval --html`.
pub fn evaluation_report(e: &Evaluation, gold: &str, predicted: &str) -> String {
    let mut body = String::from("<header><h1>Evaluation</h1>\n");
    let _ = writeln!(
        body,
        "<p>Predicted <code>{}</code> against gold <code>{}</code>.</p></header>\n<main>",
        escape(predicted),
        escape(gold)
    );
    evaluation_body(&mut body, e);
    body.push_str("</main>\n");
    page("quotekit: evaluation", &body)
}

/// What the training report shows besides the history.
#[derive(Debug, Clone, Copy)]
pub struct TrainingRun<'a> {
    /// The trained model's header (config, labels, training summary).
    pub header: &'a ModelHeader,
    /// What training reported as it went.
    pub history: &'a TrainingHistory,
    /// The final dev evaluation.
    pub dev: Option<&'a Evaluation>,
    /// Wall-clock seconds of the whole run.
    pub wall_seconds: f64,
    /// Peak resident memory in bytes.
    pub peak_memory: Option<u64>,
}

/// The training report (`report.html` in the model folder).
pub fn training_report(run: &TrainingRun) -> String {
    let h = run.header;
    let t = &h.training;
    let unit = if run.history.by_epoch {
        "epoch"
    } else {
        "iteration"
    };
    let mut body = String::from("<header><h1>Training report</h1>\n");
    let _ = writeln!(
        body,
        "<p>A {} trained on <code>{}</code> ({} documents, {} tokens) with quotekit {}.</p></header>\n<main>",
        escape(h.config.model.describe()),
        escape(&h.train_corpus.display().to_string()),
        t.documents,
        t.tokens,
        escape(&h.quotekit_version)
    );
    body.push_str("<h2>Run</h2>\n<table><tbody>\n");
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(body, "<tr><th>{k}</th><td>{}</td></tr>", escape(&v));
    };
    fact(&format!("{unit}s"), t.iterations.to_string());
    fact(&format!("kept {unit}"), t.best_iteration.to_string());
    fact("stopped because", t.stop.clone());
    fact(
        "best dev exact micro F1",
        t.best_dev_f1
            .map(score)
            .unwrap_or_else(|| "no dev set".into()),
    );
    fact("features / inputs", format!("{:.1} s", t.feature_seconds));
    fact("optimisation", format!("{:.1} s", t.train_seconds));
    fact(
        "whole run (wall clock)",
        format!("{:.1} s", run.wall_seconds),
    );
    fact(
        "peak memory",
        run.peak_memory
            .map(|b| format!("{:.0} MiB", b as f64 / (1u64 << 20) as f64))
            .unwrap_or_else(|| "not known on this system".into()),
    );
    body.push_str("</tbody></table>\n<h2>Curves</h2>\n");
    let hist = run.history;
    let mut loss = vec![Series {
        name: "training loss",
        points: &hist.loss,
        colour: "#0072B2",
        dashed: false,
    }];
    if !hist.batch_loss.is_empty() {
        loss.push(Series {
            name: "batch loss",
            points: &hist.batch_loss,
            colour: "#56B4E9",
            dashed: true,
        });
    }
    body.push_str(&line_chart(
        &format!("Training loss per {unit}"),
        unit,
        &loss,
    ));
    body.push_str(&line_chart(
        "Dev exact micro F1",
        unit,
        &[Series {
            name: "dev F1",
            points: &hist.dev_f1,
            colour: "#D55E00",
            dashed: false,
        }],
    ));
    if !hist.speaker_loss.is_empty() {
        body.push_str(&line_chart(
            "Speaker resolver loss per epoch",
            "epoch",
            &[Series {
                name: "resolver loss",
                points: &hist.speaker_loss,
                colour: "#009E73",
                dashed: false,
            }],
        ));
    }
    if let Some(e) = run.dev {
        body.push_str("<h2>Final dev evaluation</h2>\n");
        evaluation_body(&mut body, e);
    }
    let config =
        toml::to_string_pretty(&h.config).unwrap_or_else(|e| format!("(config not shown: {e})"));
    let _ = writeln!(body, "<h2>Config</h2>\n<pre>{}</pre>", escape(&config));
    body.push_str("</main>\n");
    page("quotekit: training report", &body)
}

/// The training report in a model folder.
pub const REPORT_FILE: &str = "report.html";

/// The dev evaluation in a model folder (`quotekit eval --json`'s figures).
pub const DEV_EVALUATION_FILE: &str = "dev-eval.json";

/// Every path training writes in the model folder `out` (the model's files,
/// `report.html`, `dev-eval.json`, the checkpoint and encoder-cache
/// folders), which the config it reads must be none of.
pub fn training_writes(out: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<std::path::PathBuf> = quotekit_model::model_file::SAVED_FILES
        .iter()
        .chain(&[REPORT_FILE, DEV_EVALUATION_FILE, "checkpoint"])
        .map(|name| out.join(name))
        .collect();
    files.push(quotekit_model::transformer::cache::default_cache_dir(out));
    files
}

/// Refuses a model folder `out` where [`write_trained`] could not replace
/// a file that a model of `kind` is saved with (a read-only one), or a
/// checkpoint in `checkpoint_dir` that could not be replaced, a folder
/// where a file goes, or a checkpoint folder that is none: checked before
/// training, so that hours of it are not lost at the end. (The reports are
/// removed before they are written: a read-only one is no obstacle, a
/// folder is.)
pub fn check_trained_writable(
    out: &std::path::Path,
    kind: quotekit_model::ModelKind,
    checkpoint_dir: Option<&std::path::Path>,
) -> Result<(), crate::InferError> {
    let saved = quotekit_model::model_file::saved_files(kind).iter();
    let checkpoint = checkpoint_dir.map(quotekit_model::nn::checkpoint::Checkpoint::path);
    for path in saved.map(|name| out.join(name)).chain(checkpoint) {
        quotekit_data::atomic::check_replaceable(&path)
            .map_err(|e| crate::InferError::io(&path, e))?;
    }
    // (A checkpoint folder that is a file, a pipe or a link to nothing
    // failed when the first checkpoint was written: after an epoch.)
    if let Some(dir) = checkpoint_dir {
        let folder = quotekit_model::nn::checkpoint::Checkpoint::path(dir) != dir;
        if folder && dir.symlink_metadata().is_ok() && !dir.is_dir() {
            let why = "not a folder, where training keeps its checkpoint: move it away, or \
                       give another --checkpoint-dir";
            return Err(crate::InferError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotADirectory, why),
            ));
        }
    }
    for path in [REPORT_FILE, DEV_EVALUATION_FILE].map(|name| out.join(name)) {
        quotekit_data::paths::check_not_folder(&path)
            .map_err(|e| crate::InferError::io(&path, e))?;
    }
    Ok(())
}

/// The files [`write_trained`] wrote in a model folder.
#[derive(Debug, Clone)]
pub struct TrainedFiles {
    /// The model's weights file.
    pub model: std::path::PathBuf,
    /// `dev-eval.json`, with a dev corpus.
    pub dev_evaluation: Option<std::path::PathBuf>,
    /// `report.html`.
    pub report: std::path::PathBuf,
}

/// Writes a trained model into the folder `out` with its reports, each file
/// whole: first the reports of the model it replaces go (they describe
/// another model: a save stopped midway leaves none rather than those),
/// then the model's files, the dev evaluation (`dev-eval.json`, with a dev
/// corpus) and the training report (`report.html`, with the wall time
/// since `started` and this process's peak memory).
pub fn write_trained(
    out: &std::path::Path,
    fitted: &Fitted,
    history: &TrainingHistory,
    started: std::time::Instant,
) -> Result<TrainedFiles, crate::InferError> {
    let dev_path = out.join(DEV_EVALUATION_FILE);
    let report = out.join(REPORT_FILE);
    for path in [&dev_path, &report] {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(crate::InferError::io(path, e))
            }
            _ => {}
        }
    }
    let model = quotekit_model::save_annotator(&fitted.annotator, &fitted.header, out)
        .map_err(|e| crate::InferError::Model(Box::new(e)))?;
    let write = |path: &std::path::Path, text: String| {
        quotekit_data::atomic::replace_whole(path, text.as_bytes())
            .map_err(|e| crate::InferError::io(path, e))
    };
    let dev = fitted.dev.as_ref();
    if let Some(dev) = dev {
        write(
            &dev_path,
            serde_json::to_string_pretty(dev).expect("an evaluation serialises"),
        )?;
    }
    let run = TrainingRun {
        header: &fitted.header,
        history,
        dev,
        wall_seconds: started.elapsed().as_secs_f64(),
        peak_memory: peak_memory(),
    };
    write(&report, training_report(&run))?;
    Ok(TrainedFiles {
        model,
        dev_evaluation: dev.map(|_| dev_path),
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_model::training::events::EpochReport;

    #[test]
    fn history_records_iterations_epochs_and_batches() {
        let mut h = TrainingHistory::default();
        h.record(&TrainEvent::Iteration {
            iteration: 1,
            max: 5,
            loss: 9.0,
            dev_f1: None,
        });
        h.record(&TrainEvent::Iteration {
            iteration: 2,
            max: 5,
            loss: 4.0,
            dev_f1: Some(0.5),
        });
        assert_eq!(h.loss, vec![(1.0, 9.0), (2.0, 4.0)]);
        assert_eq!(h.dev_f1, vec![(2.0, 0.5)]);
        assert!(!h.by_epoch);
        h.record(&TrainEvent::Batch {
            epoch: 2,
            epochs: 3,
            batch: 1,
            batches: 4,
            loss: 1.0,
            words_per_second: 1.0,
        });
        h.record(&TrainEvent::Epoch(EpochReport {
            epoch: 2,
            epochs: 3,
            loss: 0.7,
            dev_f1: Some(0.6),
            words_per_second: 1.0,
            seconds: 1.0,
        }));
        assert_eq!(h.batch_loss, vec![(1.25, 1.0)]);
        assert_eq!(h.dev_f1.last(), Some(&(2.0, 0.6)));
        assert!(h.by_epoch);
    }

    #[test]
    fn peak_memory_is_known_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_memory().is_some_and(|b| b > 1 << 20));
        }
    }
}
