//! The JSON API of agency: departments' delegations of acceptance to service places
//! (security administrator), and authorities to act for someone else, recorded at a window
//! after the clerk has seen the authorization (window clerk), listed and withdrawn by the
//! people concerned.

use crate::error::Answer;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use onetrip_app::agency::RepresentationRequest;
use onetrip_app::staff::Actor;
use onetrip_app::Signed;
use onetrip_domain::access::Delegation;
use onetrip_store::{StoredDelegation, StoredRepresentation};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct DelegationRequest {
    /// Credit code of the delegating department.
    #[schema(pattern = "^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub department: String,
    /// Code of the service place that accepts on its behalf.
    #[schema(min_length = 1, max_length = 64)]
    pub place: String,
    /// Base catalog codes; empty delegates every matter of the department.
    #[serde(default)]
    pub matters: Vec<String>,
}

/// Live delegations of acceptance within the security administrator's divisions.
#[utoipa::path(get, path = "/api/v1/delegations", responses((status = 200, body = [Object])))]
pub async fn list_delegations(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<Vec<StoredDelegation>>> {
    Ok(Json(
        state.staff().delegations(&Actor::account(&signed)).await?,
    ))
}

/// Lets a service place accept a department's matters; both must lie in the security
/// administrator's divisions.
#[utoipa::path(post, path = "/api/v1/delegations", request_body = DelegationRequest,
    responses((status = 201, body = Object), (status = 403, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn add_delegation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    JsonBody(req): JsonBody<DelegationRequest>,
) -> Answer<(StatusCode, Json<StoredDelegation>)> {
    let delegation = Delegation {
        department: req.department.trim().to_string(),
        place: req.place.trim().to_string(),
        matters: req.matters,
    };
    let stored = state
        .staff()
        .add_delegation(&Actor::account(&signed), delegation)
        .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Ends a delegation within the security administrator's divisions.
#[utoipa::path(delete, path = "/api/v1/delegations/{id}", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn revoke_delegation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<StatusCode> {
    state
        .staff()
        .revoke_delegation(&Actor::account(&signed), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records an authority to act for someone, after seeing its authorization (window clerk).
#[utoipa::path(post, path = "/api/v1/representations", request_body = RepresentationRequest,
    responses((status = 201, body = Object), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn add_representation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    JsonBody(req): JsonBody<RepresentationRequest>,
) -> Answer<(StatusCode, Json<StoredRepresentation>)> {
    let stored = state.add_representation(&signed, req).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Whom the caller acts for, and who acts for the caller.
#[utoipa::path(get, path = "/api/v1/me/representations", responses((status = 200, body = [Object])))]
pub async fn my_representations(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<Vec<StoredRepresentation>>> {
    Ok(Json(state.representations(&signed).await?))
}

/// Withdraws an authority: by the person represented, the agent, or a window clerk.
/// Anyone else gets 404 and an access-denied record.
#[utoipa::path(delete, path = "/api/v1/representations/{id}", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn revoke_representation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<StatusCode> {
    state.withdraw_representation(&signed, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
