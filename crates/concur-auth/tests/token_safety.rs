//! Never lose, never waste the refresh token (issue 16): each test fails on a
//! build without the fix it names.

mod common;

use common::*;
use concur_auth::{
    ErrorKind, ExchangeOptions, HostPolicy, ManagerOptions, TokenRecord, TokenStore,
};

/// Item 1: Concur retires the old refresh token before we see the reply, so a
/// refused geolocation must not throw the rotated one away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_geolocation_still_saves_the_rotated_refresh_token() {
    let setup = Setup::new().await;
    let seeded = setup.seed_expired_access_token();
    setup.fake.update_config(|c| {
        c.rotate_refresh_tokens = true;
        c.geolocation = Some("https://evil.example.com".into());
    });
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostNotAllowed, "{err}");
    assert!(err.message().contains("evil.example.com"), "{err}");
    let stored = setup.stored();
    assert_ne!(
        stored.refresh_token, seeded.refresh_token,
        "the rotated token was saved"
    );
    assert_eq!(
        stored.geolocation, seeded.geolocation,
        "the previous geolocation is kept"
    );
    setup.fake.update_config(|c| c.geolocation = None);
    setup
        .manager()
        .force_refresh()
        .await
        .expect("the saved refresh token works: no code 108");
}

/// Item 3: a record kept in memory after a failed save is older than one
/// written since (here a new exchange) and must not overwrite it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_unsaved_record_never_overwrites_a_newer_stored_one() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    let unlucky = manager_over(&setup, ScriptedStore::failing_saves(&setup.token_path(), 1));
    let err = unlucky.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store, "{err}");
    // Meanwhile an administrator runs a new exchange (over a live record: forced).
    setup
        .manager()
        .exchange_request_token_with(ExchangeOptions::forced())
        .await
        .unwrap();
    let exchanged = setup.stored();
    unlucky.force_refresh().await.unwrap();
    assert_eq!(
        setup.stored().refresh_token,
        exchanged.refresh_token,
        "the exchange's refresh token is still the stored one"
    );
}

/// Item 10: a stored expiry that says "expired" is asked about once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_expiry_in_the_past_is_checked_with_the_server() {
    let setup = Setup::new().await;
    let mut record = setup.seed_expired_access_token();
    record.refresh_token_expires_at = Some(now() - 3600);
    std::fs::write(setup.token_path(), record.to_json()).unwrap();
    setup
        .manager()
        .access_token()
        .await
        .expect("Concur still accepts it");
    assert_eq!(setup.fake.counters().refresh_grants, 1);
    assert!(setup.stored().refresh_token_expires_at.unwrap() > now());
}

/// Item 11: durations from the wire are bounded, never overflowed.
#[test]
fn an_absurd_expires_in_is_bounded() {
    let policy = HostPolicy::new("https://us2.api.concursolutions.com", &[]).unwrap();
    let body = br#"{"access_token":"a","expires_in":"1e300","refresh_token":"r"}"#;
    let reply = concur_auth::parse_token_reply(200, "application/json", body, &policy).unwrap();
    assert_eq!(reply.expires_in, concur_auth::MAX_EXPIRES_IN);
}

/// Item 11: nonsense options are refused by the manager itself.
#[test]
fn a_leeway_of_u64_max_is_refused() {
    let options = ManagerOptions {
        leeway: std::time::Duration::from_secs(u64::MAX),
        ..quick_options("https://us2.api.concursolutions.com")
    };
    let config = FakeConfig::default();
    let credentials =
        concur_auth::Credentials::new(config.client_id, config.client_secret).unwrap();
    let err = concur_auth::TokenManager::new(
        credentials,
        std::sync::Arc::new(concur_auth::MemoryStore::new()),
        options,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
}

/// Item 8: code 105 says whose token it is, not "get a new request token".
#[test]
fn code_105_names_another_app() {
    let policy = HostPolicy::new("https://us2.api.concursolutions.com", &[]).unwrap();
    let body = br#"{"code":105,"error":"invalid_grant","error_description":"this grant was not issued to you!"}"#;
    let err = concur_auth::parse_token_reply(400, "application/json", body, &policy).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.message().contains("another app"), "{err}");
}

/// Item 13: a token file saved by a Windows editor starts with a byte-order mark.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_file_with_a_byte_order_mark_is_read() {
    let setup = Setup::new().await;
    let record = setup.seed_expired_access_token();
    let text = format!("\u{feff}{}", record.to_json().replace('\n', "\r\n"));
    std::fs::write(setup.token_path(), text).unwrap();
    let store = concur_auth::FileStore::new(setup.token_path());
    let loaded = store.load().await.unwrap().expect("read, not moved aside");
    assert_eq!(loaded.refresh_token, record.refresh_token);
}

/// Item 12: revoke waits for the lease like every writer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_takes_the_lease() {
    let setup = Setup::new().await;
    let manager = setup.manager_with(ManagerOptions {
        lock_wait: std::time::Duration::from_millis(100),
        ..setup.options()
    });
    manager.exchange_request_token().await.unwrap();
    let other = concur_auth::FileStore::new(setup.token_path());
    let held = other.lock(std::time::Duration::from_secs(1)).await.unwrap();
    let err = manager.revoke().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store, "{err}");
    assert!(
        !setup.fake.revoked(),
        "nothing revoked while another holds the lease"
    );
    drop(held);
    manager.revoke().await.unwrap();
    assert!(setup.fake.revoked() && !setup.token_path().exists());
}

