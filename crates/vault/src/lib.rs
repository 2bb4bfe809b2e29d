//! Secrets of OneTrip, pure computation with no storage: field encryption (SM4-GCM, envelope
//! keys), blind indexes (HMAC-SM3) and password hashes (Argon2id). Key material never
//! appears in `Debug` output.

pub mod envelope;
pub mod keyfile;
pub mod password;

pub use envelope::{FieldCipher, VaultError, WrappedKey};
pub use keyfile::{KeyFile, KeyFileError};
pub use password::{PasswordHasher, PasswordParams};

/// Fills a buffer from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(buf)
}
