//! A loaded model, and annotating records with it in parallel, the GIL
//! released.

use crate::errors;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use quotekit_infer::input::ReadLimits;
use quotekit_infer::runner::annotate_line;
use quotekit_model::config::MAX_THREADS;
use quotekit_model::training::options::Interrupt;
use quotekit_model::transformer::bert::Precision;
use quotekit_model::transformer::model::TransformerModel;
use quotekit_model::{load_annotator_with, Annotator, ModelHeader};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// The most text (bytes of records) that `annotate_records` annotates on
/// the caller's thread, Python's signals looked for once it is done: 64
/// KiB, milliseconds with the CRF and at most seconds with a transformer.
const SMALL_BATCH_BYTES: usize = 1 << 16;

/// The last pool of `threads` threads that `annotate_many` asked for, with
/// the id of the process that made it.
static POOL: Mutex<Option<(u32, usize, Arc<rayon::ThreadPool>)>> = Mutex::new(None);

/// A pool of `threads` threads: the last one again when it has as many.
/// A new pool for every call would start new threads each time, and leave
/// their allocator heaps behind when they end. A process forked after the
/// pool was made (`multiprocessing`'s default on Linux) has none of its
/// threads, so work sent there would wait for ever: it makes its own.
fn pool_of(threads: usize) -> Result<Arc<rayon::ThreadPool>, rayon::ThreadPoolBuildError> {
    let mut last = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    match last.take() {
        Some((made_by, n, pool)) if made_by == pid && n == threads => {
            *last = Some((made_by, n, Arc::clone(&pool)));
            return Ok(pool);
        }
        // (Not dropped: dropping would signal threads this process lacks.)
        Some((made_by, _, pool)) if made_by != pid => std::mem::forget(pool),
        _ => {}
    }
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?,
    );
    *last = Some((pid, threads, Arc::clone(&pool)));
    Ok(pool)
}

/// A trained model ready to annotate (the Python class `quotekit.Model`
/// wraps it).
#[pyclass(frozen, module = "quotekit._quotekit")]
pub struct NativeModel {
    annotator: Annotator,
    header: ModelHeader,
    path: PathBuf,
}

/// Loads the model in `path` (a model directory or its `model.safetensors`);
/// `precision` `"int8"` runs a transformer's linear layers in int8 (as
/// `predict --precision int8`), `"f32"` (or none) as trained; without
/// `speakers` no speaker is named (as `predict --no-speakers`: the
/// resolver is neither read nor run).
#[pyfunction]
#[pyo3(signature = (path, precision=None, speakers=true))]
pub fn load(
    py: Python<'_>,
    path: PathBuf,
    precision: Option<&str>,
    speakers: bool,
) -> PyResult<NativeModel> {
    let int8 = match precision {
        None | Some("f32") => false,
        Some("int8") => true,
        Some(other) => {
            return Err(errors::input(format!(
                "precision must be \"f32\" or \"int8\", not {other:?}"
            )))
        }
    };
    // As `quotekit predict` does: documents are the unit of parallelism, so a
    // network model's operations run on their document's thread rather than
    // queueing for candle's own pool. A setting of the user's wins.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
    let (mut annotator, header) = py
        .detach(|| load_annotator_with(&path, speakers))
        .map_err(errors::model)?;
    annotator.name_speakers = speakers;
    if int8 {
        let kind = annotator.tagger.kind().name();
        let models = annotator.taggers_as_mut::<TransformerModel>();
        if models.is_empty() {
            return Err(errors::input(format!(
                "precision \"int8\" applies to transformer models; {} is a {kind} model",
                path.display()
            )));
        }
        for model in models {
            py.detach(|| model.set_precision(Precision::Int8))
                .map_err(errors::model)?;
        }
    }
    Ok(NativeModel {
        annotator,
        header,
        path,
    })
}

/// The bytes of a record given as `str` (a lone surrogate kept as the
/// invalid UTF-8 it encodes to, for the reader to report), `bytes` or `None`.
fn line_bytes(item: &Bound<'_, PyAny>) -> PyResult<Option<Vec<u8>>> {
    if item.is_none() {
        return Ok(None);
    }
    if let Ok(bytes) = item.cast::<PyBytes>() {
        return Ok(Some(bytes.as_bytes().to_vec()));
    }
    if item.cast::<PyString>().is_ok() {
        return match item.extract::<String>() {
            Ok(s) => Ok(Some(s.into_bytes())),
            Err(_) => item
                .call_method1("encode", ("utf-8", "surrogatepass"))?
                .extract::<Vec<u8>>()
                .map(Some),
        };
    }
    Err(errors::input(format!(
        "a record must be a str or bytes line of JSON, not {}",
        item.get_type().name()?
    )))
}

