//! The core's `tracing` events → Python's `logging`.
//!
//! At import, a global tracing subscriber is installed (unless the process
//! already has one) whose only layer forwards each `concur_auth*` event to the
//! logger named after its module: `concur_auth.manager`, `concur_auth.client`,
//! … all under `logging.getLogger("concur_auth")`. The GIL is taken per event
//! (events are rare: refreshes, retries, warnings; the cached-token path logs
//! nothing). The core never puts a secret in an event.

use std::fmt::{self, Write as _};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Python's level for `TRACE` (below `logging.DEBUG`).
const PY_TRACE: u8 = 5;

/// The root of every logger name used here.
const ROOT_LOGGER: &str = "concur_auth";

/// Installs the forwarding subscriber once, if no global one is set.
pub(crate) fn install() {
    let targets = Targets::new().with_target(ROOT_LOGGER, Level::TRACE);
    let subscriber = tracing_subscriber::registry().with(PyLogging.with_filter(targets));
    // Err means the embedding program set its own subscriber: keep it.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Forwards events to Python loggers.
#[derive(Debug)]
struct PyLogging;

fn python_level(level: Level) -> u8 {
    match level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => PY_TRACE,
    }
}

/// `concur_auth::manager` → `concur_auth.manager`; the binding's own events
/// (`concur_auth_py::…`) go to `concur_auth`.
fn logger_name(target: &str) -> String {
    match target.split_once("::") {
        Some((ROOT_LOGGER, rest)) => format!("{ROOT_LOGGER}.{}", rest.replace("::", ".")),
        _ => ROOT_LOGGER.to_owned(),
    }
}

static GET_LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

impl<S: Subscriber> Layer<S> for PyLogging {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let level = python_level(*metadata.level());
        let name = logger_name(metadata.target());
        // `None` while the interpreter shuts down: drop the record.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            let logger = GET_LOGGER
                .import(py, "logging", "getLogger")?
                .call1((name,))?;
            if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
                return Ok(());
            }
            let mut text = Text::default();
            event.record(&mut text);
            logger.call_method1("log", (level, "%s", text.finish()))?;
            Ok(())
        });
    }
}

/// The event's message followed by its other fields as `key=value`.
#[derive(Debug, Default)]
struct Text {
    message: String,
    fields: String,
}

impl Text {
    fn finish(self) -> String {
        if self.fields.is_empty() {
            self.message
        } else if self.message.is_empty() {
            self.fields.trim_start().to_owned()
        } else {
            self.message + &self.fields
        }
    }
}

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}
