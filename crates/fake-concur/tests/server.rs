//! Drives the in-process server over real HTTP, as a client library would.

mod common;

use std::time::{Duration, Instant};

use common::{client, now};
use fake_concur::{Counters, Endpoint, FakeConcur, FakeConfig, Fault};
use serde_json::{json, Value};

fn token_url(fake: &FakeConcur) -> String {
    format!("{}/oauth2/v0/token", fake.base_url())
}

fn password_form(cfg: &FakeConfig) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", cfg.client_id.clone()),
        ("client_secret", cfg.client_secret.clone()),
        ("grant_type", "password".into()),
        ("username", cfg.company_uuid.clone()),
        ("password", cfg.request_token.clone()),
        ("credtype", "authtoken".into()),
    ]
}

fn refresh_form(cfg: &FakeConfig, refresh_token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", cfg.client_id.clone()),
        ("client_secret", cfg.client_secret.clone()),
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh_token.into()),
    ]
}

async fn post_form(fake: &FakeConcur, form: &[(&str, String)]) -> (u16, Value) {
    let response = client()
        .post(token_url(fake))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Sends `request` and parses its JSON reply (admin calls in these tests).
async fn send_json<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.unwrap().json().await.unwrap()
}

fn base64url_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => panic!("not base64url: {c}"),
    };
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        bits = (bits << 6) | u32::from(val(c));
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[tokio::test]
async fn password_grant_succeeds_once_then_reuse_fails() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    let response = client()
        .post(token_url(&fake))
        .form(&password_form(&cfg))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("concur-correlationid"));
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "openid user.read company.read");
    assert_eq!(body["geolocation"], fake.base_url());
    let access = body["access_token"].as_str().unwrap();
    let refresh = body["refresh_token"].as_str().unwrap();
    assert!(access.len() >= 32 && refresh.len() >= 32);
    assert!(access.starts_with("eyJ"));
    assert_ne!(access, refresh);
    let expiry = body["refresh_expires_in"].as_u64().unwrap();
    let expected = now() + 180 * 86_400;
    assert!(expiry.abs_diff(expected) < 5, "{expiry} vs {expected}");
    let id_token = body["id_token"].as_str().unwrap();
    let parts: Vec<&str> = id_token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload: Value = serde_json::from_slice(&base64url_decode(parts[1])).unwrap();
    assert_eq!(payload["sub"], cfg.company_uuid);

    let (status, body) = post_form(&fake, &password_form(&cfg)).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], 5);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["geolocation"], fake.base_url());
    fake.shutdown().await;
}

