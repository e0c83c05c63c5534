//! What the server remembers: its configuration, the tokens it issued and the
//! request counters. Maps sit behind std mutexes that are never held across an
//! `.await`; counters are atomics so hot paths stay lock-free.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::FakeConfig;
use crate::faults::FaultQueues;
use crate::random;

/// Scopes granted to every token; reported in each token reply.
pub(crate) const SCOPE: &str = "openid user.read company.read";

/// Tokens minted by [`crate::FakeConcur::issue_refresh_token`] or the admin API,
/// in the shape of a token reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: u64,
    /// Absolute Unix time (seconds) when the refresh token expires.
    pub refresh_expires_in: u64,
    pub geolocation: String,
}

/// A snapshot of how many requests of each kind the server has seen, so tests can
/// assert e.g. "one refresh for a thousand callers". Faulted requests count too.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counters {
    /// Every `POST /oauth2/v0/token`, whatever its grant or outcome.
    pub token_requests: u64,
    pub password_grants: u64,
    pub refresh_grants: u64,
    pub client_credentials_grants: u64,
    /// Profile v4 list and by-id requests.
    pub user_requests: u64,
    /// `DELETE /app-mgmt/v0/connections`.
    pub revoke_requests: u64,
    /// Everything else except the admin API.
    pub other_requests: u64,
}

/// What a non-admin request was, for counting and for choosing its fault queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestKind {
    Token(Option<Grant>),
    User,
    Revoke,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    Password,
    Refresh,
    ClientCredentials,
}

#[derive(Debug, Default)]
pub(crate) struct AtomicCounters {
    token_requests: AtomicU64,
    password_grants: AtomicU64,
    refresh_grants: AtomicU64,
    client_credentials_grants: AtomicU64,
    user_requests: AtomicU64,
    revoke_requests: AtomicU64,
    other_requests: AtomicU64,
}

impl AtomicCounters {
    pub(crate) fn count(&self, kind: RequestKind) {
        let bump = |c: &AtomicU64| {
            c.fetch_add(1, Ordering::Relaxed);
        };
        match kind {
            RequestKind::Token(grant) => {
                bump(&self.token_requests);
                match grant {
                    Some(Grant::Password) => bump(&self.password_grants),
                    Some(Grant::Refresh) => bump(&self.refresh_grants),
                    Some(Grant::ClientCredentials) => bump(&self.client_credentials_grants),
                    None => {}
                }
            }
            RequestKind::User => bump(&self.user_requests),
            RequestKind::Revoke => bump(&self.revoke_requests),
            RequestKind::Other => bump(&self.other_requests),
        }
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counters {
            token_requests: get(&self.token_requests),
            password_grants: get(&self.password_grants),
            refresh_grants: get(&self.refresh_grants),
            client_credentials_grants: get(&self.client_credentials_grants),
            user_requests: get(&self.user_requests),
            revoke_requests: get(&self.revoke_requests),
            other_requests: get(&self.other_requests),
        }
    }

    pub(crate) fn reset(&self) {
        for c in [
            &self.token_requests,
            &self.password_grants,
            &self.refresh_grants,
            &self.client_credentials_grants,
            &self.user_requests,
            &self.revoke_requests,
            &self.other_requests,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// Why a password grant's request token was refused. All of them are answered
/// with code 5, as Concur does; the distinction helps debugging only.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RequestTokenError {
    Unknown,
    AlreadyUsed,
    Expired,
}

/// Why a bearer token was refused by the API.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AccessError {
    Unknown,
    Expired,
}

#[derive(Debug)]
struct RequestTokenState {
    issued: Instant,
    used: bool,
}

#[derive(Debug, Default)]
struct TokenStore {
    request_tokens: HashMap<String, RequestTokenState>,
    /// Refresh token → its deadline.
    refresh_tokens: HashMap<String, Instant>,
    /// Access token → its deadline.
    access_tokens: HashMap<String, Instant>,
    /// Every secret ever known, in order of appearance, for leak scans.
    /// Every secret issued or configured, in issue order (and a set to dedupe).
    secrets: Vec<String>,
    secret_set: std::collections::HashSet<String>,
}

impl TokenStore {
    fn remember(&mut self, secret: &str) {
        if self.secret_set.insert(secret.to_owned()) {
            self.secrets.push(secret.to_owned());
            append_to_secrets_log(secret);
        }
    }
}

/// When `FAKE_CONCUR_SECRETS_LOG` names a file, every secret the server knows is
/// appended to it, one a line, so that a leak scan over a whole test run (every
/// language, every fake-concur instance) knows what to look for.
pub const SECRETS_LOG_ENV: &str = "FAKE_CONCUR_SECRETS_LOG";

fn append_to_secrets_log(secret: &str) {
    use std::io::Write;
    let Some(path) = std::env::var_os(SECRETS_LOG_ENV) else {
        return;
    };
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{secret}");
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) base_url: String,
    config: Mutex<FakeConfig>,
    tokens: Mutex<TokenStore>,
    pub(crate) counters: AtomicCounters,
    pub(crate) faults: Mutex<FaultQueues>,
    revoked: AtomicBool,
}

