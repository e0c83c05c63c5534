//! What lets `index.js` keep the current access token's JavaScript string
//! instead of building one from Rust at every `accessToken()` (issue 17: the
//! string and the promise of each call cost ~14× a bare `await`).
//!
//! The core's [`TokenGeneration`] counter, mapped as a 4-byte external
//! `ArrayBuffer`: JavaScript reads the counter the core moves at every change
//! of the cached token, with no call into Rust. `index.js` serves its copy
//! while the counter is unchanged and the token is fresh (the instant
//! [`cached_token`] gave with it), and asks the core otherwise.

use std::ffi::c_void;
use std::sync::Arc;

use concur_auth::TokenGeneration;
use napi::bindgen_prelude::{JsObjectValue, Object};
use napi::{sys, Env, Result};

/// The cached token as `{ token, freshUntilMs }`: `freshUntilMs` is the Unix
/// time in milliseconds the token turns stale, `null` when it is stale already
/// (then every call must reach the core). Built by hand: napi's object structs
/// would all show in `index.d.ts`, and this one is for `index.js` alone.
pub fn cached_token<'env>(
    env: &'env Env,
    token: &str,
    fresh_until: Option<i64>,
) -> Result<Object<'env>> {
    let mut object = Object::new(env)?;
    object.set_named_property("token", token)?;
    object.set_named_property("freshUntilMs", fresh_until.map(unix_ms))?;
    Ok(object)
}

/// Unix seconds as JavaScript's milliseconds (`Date.now()`'s unit).
pub fn unix_ms(secs: i64) -> f64 {
    // Unix seconds of any plausible date fit a double exactly.
    #[allow(clippy::cast_precision_loss)]
    let ms = secs as f64 * 1000.0;
    ms
}

/// Releases the buffer's hold on the counter once V8 collects the buffer.
unsafe extern "C" fn release(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the `Arc::into_raw` of `generation_buffer`, released once.
    drop(unsafe { Arc::from_raw(hint.cast_const().cast::<TokenGeneration>()) });
}

/// An `ArrayBuffer` over the counter itself (its 4 bytes, kept alive by the
/// buffer), or `None` where the runtime refuses external buffers (Electron's
/// sandbox): a copy would never move, so then nothing is kept on the
/// JavaScript side and every call asks the core.
pub fn generation_buffer<'env>(
    env: &'env Env,
    generation: Arc<TokenGeneration>,
) -> Option<Object<'env>> {
    let data = generation.as_ptr().cast::<c_void>();
    let hint = Arc::into_raw(generation).cast_mut().cast::<c_void>();
    let mut value = std::ptr::null_mut();
    // SAFETY: `data` points at 4 bytes owned by the `Arc` that `hint` holds,
    // released only by `release` when the buffer is collected.
    let status = unsafe {
        sys::napi_create_external_arraybuffer(
            env.raw(),
            data,
            std::mem::size_of::<u32>(),
            Some(release),
            hint,
            &mut value,
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: the buffer was not created, so `release` will never run.
        drop(unsafe { Arc::from_raw(hint.cast_const().cast::<TokenGeneration>()) });
        return None;
    }
    Some(Object::from_raw(env.raw(), value))
}
