//! `concur-auth call GET /profile/identity/v4/Users --all`: a whole list as
//! JSON lines, run as a separate process like users run it.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use fake_concur::{FakeConcur, FakeConfig, Fault};

const BIN: &str = env!("CARGO_BIN_EXE_concur-auth");
const USERS: &str = "/profile/identity/v4/Users";

/// A fake with `users` users and a folder whose exchange has run.
async fn ready(users: u64) -> (FakeConcur, tempfile::TempDir) {
    let fake = FakeConcur::start(FakeConfig {
        users,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = fake.config();
    let json = serde_json::json!({
        "appID": config.client_id, "clientSecret": config.client_secret, "grantType": "password",
        "companyUUID": config.company_uuid, "companyRequestToken": config.request_token,
        "credentialType": "authtoken",
    });
    let path = dir.path().join("credentials.json");
    std::fs::write(&path, json.to_string()).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run(&fake, &dir, &["exchange"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (fake, dir)
}

/// Runs the command off the runtime, so the in-process fake keeps serving.
async fn run(fake: &FakeConcur, dir: &tempfile::TempDir, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir.path())
        .env("CONCUR_BASE_URL", fake.base_url())
        .env_remove("RUST_LOG")
        .args(args);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_every_record_as_one_json_line() {
    let (fake, dir) = ready(230).await;
    fake.push_page_fault(101, Fault::Status { status: 503 }, 1);
    let out = run(&fake, &dir, &["call", "GET", USERS, "--all"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = lines(&out);
    assert_eq!(records.len(), 230);
    assert_eq!(records[0]["userName"], "jane.doe@example.com");
    assert_eq!(records[229]["userName"], "user230@example.com");

    let (fake, dir) = ready(0).await;
    let out = run(&fake, &dir, &["call", "get", USERS, "--all"]).await;
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_failing_for_good_keeps_what_was_printed_and_says_where_to_resume() {
    let (fake, dir) = ready(250).await;
    fake.push_page_fault(201, Fault::Status { status: 503 }, 50);
    let out = run(&fake, &dir, &["call", "GET", USERS, "--all"]).await;
    assert_eq!(out.status.code(), Some(6), "server errors exit 6");
    assert_eq!(lines(&out).len(), 200);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("startIndex=201"), "{stderr}");
    for secret in fake.known_secrets() {
        assert!(!stderr.contains(&secret));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_needs_get_and_no_body() {
    let (fake, dir) = ready(1).await;
    let out = run(&fake, &dir, &["call", "POST", USERS, "--all"]).await;
    assert_eq!(out.status.code(), Some(3));
    let out = run(
        &fake,
        &dir,
        &["call", "GET", USERS, "--all", "--data", "{}"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "clap refuses --data with --all");
}
