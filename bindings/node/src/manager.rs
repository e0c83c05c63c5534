//! `TokenManager`: the one object users hold, translated from the core's.
//!
//! Every asynchronous method returns a promise settled from the shared runtime
//! (`runtime.rs`); `accessToken()` answers a fresh cached token without leaving
//! the JavaScript thread. Nothing here decides when to refresh, how to lock or
//! what an error means: the core does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use concur_auth::{Credentials, ErrorKind, ManagerOptions};
use napi::bindgen_prelude::{Either, Function, JsObjectValue, Null, Object, PromiseRaw, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;

use crate::client::ApiResponse;
use crate::errors;
use crate::pager::Pager;
use crate::runtime::promise;
use crate::status::{nullable, Status};
use crate::token_copy::{cached_token, generation_buffer, unix_ms};

/// Options of `TokenManager.fromFiles()`; every field is optional.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct ManagerOptionsInit {
    /// Where the one-time exchange goes (default `https://glz.api.concursolutions.com`);
    /// later calls use the stored geolocation. A loopback URL may be plain HTTP.
    pub base_url: Option<String>,
    /// Hosts, besides Concur's and the base URL's, that may receive tokens.
    pub allowed_hosts: Option<Vec<String>>,
    /// The access token turns stale when less than this is left (default 300):
    /// one background refresh starts while callers keep the token in hand.
    pub leeway_seconds: Option<f64>,
    /// The access token counts as expired when less than this is left
    /// (default 30): callers wait for the refresh.
    pub hard_margin_seconds: Option<f64>,
    /// `true`: wait for the refresh from the stale instant on (default false).
    pub strict: Option<bool>,
    /// Scope to request on refresh (default: what was granted).
    pub scope: Option<String>,
    /// Time for one whole HTTP request, in milliseconds (default 30000).
    pub request_timeout_ms: Option<f64>,
    /// Time to establish a connection, in milliseconds (default 10000).
    pub connect_timeout_ms: Option<f64>,
    /// How long to wait for the store's lock held by another process, in
    /// milliseconds (default 60000).
    pub lock_wait_ms: Option<f64>,
    /// Attempts in all (the first included) for transient failures; 1 disables
    /// retries (default 4).
    pub max_attempts: Option<f64>,
    /// The token store as one location string, instead of the token file: a
    /// file path, `memory:` or `redis://…` (as `CONCUR_STORE` and the CLI's `--store`).
    pub store: Option<String>,
}

/// Options of `new TokenManager()`: credentials, token file and manager options.
#[napi(object)]
#[derive(Clone, Default)]
pub struct TokenManagerInit {
    /// The app's client id (`appID` in `credentials.json`).
    pub client_id: String,
    /// The app's client secret (`clientSecret`).
    pub client_secret: String,
    /// The company UUID, needed only for `exchangeRequestToken()`.
    pub company_uuid: Option<String>,
    /// The company request token, needed only for `exchangeRequestToken()`.
    pub request_token: Option<String>,
    /// The token file (default `refreshTokenObjectFile.json`).
    pub token_file: Option<String>,
    /// The token store as one location string, instead of `tokenFile`: a file
    /// path, `memory:` or `redis://…` (as `CONCUR_STORE` and the CLI's `--store`).
    pub store: Option<String>,
    /// See `ManagerOptionsInit.baseUrl`.
    pub base_url: Option<String>,
    /// See `ManagerOptionsInit.allowedHosts`.
    pub allowed_hosts: Option<Vec<String>>,
    /// See `ManagerOptionsInit.leewaySeconds`.
    pub leeway_seconds: Option<f64>,
    /// See `ManagerOptionsInit.hardMarginSeconds`.
    pub hard_margin_seconds: Option<f64>,
    /// See `ManagerOptionsInit.strict`.
    pub strict: Option<bool>,
    /// See `ManagerOptionsInit.scope`.
    pub scope: Option<String>,
    /// See `ManagerOptionsInit.requestTimeoutMs`.
    pub request_timeout_ms: Option<f64>,
    /// See `ManagerOptionsInit.connectTimeoutMs`.
    pub connect_timeout_ms: Option<f64>,
    /// See `ManagerOptionsInit.lockWaitMs`.
    pub lock_wait_ms: Option<f64>,
    /// See `ManagerOptionsInit.maxAttempts`.
    pub max_attempts: Option<f64>,
}

