//! Signatures with SM2 (GB/T 32918) behind a [`Signer`] trait, so that a certified signing
//! service can take the key's place. Journal checkpoints are signed with the key file's
//! signing key; anyone holding its public key can check them.

use crate::{KeyFile, VaultError};
use sm2::dsa::signature::{Signer as _, Verifier as _};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

/// The distinguishing identifier of GM/T 0009, used by default.
const DIST_ID: &str = "1234567812345678";

/// Something that signs.
pub trait Signer: Send + Sync {
    /// The key's id: the SM3 hex digest of its public key (first 16 characters).
    fn key_id(&self) -> String;
    /// The public key, SEC1-encoded.
    fn public_key(&self) -> Vec<u8>;
    /// A signature of `message` (64 bytes, r then s).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, VaultError>;
}

/// The key file's SM2 signing key.
pub struct Sm2Signer {
    key: SigningKey,
}

impl std::fmt::Debug for Sm2Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sm2Signer")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl Sm2Signer {
    pub fn from_key_file(keys: &KeyFile) -> Result<Sm2Signer, VaultError> {
        let bytes = keys.signing_key_bytes().ok_or(VaultError::NoSigningKey)?;
        let key = SigningKey::from_slice(DIST_ID, &bytes).map_err(|_| VaultError::NoSigningKey)?;
        Ok(Sm2Signer { key })
    }
}

/// The id of a public key.
pub fn key_id(public_key: &[u8]) -> String {
    use sm3::Digest as _;
    sm3::Sm3::digest(public_key)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Signer for Sm2Signer {
    fn key_id(&self) -> String {
        key_id(&self.public_key())
    }

    fn public_key(&self) -> Vec<u8> {
        self.key.verifying_key().to_sec1_bytes().to_vec()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, VaultError> {
        let signature: Signature = self
            .key
            .try_sign(message)
            .map_err(|e| VaultError::Signing(e.to_string()))?;
        Ok(signature.to_bytes().to_vec())
    }
}

/// Whether `signature` is `public_key`'s signature of `message`.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_sec1_bytes(DIST_ID, public_key) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    Signature::from_bytes(&bytes).is_ok_and(|s| key.verify(message, &s).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_nothing_else_does() {
        let keys = KeyFile::generate().unwrap();
        let signer = Sm2Signer::from_key_file(&keys).unwrap();
        let message = "检查点：331199-01-20260302-000001".as_bytes();
        let signature = signer.sign(message).unwrap();
        assert_eq!(signature.len(), 64);
        assert!(verify(&signer.public_key(), message, &signature));
        assert!(!verify(
            &signer.public_key(),
            b"another message",
            &signature
        ));
        let mut bent = signature.clone();
        bent[10] ^= 1;
        assert!(!verify(&signer.public_key(), message, &bent));
        let other = Sm2Signer::from_key_file(&KeyFile::generate().unwrap()).unwrap();
        assert!(!verify(&other.public_key(), message, &signature));
        assert_eq!(signer.key_id().len(), 16);
        assert!(!format!("{signer:?}").contains(&format!("{:?}", keys.signing_key_bytes())));
    }
}
