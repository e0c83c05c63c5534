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
mod location;
mod options;
mod scripts;

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use self::connection::{Conn, Connector};
use self::location::{redact_url, Location, Mode};
pub use self::options::{env, RedisOptions, DEFAULT_LEASE, DEFAULT_PREFIX, DEFAULT_TIMEOUT};
use self::scripts::{COMPARE_AND_SET, MOVE_ASIDE};
use super::{StoreLease, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::token::{unix_now, TokenRecord};

/// Whether `prefix` holds a Redis Cluster hash tag (`{…}` with something inside).
fn has_hash_tag(prefix: &str) -> bool {
    prefix
        .find('{')
        .and_then(|open| prefix[open + 1..].find('}'))
        .is_some_and(|len| len > 0)
}

/// A record larger than this is not a token record.
const MAX_RECORD_SIZE: usize = 1024 * 1024;

/// [`TokenStore`] in Redis, shared by every process that names the same server,
/// database and key prefix. Clones share one connection; each lease belongs to
/// the task that took it, and only that task's saves present it.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    connector: Connector,
    mode: Mode,
    /// `host:port (db N)`, `cluster host:port,…`, `sentinel master NAME via …`:
    /// what messages name. Never the URL.
    server: String,
    /// `host:port[,host:port…]`, for the "is redis-server running" hint.
    address: String,
    /// Only to scrub it out of error texts, should a driver ever echo it.
    password: Option<Secret>,
    token_key: String,
    lock_key: String,
    options: RedisOptions,
    /// The shared connection and its generation (so that a failed command
    /// forgets only the connection it failed on).
    connection: tokio::sync::Mutex<Option<(u64, Conn)>>,
    generations: AtomicU64,
    /// The refresh leases this store (and its clones) hold now: the task that
    /// took each, and its owner value. A save presents the owner value of the
    /// lease its own task took, so a holder whose lease ran out cannot write,
    /// even when a clone in the same process holds the next lease.
    held: std::sync::Mutex<Vec<(Option<tokio::task::Id>, String)>>,
}

impl Inner {
    /// The owner value of the lease the calling task holds, if any.
    fn held_lease(&self) -> Option<String> {
        let task = tokio::task::try_id();
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.iter()
            .rev()
            .find(|(holder, _)| *holder == task)
            .map(|(_, owner)| owner.clone())
    }

    /// How long a save waits for replicas: half the command timeout, so that
    /// `WAIT` answers before the connection gives up on it.
    fn replica_wait(&self) -> Duration {
        self.options.timeout / 2
    }

    /// Replicas each save waits for: the option, else 1 behind Sentinel.
    fn wait_replicas(&self) -> u32 {
        let default = u32::from(matches!(self.mode, Mode::Sentinel { .. }));
        self.options.wait_replicas.unwrap_or(default)
    }
}

impl RedisStore {
    /// A store at `url` with default options. Does not connect: the first
    /// command does. The forms (see the `location` room):
    /// `redis[s]://[[user]:password@]host[:port][/db]`,
    /// `redis[s]+cluster://[[user]:password@]host:port,host:port…`,
    /// `redis[s]+sentinel://[[user]:password@]host:port,…/master-name[/db]`.
    pub fn open(url: &str) -> Result<Self> {
        Self::with_options(url, RedisOptions::default())
    }

    /// A store at `url` with `options`.
    pub fn with_options(url: &str, options: RedisOptions) -> Result<Self> {
        options.check()?;
        let location = Location::parse(url, &options)?;
        let connector = Connector::new(&location, &options).map_err(|err| {
            Error::config(format!(
                "the Redis store location {} could not be used ({})",
                redact_url(url),
                err.category()
            ))
        })?;
        let password = location
            .data_node
            .password()
            .filter(|p| !p.is_empty())
            .map(Secret::new);
        // In a cluster, every key of one record shares the prefix as its hash
        // tag, so each script touches one slot.
        let prefix = if location.mode == Mode::Cluster && !has_hash_tag(&options.key_prefix) {
            format!("{{{}}}", options.key_prefix)
        } else {
            options.key_prefix.clone()
        };
        Ok(RedisStore {
            inner: Arc::new(Inner {
                connector,
                mode: location.mode,
                server: location.server,
                address: location.address,
                password,
                token_key: format!("{prefix}token"),
                lock_key: format!("{prefix}lock"),
                options,
                connection: tokio::sync::Mutex::new(None),
                generations: AtomicU64::new(0),
                held: std::sync::Mutex::new(Vec::new()),
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

    /// Compare-and-swap on the revision, only while this store holds the
    /// refresh lease (or, with no lease taken here, while nobody holds it); then,
    /// when replicas are expected, `WAIT` until enough have the record.
    async fn save(&self, record: &TokenRecord, expected: Option<u64>) -> Result<u64> {
        let inner = &self.inner;
        let revision = super::next_revision(expected);
        let json = TokenRecord {
            revision,
            ..record.clone()
        }
        .to_json();
        let expected_arg = expected.map(|r| r.to_string()).unwrap_or_default();
        let owner = inner.held_lease().unwrap_or_default();
        let replicas = inner.wait_replicas();
        let (status, current, acknowledged) = inner
            .run("save the token record to", |mut conn, retry| {
                let (json, expected_arg, owner) = (&json, &expected_arg, &owner);
                async move {
                    let (status, current) = COMPARE_AND_SET
                        .key(&inner.token_key)
                        .key(&inner.lock_key)
                        .arg(expected_arg)
                        .arg(json)
                        .arg(if retry { "1" } else { "0" })
                        .arg(owner)
                        .invoke_async::<(i64, i64)>(&mut conn)
                        .await?;
                    let acknowledged = if status == 1 && replicas > 0 {
                        conn.wait_for_replicas(&inner.token_key, replicas, inner.replica_wait())
                            .await?
                    } else {
                        0
                    };
                    Ok((status, current, acknowledged))
                }
            })
            .await?;
        match status {
            1 if acknowledged < i64::from(replicas) => Err(Error::new(
                ErrorKind::Store,
                format!(
                    "the token record was written to Redis at {} but only {acknowledged} of {replicas} replicas acknowledged it within {:?}, so a failover could lose it; it is kept in memory and saved again at the next refresh. Check the replicas ({})",
                    inner.server,
                    inner.replica_wait(),
                    env::WAIT_REPLICAS
                ),
            )),
            1 => Ok(revision),
            0 => Err(super::conflict(
                &self.describe(),
                expected,
                u64::try_from(current).ok(),
            )),
            3 => Err(Error::new(
                ErrorKind::Store,
                format!(
                    "not saving to Redis at {}: this process no longer holds the refresh lease {} (it ran out, or another process holds it); the record is kept in memory and saved under the next lease",
                    inner.server, inner.lock_key
                ),
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
