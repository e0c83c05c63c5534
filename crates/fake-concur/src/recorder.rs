//! A listener that stands where a token must never go, for the tests that prove
//! it never does: it counts every connection and every request carrying an
//! `Authorization` header, and answers each request 401 (so that a client that
//! refreshes and retries on 401 would try again here, with a fresh token).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running recorder; stops when dropped.
#[derive(Debug)]
pub struct TokenRecorder {
    addr: std::net::SocketAddr,
    seen: Arc<Seen>,
    task: JoinHandle<()>,
}

#[derive(Debug, Default)]
struct Seen {
    connections: AtomicUsize,
    authorizations: AtomicUsize,
}

impl TokenRecorder {
    /// Listens on `ip`:any free port (e.g. 127.0.0.2, which is loopback on
    /// Linux but another host to a host policy).
    pub async fn start(ip: &str) -> std::io::Result<TokenRecorder> {
        let listener = TcpListener::bind((ip, 0)).await?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Seen::default());
        let counting = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counting.connections.fetch_add(1, Ordering::SeqCst);
                let counting = counting.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                    if text.contains("\nauthorization:") {
                        counting.authorizations.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = stream
                        .write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                });
            }
        });
        Ok(TokenRecorder { addr, seen, task })
    }

    /// `IP:PORT`.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.seen.connections.load(Ordering::SeqCst)
    }

    /// Requests that carried an `Authorization` header.
    pub fn authorizations(&self) -> usize {
        self.seen.authorizations.load(Ordering::SeqCst)
    }
}

/// The hostile inputs every language's token-destination test replays
/// (tests/token-destinations/hostile-inputs.json), with `thief` (a recorder on
/// another address), `other_port` (one on the fake's address, another port)
/// and the fake's own address filled in.
pub fn hostile_inputs(
    thief: &TokenRecorder,
    other_port: &TokenRecorder,
    fake_base_url: &str,
) -> Vec<String> {
    const LIST: &str = include_str!("../../../tests/token-destinations/hostile-inputs.json");
    let doc: serde_json::Value = serde_json::from_str(LIST).expect("the committed list parses");
    let fake = fake_base_url.trim_start_matches("http://");
    doc["inputs"]
        .as_array()
        .expect("an inputs array")
        .iter()
        .filter_map(serde_json::Value::as_str)
        .map(|input| {
            input
                .replace("{thief}", &thief.authority())
                .replace("{thiefport}", &thief.port().to_string())
                .replace("{loop}", &other_port.authority())
                .replace("{loopport}", &other_port.port().to_string())
                .replace("{fake}", fake)
        })
        .collect()
}

impl Drop for TokenRecorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}
