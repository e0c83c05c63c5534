//! A worker process for the reliability tests: a real, separate process using
//! the library the way a pipeline does, so that tests can run many at once or
//! SIGKILL one at any instant.
//!
//! `stress-worker refresh …` forces one refresh (and so one save);
//! `stress-worker loop …` calls `access_token()` N times and prints a JSON
//! summary: {"ok": n, "errors": ["code", …], "distinct_tokens": n}.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use concur_auth::{ManagerOptions, TokenManager};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    credentials: PathBuf,
    #[arg(long)]
    token_file: PathBuf,
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
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let options = ManagerOptions {
        base_url: args.base_url.clone(),
        leeway: Duration::from_secs(args.leeway),
        ..ManagerOptions::default()
    };
    let manager = match TokenManager::from_files(&args.credentials, &args.token_file, options) {
        Ok(manager) => manager,
        Err(err) => {
            eprintln!("stress-worker: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    match args.mode {
        Mode::Refresh => match manager.force_refresh().await {
            Ok(_) => std::process::ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("stress-worker: {err}");
                std::process::ExitCode::from(1)
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
                        // Only a hash leaves the process: the count matters, not the value.
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
            std::process::ExitCode::SUCCESS
        }
    }
}

fn fingerprint(value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}
