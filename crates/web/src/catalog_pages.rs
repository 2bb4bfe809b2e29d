//! The catalog administrator's pages: implementations in the administrator's scope, an
//! editor for an implementation's draft (checked like an import: unknown fields, bad codes,
//! contradictions with the base matter, flow errors), a preview of the draft's guide, and
//! publishing with an effective date. Drafts and publications are journaled.

use crate::auth::Signed;
use crate::error::AppError;
use crate::extract::FormBody;
use crate::pages::{render, render_guide, Chrome, PageError, PageResult};
use crate::params::Prefs;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use chrono::NaiveDate;
use onetrip_domain::access::{check, Permission, Scope};
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::catalog::file::{CatalogBatch, MatterFile};
use onetrip_domain::catalog::matter::ResolvedImplementation;
use onetrip_domain::catalog::validate::validate_batch;
use onetrip_domain::catalog::Implementation;
use onetrip_domain::message::Message;
use onetrip_store::{Draft, Entity, ImplementationSummary, PublishedImplementation, VersionInfo};
use serde::Deserialize;

/// The implementation if the signed-in administrator's grants cover it; otherwise 404 and
/// an access-denied record (someone else's scope looks like nothing at all).
async fn in_scope(
    state: &AppState,
    signed: &Signed,
    code: &str,
) -> Result<ImplementationSummary, AppError> {
    let view = state.view.get();
    let summary = view
        .summary(code)
        .cloned()
        .ok_or_else(|| AppError::NotFound(code.to_string()))?;
    let scope = Scope {
        division: &summary.division,
        matter: Some(&summary.base_code),
    };
    if check(
        &signed.grants,
        Permission::EditCatalog,
        scope,
        &view.divisions,
    )
    .is_err()
    {
        let mut record = signed.audit(
            state.clock.now(),
            AuditEvent::AccessDenied,
            Some(format!("catalog {code}")),
            Outcome::Denied,
        );
        record.detail = "outside the catalog administrator's divisions".into();
        state.store.append_audit(record).await?;
        return Err(AppError::NotFound(code.to_string()));
    }
    Ok(summary)
}

#[derive(Template)]
#[template(path = "catalog_admin.html")]
struct ListPage<'a> {
    c: &'a Chrome,
    rows: Vec<&'a ImplementationSummary>,
    view: &'a crate::view::CatalogView,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let view = state.view.get();
    let rows = view
        .summaries
        .iter()
        .filter(|s| {
            let scope = Scope {
                division: &s.division,
                matter: Some(&s.base_code),
            };
            check(
                &signed.grants,
                Permission::EditCatalog,
                scope,
                &view.divisions,
            )
            .is_ok()
        })
        .collect();
    render(
        &ListPage {
            c: &c,
            rows,
            view: &view,
        },
        &c,
    )
}

#[derive(Template)]
#[template(path = "catalog_edit.html")]
struct EditPage<'a> {
    c: &'a Chrome,
    csrf: String,
    summary: &'a ImplementationSummary,
    text: String,
    has_draft: bool,
    versions: Vec<VersionInfo>,
    problems: Vec<String>,
    saved: bool,
    today: NaiveDate,
}

/// The draft of an implementation, or its current published version.
async fn current_text(
    state: &AppState,
    code: &str,
) -> Result<(String, bool, Vec<VersionInfo>), AppError> {
    let history = state.store.history(Entity::Implementation, code).await?;
    let imp: Implementation = match &history.draft {
        Some(doc) => serde_json::from_value(doc.get("implementation").cloned().unwrap_or_default())
            .map_err(|e| AppError::Internal(format!("stored draft: {e}")))?,
        None => {
            state
                .store
                .implementation(code, state.clock.today())
                .await?
                .ok_or_else(|| AppError::NotFound(code.to_string()))?
                .resolved
                .implementation
        }
    };
    let text = toml::to_string_pretty(&imp).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((text, history.draft.is_some(), history.versions))
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(code): Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let summary = crate::page_try!(c.clone(), in_scope(&state, &signed, &code).await);
    let (text, has_draft, versions) =
        crate::page_try!(c.clone(), current_text(&state, &code).await);
    let saved = crate::params::Params::parse(uri.query())
        .get("saved")
        .is_some();
    render(
        &EditPage {
            c: &c,
            csrf: signed.csrf(),
            summary: &summary,
            text,
            has_draft,
            versions,
            problems: Vec::new(),
            saved,
            today: state.clock.today(),
        },
        &c,
    )
}

/// The base matter version in force today of an implementation.
async fn base_of(
    state: &AppState,
    summary: &ImplementationSummary,
) -> Result<onetrip_store::PublishedBase, AppError> {
    state
        .store
        .base_matter(&summary.base_code, state.clock.today())
        .await?
        .ok_or_else(|| AppError::NotFound(summary.base_code.clone()))
}

#[derive(Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    text: String,
}

