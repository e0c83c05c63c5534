//! `Status`: the core's secret-free summary of the stored token state, as a
//! frozen Python object.

use concur_auth::Status;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::repr_str;

/// What `TokenManager.status()` reports: both expiries (Unix seconds), days
/// left on the refresh token, the geolocation and the store. Read without any
/// network call; holds no secret.
#[pyclass(frozen, module = "concur_auth", name = "Status")]
#[derive(Debug)]
pub struct PyStatus {
    inner: Status,
}

impl PyStatus {
    pub(crate) fn new(inner: Status) -> Self {
        PyStatus { inner }
    }
}

#[pymethods]
impl PyStatus {
    /// A refresh token is stored (the one-time exchange has run).
    #[getter]
    fn initialized(&self) -> bool {
        self.inner.initialized
    }

    /// The stored access token is still usable (more than the leeway left).
    #[getter]
    fn access_token_valid(&self) -> bool {
        self.inner.access_token_valid
    }

    /// When the stored access token expires, Unix seconds.
    #[getter]
    fn access_token_expires_at(&self) -> Option<i64> {
        self.inner.access_token_expires_at
    }

    /// Where the access token is in its life: `"fresh"` (served from memory),
    /// `"stale"` (still served while one background refresh runs), `"expired"`
    /// (callers wait for a refresh) or `"none"` (no access token stored).
    #[getter]
    fn state(&self) -> &'static str {
        self.inner.state.as_str()
    }

    /// When the access token turns stale (expiry minus the leeway), Unix seconds.
    #[getter]
    fn stale_at(&self) -> Option<i64> {
        self.inner.stale_at
    }

    /// When the access token counts as expired (expiry minus the hard margin),
    /// Unix seconds.
    #[getter]
    fn hard_expiry_at(&self) -> Option<i64> {
        self.inner.hard_expiry_at
    }

    /// When the refresh token expires, Unix seconds.
    #[getter]
    fn refresh_token_expires_at(&self) -> Option<i64> {
        self.inner.refresh_token_expires_at
    }

    /// Days left on the refresh token, to the nearest day (negative once expired).
    #[getter]
    fn refresh_token_days_left(&self) -> Option<i64> {
        self.inner.refresh_token_days_left
    }

    /// Fewer than 30 days left: plan a new company request token.
    #[getter]
    fn refresh_token_expiring_soon(&self) -> bool {
        self.inner.refresh_token_expiring_soon
    }

    /// Only a new company request token helps now.
    #[getter]
    fn refresh_token_expired(&self) -> bool {
        self.inner.refresh_token_expired
    }

    /// Base URL of refreshes and API calls.
    #[getter]
    fn geolocation(&self) -> Option<&str> {
        self.inner.geolocation.as_deref()
    }

    /// The company the tokens belong to.
    #[getter]
    fn company_uuid(&self) -> Option<&str> {
        self.inner.company_uuid.as_deref()
    }

    /// Which store was read, e.g. `file ./refreshTokenObjectFile.json`.
    #[getter]
    fn store(&self) -> &str {
        &self.inner.store
    }

    /// The status as JSON (the same text as `concur-auth status --json`).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The status as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.inner;
        let dict = PyDict::new(py);
        dict.set_item("initialized", s.initialized)?;
        dict.set_item("access_token_valid", s.access_token_valid)?;
        dict.set_item("access_token_expires_at", s.access_token_expires_at)?;
        dict.set_item("state", s.state.as_str())?;
        dict.set_item("stale_at", s.stale_at)?;
        dict.set_item("hard_expiry_at", s.hard_expiry_at)?;
        dict.set_item("refresh_token_expires_at", s.refresh_token_expires_at)?;
        dict.set_item("refresh_token_days_left", s.refresh_token_days_left)?;
        dict.set_item("refresh_token_expiring_soon", s.refresh_token_expiring_soon)?;
        dict.set_item("refresh_token_expired", s.refresh_token_expired)?;
        dict.set_item("geolocation", s.geolocation.as_deref())?;
        dict.set_item("company_uuid", s.company_uuid.as_deref())?;
        dict.set_item("store", &s.store)?;
        Ok(dict)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyStatus>()
            .is_ok_and(|other| other.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.inner.to_json().hash(&mut hasher);
        hasher.finish()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let s = &self.inner;
        let opt_int = |v: Option<i64>| v.map_or_else(|| "None".to_owned(), |v| v.to_string());
        let opt_str = |v: &Option<String>| {
            v.as_deref()
                .map_or_else(|| "None".to_owned(), |v| repr_str(py, v))
        };
        let py_bool = |b: bool| if b { "True" } else { "False" };
        format!(
            "Status(initialized={}, access_token_valid={}, access_token_expires_at={}, \
             state={}, stale_at={}, hard_expiry_at={}, refresh_token_expires_at={}, refresh_token_days_left={}, \
             refresh_token_expiring_soon={}, refresh_token_expired={}, geolocation={}, \
             company_uuid={}, store={})",
            py_bool(s.initialized),
            py_bool(s.access_token_valid),
            opt_int(s.access_token_expires_at),
            repr_str(py, s.state.as_str()),
            opt_int(s.stale_at),
            opt_int(s.hard_expiry_at),
            opt_int(s.refresh_token_expires_at),
            opt_int(s.refresh_token_days_left),
            py_bool(s.refresh_token_expiring_soon),
            py_bool(s.refresh_token_expired),
            opt_str(&s.geolocation),
            opt_str(&s.company_uuid),
            repr_str(py, &s.store),
        )
    }
}
