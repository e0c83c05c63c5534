//! `concur-auth demo`: the three SAP tutorials end to end against an embedded
//! fake Concur, in a temporary folder, every secret redacted.

use std::path::Path;
use std::time::Duration;

use concur_auth::{Error, ErrorKind, ManagerOptions, Result, TokenManager, REDACTED};
use fake_concur::{FakeConcur, FakeConfig};

use crate::commands::{status_text, write_new_private_file};

/// Runs the flow, printing each step.
pub async fn run() -> Result<()> {
    let fake = FakeConcur::start(FakeConfig::default())
        .await
        .map_err(|err| {
            Error::new(
                ErrorKind::Network,
                format!("could not start the fake Concur server: {err}"),
            )
        })?;
    let folder = tempfile::tempdir().map_err(|err| {
        Error::new(
            ErrorKind::Store,
            format!("could not create a temporary folder: {err}"),
        )
    })?;
    let result = flow(&fake, folder.path()).await;
    fake.shutdown().await;
    result
}

async fn flow(fake: &FakeConcur, folder: &Path) -> Result<()> {
    let config = fake.config();
    let credentials = folder.join(concur_auth::DEFAULT_CREDENTIALS_FILE);
    let token_file = folder.join(concur_auth::DEFAULT_TOKEN_FILE);
    let options = ManagerOptions {
        base_url: fake.base_url(),
        leeway: Duration::from_secs(300),
        ..ManagerOptions::default()
    };

    println!("concur-auth demo: the SAP tutorials' token flow against an embedded fake Concur");
    println!(
        "  fake Concur at {}, working folder {}",
        fake.base_url(),
        folder.display()
    );

    step(
        1,
        "write the credentials.json template (tutorial 1, first run)",
    );
    write_new_private_file(
        &credentials,
        concur_auth::Credentials::template_json().as_bytes(),
    )?;
    println!("  {} written with mode 0600", credentials.display());

    step(2, "the admin fills it in: client id and secret from App Management, company UUID and request token from Authentication Admin");
    let filled = serde_json::json!({
        "appID": config.client_id,
        "clientSecret": config.client_secret,
        "grantType": "password",
        "companyUUID": config.company_uuid,
        "companyRequestToken": config.request_token,
        "credentialType": "authtoken",
    });
    std::fs::write(
        &credentials,
        serde_json::to_vec_pretty(&filled).expect("JSON"),
    )
    .map_err(|err| {
        Error::new(
            ErrorKind::Store,
            format!("could not fill in the credentials: {err}"),
        )
    })?;
    println!(
        "  appID={} clientSecret={REDACTED} companyUUID={} companyRequestToken={REDACTED}",
        config.client_id, config.company_uuid
    );

    step(
        3,
        "exchange the company request token for a refresh token, once (tutorial 1, second run)",
    );
    let manager = TokenManager::from_files(&credentials, &token_file, options.clone())?;
    let status = manager.exchange_request_token().await?;
    println!(
        "  refresh token stored in {} (mode {:o}), {} days left",
        token_file.display(),
        file_mode(&token_file),
        status.refresh_token_days_left.unwrap_or_default()
    );

    step(4, "get an access token (tutorial 3)");
    let token = manager.access_token().await?;
    println!(
        "  access token: {REDACTED} ({} characters)",
        token.expose().len()
    );

    step(
        5,
        "call Profile Identity v4 with it: GET /profile/identity/v4/Users/",
    );
    let reply = manager
        .api_client()
        .get("/profile/identity/v4/Users/")
        .await?;
    let users: serde_json::Value = reply.json()?;
    let first = &users["Resources"][0];
    println!(
        "  HTTP {}: {} user(s); first: {} ({})",
        reply.status,
        users["totalResults"],
        first["displayName"].as_str().unwrap_or("?"),
        first["userName"].as_str().unwrap_or("?")
    );

    step(6, "a later run: a new process loads refreshTokenObjectFile.json and reuses the token (tutorial 2)");
    let before = fake.counters().token_requests;
    let later_run = TokenManager::from_files(&credentials, &token_file, options)?;
    later_run.access_token().await?;
    println!(
        "  token requests made by the later run: {} (the stored access token was still valid)",
        fake.counters().token_requests - before
    );

    step(7, "status, without network and without secrets");
    for line in status_text(&later_run.status().await?).lines() {
        println!("  {line}");
    }

    let counters = fake.counters();
    println!(
        "\ndone: the fake Concur saw {} exchange, {} refresh and {} Profile call(s); no secret was printed.",
        counters.password_grants, counters.refresh_grants, counters.user_requests
    );
    Ok(())
}

fn step(number: u32, what: &str) {
    println!("\n[{number}] {what}");
}

fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0)
}
