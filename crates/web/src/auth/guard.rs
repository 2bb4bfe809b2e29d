//! The route guard: every route declares its [`Access`]; the guard resolves who is asking
//! (session cookie or API token), refuses by default, records refusals in the audit log,
//! and hands the handler a [`Signed`] principal.

use crate::auth::{client, session};
use crate::error::{ApiError, AppError};
use crate::pages::PageError;
use crate::params::Prefs;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use onetrip_domain::access::{holds, Grant, Permission};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_store::{Account, AccountKind, Session, SessionStage, StoredGrant};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A session whose password was accepted and whose second factor is due.
    SecondFactor,
    /// Any signed-in account (handlers check that objects are the caller's own).
    SignedIn,
    /// Any signed-in staff account, whatever it holds (its own things only).
    AnyStaff,
    /// Staff holding this permission in some grant (handlers check the object's scope).
    Staff(Permission),
    /// Staff whose grant allows seeing personal numbers in full (each view is recorded).
    Unmask,
}

/// The account a request acts as.
#[derive(Debug, Clone)]
pub struct Signed {
    pub account: Account,
    pub grants: Vec<Grant>,
    /// None for API tokens.
    pub session: Option<Session>,
    /// The client address (after the trusted-proxy rule).
    pub source: String,
}

impl Signed {
    pub fn holds(&self, permission: Permission) -> bool {
        holds(&self.grants, permission)
    }

    pub fn is_staff(&self) -> bool {
        self.account.kind == AccountKind::Staff
    }

    /// The session's CSRF token, for forms (empty for API tokens, which need none).
    pub fn csrf(&self) -> String {
        self.session
            .as_ref()
            .map(|s| s.csrf_token.clone())
            .unwrap_or_default()
    }

    /// Whether some business grant lets the holder see personal numbers in full (an
    /// administrator role never does).
    pub fn may_unmask(&self) -> bool {
        self.grants
            .iter()
            .any(|g| g.unmask && !g.role.is_administrator())
    }

    /// An audit record with this principal as the actor.
    pub fn audit(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        event: AuditEvent,
        object: Option<String>,
        outcome: Outcome,
    ) -> AuditRecord {
        AuditRecord {
            at,
            actor: Some(self.account.id.clone()),
            source: self.source.clone(),
            event,
            object,
            outcome,
            detail: String::new(),
        }
    }
}

/// What a refused request gets: pages a login redirect or an error page in the visitor's
/// language, the API a JSON error.
pub(crate) fn refuse(parts: &Parts, error: AppError) -> Response {
    let prefs = Prefs::of(parts);
    let path = parts.uri.path();
    if path.starts_with("/api/") {
        return ApiError(error, prefs.lang).into_response();
    }
    if matches!(error, AppError::PasswordExpired) && parts.method == axum::http::Method::GET {
        return Redirect::to("/me/password").into_response();
    }
    if matches!(error, AppError::Unauthorized) && parts.method == axum::http::Method::GET {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let encoded =
            percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC);
        return Redirect::to(&format!("/login?next={encoded}")).into_response();
    }
    PageError::new(error, prefs, &parts.uri).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The grants an account acts with: never one it gave itself, never a business role beside
/// an administrator role (三员分立), never unmasking with an administrator role, whatever
/// the database may still hold from before these rules.
pub fn effective(account_id: &str, stored: Vec<StoredGrant>) -> Vec<StoredGrant> {
    let mut grants: Vec<StoredGrant> = stored
        .into_iter()
        .filter(|g| g.granted_by.as_deref() != Some(account_id))
        .collect();
    if grants.iter().any(|g| g.grant.role.is_administrator()) {
        grants.retain(|g| g.grant.role.is_administrator());
        for g in &mut grants {
            g.grant.unmask = false;
        }
    }
    grants
}

/// The live token a request's `Authorization: Bearer` names and its enabled account, if
/// any: `None` when there is no bearer token or it does not work.
pub async fn token_holder(
    state: &AppState,
    parts: &Parts,
) -> Result<Option<(onetrip_store::ApiToken, Account)>, AppError> {
    let Some(token) = bearer(&parts.headers) else {
        return Ok(None);
    };
    let now = state.clock.now();
    Ok(state
        .store
        .token(&onetrip_vault::secret_hash(token))
        .await?
        .filter(|(t, a)| t.expires_at.is_none_or(|e| e > now) && a.disabled_at.is_none()))
}

