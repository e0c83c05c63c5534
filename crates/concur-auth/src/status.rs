//! What `status()` reports: both expiries and where tokens go, read from the
//! store without any network call and without any secret.

use serde::Serialize;

use crate::token::TokenRecord;

/// Below this many days left, the refresh token counts as expiring soon.
pub const REFRESH_WARNING_DAYS: i64 = 30;

/// Where the stored access token is in its life (see docs/RELIABILITY.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenState {
    /// More than the leeway left: served from memory, nothing to do.
    Fresh,
    /// Between `stale_at` and `hard_expiry_at`: still served at once while one
    /// background refresh runs (strict mode: callers wait for it).
    Stale,
    /// Past `hard_expiry_at`: callers wait for a refresh.
    Expired,
    /// No access token with a known expiry is stored.
    None,
}

impl TokenState {
    /// `fresh`, `stale`, `expired` or `none`, as in the JSON status.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Fresh => "fresh",
            TokenState::Stale => "stale",
            TokenState::Expired => "expired",
            TokenState::None => "none",
        }
    }
}

impl std::fmt::Display for TokenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secret-free summary of the stored token state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// A refresh token is stored (the one-time exchange has run).
    pub initialized: bool,
    /// The stored access token is still usable (more than the leeway left).
    pub access_token_valid: bool,
    /// When the stored access token expires, Unix seconds.
    pub access_token_expires_at: Option<i64>,
    /// Fresh, stale or expired (or none stored), as of the status call.
    pub state: TokenState,
    /// When the access token turns stale (`expiry − leeway`), Unix seconds.
    pub stale_at: Option<i64>,
    /// When it counts as expired (`expiry − hard margin`), Unix seconds.
    pub hard_expiry_at: Option<i64>,
    /// When the refresh token expires, Unix seconds.
    pub refresh_token_expires_at: Option<i64>,
    /// Days left on the refresh token, to the nearest day (negative once expired).
    pub refresh_token_days_left: Option<i64>,
    /// Fewer than [`REFRESH_WARNING_DAYS`] days left: plan a new request token.
    pub refresh_token_expiring_soon: bool,
    /// The refresh token's expiry has passed: only a new company request token helps.
    pub refresh_token_expired: bool,
    /// Base URL for refreshes and API calls.
    pub geolocation: Option<String>,
    /// The company the tokens belong to.
    pub company_uuid: Option<String>,
    /// Which store was read, e.g. `file ./refreshTokenObjectFile.json`.
    pub store: String,
}

impl Status {
    pub(crate) fn from_record(
        record: Option<&TokenRecord>,
        now: i64,
        leeway_secs: i64,
        hard_margin_secs: i64,
        store: String,
    ) -> Status {
        let Some(record) = record else {
            return Status {
                initialized: false,
                access_token_valid: false,
                access_token_expires_at: None,
                state: TokenState::None,
                stale_at: None,
                hard_expiry_at: None,
                refresh_token_expires_at: None,
                refresh_token_days_left: None,
                refresh_token_expiring_soon: false,
                refresh_token_expired: false,
                geolocation: None,
                company_uuid: None,
                store,
            };
        };
        let days_left = record.refresh_token_days_left(now);
        let expired = record.refresh_token_expired(now);
        let times = record
            .access_token_times(leeway_secs, hard_margin_secs)
            .map(|(_, times)| times);
        let state = match times {
            None => TokenState::None,
            Some(t) if now < t.stale_at => TokenState::Fresh,
            Some(t) if now < t.hard_at => TokenState::Stale,
            Some(_) => TokenState::Expired,
        };
        Status {
            initialized: true,
            access_token_valid: state == TokenState::Fresh,
            access_token_expires_at: record.access_token_expires_at,
            state,
            stale_at: times.map(|t| t.stale_at),
            hard_expiry_at: times.map(|t| t.hard_at),
            refresh_token_expires_at: record.refresh_token_expires_at,
            refresh_token_days_left: days_left,
            refresh_token_expiring_soon: !expired
                && days_left.is_some_and(|d| d < REFRESH_WARNING_DAYS),
            refresh_token_expired: expired,
            geolocation: record.geolocation.clone(),
            company_uuid: record.company_uuid.clone(),
            store,
        }
    }

    /// Reads `store` and reports, without network, with the leeway and hard
    /// margin of `options`. For callers that have a store but no credentials
    /// (`concur-auth status`).
    pub async fn of_store(
        store: &dyn crate::TokenStore,
        options: &crate::ManagerOptions,
    ) -> crate::Result<Status> {
        let record = store.load().await?;
        Ok(Status::from_record(
            record.as_ref(),
            crate::token::unix_now(),
            options.leeway_secs(),
            options.hard_margin_secs(),
            store.describe(),
        ))
    }

    /// The status as JSON (what `concur-auth status --json` and the C API print).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("status serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn reports_days_left_and_warning() {
        let now = 1_000_000;
        let record = TokenRecord {
            access_token: Some(Secret::new("acc-SECRET-1")),
            access_token_expires_at: Some(now + 3000),
            expires_in: Some(3600),
            refresh_token: Secret::new("ref-SECRET-2"),
            refresh_token_expires_at: Some(now + 10 * 86_400 + 5),
            ..Default::default()
        };
        let status = Status::from_record(Some(&record), now, 300, 30, "memory".into());
        assert!(status.initialized && status.access_token_valid);
        assert_eq!(status.refresh_token_days_left, Some(10));
        assert!(status.refresh_token_expiring_soon && !status.refresh_token_expired);
        let json = status.to_json();
        assert!(!json.contains("SECRET"), "{json}");
    }

    #[test]
    fn days_left_is_stable_right_after_issue() {
        let issued_at = 1_000_000;
        let record = TokenRecord {
            refresh_token_expires_at: Some(issued_at + 180 * 86_400),
            ..Default::default()
        };
        for elapsed in [0, 1, 3_600, 43_199] {
            let status =
                Status::from_record(Some(&record), issued_at + elapsed, 300, 30, "m".into());
            assert_eq!(
                status.refresh_token_days_left,
                Some(180),
                "after {elapsed} s"
            );
        }
    }

    #[test]
    fn states_follow_the_stale_and_hard_instants() {
        let record = TokenRecord {
            access_token: Some(Secret::new("a")),
            access_token_expires_at: Some(10_000),
            expires_in: Some(3600),
            ..Default::default()
        };
        let at = |now| Status::from_record(Some(&record), now, 300, 30, "m".into());
        assert_eq!(at(9_699).state, TokenState::Fresh);
        assert_eq!(at(9_700).state, TokenState::Stale);
        assert_eq!(at(9_969).state, TokenState::Stale);
        assert_eq!(at(9_970).state, TokenState::Expired);
        let status = at(9_800);
        assert_eq!(
            (status.stale_at, status.hard_expiry_at),
            (Some(9_700), Some(9_970))
        );
        assert!(status.to_json().contains(r#""state":"stale""#));
        assert_eq!(
            Status::from_record(None, 1, 300, 30, "m".into()).state,
            TokenState::None
        );
    }

    #[test]
    fn expired_refresh_token_is_flagged() {
        let record = TokenRecord {
            refresh_token_expires_at: Some(10),
            ..Default::default()
        };
        let status = Status::from_record(Some(&record), 100, 300, 30, "memory".into());
        assert!(status.refresh_token_expired && !status.refresh_token_expiring_soon);
        assert!(!Status::from_record(None, 100, 300, 30, "m".into()).initialized);
    }
}
