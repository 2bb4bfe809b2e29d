//! Stored files (attachments), named by the SM3 hash of their content through
//! `object_store`: a folder of the data directory by default, an S3-compatible bucket with
//! the `s3` feature. A file in the folder is synced to disk before `put` returns, so an
//! acknowledged upload survives a crash; the same content is stored once.

use crate::StoreError;
use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Where attachments are kept.
#[derive(Clone)]
pub struct Objects {
    inner: Arc<dyn ObjectStore>,
    /// The folder, when local (files and folders are synced after writing).
    local: Option<Arc<Folder>>,
}

/// A local attachment folder.
struct Folder {
    root: PathBuf,
    /// Which of the 256 shard folders this process has synced up to the root, so later
    /// files there sync only themselves and their shard folder.
    durable: [AtomicBool; 256],
}

impl Folder {
    /// Syncs a newly linked file and its shard folder; the first time for a shard, also the
    /// folders above it, up to the root (any of them may be new).
    fn sync(&self, file: &Path, shard: usize) -> std::io::Result<()> {
        std::fs::File::open(file)?.sync_all()?;
        let known = self
            .durable
            .get(shard)
            .is_some_and(|d| d.load(Ordering::Acquire));
        let mut dir = file.parent();
        while let Some(d) = dir {
            std::fs::File::open(d)?.sync_all()?;
            if known || d == self.root {
                break;
            }
            dir = d.parent();
        }
        if let Some(d) = self.durable.get(shard) {
            d.store(true, Ordering::Release);
        }
        Ok(())
    }
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Objects")
            .field("store", &self.inner.to_string())
            .finish()
    }
}

fn failed(e: object_store::Error) -> StoreError {
    match e {
        object_store::Error::NotFound { path, .. } => StoreError::NotFound(path),
        other => StoreError::Backend(other.to_string()),
    }
}

/// The object path of a content hash: `sm3/ab/abcdef…`.
fn location(hash: &str) -> Result<ObjectPath, StoreError> {
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::NotFound(hash.to_string()));
    }
    Ok(ObjectPath::from(format!("sm3/{}/{hash}", &hash[..2])))
}

impl Objects {
    /// Files in `root` (created private if missing).
    pub fn local(root: PathBuf) -> Result<Objects, StoreError> {
        crate::files::private_dir(&root)
            .map_err(|e| StoreError::Config(format!("无法创建附件目录 {}：{e}", root.display())))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(&root)
            .map_err(|e| StoreError::Config(format!("附件目录 {} 不可用：{e}", root.display())))?;
        Ok(Objects {
            inner: Arc::new(fs),
            local: Some(Arc::new(Folder {
                root,
                durable: std::array::from_fn(|_| AtomicBool::new(false)),
            })),
        })
    }

    /// An S3-compatible bucket (`s3://bucket/prefix`), credentials and endpoint from the
    /// `AWS_*` environment variables.
    #[cfg(feature = "s3")]
    pub fn s3(url: &str) -> Result<Objects, StoreError> {
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()
            .map_err(|e| StoreError::Config(format!("对象存储地址“{url}”不可用：{e}")))?;
        Ok(Objects {
            inner: Arc::new(s3),
            local: None,
        })
    }

    /// Stores `content` under its hash (given by the caller, who computed it); content
    /// already stored is left as it is.
    pub async fn put(&self, hash: &str, content: Bytes) -> Result<(), StoreError> {
        let at = location(hash)?;
        let opts = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        match self
            .inner
            .put_opts(&at, PutPayload::from_bytes(content), opts)
            .await
        {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(failed(e)),
        }
        if let Some(folder) = &self.local {
            let file = folder.root.join(at.as_ref());
            let shard = usize::from_str_radix(&hash[..2], 16).unwrap_or(0);
            let folder = folder.clone();
            tokio::task::spawn_blocking(move || folder.sync(&file, shard))
                .await
                .map_err(|e| StoreError::Backend(e.to_string()))?
                .map_err(|e| StoreError::Backend(format!("附件写入磁盘失败：{e}")))?;
        }
        Ok(())
    }

    /// The content stored under `hash`.
    pub async fn get(&self, hash: &str) -> Result<Bytes, StoreError> {
        let at = location(hash)?;
        let got = self.inner.get(&at).await.map_err(failed)?;
        got.bytes().await.map_err(failed)
    }

    /// Deletes what is stored under `hash` (the caller checked nothing names it).
    pub async fn delete(&self, hash: &str) -> Result<(), StoreError> {
        let at = location(hash)?;
        match self.inner.delete(&at).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_counts_as_durable_only_after_a_sync_that_succeeded() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder {
            root: dir.path().to_path_buf(),
            durable: std::array::from_fn(|_| AtomicBool::new(false)),
        };
        let shard = dir.path().join("sm3/ab");
        std::fs::create_dir_all(&shard).unwrap();
        let missing = shard.join("ab00");
        assert!(folder.sync(&missing, 0xab).is_err());
        assert!(!folder.durable[0xab].load(Ordering::Acquire));
        std::fs::write(&missing, b"x").unwrap();
        folder.sync(&missing, 0xab).unwrap();
        assert!(folder.durable[0xab].load(Ordering::Acquire));
        assert!(
            !folder.durable[0xac].load(Ordering::Acquire),
            "other shards are not"
        );
    }
}
