//! The token endpoint and nothing else: the form for each grant, the reply or
//! error parsed into typed values, and one HTTP call (following Concur's
//! "user lives elsewhere" answer once). Retrying is the manager's business.

use reqwest::Url;

use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, Result};
use crate::hosts::HostPolicy;
use crate::http::{Http, Reply};
use crate::json_fields::{self, Object};
use crate::retry;
use crate::secret::Secret;

/// Path of the token endpoint under a base URL or geolocation.
pub const TOKEN_PATH: &str = "/oauth2/v0/token";

/// The grants this library sends.
#[derive(Clone, Copy, Debug)]
pub enum Grant<'a> {
    /// The one-time exchange of a company request token (password grant,
    /// `credtype=authtoken`).
    RequestToken {
        /// The company UUID (`username`).
        company_uuid: &'a str,
        /// The company request token (`password`).
        request_token: &'a Secret,
    },
    /// Refresh token → access token (and maybe a rotated refresh token).
    RefreshToken {
        /// The stored refresh token.
        refresh_token: &'a Secret,
        /// An optional narrower scope.
        scope: Option<&'a str>,
    },
    /// App-only token, no refresh token.
    ClientCredentials,
}

impl Grant<'_> {
    fn name(&self) -> &'static str {
        match self {
            Grant::RequestToken { .. } => "password",
            Grant::RefreshToken { .. } => "refresh_token",
            Grant::ClientCredentials => "client_credentials",
        }
    }
}

/// The form body for `grant` (PROTOCOL.md, "Token endpoint").
pub fn form_fields<'a>(
    credentials: &'a Credentials,
    grant: &Grant<'a>,
) -> Vec<(&'static str, &'a str)> {
    let mut form = vec![
        ("client_id", credentials.client_id()),
        ("client_secret", credentials.client_secret().expose()),
        ("grant_type", grant.name()),
    ];
    match *grant {
        Grant::RequestToken {
            company_uuid,
            request_token,
        } => {
            form.push(("username", company_uuid));
            form.push(("password", request_token.expose()));
            form.push(("credtype", "authtoken"));
        }
        Grant::RefreshToken {
            refresh_token,
            scope,
        } => {
            form.push(("refresh_token", refresh_token.expose()));
            if let Some(scope) = scope {
                form.push(("scope", scope));
            }
        }
        Grant::ClientCredentials => {}
    }
    form
}

/// A successful token reply.
#[derive(Clone, Debug)]
pub struct TokenReply {
    /// The bearer token.
    pub access_token: Secret,
    /// Its lifetime in seconds.
    pub expires_in: i64,
    /// The refresh token: new, rotated, or the same as before.
    pub refresh_token: Option<Secret>,
    /// Absolute Unix time when the refresh token expires.
    pub refresh_expires_at: Option<i64>,
    /// The data center to use from now on (already checked and normalised).
    pub geolocation: String,
    /// The OpenID id token.
    pub id_token: Option<Secret>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// `Bearer`.
    pub token_type: Option<String>,
    /// The reply's correlation id.
    pub correlation_id: Option<String>,
    /// The reply named a geolocation the host policy refuses: `geolocation`
    /// then is where the request went, and this error is reported once the
    /// tokens are saved (Concur has already retired the old refresh token).
    pub refused_geolocation: Option<Error>,
}

/// The longest access-token lifetime believed from the wire: Concur's is an
/// hour; a larger `expires_in` (up to `"1e300"`) is read as a day, never as an
/// overflow.
pub const MAX_EXPIRES_IN: i64 = 86_400;

/// Sends `grant` to the token endpoint at `origin`. When Concur answers code 16
/// ("user lives elsewhere") with another geolocation, that allowed host is tried
/// once. The returned geolocation has passed the host policy.
pub(crate) async fn request_token(
    http: &Http,
    policy: &HostPolicy,
    origin: &Url,
    credentials: &Credentials,
    grant: Grant<'_>,
) -> Result<TokenReply> {
    let mut origin = origin.clone();
    for hop in 0..2 {
        let url = policy.request_url(&origin, TOKEN_PATH)?;
        tracing::debug!(grant = grant.name(), url = %url, "token request");
        let request = http
            .client()
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(crate::http::wiped_form(&form_fields(credentials, &grant)));
        let reply = http
            .send(request, "token request", http.options.max_token_body)
            .await?;
        match parse_reply(&reply, &grant, policy, &origin) {
            Err(Redirect(geolocation)) if hop == 0 => {
                let next = policy.check_geolocation(&geolocation)?;
                tracing::info!(geolocation = %next, "Concur says the company lives in another data center; retrying there");
                origin = next;
            }
            Err(Redirect(_)) => {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    "Concur redirected the token request to another data center twice; set the base URL to the company's data center",
                )
                .with_concur_code(Some(16))
                .with_correlation_id(reply.correlation_id))
            }
            Ok(result) => return result,
        }
    }
    unreachable!("the loop returns on its second hop")
}

