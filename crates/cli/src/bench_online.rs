//! `onetrip bench-online`: the applicant's side over HTTP, signed in with a session as in
//! production: the application form's question page; online submissions, each opening a
//! draft, answering it, uploading three 300 KB files (distinct content, so each is stored)
//! and submitting, acknowledged durably; and the timeline page with a million cases in the
//! database. The bare path of the same run is reported beside the submissions.

use crate::bench::Server;
use crate::bench_load::{client, drive, send, Call, PostClient};
use anyhow::{anyhow, bail, Context};
use hyper::body::Bytes;
use hyper::Method;
use onetrip_app::demo::{DEMO_APPLICANT, DEMO_PASSWORD};
use onetrip_app::i18n::Lang;
use onetrip_app::App;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds of load per scenario.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Cases in the database when the timeline is measured.
    #[arg(long, default_value_t = 1_000_000)]
    pub cases: usize,
    /// The bare-path binary (see `bench-cases`).
    #[arg(
        long,
        value_name = "FILE",
        default_value = "target/bare-path/release/bare-path"
    )]
    pub bare: PathBuf,
}

/// 高龄津贴申领: applied for online, its ID card and household register uploaded.
const MATTER: &str = "11331199MB1A001006000105001000";
const FILE_BYTES: usize = 300 * 1024;

/// A signed-in applicant's session: the cookie and its CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    async fn open(c: &PostClient, base: &str) -> anyhow::Result<Session> {
        let body = json!({"login": DEMO_APPLICANT.1, "password": DEMO_PASSWORD});
        let (headers, bytes, _) = send(
            c,
            Call {
                method: Method::POST,
                url: format!("{base}/api/v1/session"),
                headers: &[("content-type", "application/json")],
                body: Bytes::from(body.to_string()),
            },
        )
        .await?;
        let cookie = headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("onetrip-session="))
            .and_then(|v| v.split(';').next())
            .context("no session cookie")?
            .to_string();
        let answer: Value = serde_json::from_slice(&bytes)?;
        let csrf = answer["csrf_token"]
            .as_str()
            .context("no CSRF token")?
            .to_string();
        Ok(Session { cookie, csrf })
    }

    /// A request as this session, with a JSON or raw body.
    async fn call(
        &self,
        c: &PostClient,
        method: Method,
        url: String,
        content_type: &str,
        body: Bytes,
    ) -> anyhow::Result<(Bytes, u32)> {
        let headers = [
            ("cookie", self.cookie.as_str()),
            ("x-csrf-token", self.csrf.as_str()),
            ("content-type", content_type),
        ];
        let (_, bytes, t) = send(
            c,
            Call {
                method,
                url,
                headers: &headers,
                body,
            },
        )
        .await?;
        Ok((bytes, t))
    }

    async fn json(
        &self,
        c: &PostClient,
        method: Method,
        url: String,
        body: Value,
    ) -> anyhow::Result<(Value, u32)> {
        let (bytes, t) = self
            .call(
                c,
                method,
                url,
                "application/json",
                Bytes::from(body.to_string()),
            )
            .await?;
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)?
        };
        Ok((v, t))
    }
}

/// A 300 KB PNG-typed file whose content is unique to `n`.
fn file(n: usize, part: u8) -> Bytes {
    let mut v = Vec::with_capacity(FILE_BYTES);
    v.extend_from_slice(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]);
    v.extend_from_slice(&(n as u64).to_be_bytes());
    v.push(part);
    let mut x = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(part);
    while v.len() < FILE_BYTES {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(FILE_BYTES);
    Bytes::from(v)
}

