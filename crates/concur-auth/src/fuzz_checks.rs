//! The properties the fuzz targets (fuzz/) check on arbitrary bytes, shared with
//! the corpus-replay test so both check the same thing. Each function panics
//! when a property fails; parse errors are fine.

use crate::{Credentials, HostPolicy, TokenRecord};

/// `credentials.json`: parses or errors; a parsed secret is shown as
/// `[redacted]` in `Debug`. (Not "the secret's text never appears": arbitrary
/// input can make the client id contain the secret's text.)
pub fn credentials(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Credentials::from_json(text) {
        Ok(creds) => {
            let shown = format!("{creds:?}");
            assert!(
                shown.contains("client_secret: [redacted]"),
                "secret not redacted: {shown}"
            );
            assert_eq!(format!("{:?}", creds.client_secret()), crate::REDACTED);
        }
        Err(err) => assert!(!err.message().is_empty()),
    }
}

/// The token file: what we write back parses to the same record.
pub fn token_file(data: &[u8]) {
    if let Ok(record) = TokenRecord::from_json(data) {
        let again = TokenRecord::from_json(record.to_json().as_bytes()).expect("our output parses");
        assert_eq!(again, record, "the token file does not round-trip");
    }
}

/// A token reply: the first byte picks the status (even 200, odd 400).
pub fn token_reply(data: &[u8]) {
    let policy = HostPolicy::new("https://us2.api.concursolutions.com", &[]).expect("valid base");
    let (status, body) = match data.split_first() {
        Some((first, rest)) => (if first % 2 == 0 { 200 } else { 400 }, rest),
        None => (200, data),
    };
    if let Ok(reply) = crate::parse_token_reply(status, "application/json", body, &policy) {
        assert!(reply.expires_in > 0);
        policy
            .check_geolocation(&reply.geolocation)
            .expect("a returned geolocation passed the policy");
    }
}

/// Where a token may go: any string given as an API path either resolves to
/// the geolocation's origin (a loopback fake here, so that every other
/// loopback host and port counts as foreign) or is refused; a full URL is
/// accepted only on a Concur host over HTTPS. Returns whether it was accepted.
pub fn api_path(data: &[u8]) -> bool {
    let policy = HostPolicy::new("http://127.0.0.1:8080", &[]).expect("valid base");
    let geolocation = policy.base().clone();
    let input = String::from_utf8_lossy(data);
    let Ok(url) = policy.request_url(&geolocation, &input) else {
        return false;
    };
    let on_geolocation = url.scheme() == "http"
        && url.host_str() == Some("127.0.0.1")
        && url.port_or_known_default() == Some(8080);
    let on_concur = url.scheme() == "https"
        && url.host_str().is_some_and(|h| {
            h.ends_with(".api.concursolutions.com")
                || h.ends_with(".api.concursolutions.cn")
                || h.ends_with(".api.concurcdc.cn")
        });
    assert!(
        on_geolocation || (on_concur && !input.starts_with('/')),
        "{input:?} resolved to {url}, off the geolocation"
    );
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "{url} carries user info"
    );
    policy
        .check_url(url.as_str())
        .expect("an accepted URL passes the policy again");
    true
}
