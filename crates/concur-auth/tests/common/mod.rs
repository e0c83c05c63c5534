//! Shared set-up for the core's integration tests: a fake Concur, a temp folder
//! with the tutorials' files, and a manager with quick retries.

#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use concur_auth::{
    Credentials, FileStore, ManagerOptions, RetryPolicy, Secret, TokenManager, TokenRecord,
};
pub use fake_concur::{Endpoint, FakeConcur, FakeConfig, Fault};

/// A fake server plus a temp folder holding credentials.json.
pub struct Setup {
    pub fake: FakeConcur,
    pub dir: tempfile::TempDir,
}

impl Setup {
    pub async fn new() -> Setup {
        Self::with_config(FakeConfig::default()).await
    }

    pub async fn with_config(config: FakeConfig) -> Setup {
        let fake = FakeConcur::start(config).await.expect("fake starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let setup = Setup { fake, dir };
        let config = setup.fake.config();
        write_credentials(
            &setup.credentials_path(),
            &config.client_id,
            &config.client_secret,
            &config.company_uuid,
            &config.request_token,
        );
        setup
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.dir.path().join("credentials.json")
    }

    pub fn token_path(&self) -> PathBuf {
        self.dir.path().join("refreshTokenObjectFile.json")
    }

    pub fn options(&self) -> ManagerOptions {
        quick_options(&self.fake.base_url())
    }

    pub fn manager(&self) -> TokenManager {
        TokenManager::from_files(self.credentials_path(), self.token_path(), self.options())
            .expect("manager")
    }

    pub fn manager_with(&self, options: ManagerOptions) -> TokenManager {
        TokenManager::from_files(self.credentials_path(), self.token_path(), options)
            .expect("manager")
    }

    /// Seeds the token file with a refresh token the server knows and an access
    /// token that is already stale, as if an earlier run left it behind.
    pub fn seed_expired_access_token(&self) -> TokenRecord {
        let issued = self.fake.issue_refresh_token();
        let record = TokenRecord {
            access_token: Some(Secret::new(issued.access_token)),
            access_token_expires_at: Some(now() - 10),
            expires_in: Some(issued.expires_in as i64),
            refresh_token: Secret::new(issued.refresh_token),
            refresh_token_expires_at: Some(issued.refresh_expires_in as i64),
            geolocation: Some(issued.geolocation),
            company_uuid: Some(self.fake.config().company_uuid),
            token_type: Some("Bearer".into()),
            ..Default::default()
        };
        std::fs::write(self.token_path(), record.to_json()).unwrap();
        record
    }

    pub fn stored(&self) -> TokenRecord {
        TokenRecord::from_json(&std::fs::read(self.token_path()).unwrap()).unwrap()
    }

    /// Every secret the server knows, for leak checks.
    pub fn secrets(&self) -> Vec<String> {
        self.fake.known_secrets()
    }
}

/// Retries fast enough for tests; the same bounds otherwise.
pub fn quick_options(base_url: &str) -> ManagerOptions {
    ManagerOptions {
        base_url: base_url.to_owned(),
        retry: RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(20),
        },
        ..ManagerOptions::default()
    }
}

pub fn write_credentials(path: &Path, id: &str, secret: &str, uuid: &str, request_token: &str) {
    let json = serde_json::json!({
        "appID": id, "clientSecret": secret, "grantType": "password",
        "companyUUID": uuid, "companyRequestToken": request_token, "credentialType": "authtoken",
    });
    std::fs::write(path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Panics when any known secret appears in `text`.
pub fn assert_no_secret(text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret leaked into: {text}"
        );
    }
}

pub fn memory_manager(base_url: &str, record: Option<TokenRecord>) -> TokenManager {
    let config = FakeConfig::default();
    let credentials = Credentials::new(config.client_id, config.client_secret)
        .unwrap()
        .with_company(config.company_uuid, config.request_token);
    let store = match record {
        Some(record) => concur_auth::MemoryStore::with_record(record),
        None => concur_auth::MemoryStore::new(),
    };
    TokenManager::new(credentials, Arc::new(store), quick_options(base_url)).unwrap()
}

pub fn file_store(path: &Path) -> FileStore {
    FileStore::new(path)
}
