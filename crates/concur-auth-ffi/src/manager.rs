//! `concur_manager`: the one object a C user holds. Wraps the core's blocking
//! [`concur_auth::blocking::TokenManager`], which runs every call on the shared
//! runtime and answers a fresh cached token without touching it.

use std::ffi::c_char;

use concur_auth::blocking::TokenManager;
use concur_auth::{Credentials, ExchangeOptions, ManagerOptions};

use crate::error::{concur_status, Failure};
use crate::ffi::{arg_ref, arg_str, free_handle, into_handle, opt_out_arg, opt_str, out_arg};
use crate::options::concur_options;
use crate::panic::{ffi_boundary, ffi_status};
use crate::status::concur_token_status;
use crate::strings::{copy_with_nul, secret_to_c};

/// Issues access tokens for one Concur company: exchanges the company request
/// token once, keeps the refresh token in a file (atomic writes, mode 0600, locked
/// across processes), refreshes the access token once for any number of callers.
///
/// Thread safety: a concur_manager is Send + Sync. Share one handle between any
/// number of threads without locking; concurrent calls of
/// concur_manager_access_token() on an expired token cause exactly one refresh.
/// Free it once, with concur_manager_free(), when no other thread uses it.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct concur_manager {
    pub(crate) inner: TokenManager,
}

// The thread-safety promise of the header, checked at compile time.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<concur_manager>();
};

/// The options behind a nullable `const concur_options *`.
///
/// # Safety
/// `options` is NULL or a live `concur_options`.
unsafe fn options_or_default(options: *const concur_options) -> ManagerOptions {
    // SAFETY: forwarded contract.
    unsafe { options.as_ref() }.map_or_else(ManagerOptions::default, |o| o.inner.clone())
}

/// A manager over the SAP tutorials' files: `credentials_path` is their
/// credentials.json (appID, clientSecret, companyUUID, companyRequestToken) and
/// `token_path` their refreshTokenObjectFile.json (created by the exchange; its
/// folder must exist) or another store location (`redis://host:port/db`,
/// `memory:`). `options` is nullable (NULL: defaults). On success `*out`
/// holds a new manager to free with concur_manager_free(); on failure `*out` is NULL.
/// No network call is made here.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `options` is NULL or live; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_from_files(
    credentials_path: *const c_char,
    token_path: *const c_char,
    options: *const concur_options,
    out: *mut *mut concur_manager,
) -> concur_status {
    ffi_status("concur_manager_from_files", || {
        // SAFETY (whole block): forwarded contract.
        let out = unsafe { out_arg(out, "out", std::ptr::null_mut()) }?;
        let credentials_path = unsafe { arg_str(credentials_path, "credentials_path") }?;
        let token_path = unsafe { arg_str(token_path, "token_path") }?;
        let options = unsafe { options_or_default(options) };
        let credentials = Credentials::from_file(credentials_path)?;
        let inner = TokenManager::new(credentials, concur_auth::store::open(token_path)?, options)?;
        *out = into_handle(concur_manager { inner });
        Ok(())
    })
}

