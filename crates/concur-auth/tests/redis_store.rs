//! `RedisStore` against a real redis-server, and managers sharing it.
//!
//! Every test starts (and owns) its own redis-server on a free loopback port,
//! from the binary named by `CONCUR_TEST_REDIS_SERVER` (scripts/test-redis.sh
//! installs Debian's redis-server and sets it). Without that variable the tests
//! fail: a fleet store that was never tested must not look green.
//!
//! The fleet test's worker processes are `stress-worker fleet` (from
//! crates/concur-auth-reliability), four of them with four managers each.

#![cfg(feature = "redis")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use concur_auth::store::{self, RedisOptions, RedisStore};
use concur_auth::{
    Credentials, Error, ErrorKind, ManagerOptions, RetryPolicy, Secret, TokenManager, TokenRecord,
    TokenStore,
};
use fake_concur::{Counters, FakeConcur, FakeConfig};

const SERVER_ENV: &str = "CONCUR_TEST_REDIS_SERVER";

// ---------------------------------------------------------------------------
// A redis-server child owned by one test.

struct RedisServer {
    binary: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
    persistent: bool,
    extra: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// No persistence: the token record lives as long as the process.
    fn start() -> RedisServer {
        Self::launch(false, &[])
    }

    /// Append-only file fsynced at every write: a restart keeps the record.
    fn start_persistent() -> RedisServer {
        Self::launch(true, &[])
    }

    fn start_with(extra: &[&str]) -> RedisServer {
        Self::launch(false, extra)
    }

    fn launch(persistent: bool, extra: &[&str]) -> RedisServer {
        let binary = match std::env::var_os(SERVER_ENV) {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => panic!(
                "{SERVER_ENV} is not set. These tests start their own redis-server: run scripts/test-redis.sh, \
                 or `apt-get install redis-server` and set {SERVER_ENV}=/usr/bin/redis-server"
            ),
        };
        let mut server = RedisServer {
            binary,
            port: 0,
            dir: tempfile::tempdir().unwrap(),
            persistent,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            child: None,
        };
        for _attempt in 0..5 {
            server.port = free_port();
            if server.spawn_and_wait() {
                return server;
            }
        }
        panic!(
            "redis-server ({}) did not start; see {}",
            server.binary.display(),
            server.log()
        );
    }

    fn log(&self) -> String {
        self.dir.path().join("redis.log").display().to_string()
    }

