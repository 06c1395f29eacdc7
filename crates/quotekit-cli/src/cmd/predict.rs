//! `quotekit predict`: run a trained model over texts and write what it finds.

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use quotekit_data::formats::brat::BratWriter;
use quotekit_data::formats::jsonl::JsonlReader;
use quotekit_data::{CorpusReader, CorpusWriter, Document};
use quotekit_model::model_file::load_annotator;
use quotekit_model::Annotation;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Output formats of `predict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// brat standoff, flat layout (`NAME.txt` + `NAME.ann`).
    Brat,
    /// One JSON document per line, attributions carrying `speaker_name`.
    Jsonl,
}

/// Arguments of `quotekit predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Model directory (or its model.safetensors file).
    #[arg(long)]
    pub model: PathBuf,
    /// Input: a directory of .txt files (searched recursively; a brat corpus's
    /// annotations are ignored), a .txt file, or a .jsonl file of {"id", "text"} records.
    #[arg(long)]
    pub input: PathBuf,
    /// Output directory (brat) or file (jsonl; a directory gets predictions.jsonl).
    #[arg(long)]
    pub output: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "brat")]
    pub format: OutputFormat,
    /// Override the model's `decoding.outside_penalty`: higher finds more spans
    /// (recall) at the cost of precision.
    #[arg(long)]
    pub outside_penalty: Option<f64>,
}

fn collect_texts(dir: &Path, out: &mut Vec<(String, PathBuf)>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_texts(&p, out)?;
        } else if p.extension().and_then(|e| e.to_str()) == Some("txt") {
            let id = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((id, p));
        }
    }
    Ok(())
}

/// Reads the input documents (text only).
fn read_inputs(input: &Path) -> anyhow::Result<Vec<Document>> {
    if input.is_dir() {
        let mut files = Vec::new();
        collect_texts(input, &mut files)?;
        if files.is_empty() {
            bail!("{}: no .txt files found", input.display());
        }
        files
            .into_iter()
            .map(|(id, p)| {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("reading {}", p.display()))?;
                Ok(Document::new(id, text))
            })
            .collect()
    } else if input.extension().and_then(|e| e.to_str()) == Some("jsonl") {
        // Only id and text are used; annotations in the records are ignored.
        JsonlReader
            .read(input)?
            .map(|record| {
                let document = record?.document;
                Ok(Document::new(document.id.clone(), document.text()))
            })
            .collect()
    } else {
        let text = std::fs::read_to_string(input)
            .with_context(|| format!("reading {}", input.display()))?;
        let id = input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(vec![Document::new(id, text)])
    }
}

/// One JSONL output line: the document with `speaker_name` on each attribution.
pub fn annotation_json(a: &Annotation) -> serde_json::Value {
    let d = &a.document;
    let attributions: Vec<serde_json::Value> = d
        .attributions
        .iter()
        .zip(&a.speaker_names)
        .map(|(at, name)| {
            serde_json::json!({
                "id": at.id, "source": at.source, "cue": at.cue, "content": at.content,
                "speaker_name": name,
            })
        })
        .collect();
    serde_json::json!({"id": d.id, "text": d.text(), "spans": d.spans, "attributions": attributions})
}

/// Runs `quotekit predict`.
pub fn run(args: PredictArgs) -> anyhow::Result<ExitCode> {
    let (mut annotator, _) = load_annotator(&args.model)?;
    if let Some(p) = args.outside_penalty {
        annotator.outside_penalty = p;
    }
    let documents = read_inputs(&args.input)?;
    let bar = ProgressBar::new(documents.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "[{elapsed_precise}] {bar:30} {pos}/{len} documents  {per_sec}  ETA {eta}",
        )
        .expect("valid template"),
    );
    let annotations: Vec<Annotation> = documents
        .par_iter()
        .map(|d| {
            let a = annotator.annotate(d);
            bar.inc(1);
            a
        })
        .collect();
    bar.finish_and_clear();
    match args.format {
        OutputFormat::Brat => {
            let docs: Vec<Document> = annotations.iter().map(|a| a.document.clone()).collect();
            BratWriter.write(&docs, &args.output)?;
        }
        OutputFormat::Jsonl => {
            let path = if args.output.is_dir() || args.output.extension().is_none() {
                std::fs::create_dir_all(&args.output)?;
                args.output.join("predictions.jsonl")
            } else {
                args.output.clone()
            };
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(&path)
                    .with_context(|| format!("creating {}", path.display()))?,
            );
            for a in &annotations {
                writeln!(out, "{}", annotation_json(a))?;
            }
            out.flush()?;
        }
    }
    let attributions: usize = annotations
        .iter()
        .map(|a| a.document.attributions.len())
        .sum();
    let tokens: usize = annotations.iter().map(|a| a.tokens).sum();
    eprintln!(
        "{} documents, {tokens} tokens, {attributions} attributions written to {}",
        annotations.len(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
