//! The security administrator's pages: staff accounts in their divisions, grants,
//! disabling, password and second-factor resets, revoking tokens. Each change shows the
//! page again with a confirmation, or with why it was refused.

use crate::error::{Answer, Error};
use crate::extract::FormBody;
use crate::page::{render, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use onetrip_app::staff::{Actor, GrantRequest, NewStaff, StaffEntry};
use onetrip_app::Signed;
use onetrip_domain::access::Role;
use onetrip_store::ApiToken;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage<'a> {
    c: &'a Chrome,
    csrf: String,
    rows: Vec<StaffRow>,
    roles: &'static [Role],
    error: Option<String>,
    done: Option<String>,
}

struct StaffRow {
    entry: StaffEntry,
    tokens: Vec<ApiToken>,
}

async fn staff_page(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    error: Option<String>,
    done: Option<String>,
) -> Answer {
    let admin = state.staff();
    let actor = Actor::account(signed);
    let entries = admin.list(&actor).await?;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let tokens = admin.live_tokens(&actor, &entry.account.id).await?;
        rows.push(StaffRow { entry, tokens });
    }
    render(&StaffPage {
        c,
        csrf: signed.csrf(),
        rows,
        roles: &GRANTABLE,
        error,
        done,
    })
}

/// The roles the security administrator's page offers: the system and audit
/// administrators are appointed at the console.
const GRANTABLE: [Role; 7] = [
    Role::WindowClerk,
    Role::Handler,
    Role::Reviewer,
    Role::Approver,
    Role::Supervisor,
    Role::CatalogAdmin,
    Role::SecurityAdmin,
];

pub async fn token_revoke(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let result = state
        .staff()
        .revoke_token(&Actor::account(&signed), &id)
        .await;
    after(&state, &signed, &c, result, "token_revoked").await
}

pub async fn staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    params: Params,
) -> Answer {
    let done = params.get("done").map(|d| c.label("done", d).into_owned());
    staff_page(&state, &signed, &c, None, done).await
}

/// Runs a change and shows the staff page again: with a confirmation, or with the error.
async fn after(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    result: Result<(), Error>,
    done: &str,
) -> Answer {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/staff?done={done}")).into_response()),
        Err(
            e @ (Error::Invalid { .. }
            | Error::Conflict { .. }
            | Error::NotFound(_)
            | Error::Refused(_)),
        ) => {
            let message = e.message(c.lang);
            let page = staff_page(state, signed, c, Some(message), None).await?;
            Ok(crate::error::refused_with(&e, page))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn staff_create(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    FormBody(form): FormBody<NewStaff>,
) -> Answer {
    let result = state
        .staff()
        .create(&Actor::account(&signed), &form)
        .await
        .map(|_| ());
    after(&state, &signed, &c, result, "created").await
}

#[derive(Deserialize)]
pub struct GrantForm {
    role: String,
    division: String,
    #[serde(default)]
    matters: String,
    #[serde(default)]
    unmask: Option<String>,
}

impl GrantForm {
    /// The request the form makes: matters separated by commas, spaces or lines.
    fn request(self) -> GrantRequest {
        GrantRequest {
            matters: self
                .matters
                .split([',', '，', ' ', '\n'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
            role: self.role,
            division: self.division,
            unmask: self.unmask.is_some(),
        }
    }
}

pub async fn staff_grant(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    FormBody(form): FormBody<GrantForm>,
) -> Answer {
    let result = match form.request().grant() {
        Ok(g) => state
            .staff()
            .grant(&Actor::account(&signed), &id, g)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&state, &signed, &c, result, "granted").await
}

pub async fn grant_revoke(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let result = state.staff().revoke(&Actor::account(&signed), &id).await;
    after(&state, &signed, &c, result, "revoked").await
}

pub async fn staff_disable(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let result = state
        .staff()
        .set_disabled(&Actor::account(&signed), &id, true)
        .await;
    after(&state, &signed, &c, result, "disabled").await
}

pub async fn staff_enable(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let result = state
        .staff()
        .set_disabled(&Actor::account(&signed), &id, false)
        .await;
    after(&state, &signed, &c, result, "enabled").await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn staff_reset_password(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    FormBody(form): FormBody<PasswordForm>,
) -> Answer {
    let result = state
        .staff()
        .reset_password(&Actor::account(&signed), &id, &form.password)
        .await;
    after(&state, &signed, &c, result, "password").await
}

pub async fn staff_reset_second_factor(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let result = state
        .staff()
        .reset_second_factor(&Actor::account(&signed), &id)
        .await;
    after(&state, &signed, &c, result, "second_factor").await
}
