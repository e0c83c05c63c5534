//! `TokenManager`: the one object users hold.
//!
//! `access_token()` answers from memory while the token has more than the leeway
//! left. Otherwise exactly one refresh runs per manager (single flight: every
//! waiter shares its result or its error), under the store's lease: reload,
//! refresh only if the stored token is still stale, save, release. A rotated
//! refresh token is saved before the access token is handed out, and a failed
//! refresh never overwrites the stored token.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use reqwest::Url;

use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, Result};
use crate::hosts::HostPolicy;
use crate::http::Http;
use crate::options::{ManagerOptions, DEFAULT_TOKEN_FILE};
use crate::protocol::{self, Grant, TokenReply};
use crate::secret::Secret;
use crate::status::{Status, REFRESH_WARNING_DAYS};
use crate::store::{FileStore, TokenStore};
use crate::token::{unix_now, TokenRecord};

/// Issues access tokens for one Concur company, refreshing and persisting as
/// needed. Cheap to clone; clones share the cache and the single flight.
#[derive(Clone, Debug)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    credentials: Credentials,
    store: Arc<dyn TokenStore>,
    policy: HostPolicy,
    http: Http,
    options: ManagerOptions,
    /// The adopted record and the Unix second its access token turns stale.
    cache: RwLock<Option<Cached>>,
    /// Held by the one refresh in flight; records how the last attempt ended.
    flight: tokio::sync::Mutex<Flight>,
    /// Copy of `Flight::epoch`, readable without the lock.
    epoch: AtomicU64,
    /// A refreshed record whose save failed: saved first at the next attempt, so
    /// that a rotated refresh token is not lost to a transient disk error.
    unsaved: Mutex<Option<TokenRecord>>,
    warned_expiring: AtomicBool,
}

#[derive(Debug)]
struct Cached {
    token: Secret,
    fresh_until: i64,
    origin: Url,
}

#[derive(Debug, Default)]
struct Flight {
    epoch: u64,
    /// The last attempt's error and when it ended.
    last_error: Option<(Error, Instant)>,
}

/// A failed refresh is also the answer for callers arriving this soon after
/// it, so that a storm of callers against a failing server costs one request,
/// not one each in turn.
const SHARE_FAILURE_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// Why a refresh is wanted.
#[derive(Clone, Copy, Debug)]
enum Need<'a> {
    /// The cached token is stale or missing.
    Fresh,
    /// The server rejected this token: any other fresh token will do.
    Replace(&'a Secret),
    /// The caller asked for a new token regardless.
    Forced,
}

impl TokenManager {
    /// A manager over `store`. Checks the options (base URL, hosts) now.
    pub fn new(
        credentials: Credentials,
        store: Arc<dyn TokenStore>,
        options: ManagerOptions,
    ) -> Result<Self> {
        options.validate()?;
        let policy = HostPolicy::new(&options.base_url, &options.allowed_hosts)?;
        let http = Http::new(options.http.clone())?;
        Ok(TokenManager {
            inner: Arc::new(Inner {
                credentials,
                store,
                policy,
                http,
                options,
                cache: RwLock::new(None),
                flight: tokio::sync::Mutex::new(Flight::default()),
                epoch: AtomicU64::new(0),
                unsaved: Mutex::new(None),
                warned_expiring: AtomicBool::new(false),
            }),
        })
    }

    /// The tutorials' setup: `credentials.json` and `refreshTokenObjectFile.json`.
    pub fn from_files(
        credentials: impl AsRef<Path>,
        token_file: impl AsRef<Path>,
        options: ManagerOptions,
    ) -> Result<Self> {
        let credentials = Credentials::from_file(credentials)?;
        let store = FileStore::new(token_file.as_ref());
        Self::new(credentials, Arc::new(store), options)
    }

