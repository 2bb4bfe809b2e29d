//! `onetrip catalog import|export|check|publish`.

use crate::config::CommonArgs;
use anyhow::{anyhow, Context};
use chrono::NaiveDate;
use onetrip_domain::catalog::check::{report, CheckRow};
use onetrip_domain::catalog::file::{parse_catalog, render_catalog, CatalogBatch};
use onetrip_domain::DivisionKind;
use onetrip_store::{Entity, ImportMode};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Import a catalog directory in one transaction: any error imports nothing.
    Import {
        dir: PathBuf,
        /// Stage drafts instead of publishing new versions.
        #[arg(long)]
        draft: bool,
        /// In force from this date when a file gives none [default: today].
        #[arg(long, value_name = "YYYY-MM-DD")]
        effective: Option<NaiveDate>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Write the latest published catalog as files (the import format).
    Export {
        dir: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Report contradictions with the base catalog and differences between townships,
    /// from a directory of files or (without DIR) from the database.
    Check {
        dir: Option<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Publish a draft as a new version.
    Publish {
        /// The basic code (base matter) or implementation code.
        code: String,
        #[arg(long, value_enum)]
        entity: EntityArg,
        #[arg(long, value_name = "YYYY-MM-DD")]
        effective: NaiveDate,
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EntityArg {
    Base,
    Implementation,
}

/// Reads and validates a catalog directory; every problem is printed with file, line, field.
pub fn load_dir(dir: &Path) -> anyhow::Result<CatalogBatch> {
    let files = onetrip_store::catalog_files::read_catalog_dir(dir)?;
    parse_catalog(&files).map_err(|errors| {
        for e in &errors {
            eprintln!("{e}");
        }
        anyhow!(
            "目录 {} 有 {} 处错误，未导入任何内容",
            dir.display(),
            errors.len()
        )
    })
}

pub async fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Import {
            dir,
            draft,
            effective,
            common,
        } => {
            let batch = load_dir(&dir)?;
            let store = common.load()?.open_store().await?;
            // Versions come into force on a China date, whatever the hour in UTC.
            let today = onetrip_domain::clock::Clock::today(&onetrip_app::SystemClock);
            let mode = if draft {
                ImportMode::Draft
            } else {
                ImportMode::Publish {
                    default_effective: effective.unwrap_or(today),
                }
            };
            let now = onetrip_domain::clock::Clock::now(&onetrip_app::SystemClock);
            let r = store.import_catalog(&batch, mode, now).await?;
            for c in &r.changed {
                println!("  {c}");
            }
            println!(
                "导入完成：{} 个区划，{} 个部门，{} 个受理场所，{} 个一件事，{} 项更新，{} 项未变",
                r.divisions,
                r.departments,
                r.places,
                r.life_events,
                r.changed.len(),
                r.unchanged
            );
        }
        Command::Export { dir, common } => {
            let store = common.load()?.open_store().await?;
            let batch = store.export_catalog().await?;
            let files = render_catalog(&batch)?;
            for f in &files {
                let path = dir.join(&f.path);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("无法创建 {}", parent.display()))?;
                }
                std::fs::write(&path, &f.text)
                    .with_context(|| format!("无法写入 {}", path.display()))?;
            }
            println!("已导出 {} 个文件到 {}", files.len(), dir.display());
        }
        Command::Check { dir, common } => {
            let batch = match dir {
                Some(dir) => load_dir(&dir)?,
                None => common.load()?.open_store().await?.export_catalog().await?,
            };
            let name = |c: &str| {
                batch
                    .divisions
                    .iter()
                    .find(|d| d.code.as_str() == c)
                    .map_or(c.to_string(), |d| d.name.clone())
            };
            let township = |c: &str| {
                batch
                    .divisions
                    .iter()
                    .any(|d| d.code.as_str() == c && d.kind == DivisionKind::Township)
            };
            print_table(&report(&batch.matters, name, township));
        }
        Command::Publish {
            code,
            entity,
            effective,
            common,
        } => {
            let store = common.load()?.open_store().await?;
            let entity = match entity {
                EntityArg::Base => Entity::Base,
                EntityArg::Implementation => Entity::Implementation,
            };
            let now = onetrip_domain::clock::Clock::now(&onetrip_app::SystemClock);
            let v = store.publish(entity, &code, effective, now).await?;
            println!("已发布 {code} 第 {v} 版，{effective} 起生效");
        }
    }
    Ok(())
}

fn print_table(rows: &[CheckRow]) {
    if rows.is_empty() {
        println!("目录检查：没有发现矛盾或乡镇差异。");
        return;
    }
    println!("事项\t基本编码\t区划\t类别\t具体情况");
    for r in rows {
        let kind = match r.kind {
            "contradiction" => "与基本目录矛盾",
            "declared_deviation" => "已声明偏离",
            _ => "乡镇不一致",
        };
        let division = match &r.other {
            Some((_, other)) => format!("{} ↔ {other}", r.division),
            None => r.division.clone(),
        };
        println!(
            "{}\t{}\t{}\t{}\t{}",
            r.base_name, r.base_code, division, kind, r.detail
        );
    }
    let bad = rows.iter().filter(|r| r.kind == "contradiction").count();
    println!("\n共 {} 行：{} 处未声明的矛盾。", rows.len(), bad);
}
