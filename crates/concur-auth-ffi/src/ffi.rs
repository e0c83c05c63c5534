//! Raw pointers in, references out: the only place that dereferences what C
//! passes. Each helper checks for NULL (`CONCUR_STATUS_NULL_ARGUMENT`, naming the
//! argument) and, for strings, UTF-8 (`CONCUR_STATUS_INVALID_UTF8`). Entry points
//! check every argument, outputs first, before doing any work, so a bad argument
//! has no side effect.

use std::ffi::{c_char, CStr};

use crate::error::Failure;

/// A required `const T *` argument.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` for the duration of the call.
pub unsafe fn arg_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: non-NULL is valid by the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null_argument(name))
}

/// A required `T *` argument the function modifies.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` not accessed elsewhere during the call.
pub unsafe fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: non-NULL is valid and unaliased by the caller's contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null_argument(name))
}

/// A required out-parameter (`char **out`, `concur_manager **out`, `uint16_t *out`):
/// set to `empty` at once, so that it reads NULL / 0 when the call fails.
///
/// # Safety
/// `ptr` is NULL or valid for writing one `T`.
pub unsafe fn out_arg<'a, T>(ptr: *mut T, name: &str, empty: T) -> Result<&'a mut T, Failure> {
    // SAFETY: as `arg_mut`.
    let out = unsafe { arg_mut(ptr, name) }?;
    *out = empty;
    Ok(out)
}

/// A nullable out-parameter: `None` when the caller passed NULL.
///
/// # Safety
/// As [`out_arg`].
pub unsafe fn opt_out_arg<'a, T>(ptr: *mut T, empty: T) -> Option<&'a mut T> {
    // SAFETY: as `arg_mut`.
    let out = unsafe { ptr.as_mut() }?;
    *out = empty;
    Some(out)
}

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays unchanged
/// during the call.
pub unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    // SAFETY: forwarded contract.
    unsafe { opt_str(ptr, name) }?.ok_or_else(|| Failure::null_argument(name))
}

/// A nullable string argument: `None` for NULL.
///
/// # Safety
/// As [`arg_str`].
pub unsafe fn opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map(Some)
        .map_err(|_| Failure::invalid_utf8(name))
}

/// Moves `value` to the heap and hands it to C as an opaque handle.
pub fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Drops a handle made by [`into_handle`]; NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from `into_handle::<T>` and was not freed yet; nothing
/// uses it afterwards.
pub unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: by the caller's contract we own the box.
        drop(unsafe { Box::from_raw(ptr) });
    }
}
