//! The hall's self-service kiosk: a browser that opened `/kiosk` carries a kiosk cookie, so
//! every page is in large type with a button that ends the visit, returns to the start by
//! itself after two minutes untouched, and a session there ends after ten minutes (three
//! idle) whatever the hall's usual limits. Opening the start signs out whoever was there
//! before and forgets their device.

use crate::auth::cookies;
use crate::error::Answer;
use crate::page::{render, Chrome};
use crate::params::{Prefs, KIOSK_COOKIE};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use onetrip_app::Signed;

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage<'a> {
    c: &'a Chrome,
}

/// The cookies that end a visit: the session and the device are forgotten, the kiosk
/// cookie stays.
fn fresh_start(state: &AppState, mut answer: Response) -> Response {
    let secure = if state.security.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let headers = answer.headers_mut();
    let (name, value) = cookies::clear_cookie(&state.security);
    headers.append(name, value);
    for cookie in [
        format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
            cookies::device_cookie_name(&state.security)
        ),
        format!("{KIOSK_COOKIE}=1; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            headers.append(SET_COOKIE, v);
        }
    }
    answer
}

/// The kiosk's start page.
pub async fn start(
    State(state): State<AppState>,
    signed: Option<Extension<Signed>>,
    mut prefs: Prefs,
    uri: Uri,
) -> Answer {
    if let Some(Extension(s)) = signed {
        state.logout(&s).await?;
    }
    prefs.kiosk = true;
    prefs.large = true;
    prefs.user = None;
    let c = Chrome::new(prefs, &uri);
    Ok(fresh_start(&state, render(&KioskPage { c: &c })?))
}

/// Ends the visit at the kiosk and returns to its start.
pub async fn end(State(state): State<AppState>, signed: Option<Extension<Signed>>) -> Answer {
    if let Some(Extension(s)) = signed {
        state.logout(&s).await?;
    }
    Ok(fresh_start(&state, Redirect::to("/kiosk").into_response()))
}
