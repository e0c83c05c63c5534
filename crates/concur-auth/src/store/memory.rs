//! A store that lives and dies with the process: for tests, short jobs, and
//! callers who persist tokens their own way.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::{StoreLease, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::token::TokenRecord;

/// In-memory [`TokenStore`]. Clones share the same record.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    record: Arc<Mutex<Option<TokenRecord>>>,
    lease: Arc<tokio::sync::Mutex<()>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that starts with `record`.
    pub fn with_record(record: TokenRecord) -> Self {
        let store = Self::default();
        *store.record.lock().expect("memory store poisoned") = Some(record);
        store
    }
}

#[derive(Debug)]
struct MemoryLease(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);

impl StoreLease for MemoryLease {}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn load(&self) -> Result<Option<TokenRecord>> {
        Ok(self.record.lock().expect("memory store poisoned").clone())
    }

    async fn lock(&self, wait: Duration) -> Result<Box<dyn StoreLease>> {
        let guard = tokio::time::timeout(wait, self.lease.clone().lock_owned())
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Store,
                    format!("timed out after {wait:?} waiting for the in-memory token store lock"),
                )
            })?;
        Ok(Box::new(MemoryLease(guard)))
    }

    async fn save(&self, record: &TokenRecord, expected: Option<u64>) -> Result<u64> {
        let mut slot = self.record.lock().expect("memory store poisoned");
        let current = slot.as_ref().map(|r| r.revision);
        if current != expected {
            return Err(super::conflict(&self.describe(), expected, current));
        }
        let revision = super::next_revision(current);
        *slot = Some(TokenRecord {
            revision,
            ..record.clone()
        });
        Ok(revision)
    }

    async fn clear(&self) -> Result<()> {
        *self.record.lock().expect("memory store poisoned") = None;
        Ok(())
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}
