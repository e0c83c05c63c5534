//! Keyword options → the core's `ManagerOptions`.
//!
//! The same keywords on every constructor: `base_url`, `allowed_hosts`,
//! `leeway_seconds`, `scope`, `request_timeout`, `connect_timeout` (seconds,
//! int or float). `None` keeps the default.

use std::time::Duration;

use concur_auth::ManagerOptions;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::config_error;

/// The keywords accepted, in the order the docs list them.
pub(crate) const KEYWORDS: [&str; 6] = [
    "base_url",
    "allowed_hosts",
    "leeway_seconds",
    "scope",
    "request_timeout",
    "connect_timeout",
];

/// `base` with the given keyword options applied.
pub(crate) fn apply(
    mut options: ManagerOptions,
    keywords: Option<&Bound<'_, PyDict>>,
) -> PyResult<ManagerOptions> {
    let Some(keywords) = keywords else {
        return Ok(options);
    };
    for (key, value) in keywords.iter() {
        let key: String = key.extract()?;
        if value.is_none() {
            if !KEYWORDS.contains(&key.as_str()) {
                return Err(unexpected(&key));
            }
            continue;
        }
        match key.as_str() {
            "base_url" => options.base_url = value.extract()?,
            "allowed_hosts" => {
                if value.is_instance_of::<PyString>() {
                    return Err(PyTypeError::new_err(
                        "allowed_hosts must be a list of host names, not a string",
                    ));
                }
                options.allowed_hosts = value.extract()?;
            }
            "leeway_seconds" => options.leeway = seconds(&key, &value, true)?,
            "scope" => options.scope = Some(value.extract()?),
            "request_timeout" => options.http.request_timeout = seconds(&key, &value, false)?,
            "connect_timeout" => options.http.connect_timeout = seconds(&key, &value, false)?,
            _ => return Err(unexpected(&key)),
        }
    }
    Ok(options)
}

fn unexpected(key: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "unexpected keyword argument '{key}'; the options are {}",
        KEYWORDS.join(", ")
    ))
}

/// A number of seconds; zero only where `zero_ok`.
fn seconds(name: &str, value: &Bound<'_, PyAny>, zero_ok: bool) -> PyResult<Duration> {
    let secs: f64 = value.extract()?;
    let valid = secs.is_finite() && (secs > 0.0 || (zero_ok && secs == 0.0));
    if !valid || secs > 1e9 {
        let bound = if zero_ok {
            "zero or more"
        } else {
            "more than zero"
        };
        return Err(config_error(format!(
            "{name} must be a number of seconds, {bound} (got {secs})"
        )));
    }
    Ok(Duration::from_secs_f64(secs))
}
