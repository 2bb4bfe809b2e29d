//! A case's life, as rules over its document: received, told once what is missing, refused
//! or accepted (in full, with a deficiency, or deemed), worked through its flow with its
//! clocks (stopped for corrections and special procedures), decided, concluded with a
//! decision, handed out. Each transition checks the state it starts from and says what it
//! did, for the journal.

use super::engine::{Engine, FlowError, Outcome, Task};
use super::intake::{FormData, Intake, MaterialsPresented};
use super::law::{Limit, Pause};
use super::CaseState;
use crate::calendar::WorkingCalendar;
use crate::catalog::flow::Flow;
use crate::catalog::matter::Content;
use crate::codes::LimitUnit;
use crate::message::{Explain, Message};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Materials accepted as missing (容缺), to be supplied by a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deficiency {
    pub materials: Vec<String>,
    pub due: NaiveDate,
}

/// The later check a signed commitment promised (告知承诺制的事后核查).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentCheck {
    pub on: NaiveDate,
    pub by: String,
    /// Whether what the applicant committed to was true.
    pub truthful: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// What the back office decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub approved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub on: NaiveDate,
}

/// The decision document's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conclusion {
    pub approved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub on: NaiveDate,
    pub by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// Handed out at a window (a visit).
    Window,
    Electronic,
    Post,
}

impl DeliveryMethod {
    pub const ALL: &'static [DeliveryMethod] = &[
        DeliveryMethod::Window,
        DeliveryMethod::Electronic,
        DeliveryMethod::Post,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DeliveryMethod::Window => "window",
            DeliveryMethod::Electronic => "electronic",
            DeliveryMethod::Post => "post",
        }
    }

    pub fn from_key(key: &str) -> Option<DeliveryMethod> {
        DeliveryMethod::ALL.iter().copied().find(|m| m.key() == key)
    }
}

/// How the result reached the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub method: DeliveryMethod,
    pub on: NaiveDate,
    pub by: String,
    /// The place handing it out, or the postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
}

/// Everything a case holds beyond its identity: the state, its dates, the intake, the
/// flow's tasks, the clocks, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDoc {
    pub state: CaseState,
    pub received_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_on: Option<NaiveDate>,
    /// The latest check of what was submitted.
    pub intake: Intake,
    /// How each material was presented, by id.
    #[serde(default)]
    pub presented: MaterialsPresented,
    /// Complete notices given.
    #[serde(default)]
    pub notices: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// The promised limit (承诺时限) and the legal one (法定时限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised: Option<Limit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal: Option<Limit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deficiency: Option<Deficiency>,
    /// Materials replaced by a signed commitment, flagged for the check it promises.
    #[serde(default)]
    pub commitments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment_check: Option<CommitmentCheck>,
    /// What the applicant was asked to correct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<String>,
    /// A special procedure under way (its name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// The day a case ended because its deferred materials were not supplied by their date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated_on: Option<NaiveDate>,
    /// How the applicant confirmed what the window entered for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Confirmation>,
}

/// How an applicant confirms an application a clerk entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    /// On the citizen-facing second screen beside the window (一主机双屏).
    SecondScreen,
    /// By signing the printed application.
    SignedPaper,
}

impl Confirmation {
    pub fn key(self) -> &'static str {
        match self {
            Confirmation::SecondScreen => "second_screen",
            Confirmation::SignedPaper => "signed_paper",
        }
    }

    pub fn from_key(key: &str) -> Option<Confirmation> {
        [Confirmation::SecondScreen, Confirmation::SignedPaper]
            .into_iter()
            .find(|c| c.key() == key)
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("办件当前状态为 {0:?}，不能这样办理")]
    WrongState(CaseState),
    #[error("材料或信息不全，应出具一次性告知书")]
    Incomplete,
    #[error("缺少的材料不都允许容缺")]
    NotDeferrable,
    #[error("容缺补交日期不能晚于承诺办结日 {0}")]
    DueTooLate(NaiveDate),
    #[error("补交日期不能早于今天")]
    DueInPast,
    #[error("需要说明理由")]
    ReasonRequired,
    #[error("需要填写外部系统的决定文书编号")]
    DocumentRequired,
    #[error("这件办件没有待核查的承诺")]
    NothingToCheck,
    #[error("容缺受理的材料尚未补交，准予的决定还不能办结送达")]
    MaterialsOwed,
    #[error("申请人已经确认过这份申请")]
    AlreadyConfirmed,
    #[error(transparent)]
    Flow(#[from] FlowError),
}

