//! Who may do what with a case. A window clerk accepts (and hands out) matters of their own
//! department, or of a department that delegated acceptance to their service place; back-
//! office staff take the tasks of their own department whose role they hold over the case's
//! division and matter; a supervisor sees the cases of their divisions. Anyone else finds
//! nothing: a foreign case is "not found", and the attempt is recorded.

use crate::{App, Error, Signed};
use onetrip_domain::access::{check, may_accept, Acceptance, Permission, Scope};
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::case::Task;
use onetrip_domain::message::Message;
use onetrip_store::StoredCase;

/// How a staff member stands to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// A window of the case: may accept, conclude and hand out.
    Window,
    /// In its flow: holds or may take one of its tasks.
    Flow,
    /// In the back office of one of its departments, with no step of its own: may see it
    /// (and the view is recorded) and may do what the department does outside a step.
    Colleague,
    /// Watches it: a supervisor of its division.
    Supervisor,
}

const BACK_OFFICE: [Permission; 3] = [
    Permission::HandleCase,
    Permission::ReviewCase,
    Permission::ApproveCase,
];

/// What a window clerk may accept: read once, asked of many matters.
pub struct AcceptScope {
    organization: Option<String>,
    grants: Vec<onetrip_domain::access::Grant>,
    delegations: std::sync::Arc<Vec<onetrip_domain::access::Delegation>>,
    divisions: std::sync::Arc<std::collections::BTreeMap<String, onetrip_domain::Division>>,
}

impl AcceptScope {
    /// Whether a matter of `department` in `division` may be accepted: own department, or
    /// delegated to the clerk's service place.
    pub fn allows(&self, department: &str, base_code: &str, division: &str) -> bool {
        let Some(org) = self.organization.as_deref() else {
            return false;
        };
        let what = Acceptance {
            department,
            matter: base_code,
            division,
        };
        may_accept(org, &self.grants, &self.delegations, what, &self.divisions).is_ok()
    }

    /// The departments whose matters may be accepted here at all: the clerk's own and those
    /// that delegated acceptance to the clerk's place.
    pub fn departments(&self) -> Vec<String> {
        let Some(org) = self.organization.as_deref() else {
            return Vec::new();
        };
        let mut out = vec![org.to_string()];
        for d in self.delegations.iter().filter(|d| d.place == org) {
            if !out.contains(&d.department) {
                out.push(d.department.clone());
            }
        }
        out
    }
}

impl App {
    /// What `signed` may accept.
    pub async fn accept_scope(&self, signed: &Signed) -> Result<AcceptScope, Error> {
        let delegations = self.live_delegations().await?;
        Ok(AcceptScope {
            organization: signed
                .account
                .organization
                .clone()
                .filter(|_| signed.is_staff()),
            grants: signed.grants.clone(),
            delegations,
            divisions: self.division_map().await?,
        })
    }

    /// Whether `signed` may accept (and later hand out) a matter of `department` in
    /// `division`.
    pub(crate) async fn may_accept_matter(
        &self,
        signed: &Signed,
        department: &str,
        base_code: &str,
        division: &str,
    ) -> Result<bool, Error> {
        if !signed.holds(Permission::AcceptApplication) {
            return Ok(false);
        }
        Ok(self
            .accept_scope(signed)
            .await?
            .allows(department, base_code, division))
    }

    /// Whether `signed` may take this task of `case`: the step's role over the case's
    /// division and matter, in the task's department.
    pub(crate) async fn may_take(
        &self,
        signed: &Signed,
        task: &Task,
        case: &StoredCase,
    ) -> Result<bool, Error> {
        if signed.account.organization.as_deref() != Some(task.department.as_str()) {
            return Ok(false);
        }
        let permission = match task.role {
            onetrip_domain::codes::StepRole::WindowClerk => Permission::AcceptApplication,
            onetrip_domain::codes::StepRole::Handler => Permission::HandleCase,
            onetrip_domain::codes::StepRole::Reviewer => Permission::ReviewCase,
            onetrip_domain::codes::StepRole::Approver => Permission::ApproveCase,
        };
        let scope = Scope {
            division: &case.division,
            matter: Some(&case.base_code),
        };
        Ok(check(
            &signed.grants,
            permission,
            scope,
            &*self.division_map().await?,
        )
        .is_ok())
    }

    /// How `signed` stands to a case, if at all.
    pub(crate) async fn standing(
        &self,
        signed: &Signed,
        case: &StoredCase,
    ) -> Result<Option<Standing>, Error> {
        if !signed.is_staff() {
            return Ok(None);
        }
        if self
            .may_accept_matter(signed, &case.department, &case.base_code, &case.division)
            .await?
        {
            return Ok(Some(Standing::Window));
        }
        for task in &case.doc.tasks {
            if self.may_take(signed, task, case).await? {
                return Ok(Some(Standing::Flow));
            }
        }
        let divisions = self.division_map().await?;
        let scope = Scope {
            division: &case.division,
            matter: Some(&case.base_code),
        };
        let org = signed.account.organization.as_deref();
        let in_department = org == Some(case.department.as_str())
            || case
                .doc
                .tasks
                .iter()
                .any(|t| Some(t.department.as_str()) == org);
        if in_department
            && BACK_OFFICE
                .iter()
                .any(|p| check(&signed.grants, *p, scope, &divisions).is_ok())
        {
            return Ok(Some(Standing::Colleague));
        }
        if check(&signed.grants, Permission::Supervise, scope, &divisions).is_ok() {
            return Ok(Some(Standing::Supervisor));
        }
        Ok(None)
    }

    /// The case `signed` may see, with their standing; otherwise "not found" and an
    /// access-denied record. A view by someone outside its flow (a supervisor, a colleague
    /// of its department with no step in it) is recorded too.
    pub(crate) async fn case_for(
        &self,
        signed: &Signed,
        id: &str,
    ) -> Result<(StoredCase, Standing), Error> {
        let found = match self.store.case(id).await? {
            Some(c) => Some(c),
            None => self.store.case_by_number(id).await?,
        };
        let standing = match &found {
            Some(case) => self.standing(signed, case).await?,
            None => None,
        };
        match (found, standing) {
            (Some(case), Some(standing)) => {
                if matches!(standing, Standing::Supervisor | Standing::Colleague) {
                    let record = signed.audit(
                        self.clock.now(),
                        AuditEvent::CaseViewed,
                        Some(case.number.clone()),
                        Outcome::Success,
                    );
                    self.store.append_audit(record).await?;
                }
                Ok((case, standing))
            }
            (found, _) => {
                let mut record = signed.audit(
                    self.clock.now(),
                    AuditEvent::AccessDenied,
                    Some(format!("case {id}")),
                    Outcome::Denied,
                );
                record.detail = if found.is_some() {
                    "outside the caller's departments and divisions".into()
                } else {
                    "no such case".into()
                };
                self.store.append_audit(record).await?;
                Err(Error::NotFound(format!("case {id}")))
            }
        }
    }
}

/// The refusal of an act the caller's standing does not allow.
pub(crate) fn not_yours(what: &'static str) -> Error {
    Error::refused(Message::new(what))
}
