//! A worker process for the reliability and fleet tests: a real, separate
//! process using the library the way a pipeline does, so that tests can run
//! many at once or SIGKILL one at any instant.
//!
//! `stress-worker refresh …` forces one refresh (and so one save);
//! `stress-worker loop …` calls `access_token()` N times and prints a JSON
//! summary: {"ok": n, "errors": ["code: message", …], "distinct_tokens": n};
//! `stress-worker fleet …` runs N managers sharing one store for S seconds
//! (access tokens, plus a Profile v4 call every tenth round) and prints one
//! line `FLEET-RESULT {json}`. No token value ever leaves the process.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use concur_auth::{Credentials, ManagerOptions, RetryPolicy, TokenManager};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    credentials: PathBuf,
    /// The token store: a file path, `redis://…` or `memory:`.
    #[arg(long, alias = "token-file")]
    store: String,
    #[arg(long)]
    base_url: String,
    /// Seconds of leeway before expiry.
    #[arg(long, default_value_t = 0)]
    leeway: u64,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// One forced refresh.
    Refresh,
    /// `calls` access_token() calls, `interval_ms` apart.
    Loop {
        #[arg(long)]
        calls: u32,
        #[arg(long)]
        interval_ms: u64,
    },
    /// `managers` managers on the same store for `seconds`.
    Fleet {
        #[arg(long)]
        managers: usize,
        #[arg(long)]
        seconds: u64,
    },
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let code = runtime.block_on(run(args));
    drop(runtime);
    std::process::ExitCode::from(code)
}

async fn run(args: Args) -> u8 {
    let manager = match new_manager(&args) {
        Ok(manager) => manager,
        Err(err) => {
            eprintln!("stress-worker: {err}");
            return 2;
        }
    };
    match args.mode {
        Mode::Refresh => match manager.force_refresh().await {
            Ok(_) => 0,
            Err(err) => {
                eprintln!("stress-worker: {err}");
                1
            }
        },
        Mode::Loop { calls, interval_ms } => {
            let mut ok = 0u32;
            let mut errors = Vec::new();
            let mut tokens = HashSet::new();
            for _ in 0..calls {
                match manager.access_token().await {
                    Ok(token) => {
                        ok += 1;
                        tokens.insert(fingerprint(token.expose()));
                    }
                    Err(err) => errors.push(format!("{}: {}", err.code(), err.message())),
                }
                tokio::time::sleep(Duration::from_millis(interval_ms)).await;
            }
            let summary = serde_json::json!({
                "ok": ok,
                "errors": errors,
                "distinct_tokens": tokens.len(),
            });
            println!("{summary}");
            0
        }
        Mode::Fleet { managers, seconds } => {
            let mut tasks = Vec::new();
            for _ in 0..managers {
                // Each its own manager, as separate workers would be.
                let manager = match new_manager(&args) {
                    Ok(manager) => manager,
                    Err(err) => {
                        eprintln!("stress-worker: {err}");
                        return 2;
                    }
                };
                tasks.push(tokio::spawn(fleet_member(
                    manager,
                    Duration::from_secs(seconds),
                )));
            }
            let mut reports = Vec::new();
            for task in tasks {
                reports.push(task.await.expect("fleet member"));
            }
            let first = reports.iter().map(|r| r.first_ms).min();
            let last = reports.iter().map(|r| r.last_ms).max();
            let members: Vec<_> = reports.iter().map(FleetReport::to_json).collect();
            let summary =
                serde_json::json!({"first_ms": first, "last_ms": last, "managers": members});
            println!("FLEET-RESULT {summary}");
            0
        }
    }
}

/// A manager with quick retries, over the store the arguments name.
fn new_manager(args: &Args) -> concur_auth::Result<TokenManager> {
    let options = ManagerOptions {
        base_url: args.base_url.clone(),
        leeway: Duration::from_secs(args.leeway),
        lock_wait: Duration::from_secs(20),
        retry: RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_secs(1),
            max_elapsed: Duration::from_secs(5),
        },
        ..ManagerOptions::default()
    };
    let credentials = Credentials::from_file(&args.credentials)?;
    TokenManager::with_store_location(credentials, &args.store, options)
}

#[derive(Default)]
struct FleetReport {
    calls: u64,
    api_calls: u64,
    errors: Vec<String>,
    /// When the first and the last error happened (Unix ms): how long callers
    /// saw an outage (a Redis failover, say).
    error_span_ms: Option<(u64, u64)>,
    first_ms: u64,
    last_ms: u64,
    tokens: HashSet<u64>,
}

impl FleetReport {
    fn error(&mut self, error: String) {
        let now = unix_ms();
        self.error_span_ms = Some(
            self.error_span_ms
                .map_or((now, now), |(first, _)| (first, now)),
        );
        self.errors.push(error);
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "calls": self.calls, "api_calls": self.api_calls, "errors": self.errors,
            "distinct_tokens": self.tokens.len(),
            "first_error_ms": self.error_span_ms.map(|s| s.0),
            "last_error_ms": self.error_span_ms.map(|s| s.1),
        })
    }
}

/// One fleet member: tokens every 10–30 ms, a Profile v4 call every tenth round.
async fn fleet_member(manager: TokenManager, run_for: Duration) -> FleetReport {
    let mut report = FleetReport {
        first_ms: unix_ms(),
        ..FleetReport::default()
    };
    let started = Instant::now();
    while started.elapsed() < run_for {
        report.calls += 1;
        match manager.access_token().await {
            Ok(token) => {
                report.tokens.insert(fingerprint(token.expose()));
            }
            Err(err) => report.error(format!("{}: {err}", err.code())),
        }
        if report.calls.is_multiple_of(10) {
            match manager
                .api_client()
                .get("/profile/identity/v4/Users/")
                .await
            {
                Ok(reply) if reply.status == 200 => report.api_calls += 1,
                Ok(reply) => report.error(format!("API answered {}", reply.status)),
                Err(err) => report.error(format!("{}: {err}", err.code())),
            }
        }
        report.last_ms = unix_ms();
        tokio::time::sleep(Duration::from_millis(10 + fastrand::u64(0..20))).await;
    }
    report
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Only a hash leaves the process: counts matter, not values.
fn fingerprint(value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}
