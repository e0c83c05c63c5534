//! Reading whole lists: the core `Pager` as a Python iterator and async
//! iterator of records (`for user in manager.read_list(path)`, `async for`),
//! and of `Page` objects (`.pages()`).
//!
//! Blocking steps release the GIL; async steps run on the shared runtime. A
//! page failing for good raises the core error's exception class with
//! `records_read`, `pages_read` and `next_start_index` set on it; the pager is
//! not moved, so iterating again retries that page.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use concur_auth::{Page, PageError, Pager};
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::client::json_to_py;
use crate::errors::to_py_err;
use crate::repr_str;
use crate::runtime::{blocking, future_into_py, ready_future, runtime};

type Shared = Arc<Mutex<Pager>>;

/// The exception for a read that stopped early, carrying how far it got.
fn page_error(err: PageError) -> PyErr {
    let exception = to_py_err(err.error().clone());
    Python::attach(|py| {
        let value = exception.value(py);
        let progress = [
            ("records_read", err.records_read()),
            ("pages_read", err.pages_read()),
            ("next_start_index", err.next_start_index()),
        ];
        for (name, number) in progress {
            if let Err(failure) = value.setattr(name, number) {
                return failure;
            }
        }
        exception
    })
}

/// One step of a pager (the next record or the next page), as a future.
type Step<'a, T> = Pin<Box<dyn Future<Output = Result<Option<T>, PageError>> + Send + 'a>>;

/// Runs one step of the pager to completion with the GIL released.
fn step_blocking<T: Send>(
    py: Python<'_>,
    pager: &Shared,
    step: for<'a> fn(&'a mut Pager) -> Step<'a, T>,
) -> PyResult<Option<T>> {
    let outcome = blocking(py, || {
        Ok(runtime()?.block_on(async { step(&mut *pager.lock().await).await }))
    })?;
    outcome.map_err(page_error)
}

fn next_record(pager: &mut Pager) -> Step<'_, Value> {
    Box::pin(pager.next_record())
}

fn next_page(pager: &mut Pager) -> Step<'_, Page> {
    Box::pin(pager.next_page())
}

fn record_or_stop(
    py: Python<'_>,
    outcome: Result<Option<Value>, PageError>,
) -> PyResult<Py<PyAny>> {
    match outcome.map_err(page_error)? {
        Some(record) => json_to_py(py, &record),
        None => Err(PyStopAsyncIteration::new_err(())),
    }
}

fn page_or_stop(py: Python<'_>, outcome: Result<Option<Page>, PageError>) -> PyResult<Py<PyAny>> {
    match outcome.map_err(page_error)? {
        Some(page) => Ok(Py::new(py, PyPage::new(py, page)?)?.into_any()),
        None => Err(PyStopAsyncIteration::new_err(())),
    }
}

/// Every record of a paged Identity v4 list, one page in memory at a time:
/// `for record in pager` or `async for record in pager`; `pager.pages()` for
/// whole pages. Each page has the manager's token, retry and 401 rules.
#[pyclass(frozen, module = "concur_auth", name = "Pager")]
#[derive(Debug)]
pub struct PyPager {
    inner: Shared,
    path: String,
}

impl PyPager {
    /// A pager over `path` (see `TokenManager.read_list`).
    pub(crate) fn open(
        manager: &concur_auth::TokenManager,
        path: &str,
        page_size: Option<u32>,
        max_pages: Option<u64>,
    ) -> PyResult<Self> {
        let mut pager = manager.api_client().read_list(path).map_err(to_py_err)?;
        if let Some(size) = page_size {
            pager = pager.page_size(size);
        }
        if let Some(pages) = max_pages {
            pager = pager.max_pages(pages);
        }
        Ok(PyPager {
            inner: Arc::new(Mutex::new(pager)),
            path: path.to_owned(),
        })
    }
}

