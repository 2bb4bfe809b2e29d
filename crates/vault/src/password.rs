//! Argon2id password hashes in PHC string form. The parameters are configurable: tests
//! use cheap ones, the benchmark and production use [`PasswordParams::production`].

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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

/// Hashes and verifies passwords. Clones share the decoy and the evaluation count.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: PasswordParams,
    /// A hash of a random password, made once when the hasher is made, verified against when
    /// the account does not exist or may not be checked, so that every refusal costs exactly
    /// one Argon2 evaluation, as a wrong password does.
    decoy: Arc<str>,
    /// Argon2 evaluations so far (hashes and verifications), for measurements.
    evaluations: Arc<AtomicU64>,
}

/// Why hashing failed (bad parameters or no randomness); never "wrong password".
#[derive(Debug, Clone, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl PasswordHasher {
    /// Checks the parameters (a bad configuration fails here, not at the first login).
    pub fn new(params: PasswordParams) -> Result<Self, HashError> {
        let mut hasher = PasswordHasher {
            params,
            decoy: Arc::from(""),
            evaluations: Arc::new(AtomicU64::new(0)),
        };
        let random = crate::random_bytes::<16>().map_err(|e| HashError(e.to_string()))?;
        let pw: String = random.iter().map(|b| format!("{b:02x}")).collect();
        hasher.decoy = Arc::from(hasher.hash(&pw)?);
        Ok(hasher)
    }

    /// Argon2 evaluations made by this hasher and its clones.
    pub fn evaluations(&self) -> u64 {
        self.evaluations.load(Ordering::Relaxed)
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
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        self.argon()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    /// Whether the password matches. The stored hash's own parameters are used, so hashes
    /// made with older parameters keep working.
    /// An account without a usable hash (one made by single sign-on) costs the same one
    /// evaluation, against the decoy, and never matches.
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            if stored != &*self.decoy {
                let _ = self.verify(password, &self.decoy);
            }
            return false;
        };
        self.evaluations.fetch_add(1, Ordering::Relaxed);
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    }

    /// Spends the same time as a real verification (one Argon2 evaluation), for unknown
    /// accounts and attempts that may not be checked.
    pub fn verify_decoy(&self, password: &str) -> bool {
        let _ = self.verify(password, &self.decoy);
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
    fn an_unknown_account_costs_one_evaluation_like_a_wrong_password() {
        let h = PasswordHasher::new(PasswordParams::cheap()).unwrap();
        let stored = h.hash("溪水长流桃花又开了").unwrap();
        // Every login clones the hasher; the decoy made at start serves them all.
        for _ in 0..3 {
            let clone = h.clone();
            let before = h.evaluations();
            assert!(!clone.verify("wrong", &stored));
            assert_eq!(h.evaluations() - before, 1, "a wrong password");
            let before = h.evaluations();
            assert!(!clone.verify_decoy("wrong"));
            assert_eq!(h.evaluations() - before, 1, "an unknown account");
            let before = h.evaluations();
            assert!(!clone.verify("wrong", ""));
            assert_eq!(h.evaluations() - before, 1, "an account without a password");
        }
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
