//! What `status()` reports: both expiries and where tokens go, read from the
//! store without any network call and without any secret.

use serde::Serialize;

use crate::token::TokenRecord;

/// Below this many days left, the refresh token counts as expiring soon.
pub const REFRESH_WARNING_DAYS: i64 = 30;

/// A secret-free summary of the stored token state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    /// A refresh token is stored (the one-time exchange has run).
    pub initialized: bool,
    /// The stored access token is still usable (more than the leeway left).
    pub access_token_valid: bool,
    /// When the stored access token expires, Unix seconds.
    pub access_token_expires_at: Option<i64>,
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
        store: String,
    ) -> Status {
        let Some(record) = record else {
            return Status {
                initialized: false,
                access_token_valid: false,
                access_token_expires_at: None,
                refresh_token_expires_at: None,
                refresh_token_days_left: None,
                refresh_token_expiring_soon: false,
                refresh_token_expired: false,
                geolocation: None,
                company_uuid: None,
                store,
            };
        };
        // Rounded to the nearest day: a token issued for 180 days reads 180 for
        // its first half day, rather than 179 from its second second on.
        let days_left = record
            .refresh_token_expires_at
            .map(|at| (at - now + 43_200).div_euclid(86_400));
        let expired = record.refresh_token_expired(now);
        Status {
            initialized: true,
            access_token_valid: record
                .access_token_fresh_until(leeway_secs)
                .is_some_and(|(_, until)| now < until),
            access_token_expires_at: record.access_token_expires_at,
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

    /// Reads `store` and reports, without network. For callers that have a
    /// store but no credentials (`concur-auth status`).
    pub async fn of_store(
        store: &dyn crate::TokenStore,
        leeway_secs: i64,
    ) -> crate::Result<Status> {
        let record = store.load().await?;
        Ok(Status::from_record(
            record.as_ref(),
            crate::token::unix_now(),
            leeway_secs,
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
        let status = Status::from_record(Some(&record), now, 300, "memory".into());
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
            let status = Status::from_record(Some(&record), issued_at + elapsed, 300, "m".into());
            assert_eq!(
                status.refresh_token_days_left,
                Some(180),
                "after {elapsed} s"
            );
        }
    }

    #[test]
    fn expired_refresh_token_is_flagged() {
        let record = TokenRecord {
            refresh_token_expires_at: Some(10),
            ..Default::default()
        };
        let status = Status::from_record(Some(&record), 100, 300, "memory".into());
        assert!(status.refresh_token_expired && !status.refresh_token_expiring_soon);
        assert!(!Status::from_record(None, 100, 300, "m".into()).initialized);
    }
}
