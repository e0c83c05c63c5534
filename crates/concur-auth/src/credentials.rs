//! The app and company credentials an admin copies out of Concur.
//!
//! Three sources, one type: the tutorials' `credentials.json` (read as the Node
//! scripts write it), environment variables, or values passed in. The client id
//! and secret are needed for every grant; the company UUID and request token only
//! for the one-time exchange, so they are checked when the exchange runs.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Environment variable names read by [`Credentials::from_env`].
pub mod env {
    /// The app's client id.
    pub const CLIENT_ID: &str = "CONCUR_CLIENT_ID";
    /// The app's client secret.
    pub const CLIENT_SECRET: &str = "CONCUR_CLIENT_SECRET";
    /// The company UUID from the Company Request Token screen.
    pub const COMPANY_UUID: &str = "CONCUR_COMPANY_UUID";
    /// The company request token (24 h, single use).
    pub const REQUEST_TOKEN: &str = "CONCUR_REQUEST_TOKEN";
}

/// Where an admin finds each value, appended to "missing field" errors.
const WHERE_CLIENT_ID: &str =
    "an admin finds it in Concur's OAuth 2.0 Application Management, on the app's page";
const WHERE_CLIENT_SECRET: &str =
    "it is shown once when the app is created in OAuth 2.0 Application Management";
const WHERE_COMPANY: &str = "an admin generates it in Authentication Admin → Company Request Token (valid 24 hours, usable once)";

/// Client credentials plus, for the first exchange, the company's request token.
#[derive(Clone, Debug)]
pub struct Credentials {
    client_id: String,
    client_secret: Secret,
    company_uuid: Option<String>,
    request_token: Option<Secret>,
}

/// `credentials.json` exactly as the SAP tutorial scripts read and write it.
#[derive(Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct TutorialCredentialsFile {
    #[serde(rename = "appID", default)]
    app_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default = "password_grant")]
    grant_type: String,
    #[serde(rename = "companyUUID", default)]
    company_uuid: String,
    #[serde(default)]
    company_request_token: String,
    #[serde(default = "authtoken")]
    credential_type: String,
}

fn password_grant() -> String {
    "password".into()
}

fn authtoken() -> String {
    "authtoken".into()
}

impl Credentials {
    /// Credentials passed in directly. The client id and secret must not be empty.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Result<Self> {
        let creds = Credentials {
            client_id: client_id.into().trim().to_owned(),
            client_secret: client_secret.into(),
            company_uuid: None,
            request_token: None,
        };
        creds.check_client_fields("client id", "client secret")?;
        Ok(creds)
    }

    /// Adds the company UUID and request token used by the one-time exchange.
    pub fn with_company(
        mut self,
        company_uuid: impl Into<String>,
        request_token: impl Into<Secret>,
    ) -> Self {
        self.company_uuid = non_blank(company_uuid.into());
        self.request_token = Some(request_token.into()).filter(|t| !t.is_blank());
        self
    }

    /// Reads the tutorials' `credentials.json`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => Error::config(format!(
                "credentials file {} not found: run `concur-auth init` to write a template, then fill it in",
                path.display()
            )),
            _ => Error::config(format!(
                "could not read credentials file {}: {err}",
                path.display()
            )),
        })?;
        warn_if_readable_by_others(path);
        Self::from_json(&text).map_err(|err| {
            Error::config(format!(
                "credentials file {}: {}",
                path.display(),
                err.message()
            ))
        })
    }

    /// Parses the text of a tutorial `credentials.json`.
    /// A UTF-8 byte-order mark (Notepad writes one) is accepted.
    pub fn from_json(text: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let file: TutorialCredentialsFile = serde_json::from_str(text).map_err(|err| {
            // serde_json can quote the offending value, which may be a secret: keep
            // only the position and the category.
            Error::config(format!(
                "is not valid credentials JSON ({:?} error at line {}, column {}); expected the fields appID, clientSecret, companyUUID, companyRequestToken",
                err.classify(),
                err.line(),
                err.column()
            ))
        })?;
        if !file.credential_type.is_empty() && file.credential_type != "authtoken" {
            return Err(Error::config(format!(
                "credentialType must be \"authtoken\" (found \"{}\")",
                file.credential_type
            )));
        }
        let creds = Credentials {
            client_id: file.app_id.trim().to_owned(),
            client_secret: Secret::new(file.client_secret.trim()),
            company_uuid: non_blank(file.company_uuid),
            request_token: Some(Secret::new(file.company_request_token.trim()))
                .filter(|t| !t.is_blank()),
        };
        creds.check_client_fields("appID", "clientSecret")?;
        Ok(creds)
    }

    /// Reads `CONCUR_CLIENT_ID`, `CONCUR_CLIENT_SECRET` and, when set,
    /// `CONCUR_COMPANY_UUID` and `CONCUR_REQUEST_TOKEN`.
    pub fn from_env() -> Result<Self> {
        let get = |name: &str| std::env::var(name).unwrap_or_default();
        let creds = Credentials {
            client_id: get(env::CLIENT_ID).trim().to_owned(),
            client_secret: Secret::new(get(env::CLIENT_SECRET).trim()),
            company_uuid: non_blank(get(env::COMPANY_UUID)),
            request_token: Some(Secret::new(get(env::REQUEST_TOKEN).trim()))
                .filter(|t| !t.is_blank()),
        };
        creds.check_client_fields(env::CLIENT_ID, env::CLIENT_SECRET)?;
        Ok(creds)
    }

    /// The text of an empty `credentials.json` in the tutorials' format.
    pub fn template_json() -> String {
        let template = TutorialCredentialsFile {
            grant_type: password_grant(),
            credential_type: authtoken(),
            ..Default::default()
        };
        serde_json::to_string_pretty(&template).expect("template serialises") + "\n"
    }

    /// The app's client id (not a secret; it appears in Concur's admin UI).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The app's client secret.
    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// The company UUID, when given.
    pub fn company_uuid(&self) -> Option<&str> {
        self.company_uuid.as_deref()
    }

    /// The company UUID and request token, or an error naming what is missing.
    /// Called by the exchange, the only step that needs them.
    pub fn company_request(&self) -> Result<(&str, &Secret)> {
        let uuid = self.company_uuid.as_deref().ok_or_else(|| {
            Error::config(format!(
                "companyUUID ({}) is missing or empty: {WHERE_COMPANY}",
                env::COMPANY_UUID
            ))
        })?;
        let token = self.request_token.as_ref().ok_or_else(|| {
            Error::config(format!(
                "companyRequestToken ({}) is missing or empty: {WHERE_COMPANY}",
                env::REQUEST_TOKEN
            ))
        })?;
        Ok((uuid, token))
    }

    fn check_client_fields(&self, id_name: &str, secret_name: &str) -> Result<()> {
        if self.client_id.is_empty() {
            return Err(Error::config(format!(
                "{id_name} is missing or empty: {WHERE_CLIENT_ID}"
            )));
        }
        if self.client_secret.is_blank() {
            return Err(Error::config(format!(
                "{secret_name} is missing or empty: {WHERE_CLIENT_SECRET}"
            )));
        }
        Ok(())
    }
}