    /// Starts the process on `self.port`; false if it exited (port taken).
    fn spawn_and_wait(&mut self) -> bool {
        let port = self.port.to_string();
        let dir = self.dir.path().display().to_string();
        let log = self.log();
        let mut args = vec![
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "no",
            "--save",
            "",
            "--dir",
            &dir,
            "--logfile",
            &log,
        ];
        if self.persistent {
            args.extend(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            args.extend(["--appendonly", "no"]);
        }
        args.extend(self.extra.iter().map(String::as_str));
        let child = Command::new(&self.binary)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("could not run {}: {err}", self.binary.display()));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.as_mut().unwrap().try_wait() {
                self.child = None;
                return false;
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.kill();
        false
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// SIGKILL, as a crash or an OOM kill would.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same port (and, when persistent, the same data).
    fn restart(&mut self) {
        self.kill();
        for _attempt in 0..20 {
            if self.spawn_and_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "redis-server did not restart on port {}; see {}",
            self.port,
            self.log()
        );
    }

    /// A plain connection for looking behind the store's back.
    fn raw(&self) -> redis::Connection {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match redis::Client::open(self.url()).unwrap().get_connection() {
                Ok(conn) => return conn,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(err) => panic!("no connection to the test redis-server: {err}"),
            }
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        redis::cmd("GET").arg(key).query(&mut self.raw()).unwrap()
    }

    fn keys(&self) -> Vec<String> {
        let mut conn = self.raw();
        let mut cursor = 0u64;
        let mut keys = Vec::new();
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("COUNT")
                .arg(1000)
                .query(&mut conn)
                .unwrap();
            keys.extend(batch);
            if next == 0 {
                return keys;
            }
            cursor = next;
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------------------
// Helpers.

fn store_with(server: &RedisServer, lease: Duration) -> RedisStore {
    RedisStore::with_options(
        &server.url(),
        RedisOptions {
            lease,
            timeout: Duration::from_secs(2),
            ..RedisOptions::default()
        },
    )
    .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn record(refresh: &str) -> TokenRecord {
    TokenRecord {
        refresh_token: Secret::new(refresh),
        refresh_token_expires_at: Some(now() + 86_400),
        geolocation: Some("https://us2.api.concursolutions.com".into()),
        ..Default::default()
    }
}

/// A refresh token the fake knows, with a stale access token, as an earlier run
/// would leave it.
fn seeded_record(fake: &FakeConcur) -> TokenRecord {
    let issued = fake.issue_refresh_token();
    TokenRecord {
        access_token: Some(Secret::new(issued.access_token)),
        access_token_expires_at: Some(now() - 10),
        expires_in: Some(issued.expires_in as i64),
        refresh_token: Secret::new(issued.refresh_token),
        refresh_token_expires_at: Some(issued.refresh_expires_in as i64),
        geolocation: Some(issued.geolocation),
        company_uuid: Some(fake.config().company_uuid),
        token_type: Some("Bearer".into()),
        ..Default::default()
    }
}

/// A fake Concur with 2 s access tokens and rotation on, whose refresh token
/// (with an already stale access token) is stored in `server`.
async fn rotating_fake_seeded_into(server: &RedisServer) -> FakeConcur {
    let fake = FakeConcur::start(FakeConfig {
        access_token_ttl_secs: 2,
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    RedisStore::open(&server.url())
        .unwrap()
        .save(&seeded_record(&fake), None)
        .await
        .unwrap();
    fake
}

fn credentials() -> Credentials {
    let config = FakeConfig::default();
    Credentials::new(config.client_id, config.client_secret)
        .unwrap()
        .with_company(config.company_uuid, config.request_token)
}

fn options(base_url: &str) -> ManagerOptions {
    ManagerOptions {
        base_url: base_url.to_owned(),
        lock_wait: Duration::from_secs(20),
        retry: RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_secs(1),
            max_elapsed: Duration::from_secs(5),
        },
        ..ManagerOptions::default()
    }
}

fn manager_on(store: RedisStore, base_url: &str) -> TokenManager {
    TokenManager::new(credentials(), Arc::new(store), options(base_url)).unwrap()
}

fn assert_no_secret(text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret leaked into: {text}"
        );
    }
}

/// No key name holds a secret, and nothing but the record holds one.
fn assert_keys_hold_no_secret(server: &RedisServer, secrets: &[String]) {
    let keys = server.keys();
    for key in &keys {
        assert_no_secret(key, secrets);
        assert!(key.starts_with("concur-auth:"), "unexpected key {key}");
        if key != "concur-auth:token" {
            if let Some(value) = server.get(key) {
                assert_no_secret(&value, secrets);
            }
        }
    }
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// ---------------------------------------------------------------------------
// The store contract.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_save_compare_and_swap_and_clear() {
    let server = RedisServer::start();
    let store = RedisStore::open(&server.url()).unwrap();
    assert_eq!(store.load().await.unwrap(), None);

    let r1 = store.save(&record("r1"), None).await.unwrap();
    let raw = server.get("concur-auth:token").unwrap();
    let again = TokenRecord::from_json(raw.as_bytes()).unwrap();
    assert_eq!((again.refresh_token.expose(), again.revision), ("r1", r1));

    // Expected "absent" while something is stored: refused, nothing changes.
    let err = store.save(&record("r-other"), None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("changed underneath"), "{err}");
    assert!(err.is_conflict(), "{err}");
    assert!(err.message().contains(&format!("Some({r1})")), "{err}");

    let r2 = store.save(&record("r2"), Some(r1)).await.unwrap();
    assert!(r2 > r1, "{r2} after {r1}");
    let err = store.save(&record("r3"), Some(r1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("changed underneath"), "{err}");
    assert!(err.is_conflict(), "{err}");
    let loaded = store.load().await.unwrap().unwrap();
    assert_eq!((loaded.refresh_token.expose(), loaded.revision), ("r2", r2));

    // A second store instance (another process) sees the same record.
    let other = RedisStore::open(&server.url()).unwrap();
    assert_eq!(other.load().await.unwrap().unwrap(), loaded);

    store.clear().await.unwrap();
    assert_eq!(store.load().await.unwrap(), None);
    store.clear().await.unwrap();
    let err = store.save(&record("r4"), Some(r2)).await.unwrap_err();
    assert!(err.message().contains("changed underneath"), "{err}");
    assert!(err.is_conflict(), "{err}");
    // Revisions never repeat, even after a clear: a holder of revision r1 or r2
    // can never match the new record.
    let r4 = store.save(&record("r4"), None).await.unwrap();
    assert!(r4 > r2, "{r4} after a clear, {r2} before");
    assert!(store.describe().starts_with(&format!(
        "redis 127.0.0.1:{} (db 0) key concur-auth:token",
        server.port
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tutorial_record_without_revision_counts_as_revision_zero() {
    let server = RedisServer::start();
    let store = RedisStore::open(&server.url()).unwrap();
    let tutorial = r#"{"access_token":"a","expires_in":"3600","refresh_token":"ref-1",
        "refresh_expires_in":1790000000,"geolocation":"https://us.api.concursolutions.com"}"#;
    let _: () = redis::cmd("SET")
        .arg("concur-auth:token")
        .arg(tutorial)
        .query(&mut server.raw())
        .unwrap();
    let loaded = store.load().await.unwrap().unwrap();
    assert_eq!(loaded.revision, 0);
    assert!(store.save(&loaded, Some(0)).await.unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lease_excludes_a_second_holder_until_released() {
    let server = RedisServer::start();
    let (a, b) = (
        store_with(&server, Duration::from_secs(5)),
        store_with(&server, Duration::from_secs(5)),
    );
    let held = a.lock(Duration::from_secs(1)).await.unwrap();
    let holder = a.lease_holder().await.unwrap().unwrap();
    assert!(
        holder.contains(&format!("/{}/", std::process::id())),
        "{holder}"
    );

    let started = Instant::now();
    let err = b.lock(Duration::from_millis(200)).await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("concur-auth:lock"), "{err}");
    assert!(err.message().contains(&holder), "names the holder: {err}");

    // Released on drop (asynchronously): the waiter gets it at once.
    let waiter = tokio::spawn(async move {
        let started = Instant::now();
        let lease = b.lock(Duration::from_secs(3)).await;
        (lease, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(held);
    let (lease, waited) = waiter.await.unwrap();
    let lease = lease.unwrap();
    assert!(waited < Duration::from_secs(1), "waited {waited:?}");
    drop(lease);
    wait_for("the lease to be released", Duration::from_secs(2), || {
        server.get("concur-auth:lock").is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_holders_lease_expires_by_itself() {
    let server = RedisServer::start();
    let store = store_with(&server, Duration::from_secs(5));
    // A holder that died without releasing: only its expiry remains.
    let _: () = redis::cmd("SET")
        .arg("concur-auth:lock")
        .arg("dead-host/4242/0123")
        .arg("PX")
        .arg(700)
        .query(&mut server.raw())
        .unwrap();
    let err = store.lock(Duration::from_millis(100)).await.unwrap_err();
    assert!(err.message().contains("dead-host/4242/0123"), "{err}");
    let started = Instant::now();
    let _lease = store.lock(Duration::from_secs(5)).await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "waited {waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_releases_or_renews_the_lease() {
    let server = RedisServer::start();
    let store = store_with(&server, Duration::from_millis(300));
    let held = store.lock(Duration::from_secs(1)).await.unwrap();
    // Our lease ran out and someone else took it (simulated by overwriting it).
    let _: () = redis::cmd("SET")
        .arg("concur-auth:lock")
        .arg("other-host/1/feed")
        .arg("PX")
        .arg(5000)
        .query(&mut server.raw())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await; // a renewal tick passes
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server.get("concur-auth:lock").as_deref(),
        Some("other-host/1/feed"),
        "the other holder's lease was deleted"
    );
    let ttl: i64 = redis::cmd("PTTL")
        .arg("concur-auth:lock")
        .query(&mut server.raw())
        .unwrap();
    assert!(
        ttl > 3000 && ttl <= 5000,
        "the other holder's lease was renewed: {ttl}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_keeps_a_slow_holders_lease() {
    let server = RedisServer::start();
    let slow = store_with(&server, Duration::from_millis(300));
    let other = store_with(&server, Duration::from_millis(300));
    let held = slow.lock(Duration::from_secs(1)).await.unwrap();
    let owner = slow.lease_holder().await.unwrap().unwrap();
    // Four lease times later, the slow holder still holds it.
    for _ in 0..4 {
        assert!(other.lock(Duration::from_millis(250)).await.is_err());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(slow.lease_holder().await.unwrap(), Some(owner));
    drop(held);
    let _lease = other.lock(Duration::from_secs(1)).await.unwrap();
}

#[test]
fn the_lease_is_released_when_the_runtime_ends_first() {
    // A command-line tool: a current-thread runtime that ends right after the
    // last call, before a spawned release could run.
    let server = RedisServer::start();
    let store = store_with(&server, Duration::from_secs(30));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let lease = store.lock(Duration::from_secs(1)).await.unwrap();
        assert!(server.get("concur-auth:lock").is_some());
        drop(lease);
    });
    drop(runtime);
    assert_eq!(server.get("concur-auth:lock"), None, "released at shutdown");

    // A guard dropped outside any runtime is released on the shared one.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let lease = runtime
        .block_on(store.lock(Duration::from_secs(1)))
        .unwrap();
    drop(runtime);
    drop(lease);
    let deadline = Instant::now() + Duration::from_secs(1);
    while server.get("concur-auth:lock").is_some() {
        assert!(Instant::now() < deadline, "lease not released");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_store_outlives_the_runtime_that_connected_it() {
    // Bindings may call from several runtimes over a handle's life; a
    // connection whose driving runtime ended is replaced without an error.
    let server = RedisServer::start();
    let store = store_with(&server, Duration::from_secs(30));
    let first = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    first.block_on(store.save(&record("r1"), None)).unwrap();
    drop(first);
    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let loaded = second.block_on(store.load()).unwrap().unwrap();
    assert_eq!(loaded.refresh_token.expose(), "r1");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_record_is_moved_aside_not_overwritten() {
    let server = RedisServer::start();
    let store = RedisStore::open(&server.url()).unwrap();
    let _: () = redis::cmd("SET")
        .arg("concur-auth:token")
        .arg("{\"refresh_token\": \"abc-secret")
        .query(&mut server.raw())
        .unwrap();
    let err = store.load().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptStore);
    assert!(!err.to_string().contains("abc-secret"), "{err}");
    assert!(
        err.message().contains("concur-auth:token.corrupt-"),
        "{err}"
    );
    assert_eq!(server.get("concur-auth:token"), None);
    let aside: Vec<_> = server
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("concur-auth:token.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        server.get(&aside[0]).unwrap(),
        "{\"refresh_token\": \"abc-secret"
    );
    // A fresh exchange may now save over the empty slot.
    store.save(&record("r1"), None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_value_under_the_key_is_a_clear_store_error() {
    let server = RedisServer::start();
    let store = RedisStore::open(&server.url()).unwrap();
    let _: () = redis::cmd("HSET")
        .arg("concur-auth:token")
        .arg("field")
        .arg("value")
        .query(&mut server.raw())
        .unwrap();
    for err in [
        store.load().await.unwrap_err(),
        store.save(&record("r1"), None).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::Store);
        assert!(err.message().contains("another key prefix"), "{err}");
    }
}

// ---------------------------------------------------------------------------
// Errors: clear, and never the password.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_redis_is_a_store_error_naming_the_server_not_the_password() {
    let store = store::open("redis://:sekret@127.0.0.1:1/0").unwrap();
    assert!(!format!("{store:?} {}", store.describe()).contains("sekret"));
    let mut errors: Vec<Error> = vec![
        store.load().await.unwrap_err(),
        store.save(&record("r1"), None).await.unwrap_err(),
        store.clear().await.unwrap_err(),
    ];
    errors.push(store.lock(Duration::from_secs(1)).await.unwrap_err());
    let manager = TokenManager::with_store_location(
        credentials(),
        "redis://:sekret@127.0.0.1:1/0",
        options("http://127.0.0.1:1"),
    )
    .unwrap();
    errors.push(manager.access_token().await.unwrap_err());
    errors.push(manager.status().await.unwrap_err());
    for err in errors {
        assert_eq!(err.kind(), ErrorKind::Store, "{err}");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("sekret"), "{text}");
        assert!(text.contains("127.0.0.1:1 (db 0)"), "{text}");
        assert!(
            text.contains("is redis-server running at 127.0.0.1:1"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_named_not_shown() {
    let server = RedisServer::start_with(&["--requirepass", "the-right-one-Qz"]);
    let wrong = format!("redis://:sekret-wrong@127.0.0.1:{}/0", server.port);
    let err = store::open(&wrong).unwrap().load().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    let text = format!("{err} {err:?}");
    assert!(!text.contains("sekret-wrong"), "{text}");
    assert!(text.contains("password in the Redis URL"), "{text}");
    let right = format!("redis://:the-right-one-Qz@127.0.0.1:{}/0", server.port);
    assert_eq!(store::open(&right).unwrap().load().await.unwrap(), None);
}

// ---------------------------------------------------------------------------
// Managers on Redis.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_exchanges_refreshes_and_revokes_through_redis() {
    let server = RedisServer::start();
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let manager =
        TokenManager::with_store_location(credentials(), &server.url(), options(&fake.base_url()))
            .unwrap();
    let status = manager.exchange_request_token().await.unwrap();
    assert!(status.initialized);
    assert!(
        status.store.starts_with("redis 127.0.0.1:"),
        "{}",
        status.store
    );
    let token = manager.access_token().await.unwrap();

    // Another process (a new manager on its own connection) reuses it.
    let other = manager_on(RedisStore::open(&server.url()).unwrap(), &fake.base_url());
    assert_eq!(other.access_token().await.unwrap(), token);
    assert_eq!(fake.counters().refresh_grants, 0);
    let reply = other
        .api_client()
        .get("/profile/identity/v4/Users/")
        .await
        .unwrap();
    assert_eq!(reply.status, 200);

    let exchanged =
        TokenRecord::from_json(server.get("concur-auth:token").unwrap().as_bytes()).unwrap();
    let forced = other.force_refresh().await.unwrap();
    assert_ne!(forced, token);
    let stored =
        TokenRecord::from_json(server.get("concur-auth:token").unwrap().as_bytes()).unwrap();
    assert_eq!(stored.access_token.as_ref(), Some(&forced));
    assert!(stored.revision > exchanged.revision);
    assert_keys_hold_no_secret(&server, &fake.known_secrets());

    other.revoke().await.unwrap();
    assert_eq!(server.get("concur-auth:token"), None);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_access_token_is_served_from_memory_while_redis_is_down() {
    let mut server = RedisServer::start();
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let store = RedisStore::open(&server.url()).unwrap();
    store.save(&seeded_record(&fake), None).await.unwrap();
    let manager = manager_on(store, &fake.base_url());
    let token = manager.access_token().await.unwrap();
    let requests = fake.counters().token_requests;

    server.kill();
    for _ in 0..20 {
        assert_eq!(manager.access_token().await.unwrap(), token);
    }
    assert_eq!(manager.cached_access_token(), Some(token.clone()));
    let reply = manager
        .api_client()
        .get("/profile/identity/v4/Users/")
        .await
        .unwrap();
    assert_eq!(reply.status, 200);

    // Only what needs the store fails, clearly.
    let err = manager.force_refresh().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(
        err.message().contains(&format!(
            "is redis-server running at 127.0.0.1:{}",
            server.port
        )),
        "{err}"
    );
    assert_no_secret(&format!("{err} {err:?}"), &fake.known_secrets());
    assert_eq!(
        fake.counters().token_requests,
        requests,
        "no refresh without the lease"
    );
    assert_eq!(manager.access_token().await.unwrap(), token);
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_recover_when_redis_restarts() {
    let _turn = FLEET_TURN.lock().await;
    let mut server = RedisServer::start_persistent();
    let fake = rotating_fake_seeded_into(&server).await;
    let started = Instant::now();
    let run_for = Duration::from_secs(8);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let manager = manager_on(RedisStore::open(&server.url()).unwrap(), &fake.base_url());
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while started.elapsed() < run_for {
                    let result = manager.access_token().await;
                    outcomes.push((started.elapsed(), result.map(drop)));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                outcomes
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(2500)).await;
    let killed_at = started.elapsed();
    server.kill();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    tokio::task::block_in_place(|| server.restart());
    let restarted_at = started.elapsed();

    let secrets = fake.known_secrets();
    let grace = restarted_at + Duration::from_secs(3);
    let mut failed_during_outage = 0;
    for worker in workers {
        let outcomes = worker.await.unwrap();
        let last_ok = outcomes
            .iter()
            .rev()
            .find(|(_, r)| r.is_ok())
            .map(|(at, _)| *at);
        assert!(
            last_ok.is_some_and(|at| at > grace),
            "a manager never recovered after the restart at {restarted_at:?}"
        );
        for (at, result) in &outcomes {
            let Err(err) = result else { continue };
            assert_no_secret(&format!("{err} {err:?}"), &secrets);
            assert!(
                *at >= killed_at && *at <= grace,
                "error outside the outage ({killed_at:?}..{grace:?}) at {at:?}: {err}"
            );
            failed_during_outage += 1;
        }
    }
    // The access token lives 2 s (fresh for 1 s): stale caches met the outage.
    assert!(
        failed_during_outage > 0,
        "the outage went unnoticed: was Redis really down?"
    );
    let after = fake.counters();
    assert!(after.refresh_grants >= 4, "{after:?}");
    assert_keys_hold_no_secret(&server, &secrets);
    fake.shutdown().await;
}

// ---------------------------------------------------------------------------
// A fleet: 16 managers in 4 processes, rotation on, 2-second access tokens.

/// `stress-worker` (crates/concur-auth-reliability), the fleet test's worker
/// process: cargo builds it beside this test when the workspace is tested.
fn stress_worker() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("stress-worker");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p concur-auth-reliability` (cargo test --workspace builds it)",
        path.display()
    );
    path
}

/// The tutorials' credentials.json for the fake's app, in `folder`.
fn credentials_file(fake: &FakeConcur, folder: &std::path::Path) -> PathBuf {
    let credentials = folder.join("credentials.json");
    let config = fake.config();
    std::fs::write(
        &credentials,
        serde_json::json!({"appID": config.client_id, "clientSecret": config.client_secret})
            .to_string(),
    )
    .unwrap();
    credentials
}

/// `processes` stress-worker processes with `managers` managers each, calling
/// for `seconds` through the store at `url`.
fn spawn_fleet(
    url: &str,
    fake: &FakeConcur,
    credentials: &std::path::Path,
    (processes, managers, seconds): (usize, usize, u64),
) -> Vec<Child> {
    let worker = stress_worker();
    (0..processes)
        .map(|_| {
            Command::new(&worker)
                .args(["--credentials", credentials.to_str().unwrap()])
                .args(["--store", url, "--base-url", &fake.base_url()])
                .args(["--leeway", "300", "fleet"])
                .args(["--managers", &managers.to_string()])
                .args(["--seconds", &seconds.to_string()])
                .env_remove("RUST_LOG")
                .env_remove("CONCUR_AUTH_LOG")
                .env("CONCUR_REDIS_TIMEOUT_MS", "1000")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

/// Fleet runs take turns: each asserts refreshes per second and outage times,
/// which two fleets sharing two cores would blur.
static FLEET_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What a fleet run did, from the workers' reports.
struct FleetRun {
    managers: usize,
    /// One-second windows from the first call to the last.
    windows: u64,
    /// When the last call ended (Unix ms).
    last_ms: u64,
    /// Every manager's report.
    reports: Vec<serde_json::Value>,
}

impl FleetRun {
    async fn collect(children: Vec<Child>, fake: &FakeConcur) -> FleetRun {
        let mut workers = Vec::new();
        for child in children {
            let output = tokio::task::spawn_blocking(move || child.wait_with_output())
                .await
                .unwrap()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(
                output.status.success(),
                "worker failed:\n{stdout}\n{stderr}"
            );
            let line = stdout
                .lines()
                .find_map(|l| l.split_once("FLEET-RESULT ").map(|(_, json)| json))
                .unwrap_or_else(|| panic!("no result from the worker:\n{stdout}\n{stderr}"));
            workers.push(serde_json::from_str::<serde_json::Value>(line).unwrap());
            assert_no_secret(&(stdout + &stderr), &fake.known_secrets());
        }
        let ms = |key: &'static str| workers.iter().map(move |w| w[key].as_u64().unwrap());
        let (first, last) = (ms("first_ms").min().unwrap(), ms("last_ms").max().unwrap());
        let reports: Vec<_> = workers
            .iter()
            .flat_map(|w| w["managers"].as_array().unwrap().clone())
            .collect();
        FleetRun {
            managers: reports.len(),
            // A 2 s token is fresh for 1 s (the leeway is capped at half its
            // life), and freshness is counted in whole seconds: one refresh
            // per wall-clock second.
            windows: last / 1000 - first / 1000 + 1,
            last_ms: last,
            reports,
        }
    }

    /// Every manager called often, and got an answer each time.
    fn assert_no_errors(&self) {
        for manager in &self.reports {
            assert_eq!(manager["errors"].as_array().unwrap().len(), 0, "{manager}");
            assert!(manager["calls"].as_u64().unwrap() > 50, "{manager}");
            assert!(manager["api_calls"].as_u64().unwrap() > 5, "{manager}");
        }
    }

    /// One refresh per window, give or take the windows at either end.
    fn assert_one_refresh_per_window(&self, refreshes: u64) {
        assert!(
            refreshes + 1 >= self.windows && refreshes <= self.windows + 1,
            "{refreshes} refreshes in {} one-second windows",
            self.windows
        );
    }
}

/// 4 processes x 4 managers for `seconds` on `url`, nothing failing meanwhile:
/// every call answered, one refresh per window. The fake's counters after.
async fn steady_fleet(label: &str, url: &str, fake: &FakeConcur, seconds: u64) -> Counters {
    fake.reset_counters();
    let folder = tempfile::tempdir().unwrap();
    let credentials = credentials_file(fake, folder.path());
    let children = spawn_fleet(url, fake, &credentials, (4, 4, seconds));
    let run = FleetRun::collect(children, fake).await;
    let counters = fake.counters();
    assert_eq!(run.managers, 16);
    run.assert_no_errors();
    eprintln!(
        "{label}, 16 managers in 4 processes: {} refreshes in {} one-second windows, {} API calls",
        counters.refresh_grants, run.windows, counters.user_requests
    );
    run.assert_one_refresh_per_window(counters.refresh_grants);
    counters
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_managers_in_four_processes_refresh_once_per_window() {
    let _turn = FLEET_TURN.lock().await;
    let server = RedisServer::start();
    let fake = rotating_fake_seeded_into(&server).await;
    let counters = steady_fleet("one server", &server.url(), &fake, 10).await;
    assert_eq!(counters.password_grants, 0);
    assert!(counters.user_requests >= 16 * 5);
    assert_eq!(
        server.get("concur-auth:lock"),
        None,
        "a worker left its lease behind"
    );
    assert_keys_hold_no_secret(&server, &fake.known_secrets());
    fake.shutdown().await;
}

// ---------------------------------------------------------------------------
// Fencing and durability.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_whose_lease_ran_out_cannot_write() {
    let server = RedisServer::start();
    let store = store_with(&server, Duration::from_millis(600));
    let r1 = store.save(&record("r1"), None).await.unwrap();
    let ours = store.lock(Duration::from_secs(1)).await.unwrap();
    // The lease runs out while we are paused (a stop-the-world pause, SIGSTOP):
    // to Redis, it is gone.
    let _: i64 = redis::cmd("DEL")
        .arg("concur-auth:lock")
        .query(&mut server.raw())
        .unwrap();
    let err = store.save(&record("r2-late"), Some(r1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(!err.is_conflict(), "{err}");
    assert!(
        err.message().contains("no longer holds the refresh lease"),
        "{err}"
    );

    // Another process takes the lease: the old holder still cannot write, nor
    // can a process that holds no lease; the new holder can.
    let other = RedisStore::open(&server.url()).unwrap();
    let theirs = other.lock(Duration::from_secs(1)).await.unwrap();
    assert!(store.save(&record("r2-late"), Some(r1)).await.is_err());
    let bystander = RedisStore::open(&server.url()).unwrap();
    let err = bystander
        .save(&record("r2-rogue"), Some(r1))
        .await
        .unwrap_err();
    assert!(err.message().contains("refresh lease"), "{err}");
    let r2 = other.save(&record("r2"), Some(r1)).await.unwrap();
    drop(ours);
    let loaded = store.load().await.unwrap().unwrap();
    assert_eq!((loaded.refresh_token.expose(), loaded.revision), ("r2", r2));
    drop(theirs);
}

/// A release that meets a dead server (a failover under way) is retried, so
/// the fleet does not wait for the lease to run out once Redis is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_that_meets_a_dead_server_is_retried_when_it_returns() {
    let mut server = RedisServer::start_persistent();
    let store = RedisStore::open(&server.url()).unwrap();
    let lease = store.lock(Duration::from_secs(1)).await.unwrap();
    server.kill();
    drop(lease);
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::task::block_in_place(|| server.restart());
    // The lease lives 30 s; the retried release ends it within seconds.
    wait_for("the lease to be released", Duration::from_secs(5), || {
        let mut get = redis::cmd("GET");
        get.arg("concur-auth:lock");
        // Err while the restarted server still loads its data.
        matches!(get.query::<Option<String>>(&mut server.raw()), Ok(None))
    })
    .await;
}

/// Clones share one connection, not one lease: a clone that took the next
/// lease in another task does not lend it to the holder whose lease ran out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clone_holding_the_next_lease_does_not_lend_it_to_the_late_holder() {
    let server = RedisServer::start();
    let store = store_with(&server, Duration::from_millis(600));
    let r1 = store.save(&record("r1"), None).await.unwrap();
    let ours = store.lock(Duration::from_secs(1)).await.unwrap();
    let _: i64 = redis::cmd("DEL")
        .arg("concur-auth:lock")
        .query(&mut server.raw())
        .unwrap();
    let clone = store.clone();
    let (taken, taken_rx) = tokio::sync::oneshot::channel();
    let (go, go_rx) = tokio::sync::oneshot::channel::<()>();
    let successor = tokio::spawn(async move {
        let lease = clone.lock(Duration::from_secs(1)).await.unwrap();
        taken.send(()).unwrap();
        go_rx.await.unwrap();
        let saved = clone.save(&record("r2"), Some(r1)).await;
        drop(lease);
        saved
    });
    taken_rx.await.unwrap();
    let err = store.save(&record("late"), Some(r1)).await.unwrap_err();
    assert!(
        err.message().contains("no longer holds the refresh lease"),
        "{err}"
    );
    go.send(()).unwrap();
    let r2 = successor.await.unwrap().unwrap();
    drop(ours);
    let loaded = store.load().await.unwrap().unwrap();
    assert_eq!((loaded.refresh_token.expose(), loaded.revision), ("r2", r2));
}

/// The settings docs/fleet.md recommends (appendonly yes, appendfsync always):
/// a rotated refresh token whose save was acknowledged survives a SIGKILL of
/// redis-server right after it, and the next refresh works with what Redis
/// holds after the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_save_survives_redis_being_killed_right_after() {
    let mut server = RedisServer::start_persistent();
    let fake = rotating_fake_seeded_into(&server).await;
    // A lease the killed server kept (its release never reached it) ends by
    // itself; a short one keeps the test short.
    let lease = Duration::from_millis(500);
    for _round in 0..3 {
        let manager = manager_on(store_with(&server, lease), &fake.base_url());
        manager.force_refresh().await.unwrap();
        server.kill();
        tokio::task::block_in_place(|| server.restart());
    }
    // A new process, with only what Redis kept: the chain of rotated refresh
    // tokens is intact (the fake retires each one it replaces).
    let before = fake.counters().refresh_grants;
    let manager = manager_on(store_with(&server, lease), &fake.base_url());
    manager.force_refresh().await.unwrap();
    assert_eq!(fake.counters().refresh_grants, before + 1);
    fake.shutdown().await;
}

/// `WAIT`: with replicas expected and none acknowledging, the save is reported
/// as failed (`store`) and the manager keeps the rotated token; once a replica
/// follows, saves succeed and the token chain is intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_wait_for_replicas_and_fail_when_none_acknowledge() {
    let primary = RedisServer::start();
    let fake = rotating_fake_seeded_into(&primary).await;
    let waiting = RedisStore::with_options(
        &primary.url(),
        RedisOptions {
            wait_replicas: Some(1),
            timeout: Duration::from_millis(300),
            ..RedisOptions::default()
        },
    )
    .unwrap();
    let manager = manager_on(waiting, &fake.base_url());
    let err = manager.force_refresh().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store, "{err}");
    assert!(err.message().contains("0 of 1 replicas"), "{err}");
    assert_no_secret(&format!("{err} {err:?}"), &fake.known_secrets());

    let replica = RedisServer::start_with(&["--replicaof", "127.0.0.1", &primary.port.to_string()]);
    wait_for("the replica to sync", Duration::from_secs(10), || {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut primary.raw())
            .unwrap();
        info.contains("state=online")
    })
    .await;
    // The kept token is saved first, then refreshed with: no 108 from Concur.
    manager.force_refresh().await.unwrap();
    let on_replica = replica.get("concur-auth:token").unwrap();
    assert_eq!(on_replica, primary.get("concur-auth:token").unwrap());
    fake.shutdown().await;
}

// ---------------------------------------------------------------------------
// Redis Cluster and Sentinel, from the same redis-server binary.

/// `redis-cli` beside the redis-server under test.
fn redis_cli() -> PathBuf {
    let server = PathBuf::from(std::env::var_os(SERVER_ENV).expect(SERVER_ENV));
    server.with_file_name("redis-cli")
}

/// A 3-primary Redis Cluster on loopback ports (no replicas).
struct Cluster {
    nodes: Vec<RedisServer>,
}

impl Cluster {
    fn start() -> Cluster {
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| {
                let bus = free_port().to_string();
                RedisServer::start_with(&[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-port",
                    &bus,
                    "--cluster-node-timeout",
                    "2000",
                ])
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let created = Command::new(redis_cli())
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli");
        assert!(
            created.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        for node in &nodes {
            loop {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut node.raw())
                    .unwrap();
                if info.contains("cluster_state:ok") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the cluster never came up: {info}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Cluster { nodes }
    }

    fn url(&self) -> String {
        let nodes: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}", nodes.join(","))
    }

    /// Every key on every node.
    fn keys(&self) -> Vec<String> {
        self.nodes.iter().flat_map(RedisServer::keys).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_keeps_record_and_lease_in_one_slot_and_a_fleet_refreshes_once_per_window() {
    let _turn = FLEET_TURN.lock().await;
    let cluster = tokio::task::block_in_place(Cluster::start);
    let store = RedisStore::open(&cluster.url()).unwrap();
    assert_eq!(store.token_key(), "{concur-auth:}token");
    assert_eq!(store.lock_key(), "{concur-auth:}lock");
    assert!(store.describe().starts_with("redis cluster 127.0.0.1:"));

    // The contract holds across the cluster: compare-and-swap, lease fencing.
    let fake = FakeConcur::start(FakeConfig {
        access_token_ttl_secs: 2,
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    store.clear().await.unwrap();
    let seeded = store.save(&seeded_record(&fake), None).await.unwrap();
    let lease = store.lock(Duration::from_secs(2)).await.unwrap();
    let other = RedisStore::open(&cluster.url()).unwrap();
    let err = other
        .save(&record("rogue"), Some(seeded))
        .await
        .unwrap_err();
    assert!(err.message().contains("refresh lease"), "{err}");
    assert!(other.lock(Duration::from_millis(200)).await.is_err());
    drop(lease);
    let keys = cluster.keys();
    assert!(keys.contains(&"{concur-auth:}token".to_owned()), "{keys:?}");

    // A fleet on it: 4 processes x 4 managers, rotation on.
    steady_fleet("cluster", &cluster.url(), &fake, 8).await;
    for key in cluster.keys() {
        assert!(key.starts_with("{concur-auth:}"), "unexpected key {key}");
        assert_no_secret(&key, &fake.known_secrets());
    }
    fake.shutdown().await;
}

/// A sentinel watching the master set `main`.
struct SentinelNode {
    port: u16,
    _dir: tempfile::TempDir,
    child: Child,
}

impl SentinelNode {
    fn start(primary_port: u16) -> SentinelNode {
        let binary = PathBuf::from(std::env::var_os(SERVER_ENV).expect(SERVER_ENV));
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("sentinel.conf");
        std::fs::write(
            &config,
            format!(
                "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {dir}\nlogfile {dir}/sentinel.log\n\
                 sentinel monitor main 127.0.0.1 {primary_port} 2\n\
                 sentinel down-after-milliseconds main 1000\n\
                 sentinel failover-timeout main 4000\n\
                 sentinel parallel-syncs main 1\n",
                dir = dir.path().display()
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg(&config)
            .arg("--sentinel")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sentinel did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        SentinelNode {
            port,
            _dir: dir,
            child,
        }
    }

    fn query(&self, args: &[&str]) -> redis::Value {
        let mut conn = redis::Client::open(format!("redis://127.0.0.1:{}", self.port))
            .unwrap()
            .get_connection()
            .unwrap();
        redis::cmd("SENTINEL").arg(args).query(&mut conn).unwrap()
    }
}

impl Drop for SentinelNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Primary + 2 replicas (durable settings) + 3 sentinels; the primary is
/// SIGKILLed in the middle of a rotating fleet run. Callers see errors only
/// around the failover, the fleet goes on on the promoted replica, and the
/// refresh token chain is intact afterwards. (With a single replica, `WAIT 1`
/// has no replica to count once it is promoted: saves then fail, the token
/// kept, until the old primary returns as a replica.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sentinel_failover_mid_fleet_loses_no_token() {
    let _turn = FLEET_TURN.lock().await;
    let mut primary = RedisServer::start_persistent();
    let port = primary.port.to_string();
    let replicas: Vec<RedisServer> = (0..2)
        .map(|_| RedisServer::launch(true, &["--replicaof", "127.0.0.1", &port]))
        .collect();
    let sentinels: Vec<SentinelNode> = (0..3).map(|_| SentinelNode::start(primary.port)).collect();
    wait_for("both replicas to sync", Duration::from_secs(20), || {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut primary.raw())
            .unwrap();
        info.matches("state=online").count() == 2
    })
    .await;
    // The sentinels must know both replicas and each other before a failover.
    wait_for(
        "the sentinels to see the replicas",
        Duration::from_secs(20),
        || {
            sentinels.iter().all(|s| {
                let replicas = s.query(&["replicas", "main"]);
                let others = s.query(&["sentinels", "main"]);
                matches!(replicas, redis::Value::Array(ref r) if r.len() == 2)
                    && matches!(others, redis::Value::Array(ref o) if o.len() == 2)
            })
        },
    )
    .await;
    let nodes: Vec<String> = sentinels
        .iter()
        .map(|s| format!("127.0.0.1:{}", s.port))
        .collect();
    let url = format!("redis+sentinel://{}/main/0", nodes.join(","));
    let fake = FakeConcur::start(FakeConfig {
        access_token_ttl_secs: 2,
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    RedisStore::open(&url)
        .unwrap()
        .save(&seeded_record(&fake), None)
        .await
        .unwrap();
    fake.reset_counters();

    let folder = tempfile::tempdir().unwrap();
    let credentials = credentials_file(&fake, folder.path());
    // 20 s after the kill: time for a second election (failover-timeout 4 s
    // makes a failed one retry after 8 s), which a loaded CI machine needed
    // once (errors for 10 s, until a 14 s run ended).
    let children = spawn_fleet(&url, &fake, &credentials, (3, 4, 24));
    tokio::time::sleep(Duration::from_secs(4)).await;
    let killed_ms = unix_ms();
    primary.kill();
    let run = FleetRun::collect(children, &fake).await;

    let mut outage_ms = 0;
    let mut seen = std::collections::BTreeSet::new();
    for manager in &run.reports {
        let errors = manager["errors"].as_array().unwrap();
        for error in errors {
            let error = error.as_str().unwrap();
            assert!(error.starts_with("store"), "{error}");
            seen.insert(error.split(" within ").next().unwrap_or(error).to_owned());
        }
        if let Some(last) = manager["last_error_ms"].as_u64() {
            let first = manager["first_error_ms"].as_u64().unwrap();
            assert!(first >= killed_ms, "an error before the kill: {manager}");
            outage_ms = outage_ms.max(last - killed_ms);
        }
        assert!(manager["calls"].as_u64().unwrap() > 50, "{manager}");
    }
    let counters = fake.counters();
    eprintln!(
        "sentinel failover, {} managers in 3 processes: {} refreshes in {} one-second windows; callers saw errors for at most {outage_ms} ms after the SIGKILL",
        run.managers, counters.refresh_grants, run.windows
    );
    eprintln!("errors seen: {seen:#?}");
    // The fleet went on: for the last seconds of the run (calls every 10-30
    // ms), nobody saw an error any more.
    assert!(
        killed_ms + outage_ms + 2_000 < run.last_ms,
        "callers saw errors for {outage_ms} ms after the kill, until the run ended"
    );
    // The chain is intact: a new process refreshes with what the new primary holds.
    let before = counters.refresh_grants;
    let manager = manager_on(RedisStore::open(&url).unwrap(), &fake.base_url());
    manager.force_refresh().await.unwrap();
    assert_eq!(fake.counters().refresh_grants, before + 1);
    drop(replicas);
    fake.shutdown().await;
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}
