//! The JSON API of accounts: sign in and out, my account, registration, reading an
//! account (own only; staff numbers unmasked only with the grant, and recorded), staff
//! administration, API tokens and the audit log.

use crate::admin_pages::{actor, admin, audit_filter};
use crate::api::RoleKey;
use crate::auth::client::ClientIp;
use crate::auth::login::{self, LoginStep, Registration};
use crate::auth::staff::NewStaff;
use crate::auth::{session, Signed};
use crate::error::{ApiError, AppError, OnField};
use crate::extract::JsonBody;
use crate::params::{Params, Prefs};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use onetrip_domain::access::{Grant, Role};
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::chain::ChainCheck;
use onetrip_domain::message::Message;
use onetrip_store::{AccountKind, AuditEntry};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

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
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::api::ErrorBody), (status = 429, body = crate::api::ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    prefs: Prefs,
    headers: axum::http::HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let device = session::device_cookie(&headers, &state.security);
    let step = login::password_login(&state, &req.login, &req.password, ip, device)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(match step {
        LoginStep::Complete(done) => complete(&state, StatusCode::OK, &done),
        LoginStep::SecondFactor {
            cookie,
            csrf,
            enrol,
        } => (
            [(SET_COOKIE, session::set_cookie(&state.security, &cookie))],
            Json(LoginResponse {
                step: if enrol { "enrol" } else { "second_factor" }.into(),
                csrf_token: Some(csrf),
            }),
        )
            .into_response(),
    })
}

/// The answer to a complete sign-in: its cookies and the session's CSRF token.
fn complete(state: &AppState, status: StatusCode, done: &login::SignedIn) -> Response {
    (
        status,
        session::signed_in_cookies(&state.security, done),
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
    responses((status = 200, body = LoginResponse), (status = 422, body = crate::api::ErrorBody)))]
pub async fn second_factor(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    headers: axum::http::HeaderMap,
    JsonBody(req): JsonBody<CodeRequest>,
) -> ApiResult<Response> {
    let device = session::device_cookie(&headers, &state.security);
    let done = login::second_factor(&state, &signed, &req.code, None, device)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(complete(&state, StatusCode::OK, &done))
}

/// Signs out: the session ends on the server.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
pub async fn delete_session(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
) -> ApiResult<Response> {
    login::logout(&state, &signed)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok((
        StatusCode::NO_CONTENT,
        [session::clear_cookie(&state.security)],
    )
        .into_response())
}

/// An account as the API shows it: personal numbers masked.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    /// `applicant` or `staff`.
    pub kind: String,
    pub name: String,
    /// `self_registered`, `single_sign_on` or `in_person`.
    pub assurance: String,
    /// Staff only.
    pub login: Option<String>,
    pub organization: Option<String>,
    pub document_kind: Option<String>,
    /// e.g. 110105********002X.
    pub document_number: Option<String>,
    /// e.g. 138****5678.
    pub phone: Option<String>,
    pub disabled: bool,
    pub grants: Vec<GrantView>,
    /// The session's CSRF token (send it as `X-CSRF-Token` with cookie requests).
    pub csrf_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GrantView {
    pub id: Option<String>,
    pub role: String,
    pub division: String,
    pub matters: Vec<String>,
    pub unmask: bool,
}

fn grant_view(id: Option<String>, g: &Grant) -> GrantView {
    GrantView {
        id,
        role: g.role.key().into(),
        division: g.division.to_string(),
        matters: g.matters.clone(),
        unmask: g.unmask,
    }
}

