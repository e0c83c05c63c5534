//! Helpers shared by the fake server's integration tests.

#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An HTTP client that gives up after 10 s, so a hung server fails the test.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Unix time in seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
