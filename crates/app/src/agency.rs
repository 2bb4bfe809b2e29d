//! Acting for someone else: an authority recorded at a window after the clerk has seen
//! the authorization, listed and withdrawn by the people concerned (see
//! [`crate::people`]). Departments' delegations to service places are the security
//! administrator's (see [`crate::staff`]).

use crate::{App, Error, OnField, Signed};
use chrono::NaiveDate;
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::message::Message;
use onetrip_domain::person::{Capacity, Principal, Representation};
use onetrip_domain::CreditCode;
use onetrip_store::{AccountKind, StoredRepresentation};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
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

async fn applicant_exists(app: &App, id: &str) -> Result<bool, Error> {
    Ok(app
        .store
        .account(id)
        .await?
        .is_some_and(|a| a.kind == AccountKind::Applicant))
}

impl App {
    /// Records an authority to act for someone (window clerk): the agent and a person
    /// principal must be applicants, an organization a valid credit code.
    pub async fn add_representation(
        &self,
        signed: &Signed,
        req: RepresentationRequest,
    ) -> Result<StoredRepresentation, Error> {
        let capacity = Capacity::from_key(&req.capacity).ok_or_else(|| {
            Error::invalid(
                "capacity",
                Message::new("invalid-capacity").text("value", &req.capacity),
            )
        })?;
        let principal = match req.principal_kind.as_str() {
            "organization" => Principal::Organization(
                CreditCode::parse(&req.principal)
                    .on_field("principal")?
                    .to_string(),
            ),
            "person" => {
                if !applicant_exists(self, &req.principal).await? {
                    return Err(Error::invalid(
                        "principal",
                        Message::new("invalid-principal-unknown"),
                    ));
                }
                Principal::Person(req.principal.clone())
            }
            other => {
                return Err(Error::invalid(
                    "principal_kind",
                    Message::new("invalid-object").text("value", other),
                ))
            }
        };
        if !applicant_exists(self, &req.agent).await? {
            return Err(Error::invalid(
                "agent",
                Message::new("invalid-agent-unknown"),
            ));
        }
        let representation = Representation {
            agent: req.agent,
            principal,
            capacity,
            authorization: req.authorization.map(|a| a.trim().to_string()),
            valid_from: req.valid_from,
            valid_until: req.valid_until,
        };
        representation.validate().on_field("capacity")?;
        let mut record = signed.audit(
            self.clock.now(),
            AuditEvent::RepresentationAdded,
            Some(representation.agent.clone()),
            Outcome::Success,
        );
        record.detail = capacity.key().into();
        Ok(self
            .store
            .add_representation(&representation, record)
            .await?)
    }

    /// Whom the account acts for, and who acts for it.
    pub async fn representations(
        &self,
        signed: &Signed,
    ) -> Result<Vec<StoredRepresentation>, Error> {
        Ok(self.store.representations_of(&signed.account.id).await?)
    }
}