#[pymethods]
impl PyPager {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.without_io() {
            Some(Some(record)) => return json_to_py(py, &record),
            Some(None) => return Err(PyStopIteration::new_err(())),
            None => {}
        }
        match step_blocking(py, &self.inner, next_record)? {
            Some(record) => json_to_py(py, &record),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    fn __aiter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // Answered at once when no page is needed: no runtime trip per record,
        // and the end of the list is raised here rather than from a thread.
        match self.without_io() {
            Some(Some(record)) => return ready_future(py, json_to_py(py, &record)?.into_bound(py)),
            Some(None) => return Err(PyStopAsyncIteration::new_err(())),
            None => {}
        }
        let pager = self.inner.clone();
        let work = async move { Ok(pager.lock().await.next_record().await) };
        future_into_py(py, work, record_or_stop)
    }

    /// The same list as whole `Page`s (iterable and async iterable). Share
    /// one pager between records and pages and each sees what the other left.
    fn pages(&self) -> PyPages {
        PyPages {
            inner: self.inner.clone(),
        }
    }

    /// Records received so far.
    #[getter]
    fn records_read(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, Pager::records_read)
    }

    /// The `startIndex` of the next page to ask for.
    #[getter]
    fn next_start_index(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, Pager::next_start_index)
    }

    /// The list's size according to the latest page, once one arrived.
    #[getter]
    fn total_results(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        self.read(py, Pager::total_results)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("<Pager {}>", repr_str(py, &self.path))
    }
}

impl PyPager {
    /// The next record when no page needs fetching: `Some(Some(record))`, or
    /// `Some(None)` at the end of the list; `None` when a page must be fetched
    /// (or another thread is reading one).
    fn without_io(&self) -> Option<Option<Value>> {
        let mut pager = self.inner.try_lock().ok()?;
        match pager.next_buffered() {
            Some(record) => Some(Some(record)),
            None if pager.is_finished() => Some(None),
            None => None,
        }
    }

    /// A counter of the pager; waits (GIL released) while a page is in flight.
    fn read<T: Send>(&self, py: Python<'_>, get: fn(&Pager) -> T) -> PyResult<T> {
        blocking(py, || Ok(get(&self.inner.blocking_lock())))
    }
}

/// The pages of a `Pager`: `for page in pager.pages()` or `async for`.
#[pyclass(frozen, module = "concur_auth", name = "Pages")]
#[derive(Debug)]
pub struct PyPages {
    inner: Shared,
}

#[pymethods]
impl PyPages {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<PyPage> {
        match step_blocking(py, &self.inner, next_page)? {
            Some(page) => PyPage::new(py, page),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    fn __aiter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if self.inner.try_lock().is_ok_and(|pager| pager.is_finished()) {
            return Err(PyStopAsyncIteration::new_err(()));
        }
        let pager = self.inner.clone();
        let work = async move { Ok(pager.lock().await.next_page().await) };
        future_into_py(py, work, page_or_stop)
    }
}

/// One page of a list: its `start_index`, the list's `total_results` when
/// it was served, and its `records`.
#[pyclass(frozen, module = "concur_auth", name = "Page")]
#[derive(Debug)]
pub struct PyPage {
    start_index: u64,
    total_results: Option<u64>,
    records: Py<PyList>,
    correlation_id: Option<String>,
}

impl PyPage {
    fn new(py: Python<'_>, page: Page) -> PyResult<Self> {
        let records = PyList::empty(py);
        for record in &page.records {
            records.append(json_to_py(py, record)?)?;
        }
        Ok(PyPage {
            start_index: page.start_index,
            total_results: page.total_results,
            records: records.unbind(),
            correlation_id: page.correlation_id,
        })
    }
}

#[pymethods]
impl PyPage {
    /// The `startIndex` this page was asked for (1-based).
    #[getter]
    fn start_index(&self) -> u64 {
        self.start_index
    }

    /// The list's size when this page was served, if the server said.
    #[getter]
    fn total_results(&self) -> Option<u64> {
        self.total_results
    }

    /// The page's records (a list of dicts).
    #[getter]
    fn records<'py>(&self, py: Python<'py>) -> Bound<'py, PyList> {
        self.records.bind(py).clone()
    }

    /// The reply's `concur-correlationid`.
    #[getter]
    fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.records.bind(py).len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Page start_index={} total_results={:?}>",
            self.start_index, self.total_results
        )
    }
}
