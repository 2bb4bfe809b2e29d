//! The JSON API of agency: departments' delegations of acceptance to service places
//! (security administrator), and authorities to act for someone else, recorded at a window
//! after the clerk has seen the authorization (window clerk), listed and withdrawn by the
//! people concerned.

use crate::admin_pages::{actor, admin};
use crate::auth::Signed;
use crate::error::{ApiError, AppError, OnField};
use crate::extract::JsonBody;
use crate::params::Prefs;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::{Extension, Json};
use chrono::NaiveDate;
use onetrip_domain::access::Delegation;
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::message::Message;
use onetrip_domain::person::{Capacity, Principal, Representation};
use onetrip_domain::CreditCode;
use onetrip_store::{AccountKind, StoredDelegation, StoredRepresentation};
use serde::Deserialize;
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

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
    prefs: Prefs,
) -> ApiResult<Json<Vec<StoredDelegation>>> {
    admin(&state)
        .delegations(&actor(&signed))
        .await
        .map(Json)
        .map_err(|e| ApiError(e, prefs.lang))
}

/// Lets a service place accept a department's matters; both must lie in the security
/// administrator's divisions.
#[utoipa::path(post, path = "/api/v1/delegations", request_body = DelegationRequest,
    responses((status = 201, body = Object), (status = 403, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
pub async fn add_delegation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    JsonBody(req): JsonBody<DelegationRequest>,
) -> ApiResult<(StatusCode, Json<StoredDelegation>)> {
    let delegation = Delegation {
        department: req.department.trim().to_string(),
        place: req.place.trim().to_string(),
        matters: req.matters,
    };
    let stored = admin(&state)
        .add_delegation(&actor(&signed), delegation)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Ends a delegation within the security administrator's divisions.
#[utoipa::path(delete, path = "/api/v1/delegations/{id}", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::api::ErrorBody)))]
pub async fn revoke_delegation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
) -> ApiResult<StatusCode> {
    admin(&state)
        .revoke_delegation(&actor(&signed), &id)
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct RepresentationRequest {
    /// The agent's account id.
    pub agent: String,
    /// `organization` or `person`.
    #[schema(pattern = "^(organization|person)$")]
    pub principal_kind: String,
    /// Credit code of the organization, or account id of the person.
    pub principal: String,
    /// `legal_representative`, `authorized_agent`, `relative` or `village_agent`.
    #[schema(pattern = "^(legal_representative|authorized_agent|relative|village_agent)$")]
    pub capacity: String,
    /// Number of the authorization the clerk has seen and filed.
    pub authorization: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

async fn applicant_exists(state: &AppState, id: &str) -> Result<bool, AppError> {
    Ok(state
        .store
        .account(id)
        .await?
        .is_some_and(|a| a.kind == AccountKind::Applicant))
}

/// Records an authority to act for someone, after seeing its authorization (window clerk).
#[utoipa::path(post, path = "/api/v1/representations", request_body = RepresentationRequest,
    responses((status = 201, body = Object), (status = 422, body = crate::api::ErrorBody)))]
pub async fn add_representation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
    JsonBody(req): JsonBody<RepresentationRequest>,
) -> ApiResult<(StatusCode, Json<StoredRepresentation>)> {
    let lang = prefs.lang;
    let fail = |e: AppError| ApiError(e, lang);
    let capacity = Capacity::from_key(&req.capacity).ok_or_else(|| {
        fail(AppError::invalid(
            "capacity",
            Message::new("invalid-capacity").text("value", &req.capacity),
        ))
    })?;
    let principal = match req.principal_kind.as_str() {
        "organization" => Principal::Organization(
            CreditCode::parse(&req.principal)
                .on_field("principal")
                .map_err(fail)?
                .to_string(),
        ),
        "person" => {
            if !applicant_exists(&state, &req.principal)
                .await
                .map_err(fail)?
            {
                return Err(fail(AppError::invalid(
                    "principal",
                    Message::new("invalid-principal-unknown"),
                )));
            }
            Principal::Person(req.principal.clone())
        }
        other => {
            return Err(fail(AppError::invalid(
                "principal_kind",
                Message::new("invalid-object").text("value", other),
            )))
        }
    };
    if !applicant_exists(&state, &req.agent).await.map_err(fail)? {
        return Err(fail(AppError::invalid(
            "agent",
            Message::new("invalid-agent-unknown"),
        )));
    }
    let representation = Representation {
        agent: req.agent,
        principal,
        capacity,
        authorization: req.authorization.map(|a| a.trim().to_string()),
        valid_from: req.valid_from,
        valid_until: req.valid_until,
    };
    representation
        .validate()
        .on_field("capacity")
        .map_err(fail)?;
    let mut record = signed.audit(
        state.clock.now(),
        AuditEvent::RepresentationAdded,
        Some(representation.agent.clone()),
        Outcome::Success,
    );
    record.detail = capacity.key().into();
    let stored = state
        .store
        .add_representation(&representation, record)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Whom the caller acts for, and who acts for the caller.
#[utoipa::path(get, path = "/api/v1/me/representations", responses((status = 200, body = [Object])))]
pub async fn my_representations(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    prefs: Prefs,
) -> ApiResult<Json<Vec<StoredRepresentation>>> {
    Ok(Json(
        state
            .store
            .representations_of(&signed.account.id)
            .await
            .map_err(|e| ApiError(e.into(), prefs.lang))?,
    ))
}

/// Withdraws an authority: by the person represented, the agent, or a window clerk.
/// Anyone else gets 404 and an access-denied record.
#[utoipa::path(delete, path = "/api/v1/representations/{id}", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::api::ErrorBody)))]
pub async fn revoke_representation(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    prefs: Prefs,
    uri: Uri,
) -> ApiResult<StatusCode> {
    crate::people::withdraw_representation(&state, &signed, &id, "DELETE", uri.path())
        .await
        .map_err(|e| ApiError(e, prefs.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
