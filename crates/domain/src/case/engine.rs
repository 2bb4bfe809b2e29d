//! The flow engine: runs a case's pinned flow as tasks. A step opens when every step before
//! it is done (a step with several successors forks, one with several predecessors joins);
//! a step whose condition on the form does not hold is skipped; steps in one `distinct`
//! group are decided by pairwise different people. Staff claim an open task and decide it:
//! pass, return for correction, deny; they may also send a case back to any earlier step,
//! recall their own decision until the next step is claimed, add a co-signer, or hand a
//! task to a colleague. External steps wait for the department's own system.
//!
//! Who may take a task (role, department, division) is checked by the caller; the engine
//! knows people only by id.

use super::intake::{holds, FormData};
use super::law::{Limit, Urgency};
pub use super::task::{Task, TaskState, Verdict};
use crate::calendar::{UnknownYear, WorkingCalendar};
use crate::catalog::flow::{Flow, Step};
use crate::codes::StepRole;
use crate::message::{Explain, Message};
use chrono::NaiveDate;

/// What a decision led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Other steps are still to be done.
    Continues,
    /// Every step is done: the flow approves.
    Approved,
    /// A step denied: the flow ends.
    Denied,
    /// The applicant must correct something: the case's clock stops.
    Correction,
}

/// A decision on a claimed task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Pass,
    /// Back to the applicant for correction, with what to correct.
    Return(String),
    Deny(String),
}

/// Why the engine refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("没有这个待办")]
    NoSuchTask,
    #[error("待办已被他人签收或已办理")]
    NotOpen,
    #[error("待办尚未由你签收")]
    NotClaimedByYou,
    #[error("待办已办理")]
    AlreadyDecided,
    #[error("同一办件的“{0}”已由你办理，本环节须由他人办理")]
    SamePerson(String),
    #[error("只能退回到之前的环节")]
    NotEarlier,
    #[error("下一环节已签收，不能撤回")]
    NextClaimed,
    #[error("另一环节已作出不予批准的决定，不能撤回")]
    DeniedElsewhere,
    #[error("这个环节不在外部系统办理")]
    NotExternal,
    #[error("不能交给自己")]
    ToSelf,
    #[error("流程缺少环节“{0}”")]
    MissingStep(String),
    #[error(transparent)]
    Calendar(#[from] UnknownYear),
}

impl Explain for FlowError {
    fn explain(&self) -> Message {
        match self {
            FlowError::NoSuchTask => Message::new("flow-no-such-task"),
            FlowError::NotOpen => Message::new("flow-not-open"),
            FlowError::NotClaimedByYou => Message::new("flow-not-claimed-by-you"),
            FlowError::AlreadyDecided => Message::new("flow-already-decided"),
            FlowError::SamePerson(step) => Message::new("flow-same-person").text("step", step),
            FlowError::NotEarlier => Message::new("flow-not-earlier"),
            FlowError::NextClaimed => Message::new("flow-next-claimed"),
            FlowError::DeniedElsewhere => Message::new("flow-denied-elsewhere"),
            FlowError::NotExternal => Message::new("flow-not-external"),
            FlowError::ToSelf => Message::new("flow-to-self"),
            FlowError::MissingStep(step) => Message::new("flow-missing-step").text("step", step),
            FlowError::Calendar(y) => Message::new("calendar-unknown-year")
                .number("year", usize::try_from(y.0).unwrap_or_default()),
        }
    }
}

/// A flow run over a case's answers, on a working calendar, today.
pub struct Engine<'a> {
    pub flow: &'a Flow,
    pub form: &'a FormData,
    /// The implementing department: steps without their own department are its.
    pub department: &'a str,
    pub cal: &'a WorkingCalendar,
    pub today: NaiveDate,
}

