//! Acting on a case: every act loads the case the caller may act on, applies one rule of
//! its lifecycle, and writes the new state with its journal entry, chained to the case's
//! head, only if nobody changed the case meanwhile (else it is tried again on the new
//! state, so the loser of a race gets the rule's own answer: "already claimed").

use super::scope::{not_yours, Standing};
use super::{AcceptRequest, DecisionRequest, DeliveryRequest, ExternalResult, TaskMove};
use crate::{App, Error, Signed};
use chrono::NaiveDate;
use onetrip_domain::case::consent::Consent;
use onetrip_domain::case::journal::JournalEntry;
use onetrip_domain::case::lifecycle::{Ctx, Delivery, DeliveryMethod, Transition};
use onetrip_domain::case::{CaseDoc, CaseError, Decision, External, FlowError, Task};
use onetrip_domain::chain;
use onetrip_domain::message::{Explain, Message};
use onetrip_store::{CaseChange, Conflict, StoreError, StoredCase, TaskRow};
use serde::Serialize;
use utoipa::ToSchema;

/// Tries of an act that lost a race to another change of the same case.
const TRIES: usize = 8;

/// What an act left the case as.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Acted {
    pub id: String,
    pub number: String,
    pub state: String,
    pub version: i64,
    /// The case's tasks still to be done after the act, so the caller can go on without
    /// reading the case again.
    pub tasks: Vec<LiveTask>,
}

/// A task still to be done.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveTask {
    pub id: String,
    pub step: String,
    pub role: String,
    /// `open`, `claimed`, `external` or `correction`.
    pub state: String,
}

/// Who may do an act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// A window of the case.
    Window,
    /// Someone in its flow (the task itself is checked by the act).
    Flow,
    /// The back office of the implementing department.
    Department,
}

impl From<CaseError> for Error {
    fn from(e: CaseError) -> Error {
        let field = match &e {
            CaseError::DueTooLate(_) | CaseError::DueInPast => "deficiency_due",
            CaseError::ReasonRequired => "reason",
            CaseError::DocumentRequired => "document",
            CaseError::Incomplete | CaseError::NotDeferrable | CaseError::MaterialsOwed => {
                "materials"
            }
            CaseError::WrongState(_) | CaseError::NothingToCheck | CaseError::AlreadyConfirmed => {
                "state"
            }
            CaseError::Flow(FlowError::Calendar(_)) => "date",
            CaseError::Flow(_) => "task",
        };
        match e {
            CaseError::ReasonRequired
            | CaseError::DocumentRequired
            | CaseError::DueTooLate(_)
            | CaseError::DueInPast => Error::invalid(field, e.explain()),
            _ => Error::conflict(field, e.explain()),
        }
    }
}

/// The rows of tasks that differ from before.
fn changed_tasks(before: &[Task], after: &[Task], case: &StoredCase) -> Vec<TaskRow> {
    after
        .iter()
        .filter(|t| !before.contains(t))
        .map(|t| TaskRow {
            id: t.id.clone(),
            case_id: case.id.clone(),
            step: t.step.clone(),
            role: t.role.key().into(),
            department: t.department.clone(),
            division: case.division.clone(),
            base_code: case.base_code.clone(),
            state: t.state.key().into(),
            claimed_by: t.claimed_by.clone(),
            due_on: t.limit.ends,
            escalated: t.escalated,
            opened_on: t.opened,
        })
        .collect()
}

impl App {
    /// Applies `rule` to the case as `actor` (an account id, or `system`), and writes it.
    pub(crate) async fn apply<F>(
        &self,
        case: StoredCase,
        actor: &str,
        visits: i64,
        rule: F,
    ) -> Result<Acted, Error>
    where
        F: FnMut(
            &mut CaseDoc,
            &Ctx<'_>,
            &mut dyn FnMut() -> String,
        ) -> Result<Transition, CaseError>,
    {
        self.apply_with_form(case, actor, visits, None, rule).await
    }

