//! The files the server writes for its clients: credentials and token files
//! that work (or fail) against it exactly as their spec says.

mod common;

use common::{client, now};
use fake_concur::{CredentialsSpec, FakeConcur, FakeConfig, Freshness, TokenFileSpec};
use serde_json::{json, Value};

/// Status of `GET Users/` with `access_token`.
async fn api_status(fake: &FakeConcur, access_token: &str) -> u16 {
    client()
        .get(format!("{}/profile/identity/v4/Users/", fake.base_url()))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Status of a refresh grant for the file's refresh token.
async fn refresh_status(fake: &FakeConcur, file: &Value) -> u16 {
    let cfg = fake.config();
    client()
        .post(format!("{}/oauth2/v0/token", fake.base_url()))
        .form(&[
            ("client_id", cfg.client_id.as_str()),
            ("client_secret", cfg.client_secret.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", file["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Status of a password grant with the credentials file's values.
async fn exchange_status(fake: &FakeConcur, creds: &Value) -> u16 {
    let field = |k: &str| creds[k].as_str().unwrap().to_owned();
    client()
        .post(format!("{}/oauth2/v0/token", fake.base_url()))
        .form(&[
            ("client_id", field("appID")),
            ("client_secret", field("clientSecret")),
            ("grant_type", field("grantType")),
            ("username", field("companyUUID")),
            ("password", field("companyRequestToken")),
            ("credtype", field("credentialType")),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn token_file(fake: &FakeConcur, state: Freshness, unknown: bool) -> Value {
    let spec = TokenFileSpec {
        state,
        unknown_refresh_token: unknown,
    };
    serde_json::from_str(&fake.token_file_fixture(&spec)).unwrap()
}

#[tokio::test]
async fn token_files_are_fresh_stale_or_expired_as_asked() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let fresh = token_file(&fake, Freshness::Fresh, false);
    let left = fresh["access_token_expires_at"].as_u64().unwrap() - now();
    assert!((3590..=3600).contains(&left), "{left}");
    assert_eq!(fresh["companyUUID"], fake.config().company_uuid.as_str());
    assert_eq!(fresh["geolocation"], fake.base_url().as_str());
    assert_eq!(fresh["token_type"], "Bearer");
    assert_eq!(
        api_status(&fake, fresh["access_token"].as_str().unwrap()).await,
        200
    );

    let stale = token_file(&fake, Freshness::Stale, false);
    let left = stale["access_token_expires_at"].as_u64().unwrap() - now();
    assert!(
        left <= fake_concur::fixtures::STALE_SECS_LEFT && left > 30,
        "{left}"
    );
    assert_eq!(
        api_status(&fake, stale["access_token"].as_str().unwrap()).await,
        200
    );

    let expired = token_file(&fake, Freshness::Expired, false);
    assert!(expired["access_token_expires_at"].as_u64().unwrap() < now());
    assert_eq!(
        api_status(&fake, expired["access_token"].as_str().unwrap()).await,
        401
    );
    assert_eq!(refresh_status(&fake, &expired).await, 200);
    assert_eq!(
        fake.counters().refresh_grants,
        1,
        "only the test's own grant"
    );
}

#[tokio::test]
async fn an_unknown_refresh_token_is_refused_and_treated_as_a_secret() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let file = token_file(&fake, Freshness::Expired, true);
    assert_eq!(refresh_status(&fake, &file).await, 400);
    let unknown = file["refresh_token"].as_str().unwrap().to_owned();
    assert!(fake.known_secrets().contains(&unknown));
}

#[tokio::test]
async fn credentials_fixtures_work_or_fail_as_asked() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let creds: Value =
        serde_json::from_str(&fake.credentials_fixture(&CredentialsSpec::default())).unwrap();
    assert_eq!(exchange_status(&fake, &creds).await, 200);
    // The configured request token is used up now; a new one works once more.
    assert_eq!(exchange_status(&fake, &creds).await, 400);
    let spec = CredentialsSpec {
        new_request_token: true,
        ..Default::default()
    };
    let renewed: Value = serde_json::from_str(&fake.credentials_fixture(&spec)).unwrap();
    assert_eq!(exchange_status(&fake, &renewed).await, 200);
    let spec = CredentialsSpec {
        client_secret: Some("not-the-secret-91".into()),
        new_request_token: true,
        ..Default::default()
    };
    let wrong: Value = serde_json::from_str(&fake.credentials_fixture(&spec)).unwrap();
    assert_eq!(wrong["clientSecret"], "not-the-secret-91");
    assert_eq!(exchange_status(&fake, &wrong).await, 401);
}

#[tokio::test]
async fn the_admin_api_serves_fixtures_and_refuses_typos() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let url = |p: &str| format!("{}/_admin/fixtures/{p}", fake.base_url());
    let reply = client().post(url("credentials")).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    let creds: Value = reply.json().await.unwrap();
    assert_eq!(creds["clientSecret"], fake.config().client_secret.as_str());

    let reply = client()
        .post(url("token-file"))
        .json(&json!({"state": "expired"}))
        .send()
        .await
        .unwrap();
    let file: Value = reply.json().await.unwrap();
    assert!(file["access_token_expires_at"].as_u64().unwrap() < now());

    for (path, body) in [
        ("token-file", json!({"state": "rotten"})),
        ("credentials", json!({"client_secrte": "x"})),
    ] {
        let reply = client().post(url(path)).json(&body).send().await.unwrap();
        assert_eq!(reply.status(), 400, "{path} {body}");
    }
    assert_eq!(
        fake.counters(),
        fake_concur::Counters::default(),
        "not counted"
    );
}

#[tokio::test]
async fn written_files_are_private_and_never_replace_one() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let creds = fake
        .write_credentials(dir.path(), &CredentialsSpec::default())
        .unwrap();
    let tokens = fake
        .write_token_file(dir.path(), &TokenFileSpec::default())
        .unwrap();
    assert_eq!(creds, dir.path().join("credentials.json"));
    assert_eq!(tokens, dir.path().join("refreshTokenObjectFile.json"));
    let before = std::fs::read(&tokens).unwrap();
    let err = fake
        .write_token_file(dir.path(), &TokenFileSpec::default())
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&tokens).unwrap(), before);
}