impl std::fmt::Debug for TokenManagerInit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| concur_auth::REDACTED);
        let secret = concur_auth::REDACTED;
        f.debug_struct("TokenManagerInit")
            .field("client_id", &self.client_id)
            .field("client_secret", &secret)
            .field("company_uuid", &self.company_uuid)
            .field("request_token", &redacted(&self.request_token))
            .field("token_file", &self.token_file)
            .field("store", &self.store)
            .field("base_url", &self.base_url)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("hard_margin_seconds", &self.hard_margin_seconds)
            .field("strict", &self.strict)
            .field("scope", &self.scope)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("lock_wait_ms", &self.lock_wait_ms)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

/// What `toJSON()` shows of a manager: where it reads and sends, never a secret.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct ManagerDescription {
    /// The app's client id (not a secret: Concur's admin UI shows it).
    pub client_id: String,
    /// The company UUID, when configured.
    pub company_uuid: Either<String, Null>,
    /// The token store, e.g. `file ./refreshTokenObjectFile.json`.
    pub store: String,
    /// The base URL of the one-time exchange.
    pub base_url: String,
}

/// Issues access tokens for one Concur company, refreshing and persisting as
/// needed. Secrets never show in `toString()`, `toJSON()` or `util.inspect()`.
#[napi]
#[derive(Debug)]
pub struct TokenManager {
    inner: concur_auth::TokenManager,
    /// `tokenGeneration()` has mapped the counter once: V8 refuses two
    /// buffers over the same memory.
    generation_mapped: AtomicBool,
}

impl From<concur_auth::TokenManager> for TokenManager {
    fn from(inner: concur_auth::TokenManager) -> Self {
        TokenManager {
            inner,
            generation_mapped: AtomicBool::new(false),
        }
    }
}

/// A number of seconds as a duration. Only what no duration can hold
/// (negative, infinite, NaN) is refused here: the range is the core's
/// (`ManagerOptions::validate`), the same in every language.
fn seconds(value: f64, name: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        errors::new(
            ErrorKind::Config,
            format!("{name} must be a non-negative number"),
        )
    })
}

/// A whole number that fits a `u32` (JavaScript numbers are doubles: 2.5 or
/// 2**32 + 1 must not be truncated or wrapped into something else).
fn whole(value: f64, name: &str) -> Result<u32> {
    if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
        // Checked just above: a whole number within u32's range.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Ok(value as u32);
    }
    Err(errors::new(
        ErrorKind::Config,
        format!("{name} must be a whole number, 1 or more (got {value})"),
    ))
}

impl ManagerOptionsInit {
    /// The core's defaults, overridden by the fields that are set (translated
    /// only; the core validates them when the manager is built).
    fn into_core(self) -> Result<ManagerOptions> {
        let mut options = ManagerOptions::default();
        if let Some(url) = self.base_url.filter(|u| !u.trim().is_empty()) {
            options.base_url = url;
        }
        if let Some(hosts) = self.allowed_hosts {
            options.allowed_hosts = hosts;
        }
        if let Some(secs) = self.leeway_seconds {
            options.leeway = seconds(secs, "leewaySeconds")?;
        }
        if let Some(secs) = self.hard_margin_seconds {
            options.hard_margin = seconds(secs, "hardMarginSeconds")?;
        }
        if let Some(strict) = self.strict {
            options.strict = strict;
        }
        if let Some(scope) = self.scope.filter(|s| !s.trim().is_empty()) {
            options.scope = Some(scope);
        }
        if let Some(ms) = self.request_timeout_ms {
            options.http.request_timeout = seconds(ms / 1000.0, "requestTimeoutMs")?;
        }
        if let Some(ms) = self.connect_timeout_ms {
            options.http.connect_timeout = seconds(ms / 1000.0, "connectTimeoutMs")?;
        }
        if let Some(ms) = self.lock_wait_ms {
            options.lock_wait = seconds(ms / 1000.0, "lockWaitMs")?;
        }
        if let Some(attempts) = self.max_attempts {
            options.retry.max_attempts = whole(attempts, "maxAttempts")?;
        }
        Ok(options)
    }
}