/// Locks a mutex even if a panicking test thread poisoned it: the data is
/// still consistent (every critical section is a few plain assignments).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The server's own idea of the time: real time shifted by `clock_offset_secs`.
pub(crate) fn server_now(cfg: &FakeConfig) -> u64 {
    (unix_now() as i64 + cfg.clock_offset_secs).max(0) as u64
}

impl Shared {
    pub(crate) fn new(config: FakeConfig, base_url: String) -> Shared {
        let mut tokens = TokenStore::default();
        tokens.remember(&config.client_secret);
        tokens.remember(&config.request_token);
        tokens.request_tokens.insert(
            config.request_token.clone(),
            RequestTokenState {
                issued: Instant::now(),
                used: false,
            },
        );
        Shared {
            base_url,
            config: Mutex::new(config),
            tokens: Mutex::new(tokens),
            counters: AtomicCounters::default(),
            faults: Mutex::new(FaultQueues::default()),
            revoked: AtomicBool::new(false),
        }
    }

    pub(crate) fn config(&self) -> FakeConfig {
        lock(&self.config).clone()
    }

    /// Applies `f` to the config. A changed request token counts as freshly
    /// issued (its TTL starts now) and a changed secret joins the leak-scan list.
    pub(crate) fn update_config<R>(&self, f: impl FnOnce(&mut FakeConfig) -> R) -> R {
        let (result, new) = {
            let mut cfg = lock(&self.config);
            let result = f(&mut cfg);
            (result, cfg.clone())
        };
        let mut tokens = lock(&self.tokens);
        tokens.remember(&new.client_secret);
        tokens.remember(&new.request_token);
        tokens
            .request_tokens
            .entry(new.request_token)
            .or_insert_with(|| RequestTokenState {
                issued: Instant::now(),
                used: false,
            });
        result
    }

    /// The geolocation to report: the configured one or this server.
    pub(crate) fn geolocation(&self) -> String {
        lock(&self.config)
            .geolocation
            .clone()
            .unwrap_or_else(|| self.base_url.clone())
    }

    /// A new valid request token, as if an admin generated one. Earlier ones stay
    /// valid until used or expired.
    pub(crate) fn mint_request_token(&self) -> String {
        let token = random::uuid_like();
        let mut tokens = lock(&self.tokens);
        tokens.remember(&token);
        tokens.request_tokens.insert(
            token.clone(),
            RequestTokenState {
                issued: Instant::now(),
                used: false,
            },
        );
        token
    }

    /// Checks a request token for the password grant and, when single-use, burns it.
    pub(crate) fn consume_request_token(&self, token: &str) -> Result<(), RequestTokenError> {
        let cfg = self.config();
        let mut tokens = lock(&self.tokens);
        let state = tokens
            .request_tokens
            .get_mut(token)
            .ok_or(RequestTokenError::Unknown)?;
        if state.used {
            return Err(RequestTokenError::AlreadyUsed);
        }
        if state.issued.elapsed() >= Duration::from_secs(cfg.request_token_ttl_secs) {
            return Err(RequestTokenError::Expired);
        }
        if cfg.request_token_single_use {
            state.used = true;
        }
        Ok(())
    }

    fn new_access_token(&self, tokens: &mut TokenStore, cfg: &FakeConfig) -> String {
        let now = server_now(cfg);
        let token = random::fake_jwt(&json!({
            "jti": random::uuid_like(),
            "iss": self.base_url,
            "aud": "*",
            "iat": now,
            "exp": now + cfg.access_token_ttl_secs,
        }));
        let deadline = Instant::now() + Duration::from_secs(cfg.access_token_ttl_secs);
        tokens.remember(&token);
        tokens.access_tokens.insert(token.clone(), deadline);
        token
    }