impl Explain for CaseError {
    fn explain(&self) -> Message {
        match self {
            CaseError::WrongState(s) => {
                Message::new("case-wrong-state").label("state", format!("case-state-{}", s.key()))
            }
            CaseError::Incomplete => Message::new("case-incomplete"),
            CaseError::NotDeferrable => Message::new("case-not-deferrable"),
            CaseError::DueTooLate(d) => Message::new("case-due-too-late").text("date", d),
            CaseError::DueInPast => Message::new("case-due-in-past"),
            CaseError::ReasonRequired => Message::new("case-reason-required"),
            CaseError::DocumentRequired => Message::new("case-document-required"),
            CaseError::NothingToCheck => Message::new("case-nothing-to-check"),
            CaseError::MaterialsOwed => Message::new("case-materials-owed"),
            CaseError::AlreadyConfirmed => Message::new("case-already-confirmed"),
            CaseError::Flow(e) => e.explain(),
        }
    }
}

/// What a transition did, for the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub action: &'static str,
    pub before: CaseState,
    pub after: CaseState,
    /// The task it concerned, if any.
    pub task: Option<String>,
    /// A short note without personal data (a reason, a step, a date).
    pub note: String,
}

/// What a transition works with: the case's pinned content, its answers, the implementing
/// department, the calendar, and today.
pub struct Ctx<'a> {
    pub content: &'a Content,
    pub form: &'a FormData,
    pub department: &'a str,
    pub cal: &'a WorkingCalendar,
    pub today: NaiveDate,
}

/// The one-step flow a matter without its own flow gets: accepted and done at the window.
fn window_only() -> Flow {
    Flow {
        start: "accept".into(),
        steps: vec![crate::catalog::flow::Step {
            id: "accept".into(),
            name: "受理".into(),
            role: "window_clerk".into(),
            department: None,
            days: 0,
            next: Vec::new(),
            when: None,
            external: false,
        }],
        distinct: Vec::new(),
    }
}

impl CaseDoc {
    /// A case as received on `received_on`, with what its submission lacks.
    pub fn received(received_on: NaiveDate, intake: Intake) -> CaseDoc {
        CaseDoc {
            state: CaseState::Submitted,
            received_on,
            accepted_on: None,
            intake,
            presented: MaterialsPresented::new(),
            notices: 0,
            refusal: None,
            tasks: Vec::new(),
            promised: None,
            legal: None,
            deficiency: None,
            commitments: Vec::new(),
            commitment_check: None,
            correction: None,
            special: None,
            verdict: None,
            conclusion: None,
            delivery: None,
            terminated_on: None,
            confirmed: None,
        }
    }

    /// Whether the flow has denied the case.
    pub fn denied(&self) -> bool {
        self.verdict.as_ref().is_some_and(|v| !v.approved)
    }

    pub(super) fn expect(&self, states: &[CaseState]) -> Result<CaseState, CaseError> {
        if states.contains(&self.state) {
            Ok(self.state)
        } else {
            Err(CaseError::WrongState(self.state))
        }
    }

    pub(super) fn moved(
        &mut self,
        action: &'static str,
        before: CaseState,
        task: Option<&str>,
        note: String,
    ) -> Transition {
        Transition {
            action,
            before,
            after: self.state,
            task: task.map(str::to_string),
            note,
        }
    }

    /// The flow the case runs.
    pub fn flow(content: &Content) -> Flow {
        content.flow.clone().unwrap_or_else(window_only)
    }

