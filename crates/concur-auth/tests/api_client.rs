//! The API client: bearer header, one refresh on 401, retries and timeouts.

mod common;

use std::time::{Duration, Instant};

use common::*;
use concur_auth::ErrorKind;

const USERS: &str = "/profile/identity/v4/Users/";

async fn ready() -> (Setup, concur_auth::TokenManager) {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    setup.fake.reset_counters();
    (setup, manager)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_list_and_by_id() {
    let (setup, manager) = ready().await;
    let client = manager.api_client();
    let list = client.get(USERS).await.unwrap();
    assert_eq!(list.status, 200);
    assert!(list.correlation_id.is_some());
    let users: serde_json::Value = list.json().unwrap();
    let id = users["Resources"][0]["id"].as_str().unwrap().to_owned();
    let one = client.get(&format!("{USERS}{id}")).await.unwrap();
    assert_eq!(one.json::<serde_json::Value>().unwrap()["id"], id.as_str());
    assert_eq!(setup.fake.counters().user_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_triggers_one_refresh_and_one_retry() {
    let (setup, manager) = ready().await;
    setup.fake.expire_access_tokens();
    let reply = manager.api_client().get(USERS).await.unwrap();
    assert_eq!(reply.status, 200);
    let counters = setup.fake.counters();
    assert_eq!(counters.refresh_grants, 1);
    assert_eq!(counters.user_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persistent_401_is_returned_after_one_retry() {
    let (setup, manager) = ready().await;
    setup.fake.push_fault(
        Endpoint::Api,
        Fault::Concur {
            status: 401,
            code: 401,
            error: "invalid_token".into(),
            description: "nope".into(),
        },
        10,
    );
    let reply = manager.api_client().get(USERS).await.unwrap();
    assert_eq!(reply.status, 401);
    assert_eq!(setup.fake.counters().user_requests, 2);
    assert_eq!(setup.fake.counters().refresh_grants, 1);
    let err = reply.error_for_status("GET users").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert!(err.correlation_id().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_callers_hit_by_401_share_one_refresh() {
    let (setup, manager) = ready().await;
    setup.fake.expire_access_tokens();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = manager.api_client();
            tokio::spawn(async move { client.get(USERS).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().status, 200);
    }
    assert_eq!(setup.fake.counters().refresh_grants, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_503s_then_200_succeeds() {
    let (setup, manager) = ready().await;
    setup
        .fake
        .push_fault(Endpoint::Api, Fault::Status { status: 503 }, 2);
    let reply = manager.api_client().get(USERS).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(setup.fake.counters().user_requests, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_503s_end_in_a_server_error_with_the_correlation_id() {
    let (setup, manager) = ready().await;
    setup
        .fake
        .push_fault(Endpoint::Api, Fault::Status { status: 503 }, 100);
    let err = manager.api_client().get(USERS).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.http_status(), Some(503));
    assert!(err.correlation_id().is_some());
    assert_eq!(
        setup.fake.counters().user_requests,
        4,
        "max_attempts bounds the retries"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let (setup, manager) = ready().await;
    setup.fake.push_fault(
        Endpoint::Api,
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    let started = Instant::now();
    let reply = manager.api_client().get(USERS).await.unwrap();
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(setup.fake.counters().user_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_is_not_retried_after_a_server_error() {
    let (setup, manager) = ready().await;
    // The fake routes no POST here, so the fault goes on `Any` (counted as "other").
    setup
        .fake
        .push_fault(Endpoint::Any, Fault::Status { status: 500 }, 1);
    let reply = manager
        .api_client()
        .request_str("post", USERS, Some(&serde_json::json!({"a": 1})))
        .await
        .unwrap();
    assert_eq!(reply.status, 500);
    assert_eq!(
        setup.fake.counters().other_requests,
        1,
        "sent once, not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_on_the_api_is_retried() {
    let (setup, manager) = ready().await;
    setup.fake.push_fault(Endpoint::Api, Fault::Drop, 1);
    assert_eq!(manager.api_client().get(USERS).await.unwrap().status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_method_is_a_config_error_and_a_foreign_url_is_refused() {
    let (_setup, manager) = ready().await;
    let client = manager.api_client();
    let err = client.request_str("GE T", USERS, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = client
        .get("https://evil.example.com/steal")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HostNotAllowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_clears_the_store() {
    let (setup, manager) = ready().await;
    manager.revoke().await.unwrap();
    assert!(setup.fake.revoked());
    assert!(!setup.token_path().exists());
    let err = manager.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotInitialized);
}
