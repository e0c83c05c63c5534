//! The bearer-protected API: Profile Identity v4 by id (the tutorials' example
//! call; the list is in `users.rs`) and the revoke endpoint.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::{AccessError, Shared};
use crate::users;

/// The bearer token of a request, if it sent one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// 401 with a JSON body and `WWW-Authenticate`, as RFC 6750 asks: a bare
/// `Bearer` challenge when no token was sent, `error="invalid_token"` otherwise.
fn unauthorized(description: &str, sent_token: bool) -> Response {
    let challenge = if sent_token {
        format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
    } else {
        "Bearer".to_string()
    };
    let body = json!({
        "code": 401,
        "error": "invalid_token",
        "error_description": description,
    });
    let mut response = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The 401 to send, or `None` when the request carries a live access token.
pub(crate) fn rejection(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let Some(token) = bearer(headers) else {
        return Some(unauthorized("missing bearer token", false));
    };
    match shared.check_access_token(token) {
        Ok(()) => None,
        Err(AccessError::Unknown) => Some(unauthorized("invalid access token", true)),
        Err(AccessError::Expired) => Some(unauthorized("access token expired", true)),
    }
}

/// `GET /profile/identity/v4/Users/{id}`: one of the list's users, or a SCIM 404.
pub(crate) async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(response) = rejection(&shared, &headers) {
        return response;
    }
    let cfg = shared.config();
    let Some(index) = users::find(&cfg, &id) else {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "404",
            "detail": format!("user {id} not found"),
        });
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    };
    Json(users::user_json(&cfg, &shared.base_url, index)).into_response()
}

/// `DELETE /app-mgmt/v0/connections`: revokes every token the server issued.
pub(crate) async fn revoke(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(response) = rejection(&shared, &headers) {
        return response;
    }
    shared.revoke_all();
    StatusCode::NO_CONTENT.into_response()
}

/// Anything else: a JSON 404, so clients never have to parse an empty body.
pub(crate) async fn not_found() -> Response {
    let body = json!({"error": "not_found", "error_description": "no such endpoint"});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }
}
