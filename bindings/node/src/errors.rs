//! `concur_auth::Error` → a JavaScript error.
//!
//! The native layer throws (or rejects with) an `Error` whose message is a
//! marker followed by a JSON object: `code` (the core's stable code), `message`,
//! `display` (message plus the Concur details), `concurCode`, `httpStatus`,
//! `correlationId`. `index.js` turns it into the `ConcurAuthError` subclass of
//! that code. Nothing here adds text: the core's messages never hold a secret.

use napi::Status;

/// Prefix of every structured error message (`index.js` looks for it).
pub const MARKER: &str = "concur-auth-error:";

/// The structured JavaScript error for a core error.
pub fn to_napi(err: &concur_auth::Error) -> napi::Error {
    to_napi_with(err, serde_json::Value::Null)
}

/// The same, with `extra` fields (a JSON object) added to the payload.
pub fn to_napi_with(err: &concur_auth::Error, extra: serde_json::Value) -> napi::Error {
    let mut payload = serde_json::json!({
        "code": err.code(),
        "message": err.message(),
        "display": err.to_string(),
        "concurCode": err.concur_code(),
        "httpStatus": err.http_status(),
        "correlationId": err.correlation_id(),
    });
    if let (Some(payload), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        payload.extend(extra);
    }
    napi::Error::new(Status::GenericFailure, format!("{MARKER}{payload}"))
}

/// A core error of `kind` raised by the binding itself (bad arguments).
pub fn new(kind: concur_auth::ErrorKind, message: impl Into<String>) -> napi::Error {
    to_napi(&concur_auth::Error::new(kind, message))
}

/// A task that panicked: a bug, reported without its payload (which could
/// quote anything).
pub fn panicked() -> napi::Error {
    napi::Error::new(
        Status::GenericFailure,
        "concur-auth: an internal task panicked (a bug; please report it)",
    )
}

/// Every stable error code, in the core's order (`index.js` checks that each
/// has a class).
#[napi_derive::napi(ts_return_type = "Array<ErrorCode>")]
pub fn error_codes() -> Vec<String> {
    concur_auth::ErrorKind::ALL
        .iter()
        .map(|kind| kind.code().to_owned())
        .collect()
}

/// One error code and the code of its family (`null` for a root).
#[napi_derive::napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct ErrorFamily {
    /// The stable error code.
    #[napi(ts_type = "ErrorCode")]
    pub code: String,
    /// The code of the family it belongs to (`auth` for `refresh_token_expired`).
    #[napi(ts_type = "ErrorCode | null")]
    pub parent: Option<String>,
}

/// The core's one table of error families (`ErrorKind::parent`), parents
/// first: `index.js` builds its class tree from it, so `instanceof` catches the
/// same errors as in Python and .NET.
#[napi_derive::napi]
pub fn error_families() -> Vec<ErrorFamily> {
    concur_auth::ErrorKind::ALL
        .iter()
        .map(|kind| ErrorFamily {
            code: kind.code().to_owned(),
            parent: kind.parent().map(|parent| parent.code().to_owned()),
        })
        .collect()
}
