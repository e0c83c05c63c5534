//! The Rust driver of the conformance table (tests/conformance/scenarios.json):
//! runs every scenario against a fresh in-process fake Concur and a fresh
//! folder, prints one outcome line per id, writes them to
//! `$CONCUR_CONFORMANCE_OUT/rust.txt` for the cross-language comparison
//! (scripts/test-conformance.sh), and fails when a line differs from the
//! table's expectation. The step vocabulary is in tests/conformance/SCENARIOS.md.

mod common;

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{quick_options, FakeConcur, FakeConfig};
use concur_auth::{ApiResponse, Error, ExchangeOptions, Secret, Status, TokenManager};
use serde_json::Value;

/// How long `access_token_until_renewed` asks, and how often.
const RENEWAL_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
const RENEWAL_POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// What one scenario has seen so far.
struct Run {
    fake: FakeConcur,
    dir: tempfile::TempDir,
    manager: Option<TokenManager>,
    tokens: Vec<Secret>,
    status: Option<Status>,
    response: Option<ApiResponse>,
    error: Option<Error>,
    snapshot: Option<Vec<u8>>,
    written: Option<Vec<u8>>,
}

impl Run {
    fn token_path(&self) -> PathBuf {
        self.dir.path().join("refreshTokenObjectFile.json")
    }

    fn manager(&mut self) -> TokenManager {
        let (creds, tokens) = (self.dir.path().join("credentials.json"), self.token_path());
        let base = self.fake.base_url();
        self.manager
            .get_or_insert_with(|| {
                TokenManager::from_files(creds, tokens, quick_options(&base)).expect("manager")
            })
            .clone()
    }

    async fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Vec<u8> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = reqwest::Client::new().request(method, self.fake.base_url() + path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let reply = request.send().await.expect("admin call");
        assert!(
            reply.status().is_success(),
            "admin {path}: {}",
            reply.status()
        );
        reply.bytes().await.expect("admin reply").to_vec()
    }

    async fn admin_json(&self, path: &str) -> Value {
        serde_json::from_slice(&self.admin("GET", path, None).await).expect("admin JSON")
    }

    /// A step that prepares the server or the folder; yields no outcome.
    async fn prepare(&mut self, step: &Value) -> bool {
        if let Some(kind) = step["fixture"].as_str() {
            let file = match kind {
                "credentials" => "credentials.json",
                "token-file" => "refreshTokenObjectFile.json",
                other => panic!("unknown fixture {other}"),
            };
            let spec = step.get("spec").cloned().unwrap_or(Value::Null);
            let body = (!spec.is_null()).then_some(&spec);
            let text = self
                .admin("POST", &format!("/_admin/fixtures/{kind}"), body)
                .await;
            std::fs::write(self.dir.path().join(file), text).unwrap();
        } else if let Some(method) = step["admin"].as_str() {
            let path = step["path"].as_str().expect("admin path");
            self.admin(method, path, step.get("body")).await;
        } else if step["write"] == "token_file" {
            let text = step["text"].as_str().expect("text").as_bytes().to_vec();
            std::fs::write(self.token_path(), &text).unwrap();
            self.written = Some(text);
        } else if step["snapshot"] == "token_file" {
            self.snapshot = std::fs::read(self.token_path()).ok();
        } else {
            return false;
        }
        true
    }

    fn outcome<T>(&mut self, result: Result<T, Error>) -> (String, Option<T>) {
        match result {
            Ok(value) => ("ok".into(), Some(value)),
            Err(e) => {
                let code = e.code().to_owned();
                self.error = Some(e);
                (code, None)
            }
        }
    }

