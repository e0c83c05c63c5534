//! `Status`: what `status()` and `exchangeRequestToken()` resolve to. Both
//! expiries and where tokens go, never a secret. Absent values are `null`, as
//! in the core's `Status::to_json()`.

use napi::bindgen_prelude::{Either, Null};

/// `Some(v)` → `v`, `None` → `null` (typegen needs `Either<T, Null>` spelled out).
pub fn nullable<T>(value: Option<T>) -> Either<T, Null> {
    match value {
        Some(v) => Either::A(v),
        None => Either::B(Null),
    }
}

/// A secret-free summary of the stored token state (times in Unix seconds).
#[napi_derive::napi(object, object_from_js = false)]
pub struct Status {
    /// A refresh token is stored (the one-time exchange has run).
    pub initialized: bool,
    /// The stored access token is still usable (more than the leeway left).
    pub access_token_valid: bool,
    /// When the stored access token expires, Unix seconds.
    pub access_token_expires_at: Either<i64, Null>,
    /// `fresh` (served from memory), `stale` (still served while one background
    /// refresh runs), `expired` (callers wait for a refresh) or `none`.
    #[napi(ts_type = "'fresh' | 'stale' | 'expired' | 'none'")]
    pub state: String,
    /// When the access token turns stale (expiry minus the leeway), Unix seconds.
    pub stale_at: Either<i64, Null>,
    /// When it counts as expired (expiry minus the hard margin), Unix seconds.
    pub hard_expiry_at: Either<i64, Null>,
    /// When the refresh token expires, Unix seconds.
    pub refresh_token_expires_at: Either<i64, Null>,
    /// Days left on the refresh token, to the nearest day (negative once expired).
    pub refresh_token_days_left: Either<i64, Null>,
    /// Fewer than 30 days left: plan a new company request token.
    pub refresh_token_expiring_soon: bool,
    /// The refresh token's expiry has passed: only a new company request token helps.
    pub refresh_token_expired: bool,
    /// Base URL for refreshes and API calls.
    pub geolocation: Either<String, Null>,
    /// The company the tokens belong to.
    pub company_uuid: Either<String, Null>,
    /// Which store was read, e.g. `file ./refreshTokenObjectFile.json`.
    pub store: String,
}

impl std::fmt::Debug for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Status")
            .field("initialized", &self.initialized)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl From<concur_auth::Status> for Status {
    fn from(s: concur_auth::Status) -> Self {
        Status {
            initialized: s.initialized,
            access_token_valid: s.access_token_valid,
            access_token_expires_at: nullable(s.access_token_expires_at),
            state: s.state.as_str().to_owned(),
            stale_at: nullable(s.stale_at),
            hard_expiry_at: nullable(s.hard_expiry_at),
            refresh_token_expires_at: nullable(s.refresh_token_expires_at),
            refresh_token_days_left: nullable(s.refresh_token_days_left),
            refresh_token_expiring_soon: s.refresh_token_expiring_soon,
            refresh_token_expired: s.refresh_token_expired,
            geolocation: nullable(s.geolocation),
            company_uuid: nullable(s.company_uuid),
            store: s.store,
        }
    }
}
