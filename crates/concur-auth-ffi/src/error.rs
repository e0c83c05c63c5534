//! `concur_status`, the one mapping from the core's [`concur_auth::ErrorKind`]
//! onto it, and the thread-local last error that carries the details.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr};

use concur_auth::ErrorKind;

use crate::panic::ffi_boundary;
use crate::strings;

/// The result of every fallible function. `CONCUR_STATUS_OK` (0) is success; the
/// details of a failure are read with the `concur_last_error_*()` functions on
/// the same thread. Each error kind of the library has its own value, named like
/// the stable error code used by every binding (`CONCUR_STATUS_REFRESH_TOKEN_EXPIRED`
/// is code "refresh_token_expired"); see concur_status_name(). The numbers are
/// stable.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum concur_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// An internal error (a Rust panic) was caught at the C boundary: a bug, please report it.
    Panic = 3,
    /// A caller-provided buffer is too small; the call says how many bytes it needs.
    BufferTooSmall = 4,
    /// Missing or invalid configuration: a credentials field, an option, a URL, an
    /// HTTP method, a request body that is not JSON.
    Config = 10,
    /// Concur refused the client or company credentials (wrong secret, disabled app,
    /// company request token already used or expired).
    Auth = 11,
    /// The refresh token is expired, revoked or unknown: only a new company request
    /// token (Authentication Admin) can replace it.
    RefreshTokenExpired = 12,
    /// No refresh token is stored yet: run concur_manager_exchange() once.
    NotInitialized = 13,
    /// The connection failed (DNS, refused, reset, TLS).
    Network = 14,
    /// Concur did not answer within the configured timeout.
    Timeout = 15,
    /// Concur kept answering 5xx or 429 until the retry budget ran out.
    Server = 16,
    /// Concur answered something that is not the documented shape.
    InvalidResponse = 17,
    /// Reading, writing or locking the token file failed.
    Store = 18,
    /// The token file holds something unreadable; it was moved aside, not overwritten.
    CorruptStore = 19,
    /// A URL is not HTTPS or names a host that may not receive tokens.
    HostNotAllowed = 20,
    /// A Concur API call answered with an error status (see concur_last_error_http_status()).
    Api = 21,
}

impl concur_status {
    /// Every status, for tables and tests.
    /// cbindgen:ignore
    pub const ALL: [concur_status; 17] = [
        concur_status::Ok,
        concur_status::NullArgument,
        concur_status::InvalidUtf8,
        concur_status::Panic,
        concur_status::BufferTooSmall,
        concur_status::Config,
        concur_status::Auth,
        concur_status::RefreshTokenExpired,
        concur_status::NotInitialized,
        concur_status::Network,
        concur_status::Timeout,
        concur_status::Server,
        concur_status::InvalidResponse,
        concur_status::Store,
        concur_status::CorruptStore,
        concur_status::HostNotAllowed,
        concur_status::Api,
    ];

    /// The status of a core error kind: the one error→code mapping of the C API.
    pub fn from_kind(kind: ErrorKind) -> concur_status {
        match kind {
            ErrorKind::Config => concur_status::Config,
            ErrorKind::Auth => concur_status::Auth,
            ErrorKind::RefreshTokenExpired => concur_status::RefreshTokenExpired,
            ErrorKind::NotInitialized => concur_status::NotInitialized,
            ErrorKind::Network => concur_status::Network,
            ErrorKind::Timeout => concur_status::Timeout,
            ErrorKind::Server => concur_status::Server,
            ErrorKind::InvalidResponse => concur_status::InvalidResponse,
            ErrorKind::Store => concur_status::Store,
            ErrorKind::CorruptStore => concur_status::CorruptStore,
            ErrorKind::HostNotAllowed => concur_status::HostNotAllowed,
            ErrorKind::Api => concur_status::Api,
            // `ErrorKind` is non-exhaustive. A kind added to the core lands here until
            // it gets its own status; the test `every_error_kind_has_its_own_status`
            // fails as soon as it appears in `ErrorKind::ALL`.
            _ => concur_status::Config,
        }
    }

