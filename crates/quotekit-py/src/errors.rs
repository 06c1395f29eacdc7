//! The Python exceptions, and the library errors they carry. Messages are
//! the CLI's (its `error:` line without the prefix).

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::PyErr;

create_exception!(
    quotekit,
    QuotekitError,
    PyException,
    "Every error quotekit raises."
);
create_exception!(
    quotekit,
    ModelError,
    QuotekitError,
    "A model that cannot be loaded, trained or saved."
);
create_exception!(
    quotekit,
    ConfigError,
    ModelError,
    "A training config that cannot be used (names the key and why)."
);
create_exception!(
    quotekit,
    DataError,
    QuotekitError,
    "A corpus that cannot be read, or predictions that cannot be scored against gold."
);
create_exception!(
    quotekit,
    InputError,
    QuotekitError,
    "An argument quotekit cannot use: a path, a number of threads, a text."
);

/// A model crate error as a Python exception.
pub fn model(e: quotekit_model::ModelError) -> PyErr {
    model_in("", e)
}

/// A model crate error with the CLI's context before it (`training failed:
/// ...`), or none when `context` is empty.
pub fn model_in(context: &str, e: quotekit_model::ModelError) -> PyErr {
    let message = advice(if context.is_empty() {
        e.to_string()
    } else {
        format!("{context}: {e}")
    });
    // (An error read for a config key is of the class of what it read.)
    match e.unkeyed() {
        quotekit_model::ModelError::Config { .. } => ConfigError::new_err(message),
        quotekit_model::ModelError::Data(_) => DataError::new_err(message),
        _ => ModelError::new_err(message),
    }
}

/// An error reading a config or search space: a file that cannot be read,
/// or whose bytes are no UTF-8, is a [`ConfigError`] too, as one that cannot
/// be used is.
pub fn config(e: quotekit_model::ModelError) -> PyErr {
    match e {
        quotekit_model::ModelError::Io { .. }
        | quotekit_model::ModelError::Data(quotekit_data::DataError::NotUtf8 { .. }) => {
            ConfigError::new_err(e.to_string())
        }
        e => model(e),
    }
}

/// A data crate error as a Python exception.
pub fn data(e: quotekit_data::DataError) -> PyErr {
    DataError::new_err(advice(e.to_string()))
}

/// A message with the command line's advice as Python gives it: the same
/// is an argument here.
pub fn advice(message: String) -> String {
    let mut message = message
        .replace("skip it with --lenient", "skip it with lenient=True")
        .replace("--ignore-label", "ignore_labels")
        .replace("brat article: --annotator", "brat article: annotator=")
        .replace("given as `--label-map FILE`", "given as `label_map=FILE`")
        .replace("trials (--trials)", "trials (trials=)")
        .replace("another --out", "another out=");
    // (`tune`'s refusal of a key both searched and given.)
    for key in ["train", "dev", "names", "threads"] {
        message = message.replace(
            &format!("and given by --{key}: the space's values would override the flag's"),
            &format!("and given as {key}=: the space's values would override the argument's"),
        );
    }
    message
}

/// A resource the system would not give (threads, say), with what was
/// asked: no argument was wrong, so it is a plain [`QuotekitError`].
pub fn system(what: &str, e: impl std::fmt::Display) -> PyErr {
    QuotekitError::new_err(format!("{what}: {e}"))
}

/// An error of an argument (paths, locks, numbers) as a Python exception.
pub fn input(e: impl std::fmt::Display) -> PyErr {
    InputError::new_err(e.to_string())
}

/// An exception with the CLI's context before its message (`loading PATH:
/// ...`), of the same class.
pub fn input_in(context: &str, err: PyErr) -> PyErr {
    pyo3::Python::attach(|py| {
        PyErr::from_type(err.get_type(py), format!("{context}: {}", err.value(py)))
    })
}
