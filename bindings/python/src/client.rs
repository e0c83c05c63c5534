//! API calls: the request body from Python, and the core's `ApiResponse` as a
//! frozen `Response` object.

use concur_auth::ApiResponse;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString};

use crate::errors::to_py_err;
use crate::repr_str;

static JSON_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A Python object (anything `json.dumps` accepts) as a JSON value for the core.
pub(crate) fn json_body(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<serde_json::Value>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let py = value.py();
    let text: String = JSON_DUMPS
        .import(py, "json", "dumps")?
        .call1((value,))?
        .extract()?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|err| PyTypeError::new_err(format!("json= is not representable as JSON: {err}")))
}

/// A JSON value as plain Python objects (dict, list, str, int, float, bool, None).
pub(crate) fn json_to_py(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                PyInt::new(py, i).into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                PyInt::new(py, u).into_any().unbind()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN))
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(fields) => {
            let dict = PyDict::new(py);
            for (key, item) in fields {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// A Concur API reply. Any final HTTP status arrives here; `raise_for_status()`
/// turns a non-2xx one into an `ApiError`.
#[pyclass(frozen, module = "concur_auth", name = "Response")]
#[derive(Debug)]
pub struct PyResponse {
    inner: ApiResponse,
}

impl PyResponse {
    pub(crate) fn new(inner: ApiResponse) -> Self {
        PyResponse { inner }
    }

    /// For `future_into_py`.
    pub(crate) fn convert(py: Python<'_>, inner: ApiResponse) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, PyResponse::new(inner))?.into_any())
    }
}

#[pymethods]
impl PyResponse {
    /// The HTTP status.
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status
    }

    /// The HTTP status (the name `requests` uses).
    #[getter]
    fn status_code(&self) -> u16 {
        self.inner.status
    }

    /// True for 2xx.
    #[getter]
    fn ok(&self) -> bool {
        self.inner.is_success()
    }

    /// The body as text (invalid UTF-8 replaced).
    #[getter]
    fn text(&self) -> String {
        self.inner.text()
    }

    /// The body as bytes.
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }

    /// The `Content-Type` header, empty when absent.
    #[getter]
    fn content_type(&self) -> &str {
        &self.inner.content_type
    }

    /// The `concur-correlationid` header: quote it to SAP support.
    #[getter]
    fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }

    /// The body parsed as JSON; `InvalidResponseError` when it is not JSON.
    fn json(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let value: serde_json::Value = self.inner.json().map_err(to_py_err)?;
        json_to_py(py, &value)
    }

    /// Returns the response for 2xx, otherwise raises `ApiError` (with the
    /// HTTP status and correlation id).
    fn raise_for_status(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        let inner = &slf.get().inner;
        // The body is not needed to judge the status.
        let head = ApiResponse {
            status: inner.status,
            body: Vec::new(),
            content_type: inner.content_type.clone(),
            correlation_id: inner.correlation_id.clone(),
        };
        head.error_for_status("the API call").map_err(to_py_err)?;
        Ok(slf)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let correlation = self
            .inner
            .correlation_id
            .as_deref()
            .map(|id| format!(" correlation_id={}", repr_str(py, id)))
            .unwrap_or_default();
        format!(
            "<Response [{}] {} {} bytes{correlation}>",
            self.inner.status,
            repr_str(py, &self.inner.content_type),
            self.inner.body.len()
        )
    }
}
