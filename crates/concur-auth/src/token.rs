//! The stored token state, in the tutorials' `refreshTokenObjectFile.json` shape.
//!
//! The tutorial script saves Concur's whole token reply plus `companyUUID`, and
//! checks `refresh_expires_in * 1000 > Date.now()` on load. A [`TokenRecord`]
//! reads such a file unchanged and writes one the script still accepts. It adds
//! two fields of its own: `access_token_expires_at` (absolute, so that another
//! process can reuse the access token) and `concur_auth_revision` (for
//! compare-and-swap saves). Unknown fields are kept as they were.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::json_fields::{self, Object};
use crate::protocol::TokenReply;
use crate::secret::Secret;

const ACCESS_EXPIRES_AT: &str = "access_token_expires_at";
const REVISION: &str = "concur_auth_revision";
const CLIENT_ID: &str = "concur_auth_client_id";

/// Fields this type owns; everything else in the file is carried through `extra`.
const KNOWN_FIELDS: [&str; 12] = [
    "access_token",
    "expires_in",
    "refresh_token",
    "refresh_expires_in",
    "geolocation",
    "id_token",
    "scope",
    "token_type",
    "companyUUID",
    ACCESS_EXPIRES_AT,
    REVISION,
    CLIENT_ID,
];

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// When an access token turns stale (refresh it, but it may still be served)
/// and expired (callers wait for the refresh), in Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TokenTimes {
    /// `expiry − leeway` (leeway capped at half the token's lifetime).
    pub stale_at: i64,
    /// `expiry − hard margin`, never before `stale_at`.
    pub hard_at: i64,
}

/// One version of the token state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenRecord {
    /// The last access token, when one was stored.
    pub access_token: Option<Secret>,
    /// When that access token expires (Unix seconds); unknown for tutorial files.
    pub access_token_expires_at: Option<i64>,
    /// The access-token lifetime Concur last announced, in seconds.
    pub expires_in: Option<i64>,
    /// The refresh token: the one value that takes an admin to replace.
    pub refresh_token: Secret,
    /// When the refresh token expires (Unix seconds, as Concur sends it).
    pub refresh_token_expires_at: Option<i64>,
    /// Base URL for every later refresh and API call.
    pub geolocation: Option<String>,
    /// The OpenID id token (a JWT naming the company).
    pub id_token: Option<Secret>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// `Bearer`.
    pub token_type: Option<String>,
    /// The company the refresh token belongs to.
    pub company_uuid: Option<String>,
    /// Incremented by every save; 0 for a file the tutorial script wrote.
    pub revision: u64,
    /// The (non-secret) client id of the app the refresh token was issued to;
    /// unknown for a file the tutorial script wrote.
    pub client_id: Option<String>,
    /// Fields this library does not know, preserved on save.
    pub extra: Object,
}

impl TokenRecord {
    /// Parses a stored record. The error says what is wrong without quoting values.
    pub fn from_json(text: &[u8]) -> Result<Self, String> {
        let mut obj = json_fields::parse_object(text)?;
        let refresh_token = json_fields::string(&obj, "refresh_token")
            .ok_or("field refresh_token is missing or empty")?;
        let record = TokenRecord {
            access_token: json_fields::string(&obj, "access_token").map(Secret::new),
            access_token_expires_at: json_fields::integer(&obj, ACCESS_EXPIRES_AT)?,
            expires_in: json_fields::integer(&obj, "expires_in")?,
            refresh_token: Secret::new(refresh_token),
            refresh_token_expires_at: json_fields::integer(&obj, "refresh_expires_in")?,
            geolocation: json_fields::string(&obj, "geolocation"),
            id_token: json_fields::string(&obj, "id_token").map(Secret::new),
            scope: json_fields::string(&obj, "scope"),
            token_type: json_fields::string(&obj, "token_type"),
            company_uuid: json_fields::string(&obj, "companyUUID"),
            revision: json_fields::integer(&obj, REVISION)?.unwrap_or(0).max(0) as u64,
            client_id: json_fields::string(&obj, CLIENT_ID),
            extra: Object::new(),
        };
        for key in KNOWN_FIELDS {
            obj.remove(key);
        }
        Ok(TokenRecord {
            extra: obj,
            ..record
        })
    }