/// Item 12: a reader (`status`) never moves a corrupt file aside.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_leaves_a_corrupt_file_in_place() {
    let setup = Setup::new().await;
    std::fs::write(setup.token_path(), b"{ half").unwrap();
    let err = setup.manager().status().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptStore);
    assert_eq!(std::fs::read(setup.token_path()).unwrap(), b"{ half");
}

/// Item 9: the record names its app; another app's manager refuses it clearly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_of_another_app_is_refused_by_name() {
    let setup = Setup::new().await;
    setup.manager().exchange_request_token().await.unwrap();
    let ours = setup.fake.config().client_id;
    assert_eq!(setup.stored().client_id.as_deref(), Some(ours.as_str()));
    let before = std::fs::read(setup.token_path()).unwrap();
    let requests = setup.fake.counters().token_requests;
    write_credentials(
        &setup.credentials_path(),
        "another-app-client-id",
        "another-secret",
        &setup.fake.config().company_uuid,
        &setup.fake.config().request_token,
    );
    let other = setup.manager();
    let err = other.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.message().contains("another app"), "{err}");
    assert!(err.message().contains(&ours), "{err}");
    let err = other.exchange_request_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert_eq!(setup.fake.counters().token_requests, requests);
    assert_eq!(std::fs::read(setup.token_path()).unwrap(), before);
}

/// Item 7: an endpoint that answers 401 for permission reasons costs one
/// refresh, not one per call; the 401 itself (body, correlation id) is returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permission_401_costs_at_most_one_refresh() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    setup
        .fake
        .push_fault(Endpoint::Api, Fault::Status { status: 401 }, 100);
    let client = manager.api_client();
    for _ in 0..5 {
        let response = client.get("/profile/identity/v4/Users/").await.unwrap();
        assert_eq!(response.status, 401);
        let err = response.error_for_status("GET users").unwrap_err();
        assert!(err.correlation_id().is_some(), "{err}");
    }
    assert_eq!(
        setup.fake.counters().refresh_grants,
        1,
        "one refresh, not five"
    );
    let replacement = manager.access_token().await.unwrap();
    let err = manager.replace_rejected(&replacement).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert_eq!(setup.fake.counters().refresh_grants, 1);
}

/// Item 9: an exchange does not replace this app's own live refresh token
/// unless asked to; the refusal happens before the request token is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_refuses_to_replace_our_live_refresh_token() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    let before = std::fs::read(setup.token_path()).unwrap();
    let days = manager.status().await.unwrap().refresh_token_days_left;
    setup.use_request_token(&setup.fake.mint_request_token());
    let manager = setup.manager();
    let err = manager.exchange_request_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    let message = err.message();
    assert!(message.contains("live refresh token"), "{err}");
    assert!(
        message.contains(&format!("{} days left", days.unwrap())),
        "{err}"
    );
    assert!(
        message.contains("--force") && message.contains("revoke"),
        "{err}"
    );
    assert_no_secret(message, &setup.secrets());
    assert_eq!(std::fs::read(setup.token_path()).unwrap(), before);
    assert_eq!(setup.fake.counters().password_grants, 1, "nothing sent");

    // The request token was not spent: with force it replaces the record.
    let old = setup.stored().refresh_token;
    manager
        .exchange_request_token_with(ExchangeOptions::forced())
        .await
        .unwrap();
    assert_eq!(setup.fake.counters().password_grants, 2);
    assert_ne!(setup.stored().refresh_token, old);
    assert!(setup.stored().revision > TokenRecord::from_json(&before).unwrap().revision);
}

/// Item 9: an expired refresh token is worth nothing; the exchange replaces it
/// without force, and so it does a record that cannot be read (moved aside).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_replaces_an_expired_or_corrupt_record_without_force() {
    let setup = Setup::new().await;
    let mut record = setup.seed_expired_access_token();
    record.refresh_token_expires_at = Some(now() - 1);
    std::fs::write(setup.token_path(), record.to_json()).unwrap();
    let status = setup.manager().exchange_request_token().await.unwrap();
    assert!(!status.refresh_token_expired, "{status:?}");
    assert_ne!(setup.stored().refresh_token, record.refresh_token);

    std::fs::write(setup.token_path(), b"{ half").unwrap();
    setup.use_request_token(&setup.fake.mint_request_token());
    setup.manager().exchange_request_token().await.unwrap();
    assert_eq!(setup.fake.counters().password_grants, 2);
    assert!(setup.stored().refresh_token_expires_at.is_some());
}

/// Item 9: force replaces our own live record, never another app's: that app
/// would lose its connection, and force is easy to pass by habit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_does_not_replace_another_apps_live_refresh_token() {
    let setup = Setup::new().await;
    setup.manager().exchange_request_token().await.unwrap();
    let before = std::fs::read(setup.token_path()).unwrap();
    write_credentials(
        &setup.credentials_path(),
        "another-app-client-id",
        "another-secret",
        &setup.fake.config().company_uuid,
        &setup.fake.mint_request_token(),
    );
    let err = setup
        .manager()
        .exchange_request_token_with(ExchangeOptions { force: true })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.message().contains("another app"), "{err}");
    assert!(err.message().contains("by hand"), "{err}");
    assert_eq!(setup.fake.counters().password_grants, 1);
    assert_eq!(std::fs::read(setup.token_path()).unwrap(), before);
}