    pub(super) fn with_engine<T>(
        &mut self,
        ctx: &Ctx<'_>,
        f: impl FnOnce(&Engine<'_>, &mut Vec<Task>) -> Result<T, FlowError>,
    ) -> Result<T, FlowError> {
        let flow = Self::flow(ctx.content);
        let engine = Engine {
            flow: &flow,
            form: ctx.form,
            department: ctx.department,
            cal: ctx.cal,
            today: ctx.today,
        };
        f(&engine, &mut self.tasks)
    }

    pub(super) fn follow(&mut self, outcome: Outcome, ctx: &Ctx<'_>, reason: Option<String>) {
        match outcome {
            Outcome::Continues => self.state = CaseState::InProgress,
            Outcome::Approved | Outcome::Denied => {
                self.state = CaseState::Decided;
                self.verdict = Some(Verdict {
                    approved: outcome == Outcome::Approved,
                    reason,
                    on: ctx.today,
                });
            }
            Outcome::Correction => {
                self.state = CaseState::Correction;
                self.correction = reason;
                self.pause(Pause::Correction, ctx);
            }
        }
    }

    pub(super) fn pause(&mut self, why: Pause, ctx: &Ctx<'_>) {
        self.promised = self.promised.map(|l| l.stop(ctx.today, why, ctx.cal));
        self.legal = self.legal.map(|l| l.stop(ctx.today, why, ctx.cal));
        for t in self.tasks.iter_mut().filter(|t| t.state.is_live()) {
            t.limit = t.limit.stop(ctx.today, why, ctx.cal);
        }
    }

    pub(super) fn resume(&mut self, ctx: &Ctx<'_>) {
        self.promised = self.promised.map(|l| l.resume(ctx.today, ctx.cal));
        self.legal = self.legal.map(|l| l.resume(ctx.today, ctx.cal));
        for t in self.tasks.iter_mut().filter(|t| t.state.is_live()) {
            t.limit = t.limit.resume(ctx.today, ctx.cal);
        }
    }

    fn start(
        &mut self,
        ctx: &Ctx<'_>,
        by: &str,
        from: NaiveDate,
        ids: &mut dyn FnMut() -> String,
    ) -> Result<(), CaseError> {
        let limit = |t: &crate::catalog::matter::TimeLimit| {
            Limit::start_in(
                from,
                u32::from(t.days),
                t.unit == LimitUnit::NaturalDay,
                ctx.cal,
            )
        };
        self.promised = Some(limit(&ctx.content.promised_limit));
        self.legal = Some(limit(&ctx.content.legal_limit));
        self.accepted_on = Some(from);
        self.commitments = self.intake.commitments.clone();
        let outcome = self.with_engine(ctx, |e, tasks| e.start(tasks, by, ids))?;
        self.follow(outcome, ctx, None);
        Ok(())
    }

    /// Accepts a complete application: its clocks start (the day itself not counted) and
    /// its flow begins.
    pub fn accept(
        &mut self,
        ctx: &Ctx<'_>,
        by: &str,
        ids: &mut dyn FnMut() -> String,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Submitted])?;
        if !self.intake.is_complete() {
            return Err(CaseError::Incomplete);
        }
        self.start(ctx, by, ctx.today, ids)?;
        Ok(self.moved("accept", before, None, String::new()))
    }

    /// Accepts with deferred materials (容缺): only those the catalog allows, due no later
    /// than the promised limit's last day.
    pub fn accept_with_deficiency(
        &mut self,
        ctx: &Ctx<'_>,
        by: &str,
        due: NaiveDate,
        ids: &mut dyn FnMut() -> String,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Submitted])?;
        if !self.intake.may_accept_with_deficiency() {
            return Err(CaseError::NotDeferrable);
        }
        if due < ctx.today {
            return Err(CaseError::DueInPast);
        }
        let promised = ctx.content.promised_limit;
        let last = Limit::start_in(
            ctx.today,
            u32::from(promised.days),
            promised.unit == LimitUnit::NaturalDay,
            ctx.cal,
        );
        if let Some(last) = last.ends.filter(|l| due > *l) {
            return Err(CaseError::DueTooLate(last));
        }
        let materials = self.intake.gaps.iter().map(|g| g.key.clone()).collect();
        self.deficiency = Some(Deficiency { materials, due });
        self.start(ctx, by, ctx.today, ids)?;
        Ok(self.moved("accept_with_deficiency", before, None, due.to_string()))
    }

    /// An online application nobody acted on for five working days is accepted as of the
    /// day it was received (《行政许可法》第三十二条).
    pub fn deem_accepted(
        &mut self,
        ctx: &Ctx<'_>,
        ids: &mut dyn FnMut() -> String,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Submitted])?;
        self.start(ctx, "system", self.received_on, ids)?;
        Ok(self.moved(
            "deemed_accepted",
            before,
            None,
            self.received_on.to_string(),
        ))
    }

    /// Not accepted, with a reason.
    pub fn refuse(&mut self, reason: &str) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Submitted, CaseState::Incomplete])?;
        if reason.trim().is_empty() {
            return Err(CaseError::ReasonRequired);
        }
        self.state = CaseState::Refused;
        self.refusal = Some(reason.trim().to_string());
        Ok(self.moved("refuse", before, None, reason.trim().to_string()))
    }

    /// Gives the one complete notice of everything missing.
    pub fn notice(&mut self) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Submitted, CaseState::Incomplete])?;
        self.state = CaseState::Incomplete;
        self.notices += 1;
        let n = self.intake.gaps.len();
        Ok(self.moved("complete_notice", before, None, format!("{n} items")))
    }

    /// The applicant brought what was missing: received again on `received_on`.
    pub fn resubmitted(
        &mut self,
        received_on: NaiveDate,
        intake: Intake,
        presented: MaterialsPresented,
    ) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Incomplete, CaseState::Submitted])?;
        self.state = CaseState::Submitted;
        self.received_on = received_on;
        self.intake = intake;
        self.presented = presented;
        Ok(self.moved("resubmitted", before, None, String::new()))
    }

    /// Deferred materials supplied.
    pub fn supplied(&mut self) -> Result<Transition, CaseError> {
        let before = self.state;
        if self.deficiency.take().is_none() || before.is_final() {
            return Err(CaseError::WrongState(before));
        }
        Ok(self.moved("deficiency_supplied", before, None, String::new()))
    }

    /// The applicant confirmed what the window entered, once, before the case ended.
    pub fn confirmed_by_applicant(&mut self, how: Confirmation) -> Result<Transition, CaseError> {
        let before = self.state;
        if before.is_final() {
            return Err(CaseError::WrongState(before));
        }
        if self.confirmed.is_some() {
            return Err(CaseError::AlreadyConfirmed);
        }
        self.confirmed = Some(how);
        Ok(self.moved("applicant_confirmed", before, None, how.key().into()))
    }

    /// Ends a case whose deferred materials were not supplied by their date.
    pub fn deficiency_expired(&mut self, today: NaiveDate) -> Result<Transition, CaseError> {
        let before = self.expect(&[
            CaseState::InProgress,
            CaseState::Correction,
            CaseState::Decided,
        ])?;
        match &self.deficiency {
            Some(d) if today > d.due => {}
            _ => return Err(CaseError::WrongState(before)),
        }
        self.state = CaseState::Terminated;
        self.terminated_on = Some(today);
        for t in self.tasks.iter_mut().filter(|t| t.state.is_live()) {
            t.state = super::TaskState::Cancelled;
        }
        Ok(self.moved("terminated", before, None, "deficiency not supplied".into()))
    }

    /// Concludes a decided case with its decision document.
    pub fn conclude(&mut self, today: NaiveDate, by: &str) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Decided])?;
        let verdict = self.verdict.clone().ok_or(CaseError::WrongState(before))?;
        // An approval goes out only with the materials accepted as owed (容缺) in hand; a
        // denial may conclude regardless.
        if verdict.approved && self.deficiency.is_some() {
            return Err(CaseError::MaterialsOwed);
        }
        self.conclusion = Some(Conclusion {
            approved: verdict.approved,
            reason: verdict.reason,
            on: today,
            by: by.to_string(),
        });
        self.state = CaseState::Concluded;
        let note = if verdict.approved {
            "approved"
        } else {
            "denied"
        };
        Ok(self.moved("conclude", before, None, note.into()))
    }

    /// The result handed out or sent.
    pub fn deliver(&mut self, delivery: Delivery) -> Result<Transition, CaseError> {
        let before = self.expect(&[CaseState::Concluded])?;
        let note = delivery.method.key().to_string();
        self.delivery = Some(delivery);
        self.state = CaseState::Delivered;
        Ok(self.moved("deliver", before, None, note))
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