/// One online submission: open, answer, three uploads, submit; the latencies.
async fn submission(c: &PostClient, base: &str, s: &Session, n: usize) -> anyhow::Result<Vec<u32>> {
    let mut times = Vec::with_capacity(6);
    let (opened, t) = s
        .json(
            c,
            Method::POST,
            format!("{base}/api/v1/me/drafts"),
            json!({"matter": MATTER}),
        )
        .await?;
    times.push(t);
    let draft = opened["id"].as_str().context("draft id")?.to_string();
    let answers = json!({"form": {"applicant_role": "本人", "elder_name": "王𠈌",
        "elder_id": DEMO_APPLICANT.1, "phone": "13800000001", "address": "青溪县石门镇石门村 12 号"}});
    let (_, t) = s
        .json(
            c,
            Method::PATCH,
            format!("{base}/api/v1/me/drafts/{draft}"),
            answers,
        )
        .await?;
    times.push(t);
    for (part, material) in [(0u8, "id_card"), (1, "id_card"), (2, "household_register")] {
        let url = format!(
            "{base}/api/v1/me/drafts/{draft}/files?material={material}&name=scan-{part}.png"
        );
        let (_, t) = s
            .call(
                c,
                Method::POST,
                url,
                "application/octet-stream",
                file(n, part),
            )
            .await?;
        times.push(t);
    }
    let (done, t) = s
        .json(
            c,
            Method::POST,
            format!("{base}/api/v1/me/drafts/{draft}/submit"),
            json!({}),
        )
        .await?;
    times.push(t);
    if done["cases"][0]["state"] != "submitted" {
        bail!("draft {draft} not submitted: {done}");
    }
    Ok(times)
}

