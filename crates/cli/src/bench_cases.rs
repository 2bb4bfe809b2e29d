//! `onetrip bench cases`: durable case submissions and complete cases over HTTP, with API
//! tokens checked as in production, against the bare path measured in the same run with the
//! same load generator (../shared/bench/bare-path: an axum handler writing a case row and an
//! SM3-chained journal row through a group-commit writer, nothing else). Reports requests per
//! second, latency, CPU time per request of server and load generator, and which binds.

use crate::bench::Server;
use crate::bench_load::{client, drive, free_port, post, timed, PostClient};
use anyhow::{anyhow, bail, Context};
use hyper::body::Bytes;
use onetrip_app::i18n::Lang;
use onetrip_app::{App, AuthConfig, SystemClock};
use onetrip_domain::access::Delegation;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds of load per scenario.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Benchmark on this PostgreSQL server instead of SQLite (a scratch database is made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// The bare-path binary, built with `cargo build --release --manifest-path
    /// ../shared/bench/bare-path/Cargo.toml --target-dir target/bare-path`.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "target/bare-path/release/bare-path"
    )]
    pub bare: PathBuf,
}

/// The matter every benchmark case is for: temporary relief, whose flow is the window, then
/// handling, review and approval by three different people of the civil-affairs bureau.
const MATTER: &str = "11331199MB1A001006000105004000";
const CIVIL_AFFAIRS: &str = "11331199MB1A001006";

