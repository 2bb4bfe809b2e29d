//! Applicants' accounts: self-registration (checked identity numbers, sealed and
//! blind-indexed) and single sign-on through the province's identity service, each ending
//! in a complete sign-in.

use crate::App;
use crate::{Error, OnField};
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::message::Message;
use onetrip_domain::person::{Assurance, DocumentKind, IdentityDocument, MobileNumber, PersonName};
use onetrip_store::{Conflict, NewAccount, PersonRecord, StoreError};
use std::net::IpAddr;

/// How long a login waits for a free hashing slot before answering "busy".
use crate::login::{record, signed_in, SignedIn};

/// An applicant's registration form.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Registration {
    /// The name on the identity document, exactly (rare characters kept).
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// `resident_id_card` (default), `hk_macao_residence_permit`, `taiwan_residence_permit`,
    /// `foreign_permanent_residence` or `passport`.
    #[serde(default = "default_kind")]
    #[schema(value_type = crate::keys::DocumentKindKey)]
    pub document_kind: String,
    /// The document's number; a resident ID card's check character is checked.
    #[schema(min_length = 1, max_length = 40)]
    pub document_number: String,
    /// A mainland mobile number (spaces and full-width digits are accepted).
    #[schema(min_length = 11, max_length = 40)]
    pub phone: String,
    /// At least 8 characters, not a common password, not the name or numbers.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

fn default_kind() -> String {
    DocumentKind::ResidentIdCard.key().to_string()
}

/// An applicant's identity as stored: numbers sealed, blind-indexed and masked.
pub(crate) fn person_record(
    security: &crate::Security,
    name: &str,
    document: &IdentityDocument,
    phone: &MobileNumber,
) -> Result<PersonRecord, onetrip_vault::VaultError> {
    let c = &security.cipher;
    let kind = document.kind().key();
    Ok(PersonRecord {
        name: name.to_string(),
        document_kind: kind.to_string(),
        document_sealed: c.seal("person.document", document.number())?,
        document_index: crate::security::document_index(security, kind, document.number()),
        document_masked: document.masked(),
        phone_sealed: c.seal("person.phone", phone.as_str())?,
        phone_index: crate::security::phone_index(security, phone),
        phone_masked: phone.masked(),
    })
}

impl App {
    /// Signs in (registering on first use) the applicant an ID token names. The account's
    /// assurance becomes `single_sign_on` if it was lower.
    pub async fn single_sign_on(
        &self,
        claims: &serde_json::Map<String, serde_json::Value>,
        source: IpAddr,
    ) -> Result<SignedIn, Error> {
        let security = &self.security;
        let Some(oidc) = &security.oidc else {
            return Err(Error::NotFound("/login/sso".into()));
        };
        let claim = |name: &str| {
            claims
                .get(name)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
        };
        let document = IdentityDocument::parse(
            DocumentKind::ResidentIdCard,
            claim(&oidc.config.document_claim),
        )
        .on_field("document_number")?;
        let name = PersonName::parse(claim("name")).on_field("name")?;
        let login = crate::security::applicant_login(
            security,
            DocumentKind::ResidentIdCard.key(),
            document.number(),
        );
        let now = self.clock.now();
        let account = match self.store.account_by_login(&login).await? {
            Some(mut a) => {
                let mut audit = record(
                    now,
                    source,
                    AuditEvent::AssuranceRaised,
                    Some(&a.id),
                    Outcome::Success,
                    "",
                );
                audit.actor = Some(a.id.clone());
                crate::people::raise_assurance(self, &mut a, Assurance::SingleSignOn, audit)
                    .await?;
                a
            }
            None => {
                let phone =
                    MobileNumber::parse(claim(&oidc.config.phone_claim)).on_field("phone")?;
                let person = person_record(security, name.as_str(), &document, &phone)?;
                self.store
                    .create_account(
                        NewAccount::applicant(login, person, None, Assurance::SingleSignOn),
                        record(
                            now,
                            source,
                            AuditEvent::AccountCreated,
                            None,
                            Outcome::Success,
                            "single sign-on",
                        ),
                    )
                    .await?
            }
        };
        if account.disabled_at.is_some() {
            return Err(Error::LoginFailed);
        }
        signed_in(self, &account, source, "single sign-on", false).await
    }

    /// Registers an applicant (self-registered assurance) and signs them in.
    pub async fn register(&self, form: &Registration, source: IpAddr) -> Result<SignedIn, Error> {
        let security = &self.security;
        security.limiter.take(source).map_err(Error::TooMany)?;
        let name = PersonName::parse(&form.name).on_field("name")?;
        let kind = DocumentKind::from_key(&form.document_kind).ok_or_else(|| {
            Error::invalid("document_kind", Message::new("invalid-document-kind"))
        })?;
        let document =
            IdentityDocument::parse(kind, &form.document_number).on_field("document_number")?;
        if document
            .birth_date()
            .is_some_and(|b| b > self.clock.today())
        {
            return Err(Error::invalid(
                "document_number",
                Message::new("invalid-document-future-birth"),
            ));
        }
        let phone = MobileNumber::parse(&form.phone).on_field("phone")?;
        security
            .policy
            .check(
                &form.password,
                &[document.number(), phone.as_str(), name.as_str()],
            )
            .on_field("password")?;
        let hash = {
            let _slot = security.hashing_slot().await?;
            let hasher = security.hasher.clone();
            let pw = form.password.clone();
            tokio::task::spawn_blocking(move || hasher.hash(&pw))
                .await
                .map_err(|e| Error::Internal(e.to_string()))?
                .map_err(|e| Error::Internal(e.to_string()))?
        };
        let login = crate::security::applicant_login(security, kind.key(), document.number());
        let person = person_record(security, name.as_str(), &document, &phone)?;
        let now = self.clock.now();
        let created = self
            .store
            .create_account(
                NewAccount::applicant(login, person, Some(hash), Assurance::SelfRegistered),
                record(
                    now,
                    source,
                    AuditEvent::AccountCreated,
                    None,
                    Outcome::Success,
                    "self-registration",
                ),
            )
            .await;
        let account = match created {
            Ok(a) => a,
            Err(StoreError::Conflict(Conflict::Document)) => {
                return Err(Error::conflict(
                    "document_number",
                    Message::new("conflict-document-registered"),
                ))
            }
            Err(e) => return Err(e.into()),
        };
        signed_in(self, &account, source, "registration", false).await
    }
}
