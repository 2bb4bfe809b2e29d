//! Applying online, one question per page: start (or, for a matter not accepted online, what
//! to bring and where), each question with an error summary linking to it, the materials
//! with their uploads, how the result should reach the applicant, and a check-your-answers
//! page listing everything still missing before the one button that submits.

use crate::error::{Answer, Error};
use crate::extract::FormBody;
use crate::page::{render, render_refused, Chrome};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use onetrip_app::cases::{DraftUpdate, DraftView, GapView, NewDraft, NotOnline};
use onetrip_app::Signed;
use onetrip_domain::catalog::form::FormField;
use onetrip_domain::message::Message;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "apply_start.html")]
struct StartPage<'a> {
    c: &'a Chrome,
    code: String,
    name: String,
    department: String,
    csrf: String,
    /// Representations the caller holds as agent: (id, principal's name).
    representations: Vec<(String, String)>,
    signed_in: bool,
}

#[derive(Template)]
#[template(path = "apply_not_online.html")]
struct NotOnlinePage<'a> {
    c: &'a Chrome,
    not: NotOnline,
}

/// "Apply": the start of an online application, or what to bring where.
pub async fn start(
    State(state): State<AppState>,
    signed: Option<Extension<Signed>>,
    Path(code): Path<String>,
    c: Chrome,
) -> Answer {
    let imp = match state.online_matter(&code).await? {
        Ok(imp) => imp,
        Err(not) => return render(&NotOnlinePage { c: &c, not }),
    };
    let matter = state.matter_choice(&imp).await?;
    let (csrf, representations) = match &signed {
        Some(Extension(s)) if !s.is_staff() => (s.csrf(), state.agent_for(s).await?),
        _ => (String::new(), Vec::new()),
    };
    render(&StartPage {
        c: &c,
        code: matter.code,
        name: matter.name,
        department: matter.department_name,
        csrf,
        representations,
        signed_in: signed.is_some(),
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct StartForm {
    #[serde(default)]
    representation: String,
}

/// Opens the draft and goes to its first question.
pub async fn open(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(code): Path<String>,
    FormBody(form): FormBody<StartForm>,
) -> Answer {
    let new = NewDraft {
        matter: code,
        representation_id: Some(form.representation).filter(|r| !r.is_empty()),
    };
    let id = state.start_draft(&signed, &new).await?;
    Ok(Redirect::to(&format!("/drafts/{id}/q/0")).into_response())
}

#[derive(Template)]
#[template(path = "draft_question.html")]
struct QuestionPage<'a> {
    c: &'a Chrome,
    draft: &'a DraftView,
    field: &'a FormField,
    n: usize,
    csrf: String,
    value: String,
    problem: Option<String>,
}

fn question_page<'a>(
    c: &'a Chrome,
    signed: &Signed,
    draft: &'a DraftView,
    n: usize,
    value: Option<String>,
    problem: Option<String>,
) -> Option<QuestionPage<'a>> {
    let field = draft.fields.get(n)?;
    Some(QuestionPage {
        c,
        draft,
        field,
        n,
        csrf: signed.csrf(),
        value: value.unwrap_or_else(|| draft.answers.get(&field.key).cloned().unwrap_or_default()),
        problem,
    })
}

/// Question `n` of the draft's form (past the last one: its materials).
pub async fn question(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, n)): Path<(String, usize)>,
    c: Chrome,
) -> Answer {
    let draft = state.draft_view(&signed, &id).await?;
    match question_page(&c, &signed, &draft, n, None, None) {
        Some(page) => render(&page),
        None => Ok(Redirect::to(&format!("/drafts/{id}/materials")).into_response()),
    }
}

