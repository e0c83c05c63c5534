//! The one tokio runtime behind every blocking call and every binding.
//!
//! Built on first use, multi-threaded, shared by the C, Python and Node entry
//! points so that a process holds one connection pool's worth of threads, not one
//! per handle.
//!
//! Two rules every binding needs are kept here, once: a process forked after
//! the runtime started cannot use it (its worker threads did not survive the
//! fork, so any wait would hang), and a blocking call made on a thread that
//! is already driving a tokio runtime would panic inside tokio (it is refused
//! with a typed error instead, which reaches C as `CONCUR_STATUS_CONFIG`).

use std::future::Future;
use std::sync::OnceLock;

use once_cell::sync::Lazy;
use tokio::runtime::Runtime;

use crate::error::{Error, ErrorKind, Result};

/// Set it (e.g. `CONCUR_AUTH_LOG=debug`) to get the library's log lines on
/// stderr where the host has no logging of its own to route them to: C, .NET,
/// Node. Secrets are never logged.
pub const LOG_ENV: &str = "CONCUR_AUTH_LOG";

/// The process that started the shared runtime.
static RUNTIME_PID: OnceLock<u32> = OnceLock::new();

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    RUNTIME_PID.get_or_init(std::process::id);
    init_stderr_logging_from_env();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("concur-auth")
        .enable_all()
        .build()
        .expect("the concur-auth tokio runtime could not start")
});

/// The shared runtime. Bindings use [`runtime`], which also refuses a forked child.
pub fn shared_runtime() -> &'static Runtime {
    &RUNTIME
}

/// The shared runtime, unless this process was forked after it started.
pub fn runtime() -> Result<&'static Runtime> {
    match RUNTIME_PID.get() {
        Some(pid) if *pid != std::process::id() => Err(Error::new(
            ErrorKind::Config,
            "concur-auth was used before this process was forked, and its runtime threads do \
             not survive a fork: fork before the first concur-auth call, or start workers as \
             new processes (Python's multiprocessing \"spawn\" or \"forkserver\" method)",
        )),
        _ => Ok(&RUNTIME),
    }
}

/// Runs `work` on the shared runtime and blocks the calling thread until it
/// ends. Refused (kind `Config`) after a fork (see [`runtime`]) and on a thread
/// that is inside a tokio runtime, e.g. a logging handler called for one of
/// the library's own log records: blocking there would stall or panic.
pub fn block_on<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::new(
            ErrorKind::Config,
            "a blocking concur-auth call was made on a thread that runs async tasks (inside \
             a tokio runtime, e.g. from a logging handler): use the async API there",
        ));
    }
    runtime()?.block_on(work)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocking_call_inside_the_runtime_is_a_typed_error_not_a_panic() {
        let outcome = shared_runtime()
            .block_on(async { tokio::spawn(async { block_on(async { Ok(1) }) }).await })
            .expect("the task did not panic");
        let err = outcome.expect_err("refused inside the runtime");
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("async API"), "{err}");
    }

    #[test]
    fn a_blocking_call_from_a_plain_thread_runs() {
        assert_eq!(block_on(async { Ok(7) }).unwrap(), 7);
    }
}
