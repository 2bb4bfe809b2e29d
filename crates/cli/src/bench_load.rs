//! The load generator the HTTP benchmarks share: keep-alive clients on the same cores as
//! the server, workers that stop the run at the first failed request, latency percentiles,
//! and CPU time per request of the server, the load generator and the rest of the machine.

use anyhow::bail;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) type PostClient =
    Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

pub(crate) fn client() -> PostClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(1024)
        .build_http()
}

/// One acknowledged POST: its JSON answer, or an error naming the status and body.
pub(crate) async fn post(
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
    stat_seconds(&format!("/proc/{pid}/stat"))
}

/// CPU seconds of the server's SQLite writer thread (none on PostgreSQL): every write of
/// the server runs on it, one after another, so when it is busy the whole second, it binds.
fn writer_cpu_seconds(pid: &str) -> Option<f64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    tasks.flatten().find_map(|t| {
        let comm = std::fs::read_to_string(t.path().join("comm")).ok()?;
        (comm.trim() == "sqlite-writer")
            .then(|| stat_seconds(&t.path().join("stat").to_string_lossy()))?
    })
}

/// User and system CPU seconds of a /proc `stat` file.
fn stat_seconds(path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
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
pub(crate) struct Measured {
    pub(crate) requests: usize,
    pub(crate) units: usize,
    pub(crate) seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_cpu: f64,
    /// The SQLite writer thread's share of `server_cpu`, when there is one.
    writer_cpu: Option<f64>,
    client_cpu: f64,
    machine_cpu: f64,
}

impl Measured {
    pub(crate) fn rate(&self) -> f64 {
        self.units as f64 / self.seconds
    }

    pub(crate) fn report(&self, label: &str, unit: &str, baseline: Option<f64>) {
        let per_request = |cpu: f64| cpu * 1e6 / self.requests.max(1) as f64;
        let cores = self.machine_cpu / self.seconds;
        let other = (self.machine_cpu - self.server_cpu - self.client_cpu).max(0.0);
        let binds = if self.writer_cpu.is_some_and(|w| w / self.seconds > 0.85) {
            "the one SQLite writer thread: it is busy nearly all the time"
        } else if cores > 1.7 {
            if other > self.server_cpu && other > self.client_cpu {
                "CPU: both cores busy, most of it in the database and other processes"
            } else if self.server_cpu > self.client_cpu {
                "CPU: both cores busy, most of it in the server"
            } else {
                "CPU: both cores busy, most of it in the load generator"
            }
        } else {
            "not CPU: cores idle while requests wait on the database's commits (or on the SQLite writer's batches)"
        };
        let writer = self.writer_cpu.map_or(String::new(), |w| {
            format!(
                "（其中写线程 {:.0} 微秒，忙 {:.0}%）",
                per_request(w),
                w * 100.0 / self.seconds
            )
        });
        println!(
            "{label}：{:.0} {unit}/秒，p50 {:.2} 毫秒，p99 {:.2} 毫秒（{} 次请求，{:.1} 秒）",
            self.rate(),
            self.p50_ms,
            self.p99_ms,
            self.requests,
            self.seconds
        );
        println!(
            "    每次请求 CPU：服务 {:.0} 微秒{writer}，压测端 {:.0} 微秒，数据库及其他进程 {:.0} 微秒；整机忙 {:.2} 个核；瓶颈：{binds}",
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
pub(crate) async fn drive<F, Fut>(
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
    let (writer0, machine0) = (writer_cpu_seconds(server_pid), machine_cpu_seconds());
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
    let (writer1, machine1) = (writer_cpu_seconds(server_pid), machine_cpu_seconds());
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
        writer_cpu: writer1.zip(writer0).map(|(a, b)| a - b),
        client_cpu: client1.zip(client0).map_or(0.0, |(a, b)| a - b),
        machine_cpu: machine1.zip(machine0).map_or(0.0, |(a, b)| a - b),
    })
}

/// Times one request.
pub(crate) async fn timed(
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
pub(crate) fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// A request a benchmark sends: method, path, headers, body.
pub(crate) struct Call<'a> {
    pub method: hyper::Method,
    pub url: String,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Bytes,
}

/// Sends one request and times it; any answer but success is an error naming the status,
/// the address and the body. The answer's headers and body are returned.
pub(crate) async fn send(
    client: &PostClient,
    call: Call<'_>,
) -> anyhow::Result<(hyper::HeaderMap, Bytes, u32)> {
    let t = Instant::now();
    let mut req = hyper::Request::builder().method(call.method).uri(&call.url);
    for (k, v) in call.headers {
        req = req.header(*k, *v);
    }
    let resp = client.request(req.body(Full::new(call.body))?).await?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!("{status} {}: {}", call.url, String::from_utf8_lossy(&bytes));
    }
    let micros = u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX);
    Ok((headers, bytes, micros))
}
