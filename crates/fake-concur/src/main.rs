//! The `fake-concur` binary, for tests in languages that cannot embed the Rust
//! server: it prints its base URL as the first stdout line, then serves until
//! SIGTERM/SIGINT (or stdin EOF with `--exit-on-stdin-eof`). Steer it through
//! the `/_admin/*` API. `fake-concur fixture credentials DIR` instead writes
//! the credentials file for a server started with the same flags, and exits.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fake_concur::fixtures::{self, CredentialsSpec};
use fake_concur::{FakeConcur, FakeConfig, FaultSpec};
use tokio::sync::oneshot;

/// A fake SAP Concur OAuth2 token and API server on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "fake-concur", version)]
struct Args {
    /// Port to listen on (0 = any free port; the URL printed says which).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Access-token lifetime in seconds.
    #[arg(long, value_name = "SECS")]
    access_token_ttl: Option<u64>,
    /// Refresh-token lifetime in seconds.
    #[arg(long, value_name = "SECS")]
    refresh_token_ttl: Option<u64>,
    /// Company request token lifetime in seconds.
    #[arg(long, value_name = "SECS")]
    request_token_ttl: Option<u64>,
    /// Return a new refresh token on every refresh grant (the old one dies).
    #[arg(long)]
    rotate: bool,
    /// Send `expires_in` as a string, as the docs show.
    #[arg(long)]
    expires_in_as_string: bool,
    /// Delay added to every non-admin reply.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
    /// Queue a fault at start, as JSON (repeatable), the same shape as the admin
    /// API's: '{"endpoint":"token","count":2,"fault":{"kind":"status","status":503}}'.
    #[arg(long = "fault", value_name = "JSON")]
    faults: Vec<String>,
    /// Shift the server's clock (absolute times it sends) by this many seconds.
    #[arg(long, value_name = "SECS", allow_hyphen_values = true)]
    clock_offset: Option<i64>,
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long)]
    client_secret: Option<String>,
    #[arg(long)]
    company_uuid: Option<String>,
    #[arg(long)]
    request_token: Option<String>,
    /// Let the request token be exchanged more than once.
    #[arg(long)]
    reusable_request_token: bool,
    /// Geolocation to report in token replies (default: this server's URL).
    #[arg(long, value_name = "URL")]
    geolocation: Option<String>,
    /// The Profile v4 user id (of the list's first user).
    #[arg(long)]
    user_id: Option<String>,
    /// How many users `GET /profile/identity/v4/Users` lists (default 1).
    #[arg(long, value_name = "N")]
    users: Option<u64>,
    /// Exit when stdin reaches EOF, so a dying test harness takes the server along.
    #[arg(long)]
    exit_on_stdin_eof: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a file a client of this server needs, then exit (no server runs).
    #[command(subcommand)]
    Fixture(Fixture),
}

#[derive(Debug, Subcommand)]
enum Fixture {
    /// DIR/credentials.json in the tutorials' format, for a server started with
    /// the same flags (mode 0600; refuses to replace an existing file). Token
    /// files need a running server: POST /_admin/fixtures/token-file.
    Credentials { dir: std::path::PathBuf },
}

/// Runs a `fixture` subcommand.
fn write_fixture(fixture: Fixture, config: &FakeConfig) -> ExitCode {
    let Fixture::Credentials { dir } = fixture;
    let text = fixtures::credentials_json(config, &CredentialsSpec::default());
    match fixtures::write_new_file(&dir, fixtures::CREDENTIALS_FILE, &text) {
        Ok(path) => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fake-concur: {e}");
            ExitCode::FAILURE
        }
    }
}

impl Args {
    fn config(&self) -> FakeConfig {
        let mut c = FakeConfig::default();
        macro_rules! set {
            ($($arg:ident => $field:ident),*) => {
                $(if let Some(v) = self.$arg.clone() { c.$field = v; })*
            };
        }
        set!(
            access_token_ttl => access_token_ttl_secs,
            refresh_token_ttl => refresh_token_ttl_secs,
            request_token_ttl => request_token_ttl_secs,
            latency_ms => latency_ms,
            clock_offset => clock_offset_secs,
            client_id => client_id,
            client_secret => client_secret,
            company_uuid => company_uuid,
            request_token => request_token,
            user_id => user_id,
            users => users
        );
        c.rotate_refresh_tokens = self.rotate;
        c.expires_in_as_string = self.expires_in_as_string;
        c.request_token_single_use = !self.reusable_request_token;
        c.geolocation = self.geolocation.clone();
        c
    }
}

/// Resolves when stdin reaches EOF (or fails). A plain thread, not tokio's
/// stdin, because a blocked tokio stdin read would hold up runtime shutdown.
fn stdin_closed() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        let _ = tx.send(());
    });
    rx
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = Args::parse();
    if let Some(Command::Fixture(fixture)) = args.command.take() {
        return write_fixture(fixture, &args.config());
    }
    let port = args.port;
    let exit_on_eof = args.exit_on_stdin_eof;
    let mut faults = Vec::new();
    for text in &args.faults {
        match serde_json::from_str::<FaultSpec>(text) {
            Ok(spec) => faults.push(spec),
            Err(e) => {
                eprintln!("fake-concur: --fault {text:?} is not a fault: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let fake = match FakeConcur::start_on(args.config(), port).await {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("fake-concur: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    for spec in faults {
        fake.push_fault(spec.endpoint, spec.fault, spec.count);
    }
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{}", fake.base_url())
            .and_then(|()| out.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    if exit_on_eof {
        let eof = stdin_closed();
        tokio::select! {
            _ = terminated() => {}
            _ = eof => {}
        }
    } else {
        terminated().await;
    }
    fake.shutdown().await;
    ExitCode::SUCCESS
}
