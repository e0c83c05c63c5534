//! Rows 2 and 4 of `bash scripts/bench.sh` for Rust, against a fake-concur
//! binary on loopback (the script starts it and seeds the files):
//!
//! - `storm`: 1000 concurrent `access_token()` callers at expiry → how many
//!   token requests the server saw (read from `/_admin/counters`).
//! - `throughput`: authenticated `GET /profile/identity/v4/Users/` through
//!   `ApiClient` from N concurrent tasks for a fixed time → requests/s, p50, p99.
//! - `stale`: 32 tasks calling `access_token()` continuously while the seeded
//!   token is stale (row 7), the token endpoint slowed to 2 s (`--part slow`)
//!   or answering 503 to the next `--outage-grants` refresh grants (`--part
//!   outage`): per-call latency in the stale window and after the renewal,
//!   errors, refresh grants refused and landed.
//!
//! Each prints one JSON line on stdout. Every loop is bounded in count and
//! time; no token is ever printed.
//!
//! Run: `cargo bench -p concur-auth --bench loopback -- storm|throughput|stale --base-url URL
//! --credentials FILE --token-file FILE [--callers N] [--concurrency N] [--duration SECS]
//! [--max-requests N] [--part slow|outage] [--outage-grants N] [--after-seconds N]`

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
    counter(http, base, "token_requests").await
}

