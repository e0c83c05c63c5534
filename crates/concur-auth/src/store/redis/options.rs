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
/// Longer than this is a typo, and would overflow the milliseconds sent.
const MAX_LEASE: Duration = Duration::from_secs(24 * 3600);
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Environment variables read by [`RedisOptions::from_env`] (and so by
/// `store::open("redis://…")`, `CONCUR_STORE` and `--store`).
pub mod env {
    /// Key prefix (default `concur-auth:`).
    pub const PREFIX: &str = "CONCUR_REDIS_PREFIX";
    /// Lease duration in milliseconds (default 30000).
    pub const LEASE_MS: &str = "CONCUR_REDIS_LEASE_MS";
    /// Connect and command timeout in milliseconds (default 5000).
    pub const TIMEOUT_MS: &str = "CONCUR_REDIS_TIMEOUT_MS";
    /// `1` allows plain `redis://` to a host that is not this machine.
    pub const ALLOW_PLAINTEXT: &str = "CONCUR_REDIS_ALLOW_PLAINTEXT";
    /// How many replicas must acknowledge each save (`WAIT`); default 0, and
    /// 1 behind Sentinel.
    pub const WAIT_REPLICAS: &str = "CONCUR_REDIS_WAIT_REPLICAS";
}

/// Options of a [`RedisStore`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisOptions {
    /// Put before every key name: `{prefix}token`, `{prefix}lock`.
    pub key_prefix: String,
    /// Lifetime of the refresh lease; renewed every third of it while held.
    pub lease: Duration,
    /// Connect timeout and per-command timeout; a save waits at most half of
    /// it for replicas.
    pub timeout: Duration,
    /// Allow plain `redis://` to a host that is not this machine: the tokens
    /// then cross the network unencrypted. Off by default.
    pub allow_plaintext: bool,
    /// How many replicas must acknowledge a save (`WAIT n timeout`) before it
    /// counts as saved; `None`: 0 for one server or a cluster, 1 behind Sentinel.
    pub wait_replicas: Option<u32>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            key_prefix: DEFAULT_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            timeout: DEFAULT_TIMEOUT,
            allow_plaintext: false,
            wait_replicas: None,
        }
    }
}

impl RedisOptions {
    /// Defaults, overridden by the variables of [`env`] that are set.
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
        if let Some(flag) = var(env::ALLOW_PLAINTEXT) {
            options.allow_plaintext = match flag.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(Error::config(format!(
                        "{} must be 1 or 0",
                        env::ALLOW_PLAINTEXT
                    )))
                }
            };
        }
        if let Some(count) = var(env::WAIT_REPLICAS) {
            let count = count.trim().parse::<u32>().ok().filter(|n| *n <= 100);
            options.wait_replicas = Some(count.ok_or_else(|| {
                Error::config(format!(
                    "{} must be a whole number of replicas from 0 to 100",
                    env::WAIT_REPLICAS
                ))
            })?);
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
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(Error::config(format!(
                "the Redis timeout must be more than zero and at most {MAX_TIMEOUT:?}"
            )));
        }
        if self.lease > MAX_LEASE {
            return Err(Error::config(format!(
                "the Redis lease must be at most {MAX_LEASE:?}"
            )));
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
