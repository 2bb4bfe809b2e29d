//! The back office's work on an accepted case: claiming and deciding tasks, corrections,
//! external results, send-backs, recalls, co-signers, hand-overs, special procedures and
//! escalation; each through the flow engine, with the case's state and clocks following.

use super::engine::Decision;
use super::law::Pause;
use super::lifecycle::{CaseDoc, CaseError, CommitmentCheck, Ctx, Transition};
use super::CaseState;

/// An external step's result as entered.
#[derive(Debug, Clone, Copy)]
pub struct External<'a> {
    pub pass: bool,
    /// The decision document's number in the department's own system.
    pub document: &'a str,
    /// Why it was denied.
    pub reason: Option<&'a str>,
}

impl CaseDoc {
    /// A staff member takes a task.
    pub fn claim(&mut self, ctx: &Ctx<'_>, task: &str, by: &str) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::InProgress])?;
        self.with_engine(ctx, |e, tasks| e.claim(tasks, task, by))?;
        Ok(self.moved("claim", before, Some(task), String::new()))
    }

    /// A staff member decides a task they hold.
    pub fn decide(
        &mut self,
        ctx: &Ctx<'_>,
        task: &str,
        by: &str,
        decision: Decision,
        ids: &mut dyn FnMut() -> String,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::InProgress])?;
        let (action, reason) = match &decision {
            Decision::Pass => ("pass", None),
            Decision::Return(r) => ("return_for_correction", Some(r.clone())),
            Decision::Deny(r) => ("deny", Some(r.clone())),
        };
        if reason.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(CaseError::ReasonRequired);
        }
        let outcome = self.with_engine(ctx, |e, tasks| e.decide(tasks, task, by, decision, ids))?;
        let note = reason.clone().unwrap_or_default();
        self.follow(outcome, ctx, reason);
        Ok(self.moved(action, before, Some(task), note))
    }

    /// The applicant corrected what was asked: the clock resumes with the days that remained.
    pub fn corrected(&mut self, ctx: &Ctx<'_>) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Correction])?;
        self.with_engine(ctx, |e, tasks| {
            e.corrected(tasks);
            Ok(())
        })?;
        self.correction = None;
        // A special procedure still running keeps the clock stopped (art. 45).
        if self.special.is_none() {
            self.resume(ctx);
        }
        self.state = CaseState::InProgress;
        Ok(self.moved("corrected", before, None, String::new()))
    }

    /// An external step's result: the number of its decision document in the department's
    /// own system always, and the reason of a denial.
    pub fn external(
        &mut self,
        ctx: &Ctx<'_>,
        task: &str,
        by: &str,
        result: External<'_>,
        ids: &mut dyn FnMut() -> String,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::InProgress])?;
        let External {
            pass,
            document,
            reason,
        } = result;
        let document = document.trim();
        if document.is_empty() {
            return Err(CaseError::DocumentRequired);
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if !pass && reason.is_none() {
            return Err(CaseError::ReasonRequired);
        }
        let checked = External {
            pass,
            document,
            reason,
        };
        let outcome =
            self.with_engine(ctx, |e, tasks| e.external(tasks, task, by, checked, ids))?;
        let reason = reason.map(str::to_string);
        let note = match &reason {
            Some(r) => format!("{document} {r}"),
            None => document.to_string(),
        };
        self.follow(outcome, ctx, reason);
        let action = if pass {
            "external_pass"
        } else {
            "external_deny"
        };
        Ok(self.moved(action, before, Some(task), note))
    }

    /// Back to an earlier step.
    pub fn send_back(
        &mut self,
        ctx: &Ctx<'_>,
        task: &str,
        by: &str,
        to: &str,
        reason: &str,
        ids: &mut dyn FnMut() -> String,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::InProgress])?;
        if reason.trim().is_empty() {
            return Err(CaseError::ReasonRequired);
        }
        self.with_engine(ctx, |e, tasks| {
            e.send_back(tasks, task, by, to, reason, ids)
        })?;
        Ok(self.moved("send_back", before, Some(task), to.to_string()))
    }

    /// Takes back one's decision.
    pub fn recall(&mut self, ctx: &Ctx<'_>, task: &str, by: &str) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::InProgress, CaseState::Decided])?;
        self.with_engine(ctx, |e, tasks| e.recall(tasks, task, by))?;
        self.state = CaseState::InProgress;
        self.verdict = None;
        Ok(self.moved("recall", before, Some(task), String::new()))
    }

    /// Adds a co-signer.
    pub fn add_cosigner(
        &mut self,
        ctx: &Ctx<'_>,
        task: &str,
        by: &str,
        colleague: &str,
        ids: &mut dyn FnMut() -> String,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::InProgress])?;
        self.with_engine(ctx, |e, tasks| {
            e.add_cosigner(tasks, task, by, colleague, ids)
        })?;
        Ok(self.moved("add_cosigner", before, Some(task), colleague.to_string()))
    }

    /// Hands a task to a colleague.
    pub fn hand_over(
        &mut self,
        ctx: &Ctx<'_>,
        task: &str,
        by: &str,
        colleague: &str,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::InProgress])?;
        self.with_engine(ctx, |e, tasks| e.hand_over(tasks, task, by, colleague))?;
        Ok(self.moved("hand_over", before, Some(task), colleague.to_string()))
    }

    /// Starts (with its name) or ends (`None`) a special procedure: the clocks stop and
    /// resume (《行政许可法》第四十五条).
    pub fn special_procedure(
        &mut self,
        ctx: &Ctx<'_>,
        name: Option<&str>,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::InProgress])?;
        match (name, &self.special) {
            (Some(n), None) => {
                self.special = Some(n.to_string());
                self.pause(Pause::SpecialProcedure, ctx);
                Ok(self.moved("special_procedure_started", before, None, n.to_string()))
            }
            (None, Some(_)) => {
                self.special = None;
                self.resume(ctx);
                Ok(self.moved("special_procedure_ended", before, None, String::new()))
            }
            _ => Err(CaseError::WrongState(before)),
        }
    }

    /// Marks overdue live tasks as escalated; the ids newly escalated.
    pub fn escalate(&mut self, ctx: &Ctx<'_>) -> Vec<String> {
        self.with_engine(ctx, |e, tasks| Ok(e.escalate(tasks)))
            .unwrap_or_default()
    }

    /// Whether the check its commitments promised is still to be done: accepted, not
    /// refused or terminated, with commitments and no check recorded.
    pub fn commitment_pending(&self) -> bool {
        !self.commitments.is_empty()
            && self.commitment_check.is_none()
            && matches!(
                self.state,
                CaseState::InProgress
                    | CaseState::Correction
                    | CaseState::Decided
                    | CaseState::Concluded
                    | CaseState::Delivered
            )
    }

    /// Records the later check of the commitments; a false commitment needs a note of what
    /// was found. The case's state does not change.
    pub fn check_commitments(
        &mut self,
        today: chrono::NaiveDate,
        by: &str,
        truthful: bool,
        note: &str,
    ) -> Result<Transition, CaseError> {
        if !self.commitment_pending() {
            return Err(CaseError::NothingToCheck);
        }
        let note = note.trim();
        if !truthful && note.is_empty() {
            return Err(CaseError::ReasonRequired);
        }
        self.commitment_check = Some(CommitmentCheck {
            on: today,
            by: by.to_string(),
            truthful,
            note: note.to_string(),
        });
        let action = if truthful {
            "commitment_confirmed"
        } else {
            "commitment_false"
        };
        Ok(self.moved(action, self.state, None, note.to_string()))
    }

    /// Whether a limit's last day waits for a year the calendar lacks.
    pub fn limits_unknown(&self) -> bool {
        [&self.promised, &self.legal]
            .into_iter()
            .flatten()
            .chain(
                self.tasks
                    .iter()
                    .filter(|t| t.state.is_live())
                    .map(|t| &t.limit),
            )
            .any(|l| l.pending.is_some())
    }

    /// Counts again the limits whose last day was unknown (the calendar lacked a year it
    /// now has). The case's state does not change; `WrongState` when nothing could be
    /// counted.
    pub fn settle_limits(
        &mut self,
        cal: &crate::calendar::WorkingCalendar,
    ) -> Result<Transition, CaseError> {
        let mut counted = 0;
        for limit in [&mut self.promised, &mut self.legal].into_iter().flatten() {
            if let Some(again) = limit.settle(cal) {
                *limit = again;
                counted += 1;
            }
        }
        for t in self.tasks.iter_mut().filter(|t| t.state.is_live()) {
            if let Some(again) = t.limit.settle(cal) {
                t.limit = again;
                counted += 1;
            }
        }
        if counted == 0 {
            return Err(CaseError::WrongState(self.state));
        }
        Ok(self.moved("limits_counted", self.state, None, counted.to_string()))
    }
}
