//! SIGKILL a process at random instants while it refreshes and persists a
//! rotated token: the token file must always be one complete version, the old
//! one or the new one, never a torn or empty file.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use concur_auth::{Secret, TokenRecord};
use fake_concur::{FakeConcur, FakeConfig};

mod common;
use common::Folder;

const TRIALS: usize = 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_save_leaves_a_complete_old_or_new_version() {
    let fake = FakeConcur::start(FakeConfig {
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let folder = Folder::seeded(&fake);
    let token_file = folder.token_file.clone();

    let run = |kill_after: Option<Duration>| {
        let mut child = folder
            .worker(&fake.base_url(), &["refresh"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if let Some(after) = kill_after {
            std::thread::sleep(after);
            let _ = child.kill(); // SIGKILL
        }
        child.wait().unwrap()
    };

    // How long one whole refresh-and-save takes, to spread kills across it.
    // Measured again every 50 trials: the machine's load changes under us.
    let calibrate = || {
        let started = Instant::now();
        assert!(tokio::task::block_in_place(|| run(None)).success());
        started.elapsed().max(Duration::from_millis(2))
    };
    let mut span = calibrate();

    let mut previous = folder.stored();
    let (mut completed, mut killed_after_save, mut killed_before_save, mut killed_after_rotation) =
        (0, 0, 0, 0);
    for trial in 0..TRIALS {
        if trial > 0 && trial % 50 == 0 {
            span = calibrate();
            previous = folder.stored();
        }
        let before: HashSet<String> = fake.known_secrets().into_iter().collect();
        let kill_after = span.mul_f64(fastrand::f64() * 1.3);
        let status = tokio::task::block_in_place(|| run(Some(kill_after)));
        let bytes = std::fs::read(&token_file).expect("the token file always exists");
        let stored = TokenRecord::from_json(&bytes).unwrap_or_else(|e| {
            panic!("torn token file after a kill ({e}): {} bytes", bytes.len())
        });
        // A request the killed process already sent is still handled by the
        // server: wait until nothing new is issued before judging the trial.
        let issued_now: Vec<String> = settled_secrets(&fake)
            .await
            .into_iter()
            .filter(|s| !before.contains(s))
            .collect();
        let is_old =
            stored.refresh_token == previous.refresh_token && stored.revision == previous.revision;
        let is_new = issued_now
            .iter()
            .any(|s| s == stored.refresh_token.expose())
            && stored.revision > previous.revision;
        assert!(
            is_old || is_new,
            "the file is neither the old nor the new version"
        );
        if status.success() {
            completed += 1;
        } else if is_new {
            killed_after_save += 1;
        } else if is_old && !issued_now.is_empty() {
            // The server had rotated, the process died before its rename landed:
            // the window no client can close (the new token existed only in the
            // dead process's memory). An admin would exchange a new request
            // token; the test re-seeds so later trials still exercise saves.
            killed_after_rotation += 1;
            let fresh = fake.issue_refresh_token();
            let reseeded = TokenRecord {
                refresh_token: Secret::new(fresh.refresh_token),
                ..stored.clone()
            };
            std::fs::write(&token_file, reseeded.to_json()).unwrap();
            previous = reseeded;
            continue;
        } else if is_old {
            killed_before_save += 1;
        }
        previous = stored;
    }
    eprintln!(
        "crash safety: {TRIALS} trials, one refresh ≈ {span:?} (last calibration): {completed} completed, {killed_after_save} killed after their save landed, {killed_before_save} killed before the server answered, {killed_after_rotation} killed between the server's rotation and the rename; 0 torn files"
    );
    assert_eq!(
        completed + killed_after_save + killed_before_save + killed_after_rotation,
        TRIALS
    );
    assert!(
        completed + killed_after_save > 0 && killed_before_save + killed_after_rotation > 0,
        "kills must land both before and after the save"
    );
    // The next successful save sweeps temp files that killed processes left.
    assert!(tokio::task::block_in_place(|| run(None)).success());
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
    assert_eq!(leftovers, 0, "stale temp files were not cleaned up");
}

/// The server's secrets once it has stopped issuing new ones (10 ms quiet).
async fn settled_secrets(fake: &FakeConcur) -> Vec<String> {
    let mut last = fake.known_secrets();
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let now = fake.known_secrets();
        if now.len() == last.len() {
            return now;
        }
        last = now;
    }
}
