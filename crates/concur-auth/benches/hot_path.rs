//! Row 1 of `bash scripts/bench.sh`: the hot path, `access_token()` on a valid
//! cached token, in ns per call.
//!
//! The manager holds a record whose access token has an hour left: the first
//! call adopts it, every later call answers from memory. The cached path does
//! no I/O, so nothing here leaves the process. The token is never printed.
//!
//! Run: `cargo bench -p concur-auth --bench hot_path` (scripts/bench.sh sets
//! CRITERION_HOME and reads `<id>/new/estimates.json`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use concur_auth::{
    blocking, Credentials, ManagerOptions, MemoryStore, Secret, TokenManager, TokenRecord,
};
use criterion::{criterion_group, criterion_main, Criterion};

/// The manager of the run: over the files `scripts/bench.sh` seeded from the
/// fake server (`$CONCUR_BENCH_DIR`: credentials.json, refreshTokenObjectFile.json
/// with an access token that has an hour left), so that the token has the same
/// length as in the other languages' rows; without it, a dummy token of the
/// same length (270 bytes) in a `MemoryStore`.
fn manager() -> TokenManager {
    let options = ManagerOptions {
        base_url: std::env::var("CONCUR_BENCH_BASE_URL")
            .unwrap_or_else(|_| "http://127.0.0.1:9".to_owned()),
        ..ManagerOptions::default()
    };
    let _guard = concur_auth::shared_runtime().enter();
    if let Ok(dir) = std::env::var("CONCUR_BENCH_DIR") {
        let dir = std::path::Path::new(&dir);
        return TokenManager::from_files(
            dir.join("credentials.json"),
            dir.join("refreshTokenObjectFile.json"),
            options,
        )
        .expect("manager over the seeded files");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let dummy = |prefix: &str, len: usize| {
        let mut value = format!("{prefix}-{:016x}-", entropy());
        while value.len() < len {
            value.push('x');
        }
        Secret::new(value)
    };
    let record = TokenRecord {
        access_token: Some(dummy("bench-access", 270)),
        access_token_expires_at: Some(now + 3600),
        expires_in: Some(3600),
        refresh_token: dummy("bench-refresh", 36),
        refresh_token_expires_at: Some(now + 180 * 86_400),
        // Never contacted: the cached path does no I/O.
        geolocation: Some("http://127.0.0.1:9".to_owned()),
        ..TokenRecord::default()
    };
    let credentials = Credentials::new("bench-client", "bench-secret").expect("credentials");
    TokenManager::new(
        credentials,
        Arc::new(MemoryStore::with_record(record)),
        options,
    )
    .expect("manager")
}

/// A little entropy for the dummy token values without another dependency.
fn entropy() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ (std::process::id() as u64).rotate_left(32)
}

fn hot_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let manager = manager();
    // Adopt the stored record once (this call reads the store).
    runtime
        .block_on(manager.access_token())
        .expect("the seeded token is adopted");
    assert!(manager.cached_access_token().is_some(), "token cached");

    let mut group = c.benchmark_group("hot_path");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);

    // What an async Rust caller does: `manager.access_token().await`, measured
    // inside one task so that the figure is the call, not the runtime's entry.
    group.bench_function("access_token_await", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    black_box(manager.access_token().await.expect("cached"));
                }
                started.elapsed()
            })
        })
    });

    // The synchronous check the bindings call first.
    group.bench_function("cached_access_token", |b| {
        b.iter(|| black_box(manager.cached_access_token()))
    });

    // `concur_auth::blocking::TokenManager::access_token()` (what C and .NET reach).
    let sync = blocking::TokenManager::wrap(manager.clone());
    group.bench_function("blocking_access_token", |b| {
        b.iter(|| black_box(sync.access_token().expect("cached")))
    });
    group.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