    /// The file text: the tutorial's fields first, pretty-printed, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut obj = Object::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                obj.insert(key.to_owned(), value);
            }
        };
        put(
            "access_token",
            self.access_token.as_ref().map(|s| s.expose().into()),
        );
        put("expires_in", self.expires_in.map(Value::from));
        put("refresh_token", Some(self.refresh_token.expose().into()));
        put(
            "refresh_expires_in",
            self.refresh_token_expires_at.map(Value::from),
        );
        put("geolocation", self.geolocation.clone().map(Value::from));
        put(
            "id_token",
            self.id_token.as_ref().map(|s| s.expose().into()),
        );
        put("scope", self.scope.clone().map(Value::from));
        put("token_type", self.token_type.clone().map(Value::from));
        put("companyUUID", self.company_uuid.clone().map(Value::from));
        put(
            ACCESS_EXPIRES_AT,
            self.access_token_expires_at.map(Value::from),
        );
        put(REVISION, Some(self.revision.into()));
        put(CLIENT_ID, self.client_id.clone().map(Value::from));
        for (key, value) in &self.extra {
            obj.entry(key.clone()).or_insert_with(|| value.clone());
        }
        let mut text = serde_json::to_string_pretty(&Value::Object(obj)).expect("JSON object");
        text.push('\n');
        text
    }

    /// The access token and the Unix second from which it counts as stale, when
    /// one is stored with a known expiry. `leeway` is capped at half the token's
    /// lifetime so that short-lived tokens are still used.
    pub(crate) fn access_token_fresh_until(&self, leeway_secs: i64) -> Option<(&Secret, i64)> {
        let token = self.access_token.as_ref()?;
        let expires_at = self.access_token_expires_at?;
        let lifetime = self.expires_in.unwrap_or(i64::MAX).max(0);
        Some((
            token,
            expires_at.saturating_sub(leeway_secs.clamp(0, lifetime / 2)),
        ))
    }

    /// The access token and the instants at which it turns stale and expired
    /// (see [`TokenTimes`]), when one is stored with a known expiry.
    pub(crate) fn access_token_times(
        &self,
        leeway_secs: i64,
        hard_margin_secs: i64,
    ) -> Option<(&Secret, TokenTimes)> {
        let (token, stale_at) = self.access_token_fresh_until(leeway_secs)?;
        let expires_at = self.access_token_expires_at?;
        // The margin never reaches before the stale instant: with a short-lived
        // token (leeway capped) the stale window shrinks, it never inverts.
        let hard_at = expires_at
            .saturating_sub(hard_margin_secs.max(0))
            .max(stale_at);
        Some((token, TokenTimes { stale_at, hard_at }))
    }

    /// A token reply merged over the previous record: whatever the server returned
    /// wins (refresh tokens and geolocations rotate), the rest is kept.
    pub(crate) fn merge_reply(
        previous: Option<&TokenRecord>,
        reply: TokenReply,
        company_uuid: Option<&str>,
    ) -> Result<TokenRecord> {
        let now = unix_now();
        let refresh_token = reply
            .refresh_token
            .or_else(|| previous.map(|p| p.refresh_token.clone()))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "the token reply has no refresh_token; check that the app has the refresh_token grant in App Management",
                )
                .with_correlation_id(reply.correlation_id.clone())
            })?;
        let keep = |f: fn(&TokenRecord) -> Option<String>| previous.and_then(f);
        Ok(TokenRecord {
            access_token: Some(reply.access_token),
            access_token_expires_at: Some(now.saturating_add(reply.expires_in)),
            expires_in: Some(reply.expires_in),
            refresh_token,
            refresh_token_expires_at: reply
                .refresh_expires_at
                .or_else(|| previous.and_then(|p| p.refresh_token_expires_at)),
            geolocation: Some(reply.geolocation),
            id_token: reply
                .id_token
                .or_else(|| previous.and_then(|p| p.id_token.clone())),
            scope: reply.scope.or_else(|| keep(|p| p.scope.clone())),
            token_type: reply.token_type.or_else(|| keep(|p| p.token_type.clone())),
            company_uuid: company_uuid
                .map(str::to_owned)
                .or_else(|| keep(|p| p.company_uuid.clone())),
            revision: previous.map_or(0, |p| p.revision),
            client_id: keep(|p| p.client_id.clone()),
            extra: previous.map(|p| p.extra.clone()).unwrap_or_default(),
        })
    }

    /// Whether the refresh token's own expiry has passed (unknown counts as alive:
    /// the server will say).
    pub fn refresh_token_expired(&self, now: i64) -> bool {
        self.refresh_token_expires_at.is_some_and(|at| at <= now)
    }

    /// Whole days until the refresh token expires, rounded to the nearest day:
    /// a token issued for 180 days reads 180 for its first half day, rather
    /// than 179 from its second second on. `None` when the expiry is unknown.
    pub fn refresh_token_days_left(&self, now: i64) -> Option<i64> {
        self.refresh_token_expires_at
            .map(|at| (at - now + 43_200).div_euclid(86_400))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the tutorial's RefreshTokenManagement.js writes: the raw reply (here
    /// with `expires_in` as the documented string) plus `companyUUID`.
    const TUTORIAL_FILE: &str = r#"{"expires_in":"3600","scope":"openid user.read","token_type":"Bearer",
      "access_token":"acc-1","refresh_token":"ref-1","refresh_expires_in":1790000000,
      "geolocation":"https://us.api.concursolutions.com","id_token":"a.b.c",
      "companyUUID":"uuid-1","somethingNew":{"x":1}}"#;

    #[test]
    fn reads_a_tutorial_file_unchanged() {
        let record = TokenRecord::from_json(TUTORIAL_FILE.as_bytes()).unwrap();
        assert_eq!(record.refresh_token.expose(), "ref-1");
        assert_eq!(record.expires_in, Some(3600));
        assert_eq!(record.refresh_token_expires_at, Some(1_790_000_000));
        assert_eq!(record.access_token_expires_at, None);
        assert_eq!(record.revision, 0);
        assert_eq!(record.extra["somethingNew"]["x"], 1);
    }

    #[test]
    fn round_trips_and_keeps_the_tutorial_check_true() {
        let mut record = TokenRecord::from_json(TUTORIAL_FILE.as_bytes()).unwrap();
        record.revision = 7;
        record.access_token_expires_at = Some(1_700_000_000);
        let text = record.to_json();
        let again = TokenRecord::from_json(text.as_bytes()).unwrap();
        assert_eq!(again, record);
        // The tutorial script's own check: refresh_expires_in * 1000 > Date.now().
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(value["refresh_expires_in"].as_i64().unwrap() * 1000 > 1_600_000_000_000);
        assert_eq!(value["companyUUID"], "uuid-1");
    }

    #[test]
    fn missing_refresh_token_is_an_error() {
        let err = TokenRecord::from_json(br#"{"access_token":"x"}"#).unwrap_err();
        assert!(err.contains("refresh_token"));
    }

    #[test]
    fn leeway_is_capped_at_half_the_lifetime() {
        let record = TokenRecord {
            access_token: Some(Secret::new("a")),
            access_token_expires_at: Some(1000),
            expires_in: Some(4),
            ..Default::default()
        };
        assert_eq!(record.access_token_fresh_until(300).unwrap().1, 998);
        let long = TokenRecord {
            expires_in: Some(3600),
            ..record
        };
        assert_eq!(long.access_token_fresh_until(300).unwrap().1, 700);
    }

    #[test]
    fn hard_expiry_is_at_the_margin_and_never_before_stale() {
        let record = TokenRecord {
            access_token: Some(Secret::new("a")),
            access_token_expires_at: Some(10_000),
            expires_in: Some(3600),
            ..Default::default()
        };
        let (_, times) = record.access_token_times(300, 30).unwrap();
        assert_eq!((times.stale_at, times.hard_at), (9_700, 9_970));
        let short = TokenRecord {
            expires_in: Some(40),
            ..record
        };
        let (_, times) = short.access_token_times(300, 30).unwrap();
        assert_eq!((times.stale_at, times.hard_at), (9_980, 9_980));
    }

    #[test]
    fn debug_hides_tokens() {
        let record = TokenRecord::from_json(TUTORIAL_FILE.as_bytes()).unwrap();
        let shown = format!("{record:?}");
        assert!(!shown.contains("acc-1") && !shown.contains("ref-1") && !shown.contains("a.b.c"));
    }
}