fn core<T>(result: concur_auth::Result<T>) -> Result<T> {
    result.map_err(|err| errors::to_napi(&err))
}

#[napi]
impl TokenManager {
    /// A manager from values passed in (the store defaults to the file
    /// `refreshTokenObjectFile.json`). Throws `ConfigurationError` for a missing
    /// client id or secret or a bad option.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: TokenManagerInit) -> Result<Self> {
        let TokenManagerInit {
            client_id,
            client_secret,
            company_uuid,
            request_token,
            token_file,
            store,
            base_url,
            allowed_hosts,
            leeway_seconds,
            hard_margin_seconds,
            strict,
            scope,
            request_timeout_ms,
            connect_timeout_ms,
            lock_wait_ms,
            max_attempts,
        } = options;
        let mut credentials = core(Credentials::new(client_id, client_secret))?;
        if company_uuid.is_some() || request_token.is_some() {
            credentials = credentials.with_company(
                company_uuid.unwrap_or_default(),
                request_token.unwrap_or_default(),
            );
        }
        let options = ManagerOptionsInit {
            base_url,
            allowed_hosts,
            leeway_seconds,
            hard_margin_seconds,
            strict,
            scope,
            request_timeout_ms,
            connect_timeout_ms,
            lock_wait_ms,
            max_attempts,
            store: None,
        }
        .into_core()?;
        let location = match (store, token_file) {
            (Some(_), Some(_)) => {
                return Err(errors::new(
                    ErrorKind::Config,
                    "pass either store or tokenFile, not both",
                ))
            }
            (Some(store), None) => store,
            (None, Some(file)) if !file.trim().is_empty() => file,
            (None, _) => concur_auth::DEFAULT_TOKEN_FILE.to_owned(),
        };
        let inner = core(concur_auth::TokenManager::with_store_location(
            credentials,
            &location,
            options,
        ))?;
        Ok(TokenManager::from(inner))
    }

    /// The tutorials' setup: `credentials.json` (default) and
    /// `refreshTokenObjectFile.json` (default), relative to the current folder
    /// (`options.store` replaces the token file).
    #[napi(factory, catch_unwind)]
    pub fn from_files(
        credentials: Option<String>,
        token_file: Option<String>,
        options: Option<ManagerOptionsInit>,
    ) -> Result<Self> {
        let credentials =
            credentials.unwrap_or_else(|| concur_auth::DEFAULT_CREDENTIALS_FILE.to_owned());
        let token_file = token_file.unwrap_or_else(|| concur_auth::DEFAULT_TOKEN_FILE.to_owned());
        let mut options = options.unwrap_or_default();
        let store = options.store.take();
        let options = options.into_core()?;
        let inner = match store {
            Some(location) => core(Credentials::from_file(credentials).and_then(|credentials| {
                concur_auth::TokenManager::with_store_location(credentials, &location, options)
            }))?,
            None => core(concur_auth::TokenManager::from_files(
                credentials,
                token_file,
                options,
            ))?,
        };
        Ok(TokenManager::from(inner))
    }

    /// Credentials from `CONCUR_CLIENT_ID`, `CONCUR_CLIENT_SECRET` (and, for the
    /// exchange, `CONCUR_COMPANY_UUID`, `CONCUR_REQUEST_TOKEN`); the store from
    /// `CONCUR_STORE`, else the file `CONCUR_TOKEN_FILE`; options from `CONCUR_BASE_URL`,
    /// `CONCUR_ALLOWED_HOSTS`, `CONCUR_LEEWAY_SECS`.
    #[napi(factory, catch_unwind)]
    pub fn from_env() -> Result<Self> {
        let inner = core(concur_auth::TokenManager::from_env())?;
        Ok(TokenManager::from(inner))
    }

    /// A valid access token: the cached one while it is fresh (no I/O, no
    /// thread hop) or stale (then one background refresh runs; nobody waits),
    /// otherwise (expired, none, or stale in strict mode) after one shared refresh.
    #[napi(ts_return_type = "Promise<string>", catch_unwind)]
    pub fn access_token<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        if let Some(token) = self.inner.cached_access_token() {
            let resolved = PromiseRaw::resolve(env, token.expose().to_owned())?;
            return Ok(Object::from_raw(env.raw(), resolved.raw()));
        }
        let manager = self.inner.clone();
        promise(env, async move {
            let token = manager.access_token().await?;
            Ok(token.expose().to_owned())
        })
    }

    /// The cached access token while it may be served without waiting (fresh,
    /// or stale: then one background refresh is started), else `null`. Never waits.
    #[napi(catch_unwind)]
    pub fn cached_access_token(&self) -> Option<String> {
        self.inner
            .cached_access_token()
            .map(|token| token.expose().to_owned())
    }

    /// For `index.js` only (taken off the prototype there): the cached token
    /// and until when a copy of it may be served (see `token_copy.rs`).
    /// Stale: served, and one background refresh is running, as `accessToken()`.
    #[napi(skip_typescript, catch_unwind)]
    pub fn cached_access_token_until<'env>(&self, env: &'env Env) -> Result<Option<Object<'env>>> {
        self.inner
            .cached_access_token_until()
            .map(|(token, fresh_until)| cached_token(env, token.expose(), fresh_until))
            .transpose()
    }

    /// For `index.js` only (taken off the prototype there): what
    /// `cachedAccessTokenUntil()` says, without the string, for a copy that
    /// is current (the generation unchanged) but past its stale instant:
    /// `freshUntilMs` when fresh, 0 when served stale (one background refresh
    /// is then running, as for `accessToken()`), -1 when it must be waited for.
    #[napi(skip_typescript, catch_unwind)]
    pub fn cached_access_token_state(&self) -> f64 {
        match self.inner.cached_access_token_until() {
            Some((_, fresh_until)) => fresh_until.map_or(0.0, unix_ms),
            None => -1.0,
        }
    }

    /// For `index.js` only (taken off the prototype there): the counter that
    /// moves whenever the cached token changes, as an `ArrayBuffer` of one
    /// `u32`; `null` the second time, or where external buffers are refused.
    #[napi(skip_typescript, catch_unwind)]
    pub fn token_generation<'env>(&self, env: &'env Env) -> Option<Object<'env>> {
        if self.generation_mapped.swap(true, Ordering::SeqCst) {
            return None;
        }
        generation_buffer(env, self.inner.token_generation())
    }

    /// Refreshes now, whatever the cached token's age; resolves to the new token.
    #[napi(ts_return_type = "Promise<string>", catch_unwind)]
    pub fn force_refresh<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let manager = self.inner.clone();
        promise(env, async move {
            let token = manager.force_refresh().await?;
            Ok(token.expose().to_owned())
        })
    }

    /// The one-time exchange of the company request token for a refresh token,
    /// saved at once. Transient failures are retried (a request token may be
    /// used again within its 24 hours). Rejects with a `ConfigurationError`,
    /// before anything is sent, when a live refresh token is stored, unless
    /// `{ force: true }`, which replaces this app's own (never another app's).
    #[napi(ts_return_type = "Promise<Status>", catch_unwind)]
    pub fn exchange_request_token<'env>(
        &self,
        env: &'env Env,
        options: Option<ExchangeOptions>,
    ) -> Result<Object<'env>> {
        let manager = self.inner.clone();
        let options = concur_auth::ExchangeOptions {
            force: options.and_then(|o| o.force).unwrap_or(false),
        };
        promise(env, async move {
            let status = manager.exchange_request_token_with(options).await?;
            Ok(Status::from(status))
        })
    }

    /// Both expiries, days left, the geolocation: read from the store, no network.
    #[napi(ts_return_type = "Promise<Status>", catch_unwind)]
    pub fn status<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let manager = self.inner.clone();
        promise(
            env,
            async move { Ok(Status::from(manager.status().await?)) },
        )
    }

    /// Revokes every refresh token of the app for this company and clears the store.
    #[napi(ts_return_type = "Promise<void>", catch_unwind)]
    pub fn revoke<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let manager = self.inner.clone();
        promise(env, async move { manager.revoke().await })
    }

    /// `method path` against the token's geolocation, with the bearer token;
    /// `body` (any JSON value) is sent as JSON.
    #[napi(
        ts_args_type = "method: string, path: string, body?: unknown",
        ts_return_type = "Promise<ApiResponse>",
        catch_unwind
    )]
    pub fn request<'env>(
        &self,
        env: &'env Env,
        method: String,
        path: String,
        body: Option<Unknown<'env>>,
    ) -> Result<Object<'env>> {
        let body = match body {
            Some(value) => json_value(env, value)?,
            None => None,
        };
        let client = self.inner.api_client();
        promise(env, async move {
            let response = client.request_str(&method, &path, body.as_ref()).await?;
            Ok(ApiResponse::from(response))
        })
    }

    /// Every record of a paged Identity v4 list (default
    /// `/profile/identity/v4/Users`): `for await (const user of
    /// manager.readList())`. Other query parameters in `path` are sent
    /// unchanged; `pageSize` is at most 100, `maxPages` bounds the read.
    #[napi(catch_unwind)]
    pub fn read_list(&self, path: Option<String>, options: Option<ListOptions>) -> Result<Pager> {
        let path = path.unwrap_or_else(|| "/profile/identity/v4/Users".to_owned());
        let mut pager = self
            .inner
            .api_client()
            .read_list(&path)
            .map_err(|err| errors::to_napi(&err))?;
        let options = options.unwrap_or_default();
        if let Some(size) = options.page_size {
            pager = pager.page_size(size);
        }
        if let Some(pages) = options.max_pages {
            pager = pager.max_pages(pages.max(1.0) as u64);
        }
        Ok(Pager::new(pager))
    }

    /// The absolute URL of an API path under the token's geolocation (or a full
    /// URL, checked): `HostNotAllowedError` unless its host may receive tokens.
    /// What the fetch helper calls before it attaches the bearer header.
    #[napi(ts_return_type = "Promise<string>", catch_unwind)]
    pub fn api_url<'env>(&self, env: &'env Env, path_or_url: String) -> Result<Object<'env>> {
        let manager = self.inner.clone();
        promise(env, async move {
            Ok(manager.api_client().url(&path_or_url).await?.to_string())
        })
    }

    /// The server refused `rejected` (HTTP 401): resolves to another token,
    /// sharing one refresh with every caller that saw the same rejection.
    #[napi(ts_return_type = "Promise<string>", catch_unwind)]
    pub fn replace_rejected<'env>(&self, env: &'env Env, rejected: String) -> Result<Object<'env>> {
        let manager = self.inner.clone();
        promise(env, async move {
            let token = manager
                .replace_rejected(&concur_auth::Secret::new(rejected))
                .await?;
            Ok(token.expose().to_owned())
        })
    }

    /// Where this manager reads and sends; no secret.
    #[napi(js_name = "toJSON", catch_unwind)]
    pub fn to_json(&self) -> ManagerDescription {
        ManagerDescription {
            client_id: self.inner.credentials().client_id().to_owned(),
            company_uuid: nullable(self.inner.credentials().company_uuid().map(str::to_owned)),
            store: self.inner.store().describe(),
            base_url: self.inner.options().base_url.clone(),
        }
    }

    /// `TokenManager(client …, file …)`; no secret.
    #[napi(js_name = "toString", catch_unwind)]
    pub fn to_display(&self) -> String {
        format!(
            "TokenManager(client {}, {})",
            self.inner.credentials().client_id(),
            self.inner.store().describe()
        )
    }
}

/// Options of `exchangeRequestToken()`.
#[napi(object)]
#[derive(Debug, Default)]
pub struct ExchangeOptions {
    /// Replace this app's live (not expired) refresh token (default false).
    /// Another app's live refresh token is never replaced.
    pub force: Option<bool>,
}

/// Options of `readList()`.
#[napi(object)]
#[derive(Debug, Default)]
pub struct ListOptions {
    /// Records per page, 1 to 100 (default 100).
    pub page_size: Option<u32>,
    /// The most pages one read may take (default 100000).
    pub max_pages: Option<f64>,
}

/// A request body as JSON, serialised by V8's own `JSON.stringify`.
fn json_value(env: &Env, value: Unknown) -> Result<Option<serde_json::Value>> {
    let json: Object = env.get_global()?.get_named_property("JSON")?;
    let stringify: Function<Unknown, Option<String>> = json.get_named_property("stringify")?;
    let Some(text) = stringify.call(value)? else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|_| {
        errors::new(
            ErrorKind::Config,
            "the request body is not JSON-serialisable",
        )
    })
}
