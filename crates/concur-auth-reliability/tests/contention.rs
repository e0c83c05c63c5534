//! 16 processes × 200 access_token() calls over 30 s, access tokens living 2 s,
//! rotation on: one refresh per expiry window across all of them, no corrupt
//! read, no failed call.

use std::process::{Command, Stdio};
use std::time::Instant;

use concur_auth::{Secret, TokenRecord};
use fake_concur::{FakeConcur, FakeConfig};

const WORKER: &str = env!("CARGO_BIN_EXE_stress-worker");
const PROCESSES: usize = 16;
const CALLS: u32 = 200;
const INTERVAL_MS: u64 = 150; // 200 × 150 ms = 30 s
const ACCESS_TTL: u64 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_processes_make_one_refresh_per_expiry_window() {
    let fake = FakeConcur::start(FakeConfig {
        rotate_refresh_tokens: true,
        access_token_ttl_secs: ACCESS_TTL,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials.json");
    let token_file = dir.path().join("refreshTokenObjectFile.json");
    let config = fake.config();
    std::fs::write(
        &credentials,
        serde_json::json!({"appID": config.client_id, "clientSecret": config.client_secret})
            .to_string(),
    )
    .unwrap();
    let issued = fake.issue_refresh_token();
    let seed = TokenRecord {
        refresh_token: Secret::new(issued.refresh_token),
        refresh_token_expires_at: Some(issued.refresh_expires_in as i64),
        geolocation: Some(issued.geolocation),
        ..Default::default()
    };
    std::fs::write(&token_file, seed.to_json()).unwrap();

    let started = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(WORKER)
                .args(["--credentials", credentials.to_str().unwrap()])
                .args(["--token-file", token_file.to_str().unwrap()])
                .args(["--base-url", &fake.base_url(), "loop"])
                .args([
                    "--calls",
                    &CALLS.to_string(),
                    "--interval-ms",
                    &INTERVAL_MS.to_string(),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();

    let mut ok = 0;
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            summary["errors"],
            serde_json::json!([]),
            "failed or corrupt reads"
        );
        ok += summary["ok"].as_u64().unwrap();
    }
    assert_eq!(ok, PROCESSES as u64 * CALLS as u64);

    // Tokens are stale from the first second boundary at or after their expiry,
    // so refreshes fall on every ACCESS_TTL-th second: elapsed / ttl windows, +1
    // for the seeded (expired) state.
    let windows = elapsed.as_secs_f64() / ACCESS_TTL as f64 + 1.0;
    let refreshes = fake.counters().refresh_grants as f64;
    eprintln!(
        "contention: {PROCESSES} processes × {CALLS} calls in {elapsed:.1?}: {refreshes} refreshes for ≈{windows:.1} expiry windows, 0 failed calls"
    );
    assert!(
        (refreshes - windows).abs() <= 1.5,
        "{refreshes} refreshes for {windows:.1} windows"
    );
    TokenRecord::from_json(&std::fs::read(&token_file).unwrap())
        .expect("the file is valid at the end");
}
