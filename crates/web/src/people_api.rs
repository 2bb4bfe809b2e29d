//! Applicants for window staff over JSON: lookup by exact number, the in-person check, and
//! unmasking (recorded).

use crate::auth::Signed;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::params::Prefs;
use crate::people::{self, IdentityView, Lookup, PersonCard};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};

type ApiResult<T> = Result<T, ApiError>;

/// Finds applicants by the exact document number (with its kind) or mobile number the
/// person shows at the window; numbers come back masked. Each lookup is recorded.
#[utoipa::path(post, path = "/api/v1/people/lookup", request_body = Lookup,
    responses((status = 200, body = [PersonCard]), (status = 422, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    JsonBody(query): JsonBody<Lookup>,
) -> ApiResult<Json<Vec<PersonCard>>> {
    people::lookup(&state, &signed, &query)
        .await
        .map(Json)
        .map_err(|e| ApiError(e, prefs.lang))
}

/// Records that a clerk checked the applicant's identity document in person: the account's
/// assurance becomes `in_person`.
#[utoipa::path(post, path = "/api/v1/people/{id}/verify-in-person", params(("id" = String, Path)),
    responses((status = 200, body = PersonCard), (status = 404, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn verify_in_person(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<Json<PersonCard>> {
    people::verify_in_person(&state, &signed, &id)
        .await
        .map(Json)
        .map_err(|e| ApiError(e, prefs.lang))
}

/// An applicant's identity and phone numbers in full: staff whose grant allows unmasking
/// only; each view is recorded in the audit log.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/identity", params(("id" = String, Path)),
    responses((status = 200, body = IdentityView), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn identity(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<Json<IdentityView>> {
    people::unmask(&state, &signed, &id)
        .await
        .map(|card| {
            Json(IdentityView {
                document_kind: card.document_kind,
                document_number: card.document_number,
                phone: card.phone,
            })
        })
        .map_err(|e| ApiError(e, prefs.lang))
}
