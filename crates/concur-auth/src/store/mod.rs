//! Where the token state lives between runs, and how sharers take turns.
//!
//! The manager only ever talks to a [`TokenStore`]: load the current record,
//! take an exclusive lease for the duration of reload → refresh → save, and save
//! with compare-and-swap on the record's revision. A file fits that shape with an
//! advisory lock; a networked store (Redis) fits it with a lease key and a
//! scripted compare-and-swap.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::Result;
use crate::token::TokenRecord;

mod file;
mod memory;

pub use file::FileStore;
pub use memory::MemoryStore;

use std::sync::Arc;

use crate::error::Error;

/// The error a [`TokenStore::save`] returns when the stored revision is not the
/// expected one; the manager recognises it by [`Error::is_conflict`]. Every
/// store, including one of your own, should build its mismatch error here.
pub fn conflict(store: &str, expected: Option<u64>, current: Option<u64>) -> Error {
    Error::new(
        crate::ErrorKind::Store,
        format!(
            "token store {store} changed underneath us (expected revision {expected:?}, found {current:?}); not overwriting it"
        ),
    )
    .into_conflict()
}

/// The revision a save writes over `current` (`None`: nothing stored):
/// `max(current + 1, unix time in microseconds)`. Revisions therefore only grow,
/// also across `clear()` and across stores restored from a backup, so a holder
/// of an old record can never match a newer one by accident. Every store uses it.
pub fn next_revision(current: Option<u64>) -> u64 {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    current.map_or(0, |c| c.saturating_add(1)).max(micros)
}

/// Environment variable naming the store for `from_env` and the CLI.
pub const STORE_ENV: &str = "CONCUR_STORE";

/// The schemes of Redis store locations, matched in any case.
const REDIS_SCHEMES: [&str; 6] = [
    "redis",
    "rediss",
    "redis+cluster",
    "rediss+cluster",
    "redis+sentinel",
    "rediss+sentinel",
];

/// Opens the store a user named with one string, the same in every binding:
/// `redis://host:port/db` (or `rediss://`, `redis+cluster://`,
/// `redis+sentinel://`, in any case) for a shared fleet store, `memory:` for a
/// process-local one, anything else as the path of a token file. Another
/// `scheme://` is refused rather than taken for a path.
pub fn open(location: &str) -> Result<Arc<dyn TokenStore>> {
    let location = location.trim();
    if location.is_empty() {
        return Err(Error::config(
            "the token store location is empty: give a file path or a redis:// URL",
        ));
    }
    if let Some((scheme, _)) = location.split_once("://") {
        let looks_like_scheme = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if REDIS_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
            return open_redis(location);
        }
        if looks_like_scheme {
            return Err(Error::config(format!(
                "the token store location has the unknown scheme `{scheme}://`: give a file path, memory:, or a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL"
            )));
        }
    }
    if location == "memory:" {
        return Ok(Arc::new(MemoryStore::new()));
    }
    Ok(Arc::new(FileStore::new(location)))
}

#[cfg(not(feature = "redis"))]
fn open_redis(_url: &str) -> Result<Arc<dyn TokenStore>> {
    Err(Error::config(
        "this build of concur-auth has no Redis support: rebuild with the `redis` feature",
    ))
}

#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "redis")]
pub use self::redis::{RedisOptions, RedisStore};

/// A [`RedisStore`] with options from `CONCUR_REDIS_PREFIX`,
/// `CONCUR_REDIS_LEASE_MS` and `CONCUR_REDIS_TIMEOUT_MS` (see [`self::redis::env`]).
#[cfg(feature = "redis")]
fn open_redis(url: &str) -> Result<Arc<dyn TokenStore>> {
    Ok(Arc::new(RedisStore::with_options(
        url,
        RedisOptions::from_env()?,
    )?))
}

/// An exclusive hold on a store. Dropping it releases the hold.
pub trait StoreLease: Send + Sync + Debug {}

/// Persistent, shareable token state.
#[async_trait]
pub trait TokenStore: Send + Sync + Debug {
    /// The current record; `Ok(None)` when nothing is stored yet.
    async fn load(&self) -> Result<Option<TokenRecord>>;

    /// Waits (at most `wait`) for the exclusive lease that serialises refreshes
    /// among everything sharing this store.
    async fn lock(&self, wait: Duration) -> Result<Box<dyn StoreLease>>;

    /// Saves `record` if the stored revision still is `expected` (`None`: nothing
    /// stored). Returns the new revision. A mismatch is an error of kind `Store`
    /// and leaves the stored record untouched.
    async fn save(&self, record: &TokenRecord, expected: Option<u64>) -> Result<u64>;

    /// Removes the stored record (after a revoke).
    async fn clear(&self) -> Result<()>;

    /// Called under the lease *before* a refresh request: makes sure the next
    /// save of a record like `current` can land (a file store reserves the
    /// space of its temporary file). A store that cannot save fails here, while
    /// the stored refresh token is still the one Concur accepts, instead of
    /// after Concur has rotated it. The default does nothing.
    async fn prepare_save(&self, current: &TokenRecord) -> Result<()> {
        let _ = current;
        Ok(())
    }

    /// "file /path/to/refreshTokenObjectFile.json", for messages and status.
    fn describe(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_revision_grows_and_never_restarts() {
        let after_clear = next_revision(None);
        // A revision from before a clear() is always behind the new one.
        assert!(after_clear > 1_600_000_000_000_000, "{after_clear}");
        assert!(next_revision(Some(after_clear)) > after_clear);
        // A revision from the future (clock stepped back) still grows by one.
        let ahead = after_clear + 1_000_000_000;
        assert_eq!(next_revision(Some(ahead)), ahead + 1);
        assert_eq!(next_revision(Some(u64::MAX)), u64::MAX);
    }

    #[test]
    fn unknown_schemes_are_refused_not_taken_for_paths() {
        for location in ["ftp://host/x", "Redis+unix://:pw@/tmp/s", "http://h/"] {
            let err = open(location).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{location}");
            assert!(!err.to_string().contains("pw"), "{err}");
        }
        assert!(open("tokens/a.json")
            .unwrap()
            .describe()
            .starts_with("file "));
    }

    #[cfg(feature = "redis")]
    #[test]
    fn redis_schemes_are_matched_in_any_case() {
        let store = open("REDIS://:pw@127.0.0.1:6390/2").unwrap();
        assert_eq!(
            store.describe(),
            "redis 127.0.0.1:6390 (db 2) key concur-auth:token"
        );
        let store = open("Redis+Cluster://127.0.0.1:7000,127.0.0.1:7001").unwrap();
        assert_eq!(
            store.describe(),
            "redis cluster 127.0.0.1:7000,127.0.0.1:7001 key {concur-auth:}token"
        );
    }
}
