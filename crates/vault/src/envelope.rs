//! Envelope encryption of personal fields: each field is sealed with SM4-GCM under a data
//! key; data keys are stored wrapped (SM4-GCM) under a master key from the key file. Rotating
//! the master key rewraps the data keys without touching the fields.
//!
//! A sealed field reads `v1.<data key id>.<base64 of nonce and ciphertext>`; the field's
//! context (e.g. `person.document`) is bound as associated data, so a value copied into
//! another column does not open.

use crate::keyfile::KeyFile;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::AesGcm;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sm3::Sm3;
use sm4::Sm4;
use std::collections::HashMap;

type Sm4Gcm = AesGcm<Sm4, U12>;

/// Why sealing or opening failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("cannot get random bytes: {0}")]
    Random(String),
    #[error("data key {0} is unknown")]
    UnknownDataKey(String),
    #[error("master key {0} is not in the key file")]
    UnknownMasterKey(String),
    #[error("a sealed value is malformed")]
    Malformed,
    #[error("a sealed value does not authenticate (wrong key or tampered)")]
    Tampered,
    #[error("the key file has no valid index key")]
    NoIndexKey,
    #[error("the key file has no valid signing key")]
    NoSigningKey,
    #[error("signing failed: {0}")]
    Signing(String),
}

/// A data key as stored: wrapped under a master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub id: String,
    pub master_id: String,
    /// Nonce followed by the SM4-GCM ciphertext of the 16-byte key.
    pub wrapped: Vec<u8>,
}

fn seal_raw(key: &[u8; 16], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    let cipher = Sm4Gcm::new_from_slice(key).map_err(|_| VaultError::Malformed)?;
    let nonce = crate::random_bytes::<12>()?;
    let ct = cipher
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::Malformed)?;
    let mut out = nonce.to_vec();
    out.extend(ct);
    Ok(out)
}

fn open_raw(key: &[u8; 16], sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < 12 + 16 {
        return Err(VaultError::Malformed);
    }
    let (nonce, ct) = sealed.split_at(12);
    let cipher = Sm4Gcm::new_from_slice(key).map_err(|_| VaultError::Malformed)?;
    cipher
        .decrypt(nonce.into(), Payload { msg: ct, aad })
        .map_err(|_| VaultError::Tampered)
}

/// Seals and opens fields, and computes blind indexes.
pub struct FieldCipher {
    keys: HashMap<String, [u8; 16]>,
    active: String,
    index_key: [u8; 32],
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("active", &self.active)
            .field("data_keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl FieldCipher {
    /// A new random data key, wrapped under the key file's active master key.
    pub fn new_data_key(keys: &KeyFile, id: &str) -> Result<WrappedKey, VaultError> {
        let master = keys
            .master(&keys.active)
            .ok_or_else(|| VaultError::UnknownMasterKey(keys.active.clone()))?;
        let dek = crate::random_bytes::<16>()?;
        Ok(WrappedKey {
            id: id.to_string(),
            master_id: keys.active.clone(),
            wrapped: seal_raw(&master, &dek, id.as_bytes())?,
        })
    }

    /// Rewraps a data key under the active master key (master key rotation).
    pub fn rewrap(keys: &KeyFile, key: &WrappedKey) -> Result<WrappedKey, VaultError> {
        let dek = unwrap(keys, key)?;
        let master = keys
            .master(&keys.active)
            .ok_or_else(|| VaultError::UnknownMasterKey(keys.active.clone()))?;
        Ok(WrappedKey {
            id: key.id.clone(),
            master_id: keys.active.clone(),
            wrapped: seal_raw(&master, &dek, key.id.as_bytes())?,
        })
    }

    /// Unwraps every stored data key; `active` seals new values.
    pub fn open(
        keys: &KeyFile,
        stored: &[WrappedKey],
        active: &str,
    ) -> Result<FieldCipher, VaultError> {
        let mut map = HashMap::new();
        for k in stored {
            map.insert(k.id.clone(), unwrap(keys, k)?);
        }
        if !map.contains_key(active) {
            return Err(VaultError::UnknownDataKey(active.to_string()));
        }
        Ok(FieldCipher {
            keys: map,
            active: active.to_string(),
            index_key: keys.index_key_bytes().ok_or(VaultError::NoIndexKey)?,
        })
    }

    /// Seals a value for a context such as `person.document`.
    pub fn seal(&self, context: &str, plaintext: &str) -> Result<String, VaultError> {
        let key = self
            .keys
            .get(&self.active)
            .ok_or_else(|| VaultError::UnknownDataKey(self.active.clone()))?;
        let sealed = seal_raw(key, plaintext.as_bytes(), context.as_bytes())?;
        Ok(format!("v1.{}.{}", self.active, B64.encode(sealed)))
    }

    /// Opens a value sealed for the same context.
    pub fn open_field(&self, context: &str, sealed: &str) -> Result<String, VaultError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(VaultError::Malformed);
        };
        let key = self
            .keys
            .get(id)
            .ok_or_else(|| VaultError::UnknownDataKey(id.to_string()))?;
        let bytes = B64.decode(body).map_err(|_| VaultError::Malformed)?;
        let plain = open_raw(key, &bytes, context.as_bytes())?;
        String::from_utf8(plain).map_err(|_| VaultError::Malformed)
    }

    /// The blind index of a value: HMAC-SM3 under the index key, per purpose, in hex. Equal
    /// values give equal indexes, so lookups work without decrypting.
    pub fn blind_index(&self, purpose: &str, value: &str) -> String {
        blind_index(&self.index_key, purpose, value)
    }

    /// The id of the data key that seals new values.
    pub fn active_key(&self) -> &str {
        &self.active
    }
}

