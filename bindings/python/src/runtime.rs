//! Running core calls from Python on the core's one shared runtime.
//!
//! Blocking calls release the GIL while they wait, so other Python threads
//! keep running. Async calls return an asyncio future created on the caller's
//! running loop; the work runs on the shared runtime and the future is
//! completed on the loop's own thread through `loop.call_soon_threadsafe`, with
//! the GIL taken only for that hand-over. No extra async bridge crate needed.

use std::future::Future;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::errors::to_py_err;

/// The core's shared runtime; the core refuses it in a process forked after
/// it started (its threads did not survive the fork).
pub(crate) use concur_auth::runtime;

/// Runs a blocking core call with the GIL released. A call made on one of the
/// runtime's own threads (e.g. a logging handler run for a library log record)
/// is refused by the core's `block_on` with a `ConfigurationError`.
pub(crate) fn blocking<T, F>(py: Python<'_>, call: F) -> PyResult<T>
where
    F: FnOnce() -> concur_auth::Result<T> + Send,
    T: Send,
{
    runtime().map_err(to_py_err)?;
    py.detach(call).map_err(to_py_err)
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Turns a value produced off the GIL into a Python object.
pub(crate) type Convert<T> = fn(Python<'_>, T) -> PyResult<Py<PyAny>>;

/// Starts `work` on the shared runtime and returns an asyncio future (of the
/// running loop) that completes with `convert(result)` or the mapped error.
pub(crate) fn future_into_py<'py, T, F>(
    py: Python<'py>,
    work: F,
    convert: Convert<T>,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = concur_auth::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()?;
    let runtime = runtime().map_err(to_py_err)?;
    let future = event_loop.call_method0("create_future")?;
    let target = future.clone().unbind();
    let event_loop = event_loop.unbind();
    exit::watch(py)?;
    runtime.spawn(async move {
        let outcome = work.await;
        // Not once the interpreter is exiting: nobody is waiting any more.
        let Some(_in_flight) = exit::enter() else {
            return;
        };
        // `None` when the interpreter is shutting down: nobody is waiting.
        let _ = Python::try_attach(|py| {
            let (method, value) = match outcome.map_err(to_py_err).and_then(|v| convert(py, v)) {
                Ok(value) => ("set_result", value),
                Err(err) => ("set_exception", err.into_value(py).into_any()),
            };
            let completion = Completion {
                future: target,
                method,
                value,
            };
            // Fails only when the loop is closed: nobody is waiting either.
            let _ = event_loop.call_method1(py, "call_soon_threadsafe", (completion,));
        });
    });
    Ok(future)
}

/// An asyncio future that is already done, for answers known at once (the
/// cached access token).
pub(crate) fn ready_future<'py>(
    py: Python<'py>,
    value: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()?;
    let future = event_loop.call_method0("create_future")?;
    future.call_method1("set_result", (value,))?;
    Ok(future)
}

/// Completes one asyncio future on its loop's thread, unless the awaiting
/// task was cancelled meanwhile.
#[pyclass(frozen, module = "concur_auth._native")]
#[derive(Debug)]
pub struct Completion {
    future: Py<PyAny>,
    method: &'static str,
    value: Py<PyAny>,
}

#[pymethods]
impl Completion {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let future = self.future.bind(py);
        if future.call_method0("done")?.is_truthy()? {
            return Ok(());
        }
        future.call_method1(self.method, (self.value.bind(py),))?;
        Ok(())
    }
}

/// Completions and interpreter exit. A completion holds the GIL on a runtime
/// thread, and gives it up inside Python calls (`call_soon_threadsafe` writes
/// to a socket): a main thread that finishes its loop then may start
/// finalizing, and a runtime thread taking the GIL back during finalization
/// aborts the process. An `atexit` hook closes the door to new completions and
/// waits (at most a second, GIL released) for those already inside Python.
mod exit {
    use std::sync::{Condvar, Mutex, Once};
    use std::time::Duration;

    use pyo3::prelude::*;

    #[derive(Default)]
    struct State {
        closing: bool,
        in_flight: usize,
    }

    static STATE: Mutex<State> = Mutex::new(State {
        closing: false,
        in_flight: 0,
    });
    static DONE: Condvar = Condvar::new();
    static WATCH: Once = Once::new();

    fn state() -> std::sync::MutexGuard<'static, State> {
        STATE.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One completion inside Python; counted out when dropped.
    pub(super) struct InFlight(());

    impl Drop for InFlight {
        fn drop(&mut self) {
            let mut state = state();
            state.in_flight -= 1;
            if state.in_flight == 0 {
                DONE.notify_all();
            }
        }
    }

    /// Counts a completion in, unless the interpreter is exiting.
    pub(super) fn enter() -> Option<InFlight> {
        let mut state = state();
        if state.closing {
            return None;
        }
        state.in_flight += 1;
        Some(InFlight(()))
    }

    /// Registers the `atexit` hook, once per process.
    pub(super) fn watch(py: Python<'_>) -> PyResult<()> {
        let mut result = Ok(());
        WATCH.call_once(|| {
            result = wrap_pyfunction!(drain_completions, py).and_then(|hook| {
                py.import("atexit")?.call_method1("register", (hook,))?;
                Ok(())
            });
        });
        result
    }

    /// The `atexit` hook (see the module docs).
    #[pyfunction]
    fn drain_completions(py: Python<'_>) {
        py.detach(|| {
            let mut state = state();
            state.closing = true;
            let deadline = std::time::Instant::now() + Duration::from_secs(1);
            while state.in_flight > 0 {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                state = DONE
                    .wait_timeout(state, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        });
    }
}
