//! The JSON API of one's own account: signing in and out, registration, my account, my
//! password, my API tokens, and reading an account (own, or one acted for).

use crate::auth::client::ClientIp;
use crate::auth::cookies;
use crate::error::Answer;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use onetrip_app::account::AccountView;
use onetrip_app::keys::RoleKey;
use onetrip_app::login::{LoginStep, SignedIn};
use onetrip_app::register::Registration;
use onetrip_app::staff::{Actor, TokenView};
use onetrip_app::Signed;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Staff login name, or an applicant's ID number or mobile number.
    #[schema(min_length = 1, max_length = 64)]
    pub login: String,
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// `complete`, or `second_factor` (staff: post the code next), or `enrol` (staff
    /// without a second factor: enrol on the login page first).
    pub step: String,
    /// The CSRF token of the session the cookie now holds: send it as `X-CSRF-Token`
    /// with the next state-changing request (the second factor, or any after sign-in).
    pub csrf_token: Option<String>,
}

/// Signs in with a password. Sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::openapi::ErrorBody), (status = 429, body = crate::openapi::ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Answer<Response> {
    let device = cookies::device_cookie(&headers, &state.security);
    let step = state
        .password_login(&req.login, &req.password, ip, device)
        .await?;
    Ok(match step {
        LoginStep::Complete(done) => complete(&state, StatusCode::OK, &done),
        LoginStep::SecondFactor {
            cookie,
            csrf,
            enrol,
        } => (
            [(SET_COOKIE, cookies::set_cookie(&state.security, &cookie))],
            Json(LoginResponse {
                step: if enrol { "enrol" } else { "second_factor" }.into(),
                csrf_token: Some(csrf),
            }),
        )
            .into_response(),
    })
}

/// The answer to a complete sign-in: its cookies and the session's CSRF token.
fn complete(state: &AppState, status: StatusCode, done: &SignedIn) -> Response {
    (
        status,
        cookies::signed_in_cookies(&state.security, done),
        Json(LoginResponse {
            step: "complete".into(),
            csrf_token: Some(done.csrf.clone()),
        }),
    )
        .into_response()
}

#[derive(Deserialize, ToSchema)]
pub struct CodeRequest {
    /// The six digits the authenticator shows.
    #[schema(pattern = "^[0-9]{6}$")]
    pub code: String,
}

/// Completes a staff login with the current TOTP code. Sets a new session cookie.
#[utoipa::path(post, path = "/api/v1/session/second-factor", request_body = CodeRequest,
    responses((status = 200, body = LoginResponse), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn second_factor(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CodeRequest>,
) -> Answer<Response> {
    let device = cookies::device_cookie(&headers, &state.security);
    let done = state
        .second_factor(&signed, &req.code, None, device)
        .await?;
    Ok(complete(&state, StatusCode::OK, &done))
}

/// Signs out: the session ends on the server.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
pub async fn delete_session(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Response> {
    state.logout(&signed).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [cookies::clear_cookie(&state.security)],
    )
        .into_response())
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = AccountView), (status = 401, body = crate::openapi::ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<AccountView>> {
    Ok(Json(state.me(&signed).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordRequest {
    #[schema(min_length = 1, max_length = 128)]
    pub current_password: String,
    /// At least 8 characters, not a common password, not the account's name.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Changes the caller's password (also the way out of an expired one).
#[utoipa::path(post, path = "/api/v1/me/password", request_body = PasswordRequest,
    responses((status = 204), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    JsonBody(req): JsonBody<PasswordRequest>,
) -> Answer<StatusCode> {
    state
        .change_password(&signed, &req.current_password, &req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Registers an applicant and signs them in.
#[utoipa::path(post, path = "/api/v1/applicants", request_body = Registration,
    responses((status = 201, body = LoginResponse), (status = 409, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<Registration>,
) -> Answer<Response> {
    let done = state.register(&req, ip).await?;
    Ok(complete(&state, StatusCode::CREATED, &done))
}

/// One account, numbers masked: your own, that of a person you act for under a recorded
/// representation, or (security administrator) a staff account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", params(("id" = String, Path)),
    responses((status = 200, body = AccountView), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn account(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<Json<AccountView>> {
    Ok(Json(state.account(&signed, &id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// Business roles the caller holds whose grants the token carries.
    #[schema(value_type = Vec<RoleKey>, min_items = 1)]
    pub scopes: Vec<String>,
    /// Days until it expires; none means it lasts until revoked.
    #[schema(minimum = 1, maximum = 3650)]
    pub days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    pub id: String,
    /// Shown once; only its hash is kept.
    pub token: String,
}

/// Issues an API token to the caller, for the caller's own system (e.g. a department's
/// business system signed in as its staff account). Only the holder issues its tokens,
/// signed in with password and code (not with another token), and only with roles it holds.
#[utoipa::path(post, path = "/api/v1/me/tokens", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 403, body = crate::openapi::ErrorBody), (status = 422, body = crate::openapi::ErrorBody)))]
pub async fn create_own_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Answer<(StatusCode, Json<TokenCreated>)> {
    let issued = state
        .staff()
        .issue_own_token(&signed, &req.name, req.scopes, req.days)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            id: issued.id,
            token: issued.token,
        }),
    ))
}

/// The caller's own tokens that still work.
#[utoipa::path(get, path = "/api/v1/me/tokens", responses((status = 200, body = [TokenView])))]
pub async fn own_tokens(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Answer<Json<Vec<TokenView>>> {
    let tokens = state.staff().own_tokens(&signed.account.id).await?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

/// Revokes one of the caller's own tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::openapi::ErrorBody)))]
pub async fn revoke_own_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer<StatusCode> {
    state
        .staff()
        .revoke_own_token(&Actor::account(&signed), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
