//! Concur's error reply shape, shared by the token endpoint, the API and the
//! `concur` fault, so every error a client sees is built the same way.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// `{"code", "error", "error_description", "geolocation"}` with `status`.
pub(crate) fn concur_error(
    status: u16,
    code: i64,
    error: &str,
    description: &str,
    geolocation: &str,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({
        "code": code,
        "error": error,
        "error_description": description,
        "geolocation": geolocation,
    });
    (status, Json(body)).into_response()
}
