//! The one tokio runtime behind every blocking call and every binding.
//!
//! Built on first use, multi-threaded, shared by the C, Python and Node entry
//! points so that a process holds one connection pool's worth of threads, not one
//! per handle.

use once_cell::sync::Lazy;
use tokio::runtime::Runtime;

/// Set it (e.g. `CONCUR_AUTH_LOG=debug`) to get the library's log lines on
/// stderr where the host has no logging of its own to route them to: C, .NET,
/// Node. Secrets are never logged.
pub const LOG_ENV: &str = "CONCUR_AUTH_LOG";

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    init_stderr_logging_from_env();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("concur-auth")
        .enable_all()
        .build()
        .expect("the concur-auth tokio runtime could not start")
});

/// The shared runtime.
pub fn shared_runtime() -> &'static Runtime {
    &RUNTIME
}

/// Installs a stderr subscriber filtered by `CONCUR_AUTH_LOG`, when that is set
/// and the process has no global subscriber yet (Python's logging bridge, the
/// CLI's own, or the embedding program's stay in place).
pub fn init_stderr_logging_from_env() {
    #[cfg(feature = "env-log")]
    {
        let Some(filter) = std::env::var(LOG_ENV).ok().filter(|v| !v.trim().is_empty()) else {
            return;
        };
        let filter =
            tracing_subscriber::EnvFilter::try_new(format!("concur_auth={}", filter.trim()))
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("concur_auth=info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .try_init();
    }
}