    /// The core error kind behind an error status; `None` for OK, NULL_ARGUMENT,
    /// INVALID_UTF8, PANIC and BUFFER_TOO_SMALL, which the C layer adds.
    pub fn kind(self) -> Option<ErrorKind> {
        ErrorKind::ALL
            .into_iter()
            .find(|kind| concur_status::from_kind(*kind) == self)
    }

    /// The stable snake_case name: the core's error code for the error kinds
    /// ("auth", "refresh_token_expired", ...), plus "ok", "null_argument",
    /// "invalid_utf8", "panic" and "buffer_too_small".
    pub fn name(self) -> &'static CStr {
        match self {
            concur_status::Ok => c"ok",
            concur_status::NullArgument => c"null_argument",
            concur_status::InvalidUtf8 => c"invalid_utf8",
            concur_status::Panic => c"panic",
            concur_status::BufferTooSmall => c"buffer_too_small",
            concur_status::Config => c"config",
            concur_status::Auth => c"auth",
            concur_status::RefreshTokenExpired => c"refresh_token_expired",
            concur_status::NotInitialized => c"not_initialized",
            concur_status::Network => c"network",
            concur_status::Timeout => c"timeout",
            concur_status::Server => c"server",
            concur_status::InvalidResponse => c"invalid_response",
            concur_status::Store => c"store",
            concur_status::CorruptStore => c"corrupt_store",
            concur_status::HostNotAllowed => c"host_not_allowed",
            concur_status::Api => c"api",
        }
    }
}

/// Why an entry point failed: what the thread-local last error holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    status: concur_status,
    message: String,
    concur_code: Option<i64>,
    http_status: Option<u16>,
    correlation_id: Option<String>,
}

impl Failure {
    /// A failure detected by the C layer itself. `message` must hold no secret.
    pub fn new(status: concur_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
            concur_code: None,
            http_status: None,
            correlation_id: None,
        }
    }

    /// A required pointer argument was NULL.
    pub fn null_argument(name: &str) -> Self {
        Failure::new(
            concur_status::NullArgument,
            format!("argument `{name}` is NULL; it is required"),
        )
    }

    /// A string argument was not UTF-8 (its bytes are not quoted: it may be a secret).
    pub fn invalid_utf8(name: &str) -> Self {
        Failure::new(
            concur_status::InvalidUtf8,
            format!("argument `{name}` is not valid UTF-8"),
        )
    }

    /// A panic caught at the boundary of `function`.
    pub fn panic(function: &str) -> Self {
        Failure::new(
            concur_status::Panic,
            format!("internal error: {function} panicked (the panic was contained); this is a bug in concur-auth, please report it"),
        )
    }

    /// The status this failure is reported as.
    pub fn status(&self) -> concur_status {
        self.status
    }

    /// The message, the same text as the Rust error's `Display`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<concur_auth::Error> for Failure {
    fn from(err: concur_auth::Error) -> Self {
        Failure {
            status: concur_status::from_kind(err.kind()),
            message: err.to_string(),
            concur_code: err.concur_code(),
            http_status: err.http_status(),
            correlation_id: err.correlation_id().map(str::to_owned),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

/// Records `failure` as this thread's last error and returns its status.
pub fn set_last_error(failure: Failure) -> concur_status {
    let status = failure.status;
    // `try_with`/`try_borrow_mut`: never panic here, this runs on the panic path too.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some(failure);
        }
    });
    status
}

/// Forgets this thread's last error (done by every status-returning call).
pub fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = None;
        }
    });
}

/// Reads this thread's last error.
pub fn with_last_error<R>(read: impl FnOnce(Option<&Failure>) -> R) -> R {
    LAST_ERROR.with(|slot| read(slot.borrow().as_ref()))
}

/// The stable name of a status ("ok", "auth", "refresh_token_expired", ...), or NULL
/// when `status` is not a concur_status value. Static: do not free.
#[no_mangle]
pub extern "C" fn concur_status_name(status: c_int) -> *const c_char {
    ffi_boundary("concur_status_name", || {
        from_number(status).map_or(std::ptr::null(), |s| s.name().as_ptr())
    })
}

/// The status of a stable number, if it is one.
fn from_number(status: c_int) -> Option<concur_status> {
    concur_status::ALL
        .into_iter()
        .find(|s| *s as c_int == status)
}

