//! What a [`RedisStore`](super::RedisStore) is configured with, from code or
//! from the environment.

use std::time::Duration;

use crate::error::{Error, Result};

/// The key prefix when none is configured.
pub const DEFAULT_PREFIX: &str = "concur-auth:";
/// How long a lease lives without renewal: the longest a dead holder blocks
/// the fleet.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Connect timeout, and the timeout of every command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The shortest lease accepted: renewal runs every lease/3.
pub(super) const MIN_LEASE: Duration = Duration::from_millis(100);

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

    pub(super) fn check(&self) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::store::RedisStore;

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
}
