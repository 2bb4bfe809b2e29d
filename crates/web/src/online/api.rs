//! The applicant's JSON API, for a provincial app: drafts, their files, submission, one's
//! cases with their timelines and receipts, files, and the lookup by case number and ID
//! digits for people without an account.

use crate::auth::client::ClientIp;
use crate::error::{Answer, Error};
use crate::extract::JsonBody;
use crate::params::{Params, Prefs};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use onetrip_app::cases::{
    Acted, AttachmentView, CorrectionRequest, DraftUpdate, DraftView, MyCase, NewDraft, Receipt,
    Submitted, Timeline,
};
use onetrip_app::Signed;
use onetrip_domain::message::Message;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A draft just opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftOpened {
    pub id: String,
}

fn localized(mut d: DraftView, prefs: Prefs) -> DraftView {
    for g in &mut d.gaps {
        g.localize(prefs.lang);
    }
    d
}

/// Opens a draft application for a matter accepted online, for the caller or (with
/// `representation_id`) for a person they represent.
#[utoipa::path(post, path = "/api/v1/me/drafts", tag = "applying", request_body = NewDraft,
    responses((status = 201, body = DraftOpened), (status = 403, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn open_draft(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    JsonBody(new): JsonBody<NewDraft>,
) -> Answer<(StatusCode, Json<DraftOpened>)> {
    let id = state.start_draft(&signed, &new).await?;
    Ok((StatusCode::CREATED, Json(DraftOpened { id })))
}

/// A draft of the caller's, with everything still missing.
#[utoipa::path(get, path = "/api/v1/me/drafts/{id}", tag = "applying", params(("id" = String, Path)),
    responses((status = 200, body = DraftView), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn draft(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> Answer<Json<DraftView>> {
    Ok(Json(localized(
        state.draft_view(&signed, &id).await?,
        prefs,
    )))
}

/// Saves answers, the delivery choice and consents into a draft.
#[utoipa::path(patch, path = "/api/v1/me/drafts/{id}", tag = "applying", params(("id" = String, Path)), request_body = DraftUpdate,
    responses((status = 200, body = DraftView), (status = 404, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn update_draft(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    JsonBody(update): JsonBody<DraftUpdate>,
) -> Answer<Json<DraftView>> {
    let d = state.update_draft(&signed, &id, &update).await?;
    Ok(Json(localized(d, prefs)))
}

/// Discards a draft and its files.
#[utoipa::path(delete, path = "/api/v1/me/drafts/{id}", tag = "applying", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn discard_draft(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<StatusCode> {
    state.discard_draft(&signed, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Uploads one file (the request body, at most 10 MB) for a material of a draft. Its type
/// is read from the content: PDF, JPEG or PNG only.
#[utoipa::path(post, path = "/api/v1/me/drafts/{id}/files", tag = "applying", params(("id" = String, Path), ("material" = String, Query, description = "the material's id"), ("name" = String, Query, description = "the file's name, for people (the file is stored under its content's hash)")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 400, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 413, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    params: Params,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Answer<(StatusCode, Json<AttachmentView>)> {
    let (material, name, content) = raw_file(&params, body)?;
    let view = state
        .upload(&signed, &id, &material, &name, content)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The material, name and content of a file sent as the request body.
pub(crate) fn raw_file(
    params: &Params,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(String, String, Bytes), Error> {
    let need = |key: &'static str| {
        params.get(key).map(str::to_string).ok_or_else(|| {
            Error::bad_request(
                key,
                Message::new("upload-query-required").text("field", key),
            )
        })
    };
    let (material, name) = (need("material")?, need("name")?);
    let content = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::invalid(
            "file",
            Message::new("upload-too-large").text("name", &name).number(
                "mib",
                onetrip_domain::case::upload::MAX_FILE_BYTES / (1024 * 1024),
            ),
        ),
        _ => Error::bad_request("body", Message::new("upload-form-broken")),
    })?;
    Ok((material, name, content))
}

/// Uploads one file (the request body) for a material of a case returned for correction.
#[utoipa::path(post, path = "/api/v1/me/cases/{id}/files", tag = "applying", params(("id" = String, Path), ("material" = String, Query), ("name" = String, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 400, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn correction_file(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    params: Params,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Answer<(StatusCode, Json<AttachmentView>)> {
    let (material, name, content) = raw_file(&params, body)?;
    let view = state
        .upload_correction(&signed, &id, &material, &name, content)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Sends a case back from correction (补正) with the changed answers; a case that has
/// ended is refused with its state (409).
#[utoipa::path(post, path = "/api/v1/me/cases/{id}/correction", tag = "applying", params(("id" = String, Path)), request_body = CorrectionRequest,
    responses((status = 200, body = Acted), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn correction(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<CorrectionRequest>,
) -> Answer<Json<Acted>> {
    Ok(Json(state.correct(&signed, &id, &req).await?))
}

/// Removes a file from a draft.
#[utoipa::path(delete, path = "/api/v1/me/drafts/{id}/files/{file}", tag = "applying", params(("id" = String, Path), ("file" = String, Path)),
    responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn remove_file(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, file)): Path<(String, String)>,
) -> Answer<StatusCode> {
    state.remove_upload(&signed, &id, &file).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Submits a draft once nothing is missing (422 lists how many things are); the draft is
/// gone afterwards and its files belong to the case.
#[utoipa::path(post, path = "/api/v1/me/drafts/{id}/submit", tag = "applying", params(("id" = String, Path)),
    responses((status = 201, body = Submitted), (status = 404, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<(StatusCode, Json<Submitted>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.submit_draft(&signed, &id).await?),
    ))
}

/// The caller's cases (applied for, or submitted for someone they represent).
#[utoipa::path(get, path = "/api/v1/me/cases", tag = "applying",
    responses((status = 200, body = [MyCase])))]
pub async fn my_cases(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<Vec<MyCase>>> {
    Ok(Json(state.my_cases(&signed).await?))
}

/// A case's timeline: every step, which department, when, and the current step's deadline.
#[utoipa::path(get, path = "/api/v1/me/cases/{id}", tag = "applying", params(("id" = String, Path, description = "id or case number")),
    responses((status = 200, body = Timeline), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<Timeline>> {
    Ok(Json(state.timeline(&signed, &id).await?))
}

/// The receipt (受理回执) of an accepted case.
#[utoipa::path(get, path = "/api/v1/me/cases/{id}/receipt", tag = "applying", params(("id" = String, Path)),
    responses((status = 200, body = Receipt), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn receipt(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<Receipt>> {
    Ok(Json(state.receipt(&signed, &id).await?))
}

/// A file of a draft or case the caller may see, with the type read at upload.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "applying", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Response> {
    let (view, content) = state.attachment_file(&signed, &id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, view.content_type),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_string(),
            ),
        ],
        content,
    )
        .into_response())
}

/// A lookup by case number.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TrackRequest {
    #[schema(min_length = 1, max_length = 40)]
    pub number: String,
    /// The last six characters of the applicant's ID number.
    #[schema(min_length = 6, max_length = 6)]
    pub id_tail: String,
}

/// A case's timeline for someone without an account: the case number and the last six
/// characters of the applicant's ID number (a mismatch is 404; guesses are limited).
#[utoipa::path(post, path = "/api/v1/track", tag = "applying", request_body = TrackRequest,
    responses((status = 200, body = Timeline), (status = 404, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
pub async fn track(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<TrackRequest>,
) -> Answer<Json<Timeline>> {
    Ok(Json(state.track(&req.number, &req.id_tail, ip).await?))
}
