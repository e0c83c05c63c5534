//! Keyword options → the core's `ManagerOptions`.
//!
//! The same keywords on every constructor, one per core option (durations in
//! seconds, int or float): `base_url`, `allowed_hosts`, `leeway_seconds`,
//! `hard_margin_seconds`, `strict`, `scope`, `request_timeout`,
//! `connect_timeout`, `lock_wait`, `max_attempts`.
//! `None` keeps the default. This file only translates types: which values
//! make sense is decided by the core (`ManagerOptions::validate`, run when the
//! manager is built), so every language accepts and refuses the same values.

use std::time::Duration;

use concur_auth::ManagerOptions;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::config_error;

/// The keywords accepted, in the order the docs list them.
pub(crate) const KEYWORDS: [&str; 10] = [
    "base_url",
    "allowed_hosts",
    "leeway_seconds",
    "hard_margin_seconds",
    "strict",
    "scope",
    "request_timeout",
    "connect_timeout",
    "lock_wait",
    "max_attempts",
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
            "leeway_seconds" => options.leeway = seconds(&key, &value)?,
            "hard_margin_seconds" => options.hard_margin = seconds(&key, &value)?,
            "strict" => options.strict = value.extract::<bool>()?,
            "scope" => options.scope = Some(value.extract()?),
            "request_timeout" => options.http.request_timeout = seconds(&key, &value)?,
            "connect_timeout" => options.http.connect_timeout = seconds(&key, &value)?,
            "lock_wait" => options.lock_wait = seconds(&key, &value)?,
            "max_attempts" => {
                let attempts: i64 = value.extract()?;
                options.retry.max_attempts = u32::try_from(attempts).map_err(|_| {
                    config_error(format!(
                        "max_attempts must be a whole number, 1 or more (got {attempts})"
                    ))
                })?;
            }
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

/// A number of seconds as a duration. Only what no duration can hold (a
/// negative, infinite or NaN number) is refused here; the range is the core's.
fn seconds(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Duration> {
    let secs: f64 = value.extract()?;
    Duration::try_from_secs_f64(secs).map_err(|_| {
        config_error(format!(
            "{name} must be a number of seconds, zero or more (got {secs})"
        ))
    })
}
