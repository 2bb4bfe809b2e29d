//! The session cookie: a random id the browser holds, stored only as its hash, with idle
//! and absolute expiry checked on every request.

use crate::auth::Security;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use onetrip_store::{Account, Session, SessionStage, SharedStore, StoreError};

/// Activity is written back at most this often (each request would otherwise write).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// The cookie's name: `__Host-` prefixed when cookies are `Secure`.
pub fn cookie_name(security: &Security) -> &'static str {
    if security.config.secure_cookies {
        "__Host-onetrip-session"
    } else {
        "onetrip-session"
    }
}

/// The session id in the request's cookie, if any.
pub fn session_cookie<'a>(parts: &'a Parts, security: &Security) -> Option<&'a str> {
    crate::params::cookie(&parts.headers, cookie_name(security))
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// `Set-Cookie` for a new session id.
pub fn set_cookie(security: &Security, id: &str) -> HeaderValue {
    let secure = if security.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = security.config.absolute.num_seconds();
    HeaderValue::from_str(&format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cookie_name(security)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The device cookie's name: `__Host-` prefixed when cookies are `Secure`.
pub fn device_cookie_name(security: &Security) -> &'static str {
    if security.config.secure_cookies {
        "__Host-onetrip-device"
    } else {
        "onetrip-device"
    }
}

/// The sealed device cookie a request carries, if any.
pub fn device_cookie<'a>(
    headers: &'a axum::http::HeaderMap,
    security: &Security,
) -> Option<&'a str> {
    crate::params::cookie(headers, device_cookie_name(security)).filter(|v| v.len() <= 512)
}

/// The `Set-Cookie` headers of a complete sign-in: the session, and the device (kept a
/// year: the account's owner is recognised on it even while someone guesses elsewhere).
pub fn signed_in_cookies(
    security: &Security,
    done: &crate::auth::login::SignedIn,
) -> axum::response::AppendHeaders<[(axum::http::HeaderName, HeaderValue); 2]> {
    let secure = if security.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let device = HeaderValue::from_str(&format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}",
        device_cookie_name(security),
        done.device
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""));
    axum::response::AppendHeaders([
        (SET_COOKIE, set_cookie(security, &done.cookie)),
        (SET_COOKIE, device),
    ])
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(security: &Security) -> (axum::http::HeaderName, HeaderValue) {
    let secure = if security.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    (
        SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
            cookie_name(security)
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

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
