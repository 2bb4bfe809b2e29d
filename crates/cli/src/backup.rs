//! `onetrip backup` and `onetrip restore`: a consistent copy of the database taken while
//! the server runs, and its restore into an empty place. The key file is not in a backup;
//! a restore checks that the key file given can open the backup's sealed fields.

use crate::config::CommonArgs;
use anyhow::{anyhow, Context};
use onetrip_store::backup::BackupSummary;
use onetrip_vault::{FieldCipher, KeyFile, WrappedKey};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist).
    #[arg(long)]
    pub to: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    pub from: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

fn describe(s: &BackupSummary) -> String {
    let mut parts = vec![
        format!("{} 字节", s.bytes),
        format!("结构版本 {}", s.schema_version),
    ];
    if let Some(a) = s.accounts {
        parts.push(format!("账号 {a} 个"));
    }
    if let Some(a) = s.audit_entries {
        parts.push(format!("审计记录 {a} 条"));
    }
    if let Some(t) = s.tables {
        parts.push(format!("数据表 {t} 张"));
    }
    parts.join("，")
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let cfg = args.common.load()?;
    let summary = onetrip_store::backup::backup(&cfg.database_url, &args.to)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!("已备份到 {}（{}）", args.to.display(), describe(&summary));
    println!(
        "备份中的身份证件号码和手机号码是加密的；解密需要密钥文件 {}，它不在备份中，请另行妥善保管一份",
        cfg.key_file.display()
    );
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let cfg = args.common.load()?;
    let keys = KeyFile::load(&cfg.key_file).map_err(|e| {
        anyhow!(
            "无法读取密钥文件 {}（{e}）：恢复需要备份时使用的密钥文件（--key-file），未恢复任何内容",
            cfg.key_file.display()
        )
    })?;
    onetrip_store::files::private_dir(&cfg.data_dir)
        .with_context(|| format!("无法创建数据目录 {}", cfg.data_dir.display()))?;
    let summary = onetrip_store::backup::restore(&args.from, &cfg.database_url)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let store = cfg.open_store().await?;
    let stored = store.data_keys().await?;
    let wrapped: Vec<WrappedKey> = stored
        .iter()
        .map(|k| WrappedKey {
            id: k.id.clone(),
            master_id: k.master_id.clone(),
            wrapped: k.wrapped.clone(),
        })
        .collect();
    let active = stored.iter().find(|k| k.active).map(|k| k.id.clone());
    if let Some(active) = active {
        if let Err(e) = FieldCipher::open(&keys, &wrapped, &active) {
            drop(store);
            let undone = match cfg.database_url.strip_prefix("sqlite://") {
                Some(path) => ["", "-wal", "-shm"].iter().all(|suffix| {
                    let f = format!("{path}{suffix}");
                    !std::path::Path::new(&f).exists() || std::fs::remove_file(&f).is_ok()
                }),
                None => false,
            };
            let state = if undone {
                "已撤销恢复"
            } else {
                "数据库已恢复但不可用，请清空后重试"
            };
            return Err(anyhow!(
                "密钥文件 {} 打不开备份中的数据密钥（{e}）：请使用备份时的密钥文件；{state}",
                cfg.key_file.display()
            ));
        }
    }
    println!(
        "已从 {} 恢复（{}）；密钥文件 {} 可以打开其中的加密字段",
        args.from.display(),
        describe(&summary),
        cfg.key_file.display()
    );
    Ok(())
}
