//! The token status: both expiries, days left, the geolocation; read from the
//! token file without network and without any secret.

use std::ffi::c_char;

use concur_auth::Status;

use crate::error::concur_status;
use crate::ffi::{arg_ref, out_arg};
use crate::manager::concur_manager;
use crate::panic::ffi_status;
use crate::strings::text_to_c;

/// The status as the C API hands it out: `Status::to_json`.
pub(crate) fn status_to_c(status: &Status) -> *mut c_char {
    text_to_c(&status.to_json())
}

/// The token status as a JSON object in `*json_out` (free it with
/// concur_string_free()), read from the token file without any network call. Fields:
/// `initialized` (bool), `access_token_valid` (bool), `access_token_expires_at`,
/// `refresh_token_expires_at` (Unix seconds or null), `refresh_token_days_left`
/// (or null), `refresh_token_expiring_soon`, `refresh_token_expired` (bool),
/// `geolocation`, `company_uuid` (string or null), `store` (string). No secret.
///
/// # Safety
/// `manager` is NULL or live; `json_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_status(
    manager: *const concur_manager,
    json_out: *mut *mut c_char,
) -> concur_status {
    ffi_status("concur_manager_status", || {
        // SAFETY (whole block): forwarded contract.
        let json_out = unsafe { out_arg(json_out, "json_out", std::ptr::null_mut()) }?;
        let manager = unsafe { arg_ref(manager, "manager") }?;
        let status = manager.inner.status()?;
        *json_out = status_to_c(&status);
        Ok(())
    })
}
