//! The security administrator's JSON API: staff accounts, grants, disabling, and the
//! tokens of staff in their divisions.

use crate::error::Answer;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use onetrip_app::account::{AccountView, GrantView};
use onetrip_app::staff::{Actor, GrantRequest, NewStaff, TokenView};
use onetrip_app::Signed;

/// The staff accounts in the security administrator's divisions, with their grants.
#[utoipa::path(get, path = "/api/v1/staff", responses((status = 200, body = [AccountView]), (status = 403, body = crate::openapi::ErrorBody)))]
pub async fn list_staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<Vec<AccountView>>> {
    Ok(Json(state.staff_views(&Actor::account(&signed)).await?))
}

/// Creates a staff account (security administrator).
#[utoipa::path(post, path = "/api/v1/staff", request_body = NewStaff,
    responses((status = 201, body = AccountView), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn create_staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    JsonBody(req): JsonBody<NewStaff>,
) -> Answer<(StatusCode, Json<AccountView>)> {
    let a = state.staff().create(&Actor::account(&signed), &req).await?;
    Ok((StatusCode::CREATED, Json(state.staff_view(&a.id).await?)))
}

/// Grants a role (security administrator). A second administrator role is refused.
#[utoipa::path(post, path = "/api/v1/staff/{id}/grants", params(("id" = String, Path)), request_body = GrantRequest,
    responses((status = 201, body = GrantView), (status = 404, body = crate::openapi::ErrorBody), (status = 409, body = crate::openapi::ErrorBody)))]
pub async fn add_grant(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<GrantRequest>,
) -> Answer<(StatusCode, Json<GrantView>)> {
    let grant = req.grant()?;
    let stored = state
        .staff()
        .grant(&Actor::account(&signed), &id, grant)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(GrantView::of(Some(stored.id), &stored.grant)),
    ))
}

/// Revokes a grant (security administrator).
#[utoipa::path(delete, path = "/api/v1/grants/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn revoke_grant(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<StatusCode> {
    state.staff().revoke(&Actor::account(&signed), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables a staff account; its sessions end at once (security administrator).
#[utoipa::path(post, path = "/api/v1/staff/{id}/disable", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn disable_staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<StatusCode> {
    state
        .staff()
        .set_disabled(&Actor::account(&signed), &id, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enables a disabled staff account (security administrator).
#[utoipa::path(post, path = "/api/v1/staff/{id}/enable", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn enable_staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<StatusCode> {
    state
        .staff()
        .set_disabled(&Actor::account(&signed), &id, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tokens that still work of a staff account in the security administrator's divisions.
#[utoipa::path(get, path = "/api/v1/staff/{id}/tokens", params(("id" = String, Path)),
    responses((status = 200, body = [TokenView]), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<Vec<TokenView>>> {
    let tokens = state
        .staff()
        .live_tokens(&Actor::account(&signed), &id)
        .await?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

/// Revokes an API token of a staff account in the security administrator's divisions.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<StatusCode> {
    state
        .staff()
        .revoke_token(&Actor::account(&signed), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
