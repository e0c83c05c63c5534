//! Request counting: what kind each non-admin request is, and how many of each
//! kind the server has seen, so tests can assert e.g. "one refresh for a
//! thousand callers".
//!
//! [`count`] is the outer middleware: it classifies a request (reading the
//! token grant from the form body), counts it, and leaves its [`RequestKind`]
//! in the request's extensions for the fault layer, which runs after it. So a
//! faulted request is counted too, and tests can assert how often a client
//! retried.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::state::Shared;
use crate::token_endpoint::{parse_form, TOKEN_PATH};

/// A snapshot of how many requests of each kind the server has seen, so tests can
/// assert e.g. "one refresh for a thousand callers". Faulted requests count too.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counters {
    /// Every `POST /oauth2/v0/token`, whatever its grant or outcome.
    pub token_requests: u64,
    pub password_grants: u64,
    pub refresh_grants: u64,
    pub client_credentials_grants: u64,
    /// Profile v4 list and by-id requests.
    pub user_requests: u64,
    /// `DELETE /app-mgmt/v0/connections`.
    pub revoke_requests: u64,
    /// Everything else except the admin API.
    pub other_requests: u64,
}

/// What a non-admin request was, for counting and for choosing its fault queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestKind {
    Token(Option<Grant>),
    User,
    Revoke,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    Password,
    Refresh,
    ClientCredentials,
}

#[derive(Debug, Default)]
pub(crate) struct AtomicCounters {
    token_requests: AtomicU64,
    password_grants: AtomicU64,
    refresh_grants: AtomicU64,
    client_credentials_grants: AtomicU64,
    user_requests: AtomicU64,
    revoke_requests: AtomicU64,
    other_requests: AtomicU64,
}

impl AtomicCounters {
    pub(crate) fn count(&self, kind: RequestKind) {
        let bump = |c: &AtomicU64| {
            c.fetch_add(1, Ordering::Relaxed);
        };
        match kind {
            RequestKind::Token(grant) => {
                bump(&self.token_requests);
                match grant {
                    Some(Grant::Password) => bump(&self.password_grants),
                    Some(Grant::Refresh) => bump(&self.refresh_grants),
                    Some(Grant::ClientCredentials) => bump(&self.client_credentials_grants),
                    None => {}
                }
            }
            RequestKind::User => bump(&self.user_requests),
            RequestKind::Revoke => bump(&self.revoke_requests),
            RequestKind::Other => bump(&self.other_requests),
        }
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counters {
            token_requests: get(&self.token_requests),
            password_grants: get(&self.password_grants),
            refresh_grants: get(&self.refresh_grants),
            client_credentials_grants: get(&self.client_credentials_grants),
            user_requests: get(&self.user_requests),
            revoke_requests: get(&self.revoke_requests),
            other_requests: get(&self.other_requests),
        }
    }

    pub(crate) fn reset(&self) {
        for c in [
            &self.token_requests,
            &self.password_grants,
            &self.refresh_grants,
            &self.client_credentials_grants,
            &self.user_requests,
            &self.revoke_requests,
            &self.other_requests,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// Largest token request body the fake reads (a real one is a few hundred bytes).
const MAX_FORM_BYTES: usize = 64 * 1024;

fn classify(method: &Method, path: &str, form: Option<&[u8]>) -> RequestKind {
    if path == TOKEN_PATH && method == Method::POST {
        let grant = form.and_then(|body| {
            parse_form(body)
                .into_iter()
                .find(|(k, _)| k == "grant_type")
                .and_then(|(_, v)| match v.as_str() {
                    "password" => Some(Grant::Password),
                    "refresh_token" => Some(Grant::Refresh),
                    "client_credentials" => Some(Grant::ClientCredentials),
                    _ => None,
                })
        });
        return RequestKind::Token(grant);
    }
    let users =
        path == "/profile/identity/v4/Users" || path.starts_with("/profile/identity/v4/Users/");
    if users && method == Method::GET {
        RequestKind::User
    } else if path == "/app-mgmt/v0/connections" && method == Method::DELETE {
        RequestKind::Revoke
    } else {
        RequestKind::Other
    }
}

/// Whether a path belongs to the admin API, which is never counted, delayed or faulted.
pub(crate) fn is_admin(path: &str) -> bool {
    path == "/_admin" || path.starts_with("/_admin/")
}

/// The middleware described in the module docs.
pub(crate) async fn count(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if is_admin(req.uri().path()) {
        return next.run(req).await;
    }
    // The grant type lives in the body: buffer it, then hand it on unchanged.
    let (mut req, kind) = if req.uri().path() == TOKEN_PATH && req.method() == Method::POST {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            shared.counters.count(RequestKind::Token(None));
            return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
        };
        let kind = classify(&parts.method, parts.uri.path(), Some(&bytes));
        (Request::from_parts(parts, Body::from(bytes)), kind)
    } else {
        let kind = classify(req.method(), req.uri().path(), None);
        (req, kind)
    };
    shared.counters.count(kind);
    req.extensions_mut().insert(kind);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_counts_grants_from_the_body() {
        let k = classify(
            &Method::POST,
            TOKEN_PATH,
            Some(b"grant_type=refresh_token&x=1"),
        );
        assert_eq!(k, RequestKind::Token(Some(Grant::Refresh)));
        let k = classify(&Method::GET, "/profile/identity/v4/Users/abc", None);
        assert_eq!(k, RequestKind::User);
        let k = classify(&Method::GET, TOKEN_PATH, None);
        assert_eq!(k, RequestKind::Other);
    }

    #[test]
    fn counts_each_grant_and_resets() {
        let c = AtomicCounters::default();
        c.count(RequestKind::Token(Some(Grant::Password)));
        c.count(RequestKind::Token(Some(Grant::Refresh)));
        c.count(RequestKind::Token(None));
        c.count(RequestKind::User);
        let s = c.snapshot();
        assert_eq!(s.token_requests, 3);
        assert_eq!((s.password_grants, s.refresh_grants), (1, 1));
        assert_eq!(s.user_requests, 1);
        c.reset();
        assert_eq!(c.snapshot(), Counters::default());
    }
}
