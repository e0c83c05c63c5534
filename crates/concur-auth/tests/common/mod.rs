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
        setup.use_request_token(&setup.fake.config().request_token);
        setup
    }

    /// Rewrites credentials.json with the server's app and `request_token`.
    pub fn use_request_token(&self, request_token: &str) {
        let config = self.fake.config();
        write_credentials(
            &self.credentials_path(),
            &config.client_id,
            &config.client_secret,
            &config.company_uuid,
            request_token,
        );
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

    /// Seeds the token file with a refresh token the server knows and an access
    /// token (of a one-hour lifetime) that expires `secs` from now: with the
    /// default leeway (300 s) and hard margin (30 s), 200 is inside the stale
    /// window and 10 is past the hard expiry.
    pub fn seed_access_token_expiring_in(&self, secs: i64) -> TokenRecord {
        let mut record = self.seed_expired_access_token();
        record.access_token_expires_at = Some(now() + secs);
        record.expires_in = Some(3600);
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

/// A file store with scripted misbehaviour, for the paths a healthy file
/// never takes: saves that fail (a full disk) and a first load that returns an
/// outdated record (another host rotated the token right after we read it).
#[derive(Debug)]
pub struct ScriptedStore {
    inner: FileStore,
    failing_saves: std::sync::atomic::AtomicU32,
    stale_first_load: std::sync::Mutex<Option<TokenRecord>>,
    sneaky_write: std::sync::atomic::AtomicBool,
}

impl ScriptedStore {
    /// The next `count` saves fail with "No space left on device".
    pub fn failing_saves(path: &Path, count: u32) -> Self {
        ScriptedStore {
            inner: FileStore::new(path),
            failing_saves: count.into(),
            stale_first_load: Default::default(),
            sneaky_write: false.into(),
        }
    }

    /// The first load returns `stale` instead of what the file holds.
    pub fn stale_first_load(path: &Path, stale: TokenRecord) -> Self {
        ScriptedStore {
            inner: FileStore::new(path),
            failing_saves: 0.into(),
            stale_first_load: std::sync::Mutex::new(Some(stale)),
            sneaky_write: false.into(),
        }
    }

    /// Just before the first save, someone rewrites the stored record without
    /// the lease (same content, next revision), so that save's compare-and-swap
    /// fails.
    pub fn written_behind_our_back(path: &Path) -> Self {
        ScriptedStore {
            inner: FileStore::new(path),
            failing_saves: 0.into(),
            stale_first_load: Default::default(),
            sneaky_write: true.into(),
        }
    }
}

#[async_trait::async_trait]
impl concur_auth::TokenStore for ScriptedStore {
    async fn load(&self) -> concur_auth::Result<Option<TokenRecord>> {
        if let Some(stale) = self.stale_first_load.lock().unwrap().take() {
            return Ok(Some(stale));
        }
        self.inner.load().await
    }

    async fn lock(&self, wait: Duration) -> concur_auth::Result<Box<dyn concur_auth::StoreLease>> {
        self.inner.lock(wait).await
    }

    async fn save(&self, record: &TokenRecord, expected: Option<u64>) -> concur_auth::Result<u64> {
        use std::sync::atomic::Ordering;
        if self.sneaky_write.swap(false, Ordering::SeqCst) {
            let current = self.inner.load().await?.expect("a stored record");
            self.inner.save(&current, Some(current.revision)).await?;
        }
        let fail = self
            .failing_saves
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if fail {
            return Err(concur_auth::Error::new(
                concur_auth::ErrorKind::Store,
                "could not write: No space left on device (os error 28)",
            ));
        }
        self.inner.save(record, expected).await
    }

    async fn clear(&self) -> concur_auth::Result<()> {
        self.inner.clear().await
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// A manager over `store` with the setup's credentials and options.
pub fn manager_over(setup: &Setup, store: impl concur_auth::TokenStore + 'static) -> TokenManager {
    let credentials = Credentials::from_file(setup.credentials_path()).unwrap();
    TokenManager::new(credentials, Arc::new(store), setup.options()).unwrap()
}
