//! Following a case from the applicant's side: their cases (我的办件), each case's timeline
//! (what happened, in which department, when, and the current step's deadline; never which
//! staff member), the receipt (受理回执), and the same timeline for someone without an
//! account, by case number and the last six characters of the ID number. A case that is not
//! the caller's is not found, and the attempt is recorded.

use crate::{App, Error, Signed};
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::case::{CaseState, TaskState};
use onetrip_domain::person::{acts_for, Principal};
use onetrip_store::{CaseQuery, StoredApplication, StoredCase};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Journal actions an applicant is not shown: the back office's internal moves.
const INTERNAL: &[&str] = &[
    "add_cosigner",
    "hand_over",
    "recall",
    "escalate",
    "limits_counted",
];

/// Actions whose note the applicant is shown (a reason, what to fix, a date).
const NOTED: &[&str] = &[
    "refuse",
    "deny",
    "return_for_correction",
    "accept_with_deficiency",
    "external_deny",
];

/// One of an applicant's cases.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyCase {
    pub id: String,
    pub number: String,
    pub matter: String,
    pub state: String,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// It changed since the applicant last read their cases: a message for them.
    pub news: bool,
}

/// What happened to a case, as its applicant sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    pub at: DateTime<Utc>,
    /// The journal's action (`submit`, `accept`, `claim`, `pass`, `return_for_correction`…).
    pub action: String,
    /// The department that acted (never the person).
    pub department: String,
    /// A reason, what to correct, or a date, where the applicant needs it.
    pub note: Option<String>,
}

/// The step a case is at.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurrentStep {
    pub name: String,
    pub department: String,
    /// The step's last day.
    pub ends: Option<NaiveDate>,
}

/// A case's timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Timeline {
    pub id: String,
    pub number: String,
    pub matter: String,
    pub department: String,
    pub state: String,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    /// The promised last day, once accepted.
    pub promised: Option<NaiveDate>,
    pub current: Vec<CurrentStep>,
    /// While returned for correction: exactly what to fix.
    pub correction: Option<String>,
    pub events: Vec<TimelineEvent>,
    /// Visits to a hall so far, and how many the guide promises at most.
    pub visits: i64,
    pub visits_promised: u8,
    /// While returned for correction: the form's fields that may be answered again
    /// (key, label)…
    #[schema(value_type = Vec<Object>)]
    pub fix_fields: Vec<(String, String)>,
    /// …and the materials files may be uploaded for (id, name).
    #[schema(value_type = Vec<Object>)]
    pub fix_materials: Vec<(String, String)>,
    /// The files submitted with the case (not shown to someone without an account).
    pub files: Vec<super::AttachmentView>,
}

/// A receipt (受理回执).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Receipt {
    pub id: String,
    pub number: String,
    pub matter: String,
    pub department: String,
    pub applicant: String,
    pub received_on: NaiveDate,
    pub accepted_on: NaiveDate,
    /// Each material received and how: (name, `original`/`copy`/`electronic`/`commitment`).
    #[schema(value_type = Vec<Object>)]
    pub materials: Vec<(String, String)>,
    /// Files received, by material name.
    pub files: usize,
    pub promised: Option<NaiveDate>,
    /// Visits the guide promises at most (0: none, 1: one).
    pub visits_promised: u8,
    pub visits: i64,
}

impl App {
    /// A case of the caller's (applied for, submitted as an agent, or of a person they
    /// represent today), with its application; otherwise not found, and recorded.
    pub(crate) async fn party_case(
        &self,
        signed: &Signed,
        id: &str,
    ) -> Result<(StoredCase, StoredApplication), Error> {
        let found = match self.store.case(id).await? {
            Some(c) => Some(c),
            None => self.store.case_by_number(id).await?,
        };
        if let (Some(case), false) = (&found, signed.is_staff()) {
            if let Some(application) = self.store.application(&case.application_id).await? {
                let me = signed.account.id.as_str();
                let mine = application.applicant_id.as_deref() == Some(me)
                    || application.submitted_by == me;
                let represented = match &application.applicant_id {
                    Some(person) if !mine => {
                        let reps: Vec<_> = self
                            .store
                            .representations_of(me)
                            .await?
                            .into_iter()
                            .map(|r| r.representation)
                            .collect();
                        acts_for(
                            &reps,
                            me,
                            &Principal::Person(person.clone()),
                            self.clock.today(),
                        )
                    }
                    _ => false,
                };
                if mine || represented {
                    return Ok((case.clone(), application));
                }
            }
        }
        let detail = if found.is_some() {
            "another applicant's case"
        } else {
            "no such case"
        };
        self.record_denied(signed, format!("case {id}"), detail.to_string())
            .await?;
        Err(Error::NotFound(format!("case {id}")))
    }