    /// Like [`TokenManager::from_files`], with the store named by one string:
    /// a token-file path, `redis://…` or `memory:` (see [`crate::store::open`]).
    pub fn with_store_location(
        credentials: Credentials,
        store_location: &str,
        options: ManagerOptions,
    ) -> Result<Self> {
        Self::new(credentials, crate::store::open(store_location)?, options)
    }

    /// Credentials from `CONCUR_*` variables; the store from `CONCUR_STORE`,
    /// else the file `CONCUR_TOKEN_FILE`, else `refreshTokenObjectFile.json`;
    /// options from [`ManagerOptions::from_env`].
    pub fn from_env() -> Result<Self> {
        let credentials = Credentials::from_env()?;
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let location = var(crate::store::STORE_ENV)
            .or_else(|| var(crate::options::env::TOKEN_FILE))
            .unwrap_or_else(|| DEFAULT_TOKEN_FILE.to_owned());
        Self::with_store_location(credentials, &location, ManagerOptions::from_env()?)
    }

    /// The options in force.
    pub fn options(&self) -> &ManagerOptions {
        &self.inner.options
    }

    /// The credentials in use (secrets stay redacted in `Debug`).
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// Which hosts may receive this manager's tokens (for HTTP adapters that
    /// send the token themselves: see [`HostPolicy::check_url`]).
    pub fn host_policy(&self) -> &HostPolicy {
        &self.inner.policy
    }

