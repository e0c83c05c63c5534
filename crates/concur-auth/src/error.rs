//! The one error type of the crate.
//!
//! An [`Error`] is a [`ErrorKind`] (what went wrong, stable across every binding)
//! plus a message that says what to do about it, and the Concur details support
//! needs: the Concur error code, the HTTP status and the `concur-correlationid`.
//! No constructor takes a secret, and messages are built from fixed text, field
//! names, paths, hosts and Concur's own error text only.

use std::fmt;
use std::path::Path;

/// What kind of failure this is. Bindings map these one to one onto their own
/// error classes and codes, so the set is part of the public contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Missing or invalid configuration: a credentials field, an option, a URL.
    Config,
    /// Concur refused the client or the company credentials (wrong secret,
    /// disabled app, request token already used, scope or grant misconfigured).
    Auth,
    /// The refresh token is expired, revoked or unknown: only a new company
    /// request token can replace it.
    RefreshTokenExpired,
    /// No refresh token is stored yet: the one-time exchange has not run.
    NotInitialized,
    /// The connection failed (DNS, refused, reset, TLS).
    Network,
    /// Concur did not answer within the configured timeout.
    Timeout,
    /// Concur kept answering 5xx or 429 until the retry budget ran out, or is
    /// under maintenance.
    Server,
    /// Concur answered something that is not the documented shape (HTML, broken
    /// JSON, a body over the size limit, missing fields).
    InvalidResponse,
    /// Reading, writing or locking the token store failed.
    Store,
    /// The token store holds something unreadable; it was moved aside, not overwritten.
    CorruptStore,
    /// A URL is not HTTPS, or names a host that is not Concur's nor allowed.
    HostNotAllowed,
    /// A Concur API call answered with an error status (see the HTTP status).
    Api,
}

