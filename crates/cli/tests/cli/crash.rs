//! The server killed with SIGKILL while submissions and decisions are in flight: after each
//! restart every acknowledged submission and decision is there, a retried submission with
//! the same idempotency key gets the same case, and the whole journal verifies. A few kills
//! here; `ONETRIP_CRASH_KILLS=50` for more.

use onetrip_app::i18n::Lang;
use onetrip_app::{App, AuthConfig, SystemClock};
use onetrip_domain::access::Delegation;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MATTER: &str = "11331199MB1A001006000105004000";

/// What the clients were told: case id → journal length acknowledged.
type Acked = Arc<Mutex<BTreeMap<String, usize>>>;

/// `onetrip serve` on a free port, ready.
async fn serve(data: &Path, keys: &Path) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--key-file")
        .arg(keys)
        .env_remove("ONETRIP_DATABASE_URL")
        .env("ONETRIP_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the server says where it listens")
        .unwrap()
        .unwrap();
    let addr = line
        .split("://")
        .nth(1)
        .unwrap()
        .split(['/', ' '])
        .next()
        .unwrap()
        .to_string();
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return (child, base);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server not ready");
}

/// The demo hall on disk and tokens of the four people of the relief flow.
async fn prepare(data: &Path, keys: &Path) -> (Vec<String>, Value) {
    let say = |e: onetrip_app::Error| e.message(Lang::ZhHans);
    let url = format!("sqlite://{}", data.join("onetrip.sqlite3").display());
    let store = onetrip_store::open(&url).await.unwrap();
    store
        .import_catalog(
            &onetrip_testkit::demo_batch().unwrap(),
            onetrip_store::ImportMode::Publish {
                default_effective: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let (key_file, _) = onetrip_vault::KeyFile::load_or_create(keys).unwrap();
    let config = AuthConfig {
        password: onetrip_vault::PasswordParams::cheap(),
        attempts_per_minute: 100_000,
        ..AuthConfig::default()
    };
    let security = onetrip_app::Security::open(&store, &key_file, config)
        .await
        .unwrap();
    let objects = onetrip_store::Objects::local(data.join("attachments")).unwrap();
    let app = App::new(store.clone(), Arc::new(SystemClock), security, objects);
    app.seed_demo().await.map_err(say).unwrap();
    let console = onetrip_app::staff::Actor::console("test", "console");
    let delegation = Delegation {
        department: "11331199MB1A001006".into(),
        place: "331199-centre".into(),
        matters: Vec::new(),
    };
    app.staff()
        .add_delegation(&console, delegation)
        .await
        .unwrap();
    let tokens = app
        .demo_tokens(&["clerk", "handler", "reviewer", "approver"])
        .await
        .map_err(say)
        .unwrap();
    let imp = store
        .implementation(MATTER, chrono::Utc::now().date_naive())
        .await
        .unwrap()
        .unwrap();
    let (form, materials) = onetrip_app::demo_hall::filled(&imp.resolved.content);
    (tokens, json!({"form": form, "materials": materials}))
}

async fn post(c: &reqwest::Client, url: String, token: &str, body: Value) -> Option<Value> {
    let resp = c
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    resp.json().await.ok()
}

/// One client: submits and works cases until the server goes away; records what was
/// acknowledged, and the idempotency keys of submissions left unanswered.
async fn client(
    base: String,
    tokens: Arc<Vec<String>>,
    bodies: Value,
    acked: Acked,
    w: usize,
    round: usize,
) -> Vec<String> {
    let c = reqwest::Client::new();
    let mut unanswered = Vec::new();
    for n in 0.. {
        let key = format!("crash-{round}-{w}-{n}");
        let body = json!({
            "matter": MATTER, "applicant": {"document_number": onetrip_app::demo::DEMO_APPLICANT.1},
            "form": bodies["form"], "materials": bodies["materials"], "idempotency_key": key,
        });
        let Some(done) = post(&c, format!("{base}/api/v1/applications"), &tokens[0], body).await
        else {
            unanswered.push(key);
            return unanswered;
        };
        let id = done["cases"][0]["id"].as_str().unwrap().to_string();
        acked.lock().unwrap().insert(id.clone(), 1);
        let case = format!("{base}/api/v1/cases/{id}");
        let Some(mut acted) = post(&c, format!("{case}/accept"), &tokens[0], json!({})).await
        else {
            return unanswered;
        };
        acked.lock().unwrap().insert(id.clone(), 2);
        for (i, role) in ["handler", "reviewer", "approver"].iter().enumerate() {
            let task = acted["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["role"] == *role)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            if post(
                &c,
                format!("{case}/tasks/{task}/claim"),
                &tokens[i + 1],
                json!({}),
            )
            .await
            .is_none()
            {
                return unanswered;
            }
            acked.lock().unwrap().insert(id.clone(), 3 + 2 * i);
            match post(
                &c,
                format!("{case}/tasks/{task}/decision"),
                &tokens[i + 1],
                json!({"decision": "pass"}),
            )
            .await
            {
                Some(a) => acted = a,
                None => return unanswered,
            }
            acked.lock().unwrap().insert(id.clone(), 4 + 2 * i);
        }
    }
    unanswered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_step_survives_kill_9() {
    let kills: usize = std::env::var("ONETRIP_CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(3);
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let keys = root.path().join("keys.toml");
    let (tokens, bodies) = prepare(&data, &keys).await;
    let tokens = Arc::new(tokens);
    let acked: Acked = Arc::default();
    for round in 0..kills {
        let (mut server, base) = serve(&data, &keys).await;
        let workers: Vec<_> = (0..16)
            .map(|w| {
                tokio::spawn(client(
                    base.clone(),
                    tokens.clone(),
                    bodies.clone(),
                    acked.clone(),
                    w,
                    round,
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(400 + 350 * (round as u64 % 4))).await;
        server.start_kill().unwrap();
        server.wait().await.unwrap();
        let mut unanswered = Vec::new();
        for w in workers {
            unanswered.extend(w.await.unwrap());
        }

        // After the restart: a retried submission gets its case (stored or not before the
        // kill, exactly one), and everything acknowledged is there.
        let (mut server, base) = serve(&data, &keys).await;
        let c = reqwest::Client::new();
        for key in &unanswered {
            let body = json!({
                "matter": MATTER, "applicant": {"document_number": onetrip_app::demo::DEMO_APPLICANT.1},
                "form": bodies["form"], "materials": bodies["materials"], "idempotency_key": key,
            });
            let first = post(
                &c,
                format!("{base}/api/v1/applications"),
                &tokens[0],
                body.clone(),
            )
            .await
            .unwrap();
            let again = post(&c, format!("{base}/api/v1/applications"), &tokens[0], body)
                .await
                .unwrap();
            assert_eq!(
                first["cases"][0]["id"], again["cases"][0]["id"],
                "a retry returns the same case"
            );
        }
        server.start_kill().unwrap();
        server.wait().await.unwrap();
        let url = format!("sqlite://{}", data.join("onetrip.sqlite3").display());
        let store = onetrip_store::open(&url).await.unwrap();
        let acked_now = acked.lock().unwrap().clone();
        assert!(
            !acked_now.is_empty(),
            "round {round}: some requests were acknowledged"
        );
        for (id, entries) in &acked_now {
            let journal = store.journal(id).await.unwrap();
            assert!(
                journal.len() >= *entries,
                "round {round}: case {id} lost acknowledged steps: {} < {entries}",
                journal.len()
            );
        }
        let (key_file, _) = onetrip_vault::KeyFile::load_or_create(&keys).unwrap();
        let config = AuthConfig {
            password: onetrip_vault::PasswordParams::cheap(),
            ..AuthConfig::default()
        };
        let security = onetrip_app::Security::open(&store, &key_file, config)
            .await
            .unwrap();
        let objects = onetrip_store::Objects::local(data.join("attachments")).unwrap();
        let app = App::new(store.clone(), Arc::new(SystemClock), security, objects);
        app.checkpoint()
            .await
            .map_err(|e| e.message(Lang::ZhHans))
            .unwrap();
        let check = app
            .verify_journal()
            .await
            .map_err(|e| e.message(Lang::ZhHans))
            .unwrap();
        assert!(check.broken.is_none(), "round {round}: {check:?}");
        eprintln!("round {round}: {} cases acknowledged so far, {} journal entries verify, {} unanswered submissions retried", acked_now.len(), check.entries, unanswered.len());
    }
}
