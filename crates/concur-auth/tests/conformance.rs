//! The cross-language scenarios of tests/conformance/SCENARIOS.md, in Rust.
//! Every binding runs the same list; outcomes are compared by error code.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use concur_auth::Secret;

const USERS: &str = "/profile/identity/v4/Users/";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s01_exchange_then_access_token() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    let mode = std::fs::metadata(setup.token_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(setup.token_path()).unwrap()).unwrap();
    for field in ["refresh_token", "refresh_expires_in", "companyUUID"] {
        assert!(stored.get(field).is_some(), "{field}");
    }
    assert_eq!(setup.fake.counters().password_grants, 1);
    assert!(!manager.access_token().await.unwrap().expose().is_empty());
    assert_eq!(setup.fake.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s02_cached_token() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    manager.access_token().await.unwrap();
    let before = setup.fake.counters().token_requests;
    manager.access_token().await.unwrap();
    assert_eq!(setup.fake.counters().token_requests, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s03_expired_access_token_many_callers() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    let manager = setup.manager();
    let calls: Vec<_> = (0..64)
        .map(|_| {
            let m = manager.clone();
            tokio::spawn(async move { m.access_token().await.unwrap() })
        })
        .collect();
    let mut tokens = std::collections::HashSet::new();
    for call in calls {
        tokens.insert(call.await.unwrap().expose().to_owned());
    }
    assert_eq!(tokens.len(), 1);
    assert_eq!(setup.fake.counters().refresh_grants, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s04_wrong_client_secret() {
    let setup = Setup::new().await;
    let c = setup.fake.config();
    write_credentials(
        &setup.credentials_path(),
        &c.client_id,
        "not-the-secret-91",
        &c.company_uuid,
        &c.request_token,
    );
    let err = setup.manager().exchange_request_token().await.unwrap_err();
    assert_eq!(err.code(), "auth");
    assert_eq!(err.concur_code(), Some(19));
    assert!(err.correlation_id().is_some());
    assert!(!err.to_string().contains("not-the-secret-91"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s05_request_token_used_twice() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    let before = std::fs::read(setup.token_path()).unwrap();
    let err = manager.exchange_request_token().await.unwrap_err();
    assert_eq!(err.code(), "auth");
    assert_eq!(err.concur_code(), Some(5));
    assert_eq!(std::fs::read(setup.token_path()).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s06_unknown_refresh_token() {
    let setup = Setup::new().await;
    let mut record = setup.seed_expired_access_token();
    record.refresh_token = Secret::new("unknown-refresh-token");
    std::fs::write(setup.token_path(), record.to_json()).unwrap();
    let before = std::fs::read(setup.token_path()).unwrap();
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.code(), "refresh_token_expired");
    assert!(err.message().contains("company request token"));
    assert_eq!(std::fs::read(setup.token_path()).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s07_no_token_file() {
    let setup = Setup::new().await;
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.code(), "not_initialized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s08_garbage_token_file() {
    let setup = Setup::new().await;
    std::fs::write(setup.token_path(), b"garbage").unwrap();
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.code(), "corrupt_store");
    let kept = std::fs::read_dir(setup.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.to_string_lossy()
                .contains("refreshTokenObjectFile.json.corrupt-")
        })
        .expect("kept aside");
    assert_eq!(std::fs::read(kept).unwrap(), b"garbage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s09_profile_call() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    let reply = manager.api_client().get(USERS).await.unwrap();
    assert_eq!(reply.status, 200);
    assert!(reply.json::<serde_json::Value>().unwrap()["Resources"].is_array());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s10_503_503_200() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    setup
        .fake
        .push_fault(Endpoint::Api, Fault::Status { status: 503 }, 2);
    assert_eq!(manager.api_client().get(USERS).await.unwrap().status, 200);
    assert_eq!(setup.fake.counters().user_requests, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s11_status() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    let before = setup.fake.counters();
    let status = manager.status().await.unwrap();
    assert_eq!(setup.fake.counters(), before, "no network");
    assert!(status.initialized && status.access_token_expires_at.is_some());
    assert!(status.refresh_token_expires_at.is_some());
    assert_eq!(
        status.geolocation.as_deref(),
        Some(setup.fake.base_url().as_str())
    );
    let json = status.to_json();
    assert_no_secret(&json, &setup.secrets());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s12_secrets_never_shown() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    let token = manager.access_token().await.unwrap();
    let err = manager.exchange_request_token().await.unwrap_err();
    for text in [
        format!("{manager:?}"),
        format!("{token:?}"),
        token.to_string(),
        err.to_string(),
        format!("{err:?}"),
    ] {
        assert_no_secret(&text, &setup.secrets());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s13_foreign_geolocation() {
    let setup = Setup::new().await;
    setup
        .fake
        .update_config(|c| c.geolocation = Some("https://evil.example.com".into()));
    let err = setup.manager().exchange_request_token().await.unwrap_err();
    assert_eq!(err.code(), "host_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s14_revoke() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    manager.revoke().await.unwrap();
    assert!(setup.fake.revoked());
    assert!(!setup.token_path().exists());
    assert_eq!(
        manager.access_token().await.unwrap_err().code(),
        "not_initialized"
    );
}