/// Stores `count` cases for the demo applicant in-process (a window clerk's API submissions,
/// as a busy province's database holds), `workers` at a time; the ids of the first
/// `sample`, which are accepted so that their timelines have a current step.
async fn seed(app: &App, clerk: &str, count: usize, sample: usize) -> anyhow::Result<Vec<String>> {
    let say = |e: onetrip_app::Error| anyhow!("{}", e.message(Lang::ZhHans));
    let signed = Arc::new(app.by_token(clerk, "127.0.0.1").await.map_err(say)?);
    let imp = app
        .store
        .implementation(MATTER, app.clock.today())
        .await?
        .context("matter")?;
    let (form, _) = onetrip_app::demo_hall::filled(&imp.resolved.content);
    let req = onetrip_app::cases::ApplicationRequest {
        matter: MATTER.into(),
        applicant: onetrip_app::cases::ApplicantRef {
            document_number: Some(DEMO_APPLICANT.1.into()),
            ..Default::default()
        },
        representation_id: None,
        form,
        materials: [
            ("id_card", "original"),
            ("household_register", "electronic"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        idempotency_key: None,
        delivery: None,
        delivery_address: None,
        consents: Vec::new(),
    };
    let req = Arc::new(req);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (app, signed, req, next) = (app.clone(), signed.clone(), req.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    break;
                }
                let done = app.submit(&signed, &req).await.map_err(say)?;
                if n < sample {
                    let id = done.cases.first().map(|c| c.id.clone()).unwrap_or_default();
                    let req = onetrip_app::cases::AcceptRequest {
                        deficiency_due: None,
                    };
                    app.accept(&signed, &id, &req).await.map_err(say)?;
                    ids.push(id);
                }
                if n % 100_000 == 99_999 {
                    eprintln!(
                        "  已写入 {} 件（{:.0} 秒）",
                        n + 1,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            anyhow::Ok(ids)
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await??);
    }
    Ok(ids)
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let keys = tempfile::tempdir()?;
    let key_file = keys.path().join("onetrip-keys.toml");
    let url = format!("sqlite://{}", dir.path().join("onetrip.sqlite3").display());
    let app = crate::bench_cases::demo_hall(dir.path(), &key_file, &url).await?;
    let store = app.store.clone();
    let say = |e: onetrip_app::Error| anyhow!("{}", e.message(Lang::ZhHans));
    let clerk = app
        .demo_tokens(&["clerk"])
        .await
        .map_err(say)?
        .pop()
        .context("clerk token")?;
    println!(
        "申请人端基准（SQLite，WAL，synchronous=FULL；申请人会话认证；{} 个并发连接，每项 {} 秒，压测端与服务同在这 2 个核上）",
        args.connections, args.seconds
    );
    let c = client();
    let baseline =
        crate::bench_cases::bare_rate(&args.bare, dir.path(), args.connections, args.seconds)
            .await?;

    let (server, _) = Server::start(dir.path(), &key_file, &url, 0).await?;
    let pid = server.pid().unwrap_or_default();
    let base = Arc::new(format!("http://127.0.0.1:{}", server.port));
    let session = Arc::new(Session::open(&c, &base).await?);

    // The form's question page, one draft per connection.
    let mut drafts = Vec::new();
    for _ in 0..args.connections {
        let (opened, _) = session
            .json(
                &c,
                Method::POST,
                format!("{base}/api/v1/me/drafts"),
                json!({"matter": MATTER}),
            )
            .await?;
        drafts.push(opened["id"].as_str().context("draft id")?.to_string());
    }
    let drafts = Arc::new(drafts);
    let form_page = |seconds| {
        let (c, base, s, drafts) = (c.clone(), base.clone(), session.clone(), drafts.clone());
        drive(&pid, args.connections, seconds, move |w, n| {
            let (c, base, s, drafts) = (c.clone(), base.clone(), s.clone(), drafts.clone());
            async move {
                let draft = drafts.get(w).context("draft")?;
                let url = format!("{base}/drafts/{draft}/q/{}", n % 5);
                let (page, t) = s
                    .call(&c, Method::GET, url, "text/plain", Bytes::new())
                    .await?;
                if !page.starts_with(b"<!DOCTYPE html>") {
                    bail!("the question page is not a page");
                }
                Ok(vec![t])
            }
        })
    };
    form_page(1).await?;
    form_page(args.seconds).await?.report(
        "申请表单页（一页一问，会话认证、草稿解密、条件字段）",
        "页",
        None,
    );

    let submissions = |seconds| {
        let (c, base, s) = (c.clone(), base.clone(), session.clone());
        drive(&pid, args.connections, seconds, move |_, n| {
            let (c, base, s) = (c.clone(), base.clone(), s.clone());
            async move { submission(&c, &base, &s, n).await }
        })
    };
    submissions(1).await?;
    let sub = submissions(args.seconds).await?;
    sub.report(
        "在线申请（开草稿、填表、上传 3 个 300 KB 文件、提交，共 6 次请求；持久确认）",
        "件",
        Some(baseline),
    );
    println!(
        "    合 {:.0} 次请求/秒，上传 {:.0} MB/秒",
        sub.requests as f64 / sub.seconds,
        sub.rate() * 3.0 * FILE_BYTES as f64 / 1e6
    );
    println!("{}", server.memory_line());
    drop(server);

    let have = sub.units + 64;
    let sample = 1000;
    let more = args.cases.saturating_sub(have);
    println!("写入 {more} 件办件，使库中共约 {} 件……", have + more);
    let t = Instant::now();
    let ids = seed(&app, &clerk, more.max(sample), sample).await?;
    println!("    用时 {:.0} 秒", t.elapsed().as_secs_f64());
    drop(app);
    drop(store);
    let (server, _) = Server::start(dir.path(), &key_file, &url, 0).await?;
    let pid = server.pid().unwrap_or_default();
    let base = Arc::new(format!("http://127.0.0.1:{}", server.port));
    let session = Arc::new(Session::open(&c, &base).await?);
    let ids = Arc::new(ids);
    let timeline = |seconds| {
        let (c, base, s, ids) = (c.clone(), base.clone(), session.clone(), ids.clone());
        drive(&pid, args.connections, seconds, move |_, n| {
            let (c, base, s, ids) = (c.clone(), base.clone(), s.clone(), ids.clone());
            async move {
                let id = ids
                    .get(n.wrapping_mul(7919) % ids.len().max(1))
                    .context("case")?;
                let url = format!("{base}/my/cases/{id}");
                let (page, t) = s
                    .call(&c, Method::GET, url, "text/plain", Bytes::new())
                    .await?;
                if !page.windows(6).any(|w| w == "受理".as_bytes()) {
                    bail!("the timeline of {id} does not show its acceptance");
                }
                Ok(vec![t])
            }
        })
    };
    timeline(1).await?;
    timeline(args.seconds).await?.report(
        &format!("办件进度页（库中约 {} 件）", have + more),
        "页",
        None,
    );
    println!("{}", server.memory_line());
    Ok(())
}
