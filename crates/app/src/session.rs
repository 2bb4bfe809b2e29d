//! Sessions: a random id the browser holds, stored only as its hash, with idle and
//! absolute expiry checked on every request.

use crate::security::Security;
use chrono::{DateTime, Utc};
use onetrip_store::{Account, Session, SessionStage, SharedStore, StoreError};

/// Activity is written back at most this often (each request would otherwise write).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A new session (and the id to give the browser).
pub fn new_session(
    account: &Account,
    stage: SessionStage,
    source: &str,
    now: DateTime<Utc>,
    security: &Security,
) -> Result<(String, Session), onetrip_vault::VaultError> {
    let id = onetrip_vault::new_secret()?;
    let csrf = onetrip_vault::new_secret()?;
    let session = Session {
        id_hash: onetrip_vault::secret_hash(&id),
        account_id: account.id.clone(),
        stage,
        csrf_token: csrf,
        source: source.to_string(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + security.config.absolute,
    };
    Ok((id, session))
}

/// The live session for a cookie value: expired ones are ended and count as none; so are
/// sessions of disabled accounts.
pub async fn load(
    store: &SharedStore,
    security: &Security,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Session, Account)>, StoreError> {
    let hash = onetrip_vault::secret_hash(id);
    let Some((session, account)) = store.session(&hash).await? else {
        return Ok(None);
    };
    let idle_over = now - session.last_seen_at > security.config.idle;
    let stage_over = session.stage == SessionStage::SecondFactor
        && now - session.created_at > chrono::Duration::minutes(10);
    if now >= session.expires_at || idle_over || stage_over || account.disabled_at.is_some() {
        store.end_session(&hash, None).await?;
        return Ok(None);
    }
    if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECONDS {
        store.touch_session(&hash, now).await?;
    }
    Ok(Some((session, account)))
}
