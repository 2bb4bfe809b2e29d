//! `onetrip serve`: the web server.

use crate::config::CommonArgs;
use anyhow::Context;
use onetrip_web::{AppState, SystemClock, WebConfig};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Load the demo county first if the database is empty.
    #[arg(long)]
    pub demo: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let cfg = args.common.load()?;
    tracing::debug!(config = ?cfg, "configuration");
    let store = cfg.open_store().await?;
    if args.demo && store.catalog_revision().await? == 0 {
        let report = crate::demo::load(&store).await?;
        tracing::info!(changed = report.changed.len(), "loaded the demo county");
    }
    let security = cfg.open_security(&store, args.demo).await?;
    if args.demo {
        let made = onetrip_web::auth::demo::seed(&store, &SystemClock, &security)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message(onetrip_web::i18n::Lang::ZhHans)))?;
        if made > 0 {
            tracing::info!(accounts = made, "created the demo accounts");
        }
    }
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
    let state = AppState::start(store.clone(), Arc::new(SystemClock), web, security).await?;
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("无法监听 {}（端口被占用或无权限？）", cfg.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "OneTrip 已启动：http://{addr}/ （数据库：{}，用时 {} 毫秒）",
        store.backend(),
        started.elapsed().as_millis()
    );
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
