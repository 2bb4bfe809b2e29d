//! `onetrip calendar`: the working calendar (statutory holidays and make-up working days)
//! that every time limit is counted on. 2025 and 2026 ship with the product; each later
//! year is imported from the State Council's notice once it is published.

use crate::config::CommonArgs;
use anyhow::{anyhow, Context};
use onetrip_app::i18n::Lang;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add or replace years from a TOML file in the shipped format ([[year]] tables).
    Import {
        /// The calendar file.
        file: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// List the years the calendar knows.
    Show {
        #[command(flatten)]
        common: CommonArgs,
    },
}

pub async fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Import { file, common } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取日历文件 {}", file.display()))?;
            let cfg = common.load()?;
            let store = cfg.open_store().await?;
            let app = cfg.open_app(&store, false).await?;
            app.load_calendar()
                .await
                .map_err(|e| anyhow!("{}", e.message(Lang::ZhHans)))?;
            let years = app
                .import_calendar(&text, "console")
                .await
                .map_err(|e| anyhow!("{}", e.message(Lang::ZhHans)))?;
            println!(
                "已导入 {}；工作日历现有年份：{}",
                file.display(),
                list(&years)
            );
            Ok(())
        }
        Command::Show { common } => {
            let cfg = common.load()?;
            let store = cfg.open_store().await?;
            let app = cfg.open_app(&store, false).await?;
            let years = app
                .load_calendar()
                .await
                .map_err(|e| anyhow!("{}", e.message(Lang::ZhHans)))?;
            println!("工作日历现有年份：{}", list(&years));
            Ok(())
        }
    }
}

fn list(years: &[i32]) -> String {
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join("、")
}
