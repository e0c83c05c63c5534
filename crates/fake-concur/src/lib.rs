//! A fake SAP Concur OAuth2 token and API server for tests, benchmarks and the demo.
//!
//! It is a real HTTP server on 127.0.0.1 so clients exercise their whole stack:
//! Rust tests start it in-process with [`FakeConcur::start`]; tests in other
//! languages run the `fake-concur` binary and steer it through `/_admin/*`.
//! The wire follows `PROTOCOL.md`: the token endpoint's grants and error codes,
//! Profile Identity v4, revoke, and a `concur-correlationid` header on every reply.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use fake_concur::{Endpoint, FakeConcur, FakeConfig, Fault};
//! let fake = FakeConcur::start(FakeConfig::default()).await?;
//! fake.push_fault(Endpoint::Token, Fault::Status { status: 503 }, 1);
//! // ... point the client at fake.base_url() ...
//! assert_eq!(fake.counters().token_requests, 0);
//! fake.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod api_endpoints;
mod config;
mod connection;
mod counting;
mod errors;
mod faults;
pub mod fixtures;
mod random;
mod recorder;
mod state;
mod token_endpoint;
mod users;

use std::fmt;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::FakeConfig;
pub use counting::Counters;
pub use faults::{Endpoint, Fault, FaultSpec};
pub use fixtures::{CredentialsSpec, Freshness, TokenFileSpec};
pub use recorder::{hostile_inputs, TokenRecorder};
pub use state::IssuedTokens;
pub use users::{PageFaultSpec, MAX_PAGE_SIZE};

use connection::{ConnHandle, KillableListener};
use state::{lock, Shared};

/// A running fake server. Dropping it stops the server too (gracefully, in the
/// background); [`FakeConcur::shutdown`] also waits for it.
pub struct FakeConcur {
    shared: Arc<Shared>,
    port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for FakeConcur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeConcur")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

/// Gives every reply its own `concur-correlationid`, as Concur does, so clients
/// can be tested for keeping it in their errors.
async fn correlation_id(mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&random::uuid_like()) {
        response.headers_mut().insert("concur-correlationid", value);
    }
    response
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(token_endpoint::TOKEN_PATH, post(token_endpoint::token))
        .route(users::USERS_PATH, get(users::list_users))
        .route("/profile/identity/v4/Users/", get(users::list_users))
        .route(
            "/profile/identity/v4/Users/{id}",
            get(api_endpoints::get_user),
        )
        .route("/app-mgmt/v0/connections", delete(api_endpoints::revoke))
        .merge(admin::routes())
        .merge(users::admin_routes())
        .fallback(api_endpoints::not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            counting::count,
        ))
        .layer(axum::middleware::map_response(correlation_id))
        .with_state(shared)
}

impl FakeConcur {
    /// Starts a server on a free port of 127.0.0.1, on the current tokio runtime.
    ///
    /// The server only makes progress while that runtime runs: a test that calls
    /// a blocking client from a `#[tokio::test]` (current-thread) would deadlock,
    /// so use `flavor = "multi_thread"` or `spawn_blocking` there.
    pub async fn start(config: FakeConfig) -> std::io::Result<FakeConcur> {
        Self::start_on(config, 0).await
    }

    /// Starts a server on 127.0.0.1:`port` (0 picks a free one).
    pub async fn start_on(config: FakeConfig, port: u16) -> std::io::Result<FakeConcur> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::new(config, format!("http://127.0.0.1:{port}")));
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(shared.clone()).into_make_service_with_connect_info::<ConnHandle>();
        let server = axum::serve(KillableListener(listener), app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future();
        let task = tokio::spawn(async move {
            let _ = server.await;
        });
        Ok(FakeConcur {
            shared,
            port,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The current configuration.
    pub fn config(&self) -> FakeConfig {
        self.shared.config()
    }

    /// Changes switches at runtime; the next request sees them. A new
    /// `request_token` is valid from now for `request_token_ttl_secs`.
    pub fn update_config(&self, f: impl FnOnce(&mut FakeConfig)) {
        self.shared.update_config(f)
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> Counters {
        self.shared.counters.snapshot()
    }

    pub fn reset_counters(&self) {
        self.shared.counters.reset()
    }

    /// The next `count` requests to `endpoint` get `fault`, after any faults
    /// already queued for it. A request takes from its endpoint's queue first,
    /// then from [`Endpoint::Any`]'s.
    pub fn push_fault(&self, endpoint: Endpoint, fault: Fault, count: u32) {
        lock(&self.shared.faults).push(endpoint, fault, count)
    }

    /// The next `count` requests of the user-list page starting at
    /// `start_index` (1 for the first page) get `fault`.
    pub fn push_page_fault(&self, start_index: u64, fault: Fault, count: u32) {
        lock(&self.shared.faults).pages.push(PageFaultSpec {
            start_index,
            count,
            fault,
        })
    }

    /// Sets how many users the list holds, e.g. while a client is paging.
    pub fn set_users(&self, users: u64) {
        self.shared.update_config(|cfg| cfg.users = users)
    }

    /// Forgets every queued fault (page faults included).
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear()
    }

    /// Mints a valid refresh + access token pair without a grant, to seed token
    /// files in tests. Not counted.
    pub fn issue_refresh_token(&self) -> IssuedTokens {
        self.shared.issue(true)
    }

    /// A new valid company request token, like an admin regenerating one.
    /// Tokens issued earlier stay valid until used or expired.
    pub fn mint_request_token(&self) -> String {
        self.shared.mint_request_token()
    }

    /// The tutorials' `credentials.json` text for this server (its client and
    /// company, with `spec`'s overrides). See [`fixtures`].
    pub fn credentials_fixture(&self, spec: &CredentialsSpec) -> String {
        self.shared.credentials_fixture(spec)
    }

    /// A `refreshTokenObjectFile.json` text holding tokens this server issued
    /// (or an unknown refresh token), its access token fresh, stale or expired.
    pub fn token_file_fixture(&self, spec: &TokenFileSpec) -> String {
        self.shared.token_file_fixture(spec)
    }

    /// Writes [`Self::credentials_fixture`] to `dir/credentials.json` (mode
    /// 0600; never over an existing file).
    pub fn write_credentials(
        &self,
        dir: &std::path::Path,
        spec: &CredentialsSpec,
    ) -> std::io::Result<std::path::PathBuf> {
        fixtures::write_new_file(
            dir,
            fixtures::CREDENTIALS_FILE,
            &self.credentials_fixture(spec),
        )
    }

    /// Writes [`Self::token_file_fixture`] to `dir/refreshTokenObjectFile.json`
    /// (mode 0600; never over an existing file).
    pub fn write_token_file(
        &self,
        dir: &std::path::Path,
        spec: &TokenFileSpec,
    ) -> std::io::Result<std::path::PathBuf> {
        fixtures::write_new_file(dir, fixtures::TOKEN_FILE, &self.token_file_fixture(spec))
    }

    /// Makes every access token issued so far expired: the API answers 401.
    pub fn expire_access_tokens(&self) {
        self.shared.expire_access_tokens()
    }

    /// Whether `DELETE /app-mgmt/v0/connections` succeeded at least once.
    pub fn revoked(&self) -> bool {
        self.shared.revoked()
    }

    /// The client secrets, request tokens and every access and refresh token
    /// this server has known, for tests that scan output for leaks.
    pub fn known_secrets(&self) -> Vec<String> {
        self.shared.known_secrets()
    }

    /// Stops accepting, lets in-flight requests finish (at most 2 s), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for FakeConcur {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
