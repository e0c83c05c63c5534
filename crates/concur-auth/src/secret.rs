//! A string that must never be shown: client secret, request token, refresh and
//! access tokens.
//!
//! `Debug` and `Display` print `[redacted]`, so a secret can sit inside any struct
//! that derives `Debug` without leaking through a log line or a panic message,
//! and the memory is zeroed when the last copy is dropped. Copies share one
//! allocation: handing out the cached access token is a reference-count bump,
//! not a copy to allocate and later wipe.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroize;

/// What every redacted value prints as.
pub const REDACTED: &str = "[redacted]";

/// A secret string. Read it with [`Secret::expose`], only where it goes on the wire
/// or into the token store.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Arc<Zeroed>);

/// The one allocation behind every copy of a [`Secret`]; wiped when freed.
#[derive(Default, PartialEq, Eq)]
struct Zeroed(String);

impl Drop for Zeroed {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Secret {
    /// Wraps a value; the caller's copy is moved in, not duplicated.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::new(Zeroed(value.into())))
    }

    /// The value itself. Every call site is a place where the secret leaves the type.
    pub fn expose(&self) -> &str {
        &self.0 .0
    }

    /// True when the secret holds nothing (or only whitespace).
    pub fn is_blank(&self) -> bool {
        self.0 .0.trim().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("s3cr3t-value");
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some([redacted])");
        assert_eq!(secret.expose(), "s3cr3t-value");
    }

    #[test]
    fn copies_share_one_allocation() {
        let secret = Secret::new("shared-value");
        let copy = secret.clone();
        assert_eq!(secret.expose().as_ptr(), copy.expose().as_ptr());
        assert_eq!(copy, Secret::new("shared-value"));
    }

    #[test]
    fn blank_detects_whitespace_only() {
        assert!(Secret::new("  ").is_blank());
        assert!(!Secret::new("x").is_blank());
    }
}
