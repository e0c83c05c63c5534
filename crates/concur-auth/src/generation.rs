//! A counter that moves whenever a manager's cached token changes.
//!
//! A binding that keeps the token on its own side (Node keeps the JavaScript
//! string, so that `accessToken()` costs one promise, not a string built from
//! Rust) reads this counter to learn that its copy is outdated: a refresh by
//! any caller, a 401-driven replacement, a forced refresh, a token adopted from
//! the store, a revoke. The counter says nothing about time: a copy is also
//! outdated once the token turns stale, which its holder checks against the
//! instant [`crate::TokenManager::cached_access_token_until`] gave with it.

use std::sync::atomic::{AtomicU32, Ordering};

/// The change counter of one manager's cached token (shared by its clones).
#[derive(Debug, Default)]
pub struct TokenGeneration(AtomicU32);

impl TokenGeneration {
    /// The current value. Read it *before* reading the cached token: if the
    /// token changes in between, the value read is already outdated and the
    /// copy is dropped at its next check, never kept.
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }

    /// Where the counter lives, for a binding that maps it into its own memory
    /// (a JavaScript `Int32Array` over an external buffer): a 4-byte aligned
    /// `u32` that stays valid as long as this value is alive (hold the `Arc`).
    pub fn as_ptr(&self) -> *mut u32 {
        self.0.as_ptr()
    }

    /// Called after every write of the cached token, under its lock.
    pub(crate) fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bump_moves_the_value_seen_through_the_pointer() {
        let generation = TokenGeneration::default();
        let before = generation.get();
        generation.bump();
        assert_ne!(generation.get(), before);
        // SAFETY: the pointer is to `generation`, alive and aligned.
        assert_eq!(
            unsafe { generation.as_ptr().read_volatile() },
            generation.get()
        );
    }
}