/// The bare path on a free port, ready; killed when dropped.
async fn start_bare(bin: &Path, dir: &Path) -> anyhow::Result<(tokio::process::Child, u16)> {
    if !bin.exists() {
        bail!(
            "裸路径程序 {} 不存在：请先运行 cargo build --release --manifest-path ../shared/bench/bare-path/Cargo.toml --target-dir target/bare-path",
            bin.display()
        );
    }
    let port = free_port()?;
    let mut child = tokio::process::Command::new(bin)
        .arg(format!("127.0.0.1:{port}"))
        .arg(dir.join("bare.db"))
        .arg("256")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the bare path")?;
    let c = client();
    let url = format!("http://127.0.0.1:{port}/submit");
    let probe = Bytes::from_static(br#"{"matter":"probe","applicant":"probe","fields":{}}"#);
    for _ in 0..200 {
        if let Ok(Some(status)) = child.try_wait() {
            bail!("the bare path exited ({status})");
        }
        if post(&c, &url, None, probe.clone()).await.is_ok() {
            return Ok((child, port));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bail!("the bare path did not answer within 5 s")
}

/// The demo county in a fresh database at `url`, its accounts seeded, sign-in limits out of
/// the way, and the civil-affairs bureau's acceptance delegated to the county centre.
pub(crate) async fn demo_hall(dir: &Path, key_file: &Path, url: &str) -> anyhow::Result<App> {
    let store = onetrip_store::open(url).await?;
    crate::demo::load(&store).await?;
    let (key_material, _) = onetrip_vault::KeyFile::load_or_create(key_file)?;
    let config = AuthConfig {
        attempts_per_minute: 100_000,
        ..AuthConfig::default()
    };
    let security = onetrip_app::Security::open(&store, &key_material, config).await?;
    let objects = onetrip_store::Objects::local(dir.join("attachments"))?;
    let app = App::new(store, Arc::new(SystemClock), security, objects);
    let say = |e: onetrip_app::Error| anyhow!("{}", e.message(Lang::ZhHans));
    app.seed_demo().await.map_err(say)?;
    let console = onetrip_app::staff::Actor::console("bench", "console");
    app.staff()
        .add_delegation(
            &console,
            Delegation {
                department: CIVIL_AFFAIRS.into(),
                place: "331199-centre".into(),
                matters: Vec::new(),
            },
        )
        .await
        .map_err(say)?;
    Ok(app)
}

/// Measures the bare path for `seconds` (after a second of warming up), reports it, and
/// returns its rate.
pub(crate) async fn bare_rate(
    bin: &Path,
    dir: &Path,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<f64> {
    bare_rate_on(bin, dir, connections, seconds, false).await
}

async fn bare_rate_on(
    bin: &Path,
    dir: &Path,
    connections: usize,
    seconds: u64,
    beside_postgres: bool,
) -> anyhow::Result<f64> {
    let (bare, bare_port) = start_bare(bin, dir).await?;
    let bare_pid = bare.id().map(|p| p.to_string()).unwrap_or_default();
    let bare_url = Arc::new(format!("http://127.0.0.1:{bare_port}/submit"));
    let c = client();
    let bare_run = |seconds| {
        let (c, bare_url) = (c.clone(), bare_url.clone());
        drive(&bare_pid, connections, seconds, move |w, n| {
            let (c, url) = (c.clone(), bare_url.clone());
            async move {
                let body =
                    json!({"matter": MATTER, "applicant": format!("a{w}-{n}"), "fields": {"n": n}});
                let (_, t) = timed(&c, &url, None, Bytes::from(body.to_string())).await?;
                Ok(vec![t])
            }
        })
    };
    bare_run(1).await?;
    let baseline = bare_run(seconds).await?;
    baseline.report(
        if beside_postgres {
            "裸路径（参考实现，写 SQLite；无认证、无校验）提交"
        } else {
            "裸路径（无认证、无校验）提交"
        },
        "件",
        None,
    );
    Ok(baseline.rate())
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let keys = tempfile::tempdir()?;
    let key_file = keys.path().join("onetrip-keys.toml");
    let url = match &args.postgres {
        Some(admin) => {
            onetrip_store::postgres::create_scratch_database(admin, "onetrip_bench_cases").await?
        }
        None => format!("sqlite://{}", dir.path().join("onetrip.sqlite3").display()),
    };
    let app = demo_hall(dir.path(), &key_file, &url).await?;
    let store = app.store.clone();
    let say = |e: onetrip_app::Error| anyhow!("{}", e.message(Lang::ZhHans));
    let issued = app
        .demo_tokens(&["clerk", "handler", "reviewer", "approver"])
        .await
        .map_err(say)?;
    let [clerk, handler, reviewer, approver]: [String; 4] = issued
        .try_into()
        .map_err(|_| anyhow!("four tokens expected"))?;
    let imp = store
        .implementation(MATTER, app.clock.today())
        .await?
        .context("matter")?;
    let (form, materials) = onetrip_app::demo_hall::filled(&imp.resolved.content);
    drop(app);
    drop(store);

    println!(
        "案件基准（{}，{} 个并发连接，每项 {} 秒，压测端与服务同在这 2 个核上）",
        if args.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite，WAL，synchronous=FULL"
        },
        args.connections,
        args.seconds
    );
    let baseline = bare_rate_on(
        &args.bare,
        dir.path(),
        args.connections,
        args.seconds,
        args.postgres.is_some(),
    )
    .await?;
    let c = client();

    let (server, first_ready) = Server::start(dir.path(), &key_file, &url, 0).await?;
    let _ = first_ready;
    let pid = server.pid().unwrap_or_default();
    let base = Arc::new(format!("http://127.0.0.1:{}", server.port));
    let bodies = Arc::new(Bodies { form, materials });
    let submissions = |seconds| {
        let (c, base, clerk, bodies) = (c.clone(), base.clone(), clerk.clone(), bodies.clone());
        drive(&pid, args.connections, seconds, move |w, n| {
            let (c, base, clerk) = (c.clone(), base.clone(), clerk.clone());
            let body = bodies.submission(w, n);
            async move {
                let (_, t) = timed(
                    &c,
                    &format!("{base}/api/v1/applications"),
                    Some(&clerk),
                    body,
                )
                .await?;
                Ok(vec![t])
            }
        })
    };
    submissions(1).await?;
    let sub = submissions(args.seconds).await?;
    sub.report(
        "案件提交（令牌认证、表单和材料校验、加密、编号、日志）",
        "件",
        Some(baseline),
    );

    let complete = |seconds| {
        let (c, base, bodies) = (c.clone(), base.clone(), bodies.clone());
        let people = Arc::new([
            clerk.clone(),
            handler.clone(),
            reviewer.clone(),
            approver.clone(),
        ]);
        drive(&pid, args.connections, seconds, move |w, n| {
            let (c, base, people) = (c.clone(), base.clone(), people.clone());
            let body = bodies.submission(w, n + 1_000_000_000);
            async move { one_case(&c, &base, &people, body).await }
        })
    };
    let cases = complete(args.seconds).await?;
    cases.report(
        "完整办件（提交、受理、三个环节各签收和决定、办结，共 9 次请求）",
        "件",
        None,
    );
    let per_second_requests = cases.requests as f64 / cases.seconds;
    println!("    合 {per_second_requests:.0} 次请求/秒");
    println!("{}", server.memory_line());
    Ok(())
}

/// The answers and materials every benchmark application carries.
struct Bodies {
    form: std::collections::BTreeMap<String, String>,
    materials: std::collections::BTreeMap<String, String>,
}

impl Bodies {
    /// A complete application with its own idempotency key, ordered in time as the window
    /// page's keys are (a department system's request ids usually are too).
    fn submission(&self, w: usize, n: usize) -> Bytes {
        let body = json!({
            "matter": MATTER,
            "applicant": {"document_number": onetrip_app::demo::DEMO_APPLICANT.1},
            "form": self.form, "materials": self.materials,
            "idempotency_key": format!("{n:012}-{w:03}"),
        });
        Bytes::from(body.to_string())
    }
}

/// One complete case: nine acknowledged requests; their latencies.
async fn one_case(
    c: &PostClient,
    base: &str,
    people: &[String; 4],
    body: Bytes,
) -> anyhow::Result<Vec<u32>> {
    let [clerk, handler, reviewer, approver] = people;
    let mut times = Vec::with_capacity(9);
    let (done, t) = timed(c, &format!("{base}/api/v1/applications"), Some(clerk), body).await?;
    times.push(t);
    let id = done["cases"][0]["id"]
        .as_str()
        .context("case id")?
        .to_string();
    let case = format!("{base}/api/v1/cases/{id}");
    let (mut acted, t) = timed(
        c,
        &format!("{case}/accept"),
        Some(clerk),
        Bytes::from_static(b"{}"),
    )
    .await?;
    times.push(t);
    for (role, who) in [
        ("handler", handler),
        ("reviewer", reviewer),
        ("approver", approver),
    ] {
        let task = acted["tasks"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["role"] == role))
            .and_then(|t| t["id"].as_str())
            .with_context(|| format!("no {role} task in {acted}"))?
            .to_string();
        let (_, t) = timed(
            c,
            &format!("{case}/tasks/{task}/claim"),
            Some(who),
            Bytes::from_static(b"{}"),
        )
        .await?;
        times.push(t);
        let pass = Bytes::from_static(br#"{"decision":"pass"}"#);
        let (a, t) = timed(c, &format!("{case}/tasks/{task}/decision"), Some(who), pass).await?;
        times.push(t);
        acted = a;
    }
    if acted["state"] != "decided" {
        bail!("case {id} not decided after approval: {acted}");
    }
    let (_, t) = timed(
        c,
        &format!("{case}/conclude"),
        Some(clerk),
        Bytes::from_static(b"{}"),
    )
    .await?;
    times.push(t);
    Ok(times)
}
