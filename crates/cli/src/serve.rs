//! `onetrip serve`: the web server.

use crate::config::CommonArgs;
use anyhow::Context;
use onetrip_app::i18n::Lang;
use onetrip_web::{AppState, WebConfig};
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Load the demo county first if the database is empty.
    #[arg(long)]
    pub demo: bool,
    /// Serve HTTPS; without --tls-cert/--tls-key a self-signed certificate is generated at
    /// first run beside the key file.
    #[arg(long, env = "ONETRIP_HTTPS")]
    pub https: bool,
    /// PEM certificate chain (implies --https).
    #[arg(
        long,
        env = "ONETRIP_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key of that certificate.
    #[arg(
        long,
        env = "ONETRIP_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<std::path::PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut cfg = args.common.load()?;
    if args.https || args.tls_cert.is_some() {
        cfg.https = true;
    }
    if args.tls_cert.is_some() {
        cfg.tls_cert = args.tls_cert.clone();
        cfg.tls_key = args.tls_key.clone();
    }
    let tls = cfg
        .tls_files()
        .map(|f| crate::tls::server_config(&f))
        .transpose()?;
    tracing::debug!(config = ?cfg, "configuration");
    let store = cfg.open_store().await?;
    if args.demo && store.catalog_revision().await? == 0 {
        let report = crate::demo::load(&store).await?;
        tracing::info!(changed = report.changed.len(), "loaded the demo county");
    }
    let app = cfg.open_app(&store, args.demo).await?;
    if args.demo {
        let made = app
            .seed_demo()
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::ZhHans)))?;
        if made > 0 {
            tracing::info!(accounts = made, "created the demo accounts");
        }
        let (staff, delegations, cases) = app
            .seed_demo_hall()
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::ZhHans)))?;
        if staff + delegations + cases > 0 {
            tracing::info!(staff, delegations, cases, "set up the demo hall");
        }
    }
    let years = app
        .load_calendar()
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message(Lang::ZhHans)))?;
    tracing::info!(?years, "working calendar loaded");
    app.spawn_duties(cfg.cases.sweep_every, cfg.cases.checkpoint_every);
    let synonyms_file = cfg.data_dir.join("synonyms.toml");
    let synonyms = match std::fs::read_to_string(&synonyms_file) {
        Ok(text) => text,
        Err(_) => crate::demo::synonyms().to_string(),
    };
    let web = WebConfig {
        search_dir: Some(cfg.data_dir.join("search-index")),
        synonyms,
        refresh_every: std::time::Duration::from_secs(5),
    };
    let state = AppState::start(app, web).await?;
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("无法监听 {}（端口被占用或无权限？）", cfg.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "OneTrip 已启动：{scheme}://{addr}/ （数据库：{}，用时 {} 毫秒）",
        store.backend(),
        started.elapsed().as_millis()
    );
    if let Some(config) = tls {
        return crate::tls::serve(listener, config, onetrip_web::router(state)).await;
    }
    axum::serve(
        listener,
        onetrip_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
