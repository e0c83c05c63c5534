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

mod connection;
mod lease;
mod options;
mod scripts;

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr};

use self::connection::redact_url;
pub use self::options::{env, RedisOptions, DEFAULT_LEASE, DEFAULT_PREFIX, DEFAULT_TIMEOUT};
use self::scripts::{COMPARE_AND_SET, MOVE_ASIDE};
use super::{StoreLease, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::token::{unix_now, TokenRecord};

/// A record larger than this is not a token record.
const MAX_RECORD_SIZE: usize = 1024 * 1024;

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
        Ok(Box::new(self.take_lease(wait).await?))
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
