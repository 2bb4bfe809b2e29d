//! Pages of one's own account: sign in (password, then TOTP with enrolment for staff),
//! register as an applicant, my account, sign out.

use crate::auth::client::ClientIp;
use crate::auth::login::{self, LoginStep, Registration};
use crate::auth::{session, Signed};
use crate::error::AppError;
use crate::extract::FormBody;
use crate::pages::{render, Chrome, PageError, PageResult};
use crate::params::Prefs;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use onetrip_domain::access::Role;
use onetrip_domain::auth::TotpSecret;
use onetrip_domain::person::DocumentKind;
use onetrip_store::AccountKind;
use serde::Deserialize;

/// A local path to go to after signing in: one that starts with a single `/` and holds no
/// backslash, control or whitespace character (a browser drops tabs and newlines, so
/// `/\t/evil.example` would lead to another site). Anything else goes to `/me`.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2048
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/me".to_string(),
    }
}

/// One row of the demo banner.
pub struct DemoAccount {
    pub login: String,
    pub role: String,
    pub code: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    c: &'a Chrome,
    next: String,
    login: String,
    error: Option<String>,
    demo: Vec<DemoAccount>,
    demo_password: &'static str,
    /// Whether single sign-on is configured.
    sso: bool,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// In demo mode: every staff account, its role and its current code.
async fn demo_accounts(state: &AppState, c: &Chrome) -> Vec<DemoAccount> {
    if !state.security.config.demo {
        return Vec::new();
    }
    let Ok(accounts) = state.store.staff_accounts().await else {
        return Vec::new();
    };
    let now = state.clock.now().timestamp();
    let mut out = Vec::new();
    for a in accounts {
        let role = match state.store.grants_of(&a.id).await {
            Ok(g) => g
                .first()
                .map(|g| c.label("role", g.grant.role.key()).into_owned())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        let code = a
            .totp_secret
            .as_deref()
            .and_then(|s| state.security.cipher.open_field("account.totp", s).ok())
            .and_then(|b32| TotpSecret::from_base32(&b32))
            .map(|s| s.code_at(now))
            .unwrap_or_default();
        out.push(DemoAccount {
            login: a.login,
            role,
            code,
        });
    }
    out
}

pub async fn login_form(State(state): State<AppState>, prefs: Prefs, uri: Uri) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let params = crate::params::Params::parse(uri.query());
    let demo = demo_accounts(&state, &c).await;
    render(
        &LoginPage {
            c: &c,
            next: safe_next(params.get("next")),
            login: String::new(),
            error: None,
            demo,
            demo_password: crate::auth::demo::DEMO_PASSWORD,
            sso: state.security.oidc.is_some(),
        },
        &c,
    )
}

fn with_cookie(state: &AppState, cookie: &str, to: &str) -> Response {
    (
        [(SET_COOKIE, session::set_cookie(&state.security, cookie))],
        Redirect::to(to),
    )
        .into_response()
}

/// A complete sign-in: its cookies, then on to `to`.
fn signed_in(state: &AppState, done: &login::SignedIn, to: &str) -> Response {
    (
        session::signed_in_cookies(&state.security, done),
        Redirect::to(to),
    )
        .into_response()
}

pub async fn login_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    prefs: Prefs,
    uri: Uri,
    headers: axum::http::HeaderMap,
    FormBody(form): FormBody<LoginForm>,
) -> PageResult {
    let next = safe_next(form.next.as_deref());
    let device = session::device_cookie(&headers, &state.security);
    match login::password_login(&state, &form.login, &form.password, ip, device).await {
        Ok(LoginStep::Complete(done)) => Ok(signed_in(&state, &done, &next)),
        Ok(LoginStep::SecondFactor { cookie, .. }) => {
            Ok(with_cookie(&state, &cookie, "/login/second-factor"))
        }
        Err(e @ (AppError::LoginFailed | AppError::TooMany(_))) => {
            let c = Chrome::new(prefs, &uri);
            let demo = demo_accounts(&state, &c).await;
            let status = (e.status(), axum::response::AppendHeaders(e.headers()));
            let page = LoginPage {
                c: &c,
                next,
                login: form.login.chars().take(64).collect(),
                error: Some(e.message(c.lang)),
                demo,
                demo_password: crate::auth::demo::DEMO_PASSWORD,
                sso: state.security.oidc.is_some(),
            };
            render(&page, &c).map(|r| (status.0, status.1, r).into_response())
        }
        Err(e) => Err(PageError::new(e, prefs, &uri)),
    }
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage<'a> {
    c: &'a Chrome,
    csrf: String,
    /// Enrolment: the QR code, the secret as text, and the sealed secret for the form.
    enrol: Option<(String, String, String)>,
    error: Option<String>,
}

