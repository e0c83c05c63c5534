//! 16 processes × 200 access_token() calls over 30 s, access tokens living 2 s,
//! rotation on: one refresh per expiry window across all of them, no corrupt
//! read, no failed call.

mod common;

use std::process::Stdio;
use std::time::Instant;

use common::Folder;
use fake_concur::{FakeConcur, FakeConfig};

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
    let folder = Folder::seeded(&fake);

    let started = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            folder
                .worker(&fake.base_url(), &["loop"])
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
    folder.stored(); // the file is valid at the end
}
