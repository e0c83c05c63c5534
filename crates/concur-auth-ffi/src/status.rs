//! `concur_token_status`: the token status as data. Both expiries, days left,
//! the geolocation; read from the store without network and without any
//! secret. An opaque handle read through accessors, so that fields can be
//! added without breaking the ABI; its strings are borrowed from it.

use std::ffi::{c_char, CString};

use concur_auth::{Status, TokenState};

use crate::error::concur_status;
use crate::ffi::{arg_ref, free_handle, into_handle, out_arg};
use crate::manager::concur_manager;
use crate::panic::{ffi_boundary, ffi_status, PanicDefault};

/// Where the access token is in its life (concur_token_status_state()).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum concur_token_state {
    /// No access token with a known expiry is stored.
    None = 0,
    /// More than the leeway left: served from memory.
    Fresh = 1,
    /// Between the stale and the hard instant: still served at once while one
    /// background refresh runs (strict mode: callers wait for it).
    Stale = 2,
    /// Past the hard instant: callers wait for a refresh.
    Expired = 3,
}

impl PanicDefault for concur_token_state {
    fn panic_default() -> Self {
        concur_token_state::None
    }
}

impl From<TokenState> for concur_token_state {
    fn from(state: TokenState) -> Self {
        match state {
            TokenState::Fresh => concur_token_state::Fresh,
            TokenState::Stale => concur_token_state::Stale,
            TokenState::Expired => concur_token_state::Expired,
            TokenState::None => concur_token_state::None,
        }
    }
}

/// A snapshot of the token status, from concur_manager_status() or
/// concur_manager_exchange(). Read it with the concur_token_status_*()
/// accessors; free it with concur_token_status_free(). Immutable: safe to read
/// from several threads at once.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct concur_token_status {
    status: Status,
    geolocation: Option<CString>,
    company_uuid: Option<CString>,
    store: CString,
}

/// A C string of a text without NUL (store descriptions, URLs, UUIDs); an
/// interior NUL, impossible here, is replaced rather than cut.
fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

impl concur_token_status {
    pub(crate) fn new(status: Status) -> Self {
        concur_token_status {
            geolocation: status.geolocation.as_deref().map(c_text),
            company_uuid: status.company_uuid.as_deref().map(c_text),
            store: c_text(&status.store),
            status,
        }
    }
}

/// Writes `value` to `out` when both exist; whether it did.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn write_opt(value: Option<i64>, out: *mut i64) -> bool {
    match (value, unsafe { out.as_mut() }) {
        (Some(value), Some(out)) => {
            *out = value;
            true
        }
        _ => false,
    }
}

/// Runs `read` on the status behind `status`, or returns `default` for NULL.
///
/// # Safety
/// `status` is NULL or a live `concur_token_status`.
unsafe fn read<R>(
    status: *const concur_token_status,
    default: R,
    read: impl FnOnce(&concur_token_status) -> R,
) -> R {
    match unsafe { status.as_ref() } {
        Some(status) => read(status),
        None => default,
    }
}

/// The token status in `*status_out` (free it with concur_token_status_free()),
/// read from the store without any network call. No secret.
///
/// # Safety
/// `manager` is NULL or live; `status_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_status(
    manager: *const concur_manager,
    status_out: *mut *mut concur_token_status,
) -> concur_status {
    ffi_status("concur_manager_status", || {
        // SAFETY (whole block): forwarded contract.
        let status_out = unsafe { out_arg(status_out, "status_out", std::ptr::null_mut()) }?;
        let manager = unsafe { arg_ref(manager, "manager") }?;
        let status = manager.inner.status()?;
        *status_out = into_handle(concur_token_status::new(status));
        Ok(())
    })
}

/// Frees a status. NULL is ignored.
///
/// # Safety
/// `status` is NULL or from this library and not freed before; the strings
/// its accessors returned are invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_free(status: *mut concur_token_status) {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_free", || unsafe {
        free_handle(status)
    })
}

/// Whether a refresh token is stored (the one-time exchange has run). False for NULL.
///
/// # Safety
/// `status` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_initialized(
    status: *const concur_token_status,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_initialized", || unsafe {
        read(status, false, |s| s.status.initialized)
    })
}

/// Whether the stored access token is still usable (more than the leeway left).
/// False for NULL.
///
/// # Safety
/// `status` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_access_token_valid(
    status: *const concur_token_status,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_access_token_valid", || unsafe {
        read(status, false, |s| s.status.access_token_valid)
    })
}