    async fn act(&mut self, step: &Value) -> String {
        let action = step["do"].as_str().expect("do");
        let manager = self.manager();
        let value = match action {
            "exchange" => {
                let force = step["force"] == true;
                let result = manager
                    .exchange_request_token_with(ExchangeOptions { force })
                    .await;
                let (v, status) = self.outcome(result);
                self.status = status.or(self.status.take());
                v
            }
            "access_token" => {
                let callers = step["callers"].as_u64().unwrap_or(1);
                let calls: Vec<_> = (0..callers)
                    .map(|_| {
                        let m = manager.clone();
                        tokio::spawn(async move { m.access_token().await })
                    })
                    .collect();
                let mut first = "ok".to_owned();
                self.tokens.clear();
                for call in calls {
                    let result = call.await.expect("caller");
                    let (v, token) = self.outcome(result);
                    self.tokens.extend(token);
                    if first == "ok" {
                        first = v;
                    }
                }
                first
            }
            "access_token_until_renewed" => {
                let old = self.snapshot_access_token();
                let deadline = tokio::time::Instant::now() + RENEWAL_WAIT;
                self.tokens.clear();
                loop {
                    let result = manager.access_token().await;
                    let token = match self.outcome(result) {
                        (_, Some(token)) => token,
                        (code, None) => break code,
                    };
                    let renewed = Some(token.expose()) != old.as_deref();
                    if self.tokens.last() != Some(&token) {
                        self.tokens.push(token);
                    }
                    if renewed {
                        break "ok".into();
                    }
                    if tokio::time::Instant::now() >= deadline {
                        break "unchanged".into();
                    }
                    tokio::time::sleep(RENEWAL_POLL).await;
                }
            }
            "status" => {
                let result = manager.status().await;
                let (v, status) = self.outcome(result);
                self.status = status.or(self.status.take());
                v
            }
            "api_get" => {
                let path = step["path"].as_str().expect("path");
                let result = manager.api_client().get(path).await;
                match self.outcome(result) {
                    (_, Some(response)) => {
                        let v = response.status.to_string();
                        self.response = Some(response);
                        v
                    }
                    (v, None) => v,
                }
            }
            "revoke" => {
                let result = manager.revoke().await;
                self.outcome(result).0
            }
            other => panic!("unknown action {other}"),
        };
        format!("{action}={value}")
    }

    /// The access token in the last snapshot of the token file.
    fn snapshot_access_token(&self) -> Option<String> {
        let stored: Value = serde_json::from_slice(self.snapshot.as_deref()?).ok()?;
        stored["access_token"].as_str().map(str::to_owned)
    }

    /// Every text form of every library object this run holds.
    fn texts(&self) -> Vec<String> {
        let mut texts = vec![format!("{:?}", self.manager)];
        for token in &self.tokens {
            texts.push(format!("{token:?}"));
            texts.push(token.to_string());
        }
        if let Some(status) = &self.status {
            texts.push(format!("{status:?}"));
            texts.push(status.to_json());
        }
        if let Some(response) = &self.response {
            texts.push(format!("{response:?}"));
        }
        if let Some(error) = &self.error {
            texts.push(error.to_string());
            texts.push(format!("{error:?}"));
            texts.push(error.message().to_owned());
        }
        texts
    }

