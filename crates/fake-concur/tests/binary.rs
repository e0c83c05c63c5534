//! The binary's contract with test harnesses in other languages.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn prints_its_url_first_and_exits_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-concur"))
        .args([
            "--port",
            "0",
            "--exit-on-stdin-eof",
            "--access-token-ttl",
            "77",
            "--rotate",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.trim_end().to_string();
    assert_eq!(line, format!("{url}\n"));
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .expect("first line is the base url")
        .parse()
        .unwrap();
    assert_ne!(port, 0);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config: serde_json::Value = runtime.block_on(async {
        reqwest::get(format!("{url}/_admin/config"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(config["access_token_ttl_secs"], 77);
    assert_eq!(config["rotate_refresh_tokens"], true);
    assert_eq!(config["request_token_single_use"], true);

    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("fake-concur did not exit after stdin closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "nothing but the URL on stdout");
}

#[test]
fn keeps_running_on_dev_null_stdin_until_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-concur"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("http://127.0.0.1:"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "exited on its own");
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("fake-concur ignored SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(child.wait().unwrap().success(), "a clean exit on SIGTERM");
}

#[test]
fn fault_flags_queue_faults_at_start() {
    let fault = r#"{"endpoint":"token","count":1,"fault":{"kind":"status","status":503}}"#;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-concur"))
        .args(["--port", "0", "--exit-on-stdin-eof", "--fault", fault])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim_end().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let statuses: Vec<u16> = runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for _ in 0..2 {
            let reply = client
                .post(format!("{url}/oauth2/v0/token"))
                .form(&[("client_id", "fake-client-id")])
                .send()
                .await
                .unwrap();
            statuses.push(reply.status().as_u16());
        }
        statuses
    });
    assert_eq!(statuses[0], 503, "the queued fault answers first");
    assert_ne!(statuses[1], 503, "then the server answers normally");
    drop(child.stdin.take());
    let _ = child.wait();

    let bad = Command::new(env!("CARGO_BIN_EXE_fake-concur"))
        .args(["--port", "0", "--fault", "{\"kind\":\"nope\"}"])
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a malformed --fault is a usage error"
    );
}

#[test]
fn fixture_credentials_writes_the_file_for_the_same_flags_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_fake-concur"))
            .args(["--client-id", "id-from-flag", "fixture", "credentials"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success());
    let path = dir.path().join("credentials.json");
    assert_eq!(
        String::from_utf8(first.stdout).unwrap(),
        format!("{}\n", path.display())
    );
    let creds: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(creds["appID"], "id-from-flag");
    assert_eq!(creds["credentialType"], "authtoken");

    let again = run();
    assert_eq!(again.status.code(), Some(1), "never replaces a file");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}
