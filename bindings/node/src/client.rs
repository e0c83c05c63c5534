//! `ApiResponse`: a Concur API reply, as `TokenManager.request()` resolves it.
//! The call itself is the core's `ApiClient` (bearer header, one refresh and
//! retry on 401, backoff on 429/5xx); see `manager.rs`.

use napi::bindgen_prelude::{Buffer, Function, JsObjectValue, Object, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

use crate::errors;

/// A Concur API reply. Any final HTTP status is a reply; only 429/5xx still
/// failing after the retries is an error (`ServerError`).
#[napi]
#[derive(Debug)]
pub struct ApiResponse {
    inner: concur_auth::ApiResponse,
}

impl From<concur_auth::ApiResponse> for ApiResponse {
    fn from(inner: concur_auth::ApiResponse) -> Self {
        ApiResponse { inner }
    }
}

#[napi]
impl ApiResponse {
    /// The HTTP status.
    #[napi(getter)]
    pub fn status(&self) -> u32 {
        u32::from(self.inner.status)
    }

    /// True for 2xx.
    #[napi(getter)]
    pub fn ok(&self) -> bool {
        self.inner.is_success()
    }

    /// The body as text (invalid UTF-8 replaced).
    #[napi(getter)]
    pub fn body(&self) -> String {
        self.inner.text()
    }

    /// The `Content-Type` header, empty when absent.
    #[napi(getter)]
    pub fn content_type(&self) -> String {
        self.inner.content_type.clone()
    }

    /// The `concur-correlationid` header: quote it to SAP support.
    #[napi(getter)]
    pub fn correlation_id(&self) -> Option<String> {
        self.inner.correlation_id.clone()
    }

    /// The body as text (invalid UTF-8 replaced).
    #[napi]
    pub fn text(&self) -> String {
        self.inner.text()
    }

    /// The body as bytes, as received.
    #[napi]
    pub fn bytes(&self) -> Buffer {
        self.inner.body.clone().into()
    }

    /// The body parsed as JSON; `InvalidResponseError` when it is not JSON.
    #[napi(ts_return_type = "any", catch_unwind)]
    pub fn json<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        // The core decides what counts as JSON (and words the error); V8 builds
        // the value.
        self.inner
            .json::<serde::de::IgnoredAny>()
            .map_err(|err| errors::to_napi(&err))?;
        let json: Object = env.get_global()?.get_named_property("JSON")?;
        let parse: Function<String, Unknown> = json.get_named_property("parse")?;
        parse.call(self.inner.text())
    }

    /// Throws `ApiError` unless the status is 2xx; returns this response.
    #[napi(ts_return_type = "this", catch_unwind)]
    pub fn error_for_status(&self, what: Option<String>) -> Result<()> {
        if self.inner.is_success() {
            return Ok(());
        }
        self.inner
            .error_for_status(what.as_deref().unwrap_or("the API call"))
            .map_err(|err| errors::to_napi(&err))
    }
}
