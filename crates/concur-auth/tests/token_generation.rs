//! The change signal a binding's own copy of the token relies on (issue 17:
//! Node keeps the JavaScript string): every change of the cached token moves
//! `token_generation()`, and `cached_access_token_until()` says until when a
//! fresh token may be served without asking again.

mod common;

use common::{now, Setup};
use concur_auth::{ErrorKind, ManagerOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_of_the_cached_token_moves_the_generation() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    let manager = setup.manager();
    let generation = manager.token_generation();
    let mut seen = generation.get();
    let mut moved = |what: &str| {
        let now = generation.get();
        assert_ne!(now, seen, "{what} did not move the generation");
        seen = now;
    };

    let first = manager.access_token().await.unwrap();
    moved("the first refresh");
    let (cached, until) = manager.cached_access_token_until().unwrap();
    assert_eq!(cached, first);
    let until = until.expect("a fresh token says until when");
    assert!(until > now(), "fresh until a future second");

    let forced = manager.force_refresh().await.unwrap();
    assert_ne!(forced, first);
    moved("force_refresh");

    let replaced = manager.replace_rejected(&forced).await.unwrap();
    assert_ne!(replaced, forced);
    moved("replace_rejected");

    // A clone shares the cache, hence the counter.
    manager.clone().force_refresh().await.unwrap();
    moved("a refresh by a clone");

    manager.revoke().await.unwrap();
    moved("revoke");
    assert_eq!(manager.cached_access_token_until(), None);
    assert_eq!(
        manager.access_token().await.unwrap_err().kind(),
        ErrorKind::NotInitialized
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_token_is_served_without_an_instant_and_its_renewal_moves_the_generation() {
    let setup = Setup::new().await;
    let seeded = setup.seed_access_token_expiring_in(200);
    let old = seeded.access_token.clone().unwrap();
    let manager = setup.manager();
    let generation = manager.token_generation();
    assert_eq!(manager.access_token().await.unwrap(), old);
    let adopted = generation.get();
    // Stale: served, but with no instant to keep it by (every call must
    // reach the core, which keeps the one background refresh going).
    assert_eq!(
        manager.cached_access_token_until(),
        Some((old.clone(), None))
    );
    let renewed = manager
        .settle()
        .await
        .expect("a background refresh")
        .unwrap();
    assert_ne!(renewed, old);
    assert_ne!(generation.get(), adopted, "the background renewal moved it");
    let (cached, until) = manager.cached_access_token_until().unwrap();
    assert_eq!(cached, renewed);
    assert!(until.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_strict_mode_a_stale_token_is_not_served_from_the_copy_either() {
    let setup = Setup::new().await;
    setup.seed_access_token_expiring_in(200);
    let manager = setup.manager_with(ManagerOptions {
        strict: true,
        ..setup.options()
    });
    let token = manager.access_token().await.unwrap();
    let (cached, until) = manager.cached_access_token_until().unwrap();
    assert_eq!(cached, token);
    assert!(until.is_some(), "strict mode waited for a fresh token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_have_generations_of_their_own() {
    let setup = Setup::new().await;
    setup.seed_expired_access_token();
    let a = setup.manager();
    let b = setup.manager();
    a.access_token().await.unwrap();
    let before = b.token_generation().get();
    a.force_refresh().await.unwrap();
    assert_eq!(
        b.token_generation().get(),
        before,
        "b's cache did not change"
    );
}
