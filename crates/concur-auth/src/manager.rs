//! `TokenManager`: the one object users hold.
//!
//! `access_token()` answers from memory while the token is *fresh* (more than
//! the leeway left). Once it is *stale*, it is still answered from memory while
//! one background refresh runs; only once it is *expired* (less than the hard
//! margin left), or in strict mode once it is stale, do callers wait.
//!
//! Exactly one refresh runs per manager (single flight: every waiter shares its
//! result or its error), under the store's lease: reload, refresh only if the
//! stored token is still stale, save, release. The refresh runs as its own task
//! on the runtime, so a caller that gives up (a timeout, a dropped future, a
//! `select!`) never cancels it: what Concur returned is always persisted. A
//! rotated refresh token is saved before the access token is handed out, and a
//! failed refresh never overwrites the stored token.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use reqwest::Url;

use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, Result};
use crate::generation::TokenGeneration;
use crate::hosts::HostPolicy;
use crate::http::Http;
use crate::options::{ExchangeOptions, ManagerOptions, DEFAULT_TOKEN_FILE};
use crate::protocol::{self, Grant, TokenReply};
use crate::retry::Backoff;
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
    /// Moves at every write of `cache` (see [`TokenGeneration`]).
    generation: Arc<TokenGeneration>,
    /// The one refresh in flight, and how the last one ended.
    flights: Mutex<Flights>,
    /// A refreshed record whose save failed: saved first at the next attempt, so
    /// that a rotated refresh token is not lost to a transient disk error.
    unsaved: Mutex<Option<TokenRecord>>,
    warned_expiring: AtomicBool,
    /// The token the last 401-driven refresh produced: if Concur rejects that
    /// one too, the problem is permission, not age, and no refresh follows.
    replacement: Mutex<Option<Secret>>,
}

#[derive(Debug)]
struct Cached {
    token: Secret,
    /// From this Unix second on the token is stale: refresh in the background.
    stale_at: i64,
    /// From this Unix second on callers wait for a refresh.
    hard_at: i64,
    origin: Url,
}

/// What every caller of a refresh waits on: `None` until the task ends.
type FlightResult = tokio::sync::watch::Receiver<Option<Result<Secret>>>;

#[derive(Debug, Default)]
struct Flights {
    /// The refresh task running now, if any.
    current: Option<FlightResult>,
    /// The last attempt's error and when it ended.
    last_error: Option<(Error, Instant)>,
    /// Background refreshes that failed in a row, and when the next may start.
    background_failures: u32,
    next_background: Option<Instant>,
}

impl Flights {
    /// The running flight, forgetting one that has ended.
    fn running(&mut self) -> Option<FlightResult> {
        if self
            .current
            .as_ref()
            .is_some_and(|rx| rx.borrow().is_some())
        {
            self.current = None;
        }
        self.current.clone()
    }
}

/// A failed refresh is also the answer for callers arriving this soon after
/// it, so that a storm of callers against a failing server costs one request,
/// not one each in turn.
const SHARE_FAILURE_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// Why a refresh is wanted.
#[derive(Clone, Copy, Debug)]
enum Need<'a> {
    /// The cached token is past its hard expiry or missing: any token that may
    /// be served will do.
    Fresh,
    /// The token is stale: only a fresh one will do (the background refresh).
    Renew,
    /// The server rejected this token: any other fresh token will do.
    Replace(&'a Secret),
    /// The caller asked for a new token regardless.
    Forced,
}

/// [`Need`] owned by a refresh task.
#[derive(Clone, Debug)]
enum OwnedNeed {
    Fresh,
    Renew,
    Replace(Secret),
    Forced,
}

impl OwnedNeed {
    fn of(need: Need<'_>) -> Self {
        match need {
            Need::Fresh => OwnedNeed::Fresh,
            Need::Renew => OwnedNeed::Renew,
            Need::Replace(token) => OwnedNeed::Replace(token.clone()),
            Need::Forced => OwnedNeed::Forced,
        }
    }

    fn borrow(&self) -> Need<'_> {
        match self {
            OwnedNeed::Fresh => Need::Fresh,
            OwnedNeed::Renew => Need::Renew,
            OwnedNeed::Replace(token) => Need::Replace(token),
            OwnedNeed::Forced => Need::Forced,
        }
    }
}

