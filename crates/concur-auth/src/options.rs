//! Everything a user may tune, with the defaults the design asks for, and the
//! one place that says which values make sense ([`ManagerOptions::validate`]).

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
    /// Seconds before expiry at which an access token turns stale and is renewed.
    pub const LEEWAY_SECS: &str = "CONCUR_LEEWAY_SECS";
    /// Seconds before expiry from which callers wait for the refresh.
    pub const HARD_MARGIN_SECS: &str = "CONCUR_HARD_MARGIN_SECS";
    /// `1`/`true`: wait for the refresh from the stale instant on (no stale window).
    pub const STRICT: &str = "CONCUR_STRICT";
    /// Path of the token file for `from_env`.
    pub const TOKEN_FILE: &str = "CONCUR_TOKEN_FILE";
}

/// The tutorials' token file name, the default everywhere.
pub const DEFAULT_TOKEN_FILE: &str = "refreshTokenObjectFile.json";
/// The tutorials' credentials file name.
pub const DEFAULT_CREDENTIALS_FILE: &str = "credentials.json";

/// The documented range of every option, checked by [`ManagerOptions::validate`].
/// A Concur access token lives an hour; nothing here needs more than a day.
pub mod limits {
    use std::time::Duration;

    /// `leeway`: 0 to 24 h.
    pub const MAX_LEEWAY: Duration = Duration::from_secs(24 * 3600);
    /// `hard_margin`: 0 to 1 h.
    pub const MAX_HARD_MARGIN: Duration = Duration::from_secs(3600);
    /// `lock_wait`: 0 (try once) to 1 h.
    pub const MAX_LOCK_WAIT: Duration = Duration::from_secs(3600);
    /// `http.connect_timeout`, `http.request_timeout`: 1 ms to 10 min.
    pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);
    /// See [`MIN_TIMEOUT`].
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);
    /// `http.max_token_body`: 1 KiB to 16 MiB.
    pub const TOKEN_BODY: (usize, usize) = (1024, 16 * 1024 * 1024);
    /// `http.max_api_body`: 1 byte to 1 GiB.
    pub const API_BODY: (usize, usize) = (1, 1024 * 1024 * 1024);
    /// `retry.max_attempts`: 1 (no retry) to 20.
    pub const MAX_ATTEMPTS: u32 = 20;
    /// `retry.initial_backoff`, `retry.max_backoff`: at most 10 min.
    pub const MAX_BACKOFF: Duration = Duration::from_secs(600);
    /// `retry.max_elapsed`: at most 1 h.
    pub const MAX_ELAPSED: Duration = Duration::from_secs(3600);
}

/// How [`crate::TokenManager::exchange_request_token_with`] treats a refresh
/// token already stored.
///
/// By default an exchange refuses to replace a live (not yet expired) refresh
/// token: it is what keeps the app connected, and overwriting it by a mistaken
/// re-run is how production tokens get lost. An expired record, a corrupt one
/// (moved aside) or none at all needs no force.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExchangeOptions {
    /// Replace this app's live refresh token. Never replaces another app's
    /// live record (that app would lose its connection): that one needs a
    /// separate store, or removing it by hand.
    pub force: bool,
}

impl ExchangeOptions {
    /// Replace this app's live refresh token (`concur-auth exchange --force`).
    pub fn forced() -> Self {
        ExchangeOptions { force: true }
    }
}

/// Options of a [`crate::TokenManager`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagerOptions {
    /// Where the one-time exchange goes; later calls use the stored geolocation.
    pub base_url: String,
    /// Hosts, besides Concur's and the base URL's, that may receive tokens.
    pub allowed_hosts: Vec<String>,
    /// The access token turns *stale* when less than this is left (capped at
    /// half its lifetime, so short-lived tokens are still used): one refresh
    /// starts then, while callers keep getting the token in hand.
    pub leeway: Duration,
    /// The access token turns *expired* ("hard") when less than this is left
    /// (capped at the leeway): from then on callers wait for the refresh. Covers
    /// clock skew and the time a request takes. Default 30 s.
    pub hard_margin: Duration,
    /// `true`: callers wait for the refresh from the stale instant on, as before
    /// the stale window existed (errors early rather than a token served late).
    pub strict: bool,
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
            hard_margin: Duration::from_secs(30),
            strict: false,
            scope: None,
            lock_wait: Duration::from_secs(60),
            http: HttpOptions::default(),
            retry: RetryPolicy::default(),
        }
    }
}

impl ManagerOptions {
    /// Defaults, overridden by `CONCUR_BASE_URL`, `CONCUR_ALLOWED_HOSTS`,
    /// `CONCUR_LEEWAY_SECS`, `CONCUR_HARD_MARGIN_SECS` and `CONCUR_STRICT` when
    /// set, then [validated](ManagerOptions::validate).
    pub fn from_env() -> crate::Result<Self> {
        let mut options = ManagerOptions::default();
        if let Some(url) = non_empty_var(env::BASE_URL) {
            options.base_url = url;
        }
        if let Some(hosts) = non_empty_var(env::ALLOWED_HOSTS) {
            options.allowed_hosts = hosts.split(',').map(|h| h.trim().to_owned()).collect();
        }
        if let Some(secs) = non_empty_var(env::LEEWAY_SECS) {
            options.leeway = seconds_var(env::LEEWAY_SECS, &secs, 300)?;
        }
        if let Some(secs) = non_empty_var(env::HARD_MARGIN_SECS) {
            options.hard_margin = seconds_var(env::HARD_MARGIN_SECS, &secs, 30)?;
        }
        if let Some(flag) = non_empty_var(env::STRICT) {
            options.strict = parse_flag(env::STRICT, &flag)?;
        }
        options.validate()?;
        Ok(options)
    }

