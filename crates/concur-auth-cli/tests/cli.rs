//! The `concur-auth` command, run as users run it: as a separate process.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use concur_auth::{Secret, TokenRecord};
use fake_concur::{FakeConcur, FakeConfig};

const BIN: &str = env!("CARGO_BIN_EXE_concur-auth");

struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        Folder {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// `concur-auth ARGS` in this folder, against `base_url`.
    fn run(&self, base_url: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(self.dir.path())
            .env("CONCUR_BASE_URL", base_url)
            .env_remove("RUST_LOG")
            .args(args)
            .output()
            .unwrap()
    }

    fn fill_credentials(&self, config: &FakeConfig) {
        let json = serde_json::json!({
            "appID": config.client_id, "clientSecret": config.client_secret, "grantType": "password",
            "companyUUID": config.company_uuid, "companyRequestToken": config.request_token,
            "credentialType": "authtoken",
        });
        let path = self.path("credentials.json");
        std::fs::write(&path, json.to_string()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_secret(output: &Output, secrets: &[String]) {
    let all = text(&output.stdout) + &text(&output.stderr);
    for secret in secrets {
        assert!(!all.contains(secret.as_str()), "secret leaked in: {all}");
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_writes_a_private_template_and_never_overwrites() {
    let folder = Folder::new();
    let out = folder.run("https://us2.api.concursolutions.com", &["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let creds = folder.path("credentials.json");
    assert_eq!(mode(&creds), 0o600);
    std::fs::write(&creds, "{\"appID\":\"mine\"}").unwrap();
    let again = folder.run("https://us2.api.concursolutions.com", &["init"]);
    assert_eq!(again.status.code(), Some(3));
    assert!(text(&again.stderr).contains("not overwriting"));
    assert_eq!(
        std::fs::read_to_string(&creds).unwrap(),
        "{\"appID\":\"mine\"}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_token_status_call_revoke() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let url = fake.base_url();
    let folder = Folder::new();
    folder.fill_credentials(&fake.config());

    let out = folder.run(&url, &["exchange"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&folder.path("refreshTokenObjectFile.json")), 0o600);

    let out = folder.run(&url, &["token"]);
    assert!(out.status.success());
    let printed = text(&out.stdout);
    let stored =
        TokenRecord::from_json(&std::fs::read(folder.path("refreshTokenObjectFile.json")).unwrap())
            .unwrap();
    assert_eq!(
        Some(Secret::new(printed.trim())),
        stored.access_token,
        "token prints the access token, only it"
    );
    assert_eq!(printed.lines().count(), 1);

    let out = folder.run(&url, &["status", "--json"]);
    assert!(out.status.success());
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["initialized"], true);
    assert_eq!(status["access_token_valid"], true);
    assert_no_secret(&out, &fake.known_secrets());

    let out = folder.run(&url, &["call", "GET", "/profile/identity/v4/Users/"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users["totalResults"], 1);

    let out = folder.run(
        &url,
        &["call", "GET", "/profile/identity/v4/Users/no-such-user"],
    );
    assert_eq!(
        out.status.code(),
        Some(10),
        "an HTTP error status is exit code 10"
    );

    let out = folder.run(&url, &["revoke"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(fake.revoked());
    let out = folder.run(&url, &["token"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("exchange"));
    assert_no_secret(&out, &fake.known_secrets());
}

/// A second `exchange` over a live refresh token is refused (exit 3, the file
/// unchanged, nothing sent: the request token stays usable); `--force` replaces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_refuses_a_live_refresh_token_without_force() {
    let fake = FakeConcur::start(FakeConfig {
        request_token_single_use: false,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let url = fake.base_url();
    let folder = Folder::new();
    folder.fill_credentials(&fake.config());
    assert!(folder.run(&url, &["exchange"]).status.success());
    let token_file = folder.path("refreshTokenObjectFile.json");
    let before = std::fs::read(&token_file).unwrap();

    let out = folder.run(&url, &["exchange"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for words in [
        "live refresh token",
        "days left",
        "exchange --force",
        "revoke",
    ] {
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    assert_no_secret(&out, &fake.known_secrets());
    assert_eq!(std::fs::read(&token_file).unwrap(), before);
    assert_eq!(fake.counters().password_grants, 1);

    let out = folder.run(&url, &["exchange", "--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fake.counters().password_grants, 2);
    assert_ne!(std::fs::read(&token_file).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_line_with_a_documented_exit_code_and_no_secret() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let url = fake.base_url();
    let folder = Folder::new();

    let out = folder.run(&url, &["exchange"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "missing credentials.json is a configuration error"
    );
    assert!(text(&out.stderr).contains("concur-auth init"));

    let mut config = fake.config();
    config.client_secret = "wrong-secret-xyz".into();
    folder.fill_credentials(&config);
    let out = folder.run(&url, &["exchange"]);
    assert_eq!(out.status.code(), Some(4));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("correlation id"));
    let mut secrets = fake.known_secrets();
    secrets.push("wrong-secret-xyz".into());
    assert_no_secret(&out, &secrets);

    let out = folder.run("http://example.com", &["exchange"]);
    assert_eq!(
        out.status.code(),
        Some(8),
        "plain HTTP off loopback is refused"
    );
}

/// Eight processes find the access token expired at once: the file lock and the
/// reload under it make that one refresh, and every process prints the same token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_on_one_token_file_make_one_refresh() {
    let config = FakeConfig {
        rotate_refresh_tokens: true, // a second refresh with the old token would fail
        latency_ms: 100,             // keep the refresh in flight while the others arrive
        ..FakeConfig::default()
    };
    let fake = FakeConcur::start(config).await.unwrap();
    let url = fake.base_url();
    let folder = Folder::new();
    folder.fill_credentials(&fake.config());
    let issued = fake.issue_refresh_token();
    let record = TokenRecord {
        access_token: Some(Secret::new(issued.access_token)),
        access_token_expires_at: Some(0),
        expires_in: Some(3600),
        refresh_token: Secret::new(issued.refresh_token),
        refresh_token_expires_at: Some(issued.refresh_expires_in as i64),
        geolocation: Some(issued.geolocation),
        ..Default::default()
    };
    std::fs::write(folder.path("refreshTokenObjectFile.json"), record.to_json()).unwrap();

    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(BIN)
                .current_dir(folder.dir.path())
                .env("CONCUR_BASE_URL", &url)
                .arg("token")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect()
    })
    .await
    .unwrap();
    for out in &outputs {
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let tokens: std::collections::HashSet<_> = outputs.iter().map(|o| text(&o.stdout)).collect();
    assert_eq!(tokens.len(), 1, "all processes got the same token");
    assert_eq!(fake.counters().refresh_grants, 1);
    let stored =
        TokenRecord::from_json(&std::fs::read(folder.path("refreshTokenObjectFile.json")).unwrap())
            .unwrap();
    assert_ne!(
        stored.refresh_token, record.refresh_token,
        "the rotated token was stored"
    );
}

#[test]
fn the_demo_runs_the_whole_flow_without_printing_a_secret() {
    let out = Command::new(BIN).arg("demo").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for step in [
        "[1]",
        "[3]",
        "[5]",
        "[7]",
        "HTTP 200",
        "Jane Doe",
        "mode 600",
        "[redacted]",
    ] {
        assert!(stdout.contains(step), "missing {step} in:\n{stdout}");
    }
    let defaults = FakeConfig::default();
    for secret in [defaults.client_secret, defaults.request_token] {
        assert!(!stdout.contains(&secret) && !text(&out.stderr).contains(&secret));
    }
    // Tokens are random per run; the demo prints none of them: no long opaque words.
    assert!(
        stdout
            .split_whitespace()
            .all(|w| w.len() < 60 || w.starts_with('/')),
        "something token-like was printed:\n{stdout}"
    );
}

/// A token file holding a refresh token the server knows and an access token
/// that expires `secs` from now (one-hour lifetime).
fn seed_token_file(folder: &Folder, fake: &FakeConcur, secs: i64) -> TokenRecord {
    let issued = fake.issue_refresh_token();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let record = TokenRecord {
        access_token: Some(Secret::new(issued.access_token)),
        access_token_expires_at: Some(now + secs),
        expires_in: Some(3600),
        refresh_token: Secret::new(issued.refresh_token),
        refresh_token_expires_at: Some(issued.refresh_expires_in as i64),
        geolocation: Some(issued.geolocation),
        ..Default::default()
    };
    std::fs::write(folder.path("refreshTokenObjectFile.json"), record.to_json()).unwrap();
    record
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_token_whose_refresh_fails_is_still_printed_with_a_warning() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let folder = Folder::new();
    folder.fill_credentials(&fake.config());
    let seeded = seed_token_file(&folder, &fake, 200);
    fake.push_fault(
        fake_concur::Endpoint::Token,
        fake_concur::Fault::Status { status: 503 },
        100,
    );
    let status = folder.run(&fake.base_url(), &["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["state"], "stale");
    let out = folder.run(&fake.base_url(), &["token"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        Some(Secret::new(text(&out.stdout).trim())),
        seeded.access_token
    );
    assert!(
        text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
    assert!(fake.counters().refresh_grants > 0, "a refresh was tried");
    assert_no_secret(&out, &[seeded.refresh_token.expose().to_owned()]);
    // Strict mode fails instead.
    let strict = folder.run(&fake.base_url(), &["--strict", "token"]);
    assert_eq!(strict.status.code(), Some(6), "{}", text(&strict.stderr));
    assert!(strict.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_token_is_renewed_by_a_token_run() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let folder = Folder::new();
    folder.fill_credentials(&fake.config());
    let seeded = seed_token_file(&folder, &fake, 200);
    let out = folder.run(&fake.base_url(), &["token"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed = Secret::new(text(&out.stdout).trim());
    assert_ne!(Some(printed.clone()), seeded.access_token);
    let stored =
        TokenRecord::from_json(&std::fs::read(folder.path("refreshTokenObjectFile.json")).unwrap())
            .unwrap();
    assert_eq!(stored.access_token, Some(printed));
    assert_eq!(fake.counters().refresh_grants, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_forces_one_refresh_and_status_check_exits_for_monitoring() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let url = fake.base_url();
    let folder = Folder::new();
    folder.fill_credentials(&fake.config());
    let check = |args: &[&str]| folder.run(&url, args).status.code();
    assert_eq!(check(&["status", "--check"]), Some(22), "nothing stored");

    let seeded = seed_token_file(&folder, &fake, 3000);
    let out = folder.run(&url, &["refresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stored =
        TokenRecord::from_json(&std::fs::read(folder.path("refreshTokenObjectFile.json")).unwrap())
            .unwrap();
    assert_ne!(
        stored.access_token, seeded.access_token,
        "a fresh token was still replaced"
    );
    assert_eq!(fake.counters().refresh_grants, 1);
    assert_no_secret(&out, &fake.known_secrets());

    // The fake issues refresh tokens for 180 days.
    assert_eq!(check(&["status", "--check"]), Some(0));
    assert_eq!(check(&["status", "--check", "--days", "200"]), Some(20));
    let mut expired = stored;
    expired.refresh_token_expires_at = Some(1_000_000);
    std::fs::write(
        folder.path("refreshTokenObjectFile.json"),
        expired.to_json(),
    )
    .unwrap();
    assert_eq!(check(&["status", "--check"]), Some(21));
    let text_out = folder.run(&url, &["status"]);
    assert!(text(&text_out.stdout).contains("EXPIRED"));
}

/// Issue 16 item 2: a store that cannot save fails *before* the refresh
/// request, so the stored refresh token is not spent. A full disk is played by
/// a file-size limit (RLIMIT_FSIZE) on the child: writing any file beyond a
/// few bytes fails, as on a full disk, without needing root for a tmpfs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_with_store_before_the_token_is_spent() {
    use std::os::unix::process::CommandExt;
    let config = FakeConfig {
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    };
    let fake = FakeConcur::start(config).await.unwrap();
    let folder = Folder::new();
    folder.fill_credentials(&fake.config());
    let seeded = seed_token_file(&folder, &fake, -10);
    let before = std::fs::read(folder.path("refreshTokenObjectFile.json")).unwrap();
    let mut full = Command::new(BIN);
    full.current_dir(folder.dir.path())
        .env("CONCUR_BASE_URL", fake.base_url())
        .env_remove("RUST_LOG")
        .arg("token");
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        full.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 64,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = full.output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(fake.counters().refresh_grants, 0, "the token was not spent");
    assert_eq!(
        std::fs::read(folder.path("refreshTokenObjectFile.json")).unwrap(),
        before
    );
    // Space is back: the stored refresh token still works.
    let out = folder.run(&fake.base_url(), &["token"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stored =
        TokenRecord::from_json(&std::fs::read(folder.path("refreshTokenObjectFile.json")).unwrap())
            .unwrap();
    assert_ne!(
        stored.refresh_token, seeded.refresh_token,
        "rotated and saved"
    );
    let leftovers = std::fs::read_dir(folder.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp-")
        })
        .count();
    assert_eq!(leftovers, 0, "no temp file left behind");
}
