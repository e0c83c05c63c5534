//! What the server remembers: its configuration and the tokens it issued, plus
//! handles on the request counters and fault queues. Maps sit behind std mutexes
//! that are never held across an `.await`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::FakeConfig;
use crate::counting::AtomicCounters;
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

/// Every token the server has issued or accepts, with its deadline, and every
/// secret it has known (for leak scans). Not a client-side store: the server's
/// own book of what is valid.
#[derive(Debug, Default)]
struct TokenLedger {
    request_tokens: HashMap<String, RequestTokenState>,
    /// Refresh token → its deadline.
    refresh_tokens: HashMap<String, Instant>,
    /// Access token → its deadline.
    access_tokens: HashMap<String, Instant>,
    /// Every secret issued or configured, in issue order (and a set to dedupe).
    secrets: Vec<String>,
    secret_set: std::collections::HashSet<String>,
}

impl TokenLedger {
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
    tokens: Mutex<TokenLedger>,
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
        let mut tokens = TokenLedger::default();
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

    fn new_access_token(&self, tokens: &mut TokenLedger, cfg: &FakeConfig) -> String {
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

    fn put_refresh_token(tokens: &mut TokenLedger, token: &str, cfg: &FakeConfig) -> u64 {
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

    /// Makes one access token expired (the API answers 401 to it).
    pub(crate) fn expire_access_token(&self, token: &str) {
        if let Some(deadline) = lock(&self.tokens).access_tokens.get_mut(token) {
            *deadline = Instant::now();
        }
    }

    /// A refresh-token-shaped value this server never issued (and remembers
    /// for leak scans, since a client treats it as a secret).
    pub(crate) fn unknown_refresh_token(&self) -> String {
        let token = random::uuid_like();
        lock(&self.tokens).remember(&token);
        token
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
        let first = s.config();
        s.update_config(|c| c.client_secret = "new-secret".into());
        let secrets = s.known_secrets();
        for x in [
            first.client_secret.as_str(),
            first.request_token.as_str(),
            "new-secret",
            &t.access_token,
            &t.refresh_token,
        ] {
            assert_eq!(secrets.iter().filter(|s| *s == x).count(), 1, "{x}");
        }
    }
}
