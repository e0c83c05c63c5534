//! The one pooled HTTP client, and the single place where a reply is read.
//!
//! Every request goes through [`Http::send`]: it maps transport failures to
//! typed errors, keeps the `concur-correlationid`, and reads the body only up to
//! a limit so that a misbehaving server cannot make us buffer without end.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, CONTENT_TYPE};

use crate::error::{Error, ErrorKind, Result};

/// The header Concur puts on every reply; quote it to SAP support.
pub const CORRELATION_HEADER: &str = "concur-correlationid";

/// Timeouts and limits of the HTTP client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// Time to establish a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time for one whole request, body included.
    pub request_timeout: Duration,
    /// Largest token-endpoint reply read; larger ones are refused unread.
    pub max_token_body: usize,
    /// Largest API reply read.
    pub max_api_body: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_token_body: 1024 * 1024,
            max_api_body: 64 * 1024 * 1024,
        }
    }
}

/// A reply read into memory.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub correlation_id: Option<String>,
}

impl Reply {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// The pooled client shared by the token endpoint and the API client.
#[derive(Clone, Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    pub options: HttpOptions,
}

impl Http {
    pub fn new(options: HttpOptions) -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(false) // the host policy decides; http only ever reaches loopback
            .user_agent(concat!("concur-auth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| Error::config(format!("could not build the HTTP client: {err}")))?;
        Ok(Http { client, options })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `request` and reads at most `max_body` bytes of the reply.
    /// `what` names the call in errors ("token request", "GET /profile/…").
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
        max_body: usize,
    ) -> Result<Reply> {
        let response = request
            .send()
            .await
            .map_err(|err| transport_error(what, &err))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let correlation_id = headers
            .get(CORRELATION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let too_big = || {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("{what}: the reply is larger than {max_body} bytes; refused without reading it all"),
            )
            .with_http_status(status)
            .with_correlation_id(correlation_id.clone())
        };
        if response
            .content_length()
            .is_some_and(|len| len > max_body as u64)
        {
            return Err(too_big());
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|err| {
                transport_error(what, &err).with_correlation_id(correlation_id.clone())
            })?;
            if body.len() + chunk.len() > max_body {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            headers,
            body,
            correlation_id,
        })
    }
}

/// Transport failures, typed. reqwest's text names the URL (never a secret:
/// tokens travel in headers and bodies only) and the underlying cause.
fn transport_error(what: &str, err: &reqwest::Error) -> Error {
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    let url = err
        .url()
        .map(|u| format!("{}://{}", u.scheme(), u.host_str().unwrap_or("")))
        .unwrap_or_default();
    let url_port = err
        .url()
        .and_then(|u| u.port())
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    if err.is_timeout() {
        Error::new(
            ErrorKind::Timeout,
            format!("{what} to {url}{url_port} timed out; Concur may be slow or unreachable, try again later"),
        )
    } else {
        let detail = if cause.is_empty() {
            err.to_string()
        } else {
            cause
        };
        Error::new(
            ErrorKind::Network,
            format!(
                "{what} to {url}{url_port} failed: {detail}; check the network and the base URL"
            ),
        )
    }
}
