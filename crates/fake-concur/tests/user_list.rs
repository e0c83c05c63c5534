//! The paged user list over real HTTP: startIndex/count, the 100 cap, page
//! faults, a list that changes size, and the admin API that steers it.

use std::time::Duration;

use fake_concur::{FakeConcur, FakeConfig, Fault, MAX_PAGE_SIZE};
use serde_json::{json, Value};

async fn fake_with(users: u64) -> (FakeConcur, String) {
    let fake = FakeConcur::start(FakeConfig {
        users,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let token = fake.issue_refresh_token().access_token;
    (fake, token)
}

async fn page(fake: &FakeConcur, token: &str, query: &str) -> (u16, Value) {
    let url = format!("{}/profile/identity/v4/Users?{query}", fake.base_url());
    let reply = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

fn ids(body: &Value) -> Vec<String> {
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn first_middle_and_last_pages() {
    let (fake, token) = fake_with(250).await;
    let (status, first) = page(&fake, &token, "startIndex=1&count=100").await;
    assert_eq!(status, 200);
    assert_eq!(first["totalResults"], 250);
    assert_eq!(first["itemsPerPage"], 100);
    assert_eq!(first["startIndex"], 1);
    assert_eq!(ids(&first)[0], "jane.doe@example.com");
    let (_, middle) = page(&fake, &token, "startIndex=101&count=100").await;
    assert_eq!(ids(&middle)[0], "user101@example.com");
    let (_, last) = page(&fake, &token, "startIndex=201&count=100").await;
    assert_eq!(last["itemsPerPage"], 50);
    assert_eq!(ids(&last).last().unwrap(), "user250@example.com");
    let (_, past) = page(&fake, &token, "startIndex=251").await;
    assert_eq!(past["itemsPerPage"], 0);
    assert_eq!(past["totalResults"], 250);
}

#[tokio::test]
async fn count_is_capped_and_defaults_to_the_cap() {
    let (fake, token) = fake_with(300).await;
    let (_, capped) = page(&fake, &token, "count=1000").await;
    assert_eq!(capped["itemsPerPage"], MAX_PAGE_SIZE);
    let (_, default) = page(&fake, &token, "").await;
    assert_eq!(default["itemsPerPage"], MAX_PAGE_SIZE);
    let (status, bad) = page(&fake, &token, "startIndex=x").await;
    assert_eq!(status, 400);
    assert_eq!(bad["scimType"], "invalidValue");
}

#[tokio::test]
async fn attributes_narrow_each_record() {
    let (fake, token) = fake_with(3).await;
    let (_, body) = page(&fake, &token, "attributes=userName&filter=ignored").await;
    let first = &body["Resources"][0];
    assert!(first.get("userName").is_some() && first.get("id").is_some());
    assert!(first.get("emails").is_none());
}

#[tokio::test]
async fn a_page_fault_hits_that_page_only() {
    let (fake, token) = fake_with(250).await;
    fake.push_page_fault(101, Fault::Status { status: 503 }, 1);
    assert_eq!(page(&fake, &token, "startIndex=1").await.0, 200);
    assert_eq!(page(&fake, &token, "startIndex=101").await.0, 503);
    assert_eq!(page(&fake, &token, "startIndex=101").await.0, 200);
}

#[tokio::test]
async fn the_admin_api_sets_size_and_page_faults() {
    let (fake, token) = fake_with(1).await;
    let admin = reqwest::Client::new();
    let base = fake.base_url();
    let reply = admin
        .post(format!("{base}/_admin/config"))
        .json(&json!({"users": 120}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    let reply = admin
        .post(format!("{base}/_admin/page-faults"))
        .json(
            &json!({"start_index": 101, "fault": {"kind": "rate_limited", "retry_after_secs": 1}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 204);
    assert_eq!(page(&fake, &token, "startIndex=101").await.0, 429);
    let (_, tail) = page(&fake, &token, "startIndex=101").await;
    assert_eq!(tail["itemsPerPage"], 20);
    // The list shrinks between two pages: the next reply says so.
    fake.set_users(0);
    let (_, empty) = page(&fake, &token, "startIndex=1").await;
    assert_eq!(empty["totalResults"], 0);
    assert_eq!(empty["Resources"], json!([]));
    // Clearing faults clears page faults too.
    fake.push_page_fault(1, Fault::Status { status: 500 }, 1);
    admin
        .delete(format!("{base}/_admin/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(page(&fake, &token, "startIndex=1").await.0, 200);
}

#[tokio::test]
async fn generated_users_are_found_by_id() {
    let (fake, token) = fake_with(5).await;
    let (_, body) = page(&fake, &token, "startIndex=4&count=1").await;
    let id = body["Resources"][0]["id"].as_str().unwrap().to_owned();
    let url = format!("{}/profile/identity/v4/Users/{id}", fake.base_url());
    let reply = reqwest::Client::new()
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    let user: Value = reply.json().await.unwrap();
    assert_eq!(user["userName"], "user4@example.com");
}
