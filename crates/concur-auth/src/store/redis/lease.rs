//! The refresh lease: a key set with `NX PX` to a random owner value, renewed
//! in the background while held, and deleted only by its owner.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::scripts::{ACQUIRE, RELEASE, RENEW};
use super::{Inner, RedisStore};
use crate::error::{Error, ErrorKind, Result};
use crate::store::StoreLease;

impl RedisStore {
    /// Who holds the refresh lease now (`host/pid/random`), if anyone: for
    /// operators wondering why refreshes wait.
    pub async fn lease_holder(&self) -> Result<Option<String>> {
        let key = &self.inner.lock_key;
        self.inner
            .run("read the refresh lease on", |mut conn, _| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await
    }

    /// Waits (at most `wait`) for the refresh lease.
    pub(super) async fn take_lease(&self, wait: Duration) -> Result<RedisLease> {
        let inner = &self.inner;
        let owner = owner_value();
        let lease_ms = inner.options.lease.as_millis().max(1) as u64;
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            let acquired = inner
                .run("take the refresh lease on", |mut conn, _| {
                    let owner = &owner;
                    async move {
                        ACQUIRE
                            .key(&inner.lock_key)
                            .arg(owner)
                            .arg(lease_ms)
                            .invoke_async::<i64>(&mut conn)
                            .await
                    }
                })
                .await?;
            if acquired == 1 {
                return Ok(RedisLease::start(inner.clone(), owner));
            }
            let waited = started.elapsed();
            if waited >= wait {
                let holder = self
                    .lease_holder()
                    .await
                    .ok()
                    .flatten()
                    .map_or_else(|| "another process".to_owned(), |h| format!("`{h}`"));
                return Err(Error::new(
                    ErrorKind::Store,
                    format!(
                        "timed out after {wait:?} waiting for the refresh lease {} on Redis at {}, held by {holder}; a holder that died loses it within {:?} (the lease time)",
                        inner.lock_key, inner.server, inner.options.lease
                    ),
                ));
            }
            let jitter = Duration::from_micros(fastrand::u64(0..=pause.as_micros() as u64 / 2));
            tokio::time::sleep((pause + jitter).min(wait - waited)).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

impl Inner {
    /// Extends the lease if `owner` still holds it; `false` when it was lost.
    async fn renew(&self, owner: &str) -> Result<bool> {
        let lease_ms = self.options.lease.as_millis().max(1) as u64;
        let renewed = self
            .run("renew the refresh lease on", |mut conn, _| async move {
                RENEW
                    .key(&self.lock_key)
                    .arg(owner)
                    .arg(lease_ms)
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
            .await?;
        Ok(renewed == 1)
    }

    /// Deletes the lease if `owner` still holds it.
    async fn release(&self, owner: &str) -> Result<()> {
        self.run("release the refresh lease on", |mut conn, _| async move {
            RELEASE
                .key(&self.lock_key)
                .arg(owner)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await
        .map(drop)
    }

    /// [`Inner::release`] over a short-lived blocking connection, for when no
    /// runtime is left to run the asynchronous one (a command-line tool's
    /// runtime shutting down right after its last call).
    fn release_blocking(&self, owner: &str) {
        let timeout = self.options.timeout.min(Duration::from_secs(2));
        let released = self.connector.blocking(timeout).and_then(|mut conn| {
            RELEASE
                .key(&self.lock_key)
                .arg(owner)
                .invoke::<i64>(&mut *conn)
        });
        if let Err(err) = released {
            let err = self.error("release the refresh lease on", &err);
            tracing::warn!(
                "{err}; it expires by itself within {:?}",
                self.options.lease
            );
        }
    }
}

/// The refresh lease: renewed in the background while this lives, released
/// (by its owner only) when it is dropped.
pub(super) struct RedisLease {
    inner: Arc<Inner>,
    owner: String,
    renewal: tokio::task::JoinHandle<()>,
}

impl RedisLease {
    fn start(inner: Arc<Inner>, owner: String) -> Self {
        inner
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((tokio::task::try_id(), owner.clone()));
        let renewal = runtime_handle().spawn(renew_while_held(inner.clone(), owner.clone()));
        RedisLease {
            inner,
            owner,
            renewal,
        }
    }
}

impl fmt::Debug for RedisLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLease")
            .field("key", &self.inner.lock_key)
            .field("server", &self.inner.server)
            .field("owner", &self.owner)
            .finish()
    }
}

impl StoreLease for RedisLease {}

impl Drop for RedisLease {
    fn drop(&mut self) {
        self.renewal.abort();
        self.inner
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(_, owner)| *owner != self.owner);
        let pending = PendingRelease {
            inner: self.inner.clone(),
            owner: std::mem::take(&mut self.owner),
            done: false,
        };
        // Asynchronous, so that dropping the guard never blocks a runtime thread.
        // Should the runtime end before the task runs, dropping the task
        // releases over a blocking connection instead (see PendingRelease).
        drop(runtime_handle().spawn(pending.run()));
    }
}

/// A release not yet done; done synchronously if dropped unfinished.
struct PendingRelease {
    inner: Arc<Inner>,
    owner: String,
    done: bool,
}

impl PendingRelease {
    /// Releases, retrying while the lease could still be alive: a release that
    /// failed because the server was failing over would otherwise leave the
    /// whole fleet waiting for the lease to run out on the promoted replica.
    async fn run(mut self) {
        let lease = self.inner.options.lease;
        let started = Instant::now();
        let mut pause = Duration::from_millis(200);
        loop {
            match self.inner.release(&self.owner).await {
                Ok(()) => break,
                Err(err) if started.elapsed() + pause >= lease => {
                    tracing::warn!("{err}; the lease expires by itself within {lease:?}");
                    break;
                }
                Err(err) => {
                    tracing::debug!("{err}; retrying the release in {pause:?}");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
        }
        self.done = true;
    }
}

impl Drop for PendingRelease {
    fn drop(&mut self) {
        if !self.done {
            self.inner.release_blocking(&self.owner);
        }
    }
}

async fn renew_while_held(inner: Arc<Inner>, owner: String) {
    let every = inner.options.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        match inner.renew(&owner).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    key = %inner.lock_key,
                    "the refresh lease ran out before it could be renewed (was this process paused?); another process may refresh at the same time"
                );
                return;
            }
            Err(err) => tracing::warn!("{err}; retrying in {every:?}"),
        }
    }
}

/// The current runtime, or the shared one outside any runtime.
fn runtime_handle() -> tokio::runtime::Handle {
    tokio::runtime::Handle::try_current()
        .unwrap_or_else(|_| crate::runtime::shared_runtime().handle().clone())
}

/// `host/pid/random`: unique per lease, and it tells an operator who holds it.
fn owner_value() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length; gethostname writes at
    // most that many bytes.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let host = if ok {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "unknown-host".to_owned()
    };
    format!(
        "{host}/{}/{:016x}{:016x}",
        std::process::id(),
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_values_are_unique_and_name_the_process() {
        let (a, b) = (owner_value(), owner_value());
        assert_ne!(a, b);
        assert!(a.contains(&format!("/{}/", std::process::id())), "{a}");
    }
}