#[tokio::test]
async fn client_authentication_and_field_errors() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    let with = |name: &str, value: &str| {
        let mut form = password_form(&cfg);
        form.retain(|(k, _)| *k != name);
        if !value.is_empty() {
            let key = password_form(&cfg)
                .into_iter()
                .find(|(k, _)| *k == name)
                .unwrap()
                .0;
            form.push((key, value.to_string()));
        }
        form
    };
    let cases = [
        (with("client_secret", "wrong"), 401, 19, "invalid_client"),
        (with("client_id", "nobody"), 400, 61, "invalid_client"),
        (with("client_id", ""), 400, 62, "invalid_request"),
        (with("client_secret", ""), 400, 63, "invalid_request"),
        (with("grant_type", ""), 400, 65, "invalid_request"),
        (with("credtype", ""), 400, 120, "invalid_request"),
        (with("credtype", "password"), 400, 120, "invalid_request"),
        (
            with("username", "99999999-2222-3333-4444-555555555555"),
            400,
            5,
            "invalid_grant",
        ),
        (
            with("password", "not-a-request-token"),
            400,
            5,
            "invalid_grant",
        ),
    ];
    for (form, status, code, error) in cases {
        let (got_status, body) = post_form(&fake, &form).await;
        assert_eq!(
            (got_status, body["code"].as_i64().unwrap()),
            (status, code),
            "{form:?}"
        );
        assert_eq!(body["error"], error);
        assert!(body["error_description"].is_string());
    }
    // None of those burnt the request token.
    let (status, _) = post_form(&fake, &password_form(&cfg)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn refresh_grant_keeps_the_token_and_extends_it() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    let seeded = fake.issue_refresh_token();
    let (status, body) = post_form(&fake, &refresh_form(&cfg, &seeded.refresh_token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["refresh_token"], seeded.refresh_token);
    assert_ne!(body["access_token"], seeded.access_token);
    assert!(body["refresh_expires_in"].as_u64().unwrap() >= seeded.refresh_expires_in);
    assert!(body["id_token"].is_string());

    let (status, body) = post_form(&fake, &refresh_form(&cfg, "unknown")).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(108)));
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn rotation_invalidates_the_old_refresh_token() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    fake.update_config(|c| c.rotate_refresh_tokens = true);
    let cfg = fake.config();
    let old = fake.issue_refresh_token().refresh_token;
    let (status, body) = post_form(&fake, &refresh_form(&cfg, &old)).await;
    assert_eq!(status, 200);
    let new = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let (status, body) = post_form(&fake, &refresh_form(&cfg, &old)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(108)));
    let (status, _) = post_form(&fake, &refresh_form(&cfg, &new)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn expired_refresh_and_request_tokens_are_refused() {
    let fake = FakeConcur::start(FakeConfig {
        refresh_token_ttl_secs: 0,
        request_token_ttl_secs: 0,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let cfg = fake.config();
    let (status, body) = post_form(&fake, &password_form(&cfg)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(5)));
    let rt = fake.issue_refresh_token().refresh_token;
    let (status, body) = post_form(&fake, &refresh_form(&cfg, &rt)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(108)));

    // A freshly minted request token works once its TTL allows it.
    fake.update_config(|c| c.request_token_ttl_secs = 60);
    let mut form = password_form(&cfg);
    form[4].1 = fake.mint_request_token();
    let (status, _) = post_form(&fake, &form).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn expires_in_string_switch_and_client_credentials() {
    let fake = FakeConcur::start(FakeConfig {
        expires_in_as_string: true,
        access_token_ttl_secs: 1234,
        request_token_single_use: false,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let cfg = fake.config();
    let (_, body) = post_form(&fake, &password_form(&cfg)).await;
    assert_eq!(body["expires_in"], "1234");
    assert!(body["refresh_expires_in"].is_u64());

    let form = vec![
        ("client_id", cfg.client_id.clone()),
        ("client_secret", cfg.client_secret.clone()),
        ("grant_type", "client_credentials".to_string()),
    ];
    let (status, body) = post_form(&fake, &form).await;
    assert_eq!(status, 200);
    assert!(body["access_token"].is_string());
    assert!(body.get("refresh_token").is_none());
    assert_eq!(fake.counters().client_credentials_grants, 1);
}

#[tokio::test]
async fn wrong_datacenter_names_the_right_one() {
    let home = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let elsewhere = FakeConcur::start(FakeConfig::default()).await.unwrap();
    elsewhere.update_config(|c| c.wrong_datacenter = Some(home.base_url()));
    let cfg = elsewhere.config();
    let (status, body) = post_form(&elsewhere, &password_form(&cfg)).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(16)));
    assert_eq!(body["geolocation"], home.base_url());
    let (status, body) = post_form(&home, &password_form(&cfg)).await;
    assert_eq!(status, 200);
    assert_eq!(body["geolocation"], home.base_url());
}

#[tokio::test]
async fn faults_are_served_in_order_and_counted() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    let rt = fake.issue_refresh_token().refresh_token;
    fake.push_fault(Endpoint::Token, Fault::Status { status: 503 }, 2);
    fake.push_fault(Endpoint::Token, Fault::Html { status: 502 }, 1);
    fake.push_fault(
        Endpoint::Token,
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        1,
    );
    fake.push_fault(Endpoint::Token, Fault::MalformedJson, 1);
    fake.push_fault(Endpoint::Token, Fault::WrongContentType, 1);
    fake.push_fault(
        Endpoint::Token,
        Fault::Concur {
            status: 400,
            code: 134,
            error: "invalid_request".into(),
            description: "company under maintenance".into(),
        },
        1,
    );
    // A zero count queues nothing.
    fake.push_fault(Endpoint::Token, Fault::Drop, 0);

    let c = client();
    let send = || {
        c.post(token_url(&fake))
            .form(&refresh_form(&cfg, &rt))
            .send()
    };
    for _ in 0..2 {
        let r = send().await.unwrap();
        assert_eq!(r.status(), 503);
        assert!(r.headers().contains_key("concur-correlationid"));
        assert_eq!(r.text().await.unwrap(), "Service Unavailable");
    }
    let r = send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        r.text().await.unwrap(),
        "<html><body><h1>502 Bad Gateway</h1></body></html>"
    );
    let r = send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain");
    let r = send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], 134);
    assert_eq!(body["geolocation"], fake.base_url());
    // The queue is empty again: a normal reply.
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);

    assert_eq!(fake.counters().token_requests, 8);
    assert_eq!(fake.counters().refresh_grants, 8);
}