    async fn check(&mut self, step: &Value) -> String {
        let check = step["check"].as_str().expect("check");
        let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
        let value =
            match check {
                "counter" => {
                    let name = step["name"].as_str().expect("counter name");
                    let counters = self.admin_json("/_admin/counters").await;
                    return format!("{name}={}", counters[name]);
                }
                "concur_code" => match self.error.as_ref().and_then(Error::concur_code) {
                    Some(code) => code.to_string(),
                    None => "none".into(),
                },
                "correlation_id" => yes(self
                    .error
                    .as_ref()
                    .is_some_and(|e| e.correlation_id().is_some())),
                "error_mentions" => {
                    let text = step["text"].as_str().expect("text");
                    yes(self.error.as_ref().is_some_and(|e| {
                        e.to_string().contains(text) || format!("{e:?}").contains(text)
                    }))
                }
                "token_file" => if self.token_path().exists() {
                    "present"
                } else {
                    "absent"
                }
                .into(),
                "token_file_mode" => match std::fs::metadata(self.token_path()) {
                    Ok(meta) => format!("{:o}", meta.permissions().mode() & 0o777),
                    Err(_) => "absent".into(),
                },
                "token_file_fields" => {
                    let stored: Value = std::fs::read(self.token_path())
                        .ok()
                        .and_then(|b| serde_json::from_slice(&b).ok())
                        .unwrap_or(Value::Null);
                    let fields = step["fields"].as_array().expect("fields");
                    yes(fields
                        .iter()
                        .all(|f| stored.get(f.as_str().unwrap()).is_some()))
                }
                "token_file_unchanged" => yes(self.snapshot.is_some()
                    && std::fs::read(self.token_path()).ok() == self.snapshot),
                "kept_aside" => yes(kept_aside(self.dir.path()) == self.written),
                "distinct_tokens" => self
                    .tokens
                    .iter()
                    .map(|t| t.expose().to_owned())
                    .collect::<HashSet<_>>()
                    .len()
                    .to_string(),
                "tokens_from_snapshot" => {
                    let old = self.snapshot_access_token();
                    yes(!self.tokens.is_empty()
                        && self
                            .tokens
                            .iter()
                            .all(|t| Some(t.expose()) == old.as_deref()))
                }
                "status_state" => match &self.status {
                    Some(status) => status.state.as_str().into(),
                    None => "none".into(),
                },
                "response_has_list" => {
                    let field = step["field"].as_str().expect("field");
                    let json = self.response.as_ref().and_then(|r| r.json::<Value>().ok());
                    yes(json.is_some_and(|j| j[field].is_array()))
                }
                "status_initialized" => yes(self.status.as_ref().is_some_and(|s| s.initialized)),
                "status_expiries" => yes(self.status.as_ref().is_some_and(|s| {
                    s.access_token_expires_at.is_some() && s.refresh_token_expires_at.is_some()
                })),
                "status_geolocation" => {
                    let geo = self.status.as_ref().and_then(|s| s.geolocation.clone());
                    match geo {
                        Some(g) if g == self.fake.base_url() => "server".into(),
                        Some(g) => g,
                        None => "none".into(),
                    }
                }
                "revoked" => yes(self.admin_json("/_admin/revoked").await["revoked"] == true),
                "token_is_known_secret" => {
                    let secrets = self.fake.known_secrets();
                    yes(!self.tokens.is_empty()
                        && self
                            .tokens
                            .iter()
                            .all(|t| secrets.iter().any(|s| s == t.expose())))
                }
                "secrets_shown" => {
                    let secrets = self.fake.known_secrets();
                    let texts = self.texts();
                    yes(texts
                        .iter()
                        .any(|t| secrets.iter().any(|s| t.contains(s.as_str()))))
                }
                other => panic!("unknown check {other}"),
            };
        format!("{check}={value}")
    }
}

/// The bytes of the one `refreshTokenObjectFile.json.corrupt-*` file in `dir`.
fn kept_aside(dir: &Path) -> Option<Vec<u8>> {
    let kept: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                n.to_string_lossy()
                    .starts_with("refreshTokenObjectFile.json.corrupt-")
            })
        })
        .collect();
    match kept.as_slice() {
        [one] => std::fs::read(one).ok(),
        _ => None,
    }
}

async fn run_scenario(scenario: &Value) -> String {
    let mut run = Run {
        fake: FakeConcur::start(FakeConfig::default())
            .await
            .expect("fake starts"),
        dir: tempfile::tempdir().expect("temp dir"),
        manager: None,
        tokens: Vec::new(),
        status: None,
        response: None,
        error: None,
        snapshot: None,
        written: None,
    };
    let mut line = scenario["id"].as_str().expect("id").to_owned();
    for step in scenario["steps"].as_array().expect("steps") {
        if run.prepare(step).await {
            continue;
        }
        let outcome = if step.get("do").is_some() {
            run.act(step).await
        } else {
            run.check(step).await
        };
        line.push(' ');
        line.push_str(&outcome);
    }
    run.fake.shutdown().await;
    line
}

fn table() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/scenarios.json");
    serde_json::from_slice(&std::fs::read(path).expect("the table")).expect("the table is JSON")
}

/// Where the outcome lines go for scripts/test-conformance.sh.
fn out_dir() -> PathBuf {
    std::env::var_os("CONCUR_CONFORMANCE_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/conformance"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_table() {
    let table = table();
    let mut lines = Vec::new();
    let mut mismatches = Vec::new();
    for scenario in table["scenarios"].as_array().expect("scenarios") {
        let line = run_scenario(scenario).await;
        let expected: Vec<&str> = scenario["expect"]
            .as_array()
            .expect("expect")
            .iter()
            .map(|e| e.as_str().expect("an outcome"))
            .collect();
        let expected = format!(
            "{} {}",
            scenario["id"].as_str().unwrap(),
            expected.join(" ")
        );
        println!("{line}");
        if line != expected {
            mismatches.push(format!("expected {expected}\n     got {line}"));
        }
        lines.push(line);
    }
    let out = out_dir();
    std::fs::create_dir_all(&out).expect("conformance output folder");
    std::fs::write(out.join("rust.txt"), lines.join("\n") + "\n").expect("rust.txt");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
