//! Every fault the issue names, against a refresh: the expected typed outcome,
//! and the stored refresh token intact (the file byte for byte unchanged).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use concur_auth::{
    Credentials, ErrorKind, FileStore, ManagerOptions, RetryPolicy, TokenManager, TokenRecord,
    TokenStore,
};
use fake_concur::{Endpoint, FakeConcur, FakeConfig, Fault};

mod common;
use common::{Folder, WORKER};

struct Case {
    name: &'static str,
    fault: Fault,
    count: u32,
    expect: ErrorKind,
}

fn cases() -> Vec<Case> {
    let case = |name, fault, count, expect| Case {
        name,
        fault,
        count,
        expect,
    };
    vec![
        case(
            "latency beyond the timeout",
            Fault::Delay { ms: 2_000 },
            10,
            ErrorKind::Timeout,
        ),
        case(
            "5xx burst",
            Fault::Status { status: 503 },
            10,
            ErrorKind::Server,
        ),
        case("500", Fault::Status { status: 500 }, 10, ErrorKind::Server),
        case(
            "429 asking for longer than the budget",
            Fault::RateLimited {
                retry_after_secs: 3_600,
            },
            10,
            ErrorKind::Server,
        ),
        case("dropped connections", Fault::Drop, 10, ErrorKind::Network),
        case(
            "HTML 502",
            Fault::Html { status: 502 },
            10,
            ErrorKind::Server,
        ),
        case(
            "HTML 200",
            Fault::Html { status: 200 },
            1,
            ErrorKind::InvalidResponse,
        ),
        case(
            "truncated JSON",
            Fault::MalformedJson,
            1,
            ErrorKind::InvalidResponse,
        ),
        case(
            "body over 1 MiB",
            Fault::HugeBody {
                bytes: 5 * 1024 * 1024,
            },
            1,
            ErrorKind::InvalidResponse,
        ),
        case(
            "wrong content type",
            Fault::WrongContentType,
            1,
            ErrorKind::InvalidResponse,
        ),
        case(
            "refresh token revoked (108)",
            Fault::Concur {
                status: 400,
                code: 108,
                error: "invalid_grant".into(),
                description: "bad token".into(),
            },
            1,
            ErrorKind::RefreshTokenExpired,
        ),
        case(
            "company under maintenance (134)",
            Fault::Concur {
                status: 503,
                code: 134,
                error: "server_error".into(),
                description: "maintenance".into(),
            },
            10,
            ErrorKind::Server,
        ),
    ]
}

