//! One token record shared by a fleet, in Redis.
//!
//! Every worker of a fleet (Airflow workers, several containers, cron jobs on
//! several hosts) that uses the same Concur app must share one refresh token:
//! Concur may rotate it at any refresh, so two workers refreshing with the same
//! old token can leave one of them holding a dead one. [`RedisStore`] gives them
//! the same shape the file store gives processes on one host:
//!
//! - `{prefix}token` holds the record: the same JSON the file store writes
//!   ([`TokenRecord::to_json`]), including `concur_auth_revision`.
//! - `{prefix}lock` is the refresh lease: `SET NX PX` with a random owner value
//!   (`host/pid/random`, so an operator can see who holds it), renewed by a
//!   background task every lease/3 while the lease guard lives, and deleted
//!   only by its owner (a compare-and-delete script). A holder that dies stops
//!   renewing, and its lease runs out by itself.
//! - Saves are a compare-and-swap on the stored revision, in one Lua script.
//!
//! Key names are fixed text after the prefix: nothing in them is derived from
//! a token or a credential. The default prefix is `concur-auth:`; give every
//! Concur app (or company) sharing one Redis database a prefix of its own.
//!
//! Errors are of kind [`ErrorKind::Store`] and name the server as
//! `host:port (db N)`; the URL's password never appears in a message, a log
//! line or `Debug`.
//!
//! When Redis is unreachable, a manager keeps answering with the access token it
//! holds in memory until that token turns stale: only a refresh needs the store.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use once_cell::sync::Lazy;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr, RedisError, Script};

use super::{StoreLease, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::token::{unix_now, TokenRecord};

/// The key prefix when none is configured.
pub const DEFAULT_PREFIX: &str = "concur-auth:";
/// How long a lease lives without renewal: the longest a dead holder blocks
/// the fleet.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Connect timeout, and the timeout of every command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A record larger than this is not a token record.
const MAX_RECORD_SIZE: usize = 1024 * 1024;
/// The shortest lease accepted: renewal runs every lease/3.
const MIN_LEASE: Duration = Duration::from_millis(100);

/// Environment variables read by [`RedisOptions::from_env`] (and so by
/// `store::open("redis://…")`, `CONCUR_STORE` and `--store`).
pub mod env {
    /// Key prefix (default `concur-auth:`).
    pub const PREFIX: &str = "CONCUR_REDIS_PREFIX";
    /// Lease duration in milliseconds (default 30000).
    pub const LEASE_MS: &str = "CONCUR_REDIS_LEASE_MS";
    /// Connect and command timeout in milliseconds (default 5000).
    pub const TIMEOUT_MS: &str = "CONCUR_REDIS_TIMEOUT_MS";
}

/// Options of a [`RedisStore`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisOptions {
    /// Put before every key name: `{prefix}token`, `{prefix}lock`.
    pub key_prefix: String,
    /// Lifetime of the refresh lease; renewed every third of it while held.
    pub lease: Duration,
    /// Connect timeout and per-command timeout.
    pub timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            key_prefix: DEFAULT_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl RedisOptions {
    /// Defaults, overridden by `CONCUR_REDIS_PREFIX`, `CONCUR_REDIS_LEASE_MS`
    /// and `CONCUR_REDIS_TIMEOUT_MS` when set.
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let millis = |name: &str| -> Result<Option<Duration>> {
            var(name)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map(Duration::from_millis)
                        .map_err(|_| {
                            Error::config(format!(
                                "{name} must be a whole number of milliseconds, e.g. 30000"
                            ))
                        })
                })
                .transpose()
        };
        let mut options = RedisOptions::default();
        if let Some(prefix) = var(env::PREFIX) {
            options.key_prefix = prefix.trim().to_owned();
        }
        if let Some(lease) = millis(env::LEASE_MS)? {
            options.lease = lease;
        }
        if let Some(timeout) = millis(env::TIMEOUT_MS)? {
            options.timeout = timeout;
        }
        Ok(options)
    }

    fn check(&self) -> Result<()> {
        if self.lease < MIN_LEASE {
            return Err(Error::config(format!(
                "the Redis lease must be at least {MIN_LEASE:?} (it is renewed every third of it); got {:?}",
                self.lease
            )));
        }
        if self.timeout.is_zero() {
            return Err(Error::config("the Redis timeout must be more than zero"));
        }
        if self.key_prefix.chars().any(char::is_control) || self.key_prefix.len() > 256 {
            return Err(Error::config(
                "the Redis key prefix must be at most 256 characters, without control characters",
            ));
        }
        Ok(())
    }
}

