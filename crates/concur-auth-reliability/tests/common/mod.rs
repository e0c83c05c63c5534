//! Set-up shared by the reliability tests: a folder holding the tutorials'
//! credentials.json and a token file seeded with a refresh token the fake
//! server knows.

#![allow(dead_code)]

use std::path::PathBuf;

use concur_auth::{Secret, TokenRecord};
use fake_concur::FakeConcur;

/// The worker process every test starts, kills or counts.
pub const WORKER: &str = env!("CARGO_BIN_EXE_stress-worker");

/// A temp folder with credentials.json and a seeded refreshTokenObjectFile.json.
pub struct Folder {
    pub dir: tempfile::TempDir,
    pub credentials: PathBuf,
    pub token_file: PathBuf,
    /// The bytes first written to the token file.
    pub seeded: Vec<u8>,
}

impl Folder {
    /// The seed holds a live refresh token and an access token already stale
    /// (expired at the epoch), so the first access_token() refreshes.
    pub fn seeded(fake: &FakeConcur) -> Folder {
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("credentials.json");
        let token_file = dir.path().join("refreshTokenObjectFile.json");
        let config = fake.config();
        std::fs::write(
            &credentials,
            serde_json::json!({"appID": config.client_id, "clientSecret": config.client_secret})
                .to_string(),
        )
        .unwrap();
        let issued = fake.issue_refresh_token();
        let record = TokenRecord {
            access_token: Some(Secret::new(issued.access_token)),
            access_token_expires_at: Some(0),
            expires_in: Some(issued.expires_in as i64),
            refresh_token: Secret::new(issued.refresh_token),
            refresh_token_expires_at: Some(issued.refresh_expires_in as i64),
            geolocation: Some(issued.geolocation),
            ..Default::default()
        };
        let seeded = record.to_json().into_bytes();
        std::fs::write(&token_file, &seeded).unwrap();
        Folder {
            dir,
            credentials,
            token_file,
            seeded,
        }
    }

    /// `stress-worker` with this folder's files and `base_url`, then `mode` args.
    pub fn worker(&self, base_url: &str, mode: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(WORKER);
        command
            .args(["--credentials", self.credentials.to_str().unwrap()])
            .args(["--token-file", self.token_file.to_str().unwrap()])
            .args(["--base-url", base_url])
            .args(mode);
        command
    }

    /// The token file as it is now.
    pub fn stored(&self) -> TokenRecord {
        TokenRecord::from_json(&std::fs::read(&self.token_file).unwrap()).unwrap()
    }
}
