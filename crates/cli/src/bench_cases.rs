//! `onetrip bench cases`: durable case submissions and complete cases over HTTP, with API
//! tokens checked as in production, against the bare path measured in the same run with the
//! same load generator (../shared/bench/bare-path: an axum handler writing a case row and an
//! SM3-chained journal row through a group-commit writer, nothing else). Reports requests per
//! second, latency, CPU time per request of server and load generator, and which binds.

use crate::bench::Server;
use anyhow::{anyhow, bail, Context};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use onetrip_app::i18n::Lang;
use onetrip_app::{App, AuthConfig, SystemClock};
use onetrip_domain::access::Delegation;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

type PostClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn client() -> PostClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(1024)
        .build_http()
}

/// One acknowledged POST: its JSON answer, or an error naming the status and body.
async fn post(
    client: &PostClient,
    url: &str,
    token: Option<&str>,
    body: Bytes,
) -> anyhow::Result<Value> {
    let mut req = hyper::Request::post(url).header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = client.request(req.body(Full::new(body))?).await?;
    let status = resp.status();
    let bytes = resp.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!("{status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// CPU seconds a process has used so far (user and system), from /proc.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit(')').next()?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU seconds the whole machine has been busy so far (every core, every process), from
/// /proc/stat: what the database and anything else on the machine used shows beside the
/// server and the load generator.
fn machine_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<f64> = line
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    let busy: f64 = ticks.iter().sum::<f64>()
        - ticks.get(3).copied().unwrap_or(0.0)
        - ticks.get(4).copied().unwrap_or(0.0);
    Some(busy / 100.0)
}

/// What one scenario measured.
struct Measured {
    requests: usize,
    units: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_cpu: f64,
    client_cpu: f64,
    machine_cpu: f64,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.units as f64 / self.seconds
    }

    fn report(&self, label: &str, unit: &str, baseline: Option<f64>) {
        let per_request = |cpu: f64| cpu * 1e6 / self.requests.max(1) as f64;
        let cores = self.machine_cpu / self.seconds;
        let other = (self.machine_cpu - self.server_cpu - self.client_cpu).max(0.0);
        let binds = if cores > 1.7 {
            if other > self.server_cpu && other > self.client_cpu {
                "CPU: both cores busy, most of it in the database and other processes"
            } else if self.server_cpu > self.client_cpu {
                "CPU: both cores busy, most of it in the server"
            } else {
                "CPU: both cores busy, most of it in the load generator"
            }
        } else {
            "not CPU: waiting on the database's commits (sync)"
        };
        println!(
            "{label}：{:.0} {unit}/秒，p50 {:.2} 毫秒，p99 {:.2} 毫秒（{} 次请求，{:.1} 秒）",
            self.rate(),
            self.p50_ms,
            self.p99_ms,
            self.requests,
            self.seconds
        );
        println!(
            "    每次请求 CPU：服务 {:.0} 微秒，压测端 {:.0} 微秒，数据库及其他进程 {:.0} 微秒；整机忙 {:.2} 个核；瓶颈：{binds}",
            per_request(self.server_cpu),
            per_request(self.client_cpu),
            per_request(other),
            cores
        );
        if let Some(b) = baseline {
            println!(
                "    同次运行的裸路径：{:.0}/秒；本项为其 {:.0}%",
                b,
                self.rate() * 100.0 / b
            );
        }
    }
}

/// Runs `connections` workers for `seconds`; each loop of a worker is one unit made of
/// the requests `unit` returns the count of. Any failed request stops the benchmark.
async fn drive<F, Fut>(
    server_pid: &str,
    connections: usize,
    seconds: u64,
    unit: F,
) -> anyhow::Result<Measured>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Vec<u32>>> + Send,
{
    let unit = Arc::new(unit);
    let counter = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (server0, client0) = (cpu_seconds(server_pid), cpu_seconds("self"));
    let machine0 = machine_cpu_seconds();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..connections {
        let (unit, counter) = (unit.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut units = 0usize;
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                latencies.extend(unit(w, n).await?);
                units += 1;
            }
            anyhow::Ok((latencies, units))
        }));
    }
    let mut all = Vec::new();
    let mut units = 0;
    for t in tasks {
        let (l, u) = t.await??;
        all.extend(l);
        units += u;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (server1, client1) = (cpu_seconds(server_pid), cpu_seconds("self"));
    let machine1 = machine_cpu_seconds();
    if all.is_empty() {
        bail!("no request was answered");
    }
    all.sort_unstable();
    let pct = |p: f64| {
        let i = ((all.len() as f64) * p).ceil() as usize;
        all.get(i.saturating_sub(1).min(all.len() - 1))
            .map_or(0.0, |v| f64::from(*v) / 1000.0)
    };
    Ok(Measured {
        requests: all.len(),
        units,
        seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        server_cpu: server1.zip(server0).map_or(0.0, |(a, b)| a - b),
        client_cpu: client1.zip(client0).map_or(0.0, |(a, b)| a - b),
        machine_cpu: machine1.zip(machine0).map_or(0.0, |(a, b)| a - b),
    })
}

/// Times one request.
async fn timed(
    client: &PostClient,
    url: &str,
    token: Option<&str>,
    body: Bytes,
) -> anyhow::Result<(Value, u32)> {
    let t = Instant::now();
    let v = post(client, url, token, body).await?;
    Ok((
        v,
        u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX),
    ))
}

/// A free port on the loopback interface.
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

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
    let store = onetrip_store::open(&url).await?;
    crate::demo::load(&store).await?;
    let (key_material, _) = onetrip_vault::KeyFile::load_or_create(&key_file)?;
    let config = AuthConfig {
        attempts_per_minute: 100_000,
        ..AuthConfig::default()
    };
    let security = onetrip_app::Security::open(&store, &key_material, config).await?;
    let objects = onetrip_store::Objects::local(dir.path().join("attachments"))?;
    let app = App::new(store.clone(), Arc::new(SystemClock), security, objects);
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
    let (bare, bare_port) = start_bare(&args.bare, dir.path()).await?;
    let bare_pid = bare.id().map(|p| p.to_string()).unwrap_or_default();
    let bare_url = Arc::new(format!("http://127.0.0.1:{bare_port}/submit"));
    let c = client();
    let bare_run = |seconds| {
        let (c, bare_url) = (c.clone(), bare_url.clone());
        drive(&bare_pid, args.connections, seconds, move |w, n| {
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
    let baseline = bare_run(args.seconds).await?;
    baseline.report(
        if args.postgres.is_some() {
            "裸路径（参考实现，写 SQLite；无认证、无校验）提交"
        } else {
            "裸路径（无认证、无校验）提交"
        },
        "件",
        None,
    );
    drop(bare);

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
        Some(baseline.rate()),
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
