//! `onetrip bench-auth`: the cost of a password verification with the production Argon2id
//! parameters (CPU time per login), and the overhead an authorized request pays for its
//! session lookup and permission check, measured in-process on a fresh SQLite database.

use anyhow::{anyhow, Context};
use onetrip_app::i18n::Lang;
use onetrip_app::SystemClock;
use onetrip_app::{App, AuthConfig, Error, Security};
use onetrip_domain::access::{check, Permission, Scope};
use onetrip_domain::clock::Clock as _;
use onetrip_store::{SessionStage, SharedStore};
use onetrip_vault::{PasswordHasher, PasswordParams};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Password verifications to time.
    #[arg(long, default_value_t = 20)]
    pub logins: u32,
    /// Authorized requests to time.
    #[arg(long, default_value_t = 20_000)]
    pub requests: u32,
    /// Argon2id memory in KiB.
    #[arg(long, default_value_t = PasswordParams::production().memory_kib)]
    pub memory_kib: u32,
    /// Argon2id iterations.
    #[arg(long, default_value_t = PasswordParams::production().iterations)]
    pub iterations: u32,
}

/// The demo county and its accounts in a fresh SQLite database under `dir`, with the
/// given security settings.
async fn demo_app(dir: &tempfile::TempDir, file: &str, config: AuthConfig) -> anyhow::Result<App> {
    let store: SharedStore =
        onetrip_store::open(&format!("sqlite://{}", dir.path().join(file).display())).await?;
    crate::demo::load(&store).await?;
    let keys = onetrip_vault::KeyFile::generate()?;
    let security: Arc<Security> = Security::open(&store, &keys, config).await?;
    let objects = onetrip_store::Objects::local(dir.path().join("attachments"))?;
    let app = App::new(store, Arc::new(SystemClock), security, objects);
    app.seed_demo().await.map_err(plain)?;
    Ok(app)
}

fn plain(e: Error) -> anyhow::Error {
    anyhow!("{}", e.message(Lang::ZhHans))
}

/// A refused sign-in must not tell whether the account exists: times the real login path
/// (production hashing) for wrong passwords to known accounts and for unknown accounts,
/// spread over the demo staff so that no lock or slowdown changes the path taken.
async fn failed_logins(
    dir: &tempfile::TempDir,
    params: PasswordParams,
    n: u32,
) -> anyhow::Result<()> {
    let config = AuthConfig {
        password: params,
        attempts_per_minute: 100_000,
        ..AuthConfig::default()
    };
    let app = demo_app(dir, "logins.sqlite3", config).await?;
    let logins: Vec<&str> = onetrip_app::demo::DEMO_STAFF.iter().map(|s| s.0).collect();
    let n = n.min(4 * logins.len() as u32);
    let timed = |who: &dyn Fn(u32) -> String| {
        let app = app.clone();
        let names: Vec<String> = (0..n).map(who).collect();
        async move {
            let mut times = Vec::new();
            let before = app.security.hasher.evaluations();
            for (i, name) in names.iter().enumerate() {
                let source = std::net::IpAddr::from([10, 9, (i / 250) as u8, (i % 250) as u8 + 1]);
                let t = Instant::now();
                let refused = app
                    .password_login(name, "not-it-at-all", source, None)
                    .await;
                if !matches!(refused, Err(Error::LoginFailed)) {
                    return Err(anyhow!("a wrong password was not refused as one"));
                }
                times.push(t.elapsed());
            }
            times.sort_unstable();
            let per = (app.security.hasher.evaluations() - before) as f64 / f64::from(n.max(1));
            Ok::<_, anyhow::Error>((percentile(&times, 0.5), per))
        }
    };
    let (known, known_evals) = timed(&|i| logins[i as usize % logins.len()].to_string()).await?;
    let (unknown, unknown_evals) = timed(&|i| format!("nobody-{i}")).await?;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "登录失败（{n} 次）：已知账号密码错误 中位数 {:.0} 毫秒（每次 {known_evals:.1} 次 Argon2），未知账号 中位数 {:.0} 毫秒（每次 {unknown_evals:.1} 次 Argon2），相差 {:+.0}%",
        ms(known),
        ms(unknown),
        (ms(unknown) / ms(known).max(f64::MIN_POSITIVE) - 1.0) * 100.0
    );
    Ok(())
}

/// CPU time of this process so far (user + system).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64) * p).ceil() as usize;
    sorted.get(i.saturating_sub(1)).copied().unwrap_or_default()
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let params = PasswordParams {
        memory_kib: args.memory_kib,
        iterations: args.iterations,
        parallelism: 1,
    };
    let hasher = PasswordHasher::new(params).map_err(|e| anyhow!("{e}"))?;
    let stored = hasher
        .hash("溪水长流桃花又开了")
        .map_err(|e| anyhow!("{e}"))?;
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    for _ in 0..args.logins {
        if !hasher.verify("溪水长流桃花又开了", &stored) {
            return Err(anyhow!("verification failed"));
        }
    }
    let wall = wall0.elapsed() / args.logins;
    let cpu = match (cpu0, cpu_time()) {
        (Some(a), Some(b)) => format!(
            "{:.0} 毫秒",
            (b - a).as_secs_f64() * 1000.0 / f64::from(args.logins)
        ),
        _ => "无法读取".into(),
    };
    println!(
        "密码校验（Argon2id m={} KiB, t={}, p=1）：每次 CPU {cpu}，耗时 {:.0} 毫秒（{} 次）",
        params.memory_kib,
        params.iterations,
        wall.as_secs_f64() * 1000.0,
        args.logins
    );

    let dir = tempfile::tempdir()?;
    failed_logins(&dir, params, args.logins).await?;
    let config = AuthConfig {
        password: PasswordParams::cheap(),
        ..AuthConfig::default()
    };
    let app = demo_app(&dir, "bench.sqlite3", config).await?;
    let store = &app.store;
    let account = store
        .account_by_login("approver")
        .await?
        .context("demo approver")?;
    let (cookie, session) = onetrip_app::session::new_session(
        &account,
        SessionStage::Complete,
        "127.0.0.1",
        SystemClock.now(),
        &app.security,
    )?;
    store.create_session(session, None).await?;
    let divisions: std::collections::BTreeMap<String, onetrip_domain::Division> = store
        .divisions()
        .await?
        .into_iter()
        .map(|d| (d.code.to_string(), d))
        .collect();
    let mut times = Vec::with_capacity(args.requests as usize);
    for i in 0..args.requests + 1000 {
        let t = Instant::now();
        let signed = app
            .by_session(&cookie, "127.0.0.1")
            .await
            .map_err(plain)?
            .context("session not found")?;
        check(
            &signed.grants,
            Permission::ApproveCase,
            Scope {
                division: "331199001",
                matter: Some("000105002000"),
            },
            &divisions,
        )
        .map_err(|d| anyhow!("denied: {d:?}"))?;
        if i >= 1000 {
            times.push(t.elapsed());
        }
    }
    times.sort_unstable();
    println!(
        "已授权请求的会话查询与权限检查：中位数 {:.1} 微秒，p99 {:.1} 微秒（{} 次，SQLite）",
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        args.requests
    );
    Ok(())
}
