//! One function per subcommand. Each returns what to print; errors carry the
//! core's message, printed once by `main`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use concur_auth::{
    Credentials, Error, ErrorKind, ExchangeOptions, ManagerOptions, Result, Status, TokenManager,
    TokenState,
};

use crate::cli::Cli;
use crate::time_format::{describe_until, utc};

/// The options given on the command line, checked against their documented ranges.
pub fn options(cli: &Cli) -> Result<ManagerOptions> {
    let options = ManagerOptions {
        base_url: cli.base_url.clone(),
        allowed_hosts: cli.allowed_hosts.clone(),
        leeway: Duration::from_secs(cli.leeway),
        hard_margin: Duration::from_secs(cli.hard_margin),
        strict: cli.strict,
        ..ManagerOptions::default()
    };
    options.validate()?;
    Ok(options)
}

/// Where tokens are kept: `--store` when given, else `--token-file`.
pub fn store_location(cli: &Cli) -> String {
    cli.store
        .clone()
        .unwrap_or_else(|| cli.token_file.display().to_string())
}

pub fn manager(cli: &Cli) -> Result<TokenManager> {
    let credentials = Credentials::from_file(&cli.credentials)?;
    TokenManager::with_store_location(credentials, &store_location(cli), options(cli)?)
}

/// `init`: the tutorials' credentials template, 0600, never over an existing file.
pub fn init(path: &Path) -> Result<()> {
    write_new_private_file(path, Credentials::template_json().as_bytes())?;
    println!(
        "wrote {} (mode 0600). Fill in appID and clientSecret (OAuth 2.0 Application Management) and companyUUID and companyRequestToken (Authentication Admin → Company Request Token), then run `concur-auth exchange`.",
        path.display()
    );
    Ok(())
}

/// Creates `path` with mode 0600; refuses to replace anything already there.
pub fn write_new_private_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|err| {
            if err.kind() == std::io::ErrorKind::AlreadyExists {
                Error::new(
                    ErrorKind::Config,
                    format!(
                        "{} already exists; not overwriting it (remove it first if you mean to)",
                        path.display()
                    ),
                )
            } else {
                Error::new(
                    ErrorKind::Config,
                    format!("could not create {}: {err}", path.display()),
                )
            }
        })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|err| {
            Error::new(
                ErrorKind::Config,
                format!("could not write {}: {err}", path.display()),
            )
        })
}

/// `exchange`: the one-time request token → refresh token step; `--force`
/// replaces this app's live refresh token (without it, that is refused).
pub async fn exchange(cli: &Cli, force: bool) -> Result<()> {
    let status = manager(cli)?
        .exchange_request_token_with(ExchangeOptions { force })
        .await?;
    println!("refresh token stored in the token store ({})", status.store);
    print!("{}", status_text(&status));
    Ok(())
}

/// `token`: the access token alone on stdout. A stale token starts a refresh
/// that this run waits for (a process must not exit mid-refresh); if it fails,
/// the still-valid token is printed with a warning on stderr, exit status 0.
pub async fn token(cli: &Cli) -> Result<()> {
    let manager = manager(cli)?;
    let mut token = manager.access_token().await?;
    match manager.settle().await {
        Some(Ok(renewed)) => token = renewed,
        Some(Err(err)) => eprintln!(
            "concur-auth: warning: the access token is stale and its refresh failed ({err}); printing the current one, which is still valid"
        ),
        None => {}
    }
    println!("{}", token.expose());
    Ok(())
}

/// `refresh`: one refresh now, under the store's lock, whatever the token's age.
pub async fn refresh(cli: &Cli) -> Result<()> {
    let manager = manager(cli)?;
    manager.force_refresh().await?;
    let status = manager.status().await?;
    println!(
        "refreshed; the token store ({}) holds the new tokens",
        status.store
    );
    print!("{}", status_text(&status));
    Ok(())
}