    /// The store in use.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.store
    }

    pub(crate) fn http(&self) -> &Http {
        &self.inner.http
    }

    /// A valid access token: from memory when more than the leeway is left,
    /// otherwise after one shared refresh.
    pub async fn access_token(&self) -> Result<Secret> {
        if let Some(token) = self.cached_access_token() {
            return Ok(token);
        }
        self.refresh(Need::Fresh).await
    }

    /// The cached access token if it is still fresh; never blocks, never does I/O.
    /// The bindings' hot path.
    pub fn cached_access_token(&self) -> Option<Secret> {
        let cache = self.inner.cache.read().expect("token cache poisoned");
        let cached = cache.as_ref()?;
        (unix_now() < cached.fresh_until).then(|| cached.token.clone())
    }

    /// Refreshes now, whatever the cached token's age.
    pub async fn force_refresh(&self) -> Result<Secret> {
        self.refresh(Need::Forced).await
    }

    /// The server rejected `token` (HTTP 401): get another one, sharing the
    /// refresh with every other caller that saw the same rejection. For HTTP
    /// adapters (requests, httpx, fetch) that send the token themselves.
    pub async fn replace_rejected(&self, token: &Secret) -> Result<Secret> {
        self.refresh(Need::Replace(token)).await
    }

    /// The base URL of API calls: the adopted record's geolocation.
    pub(crate) fn api_origin(&self) -> Option<Url> {
        let cache = self.inner.cache.read().expect("token cache poisoned");
        cache.as_ref().map(|c| c.origin.clone())
    }

    /// Both expiries, days left, the geolocation, read from the store without
    /// network and without secrets.
    pub async fn status(&self) -> Result<Status> {
        Status::of_store(self.inner.store.as_ref(), &self.inner.options).await
    }

    /// The one-time exchange: trades the company request token for a refresh
    /// token and saves it at once. A request token works once, so this call is
    /// never retried automatically.
    pub async fn exchange_request_token(&self) -> Result<Status> {
        let inner = &self.inner;
        let (company_uuid, request_token) = inner.credentials.company_request()?;
        let mut flight = inner.flight.lock().await;
        let result = async {
            let _lease = inner.store.lock(inner.options.lock_wait).await?;
            let current = match inner.store.load().await {
                Ok(current) => current,
                // The corrupt file was moved aside and kept; a fresh exchange may
                // replace it.
                Err(err) if err.kind() == ErrorKind::CorruptStore => {
                    tracing::warn!("{err}");
                    None
                }
                Err(err) => return Err(err),
            };
            let grant = Grant::RequestToken {
                company_uuid,
                request_token,
            };
            let reply = protocol::request_token(
                &inner.http,
                &inner.policy,
                inner.policy.base(),
                &inner.credentials,
                grant,
            )
            .await?;
            let mut record = merge_reply(None, reply, Some(company_uuid))?;
            if let Some(previous) = &current {
                record.extra = previous.extra.clone();
            }
            record.revision = inner
                .store
                .save(&record, current.as_ref().map(|r| r.revision))
                .await?;
            tracing::info!(store = %inner.store.describe(), "company request token exchanged; refresh token saved");
            self.adopt(record)?;
            Ok(())
        }
        .await;
        // An exchange is not a refresh: its failure (a used request token, say)
        // is not the answer for callers waiting on a refresh.
        finish_flight(&mut flight, &inner.epoch, &Ok::<(), Error>(()));
        drop(flight);
        result?;
        self.status().await
    }

    /// Revokes every refresh token of the app for this company
    /// (`DELETE /app-mgmt/v0/connections`) and clears the store.
    pub async fn revoke(&self) -> Result<()> {
        let response = self
            .api_client()
            .request(reqwest::Method::DELETE, "/app-mgmt/v0/connections", None)
            .await?;
        response.error_for_status("revoke")?;
        *self.inner.cache.write().expect("token cache poisoned") = None;
        self.inner.store.clear().await?;
        tracing::info!("refresh tokens revoked; the token store was cleared");
        Ok(())
    }

    /// An API client sharing this manager's tokens and connection pool.
    pub fn api_client(&self) -> crate::client::ApiClient {
        crate::client::ApiClient::new(self.clone())
    }

    fn leeway_secs(&self) -> i64 {
        self.inner.options.leeway_secs()
    }

    /// Single flight: the first caller refreshes, the others wait for it and
    /// share what it got (a token or an error).
    async fn refresh(&self, need: Need<'_>) -> Result<Secret> {
        let inner = &self.inner;
        let seen = inner.epoch.load(Ordering::Acquire);
        let mut flight = inner.flight.lock().await;
        if let Some((err, ended)) = &flight.last_error {
            // An attempt failed while we waited, or just before: its error is ours.
            if flight.epoch != seen || ended.elapsed() < SHARE_FAILURE_FOR {
                return Err(err.clone());
            }
        }
        if let Some(token) = self.cached_access_token() {
            let usable = match need {
                Need::Fresh => true,
                Need::Replace(rejected) => token != *rejected,
                Need::Forced => false,
            };
            if usable {
                return Ok(token);
            }
        }
        let result = self.refresh_under_lease(need).await;
        finish_flight(&mut flight, &inner.epoch, &result);
        result
    }

    /// Reload → refresh if still needed → save, holding the store's lease.
    /// A fresh token already in the store is adopted without taking the lease:
    /// stores replace records atomically, so an unlocked read sees a whole one,
    /// and a new process (a CLI run, a worker start) then costs one read.
    async fn refresh_under_lease(&self, need: Need<'_>) -> Result<Secret> {
        let inner = &self.inner;
        if inner.unsaved.lock().expect("unsaved poisoned").is_none() {
            if let Some(record) = inner.store.load().await? {
                if self.usable_stored_token(&record, need) {
                    return self.adopt(record);
                }
            }
        }
        let _lease = inner.store.lock(inner.options.lock_wait).await?;
        self.save_unsaved().await?;
        let record = inner.store.load().await?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotInitialized,
                format!(
                    "no refresh token is stored in {}: run the one-time exchange first (`concur-auth exchange`, or exchange_request_token())",
                    inner.store.describe()
                ),
            )
        })?;
        // Another process may have refreshed while we waited for the lease.
        if self.usable_stored_token(&record, need) {
            tracing::debug!("adopting the access token another process stored");
            return self.adopt(record);
        }
        let record = self.refresh_with_retries(record).await?;
        self.adopt(record)
    }

    /// Whether `record` holds an access token that answers `need`.
    fn usable_stored_token(&self, record: &TokenRecord, need: Need<'_>) -> bool {
        let Some((token, fresh_until)) = record.access_token_fresh_until(self.leeway_secs()) else {
            return false;
        };
        unix_now() < fresh_until
            && match need {
                Need::Fresh => true,
                Need::Replace(rejected) => token != rejected,
                Need::Forced => false,
            }
    }

    /// Saves a record whose earlier save failed, before anything else.
    async fn save_unsaved(&self) -> Result<()> {
        let pending = self.inner.unsaved.lock().expect("unsaved poisoned").take();
        let Some(record) = pending else {
            return Ok(());
        };
        let current = self
            .inner
            .store
            .load()
            .await
            .ok()
            .flatten()
            .map(|r| r.revision);
        match self.inner.store.save(&record, current).await {
            Ok(_) => Ok(()),
            Err(err) => {
                *self.inner.unsaved.lock().expect("unsaved poisoned") = Some(record);
                Err(err)
            }
        }
    }

    /// The refresh grant, retried on transient failures within the retry budget.
    /// Before each retry and after an `invalid_grant`, the store is re-read: a
    /// sibling may hold a token rotated meanwhile.
    async fn refresh_with_retries(&self, mut record: TokenRecord) -> Result<TokenRecord> {
        let inner = &self.inner;
        let started = Instant::now();
        let mut retry = 0;
        let mut reread_after_invalid_grant = false;
        loop {
            if record.refresh_token_expired(unix_now()) {
                return Err(Error::new(
                    ErrorKind::RefreshTokenExpired,
                    protocol::NEW_REQUEST_TOKEN,
                ));
            }
            let origin = self.origin_of(&record)?;
            let grant = Grant::RefreshToken {
                refresh_token: &record.refresh_token,
                scope: inner.options.scope.as_deref(),
            };
            tracing::debug!(geolocation = %origin, "refreshing the access token");
            let outcome = protocol::request_token(
                &inner.http,
                &inner.policy,
                &origin,
                &inner.credentials,
                grant,
            )
            .await;
            match outcome {
                Ok(reply) => return self.persist_refresh(&record, reply).await,
                Err(err)
                    if err.kind() == ErrorKind::RefreshTokenExpired
                        && !reread_after_invalid_grant =>
                {
                    reread_after_invalid_grant = true;
                    match inner.store.load().await? {
                        Some(stored) if stored.refresh_token != record.refresh_token => {
                            tracing::info!("the stored refresh token changed meanwhile; using it");
                            record = stored;
                        }
                        _ => return Err(err),
                    }
                }
                Err(err) if err.is_transient() => {
                    retry += 1;
                    let Some(delay) =
                        inner
                            .options
                            .retry
                            .next_delay(retry, started.elapsed(), err.retry_after())
                    else {
                        return Err(err);
                    };
                    tracing::warn!(retry, ?delay, "token refresh failed ({err}); retrying");
                    tokio::time::sleep(delay).await;
                    // A refresh that timed out may have been processed elsewhere.
                    if let Some(stored) = inner.store.load().await? {
                        if stored.revision != record.revision {
                            let fresh = stored
                                .access_token_fresh_until(self.leeway_secs())
                                .is_some_and(|(_, until)| unix_now() < until);
                            if fresh {
                                return Ok(stored);
                            }
                            record = stored;
                        }
                    }
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Saves the refreshed record (compare-and-swap on the revision we read).
    async fn persist_refresh(
        &self,
        previous: &TokenRecord,
        reply: TokenReply,
    ) -> Result<TokenRecord> {
        let store = &self.inner.store;
        let mut record = merge_reply(Some(previous), reply, None)?;
        if record.refresh_token != previous.refresh_token {
            tracing::info!("Concur rotated the refresh token; saving the new one");
        }
        let saved = match store.save(&record, Some(previous.revision)).await {
            Err(err) if err.is_conflict() => {
                // Someone wrote without the lease. Ours is the newest token Concur
                // issued, so it wins; theirs was read and is replaced knowingly.
                tracing::warn!("{err}; saving the newer token over it");
                let current = store.load().await.ok().flatten().map(|r| r.revision);
                store.save(&record, current).await
            }
            other => other,
        };
        match saved {
            Ok(revision) => {
                record.revision = revision;
                Ok(record)
            }
            Err(err) => {
                *self.inner.unsaved.lock().expect("unsaved poisoned") = Some(record);
                Err(err)
            }
        }
    }

    /// Where refreshes and API calls for `record` go, checked by the host policy.
    fn origin_of(&self, record: &TokenRecord) -> Result<Url> {
        match &record.geolocation {
            Some(geo) => self.inner.policy.check_geolocation(geo),
            None => Ok(self.inner.policy.base().clone()),
        }
    }

    /// Makes `record` the cached state and returns its access token.
    fn adopt(&self, record: TokenRecord) -> Result<Secret> {
        let origin = self.origin_of(&record)?;
        let Some((token, fresh_until)) = record
            .access_token_fresh_until(self.leeway_secs())
            .map(|(t, until)| (t.clone(), until))
        else {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "the stored record has no access token with a known expiry",
            ));
        };
        self.warn_if_expiring(&record);
        *self.inner.cache.write().expect("token cache poisoned") = Some(Cached {
            token: token.clone(),
            fresh_until,
            origin,
        });
        Ok(token)
    }

    fn warn_if_expiring(&self, record: &TokenRecord) {
        let Some(at) = record.refresh_token_expires_at else {
            return;
        };
        let days = (at - unix_now()) / 86_400;
        if days < REFRESH_WARNING_DAYS && !self.inner.warned_expiring.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                days_left = days,
                "the refresh token expires in {days} days; it is renewed by use, but if it lapses only a new company request token can replace it"
            );
        }
    }
}

