//! The C ABI of concur-auth: `include/concur_auth.h` is generated from this crate
//! by cbindgen (see `build.rs` and `cbindgen.toml`).
//!
//! One file per concept the C user sees: `manager.rs` (`concur_manager`),
//! `options.rs` (`concur_options`), `client.rs` (API requests), `pager.rs`
//! (`concur_list`, whole paged lists), `status.rs` (the
//! token status), `error.rs` (`concur_status` and the thread-local last error),
//! `version.rs`; and one file per rule of the boundary, each used by every entry
//! point:
//!
//! - `panic.rs`: every exported function body runs inside `ffi_boundary` (or
//!   `ffi_status`), so no panic unwinds into C;
//! - `ffi.rs`: the only place that turns raw pointers into references, checking
//!   for NULL and UTF-8;
//! - `strings.rs`: the only place that hands strings to C; every `char *` is freed
//!   by `concur_string_free`, which zeroes it first.
//!
//! The exported functions are `unsafe extern "C"`: from Rust they are only
//! sound with the pointer contracts written in their docs (and in the header).

// The concepts, in the order the header presents them (cbindgen follows this
// order; keep one per group so that rustfmt does not sort them).
mod version;

mod strings;

mod error;

mod options;

mod manager;

mod status;

mod client;

mod pager;

// The plumbing.
mod ffi;
mod panic;

pub use client::*;
pub use error::*;
pub use manager::*;
pub use options::*;
pub use pager::*;
pub use status::*;
pub use strings::concur_string_free;
pub use version::*;

#[cfg(test)]
mod tests;
