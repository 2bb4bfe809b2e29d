//! The demo accounts: one staff account per role, TOTP already enrolled, and one
//! applicant. Only `onetrip demo`, `serve --demo` and tests create them.

use crate::staff::{Actor, NewStaff};
use crate::App;
use crate::Error;
use onetrip_domain::access::{Grant, Role};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::TotpSecret;
use onetrip_domain::person::{Assurance, DocumentKind, IdentityDocument, MobileNumber};
use onetrip_store::NewAccount;

/// The password of every demo account (shown on the demo login page).
pub const DEMO_PASSWORD: &str = "onetrip-demo-2026";

/// Login, name, organization, role and division of each demo staff account.
pub const DEMO_STAFF: &[(&str, &str, &str, Role, &str)] = &[
    (
        "clerk",
        "周晓兰",
        "331199-centre",
        Role::WindowClerk,
        "331199",
    ),
    (
        "handler",
        "吴建国",
        "11331199MB1A001006",
        Role::Handler,
        "331199",
    ),
    (
        "reviewer",
        "陈丽华",
        "11331199MB1A001006",
        Role::Reviewer,
        "331199",
    ),
    (
        "approver",
        "李卫东",
        "11331199MB1A001006",
        Role::Approver,
        "331199",
    ),
    (
        "supervisor",
        "郑秀英",
        "331199-centre",
        Role::Supervisor,
        "331199",
    ),
    (
        "catalog",
        "徐明",
        "331199-centre",
        Role::CatalogAdmin,
        "331199",
    ),
    (
        "sysadmin",
        "王海涛",
        "331199-centre",
        Role::SystemAdmin,
        "331199",
    ),
    (
        "secadmin",
        "赵敏",
        "331199-centre",
        Role::SecurityAdmin,
        "331199",
    ),
    (
        "auditor",
        "孙婷",
        "331199-centre",
        Role::AuditAdmin,
        "331199",
    ),
    // 石门镇's own hall: a township security administrator and a window clerk.
    (
        "shimen.security",
        "石磊",
        "331199101-centre",
        Role::SecurityAdmin,
        "331199101",
    ),
    (
        "shimen.window",
        "石小燕",
        "331199101-centre",
        Role::WindowClerk,
        "331199101",
    ),
];

/// The demo applicant: a resident of 青溪县 (fictional division code 331199).
pub const DEMO_APPLICANT: (&str, &str, &str) = ("王𠈌", "331199195603120026", "13800000001");

impl App {
    /// Creates the demo accounts unless staff accounts exist already. Returns how many were made.
    pub async fn seed_demo(&self) -> Result<usize, Error> {
        let (store, clock, security) = (&self.store, self.clock.as_ref(), self.security.as_ref());
        if !store.staff_accounts().await?.is_empty() {
            return Ok(0);
        }
        let actor = Actor::console("demo", "console");
        let hash = self.demo_hash().await?;
        let mut made = 0;
        for (login, name, org, role, division) in DEMO_STAFF {
            self.demo_staff(&actor, (login, name, org, *role, division), &hash)
                .await?;
            made += 1;
        }

        let (name, number, phone) = DEMO_APPLICANT;
        let document = IdentityDocument::parse(DocumentKind::ResidentIdCard, number)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let phone = MobileNumber::parse(phone).map_err(|e| Error::Internal(e.to_string()))?;
        let kind = DocumentKind::ResidentIdCard.key();
        store
            .create_account(
                NewAccount::applicant(
                    crate::security::applicant_login(security, kind, document.number()),
                    crate::register::person_record(security, name, &document, &phone)?,
                    Some(hash),
                    Assurance::InPerson,
                ),
                AuditRecord {
                    at: clock.now(),
                    actor: Some(actor.id.clone()),
                    source: actor.source.clone(),
                    event: AuditEvent::AccountCreated,
                    object: None,
                    outcome: Outcome::Success,
                    detail: "demo applicant".into(),
                },
            )
            .await?;
        Ok(made + 1)
    }

