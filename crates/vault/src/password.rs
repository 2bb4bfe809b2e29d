//! Argon2id password hashes in PHC string form. The parameters are configurable: tests
//! use cheap ones, the benchmark and production use [`PasswordParams::production`].

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// Argon2id cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl PasswordParams {
    /// Tuned with `onetrip bench-auth` on the 2-core development machine, whose speed
    /// varies from day to day: 65–125 ms of CPU per verification, inside the 50–150 ms
    /// target on its fast and its slow days. 19 MiB per hash (OWASP's memory floor) with
    /// more passes, so that the two concurrent hashes fit the server's memory budget.
    pub const fn production() -> Self {
        PasswordParams {
            memory_kib: 19_456,
            iterations: 8,
            parallelism: 1,
        }
    }

    /// For tests only: microseconds per hash.
    pub const fn cheap() -> Self {
        PasswordParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }
}

impl Default for PasswordParams {
    fn default() -> Self {
        PasswordParams::production()
    }
}

/// Hashes and verifies passwords.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: PasswordParams,
    /// A hash of a random password, verified against when the account does not exist, so
    /// that "no such user" costs the same time as "wrong password". Made on first use.
    decoy: std::sync::OnceLock<String>,
}

/// Why hashing failed (bad parameters or no randomness); never "wrong password".
#[derive(Debug, Clone, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl PasswordHasher {
    /// Checks the parameters (a bad configuration fails here, not at the first login).
    pub fn new(params: PasswordParams) -> Result<Self, HashError> {
        let hasher = PasswordHasher {
            params,
            decoy: std::sync::OnceLock::new(),
        };
        hasher.argon()?;
        Ok(hasher)
    }

    fn argon(&self) -> Result<Argon2<'static>, HashError> {
        let p = Params::new(
            self.params.memory_kib,
            self.params.iterations,
            self.params.parallelism,
            None,
        )
        .map_err(|e| HashError(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
    }

    /// A PHC string with a fresh salt.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        let salt_bytes = crate::random_bytes::<16>().map_err(|e| HashError(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| HashError(e.to_string()))?;
        self.argon()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    /// Whether the password matches. The stored hash's own parameters are used, so hashes
    /// made with older parameters keep working.
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    }

    /// Spends the same time as a real verification, for unknown accounts.
    pub fn verify_decoy(&self, password: &str) -> bool {
        let decoy = self.decoy.get_or_init(|| {
            let random = crate::random_bytes::<16>().unwrap_or([7; 16]);
            let pw: String = random.iter().map(|b| format!("{b:02x}")).collect();
            self.hash(&pw).unwrap_or_default()
        });
        let _ = self.verify(password, decoy);
        false
    }

    /// Whether a stored hash was made with weaker parameters than the current ones.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return true;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return true;
        };
        params.m_cost() < self.params.memory_kib || params.t_cost() < self.params.iterations
    }

    pub fn params(&self) -> PasswordParams {
        self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verify_and_decoy() {
        let h = PasswordHasher::new(PasswordParams::cheap()).unwrap();
        let stored = h.hash("溪水长流桃花又开了").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{stored}"
        );
        assert!(h.verify("溪水长流桃花又开了", &stored));
        assert!(!h.verify("溪水长流桃花又开", &stored));
        assert!(!h.verify("x", "not a hash"));
        assert!(!h.verify_decoy("anything"));
        assert_ne!(stored, h.hash("溪水长流桃花又开了").unwrap(), "salted");
    }

    #[test]
    fn weaker_hashes_are_flagged_for_rehash() {
        let cheap = PasswordHasher::new(PasswordParams::cheap()).unwrap();
        let stored = cheap.hash("password-one").unwrap();
        let stronger = PasswordHasher::new(PasswordParams {
            memory_kib: 128,
            iterations: 2,
            parallelism: 1,
        })
        .unwrap();
        assert!(stronger.needs_rehash(&stored));
        assert!(!cheap.needs_rehash(&stored));
        assert!(
            stronger.verify("password-one", &stored),
            "old hashes still verify"
        );
    }
}
