//! `concur_options`: what a C user may tune before building a manager. A plain
//! builder over [`concur_auth::ManagerOptions`]: the manager copies it, so it can
//! be freed as soon as the manager exists.

use std::ffi::c_char;
use std::time::Duration;

use concur_auth::ManagerOptions;

use crate::error::{concur_status, Failure};
use crate::ffi::{arg_mut, arg_str, free_handle, into_handle, opt_str};
use crate::panic::{ffi_boundary, ffi_status};

/// Options for concur_manager_from_files() and concur_manager_new(). Defaults:
/// base URL https://glz.api.concursolutions.com, leeway 300 s, hard margin 30 s,
/// not strict, request timeout 30 s, connect timeout 10 s, 4 attempts for
/// transient failures, store lock wait 60 s. Each setter refuses a value out of
/// its range (CONCUR_STATUS_CONFIG) and then keeps the previous value. Create
/// with concur_options_new(), free with concur_options_free().
/// Not synchronised: do not change one options object from two threads at once.
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, Default)]
pub struct concur_options {
    pub(crate) inner: ManagerOptions,
}

/// New options holding the defaults. Returns NULL only on an internal error.
#[no_mangle]
pub extern "C" fn concur_options_new() -> *mut concur_options {
    ffi_boundary("concur_options_new", || {
        into_handle(concur_options::default())
    })
}

/// Frees options made by concur_options_new(). NULL is ignored.
///
/// # Safety
/// `options` is NULL or from concur_options_new(), not freed before.
#[no_mangle]
pub unsafe extern "C" fn concur_options_free(options: *mut concur_options) {
    // SAFETY: forwarded contract.
    ffi_boundary("concur_options_free", || unsafe { free_handle(options) })
}

/// Runs `apply` on a copy of the options behind `options` and keeps the copy
/// only if the core accepts it (`ManagerOptions::validate`, the one set of
/// ranges of every language): a bad value is refused by the setter, with the
/// core's message, and the options keep their previous value.
///
/// # Safety
/// `options` is NULL or a live, unshared `concur_options`.
unsafe fn set(
    function: &'static str,
    options: *mut concur_options,
    apply: impl FnOnce(&mut ManagerOptions) -> Result<(), Failure>,
) -> concur_status {
    ffi_status(function, || {
        // SAFETY: forwarded contract.
        let options = unsafe { arg_mut(options, "options") }?;
        let mut candidate = options.inner.clone();
        apply(&mut candidate)?;
        candidate.validate()?;
        options.inner = candidate;
        Ok(())
    })
}

/// Where the one-time exchange goes (later calls follow the stored geolocation),
/// e.g. "https://us2.api.concursolutions.com". Plain http:// is accepted for a
/// loopback host only (tests, the fake server). Checked when the manager is built.
///
/// # Safety
/// `options` is NULL or a live `concur_options`; `base_url` is NULL or a
/// NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_base_url(
    options: *mut concur_options,
    base_url: *const c_char,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_base_url", options, |o| {
            o.base_url = arg_str(base_url, "base_url")?.to_owned();
            Ok(())
        })
    }
}

/// Adds a host (name only, e.g. "proxy.corp.example") that may receive tokens
/// besides Concur's own hosts and the base URL's host. Only for hosts you trust.
///
/// # Safety
/// As concur_options_set_base_url().
#[no_mangle]
pub unsafe extern "C" fn concur_options_add_allowed_host(
    options: *mut concur_options,
    host: *const c_char,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_add_allowed_host", options, |o| {
            o.allowed_hosts.push(arg_str(host, "host")?.to_owned());
            Ok(())
        })
    }
}

/// The access token turns stale when fewer than `leeway_secs` seconds are left
/// (capped at half the token's lifetime): one refresh starts then, in the
/// background unless strict. Default 300; 0 to 86400.
///
/// # Safety
/// `options` is NULL or a live `concur_options`.
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_leeway_secs(
    options: *mut concur_options,
    leeway_secs: u64,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_leeway_secs", options, |o| {
            o.leeway = Duration::from_secs(leeway_secs);
            Ok(())
        })
    }
}

/// Serve the cached token while one background refresh runs until fewer than
/// `hard_margin_secs` seconds are left; from then on callers wait for the
/// refresh. Default 30; 0 to 3600.
///
/// # Safety
/// `options` is NULL or a live `concur_options`.
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_hard_margin_secs(
    options: *mut concur_options,
    hard_margin_secs: u64,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_hard_margin_secs", options, |o| {
            o.hard_margin = Duration::from_secs(hard_margin_secs);
            Ok(())
        })
    }
}

/// `strict` true: callers wait for the refresh from the stale instant on
/// (expiry minus the leeway) instead of getting the still-valid token while
/// a background refresh runs. Default false.
///
/// # Safety
/// `options` is NULL or a live `concur_options`.
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_strict(
    options: *mut concur_options,
    strict: bool,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_strict", options, |o| {
            o.strict = strict;
            Ok(())
        })
    }
}

/// The scope to ask for on refresh; NULL (nullable) keeps what was granted.
///
/// # Safety
/// As concur_options_set_base_url().
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_scope(
    options: *mut concur_options,
    scope: *const c_char,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_scope", options, |o| {
            o.scope = opt_str(scope, "scope")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Time for one whole HTTP request, body included, in milliseconds (1 to 600000). Default 30000.
///
/// # Safety
/// `options` is NULL or a live `concur_options`.
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_request_timeout_ms(
    options: *mut concur_options,
    timeout_ms: u64,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_request_timeout_ms", options, |o| {
            o.http.request_timeout = Duration::from_millis(timeout_ms);
            Ok(())
        })
    }
}

/// Time to establish a connection, in milliseconds (1 to 600000). Default 10000.
///
/// # Safety
/// `options` is NULL or a live `concur_options`.
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_connect_timeout_ms(
    options: *mut concur_options,
    timeout_ms: u64,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_connect_timeout_ms", options, |o| {
            o.http.connect_timeout = Duration::from_millis(timeout_ms);
            Ok(())
        })
    }
}

/// How long to wait for the token file's lock held by another process, in
/// milliseconds (0: try once; at most 3600000). Default 60000.
///
/// # Safety
/// `options` is NULL or a live `concur_options`.
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_lock_wait_ms(
    options: *mut concur_options,
    wait_ms: u64,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_lock_wait_ms", options, |o| {
            o.lock_wait = Duration::from_millis(wait_ms);
            Ok(())
        })
    }
}

/// Attempts in all (the first included) for transient failures: connection
/// errors, timeouts, 429 and 5xx. 1 disables retries; 1 to 20. Default 4.
///
/// # Safety
/// `options` is NULL or a live `concur_options`.
#[no_mangle]
pub unsafe extern "C" fn concur_options_set_max_attempts(
    options: *mut concur_options,
    max_attempts: u32,
) -> concur_status {
    // SAFETY: forwarded contract.
    unsafe {
        set("concur_options_set_max_attempts", options, |o| {
            o.retry.max_attempts = max_attempts;
            Ok(())
        })
    }
}
