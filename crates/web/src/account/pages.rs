//! One's own account: the account page (identity masked, roles, representations, the
//! previous sign-in, staff's own API tokens), changing the password, withdrawing a
//! representation.

use crate::error::{Answer, Error};
use crate::extract::FormBody;
use crate::page::{render, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use onetrip_app::staff::{bad_token_days, Actor};
use onetrip_app::Signed;
use onetrip_domain::access::Role;
use onetrip_store::AccountKind;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "me.html")]
struct MePage<'a> {
    c: &'a Chrome,
    signed: &'a Signed,
    person: Option<onetrip_store::PersonRecord>,
    roles: Vec<(Role, String, usize)>,
    relations: Vec<onetrip_app::people::Relation>,
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
    c: Chrome,
    params: Params,
) -> Answer {
    let done = params.get("done").map(|d| c.label("done", d).into_owned());
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
) -> Answer {
    let c = c.clone();
    let person = if signed.account.kind == AccountKind::Applicant {
        state.store.person(&signed.account.id).await?
    } else {
        None
    };
    let relations = if signed.account.kind == AccountKind::Applicant {
        state.relations(&signed.account.id).await?
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
        state.staff().own_tokens(&signed.account.id).await?
    } else {
        Vec::new()
    };
    let previous = signed.account.previous_login.as_ref().map(|p| {
        let china = p.at + chrono::Duration::hours(8);
        (china.format("%Y-%m-%d %H:%M").to_string(), p.source.clone())
    });
    let html = render(&MePage {
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
    })?;
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
    c: Chrome,
    FormBody(form): FormBody<TokenForm>,
) -> Answer {
    let days = match form.days.trim() {
        "" => Ok(None),
        d => d.parse::<u32>().map(Some).map_err(|_| bad_token_days(d)),
    };
    let scopes = vec![form.scope.trim().to_string()];
    let result = match days {
        Ok(days) => {
            state
                .staff()
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
        Err(e @ (Error::Invalid { .. } | Error::Refused(_))) => {
            let message = e.message(c.lang);
            let page = me_page(&state, &signed, &c, None, None, Some(message)).await?;
            Ok((crate::error::status(&e), page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Revokes one of the signed-in staff member's own tokens.
pub async fn token_revoke(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer {
    state
        .staff()
        .revoke_own_token(&Actor::account(&signed), &id)
        .await?;
    Ok(Redirect::to("/me?done=token_revoked").into_response())
}

/// Withdraws a representation from the me page (either side).
pub async fn withdraw_representation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer {
    state.withdraw_representation(&signed, &id).await?;
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
) -> Answer {
    let expired = state.password_expired(signed);
    render(&PasswordPage {
        c,
        csrf: signed.csrf(),
        expired,
        error,
        done,
    })
}

pub async fn password_form(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    params: Params,
) -> Answer {
    let done = params.get("done").is_some();
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
    c: Chrome,
    FormBody(form): FormBody<PasswordChange>,
) -> Answer {
    let changed = state
        .change_password(&signed, &form.current_password, &form.new_password)
        .await;
    match changed {
        Ok(()) => Ok(Redirect::to("/me/password?done=1").into_response()),
        Err(e @ (Error::Invalid { .. } | Error::TooMany(_))) => {
            let page = password_page(&state, &signed, &c, Some(e.message(c.lang)), false)?;
            Ok(crate::error::refused_with(&e, page))
        }
        Err(e) => Err(e.into()),
    }
}