fn qr_svg(text: &str) -> Result<String, AppError> {
    let code =
        qrcode::QrCode::new(text.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build())
}

fn second_factor_page(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    error: Option<String>,
) -> PageResult {
    let csrf = signed.csrf();
    let enrol = if signed.account.totp_secret.is_none() {
        let (secret, sealed) = crate::page_try!(c.clone(), login::pending_secret(state, signed));
        let uri = secret.provisioning_uri("一次办 OneTrip", &signed.account.login);
        let svg = crate::page_try!(c.clone(), qr_svg(&uri));
        Some((svg, group(&secret), sealed))
    } else {
        None
    };
    render(
        &SecondFactorPage {
            c,
            csrf,
            enrol,
            error,
        },
        c,
    )
}

/// The base32 secret in groups of four, for typing into an app by hand.
fn group(secret: &TotpSecret) -> String {
    secret
        .to_base32()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn second_factor_form(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    second_factor_page(&state, &signed, &c, None)
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    pending: Option<String>,
}

pub async fn second_factor_submit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
    headers: axum::http::HeaderMap,
    FormBody(form): FormBody<CodeForm>,
) -> PageResult {
    let device = session::device_cookie(&headers, &state.security);
    let pending = form.pending.as_deref();
    match login::second_factor(&state, &signed, &form.code, pending, device).await {
        Ok(done) => Ok(signed_in(&state, &done, "/me")),
        Err(e @ (AppError::Invalid { .. } | AppError::TooMany(_) | AppError::LockedOut(_))) => {
            let c = Chrome::new(prefs, &uri);
            let status = (e.status(), axum::response::AppendHeaders(e.headers()));
            let message = e.message(c.lang);
            second_factor_page(&state, &signed, &c, Some(message))
                .map(|r| (status.0, status.1, r).into_response())
        }
        Err(e) => Err(PageError::new(e, prefs, &uri)),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    signed: Option<Extension<Signed>>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    if let Some(Extension(s)) = signed {
        if let Err(e) = login::logout(&state, &s).await {
            return Err(PageError::new(e, prefs, &uri));
        }
    }
    Ok(([session::clear_cookie(&state.security)], Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    c: &'a Chrome,
    kinds: &'static [DocumentKind],
    form: Option<Registration>,
    error: Option<(String, String)>,
}

pub async fn register_form(prefs: Prefs, uri: Uri) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    render(
        &RegisterPage {
            c: &c,
            kinds: DocumentKind::ALL,
            form: None,
            error: None,
        },
        &c,
    )
}

pub async fn register_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    prefs: Prefs,
    uri: Uri,
    FormBody(form): FormBody<Registration>,
) -> PageResult {
    match login::register(&state, &form, ip).await {
        Ok(done) => Ok(signed_in(&state, &done, "/me")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. } | AppError::TooMany(_))) => {
            let c = Chrome::new(prefs, &uri);
            let status = (e.status(), axum::response::AppendHeaders(e.headers()));
            let field = e.field().unwrap_or_default().to_string();
            let message = e.message(c.lang);
            let mut kept = form;
            kept.password.clear();
            let page = RegisterPage {
                c: &c,
                kinds: DocumentKind::ALL,
                form: Some(kept),
                error: Some((field, message)),
            };
            render(&page, &c).map(|r| (status.0, status.1, r).into_response())
        }
        Err(e) => Err(PageError::new(e, prefs, &uri)),
    }
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage<'a> {
    c: &'a Chrome,
    signed: &'a Signed,
    person: Option<onetrip_store::PersonRecord>,
    roles: Vec<(Role, String, usize)>,
    relations: Vec<crate::people::Relation>,
    csrf: String,
    /// A confirmation to show (`withdrawn`, `token_revoked`).
    done: Option<String>,
    /// Staff: their live API tokens, and a token just issued (name and secret, once).
    tokens: Vec<onetrip_store::ApiToken>,
    issued: Option<(String, String)>,
    error: Option<String>,
    /// The previous sign-in, in China time.
    previous: Option<(String, String)>,
}

