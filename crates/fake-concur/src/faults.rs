//! Injected failures and the middleware that applies them.
//!
//! Every non-admin request, once counted (see `counting`), passes through
//! [`inject`], which waits the configured latency, then takes the next queued
//! fault for its endpoint (if any) and answers with it instead of the real
//! handler.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::connection::ConnHandle;
use crate::counting::RequestKind;
use crate::errors::concur_error;
use crate::state::{lock, Shared};

/// Which requests a queued fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /oauth2/v0/token`.
    Token,
    /// Profile v4 and the revoke endpoint.
    Api,
    /// Any non-admin request; consulted after the endpoint's own queue.
    Any,
}

/// One injected failure.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// That status with a short plain-text body (its reason phrase), as load
    /// balancers send for 500/502/503.
    Status { status: u16 },
    /// 429 with a `Retry-After` header.
    RateLimited { retry_after_secs: u64 },
    /// That status with an HTML error page, as a proxy would send.
    Html { status: u16 },
    /// 200, `application/json`, truncated JSON.
    MalformedJson,
    /// 200 with `text/plain` body `OK`.
    WrongContentType,
    /// 200 `application/json`: one JSON string `bytes` long, streamed in chunks
    /// so the server never holds it in memory.
    HugeBody { bytes: u64 },
    /// Close the connection without any response.
    Drop,
    /// Wait, then answer normally.
    Delay { ms: u64 },
    /// A Concur error JSON reply.
    Concur {
        status: u16,
        code: i64,
        error: String,
        description: String,
    },
}

/// FIFO queues of pending faults, one per [`Endpoint`].
#[derive(Debug, Default)]
pub(crate) struct FaultQueues {
    token: VecDeque<Fault>,
    api: VecDeque<Fault>,
    any: VecDeque<Fault>,
    /// Faults aimed at one page of the user list (see `users.rs`).
    pub(crate) pages: crate::users::PageFaults,
}

impl FaultQueues {
    fn queue(&mut self, endpoint: Endpoint) -> &mut VecDeque<Fault> {
        match endpoint {
            Endpoint::Token => &mut self.token,
            Endpoint::Api => &mut self.api,
            Endpoint::Any => &mut self.any,
        }
    }

    pub(crate) fn push(&mut self, endpoint: Endpoint, fault: Fault, count: u32) {
        let queue = self.queue(endpoint);
        queue.extend(std::iter::repeat_n(fault, count as usize));
    }

    pub(crate) fn clear(&mut self) {
        *self = FaultQueues::default();
    }

    /// The next fault for a request to `endpoint` (`None` for requests that are
    /// neither token nor API): its own queue first, then `Any`.
    fn pop(&mut self, endpoint: Option<Endpoint>) -> Option<Fault> {
        endpoint
            .and_then(|e| self.queue(e).pop_front())
            .or_else(|| self.any.pop_front())
    }
}

/// A fault to queue, as `POST /_admin/faults` and the binary's `--fault` take it:
/// `{"endpoint":"token","count":2,"fault":{"kind":"status","status":503}}`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Which requests get it.
    pub endpoint: Endpoint,
    /// How many of them (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// What they get.
    pub fault: Fault,
}

fn one() -> u32 {
    1
}

