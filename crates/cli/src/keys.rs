//! `onetrip keys`: the master keys of the field encryption. `rotate` adds a master key,
//! rewraps every data key under it and starts a new data key for new values; sealed
//! fields stay readable without being rewritten.

use crate::config::CommonArgs;
use anyhow::anyhow;
use onetrip_store::StoredDataKey;
use onetrip_vault::{FieldCipher, KeyFile, WrappedKey};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a new master key, rewrap the data keys under it, and start a new data key.
    Rotate {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Show the master keys in the key file and the data keys in the database.
    Status {
        #[command(flatten)]
        common: CommonArgs,
    },
}

pub async fn run(cmd: Command) -> anyhow::Result<()> {
    let common = match &cmd {
        Command::Rotate { common } | Command::Status { common } => common.clone(),
    };
    let cfg = common.load()?;
    let store = cfg.open_store().await?;
    match cmd {
        Command::Status { .. } => {
            let keys = KeyFile::load(&cfg.key_file)?;
            println!(
                "密钥文件 {}：主密钥 {}（当前 {}）",
                cfg.key_file.display(),
                keys.master_ids().join(", "),
                keys.active
            );
            for k in store.data_keys().await? {
                let active = if k.active { "（当前）" } else { "" };
                println!("数据密钥 {}{active}：由主密钥 {} 包裹", k.id, k.master_id);
            }
        }
        Command::Rotate { .. } => {
            let mut keys = KeyFile::load(&cfg.key_file)?;
            let stored = store.data_keys().await?;
            let master = keys.rotate()?;
            // The file gets the new master first: the database never names a key it lacks.
            keys.save(&cfg.key_file)?;
            let rewrapped = stored
                .iter()
                .map(|k| {
                    let w = FieldCipher::rewrap(
                        &keys,
                        &WrappedKey {
                            id: k.id.clone(),
                            master_id: k.master_id.clone(),
                            wrapped: k.wrapped.clone(),
                        },
                    )?;
                    Ok(StoredDataKey {
                        id: w.id,
                        master_id: w.master_id,
                        wrapped: w.wrapped,
                        active: k.active,
                    })
                })
                .collect::<Result<Vec<_>, onetrip_vault::VaultError>>()
                .map_err(|e| anyhow!("无法用新主密钥重新包裹数据密钥：{e}"))?;
            store.rewrap_data_keys(rewrapped).await?;
            let id = format!("k{}", stored.len() + 1);
            let fresh = FieldCipher::new_data_key(&keys, &id)?;
            store
                .add_data_key(StoredDataKey {
                    id: fresh.id,
                    master_id: fresh.master_id,
                    wrapped: fresh.wrapped,
                    active: true,
                })
                .await?;
            println!(
                "已启用新主密钥 {master}，{} 个数据密钥已重新包裹，新数据密钥 {id} 用于今后写入",
                stored.len()
            );
        }
    }
    Ok(())
}
