//! The administrators' pages: staff accounts and grants (security administrator), the
//! audit log with filters and CSV export (audit administrator).

use crate::auth::staff::{parse_role, Actor, NewStaff, StaffAdmin, StaffEntry};
use crate::auth::Signed;
use crate::error::{AppError, OnField};
use crate::extract::FormBody;
use crate::pages::{render, Chrome, PageError, PageResult};
use crate::params::{Params, Prefs};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::access::{Grant, Role};
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::chain::ChainCheck;
use onetrip_domain::message::Message;
use onetrip_store::{ApiToken, AuditEntry, AuditFilter};
use serde::Deserialize;

pub(crate) fn admin<'a>(state: &'a AppState) -> StaffAdmin<'a> {
    StaffAdmin {
        store: &state.store,
        clock: state.clock.as_ref(),
        hasher: &state.security.hasher,
        policy: &state.security.policy,
    }
}

pub(crate) fn actor(signed: &Signed) -> Actor {
    Actor::account(signed)
}

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
) -> PageResult {
    let admin = admin(state);
    let actor = actor(signed);
    let entries = crate::page_try!(c.clone(), admin.list(&actor).await);
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let tokens = crate::page_try!(
            c.clone(),
            admin.live_tokens(&actor, &entry.account.id).await
        );
        rows.push(StaffRow { entry, tokens });
    }
    render(
        &StaffPage {
            c,
            csrf: signed.csrf(),
            rows,
            roles: &GRANTABLE,
            error,
            done,
        },
        c,
    )
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
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let result = admin(&state).revoke_token(&actor(&signed), &id).await;
    after(&state, &signed, prefs, &uri, result, "token_revoked").await
}

pub async fn staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let done = Params::parse(uri.query())
        .get("done")
        .map(|d| c.label("done", d).into_owned());
    staff_page(&state, &signed, &c, None, done).await
}

/// Runs a change and shows the staff page again: with a confirmation, or with the error.
async fn after(
    state: &AppState,
    signed: &Signed,
    prefs: Prefs,
    uri: &Uri,
    result: Result<(), AppError>,
    done: &str,
) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/staff?done={done}")).into_response()),
        Err(
            e @ (AppError::Invalid { .. }
            | AppError::Conflict { .. }
            | AppError::NotFound(_)
            | AppError::Refused(_)),
        ) => {
            let c = Chrome::new(prefs, uri);
            let status = (e.status(), axum::response::AppendHeaders(e.headers()));
            let message = e.message(c.lang);
            staff_page(state, signed, &c, Some(message), None)
                .await
                .map(|r| (status.0, status.1, r).into_response())
        }
        Err(e) => Err(PageError::new(e, prefs, uri)),
    }
}