/// Path that revokes every refresh token of the app for the principal.
pub const REVOKE_PATH: &str = "/app-mgmt/v0/connections";

/// `DELETE {origin}/app-mgmt/v0/connections` with `access_token` (PROTOCOL.md,
/// "Other endpoints"). Transient failures are retried within the default budget.
pub(crate) async fn revoke(
    http: &Http,
    policy: &HostPolicy,
    origin: &Url,
    access_token: &Secret,
) -> Result<()> {
    let url = policy.request_url(origin, REVOKE_PATH)?;
    let policy = crate::RetryPolicy::default();
    let mut backoff = retry::Backoff::start(&policy);
    loop {
        let request = http
            .client()
            .delete(url.clone())
            .bearer_auth(access_token.expose());
        let outcome = http
            .send(request, "revoke", http.options.max_api_body)
            .await
            .and_then(|reply| {
                if (200..300).contains(&reply.status) {
                    return Ok(());
                }
                let kind = if reply.status == 429 || reply.status >= 500 {
                    ErrorKind::Server
                } else {
                    ErrorKind::Api
                };
                Err(
                    Error::new(kind, format!("revoke failed with HTTP {}", reply.status))
                        .with_http_status(reply.status)
                        .with_correlation_id(reply.correlation_id.clone())
                        .with_retry_after(retry::retry_after(&reply.headers)),
                )
            });
        match outcome {
            Err(err) if err.is_transient() => backoff.wait_or_give_up(err, "revoke").await?,
            other => return other,
        }
    }
}

/// Parses a token-endpoint reply received by other means (your own HTTP stack,
/// a recorded reply, a fuzzer): `status`, `content_type` and `body` as received,
/// geolocations checked against `policy`. Code 16 comes back as an `Auth` error
/// naming Concur's code; following it is [`TokenManager`](crate::TokenManager)'s job.
pub fn parse_token_reply(
    status: u16,
    content_type: &str,
    body: &[u8],
    policy: &HostPolicy,
) -> Result<TokenReply> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(value) = reqwest::header::HeaderValue::from_str(content_type) {
        headers.insert(reqwest::header::CONTENT_TYPE, value);
    }
    let reply = Reply {
        status,
        headers,
        body: zeroize::Zeroizing::new(body.to_vec()),
        correlation_id: None,
    };
    let grant = Grant::ClientCredentials;
    match parse_reply(&reply, &grant, policy, policy.base()) {
        Ok(result) => result,
        Err(Redirect(_)) => Err(Error::new(
            ErrorKind::Auth,
            "Concur says the company lives in another data center (code 16)",
        )
        .with_concur_code(Some(16))
        .with_http_status(status)),
    }
}

/// Code 16 with the geolocation to follow.
struct Redirect(String);

/// Parses a token-endpoint reply. `Err(Redirect)` only for code 16.
fn parse_reply(
    reply: &Reply,
    grant: &Grant<'_>,
    policy: &HostPolicy,
    origin: &Url,
) -> Result<Result<TokenReply>, Redirect> {
    let attach = |err: Error| {
        err.with_http_status(reply.status)
            .with_correlation_id(reply.correlation_id.clone())
    };
    if reply.status == 429 || reply.status >= 500 {
        let mut err = attach(Error::new(
            ErrorKind::Server,
            format!(
                "the Concur token endpoint answered HTTP {}; it is overloaded or down, try again later",
                reply.status
            ),
        ))
        .with_retry_after(retry::retry_after(&reply.headers));
        if let Ok(obj) = json_fields::parse_object(&reply.body) {
            if let Ok(Some(code)) = json_fields::integer(&obj, "code") {
                err = err.with_concur_code(Some(code));
            }
        }
        return Ok(Err(err));
    }
    let obj = match json_fields::parse_object(&reply.body) {
        Ok(obj) => obj,
        Err(reason) => {
            let shape = if reply.content_type().contains("html") {
                "an HTML page".to_owned()
            } else {
                format!("a body that {reason}")
            };
            return Ok(Err(attach(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the Concur token endpoint answered HTTP {} with {shape} ({}), not the documented JSON; a proxy may be in the way, or the base URL is wrong",
                    reply.status,
                    if reply.content_type().is_empty() { "no content type" } else { reply.content_type() }
                ),
            ))));
        }
    };
    if !(200..300).contains(&reply.status) {
        let code = json_fields::integer(&obj, "code").ok().flatten();
        if code == Some(16) {
            if let Some(geolocation) = json_fields::string(&obj, "geolocation") {
                return Err(Redirect(geolocation));
            }
        }
        return Ok(Err(attach(concur_error(code, &obj, grant))));
    }
    Ok(parse_success(&obj, policy, origin).map_err(attach))
}