/// Records how an attempt ended so that waiters share it.
fn finish_flight<T>(flight: &mut Flight, epoch: &AtomicU64, result: &Result<T>) {
    flight.epoch += 1;
    flight.last_error = result
        .as_ref()
        .err()
        .map(|err| (err.clone(), Instant::now()));
    epoch.store(flight.epoch, Ordering::Release);
}

/// A token reply merged over the previous record: whatever the server returned
/// wins (refresh tokens and geolocations rotate), the rest is kept.
fn merge_reply(
    previous: Option<&TokenRecord>,
    reply: TokenReply,
    company_uuid: Option<&str>,
) -> Result<TokenRecord> {
    let now = unix_now();
    let refresh_token = reply
        .refresh_token
        .or_else(|| previous.map(|p| p.refresh_token.clone()))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "the token reply has no refresh_token; check that the app has the refresh_token grant in App Management",
            )
            .with_correlation_id(reply.correlation_id.clone())
        })?;
    let keep = |f: fn(&TokenRecord) -> Option<String>| previous.and_then(f);
    Ok(TokenRecord {
        access_token: Some(reply.access_token),
        access_token_expires_at: Some(now + reply.expires_in),
        expires_in: Some(reply.expires_in),
        refresh_token,
        refresh_token_expires_at: reply
            .refresh_expires_at
            .or_else(|| previous.and_then(|p| p.refresh_token_expires_at)),
        geolocation: Some(reply.geolocation),
        id_token: reply
            .id_token
            .or_else(|| previous.and_then(|p| p.id_token.clone())),
        scope: reply.scope.or_else(|| keep(|p| p.scope.clone())),
        token_type: reply.token_type.or_else(|| keep(|p| p.token_type.clone())),
        company_uuid: company_uuid
            .map(str::to_owned)
            .or_else(|| keep(|p| p.company_uuid.clone())),
        revision: previous.map_or(0, |p| p.revision),
        extra: previous.map(|p| p.extra.clone()).unwrap_or_default(),
    })
}