fn non_blank(value: String) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A credentials file others can read exposes the client secret: say so once.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    "credentials file is readable by other users; run `chmod 600` on it"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TUTORIAL: &str = r#"{ "appID": "app-1", "clientSecret": "sec-XYZ", "grantType": "password",
        "companyUUID": "uuid-1", "companyRequestToken": "req-ABC", "credentialType": "authtoken" }"#;

    #[test]
    fn reads_the_tutorial_file() {
        let creds = Credentials::from_json(TUTORIAL).unwrap();
        assert_eq!(creds.client_id(), "app-1");
        assert_eq!(creds.client_secret().expose(), "sec-XYZ");
        let (uuid, token) = creds.company_request().unwrap();
        assert_eq!((uuid, token.expose()), ("uuid-1", "req-ABC"));
    }

    #[test]
    fn debug_hides_secrets() {
        let creds = Credentials::from_json(TUTORIAL).unwrap();
        let shown = format!("{creds:?}");
        assert!(
            !shown.contains("sec-XYZ") && !shown.contains("req-ABC"),
            "{shown}"
        );
    }

    #[test]
    fn empty_field_names_the_field_and_where_to_get_it() {
        let err = Credentials::from_json(&Credentials::template_json()).unwrap_err();
        assert_eq!(err.code(), "config");
        assert!(err.message().contains("appID"), "{err}");
        assert!(err.message().contains("Application Management"), "{err}");

        let no_secret = r#"{"appID":"a","clientSecret":""}"#;
        let err = Credentials::from_json(no_secret).unwrap_err();
        assert!(err.message().contains("clientSecret"), "{err}");
    }

    #[test]
    fn company_fields_are_checked_only_for_the_exchange() {
        let creds = Credentials::from_json(r#"{"appID":"a","clientSecret":"s"}"#).unwrap();
        let err = creds.company_request().unwrap_err();
        assert!(err.message().contains("companyUUID"), "{err}");
        assert!(err.message().contains("Company Request Token"), "{err}");
    }

    #[test]
    fn a_notepad_file_with_a_byte_order_mark_and_crlf_is_read() {
        let text = format!("\u{feff}{}", TUTORIAL.replace('\n', "\r\n"));
        let creds = Credentials::from_json(&text).unwrap();
        assert_eq!(
            creds.client_id(),
            Credentials::from_json(TUTORIAL).unwrap().client_id()
        );
    }

    #[test]
    fn malformed_json_does_not_quote_values() {
        let err =
            Credentials::from_json(r#"{"appID": 12345678, "clientSecret": "x"}"#).unwrap_err();
        assert!(!err.message().contains("12345678"), "{err}");
        assert!(err.message().contains("line 1"), "{err}");
    }

    #[test]
    fn template_is_the_tutorial_shape() {
        let value: serde_json::Value = serde_json::from_str(&Credentials::template_json()).unwrap();
        for field in [
            "appID",
            "clientSecret",
            "grantType",
            "companyUUID",
            "companyRequestToken",
            "credentialType",
        ] {
            assert!(value.get(field).is_some(), "{field}");
        }
        assert_eq!(value["grantType"], "password");
        assert_eq!(value["credentialType"], "authtoken");
    }
}
