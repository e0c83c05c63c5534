//! A blocking facade over [`crate::TokenManager`] for programs without an async
//! runtime (and for the C ABI). Each call runs on the shared runtime; the cached
//! token path does not touch the runtime at all.
//!
//! Called from inside an async task (a thread of any tokio runtime) or in a
//! process forked after the runtime started, they return a `Config` error
//! instead of hanging or panicking (see `runtime::block_on`).

use std::path::Path;
use std::sync::Arc;

use crate::client::ApiResponse;
use crate::credentials::Credentials;
use crate::error::Result;
use crate::options::{ExchangeOptions, ManagerOptions};
use crate::runtime::{block_on, runtime};
use crate::secret::Secret;
use crate::status::Status;
use crate::store::TokenStore;

/// Blocking [`crate::TokenManager`].
#[derive(Clone, Debug)]
pub struct TokenManager {
    inner: crate::TokenManager,
}

impl TokenManager {
    /// See [`crate::TokenManager::new`].
    pub fn new(
        credentials: Credentials,
        store: Arc<dyn TokenStore>,
        options: ManagerOptions,
    ) -> Result<Self> {
        let _guard = runtime()?.enter();
        Ok(Self::wrap(crate::TokenManager::new(
            credentials,
            store,
            options,
        )?))
    }

    /// See [`crate::TokenManager::from_files`].
    pub fn from_files(
        credentials: impl AsRef<Path>,
        token_file: impl AsRef<Path>,
        options: ManagerOptions,
    ) -> Result<Self> {
        let _guard = runtime()?.enter();
        Ok(Self::wrap(crate::TokenManager::from_files(
            credentials,
            token_file,
            options,
        )?))
    }

    /// See [`crate::TokenManager::from_env`].
    pub fn from_env() -> Result<Self> {
        let _guard = runtime()?.enter();
        Ok(Self::wrap(crate::TokenManager::from_env()?))
    }

    /// Wraps an async manager (they share the cache).
    pub fn wrap(inner: crate::TokenManager) -> Self {
        TokenManager { inner }
    }

    /// The async manager underneath.
    pub fn as_async(&self) -> &crate::TokenManager {
        &self.inner
    }

    /// See [`crate::TokenManager::access_token`].
    pub fn access_token(&self) -> Result<Secret> {
        if let Some(token) = self.inner.cached_access_token() {
            return Ok(token);
        }
        block_on(self.inner.access_token())
    }

    /// See [`crate::TokenManager::force_refresh`].
    pub fn force_refresh(&self) -> Result<Secret> {
        block_on(self.inner.force_refresh())
    }

    /// See [`crate::TokenManager::exchange_request_token`].
    pub fn exchange_request_token(&self) -> Result<Status> {
        block_on(self.inner.exchange_request_token())
    }

    /// See [`crate::TokenManager::exchange_request_token_with`].
    pub fn exchange_request_token_with(&self, options: ExchangeOptions) -> Result<Status> {
        block_on(self.inner.exchange_request_token_with(options))
    }

    /// See [`crate::TokenManager::status`].
    pub fn status(&self) -> Result<Status> {
        block_on(self.inner.status())
    }

    /// See [`crate::TokenManager::revoke`].
    pub fn revoke(&self) -> Result<()> {
        block_on(self.inner.revoke())
    }

    /// See [`crate::ApiClient::request_str`].
    pub fn request(
        &self,
        method: &str,
        path: &str,
        json_body: Option<&serde_json::Value>,
    ) -> Result<ApiResponse> {
        let client = self.inner.api_client();
        block_on(client.request_str(method, path, json_body))
    }
}
