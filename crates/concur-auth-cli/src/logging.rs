//! Log lines go to stderr so that stdout stays clean for `token` and `call`.

use tracing_subscriber::EnvFilter;

/// Warnings by default; `-v` info, `-vv` debug; `RUST_LOG` overrides.
pub fn init(verbosity: u8) {
    let default = match verbosity {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "{default},hyper=warn,reqwest=warn,rustls=warn,h2=warn"
        ))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
