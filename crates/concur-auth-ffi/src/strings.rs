//! The one string-ownership rule of the C API: every `char *` the library returns
//! is allocated here, belongs to the caller, and goes back through
//! [`concur_string_free`], which zeroes the bytes before releasing them (the
//! access token is one such string). `const char *` results are static.

use std::ffi::{c_char, CString};

use concur_auth::Secret;
use zeroize::Zeroize;

use crate::error::{concur_status, Failure};
use crate::panic::ffi_boundary;

/// A non-secret text for C. An interior NUL (impossible in our messages and JSON,
/// possible in an API body) is replaced by U+FFFD so that C sees the whole text.
pub fn text_to_c(text: &str) -> *mut c_char {
    let c = match CString::new(text) {
        Ok(c) => c,
        Err(_) => CString::new(text.replace('\0', "\u{FFFD}")).expect("NULs were replaced"),
    };
    c.into_raw()
}

/// A secret for C, copied exactly once into an allocation of the exact size, so
/// that no intermediate buffer holding it is freed without being zeroed.
pub fn secret_to_c(secret: &Secret) -> Result<*mut c_char, Failure> {
    let value = secret.expose().as_bytes();
    if value.contains(&0) {
        return Err(Failure::new(
            concur_status::InvalidResponse,
            "the token contains a NUL byte and cannot be returned as a C string",
        ));
    }
    // `vec![0; n]` allocates exactly n bytes, so the conversions below keep the
    // allocation (len == capacity: no reallocation, no stray copy).
    let mut bytes = vec![0u8; value.len() + 1];
    bytes[..value.len()].copy_from_slice(value);
    let c = CString::from_vec_with_nul(bytes).expect("checked: one NUL, at the end");
    Ok(c.into_raw())
}

/// Copies `bytes` and a NUL terminator into the caller's `buffer` of
/// `buffer_len` bytes, or refuses with `BufferTooSmall` (naming the size
/// needed) and leaves the buffer untouched.
///
/// # Safety
/// `buffer` is writable for `buffer_len` bytes (it may be NULL when `buffer_len` is 0).
pub unsafe fn copy_with_nul(
    bytes: &[u8],
    buffer: *mut u8,
    buffer_len: usize,
) -> Result<(), Failure> {
    if bytes.contains(&0) {
        return Err(Failure::new(
            concur_status::InvalidResponse,
            "the token contains a NUL byte and cannot be returned as a C string",
        ));
    }
    if buffer_len <= bytes.len() {
        return Err(Failure::new(
            concur_status::BufferTooSmall,
            format!(
                "the buffer holds {buffer_len} bytes; the token needs {} (its length, reported, plus the NUL)",
                bytes.len() + 1
            ),
        ));
    }
    // SAFETY: `buffer` holds more than `bytes.len()` bytes (checked) and is
    // writable (contract); a caller's buffer cannot overlap our token.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer, bytes.len());
        *buffer.add(bytes.len()) = 0;
    }
    Ok(())
}

/// Releases a string returned by this library (through any `char **` out-parameter
/// or any function returning `char *`), after overwriting its bytes with zeros.
/// NULL is ignored.
///
/// # Safety
/// `string` is NULL or a `char *` returned by this library, not modified
/// (its NUL terminator in place), and not freed before; it must not be used
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn concur_string_free(string: *mut c_char) {
    ffi_boundary("concur_string_free", || {
        if string.is_null() {
            return;
        }
        // SAFETY: by the contract, `string` came from `CString::into_raw` here.
        let owned = unsafe { CString::from_raw(string) };
        let mut bytes = owned.into_bytes_with_nul();
        zeroize_by_words(&mut bytes);
    })
}

/// Zeroes `bytes` with volatile writes (never optimised away), eight bytes at
/// a time where aligned: a token is ~270 bytes, and byte-by-byte volatile
/// writes were a third of a C caller's hot path.
fn zeroize_by_words(bytes: &mut [u8]) {
    // SAFETY: every bit pattern is a valid u64, and `align_to_mut` keeps each
    // byte in exactly one of the three parts.
    let (head, words, tail) = unsafe { bytes.align_to_mut::<u64>() };
    head.zeroize();
    words.zeroize();
    tail.zeroize();
}

#[cfg(test)]
mod tests {
    use super::zeroize_by_words;

    #[test]
    fn zeroize_by_words_clears_every_byte_whatever_the_length_and_alignment() {
        let mut backing = vec![0xA5u8; 300];
        for start in 0..8 {
            for len in [0, 1, 7, 8, 9, 63, 271, 292] {
                backing.fill(0xA5);
                zeroize_by_words(&mut backing[start..start + len]);
                assert!(backing[start..start + len].iter().all(|&b| b == 0));
                // Nothing outside the slice is touched.
                assert!(backing[..start].iter().all(|&b| b == 0xA5));
                assert!(backing[start + len..].iter().all(|&b| b == 0xA5));
            }
        }
    }
}