    /// Like [`App::apply`], replacing the form's sealed answers too (a resubmission).
    pub(crate) async fn apply_with_form<F>(
        &self,
        case: StoredCase,
        actor: &str,
        visits: i64,
        sealed_form: Option<String>,
        mut rule: F,
    ) -> Result<Acted, Error>
    where
        F: FnMut(
            &mut CaseDoc,
            &Ctx<'_>,
            &mut dyn FnMut() -> String,
        ) -> Result<Transition, CaseError>,
    {
        let mut case = case;
        for _ in 0..TRIES {
            let imp = self
                .pinned(&case.implementation_code, case.implementation_version)
                .await?;
            let form = self.form_of(&case)?;
            let cal = self.cases.calendar();
            let ctx = Ctx {
                content: &imp.resolved.content,
                form: &form,
                department: &case.department,
                cal: &cal,
                today: self.clock.today(),
            };
            let mut doc = case.doc.clone();
            let mut ids = onetrip_store::new_id;
            let moved = rule(&mut doc, &ctx, &mut ids)?;
            let journal = JournalEntry {
                case_id: case.id.clone(),
                seq: case.journal_seq + 1,
                at: self.clock.now(),
                actor: actor.to_string(),
                action: moved.action.into(),
                before: moved.before.key().into(),
                after: moved.after.key().into(),
                task: moved.task,
                note: moved.note,
            };
            let prev = chain::from_hex(&case.journal_head)
                .ok_or_else(|| Error::Internal(format!("case {} head", case.number)))?;
            let hash = chain::to_hex(&journal.hash_after(&prev));
            let change = CaseChange {
                case_id: case.id.clone(),
                expected_version: case.version,
                due_on: doc.promised.and_then(|l| l.ends),
                form: sealed_form.clone(),
                tasks: changed_tasks(&case.doc.tasks, &doc.tasks, &case),
                journal,
                hash,
                visits,
                doc,
            };
            let state = change.doc.state;
            let live: Vec<LiveTask> = change
                .doc
                .tasks
                .iter()
                .filter(|t| t.state.is_live())
                .map(|t| LiveTask {
                    id: t.id.clone(),
                    step: t.step.clone(),
                    role: t.role.key().into(),
                    state: t.state.key().into(),
                })
                .collect();
            match self.store.change_case(change).await {
                Ok(()) => {
                    return Ok(Acted {
                        id: case.id,
                        number: case.number,
                        state: state.key().into(),
                        version: case.version + 1,
                        tasks: live,
                    })
                }
                Err(StoreError::Conflict(Conflict::Stale)) => {
                    case = self
                        .store
                        .case(&case.id)
                        .await?
                        .ok_or_else(|| Error::NotFound(format!("case {}", case.number)))?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict(Conflict::Stale).into())
    }

    /// The case, if `signed` stands to it as `need` asks.
    pub(super) async fn case_needing(
        &self,
        signed: &Signed,
        id: &str,
        need: Need,
    ) -> Result<StoredCase, Error> {
        let (case, standing) = self.case_for(signed, id).await?;
        let ok = match need {
            Need::Window => standing == Standing::Window,
            Need::Flow => standing != Standing::Supervisor,
            Need::Department => {
                matches!(standing, Standing::Flow | Standing::Colleague)
                    && signed.account.organization.as_deref() == Some(case.department.as_str())
            }
        };
        if ok {
            Ok(case)
        } else {
            Err(not_yours(match need {
                Need::Window => "case-not-your-window",
                Need::Flow => "case-not-your-task",
                Need::Department => "case-not-your-department",
            }))
        }
    }

    /// The task, if `signed` may take it.
    async fn task_for(&self, signed: &Signed, case: &StoredCase, task: &str) -> Result<(), Error> {
        let Some(t) = case.doc.tasks.iter().find(|t| t.id == task) else {
            return Err(Error::conflict("task", FlowError::NoSuchTask.explain()));
        };
        if self.may_take(signed, t, case).await? {
            Ok(())
        } else {
            Err(not_yours("case-not-your-task"))
        }
    }

    /// Accepts a case at the window, in full or with deferred materials (容缺).
    pub async fn accept(
        &self,
        signed: &Signed,
        id: &str,
        req: &AcceptRequest,
    ) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Window).await?;
        let due = req
            .deficiency_due
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| Error::invalid("deficiency_due", Message::new("invalid-date")))
            })
            .transpose()?;
        let me = signed.account.id.clone();
        self.apply(
            case,
            &signed.account.id,
            0,
            move |doc, ctx, ids| match due {
                Some(due) => doc.accept_with_deficiency(ctx, &me, due, ids),
                None => doc.accept(ctx, &me, ids),
            },
        )
        .await
    }

    /// Refuses a case with a reason.
    pub async fn refuse(&self, signed: &Signed, id: &str, reason: &str) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Window).await?;
        self.apply(case, &signed.account.id, 0, |doc, _, _| doc.refuse(reason))
            .await
    }

    /// Gives the complete notice of everything missing (一次性告知).
    pub async fn notice(&self, signed: &Signed, id: &str) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Window).await?;
        self.apply(case, &signed.account.id, 0, |doc, _, _| doc.notice())
            .await
    }

    /// Records that the deferred materials were supplied.
    pub async fn supplied(&self, signed: &Signed, id: &str) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Window).await?;
        self.apply(case, &signed.account.id, 1, |doc, _, _| doc.supplied())
            .await
    }

    /// Records that the applicant corrected what the back office asked for.
    pub async fn corrected(&self, signed: &Signed, id: &str) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Window).await?;
        self.apply(case, &signed.account.id, 1, |doc, ctx, _| {
            doc.corrected(ctx)
        })
        .await
    }

    /// Claims a task.
    pub async fn claim(&self, signed: &Signed, id: &str, task: &str) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Flow).await?;
        self.task_for(signed, &case, task).await?;
        let me = signed.account.id.clone();
        self.apply(case, &signed.account.id, 0, |doc, ctx, _| {
            doc.claim(ctx, task, &me)
        })
        .await
    }

    /// Decides a task the caller holds: pass, return for correction, deny.
    pub async fn decide(
        &self,
        signed: &Signed,
        id: &str,
        task: &str,
        req: &DecisionRequest,
    ) -> Result<Acted, Error> {
        let reason = req.reason.clone().unwrap_or_default();
        let decision = match req.decision.trim() {
            "pass" => Decision::Pass,
            "return" => Decision::Return(reason),
            "deny" => Decision::Deny(reason),
            other => {
                return Err(Error::invalid(
                    "decision",
                    Message::new("case-decision-unknown").text("value", other),
                ))
            }
        };
        let case = self.case_needing(signed, id, Need::Flow).await?;
        self.task_for(signed, &case, task).await?;
        let me = signed.account.id.clone();
        self.apply(case, &signed.account.id, 0, |doc, ctx, ids| {
            doc.decide(ctx, task, &me, decision.clone(), ids)
        })
        .await
    }

    /// Sends back, recalls, adds a co-signer or hands over a task the caller holds.
    pub async fn move_task(
        &self,
        signed: &Signed,
        id: &str,
        task: &str,
        req: &TaskMove,
    ) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Flow).await?;
        self.task_for(signed, &case, task).await?;
        if let TaskMove::Cosign { colleague } | TaskMove::HandOver { colleague } = req {
            self.colleague_may_take(&case, task, colleague).await?;
        }
        let me = signed.account.id.clone();
        self.apply(case, &signed.account.id, 0, |doc, ctx, ids| match req {
            TaskMove::SendBack { to, reason } => doc.send_back(ctx, task, &me, to, reason, ids),
            TaskMove::Recall => doc.recall(ctx, task, &me),
            TaskMove::Cosign { colleague } => doc.add_cosigner(ctx, task, &me, colleague, ids),
            TaskMove::HandOver { colleague } => doc.hand_over(ctx, task, &me, colleague),
        })
        .await
    }

    /// A colleague must be able to take the task themselves.
    async fn colleague_may_take(
        &self,
        case: &StoredCase,
        task: &str,
        colleague: &str,
    ) -> Result<(), Error> {
        let not_eligible =
            || Error::invalid("colleague", Message::new("case-colleague-not-eligible"));
        let Some(account) = self.store.account(colleague).await? else {
            return Err(not_eligible());
        };
        let grants =
            crate::principal::effective(&account.id, self.store.grants_of(&account.id).await?)
                .into_iter()
                .map(|g| g.grant)
                .collect();
        let other = Signed {
            account,
            grants,
            session: None,
            source: String::new(),
        };
        let t = case
            .doc
            .tasks
            .iter()
            .find(|t| t.id == task)
            .ok_or_else(not_eligible)?;
        if other.account.disabled_at.is_none() && self.may_take(&other, t, case).await? {
            Ok(())
        } else {
            Err(not_eligible())
        }
    }

    /// An external step's result, from the department's system (an API token of a staff
    /// account of the task's department) or entered by hand.
    pub async fn external_result(
        &self,
        signed: &Signed,
        id: &str,
        task: &str,
        req: &ExternalResult,
    ) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Flow).await?;
        self.task_for(signed, &case, task).await?;
        if req.document.chars().count() > 100 {
            return Err(Error::invalid(
                "document",
                Message::new("invalid-too-long").number("max", 100),
            ));
        }
        let me = signed.account.id.clone();
        let result = External {
            pass: req.pass,
            document: &req.document,
            reason: req.reason.as_deref(),
        };
        self.apply(case, &signed.account.id, 0, |doc, ctx, ids| {
            doc.external(ctx, task, &me, result, ids)
        })
        .await
    }

    /// Starts (`Some(name)`) or ends a special procedure, which stops the clock: the
    /// implementing department's back office only, never a window that merely accepted.
    pub async fn special_procedure(
        &self,
        signed: &Signed,
        id: &str,
        name: Option<&str>,
    ) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Department).await?;
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = name {
            let imp = self
                .pinned(&case.implementation_code, case.implementation_version)
                .await?;
            if !imp
                .resolved
                .content
                .special_procedures
                .iter()
                .any(|p| p.name == n)
            {
                return Err(Error::invalid(
                    "name",
                    Message::new("case-special-unknown").text("name", n),
                ));
            }
        }
        self.apply(case, &signed.account.id, 0, |doc, ctx, _| {
            doc.special_procedure(ctx, name)
        })
        .await
    }

    /// Records the later check of a case's commitments (告知承诺制的事后核查) by the
    /// implementing department: true, or false with what was found.
    pub async fn check_commitments(
        &self,
        signed: &Signed,
        id: &str,
        req: &super::CommitmentCheckRequest,
    ) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Department).await?;
        let note = req.note.clone().unwrap_or_default();
        if note.chars().count() > 500 {
            return Err(Error::invalid(
                "note",
                Message::new("invalid-too-long").number("max", 500),
            ));
        }
        let me = signed.account.id.clone();
        self.apply(case, &signed.account.id, 0, |doc, ctx, _| {
            doc.check_commitments(ctx.today, &me, req.truthful, &note)
        })
        .await
    }

    /// Concludes a decided case with its decision document.
    pub async fn conclude(&self, signed: &Signed, id: &str) -> Result<Acted, Error> {
        let case = self.case_needing(signed, id, Need::Window).await?;
        let me = signed.account.id.clone();
        self.apply(case, &signed.account.id, 0, |doc, ctx, _| {
            doc.conclude(ctx.today, &me)
        })
        .await
    }

    /// Hands out (or sends) a concluded case's result; at a window it counts as a visit.
    pub async fn deliver(
        &self,
        signed: &Signed,
        id: &str,
        req: &DeliveryRequest,
    ) -> Result<Acted, Error> {
        let method = DeliveryMethod::from_key(req.method.trim()).ok_or_else(|| {
            Error::invalid(
                "method",
                Message::new("case-delivery-unknown").text("value", &req.method),
            )
        })?;
        let address = req
            .address
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        let tracking = req
            .tracking
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from);
        if method == DeliveryMethod::Post && tracking.is_none() {
            return Err(Error::invalid(
                "tracking",
                Message::new("case-tracking-required"),
            ));
        }
        let case = self.case_needing(signed, id, Need::Window).await?;
        // What the applicant chose with the application matters only for sending.
        let document = match method {
            DeliveryMethod::Window => None,
            _ => self
                .store
                .application(&case.application_id)
                .await?
                .map(|a| a.document),
        };
        if method == DeliveryMethod::Electronic {
            // Sent electronically only where the applicant consented to it.
            let consented = document
                .as_ref()
                .and_then(|d| d.get("consents")?.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .any(|c| c.as_str() == Some(Consent::ElectronicDelivery.key()));
            if !consented {
                return Err(Error::invalid(
                    "method",
                    Message::new("case-consent-electronic-delivery"),
                ));
            }
        }
        let place = match (method, address) {
            (DeliveryMethod::Post, Some(a)) => Some(self.security.cipher.seal("case.address", a)?),
            // The address the applicant gave with the application, sealed as it was.
            (DeliveryMethod::Post, None) => {
                let given = document
                    .as_ref()
                    .and_then(|d| d.get("address")?.as_str().map(String::from));
                Some(given.ok_or_else(|| {
                    Error::invalid("address", Message::new("case-address-required"))
                })?)
            }
            _ => signed.account.organization.clone(),
        };
        let me = signed.account.id.clone();
        let visits = i64::from(method == DeliveryMethod::Window);
        self.apply(case, &signed.account.id, visits, |doc, ctx, _| {
            doc.deliver(Delivery {
                method,
                on: ctx.today,
                by: me.clone(),
                place: place.clone(),
                tracking: tracking.clone(),
            })
        })
        .await
    }
}
