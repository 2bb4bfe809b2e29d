//! The catalog administrator's pages: implementations in their scope, the draft editor,
//! the draft's guide as a preview, and publishing with an effective date.

use super::pages::render_guide;
use super::view::CatalogView;
use crate::error::Answer;
use crate::extract::FormBody;
use crate::page::{render, render_with, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use chrono::NaiveDate;
use onetrip_app::catalog::{DraftSaved, DraftText};
use onetrip_app::Signed;
use onetrip_store::ImplementationSummary;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "catalog_admin.html")]
struct ListPage<'a> {
    c: &'a Chrome,
    rows: Vec<&'a ImplementationSummary>,
    view: &'a CatalogView,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
) -> Answer {
    let editable = state.editable_implementations(&signed).await?;
    let view = state.view.get();
    render(&ListPage {
        c: &c,
        rows: editable.iter().collect(),
        view: &view,
    })
}

#[derive(Template)]
#[template(path = "catalog_edit.html")]
struct EditPage<'a> {
    c: &'a Chrome,
    csrf: String,
    summary: &'a ImplementationSummary,
    text: String,
    has_draft: bool,
    versions: Vec<onetrip_store::VersionInfo>,
    problems: Vec<String>,
    saved: bool,
    today: NaiveDate,
}

fn edit_page<'a>(
    c: &'a Chrome,
    signed: &Signed,
    draft: &'a DraftText,
    problems: Vec<String>,
    saved: bool,
    today: NaiveDate,
) -> EditPage<'a> {
    EditPage {
        c,
        csrf: signed.csrf(),
        summary: &draft.summary,
        text: draft.text.clone(),
        has_draft: draft.has_draft,
        versions: draft.versions.clone(),
        problems,
        saved,
        today,
    }
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(code): Path<String>,
    params: Params,
    c: Chrome,
) -> Answer {
    let draft = state.draft_text(&signed, &code).await?;
    let saved = params.get("saved").is_some();
    let today = state.clock.today();
    render(&edit_page(&c, &signed, &draft, Vec::new(), saved, today))
}

#[derive(Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    text: String,
}

pub async fn save(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(code): Path<String>,
    c: Chrome,
    FormBody(form): FormBody<DraftForm>,
) -> Answer {
    match state.save_draft(&signed, &code, &form.text).await? {
        DraftSaved::Saved => {
            Ok(Redirect::to(&format!("/admin/catalog/{code}?saved=1")).into_response())
        }
        DraftSaved::Rejected(problems) => {
            let mut draft = state.draft_text(&signed, &code).await?;
            draft.text = form.text;
            let today = state.clock.today();
            let page = edit_page(&c, &signed, &draft, problems, false, today);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn preview(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(code): Path<String>,
    c: Chrome,
) -> Answer {
    let draft = state.preview_draft(&signed, &code).await?;
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
    FormBody(form): FormBody<PublishForm>,
) -> Answer {
    state.publish_draft(&signed, &code, &form.effective).await?;
    state.view.refresh().await?;
    Ok(Redirect::to(&format!("/guide/{code}")).into_response())
}