    /// The demo password, hashed once for every demo account.
    async fn demo_hash(&self) -> Result<String, Error> {
        let hasher = self.security.hasher.clone();
        tokio::task::spawn_blocking(move || hasher.hash(DEMO_PASSWORD))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
            .map_err(|e| Error::Internal(e.to_string()))
    }

    /// Creates one demo staff account with its grant and an enrolled second factor.
    async fn demo_staff(
        &self,
        actor: &Actor,
        (login, name, org, role, division): (&str, &str, &str, Role, &str),
        hash: &str,
    ) -> Result<(), Error> {
        let (store, clock, security) = (&self.store, self.clock.as_ref(), self.security.as_ref());
        let admin = self.staff();
        let account = admin
            .create_hashed(
                actor,
                &NewStaff {
                    login: login.into(),
                    name: name.into(),
                    organization: org.into(),
                    password: String::new(),
                },
                hash.to_string(),
            )
            .await?;
        admin
            .grant(
                actor,
                &account.id,
                Grant {
                    role,
                    division: onetrip_domain::DivisionCode::parse(division)
                        .map_err(|e| Error::Internal(e.to_string()))?,
                    matters: Vec::new(),
                    unmask: role == Role::WindowClerk,
                },
            )
            .await?;
        let secret = TotpSecret::from_bytes(onetrip_vault::random_bytes::<20>()?.to_vec());
        let sealed = security
            .cipher
            .seal(crate::login::TOTP_CONTEXT, &secret.to_base32())?;
        store
            .set_totp(
                &account.id,
                Some(sealed),
                AuditRecord {
                    at: clock.now(),
                    actor: Some(actor.id.clone()),
                    source: actor.source.clone(),
                    event: AuditEvent::SecondFactorEnrolled,
                    object: Some(account.id.clone()),
                    outcome: Outcome::Success,
                    detail: "demo".into(),
                },
            )
            .await?;
        Ok(())
    }

    /// The living hall on top of the demo accounts: staff in every county bureau and
    /// township, delegations to the service centres, and cases in every state. Does
    /// nothing once delegations exist. Returns (staff, delegations, cases) made.
    pub async fn seed_demo_hall(&self) -> Result<(usize, usize, usize), Error> {
        if !self.store.delegations().await?.is_empty() {
            return Ok((0, 0, 0));
        }
        let actor = Actor::console("demo", "console");
        let staff = crate::demo_hall::hall_staff();
        let hash = self.demo_hash().await?;
        for (login, name, org, role, division) in &staff {
            self.demo_staff(&actor, (login, name, org, *role, division), &hash)
                .await?;
        }
        let delegations = self.seed_delegations(&actor).await?;
        self.load_calendar().await?;
        let cases = self.seed_demo_cases().await?;
        Ok((staff.len(), delegations, cases))
    }
}

/// A staff account of the demo, as the sign-in page lists it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub login: String,
    /// The role key of its first grant.
    pub role: Option<String>,
    /// Its current second-factor code.
    pub code: String,
}

impl App {
    /// In demo mode, every staff account with its first role and current code (the sign-in
    /// page shows them); nothing otherwise.
    pub async fn demo_accounts(&self) -> Result<Vec<DemoAccount>, Error> {
        if !self.security.config.demo {
            return Ok(Vec::new());
        }
        let now = self.clock.now().timestamp();
        let mut out = Vec::new();
        for a in self.store.staff_accounts().await? {
            let grants = self.store.grants_of(&a.id).await?;
            let code = a
                .totp_secret
                .as_deref()
                .and_then(|s| {
                    self.security
                        .cipher
                        .open_field(crate::login::TOTP_CONTEXT, s)
                        .ok()
                })
                .and_then(|b32| onetrip_domain::auth::TotpSecret::from_base32(&b32))
                .map(|s| s.code_at(now))
                .unwrap_or_default();
            out.push(DemoAccount {
                login: a.login,
                role: grants.first().map(|g| g.grant.role.key().to_string()),
                code,
            });
        }
        Ok(out)
    }
}
