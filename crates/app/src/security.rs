//! What signing in and sealing personal data share: the configuration, the password
//! hasher and policy, the field cipher, the per-address limiter and the hashing slots.

use crate::limit::RateLimiter;
use crate::oidc;
use onetrip_domain::auth::{PasswordPolicy, PasswordProfile};
use onetrip_domain::clock::Clock;
use onetrip_store::{SharedStore, StoreError};
use onetrip_vault::{FieldCipher, KeyFile, PasswordHasher, PasswordParams};
use std::net::IpAddr;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Security settings from the configuration.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// A session ends after this long without a request.
    pub idle: chrono::Duration,
    /// A session ends this long after login, whatever the activity.
    pub absolute: chrono::Duration,
    /// Wrong passwords (or codes) in a row that lock an account.
    pub lock_after: i64,
    pub lock_for: chrono::Duration,
    /// Login attempts per minute from one address (a hall behind one NAT address shares it).
    pub attempts_per_minute: u32,
    /// Password hashes computed at once; more logins wait.
    pub hashing_slots: usize,
    pub password: PasswordParams,
    pub profile: PasswordProfile,
    /// Cookies get `Secure` and the `__Host-` prefix (set when serving HTTPS).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Demo mode: the login page shows the demo accounts and their current codes.
    pub demo: bool,
    /// Applicant single sign-on through the provincial identity service.
    pub oidc: Option<oidc::OidcConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            idle: chrono::Duration::minutes(30),
            absolute: chrono::Duration::hours(10),
            lock_after: 5,
            lock_for: chrono::Duration::minutes(15),
            attempts_per_minute: 120,
            hashing_slots: 2,
            password: PasswordParams::production(),
            profile: PasswordProfile::Default,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            demo: false,
            oidc: None,
        }
    }
}

/// Everything the auth code shares.
pub struct Security {
    pub config: AuthConfig,
    pub hasher: PasswordHasher,
    pub cipher: FieldCipher,
    pub policy: PasswordPolicy,
    pub limiter: RateLimiter,
    pub(crate) hashing: Semaphore,
    pub oidc: Option<oidc::Oidc>,
    /// Signs journal checkpoints (the key file's SM2 key).
    pub signer: Arc<dyn onetrip_vault::Signer>,
    /// API tokens' principals, read at most [`crate::fresh::SEEN_WITHIN`] ago and before any
    /// change of tokens, grants or accounts here.
    pub(crate) principals: crate::fresh::Fresh<String, TokenPrincipal>,
}

/// What an API token stands for: the token, its holder, and the holder's grants.
pub(crate) type TokenPrincipal = (
    onetrip_store::ApiToken,
    onetrip_store::Account,
    Vec<onetrip_store::StoredGrant>,
);

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why security could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("密钥错误：{0}")]
    Vault(#[from] onetrip_vault::VaultError),
    #[error("密码哈希参数错误：{0}")]
    Hash(String),
}

impl Security {
    /// Opens the field cipher from the key file and the stored data keys, creating the
    /// first data key on a new database.
    pub async fn open(
        store: &SharedStore,
        keys: &KeyFile,
        config: AuthConfig,
    ) -> Result<Arc<Security>, SecurityError> {
        let mut stored = store.data_keys().await?;
        if !stored.iter().any(|k| k.active) {
            let id = format!("k{}", stored.len() + 1);
            let wrapped = FieldCipher::new_data_key(keys, &id)?;
            store
                .add_data_key(onetrip_store::StoredDataKey {
                    id: wrapped.id,
                    master_id: wrapped.master_id,
                    wrapped: wrapped.wrapped,
                    active: true,
                })
                .await?;
            stored = store.data_keys().await?;
        }
        let wrapped: Vec<onetrip_vault::WrappedKey> = stored
            .iter()
            .map(|k| onetrip_vault::WrappedKey {
                id: k.id.clone(),
                master_id: k.master_id.clone(),
                wrapped: k.wrapped.clone(),
            })
            .collect();
        let active = stored
            .iter()
            .find(|k| k.active)
            .map(|k| k.id.clone())
            .unwrap_or_default();
        let cipher = FieldCipher::open(keys, &wrapped, &active)?;
        let hasher =
            PasswordHasher::new(config.password).map_err(|e| SecurityError::Hash(e.to_string()))?;
        let signer = Arc::new(onetrip_vault::Sm2Signer::from_key_file(keys)?);
        Ok(Arc::new(Security {
            signer,
            principals: crate::fresh::Fresh::new(crate::fresh::SEEN_WITHIN, 10_000),
            oidc: config.oidc.clone().map(oidc::Oidc::new),
            policy: PasswordPolicy::for_profile(config.profile),
            limiter: RateLimiter::new(config.attempts_per_minute),
            hashing: Semaphore::new(config.hashing_slots.max(1)),
            config,
            hasher,
            cipher,
        }))
    }
}

/// How long a sign-in waits for a free hashing slot before answering "busy".
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

impl Security {
    /// One of the bounded password-hashing slots, waited for at most three seconds; busy
    /// (`Unavailable`) when none frees up.
    pub(crate) async fn hashing_slot(
        &self,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, crate::Error> {
        tokio::time::timeout(HASHING_WAIT, self.hashing.acquire())
            .await
            .map_err(|_| crate::Error::Unavailable("password hashing is saturated".into()))?
            .map_err(|_| crate::Error::Unavailable("password hashing is closed".into()))
    }
}

/// The blind index purpose of identity documents and of phone numbers.
pub const DOCUMENT_INDEX: &str = "person.document";
pub const PHONE_INDEX: &str = "person.phone";

/// The blind index of a document (kind and normalized number).
pub fn document_index(security: &Security, kind: &str, number: &str) -> String {
    security
        .cipher
        .blind_index(DOCUMENT_INDEX, &format!("{kind}:{number}"))
}

/// The blind index of a mobile number, shared by a family's accounts.
pub fn phone_index(security: &Security, phone: &onetrip_domain::person::MobileNumber) -> String {
    security.cipher.blind_index(PHONE_INDEX, phone.as_str())
}

/// The login key of an applicant: their document's blind index.
pub fn applicant_login(security: &Security, kind: &str, number: &str) -> String {
    format!("doc:{}", document_index(security, kind, number))
}

/// Seconds since the Unix epoch on the app's clock.
pub(crate) fn unix(clock: &dyn Clock) -> i64 {
    clock.now().timestamp()
}