async fn account_view(state: &AppState, id: &str) -> Result<Option<AccountView>, AppError> {
    let Some(a) = state.store.account(id).await? else {
        return Ok(None);
    };
    let person = state.store.person(&a.id).await?;
    let grants = state
        .store
        .grants_of(&a.id)
        .await?
        .iter()
        .map(|g| grant_view(Some(g.id.clone()), &g.grant))
        .collect();
    Ok(Some(AccountView {
        kind: a.kind.key().into(),
        name: a.display_name.clone(),
        assurance: a.assurance.key().into(),
        login: (a.kind == AccountKind::Staff).then(|| a.login.clone()),
        organization: a.organization.clone(),
        document_kind: person.as_ref().map(|p| p.document_kind.clone()),
        document_number: person.as_ref().map(|p| p.document_masked.clone()),
        phone: person.as_ref().map(|p| p.phone_masked.clone()),
        disabled: a.disabled_at.is_some(),
        grants,
        csrf_token: None,
        id: a.id,
    }))
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = AccountView), (status = 401, body = crate::api::ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
) -> ApiResult<Json<AccountView>> {
    let mut view = account_view(&state, &signed.account.id)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?
        .ok_or(ApiError(AppError::Unauthorized, prefs.lang))?;
    view.csrf_token = signed.session.as_ref().map(|s| s.csrf_token.clone());
    Ok(Json(view))
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
    responses((status = 204), (status = 422, body = crate::api::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    JsonBody(req): JsonBody<PasswordRequest>,
) -> ApiResult<StatusCode> {
    login::change_password(&state, &signed, &req.current_password, &req.new_password)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Registers an applicant and signs them in.
#[utoipa::path(post, path = "/api/v1/applicants", request_body = Registration,
    responses((status = 201, body = LoginResponse), (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    prefs: Prefs,
    JsonBody(req): JsonBody<Registration>,
) -> ApiResult<Response> {
    let done = login::register(&state, &req, ip)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(complete(&state, StatusCode::CREATED, &done))
}

/// Refuses access to someone else's object: 404, and an `access_denied` audit record.
async fn foreign(
    state: &AppState,
    signed: &Signed,
    uri: &Uri,
    lang: crate::i18n::Lang,
) -> ApiError {
    let mut record = signed.audit(
        state.clock.now(),
        AuditEvent::AccessDenied,
        Some(format!("GET {}", uri.path())),
        Outcome::Denied,
    );
    record.detail = "not the caller's object".into();
    if let Err(e) = state.store.append_audit(record).await {
        return ApiError(e.into(), lang);
    }
    ApiError(AppError::NotFound(uri.path().to_string()), lang)
}

/// One account, numbers masked: your own, that of a person you act for under a recorded
/// representation, or (security administrator) a staff account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", params(("id" = String, Path)),
    responses((status = 200, body = AccountView), (status = 404, body = crate::api::ErrorBody)))]
pub async fn account(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> ApiResult<Json<AccountView>> {
    let own = id == signed.account.id;
    let view = account_view(&state, &id)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    let principal = match &view {
        Some(v) if !own && v.kind == "applicant" => {
            crate::people::acts_for_person(&state, &signed, &id)
                .await
                .map_err(|e| ApiError(e, prefs.lang))?
        }
        _ => false,
    };
    match view {
        Some(v) if own || principal => Ok(Json(v)),
        Some(v)
            if v.kind == "staff"
                && signed.holds(onetrip_domain::access::Permission::ManageStaff) =>
        {
            admin(&state)
                .view(&actor(&signed), &id)
                .await
                .map_err(|e| ApiError(e, prefs.lang))?;
            Ok(Json(v))
        }
        _ => Err(foreign(&state, &signed, &uri, prefs.lang).await),
    }
}

/// The staff accounts in the security administrator's divisions, with their grants.
#[utoipa::path(get, path = "/api/v1/staff", responses((status = 200, body = [AccountView]), (status = 403, body = crate::api::ErrorBody)))]
pub async fn list_staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
) -> ApiResult<Json<Vec<AccountView>>> {
    let lang = prefs.lang;
    let entries = admin(&state)
        .list(&actor(&signed))
        .await
        .map_err(|e| ApiError(e, lang))?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if let Some(v) = account_view(&state, &e.account.id)
            .await
            .map_err(|e| ApiError(e, lang))?
        {
            out.push(v);
        }
    }
    Ok(Json(out))
}

/// Creates a staff account (security administrator).
#[utoipa::path(post, path = "/api/v1/staff", request_body = NewStaff,
    responses((status = 201, body = AccountView), (status = 409, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
pub async fn create_staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    JsonBody(req): JsonBody<NewStaff>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    let lang = prefs.lang;
    let a = admin(&state)
        .create(&actor(&signed), &req)
        .await
        .map_err(|e| ApiError(e, lang))?;
    let view = account_view(&state, &a.id)
        .await
        .map_err(|e| ApiError(e, lang))?
        .ok_or_else(|| ApiError(AppError::Internal("account vanished".into()), lang))?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, ToSchema)]
pub struct GrantRequest {
    /// A role key, e.g. `window_clerk`, `approver`, `security_admin`.
    #[schema(value_type = RoleKey)]
    pub role: String,
    /// GB/T 2260 code of the top of the subtree, within the administrator's divisions.
    #[schema(pattern = "^[0-9]{6}([0-9]{3}){0,2}$")]
    pub division: String,
    /// 12-digit base catalog codes; empty means every matter.
    #[serde(default)]
    #[schema(inline, value_type = Vec<String>)]
    pub matters: Vec<String>,
    #[serde(default)]
    pub unmask: bool,
}

/// Grants a role (security administrator). A second administrator role is refused.
#[utoipa::path(post, path = "/api/v1/staff/{id}/grants", params(("id" = String, Path)), request_body = GrantRequest,
    responses((status = 201, body = GrantView), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
pub async fn add_grant(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    JsonBody(req): JsonBody<GrantRequest>,
) -> ApiResult<(StatusCode, Json<GrantView>)> {
    let lang = prefs.lang;
    let role = Role::from_key(&req.role).ok_or_else(|| {
        ApiError(
            AppError::invalid("role", Message::new("invalid-role").text("role", &req.role)),
            lang,
        )
    })?;
    let grant = Grant {
        role,
        division: onetrip_domain::DivisionCode::parse(&req.division)
            .on_field("division")
            .map_err(|e| ApiError(e, lang))?,
        matters: req.matters,
        unmask: req.unmask,
    };
    let stored = admin(&state)
        .grant(&actor(&signed), &id, grant)
        .await
        .map_err(|e| ApiError(e, lang))?;
    Ok((
        StatusCode::CREATED,
        Json(grant_view(Some(stored.id), &stored.grant)),
    ))
}

/// Revokes a grant (security administrator).
#[utoipa::path(delete, path = "/api/v1/grants/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::api::ErrorBody)))]
pub async fn revoke_grant(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<StatusCode> {
    admin(&state)
        .revoke(&actor(&signed), &id)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables a staff account; its sessions end at once (security administrator).
#[utoipa::path(post, path = "/api/v1/staff/{id}/disable", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::api::ErrorBody)))]
pub async fn disable_staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<StatusCode> {
    admin(&state)
        .set_disabled(&actor(&signed), &id, true)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enables a disabled staff account (security administrator).
#[utoipa::path(post, path = "/api/v1/staff/{id}/enable", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::api::ErrorBody)))]
pub async fn enable_staff(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<StatusCode> {
    admin(&state)
        .set_disabled(&actor(&signed), &id, false)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(StatusCode::NO_CONTENT)
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
    responses((status = 201, body = TokenCreated), (status = 403, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
pub async fn create_own_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    JsonBody(req): JsonBody<TokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let issued = admin(&state)
        .issue_own_token(&signed, &req.name, req.scopes, req.days)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
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
    prefs: Prefs,
) -> ApiResult<Json<Vec<TokenView>>> {
    let tokens = admin(&state)
        .own_tokens(&signed.account.id)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(Json(tokens.into_iter().map(token_view).collect()))
}

/// Revokes one of the caller's own tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::api::ErrorBody)))]
pub async fn revoke_own_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<StatusCode> {
    admin(&state)
        .revoke_own_token(&actor(&signed), &id)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// An API token as the security administrator sees it (never the secret).
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn token_view(t: onetrip_store::ApiToken) -> TokenView {
    TokenView {
        id: t.id,
        name: t.name,
        scopes: t.scopes,
        created_at: t.created_at,
        expires_at: t.expires_at,
    }
}

/// The tokens that still work of a staff account in the security administrator's divisions.
#[utoipa::path(get, path = "/api/v1/staff/{id}/tokens", params(("id" = String, Path)),
    responses((status = 200, body = [TokenView]), (status = 404, body = crate::api::ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<Json<Vec<TokenView>>> {
    let tokens = admin(&state)
        .live_tokens(&actor(&signed), &id)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(Json(tokens.into_iter().map(token_view).collect()))
}

/// Revokes an API token of a staff account in the security administrator's divisions.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::api::ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<StatusCode> {
    admin(&state)
        .revoke_token(&actor(&signed), &id)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit log, newest first, with the page's filters (`from`, `until` as China dates,
/// `actor`, `event`, `outcome`, `before`, `limit`) (audit administrator).
#[utoipa::path(get, path = "/api/v1/audit",
    params(
        ("from" = Option<String>, Query, format = Date, description = "China date, YYYY-MM-DD"),
        ("until" = Option<String>, Query, format = Date, description = "China date, YYYY-MM-DD (inclusive)"),
        ("actor" = Option<String>, Query, description = "account id"),
        ("event" = Option<String>, Query, description = "event key, e.g. login_failed"),
        ("outcome" = Option<String>, Query, description = "success, failure or denied"),
        ("before" = Option<i64>, Query, minimum = 1, description = "sequence number to page back from"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 1000)),
    responses((status = 200, body = [Object]), (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    prefs: Prefs,
    uri: Uri,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let lang = prefs.lang;
    let filter = audit_filter(&Params::parse(uri.query())).map_err(|e| ApiError(e, lang))?;
    Ok(Json(
        state
            .store
            .audit_entries(&filter)
            .await
            .map_err(|e| ApiError(e.into(), lang))?,
    ))
}

/// The result of walking the audit log's hash chain.
#[derive(Serialize, ToSchema)]
pub struct ChainReport {
    /// Every record matches its hash and its predecessor.
    pub intact: bool,
    /// Records checked (when intact).
    pub entries: Option<i64>,
    /// The first record that does not match (when broken).
    pub broken_at: Option<i64>,
}

/// Walks the whole hash chain of the audit log (audit administrator).
#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = ChainReport), (status = 403, body = crate::api::ErrorBody)))]
pub async fn audit_verify(
    State(state): State<AppState>,
    prefs: Prefs,
) -> ApiResult<Json<ChainReport>> {
    let verified = state
        .store
        .verify_audit()
        .await
        .map_err(|e| ApiError(e.into(), prefs.lang))?;
    Ok(Json(match verified {
        ChainCheck::Intact { entries } => ChainReport {
            intact: true,
            entries: Some(entries),
            broken_at: None,
        },
        ChainCheck::Broken { at } => ChainReport {
            intact: false,
            entries: None,
            broken_at: Some(at),
        },
    }))
}