/// A manager from values: the app's `client_id` and `client_secret`, and for the
/// one-time exchange only, the `company_uuid` and company `request_token`
/// (both nullable: not needed once the token file exists). `token_path` is the
/// token file (refreshTokenObjectFile.json) or another store location
/// (`redis://host:port/db` for a fleet sharing one app, `memory:`). `options` is nullable (defaults).
/// On success `*out` holds a new manager; on failure `*out` is NULL. The secrets
/// are copied; the caller may wipe its own copies after the call.
///
/// # Safety
/// As concur_manager_from_files().
#[no_mangle]
pub unsafe extern "C" fn concur_manager_new(
    client_id: *const c_char,
    client_secret: *const c_char,
    company_uuid: *const c_char,
    request_token: *const c_char,
    token_path: *const c_char,
    options: *const concur_options,
    out: *mut *mut concur_manager,
) -> concur_status {
    ffi_status("concur_manager_new", || {
        // SAFETY (whole block): forwarded contract.
        let out = unsafe { out_arg(out, "out", std::ptr::null_mut()) }?;
        let client_id = unsafe { arg_str(client_id, "client_id") }?;
        let client_secret = unsafe { arg_str(client_secret, "client_secret") }?;
        let company_uuid = unsafe { opt_str(company_uuid, "company_uuid") }?;
        let request_token = unsafe { opt_str(request_token, "request_token") }?;
        let token_path = unsafe { arg_str(token_path, "token_path") }?;
        let options = unsafe { options_or_default(options) };
        let credentials = Credentials::new(client_id, client_secret)?
            .with_company(company_uuid.unwrap_or(""), request_token.unwrap_or(""));
        let inner = TokenManager::new(credentials, concur_auth::store::open(token_path)?, options)?;
        *out = into_handle(concur_manager { inner });
        Ok(())
    })
}

/// Frees a manager. NULL is ignored. No other thread may be using it.
///
/// # Safety
/// `manager` is NULL or from this library and not freed before.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_free(manager: *mut concur_manager) {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_manager_free", || unsafe { free_handle(manager) })
}

/// The one-time exchange: trades the company request token for a refresh token and
/// saves it in the token file. A request token may be used again within its 24
/// hours after a network failure, so transient failures are retried within the
/// retry budget. Refuses with CONCUR_STATUS_CONFIG, before anything is sent (the
/// request token stays unused), when the store holds a live refresh token: see
/// concur_manager_exchange_with() and CONCUR_EXCHANGE_FORCE. On success, when
/// `status_out` is not NULL (it is nullable), it receives the new status (see
/// concur_manager_status()); free it with concur_token_status_free().
///
/// # Safety
/// `manager` is NULL or live; `status_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_exchange(
    manager: *const concur_manager,
    status_out: *mut *mut concur_token_status,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe { exchange("concur_manager_exchange", manager, 0, status_out) }
}

/// A flag of concur_manager_exchange_with(): replace this app's live (not
/// expired) refresh token. Another app's live refresh token is never replaced.
pub const CONCUR_EXCHANGE_FORCE: u32 = 1;

/// concur_manager_exchange() with `flags`: 0, or CONCUR_EXCHANGE_FORCE to replace
/// this app's live refresh token. Another app's live record is refused even then
/// (use a separate token store). Unknown flag bits give CONCUR_STATUS_CONFIG.
///
/// # Safety
/// `manager` is NULL or live; `status_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_exchange_with(
    manager: *const concur_manager,
    flags: u32,
    status_out: *mut *mut concur_token_status,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe { exchange("concur_manager_exchange_with", manager, flags, status_out) }
}

/// The body of both exchange entry points.
///
/// # Safety
/// As concur_manager_exchange_with().
unsafe fn exchange(
    function: &'static str,
    manager: *const concur_manager,
    flags: u32,
    status_out: *mut *mut concur_token_status,
) -> concur_status {
    ffi_status(function, || {
        // SAFETY (whole block): forwarded contract.
        let status_out = unsafe { opt_out_arg(status_out, std::ptr::null_mut()) };
        let manager = unsafe { arg_ref(manager, "manager") }?;
        let unknown = flags & !CONCUR_EXCHANGE_FORCE;
        if unknown != 0 {
            return Err(Failure::new(
                concur_status::Config,
                format!("unknown exchange flag bits {unknown:#x}: the only flag is CONCUR_EXCHANGE_FORCE (1)"),
            ));
        }
        let force = flags & CONCUR_EXCHANGE_FORCE != 0;
        let status = manager
            .inner
            .exchange_request_token_with(ExchangeOptions { force })?;
        if let Some(out) = status_out {
            *out = into_handle(concur_token_status::new(status));
        }
        Ok(())
    })
}