fn options(fake: &FakeConcur) -> ManagerOptions {
    let mut options = ManagerOptions {
        base_url: fake.base_url(),
        retry: RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(10),
        },
        ..ManagerOptions::default()
    };
    options.http.request_timeout = Duration::from_millis(500);
    options
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_gives_its_typed_error_and_keeps_the_stored_token() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    for case in cases() {
        fake.clear_faults();
        let folder = Folder::seeded(&fake);
        let before = folder.seeded.clone();
        fake.push_fault(Endpoint::Token, case.fault.clone(), case.count);
        let manager =
            TokenManager::from_files(&folder.credentials, &folder.token_file, options(&fake))
                .unwrap();
        let started = std::time::Instant::now();
        let err = manager.access_token().await.expect_err(case.name);
        assert_eq!(err.kind(), case.expect, "{}: {err}", case.name);
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{}: bounded in time",
            case.name
        );
        assert_eq!(
            std::fs::read(&folder.token_file).unwrap(),
            before,
            "{}: token file changed",
            case.name
        );
        let text = err.to_string();
        for secret in fake.known_secrets() {
            assert!(
                !text.contains(&secret),
                "{}: secret in the error",
                case.name
            );
        }
        // Once the fault clears, the stored token still works.
        fake.clear_faults();
        let manager =
            TokenManager::from_files(&folder.credentials, &folder.token_file, options(&fake))
                .unwrap();
        if case.expect != ErrorKind::RefreshTokenExpired {
            manager
                .access_token()
                .await
                .unwrap_or_else(|e| panic!("{}: no recovery: {e}", case.name));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_clock_ten_minutes_off_changes_nothing() {
    for offset in [-600, 600] {
        let fake = FakeConcur::start(FakeConfig {
            clock_offset_secs: offset,
            ..FakeConfig::default()
        })
        .await
        .unwrap();
        let folder = Folder::seeded(&fake);
        let manager =
            TokenManager::from_files(&folder.credentials, &folder.token_file, options(&fake))
                .unwrap();
        manager.access_token().await.unwrap();
        manager.access_token().await.unwrap();
        assert_eq!(
            fake.counters().refresh_grants,
            1,
            "offset {offset}: access expiry is ours, not the server's"
        );
        let status = manager.status().await.unwrap();
        assert!(status.access_token_valid);
        assert!((179..=180).contains(&status.refresh_token_days_left.unwrap()));
    }
}

/// A save that fails as on a full disk.
#[derive(Debug)]
struct FullDisk(FileStore);

#[async_trait::async_trait]
impl TokenStore for FullDisk {
    async fn load(&self) -> concur_auth::Result<Option<TokenRecord>> {
        self.0.load().await
    }
    async fn lock(&self, wait: Duration) -> concur_auth::Result<Box<dyn concur_auth::StoreLease>> {
        self.0.lock(wait).await
    }
    async fn save(&self, _: &TokenRecord, _: Option<u64>) -> concur_auth::Result<u64> {
        Err(concur_auth::Error::new(
            ErrorKind::Store,
            "write failed: No space left on device (os error 28)",
        ))
    }
    async fn clear(&self) -> concur_auth::Result<()> {
        self.0.clear().await
    }
    fn describe(&self) -> String {
        self.0.describe()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_store_error_and_keeps_the_stored_token() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let folder = Folder::seeded(&fake);
    let before = folder.seeded.clone();
    let credentials = Credentials::from_file(&folder.credentials).unwrap();
    let store = Arc::new(FullDisk(FileStore::new(&folder.token_file)));
    let manager = TokenManager::new(credentials, store, options(&fake)).unwrap();
    let err = manager.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert_eq!(std::fs::read(&folder.token_file).unwrap(), before);
}

/// An unwritable folder, for real: root ignores permissions, so the worker runs
/// as `nobody` when the tests run as root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_token_folder_is_a_store_error_and_keeps_the_stored_token() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let folder = Folder::seeded(&fake);
    let before = folder.seeded.clone();
    let as_root = unsafe { libc::geteuid() } == 0;
    let mut command = if as_root {
        for path in [&folder.credentials, &folder.token_file] {
            chown_nobody(path);
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", WORKER]);
        c
    } else {
        std::process::Command::new(WORKER)
    };
    // The folder itself: readable and searchable, not writable (no temp file).
    std::fs::set_permissions(folder.dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    // The lock file must exist beforehand: creating it needs a writable folder too.
    let lock = folder.dir.path().join("refreshTokenObjectFile.json.lock");
    std::fs::set_permissions(folder.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(&lock, b"").unwrap();
    if as_root {
        chown_nobody(&lock);
    }
    std::fs::set_permissions(folder.dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    let output = command
        .args(["--credentials", folder.credentials.to_str().unwrap()])
        .args(["--token-file", folder.token_file.to_str().unwrap()])
        .args(["--base-url", &fake.base_url(), "refresh"])
        .output()
        .unwrap();
    std::fs::set_permissions(folder.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("Permission denied") && stderr.contains("writable"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&folder.token_file).unwrap(), before);
    assert_eq!(
        fake.counters().refresh_grants,
        0,
        "the store could not take a record, so the refresh token was never spent"
    );
}

fn chown_nobody(path: &Path) {
    std::os::unix::fs::chown(path, Some(65534), Some(65534)).unwrap();
}
