//! The one shared connection of a store: connected on first use, replaced
//! when it breaks, and errors turned into messages that name the server
//! (never the URL's password) and say what to do.

use std::future::Future;
use std::sync::atomic::Ordering;

use redis::aio::MultiplexedConnection;
use redis::RedisError;

use super::{env, Inner};
use crate::error::{Error, ErrorKind, Result};

impl Inner {
    /// The shared connection, connecting when there is none. `true` when it
    /// was made just now.
    pub(super) async fn connection(&self) -> Result<(u64, MultiplexedConnection, bool)> {
        let mut slot = self.connection.lock().await;
        if let Some((generation, conn)) = slot.as_ref() {
            return Ok((*generation, conn.clone(), false));
        }
        let connect = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config);
        // The driver's own timeouts apply; this one only bounds a stuck handshake.
        let conn = match tokio::time::timeout(self.options.timeout * 2, connect).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(err)) => return Err(self.error("connect to", &err)),
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Store,
                    format!(
                        "could not connect to Redis at {}: no answer within {:?}; is redis-server running at {} and reachable from this host?",
                        self.server,
                        self.options.timeout * 2,
                        self.address
                    ),
                ))
            }
        };
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        *slot = Some((generation, conn.clone()));
        Ok((generation, conn, true))
    }

    /// Drops the shared connection if it still is `generation`.
    async fn forget(&self, generation: u64) {
        let mut slot = self.connection.lock().await;
        if slot.as_ref().is_some_and(|(g, _)| *g == generation) {
            *slot = None;
        }
    }

    /// Runs `op` on the shared connection. A connection that turns out to be
    /// broken (Redis restarted, the runtime that drove it ended) is replaced,
    /// and `op` runs once more on a new one with its second argument `true`:
    /// every operation here is safe to repeat.
    pub(super) async fn run<T, F, Fut>(&self, action: &str, op: F) -> Result<T>
    where
        F: Fn(MultiplexedConnection, bool) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let (generation, conn, fresh) = self.connection().await?;
        let err = match op(conn, false).await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if !broken(&err) {
            return Err(self.error(action, &err));
        }
        self.forget(generation).await;
        if fresh || err.is_timeout() {
            return Err(self.error(action, &err));
        }
        tracing::debug!(server = %self.server, "the Redis connection was lost; reconnecting");
        let (generation, conn, _) = self.connection().await?;
        match op(conn, true).await {
            Ok(value) => Ok(value),
            Err(err) => {
                if broken(&err) {
                    self.forget(generation).await;
                }
                Err(self.error(action, &err))
            }
        }
    }

    /// A store error naming the server and saying what to do.
    pub(super) fn error(&self, action: &str, err: &RedisError) -> Error {
        let mut detail = err.to_string();
        if let Some(password) = &self.password {
            detail = detail.replace(password.expose(), crate::secret::REDACTED);
        }
        let code = err.code().unwrap_or_default();
        let hint = if err.kind() == redis::ErrorKind::AuthenticationFailed
            || matches!(code, "WRONGPASS" | "NOAUTH" | "NOPERM")
        {
            "check the user name and password in the Redis URL".to_owned()
        } else if code == "READONLY" || detail.contains("READONLY") {
            "this server is a read-only replica: point the URL at the primary".to_owned()
        } else if code == "LOADING" || detail.contains("LOADING") {
            "Redis is still loading its data after a restart: try again in a moment".to_owned()
        } else if detail.contains("WRONGTYPE") {
            format!(
                "the key {} or {} holds something that is not concur-auth's: delete it or choose another key prefix ({})",
                self.token_key,
                self.lock_key,
                env::PREFIX
            )
        } else if broken(err) || err.is_connection_refusal() {
            format!(
                "is redis-server running at {} and reachable from this host?",
                self.address
            )
        } else {
            String::new()
        };
        let mut message = format!("could not {action} Redis at {}: {detail}", self.server);
        if !hint.is_empty() {
            message.push_str("; ");
            message.push_str(&hint);
        }
        Error::new(ErrorKind::Store, message)
    }
}

/// Whether the connection an error came from should be replaced.
fn broken(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_dropped()
        || err.is_timeout()
        || err.is_unrecoverable_error()
}

/// The URL with any user information cut out, for messages.
pub(super) fn redact_url(url: &str) -> String {
    let url = url.trim();
    let Some(scheme_end) = url.find("://") else {
        return "(not a URL)".to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://[redacted]@{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_user_information() {
        assert_eq!(
            redact_url("redis://:sekret@127.0.0.1:6379/0"),
            "redis://[redacted]@127.0.0.1:6379/0"
        );
        assert_eq!(
            redact_url("rediss://user:p@ss@host/2"),
            "rediss://[redacted]@host/2"
        );
        assert_eq!(redact_url("redis://host:1/0"), "redis://host:1/0");
        assert_eq!(redact_url("nonsense"), "(not a URL)");
    }
}
