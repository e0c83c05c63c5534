//! `POST /oauth2/v0/token`: client authentication, then the password,
//! refresh_token and client_credentials grants, with Concur's error codes
//! (see PROTOCOL.md).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::errors::concur_error;
use crate::random;
use crate::state::{server_now, IssuedTokens, Shared, SCOPE};

pub(crate) const TOKEN_PATH: &str = "/oauth2/v0/token";

/// Decodes an `application/x-www-form-urlencoded` body. Hand-rolled because the
/// handler must see malformed and partial forms (to answer with Concur's codes)
/// instead of axum's generic rejection.
pub(crate) fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let key = percent_decode(it.next().unwrap_or_default());
            let value = percent_decode(it.next().unwrap_or_default());
            (key, value)
        })
        .collect()
}

fn percent_decode(s: &[u8]) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => match (hex(s[i + 1]), hex(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first non-empty value of `name`: Concur treats an empty field as missing.
fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// The `id_token`: an unsigned JWT whose `sub` is the company UUID.
fn id_token(shared: &Shared, company_uuid: &str, client_id: &str, ttl: u64) -> String {
    let now = server_now(&shared.config());
    random::fake_jwt(&json!({
        "sub": company_uuid,
        "iss": shared.base_url,
        "aud": client_id,
        "iat": now,
        "exp": now + ttl,
        "concur.type": "company",
        "concur.version": 3,
    }))
}

/// The 200 reply. `refresh_token`, `refresh_expires_in` and `id_token` are left
/// out for client_credentials (an empty `refresh_token`).
fn token_reply(
    tokens: &IssuedTokens,
    expires_as_string: bool,
    id_token: Option<String>,
) -> Response {
    let mut body = Map::new();
    body.insert("access_token".into(), tokens.access_token.clone().into());
    body.insert(
        "expires_in".into(),
        if expires_as_string {
            Value::String(tokens.expires_in.to_string())
        } else {
            tokens.expires_in.into()
        },
    );
    if !tokens.refresh_token.is_empty() {
        body.insert("refresh_token".into(), tokens.refresh_token.clone().into());
        body.insert(
            "refresh_expires_in".into(),
            tokens.refresh_expires_in.into(),
        );
    }
    body.insert("geolocation".into(), tokens.geolocation.clone().into());
    if let Some(id_token) = id_token {
        body.insert("id_token".into(), id_token.into());
    }
    body.insert("scope".into(), SCOPE.into());
    body.insert("token_type".into(), "Bearer".into());
    Json(Value::Object(body)).into_response()
}

/// The token endpoint. Order of checks: client id, client secret, grant type,
/// data center, then the grant's own fields, so each mistake gets its own code.
pub(crate) async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form = parse_form(&body);
    let cfg = shared.config();
    let geo = shared.geolocation();
    let bad = |code: i64, error: &str, description: &str| {
        concur_error(400, code, error, description, &geo)
    };

    let Some(client_id) = field(&form, "client_id") else {
        return bad(62, "invalid_request", "client_id is missing");
    };
    if client_id != cfg.client_id {
        return bad(61, "invalid_client", "client not found");
    }
    let Some(client_secret) = field(&form, "client_secret") else {
        return bad(63, "invalid_request", "client_secret is missing");
    };
    if client_secret != cfg.client_secret {
        return concur_error(401, 19, "invalid_client", "incorrect credentials", &geo);
    }
    let Some(grant_type) = field(&form, "grant_type") else {
        return bad(65, "invalid_request", "grant_type is missing");
    };
    if let Some(elsewhere) = &cfg.wrong_datacenter {
        return concur_error(
            400,
            16,
            "invalid_request",
            "user lives elsewhere",
            elsewhere,
        );
    }

    match grant_type {
        "password" => {
            let Some(username) = field(&form, "username") else {
                return bad(51, "invalid_request", "username is missing");
            };
            let Some(password) = field(&form, "password") else {
                return bad(52, "invalid_request", "password is missing");
            };
            if field(&form, "credtype") != Some("authtoken") {
                return bad(120, "invalid_request", "credtype is invalid");
            }
            if username != cfg.company_uuid || shared.consume_request_token(password).is_err() {
                return bad(5, "invalid_grant", "incorrect credentials");
            }
            let tokens = shared.issue(true);
            let id = id_token(
                &shared,
                &cfg.company_uuid,
                &cfg.client_id,
                cfg.access_token_ttl_secs,
            );
            token_reply(&tokens, cfg.expires_in_as_string, Some(id))
        }
        "refresh_token" => {
            let Some(refresh_token) = field(&form, "refresh_token") else {
                return bad(106, "invalid_request", "refresh_token is missing");
            };
            match shared.refresh(refresh_token) {
                Some(tokens) => {
                    let id = id_token(
                        &shared,
                        &cfg.company_uuid,
                        &cfg.client_id,
                        cfg.access_token_ttl_secs,
                    );
                    token_reply(&tokens, cfg.expires_in_as_string, Some(id))
                }
                None => bad(108, "invalid_grant", "invalid refresh token"),
            }
        }
        "client_credentials" => {
            let tokens = shared.issue(false);
            token_reply(&tokens, cfg.expires_in_as_string, None)
        }
        _ => bad(65, "unsupported_grant_type", "grant_type is not supported"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let form = parse_form(b"a=1&b=x+y%2Bz&c=&d&e=%zz%4");
        assert_eq!(
            form,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y+z".into()),
                ("c".into(), "".into()),
                ("d".into(), "".into()),
                ("e".into(), "%zz%4".into()),
            ]
        );
        assert_eq!(field(&form, "c"), None);
        assert_eq!(field(&form, "b"), Some("x y+z"));
    }
}