/// The middleware described in the module docs.
pub(crate) async fn inject(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    req: Request,
    next: Next,
) -> Response {
    // Only requests the counting layer classified (never the admin API).
    let Some(kind) = req.extensions().get::<RequestKind>().copied() else {
        return next.run(req).await;
    };
    let latency = shared.config().latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }

    let endpoint = match kind {
        RequestKind::Token(_) => Some(Endpoint::Token),
        RequestKind::User | RequestKind::Revoke => Some(Endpoint::Api),
        RequestKind::Other => None,
    };
    let fault = lock(&shared.faults).pop(endpoint);
    match fault {
        None => next.run(req).await,
        Some(Fault::Delay { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Some(Fault::Drop) => {
            conn.kill();
            // Never written: the killed stream refuses every byte.
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Some(fault) => fault_response(&fault, &shared.geolocation()),
    }
}

fn status_or_500(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The reply for a fault that replaces the handler (not `Delay`/`Drop`).
pub(crate) fn fault_response(fault: &Fault, geolocation: &str) -> Response {
    match fault {
        Fault::Status { status } => {
            let status = status_or_500(*status);
            let reason = status.canonical_reason().unwrap_or("Error");
            (status, [(header::CONTENT_TYPE, "text/plain")], reason).into_response()
        }
        Fault::RateLimited { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            [
                (header::RETRY_AFTER, retry_after_secs.to_string()),
                (header::CONTENT_TYPE, "text/plain".to_string()),
            ],
            "Too Many Requests",
        )
            .into_response(),
        Fault::Html { status } => {
            let status = status_or_500(*status);
            let title = format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("Error")
            );
            let page = format!("<html><body><h1>{title}</h1></body></html>");
            (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        }
        Fault::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"access_token": "abc", "expires_in"#,
        )
            .into_response(),
        Fault::WrongContentType => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "OK").into_response()
        }
        Fault::HugeBody { bytes } => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            huge_json_string(*bytes),
        )
            .into_response(),
        Fault::Concur {
            status,
            code,
            error,
            description,
        } => concur_error(*status, *code, error, description, geolocation),
        Fault::Delay { .. } | Fault::Drop => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A body of exactly `len` bytes forming one JSON string (`"xxxx…"`), produced
/// 64 KiB at a time.
fn huge_json_string(len: u64) -> Body {
    const CHUNK: u64 = 64 * 1024;
    let filler = Bytes::from(vec![b'x'; CHUNK as usize]);
    let quotes = len.min(2);
    let inner = len - quotes;
    let open = (quotes >= 1).then(|| Bytes::from_static(b"\""));
    let close = (quotes >= 2).then(|| Bytes::from_static(b"\""));
    let middle = (0..inner.div_ceil(CHUNK)).map(move |i| {
        let n = (inner - i * CHUNK).min(CHUNK);
        filler.slice(..n as usize)
    });
    let chunks = open
        .into_iter()
        .chain(middle)
        .chain(close)
        .map(Ok::<_, Infallible>);
    Body::from_stream(futures_util::stream::iter(chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_queue_before_any_and_fifo() {
        let mut q = FaultQueues::default();
        q.push(Endpoint::Any, Fault::MalformedJson, 1);
        q.push(Endpoint::Token, Fault::Status { status: 503 }, 2);
        q.push(Endpoint::Token, Fault::Drop, 1);
        assert_eq!(q.pop(Some(Endpoint::Api)), Some(Fault::MalformedJson));
        assert_eq!(
            q.pop(Some(Endpoint::Token)),
            Some(Fault::Status { status: 503 })
        );
        assert_eq!(
            q.pop(Some(Endpoint::Token)),
            Some(Fault::Status { status: 503 })
        );
        assert_eq!(q.pop(Some(Endpoint::Token)), Some(Fault::Drop));
        assert_eq!(q.pop(Some(Endpoint::Token)), None);
        assert_eq!(q.pop(None), None);
    }

    #[test]
    fn fault_json_shape() {
        let f: Fault = serde_json::from_str(r#"{"kind":"status","status":503}"#).unwrap();
        assert_eq!(f, Fault::Status { status: 503 });
        let f: Fault = serde_json::from_str(r#"{"kind":"drop"}"#).unwrap();
        assert_eq!(f, Fault::Drop);
        let f: Fault =
            serde_json::from_str(r#"{"kind":"rate_limited","retry_after_secs":2}"#).unwrap();
        assert_eq!(
            f,
            Fault::RateLimited {
                retry_after_secs: 2
            }
        );
        let e: Endpoint = serde_json::from_str(r#""any""#).unwrap();
        assert_eq!(e, Endpoint::Any);
    }
}
