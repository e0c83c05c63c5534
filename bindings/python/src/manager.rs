//! `TokenManager`: the one object Python users hold.
//!
//! Each method is the core call of the same name, translated: blocking ones
//! release the GIL while they wait, `*_async` ones return an asyncio future.
//! `access_token()` answers from the core's in-memory cache first, without
//! releasing the GIL or touching the runtime (the hot path).

use std::path::PathBuf;

use concur_auth::{
    blocking, Credentials, ExchangeOptions, ManagerOptions, Secret, DEFAULT_CREDENTIALS_FILE,
    DEFAULT_TOKEN_FILE,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::client::{json_body, PyResponse};
use crate::errors::to_py_err;
use crate::options;
use crate::pager::PyPager;
use crate::repr_str;
use crate::runtime::{blocking, future_into_py, ready_future, runtime};
use crate::status::PyStatus;

/// Issues access tokens for one Concur company, refreshing and persisting as
/// needed: one refresh at a time per process, and across processes sharing the
/// token file. Thread-safe; share one instance.
#[pyclass(frozen, module = "concur_auth", name = "TokenManager")]
#[derive(Debug)]
pub struct PyTokenManager {
    inner: blocking::TokenManager,
}

impl PyTokenManager {
    fn wrap(inner: blocking::TokenManager) -> PyResult<Self> {
        Ok(PyTokenManager { inner })
    }

    fn manager(&self) -> &concur_auth::TokenManager {
        self.inner.as_async()
    }
}

fn secret_to_py(py: Python<'_>, secret: Secret) -> PyResult<Py<PyAny>> {
    Ok(PyString::new(py, secret.expose()).into_any().unbind())
}

fn status_to_py(py: Python<'_>, status: concur_auth::Status) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyStatus::new(status))?.into_any())
}

fn none_to_py(py: Python<'_>, (): ()) -> PyResult<Py<PyAny>> {
    Ok(py.None())
}

#[pymethods]
impl PyTokenManager {
    /// A manager from values: the app's client id and secret and, for the
    /// one-time exchange, the company UUID and request token. `token_file` is
    /// the token file's path (default `refreshTokenObjectFile.json`) or any
    /// store location the core accepts (`memory:`, ...).
    #[new]
    #[pyo3(signature = (client_id, client_secret, company_uuid=None, request_token=None, token_file=None, **options))]
    fn new(
        py: Python<'_>,
        client_id: String,
        client_secret: String,
        company_uuid: Option<String>,
        request_token: Option<String>,
        token_file: Option<PathBuf>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = options::apply(ManagerOptions::default(), options)?;
        let location = token_file.map_or_else(
            || DEFAULT_TOKEN_FILE.to_owned(),
            |path| path.to_string_lossy().into_owned(),
        );
        let inner = blocking(py, move || {
            let credentials = Credentials::new(client_id, client_secret)?.with_company(
                company_uuid.unwrap_or_default(),
                request_token.unwrap_or_default(),
            );
            let _runtime = runtime()?.enter();
            concur_auth::TokenManager::with_store_location(credentials, &location, options)
                .map(blocking::TokenManager::wrap)
        })?;
        Self::wrap(inner)
    }

    /// The tutorials' setup: `credentials.json` and `refreshTokenObjectFile.json`.
    #[staticmethod]
    #[pyo3(signature = (credentials=None, token_file=None, **options))]
    fn from_files(
        py: Python<'_>,
        credentials: Option<PathBuf>,
        token_file: Option<PathBuf>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = options::apply(ManagerOptions::default(), options)?;
        let credentials = credentials.unwrap_or_else(|| PathBuf::from(DEFAULT_CREDENTIALS_FILE));
        let token_file = token_file.unwrap_or_else(|| PathBuf::from(DEFAULT_TOKEN_FILE));
        let inner = blocking(py, move || {
            blocking::TokenManager::from_files(credentials, token_file, options)
        })?;
        Self::wrap(inner)
    }

    /// Credentials from `CONCUR_CLIENT_ID`, `CONCUR_CLIENT_SECRET` (and
    /// `CONCUR_COMPANY_UUID`, `CONCUR_REQUEST_TOKEN` for the exchange), the token
    /// file from `CONCUR_TOKEN_FILE`, options from `CONCUR_BASE_URL`,
    /// `CONCUR_ALLOWED_HOSTS` and `CONCUR_LEEWAY_SECS`.
    #[staticmethod]
    fn from_env(py: Python<'_>) -> PyResult<Self> {
        let inner = blocking(py, blocking::TokenManager::from_env)?;
        Self::wrap(inner)
    }

    /// A valid access token: from memory while fresh, or while stale (then one
    /// background refresh runs; nobody waits); otherwise after one refresh
    /// shared by every waiting thread (the GIL is released while waiting).
    fn access_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        if let Some(token) = self.manager().cached_access_token() {
            return Ok(PyString::new(py, token.expose()));
        }
        let token = blocking(py, || self.inner.access_token())?;
        Ok(PyString::new(py, token.expose()))
    }

    /// `await manager.access_token_async()`: the same, on the running asyncio loop.
    fn access_token_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(token) = self.manager().cached_access_token() {
            return ready_future(py, PyString::new(py, token.expose()).into_any());
        }
        let manager = self.manager().clone();
        future_into_py(
            py,
            async move { manager.access_token().await },
            secret_to_py,
        )
    }

    /// The cached access token while it may be served without waiting (fresh,
    /// or stale: then one background refresh is started), else `None`; never
    /// does I/O.
    fn cached_access_token<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyString>> {
        self.manager()
            .cached_access_token()
            .map(|token| PyString::new(py, token.expose()))
    }

    /// Refreshes now, whatever the cached token's age; returns the new token.
    fn force_refresh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        let token = blocking(py, || self.inner.force_refresh())?;
        Ok(PyString::new(py, token.expose()))
    }

    /// `await manager.force_refresh_async()`.
    fn force_refresh_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let manager = self.manager().clone();
        future_into_py(
            py,
            async move { manager.force_refresh().await },
            secret_to_py,
        )
    }

    /// The server answered 401 to `token`: returns a replacement, sharing one
    /// refresh with every caller that saw the same rejection (what the HTTP
    /// adapters call before their one retry).
    fn replace_rejected_token<'py>(
        &self,
        py: Python<'py>,
        token: String,
    ) -> PyResult<Bound<'py, PyString>> {
        let manager = self.manager().clone();
        let work = async move { manager.replace_rejected(&Secret::new(token)).await };
        let token = blocking(py, || concur_auth::block_on(work))?;
        Ok(PyString::new(py, token.expose()))
    }

    /// `await manager.replace_rejected_token_async(token)`.
    fn replace_rejected_token_async<'py>(
        &self,
        py: Python<'py>,
        token: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let manager = self.manager().clone();
        let work = async move { manager.replace_rejected(&Secret::new(token)).await };
        future_into_py(py, work, secret_to_py)
    }

    /// The one-time exchange of the company request token for a refresh
    /// token, saved at once. Transient failures (timeout, dropped connection,
    /// 5xx) are retried within the retry budget: a request token may be used
    /// again within its 24 hours. Refuses (`ConfigError`, before anything is
    /// sent) to replace a live refresh token unless `force=True`, which
    /// replaces this app's own (never another app's). Returns the new status.
    #[pyo3(signature = (*, force=false))]
    fn exchange_request_token(&self, py: Python<'_>, force: bool) -> PyResult<PyStatus> {
        let options = ExchangeOptions { force };
        let status = blocking(py, || self.inner.exchange_request_token_with(options))?;
        Ok(PyStatus::new(status))
    }

    /// `await manager.exchange_request_token_async(force=False)`.
    #[pyo3(signature = (*, force=false))]
    fn exchange_request_token_async<'py>(
        &self,
        py: Python<'py>,
        force: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let manager = self.manager().clone();
        let options = ExchangeOptions { force };
        future_into_py(
            py,
            async move { manager.exchange_request_token_with(options).await },
            status_to_py,
        )
    }

    /// Both expiries, days left, the geolocation: read from the store, no network.
    fn status(&self, py: Python<'_>) -> PyResult<PyStatus> {
        let status = blocking(py, || self.inner.status())?;
        Ok(PyStatus::new(status))
    }

    /// `await manager.status_async()`.
    fn status_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let manager = self.manager().clone();
        future_into_py(py, async move { manager.status().await }, status_to_py)
    }

    /// `method path` relative to the token's geolocation, with the bearer
    /// token, one refresh-and-retry on 401 and retries on 429/5xx. `json` is
    /// sent as the JSON body. Any final status is returned as a `Response`.
    #[pyo3(signature = (method, path, json=None))]
    fn request(
        &self,
        py: Python<'_>,
        method: String,
        path: String,
        json: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyResponse> {
        let body = json_body(json)?;
        let response = blocking(py, || self.inner.request(&method, &path, body.as_ref()))?;
        Ok(PyResponse::new(response))
    }

    /// `await manager.request_async(method, path, json=None)`.
    #[pyo3(signature = (method, path, json=None))]
    fn request_async<'py>(
        &self,
        py: Python<'py>,
        method: String,
        path: String,
        json: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = json_body(json)?;
        let client = self.manager().api_client();
        future_into_py(
            py,
            async move { client.request_str(&method, &path, body.as_ref()).await },
            PyResponse::convert,
        )
    }

    /// Every record of a paged Identity v4 list (default
    /// `/profile/identity/v4/Users`), as a `Pager`: `for user in ...` or
    /// `async for user in ...`. Other query parameters in `path` are sent
    /// unchanged; `page_size` is at most 100.
    #[pyo3(signature = (path="/profile/identity/v4/Users", *, page_size=None, max_pages=None))]
    fn read_list(
        &self,
        path: &str,
        page_size: Option<u32>,
        max_pages: Option<u64>,
    ) -> PyResult<PyPager> {
        PyPager::open(self.manager(), path, page_size, max_pages)
    }

    /// Revokes every refresh token of the app for this company and removes
    /// the token file.
    fn revoke(&self, py: Python<'_>) -> PyResult<()> {
        blocking(py, || self.inner.revoke())
    }

    /// `await manager.revoke_async()`.
    fn revoke_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let manager = self.manager().clone();
        future_into_py(py, async move { manager.revoke().await }, none_to_py)
    }

    /// Raises `HostNotAllowedError` unless `url` may receive this manager's
    /// tokens (HTTPS on a Concur host, the base URL's host or an allowed host).
    fn check_url(&self, url: String) -> PyResult<()> {
        self.manager()
            .host_policy()
            .check_url(&url)
            .map(drop)
            .map_err(to_py_err)
    }

    /// The app's client id (not a secret).
    #[getter]
    fn client_id(&self) -> &str {
        self.manager().credentials().client_id()
    }

    /// Which store holds the tokens, e.g. `file ./refreshTokenObjectFile.json`.
    #[getter]
    fn store(&self) -> String {
        self.manager().store().describe()
    }

    /// Where the one-time exchange goes (later calls use the stored geolocation).
    #[getter]
    fn base_url(&self) -> &str {
        &self.manager().options().base_url
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "TokenManager(client_id={}, store={}, base_url={})",
            repr_str(py, self.client_id()),
            repr_str(py, &self.store()),
            repr_str(py, self.base_url())
        )
    }
}