impl ErrorKind {
    /// A stable snake_case code, the same in C, Python, Node and .NET.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Auth => "auth",
            ErrorKind::RefreshTokenExpired => "refresh_token_expired",
            ErrorKind::NotInitialized => "not_initialized",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Server => "server",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::Store => "store",
            ErrorKind::CorruptStore => "corrupt_store",
            ErrorKind::HostNotAllowed => "host_not_allowed",
            ErrorKind::Api => "api",
        }
    }

    /// The family this kind belongs to, `None` for the roots: the one table from
    /// which every binding derives its exception tree (Python's and Node's
    /// subclasses, .NET's `Is(family)`, C's `concur_status_parent()`), so that
    /// catching a family catches the same errors in every language.
    ///
    /// ```text
    /// config                    auth                      network                  store
    /// └── not_initialized       └── refresh_token_expired ├── timeout              └── corrupt_store
    ///                                                     ├── server
    ///                                                     └── invalid_response
    /// host_not_allowed          api
    /// ```
    pub fn parent(self) -> Option<ErrorKind> {
        match self {
            ErrorKind::NotInitialized => Some(ErrorKind::Config),
            ErrorKind::RefreshTokenExpired => Some(ErrorKind::Auth),
            ErrorKind::Timeout | ErrorKind::Server | ErrorKind::InvalidResponse => {
                Some(ErrorKind::Network)
            }
            ErrorKind::CorruptStore => Some(ErrorKind::Store),
            ErrorKind::Config
            | ErrorKind::Auth
            | ErrorKind::Network
            | ErrorKind::Store
            | ErrorKind::HostNotAllowed
            | ErrorKind::Api => None,
        }
    }

    /// Whether this kind is `family` or belongs to it (through [`ErrorKind::parent`]).
    pub fn is_a(self, family: ErrorKind) -> bool {
        let mut kind = Some(self);
        while let Some(k) = kind {
            if k == family {
                return true;
            }
            kind = k.parent();
        }
        false
    }

    /// The kind of a stable code (`"refresh_token_expired"` → `RefreshTokenExpired`).
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// Every kind, in declaration order (for bindings' tables and tests). A
    /// parent always comes before its children.
    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::Config,
        ErrorKind::Auth,
        ErrorKind::RefreshTokenExpired,
        ErrorKind::NotInitialized,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Server,
        ErrorKind::InvalidResponse,
        ErrorKind::Store,
        ErrorKind::CorruptStore,
        ErrorKind::HostNotAllowed,
        ErrorKind::Api,
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error of every fallible call in this crate.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    concur_code: Option<i64>,
    http_status: Option<u16>,
    correlation_id: Option<String>,
    /// How long the server asked us to wait (429/503 `Retry-After`).
    retry_after: Option<std::time::Duration>,
    /// A store's compare-and-swap found another revision (see `store::conflict`).
    conflict: bool,
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` whose message says what happened and what to do.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            concur_code: None,
            http_status: None,
            correlation_id: None,
            retry_after: None,
            conflict: false,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    /// A store failure on `path`, with the I/O reason.
    pub(crate) fn store(action: &str, path: &Path, err: &std::io::Error) -> Self {
        Error::new(
            ErrorKind::Store,
            format!("could not {action} {}: {err}", path.display()),
        )
    }

    pub(crate) fn with_concur_code(mut self, code: Option<i64>) -> Self {
        self.concur_code = code;
        self
    }

    pub(crate) fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub(crate) fn with_correlation_id(mut self, id: Option<String>) -> Self {
        if id.is_some() {
            self.correlation_id = id;
        }
        self
    }

    pub(crate) fn with_retry_after(mut self, wait: Option<std::time::Duration>) -> Self {
        self.retry_after = wait;
        self
    }

    /// How long the server asked to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.retry_after
    }

    /// Marks a compare-and-swap mismatch (only `store::conflict` does).
    pub(crate) fn into_conflict(mut self) -> Self {
        self.conflict = true;
        self
    }

    /// Whether a store refused a save because the stored revision was not the
    /// expected one (someone else saved in between). Kind `Store`.
    pub fn is_conflict(&self) -> bool {
        self.conflict
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable code of the kind (`"refresh_token_expired"`, …).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The message without the Concur details appended.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Concur's numeric error code (PROTOCOL.md), when the server sent one.
    pub fn concur_code(&self) -> Option<i64> {
        self.concur_code
    }

    /// The HTTP status of the reply that failed, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The `concur-correlationid` of the failing reply: quote it to SAP support.
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// Whether trying the same call again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Server
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let mut details = Vec::new();
        if let Some(status) = self.http_status {
            details.push(format!("HTTP {status}"));
        }
        if let Some(code) = self.concur_code {
            details.push(format!("Concur code {code}"));
        }
        if let Some(id) = &self.correlation_id {
            details.push(format!("correlation id {id}"));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("concur_code", &self.concur_code)
            .field("http_status", &self.http_status)
            .field("correlation_id", &self.correlation_id)
            .finish()
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_appends_support_details() {
        let err = Error::new(ErrorKind::Auth, "wrong client secret")
            .with_http_status(401)
            .with_concur_code(Some(19))
            .with_correlation_id(Some("abc-123".into()));
        assert_eq!(
            err.to_string(),
            "wrong client secret (HTTP 401, Concur code 19, correlation id abc-123)"
        );
        assert_eq!(err.code(), "auth");
    }

    #[test]
    fn families_are_one_level_deep_and_listed_before_their_members() {
        for (index, kind) in ErrorKind::ALL.iter().enumerate() {
            if let Some(parent) = kind.parent() {
                assert_eq!(parent.parent(), None, "{kind}: families are roots");
                let parent_index = ErrorKind::ALL.iter().position(|k| *k == parent).unwrap();
                assert!(parent_index < index, "{parent} is listed before {kind}");
            }
        }
    }

    #[test]
    fn an_expired_refresh_token_is_an_authentication_failure() {
        assert!(ErrorKind::RefreshTokenExpired.is_a(ErrorKind::Auth));
        assert!(ErrorKind::Timeout.is_a(ErrorKind::Network));
        assert!(ErrorKind::Auth.is_a(ErrorKind::Auth));
        assert!(!ErrorKind::Auth.is_a(ErrorKind::RefreshTokenExpired));
        assert!(!ErrorKind::Api.is_a(ErrorKind::Network));
    }

    #[test]
    fn every_code_names_its_kind() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ErrorKind::from_code("Auth"), None);
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
    }
}