/// The family `status` belongs to, from the library's one table of error
/// families (the same that shapes the Python, Node and .NET error classes):
/// CONCUR_STATUS_AUTH for CONCUR_STATUS_REFRESH_TOKEN_EXPIRED, CONCUR_STATUS_NETWORK
/// for CONCUR_STATUS_TIMEOUT, CONCUR_STATUS_SERVER and CONCUR_STATUS_INVALID_RESPONSE,
/// CONCUR_STATUS_CONFIG for CONCUR_STATUS_NOT_INITIALIZED, CONCUR_STATUS_STORE for
/// CONCUR_STATUS_CORRUPT_STORE. CONCUR_STATUS_OK when `status` heads a family or
/// belongs to none (including values that are not a concur_status).
#[no_mangle]
pub extern "C" fn concur_status_parent(status: c_int) -> concur_status {
    ffi_boundary("concur_status_parent", || {
        from_number(status)
            .and_then(concur_status::kind)
            .and_then(ErrorKind::parent)
            .map_or(concur_status::Ok, concur_status::from_kind)
    })
}

/// Whether `status` is `family` or one of its members (see concur_status_parent()):
/// `concur_status_is(rc, CONCUR_STATUS_NETWORK)` holds for a network failure, a
/// timeout, a server failure and an invalid response.
#[no_mangle]
pub extern "C" fn concur_status_is(status: c_int, family: c_int) -> bool {
    ffi_boundary("concur_status_is", || {
        match (from_number(status), from_number(family)) {
            (Some(status), Some(family)) if status == family => true,
            (Some(status), Some(family)) => match (status.kind(), family.kind()) {
                (Some(kind), Some(family)) => kind.is_a(family),
                _ => false,
            },
            _ => false,
        }
    })
}

/// The status of the last failed call on this thread, CONCUR_STATUS_OK when the
/// last status-returning call succeeded.
#[no_mangle]
pub extern "C" fn concur_last_error_status() -> concur_status {
    ffi_boundary("concur_last_error_status", || {
        with_last_error(|e| e.map_or(concur_status::Ok, |e| e.status))
    })
}

/// The message of the last failed call on this thread (what happened and what to
/// do, with the HTTP status, Concur code and correlation id appended when known),
/// or NULL when there is none. Never contains a secret. Free it with
/// concur_string_free().
#[no_mangle]
pub extern "C" fn concur_last_error_message() -> *mut c_char {
    ffi_boundary("concur_last_error_message", || {
        with_last_error(|e| e.map_or(std::ptr::null_mut(), |e| strings::text_to_c(&e.message)))
    })
}

/// The stable code of the last failed call on this thread ("auth",
/// "null_argument", ...: concur_status_name() of its status), or NULL when there
/// is none. Static: do not free.
#[no_mangle]
pub extern "C" fn concur_last_error_code_name() -> *const c_char {
    ffi_boundary("concur_last_error_code_name", || {
        with_last_error(|e| e.map_or(std::ptr::null(), |e| e.status.name().as_ptr()))
    })
}

/// Concur's numeric error code of the last failed call on this thread (e.g. 19
/// for a wrong client secret, 5 for a used company request token), or 0 when
/// Concur sent none.
#[no_mangle]
pub extern "C" fn concur_last_error_concur_code() -> i64 {
    ffi_boundary("concur_last_error_concur_code", || {
        with_last_error(|e| e.and_then(|e| e.concur_code).unwrap_or(0))
    })
}

/// The HTTP status of the reply behind the last failed call on this thread, or 0.
#[no_mangle]
pub extern "C" fn concur_last_error_http_status() -> u16 {
    ffi_boundary("concur_last_error_http_status", || {
        with_last_error(|e| e.and_then(|e| e.http_status).unwrap_or(0))
    })
}

/// The `concur-correlationid` of the reply behind the last failed call on this
/// thread (quote it to SAP support), or NULL. Free it with concur_string_free().
#[no_mangle]
pub extern "C" fn concur_last_error_correlation_id() -> *mut c_char {
    ffi_boundary("concur_last_error_correlation_id", || {
        with_last_error(|e| {
            e.and_then(|e| e.correlation_id.as_deref())
                .map_or(std::ptr::null_mut(), strings::text_to_c)
        })
    })
}
