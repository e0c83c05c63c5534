//! Python bindings for concur-auth, compiled as `concur_auth._native`.
//!
//! Every decision lives in the core crate; the files here only translate, one
//! per core module: `manager.rs` (the `TokenManager` class), `client.rs` (API
//! calls and the `Response` class), `pager.rs` (whole lists as iterators),
//! `status.rs`, `errors.rs` (core error kinds
//! → the exception classes of `concur_auth.exceptions`), `options.rs` (keyword
//! options → `ManagerOptions`), `runtime.rs` (blocking without the GIL and the
//! asyncio bridge over the shared runtime) and `logging.rs` (tracing → Python's
//! `logging`). The pure-Python package `concur_auth` wraps this module.

mod client;
mod errors;
mod logging;
mod manager;
mod options;
mod pager;
mod runtime;
mod status;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Python's `repr()` of a string, for the `__repr__` of the classes here.
pub(crate) fn repr_str(py: Python<'_>, text: &str) -> String {
    PyString::new(py, text)
        .repr()
        .map_or_else(|_| format!("{text:?}"), |repr| repr.to_string())
}

/// The native half of the `concur_auth` package; import `concur_auth` instead.
#[pymodule(name = "_native")]
mod native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::client::PyResponse;
    #[pymodule_export]
    use crate::errors::error_classes;
    #[pymodule_export]
    use crate::errors::error_families;
    #[pymodule_export]
    use crate::manager::PyTokenManager;
    #[pymodule_export]
    use crate::pager::{PyPage, PyPager, PyPages};
    #[pymodule_export]
    use crate::status::PyStatus;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", concur_auth::VERSION)?;
        m.add("DEFAULT_BASE_URL", concur_auth::DEFAULT_BASE_URL)?;
        m.add("DEFAULT_TOKEN_FILE", concur_auth::DEFAULT_TOKEN_FILE)?;
        m.add(
            "DEFAULT_CREDENTIALS_FILE",
            concur_auth::DEFAULT_CREDENTIALS_FILE,
        )?;
        m.add("REDACTED", concur_auth::REDACTED)?;
        super::logging::install();
        Ok(())
    }
}
