//! The one pooled HTTP client, and the single place where a reply is read.
//!
//! Every request goes through [`Http::send`]: it maps transport failures to
//! typed errors, keeps the `concur-correlationid`, and reads the body only up to
//! a limit so that a misbehaving server cannot make us buffer without end.

use std::fmt;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use zeroize::Zeroizing;

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

/// A reply read into memory. The body may be a token reply: `Debug` shows its
/// length only, and the buffer is wiped when dropped.
#[derive(Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Zeroizing<Vec<u8>>,
    pub correlation_id: Option<String>,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("content_type", &self.content_type())
            .field(
                "body",
                &format_args!("[{} bytes, redacted]", self.body.len()),
            )
            .field("correlation_id", &self.correlation_id)
            .finish()
    }
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
        let expected = response.content_length().unwrap_or(0) as usize;
        let mut body = Zeroizing::new(Vec::with_capacity(expected));
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|err| {
                transport_error(what, &err).with_correlation_id(correlation_id.clone())
            })?;
            if body.len() + chunk.len() > max_body {
                return Err(too_big());
            }
            append_wiping(&mut body, &chunk);
        }
        Ok(Reply {
            status,
            headers,
            body,
            correlation_id,
        })
    }
}

/// Appends `chunk` without leaving a copy in freed memory: when the buffer
/// must grow, its bytes move to a larger one and the old one is wiped (a plain
/// `Vec` would free it as is).
fn append_wiping(body: &mut Zeroizing<Vec<u8>>, chunk: &[u8]) {
    let needed = body.len() + chunk.len();
    if needed > body.capacity() {
        let mut bigger = Zeroizing::new(Vec::with_capacity(needed.max(body.capacity() * 2)));
        bigger.extend_from_slice(body);
        std::mem::swap(body, &mut bigger);
    }
    body.extend_from_slice(chunk);
}

/// An `application/x-www-form-urlencoded` body (the token request's, holding
/// the client secret and a request or refresh token) in one buffer, sized up
/// front so it never reallocates, and wiped when the request is done with it.
/// (The TLS layer's own copies are beyond our reach.)
pub(crate) fn wiped_form(fields: &[(&str, &str)]) -> reqwest::Body {
    // Percent-encoding at most triples a byte; `=` and `&` add two per field.
    let capacity = fields
        .iter()
        .map(|(k, v)| 3 * (k.len() + v.len()) + 2)
        .sum();
    let mut text = Zeroizing::new(String::with_capacity(capacity));
    {
        let mut form = form_urlencoded::Serializer::new(&mut *text);
        form.extend_pairs(fields);
        form.finish();
    }
    reqwest::Body::from(bytes::Bytes::from_owner(WipedBytes(text)))
}

/// Bytes handed to the HTTP stack that are wiped when it drops them.
struct WipedBytes(Zeroizing<String>);

impl AsRef<[u8]> for WipedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_debug_never_shows_the_body() {
        let reply = Reply {
            status: 200,
            headers: HeaderMap::new(),
            body: Zeroizing::new(br#"{"access_token":"at-secret-value"}"#.to_vec()),
            correlation_id: Some("c-1".into()),
        };
        let shown = format!("{reply:?}");
        assert!(!shown.contains("at-secret-value"), "{shown}");
        assert!(shown.contains("34 bytes, redacted"), "{shown}");
    }

    #[test]
    fn appending_keeps_every_byte() {
        let mut body = Zeroizing::new(Vec::new());
        for chunk in [&b"ab"[..], b"", b"cdefgh", b"i"] {
            append_wiping(&mut body, chunk);
        }
        assert_eq!(body.as_slice(), b"abcdefghi");
    }

    #[test]
    fn the_form_body_is_encoded_as_reqwest_would() {
        let fields = [
            ("grant_type", "refresh_token"),
            ("refresh_token", "a b+c/=&é"),
        ];
        let body = wiped_form(&fields);
        let bytes = body.as_bytes().expect("a buffered body");
        assert_eq!(
            std::str::from_utf8(bytes).unwrap(),
            "grant_type=refresh_token&refresh_token=a+b%2Bc%2F%3D%26%C3%A9"
        );
    }
}