/// [`TokenStore`] in Redis, shared by every process that names the same server,
/// database and key prefix. Clones share one connection.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    config: AsyncConnectionConfig,
    /// `host:port (db N)`: what messages name. Never the URL.
    server: String,
    /// `host:port`, for the "is redis-server running" hint.
    address: String,
    /// Only to scrub it out of error texts, should a driver ever echo it.
    password: Option<Secret>,
    token_key: String,
    lock_key: String,
    options: RedisOptions,
    /// The shared connection and its generation (so that a failed command
    /// forgets only the connection it failed on).
    connection: tokio::sync::Mutex<Option<(u64, MultiplexedConnection)>>,
    generations: AtomicU64,
}

impl RedisStore {
    /// A store at `url` (`redis://[[user]:password@]host[:port][/db]`, or
    /// `rediss://` for TLS) with default options. Does not connect: the first
    /// command does.
    pub fn open(url: &str) -> Result<Self> {
        Self::with_options(url, RedisOptions::default())
    }

    /// A store at `url` with `options`.
    pub fn with_options(url: &str, options: RedisOptions) -> Result<Self> {
        options.check()?;
        let client = redis::Client::open(url.trim()).map_err(|err| {
            Error::config(format!(
                "the Redis URL {} is not valid ({}); expected redis://[:password@]host[:port][/db] or rediss://…",
                redact_url(url),
                err.category()
            ))
        })?;
        let info = client.get_connection_info();
        let address = match info.addr() {
            ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
            ConnectionAddr::TcpTls { host, port, .. } => format!("{host}:{port} (TLS)"),
            ConnectionAddr::Unix(path) => format!("unix socket {}", path.display()),
            _ => "an unsupported address".to_owned(),
        };
        if !info.addr().is_supported() {
            return Err(Error::config(format!(
                "Redis at {address}: this build of concur-auth cannot connect to that kind of address"
            )));
        }
        let db = info.redis_settings().db();
        let password = info
            .redis_settings()
            .password()
            .filter(|p| !p.is_empty())
            .map(Secret::new);
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout));
        Ok(RedisStore {
            inner: Arc::new(Inner {
                client,
                config,
                server: format!("{address} (db {db})"),
                address,
                password,
                token_key: format!("{}token", options.key_prefix),
                lock_key: format!("{}lock", options.key_prefix),
                options,
                connection: tokio::sync::Mutex::new(None),
                generations: AtomicU64::new(0),
            }),
        })
    }

    /// The options in force.
    pub fn options(&self) -> &RedisOptions {
        &self.inner.options
    }

    /// The key holding the record, `{prefix}token`.
    pub fn token_key(&self) -> &str {
        &self.inner.token_key
    }

    /// The key holding the refresh lease, `{prefix}lock`.
    pub fn lock_key(&self) -> &str {
        &self.inner.lock_key
    }

    /// Who holds the refresh lease now (`host/pid/random`), if anyone: for
    /// operators wondering why refreshes wait.
    pub async fn lease_holder(&self) -> Result<Option<String>> {
        let key = &self.inner.lock_key;
        self.inner
            .run("read the refresh lease on", |mut conn, _| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await
    }

    async fn move_aside(&self, value: Vec<u8>, reason: &str) -> Error {
        let inner = &self.inner;
        let aside = format!(
            "{}.corrupt-{}-{:04x}",
            inner.token_key,
            unix_now(),
            fastrand::u16(..)
        );
        let moved = inner
            .run(
                "move the unreadable token record aside on",
                |mut conn, _| {
                    let (aside, value) = (&aside, &value);
                    async move {
                        MOVE_ASIDE
                            .key(&inner.token_key)
                            .key(aside)
                            .arg(value.as_slice())
                            .invoke_async::<i64>(&mut conn)
                            .await
                    }
                },
            )
            .await;
        let outcome = match moved {
            Ok(1) => format!("it was moved to the key {aside}"),
            Ok(_) => "another process already replaced it".to_owned(),
            Err(err) => format!(
                "it could not be moved aside ({}) and was left as is",
                err.message()
            ),
        };
        Error::new(
            ErrorKind::CorruptStore,
            format!(
                "the token record in Redis at {} key {} {reason}; {outcome}. Repair it from there, or run the exchange again with a new company request token",
                inner.server, inner.token_key
            ),
        )
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.inner.server)
            .field("token_key", &self.inner.token_key)
            .field("lock_key", &self.inner.lock_key)
            .field("lease", &self.inner.options.lease)
            .field("timeout", &self.inner.options.timeout)
            .finish()
    }
}

