//! API calls: `concur_manager_request` sends a request to the token's
//! geolocation with the bearer token (the core's `ApiClient`: one refresh and
//! retry on 401, bounded retries with backoff on connection errors, 429 and 5xx).

use std::ffi::c_char;

use crate::error::{concur_status, Failure};
use crate::ffi::{arg_ref, arg_str, opt_str, out_arg};
use crate::manager::concur_manager;
use crate::panic::ffi_status;
use crate::strings::text_to_c;

/// Parses the caller's JSON body. The error quotes position only: a body may hold
/// personal data.
fn parse_body(body: &str) -> Result<serde_json::Value, Failure> {
    serde_json::from_str(body).map_err(|err| {
        Failure::new(
            concur_status::Config,
            format!(
                "body_json is not valid JSON (line {}, column {})",
                err.line(),
                err.column()
            ),
        )
    })
}

/// Calls a Concur API: `method` ("GET", "POST", "PUT", "PATCH", "DELETE", any
/// case) on `path` relative to the token's geolocation (e.g.
/// "/profile/identity/v4/Users/"), with `body_json` (nullable) sent as
/// `application/json`. On CONCUR_STATUS_OK, `*http_status_out` holds the final HTTP
/// status, whatever it is (check it: 404 is a successful call), and `*body_out` the
/// reply body as text (free it with concur_string_free()). 429 and 5xx still
/// failing after the retries give CONCUR_STATUS_SERVER; server errors are retried
/// only for idempotent methods.
///
/// # Safety
/// `manager` is NULL or live; strings are NULL or NUL-terminated; the out
/// pointers are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_request(
    manager: *const concur_manager,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    http_status_out: *mut u16,
    body_out: *mut *mut c_char,
) -> concur_status {
    ffi_status("concur_manager_request", || {
        // SAFETY (whole block): forwarded contract.
        let http_status_out = unsafe { out_arg(http_status_out, "http_status_out", 0) }?;
        let body_out = unsafe { out_arg(body_out, "body_out", std::ptr::null_mut()) }?;
        let manager = unsafe { arg_ref(manager, "manager") }?;
        let method = unsafe { arg_str(method, "method") }?;
        let path = unsafe { arg_str(path, "path") }?;
        let body = unsafe { opt_str(body_json, "body_json") }?
            .map(parse_body)
            .transpose()?;
        let response = manager.inner.request(method, path, body.as_ref())?;
        *http_status_out = response.status;
        *body_out = text_to_c(&response.text());
        Ok(())
    })
}