pub async fn staff_create(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
    FormBody(form): FormBody<NewStaff>,
) -> PageResult {
    let result = admin(&state)
        .create(&actor(&signed), &form)
        .await
        .map(|_| ());
    after(&state, &signed, prefs, &uri, result, "created").await
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
    pub(crate) fn grant(&self) -> Result<Grant, AppError> {
        Ok(Grant {
            role: parse_role(&self.role)?,
            division: onetrip_domain::DivisionCode::parse(&self.division).on_field("division")?,
            matters: self
                .matters
                .split([',', '，', ' ', '\n'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
            unmask: self.unmask.is_some(),
        })
    }
}

pub async fn staff_grant(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    uri: Uri,
    FormBody(form): FormBody<GrantForm>,
) -> PageResult {
    let result = match form.grant() {
        Ok(g) => admin(&state)
            .grant(&actor(&signed), &id, g)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    after(&state, &signed, prefs, &uri, result, "granted").await
}

pub async fn grant_revoke(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let result = admin(&state).revoke(&actor(&signed), &id).await;
    after(&state, &signed, prefs, &uri, result, "revoked").await
}

pub async fn staff_disable(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let result = admin(&state).set_disabled(&actor(&signed), &id, true).await;
    after(&state, &signed, prefs, &uri, result, "disabled").await
}

pub async fn staff_enable(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let result = admin(&state)
        .set_disabled(&actor(&signed), &id, false)
        .await;
    after(&state, &signed, prefs, &uri, result, "enabled").await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn staff_reset_password(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    uri: Uri,
    FormBody(form): FormBody<PasswordForm>,
) -> PageResult {
    let result = admin(&state)
        .reset_password(&actor(&signed), &id, &form.password)
        .await;
    after(&state, &signed, prefs, &uri, result, "password").await
}

pub async fn staff_reset_second_factor(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let result = admin(&state)
        .reset_second_factor(&actor(&signed), &id)
        .await;
    after(&state, &signed, prefs, &uri, result, "second_factor").await
}

/// The audit page's filters, from the query string.
pub(crate) fn audit_filter(p: &Params) -> Result<AuditFilter, AppError> {
    let day = |key: &str| -> Result<Option<DateTime<Utc>>, AppError> {
        p.get(key)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map(|d| {
                        // Days are China days: midnight at UTC+8.
                        d.and_hms_opt(0, 0, 0)
                            .map(|t| t.and_utc() - chrono::Duration::hours(8))
                            .unwrap_or_default()
                    })
                    .map_err(|_| AppError::bad_request(key, Message::new("invalid-date")))
            })
            .transpose()
    };
    let event = p
        .get("event")
        .map(|e| {
            AuditEvent::from_key(e).ok_or_else(|| {
                AppError::bad_request("event", Message::new("invalid-event").text("value", e))
            })
        })
        .transpose()?;
    let outcome = p
        .get("outcome")
        .map(|o| {
            Outcome::from_key(o).ok_or_else(|| {
                AppError::bad_request("outcome", Message::new("invalid-outcome").text("value", o))
            })
        })
        .transpose()?;
    Ok(AuditFilter {
        from: day("from")?,
        until: day("until")?.map(|t| t + chrono::Duration::days(1)),
        actor: p.get("actor").map(str::to_string),
        event,
        outcome,
        before_seq: match p.get("before") {
            Some(_) => i64::try_from(p.number("before", 0, 1, usize::MAX >> 1)?).ok(),
            None => None,
        },
        limit: p.number("limit", 100, 1, 1000)?,
    })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    c: &'a Chrome,
    entries: Vec<AuditEntry>,
    events: &'static [AuditEvent],
    params: Params,
    query: String,
    next: Option<i64>,
    /// After "verify the chain": the number of records, or the first that does not match.
    verified: Option<ChainCheck>,
}

pub async fn audit(State(state): State<AppState>, prefs: Prefs, uri: Uri) -> PageResult {
    audit_page(&state, prefs, &uri, None).await
}

/// Walks the whole hash chain, then shows the log with the result.
pub async fn audit_verify(State(state): State<AppState>, prefs: Prefs, uri: Uri) -> PageResult {
    let verified = state
        .store
        .verify_audit()
        .await
        .map_err(|e| PageError::new(e.into(), prefs.clone(), &uri))?;
    audit_page(&state, prefs, &uri, Some(verified)).await
}

async fn audit_page(
    state: &AppState,
    prefs: Prefs,
    uri: &Uri,
    verified: Option<ChainCheck>,
) -> PageResult {
    let c = Chrome::new(prefs, uri);
    let params = Params::parse(uri.query());
    let filter = crate::page_try!(c.clone(), audit_filter(&params));
    let entries = crate::page_try!(c.clone(), state.store.audit_entries(&filter).await);
    let next = (entries.len() == filter.limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let query = uri.query().unwrap_or_default().to_string();
    render(
        &AuditPage {
            c: &c,
            entries,
            events: AuditEvent::ALL,
            params,
            query,
            next,
            verified,
        },
        &c,
    )
}

/// CSV of the filtered audit log (up to 10,000 records, newest first).
pub async fn audit_csv(
    State(state): State<AppState>,
    prefs: Prefs,
    uri: Uri,
) -> Result<Response, PageError> {
    let params = Params::parse(uri.query());
    let mut filter = audit_filter(&params).map_err(|e| PageError::new(e, prefs.clone(), &uri))?;
    filter.limit = 10_000;
    let entries = state
        .store
        .audit_entries(&filter)
        .await
        .map_err(|e| PageError::new(e.into(), prefs, &uri))?;
    let mut out =
        String::from("\u{feff}seq,at_utc,actor,source,event,object,outcome,detail,hash\r\n");
    for e in entries {
        let r = &e.record;
        let cells = [
            e.seq.to_string(),
            r.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            r.actor.clone().unwrap_or_default(),
            r.source.clone(),
            r.event.key().to_string(),
            r.object.clone().unwrap_or_default(),
            r.outcome.key().to_string(),
            r.detail.clone(),
            e.hash.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// A CSV cell, quoted when needed; cells that a spreadsheet would run as a formula are
/// prefixed with an apostrophe.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