#[async_trait]
impl TokenStore for RedisStore {
    async fn load(&self) -> Result<Option<TokenRecord>> {
        let key = &self.inner.token_key;
        let value = self
            .inner
            .run("read the token record from", |mut conn, _| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<Vec<u8>>>(&mut conn)
                    .await
            })
            .await?;
        let Some(value) = value else {
            return Ok(None);
        };
        let parsed = if value.len() > MAX_RECORD_SIZE {
            Err(format!("is larger than {MAX_RECORD_SIZE} bytes"))
        } else if value.iter().all(u8::is_ascii_whitespace) {
            Err("is empty".to_owned())
        } else {
            TokenRecord::from_json(&value)
        };
        match parsed {
            Ok(record) => Ok(Some(record)),
            Err(reason) => Err(self.move_aside(value, &reason).await),
        }
    }

    async fn lock(&self, wait: Duration) -> Result<Box<dyn StoreLease>> {
        let inner = &self.inner;
        let owner = owner_value();
        let lease_ms = inner.options.lease.as_millis().max(1) as u64;
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            let acquired = inner
                .run("take the refresh lease on", |mut conn, _| {
                    let owner = &owner;
                    async move {
                        ACQUIRE
                            .key(&inner.lock_key)
                            .arg(owner)
                            .arg(lease_ms)
                            .invoke_async::<i64>(&mut conn)
                            .await
                    }
                })
                .await?;
            if acquired == 1 {
                return Ok(Box::new(RedisLease::start(inner.clone(), owner)));
            }
            let waited = started.elapsed();
            if waited >= wait {
                let holder = self
                    .lease_holder()
                    .await
                    .ok()
                    .flatten()
                    .map_or_else(|| "another process".to_owned(), |h| format!("`{h}`"));
                return Err(Error::new(
                    ErrorKind::Store,
                    format!(
                        "timed out after {wait:?} waiting for the refresh lease {} on Redis at {}, held by {holder}; a holder that died loses it within {:?} (the lease time)",
                        inner.lock_key, inner.server, inner.options.lease
                    ),
                ));
            }
            let jitter = Duration::from_micros(fastrand::u64(0..=pause.as_micros() as u64 / 2));
            tokio::time::sleep((pause + jitter).min(wait - waited)).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    async fn save(&self, record: &TokenRecord, expected: Option<u64>) -> Result<u64> {
        let inner = &self.inner;
        let revision = expected.map_or(1, |r| r + 1);
        let json = TokenRecord {
            revision,
            ..record.clone()
        }
        .to_json();
        let expected_arg = expected.map(|r| r.to_string()).unwrap_or_default();
        let (status, current) = inner
            .run("save the token record to", |mut conn, retry| {
                let (json, expected_arg) = (&json, &expected_arg);
                async move {
                    COMPARE_AND_SET
                        .key(&inner.token_key)
                        .arg(expected_arg)
                        .arg(json)
                        .arg(if retry { "1" } else { "0" })
                        .invoke_async::<(i64, i64)>(&mut conn)
                        .await
                }
            })
            .await?;
        match status {
            1 => Ok(revision),
            0 => Err(super::conflict(
                &self.describe(),
                expected,
                u64::try_from(current).ok(),
            )),
            _ => Err(Error::new(
                ErrorKind::Store,
                format!(
                    "the token record in Redis at {} key {} is unreadable; not overwriting it (load it to have it moved aside)",
                    inner.server, inner.token_key
                ),
            )),
        }
    }

    async fn clear(&self) -> Result<()> {
        let key = &self.inner.token_key;
        self.inner
            .run("delete the token record from", |mut conn, _| async move {
                redis::cmd("DEL")
                    .arg(key)
                    .query_async::<i64>(&mut conn)
                    .await
            })
            .await
            .map(drop)
    }

    fn describe(&self) -> String {
        format!("redis {} key {}", self.inner.server, self.inner.token_key)
    }
}