#[tokio::test]
async fn endpoint_queues_and_any() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let token = fake.issue_refresh_token().access_token;
    fake.push_fault(Endpoint::Token, Fault::Status { status: 500 }, 1);
    fake.push_fault(Endpoint::Any, Fault::Status { status: 502 }, 1);
    let users = format!("{}/profile/identity/v4/Users/", fake.base_url());
    let c = client();
    // The API request skips the token queue and takes from Any.
    let r = c.get(&users).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let r = c.get(&users).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    fake.clear_faults();
    let (status, _) = post_form(&fake, &refresh_form(&fake.config(), "x")).await;
    assert_eq!(status, 400, "cleared faults no longer apply");
}

#[tokio::test]
async fn drop_yields_a_connection_error_not_a_timeout() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    fake.push_fault(Endpoint::Token, Fault::Drop, 1);
    let started = Instant::now();
    let err = client()
        .post(token_url(&fake))
        .form(&password_form(&cfg))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The server itself is fine afterwards, and the request token was not used.
    let (status, _) = post_form(&fake, &password_form(&cfg)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn delay_and_latency_slow_replies_down() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    let rt = fake.issue_refresh_token().refresh_token;
    fake.push_fault(Endpoint::Token, Fault::Delay { ms: 300 }, 1);
    let started = Instant::now();
    let (status, _) = post_form(&fake, &refresh_form(&cfg, &rt)).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    fake.update_config(|c| c.latency_ms = 200);
    let started = Instant::now();
    let (status, _) = post_form(&fake, &refresh_form(&cfg, &rt)).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
    // Admin requests are exempt.
    let started = Instant::now();
    let r = client()
        .get(format!("{}/_admin/counters", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn huge_body_streams_exactly_the_requested_bytes() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let size = 2 * 1024 * 1024 + 5;
    fake.push_fault(Endpoint::Token, Fault::HugeBody { bytes: size }, 1);
    let r = client()
        .post(token_url(&fake))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.unwrap();
    assert_eq!(body.len() as u64, size);
    let s: String = serde_json::from_slice(&body).unwrap();
    assert_eq!(s.len() as u64, size - 2);
}

#[tokio::test]
async fn profile_v4_requires_a_live_bearer_token() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let user_id = fake.config().user_id;
    let token = fake.issue_refresh_token().access_token;
    let c = client();
    let base = format!("{}/profile/identity/v4/Users", fake.base_url());

    for url in [base.clone(), format!("{base}/")] {
        let r = c.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert!(r.headers().contains_key("concur-correlationid"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["totalResults"], 1);
        assert_eq!(body["Resources"][0]["id"], user_id);
    }
    let r = c
        .get(format!("{base}/{user_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let user: Value = r.json().await.unwrap();
    assert_eq!(user["userName"], "jane.doe@example.com");
    assert_eq!(user["displayName"], "Jane Doe");
    assert_eq!(user["active"], true);
    assert!(user["schemas"].is_array());
    assert_eq!(user["emails"][0]["value"], "jane.doe@example.com");

    let r = c
        .get(format!("{base}/nobody"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.json::<Value>().await.is_ok());

    let r = c.get(format!("{base}/{user_id}")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    let r = c.get(&base).bearer_auth("made-up").send().await.unwrap();
    assert_eq!(r.status(), 401);

    fake.expire_access_tokens();
    let r = c.get(&base).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // A new token from a refresh works again.
    let fresh = fake.issue_refresh_token().access_token;
    let r = c.get(&base).bearer_auth(&fresh).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(fake.counters().user_requests, 8);
}

#[tokio::test]
async fn short_access_token_lifetime_expires() {
    let fake = FakeConcur::start(FakeConfig {
        access_token_ttl_secs: 1,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let tokens = fake.issue_refresh_token();
    assert_eq!(tokens.expires_in, 1);
    let url = format!("{}/profile/identity/v4/Users/", fake.base_url());
    let c = client();
    assert_eq!(
        c.get(&url)
            .bearer_auth(&tokens.access_token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        c.get(&url)
            .bearer_auth(&tokens.access_token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn revoke_kills_every_token() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    let tokens = fake.issue_refresh_token();
    let other = fake.issue_refresh_token();
    let url = format!("{}/app-mgmt/v0/connections", fake.base_url());
    let c = client();
    assert_eq!(c.delete(&url).send().await.unwrap().status(), 401);
    assert!(!fake.revoked());
    let r = c
        .delete(&url)
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(fake.revoked());
    for rt in [&tokens.refresh_token, &other.refresh_token] {
        let (status, body) = post_form(&fake, &refresh_form(&cfg, rt)).await;
        assert_eq!((status, body["code"].as_i64()), (400, Some(108)));
    }
    let users = format!("{}/profile/identity/v4/Users/", fake.base_url());
    let r = c
        .get(&users)
        .bearer_auth(&other.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(fake.counters().revoke_requests, 2);
}

#[tokio::test]
async fn counters_count_each_kind_and_reset() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    let issued = fake.issue_refresh_token();
    post_form(&fake, &password_form(&cfg)).await;
    post_form(&fake, &refresh_form(&cfg, &issued.refresh_token)).await;
    post_form(&fake, &refresh_form(&cfg, &issued.refresh_token)).await;
    post_form(&fake, &[("grant_type", "bogus".to_string())]).await;
    let c = client();
    let r = c
        .get(format!("{}/nowhere", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    c.get(format!("{}/_admin/counters", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fake.counters(),
        Counters {
            token_requests: 4,
            password_grants: 1,
            refresh_grants: 2,
            client_credentials_grants: 0,
            user_requests: 0,
            revoke_requests: 0,
            other_requests: 1,
        }
    );
    fake.reset_counters();
    assert_eq!(fake.counters(), Counters::default());
}

#[tokio::test]
async fn known_secrets_cover_everything_issued() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let cfg = fake.config();
    let (_, body) = post_form(&fake, &password_form(&cfg)).await;
    let minted = fake.mint_request_token();
    let secrets = fake.known_secrets();
    for s in [
        cfg.client_secret.as_str(),
        cfg.request_token.as_str(),
        minted.as_str(),
        body["access_token"].as_str().unwrap(),
        body["refresh_token"].as_str().unwrap(),
    ] {
        assert!(secrets.iter().any(|k| k == s), "{s} missing");
    }
}

#[tokio::test]
async fn admin_api_mirrors_the_library() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let admin = |path: &str| format!("{}/_admin/{path}", fake.base_url());
    let c = client();

    // config
    let r = c
        .post(admin("config"))
        .json(&json!({"access_token_ttl_secs": 2, "rotate_refresh_tokens": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["access_token_ttl_secs"], 2);
    assert!(fake.config().rotate_refresh_tokens);
    let got: Value = send_json(c.get(admin("config"))).await;
    assert_eq!(got["client_id"], "fake-client-id");
    let r = c
        .post(admin("config"))
        .json(&json!({"no_such": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // issued tokens and request tokens
    let issued: Value = send_json(c.post(admin("issue-refresh-token"))).await;
    assert_eq!(issued["expires_in"], 2);
    assert_eq!(issued["geolocation"], fake.base_url());
    let rt: Value = send_json(c.post(admin("request-token"))).await;
    let rt = rt["request_token"].as_str().unwrap().to_string();
    let mut form = password_form(&fake.config());
    form[4].1 = rt.clone();
    let (status, _) = post_form(&fake, &form).await;
    assert_eq!(status, 200);

    // faults
    let r = c
        .post(admin("faults"))
        .json(&json!({"endpoint": "token", "count": 2, "fault": {"kind": "status", "status": 503}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, _) = (c.post(token_url(&fake)).send().await.unwrap().status(), ());
    assert_eq!(status, 503);
    assert_eq!(
        c.delete(admin("faults")).send().await.unwrap().status(),
        204
    );
    let r = c.post(token_url(&fake)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(admin("faults"))
        .json(&json!({"endpoint": "nowhere", "fault": {"kind": "drop"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // expire access tokens
    let access = issued["access_token"].as_str().unwrap();
    let users = format!("{}/profile/identity/v4/Users/", fake.base_url());
    assert_eq!(
        c.get(&users)
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.post(admin("expire-access-tokens"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        c.get(&users)
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // secrets, counters, revoked
    let secrets: Vec<String> = send_json(c.get(admin("secrets"))).await;
    assert!(secrets.contains(&rt));
    assert!(secrets.iter().any(|s| s == access));
    let counters: Value = send_json(c.get(admin("counters"))).await;
    assert_eq!(counters["token_requests"], 3);
    assert_eq!(counters["password_grants"], 1);
    assert_eq!(counters["user_requests"], 2);
    assert_eq!(
        c.post(admin("reset-counters"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(fake.counters(), Counters::default());
    let revoked: Value = send_json(c.get(admin("revoked"))).await;
    assert_eq!(revoked["revoked"], false);
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let url = format!("{}/_admin/counters", fake.base_url());
    drop(fake);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(reqwest::get(&url).await.is_err());
}