fn unwrap(keys: &KeyFile, k: &WrappedKey) -> Result<[u8; 16], VaultError> {
    let master = keys
        .master(&k.master_id)
        .ok_or_else(|| VaultError::UnknownMasterKey(k.master_id.clone()))?;
    open_raw(&master, &k.wrapped, k.id.as_bytes())?
        .try_into()
        .map_err(|_| VaultError::Malformed)
}

fn blind_index(key: &[u8; 32], purpose: &str, value: &str) -> String {
    let Ok(mut mac) = <Hmac<Sm3> as Mac>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(purpose.as_bytes());
    mac.update(&[0x1f]);
    mac.update(value.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (KeyFile, WrappedKey, FieldCipher) {
        let keys = KeyFile::generate().unwrap();
        let dek = FieldCipher::new_data_key(&keys, "k1").unwrap();
        let cipher = FieldCipher::open(&keys, std::slice::from_ref(&dek), "k1").unwrap();
        (keys, dek, cipher)
    }

    #[test]
    fn sm4_matches_the_standard_example() {
        // GB/T 32907-2016 appendix A, example 1.
        use sm4::cipher::{BlockEncrypt, KeyInit as _};
        let key: [u8; 16] = [
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54,
            0x32, 0x10,
        ];
        let cipher = Sm4::new(&key.into());
        let mut block = key.into();
        cipher.encrypt_block(&mut block);
        let hex: String = block.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn seal_and_open_round_trip_without_showing_the_value() {
        let (_, _, c) = setup();
        let sealed = c.seal("person.document", "11010519491231002X").unwrap();
        assert!(sealed.starts_with("v1.k1."));
        assert!(!sealed.contains("11010519491231002X"));
        assert_ne!(
            sealed,
            c.seal("person.document", "11010519491231002X").unwrap(),
            "fresh nonce"
        );
        assert_eq!(
            c.open_field("person.document", &sealed).unwrap(),
            "11010519491231002X"
        );
    }

    #[test]
    fn wrong_context_or_tampering_does_not_open() {
        let (_, _, c) = setup();
        let sealed = c.seal("person.document", "13812345678").unwrap();
        assert_eq!(
            c.open_field("person.phone", &sealed),
            Err(VaultError::Tampered)
        );
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(c.open_field("person.phone", &tampered).is_err());
        assert_eq!(
            c.open_field("person.phone", "garbage"),
            Err(VaultError::Malformed)
        );
    }

    #[test]
    fn master_rotation_rewraps_and_old_values_still_open() {
        let (mut keys, dek, c) = setup();
        let sealed = c.seal("person.phone", "13812345678").unwrap();
        keys.rotate().unwrap();
        let rewrapped = FieldCipher::rewrap(&keys, &dek).unwrap();
        assert_eq!(rewrapped.master_id, "m2");
        let k2 = FieldCipher::new_data_key(&keys, "k2").unwrap();
        let c2 = FieldCipher::open(&keys, &[rewrapped, k2], "k2").unwrap();
        assert_eq!(
            c2.open_field("person.phone", &sealed).unwrap(),
            "13812345678"
        );
        assert!(c2.seal("person.phone", "x").unwrap().starts_with("v1.k2."));
    }

    #[test]
    fn blind_index_is_stable_keyed_and_per_purpose() {
        let (keys, _, c) = setup();
        let a = c.blind_index("document", "11010519491231002X");
        assert_eq!(a.len(), 64);
        assert_eq!(a, c.blind_index("document", "11010519491231002X"));
        assert_ne!(a, c.blind_index("phone", "11010519491231002X"));
        let other_keys = KeyFile::generate().unwrap();
        assert_ne!(
            a,
            blind_index(
                &other_keys.index_key_bytes().unwrap(),
                "document",
                "11010519491231002X"
            )
        );
        drop(keys);
    }
}
