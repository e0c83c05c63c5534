//! Where tokens may go, and that secrets never show.

mod common;

use common::*;
use concur_auth::{Credentials, ErrorKind, ExchangeOptions, TokenManager};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_geolocation_is_refused_before_any_token_goes_there() {
    let config = FakeConfig {
        geolocation: Some("https://evil.example.com".into()),
        ..FakeConfig::default()
    };
    let setup = Setup::with_config(config).await;
    let err = setup.manager().exchange_request_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostNotAllowed);
    assert!(err.message().contains("evil.example.com"));
    assert!(
        !setup.token_path().exists(),
        "nothing stored from a refused exchange: the request token may be used again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_geolocation_in_the_token_file_is_refused() {
    let setup = Setup::new().await;
    let mut record = setup.seed_expired_access_token();
    record.geolocation = Some("https://attacker.example.net".into());
    std::fs::write(setup.token_path(), record.to_json()).unwrap();
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostNotAllowed);
    assert_eq!(setup.fake.counters().token_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_16_follows_the_geolocation_once() {
    let right = FakeConcur::start(FakeConfig::default()).await.unwrap();
    // Another origin than the base: it may receive secrets only when allowed.
    let right_url = right.base_url().replace("127.0.0.1", "localhost");
    right.update_config(|c| c.geolocation = Some(right_url.clone()));
    let config = FakeConfig {
        wrong_datacenter: Some(right_url.clone()),
        ..FakeConfig::default()
    };
    let setup = Setup::with_config(config).await;
    let manager = setup.manager_with(concur_auth::ManagerOptions {
        allowed_hosts: vec!["localhost".into()],
        ..setup.options()
    });
    manager.exchange_request_token().await.unwrap();
    assert_eq!(
        setup.fake.counters().password_grants,
        1,
        "asked the wrong data center once"
    );
    assert_eq!(right.counters().password_grants, 1, "then the right one");
    assert_eq!(
        setup.stored().geolocation.as_deref(),
        Some(right_url.as_str())
    );
}

#[tokio::test]
async fn plain_http_to_a_non_loopback_base_is_refused() {
    let credentials = Credentials::new("id", "secret").unwrap();
    let options = concur_auth::ManagerOptions {
        base_url: "http://us2.api.concursolutions.com".into(),
        ..Default::default()
    };
    let err = TokenManager::new(
        credentials,
        std::sync::Arc::new(concur_auth::MemoryStore::new()),
        options,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostNotAllowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_is_an_auth_error_without_the_secret() {
    let setup = Setup::new().await;
    let config = setup.fake.config();
    let wrong = "wrong-secret-Qq81";
    write_credentials(
        &setup.credentials_path(),
        &config.client_id,
        wrong,
        &config.company_uuid,
        &config.request_token,
    );
    let manager = setup.manager();
    let err = manager.exchange_request_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.concur_code(), Some(19));
    assert!(err.correlation_id().is_some());
    let mut secrets = setup.secrets();
    secrets.push(wrong.into());
    assert_no_secret(&err.to_string(), &secrets);
    assert_no_secret(&format!("{err:?}"), &secrets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_debug_output_or_error() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    let status = manager.exchange_request_token().await.unwrap();
    let token = manager.access_token().await.unwrap();
    let record = setup.stored();
    let shown = [
        format!("{manager:?}"),
        format!("{:?}", manager.credentials()),
        format!("{token:?}"),
        format!("{token}"),
        format!("{record:?}"),
        format!("{status:?}"),
        status.to_json(),
        format!("{:?}", manager.api_client()),
        format!(
            "{:?}",
            manager
                .api_client()
                .get("/profile/identity/v4/Users/")
                .await
                .unwrap()
        ),
    ];
    let secrets = setup.secrets();
    assert!(
        secrets.len() >= 4,
        "client secret, request token, refresh and access token"
    );
    for text in &shown {
        assert_no_secret(text, &secrets);
    }
    // Errors on every path that touches a secret.
    let second = manager
        .exchange_request_token_with(ExchangeOptions::forced())
        .await
        .unwrap_err();
    assert_eq!(
        second.concur_code(),
        Some(5),
        "request tokens are single use"
    );
    assert_no_secret(&second.to_string(), &secrets);
    assert_no_secret(&format!("{second:?}"), &secrets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_request_token_leaves_the_stored_token_untouched() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    let before = std::fs::read(setup.token_path()).unwrap();
    let err = manager
        .exchange_request_token_with(ExchangeOptions::forced())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.message().contains("Company Request Token"), "{err}");
    assert_eq!(std::fs::read(setup.token_path()).unwrap(), before);
}