impl Engine<'_> {
    fn step(&self, id: &str) -> Result<&Step, FlowError> {
        self.flow
            .steps
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| FlowError::MissingStep(id.to_string()))
    }

    fn predecessors(&self, id: &str) -> Vec<&str> {
        self.flow
            .steps
            .iter()
            .filter(|s| s.next.iter().any(|n| n == id))
            .map(|s| s.id.as_str())
            .collect()
    }

    /// Every step after `id`, transitively.
    fn descendants(&self, id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut todo = vec![id.to_string()];
        while let Some(s) = todo.pop() {
            for n in self.step(&s).map(|st| st.next.clone()).unwrap_or_default() {
                if !out.contains(&n) {
                    out.push(n.clone());
                    todo.push(n);
                }
            }
        }
        out
    }

    /// The latest task of a step (its current round's main task).
    fn latest<'t>(&self, tasks: &'t [Task], step: &str) -> Option<&'t Task> {
        tasks
            .iter()
            .filter(|t| t.step == step && t.cosigns.is_none())
            .max_by_key(|t| t.round)
    }

    /// Whether a step's current round is finished: passed or skipped, co-signers included.
    fn finished(&self, tasks: &[Task], step: &str) -> bool {
        let Some(main) = self.latest(tasks, step) else {
            return false;
        };
        main.state == TaskState::Done
            && matches!(main.verdict, Some(Verdict::Pass | Verdict::Skipped))
            && tasks
                .iter()
                .filter(|t| t.cosigns.as_deref() == Some(main.id.as_str()))
                .all(|t| t.state == TaskState::Done || t.state == TaskState::Cancelled)
    }

    fn new_task(&self, step: &Step, round: u32, id: String) -> Result<Task, FlowError> {
        Ok(Task {
            id,
            step: step.id.clone(),
            round,
            role: step.step_role().unwrap_or(StepRole::Handler),
            department: step
                .department
                .as_ref()
                .map_or_else(|| self.department.to_string(), |d| d.to_string()),
            state: if step.external {
                TaskState::External
            } else {
                TaskState::Open
            },
            claimed_by: None,
            verdict: None,
            decided_by: None,
            reason: None,
            document: None,
            opened: self.today,
            limit: Limit::start(self.today, u32::from(step.days), self.cal),
            cosigns: None,
            escalated: false,
        })
    }

    /// Opens `step` (or skips it when its condition does not hold, and goes on past it).
    fn open(
        &self,
        tasks: &mut Vec<Task>,
        step: &str,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<(), FlowError> {
        let s = self.step(step)?;
        let round = self.latest(tasks, step).map_or(1, |t| t.round + 1);
        let mut task = self.new_task(s, round, new_id())?;
        if holds(&s.when, self.form) {
            tasks.push(task);
            return Ok(());
        }
        task.state = TaskState::Done;
        task.verdict = Some(Verdict::Skipped);
        tasks.push(task);
        self.advance(tasks, step, new_id)
    }

    /// After `step` finished: opens each successor whose predecessors have all finished.
    fn advance(
        &self,
        tasks: &mut Vec<Task>,
        step: &str,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<(), FlowError> {
        for next in self.step(step)?.next.clone() {
            let live = self.latest(tasks, &next).is_some_and(|t| t.state.is_live());
            let ready = self
                .predecessors(&next)
                .iter()
                .all(|p| self.finished(tasks, p));
            if ready && !live {
                self.open(tasks, &next, new_id)?;
            }
        }
        Ok(())
    }

    /// Where the flow stands: approved once every step is finished and nothing is live.
    fn outcome(&self, tasks: &[Task]) -> Outcome {
        let all_done = self.flow.steps.iter().all(|s| self.finished(tasks, &s.id));
        if all_done && !tasks.iter().any(|t| t.state.is_live()) {
            Outcome::Approved
        } else {
            Outcome::Continues
        }
    }

    /// Starts the flow when a clerk accepts the case: the start step, when it is the
    /// window's acceptance, is done by that clerk; the steps after it open.
    pub fn start(
        &self,
        tasks: &mut Vec<Task>,
        accepted_by: &str,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<Outcome, FlowError> {
        let start = self.step(&self.flow.start)?;
        if start.step_role() == Some(StepRole::WindowClerk) && !start.external {
            let mut task = self.new_task(start, 1, new_id())?;
            task.state = TaskState::Done;
            task.verdict = Some(Verdict::Pass);
            task.claimed_by = Some(accepted_by.to_string());
            task.decided_by = Some(accepted_by.to_string());
            tasks.push(task);
            self.advance(tasks, &self.flow.start, new_id)?;
        } else {
            self.open(tasks, &self.flow.start, new_id)?;
        }
        Ok(self.outcome(tasks))
    }

    fn find<'t>(tasks: &'t mut [Task], id: &str) -> Result<&'t mut Task, FlowError> {
        tasks
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(FlowError::NoSuchTask)
    }

    /// Takes an open task.
    pub fn claim(&self, tasks: &mut [Task], id: &str, actor: &str) -> Result<(), FlowError> {
        let step = Self::find(tasks, id)?.step.clone();
        self.check_distinct(tasks, &step, actor)?;
        let task = Self::find(tasks, id)?;
        if task.state != TaskState::Open {
            return Err(FlowError::NotOpen);
        }
        task.state = TaskState::Claimed;
        task.claimed_by = Some(actor.to_string());
        Ok(())
    }

    /// Refuses when `actor` already decided another step of a `distinct` group the task's
    /// step belongs to (in the steps' current rounds).
    fn check_distinct(&self, tasks: &[Task], step: &str, actor: &str) -> Result<(), FlowError> {
        for group in self
            .flow
            .distinct
            .iter()
            .filter(|g| g.iter().any(|s| s == step))
        {
            for other in group.iter().filter(|s| *s != step) {
                let by_actor = tasks.iter().any(|t| {
                    &t.step == other
                        && t.state == TaskState::Done
                        && t.verdict == Some(Verdict::Pass)
                        && t.decided_by.as_deref() == Some(actor)
                        && self
                            .latest(tasks, other)
                            .is_some_and(|l| l.round == t.round)
                });
                if by_actor {
                    let name = self.step(other).map_or(other.clone(), |s| s.name.clone());
                    return Err(FlowError::SamePerson(name));
                }
            }
        }
        Ok(())
    }

    /// Decides a task the actor has claimed.
    pub fn decide(
        &self,
        tasks: &mut Vec<Task>,
        id: &str,
        actor: &str,
        decision: Decision,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<Outcome, FlowError> {
        let (step, state, claimed_by) = {
            let t = Self::find(tasks, id)?;
            (t.step.clone(), t.state, t.claimed_by.clone())
        };
        match state {
            TaskState::Claimed if claimed_by.as_deref() == Some(actor) => {}
            TaskState::Done | TaskState::Cancelled => return Err(FlowError::AlreadyDecided),
            _ => return Err(FlowError::NotClaimedByYou),
        }
        if decision == Decision::Pass {
            self.check_distinct(tasks, &step, actor)?;
        }
        let task = Self::find(tasks, id)?;
        match decision {
            Decision::Pass => {
                task.state = TaskState::Done;
                task.verdict = Some(Verdict::Pass);
                task.decided_by = Some(actor.to_string());
                if self.finished(tasks, &step) {
                    self.advance(tasks, &step, new_id)?;
                }
                Ok(self.outcome(tasks))
            }
            Decision::Return(reason) => {
                task.state = TaskState::Correction;
                task.reason = Some(reason);
                Ok(Outcome::Correction)
            }
            Decision::Deny(reason) => {
                task.state = TaskState::Done;
                task.verdict = Some(Verdict::Deny);
                task.decided_by = Some(actor.to_string());
                task.reason = Some(reason);
                for t in tasks.iter_mut().filter(|t| t.state.is_live()) {
                    t.state = TaskState::Cancelled;
                }
                Ok(Outcome::Denied)
            }
        }
    }

    /// The applicant corrected what was asked: the task is the asker's again.
    pub fn corrected(&self, tasks: &mut [Task]) {
        for t in tasks
            .iter_mut()
            .filter(|t| t.state == TaskState::Correction)
        {
            t.state = TaskState::Claimed;
        }
    }

    /// The result of an external step, entered by hand or called back by the department's
    /// system.
    pub fn external(
        &self,
        tasks: &mut Vec<Task>,
        id: &str,
        by: &str,
        result: super::work::External<'_>,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<Outcome, FlowError> {
        let task = Self::find(tasks, id)?;
        match task.state {
            TaskState::External => {}
            TaskState::Done | TaskState::Cancelled => return Err(FlowError::AlreadyDecided),
            _ => return Err(FlowError::NotExternal),
        }
        task.state = TaskState::Claimed;
        task.claimed_by = Some(by.to_string());
        task.document = Some(result.document.to_string());
        let decision = match result.reason {
            _ if result.pass => Decision::Pass,
            r => Decision::Deny(r.unwrap_or_default().to_string()),
        };
        self.decide(tasks, id, by, decision, new_id)
    }

    /// Sends the case back from a task the actor holds to an earlier step, with a reason:
    /// that step opens again in a new round; the tasks after it still live are cancelled.
    pub fn send_back(
        &self,
        tasks: &mut Vec<Task>,
        id: &str,
        actor: &str,
        to: &str,
        reason: &str,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<(), FlowError> {
        let step = {
            let t = Self::find(tasks, id)?;
            if t.state != TaskState::Claimed || t.claimed_by.as_deref() != Some(actor) {
                return Err(FlowError::NotClaimedByYou);
            }
            t.step.clone()
        };
        self.step(to)?;
        if !self.descendants(to).contains(&step) {
            return Err(FlowError::NotEarlier);
        }
        let after = self.descendants(to);
        for t in tasks.iter_mut() {
            if t.state.is_live() && after.contains(&t.step) {
                t.state = TaskState::Cancelled;
                t.reason = Some(reason.to_string());
            }
        }
        self.open(tasks, to, new_id)
    }

    /// Takes back the actor's own decision while the tasks it opened are not yet claimed:
    /// those are cancelled and the actor holds the task again.
    pub fn recall(&self, tasks: &mut [Task], id: &str, actor: &str) -> Result<(), FlowError> {
        let at = tasks
            .iter()
            .position(|t| t.id == id)
            .ok_or(FlowError::NoSuchTask)?;
        let t = &tasks[at];
        if t.state != TaskState::Done
            || t.verdict != Some(Verdict::Pass)
            || t.decided_by.as_deref() != Some(actor)
        {
            return Err(FlowError::NotClaimedByYou);
        }
        // A parallel step's denial decided the case: taking one's pass back would reopen a
        // case that can no longer be approved.
        if tasks
            .iter()
            .any(|o| o.state == TaskState::Done && o.verdict == Some(Verdict::Deny))
        {
            return Err(FlowError::DeniedElsewhere);
        }
        let next = self.step(&t.step)?.next.clone();
        // Tasks are appended as they open: those of the next steps opened after this one.
        let later: Vec<usize> = (at + 1..tasks.len())
            .filter(|i| next.contains(&tasks[*i].step) && tasks[*i].state != TaskState::Cancelled)
            .collect();
        let untouched = |t: &Task| matches!(t.state, TaskState::Open | TaskState::External);
        if later.iter().any(|i| !untouched(&tasks[*i])) {
            return Err(FlowError::NextClaimed);
        }
        for i in later {
            tasks[i].state = TaskState::Cancelled;
            tasks[i].reason = Some("recalled".into());
        }
        let task = &mut tasks[at];
        task.state = TaskState::Claimed;
        task.verdict = None;
        task.decided_by = None;
        Ok(())
    }

    /// Adds a co-signer (加签) beside a task the actor holds: the step finishes only when the
    /// co-signer passes too.
    pub fn add_cosigner(
        &self,
        tasks: &mut Vec<Task>,
        id: &str,
        actor: &str,
        colleague: &str,
        new_id: &mut dyn FnMut() -> String,
    ) -> Result<(), FlowError> {
        if colleague == actor {
            return Err(FlowError::ToSelf);
        }
        let main = Self::find(tasks, id)?.clone();
        if main.state != TaskState::Claimed || main.claimed_by.as_deref() != Some(actor) {
            return Err(FlowError::NotClaimedByYou);
        }
        self.check_distinct(tasks, &main.step, colleague)?;
        let mut co = self.new_task(self.step(&main.step)?, main.round, new_id())?;
        co.state = TaskState::Claimed;
        co.claimed_by = Some(colleague.to_string());
        co.cosigns = Some(main.id);
        tasks.push(co);
        Ok(())
    }

    /// Hands a task the actor holds to a colleague.
    pub fn hand_over(
        &self,
        tasks: &mut [Task],
        id: &str,
        actor: &str,
        colleague: &str,
    ) -> Result<(), FlowError> {
        if colleague == actor {
            return Err(FlowError::ToSelf);
        }
        let step = Self::find(tasks, id)?.step.clone();
        self.check_distinct(tasks, &step, colleague)?;
        let task = Self::find(tasks, id)?;
        if task.state != TaskState::Claimed || task.claimed_by.as_deref() != Some(actor) {
            return Err(FlowError::NotClaimedByYou);
        }
        task.claimed_by = Some(colleague.to_string());
        Ok(())
    }

    /// Marks live tasks past their limit as escalated to the supervisor; the ids newly
    /// escalated.
    pub fn escalate(&self, tasks: &mut [Task]) -> Vec<String> {
        let mut out = Vec::new();
        for t in tasks
            .iter_mut()
            .filter(|t| t.state.is_live() && !t.escalated)
        {
            if t.limit.urgency(self.today, self.cal) == Urgency::Overdue {
                t.escalated = true;
                out.push(t.id.clone());
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
