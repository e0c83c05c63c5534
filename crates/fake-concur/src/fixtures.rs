//! The files a client needs to talk to this server, written by the server
//! itself so that no test types the fake's client secret or hand-builds a token
//! file: the tutorials' `credentials.json`, and a `refreshTokenObjectFile.json`
//! holding a refresh token this server knows with a fresh, stale or expired
//! access token.
//!
//! Tests in Rust call [`crate::FakeConcur::credentials_fixture`] and
//! [`crate::FakeConcur::token_file_fixture`]; other languages `POST
//! /_admin/fixtures/credentials` and `/_admin/fixtures/token-file` and save the
//! reply, or run `fake-concur fixture credentials DIR` (see [`write_new_file`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::FakeConfig;
use crate::state::{unix_now, Shared};

/// The tutorials' credentials file name.
pub const CREDENTIALS_FILE: &str = "credentials.json";
/// The tutorials' token file name.
pub const TOKEN_FILE: &str = "refreshTokenObjectFile.json";

/// Seconds before expiry of a "stale" access token: inside the client's
/// default 300 s refresh leeway, outside its default 30 s hard margin.
pub const STALE_SECS_LEFT: u64 = 60;

/// Values to put in a credentials fixture instead of the server's own, e.g. a
/// wrong client secret. Every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsSpec {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub company_uuid: Option<String>,
    pub request_token: Option<String>,
    /// Mint a new valid request token for this file (the configured one may be
    /// used up already). Ignored when `request_token` is given.
    #[serde(default)]
    pub new_request_token: bool,
}

/// How close the stored access token is to its expiry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Its whole lifetime ahead: a client uses it without a token request.
    #[default]
    Fresh,
    /// [`STALE_SECS_LEFT`] seconds left (still valid at the server): a client
    /// refreshes it soon, and may serve it meanwhile.
    Stale,
    /// Expired ten seconds ago, for the client and for this server alike.
    Expired,
}

/// What a token-file fixture holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenFileSpec {
    #[serde(default)]
    pub state: Freshness,
    /// A refresh token this server never issued (as after an admin revoked the
    /// app, or a token from another company): every refresh grant fails.
    #[serde(default)]
    pub unknown_refresh_token: bool,
}

/// The tutorials' `credentials.json` text for `config`, with `spec`'s overrides.
pub fn credentials_json(config: &FakeConfig, spec: &CredentialsSpec) -> String {
    let pick = |over: &Option<String>, own: &String| over.clone().unwrap_or_else(|| own.clone());
    let body = json!({
        "appID": pick(&spec.client_id, &config.client_id),
        "clientSecret": pick(&spec.client_secret, &config.client_secret),
        "grantType": "password",
        "companyUUID": pick(&spec.company_uuid, &config.company_uuid),
        "companyRequestToken": pick(&spec.request_token, &config.request_token),
        "credentialType": "authtoken",
    });
    let mut text = serde_json::to_string_pretty(&body).expect("a JSON object");
    text.push('\n');
    text
}

impl Shared {
    /// The credentials text for this server (see [`CredentialsSpec`]).
    pub(crate) fn credentials_fixture(&self, spec: &CredentialsSpec) -> String {
        let mut spec = spec.clone();
        if spec.new_request_token && spec.request_token.is_none() {
            spec.request_token = Some(self.mint_request_token());
        }
        credentials_json(&self.config(), &spec)
    }

    /// A token file as a client of this server would have saved it after an
    /// exchange: the token reply plus `companyUUID` and the absolute
    /// `access_token_expires_at` the concur-auth core adds (see its token.rs).
    pub(crate) fn token_file_fixture(&self, spec: &TokenFileSpec) -> String {
        let issued = self.issue(true);
        let refresh_token = if spec.unknown_refresh_token {
            self.unknown_refresh_token()
        } else {
            issued.refresh_token
        };
        let now = unix_now();
        let expires_at = match spec.state {
            Freshness::Fresh => now + issued.expires_in,
            Freshness::Stale => now + STALE_SECS_LEFT.min(issued.expires_in),
            Freshness::Expired => {
                self.expire_access_token(&issued.access_token);
                now.saturating_sub(10)
            }
        };
        let body = json!({
            "access_token": issued.access_token,
            "expires_in": issued.expires_in,
            "refresh_token": refresh_token,
            "refresh_expires_in": issued.refresh_expires_in,
            "geolocation": issued.geolocation,
            "token_type": "Bearer",
            "companyUUID": self.config().company_uuid,
            "access_token_expires_at": expires_at,
        });
        let mut text = serde_json::to_string_pretty(&body).expect("a JSON object");
        text.push('\n');
        text
    }
}

/// Writes `text` to `dir/name`, readable by its owner only, and refuses to
/// replace an existing file: pointed at the wrong folder, a fixture must never
/// overwrite someone's real credentials or tokens.
pub fn write_new_file(dir: &Path, name: &str, text: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(|e| {
        let what = if e.kind() == std::io::ErrorKind::AlreadyExists {
            "already exists; remove it first or pick an empty folder".to_string()
        } else {
            e.to_string()
        };
        std::io::Error::new(
            e.kind(),
            format!("cannot create {}: {what}", path.display()),
        )
    })?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_take_overrides_and_keep_the_tutorial_keys() {
        let config = FakeConfig::default();
        let spec = CredentialsSpec {
            client_secret: Some("other".into()),
            ..Default::default()
        };
        let value: serde_json::Value =
            serde_json::from_str(&credentials_json(&config, &spec)).unwrap();
        assert_eq!(value["clientSecret"], "other");
        assert_eq!(value["appID"], config.client_id.as_str());
        assert_eq!(value["companyRequestToken"], config.request_token.as_str());
        assert_eq!(value["grantType"], "password");
    }

    #[test]
    fn write_new_file_is_private_and_never_overwrites() {
        let dir = std::env::temp_dir().join(format!("fake-concur-fixture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = write_new_file(&dir, "f.json", "one").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = write_new_file(&dir, "f.json", "two").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(err.to_string().contains("already exists"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