    /// The caller's cases, the latest first, each marked when it changed since they last
    /// read them (reading them here counts as reading the news).
    pub async fn read_my_cases(&self, signed: &Signed) -> Result<Vec<MyCase>, Error> {
        let cases = self.my_cases(signed).await?;
        if cases.iter().any(|c| c.news) {
            self.store
                .mark_cases_seen(&signed.account.id, self.clock.now())
                .await?;
        }
        Ok(cases)
    }

    /// The caller's cases, the latest first, each marked when it changed since they last
    /// read them.
    pub async fn my_cases(&self, signed: &Signed) -> Result<Vec<MyCase>, Error> {
        let seen = self.store.cases_seen(&signed.account.id).await?;
        let lines = self
            .store
            .cases(&CaseQuery {
                party: Some(signed.account.id.clone()),
                limit: 200,
                ..CaseQuery::default()
            })
            .await?;
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut out = Vec::new();
        for l in lines {
            let matter = match names.get(&l.implementation_code) {
                Some(n) => n.clone(),
                None => {
                    let n = self.in_force(&l.implementation_code).await?.map_or_else(
                        || l.implementation_code.clone(),
                        |i| i.resolved.name.clone(),
                    );
                    names.insert(l.implementation_code.clone(), n.clone());
                    n
                }
            };
            out.push(MyCase {
                news: seen.is_none_or(|s| l.updated_at > s),
                updated_at: l.updated_at,
                id: l.id,
                number: l.number,
                matter,
                state: l.state.key().into(),
                received_on: l.received_on,
                due_on: l.due_on,
            });
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        Ok(out)
    }

    /// A case's timeline for its applicant or their representative.
    pub async fn timeline(&self, signed: &Signed, id: &str) -> Result<Timeline, Error> {
        let (case, application) = self.party_case(signed, id).await?;
        let files = self.store.case_attachments(&case.id).await?;
        let mut t = self.timeline_of(case, &application).await?;
        t.files = files
            .iter()
            .map(|a| self.attachment_view(a))
            .collect::<Result<_, _>>()?;
        Ok(t)
    }

    /// A case's timeline for someone without an account: the case number and the last six
    /// characters of the applicant's ID number. Guesses are limited per address, and a
    /// failed one is recorded; a wrong number and a wrong ID look the same.
    pub async fn track(
        &self,
        number: &str,
        id_tail: &str,
        source: std::net::IpAddr,
    ) -> Result<Timeline, Error> {
        self.security.limiter.take(source).map_err(Error::TooMany)?;
        let number = number.trim();
        let tail = id_tail.trim().to_uppercase();
        let found = match self.store.case_by_number(number).await? {
            Some(case) if tail.chars().count() == 6 => {
                let application = self.store.application(&case.application_id).await?;
                match application {
                    Some(a) if self.id_ends_with(a.applicant_id.as_deref(), &tail).await? => {
                        Some((case, a))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        match found {
            Some((case, application)) => self.timeline_of(case, &application).await,
            None => {
                let record = AuditRecord {
                    at: self.clock.now(),
                    actor: None,
                    source: source.to_string(),
                    event: AuditEvent::AccessDenied,
                    object: Some(format!("case {number}")),
                    outcome: Outcome::Denied,
                    detail: "case number and ID number do not match".into(),
                };
                self.store.append_audit(record).await?;
                Err(Error::NotFound(format!("case {number}")))
            }
        }
    }

    async fn id_ends_with(&self, account: Option<&str>, tail: &str) -> Result<bool, Error> {
        let Some(account) = account else {
            return Ok(false);
        };
        let Some(person) = self.store.person(account).await? else {
            return Ok(false);
        };
        let number = self
            .security
            .cipher
            .open_field("person.document", &person.document_sealed)?;
        Ok(number.to_uppercase().ends_with(tail))
    }

    async fn timeline_of(
        &self,
        case: StoredCase,
        application: &StoredApplication,
    ) -> Result<Timeline, Error> {
        let imp = self
            .pinned(&case.implementation_code, case.implementation_version)
            .await?;
        let departments = self.department_names().await?;
        let dept = |code: &str| {
            departments
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_string())
        };
        let flow = onetrip_domain::case::CaseDoc::flow(&imp.resolved.content);
        let step_name = |id: &str| {
            flow.steps
                .iter()
                .find(|s| s.id == id)
                .map_or_else(|| id.to_string(), |s| s.name.clone())
        };
        let task_department: BTreeMap<&str, &str> = case
            .doc
            .tasks
            .iter()
            .map(|t| (t.id.as_str(), t.department.as_str()))
            .collect();
        let events = self
            .store
            .journal(&case.id)
            .await?
            .into_iter()
            .filter(|(e, _)| !INTERNAL.contains(&e.action.as_str()))
            .map(|(e, _)| TimelineEvent {
                at: e.at,
                department: dept(
                    e.task
                        .as_deref()
                        .and_then(|t| task_department.get(t).copied())
                        .unwrap_or(case.department.as_str()),
                ),
                note: NOTED
                    .contains(&e.action.as_str())
                    .then(|| e.note.clone())
                    .filter(|n| !n.is_empty()),
                action: e.action,
            })
            .collect();
        let current = case
            .doc
            .tasks
            .iter()
            .filter(|t| {
                matches!(
                    t.state,
                    TaskState::Open | TaskState::Claimed | TaskState::External
                )
            })
            .map(|t| CurrentStep {
                name: step_name(&t.step),
                department: dept(&t.department),
                ends: t.limit.ends,
            })
            .collect();
        let correcting = case.state == CaseState::Correction;
        let content = &imp.resolved.content;
        let fix_fields = content
            .form
            .iter()
            .filter(|_| correcting)
            .map(|f| (f.key.clone(), f.label.clone()))
            .collect();
        let fix_materials = content
            .materials
            .iter()
            .filter(|m| correcting && m.form != onetrip_domain::codes::MaterialForm::Paper)
            .map(|m| (m.id.clone(), m.name.clone()))
            .collect();
        Ok(Timeline {
            files: Vec::new(),
            fix_fields,
            fix_materials,
            id: case.id.clone(),
            number: case.number.clone(),
            matter: imp.resolved.name.clone(),
            department: dept(&case.department),
            state: case.state.key().into(),
            received_on: case.doc.received_on,
            accepted_on: case.doc.accepted_on,
            promised: case.doc.promised.as_ref().and_then(|l| l.ends),
            current,
            correction: (case.state == CaseState::Correction)
                .then(|| case.doc.correction.clone())
                .flatten(),
            events,
            visits: application.visits,
            visits_promised: imp.resolved.content.visits,
        })
    }

    /// The receipt of an accepted case, for its applicant or a window with scope over it.
    pub async fn receipt(&self, signed: &Signed, id: &str) -> Result<Receipt, Error> {
        let (case, application) = if signed.is_staff() {
            let (case, _) = self.case_for(signed, id).await?;
            let application = self
                .store
                .application(&case.application_id)
                .await?
                .ok_or_else(|| Error::Internal(format!("case {} application", case.number)))?;
            (case, application)
        } else {
            self.party_case(signed, id).await?
        };
        let Some(accepted_on) = case.doc.accepted_on else {
            return Err(super::scope::not_yours("receipt-not-accepted"));
        };
        let imp = self
            .pinned(&case.implementation_code, case.implementation_version)
            .await?;
        let content = &imp.resolved.content;
        let materials = content
            .materials
            .iter()
            .filter_map(|m| {
                case.doc
                    .presented
                    .get(&m.id)
                    .filter(|p| **p != onetrip_domain::case::Presented::Missing)
                    .map(|p| (m.name.clone(), p.key().to_string()))
            })
            .collect();
        let files = self.store.case_attachments(&case.id).await?.len();
        let applicant = match (&application.applicant_id, &application.organization) {
            (Some(a), _) => self
                .store
                .account(a)
                .await?
                .map(|a| a.display_name)
                .unwrap_or_default(),
            (None, Some(o)) => o.clone(),
            (None, None) => String::new(),
        };
        let department = self.department_name(&case.department).await?;
        Ok(Receipt {
            id: case.id.clone(),
            number: case.number.clone(),
            matter: imp.resolved.name.clone(),
            department,
            applicant,
            received_on: case.doc.received_on,
            accepted_on,
            materials,
            files,
            promised: case.doc.promised.as_ref().and_then(|l| l.ends),
            visits_promised: content.visits,
            visits: application.visits,
        })
    }
}