/// When the stored access token expires (Unix seconds), in `*out`. Returns
/// false, leaving `*out` alone, when it is unknown (or an argument is NULL).
///
/// # Safety
/// `status` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_access_token_expires_at(
    status: *const concur_token_status,
    out: *mut i64,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_access_token_expires_at", || unsafe {
        read(status, false, |s| {
            write_opt(s.status.access_token_expires_at, out)
        })
    })
}

/// Fresh, stale, expired or none, as of the status call. CONCUR_TOKEN_STATE_NONE
/// for NULL.
///
/// # Safety
/// `status` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_state(
    status: *const concur_token_status,
) -> concur_token_state {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_state", || unsafe {
        read(status, concur_token_state::None, |s| s.status.state.into())
    })
}

/// When the access token turns stale (its expiry minus the leeway), Unix
/// seconds, in `*out`; false when unknown.
///
/// # Safety
/// As concur_token_status_access_token_expires_at().
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_stale_at(
    status: *const concur_token_status,
    out: *mut i64,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_stale_at", || unsafe {
        read(status, false, |s| write_opt(s.status.stale_at, out))
    })
}

/// When the access token counts as expired (its expiry minus the hard margin),
/// Unix seconds, in `*out`; false when unknown.
///
/// # Safety
/// As concur_token_status_access_token_expires_at().
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_hard_expiry_at(
    status: *const concur_token_status,
    out: *mut i64,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_hard_expiry_at", || unsafe {
        read(status, false, |s| write_opt(s.status.hard_expiry_at, out))
    })
}

/// When the refresh token expires (Unix seconds), in `*out`; false when unknown.
///
/// # Safety
/// As concur_token_status_access_token_expires_at().
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_refresh_token_expires_at(
    status: *const concur_token_status,
    out: *mut i64,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_refresh_token_expires_at", || unsafe {
        read(status, false, |s| {
            write_opt(s.status.refresh_token_expires_at, out)
        })
    })
}

/// Days left on the refresh token, to the nearest day (negative once expired),
/// in `*out`; false when unknown.
///
/// # Safety
/// As concur_token_status_access_token_expires_at().
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_refresh_token_days_left(
    status: *const concur_token_status,
    out: *mut i64,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_refresh_token_days_left", || unsafe {
        read(status, false, |s| {
            write_opt(s.status.refresh_token_days_left, out)
        })
    })
}

/// Whether fewer than 30 days are left on the refresh token: plan a new company
/// request token. False for NULL.
///
/// # Safety
/// `status` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_refresh_token_expiring_soon(
    status: *const concur_token_status,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary(
        "concur_token_status_refresh_token_expiring_soon",
        || unsafe { read(status, false, |s| s.status.refresh_token_expiring_soon) },
    )
}

/// Whether the refresh token's expiry has passed: only a new company request
/// token helps. False for NULL.
///
/// # Safety
/// `status` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_refresh_token_expired(
    status: *const concur_token_status,
) -> bool {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_refresh_token_expired", || unsafe {
        read(status, false, |s| s.status.refresh_token_expired)
    })
}

/// The base URL refreshes and API calls go to, or NULL when none is stored.
/// Borrowed from `status`: valid until concur_token_status_free(); do not free.
///
/// # Safety
/// `status` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_geolocation(
    status: *const concur_token_status,
) -> *const c_char {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_geolocation", || unsafe {
        read(status, std::ptr::null(), |s| {
            s.geolocation
                .as_deref()
                .map_or(std::ptr::null(), |g| g.as_ptr())
        })
    })
}

/// The company UUID the tokens belong to, or NULL. Borrowed as
/// concur_token_status_geolocation().
///
/// # Safety
/// `status` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_company_uuid(
    status: *const concur_token_status,
) -> *const c_char {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_company_uuid", || unsafe {
        read(status, std::ptr::null(), |s| {
            s.company_uuid
                .as_deref()
                .map_or(std::ptr::null(), |c| c.as_ptr())
        })
    })
}

/// Which store was read, e.g. "file ./refreshTokenObjectFile.json" (NULL only
/// for a NULL `status`). Borrowed as concur_token_status_geolocation().
///
/// # Safety
/// `status` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_token_status_store(
    status: *const concur_token_status,
) -> *const c_char {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_token_status_store", || unsafe {
        read(status, std::ptr::null(), |s| s.store.as_ptr())
    })
}