impl Inner {
    /// The shared connection, connecting when there is none. `true` when it
    /// was made just now.
    async fn connection(&self) -> Result<(u64, MultiplexedConnection, bool)> {
        let mut slot = self.connection.lock().await;
        if let Some((generation, conn)) = slot.as_ref() {
            return Ok((*generation, conn.clone(), false));
        }
        let connect = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config);
        // The driver's own timeouts apply; this one only bounds a stuck handshake.
        let conn = match tokio::time::timeout(self.options.timeout * 2, connect).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(err)) => return Err(self.error("connect to", &err)),
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Store,
                    format!(
                        "could not connect to Redis at {}: no answer within {:?}; is redis-server running at {} and reachable from this host?",
                        self.server,
                        self.options.timeout * 2,
                        self.address
                    ),
                ))
            }
        };
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        *slot = Some((generation, conn.clone()));
        Ok((generation, conn, true))
    }

    /// Drops the shared connection if it still is `generation`.
    async fn forget(&self, generation: u64) {
        let mut slot = self.connection.lock().await;
        if slot.as_ref().is_some_and(|(g, _)| *g == generation) {
            *slot = None;
        }
    }

    /// Runs `op` on the shared connection. A connection that turns out to be
    /// broken (Redis restarted, the runtime that drove it ended) is replaced,
    /// and `op` runs once more on a new one with its second argument `true`:
    /// every operation here is safe to repeat.
    async fn run<T, F, Fut>(&self, action: &str, op: F) -> Result<T>
    where
        F: Fn(MultiplexedConnection, bool) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let (generation, conn, fresh) = self.connection().await?;
        let err = match op(conn, false).await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if !broken(&err) {
            return Err(self.error(action, &err));
        }
        self.forget(generation).await;
        if fresh || err.is_timeout() {
            return Err(self.error(action, &err));
        }
        tracing::debug!(server = %self.server, "the Redis connection was lost; reconnecting");
        let (generation, conn, _) = self.connection().await?;
        match op(conn, true).await {
            Ok(value) => Ok(value),
            Err(err) => {
                if broken(&err) {
                    self.forget(generation).await;
                }
                Err(self.error(action, &err))
            }
        }
    }

    /// A store error naming the server and saying what to do.
    fn error(&self, action: &str, err: &RedisError) -> Error {
        let mut detail = err.to_string();
        if let Some(password) = &self.password {
            detail = detail.replace(password.expose(), crate::secret::REDACTED);
        }
        let code = err.code().unwrap_or_default();
        let hint = if err.kind() == redis::ErrorKind::AuthenticationFailed
            || matches!(code, "WRONGPASS" | "NOAUTH" | "NOPERM")
        {
            "check the user name and password in the Redis URL".to_owned()
        } else if code == "READONLY" || detail.contains("READONLY") {
            "this server is a read-only replica: point the URL at the primary".to_owned()
        } else if code == "LOADING" || detail.contains("LOADING") {
            "Redis is still loading its data after a restart: try again in a moment".to_owned()
        } else if detail.contains("WRONGTYPE") {
            format!(
                "the key {} or {} holds something that is not concur-auth's: delete it or choose another key prefix ({})",
                self.token_key,
                self.lock_key,
                env::PREFIX
            )
        } else if broken(err) || err.is_connection_refusal() {
            format!(
                "is redis-server running at {} and reachable from this host?",
                self.address
            )
        } else {
            String::new()
        };
        let mut message = format!("could not {action} Redis at {}: {detail}", self.server);
        if !hint.is_empty() {
            message.push_str("; ");
            message.push_str(&hint);
        }
        Error::new(ErrorKind::Store, message)
    }

    /// Extends the lease if `owner` still holds it; `false` when it was lost.
    async fn renew(&self, owner: &str) -> Result<bool> {
        let lease_ms = self.options.lease.as_millis().max(1) as u64;
        let renewed = self
            .run("renew the refresh lease on", |mut conn, _| async move {
                RENEW
                    .key(&self.lock_key)
                    .arg(owner)
                    .arg(lease_ms)
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
            .await?;
        Ok(renewed == 1)
    }

    /// Deletes the lease if `owner` still holds it.
    async fn release(&self, owner: &str) -> Result<()> {
        self.run("release the refresh lease on", |mut conn, _| async move {
            RELEASE
                .key(&self.lock_key)
                .arg(owner)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await
        .map(drop)
    }

    /// [`Inner::release`] over a short-lived blocking connection, for when no
    /// runtime is left to run the asynchronous one (a command-line tool's
    /// runtime shutting down right after its last call).
    fn release_blocking(&self, owner: &str) {
        let timeout = self.options.timeout.min(Duration::from_secs(2));
        let released = (|| -> redis::RedisResult<i64> {
            let mut conn = self.client.get_connection_with_timeout(timeout)?;
            conn.set_read_timeout(Some(timeout))?;
            conn.set_write_timeout(Some(timeout))?;
            RELEASE.key(&self.lock_key).arg(owner).invoke(&mut conn)
        })();
        if let Err(err) = released {
            let err = self.error("release the refresh lease on", &err);
            tracing::warn!(
                "{err}; it expires by itself within {:?}",
                self.options.lease
            );
        }
    }
}

/// Whether the connection an error came from should be replaced.
fn broken(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_dropped()
        || err.is_timeout()
        || err.is_unrecoverable_error()
}

/// The refresh lease: renewed in the background while this lives, released
/// (by its owner only) when it is dropped.
struct RedisLease {
    inner: Arc<Inner>,
    owner: String,
    renewal: tokio::task::JoinHandle<()>,
}

impl RedisLease {
    fn start(inner: Arc<Inner>, owner: String) -> Self {
        let renewal = runtime_handle().spawn(renew_while_held(inner.clone(), owner.clone()));
        RedisLease {
            inner,
            owner,
            renewal,
        }
    }
}

impl fmt::Debug for RedisLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLease")
            .field("key", &self.inner.lock_key)
            .field("server", &self.inner.server)
            .field("owner", &self.owner)
            .finish()
    }
}

impl StoreLease for RedisLease {}

impl Drop for RedisLease {
    fn drop(&mut self) {
        self.renewal.abort();
        let pending = PendingRelease {
            inner: self.inner.clone(),
            owner: std::mem::take(&mut self.owner),
            done: false,
        };
        // Asynchronous, so that dropping the guard never blocks a runtime thread.
        // Should the runtime end before the task runs, dropping the task
        // releases over a blocking connection instead (see PendingRelease).
        drop(runtime_handle().spawn(pending.run()));
    }
}

/// A release not yet done; done synchronously if dropped unfinished.
struct PendingRelease {
    inner: Arc<Inner>,
    owner: String,
    done: bool,
}

impl PendingRelease {
    async fn run(mut self) {
        if let Err(err) = self.inner.release(&self.owner).await {
            tracing::warn!(
                "{err}; the lease expires by itself within {:?}",
                self.inner.options.lease
            );
        }
        self.done = true;
    }
}

impl Drop for PendingRelease {
    fn drop(&mut self) {
        if !self.done {
            self.inner.release_blocking(&self.owner);
        }
    }
}

async fn renew_while_held(inner: Arc<Inner>, owner: String) {
    let every = inner.options.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        match inner.renew(&owner).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    key = %inner.lock_key,
                    "the refresh lease ran out before it could be renewed (was this process paused?); another process may refresh at the same time"
                );
                return;
            }
            Err(err) => tracing::warn!("{err}; retrying in {every:?}"),
        }
    }
}