fn parse_success(obj: &Object, policy: &HostPolicy, origin: &Url) -> Result<TokenReply> {
    let invalid = |reason: String| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!("the Concur token reply is not usable: {reason}"),
        )
    };
    let access_token = json_fields::string(obj, "access_token")
        .ok_or_else(|| invalid("field access_token is missing or empty".into()))?;
    let expires_in = json_fields::integer(obj, "expires_in")
        .map_err(invalid)?
        .filter(|secs| *secs > 0)
        .ok_or_else(|| invalid("field expires_in is missing or not positive".into()))?
        .min(MAX_EXPIRES_IN);
    // A refused geolocation must not throw the tokens away: a rotated refresh
    // token exists only in this reply.
    let (geolocation, refused_geolocation) = match json_fields::string(obj, "geolocation") {
        Some(geo) => match policy.check_geolocation(&geo) {
            Ok(url) => (url, None),
            Err(err) => (origin.clone(), Some(err)),
        },
        None => (origin.clone(), None),
    };
    Ok(TokenReply {
        access_token: Secret::new(access_token),
        expires_in,
        refresh_token: json_fields::string(obj, "refresh_token").map(Secret::new),
        refresh_expires_at: json_fields::integer(obj, "refresh_expires_in").map_err(invalid)?,
        geolocation: geolocation.as_str().trim_end_matches('/').to_owned(),
        id_token: json_fields::string(obj, "id_token").map(Secret::new),
        scope: json_fields::string(obj, "scope"),
        token_type: json_fields::string(obj, "token_type"),
        correlation_id: None,
        refused_geolocation,
    })
}

/// Concur's documented error codes (PROTOCOL.md, "Errors") as typed errors that
/// say what to do.
fn concur_error(code: Option<i64>, obj: &Object, grant: &Grant<'_>) -> Error {
    let error = json_fields::string(obj, "error").unwrap_or_else(|| "unknown_error".into());
    let description = json_fields::string(obj, "error_description").unwrap_or_default();
    let said = if description.is_empty() {
        error.clone()
    } else {
        format!("{error}: {description}")
    };
    let refresh = matches!(grant, Grant::RefreshToken { .. });
    let exchange = matches!(grant, Grant::RequestToken { .. });
    let (kind, advice) = match code {
        Some(108) => (ErrorKind::RefreshTokenExpired, NEW_REQUEST_TOKEN),
        Some(5) if exchange => (
            ErrorKind::Auth,
            "the company UUID or company request token is wrong, already used or older than 24 hours: generate a new one in Authentication Admin → Company Request Token",
        ),
        Some(5) if refresh => (ErrorKind::RefreshTokenExpired, NEW_REQUEST_TOKEN),
        Some(5 | 19 | 64) => (
            ErrorKind::Auth,
            "Concur rejected the client id or client secret: check them against OAuth 2.0 Application Management",
        ),
        Some(10..=14 | 20) => (
            ErrorKind::Auth,
            "the account is disabled, locked or denied logon (possibly by an IP restriction): ask a Concur administrator",
        ),
        Some(53) => (
            ErrorKind::Auth,
            "the company is not enabled for this app: ask a Concur administrator to connect the app",
        ),
        Some(59 | 61) => (
            ErrorKind::Auth,
            "the app is disabled or unknown to Concur: check the client id in OAuth 2.0 Application Management",
        ),
        Some(54) => (
            ErrorKind::Auth,
            "the requested scope exceeds what the app was granted: remove the scope option or grant it in App Management",
        ),
        Some(51 | 52 | 62 | 63 | 65 | 106) => (
            ErrorKind::Config,
            "a required field was not sent: check that no credentials field is empty",
        ),
        Some(107) => (
            ErrorKind::Auth,
            "refreshing is not allowed for this app: enable the refresh_token grant in OAuth 2.0 Application Management",
        ),
        Some(120) => (ErrorKind::Config, "credtype must be authtoken"),
        Some(134) => (
            ErrorKind::Server,
            "the company is under maintenance in Concur: try again later",
        ),
        Some(105) => (
            ErrorKind::Auth,
            "this grant was not issued to you: the refresh token belongs to another app (client id). Use the credentials of the app that ran the exchange; a new company request token will not help unless it is generated for this app",
        ),
        Some(136) => (
            ErrorKind::Auth,
            "the company request token was issued to another app: generate it for this app's client id in Authentication Admin",
        ),
        Some(139) => (
            ErrorKind::Auth,
            "the password must be changed in Concur before tokens can be issued",
        ),
        _ if refresh && error == "invalid_grant" => {
            (ErrorKind::RefreshTokenExpired, NEW_REQUEST_TOKEN)
        }
        _ if error == "invalid_client" => (
            ErrorKind::Auth,
            "Concur rejected the client id or client secret: check them against OAuth 2.0 Application Management",
        ),
        _ => (ErrorKind::Auth, "Concur refused the token request"),
    };
    Error::new(kind, format!("{advice} (Concur said {said})")).with_concur_code(code)
}

