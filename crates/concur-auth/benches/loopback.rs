//! Rows 2 and 4 of `bash scripts/bench.sh` for Rust, against a fake-concur
//! binary on loopback (the script starts it and seeds the files):
//!
//! - `storm`: 1000 concurrent `access_token()` callers at expiry → how many
//!   token requests the server saw (read from `/_admin/counters`).
//! - `throughput`: authenticated `GET /profile/identity/v4/Users/` through
//!   `ApiClient` from N concurrent tasks for a fixed time → requests/s, p50, p99.
//!
//! Each prints one JSON line on stdout. Every loop is bounded in count and
//! time; no token is ever printed.
//!
//! Run: `cargo bench -p concur-auth --bench loopback -- storm|throughput --base-url URL
//! --credentials FILE --token-file FILE [--callers N] [--concurrency N] [--duration SECS]
//! [--max-requests N]`

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use concur_auth::{ManagerOptions, TokenManager};
use serde_json::{json, Value};

const USERS: &str = "/profile/identity/v4/Users/";

struct Args {
    command: String,
    flags: HashMap<String, String>,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut it = std::env::args().skip(1).filter(|a| a != "--bench");
        let command = it
            .next()
            .ok_or("usage: loopback storm|throughput --base-url URL ...")?;
        let mut flags = HashMap::new();
        while let Some(flag) = it.next() {
            let name = flag
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {flag}"))?
                .to_owned();
            let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            flags.insert(name, value);
        }
        Ok(Args { command, flags })
    }

    fn get(&self, name: &str) -> Result<&str, String> {
        self.flags
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("--{name} is required"))
    }

    fn num(&self, name: &str, default: u64) -> Result<u64, String> {
        match self.flags.get(name) {
            Some(v) => v.parse().map_err(|_| format!("--{name} must be a number")),
            None => Ok(default),
        }
    }
}

fn manager(args: &Args) -> Result<TokenManager, String> {
    let options = ManagerOptions {
        base_url: args.get("base-url")?.to_owned(),
        ..ManagerOptions::default()
    };
    TokenManager::from_files(args.get("credentials")?, args.get("token-file")?, options)
        .map_err(|e| e.to_string())
}

async fn token_requests(http: &reqwest::Client, base: &str) -> Result<u64, String> {
    let counters: Value = http
        .get(format!("{base}/_admin/counters"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    counters["token_requests"]
        .as_u64()
        .ok_or_else(|| "no token_requests counter".to_owned())
}

/// Warm the manager (one refresh), wait until its short-lived token turns
/// stale, then release `callers` tasks at once.
async fn storm(args: &Args) -> Result<Value, String> {
    let base = args.get("base-url")?.to_owned();
    let callers = args.num("callers", 1000)?.min(100_000) as usize;
    let manager = manager(args)?;
    let http = reqwest::Client::new();
    manager.access_token().await.map_err(|e| e.to_string())?;
    let waited = Instant::now();
    while manager.cached_access_token().is_some() {
        if waited.elapsed() > Duration::from_secs(30) {
            return Err("the cached token did not turn stale within 30 s; is the server's access_token_ttl_secs short?".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let before = token_requests(&http, &base).await?;
    let gate = Arc::new(tokio::sync::Barrier::new(callers + 1));
    let mut tasks = Vec::with_capacity(callers);
    for _ in 0..callers {
        let manager = manager.clone();
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            manager.access_token().await.is_ok()
        }));
    }
    gate.wait().await;
    let started = Instant::now();
    let mut errors = 0;
    for task in tasks {
        if !task.await.unwrap_or(false) {
            errors += 1;
        }
    }
    let elapsed = started.elapsed();
    let after = token_requests(&http, &base).await?;
    Ok(json!({
        "row": "storm", "impl": "ours-rust", "callers": callers,
        "token_requests": after - before, "errors": errors,
        "elapsed_ms": elapsed.as_secs_f64() * 1e3,
    }))
}

async fn throughput(args: &Args) -> Result<Value, String> {
    let concurrency = args.num("concurrency", 1)?.clamp(1, 1024) as usize;
    let duration = Duration::from_secs_f64(args.num("duration", 5)? as f64);
    let max_requests = args.num("max-requests", 2_000_000)?;
    let client = Arc::new(manager(args)?.api_client());
    let warm = client.get(USERS).await.map_err(|e| e.to_string())?;
    if warm.status != 200 {
        return Err(format!("warm-up GET answered {}", warm.status));
    }
    let issued = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let issued = issued.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(1 << 16);
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max_requests
            {
                let t0 = Instant::now();
                match client.get(USERS).await {
                    Ok(r) if r.status == 200 => {
                        latencies.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32)
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.map_err(|e| e.to_string())?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i] as f64
    };
    Ok(json!({
        "row": "throughput", "impl": "ours-rust", "concurrency": concurrency,
        "requests": latencies.len(), "errors": errors.load(Ordering::Relaxed),
        "seconds": elapsed, "rps": latencies.len() as f64 / elapsed,
        "p50_us": pct(0.50), "p99_us": pct(0.99),
    }))
}

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("loopback: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(async {
        match args.command.as_str() {
            "storm" => storm(&args).await,
            "throughput" => throughput(&args).await,
            other => Err(format!("unknown command {other}")),
        }
    });
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loopback {}: {e}", args.command);
            ExitCode::FAILURE
        }
    }
}
