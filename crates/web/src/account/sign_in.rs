//! Signing in and out: the password (then, for staff, the second factor with enrolment),
//! single sign-on, applicants' registration. A refused attempt shows the form again with
//! why, in the visitor's language.

use crate::auth::client::ClientIp;
use crate::auth::cookies;
use crate::error::{Answer, Error};
use crate::extract::FormBody;
use crate::page::{render, render_refused, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use onetrip_app::demo::{DemoAccount, DEMO_PASSWORD};
use onetrip_app::login::{LoginStep, SignedIn};
use onetrip_app::register::Registration;
use onetrip_app::Signed;
use onetrip_domain::auth::TotpSecret;
use onetrip_domain::person::DocumentKind;
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

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    c: &'a Chrome,
    next: String,
    login: String,
    error: Option<String>,
    demo: Vec<DemoRow>,
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

/// One row of the demo banner: a staff login, its role, its current code.
pub struct DemoRow {
    pub login: String,
    pub role: String,
    pub code: String,
}

/// In demo mode: every staff account, its role and its current code.
async fn demo_accounts(state: &AppState, c: &Chrome) -> Result<Vec<DemoRow>, Error> {
    let label = |a: DemoAccount| {
        let role = a.role.map(|r| c.label("role", &r).into_owned());
        DemoRow {
            login: a.login,
            role: role.unwrap_or_default(),
            code: a.code,
        }
    };
    Ok(state
        .demo_accounts()
        .await?
        .into_iter()
        .map(label)
        .collect())
}

fn login_page<'a>(
    state: &AppState,
    c: &'a Chrome,
    next: String,
    login: String,
    error: Option<String>,
    demo: Vec<DemoRow>,
) -> LoginPage<'a> {
    LoginPage {
        c,
        next,
        login,
        error,
        demo,
        demo_password: DEMO_PASSWORD,
        sso: state.security.oidc.is_some(),
    }
}

pub async fn login_form(State(state): State<AppState>, c: Chrome, params: Params) -> Answer {
    let demo = demo_accounts(&state, &c).await?;
    let next = safe_next(params.get("next"));
    render(&login_page(&state, &c, next, String::new(), None, demo))
}

fn with_cookie(state: &AppState, cookie: &str, to: &str) -> Response {
    (
        [(SET_COOKIE, cookies::set_cookie(&state.security, cookie))],
        Redirect::to(to),
    )
        .into_response()
}

/// A complete sign-in: its cookies, then on to `to`.
fn signed_in(state: &AppState, done: &SignedIn, to: &str) -> Response {
    (
        cookies::signed_in_cookies(&state.security, done),
        Redirect::to(to),
    )
        .into_response()
}

pub async fn login_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    headers: HeaderMap,
    FormBody(form): FormBody<LoginForm>,
) -> Answer {
    let next = safe_next(form.next.as_deref());
    let device = cookies::device_cookie(&headers, &state.security);
    match state
        .password_login(&form.login, &form.password, ip, device)
        .await
    {
        Ok(LoginStep::Complete(done)) => Ok(signed_in(&state, &done, &next)),
        Ok(LoginStep::SecondFactor { cookie, .. }) => {
            Ok(with_cookie(&state, &cookie, "/login/second-factor"))
        }
        Err(e @ (Error::LoginFailed | Error::TooMany(_))) => {
            let demo = demo_accounts(&state, &c).await?;
            let login = form.login.chars().take(64).collect();
            let error = Some(e.message(c.lang));
            render_refused(&e, &login_page(&state, &c, next, login, error, demo))
        }
        Err(e) => Err(e.into()),
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

fn second_factor_page(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    error: Option<String>,
) -> Answer {
    let csrf = signed.csrf();
    let enrol = if signed.account.totp_secret.is_none() {
        let (secret, sealed) = state.pending_secret(signed)?;
        let uri = secret.provisioning_uri("一次办 OneTrip", &signed.account.login);
        let svg = crate::page::qr_svg(&uri)?;
        Some((svg, group(&secret), sealed))
    } else {
        None
    };
    render(&SecondFactorPage {
        c,
        csrf,
        enrol,
        error,
    })
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
    c: Chrome,
) -> Answer {
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
    c: Chrome,
    headers: HeaderMap,
    FormBody(form): FormBody<CodeForm>,
) -> Answer {
    let device = cookies::device_cookie(&headers, &state.security);
    let pending = form.pending.as_deref();
    match state
        .second_factor(&signed, &form.code, pending, device)
        .await
    {
        Ok(done) => Ok(signed_in(&state, &done, "/me")),
        Err(e @ (Error::Invalid { .. } | Error::TooMany(_) | Error::LockedOut(_))) => {
            let page = second_factor_page(&state, &signed, &c, Some(e.message(c.lang)))?;
            Ok(crate::error::refused_with(&e, page))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(State(state): State<AppState>, signed: Option<Extension<Signed>>) -> Answer {
    if let Some(Extension(s)) = signed {
        state.logout(&s).await?;
    }
    Ok(([cookies::clear_cookie(&state.security)], Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    c: &'a Chrome,
    kinds: &'static [DocumentKind],
    form: Option<Registration>,
    error: Option<(String, String)>,
}

pub async fn register_form(c: Chrome) -> Answer {
    render(&RegisterPage {
        c: &c,
        kinds: DocumentKind::ALL,
        form: None,
        error: None,
    })
}

pub async fn register_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    FormBody(form): FormBody<Registration>,
) -> Answer {
    match state.register(&form, ip).await {
        Ok(done) => Ok(signed_in(&state, &done, "/me")),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. } | Error::TooMany(_))) => {
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
            render_refused(&e, &page)
        }
        Err(e) => Err(e.into()),
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
pub async fn sso_start(State(state): State<AppState>, params: Params) -> Answer {
    let Some(oidc) = &state.security.oidc else {
        return Err(Error::NotFound("/login/sso".into()).into());
    };
    let next = safe_next(params.get("next"));
    let (flow, nonce) = (onetrip_vault::new_secret()?, onetrip_vault::new_secret()?);
    let sealed = state
        .security
        .cipher
        .seal(SSO_CONTEXT, &format!("{flow} {nonce} {next}"))?;
    let to = oidc.authorize_url(&flow, &nonce).await?;
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
    params: Params,
    headers: HeaderMap,
) -> Answer {
    let Some(oidc) = &state.security.oidc else {
        return Err(Error::NotFound("/login/sso".into()).into());
    };
    let sealed = crate::params::cookie(&headers, SSO_COOKIE).ok_or(Error::Csrf)?;
    let opened = state
        .security
        .cipher
        .open_field(SSO_CONTEXT, sealed)
        .map_err(|_| Error::Csrf)?;
    let mut parts = opened.splitn(3, ' ');
    let (Some(flow), Some(nonce), Some(next)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::Csrf.into());
    };
    if params.get("state") != Some(flow) {
        return Err(Error::Csrf.into());
    }
    let Some(code) = params.get("code") else {
        return Err(Error::LoginFailed.into());
    };
    let claims = oidc.claims(code, nonce).await?;
    let done = state.single_sign_on(&claims, ip).await?;
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
