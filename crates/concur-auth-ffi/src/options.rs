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
/// base URL https://glz.api.concursolutions.com, leeway 300 s, request timeout
/// 30 s, connect timeout 10 s, 4 attempts for transient failures, store lock
/// wait 60 s. Create with concur_options_new(), free with concur_options_free().
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

/// Runs `apply` on the options behind `options`.
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
        apply(&mut options.inner)
    })
}

fn positive_ms(value: u64, what: &str) -> Result<Duration, Failure> {
    if value == 0 {
        return Err(Failure::new(
            concur_status::Config,
            format!("{what} must be at least 1 ms"),
        ));
    }
    Ok(Duration::from_millis(value))
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

/// Renew the access token when fewer than `leeway_secs` seconds are left (capped
/// at half the token's lifetime). Default 300.
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

/// Time for one whole HTTP request, body included, in milliseconds (> 0). Default 30000.
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
            o.http.request_timeout = positive_ms(timeout_ms, "request_timeout_ms")?;
            Ok(())
        })
    }
}

/// Time to establish a connection, in milliseconds (> 0). Default 10000.
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
            o.http.connect_timeout = positive_ms(timeout_ms, "connect_timeout_ms")?;
            Ok(())
        })
    }
}

/// How long to wait for the token file's lock held by another process, in
/// milliseconds. Default 60000.
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
/// errors, timeouts, 429 and 5xx. 1 disables retries; 0 is refused. Default 4.
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
            if max_attempts == 0 {
                return Err(Failure::new(
                    concur_status::Config,
                    "max_attempts must be at least 1 (1 disables retries)",
                ));
            }
            o.retry.max_attempts = max_attempts;
            Ok(())
        })
    }
}
