//! Secrets of OneTrip, pure computation with no storage: field encryption (SM4-GCM, envelope
//! keys), blind indexes (HMAC-SM3), password hashes (Argon2id) and SM2 signatures. Key material never
//! appears in `Debug` output.

pub mod envelope;
pub mod keyfile;
pub mod password;
pub mod signing;

pub use envelope::{FieldCipher, VaultError, WrappedKey};
pub use keyfile::{KeyFile, KeyFileError};
pub use password::{PasswordHasher, PasswordParams};
pub use signing::{Signer, Sm2Signer};

/// Fills a buffer from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(buf)
}

/// A new bearer secret (session id, API token): 32 random bytes, URL-safe Base64.
pub fn new_secret() -> Result<String, VaultError> {
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// How a bearer secret is stored: its SM3 digest in hex. The secret itself never is.
pub fn secret_hash(secret: &str) -> String {
    use sm3::Digest as _;
    sm3::Sm3::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_long_random_and_stored_hashed() {
        let a = super::new_secret().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, super::new_secret().unwrap());
        let h = super::secret_hash(&a);
        assert_eq!(h.len(), 64);
        assert!(!h.contains(&a));
        assert_eq!(h, super::secret_hash(&a));
    }
}
