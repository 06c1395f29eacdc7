//! # quotekit-py
//!
//! The native part of the Python package `quotekit` (PyO3, one abi3 wheel for
//! CPython 3.9 and later), thin over the libraries: loading a model and
//! annotating records in parallel with the GIL released (`model`),
//! training (`training`), reading and scoring corpora (`corpus`). The
//! Python layer (`python/quotekit/__init__.py`) turns the JSON records these
//! functions return into dicts, so that a record is byte for byte the one
//! `quotekit predict` writes.

use pyo3::prelude::*;

// mimalloc for the Rust side, as in the `quotekit` binary: speaker
// resolution and feature extraction make many small allocations (the
// system allocator cost the bulk run 38% more time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod corpus;
mod errors;
mod model;
mod signals;
mod training;

/// The module `quotekit._quotekit`.
#[pymodule]
fn _quotekit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    // As in the `quotekit` binary: mimalloc keeps the memory it frees, so the
    // encoder's tensors do not come back as fresh zeroed pages.
    quotekit_infer::memory::keep_freed_pages();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // (The limits the Python layer names in its messages.)
    m.add("MAX_THREADS", quotekit_model::config::MAX_THREADS)?;
    m.add("MAX_TRIALS", quotekit_model::tune::space::MAX_TRIALS)?;
    m.add("QuotekitError", py.get_type::<errors::QuotekitError>())?;
    m.add("ModelError", py.get_type::<errors::ModelError>())?;
    m.add("ConfigError", py.get_type::<errors::ConfigError>())?;
    m.add("DataError", py.get_type::<errors::DataError>())?;
    m.add("InputError", py.get_type::<errors::InputError>())?;
    m.add_class::<model::NativeModel>()?;
    m.add_function(wrap_pyfunction!(model::load, m)?)?;
    m.add_function(wrap_pyfunction!(training::train, m)?)?;
    m.add_function(wrap_pyfunction!(training::tune, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::read_corpus, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::who_is_quoted, m)?)?;
    Ok(())
}
