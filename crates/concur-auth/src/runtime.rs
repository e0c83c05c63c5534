//! The one tokio runtime behind every blocking call and every binding.
//!
//! Built on first use, multi-threaded, shared by the C, Python and Node entry
//! points so that a process holds one connection pool's worth of threads, not one
//! per handle.

use once_cell::sync::Lazy;
use tokio::runtime::Runtime;

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
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