pub async fn me(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let done = crate::params::Params::parse(uri.query())
        .get("done")
        .map(|d| c.label("done", d).into_owned());
    me_page(&state, &signed, &c, done, None, None).await
}

/// The account page: with a confirmation, a token just issued, or an error.
async fn me_page(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    done: Option<String>,
    issued: Option<(String, String)>,
    error: Option<String>,
) -> PageResult {
    let c = c.clone();
    let person = if signed.account.kind == AccountKind::Applicant {
        crate::page_try!(c, state.store.person(&signed.account.id).await)
    } else {
        None
    };
    let relations = if signed.account.kind == AccountKind::Applicant {
        crate::page_try!(c, crate::people::relations(state, &signed.account.id).await)
    } else {
        Vec::new()
    };
    let view = state.view.get();
    let roles = signed
        .grants
        .iter()
        .map(|g| {
            (
                g.role,
                view.division_name(g.division.as_str()),
                g.matters.len(),
            )
        })
        .collect();
    let tokens = if signed.is_staff() {
        crate::page_try!(
            c,
            crate::admin_pages::admin(state)
                .own_tokens(&signed.account.id)
                .await
        )
    } else {
        Vec::new()
    };
    let previous = signed.account.previous_login.as_ref().map(|p| {
        let china = p.at + chrono::Duration::hours(8);
        (china.format("%Y-%m-%d %H:%M").to_string(), p.source.clone())
    });
    let html = render(
        &MePage {
            c: &c,
            signed,
            person,
            roles,
            relations,
            csrf: signed.csrf(),
            done,
            tokens,
            issued,
            error,
            previous,
        },
        &c,
    )?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], html).into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    days: String,
}

/// Issues a token to the signed-in staff member and shows its secret once.
pub async fn token_issue(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
    FormBody(form): FormBody<TokenForm>,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let days = match form.days.trim() {
        "" => Ok(None),
        d => d
            .parse::<u32>()
            .map(Some)
            .map_err(|_| crate::auth::staff::bad_token_days(d)),
    };
    let scopes = vec![form.scope.trim().to_string()];
    let result = match days {
        Ok(days) => {
            crate::admin_pages::admin(&state)
                .issue_own_token(&signed, &form.name, scopes, days)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(issued) => {
            let name = form.name.trim().to_string();
            me_page(&state, &signed, &c, None, Some((name, issued.token)), None).await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Refused(_))) => {
            let status = e.status();
            let message = e.message(c.lang);
            me_page(&state, &signed, &c, None, None, Some(message))
                .await
                .map(|r| (status, r).into_response())
        }
        Err(e) => Err(PageError(e, c)),
    }
}

/// Revokes one of the signed-in staff member's own tokens.
pub async fn token_revoke(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    axum::extract::Path(id): axum::extract::Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    crate::page_try!(
        Chrome::new(prefs, &uri),
        crate::admin_pages::admin(&state)
            .revoke_own_token(&crate::admin_pages::actor(&signed), &id)
            .await
    );
    Ok(Redirect::to("/me?done=token_revoked").into_response())
}

/// Withdraws a representation from the me page (either side).
pub async fn withdraw_representation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    axum::extract::Path(id): axum::extract::Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    crate::page_try!(
        Chrome::new(prefs, &uri),
        crate::people::withdraw_representation(&state, &signed, &id, "POST", uri.path()).await
    );
    Ok(Redirect::to("/me?done=withdrawn").into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    c: &'a Chrome,
    csrf: String,
    expired: bool,
    error: Option<String>,
    done: bool,
}

fn password_page(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    error: Option<String>,
    done: bool,
) -> PageResult {
    let expired = signed.account.must_change_password
        || signed.account.password_changed_at.is_some_and(|t| {
            state.security.policy.expired(
                (t + chrono::Duration::hours(8)).date_naive(),
                state.clock.today(),
            )
        });
    render(
        &PasswordPage {
            c,
            csrf: signed.csrf(),
            expired,
            error,
            done,
        },
        c,
    )
}

