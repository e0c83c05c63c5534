//! # concur-auth
//!
//! One hardened implementation of the SAP Concur OAuth2 token lifecycle: the
//! one-time exchange of a company request token, refresh tokens kept safely in
//! the tutorials' `refreshTokenObjectFile.json` (atomic, 0600, locked across
//! processes), access tokens refreshed once for any number of callers, and an
//! API client that follows the token's geolocation.
//!
//! ```no_run
//! # async fn run() -> concur_auth::Result<()> {
//! use concur_auth::{ManagerOptions, TokenManager};
//! let manager = TokenManager::from_files(
//!     "credentials.json",
//!     "refreshTokenObjectFile.json",
//!     ManagerOptions::default(),
//! )?;
//! let user = manager.api_client().get("/profile/identity/v4/Users/").await?;
//! println!("{}", user.text());
//! # Ok(()) }
//! ```
//!
//! No secret ever appears in a `Debug` or `Display` output or an error message:
//! see [`Secret`].

pub mod blocking;
mod client;
mod credentials;
mod error;
#[doc(hidden)]
pub mod fuzz_checks;
mod generation;
mod hosts;
mod http;
mod json_fields;
mod manager;
mod options;
mod pager;
mod protocol;
mod retry;
mod runtime;
mod secret;
mod status;
pub mod store;
mod token;

pub use client::{parse_method, ApiClient, ApiResponse};
pub use credentials::{env as credentials_env, Credentials};
pub use error::{Error, ErrorKind, Result};
pub use generation::TokenGeneration;
pub use hosts::{is_loopback, HostPolicy, DEFAULT_BASE_URL};
pub use http::{HttpOptions, CORRELATION_HEADER};
pub use manager::TokenManager;
pub use options::{
    env as options_env, limits as option_limits, ExchangeOptions, ManagerOptions,
    DEFAULT_CREDENTIALS_FILE, DEFAULT_TOKEN_FILE,
};
pub use pager::{Page, PageError, Pager, DEFAULT_MAX_PAGES, MAX_PAGE_SIZE};
pub use protocol::{form_fields, parse_token_reply, Grant, TokenReply, MAX_EXPIRES_IN, TOKEN_PATH};
pub use retry::RetryPolicy;
pub use runtime::{block_on, init_stderr_logging_from_env, runtime, shared_runtime, LOG_ENV};
pub use secret::{Secret, REDACTED};
pub use status::{Status, TokenState, REFRESH_WARNING_DAYS};
pub use store::{FileStore, MemoryStore, StoreLease, TokenStore};
pub use token::TokenRecord;

/// The crate version, for `concur_version()` and friends.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