/// The one remedy for a dead refresh token.
pub(crate) const NEW_REQUEST_TOKEN: &str = "the refresh token is expired, revoked or unknown: generate a new company request token in Authentication Admin → Company Request Token and run the exchange again (`concur-auth exchange`)";

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("cid", "csecret")
            .unwrap()
            .with_company("uuid", "reqtok")
    }

    #[test]
    fn password_grant_form_matches_the_protocol() {
        let c = creds();
        let (uuid, token) = c.company_request().unwrap();
        let form = form_fields(
            &c,
            &Grant::RequestToken {
                company_uuid: uuid,
                request_token: token,
            },
        );
        assert_eq!(
            form,
            vec![
                ("client_id", "cid"),
                ("client_secret", "csecret"),
                ("grant_type", "password"),
                ("username", "uuid"),
                ("password", "reqtok"),
                ("credtype", "authtoken"),
            ]
        );
    }

    #[test]
    fn refresh_grant_form_has_optional_scope() {
        let c = creds();
        let rt = Secret::new("rt");
        let form = form_fields(
            &c,
            &Grant::RefreshToken {
                refresh_token: &rt,
                scope: Some("user.read"),
            },
        );
        assert!(form.contains(&("grant_type", "refresh_token")));
        assert!(form.contains(&("refresh_token", "rt")));
        assert!(form.contains(&("scope", "user.read")));
    }

    fn obj(text: &str) -> Object {
        json_fields::parse_object(text.as_bytes()).unwrap()
    }

    #[test]
    fn code_108_means_a_new_request_token() {
        let rt = Secret::new("rt");
        let grant = Grant::RefreshToken {
            refresh_token: &rt,
            scope: None,
        };
        let err = concur_error(
            Some(108),
            &obj(r#"{"error":"invalid_grant","error_description":"bad token"}"#),
            &grant,
        );
        assert_eq!(err.kind(), ErrorKind::RefreshTokenExpired);
        assert!(err.message().contains("Company Request Token"));
        assert_eq!(err.concur_code(), Some(108));
    }

    #[test]
    fn documented_codes_map_to_kinds() {
        let grant = Grant::ClientCredentials;
        let kind = |code| concur_error(Some(code), &obj("{}"), &grant).kind();
        assert_eq!(kind(19), ErrorKind::Auth);
        assert_eq!(kind(62), ErrorKind::Config);
        assert_eq!(kind(134), ErrorKind::Server);
        assert_eq!(kind(107), ErrorKind::Auth);
    }

    #[test]
    fn success_accepts_string_expires_in_and_normalises_geolocation() {
        let policy = HostPolicy::new("https://us2.api.concursolutions.com", &[]).unwrap();
        let origin = policy.base().clone();
        let reply = parse_success(
            &obj(r#"{"access_token":"a","expires_in":"3600","refresh_token":"r","refresh_expires_in":"1790000000","geolocation":"https://us2.api.concursolutions.com/x"}"#),
            &policy,
            &origin,
        )
        .unwrap();
        assert_eq!(reply.expires_in, 3600);
        assert_eq!(reply.refresh_expires_at, Some(1_790_000_000));
        assert_eq!(reply.geolocation, "https://us2.api.concursolutions.com");
    }

    #[test]
    fn success_with_foreign_geolocation_keeps_the_tokens_and_reports_the_refusal() {
        let policy = HostPolicy::new("https://us2.api.concursolutions.com", &[]).unwrap();
        let origin = policy.base().clone();
        let reply = parse_success(
            &obj(r#"{"access_token":"a","expires_in":3600,"refresh_token":"r","geolocation":"https://evil.example.com"}"#),
            &policy,
            &origin,
        )
        .unwrap();
        assert_eq!(reply.geolocation, "https://us2.api.concursolutions.com");
        assert_eq!(reply.refresh_token.unwrap().expose(), "r");
        let err = reply.refused_geolocation.unwrap();
        assert_eq!(err.kind(), ErrorKind::HostNotAllowed);
    }
}
