//! The library version.

use std::ffi::{c_char, CStr};

use crate::panic::ffi_boundary;

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the crate version contains a NUL"),
    };

/// The library version, e.g. "0.1.0". Static: do not free.
#[no_mangle]
pub extern "C" fn concur_version() -> *const c_char {
    ffi_boundary("concur_version", || VERSION.as_ptr())
}
