//! Reading whole lists: every page, retries, a page failing for good, and a
//! list that changes size while it is read.

mod common;

use common::*;
use concur_auth::{ErrorKind, Page, TokenManager};
use futures_util::StreamExt;
use serde_json::Value;

const USERS: &str = "/profile/identity/v4/Users";

async fn ready(users: u64) -> (Setup, TokenManager) {
    let setup = Setup::with_config(FakeConfig {
        users,
        ..FakeConfig::default()
    })
    .await;
    let manager = setup.manager();
    manager.exchange_request_token().await.unwrap();
    (setup, manager)
}

/// Every record of the user list as a `Stream`, failing the test on any error.
async fn every_record(manager: &TokenManager) -> Vec<Value> {
    let stream = manager.api_client().read_list(USERS).unwrap().records();
    stream.map(|r| r.unwrap()).collect().await
}

fn user_names(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_first_middle_and_last_page_as_records() {
    let (_setup, manager) = ready(250).await;
    let records = every_record(&manager).await;
    let names = user_names(&records);
    assert_eq!(names.len(), 250);
    assert_eq!(names[0], "jane.doe@example.com");
    assert_eq!(names[100], "user101@example.com");
    assert_eq!(names[249], "user250@example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_start_index_and_count() {
    let (_setup, manager) = ready(25).await;
    let pages: Vec<Page> = manager
        .api_client()
        .read_list(&format!("{USERS}/?count=10"))
        .unwrap()
        .pages()
        .map(|p| p.unwrap())
        .collect()
        .await;
    let shape: Vec<(u64, usize)> = pages
        .iter()
        .map(|p| (p.start_index, p.records.len()))
        .collect();
    assert_eq!(shape, [(1, 10), (11, 10), (21, 5)]);
    assert!(pages.iter().all(|p| p.total_results == Some(25)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_query_parameters_pass_through_and_start_index_is_where_it_begins() {
    let (_setup, manager) = ready(30).await;
    let mut pager = manager
        .api_client()
        .read_list(&format!("{USERS}?attributes=userName&startIndex=21"))
        .unwrap();
    let mut records = Vec::new();
    while let Some(record) = pager.next_record().await.unwrap() {
        records.push(record);
    }
    assert_eq!(records.len(), 10);
    assert_eq!(records[0]["userName"], "user21@example.com");
    assert!(
        records[0].get("emails").is_none(),
        "attributes= was not sent"
    );
    assert_eq!(pager.records_read(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_list_yields_no_record_and_one_empty_page() {
    let (_setup, manager) = ready(0).await;
    let client = manager.api_client();
    let records: Vec<_> = client.read_list(USERS).unwrap().records().collect().await;
    assert!(records.is_empty());
    let pages: Vec<_> = client.read_list(USERS).unwrap().pages().collect().await;
    assert_eq!(pages.len(), 1);
    let page = pages[0].as_ref().unwrap();
    assert_eq!((page.total_results, page.records.len()), (Some(0), 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_page_is_retried_with_the_clients_rules() {
    let (setup, manager) = ready(250).await;
    setup
        .fake
        .push_page_fault(101, Fault::Status { status: 503 }, 2);
    setup.fake.push_page_fault(
        201,
        Fault::RateLimited {
            retry_after_secs: 0,
        },
        1,
    );
    let records = every_record(&manager).await;
    assert_eq!(records.len(), 250);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_mid_list_refreshes_once_and_carries_on() {
    let (setup, manager) = ready(150).await;
    let mut pager = manager.api_client().read_list(USERS).unwrap();
    assert_eq!(pager.next_page().await.unwrap().unwrap().records.len(), 100);
    setup.fake.expire_access_tokens();
    assert_eq!(pager.next_page().await.unwrap().unwrap().records.len(), 50);
    assert!(pager.next_page().await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_failing_for_good_stops_with_what_was_read() {
    let (setup, manager) = ready(250).await;
    setup
        .fake
        .push_page_fault(101, Fault::Status { status: 503 }, 100);
    let results: Vec<_> = manager
        .api_client()
        .read_list(USERS)
        .unwrap()
        .records()
        .collect()
        .await;
    assert_eq!(
        results.len(),
        101,
        "100 records, then the error, then nothing"
    );
    assert!(results[..100].iter().all(|r| r.is_ok()));
    let err = results[100].as_ref().unwrap_err();
    assert_eq!(err.error().kind(), ErrorKind::Server);
    assert_eq!(err.error().http_status(), Some(503));
    assert_eq!(err.records_read(), 100);
    assert_eq!(err.pages_read(), 1);
    assert_eq!(err.next_start_index(), 101);
    assert!(err.to_string().contains("startIndex=101"), "{err}");
    assert_no_secret(&format!("{err} {err:?}"), &setup.secrets());

    // The cursor is not moved by a failure: once the server heals, asking
    // again reads on from the failed page.
    setup.fake.clear_faults();
    let mut pager = manager.api_client().read_list(USERS).unwrap();
    setup
        .fake
        .push_page_fault(1, Fault::Status { status: 404 }, 1);
    let err = pager.next_page().await.unwrap_err();
    assert_eq!(err.error().kind(), ErrorKind::Api);
    assert_eq!(err.records_read(), 0);
    assert_eq!(pager.next_page().await.unwrap().unwrap().start_index, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_shrinks_while_read_stops_at_its_new_end() {
    let (setup, manager) = ready(250).await;
    let mut pager = manager.api_client().read_list(USERS).unwrap();
    assert_eq!(pager.next_page().await.unwrap().unwrap().records.len(), 100);
    setup.fake.set_users(150);
    let second = pager.next_page().await.unwrap().unwrap();
    assert_eq!(
        (second.records.len(), second.total_results),
        (50, Some(150))
    );
    assert!(pager.next_page().await.unwrap().is_none());
    // Shrunk below what was read already: the next page is past the end.
    let mut pager = manager.api_client().read_list(USERS).unwrap();
    pager.next_page().await.unwrap().unwrap();
    setup.fake.set_users(40);
    assert!(pager.next_page().await.unwrap().is_none());
    assert_eq!(pager.records_read(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_grows_while_read_is_read_to_its_new_end_within_the_bound() {
    let (setup, manager) = ready(150).await;
    let mut pager = manager.api_client().read_list(USERS).unwrap();
    pager.next_page().await.unwrap().unwrap();
    setup.fake.set_users(320);
    let mut read = 100;
    while let Some(page) = pager.next_page().await.unwrap() {
        read += page.records.len();
    }
    assert_eq!(read, 320);

    // A list that never ends is cut off by max_pages with a typed error.
    let mut pager = manager
        .api_client()
        .read_list(&format!("{USERS}?count=10"))
        .unwrap()
        .max_pages(3);
    for _ in 0..3 {
        pager.next_page().await.unwrap().unwrap();
    }
    let err = pager.next_page().await.unwrap_err();
    assert_eq!(err.error().kind(), ErrorKind::InvalidResponse);
    assert_eq!((err.records_read(), err.next_start_index()), (30, 31));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_list_paths_are_refused_before_any_request() {
    let (_setup, manager) = ready(1).await;
    let client = manager.api_client();
    for bad in [
        "/profile/identity/v4/Users?startIndex=-1",
        "/profile/identity/v4/Users?count=lots",
        "/profile/identity/v4/Users#frag",
    ] {
        let err = client.read_list(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
    }
    // A URL on a host the policy refuses is refused by the client's own rules
    // on the first page.
    let err = client
        .read_list("https://evil.example.com/x")
        .unwrap()
        .next_page()
        .await
        .unwrap_err();
    assert_eq!(err.error().kind(), ErrorKind::HostNotAllowed);
}
