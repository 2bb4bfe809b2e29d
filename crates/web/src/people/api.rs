//! Applicants for window staff over JSON: lookup by exact number, the in-person check, and
//! unmasking (recorded).

use crate::error::Answer;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use onetrip_app::people::{IdentityView, Lookup, PersonCard};
use onetrip_app::Signed;

/// Finds applicants by the exact document number (with its kind) or mobile number the
/// person shows at the window; numbers come back masked. Each lookup is recorded.
#[utoipa::path(post, path = "/api/v1/people/lookup", request_body = Lookup,
    responses((status = 200, body = [PersonCard]), (status = 422, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    JsonBody(query): JsonBody<Lookup>,
) -> Answer<Json<Vec<PersonCard>>> {
    Ok(Json(state.lookup(&signed, &query).await?))
}

/// Records that a clerk checked the applicant's identity document in person: the account's
/// assurance becomes `in_person`.
#[utoipa::path(post, path = "/api/v1/people/{id}/verify-in-person", params(("id" = String, Path)),
    responses((status = 200, body = PersonCard), (status = 404, body = crate::openapi::ErrorBody), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn verify_in_person(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<PersonCard>> {
    Ok(Json(state.verify_in_person(&signed, &id).await?))
}

/// An applicant's identity and phone numbers in full: staff whose grant allows unmasking
/// only; each view is recorded in the audit log.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/identity", params(("id" = String, Path)),
    responses((status = 200, body = IdentityView), (status = 403, body = crate::openapi::ErrorBody), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn identity(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<IdentityView>> {
    let card = state.unmask(&signed, &id).await?;
    Ok(Json(IdentityView {
        document_kind: card.document_kind,
        document_number: card.document_number,
        phone: card.phone,
    }))
}
