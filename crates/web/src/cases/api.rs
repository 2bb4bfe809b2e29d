//! The JSON API of cases, for department systems and window software: submit, accept,
//! refuse, the complete notice, the inbox, claim and decide, external results, conclusion
//! and handing out, the journal, supervision. Every answer about a case is scoped: a case
//! outside the caller's departments and divisions is "not found".

use crate::error::Answer;
use crate::extract::JsonBody;
use crate::params::Prefs;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use onetrip_app::cases::{
    AcceptRequest, Acted, ApplicationRequest, CaseView, CommitmentCheckRequest,
    ConfirmationRequest, DecisionRequest, DeliveryRequest, ExternalResult, Inbox, JournalView,
    MatterChoice, Submitted, Supervision, TaskMove,
};
use onetrip_app::Signed;
use serde::Deserialize;
use utoipa::ToSchema;

/// Submits an application for one matter (window clerks, and department systems with a
/// window clerk's token). The form and materials are checked at once: the answer lists
/// everything missing. A retried request with the same `idempotency_key` returns the same
/// application (200 instead of 201).
#[utoipa::path(post, path = "/api/v1/applications", tag = "cases", request_body = ApplicationRequest,
    responses((status = 201, body = Submitted), (status = 200, body = Submitted), (status = 403, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    JsonBody(req): JsonBody<ApplicationRequest>,
) -> Answer<(StatusCode, Json<Submitted>)> {
    let mut done = state.submit(&signed, &req).await?;
    for g in done.cases.iter_mut().flat_map(|c| c.gaps.iter_mut()) {
        g.localize(prefs.lang);
    }
    let status = if done.existing {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(done)))
}

/// A case, as the caller may see it: numbers in its form masked.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path, description = "id or case number")),
    responses((status = 200, body = CaseView), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn case(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> Answer<Json<CaseView>> {
    let mut view = state.case_view(&signed, &id).await?;
    for g in &mut view.gaps {
        g.localize(prefs.lang);
    }
    Ok(Json(view))
}

/// A case's journal: every change, hash-chained.
#[utoipa::path(get, path = "/api/v1/cases/{id}/journal", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = [JournalView]), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn journal(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<Vec<JournalView>>> {
    Ok(Json(state.case_journal(&signed, &id).await?))
}

/// Accepts a case at the window; with `deficiency_due`, accepts it with the missing
/// deferrable materials to come by that date (容缺受理).
#[utoipa::path(post, path = "/api/v1/cases/{id}/accept", tag = "cases", params(("id" = String, Path)), request_body = AcceptRequest,
    responses((status = 200, body = Acted), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<AcceptRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.accept(&signed, &id, &req).await?))
}

/// A reason, for a refusal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonRequest {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Refuses a case, with the reason.
#[utoipa::path(post, path = "/api/v1/cases/{id}/refuse", tag = "cases", params(("id" = String, Path)), request_body = ReasonRequest,
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn refuse(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<ReasonRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.refuse(&signed, &id, &req.reason).await?))
}

/// Gives the one complete notice (一次性告知书) of everything missing.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notice", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn notice(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.notice(&signed, &id).await?))
}

/// Records that the applicant corrected what the back office asked for: the clock resumes.
#[utoipa::path(post, path = "/api/v1/cases/{id}/corrected", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn corrected(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.corrected(&signed, &id).await?))
}

/// Records that the deferred materials (容缺) were supplied.
#[utoipa::path(post, path = "/api/v1/cases/{id}/supplied", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn supplied(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.supplied(&signed, &id).await?))
}

/// Tasks the caller may claim, and tasks they hold, by due date.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "cases", responses((status = 200, body = Inbox)))]
pub async fn inbox(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<Inbox>> {
    Ok(Json(state.inbox(&signed).await?))
}

/// Claims a task (签收). Two claims at once: one wins, the other gets 409.
#[utoipa::path(post, path = "/api/v1/cases/{id}/tasks/{task}/claim", tag = "cases", params(("id" = String, Path), ("task" = String, Path)),
    responses((status = 200, body = Acted), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, task)): Path<(String, String)>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.claim(&signed, &id, &task).await?))
}

/// Decides a task the caller holds: pass, return for correction, or deny with a reason.
#[utoipa::path(post, path = "/api/v1/cases/{id}/tasks/{task}/decision", tag = "cases", params(("id" = String, Path), ("task" = String, Path)), request_body = DecisionRequest,
    responses((status = 200, body = Acted), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, task)): Path<(String, String)>,
    JsonBody(req): JsonBody<DecisionRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.decide(&signed, &id, &task, &req).await?))
}

/// Sends back to an earlier step, recalls one's decision, adds a co-signer, or hands the
/// task to a colleague.
#[utoipa::path(post, path = "/api/v1/cases/{id}/tasks/{task}/move", tag = "cases", params(("id" = String, Path), ("task" = String, Path)), request_body = TaskMove,
    responses((status = 200, body = Acted), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn move_task(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, task)): Path<(String, String)>,
    JsonBody(req): JsonBody<TaskMove>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.move_task(&signed, &id, &task, &req).await?))
}

/// The result of a step decided in the department's own system (called back by that
/// system, or entered by hand).
#[utoipa::path(post, path = "/api/v1/cases/{id}/tasks/{task}/external", tag = "cases", params(("id" = String, Path), ("task" = String, Path)), request_body = ExternalResult,
    responses((status = 200, body = Acted), (status = 403, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn external(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, task)): Path<(String, String)>,
    JsonBody(req): JsonBody<ExternalResult>,
) -> Answer<Json<Acted>> {
    Ok(Json(
        state.external_result(&signed, &id, &task, &req).await?,
    ))
}

