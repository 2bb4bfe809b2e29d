//! The route guard: every route declares its [`Access`]; the guard resolves who is asking
//! (session cookie or API token), refuses by default, records refusals in the audit log,
//! and hands the handler a [`Signed`] principal.

use crate::answer::respond;
use crate::auth::{client, cookies};
use crate::error::Error;
use crate::params::Prefs;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use onetrip_app::Signed;
use onetrip_domain::access::Permission;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A session whose password was accepted and whose second factor is due.
    SecondFactor,
    /// Any signed-in account (handlers check that objects are the caller's own).
    SignedIn,
    /// A signed-in applicant (a person or their agent), not staff: applying online and
    /// one's own cases.
    Applicant,
    /// Any signed-in staff account, whatever it holds (its own things only).
    AnyStaff,
    /// Staff holding this permission in some grant (handlers check the object's scope).
    Staff(Permission),
    /// Staff whose grant allows seeing personal numbers in full (each view is recorded).
    Unmask,
}

/// What a refused request gets: pages a login redirect or an error page in the visitor's
/// language, the API a JSON error.
pub(crate) fn refuse(parts: &Parts, error: Error) -> Response {
    let page_get = !parts.uri.path().starts_with("/api/") && parts.method == Method::GET;
    match error {
        Error::PasswordExpired if page_get => Redirect::to("/me/password").into_response(),
        Error::Unauthorized if page_get => {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let encoded =
                percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC);
            Redirect::to(&format!("/login?next={encoded}")).into_response()
        }
        e => respond(&e, Prefs::of(parts), &parts.uri),
    }
}

/// The secret of the request's `Authorization: Bearer` token, if it has one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Resolves the caller from an API token (which must work) or the session cookie.
async fn resolve(state: &AppState, parts: &Parts) -> Result<Option<Signed>, Error> {
    let source = client::client_ip(parts, &state.security.config.trusted_proxies).to_string();
    if let Some(secret) = bearer(&parts.headers) {
        return state.by_token(secret, &source).await.map(Some);
    }
    let signed = match cookies::session_cookie(parts, &state.security) {
        Some(id) => state.by_session(id, &source).await?,
        None => None,
    };
    match signed {
        Some(s) if crate::params::is_kiosk(&parts.headers) && kiosk_over(state, &s) => {
            state.logout(&s).await?;
            Ok(None)
        }
        s => Ok(s),
    }
}

/// A kiosk's session lasts this long at most…
const KIOSK_SESSION_MINUTES: i64 = 10;
/// …and ends after this long untouched (activity is recorded to the minute).
const KIOSK_IDLE_MINUTES: i64 = 3;

/// Whether a session at the kiosk has run out, whatever the hall's usual limits.
fn kiosk_over(state: &AppState, signed: &Signed) -> bool {
    let now = state.clock.now();
    signed.session.as_ref().is_some_and(|s| {
        now - s.created_at > chrono::Duration::minutes(KIOSK_SESSION_MINUTES)
            || now - s.last_seen_at > chrono::Duration::minutes(KIOSK_IDLE_MINUTES)
    })
}

/// Whether `signed` may call a route declared with `access`.
fn verdict(access: Access, signed: Option<&Signed>) -> Result<(), Error> {
    let complete = signed.filter(|s| s.is_complete());
    let staff_with = |ok: fn(&Signed) -> bool| match complete {
        Some(s) if s.is_staff() && ok(s) => Ok(()),
        Some(_) => Err(Error::Forbidden),
        None => Err(Error::Unauthorized),
    };
    match access {
        Access::Public => Ok(()),
        Access::SecondFactor => match signed {
            Some(s) if s.awaits_second_factor() => Ok(()),
            Some(_) if complete.is_some() => Err(Error::Forbidden),
            _ => Err(Error::Unauthorized),
        },
        Access::SignedIn => complete.map(|_| ()).ok_or(Error::Unauthorized),
        Access::Applicant => match complete {
            Some(s) if !s.is_staff() => Ok(()),
            Some(_) => Err(Error::Forbidden),
            None => Err(Error::Unauthorized),
        },
        Access::AnyStaff => staff_with(|_| true),
        Access::Staff(permission) => match complete {
            Some(s) if s.is_staff() && s.holds(permission) => Ok(()),
            Some(_) => Err(Error::Forbidden),
            None => Err(Error::Unauthorized),
        },
        Access::Unmask => staff_with(Signed::may_unmask),
    }
}

/// Checks `access` for the request and passes the principal on as an extension.
pub async fn guard(
    State(state): State<AppState>,
    access: Access,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let anonymous = cookies::session_cookie(&parts, &state.security).is_none()
        && bearer(&parts.headers).is_none();
    let signed = match access {
        Access::Public if anonymous => None,
        _ => match resolve(&state, &parts).await {
            Ok(s) => s,
            Err(e) if access == Access::Public => {
                if !matches!(e, Error::Unauthorized) {
                    e.log();
                }
                None
            }
            Err(e) => return refuse(&parts, e),
        },
    };
    if let Err(e) = verdict(access, signed.as_ref()) {
        if let (Error::Forbidden, Some(s)) = (&e, &signed) {
            let what = format!("{} {}", parts.method, parts.uri.path());
            if let Err(err) = state.record_denied(s, what, format!("{access:?}")).await {
                return refuse(&parts, err);
            }
        }
        return refuse(&parts, e);
    }
    if let Some(s) = signed.as_ref().filter(|s| s.is_complete()) {
        if access != Access::Public
            && state.password_expired(s)
            && !PASSWORD_ROUTES.contains(&parts.uri.path())
        {
            return refuse(&parts, Error::PasswordExpired);
        }
    }
    if let Some(s) = signed {
        parts.extensions.insert(s);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Where an account whose password has expired may still go.
const PASSWORD_ROUTES: &[&str] = &["/me/password", "/api/v1/me/password", "/api/v1/session"];