/// Saves the answer to question `n`; its problem is shown on the same page, otherwise the
/// next question follows.
pub async fn answer(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, n)): Path<(String, usize)>,
    c: Chrome,
    FormBody(form): FormBody<BTreeMap<String, String>>,
) -> Answer {
    let before = state.draft_view(&signed, &id).await?;
    let Some(field) = before.fields.get(n) else {
        return Ok(Redirect::to(&format!("/drafts/{id}/materials")).into_response());
    };
    let key = field.key.clone();
    let value = form.get("answer").cloned().unwrap_or_default();
    let update = DraftUpdate {
        form: BTreeMap::from([(key.clone(), value.clone())]),
        ..DraftUpdate::default()
    };
    let saved = match state.update_draft(&signed, &id, &update).await {
        Ok(d) => d,
        Err(e @ Error::Invalid { .. }) => {
            let message = e.message(c.lang);
            let page = question_page(&c, &signed, &before, n, Some(value), Some(message));
            return match page {
                Some(p) => render_refused(&e, &p),
                None => Err(e.into()),
            };
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(mut gap) = saved.gaps.iter().find(|g| g.key == key).cloned() {
        gap.localize(c.lang);
        let e = Error::invalid(&format!("form.{key}"), Message::new("draft-answer-problem"));
        if let Some(p) = question_page(&c, &signed, &saved, n, Some(value), Some(gap.message)) {
            return render_refused(&e, &p);
        }
    }
    let next = saved
        .fields
        .iter()
        .position(|f| f.key == key)
        .map_or(n + 1, |i| i + 1);
    let to = if form.contains_key("check") || next >= saved.fields.len() {
        if form.contains_key("check") {
            format!("/drafts/{id}/check")
        } else {
            format!("/drafts/{id}/materials")
        }
    } else {
        format!("/drafts/{id}/q/{next}")
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "draft_materials.html")]
struct MaterialsPage<'a> {
    c: &'a Chrome,
    draft: &'a DraftView,
    csrf: String,
    problem: Option<String>,
}

/// The draft's materials, with what has been uploaded for each.
pub async fn materials(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let draft = state.draft_view(&signed, &id).await?;
    render(&MaterialsPage {
        c: &c,
        draft: &draft,
        csrf: signed.csrf(),
        problem: None,
    })
}

/// Uploads one file (a multipart form: `csrf`, `material`, then `file`).
pub async fn upload(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    form: Multipart,
) -> Answer {
    let (material, name, content) = read_upload(form).await?;
    let done = state
        .upload(&signed, &id, &material, &name, content)
        .await
        .map(|_| ());
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/drafts/{id}/materials")).into_response()),
        Err(e @ Error::Invalid { .. }) => {
            let draft = state.draft_view(&signed, &id).await?;
            let page = MaterialsPage {
                c: &c,
                problem: Some(e.message(c.lang)),
                draft: &draft,
                csrf: signed.csrf(),
            };
            render_refused(&e, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// A file upload form's material, file name and content; a form without a file is as if
/// an empty, nameless file was sent (and refused as such, by name).
pub(crate) async fn read_upload(
    mut form: Multipart,
) -> Result<(String, String, axum::body::Bytes), Error> {
    let mut material = String::new();
    while let Some(field) = form.next_field().await.map_err(multipart_failed)? {
        match (field.name(), field.file_name().map(str::to_string)) {
            (Some("material"), None) => material = field.text().await.map_err(multipart_failed)?,
            (Some("file"), Some(name)) => {
                let content = field.bytes().await.map_err(multipart_failed)?;
                return Ok((material, name, content));
            }
            _ => {}
        }
    }
    Ok((material, String::new(), axum::body::Bytes::new()))
}

fn multipart_failed(e: axum::extract::multipart::MultipartError) -> Error {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::invalid(
            "file",
            Message::new("upload-too-large").text("name", "").number(
                "mib",
                onetrip_domain::case::upload::MAX_FILE_BYTES / (1024 * 1024),
            ),
        )
    } else {
        Error::bad_request("file", Message::new("upload-form-broken"))
    }
}

/// Removes an uploaded file.
pub async fn remove_file(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, file)): Path<(String, String)>,
) -> Answer {
    state.remove_upload(&signed, &id, &file).await?;
    Ok(Redirect::to(&format!("/drafts/{id}/materials")).into_response())
}

#[derive(Template)]
#[template(path = "draft_check.html")]
struct CheckPage<'a> {
    c: &'a Chrome,
    draft: &'a DraftView,
    gaps: Vec<GapView>,
    csrf: String,
}

impl CheckPage<'_> {
    /// The question page of a field, for its "change" link.
    fn question_of(&self, key: &str) -> Option<usize> {
        self.draft.fields.iter().position(|f| f.key == key)
    }

    fn consented(&self, key: &str) -> bool {
        self.draft.consents.iter().any(|k| k == key)
    }
}

/// Check your answers: everything given, everything still missing, and how the result
/// should reach the applicant.
pub async fn check(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let draft = state.draft_view(&signed, &id).await?;
    check_page(&c, &signed, &draft, None)
}

fn check_page(c: &Chrome, signed: &Signed, draft: &DraftView, refusal: Option<&Error>) -> Answer {
    let mut gaps = draft.gaps.clone();
    for g in &mut gaps {
        g.localize(c.lang);
    }
    let page = CheckPage {
        c,
        draft,
        gaps,
        csrf: signed.csrf(),
    };
    match refusal {
        Some(e) => render_refused(e, &page),
        None => render(&page),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ChoicesForm {
    #[serde(default)]
    delivery: String,
    #[serde(default)]
    delivery_address: String,
    #[serde(default, rename = "consent.data_sharing")]
    data_sharing: Option<String>,
    #[serde(default, rename = "consent.electronic_delivery")]
    electronic_delivery: Option<String>,
    #[serde(default, rename = "consent.notifications")]
    notifications: Option<String>,
}

/// Saves the delivery choice and consents, back to the check page.
pub async fn choices(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    FormBody(form): FormBody<ChoicesForm>,
) -> Answer {
    let consents = [
        ("data_sharing", &form.data_sharing),
        ("electronic_delivery", &form.electronic_delivery),
        ("notifications", &form.notifications),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .map(|(k, _)| k.to_string())
    .collect();
    let update = DraftUpdate {
        delivery: Some(form.delivery).filter(|d| !d.is_empty()),
        delivery_address: Some(form.delivery_address),
        consents: Some(consents),
        ..DraftUpdate::default()
    };
    let done = state.update_draft(&signed, &id, &update).await;
    onward_or_check(&state, &signed, &c, &id, done, |_| {
        format!("/drafts/{id}/check")
    })
    .await
}

/// Goes on to where `to` says after a change, or shows the check page again with why the
/// change was refused.
async fn onward_or_check<T>(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    id: &str,
    done: Result<T, Error>,
    to: impl FnOnce(T) -> String,
) -> Answer {
    match done {
        Ok(v) => Ok(Redirect::to(&to(v)).into_response()),
        Err(e @ Error::Invalid { .. }) => {
            let draft = state.draft_view(signed, id).await?;
            check_page(c, signed, &draft, Some(&e))
        }
        Err(e) => Err(e.into()),
    }
}

/// Submits the draft; the confirmation is the new case's page.
pub async fn submit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let done = state.submit_draft(&signed, &id).await;
    onward_or_check(&state, &signed, &c, &id, done, |done| {
        let case = done.cases.first().map(|k| k.id.clone()).unwrap_or_default();
        format!("/my/cases/{case}?submitted=1")
    })
    .await
}

/// Discards the draft and its files.
pub async fn discard(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer {
    state.discard_draft(&signed, &id).await?;
    Ok(Redirect::to("/my/cases").into_response())
}
