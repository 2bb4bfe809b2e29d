//! `onetrip journal`: the per-case journal. `verify` walks every case's hash chain and
//! every signed checkpoint and names the first thing that does not verify (an entry
//! edited, rehashed, reordered or cut; a case deleted; a signature forged); `checkpoint`
//! signs the heads changed since the last one (the server also does so on its own).

use crate::config::CommonArgs;
use anyhow::{anyhow, bail};
use onetrip_app::i18n::Lang;
use onetrip_domain::case::journal::Broken;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check every case's journal and every checkpoint; exits non-zero at the first break.
    Verify {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Sign a checkpoint of every case journal's head changed since the last one.
    Checkpoint {
        #[command(flatten)]
        common: CommonArgs,
    },
}

pub async fn run(cmd: Command) -> anyhow::Result<()> {
    let common = match &cmd {
        Command::Verify { common } | Command::Checkpoint { common } => common.clone(),
    };
    let cfg = common.load()?;
    let store = cfg.open_store().await?;
    let app = cfg.open_app(&store, false).await?;
    let say = |e: onetrip_app::Error| anyhow!("{}", e.message(Lang::ZhHans));
    match cmd {
        Command::Checkpoint { .. } => {
            match app.checkpoint().await.map_err(say)? {
                Some(c) => println!("已签名检查点 #{}：{} 个办件的日志链头", c.id, c.cases),
                None => println!("自上个检查点以来没有办件变动，无需签名"),
            }
            Ok(())
        }
        Command::Verify { .. } => {
            let check = app.verify_journal().await.map_err(say)?;
            let Some(broken) = check.broken else {
                println!(
                    "办件日志完整：{} 个办件的 {} 条记录和 {} 个签名检查点均核验无误",
                    check.cases, check.entries, check.checkpoints
                );
                return Ok(());
            };
            let number = |id: &str| {
                let store = store.clone();
                let id = id.to_string();
                async move {
                    match store.case(&id).await {
                        Ok(Some(c)) => format!("办件 {}（{id}）", c.number),
                        _ => format!("办件 {id}"),
                    }
                }
            };
            let what = match &broken {
                Broken::Entry { case_id, seq } => format!(
                    "{} 的第 {seq} 条日志与其哈希或上一条记录不符：该条被改动、调换顺序或删除过",
                    number(case_id).await
                ),
                Broken::Head { case_id, seq } => format!(
                    "{} 的链头指向第 {seq} 条，日志里没有与之相符的记录：末尾的记录被删除过",
                    number(case_id).await
                ),
                Broken::Checkpoint { case_id, seq } => format!(
                    "{} 的第 {seq} 条日志与签名检查点记下的不同：该办件的日志被改写并重新计算过哈希",
                    number(case_id).await
                ),
                Broken::MissingCase { case_id } => format!(
                    "签名检查点记下的办件 {case_id} 已不存在：整个办件被删除过"
                ),
                Broken::Signature { checkpoint } => format!(
                    "检查点 #{checkpoint} 的 SM2 签名无法用本密钥文件的公钥验证"
                ),
            };
            bail!("办件日志核验失败：{what}")
        }
    }
}