/// A valid access token, in `*token_out` (free it with concur_string_free(), which
/// zeroes it). Answered from memory while the cached token has more than the
/// leeway left; otherwise blocks for one refresh shared by every thread asking at
/// the same time.
///
/// # Safety
/// `manager` is NULL or live; `token_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_access_token(
    manager: *const concur_manager,
    token_out: *mut *mut c_char,
) -> concur_status {
    ffi_status("concur_manager_access_token", || {
        // SAFETY (whole block): forwarded contract.
        let token_out = unsafe { out_arg(token_out, "token_out", std::ptr::null_mut()) }?;
        let manager = unsafe { arg_ref(manager, "manager") }?;
        // The hot path: no runtime, no lock beyond a read lock, no I/O.
        let token = match manager.inner.as_async().cached_access_token() {
            Some(token) => token,
            None => manager.inner.access_token()?,
        };
        *token_out = secret_to_c(&token)?;
        Ok(())
    })
}

/// The access token copied into the caller's buffer `buffer` of `buffer_len`
/// bytes, NUL-terminated: the hot path of concur_manager_access_token() without
/// an allocation and a concur_string_free() per call. `*token_len_out` always
/// receives the token's length (without the NUL) on success and on
/// CONCUR_STATUS_BUFFER_TOO_SMALL, which is returned, with the buffer left
/// untouched, when `buffer_len` is not at least that length + 1; `buffer` may
/// be NULL when `buffer_len` is 0 (a size query). Refreshes as
/// concur_manager_access_token() does. The caller owns the copy: zero it when
/// done with it.
///
/// # Safety
/// `manager` is NULL or live; `buffer` is NULL or writable for `buffer_len`
/// bytes; `token_len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_access_token_into(
    manager: *const concur_manager,
    buffer: *mut c_char,
    buffer_len: usize,
    token_len_out: *mut usize,
) -> concur_status {
    ffi_status("concur_manager_access_token_into", || {
        // SAFETY (whole block): forwarded contract.
        let token_len_out = unsafe { out_arg(token_len_out, "token_len_out", 0) }?;
        let manager = unsafe { arg_ref(manager, "manager") }?;
        if buffer.is_null() && buffer_len > 0 {
            return Err(Failure::null_argument("buffer"));
        }
        let token = match manager.inner.as_async().cached_access_token() {
            Some(token) => token,
            None => manager.inner.access_token()?,
        };
        let bytes = token.expose().as_bytes();
        *token_len_out = bytes.len();
        // SAFETY: `buffer` is writable for `buffer_len` bytes (contract).
        unsafe { copy_with_nul(bytes, buffer.cast(), buffer_len) }
    })
}

/// Refreshes the access token now, whatever its age. When `token_out` is not NULL
/// (it is nullable), it receives the new token (free it with concur_string_free()).
///
/// # Safety
/// `manager` is NULL or live; `token_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_force_refresh(
    manager: *const concur_manager,
    token_out: *mut *mut c_char,
) -> concur_status {
    ffi_status("concur_manager_force_refresh", || {
        // SAFETY (whole block): forwarded contract.
        let token_out = unsafe { opt_out_arg(token_out, std::ptr::null_mut()) };
        let manager = unsafe { arg_ref(manager, "manager") }?;
        let token = manager.inner.force_refresh()?;
        if let Some(out) = token_out {
            *out = secret_to_c(&token)?;
        }
        Ok(())
    })
}

/// Revokes every refresh token of the app for this company
/// (`DELETE /app-mgmt/v0/connections`) and removes the token file. Afterwards
/// concur_manager_access_token() fails with CONCUR_STATUS_NOT_INITIALIZED until a
/// new exchange.
///
/// # Safety
/// `manager` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_manager_revoke(manager: *const concur_manager) -> concur_status {
    ffi_status("concur_manager_revoke", || {
        // SAFETY: forwarded contract.
        let manager = unsafe { arg_ref(manager, "manager") }?;
        manager.inner.revoke().map_err(Failure::from)
    })
}
