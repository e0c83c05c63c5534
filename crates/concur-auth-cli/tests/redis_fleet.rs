//! `concur-auth --store redis://…` as a fleet runs it: many short-lived
//! processes sharing one token record, one of them killed mid-refresh.
//!
//! Each test starts its own redis-server on a free loopback port from the binary
//! named by `CONCUR_TEST_REDIS_SERVER` (scripts/test-redis.sh sets it); without
//! it the tests fail rather than skip.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use concur_auth::store::RedisStore;
use concur_auth::{Secret, TokenRecord, TokenStore};
use fake_concur::{FakeConcur, FakeConfig};

const BIN: &str = env!("CARGO_BIN_EXE_concur-auth");
const SERVER_ENV: &str = "CONCUR_TEST_REDIS_SERVER";

struct RedisServer {
    port: u16,
    _dir: tempfile::TempDir,
    child: Child,
}

impl RedisServer {
    fn start() -> RedisServer {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> RedisServer {
        let binary = match std::env::var_os(SERVER_ENV) {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => panic!(
                "{SERVER_ENV} is not set. These tests start their own redis-server: run scripts/test-redis.sh, \
                 or `apt-get install redis-server` and set {SERVER_ENV}=/usr/bin/redis-server"
            ),
        };
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut child = Command::new(&binary)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .args(extra)
                .arg("--dir")
                .arg(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|err| panic!("could not run {}: {err}", binary.display()));
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken meanwhile: try another
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return RedisServer {
                        port,
                        _dir: dir,
                        child,
                    };
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server ({}) did not start", binary.display());
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn store(&self) -> RedisStore {
        RedisStore::open(&self.url()).unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder holding the tutorials' credentials.json for the fake's app.
fn credentials_folder(config: &FakeConfig) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let json = serde_json::json!({
        "appID": config.client_id, "clientSecret": config.client_secret, "grantType": "password",
        "companyUUID": config.company_uuid, "companyRequestToken": config.request_token,
        "credentialType": "authtoken",
    });
    std::fs::write(dir.path().join("credentials.json"), json.to_string()).unwrap();
    dir
}

fn cli(folder: &Path, base_url: &str, store: &str, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(folder)
        .env("CONCUR_BASE_URL", base_url)
        .env_remove("CONCUR_STORE")
        .env_remove("RUST_LOG")
        .env_remove("CONCUR_REDIS_PREFIX")
        .env_remove("CONCUR_REDIS_LEASE_MS")
        .args(["--store", store])
        .args(args);
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Stores a refresh token the fake knows with a stale access token.
async fn seed(fake: &FakeConcur, store: &RedisStore) {
    let issued = fake.issue_refresh_token();
    let record = TokenRecord {
        access_token: Some(Secret::new(issued.access_token)),
        access_token_expires_at: Some(now() - 10),
        expires_in: Some(issued.expires_in as i64),
        refresh_token: Secret::new(issued.refresh_token),
        refresh_token_expires_at: Some(issued.refresh_expires_in as i64),
        geolocation: Some(issued.geolocation),
        company_uuid: Some(fake.config().company_uuid),
        token_type: Some("Bearer".into()),
        ..Default::default()
    };
    store.save(&record, None).await.unwrap();
}

fn assert_no_secret(text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret leaked into: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_processes_sharing_redis_refresh_once_per_window() {
    let server = RedisServer::start();
    let fake = FakeConcur::start(FakeConfig {
        access_token_ttl_secs: 2,
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    seed(&fake, &server.store()).await;
    fake.reset_counters();
    let folder = credentials_folder(&fake.config());
    let (url, base_url) = (server.url(), fake.base_url());

    let started_ms = unix_ms();
    let run_for = Duration::from_secs(6);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (folder, url, base_url) = (folder.path().to_owned(), url.clone(), base_url.clone());
            tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let mut runs = Vec::new();
                while started.elapsed() < run_for {
                    let call = Instant::now();
                    let output = cli(&folder, &base_url, &url, &["token"]).output().unwrap();
                    runs.push((call.elapsed(), output));
                }
                runs
            })
        })
        .collect();
    let mut tokens = std::collections::BTreeSet::new();
    let mut runs = 0;
    let mut slowest = Duration::ZERO;
    let mut stderr = String::new();
    for worker in workers {
        for (took, output) in worker.await.unwrap() {
            runs += 1;
            slowest = slowest.max(took);
            stderr.push_str(&text(&output.stderr));
            assert!(output.status.success(), "{}", text(&output.stderr));
            let out = text(&output.stdout);
            assert_eq!(out.lines().count(), 1, "token prints one line");
            tokens.insert(out.trim().to_owned());
        }
    }
    let ended_ms = unix_ms();
    let counters = fake.counters();
    // A 2 s token is fresh for 1 s, counted in whole seconds: one refresh per
    // wall-clock second, whichever process comes first.
    let windows = ended_ms / 1000 - started_ms / 1000 + 1;
    eprintln!(
        "{runs} CLI runs, {} refreshes in {windows} windows, {} distinct tokens, slowest run {slowest:?}",
        counters.refresh_grants,
        tokens.len()
    );
    assert!(runs >= 40, "only {runs} runs");
    assert!(
        counters.refresh_grants + 1 >= windows && counters.refresh_grants <= windows + 1,
        "{} refreshes in {windows} windows: {counters:?}",
        counters.refresh_grants
    );
    assert!(tokens.len() as u64 <= counters.refresh_grants);
    // Every process released its lease on exit: nobody waited for one to expire.
    assert!(slowest < Duration::from_secs(5), "a run took {slowest:?}");
    assert_eq!(server.store().lease_holder().await.unwrap(), None);
    assert_no_secret(&stderr, &fake.known_secrets());

    let status = cli(folder.path(), &base_url, &url, &["status"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert!(
        text(&status.stdout).contains(&format!(
            "redis 127.0.0.1:{} (db 0) key concur-auth:token",
            server.port
        )),
        "{}",
        text(&status.stdout)
    );
    fake.shutdown().await;
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_holder_killed_mid_refresh_blocks_others_only_until_its_lease_ends() {
    let server = RedisServer::start();
    let fake = FakeConcur::start(FakeConfig {
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let store = server.store();
    seed(&fake, &store).await;
    let folder = credentials_folder(&fake.config());
    let (url, base_url) = (server.url(), fake.base_url());

    // The holder's refresh hangs at Concur; it holds the lease meanwhile.
    fake.update_config(|c| c.latency_ms = 30_000);
    let mut holder = cli(folder.path(), &base_url, &url, &["token"])
        .env("CONCUR_REDIS_LEASE_MS", "1500")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid_mark = format!("/{}/", holder.id());
    let deadline = Instant::now() + Duration::from_secs(10);
    let owner = loop {
        if let Some(owner) = store.lease_holder().await.unwrap() {
            if owner.contains(&pid_mark) {
                break owner;
            }
        }
        assert!(Instant::now() < deadline, "the CLI never took the lease");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // Longer than the lease: the holder's renewals keep it.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(store.lease_holder().await.unwrap().as_ref(), Some(&owner));

    holder.kill().unwrap(); // SIGKILL: no release, no more renewals
    let killed = holder.wait_with_output().unwrap();
    assert!(!killed.status.success());
    fake.update_config(|c| c.latency_ms = 0);

    let started = Instant::now();
    let next = tokio::task::spawn_blocking({
        let (folder, url, base_url) = (folder.path().to_owned(), url.clone(), base_url.clone());
        move || cli(&folder, &base_url, &url, &["token"]).output().unwrap()
    })
    .await
    .unwrap();
    let waited = started.elapsed();
    eprintln!("the next process got a token {waited:?} after the kill");
    assert!(next.status.success(), "{}", text(&next.stderr));
    assert!(!text(&next.stdout).trim().is_empty());
    // It had to wait for the dead holder's lease (renewed every 500 ms, so at
    // least ~1 s of it was left), and not much longer.
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(6),
        "waited {waited:?}"
    );
    let call = cli(
        folder.path(),
        &base_url,
        &url,
        &["call", "GET", "/profile/identity/v4/Users/"],
    )
    .output()
    .unwrap();
    assert!(call.status.success(), "{}", text(&call.stderr));
    assert!(store.load().await.unwrap().unwrap().revision >= 2);
    assert_eq!(store.lease_holder().await.unwrap(), None);
    assert_no_secret(
        &(text(&next.stderr) + &text(&call.stderr) + &text(&killed.stderr)),
        &fake.known_secrets(),
    );
    fake.shutdown().await;
}

#[test]
fn an_unreachable_redis_is_exit_code_7_naming_the_server_not_the_password() {
    let folder = credentials_folder(&FakeConfig::default());
    let output = cli(
        folder.path(),
        "http://127.0.0.1:1",
        "redis://:sekret@127.0.0.1:1/0",
        &["token"],
    )
    .output()
    .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("127.0.0.1:1 (db 0)"), "{stderr}");
    assert!(stderr.contains("is redis-server running"), "{stderr}");
    assert!(!stderr.contains("sekret"), "{stderr}");
}

/// A Redis password never shows, whatever characters it holds and however the
/// scheme is written: not in `status`, `token`, nor any error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_password_never_shows_in_status_token_or_errors() {
    let password = "Pw/with?odd#chars@and\\more";
    let server = RedisServer::start_with(&["--requirepass", password]);
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let url = format!("REDIS://:{password}@127.0.0.1:{}/0", server.port);
    seed(&fake, &RedisStore::open(&url).unwrap()).await;
    let folder = credentials_folder(&fake.config());
    let base_url = fake.base_url();
    let mut shown = String::new();
    for args in [&["status"][..], &["token"], &["status", "--json"]] {
        let output = cli(folder.path(), &base_url, &url, args).output().unwrap();
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert!(output.status.success(), "{args:?}: {stderr}");
        shown.push_str(&stdout);
        shown.push_str(&stderr);
    }
    assert!(
        shown.contains(&format!("redis 127.0.0.1:{} (db 0)", server.port)),
        "{shown}"
    );
    for (bad, code) in [
        (
            format!("Redis://:{password}x@127.0.0.1:{}/0", server.port),
            7,
        ),
        (format!("rediss://:{password}@127.0.0.1:1/0"), 7),
        (format!("redis://:{password}@10.1.2.3:6379/0"), 3),
        (format!("redis+cluster://:{password}@[::1/0"), 3),
    ] {
        let output = cli(folder.path(), &base_url, &bad, &["token"])
            .output()
            .unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        assert!(output.stdout.is_empty());
        shown.push_str(&stderr);
    }
    for piece in ["Pw/with", "odd#chars", "and\\more", "more@"] {
        assert!(!shown.contains(piece), "{piece:?} shown in: {shown}");
    }
    assert!(shown.contains("CONCUR_REDIS_ALLOW_PLAINTEXT"), "{shown}");
    fake.shutdown().await;
}