/// Starts (with its name) or ends (without) a special procedure: the clock stops meanwhile
/// (《行政许可法》第四十五条).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SpecialRequest {
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name: Option<String>,
}

/// Starts or ends a special procedure (hearing, inspection, expert review).
#[utoipa::path(post, path = "/api/v1/cases/{id}/special-procedure", tag = "cases", params(("id" = String, Path)), request_body = SpecialRequest,
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn special(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<SpecialRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(
        state
            .special_procedure(&signed, &id, req.name.as_deref())
            .await?,
    ))
}

/// Concludes a decided case: its decision document is issued.
#[utoipa::path(post, path = "/api/v1/cases/{id}/conclude", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn conclude(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.conclude(&signed, &id).await?))
}

/// Hands out (at a window: a visit), sends electronically, or posts the result.
#[utoipa::path(post, path = "/api/v1/cases/{id}/delivery", tag = "cases", params(("id" = String, Path)), request_body = DeliveryRequest,
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn deliver(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<DeliveryRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.deliver(&signed, &id, &req).await?))
}

/// For a supervisor, in their divisions: live tasks escalated, overdue, nearing their limit
/// or unclaimed; cases near or past their promised limit; cases whose commitments wait for
/// their later check.
#[utoipa::path(get, path = "/api/v1/supervision", tag = "cases", responses((status = 200, body = Supervision)))]
pub async fn supervision(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<Supervision>> {
    Ok(Json(state.supervision(&signed).await?))
}

/// Records the later check of a case's signed commitments (告知承诺制的事后核查), by the
/// implementing department's back office; a false commitment needs a note of what was found.
#[utoipa::path(post, path = "/api/v1/cases/{id}/commitment-check", tag = "cases", params(("id" = String, Path)), request_body = CommitmentCheckRequest,
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn commitment_check(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<CommitmentCheckRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.check_commitments(&signed, &id, &req).await?))
}

/// What an incomplete application was given again after the complete notice.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResubmissionRequest {
    /// The form's answers; an identity or phone number left out keeps its earlier answer.
    #[serde(default)]
    pub form: std::collections::BTreeMap<String, String>,
    /// Each material by id: `original`, `copy`, `electronic`, `missing` or `commitment`.
    #[serde(default)]
    pub materials: std::collections::BTreeMap<String, String>,
}

/// The applicant brought what the complete notice listed: the case is received again and
/// checked again (a visit).
#[utoipa::path(post, path = "/api/v1/cases/{id}/resubmission", tag = "cases", params(("id" = String, Path)), request_body = ResubmissionRequest,
    responses((status = 200, body = Acted), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn resubmit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<ResubmissionRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(
        state
            .resubmit(&signed, &id, &req.form, &req.materials)
            .await?,
    ))
}

/// The matters the caller's window may accept: their department's own, and those
/// delegated to their service place.
#[utoipa::path(get, path = "/api/v1/window/matters", tag = "cases", responses((status = 200, body = [MatterChoice]), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn matters(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<Vec<MatterChoice>>> {
    Ok(Json(state.acceptable_matters(&signed).await?))
}

/// A walk-in person without an account, identity checked by the clerk in person.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WalkIn {
    #[schema(max_length = 50)]
    pub name: String,
    /// `resident_id_card` unless given.
    #[serde(default)]
    pub document_kind: Option<String>,
    #[schema(max_length = 40)]
    pub document_number: String,
    #[schema(max_length = 20)]
    pub phone: String,
}

/// The account made for a walk-in person.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Registered {
    pub account_id: String,
}

/// Registers a walk-in person at the window (identity checked in person); 409 when the
/// document is registered already.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = WalkIn,
    responses((status = 201, body = Registered), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    JsonBody(req): JsonBody<WalkIn>,
) -> Answer<(StatusCode, Json<Registered>)> {
    let kind = req.document_kind.as_deref().unwrap_or("resident_id_card");
    let account_id = state
        .register_at_window(&signed, &req.name, kind, &req.document_number, &req.phone)
        .await?;
    Ok((StatusCode::CREATED, Json(Registered { account_id })))
}

/// Records how the applicant confirmed an application the window entered for them: on the
/// second screen or by signing the printed application (once).
#[utoipa::path(post, path = "/api/v1/cases/{id}/confirmation", tag = "cases", params(("id" = String, Path)), request_body = ConfirmationRequest,
    responses((status = 200, body = Acted), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<ConfirmationRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(
        state.confirm_application(&signed, &id, &req.how).await?,
    ))
}

/// Uploads a file (the request body) for a material of a case at the window: a scanned
/// page, or a file the applicant brought. Typed by content: PDF, JPEG or PNG only.
#[utoipa::path(post, path = "/api/v1/cases/{id}/files", tag = "cases", params(("id" = String, Path), ("material" = String, Query), ("name" = String, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = onetrip_app::cases::AttachmentView), (status = 400, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn scan(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    params: crate::params::Params,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Answer<(StatusCode, Json<onetrip_app::cases::AttachmentView>)> {
    let (material, name, content) = crate::online::raw_file(&params, body)?;
    let view = state
        .upload_at_window(&signed, &id, &material, &name, content)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}