/// `status`: no network, no credentials needed. With `check_days`, returns the
/// monitoring exit code (see `exit_code.rs`), `None` when all is well.
pub async fn status(cli: &Cli, json: bool, check_days: Option<i64>) -> Result<Option<u8>> {
    let store = concur_auth::store::open(&store_location(cli))?;
    let status = Status::of_store(store.as_ref(), &options(cli)?).await?;
    if json {
        println!("{}", status.to_json());
    } else {
        print!("{}", status_text(&status));
    }
    Ok(check_days.and_then(|days| check_code(&status, days)))
}

/// The `status --check` verdict: `None` when the refresh token has more than
/// `days` days left (or its expiry is unknown: the server will say).
pub fn check_code(status: &Status, days: i64) -> Option<u8> {
    if !status.initialized {
        return Some(crate::exit_code::CHECK_NOTHING_STORED);
    }
    if status.refresh_token_expired {
        return Some(crate::exit_code::CHECK_EXPIRED);
    }
    status
        .refresh_token_days_left
        .is_some_and(|left| left <= days)
        .then_some(crate::exit_code::CHECK_EXPIRING)
}

/// `call METHOD PATH [--data JSON]`: the body on stdout; an HTTP error status
/// is also an error (exit code 10).
pub async fn call(cli: &Cli, method: &str, path: &str, data: Option<&str>) -> Result<()> {
    let body = data
        .map(|text| {
            serde_json::from_str::<serde_json::Value>(text).map_err(|err| {
                Error::new(
                    ErrorKind::Config,
                    format!("--data is not valid JSON ({err})"),
                )
            })
        })
        .transpose()?;
    let response = manager(cli)?
        .api_client()
        .request_str(method, path, body.as_ref())
        .await?;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&response.body);
    if !response.body.ends_with(b"\n") && !response.body.is_empty() {
        let _ = out.write_all(b"\n");
    }
    response.error_for_status(&format!("{} {path}", method.to_ascii_uppercase()))?;
    Ok(())
}

/// `revoke`.
pub async fn revoke(cli: &Cli) -> Result<()> {
    let manager = manager(cli)?;
    manager.revoke().await?;
    // describe(), not the location given: a redis:// URL may carry a password.
    println!(
        "revoked: every refresh token of this app for the company is now invalid, and the token store ({}) was cleared",
        manager.store().describe()
    );
    Ok(())
}

/// Human-readable status, one fact a line.
pub fn status_text(status: &Status) -> String {
    let mut text = format!("store:          {}\n", status.store);
    if !status.initialized {
        text.push_str(
            "initialized:    no — run `concur-auth exchange` with a company request token\n",
        );
        return text;
    }
    let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
    text.push_str(&format!(
        "geolocation:    {}\n",
        or_unknown(&status.geolocation)
    ));
    text.push_str(&format!(
        "company:        {}\n",
        or_unknown(&status.company_uuid)
    ));
    let access = match (
        status.access_token_expires_at,
        status.stale_at,
        status.hard_expiry_at,
    ) {
        (Some(at), Some(stale), Some(hard)) => {
            let state = match status.state {
                TokenState::Fresh => {
                    format!("fresh until {} ({})", utc(stale), describe_until(stale))
                }
                TokenState::Stale => format!(
                    "stale since {}: still served while one refresh runs, until {}",
                    utc(stale),
                    utc(hard)
                ),
                _ => format!(
                    "expired since {}: the next call waits for a refresh",
                    utc(hard)
                ),
            };
            format!(
                "{state}\n                stale from {}, expired from {}, expires {}",
                utc(stale),
                utc(hard),
                utc(at)
            )
        }
        _ => "none stored; the next call fetches one".into(),
    };
    text.push_str(&format!("access token:   {access}\n"));
    let refresh = match (status.refresh_token_expires_at, status.refresh_token_days_left) {
        _ if status.refresh_token_expired => {
            "EXPIRED: generate a new company request token in Authentication Admin and run `concur-auth exchange`".to_owned()
        }
        (Some(at), Some(days)) => {
            let warning = if status.refresh_token_expiring_soon {
                " — expiring soon: it is renewed by use; if it lapses only a new company request token helps"
            } else {
                ""
            };
            format!("expires {} ({days} days left){warning}", utc(at))
        }
        _ => "expiry unknown".into(),
    };
    text.push_str(&format!("refresh token:  {refresh}\n"));
    text
}
