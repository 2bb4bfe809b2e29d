//! `onetrip bench`: generates a large catalog, starts `onetrip serve` on it as a separate
//! process, and measures start-up time, guide-page and search throughput and latency
//! under concurrent keep-alive clients on this machine, and the server's resident memory.

use anyhow::{anyhow, Context};
use chrono::NaiveDate;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use onetrip_domain::catalog::file::MatterFile;
use onetrip_domain::catalog::{CatalogCode, ImplementationCode};
use onetrip_store::ImportMode;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Generated matters added to the demo catalog.
    #[arg(long, default_value_t = 10_000)]
    pub matters: usize,
    /// Seconds of load per scenario.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Port for the server under test; 0 (the default) lets the system choose a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Benchmark on this PostgreSQL server instead of SQLite (a scratch database is made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// Keep the generated data directory here (for profiling) instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<std::path::PathBuf>,
}

const WORDS: &[&str] = &[
    "补贴",
    "登记",
    "许可",
    "备案",
    "认定",
    "申领",
    "变更",
    "注销",
    "证明",
    "核发",
    "审批",
    "救助",
    "保险",
    "津贴",
    "农机",
    "林木",
    "渔船",
    "药品",
    "医疗器械",
    "道路运输",
    "排污",
    "取水",
    "广告",
    "档案",
    "退役军人",
    "志愿者",
];

/// The demo county plus `n` generated matters, each a renamed copy of a demo matter.
fn generated_batch(n: usize) -> anyhow::Result<onetrip_domain::catalog::file::CatalogBatch> {
    let mut batch = crate::demo::batch()?;
    let templates: Vec<MatterFile> = batch.matters.clone();
    for i in 0..n {
        let template = templates
            .get(i % templates.len())
            .ok_or_else(|| anyhow!("empty demo catalog"))?;
        let mut m = template.clone();
        let code = format!("9{:011}", i);
        m.matter.code = CatalogCode::parse(&code)?;
        m.matter.name = format!(
            "{}{}（第{}号）",
            template.matter.name,
            WORDS[i % WORDS.len()],
            i
        );
        m.matter
            .guide
            .keywords
            .push(format!("{}{}", WORDS[(i * 7) % WORDS.len()], i));
        for imp in &mut m.implementation {
            let prefix = &imp.department.as_str()[..18];
            imp.code = ImplementationCode::parse(&format!("{prefix}{code}"))?;
        }
        batch.matters.push(m);
    }
    Ok(batch)
}

pub(crate) struct Server {
    child: tokio::process::Child,
    /// The port the server itself reported listening on.
    pub(crate) port: u16,
}

impl Server {
    /// Starts `onetrip serve` and waits until it is ready. The port is the one the server
    /// reports it bound (so a port already taken by another process fails the start, and
    /// nothing else is ever measured); a server that exits or never gets ready is an error.
    pub(crate) async fn start(
        data_dir: &Path,
        key_file: &Path,
        url: &str,
        port: u16,
    ) -> anyhow::Result<(Server, Duration)> {
        use tokio::io::AsyncBufReadExt;
        let exe = std::env::current_exe()?;
        let started = Instant::now();
        let mut child = tokio::process::Command::new(exe)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--key-file")
            .arg(key_file)
            .args(["--database-url", url])
            .env("ONETRIP_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start onetrip serve")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let limit = Duration::from_secs(120);
        let announced = tokio::time::timeout(limit, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(addr) = line.split("://").nth(1) {
                    let port = addr
                        .split(['/', ' '])
                        .next()
                        .and_then(|a| a.rsplit(':').next());
                    if let Some(p) = port.and_then(|p| p.parse::<u16>().ok()) {
                        return Ok(p);
                    }
                }
            }
            Err(anyhow!("the server ended without saying where it listens"))
        })
        .await;
        let port = match announced {
            Ok(Ok(port)) => port,
            Ok(Err(e)) => return Err(failed_start(child, e).await),
            Err(_) => return Err(anyhow!("server not listening within {} s", limit.as_secs())),
        };
        let client = client();
        loop {
            if started.elapsed() > limit {
                return Err(anyhow!("server not ready within {} s", limit.as_secs()));
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(failed_start(child, anyhow!("the server exited ({status})")).await);
            }
            if let Ok(resp) = client
                .get(format!("http://127.0.0.1:{port}/readyz").parse()?)
                .await
            {
                if resp.status().is_success() {
                    return Ok((Server { child, port }, started.elapsed()));
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> Option<String> {
        self.child.id().map(|p| p.to_string())
    }

    pub(crate) fn rss_mib(&self) -> Option<f64> {
        self.status_mib("VmRSS:")
    }

    /// The server's resident memory as one line: all of it, then what is its own
    /// (anonymous) and what is pages of the database file mapped for reading (clean
    /// page cache the kernel may take back).
    pub(crate) fn memory_line(&self) -> String {
        match (
            self.rss_mib(),
            self.status_mib("RssAnon:"),
            self.status_mib("RssFile:"),
        ) {
            (Some(all), Some(anon), Some(file)) => format!(
                "服务进程常驻内存：{all:.1} MiB（其中自有 {anon:.1} MiB，映射的数据库文件页 {file:.1} MiB）"
            ),
            _ => "服务进程常驻内存：无法读取".to_string(),
        }
    }

    /// A field of the server's /proc status, in MiB.
    fn status_mib(&self, field: &str) -> Option<f64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with(field))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kb / 1024.0)
    }
}

