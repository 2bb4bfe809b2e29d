//! `onetrip audit verify`: walks the security audit log's hash chain, for an operator's
//! cron job or an assessor; exits non-zero when a record was changed or deleted.

use crate::config::CommonArgs;
use anyhow::bail;
use onetrip_domain::chain::ChainCheck;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check that no audit record was changed or deleted since it was written.
    Verify {
        #[command(flatten)]
        common: CommonArgs,
    },
}

pub async fn run(cmd: Command) -> anyhow::Result<()> {
    let Command::Verify { common } = cmd;
    let store = common.load()?.open_store().await?;
    match store.verify_audit().await? {
        ChainCheck::Intact { entries } => {
            println!("审计日志哈希链完整：{entries} 条记录均未被改动");
            Ok(())
        }
        ChainCheck::Broken { at: seq } => {
            bail!("审计日志哈希链在第 {seq} 条记录处断开：该记录或其后的记录被改动或删除过")
        }
    }
}
