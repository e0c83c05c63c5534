//! Node.js bindings for concur-auth (napi-rs).
//!
//! One file per core concept, each only translating: `manager.rs`
//! (`TokenManager`), `client.rs` (`ApiResponse`), `status.rs` (`Status`), `pager.rs` (`Pager`, whole lists),
//! `token_copy.rs` (what lets `index.js` keep the token's JavaScript string),
//! `errors.rs` (the structured error `index.js` turns into `ConcurAuthError`
//! subclasses), plus `runtime.rs`, the one place that turns a future on the
//! core's shared runtime into a promise. `index.js` wraps this module;
//! `index.d.ts` is generated from it.

mod client;
mod errors;
mod manager;
mod pager;
mod runtime;
mod status;
mod token_copy;

pub use client::ApiResponse;
pub use errors::{error_codes, error_families};
pub use manager::TokenManager;
pub use pager::Pager;
pub use status::Status;

/// The version of the concur-auth core this module was built from.
#[napi_derive::napi]
pub fn core_version() -> String {
    concur_auth::VERSION.to_owned()
}
