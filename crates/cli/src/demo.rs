//! `onetrip demo`: loads the demo county (embedded in the binary) into the database.

use crate::config::CommonArgs;
use anyhow::anyhow;
use chrono::NaiveDate;
use onetrip_app::i18n::Lang;
use onetrip_domain::catalog::file::{parse_catalog, CatalogBatch, SourceFile};
use onetrip_store::{ImportMode, SharedStore};

mod files {
    include!(concat!(env!("OUT_DIR"), "/demo_catalog.rs"));
}

/// The synonym list shipped with the demo catalog.
pub fn synonyms() -> &'static str {
    files::FILES
        .iter()
        .find(|(p, _)| *p == "search/synonyms.toml")
        .map_or("", |(_, t)| t)
}

/// The demo catalog, parsed and validated.
pub fn batch() -> anyhow::Result<CatalogBatch> {
    let files: Vec<SourceFile> = files::FILES
        .iter()
        .map(|(p, t)| SourceFile {
            path: (*p).to_string(),
            text: (*t).to_string(),
        })
        .collect();
    parse_catalog(&files).map_err(|errors| {
        anyhow!(
            "内置演示目录有误：\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Imports the demo county, published from 2025-01-01.
pub async fn load(store: &SharedStore) -> anyhow::Result<onetrip_store::ImportReport> {
    let default_effective = NaiveDate::from_ymd_opt(2025, 1, 1).ok_or_else(|| anyhow!("date"))?;
    Ok(store
        .import_catalog(
            &batch()?,
            ImportMode::Publish { default_effective },
            chrono::Utc::now(),
        )
        .await?)
}

pub async fn run(common: CommonArgs) -> anyhow::Result<()> {
    let cfg = common.load()?;
    let store = cfg.open_store().await?;
    let report = load(&store).await?;
    println!(
        "已载入演示县（青溪县）到 {}：{} 个区划，{} 个部门，{} 个受理场所，{} 项更新，{} 项未变",
        cfg.data_dir.display(),
        report.divisions,
        report.departments,
        report.places,
        report.changed.len(),
        report.unchanged
    );
    let app = cfg.open_app(&store, true).await?;
    let made = app
        .seed_demo()
        .await
        .map_err(|e| anyhow!("{}", e.message(Lang::ZhHans)))?;
    if made > 0 {
        println!(
            "已创建 {made} 个演示账号（密码 {}，动态验证码见登录页）",
            onetrip_app::demo::DEMO_PASSWORD
        );
    }
    let (staff, delegations, cases) = app
        .seed_demo_hall()
        .await
        .map_err(|e| anyhow!("{}", e.message(Lang::ZhHans)))?;
    if staff + delegations + cases > 0 {
        println!(
            "已布置演示大厅：各局和乡镇 {staff} 名工作人员，{delegations} 项委托受理，{cases} 件各种状态的办件"
        );
    }
    Ok(())
}
