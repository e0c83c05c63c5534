//! The switches of the fake server. Every field can be changed at runtime
//! ([`crate::FakeConcur::update_config`], `POST /_admin/config`) so one server can
//! walk a client through a whole scenario.

use serde::{Deserialize, Serialize};

/// Configuration of a [`crate::FakeConcur`]. `Debug` shows the secrets: this is a
/// test server and its values are meant to be seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FakeConfig {
    /// The one client (app) id the token endpoint knows.
    pub client_id: String,
    /// That client's secret.
    pub client_secret: String,
    /// The company UUID expected as `username` in the password grant (and the
    /// `sub` of the `id_token`).
    pub company_uuid: String,
    /// The valid company request token (the password grant's `password`).
    pub request_token: String,
    /// When true, a request token works for one exchange only, like Concur's.
    pub request_token_single_use: bool,
    /// Request tokens expire this long after they were issued (the configured one:
    /// after server start or after it was changed).
    pub request_token_ttl_secs: u64,
    /// Lifetime of access tokens (`expires_in`).
    pub access_token_ttl_secs: u64,
    /// Lifetime of refresh tokens; `refresh_expires_in` = now + this (absolute).
    pub refresh_token_ttl_secs: u64,
    /// When true, every refresh grant returns a new refresh token and kills the old one.
    pub rotate_refresh_tokens: bool,
    /// Send `expires_in` as the documented string (`"3600"`) instead of a number.
    pub expires_in_as_string: bool,
    /// The `geolocation` sent in every token reply; `None` means this server's
    /// own base URL, so clients that follow it stay here.
    pub geolocation: Option<String>,
    /// When set, every grant is answered with 400 code 16 ("user lives
    /// elsewhere") naming this URL as the geolocation.
    pub wrong_datacenter: Option<String>,
    /// Added before every non-admin reply.
    pub latency_ms: u64,
    /// The id of the first Profile v4 user (the one the tutorials fetch).
    pub user_id: String,
    /// How many users `GET /profile/identity/v4/Users` lists (generated on
    /// demand; the first has `user_id`). May change while a client pages.
    pub users: u64,
    /// How far the server's wall clock is off (seconds, may be negative): shifts
    /// the absolute times it sends (`refresh_expires_in`, JWT `iat`/`exp`), not
    /// how long tokens really live. Clients must not trust the server's clock.
    pub clock_offset_secs: i64,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            client_id: "fake-client-id".into(),
            client_secret: "fake-client-secret-7Qx9".into(),
            company_uuid: "11111111-2222-3333-4444-555555555555".into(),
            request_token: "fake-request-token-Zk42".into(),
            request_token_single_use: true,
            request_token_ttl_secs: 86_400,
            access_token_ttl_secs: 3_600,
            refresh_token_ttl_secs: 180 * 86_400,
            rotate_refresh_tokens: false,
            expires_in_as_string: false,
            geolocation: None,
            wrong_datacenter: None,
            latency_ms: 0,
            user_id: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee".into(),
            users: 1,
            clock_offset_secs: 0,
        }
    }
}

impl FakeConfig {
    /// Overwrites only the fields named in `patch` (a JSON object), so the admin
    /// API can flip one switch without restating the rest. Unknown field names
    /// are refused rather than ignored, to catch typos in other-language tests.
    pub(crate) fn apply_json_patch(&mut self, patch: &serde_json::Value) -> Result<(), String> {
        let serde_json::Value::Object(patch) = patch else {
            return Err("the config patch must be a JSON object".into());
        };
        let mut current = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
        let fields = current
            .as_object_mut()
            .ok_or_else(|| "config did not serialise to an object".to_string())?;
        for (key, value) in patch {
            if !fields.contains_key(key) {
                return Err(format!("unknown config field `{key}`"));
            }
            fields.insert(key.clone(), value.clone());
        }
        *self = serde_json::from_value(current).map_err(|e| e.to_string())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patch_changes_only_named_fields() {
        let mut cfg = FakeConfig::default();
        cfg.apply_json_patch(&json!({"access_token_ttl_secs": 2, "rotate_refresh_tokens": true}))
            .unwrap();
        assert_eq!(cfg.access_token_ttl_secs, 2);
        assert!(cfg.rotate_refresh_tokens);
        assert_eq!(cfg.client_id, "fake-client-id");
    }

    #[test]
    fn patch_can_clear_an_option_and_refuses_typos() {
        let mut cfg = FakeConfig {
            geolocation: Some("http://x".into()),
            ..FakeConfig::default()
        };
        cfg.apply_json_patch(&json!({"geolocation": null})).unwrap();
        assert_eq!(cfg.geolocation, None);
        assert!(cfg
            .apply_json_patch(&json!({"acess_token_ttl_secs": 1}))
            .is_err());
        assert!(cfg
            .apply_json_patch(&json!({"latency_ms": "slow"}))
            .is_err());
        assert!(cfg.apply_json_patch(&json!([1])).is_err());
    }
}
