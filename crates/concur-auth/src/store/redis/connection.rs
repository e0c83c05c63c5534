//! The one shared connection of a store: connected on first use, replaced
//! when it breaks, and errors turned into messages that name the server
//! (never the URL's password) and say what to do.
//!
//! One server, a cluster and a Sentinel-watched primary differ only here: the
//! driver's own clients connect ([`redis::cluster::ClusterClient`] follows the
//! slot map, `MOVED` and `ASK`; [`redis::sentinel::SentinelClient`] asks the
//! sentinels for the current primary on every connect), and the rest of the
//! store talks to a [`Conn`].

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{AsyncConnectionConfig, Cmd, RedisError, RedisFuture, RedisResult, TlsMode, Value};

use super::location::{Location, Mode};
use super::{env, Inner, RedisOptions};
use crate::error::{Error, ErrorKind, Result};

/// Makes connections to wherever the location points.
pub(super) enum Connector {
    Single(redis::Client, AsyncConnectionConfig),
    Cluster(ClusterClient),
    Sentinel(tokio::sync::Mutex<SentinelClient>, AsyncConnectionConfig),
}

impl Connector {
    pub(super) fn new(location: &Location, options: &RedisOptions) -> RedisResult<Connector> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout));
        Ok(match &location.mode {
            Mode::Single => {
                Connector::Single(redis::Client::open(location.nodes[0].clone())?, config)
            }
            Mode::Cluster => Connector::Cluster(
                ClusterClientBuilder::new(location.nodes.clone())
                    .connection_timeout(options.timeout)
                    .response_timeout(options.timeout)
                    .build()?,
            ),
            Mode::Sentinel { master } => {
                let tls = location.tls.then_some(TlsMode::Secure);
                let data = &location.data_node;
                let mut builder = SentinelClientBuilder::new(
                    location.nodes.iter().map(|n| n.addr().clone()),
                    master,
                    SentinelServerType::Master,
                )?
                .set_client_to_redis_db(data.db());
                if let Some(user) = data.username() {
                    builder = builder.set_client_to_redis_username(user);
                }
                if let Some(password) = data.password() {
                    builder = builder.set_client_to_redis_password(password);
                }
                if let Some(tls) = tls {
                    builder = builder
                        .set_client_to_redis_tls_mode(tls)
                        .set_client_to_sentinel_tls_mode(tls);
                }
                Connector::Sentinel(tokio::sync::Mutex::new(builder.build()?), config)
            }
        })
    }

    async fn connect(&self) -> RedisResult<Conn> {
        Ok(match self {
            Connector::Single(client, config) => Conn::Single(
                client
                    .get_multiplexed_async_connection_with_config(config)
                    .await?,
            ),
            Connector::Cluster(client) => Conn::Cluster(client.get_async_connection().await?),
            Connector::Sentinel(client, config) => Conn::Single(
                client
                    .lock()
                    .await
                    .get_async_connection_with_config(config)
                    .await?,
            ),
        })
    }

    /// A short-lived blocking connection, for when no runtime is left.
    pub(super) fn blocking(
        &self,
        timeout: Duration,
    ) -> RedisResult<Box<dyn redis::ConnectionLike>> {
        Ok(match self {
            Connector::Single(client, _) => {
                let conn = client.get_connection_with_timeout(timeout)?;
                conn.set_read_timeout(Some(timeout))?;
                conn.set_write_timeout(Some(timeout))?;
                Box::new(conn)
            }
            Connector::Cluster(client) => Box::new(client.get_connection()?),
            Connector::Sentinel(client, _) => {
                let mut client = client.try_lock().map_err(|_| {
                    RedisError::from((redis::ErrorKind::Io, "the sentinel client is busy"))
                })?;
                let conn = client.get_connection()?;
                conn.set_read_timeout(Some(timeout))?;
                conn.set_write_timeout(Some(timeout))?;
                Box::new(conn)
            }
        })
    }
}

/// A connection to one server (directly or found through Sentinel) or to a
/// cluster; cheap to clone, shared by every command of a store.
#[derive(Clone)]
pub(super) enum Conn {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl Conn {
    /// `WAIT replicas timeout` after a write to `key`, on the connection (or the
    /// cluster node) that wrote it: how many replicas acknowledged it.
    pub(super) async fn wait_for_replicas(
        &mut self,
        key: &str,
        replicas: u32,
        timeout: Duration,
    ) -> RedisResult<i64> {
        let mut wait = redis::cmd("WAIT");
        wait.arg(replicas).arg(timeout.as_millis().max(1) as u64);
        match self {
            Conn::Single(conn) => wait.query_async(conn).await,
            Conn::Cluster(conn) => {
                let route = Route::with_key(key, SlotAddr::Master);
                let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(route));
                Ok(redis::from_redis_value(
                    conn.route_command(wait, routing).await?,
                )?)
            }
        }
    }
}

impl redis::aio::ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(conn) => conn.req_packed_command(cmd),
            Conn::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(conn) => conn.get_db(),
            Conn::Cluster(conn) => conn.get_db(),
        }
    }
}

impl Inner {
    /// The shared connection, connecting when there is none. `true` when it
    /// was made just now.
    pub(super) async fn connection(&self) -> Result<(u64, Conn, bool)> {
        let mut slot = self.connection.lock().await;
        if let Some((generation, conn)) = slot.as_ref() {
            return Ok((*generation, conn.clone(), false));
        }
        let connect = self.connector.connect();
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
        F: Fn(Conn, bool) -> Fut,
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

/// Whether the connection an error came from should be replaced: it broke,
/// or its server is no longer the primary (a failover demoted it).
fn broken(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_dropped()
        || err.is_timeout()
        || err.is_unrecoverable_error()
        || err.code() == Some("READONLY")
}