async fn counter(http: &reqwest::Client, base: &str, name: &str) -> Result<u64, String> {
    let counters: Value = http
        .get(format!("{base}/_admin/counters"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    counters[name]
        .as_u64()
        .ok_or_else(|| format!("no {name} counter"))
}

/// One call to fake-concur's admin API (`body` as JSON, when there is one).
async fn admin(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    route: &str,
    body: Option<Value>,
) -> Result<(), String> {
    let mut request = http.request(method, format!("{base}/_admin/{route}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("admin {route}: HTTP {}", response.status()));
    }
    Ok(())
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

/// Latencies in ns, log-linear buckets (16 per power of two: a percentile is
/// the upper edge of its bucket, at most 1/16 above the true value); the count
/// and the maximum are exact. Constant memory whatever the number of calls.
#[derive(Clone)]
struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    max: u64,
}

impl Histogram {
    fn new() -> Self {
        Histogram {
            buckets: vec![0; 64 * 16],
            count: 0,
            max: 0,
        }
    }

    fn index(ns: u64) -> usize {
        if ns < 16 {
            return ns as usize;
        }
        let e = 63 - u64::from(ns.leading_zeros());
        ((e - 3) * 16 + (ns >> (e - 4)) - 16) as usize
    }

    fn upper(i: usize) -> u64 {
        if i < 16 {
            return i as u64;
        }
        let (e, sub) = (i as u64 / 16 + 3, i as u64 % 16);
        ((16 + sub + 1) << (e - 4)) - 1
    }

    fn record(&mut self, ns: u64) {
        let i = Self::index(ns).min(self.buckets.len() - 1);
        self.buckets[i] += 1;
        self.count += 1;
        self.max = self.max.max(ns);
    }

    fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.count += other.count;
        self.max = self.max.max(other.max);
    }

    fn percentile(&self, p: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((self.count as f64 * p).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(Self::upper(i).min(self.max));
            }
        }
        Some(self.max)
    }

    fn summary(&self, prefix: &str, out: &mut serde_json::Map<String, Value>) {
        out.insert(format!("{prefix}_calls"), json!(self.count));
        out.insert(format!("{prefix}_p50_ns"), json!(self.percentile(0.5)));
        out.insert(format!("{prefix}_p99_ns"), json!(self.percentile(0.99)));
        let max = (self.count > 0).then_some(self.max);
        out.insert(format!("{prefix}_max_ns"), json!(max));
    }
}

/// Row 7: see the module docs. The script seeded the token file with an
/// access token that has ~120 s left (stale with the default leeway of 300 s,
/// expired at 30 s left); the first call adopts it and is reported on its own,
/// and the first 250 ms of calls warm up and are not timed.
async fn stale(args: &Args) -> Result<Value, String> {
    let base = args.get("base-url")?.to_owned();
    let part = args
        .flags
        .get("part")
        .map_or("slow", String::as_str)
        .to_owned();
    let callers = args.num("callers", 32)?.clamp(1, 1000) as usize;
    let outage = args.num("outage-grants", 12)?.clamp(1, 100);
    let after = Duration::from_secs(args.num("after-seconds", 2)?.min(30));
    let seeded: Value =
        serde_json::from_slice(&std::fs::read(args.get("token-file")?).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let seeded = Arc::new(
        seeded["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    let manager = manager(args)?;
    let http = reqwest::Client::new();
    admin(&http, &base, reqwest::Method::POST, "reset-counters", None).await?;
    match part.as_str() {
        "slow" => {
            let body = json!({"latency_ms": 2000});
            admin(&http, &base, reqwest::Method::POST, "config", Some(body)).await?
        }
        "outage" => {
            let fault = json!({"endpoint": "token", "count": outage, "fault": {"kind": "status", "status": 503}});
            admin(&http, &base, reqwest::Method::POST, "faults", Some(fault)).await?
        }
        other => return Err(format!("--part must be slow or outage, not {other}")),
    }

    let first = Instant::now();
    let token = manager.access_token().await.map_err(|e| e.to_string())?;
    let first_call_ns = first.elapsed().as_nanos() as u64;
    if token.expose() != seeded.as_str() {
        return Err("the seeded token should be served".into());
    }

    let started = Instant::now();
    let warm_until = started + Duration::from_millis(250);
    // Nanoseconds after `started`: when to stop (moved up once renewed), when renewed.
    let stop_at = Arc::new(AtomicU64::new(60_000_000_000));
    let renewed_at = Arc::new(AtomicU64::new(u64::MAX));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(callers);
    for _ in 0..callers {
        let (manager, seeded) = (manager.clone(), seeded.clone());
        let (stop_at, renewed_at, errors) = (stop_at.clone(), renewed_at.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let (mut stale, mut fresh) = (Histogram::new(), Histogram::new());
            let mut i = 0u64;
            while (started.elapsed().as_nanos() as u64) < stop_at.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let result = manager.access_token().await;
                let ns = t0.elapsed().as_nanos() as u64;
                i += 1;
                if i.is_multiple_of(64) {
                    tokio::task::yield_now().await;
                }
                if t0 < warm_until {
                    if result.is_err() {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    continue;
                }
                match result {
                    Ok(token) if token.expose() == seeded.as_str() => stale.record(ns),
                    Ok(_) => {
                        fresh.record(ns);
                        let now = started.elapsed().as_nanos() as u64;
                        if renewed_at
                            .compare_exchange(u64::MAX, now, Ordering::SeqCst, Ordering::SeqCst)
                            .is_ok()
                        {
                            stop_at.fetch_min(now + after.as_nanos() as u64, Ordering::SeqCst);
                        }
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            (stale, fresh)
        }));
    }
    let (mut stale, mut fresh) = (Histogram::new(), Histogram::new());
    for task in tasks {
        let (s, f) = task.await.map_err(|e| e.to_string())?;
        stale.merge(&s);
        fresh.merge(&f);
    }
    if part == "slow" {
        let body = json!({"latency_ms": 0});
        admin(&http, &base, reqwest::Method::POST, "config", Some(body)).await?;
    } else {
        admin(&http, &base, reqwest::Method::DELETE, "faults", None).await?;
    }
    let grants = counter(&http, &base, "refresh_grants").await?;
    let renewed = renewed_at.load(Ordering::SeqCst);
    let renewed = (renewed != u64::MAX).then_some(renewed);
    let ms = |ns: u64| ns as f64 / 1e6;
    let mut out = serde_json::Map::new();
    out.insert("row".into(), json!("stale_window"));
    out.insert("impl".into(), json!("ours-rust"));
    out.insert("part".into(), json!(part));
    out.insert("callers".into(), json!(callers));
    out.insert("errors".into(), json!(errors.load(Ordering::Relaxed)));
    out.insert("refresh_grants".into(), json!(grants));
    out.insert("first_call_ns".into(), json!(first_call_ns));
    out.insert("renewed_after_ms".into(), json!(renewed.map(ms)));
    stale.summary("stale", &mut out);
    fresh.summary("fresh", &mut out);
    if part == "slow" {
        out.insert("token_latency_ms".into(), json!(2000));
    } else {
        out.insert("outage_grants".into(), json!(outage));
        out.insert("failed_grants".into(), json!(grants.min(outage)));
        out.insert("landed_grants".into(), json!(grants.saturating_sub(outage)));
    }
    Ok(Value::Object(out))
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
            "stale" => stale(&args).await,
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
