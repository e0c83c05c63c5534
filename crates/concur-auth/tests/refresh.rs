//! When and how often the manager refreshes, and what it persists.

mod common;

use std::time::Duration;

use common::*;
use concur_auth::{ErrorKind, Secret};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_at_expiry_make_one_refresh() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    let manager = setup.manager();
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for call in calls {
        tokens.push(call.await.unwrap().unwrap());
    }
    assert_eq!(setup.fake.counters().refresh_grants, 1);
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "every caller shares one token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_share_a_failed_refresh_instead_of_retrying_it() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    // A permanent, non-retryable failure: every caller must get it from one request.
    setup.fake.push_fault(
        Endpoint::Token,
        Fault::Concur {
            status: 400,
            code: 107,
            error: "invalid_request".into(),
            description: "refresh disallowed".into(),
        },
        1000,
    );
    let manager = setup.manager();
    let calls: Vec<_> = (0..200)
        .map(|_| {
            let manager = manager.clone();
            tokio::spawn(async move { manager.access_token().await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth);
    }
    assert_eq!(setup.fake.counters().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_cached_token_needs_no_request() {
    let setup = Setup::new().await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    let first = manager.access_token().await.unwrap();
    let second = manager.access_token().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(setup.fake.counters().token_requests, 1, "only the exchange");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_is_persisted_before_use() {
    let config = FakeConfig {
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    };
    let setup = Setup::with_config(config).await;
    let seeded = setup.seed_expired_access_token();
    let token = setup.manager().access_token().await.unwrap();
    let stored = setup.stored();
    assert_ne!(
        stored.refresh_token, seeded.refresh_token,
        "the server rotated it"
    );
    assert_eq!(stored.access_token.as_ref(), Some(&token));
    assert!(stored.revision > seeded.revision);
    // The old one is dead on the server; the stored one works for a new process.
    let later = setup.manager();
    later.force_refresh().await.unwrap();
    assert_eq!(setup.fake.counters().refresh_grants, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_refreshed_meanwhile_is_adopted_not_repeated() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    let one = setup.manager();
    let two = setup.manager();
    let token = one.access_token().await.unwrap();
    // `two` has no cache: it takes the lock, reloads, finds a fresh token.
    assert_eq!(two.access_token().await.unwrap(), token);
    assert_eq!(setup.fake.counters().refresh_grants, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grant_rereads_the_store_for_a_token_rotated_elsewhere() {
    let config = FakeConfig {
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    };
    let setup = Setup::with_config(config).await;
    let seeded = setup.seed_expired_access_token();
    // "Another host" rotates the token and writes the new one to the shared file
    // between our load and our refresh: simulate by rotating on the server and
    // storing the new token, while our manager holds the old record in a
    // memory store view... here simply: rotate via a second manager first.
    let other = setup.manager();
    other.access_token().await.unwrap();
    let rotated = setup.stored();
    assert_ne!(rotated.refresh_token, seeded.refresh_token);
    // Put the stale record back with a stale access token but keep the rotated
    // one reachable only through a re-read after invalid_grant.
    let mut stale = seeded.clone();
    stale.revision = rotated.revision;
    let manager = manager_over(
        &setup,
        ScriptedStore::stale_first_load(&setup.token_path(), stale),
    );
    manager
        .force_refresh()
        .await
        .expect("recovers with the re-read token");
    assert_ne!(setup.stored().refresh_token, seeded.refresh_token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_refresh_token_says_generate_a_request_token_and_keeps_the_file() {
    let setup = Setup::new().await;
    let mut record = setup.seed_expired_access_token();
    record.refresh_token = Secret::new("not-a-token-the-server-knows");
    std::fs::write(setup.token_path(), record.to_json()).unwrap();
    let before = std::fs::read(setup.token_path()).unwrap();
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RefreshTokenExpired);
    assert_eq!(err.concur_code(), Some(108));
    assert!(err.message().contains("company request token"), "{err}");
    assert!(err.correlation_id().is_some());
    assert_eq!(
        std::fs::read(setup.token_path()).unwrap(),
        before,
        "a failed refresh never rewrites the file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_refresh_token_is_asked_about_once_then_reported() {
    let setup = Setup::new().await;
    let mut record = setup.seed_expired_access_token();
    record.refresh_token_expires_at = Some(now() - 1);
    // Dead for Concur too (unknown to the server): code 108.
    record.refresh_token = concur_auth::Secret::new("dead-refresh-token");
    std::fs::write(setup.token_path(), record.to_json()).unwrap();
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RefreshTokenExpired);
    assert_eq!(
        setup.fake.counters().token_requests,
        1,
        "Concur was asked once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_token_endpoint_failures_are_retried_then_succeed() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    setup
        .fake
        .push_fault(Endpoint::Token, Fault::Status { status: 503 }, 2);
    setup.manager().access_token().await.unwrap();
    assert_eq!(setup.fake.counters().token_requests, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_502_from_the_token_endpoint_is_a_typed_error_after_retries() {
    let setup = Setup::new().await;
    let seeded = setup.seed_expired_access_token();
    setup
        .fake
        .push_fault(Endpoint::Token, Fault::Html { status: 502 }, 10);
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(setup.stored().refresh_token, seeded.refresh_token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_page_with_200_is_an_invalid_response() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    setup
        .fake
        .push_fault(Endpoint::Token, Fault::WrongContentType, 1);
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    setup
        .fake
        .push_fault(Endpoint::Token, Fault::MalformedJson, 1);
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert_no_secret(&err.to_string(), &setup.secrets());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_token_reply_is_refused_without_reading_it_all() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    setup.fake.push_fault(
        Endpoint::Token,
        Fault::HugeBody {
            bytes: 3 * 1024 * 1024,
        },
        1,
    );
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.message().contains("larger than"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_token_endpoint_times_out_with_a_typed_error() {
    let setup = Setup::new().await;
    let seeded = setup.seed_expired_access_token();
    setup
        .fake
        .push_fault(Endpoint::Token, Fault::Delay { ms: 3000 }, 10);
    let mut options = setup.options();
    options.http.request_timeout = Duration::from_millis(300);
    options.retry.max_attempts = 2;
    let err = setup
        .manager_with(options)
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(setup.stored().refresh_token, seeded.refresh_token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_retried() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    setup.fake.push_fault(Endpoint::Token, Fault::Drop, 1);
    setup.manager().access_token().await.unwrap();
    assert_eq!(setup.fake.counters().token_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_expires_in_is_accepted() {
    let config = FakeConfig {
        expires_in_as_string: true,
        ..FakeConfig::default()
    };
    let setup = Setup::with_config(config).await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    assert_eq!(setup.stored().expires_in, Some(3600));
    assert!(manager.status().await.unwrap().access_token_valid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_are_used_despite_a_long_leeway() {
    let config = FakeConfig {
        access_token_ttl_secs: 4,
        ..FakeConfig::default()
    };
    let setup = Setup::with_config(config).await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    manager.access_token().await.unwrap();
    manager.access_token().await.unwrap();
    assert_eq!(
        setup.fake.counters().refresh_grants,
        0,
        "4 s token, 300 s leeway: still used"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    manager.access_token().await.unwrap();
    assert_eq!(setup.fake.counters().refresh_grants, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_exchange_is_not_shared_with_later_refreshes() {
    let setup = Setup::new().await;
    setup.use_request_token("wrong-request-token");
    let manager = setup.manager();
    assert_eq!(
        manager.exchange_request_token().await.unwrap_err().kind(),
        ErrorKind::Auth
    );
    // Right after: the refresh path answers for itself (nothing stored yet).
    assert_eq!(
        manager.access_token().await.unwrap_err().kind(),
        ErrorKind::NotInitialized
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_conflict_keeps_the_token_concur_just_issued() {
    let setup = Setup::with_config(FakeConfig {
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    })
    .await;
    let seeded = setup.seed_expired_access_token();
    let manager = manager_over(
        &setup,
        ScriptedStore::written_behind_our_back(&setup.token_path()),
    );
    // The compare-and-swap fails (someone saved without the lease); the token
    // Concur just issued is the newest there is, so it is saved over theirs.
    let token = manager.access_token().await.unwrap();
    let stored = setup.stored();
    assert_eq!(stored.access_token.as_ref(), Some(&token));
    assert_ne!(stored.refresh_token, seeded.refresh_token);
    assert_eq!(setup.fake.counters().refresh_grants, 1);
}