pub async fn password_form(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let done = crate::params::Params::parse(uri.query())
        .get("done")
        .is_some();
    password_page(&state, &signed, &c, None, done)
}

#[derive(Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
    FormBody(form): FormBody<PasswordChange>,
) -> PageResult {
    match login::change_password(&state, &signed, &form.current_password, &form.new_password).await
    {
        Ok(()) => Ok(Redirect::to("/me/password?done=1").into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::TooMany(_))) => {
            let c = Chrome::new(prefs, &uri);
            let status = (e.status(), axum::response::AppendHeaders(e.headers()));
            let message = e.message(c.lang);
            password_page(&state, &signed, &c, Some(message), false)
                .map(|r| (status.0, status.1, r).into_response())
        }
        Err(e) => Err(PageError::new(e, prefs, &uri)),
    }
}

/// The cookie that carries the sealed state, nonce and destination of a single sign-on.
const SSO_COOKIE: &str = "onetrip-sso";
const SSO_CONTEXT: &str = "oidc.state";

fn sso_cookie(state: &AppState, value: &str, max_age: i64) -> axum::http::HeaderValue {
    let secure = if state.security.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    axum::http::HeaderValue::from_str(&format!(
        "{SSO_COOKIE}={value}; Path=/login/sso; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| axum::http::HeaderValue::from_static(""))
}

/// Starts single sign-on: to the provider, with a fresh state and nonce.
pub async fn sso_start(State(state): State<AppState>, prefs: Prefs, uri: Uri) -> PageResult {
    let fail = |e: AppError| PageError::new(e, prefs.clone(), &uri);
    let Some(oidc) = &state.security.oidc else {
        return Err(fail(AppError::NotFound("/login/sso".into())));
    };
    let next = safe_next(crate::params::Params::parse(uri.query()).get("next"));
    let (flow, nonce) = (
        onetrip_vault::new_secret().map_err(|e| fail(e.into()))?,
        onetrip_vault::new_secret().map_err(|e| fail(e.into()))?,
    );
    let sealed = state
        .security
        .cipher
        .seal(SSO_CONTEXT, &format!("{flow} {nonce} {next}"))
        .map_err(|e| fail(e.into()))?;
    let to = oidc.authorize_url(&flow, &nonce).await.map_err(fail)?;
    Ok((
        [(SET_COOKIE, sso_cookie(&state, &sealed, 600))],
        Redirect::to(&to),
    )
        .into_response())
}

/// The provider's answer: check the state, verify the ID token, sign in.
pub async fn sso_callback(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    prefs: Prefs,
    uri: Uri,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let fail = |e: AppError| PageError::new(e, prefs.clone(), &uri);
    let Some(oidc) = &state.security.oidc else {
        return Err(fail(AppError::NotFound("/login/sso".into())));
    };
    let params = crate::params::Params::parse(uri.query());
    let sealed = crate::params::cookie(&headers, SSO_COOKIE).ok_or_else(|| fail(AppError::Csrf))?;
    let opened = state
        .security
        .cipher
        .open_field(SSO_CONTEXT, sealed)
        .map_err(|_| fail(AppError::Csrf))?;
    let mut parts = opened.splitn(3, ' ');
    let (Some(flow), Some(nonce), Some(next)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(fail(AppError::Csrf));
    };
    if params.get("state") != Some(flow) {
        return Err(fail(AppError::Csrf));
    }
    let Some(code) = params.get("code") else {
        return Err(fail(AppError::LoginFailed));
    };
    let claims = oidc.claims(code, nonce).await.map_err(fail)?;
    let done = login::single_sign_on(&state, &claims, ip)
        .await
        .map_err(fail)?;
    let mut response = signed_in(&state, &done, &safe_next(Some(next)));
    response
        .headers_mut()
        .append(SET_COOKIE, sso_cookie(&state, "", 0));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/guide/123?lang=en")), "/guide/123?lang=en");
        for bad in [
            "/\t/evil.example",
            "/\u{9}/evil.example",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/me\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/me", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/me");
    }
}
