//! `ApiClient`: authenticated calls to Concur APIs.
//!
//! Base URL from the token's geolocation, the bearer header, one shared
//! refresh-and-retry on 401, and bounded retries with backoff and jitter on
//! connection errors, 429 and 5xx (honouring `Retry-After`). Server errors are
//! retried only for idempotent methods, so a POST is never sent twice after it
//! may have been processed.

use reqwest::header::ACCEPT;
use reqwest::{Method, Url};

use crate::error::{Error, ErrorKind, Result};
use crate::http::Reply;
use crate::manager::TokenManager;
use crate::retry;

/// Calls Concur APIs with the manager's tokens and connection pool.
#[derive(Clone, Debug)]
pub struct ApiClient {
    manager: TokenManager,
}

/// A Concur API reply.
#[derive(Clone, Debug)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: u16,
    /// The body as received.
    pub body: Vec<u8>,
    /// The `Content-Type` header, empty when absent.
    pub content_type: String,
    /// The `concur-correlationid` header.
    pub correlation_id: Option<String>,
}

impl ApiResponse {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|err| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the API reply is not the expected JSON (line {}, column {})",
                    err.line(),
                    err.column()
                ),
            )
            .with_http_status(self.status)
            .with_correlation_id(self.correlation_id.clone())
        })
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Ok(())` for 2xx, otherwise an error of kind `Api` naming `what`.
    pub fn error_for_status(&self, what: &str) -> Result<()> {
        if self.is_success() {
            return Ok(());
        }
        let hint = match self.status {
            401 => "; the access token was refused even after a refresh: check the app's scopes",
            403 => "; the app or user lacks the permission or scope for this call",
            404 => "; check the path",
            _ => "",
        };
        Err(Error::new(
            ErrorKind::Api,
            format!("{what} failed with HTTP {}{hint}", self.status),
        )
        .with_http_status(self.status)
        .with_correlation_id(self.correlation_id.clone()))
    }
}

impl From<Reply> for ApiResponse {
    fn from(mut reply: Reply) -> Self {
        ApiResponse {
            status: reply.status,
            content_type: reply.content_type().to_owned(),
            // An API reply is the caller's data: handed over, not wiped.
            body: std::mem::take(&mut *reply.body),
            correlation_id: reply.correlation_id,
        }
    }
}

impl ApiClient {
    /// A client over `manager` (see also [`TokenManager::api_client`]).
    pub fn new(manager: TokenManager) -> Self {
        ApiClient { manager }
    }

    /// The manager whose tokens this client uses.
    pub fn manager(&self) -> &TokenManager {
        &self.manager
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<ApiResponse> {
        self.request(Method::GET, path, None).await
    }

    /// `method path` with an optional JSON body, relative to the geolocation.
    /// Any final HTTP status is returned as a response, except 429 and 5xx
    /// still failing when the retry budget is spent (an error of kind `Server`).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        json_body: Option<&serde_json::Value>,
    ) -> Result<ApiResponse> {
        let http = self.manager.http();
        let policy = &self.manager.options().retry;
        let what = format!("{method} {path}");
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let mut backoff = retry::Backoff::start(policy);
        let mut refreshed = false;
        loop {
            let token = self.manager.access_token().await?;
            let url = self.checked_url(path)?;
            let mut request = http
                .client()
                .request(method.clone(), url)
                .bearer_auth(token.expose())
                .header(ACCEPT, "application/json");
            if let Some(body) = json_body {
                request = request.json(body);
            }
            let outcome = http.send(request, &what, http.options.max_api_body).await;
            let error = match outcome {
                // A replacement token rejected too is a permission problem:
                // the 401 (body, correlation id) is the answer, no refresh.
                Ok(reply)
                    if reply.status == 401 && !refreshed && self.manager.may_replace(&token) =>
                {
                    refreshed = true;
                    tracing::debug!("{what}: 401, refreshing the access token once");
                    self.manager.replace_rejected(&token).await?;
                    continue;
                }
                Ok(reply) if reply.status == 429 || (reply.status >= 500 && idempotent) => {
                    Error::new(
                        ErrorKind::Server,
                        format!("{what} kept failing with HTTP {}; Concur is overloaded or down, try again later", reply.status),
                    )
                    .with_http_status(reply.status)
                    .with_correlation_id(reply.correlation_id.clone())
                    .with_retry_after(retry::retry_after(&reply.headers))
                }
                Ok(reply) => return Ok(reply.into()),
                Err(err)
                    if err.kind() == ErrorKind::Network
                        || (err.kind() == ErrorKind::Timeout && idempotent) =>
                {
                    err
                }
                Err(err) => return Err(err),
            };
            backoff.wait_or_give_up(error, "the API call").await?;
        }
    }

    /// The absolute URL for an API path under the token's geolocation, or a full
    /// URL the host policy accepts: what an HTTP adapter (Python's requests and
    /// httpx, Node's fetch) calls before it attaches the bearer token itself.
    /// Makes sure a token is adopted first when given a path. Refuses anything
    /// else (see [`HostPolicy::request_url`](crate::HostPolicy::request_url)).
    pub async fn url(&self, path_or_url: &str) -> Result<Url> {
        if path_or_url.starts_with('/') {
            self.manager.access_token().await?;
        }
        self.checked_url(path_or_url)
    }

    /// The one place a token-carrying URL is decided: the geolocation of the
    /// adopted token, the path on it, the host policy checked on the result.
    fn checked_url(&self, path_or_url: &str) -> Result<Url> {
        let policy = self.manager.host_policy();
        let origin = self
            .manager
            .api_origin()
            .unwrap_or_else(|| policy.base().clone());
        policy.request_url(&origin, path_or_url)
    }

    /// Like [`ApiClient::request`] with the method given as text ("GET", "post").
    pub async fn request_str(
        &self,
        method: &str,
        path: &str,
        json_body: Option<&serde_json::Value>,
    ) -> Result<ApiResponse> {
        self.request(parse_method(method)?, path, json_body).await
    }
}

/// An HTTP method from text, upper-cased.
pub fn parse_method(method: &str) -> Result<Method> {
    Method::from_bytes(method.trim().to_ascii_uppercase().as_bytes()).map_err(|_| {
        Error::config(format!(
            "{method:?} is not an HTTP method; use GET, POST, PUT, PATCH or DELETE"
        ))
    })
}