#[pymethods]
impl NativeModel {
    /// Annotates JSONL records (`{"id", "text", ...}` as JSON text, `str`
    /// or UTF-8 `bytes`) on `threads` threads (0: all cores), the GIL
    /// released; returns the `quotekit predict --format jsonl` record of
    /// each, in input order. A record that cannot be annotated gives an
    /// error record, as in `predict`; `None` and blank lines give `None`
    /// (`predict` skips blank lines). Record `k` is `line k+1` in messages.
    #[pyo3(signature = (records, threads=0, max_chars=1_000_000))]
    fn annotate_records(
        &self,
        py: Python<'_>,
        records: Vec<Bound<'_, PyAny>>,
        threads: usize,
        max_chars: usize,
    ) -> PyResult<Vec<Option<String>>> {
        if threads > MAX_THREADS {
            return Err(errors::input(format!(
                "threads must be at most {MAX_THREADS} (0: all cores), not {threads}"
            )));
        }
        let lines = records
            .iter()
            .map(line_bytes)
            .collect::<PyResult<Vec<_>>>()?;
        let limits = ReadLimits { max_chars };
        let annotator = &self.annotator;
        let annotate = |k: usize, record: &Option<Vec<u8>>| {
            annotate_line(annotator, k, record.as_deref()?, limits)
        };
        // (All cores in a pool of quotekit's own, which a forked process
        // can make anew.)
        let threads = quotekit_model::config::pool_threads(threads);
        let pool = pool_of(threads)
            .map_err(|e| errors::system(&format!("thread pool of {threads} threads"), e))?;
        let interrupt = Interrupt::default();
        let run = || {
            pool.install(|| {
                lines
                    .par_iter()
                    .enumerate()
                    .map(|(k, r)| {
                        if interrupt.is_set() {
                            None
                        } else {
                            annotate(k, r)
                        }
                    })
                    .collect::<Vec<_>>()
            })
        };
        // A small batch (a text or a few: milliseconds with the CRF,
        // seconds at most with a transformer) runs here, signals looked for
        // after it: a thread of its own costs more than the batch (a
        // single short text took 3.5 ms instead of 0.65). A larger one runs
        // on a thread of its own while this one looks for Python's signals
        // every 50 ms: Ctrl-C stops it once the records under way are done
        // (those not begun are passed over), then raises KeyboardInterrupt.
        // (In chunks of records, with the signals looked for after each, a
        // chunk of long texts held Ctrl-C to its end: 16 texts of a million
        // characters, 57 s with the CI's debug wheel, about 12 s in
        // release: probe 69.)
        let bytes: usize = lines.iter().flatten().map(Vec::len).sum();
        let out = if bytes <= SMALL_BATCH_BYTES {
            let out = py.detach(run);
            py.check_signals()?;
            out
        } else {
            crate::signals::with_signals(py, &interrupt, run)?
        };
        Ok(out)
    }

    /// The model kind (`crf`, `neural`, `transformer`; an ensemble's first
    /// member's).
    #[getter]
    fn kind(&self) -> &'static str {
        self.annotator.tagger.kind().name()
    }

    /// An ensemble's members as (kind, weight), in order; empty for one
    /// model.
    #[getter]
    fn members(&self) -> Vec<(&'static str, f32)> {
        self.annotator
            .tagger_as::<quotekit_model::ensemble::Ensemble>()
            .map(|e| {
                e.members()
                    .iter()
                    .map(|m| (m.tagger.kind().name(), m.weight))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The tag names, in parameter order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.header.labels.clone()
    }

    /// The model file's header (config, training report, versions) as JSON.
    #[getter]
    fn header_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.header).map_err(errors::input)
    }

    /// The path it was loaded from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    fn __repr__(&self) -> String {
        let members = self.members();
        if members.is_empty() {
            return format!(
                "quotekit.Model({} model from {})",
                self.kind(),
                self.path.display()
            );
        }
        let kinds: Vec<&str> = members.iter().map(|(kind, _)| *kind).collect();
        format!(
            "quotekit.Model(ensemble of {} from {})",
            kinds.join(" + "),
            self.path.display()
        )
    }
}
