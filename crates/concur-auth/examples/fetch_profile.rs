//! The tutorials' three steps from Rust: load credentials.json, use (or get)
//! the stored refresh token, call Profile Identity v4.
//!
//! ```sh
//! cargo run -p concur-auth --example fetch_profile -- credentials.json refreshTokenObjectFile.json
//! ```
//!
//! `CONCUR_BASE_URL` points the first exchange elsewhere (e.g. at
//! `cargo run -p fake-concur`); later calls follow the stored geolocation.

use concur_auth::{ErrorKind, ManagerOptions, TokenManager};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), concur_auth::Error> {
    let mut args = std::env::args().skip(1);
    let credentials = args.next().unwrap_or_else(|| "credentials.json".into());
    let token_file = args
        .next()
        .unwrap_or_else(|| "refreshTokenObjectFile.json".into());
    let manager = TokenManager::from_files(credentials, token_file, ManagerOptions::from_env()?)?;

    // The one-time exchange, only when nothing is stored yet.
    let status = manager.status().await?;
    if !status.initialized {
        manager.exchange_request_token().await?;
    }

    match manager
        .api_client()
        .get("/profile/identity/v4/Users/")
        .await
    {
        Ok(reply) => println!("HTTP {}\n{}", reply.status, reply.text()),
        Err(err) if err.kind() == ErrorKind::RefreshTokenExpired => {
            eprintln!("{err}");
            std::process::exit(5);
        }
        Err(err) => return Err(err),
    }
    let status = manager.status().await?;
    println!(
        "refresh token: {} days left; geolocation {}",
        status.refresh_token_days_left.unwrap_or_default(),
        status.geolocation.unwrap_or_default()
    );
    Ok(())
}