/// The current runtime, or the shared one outside any runtime.
fn runtime_handle() -> tokio::runtime::Handle {
    tokio::runtime::Handle::try_current()
        .unwrap_or_else(|_| crate::runtime::shared_runtime().handle().clone())
}

/// `host/pid/random`: unique per lease, and it tells an operator who holds it.
fn owner_value() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length; gethostname writes at
    // most that many bytes.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let host = if ok {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "unknown-host".to_owned()
    };
    format!(
        "{host}/{}/{:016x}{:016x}",
        std::process::id(),
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

/// The URL with any user information cut out, for messages.
fn redact_url(url: &str) -> String {
    let url = url.trim();
    let Some(scheme_end) = url.find("://") else {
        return "(not a URL)".to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://[redacted]@{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// `SET NX PX`, or a lease this owner already holds (a repeated attempt whose
/// first answer was lost): 1 when the caller holds the lease now.
static ACQUIRE: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
",
    )
});

/// Extends the lease only for its owner.
static RENEW: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// Deletes the lease only for its owner.
static RELEASE: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// Compare-and-swap on `concur_auth_revision`. ARGV: expected revision (empty:
/// the key must be absent), the new record, and `1` when repeating an attempt
/// whose answer was lost (then finding exactly the new record counts as done).
/// Returns {1, previous} when saved, {0, current or -1} on a mismatch,
/// {2, -1} when the stored value is not a JSON object.
static COMPARE_AND_SET: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
local current = redis.call('GET', KEYS[1])
if not current then
  if ARGV[1] == '' then
    redis.call('SET', KEYS[1], ARGV[2])
    return {1, -1}
  end
  return {0, -1}