    /// Refuses any value outside its documented range (see [`limits`]) with a
    /// `config` error naming the option and the range: nonsense such as a leeway
    /// of `u64::MAX` seconds is an error, never a wraparound. Called by
    /// [`crate::TokenManager::new`].
    pub fn validate(&self) -> crate::Result<()> {
        use limits::*;
        let zero = Duration::ZERO;
        check_range("leeway", self.leeway, zero, MAX_LEEWAY)?;
        check_range("hard_margin", self.hard_margin, zero, MAX_HARD_MARGIN)?;
        check_range("lock_wait", self.lock_wait, zero, MAX_LOCK_WAIT)?;
        let http = &self.http;
        check_range(
            "connect_timeout",
            http.connect_timeout,
            MIN_TIMEOUT,
            MAX_TIMEOUT,
        )?;
        check_range(
            "request_timeout",
            http.request_timeout,
            MIN_TIMEOUT,
            MAX_TIMEOUT,
        )?;
        check_size("max_token_body", http.max_token_body, TOKEN_BODY)?;
        check_size("max_api_body", http.max_api_body, API_BODY)?;
        let retry = &self.retry;
        if !(1..=MAX_ATTEMPTS).contains(&retry.max_attempts) {
            return Err(crate::Error::config(format!(
                "max_attempts must be between 1 (no retry) and {MAX_ATTEMPTS}, not {}",
                retry.max_attempts
            )));
        }
        check_range("initial_backoff", retry.initial_backoff, zero, MAX_BACKOFF)?;
        check_range("max_backoff", retry.max_backoff, zero, MAX_BACKOFF)?;
        check_range("max_elapsed", retry.max_elapsed, zero, MAX_ELAPSED)?;
        Ok(())
    }

    /// The leeway in whole seconds (within [`limits::MAX_LEEWAY`] once validated).
    pub(crate) fn leeway_secs(&self) -> i64 {
        secs_i64(self.leeway)
    }

    /// The hard margin in whole seconds (within [`limits::MAX_HARD_MARGIN`] once validated).
    pub(crate) fn hard_margin_secs(&self) -> i64 {
        secs_i64(self.hard_margin)
    }
}

fn secs_i64(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn check_range(name: &str, value: Duration, min: Duration, max: Duration) -> crate::Result<()> {
    if value < min || value > max {
        return Err(crate::Error::config(format!(
            "{name} must be between {min:?} and {max:?}, not {value:?}"
        )));
    }
    Ok(())
}

fn check_size(name: &str, value: usize, (min, max): (usize, usize)) -> crate::Result<()> {
    if value < min || value > max {
        return Err(crate::Error::config(format!(
            "{name} must be between {min} and {max} bytes, not {value}"
        )));
    }
    Ok(())
}

fn seconds_var(name: &str, value: &str, example: u64) -> crate::Result<Duration> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| {
            crate::Error::config(format!(
                "{name} must be a whole number of seconds, e.g. {example}"
            ))
        })
}

fn parse_flag(name: &str, value: &str) -> crate::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(crate::Error::config(format!(
            "{name} must be true or false (or 1 / 0)"
        ))),
    }
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let options = ManagerOptions::default();
        options.validate().unwrap();
        assert_eq!(options.hard_margin, Duration::from_secs(30));
        assert!(!options.strict);
    }

    #[test]
    fn nonsense_durations_are_refused_not_wrapped() {
        let huge = ManagerOptions {
            leeway: Duration::from_secs(u64::MAX),
            ..ManagerOptions::default()
        };
        let err = huge.validate().unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(err.message().contains("leeway"), "{err}");
        for options in [
            ManagerOptions {
                hard_margin: Duration::from_secs(3601),
                ..ManagerOptions::default()
            },
            ManagerOptions {
                lock_wait: Duration::MAX,
                ..ManagerOptions::default()
            },
            ManagerOptions {
                http: HttpOptions {
                    request_timeout: Duration::ZERO,
                    ..HttpOptions::default()
                },
                ..ManagerOptions::default()
            },
            ManagerOptions {
                retry: RetryPolicy {
                    max_attempts: 0,
                    ..RetryPolicy::default()
                },
                ..ManagerOptions::default()
            },
        ] {
            assert_eq!(
                options.validate().unwrap_err().kind(),
                crate::ErrorKind::Config
            );
        }
    }

    #[test]
    fn flags_read_the_usual_spellings() {
        assert!(parse_flag("X", " TRUE ").unwrap());
        assert!(!parse_flag("X", "0").unwrap());
        assert!(parse_flag("X", "maybe").is_err());
    }
}