/// Resolves the caller from the session cookie or an API token.
pub async fn resolve(state: &AppState, parts: &Parts) -> Result<Option<Signed>, AppError> {
    let security = &state.security;
    let source = client::client_ip(parts, &security.config.trusted_proxies).to_string();
    let now = state.clock.now();
    if bearer(&parts.headers).is_some() {
        let Some((t, account)) = token_holder(state, parts).await? else {
            return Err(AppError::Unauthorized);
        };
        // A token carries the business grants its holder chose when issuing it, as long as
        // the holder keeps them; never an administrator role.
        let grants = effective(&account.id, state.store.grants_of(&account.id).await?)
            .into_iter()
            .filter(|g| t.grant_ids.contains(&g.id) && !g.grant.role.is_administrator())
            .map(|g| g.grant)
            .collect();
        return Ok(Some(Signed {
            account,
            grants,
            session: None,
            source,
        }));
    }
    let Some(id) = session::session_cookie(parts, security) else {
        return Ok(None);
    };
    let Some((session, account)) = session::load(&state.store, security, id, now).await? else {
        return Ok(None);
    };
    let grants = if account.kind == AccountKind::Staff && session.stage == SessionStage::Complete {
        effective(&account.id, state.store.grants_of(&account.id).await?)
            .into_iter()
            .map(|g| g.grant)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(Signed {
        account,
        grants,
        session: Some(session),
        source,
    }))
}

/// Checks `access` for the request and passes the principal on as an extension.
pub async fn guard(
    state: State<AppState>,
    access: Access,
    request: Request,
    next: Next,
) -> Response {
    let State(state) = state;
    let (mut parts, body) = request.into_parts();
    let signed = match access {
        Access::Public
            if session::session_cookie(&parts, &state.security).is_none()
                && bearer(&parts.headers).is_none() =>
        {
            None
        }
        _ => match resolve(&state, &parts).await {
            Ok(s) => s,
            Err(e) if access == Access::Public => {
                if !matches!(e, AppError::Unauthorized) {
                    e.log();
                }
                None
            }
            Err(e) => return refuse(&parts, e),
        },
    };
    let complete = signed.as_ref().filter(|s| {
        s.session
            .as_ref()
            .is_none_or(|x| x.stage == SessionStage::Complete)
    });
    let verdict: Result<(), AppError> = match access {
        Access::Public => Ok(()),
        Access::SecondFactor => match &signed {
            Some(s)
                if s.session
                    .as_ref()
                    .is_some_and(|x| x.stage == SessionStage::SecondFactor) =>
            {
                Ok(())
            }
            Some(_) if complete.is_some() => Err(AppError::Forbidden),
            _ => Err(AppError::Unauthorized),
        },
        Access::SignedIn => match complete {
            Some(_) => Ok(()),
            None => Err(AppError::Unauthorized),
        },
        Access::AnyStaff => match complete {
            Some(s) if s.is_staff() => Ok(()),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthorized),
        },
        Access::Staff(permission) => match complete {
            Some(s) if s.is_staff() && s.holds(permission) => Ok(()),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthorized),
        },
        Access::Unmask => match complete {
            Some(s) if s.is_staff() && s.may_unmask() => Ok(()),
            Some(_) => Err(AppError::Forbidden),
            None => Err(AppError::Unauthorized),
        },
    };
    if let Err(e) = verdict {
        if let (AppError::Forbidden, Some(s)) = (&e, &signed) {
            let mut record = s.audit(
                state.clock.now(),
                AuditEvent::AccessDenied,
                Some(format!("{} {}", parts.method, parts.uri.path())),
                Outcome::Denied,
            );
            record.detail = format!("{access:?}");
            if let Err(err) = state.store.append_audit(record).await {
                return refuse(&parts, err.into());
            }
        }
        return refuse(&parts, e);
    }
    if let Some(s) = complete {
        if access != Access::Public
            && password_expired(&state, s)
            && !PASSWORD_ROUTES.contains(&parts.uri.path())
        {
            return refuse(&parts, AppError::PasswordExpired);
        }
    }
    if let Some(s) = signed {
        parts.extensions.insert(s);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Where an account whose password has expired may still go.
const PASSWORD_ROUTES: &[&str] = &["/me/password", "/api/v1/me/password", "/api/v1/session"];

/// Whether the owner must set a new password first: one set by someone else, or one the
/// password policy (the `mlps` profile) has let expire.
fn password_expired(state: &AppState, signed: &Signed) -> bool {
    signed.session.is_some()
        && (signed.account.must_change_password
            || signed.account.password_changed_at.is_some_and(|changed| {
                let china = |t: chrono::DateTime<chrono::Utc>| {
                    (t + chrono::Duration::hours(8)).date_naive()
                };
                state
                    .security
                    .policy
                    .expired(china(changed), state.clock.today())
            }))
}