end
if ARGV[3] == '1' and current == ARGV[2] then return {1, -1} end
local ok, record = pcall(cjson.decode, current)
if not ok or type(record) ~= 'table' then return {2, -1} end
local revision = tonumber(record['concur_auth_revision']) or 0
if revision < 0 then revision = 0 end
revision = math.floor(revision)
if ARGV[1] ~= '' and tonumber(ARGV[1]) == revision then
  redis.call('SET', KEYS[1], ARGV[2])
  return {1, revision}
end
return {0, revision}
",
    )
});

/// Renames the record to KEYS[2] if it still is ARGV[1].
static MOVE_ASIDE: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('RENAME', KEYS[1], KEYS[2])
  return 1
end
return 0
",
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_user_information() {
        assert_eq!(
            redact_url("redis://:sekret@127.0.0.1:6379/0"),
            "redis://[redacted]@127.0.0.1:6379/0"
        );
        assert_eq!(
            redact_url("rediss://user:p@ss@host/2"),
            "rediss://[redacted]@host/2"
        );
        assert_eq!(redact_url("redis://host:1/0"), "redis://host:1/0");
        assert_eq!(redact_url("nonsense"), "(not a URL)");
    }

    #[test]
    fn messages_name_host_port_and_db_never_the_password() {
        let store = RedisStore::open("redis://:sekret@127.0.0.1:6380/3").unwrap();
        assert_eq!(
            store.describe(),
            "redis 127.0.0.1:6380 (db 3) key concur-auth:token"
        );
        let shown = format!("{store:?}");
        assert!(!shown.contains("sekret"), "{shown}");
        assert!(shown.contains("127.0.0.1:6380"), "{shown}");
    }

    #[test]
    fn a_bad_url_is_a_config_error_without_the_password() {
        let err = RedisStore::open("redis://:sekret@[::1").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(!err.to_string().contains("sekret"), "{err}");
    }

    #[test]
    fn options_are_checked() {
        let options = RedisOptions {
            lease: Duration::from_millis(10),
            ..RedisOptions::default()
        };
        let err = RedisStore::with_options("redis://127.0.0.1/0", options).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let options = RedisOptions {
            key_prefix: "app-1:".into(),
            ..RedisOptions::default()
        };
        let store = RedisStore::with_options("redis://127.0.0.1/0", options).unwrap();
        assert_eq!(store.token_key(), "app-1:token");
        assert_eq!(store.lock_key(), "app-1:lock");
    }

    #[test]
    fn owner_values_are_unique_and_name_the_process() {
        let (a, b) = (owner_value(), owner_value());
        assert_ne!(a, b);
        assert!(a.contains(&format!("/{}/", std::process::id())), "{a}");
    }
}