    fn put_refresh_token(tokens: &mut TokenStore, token: &str, cfg: &FakeConfig) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(cfg.refresh_token_ttl_secs);
        tokens.remember(token);
        tokens.refresh_tokens.insert(token.to_owned(), deadline);
        server_now(cfg) + cfg.refresh_token_ttl_secs
    }

    /// Mints an access token plus, when `with_refresh`, a new refresh token.
    /// Without one, `refresh_token` is empty and `refresh_expires_in` is 0.
    pub(crate) fn issue(&self, with_refresh: bool) -> IssuedTokens {
        let cfg = self.config();
        let geolocation = cfg
            .geolocation
            .clone()
            .unwrap_or_else(|| self.base_url.clone());
        let mut tokens = lock(&self.tokens);
        let access_token = self.new_access_token(&mut tokens, &cfg);
        let (refresh_token, refresh_expires_in) = if with_refresh {
            let rt = random::uuid_like();
            let exp = Self::put_refresh_token(&mut tokens, &rt, &cfg);
            (rt, exp)
        } else {
            (String::new(), 0)
        };
        IssuedTokens {
            access_token,
            refresh_token,
            expires_in: cfg.access_token_ttl_secs,
            refresh_expires_in,
            geolocation,
        }
    }

    /// The refresh grant: `None` when the token is unknown, expired or rotated
    /// away. Otherwise a new access token and the same refresh token with its
    /// lifetime renewed, or a new one (the old one dies) when rotation is on.
    pub(crate) fn refresh(&self, refresh_token: &str) -> Option<IssuedTokens> {
        let cfg = self.config();
        let geolocation = cfg
            .geolocation
            .clone()
            .unwrap_or_else(|| self.base_url.clone());
        let mut tokens = lock(&self.tokens);
        let deadline = *tokens.refresh_tokens.get(refresh_token)?;
        if Instant::now() >= deadline {
            tokens.refresh_tokens.remove(refresh_token);
            return None;
        }
        let refresh_token = if cfg.rotate_refresh_tokens {
            tokens.refresh_tokens.remove(refresh_token);
            random::uuid_like()
        } else {
            refresh_token.to_owned()
        };
        let refresh_expires_in = Self::put_refresh_token(&mut tokens, &refresh_token, &cfg);
        let access_token = self.new_access_token(&mut tokens, &cfg);
        Some(IssuedTokens {
            access_token,
            refresh_token,
            expires_in: cfg.access_token_ttl_secs,
            refresh_expires_in,
            geolocation,
        })
    }

    pub(crate) fn check_access_token(&self, token: &str) -> Result<(), AccessError> {
        let tokens = lock(&self.tokens);
        let deadline = tokens
            .access_tokens
            .get(token)
            .ok_or(AccessError::Unknown)?;
        if Instant::now() >= *deadline {
            return Err(AccessError::Expired);
        }
        Ok(())
    }

    /// Makes every access token issued so far expired (the API answers 401).
    pub(crate) fn expire_access_tokens(&self) {
        let now = Instant::now();
        for deadline in lock(&self.tokens).access_tokens.values_mut() {
            *deadline = now;
        }
    }

    /// What `DELETE /app-mgmt/v0/connections` does: every refresh and access
    /// token dies.
    pub(crate) fn revoke_all(&self) {
        {
            let mut tokens = lock(&self.tokens);
            tokens.refresh_tokens.clear();
            tokens.access_tokens.clear();
        }
        self.revoked.store(true, Ordering::SeqCst);
    }

    pub(crate) fn revoked(&self) -> bool {
        self.revoked.load(Ordering::SeqCst)
    }

    pub(crate) fn known_secrets(&self) -> Vec<String> {
        lock(&self.tokens).secrets.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(cfg: FakeConfig) -> Shared {
        Shared::new(cfg, "http://127.0.0.1:1".into())
    }

    #[test]
    fn request_token_is_single_use_by_default() {
        let s = shared(FakeConfig::default());
        let rt = FakeConfig::default().request_token;
        assert_eq!(s.consume_request_token(&rt), Ok(()));
        assert_eq!(
            s.consume_request_token(&rt),
            Err(RequestTokenError::AlreadyUsed)
        );
        assert_eq!(
            s.consume_request_token("nope"),
            Err(RequestTokenError::Unknown)
        );
    }

    #[test]
    fn reusable_request_token_and_expiry() {
        let s = shared(FakeConfig {
            request_token_single_use: false,
            ..FakeConfig::default()
        });
        let rt = FakeConfig::default().request_token;
        assert_eq!(s.consume_request_token(&rt), Ok(()));
        assert_eq!(s.consume_request_token(&rt), Ok(()));
        s.update_config(|c| c.request_token_ttl_secs = 0);
        assert_eq!(
            s.consume_request_token(&rt),
            Err(RequestTokenError::Expired)
        );
    }

    #[test]
    fn rotation_kills_the_old_refresh_token() {
        let s = shared(FakeConfig {
            rotate_refresh_tokens: true,
            ..FakeConfig::default()
        });
        let first = s.issue(true);
        let second = s.refresh(&first.refresh_token).unwrap();
        assert_ne!(first.refresh_token, second.refresh_token);
        assert!(s.refresh(&first.refresh_token).is_none());
        assert!(s.refresh(&second.refresh_token).is_some());
    }

    #[test]
    fn secrets_are_remembered_once_each() {
        let s = shared(FakeConfig::default());
        let t = s.issue(true);
        s.update_config(|c| c.client_secret = "new-secret".into());
        let secrets = s.known_secrets();
        for x in [
            "fake-client-secret-7Qx9",
            "fake-request-token-Zk42",
            "new-secret",
            &t.access_token,
            &t.refresh_token,
        ] {
            assert_eq!(secrets.iter().filter(|s| *s == x).count(), 1, "{x}");
        }
    }
}