/// A start that failed, with what the server wrote to its error stream.
async fn failed_start(mut child: tokio::process::Child, why: anyhow::Error) -> anyhow::Error {
    use tokio::io::AsyncReadExt;
    let _ = child.start_kill();
    let mut said = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = tokio::time::timeout(Duration::from_secs(2), err.read_to_string(&mut said)).await;
    }
    anyhow!("{why}: {}", said.trim())
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>;

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(1024)
        .build_http()
}

struct Outcome {
    requests: usize,
    errors: usize,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn load(
    port: u16,
    paths: Vec<String>,
    connections: usize,
    seconds: u64,
) -> anyhow::Result<Outcome> {
    let client = client();
    let paths = std::sync::Arc::new(paths);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..connections {
        let (client, paths) = (client.clone(), paths.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(100_000);
            let mut errors = 0usize;
            let mut i = w * 7919;
            while Instant::now() < deadline {
                i = i.wrapping_add(1);
                let path = &paths[i % paths.len()];
                let Ok(uri) = format!("http://127.0.0.1:{port}{path}").parse::<hyper::Uri>() else {
                    continue;
                };
                let t = Instant::now();
                match client.get(uri).await {
                    Ok(resp) => {
                        let ok = resp.status().is_success();
                        let body = resp.into_body().collect().await;
                        if !ok || body.is_err() {
                            errors += 1;
                        }
                    }
                    Err(_) => errors += 1,
                }
                latencies.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    if errors > 0 || all.is_empty() {
        return Err(anyhow!(
            "{errors} of {} requests failed: no rate is reported over failed requests",
            all.len()
        ));
    }
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        let idx = ((all.len() as f64) * p).ceil() as usize;
        all.get(idx.saturating_sub(1).min(all.len().saturating_sub(1)))
            .map_or(0.0, |v| f64::from(*v) / 1000.0)
    };
    Ok(Outcome {
        requests: all.len(),
        errors,
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    })
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = match &args.keep {
        Some(keep) => {
            std::fs::create_dir_all(keep)?;
            keep.clone()
        }
        None => temp.path().to_path_buf(),
    };
    let url = match &args.postgres {
        Some(admin) => {
            onetrip_store::postgres::create_scratch_database(admin, "onetrip_bench").await?
        }
        None => format!("sqlite://{}", dir.join("onetrip.sqlite3").display()),
    };
    println!("生成目录：演示县 + {} 项事项 …", args.matters);
    let batch = generated_batch(args.matters)?;
    let codes: Vec<String> = batch
        .matters
        .iter()
        .flat_map(|m| m.implementation.iter().map(|i| i.code.to_string()))
        .collect();
    let store = onetrip_store::open(&url).await?;
    let t = Instant::now();
    let effective = NaiveDate::from_ymd_opt(2025, 1, 1).ok_or_else(|| anyhow!("date"))?;
    store
        .import_catalog(
            &batch,
            ImportMode::Publish {
                default_effective: effective,
            },
            chrono::Utc::now(),
        )
        .await?;
    println!(
        "导入 {} 个实施清单用时 {:.1} 秒",
        codes.len(),
        t.elapsed().as_secs_f64()
    );
    drop(store);

    let keys = tempfile::tempdir()?;
    let key_file = keys.path().join("onetrip-keys.toml");
    let (first, first_ready) = Server::start(&dir, &key_file, &url, args.port).await?;
    println!(
        "首次启动（含建立搜索索引）：{:.0} 毫秒",
        first_ready.as_secs_f64() * 1000.0
    );
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (server, ready) = Server::start(&dir, &key_file, &url, args.port).await?;
    println!(
        "在已有数据库上启动到就绪：{:.0} 毫秒",
        ready.as_secs_f64() * 1000.0
    );

    let guides: Vec<String> = codes.iter().map(|c| format!("/guide/{c}")).collect();
    let queries = [
        "老人补贴",
        "开店",
        "生孩子",
        "结婚",
        "低保",
        "盖房子",
        "社保卡",
        "医保",
        "失业",
        "不动产登记",
        "农机补贴",
        "身份证",
    ];
    let searches: Vec<String> = queries
        .iter()
        .map(|q| format!("/search?q={}", percent_encode(q)))
        .collect();
    for (label, paths) in [("办事指南页面", guides.clone()), ("搜索", searches)] {
        let warm = load(server.port, paths.clone(), args.connections, 1).await?;
        let o = load(server.port, paths, args.connections, args.seconds).await?;
        println!(
            "{label}：{:.0} 次/秒，p50 {:.2} 毫秒，p99 {:.2} 毫秒（{} 次请求，{} 次失败，{} 个并发连接，预热 {} 次）",
            o.rps, o.p50_ms, o.p99_ms, o.requests, o.errors, args.connections, warm.requests
        );
    }
    println!("{}", server.memory_line());
    Ok(())
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
