//! The key file: master keys (SM4, 128 bits) that wrap the data keys, and the blind-index
//! key. It lives outside the data directory, so that a copy of the data directory or of a
//! backup reveals nothing.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A master key.
#[derive(Clone, Serialize, Deserialize)]
pub struct MasterKey {
    pub id: String,
    /// Base64 of 16 bytes.
    key: String,
}

/// The parsed key file.
#[derive(Clone, Serialize, Deserialize)]
pub struct KeyFile {
    /// The master key that wraps new data keys.
    pub active: String,
    /// Base64 of 32 bytes: the HMAC-SM3 key of every blind index. Never rotated without
    /// rebuilding the indexes.
    index_key: String,
    /// Base64 of 32 bytes: the SM2 key that signs journal checkpoints. Files from before
    /// it existed get one when loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_key: Option<String>,
    #[serde(rename = "master")]
    masters: Vec<MasterKey>,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.masters.iter().map(|m| m.id.as_str()).collect();
        f.debug_struct("KeyFile")
            .field("active", &self.active)
            .field("masters", &ids)
            .finish_non_exhaustive()
    }
}

/// Why the key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("无法读取密钥文件 {path}：{reason}")]
    Read { path: String, reason: String },
    #[error("密钥文件 {path} 格式不正确：{reason}")]
    Format { path: String, reason: String },
    #[error("无法写入密钥文件 {path}：{reason}")]
    Write { path: String, reason: String },
    #[error("无法取得随机数：{0}")]
    Random(String),
}

fn random_b64<const N: usize>() -> Result<String, KeyFileError> {
    crate::random_bytes::<N>()
        .map(|b| B64.encode(b))
        .map_err(|e| KeyFileError::Random(e.to_string()))
}

impl KeyFile {
    /// A new key file with one master key and an index key.
    pub fn generate() -> Result<KeyFile, KeyFileError> {
        Ok(KeyFile {
            active: "m1".into(),
            index_key: random_b64::<32>()?,
            signing_key: Some(random_b64::<32>()?),
            masters: vec![MasterKey {
                id: "m1".into(),
                key: random_b64::<16>()?,
            }],
        })
    }

    /// Reads and checks a key file.
    pub fn load(path: &Path) -> Result<KeyFile, KeyFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KeyFileError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let file: KeyFile = toml::from_str(&text).map_err(|e| KeyFileError::Format {
            path: shown.clone(),
            reason: e.message().to_string(),
        })?;
        let format = |reason: String| KeyFileError::Format {
            path: shown.clone(),
            reason,
        };
        file.index_key_bytes()
            .ok_or_else(|| format("index_key 应为 32 字节的 Base64".into()))?;
        for m in &file.masters {
            decode::<16>(&m.key)
                .ok_or_else(|| format(format!("主密钥 {} 应为 16 字节的 Base64", m.id)))?;
        }
        if file.signing_key.is_some() && file.signing_key_bytes().is_none() {
            return Err(format("signing_key 应为 32 字节的 Base64".into()));
        }
        if file.master(&file.active).is_none() {
            return Err(format(format!(
                "active 指向的主密钥 {} 不存在",
                file.active
            )));
        }
        Ok(file)
    }

    /// Loads the file, or creates it (readable by the owner only) when it does not exist.
    /// A file without a signing key gets one, saved back.
    pub fn load_or_create(path: &Path) -> Result<(KeyFile, bool), KeyFileError> {
        if path.exists() {
            let mut file = KeyFile::load(path)?;
            if file.signing_key.is_none() {
                file.signing_key = Some(random_b64::<32>()?);
                file.save(path)?;
            }
            return Ok((file, false));
        }
        let file = KeyFile::generate()?;
        file.save(path)?;
        Ok((file, true))
    }

    /// Writes the file with mode 0600, replacing it atomically.
    pub fn save(&self, path: &Path) -> Result<(), KeyFileError> {
        let write = |reason: String| KeyFileError::Write {
            path: path.display().to_string(),
            reason,
        };
        let text = toml::to_string(self).map_err(|e| write(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| write(e.to_string()))?;
        }
        let tmp = path.with_extension("tmp");
        {
            use std::io::Write as _;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut f = options.open(&tmp).map_err(|e| write(e.to_string()))?;
            f.write_all(b"# OneTrip key file. Keep it outside the data directory and out of backups\n# of the data directory; without it, encrypted fields cannot be read.\n")
                .and_then(|()| f.write_all(text.as_bytes()))
                .and_then(|()| f.sync_all())
                .map_err(|e| write(e.to_string()))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| write(e.to_string()))
    }

    /// Adds a new master key and makes it the active one; returns its id.
    pub fn rotate(&mut self) -> Result<String, KeyFileError> {
        let next = (1..)
            .map(|n| format!("m{n}"))
            .find(|id| self.master(id).is_none())
            .unwrap_or_else(|| "m0".into());
        self.masters.push(MasterKey {
            id: next.clone(),
            key: random_b64::<16>()?,
        });
        self.active = next.clone();
        Ok(next)
    }

    pub(crate) fn master(&self, id: &str) -> Option<[u8; 16]> {
        self.masters
            .iter()
            .find(|m| m.id == id)
            .and_then(|m| decode::<16>(&m.key))
    }

    pub(crate) fn index_key_bytes(&self) -> Option<[u8; 32]> {
        decode::<32>(&self.index_key)
    }

    pub(crate) fn signing_key_bytes(&self) -> Option<[u8; 32]> {
        self.signing_key.as_deref().and_then(decode::<32>)
    }

    /// Ids of every master key.
    pub fn master_ids(&self) -> Vec<String> {
        self.masters.iter().map(|m| m.id.clone()).collect()
    }
}

fn decode<const N: usize>(s: &str) -> Option<[u8; N]> {
    B64.decode(s.trim()).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_save_load_and_rotate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let (created, new) = KeyFile::load_or_create(&path).unwrap();
        assert!(new);
        let (loaded, new) = KeyFile::load_or_create(&path).unwrap();
        assert!(!new);
        assert_eq!(loaded.master("m1"), created.master("m1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mut k = loaded;
        assert_eq!(k.rotate().unwrap(), "m2");
        assert_eq!(k.active, "m2");
        assert_eq!(k.master_ids(), vec!["m1", "m2"]);
    }

    #[test]
    fn a_file_from_before_signing_keys_gets_one_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let mut old = KeyFile::generate().unwrap();
        old.signing_key = None;
        old.save(&path).unwrap();
        assert!(!std::fs::read_to_string(&path)
            .unwrap()
            .contains("signing_key"));
        let (loaded, new) = KeyFile::load_or_create(&path).unwrap();
        assert!(!new);
        assert!(loaded.signing_key_bytes().is_some());
        assert_eq!(loaded.master("m1"), old.master("m1"));
        let (again, _) = KeyFile::load_or_create(&path).unwrap();
        assert_eq!(
            again.signing_key_bytes(),
            loaded.signing_key_bytes(),
            "saved back"
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let k = KeyFile::generate().unwrap();
        let shown = format!("{k:?}");
        assert!(!shown.contains(&k.index_key), "{shown}");
        assert!(shown.contains("m1"));
    }

    #[test]
    fn a_bad_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        std::fs::write(
            &path,
            "active = \"m9\"\nindex_key = \"AAAA\"\nmaster = []\n",
        )
        .unwrap();
        let err = KeyFile::load(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("keys.toml") && err.contains("index_key"),
            "{err}"
        );
    }
}
