//! `concur-auth call` with every hostile path of issue 11: no token reaches a
//! recording listener on 127.0.0.2 or on another 127.0.0.1 port.

use std::process::Command;

use fake_concur::{hostile_inputs, FakeConcur, FakeConfig, TokenRecorder};

const BIN: &str = env!("CARGO_BIN_EXE_concur-auth");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_never_sends_a_token_off_the_geolocation() {
    let fake = FakeConcur::start(FakeConfig::default()).await.unwrap();
    let thief = TokenRecorder::start("127.0.0.2").await.unwrap();
    let other_port = TokenRecorder::start("127.0.0.1").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = fake.config();
    let credentials = serde_json::json!({
        "appID": config.client_id, "clientSecret": config.client_secret,
        "companyUUID": config.company_uuid, "companyRequestToken": config.request_token,
    });
    let path = dir.path().join("credentials.json");
    std::fs::write(&path, credentials.to_string()).unwrap();
    let private = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600);
    std::fs::set_permissions(&path, private).unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .current_dir(dir.path())
            .env("CONCUR_BASE_URL", fake.base_url())
            .env_remove("RUST_LOG")
            .args(args)
            .output()
            .unwrap()
    };
    let exchanged = run(&["exchange"]);
    assert!(
        exchanged.status.success(),
        "{}",
        String::from_utf8_lossy(&exchanged.stderr)
    );

    let mut refused = 0;
    for input in hostile_inputs(&thief, &other_port, &fake.base_url()) {
        let out = run(&["call", "GET", &input]);
        if !out.status.success() {
            refused += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("error"), "{input:?}: {stderr}");
        }
    }
    assert!(refused >= 45, "only {refused} inputs were refused");
    assert_eq!(thief.connections(), 0, "a connection reached 127.0.0.2");
    assert_eq!(
        other_port.connections(),
        0,
        "a connection reached another port"
    );
    assert_eq!(thief.authorizations() + other_port.authorizations(), 0);
}