impl Need<'_> {
    /// Whether `token`, servable now, answers this need (a renewal is judged
    /// by [`TokenManager::usable_stored_token`]).
    fn met_by(self, token: &Secret) -> bool {
        match self {
            Need::Fresh | Need::Renew => true,
            Need::Replace(rejected) => token != rejected,
            Need::Forced => false,
        }
    }
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
                generation: Arc::default(),
                flights: Mutex::new(Flights::default()),
                unsaved: Mutex::new(None),
                warned_expiring: AtomicBool::new(false),
                replacement: Mutex::new(None),
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

    /// A valid access token: from memory while it is fresh, and while it is
    /// stale (one background refresh then runs; see [`Self::cached_access_token`]);
    /// once it is expired, or stale in strict mode, after one shared refresh.
    pub async fn access_token(&self) -> Result<Secret> {
        if let Some(token) = self.cached_access_token() {
            return Ok(token);
        }
        let token = self.refresh(Need::Fresh).await?;
        // A stale token adopted from the store: renew it in the background.
        let _ = self.cached_access_token();
        Ok(token)
    }

    /// The cached access token while it may be served; never blocks, never does
    /// I/O: the bindings' hot path. Fresh: returned. Stale (and not strict):
    /// returned, after making sure one background refresh is running. Expired
    /// (or stale in strict mode): `None`, the caller must wait for a refresh.
    pub fn cached_access_token(&self) -> Option<Secret> {
        self.cached_access_token_until().map(|(token, _)| token)
    }

    /// [`Self::cached_access_token`], with the Unix second the token turns
    /// stale when it is fresh now (`None` when it is served stale). For a
    /// binding that keeps its own copy of the token: the copy may be served
    /// without asking again until that second, unless [`Self::token_generation`]
    /// moves first; a token served stale must be asked for at every call (that
    /// is what keeps one background refresh running).
    pub fn cached_access_token_until(&self) -> Option<(Secret, Option<i64>)> {
        let now = unix_now();
        let token = {
            let cache = self.inner.cache.read().expect("token cache poisoned");
            let cached = cache.as_ref()?;
            if now < cached.stale_at {
                return Some((cached.token.clone(), Some(cached.stale_at)));
            }
            if self.inner.options.strict || now >= cached.hard_at {
                return None;
            }
            cached.token.clone()
        };
        self.refresh_in_background();
        Some((token, None))
    }

    /// The counter that moves whenever the cached token changes or is cleared
    /// (shared by this manager's clones): see [`TokenGeneration`].
    pub fn token_generation(&self) -> Arc<TokenGeneration> {
        Arc::clone(&self.inner.generation)
    }

    /// Waits for the refresh in flight, if any, and returns how it ended: what a
    /// short-lived process (the CLI, a one-task worker) calls before it exits,
    /// so that a refresh started in the background is saved, not abandoned.
    pub async fn settle(&self) -> Option<Result<Secret>> {
        let running = self.lock_flights().running()?;
        Some(wait_for(running).await)
    }

    /// Refreshes now, whatever the cached token's age.
    pub async fn force_refresh(&self) -> Result<Secret> {
        self.refresh(Need::Forced).await
    }

    /// The server rejected `token` (HTTP 401): get another one, sharing the
    /// refresh with every other caller that saw the same rejection. For HTTP
    /// adapters (requests, httpx, fetch) that send the token themselves.
    ///
    /// At most one refresh per token: when Concur rejects the very token an
    /// earlier rejection was replaced with (issued moments ago), refreshing
    /// again would only spend refresh grants (each a rotation risk), so this
    /// is an `auth` error instead (see [`Self::may_replace`]).
    pub async fn replace_rejected(&self, token: &Secret) -> Result<Secret> {
        if !self.may_replace(token) {
            return Err(Error::new(
                ErrorKind::Auth,
                "Concur rejected an access token it issued moments ago to replace an earlier rejected one: the app or user lacks the permission or scope for this call; not refreshing again",
            ));
        }
        let replacement = self.refresh(Need::Replace(token)).await?;
        *self.inner.replacement.lock().expect("replacement poisoned") = Some(replacement.clone());
        Ok(replacement)
    }

    /// Whether a 401 on `token` may cost a refresh: not when `token` is itself
    /// the replacement of a rejected token (then it is a permission problem).
    pub fn may_replace(&self, token: &Secret) -> bool {
        self.inner
            .replacement
            .lock()
            .expect("replacement poisoned")
            .as_ref()
            != Some(token)
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
    /// token and saves it at once, under the store's lease. A request token may
    /// be used again within its 24 hours after a network failure (SAP's
    /// "Company Level Authentication" reference), so transient failures are
    /// retried within the retry budget. Runs as its own task: a caller that gives
    /// up does not lose a refresh token Concur has already issued.
    ///
    /// Refuses (a `config` error, before anything is sent, so the request token
    /// stays unused) when the store holds a live refresh token: see
    /// [`Self::exchange_request_token_with`] to replace this app's own.
    pub async fn exchange_request_token(&self) -> Result<Status> {
        self.exchange_request_token_with(ExchangeOptions::default())
            .await
    }

    /// [`Self::exchange_request_token`], with `options.force` to replace this
    /// app's live refresh token. Another app's live record is refused even then.
    pub async fn exchange_request_token_with(&self, options: ExchangeOptions) -> Result<Status> {
        let manager = self.clone();
        spawn(async move { manager.exchange_under_lease(options).await }).await?;
        self.status().await
    }

    async fn exchange_under_lease(&self, options: ExchangeOptions) -> Result<()> {
        let inner = &self.inner;
        let (company_uuid, request_token) = inner.credentials.company_request()?;
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
        if let Some(live) = current
            .as_ref()
            .filter(|r| !r.refresh_token_expired(unix_now()))
        {
            // Checked before the request token is sent, so a refusal spends nothing.
            self.check_replaceable(live, options)?;
        }
        let mut backoff = Backoff::start(&inner.options.retry);
        let reply = loop {
            let grant = Grant::RequestToken {
                company_uuid,
                request_token,
            };
            match protocol::request_token(
                &inner.http,
                &inner.policy,
                inner.policy.base(),
                &inner.credentials,
                grant,
            )
            .await
            {
                Ok(reply) => break reply,
                // SAP: the request token may be used again within its 24 hours
                // after a network failure (PROTOCOL.md).
                Err(err) if err.is_transient() => backoff
                    .wait_or_give_up(
                        err,
                        "the exchange (the request token may be used again within its 24 hours)",
                    )
                    .await?,
                Err(err) => return Err(err),
            }
        };
        if let Some(refused) = reply.refused_geolocation {
            // Nothing is lost by refusing an exchange outright: the request
            // token may be used again within its 24 hours.
            return Err(refused);
        }
        let mut record = TokenRecord::merge_reply(None, reply, Some(company_uuid))?;
        record.client_id = Some(inner.credentials.client_id().to_owned());
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

    /// Revokes every refresh token of the app for this company
    /// (`DELETE /app-mgmt/v0/connections`) and clears the store, holding the
    /// store's lease so that no refresh saves a token over the cleared store.
    pub async fn revoke(&self) -> Result<()> {
        let token = self.access_token().await?;
        let manager = self.clone();
        spawn(async move {
            let inner = &manager.inner;
            let _lease = inner.store.lock(inner.options.lock_wait).await?;
            let origin = manager
                .api_origin()
                .unwrap_or_else(|| inner.policy.base().clone());
            protocol::revoke(&inner.http, &inner.policy, &origin, &token).await?;
            manager.set_cache(None);
            inner.store.clear().await?;
            tracing::info!("refresh tokens revoked; the token store was cleared");
            Ok(())
        })
        .await
    }

    /// An API client sharing this manager's tokens and connection pool.
    pub fn api_client(&self) -> crate::client::ApiClient {
        crate::client::ApiClient::new(self.clone())
    }

    fn leeway_secs(&self) -> i64 {
        self.inner.options.leeway_secs()
    }

    fn lock_flights(&self) -> std::sync::MutexGuard<'_, Flights> {
        self.inner.flights.lock().expect("flights poisoned")
    }

    /// Single flight: the first caller starts the refresh task, the others wait
    /// for it and share what it got (a token or an error). A caller that wants
    /// something the running flight does not give (a forced refresh, a token
    /// other than the rejected one) waits for it to end, then starts its own.
    async fn refresh(&self, need: Need<'_>) -> Result<Secret> {
        loop {
            let (flight, joined) = {
                let mut flights = self.lock_flights();
                // Checked again under the lock, before joining anything: the
                // cache may have been filled since this caller found it empty,
                // and the flight running now may be the background renewal of
                // that very token. No caller waits while a valid token exists.
                if let Some(token) = self.servable_token() {
                    if need.met_by(&token) {
                        return Ok(token);
                    }
                }
                match flights.running() {
                    Some(running) => (running, true),
                    None => {
                        if let Some((err, ended)) = &flights.last_error {
                            // A storm of callers against a failing server costs one request.
                            if ended.elapsed() < SHARE_FAILURE_FOR && !matches!(need, Need::Forced)
                            {
                                return Err(err.clone());
                            }
                        }
                        (self.start_flight(&mut flights, OwnedNeed::of(need)), false)
                    }
                }
            };
            let result = wait_for(flight).await;
            if joined {
                let answers = match (&result, need) {
                    (_, Need::Forced) => false,
                    (Ok(token), need) => need.met_by(token),
                    (Err(_), _) => true,
                };
                if !answers {
                    continue;
                }
            }
            return result;
        }
    }

    /// The cached token if it is not past its hard expiry, without starting
    /// anything (inside the single flight, where `cached_access_token` would
    /// start another one).
    fn servable_token(&self) -> Option<Secret> {
        let cache = self.inner.cache.read().expect("token cache poisoned");
        let cached = cache.as_ref()?;
        let until = if self.inner.options.strict {
            cached.stale_at
        } else {
            cached.hard_at
        };
        (unix_now() < until).then(|| cached.token.clone())
    }

    /// Starts the refresh task and records it as the flight in progress. The
    /// task runs on the runtime, not in any caller's future: it ends, and saves
    /// what Concur returned, even if every caller is gone.
    fn start_flight(&self, flights: &mut Flights, need: OwnedNeed) -> FlightResult {
        let (sender, receiver) = tokio::sync::watch::channel(None);
        flights.current = Some(receiver.clone());
        let manager = self.clone();
        let task = async move {
            let result = manager.refresh_under_lease(need.borrow()).await;
            {
                let mut flights = manager.lock_flights();
                flights.last_error = result.as_ref().err().map(|e| (e.clone(), Instant::now()));
                flights.current = None;
            }
            let _ = sender.send(Some(result));
        };
        drop(runtime().spawn(task));
        receiver
    }

    /// Makes sure one refresh runs while callers keep the stale token: starts
    /// one unless one is running or the last background failure asks to wait
    /// (backoff with jitter). Its failure is logged, never returned.
    fn refresh_in_background(&self) {
        let mut flights = self.lock_flights();
        if flights.running().is_some()
            || flights
                .next_background
                .is_some_and(|at| Instant::now() < at)
        {
            return;
        }
        let flight = self.start_flight(&mut flights, OwnedNeed::Renew);
        drop(flights);
        tracing::debug!("the access token is stale; refreshing it in the background");
        let manager = self.clone();
        let watch = async move {
            let result = wait_for(flight).await;
            let retry_in = {
                let mut flights = manager.lock_flights();
                match &result {
                    Ok(_) => {
                        flights.background_failures = 0;
                        flights.next_background = None;
                        None
                    }
                    Err(_) => {
                        flights.background_failures += 1;
                        let delay = background_backoff(flights.background_failures);
                        flights.next_background = Some(Instant::now() + delay);
                        Some(delay)
                    }
                }
            };
            // Logged only once `flights` is released: a log subscriber may need
            // a lock of its own (Python's bridge takes the GIL), while a caller
            // holding that lock waits for `flights` on the hot path.
            if let (Err(err), Some(delay)) = (result, retry_in) {
                tracing::warn!(
                    retry_in = ?delay,
                    "background token refresh failed ({err}); the current access token is still valid and still served"
                );
            }
        };
        drop(runtime().spawn(watch));
    }

    /// Reload → refresh if still needed → save, holding the store's lease.
    /// A fresh token already in the store is adopted without taking the lease:
    /// stores replace records atomically, so an unlocked read sees a whole one,
    /// and a new process (a CLI run, a worker start) then costs one read.
    async fn refresh_under_lease(&self, need: Need<'_>) -> Result<Secret> {
        let inner = &self.inner;
        if inner.unsaved.lock().expect("unsaved poisoned").is_none() {
            match inner.store.load().await {
                Ok(Some(record)) if self.usable_stored_token(&record, need) => {
                    self.check_owner(&record)?;
                    return self.adopt(record);
                }
                // A corrupt record is dealt with (moved aside) under the lease.
                Ok(_) => {}
                Err(err) if err.kind() == ErrorKind::CorruptStore => {}
                Err(err) => return Err(err),
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
        self.check_owner(&record)?;
        // Another process may have refreshed while we waited for the lease.
        if self.usable_stored_token(&record, need) {
            tracing::debug!("adopting the access token another process stored");
            return self.adopt(record);
        }
        // Prove the store can take the result before Concur spends the token.
        inner.store.prepare_save(&record).await?;
        let record = self.refresh_with_retries(record).await?;
        self.adopt(record)
    }

    /// Refuses a record whose refresh token was issued to another app: Concur
    /// would answer code 105 (or the access token would fail), and calling it
    /// "expired" would send the user after a new request token for nothing.
    fn check_owner(&self, record: &TokenRecord) -> Result<()> {
        self.check_owner_advising(record, "")
    }

    /// [`Self::check_owner`], with `advice` appended to the refusal.
    fn check_owner_advising(&self, record: &TokenRecord, advice: &str) -> Result<()> {
        let ours = self.inner.credentials.client_id();
        match record.client_id.as_deref() {
            Some(theirs) if theirs != ours => Err(Error::new(
                ErrorKind::Config,
                format!(
                    "{} holds tokens of another app (client id {theirs}); these credentials are for client id {ours}. Use that app's credentials, or a separate token store for this app{advice}",
                    self.inner.store.describe()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Whether an exchange may replace `live`, a stored refresh token that has
    /// not expired. Another app's: never (that app would lose its connection
    /// for good, and force is too easy to pass by habit). This app's: only with
    /// `options.force`, since a working refresh token is worth more than a
    /// fresh one, and an accidental re-run must not cost it.
    fn check_replaceable(&self, live: &TokenRecord, options: ExchangeOptions) -> Result<()> {
        let store = self.inner.store.describe();
        self.check_owner_advising(
            live,
            &format!(
                ". Its refresh token is live, and force does not replace another app's live refresh token; if that app no longer needs it, remove the record by hand ({store})"
            ),
        )?;
        if options.force {
            tracing::warn!(store = %store, "replacing this app's live refresh token (exchange with force)");
            return Ok(());
        }
        let now = unix_now();
        let expiry = match (
            live.refresh_token_expires_at,
            live.refresh_token_days_left(now),
        ) {
            (Some(at), Some(days)) => {
                let when = std::time::UNIX_EPOCH + Duration::from_secs(at.max(0) as u64);
                format!(
                    "expires {}, {days} days left",
                    httpdate::fmt_http_date(when)
                )
            }
            _ => "expiry not recorded".to_owned(),
        };
        Err(Error::new(
            ErrorKind::Config,
            format!(
                "{store} already holds a live refresh token of this app ({expiry}); nothing was sent to Concur, so the request token was not spent. The stored token keeps working: to replace it anyway, run `concur-auth exchange --force` (in code: the exchange's force argument); to retire it first, run `concur-auth revoke`"
            ),
        ))
    }

    /// Whether `record` holds an access token that answers `need`: one that
    /// may still be served (before its hard expiry; in strict mode, before it
    /// turns stale), or for a renewal one that is still fresh.
    fn usable_stored_token(&self, record: &TokenRecord, need: Need<'_>) -> bool {
        let options = &self.inner.options;
        let Some((token, times)) =
            record.access_token_times(options.leeway_secs(), options.hard_margin_secs())
        else {
            return false;
        };
        let until = if options.strict || matches!(need, Need::Renew) {
            times.stale_at
        } else {
            times.hard_at
        };
        unix_now() < until && need.met_by(token)
    }

    /// Saves a record whose earlier save failed, before anything else: a
    /// compare-and-swap against the revision it was refreshed from. When the
    /// store has moved on since (another writer, a new exchange, a revoke), the
    /// kept record is older than what is stored and is dropped with a warning.
    async fn save_unsaved(&self) -> Result<()> {
        let pending = self.inner.unsaved.lock().expect("unsaved poisoned").take();
        let Some(record) = pending else {
            return Ok(());
        };
        let current = self.inner.store.load().await?.map(|r| r.revision);
        if current != Some(record.revision) {
            tracing::warn!(
                kept_from = record.revision,
                stored = ?current,
                "dropping the refreshed record kept in memory after a failed save: the store changed since it was read, and what it holds now is newer"
            );
            return Ok(());
        }
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
        let mut backoff = Backoff::start(&inner.options.retry);
        let mut reread_after_invalid_grant = false;
        loop {
            if record.refresh_token_expired(unix_now()) {
                // Clocks lie, and a stored expiry may be stale: Concur decides,
                // and what it says is what the caller gets.
                tracing::warn!("the stored refresh-token expiry has passed; asking Concur once before giving up");
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
                    backoff.wait_or_give_up(err, "token refresh").await?;
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
        let refused = reply.refused_geolocation.clone();
        let mut record = TokenRecord::merge_reply(Some(previous), reply, None)?;
        record.client_id = Some(self.inner.credentials.client_id().to_owned());
        if record.refresh_token != previous.refresh_token {
            tracing::info!("Concur rotated the refresh token; saving the new one");
        }
        let saved = match store.save(&record, Some(previous.revision)).await {
            Err(err) if err.is_conflict() => {
                // Someone wrote without the lease. Replace their record only when
                // it still holds the refresh token we just used (then ours is its
                // successor); a record with another refresh token (an exchange,
                // say) is newer than what we read and stays.
                match store.load().await? {
                    Some(current) if current.refresh_token == previous.refresh_token => {
                        tracing::warn!("{err}; it still holds the refresh token we used, so our successor replaces it");
                        store.save(&record, Some(current.revision)).await
                    }
                    _ => {
                        tracing::warn!("{err}; it holds another refresh token now, which is kept; this access token is used but not stored");
                        return Ok(record);
                    }
                }
            }
            other => other,
        };
        match saved {
            Ok(revision) => {
                record.revision = revision;
                if let Some(refused) = refused {
                    // Saved first (Concur retired the old refresh token), then reported.
                    self.adopt(record)?;
                    return Err(refused);
                }
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
        let Some((token, times)) = record
            .access_token_times(self.leeway_secs(), self.inner.options.hard_margin_secs())
            .map(|(t, times)| (t.clone(), times))
        else {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "the stored record has no access token with a known expiry",
            ));
        };
        self.warn_if_expiring(&record);
        self.set_cache(Some(Cached {
            token: token.clone(),
            stale_at: times.stale_at,
            hard_at: times.hard_at,
            origin,
        }));
        Ok(token)
    }

    /// The one place the cache is written: the generation moves under the same
    /// lock, after the write, so a reader that sees the new value sees the new
    /// token (see [`TokenGeneration::get`]).
    fn set_cache(&self, cached: Option<Cached>) {
        let mut cache = self.inner.cache.write().expect("token cache poisoned");
        *cache = cached;
        self.inner.generation.bump();
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

/// The caller's runtime, or the shared one when called outside any (the
/// bindings' threads).
fn runtime() -> tokio::runtime::Handle {
    tokio::runtime::Handle::try_current()
        .unwrap_or_else(|_| crate::runtime::shared_runtime().handle().clone())
}

/// Runs `task` on the caller's runtime (the shared one outside any), detached
/// from the caller: the returned future may be dropped without stopping it.
fn spawn<T: Send + 'static>(
    task: impl std::future::Future<Output = Result<T>> + Send + 'static,
) -> impl std::future::Future<Output = Result<T>> {
    let handle = runtime().spawn(task);
    async move {
        handle.await.unwrap_or_else(|err| {
            Err(Error::new(
                ErrorKind::Store,
                format!("a token task stopped before it finished ({err}); try again"),
            ))
        })
    }
}

/// The result of a refresh task, once it has ended.
async fn wait_for(mut flight: FlightResult) -> Result<Secret> {
    match flight.wait_for(Option::is_some).await {
        Ok(result) => result.clone().expect("wait_for returns a finished flight"),
        // The sender is gone without a result: the runtime shut down mid-refresh.
        Err(_) => Err(Error::new(
            ErrorKind::Store,
            "the token refresh task was stopped (its runtime shut down) before it finished; try again",
        )),
    }
}

/// The wait before the next background attempt after `failures` in a row:
/// 1 s doubling to at most 60 s, with equal jitter, so that a fleet sharing an
/// outage does not come back in lockstep.
fn background_backoff(failures: u32) -> Duration {
    let ceiling = Duration::from_secs(1u64 << failures.saturating_sub(1).min(6));
    let half = ceiling / 2;
    half + Duration::from_millis(fastrand::u64(0..=half.as_millis() as u64))
}
