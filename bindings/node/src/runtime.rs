//! Promises backed by the core's shared runtime.
//!
//! Every asynchronous call runs on `concur_auth::shared_runtime()` (the one
//! runtime of every binding), never on the JavaScript thread: the promise is
//! settled through a thread-safe function when the work ends, so the event loop
//! keeps running meanwhile.

use std::future::Future;

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, Result};

use crate::errors;

type Resolver<T> = Box<dyn FnOnce(Env) -> Result<T> + Send>;

/// A failure a promise rejects with, as the structured JavaScript error.
pub trait Rejection: Send + 'static {
    fn into_napi(self) -> napi::Error;
}

impl Rejection for concur_auth::Error {
    fn into_napi(self) -> napi::Error {
        errors::to_napi(&self)
    }
}

/// Runs `work` on the shared runtime and returns a promise of its outcome: the
/// value, or the structured error (see [`errors`]).
pub fn promise<T, F>(env: &Env, work: F) -> Result<Object<'_>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = concur_auth::Result<T>> + Send + 'static,
{
    promise_with(env, work)
}

/// [`promise`] for work that fails with another [`Rejection`] than the core error.
pub fn promise_with<T, E, F>(env: &Env, work: F) -> Result<Object<'_>>
where
    T: ToNapiValue + Send + 'static,
    E: Rejection,
    F: Future<Output = std::result::Result<T, E>> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<T, Resolver<T>>()?;
    let runtime = concur_auth::shared_runtime();
    let task = runtime.spawn(work);
    runtime.spawn(async move {
        match task.await {
            Ok(Ok(value)) => deferred.resolve(Box::new(move |_env| Ok(value))),
            Ok(Err(err)) => deferred.reject(err.into_napi()),
            Err(_) => deferred.reject(errors::panicked()),
        }
    });
    Ok(promise)
}
