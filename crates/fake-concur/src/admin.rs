//! The `/_admin/*` API: the library's control methods over HTTP, for tests in
//! other languages that run the binary. No auth, not counted, never faulted.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::faults::FaultSpec;
use crate::fixtures::{CredentialsSpec, TokenFileSpec};
use crate::state::{lock, Shared};

pub(crate) fn bad_request(message: impl Into<String>) -> Response {
    let body = json!({"error": "bad_request", "error_description": message.into()});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn counters(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.counters.snapshot()).into_response()
}

async fn reset_counters(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.counters.reset();
    StatusCode::NO_CONTENT
}

async fn push_fault(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<FaultSpec>, JsonRejection>,
) -> Response {
    match body {
        Ok(Json(p)) => {
            lock(&shared.faults).push(p.endpoint, p.fault, p.count);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad_request(e.body_text()),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    lock(&shared.faults).clear();
    StatusCode::NO_CONTENT
}

async fn get_config(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.config()).into_response()
}

/// Applies a partial config object and answers with the whole new config.
async fn patch_config(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let patch = match body {
        Ok(Json(patch)) => patch,
        Err(e) => return bad_request(e.body_text()),
    };
    match shared.update_config(|cfg| cfg.apply_json_patch(&patch)) {
        Ok(()) => Json(shared.config()).into_response(),
        Err(message) => bad_request(message),
    }
}

async fn issue_refresh_token(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.issue(true)).into_response()
}

async fn request_token(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({"request_token": shared.mint_request_token()})).into_response()
}

async fn expire_access_tokens(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.expire_access_tokens();
    StatusCode::NO_CONTENT
}

async fn secrets(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.known_secrets()).into_response()
}

async fn revoked(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({"revoked": shared.revoked()})).into_response()
}

/// A JSON body that may be absent (no body means all defaults).
fn spec_or_default<T: Default + DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

fn file_text(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// The credentials file text; the caller saves it as `credentials.json`.
async fn credentials_fixture(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match spec_or_default::<CredentialsSpec>(&body) {
        Ok(spec) => file_text(shared.credentials_fixture(&spec)),
        Err(message) => bad_request(message),
    }
}

/// A token file text; the caller saves it as `refreshTokenObjectFile.json`.
async fn token_file_fixture(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match spec_or_default::<TokenFileSpec>(&body) {
        Ok(spec) => file_text(shared.token_file_fixture(&spec)),
        Err(message) => bad_request(message),
    }
}

/// The admin routes, to be merged into the server's router.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_admin/counters", get(counters))
        .route("/_admin/reset-counters", post(reset_counters))
        .route("/_admin/faults", post(push_fault).delete(clear_faults))
        .route("/_admin/config", get(get_config).post(patch_config))
        .route("/_admin/issue-refresh-token", post(issue_refresh_token))
        .route("/_admin/request-token", post(request_token))
        .route("/_admin/expire-access-tokens", post(expire_access_tokens))
        .route("/_admin/secrets", get(secrets))
        .route("/_admin/revoked", get(revoked))
        .route("/_admin/fixtures/credentials", post(credentials_fixture))
        .route("/_admin/fixtures/token-file", post(token_file_fixture))
}
