//! The token file as users see it: the tutorials' format, 0600, corrupt files kept.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use concur_auth::ErrorKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_file_is_0600_and_in_the_tutorial_format() {
    let setup = Setup::new().await;
    setup.manager().exchange_request_token().await.unwrap();
    let mode = std::fs::metadata(setup.token_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(setup.token_path()).unwrap()).unwrap();
    for field in [
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_expires_in",
        "geolocation",
        "id_token",
        "companyUUID",
    ] {
        assert!(value.get(field).is_some(), "{field} missing");
    }
    // RefreshTokenManagement.js: refresh_expires_in * 1000 > Date.now()
    assert!(value["refresh_expires_in"].as_i64().unwrap() * 1000 > now() * 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_written_by_the_tutorial_script_loads_unchanged() {
    let setup = Setup::new().await;
    let issued = setup.fake.issue_refresh_token();
    // What RefreshTokenManagement.js writes: the raw reply (expires_in as the
    // documented string) plus companyUUID; no fields of ours.
    let tutorial = serde_json::json!({
        "expires_in": "3600", "scope": "openid user.read", "token_type": "Bearer",
        "access_token": issued.access_token, "refresh_token": issued.refresh_token,
        "refresh_expires_in": issued.refresh_expires_in, "geolocation": issued.geolocation,
        "id_token": "x.y.z", "companyUUID": setup.fake.config().company_uuid,
    });
    std::fs::write(setup.token_path(), serde_json::to_vec(&tutorial).unwrap()).unwrap();
    let manager = setup.manager();
    let status = manager.status().await.unwrap();
    assert!(status.initialized);
    assert!(
        !status.access_token_valid,
        "its access token's age is unknown"
    );
    manager
        .api_client()
        .get("/profile/identity/v4/Users/")
        .await
        .unwrap();
    assert_eq!(setup.fake.counters().refresh_grants, 1);
    assert_eq!(setup.stored().extra.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_token_file_is_a_typed_error_and_kept_aside() {
    let setup = Setup::new().await;
    std::fs::write(setup.token_path(), b"{ \"refresh_token\": \"half-writ").unwrap();
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptStore);
    assert!(err.message().contains(".corrupt-"), "{err}");
    let kept: Vec<_> = std::fs::read_dir(setup.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy()
                .contains("refreshTokenObjectFile.json.corrupt-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        std::fs::read(&kept[0]).unwrap(),
        b"{ \"refresh_token\": \"half-writ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_file_means_not_initialized() {
    let setup = Setup::new().await;
    let err = setup.manager().access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotInitialized);
    assert!(err.message().contains("exchange"), "{err}");
    assert!(!setup.manager().status().await.unwrap().initialized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_save_keeps_the_old_file_and_the_rotated_token_in_memory() {
    let config = FakeConfig {
        rotate_refresh_tokens: true,
        ..FakeConfig::default()
    };
    let setup = Setup::with_config(config).await;
    let seeded = setup.seed_expired_access_token();
    let manager = manager_over(&setup, ScriptedStore::failing_saves(&setup.token_path(), 1));

    let err = manager.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert_eq!(
        setup.stored().refresh_token,
        seeded.refresh_token,
        "the file is untouched"
    );
    assert_eq!(setup.fake.counters().refresh_grants, 1);

    // Past the failure-sharing window, the next call first saves the rotated
    // token it kept; the server killed the old one, so losing it would mean a
    // new company request token.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    manager.access_token().await.unwrap();
    assert_ne!(setup.stored().refresh_token, seeded.refresh_token);
    assert_eq!(
        setup.fake.counters().refresh_grants,
        1,
        "no second refresh was needed"
    );
}