/// Parses and checks an edited implementation against its base and the reference data,
/// as an import would. Problems name the line or the field.
fn check_draft(
    state: &AppState,
    summary: &ImplementationSummary,
    base: onetrip_domain::catalog::matter::BaseMatter,
    text: &str,
) -> Result<Implementation, Vec<String>> {
    let imp: Implementation = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    if imp.code.as_str() != summary.code {
        return Err(vec![format!(
            "code：实施编码不能改（应为 {}）",
            summary.code
        )]);
    }
    let view = state.view.get();
    let batch = CatalogBatch {
        divisions: view.divisions.values().cloned().collect(),
        departments: view.departments.values().cloned().collect(),
        places: view.places.values().cloned().collect(),
        life_events: view.life_events.clone(),
        matters: vec![MatterFile {
            matter: base,
            implementation: vec![imp.clone()],
        }],
    };
    let problems = validate_batch(&batch);
    if problems.is_empty() {
        Ok(imp)
    } else {
        Err(problems
            .iter()
            .map(|p| format!("{}：{}", p.path, p.message))
            .collect())
    }
}

pub async fn save(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(code): Path<String>,
    prefs: Prefs,
    uri: Uri,
    FormBody(form): FormBody<DraftForm>,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let summary = crate::page_try!(c.clone(), in_scope(&state, &signed, &code).await);
    let base = crate::page_try!(c.clone(), base_of(&state, &summary).await);
    match check_draft(&state, &summary, base.matter, &form.text) {
        Ok(imp) => {
            crate::page_try!(
                c.clone(),
                state
                    .store
                    .save_draft(
                        Draft::Implementation {
                            base_code: summary.base_code.clone(),
                            implementation: imp,
                        },
                        state.clock.now(),
                    )
                    .await
            );
            let record = signed.audit(
                state.clock.now(),
                AuditEvent::CatalogDraftSaved,
                Some(code.clone()),
                Outcome::Success,
            );
            crate::page_try!(c.clone(), state.store.append_audit(record).await);
            Ok(Redirect::to(&format!("/admin/catalog/{code}?saved=1")).into_response())
        }
        Err(problems) => {
            let history = crate::page_try!(
                c.clone(),
                state.store.history(Entity::Implementation, &code).await
            );
            let page = EditPage {
                c: &c,
                csrf: signed.csrf(),
                summary: &summary,
                text: form.text,
                has_draft: history.draft.is_some(),
                versions: history.versions,
                problems,
                saved: false,
                today: state.clock.today(),
            };
            render(&page, &c)
                .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
    }
}

pub async fn preview(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(code): Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let summary = crate::page_try!(c.clone(), in_scope(&state, &signed, &code).await);
    let history = crate::page_try!(
        c.clone(),
        state.store.history(Entity::Implementation, &code).await
    );
    let Some(doc) = history.draft else {
        return Err(PageError(AppError::NotFound(format!("{code} draft")), c));
    };
    let imp: Implementation = crate::page_try!(
        c.clone(),
        serde_json::from_value(doc.get("implementation").cloned().unwrap_or_default())
            .map_err(|e| AppError::Internal(format!("stored draft: {e}")))
    );
    let base = crate::page_try!(c.clone(), base_of(&state, &summary).await);
    let draft = PublishedImplementation {
        info: VersionInfo {
            version: 0,
            effective_from: state.clock.today(),
            published_at: state.clock.now(),
        },
        resolved: ResolvedImplementation::resolve(&base.matter, base.info.version, &imp),
    };
    render_guide(&state, &c, &draft, true)
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    effective: String,
}

pub async fn publish(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(code): Path<String>,
    prefs: Prefs,
    uri: Uri,
    FormBody(form): FormBody<PublishForm>,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    crate::page_try!(c.clone(), in_scope(&state, &signed, &code).await);
    let effective = crate::page_try!(
        c.clone(),
        NaiveDate::parse_from_str(form.effective.trim(), "%Y-%m-%d")
            .map_err(|_| { AppError::invalid("effective", Message::new("invalid-date")) })
    );
    if effective < state.clock.today() {
        return Err(PageError(
            AppError::invalid("effective", Message::new("invalid-effective-past")),
            c,
        ));
    }
    let version = match state
        .store
        .publish(Entity::Implementation, &code, effective, state.clock.now())
        .await
    {
        Ok(v) => v,
        Err(onetrip_store::StoreError::Conflict(m)) => {
            return Err(PageError(
                AppError::conflict("draft", Message::new("conflict-publish").text("detail", m)),
                c,
            ))
        }
        Err(e) => return Err(PageError(e.into(), c)),
    };
    let mut record = signed.audit(
        state.clock.now(),
        AuditEvent::CatalogPublished,
        Some(code.clone()),
        Outcome::Success,
    );
    record.detail = format!("version {version} from {effective}");
    crate::page_try!(c.clone(), state.store.append_audit(record).await);
    crate::page_try!(c.clone(), state.view.refresh().await);
    Ok(Redirect::to(&format!("/guide/{code}")).into_response())
}
