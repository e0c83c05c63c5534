//! Core errors → Python exceptions: the one mapping table.
//!
//! The exception classes are plain Python classes in `concur_auth.exceptions`
//! (so they carry attributes, pickle across processes and type-check); this
//! file only picks the class for each [`ErrorKind`] and fills in the details
//! the core error carries. Core error text never contains a secret.

use concur_auth::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

/// The Python module that defines the exception classes.
const EXCEPTIONS_MODULE: &str = "concur_auth.exceptions";

/// The exception class (in `concur_auth.exceptions`) for each error kind.
pub(crate) fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config => "ConfigurationError",
        ErrorKind::NotInitialized => "NotInitializedError",
        ErrorKind::Auth => "AuthenticationError",
        ErrorKind::RefreshTokenExpired => "RefreshTokenExpiredError",
        ErrorKind::Network => "NetworkError",
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::Server => "ServerError",
        ErrorKind::InvalidResponse => "InvalidResponseError",
        ErrorKind::Store => "StoreError",
        ErrorKind::CorruptStore => "CorruptStoreError",
        ErrorKind::HostNotAllowed => "HostNotAllowedError",
        ErrorKind::Api => "ApiError",
        // A kind added to the core later still raises the common base class.
        _ => "ConcurAuthError",
    }
}

/// Every stable error code with the name of the class it raises, for tests
/// and documentation.
#[pyfunction]
pub(crate) fn error_classes() -> Vec<(&'static str, &'static str)> {
    ErrorKind::ALL
        .iter()
        .map(|kind| (kind.code(), class_name(*kind)))
        .collect()
}

/// Every stable error code with the code of its family (`None` for the roots):
/// the core's one table (`ErrorKind::parent`), which the class tree in
/// `concur_auth.exceptions` follows (checked by the tests).
#[pyfunction]
pub(crate) fn error_families() -> Vec<(&'static str, Option<&'static str>)> {
    ErrorKind::ALL
        .iter()
        .map(|kind| (kind.code(), kind.parent().map(ErrorKind::code)))
        .collect()
}

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The Python exception for a core error.
pub(crate) fn to_py_err(err: Error) -> PyErr {
    Python::attach(|py| build(py, &err).unwrap_or_else(|failure| failure))
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let module = EXCEPTIONS
        .get_or_try_init(py, || PyResult::Ok(py.import(EXCEPTIONS_MODULE)?.unbind()))?
        .bind(py);
    let class = module.getattr(class_name(err.kind()))?;
    let details = PyDict::new(py);
    details.set_item("code", err.code())?;
    details.set_item("concur_code", err.concur_code())?;
    details.set_item("http_status", err.http_status())?;
    details.set_item("correlation_id", err.correlation_id())?;
    details.set_item("message", err.message())?;
    let exception = class.call((err.to_string(),), Some(&details))?;
    Ok(PyErr::from_value(exception))
}

/// A configuration error raised by the binding itself (bad option values).
pub(crate) fn config_error(message: impl Into<String>) -> PyErr {
    to_py_err(Error::new(ErrorKind::Config, message))
}
