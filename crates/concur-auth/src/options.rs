//! Everything a user may tune, with the defaults the design asks for.

use std::time::Duration;

use crate::hosts::DEFAULT_BASE_URL;
use crate::http::HttpOptions;
use crate::retry::RetryPolicy;

/// Environment variables read by [`ManagerOptions::from_env`].
pub mod env {
    /// Base URL for the exchange (default GLZ).
    pub const BASE_URL: &str = "CONCUR_BASE_URL";
    /// Comma-separated extra hosts allowed to receive tokens.
    pub const ALLOWED_HOSTS: &str = "CONCUR_ALLOWED_HOSTS";
    /// Seconds before expiry at which an access token is renewed.
    pub const LEEWAY_SECS: &str = "CONCUR_LEEWAY_SECS";
    /// Path of the token file for `from_env`.
    pub const TOKEN_FILE: &str = "CONCUR_TOKEN_FILE";
}

/// The tutorials' token file name, the default everywhere.
pub const DEFAULT_TOKEN_FILE: &str = "refreshTokenObjectFile.json";
/// The tutorials' credentials file name.
pub const DEFAULT_CREDENTIALS_FILE: &str = "credentials.json";

/// Options of a [`crate::TokenManager`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagerOptions {
    /// Where the one-time exchange goes; later calls use the stored geolocation.
    pub base_url: String,
    /// Hosts, besides Concur's and the base URL's, that may receive tokens.
    pub allowed_hosts: Vec<String>,
    /// Renew the access token when less than this is left (capped at half its
    /// lifetime, so short-lived tokens are still used).
    pub leeway: Duration,
    /// Scope to request on refresh; `None` keeps what was granted.
    pub scope: Option<String>,
    /// How long to wait for the store lock held by another process.
    pub lock_wait: Duration,
    /// HTTP timeouts and body limits.
    pub http: HttpOptions,
    /// Retry bounds for transient failures.
    pub retry: RetryPolicy,
}

impl Default for ManagerOptions {
    fn default() -> Self {
        ManagerOptions {
            base_url: DEFAULT_BASE_URL.to_owned(),
            allowed_hosts: Vec::new(),
            leeway: Duration::from_secs(300),
            scope: None,
            lock_wait: Duration::from_secs(60),
            http: HttpOptions::default(),
            retry: RetryPolicy::default(),
        }
    }
}

impl ManagerOptions {
    /// Defaults, overridden by `CONCUR_BASE_URL`, `CONCUR_ALLOWED_HOSTS` and
    /// `CONCUR_LEEWAY_SECS` when set.
    pub fn from_env() -> crate::Result<Self> {
        let mut options = ManagerOptions::default();
        if let Some(url) = non_empty_var(env::BASE_URL) {
            options.base_url = url;
        }
        if let Some(hosts) = non_empty_var(env::ALLOWED_HOSTS) {
            options.allowed_hosts = hosts.split(',').map(|h| h.trim().to_owned()).collect();
        }
        if let Some(secs) = non_empty_var(env::LEEWAY_SECS) {
            let secs = secs.trim().parse::<u64>().map_err(|_| {
                crate::Error::config(format!(
                    "{} must be a whole number of seconds, e.g. 300",
                    env::LEEWAY_SECS
                ))
            })?;
            options.leeway = Duration::from_secs(secs);
        }
        Ok(options)
    }
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
