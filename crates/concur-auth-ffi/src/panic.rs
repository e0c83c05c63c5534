//! The panic boundary. Every exported function runs its body through
//! [`ffi_boundary`] (functions returning a pointer, a number or nothing) or
//! [`ffi_status`] (functions returning a `concur_status`): a panic is caught,
//! recorded as the thread's last error, and turned into `CONCUR_STATUS_PANIC`,
//! NULL or 0. Unwinding into C is undefined behaviour; with this rule applied
//! mechanically no entry point can forget it.
//!
//! Never build with `panic = "abort"`: it would turn every contained panic into
//! a process abort.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{clear_last_error, concur_status, set_last_error, Failure};

/// The value an entry point returns when its body panicked.
pub trait PanicDefault {
    /// `CONCUR_STATUS_PANIC`, NULL, 0, false or `()`.
    fn panic_default() -> Self;
}

impl PanicDefault for concur_status {
    fn panic_default() -> Self {
        concur_status::Panic
    }
}

impl<T> PanicDefault for *mut T {
    fn panic_default() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> PanicDefault for *const T {
    fn panic_default() -> Self {
        std::ptr::null()
    }
}

impl PanicDefault for () {
    fn panic_default() -> Self {}
}

impl PanicDefault for bool {
    fn panic_default() -> Self {
        false
    }
}

macro_rules! zero_default {
    ($($t:ty),*) => {$(
        impl PanicDefault for $t {
            fn panic_default() -> Self {
                0
            }
        }
    )*};
}
zero_default!(u16, u32, u64, i32, i64, usize);

/// Runs `body`, containing any panic: the panic is recorded as the thread's last
/// error (`CONCUR_STATUS_PANIC`, naming `function`) and `R::panic_default()` is
/// returned instead.
///
/// `AssertUnwindSafe` is sound here: the state a body can leave half-updated is
/// the core's, which guards its shared state with locks (poisoned on panic, so a
/// later call fails loudly instead of reading a torn value).
pub fn ffi_boundary<R: PanicDefault>(function: &'static str, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(_payload) => {
            // The payload is not copied into the message: the panic hook already
            // printed it to stderr, and the message must stay secret-free whatever
            // a dependency put in it.
            set_last_error(Failure::panic(function));
            R::panic_default()
        }
    }
}

/// [`ffi_boundary`] for the functions returning a `concur_status`: clears the
/// thread's last error, runs `body`, and on `Err` records the failure and returns
/// its status.
pub fn ffi_status(
    function: &'static str,
    body: impl FnOnce() -> Result<(), Failure>,
) -> concur_status {
    ffi_boundary(function, || {
        clear_last_error();
        match body() {
            Ok(()) => concur_status::Ok,
            Err(failure) => set_last_error(failure),
        }
    })
}
